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
/* PSCI calls (src/core/psci.c). */
void psci_handle(struct vcpu *v, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
