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
 *
 * interleaved run by run (run 1 of each, run 2 of each, ...), so that noise
 * on the shared machine spreads over all three.  -o picks some of them (the
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

static const struct bench_figure figures[] = {
	{ "fb_open", op_open },
	{ "fb_open_denied", op_open_denied },
	{ "fb_stat", op_stat },
};

int
main(int argc, char **argv)
{
	return bench_worker_main("bench_client", figures, sizeof(figures) / sizeof(figures[0]), argc,
	    argv, &allowed, &denied);
}
