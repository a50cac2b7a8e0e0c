/*
 * keel's monitor: one stop of the console's Ctrl-A x3 cycle, with a "keel> " prompt
 * (docs/monitor.md). src/core/monitor_parse.c is the pure part, host-tested
 * (tests/unit/test_monitor.c): line editing and the command parser. src/core/monitor.c
 * runs the commands against keel's VMs.
 */
#ifndef KEEL_MONITOR_H
#define KEEL_MONITOR_H

#include <keel/config.h>
#include <keel/types.h>

#define MONITOR_PROMPT    "keel> "
#define MONITOR_LINE_MAX  80     /* characters of one command line; more are refused */
#define MONITOR_CYCLE_MAX 1000   /* cycle VM N: at most this many create/destroy cycles */
#define MONITOR_KEY_BS    0x08   /* backspace as ^H ... */
#define MONITOR_KEY_DEL   0x7f   /* ... and as DEL (most terminals) */

enum monitor_cmd {
	MONITOR_EMPTY,     /* a blank line: just a new prompt */
	MONITOR_HELP, MONITOR_LIST, MONITOR_INFO, MONITOR_STATS, MONITOR_START, MONITOR_STOP,
	MONITOR_RESTART, MONITOR_DESTROY, MONITOR_MEM, MONITOR_CYCLE,
};

struct monitor_request {
	enum monitor_cmd cmd;
	char vm[VM_NAME_MAX];   /* the VM it names, "" for none */
	unsigned count;         /* cycle's N */
};

/*
 * Parse one command line (NUL-terminated). KE_INVAL with err saying what is wrong and
 * how to write it: an unknown command, a missing or extra argument, a VM name too long
 * for any VM, a bad count. Whether the VM exists is the caller's to check.
 */
must_check int monitor_parse(const char *line, struct monitor_request *req, char *err,
			     size_t errlen);
/* The help text, one line per element, NULL-terminated. */
extern const char *const monitor_help[];

/* The line being typed. */
struct monitor_line {
	char buf[MONITOR_LINE_MAX + 1];   /* NUL-terminated */
	unsigned len;
	bool overflow;   /* more was typed than fits: the line is refused at Enter */
	char echo[2];    /* the character to show */
};

enum monitor_key {
	MONITOR_KEY_NONE,   /* nothing to show */
	MONITOR_KEY_ECHO,   /* show *echo (the character, or "\b \b" for a backspace) */
	MONITOR_KEY_ENTER,  /* the line is complete: buf holds it; reset with monitor_line_init */
};
void monitor_line_init(struct monitor_line *l);
/* One typed byte: printable ASCII is added, backspace/DEL erase, CR or LF end the line. */
enum monitor_key monitor_line_feed(struct monitor_line *l, uint8_t c, const char **echo);

/* keel's side (src/core/monitor.c): typed bytes while the monitor has the focus. */
void monitor_input(const uint8_t *bytes, unsigned n);
/* Show the prompt and the line typed so far (the monitor just got the focus). */
void monitor_prompt(void);

#endif
