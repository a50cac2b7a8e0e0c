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

#define VMPT_LINE_MAX   256

static const struct vm_passthrough *vmpt_table;	/* [KEEL_MAX_VMS], NULL: none */

void vm_passthrough_set(const struct vm_passthrough *all)
{
	vmpt_table = all;
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
	struct passthrough_mmio pages[PASSTHROUGH_MAX_PAGES];
	const struct vm_passthrough *pt;
	unsigned n;

	vm->passthrough = vmpt_table ? &vmpt_table[vm->id] : NULL;
	pt = vm->passthrough;
	if (!pt || !pt->nr_devices)
		return KE_OK;
	n = passthrough_vm_pages(pt, pages);
	if (n > VM_MAX_MAPS - vm->nr_maps) {
		snprintf(err, errlen, "its passthrough devices need %u stage-2 mappings but only %u "
			 "are left (a VM has %d); give it fewer devices", n,
			 VM_MAX_MAPS - vm->nr_maps, VM_MAX_MAPS);
		return KE_NOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		vm->maps[vm->nr_maps++] = (struct vm_map){ .ipa = pages[i].ipa, .pa = pages[i].pa,
							   .size = pages[i].size,
							   .kind = VM_MAP_DEVICE };
	for (unsigned d = 0; d < pt->nr_devices; d++)
		vmpt_log(vm, &pt->dev[d]);
	return KE_OK;
}
