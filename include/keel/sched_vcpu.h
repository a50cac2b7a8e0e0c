/*
 * vCPUs on the scheduler (src/core/sched_vcpu.c): the glue between the pure run
 * queues (keel/sched.h), vCPU power states (keel/vm.h) and the CPUs (arch).
 *
 * Every vCPU has a scheduling entity. A vCPU's state is in exactly one CPU, or in
 * memory: a CPU puts it (vcpu_put) before it publishes it BLOCKED, RUNNABLE or OFF
 * under keel_sched.lock, and loads it only after sched_pick gave it (so no two
 * CPUs ever hold it). Lock order: vm->lock, then keel_sched.lock (innermost).
 */
#ifndef KEEL_SCHED_VCPU_H
#define KEEL_SCHED_VCPU_H

#include <keel/sched.h>

struct vm;
struct vcpu;

extern struct sched keel_sched;

void sched_vcpu_init(unsigned nr_cpus);
void sched_vcpu_cpu_online(unsigned id);
/* At VM creation: each vCPU's affinity, priority and start CPU from its config. */
void sched_vcpu_setup(struct vm *vm);
/*
 * Its VM is being destroyed (no vCPU of it is active): take every vCPU out of the run
 * queues, so that no CPU picks one once the slot is rebuilt. Waits while a CPU that picked
 * one of them is dropping it.
 */
void sched_vcpu_withdraw(struct vm *vm);
/* Make a powered-on (ON_PENDING) or blocked vCPU runnable, and kick the CPU that must look. */
void vcpu_wake(struct vcpu *v);
/* Something changed for v (an interrupt, its VM stopping): wake it, or kick the CPU it runs on. */
void vcpu_kick(struct vcpu *v);
/* The physical CPU v runs on or last ran on (the monitor's "where each vCPU runs"). */
unsigned sched_vcpu_cpu(const struct vcpu *v);
/* Whether v is RUNNING, RUNNABLE, BLOCKED or OFF (enum sched_state). */
enum sched_state sched_vcpu_state(const struct vcpu *v);

/*
 * For this CPU's run loop (arch): the next vCPU to load, with its power state taken
 * care of (vCPUs that must leave are left here), or NULL; and the timer to arm before
 * entering a guest or waiting: the time slice if it shares the CPU, and the nearest
 * timer deadline of the blocked vCPUs whose last CPU this is.
 */
struct vcpu *sched_vcpu_next(void);
void sched_vcpu_arm_timer(bool slice_start);
/* keel's timer fired on this CPU: end the slice if due, raise the blocked vCPUs' timers. */
void sched_vcpu_timer_fired(void);
/* The vCPU running here (put already) gives way / blocks / stops. */
void sched_vcpu_preempt_current(void);
void sched_vcpu_block_current(struct vcpu *v);
void sched_vcpu_stop_current(void);
/* Whether this CPU's current must give way (lockless): looked at when a kick arrives, and
 * every resched is sent with a kick (to another CPU or to this one). */
static inline bool sched_vcpu_resched_due(unsigned cpu)
{
	return __atomic_load_n(&keel_sched.cpu[cpu].resched, __ATOMIC_RELAXED);
}
/* KEEL_HC_YIELD: give way to the vCPUs queued on this CPU, if any (at the next exit). */
void sched_vcpu_yield(void);
/*
 * The current of CPU cpu (the caller's) waits in place in WFI: the CPU counts as idle for
 * placement. Lockless, a WFI must stay cheap: setting it pairs with sched_enqueue's fence,
 * so either the waker sees waiting (and kicks) or the waiter's next sched_has_queued()
 * sees the queued vCPU. Clearing needs no fence: a waker that sees it stale only kicks
 * once too often.
 */
static inline void sched_vcpu_set_waiting(unsigned cpu, bool waiting)
{
	__atomic_store_n(&keel_sched.cpu[cpu].waiting, waiting, __ATOMIC_RELAXED);
	if (waiting)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif
