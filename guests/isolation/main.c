/*
 * A VM sees nothing but its own RAM and its devices: every other IPA aborts
 * and returns no data, and its RAM holds nothing of another VM (the secret
 * guest's marker) or of keel (its banner).
 */
#include <string.h>
#include "guest/guest.h"
#include "guest/marker.h"

const char guest_name[] = "isolation";

#define SZ_2M		(1ULL << 21)
#define SZ_16M		(1ULL << 24)
#define PROBE_TOP	0x100000000ULL	/* every 16 MiB below 4 GiB */
#define DENSE_TOP	0xc0000000ULL	/* every 2 MiB from the end of RAM to here */
#define MAX_REPORTED	8

static unsigned n_probed, n_leaked, n_wrong;

static void probe(uint64_t a)
{
	uint64_t v;
	struct fault r = probe_read(a, 8, &v);
	struct fault w = probe_write(a, 8, 0x15015015015015ULL);

	n_probed++;
	if (!r.taken || v != PROBE_POISON) {
		if (n_leaked++ < MAX_REPORTED)
			printf("NOTE read of 0x%lx returned 0x%lx without an abort\n",
			       (unsigned long)a, (unsigned long)v);
	} else if (!fault_is_sea(&r, a) || !fault_is_sea(&w, a)) {
		if (n_wrong++ < MAX_REPORTED)
			printf("NOTE 0x%lx: read %s ESR 0x%lx, write %s ESR 0x%lx\n", (unsigned long)a,
			       r.taken ? "abort" : "no abort", (unsigned long)r.esr,
			       w.taken ? "abort" : "no abort", (unsigned long)w.esr);
	}
}

static void check_probes(void)
{
	for (uint64_t a = 0; a < PROBE_TOP; a += SZ_16M)
		if (!ipa_is_assigned(a))
			probe(a);
	for (uint64_t a = (env.ram_base + env.ram_size + SZ_2M - 1) & ~(SZ_2M - 1);
	     a < DENSE_TOP; a += SZ_2M)
		if (!ipa_is_assigned(a))
			probe(a);
	printf("NOTE probed %u addresses outside RAM and devices\n", n_probed);
	checkf("foreign-ipa-no-data", n_leaked == 0, "%u of %u reads returned data", n_leaked, n_probed);
	checkf("foreign-ipa-aborts", n_leaked == 0 && n_wrong == 0,
	       "%u of %u probes did not end in a synchronous external abort", n_leaked + n_wrong,
	       n_probed);
}

/* Where pat occurs in [lo, hi), skipping [skip_lo, skip_hi) twice; 0 if nowhere. */
static uint64_t find(uint64_t lo, uint64_t hi, const uint8_t *pat, size_t n,
		     uint64_t skip0_lo, uint64_t skip0_hi, uint64_t skip1_lo, uint64_t skip1_hi)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)lo, *end = (const uint8_t *)(uintptr_t)hi;

	while (p + n <= end) {
		uint64_t a = (uintptr_t)p;

		if (a >= skip0_lo && a < skip0_hi) {
			p = (const uint8_t *)(uintptr_t)skip0_hi;
			continue;
		}
		if (a >= skip1_lo && a < skip1_hi) {
			p = (const uint8_t *)(uintptr_t)skip1_hi;
			continue;
		}
		p = memchr(p, pat[0], (size_t)(end - p));
		if (!p || p + n > end)
			return 0;
		a = (uintptr_t)p;
		if (!(a >= skip0_lo && a < skip0_hi) && !(a >= skip1_lo && a < skip1_hi) &&
		    memcmp(p, pat, n) == 0)
			return a;
		p++;
	}
	return 0;
}

static uint64_t find_in_ram(const uint8_t *pat, size_t n)
{
	/* This image holds the decoded patterns; the DTB is keel's message to us. */
	return find(env.ram_base, env.ram_base + env.ram_size, pat, n,
		    env.image_start, env.image_end, env.dtb, env.dtb + env.dtb_size);
}

static void check_ram_contents(void)
{
	static uint8_t marker[MARKER_LEN], banner[BANNER_LEN];
	uint64_t free_base, free_size, plant, hit;

	marker_build(marker);
	banner_build(banner);

	/* The scanner finds a marker planted at an odd address, then forget it. */
	ram_free_region(&free_base, &free_size);
	plant = free_base + free_size / 2 + 3;
	memcpy((void *)(uintptr_t)plant, marker, MARKER_LEN);
	hit = find_in_ram(marker, MARKER_LEN);
	checkf("ram-scan-selftest", hit == plant, "planted at 0x%lx, found at 0x%lx",
	       (unsigned long)plant, (unsigned long)hit);
	memset((void *)(uintptr_t)plant, 0, MARKER_LEN);

	hit = find_in_ram(marker, MARKER_LEN);
	checkf("ram-has-no-secret-marker", hit == 0, "found at 0x%lx", (unsigned long)hit);
	hit = find_in_ram(banner, BANNER_LEN);
	checkf("ram-has-no-keel-banner", hit == 0, "found at 0x%lx", (unsigned long)hit);
}

void guest_main(void)
{
	check_ram_contents();
	check_probes();
}
