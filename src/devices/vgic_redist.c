/*
 * Virtual GICv3 redistributor registers (IHI 0069, GICR_*): one RD_base and
 * one SGI_base frame per vCPU. See include/keel/vgic.h for the model.
 */
#include <keel/nospec.h>
#include <keel/vgic.h>

/* RD_base frame */
#define GICR_CTLR        0x0000   /* RAZ/WI: no LPIs, writes never pending (RWP = 0) */
#define GICR_IIDR        0x0004
#define GICR_TYPER       0x0008
#define GICR_TYPER_HI    0x000c
#define GICR_STATUSR     0x0010   /* RAZ/WI */
#define GICR_WAKER       0x0014
#define GICR_SETLPIR     0x0040
#define GICR_CLRLPIR     0x0048
#define GICR_PROPBASER   0x0070
#define GICR_PENDBASER   0x0078
#define GICR_INVLPIR     0x00a0
#define GICR_INVALLR     0x00b0

/* SGI_base frame */
#define GICR_IPRIORITYR0 0x0400
#define GICR_IPRIORITYR_END 0x0420   /* IPRIORITYR0-7 */
#define GICR_ICFGR0      0x0c00   /* SGIs: read-only, edge */
#define GICR_ICFGR1      0x0c04

/* GICR_TYPER */
#define GICR_TYPER_LAST                   BIT(4)
#define GICR_TYPER_PROCESSOR_NUMBER_SHIFT 8
#define GICR_TYPER_AFFINITY_SHIFT         32   /* Aff0 at [39:32] */

/* GICR_WAKER */
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)

static bool vgic_redist_is_64bit(uint64_t frame_off)
{
	switch (frame_off) {
	case GICR_TYPER:
	case GICR_SETLPIR:
	case GICR_CLRLPIR:
	case GICR_PROPBASER:
	case GICR_PENDBASER:
	case GICR_INVLPIR:
	case GICR_INVALLR:
		return true;
	}
	return false;
}

static bool vgic_redist_access_ok(const struct vgic *g, uint64_t off, unsigned size)
{
	uint64_t frame_off = off % VGIC_GICR_STRIDE;

	if (off >= vgic_redist_size(g) || (size != 1 && size != 4 && size != 8) ||
	    !IS_ALIGNED(off, size))
		return false;
	if (size == 1)
		return frame_off >= VGIC_GICR_SGI_BASE + GICR_IPRIORITYR0 &&
		       frame_off < VGIC_GICR_SGI_BASE + GICR_IPRIORITYR_END;
	if (size == 8)
		return vgic_redist_is_64bit(frame_off);
	return true;
}

/* ---------------------------------------------------------------- RD_base */

static uint64_t vgic_redist_typer(const struct vgic *g, unsigned vcpu)
{
	/* Affinity_Value: Aff0 = vCPU index, Aff1-3 = 0. PLPIS = VLPIS = 0. */
	uint64_t v = (uint64_t)vcpu << GICR_TYPER_AFFINITY_SHIFT |
		     (uint64_t)vcpu << GICR_TYPER_PROCESSOR_NUMBER_SHIFT;

	if (vcpu == g->nr_vcpus - 1)
		v |= GICR_TYPER_LAST;
	return v;
}

static uint64_t vgic_redist_rd_read(struct vgic *g, unsigned vcpu, uint64_t off, unsigned size)
{
	uint32_t id;

	switch (off) {
	case GICR_IIDR:
		return vgic_iidr();
	case GICR_TYPER:
		return size == 8 ? vgic_redist_typer(g, vcpu)
				 : (uint32_t)vgic_redist_typer(g, vcpu);
	case GICR_TYPER_HI:
		return vgic_redist_typer(g, vcpu) >> 32;
	case GICR_WAKER:
		return g->cpu[vcpu].processor_sleep ?
		       GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP : 0;
	}
	if (vgic_id_read(off, &id))
		return id;
	return 0;
}

static void vgic_redist_rd_write(struct vgic *g, unsigned vcpu, uint64_t off, uint64_t val)
{
	/* The only writable RD_base bit; ChildrenAsleep follows it at once. */
	if (off == GICR_WAKER)
		g->cpu[vcpu].processor_sleep = val & GICR_WAKER_PROCESSOR_SLEEP;
}

/* ---------------------------------------------------------------- SGI_base */

static bool vgic_redist_is_bitreg(uint64_t off)
{
	/* GICR_<reg>R0 only; the <reg>R<n>E registers that follow are for extended PPIs. */
	return off >= VGIC_BITREG_BASE && off < VGIC_BITREG_END && off % VGIC_BITREG_STRIDE == 0;
}

static enum vgic_bitreg vgic_redist_bitreg(uint64_t off)
{
	return (enum vgic_bitreg)((off - VGIC_BITREG_BASE) / VGIC_BITREG_STRIDE);
}

static uint32_t vgic_redist_sgi_read(struct vgic *g, unsigned vcpu, uint64_t off, unsigned size)
{
	if (vgic_redist_is_bitreg(off))
		return vgic_bitreg_read(g, vcpu, 0, vgic_redist_bitreg(off));
	if (off >= GICR_IPRIORITYR0 && off < GICR_IPRIORITYR_END)
		return vgic_prio_read(g, vcpu, (unsigned)(off - GICR_IPRIORITYR0), size);
	if (off == GICR_ICFGR0)
		return vgic_cfg_read(g, vcpu, 0);
	if (off == GICR_ICFGR1)
		return vgic_cfg_read(g, vcpu, 16);
	return 0;   /* IGRPMODR0, NSACR (DS = 1), reserved */
}

static uint32_t vgic_redist_sgi_write(struct vgic *g, unsigned vcpu, uint64_t off, unsigned size,
				      uint32_t val)
{
	if (vgic_redist_is_bitreg(off))
		return vgic_bitreg_write(g, vcpu, 0, vgic_redist_bitreg(off), val);
	if (off >= GICR_IPRIORITYR0 && off < GICR_IPRIORITYR_END)
		return vgic_prio_write(g, vcpu, (unsigned)(off - GICR_IPRIORITYR0), size, val);
	if (off == GICR_ICFGR1)
		return vgic_cfg_write(g, vcpu, 16, val);
	return 0;
}

/* ---------------------------------------------------------------- entry points */

int vgic_redist_read(struct vgic *g, uint64_t offset, unsigned size, uint64_t *val)
{
	unsigned vcpu = (unsigned)(offset / VGIC_GICR_STRIDE);
	uint64_t off = offset % VGIC_GICR_STRIDE;

	if (!vgic_redist_access_ok(g, offset, size))
		return KE_INVAL;
	vcpu = (unsigned)array_index_nospec(vcpu, g->nr_vcpus);
	if (off < VGIC_GICR_SGI_BASE)
		*val = vgic_redist_rd_read(g, vcpu, off, size);
	else
		*val = vgic_redist_sgi_read(g, vcpu, off - VGIC_GICR_SGI_BASE, size);
	return 0;
}

int vgic_redist_write(struct vgic *g, uint64_t offset, unsigned size, uint64_t val, uint32_t *kick)
{
	unsigned vcpu = (unsigned)(offset / VGIC_GICR_STRIDE);
	uint64_t off = offset % VGIC_GICR_STRIDE;
	uint32_t mask = 0;

	if (kick)
		*kick = 0;
	if (!vgic_redist_access_ok(g, offset, size))
		return KE_INVAL;
	vcpu = (unsigned)array_index_nospec(vcpu, g->nr_vcpus);
	if (off < VGIC_GICR_SGI_BASE)
		vgic_redist_rd_write(g, vcpu, off, val);
	else
		mask = vgic_redist_sgi_write(g, vcpu, off - VGIC_GICR_SGI_BASE, size,
					     (uint32_t)(size == 1 ? val & 0xff : val));
	if (kick)
		*kick = mask;
	return 0;
}
