/*
 * Runtime-private state shared by the files of guests/lib (not for tests).
 */
#ifndef GUEST_RT_INTERNAL_H
#define GUEST_RT_INTERNAL_H

#include "guest/fault.h"
#include "guest/runtime.h"

struct percpu {
	uint64_t idx;				/* slot; 0 is the boot vCPU */
	void (*entry)(uint64_t context_id);	/* what cpu_start() runs */
	volatile uint32_t fault_armed;		/* expect_fault_begin() .. end() */
	uint32_t exc_depth;			/* nested exception guard */
	struct fault fault;			/* the recorded exception */
	uint8_t pad[PERCPU_SIZE - 24 - sizeof(struct fault)];
};
_Static_assert(sizeof(struct percpu) == PERCPU_SIZE, "PERCPU_SIZE in layout.h");

extern struct percpu rt_percpu[GUEST_MAX_CPUS];
extern uint64_t rt_cpu_mpidr[GUEST_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	return (struct percpu *)read_sysreg(tpidr_el1);
}

void secondary_entry(void);
void mmu_enable(uint64_t boot);
/* IRQ exceptions go here when set (gic.c's irq_set_handler()); else unexpected. */
extern void (*volatile rt_irq_hook)(void);
/* The SMCCC-undefined tally, reported by report_and_exit(). */
void smccc_undef_report(void);

#endif
