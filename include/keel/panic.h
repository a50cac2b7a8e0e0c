/* panic(): keel's own invariants are broken. Never for anything a guest did. */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

#include <keel/types.h>

noreturn_fn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Stop this CPU for good (after a panic or a fatal boot error). */
noreturn_fn void cpu_halt(void);

#define BUG_ON(cond) do { if (cond) panic("BUG: %s at %s:%d", #cond, __FILE__, __LINE__); } while (0)

#endif
