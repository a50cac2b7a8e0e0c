/*
 * SMCCC calls from guests (HVC #0 or trapped SMC #0): the Arm architecture
 * calls, PSCI and keel's own vendor-specific hypervisor calls. Documented
 * in docs/hypercalls.md; identifiers in include/keel/abi/hypercall.h.
 */
#ifndef KEEL_HYPERCALL_H
#define KEEL_HYPERCALL_H

#include <keel/types.h>
#include <keel/abi/hypercall.h>

#include <keel/vm.h>

/* An SMCCC result in x0 (negative error codes as 64-bit values). */
static inline void smccc_set_ret(struct vcpu *v, int64_t x0)
{
	v->regs.x[0] = (uint64_t)x0;
}

/* Function id in w0, arguments x1..; results written to x0..x3. */
void hypercall_handle(struct vcpu *v);
#define KEEL_NR_CALLS       8

/*
 * The calls whose answer reads and writes only x0-x3 of the calling vCPU and changes
 * nothing keel, the VM or another vCPU sees; false for any other. The exit's HVC fast
 * path (vcpu_exit_hvc) answers these with neither the guest's other registers saved nor
 * anything done after the call; inline so that path is one leaf function. A call answered
 * here must keep that: the console, PSCI and anything that kicks another CPU belong to
 * hypercall_handle()'s owner dispatch (hypercall.c), which calls this first, and so does
 * SMCCC_ARCH_FEATURES, whose call out of line would cost every fast call a stack frame.
 */
static inline bool hypercall_handle_fast(struct vcpu *v)
{
	struct vcpu_regs *r = &v->regs;
	uint32_t fid = (uint32_t)r->x[0];

	switch (fid) {
	case SMCCC_VERSION:
		smccc_set_ret(v, SMCCC_VERSION_1_1);
		return true;
	case KEEL_HC_VERSION:
		smccc_set_ret(v, KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR);
		return true;
	case KEEL_HC_VM_INFO:
		r->x[0] = v->vm->id;
		r->x[1] = v->index;
		r->x[2] = v->vm->nr_vcpus;
		return true;
	case KEEL_HC_YIELD:
		/* It may give the CPU away: hypercall.c's keel_call (a call here would cost
		 * this leaf function a frame). */
		return false;
	case KEEL_HC_CALL_COUNT:
		smccc_set_ret(v, KEEL_NR_CALLS);
		return true;
	case KEEL_HC_CALL_UID:
		r->x[0] = KEEL_UID_0;
		r->x[1] = KEEL_UID_1;
		r->x[2] = KEEL_UID_2;
		r->x[3] = KEEL_UID_3;
		return true;
	case KEEL_HC_REVISION:
		r->x[0] = KEEL_VERSION_MAJOR;
		r->x[1] = KEEL_VERSION_MINOR;
		return true;
	default:
		return false;
	}
}

/* PSCI calls (src/core/psci.c). */
void psci_handle(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
