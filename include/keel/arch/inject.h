/*
 * Exceptions keel injects into a guest: the architected answer to something
 * the guest did that keel refuses or that has no backing. The vCPU must be
 * loaded on this CPU (its EL1 registers are live).
 */
#ifndef KEEL_ARCH_INJECT_H
#define KEEL_ARCH_INJECT_H

#include <keel/types.h>

struct vcpu;

/* UNDEFINED instruction (ESR_ELx.EC = 0): unknown system register, hidden feature. */
void inject_undef(struct vcpu *v);
/* Synchronous external abort on a data access to `far` (DFSC 0x10). */
void inject_dabt(struct vcpu *v, uint64_t far);
/* Data abort on `far` with fault status fsc (e.g. a stage 1 fault keel found with AT). */
void inject_dabt_status(struct vcpu *v, uint64_t far, unsigned fsc, bool write);
/* Synchronous external abort on an instruction fetch from `far`. */
void inject_iabt(struct vcpu *v, uint64_t far);

#endif
