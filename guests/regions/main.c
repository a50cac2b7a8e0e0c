/*
 * A VM whose RAM is several regions (docs/config.md, "memory"): it finds them in its
 * device tree, writes and reads back every one, has keel print from a buffer in each
 * (KEEL_HC_CONSOLE_WRITE translates through every region), and checks that the IPAs
 * just past each region abort and that no buffer may run from one region into the next.
 * Typed 'r' it restarts (PSCI SYSTEM_RESET): each run first checks that what it is about to
 * write reads 0, so the second run fails if keel left any region of the first run uncleared.
 */
#include "guest/guest.h"

const char guest_name[] = "regions";

#define MAX_REGIONS	8
#define STRIDE		0x10000ULL	/* one word every 64 KiB, and the last one */
#define SALT		0x5eed0000c0ffee00ULL
#define UART_FR_RXFE	(1u << 4)	/* PL011 receive FIFO empty */

struct region { uint64_t base, size; };

static struct region regions[MAX_REGIONS];
static unsigned nr_regions;

static void regions_find(void)
{
	for (int n = dt_first_child(dt_root()); n >= 0; n = dt_next_sibling(n)) {
		uint64_t base, size;

		if (!dt_strprefix(dt_name(n), "memory"))
			continue;
		for (unsigned i = 0; dt_reg(n, i, &base, &size) && nr_regions < MAX_REGIONS; i++) {
			regions[nr_regions].base = base;
			regions[nr_regions].size = size;
			printf("REGION %u 0x%lx 0x%lx\n", nr_regions, (unsigned long)base,
			       (unsigned long)size);
			nr_regions++;
		}
	}
}

static bool in_any_region(uint64_t a)
{
	for (unsigned i = 0; i < nr_regions; i++)
		if (a - regions[i].base < regions[i].size)
			return true;
	return false;
}

/* The part of region i this guest may overwrite: region 0 holds its image and DTB. */
static void region_scratch(unsigned i, uint64_t *lo, uint64_t *hi)
{
	uint64_t base, size;

	if (i == 0) {
		ram_free_region(&base, &size);
	} else {
		base = regions[i].base;
		size = regions[i].size;
	}
	*lo = (base + 7) & ~7ULL;
	*hi = (base + size) & ~7ULL;
}

static uint64_t pattern(uint64_t a)
{
	return a ^ SALT;
}

static void check_rw(unsigned i)
{
	uint64_t lo, hi, a, n = 0, bad = 0, first_bad = 0;
	char name[32];

	region_scratch(i, &lo, &hi);
	if (i > 0) {	/* region 0 holds this run's own image, stack and tables */
		for (a = lo; a + 8 <= hi; a += STRIDE, n++)
			if (*(volatile uint64_t *)(uintptr_t)a && !bad++)
				first_bad = a;
		snprintf(name, sizeof(name), "region-%u-zero", i);
		checkf(name, bad == 0, "%lu of %lu words not 0 at start, first at 0x%lx",
		       (unsigned long)bad, (unsigned long)n, (unsigned long)first_bad);
		n = bad = 0;
	}
	for (a = lo; a + 8 <= hi; a += STRIDE)
		*(volatile uint64_t *)(uintptr_t)a = pattern(a);
	*(volatile uint64_t *)(uintptr_t)(hi - 8) = pattern(hi - 8);
	for (a = lo; a + 8 <= hi; a += STRIDE, n++)
		if (*(volatile uint64_t *)(uintptr_t)a != pattern(a) && !bad++)
			first_bad = a;
	if (*(volatile uint64_t *)(uintptr_t)(hi - 8) != pattern(hi - 8) && !bad++)
		first_bad = hi - 8;
	snprintf(name, sizeof(name), "region-%u-rw", i);
	checkf(name, bad == 0 && n > 0, "%lu of %lu words wrong, first at 0x%lx",
	       (unsigned long)bad, (unsigned long)n + 1, (unsigned long)first_bad);
}

static int64_t console_write(uint64_t ipa, uint64_t len)
{
	return (int64_t)hvc_call(KEEL_HC_CONSOLE_WRITE, ipa, len, 0, 0, 0, 0).a0;
}

/* keel reads a buffer in region i, and refuses one that runs past its end. */
static void check_hypercall(unsigned i)
{
	uint64_t lo, hi;
	char name[40], msg[40];
	int len;

	region_scratch(i, &lo, &hi);
	len = snprintf(msg, sizeof(msg), "hello from region %u\n", i);
	/* Byte by byte: regions past the first are Device memory to this guest (guests/lib/mmu.c),
	 * where a libc memcpy's unaligned accesses would fault. */
	for (int k = 0; k < len; k++)
		((volatile char *)(uintptr_t)(hi - 64))[k] = msg[k];
	snprintf(name, sizeof(name), "region-%u-console-write", i);
	check_eq(name, console_write(hi - 64, (uint64_t)len), len);
	if (hi != regions[i].base + regions[i].size)
		return;
	snprintf(name, sizeof(name), "region-%u-write-past-end", i);
	check_eq(name, console_write(hi - 4, 8), (uint64_t)SMCCC_INVALID_PARAMETER);
}

/* The page after each region: another region, or nothing, which must abort. */
static void check_gaps(void)
{
	unsigned probed = 0, wrong = 0;

	for (unsigned i = 0; i < nr_regions; i++) {
		uint64_t a = regions[i].base + regions[i].size, v = 0;
		struct fault r, w;

		if (in_any_region(a) || ipa_is_assigned(a))
			continue;
		r = probe_read(a, 8, &v);
		w = probe_write(a, 8, 0x6a6a6a6a6a6a6a6aULL);
		probed++;
		if (!fault_is_sea(&r, a) || !fault_is_sea(&w, a) || v != PROBE_POISON) {
			wrong++;
			printf("NOTE 0x%lx after region %u: read %s, write %s\n", (unsigned long)a, i,
			       r.taken ? "aborts" : "does not abort", w.taken ? "aborts" : "does not abort");
		}
	}
	checkf("gaps-abort", probed > 0 && wrong == 0, "%u of %u addresses just past a region "
	       "did not abort", wrong, probed);
}

static char console_getc(void)
{
	while (mmio_read32(env.uart_base + UART_FR) & UART_FR_RXFE)
		delay_us(1000);	/* each poll is an exit to keel */
	return (char)mmio_read32(env.uart_base + UART_DR);
}

void guest_main(void)
{
	regions_find();
	checkf("regions-found", nr_regions >= 2, "%u memory regions in the device tree",
	       nr_regions);
	for (unsigned i = 0; i < nr_regions; i++)
		check_rw(i);
	for (unsigned i = 0; i < nr_regions; i++)
		check_hypercall(i);
	check_gaps();
	printf("REGIONS type r to restart, anything else to end\n");
	if (console_getc() != 'r')
		return;
	printf("SUMMARY %s %u passed, %u failed\n", guest_name, checks_passed(), checks_failed());
	hvc0(PSCI_SYSTEM_RESET);
	checkf("system-reset", false, "PSCI SYSTEM_RESET returned");
}
