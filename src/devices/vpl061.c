/*
 * Emulated PL061 GPIO controller: see include/keel/vpl061.h for the model.
 */
#include <keel/vpl061.h>

#define VPL061_REG_ALIGN    4
#define VPL061_LINES_MASK   GENMASK(VPL061_NR_LINES - 1, 0)

/* GPIODATA: address bits [9:2] select the data bits an access reads or writes. */
#define VPL061_DATA_MASK_SHIFT 2

/*
 * PrimeCell identification (GPIOPeriphID0-3, GPIOPCellID0-3): part number 0x061, designer 0x41
 * (Arm), revision 0, configuration 0; PCellID is the PrimeCell preamble 0xb105f00d.
 */
static const uint8_t vpl061_periph_id[4] = { 0x61, 0x10, 0x04, 0x00 };
static const uint8_t vpl061_pcell_id[4] = { 0x0d, 0xf0, 0x05, 0xb1 };
#define VPL061_ID_REGS      4

void vpl061_init(struct vpl061 *g, void (*out_changed)(void *ctx, unsigned line, bool level),
		 void *ctx)
{
	*g = (struct vpl061){ .out_changed = out_changed, .ctx = ctx };
}

/* The line levels: output data on outputs, keel's level on inputs. */
static uint8_t vpl061_lines(const struct vpl061 *g)
{
	return (uint8_t)((g->dir & g->data) | (~g->dir & g->in));
}

static uint8_t vpl061_ris(const struct vpl061 *g)
{
	/* A level line is pending while its level equals GPIOIEV (1 = high, 0 = low). */
	uint8_t level_hit = (uint8_t)(g->is & ~(g->level ^ g->iev));

	return (uint8_t)(g->edge | level_hit);
}

bool vpl061_irq_level(const struct vpl061 *g)
{
	return (vpl061_ris(g) & g->ie) != 0;
}

/*
 * Bring the derived state up to date after anything that may change a line's level or
 * its detection mode: latch edges, then report changed output levels. Every state
 * change is made before the first callback, so a callback sees the device consistent
 * and a nested call (which computes its own changes from `driven`) reports nothing twice.
 */
static void vpl061_update(struct vpl061 *g)
{
	uint8_t now = vpl061_lines(g);
	uint8_t changed = now ^ g->level;
	uint8_t rising = changed & now, falling = changed & (uint8_t)~now;
	uint8_t one_edge = (uint8_t)((g->iev & rising) | (~g->iev & falling));
	uint8_t hit = (uint8_t)((g->ibe & changed) | (~g->ibe & one_edge));
	uint8_t out = g->dir & g->data;
	uint8_t out_diff = out ^ g->driven;

	g->level = now;
	g->edge = (uint8_t)((g->edge | hit) & ~g->is);   /* level lines have no latch */
	g->driven = out;
	for (unsigned line = 0; line < VPL061_NR_LINES; line++)
		if ((out_diff & BIT(line)) && g->out_changed)
			g->out_changed(g->ctx, line, (out & BIT(line)) != 0);
}

int vpl061_set_input(struct vpl061 *g, unsigned line, bool level)
{
	if (line >= VPL061_NR_LINES)
		return KE_INVAL;
	if (level)
		g->in |= (uint8_t)BIT(line);
	else
		g->in &= (uint8_t)~BIT(line);
	vpl061_update(g);
	return 0;
}

/* ---------------------------------------------------------------- registers */

static bool vpl061_access_ok(uint64_t offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	return offset < VPL061_SIZE && IS_ALIGNED(offset, VPL061_REG_ALIGN);
}

/* The GPIODATA mask an offset in 0x000-0x3fc selects. */
static uint8_t vpl061_data_mask(uint64_t offset)
{
	return (uint8_t)((offset >> VPL061_DATA_MASK_SHIFT) & VPL061_LINES_MASK);
}

static uint8_t vpl061_read_id(uint64_t offset)
{
	/* < VPL061_ID_REGS by construction, so no bounds check for speculation to skip */
	unsigned idx = (unsigned)(offset % (VPL061_ID_REGS * VPL061_REG_ALIGN)) / VPL061_REG_ALIGN;

	if (offset >= VPL061_PCELLID0)
		return vpl061_pcell_id[idx];
	return vpl061_periph_id[idx];
}

static uint8_t vpl061_read_reg(const struct vpl061 *g, uint64_t offset)
{
	if (offset <= VPL061_DATA_END)
		return vpl061_lines(g) & vpl061_data_mask(offset);
	switch (offset) {
	case VPL061_DIR:   return g->dir;
	case VPL061_IS:    return g->is;
	case VPL061_IBE:   return g->ibe;
	case VPL061_IEV:   return g->iev;
	case VPL061_IE:    return g->ie;
	case VPL061_RIS:   return vpl061_ris(g);
	case VPL061_MIS:   return vpl061_ris(g) & g->ie;
	case VPL061_AFSEL: return g->afsel;
	default:
		if (offset >= VPL061_PERIPHID0)
			return vpl061_read_id(offset);
		return 0;   /* GPIOIC (write-only), reserved */
	}
}

static void vpl061_write_reg(struct vpl061 *g, uint64_t offset, uint8_t v)
{
	if (offset <= VPL061_DATA_END) {
		/* Only lines that are outputs now take the written value. */
		uint8_t m = vpl061_data_mask(offset) & g->dir;

		g->data = (uint8_t)((g->data & ~m) | (v & m));
	} else {
		switch (offset) {
		case VPL061_DIR:   g->dir = v; break;
		case VPL061_IS:    g->is = v; break;
		case VPL061_IBE:   g->ibe = v; break;
		case VPL061_IEV:   g->iev = v; break;
		case VPL061_IE:    g->ie = v; break;
		case VPL061_IC:    g->edge &= (uint8_t)~v; break;
		case VPL061_AFSEL: g->afsel = v; break;
		default:           return;   /* read-only, reserved */
		}
	}
	vpl061_update(g);
}

int vpl061_read(struct vpl061 *g, uint64_t offset, unsigned size, uint64_t *val)
{
	if (!vpl061_access_ok(offset, size))
		return KE_INVAL;
	*val = vpl061_read_reg(g, offset);   /* 8 bits: fits any access size */
	return 0;
}

int vpl061_write(struct vpl061 *g, uint64_t offset, unsigned size, uint64_t val)
{
	if (!vpl061_access_ok(offset, size))
		return KE_INVAL;
	/* The PL061 takes PWDATA[7:0], whatever the access size. */
	vpl061_write_reg(g, offset, (uint8_t)(val & VPL061_LINES_MASK));
	return 0;
}
