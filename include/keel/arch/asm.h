/* Constants shared by assembly and C. */
#ifndef KEEL_ARCH_ASM_H
#define KEEL_ARCH_ASM_H

#define R_AARCH64_RELATIVE 1027
#define KEEL_STACK_SIZE    (16 * 1024)

/* struct vcpu_regs layout (see include/keel/arch/vcpu_regs.h) */
#define VCPU_REGS_X(n)     ((n) * 8)
#define VCPU_REGS_ELR      (31 * 8)
#define VCPU_REGS_SPSR     (32 * 8)
#define VCPU_REGS_SIZE     (33 * 8)

/* struct mmu_boot_regs (include/keel/arch/mmu.h), read by secondary_entry with the MMU off */
#define MMU_BOOT_MAIR      0
#define MMU_BOOT_TCR       8
#define MMU_BOOT_TTBR0     16
#define MMU_BOOT_SCTLR     24

/* exit kinds passed to vcpu_exit() */
#define EXIT_SYNC  0
#define EXIT_IRQ   1
#define EXIT_FIQ   2
#define EXIT_SERROR 3

/* ESR_EL2.EC for vectors.S's HVC fast path (esr.h's values; trap.c checks they agree) */
#define EXIT_ESR_EC_SHIFT  26
#define EXIT_ESR_EC_WIDTH  6
#define EXIT_ESR_EC_HVC64  0x16

#endif
