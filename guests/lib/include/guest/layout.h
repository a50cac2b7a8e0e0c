/*
 * Constants shared by the guest runtime's assembly and C.
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

/*
 * Image header text_offset: keel (and QEMU) load a "linux" image at RAM base +
 * text_offset. 0x80000 is the classic arm64 value; it leaves the first 512 KiB
 * of RAM free for the loader's device tree. The image itself runs anywhere.
 */
#define GUEST_TEXT_OFFSET	0x80000

#define GUEST_MAX_CPUS		8
#define GUEST_STACK_SIZE	0x8000		/* per vCPU */
#define PERCPU_SIZE		256		/* sizeof(struct percpu), checked in C */

/*
 * SCTLR_EL1: the Armv8.0 RES1 bits (29, 28, 23, 22, 20, 11) plus SA; with the
 * MMU on also M, C and I. A (alignment check) stays 0 so that picolibc may do
 * unaligned accesses to normal memory.
 */
#define SCTLR_EL1_RES1		0x30d00800
#define SCTLR_EL1_M		(1 << 0)
#define SCTLR_EL1_C		(1 << 2)
#define SCTLR_EL1_SA		(1 << 3)
#define SCTLR_EL1_I		(1 << 12)
#define SCTLR_EL1_MMU_OFF	(SCTLR_EL1_RES1 | SCTLR_EL1_SA)
#define SCTLR_EL1_MMU_ON	(SCTLR_EL1_MMU_OFF | SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I)

/* Exception frame built by vectors.S (struct exc_frame in guest/fault.h). */
#define FRAME_X0		0
#define FRAME_SP		248
#define FRAME_ELR		256
#define FRAME_SPSR		264
#define FRAME_ESR		272
#define FRAME_FAR		280
#define FRAME_SIZE		288

#endif
