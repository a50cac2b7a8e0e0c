/*
 * Passed-through interrupts (run with 2 vCPUs): QEMU virt's PL061 GPIO
 * controller, given to this VM by the configuration, raises its physical SPI
 * and keel must deliver it with the list register's HW bit, so that the
 * guest's EOI deactivates the physical interrupt.
 *
 * How the guest makes the PL061 interrupt by itself (QEMU 7.2, hw/gpio/pl061.c,
 * pl061_update): lines configured as outputs (GPIODIR) never raise an *edge*
 * interrupt when GPIODATA changes, since edges are detected on input lines
 * only; but the level sense (GPIOIS = 1) compares GPIODATA with GPIOIEV on
 * every line, outputs included. And switching a line from output to input
 * presents the value last written to it as a new input level, which is an
 * edge. So:
 *  - edge (GPIOIS = 0, rising): write 1 to line 0 as an output, turn it into
 *    an input (the edge), handler clears GPIOIC; then back to 0 the same way
 *    (a falling edge: ignored). Exactly one interrupt per rising edge.
 *  - level (GPIOIS = 1, high): write 1 to line 0 as an output. The interrupt
 *    stays asserted through GPIOIC while the line is 1: after each EOI
 *    (deactivation) it must come back, until the handler writes the line to
 *    0 (or masks it in GPIOIE): then it must stop.
 * The PL061's interrupt output is a level (GPIORIS & GPIOIE), as its device
 * tree node says (IRQ_TYPE_LEVEL_HIGH).
 *
 * Also: the interrupt wakes vCPU 0 waiting in WFI (vCPU 1 makes it), after
 * GICD_IROUTER names vCPU 1 it arrives there only, and one routed to vCPU 1
 * while it is powered off (PSCI CPU_OFF) reaches nobody until vCPU 1 is on
 * again, and then it does, once.
 *
 * Then it leaves the level interrupt asserted and injected but not taken (IRQs
 * masked) and, typed 'r', restarts (PSCI SYSTEM_RESET): keel must have
 * disabled and deactivated the physical SPI when the VM stopped and set it up
 * again when it started, or the second run's checks find it stuck active.
 *
 * A VM given a virtio-mmio transport with a virtio-rng device instead checks an
 * edge-triggered SPI (virtio.c).
 *
 * A VM with neither in its device tree is the bystander: the same INTID
 * enabled in its own vGIC, it must take none of the owner's interrupts (and
 * cannot reach the PL061's registers) while the owner runs.
 */
#include "guest/gic.h"
#include "guest/guest.h"
#include "guest/timer.h"
#include "ptirq.h"

const char guest_name[] = "ptirq";

/* PL061 (ARM DDI 0190) */
#define GPIODATA(mask)	((uint64_t)(mask) << 2)	/* address bits [9:2] select the lines */
#define GPIODIR		0x400
#define GPIOIS		0x404	/* 1: level sense */
#define GPIOIBE		0x408
#define GPIOIEV		0x40c	/* 1: rising edge / high level */
#define GPIOIE		0x410
#define GPIORIS		0x414
#define GPIOMIS		0x418
#define GPIOIC		0x41c
#define LINE		(1u << 0)


#define EDGES		200	/* edge interrupts counted one by one */
#define ROUTED_EDGES	50	/* with the SPI routed to vCPU 1 */
#define LEVEL_REPEATS	5	/* re-deliveries of a level held high */
#define BYSTANDER_MS	5000	/* the bystander watches this long (the owner needs < 1 s) */
#define BACKSTOP_MS	2000	/* vCPU 0's timer while it waits in WFI */
#define SPI_BYSTANDER_OWN 40	/* the bystander's own software-pended SPI */
#define UART_FR_RXFE	(1u << 4)	/* PL011 receive FIFO empty */

enum mode { MODE_EDGE, MODE_LEVEL_CLEAR, MODE_LEVEL_MASK };

static uint64_t pl061;
static unsigned pt_intid, vtimer_intid;
static bool dt_edge;
static volatile enum mode mode;
static volatile uint32_t taken_on[GUEST_MAX_CPUS];	/* INTID pt_intid, per vCPU */
static volatile uint32_t spurious;			/* taken with GPIOMIS clear */
static volatile uint32_t level_seen, wfi_flag, backstop_fired, own_spi_taken;
static volatile uint32_t sec_ready, sec_cmd, sec_done;

#define PSCI_AFF_OFF	1	/* AFFINITY_INFO: the vCPU is off */
#define SEC_IDLE	0
#define SEC_EDGE	1	/* vCPU 1: wait QUIET_MS, then make one edge */


static uint32_t rd(uint64_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(pl061 + off);
}

static void wr(uint64_t off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(pl061 + off) = v;
	__asm__ volatile("dsb sy" ::: "memory");
}

/* Line 0 driven to level as an output, then made an input: an edge if it differs. */
static void line_present(uint32_t level)
{
	wr(GPIODIR, LINE);
	wr(GPIODATA(LINE), level ? LINE : 0);
	wr(GPIODIR, 0);
}

static uint32_t total(void)
{
	uint32_t n = 0;

	for (unsigned c = 0; c < GUEST_MAX_CPUS; c++)
		n += __atomic_load_n(&taken_on[c], __ATOMIC_ACQUIRE);
	return n;
}

static void reset_counts(void)
{
	for (unsigned c = 0; c < GUEST_MAX_CPUS; c++)
		taken_on[c] = 0;
	spurious = level_seen = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Runs with the interrupt active; the runtime's EOIR (EOImode 0) then deactivates it. */
static void on_irq(uint32_t intid)
{
	unsigned cpu = cpu_index();
	uint32_t mis;

	if (intid == vtimer_intid) {
		write_sysreg(cntv_ctl_el0, 0);
		isb();
		__atomic_store_n(&backstop_fired, 1, __ATOMIC_RELEASE);
		return;
	}
	if (intid == SPI_BYSTANDER_OWN) {
		__atomic_fetch_add(&own_spi_taken, 1, __ATOMIC_RELEASE);
		return;
	}
	if (virtio_on_irq(intid) || intid != pt_intid)
		return;
	if (pl061) {
		mis = rd(GPIOMIS);
		if (!(mis & LINE))
			__atomic_fetch_add(&spurious, 1, __ATOMIC_RELAXED);
		if (mode == MODE_EDGE) {
			wr(GPIOIC, LINE);
		} else if (__atomic_add_fetch(&level_seen, 1, __ATOMIC_RELAXED) < LEVEL_REPEATS) {
			wr(GPIOIC, LINE);	/* the level re-asserts it at once */
		} else if (mode == MODE_LEVEL_CLEAR) {
			wr(GPIODATA(LINE), 0);	/* the source drops */
			wr(GPIOIC, LINE);
		} else {
			wr(GPIOIE, 0);		/* masked at the device: the line drops */
		}
	}
	if (cpu == 0)
		__atomic_store_n(&wfi_flag, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&taken_on[cpu], 1, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- discovery */

static bool find_pl061(void)
{
	int node = dt_find_compatible("arm,pl061");
	const uint32_t *irq;
	uint32_t len;
	uint64_t size;

	if (node < 0 || !dt_reg(node, 0, &pl061, &size))
		return false;
	irq = dt_prop(node, "interrupts", &len);
	if (!irq || len < 12 || dt_be32(&irq[0]) != DT_IRQ_TYPE_SPI)
		return checkf("pl061-interrupt", false, "its node has no SPI in \"interrupts\"");
	pt_intid = GIC_SPI_BASE + dt_be32(&irq[1]);
	dt_edge = (dt_be32(&irq[2]) & 0xf) == DT_IRQ_EDGE_RISING;
	printf("NOTE pl061 at 0x%lx, INTID %u, %s\n", (unsigned long)pl061, pt_intid,
	       dt_edge ? "edge" : "level");
	return true;
}

/* ---------------------------------------------------------------- vCPU 1 */

static void secondary(uint64_t unused)
{
	(void)unused;
	__atomic_store_n(&sec_ready, gic_cpu_init() ? 1 : 2, __ATOMIC_RELEASE);
	irq_enable();
	while (!__atomic_load_n(&sec_done, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&sec_cmd, __ATOMIC_ACQUIRE) != SEC_EDGE)
			continue;
		delay_us(QUIET_MS * 1000);	/* vCPU 0 is in WFI by now */
		line_present(1);
		__atomic_store_n(&sec_cmd, SEC_IDLE, __ATOMIC_RELEASE);
	}
	irq_disable();
}

/* vCPU 1 again, after CPU_OFF: take what waited for it, then off again. */
static volatile uint32_t sec2_ready, sec2_took;

static void secondary_again(uint64_t unused)
{
	(void)unused;
	if (!gic_cpu_init())
		return;
	__atomic_store_n(&sec2_ready, 1, __ATOMIC_RELEASE);
	irq_enable();
	(void)WAIT_UNTIL(__atomic_load_n(&taken_on[1], __ATOMIC_ACQUIRE) != 0, WAIT_MS);
	delay_us(QUIET_MS * 1000);	/* a second delivery would come by now */
	irq_disable();
	__atomic_store_n(&sec2_took, taken_on[1] + 1, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- owner checks */

static void pl061_quiet(void)
{
	wr(GPIOIE, 0);
	line_present(0);
	wr(GPIOIS, 0);
	wr(GPIOIBE, 0);
	wr(GPIOIEV, LINE);
	wr(GPIOIC, 0xff);
}

static void check_trigger(void)
{
	uint32_t off = GICD_ICFGR + 4 * (pt_intid / 16), bit = 2u << (2 * (pt_intid % 16));
	uint32_t cfg = *(volatile uint32_t *)(uintptr_t)(gic_dist_base() + off);

	checkf("icfgr-reads-dt-trigger", !!(cfg & bit) == dt_edge, "GICD_ICFGR 0x%x, DT says %s",
	       cfg, dt_edge ? "edge" : "level");
	if (!env.under_keel) {
		skip("icfgr-read-only", "not under keel: the GIC's ICFGR is writable");
		return;
	}
	gic_irq_set_edge(pt_intid, !dt_edge);
	cfg = *(volatile uint32_t *)(uintptr_t)(gic_dist_base() + off);
	checkf("icfgr-read-only", !!(cfg & bit) == dt_edge, "GICD_ICFGR 0x%x after a write", cfg);
}

/* count edges one by one; each must bring exactly one interrupt, on vCPU cpu. */
static bool edges(unsigned count, unsigned cpu, uint32_t *got)
{
	for (unsigned i = 0; i < count; i++) {
		line_present(1);
		if (!WAIT_UNTIL(__atomic_load_n(&taken_on[cpu], __ATOMIC_ACQUIRE) == i + 1, WAIT_MS))
			break;
		line_present(0);
	}
	delay_us(QUIET_MS * 1000);
	*got = taken_on[cpu];
	line_present(0);
	return *got == count && total() == count;
}

static void check_edge(void)
{
	uint32_t got;
	bool ok;

	pl061_quiet();
	reset_counts();
	mode = MODE_EDGE;
	wr(GPIOIE, LINE);
	ok = edges(EDGES, 0, &got);
	checkf("edge-one-per-edge", ok && !spurious, "%u edges: %u interrupts on vCPU 0, %u in "
	       "all, %u with GPIOMIS clear", EDGES, got, total(), spurious);
	wr(GPIOIE, 0);
}

static void check_level(enum mode m, const char *name, const char *quiet_name)
{
	pl061_quiet();
	reset_counts();
	mode = m;
	wr(GPIOIS, LINE);
	wr(GPIODIR, LINE);
	wr(GPIOIC, LINE);
	wr(GPIOIE, LINE);
	checkf(quiet_name, WAIT_UNTIL(total() != 0, QUIET_MS) == false,
	       "%u interrupts with the line low", total());
	wr(GPIODATA(LINE), LINE);	/* asserted, and stays so until the handler acts */
	(void)WAIT_UNTIL(total() >= LEVEL_REPEATS, WAIT_MS);
	delay_us(QUIET_MS * 1000);
	checkf(name, total() == LEVEL_REPEATS && !spurious,
	       "%u interrupts (want %u: back after each deactivation while asserted, none "
	       "after the handler %s it), %u with GPIOMIS clear, GPIORIS 0x%x", total(),
	       LEVEL_REPEATS, m == MODE_LEVEL_CLEAR ? "cleared" : "masked", spurious, rd(GPIORIS));
	if (m == MODE_LEVEL_MASK)
		checkf("level-masked-still-raw", rd(GPIORIS) & LINE, "GPIORIS 0x%x", rd(GPIORIS));
	pl061_quiet();
}

static void check_wfi(void)
{
	bool ok;
	unsigned wakes;

	pl061_quiet();
	reset_counts();
	mode = MODE_EDGE;
	wr(GPIOIE, LINE);
	wfi_flag = backstop_fired = 0;
	/* The virtual timer wakes vCPU 0 if the SPI does not. */
	gic_irq_enable(vtimer_intid);
	write_sysreg(cntv_tval_el0, BACKSTOP_MS * timer_freq() / 1000);
	write_sysreg(cntv_ctl_el0, 1);
	isb();
	__atomic_store_n(&sec_cmd, SEC_EDGE, __ATOMIC_RELEASE);
	wakes = irq_wait_flag(&wfi_flag, deadline_ms(2 * BACKSTOP_MS), &ok);
	irq_enable();
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	gic_irq_disable(vtimer_intid);
	checkf("wakes-vcpu-in-wfi", ok && !backstop_fired && taken_on[0] == 1,
	       "woken %d after %u WFI returns, backstop timer %s, taken %u", ok, wakes,
	       backstop_fired ? "fired" : "quiet", taken_on[0]);
	(void)WAIT_UNTIL(__atomic_load_n(&sec_cmd, __ATOMIC_ACQUIRE) == SEC_IDLE, WAIT_MS);
	wr(GPIOIE, 0);
}

static void check_reroute(void)
{
	uint32_t got;
	bool ok;

	pl061_quiet();
	reset_counts();
	mode = MODE_EDGE;
	gic_irq_route(pt_intid, env.cpu_mpidr[1]);
	wr(GPIOIE, LINE);
	ok = edges(ROUTED_EDGES, 1, &got);
	checkf("rerouted-to-vcpu1", ok && taken_on[0] == 0 && !spurious,
	       "%u edges: vCPU 1 took %u, vCPU 0 %u", ROUTED_EDGES, got, taken_on[0]);
	reset_counts();
	gic_irq_route(pt_intid, env.cpu_mpidr[0]);
	ok = edges(1, 0, &got);
	checkf("routed-back-to-vcpu0", ok && taken_on[1] == 0, "vCPU 0 took %u, vCPU 1 %u", got,
	       taken_on[1]);
	wr(GPIOIE, 0);
}

/* vCPU 1 is off (its first run returned: CPU_OFF); the SPI routed to it waits for it. */
static void check_vcpu_off(void)
{
	bool off = WAIT_UNTIL(psci_affinity_info(env.cpu_mpidr[1]) == PSCI_AFF_OFF, WAIT_MS);

	pl061_quiet();
	reset_counts();
	mode = MODE_EDGE;
	gic_irq_route(pt_intid, env.cpu_mpidr[1]);
	gic_irq_enable(pt_intid);
	wr(GPIOIE, LINE);
	irq_enable();
	line_present(1);
	delay_us(QUIET_MS * 1000);
	checkf("vcpu-off-nobody-takes-it", off && total() == 0 && gic_irq_is_pending(pt_intid),
	       "vCPU 1 off %d, taken %u, pending %d", off, total(), gic_irq_is_pending(pt_intid));
	if (!check_eq("cpu-on-vcpu1-again", cpu_start(1, secondary_again, 0), PSCI_SUCCESS))
		return;
	(void)WAIT_UNTIL(__atomic_load_n(&sec2_took, __ATOMIC_ACQUIRE) != 0, 3 * WAIT_MS);
	checkf("vcpu-off-kept-for-it", sec2_ready && sec2_took == 2 && taken_on[0] == 0 &&
	       !spurious, "vCPU 1 started %u, took %u, vCPU 0 took %u", sec2_ready,
	       sec2_took ? sec2_took - 1 : 0, taken_on[0]);
	irq_disable();
	gic_irq_disable(pt_intid);
	gic_irq_route(pt_intid, env.cpu_mpidr[0]);
	pl061_quiet();
}

static void owner(void)
{
	pl061_quiet();	/* as a driver would: a restarted VM finds it as the last run left it */
	check_trigger();
	gic_irq_set_priority(pt_intid, GIC_PRIO_DEFAULT);
	gic_irq_route(pt_intid, env.cpu_mpidr[0]);
	gic_irq_enable(pt_intid);
	irq_enable();
	check_edge();
	check_level(MODE_LEVEL_CLEAR, "level-back-until-cleared", "level-quiet-while-low");
	check_level(MODE_LEVEL_MASK, "level-back-until-masked", "level-quiet-while-low-again");
	check_wfi();
	check_reroute();
	irq_disable();
	gic_irq_disable(pt_intid);
	pl061_quiet();
}

/* The level interrupt asserted, injected, never taken: what a VM may stop with. */
static void leave_asserted(void)
{
	reset_counts();
	mode = MODE_EDGE;	/* were it taken, GPIOIC would not end it: a storm */
	wr(GPIOIS, LINE);
	wr(GPIODIR, LINE);
	wr(GPIODATA(LINE), LINE);
	wr(GPIOIE, LINE);
	gic_irq_enable(pt_intid);
	delay_us(QUIET_MS * 1000);
	checkf("left-pending", gic_irq_is_pending(pt_intid) && total() == 0,
	       "pending %d, taken %u", gic_irq_is_pending(pt_intid), total());
}

static char console_getc(void)
{
	while (mmio_read32(env.uart_base + UART_FR) & UART_FR_RXFE)
		delay_us(1000);	/* each poll is an exit to keel */
	return (char)mmio_read32(env.uart_base + UART_DR);
}

/* ---------------------------------------------------------------- bystander */

static void bystander(void)
{
	const uint64_t qemu_pl061 = 0x09030000;
	uint64_t v;
	struct fault f = probe_read(qemu_pl061 + GPIORIS, 4, &v);

	pt_intid = GIC_SPI_BASE + 7;	/* QEMU virt's PL061 */
	check("bystander-pl061-unreachable", fault_is_sea(&f, qemu_pl061 + GPIORIS));
	gic_irq_route(pt_intid, env.cpu_mpidr[0]);
	gic_irq_enable(pt_intid);
	gic_irq_route(SPI_BYSTANDER_OWN, env.cpu_mpidr[0]);
	gic_irq_enable(SPI_BYSTANDER_OWN);
	irq_enable();
	gic_irq_set_pending(SPI_BYSTANDER_OWN);
	check("bystander-own-spi-taken", WAIT_UNTIL(own_spi_taken == 1, WAIT_MS));
	delay_us(BYSTANDER_MS * 1000ULL);
	checkf("bystander-gets-none", total() == 0, "took INTID %u %u times", pt_intid, total());
	irq_disable();
}

void guest_main(void)
{
	bool is_owner = find_pl061(), has_virtio = virtio_find();

	if (!check("gic-init", gic_init()))
		return;
	irq_set_handler(on_irq);
	if (!is_owner && has_virtio) {
		virtio_check_edge();
		return;
	}
	if (!is_owner) {
		printf("NOTE no pl061 in the device tree: bystander\n");
		bystander();
		return;
	}
	if (!checkf("two-vcpus", env.ncpus >= 2, "%u vCPU(s), need 2", env.ncpus) ||
	    !checkf("vtimer-intid", timer_dt_virt_intid(&vtimer_intid), "no virtual timer in the DT"))
		return;
	check_eq("cpu-on-vcpu1", cpu_start(1, secondary, 0), PSCI_SUCCESS);
	if (!check("gic-init-vcpu1", WAIT_UNTIL(__atomic_load_n(&sec_ready, __ATOMIC_ACQUIRE),
						WAIT_MS) && sec_ready == 1))
		return;
	owner();
	if (has_virtio)
		virtio_check_edge();	/* natively: QEMU's own device tree lists both */
	__atomic_store_n(&sec_done, 1, __ATOMIC_RELEASE);
	check_vcpu_off();
	leave_asserted();
	printf("PTIRQ type r to restart, anything else to end\n");
	if (console_getc() != 'r')
		return;
	printf("SUMMARY %s %u passed, %u failed\n", guest_name, checks_passed(), checks_failed());
	hvc0(PSCI_SYSTEM_RESET);
	checkf("system-reset", false, "PSCI SYSTEM_RESET returned");
}
