/*
 * Where a VM's boot images go in its RAM: the kernel (a raw binary or an arm64 Image), the
 * initrd and the device tree. Pure arithmetic over sizes, configuration values and header
 * bytes: no copies, no globals, so it is host-tested (tests/unit/test_vm_load.c).
 *
 * Owns: struct vm_load_plan. A plan that vm_load_plan_images() accepted satisfies, for
 * every image, vm_load_range_ok(ram_size, off, size): the copies src/core/vm.c makes
 * along it (at creation and on every restart) stay inside the VM's RAM. vm.c makes no
 * placement decision of its own and never re-reads an image header after planning.
 *
 * Layout, as offsets from the RAM base (ram_size is 2 MiB aligned, > VM_LOAD_DTB_REGION):
 *   [kernel_off, kernel_end)        kernel, BSS included (kernel_copy bytes come from the file)
 *   [initrd_off, +initrd_size)      initrd, page aligned, as high as it goes below the DTB
 *   [dtb_off, +VM_LOAD_DTB_REGION)  device tree, the top 2 MiB
 * Errors are messages about the images ("kernel \"k.bin\": ..."); the caller prefixes the
 * configuration file and node.
 */
#ifndef KEEL_VM_LOAD_H
#define KEEL_VM_LOAD_H

#include <keel/config.h>
#include <keel/types.h>

#define VM_LOAD_DTB_REGION    SZ_2M          /* the device tree gets the top 2 MiB of RAM */
#define VM_LOAD_DTB_MAX       (64 * 1024)    /* a generated tree is far smaller */

/* The arm64 Image header (Linux Documentation/arch/arm64/booting.rst), all little endian. */
#define IMAGE_HEADER_SIZE     64
#define IMAGE_OFF_TEXT_OFFSET 8
#define IMAGE_OFF_IMAGE_SIZE  16
#define IMAGE_OFF_FLAGS       24
#define IMAGE_OFF_RES2        32             /* res2, res3, res4: three u64 that must be 0 */
#define IMAGE_OFF_MAGIC       56
#define IMAGE_MAGIC           0x644d5241u    /* "ARM\x64" */
#define IMAGE_FLAGS_BE        BIT(0)         /* kernel endianness: 1 = big endian */
#define IMAGE_FLAGS_PAGE_SIZE (3ULL << 1)    /* 0 unspecified, 1 4K, 2 16K, 3 64K: all accepted */
#define IMAGE_FLAGS_PHYS_ANY  BIT(3)         /* 2 MiB base may be anywhere in RAM */
#define IMAGE_FLAGS_KNOWN     (IMAGE_FLAGS_BE | IMAGE_FLAGS_PAGE_SIZE | IMAGE_FLAGS_PHYS_ANY)
/* Kernels before 3.17 have image_size 0 and an unreliable text_offset: booting.rst says
 * to assume 0x80000. */
#define IMAGE_LEGACY_TEXT_OFFSET 0x80000

struct vm_load_plan {
	uint64_t kernel_off;    /* entry point = RAM base + kernel_off */
	uint64_t kernel_copy;   /* bytes copied from the kernel module (its file size) */
	uint64_t kernel_end;    /* end of what the kernel owns, BSS included */
	uint64_t initrd_off, initrd_size;   /* initrd_size 0: none */
	uint64_t dtb_off;
	uint64_t dtb_size;      /* a given tree's size, or VM_LOAD_DTB_MAX for a generated one */
};

/* [off, off + len) lies inside [0, ram_size); never wraps. */
bool vm_load_range_ok(uint64_t ram_size, uint64_t off, uint64_t len);

/* Bytes of RAM below the device tree region, where a kernel and initrd may go
 * (0 if the RAM is no larger than the region). */
uint64_t vm_load_kernel_room(uint64_t ram_size);

/*
 * Plan every image of a VM with ram_size bytes of RAM and configuration cfg, from the
 * kernel module's bytes (kernel, kernel_size), the initrd's size (0 if cfg has none) and a
 * given device tree's size (0 if keel generates one). KE_OK and *plan filled, or an error
 * with a message in err.
 */
must_check int vm_load_plan_images(uint64_t ram_size, const struct vm_config *cfg,
				   const uint8_t *kernel, uint64_t kernel_size,
				   uint64_t initrd_size, uint64_t dtb_size,
				   struct vm_load_plan *plan, char *err, size_t errlen);

#endif
