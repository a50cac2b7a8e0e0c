/* Data cache maintenance by virtual address (keel's map is identity, so VA == PA). */
#ifndef KEEL_ARCH_CACHE_H
#define KEEL_ARCH_CACHE_H

#include <keel/types.h>

/* Clean and invalidate [base, base + size) to the point of coherency. */
void dcache_clean_inval_poc(uint64_t base, uint64_t size);
/* Invalidate the whole instruction cache (Inner Shareable). */
void icache_inval_all(void);

#endif
