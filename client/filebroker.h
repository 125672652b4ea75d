/*
 * filebroker.h: libfilebroker, the worker's side of filebroker.
 *
 * A sandboxed worker cannot open files itself; it asks the broker, which
 * opens them only as the policy allows and passes back the descriptor.  The
 * calls below are drop-in twins of their libc namesakes: same arguments, same
 * results, -1 (or NULL) and errno on failure.  libfilebroker(3) lists every
 * errno a caller can see.
 *
 * Connection.  The broker that launched the worker leaves a connected socket
 * in the descriptor named by the environment variable FILEBROKER_FD.  Every
 * call connects from the environment on first use, so calling fb_connect()
 * is optional.  If FILEBROKER_FD is unset and FILEBROKER_SOCKET names a
 * socket path, the library connects to that path instead (daemon mode).
 *
 * Threads and fork.  All calls are safe to use from several threads at once
 * and from a child after fork(): each process keeps its own small pool of
 * private connections ("channels") to the broker, obtained through the
 * inherited socket, and a child never uses its parent's.  They are not
 * async-signal-safe and must not be used in a vfork() child.
 *
 * Paths.  The broker needs absolute paths; a relative path is prefixed here
 * with the current directory (getcwd(3)), purely lexically.  A path that does
 * not fit in 4095 bytes fails with ENAMETOOLONG.
 *
 * Descriptors.  The broker opens everything close-on-exec; the library
 * clears FD_CLOEXEC unless the caller asked for O_CLOEXEC, so the result
 * behaves as open(2)'s would.  The caller owns every descriptor, FILE and
 * DIR returned and releases it with close(2) (or fb_close()), fclose(3),
 * closedir(3).
 */
#ifndef FILEBROKER_H
#define FILEBROKER_H

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Connect to the broker.  socket_path NULL: use the descriptor in
 * FILEBROKER_FD (or, if that is unset, the path in FILEBROKER_SOCKET).
 * Otherwise connect a new socket to socket_path.  Returns 0 at once if
 * already connected (call fb_disconnect() first to switch brokers), or -1
 * with errno: ENOTCONN (no broker configured), EBADF (FILEBROKER_FD is not a
 * number or not an open descriptor), ENOTSOCK, EPROTOTYPE (not a Unix
 * SOCK_SEQPACKET socket), ENAMETOOLONG (socket_path too long for a Unix
 * socket address), or connect(2)'s errors.
 */
int fb_connect(const char *socket_path);

/*
 * Close this process's channels, and the socket fb_connect() connected to a
 * path.  The descriptor named by FILEBROKER_FD is not the library's and stays
 * open.  Requests in flight in other threads complete first.  The next call
 * connects again.
 */
void fb_disconnect(void);

/* open(2): the mode argument is read when flags has O_CREAT.  O_TMPFILE is
 * not supported (EINVAL). */
int fb_open(const char *path, int flags, ...);

/* fopen(3): modes r, w, a, r+, w+, a+, optionally followed by b (ignored),
 * e (O_CLOEXEC) and x (O_EXCL) in any order.  Files are created 0666 & ~umask
 * (the broker's umask). */
FILE *fb_fopen(const char *path, const char *mode);

/* opendir(3): the directory descriptor is close-on-exec. */
DIR *fb_opendir(const char *path);

/* stat(2), lstat(2): the fields the protocol carries (all of POSIX's). */
int fb_stat(const char *path, struct stat *st);
int fb_lstat(const char *path, struct stat *st);

/* access(2), checked by the broker against the policy and the file. */
int fb_access(const char *path, int mode);

/* readlink(2): at most size bytes, truncated silently, no NUL added. */
ssize_t fb_readlink(const char *path, char *buf, size_t size);

int fb_mkdir(const char *path, mode_t mode);
int fb_unlink(const char *path);
int fb_rmdir(const char *path);
int fb_rename(const char *from, const char *to);

/* close(2), except that the library's own sockets are refused with EBADF. */
int fb_close(int fd);

#ifdef __cplusplus
}
#endif

#endif
