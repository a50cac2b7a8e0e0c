/*
 * VMSAv8-64 translation tables, 4 KiB granule, 48-bit output addresses.
 * Used for keel's own EL2 stage-1 identity map and for each VM's stage-2 map.
 *
 * pt owns the table pages of one address space: it builds, walks and frees them.
 * It knows nothing about which regime the tables serve: the caller chooses the
 * attribute bits (PT_S1_* or PT_S2_*) and does every barrier and TLB invalidation.
 *
 * Invariants the caller keeps:
 * - Tables are identity-addressed: the physical address of a table page, as returned
 *   by alloc_table, is also a usable pointer to it, and lies below 2^48.
 * - Calls on one struct pt are serialized by the caller (pt takes no lock), but the
 *   hardware walker may read the tables at any time: pt writes each descriptor with a
 *   single 64-bit store and links a table only after it is zeroed.
 * - pt_unmap frees tables that became empty, while the walker may still hold them in
 *   its walk caches until the caller's TLB invalidation. A free_table that hands pages
 *   back to a shared allocator must defer their reuse until after that invalidation.
 */
#ifndef KEEL_PT_H
#define KEEL_PT_H

#include <keel/types.h>

/* Descriptor attribute bits: the caller passes them in `attrs`; pt adds the
 * valid/type bits and the output address. */
#define PT_AF            BIT(10)
#define PT_SH_INNER      (3ULL << 8)
#define PT_S1_ATTRIDX(n) ((uint64_t)(n) << 2)   /* index into MAIR_EL2 */
#define PT_S1_AP_RO      BIT(7)
#define PT_S1_XN         BIT(54)                /* EL2 stage 1: XN */
#define PT_S2_MEMATTR(x) ((uint64_t)(x) << 2)
#define PT_S2_MEMATTR_DEVICE_nGnRE 0x1
#define PT_S2_MEMATTR_NORMAL_WB    0xf
#define PT_S2_AP_R       BIT(6)
#define PT_S2_AP_W       BIT(7)
#define PT_S2_XN         (2ULL << 53)           /* XN[1:0]=0b10: no execution at EL1 or EL0 */

/* Bits a leaf may carry in `attrs`: upper attributes [63:50], lower attributes [11:2].
 * Anything else (output address, valid/type) is pt's business. */
#define PT_ATTRS_MASK    (GENMASK(63, 50) | GENMASK(11, 2))

#define PT_IA_BITS_MIN   32
#define PT_IA_BITS_MAX   48
#define PT_OA_BITS       48

struct pt {
	uint64_t *root;
	unsigned ia_bits;      /* input address size, 32..48 */
	unsigned start_level;  /* derived from ia_bits: 0 if > 39, 1 if > 30, else 2 */
	void *(*alloc_table)(void *ctx);           /* zeroed 4 KiB-aligned page or NULL */
	void (*free_table)(void *ctx, void *table);
	void *ctx;
	unsigned nr_tables;    /* table pages in use */
};

/* Level the walk starts at for an input address size (the root table's level). */
unsigned pt_start_level(unsigned ia_bits);

/* Allocates the root table. KE_INVAL if ia_bits is outside 32..48 or alloc_table is
 * NULL, KE_NOMEM if the root cannot be allocated. */
must_check int pt_init(struct pt *pt, unsigned ia_bits, void *(*alloc_table)(void *),
		       void (*free_table)(void *, void *), void *ctx);

/*
 * Maps [ia, ia + size) to [oa, oa + size) with the largest blocks the alignment of ia,
 * oa and the remaining size allow (1 GiB at level 1, 2 MiB at level 2, else 4 KiB).
 * KE_INVAL: ia/oa/size not page-aligned, size 0, or attrs outside PT_ATTRS_MASK.
 * KE_RANGE: range wraps, ends above 2^ia_bits, or oa + size above 2^48.
 * KE_EXIST: part of the range is already mapped. KE_NOMEM: no table page.
 * On failure no mapping changes; KE_NOMEM may leave empty tables linked in.
 */
must_check int pt_map(struct pt *pt, uint64_t ia, uint64_t oa, uint64_t size, uint64_t attrs);

/*
 * Removes every mapping in [ia, ia + size); holes are fine. KE_INVAL if the range is
 * not page-aligned or covers only part of a block (nothing is changed then), KE_RANGE
 * as for pt_map. Tables left empty are freed (never the root).
 */
must_check int pt_unmap(struct pt *pt, uint64_t ia, uint64_t size);

/* Output address of ia (including the offset inside the page/block) and the leaf's
 * attribute bits (without output address and type); false if ia is unmapped.
 * oa and attrs may be NULL. */
bool pt_translate(const struct pt *pt, uint64_t ia, uint64_t *oa, uint64_t *attrs);

/* Frees every table including the root. The tables must no longer be in use by
 * any walker. */
void pt_destroy(struct pt *pt);

#endif
