/*
 * Guest entry: the arm64 Linux Image header, self-relocation, BSS clear, the
 * per-vCPU stacks and the stage-1 MMU switch-on. The only assembly besides
 * the vectors and the SMCCC trampolines.
 *
 * Entered (boot protocol) at EL1h, MMU and D-cache off, x0 = IPA of the DTB.
 * Nothing here assumes a load address: the image is linked at 0 and applies its
 * own R_AARCH64_RELATIVE relocations before the first line of C.
 */
#include "guest/layout.h"

#define R_AARCH64_RELATIVE	1027
#define IMAGE_FLAGS		0xa	/* LE, 4K pages, 2 MiB-aligned base anywhere */

	.section .head.text, "ax"
	.globl	_start
_start:
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	GUEST_TEXT_OFFSET		/* text_offset */
	.quad	__image_end - _start		/* image_size, BSS included (PC-relative: no dynamic relocation) */
	.quad	IMAGE_FLAGS			/* flags */
	.quad	0, 0, 0				/* res2..res4 */
	.ascii	"ARM\x64"			/* magic, offset 56 */
	.long	0				/* res5 */

.macro mov_imm reg, val
	movz	\reg, #((\val) & 0xffff)
	movk	\reg, #(((\val) >> 16) & 0xffff), lsl #16
.endm

/* Put EL1 in a known state whatever the loader left behind. Clobbers x0, x1. */
.macro el1_reset_state
	msr	daifset, #0xf
	mov_imm	x0, SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x0
	mov	x0, #(3 << 20)			/* CPACR_EL1.FPEN: no FP/SIMD traps */
	msr	cpacr_el1, x0
	adr	x1, vectors
	msr	vbar_el1, x1
	isb
.endm

primary_entry:
	mov	x19, x0				/* DTB */
	el1_reset_state

	/* Clear BSS (tbss, stacks, page tables). 16-byte aligned on both ends. */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	/* Relocate: the image is linked at 0, so the load address is the delta. */
	adr	x20, _start
	adrp	x0, __rela_start
	add	x0, x0, :lo12:__rela_start
	adrp	x1, __rela_end
	add	x1, x1, :lo12:__rela_end
3:	cmp	x0, x1
	b.hs	5f
	ldp	x2, x3, [x0], #24		/* r_offset, r_info */
	ldur	x4, [x0, #-8]			/* r_addend */
	cmp	w3, #R_AARCH64_RELATIVE
	b.ne	4f
	add	x4, x4, x20
	str	x4, [x2, x20]
4:	b	3b
5:
	/* vCPU 0's stack and per-CPU block. */
	mov	x0, #0
	bl	set_cpu_context
	mov	x29, #0
	mov	x30, #0

	mov	x0, x19
	bl	rt_early			/* C, MMU still off: DT + page tables */
	mov	x0, #1				/* boot vCPU: invalidate the image */
	bl	mmu_enable
	bl	rt_main				/* does not return */
6:	wfi
	b	6b

/*
 * set_cpu_context(x0 = vCPU slot): SP to the top of the slot's stack,
 * TPIDR_EL1 to its per-CPU block. No stack use. Clobbers x1, x2.
 */
set_cpu_context:
	adrp	x1, rt_stacks
	add	x1, x1, :lo12:rt_stacks
	mov	x2, #GUEST_STACK_SIZE
	madd	x1, x0, x2, x1
	add	sp, x1, x2
	adrp	x1, rt_percpu
	add	x1, x1, :lo12:rt_percpu
	mov	x2, #PERCPU_SIZE
	madd	x1, x0, x2, x1
	msr	tpidr_el1, x1
	ret

/*
 * Secondary vCPUs (PSCI CPU_ON entry point): x0 = context id. The boot vCPU
 * wrote rt_cpu_mpidr[] and cleaned it to the PoC before CPU_ON, so it can be
 * read here with the MMU off. No memory is written before the MMU is on.
 */
	.globl	secondary_entry
secondary_entry:
	mov	x19, x0				/* context id */
	el1_reset_state
	mrs	x1, mpidr_el1
	mov_imm	x2, 0xff00ff			/* Aff2..Aff0 */
	movk	x2, #0xff, lsl #32		/* Aff3 */
	and	x1, x1, x2
	adrp	x2, rt_cpu_mpidr
	add	x2, x2, :lo12:rt_cpu_mpidr
	mov	x20, #0
1:	ldr	x3, [x2, x20, lsl #3]
	cmp	x3, x1
	b.eq	2f
	add	x20, x20, #1
	cmp	x20, #GUEST_MAX_CPUS
	b.lo	1b
3:	wfi					/* not a vCPU we know: park */
	b	3b
2:	mov	x0, x20
	bl	set_cpu_context
	mov	x0, #0
	bl	mmu_enable
	mov	x29, #0
	mov	x30, #0
	mov	x0, x20
	mov	x1, x19
	bl	rt_secondary_main		/* does not return */
	b	3b

/*
 * mmu_enable(x0 = boot): turn on the stage-1 MMU with rt_pt_root (built by
 * mmu.c) and the caches. The boot vCPU first invalidates the whole image from
 * the data cache: everything it wrote so far went to memory (MMU off), and a
 * stale line from before would hide it once the caches are on. Secondaries
 * must not do that: the boot vCPU's dirty lines would be lost. No stack use.
 */
	.globl	mmu_enable
mmu_enable:
	cbz	x0, 2f
	mrs	x1, ctr_el0
	ubfx	x1, x1, #16, #4			/* DminLine, log2 words */
	mov	x2, #4
	lsl	x2, x2, x1			/* line size in bytes */
	sub	x3, x2, #1
	adrp	x0, __image_start
	add	x0, x0, :lo12:__image_start
	bic	x0, x0, x3
	adrp	x1, __image_end
	add	x1, x1, :lo12:__image_end
1:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
2:	adrp	x0, rt_mmu_regs
	add	x0, x0, :lo12:rt_mmu_regs
	ldp	x1, x2, [x0]			/* MAIR, TCR */
	ldr	x3, [x0, #16]			/* TTBR0 */
	msr	mair_el1, x1
	msr	tcr_el1, x2
	msr	ttbr0_el1, x3
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	mov_imm	x0, SCTLR_EL1_MMU_ON
	msr	sctlr_el1, x0
	isb
	ret
