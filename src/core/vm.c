/*
 * VM lifecycle: building a VM from its configuration (RAM, stage 2,
 * devices, kernel, initrd and device tree), starting and stopping it, and
 * the accessors the trap handlers use.
 */
#include <keel/arch/cache.h>
#include <keel/arch/mmu.h>
#include <keel/arch/sysreg.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/firmware.h>
#include <keel/mem.h>
#include <keel/platform.h>
#include <keel/vm.h>
#include <keel/vmdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VM_DTB_REGION     SZ_2M          /* the device tree gets the top 2 MiB of RAM */
#define VM_DTB_MAX        (64 * 1024)    /* generated trees are far smaller */
#define IMAGE_HEADER_SIZE 64
#define IMAGE_MAGIC       0x644d5241u    /* "ARM\x64" */
#define IMAGE_DEFAULT_TEXT_OFFSET 0x80000

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

	vgic_set_hw_deactivate(&vm->vgic, vcpu_hw_irq_deactivate, vm);
	for (unsigned i = 0; i < vm->nr_vcpus && !ret; i++) {
		ret = vgic_link_hw(&vm->vgic, i, vtimer, vtimer);
		if (!ret)
			ret = vgic_link_hw(&vm->vgic, i, ptimer, ptimer);
	}
	return ret;
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
}

static void *ipa_ptr(const struct vm *vm, uint64_t ipa)
{
	return (void *)(uintptr_t)(vm->ram_pa + (ipa - vm->ram_ipa));
}

static int vm_alloc_ram(struct vm *vm, char *err, size_t errlen)
{
	uint64_t align = (vm->ram_size >= SZ_1G && IS_ALIGNED(vm->ram_ipa, SZ_1G)) ? SZ_1G : SZ_2M;
	uint64_t npages = vm->ram_size / PAGE_SIZE;

	if (palloc_alloc(&keel_palloc, npages, align, &vm->ram_pa) &&
	    (align == SZ_2M || palloc_alloc(&keel_palloc, npages, SZ_2M, &vm->ram_pa))) {
		snprintf(err, errlen, "not enough free memory for its %llu MiB of RAM (%llu MiB free); "
			 "give it less memory",
			 (unsigned long long)(vm->ram_size >> 20),
			 (unsigned long long)(palloc_free_pages(&keel_palloc) * PAGE_SIZE >> 20));
		return KE_NOMEM;
	}
	return KE_OK;
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

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Load the kernel; sets vm->entry_ipa and *end (offset of its end in RAM). */
static int vm_load_kernel(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
			  uint64_t *end, char *err, size_t errlen)
{
	const struct boot_module *m = find_module(p, "kernel", cfg->kernel, err, errlen);
	const uint8_t *img;
	uint64_t offset, span;

	if (!m)
		return KE_NOENT;
	img = (const uint8_t *)(uintptr_t)m->base;
	span = m->size;
	if (cfg->kernel_format == KERNEL_FORMAT_RAW) {
		offset = cfg->load_offset;
	} else {
		if (m->size < IMAGE_HEADER_SIZE || le32(img + 56) != IMAGE_MAGIC) {
			snprintf(err, errlen, "kernel \"%s\" has no arm64 Image header (magic \"ARM\\x64\" at "
				 "offset 56); use kernel-format = \"raw\" with a load-offset for a raw binary",
				 cfg->kernel);
			return KE_INVAL;
		}
		offset = le64(img + 8);
		if (le64(img + 16) == 0)
			offset = IMAGE_DEFAULT_TEXT_OFFSET; /* pre-3.17 kernels: text_offset unreliable */
		else
			span = MAX(span, le64(img + 16));
	}
	if (offset >= vm->ram_size || span > vm->ram_size - VM_DTB_REGION - offset ||
	    vm->ram_size <= VM_DTB_REGION) {
		snprintf(err, errlen, "kernel \"%s\" (%llu KiB at offset 0x%llx) does not fit below the "
			 "device tree in %llu MiB of RAM; give the VM more memory",
			 cfg->kernel, (unsigned long long)(span >> 10), (unsigned long long)offset,
			 (unsigned long long)(vm->ram_size >> 20));
		return KE_RANGE;
	}
	memcpy(ipa_ptr(vm, vm->ram_ipa + offset), img, m->size);
	vm->entry_ipa = vm->ram_ipa + offset;
	*end = offset + span;
	return KE_OK;
}

static int vm_load_initrd(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
			  uint64_t kernel_end, char *err, size_t errlen)
{
	const struct boot_module *m;
	uint64_t top = vm->ram_size - VM_DTB_REGION, offset;

	if (!cfg->initrd[0])
		return KE_OK;
	m = find_module(p, "initrd", cfg->initrd, err, errlen);
	if (!m)
		return KE_NOENT;
	offset = ALIGN_DOWN(top - MIN(top, m->size), PAGE_SIZE);
	if (m->size > top || offset < ALIGN_UP(kernel_end, PAGE_SIZE)) {
		snprintf(err, errlen, "initrd \"%s\" (%llu KiB) does not fit between the kernel and the "
			 "device tree; give the VM more memory", cfg->initrd,
			 (unsigned long long)(m->size >> 10));
		return KE_RANGE;
	}
	memcpy(ipa_ptr(vm, vm->ram_ipa + offset), (const void *)(uintptr_t)m->base, m->size);
	vm->initrd_ipa = vm->ram_ipa + offset;
	vm->initrd_size = m->size;
	return KE_OK;
}

static int vm_build_dtb(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
			char *err, size_t errlen)
{
	struct vmdt_params params;
	void *dst;
	int ret;

	vm->dtb_ipa = vm->ram_ipa + vm->ram_size - VM_DTB_REGION;
	dst = ipa_ptr(vm, vm->dtb_ipa);
	if (cfg->dtb[0]) {
		const struct boot_module *m = find_module(p, "dtb", cfg->dtb, err, errlen);

		if (!m)
			return KE_NOENT;
		if (m->size > VM_DTB_REGION) {
			snprintf(err, errlen, "dtb \"%s\" is larger than 2 MiB", cfg->dtb);
			return KE_RANGE;
		}
		if (cfg->initrd[0]) {
			snprintf(err, errlen, "an initrd with a given dtb is not supported: keel places the "
				 "initrd itself and does not edit a given tree; drop one of them");
			return KE_NOTSUP;
		}
		ret = vmdt_check_given((const void *)(uintptr_t)m->base, m->size, cfg, err, errlen);
		if (!ret)
			memcpy(dst, (const void *)(uintptr_t)m->base, m->size);
		return ret;
	}
	memset(&params, 0, sizeof(params));
	params.vm = cfg;
	params.initrd_ipa = vm->initrd_ipa;
	params.initrd_size = vm->initrd_size;
	params.has_gic = true;
	params.gicd_ipa = CONFIG_GICD_BASE;
	params.gicr_ipa = CONFIG_GICR_BASE;
	params.gic_maint_intid = p->gic_maint_intid;
	memcpy(params.timer_intid, p->timer_intid, sizeof(params.timer_intid));
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		params.vcpu_mpidr[i] = vm->vcpus[i].vmpidr & MPIDR_AFF_MASK;
	ret = vmdt_build(&params, dst, VM_DTB_MAX);
	if (ret)
		snprintf(err, errlen, "cannot generate its device tree (error %d)", ret);
	return ret;
}

/* Fill RAM from scratch: zeroes, kernel, initrd, device tree. Also used on restart. */
static int vm_load_images(struct vm *vm, char *err, size_t errlen)
{
	uint64_t kernel_end = 0;
	int ret;

	memset((void *)(uintptr_t)vm->ram_pa, 0, vm->ram_size);
	vm->initrd_ipa = vm->initrd_size = 0;
	ret = vm_load_kernel(vm, vm->cfg, vm->platform, &kernel_end, err, errlen);
	if (!ret)
		ret = vm_load_initrd(vm, vm->cfg, vm->platform, kernel_end, err, errlen);
	if (!ret)
		ret = vm_build_dtb(vm, vm->cfg, vm->platform, err, errlen);
	if (ret)
		return ret;
	/* The guest starts with its MMU and caches off: its image must be in memory, not in our caches. */
	stage2_flush_vm(vm);
	icache_inval_all();
	return KE_OK;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
	      char *err, size_t errlen)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->name = cfg->name;
	vm->id = cfg->id;
	vm->ram_ipa = cfg->ram_base;
	vm->ram_size = cfg->ram_size;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->state = VM_STOPPED;
	vm->platform = p;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->index = i;
		v->pcpu = cfg->vcpu_pcpu[i];
		v->power = VCPU_OFF;
		v->vmpidr = BIT(31) | i;
	}
	vm_init_devices(vm, cfg);
	if (vm_init_vgic(vm)) {
		snprintf(err, errlen, "cannot set up its virtual GIC");
		return KE_INVAL;
	}

	ret = vm_alloc_ram(vm, err, errlen);
	if (!ret)
		ret = stage2_init(vm, mmu_pa_bits(), err, errlen);
	if (!ret)
		ret = vm_load_images(vm, err, errlen);
	if (ret)
		return ret;
	klog("vm %s: id %u, %u vCPU(s), %llu MiB RAM at IPA 0x%llx (PA 0x%llx), %u-bit IPA, VMID %u",
	     vm->name, vm->id, vm->nr_vcpus, (unsigned long long)(vm->ram_size >> 20),
	     (unsigned long long)vm->ram_ipa, (unsigned long long)vm->ram_pa, vm->ipa_bits, vm->vmid);
	return KE_OK;
}

void vm_start(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];

	spin_lock(&vm->lock);
	vm->state = VM_RUNNING;
	vm->cntvoff = arch_counter_now();
	vcpu_reset(v, vm->entry_ipa, vm->dtb_ipa);
	v->power = VCPU_ON_PENDING;
	spin_unlock(&vm->lock);
	cpu_assign(v->pcpu, v);
}

static bool vm_restart(struct vm *vm)
{
	char err[256];

	vm->restart_pending = false;
	vpl011_init(&vm->uart, vm_console_emit, vm);
	vm->uart_irq_line = false;
	vm->uart_shown = 0;
	vm->input_head = vm->input_count = 0;
	if (vm_init_vgic(vm)) {
		klog("vm %s: cannot restart: its virtual GIC does not reset", vm->name);
		return false;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].power = VCPU_OFF; /* vm_start powers on vCPU 0; the guest starts the rest */
		vgic_hw_reset(&vm->vcpus[i].gic);
	}
	if (vm->cfg->has_testdev)
		vtestdev_init(&vm->testdev);
	if (vm_load_images(vm, err, sizeof(err))) {
		klog("vm %s: cannot restart: %s", vm->name, err);
		return false;
	}
	vm->restarts++;
	klog("vm %s: restarting (restart %u)", vm->name, vm->restarts);
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
	bool all = true;

	vm_print_stats(vm);
	if (vm->restart_pending && vm_restart(vm))
		return;
	klog("vm %s: halted", vm->name);
	for (unsigned i = 0; i < nr_vms; i++)
		all = all && __atomic_load_n(&vms[i].state, __ATOMIC_ACQUIRE) == VM_STOPPED;
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

static void vm_stop_reason(struct vm *vm, bool restart, const char *reason)
{
	unsigned self = this_cpu()->id;
	bool finished;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	vm->state = VM_STOPPING;
	vm->restart_pending = restart;
	vpl011_flush(&vm->uart);
	finished = vm->nr_loaded == 0;
	if (finished)
		vm->state = VM_STOPPED;
	spin_unlock(&vm->lock);
	vm_console_drain(vm);   /* the VM's last output comes before the reason it stopped */

	klog("vm %s: %s", vm->name, reason);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].pcpu != self)
			cpu_kick(vm->vcpus[i].pcpu);
	if (finished)
		vm_finished(vm);
}

void vm_vcpu_left(struct vm *vm)
{
	bool finished;

	spin_lock(&vm->lock);
	vm->nr_loaded--;
	finished = vm->state == VM_STOPPING && vm->nr_loaded == 0;
	if (finished)
		vm->state = VM_STOPPED;
	spin_unlock(&vm->lock);
	if (finished)
		vm_finished(vm);
}

bool vm_ipa_to_pa(const struct vm *vm, uint64_t ipa, uint64_t size, uint64_t *pa)
{
	if (ipa < vm->ram_ipa || size > vm->ram_size || ipa - vm->ram_ipa > vm->ram_size - size)
		return false;
	*pa = vm->ram_pa + (ipa - vm->ram_ipa);
	return true;
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
	return ret;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i].vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return &vm->vcpus[i];
	return NULL;
}
