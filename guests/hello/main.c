/*
 * The `make run` demo: says hello from every vCPU, ticks five times, powers off
 * (the runtime does, when guest_main returns).
 */
#include "guest/guest.h"

const char guest_name[] = "hello";

#define TICKS 5

static volatile unsigned cpus_done;

static void secondary(uint64_t context_id)
{
	printf("Hello from vCPU %u (MPIDR 0x%lx, context 0x%lx)\n", cpu_index(),
	       (unsigned long)(read_sysreg(mpidr_el1) & MPIDR_AFF_MASK),
	       (unsigned long)context_id);
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
}

void guest_main(void)
{
	uint64_t freq = timer_freq(), next;
	unsigned started = 0;

	printf("Hello from %s: %u vCPU%s\n", env.vm_name, env.ncpus, env.ncpus == 1 ? "" : "s");
	for (unsigned i = 1; i < env.ncpus; i++) {
		int64_t r = cpu_start(i, secondary, 0x1000 + i);

		if (r == PSCI_SUCCESS)
			started++;
		else
			printf("vCPU %u: CPU_ON failed (%ld)\n", i, (long)r);
	}
	next = timer_count() + freq;
	while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) < started &&
	       timer_count() < next)
		;
	for (unsigned t = 1; t <= TICKS; t++) {
		while (timer_count() < next)
			;
		next += freq;
		printf("%s: tick %u/%u\n", env.vm_name, t, TICKS);
	}
	check_eq("hello-vcpus-said-hello", cpus_done + 1, env.ncpus);
	printf("%s: goodbye\n", env.vm_name);
}
