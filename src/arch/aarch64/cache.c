#include <keel/arch/cache.h>
#include <keel/arch/sysreg.h>

static uint64_t dcache_line_size(void)
{
	return 4ULL << ((read_sysreg(ctr_el0) >> 16) & 0xf); /* CTR_EL0.DminLine, in words */
}

void dcache_clean_inval_poc(uint64_t base, uint64_t size)
{
	uint64_t line = dcache_line_size();
	uint64_t end = base + size;

	for (uint64_t a = ALIGN_DOWN(base, line); a < end; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

void icache_inval_all(void)
{
	__asm__ volatile("ic ialluis" ::: "memory");
	dsb(ish);
	isb();
}
