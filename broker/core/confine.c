/*
 * confine.c: the broker's own confinement; see confine.h.
 *
 * Every syscall the broker makes after confine_broker() was found by
 * running the whole integration suite with the broker under strace
 * (`strace -e trace=all`, the calls after the first epoll_wait) and by
 * reading the code of the exit and error paths (fatal(), log_*(),
 * exit(), abort() from a fortify or stack-protector failure).  A syscall
 * missing here kills the broker with SIGSYS: the kernel's audit log (dmesg,
 * "type=1326 ... syscall=N") names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "landlock.h"
#include "log.h"
#include "proc_status.h"

#ifndef SECBIT_NOROOT
#define SECBIT_NOROOT (1 << 0)
#define SECBIT_NOROOT_LOCKED (1 << 1)
#define SECBIT_NO_SETUID_FIXUP (1 << 2)
#define SECBIT_NO_SETUID_FIXUP_LOCKED (1 << 3)
#define SECBIT_KEEP_CAPS (1 << 4)
#define SECBIT_KEEP_CAPS_LOCKED (1 << 5)
#define SECBIT_NO_CAP_AMBIENT_RAISE (1 << 6)
#define SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED (1 << 7)
#endif

/* NOROOT on, KEEP_CAPS off, NO_SETUID_FIXUP off (a uid change still drops
 * every capability), no ambient raise; each locked. */
#define CONFINE_SECBITS \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED | \
	    SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/* Debian 12's headers stop at Landlock ABI 2. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

struct scope_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#ifndef MFD_NOEXEC_SEAL
#define CONFINE_MFD_NOEXEC_SEAL 0x0008U
#else
#define CONFINE_MFD_NOEXEC_SEAL MFD_NOEXEC_SEAL
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* notify.c's notify_start(): SECCOMP_IOCTL_NOTIF_SET_FLAGS (Linux 6.6). */
#define CONFINE_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
/* notify.c's tgid_of(): PIDFD_GET_INFO (Linux 6.13) on a thread pidfd,
 * with the 64-byte struct pidfd_info of its first version. */
#define CONFINE_PIDFD_GET_INFO _IOC(_IOC_READ | _IOC_WRITE, 0xFF, 11, 64)

/* Sanitizer builds (make SANITIZE=1, never installed): LeakSanitizer
 * checks for leaks at exit by cloning a tracer that ptraces the process,
 * so a few forbidden calls are allowed there, narrowly (see SAN below). */
#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define CONFINE_SANITIZER 1
#endif
#endif
#ifndef CONFINE_SANITIZER
#define CONFINE_SANITIZER 0
#endif

/* ---- step 1: the Landlock domain the worker's nests in ------------------ */

int
confine_scope(void)
{
	struct scope_attr attr;
	size_t size;
	int abi, rs, r;

	/* Landlock needs it (we may lack CAP_SYS_ADMIN); the worker sets it
	 * too, and it changes nothing for the broker, which never execs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	if ((abi = landlock_abi()) < 1) {
		log_info("confine: no Landlock (%s): the broker's signals and ptrace access "
			 "are not scoped to the worker",
		    strerror(errno));
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	if (abi >= 6) {
		/* Scopes alone: no file access is handled, so nothing the
		 * broker or the worker does with files changes. */
		attr.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		size = sizeof(attr);
	} else if (abi >= 2) {
		/* A ruleset must handle something.  Making devices and
		 * sockets by path is what neither the broker nor the worker
		 * does (mknod makes only FIFOs and files, bind(2) is not the
		 * broker's), so those are handled with no rule; layers
		 * intersect and the worker inherits this one.  A domain that
		 * handles any file access refuses renames across folders
		 * (EXDEV) unless REFER is granted: it is, everywhere. */
		attr.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_CHAR |
		    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		    LANDLOCK_ACCESS_FS_REFER;
		size = offsetof(struct scope_attr, handled_access_net);
	} else {
		/* ABI 1 cannot allow renames across folders at all. */
		log_info("confine: Landlock ABI 1 is too old to scope the broker");
		return 0;
	}
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0)) == -1)
		return -1;
	if (abi < 6) {
		struct landlock_path_beneath_attr pb;

		memset(&pb, 0, sizeof(pb));
		pb.allowed_access = LANDLOCK_ACCESS_FS_REFER;
		if ((pb.parent_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
			close(rs);
			return -1;
		}
		r = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(pb.parent_fd);
		if (r == -1) {
			close(rs);
			return -1;
		}
	}
	r = (int)syscall(SYS_landlock_restrict_self, rs, 0);
	close(rs);
	if (r == -1)
		return -1;
	/* Any Landlock domain limits ptrace-class access to itself and the
	 * domains nested in it (landlock(7), "Ptrace restrictions"). */
	log_info("confine: Landlock ABI %d domain: ptrace-class access%s scoped to the worker", abi,
	    abi >= 6 ? ", signals and abstract sockets" : "");
	return 0;
}

/* ---- step 2b, 2c: capabilities ------------------------------------------ */

static const struct {
	cap_value_t cap;
	int transparent_only;
	int chown_only;
	int run_only; /* not for the daemon: it has no worker to signal */
} kept_caps[] = {
	{ CAP_DAC_OVERRIDE, 0, 0, 0 },
	{ CAP_FOWNER, 0, 0, 0 },
	{ CAP_CHOWN, 0, 1, 0 },
	{ CAP_KILL, 0, 0, 1 },
	{ CAP_SYS_PTRACE, 1, 0, 0 },
};

/* Does the calling thread have cap in its effective set? */
static int
cap_effective(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t c;

	if ((c = cap_get_proc()) == NULL)
		return 0;
	cap_get_flag(c, cap, CAP_EFFECTIVE, &v);
	cap_free(c);
	return v == CAP_SET;
}

static int
drop_bounding_and_lock(void)
{
	int cap, last = (int)cap_max_bits();

	for (cap = 0; cap < last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 && errno != EINVAL)
			return -1;
	for (cap = 0; cap < last; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0) {
			errno = EPERM;
			return -1;
		}
	}
	if (prctl(PR_SET_SECUREBITS, CONFINE_SECBITS, 0, 0, 0) == -1)
		return -1;
	if (prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != CONFINE_SECBITS) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Keep kept_caps (those that apply to o and that we have) in permitted and
 * effective; nothing else anywhere.  Names what was kept into buf. */
static int
set_caps(const struct confine_opts *o, char *buf, size_t size)
{
	cap_value_t keep[NELEM(kept_caps)];
	cap_flag_value_t have;
	cap_t now, want = NULL, check = NULL;
	size_t i, n = 0, off = 0;
	char *name;
	int rc = -1;

	buf[0] = '\0';
	if ((now = cap_get_proc()) == NULL)
		return -1;
	for (i = 0; i < NELEM(kept_caps); i++) {
		if (kept_caps[i].transparent_only && !o->transparent)
			continue;
		if (kept_caps[i].chown_only && !o->chown_new)
			continue;
		if (kept_caps[i].run_only && o->daemon)
			continue;
		if (cap_get_flag(now, kept_caps[i].cap, CAP_PERMITTED, &have) == -1 ||
		    have != CAP_SET)
			continue;
		keep[n++] = kept_caps[i].cap;
		if ((name = cap_to_name(kept_caps[i].cap)) != NULL) {
			int m = snprintf(buf + off, size - off, "%s%s", off ? "," : "", name);

			if (m > 0 && (size_t)m < size - off)
				off += (size_t)m;
			cap_free(name);
		}
	}
	if ((want = cap_init()) == NULL)
		goto out;
	if (n > 0 &&
	    (cap_set_flag(want, CAP_PERMITTED, (int)n, keep, CAP_SET) == -1 ||
		cap_set_flag(want, CAP_EFFECTIVE, (int)n, keep, CAP_SET) == -1))
		goto out;
	if (cap_set_proc(want) == -1)
		goto out;
	/* Ambient is a subset of permitted and inheritable, so it is empty
	 * now; say so explicitly all the same (no-op without support). */
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() == -1)
		goto out;
	if ((check = cap_get_proc()) == NULL)
		goto out;
	if (cap_compare(check, want) != 0) {
		errno = EPERM;
		goto out;
	}
	rc = 0;
out:
	cap_free(now);
	cap_free(want);
	cap_free(check);
	return rc;
}

/* ---- step 2e: the seccomp allowlist -------------------------------------- */

/* Never allowed, whatever the rest of the table says. */
/* clang-format off */
const char *const confine_forbidden[] = {
	"execve", "execveat",
	"ptrace", "process_madvise", "kcmp",
	"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
	"open_tree", "move_mount", "mount_setattr",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"bpf", "perf_event_open", "userfaultfd",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
	"setfsgid", "setgroups", "capset",
	"unshare", "setns", "clone", "clone3", "fork", "vfork",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"open_by_handle_at", "name_to_handle_at",
	"keyctl", "add_key", "request_key",
	"prctl", "seccomp", "personality", "landlock_restrict_self",
	"iopl", "ioperm", "modify_ldt", "swapon", "swapoff", "reboot", "acct", "quotactl",
	NULL,
};
/* clang-format on */

enum {
	ANY = 0,     /* every broker */
	NOTIFY = 1,  /* transparent mode: serves a listener (always in the daemon) */
	CHOWN = 2,   /* gives files to the worker */
	SAN = 4,     /* sanitizer builds only: LeakSanitizer at exit */
	RUN = 8,     /* filebroker run: has a worker to wait for and signal */
	DAEMON = 16, /* filebroker serve: peers, status clients, reloads */
};

enum argrule {
	A_NONE,
	A_NO_EXEC,	/* mmap, mprotect: arg 2 (prot) without PROT_EXEC */
	A_SEQPACKET,	/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) */
	A_UNIX_DGRAM,	/* socket(AF_UNIX, SOCK_DGRAM [| flags], 0) */
	A_IOCTL,	/* ioctl(fd, FS_IOC_GETFLAGS), ioctl(fd, SIOCOUTQ); in transparent mode also
			    SECCOMP_IOCTL_NOTIF_* and PIDFD_GET_INFO */
	A_SELF,		/* tgkill(getpid(), ...) */
	A_RENAME_FLAGS, /* renameat2(..., 0 | NOREPLACE | EXCHANGE), no WHITEOUT */
	A_SOL_SOCKET,	/* setsockopt, getsockopt(fd, SOL_SOCKET, ...) */
	A_MEMFD,	/* memfd_create(name, CLOEXEC | ALLOW_SEALING [| NOEXEC_SEAL]) */
	A_LSAN_PRCTL,	/* prctl(PR_GET/SET_DUMPABLE, PR_SET_PTRACER, PR_SET_PDEATHSIG) */
	A_LSAN_CLONE,	/* clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED) */
};

static const struct {
	const char *name;
	unsigned when;
	enum argrule arg;
} allowed[] = {
	/* The event loop: epoll, the connections, the signalfd. */
	{ "epoll_wait", ANY, A_NONE },
	{ "epoll_pwait", ANY, A_NONE },
	{ "epoll_ctl", ANY, A_NONE },
	{ "recvmsg", ANY, A_NONE },
	{ "sendmsg", ANY, A_NONE },
	{ "read", ANY, A_NONE },
	{ "write", ANY, A_NONE },
	{ "close", ANY, A_NONE },
	{ "fcntl", ANY, A_NONE },
	{ "lseek", ANY, A_NONE },
	/* FB_MSG_CHANNEL: a new pair, nothing else. */
	{ "socketpair", ANY, A_SEQPACKET },
	/* Resolving and acting on paths (resolve.c, ops.c). */
	{ "openat", ANY, A_NONE },
	{ "openat2", ANY, A_NONE },
	{ "newfstatat", ANY, A_NONE },
	{ "fstat", ANY, A_NONE },
	/* Folders that fold case (fold.c): each object's mount, the kind
	 * of file system of a mount (statmount, unknown to libseccomp
	 * 2.5.4: by number, see syscall_number()), a folder's casefold flag
	 * (FS_IOC_GETFLAGS, see A_IOCTL) and its entries.  fstatfs also
	 * answers statfs(2) in transparent mode and says whether a
	 * descriptor to hand out is on a process file system
	 * (task_proc_check()). */
	{ "statx", ANY, A_NONE },
	{ "statmount", ANY, A_NONE },
	{ "fstatfs", ANY, A_NONE },
	{ "getdents64", ANY, A_NONE },
	{ "ioctl", ANY, A_IOCTL },
	{ "readlinkat", ANY, A_NONE },
	{ "readlink", ANY, A_NONE },
	{ "faccessat", ANY, A_NONE },
	{ "faccessat2", ANY, A_NONE },
	{ "mkdirat", ANY, A_NONE },
	{ "unlinkat", ANY, A_NONE },
	{ "renameat", ANY, A_NONE },
	{ "renameat2", ANY, A_RENAME_FLAGS },
	{ "fchownat", CHOWN, A_NONE },
	/* What the broker makes gets the worker's mode, through its
	 * /proc/self/fd, whatever the broker's umask took (ops_new_mode()),
	 * a folder, FIFO or file made by name once given (ops_names.c); and
	 * chmod, truncate and symlink, on the wire (fb_chmod() ...) as in
	 * transparent mode. */
	{ "fchmodat", ANY, A_NONE },
	{ "ftruncate", ANY, A_NONE },
	{ "symlinkat", ANY, A_NONE },
	/* Transparent mode (notify.c). */
	{ "linkat", NOTIFY, A_NONE },
	{ "mknodat", NOTIFY, A_NONE },
	{ "utimensat", NOTIFY, A_NONE },
	{ "pidfd_getfd", NOTIFY, A_NONE },
	{ "inotify_add_watch", NOTIFY, A_NONE },
	{ "process_vm_readv", NOTIFY, A_NONE },
	{ "process_vm_writev", NOTIFY, A_NONE },
	/* And run's explicit mode in a PID namespace: a sender's number
	 * there, held by a pidfd of it (task_ns_pid()). */
	{ "pidfd_open", ANY, A_NONE },
	/* Audit sinks (audit.h): a file sink may fdatasync; the syslog sink
	 * sends datagrams, and reconnects a datagram socket once when the
	 * daemon went away.  SOCK_DGRAM cannot connect to a stream server
	 * (a container runtime's or D-Bus's socket): EPROTOTYPE. */
	{ "fdatasync", ANY, A_NONE },
	{ "sendto", ANY, A_NONE },
	{ "socket", ANY, A_UNIX_DGRAM },
	{ "connect", ANY, A_NONE },
	{ "setsockopt", ANY, A_SOL_SOCKET },
	{ "poll", ANY, A_NONE },
	{ "ppoll", ANY, A_NONE },
	/* The server's tick (loop.h, server_tick()): made before, armed
	 * while serving (conn.c polls the sockets of a session at its
	 * budget of descriptors out). */
	{ "timerfd_settime", ANY, A_NONE },
	/* The journal sink: libsystemd opens its datagram socket lazily, on
	 * the first record, and passes a record too large for a datagram in
	 * a sealed memfd (written with writev; never executable: execve and
	 * execveat kill). */
	{ "writev", ANY, A_NONE },
	{ "memfd_create", ANY, A_MEMFD },
	/* The worker and its leftovers (run.c). */
	{ "wait4", RUN, A_NONE },
	{ "kill", RUN, A_NONE },
	{ "pidfd_send_signal", RUN, A_NONE },
	{ "getpid", ANY, A_NONE },
	/* The daemon (daemon.c): peers and status clients connect, and
	 * who they are comes from SO_PEERCRED, SO_PEERGROUPS, SO_PEERPIDFD;
	 * geteuid says whether a peer's new files are given to it.
	 * A SIGHUP reload parses the policy again and resolves the names on
	 * its profile lines through NSS: files under /etc, and modules that
	 * list a folder (nss_systemd's /run/systemd/userdb).  A module that
	 * would talk to a daemon over a Unix stream socket or the network
	 * (nscd, userdbd, sssd, LDAP) gets EACCES from socket() instead (see
	 * add_rule()): the name
	 * is then not found and the reload fails, logged, leaving the old
	 * policy in force. */
	{ "accept4", DAEMON, A_NONE },
	/* The wait guard of a peer's listener (loop.h): each serving
	 * thread's timer, made before, armed around a RECV. */
	{ "timer_settime", DAEMON, A_NONE },
	{ "getsockopt", DAEMON, A_SOL_SOCKET },
	{ "geteuid", DAEMON, A_NONE },
	/* Memory: malloc; never executable. */
	{ "brk", ANY, A_NONE },
	{ "mmap", ANY, A_NO_EXEC },
	{ "mprotect", ANY, A_NO_EXEC },
	{ "munmap", ANY, A_NONE },
	{ "mremap", ANY, A_NONE },
	{ "madvise", ANY, A_NONE },
	{ "futex", ANY, A_NONE },
	/* Time: the vDSO answers, but falls back to the syscall when the
	 * clock source has no vDSO support. */
	{ "clock_gettime", ANY, A_NONE },
	/* server_spin(): a thread polling for its next request gives way
	 * to another task of its CPU (loop_thread.c). */
	{ "sched_yield", ANY, A_NONE },
	{ "gettimeofday", ANY, A_NONE },
	/* Exit paths: exit(), and abort() after a fortify or stack-protector
	 * failure, which raises SIGABRT on itself. */
	{ "exit_group", ANY, A_NONE },
	{ "exit", ANY, A_NONE },
	{ "rt_sigprocmask", ANY, A_NONE },
	{ "rt_sigaction", ANY, A_NONE },
	{ "rt_sigreturn", ANY, A_NONE },
	{ "restart_syscall", ANY, A_NONE },
	{ "gettid", ANY, A_NONE },
	{ "tgkill", ANY, A_SELF },
	/* LeakSanitizer's StopTheWorld: a tracer sharing our memory, made
	 * with exactly these clone flags (not fork's), that attaches to our
	 * threads, lists them and reads their registers; it waits for each
	 * thread to stop, and we wait for it (wait4: the daemon has no other
	 * use for it). */
	{ "wait4", SAN, A_NONE },
	{ "prctl", SAN, A_LSAN_PRCTL },
	{ "clone", SAN, A_LSAN_CLONE },
	{ "ptrace", SAN, A_NONE },
	{ "getppid", SAN, A_NONE },
	{ "sigaltstack", SAN, A_NONE },
	{ "getdents64", SAN, A_NONE },
	{ "open", SAN, A_NONE },
	{ "getdents", SAN, A_NONE },
};

static int
is_forbidden(const char *name)
{
	size_t i;

	for (i = 0; confine_forbidden[i] != NULL; i++)
		if (strcmp(confine_forbidden[i], name) == 0)
			return 1;
	return 0;
}

/* A syscall's number on x86_64: libseccomp's, or for one newer than it
 * (2.5.4 predates Linux 6.8), ours. */
static int
syscall_number(const char *name)
{
	static const struct {
		const char *name;
		int nr;
	} newer[] = {
		{ "statmount", 457 },
	};
	int nr = seccomp_syscall_resolve_name(name);
	size_t i;

	for (i = 0; nr == __NR_SCMP_ERROR && i < NELEM(newer); i++)
		if (strcmp(newer[i].name, name) == 0)
			nr = newer[i].nr;
	return nr;
}

static int
add_rule(scmp_filter_ctx ctx, const char *name, enum argrule arg, pid_t self, unsigned have)
{
	static const unsigned long notif[] = {
		SECCOMP_IOCTL_NOTIF_RECV,
		SECCOMP_IOCTL_NOTIF_SEND,
		SECCOMP_IOCTL_NOTIF_ID_VALID,
		SECCOMP_IOCTL_NOTIF_ADDFD,
		CONFINE_NOTIF_SET_FLAGS,
		CONFINE_PIDFD_GET_INFO,
	};
	int nr = syscall_number(name), rc = 0;
	size_t i;

	if (nr == __NR_SCMP_ERROR)
		return -EINVAL;
	switch (arg) {
	case A_NONE:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case A_NO_EXEC:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case A_SEQPACKET:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 3, SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
		    SCMP_A1(SCMP_CMP_EQ, SOCK_SEQPACKET | SOCK_CLOEXEC), SCMP_A2(SCMP_CMP_EQ, 0));
	case A_UNIX_DGRAM:
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 3, SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM), SCMP_A2(SCMP_CMP_EQ, 0));
		if (rc != 0 || !(have & DAEMON))
			return rc;
		/* The daemon's NSS lookups on reload (glibc asks nscd first,
		 * over a stream socket, every 100 s; see the table): EACCES,
		 * no socket, and the lookup goes on without that source.  Any
		 * other family, and any other Unix socket type, still kills. */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 1,
		    SCMP_A0(SCMP_CMP_NE, AF_UNIX));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 2,
			    SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM));
		return rc;
	case A_IOCTL:
		/* Compared on all 64 bits: a request with stray high bits is
		 * not one the broker makes, so it kills.  FS_IOC_GETFLAGS: does a
		 * folder fold case (fold.c); SIOCOUTQ: has the worker taken the
		 * descriptors sent (conn.c). */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)FS_IOC_GETFLAGS));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)SIOCOUTQ));
		for (i = 0; (have & NOTIFY) && i < NELEM(notif) && rc == 0; i++)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)notif[i]));
		return rc;
	case A_SELF:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self));
	case A_RENAME_FLAGS:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A4(SCMP_CMP_MASKED_EQ,
			0xffffffffu & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE), 0));
	case A_MEMFD:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ,
			0xffffffffu &
			    ~(unsigned)(MFD_CLOEXEC | MFD_ALLOW_SEALING | CONFINE_MFD_NOEXEC_SEAL),
			0));
	case A_LSAN_PRCTL:
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, PR_GET_DUMPABLE));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A0(SCMP_CMP_EQ, PR_SET_DUMPABLE));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A0(SCMP_CMP_EQ, PR_SET_PTRACER));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG));
		return rc;
	case A_LSAN_CLONE:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED));
	case A_SOL_SOCKET:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET));
	}
	return -EINVAL;
}

/* Was allowed[i]'s syscall already added for have (a call both the daemon
 * and LeakSanitizer make)? */
static int
seen_before(size_t i, unsigned have)
{
	size_t j;

	for (j = 0; j < i; j++)
		if ((allowed[j].when & have) == allowed[j].when &&
		    strcmp(allowed[j].name, allowed[i].name) == 0)
			return 1;
	return 0;
}

/* The rows of allowed[] that apply to o: each row's `when` bits must all
 * be in this. */
static unsigned
have_of(const struct confine_opts *o)
{
	unsigned have = ANY;

	/* The daemon's filter holds the transparent-mode calls whatever o
	 * says: any peer may hand over its listener (CAP_SYS_PTRACE, needed
	 * for peers of other uids, is still kept only with o->transparent). */
	if (o->transparent || o->daemon)
		have |= NOTIFY;
	if (o->chown_new)
		have |= CHOWN;
	have |= o->daemon ? DAEMON : RUN;
	if (CONFINE_SANITIZER)
		have |= SAN;
	return have;
}

int
confine_allows(const struct confine_opts *o, const char *name)
{
	unsigned have = have_of(o);
	size_t i;

	if (is_forbidden(name))
		return 0;
	for (i = 0; i < NELEM(allowed); i++)
		if ((allowed[i].when & have) == allowed[i].when &&
		    strcmp(allowed[i].name, name) == 0)
			return 1;
	return 0;
}

/* Build the filter for o; *nrules is the number of syscalls allowed. */
static scmp_filter_ctx
build_filter(const struct confine_opts *o, int *nrules)
{
	scmp_filter_ctx ctx;
	unsigned have = have_of(o);
	pid_t self = getpid();
	size_t i;
	int rc, n = 0;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* i386 (int $0x80) and x32 numbers would be other syscalls with the
	 * same numbers: kill.  no_new_privs is set (and checked) by us. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		goto fail;
	for (i = 0; i < NELEM(allowed); i++) {
		if ((allowed[i].when & have) != allowed[i].when)
			continue;
		/* A broken invariant, caught before anything is loaded. */
		if (allowed[i].when != SAN && is_forbidden(allowed[i].name)) {
			rc = -EINVAL;
			goto fail;
		}
		if (seen_before(i, have))
			continue;
		if ((rc = add_rule(ctx, allowed[i].name, allowed[i].arg, self, have)) < 0)
			goto fail;
		n++;
	}
	*nrules = n;
	return ctx;
fail:
	seccomp_release(ctx);
	errno = -rc;
	return NULL;
}

int
confine_filter_size(const struct confine_opts *o)
{
	scmp_filter_ctx ctx;
	int n;

	if ((ctx = build_filter(o, &n)) == NULL)
		return -1;
	seccomp_release(ctx);
	return n;
}

/* ---- step 2 --------------------------------------------------------------- */

static int
nthreads(void)
{
	char buf[4096];
	long n;

	if (proc_status_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) == -1 ||
	    proc_status_long(buf, "Threads", &n) == -1)
		return -1;
	return (int)n;
}

/*
 * The daemon resolves user and group names again on every reload.  glibc
 * loads an NSS module (nss_systemd, nss_ldap, ...) the first time a lookup
 * reaches it, with dlopen(), whose PROT_EXEC mappings the filter kills, and
 * never unloads it.  A lookup of a name no database can hold, while we are
 * still free to map code, walks every source of both chains: from then on
 * each module is in memory.
 */
static void
nss_load(void)
{
	char buf[4096];
	struct passwd pw, *pwr;
	struct group gr, *grr;

	(void)getpwnam_r("filebroker:nss-load", &pw, buf, sizeof(buf), &pwr);
	(void)getgrnam_r("filebroker:nss-load", &gr, buf, sizeof(buf), &grr);
}

int
confine_broker(const struct confine_opts *o)
{
	char kept[256];
	scmp_filter_ctx ctx;
	int rc, nrules, root;

	/* a. Capabilities, no_new_privs and the filter are per thread. */
	if (nthreads() != 1) {
		errno = EBUSY;
		return -1;
	}
	if (o->daemon)
		nss_load();
	/* Built first: a filter that cannot be built stops us before any
	 * privilege is gone, with the error that says why. */
	if ((ctx = build_filter(o, &nrules)) == NULL)
		return -1;

	/* b. Bounding set and securebits need CAP_SETPCAP, so they go
	 * before the capabilities themselves. */
	root = cap_effective(CAP_SETPCAP);
	if (root && drop_bounding_and_lock() == -1)
		goto fail;
	/* c. */
	if (set_caps(o, kept, sizeof(kept)) == -1)
		goto fail;
	/* d. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		goto fail;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		errno = EPERM;
		goto fail;
	}
	/* Threads now: they inherit what a-d set, which is per thread. */
	if (o->spawn != NULL) {
		if (o->spawn(o->spawn_arg) == -1)
			goto fail;
		if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
			errno = -rc;
			goto fail;
		}
	}
	/* e. Last: it refuses prctl and capset, which the steps above use.
	 * With TSYNC, on every thread at once, or on none (and fails). */
	if ((rc = seccomp_load(ctx)) < 0) {
		errno = -rc;
		goto fail;
	}
	seccomp_release(ctx);
	log_info("confine: capabilities kept: %s; bounding set %s; securebits %s; "
		 "no_new_privs; not dumpable; seccomp allowlist of %d syscalls, "
		 "anything else kills",
	    kept[0] ? kept : "none", root ? "empty" : "unchanged (no CAP_SETPCAP)",
	    root ? "locked" : "unchanged", nrules);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
