/*
 * Readable names for ESR_ELx exception classes and fault status codes, for
 * diagnostics (unhandled exits, guest fault reports, panics).
 */
#include <keel/esr.h>

#define ESR_EC_COUNT  64
#define ESR_FSC_COUNT 64

/* Indexed by EC; NULL for unallocated values. */
static const char *const esr_class_names[ESR_EC_COUNT] = {
	[ESR_EC_UNKNOWN]     = "unknown reason",
	[ESR_EC_WFX]         = "WFI/WFE",
	[ESR_EC_CP15_32]     = "MCR/MRC cp15 (AArch32)",
	[ESR_EC_CP15_64]     = "MCRR/MRRC cp15 (AArch32)",
	[ESR_EC_CP14_MR]     = "MCR/MRC cp14 (AArch32)",
	[ESR_EC_CP14_LS]     = "LDC/STC (AArch32)",
	[ESR_EC_FP_ASIMD]    = "FP/SIMD access",
	[ESR_EC_CP10_ID]     = "VMRS ID group (AArch32)",
	[ESR_EC_PAC]         = "pointer authentication instruction",
	[ESR_EC_LS64]        = "LD64B/ST64B",
	[ESR_EC_CP14_64]     = "MRRC cp14 (AArch32)",
	[ESR_EC_BTI]         = "branch target exception",
	[ESR_EC_ILL]         = "illegal execution state",
	[ESR_EC_SVC32]       = "SVC (AArch32)",
	[ESR_EC_HVC32]       = "HVC (AArch32)",
	[ESR_EC_SMC32]       = "SMC (AArch32)",
	[ESR_EC_SYS128]      = "MSRR/MRRS/SYSP",
	[ESR_EC_SVC64]       = "SVC (AArch64)",
	[ESR_EC_HVC64]       = "HVC (AArch64)",
	[ESR_EC_SMC64]       = "SMC (AArch64)",
	[ESR_EC_SYS64]       = "MSR/MRS/system instruction",
	[ESR_EC_SVE]         = "SVE access",
	[ESR_EC_ERET]        = "ERET",
	[ESR_EC_TSTART]      = "TSTART",
	[ESR_EC_FPAC]        = "PAC authentication failure",
	[ESR_EC_SME]         = "SME access",
	[ESR_EC_GPC]         = "granule protection check",
	[ESR_EC_IMP_DEF]     = "implementation defined",
	[ESR_EC_IABT_LOW]    = "instruction abort from a lower EL",
	[ESR_EC_IABT_CUR]    = "instruction abort from the same EL",
	[ESR_EC_PC_ALIGN]    = "PC alignment fault",
	[ESR_EC_DABT_LOW]    = "data abort from a lower EL",
	[ESR_EC_DABT_CUR]    = "data abort from the same EL",
	[ESR_EC_SP_ALIGN]    = "SP alignment fault",
	[ESR_EC_MOPS]        = "memory operation exception",
	[ESR_EC_FP_EXC32]    = "FP exception (AArch32)",
	[ESR_EC_FP_EXC64]    = "FP exception (AArch64)",
	[ESR_EC_GCS]         = "guarded control stack",
	[ESR_EC_SERROR]      = "SError",
	[ESR_EC_BREAKPT_LOW] = "breakpoint from a lower EL",
	[ESR_EC_BREAKPT_CUR] = "breakpoint from the same EL",
	[ESR_EC_SOFTSTP_LOW] = "software step from a lower EL",
	[ESR_EC_SOFTSTP_CUR] = "software step from the same EL",
	[ESR_EC_WATCHPT_LOW] = "watchpoint from a lower EL",
	[ESR_EC_WATCHPT_CUR] = "watchpoint from the same EL",
	[ESR_EC_BKPT32]      = "BKPT (AArch32)",
	[ESR_EC_VECTOR32]    = "vector catch (AArch32)",
	[ESR_EC_BRK64]       = "BRK (AArch64)",
	[ESR_EC_PMU]         = "PMU exception",
};

/*
 * Indexed by DFSC/IFSC; NULL for reserved values. Levels are spelled out so
 * a reader of a fault report does not have to decode the low bits.
 */
static const char *const esr_fault_names[ESR_FSC_COUNT] = {
	[ESR_FSC_ADDR_SIZE_L0 + 0] = "address size fault, level 0",
	[ESR_FSC_ADDR_SIZE_L0 + 1] = "address size fault, level 1",
	[ESR_FSC_ADDR_SIZE_L0 + 2] = "address size fault, level 2",
	[ESR_FSC_ADDR_SIZE_L0 + 3] = "address size fault, level 3",
	[ESR_FSC_TRANS_L0 + 0] = "translation fault, level 0",
	[ESR_FSC_TRANS_L0 + 1] = "translation fault, level 1",
	[ESR_FSC_TRANS_L0 + 2] = "translation fault, level 2",
	[ESR_FSC_TRANS_L0 + 3] = "translation fault, level 3",
	[ESR_FSC_ACCESS_L0 + 0] = "access flag fault, level 0",
	[ESR_FSC_ACCESS_L0 + 1] = "access flag fault, level 1",
	[ESR_FSC_ACCESS_L0 + 2] = "access flag fault, level 2",
	[ESR_FSC_ACCESS_L0 + 3] = "access flag fault, level 3",
	[ESR_FSC_PERM_L0 + 0] = "permission fault, level 0",
	[ESR_FSC_PERM_L0 + 1] = "permission fault, level 1",
	[ESR_FSC_PERM_L0 + 2] = "permission fault, level 2",
	[ESR_FSC_PERM_L0 + 3] = "permission fault, level 3",
	[ESR_FSC_EXT_ABORT] = "synchronous external abort",
	[ESR_FSC_TAG_CHECK] = "tag check fault",
	[ESR_FSC_EXT_ABORT_WALK_LM1] = "external abort on table walk, level -1",
	[ESR_FSC_EXT_ABORT_WALK_L0 + 0] = "external abort on table walk, level 0",
	[ESR_FSC_EXT_ABORT_WALK_L0 + 1] = "external abort on table walk, level 1",
	[ESR_FSC_EXT_ABORT_WALK_L0 + 2] = "external abort on table walk, level 2",
	[ESR_FSC_EXT_ABORT_WALK_L0 + 3] = "external abort on table walk, level 3",
	[ESR_FSC_ECC] = "parity/ECC error",
	[ESR_FSC_ECC_WALK_LM1] = "parity/ECC error on table walk, level -1",
	[ESR_FSC_ECC_WALK_L0 + 0] = "parity/ECC error on table walk, level 0",
	[ESR_FSC_ECC_WALK_L0 + 1] = "parity/ECC error on table walk, level 1",
	[ESR_FSC_ECC_WALK_L0 + 2] = "parity/ECC error on table walk, level 2",
	[ESR_FSC_ECC_WALK_L0 + 3] = "parity/ECC error on table walk, level 3",
	[ESR_FSC_ALIGNMENT] = "alignment fault",
	[ESR_FSC_GPF_WALK_LM1] = "granule protection fault on table walk, level -1",
	[ESR_FSC_GPF_WALK_L0 + 0] = "granule protection fault on table walk, level 0",
	[ESR_FSC_GPF_WALK_L0 + 1] = "granule protection fault on table walk, level 1",
	[ESR_FSC_GPF_WALK_L0 + 2] = "granule protection fault on table walk, level 2",
	[ESR_FSC_GPF_WALK_L0 + 3] = "granule protection fault on table walk, level 3",
	[ESR_FSC_GPF] = "granule protection fault",
	[ESR_FSC_ADDR_SIZE_LM1] = "address size fault, level -1",
	[ESR_FSC_TRANS_LM2] = "translation fault, level -2",
	[ESR_FSC_TRANS_LM1] = "translation fault, level -1",
	[ESR_FSC_ADDR_SIZE_LM2] = "address size fault, level -2",
	[ESR_FSC_TLB_CONFLICT] = "TLB conflict abort",
	[ESR_FSC_ATOMIC_HW_UPDATE] = "unsupported atomic hardware update",
	[ESR_FSC_LOCKDOWN] = "lockdown (implementation defined)",
	[ESR_FSC_EXCL_ATOMIC] = "unsupported exclusive or atomic access",
};

const char *esr_class_name(unsigned ec)
{
	if (ec >= ESR_EC_COUNT || !esr_class_names[ec])
		return "unknown EC";
	return esr_class_names[ec];
}

const char *esr_fault_name(unsigned fsc)
{
	if (fsc >= ESR_FSC_COUNT || !esr_fault_names[fsc])
		return "unknown fault";
	return esr_fault_names[fsc];
}
