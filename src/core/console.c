/* keel's line-oriented console on top of the physical UART. */
#include <keel/console.h>
#include <keel/drivers/pl011.h>
#include <keel/spinlock.h>
#include <stdarg.h>
#include <stdio.h>

#define CONSOLE_LINE_MAX 512

static struct spinlock console_spinlock = SPINLOCK_INIT;
static bool console_up;

void console_init(uint64_t uart_base)
{
	pl011_init(uart_base);
	console_up = true;
}

bool console_ready(void)
{
	return console_up;
}

static void console_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			pl011_putc('\r');
		pl011_putc(*s);
	}
}

void console_lock(void)
{
	spin_lock(&console_spinlock);
}

void console_unlock(void)
{
	spin_unlock(&console_spinlock);
}

void console_printf_locked(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_puts(buf);
}

void klog(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_lock();
	console_puts("(keel) ");
	console_puts(buf);
	console_puts("\n");
	console_unlock();
}

void console_vm_line(const char *vm_name, const char *line, unsigned len)
{
	console_lock();
	pl011_putc('[');
	console_puts(vm_name);
	console_puts("] ");
	for (unsigned i = 0; i < len; i++)
		pl011_putc(line[i]);
	console_puts("\n");
	console_unlock();
}
