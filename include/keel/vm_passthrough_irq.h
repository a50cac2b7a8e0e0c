/*
 * Interrupts of passed-through devices (src/core/vm_passthrough_irq.c).
 *
 * Each SPI of a VM's passthrough devices (include/keel/passthrough.h: the VM sees the
 * same INTID) is the VM's for as long as keel runs. Its physical side follows the
 * virtual one while the VM runs: trigger from the device tree, GICD_IROUTER = the
 * physical CPU of the vCPU the guest routes it to (vCPU 0's for a route naming none),
 * enabled exactly while the guest has it enabled. The physical SPI fires on that CPU;
 * keel acknowledges it, drops priority, leaves it active and injects the virtual SPI
 * linked to it (list register HW = 1), so the guest's deactivation deactivates it.
 * While the VM is not running its SPIs are disabled and inactive; an edge injected
 * and not yet taken when it stops is made pending again, for its next start.
 *
 * Calls: claim once at creation; link after every vgic_init (creation, restart);
 * start and stop with vm->lock held, from vm_start and when the VM begins stopping;
 * fire from irq_handle on whichever CPU took the SPI, without vm->lock.
 */
#ifndef KEEL_VM_PASSTHROUGH_IRQ_H
#define KEEL_VM_PASSTHROUGH_IRQ_H

#include <keel/types.h>

struct vm;

/* Own and configure (disabled) every passthrough SPI of vm; err names the one refused. */
must_check int vm_passthrough_irq_claim(struct vm *vm, char *err, size_t errlen);
/* Link them in the freshly reset vGIC; install the vGIC's hardware callbacks. */
must_check int vm_passthrough_irq_link(struct vm *vm);
void vm_passthrough_irq_start(struct vm *vm);   /* locked */
void vm_passthrough_irq_stop(struct vm *vm);    /* locked */
/* Physical SPI pintid (acknowledged, priority dropped, active) for vintid of vm. */
void vm_passthrough_irq_fire(struct vm *vm, unsigned vintid, unsigned pintid);

#endif
