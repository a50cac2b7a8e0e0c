/*
 * Read-only flattened device tree walker (devicetree specification v0.4,
 * chapter 5). Runs with the MMU off: no libc, aligned loads only (tokens and
 * cells are 4-byte aligned; strings are read byte by byte). Built with
 * -fno-builtin -fno-tree-loop-distribute-patterns (see guests.mk) so the
 * compiler does not turn a loop into a memcpy/strlen call either.
 */
#include "guest/dt.h"

#define FDT_MAGIC	0xd00dfeedu
#define FDT_BEGIN_NODE	1u
#define FDT_END_NODE	2u
#define FDT_PROP	3u
#define FDT_NOP		4u
#define FDT_END		9u

static const uint8_t *fdt_base;
static const uint8_t *fdt_struct;
static const char *fdt_strings;
static uint32_t fdt_struct_size, fdt_strings_size, fdt_size;

uint32_t dt_be32(const void *p)
{
	const uint8_t *b = p;

	if (((uintptr_t)p & 3) == 0) {
		uint32_t v = *(const volatile uint32_t *)p;
		return __builtin_bswap32(v);
	}
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

bool dt_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

bool dt_strprefix(const char *s, const char *prefix)
{
	while (*prefix) {
		if (*s++ != *prefix++)
			return false;
	}
	return true;
}

static uint32_t str_len(const char *s, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

bool dt_init(const void *blob)
{
	const uint8_t *b = blob;
	uint32_t off_struct, off_strings, version;

	fdt_base = NULL;
	if (!blob || ((uintptr_t)blob & 7) || dt_be32(b) != FDT_MAGIC)
		return false;
	fdt_size = dt_be32(b + 4);
	off_struct = dt_be32(b + 8);
	off_strings = dt_be32(b + 12);
	version = dt_be32(b + 20);
	fdt_strings_size = dt_be32(b + 32);
	fdt_struct_size = dt_be32(b + 36);
	if (version < 16 || off_struct >= fdt_size || off_strings >= fdt_size ||
	    fdt_struct_size > fdt_size - off_struct ||
	    fdt_strings_size > fdt_size - off_strings || (off_struct & 3))
		return false;
	fdt_base = b;
	fdt_struct = b + off_struct;
	fdt_strings = (const char *)b + off_strings;
	return true;
}

uint32_t dt_total_size(void)
{
	return fdt_base ? fdt_size : 0;
}

static uint32_t token(int off)
{
	if (off < 0 || (uint32_t)off + 4 > fdt_struct_size)
		return FDT_END;
	return dt_be32(fdt_struct + off);
}

/* Offset of the token after the one at off; -1 at the end or if malformed. */
static int next_token(int off)
{
	uint32_t t = token(off), n;

	switch (t) {
	case FDT_BEGIN_NODE:
		n = str_len((const char *)fdt_struct + off + 4, fdt_struct_size - off - 4);
		return off + 4 + (int)((n + 1 + 3) & ~3u);
	case FDT_PROP:
		n = token(off + 4);	/* value length */
		if (n > fdt_struct_size)
			return -1;
		return off + 12 + (int)((n + 3) & ~3u);
	case FDT_END_NODE:
	case FDT_NOP:
		return off + 4;
	default:
		return -1;
	}
}

int dt_root(void)
{
	int off = 0;

	if (!fdt_base)
		return -1;
	while (token(off) == FDT_NOP)
		off += 4;
	return token(off) == FDT_BEGIN_NODE ? off : -1;
}

/* First token after node's name and properties. */
static int after_props(int node)
{
	int off = next_token(node);

	while (off >= 0 && (token(off) == FDT_PROP || token(off) == FDT_NOP))
		off = next_token(off);
	return off;
}

/* Offset just past node's FDT_END_NODE. */
static int skip_subtree(int node)
{
	int depth = 0, off = node;

	while (off >= 0) {
		uint32_t t = token(off);

		if (t == FDT_BEGIN_NODE)
			depth++;
		else if (t == FDT_END_NODE && --depth == 0)
			return off + 4;
		else if (t == FDT_END)
			return -1;
		off = next_token(off);
	}
	return -1;
}

int dt_first_child(int node)
{
	int off;

	if (node < 0)
		return -1;
	off = after_props(node);
	return token(off) == FDT_BEGIN_NODE ? off : -1;
}

int dt_next_sibling(int node)
{
	int off;

	if (node < 0)
		return -1;
	off = skip_subtree(node);
	while (off >= 0 && token(off) == FDT_NOP)
		off += 4;
	return token(off) == FDT_BEGIN_NODE ? off : -1;
}

static int find_parent(int cur, int target)
{
	for (int c = dt_first_child(cur); c >= 0; c = dt_next_sibling(c)) {
		int end;

		if (c == target)
			return cur;
		end = skip_subtree(c);
		if (target > c && (end < 0 || target < end))
			return find_parent(c, target);
	}
	return -1;
}

int dt_parent(int node)
{
	int root = dt_root();

	if (node < 0 || node == root)
		return -1;
	return find_parent(root, node);
}

const char *dt_name(int node)
{
	return node < 0 ? "" : (const char *)fdt_struct + node + 4;
}

const void *dt_prop(int node, const char *name, uint32_t *len)
{
	int off;

	if (node < 0)
		return NULL;
	for (off = next_token(node); off >= 0; off = next_token(off)) {
		uint32_t t = token(off), nameoff;

		if (t == FDT_NOP)
			continue;
		if (t != FDT_PROP)
			break;
		nameoff = token(off + 8);
		if (nameoff < fdt_strings_size && dt_streq(fdt_strings + nameoff, name)) {
			if (len)
				*len = token(off + 4);
			return fdt_struct + off + 12;
		}
	}
	return NULL;
}

/* Does node name `name` match path component [comp, comp+n)? */
static bool name_matches(const char *name, const char *comp, int n)
{
	int i;
	bool comp_has_unit = false;

	for (i = 0; i < n; i++) {
		if (comp[i] == '@')
			comp_has_unit = true;
		if (name[i] != comp[i])
			return false;
	}
	return name[n] == '\0' || (!comp_has_unit && name[n] == '@');
}

int dt_path(const char *path)
{
	int node = dt_root();

	if (node < 0 || *path != '/')
		return -1;
	while (*path) {
		int n = 0, c;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		while (path[n] && path[n] != '/')
			n++;
		for (c = dt_first_child(node); c >= 0; c = dt_next_sibling(c))
			if (name_matches(dt_name(c), path, n))
				break;
		if (c < 0)
			return -1;
		node = c;
		path += n;
	}
	return node;
}

static bool compat_has(int node, const char *compat)
{
	uint32_t len, i = 0;
	const char *p = dt_prop(node, "compatible", &len);

	if (!p)
		return false;
	while (i < len) {
		if (dt_streq(p + i, compat))
			return true;
		i += str_len(p + i, len - i) + 1;
	}
	return false;
}

int dt_find_compatible(const char *compat)
{
	int off = dt_root();

	for (; off >= 0; off = next_token(off))
		if (token(off) == FDT_BEGIN_NODE && compat_has(off, compat))
			return off;
	return -1;
}

static uint32_t cells(int node, const char *name, uint32_t dflt)
{
	int parent = dt_parent(node);
	uint32_t len;
	const void *p = parent >= 0 ? dt_prop(parent, name, &len) : NULL;

	return (p && len == 4) ? dt_be32(p) : dflt;
}

uint32_t dt_addr_cells(int node)
{
	return cells(node, "#address-cells", 2);
}

uint32_t dt_size_cells(int node)
{
	return cells(node, "#size-cells", 1);
}

static uint64_t read_cells(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v = (v << 32) | dt_be32(p + 4 * i);
	return v;
}

bool dt_reg(int node, unsigned i, uint64_t *addr, uint64_t *size)
{
	uint32_t len, ac = dt_addr_cells(node), sc = dt_size_cells(node);
	const uint8_t *p = dt_prop(node, "reg", &len);
	uint32_t entry = 4 * (ac + sc);

	if (!p || ac > 2 || sc > 2 || entry == 0 || (uint64_t)(i + 1) * entry > len)
		return false;
	p += i * entry;
	*addr = read_cells(p, ac);
	*size = read_cells(p + 4 * ac, sc);
	return true;
}
