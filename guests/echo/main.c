/*
 * Console input: reads what is typed on keel's console while this VM has input focus,
 * through the emulated PL011's receive interrupt (SPI 1, INTID 33), and echoes each line
 * as "ECHO <line>". The line "quit" ends the guest. Used by tests/integration/test_console.py.
 */
#include "guest/guest.h"
#include "guest/gic.h"
#include <string.h>

const char guest_name[] = "echo";

#define UART_INTID      33
#define UART_FR_RXFE    (1u << 4)
#define UART_IMSC_RXIM  (1u << 4)
#define UART_IMSC_RTIM  (1u << 6)
#define LINE_MAX        128

static char line[LINE_MAX];
static volatile unsigned line_len, irqs;
static volatile bool line_ready;

static void uart_irq(uint32_t intid)
{
	if (intid == UART_INTID) {
		irqs++;
		while (!(mmio_read32(env.uart_base + UART_FR) & UART_FR_RXFE)) {
			char c = (char)mmio_read32(env.uart_base + UART_DR);

			if (line_ready)
				continue;           /* the main loop has not taken the last line yet */
			if (c == '\r' || c == '\n')
				line_ready = true;
			else if (line_len < LINE_MAX - 1)
				line[line_len++] = c;
		}
	}
	gic_eoi(intid);
}

void guest_main(void)
{
	unsigned lines = 0;

	if (!gic_init()) {
		check("echo-gic-init", false);
		return;
	}
	irq_set_handler(uart_irq);
	gic_irq_enable(UART_INTID);
	mmio_write32(env.uart_base + UART_IMSC, UART_IMSC_RXIM | UART_IMSC_RTIM);
	irq_enable();
	printf("ECHO ready\n");
	for (;;) {
		while (!line_ready)
			wfi();
		irq_disable();
		line[line_len] = '\0';
		printf("ECHO %s\n", line);
		lines++;
		bool quit = !strcmp(line, "quit");

		line_len = 0;
		line_ready = false;
		irq_enable();
		if (quit)
			break;
	}
	irq_disable();
	check("echo-rx-interrupts", irqs > 0);
	check("echo-lines", lines > 0);
}
