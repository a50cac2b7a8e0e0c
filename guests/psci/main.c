/*
 * Guest PSCI (run with 4 vCPUs): PSCI_VERSION, PSCI_FEATURES of what keel
 * implements and of what it does not, every id in the PSCI ranges keel does
 * not implement answering NOT_SUPPORTED and doing nothing, CPU_ON's error
 * answers, AFFINITY_INFO through OFF -> ON -> OFF, CPU_ON again after CPU_OFF
 * (SMC64 and SMC32 forms), hundreds of CPU_OFF/CPU_ON cycles each starting
 * from reset EL1 state, three vCPUs racing CPU_ON for one target (one SUCCESS,
 * the others ALREADY_ON), CPU_SUSPEND,
 * MIGRATE_INFO_TYPE, SMCCC_VERSION discovery.
 *
 * In a VM named "psci-last-off" (2 vCPUs) it checks instead that a VM whose
 * vCPUs all call CPU_OFF is powered off: vCPU 0 goes off first, vCPU 1 prints
 * the SUMMARY and calls CPU_OFF instead of SYSTEM_OFF.
 *
 * Without keel (QEMU's own PSCI) the answers keel gives and the architecture
 * leaves open (INVALID_ADDRESS, AFFINITY_INFO above level 0, SMCCC_VERSION)
 * are not checked.
 */
#include "guest/gic.h"
#include "guest/guest.h"

#include <string.h>

const char guest_name[] = "psci";

#define AFF_ON			0
#define AFF_OFF			1
#define MIGRATE_NOT_REQUIRED	2	/* MIGRATE_INFO_TYPE: no Trusted OS to migrate */
#define NONEXISTENT_MPIDR	0xff00ffULL
#define CONTEXT(round, cpu)	(0xc0de000000000000ULL | (uint64_t)(round) << 8 | (cpu))
#define CONTEXT32(cpu)		(0x5eed0000u | (cpu))
#define WAIT_S			5

#define SMC32(fid)		((fid) & ~0x40000000u)	/* the SMC32 id of an SMC64 call */

/* PSCI function ids keel does not have. */
#define PSCI_MIGRATE		0xc4000005u
#define PSCI_CPU_FREEZE		0x8400000bu
#define PSCI_SYSTEM_SUSPEND	0xc400000eu
#define PSCI_UNKNOWN		0x8400001fu

/* CPU_SUSPEND power_state: original format, standby (StateType 0), level 0. */
#define POWER_STATE_STANDBY	0
#define SUSPEND_WAKE_MS		10
#define VTIMER_INTID		27	/* PPI 11, keel's and QEMU's virtual timer */
#define CNTV_CTL_ENABLE		1

static volatile uint32_t online[GUEST_MAX_CPUS], release[GUEST_MAX_CPUS];
static volatile uint64_t seen_context[GUEST_MAX_CPUS], seen_mpidr[GUEST_MAX_CPUS];

static int64_t psci(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int64_t)hvc_call(fid, a1, a2, a3, 0, 0, 0).a0;
}

static bool wait_flag(volatile uint32_t *v)
{
	uint64_t end = timer_count() + WAIT_S * timer_freq();

	while (!__atomic_load_n(v, __ATOMIC_ACQUIRE))
		if (timer_count() > end)
			return false;
	return true;
}

static bool wait_off(unsigned cpu)
{
	uint64_t end = timer_count() + WAIT_S * timer_freq();

	while (psci_affinity_info(env.cpu_mpidr[cpu]) != AFF_OFF)
		if (timer_count() > end)
			return false;
	return true;
}

/* On a secondary: report in, wait to be released, return (the runtime does CPU_OFF). */
static void secondary(uint64_t context_id)
{
	unsigned me = cpu_index();

	seen_context[me] = context_id;
	seen_mpidr[me] = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	__atomic_store_n(&online[me], 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&release[me], __ATOMIC_ACQUIRE))
		;
}

/* ---------------------------------------------------------------- discovery */

static void check_version_features(void)
{
	static const struct { uint32_t fid; const char *name; } implemented[] = {
		{ PSCI_VERSION, "version" },
		{ PSCI_CPU_SUSPEND, "cpu-suspend" },
		{ SMC32(PSCI_CPU_SUSPEND), "cpu-suspend-32" },
		{ PSCI_CPU_OFF, "cpu-off" },
		{ PSCI_CPU_ON, "cpu-on" },
		{ SMC32(PSCI_CPU_ON), "cpu-on-32" },
		{ PSCI_AFFINITY_INFO, "affinity-info" },
		{ SMC32(PSCI_AFFINITY_INFO), "affinity-info-32" },
		{ PSCI_MIGRATE_INFO_TYPE, "migrate-info-type" },
		{ PSCI_SYSTEM_OFF, "system-off" },
		{ PSCI_SYSTEM_RESET, "system-reset" },
		{ PSCI_FEATURES, "features" },
	};
	static const struct { uint32_t fid; const char *name; } missing[] = {
		{ PSCI_MIGRATE, "migrate" },
		{ PSCI_CPU_FREEZE, "cpu-freeze" },
		{ PSCI_SYSTEM_SUSPEND, "system-suspend" },
		{ PSCI_UNKNOWN, "unknown" },
	};
	char name[48];
	int64_t r;

	check_eq("psci-version", psci_version(), PSCI_VERSION_1_1);
	for (unsigned i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++) {
		snprintf(name, sizeof(name), "features-%s", implemented[i].name);
		check_eq(name, psci(PSCI_FEATURES, implemented[i].fid, 0, 0), PSCI_SUCCESS);
	}
	for (unsigned i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		snprintf(name, sizeof(name), "features-%s-not-supported", missing[i].name);
		check_eq(name, psci(PSCI_FEATURES, missing[i].fid, 0, 0),
			 (uint64_t)PSCI_NOT_SUPPORTED);
	}
	r = psci(PSCI_FEATURES, SMCCC_VERSION, 0, 0);
	if (env.under_keel)
		check_eq("features-smccc-version", r, PSCI_SUCCESS);
	else
		printf("NOTE PSCI_FEATURES(SMCCC_VERSION) = %ld without keel\n", (long)r);
	check_eq("migrate-info-type", psci(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), MIGRATE_NOT_REQUIRED);
}

/* ---------------------------------------------------------------- CPU_ON errors */

static void check_cpu_on_errors(void)
{
	uint64_t entry = cpu_entry_point();

	check_eq("cpu-on-nonexistent", psci_cpu_on_raw(NONEXISTENT_MPIDR, entry, 0),
		 (uint64_t)PSCI_INVALID_PARAMETERS);
	check_eq("cpu-on-self-already-on", psci_cpu_on_raw(env.cpu_mpidr[0], entry, 0),
		 (uint64_t)PSCI_ALREADY_ON);
	if (!env.under_keel) {
		/* QEMU would start the vCPU at the bad address. */
		skip("cpu-on-invalid-address", "not under keel");
		return;
	}
	check_eq("cpu-on-entry-past-ram",
		 psci_cpu_on_raw(env.cpu_mpidr[1], env.ram_base + env.ram_size, 0),
		 (uint64_t)PSCI_INVALID_ADDRESS);
	check_eq("cpu-on-entry-on-device", psci_cpu_on_raw(env.cpu_mpidr[1], env.uart_base, 0),
		 (uint64_t)PSCI_INVALID_ADDRESS);
	check_eq("cpu-on-entry-below-ram", psci_cpu_on_raw(env.cpu_mpidr[1], 0x1000, 0),
		 (uint64_t)PSCI_INVALID_ADDRESS);
	check_eq("cpu-on-invalid-address-stays-off", psci_affinity_info(env.cpu_mpidr[1]),
		 AFF_OFF);
}

static void check_affinity_info_args(void)
{
	check_eq("affinity-info-self-on", psci_affinity_info(env.cpu_mpidr[0]), AFF_ON);
	if (!env.under_keel) {
		skip("affinity-info-level", "not under keel (QEMU answers levels above 0)");
		return;
	}
	check_eq("affinity-info-level-1", psci(PSCI_AFFINITY_INFO, env.cpu_mpidr[1], 1, 0),
		 (uint64_t)PSCI_INVALID_PARAMETERS);
	check_eq("affinity-info-level-3", psci(PSCI_AFFINITY_INFO, env.cpu_mpidr[1], 3, 0),
		 (uint64_t)PSCI_INVALID_PARAMETERS);
	check_eq("affinity-info-nonexistent",
		 psci_affinity_info(NONEXISTENT_MPIDR), (uint64_t)PSCI_INVALID_PARAMETERS);
}

/* ---------------------------------------------------------------- power cycle */

/* Start every secondary (round r), check each reports in with its context id, then off. */
static void power_cycle(unsigned r)
{
	char name[48];

	for (unsigned i = 1; i < env.ncpus; i++) {
		online[i] = release[i] = 0;
		seen_context[i] = seen_mpidr[i] = 0;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned i = 1; i < env.ncpus; i++) {
		snprintf(name, sizeof(name), "r%u-affinity-info-off-before-%u", r, i);
		check_eq(name, psci_affinity_info(env.cpu_mpidr[i]), AFF_OFF);
		snprintf(name, sizeof(name), "r%u-cpu-on-%u", r, i);
		if (r == 1 && i == env.ncpus - 1) {
			/*
			 * SMC32 CPU_ON: the entry (in the 4 GiB below) and the
			 * 32-bit context id; the runtime kept this vCPU's
			 * function from round 0's cpu_start().
			 */
			check_eq(name, (uint32_t)psci(SMC32(PSCI_CPU_ON), env.cpu_mpidr[i],
						      cpu_entry_point(), CONTEXT32(i)),
				 PSCI_SUCCESS);
		} else {
			check_eq(name, cpu_start(i, secondary, CONTEXT(r, i)), PSCI_SUCCESS);
		}
	}
	for (unsigned i = 1; i < env.ncpus; i++) {
		uint64_t want = (r == 1 && i == env.ncpus - 1) ? CONTEXT32(i) : CONTEXT(r, i);
		bool up = wait_flag(&online[i]);

		snprintf(name, sizeof(name), "r%u-cpu%u-context-id", r, i);
		checkf(name, up && seen_context[i] == want && seen_mpidr[i] == env.cpu_mpidr[i],
		       "online %d, context 0x%lx (want 0x%lx), MPIDR 0x%lx", up,
		       (unsigned long)seen_context[i], (unsigned long)want,
		       (unsigned long)seen_mpidr[i]);
		snprintf(name, sizeof(name), "r%u-affinity-info-on-%u", r, i);
		check_eq(name, psci_affinity_info(env.cpu_mpidr[i]), AFF_ON);
		snprintf(name, sizeof(name), "r%u-cpu-on-already-on-%u", r, i);
		check_eq(name, psci_cpu_on_raw(env.cpu_mpidr[i], cpu_entry_point(), 0),
			 (uint64_t)PSCI_ALREADY_ON);
	}
	for (unsigned i = 1; i < env.ncpus; i++)
		__atomic_store_n(&release[i], 1, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < env.ncpus; i++) {
		snprintf(name, sizeof(name), "r%u-affinity-info-off-after-%u", r, i);
		check(name, wait_off(i));
	}
}

/* ---------------------------------------------------------------- ids that do not exist */

#define PSCI_RANGE_SMC32	0x84000000u
#define PSCI_RANGE_SMC64	0xc4000000u
#define PSCI_RANGE_SIZE		0x20	/* function numbers 0x00-0x1f of each */

/* The ids keel implements in those ranges (the table in src/core/psci.c). */
static bool psci_implemented(uint32_t fid)
{
	static const uint32_t ids[] = {
		PSCI_VERSION, SMC32(PSCI_CPU_SUSPEND), PSCI_CPU_SUSPEND, PSCI_CPU_OFF,
		SMC32(PSCI_CPU_ON), PSCI_CPU_ON, SMC32(PSCI_AFFINITY_INFO), PSCI_AFFINITY_INFO,
		PSCI_MIGRATE_INFO_TYPE, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET, PSCI_FEATURES,
	};

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == fid)
			return true;
	return false;
}

static uint32_t range_fid(unsigned range, unsigned n)
{
	return (range ? PSCI_RANGE_SMC64 : PSCI_RANGE_SMC32) + n;
}

static volatile uint32_t probe_at, probe_done, probe_release;
static volatile int64_t probe_ret[2][PSCI_RANGE_SIZE];
static volatile bool probe_answered[2][PSCI_RANGE_SIZE];

/*
 * On vCPU 1: call every id keel does not implement. The arguments make an
 * executed call show: PSCI_FEATURES(PSCI_VERSION) would answer 0, an alias of
 * CPU_OFF, SYSTEM_OFF or SYSTEM_RESET would stop this vCPU or the VM (vCPU 0
 * then reports the id this vCPU reached).
 */
static void probe_unknown_fids(uint64_t context_id __attribute__((unused)))
{
	for (unsigned r = 0; r < 2; r++)
		for (unsigned n = 0; n < PSCI_RANGE_SIZE; n++) {
			uint32_t fid = range_fid(r, n);

			if (psci_implemented(fid))
				continue;
			__atomic_store_n(&probe_at, fid, __ATOMIC_RELEASE);
			probe_ret[r][n] = psci(fid, PSCI_VERSION, cpu_entry_point(), 0);
			__atomic_store_n(&probe_answered[r][n], true, __ATOMIC_RELEASE);
		}
	__atomic_store_n(&probe_done, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&probe_release, __ATOMIC_ACQUIRE))
		;
}

static void check_unknown_fids(void)
{
	char name[64];
	bool done;

	if (!env.under_keel) {
		/* QEMU's PSCI implements other calls (SYSTEM_SUSPEND, CPU_FREEZE...). */
		skip("unknown-fids", "not under keel");
		return;
	}
	check_eq("unknown-fids-start-prober", cpu_start(1, probe_unknown_fids, 0), PSCI_SUCCESS);
	done = wait_flag(&probe_done);
	checkf("unknown-fids-vcpu-keeps-running",
	       done && psci_affinity_info(env.cpu_mpidr[1]) == AFF_ON,
	       "the prober vCPU stopped at id 0x%x", probe_at);
	for (unsigned r = 0; r < 2; r++) {
		unsigned bad = 0, bad_features = 0, probed = 0, unanswered = 0;
		uint32_t first = 0, first_features = 0;
		int64_t first_ret = 0, first_features_ret = 0;

		for (unsigned n = 0; n < PSCI_RANGE_SIZE; n++) {
			uint32_t fid = range_fid(r, n);
			int64_t f;

			if (psci_implemented(fid))
				continue;
			probed++;
			if (!__atomic_load_n(&probe_answered[r][n], __ATOMIC_ACQUIRE))
				unanswered++;
			else if (probe_ret[r][n] != PSCI_NOT_SUPPORTED && !bad++) {
				first = fid;
				first_ret = probe_ret[r][n];
			}
			f = psci(PSCI_FEATURES, fid, 0, 0);
			if (f != PSCI_NOT_SUPPORTED && !bad_features++) {
				first_features = fid;
				first_features_ret = f;
			}
		}
		snprintf(name, sizeof(name), "unknown-fids-0x%x-not-supported", range_fid(r, 0));
		checkf(name, bad == 0 && unanswered == 0, "%u of %u ids answered other than "
		       "NOT_SUPPORTED, first 0x%x: %ld; %u never returned", bad, probed, first,
		       (long)first_ret, unanswered);
		snprintf(name, sizeof(name), "unknown-fids-0x%x-features-not-supported",
			 range_fid(r, 0));
		checkf(name, bad_features == 0, "PSCI_FEATURES of %u of %u ids not NOT_SUPPORTED, "
		       "first 0x%x: %ld", bad_features, probed, first_features,
		       (long)first_features_ret);
	}
	__atomic_store_n(&probe_release, 1, __ATOMIC_RELEASE);
	check("unknown-fids-prober-off", wait_off(1));
}

/* ---------------------------------------------------------------- CPU_OFF/CPU_ON cycles */

#define CYCLES			1000	/* per secondary vCPU, at most ... */
#define CYCLES_BUDGET_S		10	/* ... in this time (~0.3 s on an idle host) */
#define CYCLES_MIN		200	/* at least, per secondary vCPU */
#define RUN_CONTEXT(cpu, run)	((uint64_t)(cpu) << 24 | (run))	/* as cycle.S reads it */
#define RUN_VBAR(ctx)		((ctx) << 12)
#define RUN_TPIDR(ctx)		(~(ctx))
#define RUN_D31(ctx)		((ctx) | 1ULL << 63)
#define RUN_PMR(ctx)		(0x80 | ((ctx) & 0xf) << 3)

/*
 * What psci_cycle_entry (cycle.S) saw on its vCPU, written with the MMU off:
 * one slot per vCPU and run parity, so a run never overwrites the slot of the
 * run before it, which vCPU 0 reads once the next CPU_ON has succeeded.
 */
struct psci_slot {
	uint64_t vbar, tpidr, done, cpacr, d31, pmr;
	uint64_t pad[10];
};
_Static_assert(sizeof(struct psci_slot) == 128, "SLOT_SHIFT in cycle.S");
struct psci_slot psci_slots[GUEST_MAX_CPUS][2] __attribute__((aligned(128)));
void psci_cycle_entry(void);

static uint64_t cycle_entry(void)
{
	return (uint64_t)(uintptr_t)psci_cycle_entry;
}

/* The slot of run `run` of vCPU `cpu`, as written to memory (not as this vCPU cached it). */
static void slot_read(unsigned cpu, unsigned run, struct psci_slot *out)
{
	struct psci_slot *slot = &psci_slots[cpu][run & 1];

	__asm__ volatile("dc civac, %0\n\tdsb sy" :: "r"(slot) : "memory");
	out->done = __atomic_load_n(&slot->done, __ATOMIC_ACQUIRE);
	out->vbar = slot->vbar;
	out->tpidr = slot->tpidr;
	out->cpacr = slot->cpacr;
	out->d31 = slot->d31;
	out->pmr = slot->pmr;
}

/*
 * A run must start with the state of a reset vCPU. keel's is 0 for all of
 * these; QEMU's own PSCI makes no promise beyond "not the last run's".
 */
static bool run_state_fresh(const struct psci_slot *s, uint64_t prev_ctx)
{
	if (env.under_keel)
		return !s->vbar && !s->tpidr && !s->cpacr && !s->d31 && !s->pmr;
	return s->vbar != RUN_VBAR(prev_ctx) && s->tpidr != RUN_TPIDR(prev_ctx) &&
	       s->d31 != RUN_D31(prev_ctx) && s->pmr != RUN_PMR(prev_ctx);
}

struct cycle_tally {
	unsigned checked, missing, stale, stale_cpu, stale_run;
	struct psci_slot first_stale;
};

static void cycle_check_run(struct cycle_tally *t, unsigned cpu, unsigned run)
{
	struct psci_slot s;

	slot_read(cpu, run, &s);
	t->checked++;
	if (s.done != RUN_CONTEXT(cpu, run)) {
		t->missing++;
	} else if (!run_state_fresh(&s, RUN_CONTEXT(cpu, run - 1)) && !t->stale++) {
		t->stale_cpu = cpu;
		t->stale_run = run;
		t->first_stale = s;
	}
}

/*
 * Every secondary runs psci_cycle_entry CYCLES times: it records its EL1
 * state, makes it unique and calls CPU_OFF, while vCPU 0 calls CPU_ON for it
 * over and over, so each new run starts the moment keel lets it, while the
 * CPU that ran the last one may still be taking it off.
 */
static void check_off_on_cycles(void)
{
	unsigned started[GUEST_MAX_CPUS] = { 0 }, total = (env.ncpus - 1) * CYCLES, nstarted = 0;
	unsigned not_off = 0, fewest = CYCLES;
	uint64_t start = timer_count(), end = start + CYCLES_BUDGET_S * timer_freq();
	int64_t bad_ret = PSCI_SUCCESS;
	struct cycle_tally t = { 0 };

	while (nstarted < total && bad_ret == PSCI_SUCCESS && timer_count() < end) {
		for (unsigned c = 1; c < env.ncpus && bad_ret == PSCI_SUCCESS; c++) {
			int64_t r;

			if (started[c] == CYCLES)
				continue;
			r = psci_cpu_on_raw(env.cpu_mpidr[c], cycle_entry(),
					    RUN_CONTEXT(c, started[c] + 1));
			if (r == PSCI_ALREADY_ON || r == PSCI_ON_PENDING) {
				not_off++;	/* the last run is not over yet */
				continue;
			}
			if (r != PSCI_SUCCESS) {
				bad_ret = r;
				continue;
			}
			started[c]++;
			nstarted++;
			/* The run before wrote its slot before CPU_OFF: it is over. */
			if (started[c] > 1)
				cycle_check_run(&t, c, started[c] - 1);
		}
	}
	for (unsigned c = 1; c < env.ncpus; c++) {
		char name[48];
		bool off = wait_off(c);

		if (started[c])
			cycle_check_run(&t, c, started[c]);
		if (started[c] < fewest)
			fewest = started[c];
		snprintf(name, sizeof(name), "off-on-cycles-off-after-%u", c);
		check(name, off);
	}
	printf("NOTE %u CPU_OFF/CPU_ON cycles in %lu ms; %u CPU_ON calls found the vCPU not yet off\n",
	       nstarted, (unsigned long)((timer_count() - start) * 1000 / timer_freq()), not_off);
	checkf("off-on-cycles-complete", fewest >= CYCLES_MIN && t.checked == nstarted &&
	       t.missing == 0 && bad_ret == PSCI_SUCCESS,
	       "%u runs in %u s, fewest on one vCPU %u (need %u), %u of %u checked, %u without "
	       "their record; CPU_ON answered %ld", nstarted, CYCLES_BUDGET_S, fewest, CYCLES_MIN,
	       t.checked, nstarted, t.missing, (long)bad_ret);
	checkf("off-on-cycles-reset-state", t.checked > 0 && t.stale == 0,
	       "%u of %u runs started with another run's state, first vCPU %u run %u: "
	       "VBAR_EL1 0x%lx TPIDR_EL1 0x%lx CPACR_EL1 0x%lx D31 0x%lx ICC_PMR_EL1 0x%lx",
	       t.stale, t.checked, t.stale_cpu, t.stale_run,
	       (unsigned long)t.first_stale.vbar, (unsigned long)t.first_stale.tpidr,
	       (unsigned long)t.first_stale.cpacr, (unsigned long)t.first_stale.d31,
	       (unsigned long)t.first_stale.pmr);
}

/* ---------------------------------------------------------------- racing CPU_ON */

#define RACE_ROUNDS		100
#define RACERS			3	/* vCPUs 0..2 race to start vCPU 3 */
#define RACE_TARGET		3
#define RACE_CONTEXT(round, racer) ((uint64_t)(round) << 8 | (racer))

static volatile uint32_t race_go, race_arrived, race_release;
static volatile int64_t race_ret[RACERS];
static volatile uint64_t race_seen;

static bool wait_count(volatile uint32_t *v, uint32_t want)
{
	uint64_t end = timer_count() + WAIT_S * timer_freq();

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		if (timer_count() > end)
			return false;
	return true;
}

/* The target: say which call started it, stay on until every racer has answered. */
static void race_target(uint64_t context_id)
{
	__atomic_store_n(&race_seen, context_id, __ATOMIC_RELEASE);
	wait_count(&race_release, (uint32_t)(context_id >> 8));
}

static void race_cpu_on(unsigned me, uint32_t round)
{
	race_ret[me] = cpu_start(RACE_TARGET, race_target, RACE_CONTEXT(round, me));
}

/* On vCPUs 1 and 2: at each go, CPU_ON the target; then count in. */
static void racer(uint64_t context_id __attribute__((unused)))
{
	unsigned me = cpu_index();

	for (uint32_t round = 1; round <= RACE_ROUNDS; round++) {
		if (!wait_count(&race_go, round))
			return;
		race_cpu_on(me, round);
		__atomic_fetch_add(&race_arrived, 1, __ATOMIC_ACQ_REL);
	}
}

/*
 * Three vCPUs call CPU_ON for one target at once, and the target stays on
 * until all have answered: exactly one call may succeed, and the others must
 * find the target already on (ALREADY_ON) whether or not it has started to
 * run: keel commits it to run before the winning call returns, so no later
 * call finds it ON_PENDING (see src/core/psci.c).
 */
static void check_cpu_on_race(void)
{
	unsigned bad = 0, bad_round = 0, wrong_run = 0, rounds = 0;
	int64_t bad_ret[RACERS] = { 0 };
	char name[48];

	for (unsigned i = 1; i < RACERS; i++) {
		snprintf(name, sizeof(name), "cpu-on-race-start-racer-%u", i);
		check_eq(name, cpu_start(i, racer, 0), PSCI_SUCCESS);
	}
	for (uint32_t round = 1; round <= RACE_ROUNDS; round++) {
		unsigned success = 0, already_on = 0, winner = 0;
		uint64_t end;

		__atomic_store_n(&race_go, round, __ATOMIC_RELEASE);
		race_cpu_on(0, round);
		if (!wait_count(&race_arrived, round * (RACERS - 1)))
			break;
		for (unsigned i = 0; i < RACERS; i++) {
			if (race_ret[i] == PSCI_SUCCESS) {
				success++;
				winner = i;
			} else if (race_ret[i] == PSCI_ALREADY_ON) {
				already_on++;
			}
		}
		if ((success != 1 || already_on != RACERS - 1) && !bad++) {
			bad_round = round;
			for (unsigned i = 0; i < RACERS; i++)
				bad_ret[i] = race_ret[i];
		}
		/* The target runs once, started by the winner. */
		end = timer_count() + WAIT_S * timer_freq();
		while (__atomic_load_n(&race_seen, __ATOMIC_ACQUIRE) >> 8 != round &&
		       timer_count() < end)
			;
		if (success == 1 && race_seen != RACE_CONTEXT(round, winner))
			wrong_run++;
		__atomic_store_n(&race_release, round, __ATOMIC_RELEASE);
		if (!wait_off(RACE_TARGET))
			break;
		rounds++;
	}
	checkf("cpu-on-race-rounds", rounds == RACE_ROUNDS, "%u of %u rounds", rounds, RACE_ROUNDS);
	checkf("cpu-on-race-one-success-others-already-on", rounds > 0 && bad == 0,
	       "%u of %u rounds wrong, first round %u answered %ld %ld %ld", bad, rounds,
	       bad_round, (long)bad_ret[0], (long)bad_ret[1], (long)bad_ret[2]);
	checkf("cpu-on-race-target-ran-for-winner", rounds > 0 && wrong_run == 0,
	       "%u rounds where the target did not run with the winner's context id", wrong_run);
	for (unsigned i = 1; i < RACERS; i++) {
		snprintf(name, sizeof(name), "cpu-on-race-racer-off-%u", i);
		check(name, wait_off(i));
	}
}

/* ---------------------------------------------------------------- the last vCPU off */

#define LAST_OFF_VM		"psci-last-off"

static void last_off_secondary(uint64_t context_id __attribute__((unused)))
{
	check("last-off-vcpu0-off", wait_off(0));
	check_eq("last-off-self-on", psci_affinity_info(env.cpu_mpidr[1]), AFF_ON);
	printf("SUMMARY %s %u passed, %u failed\n", guest_name, checks_passed(), checks_failed());
	/* Returning calls CPU_OFF: no vCPU of the VM is left. */
}

/* keel names the VM in the device tree's model ("keel VM <name>"). */
static bool vm_named(const char *name)
{
	size_t n = env.vm_name ? strlen(env.vm_name) : 0, len = strlen(name);

	return n >= len && !strcmp(env.vm_name + n - len, name) &&
	       (n == len || env.vm_name[n - len - 1] == ' ');
}

static void last_off_main(void)
{
	if (env.ncpus < 2) {
		checkf("last-off-two-vcpus", false, "%u vCPUs in the device tree, need 2", env.ncpus);
		return;
	}
	if (!check_eq("last-off-cpu-on", cpu_start(1, last_off_secondary, 0), PSCI_SUCCESS))
		return;
	psci_cpu_off();
}

/* ---------------------------------------------------------------- CPU_SUSPEND */

/*
 * A standby state may wait for an interrupt (QEMU's does WFI), so arm the
 * virtual timer through the GIC first, with PSTATE.I set: it wakes the vCPU
 * without being taken. Without a GIC there is nothing to wait for.
 */
static void check_cpu_suspend(void)
{
	bool gic = gic_init();
	uint64_t start = timer_count();
	int64_t r;

	if (gic) {
		irq_disable();
		gic_irq_enable(VTIMER_INTID);
		write_sysreg(cntv_cval_el0, start + SUSPEND_WAKE_MS * timer_freq() / 1000);
		write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
		isb();
	} else {
		printf("NOTE no GIC: CPU_SUSPEND without a wake-up source\n");
	}
	r = (int64_t)hvc_call(PSCI_CPU_SUSPEND, POWER_STATE_STANDBY, cpu_entry_point(), 0,
			      0, 0, 0).a0;
	if (gic) {
		write_sysreg(cntv_ctl_el0, 0);
		isb();
		gic_irq_disable(VTIMER_INTID);
		gic_irq_clear_pending(VTIMER_INTID);
	}
	checkf("cpu-suspend-returns", r == PSCI_SUCCESS &&
	       timer_count() - start < WAIT_S * timer_freq(), "returned %ld after %lu us",
	       (long)r, (unsigned long)((timer_count() - start) * 1000000 / timer_freq()));
}

void guest_main(void)
{
	if (vm_named(LAST_OFF_VM)) {
		last_off_main();
		return;
	}
	if (env.ncpus < 4) {
		checkf("psci-four-vcpus", false, "%u vCPUs in the device tree, need 4", env.ncpus);
		return;
	}
	check_version_features();
	check_affinity_info_args();
	check_unknown_fids();
	check_cpu_on_errors();
	power_cycle(0);
	power_cycle(1);
	check_off_on_cycles();
	check_cpu_on_race();
	check_cpu_suspend();
}
