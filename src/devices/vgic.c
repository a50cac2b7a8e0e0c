/*
 * Virtual GICv3, interrupt state: reset, interrupt sources, SGI generation,
 * hardware links and the register helpers both frames share. See
 * include/keel/vgic.h for the model. MMIO decoding is in vgic_dist.c and
 * vgic_redist.c, list registers in vgic_lr.c.
 */
#include <keel/nospec.h>
#include <keel/vgic.h>

/* GICD_IIDR / GICR_IIDR */
#define GICD_IIDR_PRODUCTID_SHIFT 24
#define VGIC_PRODUCT_ID           0x6b   /* 'k'; Implementer 0: no JEP106 code */

/* ID registers, at the same offsets in GICD and RD_base. */
#define GIC_PIDR4       0xffd0
#define GIC_PIDR0       0xffe0
#define GIC_CIDR0       0xfff0
#define GIC_IDREG_END   0x10000
#define GIC_PIDR2_ARCHREV_SHIFT 4
#define VGIC_ARCHREV    3                /* GICv3 */
#define VGIC_PART       0x06b

/* PIDR0-3 (0xffe0..0xffec): part number, ArchRev, no JEP106 identity. */
static const uint8_t vgic_pidr0_3[4] = {
	VGIC_PART & 0xff, VGIC_PART >> 8, VGIC_ARCHREV << GIC_PIDR2_ARCHREV_SHIFT, 0,
};
/* PIDR4-7 (0xffd0..0xffdc): PIDR4.SIZE = 4 (64 KiB). */
static const uint8_t vgic_pidr4_7[4] = { 0x40, 0, 0, 0 };
static const uint8_t vgic_cidr[4] = { 0x0d, 0xf0, 0x05, 0xb1 };

/* ---------------------------------------------------------------- reset */

static void vgic_irq_reset(struct vgic_irq *irq, unsigned intid, unsigned vcpu)
{
	*irq = (struct vgic_irq){
		.intid = (uint16_t)intid,
		.target = (uint8_t)vcpu,
		.active_vcpu = (uint8_t)vcpu,
		.lr_owner = VGIC_VCPU_NONE,
		.cand_vcpu = VGIC_VCPU_NONE,
		.edge = intid < VGIC_NR_SGIS,
	};
}

int vgic_init(struct vgic *g, unsigned nr_vcpus)
{
	if (nr_vcpus == 0 || nr_vcpus > VGIC_MAX_VCPUS)
		return KE_INVAL;
	*g = (struct vgic){ .nr_vcpus = nr_vcpus };
	for (unsigned v = 0; v < nr_vcpus; v++) {
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			vgic_irq_reset(&g->cpu[v].priv[i], i, v);
		g->cpu[v].processor_sleep = true;
	}
	/* GICD_IROUTER<n> = 0: Aff0 = 0, vCPU 0. */
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++)
		vgic_irq_reset(&g->spi[i], VGIC_NR_PRIVATE + i, 0);
	return 0;
}

uint64_t vgic_redist_size(const struct vgic *g)
{
	return (uint64_t)g->nr_vcpus * VGIC_GICR_STRIDE;
}

void vgic_set_hw_ops(struct vgic *g, const struct vgic_hw_ops *ops, void *ctx)
{
	g->hw = ops;
	g->hw_ctx = ctx;
}

/* ---------------------------------------------------------------- interrupt state */

/* vcpu and intid come from the guest (register offsets, SGI values): clamped (keel/nospec.h). */
struct vgic_irq *vgic_irq_get(struct vgic *g, unsigned vcpu, unsigned intid)
{
	if (intid < VGIC_NR_PRIVATE) {
		if (vcpu >= g->nr_vcpus)
			return NULL;
		vcpu = (unsigned)array_index_nospec(vcpu, g->nr_vcpus);
		return &g->cpu[vcpu].priv[array_index_nospec(intid, VGIC_NR_PRIVATE)];
	}
	if (intid < VGIC_NR_IRQS)
		return &g->spi[array_index_nospec(intid - VGIC_NR_PRIVATE, VGIC_NR_SPIS)];
	return NULL;
}

/* The vCPU (as a mask) irq wants to be listed for as pending under ctlr, or 0. */
static uint32_t vgic_irq_want_mask_with(const struct vgic *g, const struct vgic_irq *irq,
					uint32_t ctlr)
{
	unsigned dest = vgic_irq_dest(irq);

	if (dest >= g->nr_vcpus || !vgic_irq_deliverable_with(ctlr, irq))
		return 0;
	if (irq->lr_owner != VGIC_VCPU_NONE && irq->lr_owner != dest)
		return 0;   /* another vCPU's LRs hold it: that vCPU is kicked instead */
	return (uint32_t)BIT(dest);
}

uint32_t vgic_irq_want_mask(const struct vgic *g, const struct vgic_irq *irq)
{
	return vgic_irq_want_mask_with(g, irq, g->ctlr);
}

/*
 * After irq changed: its bookkeeping, and the kicks: its destination if it
 * has just become deliverable there (before = vgic_irq_want_mask() before
 * the change), and the vCPU whose LRs hold a now stale copy.
 */
uint32_t vgic_irq_changed(struct vgic *g, struct vgic_irq *irq, uint32_t before)
{
	uint32_t kick;

	vgic_irq_track(g, irq);
	kick = vgic_irq_want_mask(g, irq) & ~before;

	if (irq->lr_owner < g->nr_vcpus)
		kick |= (uint32_t)BIT(irq->lr_owner);
	return kick;
}

/*
 * A linked interrupt that was pending or active (was_live) and is neither
 * now: nothing will deactivate the physical interrupt unless keel does.
 */
static bool vgic_irq_live(const struct vgic_irq *irq)
{
	return irq->latch || irq->lr_latched || irq->active;
}

void vgic_irq_hw_check(struct vgic *g, struct vgic_irq *irq, bool was_live)
{
	if (!irq->hw || !was_live || vgic_irq_live(irq))
		return;
	if (g->hw && g->hw->deactivate)
		g->hw->deactivate(g->hw_ctx, irq->target, irq->hw_intid);
}

/* A linked SPI's route or enable changed: the physical SPI must follow. */
void vgic_irq_hw_spi_notify(struct vgic *g, const struct vgic_irq *irq)
{
	if (irq->hw && irq->intid >= VGIC_NR_PRIVATE && g->hw && g->hw->spi_config)
		g->hw->spi_config(g->hw_ctx, irq->hw_intid, irq->target, irq->enabled);
}

/*
 * irq has just come back from lr_owner's LRs (its state folded from them): an
 * ISACTIVER/ICACTIVER write made while they held it is ordered after whatever
 * the guest did there, so it decides the active state. Clearing the active
 * state of a linked interrupt also deactivates the physical one (unless it is
 * still pending): the guest that acknowledged it will not deactivate it now.
 */
void vgic_irq_apply_active_write_slow(struct vgic *g, struct vgic_irq *irq)
{
	bool set = irq->active_write == VGIC_ACTIVE_WRITE_SET;

	irq->active_write = VGIC_ACTIVE_WRITE_NONE;
	if (set && !irq->active)
		irq->active_vcpu = irq->target;
	irq->active = set;
	vgic_irq_hw_check(g, irq, true);
	vgic_irq_track(g, irq);
}

/* The guest deactivated irq (trapped ICC_DIR_EL1, or counted in EOIcount); the kicks. */
uint32_t vgic_irq_deactivate(struct vgic *g, struct vgic_irq *irq)
{
	uint32_t before = vgic_irq_want_mask(g, irq);
	bool was_live = vgic_irq_live(irq);

	irq->active = false;
	vgic_irq_hw_check(g, irq, was_live);   /* no LR did it for a linked one */
	return vgic_irq_changed(g, irq, before);
}

uint32_t vgic_deactivate(struct vgic *g, unsigned vcpu, unsigned intid)
{
	struct vgic_irq *irq = vgic_irq_get(g, vcpu, intid);

	/* Only what this vCPU has active (a DIR of anything else has no effect). */
	if (!irq || !irq->active || vgic_irq_dest(irq) != vcpu || irq->lr_owner != VGIC_VCPU_NONE)
		return 0;
	return vgic_irq_deactivate(g, irq);
}

/* GICD_CTLR: only the group enables are stored (ARE and DS are RAO/WI). */
uint32_t vgic_ctlr_write(struct vgic *g, uint32_t val)
{
	uint32_t old = g->ctlr, kick = 0;

	g->ctlr = val & (GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
	if (g->ctlr == old)
		return 0;
	for (unsigned v = 0; v < g->nr_vcpus; v++)
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			kick |= vgic_irq_changed(g, &g->cpu[v].priv[i],
						 vgic_irq_want_mask_with(g, &g->cpu[v].priv[i], old));
	for (unsigned i = 0; i < VGIC_NR_SPIS; i++)
		kick |= vgic_irq_changed(g, &g->spi[i], vgic_irq_want_mask_with(g, &g->spi[i], old));
	return kick;
}

/* ---------------------------------------------------------------- interrupt sources */

static void vgic_kick_out(uint32_t *kick, uint32_t mask)
{
	if (kick)
		*kick = mask;
}

int vgic_set_level(struct vgic *g, unsigned vcpu, unsigned intid, bool level, uint32_t *kick)
{
	struct vgic_irq *irq = vgic_irq_get(g, vcpu, intid);
	uint32_t before;
	bool was_live;

	vgic_kick_out(kick, 0);
	if (!irq || intid < VGIC_NR_SGIS)
		return KE_INVAL;
	before = vgic_irq_want_mask(g, irq);
	was_live = vgic_irq_live(irq);
	if (irq->hw)
		irq->latch = level;
	else if (irq->edge && level && !irq->line)
		irq->latch = true;
	irq->line = level;
	vgic_irq_hw_check(g, irq, was_live);
	vgic_kick_out(kick, vgic_irq_changed(g, irq, before));
	return 0;
}

int vgic_trigger_edge(struct vgic *g, unsigned vcpu, unsigned intid, uint32_t *kick)
{
	struct vgic_irq *irq = vgic_irq_get(g, vcpu, intid);
	uint32_t before;

	vgic_kick_out(kick, 0);
	if (!irq)
		return KE_INVAL;
	before = vgic_irq_want_mask(g, irq);
	irq->latch = true;
	vgic_kick_out(kick, vgic_irq_changed(g, irq, before));
	return 0;
}

/* The vCPUs an ICC_SGI1R_EL1-format value names (IRM = 0). */
_Static_assert(VGIC_MAX_VCPUS <= 16, "one TargetList range (RS = 0) covers every vCPU");
static uint32_t vgic_sgi_targets(const struct vgic *g, uint64_t value)
{
	unsigned rs = (unsigned)bits(value, 47, ICC_SGIR_RS_SHIFT);
	uint32_t list = (uint32_t)(value & ICC_SGIR_TARGETLIST_MASK);

	if (bits(value, 23, ICC_SGIR_AFF1_SHIFT) || bits(value, 39, ICC_SGIR_AFF2_SHIFT) ||
	    bits(value, 55, ICC_SGIR_AFF3_SHIFT))
		return 0;   /* keel's vCPUs all have Aff3.Aff2.Aff1 = 0.0.0 */
	/* TargetList bit i names Aff0 = 16 * RS + i: a range holding no vCPU names none. */
	if (rs * 16 >= g->nr_vcpus)
		return 0;
	return (list << (rs * 16)) & (uint32_t)(BIT(g->nr_vcpus) - 1);
}

int vgic_sgi_generate(struct vgic *g, unsigned src_vcpu, uint64_t value, bool group0, uint32_t *kick)
{
	unsigned intid = (unsigned)bits(value, 27, ICC_SGIR_INTID_SHIFT);
	uint32_t targets, mask = 0;

	vgic_kick_out(kick, 0);
	if (src_vcpu >= g->nr_vcpus)
		return KE_INVAL;
	if (value & ICC_SGIR_IRM)
		targets = (uint32_t)(BIT(g->nr_vcpus) - 1) & ~(uint32_t)BIT(src_vcpu);
	else
		targets = vgic_sgi_targets(g, value);
	/* Only the targets (vgic_sgi_targets names no vCPU >= nr_vcpus). */
	for (; targets; targets &= targets - 1) {
		unsigned v = vgic_lowest_bit(targets);
		struct vgic_irq *irq = &g->cpu[v].priv[intid];
		uint32_t before;

		if (group0 && irq->group1)
			continue;
		before = vgic_irq_want_mask(g, irq);
		irq->latch = true;
		mask |= vgic_irq_changed(g, irq, before);
	}
	vgic_kick_out(kick, mask);
	return 0;
}

/* ---------------------------------------------------------------- hardware links */

#define VGIC_PINTID_MIN 16     /* PPIs and SPIs only */
#define VGIC_PINTID_MAX 1019

int vgic_link_hw(struct vgic *g, unsigned vcpu, unsigned intid, uint32_t pintid)
{
	struct vgic_irq *irq = vgic_irq_get(g, vcpu, intid);

	if (!irq || intid < VGIC_NR_SGIS || pintid < VGIC_PINTID_MIN || pintid > VGIC_PINTID_MAX)
		return KE_INVAL;
	irq->hw = true;
	irq->hw_intid = pintid;
	irq->edge = false;        /* the physical source is a level (ICFGR now read-only) */
	vgic_irq_track(g, irq);   /* a high line no longer counts */
	return 0;
}

#define VGIC_PSPI_MIN 32       /* a physical SPI */

int vgic_link_hw_spi(struct vgic *g, unsigned intid, uint32_t pintid, bool edge)
{
	struct vgic_irq *irq;

	if (intid < VGIC_NR_PRIVATE || intid >= VGIC_NR_IRQS || pintid < VGIC_PSPI_MIN ||
	    pintid > VGIC_PINTID_MAX)
		return KE_INVAL;
	irq = vgic_irq_get(g, 0, intid);
	irq->hw = true;
	irq->hw_intid = pintid;
	irq->edge = edge;         /* the physical trigger; ICFGR now read-only */
	irq->line = false;        /* the physical line is not tracked */
	vgic_irq_track(g, irq);
	return 0;
}

int vgic_hw_spi_get(const struct vgic *g, unsigned intid, struct vgic_hw_spi_state *st)
{
	const struct vgic_irq *irq;

	if (intid < VGIC_NR_PRIVATE || intid >= VGIC_NR_IRQS)
		return KE_INVAL;
	irq = &g->spi[array_index_nospec(intid - VGIC_NR_PRIVATE, VGIC_NR_SPIS)];
	if (!irq->hw)
		return KE_INVAL;
	st->target = irq->target;
	st->enabled = irq->enabled;
	st->injected = irq->latch || irq->lr_latched;
	st->active = irq->active;
	return 0;
}

int vgic_unlink_hw(struct vgic *g, unsigned vcpu, unsigned intid)
{
	struct vgic_irq *irq = vgic_irq_get(g, vcpu, intid);

	if (!irq || intid < VGIC_NR_SGIS)
		return KE_INVAL;
	irq->hw = false;
	irq->hw_intid = 0;
	vgic_irq_track(g, irq);   /* a high line counts again */
	return 0;
}

/* Every interrupt deliverable to vcpu is a candidate there (see struct vgic_cpu). */
bool vgic_vcpu_has_pending(const struct vgic *g, unsigned vcpu)
{
	if (vcpu >= g->nr_vcpus)
		return false;
	for (unsigned w = 0; w < VGIC_NR_WORDS; w++)
		for (uint32_t set = g->cpu[vcpu].lr_cand[w]; set; set &= set - 1) {
			unsigned intid = 32 * w + vgic_lowest_bit(set);
			const struct vgic_irq *irq = intid < VGIC_NR_PRIVATE ?
				&g->cpu[vcpu].priv[intid] : &g->spi[intid - VGIC_NR_PRIVATE];

			if (vgic_irq_want_mask(g, irq) & BIT(vcpu))
				return true;
		}
	return false;
}

/* ---------------------------------------------------------------- shared registers */

static bool vgic_bitreg_get(const struct vgic_irq *irq, enum vgic_bitreg reg)
{
	switch (reg) {
	case VGIC_BITREG_IGROUPR:
		return irq->group1;
	case VGIC_BITREG_ISENABLER:
	case VGIC_BITREG_ICENABLER:
		return irq->enabled;
	case VGIC_BITREG_ISPENDR:
	case VGIC_BITREG_ICPENDR:
		return vgic_irq_pending(irq);
	case VGIC_BITREG_ISACTIVER:
	case VGIC_BITREG_ICACTIVER:
		return irq->active;
	}
	return false;
}

/* One bit of a register write; bit is the written value of irq's bit. */
static void vgic_bitreg_set(struct vgic_irq *irq, enum vgic_bitreg reg, bool bit)
{
	if (reg == VGIC_BITREG_IGROUPR) {
		irq->group1 = bit;
		return;
	}
	if (!bit)
		return;   /* set/clear registers: writing 0 has no effect */
	switch (reg) {
	case VGIC_BITREG_ISENABLER:
		irq->enabled = true;
		break;
	case VGIC_BITREG_ICENABLER:
		irq->enabled = false;
		break;
	case VGIC_BITREG_ISPENDR:
		irq->latch = true;
		break;
	case VGIC_BITREG_ICPENDR:
		/*
		 * A level interrupt's high line keeps it pending. A latch in
		 * another running vCPU's LR is not restored when it syncs.
		 */
		irq->latch = false;
		irq->lr_latched = false;
		break;
	/*
	 * The active state of an interrupt another vCPU's LRs hold is what they
	 * return, unless this write comes after: remembered until they do.
	 */
	case VGIC_BITREG_ISACTIVER:
		if (!irq->active)
			irq->active_vcpu = irq->target;
		irq->active = true;
		if (irq->lr_owner != VGIC_VCPU_NONE)
			irq->active_write = VGIC_ACTIVE_WRITE_SET;
		break;
	case VGIC_BITREG_ICACTIVER:
		irq->active = false;
		if (irq->lr_owner != VGIC_VCPU_NONE)
			irq->active_write = VGIC_ACTIVE_WRITE_CLEAR;
		break;
	default:
		break;
	}
}

/* Bits for INTIDs first..first+31; unimplemented ones read as zero. */
uint32_t vgic_bitreg_read(struct vgic *g, unsigned vcpu, unsigned first, enum vgic_bitreg reg)
{
	uint32_t val = 0;

	for (unsigned i = 0; i < 32; i++) {
		const struct vgic_irq *irq = vgic_irq_get(g, vcpu, first + i);

		if (irq && vgic_bitreg_get(irq, reg))
			val |= (uint32_t)BIT(i);
	}
	return val;
}

uint32_t vgic_bitreg_write(struct vgic *g, unsigned vcpu, unsigned first, enum vgic_bitreg reg,
			   uint32_t val)
{
	uint32_t kick = 0;

	for (unsigned i = 0; i < 32; i++) {
		struct vgic_irq *irq = vgic_irq_get(g, vcpu, first + i);
		bool bit = val & BIT(i);
		uint32_t before;
		bool was_live, was_enabled;

		if (!irq || (reg != VGIC_BITREG_IGROUPR && !bit))
			continue;
		before = vgic_irq_want_mask(g, irq);
		was_live = vgic_irq_live(irq);
		was_enabled = irq->enabled;
		vgic_bitreg_set(irq, reg, bit);
		if (irq->enabled != was_enabled)
			vgic_irq_hw_spi_notify(g, irq);
		/* An active write to an interrupt held in LRs deactivates (if it must) when they
		 * come back: the guest there may still deactivate it itself until then. */
		if ((reg != VGIC_BITREG_ISACTIVER && reg != VGIC_BITREG_ICACTIVER) ||
		    irq->lr_owner == VGIC_VCPU_NONE)
			vgic_irq_hw_check(g, irq, was_live);
		kick |= vgic_irq_changed(g, irq, before);
	}
	return kick;
}

/* size bytes of priority (1 or 4), INTIDs first..first+size-1. */
uint32_t vgic_prio_read(struct vgic *g, unsigned vcpu, unsigned first, unsigned size)
{
	uint32_t val = 0;

	for (unsigned i = 0; i < size; i++) {
		const struct vgic_irq *irq = vgic_irq_get(g, vcpu, first + i);

		if (irq)
			val |= (uint32_t)irq->priority << (8 * i);
	}
	return val;
}

uint32_t vgic_prio_write(struct vgic *g, unsigned vcpu, unsigned first, unsigned size, uint32_t val)
{
	uint32_t kick = 0;

	for (unsigned i = 0; i < size; i++) {
		struct vgic_irq *irq = vgic_irq_get(g, vcpu, first + i);
		uint8_t prio = (uint8_t)(val >> (8 * i));

		if (!irq || irq->priority == prio)
			continue;
		irq->priority = prio;
		/* Deliverability is unchanged: only a stale LR copy needs a kick. */
		kick |= vgic_irq_changed(g, irq, vgic_irq_want_mask(g, irq));
	}
	return kick;
}

/* ICFGR<n>: 2 bits per interrupt, Int_config[1] = edge; INTIDs first..first+15. */
uint32_t vgic_cfg_read(struct vgic *g, unsigned vcpu, unsigned first)
{
	uint32_t val = 0;

	for (unsigned i = 0; i < 16; i++) {
		const struct vgic_irq *irq = vgic_irq_get(g, vcpu, first + i);

		if (irq && irq->edge)
			val |= (uint32_t)BIT(2 * i + 1);
	}
	return val;
}

uint32_t vgic_cfg_write(struct vgic *g, unsigned vcpu, unsigned first, uint32_t val)
{
	uint32_t kick = 0;

	for (unsigned i = 0; i < 16; i++) {
		struct vgic_irq *irq = vgic_irq_get(g, vcpu, first + i);
		bool edge = val & BIT(2 * i + 1);
		uint32_t before;

		/*
		 * SGIs are always edge-triggered (ICFGR0 is read-only). A linked
		 * interrupt follows its physical source (the timers' level outputs):
		 * its configuration is read-only too (IMPLEMENTATION DEFINED for PPIs).
		 */
		if (!irq || first + i < VGIC_NR_SGIS || irq->hw || irq->edge == edge)
			continue;
		before = vgic_irq_want_mask(g, irq);
		irq->edge = edge;
		kick |= vgic_irq_changed(g, irq, before);
	}
	return kick;
}

/* PIDR/CIDR at offsets 0xffd0..0xfffc of GICD and RD_base. */
bool vgic_id_read(uint64_t offset, uint32_t *val)
{
	if (offset < GIC_PIDR4 || offset >= GIC_IDREG_END)
		return false;
	if (offset >= GIC_CIDR0)
		*val = vgic_cidr[array_index_nospec((offset - GIC_CIDR0) / 4, 4)];
	else if (offset >= GIC_PIDR0)
		*val = vgic_pidr0_3[array_index_nospec((offset - GIC_PIDR0) / 4, 4)];
	else
		*val = vgic_pidr4_7[array_index_nospec((offset - GIC_PIDR4) / 4, 4)];
	return true;
}

uint32_t vgic_iidr(void)
{
	return (uint32_t)VGIC_PRODUCT_ID << GICD_IIDR_PRODUCTID_SHIFT;
}
