// deps: src/core/monitor_parse.c
/* keel's monitor, the pure part: the command parser and line editing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <keel/monitor.h>

static char err[256];

static struct monitor_request parse_ok(const char *line)
{
	struct monitor_request req;

	err[0] = '\0';
	assert_int_equal(monitor_parse(line, &req, err, sizeof(err)), KE_OK);
	assert_string_equal(err, "");
	return req;
}

static void parse_bad(const char *line, const char *must_say)
{
	struct monitor_request req;

	err[0] = '\0';
	assert_int_equal(monitor_parse(line, &req, err, sizeof(err)), KE_INVAL);
	if (!strstr(err, must_say))
		fail_msg("error for \"%s\" is \"%s\", should say \"%s\"", line, err, must_say);
}

static void test_commands(void **state)
{
	static const struct { const char *line; enum monitor_cmd cmd; const char *vm; } cases[] = {
		{ "help", MONITOR_HELP, "" }, { "list", MONITOR_LIST, "" }, { "mem", MONITOR_MEM, "" },
		{ "info linux", MONITOR_INFO, "linux" }, { "stats a", MONITOR_STATS, "a" },
		{ "start hc", MONITOR_START, "hc" }, { "stop hc", MONITOR_STOP, "hc" },
		{ "restart x-1", MONITOR_RESTART, "x-1" }, { "destroy vm_2", MONITOR_DESTROY, "vm_2" },
		{ "  list  ", MONITOR_LIST, "" }, { "\tstop\t hc ", MONITOR_STOP, "hc" },
		{ "", MONITOR_EMPTY, "" }, { "   ", MONITOR_EMPTY, "" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct monitor_request req = parse_ok(cases[i].line);

		assert_int_equal(req.cmd, cases[i].cmd);
		assert_string_equal(req.vm, cases[i].vm);
	}
}

static void test_cycle_count(void **state)
{
	struct monitor_request req = parse_ok("cycle hc 100");

	assert_int_equal(req.cmd, MONITOR_CYCLE);
	assert_string_equal(req.vm, "hc");
	assert_int_equal(req.count, 100);
	assert_int_equal(parse_ok("cycle hc 1000").count, MONITOR_CYCLE_MAX);
	parse_bad("cycle hc 0", "from 1 to 1000");
	parse_bad("cycle hc 1001", "from 1 to 1000");
	parse_bad("cycle hc 99999999999999999999", "from 1 to 1000");   /* no wrap to a small number */
	parse_bad("cycle hc -1", "from 1 to 1000");
	parse_bad("cycle hc 12x", "from 1 to 1000");
	parse_bad("cycle hc", "write: cycle VM N");
}

static void test_errors(void **state)
{
	parse_bad("frob", "unknown command \"frob\"; type help");
	parse_bad("LIST", "unknown command");            /* commands are lower case */
	parse_bad("start", "needs more; write: start VM");
	parse_bad("info", "write: info VM");
	parse_bad("list hc", "takes fewer arguments; write: list");
	parse_bad("stop a b", "takes fewer arguments; write: stop VM");
	parse_bad("stop a b c d e f", "takes fewer arguments");
	parse_bad("info aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "at most 31 characters");
	/* A name that fits exactly is the caller's to look up. */
	assert_string_equal(parse_ok("info aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").vm,
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

static void test_too_long_line(void **state)
{
	char line[MONITOR_LINE_MAX + 2];

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	parse_bad(line, "longer than 80");
}

static void test_help_names_every_command(void **state)
{
	static const char *const names[] = { "list", "info", "stats", "start", "stop", "restart",
					     "destroy", "mem", "cycle", "help" };

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		bool found = false;

		for (unsigned j = 0; monitor_help[j]; j++)
			found |= !strncmp(monitor_help[j], names[i], strlen(names[i])) &&
				 monitor_help[j][strlen(names[i])] == ' ';
		if (!found)
			fail_msg("help does not describe %s", names[i]);
	}
}

/* Type a string; the echo collected, the number of Enter keys seen. */
static unsigned type(struct monitor_line *l, const char *in, char *shown, size_t max)
{
	unsigned enters = 0;

	shown[0] = '\0';
	for (; *in; in++) {
		const char *echo;

		switch (monitor_line_feed(l, (uint8_t)*in, &echo)) {
		case MONITOR_KEY_ECHO:
			assert_non_null(echo);
			assert_true(strlen(shown) + strlen(echo) < max);
			strcat(shown, echo);
			break;
		case MONITOR_KEY_ENTER:
			enters++;
			break;
		case MONITOR_KEY_NONE:
			assert_null(echo);
			break;
		}
	}
	return enters;
}

static void test_line_editing(void **state)
{
	struct monitor_line l;
	char shown[256];

	monitor_line_init(&l);
	assert_int_equal(type(&l, "lisx\x7ft", shown, sizeof(shown)), 0);
	assert_string_equal(l.buf, "list");
	assert_string_equal(shown, "lisx\b \bt");
	assert_int_equal(type(&l, "\b\b\b\b\b\bmem", shown, sizeof(shown)), 0);   /* past the start */
	assert_string_equal(l.buf, "mem");
	assert_string_equal(shown, "\b \b\b \b\b \b\b \bmem");
	/* Controls and non-ASCII bytes (a terminal's escape sequences) are not part of it. */
	assert_int_equal(type(&l, "\x1b\x02\x80\xff", shown, sizeof(shown)), 0);
	assert_string_equal(l.buf, "mem");
	assert_string_equal(shown, "");
	assert_int_equal(type(&l, "\r", shown, sizeof(shown)), 1);
	assert_string_equal(l.buf, "mem");
	monitor_line_init(&l);
	assert_int_equal(type(&l, "a\n", shown, sizeof(shown)), 1);
	assert_string_equal(l.buf, "a");
	assert_false(l.overflow);
}

static void test_line_overflow(void **state)
{
	struct monitor_line l;
	char in[MONITOR_LINE_MAX + 11], shown[256];

	monitor_line_init(&l);
	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(type(&l, in, shown, sizeof(shown)), 0);
	assert_int_equal(l.len, MONITOR_LINE_MAX);
	assert_int_equal(strlen(shown), MONITOR_LINE_MAX);   /* what did not fit is not shown */
	assert_true(l.overflow);
	monitor_line_init(&l);
	assert_false(l.overflow);
	assert_int_equal(l.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_cycle_count),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_long_line),
		cmocka_unit_test(test_help_names_every_command),
		cmocka_unit_test(test_line_editing),
		cmocka_unit_test(test_line_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
