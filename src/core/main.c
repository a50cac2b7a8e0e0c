/*
 * keel's boot: from the Image entry point on the boot CPU to every VM
 * running, and the path of the secondary CPUs.
 *
 *  1. early EL2 MMU (image + device tree), console from /chosen/stdout-path
 *  2. the platform from the boot device tree; the page allocator over RAM
 *  3. the final EL2 map, the GIC, this CPU's EL2 controls
 *  4. the configuration (a boot module), validated
 *  5. secondary CPUs via PSCI CPU_ON to the firmware
 *  6. the VMs, built and started; then this CPU runs what it is given
 */
#include <keel/arch/mmu.h>
#include <keel/arch/sysreg.h>
#include <keel/config.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/firmware.h>
#include <keel/arch/vgic_hw.h>
#include <keel/drivers/pl011.h>
#include <keel/irq.h>
#include <keel/console_mux.h>
#include <keel/mem.h>
#include <keel/panic.h>
#include <keel/passthrough.h>
#include <keel/platform.h>
#include <keel/shm.h>
#include <keel/sched_vcpu.h>
#include <keel/stack_guard.h>
#include <keel/vm.h>
#include <keel/vm_lifecycle.h>
#include <keel/abi/hypercall.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#define FDT_MAGIC_BE 0xedfe0dd0u   /* 0xd00dfeed as read little-endian */
#define SECONDARY_TIMEOUT 100000000ULL

extern char __image_start[], __text_end[], __image_end[];
extern char secondary_entry[];
void cpu_set_current(struct cpu *c);
void cpu_init_el2(void);

static struct platform platform;
static struct keel_config config;
static const char *config_file;   /* the configuration module's name, for messages */
static struct vm_passthrough passthrough[KEEL_MAX_VMS];
static char errbuf[512];

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* Boot cannot go on: say why and stop this CPU. Nothing is running yet. */
static noreturn_fn void boot_fail(const char *what)
{
	klog("boot stopped: %s", what);
	cpu_halt();
}

static void boot_reserve(uint64_t base, uint64_t size, const char *what)
{
	if (palloc_reserve(&keel_palloc, base, size))
		klog("warning: cannot reserve %s at 0x%llx", what, (unsigned long long)base);
}

static void boot_init_memory(uint64_t fdt, uint64_t fdt_size)
{
	for (unsigned i = 0; i < platform.nr_mem; i++)
		if (palloc_add_region(&keel_palloc, platform.mem[i].base, platform.mem[i].size))
			klog("warning: RAM at 0x%llx (%llu MiB) not usable",
			     (unsigned long long)platform.mem[i].base,
			     (unsigned long long)(platform.mem[i].size >> 20));
	boot_reserve((uint64_t)(uintptr_t)__image_start, __image_end - __image_start, "keel");
	boot_reserve(fdt, fdt_size, "the boot device tree");
	for (unsigned i = 0; i < platform.nr_reserved; i++)
		boot_reserve(platform.reserved[i].base, platform.reserved[i].size, "reserved memory");
	for (unsigned i = 0; i < platform.nr_modules; i++)
		boot_reserve(platform.modules[i].base, platform.modules[i].size, platform.modules[i].name);
	klog("memory: %llu MiB RAM, %llu MiB free for VMs",
	     (unsigned long long)(palloc_total_pages(&keel_palloc) * PAGE_SIZE >> 20),
	     (unsigned long long)(palloc_free_pages(&keel_palloc) * PAGE_SIZE >> 20));
}

static void boot_check_modules(void)
{
	for (unsigned i = 0; i < platform.nr_modules; i++) {
		const struct boot_module *m = &platform.modules[i];
		bool in_ram = false;

		for (unsigned j = 0; j < platform.nr_mem; j++)
			in_ram |= m->base >= platform.mem[j].base &&
				  m->base + m->size <= platform.mem[j].base + platform.mem[j].size;
		if (!in_ram) {
			snprintf(errbuf, sizeof(errbuf), "boot module \"%s\" at 0x%llx is not in RAM",
				 m->name, (unsigned long long)m->base);
			boot_fail(errbuf);
		}
	}
}

static void boot_load_config(void)
{
	const struct boot_module *m = platform_config_module(&platform);

	if (!m)
		boot_fail("no configuration: add a boot module with compatible \"keel,config\" in /chosen "
			  "(tools/keelboot.py does this for a configs/*.dts file)");
	if (config_parse((const void *)(uintptr_t)m->base, m->size, m->name, nr_cpus, mmu_pa_bits(),
			 &config, errbuf, sizeof(errbuf))) {
		klog("config error: %s", errbuf);
		boot_fail("fix the configuration and boot again");
	}
	config_file = m->name;
	keel_poweroff_when_idle = config.poweroff_when_idle;
	if (config.console_timestamps)
		console_enable_timestamps(arch_counter_freq());
	klog("config %s: %u VM(s)", m->name, config.nr_vms);
}

static void boot_secondaries(unsigned boot_id)
{
	uint64_t entry = (uint64_t)(uintptr_t)secondary_entry;

	/* A secondary reads only struct mmu_boot_regs with its caches off (secondary_entry),
	 * cleaned to PoC with the final map's tables; everything else (its struct cpu, its
	 * stack) it touches with its MMU on. */
	if (!mmu_secondaries_ready())
		panic("the final EL2 map changed after it was cleaned for the secondary CPUs");

	for (unsigned i = 0; i < nr_cpus; i++) {
		int64_t ret;

		if (i == boot_id)
			continue;
		ret = firmware_cpu_on(cpus[i].mpidr, entry, i);
		if (ret) {
			klog("warning: CPU %u (MPIDR 0x%llx) did not start: PSCI error %lld", i,
			     (unsigned long long)cpus[i].mpidr, (long long)ret);
			continue;
		}
		for (uint64_t t = 0; !__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE); t++)
			if (t == SECONDARY_TIMEOUT) {
				klog("warning: CPU %u did not come online", i);
				break;
			}
	}
}

static void boot_this_cpu(struct cpu *c)
{
	cpu_set_current(c);
	cpu_init_el2();
	if (gicv3_init_cpu(platform.gicr_base, platform.gicr_size, c->mpidr, &c->gicr_base))
		panic("no GIC redistributor for CPU %u (MPIDR 0x%llx)", c->id, (unsigned long long)c->mpidr);
	irq_init_cpu(c->gicr_base);
	vgic_hw_init_cpu();
	sched_vcpu_cpu_online(c->id);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	klog("cpu %u online (MPIDR 0x%llx)", c->id, (unsigned long long)c->mpidr);
}

static void boot_create_vms(void)
{
	const char *phys_vm;

	nr_vms = config.nr_vms;
	/* Devices given to VMs, checked against the board before any VM takes anything. */
	if (passthrough_resolve(platform.fdt, &platform, &config, mmu_pa_bits(), passthrough,
				errbuf, sizeof(errbuf))) {
		klog("config error: %s: %s", config_file, errbuf);
		boot_fail("fix the configuration and boot again");
	}
	vm_passthrough_set(passthrough);
	/* Every VM's phys regions before any VM's other RAM, which could otherwise take them. */
	if (vm_claim_phys(&config, errbuf, sizeof(errbuf), &phys_vm)) {
		klog("config error: %s: /%s: %s", config_file, phys_vm, errbuf);
		boot_fail("fix the configuration and boot again");
	}
	/* Shared regions next: fixed ones need their one address, as phys RAM does. */
	if (shm_setup(&config, errbuf, sizeof(errbuf), &phys_vm)) {
		klog("config error: %s: /%s: %s", config_file, phys_vm, errbuf);
		boot_fail("fix the configuration and boot again");
	}
	for (unsigned i = 0; i < config.nr_vms; i++) {
		const struct vm_config *cfg = &config.vms[i];

		for (unsigned j = 0; j < cfg->nr_vcpus; j++)
			if (!(cfg->vcpu_affinity[j] & keel_sched.online)) {
				snprintf(errbuf, sizeof(errbuf), "vm %s: vCPU %u may run only on CPUs 0x%x, none "
					 "of which is online", cfg->name, j, cfg->vcpu_affinity[j]);
				boot_fail(errbuf);
			}
		if (vm_lifecycle_create(&vms[i], cfg, &platform, errbuf, sizeof(errbuf))) {
			/* The same "<file>: <node>: ..." form as config_parse (docs/config.md). */
			klog("config error: %s: /%s: %s", config_file, cfg->name, errbuf);
			boot_fail("fix the configuration and boot again");
		}
	}
	if (platform.uart_intid) {
		console_mux_start();
		gicv3_enable_spi(platform.gicd_base, platform.uart_intid, platform.cpu_mpidr[0]);
		pl011_enable_rx_irq();
	} else {
		klog("the console has no interrupt in the device tree: console input is off");
	}
	for (unsigned i = 0; i < nr_vms; i++)
		if (config.vms[i].autostart)
			vm_start(&vms[i]);
		else
			klog("vm %s: not started (autostart = \"no\"): keel's monitor starts it",
			     vms[i].name);
}

static void boot_wrong_el(uint64_t fdt, uint64_t el)
{
	/* Best effort with the MMU off: find the console and say what is wrong. */
	if (fdt && *(volatile uint32_t *)(uintptr_t)fdt == FDT_MAGIC_BE &&
	    !platform_parse((const void *)(uintptr_t)fdt, &platform, errbuf, sizeof(errbuf)) &&
	    platform.uart_base) {
		console_init(platform.uart_base);
		klog("keel must be entered at EL2 but was entered at EL%llu: enable the virtualization "
		     "extensions (QEMU: -M virt,virtualization=on) and boot keel from EL2",
		     (unsigned long long)el);
	}
	cpu_halt();
}

void boot_primary(uint64_t fdt, uint64_t el, uint64_t base);
void boot_primary(uint64_t fdt, uint64_t el, uint64_t base)
{
	uint64_t fdt_size;
	uint64_t mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	int id;

	if (el != 2)
		boot_wrong_el(fdt, el);
	if (!fdt || (fdt & 7) || *(volatile uint32_t *)(uintptr_t)fdt != FDT_MAGIC_BE)
		cpu_halt(); /* no device tree: no console to complain on */
	fdt_size = be32(((volatile uint32_t *)(uintptr_t)fdt)[1]);
	if (mmu_early_init(base, __image_end - __image_start, fdt, fdt_size))
		cpu_halt();
	if (platform_parse((const void *)(uintptr_t)fdt, &platform, errbuf, sizeof(errbuf))) {
		if (!platform.uart_base || mmu_early_map_device(platform.uart_base, PAGE_SIZE))
			cpu_halt();
		console_init(platform.uart_base);
		boot_fail(errbuf);
	}
	if (mmu_early_map_device(platform.uart_base, PAGE_SIZE))
		cpu_halt();
	platform.fdt = (const void *)(uintptr_t)fdt;
	console_init(platform.uart_base);
	klog("keel hypervisor %d.%d starting at EL2, loaded at 0x%llx", KEEL_VERSION_MAJOR,
	     KEEL_VERSION_MINOR, (unsigned long long)base);
	klog("stack guard: %s", stack_guard_describe(stack_guard_source));

	nr_cpus = MIN(platform.nr_cpus, (unsigned)KEEL_MAX_CPUS);
	sched_vcpu_init(nr_cpus);
	for (unsigned i = 0; i < nr_cpus; i++) {
		cpus[i].id = i;
		cpus[i].mpidr = platform.cpu_mpidr[i];
	}
	id = platform_cpu_index(&platform, mpidr);
	if (id < 0 || (unsigned)id >= nr_cpus)
		boot_fail("the boot CPU is not in the device tree's /cpus");
	if (firmware_init(platform.psci_conduit))
		boot_fail("the firmware's PSCI must use the smc conduit (/psci method = \"smc\"): "
			  "keel runs at EL2, where hvc would call keel itself");

	if (mmu_final_init(&platform, base, (uint64_t)(uintptr_t)__text_end, (uint64_t)(uintptr_t)__image_end))
		boot_fail("cannot build keel's EL2 page tables");
	palloc_init(&keel_palloc);
	boot_init_memory(fdt, fdt_size);
	boot_check_modules();
	gicv3_init_dist(platform.gicd_base);
	irq_init_hyp_timer(platform.timer_intid[PLATFORM_TIMER_HYP]);
	pmu_init(platform.pmu_intid);
	irq_init(platform.gicd_base, platform.timer_intid[PLATFORM_TIMER_VIRT],
		 platform.timer_intid[PLATFORM_TIMER_PHYS],
		 platform.gic_maint_intid, platform.uart_intid);
	boot_this_cpu(&cpus[id]);
	boot_load_config();
	boot_secondaries((unsigned)id);
	boot_create_vms();
	cpu_idle_loop();
}

void boot_secondary(uint64_t id);
void boot_secondary(uint64_t id)
{
	/* The MMU is on already (secondary_entry). */
	boot_this_cpu(&cpus[id]);
	cpu_idle_loop();
}
