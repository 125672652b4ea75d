/*
 * task.h: who made a notified system call, and where from (notify.c).
 *
 * The thread group of the threads that ask, and their numbers in the
 * worker's PID namespace, cached by tid.  Each entry keeps a thread pidfd:
 * asking it again (one ioctl) proves the tid still names the thread the
 * numbers were read for, as a tid freed and taken by a thread of another
 * process gives a pidfd of a dead thread (ESRCH).  The cache is its
 * notifier's alone (one notification at a time), so it needs no lock, and
 * it holds at most TASK_SLOTS pidfds: on a miss, and every TASK_SWEEP
 * lookups, the entries of threads that have exited (their pidfds
 * readable) are let go, with one poll(2).
 */
#ifndef FB_TASK_H
#define FB_TASK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define TASK_SLOTS 64
#define TASK_SWEEP 64

/* A thread as the broker and as the worker's /proc number it. */
struct task_ids {
	pid_t tgid;	     /* its thread group, the broker's (the host's) pid */
	pid_t nstgid, nstid; /* the thread group and the thread in the worker's
				PID namespace (task_ns below); tgid and the tid
				themselves without one */
};

/* One entry of a cache: the numbers of a thread (the thread cache) or a
 * process (task_ns's), held by a pidfd of it. */
struct task_slot {
	pid_t id; /* the tid, or the pid, it is for */
	struct task_ids ids;
	int pidfd;    /* -1: empty */
	char *exe;    /* the thread cache: what it runs (task_exe()), or
				NULL: not read yet */
	pid_t execer; /* a thread of its process asked to exec since
				(task_exec()): exe is read again for each
				request until that thread asks again; 0: none */
};

struct task_cache {
	int level;	  /* task_ns's, or 0: no namespace of ours */
	unsigned lookups; /* since the last sweep */
	struct task_slot slot[TASK_SLOTS];
	char exe[PATH_MAX]; /* task_exe()'s answer when it is not cached */
};

/*
 * The worker's PID namespace (filebroker run): a process that asks is pid
 * 28626 to the broker (the kernel's word in notifications and
 * SCM_CREDENTIALS, the audit record's pid, the host's /proc/28626 that
 * task_path() reads) and pid 2 in the worker's /proc (resolve.h,
 * fsctx.wproc), which /proc/self, the policy's /proc/self and the
 * /proc/PID rule go by.  Its numbers come from the NStgid and NSpid lines
 * of its status file in the host's /proc, read once per thread (the cache
 * above) or per process (explicit mode: a cache of processes here, each
 * entry held by a pidfd of its process and let go as the thread cache's
 * are).  That cache is shared by the threads that serve the worker's
 * connections, under a lock of its own.
 */
struct task_ns;

/* The namespace one level below the broker's own.  NULL with errno. */
struct task_ns *task_ns_new(void);
/* Free it, closing its pidfds; NULL is nothing. */
void task_ns_free(struct task_ns *ns);

/* The pid (the broker's) of a process in it, as the worker's namespace
 * numbers it; 0 when it cannot be told (the process is gone, or is not in
 * it).  With ns NULL (no namespace of ours), pid itself.  Any thread may
 * ask. */
pid_t task_ns_pid(struct task_ns *ns, pid_t pid);

/* An empty cache of threads; ns: the worker's namespace, or NULL (the
 * daemon, run without one). */
void task_cache_init(struct task_cache *c, const struct task_ns *ns);

/* Drop every entry: close its pidfd. */
void task_cache_clear(struct task_cache *c);

/*
 * The numbers of thread tid: 0, or -1 (it is gone, or, in a namespace of
 * ours, not in it).
 */
int task_ids(struct task_cache *c, pid_t tid, struct task_ids *ids);

/*
 * The program the process of thread tid runs, as the host's /proc/TGID/exe
 * says now (the audit record's "exe": a hint, not proof; "(deleted)" when
 * the file was removed), or NULL when it cannot be read (the process is
 * gone, or not dumpable to the broker).  A readlink(2) of it costs about
 * 3 us, a third of a request, so it is kept in the thread's slot, which
 * task_ids() made and proves is still that thread's, and read again only
 * after the process asked to exec (task_exec()).  The string is the
 * cache's, valid until the next call.
 */
const char *task_exe(struct task_cache *c, pid_t tid);

/* The target of the host's /proc/PID/exe, uncached, into buf (NUL-ended):
 * its length, or -1 with errno. */
ssize_t task_exe_read(pid_t pid, char *buf, size_t size);

/*
 * Thread tid of process tgid asks to exec: what every thread of tgid runs
 * is forgotten.  The exec is the kernel's, after the answer, and may fail,
 * and a thread other than the leader that execs takes the leader's tid: so
 * until tid itself asks again (its exec is over, done or failed) every
 * request of tgid's threads reads exe anew, uncached.
 */
void task_exec(struct task_cache *c, pid_t tid, pid_t tgid);

/*
 * The absolute path rel names for thread tid: from its cwd (dirfd
 * AT_FDCWD) or from the folder its descriptor dirfd refers to, both read
 * from the kernel (/proc/TID/cwd, /proc/TID/fd/N), never from the worker.
 * The caller checks SECCOMP_IOCTL_NOTIF_ID_VALID afterwards, so that TID
 * was the live caller's.  0, or a negative errno: -EBADF, -ENOTDIR,
 * -ENOENT (a folder removed, or outside the broker's view), -ENAMETOOLONG.
 */
int task_path(pid_t tid, int dirfd, const char *rel, char *out, size_t size);

/* How many of the first bytes of out, as task_path() joined it from rel,
 * name the folder it was joined to (struct request's held): 0 for an
 * absolute rel, or for "/". */
size_t task_path_held(const char *out, const char *rel);

/*
 * openat2(2)'s RESOLVE_* restrictions (the worker's own) checked by the
 * kernel from the thread's folder dirfd (or cwd); on success out holds
 * joined, or with RESOLVE_IN_ROOT the canonical path of what rel names,
 * which the caller decides like any other.  0, or a negative errno for the worker; out then holds the path
 * to check its visibility against (joined: rel as task_path() joined it).  Before SECCOMP_IOCTL_NOTIF_ID_VALID,
 * like task_path().
 */
int task_resolve(pid_t tid, int dirfd, const char *rel, int flags, uint64_t resolve,
    const char *joined, char *out, size_t size);

/* fstat() of the descriptor fd (or the cwd, for AT_FDCWD) of thread tid,
 * through /proc/TID/fd/N.  0, or a negative errno (-EBADF). */
int task_fstat(pid_t tid, int fd, struct stat *st);

/* The object (st) and the path now (out) of the descriptor fd of thread
 * tid, for fchmod(2).  0, or a negative errno: -EBADF; -EPERM for what
 * has no name the policy could decide on (a pipe, a socket, a removed
 * file); -ENAMETOOLONG.  The two reads are separate: the caller checks
 * that the path still leads to st. */
int task_fdname(pid_t tid, int fd, struct stat *st, char *out, size_t size);

/*
 * The umask of thread or process id (the host's number), from the host's
 * /proc/ID/status: what the kernel would apply to the modes it creates
 * with.  0, or -1 with errno (ESRCH: no number; ENOENT: a kernel before
 * 4.7, or a task that has ended).  A number the task gave up and another
 * took meanwhile gives that one's umask: callers use it only to take bits
 * away from what the asker may ask anyway.
 */
int task_umask(pid_t id, mode_t *mask);

/* A copy of the descriptor fd of thread tid (pidfd_getfd(2)): the very
 * open file, for a call the broker makes on the worker's behalf.  With
 * kind, what /proc says the copy is must be that ("anon_inode:inotify"),
 * else -EINVAL.  The descriptor (close-on-exec), or a negative errno:
 * -EBADF.  Before SECCOMP_IOCTL_NOTIF_ID_VALID, like task_path(). */
int task_getfd(pid_t tid, int fd, const char *kind);

/*
 * The rule for /proc/PID, in every mode: the broker (root, with
 * CAP_SYS_PTRACE in the daemon) could open any process's files, so it
 * hands out the descriptor of an object under /proc/N (open), or reads a
 * link there (readlink of /proc/N/exe, cwd, root), only when N is the
 * process that asked (pid: the kernel's word for this very message or
 * call, as the worker's /proc numbers it, the asker's nspid; a thread's
 * /proc/N/task/T too) and that process, or thread T,
 * still has exactly the session's credentials (real, effective, saved and
 * file system uid and gid: not a set-user-ID program it became) and is
 * dumpable (what the kernel requires before one user may read another's
 * process).  Asked after the object was opened, so a process that becomes
 * something else afterwards (exec of a set-user-ID program) gets a new
 * address space the descriptor does not reach.  canon is the object's
 * canonical path (the worker's view: its /proc is fsctx.wproc when it has
 * its own); fd the descriptor to hand out or -1, on file system dev (the
 * object's st_dev): a process file system other than the worker's /proc,
 * or that one mounted anywhere but /proc, is refused.  0, or EACCES.
 */
struct session;
int task_proc_check(const struct session *s, pid_t pid, const char *canon, int fd, dev_t dev);

#endif
