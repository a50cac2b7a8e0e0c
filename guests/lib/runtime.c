/*
 * Runtime start-up: the environment from the device tree (MMU off), then the
 * C world (MMU on), keel detection and the guest's main; secondary vCPUs.
 */
#include "guest/check.h"
#include "guest/console.h"
#include "guest/dt.h"
#include "guest/dt.h"
#include "guest/mmu.h"
#include "guest/smccc.h"
#include "rt_internal.h"

#define TLS_TCB_SIZE	16	/* AArch64 TLS variant 1: TPIDR_EL0 -> 16-byte TCB */

struct percpu rt_percpu[GUEST_MAX_CPUS] __attribute__((aligned(64)));
uint8_t rt_stacks[GUEST_MAX_CPUS][GUEST_STACK_SIZE] __attribute__((aligned(16)));

extern char __tls_base[];

__attribute__((noreturn)) void rt_main(void);
__attribute__((noreturn)) void rt_secondary_main(uint64_t slot, uint64_t context_id);

static bool detect_keel(void)
{
	struct smccc_res r = hvc0(KEEL_HC_CALL_UID);

	return r.a0 == KEEL_UID_0 && r.a1 == KEEL_UID_1 && r.a2 == KEEL_UID_2 &&
	       r.a3 == KEEL_UID_3;
}

void rt_main(void)
{
	write_sysreg(tpidr_el0, (uint64_t)(uintptr_t)__tls_base - TLS_TCB_SIZE);
	console_init(env.uart_base);
	env.under_keel = detect_keel();
	printf("GUEST %s start\n", guest_name);
	if (!env.under_keel)
		printf("NOTE not running under keel: keel's calls are answered NOT_SUPPORTED\n");
	guest_main();
	report_and_exit();
}

unsigned cpu_index(void)
{
	return (unsigned)this_cpu()->idx;
}

void rt_secondary_main(uint64_t slot, uint64_t context_id)
{
	struct percpu *pc = &rt_percpu[slot];

	write_sysreg(tpidr_el0, (uint64_t)(uintptr_t)__tls_base - TLS_TCB_SIZE);
	if (pc->entry)
		pc->entry(context_id);
	psci_cpu_off();
}

int64_t cpu_start(unsigned idx, void (*fn)(uint64_t), uint64_t context_id)
{
	if (idx >= env.ncpus)
		return PSCI_INVALID_PARAMETERS;
	rt_percpu[idx].entry = fn;
	/* Read with the MMU off by secondary_entry / mmu_enable. */
	dcache_clean_range(rt_cpu_mpidr, sizeof(rt_cpu_mpidr));
	dcache_clean_range(&rt_mmu_regs, sizeof(rt_mmu_regs));
	return psci_cpu_on_raw(env.cpu_mpidr[idx], (uint64_t)(uintptr_t)secondary_entry,
			       context_id);
}

uint64_t cpu_entry_point(void)
{
	return (uint64_t)(uintptr_t)secondary_entry;
}

void delay_us(uint64_t us)
{
	uint64_t start = timer_count();
	uint64_t ticks = us * timer_freq() / 1000000;

	while (timer_count() - start < ticks)
		;
}

void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			;
}

void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

void dcache_clean_range(const void *p, size_t len)
{
	uint64_t line = 4ULL << field(read_sysreg(ctr_el0), 19, 16);
	uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1);

	for (; a < (uint64_t)(uintptr_t)p + len; a += line)
		__asm__ volatile("dc cvac, %0" :: "r"(a) : "memory");
	dsb(ish);
}

bool ipa_is_assigned(uint64_t addr)
{
	if (addr - env.ram_base < env.ram_size ||
	    addr - DEFAULT_TESTDEV_BASE < DEVICE_WINDOW_SIZE ||
	    addr - env.uart_base < DEVICE_WINDOW_SIZE)
		return true;
	for (int n = dt_first_child(dt_root()); n >= 0; n = dt_next_sibling(n)) {
		uint64_t base, size;

		if (dt_strprefix(dt_name(n), "memory"))
			continue;
		for (unsigned i = 0; dt_reg(n, i, &base, &size); i++)
			if (addr - base < size)
				return true;
	}
	return false;
}

void ram_free_region(uint64_t *base, uint64_t *size)
{
	const uint64_t cut[2][2] = {
		{ env.image_start, env.image_end },
		{ env.dtb, env.dtb + env.dtb_size },
	};
	uint64_t lo = env.ram_base, hi = env.ram_base + env.ram_size;
	const uint64_t starts[3] = { lo, cut[0][1], cut[1][1] };

	*base = *size = 0;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t s = starts[i], t = hi;
		bool inside = false;

		if (s < lo || s >= hi)
			continue;
		for (unsigned c = 0; c < 2; c++) {
			if (cut[c][0] <= s && s < cut[c][1])
				inside = true;
			if (cut[c][0] > s && cut[c][0] < t)
				t = cut[c][0];
		}
		if (!inside && t - s > *size) {
			*base = s;
			*size = t - s;
		}
	}
}
