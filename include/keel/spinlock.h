/*
 * Ticket spinlock. Pure C on compiler atomics, so it builds for the host tests too.
 * Only valid on Normal cacheable memory (EL2 MMU on): exclusives need it.
 */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	uint32_t next;
	uint32_t owner;
};

#define SPINLOCK_INIT { 0, 0 }

/*
 * Said on every turn of a wait loop. On Arm it is the YIELD hint: a core
 * with hardware threads gives the others its pipeline, and QEMU's
 * single-threaded TCG (the one -icount uses) ends this CPU's timeslice. Without
 * it, a CPU waiting for a lock whose holder TCG has just switched out spins
 * until TCG's round-robin kick (every 100 ms of virtual time) switches back:
 * that once cost the IPI round-trip figure 60,000 instructions per trip.
 */
static inline void spin_relax(void)
{
#if defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		spin_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
