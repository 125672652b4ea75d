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
	int root;		 /* O_PATH descriptor of "/" */
	int selffd;		 /* O_PATH descriptor of the broker's /proc/self/fd (the
			   host's procfs: the broker's own descriptors) */
	dev_t procdev;		 /* st_dev of the host's /proc, to spot magic links */
	int wproc;		 /* the worker's /proc (fsctx_set_wproc()): a procfs of
			   its PID namespace, in which "/proc" and every path
			   below it are looked up; -1: the host's /proc is the
			   worker's too (no namespace of ours, the daemon) */
	dev_t wprocdev;		 /* its st_dev */
	mode_t umask;		 /* the broker's, as it started: the kernel takes it
			   from what the broker creates (ops_new_mode()) */
	uid_t euid;		 /* the broker's: the owner of what it creates */
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

/*
 * From now on, look the worker's /proc paths up in proc, a procfs of its
 * PID namespace (takes ownership of the descriptor): "/proc" and what is
 * below it, by any path that leads there, are that procfs's, so /proc/N is
 * the worker's process N and the pids in paths are the worker's own.  The
 * broker's own uses of /proc (fs->selffd, task.c's /proc/TID of a notified
 * thread) stay the host's.  0, or -1 with errno (proc closed): EINVAL when
 * proc is not the root of a procfs.
 */
int fsctx_set_wproc(struct fsctx *fs, int proc);

#define WALK_FOLLOW 0x1 /* follow a symlink in the last component */
#define WALK_PARENT 0x2 /* keep the parent folder as dirfd + name */
/* Only an existing object is of use (a lookup, never a creation): when
 * only the last component is missing, its parent folder is not pinned
 * (dirfd stays -1), which spares the fast path a descriptor. */
#define WALK_EXISTING 0x4

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
 * /proc/thread-self: the asker as the worker's /proc numbers it).  Returns 0 when the object exists (w->fd >= 0) or when
 * only its last component is missing (w->fd == -1, w->dirfd and w->name
 * set; with WALK_EXISTING, w->dirfd may be -1).  Otherwise a negative errno: -ENOENT or -ENOTDIR for a missing or
 * non-folder intermediate component, -ELOOP for too many symlinks,
 * -ENAMETOOLONG, -EINVAL for a relative path, -EACCES for a magic link, or
 * whatever the kernel said.  On every return, walk_release() must be
 * called; w->canon holds as much of the canonical path as was resolved.
 */
int walk_path(const struct fsctx *fs, const char *path, pid_t pid, pid_t tid, int flags,
    struct walk *w);

/*
 * Asked by walk_path_climb() before a ".." leaves a folder the walk went
 * into by name, with w->canon (and w's fold bits) naming it: nonzero to
 * go on, 0 to stop there as if the folder were missing (the walk returns
 * -ENOENT, w->canon naming it).  The kernel's ".." needs the folder
 * searched: a path into a folder and out again ("/hidden/x/../../ok/f")
 * is answered when x exists and not when it does not, which tells what
 * the asker may not know.
 */
typedef int (*walk_climb_fn)(void *arg, const struct walk *w);

/*
 * walk_path() that asks climb(arg, w) before such a "..": the worker's
 * requests (ops_walk()).  Not asked when leaving a folder whose existence
 * the asker knows already: one it holds, the first held bytes of path
 * (its working folder or a descriptor's, as the kernel names it; 0 for
 * none), and the folder of a symlink followed (relative: its target
 * starts there), nor the folders above either.
 */
int walk_path_climb(const struct fsctx *fs, const char *path, size_t held, pid_t pid, pid_t tid,
    int flags, walk_climb_fn climb, void *arg, struct walk *w);

/* Close the descriptors a walk holds. */
void walk_release(struct walk *w);

/*
 * Open the object pinned by w->fd with open(2) flags `flags` (O_CLOEXEC and
 * O_NOCTTY are added).  Returns a descriptor or -1 with errno.
 */
int walk_reopen(const struct fsctx *fs, const struct walk *w, int flags);

#endif
