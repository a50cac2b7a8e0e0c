/*
 * Inside passthrough_resolve (src/core/passthrough*.c): the resolution context shared by
 * its parts, not an interface for the rest of keel (that is include/keel/passthrough.h).
 *   passthrough.c       the loop over VMs and devices, what a node is and may refer to
 *   passthrough_mmio.c  reg ranges: pages, limits, overlaps, sharing; merged stage-2 pages
 *   passthrough_irq.c   interrupts
 */
#ifndef KEEL_CORE_PASSTHROUGH_CTX_H
#define KEEL_CORE_PASSTHROUGH_CTX_H

#include <keel/passthrough.h>
#include <keel/platform.h>

#include <stddef.h>

struct pt_ctx {
	const void *fdt;
	const struct platform *p;
	const struct keel_config *cfg;
	struct vm_passthrough *out;
	uint64_t pa_limit;		/* 1 << pa_bits: both PAs and IPAs end at or below it */
	int gic, stdout_node;
	const struct vm_config *vm;	/* the VM and the path being resolved, for messages */
	const char *path;
	int vm_nodes[PASSTHROUGH_MAX_DEVICES];	/* the VM's paths' nodes (< 0: none) */
	char *err;
	size_t errlen;
};

static inline unsigned long long ull(uint64_t v)
{
	return v;
}

static inline bool pt_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* Writes "/<vm>: passthrough \"<path>\": <message>" and returns ret. */
int pt_fail(const struct pt_ctx *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A node's full path for messages ("?" if it has none that fits). */
const char *pt_path(const struct pt_ctx *c, int node, char *buf, size_t len);
bool pt_node_enabled(const void *fdt, int node);
bool pt_prop_is(const void *fdt, int node, const char *prop, const char *val);

/* The device's reg ranges into dev->mmio[] (passthrough_mmio.c). */
int pt_resolve_mmio(const struct pt_ctx *c, int node, uint64_t ipa,
		    struct passthrough_device *dev);
/* The device's interrupts into dev->irqs[] (passthrough_irq.c). */
int pt_resolve_irqs(const struct pt_ctx *c, int node, struct passthrough_device *dev);

#endif
