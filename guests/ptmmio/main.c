/*
 * Device passthrough of MMIO (docs/config.md, "Device passthrough"), one image for three
 * VMs of tests/integration/configs/passthrough-mmio.dts, told apart by their name:
 *  - owner is given QEMU virt's PL031 RTC (/pl031@9010000): its device tree has the copied
 *    node (reg, interrupts, interrupt-parent = its GIC, a fixed clock), and the registers
 *    are the real device's: the data register counts real seconds, the PrimeCell ID reads
 *    0x0d 0xf0 0x05 0xb1;
 *  - intruder, not given it, reads and writes its address and gets data aborts, then goes on;
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
	} else if (vm_is("intruder")) {
		intruder_check();
	} else {
		check("dt-has-no-rtc", dt_path("/pl031@9010000") < 0);
	}
	check_still_running();
}
