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
 *    SPI; the virtual INTID the VM sees is the same number.
 */
#ifndef KEEL_PASSTHROUGH_H
#define KEEL_PASSTHROUGH_H

#include <keel/types.h>
#include <keel/config.h>

#define PASSTHROUGH_MAX_DEVICES 8	/* per VM */
#define PASSTHROUGH_MAX_MMIO    4	/* reg entries per device */
#define PASSTHROUGH_MAX_IRQS    4	/* interrupts per device */
#define PASSTHROUGH_PATH_MAX    128

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

#endif
