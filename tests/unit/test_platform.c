// deps: src/platform/platform.c tests/unit/dt_fixture.c
/*
 * platform_parse on QEMU virt's own device tree (build/qemu-virt.dtb, made by
 * `make build/qemu-virt.dtb`, a prerequisite of `make unit`) and on hand-written
 * fixtures in tests/unit/configs/boot-*.dts, compiled here with dtc through popen.
 * Run from the top of the tree (as `make unit` does).
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

#include <keel/platform.h>

#define FIXTURES "tests/unit/configs/"
#define QEMU_DTB "build/qemu-virt.dtb"

static char err[256];

/* Parse a fixture that must be accepted. */
static void parse_fixture(const char *name, struct platform *p)
{
	char path[256];
	size_t size;
	void *fdt;
	int r;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	fdt = dt_fixture_compile(path, &size);
	r = platform_parse(fdt, p, err, sizeof(err));
	free(fdt);
	if (r)
		fail_msg("%s: %d: %s", name, r, err);
}

/* ------------------------------------------------------------ QEMU virt */

static void test_qemu_virt(void **state)
{
	struct platform p;
	size_t size;
	void *fdt = dt_fixture_load(QEMU_DTB, &size);

	assert_int_equal(platform_parse(fdt, &p, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(p.nr_cpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(p.cpu_mpidr[i], i);
	assert_int_equal(p.nr_mem, 1);
	assert_int_equal(p.mem[0].base, 0x40000000);
	assert_int_equal(p.mem[0].size, 2 * SZ_1G);
	assert_int_equal(p.uart_base, 0x09000000);
	assert_int_equal(p.uart_size, 0x1000);
	assert_int_equal(p.uart_intid, 33); /* QEMU virt: SPI 1 */
	assert_int_equal(p.gicd_base, 0x08000000);
	assert_int_equal(p.gicd_size, 0x10000);
	assert_int_equal(p.gicr_base, 0x080a0000);
	assert_int_equal(p.gicr_size, 0xf60000);
	assert_int_equal(p.gic_maint_intid, 25);
	assert_int_equal(p.timer_intid[0], 29);
	assert_int_equal(p.timer_intid[1], 30);
	assert_int_equal(p.timer_intid[2], 27);
	assert_int_equal(p.timer_intid[3], 26);
	assert_int_equal(p.pmu_intid, 23);  /* QEMU virt: PPI 7 */
	assert_int_equal(p.psci_conduit, PSCI_CONDUIT_SMC);
	assert_int_equal(p.nr_modules, 0);
	assert_null(platform_config_module(&p));
	assert_null(platform_find_module(&p, "tests.bin"));
	/* MPIDR_EL1 bit 31 (RES1) and U/MT are not affinity. */
	assert_int_equal(platform_cpu_index(&p, 0x80000002), 2);
	assert_int_equal(platform_cpu_index(&p, 0x3), 3);
	assert_int_equal(platform_cpu_index(&p, 0x4), -1);
	assert_int_equal(platform_cpu_index(&p, 0x100), -1);
	free(fdt);
}

/* ------------------------------------------------------------ fixtures */

static void test_base_board(void **state)
{
	struct platform p;

	parse_fixture("boot-modules.dts", &p);
	assert_int_equal(p.nr_cpus, 2);
	assert_int_equal(p.psci_conduit, PSCI_CONDUIT_HVC);
	assert_int_equal(p.gic_maint_intid, 25);
	assert_int_equal(p.nr_reserved, 0);
	assert_int_equal(p.pmu_intid, 0);   /* no arm,armv8-pmuv3 node: no PMU interrupt */
}

static void test_modules(void **state)
{
	const struct boot_module *m;
	struct platform p;

	parse_fixture("boot-modules.dts", &p);
	assert_int_equal(p.nr_modules, 3);

	m = platform_find_module(&p, "tests.bin");
	assert_ptr_equal(m, &p.modules[0]);
	assert_int_equal(m->base, 0x48000000);
	assert_int_equal(m->size, 0x1f000);
	assert_false(m->is_config);

	m = platform_config_module(&p);
	assert_non_null(m);
	assert_string_equal(m->name, "default.dtb");
	assert_int_equal(m->base, 0x48200000);
	assert_int_equal(m->size, 0x800);
	assert_ptr_equal(platform_find_module(&p, "default.dtb"), m);

	m = platform_find_module(&p, "initramfs.cpio.gz");
	assert_non_null(m);
	assert_int_equal(m->base, 0x148400000);
	assert_int_equal(m->size, 0x123456);
	assert_false(m->is_config);

	assert_null(platform_find_module(&p, "tests"));
	assert_null(platform_find_module(&p, "not-a-module"));
}

static void test_alias_and_cells(void **state)
{
	const struct boot_module *m;
	struct platform p;

	parse_fixture("boot-alias.dts", &p);
	/* serial0:115200n8 -> /soc/serial@1c090000, read with /soc's 1/1 cells */
	assert_int_equal(p.uart_base, 0x1c090000);
	assert_int_equal(p.uart_size, 0x2000);
	/* /cpus with #address-cells = <2>: Aff3 comes from the high cell */
	assert_int_equal(p.nr_cpus, 4);
	assert_int_equal(p.cpu_mpidr[0], 0x0);
	assert_int_equal(p.cpu_mpidr[1], 0x100);
	assert_int_equal(p.cpu_mpidr[2], 0x10000);
	assert_int_equal(p.cpu_mpidr[3], 0x100000000);
	assert_int_equal(platform_cpu_index(&p, 0x100000000 | BIT(31)), 3);
	assert_int_equal(platform_cpu_index(&p, 0x10100), -1);
	/* /chosen without cell properties: defaults 2/1 */
	m = platform_config_module(&p);
	assert_non_null(m);
	assert_string_equal(m->name, "cfg.dtb");
	assert_int_equal(m->base, 0x48000000);
	assert_int_equal(m->size, 0x4000);
}

static void test_reserved(void **state)
{
	static const struct mem_range mem[] = {
		{ 0x40000000, 0x20000000 }, { 0x70000000, 0x10000000 }, { 0x100000000, 0x80000000 },
	};
	static const struct mem_range rsv[] = {
		{ 0x40000000, 0x10000 }, { 0x41000000, 0x2000 }, { 0x48000000, 0x100000 },
		{ 0x4a000000, 0x1000 }, { 0x4b000000, 0x2000 },
	};
	struct platform p;

	parse_fixture("boot-reserved.dts", &p);
	assert_int_equal(p.nr_mem, ARRAY_SIZE(mem));
	for (unsigned i = 0; i < ARRAY_SIZE(mem); i++) {
		assert_int_equal(p.mem[i].base, mem[i].base);
		assert_int_equal(p.mem[i].size, mem[i].size);
	}
	assert_int_equal(p.nr_reserved, ARRAY_SIZE(rsv));
	for (unsigned i = 0; i < ARRAY_SIZE(rsv); i++) {
		assert_int_equal(p.reserved[i].base, rsv[i].base);
		assert_int_equal(p.reserved[i].size, rsv[i].size);
	}
	assert_int_equal(p.psci_conduit, PSCI_CONDUIT_NONE);
}

static void test_max_cpus(void **state)
{
	struct platform p;

	parse_fixture("boot-max-cpus.dts", &p);
	assert_int_equal(p.nr_cpus, PLATFORM_MAX_CPUS);
	assert_int_equal(p.cpu_mpidr[15], 15);
}

/* ------------------------------------------------------------ errors */

struct bad_case {
	const char *fixture;
	int ret;
	const char *msg;	/* must appear in the message */
};

static const struct bad_case bad_cases[] = {
	{ "boot-err-no-stdout.dts", KE_NOENT,
	  "boot device tree: /chosen: no stdout-path; keel needs a PL011 console named by /chosen/stdout-path" },
	{ "boot-err-no-chosen.dts", KE_NOENT, "boot device tree: no /chosen node" },
	{ "boot-err-stdout-missing.dts", KE_INVAL,
	  "/chosen: stdout-path \"serial3:115200n8\" names no node" },
	{ "boot-err-stdout-not-pl011.dts", KE_NOTSUP, "/rtc@9010000: the console named by" },
	{ "boot-err-no-gicv3.dts", KE_NOTSUP, "no GICv3 (compatible \"arm,gic-v3\")" },
	{ "boot-err-gic-reg.dts", KE_INVAL,
	  "/intc@8000000: reg needs the distributor and at least one redistributor region" },
	{ "boot-err-no-timer.dts", KE_NOENT, "no architected timer" },
	{ "boot-err-timer-short.dts", KE_INVAL, "/timer: interrupts needs 4 specifiers" },
	{ "boot-err-timer-spi.dts", KE_INVAL, "/timer: the virtual timer interrupt is not a PPI" },
	{ "boot-err-pmu-spi.dts", KE_INVAL, "/pmu: interrupts is not one PPI" },
	{ "boot-err-psci-method.dts", KE_INVAL, "/psci: method is missing or neither" },
	{ "boot-err-no-cpus.dts", KE_NOENT, "/cpus: no CPU nodes" },
	{ "boot-err-cpu-dup.dts", KE_INVAL, "/cpus/cpu@1: MPIDR affinity 0x0 used by two CPU nodes" },
	{ "boot-err-cpu-reg.dts", KE_INVAL, "/cpus/cpu@1: reg is missing or malformed" },
	{ "boot-err-too-many-cpus.dts", KE_NOTSUP, "/cpus: more than 16 CPUs" },
	{ "boot-err-no-memory.dts", KE_NOENT, "no RAM" },
	{ "boot-err-too-many-mem.dts", KE_NOTSUP, "/memory@40000000: more than 8 RAM ranges" },
	{ "boot-err-mem-cells.dts", KE_NOTSUP, "/memory@40000000: the parent's #address-cells" },
	{ "boot-err-too-many-reserved.dts", KE_NOTSUP, "more than 16 reserved ranges" },
	{ "boot-err-module-no-name.dts", KE_INVAL, "/chosen/module@48000000: no keel,name" },
	{ "boot-err-module-dup.dts", KE_EXIST,
	  "/chosen/module@48100000: a second module named \"a.bin\"" },
	{ "boot-err-two-configs.dts", KE_EXIST, "a second configuration module" },
	{ "boot-err-module-reg.dts", KE_INVAL, "/chosen/module@48000000: reg is missing or malformed" },
	{ "boot-err-too-many-modules.dts", KE_NOTSUP, "/chosen: more than 16 boot modules" },
};

static void test_errors(void **state)
{
	struct platform p;
	char path[256];
	size_t size;
	void *fdt;
	int r;

	for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *b = &bad_cases[i];

		snprintf(path, sizeof(path), FIXTURES "%s", b->fixture);
		fdt = dt_fixture_compile(path, &size);
		memset(err, 0, sizeof(err));
		r = platform_parse(fdt, &p, err, sizeof(err));
		free(fdt);
		if (r != b->ret || !strstr(err, b->msg) || strncmp(err, "boot device tree: ", 18))
			fail_msg("%s: got %d \"%s\", want %d \"...%s...\"", b->fixture, r, err,
				 b->ret, b->msg);
	}
}

static void test_bad_blob(void **state)
{
	static uint64_t junk[16] = { 0x1234 };
	struct platform p;

	assert_int_equal(platform_parse(junk, &p, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "boot device tree: not a valid device tree blob"));
	assert_int_equal(platform_parse(NULL, &p, err, sizeof(err)), KE_INVAL);
}

/* Messages are truncated to errlen, and errlen 0 writes nothing. */
static void test_small_err_buffer(void **state)
{
	char small[8] = "xxxxxxx";
	struct platform p;
	size_t size;
	void *fdt = dt_fixture_compile(FIXTURES "boot-err-no-stdout.dts", &size);

	assert_int_equal(platform_parse(fdt, &p, small, sizeof(small)), KE_NOENT);
	assert_string_equal(small, "boot de");
	assert_int_equal(platform_parse(fdt, &p, NULL, 0), KE_NOENT);
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_base_board),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_alias_and_cells),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_max_cpus),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_blob),
		cmocka_unit_test(test_small_err_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
