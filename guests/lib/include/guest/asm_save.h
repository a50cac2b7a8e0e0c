/*
 * Register save/restore for the guests' exception entries (assembly only).
 * x0..x18 go to [sp, #8n] as in struct exc_frame (guest/fault.h); an entry
 * that saves only the caller-saved registers puts x30 right after x18.
 */
#ifndef GUEST_ASM_SAVE_H
#define GUEST_ASM_SAVE_H

/* x0-x18 and x30: what an AAPCS64 function may clobber. */
#define CALLER_SAVED_SIZE	(20 * 8)

/* x2..x17 at [sp, #16] .. [sp, #144): x0/x1 are saved by whoever needs them early. */
.macro save_x2_x17
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
.endm

.macro restore_x2_x17
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
.endm

/* The caller-saved registers at [sp, #0] .. [sp, #CALLER_SAVED_SIZE), x30 after x18. */
.macro save_caller_saved
	stp	x0, x1, [sp, #0]
	save_x2_x17
	stp	x18, x30, [sp, #144]
.endm

.macro restore_caller_saved
	ldp	x0, x1, [sp, #0]
	restore_x2_x17
	ldp	x18, x30, [sp, #144]
.endm

#endif
