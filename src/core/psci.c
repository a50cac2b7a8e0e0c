/*
 * PSCI for guests (Arm DEN0022, version 1.1), over HVC or trapped SMC.
 * vCPU power states live in vcpu->power under vm->lock.
 */
#include <keel/cpu.h>
#include <keel/hypercall.h>
#include <keel/vm.h>

#define PSCI_AFFINITY_ON          0
#define PSCI_AFFINITY_OFF         1
#define PSCI_AFFINITY_ON_PENDING  2
#define PSCI_TOS_NOT_PRESENT_MP   2
#define PSCI_0_2_FN64_BIT         BIT(30)

static int64_t psci_cpu_on(struct vcpu *v, uint64_t target, uint64_t entry, uint64_t ctx)
{
	struct vm *vm = v->vm;
	struct vcpu *t = vm_vcpu_by_mpidr(vm, target);
	int64_t ret = PSCI_SUCCESS;

	if (!t)
		return PSCI_INVALID_PARAMETERS;
	spin_lock(&vm->lock);
	if (t->power == VCPU_ON)
		ret = PSCI_ALREADY_ON;
	else if (t->power == VCPU_ON_PENDING)
		ret = PSCI_ON_PENDING;
	else if (vm->state != VM_RUNNING)
		ret = PSCI_DENIED;
	else if (!vm_ipa_to_pa(vm, entry, 4, &(uint64_t){ 0 }))
		ret = PSCI_INVALID_ADDRESS;
	if (ret == PSCI_SUCCESS) {
		vcpu_reset(t, entry, ctx);
		t->power = VCPU_ON_PENDING;
	}
	spin_unlock(&vm->lock);
	if (ret == PSCI_SUCCESS)
		cpu_assign(t->pcpu, t);
	return ret;
}

static int64_t psci_affinity_info(struct vcpu *v, uint64_t target, uint64_t level)
{
	struct vcpu *t;

	if (level != 0)
		return PSCI_INVALID_PARAMETERS;
	t = vm_vcpu_by_mpidr(v->vm, target);
	if (!t)
		return PSCI_INVALID_PARAMETERS;
	switch (__atomic_load_n(&t->power, __ATOMIC_ACQUIRE)) {
	case VCPU_ON:
		return PSCI_AFFINITY_ON;
	case VCPU_ON_PENDING:
		return PSCI_AFFINITY_ON_PENDING;
	default:
		return PSCI_AFFINITY_OFF;
	}
}

static bool psci_implemented(uint32_t fid)
{
	switch (fid) {
	case PSCI_VERSION: case PSCI_CPU_SUSPEND: case PSCI_CPU_SUSPEND & ~PSCI_0_2_FN64_BIT:
	case PSCI_CPU_OFF: case PSCI_CPU_ON: case PSCI_CPU_ON & ~PSCI_0_2_FN64_BIT:
	case PSCI_AFFINITY_INFO: case PSCI_AFFINITY_INFO & ~PSCI_0_2_FN64_BIT:
	case PSCI_MIGRATE_INFO_TYPE: case PSCI_SYSTEM_OFF: case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES: case SMCCC_VERSION:
		return true;
	default:
		return false;
	}
}

void psci_handle(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	/* The SMC32 forms of the calls that take addresses behave like the SMC64 ones. */
	switch (fid | ((fid & 0xff00ffe0u) == 0x84000000u ? PSCI_0_2_FN64_BIT : 0)) {
	case PSCI_VERSION | PSCI_0_2_FN64_BIT:
		smccc_set_ret(v, PSCI_VERSION_1_1);
		break;
	case PSCI_CPU_SUSPEND:
		/* Every power state is a standby: wait for an interrupt like WFI, then return
		 * success (a powerdown request may be downgraded to standby). */
		vcpu_block(v);
		smccc_set_ret(v, PSCI_SUCCESS);
		break;
	case PSCI_CPU_OFF | PSCI_0_2_FN64_BIT:
		spin_lock(&v->vm->lock);
		v->power = VCPU_OFF;
		spin_unlock(&v->vm->lock);
		break; /* vcpu_exit() takes the vCPU off this CPU */
	case PSCI_CPU_ON:
		smccc_set_ret(v, psci_cpu_on(v, a1, a2, a3));
		break;
	case PSCI_AFFINITY_INFO:
		smccc_set_ret(v, psci_affinity_info(v, a1, a2));
		break;
	case PSCI_MIGRATE_INFO_TYPE | PSCI_0_2_FN64_BIT:
		smccc_set_ret(v, PSCI_TOS_NOT_PRESENT_MP);
		break;
	case PSCI_SYSTEM_OFF | PSCI_0_2_FN64_BIT:
		vm_stop(v->vm, "powered off by the guest (PSCI SYSTEM_OFF)");
		break;
	case PSCI_SYSTEM_RESET | PSCI_0_2_FN64_BIT:
		vm_reset(v->vm, "reset by the guest (PSCI SYSTEM_RESET)");
		break;
	case PSCI_FEATURES | PSCI_0_2_FN64_BIT:
		smccc_set_ret(v, psci_implemented((uint32_t)a1) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED);
		break;
	default:
		smccc_set_ret(v, PSCI_NOT_SUPPORTED);
	}
}
