/*
 * sockfile.h: the listening Unix sockets of `filebroker serve` (the
 * workers' socket and the control socket), created in the file system
 * without clobbering anything and removed at exit only if still ours.
 */
#ifndef FB_SOCKFILE_H
#define FB_SOCKFILE_H

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

/* Fill *sun for path.  Returns 0, or -1 with errno EINVAL (empty) or
 * ENAMETOOLONG (longer than sun_path holds). */
int sockfile_addr(struct sockaddr_un *sun, const char *path);

/*
 * Create a SOCK_SEQPACKET socket bound to path with permissions mode (and
 * group when set_group), non-blocking, listening.  A socket file there that
 * nobody listens on is replaced; a live socket, or anything that is not a
 * socket, is refused.  *made gets the file's identity for
 * sockfile_remove().  what names the socket in messages ("socket",
 * "control socket").  Set-up code: it exits (fatal) when it cannot.
 */
int sockfile_create(const char *what, const char *path, mode_t mode, int set_group, gid_t group,
    struct stat *made);

/* Remove path if it is still the socket sockfile_create() made. */
void sockfile_remove(const char *path, const struct stat *made);

#endif
