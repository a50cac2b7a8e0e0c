/* A window of 4 KiB pages mapped to chosen IPAs (alias.c). */
#ifndef MMIO_ALIAS_H
#define MMIO_ALIAS_H

#include <stdint.h>
#include "guest/mmu.h"

struct alias_page {
	uint64_t pa;		/* IPA of the page (4 KiB aligned) */
	enum mem_type type;
};

/* Map pages[0..n) at consecutive 4 KiB pages; returns the window's VA, 0 if impossible. */
uint64_t alias_map(const struct alias_page *pages, unsigned n);
void alias_unmap(void);

#endif
