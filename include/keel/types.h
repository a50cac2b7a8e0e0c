/*
 * Basic types, error codes and helpers shared by every keel module.
 * Pure header: compiles both for the EL2 image and for host unit tests.
 */
#ifndef KEEL_TYPES_H
#define KEEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes: functions that can fail return 0 or one of these (negative). */
#define KE_OK      0
#define KE_NOENT   (-2)   /* no such object (module, node, device) */
#define KE_NOMEM   (-12)  /* out of memory / table pages */
#define KE_EXIST   (-17)  /* something is already there */
#define KE_INVAL   (-22)  /* invalid argument */
#define KE_RANGE   (-34)  /* address or size out of range */
#define KE_NOTSUP  (-95)  /* valid but not supported by keel */

#define must_check __attribute__((warn_unused_result))
#define noreturn_fn __attribute__((noreturn))
#define __unused __attribute__((unused))

#define BIT(n)          (1ULL << (n))
#define GENMASK(h, l)   (((~0ULL) >> (63 - (h))) & ~((1ULL << (l)) - 1))
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)  (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a) - 1)) == 0)
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ULL << PAGE_SHIFT)
#define SZ_2M      (1ULL << 21)
#define SZ_1G      (1ULL << 30)

/* Extract bits [h:l] of v. */
static inline uint64_t bits(uint64_t v, unsigned h, unsigned l)
{
	return (v >> l) & ((h - l == 63) ? ~0ULL : ((1ULL << (h - l + 1)) - 1));
}

/* Sign-extend the low `width` bits of v. */
static inline int64_t sign_extend(uint64_t v, unsigned width)
{
	unsigned shift = 64 - width;
	return (int64_t)(v << shift) >> shift;
}

#endif
