/*
 * Register save/restore for the guests' exception entries (assembly only).
 * x0..x18 go to [sp, #8n] as in struct exc_frame (guest/fault.h); an entry
 * that saves only the caller-saved registers puts x30 right after x18.
 */
#ifndef GUEST_ASM_SAVE_H
#define GUEST_ASM_SAVE_H

/* x0-x18 and x30: what an AAPCS64 function may clobber. */
#define CALLER_SAVED_SIZE	(20 * 8)

/*
 * x2..x17 at [sp, #16] .. [sp, #144): x0/x1 are saved by whoever needs them
 * early. op is stp (save) or ldp (restore): one list of slots for both.
 */
.macro x2_x17_pairs op
	\op	x2, x3, [sp, #16]
	\op	x4, x5, [sp, #32]
	\op	x6, x7, [sp, #48]
	\op	x8, x9, [sp, #64]
	\op	x10, x11, [sp, #80]
	\op	x12, x13, [sp, #96]
	\op	x14, x15, [sp, #112]
	\op	x16, x17, [sp, #128]
.endm

/* The caller-saved registers at [sp, #0] .. [sp, #CALLER_SAVED_SIZE), x30 after x18. */
.macro caller_saved_pairs op
	\op	x0, x1, [sp, #0]
	x2_x17_pairs \op
	\op	x18, x30, [sp, #144]
.endm

.macro save_x2_x17
	x2_x17_pairs stp
.endm
.macro restore_x2_x17
	x2_x17_pairs ldp
.endm
.macro save_caller_saved
	caller_saved_pairs stp
.endm
.macro restore_caller_saved
	caller_saved_pairs ldp
.endm

#endif
