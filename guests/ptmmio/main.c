/*
 * Device passthrough of MMIO (docs/config.md, "Device passthrough"), one image for three
 * VMs of tests/integration/configs/passthrough-mmio.dts, told apart by their name:
 *  - owner is given QEMU virt's PL031 RTC (/pl031@9010000): its device tree has the copied
 *    node (reg, interrupts, interrupt-parent = its GIC, a fixed clock), and the registers
 *    are the real device's: the data register counts real seconds, the PrimeCell ID reads
 *    0x0d 0xf0 0x05 0xb1;
 *  - mover is given the eight virtio-mmio transports of page 0x0a003000, moved to IPA
 *    0x20003000: each copied node says where, each reads the virtio magic there, and the
 *    physical address itself is not mapped;
 *  - intruder, not given them, reads and writes its address and gets data aborts, then goes on;
 *  - bystander checks its own RAM and hypercalls, so that a neighbour's faults cost it nothing.
 */
#include <string.h>
#include "guest/guest.h"

const char guest_name[] = "ptmmio";

#define RTC_BASE	0x09010000ULL
#define RTC_SIZE	0x1000ULL
#define RTC_SPI		2u
#define RTCDR		0x000		/* data register: seconds */
#define PCELL_ID0	0xff0		/* PrimeCell ID: 0x0d 0xf0 0x05 0xb1 in bits 7:0 of 4 words */
#define DT_IRQ_LEVEL_HI	4u
#define WAIT_US		1200000ULL	/* > 1 s: the RTC's seconds must move */
#define VIRTIO_PA	0x0a003000ULL	/* QEMU virt transports 24..31, 0x200 each */
#define VIRTIO_IPA	0x20003000ULL	/* where owner's configuration puts them */
#define VIRTIO_SIZE	0x200ULL
#define VIRTIO_FIRST	24u
#define VIRTIO_SPI0	16u		/* transport n has SPI 16 + n */
#define VIRTIO_MAGIC	0x74726976u	/* "virt" at offset 0 */
#define VIRTIO_VERSION	0x004
#define VIRTIO_DEVICE	0x008
#define DT_IRQ_EDGE	1u

static bool vm_is(const char *role)
{
	size_t n = env.vm_name ? strlen(env.vm_name) : 0, len = strlen(role);

	return n >= len && !strcmp(env.vm_name + n - len, role);
}

/* 32-bit read that reports a fault instead of dying of it. */
static bool rtc_read(unsigned off, uint32_t *v)
{
	uint64_t val;
	struct fault f = probe_read(RTC_BASE + off, 4, &val);

	*v = (uint32_t)val;
	if (f.taken)
		printf("NOTE read of 0x%lx aborted: ESR 0x%lx\n", (unsigned long)(RTC_BASE + off),
		       (unsigned long)f.esr);
	return !f.taken;
}

static bool cells_are(int node, const char *prop, const uint32_t *want, unsigned n)
{
	uint32_t len;
	const uint8_t *v = dt_prop(node, prop, &len);

	if (!v || len != n * 4)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (dt_be32(v + 4 * i) != want[i])
			return false;
	return true;
}

static void owner_check_dt(void)
{
	const uint32_t irq[3] = { 0, RTC_SPI, DT_IRQ_LEVEL_HI };
	int node = dt_path("/pl031@9010000"), gic = dt_find_compatible("arm,gic-v3"), clk = -1;
	const void *gic_ph = gic >= 0 ? dt_prop(gic, "phandle", NULL) : NULL;
	const void *parent = node >= 0 ? dt_prop(node, "interrupt-parent", NULL) : NULL;
	const void *clocks = node >= 0 ? dt_prop(node, "clocks", NULL) : NULL;
	uint64_t base = 0, size = 0;

	check("dt-node-copied", node >= 0);
	if (node < 0)
		return;
	check("dt-compatible", dt_find_compatible("arm,pl031") == node);
	checkf("dt-reg", dt_reg(node, 0, &base, &size) && base == RTC_BASE && size == RTC_SIZE,
	       "reg 0x%lx+0x%lx", (unsigned long)base, (unsigned long)size);
	check("dt-interrupts", cells_are(node, "interrupts", irq, 3));
	check("dt-interrupt-parent-is-gic", gic_ph && parent && dt_be32(parent) == dt_be32(gic_ph));
	for (int n = dt_first_child(dt_root()); clocks && n >= 0; n = dt_next_sibling(n)) {
		const void *ph = dt_prop(n, "phandle", NULL);

		if (ph && dt_be32(ph) == dt_be32(clocks))
			clk = n;
	}
	check("dt-clock-is-fixed", clk >= 0 && dt_find_compatible("fixed-clock") >= 0 &&
	      dt_prop(clk, "clock-frequency", NULL));
}

static void owner_check_device(void)
{
	static const uint32_t cell_id[4] = { 0x0d, 0xf0, 0x05, 0xb1 };
	uint32_t t0 = 0, t1 = 0, id;
	bool ok;

	ok = rtc_read(RTCDR, &t0);
	checkf("rtc-data-nonzero", ok && t0 != 0, "RTCDR 0x%x", (unsigned)t0);
	delay_us(WAIT_US);
	ok = rtc_read(RTCDR, &t1);
	checkf("rtc-data-counts", ok && t1 > t0, "RTCDR 0x%x then 0x%x", (unsigned)t0, (unsigned)t1);
	printf("NOTE RTC 0x%x then 0x%x\n", (unsigned)t0, (unsigned)t1);
	for (unsigned i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rtc-primecell-id%u", i);
		ok = rtc_read(PCELL_ID0 + 4 * i, &id);
		checkf(name, ok && (id & 0xff) == cell_id[i], "0x%x, want 0x%x", (unsigned)id,
		       (unsigned)cell_id[i]);
	}
}

/* The eight transports of one page, each at its moved IPA, each a real virtio-mmio device. */
static void mover_check_virtio(void)
{
	unsigned found = 0, placed = 0, magic = 0;

	for (unsigned i = 0; i < 8; i++) {
		const uint32_t irq[3] = { 0, VIRTIO_SPI0 + VIRTIO_FIRST + i, DT_IRQ_EDGE };
		char path[40];
		uint64_t base = 0, size = 0, v = 0, ver = 0, id = 0;
		int node;

		snprintf(path, sizeof(path), "/virtio_mmio@a003%x00", 2 * i);
		node = dt_path(path);
		if (node < 0)
			continue;
		found++;
		if (dt_reg(node, 0, &base, &size) && base == VIRTIO_IPA + i * VIRTIO_SIZE &&
		    size == VIRTIO_SIZE && cells_are(node, "interrupts", irq, 3))
			placed++;
		else
			printf("NOTE %s: reg 0x%lx+0x%lx\n", path, (unsigned long)base,
			       (unsigned long)size);
		if (!probe_read(VIRTIO_IPA + i * VIRTIO_SIZE, 4, &v).taken && v == VIRTIO_MAGIC &&
		    !probe_read(VIRTIO_IPA + i * VIRTIO_SIZE + VIRTIO_VERSION, 4, &ver).taken &&
		    (ver == 1 || ver == 2) &&
		    !probe_read(VIRTIO_IPA + i * VIRTIO_SIZE + VIRTIO_DEVICE, 4, &id).taken)
			magic++;
		printf("NOTE %s at IPA 0x%lx: magic 0x%lx version %lu device %lu\n", path,
		       (unsigned long)(VIRTIO_IPA + i * VIRTIO_SIZE), (unsigned long)v,
		       (unsigned long)ver, (unsigned long)id);
	}
	checkf("virtio-nodes-copied", found == 8, "%u of 8", found);
	checkf("virtio-nodes-moved", placed == 8, "%u of 8 at their IPA with their SPI", placed);
	checkf("virtio-registers-real", magic == 8, "%u of 8 read the virtio magic", magic);
	/* the transports' physical address is not mapped in this VM: they moved */
	uint64_t v;
	struct fault f = probe_read(VIRTIO_PA + 0xe00, 4, &v);
	check("virtio-pa-not-mapped", fault_is_sea(&f, VIRTIO_PA + 0xe00));
	check("dt-has-no-rtc", dt_path("/pl031@9010000") < 0);
}

static void intruder_check(void)
{
	uint64_t v;
	struct fault r = probe_read(RTC_BASE, 4, &v);
	struct fault w = probe_write(RTC_BASE + 0x4, 4, 0);	/* RTCMR */

	check("dt-has-no-rtc", dt_path("/pl031@9010000") < 0);
	checkf("rtc-read-aborts", fault_is_sea(&r, RTC_BASE) && v == PROBE_POISON,
	       "taken %d ESR 0x%lx FAR 0x%lx value 0x%lx", r.taken, (unsigned long)r.esr,
	       (unsigned long)r.far, (unsigned long)v);
	checkf("rtc-write-aborts", fault_is_sea(&w, RTC_BASE + 0x4), "taken %d ESR 0x%lx", w.taken,
	       (unsigned long)w.esr);
	printf("NOTE abort reported: ESR 0x%lx FAR 0x%lx\n", (unsigned long)r.esr,
	       (unsigned long)r.far);
	r = probe_read(VIRTIO_PA + 0xe00, 4, &v);
	check("virtio-read-aborts", fault_is_sea(&r, VIRTIO_PA + 0xe00));
	r = probe_read(VIRTIO_IPA, 4, &v);
	check("moved-ipa-aborts", fault_is_sea(&r, VIRTIO_IPA));
}

/* After its faults (or beside them) a VM still runs: RAM and hypercalls answer. */
static void check_still_running(void)
{
	static volatile uint64_t word;

	word = 0x1234abcd5678ef00ULL;
	check_eq("ram-still-works", word, 0x1234abcd5678ef00ULL);
	check_eq("hypercall-still-works", hvc0(KEEL_HC_VERSION).a0,
		 KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR);
}

void guest_main(void)
{
	printf("NOTE role %s\n", env.vm_name);
	if (vm_is("owner")) {
		owner_check_dt();
		owner_check_device();
	} else if (vm_is("mover")) {
		mover_check_virtio();
	} else if (vm_is("intruder")) {
		intruder_check();
	} else {
		check("dt-has-no-rtc", dt_path("/pl031@9010000") < 0);
	}
	check_still_running();
}
