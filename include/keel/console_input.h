/*
 * Console input routing: bytes typed on keel's console go to one VM at a time
 * (the one with input focus). Ctrl-A pressed three times in a row moves the
 * focus to the next VM. Pure logic, so it is unit-tested on the host.
 */
#ifndef KEEL_CONSOLE_INPUT_H
#define KEEL_CONSOLE_INPUT_H

#include <keel/types.h>

#define CONSOLE_SWITCH_CHAR  0x01   /* Ctrl-A */
#define CONSOLE_SWITCH_COUNT 3

struct console_input {
	unsigned pending_switch_chars;  /* Ctrl-A seen in a row, not yet delivered */
};

enum console_input_action {
	CONSOLE_INPUT_DELIVER,   /* deliver out[0..n) to the VM with focus */
	CONSOLE_INPUT_SWITCH,    /* move the focus to the next VM */
};

void console_input_init(struct console_input *ci);
/*
 * Feed one received byte. Fills out (room for CONSOLE_SWITCH_COUNT bytes) with the
 * bytes to deliver and *n with their count (0 while a switch sequence may be under
 * way). A Ctrl-A run shorter than three is delivered as typed, before the next byte.
 */
enum console_input_action console_input_feed(struct console_input *ci, uint8_t c, uint8_t *out,
					      unsigned *n);

#endif
