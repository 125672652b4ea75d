/*
 * ops_query.c: the operations that look at an object and answer with what
 * they see: stat, lstat, access, readlink, realpath, statfs, and
 * inotify_add_watch (a watch on it).  Each hides a path the worker may not
 * see as missing, but where it may list the folder that holds it
 * (ops_hidden()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops_impl.h"
#include "path.h"
#include "policy.h"

static int
stat_path(struct opctx *c, int follow)
{
	struct walk w;
	int e;

	if ((e = ops_walk_object(c, follow ? WALK_FOLLOW : 0, &w, ENOENT)) != 0) {
		walk_release(&w);
		return e;
	}
	e = ops_decide(c, w.canon, POLICY_STAT, NULL) ? 0 : ops_hidden(c, w.canon, ENOENT);
	if (e == 0)
		c->res->st = w.st;
	walk_release(&w);
	return e;
}

/* statfs(2) (transparent mode): stat access, hidden like stat; the
 * answer is the pinned object's file system's. */
int
op_statfs(struct opctx *c)
{
	struct walk w;
	int e;

	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, ENOENT)) == 0) {
		if (!ops_decide(c, w.canon, POLICY_STAT, NULL))
			e = ops_hidden(c, w.canon, ENOENT);
		else if (fstatfs(w.fd, &c->res->sfs) == -1)
			e = errno;
	}
	walk_release(&w);
	return e;
}

/*
 * inotify_add_watch(2) (transparent mode): list on a folder (its events
 * name what is made and removed in it), read on anything else (when it
 * is opened, read and written).  The watch is added to the worker's own
 * inotify instance (the broker's copy of its descriptor) on the pinned
 * object, through the broker's /proc/self/fd: the kernel follows that
 * magic link to the object itself, a symlink's own inode under
 * IN_DONT_FOLLOW.
 */
int
op_watch(struct opctx *c)
{
	static const char pfx[] = "/proc/self/fd/";
	uint32_t mask = c->req->a.watch.mask;
	char link[sizeof(pfx) + 16];
	struct walk w;
	int e, wd;

	if ((e = ops_walk_object(c, (mask & IN_DONT_FOLLOW) ? 0 : WALK_FOLLOW, &w, EACCES)) != 0)
		goto out;
	if (!ops_decide(c, w.canon, S_ISDIR(w.st.st_mode) ? POLICY_LIST : POLICY_READ, NULL)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, &w.st, PROTECT_READ)) != 0)
		goto out;
	if (c->req->a.watch.ifd < 0) {
		e = EINVAL;
		goto out;
	}
	memcpy(link, pfx, sizeof(pfx));
	path_udec(link + sizeof(pfx) - 1, sizeof(link) - sizeof(pfx) + 1, (unsigned long)w.fd);
	if ((wd = inotify_add_watch(c->req->a.watch.ifd, link, mask & ~(uint32_t)IN_DONT_FOLLOW)) ==
	    -1)
		e = errno;
	else
		c->res->value = wd;
out:
	walk_release(&w);
	return e;
}

/*
 * realpath(3) (the wire only): the canonical path the broker decides on,
 * of a path the worker may stat, hidden as stat hides it (ops_hidden()).  Nothing the
 * worker could not learn by a readlink and a stat of each component.
 */
int
op_realpath(struct opctx *c)
{
	struct walk w;
	size_t n;
	int e;

	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, ENOENT)) == 0) {
		if (!ops_decide(c, w.canon, POLICY_STAT, NULL))
			e = ops_hidden(c, w.canon, ENOENT);
		else if ((n = strlen(w.canon)) >= sizeof(c->res->target))
			e = ENAMETOOLONG;
		else
			memcpy(c->res->target, w.canon, n + 1);
	}
	walk_release(&w);
	return e;
}

int
op_stat(struct opctx *c)
{
	return stat_path(c, 1);
}

int
op_lstat(struct opctx *c)
{
	return stat_path(c, 0);
}

int
op_access(struct opctx *c)
{
	unsigned mode = c->req->a.access.mode, access = 0;
	struct walk w;
	int e, isdir;

	if (mode & ~(unsigned)(R_OK | W_OK | X_OK))
		return EINVAL;
	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, ENOENT)) != 0) {
		walk_release(&w);
		return e;
	}
	isdir = S_ISDIR(w.st.st_mode);
	if (mode == F_OK)
		access = POLICY_STAT;
	if (mode & R_OK)
		access |= isdir ? POLICY_LIST : POLICY_READ;
	if (mode & W_OK)
		access |= POLICY_WRITE;
	if (mode & X_OK)
		access |= isdir ? POLICY_LIST : POLICY_EXEC;
	if (!ops_decide(c, w.canon, access, NULL))
		e = ops_visible(c, w.canon) ? EACCES : ops_hidden(c, w.canon, ENOENT);
	else if (mode != F_OK &&
	    (e = ops_guard(c, w.canon, &w.st, (mode & W_OK) ? PROTECT_CHANGE : PROTECT_READ)) != 0)
		; /* what an open of it would be told */
	else if (mode != F_OK &&
	    syscall(SYS_faccessat2, w.fd, "", (int)mode, AT_EMPTY_PATH | AT_EACCESS) == -1 &&
	    errno != ENOSYS)
		e = errno; /* e.g. X_OK on a file with no execute bit */
	else
		e = 0;
	walk_release(&w);
	return e;
}

/*
 * readlink of /proc/self or /proc/thread-self itself: links the broker
 * cannot read for the worker (they name whoever reads them), which the
 * walk took to the asker's own folder.  The answer is what the kernel
 * gives the asker, "N" or "N/task/T", its numbers in its /proc.  EINVAL,
 * readlink's answer for a folder, for any other path.
 */
static int
readlink_self(struct opctx *c)
{
	char clean[PATH_MAX], want[64];
	pid_t p = c->req->who.nspid, t = c->req->who.nstid > 0 ? c->req->who.nstid : p;
	unsigned pf;
	int n;

	if (path_clean(NULL, c->req->path, 0, clean, sizeof(clean), &pf) < 0 ||
	    (pf & (PATH_F_DOTDOT | PATH_F_TRAILING)) != 0 || p <= 0)
		return EINVAL;
	if (strcmp(clean, "/proc/self") == 0)
		n = snprintf(want, sizeof(want), "%ld", (long)p);
	else if (strcmp(clean, "/proc/thread-self") == 0)
		n = snprintf(want, sizeof(want), "%ld/task/%ld", (long)p, (long)t);
	else
		return EINVAL;
	if (n < 0 || (size_t)n >= sizeof(c->res->target))
		return EINVAL;
	memcpy(c->res->target, want, (size_t)n + 1);
	return 0;
}

int
op_readlink(struct opctx *c)
{
	struct walk w;
	ssize_t n;
	int r, e;

	r = ops_walk(c, c->req->path, WALK_EXISTING, &w);
	if (r < 0 || w.fd == -1) {
		e = r < 0 ? ops_walk_error(c, &w, r, ENOENT) : ENOENT;
		if (r == 0)
			ops_canon(c, c->canon, &w);
		walk_release(&w);
		return e;
	}
	ops_canon(c, c->canon, &w);
	if (!ops_decide(c, w.canon, POLICY_STAT, NULL))
		e = ops_hidden(c, w.canon, ENOENT);
	else if (!S_ISLNK(w.st.st_mode))
		e = readlink_self(c);
	else if ((n = readlinkat(w.fd, "", c->res->target, sizeof(c->res->target))) < 0)
		e = errno;
	else if ((size_t)n >= sizeof(c->res->target) || n == 0)
		e = ENAMETOOLONG;
	else {
		c->res->target[n] = '\0';
		e = 0;
	}
	walk_release(&w);
	return e;
}
