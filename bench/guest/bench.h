/*
 * What the benchmark guest's parts share: the measured loops (loops.S), the
 * exception vectors with the lean IRQ entry (vectors.S), the figure
 * arithmetic and printing (main.c), and the interrupt figures (virq.c;
 * timer.c with its own vectors in timer_irq.S).
 *
 * Every figure is an instruction count: under QEMU -icount shift=0 each
 * instruction (the guest's and keel's, on every CPU) advances the virtual
 * counter by 1 ns, so instructions = ticks * 1e9 / CNTFRQ_EL0.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

/* loops.S: each returns the CNTVCT_EL0 ticks its iterations took. */
uint64_t bench_nop_loop(uint64_t iterations);
uint64_t bench_hvc_loop(uint64_t iterations);
uint64_t bench_mmio_loop(uint64_t iterations, uint64_t addr);
/* Writes sgi1r to ICC_SGI1R_EL1 once per iteration; the caller unmasks IRQs. */
uint64_t bench_sgi_loop(uint64_t iterations, uint64_t sgi1r);

/*
 * vectors.S: the runtime's vectors, except an IRQ taken from EL1 with SP_EL1,
 * which reads ICC_IAR1_EL1, calls bench_irq(intid) for a real INTID (not
 * 1020-1023) and writes ICC_EOIR1_EL1: no loop, no frame beyond the
 * caller-saved registers. Each vCPU that wants it sets VBAR_EL1 itself.
 */
extern const char bench_vectors[];
void bench_irq(uint32_t intid);

/*
 * Trace mode (main.c), for bench/exit_trace.py: with bootargs "bench-trace" every loop
 * and sample count is BENCH_TRACE_ITERATIONS instead (the figures printed then mean
 * nothing), and the guest waits for a key on its console before the first loop, so the
 * tool can switch QEMU's instruction trace on after keel's boot.
 */
#define BENCH_TRACE_ITERATIONS	4ULL
uint64_t bench_iters(uint64_t n);

/* Tenths of an instruction per iteration for `ticks` minus `base` ticks. */
int64_t bench_tenths(uint64_t ticks, uint64_t base, uint64_t iterations);
/* BENCH <name> <n.n>: the line bench/run.py collects. */
void bench_print(const char *name, int64_t tenths);

/*
 * The GIC figures, after gic_init() (FAIL and no BENCH on error); the order
 * main.c runs them in matters: bench_virq_ipi() starts vCPU 1, the others
 * count on CPU 1 executing nothing.
 * virq.c: virq_inject_eoi_insns (self), vipi_roundtrip_insns (ipi), and the
 * virtual timer's INTID from the device tree.
 * timer.c: timer_irq_latency_insns, timer_irq_latency_wfi_insns.
 */
void bench_virq_self(void);
void bench_virq_ipi(void);
unsigned bench_vtimer_intid(void);
void bench_timer(unsigned vtimer_intid);
/* ptirq.c: ptirq_latency_insns, on vCPU 0 while CPU 1 executes nothing. */
void bench_ptirq(void);

#endif
