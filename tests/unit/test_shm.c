// deps: src/core/config.c src/core/config_shm.c src/core/config_passthrough.c src/core/vm_load.c src/core/vmdt.c src/core/vmdt_shm.c src/core/vmdt_passthrough.c src/platform/platform.c tests/unit/dt_fixture.c
/*
 * Shared memory and doorbells: config_parse on tests/unit/configs/shm-*.dts (regions,
 * mappings, peers, doorbell windows, and every refusal's message), the doorbell line of
 * each peer, and the nodes vmdt_build writes for them. 8 physical CPUs, 40-bit IPAs.
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
#include <keel/config_shm.h>
#include <keel/shm.h>
#include <keel/vmdt.h>
#include <libfdt.h>

#include "../../guests/lib/include/guest/shm_ring.h"

#define FIXTURES "tests/unit/configs/"
#define NR_PCPUS 8
#define IPA_BITS 40

static char err[512];
static struct keel_config cfg;
static uint64_t dtb[65536 / 8];

static int parse(const char *fixture)
{
	char path[128];
	size_t size;
	void *fdt;
	int r;

	snprintf(path, sizeof(path), FIXTURES "%s.dts", fixture);
	fdt = dt_fixture_compile(path, &size);
	memset(err, 0, sizeof(err));
	r = config_parse(fdt, size, "test.dtb", NR_PCPUS, IPA_BITS, &cfg, err, sizeof(err));
	free(fdt);
	return r;
}

/* ------------------------------------------------------------ the good config */

static void test_regions_and_maps(void **state)
{
	const struct vm_config *a = &cfg.vms[0], *b = &cfg.vms[1], *g = &cfg.vms[2];

	if (parse("shm-good"))
		fail_msg("%s", err);
	assert_int_equal(cfg.nr_vms, 3);
	assert_int_equal(cfg.nr_shm, 2);
	assert_string_equal(cfg.shm[0].name, "ring0");
	assert_int_equal(cfg.shm[0].size, 0x200000);
	assert_false(cfg.shm[0].fixed);
	assert_int_equal(cfg.shm[0].nr_users, 2);
	assert_string_equal(cfg.shm[1].name, "ring1");
	assert_true(cfg.shm[1].fixed);
	assert_int_equal(cfg.shm[1].pa, 0xb0000000);
	assert_int_equal(cfg.shm[1].nr_users, 3);

	assert_int_equal(a->nr_shm, 2);
	assert_int_equal(a->shm[0].region, 0);
	assert_int_equal(a->shm[0].ipa, 0x70000000);
	assert_false(a->shm[0].ro);
	assert_int_equal(a->shm[1].region, 1);
	assert_int_equal(a->shm[1].ipa, 0x70200000);
	assert_true(a->shm[1].ro);
	assert_int_equal(b->nr_shm, 2);
	assert_false(b->shm[1].ro);
	assert_int_equal(g->nr_shm, 1);
	assert_int_equal(g->shm[0].region, 1);
}

static void test_peers_and_doorbells(void **state)
{
	const struct vm_config *a = &cfg.vms[0], *b = &cfg.vms[1], *g = &cfg.vms[2];

	if (parse("shm-good"))
		fail_msg("%s", err);
	/* Every other VM sharing any region, in VM id order. */
	assert_int_equal(a->nr_peers, 2);
	assert_int_equal(a->peers[0], 1);
	assert_int_equal(a->peers[1], 2);
	assert_int_equal(b->nr_peers, 2);
	assert_int_equal(b->peers[0], 0);
	assert_int_equal(b->peers[1], 2);
	assert_int_equal(g->nr_peers, 2);
	assert_int_equal(g->peers[0], 0);
	assert_int_equal(g->peers[1], 1);
	assert_int_equal(a->doorbell_base, CONFIG_DEFAULT_DOORBELL);
	assert_false(a->doorbell_given);
	assert_int_equal(b->doorbell_base, 0x09040000);
	assert_true(b->doorbell_given);

	/* The lines: gamma is alpha's peer 1, so alpha rings it on line 2 and hears it on 3;
	 * alpha is gamma's peer 0, so gamma hears alpha on line 1. */
	assert_int_equal(config_shm_peer_index(a, 2), 1);
	assert_int_equal(SHM_LINE_RING(config_shm_peer_index(a, 2)), 2);
	assert_int_equal(SHM_LINE_FROM(config_shm_peer_index(a, 2)), 3);
	assert_int_equal(config_shm_peer_index(g, 0), 0);
	assert_int_equal(SHM_LINE_FROM(config_shm_peer_index(g, 0)), 1);
	assert_int_equal(config_shm_peer_index(b, 1), -1);	/* not its own peer */
	assert_int_equal(config_shm_peer_index(a, 7), -1);
}

/* Every ring reaches the right VM on the input line named after the ringer. */
static void test_ring_wiring(void **state)
{
	/* (from, peer number) -> (VM rung, its input line): alpha 0, beta 1, gamma 2. */
	static const unsigned wires[][4] = {
		{ 0, 0, 1, 1 }, { 0, 1, 2, 1 },	/* alpha: beta hears it on from-alpha (1) */
		{ 1, 0, 0, 1 }, { 1, 1, 2, 3 },	/* beta is gamma's peer 1: line 3 */
		{ 2, 0, 0, 3 }, { 2, 1, 1, 3 },	/* gamma is alpha's and beta's peer 1 */
	};
	unsigned to = 99, line = 99;

	if (parse("shm-good"))
		fail_msg("%s", err);
	for (size_t i = 0; i < sizeof(wires) / sizeof(wires[0]); i++) {
		assert_true(config_shm_ring_target(&cfg, wires[i][0], wires[i][1], &to, &line));
		assert_int_equal(to, wires[i][2]);
		assert_int_equal(line, wires[i][3]);
		/* The input line is the one the rung VM's device tree calls from-<ringer>. */
		assert_int_equal(line, SHM_LINE_FROM(config_shm_peer_index(&cfg.vms[to], wires[i][0])));
	}
	assert_false(config_shm_ring_target(&cfg, 0, 2, &to, &line));	/* no peer 2 */
	assert_false(config_shm_ring_target(&cfg, 3, 0, &to, &line));	/* no VM 3 */
	assert_false(config_shm_ring_target(&cfg, 0, UINT32_MAX, &to, &line));
}

static void test_no_shm_no_peers(void **state)
{
	size_t size;
	void *fdt = dt_fixture_compile("configs/default.dts", &size);

	assert_int_equal(config_parse(fdt, size, "d.dtb", 4, IPA_BITS, &cfg, err, sizeof(err)), 0);
	free(fdt);
	assert_int_equal(cfg.nr_shm, 0);
	for (unsigned i = 0; i < cfg.nr_vms; i++) {
		assert_int_equal(cfg.vms[i].nr_shm, 0);
		assert_int_equal(cfg.vms[i].nr_peers, 0);
	}
}

/* ------------------------------------------------------------ refusals */

struct bad_case {
	const char *fixture;
	int ret;
	const char *msg;	/* the message must contain this */
};

static const struct bad_case bad_cases[] = {
	{ "shm-bad-phandle", KE_NOENT, "test.dtb: /alpha: shared-memory entry 0 names phandle 119, which is no shared memory region; name a node with compatible = \"keel,shared-memory\"" },
	{ "shm-bad-align", KE_INVAL, "test.dtb: /alpha: shared-memory maps ring0 at IPA 0x70000800, which is not 4 KiB aligned; round it" },
	{ "shm-bad-ram", KE_RANGE, "test.dtb: /alpha: shared-memory maps ring0 at IPA 0x43f00000-0x440fffff, which overlaps the VM's RAM 0x40000000-0x43ffffff; move it" },
	{ "shm-bad-gic", KE_RANGE, "test.dtb: /alpha: shared-memory maps ring0 at IPA 0x8000000-0x81fffff, which overlaps the virtual GIC" },
	{ "shm-bad-uart", KE_RANGE, "which overlaps uart 0x9000000; move it" },
	{ "shm-bad-twice", KE_EXIST, "test.dtb: /alpha: maps shared memory ring0 twice (shared-memory-ro entry 1); map each region once" },
	{ "shm-bad-unused", KE_NOENT, "test.dtb: /ring2: is used by no VM; map it in a VM with shared-memory = <&ring2 IPA> or remove it" },
	{ "shm-bad-unreferenced", KE_NOENT, "test.dtb: /ring2: is used by no VM (nothing references it)" },
	{ "shm-bad-size", KE_INVAL, "test.dtb: /ring0: size 0x1800 is not a multiple of 4 KiB from 4 KiB to 1 GiB" },
	{ "shm-bad-size-big", KE_INVAL, "test.dtb: /ring0: size 0x40001000 is not a multiple of 4 KiB from 4 KiB to 1 GiB" },
	{ "shm-bad-no-size", KE_NOENT, "test.dtb: /ring0: no size property; add size = <...>" },
	{ "shm-bad-address-align", KE_INVAL, "test.dtb: /ring1: address 0xb0000100 is not 4 KiB aligned" },
	{ "shm-bad-fixed-overlap", KE_EXIST, "test.dtb: /ring1: address 0xb0000000-0xb0000fff overlaps shared memory /ring0 at 0xaff00000-0xb00fffff" },
	{ "shm-bad-fixed-phys", KE_EXIST, "test.dtb: /ring1: address 0xb0000000-0xb0000fff overlaps phys memory region 1 of /gamma" },
	{ "shm-bad-doorbell-ram", KE_RANGE, "test.dtb: /beta: doorbell 0x40000000-0x40000fff overlaps the VM's RAM 0x40000000-0x43ffffff; move it" },
	{ "shm-bad-doorbell-align", KE_INVAL, "test.dtb: /beta: doorbell 0x9040010 is not 4 KiB aligned" },
	{ "shm-bad-doorbell-default", KE_RANGE, "test.dtb: /gamma: doorbell 0x9030000-0x9030fff (the default) overlaps test-device 0x9030000; move it with doorbell = <...>" },
	{ "shm-bad-doorbell-alone", KE_INVAL, "test.dtb: /delta: has a doorbell but shares memory with no other VM" },
	{ "shm-bad-doorbell-shm", KE_RANGE, "test.dtb: /beta: doorbell 0x80200000-0x80200fff overlaps shared memory ring1 at 0x80200000-0x80200fff" },
	{ "shm-bad-ipa", KE_RANGE, "test.dtb: /alpha: shared-memory maps ring0 at IPA 0x10000000000-0x100001fffff, beyond the 40-bit IPA space" },
	{ "shm-bad-overlap", KE_RANGE, "test.dtb: /alpha: shared-memory-ro maps ring1 at IPA 0x701ff000-0x701fffff, which overlaps shared memory ring0 at 0x70000000-0x701fffff" },
	{ "shm-bad-entry-len", KE_INVAL, "test.dtb: /alpha: shared-memory must be <&region IPA> entries of 1 + 2 cells" },
	{ "shm-bad-region-prop", KE_INVAL, "test.dtb: /ring0: unknown property \"sise\" in a shared memory region" },
	{ "shm-bad-region-name", KE_INVAL, "test.dtb: /Ring2: region name has 'R'; use only a-z, 0-9" },
	{ "shm-bad-vm-prop", KE_INVAL, "test.dtb: /alpha: unknown property \"shared-memory-rw\"" },
	{ "shm-bad-peers", KE_NOTSUP, "test.dtb: /alpha: shares memory with 5 other VMs but its doorbell (a PL061 of 8 lines, two per peer) serves at most 4" },
};

static void test_bad_configs(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		int r = parse(c->fixture);

		if (r != c->ret || !strstr(err, c->msg))
			fail_msg("%s: got %d \"%s\", want %d \"%s\"", c->fixture, r, err, c->ret, c->msg);
		assert_int_equal(cfg.nr_vms, 0);	/* nothing half-parsed is left */
		assert_int_equal(cfg.nr_shm, 0);
	}
}

/* ------------------------------------------------------------ device tree */

static const void *build_for(unsigned vm)
{
	struct vmdt_params p;

	if (parse("shm-good"))
		fail_msg("%s", err);
	memset(&p, 0, sizeof(p));
	p.vm = &cfg.vms[vm];
	p.has_gic = true;
	p.gicd_ipa = CONFIG_GICD_BASE;
	p.gicr_ipa = CONFIG_GICR_BASE;
	p.gic_maint_intid = 25;
	p.timer_intid[0] = 29;
	p.timer_intid[1] = 30;
	p.timer_intid[2] = 27;
	p.timer_intid[3] = 26;
	p.config = &cfg;
	assert_int_equal(vmdt_build(&p, dtb, sizeof(dtb)), 0);
	assert_int_equal(fdt_check_header(dtb), 0);
	return dtb;
}

static int node(const void *fdt, const char *path)
{
	int n = fdt_path_offset(fdt, path);

	if (n < 0)
		fail_msg("no node %s", path);
	return n;
}

static void expect_prop(const void *fdt, const char *path, const char *prop, const void *val,
			int len)
{
	int got;
	const void *v = fdt_getprop(fdt, node(fdt, path), prop, &got);

	if (!v)
		fail_msg("%s has no %s", path, prop);
	assert_int_equal(got, len);
	assert_memory_equal(v, val, (size_t)len);
}

static void test_dt_regions(void **state)
{
	const void *fdt = build_for(0);
	const fdt32_t reg0[4] = { 0, cpu_to_fdt32(0x70000000), 0, cpu_to_fdt32(0x200000) };
	const fdt32_t ph0 = cpu_to_fdt32(VMDT_PHANDLE_SHM(0)), ph1 = cpu_to_fdt32(VMDT_PHANDLE_SHM(1));
	static const char users0[] = "alpha\0beta", users1[] = "alpha\0beta\0gamma";
	int len;

	expect_prop(fdt, "/reserved-memory/ring0@70000000", "reg", reg0, sizeof(reg0));
	expect_prop(fdt, "/reserved-memory/ring0@70000000", "no-map", "", 0);
	expect_prop(fdt, "/reserved-memory/ring0@70000000", "phandle", &ph0, 4);
	expect_prop(fdt, "/reserved-memory/ring1@70200000", "phandle", &ph1, 4);
	expect_prop(fdt, "/reserved-memory", "ranges", "", 0);
	expect_prop(fdt, "/shared-memory-ring0", "compatible", "keel,shared-memory", 19);
	expect_prop(fdt, "/shared-memory-ring0", "keel,name", "ring0", 6);
	expect_prop(fdt, "/shared-memory-ring0", "memory-region", &ph0, 4);
	expect_prop(fdt, "/shared-memory-ring0", "keel,users", users0, sizeof(users0));
	assert_null(fdt_getprop(fdt, node(fdt, "/shared-memory-ring0"), "read-only", &len));
	expect_prop(fdt, "/shared-memory-ring1", "memory-region", &ph1, 4);
	expect_prop(fdt, "/shared-memory-ring1", "keel,users", users1, sizeof(users1));
	expect_prop(fdt, "/shared-memory-ring1", "read-only", "", 0);
}

static void test_dt_doorbell(void **state)
{
	const void *fdt = build_for(0);
	static const char names_a[] = "ring-beta\0from-beta\0ring-gamma\0from-gamma\0\0\0\0";
	static const char names_g[] = "ring-alpha\0from-alpha\0ring-beta\0from-beta\0\0\0\0";
	static const char compat[] = "arm,pl061\0arm,primecell";
	const fdt32_t irq[3] = { 0, cpu_to_fdt32(7), cpu_to_fdt32(4) };
	const fdt32_t clk = cpu_to_fdt32(VMDT_PHANDLE_CLK);

	expect_prop(fdt, "/pl061@9030000", "compatible", compat, sizeof(compat));
	expect_prop(fdt, "/pl061@9030000", "interrupts", irq, sizeof(irq));
	expect_prop(fdt, "/pl061@9030000", "clocks", &clk, 4);
	expect_prop(fdt, "/pl061@9030000", "clock-names", "apb_pclk", 9);
	expect_prop(fdt, "/pl061@9030000", "gpio-controller", "", 0);
	expect_prop(fdt, "/pl061@9030000", "gpio-line-names", names_a, sizeof(names_a));
	fdt = build_for(2);
	expect_prop(fdt, "/pl061@9030000", "gpio-line-names", names_g, sizeof(names_g));
	fdt = build_for(1);
	assert_true(fdt_path_offset(fdt, "/pl061@9040000") >= 0);	/* its own doorbell = <> */
}

static void test_dt_without_config(void **state)
{
	struct vmdt_params p;

	if (parse("shm-good"))
		fail_msg("%s", err);
	memset(&p, 0, sizeof(p));
	p.vm = &cfg.vms[0];
	assert_int_equal(vmdt_build(&p, dtb, sizeof(dtb)), 0);
	assert_true(fdt_path_offset(dtb, "/reserved-memory") < 0);
	assert_true(fdt_path_offset(dtb, "/pl061@9030000") < 0);
}

/* ------------------------------------------------------------ the guests' message ring */

static void test_ring_flow(void **state)
{
	static uint64_t region[4096 / 8];
	struct shm_ring tx, rx;
	uint64_t seq = 0, sent = 0, got = 0;

	memset(region, 0, sizeof(region));
	shm_ring_open(&tx, (uintptr_t)region, sizeof(region), 1);
	shm_ring_open(&rx, (uintptr_t)region, sizeof(region), 1);	/* the peer's view */
	assert_int_equal(tx.nslots, 30);	/* (2048 - 128) / 64 */
	assert_ptr_equal(tx.base, region + 2048 / 8);
	assert_int_equal(shm_ring_recv(&rx, 1, &seq), 0);
	/* Many times round the ring, in bursts that fill it. */
	while (got < 1000) {
		while (shm_ring_send(&tx))
			sent++;
		assert_int_equal(shm_ring_head(&tx) - shm_ring_tail(&tx), tx.nslots);
		for (int i = 0; i < 7 && got < sent; i++) {
			assert_int_equal(shm_ring_recv(&rx, got + 1, &seq), 1);
			got++;
		}
	}
	assert_int_equal(shm_ring_tail(&tx), got);
	/* Side 0's ring, the other half, is untouched. */
	for (unsigned i = 0; i < 2048 / 8; i++)
		assert_int_equal(region[i], 0);
}

static void test_ring_refuses_bad_messages(void **state)
{
	static uint64_t region[4096 / 8];
	struct shm_ring tx, rx;
	uint64_t seq = 0;

	memset(region, 0, sizeof(region));
	shm_ring_open(&tx, (uintptr_t)region, sizeof(region), 0);
	shm_ring_open(&rx, (uintptr_t)region, sizeof(region), 0);
	assert_true(shm_ring_send(&tx));
	assert_true(shm_ring_send(&tx));
	assert_true(shm_ring_send(&tx));
	assert_int_equal(shm_ring_recv(&rx, 1, &seq), 1);
	shm_ring_slot(&tx, 2)[3] ^= 1;			/* content */
	assert_int_equal(shm_ring_recv(&rx, 2, &seq), -1);
	assert_int_equal(seq, 2);
	assert_int_equal(shm_ring_recv(&rx, 4, &seq), -1);	/* order: 3 where 4 was due */
	assert_int_equal(seq, 3);
	/* A message of the other direction's content is wrong here. */
	shm_ring_open(&rx, (uintptr_t)region, sizeof(region), 0);
	rx.producer = 1;
	assert_true(shm_ring_send(&tx));
	assert_int_equal(shm_ring_recv(&rx, 4, &seq), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions_and_maps),
		cmocka_unit_test(test_peers_and_doorbells),
		cmocka_unit_test(test_ring_wiring),
		cmocka_unit_test(test_no_shm_no_peers),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_dt_regions),
		cmocka_unit_test(test_dt_doorbell),
		cmocka_unit_test(test_dt_without_config),
		cmocka_unit_test(test_ring_flow),
		cmocka_unit_test(test_ring_refuses_bad_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
