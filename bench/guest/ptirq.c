/*
 * ptirq_latency_insns: instructions from the guest's store that makes a
 * passed-through device raise its physical SPI to the first instruction of the
 * guest's IRQ vector, averaged over PTIRQ_SAMPLES interrupts, nothing
 * subtracted. The device is QEMU virt's PL061 (the bench VM is given it: see
 * bench/run.py's configuration): line 0 written 1 as an output, then turned
 * into an input by the measured store, a rising edge (guests/ptirq/main.c says
 * why that is how a guest makes the PL061 interrupt). What lies in between:
 * the device's interrupt line into the GIC, the physical SPI taken at EL2 on
 * the vCPU's own CPU (HCR_EL2.IMO), keel's IRQ path (acknowledge, priority
 * drop, the owner table, the vGIC latch under the VM's lock, a list register
 * filled with the HW bit on the way out), the ERET and the guest's exception
 * entry. The handler clears the PL061's interrupt and EOIs, which deactivates
 * the physical SPI through the HW bit; a sample where the next edge finds the
 * SPI still active would take no interrupt and fail the figure.
 *
 * Placing the store and the handler: as in timer.c, from 17 consecutive
 * CNTVCT_EL0 reads each (ptirq_irq.S); the store is instruction 26 after its
 * first read.
 */
#include "guest/dt.h"
#include "guest/gic.h"
#include "guest/guest.h"
#include "bench.h"

#define PTIRQ_SAMPLES		1000ULL
#define PTIRQ_WARMUP		10ULL
#define PTIRQ_READS		17
#define PTIRQ_OUT_IAR		17
#define PTIRQ_OUT_BEFORE	18
#define PTIRQ_STORE_AT		26	/* the store, counted from the first read before it */
#define PTIRQ_NO_IRQ		0xffffffffULL
#define IAR_INTID_MASK		0xffffff
#define MAX_PERIOD		16
#define NS_PER_S		1000000000ULL
#define DT_IRQ_TYPE_SPI		0

/* PL061 */
#define GPIODATA_LINE0		0x004
#define GPIODIR			0x400
#define GPIOIS			0x404
#define GPIOIBE			0x408
#define GPIOIEV			0x40c
#define GPIOIE			0x410
#define GPIOIC			0x41c
#define LINE			1u

/* ptirq_irq.S */
extern const char bench_ptirq_vectors[];
void bench_ptirq_take(uint64_t pl061, uint64_t out[PTIRQ_OUT_BEFORE + PTIRQ_READS]);

static void wr(uint64_t base, uint64_t off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(base + off) = v;
	__asm__ volatile("dsb sy" ::: "memory");
}

/* ns of read 0 of 17 consecutive CNTVCT reads v[]; false if they are not consistent. */
static bool reads_ns(const uint64_t *v, uint64_t period, uint64_t *ns)
{
	unsigned i;

	for (i = 1; i < PTIRQ_READS && v[i] == v[0]; i++)
		;
	if (i == PTIRQ_READS)
		return false;
	*ns = period * (v[0] + 1) - i;
	for (i = 0; i < PTIRQ_READS; i++)
		if (v[i] != (*ns + i) / period)
			return false;
	return true;
}

/* The PL061 from the device tree (the bench VM's passed-through device), or false. */
static bool find_pl061(uint64_t *base, unsigned *intid)
{
	int node = dt_find_compatible("arm,pl061");
	const uint32_t *irq;
	uint32_t len;
	uint64_t size;

	if (node < 0 || !dt_reg(node, 0, base, &size))
		return false;
	irq = dt_prop(node, "interrupts", &len);
	if (!irq || len < 12 || dt_be32(&irq[0]) != DT_IRQ_TYPE_SPI)
		return false;
	*intid = GIC_SPI_BASE + dt_be32(&irq[1]);
	return true;
}

static bool measure(uint64_t pl061, unsigned intid, uint64_t period)
{
	static const char figure[] = "ptirq_latency_insns";
	uint64_t out[PTIRQ_OUT_BEFORE + PTIRQ_READS], sum = 0, min = ~0ULL, max = 0;
	uint64_t store, handler, lat;

	for (uint64_t n = 0; n < PTIRQ_WARMUP + PTIRQ_SAMPLES; n++) {
		wr(pl061, GPIODIR, LINE);		/* line 0 back to 0, then 1, as an output */
		wr(pl061, GPIODATA_LINE0, 0);
		wr(pl061, GPIODIR, 0);			/* a falling edge: ignored */
		wr(pl061, GPIODIR, LINE);
		wr(pl061, GPIODATA_LINE0, LINE);
		bench_ptirq_take(pl061, out);
		if (out[PTIRQ_OUT_IAR] == PTIRQ_NO_IRQ)
			return checkf(figure, false, "sample %lu: no interrupt by the spin limit",
				      (unsigned long)n);
		if ((out[PTIRQ_OUT_IAR] & IAR_INTID_MASK) != intid)
			return checkf(figure, false, "sample %lu: INTID %lu, not the PL061's %u",
				      (unsigned long)n,
				      (unsigned long)(out[PTIRQ_OUT_IAR] & IAR_INTID_MASK), intid);
		if (!reads_ns(&out[PTIRQ_OUT_BEFORE], period, &store) ||
		    !reads_ns(out, period, &handler) || handler < store + PTIRQ_STORE_AT)
			return checkf(figure, false, "sample %lu: counter reads do not advance one "
				      "tick per %lu instructions", (unsigned long)n,
				      (unsigned long)period);
		if (n < PTIRQ_WARMUP)
			continue;
		lat = handler - (store + PTIRQ_STORE_AT);
		sum += lat;
		min = lat < min ? lat : min;
		max = lat > max ? lat : max;
	}
	printf("NOTE bench: %s min %lu max %lu (%lu interrupts)\n", figure, (unsigned long)min,
	       (unsigned long)max, (unsigned long)PTIRQ_SAMPLES);
	check(figure, true);
	bench_print(figure, (int64_t)((sum * 10 + PTIRQ_SAMPLES / 2) / PTIRQ_SAMPLES));
	return true;
}

void bench_ptirq(void)
{
	uint64_t freq = timer_freq(), period = freq ? NS_PER_S / freq : 0, pl061 = 0;
	uint64_t old_vbar = read_sysreg(vbar_el1);
	unsigned intid = 0;

	if (!checkf("ptirq-pl061", find_pl061(&pl061, &intid),
		    "no arm,pl061 with an SPI in the device tree: the VM must be given "
		    "/pl061@9030000 (bench/run.py)") ||
	    !checkf("ptirq-period", freq && NS_PER_S % freq == 0 && period <= MAX_PERIOD,
		    "CNTFRQ_EL0 %lu Hz", (unsigned long)freq))
		return;
	/* Line 0: rising-edge sense, unmasked; the others stay masked. */
	wr(pl061, GPIOIE, 0);
	wr(pl061, GPIOIS, 0);
	wr(pl061, GPIOIBE, 0);
	wr(pl061, GPIOIEV, LINE);
	wr(pl061, GPIOIC, 0xff);
	wr(pl061, GPIOIE, LINE);
	write_sysreg(vbar_el1, (uint64_t)(uintptr_t)bench_ptirq_vectors);
	isb();
	gic_irq_set_priority(intid, GIC_PRIO_DEFAULT);
	gic_irq_route(intid, env.cpu_mpidr[0]);
	gic_irq_enable(intid);
	(void)measure(pl061, intid, period);
	gic_irq_disable(intid);
	wr(pl061, GPIOIE, 0);
	write_sysreg(vbar_el1, old_vbar);
	isb();
}
