/*
 * SMCCC trampolines: struct smccc_res hvc_call(fid, a1..a6) and smc_call.
 * The struct is returned through x8 (AAPCS64 indirect result), which the
 * callee of an SMCCC 1.0 call may clobber, so it is kept on the stack.
 */
.macro smccc_tramp name, insn
	.section .text.\name, "ax"
	.globl	\name
	.balign	8
\name:
	str	x8, [sp, #-16]!
	\insn	#0
	ldr	x8, [sp], #16
	stp	x0, x1, [x8]
	stp	x2, x3, [x8, #16]
	ret
.endm

	smccc_tramp hvc_call, hvc
	smccc_tramp smc_call, smc
