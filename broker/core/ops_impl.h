/*
 * ops_impl.h: what the handlers share: the context of one request and the
 * helpers that walk, decide and guard (ops_ctx.c).  The handlers are in
 * ops_open.c (open), ops_query.c (stat, lstat, access, readlink, statfs,
 * inotify_add_watch), ops_names.c (mkdir, mknod, symlink, link, unlink,
 * rmdir, rename), ops_attrs.c (utimensat, chmod, truncate) and ops_exec.c
 * (exec's record); the table
 * that names them is ops_table.c, and ops.c runs them.
 */
#ifndef FB_OPS_IMPL_H
#define FB_OPS_IMPL_H

#include <limits.h>

#include "ops.h"
#include "policy.h"
#include "protect.h"
#include "resolve.h"

struct opctx {
	struct session *s;
	const struct request *req;
	struct result *res;   /* res->fd: the descriptor to send, or -1 */
	dev_t dev;	      /* open of an existing object: its st_dev, for
				   task_proc_check(); else 0 */
	char canon[PATH_MAX]; /* for the audit record; empty if none */
	char canon2[PATH_MAX];
	/* Their components looked up in folders that fold case (the walk's
	 * fold bits, resolve.h): decisions on canon or canon2 take them.
	 * The words are read only when the count is not 0. */
	int nfold, nfold2;
	size_t foldw, foldw2;
	uint64_t fold[WALK_FOLD_WORDS], fold2[WALK_FOLD_WORDS];
	unsigned access; /* the access decided on */
	int decided;	 /* a policy decision was made */
	int allowed;	 /* the policy's decision */
	int waived;	 /* it denied, and complain mode let it pass */
	const char *rule;
	char interp[PATH_MAX];	   /* exec: its "#!" interpreter, canonical; empty if
				   none */
	unsigned denied_access;	   /* the first policy denial: the access asked */
	int denied_second;	   /* of canon2 (1) or canon (0), for the hint */
	const struct timespec *t0; /* when the request arrived (ops_handle()) */
	uint64_t reqno;		   /* its number in the session ("req") */
	int intent;		   /* its intent is in the trail (ops_intent()) */
};

/*
 * Write-ahead: called by a handler right before the system call that
 * changes the file system (its row has REC_AHEAD), once the request is
 * decided.  The request's intent record, with its decision and rule, goes
 * to the sink (and is synced, with --audit-sync) before the change, so that
 * a broker killed at any moment leaves no change without a record; the
 * record ops_handle() writes at the end is then its outcome.  0 (also
 * without a sink, and when the intent is already written: a retry), or
 * EIO: the intent could not be written, the change must not be made (the
 * failure is logged once and the session fails closed, as for any record).
 */
int ops_intent(struct opctx *c);

/* Set dst (c->canon or c->canon2) to w's canonical path, with its fold
 * bits. */
void ops_canon(struct opctx *c, char *dst, const struct walk *w);

/* Decide access on path for the request, remembering the outcome for its
 * record (ops.c says how complain mode enters).  1 allowed, 0 not; d, when
 * not NULL, gets the decision (create mode, exact match). */
int ops_decide(struct opctx *c, const char *path, unsigned access, struct policy_decision *d);

/* ops_decide() of a decision d made elsewhere (exec's: the worker's
 * Landlock grants, exec_grants.h): remembered for the record, complain
 * mode entering as there.  1 allowed, 0 not. */
int ops_note(struct opctx *c, const char *path, unsigned access, struct policy_decision *d);

/* policy_decide() of path, with its fold bits if it is canon or canon2
 * (policy_decide_fold()): 0 or -1 as policy_decide(). */
int ops_policy(const struct opctx *c, const char *path, unsigned access, struct policy_decision *d);

/* policy_below_check() of two of the request's canonical paths, with
 * their fold bits: 1, 0 or -1 as it. */
int ops_below(const struct opctx *c, const char *from, const char *to);

/* Does the policy allow access on path?  Asked quietly: not the request's
 * decision, and complain mode does not enter. */
int ops_allows(struct opctx *c, const char *path, unsigned access);

/* May the worker know whether path exists?  Not the request's decision. */
int ops_visible(struct opctx *c, const char *path);

/*
 * The answer to a query (stat, lstat, access, readlink, statfs) of an
 * object that exists at path (a canonical path of the request) but that
 * the worker may not see: hidden (ENOENT, as if missing), unless the
 * worker may list the folder that holds it.  There the listing shows the
 * name already, so hiding it tells nothing and only lies: a program that
 * walks the tree takes the name for a file that vanished and skips it
 * without a word (clamscan reports nothing and passes the scan).  EACCES
 * then, as the kernel answers for a file one may not reach.
 */
int ops_hidden(const struct opctx *c, const char *path, int hidden);

/*
 * A name the request would make (mkdir, mknod, symlink, link, open with
 * O_CREAT | O_EXCL) exists at path: EEXIST where the worker may create or
 * see it, else the denial's EACCES, as for a missing name.  A worker that
 * may see the name but not create it gets EEXIST recorded as an allowed
 * stat, not as a denied create (mkdir -p's mkdir of each folder on its
 * way): the answer it would get from the kernel, nothing refused.
 */
int ops_exists(struct opctx *c, const char *path);

/*
 * walk_path() of a path of the request (walk flags as its), stopping as
 * if missing at a ".." out of a folder the worker went into by name and
 * may not stat (walk_path_climb(), with the request's held folder):
 * otherwise a path into a hidden folder and out again
 * ("/hidden/x/../../ok/f") would be answered when x exists and not when
 * it does not.  Complain mode lets the walk climb out.
 */
int ops_walk(struct opctx *c, const char *path, int flags, struct walk *w);

/* A failed walk (r < 0) as the errno the worker may see: hidden when the
 * path is one it may not know about.  Sets c->canon. */
int ops_walk_error(struct opctx *c, const struct walk *w, int r, int hidden);

/* Walk the request's path to an existing object (walk flags as
 * walk_path()'s).  0, or the errno the worker may see: ENOENT for a
 * missing path it may know about, else hidden (a failed walk: as
 * ops_walk_error()).  Sets c->canon; the caller releases w either way. */
int ops_walk_object(struct opctx *c, int flags, struct walk *w, int hidden);

/* The "@broker-file" rule (protect.h): may the request use the object at
 * canon (st its stat, or NULL) so, whatever the policy says and in complain
 * mode too?  0, or EACCES with the request recorded as denied by it. */
int ops_guard(struct opctx *c, const char *canon, const struct stat *st, enum protect_use use);

/* May the request change the object w pins, with access (write, delete)?
 * Decided (d, when not NULL, gets the decision), then the "@broker-file"
 * rule: 0, or EACCES recorded with the rule that refused. */
int ops_may_change(struct opctx *c, const struct walk *w, unsigned access,
    struct policy_decision *d);

/* May the request make a new name where w found none?  Create decided on
 * w's canonical path, then the "@broker-file" rule: 0 or EACCES. */
int ops_may_create(struct opctx *c, const struct walk *w, struct policy_decision *d);

/* Give a new file, folder or link (its O_PATH descriptor) to the worker,
 * when the broker is root: 0 or an errno. */
int ops_give_to_worker(struct opctx *c, int fd);

/* The rule's mode= bound for a folder: search wherever it has read, so
 * mode=0600 gives 0700 folders (mkdir, chmod). */
mode_t ops_folder_bound(unsigned create_mode);

/*
 * The permission bits of a new object of type (S_IFREG, S_IFIFO, S_IFDIR),
 * as the kernel would make it for the worker: the bits asked less the
 * asker's umask (its calling thread's, or the sending process's on the
 * wire), bounded by the rule's mode= (bound: a decision's create_mode; a
 * folder keeps search where it has read), and never set-user-ID or
 * set-group-ID; sticky on a folder only, where it was asked.
 */
mode_t ops_new_mode(const struct opctx *c, mode_t type, unsigned asked, unsigned bound);

/* Set the permission bits of the object fd (open or O_PATH) to mode,
 * through the broker's /proc/self/fd: 0 or an errno. */
int ops_set_mode(const struct opctx *c, int fd, mode_t mode);

/* The handlers, one per operation (ops_table.c): 0 or the errno to
 * answer. */
int op_open(struct opctx *c);
int op_stat(struct opctx *c);
int op_lstat(struct opctx *c);
int op_access(struct opctx *c);
int op_readlink(struct opctx *c);
int op_statfs(struct opctx *c);
int op_watch(struct opctx *c);
int op_mkdir(struct opctx *c);
int op_mknod(struct opctx *c);
int op_realpath(struct opctx *c);
int op_symlink(struct opctx *c);
int op_link(struct opctx *c);
int op_unlink(struct opctx *c);
int op_rmdir(struct opctx *c);
int op_rename(struct opctx *c);
int op_utimes(struct opctx *c);
int op_chmod(struct opctx *c);
int op_truncate(struct opctx *c);
int op_exec(struct opctx *c);

#endif
