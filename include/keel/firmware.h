/* Calls keel makes to the platform firmware (PSCI at EL3, or QEMU's built-in one). */
#ifndef KEEL_FIRMWARE_H
#define KEEL_FIRMWARE_H

#include <keel/types.h>
#include <keel/platform.h>

must_check int firmware_init(enum psci_conduit conduit);
/* PSCI CPU_ON: returns the PSCI status. */
int64_t firmware_cpu_on(uint64_t mpidr, uint64_t entry_pa, uint64_t context);
noreturn_fn void firmware_system_off(void);
uint32_t firmware_psci_version(void);

#endif
