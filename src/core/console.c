/* keel's line-oriented console on top of the physical UART. */
#include <keel/console.h>
#include <keel/drivers/pl011.h>
#include <keel/spinlock.h>
#include <keel/vm.h>   /* arch_counter_now */
#include <stdarg.h>
#include <stdio.h>

#define CONSOLE_LINE_MAX 512

static struct spinlock console_spinlock = SPINLOCK_INIT;
static bool console_up;
static const char *midline_vm;  /* whose partial line ends the screen (a VM's name or keel's
				  * monitor), NULL at a line start */
static uint64_t stamp_freq;      /* physical counter frequency; 0: no timestamps */

#define USEC_PER_SEC 1000000ULL

void console_init(uint64_t uart_base)
{
	pl011_init(uart_base);
	console_up = true;
}

bool console_ready(void)
{
	return console_up;
}

void console_enable_timestamps(uint64_t freq)
{
	__atomic_store_n(&stamp_freq, freq, __ATOMIC_RELEASE);
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

/* "@<s>.<us> " at the start of a line, when timestamps are on. Console lock held. */
static void console_put_stamp(uint64_t stamp)
{
	uint64_t freq = __atomic_load_n(&stamp_freq, __ATOMIC_ACQUIRE);
	char buf[32];

	if (!freq)
		return;
	/* stamp % freq < freq (a few GHz at most), so the product stays far below 2^64. */
	snprintf(buf, sizeof(buf), "@%llu.%06llu ", (unsigned long long)(stamp / freq),
		 (unsigned long long)(stamp % freq * USEC_PER_SEC / freq));
	console_puts(buf);
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

void console_keel_partial(const char *owner, const char *redraw, const char *more)
{
	spin_lock(&console_spinlock);
	if (midline_vm != owner) {
		console_end_partial_line();
		console_puts(redraw);
	} else {
		console_puts(more);
	}
	midline_vm = owner;
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
	console_put_stamp(arch_counter_now());
	console_puts("(keel) ");
	console_puts(buf);
	console_puts("\n");
	console_unlock();
}

void console_vm_text(const char *vm_name, const char *text, unsigned len, bool eol, uint64_t stamp)
{
	spin_lock(&console_spinlock);
	if (midline_vm != vm_name) {
		console_end_partial_line();
		console_put_stamp(stamp);
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
