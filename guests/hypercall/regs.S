/*
 * void regs_probe_hvc(uint32_t fid, uint64_t out[31]) / regs_probe_smc:
 * load x1..x30 with REG_PATTERN(n) (see main.c), issue the call, store what
 * x0..x30 hold afterwards in out[]. Callee-saved registers are restored.
 */
#define FRAME	(96 + 16 + 248)		/* x19..x30, out, x0..x30 */
#define SAVED	0
#define OUTP	96
#define REGS	112

.macro pattern n
	movz	x\n, #0xc0de, lsl #48
	movk	x\n, #\n
.endm

.macro regs_probe name, insn
	.section .text.\name, "ax"
	.globl	\name
\name:
	sub	sp, sp, #FRAME
	stp	x19, x20, [sp, #SAVED]
	stp	x21, x22, [sp, #SAVED + 16]
	stp	x23, x24, [sp, #SAVED + 32]
	stp	x25, x26, [sp, #SAVED + 48]
	stp	x27, x28, [sp, #SAVED + 64]
	stp	x29, x30, [sp, #SAVED + 80]
	str	x1, [sp, #OUTP]
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	pattern	\n
	.endr
	\insn	#0
	stp	x0, x1, [sp, #REGS]
	stp	x2, x3, [sp, #REGS + 16]
	stp	x4, x5, [sp, #REGS + 32]
	stp	x6, x7, [sp, #REGS + 48]
	stp	x8, x9, [sp, #REGS + 64]
	stp	x10, x11, [sp, #REGS + 80]
	stp	x12, x13, [sp, #REGS + 96]
	stp	x14, x15, [sp, #REGS + 112]
	stp	x16, x17, [sp, #REGS + 128]
	stp	x18, x19, [sp, #REGS + 144]
	stp	x20, x21, [sp, #REGS + 160]
	stp	x22, x23, [sp, #REGS + 176]
	stp	x24, x25, [sp, #REGS + 192]
	stp	x26, x27, [sp, #REGS + 208]
	stp	x28, x29, [sp, #REGS + 224]
	str	x30, [sp, #REGS + 240]
	ldr	x0, [sp, #OUTP]
	add	x1, sp, #REGS
	mov	x2, #31
1:	ldr	x3, [x1], #8
	str	x3, [x0], #8
	subs	x2, x2, #1
	b.ne	1b
	ldp	x19, x20, [sp, #SAVED]
	ldp	x21, x22, [sp, #SAVED + 16]
	ldp	x23, x24, [sp, #SAVED + 32]
	ldp	x25, x26, [sp, #SAVED + 48]
	ldp	x27, x28, [sp, #SAVED + 64]
	ldp	x29, x30, [sp, #SAVED + 80]
	add	sp, sp, #FRAME
	ret
.endm

	regs_probe regs_probe_hvc, hvc
	regs_probe regs_probe_smc, smc
