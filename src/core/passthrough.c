/*
 * Device passthrough: resolve each VM's passthrough paths against the boot device tree
 * (include/keel/passthrough.h states what a successful resolve guarantees).
 *
 * Pure logic over libfdt's read-only API, host-tested (tests/unit/test_passthrough.c).
 * Everything here is board or configuration input: every sum is checked for wrap-around
 * before it is used, and each refusal names the VM, the path, the problem and the fix.
 */
#include <keel/passthrough.h>
#include <keel/platform.h>
#include <keel/vgic.h>
#include <keel/vmdt.h>

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PT_GIC_CELLS     3u	/* arm,gic-v3 #interrupt-cells: <type number flags> */
#define PT_IRQ_EDGE_RISE 1u	/* flags[3:0]: rising edge */
#define PT_IRQ_LEVEL_HI  4u	/* flags[3:0]: active-high level */
#define PT_IRQ_TYPE_MASK 0xfu
#define PT_VM_UART_INTID (GIC_SPI_BASE + VMDT_UART_SPI)

struct pt_ctx {
	const void *fdt;
	const struct platform *p;
	const struct keel_config *cfg;
	struct vm_passthrough *out;
	uint64_t pa_limit;		/* 1 << pa_bits: both PAs and IPAs end at or below it */
	int gic, stdout_node;
	const struct vm_config *vm;	/* the VM and the path being resolved, for messages */
	const char *path;
	int vm_nodes[PASSTHROUGH_MAX_DEVICES];	/* the VM's paths' nodes (< 0: none) */
	char *err;
	size_t errlen;
};

static unsigned long long ull(uint64_t v)
{
	return v;
}

/* Writes "/<vm>: passthrough \"<path>\": <message>" and returns ret. */
static int __attribute__((format(printf, 3, 4)))
pt_fail(const struct pt_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return ret;
	n = snprintf(c->err, c->errlen, "/%s: passthrough \"%s\": ", c->vm->name, c->path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static bool pt_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* A node's full path for messages ("?" if it has none that fits). */
static const char *pt_path(const struct pt_ctx *c, int node, char *buf, size_t len)
{
	if (fdt_get_path(c->fdt, node, buf, (int)len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* ------------------------------------------------------------ what a node is */

static bool pt_node_enabled(const void *fdt, int node)
{
	const char *s = fdt_getprop(fdt, node, "status", NULL);

	return !s || !strcmp(s, "okay") || !strcmp(s, "ok");
}

static bool pt_prop_is(const void *fdt, int node, const char *prop, const char *val)
{
	int len;
	const char *s = fdt_getprop(fdt, node, prop, &len);

	return s && len == (int)strlen(val) + 1 && !memcmp(s, val, (size_t)len);
}

/* What keel itself uses of node or of one of its ancestors, NULL if nothing. */
static const char *pt_keel_uses(const struct pt_ctx *c, int node)
{
	for (int n = node; n > 0; n = fdt_parent_offset(c->fdt, n)) {
		const char *name = fdt_get_name(c->fdt, n, NULL);
		bool top = fdt_parent_offset(c->fdt, n) == 0;

		if (n == c->gic)
			return "the GIC, which keel drives";
		if (n == c->stdout_node)
			return "keel's console UART";
		if (!fdt_node_check_compatible(c->fdt, n, "arm,armv8-timer"))
			return "the architected timer, which keel gives every VM";
		if (!fdt_node_check_compatible(c->fdt, n, "arm,psci-0.2") ||
		    !fdt_node_check_compatible(c->fdt, n, "arm,psci-1.0") ||
		    !fdt_node_check_compatible(c->fdt, n, "arm,psci"))
			return "the PSCI firmware, which keel calls";
		if (pt_prop_is(c->fdt, n, "device_type", "memory"))
			return "RAM, which keel shares out itself (memory in the VM node)";
		if (top && name && !strcmp(name, "cpus"))
			return "the CPUs (/cpus), which keel runs";
		if (top && name && !strcmp(name, "chosen"))
			return "/chosen, keel's console and boot modules";
		if (top && name && !strcmp(name, "reserved-memory"))
			return "reserved memory";
	}
	return NULL;
}

/*
 * Properties that hold phandles (DT spec and common bindings). A copy would point at
 * nothing in the VM's tree, or at the wrong node: refused, but for interrupt-parent and
 * clocks (fixed clocks only), which the copy rewrites.
 */
static const char *const pt_phandle_props[] = {
	"resets", "dmas", "iommus", "iommu-map", "power-domains", "msi-parent", "msi-map",
	"gpios", "phys", "mboxes", "memory-region", "nvmem-cells", "io-channels", "hwlocks",
	"thermal-sensors", "assigned-clocks", "assigned-clock-parents", "sram", "phy-handle",
	"interconnects", "operating-points-v2", "cooling-device",
};
static const char *const pt_phandle_suffixes[] = { "-gpios", "-gpio", "-supply" };

static bool pt_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool pt_holds_phandle(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(pt_phandle_props); i++)
		if (!strcmp(name, pt_phandle_props[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(pt_phandle_suffixes); i++)
		if (pt_ends_with(name, pt_phandle_suffixes[i]))
			return true;
	return !strncmp(name, "pinctrl-", 8) && strcmp(name, "pinctrl-names");
}

/* clocks: every entry a fixed-clock with #clock-cells = <0>, so one cell per entry. */
static int pt_check_clocks(const struct pt_ctx *c, int node)
{
	const fdt32_t *v;
	char buf[PASSTHROUGH_PATH_MAX];
	int len;

	v = fdt_getprop(c->fdt, node, "clocks", &len);
	if (!v)
		return 0;
	if (len <= 0 || len % (int)sizeof(fdt32_t))
		return pt_fail(c, KE_INVAL, "its clocks property is malformed; fix the boot device "
			       "tree");
	for (int i = 0; i < len / (int)sizeof(fdt32_t); i++) {
		int clk = fdt_node_offset_by_phandle(c->fdt, fdt32_ld(&v[i]));
		const fdt32_t *cells = clk >= 0 ? fdt_getprop(c->fdt, clk, "#clock-cells", NULL) : NULL;

		if (clk < 0)
			return pt_fail(c, KE_INVAL, "its clocks name phandle 0x%x, which no node has; "
				       "fix the boot device tree", fdt32_ld(&v[i]));
		if (fdt_node_check_compatible(c->fdt, clk, "fixed-clock") || !cells ||
		    fdt32_ld(cells) != 0)
			return pt_fail(c, KE_NOTSUP, "its clocks name %s, which is not a fixed-clock "
				       "with #clock-cells = <0>; keel cannot give a VM a clock "
				       "controller, only copy fixed clocks: pass through a device "
				       "without it", pt_path(c, clk, buf, sizeof(buf)));
	}
	return 0;
}

static int pt_check_props(const struct pt_ctx *c, int node)
{
	const char *name;
	int off, len, sub;

	sub = fdt_first_subnode(c->fdt, node);
	if (sub >= 0)
		return pt_fail(c, KE_NOTSUP, "it has a child node \"%.40s\"; keel copies only "
			       "devices without children into a VM: give a leaf device",
			       fdt_get_name(c->fdt, sub, NULL));
	fdt_for_each_property_offset(off, c->fdt, node) {
		if (!fdt_getprop_by_offset(c->fdt, off, &name, &len) || !name)
			return pt_fail(c, KE_INVAL, "a property is malformed; fix the boot device tree");
		if (!strcmp(name, "interrupts-extended") || !strcmp(name, "interrupt-map") ||
		    !strcmp(name, "interrupt-map-mask"))
			return pt_fail(c, KE_NOTSUP, "it has %s, which keel does not support: only "
				       "interrupts with the GIC as interrupt-parent can be given to "
				       "a VM", name);
		if (pt_holds_phandle(name))
			return pt_fail(c, KE_NOTSUP, "its %s property refers to another node, which "
				       "the VM would not have; keel passes through only devices "
				       "whose only references are interrupt-parent (the GIC) and "
				       "clocks (fixed clocks)", name);
	}
	return pt_check_clocks(c, node);
}

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
				if ((pa || ipa) && k == c->vm->id &&
				    m->ipa - m->pa != om->ipa - om->pa)
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

static int pt_resolve_mmio(const struct pt_ctx *c, int node, uint64_t ipa,
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

/* ------------------------------------------------------------ interrupts */

/* The interrupt parent of node: its own interrupt-parent or its nearest ancestor's. */
static int pt_irq_parent(const struct pt_ctx *c, int node)
{
	for (int n = node; n >= 0; n = n ? fdt_parent_offset(c->fdt, n) : -1) {
		int len;
		const fdt32_t *v = fdt_getprop(c->fdt, n, "interrupt-parent", &len);

		if (v)
			return len == sizeof(fdt32_t) ? fdt_node_offset_by_phandle(c->fdt, fdt32_ld(v))
						      : -FDT_ERR_BADVALUE;
	}
	return -FDT_ERR_NOTFOUND;
}

/* The INTID is given to no other device (of any VM) resolved so far, nor earlier in dev. */
static int pt_check_irq_free(const struct pt_ctx *c, const struct passthrough_device *dev,
			     uint32_t intid)
{
	for (unsigned i = 0; i < dev->nr_irqs; i++)
		if (dev->irqs[i].intid == intid)
			return pt_fail(c, KE_EXIST, "it lists interrupt %u twice; fix the boot device "
				       "tree", intid);
	for (unsigned k = 0; k <= c->vm->id; k++)
		for (unsigned d = 0; d < c->out[k].nr_devices; d++)
			for (unsigned i = 0; i < c->out[k].dev[d].nr_irqs; i++)
				if (c->out[k].dev[d].irqs[i].intid == intid)
					return pt_fail(c, KE_EXIST, "its interrupt %u is also "
						       "/%s's device %s's; keel does not share an "
						       "interrupt line: give the devices to one VM "
						       "or drop one", intid, c->cfg->vms[k].name,
						       c->out[k].dev[d].path);
	return 0;
}

static int pt_check_irq(const struct pt_ctx *c, const struct passthrough_device *dev,
			uint32_t type, uint32_t num, uint32_t flags, struct passthrough_irq *irq)
{
	const struct platform *p = c->p;
	uint64_t intid = type == DT_GIC_SPI ? GIC_SPI_BASE + (uint64_t)num
					    : type == DT_GIC_PPI ? GIC_PPI_BASE + (uint64_t)num : 0;
	bool keel = false;

	for (unsigned i = 0; i < ARRAY_SIZE(p->timer_intid); i++)
		keel |= intid && intid == p->timer_intid[i];
	keel |= intid && (intid == p->uart_intid || intid == p->gic_maint_intid);
	if (keel)
		return pt_fail(c, KE_EXIST, "its interrupt %llu is one keel uses itself (its console, "
			       "the GIC maintenance interrupt or a timer); pass through another "
			       "device", ull(intid));
	if (type != DT_GIC_SPI)
		return pt_fail(c, KE_NOTSUP, "its interrupt <%u %u %u> is not an SPI (type 0); keel "
			       "passes through only shared peripheral interrupts", type, num, flags);
	if (intid >= VGIC_NR_IRQS)
		return pt_fail(c, KE_NOTSUP, "its interrupt SPI %u (INTID %llu) is above the virtual "
			       "GIC's %u interrupts; pass through a device with a lower SPI", num,
			       ull(intid), VGIC_NR_IRQS);
	if (intid == PT_VM_UART_INTID)
		return pt_fail(c, KE_EXIST, "its interrupt %llu is the one of the VM's emulated UART; "
			       "pass through another device", ull(intid));
	if ((flags & PT_IRQ_TYPE_MASK) != PT_IRQ_EDGE_RISE &&
	    (flags & PT_IRQ_TYPE_MASK) != PT_IRQ_LEVEL_HI)
		return pt_fail(c, KE_INVAL, "its interrupt %llu has trigger flags 0x%x, neither 1 "
			       "(rising edge) nor 4 (high level), the two a GICv3 SPI has; fix the "
			       "boot device tree", ull(intid), flags);
	irq->intid = (uint32_t)intid;
	irq->edge = (flags & PT_IRQ_TYPE_MASK) == PT_IRQ_EDGE_RISE;
	return pt_check_irq_free(c, dev, irq->intid);
}

static int pt_resolve_irqs(const struct pt_ctx *c, int node, struct passthrough_device *dev)
{
	const fdt32_t *v;
	unsigned n;
	int len, ret;

	v = fdt_getprop(c->fdt, node, "interrupts", &len);
	if (!v)
		return 0;
	if (pt_irq_parent(c, node) != c->gic || c->gic < 0)
		return pt_fail(c, KE_NOTSUP, "its interrupt-parent is not the GIC; keel passes "
			       "through only interrupts wired to the GIC");
	if (len <= 0 || (unsigned)len % (PT_GIC_CELLS * sizeof(fdt32_t)))
		return pt_fail(c, KE_INVAL, "its interrupts are not <type number flags> triples, "
			       "as the GICv3 binding has; fix the boot device tree");
	n = (unsigned)len / (PT_GIC_CELLS * sizeof(fdt32_t));
	if (n > PASSTHROUGH_MAX_IRQS)
		return pt_fail(c, KE_NOTSUP, "it has %u interrupts but keel passes through at most "
			       "%d per device", n, PASSTHROUGH_MAX_IRQS);
	for (unsigned i = 0; i < n; i++) {
		const fdt32_t *e = v + i * PT_GIC_CELLS;

		ret = pt_check_irq(c, dev, fdt32_ld(&e[0]), fdt32_ld(&e[1]), fdt32_ld(&e[2]),
				   &dev->irqs[i]);
		if (ret)
			return ret;
		dev->nr_irqs++;
	}
	return 0;
}

/* ------------------------------------------------------------ resolve */

static int pt_resolve_device(struct pt_ctx *c, unsigned i, struct passthrough_device *dev)
{
	int node = c->vm_nodes[i];
	const char *use;
	int ret;

	c->path = c->vm->passthrough[i];
	if (node < 0)
		return pt_fail(c, KE_NOENT, "the boot device tree has no such node; give the full "
			       "path of a device node (dtc -I dtb -O dts shows the tree)");
	use = pt_keel_uses(c, node);
	if (use)
		return pt_fail(c, KE_EXIST, "it is %s; a VM cannot have it", use);
	if (!pt_node_enabled(c->fdt, node))
		return pt_fail(c, KE_INVAL, "its status is not \"okay\": the board says the device "
			       "is not there or not usable; give an enabled device");
	for (unsigned k = 0; k <= c->vm->id; k++)
		for (unsigned d = 0; d < c->out[k].nr_devices; d++)
			if (c->out[k].dev[d].node == node)
				return pt_fail(c, KE_EXIST, "it is already given to /%s; a device has "
					       "one owner", c->cfg->vms[k].name);
	snprintf(dev->path, sizeof(dev->path), "%s", c->path);
	dev->node = node;
	ret = pt_check_props(c, node);
	if (!ret)
		ret = pt_resolve_mmio(c, node, c->vm->passthrough_ipa[i], dev);
	if (!ret)
		ret = pt_resolve_irqs(c, node, dev);
	return ret;
}

int passthrough_resolve(const void *boot_fdt, const struct platform *p,
			const struct keel_config *cfg, unsigned pa_bits,
			struct vm_passthrough out[KEEL_MAX_VMS], char *err, size_t errlen)
{
	struct pt_ctx c = {
		.fdt = boot_fdt, .p = p, .cfg = cfg, .out = out, .err = err, .errlen = errlen,
		.pa_limit = pa_bits >= 64 ? UINT64_MAX : 1ULL << pa_bits,
	};
	int ret = 0;

	memset(out, 0, KEEL_MAX_VMS * sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	c.gic = fdt_node_offset_by_compatible(boot_fdt, -1, "arm,gic-v3");
	if (platform_dt_stdout(boot_fdt, &c.stdout_node))
		c.stdout_node = -1;
	for (unsigned k = 0; k < cfg->nr_vms && k < KEEL_MAX_VMS && !ret; k++) {
		c.vm = &cfg->vms[k];
		for (unsigned i = 0; i < c.vm->nr_passthrough; i++)
			c.vm_nodes[i] = fdt_path_offset(boot_fdt, c.vm->passthrough[i]);
		for (unsigned i = 0; i < c.vm->nr_passthrough && !ret; i++) {
			ret = pt_resolve_device(&c, i, &out[k].dev[i]);
			out[k].nr_devices = i + 1;
		}
	}
	if (ret)
		memset(out, 0, KEEL_MAX_VMS * sizeof(*out));
	return ret;
}
