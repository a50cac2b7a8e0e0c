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
#define PSR_DAIF      (PSR_D | PSR_A | PSR_I | PSR_F)

/* ID_AA64MMFR0_EL1 / MMFR1 fields */
#define ID_AA64MMFR0_PARANGE(v)  ((unsigned)((v) & 0xf))
#define ID_AA64MMFR1_VMIDBITS(v) ((unsigned)(((v) >> 4) & 0xf))

/* MPIDR_EL1 */
#define MPIDR_AFF_MASK 0xff00ffffffULL

/* PAR_EL1 */
#define PAR_F        BIT(0)
#define PAR_PA_MASK  GENMASK(47, 12)

#endif
