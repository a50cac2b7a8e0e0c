// deps: src/devices/vgic.c src/devices/vgic_dist.c src/devices/vgic_redist.c src/devices/vgic_lr.c
/*
 * Virtual GICv3 model: distributor and redistributor registers, interrupt
 * sources, SGI generation, list register fill/sync, hostile inputs.
 * Register offsets and values are from the GICv3 specification (IHI 0069),
 * written as literals so the test does not just repeat the header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vgic.h>

static struct vgic G;

/* ---------------------------------------------------------------- helpers */

static void init(unsigned nr_vcpus)
{
	memset(&G, 0xa5, sizeof(G));
	assert_int_equal(vgic_init(&G, nr_vcpus), 0);
}

static uint64_t drd(uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefULL;

	assert_int_equal(vgic_dist_read(&G, off, size, &v), 0);
	if (size < 8)
		assert_true(v < (1ULL << (8 * size)));
	return v;
}

static uint32_t dwr(uint64_t off, unsigned size, uint64_t v)
{
	uint32_t kick = 0xffffffffu;

	assert_int_equal(vgic_dist_write(&G, off, size, v, &kick), 0);
	return kick;
}

static uint32_t d32(uint64_t off)
{
	return (uint32_t)drd(off, 4);
}

/* RD_base frame of vCPU v. */
static uint64_t rrd(unsigned v, uint64_t off, unsigned size)
{
	uint64_t val = 0xdeadbeefdeadbeefULL;

	assert_int_equal(vgic_redist_read(&G, v * 0x20000ULL + off, size, &val), 0);
	if (size < 8)
		assert_true(val < (1ULL << (8 * size)));
	return val;
}

static uint32_t rwr(unsigned v, uint64_t off, unsigned size, uint64_t val)
{
	uint32_t kick = 0xffffffffu;

	assert_int_equal(vgic_redist_write(&G, v * 0x20000ULL + off, size, val, &kick), 0);
	return kick;
}

/* SGI_base frame of vCPU v. */
static uint32_t srd(unsigned v, uint64_t off)
{
	return (uint32_t)rrd(v, 0x10000 + off, 4);
}

static uint32_t swr(unsigned v, uint64_t off, uint32_t val)
{
	return rwr(v, 0x10000 + off, 4, val);
}

#define LR_INTID(lr)  ((uint32_t)(lr))
#define LR_PINTID(lr) (((lr) >> 32) & 0x1fff)
#define LR_PRIO(lr)   ((unsigned)(((lr) >> 48) & 0xff))
#define LR_GROUP(lr)  ((unsigned)(((lr) >> 60) & 1))
#define LR_HW(lr)     ((unsigned)(((lr) >> 61) & 1))
#define LR_EOI(lr)    ((unsigned)(((lr) >> 41) & 1))
#define LR_STATE(lr)  ((unsigned)((lr) >> 62))
#define ST_INVALID 0
#define ST_PENDING 1
#define ST_ACTIVE  2
#define ST_PA      3

static unsigned fill(unsigned v, uint64_t *lrs, unsigned nr, bool *more)
{
	bool m = true;
	unsigned n;

	for (unsigned i = 0; i < nr; i++)
		lrs[i] = 0x1234;
	n = vgic_lr_fill(&G, v, lrs, nr, &m);
	assert_true(n <= nr);
	if (more)
		*more = m;
	return n;
}

static uint64_t with_state(uint64_t lr, unsigned state)
{
	return (lr & ~(3ULL << 62)) | (uint64_t)state << 62;
}

/* The guest moved every listed interrupt to state; exit and sync. */
static uint32_t sync_all(unsigned v, uint64_t *lrs, unsigned n, unsigned state)
{
	for (unsigned i = 0; i < n; i++)
		lrs[i] = with_state(lrs[i], state);
	return vgic_lr_sync(&G, v, lrs, n);
}

/* Fill vCPU v with up to 16 LRs, then sync them back unchanged (guest did nothing). */
static unsigned peek(unsigned v, uint64_t *lrs)
{
	unsigned n = fill(v, lrs, 16, NULL);

	(void)vgic_lr_sync(&G, v, lrs, n);
	return n;
}

/* An SPI enabled, Group 1, priority prio, level-triggered, routed to vCPU target. */
static void spi_setup(unsigned intid, uint8_t prio, unsigned target)
{
	uint32_t bit = 1u << (intid % 32);

	dwr(0x080 + 4 * (intid / 32), 4, d32(0x080 + 4 * (intid / 32)) | bit);
	dwr(0x400 + intid, 1, prio);
	dwr(0x6000 + 8 * intid, 8, target);
	dwr(0x100 + 4 * (intid / 32), 4, bit);
}

/* A PPI/SGI of vCPU v enabled, Group 1, priority prio. */
static void ppi_setup(unsigned v, unsigned intid, uint8_t prio)
{
	swr(v, 0x080, srd(v, 0x080) | 1u << intid);
	rwr(v, 0x10400 + intid, 1, prio);
	swr(v, 0x100, 1u << intid);
}

static void groups_on(void)
{
	dwr(0x0000, 4, 0x3);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---------------------------------------------------------------- init */

static void test_vgic_init_args(void **state)
{
	memset(&G, 0, sizeof(G));
	assert_int_equal(vgic_init(&G, 0), KE_INVAL);
	assert_int_equal(vgic_init(&G, 9), KE_INVAL);
	assert_int_equal(vgic_init(&G, ~0u), KE_INVAL);
	for (unsigned n = 1; n <= 8; n++) {
		init(n);
		assert_int_equal(G.nr_vcpus, n);
		assert_int_equal(vgic_redist_size(&G), n * 0x20000ULL);
	}
}

/* ---------------------------------------------------------------- distributor */

static void test_vgic_gicd_id_regs(void **state)
{
	static const struct { uint64_t off; uint32_t val; } ids[] = {
		{ 0xffd0, 0x40 }, { 0xffd4, 0 }, { 0xffd8, 0 }, { 0xffdc, 0 },
		{ 0xffe0, 0x6b }, { 0xffe4, 0x00 }, { 0xffe8, 0x30 }, { 0xffec, 0 },
		{ 0xfff0, 0x0d }, { 0xfff4, 0xf0 }, { 0xfff8, 0x05 }, { 0xfffc, 0xb1 },
	};

	init(4);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		assert_int_equal(d32(ids[i].off), ids[i].val);
		dwr(ids[i].off, 4, 0xffffffff);
		assert_int_equal(d32(ids[i].off), ids[i].val);
	}
	/* What irq-gic-v3.c checks: GICD_PIDR2.ArchRev = 3 (GICv3). */
	assert_int_equal((d32(0xffe8) >> 4) & 0xf, 3);
}

static void test_vgic_gicd_typer_iidr(void **state)
{
	uint32_t typer;

	for (unsigned n = 1; n <= 8; n++) {
		init(n);
		typer = d32(0x0004);
		assert_int_equal(typer & 0x1f, 3);            /* ITLinesNumber: 128 INTIDs */
		assert_int_equal(32 * ((typer & 0x1f) + 1), 128);
		assert_int_equal((typer >> 5) & 7, 0);        /* CPUNumber: ARE only */
		assert_int_equal((typer >> 19) & 0x1f, 9);    /* IDbits: 10 bits */
		assert_int_equal(typer & (1u << 17), 0);      /* LPIS */
		assert_int_equal(typer & (1u << 16), 0);      /* MBIS */
		assert_int_equal(typer & (1u << 10), 0);      /* SecurityExtn */
		assert_int_equal(typer & (1u << 8), 0);       /* ESPI */
		assert_int_equal(typer & (1u << 24), 0);      /* A3V */
		assert_int_equal(typer & (1u << 25), 0);      /* No1N: 1 of N supported */
		assert_int_equal(typer & (1u << 26), 0);      /* RSS */
		assert_int_equal(typer, 0x00480003);
	}
	assert_int_equal(d32(0x0008), 0x6b000000);        /* IIDR */
	assert_int_equal(d32(0x000c), 0);                 /* TYPER2 */
	assert_int_equal(d32(0x0010), 0);                 /* STATUSR */
	/* Read-only. */
	dwr(0x0004, 4, 0);
	dwr(0x0008, 4, 0);
	dwr(0x000c, 4, 0xffffffff);
	dwr(0x0010, 4, 0xffffffff);
	assert_int_equal(d32(0x0004), 0x00480003);
	assert_int_equal(d32(0x0008), 0x6b000000);
	assert_int_equal(d32(0x000c), 0);
	assert_int_equal(d32(0x0010), 0);
}

static void test_vgic_gicd_ctlr(void **state)
{
	init(2);
	assert_int_equal(d32(0x0000), 0x50);              /* ARE (4) | DS (6) */
	dwr(0x0000, 4, 0xffffffff);
	assert_int_equal(d32(0x0000), 0x53);              /* + EnableGrp0/1; RWP stays 0 */
	dwr(0x0000, 4, 0);
	assert_int_equal(d32(0x0000), 0x50);              /* ARE, DS RAO/WI */
	dwr(0x0000, 4, 0x2);
	assert_int_equal(d32(0x0000), 0x52);
	dwr(0x0000, 4, 0x1);
	assert_int_equal(d32(0x0000), 0x51);
	/* Linux with DS = 1: ARE_NS | EnableGrp1A | EnableGrp1. */
	dwr(0x0000, 4, 0x13);
	assert_int_equal(d32(0x0000), 0x53);
	assert_int_equal(d32(0x0000) & 0x80000000u, 0);
}

static void test_vgic_gicd_reset_values(void **state)
{
	init(8);
	for (uint64_t off = 0x080; off < 0x400; off += 4)
		assert_int_equal(d32(off), 0);                /* groups, enables, pending, active */
	for (uint64_t off = 0x400; off < 0xc00; off += 4)
		assert_int_equal(d32(off), 0);                /* priorities, ITARGETSR */
	for (uint64_t off = 0xc00; off < 0xd00; off += 4)
		assert_int_equal(d32(off), 0);                /* SPIs level-triggered */
	for (uint64_t off = 0x6000; off < 0x8000; off += 8)
		assert_int_equal(drd(off, 8), 0);             /* IROUTER: vCPU 0 */
}

/* GICD_IGROUPR/ISENABLER/... for SPIs: register n covers INTIDs 32n..32n+31. */
static void test_vgic_gicd_bitregs(void **state)
{
	init(2);
	for (unsigned n = 1; n < 4; n++) {
		uint32_t pat = 0x5a5a0000u | n;

		/* IGROUPR<n>: plain read/write. */
		dwr(0x080 + 4 * n, 4, 0xffffffff);
		assert_int_equal(d32(0x080 + 4 * n), 0xffffffff);
		dwr(0x080 + 4 * n, 4, pat);
		assert_int_equal(d32(0x080 + 4 * n), pat);
		/* ISENABLER/ICENABLER: set and clear, both read the state. */
		dwr(0x100 + 4 * n, 4, pat);
		assert_int_equal(d32(0x100 + 4 * n), pat);
		assert_int_equal(d32(0x180 + 4 * n), pat);
		dwr(0x100 + 4 * n, 4, 0x0000ff00);             /* 0 bits: no effect */
		assert_int_equal(d32(0x100 + 4 * n), pat | 0xff00);
		dwr(0x180 + 4 * n, 4, 0xffff0000);
		assert_int_equal(d32(0x100 + 4 * n), (pat | 0xff00) & 0xffff);
		dwr(0x180 + 4 * n, 4, 0xffffffff);
		assert_int_equal(d32(0x100 + 4 * n), 0);
		/* ISPENDR/ICPENDR (SPIs are level: the latch alone is pending). */
		dwr(0x200 + 4 * n, 4, pat);
		assert_int_equal(d32(0x200 + 4 * n), pat);
		assert_int_equal(d32(0x280 + 4 * n), pat);
		dwr(0x280 + 4 * n, 4, pat & 0xff);
		assert_int_equal(d32(0x200 + 4 * n), pat & ~0xffu);
		dwr(0x280 + 4 * n, 4, 0xffffffff);
		assert_int_equal(d32(0x200 + 4 * n), 0);
		/* ISACTIVER/ICACTIVER. */
		dwr(0x300 + 4 * n, 4, pat);
		assert_int_equal(d32(0x300 + 4 * n), pat);
		assert_int_equal(d32(0x380 + 4 * n), pat);
		dwr(0x380 + 4 * n, 4, 0xffffffff);
		assert_int_equal(d32(0x300 + 4 * n), 0);
	}
	/* Registers for INTIDs 128 and up: RAZ/WI. */
	for (uint64_t base = 0x080; base < 0x400; base += 0x80)
		for (unsigned n = 4; n < 32; n++) {
			dwr(base + 4 * n, 4, 0xffffffff);
			assert_int_equal(d32(base + 4 * n), 0);
		}
}

/* With ARE = 1, the distributor's SGI/PPI registers are RAZ/WI: GICR_* own them. */
static void test_vgic_gicd_banked_raz_wi(void **state)
{
	init(2);
	for (uint64_t base = 0x080; base < 0x400; base += 0x80) {
		dwr(base, 4, 0xffffffff);
		assert_int_equal(d32(base), 0);
	}
	for (uint64_t off = 0x400; off < 0x420; off++) {
		dwr(off, 1, 0xff);
		assert_int_equal(drd(off, 1), 0);
	}
	for (uint64_t off = 0x400; off < 0x420; off += 4) {
		dwr(off, 4, 0xffffffff);
		assert_int_equal(d32(off), 0);
	}
	dwr(0xc00, 4, 0xffffffff);
	dwr(0xc04, 4, 0xffffffff);
	assert_int_equal(d32(0xc00), 0);
	assert_int_equal(d32(0xc04), 0);
	/* vCPU 0's (and 1's) private state is untouched. */
	for (unsigned v = 0; v < 2; v++) {
		for (uint64_t off = 0x080; off < 0x400; off += 0x80)
			assert_int_equal(srd(v, off), 0);
		for (uint64_t off = 0x400; off < 0x420; off += 4)
			assert_int_equal(srd(v, off), 0);
		assert_int_equal(srd(v, 0xc04), 0);
	}
}

static void test_vgic_gicd_priority(void **state)
{
	init(1);
	/* Byte access: one interrupt each, all 8 bits kept. */
	dwr(0x420, 1, 0xff);
	dwr(0x421, 1, 0x01);
	dwr(0x422, 1, 0x80);
	dwr(0x423, 1, 0x3c);
	assert_int_equal(drd(0x420, 1), 0xff);
	assert_int_equal(drd(0x421, 1), 0x01);
	assert_int_equal(drd(0x423, 1), 0x3c);
	assert_int_equal(d32(0x420), 0x3c8001ff);
	/* Word access: four interrupts, little-endian. */
	dwr(0x47c, 4, 0xa0b0c0d0);
	assert_int_equal(drd(0x47c, 1), 0xd0);
	assert_int_equal(drd(0x47d, 1), 0xc0);
	assert_int_equal(drd(0x47e, 1), 0xb0);
	assert_int_equal(drd(0x47f, 1), 0xa0);
	/* A byte write changes only its byte; high bits of the value are ignored. */
	dwr(0x421, 1, 0x1234);
	assert_int_equal(d32(0x420), 0x3c8034ff);
	/* INTID 128 and up: RAZ/WI. */
	for (uint64_t off = 0x480; off < 0x800; off += 4) {
		dwr(off, 4, 0xffffffff);
		assert_int_equal(d32(off), 0);
	}
	dwr(0x7ff, 1, 0xff);
	assert_int_equal(drd(0x7ff, 1), 0);
	/* Every SPI through its byte. */
	for (unsigned i = 32; i < 128; i++)
		dwr(0x400 + i, 1, i * 2);
	for (unsigned i = 32; i < 128; i++)
		assert_int_equal(drd(0x400 + i, 1), (i * 2) & 0xff);
}

static void test_vgic_gicd_icfgr(void **state)
{
	init(1);
	for (unsigned n = 2; n < 8; n++) {
		dwr(0xc00 + 4 * n, 4, 0xffffffff);
		assert_int_equal(d32(0xc00 + 4 * n), 0xaaaaaaaa);   /* Int_config[0] RES0 */
		dwr(0xc00 + 4 * n, 4, 0x55555555);
		assert_int_equal(d32(0xc00 + 4 * n), 0);
		dwr(0xc00 + 4 * n, 4, 0x0000000a);
		assert_int_equal(d32(0xc00 + 4 * n), 0x0000000a);
	}
	for (unsigned n = 8; n < 64; n++) {
		dwr(0xc00 + 4 * n, 4, 0xffffffff);
		assert_int_equal(d32(0xc00 + 4 * n), 0);
	}
}

static void test_vgic_gicd_raz_wi(void **state)
{
	static const uint64_t offs[] = {
		0x0040, 0x0048, 0x0050, 0x0058,   /* SETSPI/CLRSPI */
		0x0014, 0x0020, 0x003c,           /* reserved */
		0x0800, 0x0820, 0x0bfc,           /* ITARGETSR */
		0x0d00, 0x0d04, 0x0d7c,           /* IGRPMODR */
		0x0e00, 0x0e08, 0x0efc,           /* NSACR */
		0x0f00,                           /* SGIR: WI */
		0x0f10, 0x0f20,                   /* CPENDSGIR, SPENDSGIR */
		0x0f80,                           /* INMIR */
		0x1000, 0x2000, 0x5ffc,           /* extended SPI ranges, reserved */
		0x8000, 0xa000, 0xc000, 0xffcc,
	};

	init(2);
	groups_on();
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		assert_int_equal(dwr(offs[i], 4, 0xffffffff), 0);
		assert_int_equal(d32(offs[i]), 0);
	}
	/* ITARGETSR bytes too. */
	dwr(0x821, 1, 0xff);
	assert_int_equal(drd(0x821, 1), 0);
	/* A legacy SGIR write generated nothing. */
	for (unsigned v = 0; v < 2; v++)
		assert_int_equal(srd(v, 0x200), 0);
	/* Nothing else changed. */
	for (uint64_t off = 0x084; off < 0x400; off += 4)
		assert_int_equal(d32(off), 0);
}

/* ---------------------------------------------------------------- IROUTER */

static void test_vgic_irouter_rw(void **state)
{
	init(8);
	/* 64-bit. Aff0..Aff2 and IRM kept; Aff3 RAZ/WI (A3V = 0), RES0 dropped. */
	dwr(0x6000 + 8 * 40, 8, 0xffffffffffffffffULL);
	assert_int_equal(drd(0x6000 + 8 * 40, 8), 0x80ffffffULL);
	dwr(0x6000 + 8 * 40, 8, 0x0000000000030201ULL);
	assert_int_equal(drd(0x6000 + 8 * 40, 8), 0x030201);
	/* 32-bit halves. */
	assert_int_equal(drd(0x6000 + 8 * 40, 4), 0x030201);
	assert_int_equal(drd(0x6000 + 8 * 40 + 4, 4), 0);
	dwr(0x6000 + 8 * 40 + 4, 4, 0xff);                /* Aff3: ignored */
	assert_int_equal(drd(0x6000 + 8 * 40, 8), 0x030201);
	dwr(0x6000 + 8 * 40, 4, 0x80000005);              /* low half: IRM + Aff0 */
	assert_int_equal(drd(0x6000 + 8 * 40, 8), 0x80000005);
	/* Other SPIs untouched; INTIDs 0-31 and >= 128 RAZ/WI. */
	assert_int_equal(drd(0x6000 + 8 * 41, 8), 0);
	for (unsigned i = 0; i < 32; i++) {
		dwr(0x6000 + 8 * i, 8, 3);
		assert_int_equal(drd(0x6000 + 8 * i, 8), 0);
	}
	for (unsigned i = 128; i < 1024; i++) {
		dwr(0x6000 + 8 * i, 8, 3);
		assert_int_equal(drd(0x6000 + 8 * i, 8), 0);
	}
}

static void test_vgic_irouter_routing(void **state)
{
	uint64_t lrs[16];
	uint32_t kick;

	init(8);
	groups_on();
	for (unsigned target = 0; target < 8; target++) {
		unsigned intid = 32 + 3 * target;

		spi_setup(intid, 0x40, target);
		assert_int_equal(vgic_set_level(&G, 5, intid, true, &kick), 0);   /* vcpu ignored */
		assert_int_equal(kick, 1u << target);
		for (unsigned v = 0; v < 8; v++) {
			unsigned n = peek(v, lrs);

			if (v == target) {
				assert_int_equal(n, 1);
				assert_int_equal(LR_INTID(lrs[0]), intid);
			} else {
				assert_int_equal(n, 0);
			}
		}
		assert_int_equal(vgic_set_level(&G, 0, intid, false, NULL), 0);
	}
}

static void test_vgic_irouter_irm_and_nobody(void **state)
{
	uint64_t lrs[16];
	uint32_t kick;

	init(4);
	groups_on();
	spi_setup(50, 0x10, 2);
	/* IRM = 1: vCPU 0, whatever the affinity fields say. */
	assert_int_equal(dwr(0x6000 + 8 * 50, 8, 0x80000003ULL), 0);
	assert_int_equal(vgic_set_level(&G, 0, 50, true, &kick), 0);
	assert_int_equal(kick, 1u << 0);
	assert_int_equal(peek(0, lrs), 1);
	assert_int_equal(peek(3, lrs), 0);
	/* Aff0 = 4 with 4 vCPUs, or Aff1 != 0: nobody. Pending but listed nowhere. */
	assert_int_equal(dwr(0x6000 + 8 * 50, 8, 4), 0);
	for (unsigned v = 0; v < 4; v++)
		assert_int_equal(peek(v, lrs), 0);
	assert_int_equal(d32(0x204) & (1u << 18), 1u << 18);   /* still pending */
	assert_int_equal(dwr(0x6000 + 8 * 50, 8, 0x0101), 0);
	for (unsigned v = 0; v < 4; v++)
		assert_int_equal(peek(v, lrs), 0);
	assert_false(vgic_vcpu_has_pending(&G, 1));
	/* Naming a vCPU again delivers it there and kicks it. */
	assert_int_equal(dwr(0x6000 + 8 * 50, 8, 1), 1u << 1);
	assert_true(vgic_vcpu_has_pending(&G, 1));
	assert_int_equal(peek(1, lrs), 1);
	assert_int_equal(LR_INTID(lrs[0]), 50);
}

/* ---------------------------------------------------------------- redistributor */

static void test_vgic_gicr_typer_walk(void **state)
{
	for (unsigned n = 1; n <= 8; n++) {
		unsigned found = 0;
		uint64_t off = 0;

		init(n);
		/* The walk irq-gic-v3.c does: PIDR2, then TYPER until Last. */
		for (;;) {
			uint64_t typer;
			unsigned v = (unsigned)(off / 0x20000);

			assert_true(v < n);
			assert_int_equal((rrd(v, 0xffe8, 4) >> 4) & 0xf, 3);
			typer = rrd(v, 0x0008, 8);
			assert_int_equal(typer >> 32, v);                  /* Affinity_Value: Aff0 = v */
			assert_int_equal((typer >> 8) & 0xffff, v);        /* Processor_Number */
			assert_int_equal(typer & 1, 0);                    /* PLPIS */
			assert_int_equal(typer & 2, 0);                    /* VLPIS: stride 128 KiB */
			assert_int_equal(rrd(v, 0x0008, 4), typer & 0xffffffff);
			assert_int_equal(rrd(v, 0x000c, 4), typer >> 32);
			found++;
			if (typer & 0x10) {                                /* Last */
				assert_int_equal(v, n - 1);
				break;
			}
			off += 0x20000;
		}
		assert_int_equal(found, n);
		/* Read-only. */
		rwr(0, 0x0008, 8, ~0ULL);
		assert_int_equal(rrd(0, 0x0008, 8), n == 1 ? 0x10 : 0);
	}
}

static void test_vgic_gicr_rd_frame(void **state)
{
	static const uint32_t ids[12] = { 0x40, 0, 0, 0, 0x6b, 0, 0x30, 0, 0x0d, 0xf0, 0x05, 0xb1 };

	init(3);
	for (unsigned v = 0; v < 3; v++) {
		assert_int_equal(rrd(v, 0x0000, 4), 0);             /* GICR_CTLR */
		rwr(v, 0x0000, 4, 0xffffffff);                      /* EnableLPIs etc.: WI */
		assert_int_equal(rrd(v, 0x0000, 4), 0);
		assert_int_equal(rrd(v, 0x0004, 4), 0x6b000000);    /* GICR_IIDR */
		assert_int_equal(rrd(v, 0x0010, 4), 0);             /* GICR_STATUSR */
		rwr(v, 0x0010, 4, 0xffffffff);
		assert_int_equal(rrd(v, 0x0010, 4), 0);
		rwr(v, 0x0070, 8, ~0ULL);                           /* PROPBASER */
		rwr(v, 0x0078, 8, ~0ULL);                           /* PENDBASER */
		assert_int_equal(rrd(v, 0x0070, 8), 0);
		assert_int_equal(rrd(v, 0x0078, 8), 0);
		assert_int_equal(rrd(v, 0x0074, 4), 0);
		for (unsigned i = 0; i < 12; i++)
			assert_int_equal(rrd(v, 0xffd0 + 4 * i, 4), ids[i]);
	}
}

static void test_vgic_gicr_waker(void **state)
{
	init(2);
	/* Reset: asleep. */
	assert_int_equal(rrd(0, 0x0014, 4), 0x6);
	assert_int_equal(rrd(1, 0x0014, 4), 0x6);
	/* Linux: clear ProcessorSleep, wait for ChildrenAsleep = 0. */
	rwr(0, 0x0014, 4, 0);
	assert_int_equal(rrd(0, 0x0014, 4), 0);
	assert_int_equal(rrd(1, 0x0014, 4), 0x6);          /* per redistributor */
	rwr(0, 0x0014, 4, 0x4);                            /* ChildrenAsleep is RO */
	assert_int_equal(rrd(0, 0x0014, 4), 0);
	rwr(0, 0x0014, 4, 0xffffffff);
	assert_int_equal(rrd(0, 0x0014, 4), 0x6);
	rwr(0, 0x0014, 4, 0x2);
	assert_int_equal(rrd(0, 0x0014, 4), 0x6);
}

static void test_vgic_gicr_sgi_frame(void **state)
{
	init(2);
	/* Reset. */
	assert_int_equal(srd(0, 0x0c00), 0xaaaaaaaa);      /* ICFGR0: SGIs edge */
	assert_int_equal(srd(0, 0x0c04), 0);               /* ICFGR1: PPIs level */
	for (uint64_t off = 0x080; off < 0x400; off += 0x80)
		assert_int_equal(srd(0, off), 0);
	/* IGROUPR0. */
	swr(0, 0x080, 0xffffffff);
	assert_int_equal(srd(0, 0x080), 0xffffffff);
	swr(0, 0x080, 0x12345678);
	assert_int_equal(srd(0, 0x080), 0x12345678);
	assert_int_equal(srd(1, 0x080), 0);                /* banked per vCPU */
	/* ISENABLER0/ICENABLER0. */
	swr(0, 0x100, 0x0000ffff);
	assert_int_equal(srd(0, 0x100), 0x0000ffff);
	assert_int_equal(srd(0, 0x180), 0x0000ffff);
	swr(0, 0x180, 0x000000ff);
	assert_int_equal(srd(0, 0x100), 0x0000ff00);
	assert_int_equal(srd(1, 0x100), 0);
	/* ISPENDR0/ICPENDR0: SGIs latch; PPIs (level) latch too. */
	swr(1, 0x200, 0x00010003);
	assert_int_equal(srd(1, 0x200), 0x00010003);
	assert_int_equal(srd(1, 0x280), 0x00010003);
	swr(1, 0x280, 0x00010001);
	assert_int_equal(srd(1, 0x200), 0x2);
	assert_int_equal(srd(0, 0x200), 0);
	/* ISACTIVER0/ICACTIVER0. */
	swr(1, 0x300, 0x80000001);
	assert_int_equal(srd(1, 0x300), 0x80000001);
	assert_int_equal(srd(1, 0x380), 0x80000001);
	swr(1, 0x380, 0x80000000);
	assert_int_equal(srd(1, 0x300), 0x1);
	/* IPRIORITYR0-7: byte and word. */
	rwr(0, 0x10400, 1, 0xf0);
	rwr(0, 0x1041f, 1, 0x0f);
	assert_int_equal(rrd(0, 0x10400, 1), 0xf0);
	assert_int_equal(rrd(0, 0x1041f, 1), 0x0f);
	assert_int_equal(srd(0, 0x41c), 0x0f000000);
	swr(0, 0x404, 0x44332211);
	assert_int_equal(rrd(0, 0x10405, 1), 0x22);
	assert_int_equal(srd(1, 0x404), 0);
	/* ICFGR0 read-only; ICFGR1 writable (PPIs). */
	swr(0, 0xc00, 0);
	assert_int_equal(srd(0, 0xc00), 0xaaaaaaaa);
	swr(0, 0xc04, 0xffffffff);
	assert_int_equal(srd(0, 0xc04), 0xaaaaaaaa);
	swr(0, 0xc04, 0x08000000);                         /* only INTID 29 edge */
	assert_int_equal(srd(0, 0xc04), 0x08000000);
	/* IGRPMODR0, NSACR, extended PPI registers, reserved: RAZ/WI. */
	static const uint64_t raz[] = { 0xd00, 0xe00, 0xe04, 0x084, 0x104, 0x204, 0x420, 0xc08,
					0xf80, 0x000, 0x004, 0x8000, 0xfffc };
	for (size_t i = 0; i < ARRAY_SIZE(raz); i++) {
		swr(0, raz[i], 0xffffffff);
		assert_int_equal(srd(0, raz[i]), 0);
	}
	assert_int_equal(srd(0, 0x080), 0x12345678);
}

/* ---------------------------------------------------------------- access rules */

static void test_vgic_access_sizes(void **state)
{
	uint64_t v;

	init(2);
	/* Distributor. */
	assert_int_equal(vgic_dist_read(&G, 0x0000, 2, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0x0000, 1, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0x0000, 8, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0x0002, 4, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0x0100, 1, &v), KE_INVAL);   /* ISENABLER byte */
	assert_int_equal(vgic_dist_read(&G, 0x0c00, 1, &v), KE_INVAL);   /* ICFGR byte */
	assert_int_equal(vgic_dist_read(&G, 0x0421, 1, &v), 0);          /* IPRIORITYR byte */
	assert_int_equal(vgic_dist_read(&G, 0x0822, 1, &v), 0);          /* ITARGETSR byte */
	assert_int_equal(vgic_dist_read(&G, 0x0420, 2, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0x6100, 8, &v), 0);          /* IROUTER */
	assert_int_equal(vgic_dist_read(&G, 0x6104, 4, &v), 0);
	assert_int_equal(vgic_dist_read(&G, 0x6104, 8, &v), KE_INVAL);   /* unaligned */
	assert_int_equal(vgic_dist_read(&G, 0x0400, 8, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0x10000, 4, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, ~0ULL - 3, 4, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0, 0, &v), KE_INVAL);
	assert_int_equal(vgic_dist_read(&G, 0, 16, &v), KE_INVAL);
	assert_int_equal(vgic_dist_write(&G, 0x0000, 8, 3, NULL), KE_INVAL);
	assert_int_equal(vgic_dist_write(&G, 0x0000, 2, 3, NULL), KE_INVAL);
	assert_int_equal(d32(0x0000), 0x50);                             /* not written */
	/* Redistributor. */
	assert_int_equal(vgic_redist_read(&G, 0x00008, 8, &v), 0);       /* GICR_TYPER */
	assert_int_equal(vgic_redist_read(&G, 0x0000c, 4, &v), 0);
	assert_int_equal(vgic_redist_read(&G, 0x0000c, 8, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x00014, 8, &v), KE_INVAL); /* WAKER */
	assert_int_equal(vgic_redist_read(&G, 0x00000, 8, &v), KE_INVAL); /* CTLR */
	assert_int_equal(vgic_redist_read(&G, 0x00014, 1, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x10400, 1, &v), 0);       /* IPRIORITYR0 */
	assert_int_equal(vgic_redist_read(&G, 0x1041f, 1, &v), 0);
	assert_int_equal(vgic_redist_read(&G, 0x10420, 1, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x00400, 1, &v), KE_INVAL); /* RD frame */
	assert_int_equal(vgic_redist_read(&G, 0x10100, 1, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x10100, 2, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x10102, 4, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x10100, 8, &v), KE_INVAL);
	assert_int_equal(vgic_redist_read(&G, 0x3fffc, 4, &v), 0);       /* last word */
	assert_int_equal(vgic_redist_read(&G, 0x40000, 4, &v), KE_INVAL); /* vCPU 2 of 2 */
	assert_int_equal(vgic_redist_read(&G, ~0ULL - 7, 8, &v), KE_INVAL);
	assert_int_equal(vgic_redist_write(&G, 0x40014, 4, 0, NULL), KE_INVAL);
	assert_int_equal(vgic_redist_write(&G, 0x00014, 2, 0, NULL), KE_INVAL);
	assert_int_equal(rrd(0, 0x0014, 4), 0x6);
}

/* Every offset of both windows with sizes 1, 2, 4, 8, 16: success exactly where
 * the access rules allow, KE_INVAL elsewhere, never a crash. */
static bool dist_access_ok(uint64_t off, unsigned size)
{
	if (off >= 0x10000 || (size != 1 && size != 4 && size != 8) || off % size)
		return false;
	if (size == 1)
		return off >= 0x400 && off < 0xc00;
	if (size == 8)
		return off >= 0x6000 && off < 0x8000;
	return true;
}

static bool redist_access_ok(uint64_t off, unsigned size, unsigned nr)
{
	uint64_t f = off % 0x20000;

	if (off >= nr * 0x20000ULL || (size != 1 && size != 4 && size != 8) || off % size)
		return false;
	if (size == 1)
		return f >= 0x10400 && f < 0x10420;
	if (size == 8)
		return f == 0x08 || f == 0x40 || f == 0x48 || f == 0x70 || f == 0x78 || f == 0xa0 ||
		       f == 0xb0;
	return true;
}

static void check_lrs_sane(void)
{
	uint64_t lrs[4];

	for (unsigned v = 0; v < G.nr_vcpus; v++) {
		bool more;
		unsigned n = fill(v, lrs, 4, &more);

		for (unsigned i = 0; i < n; i++) {
			assert_true(LR_INTID(lrs[i]) < 128);
			assert_int_not_equal(LR_STATE(lrs[i]), ST_INVALID);
		}
		(void)sync_all(v, lrs, n, ST_INVALID);
	}
}

static void test_vgic_hostile_mmio(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4, 8, 16 };

	init(4);
	for (uint64_t off = 0; off < 0x10000 + 64; off++)
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			unsigned size = sizes[s];
			int want = dist_access_ok(off, size) ? 0 : KE_INVAL;
			uint64_t v = 0;
			uint32_t kick = 0;

			assert_int_equal(vgic_dist_read(&G, off, size, &v), want);
			if (want == 0 && size < 8)
				assert_true(v < (1ULL << (8 * size)));
			assert_int_equal(vgic_dist_write(&G, off, size, rng(), &kick), want);
			assert_true(kick < 16);
		}
	check_lrs_sane();
	for (uint64_t off = 0; off < 4 * 0x20000ULL + 64; off++)
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			unsigned size = sizes[s];
			int want = redist_access_ok(off, size, 4) ? 0 : KE_INVAL;
			uint64_t v = 0;
			uint32_t kick = 0;

			assert_int_equal(vgic_redist_read(&G, off, size, &v), want);
			if (want == 0 && size < 8)
				assert_true(v < (1ULL << (8 * size)));
			assert_int_equal(vgic_redist_write(&G, off, size, rng(), &kick), want);
			assert_true(kick < 16);
		}
	check_lrs_sane();
	/* Far outside, odd sizes. */
	static const uint64_t far[] = { 0x10000, 0x80000, 1ULL << 32, 1ULL << 63, ~0ULL, ~0ULL - 3 };
	for (size_t i = 0; i < ARRAY_SIZE(far); i++)
		for (unsigned size = 0; size <= 16; size++) {
			uint64_t v;

			assert_int_equal(vgic_dist_read(&G, far[i], size, &v), KE_INVAL);
			assert_int_equal(vgic_dist_write(&G, far[i], size, 0, NULL), KE_INVAL);
			if (far[i] >= 0x80000) {
				assert_int_equal(vgic_redist_read(&G, far[i], size, &v), KE_INVAL);
				assert_int_equal(vgic_redist_write(&G, far[i], size, 0, NULL), KE_INVAL);
			}
		}
	assert_int_equal(vgic_dist_read(&G, 0, ~0u, NULL), KE_INVAL);
	/* The model still works. */
	assert_int_equal(vgic_init(&G, 4), 0);
	groups_on();
	spi_setup(33, 0, 3);
	assert_int_equal(vgic_trigger_edge(&G, 0, 33, NULL), 0);
	uint64_t lrs[4];
	assert_int_equal(fill(3, lrs, 4, NULL), 1);
	assert_int_equal(LR_INTID(lrs[0]), 33);
}

/* ---------------------------------------------------------------- interrupt sources */

static void test_vgic_sources_invalid(void **state)
{
	uint32_t kick = 0x55;

	init(2);
	assert_int_equal(vgic_set_level(&G, 0, 128, true, &kick), KE_INVAL);
	assert_int_equal(kick, 0);
	assert_int_equal(vgic_set_level(&G, 0, 1020, true, NULL), KE_INVAL);
	assert_int_equal(vgic_set_level(&G, 0, 8192, true, NULL), KE_INVAL);
	assert_int_equal(vgic_set_level(&G, 0, ~0u, true, NULL), KE_INVAL);
	assert_int_equal(vgic_set_level(&G, 0, 5, true, NULL), KE_INVAL);    /* SGI: no line */
	assert_int_equal(vgic_set_level(&G, 2, 27, true, NULL), KE_INVAL);   /* vCPU 2 of 2 */
	assert_int_equal(vgic_set_level(&G, ~0u, 16, true, NULL), KE_INVAL);
	assert_int_equal(vgic_set_level(&G, ~0u, 40, true, NULL), 0);        /* SPI: vcpu ignored */
	assert_int_equal(vgic_set_level(&G, 1, 31, true, NULL), 0);
	assert_int_equal(vgic_trigger_edge(&G, 0, 128, NULL), KE_INVAL);
	assert_int_equal(vgic_trigger_edge(&G, 0, ~0u, NULL), KE_INVAL);
	assert_int_equal(vgic_trigger_edge(&G, 2, 3, NULL), KE_INVAL);
	assert_int_equal(vgic_trigger_edge(&G, 1, 3, NULL), 0);              /* SGI edge: fine */
	assert_int_equal(vgic_trigger_edge(&G, 9, 127, NULL), 0);
	assert_int_equal(srd(1, 0x200), (1u << 31) | (1u << 3));
	assert_int_equal(d32(0x204) & (1u << 8), 1u << 8);                     /* 40 */
	assert_int_equal(d32(0x20c), 1u << 31);                                /* 127 */
	assert_int_equal(srd(0, 0x200), 0);
}

static void test_vgic_level_and_edge_pending(void **state)
{
	init(1);
	/* Level SPI: pending follows the line; ICPENDR cannot clear a high line. */
	assert_int_equal(vgic_set_level(&G, 0, 36, true, NULL), 0);
	assert_int_equal(d32(0x204), 1u << 4);
	dwr(0x284, 4, 1u << 4);
	assert_int_equal(d32(0x204), 1u << 4);
	assert_int_equal(vgic_set_level(&G, 0, 36, false, NULL), 0);
	assert_int_equal(d32(0x204), 0);
	/* ISPENDR latches a level interrupt whatever the line. */
	dwr(0x204, 4, 1u << 4);
	assert_int_equal(d32(0x204), 1u << 4);
	dwr(0x284, 4, 1u << 4);
	assert_int_equal(d32(0x204), 0);
	/* Edge SPI: a rising edge latches; the line going low does not clear. */
	dwr(0xc08, 4, 2u << 8);                           /* INTID 36 edge */
	assert_int_equal(vgic_set_level(&G, 0, 36, true, NULL), 0);
	assert_int_equal(d32(0x204), 1u << 4);
	assert_int_equal(vgic_set_level(&G, 0, 36, false, NULL), 0);
	assert_int_equal(d32(0x204), 1u << 4);
	dwr(0x284, 4, 1u << 4);
	assert_int_equal(d32(0x204), 0);
	/* Level held high: no new edge. */
	assert_int_equal(vgic_set_level(&G, 0, 36, true, NULL), 0);
	dwr(0x284, 4, 1u << 4);
	assert_int_equal(vgic_set_level(&G, 0, 36, true, NULL), 0);
	assert_int_equal(d32(0x204), 0);
	/* trigger_edge latches whatever the configuration. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 37, NULL), 0);
	assert_int_equal(d32(0x204), 1u << 5);
	/* PPIs: level by default, edge if ICFGR1 says so. */
	assert_int_equal(vgic_set_level(&G, 0, 20, true, NULL), 0);
	assert_int_equal(srd(0, 0x200), 1u << 20);
	assert_int_equal(vgic_set_level(&G, 0, 20, false, NULL), 0);
	assert_int_equal(srd(0, 0x200), 0);
	swr(0, 0xc04, 2u << 8);                            /* INTID 20 edge */
	assert_int_equal(vgic_set_level(&G, 0, 20, true, NULL), 0);
	assert_int_equal(vgic_set_level(&G, 0, 20, false, NULL), 0);
	assert_int_equal(srd(0, 0x200), 1u << 20);
}

static void test_vgic_kicks(void **state)
{
	uint32_t kick;

	init(4);
	/* Nothing enabled: pending but no kick. */
	assert_int_equal(vgic_set_level(&G, 0, 40, true, &kick), 0);
	assert_int_equal(kick, 0);
	spi_setup(40, 0x20, 2);                      /* enabled, routed to 2, groups off */
	assert_int_equal(dwr(0x0000, 4, 0x2), 1u << 2);   /* EnableGrp1 makes it deliverable */
	/* Already deliverable: no new kick. */
	assert_int_equal(vgic_set_level(&G, 0, 40, true, &kick), 0);
	assert_int_equal(kick, 0);
	assert_int_equal(vgic_set_level(&G, 0, 40, false, &kick), 0);
	assert_int_equal(kick, 0);
	assert_int_equal(vgic_set_level(&G, 0, 40, true, &kick), 0);
	assert_int_equal(kick, 1u << 2);
	/* A PPI kicks its own vCPU. */
	ppi_setup(3, 23, 0x10);
	assert_int_equal(vgic_set_level(&G, 3, 23, true, &kick), 0);
	assert_int_equal(kick, 1u << 3);
	/* ISENABLER on a pending interrupt kicks; ICENABLER does not. */
	dwr(0x184, 4, 1u << 8);
	assert_int_equal(dwr(0x104, 4, 1u << 8), 1u << 2);
	/* ISPENDR of several SPIs routed to different vCPUs. */
	spi_setup(64, 0, 0);
	spi_setup(65, 0, 1);
	assert_int_equal(dwr(0x208, 4, 3), 0x3);
	/* Group 0 interrupts need EnableGrp0. */
	swr(1, 0x080, 0);                            /* all Group 0 */
	swr(1, 0x100, 1u << 5);
	assert_int_equal(swr(1, 0x200, 1u << 5), 0);
	assert_int_equal(dwr(0x0000, 4, 0x3), 1u << 1);
	/* Routing a pending SPI elsewhere kicks the new target. */
	assert_int_equal(dwr(0x6000 + 8 * 40, 8, 3), 1u << 3);
}

/* ---------------------------------------------------------------- SGIs */

static uint64_t sgi1r(unsigned intid, uint16_t list, unsigned aff1, unsigned aff2, unsigned aff3,
		      unsigned rs, bool irm)
{
	return list | (uint64_t)aff1 << 16 | (uint64_t)intid << 24 | (uint64_t)aff2 << 32 |
	       (uint64_t)irm << 40 | (uint64_t)rs << 44 | (uint64_t)aff3 << 48;
}

static uint32_t sgi_pending_mask(unsigned intid)
{
	uint32_t mask = 0;

	for (unsigned v = 0; v < G.nr_vcpus; v++)
		if (srd(v, 0x200) & (1u << intid))
			mask |= 1u << v;
	return mask;
}

static void sgi_clear_all(void)
{
	for (unsigned v = 0; v < G.nr_vcpus; v++)
		swr(v, 0x280, 0xffff);
}

static void test_vgic_sgi_targets(void **state)
{
	uint32_t kick;

	init(8);
	groups_on();
	for (unsigned v = 0; v < 8; v++)
		for (unsigned i = 0; i < 16; i++)
			ppi_setup(v, i, 0x80);
	/* TargetList. */
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(3, 0x00a5, 0, 0, 0, 0, false), false, &kick), 0);
	assert_int_equal(sgi_pending_mask(3), 0xa5);
	assert_int_equal(kick, 0xa5);
	assert_int_equal(sgi_pending_mask(2), 0);
	sgi_clear_all();
	/* Self. */
	assert_int_equal(vgic_sgi_generate(&G, 4, sgi1r(15, 1u << 4, 0, 0, 0, 0, false), false, &kick), 0);
	assert_int_equal(sgi_pending_mask(15), 1u << 4);
	assert_int_equal(kick, 1u << 4);
	sgi_clear_all();
	/* Bits naming no vCPU (Aff0 8..15). */
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(1, 0xff00, 0, 0, 0, 0, false), false, &kick), 0);
	assert_int_equal(sgi_pending_mask(1), 0);
	assert_int_equal(kick, 0);
	/* Affinity mismatches: Aff1, Aff2, Aff3, RS != 0. */
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(1, 0xff, 1, 0, 0, 0, false), false, &kick), 0);
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(1, 0xff, 0, 1, 0, 0, false), false, &kick), 0);
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(1, 0xff, 0, 0, 1, 0, false), false, &kick), 0);
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(1, 0xff, 0, 0, 0, 1, false), false, &kick), 0);
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(1, 0xff, 0, 0, 0, 15, false), false, &kick), 0);
	assert_int_equal(sgi_pending_mask(1), 0);
	assert_int_equal(kick, 0);
	/* IRM = 1: everyone but the sender; target fields ignored. */
	assert_int_equal(vgic_sgi_generate(&G, 5, sgi1r(9, 0x1, 7, 7, 7, 3, true), false, &kick), 0);
	assert_int_equal(sgi_pending_mask(9), 0xff & ~(1u << 5));
	assert_int_equal(kick, 0xff & ~(1u << 5));
	sgi_clear_all();
	/* RES0 bits ignored. */
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(2, 0x3, 0, 0, 0, 0, false) | 0xff00000000000000ULL |
					   0xf0000000ULL | 0x0e0000000000ULL, false, &kick), 0);
	assert_int_equal(sgi_pending_mask(2), 0x3);
	sgi_clear_all();
	/* Sender out of range. */
	assert_int_equal(vgic_sgi_generate(&G, 8, sgi1r(2, 0x3, 0, 0, 0, 0, false), false, &kick),
			 KE_INVAL);
	assert_int_equal(kick, 0);
	assert_int_equal(sgi_pending_mask(2), 0);
}

static void test_vgic_sgi_groups(void **state)
{
	uint32_t kick;

	init(4);
	groups_on();
	/* SGI 6: Group 1 on vCPUs 0 and 1, Group 0 on 2 and 3; all enabled. */
	for (unsigned v = 0; v < 4; v++) {
		swr(v, 0x080, v < 2 ? 1u << 6 : 0);
		swr(v, 0x100, 1u << 6);
	}
	/* ICC_SGI0R_EL1 / ICC_ASGI1R_EL1: Group 0 targets only. */
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(6, 0xf, 0, 0, 0, 0, false), true, &kick), 0);
	assert_int_equal(sgi_pending_mask(6), 0xc);
	assert_int_equal(kick, 0xc);
	sgi_clear_all();
	/* ICC_SGI1R_EL1 with DS = 1: whatever the group. */
	assert_int_equal(vgic_sgi_generate(&G, 0, sgi1r(6, 0xf, 0, 0, 0, 0, false), false, &kick), 0);
	assert_int_equal(sgi_pending_mask(6), 0xf);
	/* SGIs are edge: a second one while pending is the same pending state. */
	assert_int_equal(vgic_sgi_generate(&G, 1, sgi1r(6, 0xf, 0, 0, 0, 0, false), false, &kick), 0);
	assert_int_equal(kick, 0);
}

/* Independent decode of ICC_SGI1R_EL1 for the random test. */
static uint32_t expect_sgi_targets(uint64_t v, unsigned src, unsigned nr)
{
	uint32_t all = (1u << nr) - 1, t = 0;

	if ((v >> 40) & 1)
		return all & ~(1u << src);
	if (((v >> 16) & 0xff) || ((v >> 32) & 0xff) || ((v >> 48) & 0xff))
		return 0;
	for (unsigned i = 0; i < 16; i++)
		if ((v >> i) & 1) {
			unsigned aff0 = ((unsigned)(v >> 44) & 0xf) * 16 + i;

			if (aff0 < nr)
				t |= 1u << aff0;
		}
	return t;
}

static void test_vgic_sgi_random(void **state)
{
	for (unsigned nr = 1; nr <= 8; nr++) {
		init(nr);
		groups_on();
		for (unsigned v = 0; v < nr; v++) {
			swr(v, 0x080, 0xffff);
			swr(v, 0x100, 0xffff);
		}
		for (unsigned iter = 0; iter < 20000; iter++) {
			uint64_t val = rng();
			unsigned src = (unsigned)(rng() % (nr + 1));
			unsigned intid = (unsigned)(val >> 24) & 0xf;
			uint32_t kick = 0xdead;

			/* Make the interesting cases common. */
			if (iter & 1)
				val &= ~(0xffULL << 16 | 0xffULL << 32 | 0xffULL << 48 | 0xfULL << 44);
			if (iter % 3 == 0)
				val &= ~(1ULL << 40);
			/* A TargetList range (RS) beyond vCPU 15 with Aff3-Aff1 zero: names nobody. */
			if (iter % 5 == 0)
				val = (val & ~(0xffULL << 16 | 0xffULL << 32 | 0xffULL << 48 | 0xfULL << 44)) |
				      (1 + rng() % 15) << 44;
			sgi_clear_all();
			if (src >= nr) {
				assert_int_equal(vgic_sgi_generate(&G, src, val, iter & 4, &kick), KE_INVAL);
				assert_int_equal(kick, 0);
				continue;
			}
			assert_int_equal(vgic_sgi_generate(&G, src, val, false, &kick), 0);
			assert_int_equal(sgi_pending_mask(intid), expect_sgi_targets(val, src, nr));
			assert_int_equal(kick, expect_sgi_targets(val, src, nr));
			/* group0: all SGIs are Group 1 here, so nothing. */
			sgi_clear_all();
			assert_int_equal(vgic_sgi_generate(&G, src, val, true, &kick), 0);
			assert_int_equal(sgi_pending_mask(intid), 0);
			assert_int_equal(kick, 0);
		}
	}
}

/* ---------------------------------------------------------------- list registers */

static void test_vgic_lr_encoding(void **state)
{
	uint64_t lrs[4];

	init(2);
	groups_on();
	spi_setup(77, 0xa8, 1);
	assert_int_equal(vgic_trigger_edge(&G, 0, 77, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	/* vINTID 77, priority 0xa8, Group 1, Pending, no HW, no EOI (latched). */
	assert_int_equal(lrs[0], 77ULL | 0xa8ULL << 48 | 1ULL << 60 | 1ULL << 62);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	/* Group 0 and level with high line: EOI set for resampling. */
	spi_setup(70, 0x08, 1);
	dwr(0x088, 4, 0);                             /* 64..95 Group 0 */
	assert_int_equal(vgic_set_level(&G, 0, 70, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(lrs[0], 70ULL | 0x08ULL << 48 | 1ULL << 41 | 1ULL << 62);
}

static void test_vgic_lr_order(void **state)
{
	static const struct { unsigned intid; uint8_t prio; } irqs[] = {
		{ 40, 0x80 }, { 33, 0x20 }, { 100, 0x00 }, { 127, 0xff }, { 45, 0x20 }, { 90, 0x10 },
	};
	static const unsigned order[] = { 25, 100, 90, 3, 33, 45, 40, 127 };
	uint64_t lrs[16];
	unsigned n;

	init(2);
	groups_on();
	for (size_t i = 0; i < ARRAY_SIZE(irqs); i++) {
		spi_setup(irqs[i].intid, irqs[i].prio, 1);
		assert_int_equal(vgic_trigger_edge(&G, 0, irqs[i].intid, NULL), 0);
	}
	ppi_setup(1, 25, 0x00);                       /* ties with 100: lower INTID first */
	ppi_setup(1, 3, 0x18);
	assert_int_equal(vgic_set_level(&G, 1, 25, true, NULL), 0);
	assert_int_equal(vgic_trigger_edge(&G, 1, 3, NULL), 0);
	/* A pending interrupt of vCPU 0 is not listed for 1. */
	ppi_setup(0, 26, 0x00);
	assert_int_equal(vgic_set_level(&G, 0, 26, true, NULL), 0);

	n = fill(1, lrs, 16, NULL);
	assert_int_equal(n, ARRAY_SIZE(order));
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(LR_INTID(lrs[i]), order[i]);
		assert_int_equal(LR_STATE(lrs[i]), ST_PENDING);
		if (i > 0)
			assert_true(LR_PRIO(lrs[i - 1]) <= LR_PRIO(lrs[i]));
	}
	assert_int_equal(LR_PRIO(lrs[7]), 0xff);
	/* vCPU 0 gets only its own PPI. */
	assert_int_equal(fill(0, lrs, 16, NULL), 1);
	assert_int_equal(LR_INTID(lrs[0]), 26);
}

static void test_vgic_lr_more(void **state)
{
	uint64_t lrs[16];
	bool more;
	unsigned n;

	init(1);
	groups_on();
	for (unsigned i = 0; i < 6; i++) {
		spi_setup(32 + i, (uint8_t)(0x60 - 0x10 * i), 0);   /* 37 highest priority */
		assert_int_equal(vgic_trigger_edge(&G, 0, 32 + i, NULL), 0);
	}
	n = fill(0, lrs, 4, &more);
	assert_int_equal(n, 4);
	assert_true(more);
	assert_int_equal(LR_INTID(lrs[0]), 37);
	assert_int_equal(LR_INTID(lrs[3]), 34);
	/* The guest handles them all; the remaining two come next. */
	(void)sync_all(0, lrs, n, ST_INVALID);
	n = fill(0, lrs, 4, &more);
	assert_int_equal(n, 2);
	assert_false(more);
	assert_int_equal(LR_INTID(lrs[0]), 33);
	assert_int_equal(LR_INTID(lrs[1]), 32);
	(void)sync_all(0, lrs, n, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, &more), 0);
	assert_false(more);
	/* Exactly nr_lrs: not more. */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vgic_trigger_edge(&G, 0, 32 + i, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, &more), 4);
	assert_false(more);
	(void)sync_all(0, lrs, 4, ST_INVALID);
	/* nr_lrs = 0: nothing written, more if anything waits. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 32, NULL), 0);
	assert_int_equal(vgic_lr_fill(&G, 0, NULL, 0, &more), 0);
	assert_true(more);
	assert_false(vgic_lr_fill(&G, 0, NULL, 0, NULL));
}

static void test_vgic_lr_edge_once(void **state)
{
	uint64_t lrs[4];

	init(1);
	groups_on();
	spi_setup(48, 0x30, 0);
	dwr(0xc0c, 4, 2u << 0);                       /* INTID 48 edge */
	assert_int_equal(vgic_trigger_edge(&G, 0, 48, NULL), 0);
	assert_int_equal(vgic_trigger_edge(&G, 0, 48, NULL), 0);   /* same pending state */
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	/* Not pending in the model while the LR has it (consumed). */
	assert_int_equal(d32(0x204) & (1u << 16), 0);
	/* Acknowledged and deactivated: gone for good. */
	(void)sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
	/* Not acknowledged before the exit: listed again, once. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 48, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	(void)sync_all(0, lrs, 1, ST_PENDING);
	assert_int_equal(d32(0x204) & (1u << 16), 1u << 16);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	/* Filling again without a sync: as if returned unchanged, not duplicated. */
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	/* Acknowledged (active), and a new edge while it runs: pending + active. */
	(void)sync_all(0, lrs, 1, ST_ACTIVE);
	assert_int_equal(d32(0x304) & (1u << 16), 1u << 16);
	assert_int_equal(d32(0x204) & (1u << 16), 0);
	assert_int_equal(vgic_trigger_edge(&G, 0, 48, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PA);
	(void)sync_all(0, lrs, 1, ST_ACTIVE);         /* guest acknowledged the second one */
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	(void)sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
}

static void test_vgic_lr_level_repending(void **state)
{
	uint64_t lrs[4];

	init(1);
	groups_on();
	spi_setup(60, 0x50, 0);
	assert_int_equal(vgic_set_level(&G, 0, 60, true, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	assert_int_equal(LR_EOI(lrs[0]), 1);
	/* Level: stays pending in the model while the line is high. */
	assert_int_equal(d32(0x204) & (1u << 28), 1u << 28);
	/* Acknowledged: active, and the still-high line makes it pending too. */
	(void)sync_all(0, lrs, 1, ST_ACTIVE);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PA);
	/* Deactivated with the line still high: pending again. */
	(void)sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	/* The device lowers the line while the guest handles it: nothing after. */
	(void)sync_all(0, lrs, 1, ST_ACTIVE);
	assert_int_equal(vgic_set_level(&G, 0, 60, false, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	assert_int_equal(LR_EOI(lrs[0]), 0);
	(void)sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
	/* ISPENDR on a level interrupt: cleared by the acknowledge. */
	dwr(0x204, 4, 1u << 28);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_EOI(lrs[0]), 0);
	(void)sync_all(0, lrs, 1, ST_PENDING);        /* not yet acknowledged: kept */
	assert_int_equal(d32(0x204) & (1u << 28), 1u << 28);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	(void)sync_all(0, lrs, 1, ST_ACTIVE);
	assert_int_equal(d32(0x204) & (1u << 28), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	(void)sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
}

static void test_vgic_lr_active_roundtrip(void **state)
{
	uint64_t lrs[4];
	bool more;

	init(2);
	groups_on();
	spi_setup(80, 0xf0, 1);
	/* ISACTIVER: listed Active for its target, even though disabled. */
	dwr(0x188, 4, 1u << 16);                      /* ICENABLER2: 80 */
	dwr(0x308, 4, 1u << 16);
	assert_int_equal(d32(0x308), 1u << 16);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	assert_int_equal(LR_INTID(lrs[0]), 80);
	(void)sync_all(1, lrs, 1, ST_ACTIVE);
	assert_int_equal(d32(0x308), 1u << 16);
	(void)sync_all(1, lrs, fill(1, lrs, 4, NULL), ST_INVALID);
	assert_int_equal(d32(0x308), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* Active interrupts are listed before pending ones of higher priority. */
	dwr(0x108, 4, 1u << 16);
	spi_setup(81, 0x00, 1);
	spi_setup(82, 0x01, 1);
	dwr(0x308, 4, 1u << 16);                      /* 80 active, lowest priority */
	dwr(0x208, 4, 3u << 17);                      /* 81, 82 pending */
	assert_int_equal(fill(1, lrs, 2, &more), 2);
	assert_true(more);
	assert_int_equal(LR_INTID(lrs[0]), 80);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	assert_int_equal(LR_INTID(lrs[1]), 81);
	/* ICACTIVER (the vCPU is out, synced) clears it in the model. */
	(void)vgic_lr_sync(&G, 1, lrs, 2);
	dwr(0x388, 4, 1u << 16);
	assert_int_equal(fill(1, lrs, 4, NULL), 2);
	assert_int_equal(LR_INTID(lrs[0]), 81);
	assert_int_equal(LR_INTID(lrs[1]), 82);
	/* Disabling or clearing the group enable removes pending ones. */
	(void)vgic_lr_sync(&G, 1, lrs, 2);
	dwr(0x188, 4, 1u << 17);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	dwr(0x0000, 4, 0x1);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
}

static void test_vgic_lr_spi_follows_active_vcpu(void **state)
{
	uint64_t lrs[4];
	uint32_t kick;

	init(2);
	groups_on();
	spi_setup(90, 0x40, 0);
	assert_int_equal(vgic_set_level(&G, 0, 90, true, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	(void)sync_all(0, lrs, 1, ST_ACTIVE);         /* vCPU 0 acknowledged it */
	/* Rerouted while active: vCPU 0 must still get it to deactivate it. */
	assert_int_equal(dwr(0x6000 + 8 * 90, 8, 1), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PA);    /* line still high */
	/* Deactivated on vCPU 0: pending again, now for vCPU 1, which is kicked. */
	kick = sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(kick, 1u << 1);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_INTID(lrs[0]), 90);
}

static void test_vgic_lr_owner_exclusive(void **state)
{
	uint64_t lrs0[4], lrs1[4];
	uint32_t kick;

	init(2);
	groups_on();
	spi_setup(91, 0x40, 0);
	assert_int_equal(vgic_trigger_edge(&G, 0, 91, NULL), 0);
	assert_int_equal(fill(0, lrs0, 4, NULL), 1);  /* vCPU 0 runs with it */
	/* vCPU 1 reroutes it: vCPU 0 is kicked to give it back. */
	assert_int_equal(dwr(0x6000 + 8 * 91, 8, 1), 1u << 0);
	assert_int_equal(fill(1, lrs1, 4, NULL), 0);  /* not listed twice */
	assert_false(vgic_vcpu_has_pending(&G, 1));
	/* vCPU 0 exits without acknowledging it: it goes to vCPU 1. */
	kick = sync_all(0, lrs0, 1, ST_PENDING);
	assert_int_equal(kick, 1u << 1);
	assert_int_equal(fill(0, lrs0, 4, NULL), 0);
	assert_int_equal(fill(1, lrs1, 4, NULL), 1);
	assert_int_equal(LR_INTID(lrs1[0]), 91);
	/* A new edge while vCPU 1 holds it kicks vCPU 1 (its LR is stale). */
	assert_int_equal(vgic_trigger_edge(&G, 0, 91, &kick), 0);
	assert_int_equal(kick, 1u << 1);
	(void)sync_all(1, lrs1, 1, ST_ACTIVE);
	assert_int_equal(fill(1, lrs1, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs1[0]), ST_PA);
	/* Both acknowledged and deactivated: nothing left. */
	(void)sync_all(1, lrs1, 1, ST_INVALID);
	assert_int_equal(fill(1, lrs1, 4, NULL), 0);
	/* ICPENDR from vCPU 0 while vCPU 1 holds the latch: not restored on sync. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 91, NULL), 0);
	assert_int_equal(fill(1, lrs1, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs1[0]), ST_PENDING);
	assert_int_equal(dwr(0x288, 4, 1u << 27), 1u << 1);
	(void)sync_all(1, lrs1, 1, ST_PENDING);
	assert_int_equal(fill(1, lrs1, 4, NULL), 0);
}

static void test_vgic_lr_sync_hostile(void **state)
{
	uint64_t lrs[4];

	init(2);
	groups_on();
	spi_setup(100, 0x40, 0);
	dwr(0x30c, 4, 1u << 4);                        /* 100 active */
	/* LRs the model never filled: ignored. */
	for (unsigned i = 0; i < 10000; i++) {
		uint64_t junk[3] = { rng(), rng() | 3ULL << 62, (rng() & 0x7f) | 1ULL << 62 };

		assert_int_equal(vgic_lr_sync(&G, i & 1, junk, 3), 0);
	}
	assert_int_equal(vgic_lr_sync(&G, 2, lrs, 0), 0);
	assert_int_equal(vgic_lr_sync(&G, ~0u, lrs, 0), 0);
	assert_int_equal(d32(0x30c), 1u << 4);
	assert_int_equal(d32(0x20c), 0);
	/* A vCPU that does not exist lists nothing. */
	bool more = true;
	assert_int_equal(vgic_lr_fill(&G, 2, lrs, 4, &more), 0);
	assert_false(more);
	assert_int_equal(vgic_lr_fill(&G, ~0u, lrs, 4, NULL), 0);
	/* The same LR twice, or an LR of another vCPU: folded once, by the owner only. */
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	lrs[1] = with_state(lrs[0], ST_ACTIVE);
	lrs[0] = with_state(lrs[0], ST_INVALID);
	(void)vgic_lr_sync(&G, 1, lrs, 2);
	assert_false(vgic_vcpu_has_pending(&G, 1));
	(void)vgic_lr_sync(&G, 0, lrs, 2);
	assert_int_equal(d32(0x30c), 0);              /* the first one counted */
	/* A sync that leaves out a filled LR: treated as unchanged. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 100, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	(void)vgic_lr_sync(&G, 0, lrs, 0);
	assert_int_equal(d32(0x20c), 1u << 4);
}

/* ---------------------------------------------------------------- hardware links */

struct hw_calls {
	unsigned n;
	unsigned vcpu;
	uint32_t pintid;
};

static void hw_deactivate(void *ctx, unsigned vcpu, uint32_t pintid)
{
	struct hw_calls *c = ctx;

	c->n++;
	c->vcpu = vcpu;
	c->pintid = pintid;
}

static const struct vgic_hw_ops deactivate_ops = { .deactivate = hw_deactivate };

static void test_vgic_hw_link(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t lrs[4];
	uint32_t kick;

	init(2);
	vgic_set_hw_ops(&G, &deactivate_ops, &calls);
	groups_on();
	/* Arguments. */
	assert_int_equal(vgic_link_hw(&G, 1, 7, 27), KE_INVAL);     /* SGI */
	assert_int_equal(vgic_link_hw(&G, 1, 27, 15), KE_INVAL);    /* pINTID SGI */
	assert_int_equal(vgic_link_hw(&G, 1, 27, 1020), KE_INVAL);
	assert_int_equal(vgic_link_hw(&G, 2, 27, 27), KE_INVAL);
	assert_int_equal(vgic_link_hw(&G, 1, 128, 27), KE_INVAL);
	assert_int_equal(vgic_unlink_hw(&G, 1, 3), KE_INVAL);
	assert_int_equal(vgic_unlink_hw(&G, 1, 200), KE_INVAL);
	/* The virtual timer of vCPU 1: PPI 27 -> physical 27. */
	assert_int_equal(vgic_link_hw(&G, 1, 27, 27), 0);
	ppi_setup(1, 27, 0xa0);
	assert_int_equal(vgic_set_level(&G, 1, 27, true, &kick), 0);
	assert_int_equal(kick, 1u << 1);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(lrs[0], 27ULL | 27ULL << 32 | 0xa0ULL << 48 | 1ULL << 60 | 1ULL << 61 |
				 1ULL << 62);
	assert_int_equal(LR_EOI(lrs[0]), 0);
	/* Acknowledged: active. keel's level stays "high" but does not re-pend it. */
	(void)sync_all(1, lrs, 1, ST_ACTIVE);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	assert_int_equal(LR_HW(lrs[0]), 1);
	/* The guest sets it pending while active: never Pending+Active with HW. */
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	swr(1, 0x200, 1u << 27);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	/* Deactivated by the guest (hardware deactivates pINTID): the latch comes next. */
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(calls.n, 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(calls.n, 0);
	/* Injected again (the physical timer fired again). */
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	(void)sync_all(1, lrs, 1, ST_PENDING);
	/* ICPENDR while pending and not yet acknowledged: keel deactivates pINTID. */
	swr(1, 0x280, 1u << 27);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.vcpu, 1);
	assert_int_equal(calls.pintid, 27);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* ICACTIVER on an active one: the same. */
	assert_int_equal(vgic_trigger_edge(&G, 1, 27, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	(void)sync_all(1, lrs, 1, ST_ACTIVE);
	swr(1, 0x380, 1u << 27);
	assert_int_equal(calls.n, 2);
	/* keel withdraws an undelivered injection. */
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(vgic_set_level(&G, 1, 27, false, NULL), 0);
	assert_int_equal(calls.n, 3);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* Clearing what is not pending or active: no call. */
	swr(1, 0x280, 1u << 27);
	swr(1, 0x380, 1u << 27);
	assert_int_equal(vgic_set_level(&G, 1, 27, false, NULL), 0);
	assert_int_equal(calls.n, 3);
	/* An SPI link: pINTID 100 for virtual 50. */
	spi_setup(50, 0x10, 0);
	assert_int_equal(vgic_link_hw(&G, 0, 50, 100), 0);
	assert_int_equal(vgic_trigger_edge(&G, 1, 50, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_PINTID(lrs[0]), 100);
	assert_int_equal(LR_HW(lrs[0]), 1);
	(void)sync_all(0, lrs, 1, ST_INVALID);
	/* Unlinked: a plain interrupt again, no calls. */
	assert_int_equal(vgic_unlink_hw(&G, 1, 27), 0);
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_HW(lrs[0]), 0);
	assert_int_equal(LR_PINTID(lrs[0]), 0x200);   /* just the EOI bit (41) */
	assert_int_equal(LR_EOI(lrs[0]), 1);
	(void)sync_all(1, lrs, 1, ST_PENDING);
	swr(1, 0x180, 1u << 27);
	assert_int_equal(calls.n, 3);
	/* No callback registered: no crash. */
	vgic_set_hw_ops(&G, NULL, NULL);
	assert_int_equal(vgic_link_hw(&G, 1, 27, 27), 0);
	assert_int_equal(vgic_trigger_edge(&G, 1, 27, NULL), 0);
	swr(1, 0x280, 1u << 27);
}

/*
 * vCPU 0 writes GICR_ISACTIVER0/ICACTIVER0 of vCPU 1's linked timer PPI while
 * vCPU 1 runs with it in its LRs: the write is ordered after what vCPU 1's
 * guest did there (it wins at vCPU 1's sync), so a set-then-clear leaves it
 * inactive and the timer's next firing is delivered.
 */
static void test_vgic_hw_active_write_held(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t lrs[4];
	unsigned n;

	init(2);
	vgic_set_hw_ops(&G, &deactivate_ops, &calls);
	groups_on();
	assert_int_equal(vgic_link_hw(&G, 1, 27, 27), 0);
	ppi_setup(1, 27, 0xa0);

	/* Set active from outside: vCPU 1 lists it Active at its next entry. */
	swr(1, 0x300, 1u << 27);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	/* Cleared while listed there; vCPU 1 comes back with the LR unchanged. */
	assert_true(swr(1, 0x380, 1u << 27) & (1u << 1));
	assert_int_equal(srd(1, 0x300) & (1u << 27), 0);   /* read-after-write by the writer */
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	assert_int_equal(srd(1, 0x300) & (1u << 27), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* The timer fires: delivered. */
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	assert_int_equal(LR_HW(lrs[0]), 1);

	/* The guest acknowledged it; cleared from outside meanwhile: the physical one is
	 * deactivated too (the guest will not deactivate it now) and it is inactive. */
	(void)sync_all(1, lrs, 1, ST_ACTIVE);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	calls.n = 0;
	swr(1, 0x380, 1u << 27);
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.vcpu, 1);
	assert_int_equal(calls.pintid, 27);
	assert_int_equal(srd(1, 0x300) & (1u << 27), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);

	/* Set active while listed Pending (not acknowledged): active, the latch kept,
	 * listed Active only (HW = 1 never Pending+Active); cleared again: pending. */
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	swr(1, 0x300, 1u << 27);
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	assert_int_equal(srd(1, 0x300) & (1u << 27), 1u << 27);
	assert_int_equal(srd(1, 0x200) & (1u << 27), 1u << 27);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	calls.n = 0;
	swr(1, 0x380, 1u << 27);
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	assert_int_equal(calls.n, 0);                       /* still pending: keep it active */
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	(void)sync_all(1, lrs, 1, ST_INVALID);              /* taken and deactivated */

	/* A write that finds the LR gone (filled again without a sync) applies too. */
	swr(1, 0x300, 1u << 27);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	swr(1, 0x380, 1u << 27);
	n = fill(1, lrs, 4, NULL);
	assert_int_equal(n, 0);

	/* A random storm of set/clear active and pending from outside, interleaved with the
	 * guest taking what is listed: once the storm ends with clears, the timer works. */
	for (unsigned i = 0; i < 4000; i++) {
		uint64_t r = rng();
		static const uint64_t regs[] = { 0x200, 0x280, 0x300, 0x380 };

		swr(1, regs[r % 4], 1u << 27);
		if (r & 0x10)
			assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
		n = fill(1, lrs, 4, NULL);
		if ((r >> 8) % 3 == 0)
			swr(1, regs[(r >> 12) % 4], 1u << 27);
		(void)sync_all(1, lrs, n, (unsigned)((r >> 16) % 4) == ST_PA ? ST_ACTIVE :
				 (unsigned)((r >> 16) % 4));
	}
	swr(1, 0x280, 1u << 27);
	swr(1, 0x380, 1u << 27);
	assert_int_equal(srd(1, 0x200) & (1u << 27), 0);
	assert_int_equal(srd(1, 0x300) & (1u << 27), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
}

/* Every other register write to a linked PPI: enable, priority, group, config. */
static void test_vgic_hw_other_writes(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t lrs[4];

	init(2);
	vgic_set_hw_ops(&G, &deactivate_ops, &calls);
	groups_on();
	assert_int_equal(vgic_link_hw(&G, 1, 27, 27), 0);
	ppi_setup(1, 27, 0xa0);
	/* ICFGR1: level and read-only while linked (PPI 27 = bits 23:22). */
	assert_int_equal(srd(1, 0xc04) & (3u << 22), 0);
	swr(1, 0xc04, 2u << 22);
	assert_int_equal(srd(1, 0xc04) & (3u << 22), 0);
	/* Disabled while the timer fires: not listed, still pending (the physical
	 * interrupt stays active, so it does not fire again meanwhile). */
	swr(1, 0x180, 1u << 27);
	assert_int_equal(vgic_set_level(&G, 1, 27, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(srd(1, 0x200) & (1u << 27), 1u << 27);
	assert_int_equal(calls.n, 0);
	/* Priority and group changed while disabled, then enabled: listed with them. */
	rwr(1, 0x10400 + 27, 1, 0x40);
	swr(1, 0x080, srd(1, 0x080) & ~(1u << 27));
	swr(1, 0x100, 1u << 27);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_PRIO(lrs[0]), 0x40);
	assert_int_equal(LR_GROUP(lrs[0]), 0);
	assert_int_equal(LR_HW(lrs[0]), 1);
	/* Priority changed from outside while listed: the holder is kicked, the next fill has it. */
	assert_true(rwr(1, 0x10400 + 27, 1, 0x50) & (1u << 1));
	(void)vgic_lr_sync(&G, 1, lrs, 1);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_PRIO(lrs[0]), 0x50);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(calls.n, 0);
}

/* ---------------------------------------------------------------- hardware-linked SPIs */

struct spi_calls {
	unsigned n;
	uint32_t pintid;
	unsigned vcpu;
	bool enabled;
};

static void spi_config(void *ctx, uint32_t pintid, unsigned vcpu, bool enabled)
{
	struct spi_calls *c = ctx;

	c->n++;
	c->pintid = pintid;
	c->vcpu = vcpu;
	c->enabled = enabled;
}

static const struct vgic_hw_ops spi_config_ops = { .spi_config = spi_config };

/* GICD_ICFGR bit Int_config[1] (edge) of SPI intid. */
static bool icfgr_edge(unsigned intid)
{
	return d32(0xc00 + 4 * (intid / 16)) & (2u << (2 * (intid % 16)));
}

static void icfgr_write(unsigned intid, bool edge)
{
	uint32_t off = 0xc00 + 4 * (intid / 16), bit = 2u << (2 * (intid % 16));

	dwr(off, 4, edge ? d32(off) | bit : d32(off) & ~bit);
}

static void test_vgic_hw_spi_link_args(void **state)
{
	struct vgic_hw_spi_state st;

	init(2);
	assert_int_equal(vgic_link_hw_spi(&G, 31, 39, false), KE_INVAL);     /* a PPI */
	assert_int_equal(vgic_link_hw_spi(&G, 128, 39, false), KE_INVAL);    /* beyond the vGIC */
	assert_int_equal(vgic_link_hw_spi(&G, 39, 31, false), KE_INVAL);     /* pINTID a PPI */
	assert_int_equal(vgic_link_hw_spi(&G, 39, 1020, false), KE_INVAL);   /* special INTID */
	assert_int_equal(vgic_hw_spi_get(&G, 39, &st), KE_INVAL);            /* not linked */
	assert_int_equal(vgic_hw_spi_get(&G, 27, &st), KE_INVAL);
	assert_int_equal(vgic_hw_spi_get(&G, 200, &st), KE_INVAL);
	assert_int_equal(vgic_link_hw_spi(&G, 39, 1019, true), 0);
	assert_int_equal(vgic_hw_spi_get(&G, 39, &st), 0);
	assert_int_equal(st.target, 0);
	assert_false(st.enabled);
	assert_false(st.injected);
	assert_false(st.active);
}

/* ICFGR reads the physical trigger and ignores writes; a plain SPI's stays writable. */
static void test_vgic_hw_spi_trigger(void **state)
{
	init(1);
	assert_int_equal(vgic_link_hw_spi(&G, 39, 39, true), 0);
	assert_int_equal(vgic_link_hw_spi(&G, 40, 40, false), 0);
	assert_true(icfgr_edge(39));
	assert_false(icfgr_edge(40));
	icfgr_write(39, false);
	icfgr_write(40, true);
	assert_true(icfgr_edge(39));
	assert_false(icfgr_edge(40));
	icfgr_write(41, true);
	assert_true(icfgr_edge(41));
}

/*
 * The LR of an injected linked SPI: HW = 1, pINTID, no EOI bit, never
 * Pending+Active; the guest's deactivation through the LR ends it (keel is not
 * called), and a level SPI's line is not resampled by the model: the physical
 * SPI fires again instead, unlike a plain level SPI whose high line re-pends.
 */
static void test_vgic_hw_spi_listing(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t lrs[4];
	uint32_t kick;

	init(2);
	vgic_set_hw_ops(&G, &deactivate_ops, &calls);
	groups_on();
	assert_int_equal(vgic_link_hw_spi(&G, 39, 39, false), 0);
	spi_setup(39, 0x40, 1);
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, &kick), 0);
	assert_int_equal(kick, 1u << 1);
	assert_true(vgic_vcpu_has_pending(&G, 1));
	assert_false(vgic_vcpu_has_pending(&G, 0));
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(lrs[0], 39ULL | 39ULL << 32 | 0x40ULL << 48 | 1ULL << 60 | 1ULL << 61 |
				 1ULL << 62);
	/* Acknowledged; the guest sets it pending again meanwhile: listed Active only. */
	(void)sync_all(1, lrs, 1, ST_ACTIVE);
	dwr(0x200 + 4, 4, 1u << (39 - 32));
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	assert_int_equal(LR_HW(lrs[0]), 1);
	assert_int_equal(LR_PINTID(lrs[0]), 39);
	/* Deactivated through the LR: then the software pend is delivered. */
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(calls.n, 0);
	/* keel's level injection: once, even with the "line" high (the model tracks no line). */
	assert_int_equal(vgic_set_level(&G, 0, 39, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_EOI(lrs[0]), 0);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* A plain level SPI with its line high comes back after deactivation (EOI bit). */
	spi_setup(41, 0x40, 1);
	assert_int_equal(vgic_set_level(&G, 0, 41, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_EOI(lrs[0]), 1);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_INTID(lrs[0]), 41);
	(void)sync_all(1, lrs, 1, ST_PENDING);
}

/* An edge-triggered linked SPI: each injection delivered once, the line ignored. */
static void test_vgic_hw_spi_edge(void **state)
{
	uint64_t lrs[4];

	init(1);
	groups_on();
	assert_int_equal(vgic_link_hw_spi(&G, 50, 50, true), 0);
	spi_setup(50, 0x20, 0);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(vgic_trigger_edge(&G, 0, 50, NULL), 0);
		assert_int_equal(fill(0, lrs, 4, NULL), 1);
		assert_int_equal(LR_HW(lrs[0]), 1);
		assert_int_equal(LR_STATE(lrs[0]), ST_PENDING);
		(void)sync_all(0, lrs, 1, ST_ACTIVE);
		assert_int_equal(fill(0, lrs, 4, NULL), 1);
		(void)sync_all(0, lrs, 1, ST_INVALID);
		assert_int_equal(fill(0, lrs, 4, NULL), 0);
	}
	/* vgic_set_level(true) twice in a row is still one delivery (not two edges). */
	assert_int_equal(vgic_set_level(&G, 0, 50, true, NULL), 0);
	assert_int_equal(vgic_set_level(&G, 0, 50, true, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	(void)sync_all(0, lrs, 1, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
}

/*
 * Routing and enable follow the guest: hw_spi_config reports each change of a
 * linked SPI's target or enable (not of a plain SPI, not a rewrite of the same
 * value); an active SPI stays with the vCPU that took it, its next injection
 * goes to the new target.
 */
static void test_vgic_hw_spi_route_enable(void **state)
{
	struct spi_calls calls = { 0 };
	struct vgic_hw_spi_state st;
	uint64_t lrs[4];

	init(2);
	vgic_set_hw_ops(&G, &spi_config_ops, &calls);
	groups_on();
	assert_int_equal(vgic_link_hw_spi(&G, 39, 39, false), 0);
	/* Enable (spi_setup routes to vCPU 0 = unchanged, then enables). */
	spi_setup(39, 0x40, 0);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.pintid, 39);
	assert_int_equal(calls.vcpu, 0);
	assert_true(calls.enabled);
	dwr(0x100 + 4, 4, 1u << 7);                 /* enabled again: no change */
	assert_int_equal(calls.n, 1);
	/* Taken by vCPU 0, then re-routed to vCPU 1 while active. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	(void)sync_all(0, lrs, 1, ST_ACTIVE);
	dwr(0x6000 + 8 * 39, 8, 1);
	assert_int_equal(calls.n, 2);
	assert_int_equal(calls.vcpu, 1);
	assert_true(calls.enabled);
	assert_int_equal(vgic_hw_spi_get(&G, 39, &st), 0);
	assert_int_equal(st.target, 1);
	assert_true(st.active);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	(void)sync_all(0, lrs, 1, ST_INVALID);
	/* The next firing reaches vCPU 1. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, NULL), 0);
	assert_int_equal(vgic_hw_spi_get(&G, 39, &st), 0);
	assert_true(st.injected);
	assert_false(st.active);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_PINTID(lrs[0]), 39);
	assert_int_equal(vgic_hw_spi_get(&G, 39, &st), 0);
	assert_true(st.injected);                   /* listed, not acknowledged yet */
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(vgic_hw_spi_get(&G, 39, &st), 0);
	assert_false(st.injected);
	/* A 32-bit write of the high half (Aff3, RAZ/WI) changes nothing. */
	dwr(0x6000 + 8 * 39 + 4, 4, 0xff);
	assert_int_equal(calls.n, 2);
	/* A route naming no vCPU, then IRM (vCPU 0). */
	dwr(0x6000 + 8 * 39, 8, 7);
	assert_int_equal(calls.n, 3);
	assert_int_equal(calls.vcpu, VGIC_VCPU_NONE);
	dwr(0x6000 + 8 * 39, 8, 1ULL << 31 | 1);
	assert_int_equal(calls.n, 4);
	assert_int_equal(calls.vcpu, 0);
	/* Disabled, enabled. */
	dwr(0x180 + 4, 4, 1u << 7);
	assert_int_equal(calls.n, 5);
	assert_false(calls.enabled);
	dwr(0x180 + 4, 4, 1u << 7);
	assert_int_equal(calls.n, 5);
	dwr(0x100 + 4, 4, 0xffffffffu);             /* all of 32..63 at once: one call */
	assert_int_equal(calls.n, 6);
	assert_true(calls.enabled);
	/* A plain SPI next to it: no calls. */
	dwr(0x6000 + 8 * 40, 8, 1);
	dwr(0x180 + 4, 4, 1u << 8);
	assert_int_equal(calls.n, 6);
	/* vgic_init forgets the callback with the links. */
	init(2);
	assert_int_equal(vgic_link_hw_spi(&G, 39, 39, false), 0);
	spi_setup(39, 0x40, 1);
	assert_int_equal(calls.n, 6);
}

/* ICPENDR/ICACTIVER of a linked SPI deactivate the physical one (hw_deactivate). */
static void test_vgic_hw_spi_clear(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t lrs[4];

	init(2);
	vgic_set_hw_ops(&G, &deactivate_ops, &calls);
	groups_on();
	assert_int_equal(vgic_link_hw_spi(&G, 39, 100, false), 0);
	spi_setup(39, 0x40, 1);
	/* Injected, not taken; the guest clears the pending state. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, NULL), 0);
	dwr(0x280 + 4, 4, 1u << 7);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.pintid, 100);
	assert_int_equal(calls.vcpu, 1);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* Listed, then cleared from vCPU 0 while vCPU 1 holds it. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_true(dwr(0x280 + 4, 4, 1u << 7) & (1u << 1));
	assert_int_equal(calls.n, 2);
	(void)vgic_lr_sync(&G, 1, lrs, 1);          /* came back Pending: the latch stays gone */
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* Taken (active), then ICACTIVER: deactivated physically at vCPU 1's sync. */
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	(void)sync_all(1, lrs, 1, ST_ACTIVE);
	dwr(0x380 + 4, 4, 1u << 7);
	assert_int_equal(calls.n, 3);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	/* Clearing an idle one: nothing to deactivate. */
	dwr(0x280 + 4, 4, 1u << 7);
	dwr(0x380 + 4, 4, 1u << 7);
	assert_int_equal(calls.n, 3);
	/* Disabled while injected: not listed, the injection waits (no deactivation). */
	assert_int_equal(vgic_trigger_edge(&G, 0, 39, NULL), 0);
	dwr(0x180 + 4, 4, 1u << 7);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
	assert_int_equal(calls.n, 3);
	dwr(0x100 + 4, 4, 1u << 7);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(LR_HW(lrs[0]), 1);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(calls.n, 3);
}

/*
 * More interrupts active than LRs (QEMU's GIC has 4): a guest deactivation that
 * finds no LR counts in ICH_HCR_EL2.EOIcount (vgic_lr_eoi_count) or, with
 * ICC_DIR_EL1 trapped, names the INTID (vgic_deactivate).
 */
static void test_vgic_active_overflow(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t lrs[4];
	bool more;

	init(1);
	vgic_set_hw_ops(&G, &deactivate_ops, &calls);
	groups_on();
	/* SPIs 40..45, priority 0x80 (40) down to 0x30 (45), all active. */
	for (unsigned i = 0; i < 6; i++)
		spi_setup(40 + i, (uint8_t)(0x80 - 0x10 * i), 0);
	assert_false(vgic_vcpu_active_unlisted(&G, 0));
	dwr(0x304, 4, 0x3fu << 8);
	assert_int_equal(fill(0, lrs, 4, &more), 4);
	assert_true(more);
	assert_true(vgic_vcpu_active_unlisted(&G, 0));
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(LR_INTID(lrs[i]), 45 - i);
		assert_int_equal(LR_STATE(lrs[i]), ST_ACTIVE);
	}
	/* EOImode 0: the guest ended the four listed, then one more (EOIcount 1): the
	 * highest-priority unlisted one, 41. */
	assert_int_equal(vgic_lr_eoi_count(&G, 0, 1), 0);
	(void)sync_all(0, lrs, 4, ST_INVALID);
	assert_int_equal((d32(0x304) >> 8) & 0x3f, 1u << 0);   /* only 40 left active */
	assert_int_equal(fill(0, lrs, 4, &more), 1);
	assert_false(more);
	assert_false(vgic_vcpu_active_unlisted(&G, 0));
	assert_int_equal(LR_INTID(lrs[0]), 40);
	assert_int_equal(LR_STATE(lrs[0]), ST_ACTIVE);
	/* A count while nothing unlisted is active: no effect on the listed one. */
	assert_int_equal(vgic_lr_eoi_count(&G, 0, 3), 0);
	(void)vgic_lr_sync(&G, 0, lrs, 1);
	assert_int_equal((d32(0x304) >> 8) & 0x3f, 1u << 0);
	/* A count larger than what is unlisted deactivates those only. */
	dwr(0x304, 4, 0x3fu << 8);
	assert_int_equal(fill(0, lrs, 4, NULL), 4);
	assert_int_equal(vgic_lr_eoi_count(&G, 0, 31), 0);
	(void)vgic_lr_sync(&G, 0, lrs, 4);
	assert_int_equal((d32(0x304) >> 8) & 0x3f, 0x3cu);     /* 42..45 still active */
	dwr(0x384, 4, 0x3fu << 8);

	/* ICC_DIR_EL1 trapped: any order, the lowest priority first. */
	dwr(0x304, 4, 0x3fu << 8);
	assert_int_equal(fill(0, lrs, 4, NULL), 4);
	(void)vgic_lr_sync(&G, 0, lrs, 4);   /* unchanged: all still active */
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(vgic_deactivate(&G, 0, 40 + i), 0);
		assert_int_equal((d32(0x304) >> 8) & 0x3f, 0x3eu << i & 0x3f);
	}
	/* Nothing active, unknown or impossible INTIDs: no effect. */
	assert_int_equal(vgic_deactivate(&G, 0, 40), 0);
	assert_int_equal(vgic_deactivate(&G, 0, 1023), 0);
	assert_int_equal(vgic_deactivate(&G, 0, 0xffffff), 0);
	assert_int_equal(vgic_deactivate(&G, 1, 40), 0);
	assert_int_equal(vgic_lr_eoi_count(&G, 1, 1), 0);
	/* All of them can be taken again. */
	dwr(0x204, 4, 0x3fu << 8);
	assert_int_equal(fill(0, lrs, 4, &more), 4);
	assert_true(more);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(LR_STATE(lrs[i]), ST_PENDING);
	(void)sync_all(0, lrs, 4, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 2);
	(void)sync_all(0, lrs, 2, ST_INVALID);
	assert_int_equal(fill(0, lrs, 4, NULL), 0);

	/* Four active fill the LRs and two are pending: the highest-priority pending one
	 * (45) takes the last LR from the lowest active one (40); the other waits. */
	dwr(0x304, 4, 0x0fu << 8);              /* 40..43 active */
	dwr(0x204, 4, 0x30u << 8);              /* 44, 45 pending */
	assert_int_equal(fill(0, lrs, 4, &more), 4);
	assert_true(more);
	assert_int_equal(LR_INTID(lrs[0]), 43);
	assert_int_equal(LR_INTID(lrs[1]), 42);
	assert_int_equal(LR_INTID(lrs[2]), 41);
	assert_int_equal(LR_INTID(lrs[3]), 45);
	assert_int_equal(LR_STATE(lrs[3]), ST_PENDING);
	assert_true(vgic_vcpu_active_unlisted(&G, 0));
	assert_true(vgic_vcpu_pending_unlisted(&G, 0));
	/* 45 taken (Active): the refill lists 44 in the last LR, nothing pending left out. */
	lrs[3] = with_state(lrs[3], ST_ACTIVE);
	(void)vgic_lr_sync(&G, 0, lrs, 4);
	assert_int_equal(fill(0, lrs, 4, &more), 4);
	assert_int_equal(LR_INTID(lrs[0]), 45);
	assert_int_equal(LR_INTID(lrs[3]), 44);
	assert_int_equal(LR_STATE(lrs[3]), ST_PENDING);
	assert_false(vgic_vcpu_pending_unlisted(&G, 0));
	assert_true(vgic_vcpu_active_unlisted(&G, 0));
	lrs[3] = with_state(lrs[3], ST_ACTIVE);
	(void)vgic_lr_sync(&G, 0, lrs, 4);
	/* All six active now; deactivated by ICC_DIR_EL1 in any order. */
	assert_int_equal((d32(0x304) >> 8) & 0x3f, 0x3f);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(vgic_deactivate(&G, 0, 40 + (i * 5) % 6), 0);
	assert_int_equal((d32(0x304) >> 8) & 0x3f, 0);
	assert_false(vgic_vcpu_pending_unlisted(&G, 0));

	/* A linked PPI active below four higher active SGIs: counted, its physical
	 * interrupt deactivated too. */
	assert_int_equal(vgic_link_hw(&G, 0, 27, 27), 0);
	ppi_setup(0, 27, 0xf0);
	for (unsigned i = 1; i <= 4; i++)
		ppi_setup(0, i, (uint8_t)(0x10 * i));
	swr(0, 0x300, 1u << 27 | 0x1e);
	assert_int_equal(fill(0, lrs, 4, NULL), 4);
	assert_true(vgic_vcpu_active_unlisted(&G, 0));
	assert_int_equal(vgic_lr_eoi_count(&G, 0, 1), 0);
	assert_int_equal(calls.n, 1);
	assert_int_equal(calls.pintid, 27);
	(void)sync_all(0, lrs, 4, ST_INVALID);
	assert_int_equal(srd(0, 0x300), 0);
}

/* ---------------------------------------------------------------- bookkeeping vs a full scan */

/*
 * What vgic_lr_fill(), vgic_lr_sync() and vgic_vcpu_has_pending() must do,
 * written as plain scans over every interrupt's state (the rules of
 * vgic.h), for the random test below to check the model against.
 */
static struct vgic_irq *ref_irq(unsigned v, unsigned intid)
{
	return intid < 32 ? &G.cpu[v].priv[intid] : &G.spi[intid - 32];
}

static bool ref_pending(const struct vgic_irq *irq)
{
	return irq->latch || (!irq->edge && !irq->hw && irq->line);
}

static unsigned ref_dest(const struct vgic_irq *irq)
{
	return irq->active ? irq->active_vcpu : irq->target;
}

static bool ref_deliverable(const struct vgic_irq *irq)
{
	return ref_pending(irq) && irq->enabled && (G.ctlr & (irq->group1 ? 0x2u : 0x1u));
}

/* The vCPU (as a mask) irq wants to be listed for as pending. */
static uint32_t ref_want(const struct vgic_irq *irq)
{
	unsigned dest = ref_dest(irq);

	if (dest >= G.nr_vcpus || !ref_deliverable(irq))
		return 0;
	if (irq->lr_owner != 0xff && irq->lr_owner != dest)
		return 0;
	return 1u << dest;
}

static bool ref_has_pending(unsigned v)
{
	for (unsigned i = 0; i < 128; i++)
		if (ref_want(ref_irq(v, i)) & (1u << v))
			return true;
	return false;
}

/* irq as a fill of vCPU v sees it, after taking back what v's LRs held. */
/* An ISACTIVER/ICACTIVER write made while the LRs held it decides once they come back. */
static void ref_active_write(struct vgic_irq *r)
{
	if (!r->active_write)
		return;
	if (r->active_write == 1 && !r->active)
		r->active_vcpu = r->target;
	r->active = r->active_write == 1;
	r->active_write = 0;
}

static struct vgic_irq ref_reclaimed(const struct vgic_irq *irq, unsigned v)
{
	struct vgic_irq r = *irq;

	if (r.lr_owner == v) {
		r.latch |= r.lr_latched;
		r.lr_latched = false;
		r.lr_owner = 0xff;
		ref_active_write(&r);
	}
	return r;
}

static bool ref_before(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

static uint64_t ref_lr(const struct vgic_irq *irq)
{
	bool pend = ref_deliverable(irq) && !(irq->hw && irq->active);
	uint64_t lr = irq->intid | (uint64_t)irq->priority << 48 | (uint64_t)irq->group1 << 60 |
		      (uint64_t)irq->active << 63 | (uint64_t)pend << 62;

	if (irq->hw)
		lr |= 1ULL << 61 | (uint64_t)irq->hw_intid << 32;
	else if (!irq->edge && irq->line)
		lr |= 1ULL << 41;
	return lr;
}

/* Every interrupt a fill of v wants to list, in LR order, as LR values; how many. */
static unsigned ref_fill(unsigned v, uint64_t *lrs)
{
	struct vgic_irq c[128];
	unsigned n = 0;

	for (unsigned i = 0; i < 128; i++) {
		struct vgic_irq r = ref_reclaimed(ref_irq(v, i), v);

		if (r.lr_owner == 0xff && ref_dest(&r) == v && (r.active || ref_deliverable(&r)))
			c[n++] = r;
	}
	for (unsigned i = 0; i < n; i++)   /* selection sort: obviously right */
		for (unsigned j = i + 1; j < n; j++)
			if (ref_before(&c[j], &c[i])) {
				struct vgic_irq t = c[i];

				c[i] = c[j];
				c[j] = t;
			}
	for (unsigned i = 0; i < n; i++)
		lrs[i] = ref_lr(&c[i]);
	return n;
}

/* The vCPU whose lr_cand should hold irq: its destination if it may want an LR there. */
static unsigned ref_cand_vcpu(const struct vgic_irq *irq)
{
	unsigned dest = ref_dest(irq);

	if (dest < G.nr_vcpus && (irq->active || (irq->enabled && ref_pending(irq))))
		return dest;
	return 0xff;
}

/* The bitmaps hold exactly what their definition (struct vgic_cpu) says. */
static void check_bookkeeping(void)
{
	for (unsigned v = 0; v < 8; v++)
		for (unsigned i = 0; i < 128; i++) {
			const struct vgic_irq *irq = ref_irq(v, i);
			bool listed = (G.cpu[v].lr_listed[i / 32] >> (i % 32)) & 1;
			bool cand = (G.cpu[v].lr_cand[i / 32] >> (i % 32)) & 1;

			if (v >= G.nr_vcpus) {
				assert_false(listed || cand);
				continue;
			}
			assert_int_equal(listed, irq->lr_owner == v);
			assert_int_equal(cand, ref_cand_vcpu(irq) == v);
			assert_int_equal(irq->cand_vcpu, ref_cand_vcpu(irq));
		}
}

/* What the guest might leave in the LRs it was given: any state, some left out, in any order. */
static unsigned guest_returns(uint64_t *lrs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (rng() % 2)
			lrs[i] = with_state(lrs[i], (unsigned)(rng() % 4));
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)(rng() % i);
		uint64_t t = lrs[i - 1];

		lrs[i - 1] = lrs[j];
		lrs[j] = t;
	}
	if (n && rng() % 8 == 0)
		n--;
	if (rng() % 16 == 0)
		lrs[n++] = rng() % 130 | (rng() % 4) << 62;   /* never listed, or listed twice */
	return n;
}

/* Sync vCPU v's LRs, checking the state it folds back and the kicks against a full scan. */
static void ref_checked_sync(unsigned v, uint64_t *lrs, unsigned n)
{
	struct vgic_irq want[128];
	uint32_t kick = 0;

	for (unsigned i = 0; i < 128; i++)
		want[i] = *ref_irq(v, i);
	for (unsigned i = 0; i < n; i++) {
		unsigned intid = (unsigned)(lrs[i] & 0xffffffff);
		struct vgic_irq *w = &want[intid < 128 ? intid : 0];

		if (intid >= 128 || w->lr_owner != v)
			continue;
		if (lrs[i] & 1ULL << 62)
			w->latch |= w->lr_latched;
		w->active = lrs[i] >> 63;
		if (w->active)
			w->active_vcpu = (uint8_t)v;
		w->lr_latched = false;
		w->lr_owner = 0xff;
		ref_active_write(w);
	}
	for (unsigned i = 0; i < 128; i++) {
		want[i] = ref_reclaimed(&want[i], v);
		if (ref_irq(v, i)->lr_owner == v)
			kick |= ref_want(&want[i]);
	}
	assert_int_equal(vgic_lr_sync(&G, v, lrs, n), kick & ~(1u << v));
	for (unsigned i = 0; i < 128; i++) {
		const struct vgic_irq *irq = ref_irq(v, i);

		assert_int_equal(irq->latch, want[i].latch);
		assert_int_equal(irq->active, want[i].active);
		assert_int_equal(irq->active_vcpu, want[i].active_vcpu);
		assert_int_equal(irq->lr_owner, want[i].lr_owner);
		assert_int_equal(irq->lr_latched, want[i].lr_latched);
	}
}

/* Fill up to nr LRs of vCPU v, checking them against a full scan; how many. */
static unsigned ref_checked_fill(unsigned v, uint64_t *lrs, unsigned nr)
{
	uint64_t want[128];
	unsigned n = ref_fill(v, want), got;
	bool more;

	/* Active ones filling every LR give the last to the first pending one. */
	if (n > nr && nr && (want[nr - 1] >> 63))
		for (unsigned j = nr; j < n; j++)
			if (!(want[j] >> 63)) {
				want[nr - 1] = want[j];
				break;
			}
	got = fill(v, lrs, nr, &more);
	assert_int_equal(got, MIN(n, nr));
	assert_int_equal(more, n > nr);
	for (unsigned i = 0; i < got; i++) {
		assert_int_equal(lrs[i], want[i]);
		assert_int_equal(ref_irq(v, LR_INTID(lrs[i]))->lr_owner, v);
	}
	return got;
}

/* Sparse random bits: most register writes touch a few interrupts. */
static uint32_t sparse(void)
{
	return (uint32_t)(rng() & rng() & rng() & rng());
}

/* One random thing a guest or keel does to the vGIC of nr vCPUs. */
static void random_source(unsigned nr)
{
	unsigned v = (unsigned)(rng() % nr), reg = (unsigned)(rng() % 7);
	unsigned spi = 32 + (unsigned)(rng() % 96), ppi = 16 + (unsigned)(rng() % 16);
	static const uint8_t prios[] = { 0x00, 0x10, 0x80, 0x80, 0xa0, 0xff };

	switch (rng() % 13) {
	case 0:
		dwr(0x080 + 0x80 * reg + 4 * (1 + rng() % 3), 4, sparse());
		break;
	case 1:
		swr(v, 0x080 + 0x80 * reg, sparse());
		break;
	case 2:
		dwr(0x400 + spi, 1, prios[rng() % ARRAY_SIZE(prios)]);
		rwr(v, 0x10400 + rng() % 32, 1, prios[rng() % ARRAY_SIZE(prios)]);
		break;
	case 3:
		if (rng() % 2)
			dwr(0xc08 + 4 * (rng() % 6), 4, sparse());
		else
			swr(v, 0xc04, sparse());
		break;
	case 4:
		dwr(0x6000 + 8 * spi, 8, rng() % (nr + 1) | (rng() % 8 == 0 ? 0x80000000u : 0) |
		    (rng() % 16 == 0 ? 0x100 : 0));
		break;
	case 5:
		dwr(0x0000, 4, rng() % 4 ? 0x3 : rng() % 4);
		break;
	case 6:
		assert_int_equal(vgic_set_level(&G, v, rng() % 2 ? spi : ppi, rng() % 2, NULL), 0);
		break;
	case 7:
		assert_int_equal(vgic_trigger_edge(&G, v, (unsigned)(rng() % 128), NULL), 0);
		break;
	case 8:
		assert_int_equal(vgic_sgi_generate(&G, v, sgi1r((unsigned)(rng() % 16),
					(uint16_t)(rng() & 0xff), 0, 0, 0, 0, rng() % 8 == 0),
					rng() % 4 == 0, NULL), 0);
		break;
	case 9:
		if (rng() % 2)
			assert_int_equal(vgic_link_hw(&G, v, rng() % 2 ? spi : ppi,
						      16 + (uint32_t)(rng() % 1000)), 0);
		else
			assert_int_equal(vgic_unlink_hw(&G, v, rng() % 2 ? spi : ppi), 0);
		break;
	case 10:   /* now and then, everything quiet again */
		if (rng() % 8)
			break;
		for (unsigned n = 1; n < 4; n++) {
			dwr(0x280 + 4 * n, 4, 0xffffffff);
			dwr(0x380 + 4 * n, 4, 0xffffffff);
		}
		for (unsigned w = 0; w < nr; w++) {
			swr(w, 0x280, 0xffffffff);
			swr(w, 0x380, 0xffffffff);
			for (unsigned i = 16; i < 32; i++)
				assert_int_equal(vgic_set_level(&G, w, i, false, NULL), 0);
		}
		for (unsigned i = 32; i < 128; i++)
			assert_int_equal(vgic_set_level(&G, 0, i, false, NULL), 0);
		break;
	default:   /* mostly enables and pending bits */
		dwr(0x100 + 0x80 * (rng() % 3) + 4 * (1 + rng() % 3), 4, sparse());
		break;
	}
}

/*
 * Random register writes, injections and LR round trips on every vCPU
 * count: fill, sync and has_pending agree with a scan of every interrupt,
 * and the bitmaps behind them stay exact.
 */
static void test_vgic_lr_random_vs_scan(void **state)
{
	struct hw_calls calls = { 0 };
	uint64_t held[8][17];
	unsigned nheld[8];

	for (unsigned nr = 1; nr <= 8; nr++) {
		init(nr);
		vgic_set_hw_ops(&G, &deactivate_ops, &calls);
		memset(nheld, 0, sizeof(nheld));
		for (unsigned iter = 0; iter < 6000; iter++) {
			unsigned v = (unsigned)(rng() % nr), op = (unsigned)(rng() % 8);

			if (op < 4) {
				random_source(nr);
			} else if (op < 6) {
				/* Mostly a few LRs; filling again without a sync is allowed. */
				unsigned nr_lrs = rng() % 4 ? 1 + (unsigned)(rng() % 4) :
						  (unsigned)(rng() % 17);

				nheld[v] = ref_checked_fill(v, held[v], nr_lrs);
			} else {
				/* Another vCPU reroutes an SPI this one holds. */
				unsigned intid = nheld[v] ? LR_INTID(held[v][rng() % nheld[v]]) : 0;

				if (intid >= 32 && rng() % 4 == 0)
					dwr(0x6000 + 8 * intid, 8, rng() % nr);
				ref_checked_sync(v, held[v], guest_returns(held[v], nheld[v]));
				nheld[v] = 0;
			}
			check_bookkeeping();
			for (unsigned w = 0; w < nr; w++)
				assert_int_equal(vgic_vcpu_has_pending(&G, w), ref_has_pending(w));
		}
	}
}

/* ---------------------------------------------------------------- Linux probe */

/* What irq-gic-v3.c does on boot (DS = 1), then one SPI and one SGI. */
static void test_vgic_linux_boot(void **state)
{
	uint64_t lrs[4];
	uint32_t typer;
	unsigned nr_irqs;

	init(2);
	assert_int_equal((d32(0xffe8) >> 4) & 0xf, 3);
	typer = d32(0x0004);
	nr_irqs = 32 * ((typer & 0x1f) + 1);
	assert_int_equal(nr_irqs, 128);
	/* gic_dist_init */
	dwr(0x0000, 4, 0);
	assert_int_equal(d32(0x0000) & 0x80000000u, 0);    /* RWP */
	for (unsigned i = 32; i < nr_irqs; i += 32) {
		dwr(0x080 + i / 8, 4, 0xffffffff);           /* Group 1 */
		dwr(0x380 + i / 8, 4, 0xffffffff);
		dwr(0x180 + i / 8, 4, 0xffffffff);
	}
	for (unsigned i = 32; i < nr_irqs; i += 16)
		dwr(0xc00 + i / 4, 4, 0);
	for (unsigned i = 32; i < nr_irqs; i += 4)
		dwr(0x400 + i, 4, 0xa0a0a0a0);
	assert_int_equal(d32(0x0000) & 0x40, 0x40);        /* DS: security disabled */
	dwr(0x0000, 4, 0x10 | 0x2 | 0x1);
	for (unsigned i = 32; i < nr_irqs; i++)
		dwr(0x6000 + 8 * i, 8, 0);                    /* boot CPU's affinity */
	/* gic_redist_wait / gic_enable_redist / gic_cpu_config on each CPU. */
	for (unsigned v = 0; v < 2; v++) {
		rwr(v, 0x0014, 4, rrd(v, 0x0014, 4) & ~0x2u);
		assert_int_equal(rrd(v, 0x0014, 4) & 0x4, 0);
		swr(v, 0x380, 0xffffffff);
		swr(v, 0x180, 0xffff0000);
		swr(v, 0x100, 0x0000ffff);
		swr(v, 0x080, 0xffffffff);
		for (unsigned i = 0; i < 32; i += 4)
			swr(v, 0x400 + i, 0xa0a0a0a0);
		assert_int_equal(rrd(v, 0x0000, 4) & 0x8, 0);  /* GICR_CTLR.RWP */
	}
	/* A virtio-style level SPI 48 on CPU 1, enabled and routed there. */
	dwr(0x6000 + 8 * 48, 8, 1);
	dwr(0x104, 4, 1u << 16);
	assert_int_equal(vgic_set_level(&G, 0, 48, true, NULL), 0);
	assert_int_equal(fill(1, lrs, 4, NULL), 1);
	assert_int_equal(lrs[0], 48ULL | 0xa0ULL << 48 | 1ULL << 60 | 1ULL << 41 | 1ULL << 62);
	(void)sync_all(1, lrs, 1, ST_INVALID);
	assert_int_equal(vgic_set_level(&G, 0, 48, false, NULL), 0);
	/* An IPI from CPU 1 to CPU 0 (SGI 1), as gic_send_sgi encodes it. */
	assert_int_equal(vgic_sgi_generate(&G, 1, 1ULL << 24 | 1, false, NULL), 0);
	assert_int_equal(fill(0, lrs, 4, NULL), 1);
	assert_int_equal(lrs[0], 1ULL | 0xa0ULL << 48 | 1ULL << 60 | 1ULL << 62);
	assert_int_equal(fill(1, lrs, 4, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vgic_init_args),
		cmocka_unit_test(test_vgic_gicd_id_regs),
		cmocka_unit_test(test_vgic_gicd_typer_iidr),
		cmocka_unit_test(test_vgic_gicd_ctlr),
		cmocka_unit_test(test_vgic_gicd_reset_values),
		cmocka_unit_test(test_vgic_gicd_bitregs),
		cmocka_unit_test(test_vgic_gicd_banked_raz_wi),
		cmocka_unit_test(test_vgic_gicd_priority),
		cmocka_unit_test(test_vgic_gicd_icfgr),
		cmocka_unit_test(test_vgic_gicd_raz_wi),
		cmocka_unit_test(test_vgic_irouter_rw),
		cmocka_unit_test(test_vgic_irouter_routing),
		cmocka_unit_test(test_vgic_irouter_irm_and_nobody),
		cmocka_unit_test(test_vgic_gicr_typer_walk),
		cmocka_unit_test(test_vgic_gicr_rd_frame),
		cmocka_unit_test(test_vgic_gicr_waker),
		cmocka_unit_test(test_vgic_gicr_sgi_frame),
		cmocka_unit_test(test_vgic_access_sizes),
		cmocka_unit_test(test_vgic_hostile_mmio),
		cmocka_unit_test(test_vgic_sources_invalid),
		cmocka_unit_test(test_vgic_level_and_edge_pending),
		cmocka_unit_test(test_vgic_kicks),
		cmocka_unit_test(test_vgic_sgi_targets),
		cmocka_unit_test(test_vgic_sgi_groups),
		cmocka_unit_test(test_vgic_sgi_random),
		cmocka_unit_test(test_vgic_lr_encoding),
		cmocka_unit_test(test_vgic_lr_order),
		cmocka_unit_test(test_vgic_lr_more),
		cmocka_unit_test(test_vgic_lr_edge_once),
		cmocka_unit_test(test_vgic_lr_level_repending),
		cmocka_unit_test(test_vgic_lr_active_roundtrip),
		cmocka_unit_test(test_vgic_lr_spi_follows_active_vcpu),
		cmocka_unit_test(test_vgic_lr_owner_exclusive),
		cmocka_unit_test(test_vgic_lr_sync_hostile),
		cmocka_unit_test(test_vgic_hw_link),
		cmocka_unit_test(test_vgic_hw_active_write_held),
		cmocka_unit_test(test_vgic_hw_other_writes),
		cmocka_unit_test(test_vgic_hw_spi_link_args),
		cmocka_unit_test(test_vgic_hw_spi_trigger),
		cmocka_unit_test(test_vgic_hw_spi_listing),
		cmocka_unit_test(test_vgic_hw_spi_edge),
		cmocka_unit_test(test_vgic_hw_spi_route_enable),
		cmocka_unit_test(test_vgic_hw_spi_clear),
		cmocka_unit_test(test_vgic_active_overflow),
		cmocka_unit_test(test_vgic_lr_random_vs_scan),
		cmocka_unit_test(test_vgic_linux_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
