/*
 * test_canon.c: paths made canonical on disk, a missing tail kept
 * (broker/base/canon.c), for run's one-off grants and explain --resolve.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "canon.h"

static char root[PATH_MAX];

static int
setup(void **state)
{
	char p[PATH_MAX + 64], t[] = "/tmp/fbcanon.XXXXXX";
	FILE *f;

	(void)state;
	if (mkdtemp(t) == NULL || realpath(t, root) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/real", root);
	if (mkdir(p, 0755) == -1)
		return -1;
	snprintf(p, sizeof(p), "%s/real/sub", root);
	if (mkdir(p, 0755) == -1)
		return -1;
	snprintf(p, sizeof(p), "%s/real/f", root);
	if ((f = fopen(p, "w")) == NULL)
		return -1;
	fclose(f);
	snprintf(p, sizeof(p), "%s/link", root);
	return symlink("real", p);
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* canon(rel, max) against want (relative to root, NULL: error err). */
static void
check(const char *rel, int max, const char *want, int wmissing, int err)
{
	char in[PATH_MAX + 64], out[PATH_MAX], exp[PATH_MAX + 64];
	int missing = -1, rv;

	snprintf(in, sizeof(in), "%s%s", root, rel);
	errno = 0;
	rv = canon_path(in, out, sizeof(out), max, &missing);
	if (want == NULL) {
		assert_int_equal(rv, -1);
		assert_int_equal(errno, err);
		return;
	}
	assert_int_equal(rv, 0);
	snprintf(exp, sizeof(exp), "%s%s", root, want);
	assert_string_equal(out, exp);
	assert_int_equal(missing, wmissing);
}

static void
test_canon(void **state)
{
	char out[PATH_MAX], cwd[PATH_MAX], in[PATH_MAX + 64], exp[PATH_MAX + 64];
	int missing;

	(void)state;
	check("/real/f", 0, "/real/f", 0, 0);
	check("/link/f", 0, "/real/f", 0, 0);
	check("/link/sub/../f", 0, "/real/f", 0, 0);
	check("/link/", 0, "/real", 0, 0);
	check("/link//sub", 0, "/real/sub", 0, 0);
	/* a missing tail: refused or kept, as many components as allowed */
	check("/link/new", 0, NULL, 0, ENOENT);
	check("/link/new", 1, "/real/new", 1, 0);
	check("/link/new/", 1, "/real/new", 1, 0);
	check("/link/a/b", 1, NULL, 0, ENOENT);
	check("/link/a/b", 2, "/real/a/b", 2, 0);
	check("/link/a//b", 2, "/real/a/b", 2, 0);
	check("/link/a/../b", 9, NULL, 0, EINVAL);
	check("/link/a/./b", 9, "/real/a/b", 2, 0);
	/* not through a file */
	check("/real/f/x", 9, NULL, 0, ENOTDIR);
	/* relative to the current folder */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(root), 0);
	assert_int_equal(canon_path("link/sub", out, sizeof(out), 0, &missing), 0);
	assert_non_null(strstr(out, "/real/sub"));
	assert_int_equal(canon_path("newname", out, sizeof(out), 1, &missing), 0);
	assert_int_equal(missing, 1);
	assert_int_equal(strncmp(out, root, strlen(root)), 0);
	assert_string_equal(out + strlen(root), "/newname");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(canon_path("/", out, sizeof(out), 0, &missing), 0);
	assert_string_equal(out, "/");
	assert_int_equal(canon_path("/nonexistent-fb", out, sizeof(out), 1, &missing), 0);
	assert_string_equal(out, "/nonexistent-fb");
	assert_int_equal(canon_path("", out, sizeof(out), 1, &missing), -1);
	assert_int_equal(errno, EINVAL);
	/* /proc as written: the broker's rules decide there */
	assert_int_equal(canon_path("/proc/self/status", out, sizeof(out), 0, &missing), 0);
	assert_string_equal(out, "/proc/self/status");
	assert_int_equal(canon_path("/proc/self/../1/./x", out, sizeof(out), 0, &missing), 0);
	assert_string_equal(out, "/proc/1/x");
	assert_int_equal(canon_path("/dev/fd/0", out, sizeof(out), 0, &missing), 0);
	assert_string_equal(out, "/proc/self/fd/0");
	/* a loop of links */
	snprintf(in, sizeof(in), "%s/loop", root);
	assert_int_equal(symlink("loop", in), 0);
	assert_int_equal(canon_path(in, out, sizeof(out), 5, &missing), -1);
	assert_int_equal(errno, ELOOP);
	/* an absolute link, and one to a missing name */
	snprintf(in, sizeof(in), "%s/abs", root);
	snprintf(exp, sizeof(exp), "%s/real/sub", root);
	assert_int_equal(symlink(exp, in), 0);
	check("/abs/../f", 0, "/real/f", 0, 0);
	snprintf(in, sizeof(in), "%s/dangling", root);
	assert_int_equal(symlink("real/none", in), 0);
	check("/dangling", 1, "/real/none", 1, 0);
	check("/dangling", 0, NULL, 0, ENOENT);
	/* too small a buffer */
	assert_int_equal(canon_path("/usr/bin", out, 4, 0, &missing), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon),
	};

	return cmocka_run_group_tests_name("canon", tests, setup, teardown);
}
