/*
 * Physical page allocator: one bitmap per RAM region (see include/keel/palloc.h).
 *
 * Regions can be many GiB, so every bitmap operation works a 64-bit word at a time:
 * searches skip whole words that cannot match and range updates touch each word once.
 * Page indices below are relative to the region's base.
 */
#include <keel/palloc.h>

#include <string.h>

#define PALLOC_WORD_BITS 64

/* Bits of bitmap word `word` that fall inside page range [first, end). */
static uint64_t palloc_word_mask(uint64_t word, uint64_t first, uint64_t end)
{
	uint64_t lo = word * PALLOC_WORD_BITS;
	unsigned from = (unsigned)(MAX(first, lo) - lo);
	unsigned to = (unsigned)(MIN(end, lo + PALLOC_WORD_BITS) - lo);
	uint64_t below_to = to == PALLOC_WORD_BITS ? ~0ULL : BIT(to) - 1;

	return below_to & ~(BIT(from) - 1);
}

/* Written out rather than __builtin_popcountll: on AArch64 that may become a SIMD
 * instruction or a libgcc call built with SIMD, and keel leaves FP/SIMD to guests. */
static unsigned palloc_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/* First page in [from, end) whose bit equals `used`, or end if there is none. */
static uint64_t palloc_find_bit(const uint64_t *bitmap, uint64_t from, uint64_t end, bool used)
{
	if (from >= end)
		return end;
	for (uint64_t w = from / PALLOC_WORD_BITS; w <= (end - 1) / PALLOC_WORD_BITS; w++) {
		uint64_t match = (used ? bitmap[w] : ~bitmap[w]) & palloc_word_mask(w, from, end);

		if (match)
			return w * PALLOC_WORD_BITS + (uint64_t)__builtin_ctzll(match);
	}
	return end;
}

/* Marks [first, end) used; returns how many of those pages were free. */
static uint64_t palloc_mark_used(uint64_t *bitmap, uint64_t first, uint64_t end)
{
	uint64_t newly_used = 0;

	for (uint64_t w = first / PALLOC_WORD_BITS; w <= (end - 1) / PALLOC_WORD_BITS; w++) {
		uint64_t mask = palloc_word_mask(w, first, end);

		newly_used += palloc_popcount(mask & ~bitmap[w]);
		bitmap[w] |= mask;
	}
	return newly_used;
}

static void palloc_mark_free(uint64_t *bitmap, uint64_t first, uint64_t end)
{
	for (uint64_t w = first / PALLOC_WORD_BITS; w <= (end - 1) / PALLOC_WORD_BITS; w++)
		bitmap[w] &= ~palloc_word_mask(w, first, end);
}

static uint64_t palloc_bitmap_words(uint64_t npages)
{
	return (npages + PALLOC_WORD_BITS - 1) / PALLOC_WORD_BITS;
}

static uint64_t palloc_bitmap_pages(uint64_t npages)
{
	return ALIGN_UP(palloc_bitmap_words(npages) * sizeof(uint64_t), PAGE_SIZE) >> PAGE_SHIFT;
}

static uint64_t palloc_region_end(const struct palloc_region *r)
{
	return r->base + (r->npages << PAGE_SHIFT);
}

void palloc_init(struct palloc *pa)
{
	memset(pa, 0, sizeof(*pa));
	pa->lock = (struct spinlock)SPINLOCK_INIT;
}

static bool palloc_overlaps(const struct palloc *pa, uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < pa->nr_regions; i++)
		if (base < palloc_region_end(&pa->region[i]) && pa->region[i].base < end)
			return true;
	return false;
}

/* Inserts keeping regions sorted by base, which makes first fit lowest-address. */
static struct palloc_region *palloc_insert_region(struct palloc *pa, uint64_t base)
{
	unsigned i = pa->nr_regions;

	while (i > 0 && pa->region[i - 1].base > base) {
		pa->region[i] = pa->region[i - 1];
		i--;
	}
	pa->nr_regions++;
	return &pa->region[i];
}

static int palloc_add_region_locked(struct palloc *pa, uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_UP(base, PAGE_SIZE);
	uint64_t end = ALIGN_DOWN(base + size, PAGE_SIZE);
	uint64_t npages, meta_pages;
	struct palloc_region *r;

	if (base + size < base || start < base || end <= start)
		return KE_RANGE;
	npages = (end - start) >> PAGE_SHIFT;
	meta_pages = palloc_bitmap_pages(npages);
	if (npages < meta_pages + 1)
		return KE_RANGE;
	if (palloc_overlaps(pa, start, end))
		return KE_EXIST;
	if (pa->nr_regions == PALLOC_MAX_REGIONS)
		return KE_NOMEM;

	r = palloc_insert_region(pa, start);
	r->base = start;
	r->npages = npages;
	r->bitmap = (uint64_t *)(uintptr_t)start;
	memset(r->bitmap, 0, palloc_bitmap_words(npages) * sizeof(uint64_t));
	r->nfree = npages - palloc_mark_used(r->bitmap, 0, meta_pages);
	return 0;
}

int palloc_add_region(struct palloc *pa, uint64_t base, uint64_t size)
{
	int ret;

	spin_lock(&pa->lock);
	ret = palloc_add_region_locked(pa, base, size);
	spin_unlock(&pa->lock);
	return ret;
}

/* Marks the pages of [first_addr, last_addr] (inclusive) that lie in r. */
static void palloc_reserve_in_region(struct palloc_region *r, uint64_t first_addr,
				     uint64_t last_addr)
{
	uint64_t start = MAX(first_addr, r->base);
	uint64_t end = MIN(last_addr, palloc_region_end(r) - 1);

	if (start > end)
		return;
	r->nfree -= palloc_mark_used(r->bitmap, (start - r->base) >> PAGE_SHIFT,
				     ((end - r->base) >> PAGE_SHIFT) + 1);
}

int palloc_reserve(struct palloc *pa, uint64_t base, uint64_t size)
{
	uint64_t last;

	if (size == 0)
		return 0;
	last = base + (size - 1);
	if (last < base)
		return KE_RANGE;

	spin_lock(&pa->lock);
	/* Whole pages outward: the inclusive last byte keeps the top page representable. */
	for (unsigned i = 0; i < pa->nr_regions; i++)
		palloc_reserve_in_region(&pa->region[i], ALIGN_DOWN(base, PAGE_SIZE), last);
	spin_unlock(&pa->lock);
	return 0;
}

/* Moves page index *pos up to the next one whose address is aligned; false if
 * that address would not be representable. */
static bool palloc_align_index(const struct palloc_region *r, uint64_t align, uint64_t *pos)
{
	uint64_t addr = r->base + (*pos << PAGE_SHIFT);
	uint64_t aligned = ALIGN_UP(addr, align);

	if (aligned < addr)
		return false;
	*pos = (aligned - r->base) >> PAGE_SHIFT;
	return true;
}

/* Lowest aligned run of npages free pages in r. */
static bool palloc_region_find(const struct palloc_region *r, uint64_t npages, uint64_t align,
			       uint64_t *first)
{
	uint64_t pos = 0;

	if (npages > r->nfree)
		return false;
	for (;;) {
		uint64_t used;

		pos = palloc_find_bit(r->bitmap, pos, r->npages, false);
		if (!palloc_align_index(r, align, &pos))
			return false;
		if (pos >= r->npages || r->npages - pos < npages)
			return false;
		used = palloc_find_bit(r->bitmap, pos, pos + npages, true);
		if (used == pos + npages) {
			*first = pos;
			return true;
		}
		pos = used + 1;
	}
}

static int palloc_alloc_locked(struct palloc *pa, uint64_t npages, uint64_t align,
			       uint64_t *pa_out)
{
	for (unsigned i = 0; i < pa->nr_regions; i++) {
		struct palloc_region *r = &pa->region[i];
		uint64_t first;

		if (palloc_region_find(r, npages, align, &first)) {
			r->nfree -= palloc_mark_used(r->bitmap, first, first + npages);
			*pa_out = r->base + (first << PAGE_SHIFT);
			return 0;
		}
	}
	return KE_NOMEM;
}

int palloc_alloc(struct palloc *pa, uint64_t npages, uint64_t align, uint64_t *pa_out)
{
	int ret;

	if (npages == 0 || align < PAGE_SIZE || (align & (align - 1)))
		return KE_INVAL;
	spin_lock(&pa->lock);
	ret = palloc_alloc_locked(pa, npages, align, pa_out);
	pa->nr_allocs += !ret;
	spin_unlock(&pa->lock);
	return ret;
}

/* The region whose allocatable pages (past its bitmap) hold all of
 * [base, base + npages pages), or NULL. */
static struct palloc_region *palloc_find_region(struct palloc *pa, uint64_t base, uint64_t npages)
{
	for (unsigned i = 0; i < pa->nr_regions; i++) {
		struct palloc_region *r = &pa->region[i];
		uint64_t meta_end = r->base + (palloc_bitmap_pages(r->npages) << PAGE_SHIFT);

		if (base >= meta_end && base < palloc_region_end(r))
			return npages <= (palloc_region_end(r) - base) >> PAGE_SHIFT ? r : NULL;
	}
	return NULL;
}

static int palloc_alloc_at_locked(struct palloc *pa, uint64_t base, uint64_t npages)
{
	struct palloc_region *r = palloc_find_region(pa, base, npages);
	uint64_t first;

	if (!r)
		return KE_RANGE;
	first = (base - r->base) >> PAGE_SHIFT;
	if (palloc_find_bit(r->bitmap, first, first + npages, true) != first + npages)
		return KE_EXIST;
	r->nfree -= palloc_mark_used(r->bitmap, first, first + npages);
	return 0;
}

int palloc_alloc_at(struct palloc *pa, uint64_t base, uint64_t npages)
{
	int ret;

	if (npages == 0 || !IS_ALIGNED(base, PAGE_SIZE))
		return KE_INVAL;
	spin_lock(&pa->lock);
	ret = palloc_alloc_at_locked(pa, base, npages);
	pa->nr_allocs += !ret;
	spin_unlock(&pa->lock);
	return ret;
}

static int palloc_free_locked(struct palloc *pa, uint64_t base, uint64_t npages)
{
	struct palloc_region *r = palloc_find_region(pa, base, npages);
	uint64_t first, end;

	if (!r)
		return KE_INVAL;
	first = (base - r->base) >> PAGE_SHIFT;
	end = first + npages;
	if (palloc_find_bit(r->bitmap, first, end, false) != end)
		return KE_INVAL;
	palloc_mark_free(r->bitmap, first, end);
	r->nfree += npages;
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t base, uint64_t npages)
{
	int ret;

	if (npages == 0 || !IS_ALIGNED(base, PAGE_SIZE))
		return KE_INVAL;
	spin_lock(&pa->lock);
	ret = palloc_free_locked(pa, base, npages);
	pa->nr_frees += !ret;
	spin_unlock(&pa->lock);
	return ret;
}

uint64_t palloc_free_pages(struct palloc *pa)
{
	uint64_t n = 0;

	spin_lock(&pa->lock);
	for (unsigned i = 0; i < pa->nr_regions; i++)
		n += pa->region[i].nfree;
	spin_unlock(&pa->lock);
	return n;
}

uint64_t palloc_total_pages(struct palloc *pa)
{
	uint64_t n = 0;

	spin_lock(&pa->lock);
	for (unsigned i = 0; i < pa->nr_regions; i++)
		n += pa->region[i].npages;
	spin_unlock(&pa->lock);
	return n;
}

void palloc_get_stats(struct palloc *pa, struct palloc_stats *st)
{
	*st = (struct palloc_stats){ 0 };
	spin_lock(&pa->lock);
	for (unsigned i = 0; i < pa->nr_regions; i++) {
		st->total_pages += pa->region[i].npages;
		st->free_pages += pa->region[i].nfree;
	}
	st->allocs = pa->nr_allocs;
	st->frees = pa->nr_frees;
	spin_unlock(&pa->lock);
}
