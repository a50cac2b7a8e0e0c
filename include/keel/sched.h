/*
 * The scheduler's pure logic (src/core/sched.c, ISA-free, host-tested): which
 * schedulable entity (a vCPU) each physical CPU runs, and which wait.
 *
 * Every physical CPU has a run queue of RUNNABLE entities and at most one
 * RUNNING entity (its current). Priorities 0..SCHED_PRIO_MAX, higher first;
 * equal priorities share the CPU round-robin, one time slice each (the caller
 * arms the slice timer when sched_wants_slice() says so and calls sched_tick()
 * when it fires). A lower priority never preempts a higher one.
 *
 * State machine of an entity (docs/architecture.md):
 *   OFF --wake--> RUNNABLE --pick--> RUNNING --block--> BLOCKED --wake--> RUNNABLE
 *                     ^                 |  \--stop--> OFF
 *                     +----preempt------+
 * Placement happens at wake-up and preemption only: onto the least-loaded CPU
 * of its affinity mask (ties: the CPU it last ran on, then the lowest index).
 * A RUNNABLE entity stays on its queue until picked; nothing steals it.
 *
 * Locking: every function below but sched_has_queued() needs s->lock held;
 * a CPU's waiting flag is also written by that CPU alone without it
 * (sched_vcpu_set_waiting, with the fence sched_enqueue pairs with).
 * s->lock is innermost: nothing else is taken while holding it (a caller may
 * hold a vm->lock when it takes s->lock, never the reverse).
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/types.h>
#include <keel/spinlock.h>

#define SCHED_MAX_CPUS     16
#define SCHED_PRIO_MAX     7
#define SCHED_PRIO_DEFAULT 1
#define SCHED_NO_CPU       (-1)

enum sched_state { SCHED_OFF, SCHED_RUNNABLE, SCHED_RUNNING, SCHED_BLOCKED };

struct sched_entity {
	struct sched_entity *next;   /* run-queue link while RUNNABLE */
	uint32_t affinity;           /* bit n: may run on physical CPU n; never 0 */
	unsigned prio;
	enum sched_state state;
	unsigned cpu;                /* RUNNABLE: its queue; RUNNING: where; else where it last was */
	uint64_t switches_in;        /* times picked (statistics) */
};

struct sched_cpu {
	struct sched_entity *current; /* RUNNING here, NULL: idle */
	struct sched_entity *head, *tail;
	unsigned nr_queued;
	bool waiting;                /* current waits in place (WFI, nothing else queued): counts as idle */
	bool resched;                /* current must give the CPU up at its next exit */
};

struct sched {
	struct spinlock lock;
	unsigned nr_cpus;
	uint32_t online;             /* CPUs that run entities */
	struct sched_cpu cpu[SCHED_MAX_CPUS];
};

void sched_init(struct sched *s, unsigned nr_cpus);
void sched_cpu_online(struct sched *s, unsigned cpu);
/* affinity is masked to the CPUs that exist; home is where it is placed when it can go anywhere. */
void sched_entity_init(struct sched_entity *e, uint32_t affinity, unsigned prio, unsigned home);
/*
 * OFF or BLOCKED -> RUNNABLE on the least-loaded allowed online CPU. Returns the CPU
 * that must be kicked (it is idle, waits in place, or runs something it should give
 * up: its resched is set), or SCHED_NO_CPU (already runnable/running, no allowed CPU
 * online, or the CPU will reach it in its own time).
 */
int sched_wake(struct sched *s, struct sched_entity *e);
/* The next entity for an idle CPU (current NULL): RUNNING there, or NULL. */
struct sched_entity *sched_pick(struct sched *s, unsigned cpu);
/*
 * Take e out of the scheduler for good (its VM is destroyed): a RUNNABLE e leaves its run
 * queue, a BLOCKED one is forgotten; both become OFF. false (nothing changed) while e is
 * RUNNING: a CPU holds it, and the caller must wait until that CPU has let it go.
 */
bool sched_withdraw(struct sched *s, struct sched_entity *e);
/* The CPU's current gives it up and stays RUNNABLE; returns a CPU to kick as sched_wake. */
int sched_preempt(struct sched *s, unsigned cpu);
/* The CPU's current waits for an interrupt (BLOCKED) or stops (OFF). */
void sched_block(struct sched *s, unsigned cpu);
void sched_stop(struct sched *s, unsigned cpu);
/* Whether an entity queued here shares the CPU with its current (same or higher priority). */
bool sched_wants_slice(const struct sched *s, unsigned cpu);
/* The CPU's time slice ended: its current gives way if sched_wants_slice(). */
void sched_tick(struct sched *s, unsigned cpu);
void sched_set_waiting(struct sched *s, unsigned cpu, bool waiting);
/* Lockless: anything queued here (a waiter's wake-up condition; a wake kicks it). */
static inline bool sched_has_queued(const struct sched *s, unsigned cpu)
{
	return __atomic_load_n(&s->cpu[cpu].nr_queued, __ATOMIC_ACQUIRE) != 0;
}

#endif
