/*
 * Guest PSCI (run with 4 vCPUs): PSCI_VERSION, PSCI_FEATURES of what keel
 * implements and of what it does not, CPU_ON's error answers, AFFINITY_INFO
 * through OFF -> ON -> OFF, CPU_ON again after CPU_OFF (SMC64 and SMC32
 * forms), CPU_SUSPEND, MIGRATE_INFO_TYPE, SMCCC_VERSION discovery.
 *
 * Without keel (QEMU's own PSCI) the answers keel gives and the architecture
 * leaves open (INVALID_ADDRESS, AFFINITY_INFO above level 0, SMCCC_VERSION)
 * are not checked.
 */
#include "guest/gic.h"
#include "guest/guest.h"

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
	if (env.ncpus < 4) {
		checkf("psci-four-vcpus", false, "%u vCPUs in the device tree, need 4", env.ncpus);
		return;
	}
	check_version_features();
	check_affinity_info_args();
	check_cpu_on_errors();
	power_cycle(0);
	power_cycle(1);
	check_cpu_suspend();
}
