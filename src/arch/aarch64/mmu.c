/* keel's EL2 stage-1 identity map. See include/keel/arch/mmu.h. */
#include <keel/arch/asm.h>
#include <keel/arch/cache.h>
#include <keel/arch/mmu.h>
#include <keel/arch/sysreg.h>
#include <keel/pt.h>
#include <keel/platform.h>
#include <string.h>

#define EL2_VA_BITS      48
#define EL2_TABLE_POOL   48

#define EL2_NORMAL  (PT_AF | PT_SH_INNER | PT_S1_ATTRIDX(MAIR_IDX_NORMAL))
#define EL2_DATA    (EL2_NORMAL | PT_S1_XN)
#define EL2_TEXT    (EL2_NORMAL | PT_S1_AP_RO)
#define EL2_DEVICE  (PT_AF | PT_S1_ATTRIDX(MAIR_IDX_DEVICE) | PT_S1_XN)

static uint8_t el2_table_pool[EL2_TABLE_POOL][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned el2_tables_used;
static unsigned el2_tables_published;   /* tables in PoC when the secondaries' block was published */
static struct pt early_pt, final_pt;
/* Its own cache line: CPU 0 writing a neighbour must not matter to a reader with caches off. */
struct mmu_boot_regs mmu_secondary_regs __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct mmu_boot_regs, mair) == MMU_BOOT_MAIR &&
	       __builtin_offsetof(struct mmu_boot_regs, tcr) == MMU_BOOT_TCR &&
	       __builtin_offsetof(struct mmu_boot_regs, ttbr0) == MMU_BOOT_TTBR0 &&
	       __builtin_offsetof(struct mmu_boot_regs, sctlr) == MMU_BOOT_SCTLR,
	       "head.S reads struct mmu_boot_regs by these offsets");

static void *el2_table_alloc(void *ctx)
{
	void *t;

	if (el2_tables_used >= EL2_TABLE_POOL)
		return NULL;
	t = el2_table_pool[el2_tables_used++];
	memset(t, 0, PAGE_SIZE);
	return t;
}

static void el2_table_free(void *ctx, void *table)
{
	/* Pool pages are never reused: the maps are built once at boot. */
}

static const unsigned pa_range_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

unsigned mmu_pa_bits(void)
{
	unsigned r = ID_AA64MMFR0_PARANGE(read_sysreg(id_aa64mmfr0_el1));

	if (r >= ARRAY_SIZE(pa_range_bits))
		r = ARRAY_SIZE(pa_range_bits) - 1;
	return MIN(pa_range_bits[r], 48u);
}

unsigned mmu_pa_bits_to_ps(unsigned bits)
{
	for (unsigned i = 0; i < ARRAY_SIZE(pa_range_bits); i++)
		if (pa_range_bits[i] >= bits)
			return i;
	return 5;
}

static uint64_t mmu_tcr(void)
{
	return TCR_EL2_RES1 | TCR_T0SZ(64 - EL2_VA_BITS) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
	       TCR_SH0_INNER | TCR_TG0_4K |
	       ((uint64_t)mmu_pa_bits_to_ps(mmu_pa_bits()) << TCR_EL2_PS_SHIFT);
}

/* WXN only with the final map: the early map has the whole image writable. */
static uint64_t mmu_sctlr(bool wxn)
{
	return SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | (wxn ? SCTLR_WXN : 0);
}

static void mmu_enable(uint64_t root, bool wxn)
{
	write_sysreg(mair_el2, MAIR_EL2_VALUE);
	write_sysreg(tcr_el2, mmu_tcr());
	write_sysreg(ttbr0_el2, root);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(sctlr_el2, mmu_sctlr(wxn));
	isb();
}

/*
 * Publish the final map to the secondary CPUs (see struct mmu_boot_regs):
 * the register block they load with caches off, and the table pages their
 * first walks read, cleaned to PoC. The walks are cacheable (TCR IRGN/ORGN
 * WBWA) and so coherent with CPU 0's caches once the secondary is in the
 * coherency domain; the clean makes them not depend on that.
 */
static void mmu_publish_for_secondaries(uint64_t root)
{
	mmu_secondary_regs.mair = MAIR_EL2_VALUE;
	mmu_secondary_regs.tcr = mmu_tcr();
	mmu_secondary_regs.ttbr0 = root;
	mmu_secondary_regs.sctlr = mmu_sctlr(true);
	dcache_clean_inval_poc((uint64_t)(uintptr_t)&mmu_secondary_regs, sizeof(mmu_secondary_regs));
	dcache_clean_inval_poc((uint64_t)(uintptr_t)el2_table_pool, (uint64_t)el2_tables_used * PAGE_SIZE);
	el2_tables_published = el2_tables_used;
}

bool mmu_secondaries_ready(void)
{
	return mmu_secondary_regs.ttbr0 && el2_tables_published == el2_tables_used;
}

static int map_pages(struct pt *pt, uint64_t base, uint64_t size, uint64_t attrs)
{
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE);
	uint64_t end = ALIGN_UP(base + size, PAGE_SIZE);

	return pt_map(pt, start, start, end - start, attrs);
}

int mmu_early_init(uint64_t image_base, uint64_t image_size, uint64_t fdt, uint64_t fdt_size)
{
	int ret = pt_init(&early_pt, EL2_VA_BITS, el2_table_alloc, el2_table_free, NULL);

	if (!ret)
		ret = map_pages(&early_pt, image_base, image_size, EL2_NORMAL);
	if (!ret)
		ret = map_pages(&early_pt, fdt, fdt_size, EL2_DATA);
	if (ret == KE_EXIST) /* the device tree shares a page with the image */
		ret = KE_OK;
	if (ret)
		return ret;
	dsb(ishst);
	mmu_enable((uint64_t)(uintptr_t)early_pt.root, false);
	return KE_OK;
}

int mmu_early_map_device(uint64_t base, uint64_t size)
{
	int ret = map_pages(&early_pt, base, size, EL2_DEVICE);

	dsb(ishst);
	isb();
	return ret;
}

/* Map [start, end) of RAM as data, leaving out the hole [hole_start, hole_end). */
static int map_ram_around(uint64_t start, uint64_t end, uint64_t hole_start, uint64_t hole_end)
{
	int ret = KE_OK;

	if (hole_end <= start || hole_start >= end)
		return map_pages(&final_pt, start, end - start, EL2_DATA);
	if (start < hole_start)
		ret = map_pages(&final_pt, start, hole_start - start, EL2_DATA);
	if (!ret && hole_end < end)
		ret = map_pages(&final_pt, hole_end, end - hole_end, EL2_DATA);
	return ret;
}

int mmu_final_init(const struct platform *p, uint64_t image_base, uint64_t text_end, uint64_t image_end)
{
	int ret = pt_init(&final_pt, EL2_VA_BITS, el2_table_alloc, el2_table_free, NULL);

	if (ret)
		return ret;
	for (unsigned i = 0; i < p->nr_mem && !ret; i++) {
		uint64_t start = ALIGN_UP(p->mem[i].base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(p->mem[i].base + p->mem[i].size, PAGE_SIZE);

		if (end > start)
			ret = map_ram_around(start, end, image_base, image_end);
	}
	if (!ret)
		ret = map_pages(&final_pt, image_base, text_end - image_base, EL2_TEXT);
	if (!ret)
		ret = map_pages(&final_pt, text_end, image_end - text_end, EL2_DATA);
	if (!ret)
		ret = map_pages(&final_pt, p->uart_base, p->uart_size ? p->uart_size : PAGE_SIZE, EL2_DEVICE);
	if (!ret)
		ret = map_pages(&final_pt, p->gicd_base, p->gicd_size, EL2_DEVICE);
	if (!ret)
		ret = map_pages(&final_pt, p->gicr_base, p->gicr_size, EL2_DEVICE);
	if (ret)
		return ret;
	dsb(ishst);
	mmu_publish_for_secondaries((uint64_t)(uintptr_t)final_pt.root);
	/* Switching tables with the MMU on is safe: both map this code identically. */
	write_sysreg(ttbr0_el2, (uint64_t)(uintptr_t)final_pt.root);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(sctlr_el2, read_sysreg(sctlr_el2) | SCTLR_WXN);
	isb();
	return KE_OK;
}

