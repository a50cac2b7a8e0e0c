/*
 * What core asks of the architecture for a VM's stage-2 translation beyond building it
 * (stage2_init and stage2_flush_vm are declared in keel/vm.h). Implemented in
 * src/arch/aarch64/stage2.c.
 */
#ifndef KEEL_ARCH_STAGE2_H
#define KEEL_ARCH_STAGE2_H

struct vm;

/*
 * Invalidate every TLB entry tagged with the VM's VMID (stage 1 and stage 2, all CPUs).
 * Called before a restarted VM runs again: the new run must not hit translations its
 * previous run cached. None of the VM's vCPUs may be running.
 */
void stage2_tlb_inval_vm(const struct vm *vm);
/*
 * Undo stage2_init: invalidate the VMID's TLB entries, give the VMID back and free the
 * tables. Safe on a VM whose stage2_init failed part way. None of its vCPUs may run.
 */
void stage2_destroy(struct vm *vm);

#endif
