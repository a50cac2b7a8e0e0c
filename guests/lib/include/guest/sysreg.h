/*
 * System register access and the ESR_EL1 fields the tests look at.
 */
#ifndef GUEST_SYSREG_H
#define GUEST_SYSREG_H

#include <stdint.h>

#define read_sysreg(reg) ({ uint64_t __v; \
	__asm__ volatile("mrs %0, " #reg : "=r"(__v)); __v; })
#define write_sysreg(reg, v) \
	__asm__ volatile("msr " #reg ", %0" :: "r"((uint64_t)(v)))
#define isb()  __asm__ volatile("isb" ::: "memory")
#define dsb(o) __asm__ volatile("dsb " #o ::: "memory")
#define wfi()  __asm__ volatile("wfi" ::: "memory")
#define wfe()  __asm__ volatile("wfe" ::: "memory")
#define sev()  __asm__ volatile("sev" ::: "memory")

/* Extract bits [h:l]. */
static inline uint64_t field(uint64_t v, unsigned h, unsigned l)
{
	return (v >> l) & ((h - l == 63) ? ~0ULL : ((1ULL << (h - l + 1)) - 1));
}

/* ESR_ELx */
#define ESR_EC(esr)		field((esr), 31, 26)
#define ESR_ISS(esr)		field((esr), 24, 0)
#define ESR_FSC(esr)		field((esr), 5, 0)	/* DFSC / IFSC */
#define ESR_ISV(esr)		field((esr), 24, 24)
#define EC_UNKNOWN		0x00
#define EC_WFX			0x01
#define EC_HVC64		0x16
#define EC_SMC64		0x17
#define EC_SYSREG		0x18
#define EC_SVE			0x19	/* SVE access trap */
#define EC_SME			0x1d	/* SME access trap */
#define EC_IABT_LOW		0x20
#define EC_IABT_CUR		0x21
#define EC_PC_ALIGN		0x22
#define EC_DABT_LOW		0x24
#define EC_DABT_CUR		0x25
#define EC_SP_ALIGN		0x26
#define EC_SERROR		0x2f
#define EC_BKPT_CUR		0x31	/* hardware breakpoint, same EL */
#define EC_SSTEP_CUR		0x33	/* software step, same EL */
#define EC_WATCH_CUR		0x35	/* watchpoint, same EL */
#define FSC_SEA			0x10	/* synchronous external abort, not on a walk */
#define FSC_ALIGN		0x21

/* Debug: MDSCR_EL1, OSLSR_EL1, ID_AA64DFR0_EL1 counts, SPSR.SS. */
#define MDSCR_SS		(1u << 0)
#define MDSCR_KDE		(1u << 13)
#define MDSCR_MDE		(1u << 15)
#define OSLSR_OSLK		(1u << 1)
#define DFR0_BRPS(dfr0)		((unsigned)field((dfr0), 15, 12) + 1)
#define DFR0_WRPS(dfr0)		((unsigned)field((dfr0), 23, 20) + 1)
#define PSR_SS			(1u << 21)

/* MPIDR_EL1 affinity fields (Aff3 | Aff2 | Aff1 | Aff0). */
#define MPIDR_AFF_MASK		0xff00ffffffULL

#endif
