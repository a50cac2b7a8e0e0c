/*
 * The generic timer's interrupts from the device tree (see guest/timer.h).
 */
#include "guest/timer.h"
#include "guest/dt.h"
#include "guest/gic.h"
#include "guest/runtime.h"

#define DT_TIMER_VIRT		2	/* "interrupts" entry: secure phys, phys, virt, hyp */
#define DT_IRQ_TYPE_PPI		1
#define DT_IRQ_CELLS		3	/* type, number, flags */
#define DT_IRQ_ENTRY_SIZE	(DT_IRQ_CELLS * 4)

bool timer_dt_virt_intid(unsigned *intid)
{
	int node = dt_find_compatible("arm,armv8-timer");
	uint32_t len;
	const uint8_t *irqs = env.dtb && node >= 0 ? dt_prop(node, "interrupts", &len) : NULL;
	const uint8_t *virt;

	if (!irqs || len < DT_IRQ_ENTRY_SIZE * (DT_TIMER_VIRT + 1))
		return false;
	virt = irqs + DT_IRQ_ENTRY_SIZE * DT_TIMER_VIRT;
	if (dt_be32(virt) != DT_IRQ_TYPE_PPI)
		return false;
	*intid = GIC_PPI_BASE + dt_be32(virt + 4);
	return true;
}
