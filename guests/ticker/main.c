/*
 * A bystander that measures how late its virtual timer interrupts are, for the console
 * isolation test (tests/integration/test_console.py): a periodic tick every TICK_US,
 * each one's lateness taken in the handler as CNTVCT - CNTV_CVAL, for RUN_MS. It prints
 * nothing meanwhile and then the worst lateness of each window of REPORT_TICKS ticks
 * ("TICK <window> worst_us <n>"). Another VM that floods the console must not make
 * these interrupts late: keel must not hold this VM's CPU for it.
 */
#include "guest/guest.h"
#include "guest/gic.h"
#include "guest/timer.h"

const char guest_name[] = "ticker";

#define VTIMER_INTID_DEFAULT	27	/* PPI 11 */
#define CNTV_CTL_ENABLE		(1u << 0)

#define TICK_US			2000
#define REPORT_TICKS		50	/* a report every 100 ms */
#define RUN_MS			8000
#define WINDOWS			(RUN_MS * 1000 / TICK_US / REPORT_TICKS)

static unsigned vtimer_intid = VTIMER_INTID_DEFAULT;
static uint64_t period, next_deadline;
static volatile uint64_t ticks, window_worst, worst;
static volatile uint32_t stray;
static uint64_t window_worst_us[WINDOWS];

static void on_irq(uint32_t intid)
{
	uint64_t late;

	if (intid != vtimer_intid) {
		stray++;
		return;
	}
	late = timer_count() - next_deadline;
	if (late > window_worst)
		window_worst = late;
	if (late > worst)
		worst = late;
	next_deadline += period;
	write_sysreg(cntv_cval_el0, next_deadline);   /* also withdraws the level */
	isb();
	ticks++;
}

static uint64_t to_us(uint64_t count)
{
	return count * 1000000 / timer_freq();
}

void guest_main(void)
{
	uint64_t reported = 0, windows = 0, total;

	if (!gic_init()) {
		check("ticker-gic-init", false);
		return;
	}
	timer_dt_virt_intid(&vtimer_intid);	/* else VTIMER_INTID_DEFAULT */
	irq_set_handler(on_irq);
	gic_irq_enable(vtimer_intid);
	period = timer_freq() * TICK_US / 1000000;
	total = (uint64_t)RUN_MS * 1000 / TICK_US;
	next_deadline = timer_count() + period;
	write_sysreg(cntv_cval_el0, next_deadline);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	irq_enable();
	while (reported < total) {
		uint64_t w;

		while (ticks < reported + REPORT_TICKS)
			wfi();
		irq_disable();
		w = window_worst;
		window_worst = 0;
		irq_enable();
		reported += REPORT_TICKS;
		window_worst_us[windows++] = to_us(w);
	}
	irq_disable();
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	for (unsigned i = 0; i < windows; i++)
		printf("TICK %u worst_us %lu\n", i, (unsigned long)window_worst_us[i]);
	printf("TICKER worst_us %lu over %lu ticks\n", (unsigned long)to_us(worst), (unsigned long)ticks);
	check_eq("ticker-no-stray-irq", stray, 0);
	check("ticker-ticked", ticks >= total);
}
