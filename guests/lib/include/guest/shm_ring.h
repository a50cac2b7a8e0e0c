/*
 * A message ring over a shared memory region between two VMs, shared by the bare-metal
 * runtime (guests/lib/shm.c) and the Linux tool (guests/linux/tools/keel-shm.c): plain C,
 * no runtime calls, so that both build it.
 *
 * The region's users (its device tree node's keel,users, in config order) are sides 0
 * and 1; side s produces into ring s, the half of the region at s * size / 2, and
 * consumes ring 1 - s. A ring is single-producer, single-consumer:
 *   0x00  head   messages the producer has published (only it writes)
 *   0x40  tail   messages the consumer has taken (only it writes; its own 64 bytes)
 *   0x80  slots  SHM_SLOT_BYTES each: seq (1, 2, ...), then SHM_SLOT_WORDS - 1 words
 * Message n goes to slot (n - 1) % nslots once head - tail < nslots; its content is
 * shm_msg_word(n, side, i), so the consumer checks order (seq) and content. Both sides
 * map the region as Device memory (Linux's /dev/mem does so for memory outside its RAM):
 * only aligned 64-bit volatile accesses, and a barrier between a slot and its index.
 */
#ifndef GUEST_SHM_RING_H
#define GUEST_SHM_RING_H

#include <stdbool.h>
#include <stdint.h>

#define SHM_RING_HEAD      0x00
#define SHM_RING_TAIL      0x40
#define SHM_RING_SLOTS     0x80
#define SHM_SLOT_BYTES     64
#define SHM_SLOT_WORDS     (SHM_SLOT_BYTES / 8)

struct shm_ring {
	volatile uint64_t *base;	/* the ring's half of the region */
	uint64_t nslots;
	unsigned producer;		/* the side that writes it */
};

/* Full ordering of this VM's accesses to the region, against the peer's CPU. */
static inline void shm_barrier(void)
{
#ifdef __aarch64__
	__asm__ volatile("dmb sy" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* tests/unit/test_shm.c on the host */
#endif
}

static inline uint64_t shm_msg_word(uint64_t seq, unsigned side, unsigned i)
{
	return (seq * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)(side + 1) << 56) ^ (i * 0x0101010101ULL);
}

/* Ring `producer` of a region at va of size bytes (>= 2 * (SHM_RING_SLOTS + one slot)). */
static inline void shm_ring_open(struct shm_ring *r, uintptr_t va, uint64_t size, unsigned producer)
{
	uint64_t half = size / 2;

	r->base = (volatile uint64_t *)(va + producer * half);
	r->nslots = (half - SHM_RING_SLOTS) / SHM_SLOT_BYTES;
	r->producer = producer;
}

static inline uint64_t shm_ring_head(const struct shm_ring *r)
{
	return r->base[SHM_RING_HEAD / 8];
}

static inline uint64_t shm_ring_tail(const struct shm_ring *r)
{
	return r->base[SHM_RING_TAIL / 8];
}

static inline volatile uint64_t *shm_ring_slot(const struct shm_ring *r, uint64_t seq)
{
	return r->base + (SHM_RING_SLOTS + ((seq - 1) % r->nslots) * SHM_SLOT_BYTES) / 8;
}

/* Producer: publish message head + 1 if there is room. */
static inline bool shm_ring_send(struct shm_ring *r)
{
	uint64_t head = shm_ring_head(r), seq = head + 1;
	volatile uint64_t *slot;

	shm_barrier();	/* the tail read before the slot is reused */
	if (head - shm_ring_tail(r) >= r->nslots)
		return false;
	shm_barrier();
	slot = shm_ring_slot(r, seq);
	slot[0] = seq;
	for (unsigned i = 1; i < SHM_SLOT_WORDS; i++)
		slot[i] = shm_msg_word(seq, r->producer, i);
	shm_barrier();	/* the slot before the index that publishes it */
	r->base[SHM_RING_HEAD / 8] = seq;
	return true;
}

/*
 * Consumer: take the next message if there is one: 1 if it was message `expect` with its
 * content, 0 if the ring is empty, -1 if it was wrong (*got_seq is what it said).
 */
static inline int shm_ring_recv(struct shm_ring *r, uint64_t expect, uint64_t *got_seq)
{
	uint64_t tail = shm_ring_tail(r);
	volatile uint64_t *slot;
	bool ok;

	if (shm_ring_head(r) == tail)
		return 0;
	shm_barrier();	/* the index before the slot it published */
	slot = shm_ring_slot(r, tail + 1);
	*got_seq = slot[0];
	ok = *got_seq == expect && tail + 1 == expect;
	for (unsigned i = 1; i < SHM_SLOT_WORDS; i++)
		ok = ok && slot[i] == shm_msg_word(expect, r->producer, i);
	shm_barrier();	/* done with the slot before handing it back */
	r->base[SHM_RING_TAIL / 8] = tail + 1;
	return ok ? 1 : -1;
}

#endif
