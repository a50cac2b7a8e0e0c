/* Physical PL011 UART, polled. Firmware (or QEMU) has already set the baud rate. */
#include <keel/drivers/pl011.h>

#define UARTDR   0x000
#define UARTFR   0x018
#define UARTFR_RXFE BIT(4)
#define UARTFR_TXFF BIT(5)
#define UARTIMSC 0x038
#define UARTIMSC_RXIM BIT(4)
#define UARTIMSC_RTIM BIT(6)

static volatile uint32_t *uart;

static inline uint32_t pl011_reg_read(unsigned off)
{
	return uart[off / 4];
}

void pl011_init(uint64_t base)
{
	uart = (volatile uint32_t *)(uintptr_t)base;
}

void pl011_putc(char c)
{
	if (!uart)
		return;
	while (pl011_reg_read(UARTFR) & UARTFR_TXFF)
		;
	uart[UARTDR / 4] = (uint8_t)c;
}

int pl011_getc(void)
{
	if (!uart || (pl011_reg_read(UARTFR) & UARTFR_RXFE))
		return -1;
	return (int)(pl011_reg_read(UARTDR) & 0xff);
}

void pl011_enable_rx_irq(void)
{
	if (uart)
		uart[UARTIMSC / 4] = UARTIMSC_RXIM | UARTIMSC_RTIM;
}
