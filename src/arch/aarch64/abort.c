/*
 * Stage-2 aborts from a guest: MMIO emulation and the architected answer to
 * an access that reaches neither RAM nor a device.
 *
 * The faulting IPA is HPFAR_EL2.FIPA (the page) plus FAR_EL2's page offset;
 * it is the IPA of whichever part of the access faulted, not necessarily of
 * its start. When the syndrome is valid (ISV=1) and the access lies wholly at
 * FAR in that page, the syndrome says everything. Otherwise (load/store pair,
 * writeback forms, an access touching another page) the instruction is
 * fetched from guest memory and decoded, its address computed from its base
 * register, and each transfer placed: in the faulting page by the fault, in
 * another page by the guest's stage 1 (AT), then performed in RAM or on a
 * device, or answered with an abort. What keel cannot emulate on a device
 * ends the VM with a report; it never reaches keel itself.
 */
#include <keel/arch/inject.h>
#include <keel/arch/sysreg.h>
#include <keel/arch/trap.h>
#include <keel/esr.h>
#include <keel/mmio_decode.h>
#include <keel/vm.h>

#define HPFAR_FIPA_SHIFT 4
#define HPFAR_FIPA_MASK  GENMASK(43, 4)

static uint64_t fault_ipa(uint64_t far)
{
	uint64_t hpfar = read_sysreg(hpfar_el2);

	return ((hpfar & HPFAR_FIPA_MASK) >> HPFAR_FIPA_SHIFT) << PAGE_SHIFT | (far & (PAGE_SIZE - 1));
}

/* PAR_EL1 after a failed AT: the fault status and whether stage 2 (not the guest) failed. */
#define PAR_FST_SHIFT 1
#define PAR_FST_MASK  GENMASK(6, 1)
#define PAR_S         BIT(9)

/*
 * Translate a guest VA with the guest's own stage 1 (AT), keeping its
 * PAR_EL1. On failure *par holds the fault (PAR_F set). AT S1E1R/W ignore
 * PSTATE.PAN: a PAN-protected page reached by the second half of an access
 * is treated as accessible.
 */
static bool guest_va_to_ipa(const struct vcpu *v, uint64_t va, bool write, uint64_t *ipa, uint64_t *par)
{
	uint64_t saved = read_sysreg(par_el1);
	bool el0 = (v->regs.spsr & PSR_AA32) || (v->regs.spsr & PSR_MODE_MASK) == PSR_MODE_EL0t;

	if (el0 && write)
		__asm__ volatile("at s1e0w, %0" : : "r"(va));
	else if (el0)
		__asm__ volatile("at s1e0r, %0" : : "r"(va));
	else if (write)
		__asm__ volatile("at s1e1w, %0" : : "r"(va));
	else
		__asm__ volatile("at s1e1r, %0" : : "r"(va));
	isb();
	*par = read_sysreg(par_el1);
	write_sysreg(par_el1, saved);
	if (*par & PAR_F)
		return false;
	*ipa = (*par & PAR_PA_MASK) | (va & (PAGE_SIZE - 1));
	return true;
}

static bool guest_fetch_insn(const struct vcpu *v, uint32_t *insn)
{
	uint64_t ipa, pa, par;

	if (v->regs.spsr & PSR_AA32)
		return false; /* T32/A32 decoding is not implemented */
	if (read_sysreg(sctlr_el1) & SCTLR_EE)
		return false; /* big-endian guest */
	if (!guest_va_to_ipa(v, v->regs.elr, false, &ipa, &par) || !vm_ipa_to_pa(v->vm, ipa, 4, &pa) ||
	    (pa & 3))
		return false;
	*insn = *(volatile uint32_t *)(uintptr_t)pa;
	return true;
}

/* The SP of the guest's current exception level: the base register 31. */
static bool guest_uses_sp_el1(const struct vcpu *v)
{
	return (v->regs.spsr & PSR_MODE_MASK) == PSR_MODE_EL1h;
}

static uint64_t guest_base_read(const struct vcpu *v, unsigned rn)
{
	if (rn < 31)
		return v->regs.x[rn];
	return guest_uses_sp_el1(v) ? read_sysreg(sp_el1) : read_sysreg(sp_el0);
}

/* Writeback to the base register; 31 is the SP of the guest's current exception level. */
static void guest_base_writeback(struct vcpu *v, unsigned rn, int64_t offset)
{
	if (rn < 31)
		v->regs.x[rn] += (uint64_t)offset;
	else if (guest_uses_sp_el1(v))
		write_sysreg(sp_el1, read_sysreg(sp_el1) + (uint64_t)offset);
	else
		write_sysreg(sp_el0, read_sysreg(sp_el0) + (uint64_t)offset);
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Where one transfer goes: a device window, or the VM's RAM at pa. */
struct mmio_target {
	const struct mmio_device *dev;
	uint64_t ipa, pa;
};

/* Why an access is answered with an exception instead of being performed. */
struct mmio_refusal {
	uint64_t va;        /* of the transfer that cannot be performed */
	uint64_t par;       /* PAR_EL1 if the guest's own stage 1 refused it, else 0 */
};

static void mmio_refuse(struct vcpu *v, const struct mmio_access *a, const struct mmio_refusal *r)
{
	if ((r->par & PAR_F) && !(r->par & PAR_S))
		inject_dabt_status(v, r->va, (unsigned)((r->par & PAR_FST_MASK) >> PAR_FST_SHIFT), a->write);
	else
		inject_dabt(v, r->va);
}

/*
 * Resolve every transfer to a device or RAM before anything is performed.
 * A transfer that straddles a 4 KiB page, that the guest's stage 1 does not
 * map, or whose IPA is neither in a device window nor wholly in RAM makes
 * the whole instruction abort.
 */
static bool mmio_resolve(struct vcpu *v, const struct mmio_access *a, const struct mmio_xfer *x,
			 struct mmio_target *t, struct mmio_refusal *r)
{
	for (unsigned i = 0; i < (a->pair ? 2u : 1u); i++) {
		uint64_t ipa = x[i].ipa;

		r->va = x[i].va;
		r->par = 0;
		/* Device accesses across 4 KiB, and accesses mixing memory types, are
		 * CONSTRAINED UNPREDICTABLE; keel's answer is an external abort. */
		if (x[i].crosses_page)
			return false;
		if (!x[i].ipa_known && !guest_va_to_ipa(v, x[i].va, a->write, &ipa, &r->par))
			return false;
		t[i].ipa = ipa;
		t[i].dev = vm_find_device(v->vm, ipa);
		if (!t[i].dev && !vm_ipa_to_pa(v->vm, ipa, a->size, &t[i].pa))
			return false;
	}
	return true;
}

/* One transfer; RAM is accessed bytewise (the transfer may be unaligned). */
static int mmio_transfer(struct vcpu *v, const struct mmio_access *a, const struct mmio_target *t,
			 uint64_t *val)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)t->pa;

	if (t->dev)
		return vm_mmio_access(v->vm, t->dev, t->ipa, a->size, a->write, val);
	for (unsigned b = 0; b < a->size; b++) {
		if (a->write)
			p[b] = (uint8_t)(*val >> (8 * b));
		else
			*val |= (uint64_t)p[b] << (8 * b);
	}
	return KE_OK;
}

/*
 * Perform the access and commit registers only if every transfer succeeds.
 * A device refusing the second transfer of a store leaves the first one
 * done, which the architecture allows for an aborted store pair.
 */
static void mmio_emulate(struct vcpu *v, const struct mmio_access *a, const struct mmio_xfer *x)
{
	unsigned n = a->pair ? 2 : 1;
	struct mmio_target t[MMIO_MAX_XFERS];
	struct mmio_refusal r;
	uint64_t val[MMIO_MAX_XFERS] = { 0, 0 };

	if (!mmio_resolve(v, a, x, t, &r)) {
		mmio_refuse(v, a, &r);
		return;
	}
	/* The virtual GIC reads list register state: sync it once, before either transfer. */
	if ((t[0].dev && t[0].dev->irq_state) || (n > 1 && t[1].dev && t[1].dev->irq_state))
		vgic_hw_sync(v);
	for (unsigned i = 0; i < n; i++) {
		if (a->write)
			val[i] = vcpu_reg_get(&v->regs, i ? a->rt2 : a->rt) & size_mask(a->size);
		if (mmio_transfer(v, a, &t[i], &val[i]) != KE_OK) {
			/* the device refuses the access (size, offset, read-only) */
			inject_dabt(v, x[i].va);
			return;
		}
	}
	if (!a->write)
		for (unsigned i = 0; i < n; i++)
			vcpu_reg_set(&v->regs, i ? a->rt2 : a->rt, mmio_load_result(a, val[i]));
	if (a->writeback)
		guest_base_writeback(v, a->rn, a->wb_offset);
	vcpu_skip_insn(&v->regs, 4);
}

/*
 * The common case: one register, described by the syndrome, wholly at FAR in
 * the device page that faulted.
 */
static void mmio_emulate_at_fault(struct vcpu *v, const struct mmio_device *dev,
				  const struct mmio_access *a, uint64_t ipa, uint64_t far)
{
	uint64_t val = 0;

	if (dev->irq_state)
		vgic_hw_sync(v);
	if (a->write)
		val = vcpu_reg_get(&v->regs, a->rt) & size_mask(a->size);
	if (vm_mmio_access(v->vm, dev, ipa, a->size, a->write, &val) != KE_OK) {
		inject_dabt(v, far); /* the device refuses the access (size, offset, read-only) */
		return;
	}
	if (!a->write)
		vcpu_reg_set(&v->regs, a->rt, mmio_load_result(a, val));
	vcpu_skip_insn(&v->regs, 4);
}

/*
 * What the access is and where it starts, when that is not simply FAR: the
 * instruction is decoded and its address computed from its base and index
 * registers. With a valid syndrome the syndrome still describes the register
 * and, if the instruction cannot be read or decoded, the access is taken to
 * start at FAR. a holds the syndrome's description when syndrome_valid (trap_dabt
 * decoded it). False: not a general-register load/store keel can emulate.
 */
static bool mmio_describe(struct vcpu *v, bool syndrome_valid, uint64_t far, struct mmio_access *a,
			  uint64_t *va, uint32_t *insn)
{
	struct mmio_access d = { .ipa = a->ipa };

	if (syndrome_valid) {
		*va = far;
		if (guest_fetch_insn(v, insn) && !mmio_decode_insn(*insn, &d) && !d.pair &&
		    d.size == a->size)
			*va = mmio_access_va(&d, guest_base_read(v, d.rn), vcpu_reg_get(&v->regs, d.rm));
		return true;
	}
	if (!guest_fetch_insn(v, insn) || mmio_decode_insn(*insn, a))
		return false;
	*va = mmio_access_va(a, guest_base_read(v, a->rn), vcpu_reg_get(&v->regs, a->rm));
	return true;
}

/*
 * Everything else: pairs, writeback, accesses that involve more than the faulting page.
 * Out of line, with its own description of the access: its stack frame and canary are not
 * the common path's.
 */
static __attribute__((noinline)) void mmio_emulate_decoded(struct vcpu *v, uint64_t esr, uint64_t far,
							    uint64_t ipa)
{
	struct mmio_access a = { .ipa = ipa };
	struct mmio_xfer x[MMIO_MAX_XFERS];
	bool syndrome_valid = mmio_decode_syndrome(esr, &a);
	uint32_t insn = 0;
	uint64_t va;

	if (!mmio_describe(v, syndrome_valid, far, &a, &va, &insn)) {
		trap_dump_guest(v, esr);
		vm_stop(v->vm, "stopped: cannot emulate the instruction 0x%08x at PC 0x%llx "
			"accessing device IPA 0x%llx (not a general-register load/store)",
			insn, (unsigned long long)v->regs.elr, (unsigned long long)ipa);
		return;
	}
	if (!mmio_plan_transfers(&a, va, far, ipa, x)) {
		/* The instruction read back is not the one that faulted (the guest rewrote it). */
		inject_dabt(v, far);
		return;
	}
	mmio_emulate(v, &a, x);
}

/*
 * Whether a valid syndrome describes the whole access at FAR. With FAR in the first
 * bytes of a page the access may have begun in the page before (an unaligned load from
 * RAM into a device window), which only decoding the instruction can tell. It can only
 * have if the guest can reach the byte before FAR's page at all: keel asks the guest's
 * stage 1 for it (one AT) and looks the IPA up, instead of fetching and decoding the
 * instruction, which costs some 750 instructions on every access to a register at
 * offset 0 of a page (UARTDR, GICD_CTLR) when nothing precedes it. That part is out of
 * line (its locals' addresses are taken, which would put a stack canary on every exit).
 */
static __attribute__((noinline)) bool syndrome_starts_in_page(const struct vcpu *v, uint64_t far,
							      unsigned size)
{
	uint64_t page = far & ~(uint64_t)(PAGE_SIZE - 1), ipa, par, pa;

	if ((far & (PAGE_SIZE - 1)) + size > PAGE_SIZE || page == 0)
		return false;
	if (!guest_va_to_ipa(v, page - 1, false, &ipa, &par))
		return true;
	return !vm_ipa_to_pa(v->vm, ipa, 1, &pa) && !vm_find_device(v->vm, ipa);
}

static bool syndrome_is_whole_access(const struct vcpu *v, uint64_t far, unsigned size)
{
	return mmio_far_is_whole_access(far, size) || syndrome_starts_in_page(v, far, size);
}

void trap_dabt(struct vcpu *v, uint64_t esr)
{
	uint64_t far = read_sysreg(far_el2);
	uint64_t ipa = fault_ipa(far), pa;
	struct mmio_access a = { .ipa = ipa };
	const struct mmio_device *dev;

	if (esr & ESR_ISS_DABT_S1PTW) {
		/* The guest's own page tables point outside its RAM. */
		inject_dabt(v, far);
		return;
	}
	/* Device windows never overlap RAM (the configuration is checked), so look there first:
	 * it is the path every emulated access takes. */
	dev = (esr & ESR_ISS_DABT_CM) ? NULL : vm_find_device(v->vm, ipa);
	if (!dev) {
		if (vm_ipa_to_pa(v->vm, ipa, 1, &pa)) {
			trap_dump_guest(v, esr);
			vm_stop(v->vm, "stopped: stage-2 fault on its own RAM at IPA 0x%llx (keel bug)",
				(unsigned long long)ipa);
		} else if (esr & ESR_ISS_DABT_CM) {
			vcpu_skip_insn(&v->regs, 4); /* cache maintenance by VA on a device or a hole: a no-op */
		} else {
			inject_dabt(v, far);
		}
		return;
	}
	v->stats.mmio++;
	if (mmio_decode_syndrome(esr, &a) && syndrome_is_whole_access(v, far, a.size))
		mmio_emulate_at_fault(v, dev, &a, ipa, far);
	else
		mmio_emulate_decoded(v, esr, far, ipa);
}

void trap_iabt(struct vcpu *v, uint64_t esr)
{
	uint64_t far = read_sysreg(far_el2);
	uint64_t pa;

	if (!(esr & ESR_ISS_DABT_S1PTW) && vm_ipa_to_pa(v->vm, fault_ipa(far), 1, &pa)) {
		trap_dump_guest(v, esr);
		vm_stop(v->vm, "stopped: stage-2 instruction fault on its own RAM (keel bug)");
		return;
	}
	inject_iabt(v, far);
}
