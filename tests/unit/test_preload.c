/*
 * test_preload.c: filebroker-preload.so's fstat() and fstatat()
 * (client/preload/preload.c), compiled into this program so that they
 * replace libc's here as LD_PRELOAD makes them replace a worker's.
 *
 * Each must give what the kernel gives, and fstat's own forms must not
 * make a newfstatat call (which a transparent worker's filter sends to the
 * broker): a child whose filter fails every newfstatat still gets them.
 * Where stat is the kernel's, an open or access of a missing path is
 * answered ENOENT without the call, and nothing else is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <seccomp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "unit.h"

#include "../../client/preload/lane.c"
#include "../../client/preload/preload.c"

static char dir[64];
static char file[128];

static int
setup(void **state)
{
	int fd;

	(void)state;
	if (unit_mkdtemp(dir, sizeof(dir), "fb-preload") == -1)
		return -1;
	snprintf(file, sizeof(file), "%s/seven", dir);
	if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		return -1;
	if (write(fd, "1234567", 7) != 7) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	char link_path[160];

	(void)state;
	snprintf(link_path, sizeof(link_path), "%s/dangling", dir);
	unlink(link_path);
	unlink(file);
	rmdir(dir);
	return 0;
}

/* The kernel's own answer, by path. */
static void
kernel_stat(const char *path, struct stat *st)
{
	assert_int_equal(syscall(SYS_newfstatat, AT_FDCWD, path, st, 0), 0);
}

static void
test_fstat_is_the_kernels(void **state)
{
	struct stat a, b, c;
	int fd;

	(void)state;
	kernel_stat(file, &a);
	assert_true((fd = open(file, O_RDONLY | O_CLOEXEC)) >= 0);
	memset(&b, 0xaa, sizeof(b));
	assert_int_equal(fstat(fd, &b), 0);
	assert_int_equal(b.st_ino, a.st_ino);
	assert_int_equal(b.st_dev, a.st_dev);
	assert_int_equal(b.st_size, 7);
	assert_true(S_ISREG(b.st_mode));
	memset(&c, 0x55, sizeof(c));
	assert_int_equal(fstat64(fd, (struct stat64 *)&c), 0);
	assert_memory_equal(&b, &c, sizeof(b));
	close(fd);
}

static void
test_fstatat_forms(void **state)
{
	struct stat a, b;
	int dfd, fd;

	(void)state;
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	assert_true((fd = open(file, O_RDONLY | O_CLOEXEC)) >= 0);
	kernel_stat(file, &a);
	/* fstat's own form. */
	assert_int_equal(fstatat(fd, "", &b, AT_EMPTY_PATH), 0);
	assert_int_equal(b.st_ino, a.st_ino);
	assert_int_equal(fstatat64(fd, "", (struct stat64 *)&b, AT_EMPTY_PATH), 0);
	assert_int_equal(b.st_ino, a.st_ino);
	/* A name under a folder: passed on. */
	assert_int_equal(fstatat(dfd, "seven", &b, 0), 0);
	assert_int_equal(b.st_ino, a.st_ino);
	assert_int_equal(fstatat(dfd, "seven", &b, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(b.st_ino, a.st_ino);
	/* AT_FDCWD with "" is the working folder: passed on. */
	kernel_stat(".", &a);
	assert_int_equal(fstatat(AT_FDCWD, "", &b, AT_EMPTY_PATH), 0);
	assert_int_equal(b.st_ino, a.st_ino);
	/* "" without AT_EMPTY_PATH stays ENOENT. */
	errno = 0;
	assert_int_equal(fstatat(fd, "", &b, 0), -1);
	assert_int_equal(errno, ENOENT);
	/* Flags it does not know go to the kernel, whose answer stands. */
	errno = 0;
	assert_int_equal(fstatat(fd, "", &b, AT_EMPTY_PATH | 0x40000000),
	    syscall(SYS_newfstatat, fd, "", &a, AT_EMPTY_PATH | 0x40000000));
	close(fd);
	close(dfd);
}

static void
test_errors_set_errno(void **state)
{
	struct stat st;

	(void)state;
	errno = 0;
	assert_int_equal(fstat(-1, &st), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(fstatat(1000000, "", &st, AT_EMPTY_PATH), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(fstatat(AT_FDCWD, "/nonexistent/fb-preload", &st, 0), -1);
	assert_int_equal(errno, ENOENT);
}

/* In a child whose filter fails newfstatat with EXDEV, as a transparent
 * worker's sends it to the broker: fstat's forms never meet it. */
static int
child_no_newfstatat(void)
{
	struct stat st;
	scmp_filter_ctx ctx;
	int fd, dfd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 10;
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EXDEV), SCMP_SYS(newfstatat), 0) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 || seccomp_load(ctx) != 0)
		return 11;
	/* The filter works: a real path meets it. */
	if (fstatat(dfd, "seven", &st, 0) != -1 || errno != EXDEV)
		return 12;
	if (fstat(fd, &st) != 0 || st.st_size != 7)
		return 13;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) != 0 || st.st_size != 7)
		return 14;
	if (fstat(dfd, &st) != 0 || !S_ISDIR(st.st_mode))
		return 15;
	return 0;
}

static void
test_no_round_trip(void **state)
{
	(void)state;
	assert_child_ok(child_no_newfstatat);
}

/*
 * Where stat is the kernel's (FILEBROKER_KERNEL_STAT=1): in a child whose
 * filter fails every open and access with EPERM (as if each were a round
 * trip), an open or access of a missing path is ENOENT without meeting it,
 * and everything else meets it: a path that exists, a create, a dangling
 * link under O_NOFOLLOW, and every call when stat is not the kernel's.
 */
static int
child_missing(void)
{
	char missing_path[160], link_path[160];
	scmp_filter_ctx ctx;
	int dfd;

	snprintf(missing_path, sizeof(missing_path), "%s/missing", dir);
	snprintf(link_path, sizeof(link_path), "%s/dangling", dir);
	if (symlink("nowhere", link_path) == -1 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 10;
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(openat), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(open), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(access), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(faccessat), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(faccessat2), 0) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0 || seccomp_load(ctx) != 0)
		return 11;
	/* Not the kernel's: every call meets the filter. */
	stat_is_kernels = 0;
	if (open(missing_path, O_RDONLY) != -1 || errno != EPERM)
		return 12;
	stat_is_kernels = 1;
	/* Missing: ENOENT here, in each form. */
	if (open(missing_path, O_RDONLY) != -1 || errno != ENOENT)
		return 13;
	if (open64(missing_path, O_RDONLY) != -1 || errno != ENOENT)
		return 14;
	if (openat(dfd, "missing", O_RDONLY) != -1 || errno != ENOENT)
		return 15;
	if (openat64(dfd, "missing", O_RDONLY | O_CLOEXEC) != -1 || errno != ENOENT)
		return 16;
	if (__open_2(missing_path, O_RDONLY) != -1 || errno != ENOENT)
		return 17;
	if (__openat_2(dfd, "missing", O_RDONLY) != -1 || errno != ENOENT)
		return 18;
	if (access(missing_path, R_OK) != -1 || errno != ENOENT)
		return 19;
	if (faccessat(dfd, "missing", F_OK, 0) != -1 || errno != ENOENT)
		return 20;
	if (open(link_path, O_RDONLY) != -1 || errno != ENOENT)
		return 21; /* followed: nothing there */
	/* Everything else meets the filter. */
	if (open(file, O_RDONLY) != -1 || errno != EPERM)
		return 22;
	if (openat(dfd, "seven", O_RDONLY) != -1 || errno != EPERM)
		return 23;
	if (open(missing_path, O_WRONLY | O_CREAT, 0600) != -1 || errno != EPERM)
		return 24;
	if (open(dir, O_TMPFILE | O_RDWR, 0600) != -1 || errno != EPERM)
		return 25;
	if (open(link_path, O_RDONLY | O_NOFOLLOW) != -1 || errno != EPERM)
		return 26; /* the link itself is there */
	if (access(file, R_OK) != -1 || errno != EPERM)
		return 27;
	if (open("", O_RDONLY) != -1 || errno != EPERM)
		return 28;
	/* A successful stat leaves errno as it was. */
	errno = EXDEV;
	if (open(file, O_RDONLY) != -1 || errno != EPERM)
		return 29;
	return 0;
}

static void
test_missing_without_round_trip(void **state)
{
	(void)state;
	assert_child_ok(child_missing);
	stat_is_kernels = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fstat_is_the_kernels),
		cmocka_unit_test(test_fstatat_forms),
		cmocka_unit_test(test_errors_set_errno),
		cmocka_unit_test(test_no_round_trip),
		cmocka_unit_test(test_missing_without_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
