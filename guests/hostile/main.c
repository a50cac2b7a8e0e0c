/*
 * A guest that misbehaves on purpose. keel must answer each act as
 * documented and keep running: one PASS line per act survived. The last act
 * (an atomic on emulated MMIO, which keel cannot emulate) ends this VM; just
 * before it the guest prints "HOSTILE final: <n> passed, <m> failed, next:
 * <instruction> on device IPA <address>", which must be the last line it
 * prints. tests/integration/test_hostile.py checks every PASS line, this
 * marker, keel's exact stop reason and that the VM next to this one finishes
 * normally.
 */
#include "guest/guest.h"
#include "guest/testdev.h"
#include "guest/gic.h"

const char guest_name[] = "hostile";

#define WILD_PROBES	64
#define ISAR0_ATOMIC(r)	field((r), 23, 20)

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng_state >> 11;
}

static void wild_mmio(void)
{
	uint64_t span = 1ULL << env.pa_bits;
	unsigned bad_r = 0, bad_w = 0;

	for (unsigned i = 0; i < WILD_PROBES; i++) {
		unsigned size = 1u << (rng() % 4);
		uint64_t a = (rng() % span) & ~(uint64_t)(size - 1), v;
		struct fault f;

		if (ipa_is_assigned(a))
			continue;
		f = probe_read(a, size, &v);
		if (!fault_is_sea(&f, a) && bad_r++ < 4)
			printf("NOTE read%u 0x%lx: taken %d ESR 0x%lx value 0x%lx\n", size * 8,
			       (unsigned long)a, f.taken, (unsigned long)f.esr, (unsigned long)v);
		f = probe_write(a, size, rng());
		if (!fault_is_sea(&f, a) && bad_w++ < 4)
			printf("NOTE write%u 0x%lx: taken %d ESR 0x%lx\n", size * 8,
			       (unsigned long)a, f.taken, (unsigned long)f.esr);
	}
	checkf("wild-reads-abort", bad_r == 0, "%u reads without an external abort", bad_r);
	checkf("wild-writes-abort", bad_w == 0, "%u writes without an external abort", bad_w);
}

/*
 * The virtual GIC from a hostile guest: random accesses of every size at random offsets of
 * the distributor and redistributor windows (each completes or aborts), random values
 * written to the SGI generation register. keel's model must come out of it unharmed.
 */
#define GIC_ABUSE_ACCESSES	2000
#define GIC_ABUSE_SGIS		500

static void gic_abuse(void)
{
	uint64_t gicd = gic_dist_base(), gicr = gic_redist_base(0);
	unsigned odd = 0;

	for (unsigned i = 0; i < GIC_ABUSE_ACCESSES; i++) {
		unsigned size = 1u << (rng() % 4);
		bool dist = rng() & 1;
		uint64_t base = dist ? gicd : gicr, span = dist ? 0x10000 : 0x20000 * env.ncpus;
		uint64_t a = base + ((rng() % span) & ~(uint64_t)(size - 1)), v;
		struct fault f = (rng() & 1) ? probe_read(a, size, &v) : probe_write(a, size, rng());

		if (f.taken && !fault_is_sea(&f, a) && odd++ < 4)
			printf("NOTE gic access%u 0x%lx: ESR 0x%lx\n", size * 8, (unsigned long)a,
			       (unsigned long)f.esr);
	}
	for (unsigned i = 0; i < GIC_ABUSE_SGIS; i++)
		write_sysreg(S3_0_C12_C11_5, rng());   /* ICC_SGI1R_EL1: any value at all */
	isb();
	checkf("gic-abuse-aborts-only", odd == 0, "%u GIC accesses took something else than an external abort", odd);
	check_eq("gic-still-gicv3", (mmio_read32(gicd + GICD_PIDR2) >> 4) & 0xf, 3);
}

static void unknown_sysregs(void)
{
	struct fault f;
	uint64_t v = 0x1234;

	expect_fault_begin();
	__asm__ volatile("msr s3_3_c15_c10_6, %0" :: "r"(v) : "memory");
	f = expect_fault_end();
	checkf("impdef-write-undef", f.taken && f.ec == EC_UNKNOWN, "ESR 0x%lx", (unsigned long)f.esr);
	expect_fault_begin();
	__asm__ volatile("mrs %0, s3_0_c15_c15_7" : "+r"(v) :: "memory");
	f = expect_fault_end();
	checkf("impdef-read-undef", f.taken && f.ec == EC_UNKNOWN, "ESR 0x%lx", (unsigned long)f.esr);
}

static void bad_hypercalls(void)
{
	const uint64_t ram_end = env.ram_base + env.ram_size;
	const uint64_t args[][2] = {
		{ ~0ULL, ~0ULL },
		{ 0, 1ULL << 63 },
		{ env.ram_base, ~0ULL },
		{ 0xdeadbeef00000000ULL, 16 },
		{ ram_end - 1, 2 },
		{ env.ram_base, KEEL_CONSOLE_WRITE_MAX + 1 },
		{ ~0ULL - 7, 16 },
		{ 1ULL << 52, 8 },
	};
	static const uint32_t unknown[] = {
		0x00000000u, 0x06000000u, 0x86001234u, 0xc6ffffffu, 0x8400ff00u,
		0xbf00ff00u, 0xf2000000u, 0x81000000u,
	};
	unsigned bad = 0;

	for (unsigned i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		int64_t r = (int64_t)hvc2(KEEL_HC_CONSOLE_WRITE, args[i][0], args[i][1]).a0;
		int64_t s = (int64_t)smc2(KEEL_HC_CONSOLE_WRITE, args[i][0], args[i][1]).a0;

		if ((r != SMCCC_INVALID_PARAMETER || s != SMCCC_INVALID_PARAMETER) && bad++ < 4)
			printf("NOTE console-write(0x%lx, 0x%lx): hvc %ld smc %ld\n",
			       (unsigned long)args[i][0], (unsigned long)args[i][1], (long)r, (long)s);
	}
	checkf("bad-console-write-invalid", bad == 0, "%u calls not answered -3", bad);

	bad = 0;
	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		int64_t r = (int64_t)hvc_call(unknown[i], rng(), rng(), rng(), rng(), rng(), rng()).a0;
		int64_t s = (int64_t)smc_call(unknown[i], rng(), rng(), rng(), rng(), rng(), rng()).a0;

		if ((r != SMCCC_NOT_SUPPORTED || s != SMCCC_NOT_SUPPORTED) && bad++ < 4)
			printf("NOTE call 0x%08x: hvc %ld smc %ld\n", (unsigned)unknown[i], (long)r, (long)s);
	}
	checkf("unknown-calls-not-supported", bad == 0, "%u calls not answered -1", bad);

	if (env.ncpus > 1) {
		int64_t r = psci_cpu_on_raw(env.cpu_mpidr[1], 0x10000000, 0);

		checkf("cpu-on-bad-entry-refused", r == PSCI_INVALID_ADDRESS ||
		       r == PSCI_INVALID_PARAMETERS, "CPU_ON answered %ld", (long)r);
	}
}

static __attribute__((noreturn)) void final_act(void)
{
	uint64_t target = env.has_testdev ? env.testdev_base + TESTDEV_SCRATCH
					  : env.uart_base + UART_FR;
	uint64_t old = 0;

	bool lse = ISAR0_ATOMIC(read_sysreg(id_aa64isar0_el1)) >= 2;

	printf("HOSTILE final: %u passed, %u failed, next: %s on device IPA 0x%lx\n", checks_passed(),
	       checks_failed(), lse ? "LDADD" : "LDXR", (unsigned long)target);
	if (lse) {
		__asm__ volatile(".arch_extension lse\n\tldadd %1, %0, [%2]"
				 : "=&r"(old) : "r"(1ULL), "r"(target) : "memory");
	} else {
		uint32_t fail;

		__asm__ volatile("ldxr %0, [%2]\n\tstxr %w1, %0, [%2]"
				 : "=&r"(old), "=&r"(fail) : "r"(target) : "memory");
	}
	checkf("hostile-final-ended-vm", false, "the atomic on 0x%lx returned 0x%lx",
	       (unsigned long)target, (unsigned long)old);
	report_and_exit();
}

void guest_main(void)
{
	wild_mmio();
	unknown_sysregs();
	bad_hypercalls();
	if (gic_init())
		gic_abuse();
	else
		check("gic-init", false);
	final_act();
}
