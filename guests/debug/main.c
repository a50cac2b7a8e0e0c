/*
 * Self-hosted debug as a guest debugger uses it: hardware breakpoints,
 * watchpoints and software step, each taken at EL1 (MDSCR_EL1.KDE, PSTATE.D
 * clear, the OS lock cleared as Linux does); the breakpoint and watchpoint
 * registers keep their values across exits to keel.
 *
 * And what must not survive a restart: at start every register a guest could
 * use to pass a value from one run to the next (the debug registers, the OS
 * lock, TPIDR2_EL0 and SMPRI_EL1 of the hidden SME, DISR_EL1) must hold its
 * reset value. Under keel the guest then writes markers into all of them and
 * waits for a key on its console: 'r' restarts the VM (PSCI SYSTEM_RESET, after
 * a SUMMARY for this run), anything else ends it. tests/integration/test_vms.py
 * types 'r' once, then ends the second run, whose start checks find a leak.
 */
#include "guest/guest.h"
#include "guest/testdev.h"

const char guest_name[] = "debug";

#define UART_FR_RXFE	(1u << 4)

/* DBGBCR/DBGWCR fields. */
#define BCR_E		(1u << 0)
#define BCR_PMC_EL1	(1u << 1)	/* PMC = 0b01: EL1 */
#define BCR_BAS_A64	(0xfu << 5)
#define WCR_E		(1u << 0)
#define WCR_PAC_EL1	(1u << 1)	/* PAC = 0b01: EL1 */
#define WCR_LSC_STORE	(2u << 3)	/* LSC = 0b10: stores */
#define WCR_BAS_8	(0xffu << 5)

#define TPIDR2_EL0	s3_3_c13_c0_5
#define SMPRI_EL1	s3_0_c1_c2_4
#define DISR_EL1	s3_0_c12_c1_1

#define MARKER		0x7e57c0de5ec0e700ULL

extern char debug_vectors[];
uint64_t debug_step_run(uint64_t (*fn)(void), uint64_t x0, uint64_t x1);
uint64_t bp_target(void);
uint64_t step_target(void);
uint64_t step_emulated_target(void);
uint64_t step_mmio_target(void);
uint64_t step_hvc_target(void);
void debug_exception(void);

/* ---------------------------------------------------------------- register access by number */

#define DBG_CASES_READ(p) \
	case 0: return read_sysreg(p##0_el1);   case 1: return read_sysreg(p##1_el1); \
	case 2: return read_sysreg(p##2_el1);   case 3: return read_sysreg(p##3_el1); \
	case 4: return read_sysreg(p##4_el1);   case 5: return read_sysreg(p##5_el1); \
	case 6: return read_sysreg(p##6_el1);   case 7: return read_sysreg(p##7_el1); \
	case 8: return read_sysreg(p##8_el1);   case 9: return read_sysreg(p##9_el1); \
	case 10: return read_sysreg(p##10_el1); case 11: return read_sysreg(p##11_el1); \
	case 12: return read_sysreg(p##12_el1); case 13: return read_sysreg(p##13_el1); \
	case 14: return read_sysreg(p##14_el1); case 15: return read_sysreg(p##15_el1)
#define DBG_CASES_WRITE(p, v) \
	case 0: write_sysreg(p##0_el1, v); break;   case 1: write_sysreg(p##1_el1, v); break; \
	case 2: write_sysreg(p##2_el1, v); break;   case 3: write_sysreg(p##3_el1, v); break; \
	case 4: write_sysreg(p##4_el1, v); break;   case 5: write_sysreg(p##5_el1, v); break; \
	case 6: write_sysreg(p##6_el1, v); break;   case 7: write_sysreg(p##7_el1, v); break; \
	case 8: write_sysreg(p##8_el1, v); break;   case 9: write_sysreg(p##9_el1, v); break; \
	case 10: write_sysreg(p##10_el1, v); break; case 11: write_sysreg(p##11_el1, v); break; \
	case 12: write_sysreg(p##12_el1, v); break; case 13: write_sysreg(p##13_el1, v); break; \
	case 14: write_sysreg(p##14_el1, v); break; case 15: write_sysreg(p##15_el1, v); break

enum dbg_reg { BVR, BCR, WVR, WCR };
static const char *const dbg_names[4] = { "dbgbvr", "dbgbcr", "dbgwvr", "dbgwcr" };

static uint64_t dbg_read(enum dbg_reg r, unsigned n)
{
	switch (r) {
	case BVR: switch (n) { DBG_CASES_READ(dbgbvr); } break;
	case BCR: switch (n) { DBG_CASES_READ(dbgbcr); } break;
	case WVR: switch (n) { DBG_CASES_READ(dbgwvr); } break;
	case WCR: switch (n) { DBG_CASES_READ(dbgwcr); } break;
	}
	return ~0ULL;
}

static void dbg_write(enum dbg_reg r, unsigned n, uint64_t v)
{
	switch (r) {
	case BVR: switch (n) { DBG_CASES_WRITE(dbgbvr, v); } break;
	case BCR: switch (n) { DBG_CASES_WRITE(dbgbcr, v); } break;
	case WVR: switch (n) { DBG_CASES_WRITE(dbgwvr, v); } break;
	case WCR: switch (n) { DBG_CASES_WRITE(dbgwcr, v); } break;
	}
	isb();
}

static unsigned dbg_count(enum dbg_reg r)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);

	return (r == BVR || r == BCR) ? DFR0_BRPS(dfr0) : DFR0_WRPS(dfr0);
}

/* A value for register r number n that the CPU keeps as written (aligned, disabled). */
static uint64_t dbg_pattern(enum dbg_reg r, unsigned n)
{
	switch (r) {
	case BVR: return 0x40001000ULL + 0x100 * n;
	case BCR: return BCR_PMC_EL1 | BCR_BAS_A64;                 /* E = 0 */
	case WVR: return 0x40002000ULL + 0x40 * n;
	default:  return WCR_PAC_EL1 | WCR_LSC_STORE | WCR_BAS_8;   /* E = 0 */
	}
}

/* ---------------------------------------------------------------- the exception handler */

static struct {
	volatile unsigned count;
	volatile uint64_t esr, elr, far;
} hit;

/*
 * Breakpoint, watchpoint: disable it and resume at the instruction, which now
 * runs. Step: stop stepping and resume. Anything else: recorded, skipped.
 */
void debug_exception(void)
{
	uint64_t esr = read_sysreg(esr_el1);

	hit.esr = esr;
	hit.elr = read_sysreg(elr_el1);
	hit.far = read_sysreg(far_el1);
	hit.count++;
	switch (ESR_EC(esr)) {
	case EC_BKPT_CUR:
		write_sysreg(dbgbcr0_el1, 0);
		break;
	case EC_WATCH_CUR:
		write_sysreg(dbgwcr0_el1, 0);
		break;
	case EC_SSTEP_CUR:
		write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) & ~(uint64_t)MDSCR_SS);
		break;
	default:
		write_sysreg(elr_el1, hit.elr + 4);
		break;
	}
	isb();
}

static void hit_reset(void)
{
	hit.count = 0;
	hit.esr = hit.elr = hit.far = 0;
}

static uint64_t vectors_swap(uint64_t vbar)
{
	uint64_t old = read_sysreg(vbar_el1);

	write_sysreg(vbar_el1, vbar);
	isb();
	return old;
}

#define debug_unmask() __asm__ volatile("msr daifclr, #8; isb" ::: "memory")
#define debug_mask()   __asm__ volatile("msr daifset, #8; isb" ::: "memory")

/* ---------------------------------------------------------------- reset state */

#define STR(x)  #x
#define XSTR(x) STR(x)	/* the register's encoding, not its macro name */

/* Read an optional register; false if it is UNDEFINED (feature hidden and trapped). */
#define READ_OPTIONAL(reg, out) ({ uint64_t __v = 0; struct fault __f; \
	expect_fault_begin(); \
	__asm__ volatile("mrs %0, " XSTR(reg) : "+r"(__v) :: "memory"); \
	__f = expect_fault_end(); *(out) = __v; !__f.taken; })
#define WRITE_OPTIONAL(reg, v) ({ struct fault __f; \
	expect_fault_begin(); \
	__asm__ volatile("msr " XSTR(reg) ", %0" :: "r"((uint64_t)(v)) : "memory"); \
	__f = expect_fault_end(); !__f.taken; })

static void check_optional_clean(const char *name, bool readable, uint64_t v)
{
	if (!readable) {
		printf("NOTE %s is UNDEFINED\n", name);
		check(name, true);
		return;
	}
	checkf(name, v == 0, "reads 0x%lx at start, want 0 (its reset value)", (unsigned long)v);
}

/* Every register a run could leave a value in holds its reset value. */
static void check_start_state(void)
{
	uint64_t v;
	bool clean = true;
	char name[48];

	for (enum dbg_reg r = BVR; r <= WCR; r++)
		for (unsigned n = 0; n < dbg_count(r); n++) {
			v = dbg_read(r, n);
			if (v) {
				snprintf(name, sizeof(name), "%s%u", dbg_names[r], n);
				printf("NOTE %s_el1 = 0x%lx at start\n", name, (unsigned long)v);
				clean = false;
			}
		}
	check("start-debug-registers-zero", clean);
	checkf("start-mdscr-zero", read_sysreg(mdscr_el1) == 0, "MDSCR_EL1 0x%lx",
	       (unsigned long)read_sysreg(mdscr_el1));
	checkf("start-os-lock-set", read_sysreg(oslsr_el1) & OSLSR_OSLK, "OSLSR_EL1 0x%lx",
	       (unsigned long)read_sysreg(oslsr_el1));
	check_optional_clean("start-tpidr2-el0-clean", READ_OPTIONAL(TPIDR2_EL0, &v), v);
	check_optional_clean("start-smpri-el1-clean", READ_OPTIONAL(SMPRI_EL1, &v), v);
	check_optional_clean("start-disr-el1-clean", READ_OPTIONAL(DISR_EL1, &v), v);
}

/* Leave a value in every one of them, for the next run to find (or not). */
static void leave_markers(void)
{
	uint64_t v;

	for (enum dbg_reg r = BVR; r <= WCR; r++)
		for (unsigned n = 0; n < dbg_count(r); n++)
			dbg_write(r, n, dbg_pattern(r, n));
	write_sysreg(oslar_el1, 0);
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	isb();
	if (WRITE_OPTIONAL(TPIDR2_EL0, MARKER) && READ_OPTIONAL(TPIDR2_EL0, &v))
		printf("NOTE tpidr2_el0 left at 0x%lx\n", (unsigned long)v);
	if (WRITE_OPTIONAL(SMPRI_EL1, 0xf) && READ_OPTIONAL(SMPRI_EL1, &v))
		printf("NOTE smpri_el1 left at 0x%lx\n", (unsigned long)v);
	if (WRITE_OPTIONAL(DISR_EL1, 0x80000001) && READ_OPTIONAL(DISR_EL1, &v))
		printf("NOTE disr_el1 left at 0x%lx\n", (unsigned long)v);
}

/* ---------------------------------------------------------------- the checks */

static void check_registers_kept(void)
{
	bool same = true;

	for (enum dbg_reg r = BVR; r <= WCR; r++)
		for (unsigned n = 0; n < dbg_count(r); n++)
			dbg_write(r, n, dbg_pattern(r, n));
	hvc0(KEEL_HC_VERSION);			/* a trip through keel */
	for (enum dbg_reg r = BVR; r <= WCR; r++)
		for (unsigned n = 0; n < dbg_count(r); n++) {
			uint64_t got = dbg_read(r, n);

			if (got != dbg_pattern(r, n)) {
				printf("NOTE %s%u_el1 reads 0x%lx, written 0x%lx\n", dbg_names[r], n,
				       (unsigned long)got, (unsigned long)dbg_pattern(r, n));
				same = false;
			}
			dbg_write(r, n, 0);
		}
	check("debug-registers-keep-values", same);
}

static void debug_enable(void)
{
	write_sysreg(oslar_el1, 0);		/* clear the OS lock, as Linux does */
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	isb();
	checkf("os-lock-cleared", !(read_sysreg(oslsr_el1) & OSLSR_OSLK), "OSLSR_EL1 0x%lx",
	       (unsigned long)read_sysreg(oslsr_el1));
}

static void check_breakpoint(void)
{
	uint64_t target = (uint64_t)(uintptr_t)bp_target, ret;

	hit_reset();
	dbg_write(BVR, 0, target);
	dbg_write(BCR, 0, BCR_E | BCR_PMC_EL1 | BCR_BAS_A64);
	debug_unmask();
	ret = bp_target();
	debug_mask();
	dbg_write(BCR, 0, 0);
	checkf("hw-breakpoint", hit.count == 1 && ESR_EC(hit.esr) == EC_BKPT_CUR &&
	       hit.elr == target && ret == 42,
	       "%u exceptions, ESR 0x%lx ELR 0x%lx (target 0x%lx), returned %lu", hit.count,
	       (unsigned long)hit.esr, (unsigned long)hit.elr, (unsigned long)target,
	       (unsigned long)ret);
}

static volatile uint64_t watched __attribute__((aligned(8)));

static void check_watchpoint(void)
{
	uint64_t addr = (uint64_t)(uintptr_t)&watched;

	hit_reset();
	watched = 1;
	dbg_write(WVR, 0, addr);
	dbg_write(WCR, 0, WCR_E | WCR_PAC_EL1 | WCR_LSC_STORE | WCR_BAS_8);
	debug_unmask();
	(void)watched;				/* a load: not watched */
	watched = 0x5678;
	debug_mask();
	dbg_write(WCR, 0, 0);
	checkf("hw-watchpoint", hit.count == 1 && ESR_EC(hit.esr) == EC_WATCH_CUR &&
	       hit.far >= addr && hit.far < addr + 8 && watched == 0x5678,
	       "%u exceptions, ESR 0x%lx FAR 0x%lx (variable 0x%lx), value 0x%lx", hit.count,
	       (unsigned long)hit.esr, (unsigned long)hit.far, (unsigned long)addr,
	       (unsigned long)watched);
}

static void check_step(const char *name, uint64_t (*fn)(void), uint64_t x0, uint64_t x1,
		       uint64_t want_ret)
{
	uint64_t start = (uint64_t)(uintptr_t)fn, ret;

	hit_reset();
	write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) | MDSCR_SS);
	isb();
	ret = debug_step_run(fn, x0, x1);
	write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) & ~(uint64_t)MDSCR_SS);
	isb();
	/* One instruction ran, then the step exception, at the next one. */
	checkf(name, hit.count == 1 && ESR_EC(hit.esr) == EC_SSTEP_CUR && hit.elr == start + 4 &&
	       ret == want_ret,
	       "%u exceptions, ESR 0x%lx ELR 0x%lx (want 0x%lx), returned 0x%lx", hit.count,
	       (unsigned long)hit.esr, (unsigned long)hit.elr, (unsigned long)start + 4,
	       (unsigned long)ret);
}

static void check_debug_exceptions(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
	uint64_t vbar;

	printf("NOTE ID_AA64DFR0_EL1 0x%lx: %u breakpoints, %u watchpoints\n", (unsigned long)dfr0,
	       DFR0_BRPS(dfr0), DFR0_WRPS(dfr0));
	check_registers_kept();
	debug_enable();
	vbar = vectors_swap((uint64_t)(uintptr_t)debug_vectors);
	check_breakpoint();
	check_watchpoint();
	check_step("single-step", step_target, 0, 0, 3);
	check_step("single-step-emulated-sysreg", step_emulated_target, 0, 0, 7);
	if (env.has_testdev)
		check_step("single-step-emulated-mmio", step_mmio_target, 0,
			   env.testdev_base + TESTDEV_ID, 9);
	if (env.under_keel)
		check_step("single-step-hypercall", step_hvc_target, KEEL_HC_VERSION, 0,
			   KEEL_VERSION_MAJOR << 16 | KEEL_VERSION_MINOR);
	vectors_swap(vbar);
}

/* ---------------------------------------------------------------- restart */

static char console_getc(void)
{
	while (mmio_read32(env.uart_base + UART_FR) & UART_FR_RXFE)
		delay_us(1000);	/* each poll is an exit to keel */
	return (char)mmio_read32(env.uart_base + UART_DR);
}

void guest_main(void)
{
	check_start_state();
	check_debug_exceptions();
	if (!env.under_keel)
		return;
	leave_markers();
	printf("DEBUG type r to restart, anything else to end\n");
	if (console_getc() != 'r')
		return;
	printf("SUMMARY %s %u passed, %u failed\n", guest_name, checks_passed(), checks_failed());
	hvc0(PSCI_SYSTEM_RESET);
	checkf("system-reset", false, "PSCI SYSTEM_RESET returned");
}
