/*
 * Round-trip costs, in instructions, for bench/run.py. Under QEMU
 * -icount shift=0 every instruction (the guest's and keel's) advances
 * virtual time by 1 ns, so instructions = ticks * 1e9 / CNTFRQ_EL0. Each
 * figure is (measured loop - nop loop) / iterations, one decimal:
 *   BENCH hvc_roundtrip_insns <n.n>	HVC #0 KEEL_HC_VERSION, to keel and back
 *   BENCH mmio_read_insns <n.n>	LDR W from the emulated PL011's FR
 *   BENCH gicd_read_insns <n.n>	LDR W from the virtual GIC's GICD_CTLR
 *   BENCH virq_inject_eoi_insns <n.n>	self-SGI to EOI (virq.c)
 *   BENCH timer_irq_latency_insns <n.n>	timer deadline to the guest's vector (timer.c),
 *   BENCH timer_irq_latency_wfi_insns <n.n>	spinning and waiting in WFI
 *   BENCH vipi_roundtrip_insns <n.n>	SGI to vCPU 1 and its SGI back (virq.c)
 *   BENCH ptirq_latency_insns <n.n>	passed-through PL061's SPI: the store that
 *					raises it to the guest's vector (ptirq.c)
 * (timer.c's figures are averages of single interrupts, not loop differences.)
 *
 * All but the last run on vCPU 0 alone: vCPU 1 is started (PSCI CPU_ON) only
 * for the last, so its physical CPU sits in keel's idle WFI and executes
 * nothing while the others are measured.
 */
#include "guest/console.h"
#include "guest/dt.h"
#include "guest/gic.h"
#include "guest/guest.h"
#include "bench.h"

const char guest_name[] = "bench";

#define ITERATIONS	200000ULL
#define NS_PER_S	1000000000ULL
#define TRACE_BOOTARGS	"bench-trace"
#define UART_DR		0x000
#define UART_FR_RXFE	(1u << 4)

static bool tracing;

uint64_t bench_iters(uint64_t n)
{
	return tracing ? BENCH_TRACE_ITERATIONS : n;
}

static bool trace_requested(void)
{
	int chosen = env.dtb ? dt_path("/chosen") : -1;
	const char *args = chosen >= 0 ? dt_prop(chosen, "bootargs", NULL) : NULL;

	return args && dt_streq(args, TRACE_BOOTARGS);
}

/* Polls UARTFR (trapped reads the trace tool tells apart by their guest PC). */
static void wait_for_key(void)
{
	volatile uint32_t *uart = (volatile uint32_t *)(uintptr_t)env.uart_base;

	printf("NOTE bench: trace: image at 0x%lx, waiting for a key\n", (unsigned long)env.image_start);
	while (uart[UART_FR / 4] & UART_FR_RXFE)
		;
	(void)uart[UART_DR / 4];
}

int64_t bench_tenths(uint64_t ticks, uint64_t base, uint64_t iterations)
{
	__int128 delta = (__int128)ticks - (__int128)base;
	__int128 num = delta * (__int128)(10 * NS_PER_S);
	__int128 den = (__int128)timer_freq() * iterations;

	return (int64_t)((num + (num < 0 ? -den / 2 : den / 2)) / den);
}

void bench_print(const char *name, int64_t tenths)
{
	const char *sign = tenths < 0 ? "-" : "";

	if (tenths < 0)
		tenths = -tenths;
	printf("BENCH %s %s%ld.%ld\n", name, sign, (long)(tenths / 10), (long)(tenths % 10));
}

/*
 * GICD_CTLR (a register Linux polls for RWP) through keel's virtual
 * distributor: the same stage-2 abort path as the UART read, then the vGIC's
 * register decode. Against the same nop loop as the others (the body differs
 * in the one instruction).
 */
static void bench_gicd_read(uint64_t nop)
{
	uint64_t ctlr = gic_dist_base() + GICD_CTLR, gicd;

	bench_mmio_loop(bench_iters(1000), ctlr);
	gicd = bench_mmio_loop(bench_iters(ITERATIONS), ctlr);
	printf("NOTE bench: ticks gicd %lu\n", (unsigned long)gicd);
	bench_print("gicd_read_insns", bench_tenths(gicd, nop, bench_iters(ITERATIONS)));
}

void guest_main(void)
{
	uint64_t fr = env.uart_base + UART_FR;
	uint64_t nop, hvc, mmio, iterations;

	tracing = trace_requested();
	iterations = bench_iters(ITERATIONS);
	printf("NOTE bench: CNTFRQ_EL0 %lu Hz, %lu iterations per loop\n",
	       (unsigned long)timer_freq(), (unsigned long)iterations);
	if (tracing)
		wait_for_key();
	/* Warm up (QEMU translates each loop once). */
	bench_nop_loop(bench_iters(1000));
	bench_hvc_loop(bench_iters(1000));
	bench_mmio_loop(bench_iters(1000), fr);

	nop = bench_nop_loop(iterations);
	hvc = bench_hvc_loop(iterations);
	mmio = bench_mmio_loop(iterations, fr);
	printf("NOTE bench: ticks nop %lu hvc %lu mmio %lu\n", (unsigned long)nop,
	       (unsigned long)hvc, (unsigned long)mmio);
	bench_print("hvc_roundtrip_insns", bench_tenths(hvc, nop, iterations));
	bench_print("mmio_read_insns", bench_tenths(mmio, nop, iterations));
	check("bench-counter-runs", nop > 0);

	if (!checkf("bench-gic-init", gic_init(), "no GICv3 for the GIC figures"))
		return;
	bench_gicd_read(nop);
	bench_virq_self();
	bench_timer(bench_vtimer_intid());
	bench_ptirq();
	bench_virq_ipi();
}
