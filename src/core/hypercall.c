/*
 * SMCCC dispatch for guest calls. Function id in w0; SMC32 calls (bit 30
 * clear) take only the low 32 bits of their arguments. Registers keel does
 * not return in are left exactly as the guest had them.
 */
#include <keel/hypercall.h>
#include <keel/shm.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>

#define SMCCC_FAST_CALL     BIT(31)
#define SMCCC_64            BIT(30)
#define SMCCC_OWNER(fid)    (((fid) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH    0
#define SMCCC_OWNER_STD     4   /* standard secure services: PSCI */
#define SMCCC_OWNER_VENDOR_HYP 6

/* The arch calls hypercall_handle_fast() does not answer (SMCCC_VERSION it does). */
static void arch_call(struct vcpu *v, uint32_t fid, uint64_t a1)
{
	switch (fid) {
	case SMCCC_ARCH_FEATURES:
		if ((uint32_t)a1 == SMCCC_VERSION || (uint32_t)a1 == SMCCC_ARCH_FEATURES)
			smccc_set_ret(v, SMCCC_SUCCESS);
		else if ((uint32_t)a1 == SMCCC_ARCH_WORKAROUND_1 || (uint32_t)a1 == SMCCC_ARCH_WORKAROUND_2 ||
			 (uint32_t)a1 == SMCCC_ARCH_WORKAROUND_3)
			smccc_set_ret(v, arch_smccc_workaround_feature((uint32_t)a1));
		else
			smccc_set_ret(v, SMCCC_NOT_SUPPORTED);
		break;
	default:
		smccc_set_ret(v, SMCCC_NOT_SUPPORTED);
	}
}

/*
 * Bytes of a CONSOLE_WRITE fed to the UART model per hold of vm->lock. Each chunk's lines
 * go to the VM's output ring and are printed after vm->lock is dropped (vm_console.c), so
 * the lock is held for the time it takes to filter 64 bytes, never for console output.
 */
#define CONSOLE_WRITE_CHUNK 64

/* Out of line: its local whose address is taken would put a stack-protector check on the
 * whole dispatch path, which every hypercall takes. */
static __attribute__((noinline)) int64_t keel_console_write(struct vcpu *v, uint64_t ipa, uint64_t len)
{
	struct vm *vm = v->vm;
	uint64_t pa;

	if (len == 0)
		return 0;
	if (len > KEEL_CONSOLE_WRITE_MAX || !vm_ipa_to_pa(vm, ipa, len, &pa))
		return SMCCC_INVALID_PARAMETER;
	for (uint64_t done = 0; done < len; done += CONSOLE_WRITE_CHUNK) {
		uint64_t end = MIN(len, done + CONSOLE_WRITE_CHUNK);

		spin_lock(&vm->lock);
		for (uint64_t i = done; i < end; i++)
			if (vpl011_write(&vm->uart, 0, 1, ((volatile uint8_t *)(uintptr_t)pa)[i]))
				break; /* a one-byte write to DR cannot fail */
		vm_uart_irq_update(vm);
		spin_unlock(&vm->lock);
		vm_console_drain(vm);
	}
	return (int64_t)len;
}

static void keel_call(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2)
{
	switch (fid) {
	case KEEL_HC_CONSOLE_WRITE:
		smccc_set_ret(v, keel_console_write(v, a1, a2));
		break;
	case KEEL_HC_YIELD:
		smccc_set_ret(v, SMCCC_SUCCESS);
		sched_vcpu_yield();   /* the exit path puts it behind the vCPUs queued here */
		break;
	case KEEL_HC_DOORBELL:
		smccc_set_ret(v, shm_doorbell_hypercall(v->vm, a1));
		break;
	default:
		smccc_set_ret(v, SMCCC_NOT_SUPPORTED);
	}
}

void hypercall_handle(struct vcpu *v)
{
	struct vcpu_regs *r = &v->regs;
	uint32_t fid = (uint32_t)r->x[0];
	uint64_t mask = (fid & SMCCC_64) ? ~0ULL : 0xffffffffULL;
	uint64_t a1 = r->x[1] & mask, a2 = r->x[2] & mask, a3 = r->x[3] & mask;

	if (hypercall_handle_fast(v))
		return;
	if (!(fid & SMCCC_FAST_CALL)) {
		smccc_set_ret(v, SMCCC_NOT_SUPPORTED); /* yielding calls: keel has none */
		return;
	}
	switch (SMCCC_OWNER(fid)) {
	case SMCCC_OWNER_ARCH:
		arch_call(v, fid, a1);
		break;
	case SMCCC_OWNER_STD:
		psci_handle(v, fid, a1, a2, a3);
		break;
	case SMCCC_OWNER_VENDOR_HYP:
		keel_call(v, fid, a1, a2);
		break;
	default:
		smccc_set_ret(v, SMCCC_NOT_SUPPORTED);
	}
}
