/*
 * The virtual GICv3 (run with 2 vCPUs): ID and type registers, register
 * read-back, SGIs to self, to the other vCPU and to all others, delivery in
 * priority order, more pending interrupts than list registers, the active
 * state around EOI (both EOI modes), more interrupts active than the GIC has
 * list registers, PMR masking, SPI routing, a level SPI
 * made pending by ISPENDR, ICPENDR, WFI woken by an SGI, and vCPU 1's virtual
 * timer still ticking after vCPU 0 hammered its PPI's active and pending
 * registers.
 *
 * Handlers only record (vCPU, INTID, what they saw); vCPU 0 does every check.
 */
#include "guest/gic.h"
#include "guest/guest.h"

const char guest_name[] = "vgic";

#define NR_TRACKED	128	/* keel's INTIDs: SGIs, PPIs, SPIs up to 127 */
#define LOG_SIZE	64
#define WAIT_MS		1000	/* for an interrupt that should come */
#define QUIET_MS	20	/* for one that should not */
#define STORM_LIMIT	10000	/* interrupts in one test: something re-fires forever */

/* SGIs */
#define SGI_SELF	1
#define SGI_OTHER	2
#define SGI_OTHERS	3
#define SGI_ACTIVE	5
#define SGI_SPLIT	6
#define SGI_PMR		7
#define SGI_PRIO_FIRST	8	/* 8..13 */
#define SGI_WAKE	15

/*
 * SPIs from 96: keel's SPIs end at 127, and QEMU's virt machine wires nothing
 * to 96..127 (without an SMMU), so they stay quiet when run without keel.
 */
#define SPI_READBACK	96	/* 96..99: one IPRIORITYR word */
#define SPI_CFG		100
#define SPI_GROUP	101
#define SPI_ENABLE	102	/* and 103 */
#define SPI_MANY	104	/* 104..111 */
#define SPI_ACTIVE	112
#define SPI_ROUTED	113
#define SPI_LEVEL	114
#define SPI_CLEAR	115
#define NR_MANY_SPIS	8

#define VTIMER_PPI	27	/* QEMU virt's (and keel's) virtual timer PPI */
#define TIMER_TICK_MS	1	/* vCPU 1's periodic timer while it is hammered */
#define HAMMER_WRITES	4000

#define PRIO_HIGH	0x70
#define PRIO_MASKED	0x90
#define PMR_TEST	0x80

static volatile uint32_t count[GUEST_MAX_CPUS][NR_TRACKED];
static volatile uint32_t log_intid[LOG_SIZE], log_cpu[LOG_SIZE];
static volatile uint32_t log_n;

/* What the handler saw for the interrupt under test (probe_intid). */
static volatile uint32_t probe_intid = ~0u;
static volatile uint32_t probe_seen, probe_active, probe_pending, probe_rpr;

/* vCPU 1 */
static volatile uint32_t sec_ready, sec_init_ok, sec_phase, sec_wfi_ready, sec_done;
static volatile uint32_t wake_flag, sec_wakes, sec_woke;
static volatile uint32_t sec_timer_on, sec_timer_armed;

static void on_irq(uint32_t intid)
{
	unsigned cpu = cpu_index();
	uint32_t n = __atomic_fetch_add(&log_n, 1, __ATOMIC_RELAXED);

	if (n < LOG_SIZE) {
		log_intid[n] = intid;
		log_cpu[n] = cpu;
	}
	if (n == STORM_LIMIT) {
		/* The interrupted code would never run again: end here, loudly. */
		checkf("irq-storm", false, "%u interrupts, INTID %u on vCPU %u, first %u %u %u %u",
		       n, intid, cpu, log_intid[0], log_intid[1], log_intid[2], log_intid[3]);
		report_and_exit();
	}
	if (intid == probe_intid) {
		probe_active = gic_irq_is_active(intid);
		probe_pending = gic_irq_is_pending(intid);
		probe_rpr = gic_running_priority();
		__atomic_store_n(&probe_seen, 1, __ATOMIC_RELEASE);
	}
	if (intid == SGI_WAKE && cpu == 1)
		__atomic_store_n(&wake_flag, 1, __ATOMIC_RELEASE);
	if (intid == VTIMER_PPI && cpu == 1) {
		/* Level output: the next tick moves the deadline (or the timer stops). */
		if (__atomic_load_n(&sec_timer_on, __ATOMIC_ACQUIRE))
			write_sysreg(cntv_tval_el0, TIMER_TICK_MS * timer_freq() / 1000);
		else
			write_sysreg(cntv_ctl_el0, 0);
		isb();
	}
	if (intid < NR_TRACKED)
		__atomic_fetch_add(&count[cpu][intid], 1, __ATOMIC_RELEASE);
}

static void reset_records(void)
{
	for (unsigned c = 0; c < GUEST_MAX_CPUS; c++)
		for (unsigned i = 0; i < NR_TRACKED; i++)
			count[c][i] = 0;
	log_n = 0;
	probe_seen = probe_active = probe_pending = 0;
	probe_rpr = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint32_t taken(unsigned cpu, unsigned intid)
{
	return __atomic_load_n(&count[cpu][intid], __ATOMIC_ACQUIRE);
}

static uint64_t deadline_ms(unsigned ms)
{
	return timer_count() + ms * timer_freq() / 1000;
}

/* Spin (interrupts as the caller left them) until cond or ms pass; cond's last value. */
#define WAIT_UNTIL(cond, ms) ({ \
	uint64_t __end = deadline_ms(ms); bool __ok; \
	while (!(__ok = (cond)) && timer_count() < __end) \
		; \
	__ok; })

static uint32_t reg32(uint64_t addr)
{
	uint64_t v;
	struct fault f = probe_read(addr, 4, &v);

	return f.taken ? 0xdeadbeef : (uint32_t)v;
}

/* ---------------------------------------------------------------- vCPU 1 */

static void secondary(uint64_t context_id)
{
	bool ok;

	(void)context_id;
	sec_init_ok = gic_cpu_init();
	for (unsigned i = 0; sec_init_ok && i < GIC_NR_SGIS; i++)
		gic_irq_enable(i);
	__atomic_store_n(&sec_ready, 1, __ATOMIC_RELEASE);
	if (!sec_init_ok)
		return;
	/* Phase 0: take whatever comes, with interrupts unmasked; run the timer on request. */
	irq_enable();
	while (!__atomic_load_n(&sec_phase, __ATOMIC_ACQUIRE)) {
		bool on = __atomic_load_n(&sec_timer_on, __ATOMIC_ACQUIRE);

		if (on == (bool)sec_timer_armed)
			continue;
		if (on) {
			gic_irq_enable(VTIMER_PPI);
			write_sysreg(cntv_tval_el0, TIMER_TICK_MS * timer_freq() / 1000);
			write_sysreg(cntv_ctl_el0, 1);   /* ENABLE */
		} else {
			write_sysreg(cntv_ctl_el0, 0);
			gic_irq_disable(VTIMER_PPI);
		}
		isb();
		__atomic_store_n(&sec_timer_armed, on, __ATOMIC_RELEASE);
	}
	/* Phase 1: sleep in WFI until SGI_WAKE. */
	irq_disable();
	__atomic_store_n(&sec_wfi_ready, 1, __ATOMIC_RELEASE);
	sec_wakes = irq_wait_flag(&wake_flag, deadline_ms(5000), &ok);
	sec_woke = ok;
	__atomic_store_n(&sec_done, 1, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- ID registers */

static void check_ids(void)
{
	uint32_t typer = reg32(gic_dist_base() + GICD_TYPER);
	uint32_t pidr2 = reg32(gic_dist_base() + GICD_PIDR2);
	uint32_t ctlr = reg32(gic_dist_base() + GICD_CTLR);
	unsigned frames = gic_redist_frames();

	checkf("gicd-pidr2-archrev", GIC_PIDR2_ARCHREV(pidr2) == 3, "GICD_PIDR2 0x%x", pidr2);
	checkf("gicd-typer-itlines", GICD_TYPER_ITLINES(typer) >= 3, "GICD_TYPER 0x%x", typer);
	checkf("gicd-ctlr-are-grp1", (ctlr & (GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1)) ==
	       (GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1), "GICD_CTLR 0x%x", ctlr);
	check_eq("gicr-frame-count", frames, env.ncpus);
	for (unsigned i = 0; i < frames && i < GUEST_MAX_CPUS; i++) {
		uint64_t f = gic_redist_frame(i), t;
		bool last = i == frames - 1;
		char name[40];
		struct fault flt = probe_read(f + GICR_TYPER, 8, &t);

		pidr2 = reg32(f + GICR_PIDR2);
		snprintf(name, sizeof(name), "gicr%u-pidr2-archrev", i);
		checkf(name, GIC_PIDR2_ARCHREV(pidr2) == 3, "GICR_PIDR2 0x%x", pidr2);
		snprintf(name, sizeof(name), "gicr%u-typer", i);
		checkf(name, !flt.taken && GICR_TYPER_AFFINITY(t) == env.cpu_mpidr[i] &&
		       GICR_TYPER_PROC_NUM(t) == i && !!(t & GICR_TYPER_LAST) == last,
		       "GICR_TYPER 0x%lx (64-bit read %s), want affinity 0x%lx, "
		       "Processor_Number %u, Last %d", (unsigned long)t,
		       flt.taken ? "aborted" : "ok", (unsigned long)env.cpu_mpidr[i], i, last);
	}
	for (unsigned i = 0; i < env.ncpus; i++) {
		char name[40];

		snprintf(name, sizeof(name), "gicr-found-vcpu%u", i);
		check(name, gic_redist_base(i) != 0);
	}
}

/* ---------------------------------------------------------------- read-back */

static void check_priority_bytes(const char *what, uint64_t word)
{
	static const uint8_t vals[4] = { 0x10, 0x20, 0x30, 0x40 };
	uint64_t v, b[4];
	bool faulted = false;
	char name[48];

	for (unsigned i = 0; i < 4; i++)
		faulted |= probe_write(word + i, 1, vals[i]).taken;
	faulted |= probe_read(word, 4, &v).taken;
	for (unsigned i = 0; i < 4; i++)
		faulted |= probe_read(word + i, 1, &b[i]).taken;
	snprintf(name, sizeof(name), "%s-ipriorityr-bytes", what);
	checkf(name, !faulted && v == 0x40302010 && b[0] == 0x10 && b[1] == 0x20 &&
	       b[2] == 0x30 && b[3] == 0x40, "%s word 0x%lx bytes %lx %lx %lx %lx",
	       faulted ? "aborted," : "", (unsigned long)v, (unsigned long)b[0],
	       (unsigned long)b[1], (unsigned long)b[2], (unsigned long)b[3]);

	/* One byte written: the other three keep their values. */
	faulted = probe_write(word + 2, 1, 0xe0).taken || probe_read(word, 4, &v).taken;
	snprintf(name, sizeof(name), "%s-ipriorityr-byte-alone", what);
	checkf(name, !faulted && v == 0x40e02010, "word 0x%lx", (unsigned long)v);

	/* At least 16 levels (4 bits); unimplemented low bits read as zero. */
	faulted = probe_write(word + 3, 1, 0xff).taken || probe_read(word + 3, 1, &v).taken;
	snprintf(name, sizeof(name), "%s-ipriorityr-bits", what);
	checkf(name, !faulted && (v & 0xf0) == 0xf0 && ((v + (v & -v)) & 0xff) == 0,
	       "0xff reads back as 0x%lx", (unsigned long)v);
	if (!faulted)
		printf("NOTE %s priority bits: 0xff reads 0x%02lx\n", what, (unsigned long)v);
	for (unsigned i = 0; i < 4; i++)
		(void)probe_write(word + i, 1, GIC_PRIO_DEFAULT);
}

static void check_readback(void)
{
	uint64_t d = gic_dist_base(), sgi = gic_sgi_base(0), v;
	uint32_t bit, r;

	check_priority_bytes("gicd", d + GICD_IPRIORITYR + SPI_READBACK);
	check_priority_bytes("gicr", sgi + GICR_IPRIORITYR + 4);	/* SGIs 4..7 */

	/* ICFGR: Int_config[1] of an SPI is edge (1) / level (0); SGIs are edge, RO. */
	bit = 2u << (2 * (SPI_CFG % 16));
	gic_irq_set_edge(SPI_CFG, true);
	r = reg32(d + GICD_ICFGR + (SPI_CFG / 16) * 4);
	checkf("gicd-icfgr-edge", r & bit, "GICD_ICFGR%u 0x%x", SPI_CFG / 16, r);
	gic_irq_set_edge(SPI_CFG, false);
	r = reg32(d + GICD_ICFGR + (SPI_CFG / 16) * 4);
	checkf("gicd-icfgr-level", !(r & bit), "GICD_ICFGR%u 0x%x", SPI_CFG / 16, r);
	(void)probe_write(sgi + GICR_ICFGR0, 4, 0);
	check_eq("gicr-icfgr0-sgi-edge-ro", reg32(sgi + GICR_ICFGR0), 0xaaaaaaaa);

	/* IGROUPR: gic_init made everything Group 1; one bit cleared and set again. */
	bit = 1u << (SPI_GROUP % 32);
	v = d + GICD_IGROUPR + (SPI_GROUP / 32) * 4;
	check_eq("gicd-igroupr-all-group1", reg32(v), 0xffffffff);
	(void)probe_write(v, 4, ~bit);
	check_eq("gicd-igroupr-clear-one", reg32(v), ~bit);
	(void)probe_write(v, 4, ~0u);
	check_eq("gicd-igroupr-set-again", reg32(v), 0xffffffff);
	check_eq("gicr-igroupr0-all-group1", reg32(sgi + GICR_IGROUPR0), 0xffffffff);

	/* ISENABLER/ICENABLER: write-1-to-set/clear, both read the enable state. */
	bit = 1u << (SPI_ENABLE % 32);
	gic_irq_enable(SPI_ENABLE);
	gic_irq_enable(SPI_ENABLE + 1);
	r = reg32(d + GICD_ISENABLER + (SPI_ENABLE / 32) * 4);
	checkf("gicd-isenabler", (r & (3 * bit)) == 3 * bit &&
	       r == reg32(d + GICD_ICENABLER + (SPI_ENABLE / 32) * 4), "ISENABLER 0x%x", r);
	gic_irq_disable(SPI_ENABLE);
	r = reg32(d + GICD_ISENABLER + (SPI_ENABLE / 32) * 4);
	checkf("gicd-icenabler-one", (r & (3 * bit)) == 2 * bit &&
	       r == reg32(d + GICD_ICENABLER + (SPI_ENABLE / 32) * 4), "ISENABLER 0x%x", r);
	gic_irq_disable(SPI_ENABLE + 1);
	check("gicd-icenabler-both", !gic_irq_is_enabled(SPI_ENABLE + 1));

	/* GICR_ISENABLER0: the SGIs gic_init left enabled for this test, PPIs not. */
	r = reg32(sgi + GICR_ISENABLER0);
	checkf("gicr-isenabler0", (r & 0xffff) == 0xffff, "GICR_ISENABLER0 0x%x", r);

	/* IROUTER: 64-bit, the affinity written reads back. */
	gic_irq_route(SPI_ROUTED, env.cpu_mpidr[1]);
	check_eq("gicd-irouter-readback",
		 probe_read(d + GICD_IROUTER + 8 * SPI_ROUTED, 8, &v).taken ? ~0ULL : v,
		 env.cpu_mpidr[1]);
	gic_irq_route(SPI_ROUTED, env.cpu_mpidr[0]);
	check_eq("gicd-irouter-readback-32bit", reg32(d + GICD_IROUTER + 8 * SPI_ROUTED),
		 (uint32_t)env.cpu_mpidr[0]);
}

/* ---------------------------------------------------------------- SGIs */

static void check_sgis(void)
{
	reset_records();
	gic_send_sgi(SGI_SELF, 0);
	checkf("sgi-self", WAIT_UNTIL(taken(0, SGI_SELF) == 1, WAIT_MS) && taken(1, SGI_SELF) == 0,
	       "taken %u times on vCPU 0, %u on vCPU 1", taken(0, SGI_SELF), taken(1, SGI_SELF));

	gic_send_sgi(SGI_OTHER, 1);
	checkf("sgi-other-vcpu", WAIT_UNTIL(taken(1, SGI_OTHER) == 1, WAIT_MS) &&
	       taken(0, SGI_OTHER) == 0, "taken %u times on vCPU 1, %u on vCPU 0",
	       taken(1, SGI_OTHER), taken(0, SGI_OTHER));

	gic_send_sgi_others(SGI_OTHERS);
	(void)WAIT_UNTIL(taken(1, SGI_OTHERS) == 1, WAIT_MS);
	delay_us(QUIET_MS * 1000);
	checkf("sgi-irm-all-but-self", taken(1, SGI_OTHERS) == 1 && taken(0, SGI_OTHERS) == 0,
	       "taken %u times on vCPU 1, %u on vCPU 0 (the sender)", taken(1, SGI_OTHERS),
	       taken(0, SGI_OTHERS));
}

/* ---------------------------------------------------------------- priorities */

static void check_priority_order(void)
{
	/* SGI_PRIO_FIRST + i gets prio[i]; expected order by priority value. */
	static const uint8_t prio[6] = { 0x60, 0x20, 0xa0, 0x40, 0x80, 0x30 };
	static const uint32_t want[6] = { 9, 13, 11, 8, 12, 10 };
	bool pending = true, ok;

	reset_records();
	irq_disable();
	for (unsigned i = 0; i < 6; i++)
		gic_irq_set_priority(SGI_PRIO_FIRST + i, prio[i]);
	for (unsigned i = 0; i < 6; i++)
		gic_send_sgi(SGI_PRIO_FIRST + i, 0);
	for (unsigned i = 0; i < 6; i++)
		pending &= WAIT_UNTIL(gic_irq_is_pending(SGI_PRIO_FIRST + i), WAIT_MS);
	check("sgi-pending-while-masked", pending && log_n == 0);
	check_eq("hppir-highest-priority", gic_highest_pending(), want[0]);
	irq_enable();
	ok = WAIT_UNTIL(__atomic_load_n(&log_n, __ATOMIC_ACQUIRE) >= 6, WAIT_MS);
	for (unsigned i = 0; ok && i < 6; i++)
		ok = log_intid[i] == want[i] && log_cpu[i] == 0;
	checkf("priority-order", ok && log_n == 6,
	       "%u taken: %u %u %u %u %u %u (want 9 13 11 8 12 10)", log_n, log_intid[0],
	       log_intid[1], log_intid[2], log_intid[3], log_intid[4], log_intid[5]);
	for (unsigned i = 0; i < 6; i++)
		gic_irq_set_priority(SGI_PRIO_FIRST + i, GIC_PRIO_DEFAULT);

	/* PMR: a priority not above the mask waits; a higher one passes. */
	reset_records();
	gic_irq_set_priority(SGI_PMR, PRIO_MASKED);
	gic_irq_set_priority(SGI_SELF, PRIO_HIGH);
	gic_set_pmr(PMR_TEST);
	gic_send_sgi(SGI_PMR, 0);
	gic_send_sgi(SGI_SELF, 0);
	ok = WAIT_UNTIL(taken(0, SGI_SELF) == 1, WAIT_MS);
	delay_us(QUIET_MS * 1000);
	checkf("pmr-masks-lower-priority", ok && taken(0, SGI_PMR) == 0 &&
	       gic_irq_is_pending(SGI_PMR), "higher taken %u, masked taken %u, pending %d",
	       taken(0, SGI_SELF), taken(0, SGI_PMR), gic_irq_is_pending(SGI_PMR));
	gic_set_pmr(GIC_PRIO_MASK_NONE);
	checkf("pmr-unmask-delivers", WAIT_UNTIL(taken(0, SGI_PMR) == 1, WAIT_MS),
	       "taken %u", taken(0, SGI_PMR));
	gic_irq_set_priority(SGI_PMR, GIC_PRIO_DEFAULT);
	gic_irq_set_priority(SGI_SELF, GIC_PRIO_DEFAULT);
}

/* More pending at once than any list-register file holds: each taken once. */
static void check_many_pending(void)
{
	uint64_t sgi = gic_sgi_base(0), d = gic_dist_base();
	unsigned total = GIC_NR_SGIS + NR_MANY_SPIS, wrong = 0, missing = 0;
	bool ok;

	reset_records();
	irq_disable();
	for (unsigned i = 0; i < NR_MANY_SPIS; i++) {
		gic_irq_set_edge(SPI_MANY + i, true);
		gic_irq_route(SPI_MANY + i, env.cpu_mpidr[0]);
		gic_irq_enable(SPI_MANY + i);
	}
	mmio_write32(sgi + GICR_ISPENDR0, 0xffff);
	mmio_write32(d + GICD_ISPENDR + (SPI_MANY / 32) * 4, 0xffu << (SPI_MANY % 32));
	dsb(sy);
	checkf("many-pending-visible",
	       (reg32(sgi + GICR_ISPENDR0) & 0xffff) == 0xffff &&
	       ((reg32(d + GICD_ISPENDR + (SPI_MANY / 32) * 4) >> (SPI_MANY % 32)) & 0xff) == 0xff,
	       "GICR_ISPENDR0 0x%x GICD_ISPENDR%u 0x%x", reg32(sgi + GICR_ISPENDR0), SPI_MANY / 32,
	       reg32(d + GICD_ISPENDR + (SPI_MANY / 32) * 4));
	irq_enable();
	ok = WAIT_UNTIL(__atomic_load_n(&log_n, __ATOMIC_ACQUIRE) >= total, WAIT_MS);
	delay_us(QUIET_MS * 1000);
	for (unsigned i = 0; i < GIC_NR_SGIS + NR_MANY_SPIS; i++) {
		unsigned intid = i < GIC_NR_SGIS ? i : SPI_MANY + i - GIC_NR_SGIS;

		if (taken(0, intid) != 1 || taken(1, intid) != 0)
			wrong++;
		if (taken(0, intid) == 0)
			missing++;
	}
	checkf("many-pending-each-once", ok && wrong == 0 && log_n == total,
	       "%u taken of %u, %u INTIDs wrong (%u never taken)", log_n, total, wrong, missing);
	check("many-pending-none-left", (reg32(sgi + GICR_ISPENDR0) & 0xffff) == 0 &&
	      ((reg32(d + GICD_ISPENDR + (SPI_MANY / 32) * 4) >> (SPI_MANY % 32)) & 0xff) == 0);
	for (unsigned i = 0; i < NR_MANY_SPIS; i++)
		gic_irq_disable(SPI_MANY + i);
}

/* ---------------------------------------------------------------- active state */

static void probe_active_state(const char *what, unsigned intid, bool split)
{
	char name[48];

	reset_records();
	probe_intid = intid;
	if (split)
		gic_set_eoi_split(true);
	gic_irq_set_priority(intid, PRIO_HIGH);
	if (intid >= GIC_SPI_BASE) {
		gic_irq_set_edge(intid, true);
		gic_irq_enable(intid);
		gic_irq_set_pending(intid);
	} else {
		gic_send_sgi(intid, 0);
	}
	(void)WAIT_UNTIL(__atomic_load_n(&probe_seen, __ATOMIC_ACQUIRE), WAIT_MS);
	snprintf(name, sizeof(name), "%s-active-in-handler", what);
	checkf(name, probe_seen && probe_active && !probe_pending,
	       "taken %u, active %u, pending %u", probe_seen, probe_active, probe_pending);
	snprintf(name, sizeof(name), "%s-running-priority", what);
	check_eq(name, probe_rpr, PRIO_HIGH);
	if (split) {
		/* EOImode 1: EOIR dropped the priority; it stays active until DIR. */
		snprintf(name, sizeof(name), "%s-active-after-eoir", what);
		check(name, gic_irq_is_active(intid) && gic_running_priority() == 0xff);
		gic_deactivate(intid);
		gic_set_eoi_split(false);
	}
	snprintf(name, sizeof(name), "%s-inactive-after-%s", what, split ? "dir" : "eoi");
	check(name, !gic_irq_is_active(intid) && !gic_irq_is_pending(intid));
	probe_intid = ~0u;
	gic_irq_set_priority(intid, GIC_PRIO_DEFAULT);
	if (intid >= GIC_SPI_BASE)
		gic_irq_disable(intid);
}

/*
 * More interrupts active at once than QEMU's GIC has list registers (4): with
 * EOImode 1 the handler's EOIR only drops the priority, so all eight SPIs made
 * pending together are taken and stay active; vCPU 0 then deactivates them
 * with ICC_DIR_EL1, the lowest priority first (those least likely to be in a
 * list register). All must end inactive, and be taken again.
 */
static void check_many_active(void)
{
	uint64_t d = gic_dist_base();
	uint64_t active = d + GICD_ISACTIVER + (SPI_MANY / 32) * 4;
	uint64_t pend = d + GICD_ISPENDR + (SPI_MANY / 32) * 4;
	uint32_t mask = ((1u << NR_MANY_SPIS) - 1) << (SPI_MANY % 32), wrong = 0;
	bool ok;

	reset_records();
	gic_set_eoi_split(true);
	for (unsigned i = 0; i < NR_MANY_SPIS; i++) {
		gic_irq_set_priority(SPI_MANY + i, (uint8_t)(0x80 - 0x08 * i));
		gic_irq_set_edge(SPI_MANY + i, true);
		gic_irq_enable(SPI_MANY + i);
	}
	mmio_write32(pend, mask);
	ok = WAIT_UNTIL(__atomic_load_n(&log_n, __ATOMIC_ACQUIRE) >= NR_MANY_SPIS, WAIT_MS);
	checkf("many-active-taken", ok, "%u of %u taken before any deactivation", log_n,
	       NR_MANY_SPIS);
	checkf("many-active-all-active", (reg32(active) & mask) == mask, "GICD_ISACTIVER%u 0x%x",
	       SPI_MANY / 32, reg32(active));
	for (unsigned i = 0; i < NR_MANY_SPIS; i++)
		gic_deactivate(SPI_MANY + i);
	checkf("many-active-all-deactivated", (reg32(active) & mask) == 0,
	       "GICD_ISACTIVER%u 0x%x after ICC_DIR_EL1 of each", SPI_MANY / 32, reg32(active));
	/* Taken again, each once, and deactivated again. */
	reset_records();
	mmio_write32(pend, mask);
	ok = WAIT_UNTIL(__atomic_load_n(&log_n, __ATOMIC_ACQUIRE) >= NR_MANY_SPIS, WAIT_MS);
	for (unsigned i = 0; i < NR_MANY_SPIS; i++) {
		if (taken(0, SPI_MANY + i) != 1)
			wrong++;
		gic_deactivate(SPI_MANY + NR_MANY_SPIS - 1 - i);
	}
	checkf("many-active-taken-again", ok && wrong == 0 && (reg32(active) & mask) == 0,
	       "%u taken, %u INTIDs not once, GICD_ISACTIVER%u 0x%x", log_n, wrong, SPI_MANY / 32,
	       reg32(active));
	gic_set_eoi_split(false);
	for (unsigned i = 0; i < NR_MANY_SPIS; i++) {
		gic_irq_disable(SPI_MANY + i);
		gic_irq_set_priority(SPI_MANY + i, GIC_PRIO_DEFAULT);
	}
}

static void check_active(void)
{
	probe_active_state("sgi", SGI_ACTIVE, false);
	probe_active_state("spi", SPI_ACTIVE, false);
	probe_active_state("sgi-eoimode1", SGI_SPLIT, true);
	check_many_active();
}

/* ---------------------------------------------------------------- SPIs */

static void check_spis(void)
{
	bool ok;

	/* Routed to vCPU 1 with IROUTER. */
	reset_records();
	gic_irq_set_edge(SPI_ROUTED, true);
	gic_irq_route(SPI_ROUTED, env.cpu_mpidr[1]);
	gic_irq_enable(SPI_ROUTED);
	gic_irq_set_pending(SPI_ROUTED);
	ok = WAIT_UNTIL(taken(1, SPI_ROUTED) == 1, WAIT_MS);
	delay_us(QUIET_MS * 1000);
	checkf("spi-routed-to-vcpu1", ok && taken(1, SPI_ROUTED) == 1 && taken(0, SPI_ROUTED) == 0,
	       "taken %u times on vCPU 1, %u on vCPU 0", taken(1, SPI_ROUTED),
	       taken(0, SPI_ROUTED));
	gic_irq_disable(SPI_ROUTED);
	gic_irq_route(SPI_ROUTED, env.cpu_mpidr[0]);

	/* Level-sensitive, made pending by ISPENDR: the latch is consumed by the acknowledge. */
	reset_records();
	gic_irq_set_edge(SPI_LEVEL, false);
	gic_irq_enable(SPI_LEVEL);
	gic_irq_set_pending(SPI_LEVEL);
	ok = WAIT_UNTIL(taken(0, SPI_LEVEL) >= 1, WAIT_MS);
	delay_us(QUIET_MS * 1000);
	checkf("spi-level-ispendr-once", ok && taken(0, SPI_LEVEL) == 1 && taken(1, SPI_LEVEL) == 0,
	       "taken %u times on vCPU 0, %u on vCPU 1", taken(0, SPI_LEVEL), taken(1, SPI_LEVEL));
	check("spi-level-idle-after-eoi", !gic_irq_is_pending(SPI_LEVEL) &&
	      !gic_irq_is_active(SPI_LEVEL));
	gic_irq_disable(SPI_LEVEL);

	/* Pending while disabled is not delivered; ICPENDR removes it. */
	reset_records();
	gic_irq_set_edge(SPI_CLEAR, true);
	gic_irq_disable(SPI_CLEAR);
	gic_irq_set_pending(SPI_CLEAR);
	delay_us(QUIET_MS * 1000);
	check("spi-disabled-stays-pending", gic_irq_is_pending(SPI_CLEAR) &&
	      taken(0, SPI_CLEAR) == 0);
	gic_irq_clear_pending(SPI_CLEAR);
	check("spi-icpendr-clears", !gic_irq_is_pending(SPI_CLEAR));
	gic_irq_enable(SPI_CLEAR);
	delay_us(QUIET_MS * 1000);
	check_eq("spi-cleared-not-delivered", taken(0, SPI_CLEAR), 0);
	gic_irq_disable(SPI_CLEAR);
}

/* ---------------------------------------------------------------- a hammered timer */

/*
 * vCPU 0 sets and clears the active and pending state of vCPU 1's virtual
 * timer PPI (a hardware-linked interrupt under keel) in random order while
 * that timer ticks; it ends with ICPENDR and ICACTIVER. vCPU 1 must go on
 * taking its timer interrupts.
 */
static void check_timer_hammer(void)
{
	static const uint32_t regs[] = { GICR_ISACTIVER0, GICR_ICACTIVER0, GICR_ISPENDR0,
					 GICR_ICPENDR0 };
	uint64_t sgi1 = gic_sgi_base(1), rnd = 0x2545f4914f6cdd1dULL;
	uint32_t bit = 1u << VTIMER_PPI, start, after;
	bool ok;

	reset_records();
	__atomic_store_n(&sec_timer_on, 1, __ATOMIC_RELEASE);
	ok = WAIT_UNTIL(taken(1, VTIMER_PPI) >= 3, WAIT_MS);
	if (!checkf("hammer-timer-ticks", ok, "vCPU 1 took %u timer interrupts in %u ms",
		    taken(1, VTIMER_PPI), WAIT_MS))
		goto out;
	start = taken(1, VTIMER_PPI);
	for (unsigned i = 0; i < HAMMER_WRITES; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		*(volatile uint32_t *)(uintptr_t)(sgi1 + regs[rnd % 4]) = bit;
	}
	*(volatile uint32_t *)(uintptr_t)(sgi1 + GICR_ICPENDR0) = bit;
	*(volatile uint32_t *)(uintptr_t)(sgi1 + GICR_ICACTIVER0) = bit;
	after = taken(1, VTIMER_PPI);
	printf("NOTE vCPU 1 took %u timer interrupts during %u writes to its PPI\n",
	       after - start, HAMMER_WRITES);
	ok = WAIT_UNTIL(taken(1, VTIMER_PPI) >= after + 5, WAIT_MS);
	checkf("hammer-timer-survives", ok,
	       "vCPU 1 took %u timer interrupts in %u ms after the writes (active %d pending %d)",
	       taken(1, VTIMER_PPI) - after, WAIT_MS, gic_irq_is_active_on(1, VTIMER_PPI),
	       gic_irq_is_pending_on(1, VTIMER_PPI));
out:
	__atomic_store_n(&sec_timer_on, 0, __ATOMIC_RELEASE);
	(void)WAIT_UNTIL(!__atomic_load_n(&sec_timer_armed, __ATOMIC_ACQUIRE), WAIT_MS);
}

/* ---------------------------------------------------------------- WFI */

static void check_wfi_wake(void)
{
	bool ready;

	reset_records();
	__atomic_store_n(&sec_phase, 1, __ATOMIC_RELEASE);
	ready = WAIT_UNTIL(__atomic_load_n(&sec_wfi_ready, __ATOMIC_ACQUIRE), WAIT_MS);
	delay_us(QUIET_MS * 1000);	/* vCPU 1 is in WFI by now */
	gic_send_sgi(SGI_WAKE, 1);
	checkf("wfi-woken-by-sgi", ready && WAIT_UNTIL(__atomic_load_n(&sec_done,
	       __ATOMIC_ACQUIRE), 2 * WAIT_MS) && sec_woke && taken(1, SGI_WAKE) == 1,
	       "ready %d, done %u, woke %u, SGI taken %u", ready, sec_done, sec_woke,
	       taken(1, SGI_WAKE));
	printf("NOTE vCPU 1 returned from WFI %u times while waiting\n", sec_wakes);
	if (env.under_keel)
		checkf("wfi-waits", sec_done && sec_wakes <= 100,
		       "WFI returned %u times in about %u ms without an interrupt", sec_wakes,
		       QUIET_MS);
}

void guest_main(void)
{
	if (env.ncpus < 2) {
		checkf("vgic-two-vcpus", false, "%u vCPU in the device tree, need 2", env.ncpus);
		return;
	}
	if (!check("gic-init", gic_init()))
		return;
	irq_set_handler(on_irq);
	for (unsigned i = 0; i < GIC_NR_SGIS; i++)
		gic_irq_enable(i);
	check_eq("cpu-on-vcpu1", cpu_start(1, secondary, 0), PSCI_SUCCESS);
	if (!check("gic-init-vcpu1", WAIT_UNTIL(__atomic_load_n(&sec_ready, __ATOMIC_ACQUIRE),
						WAIT_MS) && sec_init_ok))
		return;

	check_ids();
	check_readback();
	irq_enable();
	check_sgis();
	check_priority_order();
	check_many_pending();
	check_active();
	check_spis();
	check_timer_hammer();
	check_wfi_wake();
	irq_disable();
}
