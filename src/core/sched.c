/*
 * The scheduler's pure logic: per-CPU run queues with priorities, round-robin
 * among equals, placement by affinity at wake-up. See include/keel/sched.h for
 * the state machine and the locking rule; the vCPU side is sched_vcpu.c.
 */
#include <keel/sched.h>
#include <string.h>

void sched_init(struct sched *s, unsigned nr_cpus)
{
	memset(s, 0, sizeof(*s));
	s->nr_cpus = nr_cpus < SCHED_MAX_CPUS ? nr_cpus : SCHED_MAX_CPUS;
}

void sched_cpu_online(struct sched *s, unsigned cpu)
{
	if (cpu < s->nr_cpus)
		s->online |= 1u << cpu;
}

void sched_entity_init(struct sched_entity *e, uint32_t affinity, unsigned prio, unsigned home)
{
	memset(e, 0, sizeof(*e));
	e->affinity = affinity;
	e->prio = prio > SCHED_PRIO_MAX ? SCHED_PRIO_MAX : prio;
	e->cpu = home < SCHED_MAX_CPUS ? home : 0;
	e->state = SCHED_OFF;
}

/* What a new entity would compete with on c: its queue, and a current that does not just wait. */
static unsigned sched_load(const struct sched_cpu *c)
{
	return c->nr_queued + (c->current && !__atomic_load_n(&c->waiting, __ATOMIC_RELAXED) ? 1 : 0);
}

static int sched_place(const struct sched *s, const struct sched_entity *e)
{
	uint32_t allowed = e->affinity & s->online;
	int best = SCHED_NO_CPU;
	unsigned best_load = ~0u;

	if (!allowed)
		return SCHED_NO_CPU;
	/* The CPU it last ran on wins ties: its caches and TLB may still hold its state. */
	if (e->cpu < s->nr_cpus && (allowed & (1u << e->cpu))) {
		best = (int)e->cpu;
		best_load = sched_load(&s->cpu[e->cpu]);
	}
	for (unsigned i = 0; i < s->nr_cpus && best_load; i++)
		if ((allowed & (1u << i)) && sched_load(&s->cpu[i]) < best_load) {
			best = (int)i;
			best_load = sched_load(&s->cpu[i]);
		}
	return best;
}

static void sched_enqueue(struct sched *s, unsigned cpu, struct sched_entity *e)
{
	struct sched_cpu *c = &s->cpu[cpu];

	e->state = SCHED_RUNNABLE;
	e->cpu = cpu;
	e->next = NULL;
	if (c->tail)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	__atomic_store_n(&c->nr_queued, c->nr_queued + 1, __ATOMIC_RELEASE);
	/* Before sched_notify reads waiting, which its CPU sets without the lock. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* e just joined cpu's queue: does the CPU have to look now? */
static int sched_notify(struct sched *s, unsigned cpu, const struct sched_entity *e)
{
	struct sched_cpu *c = &s->cpu[cpu];

	if (!c->current)
		return (int)cpu;     /* idle: it may be in WFI */
	if (__atomic_load_n(&c->waiting, __ATOMIC_RELAXED) || c->current->prio <= e->prio) {
		/* A waiter gives way at once; an equal shares at once (its slice starts now). */
		c->resched = true;
		return (int)cpu;
	}
	return SCHED_NO_CPU;         /* lower priority: it waits for the CPU to be free */
}

static int sched_requeue(struct sched *s, struct sched_entity *e)
{
	int cpu = sched_place(s, e);

	if (cpu == SCHED_NO_CPU) {
		e->state = SCHED_BLOCKED;   /* nowhere to run; a later wake retries */
		return SCHED_NO_CPU;
	}
	sched_enqueue(s, (unsigned)cpu, e);
	return sched_notify(s, (unsigned)cpu, e);
}

int sched_wake(struct sched *s, struct sched_entity *e)
{
	if (e->state != SCHED_OFF && e->state != SCHED_BLOCKED)
		return SCHED_NO_CPU;
	return sched_requeue(s, e);
}

/* Unlink e from the run queue of CPU cpu: it must be there. */
static void sched_unlink(struct sched_cpu *c, struct sched_entity *e, struct sched_entity *prev)
{
	if (prev)
		prev->next = e->next;
	else
		c->head = e->next;
	if (c->tail == e)
		c->tail = prev;
	e->next = NULL;
	__atomic_store_n(&c->nr_queued, c->nr_queued - 1, __ATOMIC_RELEASE);
}

bool sched_withdraw(struct sched *s, struct sched_entity *e)
{
	struct sched_cpu *c;
	struct sched_entity *prev = NULL;

	if (e->state == SCHED_RUNNING)
		return false;
	if (e->state == SCHED_RUNNABLE && e->cpu < s->nr_cpus) {
		c = &s->cpu[e->cpu];
		for (struct sched_entity *q = c->head; q; prev = q, q = q->next)
			if (q == e) {
				sched_unlink(c, e, prev);
				break;
			}
	}
	e->state = SCHED_OFF;
	return true;
}

struct sched_entity *sched_pick(struct sched *s, unsigned cpu)
{
	struct sched_cpu *c = &s->cpu[cpu];
	struct sched_entity *best = NULL, *best_prev = NULL, *prev = NULL;

	if (cpu >= s->nr_cpus || c->current)
		return NULL;
	/* The first of the highest priority: FIFO among equals is the round robin. */
	for (struct sched_entity *e = c->head; e; prev = e, e = e->next)
		if (!best || e->prio > best->prio) {
			best = e;
			best_prev = prev;
		}
	c->resched = false;
	c->waiting = false;
	if (!best)
		return NULL;
	sched_unlink(c, best, best_prev);
	best->state = SCHED_RUNNING;
	best->cpu = cpu;
	best->switches_in++;
	c->current = best;
	return best;
}

static struct sched_entity *sched_take_current(struct sched *s, unsigned cpu)
{
	struct sched_cpu *c = &s->cpu[cpu];
	struct sched_entity *e = cpu < s->nr_cpus ? c->current : NULL;

	if (e) {
		c->current = NULL;
		c->waiting = false;
		c->resched = false;
	}
	return e;
}

int sched_preempt(struct sched *s, unsigned cpu)
{
	struct sched_entity *e = sched_take_current(s, cpu);

	return e ? sched_requeue(s, e) : SCHED_NO_CPU;
}

void sched_block(struct sched *s, unsigned cpu)
{
	struct sched_entity *e = sched_take_current(s, cpu);

	if (e)
		e->state = SCHED_BLOCKED;
}

void sched_stop(struct sched *s, unsigned cpu)
{
	struct sched_entity *e = sched_take_current(s, cpu);

	if (e)
		e->state = SCHED_OFF;
}

bool sched_wants_slice(const struct sched *s, unsigned cpu)
{
	const struct sched_cpu *c = &s->cpu[cpu];

	if (cpu >= s->nr_cpus || !c->current)
		return false;
	for (const struct sched_entity *e = c->head; e; e = e->next)
		if (e->prio >= c->current->prio)
			return true;
	return false;
}

void sched_tick(struct sched *s, unsigned cpu)
{
	if (sched_wants_slice(s, cpu))
		s->cpu[cpu].resched = true;
}

void sched_set_waiting(struct sched *s, unsigned cpu, bool waiting)
{
	if (cpu < s->nr_cpus && s->cpu[cpu].current)
		s->cpu[cpu].waiting = waiting;
}
