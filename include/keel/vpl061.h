/*
 * Emulated Arm PL061 GPIO controller (PrimeCell GPIO PL061 TRM, ARM DDI 0190B)
 * as seen by a guest: 8 lines, the TRM's register set, and the PrimeCell
 * identification Linux's AMBA bus matches against the gpio-pl061 driver's id
 * table (0x00041061).
 *
 * keel uses it for inter-VM doorbells (src/core/shm_doorbell.c): for each
 * peer, one line the guest configures as an output rings that peer, and one
 * line the guest configures as an input rises when that peer rings.
 *
 * Model:
 *  - The level of each line is the guest's output data bit when GPIODIR
 *    sets the line as an output, and the level keel drives with
 *    vpl061_set_input() when it is an input. The interrupt detection logic
 *    watches that level whichever the direction, as the hardware watches the
 *    pad: a guest can interrupt itself with its own outputs, nobody else.
 *  - GPIODATA (offsets 0x000-0x3fc): bits [9:2] of the offset mask the
 *    access. A read returns the masked line levels (outputs read back what
 *    was written, inputs their driven level); a write changes only the
 *    masked bits of lines that are outputs at that moment, as on hardware
 *    (Linux's driver writes the value again after setting GPIODIR for that
 *    reason).
 *  - Interrupts: GPIOIS 1 = level, 0 = edge. An edge line latches its
 *    GPIORIS bit on a rising (GPIOIEV 1) or falling (GPIOIEV 0) edge, or on
 *    both with GPIOIBE set; a 1 written to GPIOIC clears the latch. A level
 *    line's GPIORIS bit is 1 while its level equals GPIOIEV (1 = high) and
 *    GPIOIC does not affect it; switching a line to level detection drops its
 *    edge latch. Changing GPIOIS, GPIOIBE or GPIOIEV never creates an edge.
 *    GPIOMIS = GPIORIS & GPIOIE; the interrupt output (vpl061_irq_level) is
 *    GPIOMIS != 0.
 *  - Outputs: a line drives its output data bit while it is an output and
 *    drives low while it is an input. Whenever the driven level of a line
 *    changes (a GPIODATA or GPIODIR write), out_changed(ctx, line, level) is
 *    called once for that line, after the device state is updated, so it may
 *    read the device. A doorbell rings on a rising edge (level true): the
 *    guest raises the line and lowers it again to ring once more.
 *  - GPIOAFSEL is stored and read back; there is no alternate function, so
 *    it does not affect the lines.
 *  - Accesses are 8, 16 or 32 bits wide at offsets that are multiples of 4
 *    in the 4 KiB window: Linux's driver uses byte accesses, the AMBA bus
 *    reads the ID registers with 32-bit ones, and the APB bridge turns any of
 *    these into one transfer of which the PL061 uses PWDATA[7:0]. So every
 *    register is 8 bits: reads return it zero-extended, writes use the low 8
 *    bits of the value. 64-bit, unaligned and out-of-window accesses return
 *    KE_INVAL (keel then injects an abort). Reserved offsets (0x424-0xfdc)
 *    read as zero and ignore writes, as do writes to read-only registers.
 *
 * Not thread-safe: the caller serialises accesses to one instance.
 */
#ifndef KEEL_VPL061_H
#define KEEL_VPL061_H

#include <keel/types.h>

#define VPL061_SIZE       0x1000
#define VPL061_NR_LINES   8

/* Register offsets (TRM chapter 3). */
#define VPL061_DATA       0x000   /* to 0x3fc: offset bits [9:2] are the mask */
#define VPL061_DATA_END   0x3fc
#define VPL061_DIR        0x400
#define VPL061_IS         0x404
#define VPL061_IBE        0x408
#define VPL061_IEV        0x40c
#define VPL061_IE         0x410
#define VPL061_RIS        0x414
#define VPL061_MIS        0x418
#define VPL061_IC         0x41c
#define VPL061_AFSEL      0x420
#define VPL061_PERIPHID0  0xfe0
#define VPL061_PCELLID0   0xff0

struct vpl061 {
	uint8_t data;      /* output data: what the guest last wrote to each line while an output */
	uint8_t in;        /* levels keel drives, seen on lines that are inputs */
	uint8_t dir, is, ibe, iev, ie, afsel;
	uint8_t edge;      /* latched edge interrupts (GPIORIS bits of edge lines) */
	uint8_t level;     /* line levels as the detection logic last saw them */
	uint8_t driven;    /* output levels last reported through out_changed */
	void (*out_changed)(void *ctx, unsigned line, bool level);
	void *ctx;
};

/*
 * Reset state: all lines inputs driven low, interrupts masked. out_changed (may be NULL)
 * is told of every change of a line's driven output level, as described above.
 */
void vpl061_init(struct vpl061 *g, void (*out_changed)(void *ctx, unsigned line, bool level),
		 void *ctx);

must_check int vpl061_read(struct vpl061 *g, uint64_t offset, unsigned size, uint64_t *val);
must_check int vpl061_write(struct vpl061 *g, uint64_t offset, unsigned size, uint64_t val);

/*
 * keel drives input line `line` (< VPL061_NR_LINES, else KE_INVAL) to `level`: a doorbell
 * raises it when the peer rings. Seen by the guest while the line is an input.
 */
must_check int vpl061_set_input(struct vpl061 *g, unsigned line, bool level);

/* Level of the controller's interrupt line (GPIOINTR): GPIOMIS != 0. */
bool vpl061_irq_level(const struct vpl061 *g);

/* The levels the lines drive as outputs, one bit per line (0 for inputs). */
static inline uint8_t vpl061_outputs(const struct vpl061 *g)
{
	return g->driven;
}

#endif
