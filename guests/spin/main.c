/*
 * A vCPU that never waits and never exits on its own: the busy neighbour of
 * bench/run.py's scheduler figure (sched_wake_latency_insns), which keel can only
 * take the CPU from by preempting it. It never ends: the run is stopped from outside.
 */
#include "guest/guest.h"

const char guest_name[] = "spin";

void guest_main(void)
{
	printf("NOTE spin: spinning for ever\n");
	for (;;)
		__asm__ volatile("" ::: "memory");
}
