// deps:
/*
 * array_index_nospec (include/keel/nospec.h): the branchless clamp of
 * guest-chosen indices. The host build computes the mask in C; these are the
 * values the arm64 CMP/SBC/CSDB sequence gives too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <keel/nospec.h>

static void test_mask_inside(void **state)
{
	(void)state;
	assert_true(array_index_mask_nospec(0, 1) == UINT64_MAX);
	assert_true(array_index_mask_nospec(3, 4) == UINT64_MAX);
	assert_true(array_index_mask_nospec(127, 128) == UINT64_MAX);
	assert_true(array_index_mask_nospec(0, (uint64_t)1 << 63) == UINT64_MAX);
	assert_true(array_index_mask_nospec(((uint64_t)1 << 63) - 1, (uint64_t)1 << 63) == UINT64_MAX);
}

static void test_mask_outside(void **state)
{
	(void)state;
	assert_true(array_index_mask_nospec(0, 0) == 0);
	assert_true(array_index_mask_nospec(1, 1) == 0);
	assert_true(array_index_mask_nospec(4, 4) == 0);
	assert_true(array_index_mask_nospec(128, 128) == 0);
	assert_true(array_index_mask_nospec(1023, 128) == 0);
	assert_true(array_index_mask_nospec(UINT32_MAX, 8) == 0);
	assert_true(array_index_mask_nospec(UINT64_MAX, 8) == 0);
	assert_true(array_index_mask_nospec((uint64_t)1 << 63, 8) == 0);
	assert_true(array_index_mask_nospec(((uint64_t)1 << 63) + 3, 8) == 0);
}

/* Every index of a small range against every size: the clamp is idx or 0. */
static void test_index_exhaustive(void **state)
{
	(void)state;
	for (uint64_t size = 0; size <= 40; size++)
		for (uint64_t idx = 0; idx <= 80; idx++)
			assert_true(array_index_nospec(idx, size) == (idx < size ? idx : 0));
	/* The sizes keel clamps against, at their edges. */
	static const uint64_t sizes[] = { 4, 8, 16, 32, 96, 128 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = sizes[i];

		assert_true(array_index_nospec(n - 1, n) == n - 1);
		assert_true(array_index_nospec(n, n) == 0);
		assert_true(array_index_nospec(n + 1, n) == 0);
		assert_true(array_index_nospec(0xff, n) == 0);         /* VGIC_VCPU_NONE */
		assert_true(array_index_nospec(UINT64_MAX - n, n) == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_inside),
		cmocka_unit_test(test_mask_outside),
		cmocka_unit_test(test_index_exhaustive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
