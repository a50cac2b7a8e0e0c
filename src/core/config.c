/*
 * VM configuration parsing and validation: see include/keel/config.h and docs/config.md.
 *
 * The config is a device tree blob; every message names the file and the node and says
 * how to fix the problem, because this is the one place users write input for keel.
 * Unknown properties are errors: a misspelt optional property must not be ignored.
 */
#include <keel/config.h>
#include <keel/config_shm.h>
#include <keel/platform.h>
#include <keel/sched.h>
#include <keel/vm_load.h>

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CFG_PATH_MAX 48
#define CFG_RAM_ALIGN SZ_2M

struct cfg_ctx {
	const void *fdt;
	const char *file;
	char path[CFG_PATH_MAX];	/* node being checked, for messages */
	unsigned ac, sc;		/* root #address-cells, #size-cells */
	unsigned nr_pcpus;
	unsigned ipa_bits;
	char *err;
	size_t errlen;
};

static const char *const cfg_root_props[] = {
	"compatible", "#address-cells", "#size-cells", "keel,when-idle", "model",
	"keel,console-timestamps",
};

static const char *const cfg_vm_props[] = {
	"compatible", "memory", "cpus", "cpu-affinity", "cpu-affinity-mask", "priority",
	"keel,exclusive", "kernel", "kernel-format",
	"load-offset", "initrd", "bootargs", "dtb", "uart", "test-device", "memory-phys",
	"shared-memory", "shared-memory-ro", "doorbell",
	"passthrough", "passthrough-ipa", "autostart",
};

/* Writes "<file>: <path>: <message>" (no path if empty) and returns ret. */
static int __attribute__((format(printf, 3, 4)))
cfg_fail(const struct cfg_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return ret;
	if (c->path[0])
		n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, c->path);
	else
		n = snprintf(c->err, c->errlen, "%s: ", c->file);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static unsigned long long ull(uint64_t v)
{
	return v;
}

/* [base, base + size) fits in 64 bits. */
static bool cfg_range_fits(uint64_t base, uint64_t size)
{
	return size <= UINT64_MAX - base;
}

static bool cfg_above_ipa(const struct cfg_ctx *c, uint64_t base, uint64_t size)
{
	return c->ipa_bits < 64 && base + size > (1ULL << c->ipa_bits);
}

static bool cfg_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

/* ------------------------------------------------------------ property access */

static bool cfg_name_in(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static int cfg_check_known(const struct cfg_ctx *c, int node, const char *const *names, size_t n)
{
	const char *name;
	int off, len;

	fdt_for_each_property_offset(off, c->fdt, node) {
		if (!fdt_getprop_by_offset(c->fdt, off, &name, &len) || !name)
			return cfg_fail(c, KE_INVAL, "malformed property; recompile the config with dtc");
		if (!cfg_name_in(name, names, n))
			return cfg_fail(c, KE_INVAL,
					"unknown property \"%.40s\"; check its spelling against "
					"docs/config.md", name);
	}
	return 0;
}

/* A string property into buf (max bytes with the NUL). KE_NOENT if absent and optional. */
static int cfg_get_string(const struct cfg_ctx *c, int node, const char *prop, char *buf,
			  size_t max, bool required)
{
	const char *v;
	int len;

	v = fdt_getprop(c->fdt, node, prop, &len);
	if (!v && len == -FDT_ERR_NOTFOUND && !required)
		return KE_NOENT;
	if (!v && len == -FDT_ERR_NOTFOUND)
		return cfg_fail(c, KE_NOENT, "no %s property; it is required, e.g. %s = \"...\"",
				prop, prop);
	if (!v || len < 1 || v[len - 1] != '\0' || strlen(v) != (size_t)len - 1)
		return cfg_fail(c, KE_INVAL, "%s must be a single string, e.g. %s = \"...\"",
				prop, prop);
	if ((size_t)len > max)
		return cfg_fail(c, KE_INVAL, "%s is longer than %u characters; shorten it",
				prop, (unsigned)max - 1);
	memcpy(buf, v, (size_t)len);
	return 0;
}

/* A boot module name: a non-empty string. */
static int cfg_get_module(const struct cfg_ctx *c, int node, const char *prop, char *buf,
			  bool required)
{
	int r = cfg_get_string(c, node, prop, buf, CONFIG_STR_MAX, required);

	if (!r && !buf[0])
		return cfg_fail(c, KE_INVAL, "%s is empty; give the name of a boot module", prop);
	return r;
}

/* A number of `cells` cells. KE_NOENT if absent (not reported: callers decide). */
static int cfg_get_number(const struct cfg_ctx *c, int node, const char *prop, unsigned cells,
			  const char *why, uint64_t *out)
{
	const void *v;
	int len;

	v = fdt_getprop(c->fdt, node, prop, &len);
	if (!v && len == -FDT_ERR_NOTFOUND)
		return KE_NOENT;
	if (!v || (unsigned)len != cells * sizeof(fdt32_t))
		return cfg_fail(c, KE_INVAL, "%s must be %u cell%s%s; it is %d bytes",
				prop, cells, cells == 1 ? "" : "s", why, v ? len : 0);
	*out = platform_dt_number(v, cells);
	return 0;
}

/* ------------------------------------------------------------ one VM */

static int cfg_check_name(const struct cfg_ctx *c, const char *name, int len)
{
	if (len < 1 || len >= VM_NAME_MAX)
		return cfg_fail(c, KE_INVAL, "VM name has %d characters; use 1 to %d", len,
				VM_NAME_MAX - 1);
	for (int i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return cfg_fail(c, KE_INVAL,
					"VM name has '%c'; use only a-z, 0-9, '_' and '-' "
					"(no unit address)", ch);
	}
	return 0;
}

/* What config_shm.c needs of the parse (include/keel/config_shm.h). */
static struct config_shm_ctx cfg_shm_ctx(const struct cfg_ctx *c)
{
	return (struct config_shm_ctx){ .fdt = c->fdt, .file = c->file, .ac = c->ac, .sc = c->sc,
					.ipa_bits = c->ipa_bits, .err = c->err, .errlen = c->errlen };
}

/* "memory" for a VM of one region, "memory region <i>" (0-based) for a VM of several. */
static const char *cfg_region_what(const struct vm_config *vm, unsigned i, char *buf, size_t n)
{
	if (vm->nr_ram == 1)
		return "memory";
	snprintf(buf, n, "memory region %u", i);
	return buf;
}

static int cfg_check_region(const struct cfg_ctx *c, const struct vm_config *vm, unsigned i)
{
	const struct config_ram *r = &vm->ram[i];
	char buf[32];
	const char *what = cfg_region_what(vm, i, buf, sizeof(buf));

	if (r->size < CFG_RAM_ALIGN)
		return cfg_fail(c, KE_INVAL, "%s size 0x%llx is below 2 MiB; give at least 2 MiB",
				what, ull(r->size));
	if (!IS_ALIGNED(r->ipa, CFG_RAM_ALIGN) || !IS_ALIGNED(r->size, CFG_RAM_ALIGN))
		return cfg_fail(c, KE_INVAL, "%s base 0x%llx and size 0x%llx must both be 2 MiB "
				"aligned; round them to 0x200000", what, ull(r->ipa), ull(r->size));
	if (!cfg_range_fits(r->ipa, r->size))
		return cfg_fail(c, KE_RANGE, "%s 0x%llx + 0x%llx wraps past the end of the "
				"address space; lower the base or the size", what,
				ull(r->ipa), ull(r->size));
	if (cfg_above_ipa(c, r->ipa, r->size))
		return cfg_fail(c, KE_RANGE, "%s ends at 0x%llx, above the %u-bit IPA space of "
				"this machine (0x%llx); lower the base or the size", what,
				ull(r->ipa + r->size), c->ipa_bits, ull(1ULL << c->ipa_bits));
	for (unsigned j = 0; j < i; j++)
		if (cfg_overlap(r->ipa, r->size, vm->ram[j].ipa, vm->ram[j].size))
			return cfg_fail(c, KE_RANGE, "memory region %u 0x%llx-0x%llx overlaps memory "
					"region %u 0x%llx-0x%llx; give each region its own IPA range",
					i, ull(r->ipa), ull(r->ipa + r->size - 1), j,
					ull(vm->ram[j].ipa), ull(vm->ram[j].ipa + vm->ram[j].size - 1));
	return 0;
}

/* memory-phys = <i ...>: the regions (0-based) whose IPA is also their physical address. */
static int cfg_parse_memory_phys(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	const fdt32_t *v;
	int len;

	v = fdt_getprop(c->fdt, node, "memory-phys", &len);
	if (!v)
		return 0;
	if (len <= 0 || len % (int)sizeof(fdt32_t))
		return cfg_fail(c, KE_INVAL, "memory-phys must be a list of region indexes, one cell "
				"each, e.g. memory-phys = <1>");
	for (int k = 0; k < len / (int)sizeof(fdt32_t); k++) {
		uint32_t i = fdt32_ld(&v[k]);

		if (i >= vm->nr_ram)
			return cfg_fail(c, KE_RANGE, "memory-phys names region %u but memory has %u "
					"region(s), 0-%u; give the index of a <base size> pair of "
					"memory", i, vm->nr_ram, vm->nr_ram - 1);
		if (vm->ram[i].phys)
			return cfg_fail(c, KE_INVAL, "memory-phys names region %u twice; name each "
					"region once", i);
		vm->ram[i].phys = true;
	}
	return 0;
}

static int cfg_parse_memory(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	const fdt32_t *v;
	unsigned pair = c->ac + c->sc, n;
	int len, r;

	v = fdt_getprop(c->fdt, node, "memory", &len);
	if (!v)
		return cfg_fail(c, KE_NOENT, "no memory property; add memory = <base size>, the IPA "
				"range of the VM's RAM");
	if (len <= 0 || (unsigned)len % (pair * sizeof(fdt32_t)))
		return cfg_fail(c, KE_INVAL, "memory must be <base size> in %u + %u cells "
				"(#address-cells, #size-cells of /), one pair per region; it is %d "
				"bytes", c->ac, c->sc, len);
	n = (unsigned)len / (pair * (unsigned)sizeof(fdt32_t));
	if (n > CONFIG_MAX_RAM)
		return cfg_fail(c, KE_NOTSUP, "memory has %u regions but a VM has at most %d; "
				"merge adjacent regions or give fewer", n, CONFIG_MAX_RAM);
	vm->nr_ram = n;
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		vm->ram[i].ipa = platform_dt_number(v + i * pair, c->ac);
		vm->ram[i].size = platform_dt_number(v + i * pair + c->ac, c->sc);
		r = cfg_check_region(c, vm, i);
		if (r)
			return r;
	}
	vm->ram_base = vm->ram[0].ipa;
	vm->ram_size = vm->ram[0].size;
	return cfg_parse_memory_phys(c, node, vm);
}

/* One cell per vCPU of prop (cpu-affinity or cpu-affinity-mask), or KE_NOENT. */
static int cfg_get_vcpu_cells(const struct cfg_ctx *c, int node, const char *prop, unsigned nr_vcpus,
			      const fdt32_t **cells)
{
	int len;

	*cells = fdt_getprop(c->fdt, node, prop, &len);
	if (!*cells)
		return KE_NOENT;
	if (len <= 0 || len % (int)sizeof(fdt32_t))
		return cfg_fail(c, KE_INVAL, "%s must be one cell per vCPU, e.g. %s = <1 2>", prop, prop);
	if ((unsigned)len / sizeof(fdt32_t) != nr_vcpus)
		return cfg_fail(c, KE_INVAL, "%s gives %d %s but cpus = <%u>; give one %s per vCPU", prop,
				len / (int)sizeof(fdt32_t),
				strcmp(prop, "cpu-affinity") ? "mask(s)" : "physical CPU(s)", nr_vcpus,
				strcmp(prop, "cpu-affinity") ? "mask" : "physical CPU");
	return 0;
}

/* priority and keel,exclusive. */
static int cfg_parse_sched(const struct cfg_ctx *c, int node, struct vm_config *vm, bool pinned)
{
	uint64_t prio;
	int r, len;

	r = cfg_get_number(c, node, "priority", 1, ", e.g. priority = <2>", &prio);
	if (r == KE_NOENT)
		prio = SCHED_PRIO_DEFAULT;
	else if (r)
		return r;
	if (prio > SCHED_PRIO_MAX)
		return cfg_fail(c, KE_RANGE, "priority = <%llu>; use 0 (lowest) to %d (highest), default %d",
				ull(prio), SCHED_PRIO_MAX, SCHED_PRIO_DEFAULT);
	vm->priority = (unsigned)prio;
	if (fdt_getprop(c->fdt, node, "keel,exclusive", &len)) {
		if (len)
			return cfg_fail(c, KE_INVAL, "keel,exclusive takes no value; write keel,exclusive;");
		if (!pinned)
			return cfg_fail(c, KE_INVAL, "keel,exclusive needs cpu-affinity (one physical CPU "
					"per vCPU) so that keel knows which CPUs it gives away; add "
					"cpu-affinity = <...>");
		vm->exclusive = true;
	}
	return 0;
}

/*
 * cpus, cpu-affinity (one CPU per vCPU: a pin), cpu-affinity-mask (a set of CPUs per
 * vCPU), priority, keel,exclusive. *pinned: one of the first two was given
 * (vcpu_affinity[] and vcpu_pcpu[] filled); otherwise cfg_assign_free() fills them.
 */
static int cfg_parse_cpus(const struct cfg_ctx *c, int node, struct vm_config *vm, bool *pinned)
{
	const fdt32_t *aff, *mask;
	uint32_t all = c->nr_pcpus >= 32 ? ~0u : (1u << c->nr_pcpus) - 1;
	uint64_t n;
	int r, rm;

	r = cfg_get_number(c, node, "cpus", 1, ", e.g. cpus = <1>", &n);
	if (r == KE_NOENT)
		return cfg_fail(c, KE_NOENT, "no cpus property; add cpus = <n>, the vCPU count");
	if (r)
		return r;
	if (n < 1 || n > KEEL_MAX_VCPUS)
		return cfg_fail(c, KE_INVAL, "cpus = <%llu>; a VM has 1 to %d vCPUs", ull(n),
				KEEL_MAX_VCPUS);
	vm->nr_vcpus = (unsigned)n;
	r = cfg_get_vcpu_cells(c, node, "cpu-affinity", vm->nr_vcpus, &aff);
	if (r && r != KE_NOENT)
		return r;
	rm = cfg_get_vcpu_cells(c, node, "cpu-affinity-mask", vm->nr_vcpus, &mask);
	if (rm && rm != KE_NOENT)
		return rm;
	if (!r && !rm)
		return cfg_fail(c, KE_INVAL, "has both cpu-affinity and cpu-affinity-mask; keep one "
				"(a mask of one bit is a pin)");
	*pinned = !r || !rm;
	for (unsigned i = 0; *pinned && i < vm->nr_vcpus; i++) {
		uint32_t v = fdt32_ld(!r ? &aff[i] : &mask[i]);

		if (!r) {
			if (v >= c->nr_pcpus)
				return cfg_fail(c, KE_RANGE, "cpu-affinity names physical CPU %u but this "
						"machine has %u (0-%u); pin each vCPU to an existing CPU",
						v, c->nr_pcpus, c->nr_pcpus - 1);
			vm->vcpu_affinity[i] = 1u << v;
		} else {
			if (!v || (v & ~all))
				return cfg_fail(c, KE_RANGE, "cpu-affinity-mask of vCPU %u is 0x%x but this "
						"machine's CPUs are 0x%x; give each vCPU a non-empty set of "
						"existing CPUs (bit n: CPU n)", i, v, all);
			vm->vcpu_affinity[i] = v;
		}
		vm->vcpu_pcpu[i] = (unsigned)__builtin_ctz(vm->vcpu_affinity[i]);
	}
	return cfg_parse_sched(c, node, vm, *pinned && !r);
}

static int cfg_parse_format(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	char fmt[16];
	int r;

	r = cfg_get_string(c, node, "kernel-format", fmt, sizeof(fmt), false);
	if (r == KE_NOENT || (!r && !strcmp(fmt, "linux")))
		vm->kernel_format = KERNEL_FORMAT_LINUX;
	else if (!r && !strcmp(fmt, "raw"))
		vm->kernel_format = KERNEL_FORMAT_RAW;
	else if (!r)
		return cfg_fail(c, KE_INVAL, "kernel-format \"%s\" is neither \"linux\" nor \"raw\"",
				fmt);
	else
		return r;
	return 0;
}

static int cfg_parse_load_offset(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	int r;

	r = cfg_get_number(c, node, "load-offset", c->sc, " (#size-cells of /)", &vm->load_offset);
	if (r && r != KE_NOENT)
		return r;
	if (vm->kernel_format == KERNEL_FORMAT_LINUX && r != KE_NOENT)
		return cfg_fail(c, KE_INVAL, "load-offset only applies to kernel-format = \"raw\" "
				"(a Linux Image header gives its own offset); remove it");
	if (vm->kernel_format == KERNEL_FORMAT_LINUX)
		return 0;
	if (r == KE_NOENT)
		return cfg_fail(c, KE_NOENT, "kernel-format = \"raw\" needs load-offset = <...>, "
				"the offset of the image from the RAM base");
	if (!IS_ALIGNED(vm->load_offset, PAGE_SIZE))
		return cfg_fail(c, KE_INVAL, "load-offset 0x%llx is not 4 KiB aligned; round it",
				ull(vm->load_offset));
	if (vm->load_offset >= vm->ram_size)
		return cfg_fail(c, KE_RANGE, "load-offset 0x%llx is outside the VM's RAM (0x%llx "
				"bytes); lower it", ull(vm->load_offset), ull(vm->ram_size));
	/* Checked here, before any VM starts, so that no restart can ever meet it either. */
	if (vm->load_offset >= vm_load_kernel_room(vm->ram_size))
		return cfg_fail(c, KE_RANGE, "load-offset 0x%llx is in the top 2 MiB of the VM's RAM "
				"(0x%llx-0x%llx), which holds its device tree; the kernel must start "
				"below 0x%llx: lower it or give the VM more memory",
				ull(vm->load_offset), ull(vm_load_kernel_room(vm->ram_size)),
				ull(vm->ram_size - 1), ull(vm_load_kernel_room(vm->ram_size)));
	return 0;
}

/* An optional property's getter result: absent is fine. */
static int cfg_optional(int r)
{
	return r == KE_NOENT ? 0 : r;
}

static int cfg_parse_kernel(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	int r;

	r = cfg_get_module(c, node, "kernel", vm->kernel, true);
	if (!r)
		r = cfg_parse_format(c, node, vm);
	if (!r)
		r = cfg_parse_load_offset(c, node, vm);
	if (!r)
		r = cfg_optional(cfg_get_module(c, node, "initrd", vm->initrd, false));
	if (!r)
		r = cfg_optional(cfg_get_module(c, node, "dtb", vm->dtb, false));
	if (!r)
		r = cfg_optional(cfg_get_string(c, node, "bootargs", vm->bootargs,
						CONFIG_BOOTARGS_MAX, false));
	return r;
}

/* autostart = "yes" (the default) or "no": started at boot, or only by the monitor's start. */
static int cfg_parse_autostart(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	char v[8];
	int r = cfg_get_string(c, node, "autostart", v, sizeof(v), false);

	vm->autostart = true;
	if (r == KE_NOENT)
		return 0;
	if (!r && !strcmp(v, "no"))
		vm->autostart = false;
	else if (!r && strcmp(v, "yes"))
		r = cfg_fail(c, KE_INVAL, "autostart \"%s\" is neither \"yes\" nor \"no\"; write "
			     "autostart = \"no\" for a VM started only from keel's monitor", v);
	return r;
}

/* One 4 KiB emulated device window: aligned, inside the IPA space, outside RAM. */
static int cfg_check_window(const struct cfg_ctx *c, const struct vm_config *vm,
			    const char *prop, uint64_t base)
{
	if (!IS_ALIGNED(base, CONFIG_DEVICE_SIZE))
		return cfg_fail(c, KE_INVAL, "%s 0x%llx is not 4 KiB aligned; devices take whole "
				"4 KiB pages", prop, ull(base));
	if (!cfg_range_fits(base, CONFIG_DEVICE_SIZE) || cfg_above_ipa(c, base, CONFIG_DEVICE_SIZE))
		return cfg_fail(c, KE_RANGE, "%s 0x%llx is above the %u-bit IPA space of this "
				"machine; move it lower", prop, ull(base), c->ipa_bits);
	for (unsigned i = 0; i < vm->nr_ram; i++)
		if (cfg_overlap(base, CONFIG_DEVICE_SIZE, vm->ram[i].ipa, vm->ram[i].size))
			return cfg_fail(c, KE_RANGE, "%s 0x%llx-0x%llx overlaps the VM's RAM "
					"0x%llx-0x%llx; move it outside RAM", prop, ull(base),
					ull(base + CONFIG_DEVICE_SIZE - 1), ull(vm->ram[i].ipa),
					ull(vm->ram[i].ipa + vm->ram[i].size - 1));
	return 0;
}

static int cfg_parse_devices(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	int r;

	vm->uart_base = CONFIG_DEFAULT_UART;
	r = cfg_get_number(c, node, "uart", c->ac, " (#address-cells of /)", &vm->uart_base);
	if (r && r != KE_NOENT)
		return r;
	r = cfg_check_window(c, vm, "uart", vm->uart_base);
	if (r)
		return r;
	r = cfg_get_number(c, node, "test-device", c->ac, " (#address-cells of /)", &vm->testdev_base);
	if (r == KE_NOENT)
		return 0;
	if (r)
		return r;
	vm->has_testdev = true;
	r = cfg_check_window(c, vm, "test-device", vm->testdev_base);
	if (r)
		return r;
	if (cfg_overlap(vm->testdev_base, CONFIG_DEVICE_SIZE, vm->uart_base, CONFIG_DEVICE_SIZE))
		return cfg_fail(c, KE_RANGE, "test-device 0x%llx overlaps uart 0x%llx; give each "
				"device its own 4 KiB page", ull(vm->testdev_base), ull(vm->uart_base));
	return 0;
}

/* The virtual GIC's windows are fixed: RAM and the other devices must stay clear of them. */
static int cfg_check_gic_one(const struct cfg_ctx *c, const struct vm_config *vm,
			     const char *what, uint64_t base, uint64_t size)
{
	uint64_t gicr_size = vm->nr_vcpus * CONFIG_GICR_STRIDE;

	if (!size)
		return 0;
	if (cfg_overlap(base, size, CONFIG_GICD_BASE, CONFIG_GICD_SIZE) ||
	    cfg_overlap(base, size, CONFIG_GICR_BASE, gicr_size))
		return cfg_fail(c, KE_RANGE, "%s 0x%llx-0x%llx overlaps the virtual GIC "
				"(distributor 0x%llx-0x%llx, redistributors 0x%llx-0x%llx); "
				"move it", what, ull(base), ull(base + size - 1), ull(CONFIG_GICD_BASE),
				ull(CONFIG_GICD_BASE + CONFIG_GICD_SIZE - 1), ull(CONFIG_GICR_BASE),
				ull(CONFIG_GICR_BASE + gicr_size - 1));
	return 0;
}

/* The virtual GIC's windows are fixed: RAM and the other devices must stay clear of them. */
static int cfg_check_gic(const struct cfg_ctx *c, const struct vm_config *vm)
{
	char buf[32];
	int r = 0;

	for (unsigned i = 0; i < vm->nr_ram && !r; i++)
		r = cfg_check_gic_one(c, vm, cfg_region_what(vm, i, buf, sizeof(buf)),
				      vm->ram[i].ipa, vm->ram[i].size);
	if (!r)
		r = cfg_check_gic_one(c, vm, "uart", vm->uart_base, CONFIG_DEVICE_SIZE);
	if (!r && vm->has_testdev)
		r = cfg_check_gic_one(c, vm, "test-device", vm->testdev_base, CONFIG_DEVICE_SIZE);
	return r;
}

/* passthrough, passthrough-ipa: src/core/config_passthrough.c. */
static int cfg_parse_passthrough(const struct cfg_ctx *c, int node, struct vm_config *vm)
{
	char msg[256];
	int r = config_parse_passthrough(c->fdt, node, c->ac, vm, msg, sizeof(msg));

	return r ? cfg_fail(c, r, "%s", msg) : 0;
}

static int cfg_parse_vm(struct cfg_ctx *c, int node, struct keel_config *cfg,
			struct vm_config *vm, bool *pinned)
{
	struct config_shm_ctx shm = cfg_shm_ctx(c);
	const char *name;
	int len, sub, r;

	name = fdt_get_name(c->fdt, node, &len);
	if (!name)
		return cfg_fail(c, KE_INVAL, "malformed node; recompile the config with dtc");
	snprintf(c->path, sizeof(c->path), "/%.*s", MIN(len, CFG_PATH_MAX - 2), name);
	r = cfg_check_name(c, name, len);
	if (r)
		return r;
	memcpy(vm->name, name, (size_t)len);
	if (fdt_node_check_compatible(c->fdt, node, "keel,vm"))
		return cfg_fail(c, KE_INVAL, "not compatible \"keel,vm\"; every node under / is a VM "
				"and needs compatible = \"keel,vm\" (or a shared memory region, "
				"compatible = \"keel,shared-memory\")");
	r = cfg_check_known(c, node, cfg_vm_props, ARRAY_SIZE(cfg_vm_props));
	if (r)
		return r;
	sub = fdt_first_subnode(c->fdt, node);
	if (sub >= 0)
		return cfg_fail(c, KE_INVAL, "has a subnode \"%.32s\"; VM nodes have only properties",
				fdt_get_name(c->fdt, sub, NULL));
	r = cfg_parse_memory(c, node, vm);
	if (!r)
		r = cfg_parse_cpus(c, node, vm, pinned);
	if (!r)
		r = cfg_parse_kernel(c, node, vm);
	if (!r)
		r = cfg_parse_devices(c, node, vm);
	if (!r)
		r = cfg_check_gic(c, vm);
	if (!r)
		r = cfg_parse_passthrough(c, node, vm);
	if (!r)
		r = cfg_parse_autostart(c, node, vm);
	if (!r)
		r = config_shm_parse_vm(&shm, node, c->path, cfg, vm);
	return r;
}

/* ------------------------------------------------------------ physical CPUs */

/*
 * Physical CPUs run any number of vCPUs (the scheduler shares them, src/core/sched.c),
 * except the CPUs of a keel,exclusive VM: each runs that VM's one vCPU and nothing else.
 */
static uint32_t cfg_exclusive_cpus(const struct keel_config *cfg)
{
	uint32_t excl = 0;

	for (unsigned k = 0; k < cfg->nr_vms; k++)
		for (unsigned j = 0; cfg->vms[k].exclusive && j < cfg->vms[k].nr_vcpus; j++)
			excl |= cfg->vms[k].vcpu_affinity[j];
	return excl;
}

/* Explicit cpu-affinity / cpu-affinity-mask: may touch an exclusive CPU only if they own it. */
static int cfg_check_pins(struct cfg_ctx *c, struct keel_config *cfg, const bool *pinned,
			  unsigned *assigned)
{
	for (unsigned i = 0; i < cfg->nr_vms; i++) {
		struct vm_config *vm = &cfg->vms[i];

		if (!pinned[i])
			continue;
		snprintf(c->path, sizeof(c->path), "/%s", vm->name);
		for (unsigned j = 0; j < vm->nr_vcpus; j++) {
			for (unsigned k = 0; k < cfg->nr_vms; k++)
				for (unsigned l = 0; cfg->vms[k].exclusive && l < cfg->vms[k].nr_vcpus; l++) {
					if ((k == i && l == j) ||
					    !(vm->vcpu_affinity[j] & cfg->vms[k].vcpu_affinity[l]))
						continue;
					return cfg_fail(c, KE_EXIST, "vCPU %u may run on physical CPU %u, "
							"which /%s (keel,exclusive) gives to its vCPU %u "
							"alone; choose another CPU for it, or drop "
							"keel,exclusive", j, cfg->vms[k].vcpu_pcpu[l],
							cfg->vms[k].name, l);
				}
			assigned[vm->vcpu_pcpu[j]]++;
		}
	}
	return 0;
}

/*
 * VMs without cpu-affinity may run on every CPU not given exclusively; each vCPU starts
 * on the one with the fewest vCPUs so far (the lowest on ties), so VMs spread over the
 * CPUs as they did when each CPU ran one vCPU.
 */
static int cfg_assign_free(struct cfg_ctx *c, struct keel_config *cfg, const bool *pinned,
			   unsigned *assigned)
{
	uint32_t all = c->nr_pcpus >= 32 ? ~0u : (1u << c->nr_pcpus) - 1;
	uint32_t shared = all & ~cfg_exclusive_cpus(cfg);

	for (unsigned i = 0; i < cfg->nr_vms; i++) {
		struct vm_config *vm = &cfg->vms[i];

		if (pinned[i])
			continue;
		snprintf(c->path, sizeof(c->path), "/%s", vm->name);
		if (!shared)
			return cfg_fail(c, KE_NOMEM, "no physical CPU left for it: every CPU is given to "
					"a keel,exclusive VM; give it cpu-affinity-mask of its own, or "
					"drop keel,exclusive elsewhere");
		for (unsigned j = 0; j < vm->nr_vcpus; j++) {
			unsigned best = SCHED_MAX_CPUS;

			for (unsigned p = 0; p < c->nr_pcpus && p < SCHED_MAX_CPUS; p++)
				if ((shared & (1u << p)) && (best == SCHED_MAX_CPUS || assigned[p] < assigned[best]))
					best = p;
			vm->vcpu_affinity[j] = shared;
			vm->vcpu_pcpu[j] = best;
			assigned[best]++;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ the file */

static int cfg_check_blob(struct cfg_ctx *c, size_t fdt_size)
{
	int r;

	if (!c->fdt || fdt_size < sizeof(struct fdt_header))
		return cfg_fail(c, KE_INVAL, "%u bytes is too small for a device tree blob; compile "
				"the config with dtc -I dts -O dtb", (unsigned)fdt_size);
	r = fdt_check_header(c->fdt);
	if (r)
		return cfg_fail(c, KE_INVAL, "not a valid device tree blob (libfdt: %s); compile "
				"the config with dtc -I dts -O dtb", platform_dt_strerror(r));
	if (fdt_totalsize(c->fdt) > fdt_size)
		return cfg_fail(c, KE_INVAL, "the header says %u bytes but the module has %u; "
				"it was truncated, rebuild the boot image",
				(unsigned)fdt_totalsize(c->fdt), (unsigned)fdt_size);
	return 0;
}

static int cfg_parse_root(struct cfg_ctx *c, struct keel_config *cfg)
{
	char idle[16];
	int r, len;

	snprintf(c->path, sizeof(c->path), "/");
	if (fdt_node_check_compatible(c->fdt, 0, "keel,config"))
		return cfg_fail(c, KE_INVAL, "compatible is not \"keel,config\"; is this a keel "
				"configuration? Its root needs compatible = \"keel,config\"");
	r = cfg_check_known(c, 0, cfg_root_props, ARRAY_SIZE(cfg_root_props));
	if (r)
		return r;
	if (platform_dt_cells(c->fdt, 0, &c->ac, &c->sc) || c->sc < 1)
		return cfg_fail(c, KE_INVAL, "#address-cells and #size-cells must each be <1> or "
				"<2>; use <2> for 64-bit values");
	if (fdt_getprop(c->fdt, 0, "keel,console-timestamps", &len)) {
		if (len)
			return cfg_fail(c, KE_INVAL, "keel,console-timestamps takes no value; write "
					"keel,console-timestamps; to turn timestamps on");
		cfg->console_timestamps = true;
	}
	r = cfg_get_string(c, 0, "keel,when-idle", idle, sizeof(idle), false);
	if (r == KE_NOENT || (!r && !strcmp(idle, "wait")))
		cfg->poweroff_when_idle = false;
	else if (!r && !strcmp(idle, "poweroff"))
		cfg->poweroff_when_idle = true;
	else if (!r)
		return cfg_fail(c, KE_INVAL, "keel,when-idle \"%s\" is neither \"poweroff\" nor "
				"\"wait\"", idle);
	else
		return r;
	return 0;
}

/*
 * Names identify VMs on the console and in messages. dtc refuses two nodes of one name,
 * but a blob from elsewhere need not have gone through dtc.
 */
static int cfg_check_unique(const struct cfg_ctx *c, const struct keel_config *cfg,
			    const struct vm_config *vm)
{
	for (unsigned i = 0; i < cfg->nr_vms; i++)
		if (!strcmp(cfg->vms[i].name, vm->name))
			return cfg_fail(c, KE_EXIST, "VM node %u has the same name as VM node %u "
					"(/%s); their console lines could not be told apart, so give "
					"each VM its own name", vm->id + 1, i + 1, vm->name);
	return 0;
}

/* Two VMs cannot both own the physical memory at one address. */
static int cfg_check_phys(const struct cfg_ctx *c, const struct keel_config *cfg,
			  const struct vm_config *vm)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		const struct config_ram *r = &vm->ram[i];

		if (!r->phys)
			continue;
		for (unsigned k = 0; k < cfg->nr_vms; k++)
			for (unsigned j = 0; j < cfg->vms[k].nr_ram; j++) {
				const struct config_ram *o = &cfg->vms[k].ram[j];

				if (o->phys && cfg_overlap(r->ipa, r->size, o->ipa, o->size))
					return cfg_fail(c, KE_EXIST, "phys memory region %u at PA "
							"0x%llx-0x%llx overlaps phys memory region %u "
							"of /%s; physical memory has one owner, so move "
							"one of them", i, ull(r->ipa),
							ull(r->ipa + r->size - 1), j, cfg->vms[k].name);
			}
	}
	return 0;
}

static int cfg_parse_vms(struct cfg_ctx *c, struct keel_config *cfg, bool *pinned)
{
	unsigned n = 0;
	int node, r;

	fdt_for_each_subnode(node, c->fdt, 0)
		n += !config_shm_is_region(c->fdt, node);
	if (!n)
		return cfg_fail(c, KE_NOENT, "no VMs; add one node with compatible = \"keel,vm\" "
				"per VM");
	if (n > KEEL_MAX_VMS)
		return cfg_fail(c, KE_NOTSUP, "%u VMs but keel runs at most %d; remove some", n,
				KEEL_MAX_VMS);
	fdt_for_each_subnode(node, c->fdt, 0) {
		struct vm_config *vm = &cfg->vms[cfg->nr_vms];

		if (config_shm_is_region(c->fdt, node))
			continue;	/* config_shm_parse_regions's */
		vm->id = cfg->nr_vms;
		r = cfg_parse_vm(c, node, cfg, vm, &pinned[cfg->nr_vms]);
		if (!r)
			r = cfg_check_unique(c, cfg, vm);
		if (!r)
			r = cfg_check_phys(c, cfg, vm);
		if (r)
			return r;
		cfg->nr_vms++;
	}
	return 0;
}

int config_parse(const void *fdt, size_t fdt_size, const char *file, unsigned nr_pcpus,
		 unsigned max_ipa_bits, struct keel_config *out, char *err, size_t errlen)
{
	struct cfg_ctx c = {
		.fdt = fdt, .file = file ? file : "config", .nr_pcpus = MIN(nr_pcpus, SCHED_MAX_CPUS),
		.ipa_bits = max_ipa_bits, .err = err, .errlen = errlen,
	};
	unsigned assigned[SCHED_MAX_CPUS] = { 0 };   /* vCPUs starting on each CPU */
	bool pinned[KEEL_MAX_VMS] = { false };
	int r;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	r = cfg_check_blob(&c, fdt_size);
	if (!r)
		r = cfg_parse_root(&c, out);
	if (!r) {
		struct config_shm_ctx shm = cfg_shm_ctx(&c);

		r = config_shm_parse_regions(&shm, out);
	}
	if (!r)
		r = cfg_parse_vms(&c, out, pinned);
	if (!r) {
		struct config_shm_ctx shm = cfg_shm_ctx(&c);

		r = config_shm_finish(&shm, out);
	}
	if (!r)
		r = cfg_check_pins(&c, out, pinned, assigned);
	if (!r)
		r = cfg_assign_free(&c, out, pinned, assigned);
	if (r)
		memset(out, 0, sizeof(*out));
	return r;
}
