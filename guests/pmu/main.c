/*
 * The vCPU's own PMUv3: present in ID_AA64DFR0_EL1, PMCR_EL0.N counters and
 * no more, its counters count this vCPU's instructions and nothing keel runs
 * (a known loop, and a loop of hypercalls whose handling at EL2 must not be
 * counted even with the filters asking for EL2), its overflow interrupt comes
 * as its PPI and goes once the overflow flag is cleared, a second vCPU's
 * counters are its own and start from reset when it is started again.
 *
 * Instruction counts need QEMU -icount (INST_RETIRED is only implemented
 * there): without it those checks SKIP. test_pmu.py runs it with -icount.
 */
#include "guest/gic.h"
#include "guest/guest.h"

const char guest_name[] = "pmu";

#define PMU_INTID_DEFAULT 23   /* QEMU virt: PPI 7, what keel's device tree gives */

/* PMU fields (Arm ARM names). */
#define PMCR_E        (1u << 0)
#define PMCR_P        (1u << 1)
#define PMCR_C        (1u << 2)
#define PMCR_N(v)     (((v) >> 11) & 0x1f)
#define EVT_NSH       (1u << 27)   /* count at EL2: the guest asks, keel must refuse */
#define EVT_INST_RETIRED 0x08
#define EVT_CPU_CYCLES   0x11
#define CYCLE_BIT     (1u << 31)

#define LOOP          100000       /* iterations of a 2-instruction loop */
#define HVC_LOOP      2000         /* iterations of a 4-instruction loop with an HVC */
#define SLACK         64           /* the enable/disable instructions around a loop */

static uint64_t pmu_n;
static unsigned pmu_intid = PMU_INTID_DEFAULT;

/* Counter n's event type and count, through PMSELR_EL0 (any n < N). */
static void evt_set(unsigned n, uint64_t type, uint64_t count)
{
	write_sysreg(pmselr_el0, n);
	isb();
	write_sysreg(pmxevtyper_el0, type);
	write_sysreg(pmxevcntr_el0, count);
	isb();
}

static uint64_t evt_count(unsigned n)
{
	write_sysreg(pmselr_el0, n);
	isb();
	return read_sysreg(pmxevcntr_el0);
}

static void spin_loop(uint64_t n)
{
	__asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) :: "cc");
}

/* HVC_LOOP hypercalls; the guest executes 4 instructions per iteration. */
static void hvc_loop(uint64_t n)
{
	register uint64_t x9 __asm__("x9") = KEEL_HC_VERSION;

	__asm__ volatile("1: mov x0, x9\n\thvc #0\n\tsubs %0, %0, #1\n\tb.ne 1b"
			 : "+r"(n) : "r"(x9) : "x0", "x1", "x2", "x3", "cc", "memory");
}

/* Counter 0 counting INST_RETIRED at EL1 and EL0 (and asking for EL2) over fn(n). */
static uint64_t count_insns(void (*fn)(uint64_t), uint64_t n)
{
	evt_set(0, EVT_INST_RETIRED | EVT_NSH, 0);
	write_sysreg(pmcr_el0, PMCR_E);
	write_sysreg(pmcntenset_el0, 1);
	isb();
	fn(n);
	write_sysreg(pmcntenclr_el0, 1);
	isb();
	return evt_count(0);
}

static void check_identity(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), ver = (dfr0 >> 8) & 0xf;
	struct fault f;
	uint64_t v = 0;

	checkf("pmu-version", ver >= 1 && ver != 0xf, "ID_AA64DFR0_EL1.PMUVer %lu", (unsigned long)ver);
	if (ver == 0 || ver == 0xf) {
		report_and_exit();
	}
	pmu_n = PMCR_N(read_sysreg(pmcr_el0));
	printf("NOTE PMCR_EL0.N %lu PMUVer %lu\n", (unsigned long)pmu_n, (unsigned long)ver);
	checkf("pmcr-n", pmu_n >= 1 && pmu_n <= 31, "N %lu", (unsigned long)pmu_n);
	if (pmu_n < 31) {
		/* Counter N is not the guest's: UNDEFINED, as on a CPU with N counters. */
		write_sysreg(pmselr_el0, pmu_n);
		isb();
		expect_fault_begin();
		__asm__ volatile("mrs %0, pmxevcntr_el0" : "+r"(v) :: "memory");
		f = expect_fault_end();
		checkf("counter-n-undefined", f.taken && f.ec == 0, "taken %d ESR 0x%lx", f.taken,
		       (unsigned long)f.esr);
	}
	evt_set(pmu_n - 1, EVT_CPU_CYCLES, 0x12345678);
	check_eq("last-counter-rw", evt_count(pmu_n - 1), 0x12345678);
	write_sysreg(pmccfiltr_el0, EVT_NSH);
	isb();
	check_eq("ccfilter-no-el2", read_sysreg(pmccfiltr_el0) & EVT_NSH, 0);
	write_sysreg(pmccfiltr_el0, 0);
}

static void check_counting(void)
{
	uint64_t c;

	if (!(read_sysreg(pmceid0_el0) & (1u << EVT_INST_RETIRED))) {
		skip("count-loop", "INST_RETIRED not implemented (QEMU counts instructions only with -icount)");
		skip("count-hvc-loop-not-el2", "INST_RETIRED not implemented");
		return;
	}
	c = count_insns(spin_loop, LOOP);
	printf("NOTE loop of %u instructions counted %lu\n", 2 * LOOP, (unsigned long)c);
	checkf("count-loop", c >= 2 * LOOP && c <= 2 * LOOP + SLACK, "counted %lu for %u",
	       (unsigned long)c, 2 * LOOP);
	/* keel runs some 100 instructions per hypercall: counted, they would dwarf the loop. */
	c = count_insns(hvc_loop, HVC_LOOP);
	printf("NOTE %u hypercalls in a loop of %u guest instructions counted %lu\n", HVC_LOOP,
	       4 * HVC_LOOP, (unsigned long)c);
	checkf("count-hvc-loop-not-el2", c >= 3 * HVC_LOOP && c <= 4 * HVC_LOOP + SLACK,
	       "counted %lu for %u guest instructions", (unsigned long)c, 4 * HVC_LOOP);
	/* The cycle counter runs too (its rate is QEMU's virtual clock, not checked). */
	write_sysreg(pmccntr_el0, 0);
	write_sysreg(pmcntenset_el0, CYCLE_BIT);
	isb();
	spin_loop(LOOP);
	write_sysreg(pmcntenclr_el0, CYCLE_BIT);
	isb();
	checkf("cycle-counter-runs", read_sysreg(pmccntr_el0) > 0, "PMCCNTR %lu",
	       (unsigned long)read_sysreg(pmccntr_el0));
}

/* ---------------------------------------------------------------- overflow interrupt */

static volatile uint32_t ovf_fired, stray;
static volatile uint64_t ovf_flags;

static void on_irq(uint32_t intid)
{
	if (intid != pmu_intid) {
		stray++;
		return;
	}
	ovf_flags = read_sysreg(pmovsset_el0);
	write_sysreg(pmcntenclr_el0, 1u << 1);
	write_sysreg(pmovsclr_el0, ovf_flags);   /* the output is level: clear it before EOI */
	isb();
	__atomic_store_n(&ovf_fired, ovf_fired + 1, __ATOMIC_RELEASE);
}

static void check_overflow(void)
{
	uint64_t deadline;
	bool ok;

	if (!check("gic-init", gic_init()))
		return;
	irq_set_handler(on_irq);
	gic_irq_enable(pmu_intid);
	/* Counter 1 counts cycles (implemented with or without -icount), 1000 from overflow. */
	evt_set(1, EVT_CPU_CYCLES, 0xffffffffu - 1000);
	write_sysreg(pmintenset_el1, 1u << 1);
	write_sysreg(pmcr_el0, PMCR_E);
	write_sysreg(pmcntenset_el0, 1u << 1);
	isb();
	/*
	 * Spin, not WFI: keel's EL2, where a WFI waits, is not counted, not even in cycles.
	 * With hypercalls: QEMU finds a 32-bit counter's wrap only when it re-evaluates the
	 * PMU (an access or an exception level change; its overflow timer only handles
	 * counters below 2^31), so a loop without exits would see the interrupt late.
	 */
	deadline = timer_count() + timer_freq();
	irq_enable();
	while (!__atomic_load_n(&ovf_fired, __ATOMIC_ACQUIRE) && timer_count() < deadline)
		hvc_loop(1);
	ok = ovf_fired;
	check("overflow-irq", ok);
	checkf("overflow-flag", ovf_flags & (1u << 1), "PMOVSSET 0x%lx", (unsigned long)ovf_flags);
	/* Cleared in the handler: the interrupt must not come again. */
	deadline = timer_count() + timer_freq() / 50;
	while (!stray && ovf_fired == 1 && timer_count() < deadline)
		;
	irq_disable();
	check_eq("overflow-irq-once", ovf_fired, 1);
	check_eq("overflow-no-stray", stray, 0);
	check_eq("overflow-cleared", read_sysreg(pmovsset_el0) & (1u << 1), 0);
	write_sysreg(pmintenclr_el1, ~0ull);
	gic_irq_disable(pmu_intid);
	irq_set_handler(NULL);
}

/* ---------------------------------------------------------------- a second vCPU */

#define MARKER 0x7e57c0deu
#define PSCI_AFF_OFF 1   /* AFFINITY_INFO: OFF */

static volatile uint32_t v1_done;
static volatile uint64_t v1_pmcr, v1_cnten, v1_cntr;

static void vcpu1_run(uint64_t write_marker)
{
	v1_pmcr = read_sysreg(pmcr_el0);
	v1_cnten = read_sysreg(pmcntenset_el0);
	v1_cntr = evt_count(0);
	if (write_marker) {
		/* Left behind at CPU_OFF: the next start must not find it. */
		evt_set(0, EVT_CPU_CYCLES, MARKER);
		write_sysreg(pmcr_el0, PMCR_E);
		write_sysreg(pmcntenset_el0, 1);
		isb();
	}
	__atomic_store_n(&v1_done, 1, __ATOMIC_RELEASE);
}

static bool run_vcpu1(uint64_t write_marker)
{
	uint64_t deadline = timer_count() + 2 * timer_freq();
	int64_t ret;

	v1_done = 0;
	ret = cpu_start(1, vcpu1_run, write_marker);
	if (ret != PSCI_SUCCESS) {
		printf("NOTE CPU_ON vCPU 1: %ld\n", (long)ret);
		return false;
	}
	/* Waiting with exits: under -icount, QEMU may otherwise not run vCPU 1's CPU in time. */
	while (!__atomic_load_n(&v1_done, __ATOMIC_ACQUIRE) && timer_count() < deadline)
		hvc_loop(1);
	/* Wait until it is off again (AFFINITY_INFO), so the next CPU_ON succeeds. */
	while (psci_affinity_info(env.cpu_mpidr[1]) != PSCI_AFF_OFF && timer_count() < deadline)
		;
	return v1_done;
}

static void check_second_vcpu(void)
{
	if (env.ncpus < 2) {
		skip("vcpu1-own-counters", "one vCPU");
		return;
	}
	if (read_sysreg(pmceid0_el0) & (1u << EVT_INST_RETIRED)) {
		/*
		 * Under QEMU -icount (one host thread runs the CPUs in turn) vCPU 1, started
		 * while vCPU 0 waits for it, does not run within the deadline: with the
		 * scheduler not even the first time, before it only a second start (guests/psci's
		 * off/on cycles fail the same way under -icount without any PMU code). Not
		 * understood yet (README, limits); test_pmu.py checks all of this without
		 * -icount, where it passes.
		 */
		skip("vcpu1-own-counters", "not under -icount");
		return;
	}
	evt_set(0, EVT_CPU_CYCLES, 0xabcd);
	check("vcpu1-first-run", run_vcpu1(1));
	check_eq("vcpu0-counter-own", evt_count(0), 0xabcd);
	check("vcpu1-second-run", run_vcpu1(0));
	check_eq("vcpu1-restart-pmcr-e", v1_pmcr & PMCR_E, 0);
	check_eq("vcpu1-restart-cnten", v1_cnten, 0);
	check_eq("vcpu1-restart-counter", v1_cntr, 0);
}

void guest_main(void)
{
	check_identity();
	check_counting();
	check_overflow();
	check_second_vcpu();
	write_sysreg(pmcr_el0, PMCR_P | PMCR_C);
}
