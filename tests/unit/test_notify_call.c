/*
 * test_notify_call.c: call_decode() (broker/transparent/notify_call.c) against
 * recorded notifications: a struct seccomp_notif as the kernel fills it for
 * each notified system call, well formed and not (bad flags, NULL paths,
 * openat2's struct open_how in every way it can be wrong), and the
 * operation, arguments and errno the decoder must make of it.  The
 * decoder reads the worker's memory only for openat2's struct open_how:
 * here the "worker" is this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify_call.h"

#define FDCWD ((uint64_t)(int64_t)AT_FDCWD)
#define PATH1 0x7f0000001000ull /* addresses as the registers hold them */
#define PATH2 0x7f0000002000ull
#define OUT 0x7f0000003000ull

static struct seccomp_notif n;
static struct call c;

static int
decode(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	memset(&n, 0, sizeof(n));
	n.id = 42;
	n.pid = (uint32_t)getpid();
	n.data.nr = nr;
	n.data.arch = AUDIT_ARCH_X86_64;
	n.data.args[0] = a0, n.data.args[1] = a1, n.data.args[2] = a2;
	n.data.args[3] = a3, n.data.args[4] = a4;
	return call_decode(&n, &c);
}

static void
test_open_family(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_openat, FDCWD, PATH1, O_RDONLY | O_CLOEXEC, 0, 0), 0);
	assert_int_equal(c.op, OP_OPEN);
	assert_int_equal(c.dirfd, AT_FDCWD);
	assert_true(c.path_addr == PATH1);
	/* O_CLOEXEC goes to ADDFD, not into the broker's open. */
	assert_int_equal(c.a.open.flags, O_RDONLY);
	assert_int_equal(c.cloexec, 1);
	assert_int_equal(decode(SYS_open, PATH1, O_WRONLY | O_CREAT, 0640, 0, 0), 0);
	assert_int_equal(c.a.open.flags, O_WRONLY | O_CREAT);
	assert_int_equal(c.a.open.mode, 0640);
	assert_int_equal(c.cloexec, 0);
	assert_int_equal(decode(SYS_creat, PATH1, 0600, 0, 0, 0), 0);
	assert_int_equal(c.a.open.flags, O_CREAT | O_WRONLY | O_TRUNC);
	assert_int_equal(c.a.open.mode, 0600);
	/* A NULL path decodes; copying it is what fails (EFAULT). */
	assert_int_equal(decode(SYS_openat, 5, 0, O_RDONLY, 0, 0), 0);
	assert_int_equal(c.dirfd, 5);
	assert_true(c.path_addr == 0);
}

static void
test_openat2(void **state)
{
	struct {
		struct open_how how;
		uint8_t tail[16];
	} big;
	struct open_how how;

	(void)state;
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, sizeof(how), 0), 0);
	assert_int_equal(c.op, OP_OPEN);
	assert_true(c.a.open.resolve == (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS));
	/* Sizes: below the first published struct, above a page. */
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, 8, 0), EINVAL);
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, 8192, 0), E2BIG);
	/* A larger struct: its extra bytes must be zero. */
	memset(&big, 0, sizeof(big));
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&big, sizeof(big), 0), 0);
	big.tail[7] = 1;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&big, sizeof(big), 0), E2BIG);
	/* Unknown resolve bits, BENEATH with IN_ROOT, a mode past 07777, flags
	 * past 32 bits. */
	how.resolve = 0x1000;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, sizeof(how), 0),
	    EINVAL);
	how.resolve = RESOLVE_BENEATH | RESOLVE_IN_ROOT;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, sizeof(how), 0),
	    EINVAL);
	how.resolve = 0;
	how.mode = 010000;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, sizeof(how), 0),
	    EINVAL);
	how.mode = 0;
	how.flags = 1ull << 40;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, sizeof(how), 0),
	    EINVAL);
	how.flags = 0;
	/* "Only from the caches": EAGAIN, ask again without it. */
	how.resolve = RESOLVE_CACHED;
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, (uintptr_t)&how, sizeof(how), 0),
	    EAGAIN);
	/* An address that is not mapped. */
	assert_int_equal(decode(SYS_openat2, FDCWD, PATH1, 8, sizeof(how), 0), EFAULT);
}

static void
test_stat_family(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_stat, PATH1, OUT, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_STAT);
	assert_true(c.out_addr == OUT);
	assert_int_equal(decode(SYS_lstat, PATH1, OUT, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_LSTAT);
	assert_int_equal(decode(SYS_newfstatat, 3, PATH1, OUT, AT_SYMLINK_NOFOLLOW, 0), 0);
	assert_int_equal(c.op, OP_LSTAT);
	assert_int_equal(c.dirfd, 3);
	assert_int_equal(c.statx, 0);
	/* fstat() as glibc makes it, and a NULL path with AT_EMPTY_PATH. */
	assert_int_equal(decode(SYS_newfstatat, 3, PATH1, OUT, AT_EMPTY_PATH, 0), 0);
	assert_int_equal(c.empty_ok, 1);
	assert_int_equal(decode(SYS_newfstatat, 3, 0, OUT, AT_EMPTY_PATH, 0), 0);
	assert_true(c.path_addr == 0);
	assert_int_equal(decode(SYS_newfstatat, 3, PATH1, OUT, 0x8000, 0), EINVAL);
	assert_int_equal(decode(SYS_statx, FDCWD, PATH1, AT_SYMLINK_NOFOLLOW, 0x7ff, OUT), 0);
	assert_int_equal(c.op, OP_LSTAT);
	assert_int_equal(c.statx, 1);
	assert_true(c.out_addr == OUT);
	assert_int_equal(decode(SYS_statfs, PATH1, OUT, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_STATFS);
	/* chdir is a stat of the folder; fchdir names no path. */
	assert_int_equal(decode(SYS_chdir, PATH1, 0, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_STAT);
	assert_int_equal(c.chdir, 1);
	assert_int_equal(decode(SYS_fchdir, 3, 0, 0, 0, 0), 0);
	assert_int_equal(c.chdir, 2);
}

static void
test_access_readlink(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_access, PATH1, R_OK | W_OK, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_ACCESS);
	assert_int_equal(c.a.access.mode, R_OK | W_OK);
	assert_int_equal(decode(SYS_faccessat2, FDCWD, PATH1, X_OK, AT_EACCESS, 0), 0);
	assert_int_equal(decode(SYS_faccessat2, FDCWD, PATH1, X_OK, 0x10000, 0), EINVAL);
	assert_int_equal(decode(SYS_readlink, PATH1, OUT, 100, 0, 0), 0);
	assert_int_equal(c.op, OP_READLINK);
	assert_true(c.out_size == 100);
	/* A buffer of no size, or a negative one. */
	assert_int_equal(decode(SYS_readlink, PATH1, OUT, 0, 0, 0), EINVAL);
	assert_int_equal(decode(SYS_readlinkat, FDCWD, PATH1, OUT, (uint64_t)-1, 0), EINVAL);
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_mkdirat, FDCWD, PATH1, 0755, 0, 0), 0);
	assert_int_equal(c.op, OP_MKDIR);
	assert_int_equal(c.a.mkdir.mode, 0755);
	assert_int_equal(decode(SYS_unlinkat, FDCWD, PATH1, AT_REMOVEDIR, 0, 0), 0);
	assert_int_equal(c.op, OP_RMDIR);
	assert_int_equal(decode(SYS_unlinkat, FDCWD, PATH1, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_UNLINK);
	assert_int_equal(decode(SYS_unlinkat, FDCWD, PATH1, 0x4, 0, 0), EINVAL);
	/* renameat2: NOREPLACE and EXCHANGE brokered, WHITEOUT EPERM, the
	 * two together or unknown bits EINVAL. */
	assert_int_equal(decode(SYS_renameat2, 3, PATH1, 4, PATH2, RENAME_NOREPLACE), 0);
	assert_int_equal(c.op, OP_RENAME);
	assert_int_equal(c.dirfd, 3);
	assert_int_equal(c.dirfd2, 4);
	assert_true(c.path2_addr == PATH2);
	assert_int_equal(c.a.rename.flags, RENAME_NOREPLACE);
	assert_int_equal(c.path2, 1);
	assert_int_equal(decode(SYS_renameat2, 3, PATH1, 4, PATH2, RENAME_WHITEOUT), EPERM);
	assert_int_equal(decode(SYS_renameat2, 3, PATH1, 4, PATH2,
			     RENAME_EXCHANGE | RENAME_NOREPLACE),
	    EINVAL);
	assert_int_equal(decode(SYS_renameat2, 3, PATH1, 4, PATH2, 0x100), EINVAL);
	/* symlink: the new name is the second argument, the target the first. */
	assert_int_equal(decode(SYS_symlinkat, PATH2, 7, PATH1, 0, 0), 0);
	assert_int_equal(c.op, OP_SYMLINK);
	assert_true(c.path_addr == PATH1 && c.path2_addr == PATH2);
	assert_int_equal(c.dirfd, 7);
	assert_int_equal(decode(SYS_linkat, 3, PATH1, 4, PATH2, AT_SYMLINK_FOLLOW), 0);
	assert_int_equal(c.op, OP_LINK);
	assert_int_equal(c.a.link.flags, AT_SYMLINK_FOLLOW);
	/* A descriptor's file needs CAP_DAC_READ_SEARCH: ENOENT. */
	assert_int_equal(decode(SYS_linkat, 3, PATH1, 4, PATH2, AT_EMPTY_PATH), ENOENT);
	assert_int_equal(decode(SYS_linkat, 3, PATH1, 4, PATH2, 0x1), EINVAL);
	assert_int_equal(decode(SYS_mknodat, FDCWD, PATH1, S_IFIFO | 0644, 0, 0), 0);
	assert_int_equal(c.op, OP_MKNOD);
	assert_int_equal(c.a.mknod.mode, S_IFIFO | 0644);
	assert_int_equal(decode(SYS_mknod, PATH1, S_IFCHR | 0600, 0x103, 0, 0), 0);
	assert_true(c.a.mknod.dev == 0x103);
}

static void
test_attrs(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_utimensat, FDCWD, PATH1, OUT, AT_SYMLINK_NOFOLLOW, 0), 0);
	assert_int_equal(c.op, OP_UTIMES);
	assert_int_equal(c.a.utimes.flags, AT_SYMLINK_NOFOLLOW);
	assert_int_equal(c.times, TIMES_TIMESPEC);
	assert_int_equal(decode(SYS_utimensat, FDCWD, PATH1, OUT, 0x8000, 0), EINVAL);
	assert_int_equal(decode(SYS_utime, PATH1, OUT, 0, 0, 0), 0);
	assert_int_equal(c.times, TIMES_UTIMBUF);
	assert_int_equal(decode(SYS_futimesat, 3, PATH1, OUT, 0, 0), 0);
	assert_int_equal(c.times, TIMES_TIMEVAL);
	assert_int_equal(decode(SYS_fchmod, 9, 0755, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_CHMOD);
	assert_int_equal(c.fchmod, 1);
	assert_int_equal(c.dirfd, 9);
	assert_int_equal(c.a.chmod.mode, 0755);
	assert_int_equal(decode(SYS_truncate, PATH1, (uint64_t)-5, 0, 0, 0), 0);
	assert_int_equal(c.op, OP_TRUNCATE);
	assert_true(c.a.truncate.length == -5); /* ops refuses it: EINVAL */
	assert_int_equal(decode(SYS_inotify_add_watch, 4, PATH1, IN_MODIFY, 0, 0), 0);
	assert_int_equal(c.op, OP_WATCH);
	assert_int_equal(c.wfd, 4);
	assert_int_equal(c.a.watch.ifd, -1);
	assert_int_equal(decode(SYS_inotify_add_watch, 4, PATH1, 0, 0, 0), EINVAL);
	assert_int_equal(decode(SYS_inotify_add_watch, 4, PATH1,
			     IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE, 0, 0),
	    EINVAL);
}

/* execve and execveat: recorded (op exec), the kernel then goes on; the
 * flags the kernel checks are left to it. */
static void
test_exec(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_execve, PATH1, PATH2, OUT, 0, 0), 0);
	assert_int_equal(c.op, OP_EXEC);
	assert_true(c.path_addr == PATH1);
	assert_int_equal(c.dirfd, AT_FDCWD);
	assert_int_equal(c.empty_ok, 0);
	assert_int_equal(c.a.exec.nofollow, 0);
	assert_int_equal(decode(SYS_execveat, 5, PATH1, PATH2, OUT, AT_EMPTY_PATH), 0);
	assert_int_equal(c.op, OP_EXEC);
	assert_int_equal(c.dirfd, 5);
	assert_true(c.path_addr == PATH1);
	assert_int_equal(c.empty_ok, 1);
	assert_int_equal(decode(SYS_execveat, FDCWD, PATH1, 0, 0, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(c.a.exec.nofollow, 1);
	assert_int_equal(c.empty_ok, 0);
	assert_int_equal(decode(SYS_execveat, FDCWD, PATH1, 0, 0, 0x80000000u), 0);
}

static void
test_not_brokered(void **state)
{
	(void)state;
	assert_int_equal(decode(SYS_read, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(decode(SYS_chown, PATH1, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(decode(999, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(decode(-1, 0, 0, 0, 0, 0), ENOSYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_family),
		cmocka_unit_test(test_openat2),
		cmocka_unit_test(test_stat_family),
		cmocka_unit_test(test_access_readlink),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_not_brokered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
