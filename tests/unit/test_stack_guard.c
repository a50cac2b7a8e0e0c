// deps: src/core/stack_guard.c
/*
 * The pure part of the stack guard's seeding (include/keel/stack_guard.h):
 * the mixing that the fallback seed goes through, the terminator byte, the
 * log text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/stack_guard.h>

uintptr_t __stack_chk_guard;   /* src/core/panic.c in keel */

#define OLD_CONSTANT_GUARD 0x6b65656c2d737470ULL

static unsigned popcount64(uint64_t v)
{
	return (unsigned)__builtin_popcountll(v);
}

/* One bit of any input changes about half the output bits (avalanche), so a counter that
 * moves by one tick gives an unrelated guard. */
static void test_mix_avalanche(void **state)
{
	uint64_t inputs[] = { 0, 1, 0x123456789abcdefULL, ~0ULL, OLD_CONSTANT_GUARD };
	unsigned worst = 64, total = 0, n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++)
		for (unsigned bit = 0; bit < 64; bit++) {
			uint64_t a = stack_guard_mix(0x42, inputs[i]);
			uint64_t b = stack_guard_mix(0x42, inputs[i] ^ (1ULL << bit));
			uint64_t c = stack_guard_mix(inputs[i], 0x42);
			uint64_t d = stack_guard_mix(inputs[i] ^ (1ULL << bit), 0x42);
			unsigned flips = popcount64(a ^ b), flips_acc = popcount64(c ^ d);

			worst = flips < worst ? flips : worst;
			worst = flips_acc < worst ? flips_acc : worst;
			total += flips + flips_acc;
			n += 2;
		}
	assert_true(worst >= 12);
	assert_in_range(total / n, 28, 36);
}

/* Successive counter values (what two boots differ by without RNDR) give distinct guards. */
static void test_counter_sequence_distinct(void **state)
{
	enum { N = 4096 };
	static uint64_t seen[N];

	for (unsigned i = 0; i < N; i++) {
		uint64_t g = stack_guard_from_seed(stack_guard_mix(stack_guard_mix(0, 1000000 + i), 7));

		for (unsigned j = 0; j < i; j++)
			if (seen[j] == g)
				fail_msg("counter %u and %u give the same guard", 1000000 + j, 1000000 + i);
		seen[i] = g;
	}
}

static void test_terminator_byte(void **state)
{
	assert_int_equal(stack_guard_from_seed(~0ULL), 0xffffffffffffff00ULL);
	assert_int_equal(stack_guard_from_seed(0x1122334455667788ULL), 0x1122334455667700ULL);
	for (uint64_t s = 1; s < 1000; s++)
		assert_int_equal(stack_guard_from_seed(stack_guard_mix(0, s)) & 0xff, 0);
}

static void test_describe(void **state)
{
	assert_string_equal(stack_guard_describe(STACK_GUARD_RNDR), "random (RNDR)");
	assert_non_null(strstr(stack_guard_describe(STACK_GUARD_WEAK_NO_RNG), "weak"));
	assert_non_null(strstr(stack_guard_describe(STACK_GUARD_WEAK_RNDR_FAILED), "RNDR failed"));
	assert_non_null(strstr(stack_guard_describe(STACK_GUARD_CONSTANT), "not seeded"));
	assert_int_equal(stack_guard_source, STACK_GUARD_CONSTANT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mix_avalanche),
		cmocka_unit_test(test_counter_sequence_distinct),
		cmocka_unit_test(test_terminator_byte),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
