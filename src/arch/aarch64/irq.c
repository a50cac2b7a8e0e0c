/*
 * keel's physical interrupts at EL2: the kick SGI, keel's own timer (the
 * scheduler's time slices and blocked vCPUs' timers), the guest's virtual and EL1
 * physical timers (forwarded to the vCPU running here with the list register HW
 * bit), the PMU's overflow interrupt (to the vCPU loaded here, pmu.c), the vGIC maintenance interrupt, the console's receive interrupt and the
 * SPIs of passed-through devices (forwarded to their VM, also with the HW bit).
 *
 * keel runs the GIC CPU interface with EOImode 1: end of interrupt drops the
 * running priority, deactivation is separate. A forwarded interrupt is left
 * active; the guest's deactivation of the virtual one deactivates it.
 */
#include <keel/arch/cpu_arch.h>
#include <keel/arch/pmu.h>
#include <keel/arch/sysreg.h>
#include <keel/arch/vgic_hw.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/irq.h>
#include <keel/console_mux.h>
#include <keel/nospec.h>
#include <keel/sched_vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include <keel/vm_passthrough_irq.h>

/* pmu_intid: the PMU's overflow PPI, or an INTID irq_handle never sees (it returns on
 * spurious). All in one place: irq_handle reaches them from one base register. */
static unsigned vtimer_intid, ptimer_intid, maint_intid, uart_intid, pmu_intid, hyp_timer_intid;
static uint64_t gicd_base;

/*
 * Who owns each physical SPI: vm is written once (release, after vintid) by
 * irq_spi_claim before the SPI is ever enabled, and read (acquire) by any CPU
 * that takes it.
 */
struct irq_spi_owner {
	struct vm *vm;
	unsigned vintid;
};
static struct irq_spi_owner spi_owner[IRQ_SPI_END];

void irq_init(uint64_t gicd, unsigned vtimer, unsigned ptimer, unsigned maint, unsigned uart)
{
	gicd_base = gicd;
	vtimer_intid = vtimer;
	ptimer_intid = ptimer;
	maint_intid = maint;
	uart_intid = uart;
	pmu_intid = pmu_irq_intid() ? pmu_irq_intid() : GIC_INTID_SPURIOUS;   /* pmu_init ran first */
}

/* keel's own timer (CNTHP, the EL2 physical timer): the scheduler's (sched_vcpu.c). */
void irq_init_hyp_timer(unsigned intid)
{
	hyp_timer_intid = intid;
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
	if (hyp_timer_intid)
		gicv3_enable_private(gicr, hyp_timer_intid);
	if (pmu_intid != GIC_INTID_SPURIOUS)
		gicv3_enable_private(gicr, pmu_intid);
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

/*
 * The line of timer PPI intid of v, the vCPU loaded on this CPU. A PPI is v's own, so the
 * model can only ask to kick v itself (its destination and any LR holder are v), and v is
 * here, on its way back into the guest through the exit path: marking it dirty is all that
 * kick does (vm_irq_kick sends no SGI to its own CPU). Any other bit still goes through
 * vm_irq_kick.
 */
static void timer_set_level(struct vcpu *v, unsigned intid, bool level)
{
	struct vm *vm = v->vm;
	uint32_t kick = 0;

	spin_lock(&vm->lock);
	if (vgic_set_level(&vm->vgic, v->index, intid, level, &kick))
		kick = 0;   /* keel's own timer INTIDs are valid PPIs */
	spin_unlock(&vm->lock);
	if (kick & BIT(v->index))
		v->irq_dirty = true;
	kick &= ~(uint32_t)BIT(v->index);
	if (kick)
		vm_irq_kick(vm, kick);
}

/* One of the guest's timers fired: hand it to the vCPU loaded here, if any. */
static bool guest_timer_forward(unsigned intid)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (!v)
		return false;
	v->gic.timers_forwarded |= intid == vtimer_intid ? VGIC_HW_TIMER_VIRT : VGIC_HW_TIMER_PHYS;
	timer_set_level(v, intid, true);
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
		timer_set_level(v, vtimer_intid, false);
	}
	if ((fwd & VGIC_HW_TIMER_PHYS) && !timer_output(read_sysreg(cntp_ctl_el0))) {
		fwd &= ~VGIC_HW_TIMER_PHYS;
		timer_set_level(v, ptimer_intid, false);
	}
	v->gic.timers_forwarded = fwd;
}

static bool irq_spi_valid(unsigned pintid)
{
	return pintid >= IRQ_SPI_FIRST && pintid < IRQ_SPI_END && pintid != uart_intid;
}

int irq_spi_claim(unsigned pintid, struct vm *vm, unsigned vintid)
{
	struct irq_spi_owner *o;

	if (!irq_spi_valid(pintid))
		return KE_INVAL;
	o = &spi_owner[array_index_nospec(pintid, IRQ_SPI_END)];
	if (__atomic_load_n(&o->vm, __ATOMIC_ACQUIRE))
		return KE_EXIST;
	o->vintid = vintid;
	__atomic_store_n(&o->vm, vm, __ATOMIC_RELEASE);
	return KE_OK;
}

void irq_spi_release(unsigned pintid, struct vm *vm)
{
	struct irq_spi_owner *o;

	if (!irq_spi_valid(pintid))
		return;
	o = &spi_owner[array_index_nospec(pintid, IRQ_SPI_END)];
	if (__atomic_load_n(&o->vm, __ATOMIC_ACQUIRE) != vm)
		return;   /* never claimed (a creation that failed first), or another VM's */
	gicv3_spi_set_enabled(gicd_base, pintid, false);
	gicv3_spi_deactivate(gicd_base, pintid);
	__atomic_store_n(&o->vm, NULL, __ATOMIC_RELEASE);
}

void irq_spi_configure(unsigned pintid, bool edge)
{
	gicv3_spi_configure(gicd_base, pintid, edge);
}

void irq_spi_route(unsigned pintid, unsigned pcpu)
{
	gicv3_spi_route(gicd_base, pintid, cpus[array_index_nospec(pcpu, nr_cpus)].mpidr);
}

void irq_spi_set_enabled(unsigned pintid, bool enabled)
{
	gicv3_spi_set_enabled(gicd_base, pintid, enabled);
}

void irq_spi_deactivate(unsigned pintid)
{
	gicv3_spi_deactivate(gicd_base, pintid);
}

void irq_spi_set_pending(unsigned pintid)
{
	gicv3_spi_set_pending(gicd_base, pintid);
}

/*
 * A passed-through device's SPI: its VM's (left active), or a stray one (switched off).
 * Out of line: irq_handle's own frame, and so the timer's path, stays as it was.
 */
static __attribute__((noinline)) bool irq_spi_forward(unsigned intid)
{
	const struct irq_spi_owner *o;
	struct vm *vm;

	if (!irq_spi_valid(intid))
		return false;
	o = &spi_owner[array_index_nospec(intid, IRQ_SPI_END)];
	vm = __atomic_load_n(&o->vm, __ATOMIC_ACQUIRE);
	if (vm) {
		vm_passthrough_irq_fire(vm, o->vintid, intid);
		return true;
	}
	gicv3_spi_set_enabled(gicd_base, intid, false);   /* nobody's: it stays off */
	return false;
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
		if (intid >= IRQ_SPI_FIRST && irq_spi_forward(intid))
			continue;
		if (intid == pmu_intid && pmu_irq_forward())
			continue;
		if (intid == hyp_timer_intid) {
			/* Level: off before deactivation, or it asserts again at once. */
			arch_timer_disarm();
			gicv3_deactivate(intid);
			sched_vcpu_timer_fired();
			continue;
		}
		if (intid == maint_intid)
			vgic_hw_maintenance(this_cpu()->vcpu);
		gicv3_deactivate(intid);
		if (intid == uart_intid)
			console_mux_rx();
		/* Every resched is sent with a kick (sched_vcpu.c), never looked at otherwise. */
		if (intid == GIC_SGI_KICK && sched_vcpu_resched_due(this_cpu()->id))
			this_cpu()->exit_work = true;
		/* The kick SGI carries no data: the exit path re-reads the vCPU's state and
		 * refills its list registers. */
	}
}
