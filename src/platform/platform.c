/*
 * The board, read from the boot device tree: see include/keel/platform.h.
 *
 * Only libfdt's read-only functions are used (no fdt_address_cells/fdt_size_cells: those
 * live in fdt_addresses.o, which Debian's arm64 build compiles with FP/SIMD code).
 */
#include <keel/platform.h>

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DT_PATH_MAX 128

#define GIC_NR_PPIS 16u
#define GIC_NR_SPIS 988u

struct plat_ctx {
	const void *fdt;
	struct platform *p;
	unsigned gic_icells;	/* #interrupt-cells of the GIC, for the timer's specifiers */
	int uart_node;		/* the console, for its interrupt once the GIC is known */
	char *err;
	size_t errlen;
};

/* Writes "boot device tree: <path of node>: <message>" and returns ret. node < 0: no path. */
static int __attribute__((format(printf, 4, 5)))
plat_fail(const struct plat_ctx *c, int node, int ret, const char *fmt, ...)
{
	char path[DT_PATH_MAX];
	va_list ap;
	int n;

	if (!c->err || !c->errlen)
		return ret;
	if (node < 0 || fdt_get_path(c->fdt, node, path, sizeof(path)) < 0)
		n = snprintf(c->err, c->errlen, "boot device tree: ");
	else
		n = snprintf(c->err, c->errlen, "boot device tree: %s: ", path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ------------------------------------------------------------ shared DT helpers */

/* A one-cell property, dflt when absent. */
static int dt_prop_u32(const void *fdt, int node, const char *name, unsigned dflt, unsigned *out)
{
	const void *v;
	int len;

	v = fdt_getprop(fdt, node, name, &len);
	if (!v) {
		if (len != -FDT_ERR_NOTFOUND)
			return KE_INVAL;
		*out = dflt;
		return 0;
	}
	if (len != sizeof(fdt32_t))
		return KE_INVAL;
	*out = fdt32_ld(v);
	return 0;
}

/* Whether node's string property name is exactly value. */
static bool dt_prop_is(const void *fdt, int node, const char *name, const char *value)
{
	const char *v;
	int len;

	v = fdt_getprop(fdt, node, name, &len);
	return v && (size_t)len == strlen(value) + 1 && !memcmp(v, value, (size_t)len);
}

/* Nodes without status, or with "okay"/"ok", are enabled. */
static bool dt_is_enabled(const void *fdt, int node)
{
	int len;

	if (!fdt_getprop(fdt, node, "status", &len))
		return true;
	return dt_prop_is(fdt, node, "status", "okay") || dt_prop_is(fdt, node, "status", "ok");
}

int platform_dt_cells(const void *fdt, int parent, unsigned *ac, unsigned *sc)
{
	if (dt_prop_u32(fdt, parent, "#address-cells", 2, ac) ||
	    dt_prop_u32(fdt, parent, "#size-cells", 1, sc))
		return KE_INVAL;
	if (*ac < 1 || *ac > 2 || *sc > 2)
		return KE_NOTSUP;
	return 0;
}

uint64_t platform_dt_number(const void *cells, unsigned n)
{
	const fdt32_t *c = cells;
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 32) | fdt32_ld(&c[i]);
	return v;
}

int platform_dt_reg_count(const void *fdt, int node, unsigned *ac, unsigned *sc)
{
	unsigned a, s, entry;
	int parent, len, r;

	parent = fdt_parent_offset(fdt, node);
	if (parent < 0)
		return KE_INVAL;
	r = platform_dt_cells(fdt, parent, &a, &s);
	if (r)
		return r;
	if (!fdt_getprop(fdt, node, "reg", &len))
		return len == -FDT_ERR_NOTFOUND ? KE_NOENT : KE_INVAL;
	entry = (a + s) * sizeof(fdt32_t);
	if (len <= 0 || (unsigned)len % entry)
		return KE_INVAL;
	if (ac)
		*ac = a;
	if (sc)
		*sc = s;
	return (int)((unsigned)len / entry);
}

int platform_dt_reg(const void *fdt, int node, unsigned idx, struct mem_range *out)
{
	const fdt32_t *reg;
	unsigned a, s;
	int count;

	count = platform_dt_reg_count(fdt, node, &a, &s);
	if (count < 0)
		return count;
	if (idx >= (unsigned)count)
		return KE_NOENT;
	reg = (const fdt32_t *)fdt_getprop(fdt, node, "reg", NULL) + idx * (a + s);
	out->base = platform_dt_number(reg, a);
	out->size = platform_dt_number(reg + a, s);
	return 0;
}

int platform_dt_stdout(const void *fdt, int *node)
{
	const char *path;
	int chosen, len, off;
	size_t plen;

	chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0)
		return KE_NOENT;
	path = fdt_getprop(fdt, chosen, "stdout-path", &len);
	if (!path)
		return KE_NOENT;
	if (len < 1 || path[len - 1] != '\0')
		return KE_INVAL;
	plen = strcspn(path, ":");
	if (!plen)
		return KE_INVAL;
	/* fdt_path_offset_namelen resolves "alias" and "alias/sub" through /aliases. */
	off = fdt_path_offset_namelen(fdt, path, (int)plen);
	if (off < 0)
		return KE_INVAL;
	*node = off;
	return 0;
}

int platform_dt_next_memory(const void *fdt, int prev)
{
	return fdt_node_offset_by_prop_value(fdt, prev, "device_type", "memory", sizeof("memory"));
}

const char *platform_dt_strerror(int fdt_err)
{
	if (fdt_err == -FDT_ERR_ALIGNMENT)
		return "blob not 8-byte aligned in memory";
	return fdt_strerror(fdt_err);
}

/* ------------------------------------------------------------ CPUs and memory */

static int plat_add_cpu(struct plat_ctx *c, int cpus, int node)
{
	struct platform *p = c->p;
	struct mem_range reg;
	uint64_t mpidr;

	if (p->nr_cpus == PLATFORM_MAX_CPUS)
		return plat_fail(c, cpus, KE_NOTSUP,
				 "more than %d CPUs; keel supports at most %d, boot with fewer",
				 PLATFORM_MAX_CPUS, PLATFORM_MAX_CPUS);
	if (platform_dt_reg(c->fdt, node, 0, &reg))
		return plat_fail(c, node, KE_INVAL,
				 "reg is missing or malformed; a CPU node's reg is its MPIDR affinity "
				 "(/cpus #address-cells 1 or 2, #size-cells 0)");
	mpidr = reg.base & MPIDR_AFFINITY_MASK;
	if (platform_cpu_index(p, mpidr) >= 0)
		return plat_fail(c, node, KE_INVAL,
				 "MPIDR affinity 0x%llx used by two CPU nodes; each CPU needs its own",
				 (unsigned long long)mpidr);
	p->cpu_mpidr[p->nr_cpus++] = mpidr;
	return 0;
}

static int plat_parse_cpus(struct plat_ctx *c)
{
	int cpus, node, r;

	cpus = fdt_path_offset(c->fdt, "/cpus");
	if (cpus < 0)
		return plat_fail(c, -1, KE_NOENT,
				 "no /cpus node; keel needs the CPU list (/cpus/cpu@N, device_type = \"cpu\")");
	fdt_for_each_subnode(node, c->fdt, cpus) {
		if (!dt_prop_is(c->fdt, node, "device_type", "cpu"))
			continue;
		r = plat_add_cpu(c, cpus, node);
		if (r)
			return r;
	}
	if (!c->p->nr_cpus)
		return plat_fail(c, cpus, KE_NOENT,
				 "no CPU nodes; keel needs /cpus/cpu@N nodes with device_type = \"cpu\"");
	return 0;
}

/* Append r to ranges[] unless empty. what names the array in the error message. */
static int plat_add_range(struct plat_ctx *c, int node, struct mem_range *ranges, unsigned *nr,
			  unsigned max, struct mem_range r, const char *what)
{
	if (!r.size)
		return 0;
	if (r.base + r.size - 1 < r.base)
		return plat_fail(c, node, KE_RANGE,
				 "%s range 0x%llx+0x%llx wraps past the end of the address space; fix its reg",
				 what, (unsigned long long)r.base, (unsigned long long)r.size);
	if (*nr == max)
		return plat_fail(c, node, KE_NOTSUP,
				 "more than %u %s ranges; keel supports at most %u, merge or drop some",
				 max, what, max);
	ranges[(*nr)++] = r;
	return 0;
}

/* Every reg entry of node into ranges[]. */
static int plat_add_reg(struct plat_ctx *c, int node, struct mem_range *ranges, unsigned *nr,
			unsigned max, const char *what)
{
	struct mem_range r;
	int count, ret;

	count = platform_dt_reg_count(c->fdt, node, NULL, NULL);
	if (count == KE_NOTSUP)
		return plat_fail(c, node, count,
				 "the parent's #address-cells or #size-cells is above 2; keel reads "
				 "addresses and sizes of at most 64 bits");
	if (count < 0)
		return plat_fail(c, node, count,
				 "reg is missing or malformed; it needs whole <address size> entries "
				 "in the parent's #address-cells/#size-cells");
	for (int i = 0; i < count; i++) {
		if (platform_dt_reg(c->fdt, node, (unsigned)i, &r))
			return KE_INVAL;	/* checked by reg_count above */
		ret = plat_add_range(c, node, ranges, nr, max, r, what);
		if (ret)
			return ret;
	}
	return 0;
}

static int plat_parse_memory(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int node, r;

	for (node = platform_dt_next_memory(c->fdt, -1); node >= 0;
	     node = platform_dt_next_memory(c->fdt, node)) {
		r = plat_add_reg(c, node, p->mem, &p->nr_mem, PLATFORM_MAX_MEM, "RAM");
		if (r)
			return r;
	}
	if (!p->nr_mem)
		return plat_fail(c, -1, KE_NOENT,
				 "no RAM; keel needs a node with device_type = \"memory\" and a non-empty reg");
	return 0;
}

static int plat_parse_memreserve(struct plat_ctx *c)
{
	struct platform *p = c->p;
	struct mem_range r;
	int n, ret;

	n = fdt_num_mem_rsv(c->fdt);
	if (n < 0)
		return plat_fail(c, -1, KE_INVAL, "malformed /memreserve/ block (libfdt: %s)",
				 fdt_strerror(n));
	for (int i = 0; i < n; i++) {
		if (fdt_get_mem_rsv(c->fdt, i, &r.base, &r.size) < 0)
			return plat_fail(c, -1, KE_INVAL, "malformed /memreserve/ entry %d", i);
		ret = plat_add_range(c, -1, p->reserved, &p->nr_reserved, PLATFORM_MAX_RESERVED,
				     r, "reserved");
		if (ret)
			return ret;
	}
	return 0;
}

static int plat_parse_reserved(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int rm, node, r;

	r = plat_parse_memreserve(c);
	if (r)
		return r;
	rm = fdt_path_offset(c->fdt, "/reserved-memory");
	if (rm < 0)
		return 0;
	fdt_for_each_subnode(node, c->fdt, rm) {
		/* Children without reg are dynamic allocations the OS makes; nothing is there yet. */
		if (!dt_is_enabled(c->fdt, node) ||
		    platform_dt_reg_count(c->fdt, node, NULL, NULL) == KE_NOENT)
			continue;
		r = plat_add_reg(c, node, p->reserved, &p->nr_reserved, PLATFORM_MAX_RESERVED,
				 "reserved");
		if (r)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------ console */

static int plat_parse_uart(struct plat_ctx *c)
{
	struct mem_range reg;
	const char *path;
	int chosen, node, len, r;

	chosen = fdt_path_offset(c->fdt, "/chosen");
	if (chosen < 0)
		return plat_fail(c, -1, KE_NOENT,
				 "no /chosen node; keel needs a PL011 console named by /chosen/stdout-path");
	r = platform_dt_stdout(c->fdt, &node);
	if (r == KE_NOENT)
		return plat_fail(c, chosen, KE_NOENT,
				 "no stdout-path; keel needs a PL011 console named by /chosen/stdout-path");
	if (r) {
		path = fdt_getprop(c->fdt, chosen, "stdout-path", &len);
		if (!path || len < 1 || path[len - 1] != '\0')
			path = "(not a string)";
		return plat_fail(c, chosen, KE_INVAL,
				 "stdout-path \"%.64s\" names no node; give a node path or an alias "
				 "defined in /aliases", path);
	}
	if (fdt_node_check_compatible(c->fdt, node, "arm,pl011"))
		return plat_fail(c, node, KE_NOTSUP,
				 "the console named by /chosen/stdout-path is not compatible \"arm,pl011\"; "
				 "keel only drives a PL011");
	if (platform_dt_reg(c->fdt, node, 0, &reg) || !reg.size)
		return plat_fail(c, node, KE_INVAL,
				 "console reg is missing or malformed; it needs <base size>");
	c->p->uart_base = reg.base;
	c->p->uart_size = reg.size;
	c->uart_node = node;
	return 0;
}

/* ------------------------------------------------------------ interrupts */

/* Number of specifiers of icells cells in node's interrupts; KE_NOENT if absent. */
static int plat_irq_count(const void *fdt, int node, unsigned icells)
{
	int len;

	if (!fdt_getprop(fdt, node, "interrupts", &len))
		return len == -FDT_ERR_NOTFOUND ? KE_NOENT : KE_INVAL;
	if (len <= 0 || (unsigned)len % (icells * sizeof(fdt32_t)))
		return KE_INVAL;
	return (int)((unsigned)len / (icells * sizeof(fdt32_t)));
}

/* Specifier idx of node's interrupts as a GIC INTID (SPI n -> 32+n, PPI n -> 16+n). */
static int plat_irq_intid(const void *fdt, int node, unsigned icells, unsigned idx, uint32_t *intid)
{
	const fdt32_t *spec;
	uint32_t type, num;
	int count;

	count = plat_irq_count(fdt, node, icells);
	if (count < 0)
		return count;
	if (idx >= (unsigned)count)
		return KE_NOENT;
	spec = (const fdt32_t *)fdt_getprop(fdt, node, "interrupts", NULL) + idx * icells;
	type = fdt32_ld(&spec[0]);
	num = fdt32_ld(&spec[1]);
	if (type == DT_GIC_PPI && num < GIC_NR_PPIS)
		*intid = GIC_PPI_BASE + num;
	else if (type == DT_GIC_SPI && num < GIC_NR_SPIS)
		*intid = GIC_SPI_BASE + num;
	else
		return KE_INVAL;
	return 0;
}

static int plat_parse_gic(struct plat_ctx *c)
{
	struct platform *p = c->p;
	struct mem_range gicd, gicr;
	int node, r;

	node = fdt_node_offset_by_compatible(c->fdt, -1, "arm,gic-v3");
	if (node < 0)
		return plat_fail(c, -1, KE_NOTSUP,
				 "no GICv3 (compatible \"arm,gic-v3\"); keel needs a GICv3 "
				 "(QEMU: -M virt,gic-version=3)");
	if (platform_dt_reg(c->fdt, node, 0, &gicd) || platform_dt_reg(c->fdt, node, 1, &gicr) ||
	    !gicd.size || !gicr.size)
		return plat_fail(c, node, KE_INVAL,
				 "reg needs the distributor and at least one redistributor region");
	if (dt_prop_u32(c->fdt, node, "#interrupt-cells", 0, &c->gic_icells) || c->gic_icells < 3)
		return plat_fail(c, node, KE_INVAL,
				 "#interrupt-cells is missing or below 3; a GICv3 uses <type number flags>");
	r = plat_irq_intid(c->fdt, node, c->gic_icells, 0, &p->gic_maint_intid);
	if (r == KE_NOENT)
		p->gic_maint_intid = 0;
	else if (r)
		return plat_fail(c, node, r, "interrupts (the maintenance interrupt) is malformed; "
				 "it needs <1 ppi flags>");
	p->gicd_base = gicd.base;
	p->gicd_size = gicd.size;
	p->gicr_base = gicr.base;
	p->gicr_size = gicr.size;
	return 0;
}

/* The console's receive interrupt is optional: without it keel cannot take console input. */
static int plat_parse_uart_irq(struct plat_ctx *c)
{
	int r = plat_irq_intid(c->fdt, c->uart_node, c->gic_icells, 0, &c->p->uart_intid);

	if (r == KE_NOENT) {
		c->p->uart_intid = 0;
		return 0;
	}
	if (r || c->p->uart_intid < GIC_SPI_BASE)
		return plat_fail(c, c->uart_node, KE_INVAL,
				 "interrupts is malformed; the console's interrupt must be an SPI <0 n flags>");
	return 0;
}

/* The timer's specifiers are read with the GIC's #interrupt-cells: keel assumes the GIC is
 * every node's interrupt parent. */
static int plat_parse_timer(struct plat_ctx *c)
{
	static const char *const names[4] = { "secure physical", "non-secure physical",
					       "virtual", "hypervisor" };
	uint32_t *intid = c->p->timer_intid;
	int node;

	node = fdt_node_offset_by_compatible(c->fdt, -1, "arm,armv8-timer");
	if (node < 0)
		return plat_fail(c, -1, KE_NOENT,
				 "no architected timer (compatible \"arm,armv8-timer\"); "
				 "keel needs its interrupt numbers");
	if (plat_irq_count(c->fdt, node, c->gic_icells) < 4)
		return plat_fail(c, node, KE_INVAL,
				 "interrupts needs 4 specifiers of %u cells (secure, non-secure, "
				 "virtual, hypervisor timer PPIs)", c->gic_icells);
	for (unsigned i = 0; i < 4; i++) {
		if (plat_irq_intid(c->fdt, node, c->gic_icells, i, &intid[i]) ||
		    intid[i] < GIC_PPI_BASE || intid[i] >= GIC_SPI_BASE)
			return plat_fail(c, node, KE_INVAL,
					 "the %s timer interrupt is not a PPI; the architected "
					 "timers are per-CPU interrupts <1 n flags>", names[i]);
	}
	return 0;
}

/*
 * The PMU's overflow interrupt, which keel forwards to the vCPU whose counter
 * overflowed: optional (no node, no PMU interrupt for guests), but if present it
 * must be one PPI, the PMU being per CPU.
 */
static int plat_parse_pmu(struct plat_ctx *c)
{
	int node = fdt_node_offset_by_compatible(c->fdt, -1, "arm,armv8-pmuv3");

	c->p->pmu_intid = 0;
	if (node < 0)
		return 0;
	if (plat_irq_count(c->fdt, node, c->gic_icells) < 1 ||
	    plat_irq_intid(c->fdt, node, c->gic_icells, 0, &c->p->pmu_intid) ||
	    c->p->pmu_intid < GIC_PPI_BASE || c->p->pmu_intid >= GIC_SPI_BASE) {
		c->p->pmu_intid = 0;
		return plat_fail(c, node, KE_INVAL,
				 "interrupts is not one PPI; the PMU's overflow interrupt is a per-CPU "
				 "interrupt <1 n flags> (or remove the node: guests then get no PMU interrupt)");
	}
	return 0;
}

/* ------------------------------------------------------------ PSCI, modules */

static int plat_parse_psci(struct plat_ctx *c)
{
	int node;

	node = fdt_node_offset_by_compatible(c->fdt, -1, "arm,psci-0.2");
	if (node < 0)
		node = fdt_node_offset_by_compatible(c->fdt, -1, "arm,psci-1.0");
	if (node < 0) {
		c->p->psci_conduit = PSCI_CONDUIT_NONE;
		return 0;
	}
	if (dt_prop_is(c->fdt, node, "method", "smc"))
		c->p->psci_conduit = PSCI_CONDUIT_SMC;
	else if (dt_prop_is(c->fdt, node, "method", "hvc"))
		c->p->psci_conduit = PSCI_CONDUIT_HVC;
	else
		return plat_fail(c, node, KE_INVAL,
				 "method is missing or neither \"smc\" nor \"hvc\"; "
				 "keel needs the PSCI conduit");
	return 0;
}

static int plat_parse_module(struct plat_ctx *c, int node, struct boot_module *m)
{
	struct mem_range reg;
	const char *name;
	int len;

	if (platform_dt_reg(c->fdt, node, 0, &reg))
		return plat_fail(c, node, KE_INVAL,
				 "reg is missing or malformed; a module needs <base size> with "
				 "/chosen's #address-cells/#size-cells");
	name = fdt_getprop(c->fdt, node, "keel,name", &len);
	if (!name || len < 2 || name[len - 1] != '\0' || strlen(name) != (size_t)len - 1)
		return plat_fail(c, node, KE_INVAL,
				 "no keel,name (or not a single non-empty string); "
				 "keel finds modules by this name");
	if ((size_t)len > PLATFORM_NAME_MAX)
		return plat_fail(c, node, KE_NOTSUP, "keel,name \"%.64s...\" is longer than %d characters; "
				 "use a shorter name", name, PLATFORM_NAME_MAX - 1);
	memcpy(m->name, name, (size_t)len);
	m->base = reg.base;
	m->size = reg.size;
	m->is_config = fdt_node_check_compatible(c->fdt, node, "keel,config") == 0;
	return 0;
}

static int plat_parse_modules(struct plat_ctx *c)
{
	struct platform *p = c->p;
	struct boot_module m;
	int chosen, node, r;

	chosen = fdt_path_offset(c->fdt, "/chosen");
	if (chosen < 0)
		return 0;
	fdt_for_each_subnode(node, c->fdt, chosen) {
		if (fdt_node_check_compatible(c->fdt, node, "multiboot,module"))
			continue;
		if (p->nr_modules == PLATFORM_MAX_MODULES)
			return plat_fail(c, chosen, KE_NOTSUP,
					 "more than %d boot modules; keel supports at most %d",
					 PLATFORM_MAX_MODULES, PLATFORM_MAX_MODULES);
		memset(&m, 0, sizeof(m));
		r = plat_parse_module(c, node, &m);
		if (r)
			return r;
		if (platform_find_module(p, m.name))
			return plat_fail(c, node, KE_EXIST,
					 "a second module named \"%s\"; module names must be unique", m.name);
		if (m.is_config && platform_config_module(p))
			return plat_fail(c, node, KE_EXIST,
					 "a second configuration module (compatible \"keel,config\"); "
					 "give keel exactly one");
		p->modules[p->nr_modules++] = m;
	}
	return 0;
}

/* ------------------------------------------------------------ API */

int platform_parse(const void *fdt, struct platform *p, char *err, size_t errlen)
{
	struct plat_ctx c = { .fdt = fdt, .p = p, .err = err, .errlen = errlen };
	int r;

	memset(p, 0, sizeof(*p));
	if (errlen)
		err[0] = '\0';
	r = fdt ? fdt_check_header(fdt) : -FDT_ERR_BADMAGIC;
	if (r)
		return plat_fail(&c, -1, KE_INVAL,
				 "not a valid device tree blob (libfdt: %s); the boot loader must pass "
				 "its address in x0", platform_dt_strerror(r));
	r = plat_parse_cpus(&c);
	if (!r)
		r = plat_parse_memory(&c);
	if (!r)
		r = plat_parse_reserved(&c);
	if (!r)
		r = plat_parse_uart(&c);
	if (!r)
		r = plat_parse_gic(&c);
	if (!r)
		r = plat_parse_uart_irq(&c);
	if (!r)
		r = plat_parse_timer(&c);
	if (!r)
		r = plat_parse_pmu(&c);
	if (!r)
		r = plat_parse_psci(&c);
	if (!r)
		r = plat_parse_modules(&c);
	return r;
}

const struct boot_module *platform_find_module(const struct platform *p, const char *name)
{
	for (unsigned i = 0; i < p->nr_modules; i++)
		if (!strncmp(p->modules[i].name, name, PLATFORM_NAME_MAX))
			return &p->modules[i];
	return NULL;
}

const struct boot_module *platform_config_module(const struct platform *p)
{
	for (unsigned i = 0; i < p->nr_modules; i++)
		if (p->modules[i].is_config)
			return &p->modules[i];
	return NULL;
}

int platform_cpu_index(const struct platform *p, uint64_t mpidr)
{
	mpidr &= MPIDR_AFFINITY_MASK;
	for (unsigned i = 0; i < p->nr_cpus; i++)
		if (p->cpu_mpidr[i] == mpidr)
			return (int)i;
	return -1;
}
