/*
 * ops_attrs.c: the operations that change an object, not its name: its
 * times (utimensat), its mode (chmod) and its length (truncate).  Each
 * walks to the pinned object, decides on its canonical path, applies the
 * kernel's own rule for a worker without capabilities and acts on the
 * object, never on a name looked up again.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops_impl.h"
#include "path.h"
#include "policy.h"

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
	const struct timespec *t = c->req->a.utimes.times;
	int now, may_write, e;
	struct walk w;

	if ((e = ops_walk_object(c,
		 (c->req->a.utimes.flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW, &w, EACCES)) !=
	    0)
		goto out;
	if ((e = ops_may_change(c, &w, POLICY_WRITE, NULL)) != 0)
		goto out;
	if (t != NULL && t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT) {
		e = 0; /* nothing to change, as in the kernel */
		goto out;
	}
	now = t == NULL || (t[0].tv_nsec == UTIME_NOW && t[1].tv_nsec == UTIME_NOW);
	may_write = w.st.st_gid == c->s->gid ? (w.st.st_mode & S_IWGRP) != 0 :
					       (w.st.st_mode & S_IWOTH) != 0;
	if (w.st.st_uid != c->s->uid && !(now && may_write)) {
		e = now ? EACCES : EPERM;
		goto out;
	}
	if ((e = ops_intent(c)) != 0)
		goto out;
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
	const struct stat *obj = c->req->a.chmod.fdobj;
	mode_t mode = (mode_t)(c->req->a.chmod.mode & 07777), bound;
	struct policy_decision d;
	char num[16];
	struct walk w;
	int e;

	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, EACCES)) != 0)
		goto out;
	if ((e = ops_may_change(c, &w, POLICY_WRITE, &d)) != 0)
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
	bound = S_ISDIR(w.st.st_mode) ? ops_folder_bound(d.create_mode) : (mode_t)d.create_mode;
	mode &= bound | S_ISGID | S_ISVTX;
	if ((e = ops_intent(c)) != 0)
		goto out;
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

	if (c->req->a.truncate.length < 0)
		return EINVAL;
	if ((e = ops_walk_object(c, WALK_FOLLOW, &w, EACCES)) != 0)
		goto out;
	if ((e = ops_may_change(c, &w, POLICY_WRITE, NULL)) != 0)
		goto out;
	if (!S_ISREG(w.st.st_mode)) {
		e = S_ISDIR(w.st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if ((e = ops_intent(c)) != 0)
		goto out;
	/* O_NONBLOCK: a lease on the file makes it EAGAIN, not a wait
	 * (ops.c, open_existing()). */
	if ((fd = walk_reopen(&c->s->fs, &w, O_WRONLY | O_NONBLOCK)) == -1) {
		e = errno == EWOULDBLOCK ? EAGAIN : errno;
		goto out;
	}
	e = ftruncate(fd, (off_t)c->req->a.truncate.length) == -1 ? errno : 0;
	close(fd);
out:
	walk_release(&w);
	return e;
}
