// deps: src/core/vm_lifecycle_plan.c
/* The VM lifecycle's state machine: which action each monitor request takes in each state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <keel/vm_lifecycle.h>

static void test_plan(void **state)
{
	static const struct { enum vm_life s; enum vm_life_request r; enum vm_life_action a; } t[] = {
		{ VM_LIFE_ABSENT, VM_REQ_START, VM_ACT_CREATE_START },
		{ VM_LIFE_ABSENT, VM_REQ_RESTART, VM_ACT_CREATE_START },
		{ VM_LIFE_ABSENT, VM_REQ_STOP, VM_ACT_REFUSE },
		{ VM_LIFE_ABSENT, VM_REQ_DESTROY, VM_ACT_REFUSE },      /* nothing to give back twice */
		{ VM_LIFE_STOPPED, VM_REQ_START, VM_ACT_RELOAD_START },
		{ VM_LIFE_STOPPED, VM_REQ_RESTART, VM_ACT_RELOAD_START },
		{ VM_LIFE_STOPPED, VM_REQ_STOP, VM_ACT_REFUSE },
		{ VM_LIFE_STOPPED, VM_REQ_DESTROY, VM_ACT_RELEASE },
		{ VM_LIFE_RUNNING, VM_REQ_START, VM_ACT_REFUSE },
		{ VM_LIFE_RUNNING, VM_REQ_RESTART, VM_ACT_RESET },
		{ VM_LIFE_RUNNING, VM_REQ_STOP, VM_ACT_STOP },
		{ VM_LIFE_RUNNING, VM_REQ_DESTROY, VM_ACT_STOP_RELEASE }, /* never released while it runs */
		{ VM_LIFE_STOPPING, VM_REQ_START, VM_ACT_REFUSE },
		{ VM_LIFE_STOPPING, VM_REQ_RESTART, VM_ACT_REFUSE },
		{ VM_LIFE_STOPPING, VM_REQ_STOP, VM_ACT_REFUSE },
		{ VM_LIFE_STOPPING, VM_REQ_DESTROY, VM_ACT_REFUSE },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		if (vm_life_plan(t[i].s, t[i].r) != t[i].a)
			fail_msg("state %s, request %d: action %d, want %d", vm_life_name(t[i].s),
				 t[i].r, vm_life_plan(t[i].s, t[i].r), t[i].a);
}

/* Only a VM that holds nothing is created; only one no vCPU can run in is released. */
static void test_resources_follow_states(void **state)
{
	for (enum vm_life s = VM_LIFE_ABSENT; s <= VM_LIFE_STOPPING; s++)
		for (enum vm_life_request r = VM_REQ_START; r <= VM_REQ_DESTROY; r++) {
			enum vm_life_action a = vm_life_plan(s, r);

			if (a == VM_ACT_CREATE_START)
				assert_int_equal(s, VM_LIFE_ABSENT);
			if (a == VM_ACT_RELEASE || a == VM_ACT_RELOAD_START)
				assert_int_equal(s, VM_LIFE_STOPPED);
			if (a == VM_ACT_STOP || a == VM_ACT_RESET || a == VM_ACT_STOP_RELEASE)
				assert_int_equal(s, VM_LIFE_RUNNING);
			if (a == VM_ACT_REFUSE)
				assert_true(strlen(vm_life_refusal(s, r)) > 10);
		}
}

static void test_out_of_range(void **state)
{
	assert_int_equal(vm_life_plan((enum vm_life)99, VM_REQ_START), VM_ACT_REFUSE);
	assert_int_equal(vm_life_plan(VM_LIFE_STOPPED, (enum vm_life_request)99), VM_ACT_REFUSE);
	assert_string_equal(vm_life_name((enum vm_life)99), "?");
	assert_string_equal(vm_life_name(VM_LIFE_STOPPING), "stopping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_resources_follow_states),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
