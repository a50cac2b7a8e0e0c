/*
 * keel's hypercall ABI (include/keel/abi/hypercall.h), over HVC #0 and SMC #0.
 */
#include <string.h>
#include "guest/guest.h"

const char guest_name[] = "hypercall";

#define REG_PATTERN(n)	(0xc0de000000000000ULL | (n))
#define UNKNOWN_ARCH_ID	0x80001234u

void regs_probe_hvc(uint32_t fid, uint64_t out[31]);
void regs_probe_smc(uint32_t fid, uint64_t out[31]);

typedef struct smccc_res (*call_fn)(uint32_t, uint64_t, uint64_t, uint64_t,
				    uint64_t, uint64_t, uint64_t);

static char name_buf[64];

/* "<conduit>-<what>": the same checks run over HVC and SMC. */
static const char *cname(const char *conduit, const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "%s-%s", conduit, what);
	return name_buf;
}

static int64_t call1(call_fn call, uint32_t fid)
{
	return (int64_t)call(fid, 0, 0, 0, 0, 0, 0).a0;
}

static int64_t console_write(call_fn call, uint64_t ipa, uint64_t len)
{
	return (int64_t)call(KEEL_HC_CONSOLE_WRITE, ipa, len, 0, 0, 0, 0).a0;
}

static void check_versions(const char *c, call_fn call)
{
	struct smccc_res r;

	check_eq(cname(c, "smccc-version"), call1(call, SMCCC_VERSION), SMCCC_VERSION_1_1);
	check_eq(cname(c, "psci-version"), call1(call, PSCI_VERSION), PSCI_VERSION_1_1);
	r = call(SMCCC_ARCH_FEATURES, UNKNOWN_ARCH_ID, 0, 0, 0, 0, 0);
	check_eq(cname(c, "arch-features-unknown"), r.a0, (uint64_t)SMCCC_NOT_SUPPORTED);
	/* Spectre workarounds: keel claims none, and "not affected" only as the ID registers say. */
	unsigned csv2 = (unsigned)((read_sysreg(id_aa64pfr0_el1) >> 56) & 0xf);

	r = call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0, 0, 0, 0);
	check_eq(cname(c, "arch-features-workaround-1"), r.a0,
		 csv2 >= 1 ? (uint64_t)SMCCC_ARCH_WORKAROUND_UNAFFECTED : (uint64_t)SMCCC_NOT_SUPPORTED);
	r = call(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2, 0, 0, 0, 0, 0);
	check_eq(cname(c, "arch-features-workaround-2"), r.a0, (uint64_t)SMCCC_NOT_SUPPORTED);
	r = call(SMCCC_ARCH_WORKAROUND_1, 0, 0, 0, 0, 0, 0);
	check_eq(cname(c, "workaround-1-not-implemented"), r.a0, (uint64_t)SMCCC_NOT_SUPPORTED);
	check_eq(cname(c, "keel-version"), call1(call, KEEL_HC_VERSION),
		 (KEEL_VERSION_MAJOR << 16) | KEEL_VERSION_MINOR);

	r = call(KEEL_HC_CALL_UID, 0, 0, 0, 0, 0, 0);
	checkf(cname(c, "keel-call-uid"), r.a0 == KEEL_UID_0 && r.a1 == KEEL_UID_1 &&
	       r.a2 == KEEL_UID_2 && r.a3 == KEEL_UID_3,
	       "got %08lx %08lx %08lx %08lx", (unsigned long)r.a0, (unsigned long)r.a1,
	       (unsigned long)r.a2, (unsigned long)r.a3);

	r = call(KEEL_HC_REVISION, 0, 0, 0, 0, 0, 0);
	checkf(cname(c, "keel-revision"), r.a0 == KEEL_VERSION_MAJOR && r.a1 == KEEL_VERSION_MINOR,
	       "got %ld.%ld", (long)r.a0, (long)r.a1);

	r = call(KEEL_HC_CALL_COUNT, 0, 0, 0, 0, 0, 0);
	checkf(cname(c, "keel-call-count"), (int64_t)r.a0 >= 4 && r.a0 < 0x100,
	       "got %ld", (long)r.a0);

	check_eq(cname(c, "psci-features-cpu-on"),
		 call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0, 0, 0, 0).a0, PSCI_SUCCESS);
	check_eq(cname(c, "psci-features-unknown"),
		 call(PSCI_FEATURES, 0x8400001fu, 0, 0, 0, 0, 0).a0, (uint64_t)PSCI_NOT_SUPPORTED);
}

static void check_vm_info(const char *c, call_fn call, bool print_vmid)
{
	struct smccc_res r = call(KEEL_HC_VM_INFO, 0, 0, 0, 0, 0, 0);

	if (print_vmid)
		printf("VMID %ld\n", (long)r.a0);
	checkf(cname(c, "vm-info-vmid"), r.a0 < 8, "got %ld", (long)r.a0);
	check_eq(cname(c, "vm-info-vcpu-index"), r.a1, 0);
	check_eq(cname(c, "vm-info-vcpu-count"), r.a2, env.ncpus);
}

static void check_console_write(const char *c, call_fn call, const char *msg)
{
	uint64_t ram_end = env.ram_base + env.ram_size;
	uint64_t len = strlen(msg);

	check_eq(cname(c, "console-write"), console_write(call, (uintptr_t)msg, len), len);
	check_eq(cname(c, "console-write-len0"), console_write(call, (uintptr_t)msg, 0), 0);
	check_eq(cname(c, "console-write-outside-ram"),
		 console_write(call, 0x10000000, 16), (uint64_t)SMCCC_INVALID_PARAMETER);
	check_eq(cname(c, "console-write-at-ram-end"),
		 console_write(call, ram_end, 1), (uint64_t)SMCCC_INVALID_PARAMETER);
	check_eq(cname(c, "console-write-crosses-ram-end"),
		 console_write(call, ram_end - 8, 16), (uint64_t)SMCCC_INVALID_PARAMETER);
	check_eq(cname(c, "console-write-before-ram"),
		 console_write(call, env.ram_base - 8, 16), (uint64_t)SMCCC_INVALID_PARAMETER);
	check_eq(cname(c, "console-write-too-long"),
		 console_write(call, env.image_start, KEEL_CONSOLE_WRITE_MAX + 1),
		 (uint64_t)SMCCC_INVALID_PARAMETER);
	check_eq(cname(c, "console-write-wraps"),
		 console_write(call, 0xfffffffffffffff0ULL, 32), (uint64_t)SMCCC_INVALID_PARAMETER);
}

static void check_unknown_ids(const char *c, call_fn call)
{
	static const uint32_t ids[] = { 0x86000077u, 0x82000000u, 0xc5001234u, 0x8600ff02u };

	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char what[32];

		snprintf(what, sizeof(what), "unknown-%08x", (unsigned)ids[i]);
		check_eq(cname(c, what), call1(call, ids[i]), (uint64_t)SMCCC_NOT_SUPPORTED);
	}
	check_eq(cname(c, "yield"), call1(call, KEEL_HC_YIELD), 0);
}

/* SMCCC: the immediate must be 0; keel answers NOT_SUPPORTED otherwise. */
static void check_nonzero_imm(void)
{
	register uint64_t x0 __asm__("x0") = KEEL_HC_VERSION;

	__asm__ volatile("hvc #1" : "+r"(x0) :: "x1", "x2", "x3", "memory");
	check_eq("hvc-imm1", x0, (uint64_t)SMCCC_NOT_SUPPORTED);
	x0 = KEEL_HC_VERSION;
	__asm__ volatile("hvc #0xffff" : "+r"(x0) :: "x1", "x2", "x3", "memory");
	check_eq("hvc-imm0xffff", x0, (uint64_t)SMCCC_NOT_SUPPORTED);
	x0 = KEEL_HC_VERSION;
	__asm__ volatile("smc #1" : "+r"(x0) :: "x1", "x2", "x3", "memory");
	check_eq("smc-imm1", x0, (uint64_t)SMCCC_NOT_SUPPORTED);
}

/*
 * kind names the exit path: KEEL_HC_VERSION is answered on keel's HVC fast path (only x0-x18
 * and x30 saved), PSCI_VERSION on the full one; both must leave x4-x30 as they were.
 */
static void check_regs_of(const char *c, void (*probe)(uint32_t, uint64_t[31]), uint32_t fid,
			  const char *kind)
{
	uint64_t out[31];
	int bad_main = -1, bad_tmp = -1;
	char what[48];

	probe(fid, out);
	for (int n = 4; n <= 30; n++) {
		if (out[n] == REG_PATTERN(n))
			continue;
		if (n >= 8 && n <= 17) {
			if (bad_tmp < 0)
				bad_tmp = n;
		} else if (bad_main < 0) {
			bad_main = n;
		}
	}
	snprintf(what, sizeof(what), "%spreserves-x4-x7-x18-x30", kind);
	checkf(cname(c, what), bad_main < 0, "x%d = 0x%lx",
	       bad_main, bad_main < 0 ? 0UL : (unsigned long)out[bad_main]);
	snprintf(what, sizeof(what), "%spreserves-x8-x17", kind);
	checkf(cname(c, what), bad_tmp < 0, "x%d = 0x%lx",
	       bad_tmp, bad_tmp < 0 ? 0UL : (unsigned long)out[bad_tmp]);
}

static void check_regs(const char *c, void (*probe)(uint32_t, uint64_t[31]))
{
	check_regs_of(c, probe, KEEL_HC_VERSION, "");
	check_regs_of(c, probe, PSCI_VERSION, "psci-");
}

void guest_main(void)
{
	check_versions("hvc", hvc_call);
	check_vm_info("hvc", hvc_call, true);
	check_console_write("hvc", hvc_call, "console-write: hello from the guest\n");
	check_unknown_ids("hvc", hvc_call);
	check_regs("hvc", regs_probe_hvc);

	check_versions("smc", smc_call);
	check_vm_info("smc", smc_call, false);
	check_console_write("smc", smc_call, "console-write: hello again, over smc\n");
	check_unknown_ids("smc", smc_call);
	check_regs("smc", regs_probe_smc);

	check_nonzero_imm();
}
