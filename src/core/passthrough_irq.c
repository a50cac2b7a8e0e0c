/*
 * Device passthrough, part of passthrough_resolve (src/core/passthrough_ctx.h): a device's
 * interrupts. Each must be a GIC SPI the VM's virtual GIC has, not keel's, not the VM's
 * emulated UART's, not another passed-through device's, edge or level as a GICv3 SPI is.
 */
#include "passthrough_ctx.h"

#include <keel/vgic.h>
#include <keel/vmdt.h>

#include <libfdt.h>

#define PT_GIC_CELLS     3u	/* arm,gic-v3 #interrupt-cells: <type number flags> */
#define PT_IRQ_EDGE_RISE 1u	/* flags[3:0]: rising edge */
#define PT_IRQ_LEVEL_HI  4u	/* flags[3:0]: active-high level */
#define PT_IRQ_TYPE_MASK 0xfu
#define PT_VM_UART_INTID (GIC_SPI_BASE + VMDT_UART_SPI)

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
	if (intid == CONFIG_DOORBELL_INTID && c->vm->nr_peers)
		return pt_fail(c, KE_EXIST, "its interrupt %llu is the one of the VM's doorbell PL061 "
			       "(it shares memory with other VMs); pass through another device",
			       ull(intid));
	if ((flags & PT_IRQ_TYPE_MASK) != PT_IRQ_EDGE_RISE &&
	    (flags & PT_IRQ_TYPE_MASK) != PT_IRQ_LEVEL_HI)
		return pt_fail(c, KE_INVAL, "its interrupt %llu has trigger flags 0x%x, neither 1 "
			       "(rising edge) nor 4 (high level), the two a GICv3 SPI has; fix the "
			       "boot device tree", ull(intid), flags);
	irq->intid = (uint32_t)intid;
	irq->edge = (flags & PT_IRQ_TYPE_MASK) == PT_IRQ_EDGE_RISE;
	return pt_check_irq_free(c, dev, irq->intid);
}

int pt_resolve_irqs(const struct pt_ctx *c, int node, struct passthrough_device *dev)
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

