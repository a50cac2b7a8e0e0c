/*
 * The hardware half of the virtual GIC: the GICv3 virtual CPU interface
 * (ICH_*_EL2). The list registers carry the interrupts the model
 * (include/keel/vgic.h) says a vCPU should see; ICH_VMCR_EL2 and the
 * active-priority registers are the guest's CPU interface state and move
 * with the vCPU.
 *
 * Cost on the exit path: nothing while the vCPU has no interrupt in flight
 * (no list register in use and nothing newly pending), otherwise one read
 * back of the used list registers and one refill.
 */
#ifndef KEEL_ARCH_VGIC_HW_H
#define KEEL_ARCH_VGIC_HW_H

#include <keel/types.h>

#define VGIC_HW_MAX_LRS 16

struct vcpu;

struct vgic_hw_cpu {
	uint64_t lr[VGIC_HW_MAX_LRS];   /* as filled on the last entry */
	unsigned nr_used;               /* list registers filled on the last entry */
	uint64_t vmcr;
	uint32_t ap0r[4], ap1r[4];
	uint32_t timers_forwarded;      /* VGIC_HW_TIMER_* keel injected whose output may still be high */
	bool active_overflow;           /* active interrupts left out of the LRs: TDIR, LRENPIE set */
};

/* The guest's timers whose PPIs keel forwards (bits of timers_forwarded). */
#define VGIC_HW_TIMER_VIRT BIT(0)
#define VGIC_HW_TIMER_PHYS BIT(1)

/* Per physical CPU: discover the list registers, enable the virtual interface. */
void vgic_hw_init_cpu(void);
unsigned vgic_hw_nr_lrs(void);
void vgic_hw_reset(struct vgic_hw_cpu *h);
void vgic_hw_load(struct vcpu *v);
void vgic_hw_put(struct vcpu *v);
/*
 * Exit: fold what the guest did with its list registers back into the model,
 * then re-sample the output of each forwarded timer (irq_timers_resample).
 * Called before the model is read or changed for this vCPU (vGIC MMIO, SGI
 * traps, WFI) and before every refill.
 */
void vgic_hw_sync(struct vcpu *v);
/* The maintenance interrupt fired on this CPU (v: the vCPU loaded here, or NULL). */
void vgic_hw_maintenance(struct vcpu *v);
/* Entry: put the vCPU's deliverable interrupts into the list registers. */
void vgic_hw_flush(struct vcpu *v);
/* The guest wrote val to ICC_DIR_EL1, trapped by ICH_HCR_EL2.TDIR (set while active_overflow). */
void vgic_hw_dir(struct vcpu *v, uint64_t val);

#endif
