/*
 * ops_names.c: the operations that make and remove names (mkdir, symlink,
 * link, unlink, rmdir, rename).  Each walks to a (parent, name) pair,
 * decides on the canonical path and acts through the descriptors the walk
 * holds.
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

	r = ops_walk(c, path, WALK_PARENT, w);
	ops_canon(c, canon, w);
	if (r < 0)
		return ops_walk_error(c, w, r, EACCES);
	if (w->dirfd == -1)
		return EBUSY; /* "/" itself, or a path ending in ".." */
	if (must_exist && w->fd == -1)
		return ops_visible(c, w->canon) ? ENOENT : EACCES;
	return 0;
}

/* A new name must be free: 0; EEXIST where the worker may create or see
 * it, else EACCES (ops_exists()); ENOENT for "name/" of nothing. */
static int
name_taken(struct opctx *c, const struct walk *w)
{
	if (w->fd == -1)
		return w->must_dir ? ENOENT : 0;
	return ops_exists(c, w->canon);
}

/*
 * A folder, FIFO or file made by name (mkdir(2), mknod(2)), with the
 * worker's mode, and given to the worker when the broker is root.
 * mkdirat() and mknodat() return no descriptor: the object must be looked
 * up again by name, and whatever is there by then is what would be given
 * away.  Another peer (or anyone who may rename in both folders) can
 * rename a folder over the fresh, empty one in between: root's, with what
 * is in it, which would become the worker's.  So the object is made with
 * no permission bits at all, a mark no folder or file of root's carries
 * and nobody but its owner can give one (chmod needs the owner); only an
 * object of the broker's own user, of that type, with that mark (and, but
 * for a folder, one link) is given to the worker, through the descriptor
 * that pins it, and then gets its bits: exactly mode, whatever the
 * broker's umask (ops_new_mode()), and on a folder the set-group-ID bit
 * it inherited from its parent, where the broker's groups allow the
 * kernel to keep it.  Anything else is not the object made, and is left
 * alone: EEXIST.
 */
static int
make_marked(struct opctx *c, const struct walk *w, mode_t type, mode_t mode)
{
	int dir = type == S_IFDIR, fd, e;
	struct stat st;

	if ((e = ops_intent(c)) != 0)
		return e;
	if ((dir ? mkdirat(w->dirfd, w->name, 0) : mknodat(w->dirfd, w->name, type, 0)) == -1)
		return errno;
	fd = openat(w->dirfd, w->name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
	if (fd == -1)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? EEXIST : errno;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if ((st.st_mode & S_IFMT) != type || st.st_uid != c->s->fs.euid ||
	    (st.st_mode & (dir ? 0777 : 07777)) != 0 || (!dir && st.st_nlink != 1))
		e = EEXIST; /* someone else's by now: left alone */
	else if ((e = ops_give_to_worker(c, fd)) != 0)
		unlinkat(w->dirfd, w->name, dir ? AT_REMOVEDIR : 0); /* ours: nothing half done */
	else
		e = ops_set_mode(c, fd, mode | (dir ? st.st_mode & S_ISGID : 0));
	close(fd);
	return e;
}

int
op_mkdir(struct opctx *c)
{
	struct policy_decision d;
	struct walk w;
	int e;

	if ((e = walk_name(c, c->req->path, &w, c->canon, 0)) != 0 ||
	    (w.fd != -1 && (e = ops_exists(c, w.canon)) != 0))
		goto out;
	if ((e = ops_may_create(c, &w, &d)) != 0)
		goto out;
	e = make_marked(c, &w, S_IFDIR,
	    ops_new_mode(c, S_IFDIR, c->req->a.mkdir.mode, d.create_mode));
out:
	walk_release(&w);
	return e;
}

/*
 * mknod(2), mknodat(2): a FIFO, or a regular file (type S_IFREG or 0),
 * which is a plain create; a device or a socket is EPERM, as for a worker
 * without CAP_MKNOD (a socket is bind(2)'s to make), a folder EPERM and
 * any other type EINVAL, as the kernel says.  The name needs create, and
 * the new object gets the worker's mode within the rule's mode= and is
 * given to the worker like a new file (make_marked()).  Opening a FIFO
 * needs an exact rule, as ever (ops_open.c).
 */
int
op_mknod(struct opctx *c)
{
	mode_t type = (mode_t)c->req->a.mknod.mode & S_IFMT;
	struct policy_decision d;
	struct walk w;
	int e;

	if (type == 0)
		type = S_IFREG;
	if (type == S_IFCHR || type == S_IFBLK || type == S_IFSOCK || type == S_IFDIR)
		return EPERM;
	if (type != S_IFREG && type != S_IFIFO)
		return EINVAL;
	if ((e = walk_name(c, c->req->path, &w, c->canon, 0)) != 0 || (e = name_taken(c, &w)) != 0)
		goto out;
	if ((e = ops_may_create(c, &w, &d)) != 0)
		goto out;
	e = make_marked(c, &w, type, ops_new_mode(c, type, c->req->a.mknod.mode, d.create_mode));
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

	if (c->req->path2 == NULL || c->req->path2[0] == '\0')
		return ENOENT;
	if ((e = walk_name(c, c->req->path, &w, c->canon, 0)) != 0 || (e = name_taken(c, &w)) != 0)
		goto out;
	if ((e = ops_may_create(c, &w, NULL)) != 0 || (e = ops_intent(c)) != 0)
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
	if ((e = ops_walk_object(c, (c->req->a.link.flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0,
		 &from, EACCES)) != 0)
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
	if ((e = ops_intent(c)) != 0)
		goto out;
	path_udec(num, sizeof(num), (unsigned long)from.fd);
	e = linkat(c->s->fs.selffd, num, to.dirfd, to.name, AT_SYMLINK_FOLLOW) == -1 ? errno : 0;
out:
	walk_release(&from);
	walk_release(&to);
	return e;
}

static int
op_remove(struct opctx *c, int flag)
{
	struct walk w;
	int e;

	if ((e = walk_name(c, c->req->path, &w, c->canon, 1)) != 0)
		goto out;
	if ((e = ops_may_change(c, &w, POLICY_DELETE, NULL)) != 0 || (e = ops_intent(c)) != 0)
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
	unsigned flags = c->req->a.rename.flags;
	struct walk from, to;
	int e;

	memset(&to, 0, sizeof(to));
	to.fd = to.dirfd = -1;
	/* renameat2(2)'s flags come only from transparent mode (the wire
	 * message has none, and its decoder leaves them 0): NOREPLACE or
	 * EXCHANGE, never both. */
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
	    (flags == RENAME_EXCHANGE &&
		(!ops_decide(c, from.canon, POLICY_CREATE, NULL) ||
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
	if ((e = ops_intent(c)) != 0)
		goto out;
	e = renameat2(from.dirfd, from.name, to.dirfd, to.name, flags) == -1 ? errno : 0;
out:
	walk_release(&from);
	walk_release(&to);
	return e;
}
