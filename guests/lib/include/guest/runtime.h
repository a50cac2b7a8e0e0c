/*
 * What the runtime found out about the VM (from the device tree and from
 * keel), per-vCPU state, and small helpers (time, locks, cache maintenance).
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "guest/layout.h"
#include "guest/sysreg.h"

#define DEFAULT_UART_BASE	0x09000000ULL
#define DEFAULT_TESTDEV_BASE	0x0a000000ULL
#define DEVICE_WINDOW_SIZE	0x1000ULL

struct guest_env {
	uint64_t dtb, dtb_size;
	uint64_t ram_base, ram_size;		/* first /memory range */
	uint64_t uart_base;			/* arm,pl011 */
	uint64_t testdev_base, testdev_size;	/* keel,test-device */
	bool has_testdev;			/* node present in the DT */
	unsigned ncpus;				/* /cpus/cpu@* nodes */
	uint64_t cpu_mpidr[GUEST_MAX_CPUS];
	const char *vm_name;			/* /chosen keel,vm-name, else model */
	uint64_t image_start, image_end;	/* this image, BSS included */
	unsigned pa_bits;			/* ID_AA64MMFR0_EL1.PARange, capped at 39 */
	bool under_keel;			/* KEEL_HC_CALL_UID answered keel's UID */
};
extern struct guest_env env;

/* Each guest defines these two. */
extern const char guest_name[];
void guest_main(void);

/* Current vCPU slot (index into env.cpu_mpidr), from the per-CPU block. */
unsigned cpu_index(void);

/* Generic timer. */
static inline uint64_t timer_count(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0; isb" : "=r"(v) :: "memory");
	return v;
}
static inline uint64_t timer_freq(void) { return read_sysreg(cntfrq_el0); }
void delay_us(uint64_t us);

/* Spinlock (LDAXR/STXR: works at Armv8.0, needs the MMU on). */
typedef struct { volatile uint32_t v; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);

/* Clean [p, p+len) to the point of coherency (for a reader with its MMU off). */
void dcache_clean_range(const void *p, size_t len);

/* The largest part of RAM that holds neither this image nor the DTB. */
void ram_free_region(uint64_t *base, uint64_t *size);

/*
 * Is addr one the VM owns: its RAM, a window of a device in the DT (a "reg"
 * of a child of the root), or the default test device window?
 */
bool ipa_is_assigned(uint64_t addr);

#endif
