/*
 * Per-physical-CPU state. TPIDR_EL2 points at this CPU's struct cpu; its
 * first field is read by vectors.S on every guest exit.
 */
#ifndef KEEL_CPU_H
#define KEEL_CPU_H

#include <keel/types.h>
#include <keel/arch/regs.h>

#define KEEL_MAX_CPUS 16

struct vcpu;

struct cpu {
	struct vcpu_regs *regs;    /* registers of the vCPU running here: must stay first */
	struct vcpu *vcpu;         /* vCPU loaded on this CPU, NULL when idle */
	struct vcpu *next;         /* vCPU another CPU asked this one to run */
	unsigned id;               /* index in the boot device tree's /cpus */
	uint64_t mpidr;
	uint64_t stack_top;
	volatile bool online;
	uint64_t gicr_base;        /* this CPU's redistributor */
};

extern struct cpu cpus[KEEL_MAX_CPUS];
extern unsigned nr_cpus;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(c));
	return c;
}

/* Ask CPU `id` to run `v` and wake it. */
void cpu_assign(unsigned id, struct vcpu *v);
/* Wake CPU `id` so it re-examines its vCPU's state. */
void cpu_kick(unsigned id);
/* Run whatever this CPU is given, forever. Resets the stack. */
noreturn_fn void cpu_idle_loop(void);

#endif
