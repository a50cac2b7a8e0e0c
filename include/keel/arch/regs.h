/*
 * Register state as keel keeps it: a vCPU's general registers (saved on every
 * exit by vectors.S; the layout is fixed by asm.h), its EL1 system registers
 * (saved only when the physical CPU switches to another vCPU), and the frame
 * of an exception keel itself took.
 */
#ifndef KEEL_ARCH_REGS_H
#define KEEL_ARCH_REGS_H

#include <keel/types.h>
#include <keel/arch/asm.h>
#include <keel/arch/sysreg.h>

struct vcpu_regs {
	uint64_t x[31];
	uint64_t elr;   /* guest PC */
	uint64_t spsr;  /* guest PSTATE */
};
_Static_assert(sizeof(struct vcpu_regs) == VCPU_REGS_SIZE, "vectors.S layout");

/*
 * EL1/EL0 system registers a guest owns. The breakpoint and watchpoint registers
 * and the OS lock are trapped (MDCR_EL2.TDA/TDOSA): these copies are the
 * authoritative values, written through to the CPU by sysreg_trap.c, so saving
 * does not read them back. TPIDR2_EL0 and SMPRI_EL1 (FEAT_SME) and VDISR_EL2
 * (what DISR_EL1 reaches with HCR_EL2.AMO set) cannot be trapped without
 * FEAT_FGT, so they are switched like any other register the guest writes.
 */
struct vcpu_sysregs {
	uint64_t sctlr_el1, actlr_el1, cpacr_el1;
	uint64_t ttbr0_el1, ttbr1_el1, tcr_el1, mair_el1, amair_el1;
	uint64_t vbar_el1, contextidr_el1;
	uint64_t tpidr_el0, tpidrro_el0, tpidr_el1;
	uint64_t sp_el0, sp_el1, elr_el1, spsr_el1;
	uint64_t esr_el1, far_el1, afsr0_el1, afsr1_el1, par_el1;
	uint64_t cntkctl_el1, cntv_ctl_el0, cntv_cval_el0, cntp_ctl_el0, cntp_cval_el0;
	uint64_t csselr_el1, mdscr_el1;
	uint64_t vmpidr_el2, vpidr_el2;
	uint64_t tpidr2_el0, smpri_el1, vdisr_el2;
	uint64_t oslsr_el1;
	uint64_t dbgbvr[DBG_MAX_BRPS], dbgbcr[DBG_MAX_BRPS];
	uint64_t dbgwvr[DBG_MAX_WRPS], dbgwcr[DBG_MAX_WRPS];
};

/* FP/SIMD registers (src/arch/aarch64/fpsimd.S fixes the layout). */
struct fpsimd_state {
	__uint128_t v[32];
	uint64_t fpsr, fpcr;
} __attribute__((aligned(16)));

void fpsimd_save(struct fpsimd_state *s);
void fpsimd_restore(const struct fpsimd_state *s);

struct el2_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr, spsr, esr, far;
};

/* Guest register read/write with the XZR convention (31 reads 0, writes vanish). */
static inline uint64_t vcpu_reg_get(const struct vcpu_regs *r, unsigned n)
{
	return n < 31 ? r->x[n] : 0;
}

static inline void vcpu_reg_set(struct vcpu_regs *r, unsigned n, uint64_t v)
{
	if (n < 31)
		r->x[n] = v;
}

/* Which breakpoint/watchpoint register of number n (sysregs_dbg_write). */
enum dbg_reg { DBG_BVR, DBG_BCR, DBG_WVR, DBG_WCR };

void sysregs_dbg_write(enum dbg_reg r, unsigned n, uint64_t val);
/*
 * Step over an instruction keel emulated. It completed, so a software step the
 * guest has active ends with it: SPSR.SS = 0 makes the guest take its step
 * exception right after, as the CPU would have (the trap had left SS = 1).
 */
static inline void vcpu_skip_insn(struct vcpu_regs *r, unsigned len)
{
	r->elr += len;
	r->spsr &= ~PSR_SS;
}

void sysregs_save(struct vcpu_sysregs *s);
void sysregs_restore(const struct vcpu_sysregs *s);
void sysregs_reset(struct vcpu_sysregs *s, uint64_t vmpidr);

#endif
