/*
 * timer_irq_latency_insns and timer_irq_latency_wfi_insns: instructions from
 * the virtual timer's deadline (the instant CNTVCT_EL0 reaches CNTV_CVAL_EL0)
 * to the first instruction of the guest's IRQ vector, averaged over
 * TIMER_SAMPLES interrupts, nothing subtracted. What lies in between is
 * keel's: the physical timer PPI taken at EL2 (HCR_EL2.IMO), keel's IRQ path
 * (acknowledge, priority drop, the vGIC line raised, a list register filled
 * with the HW bit on the way out), the ERET, and the guest's exception entry.
 * The _wfi figure waits in WFI instead of spinning: the vCPU is blocked in
 * keel and its CPU idles, so it adds keel's wake-up and the return from the
 * trapped WFI. Both run on vCPU 0 while vCPU 1 is not started yet (CPU 1
 * halts in keel's WFI and executes nothing).
 *
 * Placing the handler to the instruction: under -icount shift=0 one
 * instruction is one nanosecond, and CNTVCT_EL0 = floor(ns / P) with
 * P = 1e9 / CNTFRQ_EL0 (16 at QEMU's 62.5 MHz). The handler reads CNTVCT at
 * its instructions 0..16 (timer_irq.S); the first read i that sees the next
 * tick puts instruction 0 at ns = P * (v0 + 1) - i. Every one of the 17 reads
 * is then checked against that ns, so a counter that does not advance
 * exactly one tick per P instructions fails the figure instead of skewing it.
 */
#include "guest/gic.h"
#include "guest/guest.h"
#include "bench.h"

#define TIMER_SAMPLES		1000ULL
#define TIMER_WARMUP		10ULL
#define TIMER_READS		17	/* CNTVCT reads in the handler */
#define TIMER_OUT_IAR		17
#define TIMER_LEAD_TICKS	1000	/* deadline after arming: well past the wait's start */
#define TIMER_MAX_PERIOD	16	/* ns per tick the 17 reads can resolve */
#define TIMER_NO_IRQ		0xffffffffULL
#define IAR_INTID_MASK		0xffffff
#define NS_PER_S		1000000000ULL

/* timer_irq.S */
extern const char bench_timer_vectors[];
void bench_timer_take(uint64_t cval, uint64_t wfi, uint64_t out[TIMER_READS + 1]);

/* The ns (instruction) of handler instruction 0, from its reads; false if inconsistent. */
static bool handler_ns(const uint64_t *v, uint64_t period, uint64_t *ns)
{
	unsigned i;

	for (i = 1; i < TIMER_READS && v[i] == v[0]; i++)
		;
	if (i == TIMER_READS)
		return false;
	*ns = period * (v[0] + 1) - i;
	for (i = 0; i < TIMER_READS; i++)
		if (v[i] != (*ns + i) / period)
			return false;
	return true;
}

/* One figure; returns false (after a FAIL line) if a sample went wrong. */
static bool measure(const char *figure, bool wfi, unsigned intid, uint64_t period)
{
	uint64_t out[TIMER_READS + 1], sum = 0, min = ~0ULL, max = 0, ns, cval, lat;
	uint64_t warmup = bench_iters(TIMER_WARMUP), samples = bench_iters(TIMER_SAMPLES);

	for (uint64_t n = 0; n < warmup + samples; n++) {
		cval = timer_count() + TIMER_LEAD_TICKS;
		bench_timer_take(cval, wfi, out);
		if (out[TIMER_OUT_IAR] == TIMER_NO_IRQ)
			return checkf(figure, false, "sample %lu: no interrupt by the spin limit",
				      (unsigned long)n);
		if ((out[TIMER_OUT_IAR] & IAR_INTID_MASK) != intid)
			return checkf(figure, false, "sample %lu: INTID %lu, not the timer's %u",
				      (unsigned long)n,
				      (unsigned long)(out[TIMER_OUT_IAR] & IAR_INTID_MASK), intid);
		if (!handler_ns(out, period, &ns) || ns < cval * period)
			return checkf(figure, false, "sample %lu: handler reads %lu..%lu do not "
				      "advance one tick per %lu instructions (deadline %lu)",
				      (unsigned long)n, (unsigned long)out[0],
				      (unsigned long)out[TIMER_READS - 1], (unsigned long)period,
				      (unsigned long)cval);
		if (n < warmup)
			continue;
		lat = ns - cval * period;
		sum += lat;
		min = lat < min ? lat : min;
		max = lat > max ? lat : max;
	}
	printf("NOTE bench: %s min %lu max %lu (%lu interrupts)\n", figure, (unsigned long)min,
	       (unsigned long)max, (unsigned long)samples);
	check(figure, true);
	bench_print(figure, (int64_t)((sum * 10 + samples / 2) / samples));
	return true;
}

void bench_timer(unsigned vtimer_intid)
{
	uint64_t freq = timer_freq(), period = freq ? NS_PER_S / freq : 0;
	uint64_t old_vbar = read_sysreg(vbar_el1);

	if (!checkf("timer-period", freq && NS_PER_S % freq == 0 && period <= TIMER_MAX_PERIOD,
		    "CNTFRQ_EL0 %lu Hz: the handler resolves whole periods of 1..%u ns",
		    (unsigned long)freq, TIMER_MAX_PERIOD))
		return;
	write_sysreg(vbar_el1, (uint64_t)(uintptr_t)bench_timer_vectors);
	isb();
	gic_irq_enable(vtimer_intid);
	if (measure("timer_irq_latency_insns", false, vtimer_intid, period))
		(void)measure("timer_irq_latency_wfi_insns", true, vtimer_intid, period);
	gic_irq_disable(vtimer_intid);
	write_sysreg(vbar_el1, old_vbar);
	isb();
}
