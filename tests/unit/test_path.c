/*
 * test_path.c: lexical path handling (common/path.c): the one cleaner, its
 * two modes, the /proc/self rewrite.
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
	{ "/proc/self", "/proc/42", 0, 0 },
	{ "/proc/self/fd/3", "/proc/42/fd/3", 0, 0 },
	{ "/proc//self/status", "/proc/42/status", 0, 0 },
	{ "/proc/thread-self/comm", "/proc/42/task/43/comm", 0, 0 },
	{ "/proc/thread-self", "/proc/42/task/43", 0, 0 },
	{ "/proc/self/", "/proc/42", 0, PATH_F_TRAILING },
	{ "/proc/selfish", "/proc/selfish", 0, 0 },
	{ "/proc/1/self", "/proc/1/self", 0, 0 },
	{ "/x/proc/self", "/x/proc/self", 0, 0 },
	{ "/proc/../proc/self", "/proc/../proc/self", 0, PATH_F_DOTDOT },
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
		r = path_clean(NULL, cases[i].in, 0, out, sizeof(out), &flags);
		if (cases[i].out == NULL) {
			assert_int_equal(r, -cases[i].err);
			continue;
		}
		assert_int_equal(r, (int)strlen(out));
		r = path_proc_rewrite(out, sizeof(out), 42, 43);
		assert_int_equal(r, (int)strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
		assert_int_equal(flags, cases[i].flags);
	}
}

/* PATH_LEXICAL, with a working folder: what `explain` and the broker's
 * own files take. */
static void
test_lexical(void **state)
{
	static const struct {
		const char *cwd, *in, *out;
	} t[] = {
		{ NULL, "/", "/" },
		{ NULL, "/a/b", "/a/b" },
		{ NULL, "//a///b//", "/a/b" },
		{ NULL, "/a/./b/.", "/a/b" },
		{ NULL, "/a/../b", "/b" },
		{ NULL, "/../../a", "/a" },
		{ NULL, "/a/b/../../..", "/" },
		{ "/home/u", "x", "/home/u/x" },
		{ "/home/u", "../v/./x", "/home/v/x" },
		{ "/home/u/../w", "x", "/home/w/x" },
		{ "/", ".", "/" },
		{ "/home/u/", "./", "/home/u" },
		{ "/a", "...", "/a/..." },
		{ "/a", "/b", "/b" },
	};
	char buf[64];
	unsigned flags;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = path_clean(t[i].cwd, t[i].in, PATH_LEXICAL, buf, sizeof(buf), &flags);
		assert_int_equal(r, (int)strlen(t[i].out));
		assert_string_equal(buf, t[i].out);
		assert_false(flags & PATH_F_DOTDOT);
	}
	assert_int_equal(path_clean(NULL, "rel", PATH_LEXICAL, buf, sizeof(buf), &flags), -EINVAL);
	assert_int_equal(path_clean("/", "", PATH_LEXICAL, buf, sizeof(buf), &flags), -EINVAL);
	assert_int_equal(path_clean("rel", "x", PATH_LEXICAL, buf, sizeof(buf), &flags), -EINVAL);
	assert_int_equal(path_clean(NULL, "/abcdef", PATH_LEXICAL, buf, 7, &flags), -ENAMETOOLONG);
	assert_string_equal(buf, "");
	assert_int_equal(path_clean(NULL, "/abcdef", PATH_LEXICAL, buf, 8, &flags), 7);
	/* The working folder is cleaned with the path, and must fit too. */
	assert_int_equal(path_clean("/abcdef", "x", PATH_LEXICAL, buf, 8, &flags), -ENAMETOOLONG);
	assert_int_equal(path_clean("/abcdef", "../x", PATH_LEXICAL, buf, 8, &flags), 2);
	assert_string_equal(buf, "/x");
}

/* The one /proc/self rewrite: a component, and a clean path's prefix. */
static void
test_proc_self(void **state)
{
	char out[64], p[32];

	(void)state;
	assert_int_equal(path_proc_self("self", 4, 42, 43, out, sizeof(out)), 2);
	assert_string_equal(out, "42");
	assert_int_equal(path_proc_self("thread-self", 11, 42, 43, out, sizeof(out)), 10);
	assert_string_equal(out, "42/task/43");
	/* No thread: the process's own main thread. */
	assert_int_equal(path_proc_self("thread-self", 11, 42, 0, out, sizeof(out)), 10);
	assert_string_equal(out, "42/task/42");
	assert_int_equal(path_proc_self("selfish", 7, 42, 43, out, sizeof(out)), 0);
	assert_int_equal(path_proc_self("self/", 4, 42, 43, out, sizeof(out)), 2);
	assert_int_equal(path_proc_self("sel", 3, 42, 43, out, sizeof(out)), 0);
	/* Never the broker's own. */
	assert_int_equal(path_proc_self("self", 4, 0, 0, out, sizeof(out)), -EACCES);
	assert_int_equal(path_proc_self("thread-self", 11, -1, 5, out, sizeof(out)), -EACCES);
	assert_int_equal(path_proc_self("self", 4, 123456, 0, out, 6), -ENAMETOOLONG);
	assert_int_equal(path_proc_self("thread-self", 11, 1, 123456, out, 13), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(path_proc_self("thread-self", 11, 1, 123456, out, 14), 13);
	/* In place; unchanged when it does not fit or is not allowed. */
	strcpy(p, "/proc/self/x");
	assert_int_equal(path_proc_rewrite(p, 14, 123456, 0), -ENAMETOOLONG);
	assert_string_equal(p, "/proc/self/x");
	assert_int_equal(path_proc_rewrite(p, 15, 123456, 0), 14);
	assert_string_equal(p, "/proc/123456/x");
	strcpy(p, "/proc/self/mem");
	assert_int_equal(path_proc_rewrite(p, sizeof(p), 0, 0), -EACCES);
	assert_string_equal(p, "/proc/self/mem");
	strcpy(p, "/proc");
	assert_int_equal(path_proc_rewrite(p, sizeof(p), 0, 0), 5);
}

/* The component iterator the cleaner and the broker's walk share. */
static void
test_next(void **state)
{
	const char *p = "//a/./bc//..///", *c;

	(void)state;
	assert_int_equal(path_next(&p, &c), 1);
	assert_memory_equal(c, "a", 1);
	assert_false(path_at_end(p));
	assert_int_equal(path_next(&p, &c), 1);
	assert_int_equal(path_dots(c, 1), 1);
	assert_int_equal(path_next(&p, &c), 2);
	assert_memory_equal(c, "bc", 2);
	assert_int_equal(path_dots(c, 2), 0);
	assert_int_equal(path_next(&p, &c), 2);
	assert_int_equal(path_dots(c, 2), 2);
	assert_true(path_at_end(p));
	assert_int_equal(path_next(&p, &c), 0);
	assert_int_equal(path_next(&p, &c), 0);
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
	assert_int_equal(path_clean(NULL, in, 0, out, sizeof(out), &flags), -ENAMETOOLONG);
	assert_int_equal(path_clean(NULL, in, PATH_LEXICAL, out, sizeof(out), &flags),
	    -ENAMETOOLONG);
	/* Exactly NAME_MAX is fine. */
	in[NAME_MAX + 1] = '\0';
	assert_int_equal(path_clean(NULL, in, 0, out, sizeof(out), &flags), NAME_MAX + 1);
	/* The result does not fit the output. */
	assert_int_equal(path_clean(NULL, "/abcdef", 0, out, 5, &flags), -ENAMETOOLONG);
	assert_int_equal(path_clean(NULL, "/a", 0, out, 1, &flags), -ENAMETOOLONG);
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
		cmocka_unit_test(test_lexical),
		cmocka_unit_test(test_proc_self),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_component),
		cmocka_unit_test(test_copy_udec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
