/*
 * A minimal read-only flattened device tree reader. It runs before the MMU is
 * on, so it calls no libc function and does only aligned loads.
 * Nodes are offsets of their FDT_BEGIN_NODE token in the structure block;
 * -1 means "none".
 */
#ifndef GUEST_DT_H
#define GUEST_DT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool dt_init(const void *blob);		/* false if not a valid version-16/17 FDT */
uint32_t dt_total_size(void);
int dt_root(void);
/* Absolute path; a component without "@unit" matches any unit address. */
int dt_path(const char *path);
int dt_first_child(int node);
int dt_next_sibling(int node);
int dt_parent(int node);
const char *dt_name(int node);
const void *dt_prop(int node, const char *name, uint32_t *len);
/* First node (depth-first) whose "compatible" list contains compat. */
int dt_find_compatible(const char *compat);
/* #address-cells / #size-cells that apply to node's "reg" (its parent's). */
uint32_t dt_addr_cells(int node);
uint32_t dt_size_cells(int node);
/* Entry i of node's "reg"; false if absent. */
bool dt_reg(int node, unsigned i, uint64_t *addr, uint64_t *size);
uint32_t dt_be32(const void *p);
bool dt_streq(const char *a, const char *b);
bool dt_strprefix(const char *s, const char *prefix);

#endif
