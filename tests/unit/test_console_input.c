// deps: src/core/console_input.c
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <keel/console_input.h>

/* Feed a string; collect what is delivered and count switches. */
static unsigned feed(struct console_input *ci, const char *in, size_t len, char *delivered, size_t *dlen)
{
	unsigned switches = 0;

	*dlen = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t out[CONSOLE_SWITCH_COUNT];
		unsigned n = 99;

		if (console_input_feed(ci, (uint8_t)in[i], out, &n) == CONSOLE_INPUT_SWITCH) {
			assert_int_equal(n, 0);
			switches++;
		}
		assert_true(n <= CONSOLE_SWITCH_COUNT);
		memcpy(delivered + *dlen, out, n);
		*dlen += n;
	}
	return switches;
}

static void test_plain_bytes_pass_through(void **state)
{
	struct console_input ci;
	char out[64];
	size_t n;

	console_input_init(&ci);
	assert_int_equal(feed(&ci, "ls -l\r", 6, out, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "ls -l\r", 6);
}

static void test_three_ctrl_a_switch(void **state)
{
	struct console_input ci;
	char out[64];
	size_t n;

	console_input_init(&ci);
	assert_int_equal(feed(&ci, "a\001\001\001b", 5, out, &n), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "ab", 2);
	/* six in a row: two switches, nothing delivered */
	assert_int_equal(feed(&ci, "\001\001\001\001\001\001", 6, out, &n), 2);
	assert_int_equal(n, 0);
}

static void test_short_runs_are_delivered(void **state)
{
	struct console_input ci;
	char out[64];
	size_t n;

	console_input_init(&ci);
	/* one Ctrl-A (e.g. for the guest's own shell: start of line) then x */
	assert_int_equal(feed(&ci, "\001x", 2, out, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\001x", 2);
	assert_int_equal(feed(&ci, "\001\001y", 3, out, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\001\001y", 3);
	/* four: a switch, then the fourth is held and delivered with the next byte */
	assert_int_equal(feed(&ci, "\001\001\001\001z", 5, out, &n), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\001z", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes_pass_through),
		cmocka_unit_test(test_three_ctrl_a_switch),
		cmocka_unit_test(test_short_runs_are_delivered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
