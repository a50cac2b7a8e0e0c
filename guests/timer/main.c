/*
 * The virtual timer (CNTV_CTL/CVAL/TVAL_EL0) through the GIC: it fires its
 * PPI after the programmed delay and not before, wakes WFI, is held back by
 * IMASK and by the GIC's enable, ticks periodically; the virtual counter and
 * its frequency; the EL1 physical timer (CNTP_*) is the guest's too: keel
 * switches it with the vCPU and forwards its PPI. For both timers the PPI's
 * pending state follows the timer's output: disabled in the redistributor it
 * is pending but not delivered, and once the timer is off (ENABLE = 0 or
 * IMASK = 1) it is neither pending nor delivered when enabled again.
 */
#include "guest/gic.h"
#include "guest/guest.h"
#include "guest/timer.h"

const char guest_name[] = "timer";

#define VTIMER_INTID_DEFAULT	27	/* PPI 11 */

#define CNTV_CTL_ENABLE		(1u << 0)
#define CNTV_CTL_IMASK		(1u << 1)
#define CNTV_CTL_ISTATUS	(1u << 2)

#define DELAY_MS		10	/* one-shot delay */
/* How late an interrupt may be: QEMU TCG on a loaded host can be 100s of ms. */
#define LATE_MS			500
#define WAIT_MS			1000
#define QUIET_MS		20
#define TICKS			10
#define TICK_MS			5
#define MONOTONIC_READS		10000

static unsigned vtimer_intid = VTIMER_INTID_DEFAULT;

#define PTIMER_INTID		30	/* PPI 14: the EL1 physical timer */
static volatile uint32_t ptimer_fired;
static volatile uint64_t ptimer_fire_count;

/* Filled by the handler. */
static volatile uint32_t fired, stray, stray_intid;
static volatile uint64_t fire_time[TICKS], fire_cval[TICKS];
static volatile uint32_t fire_ctl;
static volatile int64_t fire_tval;
static volatile uint32_t periodic;	/* rearm CVAL += period until TICKS */
static uint64_t period;

static void on_irq(uint32_t intid)
{
	uint64_t now = timer_count();
	uint32_t n = fired;

	if (intid == PTIMER_INTID) {
		ptimer_fire_count = read_sysreg(cntpct_el0);
		write_sysreg(cntp_ctl_el0, 0);   /* level output: stop it before EOI */
		isb();
		__atomic_store_n(&ptimer_fired, ptimer_fired + 1, __ATOMIC_RELEASE);
		return;
	}
	if (intid != vtimer_intid) {
		stray++;
		stray_intid = intid;
		return;
	}
	if (n < TICKS) {
		fire_time[n] = now;
		fire_cval[n] = read_sysreg(cntv_cval_el0);
	}
	if (n == 0) {
		fire_ctl = (uint32_t)read_sysreg(cntv_ctl_el0);
		fire_tval = (int32_t)read_sysreg(cntv_tval_el0);
	}
	/* The timer's output is level: move the deadline or stop it before EOI. */
	if (periodic && n + 1 < TICKS)
		write_sysreg(cntv_cval_el0, read_sysreg(cntv_cval_el0) + period);
	else
		write_sysreg(cntv_ctl_el0, 0);
	isb();
	__atomic_store_n(&fired, n + 1, __ATOMIC_RELEASE);
}

static uint64_t ms_ticks(uint64_t ms)
{
	return ms * timer_freq() / 1000;
}

#define WAIT_UNTIL(cond, ms) ({ \
	uint64_t __end = timer_count() + ms_ticks(ms); bool __ok; \
	while (!(__ok = (cond)) && timer_count() < __end) \
		; \
	__ok; })

static void reset_records(void)
{
	fired = stray = 0;
	periodic = 0;
	for (unsigned i = 0; i < TICKS; i++)
		fire_time[i] = fire_cval[i] = 0;
	fire_ctl = 0;
	fire_tval = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void timer_stop(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

/* The virtual timer's INTID from the DT's "arm,armv8-timer" node, else PPI 11. */
static void find_vtimer_intid(void)
{
	if (!timer_dt_virt_intid(&vtimer_intid))
		printf("NOTE no virtual timer interrupt in the device tree: using INTID %u\n",
		       vtimer_intid);
}

/* ---------------------------------------------------------------- counter */

static void check_counter(void)
{
	uint64_t prev = timer_count(), first = prev, bad = 0;

	checkf("cntfrq-nonzero", timer_freq() != 0, "CNTFRQ_EL0 = 0");
	printf("NOTE CNTFRQ_EL0 = %lu Hz\n", (unsigned long)timer_freq());
	for (unsigned i = 0; i < MONOTONIC_READS; i++) {
		uint64_t now = timer_count();

		if (now < prev)
			bad++;
		prev = now;
	}
	checkf("cntvct-monotonic", bad == 0 && prev > first, "%lu backward steps, %lu -> %lu",
	       (unsigned long)bad, (unsigned long)first, (unsigned long)prev);
}

/* ---------------------------------------------------------------- one shot */

static void check_one_shot_cval(void)
{
	uint64_t cval, late;
	bool ok;

	reset_records();
	cval = timer_count() + ms_ticks(DELAY_MS);
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	check_eq("cntv-ctl-readback",
		 read_sysreg(cntv_ctl_el0) & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK), CNTV_CTL_ENABLE);
	check_eq("cntv-cval-readback", read_sysreg(cntv_cval_el0), cval);
	irq_enable();
	ok = WAIT_UNTIL(fired, WAIT_MS);
	irq_disable();
	timer_stop();
	late = fire_time[0] - cval;
	checkf("cval-fires", ok && fired == 1 && stray == 0, "fired %u, stray %u (INTID %u)",
	       fired, stray, stray_intid);
	checkf("cval-not-early", ok && fire_time[0] >= cval, "fired at %lu, deadline %lu",
	       (unsigned long)fire_time[0], (unsigned long)cval);
	checkf("cval-on-time", ok && fire_time[0] >= cval && late <= ms_ticks(LATE_MS),
	       "%lu us late", (unsigned long)(late * 1000000 / timer_freq()));
	if (ok)
		printf("NOTE timer interrupt %lu us after the deadline\n",
		       (unsigned long)(late * 1000000 / timer_freq()));
	checkf("istatus-in-handler", fire_ctl & CNTV_CTL_ISTATUS, "CNTV_CTL_EL0 0x%x", fire_ctl);
	checkf("tval-negative-after-deadline", fire_tval <= 0, "CNTV_TVAL_EL0 %ld",
	       (long)fire_tval);
	check("ppi-idle-after-eoi", !gic_irq_is_pending(vtimer_intid) &&
	      !gic_irq_is_active(vtimer_intid));
}

static void check_one_shot_tval(void)
{
	uint64_t before, after, cval;
	bool ok;

	reset_records();
	before = timer_count();
	write_sysreg(cntv_tval_el0, ms_ticks(DELAY_MS));
	isb();
	after = timer_count();
	cval = read_sysreg(cntv_cval_el0);
	checkf("tval-sets-cval", cval >= before + ms_ticks(DELAY_MS) &&
	       cval <= after + ms_ticks(DELAY_MS), "CVAL %lu, counter %lu..%lu, delay %lu",
	       (unsigned long)cval, (unsigned long)before, (unsigned long)after,
	       (unsigned long)ms_ticks(DELAY_MS));
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	irq_enable();
	ok = WAIT_UNTIL(fired, WAIT_MS);
	irq_disable();
	timer_stop();
	checkf("tval-fires", ok && fired == 1 && fire_time[0] >= cval &&
	       fire_time[0] - cval <= ms_ticks(LATE_MS), "fired %u at %lu, deadline %lu",
	       fired, (unsigned long)fire_time[0], (unsigned long)cval);
}

/* ---------------------------------------------------------------- WFI */

static void check_wfi(void)
{
	uint64_t start, cval;
	unsigned wakes;
	bool ok;

	reset_records();
	printf("NOTE waiting in WFI for the timer (a hang here: WFI not woken)\n");
	start = timer_count();
	cval = start + ms_ticks(DELAY_MS);
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	wakes = irq_wait_flag(&fired, cval + ms_ticks(WAIT_MS), &ok);
	timer_stop();
	checkf("wfi-woken-by-timer", ok && fired == 1 && fire_time[0] >= cval,
	       "fired %u at %lu, deadline %lu", fired, (unsigned long)fire_time[0],
	       (unsigned long)cval);
	printf("NOTE WFI returned %u times before the timer interrupt\n", wakes);
	if (env.under_keel)
		checkf("wfi-waits", wakes <= 100, "WFI returned %u times in %u ms", wakes,
		       DELAY_MS);
}

/* ---------------------------------------------------------------- masking */

static void check_masking(void)
{
	uint64_t ctl;
	bool ok;

	/* IMASK: the condition is met (ISTATUS) but nothing is signalled. */
	reset_records();
	write_sysreg(cntv_cval_el0, timer_count() + ms_ticks(1));
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
	isb();
	irq_enable();
	ok = WAIT_UNTIL((ctl = read_sysreg(cntv_ctl_el0)) & CNTV_CTL_ISTATUS, WAIT_MS);
	checkf("imask-istatus-set", ok, "CNTV_CTL_EL0 0x%lx", (unsigned long)ctl);
	delay_us(QUIET_MS * 1000);
	checkf("imask-holds-interrupt", fired == 0 && !gic_irq_is_pending(vtimer_intid),
	       "fired %u, PPI pending %d", fired, gic_irq_is_pending(vtimer_intid));
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	ok = WAIT_UNTIL(fired, WAIT_MS);
	checkf("imask-cleared-fires", ok && fired == 1, "fired %u", fired);
	irq_disable();
	timer_stop();

	/* ENABLE = 0: a deadline in the past does nothing. */
	reset_records();
	write_sysreg(cntv_cval_el0, timer_count() - 1);
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	irq_enable();
	delay_us(QUIET_MS * 1000);
	irq_disable();
	check_eq("disabled-timer-silent", fired, 0);

	/* Disabled at the GIC: the PPI is pending there and taken once enabled. */
	reset_records();
	gic_irq_disable(vtimer_intid);
	write_sysreg(cntv_cval_el0, timer_count() + ms_ticks(1));
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	irq_enable();
	ok = WAIT_UNTIL(gic_irq_is_pending(vtimer_intid), WAIT_MS);
	delay_us(QUIET_MS * 1000);
	checkf("gic-disabled-ppi-pending", ok && fired == 0, "pending %d, fired %u", ok, fired);
	gic_irq_enable(vtimer_intid);
	ok = WAIT_UNTIL(fired, WAIT_MS);
	irq_disable();
	timer_stop();
	checkf("gic-enabled-ppi-delivered", ok && fired == 1, "fired %u", fired);
}

/* ---------------------------------------------------------------- periodic */

static void check_periodic(void)
{
	uint64_t start;
	unsigned early = 0;
	bool ok;

	reset_records();
	period = ms_ticks(TICK_MS);
	periodic = 1;
	start = timer_count();
	write_sysreg(cntv_cval_el0, start + period);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	irq_enable();
	ok = WAIT_UNTIL(fired >= TICKS, WAIT_MS + TICKS * TICK_MS);
	delay_us(QUIET_MS * 1000);
	irq_disable();
	timer_stop();
	for (unsigned i = 0; i < TICKS; i++) {
		uint64_t deadline = start + (i + 1) * period;

		if (fire_time[i] < deadline || fire_cval[i] != deadline)
			early++;
	}
	checkf("periodic-ticks", ok && fired == TICKS && stray == 0, "%u of %u ticks, stray %u",
	       fired, TICKS, stray);
	checkf("periodic-not-early", ok && early == 0, "%u ticks before their deadline", early);
	if (ok)
		printf("NOTE %u ticks of %u ms took %lu us\n", TICKS, TICK_MS,
		       (unsigned long)((fire_time[TICKS - 1] - start) * 1000000 / timer_freq()));
}

/* ---------------------------------------------------------------- physical timer */

static void check_physical_timer(void)
{
	uint64_t p0 = read_sysreg(cntpct_el0), p1;

	delay_us(100);
	p1 = read_sysreg(cntpct_el0);
	checkf("cntpct-readable", p1 > p0, "CNTPCT_EL0 %lu -> %lu", (unsigned long)p0,
	       (unsigned long)p1);
}

/* The EL1 physical timer fires its own PPI, not before its deadline, once. */
static void check_physical_timer_irq(void)
{
	uint64_t deadline;
	bool ok;

	gic_irq_set_priority(PTIMER_INTID, GIC_PRIO_DEFAULT);
	gic_irq_enable(PTIMER_INTID);
	ptimer_fired = 0;
	deadline = read_sysreg(cntpct_el0) + ms_ticks(DELAY_MS);
	write_sysreg(cntp_cval_el0, deadline);
	write_sysreg(cntp_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	irq_enable();
	ok = WAIT_UNTIL(__atomic_load_n(&ptimer_fired, __ATOMIC_ACQUIRE) > 0, DELAY_MS + WAIT_MS);
	checkf("ptimer-fires", ok, "no PPI %u within %u ms", PTIMER_INTID, DELAY_MS + WAIT_MS);
	checkf("ptimer-not-early", !ok || ptimer_fire_count >= deadline,
	       "fired at %lu, deadline %lu", (unsigned long)ptimer_fire_count, (unsigned long)deadline);
	delay_us(QUIET_MS * 1000);
	checkf("ptimer-once", ptimer_fired == 1, "fired %u times", ptimer_fired);
	irq_disable();
	write_sysreg(cntp_ctl_el0, 0);
	isb();
	gic_irq_disable(PTIMER_INTID);
}

/* ---------------------------------------------------------------- pending follows the output */

static void gtimer_set(bool phys, uint64_t cval, uint32_t ctl)
{
	if (phys) {
		write_sysreg(cntp_cval_el0, cval);
		write_sysreg(cntp_ctl_el0, ctl);
	} else {
		write_sysreg(cntv_cval_el0, cval);
		write_sysreg(cntv_ctl_el0, ctl);
	}
	isb();
}

static uint64_t gtimer_now(bool phys)
{
	return phys ? read_sysreg(cntpct_el0) : timer_count();
}

static uint32_t gtimer_fired(bool phys)
{
	return phys ? __atomic_load_n(&ptimer_fired, __ATOMIC_ACQUIRE)
		    : __atomic_load_n(&fired, __ATOMIC_ACQUIRE);
}

#define PCHECK(what, cond, ...) checkf(label(name, what), cond, __VA_ARGS__)

static const char *label(const char *name, const char *what)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s-%s", name, what);
	return buf;
}

/*
 * The timer's PPI is level-sensitive: pending exactly while the timer asserts
 * its output (ENABLE = 1, IMASK = 0, ISTATUS = 1), whether the PPI is enabled
 * or not, and delivered only while enabled.
 */
static void check_pending_follows(const char *name, unsigned intid, bool phys)
{
	bool ok;

	reset_records();
	ptimer_fired = 0;
	gic_irq_set_priority(intid, GIC_PRIO_DEFAULT);

	/* Disabled in the redistributor, the timer fires: pending, not delivered. */
	gic_irq_disable(intid);
	irq_enable();
	gtimer_set(phys, gtimer_now(phys) + ms_ticks(DELAY_MS), CNTV_CTL_ENABLE);
	ok = WAIT_UNTIL(gic_irq_is_pending(intid), DELAY_MS + WAIT_MS);
	PCHECK("disabled-pending", ok, "PPI %u not pending %u ms after its deadline", intid,
	       WAIT_MS);
	delay_us(QUIET_MS * 1000);
	PCHECK("disabled-not-delivered", gtimer_fired(phys) == 0, "taken %u times",
	       gtimer_fired(phys));
	/* Turned off, then enabled again: nothing pending, nothing delivered. */
	gtimer_set(phys, 0, 0);
	PCHECK("off-not-pending", !gic_irq_is_pending(intid), "still pending with ENABLE = 0");
	gic_irq_enable(intid);
	delay_us(QUIET_MS * 1000);
	PCHECK("off-reenabled-quiet", gtimer_fired(phys) == 0 && !gic_irq_is_pending(intid),
	       "taken %u times, pending %d", gtimer_fired(phys), gic_irq_is_pending(intid));

	/* Enabled, interrupts masked: fires (pending), then turned off: not pending. */
	irq_disable();
	gtimer_set(phys, gtimer_now(phys), CNTV_CTL_ENABLE);
	ok = WAIT_UNTIL(gic_irq_is_pending(intid), WAIT_MS);
	PCHECK("masked-pending", ok, "PPI %u not pending with its deadline passed", intid);
	gtimer_set(phys, 0, 0);
	PCHECK("on-off-not-pending", !gic_irq_is_pending(intid), "still pending with ENABLE = 0");
	/* The same with IMASK. */
	gtimer_set(phys, gtimer_now(phys), CNTV_CTL_ENABLE);
	ok = WAIT_UNTIL(gic_irq_is_pending(intid), WAIT_MS);
	gtimer_set(phys, gtimer_now(phys) - 1, CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
	PCHECK("imask-not-pending", ok && !gic_irq_is_pending(intid),
	       "pending before IMASK %d, after %d", ok, gic_irq_is_pending(intid));
	irq_enable();
	delay_us(QUIET_MS * 1000);
	PCHECK("off-not-delivered", gtimer_fired(phys) == 0, "taken %u times", gtimer_fired(phys));
	/* And it still works: unmasked, it fires once. */
	gtimer_set(phys, gtimer_now(phys) + ms_ticks(DELAY_MS), CNTV_CTL_ENABLE);
	ok = WAIT_UNTIL(gtimer_fired(phys) > 0, DELAY_MS + WAIT_MS);
	PCHECK("fires-after", ok && gtimer_fired(phys) == 1, "taken %u times", gtimer_fired(phys));
	irq_disable();
	gtimer_set(phys, 0, 0);
	gic_irq_disable(intid);
}

void guest_main(void)
{
	timer_stop();
	check_counter();
	check_physical_timer();
	if (!check("gic-init", gic_init()))
		return;
	find_vtimer_intid();
	check_eq("vtimer-intid", vtimer_intid, VTIMER_INTID_DEFAULT);
	irq_set_handler(on_irq);
	gic_irq_set_priority(vtimer_intid, GIC_PRIO_DEFAULT);
	gic_irq_enable(vtimer_intid);

	check_one_shot_cval();
	check_one_shot_tval();
	check_wfi();
	check_masking();
	check_periodic();
	gic_irq_disable(vtimer_intid);
	check_physical_timer_irq();
	check_pending_follows("vtimer", vtimer_intid, false);
	check_pending_follows("ptimer", PTIMER_INTID, true);
}
