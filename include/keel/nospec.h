/*
 * Guest-controlled indices under speculation (Spectre variant 1). After a
 * bounds check such as `if (intid < VGIC_NR_IRQS)` a CPU may run the
 * guarded code speculatively with an out-of-range index and leave a trace
 * of the memory it loaded in the cache. Every index a guest chooses (INTIDs,
 * vCPU numbers, register numbers taken from an offset) that selects an array
 * element goes through array_index_nospec() after its bounds check:
 *
 *	if (idx >= n)
 *		return KE_INVAL;
 *	idx = array_index_nospec(idx, n);
 *	... a[idx] ...
 *
 * The clamp is computed without a branch, so a mispredicted check cannot skip
 * it; on arm64 it is CMP + SBC followed by CSDB, the barrier after which no
 * instruction speculatively uses a conditional-select or flag-derived result
 * that has not been resolved (Arm ARM, "Consumption of Speculative Data
 * Barrier"). The host build (unit tests) computes the same mask in C.
 */
#ifndef KEEL_NOSPEC_H
#define KEEL_NOSPEC_H

#include <stdint.h>

/* All ones when idx < size, zero otherwise (size <= 2^63 on the host path). */
static inline uint64_t array_index_mask_nospec(uint64_t idx, uint64_t size)
{
#if defined(__aarch64__) && !defined(KEEL_HOST)
	uint64_t mask;

	/* CMP leaves C = 1 exactly when idx >= size; SBC XZR, XZR gives -(1 - C). */
	__asm__ volatile("cmp %1, %2\n\t"
			 "sbc %0, xzr, xzr\n\t"
			 "hint #20" /* CSDB */
			 : "=r"(mask)
			 : "r"(idx), "r"(size)
			 : "cc");
	return mask;
#else
	/* idx | (size - 1 - idx) has its top bit clear exactly when idx < size. */
	return (uint64_t)(~(int64_t)(idx | (size - 1 - idx)) >> 63);
#endif
}

/* idx when idx < size, 0 otherwise, also under speculation. */
static inline uint64_t array_index_nospec(uint64_t idx, uint64_t size)
{
	return idx & array_index_mask_nospec(idx, size);
}

#endif
