/*
 * escape.c: a hostile worker, for tests/integration/sandbox.sh.
 *
 *	escape [--transparent] [--describe]
 *	escape --probe		exit 0 if the kernel has what the sandbox needs,
 *				else print why and exit 77
 *
 * The process splits in two.  The parent plays the broker and stays outside
 * the sandbox: it holds things worth attacking (an abstract and a pathname
 * Unix socket, a TCP listener, a scratch folder, its memory and its
 * descriptors) and counts the signals it receives.  The child is the worker:
 * it leaks a descriptor to itself, enters the sandbox with fb_sandbox_enter()
 * (as root: switching to nobody/nogroup; otherwise keeping its uid) and then
 * tries every way out it knows.  In transparent mode the parent also serves
 * the seccomp listener, refusing every notified call with EACCES.
 *
 * Output: one line per attempt, "ok   escape: WHAT: ERRNO" or
 * "FAIL escape: WHAT: ...", "ok   allowed: ..." for the things that must keep
 * working, and a summary "escape: N attempts, M escapes".  Exit status 0 only
 * with no escape and nothing broken.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define HIGH32 (1UL << 32)

/* What the parent set up, inherited by the child through fork(). */
static pid_t broker_pid;
static int worker_sock = -1, leaked_fd = -1, leaked_hi = 42, abstract_fd = -1;
static char abstract_name[64], scratch[64], sock_path[96], victim[96];
static struct sockaddr_in tcp_addr;
static int transparent, have_tty;
static char secret_word[32] = "the broker's secret";

static int attempts, escapes, broken;
static char outbuf[4096];

static volatile sig_atomic_t broker_signals;

static void
on_signal(int sig)
{
	(void)sig;
	broker_signals++;
}

static const char *
ename(int err)
{
	const char *n = strerrorname_np(err);

	return n != NULL ? n : "?";
}

/* An attempt that must fail: rc < 0 (errno err) is the good outcome. */
static void
expect_fail(const char *what, long rc, int err)
{
	attempts++;
	if (rc < 0) {
		printf("ok   escape: %s: %s\n", what, ename(err));
	} else {
		escapes++;
		printf("FAIL escape: %s: succeeded (returned %ld)\n", what, rc);
	}
}

#define TRY(what, call)                               \
	do {                                          \
		long rc_;                             \
		errno = 0;                            \
		rc_ = (long)(call);                   \
		expect_fail((what), rc_, errno);      \
	} while (0)

/* Something that must keep working inside the sandbox. */
static void
expect_ok(const char *what, long rc, int err)
{
	if (rc >= 0) {
		printf("ok   allowed: %s\n", what);
	} else {
		broken++;
		printf("FAIL allowed: %s: %s\n", what, ename(err));
	}
}

#define WORKS(what, call)                             \
	do {                                          \
		long rc_;                             \
		errno = 0;                            \
		rc_ = (long)(call);                   \
		expect_ok((what), rc_, errno);        \
	} while (0)

/* Run fn in a forked child; returns its wait status. */
static int
in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		fn();
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Must die of SIGSYS. */
static void
expect_kill(const char *what, void (*fn)(void))
{
	int st = in_child(fn);

	attempts++;
	if (st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
		printf("ok   escape: %s: killed by SIGSYS\n", what);
	} else {
		escapes++;
		printf("FAIL escape: %s: not killed (status 0x%x)\n", what, st);
	}
}

/* The child exits with the errno of its failure, or 200 if the attack
 * worked. */
static void
expect_child_fails(const char *what, void (*fn)(void))
{
	int st = in_child(fn);

	attempts++;
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 200) {
		printf("ok   escape: %s: %s\n", what, ename(WEXITSTATUS(st)));
	} else if (st != -1 && WIFSIGNALED(st)) {
		printf("ok   escape: %s: child killed by signal %d\n", what, WTERMSIG(st));
	} else {
		escapes++;
		printf("FAIL escape: %s: succeeded\n", what);
	}
}

static void
k_i386_open(void)
{
	static const char path[] = "/etc/shadow";
	long ret;

	/* i386 open(2) is 5; the pointer is cut to 32 bits, which does not
	 * matter: the filter must kill before the kernel looks. */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(5L), "b"(path), "c"(0L) : "memory");
	(void)ret;
}

static void
k_i386_getuid(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(24L) : "memory");
	(void)ret;
}

static void
k_x32_open(void)
{
	syscall(X32_SYSCALL_BIT | 2, "/etc/shadow", O_RDONLY);
}

static void
k_x32_openat(void)
{
	syscall(X32_SYSCALL_BIT | 257, AT_FDCWD, "/etc/shadow", O_RDONLY);
}

static void
c_prctl_seccomp(void)
{
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) == 0)
		syscall(SYS_exit, 200);
	_exit(errno);
}

static void
c_prctl_seccomp_high(void)
{
	if (syscall(SYS_prctl, HIGH32 | PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) == 0)
		syscall(SYS_exit, 200);
	_exit(errno);
}

static void
c_seccomp_strict(void)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL) == 0)
		syscall(SYS_exit, 200);
	_exit(errno);
}

static void
c_exec_sh(void)
{
	char *argv[] = { "sh", "-c", "exit 0", NULL };
	char *envp[] = { NULL };

	execve("/bin/sh", argv, envp);
	_exit(errno);
}

static void
c_exec_dash(void)
{
	char *argv[] = { "dash", "-c", "exit 0", NULL };
	char *envp[] = { NULL };

	execve("/usr/bin/dash", argv, envp);
	_exit(errno);
}

static void
c_exec_memfd(void)
{
	static const char script[] = "#!/bin/busybox true\n";
	char *argv[] = { "x", NULL };
	char *envp[] = { NULL };
	char path[64];
	int fd;

	if ((fd = (int)syscall(SYS_memfd_create, "x", MFD_NOEXEC_SEAL)) == -1)
		_exit(errno);
	if (write(fd, script, sizeof(script) - 1) == -1)
		_exit(errno);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	execve(path, argv, envp);
	_exit(errno);
}

static void
c_clone_newuser(void)
{
	long rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

	if (rc == 0)
		syscall(SYS_exit, 0);
	if (rc > 0)
		_exit(200);
	_exit(errno);
}

static void
c_clone3_newuser(void)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
		    tls;
	} args;
	long rc;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_NEWUSER;
	args.exit_signal = SIGCHLD;
	rc = syscall(SYS_clone3, &args, sizeof(args));
	if (rc == 0)
		syscall(SYS_exit, 0);
	if (rc > 0)
		_exit(200);
	_exit(errno);
}

static void
ok_busybox_true(void)
{
	char *argv[] = { "busybox", "true", NULL };
	char *envp[] = { NULL };

	execve("/bin/busybox", argv, envp);
	_exit(100 + errno % 100);
}

static void
ok_fork(void)
{
	_exit(0);
}

static int
fd_open(int fd)
{
	return fcntl(fd, F_GETFD);
}

static void
attack_paths(void)
{
	char buf[256], p[128];
	struct stat st;
	struct statx stx;
	struct statfs sfs;
	struct open_how how;
	int ifd;

	TRY("open /etc/shadow", open("/etc/shadow", O_RDONLY));
	TRY("open /etc/hostname", open("/etc/hostname", O_RDONLY));
	TRY("open O_PATH /etc", open("/etc", O_PATH));
	TRY("openat /etc/passwd", openat(AT_FDCWD, "/etc/passwd", O_RDONLY));
	TRY("openat relative ../../etc/passwd", openat(AT_FDCWD, "../../../../etc/passwd", O_RDONLY));
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY;
	TRY("openat2 /etc/passwd", syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how)));
	/* RESOLVE_* restrictions are checked by the kernel, then the policy
	 * decides on what they led to: none of them opens a door. */
	how.resolve = RESOLVE_IN_ROOT;
	TRY("openat2 IN_ROOT /etc/passwd", syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how,
					       sizeof(how)));
	TRY("openat2 IN_ROOT ../../../../etc/passwd", syscall(SYS_openat2, AT_FDCWD,
							  "../../../../etc/passwd", &how, sizeof(how)));
	how.resolve = RESOLVE_NO_XDEV;
	TRY("openat2 NO_XDEV /proc/self/root/etc/passwd",
	    syscall(SYS_openat2, AT_FDCWD, "/proc/self/root/etc/passwd", &how, sizeof(how)));
	how.resolve = RESOLVE_BENEATH;
	TRY("openat2 BENEATH ../../../../etc/passwd", syscall(SYS_openat2, AT_FDCWD,
							  "../../../../etc/passwd", &how, sizeof(how)));
	how.resolve = 0;
	snprintf(p, sizeof(p), "%s/created", scratch);
	TRY("creat in the scratch folder", creat(p, 0600));
	TRY("open O_CREAT in the scratch folder", open(p, O_WRONLY | O_CREAT, 0600));
	TRY("open the victim for writing", open(victim, O_WRONLY));
	TRY("stat /etc/shadow", stat("/etc/shadow", &st));
	TRY("lstat /etc/shadow", lstat("/etc/shadow", &st));
	TRY("stat(2) syscall /etc/shadow", syscall(SYS_stat, "/etc/shadow", &st));
	TRY("newfstatat /etc/shadow", syscall(SYS_newfstatat, AT_FDCWD, "/etc/shadow", &st, 0));
	if (transparent) {
		TRY("newfstatat AT_EMPTY_PATH with a path",
		    syscall(SYS_newfstatat, AT_FDCWD, "/etc/shadow", &st, AT_EMPTY_PATH));
	} else {
		long rc = syscall(SYS_newfstatat, AT_FDCWD, "/etc/shadow", &st, AT_EMPTY_PATH);

		printf("note escape: newfstatat AT_EMPTY_PATH with a path: %s (explicit mode "
		       "lets glibc's fstat through: a documented metadata leak)\n",
		    rc == 0 ? "allowed" : ename(errno));
	}
	TRY("statx /etc/shadow", statx(AT_FDCWD, "/etc/shadow", 0, STATX_BASIC_STATS, &stx));
	TRY("access /etc/shadow", access("/etc/shadow", F_OK));
	TRY("faccessat /etc/passwd", faccessat(AT_FDCWD, "/etc/passwd", R_OK, 0));
	TRY("faccessat2 /etc/passwd", syscall(SYS_faccessat2, AT_FDCWD, "/etc/passwd", R_OK, 0));
	TRY("readlink /proc/self/exe", readlink("/proc/self/exe", buf, sizeof(buf)));
	TRY("readlinkat /proc/self/cwd", readlinkat(AT_FDCWD, "/proc/self/cwd", buf, sizeof(buf)));
	TRY("chdir /", chdir("/"));
	TRY("fchdir to the broker socket", fchdir(worker_sock));
	snprintf(p, sizeof(p), "%s/dir", scratch);
	TRY("mkdir in the scratch folder", mkdir(p, 0700));
	TRY("unlink the victim", unlink(victim));
	TRY("unlinkat the victim", unlinkat(AT_FDCWD, victim, 0));
	TRY("rmdir the scratch folder", rmdir(scratch));
	snprintf(p, sizeof(p), "%s/renamed", scratch);
	TRY("rename the victim", rename(victim, p));
	TRY("renameat2 the victim", renameat2(AT_FDCWD, victim, AT_FDCWD, p, 0));
	snprintf(p, sizeof(p), "%s/link", scratch);
	TRY("link to the victim", link(victim, p));
	TRY("symlink to /etc/shadow", symlink("/etc/shadow", p));
	TRY("chmod the victim", chmod(victim, 0777));
	TRY("fchmodat the victim", fchmodat(AT_FDCWD, victim, 04777, 0));
	TRY("fchmod the broker socket", fchmod(worker_sock, 0777));
	TRY("chown the victim", chown(victim, getuid(), getgid()));
	TRY("truncate the victim", truncate(victim, 0));
	TRY("utimes the victim", utimes(victim, NULL));
	TRY("utimensat the victim", utimensat(AT_FDCWD, victim, NULL, 0));
	TRY("setxattr the victim", setxattr(victim, "user.fb", "x", 1, 0));
	TRY("getxattr /etc/shadow", getxattr("/etc/shadow", "user.fb", buf, sizeof(buf)));
	snprintf(p, sizeof(p), "%s/fifo", scratch);
	TRY("mknod a fifo", mknod(p, S_IFIFO | 0666, 0));
	TRY("statfs /", statfs("/", &sfs));
	ifd = inotify_init1(IN_CLOEXEC);
	TRY("inotify_add_watch /etc", inotify_add_watch(ifd, "/etc", IN_ALL_EVENTS));
	close(ifd);
	TRY("name_to_handle_at /etc/shadow", syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/shadow",
						  buf, buf + 128, 0));
	{
		struct {
			unsigned int bytes;
			int type;
			unsigned char h[64];
		} fh;

		memset(&fh, 0, sizeof(fh));
		fh.bytes = 8;
		fh.type = 1;
		TRY("open_by_handle_at", syscall(SYS_open_by_handle_at, 0, &fh, O_RDONLY));
	}
}

static void
attack_fds_and_proc(void)
{
	char p[128], buf[64];

	TRY("read the leaked descriptor", read(leaked_fd, buf, sizeof(buf)));
	TRY("the leaked descriptor copy (42) is closed", fd_open(leaked_hi));
	TRY("the broker's abstract listener copy is closed", fd_open(abstract_fd));
	snprintf(p, sizeof(p), "/proc/self/fd/%d", leaked_fd);
	TRY("reopen the leaked descriptor via /proc/self/fd", open(p, O_RDONLY));
	snprintf(p, sizeof(p), "/proc/%d/root/etc/shadow", (int)broker_pid);
	TRY("open /proc/BROKER/root/etc/shadow", open(p, O_RDONLY));
	snprintf(p, sizeof(p), "/proc/%d/root", (int)broker_pid);
	TRY("readlink /proc/BROKER/root", readlink(p, buf, sizeof(buf)));
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)broker_pid, abstract_fd);
	TRY("open /proc/BROKER/fd/N", open(p, O_RDWR));
	snprintf(p, sizeof(p), "/proc/%d/mem", (int)broker_pid);
	TRY("open /proc/BROKER/mem", open(p, O_RDONLY));
	TRY("open /proc/1/root/etc/shadow", open("/proc/1/root/etc/shadow", O_RDONLY));
	TRY("open /proc/self/mem", open("/proc/self/mem", O_RDWR));
}

static void
attack_processes(void)
{
	struct iovec local, remote;
	char buf[32];
	int pidfd;

	TRY("ptrace(PTRACE_ATTACH, broker)", ptrace(PTRACE_ATTACH, broker_pid, 0, 0));
	TRY("ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0, 0, 0));
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = secret_word;
	remote.iov_len = sizeof(buf);
	TRY("process_vm_readv(broker)", process_vm_readv(broker_pid, &local, 1, &remote, 1, 0));
	TRY("process_vm_writev(broker)", process_vm_writev(broker_pid, &local, 1, &remote, 1, 0));
	pidfd = (int)syscall(SYS_pidfd_open, broker_pid, 0);
	TRY("pidfd_getfd(broker, 0)", pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, 0, 0));
	TRY("kcmp(self, broker)", syscall(SYS_kcmp, getpid(), broker_pid, KCMP_FILE, 0, 0));
	/* Signals: Landlock's scope refuses them; the parent also counts what
	 * arrives. */
	TRY("kill(broker, SIGUSR1)", kill(broker_pid, SIGUSR1));
	TRY("kill(broker, 0)", kill(broker_pid, 0));
	TRY("tgkill(broker, SIGTERM)", syscall(SYS_tgkill, broker_pid, broker_pid, SIGTERM));
	TRY("pidfd_send_signal(broker, SIGUSR1)",
	    pidfd < 0 ? -1 : syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0));
	/* kill(-1) returns 0 even when every target refused with EPERM, so
	 * only the broker's count of received signals tells. */
	(void)kill(-1, SIGUSR1);
	printf("info escape: kill(-1, SIGUSR1) sent (the broker counts)\n");
	{
		/* SIGIO through F_SETOWN: the kernel sends it on I/O, not at the
		 * fcntl, so only the parent's count tells. */
		int sp[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0) {
			if (fcntl(sp[0], F_SETOWN, broker_pid) == 0 &&
			    fcntl(sp[0], F_SETFL, O_ASYNC) == 0)
				(void)!write(sp[1], "x", 1);
			close(sp[0]);
			close(sp[1]);
		}
		printf("info escape: F_SETOWN(broker)+O_ASYNC: SIGIO sent if allowed "
		       "(the broker counts)\n");
	}
	if (pidfd >= 0)
		close(pidfd);
	expect_child_fails("clone(CLONE_NEWUSER)", c_clone_newuser);
	expect_child_fails("clone3(CLONE_NEWUSER)", c_clone3_newuser);
	TRY("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	TRY("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
	TRY("setns(broker socket)", setns(worker_sock, 0));
}

/* socket() then connect(): -1 with the errno of whichever failed. */
static int
sock_connect(int family, const struct sockaddr *sa, socklen_t len)
{
	int s, saved;

	if ((s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(s, sa, len) == -1) {
		saved = errno;
		close(s);
		errno = saved;
		return -1;
	}
	return s;
}

static void
attack_sockets(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	int sp[2] = { -1, -1 };

	TRY("socket(AF_UNIX, SOCK_STREAM)", socket(AF_UNIX, SOCK_STREAM, 0));
	TRY("socket(AF_UNIX, SOCK_DGRAM)", socket(AF_UNIX, SOCK_DGRAM, 0));
	TRY("socket(AF_INET, SOCK_STREAM) (no net)", socket(AF_INET, SOCK_STREAM, 0));
	TRY("socket(AF_INET6, SOCK_DGRAM) (no net)", socket(AF_INET6, SOCK_DGRAM, 0));
	TRY("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, 0));
	TRY("socket(AF_PACKET)", socket(AF_PACKET, SOCK_RAW, 0));
	TRY("socketpair(AF_UNIX, SOCK_DGRAM)", socketpair(AF_UNIX, SOCK_DGRAM, 0, sp));
	TRY("TCP connect to the broker's 127.0.0.1 listener (no net)",
	    sock_connect(AF_INET, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)));

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract_name));
	TRY("socket+connect to the broker's abstract socket",
	    sock_connect(AF_UNIX, (struct sockaddr *)&sun, len));
	TRY("connect the broker socket to the abstract socket",
	    connect(worker_sock, (struct sockaddr *)&sun, len));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0) {
		TRY("bind a socketpair socket to an abstract name",
		    bind(sp[0], (struct sockaddr *)&sun, len));
		TRY("sendto the abstract socket through a stream pair",
		    sendto(sp[0], "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&sun, len));
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
		TRY("sendto the pathname socket through a stream pair",
		    sendto(sp[0], "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&sun, sizeof(sun)));
		close(sp[0]);
		close(sp[1]);
	} else {
		broken++;
		printf("FAIL allowed: socketpair(AF_UNIX, SOCK_STREAM): %s\n", ename(errno));
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	TRY("socket+connect to the pathname socket",
	    sock_connect(AF_UNIX, (struct sockaddr *)&sun, sizeof(sun)));
}

static void
attack_kernel(void)
{
	struct io_uring_params iop;
	struct perf_event_attr pea;
	union bpf_attr ba;
	struct __user_cap_header_struct ch;
	struct __user_cap_data_struct cd[2];
	struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, insn };
	char buf[16];

	memset(&iop, 0, sizeof(iop));
	TRY("io_uring_setup", syscall(SYS_io_uring_setup, 4, &iop));
	TRY("mount tmpfs on /tmp", mount("none", "/tmp", "tmpfs", 0, NULL));
	TRY("umount2 /proc", umount2("/proc", MNT_DETACH));
	TRY("fsopen tmpfs", syscall(SYS_fsopen, "tmpfs", 0));
	TRY("open_tree /", syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE));
	TRY("chroot /tmp", chroot("/tmp"));
	TRY("pivot_root", syscall(SYS_pivot_root, ".", "."));
	memset(&ba, 0, sizeof(ba));
	ba.map_type = BPF_MAP_TYPE_ARRAY;
	ba.key_size = 4;
	ba.value_size = 4;
	ba.max_entries = 1;
	TRY("bpf(BPF_MAP_CREATE)", syscall(SYS_bpf, BPF_MAP_CREATE, &ba, sizeof(ba)));
	memset(&pea, 0, sizeof(pea));
	pea.type = PERF_TYPE_SOFTWARE;
	pea.size = sizeof(pea);
	pea.config = PERF_COUNT_SW_CPU_CLOCK;
	TRY("perf_event_open", syscall(SYS_perf_event_open, &pea, 0, -1, -1, 0));
	TRY("keyctl(GET_KEYRING_ID)", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
				     KEY_SPEC_SESSION_KEYRING, 0));
	TRY("add_key", syscall(SYS_add_key, "user", "fb", "x", 1, KEY_SPEC_PROCESS_KEYRING));
	TRY("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
	TRY("finit_module", syscall(SYS_finit_module, 0, "", 0));
	TRY("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	TRY("setuid(0)", setuid(0));
	TRY("setresuid(0, 0, 0)", setresuid(0, 0, 0));
	TRY("setgid(0)", setgid(0));
	TRY("setgroups([0])", setgroups(1, (gid_t[]){ 0 }));
	memset(&ch, 0, sizeof(ch));
	memset(cd, 0, sizeof(cd));
	ch.version = _LINUX_CAPABILITY_VERSION_3;
	cd[0].effective = cd[0].permitted = 1U << CAP_SYS_ADMIN;
	TRY("capset(CAP_SYS_ADMIN)", syscall(SYS_capset, &ch, cd));
	TRY("prctl(PR_CAP_AMBIENT_RAISE)",
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0));
	TRY("prctl(PR_SET_SECUREBITS, 0)", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
	expect_child_fails("prctl(PR_SET_SECCOMP)", c_prctl_seccomp);
	expect_child_fails("prctl(1<<32 | PR_SET_SECCOMP)", c_prctl_seccomp_high);
	expect_child_fails("seccomp(SECCOMP_SET_MODE_STRICT)", c_seccomp_strict);
	TRY("seccomp(SET_MODE_FILTER, NEW_LISTENER)",
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
	TRY("execveat(fd, \"\", AT_EMPTY_PATH)",
	    syscall(SYS_execveat, 1, "", (char *[]){ NULL }, (char *[]){ NULL }, AT_EMPTY_PATH));
	TRY("memfd_create without MFD_NOEXEC_SEAL", syscall(SYS_memfd_create, "x", MFD_CLOEXEC));
	expect_child_fails("execve of a sealed memfd via /proc/self/fd", c_exec_memfd);
	expect_child_fails("execve /bin/sh (not an exec rule)", c_exec_sh);
	expect_child_fails("execve /usr/bin/dash (not an exec rule)", c_exec_dash);
	TRY("personality(ADDR_NO_RANDOMIZE)", syscall(SYS_personality, 0x0040000));
	TRY("setpriority(PRIO_PROCESS, broker)", setpriority(PRIO_PROCESS, (id_t)broker_pid, 19));
	TRY("setpriority(PRIO_USER, 0)", setpriority(PRIO_USER, 0, 19));
	TRY("prlimit(broker, RLIMIT_NOFILE)",
	    prlimit(broker_pid, RLIMIT_NOFILE, &(struct rlimit){ 1, 1 }, NULL));
	TRY("process_madvise", syscall(SYS_process_madvise, 0, NULL, 0, 0, 0));
	if (have_tty) {
		TRY("ioctl(stdin, TIOCSTI)", ioctl(0, TIOCSTI, "x"));
		TRY("ioctl(stdin, 1<<32 | TIOCSTI)", syscall(SYS_ioctl, 0, HIGH32 | TIOCSTI, "x"));
		buf[0] = 6; /* TIOCL_SETSEL would need a VT: the filter answers first */
		TRY("ioctl(stdin, TIOCLINUX)", ioctl(0, TIOCLINUX, buf));
	} else {
		printf("skip escape: TIOCSTI: no terminal (stdin is not a tty and no pty "
		       "could be made)\n");
	}
}

static void
kill_tests(void)
{
	expect_kill("i386 int $0x80 open", k_i386_open);
	expect_kill("i386 int $0x80 getuid", k_i386_getuid);
	expect_kill("x32 open", k_x32_open);
	expect_kill("x32 openat", k_x32_openat);
}

static void
positive_checks(void)
{
	struct stat st;
	int st_;
	int sp[2];

	WORKS("write to stdout", write(1, "", 0));
	WORKS("fstat(2) syscall on stdout", syscall(SYS_fstat, 1, &st));
	WORKS("newfstatat(fd, NULL, AT_EMPTY_PATH)",
	    syscall(SYS_newfstatat, 1, NULL, &st, AT_EMPTY_PATH));
	WORKS("the broker socket is open", fd_open(worker_sock));
	WORKS("socketpair(AF_UNIX, SOCK_SEQPACKET)",
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	WORKS("memfd_create with MFD_NOEXEC_SEAL",
	    syscall(SYS_memfd_create, "ok", MFD_NOEXEC_SEAL | MFD_CLOEXEC));
	WORKS("getcwd", getcwd((char[64]){ 0 }, 64) == NULL ? -1 : 0);
	st_ = in_child(ok_fork);
	WORKS("fork and wait", st_ != -1 && WIFEXITED(st_) && WEXITSTATUS(st_) == 0 ? 0 : -1);
	st_ = in_child(ok_busybox_true);
	if (st_ != -1 && WIFEXITED(st_) && WEXITSTATUS(st_) == 0) {
		printf("ok   allowed: exec /bin/busybox true (an exec rule)\n");
	} else {
		broken++;
		printf("FAIL allowed: exec /bin/busybox true: status 0x%x\n", st_);
	}
}

/* The worker: set up the attacks that need a clean process, enter the
 * sandbox, attack.  Never returns. */
static void __attribute__((noreturn))
worker(const char *pty_slave)
{
	const char *exec_paths[] = { "/bin/busybox", NULL };
	struct fb_sandbox sb;
	struct passwd *pw;
	struct group *gr;
	int listener = -1;
	char msg[64];

	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	/* A leaked secret, twice, as a careless caller would leave it. */
	leaked_fd = open("/etc/hostname", O_RDONLY);
	if (leaked_fd == -1 || dup2(leaked_fd, leaked_hi) == -1) {
		printf("FAIL setup: leaking a descriptor: %s\n", strerror(errno));
		_exit(3);
	}
	if (pty_slave != NULL) {
		int t;

		/* Our own controlling terminal, so that TIOCSTI would work
		 * without the filter. */
		if (setsid() != -1 && (t = open(pty_slave, O_RDWR)) != -1) {
			dup2(t, 0);
			close(t);
			have_tty = isatty(0) && ioctl(0, TIOCSCTTY, 0) != -1 ? 1 : isatty(0);
		}
	}
	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = worker_sock;
	sb.exec_paths = exec_paths;
	sb.transparent = transparent;
	sb.listener_fd = &listener;
	if (geteuid() == 0) {
		pw = getpwnam("nobody");
		gr = getgrnam("nogroup");
		sb.set_user = 1;
		sb.uid = pw ? pw->pw_uid : 65534;
		sb.gid = gr ? gr->gr_gid : 65534;
	}
	printf("info escape: worker %d entering the sandbox as %s (%s mode)\n", (int)getpid(),
	    sb.set_user ? "root -> nobody" : "non-root, keeping its uid",
	    transparent ? "transparent" : "explicit");
	fflush(stdout);
	if (fb_sandbox_enter(&sb) == -1) {
		printf("FAIL setup: fb_sandbox_enter: %s\n", strerror(errno));
		_exit(3);
	}
	if (transparent) {
		/* Hand the listener to the broker, then drop our copy. */
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { "L", 1 };
		struct msghdr mh;
		struct cmsghdr *cm;

		memset(&mh, 0, sizeof(mh));
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &listener, sizeof(int));
		if (sendmsg(worker_sock, &mh, MSG_NOSIGNAL) == -1) {
			printf("FAIL setup: sending the listener: %s\n", strerror(errno));
			_exit(3);
		}
		close(listener);
	}
	printf("info escape: uid %d gid %d\n", (int)getuid(), (int)getgid());

	attack_paths();
	attack_fds_and_proc();
	attack_processes();
	attack_sockets();
	attack_kernel();
	kill_tests();
	positive_checks();

	snprintf(msg, sizeof(msg), "C %d %d %d", attempts, escapes, broken);
	fflush(stdout);
	(void)!send(worker_sock, msg, strlen(msg), MSG_NOSIGNAL);
	/* _exit: no LeakSanitizer at exit (it needs ptrace). */
	_exit(escapes || broken ? 1 : 0);
}

/* The broker's end of transparent mode: refuse every notification. */
static int
serve_refuse(int listener, unsigned long *served)
{
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t rq, rs;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) == -1)
		return -1;
	rq = sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req);
	rs = sz.seccomp_notif_resp > sizeof(*resp) ? sz.seccomp_notif_resp : sizeof(*resp);
	req = calloc(1, rq);
	resp = calloc(1, rs);
	if (req == NULL || resp == NULL) {
		free(req);
		free(resp);
		return -1;
	}
	memset(req, 0, rq);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == 0) {
		memset(resp, 0, rs);
		resp->id = req->id;
		resp->error = -EACCES;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0)
			(*served)++;
	}
	free(req);
	free(resp);
	return 0;
}

static int
recv_listener(int s)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b[4];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh;
	struct cmsghdr *cm;
	int fd = -1;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(s, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Parent-side checks: nothing reached the broker's objects. */
static void
broker_checks(int abs_l, int path_l, int tcp_l)
{
	struct stat st;
	int fd;

	TRY("a connection reached the broker's abstract socket", accept4(abs_l, NULL, NULL, SOCK_CLOEXEC));
	TRY("a connection reached the pathname socket", accept4(path_l, NULL, NULL, SOCK_CLOEXEC));
	TRY("a connection reached the TCP listener", accept4(tcp_l, NULL, NULL, SOCK_CLOEXEC));
	attempts++;
	if (broker_signals == 0) {
		printf("ok   escape: signals that reached the broker: 0\n");
	} else {
		escapes++;
		printf("FAIL escape: signals that reached the broker: %d\n", (int)broker_signals);
	}
	attempts++;
	if (stat(victim, &st) == 0 && st.st_size == 6 && (st.st_mode & 07777) == 0666) {
		printf("ok   escape: the victim file is unchanged\n");
	} else {
		escapes++;
		printf("FAIL escape: the victim file changed or vanished\n");
	}
	{
		static const char *const names[] = { "created", "dir", "renamed", "link", "fifo" };
		char p[160];
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", scratch, names[i]);
			fd = lstat(p, &st);
			attempts++;
			if (fd == -1) {
				printf("ok   escape: nothing created at scratch/%s\n", names[i]);
			} else {
				escapes++;
				printf("FAIL escape: scratch/%s was created\n", names[i]);
			}
		}
	}
}

static int
probe(void)
{
	struct fb_sandbox_support s;

	if (fb_sandbox_probe(&s) == -1) {
		printf("probe failed: %s\n", strerror(errno));
		return 77;
	}
	printf("landlock_abi=%d errata=%d seccomp_filter=%d notify=%d wait_killable=%d "
	       "addfd_send=%d\n",
	    s.landlock_abi, s.landlock_errata, s.seccomp_filter, s.seccomp_notify,
	    s.wait_killable, s.addfd_send);
	if (!s.seccomp_filter)
		printf("missing: seccomp filters\n");
	else if (s.landlock_abi < 6)
		printf("missing: Landlock ABI 6 (scoping); have %d\n", s.landlock_abi);
	else if (!s.seccomp_notify || !s.addfd_send || !s.wait_killable)
		printf("missing: seccomp notification with ADDFD_SEND and WAIT_KILLABLE_RECV\n");
	else
		return 0;
	return 77;
}

static void
cleanup_scratch(void)
{
	char p[160];
	static const char *const names[] = { "created", "dir", "renamed", "link", "fifo",
		"victim", "sock" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", scratch, names[i]);
		if (unlink(p) == -1 && errno == EISDIR)
			rmdir(p);
		rmdir(p);
	}
	rmdir(scratch);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sigaction sa;
	socklen_t len;
	char msg[64], *pty_slave = NULL;
	int sv[2], abs_l, path_l, tcp_l, listener = -1, status, i, ptm = -1, fd, done = 0;
	unsigned long served = 0;
	int c_attempts = 0, c_escapes = 0, c_broken = 0, got_counts = 0, describe = 0;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--transparent") == 0)
			transparent = 1;
		else if (strcmp(argv[i], "--describe") == 0)
			describe = 1;
		else if (strcmp(argv[i], "--probe") == 0)
			return probe();
		else {
			fprintf(stderr, "usage: escape [--transparent] [--describe] | --probe\n");
			return 2;
		}
	}
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	broker_pid = getpid();

	if (describe) {
		const char *exec_paths[] = { "/bin/busybox", NULL };
		struct fb_sandbox sb;

		memset(&sb, 0, sizeof(sb));
		sb.keep_fd = 3;
		sb.set_user = geteuid() == 0;
		sb.uid = 65534;
		sb.gid = 65534;
		sb.exec_paths = exec_paths;
		sb.transparent = transparent;
		return fb_sandbox_describe(&sb, stdout) == 0 ? 0 : 1;
	}

	/* Things to attack. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	snprintf(scratch, sizeof(scratch), "/tmp/fb-escape.XXXXXX");
	if (mkdtemp(scratch) == NULL || chmod(scratch, 0777) == -1) {
		perror("escape: scratch folder");
		return 3;
	}
	snprintf(victim, sizeof(victim), "%s/victim", scratch);
	snprintf(sock_path, sizeof(sock_path), "%s/sock", scratch);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd == -1 || write(fd, "victim", 6) != 6 || fchmod(fd, 0666) == -1) {
		perror("escape: victim file");
		return 3;
	}
	close(fd);

	snprintf(abstract_name, sizeof(abstract_name), "filebroker-escape-%d", (int)getpid());
	abs_l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract_name));
	if (abs_l == -1 || bind(abs_l, (struct sockaddr *)&sun, len) == -1 || listen(abs_l, 4) == -1) {
		perror("escape: abstract socket");
		return 3;
	}
	/* The worker's copy must be closed by the sandbox: no CLOEXEC. */
	abstract_fd = fcntl(abs_l, F_DUPFD, 20);

	path_l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (path_l == -1 || bind(path_l, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sock_path, 0777) == -1 || listen(path_l, 4) == -1) {
		perror("escape: pathname socket");
		return 3;
	}

	tcp_l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&tcp_addr, 0, sizeof(tcp_addr));
	tcp_addr.sin_family = AF_INET;
	tcp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(tcp_addr);
	if (tcp_l == -1 || bind(tcp_l, (struct sockaddr *)&tcp_addr, len) == -1 ||
	    listen(tcp_l, 4) == -1 || getsockname(tcp_l, (struct sockaddr *)&tcp_addr, &len) == -1) {
		perror("escape: TCP listener");
		return 3;
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		perror("escape: socketpair");
		return 3;
	}
	worker_sock = sv[1];
	fcntl(worker_sock, F_SETFD, 0);

	if (!isatty(0)) {
		ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (ptm != -1 && grantpt(ptm) == 0 && unlockpt(ptm) == 0)
			pty_slave = ptsname(ptm);
	} else {
		have_tty = 1;
	}

	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("escape: fork");
		return 3;
	}
	if (pid == 0)
		worker(pty_slave);
	close(sv[1]);

	/* Serve until the worker and all its children are gone. */
	if (transparent && (listener = recv_listener(sv[0])) == -1)
		printf("FAIL setup: no listener from the worker\n");
	while (!done) {
		struct pollfd pfd[2];
		int n;

		pfd[0].fd = sv[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = listener;
		pfd[1].events = POLLIN;
		n = poll(pfd, listener >= 0 ? 2 : 1, 60000);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			printf("FAIL escape: the worker hung\n");
			kill(pid, SIGKILL);
			break;
		}
		if (listener >= 0 && (pfd[1].revents & POLLIN))
			serve_refuse(listener, &served);
		else if (listener >= 0 && (pfd[1].revents & (POLLHUP | POLLERR))) {
			close(listener);
			listener = -1;
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t r = recv(sv[0], msg, sizeof(msg) - 1, 0);

			if (r > 0) {
				msg[r] = '\0';
				if (sscanf(msg, "C %d %d %d", &c_attempts, &c_escapes, &c_broken) == 3)
					got_counts = 1;
			} else if (r == 0 && listener < 0) {
				done = 1;
			}
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			if (listener < 0)
				done = 1;
		}
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (ptm != -1)
		close(ptm);
	if (transparent)
		printf("info escape: the broker refused %lu notified calls\n", served);

	broker_checks(abs_l, path_l, tcp_l);
	cleanup_scratch();

	attempts += c_attempts;
	escapes += c_escapes;
	broken += c_broken;
	if (!got_counts) {
		broken++;
		printf("FAIL escape: the worker did not finish (status 0x%x)\n", status);
	} else if (!WIFEXITED(status)) {
		broken++;
		printf("FAIL escape: the worker died (status 0x%x)\n", status);
	}
	printf("escape: %d attempts, %d escapes%s\n", attempts, escapes,
	    broken ? " (and something that must work did not)" : "");
	return escapes == 0 && broken == 0 ? 0 : 1;
}
