/*
 * The check protocol, one line per check on the console:
 *   PASS <name>
 *   FAIL <name> <detail>
 * and at the end
 *   SUMMARY <guest> <passed> passed, <failed> failed
 * followed by PSCI SYSTEM_OFF. Safe to use from any vCPU.
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include <stdbool.h>
#include <stdint.h>

/* check(name, cond): the detail of a failure is the condition's text. */
#define check(name, cond) check_impl((name), !!(cond), "%s", #cond)
/* checkf(name, cond, fmt, ...): the detail is formatted. */
#define checkf(name, cond, ...) check_impl((name), !!(cond), __VA_ARGS__)
/* check_eq(name, got, want): detail "got 0x.. want 0x..". */
#define check_eq(name, got, want) check_eq_impl((name), (uint64_t)(got), (uint64_t)(want))

bool check_impl(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool check_eq_impl(const char *name, uint64_t got, uint64_t want);
/* SKIP <name> <why>: counted as neither. */
void skip(const char *name, const char *why);

unsigned checks_passed(void);
unsigned checks_failed(void);

/* Print the SUMMARY line and power the VM off. */
__attribute__((noreturn)) void report_and_exit(void);

#endif
