/* GICv3 virtual CPU interface: list registers, VMCR, active priorities. See vgic_hw.h. */
#include <keel/arch/sysreg.h>
#include <keel/arch/vgic_hw.h>
#include <keel/irq.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include <string.h>

#define ICH_HCR_EN        BIT(0)
#define ICH_HCR_UIE       BIT(1)   /* maintenance interrupt when (almost) no list register is valid */
#define ICH_HCR_LRENPIE   BIT(2)   /* maintenance interrupt while EOIcount != 0 */
#define ICH_HCR_NPIE      BIT(3)   /* maintenance interrupt while no list register is pending */
#define ICH_HCR_TDIR      BIT(14)  /* trap ICC_DIR_EL1 (ICV_DIR_EL1) */
#define ICH_HCR_EOICOUNT_SHIFT 27
#define ICH_HCR_EOICOUNT_MASK  GENMASK(31, 27)
#define ICH_VTR_LISTREGS(v)  ((unsigned)((v) & 0x1f) + 1)
#define ICH_VTR_PREBITS(v)   ((unsigned)(((v) >> 26) & 0x7) + 1)
#define ICH_VTR_TDS          BIT(19)  /* ICH_HCR_EL2.TDIR is implemented */
#define ICC_DIR_INTID_MASK   GENMASK(23, 0)
#define ICH_VMCR_VEOIM       BIT(9)   /* the guest's ICC_CTLR_EL1.EOImode */

#define read_ich(reg)       read_sysreg(reg)
#define write_ich(reg, v)   write_sysreg(reg, v)

static unsigned nr_lrs, nr_aprs;
static bool has_tdir;

#define LR_READ(n, crm, op2)  case n: return read_sysreg(S3_4_C12_##crm##_##op2)
#define LR_WRITE(n, crm, op2) case n: write_sysreg(S3_4_C12_##crm##_##op2, v); break

/*
 * ICH_LR<n>_EL2: the register number is part of the instruction, hence the switches. By
 * value, not through a pointer: a local whose address is taken would put a stack canary
 * on every exit that syncs or fills the list registers.
 */
static uint64_t lr_read(unsigned n)
{
	switch (n) {
	LR_READ(0, C12, 0); LR_READ(1, C12, 1); LR_READ(2, C12, 2); LR_READ(3, C12, 3);
	LR_READ(4, C12, 4); LR_READ(5, C12, 5); LR_READ(6, C12, 6); LR_READ(7, C12, 7);
	LR_READ(8, C13, 0); LR_READ(9, C13, 1); LR_READ(10, C13, 2); LR_READ(11, C13, 3);
	LR_READ(12, C13, 4); LR_READ(13, C13, 5); LR_READ(14, C13, 6); LR_READ(15, C13, 7);
	}
	return 0;
}

static void lr_write(unsigned n, uint64_t v)
{
	switch (n) {
	LR_WRITE(0, C12, 0); LR_WRITE(1, C12, 1); LR_WRITE(2, C12, 2); LR_WRITE(3, C12, 3);
	LR_WRITE(4, C12, 4); LR_WRITE(5, C12, 5); LR_WRITE(6, C12, 6); LR_WRITE(7, C12, 7);
	LR_WRITE(8, C13, 0); LR_WRITE(9, C13, 1); LR_WRITE(10, C13, 2); LR_WRITE(11, C13, 3);
	LR_WRITE(12, C13, 4); LR_WRITE(13, C13, 5); LR_WRITE(14, C13, 6); LR_WRITE(15, C13, 7);
	}
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
	has_tdir = vtr & ICH_VTR_TDS;
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

/*
 * Out of line: the common case (no LR in use) then needs no stack frame or canary.
 * rewrite: the caller (vgic_hw_flush) rewrites the list registers before the guest runs
 * again, so they need not be cleared here first; it clears those it does not rewrite.
 */
static __attribute__((noinline)) void vgic_hw_sync_lrs(struct vcpu *v, bool rewrite)
{
	struct vgic_hw_cpu *h = &v->gic;
	struct vm *vm = v->vm;
	uint32_t kick = 0;

	for (unsigned n = 0; n < h->nr_used; n++)
		h->lr[n] = lr_read(n);
	spin_lock(&vm->lock);
	if (h->active_overflow) {
		/*
		 * EOIs and DIRs that found no LR, so of interrupts no LR holds: counted
		 * before the sync releases the listed ones. With EOImode 1 an EOI only
		 * drops the priority (QEMU counts it all the same) and DIR traps, so
		 * the count deactivates nothing, unless DIR cannot trap (no TDIR).
		 */
		uint64_t hcr = read_sysreg(S3_4_C12_C11_0);
		unsigned eois = (unsigned)((hcr & ICH_HCR_EOICOUNT_MASK) >> ICH_HCR_EOICOUNT_SHIFT);

		if (eois) {
			write_sysreg(S3_4_C12_C11_0, hcr & ~ICH_HCR_EOICOUNT_MASK);
			if (!has_tdir || !(read_sysreg(S3_4_C12_C11_7) & ICH_VMCR_VEOIM))
				kick = vgic_lr_eoi_count(&vm->vgic, v->index, eois);
		}
		h->active_overflow = false;
	}
	kick |= vgic_lr_sync(&vm->vgic, v->index, h->lr, h->nr_used);
	spin_unlock(&vm->lock);
	kick &= ~(1u << v->index);
	if (kick)
		vm_irq_kick(vm, kick); /* an SPI routed elsewhere meanwhile */
	/* The model owns these interrupts again: clear the list so the guest cannot take one
	 * twice (e.g. while it waits in vcpu_block()); the next flush rewrites it. */
	if (!rewrite)
		for (unsigned n = 0; n < h->nr_used; n++)
			lr_write(n, 0);
	h->nr_used = 0;
	v->irq_dirty = true;
}

static void vgic_hw_sync_for(struct vcpu *v, bool rewrite)
{
	if (v->gic.nr_used)
		vgic_hw_sync_lrs(v, rewrite);
	/* After the fold: a latch listed and not taken is back in the model to withdraw. */
	if (v->gic.timers_forwarded)
		irq_timers_resample(v);
}

void vgic_hw_sync(struct vcpu *v)
{
	vgic_hw_sync_for(v, false);
}

void vgic_hw_flush(struct vcpu *v)
{
	struct vgic_hw_cpu *h = &v->gic;
	struct vm *vm = v->vm;
	unsigned listed = h->nr_used, n;
	bool more = false;

	/* Nothing runs at EL1 before the list registers are rewritten below. */
	vgic_hw_sync_for(v, true);
	__atomic_store_n(&v->irq_dirty, false, __ATOMIC_RELAXED);
	uint64_t hcr = ICH_HCR_EN;

	spin_lock(&vm->lock);
	n = vgic_lr_fill(&vm->vgic, v->index, h->lr, nr_lrs, &more);
	/*
	 * More active interrupts than LRs: a deactivation of one left out finds no
	 * LR. Trap ICC_DIR_EL1 to see which one the guest names, and count the
	 * rest (EOIs with EOImode 0) through EOIcount and its maintenance interrupt.
	 */
	h->active_overflow = more && vgic_vcpu_active_unlisted(&vm->vgic, v->index);
	/* A pending one left out: refill once the guest has taken those listed. */
	if (more && vgic_vcpu_pending_unlisted(&vm->vgic, v->index))
		hcr |= ICH_HCR_NPIE;
	spin_unlock(&vm->lock);
	for (unsigned i = 0; i < n; i++)
		lr_write(i, h->lr[i]);
	for (unsigned i = n; i < listed; i++)
		lr_write(i, 0);
	h->nr_used = n;
	if (more)
		hcr |= ICH_HCR_UIE;
	if (h->active_overflow)
		hcr |= ICH_HCR_LRENPIE | (has_tdir ? ICH_HCR_TDIR : 0);
	write_sysreg(S3_4_C12_C11_0, hcr);
}

void vgic_hw_dir(struct vcpu *v, uint64_t val)
{
	struct vm *vm = v->vm;
	uint32_t kick;

	vgic_hw_sync(v);
	spin_lock(&vm->lock);
	kick = vgic_deactivate(&vm->vgic, v->index, (unsigned)(val & ICC_DIR_INTID_MASK));
	spin_unlock(&vm->lock);
	kick &= ~(uint32_t)BIT(v->index);
	if (kick)
		vm_irq_kick(vm, kick);
	v->irq_dirty = true;
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
