/*
 * Emulated PL011 UART: see include/keel/vpl011.h for the model.
 */
#include <keel/nospec.h>
#include <keel/vpl011.h>

#define VPL011_REG_ALIGN    4

/* Implemented bits of each register (TRM chapter 3). */
#define VPL011_DR_DATA      GENMASK(7, 0)
#define VPL011_ILPR_MASK    GENMASK(7, 0)
#define VPL011_IBRD_MASK    GENMASK(15, 0)
#define VPL011_FBRD_MASK    GENMASK(5, 0)
#define VPL011_LCR_H_MASK   GENMASK(7, 0)
#define VPL011_CR_MASK      (GENMASK(15, 7) | GENMASK(2, 0))  /* [6:3] reserved */
#define VPL011_IFLS_MASK    GENMASK(5, 0)
#define VPL011_DMACR_MASK   GENMASK(2, 0)

#define VPL011_IFLS_RXIFLSEL_SHIFT 3
#define VPL011_IFLS_RXIFLSEL_MASK  GENMASK(5, 3)

/* Primecell identification: part 0x011, designer 0x41 (Arm), revision 3 (r1p5). */
static const uint8_t vpl011_periph_id[4] = { 0x11, 0x10, 0x34, 0x00 };
static const uint8_t vpl011_pcell_id[4] = { 0x0d, 0xf0, 0x05, 0xb1 };
#define VPL011_ID_REGS      4

/* RX FIFO trigger levels for IFLS.RXIFLSEL: 1/8, 1/4, 1/2, 3/4, 7/8 full. */
static const uint8_t vpl011_rx_trigger_levels[] = { 4, 8, 16, 24, 28 };
#define VPL011_RX_TRIGGER_DEFAULT 16   /* reserved RXIFLSEL values */

#define VPL011_CHAR_REPLACEMENT '?'
#define VPL011_CHAR_DEL         0x7f
#define VPL011_CHAR_SPACE       0x20

void vpl011_init(struct vpl011 *u, void (*emit_line)(void *ctx, const char *line, unsigned len),
		 void *ctx)
{
	*u = (struct vpl011){
		.cr = VPL011_CR_RESET,
		.ifls = VPL011_IFLS_RESET,
		/* The TX FIFO is empty: at or below any trigger level. */
		.ris = VPL011_INT_TX,
		.emit_line = emit_line,
		.ctx = ctx,
	};
}

/* ---------------------------------------------------------------- console output */

/* Length of the UTF-8 sequence starting with lead byte c, 0 if c cannot start one. */
static unsigned utf8_seq_len(uint8_t c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;   /* continuation byte, overlong C0/C1 lead, or beyond U+10FFFF */
}

static bool utf8_is_cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Whether c may follow lead as the second byte of a well-formed UTF-8 sequence that is
 * not a C1 control (U+0080..U+009F, which 8-bit terminals treat as escapes: 0x9b is CSI).
 * Excludes overlong forms, surrogates and code points above U+10FFFF.
 */
static bool utf8_second_ok(uint8_t lead, uint8_t c)
{
	if (!utf8_is_cont(c))
		return false;
	switch (lead) {
	case 0xc2: return c >= 0xa0;
	case 0xe0: return c >= 0xa0;
	case 0xed: return c < 0xa0;
	case 0xf0: return c >= 0x90;
	case 0xf4: return c < 0x90;
	default:   return true;
	}
}

static void vpl011_emit(struct vpl011 *u)
{
	u->line[u->line_len] = '\0';
	if (u->emit_line)
		u->emit_line(u->ctx, u->line, u->line_len);
	u->line_len = 0;
}

/*
 * Append n bytes that passed the filter. A UTF-8 sequence is never split across two
 * lines: if it does not fit, the line is emitted first.
 */
static void vpl011_line_put(struct vpl011 *u, const uint8_t *s, unsigned n)
{
	if (u->line_len + n > VPL011_LINE_MAX - 1)
		vpl011_emit(u);
	for (unsigned i = 0; i < n; i++)
		u->line[u->line_len++] = (char)s[i];
	if (u->line_len == VPL011_LINE_MAX - 1)
		vpl011_emit(u);
}

static void vpl011_line_put_replacement(struct vpl011 *u)
{
	static const uint8_t replacement = VPL011_CHAR_REPLACEMENT;

	vpl011_line_put(u, &replacement, 1);
}

/* The pending UTF-8 sequence cannot be completed: each of its bytes shows as '?'. */
static void vpl011_utf8_reject(struct vpl011 *u)
{
	for (unsigned i = 0; i < u->utf8_len; i++)
		vpl011_line_put_replacement(u);
	u->utf8_len = 0;
}

/*
 * A byte >= 0x80. A multi-byte sequence is held back until it is complete and checked,
 * so the line buffer (and so a partial line shown on the console) only ever holds bytes
 * that passed the filter.
 */
static void vpl011_utf8_feed(struct vpl011 *u, uint8_t c)
{
	if (u->utf8_len) {
		bool ok = u->utf8_len == 1 ? utf8_second_ok(u->utf8[0], c) : utf8_is_cont(c);

		if (ok) {
			u->utf8[u->utf8_len++] = c;
			if (u->utf8_len == utf8_seq_len(u->utf8[0])) {
				vpl011_line_put(u, u->utf8, u->utf8_len);
				u->utf8_len = 0;
			}
			return;
		}
		vpl011_utf8_reject(u);   /* then c is looked at afresh */
	}
	if (utf8_seq_len(c))
		u->utf8[u->utf8_len++] = c;
	else
		vpl011_line_put_replacement(u);
}

#define VPL011_CHAR_ESC        0x1b
#define VPL011_ESC_MAX         32   /* a CSI sequence longer than this is not one */

/*
 * Terminal escape sequences (ESC, then one byte, or a CSI "ESC [ params final") are
 * dropped whole: a guest must not move the cursor or recolour the shared console, and a
 * shell's cursor-position query should not show up as noise.
 */
static bool vpl011_drop_escape(struct vpl011 *u, uint8_t c)
{
	if (!u->esc) {
		if (c != VPL011_CHAR_ESC)
			return false;
		u->esc = 1;
		return true;
	}
	if (c == '\n') {          /* a line end always ends the sequence, and still counts */
		u->esc = 0;
		return false;
	}
	if (u->esc == 1)
		u->esc = c == '[' ? 2 : 0;
	else if ((c >= 0x40 && c <= 0x7e) || ++u->esc > VPL011_ESC_MAX)
		u->esc = 0;
	return true;
}

static void vpl011_tx_console(struct vpl011 *u, uint8_t c)
{
	uint8_t b = c;

	if (c >= 0x80 && !u->esc) {
		vpl011_utf8_feed(u, c);
		return;
	}
	vpl011_utf8_reject(u);   /* an ASCII byte ends any pending sequence */
	if (vpl011_drop_escape(u, c))
		return;
	if (c == '\n') {
		vpl011_emit(u);
		return;
	}
	if (c == '\r')
		return;
	if ((c < VPL011_CHAR_SPACE && c != '\t') || c == VPL011_CHAR_DEL)
		b = VPL011_CHAR_REPLACEMENT;
	vpl011_line_put(u, &b, 1);
}

void vpl011_flush(struct vpl011 *u)
{
	vpl011_utf8_reject(u);
	if (u->line_len)
		vpl011_emit(u);
}

/* ---------------------------------------------------------------- RX FIFO and interrupts */

static unsigned vpl011_rx_depth(const struct vpl011 *u)
{
	return (u->lcr_h & VPL011_LCR_H_FEN) ? VPL011_RX_FIFO : 1;
}

static unsigned vpl011_rx_trigger(const struct vpl011 *u)
{
	unsigned sel = (u->ifls & VPL011_IFLS_RXIFLSEL_MASK) >> VPL011_IFLS_RXIFLSEL_SHIFT;

	if (!(u->lcr_h & VPL011_LCR_H_FEN))
		return 1;
	if (sel >= ARRAY_SIZE(vpl011_rx_trigger_levels))
		return VPL011_RX_TRIGGER_DEFAULT;
	/* sel comes from UARTIFLS, which the guest writes */
	return vpl011_rx_trigger_levels[array_index_nospec(sel, ARRAY_SIZE(vpl011_rx_trigger_levels))];
}

bool vpl011_rx_push(struct vpl011 *u, uint8_t c)
{
	if (u->rx_count >= vpl011_rx_depth(u))
		return false;
	u->rx[(u->rx_head + u->rx_count) % VPL011_RX_FIFO] = c;
	u->rx_count++;
	if (u->rx_count >= vpl011_rx_trigger(u))
		u->ris |= VPL011_INT_RX;
	u->ris |= VPL011_INT_RT;
	return true;
}

/* Pop the oldest received byte; 0 when the FIFO is empty (real hardware returns stale data). */
static uint8_t vpl011_rx_pop(struct vpl011 *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VPL011_RX_FIFO;
	u->rx_count--;
	if (u->rx_count < vpl011_rx_trigger(u))
		u->ris &= ~(uint32_t)VPL011_INT_RX;
	if (!u->rx_count)
		u->ris &= ~(uint32_t)VPL011_INT_RT;
	return c;
}

static void vpl011_tx(struct vpl011 *u, uint8_t c)
{
	if (u->cr & VPL011_CR_LBE)
		(void)vpl011_rx_push(u, c);   /* a full FIFO drops it: an overrun keel does not report */
	else
		vpl011_tx_console(u, c);
	u->ris |= VPL011_INT_TX;
}

bool vpl011_irq_level(const struct vpl011 *u)
{
	return (u->ris & u->imsc) != 0;
}

/* ---------------------------------------------------------------- registers */

static uint32_t vpl011_fr(const struct vpl011 *u)
{
	uint32_t fr = VPL011_FR_TXFE | VPL011_FR_CTS | VPL011_FR_DSR | VPL011_FR_DCD;

	if (!u->rx_count)
		fr |= VPL011_FR_RXFE;
	if (u->rx_count >= vpl011_rx_depth(u))
		fr |= VPL011_FR_RXFF;
	return fr;
}

static bool vpl011_access_ok(uint64_t offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	return offset < VPL011_SIZE && IS_ALIGNED(offset, VPL011_REG_ALIGN);
}

static uint32_t vpl011_read_id(uint64_t offset)
{
	unsigned idx = (unsigned)(offset % (VPL011_ID_REGS * VPL011_REG_ALIGN)) / VPL011_REG_ALIGN;

	if (offset >= VPL011_PCELLID0)
		return vpl011_pcell_id[idx];
	return vpl011_periph_id[idx];
}

static uint32_t vpl011_read_reg(struct vpl011 *u, uint64_t offset)
{
	switch (offset) {
	case VPL011_DR:    return vpl011_rx_pop(u);
	case VPL011_FR:    return vpl011_fr(u);
	case VPL011_ILPR:  return u->ilpr;
	case VPL011_IBRD:  return u->ibrd;
	case VPL011_FBRD:  return u->fbrd;
	case VPL011_LCR_H: return u->lcr_h;
	case VPL011_CR:    return u->cr;
	case VPL011_IFLS:  return u->ifls;
	case VPL011_IMSC:  return u->imsc;
	case VPL011_RIS:   return u->ris;
	case VPL011_MIS:   return u->ris & u->imsc;
	case VPL011_DMACR: return u->dmacr;
	default:
		if (offset >= VPL011_PERIPHID0)
			return vpl011_read_id(offset);
		return 0;   /* RSR (no errors), ICR (write-only), reserved */
	}
}

static void vpl011_write_reg(struct vpl011 *u, uint64_t offset, uint32_t v)
{
	switch (offset) {
	case VPL011_DR:    vpl011_tx(u, (uint8_t)(v & VPL011_DR_DATA)); break;
	case VPL011_ILPR:  u->ilpr = v & VPL011_ILPR_MASK; break;
	case VPL011_IBRD:  u->ibrd = v & VPL011_IBRD_MASK; break;
	case VPL011_FBRD:  u->fbrd = v & VPL011_FBRD_MASK; break;
	case VPL011_LCR_H: u->lcr_h = v & VPL011_LCR_H_MASK; break;
	case VPL011_CR:    u->cr = v & VPL011_CR_MASK; break;
	case VPL011_IFLS:  u->ifls = v & VPL011_IFLS_MASK; break;
	case VPL011_IMSC:  u->imsc = v & VPL011_INT_ALL; break;
	case VPL011_ICR:   u->ris &= ~(v & (uint32_t)VPL011_INT_ALL); break;
	case VPL011_DMACR: u->dmacr = v & VPL011_DMACR_MASK; break;
	default:           break;   /* ECR (no errors to clear), read-only, reserved */
	}
}

/* The low `size` bytes of v (size 1, 2 or 4). */
static uint32_t vpl011_narrow(uint64_t v, unsigned size)
{
	return (uint32_t)(v & GENMASK(size * 8 - 1, 0));
}

int vpl011_read(struct vpl011 *u, uint64_t offset, unsigned size, uint64_t *val)
{
	if (!vpl011_access_ok(offset, size))
		return KE_INVAL;
	*val = vpl011_narrow(vpl011_read_reg(u, offset), size);
	return 0;
}

int vpl011_write(struct vpl011 *u, uint64_t offset, unsigned size, uint64_t val)
{
	if (!vpl011_access_ok(offset, size))
		return KE_INVAL;
	vpl011_write_reg(u, offset, vpl011_narrow(val, size));
	return 0;
}
