/*
 * resolve.h: turning a worker's path into a canonical path and a pinned
 * object, without ever following a link the broker has not seen.
 *
 * The broker decides on the canonical path (absolute, every symlink
 * resolved, ".." resolved physically) and then opens exactly the object it
 * decided on.  walk_path() resolves a path to an O_PATH descriptor: the
 * object itself, which nobody can swap afterwards.  Opening it for real
 * (walk_reopen) goes through that descriptor, not through the path again.
 *
 * Fast path: a path without ".." is cleaned lexically and looked up with
 * one openat2(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS); the kernel then
 * walks exactly the string that will be decided on.  If a symlink is met
 * (ELOOP), the slow path walks component by component with O_PATH |
 * O_NOFOLLOW, reads each symlink itself and refuses magic links
 * (/proc/PID/fd/N, /proc/PID/root, ...).
 */
#ifndef FB_RESOLVE_H
#define FB_RESOLVE_H

#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct fsctx {
	int root;	/* O_PATH descriptor of "/" */
	int selffd;	/* O_PATH descriptor of the broker's /proc/self/fd */
	dev_t procdev;	/* st_dev of /proc, to spot magic links */
	mode_t umask;	/* the broker's, as it started (new folders' bits) */
	struct protect *protect; /* the broker's own files (protect.h), or NULL;
				    shared by copies, freed by fsctx_close() */
	struct fold *fold;	 /* folders that fold case (fold.h); shared by
				    copies, freed by fsctx_close() */
};

/* fstat() of fd (O_PATH too) with statx(2), and the unique id of its mount
 * (0 when the kernel has none: before Linux 6.8).  0 or -1 with errno. */
int fs_statx(int fd, struct stat *st, uint64_t *mnt);

/* openat2(2), which glibc 2.36 does not wrap: a descriptor or -1 with
 * errno. */
int fs_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve);

/* Open the descriptors above (protect NULL).  Returns 0 or -1 with errno. */
int fsctx_init(struct fsctx *fs);
/* Close them and free protect. */
void fsctx_close(struct fsctx *fs);

#define WALK_FOLLOW 0x1 /* follow a symlink in the last component */
#define WALK_PARENT 0x2 /* keep the parent folder as dirfd + name */

/* Words of a walk's fold bits: one per component a path can have. */
#define WALK_FOLD_WORDS ((PATH_MAX / 2 + 63) / 64)

struct walk {
	char canon[PATH_MAX];	 /* canonical path of the object, or of the missing
				    last component; as far as resolved on error */
	int fd;			 /* O_PATH|O_CLOEXEC descriptor of the object, or -1
				    when the last component does not exist */
	struct stat st;		 /* the object's, when fd >= 0 */
	int dirfd;		 /* WALK_PARENT or a missing object: O_PATH of the
				    parent folder; -1 when there is none ("/") */
	char name[NAME_MAX + 1]; /* with dirfd: the last component */
	int must_dir;		 /* the path ended in "/": a folder is required */
	/* Components of canon looked up in folders that fold case (fold.h):
	 * bit i for component i, as policy_decide_fold() takes them; canon
	 * holds the names as those folders hold them.  Valid up to depth
	 * components, and only read when nfold > 0. */
	int depth, nfold;
	uint64_t fold[WALK_FOLD_WORDS];
};

/*
 * Resolve the absolute path for worker pid/tid (for /proc/self and
 * /proc/thread-self).  Returns 0 when the object exists (w->fd >= 0) or when
 * only its last component is missing (w->fd == -1, w->dirfd and w->name
 * set).  Otherwise a negative errno: -ENOENT or -ENOTDIR for a missing or
 * non-folder intermediate component, -ELOOP for too many symlinks,
 * -ENAMETOOLONG, -EINVAL for a relative path, -EACCES for a magic link, or
 * whatever the kernel said.  On every return, walk_release() must be
 * called; w->canon holds as much of the canonical path as was resolved.
 */
int walk_path(const struct fsctx *fs, const char *path, pid_t pid, pid_t tid, int flags,
    struct walk *w);

/* Close the descriptors a walk holds. */
void walk_release(struct walk *w);

/*
 * Open the object pinned by w->fd with open(2) flags `flags` (O_CLOEXEC and
 * O_NOCTTY are added).  Returns a descriptor or -1 with errno.
 */
int walk_reopen(const struct fsctx *fs, const struct walk *w, int flags);

#endif
