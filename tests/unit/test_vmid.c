// deps: src/core/vmid.c
/*
 * The VMID allocator: VMID 0 is never given, every VMID is given once until freed, freed
 * VMIDs are given again, and bad frees change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <keel/vmid.h>

static struct vmid_pool pool;

static void test_exhaust_8bit(void **state)
{
	vmid_pool_init(&pool, 8);
	for (unsigned i = 1; i < 256; i++)
		assert_int_equal(vmid_alloc(&pool), i);
	/* 255 VMIDs: 0 is never handed out */
	assert_int_equal(vmid_alloc(&pool), 0);
	assert_true(vmid_free(&pool, 77));
	assert_int_equal(vmid_alloc(&pool), 77);
	assert_int_equal(vmid_alloc(&pool), 0);
}

static void test_exhaust_16bit(void **state)
{
	vmid_pool_init(&pool, 16);
	for (unsigned i = 1; i < VMID_LIMIT_MAX; i++)
		assert_int_equal(vmid_alloc(&pool), i);
	assert_int_equal(vmid_alloc(&pool), 0);
	assert_true(vmid_free(&pool, VMID_LIMIT_MAX - 1));
	assert_int_equal(vmid_alloc(&pool), VMID_LIMIT_MAX - 1);
}

static void test_free_reuse(void **state)
{
	vmid_pool_init(&pool, 8);
	assert_int_equal(vmid_alloc(&pool), 1);
	assert_int_equal(vmid_alloc(&pool), 2);
	assert_int_equal(vmid_alloc(&pool), 3);
	assert_true(vmid_free(&pool, 2));
	/* the lowest free one comes back first */
	assert_int_equal(vmid_alloc(&pool), 2);
	assert_int_equal(vmid_alloc(&pool), 4);
	/* a VM that is created and fails, again and again, does not use VMIDs up */
	for (unsigned i = 0; i < 1000; i++) {
		unsigned id = vmid_alloc(&pool);

		assert_int_equal(id, 5);
		assert_true(vmid_free(&pool, id));
	}
}

static void test_bad_free(void **state)
{
	vmid_pool_init(&pool, 8);
	assert_int_equal(vmid_alloc(&pool), 1);
	assert_false(vmid_free(&pool, 0));      /* never allocated */
	assert_false(vmid_free(&pool, 2));      /* free */
	assert_false(vmid_free(&pool, 256));    /* beyond 8 bits */
	assert_false(vmid_free(&pool, ~0u));
	assert_true(vmid_free(&pool, 1));
	assert_false(vmid_free(&pool, 1));      /* twice */
	assert_int_equal(vmid_alloc(&pool), 1);
	/* anything but 16 means 8 bits */
	vmid_pool_init(&pool, 12);
	assert_int_equal(pool.limit, 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaust_8bit),
		cmocka_unit_test(test_exhaust_16bit),
		cmocka_unit_test(test_free_reuse),
		cmocka_unit_test(test_bad_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
