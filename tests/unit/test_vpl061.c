// deps: src/devices/vpl061.c
/*
 * Emulated PL061 GPIO: registers, GPIODATA address masking, interrupt detection, output
 * callbacks, bad accesses, a randomized run against a line-by-line reference model, and
 * hostile byte streams through both (also a libFuzzer entry, KEEL_LIBFUZZER).
 * Offsets and ID values are from the PrimeCell GPIO (PL061) TRM, written as literals here
 * so the test does not just repeat the header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vpl061.h>

#define MAX_CALLS 64

struct call {
	unsigned line;
	bool level;
};

struct capture {
	struct vpl061 *dev;
	struct call calls[MAX_CALLS];
	unsigned n;
	uint8_t outputs_seen;   /* vpl061_outputs() read from inside the last callback */
};

static void capture_out(void *ctx, unsigned line, bool level)
{
	struct capture *c = ctx;

	assert_true(line < 8);
	assert_true(c->n < MAX_CALLS);
	c->calls[c->n++] = (struct call){ line, level };
	c->outputs_seen = vpl061_outputs(c->dev);
}

static uint32_t rd(struct vpl061 *g, uint64_t off)
{
	uint64_t v = ~0ULL;

	assert_int_equal(vpl061_read(g, off, 4, &v), 0);
	assert_true(v <= 0xff);
	return (uint32_t)v;
}

static void wr(struct vpl061 *g, uint64_t off, uint32_t v)
{
	assert_int_equal(vpl061_write(g, off, 4, v), 0);
}

static void wrb(struct vpl061 *g, uint64_t off, uint8_t v)
{
	assert_int_equal(vpl061_write(g, off, 1, v), 0);
}

static void in(struct vpl061 *g, unsigned line, bool level)
{
	assert_int_equal(vpl061_set_input(g, line, level), 0);
}

static void init(struct vpl061 *g, struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->dev = g;
	vpl061_init(g, capture_out, c);
}

/* GPIODATA offset whose address bits [9:2] select mask. */
static uint64_t data_at(uint8_t mask)
{
	return (uint64_t)mask << 2;
}

static const uint64_t rw_regs[] = { 0x400, 0x404, 0x408, 0x40c, 0x410, 0x420 };

static void test_vpl061_reset(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	for (uint64_t off = 0; off < 0x424; off += 4)
		assert_int_equal(rd(&g, off), 0);
	assert_false(vpl061_irq_level(&g));
	assert_int_equal(vpl061_outputs(&g), 0);
	assert_int_equal(c.n, 0);
}

static void test_vpl061_ids(void **state)
{
	static const uint8_t ids[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t v;

		assert_int_equal(rd(&g, 0xfe0 + 4 * i), ids[i]);
		assert_int_equal(vpl061_read(&g, 0xfe0 + 4 * i, 1, &v), 0);
		assert_int_equal(v, ids[i]);
		assert_int_equal(vpl061_read(&g, 0xfe0 + 4 * i, 2, &v), 0);
		assert_int_equal(v, ids[i]);
		wr(&g, 0xfe0 + 4 * i, 0xff);   /* read-only */
		assert_int_equal(rd(&g, 0xfe0 + 4 * i), ids[i]);
	}
	/*
	 * The AMBA bus view (32-bit reads, low byte of each): Linux's gpio-pl061 matches
	 * id 0x00041061 under mask 0x000fffff, and the bus wants PCellID 0xb105f00d.
	 */
	uint32_t pid = rd(&g, 0xfe0) | rd(&g, 0xfe4) << 8 | rd(&g, 0xfe8) << 16 | rd(&g, 0xfec) << 24;
	uint32_t cid = rd(&g, 0xff0) | rd(&g, 0xff4) << 8 | rd(&g, 0xff8) << 16 | rd(&g, 0xffc) << 24;

	assert_int_equal(pid & 0x000fffff, 0x00041061);
	assert_int_equal(pid, 0x00041061);
	assert_int_equal(cid, 0xb105f00d);
	for (unsigned off = 0xfd0; off < 0xfe0; off += 4)
		assert_int_equal(rd(&g, off), 0);
}

static void test_vpl061_registers(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	for (unsigned i = 0; i < 6; i++) {
		uint64_t v;

		/* 8-bit registers: a 32-bit write keeps PWDATA[7:0]. */
		wr(&g, rw_regs[i], 0xffffff00u | (0x5a + i));
		assert_int_equal(rd(&g, rw_regs[i]), 0x5a + i);
		wrb(&g, rw_regs[i], 0xa5);
		assert_int_equal(rd(&g, rw_regs[i]), 0xa5);
		assert_int_equal(vpl061_write(&g, rw_regs[i], 2, 0x1c3), 0);
		assert_int_equal(vpl061_read(&g, rw_regs[i], 1, &v), 0);
		assert_int_equal(v, 0xc3);
		assert_int_equal(vpl061_read(&g, rw_regs[i], 2, &v), 0);
		assert_int_equal(v, 0xc3);
	}
	/* Every register kept its own value. */
	for (unsigned i = 0; i < 6; i++)
		wr(&g, rw_regs[i], 0x10 + i);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(rd(&g, rw_regs[i]), 0x10 + i);
}

static void test_vpl061_readonly_and_reserved(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x400, 0x00);   /* all inputs */
	wr(&g, 0x404, 0xff);   /* level */
	wr(&g, 0x40c, 0x0f);   /* low 4 lines high-level, high 4 low-level */
	wr(&g, 0x410, 0x3c);
	assert_int_equal(rd(&g, 0x414), 0xf0);   /* inputs low: the low-level lines pend */
	assert_int_equal(rd(&g, 0x418), 0x30);
	wr(&g, 0x414, 0x00);   /* RIS, MIS: read-only */
	wr(&g, 0x418, 0x00);
	assert_int_equal(rd(&g, 0x414), 0xf0);
	assert_int_equal(rd(&g, 0x418), 0x30);
	assert_int_equal(rd(&g, 0x41c), 0);   /* IC reads as zero */
	/* Reserved offsets read zero and ignore writes. */
	for (uint64_t off = 0x424; off < 0xfe0; off += 4) {
		wr(&g, off, 0xff);
		assert_int_equal(rd(&g, off), 0);
	}
	assert_int_equal(rd(&g, 0x400), 0x00);
	assert_int_equal(rd(&g, 0x404), 0xff);
	assert_int_equal(rd(&g, 0x40c), 0x0f);
	assert_int_equal(rd(&g, 0x410), 0x3c);
	assert_int_equal(rd(&g, 0x420), 0x00);
	assert_int_equal(rd(&g, 0x3fc), 0x00);
	assert_int_equal(c.n, 0);
}

static void test_vpl061_data_masking(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x400, 0xff);
	wr(&g, 0x3fc, 0xff);                    /* mask 0xff */
	assert_int_equal(rd(&g, 0x3fc), 0xff);
	wr(&g, data_at(0x08), 0x00);            /* offset 0x020: bit 3 only */
	assert_int_equal(rd(&g, 0x3fc), 0xf7);
	wr(&g, 0x000, 0x00);                    /* mask 0: nothing written */
	assert_int_equal(rd(&g, 0x3fc), 0xf7);
	assert_int_equal(rd(&g, 0x000), 0x00);  /* nothing read */
	assert_int_equal(rd(&g, 0x004), 0x01);
	assert_int_equal(rd(&g, 0x020), 0x00);
	assert_int_equal(rd(&g, data_at(0x0c)), 0x04);
	wr(&g, data_at(0x81), 0x7e);            /* bits 7 and 0 written 0, the rest ignored */
	assert_int_equal(rd(&g, 0x3fc), 0x76);
	for (unsigned m = 0; m < 256; m++)
		assert_int_equal(rd(&g, data_at((uint8_t)m)), 0x76 & m);

	/* Inputs: writes do not reach them, reads return keel's levels. */
	init(&g, &c);
	wr(&g, 0x400, 0x0f);
	in(&g, 5, true);
	in(&g, 1, true);                        /* an output: not seen */
	wr(&g, 0x3fc, 0xff);
	assert_int_equal(rd(&g, 0x3fc), 0x2f);
	assert_int_equal(rd(&g, data_at(0x20)), 0x20);
	assert_int_equal(rd(&g, data_at(0xdf)), 0x0f);
	/* The discarded input bits stay discarded once the lines become outputs. */
	wr(&g, 0x400, 0xff);
	assert_int_equal(rd(&g, 0x3fc), 0x0f);
	/* And an output made an input again reads the input level. */
	wr(&g, 0x400, 0x00);
	assert_int_equal(rd(&g, 0x3fc), 0x22);
}

static void test_vpl061_edge_rising_falling(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x40c, 0x01);   /* line 0 rising, line 1 falling; edge, single */
	wr(&g, 0x410, 0x03);
	in(&g, 0, true);
	assert_int_equal(rd(&g, 0x414), 0x01);
	assert_int_equal(rd(&g, 0x418), 0x01);
	assert_true(vpl061_irq_level(&g));
	in(&g, 0, false);      /* latched: the falling edge does not clear it */
	assert_int_equal(rd(&g, 0x414), 0x01);
	wr(&g, 0x41c, 0x00);   /* 0 in IC: no effect */
	assert_int_equal(rd(&g, 0x414), 0x01);
	wr(&g, 0x41c, 0xfe);   /* other lines' bits: no effect */
	assert_int_equal(rd(&g, 0x414), 0x01);
	wr(&g, 0x41c, 0x01);
	assert_int_equal(rd(&g, 0x414), 0x00);
	assert_false(vpl061_irq_level(&g));
	in(&g, 0, false);      /* no change, no edge */
	assert_int_equal(rd(&g, 0x414), 0x00);

	in(&g, 1, true);       /* rising on a falling-edge line */
	assert_int_equal(rd(&g, 0x414), 0x00);
	in(&g, 1, false);
	assert_int_equal(rd(&g, 0x414), 0x02);
	assert_true(vpl061_irq_level(&g));
	wrb(&g, 0x41c, 0x02);
	assert_int_equal(rd(&g, 0x414), 0x00);
	/* Changing the sense never makes an edge. */
	in(&g, 2, true);
	wr(&g, 0x40c, 0xff);
	wr(&g, 0x40c, 0x00);
	assert_int_equal(rd(&g, 0x414), 0x00);
	in(&g, 2, false);
	assert_int_equal(rd(&g, 0x414), 0x04);
}

static void test_vpl061_edge_both(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x408, 0x80);   /* line 7 both edges; GPIOIEV ignored */
	wr(&g, 0x40c, 0x80);
	in(&g, 7, true);
	assert_int_equal(rd(&g, 0x414), 0x80);
	wr(&g, 0x41c, 0x80);
	in(&g, 7, false);
	assert_int_equal(rd(&g, 0x414), 0x80);
	wr(&g, 0x41c, 0x80);
	wr(&g, 0x40c, 0x00);
	in(&g, 7, true);
	assert_int_equal(rd(&g, 0x414), 0x80);
	assert_false(vpl061_irq_level(&g));   /* GPIOIE = 0 */
	assert_int_equal(rd(&g, 0x418), 0x00);
}

static void test_vpl061_level(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x410, 0xff);
	wr(&g, 0x40c, 0x10);   /* line 4 high level */
	wr(&g, 0x404, 0x10);
	assert_int_equal(rd(&g, 0x414), 0x00);
	in(&g, 4, true);
	assert_int_equal(rd(&g, 0x414), 0x10);
	assert_true(vpl061_irq_level(&g));
	wr(&g, 0x41c, 0xff);   /* IC does not clear a level */
	assert_int_equal(rd(&g, 0x414), 0x10);
	in(&g, 4, false);
	assert_int_equal(rd(&g, 0x414), 0x00);
	assert_false(vpl061_irq_level(&g));
	wr(&g, 0x40c, 0x00);   /* low level: pending at once */
	assert_int_equal(rd(&g, 0x414), 0x10);
	wr(&g, 0x408, 0x10);   /* GPIOIBE has no effect on level lines */
	assert_int_equal(rd(&g, 0x414), 0x10);
	wr(&g, 0x408, 0x00);

	/* A latched edge is dropped when its line turns to level detection... */
	wr(&g, 0x40c, 0x01);
	in(&g, 0, true);
	in(&g, 0, false);
	assert_int_equal(rd(&g, 0x414), 0x11);
	wr(&g, 0x404, 0x11);   /* line 0 high level, and low */
	assert_int_equal(rd(&g, 0x414), 0x10);
	/* ...and does not come back when it turns to edge detection again. */
	wr(&g, 0x404, 0x10);
	assert_int_equal(rd(&g, 0x414), 0x10);
	/* No edge is latched on a level line either. */
	wr(&g, 0x404, 0x11);
	in(&g, 0, true);
	in(&g, 0, false);
	wr(&g, 0x404, 0x10);
	assert_int_equal(rd(&g, 0x414), 0x10);
}

static void test_vpl061_ie_mask(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x40c, 0xff);
	in(&g, 3, true);
	in(&g, 6, true);
	assert_int_equal(rd(&g, 0x414), 0x48);
	assert_int_equal(rd(&g, 0x418), 0x00);
	assert_false(vpl061_irq_level(&g));
	wr(&g, 0x410, 0xb7);   /* every line but 3 and 6 */
	assert_int_equal(rd(&g, 0x418), 0x00);
	assert_false(vpl061_irq_level(&g));
	wr(&g, 0x410, 0x08);
	assert_int_equal(rd(&g, 0x418), 0x08);
	assert_true(vpl061_irq_level(&g));
	wr(&g, 0x41c, 0x08);
	assert_int_equal(rd(&g, 0x414), 0x40);   /* the masked one is still raw-pending */
	assert_false(vpl061_irq_level(&g));
	wr(&g, 0x410, 0x40);
	assert_true(vpl061_irq_level(&g));
}

static void test_vpl061_output_callback(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	wr(&g, 0x400, 0x01);                 /* output with data 0: nothing changes */
	assert_int_equal(c.n, 0);
	wr(&g, data_at(0x01), 0x01);         /* rising: rings */
	assert_int_equal(c.n, 1);
	assert_int_equal(c.calls[0].line, 0);
	assert_true(c.calls[0].level);
	assert_int_equal(c.outputs_seen, 0x01);   /* the state was updated before the call */
	wr(&g, data_at(0x01), 0x01);         /* unchanged: nothing */
	wr(&g, data_at(0xfe), 0x00);         /* other lines (inputs): nothing */
	assert_int_equal(c.n, 1);
	wr(&g, 0x3fc, 0x00);
	assert_int_equal(c.n, 2);
	assert_false(c.calls[1].level);
	assert_int_equal(vpl061_outputs(&g), 0x00);

	/* An output written 1 and made an input drives low; back to output, high again. */
	wr(&g, 0x3fc, 0x01);
	wr(&g, 0x400, 0x00);
	wr(&g, 0x400, 0x01);
	assert_int_equal(c.n, 5);
	assert_true(c.calls[2].level);
	assert_false(c.calls[3].level);
	assert_true(c.calls[4].level);

	/* Several lines in one write: one call per changed line, lowest first. */
	init(&g, &c);
	wr(&g, 0x400, 0xf0);
	wr(&g, 0x3fc, 0xa5);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.calls[0].line, 5);
	assert_int_equal(c.calls[1].line, 7);
	assert_int_equal(vpl061_outputs(&g), 0xa0);
	/* keel's input levels do not reach the outputs. */
	in(&g, 4, true);
	in(&g, 0, true);
	assert_int_equal(c.n, 2);

	/* Linux's direction_output(line 2, 1): write value, set GPIODIR, write value. */
	init(&g, &c);
	wrb(&g, data_at(0x04), 0x04);        /* discarded: not an output yet */
	assert_int_equal(c.n, 0);
	wrb(&g, 0x400, rd(&g, 0x400) | 0x04);
	assert_int_equal(c.n, 0);
	wrb(&g, data_at(0x04), 0x04);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.calls[0].line, 2);
	assert_true(c.calls[0].level);

	/* No callback: output changes are dropped, state still tracked. */
	vpl061_init(&g, NULL, NULL);
	wr(&g, 0x400, 0xff);
	wr(&g, 0x3fc, 0x3c);
	assert_int_equal(vpl061_outputs(&g), 0x3c);
}

static void test_vpl061_outputs_seen_by_detection(void **state)
{
	struct vpl061 g;
	struct capture c;

	init(&g, &c);
	/* A guest's own output edges latch like the pad's, as on hardware. */
	wr(&g, 0x40c, 0x02);
	wr(&g, 0x410, 0x02);
	wr(&g, 0x400, 0x02);
	wr(&g, data_at(0x02), 0x02);
	assert_int_equal(rd(&g, 0x414), 0x02);
	assert_true(vpl061_irq_level(&g));
	wr(&g, 0x41c, 0x02);
	/* An input driven high whose line becomes an output with data 0 falls. */
	wr(&g, 0x40c, 0x00);
	in(&g, 3, true);
	wr(&g, 0x400, 0x0a);
	assert_int_equal(rd(&g, 0x414), 0x08);
}

static void test_vpl061_bad_accesses(void **state)
{
	static const uint64_t far[] = { 0x1000, 0x1004, 0xfffffffffffffffcull, 0x100000000ull,
					0x1000 + 0x3fc };
	static const uint64_t unaligned[] = { 0x001, 0x002, 0x003, 0x3fd, 0x401, 0x41e, 0xfe1, 0xfff };
	static const unsigned sizes[] = { 0, 3, 5, 8, 16, ~0u };
	struct vpl061 g;
	struct capture c;
	uint64_t v = 0x1234;

	init(&g, &c);
	wr(&g, 0x400, 0xff);
	wr(&g, 0x3fc, 0x5a);
	c.n = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(far); i++)
		for (unsigned size = 1; size <= 4; size *= 2) {
			assert_int_equal(vpl061_read(&g, far[i], size, &v), KE_INVAL);
			assert_int_equal(vpl061_write(&g, far[i], size, 0), KE_INVAL);
		}
	for (unsigned i = 0; i < ARRAY_SIZE(unaligned); i++) {
		assert_int_equal(vpl061_read(&g, unaligned[i], 1, &v), KE_INVAL);
		assert_int_equal(vpl061_write(&g, unaligned[i], 1, 0), KE_INVAL);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		assert_int_equal(vpl061_read(&g, 0x3fc, sizes[i], &v), KE_INVAL);
		assert_int_equal(vpl061_write(&g, 0x3fc, sizes[i], 0), KE_INVAL);
		assert_int_equal(vpl061_write(&g, 0x400, sizes[i], 0), KE_INVAL);
	}
	assert_int_equal(v, 0x1234);   /* refused reads leave the destination alone */
	assert_int_equal(vpl061_set_input(&g, 8, true), KE_INVAL);
	assert_int_equal(vpl061_set_input(&g, ~0u, true), KE_INVAL);
	/* Nothing changed and no callback fired. */
	assert_int_equal(c.n, 0);
	assert_int_equal(rd(&g, 0x3fc), 0x5a);
	assert_int_equal(rd(&g, 0x400), 0xff);
	/* A 64-bit value through a 32-bit write: only PWDATA[7:0] counts. */
	assert_int_equal(vpl061_write(&g, 0x3fc, 4, 0xffffffffffffff00ull), 0);
	assert_int_equal(rd(&g, 0x3fc), 0x00);
}

/* ---------------------------------------------------------------- reference model */

/* Written line by line from the TRM's description, independently of the bit-parallel model. */
struct ref {
	bool out[8], in[8], dir[8], is[8], ibe[8], iev[8], ie[8], afsel[8];
	bool latch[8], seen[8], driven[8];
	struct call expect[MAX_CALLS];
	unsigned n_expect;
};

static bool ref_line(const struct ref *r, unsigned l)
{
	return r->dir[l] ? r->out[l] : r->in[l];
}

static bool ref_ris(const struct ref *r, unsigned l)
{
	if (r->is[l])
		return r->seen[l] == r->iev[l];
	return r->latch[l];
}

static void ref_settle(struct ref *r)
{
	for (unsigned l = 0; l < 8; l++) {
		bool now = ref_line(r, l);

		if (now != r->seen[l] && !r->is[l]) {
			bool rising = now;

			if (r->ibe[l] || rising == r->iev[l])
				r->latch[l] = true;
		}
		r->seen[l] = now;
		if (r->is[l])
			r->latch[l] = false;
	}
	for (unsigned l = 0; l < 8; l++) {
		bool drive = r->dir[l] && r->out[l];

		if (drive != r->driven[l]) {
			assert_true(r->n_expect < MAX_CALLS);
			r->expect[r->n_expect++] = (struct call){ l, drive };
			r->driven[l] = drive;
		}
	}
}

static uint8_t ref_pack(const bool b[8])
{
	uint8_t v = 0;

	for (unsigned l = 0; l < 8; l++)
		v |= (uint8_t)(b[l] << l);
	return v;
}

static void ref_unpack(bool b[8], uint8_t v)
{
	for (unsigned l = 0; l < 8; l++)
		b[l] = (v >> l) & 1;
}

static void ref_write(struct ref *r, uint64_t off, uint8_t v)
{
	if (off < 0x400) {
		for (unsigned l = 0; l < 8; l++)
			if (((off >> 2) >> l & 1) && r->dir[l])
				r->out[l] = (v >> l) & 1;
	} else if (off == 0x400) {
		ref_unpack(r->dir, v);
	} else if (off == 0x404) {
		ref_unpack(r->is, v);
	} else if (off == 0x408) {
		ref_unpack(r->ibe, v);
	} else if (off == 0x40c) {
		ref_unpack(r->iev, v);
	} else if (off == 0x410) {
		ref_unpack(r->ie, v);
	} else if (off == 0x41c) {
		for (unsigned l = 0; l < 8; l++)
			if ((v >> l) & 1)
				r->latch[l] = false;
	} else if (off == 0x420) {
		ref_unpack(r->afsel, v);
	}
	ref_settle(r);
}

static uint8_t ref_read(const struct ref *r, uint64_t off)
{
	uint8_t v = 0;

	if (off < 0x400) {
		for (unsigned l = 0; l < 8; l++)
			if ((off >> 2) >> l & 1)
				v |= (uint8_t)(ref_line(r, l) << l);
		return v;
	}
	switch (off) {
	case 0x400: return ref_pack(r->dir);
	case 0x404: return ref_pack(r->is);
	case 0x408: return ref_pack(r->ibe);
	case 0x40c: return ref_pack(r->iev);
	case 0x410: return ref_pack(r->ie);
	case 0x414:
	case 0x418:
		for (unsigned l = 0; l < 8; l++)
			if (ref_ris(r, l) && (off == 0x414 || r->ie[l]))
				v |= (uint8_t)(1u << l);
		return v;
	case 0x420: return ref_pack(r->afsel);
	case 0xfe0: return 0x61;
	case 0xfe4: return 0x10;
	case 0xfe8: return 0x04;
	case 0xff0: return 0x0d;
	case 0xff4: return 0xf0;
	case 0xff8: return 0x05;
	case 0xffc: return 0xb1;
	default:    return 0;
	}
}

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64: deterministic, so a failure reproduces */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Offsets the random run writes: the registers, a few data masks, read-only and reserved. */
static uint64_t random_offset(void)
{
	static const uint64_t regs[] = { 0x400, 0x404, 0x408, 0x40c, 0x410, 0x414, 0x418, 0x41c,
					 0x420, 0x424, 0xfe0, 0xffc };
	uint32_t pick = rng() % 24;

	if (pick < ARRAY_SIZE(regs))
		return regs[pick];
	return data_at((uint8_t)rng());
}

static void check_against_ref(struct vpl061 *g, struct capture *c, struct ref *r)
{
	static const uint64_t offs[] = { 0x3fc, 0x400, 0x404, 0x408, 0x40c, 0x410, 0x414, 0x418,
					 0x41c, 0x420, 0xfe8 };
	uint64_t mask_off = data_at((uint8_t)rng());

	for (unsigned i = 0; i < ARRAY_SIZE(offs); i++)
		assert_int_equal(rd(g, offs[i]), ref_read(r, offs[i]));
	assert_int_equal(rd(g, mask_off), ref_read(r, mask_off));
	assert_int_equal(vpl061_irq_level(g), ref_read(r, 0x418) != 0);
	assert_int_equal(vpl061_outputs(g), ref_pack(r->driven));
	assert_int_equal(c->n, r->n_expect);
	for (unsigned i = 0; i < c->n; i++) {
		assert_int_equal(c->calls[i].line, r->expect[i].line);
		assert_int_equal(c->calls[i].level, r->expect[i].level);
	}
	c->n = 0;
	r->n_expect = 0;
}

static void test_vpl061_random_vs_reference(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct vpl061 g;
		struct capture c;
		struct ref r;

		rng_state = seed * 0x9e3779b97f4a7c15ull;
		init(&g, &c);
		memset(&r, 0, sizeof(r));
		for (unsigned step = 0; step < 20000; step++) {
			if (rng() % 3 == 0) {
				unsigned line = rng() % 8;
				bool level = rng() & 1;

				in(&g, line, level);
				r.in[line] = level;
				ref_settle(&r);
			} else {
				uint64_t off = random_offset();
				uint32_t v = rng();

				assert_int_equal(vpl061_write(&g, off, sizes[rng() % 3], v), 0);
				ref_write(&r, off, (uint8_t)v);
			}
			check_against_ref(&g, &c, &r);
		}
	}
}

/* ---------------------------------------------------------------- hostile byte streams */

/* What the model must accept, stated independently of it. */
static bool ref_access_ok(uint64_t off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && off < 0x1000 && off % 4 == 0;
}

/*
 * Run a guest-chosen byte stream against the model and the reference, 4 bytes per
 * operation: op, two offset bytes, value. Offsets with bit 15 set are taken raw (out of
 * the window, unaligned), the rest are aligned into the window so registers get hit.
 * Also a libFuzzer entry: build this file with -DKEEL_LIBFUZZER (see the end).
 */
static void fuzz_run(const uint8_t *data, size_t len)
{
	static const unsigned sizes[8] = { 1, 2, 4, 8, 0, 3, 1, 4 };
	struct vpl061 g;
	struct capture c;
	struct ref r;

	rng_state = 0x243f6a8885a308d3ull;
	init(&g, &c);
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint8_t op = data[i], v = data[i + 3];
		uint64_t off = data[i + 1] | (uint64_t)data[i + 2] << 8;
		unsigned size = sizes[(op >> 2) & 7];
		uint64_t got = 0x1234;

		if ((op & 3) == 0) {
			unsigned line = data[i + 1];
			int rc = vpl061_set_input(&g, line, v & 1);

			assert_int_equal(rc, line < 8 ? 0 : KE_INVAL);
			if (line < 8) {
				r.in[line] = v & 1;
				ref_settle(&r);
			}
			check_against_ref(&g, &c, &r);
			continue;
		}
		if (!(off & 0x8000))
			off = off & 0xffc;
		if (op & 0x20) {
			int rc = vpl061_read(&g, off, size, &got);

			if (!ref_access_ok(off, size)) {
				assert_int_equal(rc, KE_INVAL);
				assert_int_equal(got, 0x1234);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(got, ref_read(&r, off));
			}
		} else {
			/* The upper value bits come from op: only PWDATA[7:0] may count. */
			uint64_t wide = (uint64_t)op << 56 | (uint64_t)op << 24 | v;
			int rc = vpl061_write(&g, off, size, wide);

			assert_int_equal(rc, ref_access_ok(off, size) ? 0 : KE_INVAL);
			if (rc == 0)
				ref_write(&r, off, v);
		}
		check_against_ref(&g, &c, &r);
	}
}

static void test_vpl061_hostile_streams(void **state)
{
	uint8_t buf[512];

	for (unsigned n = 0; n < 400; n++) {
		rng_state = (n + 1) * 0xd1b54a32d192ed03ull;
		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rng();
		fuzz_run(buf, sizeof(buf));
	}
}

#ifdef KEEL_LIBFUZZER
/*
 * clang -fsanitize=fuzzer,address,undefined -DKEEL_LIBFUZZER -DKEEL_HOST -Iinclude \
 *	tests/unit/test_vpl061.c src/devices/vpl061.c -lcmocka -o fuzz_vpl061
 * A mismatch fails a cmocka assertion outside a test, which exits: libFuzzer reports it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_run(data, len);
	return 0;
}
#else
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpl061_reset),
		cmocka_unit_test(test_vpl061_ids),
		cmocka_unit_test(test_vpl061_registers),
		cmocka_unit_test(test_vpl061_readonly_and_reserved),
		cmocka_unit_test(test_vpl061_data_masking),
		cmocka_unit_test(test_vpl061_edge_rising_falling),
		cmocka_unit_test(test_vpl061_edge_both),
		cmocka_unit_test(test_vpl061_level),
		cmocka_unit_test(test_vpl061_ie_mask),
		cmocka_unit_test(test_vpl061_output_callback),
		cmocka_unit_test(test_vpl061_outputs_seen_by_detection),
		cmocka_unit_test(test_vpl061_bad_accesses),
		cmocka_unit_test(test_vpl061_random_vs_reference),
		cmocka_unit_test(test_vpl061_hostile_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
