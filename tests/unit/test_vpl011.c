// deps: src/devices/vpl011.c
/*
 * Emulated PL011: registers, RX FIFO and interrupts, console line output.
 * Register values are from the PrimeCell UART (PL011) TRM r1p5, written as
 * literals here so the test does not just repeat the header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vpl011.h>

#define MAX_LINES 64

struct capture {
	char lines[MAX_LINES][VPL011_LINE_MAX];
	unsigned lens[MAX_LINES];
	unsigned n;
};

static void capture_line(void *ctx, const char *line, unsigned len)
{
	struct capture *c = ctx;

	assert_true(len < VPL011_LINE_MAX);
	assert_int_equal(line[len], '\0');
	assert_int_equal(strlen(line), len);   /* no NUL inside a line */
	if (c->n < MAX_LINES) {
		memcpy(c->lines[c->n], line, len + 1);
		c->lens[c->n] = len;
	}
	c->n++;
}

static uint32_t rd(struct vpl011 *u, uint64_t off)
{
	uint64_t v = ~0ULL;

	assert_int_equal(vpl011_read(u, off, 4, &v), 0);
	assert_true(v <= 0xffffffffu);
	return (uint32_t)v;
}

static void wr(struct vpl011 *u, uint64_t off, uint32_t v)
{
	assert_int_equal(vpl011_write(u, off, 4, v), 0);
}

static void tx_str(struct vpl011 *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vpl011_write(u, 0x000, 1, (uint8_t)s[i]), 0);
}

#define TX(u, lit) tx_str((u), (lit), sizeof(lit) - 1)

static void init(struct vpl011 *u, struct capture *c)
{
	memset(c, 0, sizeof(*c));
	memset(u, 0xee, sizeof(*u));
	vpl011_init(u, capture_line, c);
}

/* ---------------------------------------------------------------- registers */

static void test_vpl011_reset(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	assert_int_equal(rd(&u, 0x030), 0x300);           /* CR: TXE | RXE */
	assert_int_equal(rd(&u, 0x034), 0x12);            /* IFLS: 1/2, 1/2 */
	assert_int_equal(rd(&u, 0x038), 0);               /* IMSC */
	assert_int_equal(rd(&u, 0x02c), 0);               /* LCR_H */
	assert_int_equal(rd(&u, 0x024), 0);               /* IBRD */
	assert_int_equal(rd(&u, 0x028), 0);               /* FBRD */
	assert_int_equal(rd(&u, 0x020), 0);               /* ILPR */
	assert_int_equal(rd(&u, 0x048), 0);               /* DMACR */
	assert_int_equal(rd(&u, 0x004), 0);               /* RSR: no errors */
	/* FR: TXFE, RXFE, CTS, DSR, DCD; not BUSY, TXFF, RXFF, RI. */
	assert_int_equal(rd(&u, 0x018), 0x80 | 0x10 | 0x4 | 0x2 | 0x1);
	assert_int_equal(rd(&u, 0x03c), 0x20);            /* RIS: TX ready */
	assert_int_equal(rd(&u, 0x040), 0);               /* MIS */
	assert_false(vpl011_irq_level(&u));
	assert_int_equal(rd(&u, 0x000), 0);               /* DR, empty FIFO */
	assert_int_equal(c.n, 0);
}

static void test_vpl011_ids(void **state)
{
	static const uint8_t ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t v;

		assert_int_equal(rd(&u, 0xfe0 + 4 * i), ids[i]);
		assert_int_equal(vpl011_read(&u, 0xfe0 + 4 * i, 1, &v), 0);
		assert_int_equal(v, ids[i]);
		assert_int_equal(vpl011_read(&u, 0xfe0 + 4 * i, 2, &v), 0);
		assert_int_equal(v, ids[i]);
		/* Read-only. */
		wr(&u, 0xfe0 + 4 * i, 0xff);
		assert_int_equal(rd(&u, 0xfe0 + 4 * i), ids[i]);
	}
	/* The AMBA bus view: PeriphID = 0x00341011 (PL011, Arm, r1p5), PCellID = 0xb105f00d. */
	assert_int_equal(rd(&u, 0xfe0) | rd(&u, 0xfe4) << 8 | rd(&u, 0xfe8) << 16 | rd(&u, 0xfec) << 24,
			 0x00341011);
	assert_int_equal(rd(&u, 0xff0) | rd(&u, 0xff4) << 8 | rd(&u, 0xff8) << 16 | rd(&u, 0xffc) << 24,
			 0xb105f00d);
	/* 0xfd0-0xfdc: reserved for future ID expansion. */
	for (unsigned off = 0xfd0; off < 0xfe0; off += 4)
		assert_int_equal(rd(&u, off), 0);
}

static void test_vpl011_register_masks(void **state)
{
	static const struct { uint64_t off; uint32_t mask; } rw[] = {
		{ 0x020, 0xff },     /* ILPR */
		{ 0x024, 0xffff },   /* IBRD */
		{ 0x028, 0x3f },     /* FBRD */
		{ 0x02c, 0xff },     /* LCR_H */
		{ 0x030, 0xff87 },   /* CR: bits [6:3] reserved */
		{ 0x034, 0x3f },     /* IFLS */
		{ 0x038, 0x7ff },    /* IMSC */
		{ 0x048, 0x7 },      /* DMACR */
	};
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	for (size_t i = 0; i < ARRAY_SIZE(rw); i++) {
		uint64_t v;

		wr(&u, rw[i].off, 0xffffffff);
		assert_int_equal(rd(&u, rw[i].off), rw[i].mask);
		wr(&u, rw[i].off, 0);
		assert_int_equal(rd(&u, rw[i].off), 0);
		wr(&u, rw[i].off, 0x5a5a5a5a);
		assert_int_equal(rd(&u, rw[i].off), 0x5a5a5a5a & rw[i].mask);
		/* Narrow reads see the low bytes; narrow writes zero-extend. */
		assert_int_equal(vpl011_read(&u, rw[i].off, 1, &v), 0);
		assert_int_equal(v, 0x5a & rw[i].mask);
		assert_int_equal(vpl011_write(&u, rw[i].off, 1, 0x1ff), 0);
		assert_int_equal(rd(&u, rw[i].off), 0xff & rw[i].mask);
		assert_int_equal(vpl011_write(&u, rw[i].off, 2, 0xabcdef), 0);
		assert_int_equal(rd(&u, rw[i].off), 0xcdef & rw[i].mask);
	}
}

static void test_vpl011_readonly(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	wr(&u, 0x018, 0);            /* FR */
	assert_int_equal(rd(&u, 0x018), 0x97);
	wr(&u, 0x03c, 0);            /* RIS */
	assert_int_equal(rd(&u, 0x03c), 0x20);
	wr(&u, 0x040, 0x7ff);        /* MIS */
	assert_int_equal(rd(&u, 0x040), 0);
	wr(&u, 0x004, 0xff);         /* ECR: clears (no) errors */
	assert_int_equal(rd(&u, 0x004), 0);
	assert_int_equal(rd(&u, 0x044), 0);   /* ICR is write-only */
	assert_int_equal(c.n, 0);
}

/* ---------------------------------------------------------------- console output */

static void test_vpl011_lines(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	TX(&u, "hello\n");
	TX(&u, "crlf\r\n");
	TX(&u, "\n");
	TX(&u, "tab\there\n");
	TX(&u, "partial");
	assert_int_equal(c.n, 4);
	assert_string_equal(c.lines[0], "hello");
	assert_int_equal(c.lens[0], 5);
	assert_string_equal(c.lines[1], "crlf");
	assert_int_equal(c.lens[2], 0);
	assert_string_equal(c.lines[3], "tab\there");
	vpl011_flush(&u);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.lines[4], "partial");
	vpl011_flush(&u);                /* nothing pending: no empty line */
	assert_int_equal(c.n, 5);
	TX(&u, "\r\r\r");                /* only dropped bytes: still nothing */
	vpl011_flush(&u);
	assert_int_equal(c.n, 5);
}

static void test_vpl011_long_line(void **state)
{
	struct vpl011 u;
	struct capture c;
	char buf[600];

	init(&u, &c);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	tx_str(&u, buf, sizeof(buf));
	/* Split every VPL011_LINE_MAX - 1 bytes, nothing lost. */
	assert_int_equal(c.n, 2);
	assert_int_equal(c.lens[0], VPL011_LINE_MAX - 1);
	assert_int_equal(c.lens[1], VPL011_LINE_MAX - 1);
	assert_memory_equal(c.lines[0], buf, VPL011_LINE_MAX - 1);
	assert_memory_equal(c.lines[1], buf + VPL011_LINE_MAX - 1, VPL011_LINE_MAX - 1);
	TX(&u, "\n");
	assert_int_equal(c.n, 3);
	assert_int_equal(c.lens[2], sizeof(buf) - 2 * (VPL011_LINE_MAX - 1));
	assert_memory_equal(c.lines[2], buf + 2 * (VPL011_LINE_MAX - 1), c.lens[2]);
}

static void test_vpl011_control_bytes(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	TX(&u, "\x1b[2J\x1b]0;title\x07\n");       /* clear screen (dropped), set title */
	TX(&u, "a\bb\x7f" "c\x00" "d\x0c\n");     /* BS, DEL, NUL, FF */
	assert_int_equal(c.n, 2);
	assert_string_equal(c.lines[0], "0;title?");
	assert_string_equal(c.lines[1], "a?b?c?d?");
	/* Every C0 byte except TAB, LF, CR (and ESC, which starts a dropped sequence) becomes '?'. */
	for (unsigned b = 0; b < 0x20; b++) {
		if (b == '\n' || b == '\r' || b == 0x1b)
			continue;
		assert_int_equal(vpl011_write(&u, 0, 4, b), 0);
		vpl011_flush(&u);
		assert_int_equal(c.lens[c.n - 1], 1);
		assert_int_equal(c.lines[c.n - 1][0], b == '\t' ? '\t' : '?');
	}
}

static void test_vpl011_escape_sequences(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	TX(&u, "sh# \x1b[6nls\n");                 /* busybox ash asks for the cursor position */
	TX(&u, "\x1b[1;31mred\x1b[0m\n");           /* colours */
	TX(&u, "\x1b" "cx\n");                      /* two-byte escape: ESC c (reset) */
	TX(&u, "\x1b[");                             /* a CSI cut by a newline ends there */
	TX(&u, "12\nafter\n");
	assert_int_equal(c.n, 5);
	assert_string_equal(c.lines[0], "sh# ls");
	assert_string_equal(c.lines[1], "red");
	assert_string_equal(c.lines[2], "x");
	assert_string_equal(c.lines[3], "");
	assert_string_equal(c.lines[4], "after");
	/* A runaway CSI (no final byte) stops being dropped after a bounded length. */
	TX(&u, "\x1b[");
	for (unsigned i = 0; i < 40; i++)
		TX(&u, "1");
	TX(&u, "\n");
	assert_int_equal(c.n, 6);
	assert_true(c.lens[5] > 0 && c.lens[5] < 40);
}

static void test_vpl011_utf8(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "caf\xc3\xa9", "caf\xc3\xa9" },                     /* U+00E9 */
		{ "\xc2\xa0\xc2\xbf", "\xc2\xa0\xc2\xbf" },           /* U+00A0, U+00BF */
		{ "\xe2\x82\xac", "\xe2\x82\xac" },                   /* U+20AC */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },           /* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },           /* U+10FFFF */
		{ "\x9b" "31m", "?31m" },                             /* 8-bit CSI */
		{ "\xc2\x9b" "31m", "??31m" },                        /* U+009B CSI */
		{ "\xc2\x85", "??" },                                 /* U+0085 NEL */
		{ "\xc0\xaf", "??" },                                 /* overlong '/' */
		{ "\xe0\x80\xaf", "???" },                            /* overlong */
		{ "\xed\xa0\x80", "???" },                            /* surrogate */
		{ "\xf4\x90\x80\x80", "????" },                       /* > U+10FFFF */
		{ "\xf5\x80\x80\x80", "????" },
		{ "\xe2\x41\xac", "?A?" },                            /* bad continuation */
		{ "x\xe2\x82", "x??" },                               /* truncated at end of line */
		{ "\xff\xfe", "??" },
	};
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		tx_str(&u, cases[i].in, strlen(cases[i].in));
		TX(&u, "\n");
		assert_int_equal(c.n, i + 1);
		assert_string_equal(c.lines[i], cases[i].out);
	}
}

/* Whether text is what the console may show: printable ASCII, TAB, well-formed UTF-8 without C1. */
static void assert_console_safe(const char *text, unsigned len)
{
	const uint8_t *s = (const uint8_t *)text;

	for (unsigned i = 0; i < len; i++) {
		unsigned n = 0;

		if (s[i] < 0x80) {
			assert_true((s[i] >= 0x20 && s[i] != 0x7f) || s[i] == '\t');
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		assert_true(n != 0 && i + n <= len);
		for (unsigned k = 1; k < n; k++)
			assert_int_equal(s[i + k] & 0xc0, 0x80);
		assert_false(s[i] == 0xc2 && s[i + 1] < 0xa0);   /* U+0080..U+009F: C1 */
		i += n - 1;
	}
}

static void assert_partial(const struct vpl011 *u, const char *want)
{
	const char *text;
	unsigned len = vpl011_partial(u, &text);

	assert_console_safe(text, len);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
}

/*
 * A partial line is shown on the console as it stands (a shell prompt while the VM waits
 * for input): it must already be filtered, escape sequences, C1 controls and broken
 * UTF-8 included, not only once the line is complete.
 */
static void test_vpl011_partial_filtered(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	TX(&u, "sh# \x1b[2J\x1b[H\x1b[1;31m");
	assert_partial(&u, "sh# ");
	TX(&u, "\x9b" "2J");                    /* 8-bit CSI */
	assert_partial(&u, "sh# ?2J");
	TX(&u, "\xc2\x9b" "H");                 /* U+009B CSI, UTF-8 encoded */
	assert_partial(&u, "sh# ?2J??H");
	TX(&u, "\xe2\x82");                     /* a sequence not yet complete is held back */
	assert_partial(&u, "sh# ?2J??H");
	TX(&u, "\xac");
	assert_partial(&u, "sh# ?2J??H\xe2\x82\xac");
	TX(&u, "\xe2" "x\xed\xa0\x80\xff\x1b");   /* cut, surrogate, invalid, ESC pending */
	assert_partial(&u, "sh# ?2J??H\xe2\x82\xac?x????");
	TX(&u, "[6n\x07\x7f\xc3");
	assert_partial(&u, "sh# ?2J??H\xe2\x82\xac?x??????");
	assert_int_equal(c.n, 0);
	vpl011_flush(&u);                       /* the held-back lead byte ends as '?' */
	assert_int_equal(c.n, 1);
	assert_string_equal(c.lines[0], "sh# ?2J??H\xe2\x82\xac?x???????");

	/* A multi-byte character is not split when the line fills up: the line ends before it. */
	for (unsigned i = 0; i < VPL011_LINE_MAX - 2; i++)
		TX(&u, "a");
	TX(&u, "\xe2\x82\xac");
	assert_int_equal(c.n, 2);
	assert_int_equal(c.lens[1], VPL011_LINE_MAX - 2);
	assert_partial(&u, "\xe2\x82\xac");
}

static void test_vpl011_tx_regardless_of_cr(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	wr(&u, 0x030, 0);               /* UARTEN, TXE, RXE all clear */
	TX(&u, "still here\n");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.lines[0], "still here");
	/* 16- and 32-bit DR writes: only the data byte is sent. */
	assert_int_equal(vpl011_write(&u, 0, 2, 0x0f41), 0);
	assert_int_equal(vpl011_write(&u, 0, 4, 0xffffff42), 0);
	vpl011_flush(&u);
	assert_string_equal(c.lines[1], "AB");
}

static void test_vpl011_no_callback(void **state)
{
	struct vpl011 u;

	vpl011_init(&u, NULL, NULL);
	TX(&u, "discarded\n");
	TX(&u, "pending");
	vpl011_flush(&u);
	assert_int_equal(u.line_len, 0);
}

/* ---------------------------------------------------------------- interrupts */

static void test_vpl011_tx_irq(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	wr(&u, 0x038, 0x20);            /* IMSC.TXIM */
	assert_true(vpl011_irq_level(&u));
	assert_int_equal(rd(&u, 0x040), 0x20);
	wr(&u, 0x044, 0x20);            /* ICR.TXIC */
	assert_false(vpl011_irq_level(&u));
	assert_int_equal(rd(&u, 0x03c), 0);
	TX(&u, "x");                    /* FIFO drained again */
	assert_true(vpl011_irq_level(&u));
	wr(&u, 0x038, 0);
	assert_false(vpl011_irq_level(&u));
	assert_int_equal(rd(&u, 0x03c), 0x20);
}

static void fifo_on(struct vpl011 *u, uint32_t ifls)
{
	wr(u, 0x02c, 0x70);             /* LCR_H: 8 bits, FEN */
	wr(u, 0x034, ifls);
}

static void test_vpl011_rx_fifo(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	fifo_on(&u, 0x12);
	for (unsigned i = 0; i < 32; i++)
		assert_true(vpl011_rx_push(&u, (uint8_t)('A' + i)));
	assert_false(vpl011_rx_push(&u, '!'));
	assert_int_equal(rd(&u, 0x018) & 0x50, 0x40);   /* RXFF, not RXFE */
	for (unsigned i = 0; i < 32; i++) {
		uint64_t v;

		assert_int_equal(vpl011_read(&u, 0, i % 2 ? 1 : 4, &v), 0);
		assert_int_equal(v, 'A' + i);               /* no error bits */
		assert_false(rd(&u, 0x018) & 0x40);
	}
	assert_int_equal(rd(&u, 0x018) & 0x50, 0x10);
	assert_int_equal(rd(&u, 0x000), 0);             /* empty: 0, no underflow */
	assert_int_equal(rd(&u, 0x018) & 0x10, 0x10);

	/* Ring wrap-around with interleaved push/pop. */
	for (unsigned i = 0; i < 1000; i++) {
		assert_true(vpl011_rx_push(&u, (uint8_t)i));
		assert_true(vpl011_rx_push(&u, (uint8_t)(i + 1)));
		assert_int_equal(rd(&u, 0), (uint8_t)i);
		assert_int_equal(rd(&u, 0), (uint8_t)(i + 1));
	}
}

static void test_vpl011_rx_no_fifo(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);                   /* LCR_H.FEN clear: 1-byte holding register */
	wr(&u, 0x038, 0x50);            /* RXIM | RTIM */
	assert_true(vpl011_rx_push(&u, 'x'));
	assert_false(vpl011_rx_push(&u, 'y'));
	assert_int_equal(rd(&u, 0x018) & 0x50, 0x40);   /* RXFF */
	assert_int_equal(rd(&u, 0x03c) & 0x50, 0x50);   /* trigger level is 1 */
	assert_true(vpl011_irq_level(&u));
	assert_int_equal(rd(&u, 0), 'x');
	assert_int_equal(rd(&u, 0x03c) & 0x50, 0);
	assert_false(vpl011_irq_level(&u));
}

static void test_vpl011_rx_irq_levels(void **state)
{
	static const unsigned triggers[] = { 4, 8, 16, 24, 28 };

	for (unsigned sel = 0; sel < 5; sel++) {
		struct vpl011 u;
		struct capture c;

		init(&u, &c);
		fifo_on(&u, sel << 3);
		wr(&u, 0x038, 0x50);
		wr(&u, 0x044, 0x7ff);
		for (unsigned i = 1; i <= 32; i++) {
			assert_true(vpl011_rx_push(&u, (uint8_t)i));
			/* RT as soon as data waits; RX from the trigger level. */
			assert_int_equal(rd(&u, 0x03c) & 0x40, 0x40);
			assert_int_equal(!!(rd(&u, 0x03c) & 0x10), i >= triggers[sel]);
		}
		for (unsigned left = 31;; left--) {
			(void)rd(&u, 0);
			assert_int_equal(!!(rd(&u, 0x03c) & 0x10), left >= triggers[sel]);
			assert_int_equal(!!(rd(&u, 0x03c) & 0x40), left > 0);
			assert_int_equal(vpl011_irq_level(&u), left > 0);
			if (!left)
				break;
		}
	}
}

static void test_vpl011_rx_icr_mis(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	fifo_on(&u, 0x12);
	for (unsigned i = 0; i < 20; i++)
		assert_true(vpl011_rx_push(&u, 'z'));
	assert_int_equal(rd(&u, 0x03c), 0x70);          /* RT, TX, RX */
	assert_int_equal(rd(&u, 0x040), 0);
	assert_false(vpl011_irq_level(&u));
	wr(&u, 0x038, 0x40);                            /* RTIM only */
	assert_int_equal(rd(&u, 0x040), 0x40);
	assert_true(vpl011_irq_level(&u));
	wr(&u, 0x044, 0x50);                            /* ack RX and RT with data left */
	assert_int_equal(rd(&u, 0x03c), 0x20);
	assert_false(vpl011_irq_level(&u));
	assert_true(vpl011_rx_push(&u, 'z'));           /* new data: timeout again */
	assert_true(vpl011_irq_level(&u));
	/* Modem and error interrupts never fire, whatever the mask. */
	wr(&u, 0x038, 0x78f);
	wr(&u, 0x044, 0x7ff);
	assert_false(vpl011_irq_level(&u));
}

static void test_vpl011_loopback(void **state)
{
	struct vpl011 u;
	struct capture c;

	init(&u, &c);
	wr(&u, 0x030, 0x381);           /* UARTEN | TXE | RXE | LBE */
	TX(&u, "L\n");
	assert_int_equal(c.n, 0);
	assert_int_equal(rd(&u, 0), 'L');   /* FIFO off: the second byte was dropped */
	assert_int_equal(rd(&u, 0x018) & 0x10, 0x10);
	wr(&u, 0x030, 0x301);
	TX(&u, "out\n");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.lines[0], "out");
}

/* ---------------------------------------------------------------- hostile accesses */

static bool expect_ok(uint64_t off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && off % 4 == 0 && off < 0x1000;
}

/* Registers with a non-zero reset value: everything else in the window reads 0. */
static uint32_t expect_reset_value(uint64_t off)
{
	static const uint8_t ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	switch (off) {
	case 0x018: return 0x97;
	case 0x030: return 0x300;
	case 0x034: return 0x12;
	case 0x03c: return 0x20;
	default:
		return off >= 0xfe0 && off < 0x1000 ? ids[(off - 0xfe0) / 4] : 0;
	}
}

static void test_vpl011_hostile(void **state)
{
	static const uint64_t far[] = {
		0x1000, 0x1004, 0x100000000ULL, 0x100000018ULL, 1ULL << 63, ~0ULL, ~0ULL - 3,
		(uint64_t)-0x1000,
	};
	struct vpl011 u;
	struct capture c;
	uint64_t v;

	init(&u, &c);
	/* Reads first, on a fresh device: reserved offsets are zero. */
	for (uint64_t off = 0; off < 0x2000; off++)
		for (unsigned size = 0; size <= 16; size++) {
			int r;

			v = 0x1234;
			r = vpl011_read(&u, off, size, &v);
			if (r != (expect_ok(off, size) ? 0 : KE_INVAL))
				fail_msg("read %#llx/%u: %d", (unsigned long long)off, size, r);
			if (r && v != 0x1234)
				fail_msg("failed read %#llx/%u wrote *val", (unsigned long long)off, size);
			if (!r && size == 4 && v != expect_reset_value(off))
				fail_msg("read %#llx: %#llx", (unsigned long long)off, (unsigned long long)v);
		}
	/* Then writes of junk everywhere (including DR and the control registers). */
	for (uint64_t off = 0; off < 0x2000; off++)
		for (unsigned size = 0; size <= 16; size++) {
			int w = vpl011_write(&u, off, size, 0xdeadbeefcafef00dULL ^ off);

			if (w != (expect_ok(off, size) ? 0 : KE_INVAL))
				fail_msg("write %#llx/%u: %d", (unsigned long long)off, size, w);
		}
	for (size_t i = 0; i < ARRAY_SIZE(far); i++)
		for (unsigned size = 0; size <= 16; size++) {
			assert_int_equal(vpl011_read(&u, far[i], size, &v), KE_INVAL);
			assert_int_equal(vpl011_write(&u, far[i], size, 0), KE_INVAL);
		}
	assert_int_equal(vpl011_read(&u, 0, ~0u, &v), KE_INVAL);
	assert_int_equal(vpl011_write(&u, 0, 8, 'x'), KE_INVAL);   /* 64-bit DR */
	assert_int_equal(vpl011_write(&u, 1, 1, 'x'), KE_INVAL);   /* unaligned byte */
	/* The device still works. */
	vpl011_flush(&u);
	wr(&u, 0x030, 0x301);
	TX(&u, "ok\n");
	assert_true(c.n <= MAX_LINES);
	assert_string_equal(c.lines[c.n - 1], "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpl011_reset),
		cmocka_unit_test(test_vpl011_ids),
		cmocka_unit_test(test_vpl011_register_masks),
		cmocka_unit_test(test_vpl011_readonly),
		cmocka_unit_test(test_vpl011_lines),
		cmocka_unit_test(test_vpl011_long_line),
		cmocka_unit_test(test_vpl011_control_bytes),
		cmocka_unit_test(test_vpl011_escape_sequences),
		cmocka_unit_test(test_vpl011_utf8),
		cmocka_unit_test(test_vpl011_partial_filtered),
		cmocka_unit_test(test_vpl011_tx_regardless_of_cr),
		cmocka_unit_test(test_vpl011_no_callback),
		cmocka_unit_test(test_vpl011_tx_irq),
		cmocka_unit_test(test_vpl011_rx_fifo),
		cmocka_unit_test(test_vpl011_rx_no_fifo),
		cmocka_unit_test(test_vpl011_rx_irq_levels),
		cmocka_unit_test(test_vpl011_rx_icr_mis),
		cmocka_unit_test(test_vpl011_loopback),
		cmocka_unit_test(test_vpl011_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
