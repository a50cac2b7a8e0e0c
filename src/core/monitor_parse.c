/*
 * keel's monitor, the pure part (include/keel/monitor.h): line editing and the parser.
 */
#include <keel/monitor.h>
#include <stdio.h>
#include <string.h>

struct monitor_verb {
	const char *name;
	enum monitor_cmd cmd;
	unsigned nargs;       /* 0: none, 1: VM, 2: VM and a count */
	const char *usage;
};

static const struct monitor_verb verbs[] = {
	{ "help", MONITOR_HELP, 0, "help" },
	{ "list", MONITOR_LIST, 0, "list" },
	{ "info", MONITOR_INFO, 1, "info VM" },
	{ "stats", MONITOR_STATS, 1, "stats VM" },
	{ "start", MONITOR_START, 1, "start VM" },
	{ "stop", MONITOR_STOP, 1, "stop VM" },
	{ "restart", MONITOR_RESTART, 1, "restart VM" },
	{ "destroy", MONITOR_DESTROY, 1, "destroy VM" },
	{ "mem", MONITOR_MEM, 0, "mem" },
	{ "cycle", MONITOR_CYCLE, 2, "cycle VM N" },
};

const char *const monitor_help[] = {
	"list          VMs: state, vCPUs and the CPUs they run on, memory, uptime",
	"info VM       a VM's configuration and resources",
	"stats VM      a VM's exits by reason, per vCPU (live counts)",
	"start VM      start a stopped VM (creating it again if it was destroyed)",
	"stop VM       stop a running VM; it keeps its memory for the next start",
	"restart VM    stop and start a VM again from its images",
	"destroy VM    stop a VM and give back everything it holds",
	"mem           keel's free memory (the page allocator's statistics)",
	"cycle VM N    test: create and destroy a stopped VM N times, then mem",
	"help          this list; Ctrl-A three times leaves the monitor",
	NULL,
};

#define MONITOR_MAX_WORDS 4

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Split line into at most MONITOR_MAX_WORDS words (pointers into copy); their count. */
static unsigned split(char *copy, char **words)
{
	unsigned n = 0;
	char *p = copy;

	while (*p) {
		while (is_space(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MONITOR_MAX_WORDS)
			return n + 1;   /* too many: the caller refuses it */
		words[n++] = p;
		while (*p && !is_space(*p))
			p++;
	}
	return n;
}

/* A decimal count 1..MONITOR_CYCLE_MAX, no sign, no overflow. */
static bool parse_count(const char *s, unsigned *out)
{
	unsigned v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > MONITOR_CYCLE_MAX)
			return false;
	}
	*out = v;
	return v >= 1;
}

int monitor_parse(const char *line, struct monitor_request *req, char *err, size_t errlen)
{
	char copy[MONITOR_LINE_MAX + 1];
	char *words[MONITOR_MAX_WORDS];
	const struct monitor_verb *verb = NULL;
	unsigned n;

	memset(req, 0, sizeof(*req));
	if (strlen(line) > MONITOR_LINE_MAX) {
		snprintf(err, errlen, "the line is longer than %u characters", MONITOR_LINE_MAX);
		return KE_INVAL;
	}
	strcpy(copy, line);
	n = split(copy, words);
	if (n == 0) {
		req->cmd = MONITOR_EMPTY;
		return KE_OK;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(words[0], verbs[i].name))
			verb = &verbs[i];
	if (!verb) {
		snprintf(err, errlen, "unknown command \"%.20s\"; type help for the commands", words[0]);
		return KE_INVAL;
	}
	if (n - 1 != verb->nargs) {
		snprintf(err, errlen, "%s %s; write: %s", verb->name,
			 n - 1 < verb->nargs ? "needs more" : "takes fewer arguments", verb->usage);
		return KE_INVAL;
	}
	req->cmd = verb->cmd;
	if (verb->nargs >= 1) {
		if (strlen(words[1]) >= VM_NAME_MAX) {
			snprintf(err, errlen, "no VM is named \"%.20s...\": VM names are at most %u "
				 "characters; list shows them", words[1], VM_NAME_MAX - 1);
			return KE_INVAL;
		}
		strcpy(req->vm, words[1]);
	}
	if (verb->nargs == 2 && !parse_count(words[2], &req->count)) {
		snprintf(err, errlen, "%s: N must be a number from 1 to %u; write: %s", verb->name,
			 MONITOR_CYCLE_MAX, verb->usage);
		return KE_INVAL;
	}
	return KE_OK;
}

void monitor_line_init(struct monitor_line *l)
{
	l->len = 0;
	l->buf[0] = '\0';
	l->overflow = false;
}

enum monitor_key monitor_line_feed(struct monitor_line *l, uint8_t c, const char **echo)
{
	*echo = NULL;
	if (c == '\r' || c == '\n')
		return MONITOR_KEY_ENTER;
	if (c == MONITOR_KEY_BS || c == MONITOR_KEY_DEL) {
		if (!l->len)
			return MONITOR_KEY_NONE;
		l->buf[--l->len] = '\0';
		*echo = "\b \b";
		return MONITOR_KEY_ECHO;
	}
	if (c < 0x20 || c > 0x7e)
		return MONITOR_KEY_NONE;   /* other controls and non-ASCII: not part of a command */
	if (l->len == MONITOR_LINE_MAX) {
		l->overflow = true;
		return MONITOR_KEY_NONE;
	}
	l->buf[l->len++] = (char)c;
	l->buf[l->len] = '\0';
	l->echo[0] = (char)c;
	l->echo[1] = '\0';
	*echo = l->echo;
	return MONITOR_KEY_ECHO;
}
