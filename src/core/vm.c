/*
 * VM lifecycle: building a VM from its configuration (RAM, stage 2,
 * devices, kernel, initrd and device tree), starting and stopping it, and
 * the accessors the trap handlers use.
 */
#include <keel/arch/cache.h>
#include <keel/arch/mmu.h>
#include <keel/arch/stage2.h>
#include <keel/arch/sysreg.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/firmware.h>
#include <keel/mem.h>
#include <keel/platform.h>
#include <keel/shm.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>
#include <keel/vm_lifecycle.h>
#include <keel/vm_load.h>
#include <keel/vm_passthrough_irq.h>
#include <keel/vmdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct vm vms[KEEL_MAX_VMS];
unsigned nr_vms;
bool keel_poweroff_when_idle;

/* Device callbacks run under vm->lock (vm_mmio_access). */
static int uart_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	struct vm *vm = dev;
	int ret = vpl011_read(&vm->uart, off, size, val);

	if (off == 0)
		vm_console_input_refill(vm); /* reading DR made room in the receive FIFO */
	else
		vm_uart_irq_update(vm);
	return ret;
}

static int uart_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = dev;
	int ret = vpl011_write(&vm->uart, off, size, val);

	vm_uart_irq_update(vm);
	return ret;
}

static int gicd_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	return vgic_dist_read(&((struct vm *)dev)->vgic, off, size, val);
}

static int gicd_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = dev;
	uint32_t kick = 0;
	int ret = vgic_dist_write(&vm->vgic, off, size, val, &kick);

	vm_irq_kick(vm, kick);
	return ret;
}

static int gicr_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	return vgic_redist_read(&((struct vm *)dev)->vgic, off, size, val);
}

static int gicr_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = dev;
	uint32_t kick = 0;
	int ret = vgic_redist_write(&vm->vgic, off, size, val, &kick);

	vm_irq_kick(vm, kick);
	return ret;
}

static int testdev_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	return vtestdev_read(dev, off, size, val);
}

static int testdev_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	return vtestdev_write(dev, off, size, val);
}

static struct mmio_device *vm_add_device(struct vm *vm, const char *name, uint64_t base, uint64_t size,
			  int (*rd)(void *, uint64_t, unsigned, uint64_t *),
			  int (*wr)(void *, uint64_t, unsigned, uint64_t), void *dev)
{
	struct mmio_device *d = &vm->devices[vm->nr_devices++];

	d->name = name;
	d->base = base;
	d->size = size;
	d->read = rd;
	d->write = wr;
	d->dev = dev;
	return d;
}

/* Reset state of the VM's interrupt controller and its timers' hardware links. */
static int vm_init_vgic(struct vm *vm)
{
	unsigned vtimer = vm->platform->timer_intid[PLATFORM_TIMER_VIRT];
	unsigned ptimer = vm->platform->timer_intid[PLATFORM_TIMER_PHYS];
	int ret = vgic_init(&vm->vgic, vm->nr_vcpus);

	/* vm_passthrough_irq_link installs the hardware callbacks, the timers' too. */
	for (unsigned i = 0; i < vm->nr_vcpus && !ret; i++) {
		ret = vgic_link_hw(&vm->vgic, i, vtimer, vtimer);
		if (!ret)
			ret = vgic_link_hw(&vm->vgic, i, ptimer, ptimer);
	}
	return ret ? ret : vm_passthrough_irq_link(vm);   /* its devices' SPIs */
}

static void vm_init_devices(struct vm *vm, const struct vm_config *cfg)
{
	vpl011_init(&vm->uart, vm_console_emit, vm);
	vm_console_attach(vm);
	/* The UART first: the lookup is a linear scan, and the console is the busiest device. */
	vm_add_device(vm, "pl011", cfg->uart_base, VPL011_SIZE, uart_read, uart_write, vm);
	vm_add_device(vm, "gicd", CONFIG_GICD_BASE, VGIC_GICD_SIZE, gicd_read, gicd_write, vm)->irq_state = true;
	vm_add_device(vm, "gicr", CONFIG_GICR_BASE, vm->nr_vcpus * VGIC_GICR_STRIDE, gicr_read,
		      gicr_write, vm)->irq_state = true;
	if (cfg->has_testdev) {
		vtestdev_init(&vm->testdev);
		vm_add_device(vm, "keel,test-device", cfg->testdev_base, VTESTDEV_SIZE,
			      testdev_read, testdev_write, &vm->testdev);
	}
	if (cfg->nr_peers) {
		shm_doorbell_init(vm);
		vm_add_device(vm, "pl061", cfg->doorbell_base, VPL061_SIZE, shm_doorbell_read,
			      shm_doorbell_write, vm);
	}
}

/* Phys regions already claimed by vm_claim_phys, by VM id and region index. */
static bool vm_phys_claimed[KEEL_MAX_VMS][CONFIG_MAX_RAM];

/* The physical memory at PA = IPA of phys region i of cfg. */
static int vm_claim_region(const struct vm_config *cfg, unsigned i, char *err, size_t errlen)
{
	const struct config_ram *r = &cfg->ram[i];
	int ret = palloc_alloc_at(&keel_palloc, r->ipa, r->size / PAGE_SIZE);

	if (ret == KE_RANGE)
		snprintf(err, errlen, "phys memory region %u at PA 0x%llx-0x%llx is not wholly in "
			 "the RAM keel manages (the /memory nodes of the boot device tree); move it "
			 "inside the machine's RAM or drop it from memory-phys", i,
			 (unsigned long long)r->ipa, (unsigned long long)(r->ipa + r->size - 1));
	else if (ret)
		snprintf(err, errlen, "phys memory region %u at PA 0x%llx-0x%llx is not free: part "
			 "of it is keel's own image, reserved memory or another VM's RAM; move it "
			 "to free RAM or drop it from memory-phys", i,
			 (unsigned long long)r->ipa, (unsigned long long)(r->ipa + r->size - 1));
	else
		vm_phys_claimed[cfg->id][i] = true;
	return ret;
}

int vm_claim_phys(const struct keel_config *cfg, char *err, size_t errlen, const char **vm_name)
{
	int ret;

	for (unsigned k = 0; k < cfg->nr_vms; k++)
		for (unsigned i = 0; i < cfg->vms[k].nr_ram; i++) {
			if (!cfg->vms[k].ram[i].phys || vm_phys_claimed[k][i])
				continue;
			ret = vm_claim_region(&cfg->vms[k], i, err, errlen);
			if (ret) {
				*vm_name = cfg->vms[k].name;
				return ret;
			}
		}
	return KE_OK;
}

void vm_release_ram(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		if (vm->ram[i].size &&
		    palloc_free(&keel_palloc, vm->ram[i].pa, vm->ram[i].size / PAGE_SIZE))
			klog("vm %s: cannot free its RAM at 0x%llx", vm->name,
			     (unsigned long long)vm->ram[i].pa);
		vm_phys_claimed[vm->id][i] = false;
		vm->ram[i].size = 0;
	}
}

static int vm_alloc_region(struct vm *vm, unsigned i, char *err, size_t errlen)
{
	const struct config_ram *c = &vm->cfg->ram[i];
	uint64_t align = (c->size >= SZ_1G && IS_ALIGNED(c->ipa, SZ_1G)) ? SZ_1G : SZ_2M;
	uint64_t npages = c->size / PAGE_SIZE;
	struct vm_ram *r = &vm->ram[i];

	if (c->phys) {
		int ret = vm_phys_claimed[vm->id][i] ? KE_OK : vm_claim_region(vm->cfg, i, err, errlen);

		if (ret)
			return ret;
		r->pa = c->ipa;
	} else if (palloc_alloc(&keel_palloc, npages, align, &r->pa) &&
		   (align == SZ_2M || palloc_alloc(&keel_palloc, npages, SZ_2M, &r->pa))) {
		snprintf(err, errlen, "not enough free memory for its %llu MiB of RAM (%llu MiB free); "
			 "give it less memory",
			 (unsigned long long)(c->size >> 20),
			 (unsigned long long)(palloc_free_pages(&keel_palloc) * PAGE_SIZE >> 20));
		return KE_NOMEM;
	}
	r->ipa = c->ipa;
	r->size = c->size;
	return KE_OK;
}

/* Phys regions first: they need their one address, the others take what is left. */
static int vm_alloc_ram(struct vm *vm, char *err, size_t errlen)
{
	int ret = KE_OK;

	vm->nr_ram = vm->cfg->nr_ram;
	for (unsigned pass = 0; pass < 2 && !ret; pass++)
		for (unsigned i = 0; i < vm->nr_ram && !ret; i++)
			if (vm->cfg->ram[i].phys == (pass == 0))
				ret = vm_alloc_region(vm, i, err, errlen);
	if (ret)
		vm_release_ram(vm);
	return ret;
}

static const struct boot_module *find_module(const struct platform *p, const char *what,
					     const char *name, char *err, size_t errlen)
{
	const struct boot_module *m = platform_find_module(p, name);

	if (!m)
		snprintf(err, errlen, "%s \"%s\" is not among the boot modules in /chosen; "
			 "add it (tools/keelboot.py does this for every file a config names)", what, name);
	return m;
}

static const void *module_bytes(const struct boot_module *m)
{
	return (const void *)(uintptr_t)m->base;
}

/*
 * Where keel may write len bytes at offset off of the VM's RAM, or NULL. Every byte keel
 * puts into guest RAM (kernel, initrd, device tree, given or generated) goes through here,
 * so the bound is checked in one place, without wrapping, even for a validated plan.
 */
static void *vm_ram_window(struct vm *vm, uint64_t off, uint64_t len)
{
	if (!vm_load_range_ok(vm->ram[0].size, off, len))
		return NULL;
	return (void *)(uintptr_t)(vm->ram[0].pa + off);
}

static int vm_copy_in(struct vm *vm, uint64_t off, const void *src, uint64_t len)
{
	void *dst = vm_ram_window(vm, off, len);

	if (!dst)
		return KE_RANGE;
	memcpy(dst, src, len);
	return KE_OK;
}

/*
 * Find the VM's boot modules and decide, once, where each goes (src/core/vm_load.c). A given
 * device tree is checked here too. Restarts copy along this plan: nothing is re-derived
 * from the images later.
 */
static int vm_plan_images(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
			  char *err, size_t errlen)
{
	const struct boot_module *k, *initrd = NULL, *dtb = NULL;
	int ret;

	k = find_module(p, "kernel", cfg->kernel, err, errlen);
	if (!k)
		return KE_NOENT;
	if (cfg->initrd[0] && !(initrd = find_module(p, "initrd", cfg->initrd, err, errlen)))
		return KE_NOENT;
	if (cfg->dtb[0] && !(dtb = find_module(p, "dtb", cfg->dtb, err, errlen)))
		return KE_NOENT;
	ret = vm_load_plan_images(cfg->ram[0].size, cfg, module_bytes(k), k->size,
				  initrd ? initrd->size : 0, dtb ? dtb->size : 0, &vm->load, err, errlen);
	if (!ret && dtb)
		ret = vmdt_check_given(module_bytes(dtb), dtb->size, cfg, err, errlen);
	if (ret)
		return ret;
	vm->kernel_mod = k;
	vm->initrd_mod = initrd;
	vm->dtb_mod = dtb;
	return KE_OK;
}

static int vm_build_dtb(struct vm *vm, char *err, size_t errlen)
{
	const struct platform *p = vm->platform;
	struct vmdt_params params;
	void *dst = vm_ram_window(vm, vm->load.dtb_off, vm->load.dtb_size);
	int ret;

	if (!dst) {
		snprintf(err, errlen, "its device tree does not fit in its RAM");
		return KE_RANGE;
	}
	memset(&params, 0, sizeof(params));
	params.vm = vm->cfg;
	params.initrd_ipa = vm->load.initrd_size ? vm->ram[0].ipa + vm->load.initrd_off : 0;
	params.initrd_size = vm->load.initrd_size;
	params.has_gic = true;
	params.gicd_ipa = CONFIG_GICD_BASE;
	params.gicr_ipa = CONFIG_GICR_BASE;
	params.gic_maint_intid = p->gic_maint_intid;
	params.config = shm_config();
	params.boot_fdt = p->fdt;
	params.passthrough = vm->passthrough;
	memcpy(params.timer_intid, p->timer_intid, sizeof(params.timer_intid));
	params.pmu_intid = p->pmu_intid;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		params.vcpu_mpidr[i] = vm->vcpus[i].vmpidr & MPIDR_AFF_MASK;
	ret = vmdt_build(&params, dst, vm->load.dtb_size);
	if (ret)
		snprintf(err, errlen, "cannot generate its device tree (error %d)", ret);
	return ret;
}

/* Fill RAM from scratch along vm->load: zeroes, kernel, initrd, device tree. Also used on restart. */
static int vm_load_images(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_load_plan *l = &vm->load;
	int ret;

	/* Every region: a restarted VM finds nothing of its previous run anywhere. */
	for (unsigned i = 0; i < vm->nr_ram; i++)
		memset((void *)(uintptr_t)vm->ram[i].pa, 0, vm->ram[i].size);
	ret = vm_copy_in(vm, l->kernel_off, module_bytes(vm->kernel_mod), l->kernel_copy);
	if (!ret && vm->initrd_mod)
		ret = vm_copy_in(vm, l->initrd_off, module_bytes(vm->initrd_mod), l->initrd_size);
	if (!ret && vm->dtb_mod)
		ret = vm_copy_in(vm, l->dtb_off, module_bytes(vm->dtb_mod), l->dtb_size);
	if (ret) {
		/* vm_load_plan_images promised otherwise: refuse rather than write outside RAM */
		snprintf(err, errlen, "its load plan puts an image outside its RAM");
		return ret;
	}
	if (!vm->dtb_mod) {
		ret = vm_build_dtb(vm, err, errlen);
		if (ret)
			return ret;
	}
	/* The guest starts with its MMU and caches off: its image must be in memory, not in our caches. */
	stage2_flush_vm(vm);
	icache_inval_all();
	return KE_OK;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
	      char *err, size_t errlen)
{
	const size_t lock_end = offsetof(struct vm, lock) + sizeof(vm->lock);
	int ret;

	/*
	 * Everything but the lock, and under it: at run time (the monitor's start of a
	 * destroyed VM) a peer ringing this slot's doorbell (shm_doorbell_ring) may take the
	 * lock at any moment, and it must then find the slot STOPPED, never half wiped.
	 */
	spin_lock(&vm->lock);
	memset(vm, 0, offsetof(struct vm, lock));
	memset((char *)vm + lock_end, 0, sizeof(*vm) - lock_end);
	vm->state = VM_STOPPED;
	spin_unlock(&vm->lock);
	vm->cfg = cfg;
	vm->name = cfg->name;
	vm->id = cfg->id;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->platform = p;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->index = i;
		v->pcpu = cfg->vcpu_pcpu[i];
		v->power = VCPU_OFF;
		v->vmpidr = BIT(31) | i;
	}
	sched_vcpu_setup(vm);
	vm_init_devices(vm, cfg);
	if (vm_init_vgic(vm)) {
		snprintf(err, errlen, "cannot set up its virtual GIC");
		return KE_INVAL;
	}

	/* Placement first: it needs no resources, and a bad image stops here. */
	ret = vm_plan_images(vm, cfg, p, err, errlen);
	if (!ret)
		ret = vm_passthrough_attach(vm, err, errlen);
	if (!ret)
		ret = vm_passthrough_irq_claim(vm, err, errlen);   /* its devices' SPIs */
	if (!ret && vm_passthrough_irq_link(vm)) {
		snprintf(err, errlen, "cannot link its devices' interrupts in its virtual GIC");
		ret = KE_INVAL;
	}
	if (ret)
		return ret;
	ret = vm_alloc_ram(vm, err, errlen);
	if (ret)
		return ret;
	ret = shm_vm_add_maps(vm, err, errlen);
	if (!ret)
		ret = stage2_init(vm, mmu_pa_bits(), err, errlen);
	if (!ret)
		ret = vm_load_images(vm, err, errlen);
	if (ret) {
		stage2_destroy(vm);
		vm_release_ram(vm);
		return ret;
	}
	klog("vm %s: id %u, %u vCPU(s), %llu MiB RAM at IPA 0x%llx (PA 0x%llx), %u-bit IPA, VMID %u",
	     vm->name, vm->id, vm->nr_vcpus, (unsigned long long)(vm->ram[0].size >> 20),
	     (unsigned long long)vm->ram[0].ipa, (unsigned long long)vm->ram[0].pa, vm->ipa_bits,
	     vm->vmid);
	for (unsigned i = 1; i < vm->nr_ram; i++)
		klog("vm %s: RAM region %u: %llu MiB at IPA 0x%llx (PA 0x%llx)%s", vm->name, i,
		     (unsigned long long)(vm->ram[i].size >> 20), (unsigned long long)vm->ram[i].ipa,
		     (unsigned long long)vm->ram[i].pa, cfg->ram[i].phys ? ", phys" : "");
	return KE_OK;
}

void vm_start(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];

	spin_lock(&vm->lock);
	vm->state = VM_RUNNING;
	vm->active = true;
	vm->restart_pending = false;
	vm_passthrough_irq_start(vm);
	vm->cntvoff = arch_counter_now();
	/* The kernel's entry point, with x0 the device tree's address (booting.rst). */
	vcpu_reset(v, vm->ram[0].ipa + vm->load.kernel_off, vm->ram[0].ipa + vm->load.dtb_off);
	v->power = VCPU_ON_PENDING;
	spin_unlock(&vm->lock);
	vcpu_wake(v);
}

/* A restart that cannot happen: the VM stays stopped, for good. */
static bool vm_restart_abandon(struct vm *vm)
{
	spin_lock(&vm->lock);
	vm->restart_pending = false;
	spin_unlock(&vm->lock);
	return false;
}

bool vm_reload_and_start(struct vm *vm)
{
	char err[256];

	vpl011_init(&vm->uart, vm_console_emit, vm);
	vm->uart_irq_line = false;
	vm->uart_shown = 0;
	vm->input_head = vm->input_count = 0;
	if (vm_init_vgic(vm)) {
		klog("vm %s: cannot restart: its virtual GIC does not reset", vm->name);
		return vm_restart_abandon(vm);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].power = VCPU_OFF; /* vm_start powers on vCPU 0; the guest starts the rest */
		vgic_hw_reset(&vm->vcpus[i].gic);
	}
	if (vm->cfg->has_testdev)
		vtestdev_init(&vm->testdev);
	/* Not running: no peer touches its doorbell now (shm_doorbell_ring). Its shared
	 * regions are left as they are, for its peers' sake (include/keel/shm.h). */
	if (vm->cfg->nr_peers)
		shm_doorbell_init(vm);
	if (vm_load_images(vm, err, sizeof(err))) {
		klog("vm %s: cannot restart: %s", vm->name, err);
		return vm_restart_abandon(vm);
	}
	/* Its previous run's translations (tagged with its VMID) must not survive into the next. */
	stage2_tlb_inval_vm(vm);
	vm->restarts++;
	if (vm->active)
		klog("vm %s: restarting (restart %u)", vm->name, vm->restarts);
	else
		klog("vm %s: starting from its images", vm->name);
	vm_start(vm);
	return true;
}

static void vm_print_stats(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_stats *st = &vm->vcpus[i].stats;

		klog("vm %s: vcpu %u: %llu exits: %llu hypercalls, %llu mmio, %llu sysreg, %llu wfi/wfe, "
		     "%llu irq, %llu injected aborts/undefs", vm->name, i, (unsigned long long)st->exits,
		     (unsigned long long)st->hypercalls, (unsigned long long)st->mmio,
		     (unsigned long long)st->sysreg, (unsigned long long)st->wfx,
		     (unsigned long long)st->irqs, (unsigned long long)st->aborts_injected);
	}
}

static void vm_finished(struct vm *vm)
{
	bool all = true, restart;

	vm_print_stats(vm);
	/* Under the lock: a destroy asked for meanwhile wins over the guest's SYSTEM_RESET. */
	spin_lock(&vm->lock);
	restart = vm->restart_pending && !vm->destroy_pending;
	vm->restart_pending = false;
	spin_unlock(&vm->lock);
	if (restart && vm_reload_and_start(vm))
		return;
	klog("vm %s: halted", vm->name);
	vm_lifecycle_finished(vm);   /* no longer active; released if a destroy is pending */
	/*
	 * One VM lock at a time. Not the state: a VM being rebuilt for a restart is STOPPED
	 * meanwhile, but it stays active from vm_start until vm_lifecycle_finished, so it is
	 * not taken for a VM that has stopped for good.
	 */
	for (unsigned i = 0; i < nr_vms && all; i++) {
		spin_lock(&vms[i].lock);
		all = !vms[i].active;
		spin_unlock(&vms[i].lock);
	}
	if (!all)
		return;
	if (keel_poweroff_when_idle) {
		klog("every VM has stopped: powering off");
		firmware_system_off();
	}
	klog("every VM has stopped");
}

static void vm_stop_reason(struct vm *vm, bool restart, const char *reason);

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vm_stop_reason(vm, false, reason);
}

void vm_reset(struct vm *vm, const char *why)
{
	vm_stop_reason(vm, true, why);
}

/*
 * Locked, on a running VM: begin stopping it. True if it has stopped already
 * (no vCPU is loaded), and the caller must then call vm_finished().
 */
static bool vm_stop_begin(struct vm *vm, bool restart)
{
	vm->state = VM_STOPPING;
	vm_passthrough_irq_stop(vm);   /* its devices' SPIs off before anything else */
	vm->restart_pending = restart;
	vpl011_flush(&vm->uart);
	if (vm->nr_loaded)
		return false;
	vm->state = VM_STOPPED;
	return true;
}

static void vm_stop_reason(struct vm *vm, bool restart, const char *reason)
{
	bool finished;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	finished = vm_stop_begin(vm, restart);
	spin_unlock(&vm->lock);
	vm_console_drain(vm);   /* the VM's last output comes before the reason it stopped */

	klog("vm %s: %s", vm->name, reason);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);   /* running ones exit, blocked ones wake, to leave */
	if (finished)
		vm_finished(vm);
}

/* Locked: every vCPU is off, none loaded nor about to be: nothing can run in the VM again. */
static bool vm_all_vcpus_off(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].power != VCPU_OFF)
			return false;
	return true;
}

void vm_vcpu_left(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool finished, powered_off = false;

	spin_lock(&vm->lock);
	vm->nr_loaded--;
	/* Release: whoever sees OFF (CPU_ON, AFFINITY_INFO) sees the state vcpu_put() saved. */
	if (v->power == VCPU_OFF_PENDING)
		__atomic_store_n(&v->power, VCPU_OFF, __ATOMIC_RELEASE);
	if (vm->state == VM_RUNNING && vm_all_vcpus_off(vm)) {
		/* Its last vCPU called CPU_OFF: the VM has stopped as if by SYSTEM_OFF. */
		powered_off = true;
		finished = vm_stop_begin(vm, false);
	} else {
		finished = vm->state == VM_STOPPING && vm->nr_loaded == 0;
		if (finished)
			vm->state = VM_STOPPED;
	}
	spin_unlock(&vm->lock);
	if (powered_off)
		klog("vm %s: powered off by the guest (its last vCPU called PSCI CPU_OFF)", vm->name);
	if (finished)
		vm_finished(vm);
}

/* Region 0 first: it holds the kernel and most guests' buffers. No sum can wrap. */
bool vm_ipa_to_pa(const struct vm *vm, uint64_t ipa, uint64_t size, uint64_t *pa)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		const struct vm_ram *r = &vm->ram[i];

		if (ipa >= r->ipa && size <= r->size && ipa - r->ipa <= r->size - size) {
			*pa = r->pa + (ipa - r->ipa);
			return true;
		}
	}
	return false;
}

const struct mmio_device *vm_find_device(const struct vm *vm, uint64_t ipa)
{
	for (unsigned i = 0; i < vm->nr_devices; i++) {
		const struct mmio_device *d = &vm->devices[i];

		if (ipa >= d->base && ipa - d->base < d->size)
			return d;
	}
	return NULL;
}

int vm_mmio_access(struct vm *vm, const struct mmio_device *d, uint64_t ipa, unsigned size,
		   bool write, uint64_t *val)
{
	int ret;

	if (ipa < d->base || ipa - d->base >= d->size || ipa - d->base + size > d->size)
		return KE_INVAL;
	spin_lock(&vm->lock);
	ret = write ? d->write(d->dev, ipa - d->base, size, *val) : d->read(d->dev, ipa - d->base, size, val);
	spin_unlock(&vm->lock);
	if (write && d->write == uart_write)
		vm_console_drain(vm);   /* it may have ended a line: print it without vm->lock */
	else if (write && d->write == shm_doorbell_write)
		shm_doorbell_flush(vm); /* rings take the peer's lock: never inside ours */
	return ret;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i].vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return &vm->vcpus[i];
	return NULL;
}
