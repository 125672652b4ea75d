/*
 * resolve.c: canonical paths and pinned objects; see resolve.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE,
		&sx) == -1)
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

	fs->root = fs->selffd = -1;
	fs->procdev = (dev_t)-1;
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
	fs->root = fs->selffd = -1;
	protect_free(fs);
	fold_free(fs);
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
	w->slow = 0;
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
 * The fast path: clean has no "..", so with symlinks forbidden the kernel
 * looks up exactly this string.  Returns 1 when a symlink was met and the
 * slow path must take over.
 */
static int
walk_fast(const struct fsctx *fs, const char *clean, int flags, struct walk *w)
{
	char dir[PATH_MAX];
	const char *name;
	int oflags = O_PATH | O_CLOEXEC, r;
	struct stat dst;
	uint64_t mnt;

	if (!(flags & WALK_FOLLOW) && !w->must_dir)
		oflags |= O_NOFOLLOW;
	path_copy(w->canon, sizeof(w->canon), clean);
	w->fd = fs_openat2(fs->root, rel(clean), oflags, NOSYM);
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
	w->dirfd = fs_openat2(fs->root, rel(dir), O_PATH | O_DIRECTORY | O_CLOEXEC, NOSYM);
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
	int fd;

	if (st->st_dev != fs->procdev)
		return 0;
	fd = fs_openat2(dirfd, name, O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
	if (fd != -1) {
		close(fd);
		return 0;
	}
	return errno == ELOOP;
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
 * The slow path: one component at a time, each opened O_PATH | O_NOFOLLOW
 * relative to the folder before it, symlinks read and spliced in by hand.
 */
static int
walk_slow(const struct fsctx *fs, const char *path, pid_t pid, pid_t tid, int flags,
    struct walk *w)
{
	char rem[2 * PATH_MAX], comp[NAME_MAX + 1], target[PATH_MAX];
	char *p, *s;
	int cur = -1, nfd, links = 0, last, r;
	size_t n;
	ssize_t tl;
	struct stat st;
	uint64_t mnt, curmnt;

	w->slow = 1;
	w->canon[0] = '/';
	w->canon[1] = '\0';
	if (strlen(path) >= sizeof(rem))
		return -ENAMETOOLONG;
	strcpy(rem, path);
	if ((cur = fcntl(fs->root, F_DUPFD_CLOEXEC, 0)) == -1)
		return -errno;
	curmnt = fold_root_mnt(fs);
	p = rem;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n > NAME_MAX) {
			r = -ENAMETOOLONG;
			goto fail;
		}
		memcpy(comp, s, n);
		comp[n] = '\0';
		/* Last component?  A trailing slash makes it a folder. */
		s = p;
		while (*s == '/')
			s++;
		last = (*s == '\0');
		if (last && *p == '/')
			w->must_dir = 1;
		if (strcmp(comp, ".") == 0) {
			if (last)
				w->must_dir = 1;
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			/* Physical: the canonical path so far has no symlink
			 * in it, so its parent is the folder's parent. */
			if (strcmp(w->canon, "/") != 0) {
				if ((nfd = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
				    -1) {
					r = -errno;
					goto fail;
				}
				close(cur);
				cur = nfd;
				if (fs_statx(cur, &st, &curmnt) == -1) {
					r = -errno;
					goto fail;
				}
				canon_pop(w);
			}
			if (last)
				w->must_dir = 1;
			continue;
		}
		/* /proc/self and /proc/thread-self are the worker's. */
		if (strcmp(w->canon, "/proc") == 0 &&
		    (strcmp(comp, "self") == 0 || strcmp(comp, "thread-self") == 0)) {
			if (pid <= 0) {
				r = -EACCES;
				goto fail;
			}
			if (comp[0] == 's')
				tl = snprintf(target, sizeof(target), "%ld", (long)pid);
			else
				tl = snprintf(target, sizeof(target), "%ld/task/%ld", (long)pid,
				    (long)(tid > 0 ? tid : pid));
			if (++links > WALK_MAX_LINKS) {
				r = -ELOOP;
				goto fail;
			}
			if ((r = link_splice(rem, sizeof(rem), target, (size_t)tl, p)) < 0)
				goto fail;
			p = rem;
			continue;
		}
		nfd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd == -1) {
			r = -errno;
			if (r == -ENOENT && last) {
				/* Only the last component is missing. */
				if ((r = push_found(fs, w, cur, curmnt, comp, n, NULL)) < 0)
					goto fail;
				w->dirfd = cur;
				memcpy(w->name, comp, n + 1);
				return 0;
			}
			canon_push(w, comp, n, 0);
			goto fail;
		}
		if (fs_statx(nfd, &st, &mnt) == -1) {
			r = -errno;
			close(nfd);
			goto fail;
		}
		if (S_ISLNK(st.st_mode) && (!last || (flags & WALK_FOLLOW) || w->must_dir)) {
			if (is_magic(fs, cur, comp, &st)) {
				canon_push(w, comp, n, 0);
				close(nfd);
				r = -EACCES;
				goto fail;
			}
			if (++links > WALK_MAX_LINKS) {
				close(nfd);
				r = -ELOOP;
				goto fail;
			}
			tl = readlinkat(nfd, "", target, sizeof(target));
			close(nfd);
			if (tl < 0 || (size_t)tl >= sizeof(target)) {
				r = tl < 0 ? -errno : -ENAMETOOLONG;
				goto fail;
			}
			if (tl == 0) {
				r = -ENOENT;
				goto fail;
			}
			if ((r = link_splice(rem, sizeof(rem), target, (size_t)tl, p)) < 0)
				goto fail;
			p = rem;
			if (target[0] == '/') {
				close(cur);
				if ((cur = fcntl(fs->root, F_DUPFD_CLOEXEC, 0)) == -1) {
					r = -errno;
					goto fail;
				}
				curmnt = fold_root_mnt(fs);
				w->canon[1] = '\0';
				w->depth = w->nfold = 0;
			}
			continue;
		}
		/* The name as the folder holds it, if the folder folds case:
		 * the component the decision is made on. */
		if ((r = push_found(fs, w, cur, curmnt, comp, n, &st)) < 0) {
			close(nfd);
			goto fail;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			close(nfd);
			r = -ENOTDIR;
			goto fail;
		}
		if (last) {
			if (w->must_dir && !S_ISDIR(st.st_mode)) {
				close(nfd);
				r = -ENOTDIR;
				goto fail;
			}
			w->fd = nfd;
			w->st = st;
			if (flags & WALK_PARENT) {
				w->dirfd = cur;
				memcpy(w->name, comp, n + 1);
			} else
				close(cur);
			return 0;
		}
		close(cur);
		cur = nfd;
		curmnt = mnt;
	}
	/* The path ended on "/", "." or "..": the object is the folder cur.
	 * There is no (parent, name) pair for it. */
	w->fd = cur;
	if (fstat(cur, &w->st) == -1)
		return -errno;
	return 0;
fail:
	close(cur);
	return r;
}

int
walk_path(const struct fsctx *fs, const char *path, pid_t pid, pid_t tid, int flags,
    struct walk *w)
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
	return walk_slow(fs, path, pid, tid, flags, w);
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
