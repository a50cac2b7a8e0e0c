/*
 * The environment, read from the device tree with the MMU off (rt_early is
 * called by head.S before mmu_enable). Everything written here goes straight
 * to memory; head.S then invalidates the image from the data cache. Like dt.c
 * and mmu.c this file calls no libc (guests.mk builds it -fno-builtin).
 */
#include "guest/dt.h"
#include "guest/mmu.h"
#include "rt_internal.h"

#define DEFAULT_RAM_SIZE (64ULL << 20)

struct guest_env env;
uint64_t rt_cpu_mpidr[GUEST_MAX_CPUS];

extern char __image_start[], __image_end[];

void rt_early(uint64_t dtb);

static uint64_t node_reg_base(int node, uint64_t dflt, uint64_t *size)
{
	uint64_t a, s;

	if (node >= 0 && dt_reg(node, 0, &a, &s)) {
		if (size)
			*size = s;
		return a;
	}
	return dflt;
}

static void env_cpus(void)
{
	uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	int cpus = dt_path("/cpus");
	unsigned n = 0;

	for (int c = dt_first_child(cpus); c >= 0 && n < GUEST_MAX_CPUS; c = dt_next_sibling(c)) {
		uint32_t len;
		const char *type = dt_prop(c, "device_type", &len);
		uint64_t mpidr, unused;

		if (!type || !dt_streq(type, "cpu") || !dt_reg(c, 0, &mpidr, &unused))
			continue;
		env.cpu_mpidr[n++] = mpidr & MPIDR_AFF_MASK;
	}
	if (n == 0)
		env.cpu_mpidr[n++] = self;
	env.ncpus = n;
	/* Slot 0 is the boot vCPU (head.S gave it stack 0): move it there. */
	for (unsigned i = 1; i < n; i++) {
		if (env.cpu_mpidr[i] == self) {
			env.cpu_mpidr[i] = env.cpu_mpidr[0];
			env.cpu_mpidr[0] = self;
		}
	}
	for (unsigned i = 0; i < GUEST_MAX_CPUS; i++) {
		rt_cpu_mpidr[i] = i < n ? env.cpu_mpidr[i] : ~0ULL;
		rt_percpu[i].idx = i;
	}
}

/*
 * MMU off: everything written here goes straight to memory (head.S then
 * invalidates the image from the caches). dt.c and mmu.c only; no libc.
 */
void rt_early(uint64_t dtb)
{
	static const char unknown[] = "unknown";
	uint64_t parange = field(read_sysreg(id_aa64mmfr0_el1), 3, 0);
	static const unsigned char pa_bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	int node;

	env.image_start = (uint64_t)(uintptr_t)__image_start;
	env.image_end = (uint64_t)(uintptr_t)__image_end;
	env.pa_bits = parange < sizeof(pa_bits) ? pa_bits[parange] : 48;
	if (env.pa_bits > 39)
		env.pa_bits = 39;
	env.dtb = dtb;
	env.vm_name = unknown;

	if (!dt_init((const void *)(uintptr_t)dtb)) {
		/* No device tree: assume the default layout around the image. */
		env.dtb = 0;
		env.ram_base = env.image_start & ~((1ULL << 30) - 1);
		env.ram_size = (env.image_end - env.ram_base + DEFAULT_RAM_SIZE - 1) &
			       ~(DEFAULT_RAM_SIZE - 1);
		env.uart_base = DEFAULT_UART_BASE;
		env.cpu_mpidr[0] = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
		env.ncpus = 1;
		rt_cpu_mpidr[0] = env.cpu_mpidr[0];
		for (unsigned i = 1; i < GUEST_MAX_CPUS; i++)
			rt_cpu_mpidr[i] = ~0ULL;
		mmu_build();
		return;
	}
	env.dtb_size = dt_total_size();
	env.ram_base = node_reg_base(dt_path("/memory"), 0, &env.ram_size);
	if (!env.ram_size) {
		env.ram_base = env.image_start & ~((1ULL << 30) - 1);
		env.ram_size = DEFAULT_RAM_SIZE;
	}
	env.uart_base = node_reg_base(dt_find_compatible("arm,pl011"), DEFAULT_UART_BASE, NULL);
	node = dt_find_compatible("keel,test-device");
	env.has_testdev = node >= 0;
	env.testdev_base = node_reg_base(node, DEFAULT_TESTDEV_BASE, &env.testdev_size);
	if (!env.has_testdev)
		env.testdev_size = 0;
	env_cpus();

	node = dt_path("/chosen");
	if (dt_prop(node, "keel,vm-name", NULL))
		env.vm_name = dt_prop(node, "keel,vm-name", NULL);
	else if (dt_prop(dt_root(), "model", NULL))
		env.vm_name = dt_prop(dt_root(), "model", NULL);
	mmu_build();
}

