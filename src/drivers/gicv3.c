/* Physical GICv3 driver: distributor, this CPU's redistributor, system-register CPU interface. */
#include <keel/drivers/gicv3.h>
#include <keel/arch/sysreg.h>
#include <keel/spinlock.h>

#define GICD_CTLR            0x0000
#define GICD_CTLR_ENABLE_G1NS BIT(1)
#define GICD_CTLR_ARE_NS     BIT(4)
#define GICD_CTLR_RWP        BIT(31)

#define GICR_FRAME_SIZE      0x20000     /* RD_base + SGI_base */
#define GICR_WAKER           0x0014
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_TYPER           0x0008
#define GICR_TYPER_LAST      BIT(4)
#define GICR_TYPER_VLPIS     BIT(1)
#define GICR_SGI_BASE        0x10000
#define GICR_IGROUPR0        0x0080
#define GICR_ISENABLER0      0x0100
#define GICR_ICACTIVER0      0x0380
#define GICR_IPRIORITYR      0x0400
#define GICD_TYPER           0x0004
#define GICD_TYPER_ITLINES   GENMASK(4, 0)   /* 32 * (ITLinesNumber + 1) INTIDs */
#define GICD_IGROUPR         0x0080
#define GICD_ISENABLER       0x0100
#define GICD_ICENABLER       0x0180
#define GICD_ISPENDR         0x0200
#define GICD_ICACTIVER       0x0380
#define GICD_IPRIORITYR      0x0400
#define GICD_ICFGR           0x0c00
#define GICD_ICFGR_EDGE      2u              /* Int_config[1] of an interrupt's 2 bits */
#define GICD_IROUTER         0x6000
#define GIC_SPI_FIRST        32
#define GIC_INTID_SPI_END    1020            /* 1020-1023 are special */
#define ICC_CTLR_EOIMODE     BIT(1)
#define KEEL_IRQ_PRIORITY    0x80

#define ICC_SRE_SRE          BIT(0)
#define ICC_SRE_ENABLE       BIT(3)

static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static inline uint64_t mmio_read64(uint64_t a) { return *(volatile uint64_t *)(uintptr_t)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)(uintptr_t)a = v; }

/* The read-modify-writes of registers several SPIs share (IGROUPR, ICFGR). Taken with a
 * VM's lock held (vm_passthrough_irq.c); nothing is taken while holding it. */
static struct spinlock gicd_rmw_lock = SPINLOCK_INIT;

static void gicd_wait_rwp(uint64_t gicd)
{
	while (mmio_read32(gicd + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

static unsigned gicd_nr_intids(uint64_t gicd)
{
	unsigned n = 32 * ((mmio_read32(gicd + GICD_TYPER) & GICD_TYPER_ITLINES) + 1);

	return n < GIC_INTID_SPI_END ? n : GIC_INTID_SPI_END;
}

void gicv3_init_dist(uint64_t gicd)
{
	mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ARE_NS);
	gicd_wait_rwp(gicd);
	/* Whatever firmware left on: an SPI is enabled only once its owner (keel or a VM) wants it. */
	for (unsigned i = GIC_SPI_FIRST; i < gicd_nr_intids(gicd); i += 32) {
		mmio_write32(gicd + GICD_ICENABLER + i / 8, 0xffffffffu);
		mmio_write32(gicd + GICD_ICACTIVER + i / 8, 0xffffffffu);
	}
	gicd_wait_rwp(gicd);
	mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1NS);
}

static uint64_t gicr_find(uint64_t base, uint64_t size, uint64_t mpidr)
{
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));

	for (uint64_t off = 0; off + GICR_FRAME_SIZE <= size;) {
		uint64_t typer = mmio_read64(base + off + GICR_TYPER);

		if ((uint32_t)(typer >> 32) == aff)
			return base + off;
		if (typer & GICR_TYPER_LAST)
			break;
		off += (typer & GICR_TYPER_VLPIS) ? 2 * GICR_FRAME_SIZE : GICR_FRAME_SIZE;
	}
	return 0;
}

int gicv3_init_cpu(uint64_t gicr_base, uint64_t gicr_size, uint64_t mpidr, uint64_t *my_gicr)
{
	uint64_t rd = gicr_find(gicr_base, gicr_size, mpidr);

	if (!rd)
		return KE_NOENT;
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	while (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	mmio_write32(rd + GICR_SGI_BASE + GICR_IGROUPR0, 0xffffffff);
	gicv3_enable_private(rd, GIC_SGI_KICK);

	write_sysreg(S3_4_C12_C9_5, read_sysreg(S3_4_C12_C9_5) | ICC_SRE_SRE | ICC_SRE_ENABLE); /* ICC_SRE_EL2 */
	isb();
	write_sysreg(S3_0_C4_C6_0, 0xff);   /* ICC_PMR_EL1: let every priority through */
	write_sysreg(S3_0_C12_C12_3, 0);    /* ICC_BPR1_EL1 */
	write_sysreg(S3_0_C12_C12_4, ICC_CTLR_EOIMODE); /* ICC_CTLR_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1);    /* ICC_IGRPEN1_EL1 */
	isb();
	*my_gicr = rd;
	return KE_OK;
}

void gicv3_send_sgi(uint64_t mpidr, unsigned intid)
{
	uint64_t aff0 = mpidr & 0xff;
	uint64_t v = ((mpidr >> 32) & 0xff) << 48 | ((mpidr >> 16) & 0xff) << 32 |
		     ((mpidr >> 8) & 0xff) << 16 | (uint64_t)(intid & 0xf) << 24 |
		     (aff0 / 16) << 44 | (1ULL << (aff0 % 16));

	dsb(ishst);
	write_sysreg(S3_0_C12_C11_5, v);    /* ICC_SGI1R_EL1 */
	isb();
}

unsigned gicv3_ack(void)
{
	unsigned intid = (unsigned)(read_sysreg(S3_0_C12_C12_0) & 0xffffff); /* ICC_IAR1_EL1 */

	dsb(sy);
	return intid;
}

void gicv3_eoi(unsigned intid)
{
	write_sysreg(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
	isb();
}

void gicv3_deactivate(unsigned intid)
{
	write_sysreg(S3_0_C12_C11_1, intid); /* ICC_DIR_EL1 */
	isb();
}

void gicv3_enable_private(uint64_t rd, unsigned intid)
{
	mmio_write8(rd + GICR_SGI_BASE + GICR_IPRIORITYR + intid, KEEL_IRQ_PRIORITY);
	mmio_write32(rd + GICR_SGI_BASE + GICR_ISENABLER0, 1u << intid);
}

void gicv3_clear_active_private(uint64_t rd, unsigned intid)
{
	mmio_write32(rd + GICR_SGI_BASE + GICR_ICACTIVER0, 1u << intid);
	dsb(sy);
}

void gicv3_spi_configure(uint64_t gicd, unsigned intid, bool edge)
{
	uint64_t grp = gicd + GICD_IGROUPR + (intid / 32) * 4;
	uint64_t cfg = gicd + GICD_ICFGR + (intid / 16) * 4;
	uint32_t edge_bit = GICD_ICFGR_EDGE << ((intid % 16) * 2);

	spin_lock(&gicd_rmw_lock);
	mmio_write32(grp, mmio_read32(grp) | 1u << (intid % 32));   /* Group 1 Non-secure */
	mmio_write32(cfg, edge ? mmio_read32(cfg) | edge_bit : mmio_read32(cfg) & ~edge_bit);
	spin_unlock(&gicd_rmw_lock);
	mmio_write8(gicd + GICD_IPRIORITYR + intid, KEEL_IRQ_PRIORITY);
}

void gicv3_spi_route(uint64_t gicd, unsigned intid, uint64_t mpidr)
{
	/* Aff3 at [39:32], Aff2.Aff1.Aff0 at [23:0]; Interrupt_Routing_Mode 0: that PE only. */
	uint64_t route = ((mpidr >> 32) & 0xff) << 32 | (mpidr & 0xffffff);

	*(volatile uint64_t *)(uintptr_t)(gicd + GICD_IROUTER + intid * 8) = route;
}

void gicv3_spi_set_enabled(uint64_t gicd, unsigned intid, bool enabled)
{
	mmio_write32(gicd + (enabled ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4,
		     1u << (intid % 32));
	if (!enabled)
		gicd_wait_rwp(gicd);   /* not forwarded to any CPU from here on */
}

void gicv3_spi_deactivate(uint64_t gicd, unsigned intid)
{
	mmio_write32(gicd + GICD_ICACTIVER + (intid / 32) * 4, 1u << (intid % 32));
	dsb(sy);
}

void gicv3_spi_set_pending(uint64_t gicd, unsigned intid)
{
	mmio_write32(gicd + GICD_ISPENDR + (intid / 32) * 4, 1u << (intid % 32));
}

void gicv3_enable_spi(uint64_t gicd, unsigned intid, uint64_t mpidr)
{
	gicv3_spi_configure(gicd, intid, false);
	gicv3_spi_route(gicd, intid, mpidr);
	gicv3_spi_set_enabled(gicd, intid, true);
}
