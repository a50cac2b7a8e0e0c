/*
 * Fair share (tests/integration/test_sched.py): every vCPU of the VM counts as fast as
 * it can, never waiting, for RUN_MS from a common start; vCPU 0 then prints each
 * vCPU's count ("SHARE <vcpu> <count>") and checks each got its fair part of the
 * CPUs they share: within SHARE_MIN_PCT..SHARE_MAX_PCT of the mean. A vCPU that keel
 * never time-slices gets nothing, and the checks fail.
 */
#include "guest/guest.h"

const char guest_name[] = "share";

#define MAX_VCPUS     8
#define RUN_MS        3000
#define SHARE_MIN_PCT 80   /* 40/60 between two vCPUs is 80%..120% of their mean */
#define SHARE_MAX_PCT 120

static volatile uint64_t count[MAX_VCPUS];
static volatile unsigned online, done;
static volatile uint64_t start, end;

static void spin(unsigned me)
{
	uint64_t n = 0;

	while (timer_count() < __atomic_load_n(&start, __ATOMIC_ACQUIRE))
		;
	while (timer_count() < end)
		n++;
	count[me] = n;
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
}

static void worker(uint64_t context_id __attribute__((unused)))
{
	__atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&start, __ATOMIC_ACQUIRE))
		;
	spin(cpu_index());
	for (;;)
		__asm__ volatile("wfi");
}

void guest_main(void)
{
	unsigned n = env.ncpus < MAX_VCPUS ? env.ncpus : MAX_VCPUS;
	uint64_t total = 0, deadline;
	char name[32];

	printf("NOTE share: %u vCPUs\n", n);
	for (unsigned i = 1; i < n; i++)
		check_eq("share-cpu-on", cpu_start(i, worker, i), PSCI_SUCCESS);
	/* The others come online only when keel gives them the CPU: that is a time slice too. */
	deadline = timer_count() + 10 * timer_freq();
	while (__atomic_load_n(&online, __ATOMIC_ACQUIRE) < n - 1 && timer_count() < deadline)
		;
	check_eq("share-all-online", online, n - 1);
	end = timer_count() + timer_freq() / 10 + RUN_MS * timer_freq() / 1000;
	__atomic_store_n(&start, timer_count() + timer_freq() / 10, __ATOMIC_RELEASE);
	spin(0);
	deadline = timer_count() + 10 * timer_freq();
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < n && timer_count() < deadline)
		;
	check_eq("share-all-done", done, n);
	for (unsigned i = 0; i < n; i++) {
		printf("SHARE %u %lu\n", i, (unsigned long)count[i]);
		total += count[i];
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t pct = total ? count[i] * 100 * n / total : 0;

		snprintf(name, sizeof(name), "share-fair-%u", i);
		checkf(name, pct >= SHARE_MIN_PCT && pct <= SHARE_MAX_PCT,
		       "vCPU %u counted %lu, %lu%% of the mean", i, (unsigned long)count[i],
		       (unsigned long)pct);
	}
}
