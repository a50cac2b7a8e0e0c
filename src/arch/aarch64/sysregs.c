/*
 * Save and restore of the EL1 system registers a guest owns. Called only when
 * a physical CPU changes the vCPU it runs, never on an ordinary exit.
 */
#include <keel/arch/regs.h>
#include <keel/arch/sysreg.h>
#include <string.h>

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
	isb();
}

/* Architectural reset state for a vCPU entering at EL1 with the MMU off. */
void sysregs_reset(struct vcpu_sysregs *s, uint64_t vmpidr)
{
	memset(s, 0, sizeof(*s));
	s->sctlr_el1 = SCTLR_EL1_RES1;
	s->vmpidr_el2 = vmpidr;
	s->vpidr_el2 = read_sysreg(midr_el1);
}
