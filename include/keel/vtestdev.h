/*
 * "keel,test-device": an MMIO device that exists only in test
 * configurations, so test guests can check keel's emulation of every access
 * size, signedness and addressing form against known values.
 *
 * Register map (offsets in the 4 KiB window):
 *   0x000-0x0ff  SCRATCH  256 bytes of little-endian RAM, any size, initially 0
 *   0x100        ID       RO 32-bit, "keel"; reads of 1, 2 or 4 bytes
 *   0x108        PATTERN  RO 64-bit; narrower reads see the low bytes
 *                         (0xf0, 0xe0f0, 0xc0d0e0f0: negative when sign-extended)
 *   0x110        WRITES   RO 64-bit count of accepted writes; narrower reads see
 *                         the low bytes
 * Accesses are 1, 2, 4 or 8 bytes and naturally aligned. Anything else,
 * writes to read-only registers and unmapped offsets return KE_INVAL (keel
 * then injects an abort, which test guests check for too).
 */
#ifndef KEEL_VTESTDEV_H
#define KEEL_VTESTDEV_H

#include <keel/types.h>

#define VTESTDEV_SIZE          0x1000
#define VTESTDEV_SCRATCH       0x000
#define VTESTDEV_SCRATCH_SIZE  0x100
#define VTESTDEV_ID            0x100
#define VTESTDEV_PATTERN       0x108
#define VTESTDEV_WRITES        0x110

#define VTESTDEV_ID_VALUE      0x6b65656cu              /* "keel" */
#define VTESTDEV_PATTERN_VALUE 0x8090a0b0c0d0e0f0ULL

struct vtestdev {
	uint8_t scratch[VTESTDEV_SCRATCH_SIZE];
	uint64_t writes;
};

void vtestdev_init(struct vtestdev *d);
must_check int vtestdev_read(struct vtestdev *d, uint64_t offset, unsigned size, uint64_t *val);
must_check int vtestdev_write(struct vtestdev *d, uint64_t offset, unsigned size, uint64_t val);

#endif
