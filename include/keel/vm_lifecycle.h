/*
 * VMs created, started, stopped and destroyed while keel runs (src/core/vm_lifecycle.c;
 * state machine and lock order in docs/architecture.md, "VM lifecycle").
 *
 * Every VM is declared in the configuration; its slot vms[id] and its vm_config exist
 * for as long as keel runs. What a VM holds (RAM, stage-2 tables and VMID, phys
 * regions, passthrough SPIs, console focus) it holds from vm_lifecycle_create until
 * it is released by a destroy.
 *
 * The requests below (start, stop, restart, destroy) come from keel's monitor, one at
 * a time (its caller serialises them); each says in err why it is refused.
 */
#ifndef KEEL_VM_LIFECYCLE_H
#define KEEL_VM_LIFECYCLE_H

#include <keel/types.h>

struct vm;
struct vm_config;
struct platform;

/* What the monitor shows; derived under vm->lock from created, active and state. */
enum vm_life {
	VM_LIFE_ABSENT,    /* declared, holds nothing (never created, or destroyed) */
	VM_LIFE_STOPPED,   /* created, not running: its RAM and VMID kept for a start */
	VM_LIFE_RUNNING,
	VM_LIFE_STOPPING,  /* stop asked; some vCPU has not left yet, or keel is finishing */
};

/* The action a request takes in a state (pure: src/core/vm_lifecycle_plan.c). */
enum vm_life_request { VM_REQ_START, VM_REQ_STOP, VM_REQ_RESTART, VM_REQ_DESTROY };
enum vm_life_action {
	VM_ACT_REFUSE,       /* not in this state: the caller says why (vm_life_refusal) */
	VM_ACT_CREATE_START, /* create it, then start it */
	VM_ACT_RELOAD_START, /* created and stopped: reload its images and start */
	VM_ACT_STOP,         /* stop it (asynchronously: its vCPUs leave) */
	VM_ACT_RESET,        /* stop it and start it again once stopped */
	VM_ACT_STOP_RELEASE, /* stop it; release it once stopped */
	VM_ACT_RELEASE,      /* stopped: release at once */
};
enum vm_life_action vm_life_plan(enum vm_life state, enum vm_life_request req);
/* Why req is refused in state ("is already running", ...). */
const char *vm_life_refusal(enum vm_life state, enum vm_life_request req);
const char *vm_life_name(enum vm_life state);

enum vm_life vm_lifecycle_state(struct vm *vm);
/* Build vms[cfg->id] from cfg (boot, and start of an absent VM); undoes itself on failure. */
must_check int vm_lifecycle_create(struct vm *vm, const struct vm_config *cfg,
				   const struct platform *p, char *err, size_t errlen);
must_check int vm_lifecycle_request(struct vm *vm, enum vm_life_request req, char *err,
				    size_t errlen);
/*
 * Test path of the monitor's cycle command: n times create then destroy the VM, which
 * must be absent or stopped, and is left as it was found. *created_free: palloc's free
 * pages while it existed (the first time).
 */
must_check int vm_lifecycle_cycle(struct vm *vm, unsigned n, uint64_t *created_free,
				  char *err, size_t errlen);
/* vm.c, at the end of vm_finished: the VM is no longer active; released if asked. */
void vm_lifecycle_finished(struct vm *vm);

#endif
