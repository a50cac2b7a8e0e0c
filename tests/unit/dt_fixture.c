/* Device-tree fixtures for the unit tests (dt_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "dt_fixture.h"

static void *read_stream(FILE *f, size_t *size)
{
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap);

	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	*size = len;
	return buf;
}

void *dt_fixture_compile(const char *dts, size_t *size)
{
	char cmd[512];
	void *blob;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o - %s", dts);
	f = popen(cmd, "r");
	assert_non_null(f);
	blob = read_stream(f, size);
	if (pclose(f) != 0 || !*size)
		fail_msg("dtc failed on %s (run the tests from the top of the tree)", dts);
	return blob;
}

void *dt_fixture_load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *blob;

	if (!f)
		fail_msg("cannot open %s: run `make %s` first (make unit does)", path, path);
	blob = read_stream(f, size);
	fclose(f);
	return blob;
}
