/*
 * bench_util.h: what the benchmark programs share: a monotonic clock,
 * placement of two processes on CPUs, and one JSON line per figure.
 *
 * Every figure is measured as `runs` runs of `iters` iterations after
 * `warmup` iterations that are not timed; a run's result is its mean time
 * per iteration in nanoseconds.  The driver (scripts/bench_driver.py) takes
 * the median, minimum and maximum of the run means.  Library code here
 * returns -1 and errno; only main() prints and exits.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define BENCH_MAX_RUNS 64

/* Where the two processes of a figure run. */
enum bench_placement {
	BENCH_SAME,    /* both on CPU 0 */
	BENCH_CROSS,   /* server on CPU 0, client on CPU 1 */
	BENCH_DEFAULT, /* both allowed on every online CPU: the scheduler's choice */
	BENCH_NONE,    /* one process only; leave the affinity alone */
};

struct bench_cfg {
	long iters;
	int runs;
	long warmup;
	enum bench_placement placement;
};

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* CPU time this process has used, in nanoseconds. */
uint64_t bench_cpu_ns(void);

/* "same", "cross", "default", "none" -> enum; -1 for anything else. */
int bench_placement_parse(const char *s);
const char *bench_placement_name(enum bench_placement p);

/*
 * Restrict pid (0: this process) to one CPU, or to every online CPU when
 * cpu is -1.  Returns 0, or -1 and errno (EPERM: not ours to move; EINVAL:
 * no such CPU).
 */
int bench_pin(pid_t pid, int cpu);

/* The CPU the placement gives the server (is_client 0) or the client; -1
 * means every CPU.  BENCH_NONE gives -2: do not touch the affinity. */
int bench_placement_cpu(enum bench_placement p, int is_client);

/* The affinity of pid as a CPU list ("0", "0-1", "0,2"), in buf. */
const char *bench_affinity(pid_t pid, char *buf, size_t size);

/*
 * Place a filebroker worker (this process) and its broker (pid broker) for
 * placement p: the worker pins itself and tries to pin the broker.  When it
 * may not (EPERM: as root the worker runs as nobody), the broker's affinity
 * must already be what p wants (the driver starts it under taskset): else
 * -1 with the reason in err.  how says which way the broker got there.
 */
int bench_place_broker(enum bench_placement p, pid_t broker, char *how, size_t howsize, char *err,
    size_t errsize);

/*
 * Parse the common options -n ITERS -r RUNS -w WARMUP -p PLACEMENT from
 * argv, leaving optind at the first operand.  Returns 0 or -1 (message on
 * stderr: the only printing helper, as it serves main()).
 */
int bench_parse_args(int argc, char **argv, struct bench_cfg *cfg, const char *extra_opts,
    int (*extra)(int opt, const char *arg));

/*
 * Print one figure as a JSON line: {"figure":..,"placement":..,"iters":..,
 * "warmup":..,"runs_ns":[..], <extra>}.  extra is a JSON fragment of
 * further members without braces, or NULL.
 */
void bench_emit(FILE *f, const char *figure, const struct bench_cfg *cfg, const double *runs_ns,
    int nruns, const char *extra);

/* A figure timed by a worker under `filebroker run`: fn does one request
 * and returns 0, or -1 with errno.  A batched figure's fn does batch
 * operations (files) per call: it is called iters / batch times per run
 * (at least once), and its figures are per operation, so that a run takes
 * about as long as a run of the others.  batch 0 means 1. */
struct bench_figure {
	const char *name;
	int (*fn)(void);
	unsigned batch;
};

/*
 * The whole main() of a worker benchmark (bench_client, bench_transparent):
 * parses [-n ITERS] [-r RUNS] [-w WARMUP] [-p PLACEMENT] [-o FIGURE,...]
 * ALLOWED DENIED, places itself and its broker (the parent), warms up, times
 * the chosen figures interleaved run by run, and prints one JSON line per
 * figure (a batched one with "batch":N; its runs_ns are per operation).  *allowed and *denied are set before any figure runs.  prog names
 * the program in messages.  Returns the exit status.
 */
int bench_worker_main(const char *prog, const struct bench_figure *figs, size_t nfigs, int argc,
    char **argv, const char **allowed, const char **denied);

#endif
