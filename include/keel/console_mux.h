/*
 * Console input routing (src/core/console_mux.c): typed bytes go to the VM with input
 * focus or to keel's monitor (include/keel/monitor.h); Ctrl-A three times moves the
 * focus (include/keel/console_input.h): VMs in configuration order, then the monitor.
 */
#ifndef KEEL_CONSOLE_MUX_H
#define KEEL_CONSOLE_MUX_H

#include <keel/types.h>

struct vm;

/* Give the focus to the first running VM (else the monitor) and say so; once the VMs exist. */
void console_mux_start(void);
/* The console's receive interrupt: route every byte waiting in the UART. */
void console_mux_rx(void);
bool console_mux_has_focus(const struct vm *vm);
/* vm is being destroyed: if it has the focus, the monitor gets it. Any CPU, any lock. */
void console_mux_forget(const struct vm *vm);

#endif
