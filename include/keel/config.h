/*
 * VM configuration: the device tree blob given to keel as the boot module compatible
 * "keel,config" (schema and every error: docs/config.md).
 *
 * Owns: struct keel_config, filled and fully validated by config_parse(); callers may rely
 * on everything below without re-checking:
 *  - 1 <= nr_vms <= KEEL_MAX_VMS, vms[i].id == i, names unique, 1..31 chars of [a-z0-9_-];
 *  - 1 <= nr_ram <= CONFIG_MAX_RAM regions, each 2 MiB aligned, >= 2 MiB, ending at or
 *    below 1 << max_ipa_bits, overlapping no other region of the VM; ram_base/ram_size
 *    are ram[0] (the boot region: kernel, initrd and device tree go there);
 *  - a phys region (IPA = PA) overlaps no phys region of another VM;
 *  - 1 <= nr_vcpus <= KEEL_MAX_VCPUS; every vcpu_affinity[] is a non-empty set of CPUs
 *    < nr_pcpus holding vcpu_pcpu[] (where the vCPU starts); priority <= SCHED_PRIO_MAX;
 *    an exclusive VM's vCPUs are pinned (one CPU each) and no other vCPU of any VM may
 *    run on those CPUs;
 *  - kernel non-empty; RAW: load_offset 4 KiB aligned and below the device tree region
 *    (< ram_size - VM_LOAD_DTB_REGION, keel/vm_load.h); LINUX: load_offset 0 (the Image
 *    header's text_offset is checked when the VM is created: it needs the module's bytes);
 *  - the 4 KiB windows at uart_base and (if has_testdev) testdev_base are 4 KiB aligned,
 *    below the IPA limit, and overlap neither RAM nor each other; no region overlaps
 *    the virtual GIC.
 *  - shared memory (include/keel/config_shm.h): 0 <= nr_shm <= CONFIG_MAX_SHM regions, each
 *    named like a VM, 4 KiB aligned and sized, used by at least one VM; a fixed pa overlaps
 *    no other region's nor any VM's phys RAM. A VM maps each region at most once (shm[]),
 *    4 KiB aligned, inside the IPA space, overlapping none of its RAM, devices, GIC, other
 *    mappings or doorbell window; peers[] (at most CONFIG_MAX_PEERS, in VM id order) are the
 *    other VMs it shares a region with, and it has a doorbell window iff nr_peers > 0.
 * Boot module names (kernel, initrd, dtb) are not looked up here: the loader does that.
 */
#ifndef KEEL_CONFIG_H
#define KEEL_CONFIG_H

#include <keel/types.h>

#define KEEL_MAX_VMS        8
#define KEEL_MAX_VCPUS      8
#define VM_NAME_MAX         32
#define CONFIG_STR_MAX      64
#define CONFIG_BOOTARGS_MAX 512
#define CONFIG_MAX_RAM      8	/* memory regions per VM */
#define PASSTHROUGH_MAX_DEVICES 8	/* passed-through devices per VM */
#define PASSTHROUGH_PATH_MAX    128	/* a boot device tree path, with its NUL */

#define CONFIG_DEFAULT_UART 0x09000000ULL
#define CONFIG_DEVICE_SIZE  PAGE_SIZE	/* every emulated device window */
/* Every VM's virtual GICv3, where QEMU virt has its GIC so stock guests find it. */
#define CONFIG_GICD_BASE    0x08000000ULL
#define CONFIG_GICD_SIZE    0x10000ULL
#define CONFIG_GICR_BASE    0x080a0000ULL
#define CONFIG_GICR_STRIDE  0x20000ULL	/* RD_base + SGI_base frames per vCPU */

/* Shared memory and doorbells (docs/config.md, "Shared memory and doorbells"). */
#define CONFIG_MAX_SHM      8	/* shared regions in a configuration */
#define CONFIG_MAX_VM_SHM   8	/* shared regions one VM maps */
#define CONFIG_MAX_PEERS    4	/* doorbell peers of a VM: two of the PL061's 8 lines each */
#define CONFIG_SHM_MAX_SIZE SZ_1G
#define CONFIG_DEFAULT_DOORBELL 0x09030000ULL	/* where QEMU virt has its PL061 */
#define CONFIG_DOORBELL_INTID   39		/* SPI 7, as QEMU virt's PL061 */

/* A shared memory region, declared once at the configuration's root. */
struct config_shm {
	char name[VM_NAME_MAX];		/* its node's name */
	uint64_t size;
	bool fixed;			/* `address` given: keel claims exactly [pa, pa + size) */
	uint64_t pa;
	uint32_t phandle;		/* what VMs' shared-memory entries name it by */
	unsigned nr_users;		/* VMs that map it */
};

/* One region as a VM maps it. */
struct config_shm_map {
	unsigned region;		/* index in keel_config.shm[] */
	uint64_t ipa;
	bool ro;			/* shared-memory-ro: the VM's writes abort */
};

enum kernel_format {
	KERNEL_FORMAT_LINUX,	/* arm64 Image header: keel honours text_offset/image_size */
	KERNEL_FORMAT_RAW,	/* flat binary, loaded at ram_base + load_offset */
};

/* One region of a VM's RAM. phys: keel gives it the physical memory at PA = ipa. */
struct config_ram {
	uint64_t ipa, size;
	bool phys;
};

struct vm_config {
	unsigned id;				/* index in the config, 0.. */
	char name[VM_NAME_MAX];
	uint64_t ram_base, ram_size;		/* IPA of the boot region: ram[0] */
	unsigned nr_ram;
	struct config_ram ram[CONFIG_MAX_RAM];	/* ram[0] first, then in config order */
	unsigned nr_vcpus;
	unsigned vcpu_pcpu[KEEL_MAX_VCPUS];	/* physical CPU (keel CPU index) each vCPU starts on */
	uint32_t vcpu_affinity[KEEL_MAX_VCPUS];	/* CPUs each vCPU may run on (bit n: CPU n) */
	unsigned priority;			/* its vCPUs' scheduling priority, 0..SCHED_PRIO_MAX */
	bool exclusive;				/* keel,exclusive: its CPUs run nothing else */
	char kernel[CONFIG_STR_MAX];		/* boot module name */
	enum kernel_format kernel_format;
	uint64_t load_offset;			/* RAW only */
	char initrd[CONFIG_STR_MAX];		/* boot module name, "" if none */
	char dtb[CONFIG_STR_MAX];		/* boot module name, "" = generate one */
	char bootargs[CONFIG_BOOTARGS_MAX];	/* "" if none */
	uint64_t uart_base;			/* emulated PL011 (IPA) */
	bool has_testdev;
	bool autostart;				/* autostart = "yes" (default) / "no": started at boot */
	uint64_t testdev_base;			/* keel,test-device (IPA) */
	unsigned nr_shm;
	struct config_shm_map shm[CONFIG_MAX_VM_SHM];	/* shared-memory, then shared-memory-ro */
	unsigned nr_peers;			/* other VMs sharing a region with it */
	unsigned peers[CONFIG_MAX_PEERS];	/* their ids, ascending: peer k owns lines 2k, 2k+1 */
	bool doorbell_given;			/* the doorbell property was there */
	uint64_t doorbell_base;			/* emulated PL061 (IPA), when nr_peers > 0 */
	/* passthrough: boot device tree paths (each starts with '/', unique in this VM);
	 * passthrough_ipa[i]: where its first reg range starts in the VM, 0: IPA = PA.
	 * Resolved and checked against the boot device tree by passthrough_resolve(). */
	unsigned nr_passthrough;
	char passthrough[PASSTHROUGH_MAX_DEVICES][PASSTHROUGH_PATH_MAX];
	uint64_t passthrough_ipa[PASSTHROUGH_MAX_DEVICES];
};

struct keel_config {
	unsigned nr_vms;
	struct vm_config vms[KEEL_MAX_VMS];
	bool poweroff_when_idle;		/* keel,when-idle = "poweroff" */
	bool console_timestamps;		/* keel,console-timestamps */
	unsigned nr_shm;
	struct config_shm shm[CONFIG_MAX_SHM];	/* in the order of their nodes */
};

/*
 * Parse and validate the config blob fdt (fdt_size bytes, 8-byte aligned) named file in
 * messages, for a machine with nr_pcpus physical CPUs and max_ipa_bits of IPA space.
 * On failure returns a negative KE_* and writes "<file>: <node>: <problem>; <fix>" to err.
 */
must_check int config_parse(const void *fdt, size_t fdt_size, const char *file, unsigned nr_pcpus,
			    unsigned max_ipa_bits, struct keel_config *out, char *err, size_t errlen);

/*
 * The passthrough and passthrough-ipa properties of the VM node at node (src/core/
 * config_passthrough.c, called by config_parse; ac: the root's #address-cells). On failure
 * returns a negative KE_* and writes "<problem>; <fix>" to msg.
 */
must_check int config_parse_passthrough(const void *fdt, int node, unsigned ac,
					struct vm_config *vm, char *msg, size_t msglen);

#endif
