/*
 * Virtual GICv3 distributor registers (IHI 0069, GICD_*): decoding of the
 * 64 KiB window. See include/keel/vgic.h for the model.
 */
#include <keel/nospec.h>
#include <keel/vgic.h>

#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IIDR        0x0008
#define GICD_TYPER2      0x000c   /* RAZ: no extended ranges, no vPEs */
#define GICD_STATUSR     0x0010   /* RAZ/WI */
#define GICD_IPRIORITYR  0x0400
#define GICD_ITARGETSR   0x0800   /* RAZ/WI: ARE = 1 */
#define GICD_ICFGR       0x0c00
#define GICD_IGRPMODR    0x0d00   /* RAZ/WI: DS = 1 */
#define GICD_IROUTER     0x6000
#define GICD_IROUTER_END 0x8000

/* GICD_TYPER */
#define GICD_TYPER_ITLINESNUMBER (VGIC_NR_IRQS / 32 - 1)
#define GICD_TYPER_IDBITS_SHIFT  19
#define VGIC_IDBITS              9         /* INTIDs fit in 10 bits */

/* GICD_IROUTER<n> */
#define GICD_IROUTER_AFF0 GENMASK(7, 0)
#define GICD_IROUTER_AFF1 GENMASK(15, 8)
#define GICD_IROUTER_AFF2 GENMASK(23, 16)
#define GICD_IROUTER_IRM  BIT(31)
#define GICD_IROUTER_MASK (GICD_IROUTER_AFF0 | GICD_IROUTER_AFF1 | GICD_IROUTER_AFF2 | \
			   GICD_IROUTER_IRM)   /* Aff3 RAZ/WI: GICD_TYPER.A3V = 0 */
#define GICD_IROUTER_IRM_VCPU 0           /* the PE chosen for 1-of-N SPIs */

static bool vgic_dist_access_ok(uint64_t off, unsigned size)
{
	if (off >= VGIC_GICD_SIZE || (size != 1 && size != 4 && size != 8) || !IS_ALIGNED(off, size))
		return false;
	if (size == 1)   /* the byte-accessible IPRIORITYR and ITARGETSR */
		return off >= GICD_IPRIORITYR && off < GICD_ICFGR;
	if (size == 8)
		return off >= GICD_IROUTER && off < GICD_IROUTER_END;
	return true;
}

static uint32_t vgic_dist_typer(void)
{
	/* CPUNumber 0: affinity routing cannot be disabled. No LPIs, one Security state. */
	return GICD_TYPER_ITLINESNUMBER | VGIC_IDBITS << GICD_TYPER_IDBITS_SHIFT;
}

/* ---------------------------------------------------------------- IROUTER */

/* The SPI IROUTER offset off configures, or NULL for INTIDs 0-31 and unimplemented ones. */
static struct vgic_irq *vgic_dist_irouter_irq(struct vgic *g, uint64_t off)
{
	unsigned intid = (unsigned)((off - GICD_IROUTER) / 8);

	if (intid < VGIC_NR_PRIVATE || intid >= VGIC_NR_IRQS)
		return NULL;
	return &g->spi[array_index_nospec(intid - VGIC_NR_PRIVATE, VGIC_NR_SPIS)];
}

static uint8_t vgic_dist_route(const struct vgic *g, uint64_t irouter)
{
	uint64_t aff0 = irouter & GICD_IROUTER_AFF0;

	if (irouter & GICD_IROUTER_IRM)
		return GICD_IROUTER_IRM_VCPU;
	if ((irouter & (GICD_IROUTER_AFF1 | GICD_IROUTER_AFF2)) || aff0 >= g->nr_vcpus)
		return VGIC_VCPU_NONE;
	return (uint8_t)aff0;
}

static uint64_t vgic_dist_irouter_read(struct vgic *g, uint64_t off, unsigned size)
{
	struct vgic_irq *irq = vgic_dist_irouter_irq(g, off);
	uint64_t v;

	if (!irq)
		return 0;
	v = g->irouter[irq->intid - VGIC_NR_PRIVATE];
	if (size == 8)
		return v;
	return (off & 4) ? v >> 32 : v & 0xffffffffu;
}

static uint32_t vgic_dist_irouter_write(struct vgic *g, uint64_t off, unsigned size, uint64_t val)
{
	struct vgic_irq *irq = vgic_dist_irouter_irq(g, off);
	uint64_t *r;
	uint32_t before;
	uint8_t old_target;

	if (!irq)
		return 0;
	r = &g->irouter[irq->intid - VGIC_NR_PRIVATE];
	if (size == 4 && (off & 4))
		val = (*r & 0xffffffffu) | val << 32;
	else if (size == 4)
		val = (*r & ~0xffffffffULL) | (val & 0xffffffffu);
	old_target = irq->target;
	before = vgic_irq_want_mask(g, irq);
	*r = val & GICD_IROUTER_MASK;
	irq->target = vgic_dist_route(g, *r);
	if (irq->target != old_target)
		vgic_irq_hw_spi_notify(g, irq);   /* a linked SPI's next firing goes there */
	return vgic_irq_changed(g, irq, before);
}

/* ---------------------------------------------------------------- 8/32-bit registers */

/* First INTID of the per-interrupt register at off (base, bits per interrupt). */
static unsigned vgic_dist_first_intid(uint64_t off, uint64_t base, unsigned bits_per_irq)
{
	return (unsigned)((off - base) * 8 / bits_per_irq);
}

static uint32_t vgic_dist_read32(struct vgic *g, uint64_t off, unsigned size)
{
	uint32_t id;
	unsigned first;

	switch (off) {
	case GICD_CTLR:
		return g->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
	case GICD_TYPER:
		return vgic_dist_typer();
	case GICD_IIDR:
		return vgic_iidr();
	}
	if (off >= VGIC_BITREG_BASE && off < VGIC_BITREG_END) {
		first = vgic_dist_first_intid(off % VGIC_BITREG_STRIDE, 0, 1);
		if (first < VGIC_NR_PRIVATE)
			return 0;   /* banked SGI/PPI part: GICR_* with ARE = 1 */
		return vgic_bitreg_read(g, 0, first,
					(enum vgic_bitreg)((off - VGIC_BITREG_BASE) / VGIC_BITREG_STRIDE));
	}
	if (off >= GICD_IPRIORITYR && off < GICD_ITARGETSR) {
		first = vgic_dist_first_intid(off, GICD_IPRIORITYR, 8);
		return first < VGIC_NR_PRIVATE ? 0 : vgic_prio_read(g, 0, first, size);
	}
	if (off >= GICD_ICFGR && off < GICD_IGRPMODR) {
		first = vgic_dist_first_intid(off, GICD_ICFGR, 2);
		return first < VGIC_NR_PRIVATE ? 0 : vgic_cfg_read(g, 0, first);
	}
	if (vgic_id_read(off, &id))
		return id;
	return 0;
}

static uint32_t vgic_dist_write32(struct vgic *g, uint64_t off, unsigned size, uint32_t val)
{
	unsigned first;

	if (off == GICD_CTLR)
		return vgic_ctlr_write(g, val);
	if (off >= VGIC_BITREG_BASE && off < VGIC_BITREG_END) {
		first = vgic_dist_first_intid(off % VGIC_BITREG_STRIDE, 0, 1);
		if (first < VGIC_NR_PRIVATE)
			return 0;
		return vgic_bitreg_write(g, 0, first,
					 (enum vgic_bitreg)((off - VGIC_BITREG_BASE) / VGIC_BITREG_STRIDE),
					 val);
	}
	if (off >= GICD_IPRIORITYR && off < GICD_ITARGETSR) {
		first = vgic_dist_first_intid(off, GICD_IPRIORITYR, 8);
		return first < VGIC_NR_PRIVATE ? 0 : vgic_prio_write(g, 0, first, size, val);
	}
	if (off >= GICD_ICFGR && off < GICD_IGRPMODR) {
		first = vgic_dist_first_intid(off, GICD_ICFGR, 2);
		return first < VGIC_NR_PRIVATE ? 0 : vgic_cfg_write(g, 0, first, val);
	}
	return 0;   /* read-only, RAZ/WI or reserved */
}

/* ---------------------------------------------------------------- entry points */

int vgic_dist_read(struct vgic *g, uint64_t offset, unsigned size, uint64_t *val)
{
	if (!vgic_dist_access_ok(offset, size))
		return KE_INVAL;
	if (offset >= GICD_IROUTER && offset < GICD_IROUTER_END)
		*val = vgic_dist_irouter_read(g, offset, size);
	else
		*val = vgic_dist_read32(g, offset, size);
	return 0;
}

int vgic_dist_write(struct vgic *g, uint64_t offset, unsigned size, uint64_t val, uint32_t *kick)
{
	uint32_t mask;

	if (kick)
		*kick = 0;
	if (!vgic_dist_access_ok(offset, size))
		return KE_INVAL;
	if (offset >= GICD_IROUTER && offset < GICD_IROUTER_END)
		mask = vgic_dist_irouter_write(g, offset, size, val);
	else
		mask = vgic_dist_write32(g, offset, size, (uint32_t)(size == 1 ? val & 0xff : val));
	if (kick)
		*kick = mask;
	return 0;
}
