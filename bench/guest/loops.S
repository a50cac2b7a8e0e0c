/*
 * The measured loops. Each returns the CNTVCT_EL0 ticks its x0 iterations
 * took; the bodies differ from bench_nop_loop's in one instruction only:
 *	movz w0, #KEEL_HC_VERSION >> 16, lsl #16	(w0 = 0x86000000)
 *	nop | hvc #0 | ldr w0, [x1] | msr ICC_SGI1R_EL1, x1
 *	subs x9, x9, #1
 *	b.ne 1b
 */
.macro bench_loop name, insn:vararg
	.section .text.\name, "ax"
	.globl	\name
	.balign	64
\name:
	mov	x9, x0
	isb
	mrs	x10, cntvct_el0
	isb
1:	movz	w0, #0x8600, lsl #16
	\insn
	subs	x9, x9, #1
	b.ne	1b
	isb
	mrs	x11, cntvct_el0
	isb
	sub	x0, x11, x10
	ret
.endm

	bench_loop bench_nop_loop, nop
	bench_loop bench_hvc_loop, hvc #0
	bench_loop bench_mmio_loop, ldr w0, [x1]
	/* ICC_SGI1R_EL1 (S3_0_C12_C11_5): traps to keel; the IRQ comes before the subs. */
	bench_loop bench_sgi_loop, msr s3_0_c12_c11_5, x1
