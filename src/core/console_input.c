#include <keel/console_input.h>

void console_input_init(struct console_input *ci)
{
	ci->pending_switch_chars = 0;
}

enum console_input_action console_input_feed(struct console_input *ci, uint8_t c, uint8_t *out,
					      unsigned *n)
{
	*n = 0;
	if (c == CONSOLE_SWITCH_CHAR) {
		if (++ci->pending_switch_chars == CONSOLE_SWITCH_COUNT) {
			ci->pending_switch_chars = 0;
			return CONSOLE_INPUT_SWITCH;
		}
		return CONSOLE_INPUT_DELIVER;
	}
	/* Not a switch after all: the held Ctrl-As go first, then this byte. */
	while (ci->pending_switch_chars) {
		out[(*n)++] = CONSOLE_SWITCH_CHAR;
		ci->pending_switch_chars--;
	}
	out[(*n)++] = c;
	return CONSOLE_INPUT_DELIVER;
}
