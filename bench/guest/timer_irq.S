/*
 * The timer latency figure's exception vectors and wait (bench/guest/timer.c).
 *
 * bench_timer_take(cval, wfi, out) arms the virtual timer at CVAL = cval,
 * unmasks IRQs and waits: spinning (`b .`, bounded) or in WFI (a trap to keel:
 * the vCPU blocks and its CPU idles). The IRQ vector of bench_timer_vectors
 * reads CNTVCT_EL0 as its first instruction and in each of the 16 that follow,
 * so the caller can place the handler's first instruction to the instruction
 * even when one counter tick is several instructions (see timer.c). Then it
 * acknowledges, turns the timer off, EOIs, and returns to bench_timer_resume
 * (not to the interrupted wait), where the 17 reads and ICC_IAR1_EL1 are stored:
 *	out[0..16]	CNTVCT_EL0 read at handler instructions 0..16
 *	out[17]		ICC_IAR1_EL1
 * The handler clobbers x0-x17, which the interrupted code (the wait below, a
 * leaf function) does not need; x19 holds `out` across the wait.
 * Spin timeout: out[17] = BENCH_TIMER_NO_IRQ and no counter values.
 */
#include "irq_stamp.h"
#define VECTOR_STRIDE		0x80
#define VECTOR_IRQ_EL1H		5		/* current EL with SP_ELx, IRQ */
#define OUT_IAR			(17 * 8)
#define CNTV_CTL_ENABLE		1
#define SPIN_LIMIT		(1 << 24)	/* loop iterations: 2^25 instructions */
#define BENCH_TIMER_NO_IRQ	0xffffffff

	.section .text.bench_timer_vectors, "ax"
	.balign	0x800
	.globl	bench_timer_vectors
bench_timer_vectors:
	.set	vec, 0
	.rept	16
	.balign	VECTOR_STRIDE
	.if	vec == VECTOR_IRQ_EL1H
	bench_irq_stamp
	msr	cntv_ctl_el0, xzr		/* level-sensitive: drop the line first */
	isb
	msr	s3_0_c12_c12_1, x16		/* ICC_EOIR1_EL1 */
	str	x16, [x19, #OUT_IAR]
	adr	x16, bench_timer_resume
	msr	elr_el1, x16
	eret
	.else
	b	vectors + vec * VECTOR_STRIDE
	.endif
	.set	vec, vec + 1
	.endr

/* void bench_timer_take(uint64_t cval, uint64_t wfi, uint64_t out[18]) */
	.section .text.bench_timer_take, "ax"
	.globl	bench_timer_take
	.balign	64
bench_timer_take:
	stp	x19, x30, [sp, #-16]!
	mov	x19, x2
	msr	cntv_cval_el0, x0
	mov	x9, #CNTV_CTL_ENABLE
	msr	cntv_ctl_el0, x9
	isb
	mov	x9, #SPIN_LIMIT
	msr	daifclr, #2
	cbnz	x1, 2f
1:	subs	x9, x9, #1
	b.ne	1b
	msr	daifset, #2
	msr	cntv_ctl_el0, xzr
	mov	x9, #BENCH_TIMER_NO_IRQ
	str	x9, [x19, #OUT_IAR]
	b	3f
2:	wfi					/* only the timer's IRQ ends this */
	b	2b

	.globl	bench_timer_resume
bench_timer_resume:
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
3:	ldp	x19, x30, [sp], #16
	ret
