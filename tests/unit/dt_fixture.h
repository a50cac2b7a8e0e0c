/*
 * Device-tree fixtures for the unit tests: compile a .dts with dtc (through popen) or read
 * a compiled blob. The tests run from the top of the tree, as `make unit` does. Include
 * after <cmocka.h>; link tests/unit/dt_fixture.c.
 */
#ifndef KEEL_TEST_DT_FIXTURE_H
#define KEEL_TEST_DT_FIXTURE_H

#include <stddef.h>

/* A malloc'd (so suitably aligned) blob; each fails the test on error. */
void *dt_fixture_compile(const char *dts, size_t *size);
void *dt_fixture_load(const char *path, size_t *size);

#endif
