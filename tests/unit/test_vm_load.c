// deps: src/core/vm_load.c
/*
 * vm_load_plan_images: where a VM's kernel, initrd and device tree go, at the boundaries
 * that once let a kernel be copied past the VM's RAM (issue 7: an offset in the last 2 MiB
 * made "span > ram_size - 2 MiB - offset" wrap). Every plan that is accepted is checked
 * to lie inside RAM, so a wrong "accepted" is caught as well as a wrong refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vm_load.h>

#define RAM   (64ULL << 20)
#define ROOM  (RAM - VM_LOAD_DTB_REGION)
#define FILE_SIZE 0x3000          /* the test kernel file */
#define IMG_FLAGS_GUEST 0xa       /* LE, 4K pages, anywhere: what keel's test guests say */
#define SZ_1M (1ULL << 20)

static char err[512];
static uint8_t img[FILE_SIZE];
static struct vm_config cfg;
static struct vm_load_plan plan;

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An arm64 Image header with these fields and everything else as Linux writes it. */
static void image(uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(img, 0, sizeof(img));
	img[0] = 0x14;  /* code0: a branch, as any value would be */
	put64(img + IMAGE_OFF_TEXT_OFFSET, text_offset);
	put64(img + IMAGE_OFF_IMAGE_SIZE, image_size);
	put64(img + IMAGE_OFF_FLAGS, flags);
	img[56] = 'A'; img[57] = 'R'; img[58] = 'M'; img[59] = 0x64;
}

static void config(enum kernel_format format, uint64_t load_offset, const char *initrd,
		   const char *dtb)
{
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.kernel, "k.bin");
	cfg.kernel_format = format;
	cfg.load_offset = load_offset;
	strcpy(cfg.initrd, initrd);
	strcpy(cfg.dtb, dtb);
}

/* Every accepted plan: all of it inside RAM, the kernel below the DTB region, no overlap. */
static void check_plan_inside(uint64_t ram)
{
	uint64_t room = vm_load_kernel_room(ram);

	assert_true(plan.kernel_copy <= plan.kernel_end - plan.kernel_off);
	assert_true(vm_load_range_ok(room, plan.kernel_off, plan.kernel_end - plan.kernel_off));
	assert_true(vm_load_range_ok(ram, plan.kernel_off, plan.kernel_copy));
	assert_true(plan.kernel_off % PAGE_SIZE == 0);
	if (plan.initrd_size) {
		assert_true(vm_load_range_ok(room, plan.initrd_off, plan.initrd_size));
		assert_true(plan.initrd_off >= plan.kernel_end);
	}
	assert_int_equal(plan.dtb_off, room);
	assert_true(vm_load_range_ok(ram, plan.dtb_off, plan.dtb_size));
	assert_true(plan.dtb_size <= VM_LOAD_DTB_REGION);
}

static int plan_raw(uint64_t ram, uint64_t offset, uint64_t size)
{
	static uint8_t raw[1];
	int r;

	config(KERNEL_FORMAT_RAW, offset, "", "");
	memset(err, 0, sizeof(err));
	r = vm_load_plan_images(ram, &cfg, raw, size, 0, 0, &plan, err, sizeof(err));
	if (!r)
		check_plan_inside(ram);
	else
		assert_true(err[0] != '\0');
	return r;
}

static int plan_linux(uint64_t ram, uint64_t file_size)
{
	int r;

	config(KERNEL_FORMAT_LINUX, 0, "", "");
	memset(err, 0, sizeof(err));
	r = vm_load_plan_images(ram, &cfg, img, file_size, 0, 0, &plan, err, sizeof(err));
	if (!r)
		check_plan_inside(ram);
	else
		assert_true(err[0] != '\0');
	return r;
}

static int plan_full(uint64_t initrd_size, uint64_t dtb_size, const char *initrd, const char *dtb)
{
	int r;

	config(KERNEL_FORMAT_LINUX, 0, initrd, dtb);
	memset(err, 0, sizeof(err));
	r = vm_load_plan_images(RAM, &cfg, img, FILE_SIZE, initrd_size, dtb_size, &plan, err,
				sizeof(err));
	if (!r)
		check_plan_inside(RAM);
	return r;
}

/* ------------------------------------------------------------ the range check */

static void test_range_ok(void **state)
{
	assert_true(vm_load_range_ok(RAM, 0, RAM));
	assert_true(vm_load_range_ok(RAM, RAM, 0));
	assert_true(vm_load_range_ok(RAM, RAM - 1, 1));
	assert_false(vm_load_range_ok(RAM, RAM - 1, 2));
	assert_false(vm_load_range_ok(RAM, RAM, 1));
	assert_false(vm_load_range_ok(RAM, RAM + 1, 0));
	/* the sums that wrap */
	assert_false(vm_load_range_ok(RAM, 1, UINT64_MAX));
	assert_false(vm_load_range_ok(RAM, UINT64_MAX, 2));
	assert_false(vm_load_range_ok(RAM, 0x1000, UINT64_MAX - 0xfff));
	assert_false(vm_load_range_ok(UINT64_MAX, UINT64_MAX, 1));
	assert_true(vm_load_range_ok(UINT64_MAX, UINT64_MAX - 1, 1));
	assert_int_equal(vm_load_kernel_room(RAM), ROOM);
	assert_int_equal(vm_load_kernel_room(VM_LOAD_DTB_REGION), 0);
	assert_int_equal(vm_load_kernel_room(0), 0);
}

/* ------------------------------------------------------------ raw kernels */

static void test_raw_boundaries(void **state)
{
	/* the offsets of the escape: in the last 2 MiB, where the old check wrapped */
	assert_int_equal(plan_raw(RAM, RAM - PAGE_SIZE, 0x1000), KE_RANGE);
	assert_non_null(strstr(err, "kernel \"k.bin\" (0x1000 bytes, BSS included) at load-offset "
			       "0x3fff000 does not fit below the device tree"));
	assert_int_equal(plan_raw(RAM, RAM - SZ_2M, 0x1000), KE_RANGE);
	assert_int_equal(plan_raw(RAM, RAM - SZ_2M + PAGE_SIZE, 1), KE_RANGE);
	/* size - 2 MiB - 1: not page aligned */
	assert_int_equal(plan_raw(RAM, RAM - SZ_2M - 1, 1), KE_INVAL);
	assert_non_null(strstr(err, "not 4 KiB aligned"));
	/* the last page below the device tree: one page fits, one byte more does not */
	assert_int_equal(plan_raw(RAM, ROOM - PAGE_SIZE, PAGE_SIZE), KE_OK);
	assert_int_equal(plan.kernel_off, ROOM - PAGE_SIZE);
	assert_int_equal(plan.kernel_end, ROOM);
	assert_int_equal(plan_raw(RAM, ROOM - PAGE_SIZE, PAGE_SIZE + 1), KE_RANGE);
	/* an image exactly filling RAM below the device tree region, and one byte more */
	assert_int_equal(plan_raw(RAM, 0, ROOM), KE_OK);
	assert_int_equal(plan.kernel_copy, ROOM);
	assert_int_equal(plan_raw(RAM, 0, ROOM + 1), KE_RANGE);
	/* offsets far outside RAM, and sizes that wrap */
	assert_int_equal(plan_raw(RAM, 1ULL << 63, 1), KE_RANGE);
	assert_int_equal(plan_raw(RAM, UINT64_MAX - PAGE_SIZE + 1, PAGE_SIZE), KE_RANGE);
	assert_int_equal(plan_raw(RAM, PAGE_SIZE, UINT64_MAX), KE_RANGE);
	assert_int_equal(plan_raw(RAM, 0, 0), KE_INVAL);
	/* RAM no larger than the device tree region leaves no room at all */
	assert_int_equal(plan_raw(SZ_2M, 0, 1), KE_RANGE);
	assert_non_null(strstr(err, "2 MiB of RAM leaves no room for a kernel"));
	assert_int_equal(plan_raw(2 * SZ_2M, 0, 1), KE_OK);
}

/* ------------------------------------------------------------ arm64 Images */

static void test_image_text_offset(void **state)
{
	/* what the test guests and Linux use */
	image(0, 0x10000, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	assert_int_equal(plan.kernel_off, 0);
	assert_int_equal(plan.kernel_copy, FILE_SIZE);
	assert_int_equal(plan.kernel_end, 0x10000);
	image(0x80000, 0x10000, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	assert_int_equal(plan.kernel_off, 0x80000);
	/* huge text_offsets: refused, never wrapped */
	image(UINT64_MAX - PAGE_SIZE + 1, FILE_SIZE, IMG_FLAGS_GUEST);   /* 2^64 - 4096 */
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	assert_non_null(strstr(err, "at text_offset 0xfffffffffffff000 does not fit"));
	image(1ULL << 63, FILE_SIZE, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	/* in the last 2 MiB of RAM: the case that escaped */
	image(RAM - PAGE_SIZE, FILE_SIZE, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	image(RAM - SZ_2M, FILE_SIZE, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	/* exactly up to the device tree region, then one byte more */
	image(ROOM - 0x4000, 0x4000, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	assert_int_equal(plan.kernel_end, ROOM);
	image(ROOM - 0x4000, 0x4001, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	/* not page aligned */
	image(0x80800, 0x10000, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_INVAL);
	assert_non_null(strstr(err, "text_offset 0x80800 is not 4 KiB aligned"));
}

static void test_image_size(void **state)
{
	/* image_size wrapping text_offset + image_size past 2^64 */
	image(PAGE_SIZE, UINT64_MAX - PAGE_SIZE + 1, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	image(PAGE_SIZE, UINT64_MAX, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	/* image_size (BSS included) filling RAM below the device tree exactly, and one more */
	image(0, ROOM, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	assert_int_equal(plan.kernel_end, ROOM);
	image(0, ROOM + 1, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_RANGE);
	/* smaller than the file: corrupt */
	image(0, FILE_SIZE - 1, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_INVAL);
	assert_non_null(strstr(err, "image_size 0x2fff is smaller than the file (0x3000 bytes)"));
	image(0, FILE_SIZE, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	/* 0: a pre-3.17 kernel, loaded at 0x80000 whatever text_offset says */
	image(RAM - PAGE_SIZE, 0, 0);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	assert_int_equal(plan.kernel_off, IMAGE_LEGACY_TEXT_OFFSET);
	assert_int_equal(plan.kernel_end, IMAGE_LEGACY_TEXT_OFFSET + FILE_SIZE);
	/* ... which must still fit: in 4 MiB of RAM, 0x80000 + the file leaves room */
	assert_int_equal(plan_linux(4ULL << 20, FILE_SIZE), KE_OK);
}

static void test_image_header_fields(void **state)
{
	/* magic, and a file too short for a header */
	image(0, 0x10000, IMG_FLAGS_GUEST);
	img[59] = 0x65;
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_INVAL);
	assert_non_null(strstr(err, "has no arm64 Image header"));
	image(0, 0x10000, IMG_FLAGS_GUEST);
	assert_int_equal(plan_linux(RAM, IMAGE_HEADER_SIZE - 1), KE_INVAL);
	assert_int_equal(plan_linux(RAM, IMAGE_HEADER_SIZE), KE_OK);
	/* flags: bit 0 big endian; bits 1-2 page size, every value is defined; bit 3 placement */
	image(0, 0x10000, 1);
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_NOTSUP);
	assert_non_null(strstr(err, "is big endian"));
	for (uint64_t f = 0; f < 16; f += 2) {
		image(0, 0x10000, f);
		assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
	}
	for (unsigned bit = 4; bit < 64; bit++) {
		image(0, 0x10000, IMG_FLAGS_GUEST | BIT(bit));
		assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_INVAL);
	}
	assert_non_null(strstr(err, "flags 0x800000000000000a set reserved bits"));
	/* res2, res3, res4 must be 0; res5 (the PE/COFF offset) may be anything */
	for (unsigned i = 0; i < 3; i++) {
		image(0, 0x10000, IMG_FLAGS_GUEST);
		put64(img + IMAGE_OFF_RES2 + 8 * i, 1);
		assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_INVAL);
	}
	assert_non_null(strstr(err, "res4 (offset 48) is 0x1, not 0"));
	image(0, 0x10000, IMG_FLAGS_GUEST);
	img[60] = 0x40;
	assert_int_equal(plan_linux(RAM, FILE_SIZE), KE_OK);
}

/* A sweep of text_offset/image_size pairs around every boundary: whatever is accepted
 * lies inside RAM (check_plan_inside), and exactly the pairs that fit are accepted. */
static void test_image_sweep(void **state)
{
	const uint64_t edges[] = { 0, 1, PAGE_SIZE, FILE_SIZE, SZ_2M, ROOM - PAGE_SIZE, ROOM,
				   RAM - SZ_2M - 1, RAM - PAGE_SIZE, RAM, 1ULL << 63,
				   UINT64_MAX - PAGE_SIZE + 1, UINT64_MAX };

	for (unsigned i = 0; i < ARRAY_SIZE(edges); i++)
		for (unsigned j = 0; j < ARRAY_SIZE(edges); j++)
			for (int d = -1; d <= 1; d++) {
				uint64_t off = ALIGN_DOWN(edges[i], PAGE_SIZE), size = edges[j] + d;
				bool fits = size && size >= FILE_SIZE && off <= ROOM && size <= ROOM - off;
				int r;

				image(off, size, IMG_FLAGS_GUEST);
				r = plan_linux(RAM, FILE_SIZE);
				if (size && size < FILE_SIZE)
					assert_int_equal(r, KE_INVAL);
				else if (size)
					assert_int_equal(r == KE_OK, fits);
			}
}

/* ------------------------------------------------------------ initrd and device tree */

static void test_initrd(void **state)
{
	/* a kernel that owns [0, 1 MiB) */
	image(0, SZ_1M, IMG_FLAGS_GUEST);
	/* as high as it goes: ends at the device tree */
	assert_int_equal(plan_full(0x1000, 0, "i.cpio", ""), KE_OK);
	assert_int_equal(plan.initrd_off, ROOM - 0x1000);
	assert_int_equal(plan.initrd_size, 0x1000);
	/* an unaligned size goes down to the page below */
	assert_int_equal(plan_full(0x1001, 0, "i.cpio", ""), KE_OK);
	assert_int_equal(plan.initrd_off, ROOM - 0x2000);
	/* exactly the room between the kernel and the device tree, then one byte more */
	assert_int_equal(plan_full(ROOM - SZ_1M, 0, "i.cpio", ""), KE_OK);
	assert_int_equal(plan.initrd_off, SZ_1M);
	assert_int_equal(plan_full(ROOM - SZ_1M + 1, 0, "i.cpio", ""), KE_RANGE);
	assert_non_null(strstr(err, "initrd \"i.cpio\""));
	assert_int_equal(plan_full(ROOM + 1, 0, "i.cpio", ""), KE_RANGE);
	assert_int_equal(plan_full(UINT64_MAX, 0, "i.cpio", ""), KE_RANGE);
	assert_int_equal(plan_full(0, 0, "i.cpio", ""), KE_INVAL);
	/* none configured: none planned */
	assert_int_equal(plan_full(0, 0, "", ""), KE_OK);
	assert_int_equal(plan.initrd_size, 0);
}

static void test_dtb(void **state)
{
	image(0, 0x10000, IMG_FLAGS_GUEST);
	/* generated: the fixed maximum at the start of the top 2 MiB */
	assert_int_equal(plan_full(0, 0, "", ""), KE_OK);
	assert_int_equal(plan.dtb_off, RAM - SZ_2M);
	assert_int_equal(plan.dtb_size, VM_LOAD_DTB_MAX);
	/* given: up to the whole region, not one byte more */
	assert_int_equal(plan_full(0, SZ_2M, "", "vm.dtb"), KE_OK);
	assert_int_equal(plan.dtb_size, SZ_2M);
	assert_int_equal(plan_full(0, SZ_2M + 1, "", "vm.dtb"), KE_RANGE);
	assert_non_null(strstr(err, "dtb \"vm.dtb\" is 2097153 bytes"));
	assert_int_equal(plan_full(0, UINT64_MAX, "", "vm.dtb"), KE_RANGE);
	assert_int_equal(plan_full(0, 0, "", "vm.dtb"), KE_RANGE);
	/* a given tree and an initrd: keel would have to edit the tree */
	assert_int_equal(plan_full(0x1000, 0x1000, "i.cpio", "vm.dtb"), KE_NOTSUP);
	/* a refused plan is left empty */
	assert_int_equal(plan.dtb_size, 0);
	assert_int_equal(plan.kernel_end, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_ok),
		cmocka_unit_test(test_raw_boundaries),
		cmocka_unit_test(test_image_text_offset),
		cmocka_unit_test(test_image_size),
		cmocka_unit_test(test_image_header_fields),
		cmocka_unit_test(test_image_sweep),
		cmocka_unit_test(test_initrd),
		cmocka_unit_test(test_dtb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
