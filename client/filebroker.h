/*
 * filebroker.h: libfilebroker, the worker's side of filebroker.
 *
 * A sandboxed worker cannot open files itself; it asks the broker, which
 * opens them only as the policy allows and passes back the descriptor.  The
 * calls below are drop-in twins of their libc namesakes: same arguments, same
 * results, -1 (or NULL) and errno on failure.  libfilebroker(3) lists every
 * errno a caller can see.
 *
 * Connection.  The broker that launched the worker leaves a connected socket
 * in the descriptor named by the environment variable FILEBROKER_FD.  Every
 * call connects from the environment on first use, so calling fb_connect()
 * is optional.  If FILEBROKER_FD is unset and FILEBROKER_SOCKET names a
 * socket path, the library connects to that path instead (daemon mode).
 *
 * Handles.  Each call has a twin that takes a connection handle first:
 * fb_conn_open(conn, path, flags) is fb_open(path, flags) on the broker conn
 * is connected to.  fb_conn_new() and fb_conn_from_fd() make a handle,
 * fb_conn_free() ends it; a program may hold several, to one broker or to
 * several.  The calls without a handle use the default connection above.
 *
 * Threads and fork.  All calls are safe to use from several threads at once
 * and from a child after fork(): each process keeps, per connection, its own
 * small pool of private connections ("channels") to the broker, obtained
 * through the connection's socket, and a child never uses its parent's.
 * They are not async-signal-safe and must not be used in a vfork() child.
 *
 * Paths.  The broker needs absolute paths; a relative path is prefixed here
 * with the current directory (getcwd(3)), purely lexically.  A path that does
 * not fit in 4095 bytes fails with ENAMETOOLONG.
 *
 * Descriptors.  The broker opens everything close-on-exec; the library
 * clears FD_CLOEXEC unless the caller asked for O_CLOEXEC, so the result
 * behaves as open(2)'s would.  The caller owns every descriptor, FILE and
 * DIR returned and releases it with close(2) (or fb_close()), fclose(3),
 * closedir(3).
 */
#ifndef FILEBROKER_H
#define FILEBROKER_H

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of libfilebroker this header belongs to, MAJOR.MINOR.PATCH,
 * for tests at compile time (#if FB_VERSION_MAJOR > 0 || FB_VERSION_MINOR
 * >= 2); fb_version() is that of the library the program runs with.
 */
#define FB_VERSION_MAJOR 0
#define FB_VERSION_MINOR 1
#define FB_VERSION_PATCH 0
#define FB_VERSION "0.1.0"

/* The version of the library in use, as FB_VERSION spells it: a static
 * string.  It differs from FB_VERSION when the program was built against
 * another release's header. */
const char *fb_version(void);

/*
 * Connect to the broker.  socket_path NULL: use the descriptor in
 * FILEBROKER_FD (or, if that is unset, the path in FILEBROKER_SOCKET).
 * Otherwise connect a new socket to socket_path.  Returns 0 at once if
 * already connected (call fb_disconnect() first to switch brokers), or -1
 * with errno: ENOTCONN (no broker configured), EBADF (FILEBROKER_FD is not a
 * number or not an open descriptor), ENOTSOCK, EPROTOTYPE (not a Unix
 * SOCK_SEQPACKET socket), ENAMETOOLONG (socket_path too long for a Unix
 * socket address), or connect(2)'s errors.
 */
int fb_connect(const char *socket_path);

/*
 * Close this process's channels, and the socket fb_connect() connected to a
 * path.  The descriptor named by FILEBROKER_FD is not the library's and stays
 * open.  Requests in flight in other threads complete first.  The next call
 * connects again.
 */
void fb_disconnect(void);

/*
 * A connection to a broker, made by fb_conn_new() or fb_conn_from_fd() and
 * ended by fb_conn_free().  Opaque.  Each call below has a twin fb_conn_X()
 * that takes one as its first argument and does what fb_X() does, on that
 * connection instead of the default one; a NULL handle fails with EINVAL.
 * A handle may be used from several threads at once, and in a child after
 * fork() (which makes its own channels through the inherited socket).
 */
typedef struct fb_conn fb_conn;

/*
 * A new connection: to the broker listening on socket_path, or for NULL to
 * the one fb_connect(NULL) would use (FILEBROKER_FD, whose descriptor stays
 * the process's, or FILEBROKER_SOCKET).  A handle connected to a path
 * connects again when a daemon closed it for idleness, as the default
 * connection does.  Allocates memory.  Returns the handle, or NULL with
 * errno: ENOMEM, or fb_connect()'s errors.
 */
fb_conn *fb_conn_new(const char *socket_path);

/*
 * A new connection on fd, a connected AF_UNIX SOCK_SEQPACKET socket to a
 * broker (one end of a socketpair(2) the broker serves, or a socket the
 * caller connected).  On success the handle owns fd: fb_conn_free() closes
 * it, and fb_close() refuses to.  On failure fd is left open and the
 * caller's, as fdopen(3) leaves it.  Returns the handle, or NULL with
 * errno: EBADF (fd is not open), ENOTSOCK, EPROTOTYPE (not a Unix
 * SOCK_SEQPACKET socket), EBUSY (fd is FILEBROKER_FD's descriptor, or a
 * socket of another connection: use fb_conn_new(NULL) for the former),
 * ENOMEM.
 */
fb_conn *fb_conn_from_fd(int fd);

/*
 * End conn: close its channels in this process, and its socket if it owns
 * one (fb_conn_new() with a path, FILEBROKER_SOCKET, fb_conn_from_fd()).
 * Calls in progress on conn in other threads finish first; none may start
 * after.  Descriptors, FILEs and DIRs it returned stay open.  NULL is
 * ignored.  In a child after fork() it ends the child's copy only.
 */
void fb_conn_free(fb_conn *conn);

/* open(2): the mode argument is read when flags has O_CREAT.  O_TMPFILE is
 * not supported (EINVAL). */
int fb_open(const char *path, int flags, ...);
int fb_conn_open(fb_conn *conn, const char *path, int flags, ...);

/*
 * openat(2), fstatat(2): path relative to dirfd, a folder descriptor
 * (fb_opendir()'s dirfd(3), or fb_open() with O_DIRECTORY), when path is
 * relative and dirfd is not AT_FDCWD; otherwise as fb_open(), fb_stat().
 * The broker takes the folder's path from the kernel's name of the
 * descriptor, joins path to it and decides on that as on any other path:
 * a descriptor lets the worker reach nothing its path would not.  Errors
 * as their twins', also EBADF (dirfd not open), ENOTDIR (not a folder),
 * ENOENT (the folder was removed, or the broker cannot see it: another
 * mount namespace), EINVAL (fb_fstatat() flags other than
 * AT_SYMLINK_NOFOLLOW).  An empty path is ENOENT (no AT_EMPTY_PATH).
 */
int fb_openat(int dirfd, const char *path, int flags, ...);
int fb_conn_openat(fb_conn *conn, int dirfd, const char *path, int flags, ...);
int fb_fstatat(int dirfd, const char *path, struct stat *st, int flags);
int fb_conn_fstatat(fb_conn *conn, int dirfd, const char *path, struct stat *st, int flags);

/* One file of fb_openv(): path, flags and mode as for fb_open(), and the
 * outcome. */
struct fb_openv_entry {
	const char *path; /* in: absolute, or relative to the current folder */
	int flags;	  /* in: open(2) flags */
	mode_t mode;	  /* in: read when flags has O_CREAT */
	int fd;		  /* out: the descriptor, or -1 */
	int error;	  /* out: 0, or the errno fb_open() would have set */
};

/*
 * Open the n files of v, in one round trip to the broker for up to 64
 * entries whose paths fit in about 32 KiB (larger calls take several, in
 * order).  Each entry is resolved, decided, audited and opened exactly as
 * fb_open(v[i].path, v[i].flags, v[i].mode) would be, with its own audit
 * record, and gets its own outcome: fd >= 0 and error 0, or fd -1 and
 * error set (EACCES, ENOENT, EINVAL, ...; also EFAULT for a NULL path,
 * ENAMETOOLONG, O_TMPFILE's EINVAL, found without asking the broker).
 * Descriptors are close-on-exec only when the entry asked for O_CLOEXEC.
 *
 * Returns the number of entries opened (0..n).  Returns -1 with errno when
 * the call failed as a whole: EFAULT (v NULL, n > 0) and EINVAL (n >
 * INT_MAX, or fb_conn_openv()'s conn NULL), which leave the entries as they
 * were; or what a call to the broker can fail with (ENOTCONN, ECONNRESET,
 * EPROTO, ...; see fb_connect()), after which every entry has fd -1 and
 * error set to that errno, and no descriptor is left open, not even one a
 * completed earlier round trip of this call received (the broker did act
 * on those entries: a file created with O_CREAT stays created).  A reply
 * whose descriptors do not match its per-entry results is EPROTO, every
 * descriptor in it closed.
 *
 * Uses about 80 KiB of stack, and no heap.
 */
int fb_openv(struct fb_openv_entry *v, size_t n);
int fb_conn_openv(fb_conn *conn, struct fb_openv_entry *v, size_t n);

/* fopen(3): modes r, w, a, r+, w+, a+, optionally followed by b (ignored),
 * e (O_CLOEXEC) and x (O_EXCL) in any order.  Files are created 0666 & ~umask
 * (the broker's umask). */
FILE *fb_fopen(const char *path, const char *mode);
FILE *fb_conn_fopen(fb_conn *conn, const char *path, const char *mode);

/* opendir(3): the directory descriptor is close-on-exec. */
DIR *fb_opendir(const char *path);
DIR *fb_conn_opendir(fb_conn *conn, const char *path);

/* stat(2), lstat(2): the fields the protocol carries (all of POSIX's). */
int fb_stat(const char *path, struct stat *st);
int fb_lstat(const char *path, struct stat *st);
int fb_conn_stat(fb_conn *conn, const char *path, struct stat *st);
int fb_conn_lstat(fb_conn *conn, const char *path, struct stat *st);

/* access(2), checked by the broker against the policy and the file. */
int fb_access(const char *path, int mode);
int fb_conn_access(fb_conn *conn, const char *path, int mode);

/* readlink(2): at most size bytes, truncated silently, no NUL added. */
ssize_t fb_readlink(const char *path, char *buf, size_t size);
ssize_t fb_conn_readlink(fb_conn *conn, const char *path, char *buf, size_t size);

int fb_mkdir(const char *path, mode_t mode);
int fb_unlink(const char *path);
int fb_rmdir(const char *path);
int fb_rename(const char *from, const char *to);
int fb_conn_mkdir(fb_conn *conn, const char *path, mode_t mode);
int fb_conn_unlink(fb_conn *conn, const char *path);
int fb_conn_rmdir(fb_conn *conn, const char *path);
int fb_conn_rename(fb_conn *conn, const char *from, const char *to);

/* chmod(2): the permission bits (07777); the broker refuses a file not
 * the worker's and set-user-ID bits (EPERM), and bounds the bits by the
 * rule's mode=. */
int fb_chmod(const char *path, mode_t mode);
int fb_conn_chmod(fb_conn *conn, const char *path, mode_t mode);

/* truncate(2): a regular file the policy lets the worker write. */
int fb_truncate(const char *path, off_t length);
int fb_conn_truncate(fb_conn *conn, const char *path, off_t length);

/* symlink(2): linkpath is made absolute as every path is; target is the
 * link's contents, sent as given (a relative target stays relative). */
int fb_symlink(const char *target, const char *linkpath);
int fb_conn_symlink(fb_conn *conn, const char *target, const char *linkpath);

/* realpath(3): the broker's canonical path of path (every symlink
 * followed, "." and ".." gone), for a path the policy lets the worker
 * stat.  resolved: PATH_MAX bytes, or NULL for a buffer from malloc(3),
 * the caller's to free.  Returns resolved (or the new buffer), or NULL
 * with errno: ENOENT (missing or hidden), ENOMEM, or as fb_stat() for
 * the same path. */
char *fb_realpath(const char *path, char *resolved);
char *fb_conn_realpath(fb_conn *conn, const char *path, char *resolved);

/*
 * Which rule refused this thread's last call: its name as the broker's
 * audit record gives it ("/etc/fb/my.policy:7" for line 7 of that file,
 * "default" when no rule allowed it, "@broker-file", "@proc" ...; see
 * filebroker.policy(5)), for the caller's error message.  NULL when the
 * call succeeded, failed for another reason (ENOENT, which may be a
 * denial that hides the path, a kernel's errno, an error found before
 * asking), or the broker does not tell: it tells only when started with
 * --tell-rules (filebroker(1): a rule's name shows the worker the
 * policy's file and line), and only for a refusal's EACCES.
 *
 * Every call of this header that sends the broker a request (fb_open()
 * to fb_realpath(), their twins, fb_openv(), fb_send_listener()) sets it
 * for the calling thread; other threads keep theirs.  After fb_openv():
 * the rule of the last entry, in v's order, that a rule refused (NULL
 * when the call failed as a whole); fb_open() each entry to learn every
 * one.  The string is the thread's, valid until its next such call.
 * Never fails.  Transparent mode has no such answer: a program's own
 * open(2) gets its errno alone, and the broker's denial line (or audit
 * record) names the rule.
 */
const char *fb_last_rule(void);

/* close(2), except that the library's own sockets, of every connection, are
 * refused with EBADF.  No twin: it concerns the process, not a connection. */
int fb_close(int fd);

/*
 * Transparent mode over this process's broker connection: hand listener_fd,
 * the seccomp listener fb_sandbox_enter() made (transparent = 1), to the
 * broker, which from then on answers the path syscalls of every task under
 * that filter (open(2), stat(2), ... of this process, its threads and its
 * children), decided and recorded as this connection's requests ("mode":
 * "transparent" in the audit records).  The caller keeps its copy and must
 * close it before running untrusted code: a task holding the listener
 * could answer its own calls.  Sending needs no path, so it works after
 * fb_sandbox_enter(); connecting to a socket path does not (the filter
 * refuses socket(2) for Unix sockets), so connect first.  fb_sandbox_enter()
 * with listener_fd NULL does all of this itself.
 *
 * Returns 0, or -1 with errno: EBADF (listener_fd is negative, or not a
 * seccomp listener), EBUSY (this connection's session has one already),
 * EOPNOTSUPP (the broker takes no listener over a connection: `filebroker
 * run`, which takes its worker's listener itself), or what a call to the
 * broker can fail with (ENOTCONN, ECONNRESET, EPROTO, ...; see fb_connect()).
 */
int fb_send_listener(int listener_fd);
int fb_conn_send_listener(fb_conn *conn, int listener_fd);

/* ---- The worker sandbox ---- */

/*
 * fb_sandbox_enter(): the worker sandbox, one straight-line privilege drop.
 *
 * fb_sandbox_enter() is used by `filebroker run` in the forked child before
 * it execs the worker, and by self-sandboxing workers once their start-up is
 * done.  In this fixed order, every step checked:
 *
 *   1. close every descriptor but 0, 1, 2, keep_fd, status_fd and the
 *      sockets of this process's connections to brokers (the default one,
 *      made by fb_connect() or the first call, and every fb_conn); the
 *      library's private channels are closed too, and it asks for new ones
 *      on those sockets as needed;
 *   2. when set_user: setgroups(0), setresgid, setresuid to the worker user;
 *   3. capabilities: effective, permitted, inheritable and ambient cleared;
 *      when CAP_SETPCAP is at hand (we were root) the bounding set is emptied
 *      and the securebits are locked; then "regaining root fails" is verified;
 *   4. PR_SET_NO_NEW_PRIVS;
 *   5. Landlock at the best ABI the kernel has: every filesystem right
 *      handled, none granted except EXECUTE|READ_FILE on exec_paths; TCP
 *      bind/connect handled unless allow_net; signal and abstract-socket
 *      scoping (ABI 6+);
 *   6. seccomp: an allowlist filter (x86_64 only; i386 and x32 kill the
 *      process; unknown syscalls fail with ENOSYS) plus a small guard filter
 *      for the ioctl and prctl values the allowlist cannot express (the
 *      terminal's TIOCSTI and TIOCLINUX; without allow_net the network
 *      information ioctls, SIOCGIFCONF, SIOCGIFHWADDR ..., EPERM);
 *   7. transparent mode with listener_fd NULL: the listener is sent to the
 *      broker over this process's connection (fb_send_listener()) and
 *      closed.
 *
 * docs/threat-model.md lists every syscall and what the filter does with it.
 *
 * Before calling: chdir(2) to where the worker should be (chdir and fchdir
 * are denied afterwards), and make the process single-threaded (Landlock and
 * seccomp confine the calling thread only; a second thread is refused with
 * EBUSY).  After a successful return from `filebroker run`'s child, set
 * PR_SET_PDEATHSIG (allowed by the filter) and compare getppid() to the broker
 * pid: the credential change cleared any earlier death signal.
 *
 * Modes.  transparent = 1: the path syscalls (open, openat, openat2, creat,
 * stat, lstat, newfstatat, statx, access, faccessat, faccessat2, readlink,
 * readlinkat, mkdir, mkdirat, unlink, unlinkat, rmdir, rename, renameat,
 * renameat2) return SECCOMP_RET_USER_NOTIF, and the listener descriptor
 * (close-on-exec) is stored in *listener_fd: the caller owns it, sends it to
 * the broker and closes it before running untrusted code.  With listener_fd
 * NULL the library does that itself (step 7), for a worker connected to a
 * daemon (`filebroker serve`, fb_connect() or FILEBROKER_SOCKET; connected
 * here from the environment, before anything changes, if not yet): when
 * fb_sandbox_enter() returns 0 the daemon serves the listener, whose
 * calls it decides with the worker's profile.  transparent = 0
 * (explicit mode): the same syscalls fail with EACCES and the worker asks the
 * broker through libfilebroker; newfstatat/statx with AT_EMPTY_PATH stay
 * allowed so that glibc's fstat() (and with it fdopendir) works, which lets
 * the worker learn the metadata, not the contents, of paths it names (see
 * docs/threat-model.md, "Explicit mode and fstat").
 */
struct fb_sandbox {
	int keep_fd;   /* the broker socket, kept open; -1 for none */
	int status_fd; /* also kept open (below 3: none): a close-on-exec
					 * descriptor on which a launcher's child reports
					 * to its parent until exec */
	int set_user;  /* 1: switch to uid/gid below (requires root) */
	uid_t uid;
	gid_t gid;
	const char *const *exec_paths; /* NULL-terminated (or NULL): files or folders
					 * granted EXECUTE|READ_FILE by Landlock (folders:
					 * beneath); a dynamic program also needs its ELF
					 * interpreter (/lib64/ld-linux-x86-64.so.2) here */
	int allow_net;		       /* 1: TCP/UDP sockets allowed, Landlock net rights
					 * not handled */
	int transparent;	       /* 1: path syscalls notified; 0: EACCES */
	int *listener_fd;	       /* out, when transparent: the seccomp listener,
					 * or -1 when weaker fell back to EACCES; NULL:
					 * send it to the connected broker (step 7) */
	int weaker;		       /* 1: continue without Landlock, without Landlock
					 * scoping or without seccomp notification features,
					 * reporting what is missing */
	void (*report)(const char *msg, void *arg); /* optional warnings sink */
	void *report_arg;
};

/*
 * Apply the sandbox to the calling process.  Returns 0, or -1 with errno:
 *   EINVAL   a bad argument (set_user to uid 0 or gid 0, keep_fd not an
 *            open descriptor);
 *   EPERM    set_user without root; running as root without set_user (unless
 *            weaker); root could be regained after the switch;
 *   EBUSY    the process has more than one thread;
 *   ENOTSUP  the kernel lacks Landlock, Landlock scoping, or a seccomp
 *            feature the mode needs, and weaker is 0 (report says which);
 *   ENOENT, EACCES ... an exec_paths entry could not be opened;
 *   ENOTCONN ... (listener_fd NULL) no broker connection, see fb_connect();
 *   EBUSY, EOPNOTSUPP ... (listener_fd NULL) the broker refused the
 *            listener, see fb_send_listener();
 *   anything a step's syscall returned.
 * When report is set, it receives a one-line reason for a failure and every
 * weakening accepted because of weaker.
 *
 * After a failure the process is in an unknown, partly confined state (some
 * descriptors closed, maybe another uid, maybe filters installed): it must not
 * go on with its work and must exit.
 */
int fb_sandbox_enter(const struct fb_sandbox *sb);

/*
 * Write a human-readable summary of what fb_sandbox_enter(sb) would do on
 * this kernel to out, without applying anything: user, descriptors,
 * capabilities, Landlock ABI and rules, seccomp summary (counts of allowed,
 * notified and denied syscalls, and the notable denials), and what is
 * missing.  Returns 0, or -1 with errno (EIO when writing failed).
 */
int fb_sandbox_describe(const struct fb_sandbox *sb, FILE *out);

struct fb_sandbox_support {
	int landlock_abi;    /* 0: no Landlock; else the ABI version */
	int landlock_errata; /* the errata bitmask (0 if unknown) */
	int seccomp_filter;  /* seccomp(SECCOMP_SET_MODE_FILTER) and RET_KILL_PROCESS */
	int seccomp_notify;  /* SECCOMP_RET_USER_NOTIF (5.0+) */
	int wait_killable;   /* NEW_LISTENER|WAIT_KILLABLE_RECV accepted (5.19+) */
	int addfd_send;	     /* SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND (5.14+) */
};

/*
 * Find out what the running kernel offers.  May fork a short-lived child to
 * probe ADDFD_SEND on a real listener.  Returns 0 (fields filled, 0 meaning
 * absent) or -1 with errno if a probe could not be run at all.
 */
int fb_sandbox_probe(struct fb_sandbox_support *s);

#ifdef __cplusplus
}
#endif

#endif
