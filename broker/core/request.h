/*
 * request.h: the broker's own request and result, independent of where a
 * request came from.  Each front end decodes into a struct request: the
 * wire decoder (wire.c, for `run --explicit` and the daemon's
 * peers), the seccomp-notification decoder (notify_call.c, notify.c, for
 * transparent mode); ops_handle() (ops.h) decides and acts on it and fills
 * a struct result, which the front end answers with in its own form (a
 * wire reply, an ADDFD, a struct stat or statx written into the worker).
 *
 * Which operation takes which arguments, answers with what and may come
 * from which front end is the operation table's (ops_table.h).
 */
#ifndef FB_REQUEST_H
#define FB_REQUEST_H

#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>

/* Every operation the broker performs, one row each in ops_defs[]. */
enum op {
	OP_OPEN,
	OP_STAT,
	OP_LSTAT,
	OP_ACCESS,
	OP_READLINK,
	OP_MKDIR,
	OP_UNLINK,
	OP_RMDIR,
	OP_RENAME,
	OP_CHANNEL,
	OP_SYMLINK,
	OP_LINK,
	OP_UTIMES,
	OP_CHMOD,
	OP_TRUNCATE,
	OP_STATFS,
	OP_WATCH,
	OP_MKNOD,
	OP_REALPATH,
	OP_EXEC,
	OP_COUNT
};

/* The front ends, as bits (an operation's row says which may send it). */
enum front {
	FRONT_WIRE = 1,	  /* libfilebroker over a connection: run --explicit, serve */
	FRONT_NOTIFY = 2, /* a seccomp notification: transparent mode */
};

/* Who asked: always the kernel's word, never a number the worker sent. */
struct asker {
	enum front front;
	pid_t pid;	 /* the asking process: the sender of this very message
		      (SCM_CREDENTIALS), or the thread group of the thread
		      that made the call; 0 when the broker cannot see it
		      (another pid namespace) */
	pid_t tid;	 /* the asking thread; 0 when unknown (the wire) */
	pid_t nspid;	 /* the same two as the worker's /proc numbers them */
	pid_t nstid;	 /* (task.h): in its PID namespace, what getpid() and
			gettid() say there; pid and tid without one; 0 when
			unknown.  /proc/self, the policy's /proc/self and the
			/proc/PID rule go by these, the audit record by pid
			and tid (and these beside them, in a namespace) */
	uid_t uid;	 /* the sender's real uid and gid (the wire: the kernel's; */
	gid_t gid;	 /* transparent mode: the session's) */
	const char *exe; /* the program the asking process runs, as its
			    /proc/PID/exe said when the request came (a hint:
			    exe.h says how it is cached); NULL: unknown */
};

/* Each operation's own arguments, besides its paths. */
union op_args {
	struct {
		uint32_t flags;	      /* open(2) flags, O_CLOEXEC excluded */
		uint32_t mode;	      /* with O_CREAT */
		uint64_t resolve;     /* openat2(2) RESOLVE_* bits, or 0 */
		int resolve_err;      /* the errno the kernel's check of them
					gave (task_resolve()), or 0 */
		const char *resolved; /* what that check found (path joined,
					 or with RESOLVE_IN_ROOT the canonical
					 path), walked instead of path; or NULL */
	} open;
	struct {
		uint32_t mode; /* F_OK, or R_OK | W_OK | X_OK */
	} access;
	struct {
		uint32_t mode;
	} mkdir;
	struct {
		uint32_t flags; /* renameat2(2): 0, RENAME_NOREPLACE or
				   RENAME_EXCHANGE */
	} rename;
	struct {
		uint32_t flags; /* linkat(2): AT_SYMLINK_FOLLOW or 0 */
	} link;
	struct {
		uint32_t flags;		      /* AT_SYMLINK_NOFOLLOW or 0 */
		const struct timespec *times; /* the two times, or NULL: now */
	} utimes;
	struct {
		uint32_t mode;
		const struct stat *fdobj; /* fchmod(2): the descriptor's object,
					     which path must still name; else
					     NULL */
	} chmod;
	struct {
		int64_t length;
	} truncate;
	struct {
		uint32_t mask; /* inotify_add_watch(2)'s */
		int ifd;       /* the broker's copy of the worker's inotify
				  descriptor (the caller's to close) */
	} watch;
	struct {
		uint32_t mode; /* file type (S_IFIFO, S_IFREG) and permissions */
		uint64_t dev;  /* mknod(2)'s; 0 for what the broker makes */
	} mknod;
	struct {
		uint32_t nofollow; /* execveat(2) AT_SYMLINK_NOFOLLOW */
	} exec;
};

/*
 * One request.  path is NUL-terminated and absolute (a relative one is
 * EINVAL: whose working folder would it be?); path2 is the second path of
 * rename and link, a symlink's target (stored, never followed), else
 * unused.  Both stay the caller's, as does everything a pointer in args
 * names, until ops_handle() returns.
 */
struct request {
	enum op op;
	struct asker who;
	const char *path;
	const char *path2;
	/* How much of path (path2) names a folder the asker holds: its
	 * working folder or a descriptor's, as the kernel names it, which a
	 * relative path was joined to; 0 for none.  The walk climbs out of
	 * it and its parents without asking (walk_path_climb()). */
	size_t held, held2;
	union op_args a;
	int refused; /* 0, or the errno the front end found before any
			handler could run (the wire: a folder descriptor
			the broker cannot name): answered and recorded so */
};

/* What an operation answers with, besides its errno (its row's answer). */
enum answer {
	ANSWER_NONE,
	ANSWER_FD,     /* fd: a descriptor to hand out */
	ANSWER_STAT,   /* st */
	ANSWER_STATFS, /* sfs */
	ANSWER_TARGET, /* target: a link's target */
	ANSWER_VALUE,  /* value: inotify's watch descriptor */
};

/*
 * The outcome.  error is 0 or a positive errno; the answer's field is set
 * only when error is 0.  fd is -1 unless an ANSWER_FD operation succeeded:
 * the caller then owns it and closes it once sent.  rule names the rule
 * that refused it, as its record does, when error is a denial's (EACCES,
 * EPERM, or an ENOENT that hides the path), NULL otherwise; it lives as
 * long as the session's policy.
 */
struct result {
	int error;
	int fd;
	const char *rule;
	int64_t value;
	struct stat st;
	struct statfs sfs;
	char target[PATH_MAX]; /* NUL-terminated */
};

#endif
