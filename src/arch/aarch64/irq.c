/*
 * keel's physical interrupts at EL2: the kick SGI, the guest's virtual and EL1
 * physical timers (forwarded to the vCPU running here with the list register HW
 * bit), the vGIC maintenance interrupt and the console's receive interrupt.
 *
 * keel runs the GIC CPU interface with EOImode 1: end of interrupt drops the
 * running priority, deactivation is separate. A forwarded timer interrupt is
 * left active; the guest's deactivation of the virtual one deactivates it.
 */
#include <keel/arch/sysreg.h>
#include <keel/arch/vgic_hw.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/irq.h>
#include <keel/console_mux.h>
#include <keel/vm.h>

static unsigned vtimer_intid, ptimer_intid, maint_intid, uart_intid;

void irq_init(unsigned vtimer, unsigned ptimer, unsigned maint, unsigned uart)
{
	vtimer_intid = vtimer;
	ptimer_intid = ptimer;
	maint_intid = maint;
	uart_intid = uart;
}

unsigned irq_vtimer_intid(void)
{
	return vtimer_intid;
}

unsigned irq_ptimer_intid(void)
{
	return ptimer_intid;
}

void irq_init_cpu(uint64_t gicr)
{
	gicv3_enable_private(gicr, vtimer_intid);
	gicv3_enable_private(gicr, ptimer_intid);
	if (maint_intid)
		gicv3_enable_private(gicr, maint_intid);
}

/* CNTV_CTL_EL0 / CNTP_CTL_EL0 */
#define CNT_CTL_ENABLE  BIT(0)
#define CNT_CTL_IMASK   BIT(1)
#define CNT_CTL_ISTATUS BIT(2)

/* The timer's interrupt output (Arm ARM: the timer condition, and not masked). */
static bool timer_output(uint64_t ctl)
{
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) ==
	       (CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

/* One of the guest's timers fired: hand it to the vCPU loaded here, if any. */
static bool guest_timer_forward(unsigned intid)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (!v)
		return false;
	v->gic.timers_forwarded |= intid == vtimer_intid ? VGIC_HW_TIMER_VIRT : VGIC_HW_TIMER_PHYS;
	vm_irq_set_level(v->vm, v->index, intid, true);
	return true;
}

/*
 * The physical interrupt stays active from keel's acknowledge until the guest
 * deactivates the virtual one, so it cannot tell keel that the output dropped:
 * keel looks at the timer itself. A timer still asserting stays in
 * timers_forwarded (its latch may be withdrawn later); one that dropped leaves
 * it, its latch withdrawn.
 */
void irq_timers_resample(struct vcpu *v)
{
	uint32_t fwd = v->gic.timers_forwarded;

	if ((fwd & VGIC_HW_TIMER_VIRT) && !timer_output(read_sysreg(cntv_ctl_el0))) {
		fwd &= ~VGIC_HW_TIMER_VIRT;
		vm_irq_set_level(v->vm, v->index, vtimer_intid, false);
	}
	if ((fwd & VGIC_HW_TIMER_PHYS) && !timer_output(read_sysreg(cntp_ctl_el0))) {
		fwd &= ~VGIC_HW_TIMER_PHYS;
		vm_irq_set_level(v->vm, v->index, ptimer_intid, false);
	}
	v->gic.timers_forwarded = fwd;
}

void irq_handle(void)
{
	for (;;) {
		unsigned intid = gicv3_ack();

		if (intid >= GIC_INTID_SPURIOUS)
			return;
		gicv3_eoi(intid);
		if ((intid == vtimer_intid || intid == ptimer_intid) && guest_timer_forward(intid))
			continue;
		if (intid == maint_intid)
			vgic_hw_maintenance(this_cpu()->vcpu);
		gicv3_deactivate(intid);
		if (intid == uart_intid)
			console_mux_rx();
		/* The kick SGI carries no data: the exit path re-reads the vCPU's state and
		 * refills its list registers. */
	}
}
