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

static const struct {
	const char *name;
	int (*fn)(void);
} figures[] = {
	{ "fb_open", op_open },
	{ "fb_open_denied", op_open_denied },
	{ "fb_stat", op_stat },
};
#define NFIG (sizeof(figures) / sizeof(figures[0]))

static int chosen[NFIG];

/* -o fb_open,fb_stat */
static int
choose(int opt, const char *arg)
{
	char buf[256], *tok, *save = NULL;
	size_t f;

	if (opt != 'o')
		return -1;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (f = 0; f < NFIG && strcmp(tok, figures[f].name) != 0; f++)
			;
		if (f == NFIG) {
			fprintf(stderr, "bench_client: unknown figure %s\n", tok);
			return -1;
		}
		chosen[f] = 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_cfg cfg = { .iters = 2000, .runs = 5, .warmup = 500,
		.placement = BENCH_DEFAULT };
	static double runs_ns[NFIG][BENCH_MAX_RUNS];
	uint64_t wcpu[NFIG] = { 0 }, t0, c0;
	pid_t broker = getppid();
	char how[160], err[256], baff[64], waff[64], extra[512];
	size_t f;
	long i;
	int r, any = 0;

	if (bench_parse_args(argc, argv, &cfg, "o:", choose) == -1 || argc - optind != 2) {
		fprintf(stderr, "usage: bench_client [-n ITERS] [-r RUNS] [-w WARMUP] "
				"[-p same|cross|default] [-o FIGURE,...] ALLOWED DENIED\n");
		return 2;
	}
	for (f = 0; f < NFIG; f++)
		any |= chosen[f];
	for (f = 0; f < NFIG && !any; f++)
		chosen[f] = 1;
	allowed = argv[optind];
	denied = argv[optind + 1];
	if (getenv("FILEBROKER_FD") == NULL) {
		fprintf(stderr, "bench_client: not a filebroker worker (FILEBROKER_FD unset)\n");
		return 2;
	}
	if (bench_place_broker(cfg.placement, broker, how, sizeof(how), err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_client: %s\n", err);
		return 1;
	}

	for (f = 0; f < NFIG; f++) {
		for (i = 0; chosen[f] && i < cfg.warmup; i++) {
			if (figures[f].fn() == -1) {
				fprintf(stderr, "bench_client: %s: %s\n", figures[f].name,
				    strerror(errno));
				return 1;
			}
		}
	}
	for (r = 0; r < cfg.runs; r++) {
		for (f = 0; f < NFIG; f++) {
			if (!chosen[f])
				continue;
			c0 = bench_cpu_ns();
			t0 = bench_now_ns();
			for (i = 0; i < cfg.iters; i++) {
				if (figures[f].fn() == -1) {
					fprintf(stderr, "bench_client: %s: %s\n", figures[f].name,
					    strerror(errno));
					return 1;
				}
			}
			runs_ns[f][r] = (double)(bench_now_ns() - t0) / (double)cfg.iters;
			wcpu[f] += bench_cpu_ns() - c0;
		}
	}
	bench_affinity(broker, baff, sizeof(baff));
	bench_affinity(0, waff, sizeof(waff));
	for (f = 0; f < NFIG; f++) {
		double ops = (double)cfg.iters * cfg.runs;

		if (!chosen[f])
			continue;
		snprintf(extra, sizeof(extra),
		    "\"worker_cpu_ns_per_op\":%.1f,"
		    "\"broker_cpus\":\"%s\",\"worker_cpus\":\"%s\",\"worker_uid\":%ld,"
		    "\"broker_pin\":\"%s\"",
		    (double)wcpu[f] / ops, baff, waff, (long)getuid(), how);
		bench_emit(stdout, figures[f].name, &cfg, runs_ns[f], cfg.runs, extra);
	}
	return 0;
}
