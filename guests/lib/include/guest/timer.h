/*
 * The generic timer's description in the device tree ("arm,armv8-timer").
 * The counter itself: timer_count() and timer_freq() in runtime.h.
 */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include <stdbool.h>

/*
 * The virtual timer's INTID from the DT's "arm,armv8-timer" node into *intid;
 * false (and *intid untouched) if there is no DT, no such node, or its
 * virtual timer entry is missing or not a PPI.
 */
bool timer_dt_virt_intid(unsigned *intid);

#endif
