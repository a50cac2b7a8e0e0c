// deps: src/arch/aarch64/esr.c
/*
 * ESR_ELx field helpers and names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/esr.h>

#define EC(ec) ((uint64_t)(ec) << ESR_EC_SHIFT)

static void test_esr_fields(void **state)
{
	/* HVC #0x1234 from AArch64: EC 0x16, IL 1, ISS = imm16. */
	uint64_t esr = 0x5a001234;

	assert_int_equal(esr_ec(esr), ESR_EC_HVC64);
	assert_true(esr_il(esr));
	assert_int_equal(esr_iss(esr), 0x1234);
	assert_int_equal(esr_imm16(esr), 0x1234);

	/* Bits above 31 (ISS2) do not leak into EC. */
	esr = 0xffffff0000000000ULL | EC(ESR_EC_DABT_LOW) | 0x7;
	assert_int_equal(esr_ec(esr), ESR_EC_DABT_LOW);
	assert_false(esr_il(esr));
	assert_int_equal(esr_iss(esr), 0x7);

	assert_int_equal(esr_ec(~0ULL), 0x3f);
	assert_int_equal(esr_iss(~0ULL), 0x1ffffff);
	assert_int_equal(esr_ec(0), ESR_EC_UNKNOWN);
	assert_int_equal(ESR_IL, 1u << 25);
}

static void test_esr_ec_values(void **state)
{
	/* Spot checks against the Arm ARM EC table. */
	assert_int_equal(ESR_EC_UNKNOWN, 0x00);
	assert_int_equal(ESR_EC_WFX, 0x01);
	assert_int_equal(ESR_EC_CP15_32, 0x03);
	assert_int_equal(ESR_EC_CP15_64, 0x04);
	assert_int_equal(ESR_EC_CP14_MR, 0x05);
	assert_int_equal(ESR_EC_CP14_LS, 0x06);
	assert_int_equal(ESR_EC_FP_ASIMD, 0x07);
	assert_int_equal(ESR_EC_PAC, 0x09);
	assert_int_equal(ESR_EC_CP14_64, 0x0c);
	assert_int_equal(ESR_EC_ILL, 0x0e);
	assert_int_equal(ESR_EC_SVC32, 0x11);
	assert_int_equal(ESR_EC_HVC32, 0x12);
	assert_int_equal(ESR_EC_SMC32, 0x13);
	assert_int_equal(ESR_EC_SVC64, 0x15);
	assert_int_equal(ESR_EC_HVC64, 0x16);
	assert_int_equal(ESR_EC_SMC64, 0x17);
	assert_int_equal(ESR_EC_SYS64, 0x18);
	assert_int_equal(ESR_EC_SVE, 0x19);
	assert_int_equal(ESR_EC_SME, 0x1d);
	assert_int_equal(ESR_EC_IABT_LOW, 0x20);
	assert_int_equal(ESR_EC_IABT_CUR, 0x21);
	assert_int_equal(ESR_EC_PC_ALIGN, 0x22);
	assert_int_equal(ESR_EC_DABT_LOW, 0x24);
	assert_int_equal(ESR_EC_DABT_CUR, 0x25);
	assert_int_equal(ESR_EC_SP_ALIGN, 0x26);
	assert_int_equal(ESR_EC_SERROR, 0x2f);
	assert_int_equal(ESR_EC_BRK64, 0x3c);
}

static void test_esr_dabt_fields(void **state)
{
	/*
	 * "ldr w1, [x2]" hitting an unmapped IPA: EC 0x24, IL, ISV, SAS 2,
	 * SRT 1, DFSC translation fault level 3.
	 */
	uint64_t esr = 0x93810007;

	assert_int_equal(esr_ec(esr), ESR_EC_DABT_LOW);
	assert_true(esr & ESR_ISS_DABT_ISV);
	assert_int_equal(esr_dabt_sas(esr), 2);
	assert_int_equal(esr_dabt_srt(esr), 1);
	assert_false(esr & ESR_ISS_DABT_WnR);
	assert_false(esr & ESR_ISS_DABT_SSE);
	assert_false(esr & ESR_ISS_DABT_SF);
	assert_int_equal(esr_fsc(esr), ESR_FSC_TRANS_L0 + 3);
	assert_true(esr_fsc_is_translation(esr_fsc(esr)));

	/* Every ISS bit lands in exactly one named field. */
	assert_int_equal(ESR_ISS_DABT_ISV, 1u << 24);
	assert_int_equal(ESR_ISS_DABT_SAS_MASK, 3u << 22);
	assert_int_equal(ESR_ISS_DABT_SSE, 1u << 21);
	assert_int_equal(ESR_ISS_DABT_SRT_MASK, 0x1fu << 16);
	assert_int_equal(ESR_ISS_DABT_SF, 1u << 15);
	assert_int_equal(ESR_ISS_DABT_AR, 1u << 14);
	assert_int_equal(ESR_ISS_DABT_FnV, 1u << 10);
	assert_int_equal(ESR_ISS_DABT_EA, 1u << 9);
	assert_int_equal(ESR_ISS_DABT_CM, 1u << 8);
	assert_int_equal(ESR_ISS_DABT_S1PTW, 1u << 7);
	assert_int_equal(ESR_ISS_DABT_WnR, 1u << 6);
	assert_int_equal(ESR_ISS_DABT_DFSC_MASK, 0x3f);

	for (unsigned sas = 0; sas < 4; sas++)
		for (unsigned srt = 0; srt < 32; srt++) {
			esr = EC(ESR_EC_DABT_LOW) | ESR_ISS_DABT_ISV |
			      ((uint64_t)sas << ESR_ISS_DABT_SAS_SHIFT) |
			      ((uint64_t)srt << ESR_ISS_DABT_SRT_SHIFT) | ESR_ISS_DABT_DFSC_MASK;
			assert_int_equal(esr_dabt_sas(esr), sas);
			assert_int_equal(esr_dabt_srt(esr), srt);
			assert_int_equal(esr_fsc(esr), 0x3f);
		}
}

static void test_esr_fsc_classes(void **state)
{
	for (unsigned lvl = 0; lvl < 4; lvl++) {
		assert_int_equal(ESR_FSC_TRANS_L0 + lvl, 0x04 + lvl);
		assert_true(esr_fsc_is_translation(0x04 + lvl));
		assert_false(esr_fsc_is_access_flag(0x04 + lvl));
		assert_true(esr_fsc_is_access_flag(0x08 + lvl));
		assert_false(esr_fsc_is_permission(0x08 + lvl));
		assert_true(esr_fsc_is_permission(0x0c + lvl));
		assert_false(esr_fsc_is_translation(0x0c + lvl));
	}
	assert_true(esr_fsc_is_translation(ESR_FSC_TRANS_LM1));
	assert_true(esr_fsc_is_translation(ESR_FSC_TRANS_LM2));
	assert_false(esr_fsc_is_translation(ESR_FSC_EXT_ABORT));
	assert_false(esr_fsc_is_translation(ESR_FSC_ADDR_SIZE_LM1));
	assert_false(esr_fsc_is_translation(ESR_FSC_GPF_WALK_L0 + 0));
	assert_int_equal(ESR_FSC_EXT_ABORT, 0x10);
	assert_int_equal(ESR_FSC_ALIGNMENT, 0x21);
}

/*
 * The ISS the hardware reports for a trapped MSR/MRS instruction word
 * (Arm ARM: op0 = 0b1:o0, fields copied, Direction = L), as an independent
 * check of SYSREG_ISS against register encodings the assembler knows.
 */
static uint32_t sysreg_insn_to_iss(uint32_t insn)
{
	uint32_t op0 = 2 + ((insn >> 19) & 1), op1 = (insn >> 16) & 7;
	uint32_t crn = (insn >> 12) & 0xf, crm = (insn >> 8) & 0xf, op2 = (insn >> 5) & 7;
	uint32_t rt = insn & 0x1f, l = (insn >> 21) & 1;

	return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | l;
}

static void test_esr_sysreg(void **state)
{
	static const struct {
		uint32_t insn;    /* assembled with aarch64-linux-gnu-as */
		uint32_t key;
		unsigned rt;
		bool read;
	} cases[] = {
		{ 0xd5380403, SYSREG_ISS(3, 0, 0, 4, 0), 3, true },     /* mrs x3, id_aa64pfr0_el1 */
		{ 0xd518cba5, SYSREG_ISS(3, 0, 12, 11, 5), 5, false },  /* msr icc_sgi1r_el1, x5 */
		{ 0xd53be05f, SYSREG_ISS(3, 3, 14, 0, 2), 31, true },   /* mrs xzr, cntvct_el0 */
		{ 0xd518101e, SYSREG_ISS(3, 0, 1, 0, 0), 30, false },   /* msr sctlr_el1, x30 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t esr = EC(ESR_EC_SYS64) | ESR_IL | sysreg_insn_to_iss(cases[i].insn);

		assert_int_equal(esr_ec(esr), ESR_EC_SYS64);
		assert_int_equal(esr_sysreg(esr), cases[i].key);
		assert_int_equal(esr_sys_rt(esr), cases[i].rt);
		assert_int_equal(esr_sys_is_read(esr), cases[i].read);
	}

	/* Literal ESR_EL2 values, as a guest trap would report them. */
	assert_int_equal(esr_sysreg(0x62300069), SYSREG_ISS(3, 0, 0, 4, 0));
	assert_int_equal(esr_sys_rt(0x62300069), 3);
	assert_true(esr_sys_is_read(0x62300069));
	assert_int_equal(esr_sysreg(0x623a30b6), SYSREG_ISS(3, 0, 12, 11, 5));
	assert_false(esr_sys_is_read(0x623a30b6));
	assert_int_equal(esr_sys_op0(0x623a30b6), 3);
	assert_int_equal(esr_sys_op1(0x623a30b6), 0);
	assert_int_equal(esr_sys_crn(0x623a30b6), 12);
	assert_int_equal(esr_sys_crm(0x623a30b6), 11);
	assert_int_equal(esr_sys_op2(0x623a30b6), 5);
	assert_int_equal(esr_sysreg(0x6234fbe1), SYSREG_ISS(3, 3, 14, 0, 2));
	assert_int_equal(SYSREG_ISS(3, 0, 0, 4, 0), 0x300008);

	/* Rt and Direction never affect the key; every other ISS bit does. */
	for (unsigned rt = 0; rt < 32; rt++) {
		uint64_t esr = EC(ESR_EC_SYS64) | SYSREG_ISS(3, 0, 0, 4, 0) |
			       ((uint64_t)rt << ESR_ISS_SYS_RT_SHIFT) | (rt & 1);

		assert_int_equal(esr_sysreg(esr), SYSREG_ISS(3, 0, 0, 4, 0));
	}
	assert_int_equal(ESR_ISS_SYS_REG_MASK | ESR_ISS_SYS_RT_MASK | ESR_ISS_SYS_DIRECTION,
			 GENMASK(21, 0));

	/* Usable as case labels. */
	switch (esr_sysreg(0x62300069)) {
	case SYSREG_ISS(3, 0, 0, 4, 0):
		break;
	default:
		fail();
	}
}

static void test_esr_wfx(void **state)
{
	assert_int_equal(esr_wfx_ti(EC(ESR_EC_WFX) | ESR_IL | 0), ESR_ISS_WFX_TI_WFI);
	assert_int_equal(esr_wfx_ti(EC(ESR_EC_WFX) | ESR_IL | 1), ESR_ISS_WFX_TI_WFE);
	assert_int_equal(esr_wfx_ti(EC(ESR_EC_WFX) | ESR_IL | 2), ESR_ISS_WFX_TI_WFIT);
	assert_int_equal(esr_wfx_ti(EC(ESR_EC_WFX) | ESR_IL | 3), ESR_ISS_WFX_TI_WFET);
	/* WFIT with RV set and Rn 5: TI still in [1:0]. */
	assert_int_equal(esr_wfx_ti(EC(ESR_EC_WFX) | ESR_IL | (5 << ESR_ISS_WFX_RN_SHIFT) |
				    ESR_ISS_WFX_RV | 2), ESR_ISS_WFX_TI_WFIT);
}

/* EC values the Arm ARM leaves unallocated. */
static bool ec_unallocated(unsigned ec)
{
	static const unsigned holes[] = {
		0x02, 0x0b, 0x0f, 0x10, 0x23, 0x29, 0x2a, 0x2b, 0x2e, 0x36, 0x37, 0x39, 0x3b,
		0x3e, 0x3f,
	};

	for (size_t i = 0; i < ARRAY_SIZE(holes); i++)
		if (holes[i] == ec)
			return true;
	return false;
}

static void test_esr_class_name(void **state)
{
	for (unsigned ec = 0; ec < 64; ec++) {
		const char *name = esr_class_name(ec);

		assert_non_null(name);
		assert_true(strlen(name) > 0 && strlen(name) < 48);
		if (ec_unallocated(ec))
			assert_string_equal(name, "unknown EC");
		else
			assert_string_not_equal(name, "unknown EC");
	}
	assert_string_equal(esr_class_name(ESR_EC_DABT_LOW), "data abort from a lower EL");
	assert_string_equal(esr_class_name(ESR_EC_HVC64), "HVC (AArch64)");
	assert_string_equal(esr_class_name(ESR_EC_SYS64), "MSR/MRS/system instruction");
	assert_string_equal(esr_class_name(64), "unknown EC");
	assert_string_equal(esr_class_name(0x80000000u), "unknown EC");
	assert_string_equal(esr_class_name(~0u), "unknown EC");
}

static void test_esr_fault_name(void **state)
{
	static const unsigned reserved[] = {
		0x12, 0x19, 0x1a, 0x20, 0x22, 0x2d, 0x2e, 0x2f, 0x32, 0x33, 0x36, 0x3f,
	};

	for (unsigned fsc = 0; fsc < 64; fsc++) {
		const char *name = esr_fault_name(fsc);

		assert_non_null(name);
		assert_true(strlen(name) > 0 && strlen(name) < 64);
	}
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		assert_string_equal(esr_fault_name(reserved[i]), "unknown fault");
	assert_string_equal(esr_fault_name(0x04), "translation fault, level 0");
	assert_string_equal(esr_fault_name(0x07), "translation fault, level 3");
	assert_string_equal(esr_fault_name(0x0b), "access flag fault, level 3");
	assert_string_equal(esr_fault_name(0x0d), "permission fault, level 1");
	assert_string_equal(esr_fault_name(0x10), "synchronous external abort");
	assert_string_equal(esr_fault_name(0x21), "alignment fault");
	assert_string_equal(esr_fault_name(0x2b), "translation fault, level -1");
	assert_string_equal(esr_fault_name(64), "unknown fault");
	assert_string_equal(esr_fault_name(~0u), "unknown fault");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esr_fields),
		cmocka_unit_test(test_esr_ec_values),
		cmocka_unit_test(test_esr_dabt_fields),
		cmocka_unit_test(test_esr_fsc_classes),
		cmocka_unit_test(test_esr_sysreg),
		cmocka_unit_test(test_esr_wfx),
		cmocka_unit_test(test_esr_class_name),
		cmocka_unit_test(test_esr_fault_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
