/*
 * AArch64 system register access and the EL2 register fields keel programs.
 * Field names follow the Arm ARM so they can be looked up.
 */
#ifndef KEEL_ARCH_SYSREG_H
#define KEEL_ARCH_SYSREG_H

#include <keel/types.h>

#ifndef __ASSEMBLY__
#define read_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %x0" : : "rZ"((uint64_t)(v)) : "memory")
/* For registers named by a macro below (the name is expanded before it is stringified). */
#define read_sysreg_s(r)     read_sysreg(r)
#define write_sysreg_s(r, v) write_sysreg(r, v)
#define isb()        __asm__ volatile("isb" : : : "memory")
#define dsb(opt)     __asm__ volatile("dsb " #opt : : : "memory")
#define dmb(opt)     __asm__ volatile("dmb " #opt : : : "memory")
#define wfi()        __asm__ volatile("wfi" : : : "memory")
#define wfe()        __asm__ volatile("wfe" : : : "memory")
#define sev()        __asm__ volatile("sev" : : : "memory")
#endif

/* HCR_EL2 */
#define HCR_VM       BIT(0)
#define HCR_SWIO     BIT(1)
#define HCR_PTW      BIT(2)
#define HCR_FMO      BIT(3)
#define HCR_IMO      BIT(4)
#define HCR_AMO      BIT(5)
#define HCR_VF       BIT(6)
#define HCR_VI       BIT(7)
#define HCR_VSE      BIT(8)
#define HCR_FB       BIT(9)
#define HCR_BSU_IS   (1ULL << 10)
#define HCR_TWI      BIT(13)
#define HCR_TWE      BIT(14)
#define HCR_TID1     BIT(16)
#define HCR_TID2     BIT(17)
#define HCR_TID3     BIT(18)
#define HCR_TSC      BIT(19)
#define HCR_TIDCP    BIT(20)
#define HCR_TACR     BIT(21)
#define HCR_TSW      BIT(22)
#define HCR_TVM      BIT(26)
#define HCR_TGE      BIT(27)
#define HCR_RW       BIT(31)
#define HCR_E2H      BIT(34)
#define HCR_TLOR     BIT(35)
#define HCR_TERR     BIT(36)
#define HCR_TEA      BIT(37)
#define HCR_APK      BIT(40)
#define HCR_API      BIT(41)
#define HCR_FIEN     BIT(47)
#define HCR_TID4     BIT(49)
#define HCR_EnSCXT   BIT(53)
#define HCR_ATA      BIT(56)
#define HCR_TID5     BIT(58)

/* MDCR_EL2 */
#define MDCR_HPMN_MASK  0x1fULL
#define MDCR_TPMCR   BIT(5)
#define MDCR_TPM     BIT(6)
#define MDCR_TDE     BIT(8)
#define MDCR_TDA     BIT(9)
#define MDCR_TDOSA   BIT(10)
#define MDCR_TDRA    BIT(11)
#define MDCR_TPMS    BIT(14)
#define MDCR_TTRF    BIT(19)

/* CPTR_EL2 (nVHE layout) */
#define CPTR_RES1    (BIT(13) | BIT(12) | BIT(9) | GENMASK(7, 0))
#define CPTR_TZ      BIT(8)
#define CPTR_TFP     BIT(10)
#define CPTR_TSM     BIT(12)  /* SME; RES1 when SME absent, so setting it is always safe */
#define CPTR_TTA     BIT(20)
#define CPTR_TAM     BIT(30)
#define CPTR_TCPAC   BIT(31)

/*
 * EL2 registers the assembler may not know by name (FEAT_HCX, FEAT_FGT, FEAT_RAS)
 * and EL1/EL0 registers of features keel hides but must still switch (FEAT_SME).
 */
#define HCRX_EL2     s3_4_c1_c2_2
#define HFGRTR_EL2   s3_4_c1_c1_4
#define HFGWTR_EL2   s3_4_c1_c1_5
#define HFGITR_EL2   s3_4_c1_c1_6
#define HDFGRTR_EL2  s3_4_c3_c1_4
#define HDFGWTR_EL2  s3_4_c3_c1_5
#define HAFGRTR_EL2  s3_4_c3_c1_6
#define TRFCR_EL2    s3_4_c1_c2_1
#define VDISR_EL2    s3_4_c12_c1_1
#define VSESR_EL2    s3_4_c5_c2_3
#define TPIDR2_EL0   s3_3_c13_c0_5
#define SMPRI_EL1    s3_0_c1_c2_4

/* CPACR_EL1: the fields a guest owns; ZEN and SMEN belong to keel (see sysreg_trap.c). */
#define CPACR_ZEN    (3ULL << 16)
#define CPACR_FPEN   (3ULL << 20)
#define CPACR_SMEN   (3ULL << 24)
#define CPACR_TTA    BIT(28)
#define CPACR_GUEST_MASK (CPACR_FPEN | CPACR_TTA)

/* MDSCR_EL1: the fields a guest may set (no halting debug, no DCC flow control). */
#define MDSCR_SS     BIT(0)
#define MDSCR_TDCC   BIT(12)
#define MDSCR_KDE    BIT(13)
#define MDSCR_MDE    BIT(15)
#define MDSCR_GUEST_MASK (MDSCR_SS | MDSCR_TDCC | MDSCR_KDE | MDSCR_MDE)

/* OSLSR_EL1 / OSLAR_EL1 */
#define OSLSR_OSLM_IMPLEMENTED BIT(3)
#define OSLSR_OSLK   BIT(1)
#define OSLAR_OSLK   BIT(0)

/* Hardware breakpoints and watchpoints: architectural maximum of each. */
#define DBG_MAX_BRPS 16
#define DBG_MAX_WRPS 16

/* CNTHCTL_EL2 (E2H=0 layout) */
#define CNTHCTL_EL1PCTEN BIT(0)
#define CNTHCTL_EL1PCEN  BIT(1)

/* SCTLR_EL2 / SCTLR_EL1 */
#define SCTLR_M      BIT(0)
#define SCTLR_A      BIT(1)
#define SCTLR_C      BIT(2)
#define SCTLR_SA     BIT(3)
#define SCTLR_I      BIT(12)
#define SCTLR_WXN    BIT(19)
#define SCTLR_EE     BIT(25)
#define SCTLR_EL2_RES1 (BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | BIT(22) | BIT(23) | BIT(28) | BIT(29))
#define SCTLR_EL1_RES1 (BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* TCR_EL2 (E2H=0) */
#define TCR_EL2_RES1 (BIT(31) | BIT(23))
#define TCR_T0SZ(x)  ((uint64_t)(x) & 0x3f)
#define TCR_IRGN0_WBWA (1ULL << 8)
#define TCR_ORGN0_WBWA (1ULL << 10)
#define TCR_SH0_INNER  (3ULL << 12)
#define TCR_TG0_4K     (0ULL << 14)
#define TCR_EL2_PS_SHIFT 16

/* VTCR_EL2 */
#define VTCR_RES1    BIT(31)
#define VTCR_T0SZ(x) ((uint64_t)(x) & 0x3f)
#define VTCR_SL0_SHIFT 6
#define VTCR_IRGN0_WBWA (1ULL << 8)
#define VTCR_ORGN0_WBWA (1ULL << 10)
#define VTCR_SH0_INNER  (3ULL << 12)
#define VTCR_TG0_4K     (0ULL << 14)
#define VTCR_PS_SHIFT 16
#define VTCR_VS      BIT(19)

/* MAIR indices used by keel's EL2 stage-1 map */
#define MAIR_IDX_DEVICE  0   /* Device-nGnRE */
#define MAIR_IDX_NORMAL  1   /* Normal, inner/outer write-back RW-allocate */
#define MAIR_EL2_VALUE   ((0x04ULL << (8 * MAIR_IDX_DEVICE)) | (0xffULL << (8 * MAIR_IDX_NORMAL)))

/* SPSR / PSTATE */
#define PSR_MODE_MASK 0x1f
#define PSR_MODE_EL0t 0x0
#define PSR_MODE_EL1t 0x4
#define PSR_MODE_EL1h 0x5
#define PSR_MODE_EL2h 0x9
#define PSR_AA32      BIT(4)
#define PSR_F         BIT(6)
#define PSR_I         BIT(7)
#define PSR_A         BIT(8)
#define PSR_D         BIT(9)
#define PSR_SS        BIT(21)
#define PSR_DAIF      (PSR_D | PSR_A | PSR_I | PSR_F)

/* ID register fields */
#define ID_AA64MMFR0_PARANGE(v)  ((unsigned)((v) & 0xf))
#define ID_AA64MMFR0_FGT(v)      ((unsigned)(((v) >> 56) & 0xf))
#define ID_AA64MMFR1_VMIDBITS(v) ((unsigned)(((v) >> 4) & 0xf))
#define ID_AA64MMFR1_HCX(v)      ((unsigned)(((v) >> 40) & 0xf))
#define ID_AA64PFR0_RAS(v)       ((unsigned)(((v) >> 28) & 0xf))
#define ID_AA64PFR0_SVE(v)       ((unsigned)(((v) >> 32) & 0xf))
#define ID_AA64PFR0_AMU(v)       ((unsigned)(((v) >> 44) & 0xf))
#define ID_AA64PFR1_SME(v)       ((unsigned)(((v) >> 24) & 0xf))
#define ID_AA64DFR0_BRPS(v)      ((unsigned)(((v) >> 12) & 0xf) + 1)
#define ID_AA64DFR0_WRPS(v)      ((unsigned)(((v) >> 20) & 0xf) + 1)

#ifndef __ASSEMBLY__
/* What this CPU implements, from its ID registers (EL2 reads them untrapped). */
static inline bool cpu_has_sve(void) { return ID_AA64PFR0_SVE(read_sysreg(id_aa64pfr0_el1)) != 0; }
static inline bool cpu_has_ras(void) { return ID_AA64PFR0_RAS(read_sysreg(id_aa64pfr0_el1)) != 0; }
static inline bool cpu_has_amu(void) { return ID_AA64PFR0_AMU(read_sysreg(id_aa64pfr0_el1)) != 0; }
static inline bool cpu_has_sme(void) { return ID_AA64PFR1_SME(read_sysreg(id_aa64pfr1_el1)) != 0; }
static inline bool cpu_has_fgt(void) { return ID_AA64MMFR0_FGT(read_sysreg(id_aa64mmfr0_el1)) != 0; }
static inline bool cpu_has_trf(void) { return ((read_sysreg(id_aa64dfr0_el1) >> 40) & 0xf) != 0; }
static inline bool cpu_has_hcx(void) { return ID_AA64MMFR1_HCX(read_sysreg(id_aa64mmfr1_el1)) != 0; }
static inline unsigned cpu_nr_brps(void) { return ID_AA64DFR0_BRPS(read_sysreg(id_aa64dfr0_el1)); }
static inline unsigned cpu_nr_wrps(void) { return ID_AA64DFR0_WRPS(read_sysreg(id_aa64dfr0_el1)); }

/*
 * CPACR_EL1.ZEN/SMEN as keel keeps them in the CPU: enabled, so that SVE and SME
 * accesses pass the guest's own EL1 trap (which the architecture checks first)
 * and reach CPTR_EL2.TZ/TSM, where keel answers UNDEFINED.
 */
static inline uint64_t cpacr_keel_bits(void)
{
	return (cpu_has_sve() ? CPACR_ZEN : 0) | (cpu_has_sme() ? CPACR_SMEN : 0);
}
#endif

/* MPIDR_EL1 */
#define MPIDR_AFF_MASK 0xff00ffffffULL

/* PAR_EL1 */
#define PAR_F        BIT(0)
#define PAR_PA_MASK  GENMASK(47, 12)

#endif
