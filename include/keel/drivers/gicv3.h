/*
 * Physical GICv3, as keel itself uses it: SGIs to kick other CPUs, and the
 * interrupt acknowledge / end-of-interrupt cycle at EL2.
 */
#ifndef KEEL_DRIVERS_GICV3_H
#define KEEL_DRIVERS_GICV3_H

#include <keel/types.h>

#define GIC_SGI_KICK      0   /* "look at your vCPU's state again" */
#define GIC_INTID_SPURIOUS 1023

/* Affinity routing, Group 1; every SPI disabled and inactive until its owner enables it. */
void gicv3_init_dist(uint64_t gicd_base);
/* Find and wake this CPU's redistributor in the region, enable its SGIs. */
must_check int gicv3_init_cpu(uint64_t gicr_base, uint64_t gicr_size, uint64_t mpidr, uint64_t *my_gicr);
void gicv3_send_sgi(uint64_t target_mpidr, unsigned intid);
/* Acknowledge the highest priority pending interrupt: its INTID, or 1023. */
unsigned gicv3_ack(void);
/* EOImode 1: end of interrupt only drops the running priority; deactivation is separate,
 * so an interrupt forwarded to a guest with the list register HW bit stays active until
 * the guest deactivates it. */
void gicv3_eoi(unsigned intid);
void gicv3_deactivate(unsigned intid);
/* Enable a private interrupt (SGI/PPI) on this CPU's redistributor. */
void gicv3_enable_private(uint64_t gicr, unsigned intid);
/* Clear the active state of a private interrupt of this CPU. */
void gicv3_clear_active_private(uint64_t gicr, unsigned intid);
/* Enable a shared interrupt, level-triggered, routed to the CPU with affinity `mpidr`. */
void gicv3_enable_spi(uint64_t gicd, unsigned intid, uint64_t mpidr);
/*
 * One SPI (32..1019; the caller checks), for keel's own and passed-through devices.
 * configure: Group 1, keel's priority, edge (rising) or level; while it is disabled
 * (GICD_ICFGR may not change under an enabled interrupt). route: to the one PE with
 * affinity mpidr. set_enabled(false) returns once the distributor has stopped
 * forwarding it (GICD_CTLR.RWP). deactivate clears its active state (GICD_ICACTIVER)
 * from any CPU; set_pending makes it pending (GICD_ISPENDR).
 */
void gicv3_spi_configure(uint64_t gicd, unsigned intid, bool edge);
void gicv3_spi_route(uint64_t gicd, unsigned intid, uint64_t mpidr);
void gicv3_spi_set_enabled(uint64_t gicd, unsigned intid, bool enabled);
void gicv3_spi_deactivate(uint64_t gicd, unsigned intid);
void gicv3_spi_set_pending(uint64_t gicd, unsigned intid);

#endif
