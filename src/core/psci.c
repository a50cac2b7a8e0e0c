/*
 * PSCI for guests (Arm DEN0022, version 1.1), over HVC or trapped SMC.
 *
 * Dispatch is an exact table of function ids: a call is implemented only if
 * its id is listed, in the form (SMC32 0x84.., SMC64 0xC4..) PSCI defines for
 * it. Every other id in the PSCI range, including the SMC64 twin of a call
 * PSCI only defines as SMC32 (CPU_OFF, SYSTEM_OFF...), answers NOT_SUPPORTED
 * and does nothing. hypercall_handle() has already cut the arguments of
 * SMC32 calls to 32 bits.
 *
 * vCPU power states live in vcpu->power under vm->lock (include/keel/vm.h):
 * OFF -> ON_PENDING (CPU_ON) -> ON (its CPU loaded it) -> OFF_PENDING (CPU_OFF)
 * -> OFF (its CPU saved its state: vm_vcpu_left). To a guest, a vCPU is on from
 * the moment a CPU_ON for it succeeds until its CPU has put it: CPU_ON answers
 * ALREADY_ON and AFFINITY_INFO answers ON in between. keel therefore never
 * answers ON_PENDING: its CPU_ON commits the target to start before it
 * returns (nothing but the VM stopping can prevent it), so of several racing
 * CPU_ON calls the one that wins gets SUCCESS and every later one finds the
 * target already on. ON_PENDING is for implementations whose CPU_ON can
 * return before the power-on is decided.
 */
#include <keel/sched_vcpu.h>
#include <keel/hypercall.h>
#include <keel/vm.h>

#define PSCI_AFFINITY_ON          0
#define PSCI_AFFINITY_OFF         1
#define PSCI_TOS_NOT_PRESENT_MP   2
#define PSCI_CPU_SUSPEND_FEATURES 0   /* original power_state format, platform-coordinated only */

/* The SMC32 forms of the calls whose SMC64 ids are keel's ABI names. */
#define PSCI_CPU_SUSPEND_32       0x84000001u
#define PSCI_CPU_ON_32            0x84000003u
#define PSCI_AFFINITY_INFO_32     0x84000004u

typedef int64_t (*psci_call_fn)(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3);

static int64_t psci_version(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return PSCI_VERSION_1_1;
}

/*
 * Every power state is a standby: wait for an interrupt like WFI, then return
 * success (a powerdown request may be downgraded to standby).
 */
static int64_t psci_cpu_suspend(struct vcpu *v, uint64_t power_state, uint64_t entry, uint64_t ctx)
{
	vcpu_block(v);
	return PSCI_SUCCESS;
}

/*
 * The vCPU is not off until its CPU has saved its state: vcpu_exit() sees it
 * is no longer ON, puts it, and vm_vcpu_left() publishes OFF. The x0 written
 * here is never seen: CPU_ON resets every register.
 */
static int64_t psci_cpu_off(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3)
{
	spin_lock(&v->vm->lock);
	v->power = VCPU_OFF_PENDING;
	spin_unlock(&v->vm->lock);
	return PSCI_SUCCESS;
}

static int64_t psci_cpu_on(struct vcpu *v, uint64_t target, uint64_t entry, uint64_t ctx)
{
	struct vm *vm = v->vm;
	struct vcpu *t = vm_vcpu_by_mpidr(vm, target);
	int64_t ret = PSCI_SUCCESS;

	if (!t)
		return PSCI_INVALID_PARAMETERS;
	spin_lock(&vm->lock);
	if (t->power != VCPU_OFF)
		ret = PSCI_ALREADY_ON; /* ON, or committed to be (ON_PENDING), or not yet put */
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
		vcpu_wake(t);
	return ret;
}

static int64_t psci_affinity_info(struct vcpu *v, uint64_t target, uint64_t level, uint64_t a3)
{
	struct vcpu *t;
	enum vcpu_power power;

	if (level != 0)
		return PSCI_INVALID_PARAMETERS;
	t = vm_vcpu_by_mpidr(v->vm, target);
	if (!t)
		return PSCI_INVALID_PARAMETERS;
	/* Pairs with the release in vm_vcpu_left(): OFF is seen only once the state is saved. */
	power = __atomic_load_n(&t->power, __ATOMIC_ACQUIRE);
	return power == VCPU_OFF ? PSCI_AFFINITY_OFF : PSCI_AFFINITY_ON;
}

static int64_t psci_migrate_info_type(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return PSCI_TOS_NOT_PRESENT_MP;
}

static int64_t psci_system_off(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3)
{
	vm_stop(v->vm, "powered off by the guest (PSCI SYSTEM_OFF)");
	return PSCI_SUCCESS; /* never seen: the VM has ended */
}

static int64_t psci_system_reset(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3)
{
	vm_reset(v->vm, "reset by the guest (PSCI SYSTEM_RESET)");
	return PSCI_SUCCESS; /* never seen: the VM restarts with reset registers */
}

static int64_t psci_features(struct vcpu *v, uint64_t fid, uint64_t a2, uint64_t a3);

static const struct psci_call {
	uint32_t fid;
	psci_call_fn fn;
	int64_t features;   /* PSCI_FEATURES' answer for it */
} psci_calls[] = {
	{ PSCI_VERSION,           psci_version,           PSCI_SUCCESS },
	{ PSCI_CPU_SUSPEND_32,    psci_cpu_suspend,       PSCI_CPU_SUSPEND_FEATURES },
	{ PSCI_CPU_SUSPEND,       psci_cpu_suspend,       PSCI_CPU_SUSPEND_FEATURES },
	{ PSCI_CPU_OFF,           psci_cpu_off,           PSCI_SUCCESS },
	{ PSCI_CPU_ON_32,         psci_cpu_on,            PSCI_SUCCESS },
	{ PSCI_CPU_ON,            psci_cpu_on,            PSCI_SUCCESS },
	{ PSCI_AFFINITY_INFO_32,  psci_affinity_info,     PSCI_SUCCESS },
	{ PSCI_AFFINITY_INFO,     psci_affinity_info,     PSCI_SUCCESS },
	{ PSCI_MIGRATE_INFO_TYPE, psci_migrate_info_type, PSCI_SUCCESS },
	{ PSCI_SYSTEM_OFF,        psci_system_off,        PSCI_SUCCESS },
	{ PSCI_SYSTEM_RESET,      psci_system_reset,      PSCI_SUCCESS },
	{ PSCI_FEATURES,          psci_features,          PSCI_SUCCESS },
};

static const struct psci_call *psci_find(uint32_t fid)
{
	for (unsigned i = 0; i < sizeof(psci_calls) / sizeof(psci_calls[0]); i++)
		if (psci_calls[i].fid == fid)
			return &psci_calls[i];
	return NULL;
}

/* PSCI_FEATURES also answers for SMCCC_VERSION: that is how Linux discovers SMCCC 1.1. */
static int64_t psci_features(struct vcpu *v, uint64_t fid, uint64_t a2, uint64_t a3)
{
	const struct psci_call *c = psci_find((uint32_t)fid);

	if (fid == SMCCC_VERSION)
		return PSCI_SUCCESS;
	return c ? c->features : PSCI_NOT_SUPPORTED;
}

void psci_handle(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const struct psci_call *c = psci_find(fid);

	smccc_set_ret(v, c ? c->fn(v, a1, a2, a3) : PSCI_NOT_SUPPORTED);
}
