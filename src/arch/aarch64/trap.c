/*
 * Guest exits: vcpu_exit() is called by vectors.S with the guest's general
 * registers saved, dispatches on the exception class, and returns the
 * registers of the vCPU to resume. A vCPU that must stop running here (its
 * VM ended, it was powered off, it waits for an interrupt while another vCPU
 * wants this CPU, its time slice ended) is taken off this CPU, which then runs
 * what the scheduler picks.
 */
#include <keel/arch/asm.h>
#include <keel/arch/inject.h>
#include <keel/arch/sysreg.h>
#include <keel/arch/trap.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/esr.h>
#include <keel/hypercall.h>
#include <keel/irq.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>

typedef void (*exit_handler_fn)(struct vcpu *v, uint64_t esr);

static void skip_insn(struct vcpu *v, uint64_t esr)
{
	vcpu_skip_insn(&v->regs, esr_il(esr) ? 4 : 2);
}

/*
 * WFI waits until the vCPU has an interrupt to take (its virtual timer, an SGI,
 * a device) or must stop (vcpu_block). WFE (and the timed forms) complete at
 * once: an event is allowed to be pending, and a spinning guest that shares its
 * CPU loses it at the end of its time slice anyway.
 */
static void handle_wfx(struct vcpu *v, uint64_t esr)
{
	v->stats.wfx++;
	skip_insn(v, esr);
	if (esr_wfx_ti(esr) == ESR_ISS_WFX_TI_WFI)
		vcpu_block(v);
}

static bool vcpu_has_work(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool pending;

	if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING ||
	    __atomic_load_n(&v->power, __ATOMIC_ACQUIRE) != VCPU_ON)
		return true;
	spin_lock(&vm->lock);
	pending = vgic_vcpu_has_pending(&vm->vgic, v->index);
	spin_unlock(&vm->lock);
	return pending;
}

/* Take the vCPU off this CPU, saved, and run whatever comes next: never returns. */
static noreturn_fn void vcpu_leave_cpu(struct vcpu *v, enum sched_state to)
{
	vcpu_put(v);
	if (to == SCHED_BLOCKED)
		sched_vcpu_block_current(v);
	else if (to == SCHED_RUNNABLE)
		sched_vcpu_preempt_current();
	else {
		sched_vcpu_stop_current();
		vm_vcpu_left(v);
	}
	cpu_idle_loop();
}

/*
 * The vCPU waits for an interrupt. Alone on its CPU it waits here, loaded, as cheaply
 * as before the scheduler (its timers still fire in hardware). Once another vCPU is
 * queued here it asks the exit tail to deschedule it BLOCKED (after the handler has
 * finished: CPU_SUSPEND still writes its result), and the other runs.
 */
void vcpu_block(struct vcpu *v)
{
	struct cpu *c = this_cpu();
	unsigned self = c->id;

	vm_console_idle(v->vm);
	sched_vcpu_set_waiting(self, true);
	for (;;) {
		vgic_hw_sync(v);
		if (vcpu_has_work(v))
			break;
		if (sched_has_queued(&keel_sched, self)) {
			c->wait_requested = true;
			c->exit_work = true;
			break;
		}
		wfi();
		irq_handle();
	}
	sched_vcpu_set_waiting(self, false);
}

/* Anything but an ordinary resume: the vCPU leaves, waits or gives way. */
static __attribute__((noinline)) void vcpu_exit_slow(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	c->exit_work = false;
	if (c->wait_requested) {
		c->wait_requested = false;
		vcpu_leave_cpu(v, SCHED_BLOCKED);   /* it looks for work once more when published */
	}
	if (__atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING ||
	    __atomic_load_n(&v->power, __ATOMIC_ACQUIRE) != VCPU_ON)
		vcpu_leave_cpu(v, SCHED_OFF);   /* saved before anyone may see it off (CPU_ON resets it) */
	if (sched_vcpu_resched_due(c->id))
		vcpu_leave_cpu(v, SCHED_RUNNABLE);
}

static void handle_hvc(struct vcpu *v, uint64_t esr)
{
	v->stats.hypercalls++;
	if (esr_imm16(esr) != 0) {
		smccc_set_ret(v, SMCCC_NOT_SUPPORTED);
		return;
	}
	hypercall_handle(v);
}

/* A trapped SMC returns to the SMC itself: step over it, then answer like HVC. */
static void handle_smc(struct vcpu *v, uint64_t esr)
{
	skip_insn(v, esr);
	handle_hvc(v, esr);
}

static void handle_undef(struct vcpu *v, uint64_t esr)
{
	inject_undef(v);
}

static void handle_serror(struct vcpu *v, uint64_t esr)
{
	trap_dump_guest(v, esr);
	vm_stop(v->vm, "stopped: SError (asynchronous abort) while it ran, ESR_EL2=0x%llx",
		(unsigned long long)esr);
}

static const exit_handler_fn exit_handlers[64] = {
	[ESR_EC_WFX] = handle_wfx,
	[ESR_EC_HVC64] = handle_hvc,
	[ESR_EC_SMC64] = handle_smc,
	[ESR_EC_SYS64] = trap_sysreg,
	[ESR_EC_DABT_LOW] = trap_dabt,
	[ESR_EC_IABT_LOW] = trap_iabt,
	[ESR_EC_SERROR] = handle_serror,
};

_Static_assert(EXIT_ESR_EC_SHIFT == ESR_EC_SHIFT && EXIT_ESR_EC_WIDTH == ESR_EC_WIDTH &&
	       EXIT_ESR_EC_HVC64 == ESR_EC_HVC64, "vectors.S decodes ESR_EL2.EC as esr.h does");

/*
 * Whether vcpu_exit() would do nothing after its handler: the VM runs, the vCPU is on,
 * no list register is in use (nothing the guest may have consumed to fold back) and the
 * model has nothing new for it. Another CPU that changes any of that afterwards kicks this
 * one (vm_stop, vm_irq_kick): the kick is a physical IRQ, pending while keel runs at EL2,
 * and ends the guest's next instruction in an exit that does all of it.
 */
static bool vcpu_exit_nothing_due(struct vcpu *v)
{
	return __atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING &&
	       __atomic_load_n(&v->power, __ATOMIC_ACQUIRE) == VCPU_ON && !v->gic.nr_used &&
	       !__atomic_load_n(&v->irq_dirty, __ATOMIC_ACQUIRE);
}

/*
 * The HVC fast path (vectors.S): only x0-x18 and x30 are saved, the guest's x19-x29 are
 * still in the CPU (the C code preserves them) and ELR_EL2/SPSR_EL2 too (an HVC's return
 * address is already the next instruction). A call that touches nothing but x0-x3
 * (hypercall_handle_fast) is answered here when vcpu_exit_nothing_due() says the full path
 * would add nothing: the same statistics, the same answer, the same resume. Anything else
 * returns NULL before anything is done, and vectors.S takes the full path.
 */
struct vcpu_regs *vcpu_exit_hvc(struct vcpu_regs *regs, uint64_t esr)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (esr_imm16(esr) != 0 || !vcpu_exit_nothing_due(v) || !hypercall_handle_fast(v))
		return NULL;
	v->stats.exits++;
	v->stats.hypercalls++;
	v->sw_flushed = false; /* a set/way batch ends at any other exit */
	return regs;
}

struct vcpu_regs *vcpu_exit(struct vcpu_regs *regs, unsigned kind)
{
	struct cpu *c = this_cpu();
	struct vcpu *v = c->vcpu;

	v->stats.exits++;
	if (kind == EXIT_SYNC) {
		uint64_t esr = read_sysreg(esr_el2);
		unsigned ec = esr_ec(esr);
		exit_handler_fn fn = exit_handlers[ec];

		if (ec != ESR_EC_SYS64)
			v->sw_flushed = false; /* a set/way batch ends at any other exit */

		/* Anything else that reaches EL2 (PAC, SVE, SME, LOR, AArch32 traps...) is a feature keel hides. */
		(fn ? fn : handle_undef)(v, esr);
	} else if (kind == EXIT_IRQ) {
		v->stats.irqs++;
		irq_handle();   /* a kick asking this vCPU to give way sets c->exit_work */
	} else if (kind == EXIT_SERROR) {
		handle_serror(v, read_sysreg(esr_el2));
	}
	/* FIQs are not used by keel; with FMO set they only end the guest's timeslice. */

	if (__builtin_expect(__atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING ||
			     __atomic_load_n(&v->power, __ATOMIC_ACQUIRE) != VCPU_ON ||
			     c->exit_work, 0))
		vcpu_exit_slow(v);
	if (v->gic.nr_used || __atomic_load_n(&v->irq_dirty, __ATOMIC_ACQUIRE))
		vgic_hw_flush(v);
	return regs;
}

void trap_dump_guest(struct vcpu *v, uint64_t esr)
{
	struct vcpu_regs *r = &v->regs;

	console_lock();
	console_printf_locked("(keel) vm %s vcpu %u: %s (EC 0x%02x), ESR_EL2 0x%08llx\n",
			      v->vm->name, v->index, esr_class_name(esr_ec(esr)), esr_ec(esr),
			      (unsigned long long)esr);
	console_printf_locked("(keel)   PC 0x%016llx PSTATE 0x%08llx FAR 0x%016llx HPFAR 0x%016llx\n",
			      (unsigned long long)r->elr, (unsigned long long)r->spsr,
			      (unsigned long long)read_sysreg(far_el2),
			      (unsigned long long)read_sysreg(hpfar_el2));
	for (unsigned i = 0; i < 31; i += 2) {
		if (i == 30)
			console_printf_locked("(keel)   x30 0x%016llx\n", (unsigned long long)r->x[30]);
		else
			console_printf_locked("(keel)   x%-2u 0x%016llx x%-2u 0x%016llx\n", i,
					      (unsigned long long)r->x[i], i + 1,
					      (unsigned long long)r->x[i + 1]);
	}
	console_unlock();
}
