// deps: src/core/passthrough.c src/core/passthrough_mmio.c src/core/passthrough_irq.c src/core/vmdt.c src/core/vmdt_shm.c src/core/vmdt_passthrough.c src/core/config.c src/core/config_shm.c src/core/config_passthrough.c src/core/vm_load.c src/platform/platform.c tests/unit/dt_fixture.c
/*
 * Device passthrough: passthrough_resolve against QEMU virt's own device tree
 * (build/qemu-virt.dtb) and the fixture tests/unit/configs/pt-boot.dts, every refusal by
 * its message; the copy into a VM's generated tree (vmdt_build); the config properties
 * (config_parse). VMs are described directly as struct vm_config unless a test parses a
 * config. Run from the top of the tree, as `make unit` does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dt_fixture.h"

#include <libfdt.h>
#include <keel/config.h>
#include <keel/passthrough.h>
#include <keel/platform.h>
#include <keel/vmdt.h>

#define QEMU_DTB "build/qemu-virt.dtb"
#define PT_BOOT  "tests/unit/configs/pt-boot.dts"
#define PA_BITS  40

static struct keel_config cfg;
static struct vm_passthrough out[KEEL_MAX_VMS];
static struct platform plat;
static void *boot;
static char err[512];

/* ------------------------------------------------------------ helpers */

static void use_boot(void *blob)
{
	free(boot);
	boot = blob;
	if (platform_parse(boot, &plat, err, sizeof(err)))
		fail_msg("platform_parse: %s", err);
	memset(&cfg, 0, sizeof(cfg));
}

static void use_qemu(void)
{
	size_t size;

	use_boot(dt_fixture_load(QEMU_DTB, &size));
}

static void use_fixture(void)
{
	size_t size;

	use_boot(dt_fixture_compile(PT_BOOT, &size));
}

/* A VM of one vCPU with 64 MiB of RAM at ram, the emulated UART at 0x09000000. */
static struct vm_config *vm_add(const char *name, uint64_t ram)
{
	struct vm_config *vm = &cfg.vms[cfg.nr_vms];

	vm->id = cfg.nr_vms++;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->nr_ram = 1;
	vm->ram[0].ipa = vm->ram_base = ram;
	vm->ram[0].size = vm->ram_size = 0x4000000;
	vm->nr_vcpus = 1;
	vm->uart_base = CONFIG_DEFAULT_UART;
	return vm;
}

static void give(struct vm_config *vm, const char *path, uint64_t ipa)
{
	snprintf(vm->passthrough[vm->nr_passthrough], PASSTHROUGH_PATH_MAX, "%s", path);
	vm->passthrough_ipa[vm->nr_passthrough++] = ipa;
}

static int resolve(unsigned pa_bits)
{
	memset(err, 0, sizeof(err));
	return passthrough_resolve(boot, &plat, &cfg, pa_bits, out, err, sizeof(err));
}

static void resolve_ok(void)
{
	int r = resolve(PA_BITS);

	if (r)
		fail_msg("resolve: %d: %s", r, err);
}

static void expect_refusal(int want, const char *msg)
{
	int r = resolve(PA_BITS);

	if (r != want || !strstr(err, msg))
		fail_msg("got %d \"%s\", want %d with \"%s\"", r, err, want, msg);
	for (unsigned k = 0; k < KEEL_MAX_VMS; k++)
		assert_int_equal(out[k].nr_devices, 0);
}

/* One VM "a" given path (IPA = PA unless ipa), resolved with the given outcome. */
static void refuse_one(const char *path, uint64_t ipa, int want, const char *msg)
{
	memset(&cfg, 0, sizeof(cfg));
	give(vm_add("a", 0x40000000), path, ipa);
	expect_refusal(want, msg);
}

/* ------------------------------------------------------------ QEMU virt */

/* A VM with a doorbell (a peer) or a shared mapping: passed-through pages and SPIs keep clear. */
static void test_qemu_shm_clashes(void **state)
{
	struct vm_config *vm;

	use_qemu();
	vm = vm_add("a", 0x40000000);
	vm->nr_peers = 1;
	vm->doorbell_base = CONFIG_DEFAULT_DOORBELL;
	give(vm, "/pl061@9030000", 0);
	expect_refusal(KE_RANGE, "where keel emulates the VM's doorbell PL061 (doorbell)");
	vm->passthrough_ipa[0] = 0x20000000;
	expect_refusal(KE_EXIST, "its interrupt 39 is the one of the VM's doorbell PL061");
	vm->nr_peers = 0;	/* without peers, no doorbell: the device is fine there */
	resolve_ok();

	use_qemu();
	vm = vm_add("a", 0x40000000);
	cfg.nr_shm = 1;
	snprintf(cfg.shm[0].name, sizeof(cfg.shm[0].name), "ring0");
	cfg.shm[0].size = 0x2000;
	vm->nr_shm = 1;
	vm->shm[0] = (struct config_shm_map){ .region = 0, .ipa = 0x0900f000 };
	give(vm, "/pl031@9010000", 0);
	expect_refusal(KE_RANGE, "it would be at IPA 0x9010000-0x9010fff, where the VM maps "
		       "shared memory ring0");
}

static void test_qemu_pl031(void **state)
{
	use_qemu();
	give(vm_add("owner", 0x40000000), "/pl031@9010000", 0);
	resolve_ok();
	assert_int_equal(out[0].nr_devices, 1);
	assert_string_equal(out[0].dev[0].path, "/pl031@9010000");
	assert_int_equal(out[0].dev[0].node, fdt_path_offset(boot, "/pl031@9010000"));
	assert_int_equal(out[0].dev[0].nr_mmio, 1);
	assert_int_equal(out[0].dev[0].mmio[0].pa, 0x09010000);
	assert_int_equal(out[0].dev[0].mmio[0].ipa, 0x09010000);
	assert_int_equal(out[0].dev[0].mmio[0].size, 0x1000);
	assert_int_equal(out[0].dev[0].nr_irqs, 1);
	assert_int_equal(out[0].dev[0].irqs[0].intid, 34);	/* SPI 2 */
	assert_false(out[0].dev[0].irqs[0].edge);
}

static void test_qemu_pl031_moved(void **state)
{
	use_qemu();
	give(vm_add("owner", 0x40000000), "/pl031@9010000", 0x20010000);
	resolve_ok();
	assert_int_equal(out[0].dev[0].mmio[0].pa, 0x09010000);
	assert_int_equal(out[0].dev[0].mmio[0].ipa, 0x20010000);
}

static void test_qemu_virtio_page_alone(void **state)
{
	use_qemu();
	refuse_one("/virtio_mmio@a003e00", 0, KE_EXIST,
		   "/a: passthrough \"/virtio_mmio@a003e00\": it shares page 0x0a003000 with "
		   "/virtio_mmio@a003000 and 6 more that this VM is not given: a VM reaches whole "
		   "pages; give it every device in the page");
}

static void test_qemu_virtio_whole_page(void **state)
{
	char path[64];
	struct vm_config *vm;

	use_qemu();
	vm = vm_add("disk", 0x40000000);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/virtio_mmio@a003%x00", 2 * i);
		give(vm, path, 0);
	}
	resolve_ok();
	assert_int_equal(out[0].nr_devices, 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(out[0].dev[i].mmio[0].pa, 0x0a003000);
		assert_int_equal(out[0].dev[i].mmio[0].ipa, 0x0a003000);
		assert_int_equal(out[0].dev[i].mmio[0].size, 0x1000);
		assert_int_equal(out[0].dev[i].irqs[0].intid, 32 + 16 + 24 + i);
		assert_true(out[0].dev[i].irqs[0].edge);
	}
}

static void test_qemu_virtio_moved_together(void **state)
{
	char path[64];
	struct vm_config *vm;

	use_qemu();
	vm = vm_add("disk", 0x40000000);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/virtio_mmio@a003%x00", 2 * i);
		give(vm, path, 0x30003000 + 0x200 * i);
	}
	resolve_ok();
	assert_int_equal(out[0].dev[7].mmio[0].ipa, 0x30003000);
	/* one of them moved differently: the page would be at two IPAs */
	vm->passthrough_ipa[7] = 0x31003e00;
	expect_refusal(KE_RANGE, "\"/virtio_mmio@a003e00\": it shares a page with "
		       "/virtio_mmio@a003000 but would be at another IPA offset");
}

static void test_qemu_keel_devices(void **state)
{
	use_qemu();
	refuse_one("/nothing@0", 0, KE_NOENT, "/a: passthrough \"/nothing@0\": the boot device "
		   "tree has no such node; give the full path");
	refuse_one("/pl011@9000000", 0, KE_EXIST, "it is keel's console UART; a VM cannot have it");
	refuse_one("/intc@8000000", 0, KE_EXIST, "it is the GIC, which keel drives");
	refuse_one("/intc@8000000/its@8080000", 0, KE_EXIST, "it is the GIC, which keel drives");
	refuse_one("/timer", 0, KE_EXIST, "it is the architected timer");
	refuse_one("/cpus", 0, KE_EXIST, "it is the CPUs (/cpus)");
	refuse_one("/cpus/cpu@1", 0, KE_EXIST, "it is the CPUs (/cpus)");
	refuse_one("/memory@40000000", 0, KE_EXIST, "it is RAM, which keel shares out itself");
	refuse_one("/psci", 0, KE_EXIST, "it is the PSCI firmware");
	refuse_one("/chosen", 0, KE_EXIST, "it is /chosen");
}

static void test_qemu_unsupported(void **state)
{
	use_qemu();
	refuse_one("/gpio-keys", 0, KE_NOTSUP, "it has a child node \"poweroff\"");
	refuse_one("/pcie@10000000", 0, KE_NOTSUP, "it has interrupt-map");
	refuse_one("/pmu", 0, KE_NOENT, "it has no reg");
	refuse_one("/platform-bus@c000000", 0, KE_NOENT, "it has no reg");
}

static void test_qemu_twice(void **state)
{
	use_qemu();
	give(vm_add("a", 0x40000000), "/pl031@9010000", 0);
	give(vm_add("b", 0x48000000), "/pl031@9010000", 0);
	expect_refusal(KE_EXIST, "/b: passthrough \"/pl031@9010000\": it is already given to /a; "
		       "a device has one owner");
	/* one VM, one node under two spellings of its path */
	memset(&cfg, 0, sizeof(cfg));
	give(vm_add("a", 0x40000000), "/pl031@9010000", 0);
	give(&cfg.vms[0], "/pl031", 0);
	expect_refusal(KE_EXIST, "/a: passthrough \"/pl031\": it is already given to /a");
}

/*
 * Every node of QEMU virt's tree given alone: resolve accepts exactly the devices a VM may
 * have and refuses every other node with a message about that path (under ASan/UBSan).
 */
static void test_qemu_every_node(void **state)
{
	static const char *const accepted[] = {
		"/fw-cfg@9020000", "/pl061@9030000", "/pl031@9010000", "/flash@0",
	};
	unsigned n_ok = 0, n_nodes = 0;
	char path[PASSTHROUGH_PATH_MAX], want[PASSTHROUGH_PATH_MAX + 32];

	use_qemu();
	for (int n = 0; n >= 0; n = fdt_next_node(boot, n, NULL)) {
		bool expect_ok = false;
		int r;

		assert_int_equal(fdt_get_path(boot, n, path, sizeof(path)), 0);
		for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
			expect_ok |= !strcmp(path, accepted[i]);
		memset(&cfg, 0, sizeof(cfg));
		give(vm_add("a", 0x40000000), path, 0);
		r = resolve(PA_BITS);
		snprintf(want, sizeof(want), "/a: passthrough \"%s\": ", path);
		if (expect_ok && r)
			fail_msg("%s refused: %s", path, err);
		if (!expect_ok && (!r || strncmp(err, want, strlen(want))))
			fail_msg("%s: %d \"%s\"", path, r, err);
		n_ok += !r;
		n_nodes++;
	}
	assert_int_equal(n_ok, 4);
	assert_true(n_nodes > 50);
}

/* ------------------------------------------------------------ the fixture board */

static void test_fixture_status(void **state)
{
	use_fixture();
	refuse_one("/disabled@9030000", 0, KE_INVAL, "its status is not \"okay\"");
	refuse_one("/kids@9040000", 0, KE_NOTSUP, "it has a child node \"child\"");
	refuse_one("/bus@9200000/buschild@100", 0, KE_NOTSUP, "it is not directly under /");
	refuse_one("/noreg", 0, KE_NOENT, "it has no reg: there are no registers");
}

static void test_fixture_phandles(void **state)
{
	use_fixture();
	refuse_one("/resets@90e0000", 0, KE_NOTSUP, "its resets property refers to another node");
	refuse_one("/ccclock@90f0000", 0, KE_NOTSUP, "its clocks name /clock-controller@9100000, "
		   "which is not a fixed-clock");
	refuse_one("/extended@90d0000", 0, KE_NOTSUP, "it has interrupts-extended");
	refuse_one("/onpic@90c0000", 0, KE_NOTSUP, "its interrupt-parent is not the GIC");
}

static void test_fixture_ranges(void **state)
{
	use_fixture();
	refuse_one("/wrap@ffffffff", 0, KE_RANGE, "its reg range 0 0xfffffffffffff000+0x2000 wraps");
	refuse_one("/inram@40001000", 0, KE_RANGE, "its registers 0x40001000-0x40001fff are in RAM");
	refuse_one("/gicalias@8000000", 0, KE_EXIST, "reach the physical GIC");
	refuse_one("/uartalias@9000800", 0, KE_EXIST, "reach keel's console UART at 0x9000000");
	/* the same device on a machine of 32 physical address bits */
	memset(&cfg, 0, sizeof(cfg));
	give(vm_add("a", 0x40000000), "/high@100000000", 0);
	assert_int_equal(resolve(40), 0);
	assert_int_equal(resolve(32), KE_RANGE);
	assert_non_null(strstr(err, "ends above this machine's physical address space (0x100000000)"));
}

static void test_fixture_ipa(void **state)
{
	struct vm_config *vm;

	use_fixture();
	refuse_one("/rtc@9010000", 0x40010000, KE_RANGE,
		   "it would be at IPA 0x40010000-0x40010fff, in the VM's RAM 0x40000000-0x43ffffff");
	refuse_one("/rtc@9010000", 0x09000000, KE_RANGE, "where keel emulates the VM's emulated UART");
	refuse_one("/rtc@9010000", 0x08000000, KE_RANGE, "where keel emulates the VM's virtual GIC");
	refuse_one("/rtc@9010000", 0x080a0000, KE_RANGE, "where keel emulates the VM's virtual GIC");
	refuse_one("/rtc@9010000", 0x20010800, KE_INVAL, "passthrough-ipa 0x20010800 is at offset "
		   "0x800 in its page but its registers 0x9010000 are at 0x0");
	refuse_one("/rtc@9010000", 1ULL << PA_BITS, KE_RANGE, "it would end at IPA 0x10000001000, "
		   "above the IPA space");
	refuse_one("/rtc@9010000", 0xfffffffffffff000ULL, KE_RANGE, "past the end of the address space");
	memset(&cfg, 0, sizeof(cfg));
	vm = vm_add("a", 0x40000000);
	vm->has_testdev = true;
	vm->testdev_base = 0x0a000000;
	give(vm, "/rtc@9010000", 0x0a000000);
	expect_refusal(KE_RANGE, "where keel emulates the VM's test device");
}

static void test_fixture_ipa_taken(void **state)
{
	struct vm_config *vm;

	use_fixture();
	vm = vm_add("a", 0x40000000);
	give(vm, "/rtc@9010000", 0x20010000);
	give(vm, "/multi@9300000", 0x20010000);
	expect_refusal(KE_RANGE, "/a: passthrough \"/multi@9300000\": it would be at IPA "
		       "0x20010000-0x20010fff, where the VM already has /rtc@9010000; give it another "
		       "passthrough-ipa");
	/* the same page of two devices, moved apart */
	memset(&cfg, 0, sizeof(cfg));
	vm = vm_add("a", 0x40000000);
	give(vm, "/pair-a@9020000", 0x20020000);
	give(vm, "/pair-b@9020200", 0x20030200);
	expect_refusal(KE_RANGE, "/a: passthrough \"/pair-b@9020200\": it shares a page with "
		       "/pair-a@9020000 but would be at another IPA offset");
}

/* A moved device keeps its name, which must not be one the VM's tree has already. */
static void test_fixture_name_clash(void **state)
{
	struct vm_config *vm;

	use_fixture();
	memset(&cfg, 0, sizeof(cfg));
	vm = vm_add("a", 0x40000000);
	vm->uart_base = 0x09010000;
	give(vm, "/rtc@9010000", 0x20010000);
	resolve_ok();
	memset(&cfg, 0, sizeof(cfg));
	vm = vm_add("a", 0x40000000);
	vm->uart_base = 0x09500000;
	give(vm, "/pl011@9500000", 0x20500000);
	expect_refusal(KE_EXIST, "/a: passthrough \"/pl011@9500000\": its node name "
		       "\"pl011@9500000\" is also that of the VM's emulated UART (uart) in the VM's "
		       "device tree; move that (a moved device keeps its name)");
	memset(&cfg, 0, sizeof(cfg));
	vm = vm_add("a", 0x40000000);
	vm->has_testdev = true;
	vm->testdev_base = 0x0a000000;
	give(vm, "/test-device@a000000", 0x20000000);
	expect_refusal(KE_EXIST, "its node name \"test-device@a000000\" is also that of the VM's "
		       "test device in the VM's device tree");
	memset(&cfg, 0, sizeof(cfg));
	give(vm_add("a", 0x09400000), "/memory@9400000", 0x20400000);
	expect_refusal(KE_EXIST, "\"memory@9400000\" is also that of one of the VM's memory nodes");
}

static void test_fixture_moved_down(void **state)
{
	use_fixture();
	give(vm_add("a", 0x40000000), "/multi@9300000", 0x1000);
	resolve_ok();
	assert_int_equal(out[0].dev[0].nr_mmio, 2);
	assert_int_equal(out[0].dev[0].mmio[0].ipa, 0x1000);
	assert_int_equal(out[0].dev[0].mmio[1].pa, 0x09302000);
	assert_int_equal(out[0].dev[0].mmio[1].ipa, 0x3000);
	assert_int_equal(out[0].dev[0].mmio[1].size, 0x1000);	/* 0x800 rounded to its page */
	assert_int_equal(out[0].dev[0].nr_irqs, 2);
	assert_int_equal(out[0].dev[0].irqs[0].intid, 52);
	assert_false(out[0].dev[0].irqs[0].edge);
	assert_int_equal(out[0].dev[0].irqs[1].intid, 53);
	assert_true(out[0].dev[0].irqs[1].edge);
}

static void test_fixture_pages(void **state)
{
	struct vm_config *vm;

	use_fixture();
	/* a disabled transport in the page does not count */
	refuse_one("/pair-a@9020000", 0, KE_EXIST, "it shares page 0x09020000 with /pair-b@9020200, "
		   "which this VM is not given");
	/* a node under a bus, found through the bus's ranges */
	refuse_one("/buspeer@9200000", 0, KE_EXIST, "it shares page 0x09200000 with "
		   "/bus@9200000/buschild@100, which this VM is not given");
	memset(&cfg, 0, sizeof(cfg));
	vm = vm_add("a", 0x40000000);
	give(vm, "/pair-b@9020200", 0);
	give(vm, "/pair-a@9020000", 0);
	resolve_ok();
	/* the page split between two VMs */
	memset(&cfg, 0, sizeof(cfg));
	give(vm_add("a", 0x40000000), "/pair-a@9020000", 0);
	give(vm_add("b", 0x48000000), "/pair-b@9020200", 0);
	expect_refusal(KE_EXIST, "/a: passthrough \"/pair-a@9020000\": it shares page 0x09020000 "
		       "with /pair-b@9020200, which this VM is not given");
}

static void test_fixture_irqs(void **state)
{
	use_fixture();
	refuse_one("/uartirq@9050000", 0, KE_EXIST, "its interrupt 37 is one keel uses itself");
	refuse_one("/maint@9071000", 0, KE_EXIST, "its interrupt 25 is one keel uses itself");
	refuse_one("/timerirq@9072000", 0, KE_EXIST, "its interrupt 27 is one keel uses itself");
	refuse_one("/ppi@9070000", 0, KE_NOTSUP, "its interrupt <1 7 4> is not an SPI");
	refuse_one("/bigirq@9080000", 0, KE_NOTSUP, "its interrupt SPI 100 (INTID 132) is above "
		   "the virtual GIC's 128 interrupts");
	refuse_one("/vmuart@9060000", 0, KE_EXIST, "its interrupt 33 is the one of the VM's emulated UART");
	refuse_one("/falling@9090000", 0, KE_INVAL, "its interrupt 44 has trigger flags 0x2");
	refuse_one("/badirqlen@90f1000", 0, KE_INVAL, "its interrupts are not <type number flags> triples");
	memset(&cfg, 0, sizeof(cfg));
	give(vm_add("a", 0x40000000), "/rtc@9010000", 0);
	give(vm_add("b", 0x48000000), "/sharedirq@90a0000", 0);
	expect_refusal(KE_EXIST, "/b: passthrough \"/sharedirq@90a0000\": its interrupt 34 is also "
		       "/a's device /rtc@9010000's");
}

/* ------------------------------------------------------------ stage-2 pages */

static void test_pages_merged(void **state)
{
	struct passthrough_mmio pages[PASSTHROUGH_MAX_PAGES];
	struct vm_config *vm;
	char path[64];

	use_qemu();
	vm = vm_add("disk", 0x40000000);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/virtio_mmio@a003%x00", 2 * i);
		give(vm, path, 0x30003000 + 0x200 * i);
	}
	resolve_ok();
	/* eight transports, one page: mapped once */
	assert_int_equal(passthrough_vm_pages(&out[0], pages), 1);
	assert_int_equal(pages[0].pa, 0x0a003000);
	assert_int_equal(pages[0].ipa, 0x30003000);
	assert_int_equal(pages[0].size, 0x1000);
}

static void test_pages_touching(void **state)
{
	struct passthrough_mmio pages[PASSTHROUGH_MAX_PAGES];
	struct vm_passthrough pt;

	memset(&pt, 0, sizeof(pt));
	pt.nr_devices = 3;
	pt.dev[0].nr_mmio = 1;
	pt.dev[0].mmio[0] = (struct passthrough_mmio){ .pa = 0x2000, .ipa = 0x6000, .size = 0x1000 };
	pt.dev[1].nr_mmio = 2;
	pt.dev[1].mmio[0] = (struct passthrough_mmio){ .pa = 0x1000, .ipa = 0x5000, .size = 0x1000 };
	/* overlaps in IPA but moves differently: its own mapping */
	pt.dev[1].mmio[1] = (struct passthrough_mmio){ .pa = 0x9000, .ipa = 0x5000, .size = 0x1000 };
	pt.dev[2].nr_mmio = 1;
	pt.dev[2].mmio[0] = (struct passthrough_mmio){ .pa = 0x3000, .ipa = 0x7000, .size = 0x2000 };
	assert_int_equal(passthrough_vm_pages(&pt, pages), 2);
	assert_int_equal(pages[0].pa, 0x1000);
	assert_int_equal(pages[0].ipa, 0x5000);
	assert_int_equal(pages[0].size, 0x4000);
	assert_int_equal(pages[1].pa, 0x9000);
	assert_int_equal(pages[1].ipa, 0x5000);
}

/* ------------------------------------------------------------ the VM's device tree */

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	const void *v;

	if (node < 0)
		fail_msg("no node %s", path);
	v = fdt_getprop(fdt, node, name, len);
	if (!v)
		fail_msg("%s: no %s", path, name);
	return v;
}

static void expect_cells(const void *fdt, const char *path, const char *name, unsigned n, ...)
{
	const fdt32_t *v;
	va_list ap;
	int len;

	v = prop(fdt, path, name, &len);
	assert_int_equal(len, (int)(n * sizeof(fdt32_t)));
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(fdt32_ld(&v[i]), va_arg(ap, uint32_t));
	va_end(ap);
}

static void test_vmdt_copy(void **state)
{
	static uint64_t buf[0x4000 / 8];
	struct vmdt_params p;
	struct vm_config *vm;
	const fdt32_t *clk;
	int len, clknode;

	use_fixture();
	vm = vm_add("a", 0x40000000);
	give(vm, "/rtc@9010000", 0x20010000);
	give(vm, "/multi@9300000", 0);
	resolve_ok();
	memset(&p, 0, sizeof(p));
	p.vm = vm;
	p.has_gic = true;
	p.gicd_ipa = CONFIG_GICD_BASE;
	p.gicr_ipa = CONFIG_GICR_BASE;
	p.gic_maint_intid = 25;
	p.timer_intid[0] = 29; p.timer_intid[1] = 30; p.timer_intid[2] = 27; p.timer_intid[3] = 26;
	p.boot_fdt = boot;
	p.passthrough = &out[0];
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), 0);
	assert_int_equal(fdt_check_header(buf), 0);

	expect_cells(buf, "/rtc@9010000", "reg", 4, 0, 0x20010000, 0, 0x1000);
	expect_cells(buf, "/rtc@9010000", "interrupts", 3, 0, 2, 4);
	expect_cells(buf, "/rtc@9010000", "interrupt-parent", 1, 2);	/* the VM's GIC */
	assert_string_equal(prop(buf, "/rtc@9010000", "clock-names", NULL), "apb_pclk");
	prop(buf, "/rtc@9010000", "dma-coherent", &len);
	assert_int_equal(len, 0);
	assert_int_equal(fdt_node_check_compatible(buf, fdt_path_offset(buf, "/rtc@9010000"),
						   "arm,primecell"), 0);
	clk = prop(buf, "/rtc@9010000", "clocks", &len);
	assert_int_equal(len, 4);
	clknode = fdt_node_offset_by_phandle(buf, fdt32_ld(clk));
	assert_true(clknode >= 0);
	assert_int_equal(fdt_node_check_compatible(buf, clknode, "fixed-clock"), 0);
	assert_int_equal(fdt32_ld(fdt_getprop(buf, clknode, "clock-frequency", NULL)), 24000000);
	/* its name is its node's: keel's own apb-pclk is "clk24mhz" already, and Linux refuses
	 * a second clock of one name (the device would never probe) */
	assert_null(fdt_getprop(buf, clknode, "clock-output-names", NULL));
	assert_string_equal(fdt_get_name(buf, clknode, NULL), "passthrough-clk0");
	/* the boot tree's phandle 0x8000 is not copied: the VM's copy has its own */
	assert_int_not_equal(fdt32_ld(clk), 0x8000);
	assert_int_equal(fdt_node_offset_by_phandle(buf, 0x8000), -FDT_ERR_NOTFOUND);

	expect_cells(buf, "/multi@9300000", "reg", 8, 0, 0x09300000, 0, 0x1000, 0, 0x09302000, 0, 0x800);
	expect_cells(buf, "/multi@9300000", "interrupts", 6, 0, 20, 4, 0, 21, 1);
	assert_null(fdt_getprop(buf, fdt_path_offset(buf, "/multi@9300000"), "clocks", NULL));
	/* the VM's own nodes are still there */
	assert_true(fdt_path_offset(buf, "/pl011@9000000") >= 0);
	assert_true(fdt_path_offset(buf, "/intc@8000000") >= 0);
}

static void test_vmdt_virtio_copy(void **state)
{
	static uint64_t buf[0x4000 / 8];
	struct vmdt_params p;
	struct vm_config *vm;

	use_qemu();
	vm = vm_add("a", 0x40000000);
	for (unsigned i = 0; i < 8; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/virtio_mmio@a003%x00", 2 * i);
		give(vm, path, 0x30003000 + 0x200 * i);
	}
	resolve_ok();
	memset(&p, 0, sizeof(p));
	p.vm = vm;
	p.has_gic = true;
	p.gicd_ipa = CONFIG_GICD_BASE;
	p.gicr_ipa = CONFIG_GICR_BASE;
	p.timer_intid[0] = 29; p.timer_intid[1] = 30; p.timer_intid[2] = 27; p.timer_intid[3] = 26;
	p.boot_fdt = boot;
	p.passthrough = &out[0];
	assert_int_equal(vmdt_build(&p, buf, sizeof(buf)), 0);
	expect_cells(buf, "/virtio_mmio@a003e00", "reg", 4, 0, 0x30003e00, 0, 0x200);
	expect_cells(buf, "/virtio_mmio@a003e00", "interrupts", 3, 0, 0x2f, 1);
	prop(buf, "/virtio_mmio@a003e00", "dma-coherent", NULL);
}

/* ------------------------------------------------------------ config properties */

/* config_parse on cfg-base.dtsi with extra put into guest-a's node. */
static int parse_cfg_root(const char *extra);
static int parse_cfg(const char *extra)
{
	char root[1024];

	snprintf(root, sizeof(root), "guest-a { %s };", extra);
	return parse_cfg_root(root);
}

static void expect_cfg(const char *extra, int want, const char *msg)
{
	int r = parse_cfg(extra);

	if (r != want || !strstr(err, msg))
		fail_msg("%s: got %d \"%s\", want %d with \"%s\"", extra, r, err, want, msg);
}

static void test_config_props(void **state)
{
	const struct vm_config *a = &cfg.vms[0];

	assert_int_equal(parse_cfg("passthrough = \"/pl031@9010000\", \"/virtio_mmio@a003e00\"; "
				   "passthrough-ipa = <0x0 0x0>, <0x0 0x20003e00>;"), 0);
	assert_int_equal(a->nr_passthrough, 2);
	assert_string_equal(a->passthrough[0], "/pl031@9010000");
	assert_string_equal(a->passthrough[1], "/virtio_mmio@a003e00");
	assert_int_equal(a->passthrough_ipa[0], 0);
	assert_int_equal(a->passthrough_ipa[1], 0x20003e00);
	assert_int_equal(cfg.vms[1].nr_passthrough, 0);
	assert_int_equal(parse_cfg("passthrough = \"/pl031@9010000\";"), 0);
	assert_int_equal(a->passthrough_ipa[0], 0);

	expect_cfg("passthrough = <1>;", KE_INVAL, "test.dtb: /guest-a: passthrough must be a list of strings");
	expect_cfg("passthrough;", KE_INVAL, "passthrough must be a list of strings");
	expect_cfg("passthrough = \"pl031\";", KE_INVAL, "passthrough \"pl031\" is not a full path");
	expect_cfg("passthrough = \"/a\", \"\";", KE_INVAL, "passthrough \"\" is not a full path");
	expect_cfg("passthrough = \"/a\", \"/a\";", KE_EXIST, "passthrough names \"/a\" twice");
	expect_cfg("passthrough = \"/1\", \"/2\", \"/3\", \"/4\", \"/5\", \"/6\", \"/7\", \"/8\", \"/9\";",
		   KE_NOTSUP, "passthrough names more than 8 devices");
	expect_cfg("passthrough-ipa = <0x0 0x1000>;", KE_INVAL, "passthrough-ipa without passthrough");
	expect_cfg("passthrough = \"/a\", \"/b\"; passthrough-ipa = <0x0 0x1000>;", KE_INVAL,
		   "passthrough-ipa must give one address (2 cells, #address-cells of /) per "
		   "passthrough device, 2 in all; it is 8 bytes");
	expect_cfg("passthroughs = \"/a\";", KE_INVAL, "unknown property \"passthroughs\"");
}

/* config_parse on cfg-base.dtsi with extra put at the end of the root node. */
static int parse_cfg_root(const char *extra)
{
	char path[] = "/tmp/keel-pt-cfg-XXXXXX.dts", cwd[256];
	size_t size;
	void *fdt;
	FILE *f;
	int fd, r;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "/dts-v1/;\n/include/ \"%s/tests/unit/configs/cfg-base.dtsi\"\n/ { %s };\n",
		cwd, extra);
	fclose(f);
	fdt = dt_fixture_compile(path, &size);
	unlink(path);
	memset(err, 0, sizeof(err));
	r = config_parse(fdt, size, "test.dtb", 4, PA_BITS, &cfg, err, sizeof(err));
	free(fdt);
	return r;
}

static void test_config_given_dtb(void **state)
{
	/* guest-b of the base is given dtb = "vm.dtb" */
	assert_int_equal(parse_cfg_root("guest-b { passthrough = \"/pl031@9010000\"; };"), KE_NOTSUP);
	assert_non_null(strstr(err, "test.dtb: /guest-b: passthrough needs the device tree keel "
			       "generates, but this VM is given dtb = \"vm.dtb\""));
}

static int teardown(void **state)
{
	free(boot);
	boot = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_qemu_shm_clashes, teardown),
		cmocka_unit_test_teardown(test_qemu_pl031, teardown),
		cmocka_unit_test_teardown(test_qemu_pl031_moved, teardown),
		cmocka_unit_test_teardown(test_qemu_virtio_page_alone, teardown),
		cmocka_unit_test_teardown(test_qemu_virtio_whole_page, teardown),
		cmocka_unit_test_teardown(test_qemu_virtio_moved_together, teardown),
		cmocka_unit_test_teardown(test_qemu_keel_devices, teardown),
		cmocka_unit_test_teardown(test_qemu_unsupported, teardown),
		cmocka_unit_test_teardown(test_qemu_twice, teardown),
		cmocka_unit_test_teardown(test_qemu_every_node, teardown),
		cmocka_unit_test_teardown(test_fixture_status, teardown),
		cmocka_unit_test_teardown(test_fixture_phandles, teardown),
		cmocka_unit_test_teardown(test_fixture_ranges, teardown),
		cmocka_unit_test_teardown(test_fixture_ipa, teardown),
		cmocka_unit_test_teardown(test_fixture_ipa_taken, teardown),
		cmocka_unit_test_teardown(test_fixture_name_clash, teardown),
		cmocka_unit_test_teardown(test_fixture_moved_down, teardown),
		cmocka_unit_test_teardown(test_fixture_pages, teardown),
		cmocka_unit_test_teardown(test_fixture_irqs, teardown),
		cmocka_unit_test_teardown(test_pages_merged, teardown),
		cmocka_unit_test(test_pages_touching),
		cmocka_unit_test_teardown(test_vmdt_copy, teardown),
		cmocka_unit_test_teardown(test_vmdt_virtio_copy, teardown),
		cmocka_unit_test(test_config_props),
		cmocka_unit_test(test_config_given_dtb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
