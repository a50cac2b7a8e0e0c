// deps:
/*
 * The rules keel applies to a guest's PMU writes (include/keel/arch/pmu_fields.h): no event
 * filter reaches the CPU counting EL2, EL3 or other threads, PMCR_EL0.DP is always set in
 * the CPU, and exactly the PMU registers are routed to pmu.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <keel/arch/pmu_fields.h>

#define PMEVTYPER_MT BIT(25)
#define PMEVTYPER_SH BIT(24)

/* Every filter value with any of the bits that matter, and some of the rest. */
static const uint64_t filters[] = {
	0, PMEVTYPER_P, PMEVTYPER_U, PMEVTYPER_NSH, PMEVTYPER_M, PMEVTYPER_MT, PMEVTYPER_SH,
	PMEVTYPER_NSK | PMEVTYPER_NSU, PMEVTYPER_P | PMEVTYPER_M, PMEVTYPER_NSH | PMEVTYPER_M,
	0x08 | PMEVTYPER_NSH, 0x11, 0xffff, UINT64_MAX, 0xffffffffULL, GENMASK(63, 32),
};

static void test_filter_never_el2_el3_mt(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		for (int cycle = 0; cycle < 2; cycle++) {
			uint64_t hw = pmu_filter_hw(filters[i], cycle);

			assert_false(hw & PMEVTYPER_NSH);          /* EL2 not counted */
			assert_false(hw & (PMEVTYPER_MT | PMEVTYPER_SH));
			/* EL3 is counted when M == P: they always differ. */
			assert_true(!!(hw & PMEVTYPER_M) != !!(hw & PMEVTYPER_P));
			assert_false(hw & GENMASK(63, 32));
			/* What the guest set of P, U, NSK, NSU (and the event) stays. */
			assert_int_equal(pmu_filter_guest(hw, cycle),
					 filters[i] & (PMU_FILTER_GUEST | (cycle ? 0 : PMEVTYPER_EVT)));
		}
	}
}

static void test_filter_event_number(void **state)
{
	(void)state;
	assert_int_equal(pmu_filter_hw(0x08, false) & PMEVTYPER_EVT, 0x08);
	assert_int_equal(pmu_filter_hw(0x08, true) & PMEVTYPER_EVT, 0);   /* no event: cycles */
}

static void test_pmcr_dp_forced(void **state)
{
	(void)state;
	assert_int_equal(pmu_pmcr_hw(0), PMCR_DP);
	assert_int_equal(pmu_pmcr_hw(PMCR_E), PMCR_E | PMCR_DP);
	assert_int_equal(pmu_pmcr_hw(PMCR_E | PMCR_P | PMCR_C), PMCR_E | PMCR_P | PMCR_C | PMCR_DP);
	/* X (export), N, IDCODE, IMP and what lies above are never the guest's to write. */
	assert_int_equal(pmu_pmcr_hw(UINT64_MAX),
			 PMCR_E | PMCR_P | PMCR_C | PMCR_D | PMCR_DP | PMCR_LC);
}

static uint64_t sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
	return SYSREG_ISS(op0, op1, crn, crm, op2);
}

static void test_is_sysreg(void **state)
{
	(void)state;
	assert_true(pmu_is_sysreg(sysreg(3, 3, 9, 12, 0)));    /* PMCR_EL0 */
	assert_true(pmu_is_sysreg(sysreg(3, 3, 9, 13, 0)));    /* PMCCNTR_EL0 */
	assert_true(pmu_is_sysreg(sysreg(3, 3, 9, 14, 3)));    /* PMOVSSET_EL0 */
	assert_true(pmu_is_sysreg(sysreg(3, 0, 9, 14, 1)));    /* PMINTENSET_EL1 */
	assert_true(pmu_is_sysreg(sysreg(3, 3, 14, 8, 0)));    /* PMEVCNTR0_EL0 */
	assert_true(pmu_is_sysreg(sysreg(3, 3, 14, 15, 7)));   /* PMCCFILTR_EL0 */
	assert_false(pmu_is_sysreg(sysreg(3, 0, 9, 9, 0)));    /* PMSCR_EL1: SPE, hidden */
	assert_false(pmu_is_sysreg(sysreg(3, 0, 9, 10, 0)));   /* PMBLIMITR_EL1: SPE */
	assert_false(pmu_is_sysreg(sysreg(3, 3, 14, 0, 0)));   /* CNTFRQ_EL0 */
	assert_false(pmu_is_sysreg(sysreg(3, 3, 14, 3, 1)));   /* CNTV_CTL_EL0 */
	assert_false(pmu_is_sysreg(sysreg(2, 3, 9, 12, 0)));   /* op0 2: debug space */
	assert_false(pmu_is_sysreg(sysreg(3, 4, 9, 12, 0)));   /* op1 4: EL2 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_never_el2_el3_mt),
		cmocka_unit_test(test_filter_event_number),
		cmocka_unit_test(test_pmcr_dp_forced),
		cmocka_unit_test(test_is_sysreg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
