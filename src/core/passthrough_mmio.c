/*
 * Device passthrough, part of passthrough_resolve (src/core/passthrough_ctx.h): a device's
 * reg ranges, rounded out to whole pages, moved by passthrough-ipa, checked against the
 * machine's limits and RAM, keel's devices, the VM's RAM and emulated windows, the pages
 * of other devices; and the merged stage-2 pages of a resolved VM.
 */
#include "passthrough_ctx.h"

#include <libfdt.h>
#include <string.h>

/* ------------------------------------------------------------ addresses */

/*
 * A reg range of a bus's child into the bus's parent's address space through the bus's
 * ranges. KE_NOENT: not in that space (no ranges, no entry holds it, cells keel cannot hold).
 */
static int pt_translate(const void *fdt, int bus, struct mem_range *r)
{
	const fdt32_t *v;
	unsigned cac, csc, pac, psc, entry;
	int len;

	v = fdt_getprop(fdt, bus, "ranges", &len);
	if (!v)
		return KE_NOENT;
	if (!len)
		return 0;	/* ranges; : the identity */
	if (platform_dt_cells(fdt, bus, &cac, &csc) ||
	    platform_dt_cells(fdt, fdt_parent_offset(fdt, bus), &pac, &psc) || len < 0)
		return KE_NOENT;
	entry = cac + pac + csc;
	if ((unsigned)len % (entry * sizeof(fdt32_t)))
		return KE_NOENT;
	for (unsigned i = 0; i < (unsigned)len / (entry * sizeof(fdt32_t)); i++) {
		const fdt32_t *e = v + i * entry;
		uint64_t cb = platform_dt_number(e, cac), pb = platform_dt_number(e + cac, pac);
		uint64_t sz = platform_dt_number(e + cac + pac, csc);

		if (r->base >= cb && r->size <= sz && r->base - cb <= sz - r->size &&
		    r->base - cb <= UINT64_MAX - pb) {
			r->base = pb + (r->base - cb);
			return 0;
		}
	}
	return KE_NOENT;
}

/* Entry idx of node's reg as a CPU physical range; KE_NOENT if it is not one. */
static int pt_reg_phys(const void *fdt, int node, unsigned idx, struct mem_range *r)
{
	int ret = platform_dt_reg(fdt, node, idx, r);

	if (ret)
		return ret;
	if (!r->size || r->size > UINT64_MAX - r->base)
		return KE_NOENT;
	for (int bus = fdt_parent_offset(fdt, node); bus > 0; bus = fdt_parent_offset(fdt, bus))
		if (pt_translate(fdt, bus, r))
			return KE_NOENT;
	return 0;
}

/* The given node is one of this VM's passthrough devices. */
static bool pt_vm_has(const struct pt_ctx *c, int node)
{
	for (unsigned i = 0; i < c->vm->nr_passthrough; i++)
		if (c->vm_nodes[i] == node)
			return true;
	return false;
}

/*
 * Whole pages reach every register in them: every other enabled node with registers in
 * [lo, hi) must be this VM's too. RAM nodes are not devices (RAM is refused before).
 */
static int pt_check_page_sharing(const struct pt_ctx *c, int self, uint64_t lo, uint64_t hi)
{
	char buf[PASSTHROUGH_PATH_MAX];
	uint64_t page = 0;
	int first = -1;
	unsigned more = 0;

	for (int n = fdt_next_node(c->fdt, 0, NULL); n >= 0; n = fdt_next_node(c->fdt, n, NULL)) {
		struct mem_range r;
		bool hit = false;

		if (n == self || pt_vm_has(c, n) || !pt_node_enabled(c->fdt, n) ||
		    pt_prop_is(c->fdt, n, "device_type", "memory"))
			continue;
		for (unsigned i = 0; !hit && !pt_reg_phys(c->fdt, n, i, &r); i++)
			if (pt_overlap(r.base, r.size, lo, hi - lo)) {
				hit = true;
				if (first < 0)
					page = ALIGN_DOWN(MAX(r.base, lo), PAGE_SIZE);
			}
		if (hit && first < 0)
			first = n;
		else if (hit)
			more++;
	}
	if (first < 0)
		return 0;
	pt_path(c, first, buf, sizeof(buf));
	if (more)
		return pt_fail(c, KE_EXIST, "it shares page 0x%08llx with %s and %u more that this VM "
			       "is not given: a VM reaches whole pages; give it every device in the "
			       "page", ull(page), buf, more);
	return pt_fail(c, KE_EXIST, "it shares page 0x%08llx with %s, which this VM is not given: "
		       "a VM reaches whole pages; give it every device in the page", ull(page), buf);
}

/* The physical page range [lo, hi) must be a device's, not RAM nor something keel drives. */
static int pt_check_pa(const struct pt_ctx *c, uint64_t lo, uint64_t hi)
{
	const struct platform *p = c->p;

	if (hi > c->pa_limit)
		return pt_fail(c, KE_RANGE, "its registers end at 0x%llx, above this machine's "
			       "physical address space (0x%llx); fix the boot device tree",
			       ull(hi), ull(c->pa_limit));
	for (unsigned i = 0; i < p->nr_mem; i++)
		if (pt_overlap(lo, hi - lo, p->mem[i].base, p->mem[i].size))
			return pt_fail(c, KE_RANGE, "its registers 0x%llx-0x%llx are in RAM "
				       "(0x%llx-0x%llx), which keel shares out itself; give the VM "
				       "memory instead", ull(lo), ull(hi - 1), ull(p->mem[i].base),
				       ull(p->mem[i].base + p->mem[i].size - 1));
	if (pt_overlap(lo, hi - lo, p->uart_base, ALIGN_UP(p->uart_size, PAGE_SIZE)))
		return pt_fail(c, KE_EXIST, "its registers 0x%llx-0x%llx reach keel's console UART "
			       "at 0x%llx; keel uses it: pass through another device",
			       ull(lo), ull(hi - 1), ull(p->uart_base));
	if (pt_overlap(lo, hi - lo, p->gicd_base, p->gicd_size) ||
	    pt_overlap(lo, hi - lo, p->gicr_base, p->gicr_size))
		return pt_fail(c, KE_EXIST, "its registers 0x%llx-0x%llx reach the physical GIC; "
			       "keel drives it: pass through another device", ull(lo), ull(hi - 1));
	return 0;
}

/* The IPA page range [lo, hi) must be free in the VM: not RAM, emulated devices, vGIC. */
static int pt_check_ipa(const struct pt_ctx *c, uint64_t lo, uint64_t hi)
{
	const struct vm_config *vm = c->vm;
	uint64_t gicr_size = vm->nr_vcpus * CONFIG_GICR_STRIDE;
	const char *what = NULL;

	if (hi - lo > c->pa_limit || lo > c->pa_limit - (hi - lo))
		return pt_fail(c, KE_RANGE, "it would end at IPA 0x%llx, above the IPA space of this "
			       "machine (0x%llx); give a lower passthrough-ipa", ull(hi),
			       ull(c->pa_limit));
	for (unsigned i = 0; i < vm->nr_ram; i++)
		if (pt_overlap(lo, hi - lo, vm->ram[i].ipa, vm->ram[i].size))
			return pt_fail(c, KE_RANGE, "it would be at IPA 0x%llx-0x%llx, in the VM's RAM "
				       "0x%llx-0x%llx; move the RAM or give passthrough-ipa outside "
				       "it", ull(lo), ull(hi - 1), ull(vm->ram[i].ipa),
				       ull(vm->ram[i].ipa + vm->ram[i].size - 1));
	if (pt_overlap(lo, hi - lo, vm->uart_base, CONFIG_DEVICE_SIZE))
		what = "the VM's emulated UART (uart)";
	else if (vm->has_testdev && pt_overlap(lo, hi - lo, vm->testdev_base, CONFIG_DEVICE_SIZE))
		what = "the VM's test device (test-device)";
	else if (pt_overlap(lo, hi - lo, CONFIG_GICD_BASE, CONFIG_GICD_SIZE) ||
		 pt_overlap(lo, hi - lo, CONFIG_GICR_BASE, gicr_size))
		what = "the VM's virtual GIC";
	else if (vm->nr_peers && pt_overlap(lo, hi - lo, vm->doorbell_base, CONFIG_DEVICE_SIZE))
		what = "the VM's doorbell PL061 (doorbell)";
	for (unsigned i = 0; i < vm->nr_shm && !what; i++)
		if (vm->shm[i].region < c->cfg->nr_shm &&
		    pt_overlap(lo, hi - lo, vm->shm[i].ipa, c->cfg->shm[vm->shm[i].region].size))
			return pt_fail(c, KE_RANGE, "it would be at IPA 0x%llx-0x%llx, where the VM maps "
				       "shared memory %s; move that or give passthrough-ipa elsewhere",
				       ull(lo), ull(hi - 1), c->cfg->shm[vm->shm[i].region].name);
	if (what)
		return pt_fail(c, KE_RANGE, "it would be at IPA 0x%llx-0x%llx, where keel emulates "
			       "%s; move that or give passthrough-ipa elsewhere", ull(lo),
			       ull(hi - 1), what);
	return 0;
}

/* Already resolved devices: a page has one owner, and one VM sees it at one IPA. */
static int pt_check_taken(const struct pt_ctx *c, const struct passthrough_mmio *m)
{
	for (unsigned k = 0; k <= c->vm->id; k++)
		for (unsigned d = 0; d < c->out[k].nr_devices; d++) {
			const struct passthrough_device *o = &c->out[k].dev[d];

			for (unsigned i = 0; i < o->nr_mmio; i++) {
				const struct passthrough_mmio *om = &o->mmio[i];
				bool pa = pt_overlap(m->pa, m->size, om->pa, om->size);
				bool ipa = pt_overlap(m->ipa, m->size, om->ipa, om->size);

				if (pa && k != c->vm->id)
					return pt_fail(c, KE_EXIST, "its page 0x%llx is also given to "
						       "/%s (passthrough \"%s\"); a page has one "
						       "owner", ull(MAX(m->pa, om->pa)),
						       c->cfg->vms[k].name, o->path);
				if (k != c->vm->id || m->ipa - m->pa == om->ipa - om->pa)
					continue;
				if (ipa && !pa)
					return pt_fail(c, KE_RANGE, "it would be at IPA 0x%llx-0x%llx, "
						       "where the VM already has %s; give it another "
						       "passthrough-ipa", ull(m->ipa),
						       ull(m->ipa + m->size - 1), o->path);
				if (pa)
					return pt_fail(c, KE_RANGE, "it shares a page with %s but would "
						       "be at another IPA offset (0x%llx against "
						       "0x%llx); devices in one page move together: "
						       "give them passthrough-ipa the same distance "
						       "apart as their registers", o->path,
						       ull(m->ipa - m->pa), ull(om->ipa - om->pa));
			}
		}
	return 0;
}

/*
 * How far passthrough-ipa moves the device: every range by delta, up or down (none when
 * ipa is 0: IPA = PA). The IPA must keep the first range's offset in its page.
 */
struct pt_move {
	uint64_t delta;
	bool up;
};

static int pt_offset(const struct pt_ctx *c, uint64_t ipa, uint64_t first, struct pt_move *mv)
{
	mv->delta = 0;
	mv->up = true;
	if (!ipa)
		return 0;
	if ((ipa & (PAGE_SIZE - 1)) != (first & (PAGE_SIZE - 1)))
		return pt_fail(c, KE_INVAL, "passthrough-ipa 0x%llx is at offset 0x%llx in its page "
			       "but its registers 0x%llx are at 0x%llx: a VM reaches whole pages; "
			       "give an IPA ending in 0x%03llx", ull(ipa),
			       ull(ipa & (PAGE_SIZE - 1)), ull(first), ull(first & (PAGE_SIZE - 1)),
			       ull(first & (PAGE_SIZE - 1)));
	mv->up = ipa >= first;
	mv->delta = mv->up ? ipa - first : first - ipa;
	return 0;
}

/* pa moved by mv into *ipa; false if that leaves the 64-bit address space. */
static bool pt_move_addr(const struct pt_move *mv, uint64_t pa, uint64_t *ipa)
{
	if (mv->up ? pa > UINT64_MAX - mv->delta : pa < mv->delta)
		return false;
	*ipa = mv->up ? pa + mv->delta : pa - mv->delta;
	return true;
}

int pt_resolve_mmio(const struct pt_ctx *c, int node, uint64_t ipa,
			   struct passthrough_device *dev)
{
	struct mem_range r, first;
	struct pt_move mv;
	int n, ret;

	if (fdt_parent_offset(c->fdt, node) != 0)
		return pt_fail(c, KE_NOTSUP, "it is not directly under /; keel passes through only "
			       "the root's children, whose reg are physical addresses");
	n = platform_dt_reg_count(c->fdt, node, NULL, NULL);
	if (n == KE_NOENT)
		return pt_fail(c, KE_NOENT, "it has no reg: there are no registers to give the VM; "
			       "name a device with MMIO registers");
	if (n < 0 || platform_dt_reg(c->fdt, node, 0, &first))
		return pt_fail(c, KE_INVAL, "its reg is malformed; fix the boot device tree");
	if (n > PASSTHROUGH_MAX_MMIO)
		return pt_fail(c, KE_NOTSUP, "it has %d reg ranges but keel passes through at most "
			       "%d per device", n, PASSTHROUGH_MAX_MMIO);
	ret = pt_offset(c, ipa, first.base, &mv);
	for (unsigned i = 0; !ret && i < (unsigned)n; i++) {
		struct passthrough_mmio *m = &dev->mmio[i];
		uint64_t lo, hi, ilo;

		if (platform_dt_reg(c->fdt, node, i, &r))
			return pt_fail(c, KE_INVAL, "its reg is malformed; fix the boot device tree");
		if (!r.size)
			return pt_fail(c, KE_INVAL, "its reg range %u is empty; fix the boot device "
				       "tree", i);
		if (r.size > c->pa_limit || r.base > c->pa_limit - r.size)
			return pt_fail(c, KE_RANGE, "its reg range %u 0x%llx+0x%llx wraps or ends "
				       "above this machine's physical address space (0x%llx); "
				       "fix the boot device tree", i, ull(r.base), ull(r.size),
				       ull(c->pa_limit));
		lo = ALIGN_DOWN(r.base, PAGE_SIZE);
		hi = ALIGN_UP(r.base + r.size, PAGE_SIZE);	/* <= pa_limit: no wrap */
		if (!pt_move_addr(&mv, lo, &ilo) || ilo > UINT64_MAX - (hi - lo))
			return pt_fail(c, KE_RANGE, "passthrough-ipa 0x%llx moves its reg range %u "
				       "0x%llx+0x%llx past the end of the address space; give a "
				       "lower one", ull(ipa), i, ull(r.base), ull(r.size));
		m->pa = lo;
		m->ipa = ilo;
		m->size = hi - lo;
		ret = pt_check_pa(c, lo, hi);
		if (!ret)
			ret = pt_check_ipa(c, ilo, ilo + m->size);
		if (!ret)
			ret = pt_check_taken(c, m);
		if (!ret)
			ret = pt_check_page_sharing(c, node, lo, hi);
	}
	dev->nr_mmio = (unsigned)n;
	return ret;
}

/* ------------------------------------------------------------ stage-2 pages */

/* a and b move by the same offset and overlap or touch in PA: a becomes their union. */
static bool pt_merge(struct passthrough_mmio *a, const struct passthrough_mmio *b)
{
	uint64_t lo, hi;

	if (a->ipa - a->pa != b->ipa - b->pa || a->pa > b->pa + b->size || b->pa > a->pa + a->size)
		return false;
	lo = MIN(a->pa, b->pa);
	hi = MAX(a->pa + a->size, b->pa + b->size);
	a->ipa = lo + (a->ipa - a->pa);
	a->pa = lo;
	a->size = hi - lo;
	return true;
}

unsigned passthrough_vm_pages(const struct vm_passthrough *pt,
			      struct passthrough_mmio out[PASSTHROUGH_MAX_PAGES])
{
	unsigned n = 0;
	bool merged = true;

	for (unsigned d = 0; d < pt->nr_devices && d < PASSTHROUGH_MAX_DEVICES; d++)
		for (unsigned i = 0; i < pt->dev[d].nr_mmio && i < PASSTHROUGH_MAX_MMIO; i++)
			out[n++] = pt->dev[d].mmio[i];
	while (merged) {
		merged = false;
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = i + 1; j < n; j++)
				if (pt_merge(&out[i], &out[j])) {
					out[j] = out[--n];	/* j is looked at again */
					j--;
					merged = true;
				}
	}
	return n;
}

