/*
 * Stage-1 identity map for EL1 (see guest/mmu.h). Built with the MMU off,
 * like dt.c: no libc calls (guests.mk builds this file with -fno-builtin).
 *
 * TTBR0 only, T0SZ = 25 (39-bit VA, walk starts at level 1): one level-1
 * table of 1 GiB blocks, and level-2 tables (2 MiB blocks) for the GiBs that
 * mix memory types: the first one (the device windows) and RAM's.
 */
#include "guest/mmu.h"
#include "guest/runtime.h"

#define L2_TABLES	4
#define SZ_2M		(1ULL << 21)
#define SZ_1G		(1ULL << 30)

/* MAIR_EL1, one byte per enum mem_type. */
#define MAIR_VALUE	(0x04ULL | 0xffULL << 8 | 0x44ULL << 16 | 0x00ULL << 24)

#define TCR_T0SZ(x)	((uint64_t)(x))
#define TCR_IRGN0_WBWA	(1ULL << 8)
#define TCR_ORGN0_WBWA	(1ULL << 10)
#define TCR_SH0_INNER	(3ULL << 12)
#define TCR_TG0_4K	(0ULL << 14)
#define TCR_EPD1	(1ULL << 23)
#define TCR_TG1_4K	(2ULL << 30)
#define TCR_IPS(x)	((uint64_t)(x) << 32)

static uint64_t pt_l1[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pt_l2[L2_TABLES][PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t l2_gib[L2_TABLES];	/* which GiB each level-2 table maps */
static unsigned l2_used;

struct mmu_regs rt_mmu_regs;

static bool in_window(uint64_t addr, uint64_t base, uint64_t size)
{
	return size && addr >= base && addr - base < size;
}

/* The block descriptor for [addr, addr + size) under the fixed policy. */
static uint64_t block_desc(uint64_t addr, uint64_t size)
{
	uint64_t ram_end = env.ram_base + env.ram_size;
	uint64_t end = addr + size;
	uint64_t d = DESC_BLOCK | DESC_AF | (addr & DESC_ADDR_MASK);

	if (addr < ram_end && end > env.ram_base)
		return d | DESC_ATTR(MT_NORMAL) | DESC_SH_INNER | DESC_UXN;
	d |= DESC_ATTR(MT_DEVICE_nGnRE) | DESC_UXN;
	/* Real device windows are never executable; the rest of the IPA space
	 * is, so that a branch there is a stage-2 (keel) instruction abort. */
	if ((env.uart_base < end && env.uart_base + DEVICE_WINDOW_SIZE > addr) ||
	    (env.testdev_size && env.testdev_base < end &&
	     env.testdev_base + env.testdev_size > addr))
		d |= DESC_PXN;
	return d;
}

static bool gib_needs_l2(uint64_t gib)
{
	uint64_t lo = gib * SZ_1G, hi = lo + SZ_1G;
	uint64_t ram_end = env.ram_base + env.ram_size;
	bool has_ram = env.ram_base < hi && ram_end > lo;
	bool all_ram = env.ram_base <= lo && ram_end >= hi;

	return gib == 0 || (has_ram && !all_ram) ||
	       in_window(env.uart_base, lo, SZ_1G) ||
	       (env.testdev_size && in_window(env.testdev_base, lo, SZ_1G));
}

void mmu_build(void)
{
	uint64_t ngib = 1ULL << (env.pa_bits - 30);
	uint64_t parange = field(read_sysreg(id_aa64mmfr0_el1), 3, 0);

	for (uint64_t g = 0; g < PT_ENTRIES; g++) {
		if (g >= ngib) {
			pt_l1[g] = 0;
			continue;
		}
		if (gib_needs_l2(g) && l2_used < L2_TABLES) {
			uint64_t *t = pt_l2[l2_used];

			for (unsigned i = 0; i < PT_ENTRIES; i++)
				t[i] = block_desc(g * SZ_1G + i * SZ_2M, SZ_2M);
			l2_gib[l2_used++] = g;
			pt_l1[g] = DESC_TABLE | ((uint64_t)(uintptr_t)t & DESC_ADDR_MASK);
		} else {
			pt_l1[g] = block_desc(g * SZ_1G, SZ_1G);
		}
	}
	rt_mmu_regs.mair = MAIR_VALUE;
	rt_mmu_regs.tcr = TCR_T0SZ(64 - 39) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
			  TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 | TCR_TG1_4K |
			  TCR_IPS(parange > 2 ? 2 : parange);
	rt_mmu_regs.ttbr0 = (uint64_t)(uintptr_t)pt_l1;
}

bool mmu_set_block_type(uint64_t addr, enum mem_type type)
{
	uint64_t g = addr / SZ_1G, *slot = NULL, d;

	for (unsigned i = 0; i < l2_used; i++)
		if (l2_gib[i] == g)
			slot = &pt_l2[i][(addr % SZ_1G) / SZ_2M];
	if (!slot)
		return false;
	d = (*slot & ~DESC_ATTR(7) & ~DESC_SH_INNER) | DESC_ATTR(type);
	if (type == MT_NORMAL || type == MT_NORMAL_NC)
		d |= DESC_SH_INNER;
	/* Break-before-make. */
	*(volatile uint64_t *)slot = 0;
	__asm__ volatile("dsb ishst; tlbi vaae1is, %0; dsb ish; isb"
			 :: "r"((addr & ~(SZ_2M - 1)) >> 12) : "memory");
	*(volatile uint64_t *)slot = d;
	__asm__ volatile("dsb ishst; isb" ::: "memory");
	return true;
}
