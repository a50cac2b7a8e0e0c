/*
 * What the board is: CPUs, RAM, reserved ranges, console, GIC, timer, PSCI and the boot
 * modules, read once from the device tree the boot loader passes to keel.
 *
 * Owns: struct platform, filled by platform_parse() and read-only afterwards.
 * Invariants after a successful parse: nr_cpus >= 1, nr_mem >= 1, uart/gicd/gicr bases
 * and sizes non-zero, timer_intid[] all PPIs (16..31), pmu_intid 0 or a PPI, module names unique and non-empty,
 * at most one module is_config. Every array count is within its bound (a board that needs
 * more is an error, never truncated).
 *
 * Also exports the few device tree reading helpers (cells, reg, stdout-path) that the
 * config and vmdt modules share. Only libfdt's fdt.o/fdt_ro.o/fdt_sw.o/fdt_wip.o/
 * fdt_strerror.o functions may be used: the rest of Debian's arm64 libfdt uses FP/SIMD.
 * Every fdt passed in must be 8-byte aligned (libfdt checks).
 */
#ifndef KEEL_PLATFORM_H
#define KEEL_PLATFORM_H

#include <keel/types.h>

#define PLATFORM_MAX_CPUS     16
#define PLATFORM_MAX_MEM      8
#define PLATFORM_MAX_RESERVED 16
#define PLATFORM_MAX_MODULES  16
#define PLATFORM_NAME_MAX     64

/* MPIDR_EL1 affinity fields Aff3 (39:32), Aff2, Aff1, Aff0 (23:0). */
#define MPIDR_AFFINITY_MASK 0xff00ffffffULL

/* GIC interrupt specifiers <type number flags> (DT binding arm,gic-v3). */
#define DT_GIC_SPI        0u	/* type: SPI n is INTID GIC_SPI_BASE + n */
#define DT_GIC_PPI        1u	/* type: PPI n is INTID GIC_PPI_BASE + n */
#define DT_IRQ_LEVEL_HIGH 4u	/* flags: what QEMU virt uses for every GICv3 PPI and SPI */
#define GIC_PPI_BASE      16u
#define GIC_SPI_BASE      32u

struct mem_range {
	uint64_t base, size;
};

struct boot_module {
	char name[PLATFORM_NAME_MAX];
	uint64_t base, size;
	bool is_config;
};

enum psci_conduit {
	PSCI_CONDUIT_NONE,
	PSCI_CONDUIT_SMC,
	PSCI_CONDUIT_HVC,
};

struct platform {
	/* /cpus/cpu@* with device_type "cpu": reg = MPIDR affinity, DT order; index = keel CPU id */
	unsigned nr_cpus;
	uint64_t cpu_mpidr[PLATFORM_MAX_CPUS];
	/* every node with device_type "memory", all non-empty reg entries */
	unsigned nr_mem;
	struct mem_range mem[PLATFORM_MAX_MEM];
	/* /memreserve/ entries, then the reg of /reserved-memory's enabled children */
	unsigned nr_reserved;
	struct mem_range reserved[PLATFORM_MAX_RESERVED];
	/* the PL011 named by /chosen/stdout-path (path or alias, ":options" stripped) */
	uint64_t uart_base, uart_size;
	uint32_t uart_intid;		/* its interrupts property as an INTID (an SPI), 0 if absent */
	/* compatible "arm,gic-v3": reg[0] distributor, reg[1] first redistributor region */
	uint64_t gicd_base, gicd_size, gicr_base, gicr_size;
	uint32_t gic_maint_intid;	/* GIC node's interrupts as an INTID, 0 if absent */
	/* "arm,armv8-timer": secure phys, non-secure phys, virtual, hyp, as INTIDs */
	uint32_t timer_intid[4];
#define PLATFORM_TIMER_SEC_PHYS 0
#define PLATFORM_TIMER_PHYS     1
#define PLATFORM_TIMER_VIRT     2
#define PLATFORM_TIMER_HYP      3
	uint32_t pmu_intid;		/* "arm,armv8-pmuv3" overflow interrupt (a PPI), 0 if no such node */
	enum psci_conduit psci_conduit;	/* compatible arm,psci-0.2/1.0 node's method */
	/* /chosen children compatible "multiboot,module", named by "keel,name" */
	unsigned nr_modules;
	struct boot_module modules[PLATFORM_MAX_MODULES];
	const void *fdt;	/* the boot device tree itself (set by keel's boot, not parsed) */
};

/*
 * Fill *p from the boot device tree. On failure returns a negative KE_* and writes
 * "boot device tree: <node>: <problem>; <fix>" into err (if errlen > 0).
 */
must_check int platform_parse(const void *fdt, struct platform *p, char *err, size_t errlen);

/* The boot module called name, NULL if there is none. */
const struct boot_module *platform_find_module(const struct platform *p, const char *name);

/* The configuration module (compatible "keel,config"), NULL if none. */
const struct boot_module *platform_config_module(const struct platform *p);

/* keel's CPU index of the CPU with this MPIDR (affinity bits only), -1 if none. */
int platform_cpu_index(const struct platform *p, uint64_t mpidr);

/*
 * Shared device tree helpers.
 *
 * platform_dt_cells: the #address-cells/#size-cells a node gives its children (DT spec
 * defaults 2 and 1 when absent). KE_NOTSUP if they cannot be held in 64 bits
 * (address 1..2, size 0..2), KE_INVAL if malformed.
 */
must_check int platform_dt_cells(const void *fdt, int parent, unsigned *ac, unsigned *sc);

/* A big-endian number of n (0..2) cells; unaligned-safe. */
uint64_t platform_dt_number(const void *cells, unsigned n);

/*
 * Number of (address, size) entries in node's reg, using its parent's cells; fills *ac and *sc
 * (may be NULL). KE_NOENT if there is no reg, KE_INVAL if its length is not a whole
 * number of entries, KE_NOTSUP for cell counts above 2.
 */
must_check int platform_dt_reg_count(const void *fdt, int node, unsigned *ac, unsigned *sc);

/* Entry idx of node's reg. Same errors as platform_dt_reg_count, KE_NOENT past the end. */
must_check int platform_dt_reg(const void *fdt, int node, unsigned idx, struct mem_range *out);

/* The next node after offset prev (-1: the first) with device_type "memory"; < 0 at the end. */
int platform_dt_next_memory(const void *fdt, int prev);

/* fdt_strerror, plus the error libfdt 1.6.1 has no text for (a blob not 8-byte aligned). */
const char *platform_dt_strerror(int fdt_err);

/*
 * The node /chosen/stdout-path names (a path or an alias, ":options" ignored).
 * KE_NOENT if there is no /chosen or no stdout-path, KE_INVAL if it names no node.
 */
must_check int platform_dt_stdout(const void *fdt, int *node);

#endif
