/*
 * vCPUs on the scheduler: see include/keel/sched_vcpu.h. The scheduling entities live
 * here, one per vCPU slot ([vm id][vcpu index]), so struct vcpu and struct vm keep
 * their layouts (the trap path's offsets).
 */
#include <keel/arch/cpu_arch.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>

struct sched keel_sched;
static struct sched_entity vcpu_entity[KEEL_MAX_VMS][KEEL_MAX_VCPUS];
/* Per CPU: when its current's time slice ends, 0: no slice running. Written by that CPU. */
static uint64_t slice_end[SCHED_MAX_CPUS];

static struct sched_entity *entity_of(const struct vcpu *v)
{
	return &vcpu_entity[v->vm->id][v->index];
}

static struct vcpu *vcpu_of(const struct sched_entity *e)
{
	size_t i = (size_t)(e - &vcpu_entity[0][0]);

	return &vms[i / KEEL_MAX_VCPUS].vcpus[i % KEEL_MAX_VCPUS];
}

/*
 * Also this CPU: a resched for its own current is noticed when the kick arrives (the
 * ordinary exit path does not look, to stay as cheap as before the scheduler).
 */
static void kick(int cpu)
{
	if (cpu != SCHED_NO_CPU)
		arch_cpu_kick((unsigned)cpu);
}

void sched_vcpu_init(unsigned nr_cpus)
{
	sched_init(&keel_sched, nr_cpus);
}

void sched_vcpu_cpu_online(unsigned id)
{
	spin_lock(&keel_sched.lock);
	sched_cpu_online(&keel_sched, id);
	spin_unlock(&keel_sched.lock);
}

void sched_vcpu_setup(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		sched_entity_init(entity_of(&vm->vcpus[i]), cfg->vcpu_affinity[i], cfg->priority,
				  cfg->vcpu_pcpu[i]);
}

void sched_vcpu_withdraw(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct sched_entity *e = entity_of(&vm->vcpus[i]);
		bool done;

		/* RUNNING only between a CPU's pick and its drop of it (vm->lock and back): brief. */
		for (;;) {
			spin_lock(&keel_sched.lock);
			done = sched_withdraw(&keel_sched, e);
			spin_unlock(&keel_sched.lock);
			if (done)
				break;
			spin_relax();
		}
	}
}

void vcpu_wake(struct vcpu *v)
{
	int cpu;

	spin_lock(&keel_sched.lock);
	cpu = sched_wake(&keel_sched, entity_of(v));
	spin_unlock(&keel_sched.lock);
	kick(cpu);
}

void vcpu_kick(struct vcpu *v)
{
	struct sched_entity *e = entity_of(v);
	int cpu = SCHED_NO_CPU;

	/*
	 * The caller's irq_dirty store before the look at the state: a CPU that puts the vCPU
	 * after this look publishes it under the lock, and whoever loads it next reads
	 * irq_dirty after taking that lock; one that blocks it looks at its interrupts again.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&e->state, __ATOMIC_RELAXED) == SCHED_RUNNING) {
		unsigned cpu = __atomic_load_n(&e->cpu, __ATOMIC_RELAXED);

		/* Only this CPU changes an entity RUNNING here: the exit path will see the news. */
		if (cpu != arch_cpu_id())
			arch_cpu_kick(cpu);
		return;
	}
	spin_lock(&keel_sched.lock);
	if (e->state == SCHED_BLOCKED)
		cpu = sched_wake(&keel_sched, e);
	else if (e->state == SCHED_RUNNING)
		cpu = (int)e->cpu;
	spin_unlock(&keel_sched.lock);
	kick(cpu);
}

unsigned sched_vcpu_cpu(const struct vcpu *v)
{
	return __atomic_load_n(&entity_of(v)->cpu, __ATOMIC_RELAXED);
}

enum sched_state sched_vcpu_state(const struct vcpu *v)
{
	return __atomic_load_n(&entity_of(v)->state, __ATOMIC_RELAXED);
}

enum next_action { NEXT_RUN, NEXT_DROP, NEXT_LEAVE };

/* Locked (vm->lock): what becomes of a vCPU just picked. */
static enum next_action sched_vcpu_decide(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (vm->state == VM_RUNNING && v->power == VCPU_ON_PENDING) {
		v->power = VCPU_ON;
		vm->nr_loaded++;
		return NEXT_RUN;
	}
	if (vm->state == VM_RUNNING && v->power == VCPU_ON)
		return NEXT_RUN;
	/* Started and not left (its VM stops, or it called CPU_OFF): leave now. */
	if (v->power == VCPU_ON || v->power == VCPU_OFF_PENDING)
		return NEXT_LEAVE;
	return NEXT_DROP;   /* OFF, or powered on in a VM that stopped meanwhile */
}

struct vcpu *sched_vcpu_next(void)
{
	unsigned self = arch_cpu_id();

	for (;;) {
		struct sched_entity *e;
		struct vcpu *v;
		enum next_action a;

		spin_lock(&keel_sched.lock);
		e = sched_pick(&keel_sched, self);
		spin_unlock(&keel_sched.lock);
		if (!e)
			return NULL;
		v = vcpu_of(e);
		spin_lock(&v->vm->lock);
		a = sched_vcpu_decide(v);
		spin_unlock(&v->vm->lock);
		if (a == NEXT_RUN)
			return v;
		sched_vcpu_stop_current();
		if (a == NEXT_LEAVE)
			vm_vcpu_left(v);
	}
}

/* Locked (keel_sched.lock): the nearest timer deadline of the vCPUs blocked with this CPU last. */
static uint64_t sched_vcpu_blocked_deadline(unsigned self)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < nr_vms; i++)
		for (unsigned j = 0; j < vms[i].nr_vcpus; j++) {
			const struct sched_entity *e = &vcpu_entity[i][j];

			if (e->state == SCHED_BLOCKED && e->cpu == self)
				best = MIN(best, arch_vcpu_timer_deadline(&vms[i].vcpus[j]));
		}
	return best;
}

void sched_vcpu_arm_timer(bool slice_start)
{
	unsigned self = arch_cpu_id();
	uint64_t deadline;

	spin_lock(&keel_sched.lock);
	if (slice_start)
		slice_end[self] = sched_wants_slice(&keel_sched, self) ?
				  arch_counter_now() + arch_timer_slice_ticks() : 0;
	deadline = sched_vcpu_blocked_deadline(self);
	spin_unlock(&keel_sched.lock);
	if (slice_end[self])
		deadline = MIN(deadline, slice_end[self]);
	if (deadline == UINT64_MAX)
		arch_timer_disarm();
	else
		arch_timer_arm(deadline);
}

void sched_vcpu_timer_fired(void)
{
	unsigned self = arch_cpu_id();
	uint64_t now = arch_counter_now();
	struct vcpu *due[KEEL_MAX_VMS * KEEL_MAX_VCPUS];
	unsigned nr_due = 0;

	arch_timer_disarm();
	spin_lock(&keel_sched.lock);
	if (slice_end[self] && now >= slice_end[self]) {
		slice_end[self] = 0;
		sched_tick(&keel_sched, self);
		if (keel_sched.cpu[self].resched)
			arch_cpu_kick(self);   /* the exit path looks at resched on a kick */
	}
	for (unsigned i = 0; i < nr_vms; i++)
		for (unsigned j = 0; j < vms[i].nr_vcpus; j++) {
			const struct sched_entity *e = &vcpu_entity[i][j];

			if (e->state == SCHED_BLOCKED && e->cpu == self &&
			    arch_vcpu_timer_deadline(&vms[i].vcpus[j]) <= now)
				due[nr_due++] = &vms[i].vcpus[j];
		}
	spin_unlock(&keel_sched.lock);
	/* Raising the interrupt wakes the vCPU (vm_irq_kick -> vcpu_kick): outside the lock. */
	for (unsigned k = 0; k < nr_due; k++)
		arch_vcpu_timers_expire(due[k], now);
	sched_vcpu_arm_timer(false);
}

void sched_vcpu_preempt_current(void)
{
	int cpu;

	spin_lock(&keel_sched.lock);
	cpu = sched_preempt(&keel_sched, arch_cpu_id());
	spin_unlock(&keel_sched.lock);
	kick(cpu);
}

/*
 * The vCPU (put already) waits for an interrupt. An interrupt made pending after its
 * last look but before BLOCKED was published found it RUNNING and only kicked this
 * CPU: so look once more after publishing, and wake it if it has work after all.
 */
void sched_vcpu_block_current(struct vcpu *v)
{
	bool work;

	spin_lock(&keel_sched.lock);
	sched_block(&keel_sched, arch_cpu_id());
	spin_unlock(&keel_sched.lock);
	spin_lock(&v->vm->lock);
	work = v->vm->state != VM_RUNNING || v->power != VCPU_ON ||
	       vgic_vcpu_has_pending(&v->vm->vgic, v->index);
	spin_unlock(&v->vm->lock);
	if (work)
		vcpu_wake(v);
}

void sched_vcpu_stop_current(void)
{
	spin_lock(&keel_sched.lock);
	sched_stop(&keel_sched, arch_cpu_id());
	spin_unlock(&keel_sched.lock);
}

void sched_vcpu_yield(void)
{
	unsigned self = arch_cpu_id();

	bool go;

	spin_lock(&keel_sched.lock);
	go = keel_sched.cpu[self].nr_queued != 0;
	if (go)
		keel_sched.cpu[self].resched = true;
	spin_unlock(&keel_sched.lock);
	if (go)
		kick((int)self);   /* the interrupt exit right after the HVC gives way */
}
