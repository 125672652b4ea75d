/*
 * test_confine.c: the broker's own confinement (broker/core/confine.c).  Every
 * confine_*() call runs in a forked child, so that the test process stays
 * unconfined; the child reports through its exit status (0: success, else
 * the number of the first failed check), or dies of the signal the filter
 * sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "confine.h"
#include "landlock.h"
#include "unit.h"

/* As in confine.c: sanitizer builds let LeakSanitizer's tracer ptrace. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define SANITIZER 1
#endif
#endif
#ifndef SANITIZER
#define SANITIZER 0
#endif

static const struct confine_opts explicit_opts = { .transparent = 0, .chown_new = 1 };
static const struct confine_opts transparent_opts = { .transparent = 1, .chown_new = 1 };
static const struct confine_opts daemon_opts = { .daemon = 1, .chown_new = 1 };

/* The value of field in /proc/self/status, or "" */
static const char *
status_field(const char *field, char *out, size_t size)
{
	static char buf[8192];
	char *p, *e;
	ssize_t n;
	int fd;

	out[0] = '\0';
	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) == -1)
		return out;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return out;
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, field)) != NULL; p++) {
		if (p != buf && p[-1] != '\n')
			continue;
		p += strlen(field);
		if (*p++ != ':')
			continue;
		while (*p == '\t' || *p == ' ')
			p++;
		e = strchrnul(p, '\n');
		snprintf(out, size, "%.*s", (int)(e - p), p);
		break;
	}
	return out;
}

static void
test_filter_builds(void **state)
{
	int e, t;

	(void)state;
	e = confine_filter_size(&explicit_opts);
	t = confine_filter_size(&transparent_opts);
	assert_true(e > 20);
	/* process_vm_readv/writev, utimensat, mknodat, pidfd_getfd,
	 * inotify_add_watch, linkat (symlinkat, fchmodat and ftruncate
	 * are the wire's too: fb_symlink() ...; ioctl,
	 * pidfd_send_signal, pidfd_open (task_ns_pid()),
	 * fstatfs and getdents64 are everyone's: fold.c, task_proc_check(),
	 * SIOCOUTQ; ioctl has the seccomp requests in transparent mode only) */
	assert_int_equal(t, e + 7);
	/* The daemon: transparent's, without wait4, kill and pidfd_send_signal,
	 * with accept4,
	 * geteuid, getsockopt and timer_settime (sanitizer builds: wait4 is
	 * there for LeakSanitizer either way). */
	assert_int_equal(confine_filter_size(&daemon_opts), t + 1 + SANITIZER);
}

static void
test_forbidden_names_are_known(void **state)
{
	size_t i;

	(void)state;
	/* A typo in the list would forbid nothing. */
	for (i = 0; confine_forbidden[i] != NULL; i++) {
		if (seccomp_syscall_resolve_name(confine_forbidden[i]) == __NR_SCMP_ERROR)
			fail_msg("unknown syscall in confine_forbidden: %s", confine_forbidden[i]);
	}
	assert_true(i > 40);
}

/* ---- what a confined broker still does ------------------------------------- */

static int
confined_state(void)
{
	char v[128], buf[64];
	const char *want;
	int sp[2], fd, root = geteuid() == 0;

	if (confine_broker(&explicit_opts) == -1)
		return 1;
	if (strcmp(status_field("NoNewPrivs", v, sizeof(v)), "1") != 0)
		return 2;
	if (strcmp(status_field("Seccomp", v, sizeof(v)), "2") != 0)
		return 3;
	if (strcmp(status_field("CapInh", v, sizeof(v)), "0000000000000000") != 0)
		return 4;
	if (strcmp(status_field("CapAmb", v, sizeof(v)), "0000000000000000") != 0)
		return 5;
	/* As root: chown, dac_override, fowner, kill; no sys_ptrace in
	 * explicit mode.  Without root there was nothing to keep. */
	want = root ? "000000000000002b" : "0000000000000000";
	if (strcmp(status_field("CapEff", v, sizeof(v)), want) != 0)
		return 6;
	if (strcmp(status_field("CapPrm", v, sizeof(v)), want) != 0)
		return 7;
	if (root && strcmp(status_field("CapBnd", v, sizeof(v)), "0000000000000000") != 0)
		return 8;
	/* The serving loop's own calls. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return 9;
	if (write(sp[0], "x", 1) != 1 || read(sp[1], buf, sizeof(buf)) != 1)
		return 10;
	close(sp[0]);
	close(sp[1]);
	if ((fd = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 11;
	close(fd);
	free(malloc(1 << 20)); /* mmap and munmap */
	if (kill(getpid(), 0) == -1)
		return 12;
	return 0;
}

static void
test_confined_state(void **state)
{
	(void)state;
	assert_child_ok(confined_state);
}

static int
confined_transparent(void)
{
	char v[128];
	const char *want = geteuid() == 0 ? "000000000008002b" : "0000000000000000";

	if (confine_broker(&transparent_opts) == -1)
		return 1;
	if (strcmp(status_field("CapEff", v, sizeof(v)), want) != 0)
		return 2;
	return 0;
}

static void
test_confined_transparent_keeps_ptrace(void **state)
{
	(void)state;
	assert_child_ok(confined_transparent);
}

static int
thread_main(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static int
confined_threads(void)
{
	/* Two threads: refused before anything changes. */
	pid_t pid;
	int r;

	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	r = 0;
	{
		/* clone a thread sharing everything (no pthread needed). */
		static char stack[65536];
		int tid = clone(thread_main, stack + sizeof(stack),
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, NULL);

		if (tid == -1)
			return 2;
		r = confine_broker(&explicit_opts) == -1 && errno == EBUSY ? 0 : 3;
	}
	return r;
}

static void
test_more_threads_refused(void **state)
{
	(void)state;
	assert_child_ok(confined_threads);
}

/* The daemon: no CAP_KILL, its own calls, NSS under the filter. */
static int
confined_daemon(void)
{
	char v[128], buf[4096];
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int sp[2], fd;
	/* As root: chown, dac_override, fowner. */
	const char *want = geteuid() == 0 ? "000000000000000b" : "0000000000000000";

	if (confine_broker(&daemon_opts) == -1)
		return 1;
	if (strcmp(status_field("Seccomp", v, sizeof(v)), "2") != 0)
		return 2;
	if (strcmp(status_field("CapEff", v, sizeof(v)), want) != 0)
		return 3;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return 4;
	if (getsockopt(sp[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 || cr.pid != getpid())
		return 5;
	/* accept4 on something that is no listener: the call is allowed. */
	if (accept4(sp[0], NULL, NULL, SOCK_CLOEXEC) != -1 || errno != EINVAL)
		return 6;
	close(sp[0]);
	close(sp[1]);
	/* What NSS may try: refused, not killed. */
	if (socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) != -1 || errno != EACCES)
		return 7;
	if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != EACCES)
		return 8;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 9;
	close(fd);
	/* A reload resolves names: found, and not found, both alive. */
	if (getpwnam_r("root", &pw, buf, sizeof(buf), &pwr) != 0 || pwr == NULL || pw.pw_uid != 0)
		return 10;
	if (getgrnam_r("root", &gr, buf, sizeof(buf), &grr) != 0 || grr == NULL)
		return 11;
	(void)getpwnam_r("no-such-user-here", &pw, buf, sizeof(buf), &pwr);
	if (pwr != NULL)
		return 12;
	return 0;
}

static void
test_confined_daemon(void **state)
{
	(void)state;
	assert_child_ok(confined_daemon);
}

/* ---- what kills it ------------------------------------------------------------ */

static int
do_execve(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return 100;
}

static int
do_execveat(void)
{
	syscall(SYS_execveat, AT_FDCWD, "/bin/true", NULL, NULL, 0);
	return 100;
}

static int
do_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 100;
}

static int
do_mount(void)
{
	mount("none", "/mnt", "tmpfs", 0, NULL);
	return 100;
}

static int
do_unshare(void)
{
	unshare(CLONE_NEWNS);
	return 100;
}

static int
do_setuid(void)
{
	(void)!setuid(0);
	return 100;
}

static int
do_capset(void)
{
	syscall(SYS_capset, NULL, NULL);
	return 100;
}

static int
do_fork(void)
{
	if (fork() == 0)
		_exit(0);
	return 100;
}

static int
do_socket_inet(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return 100;
}

static int
do_socket_unix_stream(void)
{
	socket(AF_UNIX, SOCK_STREAM, 0);
	return 100;
}

static int
do_socketpair_dgram(void)
{
	int sp[2];

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
	return 100;
}

static int
do_ioctl_tty(void)
{
	struct termios t;

	ioctl(0, TCGETS, &t);
	return 100;
}

static int
do_mmap_exec(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 100;
}

static int
do_mprotect_exec(void)
{
	static char page[4096] __attribute__((aligned(4096)));

	mprotect(page, sizeof(page), PROT_READ | PROT_EXEC);
	return 100;
}

static int
do_prctl(void)
{
	prctl(PR_SET_NAME, "x", 0, 0, 0);
	return 100;
}

static int
do_bpf(void)
{
	syscall(SYS_bpf, 0, NULL, 0);
	return 100;
}

static int
do_init_module(void)
{
	syscall(SYS_finit_module, -1, "", 0);
	return 100;
}

static int
do_io_uring(void)
{
	syscall(SYS_io_uring_setup, 1, NULL);
	return 100;
}

static int
do_tgkill_other(void)
{
	syscall(SYS_tgkill, 1, 1, 0);
	return 100;
}

static int
do_kill(void)
{
	kill(getpid(), 0);
	return 100;
}

static int
do_socket_unix_raw(void)
{
	socket(AF_UNIX, SOCK_RAW, 0);
	return 100;
}

static int
do_i386(void)
{
	/* getpid through the 32-bit entry: another syscall table. */
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	(void)r;
	return 100;
}

/* getpid through int $0x80, unconfined: 0 if the machine has the i386
 * ABI.  A kernel without it (CONFIG_IA32_EMULATION off, ia32_emulation=0)
 * raises SIGSEGV before any filter could kill, so there is nothing to kill. */
static int
native_i386(void)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	return r == (long)getpid() ? 0 : 1;
}

static const struct {
	const char *name;
	int (*fn)(void);
	int transparent; /* 2: the daemon's filter */
} kills[] = {
	{ "execve", do_execve, 0 },
	{ "execve (transparent)", do_execve, 1 },
	{ "execveat", do_execveat, 0 },
	{ "ptrace", do_ptrace, 1 },
	{ "mount", do_mount, 0 },
	{ "unshare", do_unshare, 0 },
	{ "setuid", do_setuid, 0 },
	{ "capset", do_capset, 0 },
	{ "fork", do_fork, 0 },
	{ "socket(AF_INET)", do_socket_inet, 0 },
	{ "socket(AF_UNIX, SOCK_STREAM)", do_socket_unix_stream, 0 },
	{ "socketpair(SOCK_DGRAM)", do_socketpair_dgram, 0 },
	{ "ioctl(TCGETS)", do_ioctl_tty, 1 },
	{ "ioctl in explicit mode", do_ioctl_tty, 0 },
	{ "mmap(PROT_EXEC)", do_mmap_exec, 0 },
	{ "mprotect(PROT_EXEC)", do_mprotect_exec, 0 },
	{ "prctl", do_prctl, 0 },
	{ "bpf", do_bpf, 0 },
	{ "finit_module", do_init_module, 0 },
	{ "io_uring_setup", do_io_uring, 0 },
	{ "tgkill of another process", do_tgkill_other, 0 },
	{ "i386 int $0x80", do_i386, 0 },
	{ "kill (daemon)", do_kill, 2 },
	{ "execve (daemon)", do_execve, 2 },
	{ "fork (daemon)", do_fork, 2 },
	{ "mmap(PROT_EXEC) (daemon)", do_mmap_exec, 2 },
	{ "socketpair(SOCK_DGRAM) (daemon)", do_socketpair_dgram, 2 },
	{ "socket(AF_UNIX, SOCK_RAW) (daemon)", do_socket_unix_raw, 2 },
	{ "prctl (daemon)", do_prctl, 2 },
};

static size_t kill_index;

static int
confined_then(void)
{
	static const struct confine_opts *const opts[] = { &explicit_opts, &transparent_opts,
		&daemon_opts };

	if (confine_broker(opts[kills[kill_index].transparent]) == -1)
		return 99;
	return kills[kill_index].fn();
}

static void
test_forbidden_kill(void **state)
{
	char text[80];
	int r;

	(void)state;
	for (kill_index = 0; kill_index < sizeof(kills) / sizeof(kills[0]); kill_index++) {
		if (SANITIZER && kills[kill_index].fn == do_ptrace)
			continue;
		if (kills[kill_index].fn == do_i386 && (r = in_child(native_i386)) != 0) {
			print_message("%s: not applicable: unconfined, it ends with %s\n",
			    kills[kill_index].name, unit_child_text(r, text, sizeof(text)));
			continue;
		}
		r = in_child(confined_then);
		if (r != 1000 + SIGSYS)
			fail_msg("%s: child ended with %s, wanted killed by SIGSYS",
			    kills[kill_index].name, unit_child_text(r, text, sizeof(text)));
	}
}

/* ---- the Landlock scope --------------------------------------------------- */

static int
scoped(void)
{
	char buf[16];
	struct iovec local = { buf, sizeof(buf) }, remote = { buf, sizeof(buf) };
	pid_t parent = getppid(), child;
	int st, r = 0;

	if (confine_scope() == -1)
		return 1;
	if ((child = fork()) == 0) {
		pause();
		_exit(0);
	}
	/* Our own descendants: signals and memory. */
	if (kill(child, 0) == -1)
		r = 2;
	else if (process_vm_readv(child, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(buf))
		r = 3;
	/* Anything outside the domain, even with CAP_SYS_PTRACE and CAP_KILL. */
	else if (process_vm_readv(parent, &local, 1, &remote, 1, 0) != -1 || errno != EPERM)
		r = 4;
	else if (landlock_abi() >= 6 && (kill(parent, 0) != -1 || errno != EPERM))
		r = 5;
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	return r;
}

static void
test_scope(void **state)
{
	(void)state;
	if (landlock_abi() < 2)
		skip();
	assert_child_ok(scoped);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_builds),
		cmocka_unit_test(test_forbidden_names_are_known),
		cmocka_unit_test(test_confined_state),
		cmocka_unit_test(test_confined_transparent_keeps_ptrace),
		cmocka_unit_test(test_confined_daemon),
		cmocka_unit_test(test_more_threads_refused),
		cmocka_unit_test(test_forbidden_kill),
		cmocka_unit_test(test_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
