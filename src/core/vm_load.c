/*
 * Placement of a VM's boot images in its RAM: see include/keel/vm_load.h.
 *
 * Every value here comes from the configuration or from an image file, so all of the
 * arithmetic is written to never wrap: a range is checked as "off <= size and len <=
 * size - off", never as "off + len <= size".
 */
#include <keel/vm_load.h>

#include <stdarg.h>
#include <stdio.h>

static int __attribute__((format(printf, 4, 5)))
load_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static unsigned long long ull(uint64_t v)
{
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

bool vm_load_range_ok(uint64_t ram_size, uint64_t off, uint64_t len)
{
	return off <= ram_size && len <= ram_size - off;
}

uint64_t vm_load_kernel_room(uint64_t ram_size)
{
	return ram_size > VM_LOAD_DTB_REGION ? ram_size - VM_LOAD_DTB_REGION : 0;
}

/*
 * The arm64 Image header: every field booting.rst defines is checked. code0/code1 are
 * instructions (any value is the guest's business) and res5 is the PE/COFF header offset
 * only UEFI reads; keel uses neither. Sets *off (text_offset) and *span (bytes the kernel
 * owns from there, BSS included).
 */
static int load_parse_image(const struct vm_config *cfg, const uint8_t *img, uint64_t size,
			    uint64_t *off, uint64_t *span, char *err, size_t errlen)
{
	uint64_t text_offset, image_size, flags;

	if (size < IMAGE_HEADER_SIZE || le32(img + IMAGE_OFF_MAGIC) != IMAGE_MAGIC)
		return load_fail(KE_INVAL, err, errlen, "kernel \"%s\" has no arm64 Image header (magic "
				 "\"ARM\\x64\" at offset 56); use kernel-format = \"raw\" with a "
				 "load-offset for a raw binary", cfg->kernel);
	text_offset = le64(img + IMAGE_OFF_TEXT_OFFSET);
	image_size = le64(img + IMAGE_OFF_IMAGE_SIZE);
	flags = le64(img + IMAGE_OFF_FLAGS);
	for (unsigned i = 0; i < 3; i++)
		if (le64(img + IMAGE_OFF_RES2 + 8 * i))
			return load_fail(KE_INVAL, err, errlen, "kernel \"%s\": Image header field res%u "
					 "(offset %u) is 0x%llx, not 0; the header is corrupt", cfg->kernel,
					 2 + i, IMAGE_OFF_RES2 + 8 * i,
					 ull(le64(img + IMAGE_OFF_RES2 + 8 * i)));
	if (flags & ~IMAGE_FLAGS_KNOWN)
		return load_fail(KE_INVAL, err, errlen, "kernel \"%s\": Image header flags 0x%llx set "
				 "reserved bits (only bits 0-3 are defined); the header is corrupt",
				 cfg->kernel, ull(flags));
	if (flags & IMAGE_FLAGS_BE)
		return load_fail(KE_NOTSUP, err, errlen, "kernel \"%s\" is big endian (Image flags "
				 "bit 0); keel runs little-endian guests, build it little endian",
				 cfg->kernel);
	if (!image_size) {
		*off = IMAGE_LEGACY_TEXT_OFFSET;
		*span = size;
		return KE_OK;
	}
	if (image_size < size)
		return load_fail(KE_INVAL, err, errlen, "kernel \"%s\": Image header image_size 0x%llx "
				 "is smaller than the file (0x%llx bytes); image_size counts the whole "
				 "image and its BSS, the header is corrupt", cfg->kernel,
				 ull(image_size), ull(size));
	if (!IS_ALIGNED(text_offset, PAGE_SIZE))
		return load_fail(KE_INVAL, err, errlen, "kernel \"%s\": Image header text_offset 0x%llx "
				 "is not 4 KiB aligned; the header is corrupt", cfg->kernel,
				 ull(text_offset));
	*off = text_offset;
	*span = image_size;
	return KE_OK;
}

static int load_place_kernel(uint64_t ram_size, const struct vm_config *cfg, const uint8_t *img,
			     uint64_t size, struct vm_load_plan *plan, char *err, size_t errlen)
{
	uint64_t room = vm_load_kernel_room(ram_size), off = 0, span = 0;
	const char *what = cfg->kernel_format == KERNEL_FORMAT_RAW ? "load-offset" : "text_offset";
	int ret;

	if (!size)
		return load_fail(KE_INVAL, err, errlen, "kernel \"%s\" is empty", cfg->kernel);
	if (cfg->kernel_format == KERNEL_FORMAT_RAW) {
		off = cfg->load_offset;
		span = size;
		if (!IS_ALIGNED(off, PAGE_SIZE))
			return load_fail(KE_INVAL, err, errlen, "load-offset 0x%llx is not 4 KiB "
					 "aligned; round it", ull(off));
	} else {
		ret = load_parse_image(cfg, img, size, &off, &span, err, errlen);
		if (ret)
			return ret;
	}
	if (!vm_load_range_ok(room, off, span))
		return load_fail(KE_RANGE, err, errlen, "kernel \"%s\" (0x%llx bytes, BSS included) at "
				 "%s 0x%llx does not fit below the device tree, which takes the top "
				 "2 MiB of the %llu MiB of RAM (the kernel must end at or below 0x%llx); "
				 "give the VM more memory or %s", cfg->kernel, ull(span), what, ull(off),
				 ull(ram_size >> 20), ull(room),
				 cfg->kernel_format == KERNEL_FORMAT_RAW ? "lower load-offset" :
				 "fix the Image header");
	plan->kernel_off = off;
	plan->kernel_copy = size;
	plan->kernel_end = off + span;
	return KE_OK;
}

/* As high as it goes: page aligned, ending at or below the device tree region. */
static int load_place_initrd(uint64_t ram_size, const struct vm_config *cfg, uint64_t size,
			     struct vm_load_plan *plan, char *err, size_t errlen)
{
	uint64_t room = vm_load_kernel_room(ram_size), off;

	plan->initrd_off = plan->initrd_size = 0;
	if (!cfg->initrd[0])
		return KE_OK;
	if (!size)
		return load_fail(KE_INVAL, err, errlen, "initrd \"%s\" is empty", cfg->initrd);
	/* kernel_end <= room, so its page-aligned end cannot wrap. */
	off = size <= room ? ALIGN_DOWN(room - size, PAGE_SIZE) : 0;
	if (size > room || off < ALIGN_UP(plan->kernel_end, PAGE_SIZE))
		return load_fail(KE_RANGE, err, errlen, "initrd \"%s\" (%llu KiB) does not fit between "
				 "the kernel (ends at 0x%llx) and the device tree (at 0x%llx); give "
				 "the VM more memory", cfg->initrd, ull(size >> 10),
				 ull(plan->kernel_end), ull(room));
	plan->initrd_off = off;
	plan->initrd_size = size;
	return KE_OK;
}

static int load_place_dtb(uint64_t ram_size, const struct vm_config *cfg, uint64_t size,
			  struct vm_load_plan *plan, char *err, size_t errlen)
{
	plan->dtb_off = vm_load_kernel_room(ram_size);
	if (!cfg->dtb[0]) {
		plan->dtb_size = VM_LOAD_DTB_MAX;
		return KE_OK;
	}
	if (!size || size > VM_LOAD_DTB_REGION)
		return load_fail(KE_RANGE, err, errlen, "dtb \"%s\" is %llu bytes; a device tree "
				 "must be 1 byte to 2 MiB, the region keel gives it", cfg->dtb,
				 ull(size));
	if (cfg->initrd[0])
		return load_fail(KE_NOTSUP, err, errlen, "an initrd with a given dtb is not supported: "
				 "keel places the initrd itself and does not edit a given tree; drop "
				 "one of them");
	plan->dtb_size = size;
	return KE_OK;
}

int vm_load_plan_images(uint64_t ram_size, const struct vm_config *cfg, const uint8_t *kernel,
			uint64_t kernel_size, uint64_t initrd_size, uint64_t dtb_size,
			struct vm_load_plan *plan, char *err, size_t errlen)
{
	int ret;

	*plan = (struct vm_load_plan){ 0 };
	if (!vm_load_kernel_room(ram_size) || !IS_ALIGNED(ram_size, SZ_2M))
		return load_fail(KE_RANGE, err, errlen, "%llu MiB of RAM leaves no room for a kernel: "
				 "the device tree takes the top 2 MiB; give the VM at least 4 MiB",
				 ull(ram_size >> 20));
	ret = load_place_kernel(ram_size, cfg, kernel, kernel_size, plan, err, errlen);
	if (!ret)
		ret = load_place_initrd(ram_size, cfg, initrd_size, plan, err, errlen);
	if (!ret)
		ret = load_place_dtb(ram_size, cfg, dtb_size, plan, err, errlen);
	if (ret)
		*plan = (struct vm_load_plan){ 0 };
	return ret;
}
