/*
 * Console on the PL011: poll FR.TXFF, write DR. stdout/stderr are a picolibc
 * stream on it; printf() is replaced by a version that holds the console lock
 * for the whole call, so lines from different vCPUs do not mix.
 */
#include <stdarg.h>
#include <stdio.h>
#include "guest/console.h"
#include "rt_internal.h"

static volatile uint32_t *uart;
static volatile uint32_t lock_owner;	/* vCPU slot + 1, 0 when free */
static uint32_t lock_depth;

void console_init(uint64_t uart_base)
{
	uart = (volatile uint32_t *)(uintptr_t)uart_base;
}

static void uart_tx(char c)
{
	if (!uart)
		return;
	while (uart[UART_FR / 4] & UART_FR_TXFF)
		;
	uart[UART_DR / 4] = (uint8_t)c;
}

static int console_putc(char c, FILE *f)
{
	(void)f;
	if (c == '\n')
		uart_tx('\r');
	uart_tx(c);
	return (unsigned char)c;
}

static FILE console_file = FDEV_SETUP_STREAM(console_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &console_file;
FILE *const stdout = &console_file;
FILE *const stderr = &console_file;

void console_lock(void)
{
	uint32_t me = (uint32_t)cpu_index() + 1, free = 0;

	if (lock_owner == me) {
		lock_depth++;
		return;
	}
	while (!__atomic_compare_exchange_n(&lock_owner, &free, me, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		free = 0;
	lock_depth = 1;
}

void console_unlock(void)
{
	if (--lock_depth == 0)
		__atomic_store_n(&lock_owner, 0, __ATOMIC_RELEASE);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	console_lock();
	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	console_unlock();
	return n;
}

void console_puts_raw(const char *s)
{
	while (*s)
		console_putc(*s++, NULL);
}
