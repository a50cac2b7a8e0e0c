/*
 * Shared memory regions, their mappings in VMs and the doorbells between VMs, in the
 * configuration: see include/keel/config_shm.h and docs/config.md.
 */
#include <keel/config_shm.h>
#include <keel/platform.h>

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHM_PATH_MAX 48

static const char *const shm_region_props[] = {
	"compatible", "size", "address", "phandle", "linux,phandle",
};

/* Writes "<file>: <path>: <message>" and returns ret. */
static int __attribute__((format(printf, 4, 5)))
shm_fail(const struct config_shm_ctx *c, const char *path, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return ret;
	n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static unsigned long long ull(uint64_t v)
{
	return v;
}

static bool shm_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static uint64_t shm_last(uint64_t base, uint64_t size)
{
	return base + size - 1;
}

bool config_shm_is_region(const void *fdt, int node)
{
	return fdt_node_check_compatible(fdt, node, CONFIG_SHM_COMPATIBLE) == 0;
}

/* ------------------------------------------------------------ regions */

static int shm_check_props(const struct config_shm_ctx *c, int node, const char *path)
{
	const char *name;
	int off, len;

	fdt_for_each_property_offset(off, c->fdt, node) {
		bool known = false;

		if (!fdt_getprop_by_offset(c->fdt, off, &name, &len) || !name)
			return shm_fail(c, path, KE_INVAL, "malformed property; recompile the config "
					"with dtc");
		for (size_t i = 0; i < ARRAY_SIZE(shm_region_props); i++)
			known |= !strcmp(name, shm_region_props[i]);
		if (!known)
			return shm_fail(c, path, KE_INVAL, "unknown property \"%.40s\" in a shared "
					"memory region; it takes only size and address (docs/config.md)",
					name);
	}
	if (fdt_first_subnode(c->fdt, node) >= 0)
		return shm_fail(c, path, KE_INVAL, "a shared memory region has no subnodes; "
				"remove them");
	return 0;
}

static int shm_check_name(const struct config_shm_ctx *c, const char *path, const char *name,
			  int len)
{
	if (len < 1 || len >= VM_NAME_MAX)
		return shm_fail(c, path, KE_INVAL, "region name has %d characters; use 1 to %d",
				len, VM_NAME_MAX - 1);
	for (int i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return shm_fail(c, path, KE_INVAL, "region name has '%c'; use only a-z, 0-9, "
					"'_' and '-' (no unit address)", ch);
	}
	return 0;
}

/* A number of exactly `cells` cells; KE_NOENT if absent. */
static int shm_get_number(const struct config_shm_ctx *c, int node, const char *path,
			  const char *prop, unsigned cells, const char *which, uint64_t *out)
{
	const void *v;
	int len;

	v = fdt_getprop(c->fdt, node, prop, &len);
	if (!v && len == -FDT_ERR_NOTFOUND)
		return KE_NOENT;
	if (!v || (unsigned)len != cells * sizeof(fdt32_t))
		return shm_fail(c, path, KE_INVAL, "%s must be %u cell%s (%s of /); it is %d bytes",
				prop, cells, cells == 1 ? "" : "s", which, v ? len : 0);
	*out = platform_dt_number(v, cells);
	return 0;
}

static int shm_parse_size(const struct config_shm_ctx *c, int node, const char *path,
			  struct config_shm *r)
{
	int ret = shm_get_number(c, node, path, "size", c->sc, "#size-cells", &r->size);

	if (ret == KE_NOENT)
		return shm_fail(c, path, KE_NOENT, "no size property; add size = <...>, a multiple "
				"of 4 KiB");
	if (ret)
		return ret;
	if (!r->size || !IS_ALIGNED(r->size, PAGE_SIZE) || r->size > CONFIG_SHM_MAX_SIZE)
		return shm_fail(c, path, KE_INVAL, "size 0x%llx is not a multiple of 4 KiB from "
				"4 KiB to 1 GiB; round it to 0x1000", ull(r->size));
	return 0;
}

static int shm_parse_address(const struct config_shm_ctx *c, int node, const char *path,
			     struct config_shm *r)
{
	int ret = shm_get_number(c, node, path, "address", c->ac, "#address-cells", &r->pa);

	if (ret == KE_NOENT)
		return 0;
	if (ret)
		return ret;
	r->fixed = true;
	if (!IS_ALIGNED(r->pa, PAGE_SIZE))
		return shm_fail(c, path, KE_INVAL, "address 0x%llx is not 4 KiB aligned; round it",
				ull(r->pa));
	if (r->size > UINT64_MAX - r->pa)
		return shm_fail(c, path, KE_RANGE, "address 0x%llx + size 0x%llx wraps past the "
				"end of the address space; lower it", ull(r->pa), ull(r->size));
	return 0;
}

static int shm_parse_phandle(const struct config_shm_ctx *c, int node, const char *path,
			     struct config_shm *r)
{
	r->phandle = fdt_get_phandle(c->fdt, node);
	/* 0 is "none"; 0xffffffff is reserved (DT spec 2.3.3): no VM can name the region. */
	if (!r->phandle || r->phandle == UINT32_MAX)
		return shm_fail(c, path, KE_NOENT, "is used by no VM (nothing references it); map "
				"it in a VM with shared-memory = <&%s IPA> (give the node a label, "
				"%s: %s { ... }) or remove it", r->name, r->name, r->name);
	return 0;
}

/* Fixed addresses: physical memory has one owner. */
static int shm_check_fixed(const struct config_shm_ctx *c, const char *path,
			   const struct keel_config *cfg, const struct config_shm *r)
{
	for (unsigned i = 0; r->fixed && i < cfg->nr_shm; i++) {
		const struct config_shm *o = &cfg->shm[i];

		if (o->fixed && shm_overlap(r->pa, r->size, o->pa, o->size))
			return shm_fail(c, path, KE_EXIST, "address 0x%llx-0x%llx overlaps shared "
					"memory /%s at 0x%llx-0x%llx; give each region its own "
					"physical memory", ull(r->pa), ull(shm_last(r->pa, r->size)),
					o->name, ull(o->pa), ull(shm_last(o->pa, o->size)));
	}
	return 0;
}

static int shm_parse_region(const struct config_shm_ctx *c, int node, struct keel_config *cfg)
{
	struct config_shm *r = &cfg->shm[cfg->nr_shm];
	char path[SHM_PATH_MAX];
	const char *name;
	int len, ret;

	name = fdt_get_name(c->fdt, node, &len);
	if (!name)
		return shm_fail(c, "/", KE_INVAL, "malformed node; recompile the config with dtc");
	snprintf(path, sizeof(path), "/%.*s", MIN(len, SHM_PATH_MAX - 2), name);
	if (cfg->nr_shm == CONFIG_MAX_SHM)
		return shm_fail(c, path, KE_NOTSUP, "more than %d shared memory regions; merge "
				"some (a region may be split by its users)", CONFIG_MAX_SHM);
	ret = shm_check_name(c, path, name, len);
	if (ret)
		return ret;
	memcpy(r->name, name, (size_t)len);
	for (unsigned i = 0; i < cfg->nr_shm; i++)
		if (!strcmp(cfg->shm[i].name, r->name))
			return shm_fail(c, path, KE_EXIST, "two shared memory regions are called %s; "
					"give each its own name", r->name);
	ret = shm_check_props(c, node, path);
	if (!ret)
		ret = shm_parse_size(c, node, path, r);
	if (!ret)
		ret = shm_parse_address(c, node, path, r);
	if (!ret)
		ret = shm_parse_phandle(c, node, path, r);
	if (!ret)
		ret = shm_check_fixed(c, path, cfg, r);
	if (!ret)
		cfg->nr_shm++;
	return ret;
}

int config_shm_parse_regions(const struct config_shm_ctx *c, struct keel_config *cfg)
{
	int node, ret;

	fdt_for_each_subnode(node, c->fdt, 0) {
		if (!config_shm_is_region(c->fdt, node))
			continue;
		ret = shm_parse_region(c, node, cfg);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------ one VM's mappings */

/* What else is at [base, base + size) of the VM, described in buf; NULL if nothing. */
static const char *shm_vm_clash(const struct vm_config *vm, const struct keel_config *cfg,
				uint64_t base, uint64_t size, char *buf, size_t n)
{
	uint64_t gicr_size = vm->nr_vcpus * CONFIG_GICR_STRIDE;

	for (unsigned i = 0; i < vm->nr_ram; i++)
		if (shm_overlap(base, size, vm->ram[i].ipa, vm->ram[i].size)) {
			snprintf(buf, n, "the VM's RAM 0x%llx-0x%llx", ull(vm->ram[i].ipa),
				 ull(shm_last(vm->ram[i].ipa, vm->ram[i].size)));
			return buf;
		}
	if (shm_overlap(base, size, vm->uart_base, CONFIG_DEVICE_SIZE))
		return snprintf(buf, n, "uart 0x%llx", ull(vm->uart_base)), buf;
	if (vm->has_testdev && shm_overlap(base, size, vm->testdev_base, CONFIG_DEVICE_SIZE))
		return snprintf(buf, n, "test-device 0x%llx", ull(vm->testdev_base)), buf;
	if (shm_overlap(base, size, CONFIG_GICD_BASE, CONFIG_GICD_SIZE) ||
	    shm_overlap(base, size, CONFIG_GICR_BASE, gicr_size))
		return snprintf(buf, n, "the virtual GIC 0x%llx-0x%llx, 0x%llx-0x%llx",
				ull(CONFIG_GICD_BASE), ull(shm_last(CONFIG_GICD_BASE, CONFIG_GICD_SIZE)),
				ull(CONFIG_GICR_BASE), ull(shm_last(CONFIG_GICR_BASE, gicr_size))), buf;
	for (unsigned i = 0; i < vm->nr_shm; i++) {
		const struct config_shm_map *m = &vm->shm[i];
		uint64_t msize = cfg->shm[m->region].size;

		if (shm_overlap(base, size, m->ipa, msize)) {
			snprintf(buf, n, "shared memory %s at 0x%llx-0x%llx", cfg->shm[m->region].name,
				 ull(m->ipa), ull(shm_last(m->ipa, msize)));
			return buf;
		}
	}
	return NULL;
}

static int shm_find_phandle(const struct keel_config *cfg, uint32_t phandle)
{
	for (unsigned i = 0; i < cfg->nr_shm; i++)
		if (cfg->shm[i].phandle == phandle)
			return (int)i;
	return -1;
}

static int shm_add_map(const struct config_shm_ctx *c, const char *path, const char *prop,
		       unsigned entry, const struct keel_config *cfg, struct vm_config *vm,
		       uint32_t phandle, uint64_t ipa, bool ro)
{
	int region = shm_find_phandle(cfg, phandle);
	const struct config_shm *r;
	char buf[96];
	const char *clash;

	if (region < 0)
		return shm_fail(c, path, KE_NOENT, "%s entry %u names phandle %u, which is no "
				"shared memory region; name a node with compatible = \"%s\" at the "
				"root by its label, <&label IPA>", prop, entry, phandle,
				CONFIG_SHM_COMPATIBLE);
	r = &cfg->shm[region];
	for (unsigned i = 0; i < vm->nr_shm; i++)
		if (vm->shm[i].region == (unsigned)region)
			return shm_fail(c, path, KE_EXIST, "maps shared memory %s twice (%s entry %u); "
					"map each region once, read-write or read-only", r->name,
					prop, entry);
	if (vm->nr_shm == CONFIG_MAX_VM_SHM)
		return shm_fail(c, path, KE_NOTSUP, "maps more than %d shared memory regions; "
				"map fewer", CONFIG_MAX_VM_SHM);
	if (!IS_ALIGNED(ipa, PAGE_SIZE))
		return shm_fail(c, path, KE_INVAL, "%s maps %s at IPA 0x%llx, which is not 4 KiB "
				"aligned; round it", prop, r->name, ull(ipa));
	if (r->size > UINT64_MAX - ipa ||
	    (c->ipa_bits < 64 && ipa + r->size > (1ULL << c->ipa_bits)))
		return shm_fail(c, path, KE_RANGE, "%s maps %s at IPA 0x%llx-0x%llx, beyond the "
				"%u-bit IPA space of this machine; move it lower", prop, r->name,
				ull(ipa), ull(ipa + (r->size - 1)), c->ipa_bits);
	clash = shm_vm_clash(vm, cfg, ipa, r->size, buf, sizeof(buf));
	if (clash)
		return shm_fail(c, path, KE_RANGE, "%s maps %s at IPA 0x%llx-0x%llx, which overlaps "
				"%s; move it to a free IPA range", prop, r->name, ull(ipa),
				ull(shm_last(ipa, r->size)), clash);
	vm->shm[vm->nr_shm++] = (struct config_shm_map){ .region = (unsigned)region, .ipa = ipa,
							 .ro = ro };
	return 0;
}

static int shm_parse_maps(const struct config_shm_ctx *c, int node, const char *path,
			  const char *prop, bool ro, const struct keel_config *cfg,
			  struct vm_config *vm)
{
	unsigned entry_cells = 1 + c->ac;
	const fdt32_t *v;
	int len, ret;

	v = fdt_getprop(c->fdt, node, prop, &len);
	if (!v)
		return 0;
	if (len <= 0 || (unsigned)len % (entry_cells * sizeof(fdt32_t)))
		return shm_fail(c, path, KE_INVAL, "%s must be <&region IPA> entries of 1 + %u "
				"cells (#address-cells of /), e.g. %s = <&ring0 0x0 0x70000000>; it "
				"is %d bytes", prop, c->ac, prop, len);
	for (unsigned e = 0; e < (unsigned)len / (entry_cells * sizeof(fdt32_t)); e++) {
		const fdt32_t *cells = v + e * entry_cells;

		ret = shm_add_map(c, path, prop, e, cfg, vm, fdt32_ld(cells),
				  platform_dt_number(cells + 1, c->ac), ro);
		if (ret)
			return ret;
	}
	return 0;
}

int config_shm_parse_vm(const struct config_shm_ctx *c, int node, const char *path,
			struct keel_config *cfg, struct vm_config *vm)
{
	int ret;

	ret = shm_parse_maps(c, node, path, "shared-memory", false, cfg, vm);
	if (!ret)
		ret = shm_parse_maps(c, node, path, "shared-memory-ro", true, cfg, vm);
	if (ret)
		return ret;
	vm->doorbell_base = CONFIG_DEFAULT_DOORBELL;
	ret = shm_get_number(c, node, path, "doorbell", c->ac, "#address-cells", &vm->doorbell_base);
	if (ret == KE_NOENT)
		return 0;
	vm->doorbell_given = !ret;
	return ret;
}

/* ------------------------------------------------------------ after every VM */

static bool shm_vms_share(const struct vm_config *a, const struct vm_config *b)
{
	for (unsigned i = 0; i < a->nr_shm; i++)
		for (unsigned j = 0; j < b->nr_shm; j++)
			if (a->shm[i].region == b->shm[j].region)
				return true;
	return false;
}

static int shm_find_peers(const struct config_shm_ctx *c, const char *path,
			  const struct keel_config *cfg, struct vm_config *vm)
{
	unsigned n = 0;

	for (unsigned k = 0; k < cfg->nr_vms; k++)
		if (k != vm->id && shm_vms_share(vm, &cfg->vms[k]))
			n++;
	if (n > CONFIG_MAX_PEERS)
		return shm_fail(c, path, KE_NOTSUP, "shares memory with %u other VMs but its doorbell "
				"(a PL061 of 8 lines, two per peer) serves at most %d; share with "
				"fewer VMs", n, CONFIG_MAX_PEERS);
	vm->nr_peers = 0;
	for (unsigned k = 0; k < cfg->nr_vms; k++)
		if (k != vm->id && shm_vms_share(vm, &cfg->vms[k]))
			vm->peers[vm->nr_peers++] = k;
	return 0;
}

static int shm_check_doorbell(const struct config_shm_ctx *c, const char *path,
			      const struct keel_config *cfg, const struct vm_config *vm)
{
	uint64_t base = vm->doorbell_base;
	char buf[96];
	const char *clash;

	if (!vm->nr_peers) {
		if (vm->doorbell_given)
			return shm_fail(c, path, KE_INVAL, "has a doorbell but shares memory with no "
					"other VM, so nothing could ring it; remove doorbell");
		return 0;
	}
	if (!IS_ALIGNED(base, CONFIG_DEVICE_SIZE))
		return shm_fail(c, path, KE_INVAL, "doorbell 0x%llx is not 4 KiB aligned; devices "
				"take whole 4 KiB pages", ull(base));
	if (base > UINT64_MAX - CONFIG_DEVICE_SIZE ||
	    (c->ipa_bits < 64 && base + CONFIG_DEVICE_SIZE > (1ULL << c->ipa_bits)))
		return shm_fail(c, path, KE_RANGE, "doorbell 0x%llx is above the %u-bit IPA space "
				"of this machine; move it lower", ull(base), c->ipa_bits);
	clash = shm_vm_clash(vm, cfg, base, CONFIG_DEVICE_SIZE, buf, sizeof(buf));
	if (clash)
		return shm_fail(c, path, KE_RANGE, "doorbell 0x%llx-0x%llx%s overlaps %s; move it "
				"with doorbell = <...>", ull(base), ull(base + CONFIG_DEVICE_SIZE - 1),
				vm->doorbell_given ? "" : " (the default)", clash);
	return 0;
}

/* A fixed region's physical memory must not be any VM's phys RAM either. */
static int shm_check_fixed_phys(const struct config_shm_ctx *c, const char *path,
				const struct keel_config *cfg, const struct config_shm *r)
{
	for (unsigned k = 0; r->fixed && k < cfg->nr_vms; k++)
		for (unsigned i = 0; i < cfg->vms[k].nr_ram; i++) {
			const struct config_ram *m = &cfg->vms[k].ram[i];

			if (m->phys && shm_overlap(r->pa, r->size, m->ipa, m->size))
				return shm_fail(c, path, KE_EXIST, "address 0x%llx-0x%llx overlaps phys "
						"memory region %u of /%s; physical memory has one "
						"owner, so move one of them", ull(r->pa),
						ull(shm_last(r->pa, r->size)), i, cfg->vms[k].name);
		}
	return 0;
}

int config_shm_finish(const struct config_shm_ctx *c, struct keel_config *cfg)
{
	char path[SHM_PATH_MAX];
	int ret;

	for (unsigned k = 0; k < cfg->nr_vms; k++)
		for (unsigned i = 0; i < cfg->vms[k].nr_shm; i++)
			cfg->shm[cfg->vms[k].shm[i].region].nr_users++;
	for (unsigned i = 0; i < cfg->nr_shm; i++) {
		struct config_shm *r = &cfg->shm[i];

		snprintf(path, sizeof(path), "/%s", r->name);
		if (!r->nr_users)
			return shm_fail(c, path, KE_NOENT, "is used by no VM; map it in a VM with "
					"shared-memory = <&%s IPA> or remove it", r->name);
		ret = shm_check_fixed_phys(c, path, cfg, r);
		if (ret)
			return ret;
	}
	for (unsigned k = 0; k < cfg->nr_vms; k++) {
		struct vm_config *vm = &cfg->vms[k];

		snprintf(path, sizeof(path), "/%s", vm->name);
		ret = shm_find_peers(c, path, cfg, vm);
		if (!ret)
			ret = shm_check_doorbell(c, path, cfg, vm);
		if (ret)
			return ret;
	}
	return 0;
}

int config_shm_peer_index(const struct vm_config *vm, unsigned peer_id)
{
	for (unsigned k = 0; k < vm->nr_peers && k < CONFIG_MAX_PEERS; k++)
		if (vm->peers[k] == peer_id)
			return (int)k;
	return -1;
}

bool config_shm_ring_target(const struct keel_config *cfg, unsigned from, unsigned k,
			    unsigned *to, unsigned *line)
{
	const struct vm_config *vm;
	int j;

	if (from >= cfg->nr_vms)
		return false;
	vm = &cfg->vms[from];
	if (k >= vm->nr_peers || vm->peers[k] >= cfg->nr_vms)
		return false;
	j = config_shm_peer_index(&cfg->vms[vm->peers[k]], from);
	if (j < 0)
		return false;	/* peers are mutual by construction */
	*to = vm->peers[k];
	*line = 2u * (unsigned)j + 1u;
	return true;
}
