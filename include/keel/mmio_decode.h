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
 * performs the device access(es) and advances the PC.
 */
#ifndef KEEL_MMIO_DECODE_H
#define KEEL_MMIO_DECODE_H

#include <keel/types.h>

#define MMIO_REG_ZR_SP 31   /* rt/rt2 31 = XZR/WZR, rn 31 = SP */

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
};

/*
 * Fill *a (except ipa) from the ESR of a data abort. Returns false, leaving
 * *a untouched, when ISS.ISV is 0: the caller must then decode the
 * instruction. pair and writeback are always false: the architecture only
 * reports a valid syndrome for single-register accesses without writeback.
 */
bool mmio_decode_syndrome(uint64_t esr, struct mmio_access *a);

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
 * For a pair, the caller's ipa is the address of the first transfer; the
 * second one is at ipa + size.
 */
must_check int mmio_decode_insn(uint32_t insn, struct mmio_access *a);

/*
 * The value to write to the destination register of a load for raw device
 * data: truncated to a->size bytes, then sign-extended (to 64 bits when
 * a->sf, else to 32 bits and zero-extended) or zero-extended.
 */
uint64_t mmio_load_result(const struct mmio_access *a, uint64_t raw);

#endif
