/*
 * The "keel,test-device" MMIO window (test configurations only, found in the
 * DT; 4 KiB). Layout and rules as keel implements them (include/keel/vtestdev.h):
 *   0x000-0x0ff SCRATCH  256 bytes of little-endian storage, any size, reset 0
 *   0x100       ID       RO, 1/2/4-byte reads: TESTDEV_ID_VALUE
 *   0x108       PATTERN  RO, 1/2/4/8-byte reads at 0x108 see its low bytes
 *   0x110       WRITES   RO, count of accepted writes (reads as PATTERN)
 * Accesses are 1, 2, 4 or 8 bytes, naturally aligned. Anything else - an
 * unaligned or wider access, a write to a read-only register, an offset not
 * listed - is answered with a synchronous external abort and has no effect.
 */
#ifndef GUEST_TESTDEV_H
#define GUEST_TESTDEV_H

#define TESTDEV_SCRATCH		0x000
#define TESTDEV_SCRATCH_SIZE	0x100
#define TESTDEV_ID		0x100
#define TESTDEV_PATTERN		0x108
#define TESTDEV_WRITES		0x110

#define TESTDEV_ID_VALUE	0x6b65656cULL		/* "keel" */
#define TESTDEV_PATTERN_VALUE	0x8090a0b0c0d0e0f0ULL

#endif
