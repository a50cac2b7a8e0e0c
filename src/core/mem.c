#include <keel/mem.h>
#include <string.h>

struct palloc keel_palloc;

void *mem_table_alloc(void *ctx)
{
	uint64_t pa;

	if (palloc_alloc(&keel_palloc, 1, PAGE_SIZE, &pa))
		return NULL;
	memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
	return (void *)(uintptr_t)pa;
}

void mem_table_free(void *ctx, void *table)
{
	if (palloc_free(&keel_palloc, (uint64_t)(uintptr_t)table, 1))
		return; /* not ours: pt only frees what it allocated, so this cannot happen */
}
