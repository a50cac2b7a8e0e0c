/* panic() and the report of an exception keel itself took (always a keel bug). */
#include <keel/arch/regs.h>
#include <keel/arch/sysreg.h>
#include <keel/console.h>
#include <keel/cpu.h>
#include <keel/esr.h>
#include <keel/panic.h>
#include <keel/vm.h>
#include <stdarg.h>
#include <stdio.h>

void cpu_halt(void)
{
	for (;;)
		wfi();
}

static unsigned panic_cpu_id(void)
{
	struct cpu *c = this_cpu();

	return c ? c->id : 0;
}

void panic(const char *fmt, ...)
{
	char msg[256];
	struct cpu *c = this_cpu();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	klog("PANIC on CPU %u%s%s: %s", panic_cpu_id(), c && c->vcpu ? " running vm " : "",
	     c && c->vcpu ? c->vcpu->vm->name : "", msg);
	cpu_halt();
}

static const char *const fault_kinds[] = { "synchronous", "IRQ", "FIQ", "SError" };

void el2_fault(struct el2_frame *f, unsigned kind);
void el2_fault(struct el2_frame *f, unsigned kind)
{
	unsigned ec = esr_ec(f->esr);

	console_lock();
	console_printf_locked("(keel) PANIC: %s exception at EL2 on CPU %u%s\n", fault_kinds[kind & 3],
			      panic_cpu_id(), (kind & 16) ? " (taken on SP_EL0)" : "");
	console_printf_locked("(keel)   ESR 0x%08llx: %s (EC 0x%02x)", (unsigned long long)f->esr,
			      esr_class_name(ec), ec);
	if (ec == ESR_EC_DABT_CUR || ec == ESR_EC_IABT_CUR)
		console_printf_locked(", %s", esr_fault_name(esr_fsc(f->esr)));
	console_printf_locked("\n(keel)   FAR 0x%016llx ELR 0x%016llx SPSR 0x%08llx SP 0x%016llx\n",
			      (unsigned long long)f->far, (unsigned long long)f->elr,
			      (unsigned long long)f->spsr, (unsigned long long)f->sp);
	for (unsigned i = 0; i < 30; i += 2)
		console_printf_locked("(keel)   x%-2u 0x%016llx x%-2u 0x%016llx\n", i,
				      (unsigned long long)f->x[i], i + 1, (unsigned long long)f->x[i + 1]);
	console_printf_locked("(keel)   x30 0x%016llx\n",
			      (unsigned long long)f->x[30]);
	console_unlock();
	cpu_halt();
}

/*
 * Stack protector support for -fstack-protector-strong. The initial value is
 * only what the image carries: stack_guard_seed() replaces it at boot, before
 * any instrumented function runs (include/keel/stack_guard.h).
 */
uintptr_t __stack_chk_guard = 0x6b65656c2d737470ULL;

noreturn_fn void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
