/* PSCI calls to the firmware below keel, over SMC (HVC would trap to keel itself). */
#include <keel/abi/hypercall.h>
#include <keel/firmware.h>

static uint64_t firmware_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return x0;
}

int firmware_init(enum psci_conduit conduit)
{
	return conduit == PSCI_CONDUIT_SMC ? KE_OK : KE_NOTSUP;
}

uint32_t firmware_psci_version(void)
{
	return (uint32_t)firmware_call(PSCI_VERSION, 0, 0, 0);
}

int64_t firmware_cpu_on(uint64_t mpidr, uint64_t entry_pa, uint64_t context)
{
	return (int64_t)firmware_call(PSCI_CPU_ON, mpidr, entry_pa, context);
}

void firmware_system_off(void)
{
	firmware_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}
