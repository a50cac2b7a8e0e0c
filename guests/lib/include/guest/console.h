/*
 * Console: the (emulated) PL011, polled. printf() is picolibc's, wrapped so a
 * whole call's output is never interleaved with another vCPU's.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdint.h>
#include <stdio.h>

/* PL011 registers (Arm DDI 0183). */
#define UART_DR		0x000
#define UART_FR		0x018
#define UART_CR		0x030
#define UART_IMSC	0x038
#define UART_RIS	0x03c
#define UART_MIS	0x040
#define UART_PERIPHID0	0xfe0
#define UART_PCELLID0	0xff0
#define UART_FR_TXFF	(1u << 5)
#define UART_FR_TXFE	(1u << 7)

void console_init(uint64_t uart_base);
/* Recursive per-vCPU lock around a group of lines. */
void console_lock(void);
void console_unlock(void);
/* Unlocked raw output for the exception path. */
void console_puts_raw(const char *s);

#endif
