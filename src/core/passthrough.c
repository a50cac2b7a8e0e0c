/*
 * Device passthrough: resolve each VM's passthrough paths against the boot device tree
 * (include/keel/passthrough.h states what a successful resolve guarantees): the loop over
 * VMs and devices, and what a node is and may refer to. Its reg ranges and interrupts are
 * checked by passthrough_mmio.c and passthrough_irq.c (src/core/passthrough_ctx.h).
 *
 * Pure logic over libfdt's read-only API, host-tested (tests/unit/test_passthrough.c).
 * Everything here is board or configuration input: every sum is checked for wrap-around
 * before it is used, and each refusal names the VM, the path, the problem and the fix.
 */
#include "passthrough_ctx.h"

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pt_fail(const struct pt_ctx *c, int ret, const char *fmt, ...)
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

const char *pt_path(const struct pt_ctx *c, int node, char *buf, size_t len)
{
	if (fdt_get_path(c->fdt, node, buf, (int)len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* ------------------------------------------------------------ what a node is */

bool pt_node_enabled(const void *fdt, int node)
{
	const char *s = fdt_getprop(fdt, node, "status", NULL);

	return !s || !strcmp(s, "okay") || !strcmp(s, "ok");
}

bool pt_prop_is(const void *fdt, int node, const char *prop, const char *val)
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

/*
 * The copy keeps the node's name (src/core/vmdt_passthrough.c): it must not be the name of
 * a node keel generates in the VM's tree (src/core/vmdt.c), where two would be one too many.
 * Most such names are of nodes keel itself uses and refused before; these depend on the VM.
 */
static int pt_check_name(const struct pt_ctx *c, int node)
{
	const struct vm_config *vm = c->vm;
	const char *name = fdt_get_name(c->fdt, node, NULL);
	char vmname[PASSTHROUGH_PATH_MAX];
	const char *what = NULL;

	if (!name)
		return pt_fail(c, KE_INVAL, "its node is malformed; fix the boot device tree");
	snprintf(vmname, sizeof(vmname), "pl011@%llx", ull(vm->uart_base));
	if (!strcmp(name, vmname))
		what = "the VM's emulated UART (uart)";
	snprintf(vmname, sizeof(vmname), "test-device@%llx", ull(vm->testdev_base));
	if (vm->has_testdev && !strcmp(name, vmname))
		what = "the VM's test device";
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		snprintf(vmname, sizeof(vmname), "memory@%llx", ull(vm->ram[i].ipa));
		if (!strcmp(name, vmname))
			what = "one of the VM's memory nodes";
	}
	if (!strcmp(name, "apb-pclk") || !strncmp(name, "passthrough-clk", 15))
		what = "a clock keel puts there";
	if (what)
		return pt_fail(c, KE_EXIST, "its node name \"%s\" is also that of %s in the VM's "
			       "device tree; move that (a moved device keeps its name)", name, what);
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
		ret = pt_check_name(c, node);
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
		c.path = "";
		if (c.vm->nr_passthrough > PASSTHROUGH_MAX_DEVICES) {
			ret = pt_fail(&c, KE_NOTSUP, "more than %d devices; give fewer",
				      PASSTHROUGH_MAX_DEVICES);
			break;
		}
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

