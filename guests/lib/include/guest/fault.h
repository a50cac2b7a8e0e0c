/*
 * Exceptions: the expected-exception facility and single-access probes.
 *
 * Between expect_fault_begin() and expect_fault_end() the next synchronous
 * exception on this vCPU is recorded instead of ending the guest: a data
 * abort or UNDEFINED is skipped (ELR_EL1 += 4); an instruction abort, or any
 * exception at an address outside this image, returns to the link register
 * (the test branched there with BLR). An exception outside such a window
 * (or an FIQ, an SError, an IRQ without a handler from guest/gic.h) prints
 *   FAIL unexpected-exception ESR=.. FAR=.. ELR=..
 * and ends the guest (SUMMARY, SYSTEM_OFF).
 */
#ifndef GUEST_FAULT_H
#define GUEST_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct exc_frame {
	uint64_t x[31];
	uint64_t sp, elr, spsr, esr, far;
};

struct fault {
	bool taken;
	uint32_t ec, fsc;
	uint64_t esr, far, elr;
};

void expect_fault_begin(void);
struct fault expect_fault_end(void);

/*
 * One access of `size` bytes (1, 2, 4, 8) with a plain LDR/STR of that size.
 * A read that faults leaves *val = PROBE_POISON.
 */
#define PROBE_POISON 0x5a5a5a5a5a5a5a5aULL
struct fault probe_read(uint64_t addr, unsigned size, uint64_t *val);
struct fault probe_write(uint64_t addr, unsigned size, uint64_t val);

/* True if f is a taken data abort (EC 0x25) with DFSC = SEA and FAR = addr. */
bool fault_is_sea(const struct fault *f, uint64_t addr);

/* Times an HVC/SMC was UNDEFINED and answered NOT_SUPPORTED by the runtime. */
extern volatile unsigned smccc_undef_count;

#endif
