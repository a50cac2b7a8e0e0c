/* Physical interrupts taken by keel at EL2. */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H

#include <keel/types.h>

/* The physical interrupts keel cares about, from the boot device tree. */
void irq_init(unsigned vtimer_intid, unsigned ptimer_intid, unsigned maint_intid,
	      unsigned uart_intid);
unsigned irq_vtimer_intid(void);
unsigned irq_ptimer_intid(void);
/* Per CPU: enable the private interrupts keel takes (guest timers, maintenance). */
void irq_init_cpu(uint64_t gicr);
/* Acknowledge and handle every pending physical interrupt. */
void irq_handle(void);
/*
 * The loaded vCPU v's forwarded timer interrupts (v->gic.timers_forwarded):
 * where the timer's output has dropped (CNTx_CTL_EL0 not ENABLE, IMASK = 0,
 * ISTATUS all), the guest turned it off or moved its deadline: the pending
 * latch keel injected is withdrawn, and so the physical interrupt deactivated
 * unless the guest has taken it. Call with the vCPU's LRs synced.
 */
struct vcpu;
void irq_timers_resample(struct vcpu *v);

#endif
