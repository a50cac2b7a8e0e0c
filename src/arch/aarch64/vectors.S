/*
 * EL2 exception vectors and the guest side of the world switch.
 *
 * TPIDR_EL2 points at this CPU's struct cpu, whose first field is the
 * struct vcpu_regs of the vCPU it runs. On an exit from the guest only the
 * general registers, ELR_EL2 and SPSR_EL2 are saved: everything else the
 * guest owns (EL1 system registers, FP/SIMD) stays live in the hardware
 * until keel switches to another vCPU, because keel's C code never touches
 * it. vcpu_exit() returns the register block to resume, which may belong to
 * a different vCPU after a switch.
 *
 * The EL2 stack is empty whenever a guest runs, so every exit starts at the
 * top of this CPU's stack.
 */
#include <keel/arch/asm.h>

/* Exceptions taken from EL2 itself: always a keel bug. Save all, report, stop. */
.macro el2_fault kind
	.align 7
	sub	sp, sp, #(36 * 8)
	stp	x0, x1, [sp, #(0 * 8)]
	mov	x1, #\kind
	b	el2_fault_common
.endm

.macro guest_exit kind
	.align 7
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\kind
	b	guest_exit_common
.endm

.macro bad_vector kind
	.align 7
	sub	sp, sp, #(36 * 8)
	stp	x0, x1, [sp, #(0 * 8)]
	mov	x1, #(\kind + 16)
	b	el2_fault_common
.endm

	.section .text.vectors, "ax"
	.align 11
	.globl el2_vectors
el2_vectors:
	/* Current EL with SP_EL0: keel never uses SP_EL0 at EL2. */
	bad_vector EXIT_SYNC
	bad_vector EXIT_IRQ
	bad_vector EXIT_FIQ
	bad_vector EXIT_SERROR
	/* Current EL with SP_ELx. */
	el2_fault EXIT_SYNC
	el2_fault EXIT_IRQ
	el2_fault EXIT_FIQ
	el2_fault EXIT_SERROR
	/* Lower EL, AArch64. */
	guest_exit EXIT_SYNC
	guest_exit EXIT_IRQ
	guest_exit EXIT_FIQ
	guest_exit EXIT_SERROR
	/* Lower EL, AArch32 (guest EL0 only: HCR_EL2.RW makes EL1 AArch64). */
	guest_exit EXIT_SYNC
	guest_exit EXIT_IRQ
	guest_exit EXIT_FIQ
	guest_exit EXIT_SERROR

/*
 * x1 = kind, the guest's x0/x1 on the stack. The registers a C callee may clobber
 * (x0-x18, x30) are saved first; a trapped HVC then tries vcpu_exit_hvc(), which answers
 * the calls that touch only x0-x3 without the rest of the save: C code preserves x19-x29
 * by itself, and ELR_EL2/SPSR_EL2 stay live in the CPU because keel takes no exception at
 * EL2 while it runs (IRQs masked, anything synchronous is a keel bug and stops). It returns
 * NULL, having done nothing, for anything else, which takes the full path below.
 */
guest_exit_common:
	mrs	x0, tpidr_el2
	ldr	x0, [x0]
	stp	x2, x3, [x0, #VCPU_REGS_X(2)]
	stp	x4, x5, [x0, #VCPU_REGS_X(4)]
	stp	x6, x7, [x0, #VCPU_REGS_X(6)]
	stp	x8, x9, [x0, #VCPU_REGS_X(8)]
	stp	x10, x11, [x0, #VCPU_REGS_X(10)]
	stp	x12, x13, [x0, #VCPU_REGS_X(12)]
	stp	x14, x15, [x0, #VCPU_REGS_X(14)]
	stp	x16, x17, [x0, #VCPU_REGS_X(16)]
	str	x18, [x0, #VCPU_REGS_X(18)]
	str	x30, [x0, #VCPU_REGS_X(30)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #VCPU_REGS_X(0)]
	cbnz	x1, guest_exit_full		/* not EXIT_SYNC */
	mrs	x1, esr_el2
	ubfx	x2, x1, #EXIT_ESR_EC_SHIFT, #EXIT_ESR_EC_WIDTH
	cmp	x2, #EXIT_ESR_EC_HVC64
	b.ne	guest_exit_sync
	str	x29, [x0, #VCPU_REGS_X(29)]
	mov	x29, #0				/* the end of keel's frame chain */
	bl	vcpu_exit_hvc			/* (regs, esr) */
	cbz	x0, 1f
	ldr	x29, [x0, #VCPU_REGS_X(29)]
	b	guest_resume_clobbered
1:	mrs	x0, tpidr_el2
	ldr	x0, [x0]
	ldr	x29, [x0, #VCPU_REGS_X(29)]
guest_exit_sync:
	mov	x1, #EXIT_SYNC
guest_exit_full:
	stp	x19, x20, [x0, #VCPU_REGS_X(19)]
	stp	x21, x22, [x0, #VCPU_REGS_X(21)]
	stp	x23, x24, [x0, #VCPU_REGS_X(23)]
	stp	x25, x26, [x0, #VCPU_REGS_X(25)]
	stp	x27, x28, [x0, #VCPU_REGS_X(27)]
	str	x29, [x0, #VCPU_REGS_X(29)]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #VCPU_REGS_ELR]
	mov	x29, #0
	bl	vcpu_exit

/* x0 = struct vcpu_regs * to load. */
	.globl guest_resume
guest_resume:
	ldp	x2, x3, [x0, #VCPU_REGS_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x19, x20, [x0, #VCPU_REGS_X(19)]
	ldp	x21, x22, [x0, #VCPU_REGS_X(21)]
	ldp	x23, x24, [x0, #VCPU_REGS_X(23)]
	ldp	x25, x26, [x0, #VCPU_REGS_X(25)]
	ldp	x27, x28, [x0, #VCPU_REGS_X(27)]
	ldr	x29, [x0, #VCPU_REGS_X(29)]
/* Only what a C callee may have clobbered, for vcpu_exit_hvc()'s answers. */
guest_resume_clobbered:
	ldp	x2, x3, [x0, #VCPU_REGS_X(2)]
	ldp	x4, x5, [x0, #VCPU_REGS_X(4)]
	ldp	x6, x7, [x0, #VCPU_REGS_X(6)]
	ldp	x8, x9, [x0, #VCPU_REGS_X(8)]
	ldp	x10, x11, [x0, #VCPU_REGS_X(10)]
	ldp	x12, x13, [x0, #VCPU_REGS_X(12)]
	ldp	x14, x15, [x0, #VCPU_REGS_X(14)]
	ldp	x16, x17, [x0, #VCPU_REGS_X(16)]
	ldr	x18, [x0, #VCPU_REGS_X(18)]
	ldr	x30, [x0, #VCPU_REGS_X(30)]
	ldp	x0, x1, [x0, #VCPU_REGS_X(0)]
	eret
	dsb	nsh
	isb

/* void guest_enter(struct vcpu_regs *regs, uint64_t stack_top): never returns. */
	.globl guest_enter
guest_enter:
	mov	sp, x1
	b	guest_resume

el2_fault_common:
	stp	x2, x3, [sp, #(2 * 8)]
	stp	x4, x5, [sp, #(4 * 8)]
	stp	x6, x7, [sp, #(6 * 8)]
	stp	x8, x9, [sp, #(8 * 8)]
	stp	x10, x11, [sp, #(10 * 8)]
	stp	x12, x13, [sp, #(12 * 8)]
	stp	x14, x15, [sp, #(14 * 8)]
	stp	x16, x17, [sp, #(16 * 8)]
	stp	x18, x19, [sp, #(18 * 8)]
	stp	x20, x21, [sp, #(20 * 8)]
	stp	x22, x23, [sp, #(22 * 8)]
	stp	x24, x25, [sp, #(24 * 8)]
	stp	x26, x27, [sp, #(26 * 8)]
	stp	x28, x29, [sp, #(28 * 8)]
	add	x2, sp, #(36 * 8)
	stp	x30, x2, [sp, #(30 * 8)]	/* x30, sp before the exception */
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [sp, #(32 * 8)]
	mrs	x2, esr_el2
	mrs	x3, far_el2
	stp	x2, x3, [sp, #(34 * 8)]
	mov	x0, sp
	bl	el2_fault
	b	.
