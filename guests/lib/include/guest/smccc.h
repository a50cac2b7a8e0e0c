/*
 * SMCCC calls (HVC #0 / SMC #0) and the PSCI helpers built on them.
 * Function ids and return codes are keel's ABI header.
 */
#ifndef GUEST_SMCCC_H
#define GUEST_SMCCC_H

#include <stdint.h>
#include <keel/abi/hypercall.h>

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

/*
 * Issue HVC #0 / SMC #0 with w0 = fid and x1..x6 = args; returns x0..x3.
 * If the instruction is UNDEFINED (running without keel), the runtime makes
 * it return a0 = SMCCC_NOT_SUPPORTED: see fault.c.
 */
struct smccc_res hvc_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
			  uint64_t a4, uint64_t a5, uint64_t a6);
struct smccc_res smc_call(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
			  uint64_t a4, uint64_t a5, uint64_t a6);

#define hvc0(fid)		hvc_call((fid), 0, 0, 0, 0, 0, 0)
#define hvc2(fid, a, b)		hvc_call((fid), (a), (b), 0, 0, 0, 0)
#define smc0(fid)		smc_call((fid), 0, 0, 0, 0, 0, 0)
#define smc2(fid, a, b)		smc_call((fid), (a), (b), 0, 0, 0, 0)

/* PSCI over HVC (the conduit keel's device tree names). */
int64_t psci_version(void);
int64_t psci_cpu_on_raw(uint64_t mpidr, uint64_t entry, uint64_t context_id);
int64_t psci_affinity_info(uint64_t mpidr);
__attribute__((noreturn)) void psci_cpu_off(void);
/* SYSTEM_OFF; if it returns, park in WFI forever. */
__attribute__((noreturn)) void psci_system_off(void);

/*
 * Start vCPU `idx` (its MPIDR from the device tree) in the runtime: it gets
 * its own stack, the MMU and vectors, then calls fn(context_id) where
 * context_id is what it received in x0 from CPU_ON. When fn returns it does
 * PSCI CPU_OFF. Returns CPU_ON's answer.
 */
int64_t cpu_start(unsigned idx, void (*fn)(uint64_t context_id), uint64_t context_id);

/* The runtime's CPU_ON entry point (a valid one, for psci_cpu_on_raw tests). */
uint64_t cpu_entry_point(void);

#endif
