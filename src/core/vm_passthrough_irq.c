/*
 * Interrupts of passed-through devices: the physical SPIs of a VM's devices kept in
 * step with its virtual GIC (include/keel/vm_passthrough_irq.h for the rules).
 *
 * Locking: start, stop, the vGIC callbacks and fire's injection run under vm->lock,
 * so the VM's state and its vGIC's view of a linked SPI never change under them; the
 * only lock taken inside is the distributor driver's gicd_rmw_lock (vm->lock, then it).
 * Every physical register write names a pINTID from the configuration (validated by
 * passthrough_resolve), never a value from the guest; the guest's route reaches the
 * hardware only as a vCPU index the vGIC has bounded to its vCPUs.
 */
#include <keel/irq.h>
#include <keel/nospec.h>
#include <keel/passthrough.h>
#include <keel/vm.h>
#include <keel/vm_passthrough_irq.h>
#include <stdio.h>

/*
 * The k-th passthrough SPI of vm (devices in order), or NULL past the last (at once for
 * a VM without devices: vm->passthrough NULL); its device.
 */
static const struct passthrough_irq *pt_irq_at(const struct vm *vm, unsigned k,
					       const struct passthrough_device **dev)
{
	const struct vm_passthrough *pt = vm->passthrough;

	for (unsigned d = 0; pt && d < pt->nr_devices && d < PASSTHROUGH_MAX_DEVICES; d++) {
		unsigned n = MIN(pt->dev[d].nr_irqs, (unsigned)PASSTHROUGH_MAX_IRQS);

		if (k < n) {
			if (dev)
				*dev = &pt->dev[d];
			return &pt->dev[d].irqs[k];
		}
		k -= n;
	}
	return NULL;
}

/* The configuration of physical SPI pintid of vm, or NULL. */
static const struct passthrough_irq *pt_irq_find(const struct vm *vm, unsigned pintid)
{
	const struct passthrough_irq *irq;

	for (unsigned k = 0; (irq = pt_irq_at(vm, k, NULL)); k++)
		if (irq->intid == pintid)
			return irq;
	return NULL;
}

int vm_passthrough_irq_claim(struct vm *vm, char *err, size_t errlen)
{
	const struct passthrough_device *dev;
	const struct passthrough_irq *irq;

	for (unsigned k = 0; (irq = pt_irq_at(vm, k, &dev)); k++) {
		int ret = irq_spi_claim(irq->intid, vm, irq->intid);

		if (ret) {
			snprintf(err, errlen, "passthrough %s: interrupt %u (SPI %u) cannot be "
				 "given to it: %s", dev->path, irq->intid, irq->intid - IRQ_SPI_FIRST,
				 ret == KE_EXIST ? "another VM has it; give the device to one VM only" :
				 "keel uses it; pass a device whose interrupts keel does not use");
			return ret;
		}
		irq_spi_set_enabled(irq->intid, false);
		irq_spi_configure(irq->intid, irq->edge);
	}
	return KE_OK;
}

/* The physical CPU that takes an SPI the guest routes to vcpu (a vGIC-bounded index). */
static unsigned pt_irq_pcpu(const struct vm *vm, unsigned vcpu)
{
	if (vcpu >= vm->nr_vcpus)
		vcpu = 0;   /* a route naming no vCPU: delivered to nobody, taken by vCPU 0's CPU */
	return vm->vcpus[array_index_nospec(vcpu, vm->nr_vcpus)].pcpu;
}

static void pt_irq_program(const struct vm *vm, unsigned pintid, unsigned vcpu, bool enabled)
{
	/* Re-routed while disabled, as GICD_IROUTER may not change under a live SPI. */
	irq_spi_set_enabled(pintid, false);
	irq_spi_route(pintid, pt_irq_pcpu(vm, vcpu));
	if (enabled)
		irq_spi_set_enabled(pintid, true);
}

/* vGIC hw_spi_config callback (locked): the guest re-routed, enabled or disabled a linked SPI. */
static void pt_irq_config(void *ctx, uint32_t pintid, unsigned vcpu, bool enabled)
{
	struct vm *vm = ctx;

	/* A vCPU still running while the VM stops must not switch a stopped SPI back on. */
	if (vm->state != VM_RUNNING || !pt_irq_find(vm, pintid))
		return;
	pt_irq_program(vm, pintid, vcpu, enabled);
}

/* vGIC hw_deactivate callback (locked): a linked interrupt left pending and active otherwise. */
static void pt_irq_hw_deactivate(void *ctx, unsigned vcpu, uint32_t pintid)
{
	struct vm *vm = ctx;

	if (pintid >= IRQ_SPI_FIRST) {
		if (pt_irq_find(vm, pintid))
			irq_spi_deactivate(pintid);
		return;
	}
	vcpu_hw_irq_deactivate(vm, vcpu, pintid);   /* the guest's timers */
}

/* Every VM's: its timers' PPIs and its devices' SPIs. */
static const struct vgic_hw_ops pt_irq_hw_ops = {
	.deactivate = pt_irq_hw_deactivate,
	.spi_config = pt_irq_config,
};

int vm_passthrough_irq_link(struct vm *vm)
{
	const struct passthrough_irq *irq;

	vgic_set_hw_ops(&vm->vgic, &pt_irq_hw_ops, vm);
	for (unsigned k = 0; (irq = pt_irq_at(vm, k, NULL)); k++) {
		int ret = vgic_link_hw_spi(&vm->vgic, irq->intid, irq->intid, irq->edge);

		if (ret)
			return ret;
	}
	return KE_OK;
}

void vm_passthrough_irq_start(struct vm *vm)
{
	const struct passthrough_irq *irq;

	for (unsigned k = 0; (irq = pt_irq_at(vm, k, NULL)); k++) {
		struct vgic_hw_spi_state st;

		irq_spi_set_enabled(irq->intid, false);
		irq_spi_deactivate(irq->intid);   /* taken in the last run's final moments */
		irq_spi_configure(irq->intid, irq->edge);
		if (vgic_hw_spi_get(&vm->vgic, irq->intid, &st) == KE_OK)
			pt_irq_program(vm, irq->intid, st.target, st.enabled);
	}
}

void vm_passthrough_irq_stop(struct vm *vm)
{
	const struct passthrough_irq *irq;

	for (unsigned k = 0; (irq = pt_irq_at(vm, k, NULL)); k++) {
		struct vgic_hw_spi_state st;

		irq_spi_set_enabled(irq->intid, false);
		irq_spi_deactivate(irq->intid);
		/* A level SPI is pending again while its line is high; an edge would be lost. */
		if (irq->edge && vgic_hw_spi_get(&vm->vgic, irq->intid, &st) == KE_OK && st.injected)
			irq_spi_set_pending(irq->intid);
	}
}

void vm_passthrough_irq_fire(struct vm *vm, unsigned vintid, unsigned pintid)
{
	const struct passthrough_irq *irq;
	uint32_t kick = 0;

	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING) {
		if (vgic_trigger_edge(&vm->vgic, 0, vintid, &kick))
			kick = 0;   /* vintid came from irq_spi_claim: a valid SPI */
		spin_unlock(&vm->lock);
		vm_irq_kick(vm, kick);
		return;
	}
	/* Taken just before vm_passthrough_irq_stop disabled it: keep it for the next start. */
	irq = pt_irq_find(vm, pintid);
	irq_spi_deactivate(pintid);
	if (irq && irq->edge)
		irq_spi_set_pending(pintid);
	spin_unlock(&vm->lock);
}
