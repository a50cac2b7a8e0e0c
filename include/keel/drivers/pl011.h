/* Physical PL011 UART, polled: keel's console. */
#ifndef KEEL_DRIVERS_PL011_H
#define KEEL_DRIVERS_PL011_H

#include <keel/types.h>

void pl011_init(uint64_t base);
void pl011_putc(char c);
/* Raise the UART's interrupt while received data waits (RX and receive timeout). */
void pl011_enable_rx_irq(void);
/* A received byte, or -1 when the receive FIFO is empty. */
int pl011_getc(void);

#endif
