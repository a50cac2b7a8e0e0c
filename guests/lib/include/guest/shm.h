/*
 * Shared memory and doorbells for test guests (docs/architecture.md, "Shared memory and
 * doorbells"): regions found by name in the device tree keel generated, and the doorbell
 * PL061 (one output line "ring-<peer>" and one input line "from-<peer>" per peer).
 *
 * Use: gic_init(), then doorbell_init() (it installs an IRQ handler for the PL061's
 * interrupt; a guest with its own handler calls doorbell_irq() from it), then
 * doorbell_ring(k) / doorbell_wait(). The message ring is guest/shm_ring.h.
 */
#ifndef GUEST_SHM_H
#define GUEST_SHM_H

#include <stdbool.h>
#include <stdint.h>
#include "guest/shm_ring.h"

#define SHM_MAX_USERS     8
#define DOORBELL_MAX_PEERS 4
#define DOORBELL_INTID    39	/* SPI 7 */

/* PL061 registers (Arm DDI 0190B). */
#define PL061_DATA_ALL    0x3fc	/* GPIODATA with every line in the address mask */
#define PL061_DIR         0x400
#define PL061_IS          0x404
#define PL061_IBE         0x408
#define PL061_IEV         0x40c
#define PL061_IE          0x410
#define PL061_RIS         0x414
#define PL061_MIS         0x418
#define PL061_IC          0x41c

struct shm_region {
	uint64_t base, size;		/* IPA, bytes */
	bool ro;
	unsigned nr_users;
	const char *users[SHM_MAX_USERS];	/* VM names, config order */
	int side;			/* this VM's index in users, -1 if absent */
};

/* This VM's name ("keel VM <name>" model of keel's device tree). */
const char *shm_vm_name(void);

/* The region called name (its keel,name) that this VM maps; false if none. */
bool shm_find(const char *name, struct shm_region *r);

/* Find the PL061, make ring lines outputs low, from lines rising-edge interrupts, and
 * enable its interrupt. False if the device tree has no doorbell. */
bool doorbell_init(void);
/* Peer index of VM name (its "ring-<name>" line is 2k), -1 if it is no peer. */
int doorbell_peer(const char *name);
/* Ring peer k: its ring line low to high, then low again. */
void doorbell_ring(unsigned k);
/* The same through keel's hypercall, by VM id. */
int64_t doorbell_ring_hvc(uint64_t vm_id);
/* From an IRQ handler: true if intid was the doorbell's; records and clears its edges. */
bool doorbell_irq(uint32_t intid);
/*
 * Peers (a bit per peer index) that rang since the last call, waiting up to timeout_us
 * for at least one (in WFI; the virtual timer ends the wait); 0 on timeout. Rings are counted, not only flagged: doorbell_count().
 */
uint32_t doorbell_wait(uint64_t timeout_us);
uint64_t doorbell_count(void);

#endif
