/*
 * Shared memory and doorbells between VMs (docs/config.md, "Shared memory and doorbells").
 * One image, several roles, chosen by the VM's bootargs:
 *   exchange <region> <peer> <count>  send and receive <count> messages with <peer> over
 *                                     the region's rings (guest/shm_ring.h), waking on
 *                                     doorbells, ringing through the PL061 and, every other
 *                                     time, KEEL_HC_DOORBELL; every message is checked
 *   owner <region> <peer>             write a pattern, ring <peer>, and once it rings back
 *                                     check the pattern is unchanged; then restart (PSCI
 *                                     SYSTEM_RESET) and check the region kept it
 *   reader <region> <peer> <ipa>      <peer>'s region is read-only here: read the pattern,
 *                                     try to write it (must abort, data unchanged), ring
 *                                     back; <ipa> is mapped in other VMs, not in this one:
 *                                     it must abort too
 *   ping <region> <peer> <n>          bench/run.py: ring <peer> through the PL061 and wait
 *                                     for its ring back, n times; prints
 *                                     BENCH doorbell_roundtrip_insns (instructions of every
 *                                     CPU under -icount shift=0, per round trip)
 *   pong <region> <peer>              the other side: its IRQ handler rings back at once
 */
#include "guest/guest.h"
#include "guest/gic.h"
#include "guest/shm.h"

const char guest_name[] = "shm";

#define MAX_WORDS     6
/* A peer that rings nothing for 20 s has stalled. */
#define WAIT_US       20000000ULL
#define PATTERN_WORDS 64
#define PATTERN(i)    (0x5ba7e0000000ULL + (i) * 0x10001ULL)
#define WRITE_TRY     0x6a6a6a6a6a6a6a6aULL

static char args[256];
static const char *argv[MAX_WORDS];
static unsigned argc;

static void parse_bootargs(void)
{
	int chosen = dt_path("/chosen");
	uint32_t len;
	const char *b = chosen >= 0 ? dt_prop(chosen, "bootargs", &len) : NULL;
	unsigned i = 0;

	if (!b)
		return;
	for (; i + 1 < sizeof(args) && i < len && b[i]; i++)
		args[i] = b[i];
	args[i] = '\0';
	for (char *p = args; *p && argc < MAX_WORDS;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
}

static uint64_t parse_number(const char *s)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned d = (*s >= '0' && *s <= '9') ? (unsigned)(*s - '0') :
			     (*s >= 'a' && *s <= 'f') ? (unsigned)(*s - 'a' + 10) : 99;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

/* The region and the peer's doorbell, or false after a FAIL line. */
static bool setup(const char *region, const char *peer, struct shm_region *r, int *k)
{
	if (!checkf("gic-init", gic_init(), "no GIC"))
		return false;
	if (!checkf("region-found", shm_find(region, r), "no region %s in the device tree", region))
		return false;
	printf("NOTE region %s at 0x%lx, %lu bytes%s, side %d of %u\n", region,
	       (unsigned long)r->base, (unsigned long)r->size, r->ro ? ", read-only" : "",
	       r->side, r->nr_users);
	if (!checkf("doorbell-found", doorbell_init(), "no PL061 doorbell in the device tree"))
		return false;
	*k = doorbell_peer(peer);
	return checkf("doorbell-peer", *k >= 0, "no ring-%s line", peer);
}

/* ---------------------------------------------------------------- exchange */

static unsigned rings_hvc, rings_gpio;

static void ring(unsigned k)
{
	if ((rings_hvc + rings_gpio) & 1) {
		rings_hvc++;
		(void)doorbell_ring_hvc(k);
	} else {
		rings_gpio++;
		doorbell_ring(k);
	}
}

static void exchange(const char *region, const char *peer, uint64_t count)
{
	struct shm_region r;
	struct shm_ring tx, rx;
	uint64_t sent = 0, got = 0, seq = 0, waits = 0;
	int k;

	if (!setup(region, peer, &r, &k))
		return;
	if (!checkf("region-two-sides", r.side >= 0 && r.nr_users == 2 && !r.ro,
		    "side %d of %u users%s", r.side, r.nr_users, r.ro ? ", read-only" : ""))
		return;
	shm_ring_open(&tx, (uintptr_t)r.base, r.size, (unsigned)r.side);
	shm_ring_open(&rx, (uintptr_t)r.base, r.size, 1u - (unsigned)r.side);
	while (sent < count || got < count) {
		bool did_send = false, did_take = false;
		int res = 0;

		while (sent < count && shm_ring_send(&tx)) {
			sent++;
			did_send = true;
		}
		while (got < count && (res = shm_ring_recv(&rx, got + 1, &seq)) == 1) {
			got++;
			did_take = true;
		}
		if (res < 0) {
			checkf("messages-in-order", false, "message %lu: got seq %lu or wrong content",
			       (unsigned long)(got + 1), (unsigned long)seq);
			return;
		}
		if (did_send || did_take)
			ring((unsigned)k);	/* news for the peer, or room */
		else if (doorbell_wait(WAIT_US))
			waits++;
		else if (shm_ring_head(&rx) == got) {
			checkf("messages-in-order", false, "stalled after %lu sent, %lu received",
			       (unsigned long)sent, (unsigned long)got);
			return;
		}
	}
	checkf("messages-in-order", got == count, "%lu of %lu", (unsigned long)got,
	       (unsigned long)count);
	/* The peer rings after each batch it takes: wait until it has taken the last one. */
	while (shm_ring_tail(&tx) < count && doorbell_wait(WAIT_US))
		waits++;
	checkf("messages-taken", sent == count && shm_ring_tail(&tx) == count,
	       "sent %lu, peer took %lu", (unsigned long)sent, (unsigned long)shm_ring_tail(&tx));
	check("doorbell-rang", doorbell_count() > 0 && waits > 0);
	check("doorbell-both-ways", rings_hvc > 0 && rings_gpio > 0);
	printf("NOTE %lu messages each way, %lu waits, %lu doorbells heard, %u rung by PL061, "
	       "%u by hypercall\n", (unsigned long)count, (unsigned long)waits,
	       (unsigned long)doorbell_count(), rings_gpio, rings_hvc);
}

/* ---------------------------------------------------------------- read-only */

static volatile uint64_t *words(const struct shm_region *r)
{
	return (volatile uint64_t *)(uintptr_t)r->base;
}

/* Written after the pattern before the owner restarts; keel must leave both in place. */
#define RESTART_MARK  0x7265737461727421ULL
#define OWNER_READY_WORD (PATTERN_WORDS + 1)
#define OWNER_READY   0x6f776e6572726479ULL

static unsigned pattern_bad(const struct shm_region *r)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < PATTERN_WORDS; i++)
		bad += words(r)[i] != PATTERN(i);
	return bad;
}

static void owner(const char *region, const char *peer)
{
	struct shm_region r;
	unsigned bad = 0;
	int k;

	if (!setup(region, peer, &r, &k))
		return;
	if (words(&r)[PATTERN_WORDS] == RESTART_MARK) {
		/* The second run: a VM restart does not clear its shared memory (docs/config.md). */
		bad = pattern_bad(&r);
		checkf("region-kept-across-restart", bad == 0, "%u of %u words changed", bad,
		       PATTERN_WORDS);
		return;
	}
	for (unsigned i = 0; i < PATTERN_WORDS; i++)
		words(&r)[i] = PATTERN(i);
	shm_barrier();
	words(&r)[OWNER_READY_WORD] = OWNER_READY;	/* after the pattern, before the ring */
	shm_barrier();
	doorbell_ring((unsigned)k);
	checkf("reader-rang-back", doorbell_wait(WAIT_US) & (1u << k), "no ring from %s", peer);
	bad = pattern_bad(&r);
	checkf("pattern-unchanged", bad == 0, "%u of %u words changed by the read-only reader",
	       bad, PATTERN_WORDS);
	words(&r)[PATTERN_WORDS] = RESTART_MARK;
	shm_barrier();
	printf("NOTE restarting: the region must keep its data\n");
	hvc0(PSCI_SYSTEM_RESET);
	checkf("system-reset", false, "PSCI SYSTEM_RESET returned");
}

static void reader(const char *region, const char *peer, uint64_t unmapped)
{
	struct shm_region r;
	unsigned bad = 0;
	uint64_t v = 0;
	struct fault f;
	int k;

	if (!setup(region, peer, &r, &k))
		return;
	check("region-read-only", r.ro);
	/* Flag, then ring: a ring before this VM's PL061 was set up is lost, but then the
	 * flag is there already. */
	checkf("owner-rang", words(&r)[OWNER_READY_WORD] == OWNER_READY ||
	       (doorbell_wait(WAIT_US) & (1u << k)), "no ring from %s", peer);
	for (unsigned i = 0; i < PATTERN_WORDS; i++)
		bad += words(&r)[i] != PATTERN(i);
	checkf("pattern-read", bad == 0, "%u of %u words differ", bad, PATTERN_WORDS);
	f = probe_write(r.base, 8, WRITE_TRY);
	checkf("write-aborts", fault_is_sea(&f, r.base), "a write to the read-only region %s",
	       f.taken ? "faulted, but not as an external abort at its address" : "did not fault");
	f = probe_write(r.base + r.size - 8, 8, WRITE_TRY);
	check("write-last-aborts", fault_is_sea(&f, r.base + r.size - 8));
	check_eq("pattern-kept", words(&r)[0], PATTERN(0));
	shm_barrier();
	doorbell_ring((unsigned)k);
	/* Another VM's region at an IPA this VM was not given: nothing there. */
	f = probe_read(unmapped, 8, &v);
	checkf("unmapped-read-aborts", fault_is_sea(&f, unmapped) && v == PROBE_POISON,
	       "reading 0x%lx", (unsigned long)unmapped);
	f = probe_write(unmapped, 8, WRITE_TRY);
	checkf("unmapped-write-aborts", fault_is_sea(&f, unmapped), "writing 0x%lx",
	       (unsigned long)unmapped);
	check_eq("hypercall-bad-peer", (uint64_t)doorbell_ring_hvc(DOORBELL_MAX_PEERS),
		 (uint64_t)SMCCC_INVALID_PARAMETER);
	check_eq("hypercall-huge-peer", (uint64_t)doorbell_ring_hvc(~0ULL),
		 (uint64_t)SMCCC_INVALID_PARAMETER);
}

/* ---------------------------------------------------------------- benchmark */

#define BENCH_WARMUP 100
#define NS_PER_S     1000000000ULL
#define PONG_READY   0x706f6e6752454459ULL	/* word 0 of the region: pong's doorbell is set up */

static unsigned pong_peer;
static volatile uint32_t pong_done;

static void pong_irq(uint32_t intid)
{
	if (doorbell_irq(intid))
		doorbell_ring(pong_peer);	/* from the handler: the round trip's far end */
}

static void pong(const char *region, const char *peer)
{
	struct shm_region r;
	bool ok;
	int k;

	if (!setup(region, peer, &r, &k))
		return;
	pong_peer = (unsigned)k;
	irq_set_handler(pong_irq);
	irq_enable();
	/* A ring before its PL061 was set up would be lost: ping waits for this first. */
	words(&r)[0] = PONG_READY;
	shm_barrier();
	doorbell_ring(pong_peer);
	/* Rings back until the peer powers off: this VM ends with the machine. */
	irq_wait_flag(&pong_done, ~0ULL, &ok);
}

static void ping(const char *region, const char *peer, uint64_t n)
{
	struct shm_region r;
	uint64_t start = 0, ticks;
	__int128 tenths;
	int k;

	if (!setup(region, peer, &r, &k))
		return;
	/* Flag, then ring: if the flag is not there yet, the ring comes after this VM's PL061
	 * is set up. No spinning: under -icount a spinning CPU can starve the other one. */
	if (words(&r)[0] != PONG_READY && !doorbell_wait(WAIT_US)) {
		checkf("doorbell-roundtrip", false, "%s never said it was ready", peer);
		return;
	}
	for (uint64_t i = 0; i < BENCH_WARMUP + n; i++) {
		if (i == BENCH_WARMUP)
			start = timer_count();
		doorbell_ring((unsigned)k);
		if (!doorbell_wait(WAIT_US)) {
			checkf("doorbell-roundtrip", false, "no ring back in round trip %lu",
			       (unsigned long)i);
			return;
		}
	}
	ticks = timer_count() - start;
	check("doorbell-roundtrip", true);
	tenths = ((__int128)ticks * 10 * NS_PER_S + (__int128)timer_freq() * n / 2) /
		 ((__int128)timer_freq() * n);
	printf("BENCH doorbell_roundtrip_insns %lu.%lu\n", (unsigned long)(tenths / 10),
	       (unsigned long)(tenths % 10));
}

void guest_main(void)
{
	parse_bootargs();
	if (argc == 4 && dt_streq(argv[0], "exchange"))
		exchange(argv[1], argv[2], parse_number(argv[3]));
	else if (argc == 3 && dt_streq(argv[0], "owner"))
		owner(argv[1], argv[2]);
	else if (argc == 4 && dt_streq(argv[0], "reader"))
		reader(argv[1], argv[2], parse_number(argv[3]));
	else if (argc == 4 && dt_streq(argv[0], "ping"))
		ping(argv[1], argv[2], parse_number(argv[3]));
	else if (argc == 3 && dt_streq(argv[0], "pong"))
		pong(argv[1], argv[2]);
	else
		checkf("role", false, "bootargs must be exchange/owner/reader/ping/pong ...: %u words", argc);
}
