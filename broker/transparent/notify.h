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

#include <limits.h>
#include <sys/types.h>
#include <time.h>

struct server;
struct session;

/*
 * Ask the kernel for its notification sizes (seccomp(2)), once.  A broker
 * that confines itself, which takes seccomp(2) away, calls it before;
 * notify_start() calls it otherwise.  Returns 0 or -1 with errno.
 */
int notify_init(void);

/*
 * Serve the seccomp listener fd for session s in sv's event loop.  Takes
 * ownership of fd.  The listener is closed when the last filtered task is
 * gone.  Returns 0 or -1 with errno.
 */
int notify_start(struct server *sv, struct session *s, int fd);

/*
 * FB_MSG_LISTENER: fd came from a worker over its connection.  Serve it as
 * notify_start() does if it is a seccomp listener.  The session (given to
 * sv) is held while the listener is served (server_watch_session()), so
 * it outlives the worker's connections until the last filtered task is
 * gone.  Called from the session's work, without the server lock, as
 * every caller of notify.c is: it never takes the server's lock (a list of
 * the listeners served has its own).  Takes ownership of fd.  Returns 0,
 * or a positive errno: EBADF not a seccomp listener, EBUSY the session has
 * one already, or this listener is served already, ENOMEM ...
 */
int notify_adopt(struct server *sv, struct session *s, int fd);

/*
 * The worker's exec of COMMAND, the one notification of its filter before
 * the broker serves the listener (worker.c): what it asked, for its record
 * once the session starts (run.c).
 */
struct notify_first {
	pid_t tid;	     /* the thread that asked; 0: no exec came */
	struct timespec t0;  /* CLOCK_MONOTONIC when it came */
	char path[PATH_MAX]; /* the path it named, made absolute */
	char exe[PATH_MAX];  /* what it ran then (/proc/TID/exe); "" unknown */
};

/*
 * Take the next notification of listener fd, which must be the worker's
 * exec of COMMAND: fill x and let the kernel go on with it
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE); any other call is refused (EACCES).
 * Returns 0, or -1 with errno (from RECV: ENOENT when no task is left).
 */
int notify_first_exec(int fd, struct notify_first *x);

/* Listeners being served, of every session. */
int notify_active(void);

#endif
