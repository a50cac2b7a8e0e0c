/*
 * PSCI over HVC (keel's device tree says method = "hvc").
 */
#include "guest/smccc.h"
#include "guest/sysreg.h"

int64_t psci_version(void)
{
	return (int64_t)hvc0(PSCI_VERSION).a0;
}

int64_t psci_cpu_on_raw(uint64_t mpidr, uint64_t entry, uint64_t context_id)
{
	return (int64_t)hvc_call(PSCI_CPU_ON, mpidr, entry, context_id, 0, 0, 0).a0;
}

int64_t psci_affinity_info(uint64_t mpidr)
{
	return (int64_t)hvc2(PSCI_AFFINITY_INFO, mpidr, 0).a0;
}

void psci_cpu_off(void)
{
	hvc0(PSCI_CPU_OFF);
	for (;;)
		wfi();
}

void psci_system_off(void)
{
	hvc0(PSCI_SYSTEM_OFF);
	for (;;)
		wfi();
}
