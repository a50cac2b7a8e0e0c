/*
 * MMIO emulation: every access size and form keel must decode, on the
 * keel,test-device window and on the emulated PL011. Inline asm throughout so
 * the compiler cannot change an access size or form.
 */
#include "guest/guest.h"
#include "guest/gic.h"
#include "guest/testdev.h"
#include "alias.h"

const char guest_name[] = "mmio";

static uint64_t T;	/* test device base */
static uint64_t S;	/* T + TESTDEV_SCRATCH */
static uint64_t P;	/* T + TESTDEV_PATTERN */

/* Loads into a register holding all ones first, to see the extension. */
#define LOAD(insn, reg, addr) ({ uint64_t __v; \
	__asm__ volatile("mov %0, #-1\n\t" insn " %" reg "0, [%1]" \
			 : "=&r"(__v) : "r"(addr) : "memory"); __v; })
#define STORE(insn, reg, addr, val) \
	__asm__ volatile(insn " %" reg "0, [%1]" :: "r"((uint64_t)(val)), "r"(addr) : "memory")

#define ldrb_w(a)	LOAD("ldrb", "w", a)
#define ldrh_w(a)	LOAD("ldrh", "w", a)
#define ldr_w(a)	LOAD("ldr", "w", a)
#define ldr_x(a)	LOAD("ldr", "x", a)
#define ldrsb_w(a)	LOAD("ldrsb", "w", a)
#define ldrsb_x(a)	LOAD("ldrsb", "x", a)
#define ldrsh_w(a)	LOAD("ldrsh", "w", a)
#define ldrsh_x(a)	LOAD("ldrsh", "x", a)
#define ldrsw_x(a)	LOAD("ldrsw", "x", a)
#define strb_w(a, v)	STORE("strb", "w", a, v)
#define strh_w(a, v)	STORE("strh", "w", a, v)
#define str_w(a, v)	STORE("str", "w", a, v)
#define str_x(a, v)	STORE("str", "x", a, v)

static void check_id(void)
{
	check_eq("testdev-id-w", ldr_w(T + TESTDEV_ID), TESTDEV_ID_VALUE);
	check_eq("testdev-id-h", ldrh_w(T + TESTDEV_ID), TESTDEV_ID_VALUE & 0xffff);
	check_eq("testdev-id-b", ldrb_w(T + TESTDEV_ID), TESTDEV_ID_VALUE & 0xff);
	check_eq("testdev-pattern-x", ldr_x(P), TESTDEV_PATTERN_VALUE);
}

static void check_sizes(void)
{
	str_x(S, 0);
	str_x(S + 8, 0);
	strb_w(S + 0, 0x11);
	strh_w(S + 2, 0x2233);
	str_w(S + 4, 0x44556677);
	str_x(S + 8, 0x8899aabbccddeeffULL);

	check_eq("store-sizes-readback-x0", ldr_x(S), 0x4455667722330011ULL);
	check_eq("store-sizes-readback-x1", ldr_x(S + 8), 0x8899aabbccddeeffULL);
	check_eq("ldrb", ldrb_w(S), 0x11);
	check_eq("ldrb-high", ldrb_w(S + 15), 0x88);
	check_eq("ldrb-untouched", ldrb_w(S + 1), 0);
	check_eq("ldrh", ldrh_w(S + 2), 0x2233);
	check_eq("ldrh-high", ldrh_w(S + 14), 0x8899);
	check_eq("ldr-w", ldr_w(S + 4), 0x44556677);
	check_eq("ldr-w-low", ldr_w(S + 8), 0xccddeeff);
	check_eq("ldr-w-high", ldr_w(S + 12), 0x8899aabb);
	/* Zero extension into X of a byte/halfword/word with the top bit set. */
	check_eq("ldrb-zero-extends", ldrb_w(P), 0xf0);
	check_eq("ldrh-zero-extends", ldrh_w(P), 0xe0f0);
	check_eq("ldr-w-zero-extends", ldr_w(P), 0xc0d0e0f0);
	check_eq("ldrb-zero-extends-scratch", ldrb_w(S + 14), 0x99);
}

static void check_sign_extension(void)
{
	/* Narrow reads of PATTERN see its low bytes: 0xf0, 0xe0f0, 0xc0d0e0f0. */
	check_eq("ldrsb-w", ldrsb_w(P), 0xfffffff0ULL);
	check_eq("ldrsb-x", ldrsb_x(P), 0xfffffffffffffff0ULL);
	check_eq("ldrsh-w", ldrsh_w(P), 0xffffe0f0ULL);
	check_eq("ldrsh-x", ldrsh_x(P), 0xffffffffffffe0f0ULL);
	check_eq("ldrsw", ldrsw_x(P), 0xffffffffc0d0e0f0ULL);

	/* Scratch, around the sign boundary. */
	strb_w(S + 16, 0x7f);
	strb_w(S + 17, 0x80);
	strh_w(S + 18, 0x8001);
	str_w(S + 20, 0x80000000);
	str_w(S + 24, 0x7fffffff);
	check_eq("ldrsb-x-positive", ldrsb_x(S + 16), 0x7f);
	check_eq("ldrsb-x-negative", ldrsb_x(S + 17), 0xffffffffffffff80ULL);
	check_eq("ldrsb-w-negative", ldrsb_w(S + 17), 0xffffff80ULL);
	check_eq("ldrsh-w-negative", ldrsh_w(S + 18), 0xffff8001ULL);
	check_eq("ldrsh-x-negative", ldrsh_x(S + 18), 0xffffffffffff8001ULL);
	check_eq("ldrsw-negative", ldrsw_x(S + 20), 0xffffffff80000000ULL);
	check_eq("ldrsw-positive", ldrsw_x(S + 24), 0x7fffffff);
}

static void check_zero_register(void)
{
	uint64_t sp_before, sp_after;

	str_x(S + 32, ~0ULL);
	__asm__ volatile("str wzr, [%0]" :: "r"(S + 32) : "memory");
	check_eq("str-wzr", ldr_x(S + 32), 0xffffffff00000000ULL);
	__asm__ volatile("strb wzr, [%0]" :: "r"(S + 36) : "memory");
	check_eq("strb-wzr", ldr_x(S + 32), 0xffffff0000000000ULL);
	__asm__ volatile("str xzr, [%0]" :: "r"(S + 32) : "memory");
	check_eq("str-xzr", ldr_x(S + 32), 0);

	/*
	 * Rt = 31 of a load is XZR, not SP. The loaded value is SP - 0x1000
	 * (still inside this stack) so that a wrong write of SP is seen
	 * instead of crashing; SP is put back either way.
	 */
	__asm__ volatile("mov %0, sp" : "=r"(sp_before));
	str_x(S + 40, sp_before - 0x1000);
	__asm__ volatile("mov x9, sp\n\t"
			 "ldr xzr, [%1]\n\t"
			 "mov %0, sp\n\t"
			 "mov sp, x9"
			 : "=&r"(sp_after) : "r"(S + 40) : "x9", "memory");
	check_eq("ldr-xzr-ignored", sp_after, sp_before);
	__asm__ volatile("mov x9, sp\n\t"
			 "ldr wzr, [%1]\n\t"
			 "mov %0, sp\n\t"
			 "mov sp, x9"
			 : "=&r"(sp_after) : "r"(S + 40) : "x9", "memory");
	check_eq("ldr-wzr-ignored", sp_after, sp_before);
}

static void check_writes_counter(void)
{
	uint64_t before = ldr_x(T + TESTDEV_WRITES), after;

	strb_w(S + 48, 1);
	after = ldr_x(T + TESTDEV_WRITES);
	checkf("writes-counter", after == before + 1, "before %lu after %lu",
	       (unsigned long)before, (unsigned long)after);
	str_x(S + 48, 2);
	str_w(S + 48, 3);
	after = ldr_x(T + TESTDEV_WRITES);
	checkf("writes-counter-3", after == before + 3, "before %lu after %lu",
	       (unsigned long)before, (unsigned long)after);
}

/* Forms that report ISV = 0: keel decodes the instruction itself. */
static void check_no_syndrome_forms(void)
{
	const uint64_t a = 0x0102030405060708ULL, b = 0x1112131415161718ULL;
	uint64_t x3, x4, base;

	__asm__ volatile("stp %0, %1, [%2]" :: "r"(a), "r"(b), "r"(S + 64) : "memory");
	check_eq("stp-x-first", ldr_x(S + 64), a);
	check_eq("stp-x-second", ldr_x(S + 72), b);
	__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(x3), "=&r"(x4) : "r"(S + 64) : "memory");
	checkf("ldp-x", x3 == a && x4 == b, "got 0x%lx 0x%lx", (unsigned long)x3, (unsigned long)x4);

	__asm__ volatile("stp %w0, %w1, [%2]" :: "r"(0xa1a2a3a4ULL), "r"(0xb1b2b3b4ULL),
			 "r"(S + 80) : "memory");
	check_eq("stp-w", ldr_x(S + 80), 0xb1b2b3b4a1a2a3a4ULL);
	__asm__ volatile("mov %0, #-1\n\tmov %1, #-1\n\tldp %w0, %w1, [%2]"
			 : "=&r"(x3), "=&r"(x4) : "r"(S + 80) : "memory");
	checkf("ldp-w", x3 == 0xa1a2a3a4 && x4 == 0xb1b2b3b4, "got 0x%lx 0x%lx",
	       (unsigned long)x3, (unsigned long)x4);
	str_x(S + 56, TESTDEV_PATTERN_VALUE);
	__asm__ volatile("ldpsw %0, %1, [%2]" : "=&r"(x3), "=&r"(x4) : "r"(S + 56) : "memory");
	checkf("ldpsw", x3 == 0xffffffffc0d0e0f0ULL && x4 == 0xffffffff8090a0b0ULL,
	       "got 0x%lx 0x%lx", (unsigned long)x3, (unsigned long)x4);

	/* Pre- and post-indexed, with writeback of the base register. */
	base = S + 64 - 8;
	__asm__ volatile("ldr %0, [%1, #8]!" : "=&r"(x3), "+r"(base) :: "memory");
	checkf("ldr-pre-index", x3 == a && base == S + 64, "got 0x%lx base 0x%lx",
	       (unsigned long)x3, (unsigned long)base);
	__asm__ volatile("ldr %0, [%1], #8" : "=&r"(x3), "+r"(base) :: "memory");
	checkf("ldr-post-index", x3 == a && base == S + 72, "got 0x%lx base 0x%lx",
	       (unsigned long)x3, (unsigned long)base);
	__asm__ volatile("ldrb %w0, [%1], #-1" : "=&r"(x3), "+r"(base) :: "memory");
	checkf("ldrb-post-index-negative", x3 == 0x18 && base == S + 71, "got 0x%lx base 0x%lx",
	       (unsigned long)x3, (unsigned long)base);
	base = S + 96;
	__asm__ volatile("str %1, [%0, #-8]!" : "+r"(base) : "r"(0x5555aaaa5555aaaaULL) : "memory");
	checkf("str-pre-index", base == S + 88 && ldr_x(S + 88) == 0x5555aaaa5555aaaaULL,
	       "base 0x%lx", (unsigned long)base);
	__asm__ volatile("str %w1, [%0], #4" : "+r"(base) : "r"(0x12345678ULL) : "memory");
	checkf("str-w-post-index", base == S + 92 && ldr_w(S + 88) == 0x12345678,
	       "base 0x%lx", (unsigned long)base);
	base = S + 48;
	__asm__ volatile("stp %1, %2, [%0, #16]!" : "+r"(base) : "r"(b), "r"(a) : "memory");
	checkf("stp-pre-index", base == S + 64 && ldr_x(S + 64) == b && ldr_x(S + 72) == a,
	       "base 0x%lx", (unsigned long)base);
	__asm__ volatile("ldp %0, %1, [%2], #-16" : "=&r"(x3), "=&r"(x4), "+r"(base) :: "memory");
	checkf("ldp-post-index", x3 == b && x4 == a && base == S + 48, "got 0x%lx 0x%lx base 0x%lx",
	       (unsigned long)x3, (unsigned long)x4, (unsigned long)base);
}

static void check_abort(const char *name, struct fault f, uint64_t addr)
{
	checkf(name, fault_is_sea(&f, addr), "taken %d EC 0x%x DFSC 0x%x FAR 0x%lx",
	       f.taken, f.ec, f.fsc, (unsigned long)f.far);
}

static void check_aborts(void)
{
	uint64_t v, writes = ldr_x(T + TESTDEV_WRITES);

	check_abort("write-ro-id-aborts", probe_write(T + TESTDEV_ID, 4, 0x1234), T + TESTDEV_ID);
	check_abort("write-ro-pattern-aborts", probe_write(P, 8, 0), P);
	check_abort("write-ro-writes-aborts", probe_write(T + TESTDEV_WRITES, 8, 0),
		    T + TESTDEV_WRITES);
	check_eq("write-ro-not-counted", ldr_x(T + TESTDEV_WRITES), writes);
	check_eq("write-ro-id-unchanged", ldr_w(T + TESTDEV_ID), TESTDEV_ID_VALUE);
	check_abort("id-64bit-read-aborts", probe_read(T + TESTDEV_ID, 8, &v), T + TESTDEV_ID);
	check_abort("pattern-inner-read-aborts", probe_read(P + 4, 4, &v), P + 4);
	check_abort("hole-read-aborts", probe_read(T + 0x800, 4, &v), T + 0x800);
	check_abort("hole-write-aborts", probe_write(T + 0x800, 4, 0), T + 0x800);
	check_eq("aborted-writes-not-counted", ldr_x(T + TESTDEV_WRITES), writes);

	/* Device memory would fault here (alignment) before keel sees it. */
	if (!mmu_set_block_type(T, MT_NORMAL_NC)) {
		check("unaligned-remap", false);
		return;
	}
	check_abort("unaligned-read-aborts", probe_read(S + 1, 4, &v), S + 1);
	check_abort("unaligned-write-aborts", probe_write(S + 2, 8, 0), S + 2);
	mmu_set_block_type(T, MT_DEVICE_nGnRE);
}

/*
 * Accesses with one half in RAM and the other in a device, through an alias
 * window of 4 KiB pages (alias.c):
 *   page 0 RAM A, 1 test device, 2 RAM B, 3 PL011, 4 RAM C, 5 an IPA with
 *   nothing there, 6 PL011, 7 not mapped at stage 1.
 * The stage 2 fault is on whichever half is not RAM, so keel must place each
 * half from the base register, not take the fault address as the first
 * half's. Device pages are Normal-NC so nothing faults at stage 1 first.
 */
#define PAGE		0x1000ULL
#define HOLE_IPA	0x0b000000ULL	/* nothing in the VM there */
#define FSC_TRANS_L3	0x07

static uint8_t cross_ram[3][PAGE] __attribute__((aligned(PAGE)));

static uint64_t ram_word(unsigned page, unsigned off)
{
	return *(volatile uint64_t *)&cross_ram[page][off];
}

static void ram_set(unsigned page, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)&cross_ram[page][off] = v;
}

static void check_cross_ram_device(uint64_t W)
{
	const uint64_t a = 0xa0a1a2a3a4a5a6a7ULL, b = 0xb0b1b2b3b4b5b6b7ULL;
	const uint64_t c = 0xc0c1c2c3c4c5c6c7ULL, d = 0xd0d1d2d3d4d5d6d7ULL;
	const uint64_t sentinel = 0x5e5e5e5e5e5e5e5eULL;
	uint64_t x3, x4, base;

	/* RAM A's last 8 bytes, then the test device's SCRATCH[0]. */
	ram_set(0, 0xff8, a);
	str_x(S, b);
	str_x(S + 8, sentinel);
	__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(x3), "=&r"(x4) : "r"(W + 0xff8) : "memory");
	checkf("ldp-ram-then-device", x3 == a && x4 == b, "got 0x%lx 0x%lx",
	       (unsigned long)x3, (unsigned long)x4);
	__asm__ volatile("stp %0, %1, [%2]" :: "r"(c), "r"(d), "r"(W + 0xff8) : "memory");
	checkf("stp-ram-then-device", ram_word(0, 0xff8) == c && ldr_x(S) == d &&
	       ldr_x(S + 8) == sentinel, "RAM 0x%lx device 0x%lx 0x%lx",
	       (unsigned long)ram_word(0, 0xff8), (unsigned long)ldr_x(S),
	       (unsigned long)ldr_x(S + 8));

	/* The base is also the first destination: the address uses the base's old value. */
	x3 = W + 0xff8;
	__asm__ volatile("ldp %0, %1, [%0]" : "+r"(x3), "=&r"(x4) :: "memory");
	checkf("ldp-rt-is-rn-ram-then-device", x3 == c && x4 == d, "got 0x%lx 0x%lx",
	       (unsigned long)x3, (unsigned long)x4);

	/* Writeback forms: the address is the base (+ offset unless post-indexed). */
	base = W + 0x1000;
	__asm__ volatile("ldp %0, %1, [%2, #-8]!" : "=&r"(x3), "=&r"(x4), "+r"(base) :: "memory");
	checkf("ldp-pre-index-ram-then-device", x3 == c && x4 == d && base == W + 0xff8,
	       "got 0x%lx 0x%lx base +0x%lx", (unsigned long)x3, (unsigned long)x4,
	       (unsigned long)(base - W));
	__asm__ volatile("ldp %0, %1, [%2], #16" : "=&r"(x3), "=&r"(x4), "+r"(base) :: "memory");
	checkf("ldp-post-index-ram-then-device", x3 == c && x4 == d && base == W + 0x1008,
	       "got 0x%lx 0x%lx base +0x%lx", (unsigned long)x3, (unsigned long)x4,
	       (unsigned long)(base - W));
	base = W + 0xff0;
	__asm__ volatile("stp %1, %2, [%0, #8]!" : "+r"(base) : "r"(a), "r"(b) : "memory");
	checkf("stp-pre-index-ram-then-device", base == W + 0xff8 && ram_word(0, 0xff8) == a &&
	       ldr_x(S) == b, "base +0x%lx RAM 0x%lx device 0x%lx", (unsigned long)(base - W),
	       (unsigned long)ram_word(0, 0xff8), (unsigned long)ldr_x(S));

	/* PL011 UARTPCellID3 (0xb1) at 0xffc, then RAM C's first word. */
	ram_set(2, 0, 0x0000000012345678ULL);
	__asm__ volatile("mov %0, #-1\n\tmov %1, #-1\n\tldp %w0, %w1, [%2]"
			 : "=&r"(x3), "=&r"(x4) : "r"(W + 0x3ffc) : "memory");
	checkf("ldp-w-device-then-ram", x3 == 0xb1 && x4 == 0x12345678, "got 0x%lx 0x%lx",
	       (unsigned long)x3, (unsigned long)x4);
	__asm__ volatile("stp %w0, %w1, [%2]" :: "r"(0x11111111ULL), "r"(0x87654321ULL),
			 "r"(W + 0x3ffc) : "memory");
	checkf("stp-w-device-then-ram", ram_word(2, 0) == 0x87654321 &&
	       ldr_w(env.uart_base + 0xffc) == 0xb1, "RAM 0x%lx", (unsigned long)ram_word(2, 0));
}

static void check_cross_aborts(uint64_t W)
{
	const uint64_t sentinel = 0x5e5e5e5e5e5e5e5eULL;
	uint64_t x3 = sentinel, x4 = sentinel, v;
	struct fault f;

	/* The test device's hole at 0xff8, then RAM B: nothing is performed. */
	ram_set(1, 0, sentinel);
	expect_fault_begin();
	__asm__ volatile("ldp %0, %1, [%2]" : "+r"(x3), "+r"(x4) : "r"(W + 0x1ff8) : "memory");
	f = expect_fault_end();
	checkf("ldp-device-hole-then-ram-aborts", fault_is_sea(&f, W + 0x1ff8) &&
	       x3 == sentinel && x4 == sentinel, "taken %d DFSC 0x%x FAR +0x%lx x3 0x%lx x4 0x%lx",
	       f.taken, f.fsc, (unsigned long)(f.far - W), (unsigned long)x3, (unsigned long)x4);
	expect_fault_begin();
	__asm__ volatile("stp %0, %1, [%2]" :: "r"(1ULL), "r"(2ULL), "r"(W + 0x1ff8) : "memory");
	f = expect_fault_end();
	checkf("stp-device-hole-then-ram-aborts", fault_is_sea(&f, W + 0x1ff8) &&
	       ram_word(1, 0) == sentinel, "taken %d DFSC 0x%x FAR +0x%lx RAM 0x%lx", f.taken,
	       f.fsc, (unsigned long)(f.far - W), (unsigned long)ram_word(1, 0));

	/* RAM C, then an IPA with nothing there: the second half's abort. */
	expect_fault_begin();
	__asm__ volatile("ldp %0, %1, [%2]" : "+r"(x3), "+r"(x4) : "r"(W + 0x4ff8) : "memory");
	f = expect_fault_end();
	checkf("ldp-ram-then-hole-aborts", fault_is_sea(&f, W + 0x5000) && x3 == sentinel,
	       "taken %d DFSC 0x%x FAR +0x%lx", f.taken, f.fsc, (unsigned long)(f.far - W));

	/* The PL011, then a page the guest's stage 1 does not map: its translation fault. */
	expect_fault_begin();
	__asm__ volatile("ldp %w0, %w1, [%2]" : "+r"(x3), "+r"(x4) : "r"(W + 0x6ffc) : "memory");
	f = expect_fault_end();
	checkf("ldp-device-then-unmapped-translation-fault",
	       f.taken && f.ec == EC_DABT_CUR && f.fsc == FSC_TRANS_L3 && f.far == W + 0x7000 &&
	       x3 == sentinel, "taken %d DFSC 0x%x FAR +0x%lx", f.taken, f.fsc,
	       (unsigned long)(f.far - W));

	/*
	 * One 8-byte register from RAM A's last 4 bytes into the test device: the
	 * syndrome is valid, the fault (FAR) is in the device page, but the access
	 * starts in RAM. A device access across 4 KiB is CONSTRAINED UNPREDICTABLE:
	 * keel's answer is an abort at the access's address.
	 */
	f = probe_read(W + 0xffc, 8, &v);
	checkf("ldr-x-ram-into-device-aborts", fault_is_sea(&f, W + 0xffc),
	       "taken %d DFSC 0x%x FAR +0x%lx value 0x%lx", f.taken, f.fsc,
	       (unsigned long)(f.far - W), (unsigned long)v);
	x3 = sentinel;
	expect_fault_begin();
	__asm__ volatile("ldr %0, [%1, %2]" : "+r"(x3) : "r"(W), "r"(0xffcULL) : "memory");
	f = expect_fault_end();
	checkf("ldr-x-register-offset-ram-into-device-aborts", fault_is_sea(&f, W + 0xffc) &&
	       x3 == sentinel, "taken %d DFSC 0x%x FAR +0x%lx", f.taken, f.fsc,
	       (unsigned long)(f.far - W));
}

static void check_cross_page(void)
{
	const struct alias_page pages[] = {
		{ (uint64_t)(uintptr_t)cross_ram[0], MT_NORMAL },
		{ T, MT_NORMAL_NC },
		{ (uint64_t)(uintptr_t)cross_ram[1], MT_NORMAL },
		{ env.uart_base, MT_NORMAL_NC },
		{ (uint64_t)(uintptr_t)cross_ram[2], MT_NORMAL },
		{ HOLE_IPA, MT_NORMAL_NC },
		{ env.uart_base, MT_NORMAL_NC },
	};
	uint64_t W = alias_map(pages, sizeof(pages) / sizeof(pages[0]));

	if (!W) {
		check("cross-page-alias", false);
		return;
	}
	check_cross_ram_device(W);
	check_cross_aborts(W);
	alias_unmap();
}

/*
 * An 8-byte read at GICD + 0xffc crosses from one 4 KiB page of the 64 KiB
 * distributor window into the next. keel answers (here: an abort, the
 * distributor takes only aligned accesses) and the VM goes on.
 */
static void check_gicd_page_crossing(void)
{
	uint64_t gicd, v;
	struct fault f;

	/* gic_init finds the distributor in the device tree. */
	if (!gic_init()) {
		check("gicd-found", false);
		return;
	}
	gicd = gic_dist_base();
	if (!mmu_set_block_type(gicd, MT_NORMAL_NC)) {
		check("gicd-remap", false);
		return;
	}
	f = probe_read(gicd + 0xffc, 8, &v);
	mmu_set_block_type(gicd, MT_DEVICE_nGnRE);
	checkf("gicd-ffc-read-8-answered", fault_is_sea(&f, gicd + 0xffc),
	       "taken %d DFSC 0x%x FAR 0x%lx value 0x%lx", f.taken, f.fsc, (unsigned long)f.far,
	       (unsigned long)v);
	check_eq("gicd-still-answers", ldr_w(gicd + GICD_IIDR) != 0, 1);
}

static void check_pl011(void)
{
	const uint64_t U = env.uart_base;
	static const uint8_t periph[4] = { 0x11, 0x10, 0x34, 0x00 };
	static const uint8_t cell[4] = { 0x0d, 0xf0, 0x05, 0xb1 };
	uint32_t fr = (uint32_t)ldr_w(U + UART_FR), cr, ris, mis;
	uint64_t v;

	checkf("pl011-fr-txfe", (fr & UART_FR_TXFE) && !(fr & UART_FR_TXFF), "FR 0x%x", fr);
	cr = (uint32_t)ldr_w(U + UART_CR);
	check_eq("pl011-cr-reset", cr, 0x300);
	str_w(U + UART_CR, 0x301);
	check_eq("pl011-cr-readback", ldr_w(U + UART_CR), 0x301);
	str_w(U + UART_CR, cr);

	str_w(U + UART_IMSC, 0x50);
	check_eq("pl011-imsc-readback", ldr_w(U + UART_IMSC), 0x50);
	ris = (uint32_t)ldr_w(U + UART_RIS);
	mis = (uint32_t)ldr_w(U + UART_MIS);
	checkf("pl011-mis", mis == (ris & 0x50), "RIS 0x%x MIS 0x%x", ris, mis);
	str_w(U + UART_IMSC, 0);

	for (unsigned i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pl011-periphid%u", i);
		check_eq(name, ldr_w(U + UART_PERIPHID0 + 4 * i), periph[i]);
		snprintf(name, sizeof(name), "pl011-pcellid%u", i);
		check_eq(name, ldr_w(U + UART_PCELLID0 + 4 * i), cell[i]);
	}
	check_abort("pl011-64bit-aborts", probe_read(U + UART_FR, 8, &v), U + UART_FR);
}

void guest_main(void)
{
	if (env.has_testdev || env.under_keel) {
		T = env.testdev_base;
		S = T + TESTDEV_SCRATCH;
		P = T + TESTDEV_PATTERN;
		check("testdev-in-dt", env.has_testdev);
		check_id();
		check_sizes();
		check_sign_extension();
		check_zero_register();
		check_writes_counter();
		check_no_syndrome_forms();
		check_aborts();
		check_cross_page();
	} else {
		skip("testdev", "no keel,test-device in the device tree");
	}
	check_pl011();
	check_gicd_page_crossing();
}
