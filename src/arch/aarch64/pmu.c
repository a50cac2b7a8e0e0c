/*
 * PMUv3 virtualised per vCPU: a guest's counters count only its own work.
 *
 * - Every PMU register access traps (MDCR_EL2.TPM, TPMCR) and is emulated here
 *   on the CPU's PMU, which holds the loaded vCPU's registers: the counters run
 *   in hardware at full speed, and the few values a guest must not control are
 *   forced on the way in (PMCR_EL0.DP, the event filters' EL2/EL3/other-thread
 *   bits). Trapping costs an exit per access, but perf touches the PMU only to
 *   program, start, stop and read events, and it lets keel see every write that
 *   can withdraw the overflow interrupt, so that interrupt needs no check on the
 *   exit path.
 * - EL2 is never counted: MDCR_EL2.HPMD (FEAT_PMUv3p1) and, with DP forced on,
 *   the cycle counter too (HCCD where FEAT_PMUv3p5 has it); on any PMUv3, each
 *   filter's NSH bit is kept clear, so EL2 is not counted even without HPMD.
 * - MDCR_EL2.HPMN = PMCR_EL0.N: every counter is the guest's, keel keeps none.
 * - Switched with the vCPU (pmu_load/pmu_put): stopped and cleared while no
 *   vCPU is loaded, so a count never runs on into another vCPU or keel's idle.
 * - Overflow: the CPU's PMU PPI comes to EL2 (HCR_EL2.IMO). keel raises the
 *   vCPU's virtual PPI (level) and leaves the physical one active, so it does
 *   not fire again; when a trapped write drops the output (PMOVSCLR, PMINTENCLR,
 *   PMCR.E) keel lowers the virtual level and deactivates the physical PPI, which
 *   fires again if another counter overflows.
 */
#include <keel/arch/pmu.h>
#include <keel/arch/pmu_fields.h>
#include <keel/arch/sysreg.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/esr.h>
#include <keel/vm.h>
#include <string.h>

/* MDCR_EL2 fields keel sets for the PMU. */
#define MDCR_HPMD    BIT(17)
#define MDCR_HCCD    BIT(23)

/* ID_AA64DFR0_EL1.PMUVer */
#define DFR0_PMUVER_SHIFT 8
#define DFR0_PMUVER_MASK  (0xfULL << DFR0_PMUVER_SHIFT)
#define PMUVER_NONE   0x0
#define PMUVER_V3P1   0x4
#define PMUVER_V3P4   0x5   /* the most keel shows: its registers are all handled here */
#define PMUVER_V3P5   0x6
#define PMUVER_IMPDEF 0xf

static unsigned pmu_intid;

static struct pmu_state *pmu_of(struct vcpu *v)
{
	return &v->vm->pmu[v->index];   /* index < nr_vcpus <= KEEL_MAX_VCPUS: set by keel */
}

void pmu_init(unsigned intid)
{
	pmu_intid = intid;
}

unsigned pmu_irq_intid(void)
{
	return pmu_intid;
}

static unsigned pmu_hw_version(void)
{
	unsigned ver = (unsigned)((read_sysreg(id_aa64dfr0_el1) & DFR0_PMUVER_MASK) >> DFR0_PMUVER_SHIFT);

	return ver == PMUVER_IMPDEF ? PMUVER_NONE : ver;
}

static bool pmu_present(void)
{
	return pmu_hw_version() != PMUVER_NONE;
}

/* Event counters the CPU has (PMCR_EL0.N as EL2 reads it): all the guest's. */
static unsigned pmu_nr_counters(void)
{
	return pmu_present() ? (unsigned)((read_sysreg(pmcr_el0) & PMCR_N_MASK) >> PMCR_N_SHIFT) : 0;
}

/* Bits of PMCNTEN/PMINTEN/PMOVS the guest has: its event counters and the cycle counter. */
static uint64_t pmu_counter_mask(void)
{
	return GENMASK(pmu_nr_counters(), 0) >> 1 | BIT(PMU_CYCLE_IDX);
}

uint64_t pmu_mdcr_bits(void)
{
	unsigned ver = pmu_hw_version();
	uint64_t bits = MDCR_TPM | MDCR_TPMCR;

	if (ver == PMUVER_NONE)
		return bits;
	bits |= pmu_nr_counters() & MDCR_HPMN_MASK;
	if (ver >= PMUVER_V3P1)
		bits |= MDCR_HPMD;
	if (ver >= PMUVER_V3P5)
		bits |= MDCR_HCCD;
	return bits;
}

uint64_t pmu_id_dfr0_pmuver(uint64_t dfr0)
{
	unsigned ver = pmu_hw_version();

	return (dfr0 & ~DFR0_PMUVER_MASK) | (uint64_t)MIN(ver, PMUVER_V3P4) << DFR0_PMUVER_SHIFT;
}

/* The vCPU's overflow interrupt output (PMCR.E and an enabled overflow flag). */
static bool pmu_output(void)
{
	return (read_sysreg(pmcr_el0) & PMCR_E) &&
	       (read_sysreg(pmovsset_el0) & read_sysreg(pmintenset_el1) & pmu_counter_mask());
}

/* After a write that may drop the output: lower the vGIC line, free the physical PPI. */
static void pmu_resample(struct vcpu *v)
{
	struct pmu_state *s = pmu_of(v);

	if (!pmu_intid || pmu_output())
		return;
	if (s->line) {
		s->line = false;
		vm_irq_set_level(v->vm, v->index, pmu_intid, false);
	}
	if (s->fwd) {
		s->fwd = false;
		gicv3_clear_active_private(this_cpu()->gicr_base, pmu_intid);
	}
}

bool pmu_irq_forward(void)
{
	struct vcpu *v = this_cpu()->vcpu;
	struct pmu_state *s;

	if (!v)
		return false;   /* nothing counts while no vCPU is loaded: stale, deactivate */
	s = pmu_of(v);
	s->fwd = true;
	if (!s->line) {
		s->line = true;
		vm_irq_set_level(v->vm, v->index, pmu_intid, true);
	}
	return true;
}

void pmu_reset(struct vcpu *v)
{
	struct pmu_state *s = pmu_of(v);
	uint32_t kick = 0;

	/* The vCPU is off (not loaded): only its vGIC line may still be up. It is
	 * off, so no kick; a valid PPI cannot fail (pmu_intid is checked at boot). */
	if (s->line && pmu_intid && vgic_set_level(&v->vm->vgic, v->index, pmu_intid, false, &kick))
		kick = 0;
	memset(s, 0, sizeof(*s));
}

/* Event counter n (< N) through the CPU's PMSELR_EL0, keel's scratch. */
static void pmu_select(unsigned n)
{
	write_sysreg(pmselr_el0, n);
	isb();
}

void pmu_put(struct vcpu *v)
{
	struct pmu_state *s = pmu_of(v);
	unsigned n = pmu_nr_counters();
	uint64_t mask = pmu_counter_mask();

	if (!pmu_present())
		return;
	write_sysreg(pmcr_el0, PMCR_DP);   /* stop: E = 0 */
	isb();
	s->cntenset = read_sysreg(pmcntenset_el0) & mask;
	s->intenset = read_sysreg(pmintenset_el1) & mask;
	s->ovsset = read_sysreg(pmovsset_el0) & mask;
	s->ccntr = read_sysreg(pmccntr_el0);
	s->ccfiltr = read_sysreg(pmccfiltr_el0);
	s->userenr = read_sysreg(pmuserenr_el0) & PMUSERENR_MASK;
	for (unsigned i = 0; i < n && i < PMU_MAX_COUNTERS; i++) {
		pmu_select(i);
		s->evtyper[i] = read_sysreg(pmxevtyper_el0);
		s->evcntr[i] = read_sysreg(pmxevcntr_el0);
	}
	/* Nothing of this vCPU's stays in the CPU: no count, no interrupt, no EL0 access. */
	write_sysreg(pmcntenclr_el0, mask);
	write_sysreg(pmintenclr_el1, mask);
	write_sysreg(pmovsclr_el0, mask);
	write_sysreg(pmuserenr_el0, 0);
	isb();
	if (s->fwd) {
		s->fwd = false;
		gicv3_clear_active_private(this_cpu()->gicr_base, pmu_intid);
	}
}

void pmu_load(struct vcpu *v)
{
	const struct pmu_state *s = pmu_of(v);
	unsigned n = pmu_nr_counters();
	uint64_t mask = pmu_counter_mask();

	if (!pmu_present())
		return;
	write_sysreg(pmcr_el0, PMCR_DP);
	for (unsigned i = 0; i < n && i < PMU_MAX_COUNTERS; i++) {
		pmu_select(i);
		write_sysreg(pmxevtyper_el0, pmu_filter_hw(s->evtyper[i], false));
		write_sysreg(pmxevcntr_el0, s->evcntr[i]);
	}
	write_sysreg(pmccfiltr_el0, pmu_filter_hw(s->ccfiltr, true));
	write_sysreg(pmccntr_el0, s->ccntr);
	write_sysreg(pmovsset_el0, s->ovsset & mask);
	write_sysreg(pmintenset_el1, s->intenset & mask);
	write_sysreg(pmcntenset_el0, s->cntenset & mask);
	write_sysreg(pmuserenr_el0, s->userenr);
	isb();
	write_sysreg(pmcr_el0, pmu_pmcr_hw(s->pmcr));   /* last: counting starts */
	isb();
}

/* Event counter n's type (or n = 31: the cycle filter). False if the guest has no such counter. */
static bool pmu_typer_access(unsigned n, bool read, uint64_t *val)
{
	if (n == PMU_CYCLE_IDX) {
		if (read)
			*val = pmu_filter_guest(read_sysreg(pmccfiltr_el0), true);
		else
			write_sysreg(pmccfiltr_el0, pmu_filter_hw(*val, true));
		return true;
	}
	if (n >= pmu_nr_counters())
		return false;
	pmu_select(n);
	if (read)
		*val = pmu_filter_guest(read_sysreg(pmxevtyper_el0), false);
	else
		write_sysreg(pmxevtyper_el0, pmu_filter_hw(*val, false));
	return true;
}

static bool pmu_cntr_access(unsigned n, bool read, uint64_t *val)
{
	if (n >= pmu_nr_counters())
		return false;
	pmu_select(n);
	if (read)
		*val = read_sysreg(pmxevcntr_el0);
	else
		write_sysreg(pmxevcntr_el0, *val);
	return true;
}

/* A set/clear register pair (PMCNTEN, PMINTEN, PMOVS): value masked to the guest's counters. */
#define PMU_SETCLR(setreg, clrreg, is_clear)                                   \
	do {                                                                   \
		if (read)                                                      \
			*val = read_sysreg(setreg) & mask;                     \
		else if (is_clear)                                             \
			write_sysreg(clrreg, *val & mask);                     \
		else                                                           \
			write_sysreg(setreg, *val & mask);                     \
	} while (0)

/* CRn = 9 registers. */
static bool pmu_crn9_access(struct vcpu *v, unsigned op1, unsigned crm, unsigned op2, bool read,
			    uint64_t *val)
{
	struct pmu_state *s = pmu_of(v);
	uint64_t mask = pmu_counter_mask();

	switch (op1 << 8 | crm << 4 | op2) {
	case 0x3c0:   /* PMCR_EL0 */
		if (read) {
			*val = (read_sysreg(pmcr_el0) & PMCR_RO) | s->pmcr |
			       (uint64_t)pmu_nr_counters() << PMCR_N_SHIFT;
		} else {
			s->pmcr = *val & PMCR_GUEST;
			write_sysreg(pmcr_el0, pmu_pmcr_hw(*val));
		}
		break;
	case 0x3c1: PMU_SETCLR(pmcntenset_el0, pmcntenclr_el0, false); break;
	case 0x3c2: PMU_SETCLR(pmcntenset_el0, pmcntenclr_el0, true); break;
	case 0x3c3: PMU_SETCLR(pmovsset_el0, pmovsclr_el0, true); break;
	case 0x3e3: PMU_SETCLR(pmovsset_el0, pmovsclr_el0, false); break;
	case 0x0e1: PMU_SETCLR(pmintenset_el1, pmintenclr_el1, false); break;
	case 0x0e2: PMU_SETCLR(pmintenset_el1, pmintenclr_el1, true); break;
	case 0x3c4:   /* PMSWINC_EL0: write-only, event counters only */
		if (read)
			return false;
		write_sysreg(pmswinc_el0, *val & mask & ~BIT(PMU_CYCLE_IDX));
		break;
	case 0x3c5:   /* PMSELR_EL0: the vCPU's copy only (the CPU's is keel's scratch) */
		if (read)
			*val = s->selr;
		else
			s->selr = *val & 0x1f;
		break;
	case 0x3c6:   /* PMCEID0_EL0 */
		if (!read)
			return false;
		*val = read_sysreg(pmceid0_el0);
		break;
	case 0x3c7:   /* PMCEID1_EL0 */
		if (!read)
			return false;
		*val = read_sysreg(pmceid1_el0);
		break;
	case 0x3d0:   /* PMCCNTR_EL0 */
		if (read)
			*val = read_sysreg(pmccntr_el0);
		else
			write_sysreg(pmccntr_el0, *val);
		break;
	case 0x3d1:   /* PMXEVTYPER_EL0 */
		return pmu_typer_access((unsigned)s->selr, read, val);
	case 0x3d2:   /* PMXEVCNTR_EL0 (PMSELR = 31 selects no counter: UNDEFINED) */
		return pmu_cntr_access((unsigned)s->selr, read, val);
	case 0x3e0:   /* PMUSERENR_EL0 */
		if (read)
			*val = read_sysreg(pmuserenr_el0) & PMUSERENR_MASK;
		else
			write_sysreg(pmuserenr_el0, *val & PMUSERENR_MASK);
		break;
	case 0x0e6:   /* PMMIR_EL1 (FEAT_PMUv3p4) */
		if (!read || pmu_hw_version() < PMUVER_V3P4)
			return false;
		*val = read_sysreg_s(S3_0_C9_C14_6);
		break;
	default:
		return false;
	}
	return true;
}

bool pmu_sysreg_access(struct vcpu *v, uint64_t esr, bool read, uint64_t *val)
{
	unsigned op1 = esr_sys_op1(esr), crn = esr_sys_crn(esr), crm = esr_sys_crm(esr);
	unsigned op2 = esr_sys_op2(esr);
	bool ok;

	if (!pmu_present())
		return false;
	if (crn == 14) {
		unsigned n = (crm & 3) << 3 | op2;   /* PMEVCNTR/PMEVTYPER<n>: n = CRm[1:0]:op2 */

		ok = crm >= 12 ? pmu_typer_access(n, read, val) : pmu_cntr_access(n, read, val);
	} else {
		ok = pmu_crn9_access(v, op1, crm, op2, read, val);
	}
	if (ok && !read) {
		isb();
		pmu_resample(v);
	}
	return ok;
}
