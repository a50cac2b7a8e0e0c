/*
 * VMID allocator: see include/keel/vmid.h. 256 or 65536 VMIDs and at most KEEL_MAX_VMS
 * VMs, so a linear search of the bitmap is plenty.
 */
#include <keel/vmid.h>

#include <string.h>

#define VMID_WORD_BITS 64

void vmid_pool_init(struct vmid_pool *p, unsigned bits)
{
	memset(p->used, 0, sizeof(p->used));
	p->limit = bits == 16 ? VMID_LIMIT_MAX : 1u << 8;
}

static bool vmid_used(const struct vmid_pool *p, unsigned vmid)
{
	return p->used[vmid / VMID_WORD_BITS] & BIT(vmid % VMID_WORD_BITS);
}

unsigned vmid_alloc(struct vmid_pool *p)
{
	for (unsigned id = 1; id < p->limit; id++) {
		if (!vmid_used(p, id)) {
			p->used[id / VMID_WORD_BITS] |= BIT(id % VMID_WORD_BITS);
			return id;
		}
	}
	return 0;
}

bool vmid_free(struct vmid_pool *p, unsigned vmid)
{
	if (vmid == 0 || vmid >= p->limit || !vmid_used(p, vmid))
		return false;
	p->used[vmid / VMID_WORD_BITS] &= ~BIT(vmid % VMID_WORD_BITS);
	return true;
}
