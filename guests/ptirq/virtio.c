/*
 * An edge-triggered passed-through SPI: a virtio-mmio transport (QEMU virt's,
 * interrupts <0 16+n 1>: rising edge) with a virtio-rng device behind it
 * (QEMU -device virtio-rng-device). The guest drives it as a legacy (version 1)
 * virtio-mmio device with one 8-entry virtqueue in its own RAM, which must be
 * phys (IPA = PA: the device does DMA and there is no SMMU), and asks for
 * VIRTIO_REQUESTS buffers of entropy one by one: each used buffer raises
 * InterruptStatus.0, a rising edge of the SPI, and must bring exactly one
 * interrupt; the handler acknowledges it (InterruptACK), so the line drops.
 * GICD_ICFGR must read edge for this SPI (the device tree's trigger).
 */
#include "guest/gic.h"
#include "guest/guest.h"
#include "ptirq.h"

/* virtio-mmio, legacy register layout (virtio 1.0, 4.2.4) */
#define VIRTIO_MAGIC		0x000
#define VIRTIO_VERSION		0x004
#define VIRTIO_DEVICE_ID	0x008
#define VIRTIO_GUEST_FEATURES	0x020
#define VIRTIO_GUEST_PAGE_SIZE	0x028
#define VIRTIO_QUEUE_SEL	0x030
#define VIRTIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_QUEUE_NUM	0x038
#define VIRTIO_QUEUE_ALIGN	0x03c
#define VIRTIO_QUEUE_PFN	0x040
#define VIRTIO_QUEUE_NOTIFY	0x050
#define VIRTIO_INT_STATUS	0x060
#define VIRTIO_INT_ACK		0x064
#define VIRTIO_STATUS		0x070

#define VIRTIO_MAGIC_VALUE	0x74726976	/* "virt" */
#define VIRTIO_ID_ENTROPY	4
#define VIRTIO_ST_ACK		1
#define VIRTIO_ST_DRIVER	2
#define VIRTIO_ST_DRIVER_OK	4
#define VIRTIO_INT_USED		1
#define VRING_DESC_F_WRITE	2

#define QUEUE_SIZE		8
#define QUEUE_PAGE		4096
#define VIRTIO_REQUESTS		100
#define RNG_BYTES		16

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* Descriptors and the available ring in the first page, the used ring in the second. */
static struct vring {
	struct vring_desc desc[QUEUE_SIZE];
	volatile uint16_t avail_flags, avail_idx, avail_ring[QUEUE_SIZE], used_event;
	uint8_t pad[QUEUE_PAGE - QUEUE_SIZE * 16 - (4 + 2 * QUEUE_SIZE + 2)];
	volatile uint16_t used_flags, used_idx;
	volatile struct { uint32_t id, len; } used_ring[QUEUE_SIZE];
} ring __attribute__((aligned(QUEUE_PAGE)));
static uint8_t rng_buf[RNG_BYTES] __attribute__((aligned(64)));

static uint64_t vio;
static unsigned vio_intid;
static bool vio_edge;
static volatile uint32_t vio_taken, vio_spurious, vio_no_ack;

static uint32_t vrd(uint64_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(vio + off);
}

static void vwr(uint64_t off, uint32_t v)
{
	__asm__ volatile("dsb sy" ::: "memory");
	*(volatile uint32_t *)(uintptr_t)(vio + off) = v;
}

bool virtio_find(void)
{
	for (int n = dt_first_child(dt_root()); n >= 0; n = dt_next_sibling(n)) {
		const char *compat = dt_prop(n, "compatible", NULL);
		const uint32_t *irq;
		uint32_t len;
		uint64_t base, size;

		if (!compat || !dt_streq(compat, "virtio,mmio") || !dt_reg(n, 0, &base, &size))
			continue;
		irq = dt_prop(n, "interrupts", &len);
		if (!irq || len < 12 || dt_be32(&irq[0]) != DT_IRQ_TYPE_SPI)
			continue;
		if (*(volatile uint32_t *)(uintptr_t)(base + VIRTIO_MAGIC) != VIRTIO_MAGIC_VALUE ||
		    *(volatile uint32_t *)(uintptr_t)(base + VIRTIO_DEVICE_ID) != VIRTIO_ID_ENTROPY)
			continue;	/* natively every transport is there; the rng is behind one */
		vio = base;
		vio_intid = GIC_SPI_BASE + dt_be32(&irq[1]);
		vio_edge = (dt_be32(&irq[2]) & 0xf) == DT_IRQ_EDGE_RISING;
		printf("NOTE virtio-rng at 0x%lx, INTID %u, %s\n", (unsigned long)vio, vio_intid,
		       vio_edge ? "edge" : "level");
		return true;
	}
	return false;
}

bool virtio_on_irq(uint32_t intid)
{
	uint32_t st;

	if (!vio || intid != vio_intid)
		return false;
	st = vrd(VIRTIO_INT_STATUS);
	if (!(st & VIRTIO_INT_USED))
		__atomic_fetch_add(&vio_spurious, 1, __ATOMIC_RELAXED);
	if (!vio_no_ack)
		vwr(VIRTIO_INT_ACK, st);	/* the line drops */
	__atomic_fetch_add(&vio_taken, 1, __ATOMIC_RELEASE);
	return true;
}

static bool virtio_setup(void)
{
	uint32_t version = vrd(VIRTIO_VERSION), max;

	if (!checkf("virtio-legacy", version == 1, "virtio-mmio version %u, this guest drives 1",
		    version))
		return false;
	vwr(VIRTIO_STATUS, 0);
	vwr(VIRTIO_STATUS, VIRTIO_ST_ACK);
	vwr(VIRTIO_STATUS, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER);
	vwr(VIRTIO_GUEST_FEATURES, 0);
	vwr(VIRTIO_GUEST_PAGE_SIZE, QUEUE_PAGE);
	vwr(VIRTIO_QUEUE_SEL, 0);
	max = vrd(VIRTIO_QUEUE_NUM_MAX);
	if (!checkf("virtio-queue", max >= QUEUE_SIZE, "QueueNumMax %u", max))
		return false;
	vwr(VIRTIO_QUEUE_NUM, QUEUE_SIZE);
	vwr(VIRTIO_QUEUE_ALIGN, QUEUE_PAGE);
	vwr(VIRTIO_QUEUE_PFN, (uint32_t)((uint64_t)(uintptr_t)&ring / QUEUE_PAGE));
	vwr(VIRTIO_STATUS, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER | VIRTIO_ST_DRIVER_OK);
	return true;
}

/* One buffer of entropy; true once the device has used it and its interrupt came. */
static bool virtio_request(unsigned i)
{
	unsigned slot = i % QUEUE_SIZE;

	ring.desc[slot] = (struct vring_desc){ .addr = (uint64_t)(uintptr_t)rng_buf,
					       .len = RNG_BYTES, .flags = VRING_DESC_F_WRITE };
	ring.avail_ring[ring.avail_idx % QUEUE_SIZE] = (uint16_t)slot;
	__asm__ volatile("dmb sy" ::: "memory");
	ring.avail_idx = (uint16_t)(ring.avail_idx + 1);
	vwr(VIRTIO_QUEUE_NOTIFY, 0);
	return WAIT_UNTIL(__atomic_load_n(&vio_taken, __ATOMIC_ACQUIRE) == i + 1, WAIT_MS) &&
	       ring.used_idx == (uint16_t)(i + 1);
}

/*
 * The handler leaves the device's line high once (no InterruptACK): the SPI being
 * edge-triggered, the guest's EOI must not bring it back; as a level it would come
 * back for ever. Then the line drops and the next buffer is delivered as usual.
 */
static void virtio_check_line_held(unsigned done)
{
	uint32_t before = vio_taken, st;
	bool next;

	if (done != VIRTIO_REQUESTS)
		return;
	vio_no_ack = 1;
	(void)virtio_request(before);
	delay_us(QUIET_MS * 1000);
	st = vrd(VIRTIO_INT_STATUS);
	vio_no_ack = 0;
	vwr(VIRTIO_INT_ACK, st);
	next = virtio_request(before + 1);
	checkf("virtio-edge-not-level", vio_taken == before + 2 && (st & VIRTIO_INT_USED) && next,
	       "with the line held high: %u interrupts (want 1), InterruptStatus 0x%x; the next "
	       "buffer %s", vio_taken - before - (next ? 1 : 0), st, next ? "delivered" : "lost");
	vio_taken -= 2;	/* the count below is of the plain requests */
}

void virtio_check_edge(void)
{
	uint32_t off = GICD_ICFGR + 4 * (vio_intid / 16), bit = 2u << (2 * (vio_intid % 16));
	uint32_t cfg = *(volatile uint32_t *)(uintptr_t)(gic_dist_base() + off);
	unsigned done = 0;

	if (env.under_keel)	/* natively nobody programmed the GIC from the device tree */
		checkf("virtio-icfgr-edge", vio_edge && (cfg & bit), "DT says %s, GICD_ICFGR 0x%x",
		       vio_edge ? "edge" : "level", cfg);
	else
		gic_irq_set_edge(vio_intid, vio_edge);
	if (!virtio_setup())
		return;
	gic_irq_set_priority(vio_intid, GIC_PRIO_DEFAULT);
	gic_irq_route(vio_intid, env.cpu_mpidr[0]);
	gic_irq_enable(vio_intid);
	irq_enable();
	while (done < VIRTIO_REQUESTS && virtio_request(done))
		done++;
	delay_us(QUIET_MS * 1000);
	virtio_check_line_held(done);
	checkf("virtio-edge-one-per-buffer", done == VIRTIO_REQUESTS &&
	       vio_taken == VIRTIO_REQUESTS && !vio_spurious, "%u of %u buffers used, %u "
	       "interrupts, %u with InterruptStatus clear, used.idx %u", done, VIRTIO_REQUESTS,
	       vio_taken, vio_spurious, ring.used_idx);
	irq_disable();
	gic_irq_disable(vio_intid);
	vwr(VIRTIO_STATUS, 0);	/* reset: the device lets go of the queue */
}
