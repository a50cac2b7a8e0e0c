/*
 * Trapped and injected things: WFI/WFE, the ID registers keel filters,
 * MPIDR, UNDEFINED for unknown system registers, set/way cache maintenance,
 * the virtual counter, and aborts on IPAs with nothing behind them.
 */
#include "guest/guest.h"
#include "guest/gic.h"

const char guest_name[] = "traps";

#define WFI_ROUNDS		20
#define WFI_TIMER_INTID		27	/* the virtual timer's PPI */
#define CNTV_CTL_ISTATUS	(1u << 2)
#define ID_AA64ISAR2_EL1	s3_0_c0_c6_2

/* Event stream: CNTKCTL_EL1.EVNTEN, EVNTI = 10 (an event every 2^11 ticks). */
#define CNTKCTL_EVNTEN		(1u << 2)
#define CNTKCTL_EVNTI(n)	((uint64_t)(n) << 4)

static void check_field_zero(const char *name, uint64_t reg, unsigned hi, unsigned lo)
{
	checkf(name, field(reg, hi, lo) == 0, "field [%u:%u] = %lu (register 0x%lx)",
	       hi, lo, (unsigned long)field(reg, hi, lo), (unsigned long)reg);
}

/*
 * WFI waits for an interrupt: arm the virtual timer, WFI with interrupts masked in
 * PSTATE (a pending interrupt still ends WFI), check the wake-up came no earlier than
 * the deadline, then acknowledge and end the interrupt so the next round starts clean.
 */
static void check_wfi_timer(void)
{
	uint64_t step = read_sysreg(cntfrq_el0) / 1000; /* 1 ms */
	bool early = false, acked = true;

	if (!gic_init()) {
		check("wfi-timer-gic-init", false);
		return;
	}
	gic_irq_enable(WFI_TIMER_INTID);
	for (unsigned i = 0; i < WFI_ROUNDS; i++) {
		uint64_t deadline = read_sysreg(cntvct_el0) + step;

		write_sysreg(cntv_cval_el0, deadline);
		write_sysreg(cntv_ctl_el0, 1);  /* ENABLE, not masked */
		isb();
		while (!(read_sysreg(cntv_ctl_el0) & CNTV_CTL_ISTATUS) || !gic_irq_is_pending(WFI_TIMER_INTID))
			wfi();
		early |= read_sysreg(cntvct_el0) < deadline;
		write_sysreg(cntv_ctl_el0, 0);
		isb();
		uint32_t intid = gic_ack();

		acked &= intid == WFI_TIMER_INTID;
		if (intid < GIC_INTID_SPECIAL)
			gic_eoi(intid);
	}
	gic_irq_disable(WFI_TIMER_INTID);
	check("wfi-wakes-on-timer", !early);
	check("wfi-timer-interrupt-acked", acked);
}

static void check_wfx(void)
{
	uint64_t kctl = read_sysreg(cntkctl_el1);

	check_wfi_timer();
	/* WFE with the event register set, then plain WFEs woken by the event stream. */
	__asm__ volatile("sevl; wfe" ::: "memory");
	write_sysreg(cntkctl_el1, kctl | CNTKCTL_EVNTEN | CNTKCTL_EVNTI(10));
	isb();
	for (unsigned i = 0; i < 10; i++)
		wfe();
	write_sysreg(cntkctl_el1, kctl);
	check("wfe-returns", true);
}

static void check_id_registers(void)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1);
	uint64_t pfr1 = read_sysreg(id_aa64pfr1_el1);
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	uint64_t isar1 = read_sysreg(id_aa64isar1_el1);
	uint64_t isar2 = read_sysreg(ID_AA64ISAR2_EL1);
	uint64_t midr = read_sysreg(midr_el1);

	check_field_zero("id-pfr0-sve", pfr0, 35, 32);
	check_field_zero("id-pfr0-amu", pfr0, 47, 44);
	check_field_zero("id-pfr0-mpam", pfr0, 43, 40);
	check_field_zero("id-pfr0-ras", pfr0, 31, 28);
	check_field_zero("id-pfr1-mte", pfr1, 11, 8);
	check_field_zero("id-pfr1-sme", pfr1, 27, 24);
	/* The PMU is the vCPU's own (guests/pmu), shown at most as PMUv3p4 (what keel handles). */
	checkf("id-dfr0-pmuver-capped", ((dfr0 >> 8) & 0xf) <= 5, "PMUVer %lu",
	       (unsigned long)((dfr0 >> 8) & 0xf));
	check_field_zero("id-dfr0-pmsver", dfr0, 35, 32);
	check_field_zero("id-dfr0-tracever", dfr0, 7, 4);
	check_field_zero("id-dfr0-tracebuffer", dfr0, 47, 44);
	check_field_zero("id-isar1-apa", isar1, 7, 4);
	check_field_zero("id-isar1-api", isar1, 11, 8);
	check_field_zero("id-isar1-gpa", isar1, 27, 24);
	check_field_zero("id-isar1-gpi", isar1, 31, 28);
	check_field_zero("id-isar2-apa3", isar2, 15, 12);
	check_field_zero("id-isar2-gpa3", isar2, 11, 8);
	printf("MIDR_EL1 0x%lx\n", (unsigned long)midr);
	check("midr-readable", midr != 0);
}

static volatile unsigned mpidr_done;

/* MPIDR_EL1's affinity is the vCPU index keel reports (VM_INFO x1). */
static void check_mpidr_here(uint64_t context_id)
{
	uint64_t mpidr = read_sysreg(mpidr_el1);
	uint64_t index = env.under_keel ? hvc0(KEEL_HC_VM_INFO).a1 : context_id;
	char name[32];

	snprintf(name, sizeof(name), "mpidr-vcpu%lu", (unsigned long)context_id);
	checkf(name, (mpidr & MPIDR_AFF_MASK) == index && (mpidr & (1ULL << 31)),
	       "MPIDR 0x%lx, vCPU index %lu", (unsigned long)mpidr, (unsigned long)index);
	__atomic_fetch_add(&mpidr_done, 1, __ATOMIC_RELEASE);
}

static void check_mpidr(void)
{
	unsigned started = 1;
	uint64_t deadline;

	check_mpidr_here(0);
	for (unsigned i = 1; i < env.ncpus; i++)
		if (cpu_start(i, check_mpidr_here, i) == PSCI_SUCCESS)
			started++;
	deadline = timer_count() + 2 * timer_freq();
	while (__atomic_load_n(&mpidr_done, __ATOMIC_ACQUIRE) < started && timer_count() < deadline)
		;
	check_eq("mpidr-all-vcpus", mpidr_done, env.ncpus);
}

/* One MRS / MSR / instruction, by encoding string, with any exception recorded. */
#define SYSREG_READ(enc) ({ uint64_t __v = 0; struct fault __f; \
	expect_fault_begin(); \
	__asm__ volatile("mrs %0, " enc : "+r"(__v) :: "memory"); \
	__f = expect_fault_end(); __f; })
#define SYSREG_WRITE(enc, v) ({ struct fault __f; \
	expect_fault_begin(); \
	__asm__ volatile("msr " enc ", %0" :: "r"((uint64_t)(v)) : "memory"); \
	__f = expect_fault_end(); __f; })
#define INSN(word) ({ struct fault __f; \
	expect_fault_begin(); \
	__asm__ volatile(".inst " #word ::: "x0", "memory"); \
	__f = expect_fault_end(); __f; })

/*
 * IMPLEMENTATION DEFINED registers (op0 = 3, CRn = 11 or 15) that no CPU
 * model here implements: UNDEFINED, whether keel traps them (HCR_EL2.TIDCP)
 * and injects it or the CPU raises it directly.
 */
#define IMPDEF_READ(enc)     SYSREG_READ(enc)
#define IMPDEF_WRITE(enc, v) SYSREG_WRITE(enc, v)

static void check_undef(const char *name, struct fault f)
{
	checkf(name, f.taken && f.ec == EC_UNKNOWN, "taken %d ESR 0x%lx", f.taken,
	       (unsigned long)f.esr);
}

static void check_undefined_sysreg(void)
{
	struct fault f;

	check_undef("impdef-sysreg-read-undef", IMPDEF_READ("s3_7_c11_c3_5"));
	check_undef("impdef-sysreg-write-undef", IMPDEF_WRITE("s3_7_c11_c3_5", 0x1234));
	check_undef("impdef-sysreg-c15-read-undef", IMPDEF_READ("s3_0_c15_c15_7"));
	check_undef("impdef-sysreg-c15-write-undef", IMPDEF_WRITE("s3_2_c15_c7_3", 1));
	/*
	 * CPUACTLR_EL1 of the Cortex-A57/A72 that QEMU's "max" CPU models: only
	 * UNDEFINED if the CPU honours HCR_EL2.TIDCP (QEMU 7.2 does not), so
	 * this is reported, not checked.
	 */
	f = IMPDEF_READ("s3_1_c15_c2_0");
	printf("NOTE s3_1_c15_c2_0 (CPUACTLR_EL1 on A57/A72): %s\n",
	       f.taken ? "UNDEFINED" : "readable (HCR_EL2.TIDCP did not trap it)");
}

#define CPACR_ZEN	(3ull << 16)
#define CPACR_FPEN	(3ull << 20)
#define CPACR_SMEN	(3ull << 24)

/*
 * SVE and SME are hidden: their registers and instructions are UNDEFINED, never
 * the guest's own SVE/SME access trap (EC 0x19/0x1D), whatever the guest's
 * CPACR_EL1 says; CPACR_EL1.ZEN/SMEN are RES0 to it. SMIDR_EL1 is UNDEFINED
 * too (HCR_EL2.TID1), REVIDR_EL1 and AIDR_EL1 beside it stay readable. The
 * SME/RAS registers the architecture gives EL2 no trap for without FEAT_FGT
 * (TPIDR2_EL0, SMPRI_EL1, DISR_EL1) are checked by the debug guest: 0 at
 * every start, whatever the last run left.
 */
static void check_hidden_sve_sme(void)
{
	uint64_t cpacr = read_sysreg(cpacr_el1), seen;

	check_undef("zcr-el1-read-undef", SYSREG_READ("s3_0_c1_c2_0"));
	check_undef("zcr-el1-write-undef", SYSREG_WRITE("s3_0_c1_c2_0", 0));
	check_undef("smcr-el1-read-undef", SYSREG_READ("s3_0_c1_c2_6"));
	check_undef("svcr-read-undef", SYSREG_READ("s3_3_c4_c2_2"));
	check_undef("smidr-el1-read-undef", SYSREG_READ("s3_1_c0_c0_6"));
	check_undef("sve-rdvl-undef", INSN(0x04bf5020));		/* RDVL X0, #1 */
	check_undef("sme-smstart-undef", INSN(0xd503477f));	/* SMSTART */
	checkf("revidr-el1-readable", !SYSREG_READ("s3_0_c0_c0_6").taken, "UNDEFINED");
	checkf("aidr-el1-readable", !SYSREG_READ("s3_1_c0_c0_7").taken, "UNDEFINED");

	write_sysreg(cpacr_el1, cpacr | CPACR_ZEN | CPACR_SMEN);
	isb();
	seen = read_sysreg(cpacr_el1);
	checkf("cpacr-zen-smen-res0", (seen & (CPACR_ZEN | CPACR_SMEN)) == 0 &&
	       (seen & CPACR_FPEN) == (cpacr & CPACR_FPEN), "CPACR_EL1 reads 0x%lx",
	       (unsigned long)seen);
	check_undef("zcr-el1-zen-set-read-undef", SYSREG_READ("s3_0_c1_c2_0"));
	write_sysreg(cpacr_el1, cpacr);
	isb();
}

static void check_set_way(void)
{
	struct fault f;

	expect_fault_begin();
	/* Level 1 (bits [3:1] = 0), set 0, way 0; then level 2. */
	__asm__ volatile("dc cisw, %0; dc csw, %1; dc isw, %0" :: "r"(0UL), "r"(2UL) : "memory");
	f = expect_fault_end();
	checkf("dc-set-way", !f.taken, "ESR 0x%lx", (unsigned long)f.esr);
}

static void check_counter(void)
{
	uint64_t t0 = timer_count(), t1;

	delay_us(1000);
	t1 = timer_count();
	checkf("cntvct-advances", t1 > t0, "%lu -> %lu", (unsigned long)t0, (unsigned long)t1);
	checkf("cntfrq-set", timer_freq() != 0, "CNTFRQ_EL0 = 0");
}

static void check_unmapped(void)
{
	static const uint64_t addrs[] = { 0x10000000, 0x0b000000 };
	void (*wild)(void) = (void (*)(void))(uintptr_t)0x20000000;
	struct fault f;

	for (unsigned i = 0; i < 2; i++) {
		uint64_t v, a = addrs[i];
		char name[48];

		f = probe_read(a, 4, &v);
		snprintf(name, sizeof(name), "unmapped-read-%lx", (unsigned long)a);
		checkf(name, fault_is_sea(&f, a) && v == PROBE_POISON,
		       "taken %d EC 0x%x DFSC 0x%x FAR 0x%lx value 0x%lx", f.taken, f.ec, f.fsc,
		       (unsigned long)f.far, (unsigned long)v);
		f = probe_write(a + 8, 8, 0);
		snprintf(name, sizeof(name), "unmapped-write-%lx", (unsigned long)a + 8);
		checkf(name, fault_is_sea(&f, a + 8), "taken %d EC 0x%x DFSC 0x%x FAR 0x%lx",
		       f.taken, f.ec, f.fsc, (unsigned long)f.far);
	}

	expect_fault_begin();
	wild();
	f = expect_fault_end();
	checkf("unmapped-fetch-iabt", f.taken && f.ec == EC_IABT_CUR && f.far == 0x20000000,
	       "taken %d ESR 0x%lx FAR 0x%lx", f.taken, (unsigned long)f.esr, (unsigned long)f.far);
}

void guest_main(void)
{
	check_wfx();
	check_id_registers();
	check_mpidr();
	check_undefined_sysreg();
	check_hidden_sve_sme();
	check_set_way();
	check_counter();
	check_unmapped();
}
