/*
 * preload.c: filebroker-preload.so, which `filebroker run` puts in the
 * LD_PRELOAD of a transparent-mode worker (docs/design.md, "The preload
 * library").
 *
 * glibc 2.33 and later implement fstat(fd) as newfstatat(fd, "", buf,
 * AT_EMPTY_PATH).  A seccomp filter cannot read the path, so it must send
 * every newfstatat with a path to the broker: a round trip for every
 * fstat(), which grep, cat or tar make once per file.  Here fstat() and
 * fstatat(fd, "", AT_EMPTY_PATH) become the fstat system call, which names
 * no path and which the filter lets through.
 *
 * Where the policy allows stat of every path, `run` lets the worker's
 * stat calls reach the kernel (docs/design.md, "Stat without a round
 * trip") and says so in FILEBROKER_KERNEL_STAT=1.  Then an open or access
 * of a path that stat finds missing is answered ENOENT here, without the
 * round trip, as the broker and the kernel would answer it: a compiler's
 * include-path search is mostly such opens.  A path that exists, or that
 * stat cannot tell about (EACCES, ENOTDIR, ...), and every create, go on
 * as the system call libc's function would make.
 *
 * Speed only, never safety: the worker may unset LD_PRELOAD, load its own
 * library or make any system call it likes; the filter and the broker
 * decide as before.  Static programs and glibc's own internal calls (stdio
 * sizing its buffer, opendir) do not come through here and keep the
 * round trip.  Everything else is passed to the kernel unchanged.
 *
 * Built without sanitizers (an ASan runtime must be the first library
 * loaded) and never linked into libfilebroker: it interposes libc symbols.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lane.h"

#ifndef SYS_fstat
#error "filebroker-preload: this architecture has no fstat system call"
#endif

_Static_assert(sizeof(struct stat) == sizeof(struct stat64) &&
	offsetof(struct stat, st_size) == offsetof(struct stat64, st_size),
    "struct stat and struct stat64 differ: fstat64 would need its own path");

int fstat64(int fd, struct stat64 *st);
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags);
int open64(const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

/* The fstat system call: a descriptor, no path to check. */
static int
by_fd(int fd, void *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

/* Only fstat's own form: an empty path, AT_EMPTY_PATH, a real descriptor
 * (AT_FDCWD with "" means the working folder, which SYS_fstat cannot
 * name).  Flags other than AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW (which
 * does nothing without a path) go to the kernel to be refused there. */
static int
is_fstat(int dirfd, const char *path, int flags)
{
	return dirfd >= 0 && path != NULL && path[0] == '\0' && (flags & AT_EMPTY_PATH) &&
	    (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) == 0;
}

static int
by_path(int dirfd, const char *path, void *st, int flags)
{
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}

int
fstat(int fd, struct stat *st)
{
	return by_fd(fd, st);
}

int
fstat64(int fd, struct stat64 *st)
{
	return by_fd(fd, st);
}

int
fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return is_fstat(dirfd, path, flags) ? by_fd(dirfd, st) : by_path(dirfd, path, st, flags);
}

int
fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return is_fstat(dirfd, path, flags) ? by_fd(dirfd, st) : by_path(dirfd, path, st, flags);
}

/* ---- opens of missing paths, where stat reaches the kernel ---- */

/* FILEBROKER_KERNEL_STAT=1: stat is the kernel's (read once, at load). */
static int stat_is_kernels;

__attribute__((constructor)) static void
preload_init(void)
{
	const char *v = getenv("FILEBROKER_KERNEL_STAT");

	stat_is_kernels = v != NULL && strcmp(v, "1") == 0;
	lane_init();
}

/*
 * Is path (from dirfd) missing, by a stat the kernel answers?  Only where
 * stat is the kernel's, for an open that makes nothing (O_CREAT and
 * O_TMPFILE go on), and for ENOENT alone; errno is left as it was when not.
 */
static int
missing(int dirfd, const char *path, int nofollow, int makes)
{
	struct stat st;
	int saved = errno, r;

	if (!stat_is_kernels || makes || path == NULL || path[0] == '\0')
		return 0;
	r = (int)syscall(SYS_newfstatat, dirfd, path, &st, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
	if (r == -1 && errno == ENOENT)
		return 1;
	errno = saved;
	return 0;
}

static int
open_makes(int flags)
{
	return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

/* A mode is passed on only where the flags say one was given. */
#define OPEN_MODE(flags, mode) \
	do { \
		va_list ap; \
		if (open_makes(flags)) { \
			va_start(ap, flags); \
			(mode) = (mode_t)va_arg(ap, unsigned); \
			va_end(ap); \
		} \
	} while (0)

/*
 * The system calls libc's functions make, made here: no dlsym(), which may
 * allocate, and an allocator that opens a file while it starts would come
 * back here (glibc's open() is this call and a cancellation point, which
 * this is not: a thread cancelled in a blocking open of a FIFO finishes
 * the open first).
 */
static int
sys_faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (flags == 0)
		return (int)syscall(SYS_faccessat, dirfd, path, mode);
	return (int)syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

/* Every form of open: ENOENT here for a missing path, else the broker on
 * the lane where it takes the open (lane.c), else the system call. */
static int
open_at(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	if (missing(dirfd, path, flags & O_NOFOLLOW, open_makes(flags))) {
		errno = ENOENT;
		return -1;
	}
	if (lane_open(dirfd, path, flags, &fd))
		return fd;
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	return open_at(AT_FDCWD, path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	return open_at(AT_FDCWD, path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	return open_at(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	return open_at(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE's forms, for opens without a mode. */
int
__open_2(const char *path, int flags)
{
	return open_at(AT_FDCWD, path, flags, 0);
}

int
__open64_2(const char *path, int flags)
{
	return open_at(AT_FDCWD, path, flags, 0);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	return open_at(dirfd, path, flags, 0);
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	return open_at(dirfd, path, flags, 0);
}

/* access(2): a missing path is ENOENT whatever the mode asked. */
int
access(const char *path, int mode)
{
	if (missing(AT_FDCWD, path, 0, 0)) {
		errno = ENOENT;
		return -1;
	}
	return sys_faccessat(AT_FDCWD, path, mode, 0);
}

int
faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (missing(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, 0)) {
		errno = ENOENT;
		return -1;
	}
	return sys_faccessat(dirfd, path, mode, flags);
}
