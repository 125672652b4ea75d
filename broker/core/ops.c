/*
 * ops.c: one request, decided and done: its row of the operation table
 * (ops_table.c) names the handler, which resolves the worker's path to a
 * pinned object (resolve.c), decides on its canonical path (policy/), and
 * only then acts, on that object; then the /proc/PID rule, the audit
 * record, and the answer.  Errors a worker can see:
 *
 *	EACCES	the policy denies it (open, mkdir, mknod, unlink, rmdir,
 *		rename, symlink, utimensat, chmod, truncate, inotify_add_watch), or
 *		one of the broker's own rules does, whatever the policy says
 *		(@link, @rename, @broker-file)
 *	ENOENT	missing, or invisible to the worker: stat, lstat, access,
 *		readlink and statfs never tell a path the policy hides from
 *		one that does not exist, but in a folder the worker may list,
 *		whose listing tells it: there a hidden name is EACCES
 *	EINVAL	unsupported flags (O_TMPFILE, unknown bits, O_PATH on the
 *		wire), a relative path
 *	EOPNOTSUPP  transparent mode's O_PATH of anything but a folder asked
 *		for with O_DIRECTORY (ops_open.c, open_path())
 *	EPERM	utimensat with explicit times on a file not the worker's;
 *		chmod of a file not the worker's, or asking for a set-user-ID
 *		bit (or set-group-ID on a file), or of a descriptor whose
 *		file no longer has that name; mknod of a device, a socket
 *		or a folder
 *	EAGAIN	a file under another process's lease (F_SETLEASE): the
 *		broker never waits for it to be broken; ask again
 *	EIO	the audit record could not be written (fail closed)
 *	others	as the kernel reports them for the object, and only where
 *		the worker may see the path: an error that says what an
 *		object is (ELOOP, EISDIR, ENOTDIR, EEXIST, a walk's error)
 *		is decided first, and a hidden path gets the denial's
 *		answer whatever is there
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "denials.h"
#include "log.h"
#include "ops.h"
#include "ops_impl.h"
#include "ops_table.h"
#include "private_tmp.h"
#include "task.h"

static uint64_t
elapsed_ns(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000000000L + (t1.tv_nsec - t0->tv_nsec));
}

/* The flags a record shows: the uint32_t of the arguments its row names
 * (open's flags, renameat2's, inotify's mask, chmod's mode ...). */
static unsigned
record_flags(const struct op_def *def, const struct request *req)
{
	uint32_t v;

	if (def->shows == 0)
		return 0;
	memcpy(&v, (const char *)&req->a + def->shows - 1, sizeof(v));
	return v;
}

/* The request's record, or with phase AUDIT_PHASE_INTENT its intent (a
 * change written ahead: ops_intent()). */
static void
record(struct opctx *c, const struct op_def *def, const struct timespec *t0, int err,
    enum audit_phase phase)
{
	struct audit_event ev;

	/* No sink and nothing denied: no line to write, no clock to read. */
	if (c->s->audit == NULL && !(c->decided && !c->allowed))
		return;
	memset(&ev, 0, sizeof(ev));
	/* The times are the record's alone: a denial's line has none. */
	if (c->s->audit != NULL) {
		clock_gettime(CLOCK_REALTIME, &ev.when);
		ev.duration_ns = elapsed_ns(t0);
	}
	ev.pid = c->req->who.pid;
	ev.tid = c->req->who.tid;
	if (c->s->ns != NULL) {
		/* The worker's own numbers, beside the host's. */
		ev.nspid = c->req->who.nspid;
		ev.nstid = c->req->who.nstid;
	}
	ev.uid = c->req->who.uid;
	ev.gid = c->req->who.gid;
	ev.exe = c->req->who.exe;
	ev.interp = c->interp[0] != '\0' ? c->interp : NULL;
	ev.mode = c->req->who.front == FRONT_NOTIFY ? "transparent" : "explicit";
	ev.op = def->name;
	ev.path = def->paths > 0 ? c->req->path : "";
	ev.path2 = (def->record & REC_PATH2) ? c->req->path2 : NULL;
	ev.canon = c->canon[0] != '\0' ? c->canon : NULL;
	ev.canon2 = c->canon2[0] != '\0' ? c->canon2 : NULL;
	ev.access = c->access;
	ev.flags = record_flags(def, c->req);
	ev.resolve = (def->record & REC_RESOLVE) ? c->req->a.open.resolve : 0;
	ev.allowed = c->decided ? c->allowed : 0;
	ev.rule = c->decided ? c->rule : NULL;
	ev.err = err;
	ev.complain = c->s->complain;
	ev.waived = c->decided && !c->allowed && c->waived;
	ev.denied_access = c->denied_access;
	ev.denied_second = c->denied_second;
	ev.session = c->s->sess;
	ev.phase = phase;
	ev.req = c->reqno;

	/* An intent (complain mode's would-deny) is said once, by its
	 * outcome: no hint, no count, no denial line. */
	if (phase != AUDIT_PHASE_INTENT && c->decided && !c->allowed && !c->waived)
		private_tmp_denied(c->s->tmp, ev.canon, ev.access, ev.rule);
	/* Counted for the summary; without a sink, a line on stderr for
	 * each distinct denial (denials.h). */
	if (phase != AUDIT_PHASE_INTENT && c->decided && !c->allowed)
		denials_note(c->s, &ev);
	if (c->s->audit == NULL)
		return;
	if (audit_write(c->s->audit, &ev) == -1) {
		/* Fail closed: no descriptor leaves without its record.  Said
		 * once, not per request. */
		if (!c->s->audit_broken)
			log_warn("audit: %s: a record could not be written; denying every "
				 "request from now on",
			    audit_failed(c->s->audit) ? audit_failed(c->s->audit) : "sink");
		c->s->audit_broken = 1;
	}
}

int
ops_intent(struct opctx *c)
{
	const struct op_def *def = &ops_defs[c->req->op];

	if (!(def->record & REC_AHEAD))
		fatalx("%s: a change its row does not write ahead", def->name);
	if (c->s->audit == NULL || c->intent)
		return 0;
	/* The write(2) completed: the intent is in the kernel, which a broker
	 * killed now cannot take back.  With --audit-sync it is on disk too,
	 * before the change can be. */
	record(c, def, c->t0, 0, AUDIT_PHASE_INTENT);
	if (c->s->audit_broken || ops_audit_sync(c->s) == -1)
		return EIO;
	c->intent = 1;
	return 0;
}

int
ops_audit_sync(struct session *s)
{
	if (s->audit == NULL || audit_sync(s->audit) == 0)
		return 0;
	if (!s->audit_broken)
		log_warn("audit: %s: records could not be made durable; denying every "
			 "request from now on",
		    audit_failed(s->audit) ? audit_failed(s->audit) : "sink");
	s->audit_broken = 1;
	return -1;
}

/*
 * The handler of the request's row, once the request may be handled at
 * all: admitted (--max-rate), its front end one that may send it, the
 * audit sink working, its paths absolute.  0 or the errno to answer.
 */
static int
run_handler(struct opctx *c, const struct op_def *def)
{
	const struct request *req = c->req;
	int e;

	/* Refused before anything is looked at: no decision, no path
	 * resolved, and the errno the hook chose (serve: EAGAIN). */
	if (c->s->admit != NULL && (e = c->s->admit(c->s)) != 0)
		return e;
	if (!(def->fronts & req->who.front))
		return EINVAL; /* a front end's bug: its decoder makes no such request */
	if (c->s->audit_broken)
		return EIO;
	if (req->refused != 0)
		return req->refused;
	/* Whose working folder would a relative path be?  The client sends
	 * absolute paths, notify.c joins them with the thread's folder. */
	if (def->paths >= 1 && req->path[0] != '/')
		return EINVAL;
	if (def->paths >= 2 && req->path2[0] != '/')
		return EINVAL;
	return def->handler(c);
}

void
ops_handle(struct session *s, const struct request *req, const struct timespec *t0,
    struct result *res)
{
	const struct op_def *def;
	struct opctx c;
	int err, refused;

	res->fd = -1;
	res->rule = NULL;
	if ((unsigned)req->op >= OP_COUNT)
		fatalx("request of operation %d", (int)req->op); /* the decoders' job */
	def = &ops_defs[req->op];

	/* Field by field: zeroing the two path buffers (8 KiB) would cost
	 * more than the rest of a decision. */
	c.s = s;
	c.req = req;
	c.res = res;
	c.dev = 0;
	c.canon[0] = c.canon2[0] = c.interp[0] = '\0';
	c.nfold = c.nfold2 = 0;
	c.access = 0;
	c.decided = c.allowed = c.waived = 0;
	c.rule = NULL;
	c.denied_access = 0;
	c.denied_second = 0;
	c.t0 = t0;
	c.reqno = ++s->nrequests;
	if (req->who.front == FRONT_NOTIFY &&
	    (req->op == OP_STAT || req->op == OP_LSTAT || req->op == OP_READLINK))
		s->nstatlike++;
	c.intent = 0;

	err = run_handler(&c, def);
	/* /proc/PID: only the asking process's own, while it is still the
	 * session's (task.h).  A safety rule, enforced in complain mode too. */
	if (err == 0 && ((res->fd != -1 && c.dev != 0) || req->op == OP_READLINK) &&
	    (refused = task_proc_check(s, req->who.nspid, c.canon, res->fd, c.dev)) != 0) {
		err = refused;
		c.allowed = 0;
		c.waived = 0;
		c.rule = "@proc";
	}
	if (err != 0 && res->fd != -1) {
		close(res->fd);
		res->fd = -1;
	}
	if (c.decided && !c.allowed)
		s->ndenied++;
	/* The rule its record names, when the refusal is the rule's: not
	 * one complain mode waived (the error, if any, is the kernel's). */
	res->rule = err != 0 && c.decided && !c.allowed && !c.waived ? c.rule : NULL;
	if (def->record & REC_ON)
		record(&c, def, t0, err, c.intent ? AUDIT_PHASE_DONE : AUDIT_PHASE_NONE);
	if (s->audit_broken && err == 0 && s->audit != NULL && def->withhold) {
		/* The record for this very request failed: nothing it would
		 * have granted leaves.  (A change already made to the
		 * filesystem is reported truthfully.) */
		if (res->fd != -1)
			close(res->fd);
		res->fd = -1;
		err = EIO;
	}
	res->error = err;
}
