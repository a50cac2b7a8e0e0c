/*
 * Exception handling: the expected-exception facility, the HVC/SMC-undefined
 * fallback and the report of anything unexpected (guest/fault.h).
 */
#include <stddef.h>
#include <stdio.h>
#include "guest/check.h"
#include "guest/console.h"
#include "guest/smccc.h"
#include "rt_internal.h"

#define KIND_SYNC_EL1H	4	/* vectors.S: source EL1h (1) << 2 | sync (0) */
#define KIND_TYPE_IRQ	1	/* vectors.S: kind & 3 */
#define INSN_HVC_MASK	0xffe0001fu
#define INSN_HVC	0xd4000002u	/* HVC #imm16 */
#define INSN_SMC	0xd4000003u	/* SMC #imm16 */

_Static_assert(offsetof(struct exc_frame, sp) == FRAME_SP &&
	       offsetof(struct exc_frame, elr) == FRAME_ELR &&
	       offsetof(struct exc_frame, esr) == FRAME_ESR &&
	       offsetof(struct exc_frame, far) == FRAME_FAR &&
	       sizeof(struct exc_frame) == FRAME_SIZE, "vectors.S frame layout");

volatile unsigned smccc_undef_count;
void (*volatile rt_irq_hook)(void);
static volatile uint64_t smccc_undef_elr;

void rt_exception(struct exc_frame *f, uint64_t kind);

static const char *const kind_names[4] = { "sync", "irq", "fiq", "serror" };
static const char *const source_names[4] = { "EL1t", "EL1h", "EL0-64", "EL0-32" };

/* An HVC/SMC that is UNDEFINED (no hypervisor) answers NOT_SUPPORTED. */
static bool smccc_undef_fallback(struct exc_frame *f)
{
	uint32_t insn, op;

	if (ESR_EC(f->esr) != EC_UNKNOWN)
		return false;
	insn = *(const volatile uint32_t *)(uintptr_t)f->elr;
	op = insn & INSN_HVC_MASK;
	if (op != INSN_HVC && op != INSN_SMC)
		return false;
	f->x[0] = (uint64_t)(int64_t)SMCCC_NOT_SUPPORTED;
	f->elr += 4;
	smccc_undef_elr = f->elr - 4;
	__atomic_fetch_add(&smccc_undef_count, 1, __ATOMIC_RELAXED);
	return true;
}

void smccc_undef_report(void)
{
	if (!smccc_undef_count)
		return;
	if (env.under_keel)
		checkf("smccc-undefined", false, "%u HVC/SMC were UNDEFINED, last at ELR=0x%lx",
		       smccc_undef_count, (unsigned long)smccc_undef_elr);
	else
		printf("NOTE %u HVC/SMC were UNDEFINED (no hypervisor), answered NOT_SUPPORTED\n",
		       smccc_undef_count);
}

static void record_expected(struct percpu *pc, struct exc_frame *f)
{
	uint32_t ec = (uint32_t)ESR_EC(f->esr);

	pc->fault.taken = true;
	pc->fault.ec = ec;
	pc->fault.fsc = (uint32_t)ESR_FSC(f->esr);
	pc->fault.esr = f->esr;
	pc->fault.far = f->far;
	pc->fault.elr = f->elr;
	pc->fault_armed = 0;
	/*
	 * A failed fetch, or anything outside this image (the test branched
	 * somewhere wild with BLR), has no instruction of ours to skip: return
	 * to the caller.
	 */
	if (ec == EC_IABT_CUR || ec == EC_PC_ALIGN ||
	    f->elr < env.image_start || f->elr >= env.image_end)
		f->elr = f->x[30];
	else
		f->elr += 4;
}

void rt_exception(struct exc_frame *f, uint64_t kind)
{
	struct percpu *pc = this_cpu();

	if (++pc->exc_depth > 1) {
		console_puts_raw("\nFAIL nested-exception\n");
		hvc0(PSCI_SYSTEM_OFF);
		for (;;)
			wfi();
	}
	if (kind == KIND_SYNC_EL1H) {
		if (pc->fault_armed) {
			record_expected(pc, f);
			pc->exc_depth--;
			return;
		}
		if (smccc_undef_fallback(f)) {
			pc->exc_depth--;
			return;
		}
	}
	if ((kind & 3) == KIND_TYPE_IRQ && rt_irq_hook) {
		rt_irq_hook();
		pc->exc_depth--;
		return;
	}
	checkf("unexpected-exception", false, "ESR=0x%lx FAR=0x%lx ELR=0x%lx (%s from %s, vCPU %u)",
	       (unsigned long)f->esr, (unsigned long)f->far, (unsigned long)f->elr,
	       kind_names[kind & 3], source_names[(kind >> 2) & 3], cpu_index());
	report_and_exit();
}

void expect_fault_begin(void)
{
	struct percpu *pc = this_cpu();

	pc->fault = (struct fault){ 0 };
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pc->fault_armed = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

struct fault expect_fault_end(void)
{
	struct percpu *pc = this_cpu();

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pc->fault_armed = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return pc->fault;
}

struct fault probe_read(uint64_t addr, unsigned size, uint64_t *val)
{
	uint64_t v = PROBE_POISON;

	expect_fault_begin();
	switch (size) {
	case 1:
		__asm__ volatile("ldrb %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("ldrh %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	case 4:
		__asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
		break;
	}
	*val = v;
	return expect_fault_end();
}

struct fault probe_write(uint64_t addr, unsigned size, uint64_t val)
{
	expect_fault_begin();
	switch (size) {
	case 1:
		__asm__ volatile("strb %w0, [%1]" :: "r"(val), "r"(addr) : "memory");
		break;
	case 2:
		__asm__ volatile("strh %w0, [%1]" :: "r"(val), "r"(addr) : "memory");
		break;
	case 4:
		__asm__ volatile("str %w0, [%1]" :: "r"(val), "r"(addr) : "memory");
		break;
	default:
		__asm__ volatile("str %0, [%1]" :: "r"(val), "r"(addr) : "memory");
		break;
	}
	return expect_fault_end();
}

bool fault_is_sea(const struct fault *f, uint64_t addr)
{
	return f->taken && f->ec == EC_DABT_CUR && f->fsc == FSC_SEA && f->far == addr;
}
