/*
 * keel's console: the physical PL011 named by /chosen/stdout-path, shared by
 * keel and every VM. Output is by whole lines under one lock, so lines from
 * different CPUs never interleave. keel's own lines start with "(keel) ",
 * a VM's with "[<vm name>] ".
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <keel/types.h>

void console_init(uint64_t uart_base);
bool console_ready(void);

/* One line from keel: "(keel) " + formatted text + newline. */
void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A VM's output, already sanitised by its emulated UART: text that ends a line (eol) or a
 * partial line (the VM with input focus shows what it types, e.g. a shell prompt, at once).
 * A partial line continues on screen until another VM or keel prints, which starts a new
 * line; the rest of the VM's line then comes on a new line with its prefix again.
 */
void console_vm_text(const char *vm_name, const char *text, unsigned len, bool eol);

/* Raw output for multi-line reports (panic, exception dumps): caller holds the lock. */
void console_lock(void);
void console_unlock(void);
void console_printf_locked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
