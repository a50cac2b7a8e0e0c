/*
 * Inter-VM shared memory and doorbells at run time (the configuration side is
 * include/keel/config_shm.h; docs/architecture.md, "Shared memory and doorbells").
 *
 * Memory: shm_setup() gives every region of the configuration its physical memory once,
 * at boot (its fixed address, claimed, or pages from the allocator), and zeroes it. It is
 * never freed nor cleared again: a VM that restarts finds the region as its peers left it,
 * so a restart never wipes a peer's data. shm_vm_add_maps() adds a VM's mappings to
 * vm->maps (read-write or read-only, never executable) before stage2_init.
 *
 * Doorbells: a VM with peers (config: vm_config.peers) has an emulated PL061 at its
 * doorbell IPA, interrupt CONFIG_DOORBELL_INTID. For its peer k, line 2k ("ring-<peer>")
 * rings that peer when the guest drives it from low to high (as an output), and line
 * 2k + 1 ("from-<peer>") pulses high then low, as an input, each time that peer rings, so
 * the guest's PL061 latches one edge per ring (GPIOIS/GPIOIEV/GPIOIBE decide which).
 * KEEL_HC_DOORBELL rings a peer the same way.
 *
 * Locking: a VM's doorbell state is under its vm->lock, like its other devices. A ring is
 * recorded in `pending` under the ringing VM's lock (the PL061 write) and delivered by
 * shm_doorbell_flush() after that lock is dropped; delivery takes the peer's vm->lock
 * only. So no code ever holds two VMs' locks at once, and two VMs ringing each other
 * cannot deadlock. A ring to a VM that is not running (stopped, restarting) is dropped.
 */
#ifndef KEEL_SHM_H
#define KEEL_SHM_H

#include <keel/config.h>
#include <keel/vpl061.h>

struct vm;
struct vcpu;

/* The doorbell lines of peer k. */
#define SHM_LINE_RING(k)  (2u * (k))
#define SHM_LINE_FROM(k)  (2u * (k) + 1u)

struct vm_doorbell {
	struct vpl061 gpio;
	bool irq_line;		/* the level last given to the vGIC */
	uint32_t pending;	/* peer indexes to ring once vm->lock is dropped */
};

/*
 * Boot, once, after vm_claim_phys and before any vm_create: the memory of every region of
 * cfg (kept for the VMs' device trees: shm_config()). On failure *node is the region's
 * name and err says why.
 */
must_check int shm_setup(const struct keel_config *cfg, char *err, size_t errlen,
			 const char **node);
/* The configuration shm_setup was given (NULL before). */
const struct keel_config *shm_config(void);
/* Physical address of region i (after shm_setup). */
uint64_t shm_region_pa(unsigned i);

/* vm_create: the VM's shared-memory mappings into vm->maps. */
must_check int shm_vm_add_maps(struct vm *vm, char *err, size_t errlen);

/* The doorbell device (src/core/shm_doorbell.c). Reset state; at creation and restart. */
void shm_doorbell_init(struct vm *vm);
/* mmio_device callbacks, called under vm->lock. */
int shm_doorbell_read(void *vm, uint64_t off, unsigned size, uint64_t *val);
int shm_doorbell_write(void *vm, uint64_t off, unsigned size, uint64_t val);
/* Not locked: deliver the rings the guest's last writes asked for. */
void shm_doorbell_flush(struct vm *vm);
/* KEEL_HC_DOORBELL: ring vm's peer number `peer` (the one of lines 2 * peer, 2 * peer + 1).
 * 0, or SMCCC_INVALID_PARAMETER if it has no such peer. */
int64_t shm_doorbell_hypercall(struct vm *vm, uint64_t peer);

#endif
