/* GICv3 virtual CPU interface: list registers, VMCR, active priorities. See vgic_hw.h. */
#include <keel/arch/sysreg.h>
#include <keel/arch/vgic_hw.h>
#include <keel/irq.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include <string.h>

#define ICH_HCR_EN        BIT(0)
#define ICH_HCR_UIE       BIT(1)   /* maintenance interrupt when (almost) no list register is valid */
#define ICH_VTR_LISTREGS(v)  ((unsigned)((v) & 0x1f) + 1)
#define ICH_VTR_PREBITS(v)   ((unsigned)(((v) >> 26) & 0x7) + 1)

#define read_ich(reg)       read_sysreg(reg)
#define write_ich(reg, v)   write_sysreg(reg, v)

static unsigned nr_lrs, nr_aprs;

#define LR_CASE(n, crm, op2) \
	case n: if (write) write_sysreg(S3_4_C12_##crm##_##op2, *val); else *val = read_sysreg(S3_4_C12_##crm##_##op2); break

/* ICH_LR<n>_EL2: the register number is part of the instruction, hence the switch. */
static void lr_access(unsigned n, bool write, uint64_t *val)
{
	switch (n) {
	LR_CASE(0, C12, 0); LR_CASE(1, C12, 1); LR_CASE(2, C12, 2); LR_CASE(3, C12, 3);
	LR_CASE(4, C12, 4); LR_CASE(5, C12, 5); LR_CASE(6, C12, 6); LR_CASE(7, C12, 7);
	LR_CASE(8, C13, 0); LR_CASE(9, C13, 1); LR_CASE(10, C13, 2); LR_CASE(11, C13, 3);
	LR_CASE(12, C13, 4); LR_CASE(13, C13, 5); LR_CASE(14, C13, 6); LR_CASE(15, C13, 7);
	}
}

static uint64_t lr_read(unsigned n)
{
	uint64_t v = 0;

	lr_access(n, false, &v);
	return v;
}

static void lr_write(unsigned n, uint64_t v)
{
	lr_access(n, true, &v);
}

#define APR_CASE(n) \
	case n: \
		if (save) { h->ap0r[n] = (uint32_t)read_sysreg(S3_4_C12_C8_##n); \
			    h->ap1r[n] = (uint32_t)read_sysreg(S3_4_C12_C9_##n); } \
		else { write_sysreg(S3_4_C12_C8_##n, h->ap0r[n]); \
		       write_sysreg(S3_4_C12_C9_##n, h->ap1r[n]); } \
		break

static void aprs_access(struct vgic_hw_cpu *h, bool save)
{
	for (unsigned n = 0; n < nr_aprs; n++) {
		switch (n) {
		APR_CASE(0); APR_CASE(1); APR_CASE(2); APR_CASE(3);
		}
	}
}

void vgic_hw_init_cpu(void)
{
	uint64_t vtr = read_sysreg(S3_4_C12_C11_1);   /* ICH_VTR_EL2 */

	nr_lrs = MIN(ICH_VTR_LISTREGS(vtr), (unsigned)VGIC_HW_MAX_LRS);
	nr_aprs = 1u << (ICH_VTR_PREBITS(vtr) - 5);
	for (unsigned n = 0; n < nr_lrs; n++)
		lr_write(n, 0);
	write_sysreg(S3_4_C12_C11_0, 0);               /* ICH_HCR_EL2 off until a vCPU loads */
	isb();
}

unsigned vgic_hw_nr_lrs(void)
{
	return nr_lrs;
}

void vgic_hw_reset(struct vgic_hw_cpu *h)
{
	memset(h, 0, sizeof(*h));
}

void vgic_hw_load(struct vcpu *v)
{
	struct vgic_hw_cpu *h = &v->gic;

	write_sysreg(S3_4_C12_C11_7, h->vmcr);         /* ICH_VMCR_EL2 */
	aprs_access(h, false);
	for (unsigned n = 0; n < h->nr_used; n++)
		lr_write(n, h->lr[n]);
	write_sysreg(S3_4_C12_C11_0, ICH_HCR_EN);
	isb();
}

void vgic_hw_put(struct vcpu *v)
{
	struct vgic_hw_cpu *h = &v->gic;

	vgic_hw_sync(v);
	h->vmcr = read_sysreg(S3_4_C12_C11_7);
	aprs_access(h, true);
	for (unsigned n = 0; n < nr_lrs; n++)
		lr_write(n, 0);
	write_sysreg(S3_4_C12_C11_0, 0);
	isb();
}

/* Out of line: the common case (no LR in use) then needs no stack frame or canary. */
static __attribute__((noinline)) void vgic_hw_sync_lrs(struct vcpu *v)
{
	struct vgic_hw_cpu *h = &v->gic;
	struct vm *vm = v->vm;
	uint32_t kick;

	for (unsigned n = 0; n < h->nr_used; n++)
		h->lr[n] = lr_read(n);
	spin_lock(&vm->lock);
	kick = vgic_lr_sync(&vm->vgic, v->index, h->lr, h->nr_used);
	spin_unlock(&vm->lock);
	vm_irq_kick(vm, kick & ~(1u << v->index)); /* an SPI routed elsewhere meanwhile */
	/* The model owns these interrupts again: clear the list so the guest cannot take one
	 * twice (e.g. while it waits in vcpu_block()); the next flush rewrites it. */
	for (unsigned n = 0; n < h->nr_used; n++)
		lr_write(n, 0);
	h->nr_used = 0;
	v->irq_dirty = true;
}

void vgic_hw_sync(struct vcpu *v)
{
	if (v->gic.nr_used)
		vgic_hw_sync_lrs(v);
	/* After the fold: a latch listed and not taken is back in the model to withdraw. */
	if (v->gic.timers_forwarded)
		irq_timers_resample(v);
}

void vgic_hw_flush(struct vcpu *v)
{
	struct vgic_hw_cpu *h = &v->gic;
	struct vm *vm = v->vm;
	bool more = false;
	unsigned n;

	vgic_hw_sync(v);
	__atomic_store_n(&v->irq_dirty, false, __ATOMIC_RELAXED);
	spin_lock(&vm->lock);
	n = vgic_lr_fill(&vm->vgic, v->index, h->lr, nr_lrs, &more);
	spin_unlock(&vm->lock);
	for (unsigned i = 0; i < n; i++)
		lr_write(i, h->lr[i]);
	h->nr_used = n;
	write_sysreg(S3_4_C12_C11_0, ICH_HCR_EN | (more ? ICH_HCR_UIE : 0));
}

/*
 * The maintenance interrupt is level-sensitive: it stays asserted while its
 * condition (underflow, or a level interrupt's EOI) holds. Fold the list
 * registers back and turn the underflow request off so it drops; the exit path
 * then refills the list registers.
 */
void vgic_hw_maintenance(struct vcpu *v)
{
	if (v)
		vgic_hw_sync(v);
	write_sysreg(S3_4_C12_C11_0, v ? ICH_HCR_EN : 0);
	isb();
}
