/*
 * resolve.c: canonical paths and pinned objects; see resolve.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "fold.h"
#include "path.h"
#include "protect.h"
#include "resolve.h"

/* Linux's own limit on symlinks followed in one lookup. */
#define WALK_MAX_LINKS 40

int
fs_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags;
	how.resolve = resolve;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000u
#endif

int
fs_statx(int fd, struct stat *st, uint64_t *mnt)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE, &sx) == -1)
		return -1;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st->st_ino = sx.stx_ino;
	st->st_mode = sx.stx_mode;
	st->st_nlink = sx.stx_nlink;
	st->st_uid = sx.stx_uid;
	st->st_gid = sx.stx_gid;
	st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	st->st_size = (off_t)sx.stx_size;
	st->st_blksize = (blksize_t)sx.stx_blksize;
	st->st_blocks = (blkcnt_t)sx.stx_blocks;
	st->st_atim.tv_sec = sx.stx_atime.tv_sec;
	st->st_atim.tv_nsec = sx.stx_atime.tv_nsec;
	st->st_mtim.tv_sec = sx.stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = sx.stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
	*mnt = (sx.stx_mask & STATX_MNT_ID_UNIQUE) ? sx.stx_mnt_id : 0;
	return 0;
}

int
fsctx_init(struct fsctx *fs)
{
	struct stat st;

	fs->root = fs->selffd = fs->wproc = -1;
	fs->procdev = fs->wprocdev = (dev_t)-1;
	fs->protect = NULL;
	fs->fold = NULL;
	if ((fs->root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	if ((fs->selffd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	if (stat("/proc", &st) == 0)
		fs->procdev = st.st_dev;
	fs->umask = umask(0);
	umask(fs->umask);
	fs->euid = geteuid();
	if (fold_init(fs) == -1)
		goto fail;
	return 0;
fail:
	fsctx_close(fs);
	return -1;
}

void
fsctx_close(struct fsctx *fs)
{
	if (fs->root != -1)
		close(fs->root);
	if (fs->selffd != -1)
		close(fs->selffd);
	if (fs->wproc != -1)
		close(fs->wproc);
	fs->root = fs->selffd = fs->wproc = -1;
	protect_free(fs);
	fold_free(fs);
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define PROC_ROOT_INO 1

int
fsctx_set_wproc(struct fsctx *fs, int proc)
{
	struct statfs sf;
	struct stat st;
	uint64_t mnt;

	if (fstatfs(proc, &sf) == -1 || fs_statx(proc, &st, &mnt) == -1)
		goto fail;
	if (sf.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO || !S_ISDIR(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	/* Its mount is not in the broker's mount namespace, where statmount()
	 * would have said what it is: a procfs never folds case. */
	fold_never(fs, mnt);
	fs->wproc = proc;
	fs->wprocdev = st.st_dev;
	return 0;
fail:
	close(proc);
	return -1;
}

/* Every field a walk's result is read from; not the whole 4 KiB of canon
 * and name, which this would zero on every request. */
static void
walk_init(struct walk *w)
{
	w->canon[0] = '\0';
	w->name[0] = '\0';
	w->fd = -1;
	w->dirfd = -1;
	w->must_dir = 0;
	w->depth = w->nfold = 0;
	memset(&w->st, 0, sizeof(w->st));
}

void
walk_release(struct walk *w)
{
	if (w->fd != -1)
		close(w->fd);
	if (w->dirfd != -1)
		close(w->dirfd);
	w->fd = w->dirfd = -1;
}

/* The path relative to the root descriptor: "/a/b" -> "a/b", "/" -> ".". */
static const char *
rel(const char *clean)
{
	return clean[1] == '\0' ? "." : clean + 1;
}

#define NOSYM (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/*
 * The worker's /proc (fs->wproc), where a walk that reaches "/proc" goes
 * on instead of into the host's: the only place a walk leaves the tree
 * under fs->root.  Either way the canonical path is the worker's view,
 * "/proc/2/status", and what is decided on.
 */

/* The clean path (no "..") looked up from "/" with O_PATH and oflags, no
 * symlink followed: a descriptor, or -1 with errno (ELOOP at a symlink).
 * "/proc" and what is below it from the worker's /proc when it has one. */
/* Where the clean path is looked up from, and as what: the worker's /proc
 * for "/proc" and below, when it has one, else "/". */
static int
clean_at(const struct fsctx *fs, const char *clean, const char **relpath)
{
	if (fs->wproc != -1 && strncmp(clean, "/proc", 5) == 0 &&
	    (clean[5] == '\0' || clean[5] == '/')) {
		*relpath = clean[5] == '\0' ? "." : clean + 6;
		return fs->wproc;
	}
	*relpath = rel(clean);
	return fs->root;
}

static int
lookup_clean(const struct fsctx *fs, const char *clean, int oflags)
{
	const char *relpath;
	int at = clean_at(fs, clean, &relpath);

	return fs_openat2(at, relpath, O_PATH | O_CLOEXEC | oflags, NOSYM);
}

/*
 * The folder dir of a clean path whose last component the fast path found
 * missing, for a walk that pins nothing then (WALK_EXISTING): as when it
 * is pinned, it must be a folder on a mount whose chain never folds
 * (fold.h), and one statx() says so without an openat2()'s descriptor and
 * its close.  statx() follows a symlink in the middle of dir, where the
 * openat2() of the whole path, which refuses every symlink, has just
 * passed every component; dir's last component is looked at unfollowed.
 * 0 when dir is such a folder, 1 when the slow path must take over (a
 * symlink, a mount that may fold), or a negative errno (-ENOENT,
 * -ENOTDIR: a component of dir is missing or no folder).
 */
static int
missing_parent(const struct fsctx *fs, const char *dir)
{
	struct statx sx;
	const char *relpath;
	int at = clean_at(fs, dir, &relpath);
	uint64_t mnt;

	if (statx(at, relpath, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MNT_ID_UNIQUE, &sx) == -1)
		return errno == ELOOP ? 1 : -errno;
	if (S_ISLNK(sx.stx_mode))
		return 1;
	if (!S_ISDIR(sx.stx_mode))
		return -ENOTDIR;
	mnt = (sx.stx_mask & STATX_MNT_ID_UNIQUE) ? sx.stx_mnt_id : 0;
	return fold_chain_may(fs, mnt);
}

/*
 * The fast path: clean has no "..", so with symlinks forbidden the kernel
 * looks up exactly this string.  Returns 1 when a symlink was met, or a
 * folder that may fold case, and the slow path must take over.
 */
static int
walk_fast(const struct fsctx *fs, const char *clean, int flags, struct walk *w)
{
	char dir[PATH_MAX];
	const char *name;
	int oflags = 0, r;
	struct stat dst;
	uint64_t mnt;

	if (!(flags & WALK_FOLLOW) && !w->must_dir)
		oflags |= O_NOFOLLOW;
	path_copy(w->canon, sizeof(w->canon), clean);
	w->fd = lookup_clean(fs, clean, oflags);
	if (w->fd == -1 && errno == ELOOP)
		return 1;
	if (w->fd == -1 && errno != ENOENT)
		return -errno;
	if (w->fd != -1) {
		/* Every folder on the way is on the object's mount or one
		 * above it: if none of them may fold case, the name as written
		 * is the name (fold.h). */
		if (fs_statx(w->fd, &w->st, &mnt) == -1)
			return -errno;
		if (fold_chain_may(fs, mnt))
			return 1;
		if (w->must_dir && !S_ISDIR(w->st.st_mode))
			return -ENOTDIR;
		if (!(flags & WALK_PARENT) || strcmp(clean, "/") == 0)
			return 0;
	}
	/* The object is missing, or its parent is wanted as well. */
	if ((r = path_split(clean, dir, sizeof(dir), &name)) < 0)
		return r;
	if (w->fd == -1 && (flags & WALK_EXISTING) && !(flags & WALK_PARENT)) {
		return missing_parent(fs, dir);
	}
	w->dirfd = lookup_clean(fs, dir, O_DIRECTORY);
	if (w->dirfd == -1)
		return errno == ELOOP ? 1 : -errno;
	if (w->fd == -1 && (fs_statx(w->dirfd, &dst, &mnt) == -1 || fold_chain_may(fs, mnt)))
		return 1;
	path_copy(w->name, sizeof(w->name), name);
	return 0;
}

/* Is the symlink `name` in dirfd a magic link (/proc/PID/fd/N and kin)? */
static int
is_magic(const struct fsctx *fs, int dirfd, const char *name, const struct stat *st)
{
	autoclose int fd = -1;

	if (st->st_dev != fs->procdev && st->st_dev != fs->wprocdev)
		return 0;
	fd = fs_openat2(dirfd, name, O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
	return fd == -1 && errno == ELOOP;
}

/* Replace the leading component of rem (ending at rest) by target. */
static int
link_splice(char *rem, size_t size, const char *target, size_t tlen, const char *rest)
{
	char tmp[2 * PATH_MAX];
	size_t rlen = strlen(rest), sep = rlen > 0 ? 1 : 0;

	/* No slash after the target when nothing follows: "link" must not
	 * become "target/", which would demand a folder. */
	if (tlen + sep + rlen + 1 > sizeof(tmp) || tlen + sep + rlen + 1 > size)
		return -ENAMETOOLONG;
	memcpy(tmp, target, tlen);
	if (sep)
		tmp[tlen] = '/';
	memcpy(tmp + tlen + sep, rest, rlen + 1);
	memcpy(rem, tmp, tlen + sep + rlen + 1);
	return 0;
}

/* Append component c (n bytes) to canon; folded: it was looked up in a
 * folder that folds case. */
static int
canon_push(struct walk *w, const char *c, size_t n, int folded)
{
	size_t len = strlen(w->canon);
	uint64_t bit = (uint64_t)1 << (w->depth % 64);

	if (len == 1)
		len = 0; /* "/" */
	if (len + 1 + n + 1 > sizeof(w->canon) || w->depth >= WALK_FOLD_WORDS * 64)
		return -ENAMETOOLONG;
	w->canon[len] = '/';
	memcpy(w->canon + len + 1, c, n);
	w->canon[len + 1 + n] = '\0';
	if (folded) {
		w->fold[w->depth / 64] |= bit;
		w->nfold++;
	} else
		w->fold[w->depth / 64] &= ~bit;
	w->depth++;
	return 0;
}

static void
canon_pop(struct walk *w)
{
	char *slash = strrchr(w->canon, '/');

	if (slash == w->canon)
		w->canon[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	if (slash != NULL && w->depth > 0) {
		w->depth--;
		if (w->fold[w->depth / 64] >> (w->depth % 64) & 1)
			w->nfold--;
	}
}

/*
 * Push the component comp (n bytes), found in folder cur (on mount
 * curmnt) as the object st (NULL: missing): as the folder holds it when
 * the folder folds case (fold.h), else as written.
 */
static int
push_found(const struct fsctx *fs, struct walk *w, int cur, uint64_t curmnt, const char *comp,
    size_t n, const struct stat *st)
{
	char ondisk[NAME_MAX + 1];
	int r;

	if ((r = fold_name(fs, cur, curmnt, comp, st, ondisk)) < 0) {
		canon_push(w, comp, n, 0);
		return r;
	}
	if (r == 0)
		return canon_push(w, comp, n, 0);
	return canon_push(w, ondisk, strlen(ondisk), 1);
}

/*
 * The slow path walks one component at a time, each opened O_PATH |
 * O_NOFOLLOW relative to the folder before it, and follows symlinks by
 * reading them itself.  Its state: the folder reached so far (pinned, and
 * named by w->canon, which holds no symlink), what is left to walk, and
 * the component at hand.  Each step below is one thing that can happen to
 * a component:
 *
 *	next_component -> "."  (nothing) | ".." step_dotdot
 *	               -> /proc/self: step_proc_self (spliced in)
 *	               -> step_lookup -> a symlink to follow: step_symlink
 *	                                 (read and spliced in)
 *	                              -> else step_enter (descend, or pin
 *	                                 the last component)
 *	end of the path -> pin_folder
 */
struct slow {
	const struct fsctx *fs;
	struct walk *w;
	pid_t pid, tid; /* the worker, for /proc/self */
	int flags;	/* WALK_* */
	/* Asked before a ".." out of a folder deeper than floor, or NULL;
	 * floor is the held folder's depth, then that of the folder of the
	 * last symlink followed. */
	walk_climb_fn climb;
	void *climb_arg;
	int floor;
	int cur;		 /* O_PATH of the folder reached */
	uint64_t curmnt;	 /* its mount's unique id (fold.h) */
	int links;		 /* symlinks followed, /proc/self included */
	const char *p;		 /* the next component is at p, in rem */
	char comp[NAME_MAX + 1]; /* the component at hand */
	size_t n;		 /* its length */
	int last;		 /* nothing but slashes follows it */
	char rem[2 * PATH_MAX];	 /* the path left to walk */
	/* The folder reached at each depth of w->canon (1 .. w->depth), as
	 * it was when reached: what a ".." must come back to (step_dotdot()).
	 * No descriptor: a path may be 2048 folders deep. */
	struct {
		dev_t dev;
		ino_t ino;
		uint64_t mnt;
	} up[WALK_FOLD_WORDS * 64 + 1];
};

static void
slow_end(struct slow *s)
{
	cleanup_close(&s->cur);
}

/* The folder reached is now fd (taken over) on mount mnt. */
static void
move_to(struct slow *s, int fd, uint64_t mnt)
{
	cleanup_close(&s->cur);
	s->cur = fd;
	s->curmnt = mnt;
}

/* The folder reached is now fd (taken over), st on mount mnt, at the depth
 * of w->canon: remembered for a ".." from below it. */
static void
reach(struct slow *s, int fd, const struct stat *st, uint64_t mnt)
{
	int d = s->w->depth;

	move_to(s, fd, mnt);
	if (d >= 0 && (size_t)d < sizeof(s->up) / sizeof(s->up[0])) {
		s->up[d].dev = st->st_dev;
		s->up[d].ino = st->st_ino;
		s->up[d].mnt = mnt;
	}
}

/* Start at "/" with the whole path left to walk.  Not zeroed as a whole:
 * rem alone is 8 KiB, up 48 KiB, and each field is set here (up as the
 * walk reaches each depth). */
static int
slow_begin(struct slow *s, const struct fsctx *fs, const char *path, size_t held, pid_t pid,
    pid_t tid, int flags, walk_climb_fn climb, void *climb_arg, struct walk *w)
{
	const char *p;
	size_t i;

	s->cur = -1;
	s->fs = fs;
	s->w = w;
	s->pid = pid;
	s->tid = tid;
	s->flags = flags;
	s->climb = climb;
	s->climb_arg = climb_arg;
	/* The held folder's depth: its components, as the kernel names it
	 * (canonical: no "." nor ".."). */
	s->floor = 0;
	for (i = 0, p = path; i < held && p[i] != '\0'; i++)
		if (p[i] != '/' && (i == 0 || p[i - 1] == '/'))
			s->floor++;
	s->links = 0;
	s->n = 0;
	s->last = 0;
	w->canon[0] = '/';
	w->canon[1] = '\0';
	if (path_copy(s->rem, sizeof(s->rem), path) < 0)
		return -ENAMETOOLONG;
	s->p = s->rem;
	if ((s->cur = fcntl(fs->root, F_DUPFD_CLOEXEC, 0)) == -1)
		return -errno;
	s->curmnt = fold_root_mnt(fs);
	return 0;
}

/* The next component into s->comp: 1, 0 at the end of the path, or
 * -ENAMETOOLONG.  A trailing slash makes the last one a folder. */
static int
next_component(struct slow *s)
{
	const char *c;
	size_t n = path_next(&s->p, &c);

	if (n == 0)
		return 0;
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(s->comp, c, n);
	s->comp[n] = '\0';
	s->n = n;
	s->last = path_at_end(s->p);
	if (s->last && *s->p == '/')
		s->w->must_dir = 1;
	return 1;
}

/* Is st on mount mnt the folder the walk reached at depth d? */
static int
same_up(const struct slow *s, int d, const struct stat *st, uint64_t mnt)
{
	return d > 0 && (size_t)d < sizeof(s->up) / sizeof(s->up[0]) &&
	    s->up[d].dev == st->st_dev && s->up[d].ino == st->st_ino && s->up[d].mnt == mnt;
}

/*
 * "..", physically: the canonical path so far has no symlink in it, so its
 * parent is the parent of the folder reached ("/.." is "/").  That is
 * openat(cur, "..") while it is still the folder the walk came through at
 * that name (same_up()); if not, cur was moved since it was looked up, and
 * its parent of the moment is not what canon names ("/ok/a/b/../../x" with
 * b moved to /ok/b would name /ok/x and pin /x): then the parent is looked
 * up again by its path, from the root (lookup_clean()).  Never that lookup
 * every time: it costs as many steps as the path is deep, and a worker's
 * path of 40 links, each climbing 800 folders 1,000 deep, kept a serving
 * thread for seconds (tests/attacks).  Before leaving a folder the walk
 * went into by name (deeper than floor), climb() may stop it there.
 */
static int
step_dotdot(struct slow *s)
{
	autoclose int up = -1;
	struct stat st;
	uint64_t mnt;

	if (strcmp(s->w->canon, "/") != 0) {
		if (s->w->depth > s->floor && s->climb != NULL && !s->climb(s->climb_arg, s->w))
			return -ENOENT;
		canon_pop(s->w);
		if (s->floor > s->w->depth)
			s->floor = s->w->depth;
		if (s->w->depth > 0)
			up = openat(s->cur, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (up != -1 &&
		    (fs_statx(up, &st, &mnt) == -1 || !same_up(s, s->w->depth, &st, mnt)))
			close(take_fd(&up));
		if (up == -1) {
			if ((up = lookup_clean(s->fs, s->w->canon, O_DIRECTORY)) == -1)
				return -errno;
			if (fs_statx(up, &st, &mnt) == -1)
				return -errno;
		}
		reach(s, take_fd(&up), &st, mnt);
	}
	if (s->last)
		s->w->must_dir = 1;
	return 0;
}

/* One more symlink followed; Linux's limit is ours. */
static int
count_link(struct slow *s)
{
	return ++s->links > WALK_MAX_LINKS ? -ELOOP : 0;
}

/* Follow a link to target (tlen bytes): it takes the place of the
 * component at hand; an absolute one starts again at "/". */
static int
follow_link(struct slow *s, const char *target, size_t tlen)
{
	int r, root;

	if ((r = link_splice(s->rem, sizeof(s->rem), target, tlen, s->p)) < 0)
		return r;
	s->p = s->rem;
	/* Where the link is: known to the asker, whom the walk takes there
	 * (by design: a link is followed wherever it is, and decided where
	 * it leads). */
	s->floor = s->w->depth;
	if (target[0] != '/')
		return 0;
	if ((root = fcntl(s->fs->root, F_DUPFD_CLOEXEC, 0)) == -1)
		return -errno;
	move_to(s, root, fold_root_mnt(s->fs));
	s->w->canon[1] = '\0';
	s->w->depth = s->w->nfold = 0;
	s->floor = 0;
	return 0;
}

/* /proc/self and /proc/thread-self are the worker's (path_proc_self()),
 * spliced in like the symlinks they are.  1 when the component was one. */
static int
step_proc_self(struct slow *s)
{
	char target[64];
	int k, r;

	if (strcmp(s->w->canon, "/proc") != 0)
		return 0;
	k = path_proc_self(s->comp, s->n, s->pid, s->tid, target, sizeof(target));
	if (k <= 0)
		return k;
	if ((r = count_link(s)) < 0 || (r = follow_link(s, target, (size_t)k)) < 0)
		return r;
	return 1;
}

/* Only the last component is missing: the walk ends with its parent
 * pinned (w->dirfd) and its name. */
static int
pin_missing(struct slow *s)
{
	int r;

	if ((r = push_found(s->fs, s->w, s->cur, s->curmnt, s->comp, s->n, NULL)) < 0)
		return r;
	s->w->dirfd = take_fd(&s->cur);
	memcpy(s->w->name, s->comp, s->n + 1);
	return 0;
}

/*
 * Look the component at hand up in the folder reached, following nothing:
 * 1 and its descriptor in *fd, its stat and mount.  0 when it is the last
 * one and missing (pin_missing(): the walk is done), or a negative errno.
 */
static int
step_lookup(struct slow *s, int *fd, struct stat *st, uint64_t *mnt)
{
	autoclose int nfd = -1;
	int r;

	/* "proc" in "/" is the worker's /proc when it has one. */
	if (s->fs->wproc != -1 && strcmp(s->w->canon, "/") == 0 && strcmp(s->comp, "proc") == 0)
		nfd = fcntl(s->fs->wproc, F_DUPFD_CLOEXEC, 0);
	else
		nfd = openat(s->cur, s->comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (nfd == -1) {
		r = -errno;
		if (r == -ENOENT && s->last)
			return pin_missing(s);
		canon_push(s->w, s->comp, s->n, 0);
		return r;
	}
	if (fs_statx(nfd, st, mnt) == -1)
		return -errno;
	*fd = take_fd(&nfd);
	return 1;
}

/* A symlink the walk must follow: any but the last component, and the
 * last one when asked to (WALK_FOLLOW) or when a trailing slash needs the
 * folder it names. */
static int
must_follow(const struct slow *s, const struct stat *st)
{
	return S_ISLNK(st->st_mode) && (!s->last || (s->flags & WALK_FOLLOW) || s->w->must_dir);
}

/* The symlink fd: refused when magic, else read and spliced in. */
static int
step_symlink(struct slow *s, int fd, const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t tl;
	int r;

	if (is_magic(s->fs, s->cur, s->comp, st)) {
		canon_push(s->w, s->comp, s->n, 0);
		return -EACCES;
	}
	if ((r = count_link(s)) < 0)
		return r;
	if ((tl = readlinkat(fd, "", target, sizeof(target))) < 0)
		return -errno;
	if ((size_t)tl >= sizeof(target))
		return -ENAMETOOLONG;
	if (tl == 0)
		return -ENOENT;
	return follow_link(s, target, (size_t)tl);
}

/*
 * The component names the object st (*fd, on mount mnt).  Its name goes
 * into the canonical path as the folder holds it (fold.h).  Any but the
 * last must be a folder, which becomes the folder reached: 1.  The last
 * ends the walk (0): the object is pinned (w->fd), and with WALK_PARENT
 * its folder too.
 */
static int
step_enter(struct slow *s, int *fd, const struct stat *st, uint64_t mnt)
{
	struct walk *w = s->w;
	int r;

	if ((r = push_found(s->fs, w, s->cur, s->curmnt, s->comp, s->n, st)) < 0)
		return r;
	if (!S_ISDIR(st->st_mode) && (!s->last || w->must_dir))
		return -ENOTDIR;
	if (!s->last) {
		reach(s, take_fd(fd), st, mnt);
		return 1;
	}
	w->fd = take_fd(fd);
	w->st = *st;
	if (s->flags & WALK_PARENT) {
		w->dirfd = take_fd(&s->cur);
		memcpy(w->name, s->comp, s->n + 1);
	}
	return 0;
}

/* The path ended on "/", "." or "..": the object is the folder reached.
 * There is no (parent, name) pair for it. */
static int
pin_folder(struct slow *s)
{
	s->w->fd = take_fd(&s->cur);
	if (fstat(s->w->fd, &s->w->st) == -1)
		return -errno;
	return 0;
}

static int
walk_slow(const struct fsctx *fs, const char *path, size_t held, pid_t pid, pid_t tid, int flags,
    walk_climb_fn climb, void *climb_arg, struct walk *w)
{
	struct slow s CLEANUP(slow_end);
	int r;

	if ((r = slow_begin(&s, fs, path, held, pid, tid, flags, climb, climb_arg, w)) < 0)
		return r;
	while ((r = next_component(&s)) > 0) {
		autoclose int fd = -1;
		struct stat st;
		uint64_t mnt;

		switch (path_dots(s.comp, s.n)) {
		case 1: /* "." */
			if (s.last)
				w->must_dir = 1;
			continue;
		case 2:
			if ((r = step_dotdot(&s)) < 0)
				return r;
			continue;
		default:
			break;
		}
		if ((r = step_proc_self(&s)) < 0)
			return r;
		if (r == 1)
			continue;
		if ((r = step_lookup(&s, &fd, &st, &mnt)) <= 0)
			return r; /* 0: only the last component is missing */
		if (must_follow(&s, &st)) {
			if ((r = step_symlink(&s, fd, &st)) < 0)
				return r;
			continue;
		}
		if ((r = step_enter(&s, &fd, &st, mnt)) <= 0)
			return r; /* 0: the last component, pinned */
	}
	return r < 0 ? r : pin_folder(&s);
}

int
walk_path(const struct fsctx *fs, const char *path, pid_t pid, pid_t tid, int flags, struct walk *w)
{
	return walk_path_climb(fs, path, 0, pid, tid, flags, NULL, NULL, w);
}

int
walk_path_climb(const struct fsctx *fs, const char *path, size_t held, pid_t pid, pid_t tid,
    int flags, walk_climb_fn climb, void *arg, struct walk *w)
{
	char clean[PATH_MAX];
	unsigned pf;
	int r;

	walk_init(w);
	if (path[0] != '/')
		return -EINVAL;
	if ((r = path_clean(NULL, path, 0, clean, sizeof(clean), &pf)) < 0)
		return r;
	if ((r = path_proc_rewrite(clean, sizeof(clean), pid, tid)) < 0)
		return r;
	if (pf & PATH_F_TRAILING)
		w->must_dir = 1;
	if (!(pf & PATH_F_DOTDOT)) {
		r = walk_fast(fs, clean, flags, w);
		if (r <= 0)
			return r;
		walk_release(w);
		walk_init(w);
		if (pf & PATH_F_TRAILING)
			w->must_dir = 1;
	}
	return walk_slow(fs, path, held, pid, tid, flags, climb, arg, w);
}

int
walk_reopen(const struct fsctx *fs, const struct walk *w, int flags)
{
	char num[16];

	/* Through the broker's own /proc/self/fd: this opens the very inode
	 * the O_PATH descriptor pins, whatever happened to its name since. */
	path_udec(num, sizeof(num), (unsigned long)w->fd);
	return openat(fs->selffd, num, flags | O_CLOEXEC | O_NOCTTY);
}
