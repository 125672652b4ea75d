/*
 * ops_ctx.c: what every handler does around its act (ops_impl.h): walk
 * the request's path to a pinned object, decide on its canonical path
 * (complain mode enters here and nowhere else), hide what the worker may
 * not see, guard the broker's own files, give what was made to the
 * worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops_impl.h"
#include "path.h"
#include "policy.h"
#include "task.h"

void
ops_canon(struct opctx *c, char *dst, const struct walk *w)
{
	int second = dst == c->canon2;
	size_t words = (size_t)(w->depth + 63) / 64;

	path_copy(dst, PATH_MAX, w->canon);
	*(second ? &c->nfold2 : &c->nfold) = w->nfold;
	if (w->nfold == 0)
		return;
	memcpy(second ? c->fold2 : c->fold, w->fold, words * sizeof(w->fold[0]));
	*(second ? &c->foldw2 : &c->foldw) = words;
}

/* The fold bits for path, if it is one of the request's canonical paths
 * walked through folders that fold case; NULL otherwise. */
static const uint64_t *
fold_of(const struct opctx *c, const char *path, size_t *words)
{
	if (c->nfold > 0 && (path == c->canon || strcmp(path, c->canon) == 0)) {
		*words = c->foldw;
		return c->fold;
	}
	if (c->nfold2 > 0 && (path == c->canon2 || strcmp(path, c->canon2) == 0)) {
		*words = c->foldw2;
		return c->fold2;
	}
	*words = 0;
	return NULL;
}

int
ops_policy(const struct opctx *c, const char *path, unsigned access, struct policy_decision *d)
{
	const uint64_t *fold;
	size_t words;

	fold = fold_of(c, path, &words);
	return policy_decide_fold(c->s->policy, path, access, c->req->who.nspid, fold, words, d);
}

int
ops_below(const struct opctx *c, const char *from, const char *to)
{
	const uint64_t *ff, *tf;
	size_t fw, tw;

	ff = fold_of(c, from, &fw);
	tf = fold_of(c, to, &tw);
	return policy_below_check_fold(c->s->policy, from, ff, to, tf, fw > tw ? fw : tw,
	    POLICY_ALL, c->req->who.nspid);
}

/* Decide access on path, remembering the outcome for the audit record.
 * A denial sticks: a later allow (rename's second path) does not undo it.
 *
 * Complain mode is decided here and nowhere else: a policy denial is
 * recorded as such (and marked waived, "would-deny") and the request goes
 * on as if allowed, with the default create mode bound and d->exact clear,
 * so that FIFOs, sockets and devices still need an exact allow rule: that
 * is a safety rule, not the policy's, and complain mode does not lift it.
 * Nor does it lift anything the resolution refuses (magic links, paths
 * that do not resolve): those never reach a decision. */
int
ops_decide(struct opctx *c, const char *path, unsigned access, struct policy_decision *d)
{
	struct policy_decision tmp;

	if (d == NULL)
		d = &tmp;
	if (c->s->preload != NULL && (access & ~(unsigned)(POLICY_READ | POLICY_STAT)) == 0 &&
	    strcmp(path, c->s->preload) == 0) {
		/* The library filebroker run itself put in LD_PRELOAD: the
		 * loader must be able to map it, policy or not.  Reading it
		 * tells the worker nothing it does not hold already. */
		d->allowed = 1;
		d->rule = "@preload";
		d->create_mode = 0;
		d->exact = 0;
	} else if (ops_policy(c, path, access, d) == -1) {
		d->allowed = 0;
		d->rule = "default";
	}
	return ops_note(c, path, access, d);
}

/* The bookkeeping of ops_decide(), for a decision made elsewhere (exec's,
 * by the worker's Landlock grants). */
int
ops_note(struct opctx *c, const char *path, unsigned access, struct policy_decision *d)
{
	if (!c->decided || (c->allowed && !d->allowed)) {
		c->allowed = d->allowed;
		c->rule = d->rule;
	}
	if (!d->allowed && c->denied_access == 0) {
		c->denied_access = access;
		c->denied_second = c->canon2[0] != '\0' && strcmp(path, c->canon2) == 0;
	}
	c->access |= access;
	c->decided = 1;
	if (!d->allowed && c->s->complain) {
		c->waived = 1;
		d->allowed = 1;
		d->exact = 0;
		d->create_mode = POLICY_DEFAULT_CREATE_MODE;
	}
	return d->allowed;
}

/* Does the policy allow access on path?  Asked quietly: it does not count
 * as the request's decision (nor does complain mode enter). */
int
ops_allows(struct opctx *c, const char *path, unsigned access)
{
	struct policy_decision d;

	if (path[0] != '/')
		return 0;
	if (ops_policy(c, path, access, &d) == -1)
		return 0;
	return d.allowed;
}

/* May the worker know whether path exists? */
int
ops_visible(struct opctx *c, const char *path)
{
	return ops_allows(c, path, POLICY_STAT);
}

int
ops_hidden(const struct opctx *c, const char *path, int hidden)
{
	char parent[PATH_MAX];
	struct policy_decision d;
	const char *slash = strrchr(path, '/');
	const uint64_t *fold;
	size_t len, words;

	if (slash == NULL || path[1] == '\0')
		return hidden; /* "/" is in no folder */
	len = slash == path ? 1 : (size_t)(slash - path);
	memcpy(parent, path, len);
	parent[len] = '\0';
	/* The parent with path's fold bits: bit i is component i, and the
	 * last one's is past the parent's end. */
	fold = fold_of(c, path, &words);
	if (policy_decide_fold(c->s->policy, parent, POLICY_LIST, c->req->who.nspid, fold, words,
		&d) == -1 ||
	    !d.allowed)
		return hidden;
	return EACCES;
}

int
ops_exists(struct opctx *c, const char *path)
{
	/* Decided as the create it is, unless the worker may not create the
	 * name but may see it: then EEXIST is what the kernel tells anyone
	 * who may stat the path, and the request is that stat, allowed.  No
	 * oracle: where the worker may neither, a create denied, as for a
	 * missing name. */
	if (!ops_allows(c, path, POLICY_CREATE) && ops_visible(c, path))
		return ops_decide(c, path, POLICY_STAT, NULL) ? EEXIST : EACCES;
	return ops_decide(c, path, POLICY_CREATE, NULL) ? EEXIST : EACCES;
}

/* walk_climb_fn: may the walk climb out of w->canon?  Where the worker
 * may stat it, as ops_visible() asks, with the walk's fold bits. */
static int
ops_may_climb(void *arg, const struct walk *w)
{
	const struct opctx *c = arg;
	struct policy_decision d;

	if (c->s->complain)
		return 1;
	return policy_decide_fold(c->s->policy, w->canon, POLICY_STAT, c->req->who.nspid,
		   w->nfold > 0 ? w->fold : NULL, w->nfold > 0 ? (size_t)(w->depth + 63) / 64 : 0,
		   &d) == 0 &&
	    d.allowed;
}

int
ops_walk(struct opctx *c, const char *path, int flags, struct walk *w)
{
	const struct request *r = c->req;
	size_t held = 0;

	/* openat2's path found is the first path joined again (task.h). */
	if (path == r->path2)
		held = r->held2;
	else if (path == r->path || (r->op == OP_OPEN && path == r->a.open.resolved))
		held = r->held;
	return walk_path_climb(&c->s->fs, path, held, r->who.nspid, r->who.nstid, flags,
	    ops_may_climb, c, w);
}

/* May the worker know whether canon, where a walk stopped, exists?  Asked
 * quietly, as ops_visible(); but in complain mode the hidden answer is a
 * refusal like any other: let through, and recorded as the would-deny
 * stat it is, so that a learning run gets what the kernel answers (a
 * compiler's probe of a header through a folder that is not there is
 * ENOENT, which it passes over, never the EACCES it stops at) and learn
 * sees the probe. */
static int
walk_visible(struct opctx *c, const char *canon)
{
	if (ops_visible(c, canon))
		return 1;
	return c->s->complain && canon[0] == '/' && ops_decide(c, canon, POLICY_STAT, NULL);
}

/* Turn a failed walk into the errno the worker may see. */
int
ops_walk_error(struct opctx *c, const struct walk *w, int r, int hidden)
{
	ops_canon(c, c->canon, w);
	if (r == -EACCES || r == -EINVAL)
		return -r;
	/* Too long before anything was looked up: the request itself.  Too
	 * long once links were followed may tell how long a hidden link's
	 * target is, so it is hidden like the rest. */
	if (r == -ENAMETOOLONG && w->canon[0] == '\0')
		return ENAMETOOLONG;
	return -r == hidden || walk_visible(c, w->canon) ? -r : hidden;
}

int
ops_walk_object(struct opctx *c, int flags, struct walk *w, int hidden)
{
	int r;

	r = ops_walk(c, c->req->path, flags | WALK_EXISTING, w);
	ops_canon(c, c->canon, w);
	if (r < 0)
		return ops_walk_error(c, w, r, hidden);
	if (w->fd == -1)
		return hidden == ENOENT || walk_visible(c, w->canon) ? ENOENT : hidden;
	return 0;
}

int
ops_guard(struct opctx *c, const char *canon, const struct stat *st, enum protect_use use)
{
	if (!protect_check(&c->s->fs, canon, st, use))
		return 0;
	c->decided = 1;
	c->allowed = 0;
	c->waived = 0; /* enforced, complain mode or not */
	c->rule = "@broker-file";
	return EACCES;
}

/* Hand a new file or folder to the worker (the broker may be root). */
int
ops_give_to_worker(struct opctx *c, int fd)
{
	if (!c->s->chown_new)
		return 0;
	if (fchownat(fd, "", c->s->uid, c->s->gid, AT_EMPTY_PATH) == -1)
		return errno;
	return 0;
}

mode_t
ops_folder_bound(unsigned create_mode)
{
	return (mode_t)(create_mode | ((create_mode & 0444) >> 2));
}

/* The asker's umask, as the kernel would apply it to what the asker
 * creates: the calling thread's (transparent mode), the sending process's
 * (the wire: the kernel's word for it, SCM_CREDENTIALS); the broker's own
 * where it cannot be read (a daemon's peer in a PID namespace it cannot
 * see, a kernel before 4.7).  The worker could set any umask itself: it
 * only takes away bits the worker asked for. */
static mode_t
asker_umask(const struct opctx *c)
{
	pid_t id = c->req->who.front == FRONT_NOTIFY ? c->req->who.tid : c->req->who.pid;
	mode_t m;

	if (task_umask(id, &m) == 0)
		return m;
	return c->s->fs.umask;
}

mode_t
ops_new_mode(const struct opctx *c, mode_t type, unsigned asked, unsigned bound)
{
	mode_t m = (mode_t)asked & 0777 & ~asker_umask(c);

	if (type != S_IFDIR)
		return m & (mode_t)bound;
	/* A folder's sticky bit only narrows who may remove what is in it,
	 * as mkdir(2) keeps it; set-group-ID comes from the parent, never
	 * from the mode asked (make_marked(), ops_names.c). */
	return (m & ops_folder_bound(bound)) | ((mode_t)asked & S_ISVTX);
}

int
ops_set_mode(const struct opctx *c, int fd, mode_t mode)
{
	char num[16];

	path_udec(num, sizeof(num), (unsigned long)fd);
	return fchmodat(c->s->fs.selffd, num, mode, 0) == -1 ? errno : 0;
}

int
ops_may_change(struct opctx *c, const struct walk *w, unsigned access, struct policy_decision *d)
{
	if (!ops_decide(c, w->canon, access, d))
		return EACCES;
	return ops_guard(c, w->canon, &w->st, PROTECT_CHANGE);
}

int
ops_may_create(struct opctx *c, const struct walk *w, struct policy_decision *d)
{
	if (!ops_decide(c, w->canon, POLICY_CREATE, d))
		return EACCES;
	return ops_guard(c, w->canon, NULL, PROTECT_CHANGE);
}
