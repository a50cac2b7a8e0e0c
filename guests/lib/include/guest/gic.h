/*
 * A small GICv3 driver for test guests (Arm IHI 0069), and the runtime's IRQ
 * hook. Affinity routing (ARE) on, every interrupt in Group 1 (IRQ), the CPU
 * interface through the system registers (ICC_*_EL1), EOImode 0 unless a
 * guest asks for the split mode.
 *
 * Use: gic_init() once on the boot vCPU (distributor, its redistributor, its
 * CPU interface), gic_cpu_init() on every other vCPU before it expects an
 * interrupt, irq_set_handler() to install a handler, irq_enable() to unmask.
 *
 * Addresses come from the device tree's "arm,gic-v3" node (reg 0: GICD,
 * reg 1: the redistributor region), else keel's defaults below. Each vCPU's
 * redistributor is found by its MPIDR in GICR_TYPER.Affinity_Value.
 *
 * Functions taking an INTID act on the distributor for an SPI and on the
 * calling vCPU's redistributor for an SGI or PPI (the *_on variants name the
 * vCPU slot). Interrupt handlers run with PSTATE.I set on the interrupted
 * vCPU's stack; they must not print (the interrupted code may hold the
 * console mid-line) and must not take a synchronous exception.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_DEFAULT_GICD_BASE	0x08000000ULL
#define GIC_DEFAULT_GICR_BASE	0x080a0000ULL

#define GIC_NR_SGIS		16
#define GIC_PPI_BASE		16
#define GIC_SPI_BASE		32
#define GIC_INTID_SPURIOUS	1023	/* ICC_IAR1_EL1: nothing to acknowledge */
#define GIC_INTID_SPECIAL	1020	/* 1020..1023 are special INTIDs */
#define GIC_PRIO_DEFAULT	0xa0	/* what gic_init() gives every interrupt */
#define GIC_PRIO_MASK_NONE	0xff	/* ICC_PMR_EL1: let every priority through */

/* Distributor (GICD_*), offsets from the GICD base. */
#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IIDR		0x0008
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ICPENDR		0x0280
#define GICD_ISACTIVER		0x0300
#define GICD_ICACTIVER		0x0380
#define GICD_IPRIORITYR		0x0400
#define GICD_ICFGR		0x0c00
#define GICD_IROUTER		0x6000	/* 64-bit, INTID n at 0x6000 + 8n (n >= 32) */
#define GICD_PIDR2		0xffe8

#define GICD_CTLR_ENABLE_GRP1	(1u << 1)	/* EnableGrp1 (DS = 1), EnableGrp1A (NS) */
#define GICD_CTLR_ARE		(1u << 4)	/* ARE (DS = 1) / ARE_NS (NS view) */
#define GICD_CTLR_RWP		(1u << 31)
#define GICD_TYPER_ITLINES(t)	((t) & 0x1f)	/* ITLinesNumber: 32 * (N + 1) INTIDs */
#define GIC_PIDR2_ARCHREV(p)	(((p) >> 4) & 0xf)

#define GICD_IROUTER_IRM	(1ULL << 31)	/* Interrupt_Routing_Mode: any PE */

/* Redistributor: RD_base frame, then SGI_base frame. */
#define GICR_SGI_OFFSET		0x10000
#define GICR_FRAME_STRIDE	0x20000		/* without VLPIs; 0x40000 with */
#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008		/* 64-bit */
#define GICR_WAKER		0x0014
#define GICR_PIDR2		0xffe8
/* In the SGI_base frame, for INTIDs 0-31 (GICR_IGROUPR0, GICR_ISENABLER0, ...). */
#define GICR_IGROUPR0		0x0080
#define GICR_ISENABLER0		0x0100
#define GICR_ICENABLER0		0x0180
#define GICR_ISPENDR0		0x0200
#define GICR_ICPENDR0		0x0280
#define GICR_ISACTIVER0		0x0300
#define GICR_ICACTIVER0		0x0380
#define GICR_IPRIORITYR		0x0400
#define GICR_ICFGR0		0x0c00		/* SGIs: RO, edge */
#define GICR_ICFGR1		0x0c04		/* PPIs */

#define GICR_CTLR_RWP		(1u << 3)
#define GICR_TYPER_VLPIS	(1ULL << 1)
#define GICR_TYPER_LAST		(1ULL << 4)
#define GICR_TYPER_PROC_NUM(t)	(((t) >> 8) & 0xffff)	/* Processor_Number */
#define GICR_TYPER_AFFINITY(t)	((t) >> 32)		/* Aff3.Aff2.Aff1.Aff0 */
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)

/* ICC_SGI1R_EL1 fields. */
#define ICC_SGI1R_TARGETS(l)	((uint64_t)(l) & 0xffff)
#define ICC_SGI1R_AFF1(a)	((uint64_t)((a) & 0xff) << 16)
#define ICC_SGI1R_INTID(i)	((uint64_t)((i) & 0xf) << 24)
#define ICC_SGI1R_AFF2(a)	((uint64_t)((a) & 0xff) << 32)
#define ICC_SGI1R_IRM		(1ULL << 40)
#define ICC_SGI1R_RS(r)		((uint64_t)((r) & 0xf) << 44)
#define ICC_SGI1R_AFF3(a)	((uint64_t)((a) & 0xff) << 48)

#define ICC_SRE_EL1_SRE		(1u << 0)
#define ICC_CTLR_EL1_EOIMODE	(1u << 1)

/* ---------------------------------------------------------------- set-up */

/*
 * Boot vCPU, once: find the GIC, check GICD_PIDR2 says GICv3 (probed: an
 * abort means no GIC and returns false), find every vCPU's redistributor,
 * program the distributor (all SPIs Group 1, disabled, not pending, inactive,
 * GIC_PRIO_DEFAULT, routed to this vCPU; then ARE and EnableGrp1) and this
 * vCPU's redistributor and CPU interface (gic_cpu_init()).
 */
bool gic_init(void) __attribute__((warn_unused_result));
/*
 * Calling vCPU, after gic_init(): wake its redistributor (GICR_WAKER), make
 * SGIs and PPIs Group 1, disabled, not pending, inactive, GIC_PRIO_DEFAULT;
 * then ICC_SRE_EL1.SRE, PMR = 0xff, BPR1 = 0, EOImode 0, IGRPEN1 = 1.
 * False if the redistributor does not wake or SRE does not stick.
 */
bool gic_cpu_init(void) __attribute__((warn_unused_result));

uint64_t gic_dist_base(void);
/* RD_base / SGI_base frame of vCPU slot cpu (0 if it has none). */
uint64_t gic_redist_base(unsigned cpu);
uint64_t gic_sgi_base(unsigned cpu);
/* Redistributor frames in the region, up to the one with GICR_TYPER.Last. */
unsigned gic_redist_frames(void);
uint64_t gic_redist_frame(unsigned n);
/* INTIDs the distributor handles: 32 * (GICD_TYPER.ITLinesNumber + 1), at most 1020. */
unsigned gic_nr_irqs(void);

/* ---------------------------------------------------------------- one interrupt */

void gic_irq_enable(unsigned intid);
void gic_irq_disable(unsigned intid);
void gic_irq_set_pending(unsigned intid);
void gic_irq_clear_pending(unsigned intid);
void gic_irq_clear_active(unsigned intid);
void gic_irq_set_priority(unsigned intid, uint8_t prio);
/* Edge-triggered (true) or level-sensitive (false). SGIs are always edge. */
void gic_irq_set_edge(unsigned intid, bool edge);
/* SPI only: deliver to the vCPU whose MPIDR affinity is mpidr (IRM = 0). */
void gic_irq_route(unsigned intid, uint64_t mpidr);
bool gic_irq_is_enabled(unsigned intid);
bool gic_irq_is_pending(unsigned intid);
bool gic_irq_is_active(unsigned intid);

/* The same on vCPU slot cpu's redistributor (INTID < 32), or the distributor. */
void gic_irq_set_pending_on(unsigned cpu, unsigned intid);
bool gic_irq_is_pending_on(unsigned cpu, unsigned intid);
bool gic_irq_is_active_on(unsigned cpu, unsigned intid);

/* ---------------------------------------------------------------- CPU interface */

/* ICC_IAR1_EL1: acknowledge the highest-priority pending interrupt (1023: none). */
uint32_t gic_ack(void);
/* ICC_EOIR1_EL1: priority drop, and deactivation in EOImode 0. */
void gic_eoi(uint32_t intid);
/* ICC_DIR_EL1: deactivation (EOImode 1). */
void gic_deactivate(uint32_t intid);
/* ICC_CTLR_EL1.EOImode: true = EOIR only drops priority, DIR deactivates. */
void gic_set_eoi_split(bool split);
void gic_set_pmr(uint8_t pmr);
uint8_t gic_pmr(void);
/* ICC_RPR_EL1 (running priority; 0xff when idle), ICC_HPPIR1_EL1. */
uint8_t gic_running_priority(void);
uint32_t gic_highest_pending(void);

/* SGI intid (0-15) to vCPU slot cpu; to every vCPU but the caller (IRM = 1). */
void gic_send_sgi(unsigned intid, unsigned cpu);
void gic_send_sgi_others(unsigned intid);

/* ---------------------------------------------------------------- IRQ hook */

/*
 * irq_set_handler(fn): every IRQ exception acknowledges interrupts (IAR1)
 * until none is pending; for each, fn(intid) runs with the interrupt active,
 * then EOIR1 (which in EOImode 1 only drops the priority: fn or later code
 * must gic_deactivate()). NULL uninstalls: an IRQ is then an unexpected
 * exception again. Shared by all vCPUs.
 */
typedef void (*irq_handler_fn)(uint32_t intid);
void irq_set_handler(irq_handler_fn fn);

/* PSTATE.I. */
static inline void irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2; isb" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

/*
 * Wait for *flag to become non-zero or the deadline (CNTVCT) to pass, in WFI
 * with interrupts masked, unmasking them briefly after each wake-up so a
 * pending interrupt is taken without the race of WFI after an unmasked check.
 * Leaves interrupts masked. Returns the number of WFI returns, *ok whether
 * the flag was seen.
 */
unsigned irq_wait_flag(volatile uint32_t *flag, uint64_t deadline, bool *ok);

#endif
