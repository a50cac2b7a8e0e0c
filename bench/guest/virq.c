/*
 * The interrupt figures, through keel's virtual GICv3:
 *
 *   virq_inject_eoi_insns: vCPU 0 writes ICC_SGI1R_EL1 naming itself (a trap:
 *   keel marks the SGI pending and fills a list register on the way back),
 *   takes the IRQ at once, acknowledges (ICC_IAR1_EL1) and EOIs
 *   (ICC_EOIR1_EL1) in the lean entry of vectors.S. Loop minus the nop loop,
 *   per iteration; the guest's handler is part of the figure.
 *
 *   vipi_roundtrip_insns: vCPU 0 sends SGI_PING to vCPU 1 (on physical CPU
 *   1), whose handler sends SGI_PONG back; vCPU 0 waits in WFI (a trap: keel
 *   blocks it and its CPU idles) until its handler has seen the reply. Loop
 *   time per iteration, nothing subtracted. Under -icount QEMU runs its CPUs
 *   round-robin on one thread and the counter counts the instructions of
 *   both, so the figure is every instruction both CPUs execute for one round
 *   trip, QEMU's switch from one CPU to the other costing none: each CPU
 *   halts in keel's WFI when it has nothing to do.
 *
 * Bounded: a missing self-SGI ends its loop short (the handler counts them);
 * a missing IPI is cut off by the virtual timer, armed as a watchdog over the
 * whole figure, whose interrupt wakes vCPU 0's WFI (with -icount sleep=off,
 * as bench/run.py runs it, a machine whose CPUs all wait jumps straight to
 * that deadline). Either prints a FAIL line and no figure.
 */
#include "guest/gic.h"
#include "guest/guest.h"
#include "bench.h"

#define SELF_ITERATIONS		20000ULL
#define IPI_ITERATIONS		5000ULL
#define WARMUP_ITERATIONS	100ULL
#define WATCHDOG_MS		10000	/* virtual ms: 1e10 instructions, 50 times the run */

#define SGI_SELF		1	/* vCPU 0 to itself */
#define SGI_PING		2	/* vCPU 0 to vCPU 1 */
#define SGI_PONG		3	/* vCPU 1 to vCPU 0: the reply, and "ready" once */
#define SGI_STOP		4	/* vCPU 0 to vCPU 1: leave the wait loop */

#define VTIMER_INTID_DEFAULT	27	/* PPI 11 */
#define DT_TIMER_VIRT		2	/* "interrupts" entry: secure phys, phys, virt, hyp */
#define DT_IRQ_TYPE_PPI		1
#define CNTV_CTL_ENABLE		(1u << 0)

/* ICC_SGI1R_EL1 (a trap to keel under HCR_EL2.IMO) */
#define write_sgi1r(v)		write_sysreg(s3_0_c12_c11_5, (v))

static unsigned vtimer_intid = VTIMER_INTID_DEFAULT;
static uint64_t pong_sgi1r;	/* what vCPU 1's handler writes; set before CPU_ON */

/* Written by the handlers. */
static volatile uint32_t self_taken, pong, timed_out, sec_stop;
static volatile uint32_t stray, stray_intid;
static volatile uint32_t sec_init_failed;

void bench_irq(uint32_t intid)
{
	if (intid == SGI_SELF) {
		self_taken++;
	} else if (intid == SGI_PING) {
		write_sgi1r(pong_sgi1r);
	} else if (intid == SGI_PONG) {
		__atomic_store_n(&pong, 1, __ATOMIC_RELEASE);
	} else if (intid == SGI_STOP) {
		__atomic_store_n(&sec_stop, 1, __ATOMIC_RELEASE);
	} else if (intid == vtimer_intid) {
		write_sysreg(cntv_ctl_el0, 0);	/* level-sensitive: drop it */
		__atomic_store_n(&timed_out, 1, __ATOMIC_RELEASE);
	} else {
		stray_intid = intid;
		__atomic_fetch_add(&stray, 1, __ATOMIC_RELAXED);
	}
}

/* ICC_SGI1R_EL1 value sending SGI intid to vCPU slot cpu (as gic_send_sgi()). */
static uint64_t sgi1r(unsigned intid, unsigned cpu)
{
	uint64_t mpidr = env.cpu_mpidr[cpu];
	unsigned aff0 = (unsigned)field(mpidr, 7, 0);

	return ICC_SGI1R_INTID(intid) | ICC_SGI1R_TARGETS(1u << (aff0 % 16)) |
	       ICC_SGI1R_RS(aff0 / 16) | ICC_SGI1R_AFF1(field(mpidr, 15, 8)) |
	       ICC_SGI1R_AFF2(field(mpidr, 23, 16)) | ICC_SGI1R_AFF3(field(mpidr, 39, 32));
}

/* The virtual timer's INTID from the DT's "arm,armv8-timer" node, else PPI 11. */
unsigned bench_vtimer_intid(void)
{
	int node = dt_find_compatible("arm,armv8-timer");
	uint32_t len;
	const uint8_t *irqs = env.dtb && node >= 0 ? dt_prop(node, "interrupts", &len) : NULL;

	if (irqs && len >= 12 * (DT_TIMER_VIRT + 1) &&
	    dt_be32(irqs + 12 * DT_TIMER_VIRT) == DT_IRQ_TYPE_PPI)
		return GIC_PPI_BASE + dt_be32(irqs + 12 * DT_TIMER_VIRT + 4);
	return VTIMER_INTID_DEFAULT;
}

static void set_vectors(const void *base)
{
	write_sysreg(vbar_el1, (uint64_t)(uintptr_t)base);
	isb();
}

/* ---------------------------------------------------------------- self-SGI */

static void measure_inject_eoi(void)
{
	uint64_t sgi = sgi1r(SGI_SELF, cpu_index()), nop, loop;
	uint32_t taken;

	gic_irq_enable(SGI_SELF);
	irq_enable();
	(void)bench_sgi_loop(bench_iters(WARMUP_ITERATIONS), sgi);
	irq_disable();
	nop = bench_nop_loop(bench_iters(SELF_ITERATIONS));
	self_taken = 0;
	irq_enable();
	loop = bench_sgi_loop(bench_iters(SELF_ITERATIONS), sgi);
	irq_disable();
	taken = self_taken;
	gic_irq_disable(SGI_SELF);

	printf("NOTE bench: ticks nop %lu self-sgi %lu (%lu iterations)\n", (unsigned long)nop,
	       (unsigned long)loop, (unsigned long)bench_iters(SELF_ITERATIONS));
	if (checkf("virq-inject-eoi", taken == bench_iters(SELF_ITERATIONS) && stray == 0,
		   "%u of %lu self-SGIs taken in the loop, %u stray interrupts (last INTID %u)",
		   taken, (unsigned long)bench_iters(SELF_ITERATIONS), stray, stray_intid))
		bench_print("virq_inject_eoi_insns", bench_tenths(loop, nop, bench_iters(SELF_ITERATIONS)));
}

/* ---------------------------------------------------------------- IPI round trip */

/* vCPU 1: answer every SGI_PING (in bench_irq) until SGI_STOP. */
static void secondary(uint64_t context_id)
{
	bool stopped;

	(void)context_id;
	set_vectors(bench_vectors);
	if (!gic_cpu_init()) {
		__atomic_store_n(&sec_init_failed, 1, __ATOMIC_RELEASE);
		return;
	}
	gic_irq_enable(SGI_PING);
	gic_irq_enable(SGI_STOP);
	write_sgi1r(pong_sgi1r);	/* ready */
	(void)irq_wait_flag(&sec_stop, ~0ULL, &stopped);
}

/* Until vCPU 0's handler has seen SGI_PONG, or the deadline (the watchdog wakes WFI). */
static bool wait_pong(uint64_t deadline)
{
	bool ok;

	(void)irq_wait_flag(&pong, deadline, &ok);
	return ok;
}

static bool roundtrips(uint64_t n, uint64_t ping, uint64_t deadline)
{
	for (uint64_t i = 0; i < n; i++) {
		pong = 0;
		write_sgi1r(ping);
		if (!wait_pong(deadline))
			return false;
	}
	return true;
}

static void measure_ipi_roundtrip(void)
{
	uint64_t ping, deadline, start = 0, end = 0;
	int64_t on;
	bool ready, ok = false;

	if (env.ncpus < 2) {
		checkf("vipi-roundtrip", false, "%u vCPU in the device tree, need 2", env.ncpus);
		return;
	}
	ping = sgi1r(SGI_PING, 1);
	pong_sgi1r = sgi1r(SGI_PONG, 0);
	vtimer_intid = bench_vtimer_intid();
	gic_irq_enable(SGI_PONG);
	gic_irq_enable(vtimer_intid);
	deadline = timer_count() + WATCHDOG_MS * timer_freq() / 1000;
	write_sysreg(cntv_cval_el0, deadline);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();

	pong = 0;
	on = cpu_start(1, secondary, 0);
	ready = on == PSCI_SUCCESS && wait_pong(deadline);
	if (ready && roundtrips(bench_iters(WARMUP_ITERATIONS), ping, deadline)) {
		start = timer_count();
		ok = roundtrips(bench_iters(IPI_ITERATIONS), ping, deadline);
		end = timer_count();
	}
	if (on == PSCI_SUCCESS)
		write_sgi1r(sgi1r(SGI_STOP, 1));
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	gic_irq_disable(vtimer_intid);

	printf("NOTE bench: ticks ipi %lu (%lu round trips)\n", (unsigned long)(end - start),
	       (unsigned long)bench_iters(IPI_ITERATIONS));
	if (checkf("vipi-roundtrip", ok && stray == 0,
		   "CPU_ON %ld, vCPU 1 %s, %s, %u stray interrupts (last INTID %u)", (long)on,
		   sec_init_failed ? "failed gic_cpu_init" : ready ? "ready" : "never ready",
		   timed_out ? "watchdog fired" : ok ? "all replies seen" : "a reply missing",
		   stray, stray_intid))
		bench_print("vipi_roundtrip_insns", bench_tenths(end - start, 0, bench_iters(IPI_ITERATIONS)));
}

void bench_virq_self(void)
{
	uint64_t old_vbar = read_sysreg(vbar_el1);

	set_vectors(bench_vectors);
	measure_inject_eoi();
	set_vectors((const void *)(uintptr_t)old_vbar);
}

void bench_virq_ipi(void)
{
	uint64_t old_vbar = read_sysreg(vbar_el1);

	set_vectors(bench_vectors);
	measure_ipi_roundtrip();
	set_vectors((const void *)(uintptr_t)old_vbar);
}
