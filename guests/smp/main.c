/*
 * Multi-vCPU: PSCI CPU_ON for every vCPU in /cpus (context id passed
 * through), an exclusive-access counter shared by all, CPU_ON's error
 * answers, CPU_OFF seen through AFFINITY_INFO, and a vCPU brought back.
 */
#include "guest/guest.h"

const char guest_name[] = "smp";

#define CONTEXT_BASE	0xc0de000000000000ULL
#define INCREMENTS	1000
#define NONEXISTENT_MPIDR 0xff00ffULL
#define AFF_ON		0
#define AFF_OFF		1

static volatile uint64_t counter;
static volatile unsigned online, release;

static void atomic_inc(volatile uint64_t *p)
{
	uint64_t tmp;
	uint32_t fail;

	__asm__ volatile("1: ldaxr %0, [%2]\n\t"
			 "add %0, %0, #1\n\t"
			 "stlxr %w1, %0, [%2]\n\t"
			 "cbnz %w1, 1b"
			 : "=&r"(tmp), "=&r"(fail) : "r"(p) : "memory");
}

/* Let the other vCPUs run: keel's YIELD, or nothing without keel. */
static void relax(void)
{
	if (env.under_keel)
		hvc0(KEEL_HC_YIELD);
}

static bool wait_for(volatile unsigned *v, unsigned want, unsigned seconds)
{
	uint64_t deadline = timer_count() + seconds * timer_freq();

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want) {
		if (timer_count() > deadline)
			return false;
		relax();
	}
	return true;
}

static void secondary(uint64_t context_id)
{
	unsigned me = cpu_index();
	uint64_t mpidr = read_sysreg(mpidr_el1);
	char name[32];

	printf("cpu%u online, MPIDR 0x%lx\n", me, (unsigned long)mpidr);
	snprintf(name, sizeof(name), "cpu%u-online", me);
	checkf(name, context_id == CONTEXT_BASE + me && (mpidr & MPIDR_AFF_MASK) == env.cpu_mpidr[me],
	       "context id 0x%lx, MPIDR 0x%lx", (unsigned long)context_id, (unsigned long)mpidr);
	for (unsigned i = 0; i < INCREMENTS; i++)
		atomic_inc(&counter);
	__atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
	sev();
	while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
		wfe();
}

static void comeback(uint64_t context_id)
{
	checkf("cpu1-online-again", context_id == CONTEXT_BASE + 0x100 && cpu_index() == 1,
	       "context id 0x%lx on slot %u", (unsigned long)context_id, cpu_index());
	atomic_inc(&counter);
	__atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
}

static bool wait_all_off(unsigned seconds)
{
	uint64_t deadline = timer_count() + seconds * timer_freq();

	for (unsigned i = 1; i < env.ncpus; i++) {
		while (psci_affinity_info(env.cpu_mpidr[i]) != AFF_OFF) {
			if (timer_count() > deadline)
				return false;
			relax();
		}
	}
	return true;
}

void guest_main(void)
{
	unsigned n = env.ncpus, started = 0;
	int64_t r;

	printf("NOTE smp: %u vCPUs in the device tree\n", n);
	if (n < 2) {
		skip("smp", "only one vCPU");
		return;
	}
	for (unsigned i = 1; i < n; i++) {
		char name[32];

		r = cpu_start(i, secondary, CONTEXT_BASE + i);
		snprintf(name, sizeof(name), "cpu-on-%u", i);
		if (check_eq(name, r, PSCI_SUCCESS))
			started++;
	}
	check("smp-all-online", wait_for(&online, n - 1, 5) && started == n - 1);
	for (unsigned i = 0; i < INCREMENTS; i++)
		atomic_inc(&counter);
	check_eq("smp-atomic-counter", counter, (uint64_t)n * INCREMENTS);

	check_eq("cpu-on-already-on", psci_cpu_on_raw(env.cpu_mpidr[1], cpu_entry_point(), 0),
		 (uint64_t)PSCI_ALREADY_ON);
	check_eq("cpu-on-self-already-on", psci_cpu_on_raw(env.cpu_mpidr[0], cpu_entry_point(), 0),
		 (uint64_t)PSCI_ALREADY_ON);
	check_eq("cpu-on-nonexistent", psci_cpu_on_raw(NONEXISTENT_MPIDR, cpu_entry_point(), 0),
		 (uint64_t)PSCI_INVALID_PARAMETERS);
	check_eq("affinity-info-on", psci_affinity_info(env.cpu_mpidr[1]), AFF_ON);

	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	sev();
	check("cpu-off-affinity-info", wait_all_off(5));

	online = 0;
	check_eq("cpu-on-after-off", cpu_start(1, comeback, CONTEXT_BASE + 0x100), PSCI_SUCCESS);
	check("cpu1-back", wait_for(&online, 1, 5));
	check_eq("smp-atomic-counter-final", counter, (uint64_t)n * INCREMENTS + 1);
	check("cpu1-off-again", wait_all_off(5));
}
