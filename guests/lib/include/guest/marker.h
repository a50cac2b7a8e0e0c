/*
 * Strings the isolation test hunts for, built at run time from XOR-encoded
 * constants so that no guest binary contains them (guests.mk checks).
 */
#ifndef GUEST_MARKER_H
#define GUEST_MARKER_H

#include <stdint.h>

#define MARKER_LEN	16	/* the secret guest's marker */
#define BANNER_LEN	15	/* keel's banner, "keel hypervisor" */

void marker_build(uint8_t out[MARKER_LEN]);
void banner_build(uint8_t out[BANNER_LEN]);

#endif
