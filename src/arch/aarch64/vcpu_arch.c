/*
 * The architecture side of a vCPU: its reset state, and loading it onto /
 * taking it off a physical CPU, which switches the EL1 system registers, the
 * timers, the FP/SIMD registers, the vGIC CPU interface and the stage-2 context
 * (VTTBR_EL2, VTCR_EL2). A vCPU is loaded and put only when the scheduler moves
 * it (start, stop, WFI while another vCPU wants the CPU, end of a time slice), so
 * switching FP/SIMD eagerly here costs nothing per exit.
 */
#include <keel/arch/cpu_arch.h>
#include <keel/arch/pmu.h>
#include <keel/arch/sysreg.h>
#include <keel/cpu.h>
#include <keel/drivers/gicv3.h>
#include <keel/irq.h>
#include <keel/nospec.h>
#include <keel/vm.h>
#include <keel/abi/hypercall.h>
#include <string.h>

#define VMPIDR_RES1 BIT(31)

/*
 * What keel must own while a guest runs. See docs/architecture.md. HCR_EL2.TID1 traps
 * SMIDR_EL1 (SME is hidden: UNDEFINED) with REVIDR_EL1 and AIDR_EL1 (emulated). HCR_EL2.FB is not set:
 * a vCPU's local TLB and cache maintenance stay local, and vcpu_load() invalidates
 * what another CPU's copy of the VM's translations may hold when a vCPU arrives there
 * (vcpu_flush_arrival) (under QEMU every broadcast TLBI stops all CPUs, which made SMP Linux boot
 * about a third slower).
 */
#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_BSU_IS | \
		   HCR_TWI | HCR_TWE | HCR_TID1 | HCR_TID3 | HCR_TSC | HCR_TIDCP | HCR_TACR | HCR_TSW | \
		   HCR_RW | HCR_TLOR | HCR_TERR | HCR_TID5)

uint64_t vcpu_hcr_value(void)
{
	return HCR_GUEST;
}

void vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t x0)
{
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.x[0] = x0;
	v->regs.elr = entry;
	v->regs.spsr = PSR_MODE_EL1h | PSR_DAIF;
	v->vmpidr = VMPIDR_RES1 | v->index;
	sysregs_reset(&v->sys, v->vmpidr);
	memset(&v->fp, 0, sizeof(v->fp));
	vgic_hw_reset(&v->gic);
	pmu_reset(v);
	v->sw_flushed = false;
	v->irq_dirty = true;
}

/*
 * With HCR_EL2.FB clear a guest's TLBI VMALLE1, TLBI VAE1... and IC IALLU act on the
 * physical CPU that runs the vCPU and nowhere else; the guest is entitled to believe
 * they covered "its" CPU. So when vCPU v is loaded on CPU B, B's TLB and I-cache may
 * hold entries (tagged with v's VMID) that v's view no longer has, unless B last held
 * v's translations for v itself and v ran nowhere else since:
 *  - v last ran on A != B: its local invalidations on A never reached B;
 *  - another vCPU w of the VM last ran on B: B holds w's view, which w's local
 *    invalidations shaped, not v's.
 * In either case keel invalidates, on B only, every stage-1 and stage-2 entry of the
 * VMID (TLBI VMALLS12E1 acts on the VMID in VTTBR_EL2, so after it is written) and the
 * I-cache, before the guest runs. Broadcast (IS) invalidations by the guest or keel
 * reach every CPU anyway, and a VMID given to a new VM is invalidated everywhere by
 * its owner (stage2_tlb_inval_vm). A vCPU that stays on its CPU pays nothing.
 */
static void vcpu_flush_arrival(struct cpu *c, struct vcpu *v)
{
	const struct vcpu **last = &c->last_ran[v->vm->id];

	if (*last == v && v->pcpu == c->id)
		return;
	isb();
	__asm__ volatile("tlbi vmalls12e1\n\tic iallu\n\tdsb nsh\n\tisb" ::: "memory");
	*last = v;
	v->pcpu = c->id;
}

void vcpu_load(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	write_sysreg(vtcr_el2, v->vm->vtcr);
	write_sysreg(vttbr_el2, v->vm->vttbr);
	vcpu_flush_arrival(c, v);
	write_sysreg(hcr_el2, HCR_GUEST);
	write_sysreg(cntvoff_el2, v->vm->cntvoff);
	sysregs_restore(&v->sys);
	fpsimd_restore(&v->fp);
	vgic_hw_load(v);
	pmu_load(v);
	__atomic_store_n(&v->loaded, true, __ATOMIC_RELEASE);   /* after v->pcpu: vm_irq_kick */
	c->vcpu = v;
	c->regs = &v->regs;
}

void vcpu_put(struct vcpu *v)
{
	struct cpu *c = this_cpu();

	sysregs_save(&v->sys);
	fpsimd_save(&v->fp);
	vgic_hw_put(v);
	pmu_put(v);
	/* Nothing of this guest may stay reachable: park EL1 with its MMU off, its timer
	 * off, and its timer interrupt (left active for the guest to deactivate) inactive. */
	write_sysreg(sctlr_el1, SCTLR_EL1_RES1);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	isb();
	gicv3_clear_active_private(c->gicr_base, irq_vtimer_intid());
	gicv3_clear_active_private(c->gicr_base, irq_ptimer_intid());
	v->loaded = false;
	c->vcpu = NULL;
	c->regs = NULL;
}

void vcpu_hw_irq_deactivate(void *ctx, unsigned vcpu, uint32_t pintid)
{
	struct vm *vm = ctx;

	/* Only private interrupts are linked (the guest's timers); clear it where it lives. */
	if (vcpu < vm->nr_vcpus && pintid < 32)
		gicv3_clear_active_private(cpus[vm->vcpus[array_index_nospec(vcpu, vm->nr_vcpus)].pcpu].gicr_base,
					   pintid);
}

/* CNTV_CTL_EL0 / CNTP_CTL_EL0 */
#define CNT_CTL_ENABLE BIT(0)
#define CNT_CTL_IMASK  BIT(1)

static bool timer_armed(uint64_t ctl)
{
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE;
}

/* The virtual timer compares CNTPCT - CNTVOFF with its CVAL: it fires at CVAL + CNTVOFF. */
static uint64_t vtimer_deadline(const struct vcpu *v)
{
	uint64_t cval = v->sys.cntv_cval_el0, off = v->vm->cntvoff;

	if (!timer_armed(v->sys.cntv_ctl_el0) || cval > UINT64_MAX - off)
		return UINT64_MAX;   /* never, in the counter's range */
	return cval + off;
}

static uint64_t ptimer_deadline(const struct vcpu *v)
{
	return timer_armed(v->sys.cntp_ctl_el0) ? v->sys.cntp_cval_el0 : UINT64_MAX;
}

uint64_t arch_vcpu_timer_deadline(const struct vcpu *v)
{
	uint64_t vt = vtimer_deadline(v), pt = ptimer_deadline(v);

	return vt < pt ? vt : pt;
}

/*
 * The level goes to the vGIC model, which wakes the vCPU. When it is loaded again its
 * timer, restored with the condition still true, asserts the physical PPI at once and
 * the usual forwarding (irq.c) takes over: timers_forwarded, the HW link, the resample.
 */
void arch_vcpu_timers_expire(struct vcpu *v, uint64_t now)
{
	if (vtimer_deadline(v) <= now)
		vm_irq_set_level(v->vm, v->index, irq_vtimer_intid(), true);
	if (ptimer_deadline(v) <= now)
		vm_irq_set_level(v->vm, v->index, irq_ptimer_intid(), true);
}

uint64_t arch_counter_now(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

uint64_t arch_counter_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

/*
 * SMCCC_ARCH_FEATURES for the Spectre workaround calls. keel implements none of
 * the workaround calls, so it never claims one; it says a PE is not affected
 * (1, as DEN0028 defines for these calls) only when the ID registers say so:
 * CSV2 for variant 2 (WORKAROUND_1), CSV2_3 or ECBHB for branch history
 * (WORKAROUND_3). Everything else is NOT_SUPPORTED, which guests read as
 * "no firmware mitigation".
 */
int64_t arch_smccc_workaround_feature(uint32_t fid)
{
	unsigned csv2 = (unsigned)((read_sysreg(id_aa64pfr0_el1) >> 56) & 0xf);
	unsigned ecbhb = (unsigned)((read_sysreg(id_aa64mmfr1_el1) >> 60) & 0xf);

	if (fid == SMCCC_ARCH_WORKAROUND_1 && csv2 >= 1)
		return SMCCC_ARCH_WORKAROUND_UNAFFECTED;
	if (fid == SMCCC_ARCH_WORKAROUND_3 && (csv2 >= 3 || ecbhb >= 1))
		return SMCCC_ARCH_WORKAROUND_UNAFFECTED;
	return SMCCC_NOT_SUPPORTED;
}
