/*
 * Stage-2 aborts from a guest: MMIO emulation and the architected answer to
 * an access that reaches neither RAM nor a device.
 *
 * The faulting IPA is HPFAR_EL2.FIPA (the page) plus FAR_EL2's page offset.
 * When the syndrome is valid (ISV=1) it says everything about the access;
 * otherwise (load/store pair, writeback forms) the instruction is fetched
 * from guest memory and decoded. What keel cannot emulate on a device ends
 * the VM with a report; it never reaches keel itself.
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

/* Translate a guest VA with the guest's own stage 1 (AT), keeping its PAR_EL1. */
static bool guest_va_to_ipa(const struct vcpu *v, uint64_t va, uint64_t *ipa)
{
	uint64_t saved = read_sysreg(par_el1), par;

	if ((v->regs.spsr & PSR_AA32) || (v->regs.spsr & PSR_MODE_MASK) == PSR_MODE_EL0t)
		__asm__ volatile("at s1e0r, %0" : : "r"(va));
	else
		__asm__ volatile("at s1e1r, %0" : : "r"(va));
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(par_el1, saved);
	if (par & PAR_F)
		return false;
	*ipa = (par & PAR_PA_MASK) | (va & (PAGE_SIZE - 1));
	return true;
}

static bool guest_fetch_insn(const struct vcpu *v, uint32_t *insn)
{
	uint64_t ipa, pa;

	if (v->regs.spsr & PSR_AA32)
		return false; /* T32/A32 decoding is not implemented */
	if (read_sysreg(sctlr_el1) & SCTLR_EE)
		return false; /* big-endian guest */
	if (!guest_va_to_ipa(v, v->regs.elr, &ipa) || !vm_ipa_to_pa(v->vm, ipa, 4, &pa) || (pa & 3))
		return false;
	*insn = *(volatile uint32_t *)(uintptr_t)pa;
	return true;
}

/* Writeback to the base register; 31 is the SP of the guest's current exception level. */
static void guest_base_writeback(struct vcpu *v, unsigned rn, int64_t offset)
{
	if (rn < 31)
		v->regs.x[rn] += (uint64_t)offset;
	else if ((v->regs.spsr & PSR_MODE_MASK) == PSR_MODE_EL1h)
		write_sysreg(sp_el1, read_sysreg(sp_el1) + (uint64_t)offset);
	else
		write_sysreg(sp_el0, read_sysreg(sp_el0) + (uint64_t)offset);
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Perform the access (both halves of a pair) and commit registers only if all succeed. */
static int mmio_emulate(struct vcpu *v, const struct mmio_device *dev, const struct mmio_access *a)
{
	unsigned n = a->pair ? 2 : 1;
	uint64_t val[2] = { 0, 0 };
	int ret;

	if ((a->ipa & (PAGE_SIZE - 1)) + (uint64_t)n * a->size > PAGE_SIZE)
		return KE_NOTSUP; /* straddles a page: two different windows */
	for (unsigned i = 0; i < n; i++) {
		unsigned reg = i ? a->rt2 : a->rt;

		if (a->write)
			val[i] = vcpu_reg_get(&v->regs, reg) & size_mask(a->size);
		ret = vm_mmio_access(v->vm, dev, a->ipa + i * a->size, a->size, a->write, &val[i]);
		if (ret)
			return ret;
	}
	if (!a->write)
		for (unsigned i = 0; i < n; i++)
			vcpu_reg_set(&v->regs, i ? a->rt2 : a->rt, mmio_load_result(a, val[i]));
	if (a->writeback)
		guest_base_writeback(v, a->rn, a->wb_offset);
	return KE_OK;
}

void trap_dabt(struct vcpu *v, uint64_t esr)
{
	uint64_t far = read_sysreg(far_el2);
	uint64_t ipa = fault_ipa(far), pa;
	struct mmio_access a;
	const struct mmio_device *dev;
	uint32_t insn = 0;
	int ret;

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
	if (dev->irq_state)
		vgic_hw_sync(v);
	v->stats.mmio++;
	if (!mmio_decode_syndrome(esr, &a)) {
		if (!guest_fetch_insn(v, &insn) || mmio_decode_insn(insn, &a)) {
			trap_dump_guest(v, esr);
			vm_stop(v->vm, "stopped: cannot emulate the instruction 0x%08x at PC 0x%llx "
				"accessing device IPA 0x%llx (not a general-register load/store)",
				insn, (unsigned long long)v->regs.elr, (unsigned long long)ipa);
			return;
		}
	}
	a.ipa = ipa;
	ret = mmio_emulate(v, dev, &a);
	if (ret == KE_OK) {
		vcpu_skip_insn(&v->regs, 4);
	} else if (ret == KE_NOTSUP) {
		trap_dump_guest(v, esr);
		vm_stop(v->vm, "stopped: device access at IPA 0x%llx straddles a page", (unsigned long long)ipa);
	} else {
		inject_dabt(v, far); /* the device refuses the access (size, offset, read-only) */
	}
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
