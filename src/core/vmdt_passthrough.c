/*
 * Passed-through devices in a VM's generated device tree: each device's node is copied
 * from the boot device tree under the VM's root with every property, but
 *  - reg: moved to the device's IPAs, in the VM root's cells (2 + 2);
 *  - interrupt-parent: the VM's GIC (the SPI numbers and flags of interrupts are kept:
 *    the VM sees each interrupt at its physical INTID);
 *  - clocks: pointed at copies of the fixed clocks they name (passthrough-clk<n>), whose
 *    clock-output-names is dropped: a clock's name must be unique in the VM (Linux refuses
 *    a second "clk24mhz" beside keel's own apb-pclk, and the device then never probes), so
 *    the copy is named by its node;
 *  - phandle: dropped (nothing in the VM's tree refers to the copy).
 * passthrough_resolve() has refused everything else that would need rewriting.
 */
#include <keel/passthrough.h>
#include <keel/platform.h>

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#define VMDTPT_MAX_CLOCKS (PASSTHROUGH_MAX_DEVICES * 4)
#define VMDTPT_NAME_MAX   64

struct vmdtpt_clocks {
	unsigned n;
	int node[VMDTPT_MAX_CLOCKS];	/* fixed-clock nodes of the boot tree */
};

/* The VM phandle of boot clock node clk, adding it to the set. 0: the set is full. */
static uint32_t vmdtpt_clock(struct vmdtpt_clocks *cl, int clk, uint32_t first_phandle)
{
	for (unsigned i = 0; i < cl->n; i++)
		if (cl->node[i] == clk)
			return first_phandle + i;
	if (cl->n == VMDTPT_MAX_CLOCKS)
		return 0;
	cl->node[cl->n] = clk;
	return first_phandle + cl->n++;
}

static bool vmdtpt_skip(const char *name)
{
	return !strcmp(name, "phandle") || !strcmp(name, "linux,phandle") ||
	       !strcmp(name, "reg") || !strcmp(name, "interrupt-parent") || !strcmp(name, "clocks");
}

static int vmdtpt_reg(void *fdt, const void *boot, const struct passthrough_device *dev)
{
	fdt32_t cells[PASSTHROUGH_MAX_MMIO * 4];
	uint64_t delta = dev->mmio[0].ipa - dev->mmio[0].pa;	/* mod 2^64: resolve checked */
	struct mem_range r;

	for (unsigned i = 0; i < dev->nr_mmio; i++) {
		if (platform_dt_reg(boot, dev->node, i, &r))
			return -FDT_ERR_BADVALUE;
		r.base += delta;
		cells[4 * i] = cpu_to_fdt32((uint32_t)(r.base >> 32));
		cells[4 * i + 1] = cpu_to_fdt32((uint32_t)r.base);
		cells[4 * i + 2] = cpu_to_fdt32((uint32_t)(r.size >> 32));
		cells[4 * i + 3] = cpu_to_fdt32((uint32_t)r.size);
	}
	return fdt_property(fdt, "reg", cells, (int)(dev->nr_mmio * 4 * sizeof(fdt32_t)));
}

static int vmdtpt_clocks(void *fdt, const void *boot, int node, struct vmdtpt_clocks *cl,
			 uint32_t first_phandle)
{
	fdt32_t cells[VMDTPT_MAX_CLOCKS];
	const fdt32_t *v;
	int len;

	v = fdt_getprop(boot, node, "clocks", &len);
	if (!v)
		return 0;
	if (len <= 0 || len % (int)sizeof(fdt32_t) || len > (int)sizeof(cells))
		return -FDT_ERR_BADVALUE;
	for (int i = 0; i < len / (int)sizeof(fdt32_t); i++) {
		int clk = fdt_node_offset_by_phandle(boot, fdt32_ld(&v[i]));
		uint32_t ph = clk >= 0 ? vmdtpt_clock(cl, clk, first_phandle) : 0;

		if (!ph)
			return -FDT_ERR_BADVALUE;
		cells[i] = cpu_to_fdt32(ph);
	}
	return fdt_property(fdt, "clocks", cells, len);
}

static int vmdtpt_device(void *fdt, const void *boot, const struct passthrough_device *dev,
			 uint32_t gic_phandle, struct vmdtpt_clocks *cl, uint32_t first_phandle)
{
	const char *name = fdt_get_name(boot, dev->node, NULL);
	const void *val;
	int off, len, err;

	if (!name)
		return -FDT_ERR_BADSTRUCTURE;
	err = fdt_begin_node(fdt, name);
	fdt_for_each_property_offset(off, boot, dev->node) {
		const char *pname;

		if (err)
			break;
		val = fdt_getprop_by_offset(boot, off, &pname, &len);
		if (!val || !pname)
			return -FDT_ERR_BADSTRUCTURE;
		if (!vmdtpt_skip(pname))
			err = fdt_property(fdt, pname, val, len);
	}
	if (!err)
		err = vmdtpt_reg(fdt, boot, dev);
	if (!err && fdt_getprop(boot, dev->node, "interrupts", NULL))
		err = fdt_property_u32(fdt, "interrupt-parent", gic_phandle);
	if (!err)
		err = vmdtpt_clocks(fdt, boot, dev->node, cl, first_phandle);
	if (!err)
		err = fdt_end_node(fdt);
	return err;
}

/* A copy of fixed-clock node clk: its properties but phandle (it becomes ph) and its name. */
static int vmdtpt_clock_node(void *fdt, const void *boot, int clk, unsigned idx, uint32_t ph)
{
	char name[VMDTPT_NAME_MAX];
	int off, len, err;

	snprintf(name, sizeof(name), "passthrough-clk%u", idx);
	err = fdt_begin_node(fdt, name);
	fdt_for_each_property_offset(off, boot, clk) {
		const char *pname;
		const void *val;

		if (err)
			break;
		val = fdt_getprop_by_offset(boot, off, &pname, &len);
		if (!val || !pname)
			return -FDT_ERR_BADSTRUCTURE;
		if (strcmp(pname, "phandle") && strcmp(pname, "linux,phandle") &&
		    strcmp(pname, "clock-output-names"))
			err = fdt_property(fdt, pname, val, len);
	}
	if (!err)
		err = fdt_property_u32(fdt, "phandle", ph);
	if (!err)
		err = fdt_end_node(fdt);
	return err;
}

int vmdt_passthrough_add(void *fdt, const void *boot_fdt, const struct vm_passthrough *pt,
			 uint32_t gic_phandle, uint32_t first_phandle)
{
	struct vmdtpt_clocks cl = { .n = 0 };
	int err = 0;

	for (unsigned d = 0; d < pt->nr_devices && !err; d++)
		err = vmdtpt_device(fdt, boot_fdt, &pt->dev[d], gic_phandle, &cl, first_phandle);
	for (unsigned i = 0; i < cl.n && !err; i++)
		err = vmdtpt_clock_node(fdt, boot_fdt, cl.node[i], i, first_phandle + i);
	return err;
}
