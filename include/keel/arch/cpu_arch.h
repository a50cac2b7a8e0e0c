/*
 * What core's scheduler (src/core/sched_vcpu.c) needs from the ISA, implemented in
 * src/arch/aarch64 (cpu.c, vcpu_arch.c). Core reaches physical CPUs and the parts of
 * a vCPU that live in hardware registers only through these.
 */
#ifndef KEEL_ARCH_CPU_ARCH_H
#define KEEL_ARCH_CPU_ARCH_H

#include <keel/types.h>

struct vcpu;

/* The index (keel's /cpus order) of the CPU this runs on. */
unsigned arch_cpu_id(void);
/* Make CPU id take an interrupt soon (it re-reads the scheduler's state). */
void arch_cpu_kick(unsigned id);
/* Wait, with interrupts masked at EL2, until one is pending; then handle what is pending. */
void arch_wait_for_interrupt(void);
/* keel's own timer on this CPU (EL2 physical timer): fire at counter value deadline, or never. */
void arch_timer_arm(uint64_t deadline);
void arch_timer_disarm(void);
/* Counter ticks in a scheduler time slice. */
uint64_t arch_timer_slice_ticks(void);
/*
 * A vCPU not loaded on any CPU: the physical counter value at which its virtual or EL1
 * physical timer next asserts (UINT64_MAX: neither will), from its saved registers.
 */
uint64_t arch_vcpu_timer_deadline(const struct vcpu *v);
/* Same vCPU: raise the interrupt of each of its timers whose condition holds at now. */
void arch_vcpu_timers_expire(struct vcpu *v, uint64_t now);

#endif
