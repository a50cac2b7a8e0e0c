/*
 * VM device trees: see include/keel/vmdt.h.
 *
 * Building uses libfdt's sequential-write API only; checking a given tree uses the
 * read-only API and platform.c's reg/stdout helpers.
 */
#include <keel/vmdt.h>
#include <keel/passthrough.h>
#include <keel/platform.h>

#include <libfdt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VMDT_PHANDLE_PT  3u	/* and up, below VMDT_PHANDLE_SHM(0): copies of passed-through devices' fixed clocks */
#define VMDT_MAX_CELLS   16
#define VMDT_NAME_MAX    48
#define MPIDR_AFF3_MASK  0xff00000000ULL

/*
 * Sequential writer with a sticky error: after the first failing libfdt call every
 * further call is skipped, so node builders read as straight lists of properties.
 */
struct vmdt_writer {
	void *fdt;
	int err;
};

static void w_begin(struct vmdt_writer *w, const char *name)
{
	if (!w->err)
		w->err = fdt_begin_node(w->fdt, name);
}

static void w_end(struct vmdt_writer *w)
{
	if (!w->err)
		w->err = fdt_end_node(w->fdt);
}

static void w_prop(struct vmdt_writer *w, const char *name, const void *val, int len)
{
	if (!w->err)
		w->err = fdt_property(w->fdt, name, val, len);
}

static void w_str(struct vmdt_writer *w, const char *name, const char *s)
{
	w_prop(w, name, s, (int)strlen(s) + 1);
}

static void w_u32(struct vmdt_writer *w, const char *name, uint32_t v)
{
	fdt32_t be = cpu_to_fdt32(v);

	w_prop(w, name, &be, sizeof(be));
}

static void w_u64(struct vmdt_writer *w, const char *name, uint64_t v)
{
	fdt64_t be = cpu_to_fdt64(v);

	w_prop(w, name, &be, sizeof(be));
}

static void w_cells(struct vmdt_writer *w, const char *name, const uint32_t *cells, unsigned n)
{
	fdt32_t be[VMDT_MAX_CELLS];

	for (unsigned i = 0; i < n && i < VMDT_MAX_CELLS; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	w_prop(w, name, be, (int)(MIN(n, VMDT_MAX_CELLS) * sizeof(fdt32_t)));
}

/* A 64-bit value as two cells at cells[0..1]. */
static void vmdt_put64(uint32_t *cells, uint64_t v)
{
	cells[0] = (uint32_t)(v >> 32);
	cells[1] = (uint32_t)v;
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static void w_reg(struct vmdt_writer *w, uint64_t base, uint64_t size)
{
	uint32_t cells[4];

	vmdt_put64(&cells[0], base);
	vmdt_put64(&cells[2], size);
	w_cells(w, "reg", cells, 4);
}

/* ------------------------------------------------------------ nodes */

static void vmdt_add_root_props(struct vmdt_writer *w, const struct vmdt_params *p)
{
	char model[VMDT_NAME_MAX];

	snprintf(model, sizeof(model), "keel VM %s", p->vm->name);
	w_u32(w, "#address-cells", 2);
	w_u32(w, "#size-cells", 2);
	w_str(w, "compatible", "keel,vm");
	w_str(w, "model", model);
	if (p->has_gic)
		w_u32(w, "interrupt-parent", VMDT_PHANDLE_GIC);
}

static void vmdt_add_chosen(struct vmdt_writer *w, const struct vmdt_params *p)
{
	char path[VMDT_NAME_MAX];

	snprintf(path, sizeof(path), "/pl011@%llx", (unsigned long long)p->vm->uart_base);
	w_begin(w, "chosen");
	if (p->vm->bootargs[0])
		w_str(w, "bootargs", p->vm->bootargs);
	w_str(w, "stdout-path", path);
	if (p->initrd_size) {
		w_u64(w, "linux,initrd-start", p->initrd_ipa);
		w_u64(w, "linux,initrd-end", p->initrd_ipa + p->initrd_size);
	}
	w_end(w);
}

/* One /memory@<ipa> node per region, the boot region first (Linux reads every node of
 * device_type "memory"; bare-metal guests that read only the first find the boot region). */
static void vmdt_add_memory(struct vmdt_writer *w, const struct vm_config *vm)
{
	char name[VMDT_NAME_MAX];

	for (unsigned i = 0; i < vm->nr_ram; i++) {
		snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)vm->ram[i].ipa);
		w_begin(w, name);
		w_str(w, "device_type", "memory");
		w_reg(w, vm->ram[i].ipa, vm->ram[i].size);
		w_end(w);
	}
}

/* One cell of affinity (Aff2..Aff0) unless a vCPU has a non-zero Aff3. */
static unsigned vmdt_cpu_cells(const struct vmdt_params *p)
{
	for (unsigned i = 0; i < p->vm->nr_vcpus; i++)
		if (p->vcpu_mpidr[i] & MPIDR_AFF3_MASK)
			return 2;
	return 1;
}

static void vmdt_add_cpus(struct vmdt_writer *w, const struct vmdt_params *p)
{
	unsigned ac = vmdt_cpu_cells(p);
	char name[VMDT_NAME_MAX];
	uint32_t reg[2];

	w_begin(w, "cpus");
	w_u32(w, "#address-cells", ac);
	w_u32(w, "#size-cells", 0);
	for (unsigned i = 0; i < p->vm->nr_vcpus; i++) {
		uint64_t aff = p->vcpu_mpidr[i] & MPIDR_AFFINITY_MASK;

		snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)aff);
		vmdt_put64(reg, aff);
		w_begin(w, name);
		w_str(w, "device_type", "cpu");
		w_str(w, "compatible", "arm,armv8");
		w_cells(w, "reg", ac == 2 ? reg : &reg[1], ac);
		w_str(w, "enable-method", "psci");
		w_end(w);
	}
	w_end(w);
}

static void vmdt_add_psci(struct vmdt_writer *w)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";

	w_begin(w, "psci");
	w_prop(w, "compatible", compat, sizeof(compat));
	w_str(w, "method", "hvc");
	w_end(w);
}

static void vmdt_add_clock(struct vmdt_writer *w)
{
	w_begin(w, "apb-pclk");
	w_str(w, "compatible", "fixed-clock");
	w_u32(w, "#clock-cells", 0);
	w_u32(w, "clock-frequency", VMDT_CLOCK_HZ);
	w_str(w, "clock-output-names", "clk24mhz");
	w_u32(w, "phandle", VMDT_PHANDLE_CLK);
	w_end(w);
}

static void vmdt_add_uart(struct vmdt_writer *w, const struct vmdt_params *p)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	const uint32_t clocks[2] = { VMDT_PHANDLE_CLK, VMDT_PHANDLE_CLK };
	const uint32_t irq[3] = { DT_GIC_SPI, VMDT_UART_SPI, DT_IRQ_LEVEL_HIGH };
	char name[VMDT_NAME_MAX];

	snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)p->vm->uart_base);
	w_begin(w, name);
	w_prop(w, "compatible", compat, sizeof(compat));
	w_reg(w, p->vm->uart_base, CONFIG_DEVICE_SIZE);
	w_cells(w, "clocks", clocks, 2);
	w_prop(w, "clock-names", clock_names, sizeof(clock_names));
	if (p->has_gic)
		w_cells(w, "interrupts", irq, 3);
	w_end(w);
}

static void vmdt_add_testdev(struct vmdt_writer *w, const struct vm_config *vm)
{
	char name[VMDT_NAME_MAX];

	snprintf(name, sizeof(name), "test-device@%llx", (unsigned long long)vm->testdev_base);
	w_begin(w, name);
	w_str(w, "compatible", "keel,test-device");
	w_reg(w, vm->testdev_base, CONFIG_DEVICE_SIZE);
	w_end(w);
}

static void vmdt_add_gic(struct vmdt_writer *w, const struct vmdt_params *p)
{
	const uint32_t irq[3] = {
		DT_GIC_PPI, p->gic_maint_intid - GIC_PPI_BASE, DT_IRQ_LEVEL_HIGH,
	};
	char name[VMDT_NAME_MAX];
	uint32_t reg[8];

	vmdt_put64(&reg[0], p->gicd_ipa);
	vmdt_put64(&reg[2], VMDT_GICD_SIZE);
	vmdt_put64(&reg[4], p->gicr_ipa);
	vmdt_put64(&reg[6], VMDT_GICR_SIZE_PER_CPU * p->vm->nr_vcpus);
	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)p->gicd_ipa);
	w_begin(w, name);
	w_str(w, "compatible", "arm,gic-v3");
	w_u32(w, "#interrupt-cells", 3);
	w_u32(w, "#address-cells", 0);	/* no children; dtc's interrupt_provider check */
	w_prop(w, "interrupt-controller", "", 0);
	w_u32(w, "#redistributor-regions", 1);
	w_cells(w, "reg", reg, 8);
	if (p->gic_maint_intid)
		w_cells(w, "interrupts", irq, 3);
	w_u32(w, "phandle", VMDT_PHANDLE_GIC);
	w_end(w);
}

static void vmdt_add_timer(struct vmdt_writer *w, const struct vmdt_params *p)
{
	uint32_t irq[12];

	for (unsigned i = 0; i < 4; i++) {
		irq[3 * i] = DT_GIC_PPI;
		irq[3 * i + 1] = p->timer_intid[i] - GIC_PPI_BASE;
		irq[3 * i + 2] = DT_IRQ_LEVEL_HIGH;
	}
	w_begin(w, "timer");
	w_str(w, "compatible", "arm,armv8-timer");
	w_cells(w, "interrupts", irq, 12);
	w_end(w);
}

/* The vCPU's PMU (PMUv3, switched with it): Linux's armv8_pmuv3 driver probes this node. */
static void vmdt_add_pmu(struct vmdt_writer *w, const struct vmdt_params *p)
{
	const uint32_t irq[3] = { DT_GIC_PPI, p->pmu_intid - GIC_PPI_BASE, DT_IRQ_LEVEL_HIGH };

	w_begin(w, "pmu");
	w_str(w, "compatible", "arm,armv8-pmuv3");
	w_cells(w, "interrupts", irq, 3);
	w_end(w);
}

/* ------------------------------------------------------------ build */

static bool vmdt_is_ppi(uint32_t intid)
{
	return intid >= GIC_PPI_BASE && intid < GIC_SPI_BASE;
}

static bool vmdt_params_ok(const struct vmdt_params *p)
{
	if (!p || !p->vm || !p->vm->nr_vcpus || p->vm->nr_vcpus > KEEL_MAX_VCPUS)
		return false;
	if (!p->has_gic)
		return true;
	if (p->gic_maint_intid && !vmdt_is_ppi(p->gic_maint_intid))
		return false;
	if (p->pmu_intid && !vmdt_is_ppi(p->pmu_intid))
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (!vmdt_is_ppi(p->timer_intid[i]))
			return false;
	return true;
}

int vmdt_build(const struct vmdt_params *p, void *buf, size_t size)
{
	struct vmdt_writer w = { .fdt = buf };

	if (!vmdt_params_ok(p) || !buf)
		return KE_INVAL;
	w.err = fdt_create(buf, (int)MIN(size, (size_t)INT_MAX));
	if (!w.err)
		w.err = fdt_finish_reservemap(buf);
	w_begin(&w, "");
	vmdt_add_root_props(&w, p);
	vmdt_add_chosen(&w, p);
	vmdt_add_memory(&w, p->vm);
	vmdt_add_cpus(&w, p);
	vmdt_add_psci(&w);
	vmdt_add_clock(&w);
	vmdt_add_uart(&w, p);
	if (p->vm->has_testdev)
		vmdt_add_testdev(&w, p->vm);
	if (p->has_gic) {
		vmdt_add_gic(&w, p);
		vmdt_add_timer(&w, p);
		if (p->pmu_intid)
			vmdt_add_pmu(&w, p);
		if (!w.err && p->passthrough && p->boot_fdt)
			w.err = vmdt_passthrough_add(buf, p->boot_fdt, p->passthrough,
						     VMDT_PHANDLE_GIC, VMDT_PHANDLE_PT);
	}
	if (!w.err)
		w.err = vmdt_shm_add(w.fdt, p);
	w_end(&w);
	if (!w.err)
		w.err = fdt_finish(buf);
	if (w.err == -FDT_ERR_NOSPACE)
		return KE_NOMEM;
	return w.err ? KE_INVAL : 0;
}

/* ------------------------------------------------------------ check a given tree */

struct vmdt_check {
	const void *fdt;
	const struct vm_config *vm;
	const char *file;
	char *err;
	size_t errlen;
};

/* Writes "<file>: <path of node>: <message>" (node < 0: no path) and returns ret. */
static int __attribute__((format(printf, 4, 5)))
vmdt_fail(const struct vmdt_check *c, int node, int ret, const char *fmt, ...)
{
	char path[VMDT_NAME_MAX * 2];
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return ret;
	if (node < 0 || fdt_get_path(c->fdt, node, path, sizeof(path)) < 0)
		n = snprintf(c->err, c->errlen, "%s: ", c->file);
	else
		n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int vmdt_check_blob(const struct vmdt_check *c, size_t size)
{
	int r;

	if (!c->fdt || size < sizeof(struct fdt_header))
		return vmdt_fail(c, -1, KE_INVAL, "%u bytes is too small for a device tree blob; "
				 "compile it with dtc -I dts -O dtb", (unsigned)size);
	r = fdt_check_header(c->fdt);
	if (r)
		return vmdt_fail(c, -1, KE_INVAL, "not a valid device tree blob (libfdt: %s); "
				 "compile it with dtc -I dts -O dtb", platform_dt_strerror(r));
	if (fdt_totalsize(c->fdt) > size)
		return vmdt_fail(c, -1, KE_INVAL, "the header says %u bytes but the module has %u; "
				 "it was truncated, rebuild the boot image",
				 (unsigned)fdt_totalsize(c->fdt), (unsigned)size);
	return 0;
}

/* [base, base + size) lies inside one of the VM's regions. */
static bool vmdt_in_ram(const struct vm_config *vm, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		uint64_t end = vm->ram[i].ipa + vm->ram[i].size;

		if (base >= vm->ram[i].ipa && base <= end && size <= end - base)
			return true;
	}
	return false;
}

static int vmdt_check_memory_node(const struct vmdt_check *c, int node)
{
	struct mem_range r;
	int count;

	count = platform_dt_reg_count(c->fdt, node, NULL, NULL);
	if (count < 0)
		return vmdt_fail(c, node, KE_INVAL, "reg is missing or malformed; a memory node "
				 "needs <base size> entries");
	for (int i = 0; i < count; i++) {
		if (platform_dt_reg(c->fdt, node, (unsigned)i, &r))
			return KE_INVAL;	/* checked by reg_count above */
		if (!vmdt_in_ram(c->vm, r.base, r.size))
			return vmdt_fail(c, node, KE_RANGE, "RAM 0x%llx+0x%llx is outside the VM's "
					 "memory 0x%llx+0x%llx%s; make it match the config's memory",
					 (unsigned long long)r.base, (unsigned long long)r.size,
					 (unsigned long long)c->vm->ram[0].ipa,
					 (unsigned long long)c->vm->ram[0].size,
					 c->vm->nr_ram > 1 ? " and its other regions" : "");
	}
	return 0;
}

static int vmdt_check_memory(const struct vmdt_check *c)
{
	int node, r, n = 0;

	for (node = platform_dt_next_memory(c->fdt, -1); node >= 0;
	     node = platform_dt_next_memory(c->fdt, node)) {
		r = vmdt_check_memory_node(c, node);
		if (r)
			return r;
		n++;
	}
	if (!n)
		return vmdt_fail(c, -1, KE_NOENT, "no memory node; add /memory@%llx with the VM's "
				 "RAM (device_type = \"memory\")", (unsigned long long)c->vm->ram[0].ipa);
	return 0;
}

static int vmdt_check_cpus(const struct vmdt_check *c)
{
	unsigned n = 0;
	int cpus, node;
	const char *type;
	int len;

	cpus = fdt_path_offset(c->fdt, "/cpus");
	if (cpus < 0)
		return vmdt_fail(c, -1, KE_NOENT, "no /cpus node; describe the VM's %u vCPU(s) there",
				 c->vm->nr_vcpus);
	fdt_for_each_subnode(node, c->fdt, cpus) {
		type = fdt_getprop(c->fdt, node, "device_type", &len);
		if (type && len == sizeof("cpu") && !memcmp(type, "cpu", sizeof("cpu")))
			n++;
	}
	if (!n || n > c->vm->nr_vcpus)
		return vmdt_fail(c, cpus, KE_RANGE, "%u CPU nodes but the VM has %u vCPU(s) "
				 "(cpus in the config); describe 1 to %u", n, c->vm->nr_vcpus,
				 c->vm->nr_vcpus);
	return 0;
}

static int vmdt_check_stdout(const struct vmdt_check *c)
{
	struct mem_range reg;
	int node, r;

	r = platform_dt_stdout(c->fdt, &node);
	if (r == KE_NOENT)
		return 0;
	if (r)
		return vmdt_fail(c, fdt_path_offset(c->fdt, "/chosen"), KE_INVAL,
				 "stdout-path names no node; give a node path or an alias");
	if (fdt_node_check_compatible(c->fdt, node, "arm,pl011"))
		return 0;
	if (platform_dt_reg(c->fdt, node, 0, &reg) || reg.base != c->vm->uart_base)
		return vmdt_fail(c, node, KE_RANGE, "the console PL011 is not at 0x%llx, where keel "
				 "emulates this VM's uart; fix its reg or the config's uart",
				 (unsigned long long)c->vm->uart_base);
	return 0;
}

/* A GICv3 node, if any, must describe the virtual GIC where keel emulates it. */
static int vmdt_check_gic(const struct vmdt_check *c)
{
	struct mem_range gicd, gicr;
	int node = fdt_node_offset_by_compatible(c->fdt, -1, "arm,gic-v3");

	if (node < 0)
		return 0;
	if (platform_dt_reg(c->fdt, node, 0, &gicd) || platform_dt_reg(c->fdt, node, 1, &gicr) ||
	    gicd.base != CONFIG_GICD_BASE || gicr.base != CONFIG_GICR_BASE)
		return vmdt_fail(c, node, KE_RANGE, "the GICv3 is not where keel emulates it "
				 "(distributor 0x%llx, redistributors 0x%llx); fix its reg",
				 (unsigned long long)CONFIG_GICD_BASE, (unsigned long long)CONFIG_GICR_BASE);
	return 0;
}

int vmdt_check_given(const void *fdt, size_t size, const struct vm_config *vm, char *err,
		     size_t errlen)
{
	struct vmdt_check c = {
		.fdt = fdt, .vm = vm, .file = vm->dtb[0] ? vm->dtb : "dtb",
		.err = err, .errlen = errlen,
	};
	int r;

	if (err && errlen)
		err[0] = '\0';
	r = vmdt_check_blob(&c, size);
	if (!r)
		r = vmdt_check_memory(&c);
	if (!r)
		r = vmdt_check_cpus(&c);
	if (!r)
		r = vmdt_check_stdout(&c);
	if (!r)
		r = vmdt_check_gic(&c);
	return r;
}
