// deps: src/core/pt.c
/*
 * Host tests of the translation-table module. Table pages come from aligned_alloc;
 * their addresses serve as physical addresses. ASan's leak check verifies that
 * pt_destroy and pt_unmap give every table back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/pt.h>

/* Fake table allocator: counts live pages and can be told to fail. */
struct fake_alloc {
	unsigned live;
	unsigned allocs;
	int fail_after;  /* allocations that succeed before failures start; -1: never fail */
};

static void *fake_alloc_table(void *ctx)
{
	struct fake_alloc *fa = ctx;
	void *page;

	if (fa->fail_after >= 0 && fa->allocs >= (unsigned)fa->fail_after)
		return NULL;
	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(page);
	/* Garbage, not zeros: pt must zero the page itself before linking it. */
	memset(page, 0xa5, PAGE_SIZE);
	fa->allocs++;
	fa->live++;
	return page;
}

static void fake_free_table(void *ctx, void *table)
{
	struct fake_alloc *fa = ctx;

	assert_true(fa->live > 0);
	fa->live--;
	free(table);
}

struct fixture {
	struct fake_alloc fa;
	struct pt pt;
};

static struct fixture *fixture_new(unsigned ia_bits)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->fa.fail_after = -1;
	assert_int_equal(pt_init(&f->pt, ia_bits, fake_alloc_table, fake_free_table, &f->fa), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	pt_destroy(&f->pt);
	assert_int_equal(f->pt.nr_tables, 0);
	assert_int_equal(f->fa.live, 0);
	free(f);
}

/* Independent reading of the raw tables: the level of the leaf mapping ia and its
 * descriptor, or -1 if none. Checks the descriptor format pt writes. */
static int raw_leaf(const struct pt *pt, uint64_t ia, uint64_t *desc_out)
{
	const uint64_t *table = pt->root;

	for (unsigned level = pt->start_level; level <= 3; level++) {
		unsigned shift = 12 + 9 * (3 - level);
		uint64_t desc = table[(ia >> shift) & 511];

		if (!(desc & 1))
			return -1;
		if (level == 3 || (desc & 3) == 1) {
			*desc_out = desc;
			return (int)level;
		}
		table = (const uint64_t *)(uintptr_t)(desc & GENMASK(47, 12));
	}
	return -1;
}

static void assert_maps(const struct pt *pt, uint64_t ia, uint64_t oa_expected)
{
	uint64_t oa = 0;

	assert_true(pt_translate(pt, ia, &oa, NULL));
	assert_int_equal(oa, oa_expected);
}

static void assert_unmapped(const struct pt *pt, uint64_t ia)
{
	assert_false(pt_translate(pt, ia, NULL, NULL));
}

static void assert_leaf_level(const struct pt *pt, uint64_t ia, int level)
{
	uint64_t desc;

	assert_int_equal(raw_leaf(pt, ia, &desc), level);
}

#define S1_NORMAL (PT_AF | PT_SH_INNER | PT_S1_ATTRIDX(1))
#define S2_NORMAL (PT_AF | PT_SH_INNER | PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB) | \
		   PT_S2_AP_R | PT_S2_AP_W)

static void test_start_levels(void **state)
{
	static const struct { unsigned ia_bits, level, tables_for_one_page; } cases[] = {
		{ 32, 1, 3 }, { 36, 1, 3 }, { 39, 1, 3 }, { 40, 0, 4 }, { 44, 0, 4 }, { 48, 0, 4 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fixture *f = fixture_new(cases[i].ia_bits);
		uint64_t top = (1ULL << cases[i].ia_bits) - PAGE_SIZE;

		assert_int_equal(pt_start_level(cases[i].ia_bits), cases[i].level);
		assert_int_equal(f->pt.start_level, cases[i].level);
		assert_int_equal(f->pt.nr_tables, 1);
		/* The highest page of the input range uses the last root entry. */
		assert_int_equal(pt_map(&f->pt, top, 0x1000, PAGE_SIZE, S2_NORMAL), 0);
		assert_int_equal(f->pt.nr_tables, cases[i].tables_for_one_page);
		assert_maps(&f->pt, top + 0xabc, 0x1abc);
		assert_int_equal(pt_map(&f->pt, top + PAGE_SIZE, 0, PAGE_SIZE, S2_NORMAL), KE_RANGE);
		assert_unmapped(&f->pt, top + PAGE_SIZE);
		assert_int_equal(pt_map(&f->pt, 0, 0x2000, PAGE_SIZE, S2_NORMAL), 0);
		assert_maps(&f->pt, 0, 0x2000);
		fixture_free(f);
	}
	assert_int_equal(pt_start_level(30), 2);
}

static void test_init_rejects_bad_sizes(void **state)
{
	struct fake_alloc fa = { .fail_after = -1 };
	struct pt pt;

	assert_int_equal(pt_init(&pt, 31, fake_alloc_table, fake_free_table, &fa), KE_INVAL);
	assert_int_equal(pt_init(&pt, 49, fake_alloc_table, fake_free_table, &fa), KE_INVAL);
	assert_int_equal(pt_init(&pt, 40, NULL, fake_free_table, &fa), KE_INVAL);
	fa.fail_after = 0;
	assert_int_equal(pt_init(&pt, 40, fake_alloc_table, fake_free_table, &fa), KE_NOMEM);
	assert_int_equal(fa.live, 0);
}

/* 0x40001000 + 3 GiB: 511 pages, 511 2 MiB blocks, two 1 GiB blocks, one page. */
#define MIX_IA   0x40001000ULL
#define MIX_SIZE (3 * SZ_1G)
#define MIX_END  (MIX_IA + MIX_SIZE)

static void test_block_selection_mixed(void **state)
{
	struct fixture *f = fixture_new(40);

	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, S1_NORMAL), 0);
	assert_leaf_level(&f->pt, MIX_IA, 3);
	assert_leaf_level(&f->pt, 0x401ff000, 3);
	assert_leaf_level(&f->pt, 0x40200000, 2);
	assert_leaf_level(&f->pt, 0x7fe00000, 2);
	assert_leaf_level(&f->pt, 0x80000000, 1);
	assert_leaf_level(&f->pt, 0xc0000000, 1);
	assert_leaf_level(&f->pt, 0x100000000, 3);
	/* root, L1, L2+L3 under 0x40000000, L2+L3 under 0x100000000 */
	assert_int_equal(f->pt.nr_tables, 6);
	fixture_free(f);
}

static void test_block_selection_follows_oa(void **state)
{
	struct fixture *f = fixture_new(40);

	/* ia 1 GiB aligned but oa only 2 MiB aligned: no 1 GiB block. */
	assert_int_equal(pt_map(&f->pt, SZ_1G, SZ_1G + SZ_2M, SZ_1G, S2_NORMAL), 0);
	assert_leaf_level(&f->pt, SZ_1G, 2);
	assert_leaf_level(&f->pt, 2 * SZ_1G - 1, 2);
	assert_maps(&f->pt, 2 * SZ_1G - 1, 2 * SZ_1G + SZ_2M - 1);
	assert_int_equal(f->pt.nr_tables, 3);

	/* oa only page aligned: pages throughout. */
	assert_int_equal(pt_map(&f->pt, 4 * SZ_1G, 0x1000, 2 * SZ_2M, S2_NORMAL), 0);
	assert_leaf_level(&f->pt, 4 * SZ_1G, 3);
	assert_leaf_level(&f->pt, 4 * SZ_1G + SZ_2M, 3);
	assert_maps(&f->pt, 4 * SZ_1G + 2 * SZ_2M - 1, 0x1000 + 2 * SZ_2M - 1);
	assert_int_equal(f->pt.nr_tables, 3 + 3);

	/* A 2 MiB-aligned but short range gets pages, not a block. */
	assert_int_equal(pt_map(&f->pt, 8 * SZ_1G, 8 * SZ_1G, SZ_2M - PAGE_SIZE, S2_NORMAL), 0);
	assert_leaf_level(&f->pt, 8 * SZ_1G, 3);
	fixture_free(f);
}

static void test_translate_boundaries(void **state)
{
	static const uint64_t inside[] = {
		MIX_IA, MIX_IA + 0xfff, 0x401fffff, 0x40200000, 0x7fffffff, 0x80000000,
		0xbfffffff, 0xc0000000, 0xffffffff, 0x100000000, MIX_END - 1,
	};
	struct fixture *f = fixture_new(40);
	const uint64_t delta = 0x200000000ULL;  /* 1 GiB-aligned so every block size is used */

	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA + delta, MIX_SIZE, S1_NORMAL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(inside); i++)
		assert_maps(&f->pt, inside[i], inside[i] + delta);
	assert_unmapped(&f->pt, MIX_IA - 1);
	assert_unmapped(&f->pt, 0);
	assert_unmapped(&f->pt, MIX_END);
	assert_unmapped(&f->pt, 1ULL << 40);
	assert_unmapped(&f->pt, ~0ULL);
	fixture_free(f);
}

static void check_attrs_at_each_level(unsigned ia_bits, uint64_t attrs)
{
	struct fixture *f = fixture_new(ia_bits);
	static const uint64_t ias[] = { 0x40001000, 0x40200000, 0x80000000 };
	static const int levels[] = { 3, 2, 1 };

	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, attrs), 0);
	for (size_t i = 0; i < ARRAY_SIZE(ias); i++) {
		uint64_t got = 0, desc = 0;

		assert_true(pt_translate(&f->pt, ias[i] + 8, NULL, &got));
		assert_int_equal(got, attrs);
		assert_int_equal(raw_leaf(&f->pt, ias[i], &desc), levels[i]);
		/* page: 0b11 at level 3; block: 0b01 */
		assert_int_equal(desc & 3, levels[i] == 3 ? 3 : 1);
		assert_int_equal(desc & GENMASK(47, 12), ias[i]);
		assert_int_equal(desc & PT_ATTRS_MASK, attrs);
	}
	fixture_free(f);
}

static void test_attributes_preserved(void **state)
{
	check_attrs_at_each_level(40, S1_NORMAL | PT_S1_AP_RO | PT_S1_XN);
	check_attrs_at_each_level(40, PT_AF | PT_S1_ATTRIDX(0) | PT_S1_XN);
	check_attrs_at_each_level(36, S2_NORMAL | PT_S2_XN);
	check_attrs_at_each_level(36, PT_AF | PT_S2_MEMATTR(PT_S2_MEMATTR_DEVICE_nGnRE) |
				       PT_S2_AP_R | PT_S2_XN);
}

static void test_invalid_arguments(void **state)
{
	struct fixture *f = fixture_new(40);

	assert_int_equal(pt_map(&f->pt, 0x1800, 0x1000, PAGE_SIZE, S2_NORMAL), KE_INVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, 0x1001, PAGE_SIZE, S2_NORMAL), KE_INVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, 0x1000, 0x800, S2_NORMAL), KE_INVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, 0x1000, 0, S2_NORMAL), KE_INVAL);
	/* attrs must not smuggle in output-address or type bits */
	assert_int_equal(pt_map(&f->pt, 0x1000, 0x1000, PAGE_SIZE, S2_NORMAL | 3), KE_INVAL);
	assert_int_equal(pt_map(&f->pt, 0x1000, 0x1000, PAGE_SIZE, BIT(20)), KE_INVAL);
	assert_int_equal(pt_unmap(&f->pt, 0x1800, PAGE_SIZE), KE_INVAL);
	assert_int_equal(pt_unmap(&f->pt, 0x1000, 0), KE_INVAL);
	assert_int_equal(f->pt.nr_tables, 1);
	fixture_free(f);
}

static void test_out_of_range(void **state)
{
	struct fixture *f = fixture_new(40);
	const uint64_t top = 1ULL << 40;

	assert_int_equal(pt_map(&f->pt, top, 0, PAGE_SIZE, S2_NORMAL), KE_RANGE);
	assert_int_equal(pt_map(&f->pt, top - PAGE_SIZE, 0, 2 * PAGE_SIZE, S2_NORMAL), KE_RANGE);
	assert_int_equal(pt_map(&f->pt, ~0ULL - 0xfff, 0, 2 * PAGE_SIZE, S2_NORMAL), KE_RANGE);
	assert_int_equal(pt_map(&f->pt, 0, 1ULL << 48, PAGE_SIZE, S2_NORMAL), KE_RANGE);
	assert_int_equal(pt_map(&f->pt, 0, (1ULL << 48) - PAGE_SIZE, 2 * PAGE_SIZE, S2_NORMAL),
			 KE_RANGE);
	assert_int_equal(pt_unmap(&f->pt, top - PAGE_SIZE, 2 * PAGE_SIZE), KE_RANGE);
	assert_int_equal(f->pt.nr_tables, 1);
	/* the very last output page is fine */
	assert_int_equal(pt_map(&f->pt, 0, (1ULL << 48) - PAGE_SIZE, PAGE_SIZE, S2_NORMAL), 0);
	assert_maps(&f->pt, 0xfff, (1ULL << 48) - 1);
	fixture_free(f);
}

static void test_overlap_rejected(void **state)
{
	struct fixture *f = fixture_new(40);
	unsigned tables;

	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, S1_NORMAL), 0);
	tables = f->pt.nr_tables;
	/* over a page, a 2 MiB block, a 1 GiB block, and straddling the start and end */
	assert_int_equal(pt_map(&f->pt, 0x40100000, 0, PAGE_SIZE, S1_NORMAL), KE_EXIST);
	assert_int_equal(pt_map(&f->pt, 0x40400000, 0, PAGE_SIZE, S1_NORMAL), KE_EXIST);
	assert_int_equal(pt_map(&f->pt, 0x80000000, 0x80000000, SZ_1G, S1_NORMAL), KE_EXIST);
	assert_int_equal(pt_map(&f->pt, 0, 0, SZ_1G + 2 * PAGE_SIZE, S1_NORMAL), KE_EXIST);
	assert_int_equal(pt_map(&f->pt, MIX_END - PAGE_SIZE, 0, 8 * SZ_1G, S1_NORMAL), KE_EXIST);
	/* nothing changed: the free parts stay unmapped, no table was added */
	assert_unmapped(&f->pt, 0);
	assert_unmapped(&f->pt, MIX_IA - PAGE_SIZE);
	assert_unmapped(&f->pt, MIX_END);
	assert_maps(&f->pt, 0x80000000, 0x80000000);
	assert_int_equal(f->pt.nr_tables, tables);
	/* right next to the mapping is fine */
	assert_int_equal(pt_map(&f->pt, MIX_IA - PAGE_SIZE, 0, PAGE_SIZE, S1_NORMAL), 0);
	assert_int_equal(pt_map(&f->pt, MIX_END, 0, PAGE_SIZE, S1_NORMAL), 0);
	fixture_free(f);
}

static void test_unmap_and_remap(void **state)
{
	struct fixture *f = fixture_new(40);

	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, S1_NORMAL), 0);
	assert_int_equal(f->pt.nr_tables, 6);

	/* part of a 2 MiB or a 1 GiB block: refused, nothing changes */
	assert_int_equal(pt_unmap(&f->pt, 0x40200000, PAGE_SIZE), KE_INVAL);
	assert_int_equal(pt_unmap(&f->pt, 0x40000000, 0x40200000 + SZ_2M + PAGE_SIZE), KE_INVAL);
	assert_int_equal(pt_unmap(&f->pt, 0x80000000, SZ_2M), KE_INVAL);
	assert_maps(&f->pt, 0x40001000, 0x40001000);
	assert_maps(&f->pt, 0x40200000, 0x40200000);
	assert_maps(&f->pt, 0x80000000, 0x80000000);

	/* one page in the middle */
	assert_int_equal(pt_unmap(&f->pt, 0x40100000, PAGE_SIZE), 0);
	assert_unmapped(&f->pt, 0x40100000);
	assert_maps(&f->pt, 0x400ff000, 0x400ff000);
	assert_maps(&f->pt, 0x40101000, 0x40101000);
	assert_int_equal(f->pt.nr_tables, 6);

	/* all the pages of the first 2 MiB (with a hole): its L3 table goes */
	assert_int_equal(pt_unmap(&f->pt, 0x40000000, SZ_2M), 0);
	assert_unmapped(&f->pt, MIX_IA);
	assert_int_equal(f->pt.nr_tables, 5);

	/* a whole 1 GiB block, then remap it with other attributes and output */
	assert_int_equal(pt_unmap(&f->pt, 0x80000000, SZ_1G), 0);
	assert_unmapped(&f->pt, 0x80000000);
	assert_int_equal(pt_map(&f->pt, 0x80000000, 0x1000, SZ_2M, S2_NORMAL), 0);
	assert_maps(&f->pt, 0x80000000, 0x1000);
	assert_unmapped(&f->pt, 0x80000000 + SZ_2M);
	assert_int_equal(f->pt.nr_tables, 7);

	/* everything: only the root is left */
	assert_int_equal(pt_unmap(&f->pt, 0, 1ULL << 40), 0);
	assert_int_equal(f->pt.nr_tables, 1);
	assert_int_equal(f->fa.live, 1);
	assert_unmapped(&f->pt, 0x100000000);

	/* and the same range maps again with the same layout */
	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, S1_NORMAL), 0);
	assert_int_equal(f->pt.nr_tables, 6);
	assert_leaf_level(&f->pt, 0xc0000000, 1);
	/* unmapping holes is fine */
	assert_int_equal(pt_unmap(&f->pt, 0x200000000, SZ_1G), 0);
	fixture_free(f);
}

static void test_table_counting_and_destroy(void **state)
{
	struct fixture *f = fixture_new(48);

	/* pages scattered over distinct L0 entries: each needs L1, L2 and L3 tables */
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(pt_map(&f->pt, (uint64_t)i << 39, 0, PAGE_SIZE, S2_NORMAL), 0);
	assert_int_equal(f->pt.nr_tables, 1 + 8 * 3);
	assert_int_equal(f->fa.live, f->pt.nr_tables);
	/* a neighbouring page shares all tables */
	assert_int_equal(pt_map(&f->pt, PAGE_SIZE, 0, PAGE_SIZE, S2_NORMAL), 0);
	assert_int_equal(f->pt.nr_tables, 1 + 8 * 3);
	fixture_free(f);  /* checks nr_tables and live pages drop to 0 */
}

static void test_alloc_failure(void **state)
{
	struct fixture *f = fixture_new(40);

	/* needs L1, L2 and L3 tables; let only the first two succeed */
	f->fa.fail_after = (int)f->fa.allocs + 2;
	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, S1_NORMAL), KE_NOMEM);
	/* no leaf was written, anywhere in the range */
	assert_unmapped(&f->pt, MIX_IA);
	assert_unmapped(&f->pt, 0x40200000);
	assert_unmapped(&f->pt, 0x80000000);
	assert_unmapped(&f->pt, 0x100000000);
	/* empty tables may stay, and are counted */
	assert_int_equal(f->pt.nr_tables, f->fa.live);

	f->fa.fail_after = -1;
	assert_int_equal(pt_map(&f->pt, MIX_IA, MIX_IA, MIX_SIZE, S1_NORMAL), 0);
	assert_maps(&f->pt, MIX_END - 1, MIX_END - 1);
	assert_int_equal(f->pt.nr_tables, 6);

	/* failure on the very first table */
	f->fa.fail_after = (int)f->fa.allocs;
	assert_int_equal(pt_map(&f->pt, 1ULL << 39, 0, PAGE_SIZE, S1_NORMAL), KE_NOMEM);
	assert_int_equal(f->pt.nr_tables, 6);
	fixture_free(f);
}

/*
 * Random maps and unmaps over a 2 GiB window, checked against a page-by-page model.
 * pt_unmap may refuse (partial block), then nothing may change; everything else must
 * agree with the model exactly.
 */
#define RND_PAGES  (2 * SZ_1G / PAGE_SIZE)
#define RND_NONE   UINT64_MAX

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

static uint64_t rnd_pages(void)
{
	switch (rnd(4)) {
	case 0:  return 1 + rnd(600);
	case 1:  return (1 + rnd(8)) * 512;
	case 2:  return 1 + rnd(RND_PAGES / 2);
	default: return 512 * 512 + rnd(3) * 512 + rnd(2);
	}
}

static uint64_t rnd_first_page(uint64_t npages)
{
	uint64_t first = rnd(RND_PAGES - npages + 1);

	return rnd(2) ? ALIGN_DOWN(first, 512) : first;
}

static bool model_any_mapped(const uint64_t *model, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (model[i] != RND_NONE)
			return true;
	return false;
}

static void model_check(const struct pt *pt, const uint64_t *model, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n && i < RND_PAGES; i++) {
		uint64_t oa;
		bool mapped = pt_translate(pt, i * PAGE_SIZE, &oa, NULL);

		assert_int_equal(mapped, model[i] != RND_NONE);
		if (mapped)
			assert_int_equal(oa, model[i]);
	}
}

static void rnd_map(struct fixture *f, uint64_t *model)
{
	static const uint64_t deltas[] = { 0, 4 * SZ_1G, 6 * SZ_1G + SZ_2M, 8 * SZ_1G + PAGE_SIZE };
	uint64_t n = rnd_pages(), first = rnd_first_page(n);
	uint64_t oa = first * PAGE_SIZE + deltas[rnd(ARRAY_SIZE(deltas))];
	bool busy = model_any_mapped(model, first, n);
	int ret = pt_map(&f->pt, first * PAGE_SIZE, oa, n * PAGE_SIZE, S2_NORMAL);

	assert_int_equal(ret, busy ? KE_EXIST : 0);
	for (uint64_t i = 0; !busy && i < n; i++)
		model[first + i] = oa + i * PAGE_SIZE;
	model_check(&f->pt, model, first ? first - 1 : 0, n + 2);
}

static void rnd_unmap(struct fixture *f, uint64_t *model)
{
	uint64_t n = rnd_pages(), first = rnd_first_page(n);
	int ret = pt_unmap(&f->pt, first * PAGE_SIZE, n * PAGE_SIZE);

	assert_true(ret == 0 || ret == KE_INVAL);
	for (uint64_t i = 0; ret == 0 && i < n; i++)
		model[first + i] = RND_NONE;
	model_check(&f->pt, model, first ? first - 1 : 0, n + 2);
}

static void test_random_against_model(void **state)
{
	struct fixture *f = fixture_new(32);
	uint64_t *model = malloc(RND_PAGES * sizeof(*model));

	assert_non_null(model);
	for (uint64_t i = 0; i < RND_PAGES; i++)
		model[i] = RND_NONE;
	for (unsigned op = 0; op < 3000; op++) {
		if (rnd(2))
			rnd_map(f, model);
		else
			rnd_unmap(f, model);
		assert_int_equal(f->pt.nr_tables, f->fa.live);
	}
	model_check(&f->pt, model, 0, RND_PAGES);
	assert_int_equal(pt_unmap(&f->pt, 0, 1ULL << 32), 0);
	assert_int_equal(f->pt.nr_tables, 1);
	free(model);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_levels),
		cmocka_unit_test(test_init_rejects_bad_sizes),
		cmocka_unit_test(test_block_selection_mixed),
		cmocka_unit_test(test_block_selection_follows_oa),
		cmocka_unit_test(test_translate_boundaries),
		cmocka_unit_test(test_attributes_preserved),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_overlap_rejected),
		cmocka_unit_test(test_unmap_and_remap),
		cmocka_unit_test(test_table_counting_and_destroy),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
