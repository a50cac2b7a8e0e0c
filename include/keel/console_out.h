/*
 * A VM's console output ring (src/core/console_out.c): the lines (and partial lines) its
 * emulated UART produced, waiting to be printed on keel's console. Filling it is cheap and
 * is done under vm->lock; printing it is slow (a physical UART) and is done without
 * vm->lock, so a VM that prints never holds a lock that its other vCPUs, keel's console
 * receive interrupt or another VM need for longer than it takes to copy a line.
 *
 * Single producer, single consumer: pushes are serialised by the caller (vm->lock), pops by
 * drain_lock. A record is a header (2 bytes little-endian: text length in bits 13:0, bit 15
 * set when the record ends a line; then 8 bytes: the physical counter when the guest wrote
 * it, for console timestamps) and the text.
 * Pure logic, unit-tested on the host.
 */
#ifndef KEEL_CONSOLE_OUT_H
#define KEEL_CONSOLE_OUT_H

#include <keel/spinlock.h>
#include <keel/types.h>

#define CONSOLE_OUT_SIZE     8192   /* power of two */
#define CONSOLE_OUT_HDR      10
#define CONSOLE_OUT_TEXT_MAX 256    /* longest record text: a UART line */

struct console_out {
	char buf[CONSOLE_OUT_SIZE];
	uint32_t head;           /* free-running: advanced by the consumer */
	uint32_t tail;           /* free-running: advanced by the producer */
	uint64_t dropped;        /* records refused because the ring was full */
	uint64_t dropped_told;   /* how many of them keel has reported */
	struct spinlock drain_lock;  /* one consumer at a time, so lines stay in order */
};

void console_out_init(struct console_out *o);
bool console_out_empty(const struct console_out *o);
/* Bytes in use, records' headers included. */
unsigned console_out_used(const struct console_out *o);

/*
 * Queue text[0..len) (len <= CONSOLE_OUT_TEXT_MAX) written at time stamp; false, and
 * counted, when it does not fit.
 */
bool console_out_push(struct console_out *o, const char *text, unsigned len, bool eol,
		      uint64_t stamp);
/*
 * Take the oldest record: its text into text (room for CONSOLE_OUT_TEXT_MAX bytes), its
 * length into *len, whether it ends a line into *eol, its time into *stamp. false when the
 * ring is empty.
 */
bool console_out_pop(struct console_out *o, char *text, unsigned *len, bool *eol, uint64_t *stamp);

#endif
