/*
 * Trapped system register accesses (ESR_EL2.EC = 0x18).
 *
 * - ID registers (HCR_EL2.TID3): the real value with every feature keel does
 *   not virtualise hidden, so a guest never sees what keel does not switch.
 * - Set/way cache maintenance (HCR_EL2.TSW): done by address on the VM's RAM.
 * - ACTLR_EL1 (HCR_EL2.TACR): implementation defined, read as zero.
 * - REVIDR_EL1, AIDR_EL1 (HCR_EL2.TID1, set for SMIDR_EL1): the real values.
 * - CPACR_EL1 (CPTR_EL2.TCPAC): the guest owns FPEN and TTA; ZEN and SMEN read
 *   as zero and stay enabled in the CPU, because the architecture checks the
 *   guest's own CPACR_EL1 trap before CPTR_EL2's: with ZEN = 0 an SVE access
 *   would be an SVE trap to the guest (EC 0x19) instead of UNDEFINED. Enabled,
 *   every SVE/SME instruction and register (ZCR_EL1, SMCR_EL1, SVCR...) reaches
 *   CPTR_EL2.TZ/TSM and keel answers UNDEFINED (trap.c).
 * - Debug registers (MDCR_EL2.TDA/TDOSA/TDRA): the breakpoint and watchpoint
 *   registers the CPU has (as many as ID_AA64DFR0_EL1 says), MDSCR_EL1 and the
 *   OS lock are the vCPU's own, written through to the CPU so breakpoint,
 *   watchpoint and software step exceptions reach the guest (MDCR_EL2.TDE = 0)
 *   and switched with it (sysregs.c). The rest of the debug space (claim tags,
 *   DCC, OSDLR_EL1 with no double lock, DBGPRCR_EL1) reads as zero, writes ignored.
 * - PMU registers (MDCR_EL2.TPM/TPMCR): the vCPU's own PMUv3 (pmu.c).
 * - Everything else that traps (LOR, RAS error records, trace, SMIDR_EL1,
 *   implementation defined registers): the feature is hidden, so the access is
 *   UNDEFINED.
 */
#include <keel/arch/inject.h>
#include <keel/arch/pmu.h>
#include <keel/arch/pmu_fields.h>
#include <keel/arch/sysreg.h>
#include <keel/arch/trap.h>
#include <keel/esr.h>
#include <keel/vm.h>

#define FIELD(h, l) GENMASK(h, l)

/* Fields cleared from each ID register (Arm ARM names in comments). */
#define PFR0_HIDE   (FIELD(35, 32) /* SVE */ | FIELD(31, 28) /* RAS */ | FIELD(43, 40) /* MPAM */ | \
		     FIELD(47, 44) /* AMU */ | FIELD(39, 36) /* SEL2 */ | FIELD(11, 8) /* EL2 */)
#define PFR1_KEEP   (FIELD(3, 0) /* BT */ | FIELD(7, 4) /* SSBS */ | FIELD(35, 32) /* CSV2_frac */)
#define DFR0_HIDE   (FIELD(7, 4) /* TraceVer */ | FIELD(35, 32) /* PMSVer */ | \
		     FIELD(39, 36) /* DoubleLock */ | FIELD(43, 40) /* TraceFilt */ | \
		     FIELD(47, 44) /* TraceBuffer */ | FIELD(51, 48) /* MTPMU */ | FIELD(55, 52) /* BRBE */ | \
		     FIELD(63, 60) /* HPMN0 */)
#define DFR0_DOUBLELOCK_NONE (0xfULL << 36) /* OSDLR_EL1 is RAZ/WI: no double lock */
#define ISAR1_HIDE  (FIELD(7, 4) /* APA */ | FIELD(11, 8) /* API */ | FIELD(27, 24) /* GPA */ | \
		     FIELD(31, 28) /* GPI */ | FIELD(63, 60) /* LS64: HCRX_EL2.EnAS0/EnALS/EnASR = 0 */)
#define ISAR2_HIDE  (FIELD(11, 8) /* GPA3 */ | FIELD(15, 12) /* APA3 */ | FIELD(27, 24) /* PAC_frac */ | \
		     FIELD(19, 16) /* MOPS: HCRX_EL2.MSCEn = 0 */)
#define MMFR0_PARANGE FIELD(3, 0)
#define MMFR1_HIDE  (FIELD(19, 16) /* LO */ | FIELD(11, 8) /* VH */)
#define MMFR2_HIDE  (FIELD(27, 24) /* NV */)
#define AA32_PFR0_HIDE (FIELD(23, 20) /* AMU */ | FIELD(31, 28) /* RAS */)
#define AA32_DFR0_HIDE (FIELD(27, 24) /* PerfMon */ | FIELD(31, 28) /* TraceFilt */ | FIELD(23, 20) /* TraceModel */)

#define ID_REG(crm, op2) case ((crm) << 3 | (op2)): return read_sysreg(S3_0_C0_C##crm##_##op2)

/* The hardware value of ID register (op0=3, op1=0, CRn=0, CRm, op2). */
static uint64_t id_reg_read_hw(unsigned crm, unsigned op2)
{
	switch (crm << 3 | op2) {
	ID_REG(1, 0); ID_REG(1, 1); ID_REG(1, 2); ID_REG(1, 3);
	ID_REG(1, 4); ID_REG(1, 5); ID_REG(1, 6); ID_REG(1, 7);
	ID_REG(2, 0); ID_REG(2, 1); ID_REG(2, 2); ID_REG(2, 3);
	ID_REG(2, 4); ID_REG(2, 5); ID_REG(2, 6); ID_REG(2, 7);
	ID_REG(3, 0); ID_REG(3, 1); ID_REG(3, 2); ID_REG(3, 4); ID_REG(3, 5); ID_REG(3, 6);
	ID_REG(4, 0); ID_REG(4, 1); ID_REG(5, 0); ID_REG(5, 1); ID_REG(5, 4); ID_REG(5, 5);
	ID_REG(6, 0); ID_REG(6, 1); ID_REG(6, 2);
	ID_REG(7, 0); ID_REG(7, 1); ID_REG(7, 2);
	default:
		/* Unallocated encodings in the ID space are RAZ, and so are the ones
		 * that name features keel hides wholesale (ZFR0, SMFR0, AFR*, ...). */
		return 0;
	}
}

static const unsigned ipa_bits_to_parange[] = { [32] = 0, [36] = 1, [40] = 2, [42] = 3, [44] = 4, [48] = 5 };

static uint64_t id_reg_read(struct vcpu *v, unsigned crm, unsigned op2)
{
	uint64_t val = id_reg_read_hw(crm, op2);

	switch (crm << 3 | op2) {
	case 1 << 3 | 0:  /* ID_PFR0_EL1 */
		return val & ~AA32_PFR0_HIDE;
	case 1 << 3 | 2:  /* ID_DFR0_EL1 */
		return val & ~AA32_DFR0_HIDE;
	case 3 << 3 | 5:  /* ID_DFR1_EL1 */
		return 0;
	case 4 << 3 | 0:  /* ID_AA64PFR0_EL1 */
		return val & ~PFR0_HIDE;
	case 4 << 3 | 1:  /* ID_AA64PFR1_EL1 */
		return val & PFR1_KEEP;
	case 5 << 3 | 0:  /* ID_AA64DFR0_EL1: BRPs, WRPs, CTX_CMPs as the CPU has them, all switched;
			   * PMUVer the CPU's (capped), its PMU the vCPU's own (pmu.c) */
		return pmu_id_dfr0_pmuver(val & ~DFR0_HIDE) | DFR0_DOUBLELOCK_NONE;
	case 5 << 3 | 1:  /* ID_AA64DFR1_EL1 */
		return 0;
	case 6 << 3 | 1:  /* ID_AA64ISAR1_EL1 */
		return val & ~ISAR1_HIDE;
	case 6 << 3 | 2:  /* ID_AA64ISAR2_EL1 */
		return val & ~ISAR2_HIDE;
	case 7 << 3 | 0:  /* ID_AA64MMFR0_EL1: the VM's own IPA size */
		return (val & ~MMFR0_PARANGE) | ipa_bits_to_parange[v->vm->ipa_bits];
	case 7 << 3 | 1:  /* ID_AA64MMFR1_EL1 */
		return val & ~MMFR1_HIDE;
	case 7 << 3 | 2:  /* ID_AA64MMFR2_EL1 */
		return val & ~MMFR2_HIDE;
	default:
		return val;
	}
}

static bool is_set_way_op(uint32_t reg)
{
	return reg == SYSREG_ISS(1, 0, 7, 6, 2) ||  /* DC ISW */
	       reg == SYSREG_ISS(1, 0, 7, 10, 2) || /* DC CSW */
	       reg == SYSREG_ISS(1, 0, 7, 14, 2);   /* DC CISW */
}

/* DBGBCR<n>_EL1 / DBGWCR<n>_EL1 fields (Arm ARM names). */
#define DBGxCR_E        BIT(0)
#define DBGBCR_BT_EL2   BIT(23)  /* BT = 0b1xxx: VMID or CONTEXTIDR_EL2 match, EL2 features */
#define DBGBCR_VALID    (GENMASK(23, 14) /* BT, LBN, SSC */ | GENMASK(8, 5) /* BAS */ | \
			 GENMASK(2, 0) /* PMC, E */)
#define DBGWCR_VALID    (GENMASK(28, 24) /* MASK */ | GENMASK(20, 14) /* WT, LBN, SSC */ | \
			 GENMASK(12, 0) /* BAS, LSC, PAC, E */)
#define DBGWVR_RES0     GENMASK(1, 0)

/*
 * What a guest may put in the CPU's breakpoint and watchpoint control registers:
 * no HMC (EL2 is hidden), and a breakpoint type that compares EL2 state (VMID,
 * CONTEXTIDR_EL2) is reserved for a guest without EL2, so it is disabled, one
 * of the architecture's permitted behaviours for a reserved type. Debug
 * exceptions never fire at EL2 whatever the guest writes: with MDCR_EL2.TDE and
 * HCR_EL2.TGE clear they target EL1, and are not generated at a higher EL.
 */
static uint64_t dbg_sanitize(enum dbg_reg r, uint64_t val)
{
	switch (r) {
	case DBG_BCR:
		val &= DBGBCR_VALID;
		return (val & DBGBCR_BT_EL2) ? val & ~DBGxCR_E : val;
	case DBG_WCR:
		return val & DBGWCR_VALID;
	case DBG_WVR:
		return val & ~DBGWVR_RES0;
	default:
		return val;
	}
}

/* The vCPU's copy of breakpoint/watchpoint register r number n (n < 16: CRm is 4 bits). */
static uint64_t *dbg_slot(struct vcpu *v, enum dbg_reg r, unsigned n)
{
	struct vcpu_sysregs *s = &v->sys;

	n &= DBG_MAX_BRPS - 1;
	switch (r) {
	case DBG_BVR: return &s->dbgbvr[n];
	case DBG_BCR: return &s->dbgbcr[n];
	case DBG_WVR: return &s->dbgwvr[n];
	default:      return &s->dbgwcr[n];
	}
}

/*
 * DBGBVR/DBGBCR/DBGWVR/DBGWCR<n>_EL1 (op0 = 2, op1 = 0, CRn = 0, CRm = n,
 * op2 = 4..7). Registers past the CPU's count are UNDEFINED, as on the CPU.
 */
static bool dbg_bp_wp_access(struct vcpu *v, unsigned crm, unsigned op2, bool read, uint64_t *val)
{
	static const enum dbg_reg kinds[4] = { DBG_BVR, DBG_BCR, DBG_WVR, DBG_WCR };
	enum dbg_reg r = kinds[op2 - 4];
	unsigned count = (r == DBG_BVR || r == DBG_BCR) ? cpu_nr_brps() : cpu_nr_wrps();
	uint64_t *slot;

	if (crm >= count)
		return false;
	slot = dbg_slot(v, r, crm);
	if (read) {
		*val = *slot;
	} else {
		*slot = dbg_sanitize(r, *val);
		sysregs_dbg_write(r, crm, *slot);
		isb();
	}
	return true;
}

/* Debug registers (op0 = 2). Returns false for what is UNDEFINED. */
static bool debug_reg_access(struct vcpu *v, uint64_t esr, uint32_t reg, bool read, uint64_t *val)
{
	unsigned op1 = esr_sys_op1(esr), crn = esr_sys_crn(esr), op2 = esr_sys_op2(esr);

	if (op1 == 0 && crn == 0 && op2 >= 4)
		return dbg_bp_wp_access(v, esr_sys_crm(esr), op2, read, val);
	if (reg == SYSREG_ISS(2, 0, 0, 2, 2)) {          /* MDSCR_EL1 */
		if (read) {
			*val = read_sysreg(mdscr_el1);
		} else {
			write_sysreg(mdscr_el1, *val & MDSCR_GUEST_MASK);
			isb();
		}
		return true;
	}
	if (reg == SYSREG_ISS(2, 0, 1, 0, 4)) {          /* OSLAR_EL1: write-only */
		if (read)
			return false;
		v->sys.oslsr_el1 = OSLSR_OSLM_IMPLEMENTED | ((*val & OSLAR_OSLK) ? OSLSR_OSLK : 0);
		write_sysreg(oslar_el1, *val & OSLAR_OSLK);
		isb();
		return true;
	}
	if (reg == SYSREG_ISS(2, 0, 1, 1, 4)) {          /* OSLSR_EL1: read-only */
		*val = v->sys.oslsr_el1;
		return read;
	}
	if (op1 != 0 && op1 != 3)                        /* trace (op1 = 1) and the rest: hidden */
		return false;
	/* OSDLR, DBGPRCR, claim tags, MDCCINT, MDRAR, DBGAUTHSTATUS, the DCC (op1 = 3). */
	if (read)
		*val = 0;
	return true;
}

/*
 * CPACR_EL1 (CPTR_EL2.TCPAC). The guest sees and sets FPEN and TTA; the CPU
 * keeps ZEN and SMEN enabled (see the top of this file).
 */
static void cpacr_access(bool read, uint64_t *val)
{
	if (read) {
		*val = read_sysreg(cpacr_el1) & CPACR_GUEST_MASK;
	} else {
		write_sysreg(cpacr_el1, (*val & CPACR_GUEST_MASK) | cpacr_keel_bits());
		isb();
	}
}

/* SGI generation registers (always trapped with HCR_EL2.IMO): write-only. */
static bool sgi_reg_write(struct vcpu *v, uint32_t reg, bool read, uint64_t val)
{
	bool group0;
	uint32_t kick = 0;

	if (reg == SYSREG_ISS(3, 0, 12, 11, 5))        /* ICC_SGI1R_EL1 */
		group0 = false;
	else if (reg == SYSREG_ISS(3, 1, 12, 11, 6) ||  /* ICC_ASGI1R_EL1 */
		 reg == SYSREG_ISS(3, 2, 12, 11, 7))    /* ICC_SGI0R_EL1 */
		group0 = true;
	else
		return false;
	if (read)
		return false;                           /* UNDEFINED */
	vgic_hw_sync(v);
	spin_lock(&v->vm->lock);
	if (vgic_sgi_generate(&v->vm->vgic, v->index, val, group0, &kick))
		kick = 0;
	spin_unlock(&v->vm->lock);
	vm_irq_kick(v->vm, kick);
	return true;
}

void trap_sysreg(struct vcpu *v, uint64_t esr)
{
	uint32_t reg = esr_sysreg(esr);
	unsigned rt = esr_sys_rt(esr);
	bool read = esr_sys_is_read(esr);
	uint64_t val = read ? 0 : vcpu_reg_get(&v->regs, rt);
	bool handled = true;

	v->stats.sysreg++;
	if (esr_sys_op0(esr) == 3 && esr_sys_op1(esr) == 0 && esr_sys_crn(esr) == 0 &&
	    esr_sys_crm(esr) >= 1 && esr_sys_crm(esr) <= 7) {
		handled = read; /* ID registers are read-only: a write is UNDEFINED */
		val = id_reg_read(v, esr_sys_crm(esr), esr_sys_op2(esr));
	} else if (is_set_way_op(reg)) {
		/* One flush per batch: a set/way loop issues thousands of these in a row. */
		if (!v->sw_flushed)
			stage2_flush_vm(v->vm);
		v->sw_flushed = true;
	} else if (esr_sys_op0(esr) == 3 && esr_sys_crn(esr) == 12 && esr_sys_crm(esr) == 11) {
		/* Before the rarer registers: SGIs are the hot path (IPIs). ICC_DIR_EL1 shares
		 * CRn/CRm with them and traps only while ICH_HCR_EL2.TDIR is set. */
		if (reg == SYSREG_ISS(3, 0, 12, 11, 1)) {
			handled = !read;
			if (handled)
				vgic_hw_dir(v, val);
		} else {
			handled = sgi_reg_write(v, reg, read, val);
		}
	} else if (reg == SYSREG_ISS(3, 0, 1, 0, 1)) {   /* ACTLR_EL1 */
		val = 0;
	} else if (reg == SYSREG_ISS(3, 0, 1, 0, 2)) {   /* CPACR_EL1 */
		cpacr_access(read, &val);
	} else if (reg == SYSREG_ISS(3, 0, 0, 0, 6)) {   /* REVIDR_EL1 */
		handled = read;
		val = read_sysreg(revidr_el1);
	} else if (reg == SYSREG_ISS(3, 1, 0, 0, 7)) {   /* AIDR_EL1 */
		handled = read;
		val = read_sysreg(aidr_el1);
	} else if (esr_sys_op0(esr) == 2) {
		handled = debug_reg_access(v, esr, reg, read, &val);
	} else if (pmu_is_sysreg(esr)) {
		handled = pmu_sysreg_access(v, esr, read, &val);
	} else {
		handled = false;
	}

	if (!handled) {
		inject_undef(v);
		return;
	}
	if (!is_set_way_op(reg))
		v->sw_flushed = false;
	if (read)
		vcpu_reg_set(&v->regs, rt, val);
	vcpu_skip_insn(&v->regs, 4);
}
