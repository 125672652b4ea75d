/*
 * attacks.c: the escape attempts of the hostile worker (tests/helpers/escape.c
 * runs them inside the sandbox, in the order escape.h lists them).
 *
 * Each attempt is one TRY() (a call that must fail), one expect_child_fails()
 * (a forked child that must not succeed) or one expect_kill() (a forked child
 * that must die of SIGSYS); escape.c counts and reports them.  An attempt
 * whose calls the machine may lack names the native probe (below) that tells
 * whether the machine can make them at all.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <linux/keyctl.h>
#include <linux/mii.h>
#include <linux/openat2.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
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
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include "escape.h"

#define X32_SYSCALL_BIT 0x40000000L
#define HIGH32 (1UL << 32)

/* ---- native probes: run unsandboxed, exit 0 if the call worked ------------ */

static void
n_i386(void)
{
	long ret;

	/* i386 getpid(2) is 20.  Without the i386 ABI this faults (SIGSEGV). */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	_exit(ret == (long)getpid() ? 0 : ret < 0 && ret > -256 ? (int)-ret : 255);
}

static void
n_x32(void)
{
	long ret = syscall(X32_SYSCALL_BIT | SYS_getpid);

	_exit(ret == (long)getpid() ? 0 : ret == -1 ? errno : 255);
}

static void
n_userns(void)
{
	long rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

	if (rc == 0)
		syscall(SYS_exit, 0);
	_exit(rc > 0 ? 0 : errno);
}

/* execve path with "-c exit 0" (a shell) or "true" (busybox): exits 0 if
 * the program ran. */
static void __attribute__((noreturn)) n_exec(const char *path, const char *arg0, const char *arg1)
{
	char *argv[] = { (char *)arg0, (char *)arg1, (char *)(arg1[0] == '-' ? "exit 0" : NULL),
		NULL };
	char *envp[] = { NULL };

	execve(path, argv, envp);
	_exit(errno);
}

static void
n_exec_sh(void)
{
	n_exec("/bin/sh", "sh", "-c");
}

static void
n_exec_dash(void)
{
	n_exec("/usr/bin/dash", "dash", "-c");
}

static void
n_busybox(void)
{
	n_exec("/bin/busybox", "busybox", "true");
}

const struct native_probe native_probes[NATIVE_COUNT] = {
	[NATIVE_I386] = { "i386", "int $0x80 getpid", n_i386 },
	[NATIVE_X32] = { "x32", "x32 getpid", n_x32 },
	[NATIVE_USERNS] = { "userns", "clone(CLONE_NEWUSER)", n_userns },
	[NATIVE_EXEC_SH] = { "sh", "execve /bin/sh", n_exec_sh },
	[NATIVE_EXEC_DASH] = { "dash", "execve /usr/bin/dash", n_exec_dash },
	[NATIVE_BUSYBOX] = { "busybox", "execve /bin/busybox", n_busybox },
};

/* ---- attacks ---------------------------------------------------------------- */

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
	char *argv[] = { "sh", "-c", "exit 200", NULL };
	char *envp[] = { NULL };

	execve("/bin/sh", argv, envp);
	_exit(errno);
}

static void
c_exec_dash(void)
{
	char *argv[] = { "dash", "-c", "exit 200", NULL };
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
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
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

void
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
	/* The folder descriptor given for O_PATH | O_DIRECTORY (a read-only
	 * one: ADDFD installs no O_PATH descriptor) only where list is
	 * allowed, and under /proc only the asker's own. */
	TRY("open O_PATH|O_DIRECTORY /etc", open("/etc", O_PATH | O_DIRECTORY));
	TRY("open O_PATH|O_DIRECTORY /proc/1", open("/proc/1", O_PATH | O_DIRECTORY));
	TRY("openat /etc/passwd", openat(AT_FDCWD, "/etc/passwd", O_RDONLY));
	TRY("openat relative ../../etc/passwd",
	    openat(AT_FDCWD, "../../../../etc/passwd", O_RDONLY));
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY;
	TRY("openat2 /etc/passwd",
	    syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how)));
	/* RESOLVE_* restrictions are checked by the kernel, then the policy
	 * decides on what they led to: none of them opens a door. */
	how.resolve = RESOLVE_IN_ROOT;
	TRY("openat2 IN_ROOT /etc/passwd",
	    syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof(how)));
	TRY("openat2 IN_ROOT ../../../../etc/passwd",
	    syscall(SYS_openat2, AT_FDCWD, "../../../../etc/passwd", &how, sizeof(how)));
	how.resolve = RESOLVE_NO_XDEV;
	TRY("openat2 NO_XDEV /proc/self/root/etc/passwd",
	    syscall(SYS_openat2, AT_FDCWD, "/proc/self/root/etc/passwd", &how, sizeof(how)));
	how.resolve = RESOLVE_BENEATH;
	TRY("openat2 BENEATH ../../../../etc/passwd",
	    syscall(SYS_openat2, AT_FDCWD, "../../../../etc/passwd", &how, sizeof(how)));
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
		/* A NULL path is "" to Linux 6.11+: with AT_FDCWD, the working
		 * folder, which a chdir race can make a hidden one. */
		TRY("newfstatat(AT_FDCWD, NULL, AT_EMPTY_PATH): the working folder",
		    syscall(SYS_newfstatat, AT_FDCWD, NULL, &st, AT_EMPTY_PATH));
		TRY("statx(AT_FDCWD, NULL, AT_EMPTY_PATH): the working folder",
		    syscall(SYS_statx, AT_FDCWD, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS, &stx));
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
	TRY("link /etc/shadow into the scratch folder", link("/etc/shadow", p));
	TRY("linkat /etc/passwd, following",
	    linkat(AT_FDCWD, "/etc/passwd", AT_FDCWD, p, AT_SYMLINK_FOLLOW));
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
	TRY("inotify_add_watch /etc/shadow, not following",
	    inotify_add_watch(ifd, "/etc/shadow", IN_ALL_EVENTS | IN_DONT_FOLLOW));
	TRY("inotify_add_watch through the broker socket",
	    inotify_add_watch(worker_sock, "/etc", IN_ALL_EVENTS));
	close(ifd);
	TRY("name_to_handle_at /etc/shadow",
	    syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/shadow", buf, buf + 128, 0));
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

void
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

void
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
	expect_child_fails(NATIVE_USERNS, "clone(CLONE_NEWUSER)", c_clone_newuser);
	expect_child_fails(NATIVE_USERNS, "clone3(CLONE_NEWUSER)", c_clone3_newuser);
	TRY_IF(NATIVE_USERNS, "unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	TRY("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
	TRY("setns(broker socket)", setns(worker_sock, 0));
}

/*
 * The host's network facts through ioctls on a socket the worker may have
 * (a socketpair, or the broker socket): the interface list with addresses
 * (SIOCGIFCONF), a MAC address (SIOCGIFHWADDR), an index, flags, driver
 * data (SIOCETHTOOL), wireless details.  Without net they are refused, on
 * their low 32 bits as the kernel truncates them.  Only the interface list
 * must be non-empty for the attack to have worked; the others use the
 * loopback interface, which every machine has.
 */
static void
attack_netinfo(int fd)
{
	static const struct {
		const char *name;
		unsigned long req;
	} ifr_reqs[] = {
		{ "SIOCGIFHWADDR", SIOCGIFHWADDR },
		{ "SIOCGIFADDR", SIOCGIFADDR },
		{ "SIOCGIFINDEX", SIOCGIFINDEX },
		{ "SIOCGIFFLAGS", SIOCGIFFLAGS },
		{ "SIOCGIFNETMASK", SIOCGIFNETMASK },
		{ "SIOCGIFMTU", SIOCGIFMTU },
		{ "SIOCGIFTXQLEN", SIOCGIFTXQLEN },
		{ "SIOCGIFMAP", SIOCGIFMAP },
		{ "SIOCETHTOOL", SIOCETHTOOL },
		{ "SIOCGIWNAME", 0x8B01 },
		{ "SIOCGMIIPHY", SIOCGMIIPHY },
	};
	char what[96], ifbuf[4096];
	struct ifconf ifc;
	struct ifreq ifr;
	size_t i;

	memset(&ifc, 0, sizeof(ifc));
	ifc.ifc_len = sizeof(ifbuf);
	ifc.ifc_buf = ifbuf;
	errno = 0;
	if (ioctl(fd, SIOCGIFCONF, &ifc) == 0 && ifc.ifc_len > 0)
		expect_fail(NATIVE_ANY, "ioctl SIOCGIFCONF: the host's interfaces and addresses", 0,
		    0);
	else
		expect_fail(NATIVE_ANY, "ioctl SIOCGIFCONF: the host's interfaces and addresses",
		    -1, errno ? errno : ENODATA);
	memset(&ifc, 0, sizeof(ifc));
	ifc.ifc_len = sizeof(ifbuf);
	ifc.ifc_buf = ifbuf;
	TRY("ioctl 1<<32 | SIOCGIFCONF", syscall(SYS_ioctl, fd, HIGH32 | SIOCGIFCONF, &ifc));
	TRY("ioctl SIOCGIFNAME of index 1", ({
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_ifindex = 1;
		ioctl(fd, SIOCGIFNAME, &ifr);
	}));
	for (i = 0; i < sizeof(ifr_reqs) / sizeof(ifr_reqs[0]); i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		snprintf(what, sizeof(what), "ioctl %s of lo", ifr_reqs[i].name);
		TRY(what, ioctl(fd, ifr_reqs[i].req, &ifr));
	}
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

void
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
		attack_netinfo(sp[0]);
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
	{
		struct ifconf ifc;
		char ifbuf[1024];

		memset(&ifc, 0, sizeof(ifc));
		ifc.ifc_len = sizeof(ifbuf);
		ifc.ifc_buf = ifbuf;
		TRY("ioctl SIOCGIFCONF on the broker socket",
		    ioctl(worker_sock, SIOCGIFCONF, &ifc));
	}
}

void
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
	TRY("keyctl(GET_KEYRING_ID)",
	    syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
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
	expect_child_fails(NATIVE_ANY, "prctl(PR_SET_SECCOMP)", c_prctl_seccomp);
	expect_child_fails(NATIVE_ANY, "prctl(1<<32 | PR_SET_SECCOMP)", c_prctl_seccomp_high);
	expect_child_fails(NATIVE_ANY, "seccomp(SECCOMP_SET_MODE_STRICT)", c_seccomp_strict);
	TRY("seccomp(SET_MODE_FILTER, NEW_LISTENER)",
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
	TRY("execveat(fd, \"\", AT_EMPTY_PATH)",
	    syscall(SYS_execveat, 1, "", (char *[]){ NULL }, (char *[]){ NULL }, AT_EMPTY_PATH));
	TRY("memfd_create without MFD_NOEXEC_SEAL", syscall(SYS_memfd_create, "x", MFD_CLOEXEC));
	expect_child_fails(NATIVE_BUSYBOX, "execve of a sealed memfd via /proc/self/fd",
	    c_exec_memfd);
	expect_child_fails(NATIVE_EXEC_SH, "execve /bin/sh (not an exec rule)", c_exec_sh);
	expect_child_fails(NATIVE_EXEC_DASH, "execve /usr/bin/dash (not an exec rule)",
	    c_exec_dash);
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

void
kill_tests(void)
{
	expect_kill(NATIVE_I386, "i386 int $0x80 open", k_i386_open);
	expect_kill(NATIVE_I386, "i386 int $0x80 getuid", k_i386_getuid);
	expect_kill(NATIVE_X32, "x32 open", k_x32_open);
	expect_kill(NATIVE_X32, "x32 openat", k_x32_openat);
}
