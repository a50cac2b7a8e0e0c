/*
 * A VM's console output ring: see include/keel/console_out.h. head and tail are
 * free-running 32-bit counters (tail - head is the fill, also across wrap-around); the
 * producer publishes a record with a release store of tail after writing it, the consumer
 * frees it with a release store of head after reading it.
 */
#include <keel/console_out.h>

#define CONSOLE_OUT_MASK    (CONSOLE_OUT_SIZE - 1)
#define CONSOLE_OUT_EOL     0x8000u
#define CONSOLE_OUT_LEN     0x3fffu

_Static_assert((CONSOLE_OUT_SIZE & CONSOLE_OUT_MASK) == 0, "ring size must be a power of two");
_Static_assert(CONSOLE_OUT_TEXT_MAX <= CONSOLE_OUT_LEN, "a record's length must fit its header");
_Static_assert(CONSOLE_OUT_TEXT_MAX + CONSOLE_OUT_HDR <= CONSOLE_OUT_SIZE, "a record must fit");

void console_out_init(struct console_out *o)
{
	*o = (struct console_out){ .drain_lock = SPINLOCK_INIT };
}

unsigned console_out_used(const struct console_out *o)
{
	return __atomic_load_n(&o->tail, __ATOMIC_ACQUIRE) - __atomic_load_n(&o->head, __ATOMIC_ACQUIRE);
}

bool console_out_empty(const struct console_out *o)
{
	return console_out_used(o) == 0;
}

static void console_out_put(struct console_out *o, uint32_t at, const void *src, unsigned n)
{
	const char *s = src;

	for (unsigned i = 0; i < n; i++)
		o->buf[(at + i) & CONSOLE_OUT_MASK] = s[i];
}

static void console_out_get(const struct console_out *o, uint32_t at, void *dst, unsigned n)
{
	char *d = dst;

	for (unsigned i = 0; i < n; i++)
		d[i] = o->buf[(at + i) & CONSOLE_OUT_MASK];
}

#define CONSOLE_OUT_STAMP_AT 2   /* the stamp's offset in the header */

bool console_out_push(struct console_out *o, const char *text, unsigned len, bool eol,
		      uint64_t stamp)
{
	uint32_t tail = o->tail;   /* only the producer writes it */
	uint16_t hdr;
	uint8_t h[CONSOLE_OUT_HDR];

	if (len > CONSOLE_OUT_TEXT_MAX || CONSOLE_OUT_SIZE - console_out_used(o) < CONSOLE_OUT_HDR + len) {
		o->dropped++;
		return false;
	}
	hdr = (uint16_t)(len | (eol ? CONSOLE_OUT_EOL : 0));
	h[0] = (uint8_t)hdr;
	h[1] = (uint8_t)(hdr >> 8);
	for (unsigned i = 0; i < sizeof(stamp); i++)
		h[CONSOLE_OUT_STAMP_AT + i] = (uint8_t)(stamp >> (8 * i));
	console_out_put(o, tail, h, CONSOLE_OUT_HDR);
	console_out_put(o, tail + CONSOLE_OUT_HDR, text, len);
	__atomic_store_n(&o->tail, tail + CONSOLE_OUT_HDR + len, __ATOMIC_RELEASE);
	return true;
}

bool console_out_pop(struct console_out *o, char *text, unsigned *len, bool *eol, uint64_t *stamp)
{
	uint32_t head = o->head;   /* only the consumer writes it */
	uint32_t used = __atomic_load_n(&o->tail, __ATOMIC_ACQUIRE) - head;
	uint8_t h[CONSOLE_OUT_HDR];
	unsigned n;

	if (used < CONSOLE_OUT_HDR)
		return false;
	console_out_get(o, head, h, CONSOLE_OUT_HDR);
	n = (h[0] | (unsigned)h[1] << 8) & CONSOLE_OUT_LEN;
	if (n > CONSOLE_OUT_TEXT_MAX || n > used - CONSOLE_OUT_HDR)
		return false;   /* cannot happen: only push writes records */
	console_out_get(o, head + CONSOLE_OUT_HDR, text, n);
	*len = n;
	*eol = (h[1] << 8) & CONSOLE_OUT_EOL;
	*stamp = 0;
	for (unsigned i = 0; i < sizeof(*stamp); i++)
		*stamp |= (uint64_t)h[CONSOLE_OUT_STAMP_AT + i] << (8 * i);
	__atomic_store_n(&o->head, head + CONSOLE_OUT_HDR + n, __ATOMIC_RELEASE);
	return true;
}
