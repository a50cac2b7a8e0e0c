/*
 * The VM lifecycle's state machine (include/keel/vm_lifecycle.h): which action each
 * monitor request takes in each state. Pure, host-tested (tests/unit/test_vm_lifecycle.c).
 */
#include <keel/vm_lifecycle.h>

static const char *const life_names[] = {
	[VM_LIFE_ABSENT] = "absent", [VM_LIFE_STOPPED] = "stopped",
	[VM_LIFE_RUNNING] = "running", [VM_LIFE_STOPPING] = "stopping",
};

#define NR_LIFE (VM_LIFE_STOPPING + 1)
#define NR_REQ  (VM_REQ_DESTROY + 1)

static const enum vm_life_action plan[NR_LIFE][NR_REQ] = {
	[VM_LIFE_ABSENT] = {
		[VM_REQ_START] = VM_ACT_CREATE_START, [VM_REQ_RESTART] = VM_ACT_CREATE_START,
		[VM_REQ_STOP] = VM_ACT_REFUSE, [VM_REQ_DESTROY] = VM_ACT_REFUSE,
	},
	[VM_LIFE_STOPPED] = {
		[VM_REQ_START] = VM_ACT_RELOAD_START, [VM_REQ_RESTART] = VM_ACT_RELOAD_START,
		[VM_REQ_STOP] = VM_ACT_REFUSE, [VM_REQ_DESTROY] = VM_ACT_RELEASE,
	},
	[VM_LIFE_RUNNING] = {
		[VM_REQ_START] = VM_ACT_REFUSE, [VM_REQ_RESTART] = VM_ACT_RESET,
		[VM_REQ_STOP] = VM_ACT_STOP, [VM_REQ_DESTROY] = VM_ACT_STOP_RELEASE,
	},
	/* Nothing while it stops: what it finishes with (restart, release) is decided already. */
	[VM_LIFE_STOPPING] = { VM_ACT_REFUSE, VM_ACT_REFUSE, VM_ACT_REFUSE, VM_ACT_REFUSE },
};

enum vm_life_action vm_life_plan(enum vm_life state, enum vm_life_request req)
{
	if ((unsigned)state >= NR_LIFE || (unsigned)req >= NR_REQ)
		return VM_ACT_REFUSE;
	return plan[state][req];
}

const char *vm_life_refusal(enum vm_life state, enum vm_life_request req)
{
	switch (state) {
	case VM_LIFE_ABSENT:
		return "is not created (destroyed, or never started); start creates it";
	case VM_LIFE_STOPPED:
		return "is not running; start starts it";
	case VM_LIFE_RUNNING:
		return "is already running; stop or restart it";
	case VM_LIFE_STOPPING:
		return "is still stopping; try again once it has halted";
	}
	return "is in no known state";
}

const char *vm_life_name(enum vm_life state)
{
	return (unsigned)state < NR_LIFE ? life_names[state] : "?";
}
