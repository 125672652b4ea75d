/*
 * test_path.c: lexical path cleaning (broker/path.c).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "path.h"

static const struct {
	const char *in;
	const char *out; /* NULL: error expected */
	int err;
	unsigned flags;
} cases[] = {
	{ "/", "/", 0, 0 },
	{ "//", "/", 0, 0 },
	{ "/.", "/", 0, 0 },
	{ "/a", "/a", 0, 0 },
	{ "/a/", "/a", 0, PATH_F_TRAILING },
	{ "/a/.", "/a", 0, PATH_F_TRAILING },
	{ "//a//b///c", "/a/b/c", 0, 0 },
	{ "/a/./b/.", "/a/b", 0, PATH_F_TRAILING },
	{ "/a/../b", "/a/../b", 0, PATH_F_DOTDOT },
	{ "/..", "/..", 0, PATH_F_DOTDOT },
	{ "/a/..b/c", "/a/..b/c", 0, 0 },
	{ "/a/.b", "/a/.b", 0, 0 },
	{ "/...", "/...", 0, 0 },
	{ "/proc/self", "/proc/42", 0, PATH_F_PROC },
	{ "/proc/self/fd/3", "/proc/42/fd/3", 0, PATH_F_PROC },
	{ "/proc//self/status", "/proc/42/status", 0, PATH_F_PROC },
	{ "/proc/thread-self/comm", "/proc/42/task/43/comm", 0, PATH_F_PROC },
	{ "/proc/selfish", "/proc/selfish", 0, 0 },
	{ "/proc/1/self", "/proc/1/self", 0, 0 },
	{ "/x/proc/self", "/x/proc/self", 0, 0 },
	{ "", NULL, EINVAL, 0 },
	{ "a", NULL, EINVAL, 0 },
	{ "./a", NULL, EINVAL, 0 },
	{ "/a\xff\x01/b", "/a\xff\x01/b", 0, 0 },
};

static void
test_table(void **state)
{
	char out[PATH_MAX];
	unsigned flags;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = path_clean(cases[i].in, out, sizeof(out), 42, 43, &flags);
		if (cases[i].out == NULL) {
			assert_int_equal(r, -cases[i].err);
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(flags, cases[i].flags);
	}
}

static void
test_limits(void **state)
{
	char in[PATH_MAX + 16], out[PATH_MAX];
	unsigned flags;

	(void)state;
	/* A component longer than NAME_MAX. */
	in[0] = '/';
	memset(in + 1, 'a', NAME_MAX + 1);
	in[NAME_MAX + 2] = '\0';
	assert_int_equal(path_clean(in, out, sizeof(out), 1, 1, &flags), -ENAMETOOLONG);
	/* Exactly NAME_MAX is fine. */
	in[NAME_MAX + 1] = '\0';
	assert_int_equal(path_clean(in, out, sizeof(out), 1, 1, &flags), 0);
	/* The result does not fit the output. */
	assert_int_equal(path_clean("/abcdef", out, 5, 1, 1, &flags), -ENAMETOOLONG);
	assert_int_equal(path_clean("/proc/self/x", out, 8, 123456, 1, &flags), -ENAMETOOLONG);
	/* /proc/self with no worker is never the broker's own. */
	assert_int_equal(path_clean("/proc/self/mem", out, sizeof(out), 0, 0, &flags), -EACCES);
}

static void
test_split(void **state)
{
	char dir[PATH_MAX];
	const char *name;

	(void)state;
	assert_int_equal(path_split("/a/b/c", dir, sizeof(dir), &name), 0);
	assert_string_equal(dir, "/a/b");
	assert_string_equal(name, "c");
	assert_int_equal(path_split("/a", dir, sizeof(dir), &name), 0);
	assert_string_equal(dir, "/");
	assert_string_equal(name, "a");
	assert_int_equal(path_split("/", dir, sizeof(dir), &name), -EINVAL);
	assert_int_equal(path_split("/a/b", dir, 2, &name), -ENAMETOOLONG);
}

static void
test_component(void **state)
{
	(void)state;
	assert_true(path_component_ok("a", 1));
	assert_true(path_component_ok("...", 3));
	assert_false(path_component_ok(".", 1));
	assert_false(path_component_ok("..", 2));
	assert_false(path_component_ok("", 0));
	assert_false(path_component_ok("a/b", 3));
}

/* The copies and numbers of the request path, against snprintf. */
static void
test_copy_udec(void **state)
{
	static const unsigned long nums[] = { 0, 7, 9, 10, 99, 100, 4194304, 2147483647UL,
		4294967295UL, (unsigned long)-1 };
	char out[32], want[32];
	size_t i, size;

	(void)state;
	assert_int_equal(path_copy(out, sizeof(out), "/a/b"), 4);
	assert_string_equal(out, "/a/b");
	assert_int_equal(path_copy(out, 5, "/a/b"), 4);
	assert_string_equal(out, "/a/b");
	/* One byte short: nothing cut, nothing half copied. */
	assert_int_equal(path_copy(out, 4, "/a/b"), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(path_copy(out, sizeof(out), ""), 0);
	assert_string_equal(out, "");
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(want, sizeof(want), "%lu", nums[i]);
		assert_int_equal(path_udec(out, sizeof(out), nums[i]), (int)strlen(want));
		assert_string_equal(out, want);
		for (size = 0; size <= strlen(want); size++) {
			out[0] = 'x';
			assert_int_equal(path_udec(out, size, nums[i]), -ENAMETOOLONG);
			if (size > 0)
				assert_string_equal(out, "");
		}
		assert_int_equal(path_udec(out, strlen(want) + 1, nums[i]), (int)strlen(want));
		assert_string_equal(out, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_component),
		cmocka_unit_test(test_copy_udec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
