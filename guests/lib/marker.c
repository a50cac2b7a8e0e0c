/*
 * The isolation markers, decoded at run time (guest/marker.h). The key goes
 * through an empty asm so the compiler cannot fold the plain text into the
 * binary.
 */
#include "guest/marker.h"

#define MARKER_KEY 0xa7

/* Each byte is plain[i] ^ MARKER_KEY ^ i. */
static const uint8_t marker_enc[MARKER_LEN] = {
	0xd4, 0x95, 0xc6, 0xd6, 0x90, 0xd6, 0x8c, 0xcd,
	0x9b, 0xdc, 0xc6, 0x9f, 0xd9, 0x87, 0x9d, 0x9a,
};
static const uint8_t banner_enc[BANNER_LEN] = {
	0xcc, 0xc3, 0xc0, 0xc8, 0x83, 0xca, 0xd8, 0xd0,
	0xca, 0xdc, 0xdb, 0xc5, 0xd8, 0xc5, 0xdb,
};

static void decode(uint8_t *out, const uint8_t *enc, unsigned n)
{
	uint8_t key = MARKER_KEY;

	__asm__("" : "+r"(key));
	for (unsigned i = 0; i < n; i++)
		out[i] = enc[i] ^ key ^ (uint8_t)i;
}

void marker_build(uint8_t out[MARKER_LEN])
{
	decode(out, marker_enc, MARKER_LEN);
}

void banner_build(uint8_t out[BANNER_LEN])
{
	decode(out, banner_enc, BANNER_LEN);
}
