/*
 * bench_transparent.c: the worker side of the transparent-mode figures.
 * Run it as the worker of `filebroker run` (transparent is the default):
 *
 *	filebroker run --policy P [--audit F] -- bench_transparent \
 *	    [-n ITERS] [-r RUNS] [-w WARMUP] [-p PLACEMENT] [-o FIGURE,...] \
 *	    ALLOWED DENIED
 *
 * and it times plain libc calls, which the worker's seccomp filter sends to
 * the broker (SECCOMP_RET_USER_NOTIF; broker/notify.c):
 *
 *	open		open(ALLOWED, O_RDONLY | O_CLOEXEC) and close(): must
 *			succeed (glibc: openat(AT_FDCWD, ...), answered with
 *			SECCOMP_IOCTL_NOTIF_ADDFD + ADDFD_FLAG_SEND)
 *	open_denied	open(DENIED, O_RDONLY | O_CLOEXEC): must fail with EACCES
 *			(answered with NOTIF_SEND and an error)
 *	stat		stat(ALLOWED) (glibc: newfstatat; answered with
 *			process_vm_writev of the struct, then NOTIF_SEND)
 *
 * interleaved run by run, as bench_client does for the explicit calls.  -o
 * picks some of them (the driver counts the broker's system calls per
 * request that way).  One JSON line per figure (bench_emit()).
 *
 * The denied open failing with EACCES is also the proof that the calls do
 * go to the broker: unsandboxed, the world-readable DENIED file would open.
 * Placement as bench_client (bench_place_broker()).  Linked statically, so
 * that a 1-rule policy without @runtime can run it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"

static const char *allowed, *denied;

static int
op_open(void)
{
	int fd = open(allowed, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
op_open_denied(void)
{
	int fd = open(denied, O_RDONLY | O_CLOEXEC);

	if (fd != -1) {
		close(fd);
		errno = EEXIST; /* "it was allowed": not sandboxed, or a policy bug */
		return -1;
	}
	return errno == EACCES ? 0 : -1;
}

static int
op_stat(void)
{
	struct stat st;

	return stat(allowed, &st);
}

static const struct {
	const char *name;
	int (*fn)(void);
} figures[] = {
	{ "open", op_open },
	{ "open_denied", op_open_denied },
	{ "stat", op_stat },
};
#define NFIG (sizeof(figures) / sizeof(figures[0]))

static int chosen[NFIG];

/* -o open,stat */
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
			fprintf(stderr, "bench_transparent: unknown figure %s\n", tok);
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
		fprintf(stderr, "usage: bench_transparent [-n ITERS] [-r RUNS] [-w WARMUP] "
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
		fprintf(stderr, "bench_transparent: not a filebroker worker (FILEBROKER_FD unset)\n");
		return 2;
	}
	if (bench_place_broker(cfg.placement, broker, how, sizeof(how), err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_transparent: %s\n", err);
		return 1;
	}

	for (f = 0; f < NFIG; f++) {
		for (i = 0; chosen[f] && i < cfg.warmup; i++) {
			if (figures[f].fn() == -1) {
				fprintf(stderr, "bench_transparent: %s: %s\n", figures[f].name,
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
					fprintf(stderr, "bench_transparent: %s: %s\n",
					    figures[f].name, strerror(errno));
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
