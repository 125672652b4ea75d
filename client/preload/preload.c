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
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fstat
#error "filebroker-preload: this architecture has no fstat system call"
#endif

_Static_assert(sizeof(struct stat) == sizeof(struct stat64) &&
	offsetof(struct stat, st_size) == offsetof(struct stat64, st_size),
    "struct stat and struct stat64 differ: fstat64 would need its own path");

int fstat64(int fd, struct stat64 *st);
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags);

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
