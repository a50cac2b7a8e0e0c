/*
 * GICv3 driver for test guests and the IRQ hook (guest/gic.h).
 */
#include "guest/dt.h"
#include "guest/fault.h"
#include "guest/gic.h"
#include "guest/runtime.h"
#include "rt_internal.h"

#define GIC_MAX_INTID		1019	/* INTIDs 1020-1023 are special */
#define WAIT_US			100000	/* RWP, ChildrenAsleep: give up after 100 ms */
#define DT_GIC_REG_GICD		0
#define DT_GIC_REG_GICR		1

#define ICC_IAR1_EL1		s3_0_c12_c12_0
#define ICC_EOIR1_EL1		s3_0_c12_c12_1
#define ICC_HPPIR1_EL1		s3_0_c12_c12_2
#define ICC_BPR1_EL1		s3_0_c12_c12_3
#define ICC_DIR_EL1		s3_0_c12_c11_1
#define ICC_RPR_EL1		s3_0_c12_c11_3
#define ICC_SGI1R_EL1		s3_0_c12_c11_5
#define ICC_PMR_EL1		s3_0_c4_c6_0
#define ICC_CTLR_EL1		s3_0_c12_c12_4
#define ICC_SRE_EL1		s3_0_c12_c12_5
#define ICC_IGRPEN1_EL1		s3_0_c12_c12_7

static uint64_t gicd, gicr, gicr_size;
static uint64_t rd_base[GUEST_MAX_CPUS];
static unsigned nr_irqs;
static volatile irq_handler_fn irq_handler;

/* ---------------------------------------------------------------- MMIO */

static inline uint32_t rd32(uint64_t a)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void wr32(uint64_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" :: "rZ"(v), "r"(a) : "memory");
}

static inline uint64_t rd64(uint64_t a)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void wr64(uint64_t a, uint64_t v)
{
	__asm__ volatile("str %0, [%1]" :: "rZ"(v), "r"(a) : "memory");
}

static inline void wr8(uint64_t a, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" :: "rZ"(v), "r"(a) : "memory");
}

static bool wait_clear(uint64_t reg, uint32_t bits)
{
	uint64_t end = timer_count() + WAIT_US * timer_freq() / 1000000;

	while (rd32(reg) & bits)
		if (timer_count() > end)
			return false;
	return true;
}

/* ---------------------------------------------------------------- discovery */

static uint64_t mpidr_to_typer_affinity(uint64_t mpidr)
{
	return (field(mpidr, 39, 32) << 24) | field(mpidr, 23, 0);
}

static uint64_t frame_stride(uint64_t frame)
{
	return (rd64(frame + GICR_TYPER) & GICR_TYPER_VLPIS) ? 2 * GICR_FRAME_STRIDE
							     : GICR_FRAME_STRIDE;
}

unsigned gic_redist_frames(void)
{
	unsigned n = 0;

	for (uint64_t f = gicr; f - gicr < gicr_size; f += frame_stride(f)) {
		n++;
		if (rd64(f + GICR_TYPER) & GICR_TYPER_LAST)
			break;
	}
	return n;
}

uint64_t gic_redist_frame(unsigned n)
{
	uint64_t f = gicr;

	for (unsigned i = 0; i < n; i++)
		f += frame_stride(f);
	return f;
}

static uint64_t find_redist(uint64_t mpidr)
{
	uint64_t aff = mpidr_to_typer_affinity(mpidr);
	unsigned frames = gic_redist_frames();

	for (unsigned i = 0; i < frames; i++) {
		uint64_t f = gic_redist_frame(i);

		if (GICR_TYPER_AFFINITY(rd64(f + GICR_TYPER)) == aff)
			return f;
	}
	return 0;
}

static void gic_find(void)
{
	int node = dt_find_compatible("arm,gic-v3");
	uint64_t size;

	gicd = GIC_DEFAULT_GICD_BASE;
	gicr = GIC_DEFAULT_GICR_BASE;
	gicr_size = (uint64_t)GICR_FRAME_STRIDE * GUEST_MAX_CPUS;
	if (env.dtb && node >= 0) {
		uint64_t a;

		if (dt_reg(node, DT_GIC_REG_GICD, &a, &size))
			gicd = a;
		if (dt_reg(node, DT_GIC_REG_GICR, &a, &size)) {
			gicr = a;
			gicr_size = size;
		}
	}
}

uint64_t gic_dist_base(void)
{
	return gicd;
}

uint64_t gic_redist_base(unsigned cpu)
{
	return cpu < GUEST_MAX_CPUS ? rd_base[cpu] : 0;
}

uint64_t gic_sgi_base(unsigned cpu)
{
	return gic_redist_base(cpu) ? gic_redist_base(cpu) + GICR_SGI_OFFSET : 0;
}

unsigned gic_nr_irqs(void)
{
	return nr_irqs;
}

/* ---------------------------------------------------------------- set-up */

static void dist_init(void)
{
	uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;

	wr32(gicd + GICD_CTLR, 0);
	(void)wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
	/* ARE first: the other fields' layout depends on it. */
	wr32(gicd + GICD_CTLR, GICD_CTLR_ARE);
	(void)wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
	for (unsigned i = GIC_SPI_BASE; i < nr_irqs; i += 32) {
		wr32(gicd + GICD_IGROUPR + i / 8, ~0u);
		wr32(gicd + GICD_ICENABLER + i / 8, ~0u);
		wr32(gicd + GICD_ICPENDR + i / 8, ~0u);
		wr32(gicd + GICD_ICACTIVER + i / 8, ~0u);
	}
	(void)wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
	for (unsigned i = GIC_SPI_BASE; i < nr_irqs; i += 4)
		wr32(gicd + GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
	for (unsigned i = GIC_SPI_BASE; i < nr_irqs; i++)
		wr64(gicd + GICD_IROUTER + 8ULL * i, self);
	wr32(gicd + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
	(void)wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
}

bool gic_init(void)
{
	uint64_t pidr2;
	struct fault f;

	gic_find();
	f = probe_read(gicd + GICD_PIDR2, 4, &pidr2);
	if (f.taken || GIC_PIDR2_ARCHREV(pidr2) != 3)
		return false;
	nr_irqs = 32 * (GICD_TYPER_ITLINES(rd32(gicd + GICD_TYPER)) + 1);
	if (nr_irqs > GIC_MAX_INTID + 1)
		nr_irqs = GIC_MAX_INTID + 1;
	for (unsigned i = 0; i < env.ncpus; i++)
		rd_base[i] = find_redist(env.cpu_mpidr[i]);
	dist_init();
	return gic_cpu_init();
}

bool gic_cpu_init(void)
{
	uint64_t rd = gic_redist_base(cpu_index()), sgi = rd + GICR_SGI_OFFSET;

	if (!rd)
		return false;
	wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	if (!wait_clear(rd + GICR_WAKER, GICR_WAKER_CHILDREN_ASLEEP))
		return false;
	wr32(sgi + GICR_IGROUPR0, ~0u);
	wr32(sgi + GICR_ICENABLER0, ~0u);
	wr32(sgi + GICR_ICPENDR0, ~0u);
	wr32(sgi + GICR_ICACTIVER0, ~0u);
	(void)wait_clear(rd + GICR_CTLR, GICR_CTLR_RWP);
	for (unsigned i = 0; i < GIC_SPI_BASE; i += 4)
		wr32(sgi + GICR_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
	dsb(sy);

	write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | ICC_SRE_EL1_SRE);
	isb();
	if (!(read_sysreg(ICC_SRE_EL1) & ICC_SRE_EL1_SRE))
		return false;
	write_sysreg(ICC_PMR_EL1, GIC_PRIO_MASK_NONE);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_CTLR_EL1, read_sysreg(ICC_CTLR_EL1) & ~(uint64_t)ICC_CTLR_EL1_EOIMODE);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
	return true;
}

/* ---------------------------------------------------------------- one interrupt */

/* The frame holding intid's bank-register state: the distributor or cpu's SGI frame. */
static uint64_t bank_base(unsigned cpu, unsigned intid)
{
	return intid < GIC_SPI_BASE ? gic_sgi_base(cpu) : gicd;
}

static uint64_t bit_reg(unsigned cpu, unsigned intid, uint64_t reg)
{
	return bank_base(cpu, intid) + reg + (intid / 32) * 4;
}

static void set_bit_reg(unsigned cpu, unsigned intid, uint64_t reg)
{
	wr32(bit_reg(cpu, intid, reg), 1u << (intid % 32));
	dsb(sy);
}

static bool test_bit_reg(unsigned cpu, unsigned intid, uint64_t reg)
{
	return rd32(bit_reg(cpu, intid, reg)) & (1u << (intid % 32));
}

/* GICD_* and GICR_* bit registers share offsets (GICD_ISENABLER == GICR_ISENABLER0). */
void gic_irq_enable(unsigned intid)
{
	set_bit_reg(cpu_index(), intid, GICD_ISENABLER);
}

void gic_irq_disable(unsigned intid)
{
	set_bit_reg(cpu_index(), intid, GICD_ICENABLER);
	(void)wait_clear(intid < GIC_SPI_BASE ? gic_redist_base(cpu_index()) + GICR_CTLR
					      : gicd + GICD_CTLR,
			 intid < GIC_SPI_BASE ? GICR_CTLR_RWP : GICD_CTLR_RWP);
}

void gic_irq_set_pending_on(unsigned cpu, unsigned intid)
{
	set_bit_reg(cpu, intid, GICD_ISPENDR);
}

void gic_irq_set_pending(unsigned intid)
{
	gic_irq_set_pending_on(cpu_index(), intid);
}

void gic_irq_clear_pending(unsigned intid)
{
	set_bit_reg(cpu_index(), intid, GICD_ICPENDR);
}

void gic_irq_clear_active(unsigned intid)
{
	set_bit_reg(cpu_index(), intid, GICD_ICACTIVER);
}

void gic_irq_set_priority(unsigned intid, uint8_t prio)
{
	wr8(bank_base(cpu_index(), intid) + GICD_IPRIORITYR + intid, prio);
	dsb(sy);
}

void gic_irq_set_edge(unsigned intid, bool edge)
{
	uint64_t reg = bank_base(cpu_index(), intid) + GICD_ICFGR + (intid / 16) * 4;
	uint32_t bit = 2u << (2 * (intid % 16));	/* Int_config[1] */

	if (intid < GIC_NR_SGIS)
		return;
	wr32(reg, edge ? rd32(reg) | bit : rd32(reg) & ~bit);
	dsb(sy);
}

void gic_irq_route(unsigned intid, uint64_t mpidr)
{
	if (intid < GIC_SPI_BASE)
		return;
	wr64(gicd + GICD_IROUTER + 8ULL * intid, mpidr & MPIDR_AFF_MASK);
	dsb(sy);
}

bool gic_irq_is_enabled(unsigned intid)
{
	return test_bit_reg(cpu_index(), intid, GICD_ISENABLER);
}

bool gic_irq_is_pending_on(unsigned cpu, unsigned intid)
{
	return test_bit_reg(cpu, intid, GICD_ISPENDR);
}

bool gic_irq_is_pending(unsigned intid)
{
	return gic_irq_is_pending_on(cpu_index(), intid);
}

bool gic_irq_is_active_on(unsigned cpu, unsigned intid)
{
	return test_bit_reg(cpu, intid, GICD_ISACTIVER);
}

bool gic_irq_is_active(unsigned intid)
{
	return gic_irq_is_active_on(cpu_index(), intid);
}

/* ---------------------------------------------------------------- CPU interface */

uint32_t gic_ack(void)
{
	uint32_t intid = (uint32_t)read_sysreg(ICC_IAR1_EL1) & 0xffffff;

	dsb(sy);	/* the acknowledge before whatever the handler reads */
	return intid;
}

void gic_eoi(uint32_t intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
	isb();
}

void gic_deactivate(uint32_t intid)
{
	write_sysreg(ICC_DIR_EL1, intid);
	isb();
}

void gic_set_eoi_split(bool split)
{
	uint64_t ctlr = read_sysreg(ICC_CTLR_EL1) & ~(uint64_t)ICC_CTLR_EL1_EOIMODE;

	write_sysreg(ICC_CTLR_EL1, split ? ctlr | ICC_CTLR_EL1_EOIMODE : ctlr);
	isb();
}

void gic_set_pmr(uint8_t pmr)
{
	write_sysreg(ICC_PMR_EL1, pmr);
	isb();
}

uint8_t gic_pmr(void)
{
	return (uint8_t)read_sysreg(ICC_PMR_EL1);
}

uint8_t gic_running_priority(void)
{
	return (uint8_t)read_sysreg(ICC_RPR_EL1);
}

uint32_t gic_highest_pending(void)
{
	return (uint32_t)read_sysreg(ICC_HPPIR1_EL1) & 0xffffff;
}

static void sgi_write(uint64_t v)
{
	dsb(ish);	/* memory writes visible before the target can take the SGI */
	write_sysreg(ICC_SGI1R_EL1, v);
	isb();
}

void gic_send_sgi(unsigned intid, unsigned cpu)
{
	uint64_t mpidr = env.cpu_mpidr[cpu];
	unsigned aff0 = (unsigned)field(mpidr, 7, 0);

	sgi_write(ICC_SGI1R_INTID(intid) | ICC_SGI1R_TARGETS(1u << (aff0 % 16)) |
		  ICC_SGI1R_RS(aff0 / 16) | ICC_SGI1R_AFF1(field(mpidr, 15, 8)) |
		  ICC_SGI1R_AFF2(field(mpidr, 23, 16)) | ICC_SGI1R_AFF3(field(mpidr, 39, 32)));
}

void gic_send_sgi_others(unsigned intid)
{
	sgi_write(ICC_SGI1R_INTID(intid) | ICC_SGI1R_IRM);
}

/* ---------------------------------------------------------------- IRQ hook */

static void irq_dispatch(void)
{
	irq_handler_fn fn = irq_handler;

	for (;;) {
		uint32_t intid = gic_ack();

		if (intid >= GIC_INTID_SPECIAL)
			break;
		if (fn)
			fn(intid);
		gic_eoi(intid);
	}
}

void irq_set_handler(irq_handler_fn fn)
{
	irq_handler = fn;
	rt_irq_hook = fn ? irq_dispatch : NULL;
	dsb(ish);
}

unsigned irq_wait_flag(volatile uint32_t *flag, uint64_t deadline, bool *ok)
{
	unsigned wakes = 0;

	irq_disable();
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE) && timer_count() < deadline) {
		wfi();
		wakes++;
		irq_enable();	/* take what woke us */
		irq_disable();
	}
	*ok = __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0;
	return wakes;
}
