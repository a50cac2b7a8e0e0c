/* Physical interrupts taken by keel at EL2. */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H

#include <keel/types.h>

/* keel's own timer PPI (platform timer_intid[HYP]); before irq_init_cpu. */
void irq_init_hyp_timer(unsigned intid);
/* The physical interrupts keel cares about, from the boot device tree; gicd: the distributor. */
void irq_init(uint64_t gicd, unsigned vtimer_intid, unsigned ptimer_intid, unsigned maint_intid,
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

/*
 * Physical SPIs of passed-through devices (the policy: src/core/vm_passthrough_irq.c).
 * irq_handle() hands an owned SPI, acknowledged and priority-dropped but still active,
 * to vm_passthrough_irq_fire() on the CPU it was routed to; an SPI nobody owns (keel's
 * console aside) is deactivated and disabled there. Ownership lasts as long as keel
 * runs or its VM is destroyed: irq_spi_claim() records pintid as the VM's vintid, once (KE_INVAL out of
 * 32..1019 or keel's own UART SPI, KE_EXIST if owned already). The others program the
 * distributor (drivers/gicv3.h) for a claimed pintid; pcpu < nr_cpus.
 */
#define IRQ_SPI_FIRST 32
#define IRQ_SPI_END   1020
struct vm;
must_check int irq_spi_claim(unsigned pintid, struct vm *vm, unsigned vintid);
/* If vm owns pintid: disable and deactivate it, and give it up (vm is being destroyed). */
void irq_spi_release(unsigned pintid, struct vm *vm);
void irq_spi_configure(unsigned pintid, bool edge);
void irq_spi_route(unsigned pintid, unsigned pcpu);
void irq_spi_set_enabled(unsigned pintid, bool enabled);
void irq_spi_deactivate(unsigned pintid);
void irq_spi_set_pending(unsigned pintid);

#endif
