/*
 * The "keel,test-device" MMIO window (test configurations only; 0x0a000000,
 * 4 KiB, found in the DT). Every register is 64 bits wide and little-endian;
 * any naturally aligned 1-, 2-, 4- or 8-byte access to a register reads or
 * writes the corresponding bytes of it.
 *   - a misaligned access, or a write to a read-only register, is answered
 *     with a synchronous external abort (ESR_EL1.EC 0x25, DFSC 0x10) and has
 *     no effect (WRITES does not count it);
 *   - offsets not listed read as zero and ignore writes.
 */
#ifndef GUEST_TESTDEV_H
#define GUEST_TESTDEV_H

#define TESTDEV_ID		0x000	/* RO: TESTDEV_ID_VALUE */
#define TESTDEV_PATTERN		0x008	/* RO: TESTDEV_PATTERN_VALUE */
#define TESTDEV_WRITES		0x010	/* RO: writes accepted so far, any size/register */
#define TESTDEV_SCRATCH		0x100	/* RW: 0x100 bytes of plain storage, reset 0 */
#define TESTDEV_SCRATCH_SIZE	0x100

#define TESTDEV_ID_VALUE	0x6b65656cULL		/* "keel" */
#define TESTDEV_PATTERN_VALUE	0x8090a0b0c0d0e0f0ULL

#endif
