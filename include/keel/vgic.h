/*
 * Virtual GICv3 (Arm IHI 0069) as one VM sees it: distributor and
 * redistributor registers, interrupt state, SGI generation, and the
 * conversion to and from the hypervisor list registers (ICH_LR<n>_EL2).
 * Pure model: no hardware access. The guest's CPU interface is the
 * hardware's virtual CPU interface; keel's arch code moves interrupts
 * between this model and the list registers on every entry and exit.
 *
 * What the guest sees:
 *  - One distributor (VGIC_GICD_SIZE) and one 128 KiB redistributor per vCPU
 *    (RD_base, then SGI_base at +0x10000), vCPU i at i * VGIC_GICR_STRIDE.
 *    vCPU i has affinity Aff0 = i, Aff1 = Aff2 = Aff3 = 0 (keel's MPIDR).
 *  - INTIDs: SGIs 0-15 and PPIs 16-31 per vCPU, SPIs 32..VGIC_NR_IRQS-1.
 *    No LPIs, no ITS, no extended SPI/PPI ranges.
 *  - A single Security state: GICD_CTLR.DS = 1 and ARE = 1 (both RAO/WI),
 *    EnableGrp0 (bit 0) and EnableGrp1 (bit 1) writable, RWP always 0.
 *    GICD_TYPER: ITLinesNumber 3, IDbits 9 (10-bit INTIDs), CPUNumber 0
 *    (affinity routing cannot be disabled), LPIS 0, SecurityExtn 0,
 *    A3V 0, No1N 0, RSS 0. GICD_IIDR/GICR_IIDR: ProductID 0x6b ('k'),
 *    Variant 0, Revision 0, Implementer 0 (keel has no JEP106 code, so no
 *    Linux erratum workaround keyed on IIDR ever matches).
 *    ID registers: PIDR0 0x6b, PIDR1 0, PIDR2 0x30 (ArchRev 3, JEDEC 0),
 *    PIDR3 0, PIDR4 0x40 (64 KiB), PIDR5-7 0, CIDR0-3 0x0d 0xf0 0x05 0xb1,
 *    in GICD and in each RD_base frame.
 *  - Reset (vgic_init): everything disabled, inactive, not pending,
 *    priority 0, Group 0; SGIs edge (GICR_ICFGR0 reads 0xaaaaaaaa, RO),
 *    PPIs and SPIs level; GICD_IROUTER<n> = 0 (vCPU 0);
 *    GICR_WAKER.ProcessorSleep = 1 (ChildrenAsleep reads the same).
 *  - Priorities keep all 8 bits. Masking (PMR, running priority, group
 *    enables of the CPU interface) is the hardware's job: the model only
 *    orders by priority.
 *  - GICD_IROUTER<n>: Aff2.Aff1.Aff0 and Interrupt_Routing_Mode are kept;
 *    Aff3 is RAZ/WI (A3V = 0). IRM = 1 routes to vCPU 0 (a valid 1-of-N
 *    choice). A route naming no vCPU leaves the SPI pending, delivered to
 *    nobody, until a write names one.
 *  - RAZ/WI: the SGI/PPI part (INTIDs 0-31) of the distributor's banked
 *    registers (ARE = 1), registers for INTIDs >= VGIC_NR_IRQS, STATUSR,
 *    TYPER2, SETSPI/CLRSPI, ITARGETSR, IGRPMODR, NSACR, SGIR (WI),
 *    CPENDSGIR/SPENDSGIR, GICR_CTLR, GICR_STATUSR, PROPBASER, PENDBASER,
 *    the LPI registers, and every reserved offset. Writes to read-only
 *    registers are ignored.
 *
 * Accesses: naturally aligned; 32-bit everywhere; also 8-bit to
 * GICD_IPRIORITYR/ITARGETSR and GICR_IPRIORITYR0-7; also 64-bit to
 * GICD_IROUTER<n> and to the RD frame's 64-bit registers (GICR_TYPER,
 * PROPBASER, PENDBASER, SETLPIR, CLRLPIR, INVLPIR, INVALLR), whose 32-bit
 * halves are accessible too. Anything else, and any offset outside the
 * window, returns KE_INVAL (keel injects an abort).
 *
 * Interrupt state. Each interrupt has a pending latch (set by an edge,
 * GICD/GICR_ISPENDR, an SGI; cleared by ICPENDR or by the guest
 * acknowledging it) and an input line. Pending = latch, or for a
 * level-triggered interrupt latch | line. vgic_set_level() on an
 * edge-triggered interrupt latches on each rising edge; vgic_trigger_edge()
 * on a level-triggered one latches like ISPENDR.
 *
 * List registers. vgic_lr_fill() lists, for one vCPU, every active
 * interrupt (first, by priority, so its deactivation usually finds it in an
 * LR) and then every pending, enabled interrupt whose group is enabled in
 * GICD_CTLR, by priority (lower value first), ties by INTID; when active
 * interrupts alone fill every LR and one is pending, the highest-priority
 * pending one takes the last LR (see vgic_lr_eoi_count for the deactivation
 * of active interrupts left out). The pending
 * latch moves into the LR (so an edge is delivered once); the line of a
 * level interrupt stays in the model, and such an LR gets ICH_LR_EOI so
 * that the guest's deactivation raises a maintenance interrupt
 * (ICH_MISR_EL2.EOI): keel then exits, syncs and refills, and the still-high
 * line is pending again. vgic_lr_sync() folds the LRs back: Pending ->
 * the latch comes back; Active -> active (acknowledged: the latch stays
 * consumed); Invalid -> acknowledged and deactivated. An interrupt listed in
 * one vCPU's LRs is not listed for another until that vCPU syncs; an active
 * SPI is listed only for the vCPU that acknowledged it (see vgic_irq).
 * A register write by one vCPU to an interrupt another running vCPU holds
 * in its LRs kicks the holder and takes effect when it syncs; ICPENDR also
 * withdraws the latch listed there. An ISACTIVER/ICACTIVER write is ordered
 * after whatever the holder's guest did in its LRs until that sync: the
 * written active state wins there (active_write), so a set followed by a clear
 * always ends inactive.
 *
 * Hardware-linked interrupts (vgic_link_hw, e.g. the virtual timer PPI).
 * keel acknowledges the physical interrupt, leaves it active, and injects
 * the virtual one with vgic_set_level(true) or vgic_trigger_edge(): both
 * just set the pending latch (the line is not tracked: while the physical
 * interrupt is active it cannot fire again, and when it fires again keel
 * injects again). vgic_set_level(false) withdraws a latch not yet listed.
 * The LR carries HW = 1 and the pINTID, never Pending+Active (the hardware
 * forbids it: an active HW interrupt with the latch set is listed Active
 * only; the latch is listed after the guest deactivates it, at the next
 * fill), and no EOI bit. The guest's deactivation through the LR also
 * deactivates the physical interrupt, so an Invalid LR at sync means both are
 * inactive. Whenever a linked interrupt leaves the pending and active states
 * by any other path (ICPENDR, ICACTIVER, vgic_set_level(false)), the
 * physical interrupt would stay active forever: the model calls the
 * hw_deactivate callback with the vCPU (for an SPI, its route, possibly
 * VGIC_VCPU_NONE) and pINTID so keel deactivates it (ICC_DIR_EL1).
 * The guest's register writes to a linked interrupt, from any vCPU, whether
 * the target runs or not:
 *  - ISENABLER/ICENABLER, IPRIORITYR, IGROUPR: the virtual interrupt's; a
 *    disabled one is not listed, its latch waits (the physical interrupt
 *    stays active, so it cannot fire meanwhile).
 *  - ISPENDR: sets the latch; listed (HW = 1) like a firing; the guest's
 *    deactivation then deactivates an inactive physical interrupt, harmless.
 *  - ICPENDR: withdraws the latch; the physical interrupt is deactivated
 *    unless the virtual one is active, so the source can fire again.
 *  - ISACTIVER: virtual active (the physical state is left alone: if the
 *    source fires meanwhile keel holds its latch until the virtual one is
 *    deactivated, as for any active linked interrupt).
 *  - ICACTIVER: virtual inactive, and the physical one deactivated unless
 *    the latch is still set (KVM does the same: the write acts on both).
 *  - ICFGR: read-only: level for a PPI (the timers' outputs are levels;
 *    writable PPI configuration is IMPLEMENTATION DEFINED), the physical
 *    trigger for an SPI (vgic_link_hw_spi: the device tree's, which keel
 *    programs in the physical GICD_ICFGR). Writes are ignored.
 * A linked SPI (a passed-through device's, vgic_link_hw_spi) also has a
 * physical route and enable that follow the virtual ones: whenever the guest
 * changes its GICD_IROUTER target or its enable (ISENABLER/ICENABLER), the
 * model calls hw_spi_config with the pINTID, the new target (a vCPU index, or
 * VGIC_VCPU_NONE for a route naming none) and the enable, so keel routes the
 * physical SPI to the physical CPU of that vCPU and enables or disables it.
 * An active SPI stays listed for the vCPU that acknowledged it (the physical
 * one is active there too); only its next firing goes to the new target.
 * vgic_hw_spi_get() reads that state (for keel to program the hardware when
 * the VM starts, and to keep an injection not yet taken when it stops).
 *
 * Kicks. Every call that can make an interrupt deliverable reports in
 * *kick (may be NULL) a bitmask of vCPU indices (bit i = vCPU i) that must
 * re-examine their interrupts: the vCPU an interrupt has just become
 * deliverable to, and the vCPU whose LRs hold an interrupt that changed.
 * The bit of the calling vCPU may be set; keel skips sending itself an SGI.
 *
 * Locking: none. The caller holds a per-VM lock around every call, and
 * syncs a vCPU's LRs before it handles that vCPU's MMIO or SGI traps.
 */
#ifndef KEEL_VGIC_H
#define KEEL_VGIC_H

#include <keel/types.h>

#define VGIC_MAX_VCPUS     8
#define VGIC_NR_SGIS       16
#define VGIC_NR_PRIVATE    32      /* SGIs + PPIs */
#define VGIC_NR_IRQS       128     /* GICD_TYPER.ITLinesNumber = 3 */
#define VGIC_NR_SPIS       (VGIC_NR_IRQS - VGIC_NR_PRIVATE)
#define VGIC_GICD_SIZE     0x10000
#define VGIC_GICR_STRIDE   0x20000 /* RD_base + SGI_base frames */
#define VGIC_GICR_SGI_BASE 0x10000
#define VGIC_VCPU_NONE     0xff

/* ICH_LR<n>_EL2 */
#define ICH_LR_VINTID_MASK    GENMASK(31, 0)
#define ICH_LR_PINTID_SHIFT   32
#define ICH_LR_PINTID_MASK    GENMASK(44, 32)
#define ICH_LR_EOI            BIT(41)     /* HW == 0: maintenance IRQ on deactivation */
#define ICH_LR_PRIORITY_SHIFT 48
#define ICH_LR_PRIORITY_MASK  GENMASK(55, 48)
#define ICH_LR_GROUP          BIT(60)
#define ICH_LR_HW             BIT(61)
#define ICH_LR_STATE_SHIFT    62
#define ICH_LR_STATE_MASK     GENMASK(63, 62)
#define ICH_LR_STATE_PENDING  BIT(62)
#define ICH_LR_STATE_ACTIVE   BIT(63)

/* ICC_SGI1R_EL1 / ICC_SGI0R_EL1 / ICC_ASGI1R_EL1 */
#define ICC_SGIR_TARGETLIST_MASK GENMASK(15, 0)
#define ICC_SGIR_AFF1_SHIFT      16
#define ICC_SGIR_INTID_SHIFT     24
#define ICC_SGIR_AFF2_SHIFT      32
#define ICC_SGIR_IRM             BIT(40)
#define ICC_SGIR_RS_SHIFT        44
#define ICC_SGIR_AFF3_SHIFT      48

/*
 * One interrupt. Private interrupts have target = active_vcpu = their vCPU.
 * An SPI is listed for active_vcpu while active (the vCPU that acknowledged
 * it must deactivate it), otherwise for target (from GICD_IROUTER).
 */
struct vgic_irq {
	uint32_t hw_intid;     /* pINTID when hw */
	uint16_t intid;
	uint8_t priority;
	uint8_t target;        /* vCPU index or VGIC_VCPU_NONE */
	uint8_t active_vcpu;
	uint8_t lr_owner;      /* vCPU whose LRs hold it, or VGIC_VCPU_NONE */
	bool enabled;
	bool group1;
	bool edge;             /* ICFGR: edge-triggered */
	bool line;             /* input level */
	bool latch;            /* pending latch */
	bool active;
	bool hw;
	bool lr_latched;       /* the latch went into lr_owner's LR */
	uint8_t cand_vcpu;     /* vCPU whose lr_cand has its bit, or VGIC_VCPU_NONE */
	uint8_t active_write;  /* VGIC_ACTIVE_WRITE_*: ISACTIVER/ICACTIVER while lr_owner holds it */
};

/* The last active-state write made while another vCPU's LRs held the interrupt. */
#define VGIC_ACTIVE_WRITE_NONE  0
#define VGIC_ACTIVE_WRITE_SET   1
#define VGIC_ACTIVE_WRITE_CLEAR 2

#define VGIC_NR_WORDS (VGIC_NR_IRQS / 32)   /* 32-bit words of a per-INTID bitmap */

/*
 * Bookkeeping that keeps list register work proportional to the
 * interrupts in flight (bit n of a bitmap = INTID n: word 0 this vCPU's
 * SGIs/PPIs, words 1-3 the SPIs):
 *  - lr_listed: bit set exactly when that interrupt's lr_owner is this vCPU.
 *  - lr_cand: bit set exactly when the interrupt's cand_vcpu is this vCPU,
 *    which vgic_irq_track() sets to vgic_irq_dest() when that is a vCPU and
 *    the interrupt is active, or pending and enabled; VGIC_VCPU_NONE
 *    otherwise. Every interrupt a fill may list, or that has_pending may
 *    report, is in its vCPU's lr_cand; the group enables (GICD_CTLR) and
 *    lr_owner are checked when the bits are read.
 * Whatever changes active, active_vcpu, target, latch, line, edge, hw or
 * enabled calls vgic_irq_track() (vgic_irq_changed() does) before returning.
 */
struct vgic_cpu {
	struct vgic_irq priv[VGIC_NR_PRIVATE];
	uint32_t lr_listed[VGIC_NR_WORDS];
	uint32_t lr_cand[VGIC_NR_WORDS];
	bool processor_sleep;  /* GICR_WAKER.ProcessorSleep */
};

/*
 * What the model asks of keel for hardware-linked interrupts (either may be NULL):
 * deactivate is the hw_deactivate callback, spi_config the hw_spi_config one (above).
 */
struct vgic_hw_ops {
	void (*deactivate)(void *ctx, unsigned vcpu, uint32_t pintid);
	void (*spi_config)(void *ctx, uint32_t pintid, unsigned vcpu, bool enabled);
};

struct vgic {
	unsigned nr_vcpus;
	uint32_t ctlr;                     /* GICD_CTLR EnableGrp0/1 */
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
	struct vgic_irq spi[VGIC_NR_SPIS];
	uint64_t irouter[VGIC_NR_SPIS];
	const struct vgic_hw_ops *hw;      /* keel's side of hardware links, or NULL */
	void *hw_ctx;
};

/*
 * Reset state for nr_vcpus (1..VGIC_MAX_VCPUS) vCPUs; KE_INVAL otherwise.
 * Clears hardware links and keel's callbacks (vgic_set_hw_ops).
 */
must_check int vgic_init(struct vgic *g, unsigned nr_vcpus);

/* Size of the redistributor window: nr_vcpus * VGIC_GICR_STRIDE. */
uint64_t vgic_redist_size(const struct vgic *g);

/* Guest MMIO, offset relative to the window base. 0 or KE_INVAL. */
must_check int vgic_dist_read(struct vgic *g, uint64_t offset, unsigned size, uint64_t *val);
must_check int vgic_dist_write(struct vgic *g, uint64_t offset, unsigned size, uint64_t val,
			       uint32_t *kick);
must_check int vgic_redist_read(struct vgic *g, uint64_t offset, unsigned size, uint64_t *val);
must_check int vgic_redist_write(struct vgic *g, uint64_t offset, unsigned size, uint64_t val,
				 uint32_t *kick);

/*
 * Interrupt sources. vcpu names the vCPU for SGIs/PPIs and is ignored for
 * SPIs. KE_INVAL for intid >= VGIC_NR_IRQS, a private intid with
 * vcpu >= nr_vcpus, and (vgic_set_level only) SGIs, which have no line.
 */
must_check int vgic_set_level(struct vgic *g, unsigned vcpu, unsigned intid, bool level,
			      uint32_t *kick);
must_check int vgic_trigger_edge(struct vgic *g, unsigned vcpu, unsigned intid, uint32_t *kick);

/*
 * A trapped write of value to ICC_SGI1R_EL1 (group0 false) or to
 * ICC_SGI0R_EL1 / ICC_ASGI1R_EL1 (group0 true) by vCPU src_vcpu. With
 * GICD_CTLR.DS = 1 (IHI 0069, "Forwarding an SGI to a target PE"), SGI0R
 * and ASGI1R set the SGI pending only on targets where it is Group 0;
 * SGI1R sets it pending whatever its group. IRM = 1 targets every vCPU but
 * the sender; otherwise vCPU i is a target when Aff3.Aff2.Aff1 = 0.0.0 and
 * TargetList bit (i - 16 * RS) is set. Any value is accepted; KE_INVAL
 * only for src_vcpu >= nr_vcpus.
 */
must_check int vgic_sgi_generate(struct vgic *g, unsigned src_vcpu, uint64_t value, bool group0,
				 uint32_t *kick);

/*
 * Link virtual PPI/SPI intid (vcpu ignored for SPIs) to physical INTID
 * pintid (16..1019) so its LRs carry HW = 1. Unlinking does not call
 * hw_deactivate: keel owns the physical interrupt it unlinks.
 */
must_check int vgic_link_hw(struct vgic *g, unsigned vcpu, unsigned intid, uint32_t pintid);
must_check int vgic_unlink_hw(struct vgic *g, unsigned vcpu, unsigned intid);
/* keel's hw_deactivate and hw_spi_config callbacks (ops may be NULL), called with ctx. */
void vgic_set_hw_ops(struct vgic *g, const struct vgic_hw_ops *ops, void *ctx);
/*
 * Link virtual SPI intid (VGIC_NR_PRIVATE..VGIC_NR_IRQS-1) to physical SPI pintid
 * (32..1019) with its trigger (edge: rising edge, else level); ICFGR then reads
 * that trigger. KE_INVAL for anything else.
 */
must_check int vgic_link_hw_spi(struct vgic *g, unsigned intid, uint32_t pintid, bool edge);
/* A linked SPI's state as the guest configured it. */
struct vgic_hw_spi_state {
	unsigned target;      /* vCPU index, or VGIC_VCPU_NONE */
	bool enabled;
	bool injected;        /* pending, not yet acknowledged by the guest */
	bool active;
};
/* KE_INVAL unless intid is a linked SPI. */
must_check int vgic_hw_spi_get(const struct vgic *g, unsigned intid, struct vgic_hw_spi_state *st);

/*
 * On guest entry: up to nr_lrs ICH_LR<n>_EL2 values for vcpu (returns how
 * many; the caller writes the rest of its LRs as 0). *more (may be NULL) is
 * set when interrupts that want an LR did not fit: keel then sets
 * ICH_HCR_EL2.UIE. Filling again without a sync first treats the earlier
 * LRs as returned unchanged.
 */
unsigned vgic_lr_fill(struct vgic *g, unsigned vcpu, uint64_t *lrs, unsigned nr_lrs, bool *more);

/*
 * On guest exit: the n values read back from the LRs vgic_lr_fill() filled
 * (in any order). LRs naming an interrupt the model did not list for vcpu
 * are ignored. Returns the vCPUs to kick: an SPI listed here that is
 * pending again but now routed elsewhere (the return value may be ignored
 * when routes do not change under a running vCPU).
 */
uint32_t vgic_lr_sync(struct vgic *g, unsigned vcpu, const uint64_t *lrs, unsigned n);

/* Whether vcpu has a pending interrupt to list (e.g. to end a trapped WFI). */
bool vgic_vcpu_has_pending(const struct vgic *g, unsigned vcpu);

/*
 * More interrupts active than list registers. vgic_lr_fill() lists active
 * interrupts first, by priority, so those left out are the lowest-priority
 * ones. A guest deactivation that finds no LR (an EOI with EOImode 0, or
 * ICC_DIR_EL1) only counts in ICH_HCR_EL2.EOIcount. keel avoids the guess
 * where it can by trapping ICC_DIR_EL1 (ICH_HCR_EL2.TDIR) while
 * vgic_vcpu_active_unlisted(): vgic_deactivate() then gets the INTID. For
 * EOIcount, vgic_lr_eoi_count() deactivates, in LR order, the first count
 * active interrupts no LR holds: with EOImode 0 the guest must end the
 * highest-priority active interrupt, and every listed one has a higher
 * priority than the unlisted ones.
 * vgic_vcpu_active_unlisted() is called right after a fill, vgic_lr_eoi_count()
 * before the sync of the LRs that fill gave (so the listed ones are known),
 * vgic_deactivate() after it; the last two return the vCPUs to kick.
 */
bool vgic_vcpu_active_unlisted(struct vgic *g, unsigned vcpu);   /* after a fill */
/* After a fill: a pending interrupt did not fit (keel sets ICH_HCR_EL2.NPIE to refill). */
bool vgic_vcpu_pending_unlisted(struct vgic *g, unsigned vcpu);
uint32_t vgic_lr_eoi_count(struct vgic *g, unsigned vcpu, unsigned count);
uint32_t vgic_deactivate(struct vgic *g, unsigned vcpu, unsigned intid);

/* ---------------------------------------------------------------- internal
 * Shared by src/devices/vgic*.c only.
 */

/* GICD_CTLR */
#define GICD_CTLR_ENABLE_GRP0 BIT(0)
#define GICD_CTLR_ENABLE_GRP1 BIT(1)
#define GICD_CTLR_ARE         BIT(4)
#define GICD_CTLR_DS          BIT(6)

/* The 1-bit-per-interrupt registers, in the order of their frame offsets. */
enum vgic_bitreg {
	VGIC_BITREG_IGROUPR,
	VGIC_BITREG_ISENABLER,
	VGIC_BITREG_ICENABLER,
	VGIC_BITREG_ISPENDR,
	VGIC_BITREG_ICPENDR,
	VGIC_BITREG_ISACTIVER,
	VGIC_BITREG_ICACTIVER,
};

#define VGIC_BITREG_BASE   0x0080   /* GICD_IGROUPR<n> / GICR_IGROUPR0 */
#define VGIC_BITREG_STRIDE 0x0080
#define VGIC_BITREG_END    0x0400

/* Bit index of the lowest set bit of word != 0 (RBIT + CLZ: no SIMD, unlike popcount). */
static inline unsigned vgic_lowest_bit(uint32_t word)
{
	return (unsigned)__builtin_ctz(word);
}

/* Whether a per-INTID bitmap (VGIC_NR_WORDS words) has no bit set. */
static inline bool vgic_bitmap_empty(const uint32_t *map)
{
	uint32_t any = 0;

	for (unsigned w = 0; w < VGIC_NR_WORDS; w++)
		any |= map[w];
	return any == 0;
}

/* Inline: the fill, sync and SGI paths test these on every interrupt they touch. */
static inline bool vgic_irq_pending(const struct vgic_irq *irq)
{
	/* A linked interrupt's line is the physical one: only the latch counts. */
	return irq->latch || (!irq->edge && !irq->hw && irq->line);
}

static inline bool vgic_group_enabled(uint32_t ctlr, const struct vgic_irq *irq)
{
	return ctlr & (irq->group1 ? GICD_CTLR_ENABLE_GRP1 : GICD_CTLR_ENABLE_GRP0);
}

static inline bool vgic_irq_deliverable_with(uint32_t ctlr, const struct vgic_irq *irq)
{
	return vgic_irq_pending(irq) && irq->enabled && vgic_group_enabled(ctlr, irq);
}

static inline bool vgic_irq_deliverable(const struct vgic *g, const struct vgic_irq *irq)
{
	return vgic_irq_deliverable_with(g->ctlr, irq);
}

static inline unsigned vgic_irq_dest(const struct vgic_irq *irq)
{
	return irq->active ? irq->active_vcpu : irq->target;
}

/* Whether irq may want an LR at its destination, whatever GICD_CTLR and lr_owner say. */
static inline bool vgic_irq_candidate(const struct vgic_irq *irq)
{
	return irq->active || (irq->enabled && vgic_irq_pending(irq));
}

/* Puts irq's bit in the lr_cand bitmap of the vCPU it is a candidate for, if any. */
/* Inline: every state change of an interrupt ends here. */
static inline void vgic_irq_track(struct vgic *g, struct vgic_irq *irq)
{
	unsigned dest = vgic_irq_dest(irq), word = irq->intid / 32;
	uint32_t bit = (uint32_t)BIT(irq->intid % 32);
	unsigned cand = dest < g->nr_vcpus && vgic_irq_candidate(irq) ? dest : VGIC_VCPU_NONE;

	/* cand_vcpu is the one vCPU whose lr_cand has the bit: unchanged, nothing to move. */
	if (cand == irq->cand_vcpu)
		return;
	if (irq->cand_vcpu != VGIC_VCPU_NONE)
		g->cpu[irq->cand_vcpu].lr_cand[word] &= ~bit;
	if (cand != VGIC_VCPU_NONE)
		g->cpu[cand].lr_cand[word] |= bit;
	irq->cand_vcpu = (uint8_t)cand;
}

struct vgic_irq *vgic_irq_get(struct vgic *g, unsigned vcpu, unsigned intid);
uint32_t vgic_irq_want_mask(const struct vgic *g, const struct vgic_irq *irq);
uint32_t vgic_irq_changed(struct vgic *g, struct vgic_irq *irq, uint32_t before);
void vgic_irq_hw_check(struct vgic *g, struct vgic_irq *irq, bool was_live);
void vgic_irq_hw_spi_notify(struct vgic *g, const struct vgic_irq *irq);
void vgic_irq_apply_active_write_slow(struct vgic *g, struct vgic_irq *irq);
/* Tested inline: an active-state write while another vCPU held the interrupt is rare. */
static inline void vgic_irq_apply_active_write(struct vgic *g, struct vgic_irq *irq)
{
	if (irq->active_write != VGIC_ACTIVE_WRITE_NONE)
		vgic_irq_apply_active_write_slow(g, irq);
}
uint32_t vgic_irq_deactivate(struct vgic *g, struct vgic_irq *irq);
uint32_t vgic_ctlr_write(struct vgic *g, uint32_t val);

uint32_t vgic_bitreg_read(struct vgic *g, unsigned vcpu, unsigned first, enum vgic_bitreg reg);
uint32_t vgic_bitreg_write(struct vgic *g, unsigned vcpu, unsigned first, enum vgic_bitreg reg,
			   uint32_t val);
uint32_t vgic_prio_read(struct vgic *g, unsigned vcpu, unsigned first, unsigned size);
uint32_t vgic_prio_write(struct vgic *g, unsigned vcpu, unsigned first, unsigned size, uint32_t val);
uint32_t vgic_cfg_read(struct vgic *g, unsigned vcpu, unsigned first);
uint32_t vgic_cfg_write(struct vgic *g, unsigned vcpu, unsigned first, uint32_t val);
bool vgic_id_read(uint64_t offset, uint32_t *val);
uint32_t vgic_iidr(void);

#endif
