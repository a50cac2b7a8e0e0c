/*
 * keel's physical memory: one page allocator over all RAM the boot device
 * tree describes, less keel, the device tree, the boot modules and reserved
 * memory. VM RAM and stage-2 tables come from here.
 */
#ifndef KEEL_MEM_H
#define KEEL_MEM_H

#include <keel/palloc.h>

extern struct palloc keel_palloc;

/* A zeroed page for translation tables (pt callbacks; ctx unused). */
void *mem_table_alloc(void *ctx);
void mem_table_free(void *ctx, void *table);

#endif
