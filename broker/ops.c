/*
 * ops.c: one handler per operation (the ones that change names and times
 * are in ops_names.c; what both share, in ops_impl.h).  Each resolves the
 * worker's path to a pinned object (resolve.c), decides on its canonical
 * path (policy/), and only then acts, on that object.  Errors a worker can
 * see:
 *
 *	EACCES	the policy denies it (open, mkdir, unlink, rmdir, rename,
 *		symlink, utimensat, chmod, truncate, inotify_add_watch), or
 *		one of the broker's own rules does, whatever the policy says
 *		(@link, @rename, @broker-file)
 *	ENOENT	missing, or invisible to the worker: stat, lstat, access,
 *		readlink and statfs never tell a path the policy hides from
 *		one that does not exist
 *	EINVAL	unsupported flags (O_PATH, O_TMPFILE, unknown bits), a
 *		relative path; transparent mode's O_PATH is EOPNOTSUPP
 *	EPERM	utimensat with explicit times on a file not the worker's;
 *		chmod of a file not the worker's, or asking for a set-user-ID
 *		bit (or set-group-ID on a file), or of a descriptor whose
 *		file no longer has that name
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
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit.h"
#include "denials.h"
#include "log.h"
#include "ops.h"
#include "ops_impl.h"
#include "path.h"
#include "policy.h"
#include "private_tmp.h"
#include "task.h"

/* Retries when the filesystem changes between the walk and the act. */
#define OPS_RACE_RETRIES 8


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
	return policy_decide_fold(c->s->policy, path, access, c->o->nspid, fold, words, d);
}

int
ops_below(const struct opctx *c, const char *from, const char *to)
{
	const uint64_t *ff, *tf;
	size_t fw, tw;

	ff = fold_of(c, from, &fw);
	tf = fold_of(c, to, &tw);
	return policy_below_check_fold(c->s->policy, from, ff, to, tf, fw > tw ? fw : tw,
	    POLICY_ALL, c->o->nspid);
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
	return ops_visible(c, w->canon) ? -r : hidden;
}

int
ops_walk_object(struct opctx *c, int flags, struct walk *w, int hidden)
{
	int r;

	r = walk_path(&c->s->fs, c->req->path, c->o->nspid, c->o->nstid, flags, w);
	ops_canon(c, c->canon, w);
	if (r < 0)
		return ops_walk_error(c, w, r, hidden);
	if (w->fd == -1)
		return hidden == ENOENT || ops_visible(c, w->canon) ? ENOENT : hidden;
	return 0;
}

static void
set_stat(struct fb_wire_stat *ws, const struct stat *st)
{
	ws->dev = st->st_dev;
	ws->ino = st->st_ino;
	ws->mode = st->st_mode;
	ws->nlink = st->st_nlink;
	ws->uid = st->st_uid;
	ws->gid = st->st_gid;
	ws->rdev = st->st_rdev;
	ws->size = st->st_size;
	ws->blksize = st->st_blksize;
	ws->blocks = st->st_blocks;
	ws->atime_ns = (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
	ws->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	ws->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
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

/* Flags a worker may pass to open.  O_PATH and O_TMPFILE are refused:
 * an O_PATH descriptor is of no use to a worker that has no paths, and
 * SECCOMP_IOCTL_NOTIF_ADDFD cannot install one (the kernel's fget() takes
 * no O_PATH file: EBADF); O_TMPFILE would need a separate create rule.
 * O_NOATIME needs ownership. */
#define OPEN_FLAGS_OK                                                                  \
	(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_DIRECTORY | \
	    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | KERNEL_O_LARGEFILE | O_SYNC | O_DSYNC |  \
	    O_DIRECT)
/* glibc defines O_LARGEFILE as 0 on 64-bit targets; the kernel's bit is
 * this, and unmodified programs may pass it. */
#define KERNEL_O_LARGEFILE 0100000

static int
open_create(struct opctx *c, struct walk *w, int flags)
{
	struct stat st, now;
	struct policy_decision d;
	int fd, e;
	mode_t m;

	if (!ops_decide(c, w->canon, POLICY_CREATE, &d))
		return EACCES;
	if (w->must_dir)
		return EISDIR; /* "name/": only a folder could be meant */
	if ((e = ops_guard(c, w->canon, NULL, PROTECT_CHANGE)) != 0)
		return e;
	/* The rule's mode= bounds the permission bits. */
	m = (mode_t)(c->req->mode & 07777 & d.create_mode);
	fd = openat(w->dirfd, w->name,
	    (flags & ~O_NOFOLLOW) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, m);
	if (fd == -1)
		return errno;
	if ((e = ops_give_to_worker(c, fd)) != 0) {
		/* Leave nothing half done: the file just made, if the name
		 * still holds it (a file renamed over it meanwhile is not
		 * removed; whoever could rename it could remove it). */
		if (fstat(fd, &st) == 0 && fstatat(w->dirfd, w->name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == now.st_dev && st.st_ino == now.st_ino)
			unlinkat(w->dirfd, w->name, 0);
		close(fd);
		return e;
	}
	c->fd = fd;
	return 0;
}

static int
open_existing(struct opctx *c, struct walk *w, int flags)
{
	struct policy_decision d;
	unsigned access;
	int acc = flags & O_ACCMODE, fd, special, kerr = 0;
	mode_t t = w->st.st_mode & S_IFMT;

	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		if (!ops_decide(c, w->canon, POLICY_CREATE, NULL))
			return EACCES;
		return EEXIST;
	}
	if (t == S_IFLNK)
		kerr = ELOOP; /* O_NOFOLLOW on a symlink, as open(2) says */
	else if (t == S_IFDIR) {
		if (acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT)))
			kerr = EISDIR;
		access = POLICY_LIST;
	} else {
		if (flags & O_DIRECTORY)
			kerr = ENOTDIR;
		access = acc == O_RDONLY ? POLICY_READ
		    : acc == O_WRONLY	 ? POLICY_WRITE
					 : POLICY_READ | POLICY_WRITE;
		if (flags & (O_TRUNC | O_APPEND))
			access |= POLICY_WRITE;
	}
	/* The kernel's refusal for the object's type says what the object
	 * is (a link, a folder, a file): only to a worker that may see it,
	 * once that is decided; anyone else gets a denial like any other. */
	if (kerr != 0)
		return ops_decide(c, w->canon, POLICY_STAT, NULL) ? kerr : EACCES;
	if (!ops_decide(c, w->canon, access, &d))
		return EACCES;
	if ((kerr = ops_guard(c, w->canon, &w->st,
		 access & POLICY_WRITE ? PROTECT_CHANGE : PROTECT_READ)) != 0)
		return kerr;
	/* FIFOs, sockets and devices only when the rule names this very path:
	 * a rule for /dev/... with a wildcard must not hand out every disk. */
	special = t != S_IFREG && t != S_IFDIR;
	if (special && !d.exact) {
		c->allowed = 0;
		c->waived = 0; /* enforced, complain mode or not */
		return EACCES;
	}
	/* Opened O_NONBLOCK, so that nothing a worker can set up stalls the
	 * broker: a FIFO without a writer, and a regular file under a lease
	 * (fcntl(2) F_SETLEASE, which any owner may take on its own file: an
	 * open that conflicts would wait for the holder, up to
	 * /proc/sys/fs/lease-break-time, 45 s).  The kernel then answers
	 * EWOULDBLOCK at once and tells the holder to let go; the worker gets
	 * EAGAIN and may ask again.  Cleared again if the worker did not ask
	 * for it: F_SETFL sets exactly the flags it can change, the worker's. */
	flags &= ~(O_CREAT | O_EXCL | O_NOFOLLOW);
	fd = walk_reopen(&c->s->fs, w, flags | O_NONBLOCK);
	if (fd == -1)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & (O_APPEND | O_DIRECT)) == -1) {
		close(fd);
		return EIO;
	}
	c->fd = fd;
	c->dev = w->st.st_dev;
	return 0;
}

static int
op_open(struct opctx *c)
{
	int flags = (int)c->req->flags, r, tries, e;
	struct walk w;

	/* Transparent mode: EOPNOTSUPP, because glibc's lchmod() (fchmodat
	 * with AT_SYMLINK_NOFOLLOW) opens O_PATH first and passes the errno
	 * on, and EOPNOTSUPP is its "modes of links are not supported", which
	 * tar and cp take in their stride on a symlink. */
	if ((flags & O_PATH) && strcmp(c->o->mode, "transparent") == 0)
		return EOPNOTSUPP;
	if ((flags & ~OPEN_FLAGS_OK) != 0 || (flags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	/* openat2's RESOLVE_* restrictions said no (EXDEV, ELOOP, ...); the
	 * answer is the worker's only if it may see the path at all: the
	 * path as the broker resolves it (as far as it does), not as
	 * written, which may lead through a link into a hidden tree. */
	if (c->o->resolve_err != 0) {
		r = walk_path(&c->s->fs, c->o->resolved, c->o->nspid, c->o->nstid,
		    (flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW, &w);
		ops_canon(c, c->canon, &w);
		walk_release(&w);
		if (r == -EINVAL || r == -ENAMETOOLONG)
			return -r;
		return ops_decide(c, c->canon, POLICY_STAT, NULL) ? c->o->resolve_err : EACCES;
	}
	for (tries = 0; tries < OPS_RACE_RETRIES; tries++) {
		r = walk_path(&c->s->fs, c->o->resolved ? c->o->resolved : c->req->path,
		    c->o->nspid, c->o->nstid, (flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW, &w);
		if (r < 0) {
			e = ops_walk_error(c, &w, r, EACCES);
			walk_release(&w);
			return e;
		}
		ops_canon(c, c->canon, &w);
		if (w.fd == -1) {
			if (!(flags & O_CREAT)) {
				walk_release(&w);
				if (!ops_decide(c, c->canon, POLICY_STAT, NULL))
					return EACCES;
				return ENOENT;
			}
			e = open_create(c, &w, flags);
		} else
			e = open_existing(c, &w, flags);
		walk_release(&w);
		/* Created by someone else since the walk: look again, unless
		 * the worker asked for O_EXCL. */
		if (e == EEXIST && !(flags & O_EXCL))
			continue;
		return e;
	}
	return EAGAIN;
}

static int
op_stat(struct opctx *c, int follow)
{
	struct walk w;
	int e;

	if ((e = ops_walk_object(c, follow ? WALK_FOLLOW : 0, &w, ENOENT)) != 0) {
		walk_release(&w);
		return e;
	}
	e = ops_decide(c, w.canon, POLICY_STAT, NULL) ? 0 : ENOENT;
	if (e == 0)
		set_stat(&c->rep->st, &w.st);
	walk_release(&w);
	return e;
}

/* statfs(2) (transparent mode): stat access, hidden like stat; the
 * answer is the pinned object's file system's. */
static int
op_statfs(struct opctx *c)
{
	struct walk w;
	int e;

	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, ENOENT)) == 0) {
		if (!ops_decide(c, w.canon, POLICY_STAT, NULL))
			e = ENOENT;
		else if (c->o->statfs == NULL)
			e = EINVAL;
		else if (fstatfs(w.fd, c->o->statfs) == -1)
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
static int
op_watch(struct opctx *c)
{
	static const char pfx[] = "/proc/self/fd/";
	uint32_t mask = c->req->flags;
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
	if (c->o->ifd < 0 || c->o->wd == NULL) {
		e = EINVAL;
		goto out;
	}
	memcpy(link, pfx, sizeof(pfx));
	path_udec(link + sizeof(pfx) - 1, sizeof(link) - sizeof(pfx) + 1, (unsigned long)w.fd);
	if ((wd = inotify_add_watch(c->o->ifd, link, mask & ~(uint32_t)IN_DONT_FOLLOW)) == -1)
		e = errno;
	else
		*c->o->wd = wd;
out:
	walk_release(&w);
	return e;
}

static int
op_stat_follow(struct opctx *c)
{
	return op_stat(c, 1);
}

static int
op_lstat(struct opctx *c)
{
	return op_stat(c, 0);
}

static int
op_access(struct opctx *c)
{
	unsigned mode = c->req->mode, access = 0;
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
		e = ops_visible(c, w.canon) ? EACCES : ENOENT;
	else if (mode != F_OK && (e = ops_guard(c, w.canon, &w.st,
					  (mode & W_OK) ? PROTECT_CHANGE : PROTECT_READ)) != 0)
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
	pid_t p = c->o->nspid, t = c->o->nstid > 0 ? c->o->nstid : p;
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
	if (n < 0 || (size_t)n >= sizeof(c->rep->target))
		return EINVAL;
	memcpy(c->rep->target, want, (size_t)n + 1);
	return 0;
}

static int
op_readlink(struct opctx *c)
{
	struct walk w;
	ssize_t n;
	int r, e;

	r = walk_path(&c->s->fs, c->req->path, c->o->nspid, c->o->nstid, 0, &w);
	if (r < 0 || w.fd == -1) {
		e = r < 0 ? ops_walk_error(c, &w, r, ENOENT) : ENOENT;
		if (r == 0)
			ops_canon(c, c->canon, &w);
		walk_release(&w);
		return e;
	}
	ops_canon(c, c->canon, &w);
	if (!ops_decide(c, w.canon, POLICY_STAT, NULL))
		e = ENOENT;
	else if (!S_ISLNK(w.st.st_mode))
		e = readlink_self(c);
	else if ((n = readlinkat(w.fd, "", c->rep->target, sizeof(c->rep->target))) < 0)
		e = errno;
	else if ((size_t)n >= sizeof(c->rep->target) || n == 0)
		e = ENAMETOOLONG;
	else {
		c->rep->target[n] = '\0';
		e = 0;
	}
	walk_release(&w);
	return e;
}

static int
op_channel(struct opctx *c)
{
	if (c->s->new_channel == NULL)
		return EOPNOTSUPP;
	return c->s->new_channel(c->s, &c->fd);
}

/* One row per operation (OpenSSH's mon_table): its handler, and whether
 * it names a path at all. */
static const struct {
	uint16_t type;
	int (*fn)(struct opctx *);
	int paths;
} ops_table[] = {
	{ FB_MSG_OPEN, op_open, 1 },
	{ FB_MSG_STAT, op_stat_follow, 1 },
	{ FB_MSG_LSTAT, op_lstat, 1 },
	{ FB_MSG_ACCESS, op_access, 1 },
	{ FB_MSG_READLINK, op_readlink, 1 },
	{ FB_MSG_MKDIR, op_mkdir, 1 },
	{ FB_MSG_UNLINK, op_unlink, 1 },
	{ FB_MSG_RMDIR, op_rmdir, 1 },
	{ FB_MSG_RENAME, op_rename, 2 },
	{ FB_MSG_CHANNEL, op_channel, 0 },
	{ OPS_MSG_SYMLINK, op_symlink, 1 },
	{ OPS_MSG_UTIMES, op_utimes, 1 },
	{ OPS_MSG_CHMOD, op_chmod, 1 },
	{ OPS_MSG_STATFS, op_statfs, 1 },
	{ OPS_MSG_TRUNCATE, op_truncate, 1 },
	{ OPS_MSG_WATCH, op_watch, 1 },
	{ OPS_MSG_LINK, op_link, 2 },
};

static uint64_t
elapsed_ns(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000000000L + (t1.tv_nsec - t0->tv_nsec));
}

/* The flags a record shows: open's, renameat2's and inotify's, chmod's
 * mode. */
static unsigned
record_flags(const struct fb_request *req)
{
	switch (req->type) {
	case FB_MSG_OPEN:
	case FB_MSG_RENAME:
	case OPS_MSG_WATCH:
		return req->flags;
	case OPS_MSG_CHMOD:
		return req->mode;
	default:
		return 0;
	}
}

static void
record(struct opctx *c, const struct timespec *t0, int err)
{
	struct audit_event ev;

	/* No sink and nothing denied: no line to write, no clock to read. */
	if (c->s->audit == NULL && !(c->decided && !c->allowed))
		return;
	memset(&ev, 0, sizeof(ev));
	clock_gettime(CLOCK_REALTIME, &ev.when);
	ev.pid = c->o->pid;
	ev.tid = c->o->tid;
	if (c->s->ns != NULL) {
		/* The worker's own numbers, beside the host's. */
		ev.nspid = c->o->nspid;
		ev.nstid = c->o->nstid;
	}
	ev.uid = c->o->uid;
	ev.gid = c->o->gid;
	ev.mode = c->o->mode;
	ev.op = c->req->type == OPS_MSG_SYMLINK ? "symlink"
	    : c->req->type == OPS_MSG_UTIMES	 ? "utimes"
	    : c->req->type == OPS_MSG_CHMOD	 ? "chmod"
	    : c->req->type == OPS_MSG_STATFS	 ? "statfs"
	    : c->req->type == OPS_MSG_TRUNCATE ? "truncate"
	    : c->req->type == OPS_MSG_WATCH	 ? "watch"
	    : c->req->type == OPS_MSG_LINK	 ? "link"
						 : proto_type_name(c->req->type);
	ev.path = c->req->path;
	ev.path2 = c->req->type == FB_MSG_RENAME || c->req->type == OPS_MSG_SYMLINK ||
		c->req->type == OPS_MSG_LINK ?
	    c->req->path2 :
	    NULL;
	ev.canon = c->canon[0] != '\0' ? c->canon : NULL;
	ev.canon2 = c->canon2[0] != '\0' ? c->canon2 : NULL;
	ev.access = c->access;
	ev.flags = record_flags(c->req);
	ev.resolve = c->req->type == FB_MSG_OPEN ? c->o->resolve : 0;
	ev.allowed = c->decided ? c->allowed : 0;
	ev.rule = c->decided ? c->rule : NULL;
	ev.err = err;
	ev.duration_ns = elapsed_ns(t0);
	ev.complain = c->s->complain;
	ev.waived = c->decided && !c->allowed && c->waived;
	ev.denied_access = c->denied_access;
	ev.denied_second = c->denied_second;
	ev.session = c->s->sess;

	if (c->decided && !c->allowed && !c->waived)
		private_tmp_denied(c->s->tmp, ev.canon, ev.access, ev.rule);
	/* Counted for the summary; without a sink, a line on stderr for
	 * each distinct denial (denials.h). */
	if (c->decided && !c->allowed)
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

/* Does the reply of this operation carry a descriptor or information? */
static int
hands_out(uint16_t type)
{
	return type == FB_MSG_OPEN || type == FB_MSG_STAT || type == FB_MSG_LSTAT ||
	    type == FB_MSG_ACCESS || type == FB_MSG_READLINK;
}

/* An empty reply: every field but the readlink target (only its first
 * byte) and the openv results (ops_handle_openv sets them), which the
 * encoder reads no further than the reply's type and count say. */
static void
reply_init(struct fb_reply *rep, uint16_t type, uint32_t id)
{
	rep->type = type;
	rep->id = id;
	rep->error = 0;
	rep->nfds = 0;
	memset(&rep->st, 0, sizeof(rep->st));
	rep->target[0] = '\0';
	rep->count = 0;
}

void
ops_handle(struct session *s, const struct origin *o, const struct fb_request *req,
    const struct timespec *t0, struct fb_reply *rep, int *fd)
{
	struct opctx c;
	size_t i;
	int err = EINVAL, refused = 0;

	reply_init(rep, req->type, req->id);
	*fd = -1;

	/* Field by field: zeroing the two path buffers (8 KiB) would cost
	 * more than the rest of a decision. */
	c.s = s;
	c.o = o;
	c.req = req;
	c.rep = rep;
	c.fd = -1;
	c.dev = 0;
	c.canon[0] = c.canon2[0] = '\0';
	c.nfold = c.nfold2 = 0;
	c.access = 0;
	c.decided = c.allowed = c.waived = 0;
	c.rule = NULL;
	c.denied_access = 0;
	c.denied_second = 0;
	s->nrequests++;

	/* Refused before anything is looked at: no decision, no path
	 * resolved, and the errno the hook chose (serve: EAGAIN). */
	if (s->admit != NULL && (refused = s->admit(s, req)) != 0)
		err = refused;
	for (i = 0; refused == 0 && i < sizeof(ops_table) / sizeof(ops_table[0]); i++) {
		if (ops_table[i].type != req->type)
			continue;
		if (s->audit_broken)
			err = EIO;
		else if (ops_table[i].paths >= 1 && req->path[0] != '/')
			err = EINVAL; /* whose working folder?  The client sends
					 absolute paths. */
		else if (ops_table[i].paths >= 2 && req->path2[0] != '/')
			err = EINVAL;
		else
			err = ops_table[i].fn(&c);
		break;
	}
	/* /proc/PID: only the asking process's own, while it is still the
	 * session's (task.h).  A safety rule, enforced in complain mode too. */
	if (err == 0 && ((c.fd != -1 && c.dev != 0) || req->type == FB_MSG_READLINK) &&
	    (refused = task_proc_check(s, o, c.canon, c.fd, c.dev)) != 0) {
		err = refused;
		c.allowed = 0;
		c.waived = 0;
		c.rule = "@proc";
	}
	if (err != 0 && c.fd != -1) {
		close(c.fd);
		c.fd = -1;
	}
	if (c.decided && !c.allowed)
		s->ndenied++;
	if (req->type != FB_MSG_CHANNEL)
		record(&c, t0, err);
	if (s->audit_broken && err == 0 && s->audit != NULL && hands_out(req->type)) {
		/* The record for this very request failed: nothing it would
		 * have granted leaves.  (A change already made to the
		 * filesystem is reported truthfully.) */
		if (c.fd != -1)
			close(c.fd);
		c.fd = -1;
		err = EIO;
		memset(&rep->st, 0, sizeof(rep->st));
		rep->target[0] = '\0';
	}
	rep->error = (uint32_t)err;
	rep->nfds = c.fd != -1 ? 1 : 0;
	*fd = c.fd;
}

void
ops_handle_openv(struct session *s, const struct origin *o, const struct fb_openv_request *v,
    const struct timespec *t0, struct fb_reply *rep, int fds[FB_OPENV_MAX])
{
	/* Scratch for one entry, as serve.c would have decoded it from an
	 * FB_MSG_OPEN: about 13 KiB of stack. */
	struct fb_request one;
	struct fb_reply r1;
	struct timespec t;
	size_t len;
	uint32_t i;
	int fd;

	memset(rep, 0, sizeof(*rep));
	rep->type = FB_MSG_OPENV;
	rep->id = v->id;
	rep->count = v->count;
	if (v->count == 0 || v->count > FB_OPENV_MAX)
		fatalx("openv: %u entries", (unsigned)v->count); /* the decoder's job */

	memset(&one, 0, sizeof(one));
	one.type = FB_MSG_OPEN;
	one.id = v->id;
	for (i = 0; i < v->count; i++) {
		/* The decoder keeps every path below FB_PATH_MAX. */
		if ((len = strnlen(v->ent[i].path, sizeof(one.path))) >= sizeof(one.path))
			fatalx("openv: entry %u: path too long", (unsigned)i);
		memcpy(one.path, v->ent[i].path, len + 1);
		one.flags = v->ent[i].flags;
		one.mode = v->ent[i].mode;
		/* Each record times its own entry; the first also the wait
		 * since the request arrived, as a lone OPEN's does. */
		if (i > 0)
			clock_gettime(CLOCK_MONOTONIC, &t);
		ops_handle(s, o, &one, i == 0 ? t0 : &t, &r1, &fd);
		rep->result[i] = r1.error;
		if (fd != -1)
			fds[rep->nfds++] = fd;
	}
}
