/*
 * ops.h: the broker's operations: a session, and ops_handle(), which
 * decides and does one request (request.h) with the handler its row of the
 * operation table names (ops_table.h).
 */
#ifndef FB_OPS_H
#define FB_OPS_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "request.h"
#include "resolve.h"

struct policy;
struct audit;
struct task_ns;
struct audit_sess;
struct private_tmp;
struct stat;

/* One worker session: everything a request is decided and recorded with. */
struct session {
	const struct policy *policy;
	struct audit *audit; /* NULL: denials get a line on stderr */
	struct fsctx fs;
	pid_t pid;	    /* the worker, as the broker started it */
	struct task_ns *ns; /* the worker's PID namespace (task.h), or NULL:
				   the pids of its /proc are the host's */
	uid_t uid;	    /* the worker's credentials */
	gid_t gid;
	int chown_new;	     /* give created files and folders to uid/gid */
	const char *preload; /* filebroker run's preload library (canonical):
				   the worker may read it whatever the policy
				   says (rule "@preload"); NULL: none */
	int complain;	     /* --complain: a policy denial is recorded as
				   "would-deny" and the request goes on; the
				   resolution's safety rules still hold */
	/* run's: an exec decided as the worker's Landlock domain will, with
	 * the exec grants it was given (exec_grants_decide()): 1 allowed,
	 * with the path granted (*grant) and the rule to name or NULL (*rule),
	 * 0 refused.  NULL: the policy decides (the daemon, whose peers made
	 * their own domains).  A callback: run/ is above core/. */
	int (*exec_decide)(const struct session *s, const char *canon, const struct stat *st,
	    const char **grant, const char **rule);
	const void *exec_arg;	 /* for it: run's grants */
	struct private_tmp *tmp; /* run's private temporary folder, for the hint
				   of a denial in /tmp (private_tmp_denied());
				   NULL: none (and always for the daemon) */
	int tell_rules;		 /* --tell-rules: a wire reply to a denial names
				   the rule that refused it (wire.c) */

	/* Create a new connection to this session; loop.c provides it.
	 * Returns 0 and the worker's end in *fd, or a positive errno. */
	int (*new_channel)(struct session *s, int *fd);
	void *serve;
	/* FB_MSG_LISTENER: serve fd, the worker's own seccomp listener, for
	 * this session (filebroker serve sets it: notify_adopt()).  Takes
	 * ownership of fd; 0 or a positive errno.  NULL: EOPNOTSUPP. */
	int (*listener)(struct session *s, int fd);
	/* Asked first by ops_handle(), once per request (so once per entry of
	 * an OPENV), and for FB_MSG_LISTENER: 0 admits it; a positive errno
	 * refuses it, and the request is answered and recorded with that
	 * errno (decision "error"), nothing decided or done.  NULL admits
	 * everything (run mode).  filebroker serve's --max-rate sets it. */
	int (*admit)(struct session *s);
	void *admit_arg;

	uint64_t nrequests;
	uint64_t ndenied;
	uint64_t nstatlike;	 /* of them, transparent stat, lstat and readlink
				    (run's hint at its end: stat_hint()) */
	struct audit_sess *sess; /* its session records (audit.h), NULL
				    without a sink */
	int audit_broken;	 /* the audit sink failed: fail closed */
	struct denials *denials; /* no sink: the denial lines printed (denials.h) */
};

/*
 * Decide and do one request of session s (request.h), which arrived at
 * t0 (CLOCK_MONOTONIC; read only for a session with an audit sink, whose
 * records say how long a request took), and fill res.  The audit record is written before
 * this returns, so it always precedes the descriptor or answer it grants;
 * if it cannot be written the request fails with EIO and nothing it would
 * have granted is given (a change already made is reported truthfully).  A
 * change of the file system has its intent written before it is made
 * (ops_intent(), ops_impl.h), and this record is then its outcome.
 * An operation the request's front end may not send is EINVAL.
 */
void ops_handle(struct session *s, const struct request *req, const struct timespec *t0,
    struct result *res);

/*
 * --audit-sync: make the records written so far durable (audit_sync())
 * before a reply leaves.  Returns 0, or -1 when they could not be: the
 * failure is logged once and the session fails closed from then on; the
 * caller answers EIO and hands out no descriptor.  Cheap when nothing is
 * to be synced.
 */
int ops_audit_sync(struct session *s);

#endif
