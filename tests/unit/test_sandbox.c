/*
 * test_sandbox.c: the worker sandbox (client/sandbox.c, landlock.c,
 * seccomp_filter.c).  Every fb_sandbox_enter() runs in a forked child so
 * that the test process itself stays unconfined; the child reports through
 * its exit status: 0 for success, else the number of the first failed check.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sandbox.h"
#include "unit.h"

static const char *const exec_paths[] = { "/bin/busybox", NULL };

static void
init_sb(struct fb_sandbox *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->keep_fd = -1;
	sb->exec_paths = exec_paths;
	if (geteuid() == 0) {
		sb->set_user = 1;
		sb->uid = 65534;
		sb->gid = 65534;
	}
}

static int
have_sandbox(void)
{
	struct fb_sandbox_support s;

	return fb_sandbox_probe(&s) == 0 && s.seccomp_filter && s.landlock_abi >= 6 &&
	    s.seccomp_notify && s.addfd_send && s.wait_killable;
}

static void
test_probe_sane(void **state)
{
	struct fb_sandbox_support s;

	(void)state;
	assert_int_equal(fb_sandbox_probe(&s), 0);
	assert_true(s.landlock_abi >= 0);
	if (s.landlock_abi == 0)
		assert_int_equal(s.landlock_errata, 0);
	/* The dependent features only come with what they depend on. */
	if (!s.seccomp_filter)
		assert_false(s.seccomp_notify);
	if (!s.seccomp_notify) {
		assert_false(s.wait_killable);
		assert_false(s.addfd_send);
	}
	/* The machine the project is developed on (6.18): everything. */
	if (!have_sandbox())
		skip();
	assert_true(s.landlock_abi >= 6);
}

static char *
describe(const struct fb_sandbox *sb)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fb_sandbox_describe(sb, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_describe(void **state)
{
	struct fb_sandbox sb;
	char *out;

	(void)state;
	init_sb(&sb);
	sb.keep_fd = 3;
	out = describe(&sb);
	assert_non_null(strstr(out, "filebroker worker sandbox (explicit mode)\n"));
	assert_non_null(strstr(out, "\nuser:"));
	assert_non_null(
	    strstr(out, "descriptors:  all closed but 0, 1, 2 and 3 (broker socket)\n"));
	assert_non_null(strstr(out, "\ncapabilities: none"));
	assert_non_null(strstr(out, "\nno_new_privs: yes\n"));
	assert_non_null(strstr(out, "\nlandlock"));
	assert_non_null(strstr(out, "\nseccomp:      explicit mode: "));
	assert_non_null(strstr(out, "\nseccomp arch: x86_64 only"));
	assert_non_null(strstr(out, " io_uring_setup"));
	assert_non_null(strstr(out, " open_by_handle_at"));
	assert_non_null(strstr(out, "\nnetwork:      none\n"));
	if (geteuid() == 0)
		assert_non_null(strstr(out, "uid 65534 (nobody)"));
	if (have_sandbox()) {
		assert_non_null(strstr(out, "\nlandlock:     ABI "));
		assert_non_null(
		    strstr(out, "landlock rule: /bin/busybox: execute, read_file (file)\n"));
		assert_non_null(strstr(out, "landlock net: tcp bind and connect handled"));
		assert_non_null(strstr(out, "landlock scope: signals, abstract unix sockets"));
		assert_non_null(strstr(out, "\nmissing:      nothing\n"));
	}
	free(out);

	sb.transparent = 1;
	sb.allow_net = 1;
	out = describe(&sb);
	assert_non_null(strstr(out, "(transparent mode)"));
	assert_non_null(strstr(out, "\nseccomp path: open openat openat2 creat stat lstat access"));
	/* Generated from the table: the calls brokered since are named too. */
	assert_non_null(strstr(out, " chmod fchmodat statfs truncate utime utimes"));
	assert_non_null(strstr(out, " inotify_add_watch link linkat mknod mknodat\n"));
	assert_non_null(strstr(out, " newfstatat statx, and utimensat futimesat with a path\n"));
	assert_non_null(strstr(out, "-> broker (SECCOMP_RET_USER_NOTIF)\n"));
	assert_non_null(strstr(out, "\nseccomp own:  chown lchown fchownat fchown\n"));
	assert_non_null(strstr(out, "-> EOPNOTSUPP"));
	assert_non_null(strstr(out, "\nnetwork:      allowed"));
	if (have_sandbox())
		assert_non_null(strstr(out, "landlock net: not handled (network allowed)\n"));
	free(out);
}

static void
x32_open(void)
{
	syscall(0x40000000L | 2, "/etc/hostname", O_RDONLY);
}

static int
child_confined(void)
{
	struct fb_sandbox sb;
	struct stat st;
	int status;
	pid_t pid;

	init_sb(&sb);
	if (fb_sandbox_enter(&sb) == -1)
		return 1;
	if (open("/etc/hostname", O_RDONLY) != -1 || errno != EACCES)
		return 2;
	if (socket(AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EPERM)
		return 3;
	if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EPERM)
		return 4;
	if (chdir("/") != -1 || errno != EACCES)
		return 5;
	if (syscall(SYS_io_uring_setup, 1, NULL) != -1 || errno != EPERM)
		return 6;
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 7;
	if (syscall(SYS_fstat, 1, &st) == -1)
		return 8;
	if (sb.set_user && (getuid() != 65534 || setuid(0) != -1))
		return 9;
	/* A syscall number the filter does not know: ENOSYS, not allowed. */
	if (syscall(460) != -1 || errno != ENOSYS)
		return 10;
	if ((pid = fork()) == -1)
		return 11;
	if (pid == 0) {
		x32_open();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		return 12;
	return 0;
}

static void
test_enter_confines(void **state)
{
	(void)state;
	if (!have_sandbox())
		skip();
	assert_child_ok(child_confined);
}

static int
child_transparent(void)
{
	struct fb_sandbox sb;
	int listener = -2;

	init_sb(&sb);
	sb.transparent = 1;
	sb.listener_fd = &listener;
	if (fb_sandbox_enter(&sb) == -1)
		return 1;
	if (listener < 0 || fcntl(listener, F_GETFD) != FD_CLOEXEC)
		return 2;
	close(listener);
	/* No broker holds the listener: notified calls fail with ENOSYS. */
	if (open("/etc/hostname", O_RDONLY) != -1 || errno != ENOSYS)
		return 3;
	/* chdir is notified as well. */
	if (chdir("/") != -1 || errno != ENOSYS)
		return 4;
	/* Not notified: refused by the filter itself. */
	if (chown("/tmp", 0, 0) != -1 || errno != EPERM)
		return 5;
	return 0;
}

static void
test_enter_transparent(void **state)
{
	(void)state;
	if (!have_sandbox())
		skip();
	assert_child_ok(child_transparent);
}

static int
child_keeps_fd(void)
{
	struct fb_sandbox sb;
	int sp[2], leak;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1)
		return 1;
	if ((leak = dup(sp[0])) == -1)
		return 2;
	init_sb(&sb);
	sb.keep_fd = sp[1];
	if (fb_sandbox_enter(&sb) == -1)
		return 3;
	if (fcntl(sp[1], F_GETFD) == -1)
		return 4;
	if (fcntl(sp[0], F_GETFD) != -1 || fcntl(leak, F_GETFD) != -1)
		return 5;
	if (fcntl(1, F_GETFD) == -1)
		return 6;
	return 0;
}

static void
test_enter_closes_fds(void **state)
{
	(void)state;
	if (!have_sandbox())
		skip();
	assert_child_ok(child_keeps_fd);
}

static int
child_bad_args(void)
{
	struct fb_sandbox sb;

	init_sb(&sb);
	sb.set_user = 1;
	sb.uid = 0;
	sb.gid = 65534;
	if (fb_sandbox_enter(&sb) != -1 || errno != EINVAL)
		return 1;
	/* Transparent without listener_fd sends the listener to the broker
	 * the process is connected to: with none, ENOTCONN before anything
	 * changes. */
	init_sb(&sb);
	sb.transparent = 1;
	unsetenv("FILEBROKER_FD");
	unsetenv("FILEBROKER_SOCKET");
	if (fb_sandbox_enter(&sb) != -1 || errno != ENOTCONN)
		return 2;
	init_sb(&sb);
	sb.keep_fd = 1000;
	if (fb_sandbox_enter(&sb) != -1 || errno != EINVAL)
		return 3;
	if (geteuid() == 0) {
		init_sb(&sb);
		sb.set_user = 0;
		if (fb_sandbox_enter(&sb) != -1 || errno != EPERM)
			return 4;
	} else {
		init_sb(&sb);
		sb.set_user = 1;
		sb.uid = sb.gid = 65534;
		if (fb_sandbox_enter(&sb) != -1 || errno != EPERM)
			return 5;
	}
	/* Nothing changed: still able to open files. */
	if (open("/etc/hostname", O_RDONLY) == -1)
		return 6;
	return 0;
}

static void
test_enter_rejects_bad_args(void **state)
{
	(void)state;
	assert_child_ok(child_bad_args);
}

static void *
sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void
report(const char *msg, void *arg)
{
	snprintf(arg, 256, "%s", msg);
}

static int
child_threads(void)
{
	struct fb_sandbox sb;
	char msg[256] = "";
	pthread_t t;

	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		return 1;
	init_sb(&sb);
	sb.report = report;
	sb.report_arg = msg;
	if (fb_sandbox_enter(&sb) != -1 || errno != EBUSY)
		return 2;
	if (strstr(msg, "thread") == NULL)
		return 3;
	return 0;
}

static void
test_enter_refuses_threads(void **state)
{
	(void)state;
	assert_child_ok(child_threads);
}

static int
child_exec_rule(void)
{
	char *argv[] = { "busybox", "true", NULL }, *sh[] = { "sh", "-c", "true", NULL };
	char *envp[] = { NULL };
	struct fb_sandbox sb;
	int status;
	pid_t pid;

	init_sb(&sb);
	if (fb_sandbox_enter(&sb) == -1)
		return 1;
	if ((pid = fork()) == 0) {
		execve("/bin/busybox", argv, envp);
		_exit(100);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 2;
	execve("/bin/sh", sh, envp);
	return errno == EACCES ? 0 : 3;
}

static void
test_exec_rule(void **state)
{
	(void)state;
	if (!have_sandbox() || access("/bin/busybox", X_OK) == -1)
		skip();
	assert_child_ok(child_exec_rule);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_sane),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_enter_confines),
		cmocka_unit_test(test_enter_transparent),
		cmocka_unit_test(test_enter_closes_fds),
		cmocka_unit_test(test_enter_rejects_bad_args),
		cmocka_unit_test(test_enter_refuses_threads),
		cmocka_unit_test(test_exec_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
