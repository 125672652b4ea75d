/*
 * ops_impl.h: what ops.c (the table, open, stat, access, readlink, the
 * record) and ops_names.c (the operations that change names) share.
 */
#ifndef FB_OPS_IMPL_H
#define FB_OPS_IMPL_H

#include <limits.h>

#include "ops.h"
#include "policy.h"
#include "resolve.h"

struct opctx {
	struct session *s;
	const struct origin *o;
	const struct fb_request *req;
	struct fb_reply *rep;
	int fd;			/* descriptor to send, or -1 */
	dev_t dev;		/* open of an existing object: its st_dev, for
				   task_proc_check(); else 0 */
	char canon[PATH_MAX];	/* for the audit record; empty if none */
	char canon2[PATH_MAX];
	unsigned access;	/* the access decided on */
	int decided;		/* a policy decision was made */
	int allowed;		/* the policy's decision */
	int waived;		/* it denied, and complain mode let it pass */
	const char *rule;
};

/* Decide access on path for the request, remembering the outcome for its
 * record (ops.c says how complain mode enters).  1 allowed, 0 not; d, when
 * not NULL, gets the decision (create mode, exact match). */
int ops_decide(struct opctx *c, const char *path, unsigned access, struct policy_decision *d);

/* Does the policy allow access on path?  Asked quietly: not the request's
 * decision, and complain mode does not enter. */
int ops_allows(struct opctx *c, const char *path, unsigned access);

/* May the worker know whether path exists?  Not the request's decision. */
int ops_visible(struct opctx *c, const char *path);

/* A failed walk (r < 0) as the errno the worker may see: hidden when the
 * path is one it may not know about.  Sets c->canon. */
int ops_walk_error(struct opctx *c, const struct walk *w, int r, int hidden);

/* Walk the request's path to an existing object (walk flags as
 * walk_path()'s).  0, or the errno the worker may see: ENOENT for a
 * missing path it may know about, else hidden (a failed walk: as
 * ops_walk_error()).  Sets c->canon; the caller releases w either way. */
int ops_walk_object(struct opctx *c, int flags, struct walk *w, int hidden);

/* Give a new file, folder or link (its O_PATH descriptor) to the worker,
 * when the broker is root: 0 or an errno. */
int ops_give_to_worker(struct opctx *c, int fd);

/* ops_names.c: mkdir, symlink, link, utimensat, chmod, truncate, unlink,
 * rmdir, rename. */
int op_mkdir(struct opctx *c);
int op_symlink(struct opctx *c);
int op_utimes(struct opctx *c);
int op_chmod(struct opctx *c);
int op_truncate(struct opctx *c);
int op_link(struct opctx *c);
int op_unlink(struct opctx *c);
int op_rmdir(struct opctx *c);
int op_rename(struct opctx *c);

#endif
