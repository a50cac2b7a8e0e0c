/*
 * "keel,test-device": see include/keel/vtestdev.h.
 */
#include <keel/vtestdev.h>

#define VTESTDEV_ID_WIDTH 4   /* bytes */

void vtestdev_init(struct vtestdev *d)
{
	*d = (struct vtestdev){ 0 };
}

/* 1, 2, 4 or 8 bytes, naturally aligned: the only accesses the device decodes. */
static bool vtestdev_access_ok(uint64_t offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	return IS_ALIGNED(offset, size);
}

static bool vtestdev_in_scratch(uint64_t offset)
{
	/* Natural alignment keeps offset + size within the 256-byte block. */
	return offset - VTESTDEV_SCRATCH < VTESTDEV_SCRATCH_SIZE;
}

static uint64_t vtestdev_low_bytes(uint64_t v, unsigned size)
{
	return size >= 8 ? v : v & ((1ULL << (size * 8)) - 1);
}

/* Little-endian, byte by byte: the host running the unit tests may be either. */
static uint64_t vtestdev_scratch_load(const struct vtestdev *d, unsigned off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)d->scratch[off + i] << (8 * i);
	return v;
}

static void vtestdev_scratch_store(struct vtestdev *d, unsigned off, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++)
		d->scratch[off + i] = (uint8_t)(v >> (8 * i));
}

int vtestdev_read(struct vtestdev *d, uint64_t offset, unsigned size, uint64_t *val)
{
	if (!vtestdev_access_ok(offset, size))
		return KE_INVAL;
	if (vtestdev_in_scratch(offset)) {
		*val = vtestdev_scratch_load(d, (unsigned)(offset - VTESTDEV_SCRATCH), size);
		return 0;
	}
	switch (offset) {
	case VTESTDEV_ID:
		if (size > VTESTDEV_ID_WIDTH)
			return KE_INVAL;
		*val = vtestdev_low_bytes(VTESTDEV_ID_VALUE, size);
		return 0;
	case VTESTDEV_PATTERN:
		*val = vtestdev_low_bytes(VTESTDEV_PATTERN_VALUE, size);
		return 0;
	case VTESTDEV_WRITES:
		*val = vtestdev_low_bytes(d->writes, size);
		return 0;
	default:
		return KE_INVAL;
	}
}

int vtestdev_write(struct vtestdev *d, uint64_t offset, unsigned size, uint64_t val)
{
	/* Only the scratch block is writable; ID, PATTERN and WRITES are read-only. */
	if (!vtestdev_access_ok(offset, size) || !vtestdev_in_scratch(offset))
		return KE_INVAL;
	vtestdev_scratch_store(d, (unsigned)(offset - VTESTDEV_SCRATCH), size, val);
	d->writes++;
	return 0;
}
