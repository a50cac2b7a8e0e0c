/*
 * VMID allocator: which VMIDs are in use, as a bitmap. Pure logic (host-tested in
 * tests/unit/test_vmid.c); the caller holds a lock around every call and, because a freed
 * VMID may still tag TLB entries, invalidates the VMID's TLB entries before vmid_free
 * (src/arch/aarch64/stage2.c does both).
 *
 * Invariant: VMID 0 is never handed out, so a zero VTTBR_EL2 never aliases a VM.
 */
#ifndef KEEL_VMID_H
#define KEEL_VMID_H

#include <keel/types.h>

#define VMID_LIMIT_MAX (1u << 16)   /* 16-bit VMIDs (ID_AA64MMFR1_EL1.VMIDBits = 2) */

struct vmid_pool {
	uint64_t used[VMID_LIMIT_MAX / 64];
	unsigned limit;   /* VMIDs are 1 .. limit - 1 */
};

/* An empty pool of VMIDs of `bits` bits (8 or 16; anything else is treated as 8). */
void vmid_pool_init(struct vmid_pool *p, unsigned bits);
/* The lowest free VMID, now in use; 0 if every one is taken. */
unsigned vmid_alloc(struct vmid_pool *p);
/* Give vmid back. false (and nothing changes) if it was not allocated. */
bool vmid_free(struct vmid_pool *p, unsigned vmid);

#endif
