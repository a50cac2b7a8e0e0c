/*
 * The PASS/FAIL/SUMMARY protocol (guest/check.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include "guest/check.h"
#include "guest/console.h"
#include "guest/smccc.h"
#include "rt_internal.h"

static volatile unsigned n_passed, n_failed;

bool check_impl(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	console_lock();
	if (ok) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s ", name);
		va_start(ap, fmt);
		vfprintf(stdout, fmt, ap);
		va_end(ap);
		printf("\n");
	}
	console_unlock();
	__atomic_fetch_add(ok ? &n_passed : &n_failed, 1, __ATOMIC_RELAXED);
	return ok;
}

bool check_eq_impl(const char *name, uint64_t got, uint64_t want)
{
	return check_impl(name, got == want, "got 0x%lx want 0x%lx",
			  (unsigned long)got, (unsigned long)want);
}

void skip(const char *name, const char *why)
{
	printf("SKIP %s %s\n", name, why);
}

unsigned checks_passed(void)
{
	return n_passed;
}

unsigned checks_failed(void)
{
	return n_failed;
}

void report_and_exit(void)
{
	smccc_undef_report();
	printf("SUMMARY %s %u passed, %u failed\n", guest_name, checks_passed(), checks_failed());
	psci_system_off();
}
