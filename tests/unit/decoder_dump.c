/*
 * Host helper of tests/unit/decoder_objdump.py: run keel's instruction
 * decoder (src/arch/aarch64/mmio_decode.c) on every 32-bit little-endian word
 * of a file and print one line per word:
 *   <word> -                                      refused (KE_NOTSUP)
 *   <word> <size> <write> <sext> <sf> <rt> <pair> <rt2> <rn> <wb> <wb_offset> <va>
 * va is the first transfer's address for base register = DUMP_BASE and index
 * register = DUMP_INDEX (0 when the index is XZR), as keel's abort path feeds
 * them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <keel/mmio_decode.h>

#define DUMP_BASE  0x0000100000000000ULL
#define DUMP_INDEX 0x80000001fffffff3ULL

int main(int argc, char **argv)
{
	FILE *in, *out = stdout;
	uint8_t b[4];

	if (argc != 2 || !(in = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: %s WORDS.bin\n", argv[0]);
		return 2;
	}
	while (fread(b, 1, 4, in) == 4) {
		uint32_t insn = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
		struct mmio_access a;

		memset(&a, 0, sizeof(a));
		if (mmio_decode_insn(insn, &a) != 0) {
			fprintf(out, "%08" PRIx32 " -\n", insn);
			continue;
		}
		fprintf(out, "%08" PRIx32 " %u %d %d %d %u %d %u %u %d %" PRId64 " %" PRIx64 "\n",
			insn, a.size, a.write, a.sign_extend, a.sf, a.rt, a.pair, a.pair ? a.rt2 : 0,
			a.rn, a.writeback, a.wb_offset,
			mmio_access_va(&a, DUMP_BASE, a.has_index && a.rm != MMIO_REG_ZR_SP ? DUMP_INDEX : 0));
	}
	fclose(in);
	return 0;
}
