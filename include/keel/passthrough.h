/*
 * Device passthrough: devices of the boot device tree given to a VM by path (the VM
 * node's `passthrough` property, docs/config.md).
 *
 * Owns: struct vm_passthrough, one per VM, filled by passthrough_resolve() from the parsed
 * configuration and the boot device tree before any VM is created, read-only afterwards.
 * Invariants after a successful resolve, for every device of every VM:
 *  - its node exists in the boot device tree, is not disabled, and is not one keel uses
 *    (the console UART, the GIC, the architected timer) nor given to another VM;
 *  - every mmio[] range is page aligned in PA and IPA, non-empty, wrap-free, below the
 *    machine's PA and the VM's IPA limits, overlaps none of the VM's RAM regions, emulated
 *    device windows or virtual GIC, nor another VM's passthrough pages;
 *  - every irqs[].intid is an SPI (GIC_SPI_BASE..VGIC_NR_IRQS-1) that keel does not use
 *    (its UART, the GIC maintenance interrupt), no other VM's, not the VM's emulated UART
 *    SPI; the virtual INTID the VM sees is the same number. No INTID appears twice, in one
 *    VM or across VMs;
 *  - mmio[i] is reg entry i of the node rounded out to whole pages; every range of one
 *    device moves by the same offset (ipa - pa), which keeps each address's offset in its
 *    page. Two devices of one VM may share a page (then both list it, at the same IPA):
 *    every enabled node of the boot DT with registers in a VM's pages is given to that VM;
 *  - the node is directly under /, has no child nodes, and holds no phandle but
 *    interrupt-parent (the GIC) and clocks naming fixed-clock nodes.
 */
#ifndef KEEL_PASSTHROUGH_H
#define KEEL_PASSTHROUGH_H

#include <keel/types.h>
#include <keel/config.h>

/* PASSTHROUGH_MAX_DEVICES (per VM) and PASSTHROUGH_PATH_MAX are in keel/config.h. */
#define PASSTHROUGH_MAX_MMIO    4	/* reg entries per device */
#define PASSTHROUGH_MAX_IRQS    4	/* interrupts per device */

/* [pa, pa + size) of the machine appears at [ipa, ipa + size) of the VM, Device-nGnRE. */
struct passthrough_mmio {
	uint64_t pa, ipa, size;
};

/* A physical SPI given to the VM: INTID intid there too, edge or level as the DT says. */
struct passthrough_irq {
	uint32_t intid;
	bool edge;
};

struct passthrough_device {
	char path[PASSTHROUGH_PATH_MAX];	/* full path in the boot device tree */
	int node;				/* its offset in the boot device tree */
	unsigned nr_mmio;
	struct passthrough_mmio mmio[PASSTHROUGH_MAX_MMIO];
	unsigned nr_irqs;
	struct passthrough_irq irqs[PASSTHROUGH_MAX_IRQS];
};

struct vm_passthrough {
	unsigned nr_devices;
	struct passthrough_device dev[PASSTHROUGH_MAX_DEVICES];
};

#define PASSTHROUGH_MAX_PAGES (PASSTHROUGH_MAX_DEVICES * PASSTHROUGH_MAX_MMIO)

struct platform;
struct keel_config;

/*
 * Resolve every VM's passthrough paths (cfg, validated by config_parse) against the boot
 * device tree boot_fdt (the one p was parsed from), for a machine of pa_bits physical and
 * IPA bits, into out[vm id]. On failure returns a negative KE_* and writes
 * "/<vm>: passthrough \"<path>\": <problem>; <fix>" to err (the caller puts the config
 * file's name in front).
 */
must_check int passthrough_resolve(const void *boot_fdt, const struct platform *p,
				   const struct keel_config *cfg, unsigned pa_bits,
				   struct vm_passthrough out[KEEL_MAX_VMS], char *err, size_t errlen);

/*
 * The stage-2 mappings a resolved VM needs: every mmio[] range of its devices, merged where
 * ranges overlap or touch (devices sharing a page list it each, at one IPA: resolve made
 * sure), so that no page is mapped twice. Fills out[] (page aligned, disjoint) and returns
 * how many, at most PASSTHROUGH_MAX_PAGES.
 */
unsigned passthrough_vm_pages(const struct vm_passthrough *pt,
			      struct passthrough_mmio out[PASSTHROUGH_MAX_PAGES]);

/*
 * Copy the VM's passed-through device nodes (and the fixed clocks they name) from boot_fdt
 * into the device tree fdt being written with libfdt's sequential-write API, inside its
 * root node (#address-cells = #size-cells = 2), with reg at the IPAs and interrupt-parent
 * gic_phandle. New phandles are taken from first_phandle up. Returns 0 or a libfdt error
 * (src/core/vmdt_passthrough.c).
 */
int vmdt_passthrough_add(void *fdt, const void *boot_fdt, const struct vm_passthrough *pt,
			 uint32_t gic_phandle, uint32_t first_phandle);

#endif
