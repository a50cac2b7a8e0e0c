/*
 * Save and restore of the EL1 system registers a guest owns. Called only when
 * a physical CPU changes the vCPU it runs, never on an ordinary exit.
 *
 * Every register a guest can write is either trapped by keel or switched here
 * and given its reset value by sysregs_reset(): nothing a guest writes reaches
 * the next vCPU on this CPU or the next run of its VM.
 */
#include <keel/arch/regs.h>
#include <keel/arch/sysreg.h>
#include <string.h>

/* MSR needs the register number in the instruction: one case per number. */
#define DBG_WRITE_CASES(prefix, val) \
	case 0: write_sysreg(prefix##0_el1, val); break;   case 1: write_sysreg(prefix##1_el1, val); break; \
	case 2: write_sysreg(prefix##2_el1, val); break;   case 3: write_sysreg(prefix##3_el1, val); break; \
	case 4: write_sysreg(prefix##4_el1, val); break;   case 5: write_sysreg(prefix##5_el1, val); break; \
	case 6: write_sysreg(prefix##6_el1, val); break;   case 7: write_sysreg(prefix##7_el1, val); break; \
	case 8: write_sysreg(prefix##8_el1, val); break;   case 9: write_sysreg(prefix##9_el1, val); break; \
	case 10: write_sysreg(prefix##10_el1, val); break; case 11: write_sysreg(prefix##11_el1, val); break; \
	case 12: write_sysreg(prefix##12_el1, val); break; case 13: write_sysreg(prefix##13_el1, val); break; \
	case 14: write_sysreg(prefix##14_el1, val); break; case 15: write_sysreg(prefix##15_el1, val); break; \
	default: break

/* Write breakpoint/watchpoint register r number n (n < the CPU's count, or nothing happens). */
void sysregs_dbg_write(enum dbg_reg r, unsigned n, uint64_t val)
{
	switch (r) {
	case DBG_BVR:
		switch (n) { DBG_WRITE_CASES(dbgbvr, val); }
		break;
	case DBG_BCR:
		switch (n) { DBG_WRITE_CASES(dbgbcr, val); }
		break;
	case DBG_WVR:
		switch (n) { DBG_WRITE_CASES(dbgwvr, val); }
		break;
	case DBG_WCR:
		switch (n) { DBG_WRITE_CASES(dbgwcr, val); }
		break;
	}
}

static void sysregs_restore_debug(const struct vcpu_sysregs *s)
{
	unsigned brps = cpu_nr_brps(), wrps = cpu_nr_wrps();

	for (unsigned n = 0; n < brps && n < DBG_MAX_BRPS; n++) {
		sysregs_dbg_write(DBG_BCR, n, s->dbgbcr[n]);
		sysregs_dbg_write(DBG_BVR, n, s->dbgbvr[n]);
	}
	for (unsigned n = 0; n < wrps && n < DBG_MAX_WRPS; n++) {
		sysregs_dbg_write(DBG_WCR, n, s->dbgwcr[n]);
		sysregs_dbg_write(DBG_WVR, n, s->dbgwvr[n]);
	}
	write_sysreg(oslar_el1, (s->oslsr_el1 & OSLSR_OSLK) ? OSLAR_OSLK : 0);
}

void sysregs_save(struct vcpu_sysregs *s)
{
	s->sctlr_el1 = read_sysreg(sctlr_el1);
	s->actlr_el1 = read_sysreg(actlr_el1);
	s->cpacr_el1 = read_sysreg(cpacr_el1);
	s->ttbr0_el1 = read_sysreg(ttbr0_el1);
	s->ttbr1_el1 = read_sysreg(ttbr1_el1);
	s->tcr_el1 = read_sysreg(tcr_el1);
	s->mair_el1 = read_sysreg(mair_el1);
	s->amair_el1 = read_sysreg(amair_el1);
	s->vbar_el1 = read_sysreg(vbar_el1);
	s->contextidr_el1 = read_sysreg(contextidr_el1);
	s->tpidr_el0 = read_sysreg(tpidr_el0);
	s->tpidrro_el0 = read_sysreg(tpidrro_el0);
	s->tpidr_el1 = read_sysreg(tpidr_el1);
	s->sp_el0 = read_sysreg(sp_el0);
	s->sp_el1 = read_sysreg(sp_el1);
	s->elr_el1 = read_sysreg(elr_el1);
	s->spsr_el1 = read_sysreg(spsr_el1);
	s->esr_el1 = read_sysreg(esr_el1);
	s->far_el1 = read_sysreg(far_el1);
	s->afsr0_el1 = read_sysreg(afsr0_el1);
	s->afsr1_el1 = read_sysreg(afsr1_el1);
	s->par_el1 = read_sysreg(par_el1);
	s->cntkctl_el1 = read_sysreg(cntkctl_el1);
	s->cntv_ctl_el0 = read_sysreg(cntv_ctl_el0);
	s->cntv_cval_el0 = read_sysreg(cntv_cval_el0);
	s->cntp_ctl_el0 = read_sysreg(cntp_ctl_el0);
	s->cntp_cval_el0 = read_sysreg(cntp_cval_el0);
	s->csselr_el1 = read_sysreg(csselr_el1);
	s->mdscr_el1 = read_sysreg(mdscr_el1);
	s->vmpidr_el2 = read_sysreg(vmpidr_el2);
	s->vpidr_el2 = read_sysreg(vpidr_el2);
	if (cpu_has_sme()) {
		s->tpidr2_el0 = read_sysreg_s(TPIDR2_EL0);
		s->smpri_el1 = read_sysreg_s(SMPRI_EL1);
	}
	if (cpu_has_ras())
		s->vdisr_el2 = read_sysreg_s(VDISR_EL2);
}

void sysregs_restore(const struct vcpu_sysregs *s)
{
	write_sysreg(sctlr_el1, s->sctlr_el1);
	write_sysreg(actlr_el1, s->actlr_el1);
	write_sysreg(cpacr_el1, s->cpacr_el1);
	write_sysreg(ttbr0_el1, s->ttbr0_el1);
	write_sysreg(ttbr1_el1, s->ttbr1_el1);
	write_sysreg(tcr_el1, s->tcr_el1);
	write_sysreg(mair_el1, s->mair_el1);
	write_sysreg(amair_el1, s->amair_el1);
	write_sysreg(vbar_el1, s->vbar_el1);
	write_sysreg(contextidr_el1, s->contextidr_el1);
	write_sysreg(tpidr_el0, s->tpidr_el0);
	write_sysreg(tpidrro_el0, s->tpidrro_el0);
	write_sysreg(tpidr_el1, s->tpidr_el1);
	write_sysreg(sp_el0, s->sp_el0);
	write_sysreg(sp_el1, s->sp_el1);
	write_sysreg(elr_el1, s->elr_el1);
	write_sysreg(spsr_el1, s->spsr_el1);
	write_sysreg(esr_el1, s->esr_el1);
	write_sysreg(far_el1, s->far_el1);
	write_sysreg(afsr0_el1, s->afsr0_el1);
	write_sysreg(afsr1_el1, s->afsr1_el1);
	write_sysreg(par_el1, s->par_el1);
	write_sysreg(cntkctl_el1, s->cntkctl_el1);
	write_sysreg(cntv_cval_el0, s->cntv_cval_el0);
	write_sysreg(cntv_ctl_el0, s->cntv_ctl_el0);
	write_sysreg(cntp_cval_el0, s->cntp_cval_el0);
	write_sysreg(cntp_ctl_el0, s->cntp_ctl_el0);
	write_sysreg(csselr_el1, s->csselr_el1);
	write_sysreg(mdscr_el1, s->mdscr_el1);
	write_sysreg(vmpidr_el2, s->vmpidr_el2);
	write_sysreg(vpidr_el2, s->vpidr_el2);
	if (cpu_has_sme()) {
		write_sysreg_s(TPIDR2_EL0, s->tpidr2_el0);
		write_sysreg_s(SMPRI_EL1, s->smpri_el1);
	}
	if (cpu_has_ras())
		write_sysreg_s(VDISR_EL2, s->vdisr_el2);
	sysregs_restore_debug(s);
	isb();
}

/*
 * Architectural reset state for a vCPU entering at EL1 with the MMU off: the OS
 * lock set (as after a cold reset; the guest clears it with OSLAR_EL1, as Linux
 * does), every breakpoint, watchpoint and SME/RAS register zero.
 */
void sysregs_reset(struct vcpu_sysregs *s, uint64_t vmpidr)
{
	memset(s, 0, sizeof(*s));
	s->sctlr_el1 = SCTLR_EL1_RES1;
	s->cpacr_el1 = cpacr_keel_bits();
	s->oslsr_el1 = OSLSR_OSLM_IMPLEMENTED | OSLSR_OSLK;
	s->vmpidr_el2 = vmpidr;
	s->vpidr_el2 = read_sysreg(midr_el1);
}
