/*
 * Decoding of trapped guest data accesses: see include/keel/mmio_decode.h.
 *
 * Instruction encodings follow the Arm ARM "Loads and Stores" encoding
 * index (C4.1, A64 instruction set encoding); field names are the ones used
 * there (size, V, opc, L, imm7, imm9, imm12, Rt, Rt2, Rn, option).
 */
#include <keel/esr.h>
#include <keel/mmio_decode.h>

/* ---------------------------------------------------------------- encoding classes */

/* Load/store register (all addressing modes): op0 = xx11, bit 25 = 0. */
#define LDST_REG_MASK    0x3a000000u
#define LDST_REG_VALUE   0x38000000u
/* Load/store register pair (all addressing modes): op0 = xx10, bit 25 = 0. */
#define LDST_PAIR_MASK   0x3a000000u
#define LDST_PAIR_VALUE  0x28000000u

/* Common fields. */
#define LDST_V           BIT(26)     /* SIMD&FP register */
#define LDST_RT_SHIFT    0
#define LDST_RN_SHIFT    5
#define LDST_REG_FIELD   0x1fu

/* Single register. */
#define LDST_SIZE_SHIFT  30
#define LDST_OPC_SHIFT   22
#define LDST_UIMM        BIT(24)     /* unsigned offset form (imm12) */
#define LDST_OP3_HI      BIT(21)     /* 1: register offset, atomics, LDRAx */
#define LDST_OP4_SHIFT   10          /* bits [11:10] */
#define LDST_IMM9_SHIFT  12          /* bits [20:12] */
#define LDST_IMM9_WIDTH  9
#define LDST_OPTION_SHIFT 13         /* register offset: option, bits [15:13] */
#define LDST_RM_SHIFT    16          /* register offset: Rm, bits [20:16] */
#define LDST_S           BIT(12)     /* register offset: index shifted by the access size */
#define LDST_IMM12_SHIFT 10          /* unsigned offset: imm12, bits [21:10], scaled by size */
#define LDST_IMM12_WIDTH 12

#define LDST_OP4_UNSCALED 0          /* LDUR/STUR */
#define LDST_OP4_POST     1
#define LDST_OP4_UNPRIV   2          /* LDTR/STTR; with OP3_HI: register offset */
#define LDST_OP4_PRE      3

#define LDST_OPC_STORE    0
#define LDST_OPC_LOAD     1
#define LDST_OPC_LOAD_S64 2          /* LDRSB/LDRSH/LDRSW to X; PRFM when size = 3 */
#define LDST_OPC_LOAD_S32 3          /* LDRSB/LDRSH to W */

#define LDST_SIZE_64      3

/* Register offset: option<1> = 0 (option 0b000, 0b001, 0b100, 0b101) is unallocated. */
#define LDST_OPTION_EXT_BIT 0x2u
/* option<2>: the index is sign-extended; option<0>: it is 64 bits (X), else 32 (W). */
#define LDST_OPTION_SIGNED  0x4u
#define LDST_OPTION_64      0x1u

/* Pair. */
#define LDP_OPC_SHIFT    30
#define LDP_MODE_SHIFT   23          /* bits [24:23] */
#define LDP_L            BIT(22)     /* load */
#define LDP_IMM7_SHIFT   15
#define LDP_IMM7_WIDTH   7
#define LDP_RT2_SHIFT    10

#define LDP_MODE_NOALLOC 0           /* LDNP/STNP */
#define LDP_MODE_POST    1
#define LDP_MODE_OFFSET  2
#define LDP_MODE_PRE     3

#define LDP_OPC_32       0           /* W registers */
#define LDP_OPC_SW       1           /* LDPSW; STGP when L = 0 */
#define LDP_OPC_64       2           /* X registers */

static unsigned insn_field(uint32_t insn, unsigned shift, unsigned width)
{
	return (insn >> shift) & ((1u << width) - 1);
}

static unsigned insn_reg(uint32_t insn, unsigned shift)
{
	return (insn >> shift) & LDST_REG_FIELD;
}

/* ---------------------------------------------------------------- single register */

/*
 * Width, direction and extension from size:opc, shared by every single
 * register addressing mode. KE_NOTSUP for PRFM and unallocated encodings.
 */
static int ldst_decode_size_opc(unsigned size, unsigned opc, struct mmio_access *d)
{
	d->size = 1u << size;
	switch (opc) {
	case LDST_OPC_STORE:
	case LDST_OPC_LOAD:
		d->write = opc == LDST_OPC_STORE;
		d->sf = size == LDST_SIZE_64;
		return 0;
	case LDST_OPC_LOAD_S64:
		if (size == LDST_SIZE_64)
			return KE_NOTSUP;   /* PRFM/PRFUM */
		d->sign_extend = true;
		d->sf = true;
		return 0;
	default:  /* LDST_OPC_LOAD_S32 */
		if (size >= 2)
			return KE_NOTSUP;   /* unallocated */
		d->sign_extend = true;
		return 0;
	}
}

/*
 * Addressing mode of a single-register form, with the address computation;
 * KE_NOTSUP for the ones keel does not emulate. size is the log2 of the
 * access size (the scale of imm12 and of a shifted index).
 */
static int ldst_decode_mode(uint32_t insn, unsigned size, struct mmio_access *d)
{
	unsigned op4 = insn_field(insn, LDST_OP4_SHIFT, 2);
	unsigned option = insn_field(insn, LDST_OPTION_SHIFT, 3);
	int64_t imm9 = sign_extend(insn_field(insn, LDST_IMM9_SHIFT, LDST_IMM9_WIDTH),
				   LDST_IMM9_WIDTH);

	if (insn & LDST_UIMM) {
		d->addr_offset = (int64_t)insn_field(insn, LDST_IMM12_SHIFT, LDST_IMM12_WIDTH) << size;
		return 0;
	}
	if (insn & LDST_OP3_HI) {
		/* Only the register offset form; atomics and LDRAA/LDRAB live here too. */
		if (op4 != LDST_OP4_UNPRIV || !(option & LDST_OPTION_EXT_BIT))
			return KE_NOTSUP;
		d->has_index = true;
		d->rm = insn_reg(insn, LDST_RM_SHIFT);
		d->index_option = option;
		d->index_shift = (insn & LDST_S) ? size : 0;
		return 0;
	}
	switch (op4) {
	case LDST_OP4_UNSCALED:
		d->addr_offset = imm9;
		return 0;
	case LDST_OP4_PRE:
		d->addr_offset = imm9;
		/* fall through */
	case LDST_OP4_POST:
		d->writeback = true;
		d->wb_offset = imm9;
		return 0;
	default:  /* LDTR/STTR: unprivileged, keel does not model the EL0 view */
		return KE_NOTSUP;
	}
}

static int ldst_decode_single(uint32_t insn, struct mmio_access *d)
{
	int ret;

	unsigned size = insn_field(insn, LDST_SIZE_SHIFT, 2);

	if (insn & LDST_V)
		return KE_NOTSUP;
	ret = ldst_decode_mode(insn, size, d);
	if (ret)
		return ret;
	ret = ldst_decode_size_opc(size, insn_field(insn, LDST_OPC_SHIFT, 2), d);
	if (ret)
		return ret;
	d->rt = insn_reg(insn, LDST_RT_SHIFT);
	d->rn = insn_reg(insn, LDST_RN_SHIFT);
	if (d->writeback && d->rn == d->rt && d->rn != MMIO_REG_ZR_SP)
		return KE_NOTSUP;   /* CONSTRAINED UNPREDICTABLE */
	return 0;
}

/* ---------------------------------------------------------------- pair */

static int ldp_decode_opc(unsigned opc, unsigned mode, bool load, struct mmio_access *d)
{
	switch (opc) {
	case LDP_OPC_32:
		d->size = 4;
		return 0;
	case LDP_OPC_64:
		d->size = 8;
		d->sf = true;
		return 0;
	case LDP_OPC_SW:
		/* Stores here are STGP (memory tags); there is no LDNPSW. */
		if (!load || mode == LDP_MODE_NOALLOC)
			return KE_NOTSUP;
		d->size = 4;
		d->sf = true;
		d->sign_extend = true;
		return 0;
	default:
		return KE_NOTSUP;
	}
}

static bool ldp_is_unpredictable(const struct mmio_access *d)
{
	if (!d->write && d->rt == d->rt2)
		return true;
	return d->writeback && d->rn != MMIO_REG_ZR_SP &&
	       (d->rn == d->rt || d->rn == d->rt2);
}

static int ldst_decode_pair(uint32_t insn, struct mmio_access *d)
{
	unsigned mode = insn_field(insn, LDP_MODE_SHIFT, 2);
	bool load = (insn & LDP_L) != 0;
	int64_t imm;
	int ret;

	if (insn & LDST_V)
		return KE_NOTSUP;
	ret = ldp_decode_opc(insn_field(insn, LDP_OPC_SHIFT, 2), mode, load, d);
	if (ret)
		return ret;
	d->write = !load;
	d->pair = true;
	d->rt = insn_reg(insn, LDST_RT_SHIFT);
	d->rt2 = insn_reg(insn, LDP_RT2_SHIFT);
	d->rn = insn_reg(insn, LDST_RN_SHIFT);
	/* imm7 is scaled by the access size; post-index adds it only to the base. */
	imm = sign_extend(insn_field(insn, LDP_IMM7_SHIFT, LDP_IMM7_WIDTH), LDP_IMM7_WIDTH) *
	      (int64_t)d->size;
	if (mode != LDP_MODE_POST)
		d->addr_offset = imm;
	if (mode == LDP_MODE_POST || mode == LDP_MODE_PRE) {
		d->writeback = true;
		d->wb_offset = imm;
	}
	if (ldp_is_unpredictable(d))
		return KE_NOTSUP;
	return 0;
}

/* ---------------------------------------------------------------- API */

int mmio_decode_insn(uint32_t insn, struct mmio_access *a)
{
	struct mmio_access d = { .ipa = a->ipa };
	int ret;

	if ((insn & LDST_REG_MASK) == LDST_REG_VALUE)
		ret = ldst_decode_single(insn, &d);
	else if ((insn & LDST_PAIR_MASK) == LDST_PAIR_VALUE)
		ret = ldst_decode_pair(insn, &d);
	else
		ret = KE_NOTSUP;
	if (ret)
		return ret;
	*a = d;
	return 0;
}


/* ---------------------------------------------------------------- addresses */

/* The index register's value as the option field extends it (UXTW, LSL/UXTX, SXTW, SXTX). */
static uint64_t ldst_extend_index(uint64_t index, unsigned option)
{
	if (!(option & LDST_OPTION_64))
		index &= GENMASK(31, 0);
	if ((option & LDST_OPTION_SIGNED) && !(option & LDST_OPTION_64))
		index = (uint64_t)sign_extend(index, 32);
	return index;
}

uint64_t mmio_access_va(const struct mmio_access *a, uint64_t base, uint64_t index)
{
	uint64_t va = base + (uint64_t)a->addr_offset;   /* wraps like the hardware's adder */

	if (a->has_index)
		va += ldst_extend_index(index, a->index_option) << a->index_shift;
	return va;
}

static bool mmio_same_page(uint64_t x, uint64_t y)
{
	return ((x ^ y) & MMIO_VA_MASK) >> PAGE_SHIFT == 0;
}

bool mmio_plan_transfers(const struct mmio_access *a, uint64_t va, uint64_t far,
			 uint64_t fault_ipa, struct mmio_xfer x[MMIO_MAX_XFERS])
{
	unsigned n = a->pair ? 2 : 1;

	/* FAR must lie inside the access (both taken modulo the tag byte). */
	if (((far - va) & MMIO_VA_MASK) >= (uint64_t)n * a->size)
		return false;
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = va + (uint64_t)i * a->size;

		x[i].va = e;
		x[i].crosses_page = (e & (PAGE_SIZE - 1)) + a->size > PAGE_SIZE;
		x[i].ipa_known = mmio_same_page(e, far);
		x[i].ipa = x[i].ipa_known ? (fault_ipa & ~(PAGE_SIZE - 1)) | (e & (PAGE_SIZE - 1)) : 0;
	}
	return true;
}
