/*
 * keel's entry points. The image starts with the arm64 Linux Image header, so
 * QEMU -kernel and U-Boot booti load it; the boot device tree arrives in x0.
 * Everything that can be done in C is: this file only relocates the image,
 * clears BSS, sets the stack, seeds the stack guard and calls boot_primary();
 * a secondary CPU turns its MMU on and calls boot_secondary().
 */
#include <keel/arch/asm.h>

	.section .text.head, "ax"
	.globl _head
_head:
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	0x200000			/* text_offset */
	.quad	0				/* image_size (with BSS): patched by the Makefile */
	.quad	0xa				/* flags: LE, 4 KiB pages, anywhere in RAM */
	.quad	0, 0, 0
	.ascii	"ARM\x64"			/* magic */
	.long	0

primary_entry:
	mov	x19, x0				/* boot device tree */
	mrs	x20, CurrentEL
	lsr	x20, x20, #2
	adr	x21, _head			/* where we were loaded */

	/* Apply R_AARCH64_RELATIVE relocations: *(base + off) = base + addend. */
	adrp	x1, __rela_start
	add	x1, x1, :lo12:__rela_start
	adrp	x2, __rela_end
	add	x2, x2, :lo12:__rela_end
1:	cmp	x1, x2
	b.hs	2f
	ldp	x3, x4, [x1], #24
	ldr	x5, [x1, #-8]
	cmp	w4, #R_AARCH64_RELATIVE
	b.ne	.				/* unknown relocation: the build is broken */
	add	x5, x5, x21
	str	x5, [x3, x21]
	b	1b
2:
	adrp	x1, el2_vectors
	add	x1, x1, :lo12:el2_vectors
	msr	vbar_el2, x1
	isb
	/* Clear BSS. */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
3:	cmp	x1, x2
	b.hs	4f
	stp	xzr, xzr, [x1], #16
	b	3b
4:
	mov	x0, #0
	bl	set_cpu_stack
	/* Before any C function is entered: none may hold a frame checked against the old guard. */
	mov	x0, x19
	mov	x1, x21
	bl	stack_guard_seed
	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	bl	boot_primary
	b	.

/*
 * PSCI CPU_ON entry for secondary CPUs: x0 = keel's CPU index. The MMU and
 * data caches are off: data accesses go to memory, not to the caches CPU 0
 * wrote through. So the final map is turned on here, from the block CPU 0
 * cleaned to PoC (struct mmu_boot_regs), before the first memory write (the
 * stack): nothing this CPU writes or reads afterwards can miss a cache line.
 */
	.globl secondary_entry
secondary_entry:
	mov	x19, x0
	adrp	x1, el2_vectors
	add	x1, x1, :lo12:el2_vectors
	msr	vbar_el2, x1
	adrp	x1, mmu_secondary_regs
	add	x1, x1, :lo12:mmu_secondary_regs
	ldp	x2, x3, [x1, #MMU_BOOT_MAIR]
	ldp	x4, x5, [x1, #MMU_BOOT_TTBR0]
	msr	mair_el2, x2
	msr	tcr_el2, x3
	msr	ttbr0_el2, x4
	isb
	tlbi	alle2
	dsb	ish
	isb
	msr	sctlr_el2, x5
	isb
	mov	x0, x19
	bl	set_cpu_stack
	mov	x0, x19
	bl	boot_secondary
	b	.

/* sp = top of the stack of CPU x0. Clobbers x0, x1. */
set_cpu_stack:
	adrp	x1, keel_stacks
	add	x1, x1, :lo12:keel_stacks
	add	x0, x0, #1
	mov	x9, #KEEL_STACK_SIZE
	madd	x1, x0, x9, x1
	mov	sp, x1
	mov	x29, #0
	ret
