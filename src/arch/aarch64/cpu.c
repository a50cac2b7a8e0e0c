/*
 * Physical CPUs: per-CPU EL2 setup, the run loop that loads the vCPUs the
 * scheduler picks (src/core/sched_vcpu.c), kicks between CPUs and keel's own
 * timer (the EL2 physical timer: time slices, timers of blocked vCPUs).
 */
#include <keel/arch/cpu_arch.h>
#include <keel/arch/mmu.h>
#include <keel/arch/pmu.h>
#include <keel/arch/sysreg.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/irq.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>

struct cpu cpus[KEEL_MAX_CPUS];
unsigned nr_cpus;
/* One stack per CPU plus one for the boot CPU until it knows its index (see head.S). */
uint8_t keel_stacks[KEEL_MAX_CPUS + 1][KEEL_STACK_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* CNTHP_CTL_EL2 */
#define CNTHP_CTL_ENABLE BIT(0)
#define CNTHP_CTL_IMASK  BIT(1)

extern char el2_vectors[];
extern noreturn_fn void guest_enter(struct vcpu_regs *regs, uint64_t stack_top);
uint64_t vcpu_hcr_value(void);

void cpu_set_current(struct cpu *c)
{
	c->stack_top = (uint64_t)(uintptr_t)keel_stacks[c->id + 1];
	write_sysreg(tpidr_el2, (uint64_t)(uintptr_t)c);
	write_sysreg(vbar_el2, (uint64_t)(uintptr_t)el2_vectors);
	isb();
}

/*
 * EL2 controls that are the same for every guest (docs/architecture.md):
 * debug, PMU (emulated per vCPU on the CPU's own, pmu.c), SPE and trace trapped; SVE, SME, AMU, trace registers and
 * CPACR_EL1 trapped (CPTR_EL2.TCPAC: keel keeps CPACR_EL1.ZEN/SMEN enabled so
 * SVE and SME reach CPTR_EL2.TZ/TSM and are UNDEFINED, sysreg_trap.c); FP/SIMD
 * left to the guest; the guest reads the physical counter and owns the EL1
 * physical timer (switched with the vCPU, its interrupt forwarded like the
 * virtual timer's).
 *
 * Every other EL2 trap control gets a known value here instead of what firmware
 * left: no AArch32 CP15 traps (HSTR_EL2), no implementation defined traps
 * (HACR_EL2), no trace at EL2 (TRFCR_EL2), no virtual SError pending (VSESR_EL2,
 * VDISR_EL2), and - when the CPU has them - HCRX_EL2 = 0 (LS64, MOPS, TCR2,
 * SCTLR2, GCS, NMI, FPMR... disabled or trapped, all hidden in the ID registers)
 * and every fine-grained trap register = 0: its plain bits trap nothing keel
 * does not already trap coarsely, its "n" bits (nTPIDR2_EL0, nSMPRI_EL1,
 * nACCDATA_EL1, nPOR_EL1, nBRB*, nPMSNEVFR_EL1, ...) trap the registers of
 * features keel hides. The FGT registers are UNDEFINED without FEAT_FGT, hence
 * the ID checks. VPIDR/VMPIDR_EL2 hold this CPU's own values until a vCPU is loaded.
 */
void cpu_init_el2(void)
{
	/* The PMU's fields: every counter the guest's, EL2 not counted, accesses trapped (pmu.c). */
	write_sysreg(mdcr_el2, pmu_mdcr_bits() | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA |
			       MDCR_TPMS | MDCR_TTRF);
	write_sysreg(cptr_el2, CPTR_RES1 | CPTR_TZ | CPTR_TSM | CPTR_TTA | CPTR_TAM | CPTR_TCPAC);
	write_sysreg(hstr_el2, 0);
	write_sysreg(hacr_el2, 0);
	if (cpu_has_trf())
		write_sysreg_s(TRFCR_EL2, 0);
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
	write_sysreg(cnthp_ctl_el2, CNTHP_CTL_IMASK);   /* keel's timer: off until armed */
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(vttbr_el2, 0);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(vmpidr_el2, read_sysreg(mpidr_el1));
	if (cpu_has_ras()) {
		write_sysreg_s(VSESR_EL2, 0);
		write_sysreg_s(VDISR_EL2, 0);
	}
	if (cpu_has_hcx())
		write_sysreg_s(HCRX_EL2, 0);
	if (cpu_has_fgt()) {
		write_sysreg_s(HFGRTR_EL2, 0);
		write_sysreg_s(HFGWTR_EL2, 0);
		write_sysreg_s(HFGITR_EL2, 0);
		write_sysreg_s(HDFGRTR_EL2, 0);
		write_sysreg_s(HDFGWTR_EL2, 0);
		if (cpu_has_amu())
			write_sysreg_s(HAFGRTR_EL2, 0);
	}
	/* No guest debug state until a vCPU is loaded: OS lock set, stepping off. */
	write_sysreg(mdscr_el1, 0);
	write_sysreg(oslar_el1, OSLAR_OSLK);
	write_sysreg(hcr_el2, vcpu_hcr_value()); /* IMO: interrupts come to EL2 even while idle */
	isb();
}

void arch_cpu_kick(unsigned id)
{
	gicv3_send_sgi(cpus[id].mpidr, GIC_SGI_KICK);
}

unsigned arch_cpu_id(void)
{
	return this_cpu()->id;
}

/* PSTATE.I is set at EL2: the pending interrupt ends WFI, irq_handle() takes it. */
void arch_wait_for_interrupt(void)
{
	wfi();
	irq_handle();
}

#define SCHED_SLICE_HZ   250   /* 4 ms slices: Linux's own tick at HZ=250 */

void arch_timer_arm(uint64_t deadline)
{
	write_sysreg(cnthp_cval_el2, deadline);
	write_sysreg(cnthp_ctl_el2, CNTHP_CTL_ENABLE);
	isb();
}

void arch_timer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, CNTHP_CTL_IMASK);
	isb();
}

uint64_t arch_timer_slice_ticks(void)
{
	return read_sysreg(cntfrq_el0) / SCHED_SLICE_HZ;
}

/*
 * This CPU's run loop: load what the scheduler picks and enter it; with nothing to
 * run, arm keel's timer for the blocked vCPUs last here and wait. Resets the stack.
 */
void cpu_idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		struct vcpu *v = sched_vcpu_next();

		if (v) {
			vcpu_load(v);
			sched_vcpu_arm_timer(true);
			vgic_hw_flush(v);
			guest_enter(&v->regs, c->stack_top);
		}
		sched_vcpu_arm_timer(false);
		arch_wait_for_interrupt();
	}
}
