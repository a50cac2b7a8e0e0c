/* Guest exit handling: the handlers vcpu_exit() dispatches to by ESR_EL2.EC. */
#ifndef KEEL_ARCH_TRAP_H
#define KEEL_ARCH_TRAP_H

#include <keel/types.h>

struct vcpu;
struct vcpu_regs;

/* Called by vectors.S with the guest's registers saved: return the registers to resume. */
struct vcpu_regs *vcpu_exit(struct vcpu_regs *regs, unsigned kind);
/*
 * The HVC fast path: called with only x0-x18 and x30 saved. NULL: nothing was done, take
 * the full path (vcpu_exit). See trap.c.
 */
struct vcpu_regs *vcpu_exit_hvc(struct vcpu_regs *regs, uint64_t esr);

void trap_sysreg(struct vcpu *v, uint64_t esr);
void trap_dabt(struct vcpu *v, uint64_t esr);
void trap_iabt(struct vcpu *v, uint64_t esr);
/* Print a guest register dump under the console lock (for VM-ending reports). */
void trap_dump_guest(struct vcpu *v, uint64_t esr);

#endif
