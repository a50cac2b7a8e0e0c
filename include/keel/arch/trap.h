/* Guest exit handling: the handlers vcpu_exit() dispatches to by ESR_EL2.EC. */
#ifndef KEEL_ARCH_TRAP_H
#define KEEL_ARCH_TRAP_H

#include <keel/types.h>

struct vcpu;

void trap_sysreg(struct vcpu *v, uint64_t esr);
void trap_dabt(struct vcpu *v, uint64_t esr);
void trap_iabt(struct vcpu *v, uint64_t esr);
/* Print a guest register dump under the console lock (for VM-ending reports). */
void trap_dump_guest(struct vcpu *v, uint64_t esr);

#endif
