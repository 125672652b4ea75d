/*
 * monotime.h: CLOCK_MONOTONIC in nanoseconds, for the deadlines of the
 * loops that poll before they sleep (the broker's server_spin(),
 * libfilebroker's replies, the preload library's lane).  Header only: the
 * preload library links nothing of the project's.  The vDSO answers it
 * without a system call.
 */
#ifndef FB_MONOTIME_H
#define FB_MONOTIME_H

#include <time.h>

static inline long long
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

#endif
