/*
 * The debug guest's own pieces of assembly:
 * - debug_vectors: the runtime's vectors (guests/lib/vectors.S) except for a
 *   synchronous exception from EL1h, which goes to debug_exception() in C. That
 *   one must be able to resume at the faulting instruction itself (a breakpoint
 *   or watchpoint is retaken there once disabled), which the runtime's
 *   expected-exception facility does not do.
 * - debug_step_run(fn): enter fn with ERET and PSTATE.SS = 1, debug unmasked,
 *   so software step starts with fn's first instruction; fn returns to our caller.
 * - the functions the tests break on and step through.
 */
#include "guest/asm_save.h"

#define PSR_EL1H_AIF	0x1c5		/* EL1h, SError, IRQ, FIQ masked, debug unmasked */
#define PSR_SS_BIT	(1 << 21)

	.section .text.debug_vectors, "ax"
	.balign	0x800
	.globl	debug_vectors
debug_vectors:
	.irp	n, 0, 1, 2, 3
	.balign	0x80
	b	vectors + \n * 0x80
	.endr
	.balign	0x80
	b	debug_sync			/* sync, current EL, SP_ELx */
	.irp	n, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	0x80
	b	vectors + \n * 0x80
	.endr

/* Caller-saved registers only: debug_exception() is an AAPCS64 function. */
debug_sync:
	sub	sp, sp, #CALLER_SAVED_SIZE
	save_caller_saved
	bl	debug_exception
	restore_caller_saved
	add	sp, sp, #CALLER_SAVED_SIZE
	eret

	.text
/* uint64_t debug_step_run(uint64_t (*fn)(void), uint64_t x0, uint64_t x1): fn runs with x0, x1 */
	.globl	debug_step_run
debug_step_run:
	stp	x29, x30, [sp, #-16]!
	msr	elr_el1, x0
	mov	x0, x1
	mov	x1, x2
	mov	x3, #PSR_EL1H_AIF
	orr	x3, x3, #PSR_SS_BIT
	msr	spsr_el1, x3
	adr	x30, 1f
	isb
	eret
1:	msr	daifset, #8			/* debug masked again, as before */
	ldp	x29, x30, [sp], #16
	ret

/* Breakpoint target: 42 if its first instruction ran. */
	.globl	bp_target
bp_target:
	mov	x0, #42
	ret

/* Stepped: three plain instructions; 3 if all ran. */
	.globl	step_target
step_target:
	mov	x0, #1
	mov	x0, #2
	mov	x0, #3
	ret

/* Stepped: first an instruction keel emulates (ID_AA64PFR0_EL1 traps with HCR_EL2.TID3). */
	.globl	step_emulated_target
step_emulated_target:
	mrs	x0, id_aa64pfr0_el1
	mov	x0, #7
	ret

/* Stepped: first a load from a device keel emulates (x1 = its address). */
	.globl	step_mmio_target
step_mmio_target:
	ldr	w2, [x1]
	mov	x0, #9
	ret

/* Stepped: first a hypercall (x0 = its function id); returns its answer. */
	.globl	step_hvc_target
step_hvc_target:
	hvc	#0
	ret
