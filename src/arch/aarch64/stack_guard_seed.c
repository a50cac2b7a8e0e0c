/*
 * Seeding the stack protector's guard at boot: see include/keel/stack_guard.h.
 *
 * Runs on the boot CPU from head.S with the MMU and caches off, before any C
 * function has been entered. It is not instrumented itself (it changes the
 * value its own epilogue would check); the helpers it calls return before
 * the guard changes. Data accesses are Device-nGnRnE here: every load is
 * naturally aligned, and each variable written is invalidated from the
 * caches afterwards so that no stale line hides the value once they are on.
 */
#include <keel/arch/sysreg.h>
#include <keel/stack_guard.h>

#define ID_AA64ISAR0_RNDR_SHIFT 60
#define ID_AA64ISAR0_RNDR_MASK  0xfULL
#define RNDR_TRIES              16          /* RNDR may fail transiently (PSTATE.Z = 1) */
#define FDT_MAGIC_BE            0xedfe0dd0u  /* 0xd00dfeed as read little-endian */
#define FDT_HASH_MAX            (1u << 20)   /* bytes of the boot device tree folded in */

static bool rndr_read(uint64_t *v)
{
	uint64_t ok;

	for (unsigned i = 0; i < RNDR_TRIES; i++) {
		/* RNDR is s3_3_c2_c4_0; NZCV is 0b0000 on success, 0b0100 on failure. */
		__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(*v), "=r"(ok) : : "cc");
		if (ok)
			return true;
	}
	return false;
}

static uint64_t fdt_hash(uint64_t acc, uint64_t fdt)
{
	uint32_t size;

	if (!fdt || (fdt & 7) || *(volatile uint32_t *)(uintptr_t)fdt != FDT_MAGIC_BE)
		return acc;
	size = __builtin_bswap32(((volatile uint32_t *)(uintptr_t)fdt)[1]);
	if (size > FDT_HASH_MAX)
		size = FDT_HASH_MAX;
	for (uint32_t off = 0; off + 8 <= size; off += 8)
		acc = stack_guard_mix(acc, *(volatile uint64_t *)(uintptr_t)(fdt + off));
	return acc;
}

static void publish_uncached_write(const void *p)
{
	__asm__ volatile("dmb sy\n\tdc ivac, %0\n\tdsb sy" : : "r"(p) : "memory");
}

__attribute__((no_stack_protector)) void stack_guard_seed(uint64_t fdt, uint64_t base)
{
	uint64_t isar0 = read_sysreg(id_aa64isar0_el1), seed = 0, acc;
	enum stack_guard_source source;

	if ((isar0 >> ID_AA64ISAR0_RNDR_SHIFT) & ID_AA64ISAR0_RNDR_MASK) {
		source = rndr_read(&seed) ? STACK_GUARD_RNDR : STACK_GUARD_WEAK_RNDR_FAILED;
	} else {
		source = STACK_GUARD_WEAK_NO_RNG;
	}
	if (source != STACK_GUARD_RNDR) {
		acc = stack_guard_mix(0, read_sysreg(cntpct_el0));
		acc = fdt_hash(acc, fdt);
		acc = stack_guard_mix(acc, read_sysreg(mpidr_el1));
		acc = stack_guard_mix(acc, base);
		seed = stack_guard_mix(acc, read_sysreg(cntpct_el0));
	}
	__stack_chk_guard = stack_guard_from_seed(seed);
	stack_guard_source = source;
	publish_uncached_write(&__stack_chk_guard);
	publish_uncached_write(&stack_guard_source);
}
