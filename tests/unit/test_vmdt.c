// deps: src/core/vmdt.c src/core/vmdt_shm.c src/core/vmdt_passthrough.c src/platform/platform.c tests/unit/dt_fixture.c
/*
 * vmdt_build: the generated tree is re-read with libfdt and every property checked; it
 * must also pass platform_parse and vmdt_check_given. vmdt_check_given: fixtures
 * tests/unit/configs/vmdt-given-*.dts, compiled here with dtc through popen (run from
 * the top of the tree, as `make unit` does).
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

#include <libfdt.h>
#include <keel/platform.h>
#include <keel/vmdt.h>

#define FIXTURES "tests/unit/configs/"
#define BUF_SIZE 0x4000

static uint64_t buf[BUF_SIZE / 8];
static char err[256];

/* ------------------------------------------------------------ helpers */

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0)
		fail_msg("no node %s", path);
	return off;
}

static void expect_absent(const void *fdt, const char *path, const char *prop)
{
	if (fdt_getprop(fdt, node(fdt, path), prop, NULL))
		fail_msg("%s: unexpected property %s", path, prop);
}

static void expect_bytes(const void *fdt, const char *path, const char *prop, const void *val,
			 int len)
{
	int got;
	const void *v = fdt_getprop(fdt, node(fdt, path), prop, &got);

	if (!v)
		fail_msg("%s: no property %s", path, prop);
	if (got != len || memcmp(v, val, (size_t)len))
		fail_msg("%s: %s differs (%d bytes, want %d)", path, prop, got, len);
}

static void expect_str(const void *fdt, const char *path, const char *prop, const char *s)
{
	expect_bytes(fdt, path, prop, s, (int)strlen(s) + 1);
}

/* The property is exactly these n cells. */
static void expect_cells(const void *fdt, const char *path, const char *prop, unsigned n, ...)
{
	fdt32_t cells[32];
	va_list ap;

	assert_true(n <= 32);
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
	va_end(ap);
	expect_bytes(fdt, path, prop, cells, (int)(n * sizeof(fdt32_t)));
}

static void expect_u64(const void *fdt, const char *path, const char *prop, uint64_t v)
{
	fdt64_t be = cpu_to_fdt64(v);

	expect_bytes(fdt, path, prop, &be, sizeof(be));
}

static uint32_t prop_u32(const void *fdt, const char *path, const char *prop)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node(fdt, path), prop, &len);

	assert_non_null(v);
	assert_int_equal(len, 4);
	return fdt32_to_cpu(*v);
}

/* A VM like guest-a of the config fixtures, with everything configured. */
static struct vm_config vm_full(void)
{
	struct vm_config vm = {
		.id = 0, .name = "guest-a", .ram_base = 0x40000000, .ram_size = 0x04000000,
		.nr_ram = 1, .ram = { { 0x40000000, 0x04000000, false } },
		.nr_vcpus = 2, .vcpu_pcpu = { 1, 2 }, .kernel = "tests.bin",
		.kernel_format = KERNEL_FORMAT_LINUX, .initrd = "initramfs.cpio.gz",
		.bootargs = "console=ttyAMA0 earlycon", .uart_base = 0x09000000,
		.has_testdev = true, .testdev_base = 0x0a000000,
	};
	return vm;
}

static struct vmdt_params params_full(const struct vm_config *vm)
{
	struct vmdt_params p = {
		.vm = vm, .initrd_ipa = 0x44000000, .initrd_size = 0x123456,
		.vcpu_mpidr = { 0x80000000, 0x80000001 },
		.has_gic = true, .gicd_ipa = 0x08000000, .gicr_ipa = 0x080a0000,
		.gic_maint_intid = 25, .timer_intid = { 29, 30, 27, 26 },
		.pmu_intid = 23,
	};
	return p;
}

static void build_ok(const struct vmdt_params *p)
{
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(vmdt_build(p, buf, sizeof(buf)), 0);
	assert_int_equal(fdt_check_full(buf, sizeof(buf)), 0);
	assert_true(fdt_totalsize(buf) <= sizeof(buf));
}

/* ------------------------------------------------------------ vmdt_build */

static void test_build_full(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);
	uint32_t clk, gic;
	int uart;

	build_ok(&p);

	clk = prop_u32(buf, "/apb-pclk", "phandle");
	gic = prop_u32(buf, "/intc@8000000", "phandle");
	assert_int_not_equal(clk, gic);
	assert_int_equal(fdt_node_offset_by_phandle(buf, clk), node(buf, "/apb-pclk"));
	assert_int_equal(fdt_node_offset_by_phandle(buf, gic), node(buf, "/intc@8000000"));

	expect_cells(buf, "/", "#address-cells", 1, 2);
	expect_cells(buf, "/", "#size-cells", 1, 2);
	expect_str(buf, "/", "compatible", "keel,vm");
	expect_str(buf, "/", "model", "keel VM guest-a");
	expect_cells(buf, "/", "interrupt-parent", 1, gic);

	expect_str(buf, "/chosen", "bootargs", "console=ttyAMA0 earlycon");
	expect_str(buf, "/chosen", "stdout-path", "/pl011@9000000");
	expect_u64(buf, "/chosen", "linux,initrd-start", 0x44000000);
	expect_u64(buf, "/chosen", "linux,initrd-end", 0x44123456);

	expect_str(buf, "/memory@40000000", "device_type", "memory");
	expect_cells(buf, "/memory@40000000", "reg", 4, 0, 0x40000000, 0, 0x04000000);

	expect_cells(buf, "/cpus", "#address-cells", 1, 1);
	expect_cells(buf, "/cpus", "#size-cells", 1, 0);
	for (unsigned i = 0; i < 2; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		expect_str(buf, path, "device_type", "cpu");
		expect_str(buf, path, "compatible", "arm,armv8");
		expect_cells(buf, path, "reg", 1, i);	/* affinity only: bit 31 dropped */
		expect_str(buf, path, "enable-method", "psci");
	}
	assert_true(fdt_path_offset(buf, "/cpus/cpu@2") < 0);

	expect_bytes(buf, "/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2",
		     sizeof("arm,psci-1.0\0arm,psci-0.2"));
	expect_str(buf, "/psci", "method", "hvc");

	expect_str(buf, "/apb-pclk", "compatible", "fixed-clock");
	expect_cells(buf, "/apb-pclk", "#clock-cells", 1, 0);
	expect_cells(buf, "/apb-pclk", "clock-frequency", 1, 24000000);

	expect_bytes(buf, "/pl011@9000000", "compatible", "arm,pl011\0arm,primecell",
		     sizeof("arm,pl011\0arm,primecell"));
	expect_cells(buf, "/pl011@9000000", "reg", 4, 0, 0x09000000, 0, 0x1000);
	expect_cells(buf, "/pl011@9000000", "clocks", 2, clk, clk);
	expect_bytes(buf, "/pl011@9000000", "clock-names", "uartclk\0apb_pclk",
		     sizeof("uartclk\0apb_pclk"));
	expect_cells(buf, "/pl011@9000000", "interrupts", 3, 0, 1, 4);
	assert_int_equal(platform_dt_stdout(buf, &uart), 0);
	assert_int_equal(uart, node(buf, "/pl011@9000000"));

	expect_str(buf, "/test-device@a000000", "compatible", "keel,test-device");
	expect_cells(buf, "/test-device@a000000", "reg", 4, 0, 0x0a000000, 0, 0x1000);

	expect_str(buf, "/intc@8000000", "compatible", "arm,gic-v3");
	expect_cells(buf, "/intc@8000000", "#interrupt-cells", 1, 3);
	expect_cells(buf, "/intc@8000000", "#address-cells", 1, 0);
	expect_bytes(buf, "/intc@8000000", "interrupt-controller", "", 0);
	expect_cells(buf, "/intc@8000000", "#redistributor-regions", 1, 1);
	expect_cells(buf, "/intc@8000000", "reg", 8, 0, 0x08000000, 0, 0x10000,
		     0, 0x080a0000, 0, 2 * 0x20000);
	expect_cells(buf, "/intc@8000000", "interrupts", 3, 1, 9, 4);

	expect_str(buf, "/timer", "compatible", "arm,armv8-timer");
	expect_cells(buf, "/timer", "interrupts", 12, 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4);

	expect_str(buf, "/pmu", "compatible", "arm,armv8-pmuv3");
	expect_cells(buf, "/pmu", "interrupts", 3, 1, 7, 4);
}

/* What keel reads from a board it also reads back from the tree it generates. */
static void test_build_reparse(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);
	struct platform plat;

	build_ok(&p);
	assert_int_equal(platform_parse(buf, &plat, err, sizeof(err)), 0);
	assert_int_equal(plat.nr_cpus, 2);
	assert_int_equal(plat.cpu_mpidr[1], 1);
	assert_int_equal(plat.nr_mem, 1);
	assert_int_equal(plat.mem[0].base, 0x40000000);
	assert_int_equal(plat.mem[0].size, 0x04000000);
	assert_int_equal(plat.uart_base, 0x09000000);
	assert_int_equal(plat.gicd_base, 0x08000000);
	assert_int_equal(plat.gicr_base, 0x080a0000);
	assert_int_equal(plat.gicr_size, 0x40000);
	assert_int_equal(plat.gic_maint_intid, 25);
	assert_memory_equal(plat.timer_intid, p.timer_intid, sizeof(p.timer_intid));
	assert_int_equal(plat.pmu_intid, 23);
	assert_int_equal(plat.psci_conduit, PSCI_CONDUIT_HVC);

	assert_int_equal(vmdt_check_given(buf, sizeof(buf), &vm, err, sizeof(err)), 0);
}

static void test_build_minimal(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = { .vm = &vm, .vcpu_mpidr = { 0 } };

	vm.nr_vcpus = 1;
	vm.bootargs[0] = '\0';
	vm.initrd[0] = '\0';
	vm.has_testdev = false;
	vm.uart_base = 0x1c090000;
	build_ok(&p);

	expect_absent(buf, "/", "interrupt-parent");
	expect_absent(buf, "/chosen", "bootargs");
	expect_absent(buf, "/chosen", "linux,initrd-start");
	expect_absent(buf, "/chosen", "linux,initrd-end");
	expect_str(buf, "/chosen", "stdout-path", "/pl011@1c090000");
	expect_absent(buf, "/pl011@1c090000", "interrupts");
	expect_cells(buf, "/cpus/cpu@0", "reg", 1, 0);
	assert_true(fdt_path_offset(buf, "/cpus/cpu@1") < 0);
	assert_true(fdt_path_offset(buf, "/test-device@a000000") < 0);
	assert_true(fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3") < 0);
	assert_true(fdt_node_offset_by_compatible(buf, -1, "arm,armv8-timer") < 0);
	assert_true(fdt_node_offset_by_compatible(buf, -1, "arm,armv8-pmuv3") < 0);
	expect_str(buf, "/psci", "method", "hvc");
}

/* Affinity fields go in reg; a non-zero Aff3 needs two cells. */
static void test_build_affinity(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);

	p.vcpu_mpidr[0] = 0x0;
	p.vcpu_mpidr[1] = 0x80010100;
	p.gic_maint_intid = 0;
	build_ok(&p);
	expect_cells(buf, "/cpus", "#address-cells", 1, 1);
	expect_cells(buf, "/cpus/cpu@0", "reg", 1, 0);
	expect_cells(buf, "/cpus/cpu@10100", "reg", 1, 0x10100);
	expect_absent(buf, "/intc@8000000", "interrupts");

	p.vcpu_mpidr[1] = 0x2000000003;
	build_ok(&p);
	expect_cells(buf, "/cpus", "#address-cells", 1, 2);
	expect_cells(buf, "/cpus/cpu@0", "reg", 2, 0, 0);
	expect_cells(buf, "/cpus/cpu@2000000003", "reg", 2, 0x20, 3);
}

static void test_build_invalid(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);

	p.timer_intid[2] = 40;	/* an SPI */
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), KE_INVAL);
	p = params_full(&vm);
	p.gic_maint_intid = 15;	/* an SGI */
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), KE_INVAL);
	p = params_full(&vm);
	p.pmu_intid = 39;	/* an SPI: the PMU is per CPU */
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), KE_INVAL);
	p = params_full(&vm);
	vm.nr_vcpus = 0;
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), KE_INVAL);
	vm.nr_vcpus = KEEL_MAX_VCPUS + 1;
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), KE_INVAL);
	vm.nr_vcpus = KEEL_MAX_VCPUS;
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), 0);
	assert_int_equal(vmdt_build(NULL, buf, sizeof(buf)), KE_INVAL);
}

/* Every size below what the tree needs gives KE_NOMEM; the exact size works. */
static void test_build_nomem(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);
	uint32_t need;
	void *small;

	build_ok(&p);
	need = fdt_totalsize(buf);
	for (uint32_t size = 0; size < need; size++) {
		small = malloc(size ? size : 1);
		assert_non_null(small);
		if (vmdt_build(&p, small, size) != KE_NOMEM)
			fail_msg("size %u of %u: not KE_NOMEM", size, need);
		free(small);
	}
	small = malloc(need);
	assert_non_null(small);
	assert_int_equal(vmdt_build(&p, small, need), 0);
	assert_int_equal(fdt_check_full(small, need), 0);
	free(small);
}

/* ------------------------------------------------------------ vmdt_check_given */

struct given_case {
	const char *fixture;
	int ret;
	const char *msg;	/* "" for a tree that must be accepted */
};

static const struct given_case given_cases[] = {
	{ "vmdt-given-good", 0, "" },
	{ "vmdt-given-one-cpu", 0, "" },
	{ "vmdt-given-good-gic", 0, "" },
	{ "vmdt-given-bad-gic", KE_RANGE, "the GICv3 is not where keel emulates it (distributor 0x8000000, redistributors 0x80a0000)" },
	{ "vmdt-given-bad-memory", KE_RANGE,
	  "vm.dtb: /memory@40000000: RAM 0x44000000+0x1000 is outside the VM's memory 0x40000000+0x4000000" },
	{ "vmdt-given-bad-memory-below", KE_RANGE, "RAM 0x3fe00000+0x400000 is outside" },
	{ "vmdt-given-no-memory", KE_NOENT, "vm.dtb: no memory node" },
	{ "vmdt-given-bad-cpus", KE_RANGE, "vm.dtb: /cpus: 3 CPU nodes but the VM has 2 vCPU(s)" },
	{ "vmdt-given-no-cpus", KE_NOENT, "vm.dtb: no /cpus node" },
	{ "vmdt-given-bad-uart", KE_RANGE,
	  "vm.dtb: /pl011@9000000: the console PL011 is not at 0x9000000" },
	{ "vmdt-given-bad-stdout", KE_INVAL, "vm.dtb: /chosen: stdout-path names no node" },
};

static void test_check_given(void **state)
{
	struct vm_config vm = vm_full();
	char path[256];
	size_t size;
	void *fdt;
	int r;

	snprintf(vm.dtb, sizeof(vm.dtb), "vm.dtb");
	for (unsigned i = 0; i < ARRAY_SIZE(given_cases); i++) {
		const struct given_case *g = &given_cases[i];

		snprintf(path, sizeof(path), FIXTURES "%s.dts", g->fixture);
		fdt = dt_fixture_compile(path, &size);
		memset(err, 0, sizeof(err));
		r = vmdt_check_given(fdt, size, &vm, err, sizeof(err));
		free(fdt);
		if (r != g->ret || !strstr(err, g->msg) || (!g->ret && err[0]))
			fail_msg("%s: got %d \"%s\", want %d \"...%s...\"", g->fixture, r, err,
				 g->ret, g->msg);
	}
}

static void test_check_given_blob(void **state)
{
	static uint64_t junk[16] = { 0x1234 };
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);

	/* no dtb name in the config (vmdt_check_given called on a generated tree) */
	assert_int_equal(vmdt_check_given(junk, sizeof(junk), &vm, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "dtb: not a valid device tree blob"));
	assert_int_equal(vmdt_check_given(junk, 4, &vm, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "4 bytes is too small"));
	build_ok(&p);
	assert_int_equal(vmdt_check_given(buf, fdt_totalsize(buf) - 1, &vm, err, sizeof(err)),
			 KE_INVAL);
	assert_non_null(strstr(err, "it was truncated"));
	assert_int_equal(vmdt_check_given(buf, fdt_totalsize(buf), &vm, NULL, 0), 0);
	/* a tree made for a bigger VM does not fit a smaller one */
	vm.ram[0].size = 0x02000000;
	assert_int_equal(vmdt_check_given(buf, sizeof(buf), &vm, err, sizeof(err)), KE_RANGE);
	vm.ram[0].size = 0x04000000;
	vm.nr_vcpus = 1;
	assert_int_equal(vmdt_check_given(buf, sizeof(buf), &vm, err, sizeof(err)), KE_RANGE);
}

/* One memory node per region, the boot region first; a given tree may use any region. */
static void test_build_regions(void **state)
{
	struct vm_config vm = vm_full();
	struct vmdt_params p = params_full(&vm);
	static const char *const order[] = { "memory@40000000", "memory@100000000", "memory@48000000" };
	unsigned n = 0;
	int off;

	vm.nr_ram = 3;
	vm.ram[1] = (struct config_ram){ 0x100000000ULL, 0x200000, false };
	vm.ram[2] = (struct config_ram){ 0x48000000, 0x01000000, true };
	build_ok(&p);
	expect_cells(buf, "/memory@40000000", "reg", 4, 0, 0x40000000, 0, 0x04000000);
	expect_str(buf, "/memory@100000000", "device_type", "memory");
	expect_cells(buf, "/memory@100000000", "reg", 4, 1, 0, 0, 0x200000);
	expect_str(buf, "/memory@48000000", "device_type", "memory");
	expect_cells(buf, "/memory@48000000", "reg", 4, 0, 0x48000000, 0, 0x01000000);
	fdt_for_each_subnode(off, buf, 0) {
		const char *name = fdt_get_name(buf, off, NULL);

		if (!strncmp(name, "memory", 6)) {
			assert_true(n < ARRAY_SIZE(order));
			assert_string_equal(name, order[n++]);
		}
	}
	assert_int_equal(n, 3);
	/* the tree just built, given back: every range lies in some region */
	assert_int_equal(vmdt_check_given(buf, sizeof(buf), &vm, err, sizeof(err)), 0);
	/* without region 2, its node is outside the VM's memory */
	vm.nr_ram = 2;
	assert_int_equal(vmdt_check_given(buf, sizeof(buf), &vm, err, sizeof(err)), KE_RANGE);
	assert_non_null(strstr(err, "/memory@48000000: RAM 0x48000000+0x1000000 is outside the VM's "
			       "memory 0x40000000+0x4000000 and its other regions"));
	/* a range straddling two adjacent regions is in neither wholly: refused */
	vm.nr_ram = 3;
	vm.ram[0].size = 0x02000000;
	vm.ram[2] = (struct config_ram){ 0x42000000, 0x02000000, false };
	assert_int_equal(vmdt_check_given(buf, sizeof(buf), &vm, err, sizeof(err)), KE_RANGE);
	assert_non_null(strstr(err, "/memory@40000000: RAM 0x40000000+0x4000000 is outside"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_full),
		cmocka_unit_test(test_build_regions),
		cmocka_unit_test(test_build_reparse),
		cmocka_unit_test(test_build_minimal),
		cmocka_unit_test(test_build_affinity),
		cmocka_unit_test(test_build_invalid),
		cmocka_unit_test(test_build_nomem),
		cmocka_unit_test(test_check_given),
		cmocka_unit_test(test_check_given_blob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
