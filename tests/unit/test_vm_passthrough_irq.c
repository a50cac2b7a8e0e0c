// deps: src/core/vm_passthrough_irq.c src/devices/vgic.c src/devices/vgic_dist.c src/devices/vgic_redist.c src/devices/vgic_lr.c
/*
 * The physical side of passed-through SPIs (src/core/vm_passthrough_irq.c) against the
 * real vGIC model, with the distributor faked: what keel programs at creation, start and
 * stop, how the guest's route and enable reach it, and what a firing does in a running
 * and in a stopped VM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/irq.h>
#include <keel/passthrough.h>
#include <keel/vm.h>
#include <keel/vm_passthrough_irq.h>

/* ---------------------------------------------------------------- the faked distributor */

struct fake_spi {
	struct vm *owner;
	bool configured, edge, enabled, active, pending;
	unsigned pcpu, routes, enables, disables, deactivations;
};
static struct fake_spi spi[IRQ_SPI_END];
static unsigned kicks, private_deactivations;
static int claim_result;

int irq_spi_claim(unsigned pintid, struct vm *vm, unsigned vintid)
{
	assert_true(pintid >= IRQ_SPI_FIRST && pintid < IRQ_SPI_END);
	assert_int_equal(vintid, pintid);
	if (claim_result)
		return claim_result;
	if (spi[pintid].owner)
		return KE_EXIST;
	spi[pintid].owner = vm;
	return KE_OK;
}

void irq_spi_configure(unsigned pintid, bool edge)
{
	assert_false(spi[pintid].enabled);   /* GICD_ICFGR only changes while disabled */
	spi[pintid].configured = true;
	spi[pintid].edge = edge;
}

void irq_spi_route(unsigned pintid, unsigned pcpu)
{
	assert_false(spi[pintid].enabled);   /* re-routed while disabled */
	spi[pintid].pcpu = pcpu;
	spi[pintid].routes++;
}

void irq_spi_set_enabled(unsigned pintid, bool enabled)
{
	if (enabled)
		spi[pintid].enables++;
	else
		spi[pintid].disables++;
	spi[pintid].enabled = enabled;
}

void irq_spi_deactivate(unsigned pintid)
{
	spi[pintid].active = false;
	spi[pintid].deactivations++;
}

void irq_spi_set_pending(unsigned pintid)
{
	spi[pintid].pending = true;
}

void vcpu_hw_irq_deactivate(void *vm, unsigned vcpu, uint32_t pintid)
{
	private_deactivations++;
}

void vm_irq_kick(struct vm *vm, uint32_t vcpus)
{
	if (vcpus)
		kicks++;
}

/* ---------------------------------------------------------------- a VM */

static struct vm VM, OTHER;
static struct vm_passthrough PT, PT_OTHER;

/* VM: 2 vCPUs on physical CPUs 2 and 3; a device with SPI 39 (level) and 40 (edge). */
static void setup(void)
{
	memset(spi, 0, sizeof(spi));
	memset(&VM, 0, sizeof(VM));
	memset(&PT, 0, sizeof(PT));
	kicks = private_deactivations = 0;
	claim_result = 0;
	PT.nr_devices = 1;
	strcpy(PT.dev[0].path, "/pl061@9030000");
	PT.dev[0].nr_irqs = 2;
	PT.dev[0].irqs[0] = (struct passthrough_irq){ .intid = 39, .edge = false };
	PT.dev[0].irqs[1] = (struct passthrough_irq){ .intid = 40, .edge = true };
	VM.passthrough = &PT;
	VM.nr_vcpus = 2;
	VM.vcpus[0].pcpu = 2;
	VM.vcpus[1].pcpu = 3;
	VM.state = VM_STOPPED;
	assert_int_equal(vgic_init(&VM.vgic, 2), 0);
}

static void create(void)
{
	char err[200];

	assert_int_equal(vm_passthrough_irq_claim(&VM, err, sizeof(err)), 0);
	assert_int_equal(vm_passthrough_irq_link(&VM), 0);
}

static void start(void)
{
	VM.state = VM_RUNNING;
	vm_passthrough_irq_start(&VM);
}

static void gicd_write(uint64_t off, unsigned size, uint64_t val)
{
	uint32_t kick;

	assert_int_equal(vgic_dist_write(&VM.vgic, off, size, val, &kick), 0);
}

/* ---------------------------------------------------------------- tests */

static void test_ptirq_create_start(void **state)
{
	setup();
	create();
	for (unsigned i = 39; i <= 40; i++) {
		assert_ptr_equal(spi[i].owner, &VM);
		assert_true(spi[i].configured);
		assert_false(spi[i].enabled);
	}
	assert_false(spi[39].edge);
	assert_true(spi[40].edge);
	/* Linked with the trigger: GICD_ICFGR2 reads 39 level, 40 edge (bit 17). */
	uint64_t cfg;
	assert_int_equal(vgic_dist_read(&VM.vgic, 0xc08, 4, &cfg), 0);
	assert_int_equal(cfg & (3u << 14 | 3u << 16), 2u << 16);
	/* Started: routed to vCPU 0's CPU, inactive, still disabled (the guest has not enabled it). */
	spi[39].active = true;
	start();
	assert_int_equal(spi[39].pcpu, 2);
	assert_false(spi[39].active);
	assert_false(spi[39].enabled);
	/* Nothing else was touched. */
	for (unsigned i = IRQ_SPI_FIRST; i < IRQ_SPI_END; i++)
		if (i != 39 && i != 40)
			assert_false(spi[i].configured || spi[i].routes || spi[i].enables);
}

static void test_ptirq_claim_refused(void **state)
{
	char err[200];

	setup();
	memset(&OTHER, 0, sizeof(OTHER));
	memset(&PT_OTHER, 0, sizeof(PT_OTHER));
	PT_OTHER.nr_devices = 1;
	strcpy(PT_OTHER.dev[0].path, "/other@0");
	PT_OTHER.dev[0].nr_irqs = 1;
	PT_OTHER.dev[0].irqs[0] = (struct passthrough_irq){ .intid = 40, .edge = true };
	OTHER.passthrough = &PT_OTHER;
	assert_int_equal(vm_passthrough_irq_claim(&OTHER, err, sizeof(err)), 0);
	assert_int_equal(vm_passthrough_irq_claim(&VM, err, sizeof(err)), KE_EXIST);
	assert_non_null(strstr(err, "/pl061@9030000"));
	assert_non_null(strstr(err, "interrupt 40 (SPI 8)"));
	assert_non_null(strstr(err, "another VM has it"));
	assert_ptr_equal(spi[40].owner, &OTHER);
	claim_result = KE_INVAL;
	memset(spi, 0, sizeof(spi));
	assert_int_equal(vm_passthrough_irq_claim(&VM, err, sizeof(err)), KE_INVAL);
	assert_non_null(strstr(err, "keel uses it"));
	/* A VM without devices claims nothing. */
	claim_result = 0;
	OTHER.passthrough = NULL;
	assert_int_equal(vm_passthrough_irq_claim(&OTHER, err, sizeof(err)), 0);
	assert_int_equal(vm_passthrough_irq_link(&OTHER), 0);
}

/* The guest's GICD_ISENABLER/ICENABLER and GICD_IROUTER reach the distributor. */
static void test_ptirq_guest_route_enable(void **state)
{
	setup();
	create();
	start();
	gicd_write(0x104, 4, 1u << 7);              /* ISENABLER1: SPI 39 */
	assert_true(spi[39].enabled);
	assert_int_equal(spi[39].pcpu, 2);
	assert_false(spi[40].enabled);
	gicd_write(0x6000 + 8 * 39, 8, 1);          /* IROUTER39: vCPU 1 */
	assert_int_equal(spi[39].pcpu, 3);
	assert_true(spi[39].enabled);               /* re-enabled after the move */
	gicd_write(0x6000 + 8 * 39, 8, 0x0100);     /* Aff1 = 1: no such vCPU */
	assert_int_equal(spi[39].pcpu, 2);
	gicd_write(0x6000 + 8 * 39, 8, 0xff);       /* Aff0 255: none either */
	assert_int_equal(spi[39].pcpu, 2);
	gicd_write(0x184, 4, 1u << 7);              /* ICENABLER1 */
	assert_false(spi[39].enabled);
	/* A plain SPI next to them: no physical effect. */
	unsigned routes = spi[41].routes;
	gicd_write(0x104, 4, 1u << 9);
	gicd_write(0x6000 + 8 * 41, 8, 1);
	assert_int_equal(spi[41].routes, routes);
	assert_int_equal(spi[41].enables, 0);
	/* A vCPU still running while the VM stops cannot switch it back on. */
	VM.state = VM_STOPPING;
	gicd_write(0x104, 4, 1u << 7);
	assert_false(spi[39].enabled);
}

/* A firing: injected while running (kick, HW LR), deactivated and kept while stopped. */
static void test_ptirq_fire(void **state)
{
	uint64_t lrs[4];
	bool more;

	setup();
	create();
	start();
	gicd_write(0x0000, 4, 3);                   /* GICD_CTLR: groups on */
	gicd_write(0x084, 4, 3u << 7);              /* IGROUPR1: 39, 40 Group 1 */
	gicd_write(0x104, 4, 3u << 7);
	spi[39].active = true;                      /* acknowledged by keel */
	vm_passthrough_irq_fire(&VM, 39, 39);
	assert_int_equal(kicks, 1);
	assert_true(spi[39].active);                /* left active for the guest */
	assert_int_equal(vgic_lr_fill(&VM.vgic, 0, lrs, 4, &more), 1);
	assert_int_equal(lrs[0] & 0xffffffffu, 39);
	assert_true(lrs[0] & ICH_LR_HW);
	assert_int_equal((lrs[0] & ICH_LR_PINTID_MASK) >> ICH_LR_PINTID_SHIFT, 39);
	/* The guest clears it pending instead of taking it: keel deactivates the SPI. */
	(void)vgic_lr_sync(&VM.vgic, 0, lrs, 1);
	gicd_write(0x284, 4, 1u << 7);              /* ICPENDR1 */
	assert_false(spi[39].active);
	assert_int_equal(private_deactivations, 0);
	/* The edge SPI fires, not taken yet, and the VM stops: off, inactive, pending again. */
	spi[40].active = true;
	vm_passthrough_irq_fire(&VM, 40, 40);
	spi[39].active = true;
	vm_passthrough_irq_fire(&VM, 39, 39);
	VM.state = VM_STOPPING;
	vm_passthrough_irq_stop(&VM);
	for (unsigned i = 39; i <= 40; i++) {
		assert_false(spi[i].enabled);
		assert_false(spi[i].active);
	}
	assert_true(spi[40].pending);               /* the edge is kept for the next start */
	assert_false(spi[39].pending);              /* a level is pending while its line is high */
	/* One taken in that instant: deactivated, an edge made pending again, never injected. */
	kicks = 0;
	spi[40].pending = false;
	spi[40].active = spi[39].active = true;
	vm_passthrough_irq_fire(&VM, 40, 40);
	vm_passthrough_irq_fire(&VM, 39, 39);
	assert_int_equal(kicks, 0);
	assert_false(spi[40].active || spi[39].active);
	assert_true(spi[40].pending);
	assert_false(spi[39].pending);
	/* Restarted: a fresh vGIC, linked again; the SPIs programmed again, disabled. */
	assert_int_equal(vgic_init(&VM.vgic, 2), 0);
	assert_int_equal(vm_passthrough_irq_link(&VM), 0);
	start();
	assert_false(spi[39].enabled || spi[40].enabled);
	assert_int_equal(spi[39].pcpu, 2);
	assert_true(spi[40].pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptirq_create_start),
		cmocka_unit_test(test_ptirq_claim_refused),
		cmocka_unit_test(test_ptirq_guest_route_enable),
		cmocka_unit_test(test_ptirq_fire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
