/* Physical interrupts taken by keel at EL2. */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H

/* Acknowledge and handle every pending physical interrupt. */
void irq_handle(void);

#endif
