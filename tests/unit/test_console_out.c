// deps: src/core/console_out.c
/*
 * A VM's console output ring: records in order, partial-line flags, full-ring refusal
 * (counted), time stamps, wrap-around of the buffer and of the free-running counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/console_out.h>

static struct console_out ring;

static uint64_t stamp_for(const char *text, unsigned len)
{
	return 0x0123456789abcdefULL ^ ((uint64_t)len << 40) ^ (len ? (uint8_t)text[0] : 0);
}

static bool push(const char *text, unsigned len, bool eol)
{
	return console_out_push(&ring, text, len, eol, stamp_for(text, len));
}

static void pop_expect(const char *want, bool want_eol)
{
	char text[CONSOLE_OUT_TEXT_MAX];
	unsigned len = ~0u;
	bool eol = !want_eol;
	uint64_t stamp = 0;

	assert_true(console_out_pop(&ring, text, &len, &eol, &stamp));
	assert_true(stamp == stamp_for(want, (unsigned)strlen(want)));
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
	assert_int_equal(eol, want_eol);
}

static void test_console_out_order(void **state)
{
	char text[CONSOLE_OUT_TEXT_MAX];
	unsigned len;
	bool eol;
	uint64_t stamp;

	console_out_init(&ring);
	assert_true(console_out_empty(&ring));
	assert_false(console_out_pop(&ring, text, &len, &eol, &stamp));
	assert_true(push("sh# ", 4, false));
	assert_true(push("ls", 2, true));
	assert_true(push("", 0, true));
	assert_int_equal(console_out_used(&ring), 3 * CONSOLE_OUT_HDR + 6);
	pop_expect("sh# ", false);
	pop_expect("ls", true);
	pop_expect("", true);
	assert_true(console_out_empty(&ring));
	assert_int_equal(ring.dropped, 0);
}

static void test_console_out_full(void **state)
{
	char line[CONSOLE_OUT_TEXT_MAX];
	unsigned n = 0;

	console_out_init(&ring);
	memset(line, 'x', sizeof(line));
	while (push(line, sizeof(line), true))
		n++;
	assert_int_equal(n, CONSOLE_OUT_SIZE / (CONSOLE_OUT_HDR + CONSOLE_OUT_TEXT_MAX));
	assert_int_equal(ring.dropped, 1);
	/* What is left is exactly the room that did not fit a record. */
	assert_true(CONSOLE_OUT_SIZE - console_out_used(&ring) < CONSOLE_OUT_HDR + CONSOLE_OUT_TEXT_MAX);
	assert_false(push(line, CONSOLE_OUT_TEXT_MAX + 1, true));   /* too long */
	assert_int_equal(ring.dropped, 2);
	line[0] = 'y';
	for (unsigned i = 0; i < n; i++) {
		char text[CONSOLE_OUT_TEXT_MAX];
		unsigned len;
		bool eol;
		uint64_t stamp;

		assert_true(console_out_pop(&ring, text, &len, &eol, &stamp));
		assert_int_equal(len, CONSOLE_OUT_TEXT_MAX);
		assert_int_equal(text[0], 'x');
	}
	assert_true(console_out_empty(&ring));
}

/* Records of every length straddle the end of the buffer and the 32-bit counters' wrap. */
static void test_console_out_wrap(void **state)
{
	char line[CONSOLE_OUT_TEXT_MAX + 1];

	console_out_init(&ring);
	ring.head = ring.tail = UINT32_MAX - 3000;
	for (unsigned round = 0; round < 5000; round++) {
		unsigned len = (round * 37) % (CONSOLE_OUT_TEXT_MAX + 1);

		for (unsigned i = 0; i < len; i++)
			line[i] = (char)('a' + (round + i) % 26);
		line[len] = '\0';
		assert_true(push(line, len, round & 1));
		if (round % 3 == 2)
			assert_true(push("extra", 5, false));
		pop_expect(line, round & 1);
		if (round % 3 == 2)
			pop_expect("extra", false);
		assert_true(console_out_empty(&ring));
	}
	assert_true(ring.tail < UINT32_MAX - 3000);   /* the counters did wrap */
	assert_int_equal(ring.dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_out_order),
		cmocka_unit_test(test_console_out_full),
		cmocka_unit_test(test_console_out_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
