/*
 * VMSAv8-64 translation tables with a 4 KiB granule (see include/keel/pt.h).
 *
 * Every operation is a recursive walk over [ia, end) that visits, at each level,
 * the entries the range touches. Levels are numbered as in the Arm ARM: 0 maps
 * 512 GiB per entry, 1 maps 1 GiB, 2 maps 2 MiB, 3 maps 4 KiB.
 */
#include <keel/pt.h>

#include <string.h>

#define PT_ENTRIES        512
#define PT_BITS_PER_LEVEL 9
#define PT_LAST_LEVEL     3

/* Descriptor bits [1:0]. The same 0b11 means "table" at levels 0-2 and "page" at 3. */
#define PT_DESC_VALID     BIT(0)
#define PT_DESC_TYPE_MASK GENMASK(1, 0)
#define PT_DESC_BLOCK     0x1ULL
#define PT_DESC_TABLE     0x3ULL
#define PT_DESC_PAGE      0x3ULL
#define PT_DESC_OA_MASK   GENMASK(PT_OA_BITS - 1, PAGE_SHIFT)

static unsigned pt_level_shift(unsigned level)
{
	return PAGE_SHIFT + PT_BITS_PER_LEVEL * (PT_LAST_LEVEL - level);
}

static uint64_t pt_level_size(unsigned level)
{
	return 1ULL << pt_level_shift(level);
}

static unsigned pt_index(uint64_t ia, unsigned level)
{
	return (ia >> pt_level_shift(level)) & (PT_ENTRIES - 1);
}

/* End of the part of [ia, end) that falls into ia's entry at this level. */
static uint64_t pt_entry_end(uint64_t ia, uint64_t end, unsigned level)
{
	uint64_t size = pt_level_size(level);

	return MIN(ALIGN_DOWN(ia, size) + size, end);
}

/* The walker may read a descriptor at any time, so each one is a single access. */
static uint64_t pt_desc_read(const uint64_t *entry)
{
	return __atomic_load_n(entry, __ATOMIC_RELAXED);
}

static void pt_desc_write(uint64_t *entry, uint64_t desc)
{
	__atomic_store_n(entry, desc, __ATOMIC_RELAXED);
}

static bool pt_desc_is_table(uint64_t desc, unsigned level)
{
	return level < PT_LAST_LEVEL && (desc & PT_DESC_TYPE_MASK) == PT_DESC_TABLE;
}

static bool pt_desc_is_leaf(uint64_t desc, unsigned level)
{
	if (level == PT_LAST_LEVEL)
		return (desc & PT_DESC_TYPE_MASK) == PT_DESC_PAGE;
	/* Level 0 cannot hold blocks with a 4 KiB granule and 48-bit OAs. */
	return level > 0 && (desc & PT_DESC_TYPE_MASK) == PT_DESC_BLOCK;
}

static uint64_t *pt_desc_table(uint64_t desc)
{
	return (uint64_t *)(uintptr_t)(desc & PT_DESC_OA_MASK);
}

static uint64_t pt_make_leaf(unsigned level, uint64_t oa, uint64_t attrs)
{
	uint64_t type = level == PT_LAST_LEVEL ? PT_DESC_PAGE : PT_DESC_BLOCK;

	return attrs | (oa & PT_DESC_OA_MASK) | type;
}

/* A leaf maps [ia, next) if it is a page, or a block whose ia and oa are aligned
 * and which the range covers entirely. */
static bool pt_fits_leaf(unsigned level, uint64_t ia, uint64_t next, uint64_t oa)
{
	uint64_t size = pt_level_size(level);

	if (level == PT_LAST_LEVEL)
		return true;
	return level > 0 && next - ia == size && IS_ALIGNED(ia, size) && IS_ALIGNED(oa, size);
}

unsigned pt_start_level(unsigned ia_bits)
{
	if (ia_bits > pt_level_shift(0))
		return 0;
	if (ia_bits > pt_level_shift(1))
		return 1;
	return 2;
}

int pt_init(struct pt *pt, unsigned ia_bits, void *(*alloc_table)(void *),
	    void (*free_table)(void *, void *), void *ctx)
{
	if (ia_bits < PT_IA_BITS_MIN || ia_bits > PT_IA_BITS_MAX || !alloc_table || !free_table)
		return KE_INVAL;

	pt->ia_bits = ia_bits;
	pt->start_level = pt_start_level(ia_bits);
	pt->alloc_table = alloc_table;
	pt->free_table = free_table;
	pt->ctx = ctx;
	pt->nr_tables = 0;
	pt->root = alloc_table(ctx);
	if (!pt->root)
		return KE_NOMEM;
	memset(pt->root, 0, PAGE_SIZE);
	pt->nr_tables = 1;
	return 0;
}

/* Checks shared by map and unmap: alignment first, then the input address space. */
static int pt_check_range(const struct pt *pt, uint64_t ia, uint64_t size)
{
	if (!IS_ALIGNED(ia | size, PAGE_SIZE) || size == 0)
		return KE_INVAL;
	if (ia + size < ia || ia + size > (1ULL << pt->ia_bits))
		return KE_RANGE;
	return 0;
}

/* True if no leaf maps any part of [ia, end). */
static bool pt_range_is_free(const uint64_t *table, unsigned level, uint64_t ia, uint64_t end)
{
	while (ia < end) {
		uint64_t next = pt_entry_end(ia, end, level);
		uint64_t desc = pt_desc_read(&table[pt_index(ia, level)]);

		if (pt_desc_is_table(desc, level)) {
			if (!pt_range_is_free(pt_desc_table(desc), level + 1, ia, next))
				return false;
		} else if (desc & PT_DESC_VALID) {
			return false;
		}
		ia = next;
	}
	return true;
}

/* Returns the table `entry` points to, allocating and linking a new one if the
 * entry is invalid. */
static must_check int pt_get_table(struct pt *pt, uint64_t *entry, unsigned level,
				   uint64_t **table)
{
	uint64_t desc = pt_desc_read(entry);
	uint64_t *new_table;

	if (pt_desc_is_table(desc, level)) {
		*table = pt_desc_table(desc);
		return 0;
	}
	if (desc & PT_DESC_VALID)
		return KE_EXIST;

	new_table = pt->alloc_table(pt->ctx);
	if (!new_table)
		return KE_NOMEM;
	if ((uintptr_t)new_table & ~PT_DESC_OA_MASK) {
		pt->free_table(pt->ctx, new_table);
		return KE_RANGE;
	}
	memset(new_table, 0, PAGE_SIZE);
	/*
	 * Release, not relaxed: the zeroing above must be visible before the walker can
	 * follow the new descriptor, or it could read stale memory as valid entries.
	 */
	__atomic_store_n(entry, (uint64_t)(uintptr_t)new_table | PT_DESC_TABLE, __ATOMIC_RELEASE);
	pt->nr_tables++;
	*table = new_table;
	return 0;
}

/*
 * Walks [ia, end) making the same block/table choices in both passes of pt_map:
 * the first pass (write_leaves false) only creates the tables, so running out of
 * them cannot leave a half-done mapping; the second writes the leaves and cannot
 * fail. The range must be free (pt_range_is_free).
 */
static must_check int pt_map_walk(struct pt *pt, uint64_t *table, unsigned level, uint64_t ia,
				  uint64_t end, uint64_t oa, uint64_t attrs, bool write_leaves)
{
	while (ia < end) {
		uint64_t next = pt_entry_end(ia, end, level);
		uint64_t *entry = &table[pt_index(ia, level)];
		uint64_t *child;
		int ret;

		/* An existing (necessarily empty here) table is reused rather than replaced
		 * by a block: swapping it would need break-before-make. */
		if (level == PT_LAST_LEVEL ||
		    (!(pt_desc_read(entry) & PT_DESC_VALID) && pt_fits_leaf(level, ia, next, oa))) {
			if (write_leaves)
				pt_desc_write(entry, pt_make_leaf(level, oa, attrs));
		} else {
			ret = pt_get_table(pt, entry, level, &child);
			if (ret)
				return ret;
			ret = pt_map_walk(pt, child, level + 1, ia, next, oa, attrs, write_leaves);
			if (ret)
				return ret;
		}
		oa += next - ia;
		ia = next;
	}
	return 0;
}

int pt_map(struct pt *pt, uint64_t ia, uint64_t oa, uint64_t size, uint64_t attrs)
{
	uint64_t end = ia + size;
	int ret;

	if (!IS_ALIGNED(oa, PAGE_SIZE) || (attrs & ~PT_ATTRS_MASK))
		return KE_INVAL;
	ret = pt_check_range(pt, ia, size);
	if (ret)
		return ret;
	if (oa >= (1ULL << PT_OA_BITS) || size > (1ULL << PT_OA_BITS) - oa)
		return KE_RANGE;
	if (!pt_range_is_free(pt->root, pt->start_level, ia, end))
		return KE_EXIST;

	ret = pt_map_walk(pt, pt->root, pt->start_level, ia, end, oa, attrs, false);
	if (ret)
		return ret;
	return pt_map_walk(pt, pt->root, pt->start_level, ia, end, oa, attrs, true);
}

/* KE_INVAL if [ia, end) covers part of a block. */
static must_check int pt_unmap_check(const uint64_t *table, unsigned level, uint64_t ia,
				     uint64_t end)
{
	while (ia < end) {
		uint64_t next = pt_entry_end(ia, end, level);
		uint64_t desc = pt_desc_read(&table[pt_index(ia, level)]);
		int ret;

		if (pt_desc_is_table(desc, level)) {
			ret = pt_unmap_check(pt_desc_table(desc), level + 1, ia, next);
			if (ret)
				return ret;
		} else if ((desc & PT_DESC_VALID) && next - ia != pt_level_size(level)) {
			return KE_INVAL;
		}
		ia = next;
	}
	return 0;
}

static bool pt_table_is_empty(const uint64_t *table)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (pt_desc_read(&table[i]) & PT_DESC_VALID)
			return false;
	return true;
}

/* Clears the leaves in [ia, end), which pt_unmap_check accepted, and frees the
 * tables below `table` that end up empty. */
static void pt_unmap_walk(struct pt *pt, uint64_t *table, unsigned level, uint64_t ia, uint64_t end)
{
	while (ia < end) {
		uint64_t next = pt_entry_end(ia, end, level);
		uint64_t *entry = &table[pt_index(ia, level)];
		uint64_t desc = pt_desc_read(entry);

		if (pt_desc_is_table(desc, level)) {
			uint64_t *child = pt_desc_table(desc);

			pt_unmap_walk(pt, child, level + 1, ia, next);
			if (pt_table_is_empty(child)) {
				pt_desc_write(entry, 0);
				pt->free_table(pt->ctx, child);
				pt->nr_tables--;
			}
		} else if (desc & PT_DESC_VALID) {
			pt_desc_write(entry, 0);
		}
		ia = next;
	}
}

int pt_unmap(struct pt *pt, uint64_t ia, uint64_t size)
{
	int ret = pt_check_range(pt, ia, size);

	if (ret)
		return ret;
	ret = pt_unmap_check(pt->root, pt->start_level, ia, ia + size);
	if (ret)
		return ret;
	pt_unmap_walk(pt, pt->root, pt->start_level, ia, ia + size);
	return 0;
}

bool pt_translate(const struct pt *pt, uint64_t ia, uint64_t *oa, uint64_t *attrs)
{
	const uint64_t *table = pt->root;

	if (ia >> pt->ia_bits)
		return false;
	for (unsigned level = pt->start_level; level <= PT_LAST_LEVEL; level++) {
		uint64_t desc = pt_desc_read(&table[pt_index(ia, level)]);
		uint64_t offset_mask = pt_level_size(level) - 1;

		if (pt_desc_is_leaf(desc, level)) {
			if (oa)
				*oa = (desc & PT_DESC_OA_MASK & ~offset_mask) | (ia & offset_mask);
			if (attrs)
				*attrs = desc & PT_ATTRS_MASK;
			return true;
		}
		if (!pt_desc_is_table(desc, level))
			return false;
		table = pt_desc_table(desc);
	}
	return false;
}

static void pt_free_tables(struct pt *pt, uint64_t *table, unsigned level)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t desc = pt_desc_read(&table[i]);

		if (pt_desc_is_table(desc, level))
			pt_free_tables(pt, pt_desc_table(desc), level + 1);
	}
	pt->free_table(pt->ctx, table);
	pt->nr_tables--;
}

void pt_destroy(struct pt *pt)
{
	if (!pt->root)
		return;
	pt_free_tables(pt, pt->root, pt->start_level);
	pt->root = NULL;
}
