/*
 * The benchmark's EL1 exception vectors: the runtime's (guests/lib/vectors.S)
 * for everything but an IRQ taken from EL1 with SP_EL1, which goes to a lean
 * entry so the interrupt figures count little of the guest's own code:
 * save the caller-saved registers, ICC_IAR1_EL1, bench_irq(intid) unless the
 * INTID is special (1020-1023), ICC_EOIR1_EL1 (EOImode 0: priority drop and
 * deactivation), restore, ERET. One acknowledge per exception: another
 * pending interrupt is taken again right after the ERET.
 */
#include "guest/asm_save.h"

#define VECTOR_STRIDE		0x80
#define VECTOR_IRQ_EL1H		5		/* current EL with SP_ELx, IRQ */
#define IRQ_FRAME		176		/* x0-x18, x30, the INTID; 16-byte aligned */
#define IRQ_FRAME_INTID		160
#define GIC_INTID_SPECIAL	1020
#define IAR_INTID_MASK		0xffffff

	.section .text.bench_vectors, "ax"
	.balign	0x800
	.globl	bench_vectors
bench_vectors:
	.set	vec, 0
	.rept	16
	.balign	VECTOR_STRIDE
	.if	vec == VECTOR_IRQ_EL1H
	b	bench_irq_entry
	.else
	b	vectors + vec * VECTOR_STRIDE
	.endif
	.set	vec, vec + 1
	.endr

bench_irq_entry:
	sub	sp, sp, #IRQ_FRAME
	save_caller_saved
	mrs	x0, s3_0_c12_c12_0		/* ICC_IAR1_EL1 */
	and	x0, x0, #IAR_INTID_MASK
	cmp	x0, #GIC_INTID_SPECIAL
	b.hs	1f
	str	x0, [sp, #IRQ_FRAME_INTID]
	bl	bench_irq
	ldr	x0, [sp, #IRQ_FRAME_INTID]
	msr	s3_0_c12_c12_1, x0		/* ICC_EOIR1_EL1 */
1:	restore_caller_saved
	add	sp, sp, #IRQ_FRAME
	eret
