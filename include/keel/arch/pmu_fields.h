/*
 * PMUv3 register fields and the pure rules pmu.c applies to what a guest writes
 * (host-tested: tests/unit/test_pmu.c). Field names follow the Arm ARM.
 */
#ifndef KEEL_ARCH_PMU_FIELDS_H
#define KEEL_ARCH_PMU_FIELDS_H

#include <keel/types.h>
#include <keel/esr.h>

/* PMCR_EL0 fields (Arm ARM names). */
#define PMCR_E       BIT(0)
#define PMCR_P       BIT(1)   /* write 1: reset the event counters */
#define PMCR_C       BIT(2)   /* write 1: reset the cycle counter */
#define PMCR_D       BIT(3)
#define PMCR_DP      BIT(5)   /* cycle counter disabled where event counting is prohibited */
#define PMCR_LC      BIT(6)
#define PMCR_N_SHIFT 11
#define PMCR_N_MASK  (0x1fULL << PMCR_N_SHIFT)
#define PMCR_RO      (GENMASK(31, 16) /* IMP, IDCODE */)
#define PMCR_GUEST   (PMCR_E | PMCR_D | PMCR_DP | PMCR_LC)   /* what the guest's view keeps */

/* PMEVTYPER<n>_EL0 / PMCCFILTR_EL0 fields. */
#define PMEVTYPER_P      BIT(31)  /* do not count EL1 */
#define PMEVTYPER_U      BIT(30)  /* do not count EL0 */
#define PMEVTYPER_NSK    BIT(29)
#define PMEVTYPER_NSU    BIT(28)
#define PMEVTYPER_NSH    BIT(27)  /* count EL2: never for a guest */
#define PMEVTYPER_M      BIT(26)  /* EL3 counted if M == P: keel makes them differ */
#define PMEVTYPER_EVT    GENMASK(15, 0)
#define PMU_FILTER_GUEST (PMEVTYPER_P | PMEVTYPER_U | PMEVTYPER_NSK | PMEVTYPER_NSU)

#define PMUSERENR_MASK   GENMASK(3, 0)  /* EN, SW, CR, ER */

/* What the CPU gets for a guest's filter: no EL2, no EL3 (M != P), no other threads (MT). */
static inline uint64_t pmu_filter_hw(uint64_t val, bool cycle)
{
	uint64_t hw = val & (PMU_FILTER_GUEST | (cycle ? 0 : PMEVTYPER_EVT));

	return (hw & PMEVTYPER_P) ? hw : hw | PMEVTYPER_M;
}

static inline uint64_t pmu_filter_guest(uint64_t hw, bool cycle)
{
	return hw & (PMU_FILTER_GUEST | (cycle ? 0 : PMEVTYPER_EVT));
}

/* PMCR_EL0 for the CPU: the guest's bits, DP always (its cycle counter stops at EL2). */
static inline uint64_t pmu_pmcr_hw(uint64_t guest)
{
	return (guest & (PMCR_E | PMCR_P | PMCR_C | PMCR_D | PMCR_LC)) | PMCR_DP;
}

/* Whether a trapped system register (ESR_EL2 ISS) is a PMU register. */
static inline bool pmu_is_sysreg(uint64_t esr)
{
	unsigned op1 = esr_sys_op1(esr), crn = esr_sys_crn(esr), crm = esr_sys_crm(esr);

	if (esr_sys_op0(esr) != 3)
		return false;
	if (crn == 9)   /* PMCR..PMOVSSET (op1 3, CRm 12-14), PMINTEN*, PMMIR (op1 0, CRm 14) */
		return (op1 == 3 && crm >= 12) || (op1 == 0 && crm == 14);
	return crn == 14 && op1 == 3 && crm >= 8;   /* PMEVCNTR<n>, PMEVTYPER<n>, PMCCFILTR */
}

#endif
