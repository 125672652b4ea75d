/*
 * seccomp_filter.c: the worker's seccomp filters; see seccomp_filter.h.
 *
 * An allowlist, built with libseccomp from the table below: a syscall the
 * table does not name fails with ENOSYS, so a path-taking syscall added by a
 * newer kernel (fchmodat2, *xattrat, file_getattr ...) is refused without
 * anyone remembering it, and libc falls back to an older call.  Only x86_64
 * is in the filter; libseccomp sends other audit arches (i386 through
 * int $0x80) and x32 numbers (nr | 0x40000000) to the bad-arch action, which
 * kills the process.
 *
 * libseccomp cannot say "allow unless the argument is X" (an unconditional
 * rule swallows the conditional ones, and one rule compares an argument
 * once), so ioctl and prctl are allowed here and a second, tiny filter
 * refuses the few bad values: the kernel runs every filter and takes the
 * most restrictive answer (ERRNO beats ALLOW, and never weakens a NOTIFY
 * because it only touches ioctl and prctl).  Values are compared on their
 * low 32 bits, because the kernel truncates int and unsigned int arguments:
 * TIOCSTI | 1 << 32 is TIOCSTI.
 *
 * The filters are exported as BPF and installed with the raw seccomp(2)
 * call: libseccomp 2.5.4 cannot set SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp_filter.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U /* 6.3 */
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* Every namespace flag clone(2) takes (CLONE_NEWTIME is clone3/unshare only). */
#define SF_CLONE_NS \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	    CLONE_NEWPID | CLONE_NEWNET)

#define LOW32 0xffffffffULL

enum sf_action {
	SF_ALLOW,   /* allowed as is: works on descriptors or memory the worker holds */
	SF_PATH,    /* core path syscall: notified (transparent) or EACCES (explicit) */
	SF_FDMETA,  /* metadata write on a descriptor: notified (transparent) or
		    * EPERM (explicit) */
	SF_EXEC,    /* execve: notified (transparent: recorded, then the kernel
		    * goes on) or allowed (explicit); Landlock decides */
	SF_EXECAT,  /* execveat: notified (transparent) or EPERM (explicit) */
	SF_NOXATTR, /* xattrs by path, and writing them by descriptor:
		     * EOPNOTSUPP, which programs such as ls take as "no
		     * attributes" and cp -a as "no ACLs" rather than an error */
	SF_EPERM,   /* escape hatch, privileged or kernel-surface reduction */
	SF_ENOSYS,  /* refused so that libc falls back (clone3 -> clone) */
	SF_NET,	    /* allowed with allow_net, EPERM without */
	SF_ARGS,    /* decided on arguments: sf_add_args() */
	SF_GUARD,   /* allowed here, bad values refused by the guard filter */
};

struct sf_row {
	const char *name;
	enum sf_action action;
	int notable; /* listed by the describe output */
};

/* clang-format off */
static const struct sf_row sf_table[] = {
	/* Descriptors the worker holds (inherited stdio, the broker socket,
	 * what the broker hands over): I/O and metadata of the fd itself. */
	{ "read", SF_ALLOW, 0 }, { "write", SF_ALLOW, 0 }, { "readv", SF_ALLOW, 0 },
	{ "writev", SF_ALLOW, 0 }, { "pread64", SF_ALLOW, 0 }, { "pwrite64", SF_ALLOW, 0 },
	{ "preadv", SF_ALLOW, 0 }, { "pwritev", SF_ALLOW, 0 }, { "preadv2", SF_ALLOW, 0 },
	{ "pwritev2", SF_ALLOW, 0 }, { "lseek", SF_ALLOW, 0 }, { "close", SF_ALLOW, 0 },
	{ "close_range", SF_ALLOW, 0 }, { "dup", SF_ALLOW, 0 }, { "dup2", SF_ALLOW, 0 },
	{ "dup3", SF_ALLOW, 0 }, { "fcntl", SF_ALLOW, 0 }, { "flock", SF_ALLOW, 0 },
	{ "fsync", SF_ALLOW, 0 }, { "fdatasync", SF_ALLOW, 0 }, { "syncfs", SF_ALLOW, 0 },
	{ "sync", SF_ALLOW, 0 }, { "sync_file_range", SF_ALLOW, 0 },
	{ "ftruncate", SF_ALLOW, 0 }, { "fallocate", SF_ALLOW, 0 },
	{ "fadvise64", SF_ALLOW, 0 }, { "readahead", SF_ALLOW, 0 },
	{ "getdents", SF_ALLOW, 0 }, { "getdents64", SF_ALLOW, 0 }, { "fstat", SF_ALLOW, 0 },
	{ "fstatfs", SF_ALLOW, 0 }, { "fgetxattr", SF_ALLOW, 0 }, { "flistxattr", SF_ALLOW, 0 },
	{ "sendfile", SF_ALLOW, 0 }, { "copy_file_range", SF_ALLOW, 0 },
	{ "splice", SF_ALLOW, 0 }, { "tee", SF_ALLOW, 0 }, { "vmsplice", SF_ALLOW, 0 },
	{ "pipe", SF_ALLOW, 0 }, { "pipe2", SF_ALLOW, 0 }, { "getcwd", SF_ALLOW, 0 },
	{ "inotify_init", SF_ALLOW, 0 }, { "inotify_init1", SF_ALLOW, 0 },
	{ "inotify_rm_watch", SF_ALLOW, 0 },
	{ "io_setup", SF_ALLOW, 0 }, { "io_destroy", SF_ALLOW, 0 }, { "io_submit", SF_ALLOW, 0 },
	{ "io_cancel", SF_ALLOW, 0 }, { "io_getevents", SF_ALLOW, 0 },
	{ "io_pgetevents", SF_ALLOW, 0 },
	/* Memory. */
	{ "mmap", SF_ALLOW, 0 }, { "munmap", SF_ALLOW, 0 }, { "mprotect", SF_ALLOW, 0 },
	{ "mremap", SF_ALLOW, 0 }, { "madvise", SF_ALLOW, 0 }, { "msync", SF_ALLOW, 0 },
	{ "mincore", SF_ALLOW, 0 }, { "mlock", SF_ALLOW, 0 }, { "mlock2", SF_ALLOW, 0 },
	{ "munlock", SF_ALLOW, 0 }, { "mlockall", SF_ALLOW, 0 }, { "munlockall", SF_ALLOW, 0 },
	{ "brk", SF_ALLOW, 0 }, { "pkey_alloc", SF_ALLOW, 0 }, { "pkey_free", SF_ALLOW, 0 },
	{ "pkey_mprotect", SF_ALLOW, 0 }, { "membarrier", SF_ALLOW, 0 },
	{ "remap_file_pages", SF_ALLOW, 0 }, { "get_mempolicy", SF_ALLOW, 0 },
	{ "set_mempolicy", SF_ALLOW, 0 }, { "mbind", SF_ALLOW, 0 },
	/* Threads, scheduling, time. */
	{ "futex", SF_ALLOW, 0 }, { "futex_waitv", SF_ALLOW, 0 },
	{ "set_robust_list", SF_ALLOW, 0 }, { "set_tid_address", SF_ALLOW, 0 },
	{ "rseq", SF_ALLOW, 0 }, { "arch_prctl", SF_ALLOW, 0 },
	{ "restart_syscall", SF_ALLOW, 0 }, { "sched_yield", SF_ALLOW, 0 },
	{ "sched_getaffinity", SF_ALLOW, 0 }, { "sched_setaffinity", SF_ALLOW, 0 },
	{ "sched_getparam", SF_ALLOW, 0 }, { "sched_setparam", SF_ALLOW, 0 },
	{ "sched_getscheduler", SF_ALLOW, 0 }, { "sched_setscheduler", SF_ALLOW, 0 },
	{ "sched_get_priority_max", SF_ALLOW, 0 }, { "sched_get_priority_min", SF_ALLOW, 0 },
	{ "sched_rr_get_interval", SF_ALLOW, 0 }, { "sched_getattr", SF_ALLOW, 0 },
	{ "sched_setattr", SF_ALLOW, 0 }, { "getcpu", SF_ALLOW, 0 },
	{ "getpriority", SF_ALLOW, 0 }, { "nanosleep", SF_ALLOW, 0 },
	{ "clock_nanosleep", SF_ALLOW, 0 }, { "clock_gettime", SF_ALLOW, 0 },
	{ "clock_getres", SF_ALLOW, 0 }, { "gettimeofday", SF_ALLOW, 0 },
	{ "time", SF_ALLOW, 0 }, { "getitimer", SF_ALLOW, 0 }, { "setitimer", SF_ALLOW, 0 },
	{ "alarm", SF_ALLOW, 0 }, { "timer_create", SF_ALLOW, 0 },
	{ "timer_settime", SF_ALLOW, 0 }, { "timer_gettime", SF_ALLOW, 0 },
	{ "timer_getoverrun", SF_ALLOW, 0 }, { "timer_delete", SF_ALLOW, 0 },
	{ "timerfd_create", SF_ALLOW, 0 }, { "timerfd_settime", SF_ALLOW, 0 },
	{ "timerfd_gettime", SF_ALLOW, 0 },
	/* Signals: Landlock (ABI 6) scopes them to the worker's own domain. */
	{ "rt_sigaction", SF_ALLOW, 0 }, { "rt_sigprocmask", SF_ALLOW, 0 },
	{ "rt_sigreturn", SF_ALLOW, 0 }, { "rt_sigpending", SF_ALLOW, 0 },
	{ "rt_sigtimedwait", SF_ALLOW, 0 }, { "rt_sigsuspend", SF_ALLOW, 0 },
	{ "rt_sigqueueinfo", SF_ALLOW, 0 }, { "rt_tgsigqueueinfo", SF_ALLOW, 0 },
	{ "sigaltstack", SF_ALLOW, 0 }, { "kill", SF_ALLOW, 0 }, { "tgkill", SF_ALLOW, 0 },
	{ "tkill", SF_ALLOW, 0 }, { "pause", SF_ALLOW, 0 }, { "pidfd_open", SF_ALLOW, 0 },
	{ "pidfd_send_signal", SF_ALLOW, 0 },
	/* Waiting on descriptors. */
	{ "eventfd", SF_ALLOW, 0 }, { "eventfd2", SF_ALLOW, 0 }, { "signalfd", SF_ALLOW, 0 },
	{ "signalfd4", SF_ALLOW, 0 }, { "epoll_create", SF_ALLOW, 0 },
	{ "epoll_create1", SF_ALLOW, 0 }, { "epoll_ctl", SF_ALLOW, 0 },
	{ "epoll_wait", SF_ALLOW, 0 }, { "epoll_pwait", SF_ALLOW, 0 },
	{ "epoll_pwait2", SF_ALLOW, 0 }, { "poll", SF_ALLOW, 0 }, { "ppoll", SF_ALLOW, 0 },
	{ "select", SF_ALLOW, 0 }, { "pselect6", SF_ALLOW, 0 },
	/* Sockets the worker already holds (the broker's SEQPACKET socket,
	 * socketpair()s); socket() and socketpair() are in sf_add_args(). */
	{ "sendmsg", SF_ALLOW, 0 }, { "recvmsg", SF_ALLOW, 0 }, { "sendto", SF_ALLOW, 0 },
	{ "recvfrom", SF_ALLOW, 0 }, { "sendmmsg", SF_ALLOW, 0 }, { "recvmmsg", SF_ALLOW, 0 },
	{ "shutdown", SF_ALLOW, 0 }, { "getsockopt", SF_ALLOW, 0 },
	{ "setsockopt", SF_ALLOW, 0 }, { "getsockname", SF_ALLOW, 0 },
	{ "getpeername", SF_ALLOW, 0 },
	{ "connect", SF_NET, 0 }, { "bind", SF_NET, 0 }, { "listen", SF_NET, 0 },
	{ "accept", SF_NET, 0 }, { "accept4", SF_NET, 0 },
	/* Processes.  execve and execveat are gated by Landlock's exec
	 * rules; in transparent mode the broker records each first. */
	{ "fork", SF_ALLOW, 0 }, { "vfork", SF_ALLOW, 0 }, { "execve", SF_EXEC, 0 },
	{ "execveat", SF_EXECAT, 0 },
	{ "wait4", SF_ALLOW, 0 }, { "waitid", SF_ALLOW, 0 }, { "exit", SF_ALLOW, 0 },
	{ "exit_group", SF_ALLOW, 0 }, { "getpid", SF_ALLOW, 0 }, { "getppid", SF_ALLOW, 0 },
	{ "gettid", SF_ALLOW, 0 }, { "getuid", SF_ALLOW, 0 }, { "geteuid", SF_ALLOW, 0 },
	{ "getgid", SF_ALLOW, 0 }, { "getegid", SF_ALLOW, 0 }, { "getresuid", SF_ALLOW, 0 },
	{ "getresgid", SF_ALLOW, 0 }, { "getgroups", SF_ALLOW, 0 }, { "getpgid", SF_ALLOW, 0 },
	{ "getpgrp", SF_ALLOW, 0 }, { "getsid", SF_ALLOW, 0 }, { "setsid", SF_ALLOW, 0 },
	{ "setpgid", SF_ALLOW, 0 }, { "capget", SF_ALLOW, 0 },
	/* The kernel refuses every privileged change: no capabilities,
	 * securebits locked; allowed so that setuid(getuid()) still works. */
	{ "setuid", SF_ALLOW, 0 }, { "setgid", SF_ALLOW, 0 }, { "setreuid", SF_ALLOW, 0 },
	{ "setregid", SF_ALLOW, 0 }, { "setresuid", SF_ALLOW, 0 },
	{ "setresgid", SF_ALLOW, 0 }, { "setfsuid", SF_ALLOW, 0 }, { "setfsgid", SF_ALLOW, 0 },
	{ "setgroups", SF_ALLOW, 0 },
	{ "uname", SF_ALLOW, 0 }, { "sysinfo", SF_ALLOW, 0 }, { "getrusage", SF_ALLOW, 0 },
	{ "times", SF_ALLOW, 0 }, { "umask", SF_ALLOW, 0 }, { "getrandom", SF_ALLOW, 0 },
	{ "getrlimit", SF_ALLOW, 0 }, { "setrlimit", SF_ALLOW, 0 },
	{ "ioprio_get", SF_ALLOW, 0 },
	/* Landlock only ever narrows what the worker can do. */
	{ "landlock_create_ruleset", SF_ALLOW, 0 }, { "landlock_add_rule", SF_ALLOW, 0 },
	{ "landlock_restrict_self", SF_ALLOW, 0 },
	{ "ioctl", SF_GUARD, 0 }, { "prctl", SF_GUARD, 0 },

	/* The path syscalls the broker answers. */
	{ "open", SF_PATH, 0 }, { "openat", SF_PATH, 0 }, { "openat2", SF_PATH, 0 },
	{ "creat", SF_PATH, 0 }, { "stat", SF_PATH, 0 }, { "lstat", SF_PATH, 0 },
	{ "access", SF_PATH, 0 }, { "faccessat", SF_PATH, 0 }, { "faccessat2", SF_PATH, 0 },
	{ "readlink", SF_PATH, 0 }, { "readlinkat", SF_PATH, 0 }, { "mkdir", SF_PATH, 0 },
	{ "mkdirat", SF_PATH, 0 }, { "unlink", SF_PATH, 0 }, { "unlinkat", SF_PATH, 0 },
	{ "rmdir", SF_PATH, 0 }, { "rename", SF_PATH, 0 }, { "renameat", SF_PATH, 0 },
	{ "renameat2", SF_PATH, 0 },
	/* chdir and fchdir: the broker checks that the worker may stat the
	 * folder and lets the kernel go on (the one CONTINUE; see
	 * docs/threat-model.md).  Refused in explicit mode. */
	{ "chdir", SF_PATH, 0 }, { "fchdir", SF_PATH, 0 },
	/* symlink: the new name needs create; the target is only stored. */
	{ "symlink", SF_PATH, 0 }, { "symlinkat", SF_PATH, 0 },
	/* chmod: write on the file; fchmod is further down. */
	{ "chmod", SF_PATH, 0 }, { "fchmodat", SF_PATH, 0 },
	/* statfs: stat on the path; the broker writes the answer.  truncate:
	 * write on the file, as an open for writing. */
	{ "statfs", SF_PATH, 0 }, { "truncate", SF_PATH, 0 },
	/* utime, utimes: utimensat's older forms (futimesat is with it,
	 * further down). */
	{ "utime", SF_PATH, 0 }, { "utimes", SF_PATH, 0 },
	/* inotify_add_watch: list on a folder, read on a file; the broker adds
	 * the watch to the worker's own instance (pidfd_getfd). */
	{ "inotify_add_watch", SF_PATH, 0 },
	/* link: create on the new name, which may allow no more than the
	 * old one. */
	{ "link", SF_PATH, 0 }, { "linkat", SF_PATH, 0 },
	/* mknod: a FIFO or a regular file, create on the name; devices and
	 * sockets EPERM (the broker's answer). */
	{ "mknod", SF_PATH, 0 }, { "mknodat", SF_PATH, 0 },
	/* chown: EPERM, the kernel's own answer to a user who is not root,
	 * which cp -a and tar take as "ownership not kept" and go on. */
	{ "chown", SF_EPERM, 0 }, { "lchown", SF_EPERM, 0 }, { "fchownat", SF_EPERM, 0 },
	{ "getxattr", SF_NOXATTR, 0 }, { "lgetxattr", SF_NOXATTR, 0 },
	{ "listxattr", SF_NOXATTR, 0 }, { "llistxattr", SF_NOXATTR, 0 },
	/* Writing xattrs, ACLs among them: "not supported", on which cp -a,
	 * sed -i and install fall back to a chmod (brokered) instead of
	 * reporting an error. */
	{ "setxattr", SF_NOXATTR, 0 }, { "lsetxattr", SF_NOXATTR, 0 },
	{ "removexattr", SF_NOXATTR, 0 }, { "lremovexattr", SF_NOXATTR, 0 },

	/* Escape hatches. */
	{ "io_uring_setup", SF_EPERM, 1 }, { "io_uring_enter", SF_EPERM, 1 },
	{ "io_uring_register", SF_EPERM, 1 }, { "name_to_handle_at", SF_EPERM, 1 },
	{ "open_by_handle_at", SF_EPERM, 1 }, { "ptrace", SF_EPERM, 1 },
	{ "process_vm_readv", SF_EPERM, 1 }, { "process_vm_writev", SF_EPERM, 1 },
	{ "pidfd_getfd", SF_EPERM, 1 }, { "kcmp", SF_EPERM, 1 },
	{ "process_madvise", SF_EPERM, 0 }, { "process_mrelease", SF_EPERM, 0 },
	{ "get_robust_list", SF_EPERM, 0 }, { "migrate_pages", SF_EPERM, 0 },
	{ "move_pages", SF_EPERM, 0 }, { "perf_event_open", SF_EPERM, 1 },
	{ "bpf", SF_EPERM, 1 }, { "userfaultfd", SF_EPERM, 1 }, { "mount", SF_EPERM, 1 },
	{ "umount2", SF_EPERM, 1 }, { "fsopen", SF_EPERM, 1 }, { "fsconfig", SF_EPERM, 1 },
	{ "fsmount", SF_EPERM, 1 }, { "fspick", SF_EPERM, 1 }, { "open_tree", SF_EPERM, 1 },
	{ "move_mount", SF_EPERM, 1 }, { "mount_setattr", SF_EPERM, 1 },
	{ "chroot", SF_EPERM, 1 }, { "pivot_root", SF_EPERM, 1 }, { "unshare", SF_EPERM, 1 },
	{ "setns", SF_EPERM, 1 }, { "seccomp", SF_EPERM, 1 },
	{ "keyctl", SF_EPERM, 1 }, { "add_key", SF_EPERM, 1 }, { "request_key", SF_EPERM, 1 },
	{ "kexec_load", SF_EPERM, 1 }, { "kexec_file_load", SF_EPERM, 1 },
	{ "init_module", SF_EPERM, 1 }, { "finit_module", SF_EPERM, 1 },
	{ "delete_module", SF_EPERM, 1 }, { "capset", SF_EPERM, 0 },
	/* Metadata writes on descriptors the broker handed out read-only:
	 * the kernel checks ownership, not the open mode.  fchmod is decided
	 * like chmod of the descriptor's path (transparent mode). */
	{ "fchmod", SF_FDMETA, 0 }, { "fchown", SF_EPERM, 0 }, { "fsetxattr", SF_NOXATTR, 0 },
	{ "fremovexattr", SF_NOXATTR, 0 },
	/* Privileged, obsolete, or shared namespaces outside the filesystem. */
	{ "fanotify_init", SF_EPERM, 0 }, { "fanotify_mark", SF_EPERM, 0 },
	{ "quotactl", SF_EPERM, 0 }, { "quotactl_fd", SF_EPERM, 0 }, { "acct", SF_EPERM, 0 },
	{ "swapon", SF_EPERM, 0 }, { "swapoff", SF_EPERM, 0 }, { "reboot", SF_EPERM, 0 },
	{ "syslog", SF_EPERM, 0 }, { "sethostname", SF_EPERM, 0 },
	{ "setdomainname", SF_EPERM, 0 }, { "settimeofday", SF_EPERM, 0 },
	{ "clock_settime", SF_EPERM, 0 }, { "clock_adjtime", SF_EPERM, 0 },
	{ "adjtimex", SF_EPERM, 0 }, { "iopl", SF_EPERM, 0 }, { "ioperm", SF_EPERM, 0 },
	{ "modify_ldt", SF_EPERM, 0 }, { "vhangup", SF_EPERM, 0 }, { "uselib", SF_EPERM, 0 },
	{ "memfd_secret", SF_EPERM, 0 }, { "ioprio_set", SF_EPERM, 0 },
	{ "shmget", SF_EPERM, 0 }, { "shmat", SF_EPERM, 0 }, { "shmdt", SF_EPERM, 0 },
	{ "shmctl", SF_EPERM, 0 }, { "semget", SF_EPERM, 0 }, { "semop", SF_EPERM, 0 },
	{ "semtimedop", SF_EPERM, 0 }, { "semctl", SF_EPERM, 0 }, { "msgget", SF_EPERM, 0 },
	{ "msgsnd", SF_EPERM, 0 }, { "msgrcv", SF_EPERM, 0 }, { "msgctl", SF_EPERM, 0 },
	{ "mq_open", SF_EPERM, 0 }, { "mq_unlink", SF_EPERM, 0 },
	{ "mq_timedsend", SF_EPERM, 0 }, { "mq_timedreceive", SF_EPERM, 0 },
	{ "mq_notify", SF_EPERM, 0 }, { "mq_getsetattr", SF_EPERM, 0 },
	{ "clone3", SF_ENOSYS, 1 },

	/* Decided on arguments. */
	{ "clone", SF_ARGS, 0 }, { "socket", SF_ARGS, 0 }, { "socketpair", SF_ARGS, 0 },
	{ "newfstatat", SF_ARGS, 0 }, { "statx", SF_ARGS, 0 }, { "utimensat", SF_ARGS, 0 },
	{ "futimesat", SF_ARGS, 0 },
	{ "memfd_create", SF_ARGS, 0 }, { "personality", SF_ARGS, 0 },
	{ "setpriority", SF_ARGS, 0 }, { "prlimit64", SF_ARGS, 0 },
};
/* clang-format on */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The argument-decided syscalls that transparent mode sends to the broker
 * (all of them, or those with a path: sf_add_args()). */
static const char *const sf_args_notified[] = { "newfstatat", "statx", "utimensat", "futimesat" };

const char *
seccomp_filter_notified(size_t i)
{
	size_t k;

	for (k = 0; k < NELEM(sf_table); k++) {
		if (sf_table[k].action != SF_PATH && sf_table[k].action != SF_FDMETA &&
		    sf_table[k].action != SF_EXEC && sf_table[k].action != SF_EXECAT)
			continue;
		if (i-- == 0)
			return sf_table[k].name;
	}
	return i < NELEM(sf_args_notified) ? sf_args_notified[i] : NULL;
}

/* What each argument-decided syscall gets, for the describe output and the
 * threat model; sf_add_args() is the code. */
static const char *const sf_args_text[] = {
	"clone: allowed without CLONE_NEW* flags, EPERM with any",
	"clone3: ENOSYS (flags live in memory; glibc falls back to clone)",
	"socket: EPERM; with net only AF_INET and AF_INET6 (AF_UNIX EPERM, others ENOSYS)",
	"socketpair: SOCK_STREAM and SOCK_SEQPACKET only (a DGRAM pair can sendmsg to any "
	"pathname socket)",
	"newfstatat, statx: notified, a NULL path too (transparent); in explicit mode a NULL "
	"path and AT_EMPTY_PATH allowed, EACCES without",
	"utimensat, futimesat: NULL path (the descriptor's own times) allowed; with a path "
	"notified "
	"(transparent) or EACCES",
	"memfd_create: only with MFD_NOEXEC_SEAL (no exec outside the exec rules), else EPERM",
	"personality: only PER_LINUX and the query",
	"setpriority: PRIO_PROCESS of self only; prlimit64: pid 0 only",
	"ioctl: TIOCSTI and TIOCLINUX EPERM (guard filter); without net also the network "
	"information ioctls (0x8908-0x89ff: SIOCGIFCONF, SIOCGIFHWADDR, SIOCETHTOOL, ...; "
	"0x8b00-0x8bff: wireless)",
	"prctl: PR_SET_SECCOMP EPERM (guard filter)",
};

#define RULE(ctx, act, name, ...) \
	do { \
		if (sf_rule(ctx, act, name, __VA_ARGS__) == -1) \
			return -1; \
	} while (0)

/* Add one rule by name.  A name unknown to this libseccomp (a syscall newer
 * than it) is skipped: the default action refuses it. */
static int
sf_rule(scmp_filter_ctx ctx, uint32_t act, const char *name, unsigned int n,
    const struct scmp_arg_cmp *cmp)
{
	int nr, rc;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	rc = seccomp_rule_add_array(ctx, act, nr, n, cmp);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

/*
 * The dynamic loader's opens (explicit mode, loader_opens): open and openat
 * for reading reach the kernel, where the worker's Landlock domain lets
 * them read only what the broker granted the loader (the files the policy
 * allows read of in the library folders, broker/run/exec_grants.h); anything
 * else is EACCES, as the rest of explicit mode.  "For reading" is an
 * access mode of O_RDONLY and no flag but these, on the low 32 bits (the
 * kernel takes flags as an int): no O_CREAT, O_TRUNC, O_APPEND, O_TMPFILE,
 * and no O_PATH, which Landlock does not check at all.  O_DIRECTORY and
 * O_NOFOLLOW only narrow an open; a folder opened for reading needs
 * READ_DIR, which is never granted.  openat2 keeps its flags in memory,
 * where the filter cannot see them: EACCES (glibc's loader uses openat).
 */
#define SF_O_LARGEFILE 00100000 /* the kernel's; glibc's O_LARGEFILE is 0 on x86_64 */
#define SF_LOADER_FLAGS \
	(O_CLOEXEC | SF_O_LARGEFILE | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_DIRECTORY)

static int
sf_loader_row(const struct sf_row *r)
{
	return strcmp(r->name, "open") == 0 || strcmp(r->name, "openat") == 0;
}

/* libseccomp has no "any bit of a mask set": one EACCES rule per bit that
 * is not allowed, beside the ALLOW rule for none of them. */
static int
sf_add_loader_opens(scmp_filter_ctx ctx)
{
	const uint64_t bad = LOW32 & ~(uint64_t)SF_LOADER_FLAGS;
	const char *name;
	unsigned int arg;
	uint64_t bit;

	/* The flags: open's second argument, openat's third. */
	for (arg = 1; arg <= 2; arg++) {
		struct scmp_arg_cmp ok[] = { SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, bad, 0) };

		name = arg == 1 ? "open" : "openat";
		RULE(ctx, SCMP_ACT_ALLOW, name, 1, ok);
		for (bit = 1; bit <= LOW32; bit <<= 1) {
			struct scmp_arg_cmp one[] = { SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, bit, bit) };

			if ((bad & bit) != 0)
				RULE(ctx, SCMP_ACT_ERRNO(EACCES), name, 1, one);
		}
	}
	return 0;
}

void
seccomp_filter_describe_loader(FILE *out)
{
	fprintf(out,
	    "seccomp load: open openat for reading (O_RDONLY; O_CLOEXEC O_NONBLOCK "
	    "O_NOFOLLOW O_DIRECTORY O_NOCTTY only) reach the kernel, for the loader: "
	    "Landlock lets them read only the grants below; other flags EACCES\n");
}

/* Is the row one of SECCOMP_FILTER_KERNEL_STAT's (those in the table)? */
static int
sf_kernel_stat_row(const struct sf_row *r)
{
	static const char *const names[] = { "stat", "lstat", "readlink", "readlinkat" };
	size_t i;

	for (i = 0; i < NELEM(names); i++)
		if (strcmp(r->name, names[i]) == 0)
			return 1;
	return 0;
}

static int
sf_add_args(scmp_filter_ctx ctx, int transparent, int allow_net, int kernel_stat)
{
	uint32_t path = transparent ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EACCES);
	uint32_t eperm = SCMP_ACT_ERRNO(EPERM), eacces = SCMP_ACT_ERRNO(EACCES);
	const uint64_t ns[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
		CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET };
	size_t i;

	/* clone: flags are a register, so they can be checked (clone3's
	 * cannot: see the table). */
	{
		struct scmp_arg_cmp c[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, SF_CLONE_NS, 0) };
		RULE(ctx, SCMP_ACT_ALLOW, "clone", 1, c);
	}
	for (i = 0; i < NELEM(ns); i++) {
		struct scmp_arg_cmp c[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]) };
		RULE(ctx, eperm, "clone", 1, c);
	}

	/* socket: AF_UNIX never (a pathname connect() passes Landlock), the
	 * Internet only with net. */
	if (allow_net) {
		struct scmp_arg_cmp inet[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, AF_INET) };
		struct scmp_arg_cmp inet6[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, AF_INET6) };
		struct scmp_arg_cmp unx[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, AF_UNIX) };

		RULE(ctx, SCMP_ACT_ALLOW, "socket", 1, inet);
		RULE(ctx, SCMP_ACT_ALLOW, "socket", 1, inet6);
		RULE(ctx, eperm, "socket", 1, unx);
	} else {
		RULE(ctx, eperm, "socket", 0, NULL);
	}

	/* socketpair: a connected stream or seqpacket pair cannot address
	 * anyone else; a datagram socket can sendmsg() to any pathname. */
	{
		struct scmp_arg_cmp st[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM) };
		struct scmp_arg_cmp sp[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_SEQPACKET) };
		struct scmp_arg_cmp dg[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM) };

		RULE(ctx, SCMP_ACT_ALLOW, "socketpair", 1, st);
		RULE(ctx, SCMP_ACT_ALLOW, "socketpair", 1, sp);
		RULE(ctx, eperm, "socketpair", 1, dg);
	}

	/* newfstatat/statx.  A non-NULL "" cannot be told from a real path by
	 * BPF.  A NULL path is "" to the kernel (6.11+) and cannot be rewritten
	 * after a check, but with AT_FDCWD it stats the working folder, which a
	 * chdir race can make a hidden one (docs/threat-model.md 7.2), and
	 * libseccomp 2.5 cannot tell a descriptor from AT_FDCWD here (its
	 * 64-bit GT/LE trees come out wrong; a more specific rule is shadowed
	 * by a wider one with another action).  So transparent mode sends
	 * every form to the broker, which answers a descriptor's fstat itself
	 * and decides the working folder as "." (glibc never passes NULL; its
	 * fstat() is "" with AT_EMPTY_PATH, which the preload library makes
	 * the fstat system call). */
	{
		struct scmp_arg_cmp null[] = { SCMP_A1(SCMP_CMP_EQ, 0) };

		if (transparent) {
			/* Every form, fstat's too, is the kernel's when the
			 * policy allows stat of every path (kernel_stat). */
			RULE(ctx, kernel_stat ? SCMP_ACT_ALLOW : path, "newfstatat", 0, NULL);
			RULE(ctx, kernel_stat ? SCMP_ACT_ALLOW : path, "statx", 0, NULL);
		} else {
			/* Explicit mode has nobody to emulate glibc's fstat()
			 * (newfstatat(fd, "", AT_EMPTY_PATH)), so AT_EMPTY_PATH
			 * passes: the documented metadata leak. */
			struct scmp_arg_cmp fs_e[] = { SCMP_A1(SCMP_CMP_NE, 0),
				SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH) };
			struct scmp_arg_cmp fs_n[] = { SCMP_A1(SCMP_CMP_NE, 0),
				SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0) };
			struct scmp_arg_cmp sx_e[] = { SCMP_A1(SCMP_CMP_NE, 0),
				SCMP_A2(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH) };
			struct scmp_arg_cmp sx_n[] = { SCMP_A1(SCMP_CMP_NE, 0),
				SCMP_A2(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0) };

			RULE(ctx, SCMP_ACT_ALLOW, "newfstatat", 1, null);
			RULE(ctx, SCMP_ACT_ALLOW, "statx", 1, null);
			RULE(ctx, SCMP_ACT_ALLOW, "newfstatat", 2, fs_e);
			RULE(ctx, eacces, "newfstatat", 2, fs_n);
			RULE(ctx, SCMP_ACT_ALLOW, "statx", 2, sx_e);
			RULE(ctx, eacces, "statx", 2, sx_n);
		}
	}

	/* utimensat(fd, NULL, ...) is futimens(); with a path it is the
	 * broker's (transparent) or refused. */
	{
		struct scmp_arg_cmp null[] = { SCMP_A1(SCMP_CMP_EQ, 0) };
		struct scmp_arg_cmp some[] = { SCMP_A1(SCMP_CMP_NE, 0) };

		RULE(ctx, SCMP_ACT_ALLOW, "utimensat", 1, null);
		RULE(ctx, path, "utimensat", 1, some);
		RULE(ctx, SCMP_ACT_ALLOW, "futimesat", 1, null);
		RULE(ctx, path, "futimesat", 1, some);
	}

	/* memfd_create: an executable memfd can be run through
	 * execve("/proc/self/fd/N"), and Landlock does not see memfds. */
	{
		struct scmp_arg_cmp sealed[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, MFD_NOEXEC_SEAL,
		    MFD_NOEXEC_SEAL) };
		struct scmp_arg_cmp unsealed[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, MFD_NOEXEC_SEAL,
		    0) };

		RULE(ctx, SCMP_ACT_ALLOW, "memfd_create", 1, sealed);
		RULE(ctx, eperm, "memfd_create", 1, unsealed);
	}

	{
		struct scmp_arg_cmp linux_[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, 0) };
		struct scmp_arg_cmp query[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, 0xffffffffULL) };
		/* Not the broker's priority, nor its resource limits, even when
		 * the worker shares its uid. */
		struct scmp_arg_cmp prio[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, PRIO_PROCESS),
			SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, 0) };
		struct scmp_arg_cmp self[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, 0) };

		RULE(ctx, SCMP_ACT_ALLOW, "personality", 1, linux_);
		RULE(ctx, SCMP_ACT_ALLOW, "personality", 1, query);
		RULE(ctx, SCMP_ACT_ALLOW, "setpriority", 2, prio);
		RULE(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, self);
	}
	return 0;
}

static uint32_t
sf_row_action(const struct sf_row *r, int transparent, int allow_net)
{
	switch (r->action) {
	case SF_ALLOW:
	case SF_GUARD:
		return SCMP_ACT_ALLOW;
	case SF_PATH:
		return transparent ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EACCES);
	case SF_FDMETA:
	case SF_EXECAT:
		return transparent ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
	case SF_EXEC:
		return transparent ? SCMP_ACT_NOTIFY : SCMP_ACT_ALLOW;
	case SF_NOXATTR:
		return SCMP_ACT_ERRNO(EOPNOTSUPP);
	case SF_EPERM:
		return SCMP_ACT_ERRNO(EPERM);
	case SF_ENOSYS:
		return SCMP_ACT_ERRNO(ENOSYS);
	case SF_NET:
		return allow_net ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EPERM);
	case SF_ARGS:
		break;
	}
	return SCMP_ACT_KILL_PROCESS; /* not reached: SF_ARGS rows are skipped */
}

/* A context for the native arch only: anything else, x32 included, is a
 * bad arch and kills the process. */
static scmp_filter_ctx
sf_ctx(uint32_t def)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(def)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0) {
		seccomp_release(ctx);
		errno = -rc;
		return NULL;
	}
	return ctx;
}

static scmp_filter_ctx
sf_build_main(int transparent, int allow_net, int loader_opens, int kernel_stat)
{
	uint32_t act;
	scmp_filter_ctx ctx;
	size_t i;
	int saved;

	if ((ctx = sf_ctx(SCMP_ACT_ERRNO(ENOSYS))) == NULL)
		return NULL;
	for (i = 0; i < NELEM(sf_table); i++) {
		/* SF_ENOSYS is the default action, and libseccomp refuses a rule
		 * that repeats the default (EACCES). */
		if (sf_table[i].action == SF_ARGS || sf_table[i].action == SF_ENOSYS)
			continue;
		if (loader_opens && sf_loader_row(&sf_table[i]))
			continue;
		act = sf_row_action(&sf_table[i], transparent, allow_net);
		if (transparent && kernel_stat && sf_kernel_stat_row(&sf_table[i]))
			act = SCMP_ACT_ALLOW;
		if (sf_rule(ctx, act, sf_table[i].name, 0, NULL) == -1)
			goto fail;
	}
	if (sf_add_args(ctx, transparent, allow_net, transparent && kernel_stat) == -1)
		goto fail;
	if (loader_opens && sf_add_loader_opens(ctx) == -1)
		goto fail;
	return ctx;
fail:
	saved = errno;
	seccomp_release(ctx);
	errno = saved;
	return NULL;
}

/*
 * The network-information ioctls, as (low 32 bits & mask) == value: every
 * socket ioctl of type 0x89 from 0x8908 on (linux/sockios.h: routes, the
 * SIOCGIF* interface list, names, addresses, MAC addresses, flags, MTU,
 * ARP and RARP tables, SIOCETHTOOL, MII, bonding, bridges, VLANs, and the
 * protocol- and device-private ranges) and the wireless extensions (type
 * 0x8B).  The kernel answers them on any socket, a socketpair included,
 * with the host's interfaces.  0x8900-0x8907 stay: F_SETOWN-like FIOSETOWN
 * and SIOCSPGRP (signals, scoped by Landlock), SIOCATMARK and the old
 * SIOCGSTAMP forms, which say nothing about the host.  The number space
 * is the socket layer's own (Documentation/userspace-api/ioctl/
 * ioctl-number.rst), so no device or file ioctl is caught.
 */
static const struct {
	uint32_t mask, value;
} sf_netinfo_ioctls[] = {
	{ 0xfffffff8, 0x8908 }, /* 0x8908-0x890f: routes */
	{ 0xfffffff0, 0x8910 }, /* 0x8910-0x891f: SIOCGIFNAME, SIOCGIFCONF, ... */
	{ 0xffffffe0, 0x8920 }, /* 0x8920-0x893f: SIOCGIFHWADDR, SIOCGIFINDEX, ... */
	{ 0xffffffc0, 0x8940 }, /* 0x8940-0x897f: SIOCETHTOOL, MII, ARP, RARP, SIOCGIFMAP */
	{ 0xffffff80, 0x8980 }, /* 0x8980-0x89ff: VLAN, bonding, bridge, private */
	{ 0xffffff00, 0x8b00 }, /* 0x8b00-0x8bff: wireless extensions */
};

static scmp_filter_ctx
sf_build_guard(int allow_net)
{
	struct scmp_arg_cmp sti[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, TIOCSTI) };
	struct scmp_arg_cmp lnx[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, TIOCLINUX) };
	struct scmp_arg_cmp sec[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, PR_SET_SECCOMP) };
	scmp_filter_ctx ctx;
	size_t i;
	int saved;

	if ((ctx = sf_ctx(SCMP_ACT_ALLOW)) == NULL)
		return NULL;
	if (sf_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, sti) == -1 ||
	    sf_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, lnx) == -1 ||
	    sf_rule(ctx, SCMP_ACT_ERRNO(EPERM), "prctl", 1, sec) == -1)
		goto fail;
	/* Without net the worker learns nothing about the host's network. */
	for (i = 0; !allow_net && i < NELEM(sf_netinfo_ioctls); i++) {
		struct scmp_arg_cmp net[] = { SCMP_A1(SCMP_CMP_MASKED_EQ, sf_netinfo_ioctls[i].mask,
		    sf_netinfo_ioctls[i].value) };

		if (sf_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, net) == -1)
			goto fail;
	}
	return ctx;
fail:
	saved = errno;
	seccomp_release(ctx);
	errno = saved;
	return NULL;
}

/* Export ctx as BPF and install it with seccomp(2) and flags.  Returns
 * seccomp(2)'s result (the listener with NEW_LISTENER, else 0) or -1. */
static int
sf_install(scmp_filter_ctx ctx, unsigned int flags)
{
	struct sock_fprog prog;
	struct sock_filter *insns = NULL;
	off_t size, got = 0;
	ssize_t n;
	int fd, rc, saved;

	/* A memfd, not a pipe: a pipe can be as small as one page. */
	if ((fd = memfd_create("fb-seccomp", MFD_CLOEXEC)) == -1)
		return -1;
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0) {
		close(fd);
		errno = -rc;
		return -1;
	}
	size = lseek(fd, 0, SEEK_CUR);
	if (size <= 0 || size % (off_t)sizeof(*insns) != 0 ||
	    size / (off_t)sizeof(*insns) > BPF_MAXINSNS) {
		close(fd);
		errno = E2BIG;
		return -1;
	}
	if ((insns = malloc((size_t)size)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < size) {
		n = pread(fd, (char *)insns + got, (size_t)(size - got), got);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			saved = n == 0 ? EIO : errno;
			free(insns);
			close(fd);
			errno = saved;
			return -1;
		}
		got += n;
	}
	close(fd);
	memset(&prog, 0, sizeof(prog));
	prog.len = (unsigned short)(size / (off_t)sizeof(*insns));
	prog.filter = insns;
	rc = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	saved = errno;
	free(insns);
	errno = saved;
	return rc;
}

int
seccomp_filter_apply(int transparent, int allow_net, int wait_killable, int loader_opens,
    int kernel_stat, int *listener)
{
	scmp_filter_ctx guard, main_;
	unsigned int flags = 0;
	int rc, saved;

	if ((guard = sf_build_guard(allow_net)) == NULL)
		return -1;
	if ((main_ = sf_build_main(transparent, allow_net, loader_opens && !transparent,
		 kernel_stat)) == NULL) {
		saved = errno;
		seccomp_release(guard);
		errno = saved;
		return -1;
	}
	/* The guard first: it allows seccomp(2), which the allowlist then
	 * refuses once it is in. */
	rc = sf_install(guard, 0);
	if (rc == 0) {
		if (transparent) {
			flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
			if (wait_killable)
				flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		}
		rc = sf_install(main_, flags);
		if (rc >= 0 && transparent)
			*listener = rc;
	}
	saved = errno;
	seccomp_release(guard);
	seccomp_release(main_);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

/* Which rows one describe line names. */
static int
sf_is_path(const struct sf_row *r)
{
	return r->action == SF_PATH;
}

static int
sf_is_exec(const struct sf_row *r)
{
	return r->action == SF_EXEC || r->action == SF_EXECAT;
}

static int
sf_is_chown(const struct sf_row *r)
{
	return r->action == SF_EPERM && strstr(r->name, "chown") != NULL;
}

static int
sf_is_xattr(const struct sf_row *r)
{
	return r->action == SF_NOXATTR;
}

static int
sf_is_notable(const struct sf_row *r)
{
	return r->notable;
}

/* One describe line: label (at most 13 characters), the rows pick()
 * chooses, then extra (NULL for none), wrapped at 96 columns; then the
 * answer on a line of its own (NULL: none). */
static void
sf_list(FILE *out, const char *label, int (*pick)(const struct sf_row *), const char *extra,
    const char *answer)
{
	size_t i, col = 13, n;

	fprintf(out, "%-13s", label);
	for (i = 0; i < NELEM(sf_table); i++) {
		if (!pick(&sf_table[i]))
			continue;
		n = strlen(sf_table[i].name) + 1;
		if (col + n > 96) {
			fprintf(out, "\n%13s", "");
			col = 13;
		}
		fprintf(out, " %s", sf_table[i].name);
		col += n;
	}
	if (extra != NULL) {
		if (col + strlen(extra) + 1 > 96)
			fprintf(out, "\n%13s", "");
		fprintf(out, " %s", extra);
	}
	fprintf(out, "\n");
	if (answer != NULL)
		fprintf(out, "%13s -> %s\n", "", answer);
}

void
seccomp_filter_describe(FILE *out, int transparent, int allow_net)
{
	size_t i, allowed = 0, notified = 0, denied = 0, cond = 0, unknown = 0;
	uint32_t act;

	for (i = 0; i < NELEM(sf_table); i++) {
		if (seccomp_syscall_resolve_name(sf_table[i].name) == __NR_SCMP_ERROR) {
			unknown++;
			continue;
		}
		if (sf_table[i].action == SF_ARGS || sf_table[i].action == SF_GUARD) {
			cond++;
			continue;
		}
		act = sf_row_action(&sf_table[i], transparent, allow_net);
		if (act == SCMP_ACT_ALLOW)
			allowed++;
		else if (act == SCMP_ACT_NOTIFY)
			notified++;
		else
			denied++;
	}
	if (transparent)
		notified += 2; /* newfstatat, statx with a path */
	fprintf(out,
	    "seccomp:      %s mode: %zu allowed, %zu notified to the broker, %zu denied, "
	    "%zu decided on arguments; any other syscall ENOSYS\n",
	    transparent ? "transparent" : "explicit", allowed, notified, denied, cond);
	fprintf(out,
	    "seccomp arch: x86_64 only; i386 (int $0x80) and x32 syscalls kill the process\n");
	if (transparent)
		sf_list(out, "seccomp path:", sf_is_path,
		    "fchmod newfstatat statx, and utimensat futimesat with a path",
		    "broker (SECCOMP_RET_USER_NOTIF)");
	else
		sf_list(out, "seccomp path:", sf_is_path, NULL,
		    "EACCES (use libfilebroker); fchmod EPERM");
	sf_list(out, "seccomp exec:", sf_is_exec, NULL,
	    transparent ?
		"broker: recorded, then the kernel goes on (Landlock's exec grants decide)" :
		"execve allowed (Landlock's exec grants decide), execveat EPERM");
	sf_list(out, "seccomp own:", sf_is_chown, NULL, "EPERM, as for a user who is not root");
	sf_list(out, "seccomp attr:", sf_is_xattr, NULL,
	    "EOPNOTSUPP (cp -a, tar and sed -i go on without them)");
	sf_list(out, "seccomp deny:", sf_is_notable, NULL, NULL);
	for (i = 0; i < NELEM(sf_args_text); i++)
		fprintf(out, "seccomp args: %s\n", sf_args_text[i]);
	if (!allow_net)
		fprintf(out,
		    "seccomp net:  connect bind listen accept accept4 EPERM; socket EPERM\n");
	if (unknown)
		fprintf(out,
		    "seccomp note: %zu listed syscalls unknown to this libseccomp (ENOSYS)\n",
		    unknown);
}
