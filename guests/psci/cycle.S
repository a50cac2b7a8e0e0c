/*
 * psci_cycle_entry: a CPU_ON entry point for the power-cycle check (main.c).
 * It runs with the MMU off, as CPU_ON leaves it, and touches nothing of the
 * runtime: it records the EL1 state it was started with in a slot of
 * psci_slots, makes that state unique to this run (from the context id),
 * publishes the context id and calls CPU_OFF. The next run on that vCPU must
 * again find the reset values, not these.
 *
 * The state is taken from each part keel saves when it puts a vCPU away, in
 * the order it saves them: system registers (VBAR_EL1, TPIDR_EL1,
 * CPACR_EL1), FP/SIMD registers (D31), the virtual GIC CPU interface
 * (ICC_PMR_EL1, held in ICH_VMCR_EL2).
 *
 * Context id: vCPU in bits [31:24], run number in bits [23:0]. Each vCPU has
 * two slots, for odd and even runs. Slot layout (struct psci_slot in main.c):
 * vbar, tpidr, done (the context id), cpacr, d31, pmr.
 */
#define PSCI_CPU_OFF_FID	0x84000002
#define SLOT_SHIFT		7	/* 128-byte slots: never two in one cache line */
#define RUN_VBAR_SHIFT		12	/* VBAR_EL1[10:0] are RES0 */
#define CPACR_FPEN		(3 << 20)
#define ICC_PMR_EL1		S3_0_C4_C6_0

	.arch	armv8-a+fp+simd
	.text
	.globl	psci_cycle_entry
psci_cycle_entry:
	ubfx	x3, x0, #24, #8			/* vCPU */
	and	x6, x0, #1			/* run parity */
	add	x3, x6, x3, lsl #1
	adrp	x4, psci_slots
	add	x4, x4, :lo12:psci_slots
	add	x4, x4, x3, lsl #SLOT_SHIFT	/* psci_slots[vCPU][parity] */

	mrs	x1, vbar_el1
	mrs	x2, tpidr_el1
	stp	x1, x2, [x4]
	mrs	x1, cpacr_el1
	str	x1, [x4, #24]
	mov	x1, #CPACR_FPEN			/* FP/SIMD on, to read D31 */
	msr	cpacr_el1, x1
	isb
	fmov	x1, d31
	mrs	x2, ICC_PMR_EL1
	stp	x1, x2, [x4, #32]

	lsl	x5, x0, #RUN_VBAR_SHIFT
	msr	vbar_el1, x5
	mvn	x5, x0
	msr	tpidr_el1, x5
	orr	x5, x0, #0x8000000000000000
	fmov	d31, x5
	and	x5, x0, #0xf			/* PMR: 0x80 | run[3:0] << 3, never 0 */
	lsl	x5, x5, #3
	orr	x5, x5, #0x80
	msr	ICC_PMR_EL1, x5
	isb
	dmb	sy				/* what it saw before the context id that says it is there */
	str	x0, [x4, #16]
	dsb	sy
	movz	w0, #(PSCI_CPU_OFF_FID & 0xffff)
	movk	w0, #(PSCI_CPU_OFF_FID >> 16), lsl #16
	hvc	#0
1:	wfi					/* CPU_OFF does not return */
	b	1b
