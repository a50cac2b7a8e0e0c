/*
 * Interrupt delivery to VMs: the glue between interrupt sources (emulated
 * devices, the virtual timer, SGIs) and the virtual GIC model, and the kicks
 * that make a physical CPU notice a new interrupt for the vCPU it runs, or
 * wake a vCPU blocked in WFI.
 */
#include <keel/arch/cpu_arch.h>
#include <keel/cpu.h>
#include <keel/sched_vcpu.h>
#include <keel/vm.h>

void vm_irq_kick(struct vm *vm, uint32_t vcpus)
{
	unsigned self = this_cpu()->id;

	for (unsigned i = 0; i < vm->nr_vcpus && vcpus; i++, vcpus >>= 1) {
		struct vcpu *v = &vm->vcpus[i];

		if (!(vcpus & 1))
			continue;
		__atomic_store_n(&v->irq_dirty, true, __ATOMIC_RELEASE);
		/*
		 * irq_dirty before the look at where v is. Loaded here: this CPU runs it and its
		 * exit path sees irq_dirty (its own timer, a self-SGI, a device it touched).
		 * Loaded elsewhere: kick that CPU. If it is being put meanwhile, whoever loads it
		 * next reads irq_dirty after the scheduler's lock, which the put released after
		 * clearing loaded; one that blocks it looks at its interrupts again after that.
		 * Off any CPU: the scheduler wakes it (vcpu_kick).
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->loaded, __ATOMIC_ACQUIRE)) {   /* then pcpu is where */
			unsigned cpu = __atomic_load_n(&v->pcpu, __ATOMIC_RELAXED);

			if (cpu != self)
				arch_cpu_kick(cpu);
			continue;
		}
		vcpu_kick(v);   /* wakes it if blocked, kicks its CPU if it runs elsewhere */
	}
}

void vm_irq_set_level(struct vm *vm, unsigned vcpu, unsigned intid, bool level)
{
	uint32_t kick = 0;

	spin_lock(&vm->lock);
	if (vgic_set_level(&vm->vgic, vcpu, intid, level, &kick))
		kick = 0; /* keel's own sources only use valid INTIDs */
	spin_unlock(&vm->lock);
	vm_irq_kick(vm, kick);
}

void vm_uart_irq_update(struct vm *vm)
{
	bool level = vpl011_irq_level(&vm->uart);
	uint32_t kick = 0;

	/* Called after every UART access: only a change of the line concerns the GIC. */
	if (level == vm->uart_irq_line)
		return;
	vm->uart_irq_line = level;
	if (!vgic_set_level(&vm->vgic, 0, VM_UART_INTID, level, &kick))
		vm_irq_kick(vm, kick);
}
