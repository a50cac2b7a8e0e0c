/*
 * The EL1 stage-1 identity map (39-bit VA, 4 KiB granule, 1 GiB / 2 MiB
 * blocks): RAM is Normal write-back, the device windows (PL011, test device)
 * Device-nGnRE and never executable, everything else below 2^pa_bits Device-
 * nGnRE and executable at EL1, so that a probe or a branch anywhere reaches
 * stage 2 (keel) instead of faulting here.
 */
#ifndef GUEST_MMU_H
#define GUEST_MMU_H

#include <stdbool.h>
#include <stdint.h>

enum mem_type {
	MT_DEVICE_nGnRE = 0,	/* MAIR_EL1 attribute indexes */
	MT_NORMAL = 1,
	MT_NORMAL_NC = 2,
	MT_DEVICE_nGnRnE = 3,
};

/*
 * Stage-1 VMSAv8-64 descriptor fields (4 KiB granule), for code that builds
 * tables of its own next to the runtime's (e.g. the mmio guest's alias window).
 */
#define PT_ENTRIES	512
#define DESC_BLOCK	0x1ULL
#define DESC_TABLE	0x3ULL	/* also a level-3 page */
#define DESC_ATTR(i)	((uint64_t)(i) << 2)	/* AttrIndx: an enum mem_type */
#define DESC_SH_INNER	(3ULL << 8)
#define DESC_AF		(1ULL << 10)
#define DESC_PXN	(1ULL << 53)
#define DESC_UXN	(1ULL << 54)
#define DESC_ADDR_MASK	0x0000fffffffff000ULL

struct mmu_regs {
	uint64_t mair, tcr, ttbr0;
};
extern struct mmu_regs rt_mmu_regs;

/* Build the tables from env (MMU off). */
void mmu_build(void);

/*
 * Change the type of the 2 MiB block holding addr (break-before-make). Only
 * for GiBs mapped at 2 MiB granularity: the first GiB (device windows) and
 * RAM's. Returns false otherwise. E.g. the mmio test maps the test device
 * Normal-NC to send an unaligned access to keel (Device would fault here).
 */
bool mmu_set_block_type(uint64_t addr, enum mem_type type);

#endif
