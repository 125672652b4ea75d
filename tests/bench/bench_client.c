/*
 * bench_client.c: the worker side of the filebroker figures.  Run it as the
 * worker of `filebroker run`:
 *
 *	filebroker run --policy P [--audit F] -- bench_client \
 *	    [-n ITERS] [-r RUNS] [-w WARMUP] [-p PLACEMENT] [-o FIGURE,...] \
 *	    ALLOWED DENIED
 *
 * and it times, through libfilebroker,
 *
 *	fb_open		fb_open(ALLOWED, O_RDONLY) and close(): must succeed
 *	fb_open_denied	fb_open(DENIED, O_RDONLY): must fail with EACCES
 *	fb_stat		fb_stat(ALLOWED)
 *	fb_openv	fb_openv() of OPENV_FILES entries naming ALLOWED (O_RDONLY |
 *			O_CLOEXEC, as bench_floor's in-process `open`), all
 *			must succeed, then close() of each; timed per file
 *
 * interleaved run by run (run 1 of each, run 2 of each, ...), so that noise
 * on the shared machine spreads over all of them.  -o picks some of them (the
 * driver counts the broker's system calls per request that way).  One JSON line per figure
 * (bench_emit()).
 *
 * Placement.  The broker is this process's parent (getppid()).  The worker
 * pins itself and tries to pin the broker with sched_setaffinity(2).  Under
 * `filebroker run` as root the worker runs as nobody, which may not move a
 * root process (EPERM); the driver therefore also starts the broker with the
 * right affinity (taskset), and the worker checks that the broker's
 * affinity is the wanted one before it measures: a figure is never reported
 * for a placement it did not have.  "broker_pin" says which way it was done.
 *
 * CPU time: the worker's own from CLOCK_PROCESS_CPUTIME_ID over the timed
 * runs.  (The broker's is taken by the driver from wait4(2), since a
 * sandboxed worker may not read /proc.)
 *
 * The binary is linked statically: a sandboxed worker whose policy has no
 * @runtime cannot load shared libraries, and the 1-rule policy has none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "filebroker.h"

static const char *allowed, *denied;

static int
op_open(void)
{
	int fd = fb_open(allowed, O_RDONLY);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
op_open_denied(void)
{
	int fd = fb_open(denied, O_RDONLY);

	if (fd != -1) {
		close(fd);
		errno = EEXIST; /* "it was allowed": must not happen */
		return -1;
	}
	return errno == EACCES ? 0 : -1;
}

static int
op_stat(void)
{
	struct stat st;

	return fb_stat(allowed, &st);
}

/* One round trip's worth (FB_OPENV_MAX in proto.h). */
#define OPENV_FILES 64

static int
op_openv(void)
{
	static struct fb_openv_entry v[OPENV_FILES];
	int i, r, e = 0;

	for (i = 0; i < OPENV_FILES; i++) {
		v[i].path = allowed;
		v[i].flags = O_RDONLY | O_CLOEXEC;
		v[i].mode = 0;
	}
	if ((r = fb_openv(v, OPENV_FILES)) == -1)
		return -1;
	for (i = 0; i < OPENV_FILES; i++) {
		if (v[i].fd != -1)
			close(v[i].fd);
		else if (e == 0)
			e = v[i].error;
	}
	if (r != OPENV_FILES) {
		errno = e;
		return -1;
	}
	return 0;
}

static const struct bench_figure figures[] = {
	{ "fb_open", op_open, 1 },
	{ "fb_open_denied", op_open_denied, 1 },
	{ "fb_stat", op_stat, 1 },
	{ "fb_openv", op_openv, OPENV_FILES },
};

int
main(int argc, char **argv)
{
	return bench_worker_main("bench_client", figures, sizeof(figures) / sizeof(figures[0]),
	    argc, argv, &allowed, &denied);
}
