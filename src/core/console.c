/* keel's line-oriented console on top of the physical UART. */
#include <keel/console.h>
#include <keel/drivers/pl011.h>
#include <keel/spinlock.h>
#include <stdarg.h>
#include <stdio.h>

#define CONSOLE_LINE_MAX 512

static struct spinlock console_spinlock = SPINLOCK_INIT;
static bool console_up;
static const char *midline_vm;  /* whose partial line ends the screen, NULL at a line start */

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

/* Whatever keel prints starts on a line of its own. */
static void console_end_partial_line(void)
{
	if (midline_vm) {
		console_puts("\n");
		midline_vm = NULL;
	}
}

void console_lock(void)
{
	spin_lock(&console_spinlock);
	console_end_partial_line();
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

void console_vm_text(const char *vm_name, const char *text, unsigned len, bool eol)
{
	spin_lock(&console_spinlock);
	if (midline_vm != vm_name) {
		console_end_partial_line();
		pl011_putc('[');
		console_puts(vm_name);
		console_puts("] ");
	}
	for (unsigned i = 0; i < len; i++)
		pl011_putc(text[i]);
	if (eol)
		console_puts("\n");
	midline_vm = eol ? NULL : vm_name;
	console_unlock();
}
