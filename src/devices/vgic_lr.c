/*
 * Virtual GICv3: the model's interrupts to and from the list registers
 * (ICH_LR<n>_EL2). See include/keel/vgic.h for the rules.
 */
#include <keel/nospec.h>
#include <keel/vgic.h>

#define VGIC_LR_MAX_CANDIDATES (VGIC_NR_PRIVATE + VGIC_NR_SPIS)

/* The interrupt with INTID intid that vcpu may list (intid < VGIC_NR_IRQS). */
static struct vgic_irq *vgic_lr_irq(struct vgic *g, unsigned vcpu, unsigned intid)
{
	return intid < VGIC_NR_PRIVATE ? &g->cpu[vcpu].priv[intid] : &g->spi[intid - VGIC_NR_PRIVATE];
}

/* irq leaves vcpu's LRs. */
static void vgic_lr_release(struct vgic *g, struct vgic_irq *irq, unsigned vcpu)
{
	g->cpu[vcpu].lr_listed[irq->intid / 32] &= ~(uint32_t)BIT(irq->intid % 32);
	irq->lr_latched = false;
	irq->lr_owner = VGIC_VCPU_NONE;
	vgic_irq_track(g, irq);
}

/* An LR that was filled but is not coming back: as if returned unchanged. */
static void vgic_lr_unlist(struct vgic *g, struct vgic_irq *irq, unsigned vcpu)
{
	if (irq->lr_latched)
		irq->latch = true;
	vgic_lr_release(g, irq, vcpu);
	vgic_irq_apply_active_write(g, irq);
}

/* Unlist every interrupt still recorded in vcpu's LRs; the vCPUs to kick. */
static __attribute__((noinline)) uint32_t vgic_lr_reclaim_all(struct vgic *g, unsigned vcpu)
{
	uint32_t kick = 0;

	for (unsigned w = 0; w < VGIC_NR_WORDS; w++)
		for (uint32_t set = g->cpu[vcpu].lr_listed[w]; set; set &= set - 1) {
			struct vgic_irq *irq = vgic_lr_irq(g, vcpu, 32 * w + vgic_lowest_bit(set));

			vgic_lr_unlist(g, irq, vcpu);
			kick |= vgic_irq_want_mask(g, irq);
		}
	return kick & ~(uint32_t)BIT(vcpu);
}

/*
 * The common case: a sync has just folded every LR back, so lr_listed is empty and there
 * is nothing to unlist (lr_listed holds exactly the interrupts whose lr_owner is vcpu).
 * Tested inline: the out-of-line walk's frame was every fill's and every sync's.
 */
static inline uint32_t vgic_lr_reclaim(struct vgic *g, unsigned vcpu)
{
	if (vgic_bitmap_empty(g->cpu[vcpu].lr_listed))
		return 0;
	return vgic_lr_reclaim_all(g, vcpu);
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

/*
 * Offer x to best[0..*n), the first interrupts in LR order seen so far,
 * sorted, at most max of them (max > 0).
 */
static void vgic_lr_select(struct vgic_irq **best, unsigned *n, unsigned max, struct vgic_irq *x)
{
	unsigned j = *n;

	if (j == max) {
		if (!vgic_lr_before(x, best[max - 1]))
			return;
		j--;   /* x replaces the last one */
	} else {
		(*n)++;
	}
	for (; j > 0 && vgic_lr_before(x, best[j - 1]); j--)
		best[j] = best[j - 1];
	best[j] = x;
}

/* The first pending, not active interrupt vcpu's LRs want, in LR order (rare: a second scan). */
/* Out of line: keeps the fill loop as lean as it was. */
static __attribute__((noinline)) bool vgic_lr_first_pending(struct vgic *g, unsigned vcpu, struct vgic_irq **first)
{
	*first = NULL;
	for (unsigned w = 0; w < VGIC_NR_WORDS; w++)
		for (uint32_t set = g->cpu[vcpu].lr_cand[w]; set; set &= set - 1) {
			struct vgic_irq *irq = vgic_lr_irq(g, vcpu, 32 * w + vgic_lowest_bit(set));

			if (!irq->active && vgic_lr_wants(g, irq, vcpu) &&
			    (!*first || vgic_lr_before(irq, *first)))
				*first = irq;
		}
	return *first != NULL;
}

/* The LR value for irq, which moves into vcpu's LRs (its latch with it). */
static uint64_t vgic_lr_take(struct vgic *g, struct vgic_irq *irq, unsigned vcpu)
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
	g->cpu[vcpu].lr_listed[irq->intid / 32] |= (uint32_t)BIT(irq->intid % 32);
	vgic_irq_track(g, irq);
	return lr;
}

unsigned vgic_lr_fill(struct vgic *g, unsigned vcpu, uint64_t *lrs, unsigned nr_lrs, bool *more)
{
	struct vgic_irq *best[VGIC_LR_MAX_CANDIDATES], *first_pending;
	unsigned max = MIN(nr_lrs, VGIC_LR_MAX_CANDIDATES), wanted = 0, count = 0;

	if (more)
		*more = false;
	if (vcpu >= g->nr_vcpus)
		return 0;
	(void)vgic_lr_reclaim(g, vcpu);
	for (unsigned w = 0; w < VGIC_NR_WORDS; w++)
		for (uint32_t set = g->cpu[vcpu].lr_cand[w]; set; set &= set - 1) {
			struct vgic_irq *irq = vgic_lr_irq(g, vcpu, 32 * w + vgic_lowest_bit(set));

			if (!vgic_lr_wants(g, irq, vcpu))
				continue;
			wanted++;
			if (max)
				vgic_lr_select(best, &count, max, irq);
		}
	/*
	 * Active interrupts fill every LR and one is pending: it takes the last LR
	 * from the lowest-priority active one, or it could never be delivered
	 * (the guest may be waiting for it before it deactivates anything). keel
	 * learns of that active one's deactivation through ICC_DIR_EL1 traps or
	 * EOIcount (vgic_deactivate, vgic_lr_eoi_count).
	 */
	if (count && wanted > count && best[count - 1]->active &&
	    vgic_lr_first_pending(g, vcpu, &first_pending))
		best[count - 1] = first_pending;
	for (unsigned i = 0; i < count; i++)
		lrs[i] = vgic_lr_take(g, best[i], vcpu);
	if (more)
		*more = wanted > nr_lrs;
	return count;
}

/* ---------------------------------------------------------------- active, unlisted */

/* The first (at most max) active interrupts of vcpu that no LR holds, in LR order. */
static unsigned vgic_lr_unlisted(struct vgic *g, unsigned vcpu, struct vgic_irq **best,
				 unsigned max)
{
	unsigned count = 0;

	for (unsigned w = 0; w < VGIC_NR_WORDS; w++)
		for (uint32_t set = g->cpu[vcpu].lr_cand[w]; set; set &= set - 1) {
			struct vgic_irq *irq = vgic_lr_irq(g, vcpu, 32 * w + vgic_lowest_bit(set));

			if (irq->active && irq->lr_owner == VGIC_VCPU_NONE && vgic_irq_dest(irq) == vcpu)
				vgic_lr_select(best, &count, max, irq);
		}
	return count;
}

bool vgic_vcpu_pending_unlisted(struct vgic *g, unsigned vcpu)
{
	struct vgic_irq *first;

	return vcpu < g->nr_vcpus && vgic_lr_first_pending(g, vcpu, &first);
}

bool vgic_vcpu_active_unlisted(struct vgic *g, unsigned vcpu)
{
	struct vgic_irq *first;

	return vcpu < g->nr_vcpus && vgic_lr_unlisted(g, vcpu, &first, 1);
}

uint32_t vgic_lr_eoi_count(struct vgic *g, unsigned vcpu, unsigned count)
{
	struct vgic_irq *best[VGIC_LR_MAX_CANDIDATES];
	uint32_t kick = 0;
	unsigned n;

	if (vcpu >= g->nr_vcpus || count == 0)
		return 0;
	n = vgic_lr_unlisted(g, vcpu, best, MIN(count, (unsigned)VGIC_LR_MAX_CANDIDATES));
	for (unsigned i = 0; i < n; i++)
		kick |= vgic_irq_deactivate(g, best[i]);
	return kick;
}

/* ---------------------------------------------------------------- sync */

/*
 * Pending: not acknowledged, the latch it took comes back. Active (or
 * Pending+Active): acknowledged, so the latch it took stays consumed.
 * Invalid: acknowledged and deactivated (for HW = 1, physically too).
 */
static void vgic_lr_fold(struct vgic *g, struct vgic_irq *irq, unsigned vcpu, uint64_t lr)
{
	if ((lr & ICH_LR_STATE_PENDING) && irq->lr_latched)
		irq->latch = true;
	irq->active = lr & ICH_LR_STATE_ACTIVE;
	if (irq->active)
		irq->active_vcpu = (uint8_t)vcpu;
	vgic_lr_release(g, irq, vcpu);
	vgic_irq_apply_active_write(g, irq);
}

uint32_t vgic_lr_sync(struct vgic *g, unsigned vcpu, const uint64_t *lrs, unsigned n)
{
	uint32_t kick = 0;

	if (vcpu >= g->nr_vcpus)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned intid = (unsigned)(lrs[i] & ICH_LR_VINTID_MASK);
		struct vgic_irq *irq;

		/*
		 * Only what vgic_lr_fill() listed for vcpu (and only once): its lr_listed bit,
		 * which is set exactly while lr_owner is vcpu. Tested on the bitmap, bounds
		 * first, so no lookup (and no speculation barrier) is needed for an INTID
		 * that was not listed.
		 */
		if (intid >= VGIC_NR_IRQS || !(g->cpu[vcpu].lr_listed[intid / 32] & BIT(intid % 32)))
			continue;
		irq = vgic_lr_irq(g, vcpu, (unsigned)array_index_nospec(intid, VGIC_NR_IRQS));
		vgic_lr_fold(g, irq, vcpu, lrs[i]);
		/* A private interrupt's destination is vcpu itself, which is never kicked. */
		if (intid >= VGIC_NR_PRIVATE)
			kick |= vgic_irq_want_mask(g, irq);
	}
	kick |= vgic_lr_reclaim(g, vcpu);
	return kick & ~(uint32_t)BIT(vcpu);
}
