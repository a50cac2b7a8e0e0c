/*
 * A VM's device tree: generated from its config (vmdt_build), or, when the config names a
 * dtb module, checked against the config (vmdt_check_given).
 *
 * The generated tree describes exactly what keel gives the VM: its RAM, its vCPUs (PSCI
 * over HVC), the emulated PL011 (with the fixed clock Linux's driver wants), the optional
 * keel,test-device, and, when has_gic, a GICv3 and the architected timer; with config, its
 * shared memory (/reserved-memory no-map children and "keel,shared-memory" nodes) and its
 * doorbell PL061 (src/core/vmdt_shm.c). Built with
 * libfdt's sequential-write API only (fdt_sw.o has no FP/SIMD code).
 */
#ifndef KEEL_VMDT_H
#define KEEL_VMDT_H

#include <keel/config.h>

#define VMDT_GICD_SIZE        0x10000ULL	/* 64 KiB */
#define VMDT_GICR_SIZE_PER_CPU 0x20000ULL	/* RD_base + SGI_base frames */
#define VMDT_UART_SPI         1u		/* PL011 interrupt: SPI 1 = INTID 33 */
#define VMDT_CLOCK_HZ         24000000u		/* apb-pclk, as QEMU virt */
#define VMDT_PHANDLE_CLK      1u		/* apb-pclk */
#define VMDT_PHANDLE_GIC      2u
#define VMDT_PHANDLE_SHM(i)   (0x100u + (i))	/* /reserved-memory child of shared mapping i */

struct vm_passthrough;

struct vmdt_params {
	const struct vm_config *vm;
	uint64_t initrd_ipa, initrd_size;	/* 0 size: no initrd */
	uint64_t vcpu_mpidr[KEEL_MAX_VCPUS];	/* MPIDR each vCPU sees; its affinity is cpu@ reg */
	bool has_gic;
	uint64_t gicd_ipa, gicr_ipa;		/* GICD 64 KiB, GICR 128 KiB per vCPU */
	uint32_t gic_maint_intid;		/* PPI INTID, 0: no interrupts property */
	uint32_t timer_intid[4];		/* secure, non-secure phys, virtual, hyp: PPI INTIDs */
	const struct keel_config *config;	/* its regions and peers' names; NULL: no shm nodes */
	uint32_t pmu_intid;			/* PPI INTID of the PMU's overflow interrupt, 0: no pmu node */
	/* Passed-through devices, copied from the boot device tree (needs has_gic). NULL: none */
	const void *boot_fdt;
	const struct vm_passthrough *passthrough;
};

/*
 * Write the VM's device tree blob into buf (size bytes; 8-byte aligned).
 * KE_NOMEM if it does not fit, KE_INVAL for params it cannot describe (an INTID that is not
 * a PPI when has_gic, no vCPUs).
 */
must_check int vmdt_build(const struct vmdt_params *p, void *buf, size_t size);

/* The shared memory and doorbell nodes, into the tree being written (a libfdt error). */
int vmdt_shm_add(void *fdt, const struct vmdt_params *p);

/*
 * Check a user-given VM device tree (size bytes, 8-byte aligned) against vm: a valid
 * header within size, at least one memory node and every /memory range inside the VM's
 * RAM, at most vm->nr_vcpus CPUs in /cpus, and its stdout PL011 (if any) at vm->uart_base.
 * On failure writes "<dtb name>: <node>: <problem>; <fix>" into err.
 */
must_check int vmdt_check_given(const void *fdt, size_t size, const struct vm_config *vm,
				char *err, size_t errlen);

#endif
