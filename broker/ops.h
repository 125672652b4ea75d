/*
 * ops.h: the broker's request handlers, one per protocol operation,
 * dispatched from a table (an unknown operation never reaches a handler:
 * the decoder rejects it).
 */
#ifndef FB_OPS_H
#define FB_OPS_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "proto.h"
#include "resolve.h"

struct policy;
struct audit;
struct task_ns;
struct audit_sess;
struct private_tmp;

/* One worker session: everything a request is decided and recorded with. */
struct session {
	const struct policy *policy;
	struct audit *audit;	/* NULL: denials get a line on stderr */
	struct fsctx fs;
	pid_t pid;		/* the worker, as the broker started it */
	struct task_ns *ns;	/* the worker's PID namespace (task.h), or NULL:
				   the pids of its /proc are the host's */
	uid_t uid;		/* the worker's credentials */
	gid_t gid;
	int chown_new;		/* give created files and folders to uid/gid */
	const char *preload;	/* filebroker run's preload library (canonical):
				   the worker may read it whatever the policy
				   says (rule "@preload"); NULL: none */
	int complain;		/* --complain: a policy denial is recorded as
				   "would-deny" and the request goes on; the
				   resolution's safety rules still hold */
	struct private_tmp *tmp; /* run's private temporary folder, for the hint
				   of a denial in /tmp (private_tmp_denied());
				   NULL: none (and always for the daemon) */

	/* Create a new connection to this session; serve.c provides it.
	 * Returns 0 and the worker's end in *fd, or a positive errno. */
	int (*new_channel)(struct session *s, int *fd);
	void *serve;
	int accept_listener;	/* FB_MSG_LISTENER is served: the worker may send
				   its seccomp listener (filebroker serve) */
	/* Asked first by ops_handle(), once per request (so once per entry of
	 * an OPENV): 0 admits it; a positive errno refuses it, and the request
	 * is answered and recorded with that errno (decision "error"),
	 * nothing decided or done.  NULL admits everything (run mode).
	 * filebroker serve's --max-rate sets it. */
	int (*admit)(struct session *s, const struct fb_request *req);
	void *admit_arg;

	uint64_t nrequests;
	uint64_t ndenied;
	struct audit_sess *sess; /* its session records (audit.h), NULL
				    without a sink */
	int audit_broken;	/* the audit sink failed: fail closed */
	struct denials *denials; /* no sink: the denial lines printed (denials.h) */
};

/*
 * Requests only transparent mode makes, never on the wire (the decoder
 * takes types up to FB_MSG_TYPE_MAX).  symlink(2) and symlinkat(2): path
 * the new link's name, path2 its target as the worker wrote it (stored,
 * never followed by the broker).
 */
#define OPS_MSG_SYMLINK 0x100
/* utimensat(2) with a path: flags AT_SYMLINK_NOFOLLOW or 0; the times in
 * origin.times (NULL: both now). */
#define OPS_MSG_UTIMES 0x101
/* chmod(2), fchmodat(2) and fchmod(2): the mode in the request's mode.
 * fchmod names the worker's descriptor by the path it has now, with the
 * object it holds in origin.fdobj. */
#define OPS_MSG_CHMOD 0x102
/* statfs(2): the answer goes into origin.statfs. */
#define OPS_MSG_STATFS 0x103
/* truncate(2): the length in origin.length. */
#define OPS_MSG_TRUNCATE 0x104
/* inotify_add_watch(2): the mask in the request's flags, the broker's copy
 * of the worker's inotify descriptor in origin.ifd, the watch descriptor
 * returned in *origin.wd. */
#define OPS_MSG_WATCH 0x105
/* link(2), linkat(2): path the existing file, path2 the new name; flags
 * AT_SYMLINK_FOLLOW or 0. */
#define OPS_MSG_LINK 0x106

struct statfs;

/* Who asked, for the decision (/proc/self) and the audit record: always
 * the kernel's word, never a number the worker sent. */
struct origin {
	const char *mode; /* "explicit" or "transparent" */
	pid_t pid;	  /* the asking process: the sender of this very
			     message (SCM_CREDENTIALS), or the thread group of
			     the thread that made the call; 0 when the broker
			     cannot see it (another pid namespace) */
	pid_t tid;	  /* the asking thread; 0 when unknown */
	pid_t nspid;	  /* the same two as the worker's /proc numbers them
			     (task.h): in its PID namespace, what getpid() */
	pid_t nstid;	  /* and gettid() say there; pid and tid without one;
			     0 when unknown.  /proc/self, the policy's
			     /proc/self and the /proc/PID rule go by these,
			     the audit record by pid and tid */
	uid_t uid;	  /* the sender's real uid and gid (explicit mode: the */
	gid_t gid;	  /* kernel's; transparent mode: the session's) */
	/* open through openat2(2) with RESOLVE_* restrictions (transparent
	 * mode; else all 0): the bits, for the record; the errno the kernel's
	 * check of them gave (task_resolve()), or 0; and then the canonical
	 * path found, which is walked instead of the request's path. */
	uint64_t resolve;
	int resolve_err;
	const char *resolved;
	const struct timespec *times; /* OPS_MSG_UTIMES: the two times, or NULL */
	const struct stat *fdobj;     /* OPS_MSG_CHMOD of a descriptor: its
					 object, which the path must still
					 name; else NULL */
	struct statfs *statfs;	      /* OPS_MSG_STATFS: filled on success */
	int64_t length;		      /* OPS_MSG_TRUNCATE */
	int ifd;		      /* OPS_MSG_WATCH, else -1 */
	int *wd;		      /* OPS_MSG_WATCH: set on success */
};

/*
 * Handle one decoded request from o.  Fills rep (type, id, error, payload) and
 * sets *fd to the descriptor to send with it, or -1; the caller owns and
 * closes *fd after sending.  The audit record is written before this
 * returns, so it always precedes the descriptor it grants; if it cannot be
 * written the request fails with EIO and no descriptor is given.
 * t0 is when the request arrived.
 */
void ops_handle(struct session *s, const struct origin *o, const struct fb_request *req,
    const struct timespec *t0, struct fb_reply *rep, int *fd);

/*
 * Handle a decoded FB_MSG_OPENV from o.  Each entry is an FB_MSG_OPEN of its
 * path, flags and mode, handled by ops_handle() in entry order: decided on
 * its own, with its own audit record, rule and errno, as if sent alone.
 * Fills rep (type FB_MSG_OPENV, id, count, result[], nfds; error 0) and puts
 * the descriptors of the entries whose result is 0, in entry order, in
 * fds[0 .. rep->nfds - 1]; the caller owns and closes them after sending.
 * Every entry's record is written before this returns, so before any of
 * the descriptors can be sent.  t0 is when the request arrived.
 */
void ops_handle_openv(struct session *s, const struct origin *o,
    const struct fb_openv_request *v, const struct timespec *t0, struct fb_reply *rep,
    int fds[FB_OPENV_MAX]);

/*
 * --audit-sync: make the records written so far durable (audit_sync())
 * before a reply leaves.  Returns 0, or -1 when they could not be: the
 * failure is logged once and the session fails closed from then on; the
 * caller answers EIO and hands out no descriptor.  Cheap when nothing is
 * to be synced.
 */
int ops_audit_sync(struct session *s);

#endif
