/*
 * keel's own EL2 stage-1 translation: an identity map (VA == PA) of the
 * image, the boot device tree, all RAM and the few devices keel drives.
 * Built twice: a minimal early map (image + device tree) so the device tree
 * can be parsed with caches on, then the final map from what it describes.
 * Table pages come from a pool inside the image, so building the final map
 * needs no memory outside the early map.
 */
#ifndef KEEL_ARCH_MMU_H
#define KEEL_ARCH_MMU_H

#include <keel/types.h>

struct platform;

/* Map [image) and [fdt) and turn the MMU on (boot CPU). */
must_check int mmu_early_init(uint64_t image_base, uint64_t image_size, uint64_t fdt, uint64_t fdt_size);
/* Add a device page range to the early map (the console). */
must_check int mmu_early_map_device(uint64_t base, uint64_t size);
/* Build the final map and switch this CPU to it. text = [image_base, text_end) is mapped read-only executable, everything else execute-never. */
must_check int mmu_final_init(const struct platform *p, uint64_t image_base, uint64_t text_end, uint64_t image_end);
/*
 * What a secondary CPU loads into its EL2 translation registers, in
 * secondary_entry (head.S), before its first memory write: it runs with its
 * MMU and data caches off until then, so its data accesses go straight to
 * memory and would miss whatever CPU 0 left in its caches.
 *
 * Invariant: mmu_final_init cleans this block and every table page of the
 * final map to the point of coherency once the map is complete, and nothing
 * changes either afterwards. mmu_secondaries_ready() checks that before any
 * secondary is started; a change to the final map after boot must clean again.
 */
struct mmu_boot_regs {
	uint64_t mair, tcr, ttbr0, sctlr;   /* offsets MMU_BOOT_* in keel/arch/asm.h */
};
extern struct mmu_boot_regs mmu_secondary_regs;
/* True while the published secondary block and tables are still what is in PoC. */
bool mmu_secondaries_ready(void);
/* Physical address size in bits (ID_AA64MMFR0_EL1.PARange, capped at 48). */
unsigned mmu_pa_bits(void);
unsigned mmu_pa_bits_to_ps(unsigned bits);

#endif
