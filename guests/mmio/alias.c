/*
 * An alias window of 4 KiB pages with chosen targets, so that one access can
 * cross from RAM into a device or back. The runtime's identity map has only
 * 1 GiB and 2 MiB blocks, and RAM and the device windows are far apart in the
 * IPA space: this takes over one level-1 slot (a GiB of VA holding nothing
 * the VM has) with a level-2 and a level-3 table of its own, and gives it
 * back afterwards.
 */
#include "guest/guest.h"
#include "guest/gic.h"
#include "alias.h"

#define SZ_1G		(1ULL << 30)

static uint64_t alias_l2[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t alias_l3[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t *alias_slot, alias_saved;

static bool range_in_gib(uint64_t base, uint64_t size, uint64_t g)
{
	return size && base < (g + 1) * SZ_1G && base + size > g * SZ_1G;
}

/* The highest GiB below 2^pa_bits with no RAM, device window or GIC in it. */
static uint64_t alias_pick_gib(void)
{
	for (uint64_t g = (1ULL << (env.pa_bits - 30)) - 1; g > 0; g--)
		if (!range_in_gib(env.ram_base, env.ram_size, g) &&
		    !range_in_gib(env.uart_base, DEVICE_WINDOW_SIZE, g) &&
		    !range_in_gib(env.testdev_base, env.testdev_size ? env.testdev_size : 1, g) &&
		    !range_in_gib(gic_dist_base(), 1, g))
			return g;
	return 0;
}

static void tlb_flush_all(void)
{
	__asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" ::: "memory");
}

uint64_t alias_map(const struct alias_page *pages, unsigned n)
{
	uint64_t g = alias_pick_gib(), *l1 = (uint64_t *)(uintptr_t)(read_sysreg(ttbr0_el1) & DESC_ADDR_MASK);

	if (!g || n > PT_ENTRIES || alias_slot)
		return 0;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		alias_l2[i] = alias_l3[i] = 0;
	alias_l2[0] = DESC_TABLE | ((uint64_t)(uintptr_t)alias_l3 & DESC_ADDR_MASK);
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = DESC_TABLE | DESC_AF | DESC_UXN | DESC_PXN | DESC_ATTR(pages[i].type) |
			     (pages[i].pa & DESC_ADDR_MASK);

		if (pages[i].type == MT_NORMAL || pages[i].type == MT_NORMAL_NC)
			d |= DESC_SH_INNER;
		alias_l3[i] = d;
	}
	alias_slot = &l1[g];
	alias_saved = *alias_slot;
	/* Break-before-make: the slot held a block. */
	*(volatile uint64_t *)alias_slot = 0;
	tlb_flush_all();
	*(volatile uint64_t *)alias_slot = DESC_TABLE | ((uint64_t)(uintptr_t)alias_l2 & DESC_ADDR_MASK);
	tlb_flush_all();
	return g * SZ_1G;
}

void alias_unmap(void)
{
	if (!alias_slot)
		return;
	*(volatile uint64_t *)alias_slot = 0;
	tlb_flush_all();
	*(volatile uint64_t *)alias_slot = alias_saved;
	tlb_flush_all();
	alias_slot = NULL;
}
