/*
 * A VM that floods keel's shared console, for tests/integration/test_console.py.
 *
 * First it shows a prompt full of terminal controls (ESC [2J, an 8-bit CSI 0x9b, U+009B
 * in UTF-8, broken UTF-8) and waits for a typed line in WFI: keel shows the partial line
 * of the VM with input focus when it goes idle, and must filter it like whole lines.
 * Then it writes through the console hypercall, KEEL_CONSOLE_WRITE_MAX bytes a call,
 * flat out for SPAM_MS, and says how much it wrote. Typed input is left unread meanwhile.
 */
#include "guest/guest.h"
#include "guest/gic.h"

const char guest_name[] = "conspam";

#define UART_INTID      33
#define UART_FR_RXFE    (1u << 4)
#define UART_IMSC_RXIM  (1u << 4)
#define UART_IMSC_RTIM  (1u << 6)
#define SPAM_MS         4000
#define SPAM_LINE       128     /* bytes per line, '\n' included */

static volatile bool line_typed;
static char spam[KEEL_CONSOLE_WRITE_MAX];

static void uart_irq(uint32_t intid)
{
	if (intid != UART_INTID)
		return;
	while (!(mmio_read32(env.uart_base + UART_FR) & UART_FR_RXFE)) {
		char c = (char)mmio_read32(env.uart_base + UART_DR);

		if (c == '\r' || c == '\n')
			line_typed = true;
	}
}

/* The prompt: every byte goes out at once, no newline. */
static void show_prompt(void)
{
	static const char prompt[] = "conspam\x1b[2J\x1b[H \x9b" "2J \xc2\x9b" "H \xe2\x82 \xff> ";

	for (unsigned i = 0; i < sizeof(prompt) - 1; i++)
		mmio_write32(env.uart_base + UART_DR, (uint8_t)prompt[i]);
}

static void wait_for_line(void)
{
	irq_set_handler(uart_irq);
	gic_irq_enable(UART_INTID);
	mmio_write32(env.uart_base + UART_IMSC, UART_IMSC_RXIM | UART_IMSC_RTIM);
	show_prompt();
	irq_enable();
	while (!line_typed)
		wfi();
	irq_disable();
	mmio_write32(env.uart_base + UART_IMSC, 0);
	printf("\n");
}

static void flood(void)
{
	uint64_t end = timer_count() + timer_freq() * SPAM_MS / 1000, calls = 0, bad = 0;

	for (unsigned i = 0; i < sizeof(spam); i++)
		spam[i] = i % SPAM_LINE == SPAM_LINE - 1 ? '\n' : (char)('a' + i % 26);
	printf("SPAM start\n");
	while (timer_count() < end) {
		int64_t r = (int64_t)hvc2(KEEL_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)spam,
					  sizeof(spam)).a0;

		calls++;
		if (r != (int64_t)sizeof(spam))
			bad++;
	}
	printf("SPAM end: %lu calls of %u bytes\n", (unsigned long)calls, (unsigned)sizeof(spam));
	checkf("spam-writes-accepted", bad == 0, "%lu of %lu calls answered short", (unsigned long)bad,
	       (unsigned long)calls);
}

void guest_main(void)
{
	if (!gic_init()) {
		check("conspam-gic-init", false);
		return;
	}
	wait_for_line();
	check("conspam-line-typed", line_typed);
	flood();
}
