/*
 * EL1 exception vectors. Every entry saves the full register state in a
 * struct exc_frame on the current stack and calls rt_exception(frame, kind)
 * (fault.c), which may change x0..x30 and ELR_EL1 in the frame (the expected-
 * exception facility and the HVC/SMC-undefined fallback do). Then eret.
 */
#include "guest/asm_save.h"
#include "guest/layout.h"

.macro ventry kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X0]
	mov	x0, #\kind
	b	exc_common
.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.globl	vectors
vectors:
	/* Kinds: bits [3:2] = source (0 EL1t, 1 EL1h, 2 EL0 64, 3 EL0 32), [1:0] = sync/irq/fiq/serror. */
	ventry	0
	ventry	1
	ventry	2
	ventry	3
	ventry	4
	ventry	5
	ventry	6
	ventry	7
	ventry	8
	ventry	9
	ventry	10
	ventry	11
	ventry	12
	ventry	13
	ventry	14
	ventry	15

exc_common:
	save_x2_x17
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x1, sp, #FRAME_SIZE		/* SP before the exception */
	stp	x30, x1, [sp, #240]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #FRAME_ELR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #FRAME_ESR]
	mov	x1, x0
	mov	x0, sp
	mov	x29, #0
	bl	rt_exception
	ldp	x2, x3, [sp, #FRAME_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	restore_x2_x17
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp, #FRAME_X0]
	add	sp, sp, #FRAME_SIZE
	eret
