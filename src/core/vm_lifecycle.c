/*
 * VMs created, started, stopped, restarted and destroyed while keel runs
 * (include/keel/vm_lifecycle.h). The state machine is vm_lifecycle_plan.c's; this file
 * carries its actions out on vms[].
 *
 * Destroying gives back everything vm_create took, in the reverse order: the
 * passthrough SPIs (disabled, deactivated, unclaimed), the stage-2 tables and the VMID
 * (its TLB entries invalidated on every CPU first: stage2_destroy), the RAM and the phys
 * regions' claims (palloc), the console focus. The slot (vms[id], its lock, its name)
 * stays: the next start builds the VM again from its vm_config.
 *
 * A running VM cannot be released at once: its vCPUs leave their CPUs asynchronously
 * (vm_stop kicks them). destroy_pending, set under vm->lock while it still runs, makes
 * the last one to leave release it (vm_finished -> vm_lifecycle_finished), on whichever
 * CPU that is.
 */
#include <keel/arch/stage2.h>
#include <keel/console.h>
#include <keel/console_mux.h>
#include <keel/cpu.h>
#include <keel/mem.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>
#include <keel/vm_lifecycle.h>
#include <keel/vm_passthrough_irq.h>
#include <stdio.h>

static enum vm_life vm_life_locked(const struct vm *vm)
{
	if (!vm->created)
		return VM_LIFE_ABSENT;
	if (!vm->active)
		return VM_LIFE_STOPPED;
	return vm->state == VM_RUNNING ? VM_LIFE_RUNNING : VM_LIFE_STOPPING;
}

enum vm_life vm_lifecycle_state(struct vm *vm)
{
	enum vm_life s;

	spin_lock(&vm->lock);
	s = vm_life_locked(vm);
	spin_unlock(&vm->lock);
	return s;
}

int vm_lifecycle_create(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
			char *err, size_t errlen)
{
	int ret = vm_create(vm, cfg, p, err, errlen);

	if (ret) {
		/* vm_create gave back its RAM and tables; the SPIs it claimed before failing too. */
		vm_passthrough_irq_release(vm);
		return ret;
	}
	spin_lock(&vm->lock);
	vm->created = true;
	spin_unlock(&vm->lock);
	return KE_OK;
}

/* A created VM that is not active (no vCPU can run in it): give back what it holds. */
static void vm_lifecycle_release(struct vm *vm, bool quiet)
{
	uint64_t before = palloc_free_pages(&keel_palloc), after;

	/*
	 * A vCPU woken by vm_start or CPU_ON that no CPU had picked when the VM stopped is
	 * still queued: withdrawn, so that no CPU looks at this slot once the next start
	 * rebuilds it (sched_vcpu_setup re-initialises the entities).
	 */
	sched_vcpu_withdraw(vm);
	vm_passthrough_irq_release(vm);
	stage2_destroy(vm);
	vm_release_ram(vm);
	spin_lock(&vm->lock);
	vm->created = false;
	vm->destroy_pending = false;
	spin_unlock(&vm->lock);
	console_mux_forget(vm);
	after = palloc_free_pages(&keel_palloc);
	if (!quiet)
		klog("vm %s: destroyed: %llu pages given back, %llu pages (%llu MiB) free", vm->name,
		     (unsigned long long)(after - before), (unsigned long long)after,
		     (unsigned long long)(after * PAGE_SIZE >> 20));
}

void vm_lifecycle_finished(struct vm *vm)
{
	bool release;

	spin_lock(&vm->lock);
	vm->active = false;
	release = vm->destroy_pending;
	spin_unlock(&vm->lock);
	if (release)
		vm_lifecycle_release(vm, false);
}

int vm_lifecycle_request(struct vm *vm, enum vm_life_request req, char *err, size_t errlen)
{
	enum vm_life state;
	enum vm_life_action act;
	int ret;

	spin_lock(&vm->lock);
	state = vm_life_locked(vm);
	act = vm_life_plan(state, req);
	/* Set while it still runs: whatever stops it, its last vCPU to leave sees it. */
	if (act == VM_ACT_STOP_RELEASE)
		vm->destroy_pending = true;
	spin_unlock(&vm->lock);

	switch (act) {
	case VM_ACT_REFUSE:
		snprintf(err, errlen, "vm %s %s", vm->name, vm_life_refusal(state, req));
		return KE_INVAL;
	case VM_ACT_CREATE_START:
		ret = vm_lifecycle_create(vm, vm->cfg, vm->platform, err, errlen);
		if (ret)
			return ret;
		vm_start(vm);
		break;
	case VM_ACT_RELOAD_START:
		if (!vm_reload_and_start(vm)) {
			snprintf(err, errlen, "vm %s cannot start again (the line above says why)",
				 vm->name);
			return KE_INVAL;
		}
		break;
	case VM_ACT_STOP:
		vm_stop(vm, "stopped from keel's monitor");
		break;
	case VM_ACT_RESET:
		vm_reset(vm, "restarted from keel's monitor");
		break;
	case VM_ACT_STOP_RELEASE:
		vm_stop(vm, "destroyed from keel's monitor: stopping it first");
		break;
	case VM_ACT_RELEASE:
		vm_lifecycle_release(vm, false);
		break;
	}
	return KE_OK;
}

int vm_lifecycle_cycle(struct vm *vm, unsigned n, uint64_t *created_free, char *err, size_t errlen)
{
	enum vm_life state = vm_lifecycle_state(vm);
	bool was_created = state == VM_LIFE_STOPPED;

	if (state != VM_LIFE_ABSENT && state != VM_LIFE_STOPPED) {
		snprintf(err, errlen, "vm %s is %s; stop or destroy it before cycling it", vm->name,
			 vm_life_name(state));
		return KE_INVAL;
	}
	*created_free = 0;
	for (unsigned i = 0; i < n; i++) {
		int ret;

		if (was_created)
			vm_lifecycle_release(vm, true);
		ret = vm_lifecycle_create(vm, vm->cfg, vm->platform, err, errlen);
		if (ret)
			return ret;   /* left absent, as vm_lifecycle_create undid itself */
		if (i == 0)
			*created_free = palloc_free_pages(&keel_palloc);
		if (!was_created)
			vm_lifecycle_release(vm, true);
	}
	return KE_OK;
}
