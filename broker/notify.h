/*
 * notify.h: transparent mode.  The worker's seccomp filter turns its path
 * syscalls into user notifications on a listener descriptor the broker
 * holds.  For each one the broker copies the path out of the worker's
 * memory once, decides on its own copy with the same code as explicit
 * requests (ops.c), performs the call itself and answers: a descriptor is
 * injected with SECCOMP_IOCTL_NOTIF_ADDFD + SECCOMP_ADDFD_FLAG_SEND, a stat
 * result is written into the worker's memory.  The kernel never re-reads a
 * path the worker could have rewritten after the check.
 */
#ifndef FB_NOTIFY_H
#define FB_NOTIFY_H

struct server;
struct session;

/*
 * Serve the seccomp listener fd for session s in sv's event loop.  Takes
 * ownership of fd.  The listener is closed when the last filtered task is
 * gone.  Returns 0 or -1 with errno.
 */
int notify_start(struct server *sv, struct session *s, int fd);

/* 1 while a listener is being served. */
int notify_active(void);

#endif
