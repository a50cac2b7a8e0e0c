/*
 * Round-trip costs, in instructions, for bench/run.py. Under QEMU
 * -icount shift=0 every instruction (the guest's and keel's) advances
 * virtual time by 1 ns, so instructions = ticks * 1e9 / CNTFRQ_EL0. Each
 * figure is (measured loop - nop loop) / iterations, one decimal:
 *   BENCH hvc_roundtrip_insns <n.n>	HVC #0 KEEL_HC_VERSION, to keel and back
 *   BENCH mmio_read_insns <n.n>	LDR W from the emulated PL011's FR
 */
#include "guest/guest.h"

const char guest_name[] = "bench";

#define ITERATIONS	200000ULL
#define NS_PER_S	1000000000ULL

uint64_t bench_nop_loop(uint64_t iterations);
uint64_t bench_hvc_loop(uint64_t iterations);
uint64_t bench_mmio_loop(uint64_t iterations, uint64_t addr);

/* Tenths of an instruction per iteration for `ticks` minus `base` ticks. */
static int64_t tenths_per_iteration(uint64_t ticks, uint64_t base, uint64_t freq)
{
	__int128 delta = (__int128)ticks - (__int128)base;
	__int128 num = delta * (__int128)(10 * NS_PER_S);
	__int128 den = (__int128)freq * ITERATIONS;

	return (int64_t)((num + (num < 0 ? -den / 2 : den / 2)) / den);
}

static void print_figure(const char *name, int64_t tenths)
{
	const char *sign = tenths < 0 ? "-" : "";

	if (tenths < 0)
		tenths = -tenths;
	printf("BENCH %s %s%ld.%ld\n", name, sign, (long)(tenths / 10), (long)(tenths % 10));
}

void guest_main(void)
{
	uint64_t freq = timer_freq(), fr = env.uart_base + UART_FR;
	uint64_t nop, hvc, mmio;

	printf("NOTE bench: CNTFRQ_EL0 %lu Hz, %lu iterations per loop\n",
	       (unsigned long)freq, (unsigned long)ITERATIONS);
	/* Warm up (QEMU translates each loop once). */
	bench_nop_loop(1000);
	bench_hvc_loop(1000);
	bench_mmio_loop(1000, fr);

	nop = bench_nop_loop(ITERATIONS);
	hvc = bench_hvc_loop(ITERATIONS);
	mmio = bench_mmio_loop(ITERATIONS, fr);
	printf("NOTE bench: ticks nop %lu hvc %lu mmio %lu\n", (unsigned long)nop,
	       (unsigned long)hvc, (unsigned long)mmio);
	print_figure("hvc_roundtrip_insns", tenths_per_iteration(hvc, nop, freq));
	print_figure("mmio_read_insns", tenths_per_iteration(mmio, nop, freq));
	check("bench-counter-runs", nop > 0);
}
