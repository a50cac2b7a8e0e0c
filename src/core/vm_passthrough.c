/*
 * A VM's passed-through devices at creation: its share of what passthrough_resolve()
 * decided (include/keel/passthrough.h), turned into stage-2 device mappings in vm->maps
 * (mapped by stage2_init, Device-nGnRE) and logged.
 */
#include <keel/console.h>
#include <keel/passthrough.h>
#include <keel/platform.h>
#include <keel/vm.h>

#include <stdio.h>
#include <string.h>

#define VMPT_MAX_RANGES (PASSTHROUGH_MAX_DEVICES * PASSTHROUGH_MAX_MMIO)
#define VMPT_LINE_MAX   256

static const struct vm_passthrough *vmpt_table;	/* [KEEL_MAX_VMS], NULL: none */

void vm_passthrough_set(const struct vm_passthrough *all)
{
	vmpt_table = all;
}

/* a and b map the same way (same IPA - PA) and overlap or touch: a becomes their union. */
static bool vmpt_merge(struct vm_map *a, const struct vm_map *b)
{
	if (a->ipa - a->pa != b->ipa - b->pa || a->pa > b->pa + b->size || b->pa > a->pa + a->size)
		return false;
	uint64_t lo = MIN(a->pa, b->pa), hi = MAX(a->pa + a->size, b->pa + b->size);

	a->ipa = lo + (a->ipa - a->pa);
	a->pa = lo;
	a->size = hi - lo;
	return true;
}

/*
 * The VM's device pages as few mappings as possible: devices that share a page list it
 * each (at one IPA, resolve made sure), and stage 2 maps a page once.
 */
static unsigned vmpt_collect(const struct vm_passthrough *pt, struct vm_map *out)
{
	unsigned n = 0;

	for (unsigned d = 0; d < pt->nr_devices; d++)
		for (unsigned i = 0; i < pt->dev[d].nr_mmio; i++) {
			const struct passthrough_mmio *m = &pt->dev[d].mmio[i];

			out[n++] = (struct vm_map){ .ipa = m->ipa, .pa = m->pa, .size = m->size,
						    .kind = VM_MAP_DEVICE };
		}
	for (bool merged = true; merged;) {
		merged = false;
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = i + 1; j < n; j++)
				if (vmpt_merge(&out[i], &out[j])) {
					out[j] = out[--n];
					merged = true;
					j--;
				}
	}
	return n;
}

static void vmpt_log(const struct vm *vm, const struct passthrough_device *dev)
{
	char line[VMPT_LINE_MAX];
	size_t n = 0;

	for (unsigned i = 0; i < dev->nr_mmio && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%sMMIO 0x%llx (%llu KiB) at IPA 0x%llx",
				      i ? ", " : "", (unsigned long long)dev->mmio[i].pa,
				      (unsigned long long)(dev->mmio[i].size >> 10),
				      (unsigned long long)dev->mmio[i].ipa);
	for (unsigned i = 0; i < dev->nr_irqs && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", SPI %u (INTID %u, %s)",
				      dev->irqs[i].intid - GIC_SPI_BASE, dev->irqs[i].intid,
				      dev->irqs[i].edge ? "edge" : "level");
	if (!dev->nr_irqs && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ", no interrupt");
	klog("vm %s: passthrough %s: %s", vm->name, dev->path, line);
}

int vm_passthrough_attach(struct vm *vm, char *err, size_t errlen)
{
	struct vm_map ranges[VMPT_MAX_RANGES];
	const struct vm_passthrough *pt;
	unsigned n;

	vm->passthrough = vmpt_table ? &vmpt_table[vm->id] : NULL;
	pt = vm->passthrough;
	if (!pt || !pt->nr_devices)
		return KE_OK;
	n = vmpt_collect(pt, ranges);
	if (n > VM_MAX_MAPS - vm->nr_maps) {
		snprintf(err, errlen, "its passthrough devices need %u stage-2 mappings but only %u "
			 "are left (a VM has %d); give it fewer devices", n,
			 VM_MAX_MAPS - vm->nr_maps, VM_MAX_MAPS);
		return KE_NOMEM;
	}
	memcpy(&vm->maps[vm->nr_maps], ranges, n * sizeof(ranges[0]));
	vm->nr_maps += n;
	for (unsigned d = 0; d < pt->nr_devices; d++)
		vmpt_log(vm, &pt->dev[d]);
	return KE_OK;
}
