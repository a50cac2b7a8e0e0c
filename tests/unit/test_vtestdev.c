// deps: src/devices/vtestdev.c
/*
 * "keel,test-device" register model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vtestdev.h>

#define VAL_UNTOUCHED 0x5555aaaa5555aaaaULL

static uint64_t rd(struct vtestdev *d, uint64_t off, unsigned size)
{
	uint64_t v = VAL_UNTOUCHED;

	assert_int_equal(vtestdev_read(d, off, size, &v), 0);
	return v;
}

static void wr(struct vtestdev *d, uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(vtestdev_write(d, off, size, v), 0);
}

static void test_vtestdev_reset(void **state)
{
	struct vtestdev d;

	memset(&d, 0xff, sizeof(d));
	vtestdev_init(&d);
	for (unsigned off = 0; off < VTESTDEV_SCRATCH_SIZE; off += 8)
		assert_int_equal(rd(&d, VTESTDEV_SCRATCH + off, 8), 0);
	assert_int_equal(rd(&d, VTESTDEV_WRITES, 8), 0);
	assert_int_equal(VTESTDEV_ID, 0x100);
	assert_int_equal(VTESTDEV_PATTERN, 0x108);
	assert_int_equal(VTESTDEV_WRITES, 0x110);
	assert_int_equal(VTESTDEV_SIZE, 0x1000);
}

static void test_vtestdev_id(void **state)
{
	struct vtestdev d;
	uint64_t v = VAL_UNTOUCHED;

	vtestdev_init(&d);
	assert_int_equal(rd(&d, VTESTDEV_ID, 4), 0x6b65656c);
	assert_int_equal(rd(&d, VTESTDEV_ID, 2), 0x656c);
	assert_int_equal(rd(&d, VTESTDEV_ID, 1), 0x6c);
	/* "keel" in memory order. */
	assert_int_equal(rd(&d, VTESTDEV_ID, 1), 'l');
	assert_int_equal(vtestdev_read(&d, VTESTDEV_ID, 8, &v), KE_INVAL);
	assert_int_equal(vtestdev_read(&d, VTESTDEV_ID + 1, 1, &v), KE_INVAL);
	assert_int_equal(vtestdev_read(&d, VTESTDEV_ID + 2, 2, &v), KE_INVAL);
	assert_int_equal(vtestdev_read(&d, VTESTDEV_ID + 4, 4, &v), KE_INVAL);
	assert_int_equal(v, VAL_UNTOUCHED);
}

static void test_vtestdev_pattern(void **state)
{
	struct vtestdev d;
	uint64_t v = VAL_UNTOUCHED;

	vtestdev_init(&d);
	assert_int_equal(rd(&d, VTESTDEV_PATTERN, 8), 0x8090a0b0c0d0e0f0ULL);
	assert_int_equal(rd(&d, VTESTDEV_PATTERN, 4), 0xc0d0e0f0);
	assert_int_equal(rd(&d, VTESTDEV_PATTERN, 2), 0xe0f0);
	assert_int_equal(rd(&d, VTESTDEV_PATTERN, 1), 0xf0);
	for (unsigned off = 1; off < 8; off++)
		assert_int_equal(vtestdev_read(&d, VTESTDEV_PATTERN + off, 1, &v), KE_INVAL);
	assert_int_equal(v, VAL_UNTOUCHED);
}

static void test_vtestdev_scratch_sizes(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	struct vtestdev d;

	vtestdev_init(&d);
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned size = sizes[s];
		uint64_t mask = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

		for (unsigned off = 0; off < VTESTDEV_SCRATCH_SIZE; off += size) {
			uint64_t v = 0x0123456789abcdefULL * (off + 1) + size;

			wr(&d, VTESTDEV_SCRATCH + off, size, v);
			assert_int_equal(rd(&d, VTESTDEV_SCRATCH + off, size), v & mask);
		}
	}
}

static void test_vtestdev_scratch_endianness(void **state)
{
	struct vtestdev d;

	vtestdev_init(&d);
	wr(&d, 0x10, 8, 0x0807060504030201ULL);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(rd(&d, 0x10 + i, 1), i + 1);
	assert_int_equal(rd(&d, 0x12, 2), 0x0403);
	assert_int_equal(rd(&d, 0x14, 4), 0x08070605);
	/* A narrow write changes only its own bytes. */
	wr(&d, 0x13, 1, 0xff);
	assert_int_equal(rd(&d, 0x10, 8), 0x08070605ff030201ULL);
	wr(&d, 0x16, 2, 0xaabb);
	assert_int_equal(rd(&d, 0x10, 8), 0xaabb0605ff030201ULL);
	/* Stray high bits of a narrow write are ignored. */
	wr(&d, 0x18, 1, 0xffffffffffffff42ULL);
	assert_int_equal(rd(&d, 0x18, 8), 0x42);
	/* Last bytes of the block. */
	wr(&d, 0xf8, 8, ~0ULL);
	assert_int_equal(rd(&d, 0xff, 1), 0xff);
}

static void test_vtestdev_write_count(void **state)
{
	struct vtestdev d;

	vtestdev_init(&d);
	for (unsigned i = 1; i <= 300; i++) {
		wr(&d, (i * 8) % VTESTDEV_SCRATCH_SIZE, 8, i);
		assert_int_equal(rd(&d, VTESTDEV_WRITES, 8), i);
	}
	assert_int_equal(rd(&d, VTESTDEV_WRITES, 1), 300 & 0xff);
	assert_int_equal(rd(&d, VTESTDEV_WRITES, 2), 300);
	assert_int_equal(rd(&d, VTESTDEV_WRITES, 4), 300);

	/* Refused writes do not count. */
	assert_int_equal(vtestdev_write(&d, VTESTDEV_ID, 4, 0), KE_INVAL);
	assert_int_equal(vtestdev_write(&d, VTESTDEV_PATTERN, 8, 0), KE_INVAL);
	assert_int_equal(vtestdev_write(&d, VTESTDEV_WRITES, 8, 0), KE_INVAL);
	assert_int_equal(vtestdev_write(&d, 0x1, 2, 0), KE_INVAL);
	assert_int_equal(vtestdev_write(&d, 0x0, 3, 0), KE_INVAL);
	assert_int_equal(rd(&d, VTESTDEV_WRITES, 8), 300);
	/* ... and RO registers keep their values. */
	assert_int_equal(rd(&d, VTESTDEV_ID, 4), VTESTDEV_ID_VALUE);
	assert_int_equal(rd(&d, VTESTDEV_PATTERN, 8), VTESTDEV_PATTERN_VALUE);
}

/* Independent statement of which accesses the device accepts. */
static bool expect_read_ok(uint64_t off, unsigned size)
{
	bool natural = (size == 1 || size == 2 || size == 4 || size == 8) && off % size == 0;

	if (!natural)
		return false;
	if (off < 0x100)
		return true;
	if (off == 0x100)
		return size <= 4;
	return off == 0x108 || off == 0x110;
}

static bool expect_write_ok(uint64_t off, unsigned size)
{
	return expect_read_ok(off, size) && off < 0x100;
}

static void check_access(struct vtestdev *d, uint64_t off, unsigned size)
{
	uint64_t v = VAL_UNTOUCHED;
	int r = vtestdev_read(d, off, size, &v);
	int w;

	if (r != (expect_read_ok(off, size) ? 0 : KE_INVAL))
		fail_msg("read offset %#llx size %u: %d", (unsigned long long)off, size, r);
	if (r && v != VAL_UNTOUCHED)
		fail_msg("failed read offset %#llx size %u wrote *val", (unsigned long long)off, size);
	if (!r && size < 8 && (v >> (size * 8)) != 0)
		fail_msg("read offset %#llx size %u: high bits set", (unsigned long long)off, size);
	w = vtestdev_write(d, off, size, off);
	if (w != (expect_write_ok(off, size) ? 0 : KE_INVAL))
		fail_msg("write offset %#llx size %u: %d", (unsigned long long)off, size, w);
}

/* Every offset/size pair (and hostile ones) either works or returns KE_INVAL. */
static void test_vtestdev_hostile(void **state)
{
	static const uint64_t far[] = {
		VTESTDEV_SIZE, VTESTDEV_SIZE - 8, 0x100000000ULL, 0x100000000ULL + 0x100,
		1ULL << 63, ~0ULL, ~0ULL - 7, ~0ULL - 0xff, (uint64_t)-VTESTDEV_SIZE,
	};
	struct vtestdev d;

	vtestdev_init(&d);
	for (uint64_t off = 0; off < 2 * VTESTDEV_SIZE; off++)
		for (unsigned size = 0; size <= 16; size++)
			check_access(&d, off, size);
	for (size_t i = 0; i < ARRAY_SIZE(far); i++)
		for (unsigned size = 0; size <= 16; size++)
			check_access(&d, far[i], size);
	check_access(&d, 0, ~0u);
	check_access(&d, 0, 0x80000000u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtestdev_reset),
		cmocka_unit_test(test_vtestdev_id),
		cmocka_unit_test(test_vtestdev_pattern),
		cmocka_unit_test(test_vtestdev_scratch_sizes),
		cmocka_unit_test(test_vtestdev_scratch_endianness),
		cmocka_unit_test(test_vtestdev_write_count),
		cmocka_unit_test(test_vtestdev_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
