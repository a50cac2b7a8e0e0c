// deps: src/arch/aarch64/mmio_decode.c
/*
 * Decoding of trapped data accesses: syndrome, instruction words, load results.
 *
 * Instruction words were assembled with aarch64-linux-gnu-as (binutils 2.40)
 * and read back with objdump; the text next to each is the disassembly.
 * The decoder is also checked against objdump's disassembly of about a
 * million words on every `make unit` (tests/unit/decoder_objdump.py); the
 * counts in test_decode_opcode_space pin the size of the accepted set here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/esr.h>
#include <keel/mmio_decode.h>

#define TEST_IPA 0x09000000ULL

/* ---------------------------------------------------------------- tables */

struct insn_case {
	uint32_t insn;
	unsigned size;
	bool write, sext, sf;
	unsigned rt;
	bool pair;
	unsigned rt2;
	unsigned rn;
	bool wb;
	int64_t off;
	const char *text;
};

#define LD false
#define ST true
#define ZX false
#define SX true
#define W false
#define X true
#define NOWB false
#define WB true

#define ONE(i, sz, dir, ext, reg, t, n, wback, o, txt) \
	{ i, sz, dir, ext, reg, t, false, 0, n, wback, o, txt }
#define PAIR(i, sz, dir, ext, reg, t, t2, n, wback, o, txt) \
	{ i, sz, dir, ext, reg, t, true, t2, n, wback, o, txt }

static const struct insn_case supported[] = {
	/* unsigned offset */
	ONE(0xf9400041, 8, LD, ZX, X, 1, 2, NOWB, 0, "ldr x1, [x2]"),
	ONE(0xb9400441, 4, LD, ZX, W, 1, 2, NOWB, 0, "ldr w1, [x2, #4]"),
	ONE(0xf97ffc83, 8, LD, ZX, X, 3, 4, NOWB, 0, "ldr x3, [x4, #32760]"),
	ONE(0xf90004c5, 8, ST, ZX, X, 5, 6, NOWB, 0, "str x5, [x6, #8]"),
	ONE(0xb9000107, 4, ST, ZX, W, 7, 8, NOWB, 0, "str w7, [x8]"),
	ONE(0x393ffd49, 1, ST, ZX, W, 9, 10, NOWB, 0, "strb w9, [x10, #4095]"),
	ONE(0x7900058b, 2, ST, ZX, W, 11, 12, NOWB, 0, "strh w11, [x12, #2]"),
	ONE(0x394001cd, 1, LD, ZX, W, 13, 14, NOWB, 0, "ldrb w13, [x14]"),
	ONE(0x797ffe0f, 2, LD, ZX, W, 15, 16, NOWB, 0, "ldrh w15, [x16, #8190]"),
	ONE(0x39800251, 1, LD, SX, X, 17, 18, NOWB, 0, "ldrsb x17, [x18]"),
	ONE(0x39c00693, 1, LD, SX, W, 19, 20, NOWB, 0, "ldrsb w19, [x20, #1]"),
	ONE(0x798002d5, 2, LD, SX, X, 21, 22, NOWB, 0, "ldrsh x21, [x22]"),
	ONE(0x79c00f17, 2, LD, SX, W, 23, 24, NOWB, 0, "ldrsh w23, [x24, #6]"),
	ONE(0xb9800759, 4, LD, SX, X, 25, 26, NOWB, 0, "ldrsw x25, [x26, #4]"),
	ONE(0xf940001f, 8, LD, ZX, X, 31, 0, NOWB, 0, "ldr xzr, [x0]"),
	ONE(0xf900003f, 8, ST, ZX, X, 31, 1, NOWB, 0, "str xzr, [x1]"),
	ONE(0xb90007ff, 4, ST, ZX, W, 31, 31, NOWB, 0, "str wzr, [sp, #4]"),
	ONE(0xf94003e0, 8, LD, ZX, X, 0, 31, NOWB, 0, "ldr x0, [sp]"),
	ONE(0xf9400bbe, 8, LD, ZX, X, 30, 29, NOWB, 0, "ldr x30, [x29, #16]"),
	/* pre-index, post-index */
	ONE(0xf8408c41, 8, LD, ZX, X, 1, 2, WB, 8, "ldr x1, [x2, #8]!"),
	ONE(0xf85f8441, 8, LD, ZX, X, 1, 2, WB, -8, "ldr x1, [x2], #-8"),
	ONE(0xb8100c83, 4, ST, ZX, W, 3, 4, WB, -256, "str w3, [x4, #-256]!"),
	ONE(0xb80ff483, 4, ST, ZX, W, 3, 4, WB, 255, "str w3, [x4], #255"),
	ONE(0x384014c5, 1, LD, ZX, W, 5, 6, WB, 1, "ldrb w5, [x6], #1"),
	ONE(0x381ffcc5, 1, ST, ZX, W, 5, 6, WB, -1, "strb w5, [x6, #-1]!"),
	ONE(0xb8804507, 4, LD, SX, X, 7, 8, WB, 4, "ldrsw x7, [x8], #4"),
	ONE(0x78dfed49, 2, LD, SX, W, 9, 10, WB, -2, "ldrsh w9, [x10, #-2]!"),
	ONE(0xf85f0fe0, 8, LD, ZX, X, 0, 31, WB, -16, "ldr x0, [sp, #-16]!"),
	ONE(0xf80107fe, 8, ST, ZX, X, 30, 31, WB, 16, "str x30, [sp], #16"),
	ONE(0x38980d8b, 1, LD, SX, X, 11, 12, WB, -128, "ldrsb x11, [x12, #-128]!"),
	ONE(0x785fe5cd, 2, LD, ZX, W, 13, 14, WB, -2, "ldrh w13, [x14], #-2"),
	ONE(0xf84087ff, 8, LD, ZX, X, 31, 31, WB, 8, "ldr xzr, [sp], #8"),
	ONE(0xb81fcfff, 4, ST, ZX, W, 31, 31, WB, -4, "str wzr, [sp, #-4]!"),
	/* unscaled immediate */
	ONE(0xf85f8041, 8, LD, ZX, X, 1, 2, NOWB, 0, "ldur x1, [x2, #-8]"),
	ONE(0xb8001083, 4, ST, ZX, W, 3, 4, NOWB, 0, "stur w3, [x4, #1]"),
	ONE(0x385ff0c5, 1, LD, ZX, W, 5, 6, NOWB, 0, "ldurb w5, [x6, #-1]"),
	ONE(0x38803107, 1, LD, SX, X, 7, 8, NOWB, 0, "ldursb x7, [x8, #3]"),
	ONE(0x78dfd149, 2, LD, SX, W, 9, 10, NOWB, 0, "ldursh w9, [x10, #-3]"),
	ONE(0xb88ff18b, 4, LD, SX, X, 11, 12, NOWB, 0, "ldursw x11, [x12, #255]"),
	ONE(0x781001cd, 2, ST, ZX, W, 13, 14, NOWB, 0, "sturh w13, [x14, #-256]"),
	ONE(0x380073ff, 1, ST, ZX, W, 31, 31, NOWB, 0, "sturb wzr, [sp, #7]"),
	/* register offset */
	ONE(0xf8636841, 8, LD, ZX, X, 1, 2, NOWB, 0, "ldr x1, [x2, x3]"),
	ONE(0xf8637841, 8, LD, ZX, X, 1, 2, NOWB, 0, "ldr x1, [x2, x3, lsl #3]"),
	ONE(0xb8634841, 4, LD, ZX, W, 1, 2, NOWB, 0, "ldr w1, [x2, w3, uxtw]"),
	ONE(0xb863d841, 4, LD, ZX, W, 1, 2, NOWB, 0, "ldr w1, [x2, w3, sxtw #2]"),
	ONE(0x38636841, 1, LD, ZX, W, 1, 2, NOWB, 0, "ldrb w1, [x2, x3]"),
	ONE(0x38637841, 1, LD, ZX, W, 1, 2, NOWB, 0, "ldrb w1, [x2, x3, lsl #0]"),
	ONE(0x78235841, 2, ST, ZX, W, 1, 2, NOWB, 0, "strh w1, [x2, w3, uxtw #1]"),
	ONE(0xb8a3f841, 4, LD, SX, X, 1, 2, NOWB, 0, "ldrsw x1, [x2, x3, sxtx #2]"),
	ONE(0xf8216821, 8, ST, ZX, X, 1, 1, NOWB, 0, "str x1, [x1, x1]"),
	ONE(0x78e6c8a4, 2, LD, SX, W, 4, 5, NOWB, 0, "ldrsh w4, [x5, w6, sxtw]"),
	ONE(0x38a66be4, 1, LD, SX, X, 4, 31, NOWB, 0, "ldrsb x4, [sp, x6]"),
	/* pairs */
	PAIR(0xa9400861, 8, LD, ZX, X, 1, 2, 3, NOWB, 0, "ldp x1, x2, [x3]"),
	PAIR(0xa9410861, 8, LD, ZX, X, 1, 2, 3, NOWB, 0, "ldp x1, x2, [x3, #16]"),
	PAIR(0x297f0861, 4, LD, ZX, W, 1, 2, 3, NOWB, 0, "ldp w1, w2, [x3, #-8]"),
	PAIR(0xa9bf7bfd, 8, ST, ZX, X, 29, 30, 31, WB, -16, "stp x29, x30, [sp, #-16]!"),
	PAIR(0xa8c17bfd, 8, LD, ZX, X, 29, 30, 31, WB, 16, "ldp x29, x30, [sp], #16"),
	PAIR(0x291f8861, 4, ST, ZX, W, 1, 2, 3, NOWB, 0, "stp w1, w2, [x3, #252]"),
	PAIR(0xa9df8861, 8, LD, ZX, X, 1, 2, 3, WB, 504, "ldp x1, x2, [x3, #504]!"),
	PAIR(0xa9600861, 8, LD, ZX, X, 1, 2, 3, NOWB, 0, "ldp x1, x2, [x3, #-512]"),
	PAIR(0x69410861, 4, LD, SX, X, 1, 2, 3, NOWB, 0, "ldpsw x1, x2, [x3, #8]"),
	PAIR(0x68ff8861, 4, LD, SX, X, 1, 2, 3, WB, -4, "ldpsw x1, x2, [x3], #-4"),
	PAIR(0xa8410861, 8, LD, ZX, X, 1, 2, 3, NOWB, 0, "ldnp x1, x2, [x3, #16]"),
	PAIR(0x28000861, 4, ST, ZX, W, 1, 2, 3, NOWB, 0, "stnp w1, w2, [x3]"),
	PAIR(0xa9007c1f, 8, ST, ZX, X, 31, 31, 0, NOWB, 0, "stp xzr, xzr, [x0]"),
	PAIR(0xa9000441, 8, ST, ZX, X, 1, 1, 2, NOWB, 0, "stp x1, x1, [x2]"),
	PAIR(0x28e018e5, 4, LD, ZX, W, 5, 6, 7, WB, -256, "ldp w5, w6, [x7], #-256"),
	PAIR(0xa9000821, 8, ST, ZX, X, 1, 2, 1, NOWB, 0, "stp x1, x2, [x1]"),
	PAIR(0xa9ff87e0, 8, LD, ZX, X, 0, 1, 31, WB, -8, "ldp x0, x1, [sp, #-8]!"),
};

struct insn_word {
	uint32_t insn;
	const char *text;
};

/* Valid instructions keel does not emulate. */
static const struct insn_word unsupported[] = {
	{ 0x3dc00020, "ldr q0, [x1]" },
	{ 0xfd400420, "ldr d0, [x1, #8]" },
	{ 0xbd000420, "str s0, [x1, #4]" },
	{ 0x3d400020, "ldr b0, [x1]" },
	{ 0x7c002420, "str h0, [x1], #2" },
	{ 0x3cdff041, "ldur q1, [x2, #-1]" },
	{ 0xfc646862, "ldr d2, [x3, x4]" },
	{ 0xad400420, "ldp q0, q1, [x1]" },
	{ 0x6dc10420, "ldp d0, d1, [x1, #16]!" },
	{ 0x2d000420, "stp s0, s1, [x1]" },
	{ 0xac400420, "ldnp q0, q1, [x1]" },
	{ 0xc85f7c20, "ldxr x0, [x1]" },
	{ 0xc8027c20, "stxr w2, x0, [x1]" },
	{ 0x085f7c20, "ldxrb w0, [x1]" },
	{ 0xc87f8440, "ldaxp x0, x1, [x2]" },
	{ 0xc8dffc20, "ldar x0, [x1]" },
	{ 0x889ffc20, "stlr w0, [x1]" },
	{ 0x089ffc20, "stlrb w0, [x1]" },
	{ 0xf8bfc020, "ldapr x0, [x1]" },
	{ 0x99404020, "ldapur w0, [x1, #4]" },
	{ 0xd91f8020, "stlur x0, [x1, #-8]" },
	{ 0xf8200041, "ldadd x0, x1, [x2]" },
	{ 0xb8e00041, "ldaddal w0, w1, [x2]" },
	{ 0xf8208041, "swp x0, x1, [x2]" },
	{ 0xc8a07c41, "cas x0, x1, [x2]" },
	{ 0x48207c82, "casp x0, x1, x2, x3, [x4]" },
	{ 0xb820003f, "stadd w0, [x1]" },
	{ 0x58000320, "ldr x0, lit" },
	{ 0x98000300, "ldrsw x0, lit" },
	{ 0xf9800000, "prfm pldl1keep, [x0]" },
	{ 0xf8801000, "prfum pldl1keep, [x0, #1]" },
	{ 0xf8a16800, "prfm pldl1keep, [x0, x1]" },
	{ 0xf8400820, "ldtr x0, [x1]" },
	{ 0x38004820, "sttrb w0, [x1, #4]" },
	{ 0xb8800820, "ldtrsw x0, [x1]" },
	{ 0xf8200420, "ldraa x0, [x1]" },
	{ 0xf8a01c20, "ldrab x0, [x1, #8]!" },
	{ 0xd9200820, "stg x0, [x1]" },
	{ 0x69000440, "stgp x0, x1, [x2]" },
	{ 0x69808440, "stgp x0, x1, [x2, #16]!" },
	{ 0xd9600020, "ldg x0, [x1]" },
	{ 0xd9a01820, "st2g x0, [x1, #16]" },
	{ 0x4c407000, "ld1 {v0.16b}, [x0]" },
	{ 0x4c9fa800, "st1 {v0.4s, v1.4s}, [x0], #32" },
	{ 0xf83fd020, "ld64b x0, [x1]" },
	{ 0xf83f9020, "st64b x0, [x1]" },
	{ 0x1d010440, "cpyp [x0]!, [x1]!, x2!" },
	{ 0x19c20420, "setp [x0]!, x1!, x2" },
	{ 0x8b020020, "add x0, x1, x2" },
	{ 0xd503201f, "nop" },
	{ 0xd5380000, "mrs x0, midr_el1" },
	{ 0x14000000, "b ." },
	{ 0x00000000, "udf #0" },
	{ 0xffffffff, "(unallocated)" },
	{ 0xb9c00041, "(unallocated: size 2, opc 3, unsigned offset)" },
	{ 0xf9c00041, "(unallocated: size 3, opc 3, unsigned offset)" },
	{ 0xf8630841, "(unallocated: register offset, option 0b000)" },
	{ 0xf8632841, "(unallocated: register offset, option 0b001)" },
	{ 0xf8638841, "(unallocated: register offset, option 0b100)" },
	{ 0xe9400861, "(unallocated: ldp, opc 3)" },
	{ 0x68400861, "(unallocated: ldnp, opc 1)" },
};

/* CONSTRAINED UNPREDICTABLE forms (gas warns about each). */
static const struct insn_word unpredictable[] = {
	{ 0xf8408c21, "ldr x1, [x1, #8]!" },
	{ 0xf8008442, "str x2, [x2], #8" },
	{ 0x38401c63, "ldrb w3, [x3, #1]!" },
	{ 0xa9400441, "ldp x1, x1, [x2]" },
	{ 0xa8400441, "ldnp x1, x1, [x2]" },
	{ 0x69410c83, "ldpsw x3, x3, [x4, #8]" },
	{ 0xa8c10821, "ldp x1, x2, [x1], #16" },
	{ 0xa9bf0841, "stp x1, x2, [x2, #-16]!" },
	{ 0xa94003e0, "ldp x0, x0, [sp]" },
};

/* ---------------------------------------------------------------- helpers */

static void fill_junk(struct mmio_access *a)
{
	memset(a, 0xa5, sizeof(*a));
	a->ipa = TEST_IPA;
}

static void check_case(const struct insn_case *c)
{
	struct mmio_access a;

	fill_junk(&a);
	if (mmio_decode_insn(c->insn, &a) != 0)
		fail_msg("%08x %s: not decoded", c->insn, c->text);
	if (a.size != c->size || a.write != c->write || a.sign_extend != c->sext ||
	    a.sf != c->sf || a.rt != c->rt || a.pair != c->pair || a.rn != c->rn ||
	    a.writeback != c->wb || a.wb_offset != c->off || a.ipa != TEST_IPA ||
	    (c->pair && a.rt2 != c->rt2))
		fail_msg("%08x %s: size %u write %d sext %d sf %d rt %u pair %d rt2 %u rn %u wb %d off %lld",
			 c->insn, c->text, a.size, a.write, a.sign_extend, a.sf, a.rt, a.pair,
			 a.rt2, a.rn, a.writeback, (long long)a.wb_offset);
}

/* A failed decode must leave the caller's struct exactly as it was. */
static void check_rejected(const struct insn_word *w)
{
	struct mmio_access a, before;
	int ret;

	fill_junk(&a);
	memcpy(&before, &a, sizeof(a));
	ret = mmio_decode_insn(w->insn, &a);
	if (ret != KE_NOTSUP)
		fail_msg("%08x %s: returned %d, want KE_NOTSUP", w->insn, w->text, ret);
	assert_memory_equal(&a, &before, sizeof(a));
}

/* Invariants of any successful decode, whatever the input word. */
static void check_invariants(uint32_t insn, const struct mmio_access *a)
{
	if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
		fail_msg("%08x: size %u", insn, a->size);
	if (a->rt > 31 || a->rn > 31 || (a->pair && a->rt2 > 31))
		fail_msg("%08x: register out of range", insn);
	if (a->write && a->sign_extend)
		fail_msg("%08x: store with sign extension", insn);
	if (a->pair && a->size < 4)
		fail_msg("%08x: pair of %u-byte elements", insn, a->size);
	if (!a->writeback && a->wb_offset != 0)
		fail_msg("%08x: offset without writeback", insn);
	if (a->writeback && a->rn != 31 && (a->rn == a->rt || (a->pair && a->rn == a->rt2)))
		fail_msg("%08x: unpredictable writeback accepted", insn);
	if (a->pair && !a->write && a->rt == a->rt2)
		fail_msg("%08x: unpredictable pair load accepted", insn);
	if (a->sf && a->size == 8 && a->sign_extend)
		fail_msg("%08x: 64-bit sign-extending load", insn);
	if (!a->sf && a->size == 8)
		fail_msg("%08x: 8-byte access to a W register", insn);
	if (a->ipa != TEST_IPA)
		fail_msg("%08x: ipa changed", insn);
}

/* ---------------------------------------------------------------- mmio_decode_insn */

static void test_decode_supported(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(supported); i++)
		check_case(&supported[i]);
}

static void test_decode_unsupported(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
		check_rejected(&unsupported[i]);
}

static void test_decode_unpredictable(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(unpredictable); i++)
		check_rejected(&unpredictable[i]);
}

/* Writeback with rt == rn is fine when rn is SP: rt 31 is then XZR, another register. */
static void test_decode_sp_vs_zr(void **state)
{
	struct mmio_access a;

	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0xf84087ff, &a), 0);   /* ldr xzr, [sp], #8 */
	assert_int_equal(a.rt, 31);
	assert_int_equal(a.rn, 31);
	assert_true(a.writeback);
	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0xa9bf7fff, &a), 0);   /* stp xzr, xzr, [sp, #-16]! */
	assert_true(a.pair && a.write && a.writeback);
	assert_int_equal(a.wb_offset, -16);
	/* With base x30, rt 31 is still a different register; rt 30 is not. */
	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0xf84087df, &a), 0);   /* ldr xzr, [x30], #8 */
	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0xf84087de, &a), KE_NOTSUP); /* ldr x30, [x30], #8 */
}

/* Immediate extremes of every writeback form. */
static void test_decode_offsets(void **state)
{
	static const struct { uint32_t insn; int64_t off; const char *text; } cases[] = {
		{ 0xf8500c41, -256, "ldr x1, [x2, #-256]!" },
		{ 0xf80ff441, 255, "str x1, [x2], #255" },
		{ 0xa9e00861, -512, "ldp x1, x2, [x3, #-512]!" },
		{ 0xa8df8861, 504, "ldp x1, x2, [x3], #504" },
		{ 0x29e00861, -256, "ldp w1, w2, [x3, #-256]!" },
		{ 0x28df8861, 252, "ldp w1, w2, [x3], #252" },
		{ 0x69e00861, -256, "ldpsw x1, x2, [x3, #-256]!" },
	};
	struct mmio_access a;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fill_junk(&a);
		if (mmio_decode_insn(cases[i].insn, &a) != 0 || !a.writeback ||
		    a.wb_offset != cases[i].off)
			fail_msg("%08x %s", cases[i].insn, cases[i].text);
	}
}

/*
 * Every combination of the opcode bits [31:21] and [15:10] with fixed
 * register fields: invariants hold, and the number of accepted words is the
 * one cross-checked against objdump.
 */
static unsigned count_opcode_space(unsigned rt, unsigned rn, unsigned mid)
{
	unsigned ok = 0;

	for (uint32_t hi = 0; hi < (1u << 11); hi++)
		for (uint32_t lo = 0; lo < (1u << 6); lo++) {
			uint32_t insn = hi << 21 | mid << 16 | lo << 10 | rn << 5 | rt;
			struct mmio_access a;

			fill_junk(&a);
			if (mmio_decode_insn(insn, &a) == 0) {
				check_invariants(insn, &a);
				ok++;
			}
		}
	return ok;
}

static void test_decode_opcode_space(void **state)
{
	assert_int_equal(count_opcode_space(1, 2, 3), 4740);
	assert_int_equal(count_opcode_space(5, 5, 5), 3108);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng_next(void)
{
	/* xorshift64*: deterministic, so failures reproduce. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static void fuzz_words(unsigned n, uint32_t force_mask, uint32_t force_value)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t insn = (rng_next() & ~force_mask) | force_value;
		struct mmio_access a, before;
		int ret;

		fill_junk(&a);
		memcpy(&before, &a, sizeof(a));
		ret = mmio_decode_insn(insn, &a);
		if (ret == 0)
			check_invariants(insn, &a);
		else if (ret != KE_NOTSUP || memcmp(&a, &before, sizeof(a)) != 0)
			fail_msg("%08x: ret %d or struct modified on failure", insn, ret);
	}
}

static void test_decode_fuzz(void **state)
{
	fuzz_words(1000000, 0, 0);
	/* Biased towards the single-register and pair classes. */
	fuzz_words(500000, 0x3a000000, 0x38000000);
	fuzz_words(500000, 0x3a000000, 0x28000000);
}

/* ---------------------------------------------------------------- addresses */

#define BASE  0x40001000ULL

/* The address of the first transfer, for every addressing form, from the base and index values. */
static void test_access_va(void **state)
{
	static const struct { uint32_t insn; uint64_t base, index, va; const char *text; } cases[] = {
		{ 0xf9400041, BASE, 0, BASE, "ldr x1, [x2]" },
		{ 0xb9400441, BASE, 0, BASE + 4, "ldr w1, [x2, #4]" },
		{ 0xf97ffc83, BASE, 0, BASE + 32760, "ldr x3, [x4, #32760]" },
		{ 0x393ffd49, BASE, 0, BASE + 4095, "strb w9, [x10, #4095]" },
		{ 0x797ffe0f, BASE, 0, BASE + 8190, "ldrh w15, [x16, #8190]" },
		{ 0xf8408c41, BASE, 0, BASE + 8, "ldr x1, [x2, #8]!" },
		{ 0xf85f8441, BASE, 0, BASE, "ldr x1, [x2], #-8" },
		{ 0xb8100c83, BASE, 0, BASE - 256, "str w3, [x4, #-256]!" },
		{ 0xb80ff483, BASE, 0, BASE, "str w3, [x4], #255" },
		{ 0xf85f8041, BASE, 0, BASE - 8, "ldur x1, [x2, #-8]" },
		{ 0xb88ff18b, BASE, 0, BASE + 255, "ldursw x11, [x12, #255]" },
		{ 0xf8636841, BASE, 0x10, BASE + 0x10, "ldr x1, [x2, x3]" },
		{ 0xf8637841, BASE, 0x10, BASE + 0x80, "ldr x1, [x2, x3, lsl #3]" },
		{ 0xb8634841, BASE, 0xffffffff00000010ULL, BASE + 0x10, "ldr w1, [x2, w3, uxtw]" },
		{ 0xb863d841, BASE, 0x00000000fffffffcULL, BASE - 16, "ldr w1, [x2, w3, sxtw #2]" },
		{ 0xb8a3f841, BASE, (uint64_t)-2, BASE - 8, "ldrsw x1, [x2, x3, sxtx #2]" },
		{ 0x78235841, BASE, 0x100000003ULL, BASE + 6, "strh w1, [x2, w3, uxtw #1]" },
		{ 0x38637841, BASE, 5, BASE + 5, "ldrb w1, [x2, x3, lsl #0]" },
		{ 0xa9410861, BASE, 0, BASE + 16, "ldp x1, x2, [x3, #16]" },
		{ 0x297f0861, BASE, 0, BASE - 8, "ldp w1, w2, [x3, #-8]" },
		{ 0xa9bf7bfd, BASE, 0, BASE - 16, "stp x29, x30, [sp, #-16]!" },
		{ 0xa8c17bfd, BASE, 0, BASE, "ldp x29, x30, [sp], #16" },
		{ 0x68ff8861, BASE, 0, BASE, "ldpsw x1, x2, [x3], #-4" },
		{ 0xa8410861, BASE, 0, BASE + 16, "ldnp x1, x2, [x3, #16]" },
		{ 0xf9400041, 0xfffffffffffffff8ULL, 0, 0xfffffffffffffff8ULL, "ldr x1, [x2] (top)" },
		{ 0xf8408c41, 0xfffffffffffffffcULL, 0, 4, "ldr x1, [x2, #8]! (wraps)" },
	};
	struct mmio_access a;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t va;

		fill_junk(&a);
		if (mmio_decode_insn(cases[i].insn, &a) != 0)
			fail_msg("%08x %s: not decoded", cases[i].insn, cases[i].text);
		va = mmio_access_va(&a, cases[i].base, cases[i].index);
		if (va != cases[i].va)
			fail_msg("%08x %s: va 0x%llx, want 0x%llx", cases[i].insn, cases[i].text,
				 (unsigned long long)va, (unsigned long long)cases[i].va);
	}
}

static struct mmio_access decoded(uint32_t insn)
{
	struct mmio_access a;

	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(insn, &a), 0);
	return a;
}

/*
 * The fault belongs to whichever transfer is in FAR's page: an LDP whose first
 * half is in RAM faults on its second half, and the fault IPA is that half's.
 */
static void test_plan_pair_ram_then_device(void **state)
{
	struct mmio_access a = decoded(0xa9400861);   /* ldp x1, x2, [x3] */
	struct mmio_xfer x[MMIO_MAX_XFERS];
	uint64_t va = 0x7fc0000ff8ULL, far = 0x7fc0001000ULL;

	assert_true(mmio_plan_transfers(&a, va, far, 0x0a000000ULL, x));
	assert_int_equal(x[0].va, va);
	assert_false(x[0].ipa_known);              /* RAM: the caller translates it */
	assert_false(x[0].crosses_page);
	assert_int_equal(x[1].va, va + 8);
	assert_true(x[1].ipa_known);
	assert_int_equal(x[1].ipa, 0x0a000000ULL);
	assert_false(x[1].crosses_page);
}

static void test_plan_pair_device_then_ram(void **state)
{
	struct mmio_access a = decoded(0x29400861);   /* ldp w1, w2, [x3] */
	struct mmio_xfer x[MMIO_MAX_XFERS];
	uint64_t va = 0x7fc0003ffcULL;

	assert_true(mmio_plan_transfers(&a, va, va, 0x09000ffcULL, x));
	assert_true(x[0].ipa_known);
	assert_int_equal(x[0].ipa, 0x09000ffcULL);
	assert_false(x[1].ipa_known);
	assert_int_equal(x[1].va, 0x7fc0004000ULL);
}

/* Both halves in the fault's page: both IPAs come from it, 8 bytes apart. */
static void test_plan_pair_one_page(void **state)
{
	struct mmio_access a = decoded(0xa9400861);   /* ldp x1, x2, [x3] */
	struct mmio_xfer x[MMIO_MAX_XFERS];

	assert_true(mmio_plan_transfers(&a, 0x0a000040ULL, 0x0a000048ULL, 0x0a000048ULL, x));
	assert_true(x[0].ipa_known && x[1].ipa_known);
	assert_int_equal(x[0].ipa, 0x0a000040ULL);
	assert_int_equal(x[1].ipa, 0x0a000048ULL);
}

/* One transfer across a page (GICD + 0xffc, 8 bytes): flagged, so keel aborts it. */
static void test_plan_single_crossing(void **state)
{
	struct mmio_access a = decoded(0xf9400041);   /* ldr x1, [x2] */
	struct mmio_xfer x[MMIO_MAX_XFERS];

	assert_true(mmio_plan_transfers(&a, 0x08000ffcULL, 0x08000ffcULL, 0x08000ffcULL, x));
	assert_true(x[0].crosses_page);
	/* The same access reported at the second page (FAR in the device, start in RAM). */
	assert_true(mmio_plan_transfers(&a, 0x7fc0000ffcULL, 0x7fc0001000ULL, 0x0a000000ULL, x));
	assert_true(x[0].crosses_page);
	assert_true(mmio_plan_transfers(&a, 0x08000ff8ULL, 0x08000ff8ULL, 0x08000ff8ULL, x));
	assert_false(x[0].crosses_page);
}

/* FAR outside the decoded access: the instruction is not the one that faulted. */
static void test_plan_far_outside(void **state)
{
	struct mmio_access a = decoded(0xa9400861);   /* ldp x1, x2, [x3] */
	struct mmio_xfer x[MMIO_MAX_XFERS];

	assert_false(mmio_plan_transfers(&a, 0x1000, 0x1010, 0x1010, x));
	assert_false(mmio_plan_transfers(&a, 0x1000, 0xfff, 0xfff, x));
	assert_true(mmio_plan_transfers(&a, 0x1000, 0x100f, 0x100f, x));
	/* Wrapping at the top of the address space. */
	assert_true(mmio_plan_transfers(&a, 0xfffffffffffffff8ULL, 0x4, 0x4, x));
	/* A tag in bits [63:56] of the base that FAR does not carry. */
	assert_true(mmio_plan_transfers(&a, 0x5a00000000001ff8ULL, 0x2000, 0x0a000000ULL, x));
	assert_true(x[1].ipa_known && !x[0].ipa_known);
}

static void test_far_is_whole_access(void **state)
{
	/* May have begun in the previous page: FAR within the first size - 1 bytes. */
	assert_true(mmio_far_is_whole_access(0x1000, 1));   /* a byte never crosses */
	assert_false(mmio_far_is_whole_access(0x1000, 2));
	assert_true(mmio_far_is_whole_access(0x1001, 2));
	assert_false(mmio_far_is_whole_access(0x1002, 4));
	assert_true(mmio_far_is_whole_access(0x1003, 4));
	assert_false(mmio_far_is_whole_access(0x1000, 8));
	assert_false(mmio_far_is_whole_access(0x1006, 8));
	assert_true(mmio_far_is_whole_access(0x1007, 8));
	/* Crosses into the next page. */
	assert_false(mmio_far_is_whole_access(0x1ffc, 8));   /* GICD + 0xffc */
	assert_false(mmio_far_is_whole_access(0x1fff, 2));
	assert_true(mmio_far_is_whole_access(0x1ff8, 8));
	assert_true(mmio_far_is_whole_access(0x1fff, 1));
	assert_true(mmio_far_is_whole_access(0x1018, 4));    /* UARTFR: the hot path */
}

/* ---------------------------------------------------------------- mmio_decode_syndrome */

#define DABT_LOW ((uint64_t)ESR_EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL)

static void test_syndrome_all_fields(void **state)
{
	for (unsigned sas = 0; sas < 4; sas++)
	for (unsigned sse = 0; sse < 2; sse++)
	for (unsigned sf = 0; sf < 2; sf++)
	for (unsigned wnr = 0; wnr < 2; wnr++)
	for (unsigned srt = 0; srt < 32; srt++) {
		uint64_t esr = DABT_LOW | ESR_ISS_DABT_ISV |
			       (uint64_t)sas << ESR_ISS_DABT_SAS_SHIFT |
			       (sse ? ESR_ISS_DABT_SSE : 0) | (sf ? ESR_ISS_DABT_SF : 0) |
			       (wnr ? ESR_ISS_DABT_WnR : 0) |
			       (uint64_t)srt << ESR_ISS_DABT_SRT_SHIFT | (ESR_FSC_TRANS_L0 + 3);
		struct mmio_access a;

		fill_junk(&a);
		assert_true(mmio_decode_syndrome(esr, &a));
		assert_int_equal(a.size, 1u << sas);
		assert_int_equal(a.sign_extend, sse);
		assert_int_equal(a.sf, sf);
		assert_int_equal(a.write, wnr);
		assert_int_equal(a.rt, srt);
		assert_false(a.pair);
		assert_false(a.writeback);
		assert_int_equal(a.wb_offset, 0);
		assert_true(a.rn <= 31);
		assert_int_equal(a.ipa, TEST_IPA);
	}
}

static void test_syndrome_isv_clear(void **state)
{
	struct mmio_access a, before;

	fill_junk(&a);
	memcpy(&before, &a, sizeof(a));
	/* "ldp x1, x2, [x3]" faulting: no syndrome, only DFSC. */
	assert_false(mmio_decode_syndrome(DABT_LOW | (ESR_FSC_TRANS_L0 + 3), &a));
	/* Every syndrome field set but ISV. */
	assert_false(mmio_decode_syndrome(~(uint64_t)ESR_ISS_DABT_ISV, &a));
	assert_memory_equal(&a, &before, sizeof(a));
}

/* Syndromes the hardware reports for some common accesses (cf. supported[]). */
static void test_syndrome_real(void **state)
{
	static const struct {
		uint64_t esr;
		unsigned size;
		bool write, sext, sf;
		unsigned rt;
		const char *text;
	} cases[] = {
		{ 0x93810007, 4, false, false, false, 1,  "ldr w1, [x2]" },
		{ 0x93c18007, 8, false, false, true,  1,  "ldr x1, [x2]" },
		{ 0x93c58047, 8, true,  false, true,  5,  "str x5, [x6, #8]" },
		{ 0x931f0047, 1, true,  false, false, 31, "strb wzr, [x0]" },
		{ 0x93318007, 1, false, true,  true,  17, "ldrsb x17, [x18]" },
		{ 0x93330007, 1, false, true,  false, 19, "ldrsb w19, [x20, #1]" },
		{ 0x934f0007, 2, false, false, false, 15, "ldrh w15, [x16]" },
		{ 0x93b98007, 4, false, true,  true,  25, "ldrsw x25, [x26, #4]" },
		{ 0x93df8007, 8, false, false, true,  31, "ldr xzr, [x0]" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mmio_access a;

		fill_junk(&a);
		assert_true(mmio_decode_syndrome(cases[i].esr, &a));
		if (a.size != cases[i].size || a.write != cases[i].write ||
		    a.sign_extend != cases[i].sext || a.sf != cases[i].sf || a.rt != cases[i].rt)
			fail_msg("%s: size %u write %d sext %d sf %d rt %u", cases[i].text,
				 a.size, a.write, a.sign_extend, a.sf, a.rt);
	}
}

/* ---------------------------------------------------------------- mmio_load_result */

static uint64_t load(unsigned size, bool sext, bool sf, uint64_t raw)
{
	struct mmio_access a = { .size = size, .sign_extend = sext, .sf = sf };

	return mmio_load_result(&a, raw);
}

static void test_load_result(void **state)
{
	/* LDRB/LDRH/LDR W/LDR X: zero extension, truncation of stray high bits. */
	assert_int_equal(load(1, false, false, 0x1ff), 0xff);
	assert_int_equal(load(1, false, false, 0x80), 0x80);
	assert_int_equal(load(2, false, false, 0xdead8001), 0x8001);
	assert_int_equal(load(4, false, false, 0x180000000ULL), 0x80000000);
	assert_int_equal(load(8, false, true, ~0ULL), ~0ULL);
	assert_int_equal(load(8, false, true, 0x8090a0b0c0d0e0f0ULL), 0x8090a0b0c0d0e0f0ULL);
	/* LDRB to X (SF set by hardware for an X destination is not possible, but harmless). */
	assert_int_equal(load(1, false, true, 0xfff0), 0xf0);

	/* LDRSB to W: sign-extended to 32 bits, then zero-extended. */
	assert_int_equal(load(1, true, false, 0x80), 0xffffff80);
	assert_int_equal(load(1, true, false, 0x7f), 0x7f);
	assert_int_equal(load(1, true, false, 0xffffffffffffff80ULL), 0xffffff80);
	/* LDRSB to X. */
	assert_int_equal(load(1, true, true, 0x80), 0xffffffffffffff80ULL);
	assert_int_equal(load(1, true, true, 0x17f), 0x7f);
	/* LDRSH to W and X. */
	assert_int_equal(load(2, true, false, 0x8000), 0xffff8000);
	assert_int_equal(load(2, true, false, 0x7fff), 0x7fff);
	assert_int_equal(load(2, true, true, 0x12348000), 0xffffffffffff8000ULL);
	/* LDRSW. */
	assert_int_equal(load(4, true, true, 0x80000000), 0xffffffff80000000ULL);
	assert_int_equal(load(4, true, true, 0x7fffffff), 0x7fffffff);
	assert_int_equal(load(4, true, true, 0xffffffff00000001ULL), 1);
	/* The PATTERN register of the test device, read at every width. */
	assert_int_equal(load(1, true, false, 0x8090a0b0c0d0e0f0ULL), 0xfffffff0);
	assert_int_equal(load(2, true, true, 0x8090a0b0c0d0e0f0ULL), 0xffffffffffffe0f0ULL);
	assert_int_equal(load(4, true, true, 0x8090a0b0c0d0e0f0ULL), 0xffffffffc0d0e0f0ULL);
	assert_int_equal(load(4, false, false, 0x8090a0b0c0d0e0f0ULL), 0xc0d0e0f0);

	/* Inconsistent syndromes (SAS 3 with SF 0) still give a W-register value. */
	assert_int_equal(load(8, false, false, ~0ULL), 0xffffffff);
	assert_int_equal(load(8, true, false, ~0ULL), 0xffffffff);
	/* A garbage size must not trigger undefined behaviour. */
	assert_int_equal(load(0, true, true, ~0ULL), 0);
	assert_int_equal(load(3, false, true, ~0ULL), 0xffffff);
	assert_int_equal(load(1000, true, true, ~0ULL), ~0ULL);
}

/* The two halves together, as the abort handler uses them. */
static void test_decode_then_load(void **state)
{
	struct mmio_access a;

	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0x39c00693, &a), 0);   /* ldrsb w19, [x20, #1] */
	assert_int_equal(mmio_load_result(&a, 0xfe), 0xfffffffe);
	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0x39800251, &a), 0);   /* ldrsb x17, [x18] */
	assert_int_equal(mmio_load_result(&a, 0xfe), 0xfffffffffffffffeULL);
	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0x69410861, &a), 0);   /* ldpsw x1, x2, [x3, #8] */
	assert_int_equal(mmio_load_result(&a, 0x80000000), 0xffffffff80000000ULL);
	fill_junk(&a);
	assert_int_equal(mmio_decode_insn(0x797ffe0f, &a), 0);   /* ldrh w15, [x16, #8190] */
	assert_int_equal(mmio_load_result(&a, 0xffff8001), 0x8001);
	fill_junk(&a);
	assert_true(mmio_decode_syndrome(0x93b98007, &a));        /* ldrsw x25, [x26, #4] */
	assert_int_equal(mmio_load_result(&a, 0xfffffffe), 0xfffffffffffffffeULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_supported),
		cmocka_unit_test(test_decode_unsupported),
		cmocka_unit_test(test_decode_unpredictable),
		cmocka_unit_test(test_decode_sp_vs_zr),
		cmocka_unit_test(test_decode_offsets),
		cmocka_unit_test(test_decode_opcode_space),
		cmocka_unit_test(test_decode_fuzz),
		cmocka_unit_test(test_access_va),
		cmocka_unit_test(test_plan_pair_ram_then_device),
		cmocka_unit_test(test_plan_pair_device_then_ram),
		cmocka_unit_test(test_plan_pair_one_page),
		cmocka_unit_test(test_plan_single_crossing),
		cmocka_unit_test(test_plan_far_outside),
		cmocka_unit_test(test_far_is_whole_access),
		cmocka_unit_test(test_syndrome_all_fields),
		cmocka_unit_test(test_syndrome_isv_clear),
		cmocka_unit_test(test_syndrome_real),
		cmocka_unit_test(test_load_result),
		cmocka_unit_test(test_decode_then_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
