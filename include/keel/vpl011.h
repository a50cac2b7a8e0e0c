/*
 * Emulated Arm PL011 UART (PrimeCell UART PL011 TRM, r1p5) as seen by a
 * guest: enough for polled bare-metal drivers and for interrupt-driven ones
 * such as Linux's amba-pl011.
 *
 * Model:
 *  - Transmit is instantaneous: the TX FIFO is always empty (FR.TXFE = 1,
 *    FR.TXFF = 0, FR.BUSY = 0). Bytes are transmitted whether or not
 *    CR.UARTEN and CR.TXE are set: real hardware requires both, but many
 *    bare-metal guests write DR without enabling the UART, and QEMU's PL011
 *    accepts that too.
 *  - Transmitted bytes are line-buffered and handed to emit_line() without
 *    the newline, on '\n' and whenever VPL011_LINE_MAX - 1 bytes are pending.
 *    '\r' is dropped; C0 controls (except '\t'), DEL, C1 controls and bytes
 *    that are not well-formed UTF-8 become '?', so a guest can neither send
 *    terminal escape sequences nor rewrite a line and fake another VM's
 *    prefix on the shared console. The filter runs byte by byte as the guest
 *    writes (a multi-byte sequence is held back until it is complete), so
 *    the line buffer, partial lines included, only ever holds filtered text.
 *  - Receive: keel pushes input bytes with vpl011_rx_push(); the RX FIFO is
 *    VPL011_RX_FIFO bytes deep with LCR_H.FEN set and 1 byte deep without,
 *    as on hardware. A full FIFO refuses bytes (the caller keeps them), so
 *    there are never overrun errors; error bits always read as 0. Input is
 *    accepted whether or not CR.RXE is set, like transmit.
 *  - Interrupts (RIS): TXRIS is set at reset and after every transmitted
 *    byte (the TX FIFO has just drained below any trigger level) and cleared
 *    only through ICR. RXRIS is set while the RX FIFO holds at least the
 *    trigger level (IFLS.RXIFLSEL, or 1 byte with FIFOs disabled), RTRIS
 *    (receive timeout) whenever a byte arrives, since no further byte is
 *    known to follow. Reading DR below the trigger level clears RXRIS and
 *    emptying the FIFO clears RTRIS, as on hardware; ICR clears any of them.
 *    Modem status inputs never change: FR reports CTS, DSR and DCD asserted
 *    and RI deasserted, as on boards that tie those inputs active (so a
 *    driver waiting for carrier or clear-to-send proceeds); the modem and
 *    error interrupts never fire.
 *  - Loopback (CR.LBE): transmitted bytes go to the RX FIFO instead of the
 *    console (dropped when it is full).
 *
 * Accesses are 8, 16 or 32 bits wide at offsets that are multiples of 4 in
 * the 4 KiB window; a narrow read returns the low bytes of the register and
 * a narrow write writes the register with the value zero-extended (APB has
 * no byte strobes). 64-bit, unaligned and out-of-window accesses return
 * KE_INVAL: keel then injects an abort. Reserved offsets read as zero and
 * ignore writes, as do writes to read-only registers.
 *
 * Not thread-safe: the caller serialises accesses to one instance.
 */
#ifndef KEEL_VPL011_H
#define KEEL_VPL011_H

#include <keel/types.h>

#define VPL011_SIZE      0x1000
#define VPL011_LINE_MAX  256
#define VPL011_RX_FIFO   32

/* Register offsets (TRM table 3-1). */
#define VPL011_DR        0x000
#define VPL011_RSR_ECR   0x004
#define VPL011_FR        0x018
#define VPL011_ILPR      0x020
#define VPL011_IBRD      0x024
#define VPL011_FBRD      0x028
#define VPL011_LCR_H     0x02c
#define VPL011_CR        0x030
#define VPL011_IFLS      0x034
#define VPL011_IMSC      0x038
#define VPL011_RIS       0x03c
#define VPL011_MIS       0x040
#define VPL011_ICR       0x044
#define VPL011_DMACR     0x048
#define VPL011_PERIPHID0 0xfe0
#define VPL011_PCELLID0  0xff0

/* UARTFR */
#define VPL011_FR_CTS    BIT(0)
#define VPL011_FR_DSR    BIT(1)
#define VPL011_FR_DCD    BIT(2)
#define VPL011_FR_BUSY   BIT(3)
#define VPL011_FR_RXFE   BIT(4)
#define VPL011_FR_TXFF   BIT(5)
#define VPL011_FR_RXFF   BIT(6)
#define VPL011_FR_TXFE   BIT(7)
#define VPL011_FR_RI     BIT(8)

/* UARTLCR_H */
#define VPL011_LCR_H_FEN BIT(4)

/* UARTCR */
#define VPL011_CR_UARTEN BIT(0)
#define VPL011_CR_LBE    BIT(7)
#define VPL011_CR_TXE    BIT(8)
#define VPL011_CR_RXE    BIT(9)
#define VPL011_CR_RESET  0x0300   /* TXE | RXE */

/* UARTIFLS */
#define VPL011_IFLS_RESET 0x12    /* both trigger levels at 1/2 */

/* UARTRIS/MIS/IMSC/ICR */
#define VPL011_INT_RX    BIT(4)   /* RXRIS */
#define VPL011_INT_TX    BIT(5)   /* TXRIS */
#define VPL011_INT_RT    BIT(6)   /* RTRIS */
#define VPL011_INT_OE    BIT(10)  /* OERIS */
#define VPL011_INT_ALL   GENMASK(10, 0)

struct vpl011 {
	uint32_t cr, lcr_h, ibrd, fbrd, ilpr, ifls, imsc, ris, dmacr;
	uint8_t rx[VPL011_RX_FIFO];
	unsigned rx_head, rx_count;
	char line[VPL011_LINE_MAX];
	unsigned line_len;
	uint8_t utf8[4];         /* a UTF-8 sequence begun but not complete, not yet in line */
	unsigned utf8_len;
	unsigned esc;            /* terminal escape sequence being dropped: 0 none, 1 ESC, 2+ CSI */
	void (*emit_line)(void *ctx, const char *line, unsigned len);
	void *ctx;
};

/*
 * Reset state. emit_line (may be NULL to discard output) receives each
 * complete line, NUL-terminated at line[len], valid only during the call.
 */
void vpl011_init(struct vpl011 *u, void (*emit_line)(void *ctx, const char *line, unsigned len),
		 void *ctx);

must_check int vpl011_read(struct vpl011 *u, uint64_t offset, unsigned size, uint64_t *val);
must_check int vpl011_write(struct vpl011 *u, uint64_t offset, unsigned size, uint64_t val);

/* Queue a received byte; false when the RX FIFO is full (keep it and retry later). */
bool vpl011_rx_push(struct vpl011 *u, uint8_t c);

/* Level of the UART's interrupt line: (RIS & IMSC) != 0. */
bool vpl011_irq_level(const struct vpl011 *u);

/* Emit a pending partial line, e.g. before the VM stops. */
void vpl011_flush(struct vpl011 *u);

/*
 * The bytes of the line being transmitted, not yet emitted: already filtered like emitted
 * lines (an incomplete UTF-8 sequence at its end is not included).
 */
static inline unsigned vpl011_partial(const struct vpl011 *u, const char **text)
{
	*text = u->line;
	return u->line_len;
}

#endif
