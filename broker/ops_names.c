/*
 * ops_names.c: the operations that change names (mkdir, symlink, link,
 * unlink, rmdir, rename), the times (utimensat), the mode (chmod) and the
 * length (truncate); ops.c has the table and the rest.  Each walks to a
 * (parent, name) pair or a pinned object, decides on the canonical path
 * and acts through the descriptors the walk holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops_impl.h"
#include "path.h"

/* Walk to a (parent, name) pair for the operations that change names. */
static int
walk_name(struct opctx *c, const char *path, struct walk *w, char *canon, int must_exist)
{
	int r;

	r = walk_path(&c->s->fs, path, c->o->nspid, c->o->nstid, WALK_PARENT, w);
	ops_canon(c, canon, w);
	if (r < 0)
		return ops_walk_error(c, w, r, EACCES);
	if (w->dirfd == -1)
		return EBUSY; /* "/" itself, or a path ending in ".." */
	if (must_exist && w->fd == -1)
		return ops_visible(c, w->canon) ? ENOENT : EACCES;
	return 0;
}

/* A rule's mode= bound for a folder: search wherever it has read, so
 * mode=0600 gives 0700 folders (mkdir, chmod). */
static mode_t
folder_bound(unsigned create_mode)
{
	return (mode_t)(create_mode | ((create_mode & 0444) >> 2));
}

/* A new link's name must be free: 0; EEXIST where the worker may create
 * or see it, else EACCES; ENOENT for "name/" of nothing. */
static int
name_taken(struct opctx *c, const struct walk *w)
{
	if (w->fd == -1)
		return w->must_dir ? ENOENT : 0;
	return ops_decide(c, w->canon, POLICY_CREATE, NULL) || ops_visible(c, w->canon) ? EEXIST
											  : EACCES;
}

/*
 * mkdir(2) for a worker the folder is given to (chown_new).  mkdirat()
 * returns no descriptor: the folder must be looked up again by name, and
 * whatever is there by then is what would be given away.  Another peer
 * (or anyone who may rename in both folders) can rename a folder over the
 * fresh, empty one in between: root's, with what is in it, which would
 * become the worker's.  So the folder is made with no permission bits at
 * all, a mark no folder of root's carries and nobody but root can give
 * one (chmod needs the owner); only a folder of root's with that mark is
 * given to the worker, through the descriptor that pins it, and then gets
 * its bits (the worker's, bounded by the rule and the broker's umask; a
 * set-group-ID bit inherited from the parent is kept where the broker's
 * groups allow the kernel to keep it).  Anything else is not the folder
 * made, and is left alone: EEXIST.
 */
static int
make_folder(struct opctx *c, const struct walk *w, mode_t mode)
{
	struct stat st;
	char num[16];
	int fd, e;

	if (mkdirat(w->dirfd, w->name, 0) == -1)
		return errno;
	fd = openat(w->dirfd, w->name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? EEXIST : errno;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0777) != 0)
		e = EEXIST; /* someone else's by now: left alone */
	else if ((e = ops_give_to_worker(c, fd)) != 0)
		unlinkat(w->dirfd, w->name, AT_REMOVEDIR); /* ours, still empty */
	else {
		path_udec(num, sizeof(num), (unsigned long)fd);
		if (fchmodat(c->s->fs.selffd, num, (mode & ~c->s->fs.umask) | (st.st_mode & S_ISGID),
			0) == -1)
			e = errno;
	}
	close(fd);
	return e;
}

int
op_mkdir(struct opctx *c)
{
	struct policy_decision d;
	struct walk w;
	int e;
	mode_t bound;

	if ((e = walk_name(c, c->req->path, &w, c->canon, 0)) != 0)
		goto out;
	if (w.fd != -1) {
		e = ops_decide(c, w.canon, POLICY_CREATE, NULL) || ops_visible(c, w.canon) ?
		    EEXIST : EACCES;
		goto out;
	}
	if (!ops_decide(c, w.canon, POLICY_CREATE, &d)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, NULL, PROTECT_CHANGE)) != 0)
		goto out;
	bound = folder_bound(d.create_mode);
	if (c->s->chown_new)
		e = make_folder(c, &w, (mode_t)c->req->mode & 07777 & bound);
	else
		e = mkdirat(w.dirfd, w.name, (mode_t)c->req->mode & 07777 & bound) == -1 ? errno : 0;
out:
	walk_release(&w);
	return e;
}

/* Does the link fd (O_PATH) hold exactly target? */
static int
same_target(int fd, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(fd, "", buf, sizeof(buf));

	return n >= 0 && (size_t)n == strlen(target) && memcmp(buf, target, (size_t)n) == 0;
}

/*
 * symlink(2): the name needs create; the target is stored as the worker
 * wrote it and means nothing to the broker, which never follows a link it
 * has not read and decided on (a link to /etc/shadow opens nothing the
 * policy does not allow).  The link is given to the worker like a new file.
 */
int
op_symlink(struct opctx *c)
{
	struct stat st;
	struct walk w;
	int e, fd;

	if (c->req->path2[0] == '\0')
		return ENOENT;
	if ((e = walk_name(c, c->req->path, &w, c->canon, 0)) != 0 || (e = name_taken(c, &w)) != 0)
		goto out;
	if (!ops_decide(c, w.canon, POLICY_CREATE, NULL)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, NULL, PROTECT_CHANGE)) != 0)
		goto out;
	if (symlinkat(c->req->path2, w.dirfd, w.name) == -1) {
		e = errno;
		goto out;
	}
	e = 0;
	if (c->s->chown_new) {
		/* Ours, just made (chown_new: the broker is root), looked up
		 * again by name: what someone renamed over it meanwhile is not
		 * given away.  A link of root's with the very same target is
		 * the only thing that could pass for it, and giving that one
		 * away gives nothing: a link's owner can change neither its
		 * target nor what it leads to. */
		fd = openat(w.dirfd, w.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1)
			e = errno == ENOENT || errno == ENOTDIR ? EEXIST : errno;
		else if (!S_ISLNK(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1 ||
		    !same_target(fd, c->req->path2))
			e = EEXIST; /* someone else's by now: left alone */
		else if ((e = ops_give_to_worker(c, fd)) != 0)
			unlinkat(w.dirfd, w.name, 0); /* ours: nothing half done */
		if (fd != -1)
			close(fd);
	}
out:
	walk_release(&w);
	return e;
}

/*
 * link(2), linkat(2): a new name for an existing file.  The new name needs
 * create.  A file reached by its new name gets that name's rules, so the
 * new name may allow nothing of what a file's content and metadata are
 * (read, write, exec, stat) that the old one does not: a read-only file is
 * never linked into a writable tree.  That is a safety rule, enforced in
 * complain mode too, recorded as rule "@link".  Then the kernel's
 * protected_hardlinks rule for a worker without capabilities, since the
 * broker is root: only its own file (EPERM), never a folder (EPERM).  The
 * pinned object is what gets the name (through the broker's /proc/self/fd),
 * never a name looked up again.
 */
int
op_link(struct opctx *c)
{
	static const unsigned kept[] = { POLICY_READ, POLICY_WRITE, POLICY_EXEC, POLICY_STAT };
	struct walk from, to;
	char num[16];
	size_t i;
	int e;

	memset(&to, 0, sizeof(to));
	to.fd = to.dirfd = -1;
	if ((e = ops_walk_object(c, (c->req->flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0, &from,
		 EACCES)) != 0)
		goto out;
	if ((e = walk_name(c, c->req->path2, &to, c->canon2, 0)) != 0 ||
	    (e = name_taken(c, &to)) != 0)
		goto out;
	if (!ops_decide(c, to.canon, POLICY_CREATE, NULL) ||
	    !ops_decide(c, from.canon, POLICY_STAT, NULL)) {
		e = EACCES;
		goto out;
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (ops_allows(c, to.canon, kept[i]) && !ops_allows(c, from.canon, kept[i])) {
			c->allowed = 0;
			c->waived = 0;
			c->rule = "@link";
			e = EACCES;
			goto out;
		}
	}
	if ((e = ops_guard(c, from.canon, &from.st, PROTECT_CHANGE)) != 0 ||
	    (e = ops_guard(c, to.canon, NULL, PROTECT_CHANGE)) != 0)
		goto out;
	if (S_ISDIR(from.st.st_mode) || from.st.st_uid != c->s->uid) {
		e = EPERM;
		goto out;
	}
	path_udec(num, sizeof(num), (unsigned long)from.fd);
	e = linkat(c->s->fs.selffd, num, to.dirfd, to.name, AT_SYMLINK_FOLLOW) == -1 ? errno : 0;
out:
	walk_release(&from);
	walk_release(&to);
	return e;
}

/*
 * utimensat(2) with a path.  The policy's write, then the kernel's own rule
 * for a worker without capabilities: explicit times only on its own file
 * (else EPERM), "now" also on one its mode lets the worker write (else
 * EACCES).  Done on the pinned object (AT_EMPTY_PATH on the O_PATH
 * descriptor), the link itself under AT_SYMLINK_NOFOLLOW.
 */
int
op_utimes(struct opctx *c)
{
	const struct timespec *t = c->o->times;
	int now, may_write, e;
	struct walk w;

	if ((e = ops_walk_object(c, (c->req->flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW, &w, EACCES)) != 0)
		goto out;
	if (!ops_decide(c, w.canon, POLICY_WRITE, NULL)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, &w.st, PROTECT_CHANGE)) != 0)
		goto out;
	if (t != NULL && t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT) {
		e = 0; /* nothing to change, as in the kernel */
		goto out;
	}
	now = t == NULL || (t[0].tv_nsec == UTIME_NOW && t[1].tv_nsec == UTIME_NOW);
	may_write = w.st.st_gid == c->s->gid ? (w.st.st_mode & S_IWGRP) != 0
					     : (w.st.st_mode & S_IWOTH) != 0;
	if (w.st.st_uid != c->s->uid && !(now && may_write)) {
		e = now ? EACCES : EPERM;
		goto out;
	}
	e = utimensat(w.fd, "", t, AT_EMPTY_PATH) == -1 ? errno : 0;
out:
	walk_release(&w);
	return e;
}

/*
 * chmod(2), fchmodat(2), fchmod(2).  The policy's write, then the kernel's
 * rule for a worker without capabilities (only the owner, else EPERM; a
 * set-group-ID bit for a group not the worker's is dropped), and one of
 * filebroker's own: no set-user-ID bit, and set-group-ID only on a folder
 * (EPERM), so that a sandboxed program never leaves a program behind that
 * runs as its user or group.  The deciding rule's mode= bounds the
 * permission bits, as it bounds a new file's.  Done on the pinned object,
 * through the broker's /proc/self/fd.
 */
int
op_chmod(struct opctx *c)
{
	const struct stat *obj = c->o->fdobj;
	mode_t mode = (mode_t)(c->req->mode & 07777), bound;
	struct policy_decision d;
	char num[16];
	struct walk w;
	int e;

	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, EACCES)) != 0)
		goto out;
	if (!ops_decide(c, w.canon, POLICY_WRITE, &d)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, &w.st, PROTECT_CHANGE)) != 0)
		goto out;
	/* fchmod: the name decided on must still be the descriptor's file. */
	if (obj != NULL && (obj->st_dev != w.st.st_dev || obj->st_ino != w.st.st_ino)) {
		e = EPERM;
		goto out;
	}
	if (w.st.st_uid != c->s->uid || (mode & S_ISUID) ||
	    ((mode & S_ISGID) && !S_ISDIR(w.st.st_mode))) {
		e = EPERM;
		goto out;
	}
	if (w.st.st_gid != c->s->gid)
		mode &= (mode_t)~S_ISGID;
	/* The rule's mode= bounds the bits, as for a file or folder created
	 * under it. */
	bound = S_ISDIR(w.st.st_mode) ? folder_bound(d.create_mode) : (mode_t)d.create_mode;
	mode &= bound | S_ISGID | S_ISVTX;
	path_udec(num, sizeof(num), (unsigned long)w.fd);
	e = fchmodat(c->s->fs.selffd, num, mode, 0) == -1 ? errno : 0;
out:
	walk_release(&w);
	return e;
}

/*
 * truncate(2): write on the file, as an open for writing would need; a
 * regular file only (a folder EISDIR, anything else EINVAL, as the
 * kernel).  Opened for writing through the pinned object, so append-only
 * and immutable files refuse as they do the worker's own open.
 */
int
op_truncate(struct opctx *c)
{
	struct walk w;
	int e, fd;

	if (c->o->length < 0)
		return EINVAL;
	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, EACCES)) != 0)
		goto out;
	if (!ops_decide(c, w.canon, POLICY_WRITE, NULL)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, &w.st, PROTECT_CHANGE)) != 0)
		goto out;
	if (!S_ISREG(w.st.st_mode)) {
		e = S_ISDIR(w.st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	/* O_NONBLOCK: a lease on the file makes it EAGAIN, not a wait
	 * (ops.c, open_existing()). */
	if ((fd = walk_reopen(&c->s->fs, &w, O_WRONLY | O_NONBLOCK)) == -1) {
		e = errno == EWOULDBLOCK ? EAGAIN : errno;
		goto out;
	}
	e = ftruncate(fd, (off_t)c->o->length) == -1 ? errno : 0;
	close(fd);
out:
	walk_release(&w);
	return e;
}

static int
op_remove(struct opctx *c, int flag)
{
	struct walk w;
	int e;

	if ((e = walk_name(c, c->req->path, &w, c->canon, 1)) != 0)
		goto out;
	if (!ops_decide(c, w.canon, POLICY_DELETE, NULL)) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, w.canon, &w.st, PROTECT_CHANGE)) != 0)
		goto out;
	e = unlinkat(w.dirfd, w.name, flag) == -1 ? errno : 0;
out:
	walk_release(&w);
	return e;
}

int
op_unlink(struct opctx *c)
{
	return op_remove(c, 0);
}

int
op_rmdir(struct opctx *c)
{
	return op_remove(c, AT_REMOVEDIR);
}

/*
 * The "@rename" rule: a renamed object gets the rules of its new name, and
 * a folder takes everything below it along.  So the new name may allow
 * nothing of read, write, exec, stat and list that the old one does not,
 * and nothing below it (any right at all: create and delete below decide
 * what the folder may come to hold) that the same path below the old name
 * does not (policy_below_check(), conservative).  Asked of the paths, not
 * of the object found there: a folder swapped in for a file between this
 * check and the rename is covered too.  A FIFO, socket or device also
 * keeps its exact rules, which alone let it be opened.
 */
static int
rename_keeps(struct opctx *c, const char *from, const char *to, const struct stat *obj)
{
	static const unsigned kept[] = { POLICY_READ, POLICY_WRITE, POLICY_EXEC, POLICY_STAT,
		POLICY_LIST };
	struct policy_decision df, dt;
	size_t i;
	int special = obj != NULL && !S_ISREG(obj->st_mode) && !S_ISDIR(obj->st_mode) &&
	    !S_ISLNK(obj->st_mode);

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (ops_policy(c, to, kept[i], &dt) == -1 || !dt.allowed)
			continue;
		if (ops_policy(c, from, kept[i], &df) == -1 || !df.allowed ||
		    (special && dt.exact && !df.exact))
			return 0;
	}
	return ops_below(c, from, to) == 1;
}

int
op_rename(struct opctx *c)
{
	unsigned flags = c->req->type == FB_MSG_RENAME ? c->req->flags : 0;
	struct walk from, to;
	int e;

	memset(&to, 0, sizeof(to));
	to.fd = to.dirfd = -1;
	/* renameat2(2)'s flags come only from transparent mode (the wire
	 * message has none): NOREPLACE or EXCHANGE, never both. */
	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0 ||
	    flags == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if ((e = walk_name(c, c->req->path, &from, c->canon, 1)) != 0)
		goto out;
	if ((e = walk_name(c, c->req->path2, &to, c->canon2, flags == RENAME_EXCHANGE)) != 0)
		goto out;
	/* Moving takes the name away from one place and makes it in another;
	 * replacing an existing target also deletes it.  An exchange does
	 * both at both names; NOREPLACE never deletes the target, and says
	 * EEXIST only to a worker that may create there (as O_EXCL). */
	if (!ops_decide(c, from.canon, POLICY_DELETE, NULL) ||
	    !ops_decide(c, to.canon, POLICY_CREATE, NULL) ||
	    (flags == RENAME_EXCHANGE && (!ops_decide(c, from.canon, POLICY_CREATE, NULL) ||
					     !ops_decide(c, to.canon, POLICY_DELETE, NULL))) ||
	    (flags == 0 && to.fd != -1 && !ops_decide(c, to.canon, POLICY_DELETE, NULL))) {
		e = EACCES;
		goto out;
	}
	if ((e = ops_guard(c, from.canon, &from.st, PROTECT_CHANGE)) != 0 ||
	    (e = ops_guard(c, to.canon, to.fd != -1 ? &to.st : NULL, PROTECT_CHANGE)) != 0)
		goto out;
	if (!rename_keeps(c, from.canon, to.canon, &from.st) ||
	    (flags == RENAME_EXCHANGE && !rename_keeps(c, to.canon, from.canon, &to.st))) {
		c->allowed = 0;
		c->waived = 0; /* a safety rule: complain mode does not lift it */
		c->rule = "@rename";
		e = EACCES;
		goto out;
	}
	/* The kernel does the replacing, exchanging or refusing on the two
	 * pinned folders, atomically. */
	e = renameat2(from.dirfd, from.name, to.dirfd, to.name, flags) == -1 ? errno : 0;
out:
	walk_release(&from);
	walk_release(&to);
	return e;
}
