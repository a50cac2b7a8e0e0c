/*
 * Shared memory regions: their physical memory, given once at boot, and the VMs'
 * mappings of them. See include/keel/shm.h.
 */
#include <keel/arch/cache.h>
#include <keel/console.h>
#include <keel/mem.h>
#include <keel/shm.h>
#include <keel/vm.h>
#include <stdio.h>
#include <string.h>

static const struct keel_config *shm_cfg;
static uint64_t shm_pa[CONFIG_MAX_SHM];

const struct keel_config *shm_config(void)
{
	return shm_cfg;
}

uint64_t shm_region_pa(unsigned i)
{
	return i < CONFIG_MAX_SHM ? shm_pa[i] : 0;
}

static int shm_claim_fixed(const struct config_shm *r, char *err, size_t errlen)
{
	int ret = palloc_alloc_at(&keel_palloc, r->pa, r->size / PAGE_SIZE);

	if (ret == KE_RANGE)
		snprintf(err, errlen, "address 0x%llx-0x%llx is not wholly in the RAM keel manages "
			 "(the /memory nodes of the boot device tree); move it inside the machine's "
			 "RAM or drop address", (unsigned long long)r->pa,
			 (unsigned long long)(r->pa + r->size - 1));
	else if (ret)
		snprintf(err, errlen, "address 0x%llx-0x%llx is not free: part of it is keel's own "
			 "image, reserved memory, a boot module or a VM's phys RAM; move it to free "
			 "RAM or drop address", (unsigned long long)r->pa,
			 (unsigned long long)(r->pa + r->size - 1));
	return ret;
}

static int shm_alloc(const struct config_shm *r, uint64_t *pa, char *err, size_t errlen)
{
	/* 2 MiB aligned when it can be, so that stage 2 maps it with blocks. */
	uint64_t align = IS_ALIGNED(r->size, SZ_2M) ? SZ_2M : PAGE_SIZE;

	if (!palloc_alloc(&keel_palloc, r->size / PAGE_SIZE, align, pa))
		return KE_OK;
	snprintf(err, errlen, "not enough free memory for its %llu KiB (%llu MiB free); make it "
		 "smaller or give the VMs less memory", (unsigned long long)(r->size >> 10),
		 (unsigned long long)(palloc_free_pages(&keel_palloc) * PAGE_SIZE >> 20));
	return KE_NOMEM;
}

/* Fixed addresses first: the others take any pages, which could be those. */
int shm_setup(const struct keel_config *cfg, char *err, size_t errlen, const char **node)
{
	int ret = KE_OK;

	shm_cfg = cfg;
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < cfg->nr_shm; i++) {
			const struct config_shm *r = &cfg->shm[i];

			if (r->fixed != (pass == 0))
				continue;
			if (r->fixed) {
				ret = shm_claim_fixed(r, err, errlen);
				shm_pa[i] = r->pa;
			} else {
				ret = shm_alloc(r, &shm_pa[i], err, errlen);
			}
			if (ret) {
				*node = r->name;
				return ret;
			}
			/* Guests map it as Device or Normal: nothing of keel's may sit in a cache. */
			memset((void *)(uintptr_t)shm_pa[i], 0, r->size);
			dcache_clean_inval_poc(shm_pa[i], r->size);
			klog("shared memory %s: %llu KiB at PA 0x%llx, %u VM(s)", r->name,
			     (unsigned long long)(r->size >> 10), (unsigned long long)shm_pa[i],
			     r->nr_users);
		}
	return KE_OK;
}

int shm_vm_add_maps(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->cfg;

	if (!cfg->nr_shm)
		return KE_OK;
	if (!shm_cfg) {
		snprintf(err, errlen, "its shared memory was not set up (keel bug)");
		return KE_INVAL;
	}
	for (unsigned i = 0; i < cfg->nr_shm; i++) {
		const struct config_shm_map *m = &cfg->shm[i];

		if (vm->nr_maps == VM_MAX_MAPS || m->region >= shm_cfg->nr_shm) {
			snprintf(err, errlen, "it has more than %d mappings beside RAM; map fewer "
				 "shared regions or devices", VM_MAX_MAPS);
			return KE_NOTSUP;
		}
		vm->maps[vm->nr_maps++] = (struct vm_map){
			.ipa = m->ipa, .pa = shm_pa[m->region], .size = shm_cfg->shm[m->region].size,
			.kind = m->ro ? VM_MAP_SHARED_RO : VM_MAP_SHARED_RW,
		};
		klog("vm %s: shared memory %s at IPA 0x%llx%s", vm->name,
		     shm_cfg->shm[m->region].name, (unsigned long long)m->ipa,
		     m->ro ? ", read-only" : "");
	}
	return KE_OK;
}
