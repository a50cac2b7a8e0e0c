/*
 * Per-physical-CPU state. TPIDR_EL2 points at this CPU's struct cpu; its
 * first field is read by vectors.S on every guest exit.
 */
#ifndef KEEL_CPU_H
#define KEEL_CPU_H

#include <keel/types.h>
#include <keel/arch/regs.h>
#include <keel/config.h>

#define KEEL_MAX_CPUS 16

struct vcpu;

struct cpu {
	struct vcpu_regs *regs;    /* registers of the vCPU running here: must stay first */
	struct vcpu *vcpu;         /* vCPU loaded on this CPU, NULL when idle */
	bool exit_work;            /* the exit tail has scheduler work: wait_requested or a resched */
	bool wait_requested;       /* the vCPU's exit handler asked it to wait (WFI, CPU_SUSPEND) */
	unsigned id;               /* index in the boot device tree's /cpus */
	uint64_t mpidr;
	uint64_t stack_top;
	volatile bool online;
	uint64_t gicr_base;        /* this CPU's redistributor */
	/* The vCPU of each VM (by id) whose translations this CPU's TLB last held. */
	const struct vcpu *last_ran[KEEL_MAX_VMS];
};

extern struct cpu cpus[KEEL_MAX_CPUS];
extern unsigned nr_cpus;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(c));
	return c;
}

/* Run what the scheduler gives this CPU, forever. Resets the stack. */
noreturn_fn void cpu_idle_loop(void);

#endif
