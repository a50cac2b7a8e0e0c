/*
 * Decoding of trapped guest data accesses (stage 2 data aborts on emulated
 * MMIO) into what a device emulator needs: address, size, direction, which
 * register, how a loaded value is extended, and any base-register writeback.
 *
 * Two sources:
 *  - the syndrome (ESR_EL2 ISS with ISV = 1): single-register loads/stores
 *    without writeback, the common case;
 *  - the instruction word (ISV = 0): the caller fetches it from guest memory
 *    and this module decodes the general-purpose register load/store forms.
 *
 * Pure logic, no hardware or guest access: the caller reads/writes registers,
 * performs the device access(es) and advances the PC. What every emulated access takes
 * (the syndrome, the FAR check, the load result) is inline here, so the exit's common
 * path is one function.
 */
#ifndef KEEL_MMIO_DECODE_H
#define KEEL_MMIO_DECODE_H

#include <keel/esr.h>
#include <keel/types.h>

#define MMIO_REG_ZR_SP 31   /* rt/rt2/rm 31 = XZR/WZR, rn 31 = SP */
#define MMIO_MAX_XFERS 2    /* a pair */
/* Virtual address bits compared between FAR and a computed address: bits [63:56]
 * may hold a tag (TBI) that FAR need not report. */
#define MMIO_VA_MASK   GENMASK(55, 0)

struct mmio_access {
	uint64_t ipa;       /* set by the caller; never changed by the decoders */
	unsigned size;      /* bytes per register transfer: 1, 2, 4, 8 */
	bool write;
	bool sign_extend;   /* loads: sign-extend the loaded value */
	bool sf;            /* register is a 64-bit X register (else W: result zero-extended from 32 bits) */
	unsigned rt;        /* 0..30, 31 = XZR/WZR */
	bool pair;          /* LDP/STP/LDPSW: second transfer of rt2 at ipa + size */
	unsigned rt2;
	bool writeback;     /* rn += wb_offset after the access */
	unsigned rn;        /* base register 0..30, 31 = SP */
	int64_t wb_offset;
	/* Address of the first transfer (mmio_access_va, instruction decodes only):
	 * rn + addr_offset (0 for post-index), plus for register offset forms the
	 * index register rm, extended as index_option says and shifted left by
	 * index_shift. */
	int64_t addr_offset;
	bool has_index;
	unsigned rm;            /* 0..30, 31 = XZR */
	unsigned index_option;  /* the option field: 2 UXTW, 3 LSL/UXTX, 6 SXTW, 7 SXTX */
	unsigned index_shift;
};

/* One register transfer of an access: a single access has one, a pair two. */
struct mmio_xfer {
	uint64_t va;        /* guest virtual address */
	bool crosses_page;  /* straddles a 4 KiB boundary (then keel answers with an abort) */
	bool ipa_known;     /* in FAR's page: ipa is from the fault; else the caller translates va */
	uint64_t ipa;
};

/*
 * Fill *a (except ipa) from the ESR of a data abort. Returns false, leaving
 * *a untouched, when ISS.ISV is 0: the caller must then decode the
 * instruction. pair and writeback are always false: the architecture only
 * reports a valid syndrome for single-register accesses without writeback.
 * The syndrome has no base register: the access starts at FAR (but see
 * mmio_far_may_be_inside).
 */
static inline bool mmio_decode_syndrome(uint64_t esr, struct mmio_access *a)
{
	if (!(esr & ESR_ISS_DABT_ISV))
		return false;
	a->size = 1u << esr_dabt_sas(esr);
	a->write = (esr & ESR_ISS_DABT_WnR) != 0;
	a->sign_extend = (esr & ESR_ISS_DABT_SSE) != 0;
	a->sf = (esr & ESR_ISS_DABT_SF) != 0;
	a->rt = esr_dabt_srt(esr);
	a->pair = false;
	a->rt2 = 0;
	a->writeback = false;
	a->rn = 0;
	a->wb_offset = 0;
	a->addr_offset = 0;
	a->has_index = false;
	a->rm = 0;
	a->index_option = 0;
	a->index_shift = 0;
	return true;
}

/*
 * Fill *a (except ipa) from an A64 instruction word. Supported: LDR/STR,
 * LDRB/STRB, LDRH/STRH, LDRSB/LDRSH/LDRSW with unsigned offset, pre-index,
 * post-index, unscaled (LDUR/STUR...) and register offset; LDP/STP (W and X),
 * LDPSW and LDNP/STNP with signed offset, pre-index and post-index.
 *
 * Returns KE_NOTSUP, leaving *a untouched, for everything else (SIMD&FP
 * registers, exclusives, acquire/release, atomics, LDR literal, PRFM,
 * LDTR/STTR, LDRAA/LDRAB, memory tags, non-memory instructions) and for the
 * forms the architecture makes CONSTRAINED UNPREDICTABLE (writeback with
 * rn == rt or rt2 and rn != 31; LDP/LDNP/LDPSW with rt == rt2).
 *
 * The address of the first transfer is mmio_access_va(); for a pair the
 * second one is size bytes further. Neither needs to be in the page that
 * faulted: see mmio_plan_transfers.
 */
must_check int mmio_decode_insn(uint32_t insn, struct mmio_access *a);

/*
 * The guest virtual address of the first transfer of a decoded instruction,
 * given the values of its base register (rn, SP for 31) and index register
 * (rm, 0 for XZR; ignored unless has_index). Wraps modulo 2^64 as the
 * hardware's address computation does.
 */
uint64_t mmio_access_va(const struct mmio_access *a, uint64_t base, uint64_t index);

/*
 * Lay out the transfers of an access that starts at virtual address va and
 * place the stage 2 fault on them. The fault (FAR_EL2, and fault_ipa = the
 * IPA from HPFAR_EL2 plus FAR's page offset) belongs to whichever transfer
 * lies in FAR's page: that one's IPA is known; a transfer in another page
 * must be translated by the caller (the guest's stage 1). Returns false when
 * FAR lies outside the access: the instruction is not the one that faulted
 * (guest code changed under keel) or va is wrong.
 */
must_check bool mmio_plan_transfers(const struct mmio_access *a, uint64_t va, uint64_t far,
				    uint64_t fault_ipa, struct mmio_xfer x[MMIO_MAX_XFERS]);

/*
 * True when a syndrome-described access of size bytes reported at FAR is
 * certainly [FAR, FAR + size) and inside FAR's page: the common case, which
 * needs neither the instruction nor a second translation. False when it
 * crosses into the next page, or when it may have begun in the previous page
 * (a page-crossing access whose second part faulted reports an address in
 * the second page): then only the instruction says where it starts.
 */
static inline bool mmio_far_is_whole_access(uint64_t far, unsigned size)
{
	uint64_t off = far & (PAGE_SIZE - 1);

	/* An access that began in the previous page and faulted in FAR's page ends at most
	 * size - 1 bytes into it, and FAR is one of those bytes: off <= size - 2. */
	if (size >= 2 && off <= size - 2)
		return false;
	return off + size <= PAGE_SIZE;
}

static inline uint64_t mmio_size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * The value to write to the destination register of a load for raw device
 * data: truncated to a->size bytes, then sign-extended (to 64 bits when
 * a->sf, else to 32 bits and zero-extended) or zero-extended.
 */
static inline uint64_t mmio_load_result(const struct mmio_access *a, uint64_t raw)
{
	uint64_t v = raw & mmio_size_mask(a->size);

	if (a->sign_extend && a->size >= 1 && a->size < 8)
		v = (uint64_t)sign_extend(v, a->size * 8);
	/* Writing a W register clears bits [63:32]. */
	if (!a->sf)
		v &= mmio_size_mask(4);
	return v;
}

#endif
