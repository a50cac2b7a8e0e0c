/*
 * keel's console: the physical PL011 named by /chosen/stdout-path, shared by
 * keel and every VM. Output is by whole lines under one lock, so lines from
 * different CPUs never interleave. keel's own lines start with "(keel) ",
 * a VM's with "[<vm name>] ". With timestamps on (keel,console-timestamps in the
 * configuration), every line starts with "@<seconds>.<microseconds> " of the physical
 * counter when the line was written (by keel, or by the guest into its UART), so a reader
 * can time what guests do independently of how late it reads the console.
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <keel/types.h>

void console_init(uint64_t uart_base);
bool console_ready(void);
/* Start every line with the physical counter's time; freq is the counter's frequency. */
void console_enable_timestamps(uint64_t freq);

/* One line from keel: "(keel) " + formatted text + newline. */
void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A VM's output, already sanitised by its emulated UART: text that ends a line (eol) or a
 * partial line (the VM with input focus shows what it types, e.g. a shell prompt, at once).
 * A partial line continues on screen until another VM or keel prints, which starts a new
 * line; the rest of the VM's line then comes on a new line with its prefix again.
 * stamp is the physical counter when the VM wrote the text.
 */
void console_vm_text(const char *vm_name, const char *text, unsigned len, bool eol, uint64_t stamp);

/*
 * keel's own partial line (the monitor's prompt and what is typed at it), owned by owner:
 * if the screen's partial line is owner's, more is printed; otherwise (a VM or keel
 * printed meanwhile, or nothing was shown yet) a new line is started with redraw. A VM's
 * text after it starts on a line of its own, as after another VM's partial line.
 */
void console_keel_partial(const char *owner, const char *redraw, const char *more);

/* Raw output for multi-line reports (panic, exception dumps): caller holds the lock. */
void console_lock(void);
void console_unlock(void);
void console_printf_locked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
