// deps: src/core/palloc.c
/*
 * Host tests of the physical page allocator. Regions are carved out of 2 MiB-aligned
 * heap buffers; their addresses serve as physical addresses, and palloc writes its
 * bitmaps into them as it would into RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/palloc.h>

#define SZ_4M (2 * SZ_2M)
#define SZ_8M (4 * SZ_2M)

/* A 2 MiB-aligned buffer filled with garbage, so a bitmap palloc forgot to clear shows. */
static uint64_t buffer_new(uint64_t size)
{
	void *buf = aligned_alloc(SZ_2M, size);

	assert_non_null(buf);
	memset(buf, 0xff, PAGE_SIZE * 4);
	return (uint64_t)(uintptr_t)buf;
}

static void buffer_free(uint64_t buf)
{
	free((void *)(uintptr_t)buf);
}

static uint64_t alloc_ok(struct palloc *pa, uint64_t npages, uint64_t align)
{
	uint64_t addr = 0;

	assert_int_equal(palloc_alloc(pa, npages, align, &addr), 0);
	assert_true(IS_ALIGNED(addr, align));
	return addr;
}

static void assert_alloc_fails(struct palloc *pa, uint64_t npages, uint64_t align, int err)
{
	uint64_t addr = 0x1234;

	assert_int_equal(palloc_alloc(pa, npages, align, &addr), err);
	assert_int_equal(addr, 0x1234);
}

static void test_bitmap_placement(void **state)
{
	uint64_t buf = buffer_new(SZ_4M);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, SZ_4M), 0);
	assert_int_equal(pa.nr_regions, 1);
	assert_int_equal(pa.region[0].base, buf);
	assert_int_equal((uintptr_t)pa.region[0].bitmap, buf);
	assert_int_equal(pa.region[0].npages, 1024);
	/* 1024 bits fit in one page, which is the only used one */
	assert_int_equal(pa.region[0].nfree, 1023);
	assert_int_equal(pa.region[0].bitmap[0], 1);
	assert_int_equal(pa.region[0].bitmap[15], 0);
	assert_int_equal(palloc_total_pages(&pa), 1024);
	assert_int_equal(palloc_free_pages(&pa), 1023);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + PAGE_SIZE);
	buffer_free(buf);
}

static void test_bitmap_spanning_pages(void **state)
{
	/* 33280 pages need 520 bitmap words: two pages of bitmap */
	const uint64_t size = 130ULL << 20;
	uint64_t buf = buffer_new(size);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, size), 0);
	assert_int_equal(pa.region[0].npages, 33280);
	assert_int_equal(palloc_free_pages(&pa), 33280 - 2);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 2 * PAGE_SIZE);

	/* all but the last page taken: the scan has to cross 520 full words */
	assert_int_equal(palloc_reserve(&pa, buf, size - PAGE_SIZE), 0);
	assert_int_equal(palloc_free_pages(&pa), 1);
	assert_alloc_fails(&pa, 1, SZ_2M, KE_NOMEM);
	assert_alloc_fails(&pa, 2, PAGE_SIZE, KE_NOMEM);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + size - PAGE_SIZE);
	assert_int_equal(palloc_free_pages(&pa), 0);
	buffer_free(buf);
}

static void test_region_trimmed_to_pages(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc pa;

	palloc_init(&pa);
	/* [buf + 0x800, buf + 0x8800) holds the whole pages [buf + 0x1000, buf + 0x8000) */
	assert_int_equal(palloc_add_region(&pa, buf + 0x800, 8 * PAGE_SIZE), 0);
	assert_int_equal(pa.region[0].base, buf + PAGE_SIZE);
	assert_int_equal(pa.region[0].npages, 7);
	assert_int_equal(palloc_free_pages(&pa), 6);
	assert_int_equal(alloc_ok(&pa, 6, PAGE_SIZE), buf + 2 * PAGE_SIZE);
	buffer_free(buf);
}

static void test_region_too_small(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, 0), KE_RANGE);
	assert_int_equal(palloc_add_region(&pa, buf, PAGE_SIZE), KE_RANGE);
	assert_int_equal(palloc_add_region(&pa, buf + 0x800, 2 * PAGE_SIZE), KE_RANGE);
	assert_int_equal(palloc_add_region(&pa, buf, 2 * PAGE_SIZE - 1), KE_RANGE);
	assert_int_equal(palloc_add_region(&pa, ~0ULL - 0xfff, 0x4000), KE_RANGE);
	assert_int_equal(pa.nr_regions, 0);
	/* bitmap page plus one */
	assert_int_equal(palloc_add_region(&pa, buf, 2 * PAGE_SIZE), 0);
	assert_int_equal(palloc_free_pages(&pa), 1);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + PAGE_SIZE);
	assert_alloc_fails(&pa, 1, PAGE_SIZE, KE_NOMEM);
	buffer_free(buf);
}

static void test_reserve(void **state)
{
	uint64_t buf = buffer_new(SZ_4M);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, SZ_4M), 0);

	/* [0x1800, 0x2800) widens to the pages at 0x1000 and 0x2000 */
	assert_int_equal(palloc_reserve(&pa, buf + 0x1800, 0x1000), 0);
	assert_int_equal(palloc_free_pages(&pa), 1021);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 0x3000);

	/* again, the bitmap page, an allocated page, nothing, and outside: no change */
	assert_int_equal(palloc_reserve(&pa, buf + 0x1000, 0x2000), 0);
	assert_int_equal(palloc_reserve(&pa, buf, 1), 0);
	assert_int_equal(palloc_reserve(&pa, buf + 0x3000, PAGE_SIZE), 0);
	assert_int_equal(palloc_reserve(&pa, buf + 0x5000, 0), 0);
	assert_int_equal(palloc_reserve(&pa, buf + SZ_4M, SZ_4M), 0);
	assert_int_equal(palloc_reserve(&pa, buf - SZ_4M, SZ_4M), 0);
	assert_int_equal(palloc_free_pages(&pa), 1020);

	/* straddling the start: only the part inside counts (page 4) */
	assert_int_equal(palloc_reserve(&pa, buf - 0x10000, 0x10000 + 0x4001), 0);
	assert_int_equal(palloc_free_pages(&pa), 1019);
	/* straddling the end: the last two pages */
	assert_int_equal(palloc_reserve(&pa, buf + SZ_4M - 0x1fff, 0x10000), 0);
	assert_int_equal(palloc_free_pages(&pa), 1017);

	assert_int_equal(palloc_reserve(&pa, ~0ULL - 0xfff, 0x2000), KE_RANGE);
	/* up to the last byte of the address space is fine */
	assert_int_equal(palloc_reserve(&pa, ~0ULL - 0xfff, 0x1000), 0);

	assert_int_equal(palloc_reserve(&pa, buf, SZ_4M), 0);
	assert_int_equal(palloc_free_pages(&pa), 0);
	assert_alloc_fails(&pa, 1, PAGE_SIZE, KE_NOMEM);
	buffer_free(buf);
}

static void test_aligned_alloc(void **state)
{
	uint64_t buf = buffer_new(SZ_8M);
	struct palloc pa;

	palloc_init(&pa);
	/* a region that is not itself 2 MiB aligned: alignment is of the address */
	assert_int_equal(palloc_add_region(&pa, buf + PAGE_SIZE, SZ_8M - PAGE_SIZE), 0);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 2 * PAGE_SIZE);
	assert_int_equal(alloc_ok(&pa, 512, SZ_2M), buf + SZ_2M);
	/* first fit goes back to the gap below */
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 3 * PAGE_SIZE);
	assert_int_equal(alloc_ok(&pa, 1, 4 * PAGE_SIZE), buf + 4 * PAGE_SIZE);
	assert_int_equal(alloc_ok(&pa, 1, SZ_2M), buf + SZ_4M);
	/* 4 MiB at 2 MiB alignment: 4M is taken by the page above and 6M + 4M runs
	 * past the end of the region; 2 MiB at 6M still fits exactly */
	assert_alloc_fails(&pa, 1024, SZ_2M, KE_NOMEM);
	assert_int_equal(alloc_ok(&pa, 512, SZ_2M), buf + 3 * SZ_2M);
	assert_int_equal(palloc_free_pages(&pa), 2047 - 1 - 1 - 512 - 1 - 1 - 1 - 512);

	assert_alloc_fails(&pa, 1, 0, KE_INVAL);
	assert_alloc_fails(&pa, 1, 2048, KE_INVAL);
	assert_alloc_fails(&pa, 1, 3 * PAGE_SIZE, KE_INVAL);
	assert_alloc_fails(&pa, 1, PAGE_SIZE + 1, KE_INVAL);
	assert_alloc_fails(&pa, 0, PAGE_SIZE, KE_INVAL);
	/* alignments beyond the region's reach, and sizes beyond any region */
	assert_alloc_fails(&pa, 1, 1ULL << 63, KE_NOMEM);
	assert_alloc_fails(&pa, ~0ULL, PAGE_SIZE, KE_NOMEM);
	buffer_free(buf);
}

static void test_exhaustion(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, 16 * PAGE_SIZE), 0);
	for (uint64_t i = 1; i < 16; i++)
		assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + i * PAGE_SIZE);
	assert_int_equal(palloc_free_pages(&pa), 0);
	assert_alloc_fails(&pa, 1, PAGE_SIZE, KE_NOMEM);

	assert_int_equal(palloc_free(&pa, buf + 7 * PAGE_SIZE, 1), 0);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 7 * PAGE_SIZE);

	/* two free pages, but not contiguous */
	assert_int_equal(palloc_free(&pa, buf + 9 * PAGE_SIZE, 1), 0);
	assert_int_equal(palloc_free(&pa, buf + 3 * PAGE_SIZE, 1), 0);
	assert_int_equal(palloc_free_pages(&pa), 2);
	assert_alloc_fails(&pa, 2, PAGE_SIZE, KE_NOMEM);
	assert_alloc_fails(&pa, 16, PAGE_SIZE, KE_NOMEM);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 3 * PAGE_SIZE);
	buffer_free(buf);
}

static void test_free_and_reuse(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc pa;
	uint64_t a, b;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, SZ_2M), 0);
	a = alloc_ok(&pa, 4, PAGE_SIZE);
	b = alloc_ok(&pa, 4, PAGE_SIZE);
	assert_int_equal(a, buf + PAGE_SIZE);
	assert_int_equal(b, buf + 5 * PAGE_SIZE);
	assert_int_equal(palloc_free(&pa, a, 4), 0);
	assert_int_equal(palloc_free_pages(&pa), 511 - 4);

	assert_int_equal(alloc_ok(&pa, 2, PAGE_SIZE), a);
	/* the two pages left of a's hole are too few for three */
	assert_int_equal(alloc_ok(&pa, 3, PAGE_SIZE), b + 4 * PAGE_SIZE);
	assert_int_equal(alloc_ok(&pa, 2, PAGE_SIZE), a + 2 * PAGE_SIZE);

	/* free the whole lot at once, in one call spanning separate allocations */
	assert_int_equal(palloc_free(&pa, a, 11), 0);
	assert_int_equal(palloc_free_pages(&pa), 511);
	assert_int_equal(alloc_ok(&pa, 511, PAGE_SIZE), a);
	buffer_free(buf);
}

/* The statistics keel's monitor shows: counts of successful calls, free and total pages. */
static void test_stats(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc_stats st;
	struct palloc pa;
	uint64_t a;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, SZ_2M), 0);
	palloc_get_stats(&pa, &st);
	assert_int_equal(st.total_pages, 512);
	assert_int_equal(st.free_pages, 511);
	assert_int_equal(st.allocs, 0);
	assert_int_equal(st.frees, 0);
	a = alloc_ok(&pa, 8, PAGE_SIZE);
	assert_int_equal(palloc_alloc_at(&pa, a + 8 * PAGE_SIZE, 2), 0);
	assert_int_equal(palloc_alloc_at(&pa, a, 1), KE_EXIST);        /* failures do not count */
	assert_int_equal(palloc_free(&pa, a, 4), 0);
	assert_int_equal(palloc_free(&pa, a, 4), KE_INVAL);            /* a double free neither */
	palloc_get_stats(&pa, &st);
	assert_int_equal(st.free_pages, 511 - 6);
	assert_int_equal(st.allocs, 2);
	assert_int_equal(st.frees, 1);
	/* Back to the baseline: every page freed, the counts balanced by pages not calls. */
	assert_int_equal(palloc_free(&pa, a + 4 * PAGE_SIZE, 6), 0);
	palloc_get_stats(&pa, &st);
	assert_int_equal(st.free_pages, 511);
	assert_int_equal(st.free_pages, palloc_free_pages(&pa));
	assert_int_equal(st.total_pages, palloc_total_pages(&pa));
	assert_int_equal(st.frees, 2);
	buffer_free(buf);
}

static void test_double_free_rejected(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc pa;
	uint64_t p, q;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, SZ_2M), 0);
	p = alloc_ok(&pa, 4, PAGE_SIZE);
	assert_int_equal(palloc_free(&pa, p, 4), 0);
	assert_int_equal(palloc_free(&pa, p, 4), KE_INVAL);
	assert_int_equal(palloc_free(&pa, p + PAGE_SIZE, 1), KE_INVAL);
	assert_int_equal(palloc_free_pages(&pa), 511);

	/* q is allocated but the page after it is not: nothing is freed */
	q = alloc_ok(&pa, 1, PAGE_SIZE);
	assert_int_equal(palloc_free(&pa, q, 2), KE_INVAL);
	assert_int_equal(palloc_free_pages(&pa), 510);
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), q + PAGE_SIZE);

	assert_int_equal(palloc_free(&pa, q + 0x800, 1), KE_INVAL);
	assert_int_equal(palloc_free(&pa, q, 0), KE_INVAL);
	/* the bitmap page is not the caller's to free */
	assert_int_equal(palloc_free(&pa, buf, 1), KE_INVAL);
	/* outside the region, or running off its end */
	assert_int_equal(palloc_free(&pa, buf + SZ_2M, 1), KE_INVAL);
	assert_int_equal(palloc_reserve(&pa, buf + SZ_2M - PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(palloc_free(&pa, buf + SZ_2M - PAGE_SIZE, 2), KE_INVAL);
	assert_int_equal(palloc_free(&pa, buf + SZ_2M - PAGE_SIZE, ~0ULL), KE_INVAL);
	assert_int_equal(palloc_free_pages(&pa), 508);
	assert_int_equal(palloc_free(&pa, q, 2), 0);
	assert_int_equal(palloc_free_pages(&pa), 510);
	buffer_free(buf);
}

static void test_multiple_regions(void **state)
{
	uint64_t buf = buffer_new(4 * SZ_4M);
	const uint64_t lo = buf, hi = buf + 2 * SZ_4M;
	struct palloc pa;

	palloc_init(&pa);
	/* added high first: kept sorted, so the low one is searched first */
	assert_int_equal(palloc_add_region(&pa, hi, SZ_4M), 0);
	assert_int_equal(palloc_add_region(&pa, lo, SZ_4M), 0);
	assert_int_equal(pa.region[0].base, lo);
	assert_int_equal(pa.region[1].base, hi);
	assert_int_equal(palloc_total_pages(&pa), 2048);
	assert_int_equal(palloc_free_pages(&pa), 2046);

	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), lo + PAGE_SIZE);
	/* 1023 no longer fit in lo */
	assert_int_equal(alloc_ok(&pa, 1023, PAGE_SIZE), hi + PAGE_SIZE);
	assert_int_equal(alloc_ok(&pa, 1022, PAGE_SIZE), lo + 2 * PAGE_SIZE);
	assert_int_equal(palloc_free_pages(&pa), 0);
	assert_alloc_fails(&pa, 1, PAGE_SIZE, KE_NOMEM);

	/* a reservation across both, and a free in each */
	assert_int_equal(palloc_free(&pa, hi + PAGE_SIZE, 1023), 0);
	assert_int_equal(palloc_free(&pa, lo + PAGE_SIZE, 1), 0);
	assert_int_equal(palloc_reserve(&pa, lo, 4 * SZ_4M), 0);
	assert_int_equal(palloc_free_pages(&pa), 0);
	assert_int_equal(palloc_free(&pa, lo + PAGE_SIZE, 1), 0);
	assert_int_equal(palloc_free(&pa, hi + 2 * PAGE_SIZE, 1), 0);
	assert_int_equal(palloc_free_pages(&pa), 2);

	/* an adjacent region: no run, and no free, crosses from one region to the next */
	assert_int_equal(palloc_add_region(&pa, lo + SZ_4M, SZ_4M), 0);
	assert_int_equal(pa.region[1].base, lo + SZ_4M);
	assert_int_equal(palloc_reserve(&pa, lo + SZ_4M, SZ_4M), 0);
	assert_int_equal(palloc_free(&pa, lo + SZ_4M - PAGE_SIZE, 2), KE_INVAL);
	assert_int_equal(palloc_free_pages(&pa), 2);
	buffer_free(buf);
}

static void test_too_many_regions(void **state)
{
	uint64_t buf = buffer_new(SZ_2M);
	struct palloc pa;

	palloc_init(&pa);
	for (unsigned i = 0; i < PALLOC_MAX_REGIONS; i++)
		assert_int_equal(palloc_add_region(&pa, buf + i * 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_2M / 2, 2 * PAGE_SIZE), KE_NOMEM);
	assert_int_equal(pa.nr_regions, PALLOC_MAX_REGIONS);
	assert_int_equal(palloc_free_pages(&pa), PALLOC_MAX_REGIONS);
	assert_int_equal(palloc_total_pages(&pa), 2 * PALLOC_MAX_REGIONS);
	for (unsigned i = 0; i < PALLOC_MAX_REGIONS; i++)
		assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + (2 * i + 1) * PAGE_SIZE);
	buffer_free(buf);
}

static void test_overlap_rejected(void **state)
{
	uint64_t buf = buffer_new(4 * SZ_4M);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_4M, SZ_4M), 0);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_4M + SZ_2M, SZ_4M), KE_EXIST);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_2M, SZ_4M), KE_EXIST);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_4M + PAGE_SIZE, SZ_2M), KE_EXIST);
	assert_int_equal(palloc_add_region(&pa, buf, 4 * SZ_4M), KE_EXIST);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_4M, SZ_4M), KE_EXIST);
	assert_int_equal(pa.nr_regions, 1);
	assert_int_equal(palloc_free_pages(&pa), 1023);

	/* touching on either side is fine, also when only the trimmed range is clear */
	assert_int_equal(palloc_add_region(&pa, buf, SZ_4M), 0);
	assert_int_equal(palloc_add_region(&pa, buf + SZ_8M - 0x800, SZ_4M), 0);
	assert_int_equal(pa.region[2].base, buf + SZ_8M);
	assert_int_equal(palloc_total_pages(&pa), 1024 + 1024 + 1023);
	assert_int_equal(palloc_free_pages(&pa), 1023 + 1023 + 1022);
	buffer_free(buf);
}

/* palloc_alloc_at: exactly the pages asked for, or nothing, with the reason. */
static void test_alloc_at(void **state)
{
	uint64_t buf = buffer_new(SZ_4M);
	struct palloc pa;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, buf, SZ_4M), 0);   /* page 0: the bitmap */
	assert_int_equal(palloc_free_pages(&pa), 1023);

	assert_int_equal(palloc_alloc_at(&pa, buf + 0x1001, 1), KE_INVAL);
	assert_int_equal(palloc_alloc_at(&pa, buf + 0x1000, 0), KE_INVAL);
	/* over the bitmap, past the end, outside, wrapping: not the region's to give */
	assert_int_equal(palloc_alloc_at(&pa, buf, 1), KE_RANGE);
	assert_int_equal(palloc_alloc_at(&pa, buf + SZ_4M - 0x1000, 2), KE_RANGE);
	assert_int_equal(palloc_alloc_at(&pa, buf + SZ_4M, 1), KE_RANGE);
	assert_int_equal(palloc_alloc_at(&pa, buf + 0x1000, ~0ULL >> 12), KE_RANGE);
	assert_int_equal(palloc_free_pages(&pa), 1023);

	/* the second 2 MiB, exactly there */
	assert_int_equal(palloc_alloc_at(&pa, buf + SZ_2M, 512), 0);
	assert_int_equal(palloc_free_pages(&pa), 511);
	/* any used page refuses the whole range and changes nothing */
	assert_int_equal(palloc_alloc_at(&pa, buf + SZ_2M - 0x2000, 3), KE_EXIST);
	assert_int_equal(palloc_alloc_at(&pa, buf + SZ_4M - 0x1000, 1), KE_EXIST);
	assert_int_equal(palloc_free_pages(&pa), 511);
	assert_int_equal(palloc_reserve(&pa, buf + 0x5000, 0x1000), 0);
	assert_int_equal(palloc_alloc_at(&pa, buf + 0x1000, 8), KE_EXIST);
	assert_int_equal(palloc_alloc_at(&pa, buf + 0x1000, 4), 0);
	assert_int_equal(palloc_free_pages(&pa), 506);
	/* a first-fit allocation skips what alloc_at took; both free like any pages */
	assert_int_equal(alloc_ok(&pa, 1, PAGE_SIZE), buf + 0x6000);
	assert_int_equal(palloc_free(&pa, buf + SZ_2M, 512), 0);
	assert_int_equal(palloc_free(&pa, buf + 0x1000, 4), 0);
	assert_int_equal(palloc_free_pages(&pa), 1021);
	buffer_free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_placement),
		cmocka_unit_test(test_bitmap_spanning_pages),
		cmocka_unit_test(test_region_trimmed_to_pages),
		cmocka_unit_test(test_region_too_small),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_aligned_alloc),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_double_free_rejected),
		cmocka_unit_test(test_multiple_regions),
		cmocka_unit_test(test_too_many_regions),
		cmocka_unit_test(test_overlap_rejected),
		cmocka_unit_test(test_alloc_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
