/*
 * Shared memory and doorbells in the configuration (docs/config.md, "Shared memory and
 * doorbells"): the regions declared at the root, each VM's shared-memory and
 * shared-memory-ro mappings, its doorbell window and its peers. Called by config.c.
 *
 *   ring0: ring0 { compatible = "keel,shared-memory"; size = <0x0 0x200000>;
 *                  address = <0x0 0xb0000000>; };		(address optional)
 *   vm { shared-memory = <&ring0 0x0 0x70000000>; shared-memory-ro = <&ring1 ...>;
 *        doorbell = <0x0 0x09030000>; };			(doorbell optional)
 *
 * Messages are "<file>: /<node>: <problem>; <fix>", like the rest of config_parse.
 */
#ifndef KEEL_CONFIG_SHM_H
#define KEEL_CONFIG_SHM_H

#include <keel/config.h>

#define CONFIG_SHM_COMPATIBLE "keel,shared-memory"

/* What config.c knows of the file being parsed. */
struct config_shm_ctx {
	const void *fdt;
	const char *file;
	unsigned ac, sc;	/* root #address-cells, #size-cells */
	unsigned ipa_bits;
	char *err;
	size_t errlen;
};

/* A child of the root that declares a shared region (not a VM). */
bool config_shm_is_region(const void *fdt, int node);

/* Every region node of the root, into cfg->shm[]. Before the VMs. */
must_check int config_shm_parse_regions(const struct config_shm_ctx *c, struct keel_config *cfg);

/*
 * The VM node's shared-memory, shared-memory-ro and doorbell properties, once its memory
 * and devices are parsed. path is the node's path for messages.
 */
must_check int config_shm_parse_vm(const struct config_shm_ctx *c, int node, const char *path,
				   struct keel_config *cfg, struct vm_config *vm);

/* After every VM: users, peers, doorbell windows, fixed addresses against phys RAM. */
must_check int config_shm_finish(const struct config_shm_ctx *c, struct keel_config *cfg);

/* Index k of VM peer_id among vm's peers (its lines 2k and 2k + 1), or -1. */
int config_shm_peer_index(const struct vm_config *vm, unsigned peer_id);

/*
 * The doorbell wiring: VM `from` (an id of cfg) rings its peer number k. The VM it rings
 * and the input line there (2j + 1, j being `from`'s index among that VM's peers) into
 * *to and *line; false if `from` has no peer k.
 */
must_check bool config_shm_ring_target(const struct keel_config *cfg, unsigned from, unsigned k,
				       unsigned *to, unsigned *line);

#endif
