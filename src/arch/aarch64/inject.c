/*
 * Exception injection: emulate the exception entry to EL1 that the hardware
 * would have performed, per the Arm ARM's AArch64.TakeException.
 */
#include <keel/arch/inject.h>
#include <keel/arch/sysreg.h>
#include <keel/esr.h>
#include <keel/vm.h>

#define VECTOR_CURRENT_SP0  0x000
#define VECTOR_CURRENT_SPX  0x200
#define VECTOR_LOWER_A64    0x400
#define VECTOR_LOWER_A32    0x600
#define PSR_PAN             BIT(22)
#define PSR_SSBS            BIT(12)
#define SCTLR_EL1_SPAN      BIT(23)
#define SCTLR_EL1_DSSBS     BIT(44)
#define FSC_SYNC_EXT_ABORT  0x10

static bool from_lower_el(uint64_t spsr)
{
	return (spsr & PSR_AA32) || (spsr & PSR_MODE_MASK) == PSR_MODE_EL0t;
}

static uint64_t vector_offset(uint64_t spsr)
{
	if (spsr & PSR_AA32)
		return VECTOR_LOWER_A32;
	switch (spsr & PSR_MODE_MASK) {
	case PSR_MODE_EL0t:
		return VECTOR_LOWER_A64;
	case PSR_MODE_EL1t:
		return VECTOR_CURRENT_SP0;
	default:
		return VECTOR_CURRENT_SPX;
	}
}

static void inject_sync(struct vcpu *v, uint64_t esr, uint64_t far)
{
	struct vcpu_regs *r = &v->regs;
	uint64_t sctlr = read_sysreg(sctlr_el1);
	uint64_t spsr = PSR_MODE_EL1h | PSR_DAIF;

	if (sctlr & SCTLR_EL1_SPAN)
		spsr |= r->spsr & PSR_PAN;
	else
		spsr |= PSR_PAN;
	if (sctlr & SCTLR_EL1_DSSBS)
		spsr |= PSR_SSBS;

	write_sysreg(esr_el1, esr);
	write_sysreg(far_el1, far);
	write_sysreg(elr_el1, r->elr);
	write_sysreg(spsr_el1, r->spsr);
	r->elr = read_sysreg(vbar_el1) + vector_offset(r->spsr);
	r->spsr = spsr;
	v->stats.aborts_injected++;
}

void inject_undef(struct vcpu *v)
{
	inject_sync(v, (uint64_t)ESR_EC_UNKNOWN << ESR_EC_SHIFT | ESR_IL, read_sysreg(far_el1));
}

void inject_dabt(struct vcpu *v, uint64_t far)
{
	unsigned ec = from_lower_el(v->regs.spsr) ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR;

	inject_sync(v, (uint64_t)ec << ESR_EC_SHIFT | ESR_IL | FSC_SYNC_EXT_ABORT, far);
}

void inject_dabt_status(struct vcpu *v, uint64_t far, unsigned fsc, bool write)
{
	unsigned ec = from_lower_el(v->regs.spsr) ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR;

	inject_sync(v, (uint64_t)ec << ESR_EC_SHIFT | ESR_IL | (write ? ESR_ISS_DABT_WnR : 0) |
		    (fsc & ESR_ISS_DABT_DFSC_MASK), far);
}

void inject_iabt(struct vcpu *v, uint64_t far)
{
	unsigned ec = from_lower_el(v->regs.spsr) ? ESR_EC_IABT_LOW : ESR_EC_IABT_CUR;

	inject_sync(v, (uint64_t)ec << ESR_EC_SHIFT | ESR_IL | FSC_SYNC_EXT_ABORT, far);
}
