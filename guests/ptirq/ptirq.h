/* What the ptirq guest's parts share (main.c: the PL061 and the bystander; virtio.c). */
#ifndef PTIRQ_H
#define PTIRQ_H

#include <stdbool.h>
#include <stdint.h>
#include "guest/guest.h"

/* Device tree interrupt specifier <type number flags> (arm,gic-v3 binding). */
#define DT_IRQ_TYPE_SPI		0
#define DT_IRQ_EDGE_RISING	1
#define DT_IRQ_LEVEL_HIGH	4

#define WAIT_MS		1000	/* for an interrupt that should come */
#define QUIET_MS	30	/* for one that should not */

static inline uint64_t deadline_ms(unsigned ms)
{
	return timer_count() + ms * timer_freq() / 1000;
}

/* Spin (interrupts as the caller left them) until cond or ms pass; cond's last value. */
#define WAIT_UNTIL(cond, ms) ({ \
	uint64_t __end = deadline_ms(ms); bool __ok; \
	while (!(__ok = (cond)) && timer_count() < __end) \
		; \
	__ok; })

/* virtio.c: a virtio-rng device behind a passed-through virtio-mmio transport. */
bool virtio_find(void);
bool virtio_on_irq(uint32_t intid);	/* its interrupt: handled */
void virtio_check_edge(void);

#endif
