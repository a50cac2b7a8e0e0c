/*
 * Virtual GICv3: the model's interrupts to and from the list registers
 * (ICH_LR<n>_EL2). See include/keel/vgic.h for the rules.
 */
#include <keel/vgic.h>

#define VGIC_LR_MAX_CANDIDATES (VGIC_NR_PRIVATE + VGIC_NR_SPIS)

/* The n-th interrupt vcpu may list: its SGIs/PPIs, then the SPIs. */
static struct vgic_irq *vgic_lr_nth(struct vgic *g, unsigned vcpu, unsigned n)
{
	return n < VGIC_NR_PRIVATE ? &g->cpu[vcpu].priv[n] : &g->spi[n - VGIC_NR_PRIVATE];
}

/* An LR that was filled but is not coming back: as if returned unchanged. */
static void vgic_lr_unlist(struct vgic_irq *irq)
{
	if (irq->lr_latched)
		irq->latch = true;
	irq->lr_latched = false;
	irq->lr_owner = VGIC_VCPU_NONE;
}

/* Unlist every interrupt still recorded in vcpu's LRs; the vCPUs to kick. */
static uint32_t vgic_lr_reclaim(struct vgic *g, unsigned vcpu)
{
	uint32_t kick = 0;

	for (unsigned n = 0; n < VGIC_LR_MAX_CANDIDATES; n++) {
		struct vgic_irq *irq = vgic_lr_nth(g, vcpu, n);

		if (irq->lr_owner != vcpu)
			continue;
		vgic_lr_unlist(irq);
		kick |= vgic_irq_want_mask(g, irq);
	}
	return kick & ~(uint32_t)BIT(vcpu);
}

/* ---------------------------------------------------------------- fill */

static bool vgic_lr_wants(const struct vgic *g, const struct vgic_irq *irq, unsigned vcpu)
{
	if (irq->lr_owner != VGIC_VCPU_NONE || vgic_irq_dest(irq) != vcpu)
		return false;
	return irq->active || vgic_irq_deliverable(g, irq);
}

/*
 * LR order: active interrupts first (one left out could never be
 * deactivated), then by priority (lower value first), then by INTID.
 */
static bool vgic_lr_before(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

static void vgic_lr_sort(struct vgic_irq **c, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct vgic_irq *x = c[i];
		unsigned j = i;

		for (; j > 0 && vgic_lr_before(x, c[j - 1]); j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
}

/* The LR value for irq, which moves into vcpu's LRs (its latch with it). */
static uint64_t vgic_lr_take(const struct vgic *g, struct vgic_irq *irq, unsigned vcpu)
{
	/* The hardware forbids Pending+Active with HW = 1. */
	bool pend = vgic_irq_deliverable(g, irq) && !(irq->hw && irq->active);
	uint64_t lr = irq->intid | (uint64_t)irq->priority << ICH_LR_PRIORITY_SHIFT;

	if (irq->group1)
		lr |= ICH_LR_GROUP;
	if (irq->active)
		lr |= ICH_LR_STATE_ACTIVE;
	if (pend)
		lr |= ICH_LR_STATE_PENDING;
	if (irq->hw)
		lr |= ICH_LR_HW | (((uint64_t)irq->hw_intid << ICH_LR_PINTID_SHIFT) & ICH_LR_PINTID_MASK);
	else if (!irq->edge && irq->line)
		lr |= ICH_LR_EOI;   /* resample the line when the guest deactivates it */
	irq->lr_owner = (uint8_t)vcpu;
	irq->lr_latched = pend && irq->latch;
	if (pend)
		irq->latch = false;
	return lr;
}

unsigned vgic_lr_fill(struct vgic *g, unsigned vcpu, uint64_t *lrs, unsigned nr_lrs, bool *more)
{
	struct vgic_irq *cand[VGIC_LR_MAX_CANDIDATES];
	unsigned n = 0, count;

	if (more)
		*more = false;
	if (vcpu >= g->nr_vcpus)
		return 0;
	(void)vgic_lr_reclaim(g, vcpu);
	for (unsigned i = 0; i < VGIC_LR_MAX_CANDIDATES; i++) {
		struct vgic_irq *irq = vgic_lr_nth(g, vcpu, i);

		if (vgic_lr_wants(g, irq, vcpu))
			cand[n++] = irq;
	}
	vgic_lr_sort(cand, n);
	count = MIN(n, nr_lrs);
	for (unsigned i = 0; i < count; i++)
		lrs[i] = vgic_lr_take(g, cand[i], vcpu);
	if (more)
		*more = n > nr_lrs;
	return count;
}

/* ---------------------------------------------------------------- sync */

/*
 * Pending: not acknowledged, the latch it took comes back. Active (or
 * Pending+Active): acknowledged, so the latch it took stays consumed.
 * Invalid: acknowledged and deactivated (for HW = 1, physically too).
 */
static void vgic_lr_fold(struct vgic_irq *irq, unsigned vcpu, uint64_t lr)
{
	if ((lr & ICH_LR_STATE_PENDING) && irq->lr_latched)
		irq->latch = true;
	irq->active = lr & ICH_LR_STATE_ACTIVE;
	if (irq->active)
		irq->active_vcpu = (uint8_t)vcpu;
	irq->lr_latched = false;
	irq->lr_owner = VGIC_VCPU_NONE;
}

uint32_t vgic_lr_sync(struct vgic *g, unsigned vcpu, const uint64_t *lrs, unsigned n)
{
	uint32_t kick = 0;

	if (vcpu >= g->nr_vcpus)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct vgic_irq *irq = vgic_irq_get(g, vcpu, (unsigned)(lrs[i] & ICH_LR_VINTID_MASK));

		/* Only what vgic_lr_fill() listed for vcpu (and only once). */
		if (!irq || irq->lr_owner != vcpu)
			continue;
		vgic_lr_fold(irq, vcpu, lrs[i]);
		kick |= vgic_irq_want_mask(g, irq);
	}
	kick |= vgic_lr_reclaim(g, vcpu);
	return kick & ~(uint32_t)BIT(vcpu);
}
