/*
 * A VM node's passthrough properties (docs/config.md, "Device passthrough"):
 *   passthrough = "/pl031@9010000", "/virtio_mmio@a003e00";
 *   passthrough-ipa = <0x0 0x0>, <0x0 0x20003e00>;	(optional; 0: IPA = PA)
 * Only the syntax is checked here: whether the paths name devices a VM may have needs the
 * boot device tree, which passthrough_resolve() (src/core/passthrough.c) checks.
 */
#include <keel/config.h>
#include <keel/platform.h>

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

static int cfgpt_parse_paths(const char *v, int len, struct vm_config *vm, char *msg,
			     size_t msglen)
{
	int off = 0;

	if (len <= 0 || v[len - 1] != '\0') {
		snprintf(msg, msglen, "passthrough must be a list of strings, e.g. passthrough = "
			 "\"/pl031@9010000\", \"/virtio_mmio@a003e00\"");
		return KE_INVAL;
	}
	while (off < len) {
		const char *path = v + off;
		size_t n = strlen(path);

		if (vm->nr_passthrough == PASSTHROUGH_MAX_DEVICES) {
			snprintf(msg, msglen, "passthrough names more than %d devices; a VM has at "
				 "most %d", PASSTHROUGH_MAX_DEVICES, PASSTHROUGH_MAX_DEVICES);
			return KE_NOTSUP;
		}
		if (path[0] != '/') {
			snprintf(msg, msglen, "passthrough \"%.64s\" is not a full path; give the "
				 "node's path in the boot device tree, starting with /, e.g. "
				 "\"/pl031@9010000\"", path);
			return KE_INVAL;
		}
		if (n >= PASSTHROUGH_PATH_MAX) {
			snprintf(msg, msglen, "passthrough \"%.40s...\" is longer than %d characters",
				 path, PASSTHROUGH_PATH_MAX - 1);
			return KE_INVAL;
		}
		for (unsigned i = 0; i < vm->nr_passthrough; i++)
			if (!strcmp(vm->passthrough[i], path)) {
				snprintf(msg, msglen, "passthrough names \"%s\" twice; name each "
					 "device once", path);
				return KE_EXIST;
			}
		memcpy(vm->passthrough[vm->nr_passthrough++], path, n + 1);
		off += (int)n + 1;
	}
	return 0;
}

static int cfgpt_parse_ipas(const fdt32_t *v, int len, unsigned ac, struct vm_config *vm,
			    char *msg, size_t msglen)
{
	if (!vm->nr_passthrough) {
		snprintf(msg, msglen, "passthrough-ipa without passthrough; remove it or add "
			 "passthrough = \"/...\"");
		return KE_INVAL;
	}
	if (len != (int)(vm->nr_passthrough * ac * sizeof(fdt32_t))) {
		snprintf(msg, msglen, "passthrough-ipa must give one address (%u cell%s, "
			 "#address-cells of /) per passthrough device, %u in all; it is %d bytes",
			 ac, ac == 1 ? "" : "s", vm->nr_passthrough, len);
		return KE_INVAL;
	}
	for (unsigned i = 0; i < vm->nr_passthrough; i++)
		vm->passthrough_ipa[i] = platform_dt_number(v + i * ac, ac);
	return 0;
}

int config_parse_passthrough(const void *fdt, int node, unsigned ac, struct vm_config *vm,
			     char *msg, size_t msglen)
{
	const void *v;
	int len, r;

	v = fdt_getprop(fdt, node, "passthrough", &len);
	if (v && vm->dtb[0]) {
		/* Its devices go into the tree keel generates; a given tree is the user's. */
		snprintf(msg, msglen, "passthrough needs the device tree keel generates, but this "
			 "VM is given dtb = \"%s\"; drop dtb, or drop passthrough and map nothing",
			 vm->dtb);
		return KE_NOTSUP;
	}
	if (v) {
		r = cfgpt_parse_paths(v, len, vm, msg, msglen);
		if (r)
			return r;
	}
	v = fdt_getprop(fdt, node, "passthrough-ipa", &len);
	if (v)
		return cfgpt_parse_ipas(v, len, ac, vm, msg, msglen);
	return 0;
}
