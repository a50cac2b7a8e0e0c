/*
 * ESR_ELx: the Exception Syndrome Register as keel reads it from ESR_EL2.
 *
 * Field names follow the Arm ARM (DDI 0487, "ESR_EL2, Exception Syndrome
 * Register (EL2)" and the ISS encodings that go with each EC value).
 * Pure header plus a small table module (esr.c): no hardware access, so it
 * builds for host unit tests too.
 */
#ifndef KEEL_ESR_H
#define KEEL_ESR_H

#include <keel/types.h>

/* ---------------------------------------------------------------- layout */
#define ESR_EC_SHIFT    26
#define ESR_EC_WIDTH    6
#define ESR_IL          BIT(25)   /* 1: 32-bit instruction trapped */
#define ESR_ISS_MASK    GENMASK(24, 0)
#define ESR_ISS2_SHIFT  32        /* ISS2 [55:32], FEAT_LS64 and later */
#define ESR_ISS2_MASK   GENMASK(55, 32)

static inline unsigned esr_ec(uint64_t esr)
{
	return (unsigned)bits(esr, ESR_EC_SHIFT + ESR_EC_WIDTH - 1, ESR_EC_SHIFT);
}

static inline bool esr_il(uint64_t esr)
{
	return (esr & ESR_IL) != 0;
}

static inline uint32_t esr_iss(uint64_t esr)
{
	return (uint32_t)(esr & ESR_ISS_MASK);
}

/* ---------------------------------------------------------------- EC values */
#define ESR_EC_UNKNOWN     0x00  /* unknown reason (also UNDEFINED instructions) */
#define ESR_EC_WFX         0x01  /* trapped WFI/WFE/WFIT/WFET */
#define ESR_EC_CP15_32     0x03  /* AArch32 MCR/MRC, coproc 0b1111 */
#define ESR_EC_CP15_64     0x04  /* AArch32 MCRR/MRRC, coproc 0b1111 */
#define ESR_EC_CP14_MR     0x05  /* AArch32 MCR/MRC, coproc 0b1110 */
#define ESR_EC_CP14_LS     0x06  /* AArch32 LDC/STC */
#define ESR_EC_FP_ASIMD    0x07  /* SME/SVE/SIMD/FP access trapped by CPTR/CPACR */
#define ESR_EC_CP10_ID     0x08  /* AArch32 VMRS trapped by HCR_EL2.TID0 */
#define ESR_EC_PAC         0x09  /* pointer authentication instruction trapped */
#define ESR_EC_LS64        0x0a  /* LD64B/ST64B* trapped (FEAT_LS64) */
#define ESR_EC_CP14_64     0x0c  /* AArch32 MRRC, coproc 0b1110 */
#define ESR_EC_BTI         0x0d  /* Branch Target Exception (FEAT_BTI) */
#define ESR_EC_ILL         0x0e  /* Illegal Execution state */
#define ESR_EC_SVC32       0x11
#define ESR_EC_HVC32       0x12
#define ESR_EC_SMC32       0x13
#define ESR_EC_SYS128      0x14  /* MSRR/MRRS/SYSP (FEAT_SYSREG128) */
#define ESR_EC_SVC64       0x15
#define ESR_EC_HVC64       0x16
#define ESR_EC_SMC64       0x17
#define ESR_EC_SYS64       0x18  /* MSR/MRS/SYS trapped */
#define ESR_EC_SVE         0x19
#define ESR_EC_ERET        0x1a  /* ERET/ERETAA/ERETAB trapped (FEAT_NV) */
#define ESR_EC_TSTART      0x1b  /* FEAT_TME */
#define ESR_EC_FPAC        0x1c  /* PAC authentication failure (FEAT_FPAC) */
#define ESR_EC_SME         0x1d
#define ESR_EC_GPC         0x1e  /* Granule Protection Check (FEAT_RME), EL3 only */
#define ESR_EC_IMP_DEF     0x1f  /* IMPLEMENTATION DEFINED, EL3 only */
#define ESR_EC_IABT_LOW    0x20
#define ESR_EC_IABT_CUR    0x21
#define ESR_EC_PC_ALIGN    0x22
#define ESR_EC_DABT_LOW    0x24
#define ESR_EC_DABT_CUR    0x25
#define ESR_EC_SP_ALIGN    0x26
#define ESR_EC_MOPS        0x27  /* Memory Operation Exception (FEAT_MOPS) */
#define ESR_EC_FP_EXC32    0x28
#define ESR_EC_FP_EXC64    0x2c
#define ESR_EC_GCS         0x2d  /* Guarded Control Stack (FEAT_GCS) */
#define ESR_EC_SERROR      0x2f
#define ESR_EC_BREAKPT_LOW 0x30
#define ESR_EC_BREAKPT_CUR 0x31
#define ESR_EC_SOFTSTP_LOW 0x32
#define ESR_EC_SOFTSTP_CUR 0x33
#define ESR_EC_WATCHPT_LOW 0x34
#define ESR_EC_WATCHPT_CUR 0x35
#define ESR_EC_BKPT32      0x38
#define ESR_EC_VECTOR32    0x3a  /* AArch32 Vector Catch */
#define ESR_EC_BRK64       0x3c
#define ESR_EC_PMU         0x3d  /* PMU exception (FEAT_EBEP) */

/* ---------------------------------------------------------------- data/instruction abort ISS */
#define ESR_ISS_DABT_ISV          BIT(24)  /* bits [23:14] hold a valid syndrome */
#define ESR_ISS_DABT_SAS_SHIFT    22       /* access size: 1 << SAS bytes */
#define ESR_ISS_DABT_SAS_MASK     GENMASK(23, 22)
#define ESR_ISS_DABT_SSE          BIT(21)  /* load sign-extends */
#define ESR_ISS_DABT_SRT_SHIFT    16       /* transfer register, 31 = XZR/WZR */
#define ESR_ISS_DABT_SRT_MASK     GENMASK(20, 16)
#define ESR_ISS_DABT_SF           BIT(15)  /* transfer register is 64-bit */
#define ESR_ISS_DABT_AR           BIT(14)  /* acquire/release semantics */
#define ESR_ISS_DABT_VNCR         BIT(13)  /* fault came from the VNCR_EL2 page */
#define ESR_ISS_DABT_FnV          BIT(10)  /* FAR not valid */
#define ESR_ISS_DABT_EA           BIT(9)   /* external abort type */
#define ESR_ISS_DABT_CM           BIT(8)   /* cache maintenance/address translation */
#define ESR_ISS_DABT_S1PTW        BIT(7)   /* stage 2 fault on a stage 1 table walk */
#define ESR_ISS_DABT_WnR          BIT(6)   /* 1: write */
#define ESR_ISS_DABT_DFSC_MASK    GENMASK(5, 0)
#define ESR_ISS_IABT_IFSC_MASK    GENMASK(5, 0)

static inline unsigned esr_dabt_sas(uint64_t esr)
{
	return (unsigned)bits(esr, 23, ESR_ISS_DABT_SAS_SHIFT);
}

static inline unsigned esr_dabt_srt(uint64_t esr)
{
	return (unsigned)bits(esr, 20, ESR_ISS_DABT_SRT_SHIFT);
}

/* DFSC for data aborts, IFSC for instruction aborts: same code space. */
static inline unsigned esr_fsc(uint64_t esr)
{
	return (unsigned)(esr & ESR_ISS_DABT_DFSC_MASK);
}

/* ---------------------------------------------------------------- fault status codes (DFSC/IFSC) */
#define ESR_FSC_ADDR_SIZE_L0      0x00  /* ..0x03 for levels 0..3 */
#define ESR_FSC_TRANS_L0          0x04  /* ..0x07 */
#define ESR_FSC_ACCESS_L0         0x08  /* ..0x0b (level 0 only with FEAT_LPA2) */
#define ESR_FSC_PERM_L0           0x0c  /* ..0x0f (level 0 only with FEAT_LPA2) */
#define ESR_FSC_EXT_ABORT         0x10  /* synchronous external abort, not on a walk */
#define ESR_FSC_TAG_CHECK         0x11  /* synchronous Tag Check Fault (FEAT_MTE2) */
#define ESR_FSC_EXT_ABORT_WALK_LM1 0x13 /* ... on a table walk, level -1 */
#define ESR_FSC_EXT_ABORT_WALK_L0 0x14  /* ..0x17 */
#define ESR_FSC_ECC               0x18  /* parity/ECC error, not on a walk */
#define ESR_FSC_ECC_WALK_LM1      0x1b
#define ESR_FSC_ECC_WALK_L0       0x1c  /* ..0x1f */
#define ESR_FSC_ALIGNMENT         0x21
#define ESR_FSC_GPF_WALK_LM1      0x23  /* Granule Protection Fault on a walk (FEAT_RME) */
#define ESR_FSC_GPF_WALK_L0       0x24  /* ..0x27 */
#define ESR_FSC_GPF               0x28  /* GPF, not on a walk */
#define ESR_FSC_ADDR_SIZE_LM1     0x29  /* FEAT_LPA2 */
#define ESR_FSC_TRANS_LM2         0x2a  /* FEAT_D128 */
#define ESR_FSC_TRANS_LM1         0x2b  /* FEAT_LPA2 */
#define ESR_FSC_ADDR_SIZE_LM2     0x2c  /* FEAT_D128 */
#define ESR_FSC_TLB_CONFLICT      0x30
#define ESR_FSC_ATOMIC_HW_UPDATE  0x31  /* unsupported atomic hardware update */
#define ESR_FSC_LOCKDOWN          0x34  /* IMPLEMENTATION DEFINED */
#define ESR_FSC_EXCL_ATOMIC       0x35  /* IMPLEMENTATION DEFINED */

#define ESR_FSC_TYPE_MASK         0x3c  /* clears the level of the 4-level groups */

static inline bool esr_fsc_is_translation(unsigned fsc)
{
	return (fsc & ESR_FSC_TYPE_MASK) == ESR_FSC_TRANS_L0 ||
	       fsc == ESR_FSC_TRANS_LM1 || fsc == ESR_FSC_TRANS_LM2;
}

static inline bool esr_fsc_is_access_flag(unsigned fsc)
{
	return (fsc & ESR_FSC_TYPE_MASK) == ESR_FSC_ACCESS_L0;
}

static inline bool esr_fsc_is_permission(unsigned fsc)
{
	return (fsc & ESR_FSC_TYPE_MASK) == ESR_FSC_PERM_L0;
}

/* ---------------------------------------------------------------- MSR/MRS/SYS trap ISS (EC 0x18) */
#define ESR_ISS_SYS_OP0_SHIFT   20
#define ESR_ISS_SYS_OP0_MASK    GENMASK(21, 20)
#define ESR_ISS_SYS_OP2_SHIFT   17
#define ESR_ISS_SYS_OP2_MASK    GENMASK(19, 17)
#define ESR_ISS_SYS_OP1_SHIFT   14
#define ESR_ISS_SYS_OP1_MASK    GENMASK(16, 14)
#define ESR_ISS_SYS_CRN_SHIFT   10
#define ESR_ISS_SYS_CRN_MASK    GENMASK(13, 10)
#define ESR_ISS_SYS_RT_SHIFT    5
#define ESR_ISS_SYS_RT_MASK     GENMASK(9, 5)
#define ESR_ISS_SYS_CRM_SHIFT   1
#define ESR_ISS_SYS_CRM_MASK    GENMASK(4, 1)
#define ESR_ISS_SYS_DIRECTION   BIT(0)   /* 1: read (MRS, SYSL), 0: write (MSR, SYS) */

/* The register-identifying bits: everything but Rt and Direction. */
#define ESR_ISS_SYS_REG_MASK \
	(ESR_ISS_SYS_OP0_MASK | ESR_ISS_SYS_OP2_MASK | ESR_ISS_SYS_OP1_MASK | \
	 ESR_ISS_SYS_CRN_MASK | ESR_ISS_SYS_CRM_MASK)

/*
 * The ISS of a trapped access to system register (op0, op1, CRn, CRm, op2),
 * Rt and Direction zero; compare with esr_sysreg(esr).
 * Example: SYSREG_ISS(3, 0, 0, 4, 0) is ID_AA64PFR0_EL1.
 */
#define SYSREG_ISS(op0, op1, crn, crm, op2) \
	((uint32_t)(((uint64_t)(op0) << ESR_ISS_SYS_OP0_SHIFT) | \
		    ((uint64_t)(op1) << ESR_ISS_SYS_OP1_SHIFT) | \
		    ((uint64_t)(crn) << ESR_ISS_SYS_CRN_SHIFT) | \
		    ((uint64_t)(crm) << ESR_ISS_SYS_CRM_SHIFT) | \
		    ((uint64_t)(op2) << ESR_ISS_SYS_OP2_SHIFT)))

static inline uint32_t esr_sysreg(uint64_t esr)
{
	return (uint32_t)(esr & ESR_ISS_SYS_REG_MASK);
}

static inline unsigned esr_sys_rt(uint64_t esr)
{
	return (unsigned)bits(esr, 9, ESR_ISS_SYS_RT_SHIFT);
}

static inline bool esr_sys_is_read(uint64_t esr)
{
	return (esr & ESR_ISS_SYS_DIRECTION) != 0;
}

static inline unsigned esr_sys_op0(uint64_t esr) { return (unsigned)bits(esr, 21, 20); }
static inline unsigned esr_sys_op1(uint64_t esr) { return (unsigned)bits(esr, 16, 14); }
static inline unsigned esr_sys_crn(uint64_t esr) { return (unsigned)bits(esr, 13, 10); }
static inline unsigned esr_sys_crm(uint64_t esr) { return (unsigned)bits(esr, 4, 1); }
static inline unsigned esr_sys_op2(uint64_t esr) { return (unsigned)bits(esr, 19, 17); }

/* ---------------------------------------------------------------- WFx trap ISS (EC 0x01) */
#define ESR_ISS_WFX_TI_MASK     GENMASK(1, 0)
#define ESR_ISS_WFX_TI_WFI      0
#define ESR_ISS_WFX_TI_WFE      1
#define ESR_ISS_WFX_TI_WFIT     2   /* FEAT_WFxT */
#define ESR_ISS_WFX_TI_WFET     3   /* FEAT_WFxT */
#define ESR_ISS_WFX_RV          BIT(2)   /* WFxT: register field valid */
#define ESR_ISS_WFX_RN_SHIFT    5        /* WFxT: register holding the timeout */

static inline unsigned esr_wfx_ti(uint64_t esr)
{
	return (unsigned)(esr & ESR_ISS_WFX_TI_MASK);
}

/* ---------------------------------------------------------------- HVC/SVC/SMC/BRK ISS */
#define ESR_ISS_IMM16_MASK      GENMASK(15, 0)

static inline uint16_t esr_imm16(uint64_t esr)
{
	return (uint16_t)(esr & ESR_ISS_IMM16_MASK);
}

/* ---------------------------------------------------------------- names for diagnostics */

/* A short readable name of an exception class; "unknown EC" if unallocated. */
const char *esr_class_name(unsigned ec);

/* A short readable name of a DFSC/IFSC value; "unknown fault" if reserved. */
const char *esr_fault_name(unsigned fsc);

#endif
