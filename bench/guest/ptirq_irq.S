/*
 * The passed-through SPI figure's raise and vectors (bench/guest/ptirq.c).
 *
 * bench_ptirq_take(pl061, out) unmasks IRQs, reads CNTVCT_EL0 in 17 consecutive
 * instructions, stores the reads (9 instructions), then raises the PL061's interrupt
 * with one store: GPIODIR = 0 turns line 0, written 1 as an output beforehand, into
 * an input, a rising edge (the caller set the PL061 up, see ptirq.c). That store is
 * instruction 26 counted from the first read, so the caller places it to the
 * instruction as timer.c places the handler. Then it spins (bounded) for the
 * interrupt.
 * The IRQ vector of bench_ptirq_vectors reads CNTVCT_EL0 as its first instruction
 * and in each of the 16 that follow, acknowledges, clears the PL061's interrupt
 * (GPIOIC, so its output drops before the EOI deactivates the SPI), EOIs and
 * returns to bench_ptirq_resume, where everything is stored:
 *	out[0..16]	CNTVCT_EL0 read at handler instructions 0..16
 *	out[17]		ICC_IAR1_EL1
 *	out[18..34]	CNTVCT_EL0 read at instructions 0..16 before the store (26)
 * x19 holds `out`, x20 the PL061 base across the wait; the handler clobbers x0-x17.
 * Spin timeout: out[17] = BENCH_PTIRQ_NO_IRQ.
 */
#include "irq_stamp.h"
#define VECTOR_STRIDE		0x80
#define VECTOR_IRQ_EL1H		5
#define OUT_IAR			(17 * 8)
#define OUT_BEFORE		(18 * 8)
#define GPIODIR			0x400
#define GPIOIC			0x41c
#define LINE			1
#define SPIN_LIMIT		(1 << 24)
#define BENCH_PTIRQ_NO_IRQ	0xffffffff

	.section .text.bench_ptirq_vectors, "ax"
	.balign	0x800
	.globl	bench_ptirq_vectors
bench_ptirq_vectors:
	.set	vec, 0
	.rept	16
	.balign	VECTOR_STRIDE
	.if	vec == VECTOR_IRQ_EL1H
	bench_irq_stamp
	b	bench_ptirq_handler_tail
	.else
	b	vectors + vec * VECTOR_STRIDE
	.endif
	.set	vec, vec + 1
	.endr

bench_ptirq_handler_tail:
	str	x16, [x19, #OUT_IAR]
	mov	w18, #LINE
	str	w18, [x20, #GPIOIC]		/* the PL061's output drops */
	dsb	sy
	msr	s3_0_c12_c12_1, x16		/* ICC_EOIR1_EL1: deactivates the SPI too (HW) */
	adr	x16, bench_ptirq_resume
	msr	elr_el1, x16
	eret

/* void bench_ptirq_take(uint64_t pl061, uint64_t out[35]) */
	.section .text.bench_ptirq_take, "ax"
	.globl	bench_ptirq_take
	.balign	64
bench_ptirq_take:
	stp	x19, x30, [sp, #-32]!
	str	x20, [sp, #16]
	mov	x19, x1
	mov	x20, x0
	mov	x9, #SPIN_LIMIT
	msr	daifclr, #2
	isb
	mrs	x0, cntvct_el0			/* instruction 0 */
	mrs	x1, cntvct_el0
	mrs	x2, cntvct_el0
	mrs	x3, cntvct_el0
	mrs	x4, cntvct_el0
	mrs	x5, cntvct_el0
	mrs	x6, cntvct_el0
	mrs	x7, cntvct_el0
	mrs	x8, cntvct_el0
	mrs	x10, cntvct_el0
	mrs	x11, cntvct_el0
	mrs	x12, cntvct_el0
	mrs	x13, cntvct_el0
	mrs	x14, cntvct_el0
	mrs	x15, cntvct_el0
	mrs	x16, cntvct_el0
	mrs	x17, cntvct_el0			/* instruction 16 */
	/* Stored before the edge: the handler clobbers these registers. */
	stp	x0, x1, [x19, #OUT_BEFORE]
	stp	x2, x3, [x19, #OUT_BEFORE + 16]
	stp	x4, x5, [x19, #OUT_BEFORE + 32]
	stp	x6, x7, [x19, #OUT_BEFORE + 48]
	stp	x8, x10, [x19, #OUT_BEFORE + 64]
	stp	x11, x12, [x19, #OUT_BEFORE + 80]
	stp	x13, x14, [x19, #OUT_BEFORE + 96]
	stp	x15, x16, [x19, #OUT_BEFORE + 112]
	str	x17, [x19, #OUT_BEFORE + 128]	/* instruction 25 */
	str	wzr, [x20, #GPIODIR]		/* instruction 26: the edge, the figure's start */
1:	subs	x9, x9, #1
	b.ne	1b
	msr	daifset, #2
	mov	x9, #BENCH_PTIRQ_NO_IRQ
	str	x9, [x19, #OUT_IAR]
	b	3f

	.globl	bench_ptirq_resume
bench_ptirq_resume:
	msr	daifset, #2
	stp	x17, x0, [x19, #0]
	stp	x1, x2, [x19, #16]
	stp	x3, x4, [x19, #32]
	stp	x5, x6, [x19, #48]
	stp	x7, x8, [x19, #64]
	stp	x9, x10, [x19, #80]
	stp	x11, x12, [x19, #96]
	stp	x13, x14, [x19, #112]
	str	x15, [x19, #128]
3:	ldr	x20, [sp, #16]
	ldp	x19, x30, [sp], #32
	ret
