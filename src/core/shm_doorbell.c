/*
 * Doorbells between VMs: each VM's emulated PL061 (src/devices/vpl061.c) wired to its
 * peers' PL061s, and KEEL_HC_DOORBELL. See include/keel/shm.h for the lines and the
 * locking: the ringer's lock is never held while the peer's is taken.
 */
#include <keel/abi/hypercall.h>
#include <keel/config_shm.h>
#include <keel/nospec.h>
#include <keel/shm.h>
#include <keel/vm.h>

/* Locked: the PL061's interrupt output to the vGIC, when it changed. */
static void shm_doorbell_irq_update(struct vm *vm)
{
	struct vm_doorbell *d = &vm->doorbell;
	bool level = vpl061_irq_level(&d->gpio);
	uint32_t kick = 0;

	if (level == d->irq_line)
		return;
	d->irq_line = level;
	if (!vgic_set_level(&vm->vgic, 0, CONFIG_DOORBELL_INTID, level, &kick))
		vm_irq_kick(vm, kick);
}

/* vpl061 out_changed, under vm->lock: a ring line rose. Delivered by shm_doorbell_flush. */
static void shm_doorbell_out_changed(void *ctx, unsigned line, bool level)
{
	struct vm *vm = ctx;
	unsigned k = line / 2;

	if (level && line == SHM_LINE_RING(k) && k < vm->cfg->nr_peers)
		__atomic_or_fetch(&vm->doorbell.pending, BIT(k), __ATOMIC_RELEASE);
}

void shm_doorbell_init(struct vm *vm)
{
	vpl061_init(&vm->doorbell.gpio, shm_doorbell_out_changed, vm);
	vm->doorbell.irq_line = false;
	vm->doorbell.pending = 0;
}

int shm_doorbell_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	struct vm *vm = dev;
	int ret = vpl061_read(&vm->doorbell.gpio, off, size, val);

	shm_doorbell_irq_update(vm);
	return ret;
}

int shm_doorbell_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = dev;
	int ret = vpl061_write(&vm->doorbell.gpio, off, size, val);

	shm_doorbell_irq_update(vm);
	return ret;
}

/*
 * Not locked by the caller: ring `from`'s peer number k, pulsing the input line the
 * wiring gives (config_shm_ring_target) under the peer's lock only. A VM that is not
 * running gets nothing: its vGIC and PL061 may be being reset.
 */
static void shm_doorbell_ring(struct vm *from, unsigned k)
{
	const struct keel_config *cfg = shm_config();
	unsigned to, line;
	struct vm *peer;

	if (!cfg || !config_shm_ring_target(cfg, from->id, k, &to, &line) || to >= nr_vms)
		return;
	peer = &vms[to];
	spin_lock(&peer->lock);
	if (peer->state == VM_RUNNING &&
	    !vpl061_set_input(&peer->doorbell.gpio, line, true) &&
	    !vpl061_set_input(&peer->doorbell.gpio, line, false))
		shm_doorbell_irq_update(peer);
	spin_unlock(&peer->lock);
}

void shm_doorbell_flush(struct vm *vm)
{
	uint32_t pending = __atomic_exchange_n(&vm->doorbell.pending, 0, __ATOMIC_ACQ_REL);

	for (unsigned k = 0; pending && k < vm->cfg->nr_peers; k++)
		if (pending & BIT(k))
			shm_doorbell_ring(vm, k);
}

int64_t shm_doorbell_hypercall(struct vm *vm, uint64_t peer)
{
	if (peer >= vm->cfg->nr_peers)
		return SMCCC_INVALID_PARAMETER;
	shm_doorbell_ring(vm, (unsigned)array_index_nospec(peer, vm->cfg->nr_peers));
	return SMCCC_SUCCESS;
}
