// deps: src/core/sched.c
/*
 * The scheduler's logic: round robin among equal priorities, higher priorities first and
 * preempting at wake-up, placement on the least-loaded allowed CPU, the state machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <keel/sched.h>

static struct sched s;
static struct sched_entity e[8];

static void setup(unsigned nr_cpus)
{
	sched_init(&s, nr_cpus);
	for (unsigned i = 0; i < nr_cpus; i++)
		sched_cpu_online(&s, i);
}

static void test_round_robin_equal_priority(void **state)
{
	unsigned runs[3] = { 0 };

	setup(1);
	for (unsigned i = 0; i < 3; i++) {
		sched_entity_init(&e[i], 1, SCHED_PRIO_DEFAULT, 0);
		sched_wake(&s, &e[i]);
	}
	for (unsigned t = 0; t < 300; t++) {
		struct sched_entity *cur = s.cpu[0].current ? s.cpu[0].current : sched_pick(&s, 0);

		assert_non_null(cur);
		runs[cur - e]++;
		assert_true(sched_wants_slice(&s, 0));
		sched_tick(&s, 0);
		assert_true(s.cpu[0].resched);
		assert_int_equal(sched_preempt(&s, 0), 0); /* back onto its own, now idle, CPU */
	}
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(runs[i], 100);
}

static void test_alone_needs_no_slice(void **state)
{
	setup(1);
	sched_entity_init(&e[0], 1, SCHED_PRIO_DEFAULT, 0);
	assert_int_equal(sched_wake(&s, &e[0]), 0);       /* idle CPU: kick it */
	assert_ptr_equal(sched_pick(&s, 0), &e[0]);
	assert_false(sched_wants_slice(&s, 0));
	sched_tick(&s, 0);
	assert_false(s.cpu[0].resched);
	assert_null(sched_pick(&s, 0));                   /* it has a current */
}

static void test_priority_preempts_and_starves_lower(void **state)
{
	setup(1);
	sched_entity_init(&e[0], 1, 1, 0);
	sched_entity_init(&e[1], 1, 5, 0);
	sched_wake(&s, &e[0]);
	assert_ptr_equal(sched_pick(&s, 0), &e[0]);
	/* A higher priority waking: the CPU must give way now. */
	assert_int_equal(sched_wake(&s, &e[1]), 0);
	assert_true(s.cpu[0].resched);
	sched_preempt(&s, 0);
	assert_ptr_equal(sched_pick(&s, 0), &e[1]);
	assert_int_equal(e[0].state, SCHED_RUNNABLE);
	/* The lower one never gets a slice from the higher one... */
	assert_false(sched_wants_slice(&s, 0));
	/* ...and waking it again changes nothing. */
	assert_int_equal(sched_wake(&s, &e[0]), SCHED_NO_CPU);
	sched_block(&s, 0);
	assert_int_equal(e[1].state, SCHED_BLOCKED);
	assert_ptr_equal(sched_pick(&s, 0), &e[0]);
	/* Lower priority running, higher wakes: kick; equal wakes: kick too (shares at once). */
	assert_int_equal(sched_wake(&s, &e[1]), 0);
}

static void test_lower_priority_wake_does_not_kick(void **state)
{
	setup(1);
	sched_entity_init(&e[0], 1, 5, 0);
	sched_entity_init(&e[1], 1, 1, 0);
	sched_wake(&s, &e[0]);
	sched_pick(&s, 0);
	assert_int_equal(sched_wake(&s, &e[1]), SCHED_NO_CPU);
	assert_false(s.cpu[0].resched);
}

static void test_placement_least_loaded_within_affinity(void **state)
{
	setup(4);
	for (unsigned i = 0; i < 5; i++)
		sched_entity_init(&e[i], 0x6, SCHED_PRIO_DEFAULT, 1); /* CPUs 1 and 2 */
	assert_int_equal(sched_wake(&s, &e[0]), 1);      /* its home, idle */
	assert_ptr_equal(sched_pick(&s, 1), &e[0]);
	assert_int_equal(sched_wake(&s, &e[1]), 2);      /* CPU 1 busy: 2 is idle */
	assert_ptr_equal(sched_pick(&s, 2), &e[1]);
	sched_wake(&s, &e[2]);
	sched_wake(&s, &e[3]);
	/* Never onto CPU 0 or 3, balanced over 1 and 2. */
	assert_int_equal(s.cpu[0].nr_queued + s.cpu[3].nr_queued, 0);
	assert_int_equal(s.cpu[1].nr_queued, 1);
	assert_int_equal(s.cpu[2].nr_queued, 1);
	/* An offline or absent CPU is never chosen. */
	sched_entity_init(&e[4], 0x8u | 0x10000u, SCHED_PRIO_DEFAULT, 3);
	s.online &= ~0x8u;
	assert_int_equal(sched_wake(&s, &e[4]), SCHED_NO_CPU);
	assert_int_equal(e[4].state, SCHED_BLOCKED);
}

static void test_last_cpu_wins_ties(void **state)
{
	setup(2);
	sched_entity_init(&e[0], 0x3, SCHED_PRIO_DEFAULT, 0);
	sched_wake(&s, &e[0]);
	assert_ptr_equal(sched_pick(&s, 0), &e[0]);
	sched_block(&s, 0);
	e[0].cpu = 1;       /* say it last ran on CPU 1 */
	assert_int_equal(sched_wake(&s, &e[0]), 1);
}

static void test_waiter_counts_as_idle_and_gives_way(void **state)
{
	setup(2);
	sched_entity_init(&e[0], 0x1, SCHED_PRIO_DEFAULT, 0);
	sched_entity_init(&e[1], 0x3, SCHED_PRIO_DEFAULT, 0);
	sched_entity_init(&e[2], 0x3, SCHED_PRIO_DEFAULT, 1);
	sched_wake(&s, &e[0]);
	sched_pick(&s, 0);
	sched_wake(&s, &e[2]);
	sched_pick(&s, 1);
	sched_set_waiting(&s, 0, true);   /* e0 sits in WFI on CPU 0 */
	assert_int_equal(sched_wake(&s, &e[1]), 0);
	assert_true(s.cpu[0].resched);
	assert_true(sched_has_queued(&s, 0));
	sched_block(&s, 0);
	assert_int_equal(e[0].state, SCHED_BLOCKED);
	assert_ptr_equal(sched_pick(&s, 0), &e[1]);
	assert_false(s.cpu[0].waiting);
}

static void test_states(void **state)
{
	setup(1);
	sched_entity_init(&e[0], 1, 99, 0);
	assert_int_equal(e[0].prio, SCHED_PRIO_MAX);   /* clamped */
	assert_int_equal(e[0].state, SCHED_OFF);
	sched_wake(&s, &e[0]);
	assert_int_equal(e[0].state, SCHED_RUNNABLE);
	assert_int_equal(sched_wake(&s, &e[0]), SCHED_NO_CPU);
	assert_int_equal(s.cpu[0].nr_queued, 1);       /* not queued twice */
	sched_pick(&s, 0);
	assert_int_equal(e[0].state, SCHED_RUNNING);
	assert_int_equal(sched_wake(&s, &e[0]), SCHED_NO_CPU);
	sched_stop(&s, 0);
	assert_int_equal(e[0].state, SCHED_OFF);
	assert_null(s.cpu[0].current);
	assert_null(sched_pick(&s, 0));
	/* Operations on a CPU with nothing current change nothing. */
	sched_block(&s, 0);
	assert_int_equal(sched_preempt(&s, 0), SCHED_NO_CPU);
	assert_int_equal(e[0].switches_in, 1);
}

/* A destroyed VM's entities leave the run queue wherever they sit in it; RUNNING refuses. */
static void test_withdraw(void **state)
{
	setup(1);
	for (unsigned i = 0; i < 4; i++) {
		sched_entity_init(&e[i], 1, SCHED_PRIO_DEFAULT, 0);
		sched_wake(&s, &e[i]);
	}
	assert_ptr_equal(sched_pick(&s, 0), &e[0]);     /* e0 RUNNING, e1 e2 e3 queued */
	assert_false(sched_withdraw(&s, &e[0]));
	assert_int_equal(e[0].state, SCHED_RUNNING);
	assert_true(sched_withdraw(&s, &e[3]));         /* the tail */
	assert_true(sched_withdraw(&s, &e[1]));         /* the head */
	assert_int_equal(e[1].state, SCHED_OFF);
	assert_int_equal(s.cpu[0].nr_queued, 1);
	assert_ptr_equal(s.cpu[0].head, &e[2]);
	assert_ptr_equal(s.cpu[0].tail, &e[2]);
	assert_true(sched_withdraw(&s, &e[1]));         /* OFF already: nothing to do */
	assert_int_equal(s.cpu[0].nr_queued, 1);
	sched_stop(&s, 0);
	assert_ptr_equal(sched_pick(&s, 0), &e[2]);     /* the only one left */
	sched_stop(&s, 0);
	assert_null(sched_pick(&s, 0));
	sched_wake(&s, &e[3]);                          /* a withdrawn entity can come back */
	assert_ptr_equal(sched_pick(&s, 0), &e[3]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_robin_equal_priority),
		cmocka_unit_test(test_alone_needs_no_slice),
		cmocka_unit_test(test_priority_preempts_and_starves_lower),
		cmocka_unit_test(test_lower_priority_wake_does_not_kick),
		cmocka_unit_test(test_placement_least_loaded_within_affinity),
		cmocka_unit_test(test_last_cpu_wins_ties),
		cmocka_unit_test(test_waiter_counts_as_idle_and_gives_way),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_withdraw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
