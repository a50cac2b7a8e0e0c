/*
 * Physical page allocator over the RAM regions keel discovers in the device tree.
 *
 * palloc owns the pages of every region added to it: each region keeps a bitmap
 * (bit set = page used) in its own first pages, which stay marked used. Regions are
 * kept sorted by address, so "first fit" means lowest address first.
 *
 * Invariants the caller keeps:
 * - A region's memory is accessible at its physical address (identity map) and is
 *   used by nobody else except through palloc_reserve.
 * - Reserved pages look allocated: freeing them hands them to the allocator.
 * Every public function takes pa->lock.
 */
#ifndef KEEL_PALLOC_H
#define KEEL_PALLOC_H

#include <keel/spinlock.h>
#include <keel/types.h>

#define PALLOC_MAX_REGIONS 8

struct palloc_region {
	uint64_t base;      /* page-aligned physical address of the first page */
	uint64_t npages;    /* pages in the region, bitmap pages included */
	uint64_t *bitmap;   /* bit set = page used; lives at `base` */
	uint64_t nfree;
};

struct palloc {
	struct palloc_region region[PALLOC_MAX_REGIONS];
	unsigned nr_regions;
	struct spinlock lock;
	uint64_t nr_allocs, nr_frees;   /* successful palloc_alloc(_at) and palloc_free calls */
};

/* A consistent snapshot of the allocator, taken under its lock (keel's monitor: mem). */
struct palloc_stats {
	uint64_t total_pages;   /* in all regions, bitmap pages included */
	uint64_t free_pages;
	uint64_t allocs, frees; /* successful allocation and free calls since palloc_init */
};

void palloc_init(struct palloc *pa);

/*
 * Adds [base, base + size), trimmed inward to whole pages, and writes its bitmap into
 * its first pages. KE_RANGE if it cannot hold its bitmap plus one page (or wraps),
 * KE_EXIST if it overlaps a region, KE_NOMEM if PALLOC_MAX_REGIONS are in use.
 */
must_check int palloc_add_region(struct palloc *pa, uint64_t base, uint64_t size);

/*
 * Marks [base, base + size), widened to whole pages, as used. Parts outside every
 * region are ignored; reserving used pages is fine. KE_RANGE if the range wraps.
 */
must_check int palloc_reserve(struct palloc *pa, uint64_t base, uint64_t size);

/*
 * Allocates npages contiguous pages whose base is aligned to `align` bytes; the lowest
 * fitting address wins. KE_INVAL if npages is 0 or align is not a power of two >= 4096,
 * KE_NOMEM if no region has such a run. The pages are not zeroed.
 */
must_check int palloc_alloc(struct palloc *pa, uint64_t npages, uint64_t align, uint64_t *pa_out);

/*
 * Allocates exactly the npages pages at base. KE_INVAL if base is not page-aligned or
 * npages is 0, KE_RANGE if they are not all in one region's allocatable pages (outside
 * the RAM keel was given, or over a bitmap), KE_EXIST, changing nothing, if any of them
 * is used (keel's image, reserved memory, an earlier allocation).
 */
must_check int palloc_alloc_at(struct palloc *pa, uint64_t base, uint64_t npages);
/*
 * Frees npages pages at base. KE_INVAL, changing nothing, if base is not page-aligned,
 * npages is 0, or any page is not allocated or not in a region (a double free).
 */
must_check int palloc_free(struct palloc *pa, uint64_t base, uint64_t npages);

/* Pages currently free, over all regions. */
uint64_t palloc_free_pages(struct palloc *pa);

/* Pages in all regions, used or free, bitmap pages included. */
uint64_t palloc_total_pages(struct palloc *pa);

void palloc_get_stats(struct palloc *pa, struct palloc_stats *st);

#endif
