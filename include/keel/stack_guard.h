/*
 * The stack protector's guard (__stack_chk_guard, src/core/panic.c), which
 * every function -fstack-protector-strong instruments copies into its frame
 * and checks on return. It is seeded once, on the boot CPU, by
 * stack_guard_seed() from head.S, before any C function has been entered:
 * no instrumented frame can be live across the change.
 *
 * Sources, best first:
 *  - FEAT_RNG (ID_AA64ISAR0_EL1.RNDR): one RNDR value;
 *  - otherwise a mix of the physical counter (CNTPCT_EL0, read before and
 *    after the rest), the boot device tree's bytes (which carry firmware
 *    entropy when it provides /chosen/rng-seed or kaslr-seed), MPIDR and
 *    the load address. Weak: with a firmware that gives no seed, what is left
 *    unpredictable is when in the boot the counter was read.
 * The low byte is always 0 (a string copy overrunning a buffer stops at it).
 */
#ifndef KEEL_STACK_GUARD_H
#define KEEL_STACK_GUARD_H

#include <keel/types.h>

enum stack_guard_source {
	STACK_GUARD_CONSTANT,      /* never seeded (a bug: keel's entry always seeds it) */
	STACK_GUARD_RNDR,
	STACK_GUARD_WEAK_NO_RNG,   /* no FEAT_RNG */
	STACK_GUARD_WEAK_RNDR_FAILED,
};

#define STACK_GUARD_TERMINATOR_MASK 0xffULL

extern uintptr_t __stack_chk_guard;
extern enum stack_guard_source stack_guard_source;

/* head.S, boot CPU, MMU off, before any C: fdt and base as keel's entry got them. */
void stack_guard_seed(uint64_t fdt, uint64_t base);

/* Pure helpers (src/core/stack_guard.c, host-tested). */
/* Fold v into the running hash acc (a 64-bit finalizer: every input bit reaches every output bit). */
uint64_t stack_guard_mix(uint64_t acc, uint64_t v);
/* The guard for a seed: the seed with its terminator byte cleared. */
uint64_t stack_guard_from_seed(uint64_t seed);
/* For the boot log: "random (RNDR)", "weak: ...". */
const char *stack_guard_describe(enum stack_guard_source source);

#endif
