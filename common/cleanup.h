/*
 * cleanup.h: descriptors and heap memory released when the variable that
 * owns them goes out of scope (gcc's and clang's cleanup attribute), so
 * that no early return can leak one and no error path needs a close() of
 * its own.  As minijail's util.h and bubblewrap's utils.h do.
 *
 *	autoclose int fd = openat(...);
 *	autofree char *buf = malloc(n);
 *	...
 *	w->fd = take_fd(&fd);	   ownership passes on: nothing is closed
 *
 * The variable must be initialised where it is declared (-1, NULL or the
 * call that makes it): the cleanup runs on every exit from the scope,
 * `continue` and `break` included.  Closing keeps errno, so a function
 * that fails with -1 and errno can return straight after a failed call.
 */
#ifndef FB_CLEANUP_H
#define FB_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define CLEANUP(f) __attribute__((cleanup(f)))

static inline void
cleanup_close(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	errno = saved;
}

static inline void
cleanup_free(void *p)
{
	free(*(void **)p);
}

#define autoclose CLEANUP(cleanup_close)
#define autofree CLEANUP(cleanup_free)

/* The descriptor *fd, which the caller now owns; *fd becomes -1. */
static inline int
take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

/* The pointer at pp (a T **), which the caller now owns; *pp becomes NULL. */
static inline void *
take_ptr(void *pp)
{
	void *r = *(void **)pp;

	*(void **)pp = NULL;
	return r;
}

#endif
