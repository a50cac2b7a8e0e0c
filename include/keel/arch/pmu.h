/*
 * PMUv3 per vCPU (src/arch/aarch64/pmu.c, docs/architecture.md "PMU").
 *
 * Owns: the guest's PMU registers while its vCPU is not loaded (struct
 * pmu_state), and the PMU's overflow PPI.
 * Invariants: while a vCPU is loaded the CPU's PMU holds its registers (except
 * PMSELR_EL0, kept here: every PMU access traps, so the CPU's is keel's
 * scratch); while none is, every counter, interrupt enable and overflow flag of
 * the CPU is clear. line is the level keel gave the PPI in the vCPU's vGIC: it
 * equals the vCPU's overflow interrupt output, except between an overflow and
 * keel taking its physical PPI. fwd: the physical PPI is active (taken, not yet
 * deactivated); only while loaded.
 */
#ifndef KEEL_ARCH_PMU_H
#define KEEL_ARCH_PMU_H

#include <keel/types.h>

#define PMU_MAX_COUNTERS 31   /* PMEVCNTR0..30; 31 is the cycle counter's index */
#define PMU_CYCLE_IDX    31

struct pmu_state {
	uint64_t pmcr;                /* the guest's PMCR_EL0 writable bits (its view) */
	uint64_t selr, userenr, cntenset, intenset, ovsset;
	uint64_t ccntr, ccfiltr;
	uint64_t evcntr[PMU_MAX_COUNTERS], evtyper[PMU_MAX_COUNTERS];
	bool line, fwd;
};

struct vcpu;

/* Boot: the PMU's overflow PPI from the boot device tree (0: none). */
void pmu_init(unsigned intid);
/* The PPI, 0 if none: irq.c enables it on every CPU and hands it to pmu_irq_forward. */
unsigned pmu_irq_intid(void);
/* MDCR_EL2's PMU fields: HPMN (every counter the guest's), HPMD/HCCD, TPM, TPMCR. */
uint64_t pmu_mdcr_bits(void);
/* ID_AA64DFR0_EL1.PMUVer as a guest sees it (the CPU's, capped at PMUv3p4). */
uint64_t pmu_id_dfr0_pmuver(uint64_t dfr0);

/* Architected reset state (PMCR_EL0.E = 0, everything else zero). VM lock held. */
void pmu_reset(struct vcpu *v);
/* One call each way, with the vCPU (vcpu_load, vcpu_put). */
void pmu_load(struct vcpu *v);
void pmu_put(struct vcpu *v);

/* pmu_is_sysreg(esr): arch/pmu_fields.h */
/* Emulate it for loaded vCPU v. False if the access is UNDEFINED. */
bool pmu_sysreg_access(struct vcpu *v, uint64_t esr, bool read, uint64_t *val);

/* The PMU PPI was taken at EL2: true if it went to the loaded vCPU (left active). */
bool pmu_irq_forward(void);

#endif
