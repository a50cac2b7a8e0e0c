/*
 * Console input routing (src/core/console_mux.c): typed bytes go to the VM with input
 * focus; Ctrl-A three times moves the focus (include/keel/console_input.h).
 */
#ifndef KEEL_CONSOLE_MUX_H
#define KEEL_CONSOLE_MUX_H

#include <keel/types.h>

struct vm;

/* Give the focus to the first VM and say so; call once the VMs exist. */
void console_mux_start(void);
/* The console's receive interrupt: route every byte waiting in the UART. */
void console_mux_rx(void);
bool console_mux_has_focus(const struct vm *vm);

#endif
