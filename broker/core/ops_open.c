/*
 * ops_open.c: open(2) and its kin, of an existing object (reopened through
 * the pinned O_PATH descriptor) or of a new file (created in the checked
 * folder with the worker's mode, within the rule's mode=).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops_impl.h"
#include "policy.h"

/* Retries when the filesystem changes between the walk and the act. */
#define OPS_RACE_RETRIES 8

/* Flags a worker may pass to open.  O_PATH has its own answer (open_path())
 * in transparent mode, and is refused on the wire, whose worker has no
 * paths to use one with; O_TMPFILE would need a separate create rule.
 * O_NOATIME needs ownership. */
#define OPEN_FLAGS_OK \
	(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_DIRECTORY | \
	    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | KERNEL_O_LARGEFILE | O_SYNC | O_DSYNC | O_DIRECT)
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
	/* The mode asked less the worker's umask, within the rule's mode=,
	 * never set-user-ID.  The kernel takes the broker's own umask away
	 * too: what it took is set again, on the descriptor, once the file
	 * is the worker's. */
	m = ops_new_mode(c, S_IFREG, c->req->a.open.mode, d.create_mode);
	if ((e = ops_intent(c)) != 0)
		return e;
	fd = openat(w->dirfd, w->name,
	    (flags & ~O_NOFOLLOW) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, m);
	if (fd == -1)
		return errno;
	if ((e = ops_give_to_worker(c, fd)) != 0 ||
	    ((m & c->s->fs.umask) != 0 && (e = ops_set_mode(c, fd, m)) != 0)) {
		/* Leave nothing half done: the file just made, if the name
		 * still holds it (a file renamed over it meanwhile is not
		 * removed; whoever could rename it could remove it). */
		if (fstat(fd, &st) == 0 &&
		    fstatat(w->dirfd, w->name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == now.st_dev && st.st_ino == now.st_ino)
			unlinkat(w->dirfd, w->name, 0);
		close(fd);
		return e;
	}
	c->res->fd = fd;
	return 0;
}

static int
open_existing(struct opctx *c, struct walk *w, int flags)
{
	struct policy_decision d;
	unsigned access;
	int acc = flags & O_ACCMODE, fd, special, kerr = 0;
	mode_t t = w->st.st_mode & S_IFMT;

	if ((flags & O_CREAT) && (flags & O_EXCL))
		return ops_exists(c, w->canon);
	if (t == S_IFLNK)
		kerr = ELOOP; /* O_NOFOLLOW on a symlink, as open(2) says */
	else if (t == S_IFDIR) {
		if (acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT)))
			kerr = EISDIR;
		access = POLICY_LIST;
	} else {
		if (flags & O_DIRECTORY)
			kerr = ENOTDIR;
		access = acc == O_RDONLY ? POLICY_READ :
		    acc == O_WRONLY	 ? POLICY_WRITE :
					   POLICY_READ | POLICY_WRITE;
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
	/* O_TRUNC empties a regular file in the open itself (a FIFO or a
	 * device ignores it): a change, written ahead.  Other opens change
	 * nothing; what the worker writes through the descriptor is its own,
	 * and the descriptor leaves only after the record. */
	if ((flags & O_TRUNC) && t == S_IFREG && (kerr = ops_intent(c)) != 0)
		return kerr;
	fd = walk_reopen(&c->s->fs, w, flags | O_NONBLOCK);
	if (fd == -1)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & (O_APPEND | O_DIRECT)) == -1) {
		close(fd);
		return EIO;
	}
	c->res->fd = fd;
	c->dev = w->st.st_dev;
	return 0;
}

/*
 * O_PATH (transparent mode).  SECCOMP_IOCTL_NOTIF_ADDFD cannot install an
 * O_PATH descriptor (the kernel's fget() takes none: EBADF), and letting
 * the worker's own kernel make the open (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 * would let it rewrite the path after the decision and fstat any file.  So
 * a folder asked for as one (O_PATH | O_DIRECTORY: coreutils' cp, mv, ln
 * and install open their target folder so) that the worker may list gets
 * what a plain open of it gives, an O_RDONLY | O_DIRECTORY descriptor,
 * decided as list: it does for the worker all that an O_PATH one does
 * (fchdir, fstat, the base of *at calls, which come to the broker), and
 * lists, which the worker could have by opening the folder itself.  A
 * folder it may only stat (the folders above an allowed tree) is EACCES: a
 * listing descriptor would list it.  Anything else gets no descriptor:
 * EOPNOTSUPP where the worker may see it (ENOTDIR for a file under
 * O_DIRECTORY), the denial elsewhere.  That is what glibc's and gnulib's
 * lchmod() (fchmodat with AT_SYMLINK_NOFOLLOW) need: they open O_PATH |
 * O_NOFOLLOW, never O_DIRECTORY, and would chmod /proc/self/fd/N, a magic
 * link the broker does not follow; EOPNOTSUPP is their "modes of links
 * are not supported", on which tar and cp fall back to chmod.
 */
static int
open_path(struct opctx *c, struct walk *w, int flags)
{
	int dir = S_ISDIR(w->st.st_mode);

	if (dir && (flags & O_DIRECTORY))
		return open_existing(c, w, O_RDONLY | O_DIRECTORY);
	if (!ops_decide(c, w->canon, POLICY_STAT, NULL))
		return EACCES;
	return (flags & O_DIRECTORY) && !dir ? ENOTDIR : EOPNOTSUPP;
}

int
op_open(struct opctx *c)
{
	const struct request *req = c->req;
	int flags = (int)req->a.open.flags, r, tries, e, wf;
	const char *path = req->a.open.resolved ? req->a.open.resolved : req->path;
	struct walk w;

	if ((flags & O_PATH) && req->who.front == FRONT_NOTIFY)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC; /* the rest the kernel ignores */
	else if ((flags & ~OPEN_FLAGS_OK) != 0 || (flags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	/* openat2's RESOLVE_* restrictions said no (EXDEV, ELOOP, ...); the
	 * answer is the worker's only if it may see the path at all: the
	 * path as the broker resolves it (as far as it does), not as
	 * written, which may lead through a link into a hidden tree. */
	if (req->a.open.resolve_err != 0) {
		r = ops_walk(c, req->a.open.resolved,
		    ((flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW) | WALK_EXISTING, &w);
		ops_canon(c, c->canon, &w);
		walk_release(&w);
		if (r == -EINVAL || r == -ENAMETOOLONG)
			return -r;
		return ops_decide(c, c->canon, POLICY_STAT, NULL) ? req->a.open.resolve_err :
								    EACCES;
	}
	/* Without O_CREAT a missing file's folder is of no use. */
	wf = ((flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW) | ((flags & O_CREAT) ? 0 : WALK_EXISTING);
	for (tries = 0; tries < OPS_RACE_RETRIES; tries++) {
		r = ops_walk(c, path, wf, &w);
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
		} else if (flags & O_PATH)
			e = open_path(c, &w, flags);
		else
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
