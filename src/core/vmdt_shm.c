/*
 * The shared memory and doorbell nodes of a VM's generated device tree (vmdt.c calls
 * vmdt_shm_add): see include/keel/vmdt.h.
 *
 * Per region the VM maps, a /reserved-memory child with no-map (so Linux keeps it out of
 * its RAM and lets user space map it through /dev/mem, where STRICT_DEVMEM allows memory
 * no driver claims) and a node compatible "keel,shared-memory" that names it; and, with
 * peers, the PL061 that carries the doorbells, with a name for each line.
 */
#include <keel/config_shm.h>
#include <keel/platform.h>
#include <keel/shm.h>
#include <keel/vmdt.h>

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#define VMDT_SHM_NAME_MAX   64
#define VMDT_SHM_LINES_MAX  (VPL061_NR_LINES * (VM_NAME_MAX + 6))

/* A sticky-error writer, as vmdt.c's: after the first failure every call is skipped. */
struct shm_writer {
	void *fdt;
	int err;
};

static void sw_begin(struct shm_writer *w, const char *name)
{
	if (!w->err)
		w->err = fdt_begin_node(w->fdt, name);
}

static void sw_end(struct shm_writer *w)
{
	if (!w->err)
		w->err = fdt_end_node(w->fdt);
}

static void sw_prop(struct shm_writer *w, const char *name, const void *val, int len)
{
	if (!w->err)
		w->err = fdt_property(w->fdt, name, val, len);
}

static void sw_str(struct shm_writer *w, const char *name, const char *s)
{
	sw_prop(w, name, s, (int)strlen(s) + 1);
}

static void sw_u32(struct shm_writer *w, const char *name, uint32_t v)
{
	fdt32_t be = cpu_to_fdt32(v);

	sw_prop(w, name, &be, sizeof(be));
}

/* reg = <base size>, two cells each. */
static void sw_reg(struct shm_writer *w, uint64_t base, uint64_t size)
{
	fdt32_t be[4] = {
		cpu_to_fdt32((uint32_t)(base >> 32)), cpu_to_fdt32((uint32_t)base),
		cpu_to_fdt32((uint32_t)(size >> 32)), cpu_to_fdt32((uint32_t)size),
	};

	sw_prop(w, "reg", be, sizeof(be));
}

/* Append s and its NUL to a string list; false if it does not fit. */
static bool shm_list_add(char *list, size_t max, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > max - *len)
		return false;
	memcpy(list + *len, s, n);
	*len += n;
	return true;
}

static void vmdt_shm_reserved(struct shm_writer *w, const struct vmdt_params *p)
{
	const struct vm_config *vm = p->vm;
	char name[VMDT_SHM_NAME_MAX];

	sw_begin(w, "reserved-memory");
	sw_u32(w, "#address-cells", 2);
	sw_u32(w, "#size-cells", 2);
	sw_prop(w, "ranges", "", 0);
	for (unsigned i = 0; i < vm->nr_shm; i++) {
		const struct config_shm *r = &p->config->shm[vm->shm[i].region];

		snprintf(name, sizeof(name), "%s@%llx", r->name, (unsigned long long)vm->shm[i].ipa);
		sw_begin(w, name);
		sw_reg(w, vm->shm[i].ipa, r->size);
		sw_prop(w, "no-map", "", 0);
		sw_u32(w, "phandle", VMDT_PHANDLE_SHM(i));
		sw_end(w);
	}
	sw_end(w);
}

/* The VMs that map region, in config order, as a string list. */
static void vmdt_shm_users(struct shm_writer *w, const struct keel_config *cfg, unsigned region)
{
	char list[KEEL_MAX_VMS * VM_NAME_MAX];
	size_t len = 0;

	for (unsigned k = 0; k < cfg->nr_vms; k++)
		for (unsigned i = 0; i < cfg->vms[k].nr_shm; i++)
			if (cfg->vms[k].shm[i].region == region &&
			    !shm_list_add(list, sizeof(list), &len, cfg->vms[k].name) && !w->err)
				w->err = -FDT_ERR_NOSPACE;
	sw_prop(w, "keel,users", list, (int)len);
}

static void vmdt_shm_regions(struct shm_writer *w, const struct vmdt_params *p)
{
	const struct vm_config *vm = p->vm;
	char name[VMDT_SHM_NAME_MAX];

	for (unsigned i = 0; i < vm->nr_shm; i++) {
		const struct config_shm *r = &p->config->shm[vm->shm[i].region];

		snprintf(name, sizeof(name), "shared-memory-%s", r->name);
		sw_begin(w, name);
		sw_str(w, "compatible", CONFIG_SHM_COMPATIBLE);
		sw_str(w, "keel,name", r->name);
		sw_u32(w, "memory-region", VMDT_PHANDLE_SHM(i));
		vmdt_shm_users(w, p->config, vm->shm[i].region);
		if (vm->shm[i].ro)
			sw_prop(w, "read-only", "", 0);
		sw_end(w);
	}
}

/* "ring-<peer>", "from-<peer>" for each peer, then "" for the unused lines. */
static void vmdt_shm_line_names(struct shm_writer *w, const struct vmdt_params *p)
{
	char list[VMDT_SHM_LINES_MAX], name[VM_NAME_MAX + 6];
	size_t len = 0;
	bool ok = true;

	for (unsigned line = 0; line < VPL061_NR_LINES; line++) {
		unsigned k = line / 2;

		name[0] = '\0';
		if (k < p->vm->nr_peers && p->vm->peers[k] < p->config->nr_vms)
			snprintf(name, sizeof(name), "%s-%s", line == SHM_LINE_RING(k) ? "ring" : "from",
				 p->config->vms[p->vm->peers[k]].name);
		ok = ok && shm_list_add(list, sizeof(list), &len, name);
	}
	if (!ok && !w->err)
		w->err = -FDT_ERR_NOSPACE;
	sw_prop(w, "gpio-line-names", list, (int)len);
}

static void vmdt_shm_doorbell(struct shm_writer *w, const struct vmdt_params *p)
{
	static const char compat[] = "arm,pl061\0arm,primecell";
	const fdt32_t irq[3] = {
		cpu_to_fdt32(DT_GIC_SPI), cpu_to_fdt32(CONFIG_DOORBELL_INTID - GIC_SPI_BASE),
		cpu_to_fdt32(DT_IRQ_LEVEL_HIGH),
	};
	char name[VMDT_SHM_NAME_MAX];

	snprintf(name, sizeof(name), "pl061@%llx", (unsigned long long)p->vm->doorbell_base);
	sw_begin(w, name);
	sw_prop(w, "compatible", compat, sizeof(compat));
	sw_reg(w, p->vm->doorbell_base, CONFIG_DEVICE_SIZE);
	if (p->has_gic) {
		sw_prop(w, "interrupts", irq, sizeof(irq));
		sw_prop(w, "interrupt-controller", "", 0);
		sw_u32(w, "#interrupt-cells", 2);
	}
	sw_prop(w, "gpio-controller", "", 0);
	sw_u32(w, "#gpio-cells", 2);
	sw_u32(w, "clocks", VMDT_PHANDLE_CLK);
	sw_str(w, "clock-names", "apb_pclk");
	vmdt_shm_line_names(w, p);
	sw_end(w);
}

int vmdt_shm_add(void *fdt, const struct vmdt_params *p)
{
	struct shm_writer w = { .fdt = fdt };

	if (!p->config || (!p->vm->nr_shm && !p->vm->nr_peers))
		return 0;
	if (p->vm->nr_shm) {
		vmdt_shm_reserved(&w, p);
		vmdt_shm_regions(&w, p);
	}
	if (p->vm->nr_peers)
		vmdt_shm_doorbell(&w, p);
	return w.err;
}
