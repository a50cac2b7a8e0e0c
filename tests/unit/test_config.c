// deps: src/core/config.c src/core/config_shm.c src/core/config_passthrough.c src/core/vm_load.c src/platform/platform.c tests/unit/dt_fixture.c
/*
 * config_parse on configs/default.dts and on the fixtures tests/unit/configs/cfg-*.dts,
 * compiled here with dtc through popen. Run from the top of the tree (as `make unit` does).
 * Unless a test says otherwise the machine has 4 physical CPUs and a 40-bit IPA space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dt_fixture.h"

#include <keel/config.h>
#include <keel/sched.h>
#include <libfdt.h>

#define FIXTURES "tests/unit/configs/"
#define NR_PCPUS 4
#define IPA_BITS 40

static char err[512];
static struct keel_config cfg;

static int parse_path(const char *dts, unsigned nr_pcpus, unsigned ipa_bits)
{
	size_t size;
	void *fdt = dt_fixture_compile(dts, &size);
	int r;

	memset(err, 0, sizeof(err));
	r = config_parse(fdt, size, "test.dtb", nr_pcpus, ipa_bits, &cfg, err, sizeof(err));
	free(fdt);
	return r;
}

static void parse_good(const char *dts, unsigned nr_pcpus, unsigned ipa_bits)
{
	int r = parse_path(dts, nr_pcpus, ipa_bits);

	if (r)
		fail_msg("%s: %d: %s", dts, r, err);
	assert_string_equal(err, "");
}

/* ------------------------------------------------------------ good configs */

static void test_default_config(void **state)
{
	const struct vm_config *a = &cfg.vms[0], *b = &cfg.vms[1];

	parse_good("configs/default.dts", 4, IPA_BITS);
	assert_int_equal(cfg.nr_vms, 2);
	assert_false(cfg.poweroff_when_idle);

	assert_int_equal(a->id, 0);
	assert_string_equal(a->name, "alpha");
	assert_int_equal(a->ram_base, 0x40000000);
	assert_int_equal(a->ram_size, 64 << 20);
	assert_int_equal(a->nr_vcpus, 1);
	assert_int_equal(a->vcpu_pcpu[0], 0);
	assert_string_equal(a->kernel, "hello.bin");
	assert_int_equal(a->kernel_format, KERNEL_FORMAT_LINUX);

	assert_int_equal(b->id, 1);
	assert_string_equal(b->name, "beta");
	assert_int_equal(b->ram_base, 0x40000000);
	assert_int_equal(b->ram_size, 64 << 20);
	assert_int_equal(b->nr_vcpus, 2);
	assert_int_equal(b->vcpu_pcpu[0], 1);
	assert_int_equal(b->vcpu_pcpu[1], 2);
	assert_string_equal(b->kernel, "hello.bin");
	assert_int_equal(b->uart_base, CONFIG_DEFAULT_UART);
	assert_false(b->has_testdev);
}

static void test_every_property(void **state)
{
	const struct vm_config *a = &cfg.vms[0], *b = &cfg.vms[1];

	parse_good(FIXTURES "cfg-good.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(cfg.nr_vms, 2);
	assert_true(cfg.poweroff_when_idle);

	assert_string_equal(a->name, "guest-a");
	assert_int_equal(a->ram_base, 0x40000000);
	assert_int_equal(a->ram_size, 0x04000000);
	assert_int_equal(a->nr_vcpus, 2);
	assert_int_equal(a->vcpu_pcpu[0], 1);
	assert_int_equal(a->vcpu_pcpu[1], 2);
	assert_string_equal(a->kernel, "tests.bin");
	assert_int_equal(a->kernel_format, KERNEL_FORMAT_LINUX);
	assert_int_equal(a->load_offset, 0);
	assert_string_equal(a->initrd, "initramfs.cpio.gz");
	assert_string_equal(a->dtb, "");
	assert_string_equal(a->bootargs, "console=ttyAMA0 earlycon");
	assert_int_equal(a->uart_base, 0x09000000);
	assert_true(a->has_testdev);
	assert_int_equal(a->testdev_base, 0x0a000000);

	assert_int_equal(b->id, 1);
	assert_string_equal(b->name, "guest-b");
	assert_int_equal(b->ram_base, 0x80000000);
	assert_int_equal(b->ram_size, 0x400000);
	assert_int_equal(b->nr_vcpus, 1);
	assert_int_equal(b->vcpu_pcpu[0], 0);
	assert_string_equal(b->kernel, "raw.bin");
	assert_int_equal(b->kernel_format, KERNEL_FORMAT_RAW);
	assert_int_equal(b->load_offset, 0x80000);
	assert_string_equal(b->initrd, "");
	assert_string_equal(b->dtb, "vm.dtb");
	assert_string_equal(b->bootargs, "");
	assert_int_equal(b->uart_base, 0x1c090000);
	assert_false(b->has_testdev);
}

/* autostart: "yes" by default and when said, "no" only where said. */
static void test_autostart(void **state)
{
	parse_good(FIXTURES "cfg-good.dts", NR_PCPUS, IPA_BITS);
	assert_true(cfg.vms[0].autostart);
	assert_true(cfg.vms[1].autostart);
	parse_good(FIXTURES "cfg-autostart.dts", NR_PCPUS, IPA_BITS);
	assert_true(cfg.vms[0].autostart);
	assert_false(cfg.vms[1].autostart);
}

static void test_one_cell(void **state)
{
	const struct vm_config *v = &cfg.vms[0];

	/* RAM ends exactly at the 32-bit IPA limit: allowed */
	parse_good(FIXTURES "cfg-cells-1.dts", 1, 32);
	assert_int_equal(cfg.nr_vms, 1);
	assert_false(cfg.poweroff_when_idle);
	assert_int_equal(v->ram_base, 0xffc00000);
	assert_int_equal(v->ram_size, 0x400000);
	assert_int_equal(v->kernel_format, KERNEL_FORMAT_RAW);
	assert_int_equal(v->load_offset, 0x1000);
	assert_int_equal(v->uart_base, 0x1000);
	assert_int_equal(v->testdev_base, 0x2000);
	assert_int_equal(v->vcpu_pcpu[0], 0);
	/* one bit less and it does not fit */
	assert_int_equal(parse_path(FIXTURES "cfg-cells-1.dts", 1, 31), KE_RANGE);
	assert_non_null(strstr(err, "test.dtb: /small: memory ends at 0x100000000, above the 31-bit IPA space"));
}

static void test_auto_affinity(void **state)
{
	parse_good(FIXTURES "cfg-auto.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(cfg.nr_vms, 3);
	assert_int_equal(cfg.vms[0].vcpu_pcpu[0], 1);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[0], 3);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[1], 0);
	assert_int_equal(cfg.vms[2].vcpu_pcpu[0], 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(cfg.vms[i].id, i);
	/* with 3 CPUs "three" finds none left */
	assert_int_equal(parse_path(FIXTURES "cfg-auto.dts", 3, IPA_BITS), KE_RANGE);
	assert_non_null(strstr(err, "test.dtb: /two: cpu-affinity names physical CPU 3 but this machine has 3 (0-2)"));
	assert_int_equal(cfg.nr_vms, 0);	/* nothing half-filled on failure */
}

static void test_max_vms(void **state)
{
	parse_good(FIXTURES "cfg-max-vms.dts", 8, IPA_BITS);
	assert_int_equal(cfg.nr_vms, KEEL_MAX_VMS);
	for (unsigned i = 0; i < KEEL_MAX_VMS; i++)
		assert_int_equal(cfg.vms[i].vcpu_pcpu[0], i);
	/* More vCPUs than CPUs: the eighth VM shares CPU 0, the least used and lowest. */
	parse_good(FIXTURES "cfg-max-vms.dts", 7, IPA_BITS);
	assert_int_equal(cfg.vms[7].vcpu_pcpu[0], 0);
	assert_int_equal(cfg.vms[7].vcpu_affinity[0], 0x7f);
}

static void test_shared_cpus(void **state)
{
	parse_good(FIXTURES "cfg-shared-cpus.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(cfg.vms[0].vcpu_affinity[0], 0x4);
	assert_int_equal(cfg.vms[0].vcpu_affinity[1], 0x4);
	assert_int_equal(cfg.vms[0].priority, SCHED_PRIO_DEFAULT);
	assert_int_equal(cfg.vms[1].vcpu_affinity[0], 0x9);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[0], 0);      /* the lowest CPU of its mask */
	assert_int_equal(cfg.vms[1].vcpu_affinity[1], 0x2);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[1], 1);
	assert_int_equal(cfg.vms[1].priority, 5);
	assert_false(cfg.vms[1].exclusive);
}

static void test_exclusive(void **state)
{
	parse_good(FIXTURES "cfg-exclusive.dts", NR_PCPUS, IPA_BITS);
	assert_true(cfg.vms[0].exclusive);
	assert_int_equal(cfg.vms[0].priority, 7);
	/* guest-b never runs on 1 or 2; its three vCPUs start spread over 0 and 3. */
	for (unsigned j = 0; j < 3; j++)
		assert_int_equal(cfg.vms[1].vcpu_affinity[j], 0x9);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[0], 0);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[1], 3);
	assert_int_equal(cfg.vms[1].vcpu_pcpu[2], 0);
}

/* ------------------------------------------------------------ bad configs */

struct bad_case {
	const char *fixture;
	int ret;
	const char *msg;	/* the message must contain this */
};

static const struct bad_case bad_cases[] = {
	{ "cfg-bad-root-compat", KE_INVAL, "test.dtb: /: compatible is not \"keel,config\"" },
	{ "cfg-bad-root-prop", KE_INVAL, "test.dtb: /: unknown property \"keel,when-iddle\"; check its spelling" },
	{ "cfg-bad-autostart", KE_INVAL, "test.dtb: /guest-b: autostart \"later\" is neither \"yes\" nor \"no\"" },
	{ "cfg-bad-when-idle", KE_INVAL, "test.dtb: /: keel,when-idle \"sleep\" is neither \"poweroff\" nor \"wait\"" },
	{ "cfg-bad-timestamps", KE_INVAL, "test.dtb: /: keel,console-timestamps takes no value" },
	{ "cfg-bad-cells", KE_INVAL, "test.dtb: /: #address-cells and #size-cells must each be <1> or <2>" },
	{ "cfg-bad-no-vms", KE_NOENT, "test.dtb: /: no VMs; add one node with compatible = \"keel,vm\"" },
	{ "cfg-bad-too-many-vms", KE_NOTSUP, "test.dtb: /: 9 VMs but keel runs at most 8" },
	{ "cfg-bad-vm-compat", KE_INVAL, "test.dtb: /guest-b: not compatible \"keel,vm\"" },
	{ "cfg-bad-unknown-prop", KE_INVAL, "test.dtb: /guest-a: unknown property \"bootarg\"; check its spelling" },
	{ "cfg-bad-subnode", KE_INVAL, "test.dtb: /guest-a: has a subnode \"extra\"" },
	{ "cfg-bad-name-chars", KE_INVAL, "test.dtb: /Guest-C: VM name has 'G'; use only a-z, 0-9, '_' and '-'" },
	{ "cfg-bad-name-unit", KE_INVAL, "test.dtb: /guest-c@1: VM name has '@'" },
	{ "cfg-bad-name-long", KE_INVAL, "VM name has 32 characters; use 1 to 31" },
	{ "cfg-bad-no-memory", KE_NOENT, "test.dtb: /guest-b: no memory property; add memory = <base size>" },
	{ "cfg-bad-memory-len", KE_INVAL, "test.dtb: /guest-b: memory must be <base size> in 2 + 2 cells" },
	{ "cfg-bad-memory-align", KE_INVAL, "memory base 0x80100000 and size 0x200000 must both be 2 MiB aligned" },
	{ "cfg-bad-memory-small", KE_INVAL, "memory size 0x100000 is below 2 MiB" },
	{ "cfg-bad-memory-wrap", KE_RANGE, "memory 0xffffffffffe00000 + 0x400000 wraps past the end" },
	{ "cfg-bad-memory-ipa", KE_RANGE, "memory ends at 0x10040000000, above the 40-bit IPA space" },
	{ "cfg-bad-no-cpus", KE_NOENT, "test.dtb: /guest-b: no cpus property; add cpus = <n>" },
	{ "cfg-bad-cpus-zero", KE_INVAL, "cpus = <0>; a VM has 1 to 8 vCPUs" },
	{ "cfg-bad-cpus-many", KE_INVAL, "cpus = <9>; a VM has 1 to 8 vCPUs" },
	{ "cfg-bad-cpus-len", KE_INVAL, "cpus must be 1 cell, e.g. cpus = <1>; it is 8 bytes" },
	{ "cfg-bad-affinity-len", KE_INVAL, "cpu-affinity gives 1 physical CPU(s) but cpus = <2>; give one physical CPU per vCPU" },
	{ "cfg-bad-affinity-range", KE_RANGE,
	  "test.dtb: /guest-b: cpu-affinity names physical CPU 5 but this machine has 4 (0-3); pin each vCPU to an existing CPU" },
	{ "cfg-bad-exclusive-shared", KE_EXIST,
	  "test.dtb: /guest-b: vCPU 0 may run on physical CPU 2, which /guest-a (keel,exclusive) gives to its vCPU 1 alone" },
	{ "cfg-bad-exclusive-mask", KE_EXIST,
	  "test.dtb: /guest-b: vCPU 0 may run on physical CPU 1, which /guest-a (keel,exclusive) gives to its vCPU 0 alone" },
	{ "cfg-bad-exclusive-self", KE_EXIST,
	  "test.dtb: /guest-a: vCPU 0 may run on physical CPU 1, which /guest-a (keel,exclusive) gives to its vCPU 1 alone" },
	{ "cfg-bad-exclusive-unpinned", KE_INVAL, "test.dtb: /guest-b: keel,exclusive needs cpu-affinity" },
	{ "cfg-bad-no-cpu-left", KE_NOMEM,
	  "test.dtb: /guest-b: no physical CPU left for it: every CPU is given to a keel,exclusive VM" },
	{ "cfg-bad-mask-range", KE_RANGE,
	  "test.dtb: /guest-b: cpu-affinity-mask of vCPU 0 is 0x11 but this machine's CPUs are 0xf" },
	{ "cfg-bad-mask-both", KE_INVAL, "test.dtb: /guest-a: has both cpu-affinity and cpu-affinity-mask" },
	{ "cfg-bad-priority", KE_RANGE, "test.dtb: /guest-b: priority = <8>; use 0 (lowest) to 7" },
	{ "cfg-bad-no-kernel", KE_NOENT, "test.dtb: /guest-a: no kernel property; it is required" },
	{ "cfg-bad-kernel-empty", KE_INVAL, "kernel is empty; give the name of a boot module" },
	{ "cfg-bad-kernel-list", KE_INVAL, "kernel must be a single string" },
	{ "cfg-bad-kernel-long", KE_INVAL, "kernel is longer than 63 characters" },
	{ "cfg-bad-initrd-cells", KE_INVAL, "initrd must be a single string" },
	{ "cfg-bad-format", KE_INVAL, "kernel-format \"elf\" is neither \"linux\" nor \"raw\"" },
	{ "cfg-bad-raw-no-offset", KE_NOENT, "kernel-format = \"raw\" needs load-offset" },
	{ "cfg-bad-linux-offset", KE_INVAL, "load-offset only applies to kernel-format = \"raw\"" },
	{ "cfg-bad-offset-align", KE_INVAL, "load-offset 0x80800 is not 4 KiB aligned" },
	{ "cfg-bad-offset-range", KE_RANGE, "load-offset 0x400000 is outside the VM's RAM (0x400000 bytes)" },
	/* the top 2 MiB hold the device tree: a kernel there would run past RAM (issue 7) */
	{ "cfg-bad-offset-dtb", KE_RANGE,
	  "test.dtb: /guest-b: load-offset 0x200000 is in the top 2 MiB of the VM's RAM (0x200000-0x3fffff), "
	  "which holds its device tree; the kernel must start below 0x200000" },
	{ "cfg-bad-offset-last", KE_RANGE, "load-offset 0x3ff000 is in the top 2 MiB of the VM's RAM" },
	{ "cfg-bad-uart-align", KE_INVAL, "uart 0x1c090800 is not 4 KiB aligned" },
	{ "cfg-bad-uart-ram", KE_RANGE,
	  "test.dtb: /guest-b: uart 0x9000000-0x9000fff overlaps the VM's RAM 0x8000000-0x9ffffff; move it outside RAM" },
	{ "cfg-bad-uart-ipa", KE_RANGE, "uart 0x10000000000 is above the 40-bit IPA space" },
	{ "cfg-bad-gic-ram", KE_RANGE,
	  "test.dtb: /guest-a: memory 0x8000000-0x81fffff overlaps the virtual GIC (distributor "
	  "0x8000000-0x800ffff, redistributors 0x80a0000-0x80dffff); move it" },
	{ "cfg-bad-gic-uart", KE_RANGE, "test.dtb: /guest-b: uart 0x8001000-0x8001fff overlaps the virtual GIC" },
	{ "cfg-bad-testdev-uart", KE_RANGE, "test-device 0x9000000 overlaps uart 0x9000000" },
	{ "cfg-bad-testdev-len", KE_INVAL, "test-device must be 2 cells (#address-cells of /); it is 4 bytes" },
	{ "cfg-bad-bootargs-long", KE_INVAL, "bootargs is longer than 511 characters" },
	/* several memory regions */
	{ "cfg-bad-regions-many", KE_NOTSUP,
	  "test.dtb: /guest-b: memory has 9 regions but a VM has at most 8; merge adjacent regions" },
	{ "cfg-bad-regions-overlap", KE_RANGE,
	  "test.dtb: /guest-b: memory region 1 0x80200000-0x805fffff overlaps memory region 0 "
	  "0x80000000-0x803fffff; give each region its own IPA range" },
	{ "cfg-bad-regions-len", KE_INVAL,
	  "test.dtb: /guest-b: memory must be <base size> in 2 + 2 cells (#address-cells, #size-cells "
	  "of /), one pair per region; it is 24 bytes" },
	{ "cfg-bad-regions-align", KE_INVAL,
	  "test.dtb: /guest-b: memory region 1 base 0x90001000 and size 0x200000 must both be 2 MiB aligned" },
	{ "cfg-bad-regions-small", KE_INVAL, "memory region 1 size 0x1000 is below 2 MiB" },
	{ "cfg-bad-regions-ipa", KE_RANGE, "memory region 1 ends at 0x10000200000, above the 40-bit IPA space" },
	{ "cfg-bad-regions-wrap", KE_RANGE, "memory region 1 0xffffffffffe00000 + 0x400000 wraps" },
	{ "cfg-bad-regions-gic", KE_RANGE,
	  "test.dtb: /guest-b: memory region 1 0x8000000-0x81fffff overlaps the virtual GIC" },
	{ "cfg-bad-regions-uart", KE_RANGE,
	  "test.dtb: /guest-b: uart 0x1c090000-0x1c090fff overlaps the VM's RAM 0x1c000000-0x1c1fffff" },
	{ "cfg-bad-regions-testdev", KE_RANGE,
	  "test.dtb: /guest-a: test-device 0xa000000-0xa000fff overlaps the VM's RAM 0xa000000-0xa1fffff" },
	{ "cfg-bad-phys-index", KE_RANGE,
	  "test.dtb: /guest-b: memory-phys names region 1 but memory has 1 region(s), 0-0" },
	{ "cfg-bad-phys-twice", KE_INVAL, "test.dtb: /guest-b: memory-phys names region 1 twice" },
	{ "cfg-bad-phys-len", KE_INVAL, "test.dtb: /guest-b: memory-phys must be a list of region indexes" },
	{ "cfg-bad-phys-shared", KE_EXIST,
	  "test.dtb: /guest-b: phys memory region 0 at PA 0x80000000-0x803fffff overlaps phys memory "
	  "region 1 of /guest-a; physical memory has one owner" },
};

static void test_bad_configs(void **state)
{
	char path[256];
	int r;

	for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *b = &bad_cases[i];

		snprintf(path, sizeof(path), FIXTURES "%s.dts", b->fixture);
		r = parse_path(path, NR_PCPUS, IPA_BITS);
		if (r != b->ret || !strstr(err, b->msg) || strncmp(err, "test.dtb: /", 11))
			fail_msg("%s: got %d \"%s\", want %d \"...%s...\"", b->fixture, r, err,
				 b->ret, b->msg);
		assert_int_equal(cfg.nr_vms, 0);
	}
}

/* Several regions: ram[0] is the boot region (ram_base/ram_size), the rest in order. */
static void test_regions(void **state)
{
	const struct vm_config *a = &cfg.vms[0], *b = &cfg.vms[1];

	parse_good(FIXTURES "cfg-regions.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(a->nr_ram, 3);
	assert_int_equal(a->ram_base, 0x40000000);
	assert_int_equal(a->ram_size, 0x04000000);
	assert_int_equal(a->ram[0].ipa, 0x40000000);
	assert_int_equal(a->ram[0].size, 0x04000000);
	assert_false(a->ram[0].phys);
	assert_int_equal(a->ram[1].ipa, 0x100000000ULL);
	assert_int_equal(a->ram[1].size, 0x200000);
	assert_false(a->ram[1].phys);
	assert_int_equal(a->ram[2].ipa, 0x48000000);
	assert_int_equal(a->ram[2].size, 0x01000000);
	assert_true(a->ram[2].phys);
	assert_int_equal(b->nr_ram, 1);
	assert_true(b->ram[0].phys);
	assert_int_equal(b->ram[0].ipa, b->ram_base);

	/* the one-pair form is one region, not phys */
	parse_good(FIXTURES "cfg-good.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(cfg.vms[1].nr_ram, 1);
	assert_int_equal(cfg.vms[1].ram[0].ipa, 0x80000000);
	assert_int_equal(cfg.vms[1].ram[0].size, 0x400000);
	assert_false(cfg.vms[1].ram[0].phys);

	parse_good(FIXTURES "cfg-regions-max.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(cfg.vms[1].nr_ram, CONFIG_MAX_RAM);
	assert_int_equal(cfg.vms[1].ram[7].ipa, 0x90c00000);
	/* the same IPA in two VMs is no conflict unless both are phys */
	parse_good(FIXTURES "cfg-regions-phys-disjoint.dts", NR_PCPUS, IPA_BITS);
	assert_true(cfg.vms[0].ram[1].phys);
}

/* The last page below the device tree region is a valid load-offset. */
static void test_offset_edge(void **state)
{
	parse_good(FIXTURES "cfg-offset-edge.dts", NR_PCPUS, IPA_BITS);
	assert_int_equal(cfg.vms[1].load_offset, 0x1ff000);
}

/* A blob with two VM nodes of one name (dtc refuses to write one; libfdt's
 * sequential-write API does not check). */
static void *dup_blob(const char *second)
{
	static const char *const names[2] = { "alpha", NULL };
	size_t size = 4096;
	void *fdt = calloc(1, size);
	uint32_t mem[4] = { 0, cpu_to_fdt32(0x40000000), 0, cpu_to_fdt32(0x04000000) };

	assert_non_null(fdt);
	assert_int_equal(fdt_create(fdt, (int)size), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_string(fdt, "compatible", "keel,config"), 0);
	assert_int_equal(fdt_property_u32(fdt, "#address-cells", 2), 0);
	assert_int_equal(fdt_property_u32(fdt, "#size-cells", 2), 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(fdt_begin_node(fdt, i ? second : names[0]), 0);
		assert_int_equal(fdt_property_string(fdt, "compatible", "keel,vm"), 0);
		assert_int_equal(fdt_property(fdt, "memory", mem, sizeof(mem)), 0);
		assert_int_equal(fdt_property_u32(fdt, "cpus", 1), 0);
		assert_int_equal(fdt_property_string(fdt, "kernel", "k.bin"), 0);
		assert_int_equal(fdt_end_node(fdt), 0);
	}
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt;
}

static void test_duplicate_names(void **state)
{
	void *fdt = dup_blob("alpha");

	assert_int_equal(config_parse(fdt, fdt_totalsize(fdt), "dup.dtb", NR_PCPUS, IPA_BITS, &cfg,
				      err, sizeof(err)), KE_EXIST);
	assert_string_equal(err, "dup.dtb: /alpha: VM node 2 has the same name as VM node 1 (/alpha); "
			    "their console lines could not be told apart, so give each VM its own name");
	assert_int_equal(cfg.nr_vms, 0);
	free(fdt);
	/* the same blob with distinct names is fine */
	fdt = dup_blob("beta");
	assert_int_equal(config_parse(fdt, fdt_totalsize(fdt), "dup.dtb", NR_PCPUS, IPA_BITS, &cfg,
				      err, sizeof(err)), 0);
	assert_int_equal(cfg.nr_vms, 2);
	free(fdt);
}

static void test_bad_blob(void **state)
{
	static uint64_t junk[16] = { 0x1234 };
	char *misaligned;
	size_t size;
	void *fdt;

	assert_int_equal(config_parse(junk, sizeof(junk), "x.dtb", 4, 40, &cfg, err, sizeof(err)),
			 KE_INVAL);
	assert_non_null(strstr(err, "x.dtb: not a valid device tree blob (libfdt: "));
	assert_int_equal(config_parse(junk, 8, "x.dtb", 4, 40, &cfg, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "x.dtb: 8 bytes is too small for a device tree blob"));
	assert_int_equal(config_parse(NULL, 0, NULL, 4, 40, &cfg, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "config: 0 bytes"));

	/* a module shorter than the blob's header says: truncated */
	fdt = dt_fixture_compile("configs/default.dts", &size);
	/* libfdt wants 8-byte aligned blobs */
	misaligned = malloc(size + 4);
	assert_non_null(misaligned);
	memcpy(misaligned + 4, fdt, size);
	assert_int_equal(config_parse(misaligned + 4, size, "m.dtb", 4, 40, &cfg, err, sizeof(err)),
			 KE_INVAL);
	assert_non_null(strstr(err, "m.dtb: not a valid device tree blob (libfdt: blob not 8-byte aligned"));
	free(misaligned);
	assert_int_equal(config_parse(fdt, size - 1, "t.dtb", 4, 40, &cfg, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "t.dtb: the header says"));
	assert_non_null(strstr(err, "it was truncated"));
	/* errlen 0 writes nothing, a short buffer is truncated */
	assert_int_equal(config_parse(fdt, size - 1, "t.dtb", 4, 40, &cfg, NULL, 0), KE_INVAL);
	assert_int_equal(config_parse(fdt, size - 1, "t.dtb", 4, 40, &cfg, err, 4), KE_INVAL);
	assert_string_equal(err, "t.d");
	/* no physical CPU at all */
	assert_int_equal(config_parse(fdt, size, "t.dtb", 0, 40, &cfg, err, sizeof(err)), KE_NOMEM);
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_config),
		cmocka_unit_test(test_every_property),
		cmocka_unit_test(test_autostart),
		cmocka_unit_test(test_one_cell),
		cmocka_unit_test(test_auto_affinity),
		cmocka_unit_test(test_shared_cpus),
		cmocka_unit_test(test_exclusive),
		cmocka_unit_test(test_max_vms),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_offset_edge),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_duplicate_names),
		cmocka_unit_test(test_bad_blob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
