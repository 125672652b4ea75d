/*
 * bench_util.c: see bench_util.h.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *const placement_names[] = {
	[BENCH_SAME] = "same",
	[BENCH_CROSS] = "cross",
	[BENCH_DEFAULT] = "default",
	[BENCH_NONE] = "none",
};

int
bench_placement_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(placement_names) / sizeof(placement_names[0]); i++)
		if (strcmp(s, placement_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
bench_placement_name(enum bench_placement p)
{
	return placement_names[p];
}

int
bench_pin(pid_t pid, int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		/* Every CPU there could be: the kernel keeps the online ones.
		 * (Not sysconf(): it reads /sys, which a sandboxed worker may
		 * not.) */
		for (i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	return sched_setaffinity(pid, sizeof(set), &set);
}

int
bench_placement_cpu(enum bench_placement p, int is_client)
{
	switch (p) {
	case BENCH_SAME:
		return 0;
	case BENCH_CROSS:
		return is_client ? 1 : 0;
	case BENCH_DEFAULT:
		return -1;
	case BENCH_NONE:
		return -2;
	}
	return -2;
}

const char *
bench_affinity(pid_t pid, char *buf, size_t size)
{
	cpu_set_t set;
	size_t len = 0;
	int i, start = -1;

	buf[0] = '\0';
	if (sched_getaffinity(pid, sizeof(set), &set) == -1) {
		snprintf(buf, size, "?");
		return buf;
	}
	for (i = 0; i <= CPU_SETSIZE; i++) {
		int in = i < CPU_SETSIZE && CPU_ISSET(i, &set);

		if (in && start < 0)
			start = i;
		if (!in && start >= 0) {
			if (len < size)
				len += (size_t)snprintf(buf + len, size - len, "%s%d",
				    len ? "," : "", start);
			if (i - 1 > start && len < size)
				len += (size_t)snprintf(buf + len, size - len, "-%d", i - 1);
			start = -1;
		}
	}
	return buf;
}

int
bench_place_broker(enum bench_placement p, pid_t broker, char *how, size_t howsize, char *err,
    size_t errsize)
{
	int wcpu = bench_placement_cpu(p, 1);
	int bcpu = bench_placement_cpu(p, 0);
	char want[64], got[64];

	if (wcpu > -2 && bench_pin(0, wcpu) == -1) {
		snprintf(err, errsize, "pinning the worker: %s", strerror(errno));
		return -1;
	}
	if (bcpu == -2) {
		snprintf(how, howsize, "untouched");
		return 0;
	}
	if (bench_pin(broker, bcpu) == 0) {
		snprintf(how, howsize, "pinned by the worker");
		return 0;
	}
	snprintf(how, howsize, "inherited from the driver (the worker may not: %s)",
	    strerror(errno));
	/* The broker's affinity must already be what the placement wants:
	 * one CPU, or all of them (as the worker now has). */
	if (bcpu >= 0)
		snprintf(want, sizeof(want), "%d", bcpu);
	else
		bench_affinity(0, want, sizeof(want));
	bench_affinity(broker, got, sizeof(got));
	if (strcmp(want, got) != 0) {
		snprintf(err, errsize,
		    "the broker (pid %ld) runs on CPUs %s, placement %s wants %s, and the worker "
		    "may not move it: start filebroker with that affinity",
		    (long)broker, got, bench_placement_name(p), want);
		return -1;
	}
	return 0;
}

int
bench_parse_args(int argc, char **argv, struct bench_cfg *cfg, const char *extra_opts,
    int (*extra)(int opt, const char *arg))
{
	char opts[64];
	int c, p;

	snprintf(opts, sizeof(opts), "+n:r:w:p:%s", extra_opts != NULL ? extra_opts : "");
	while ((c = getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'n':
			cfg->iters = strtol(optarg, NULL, 10);
			break;
		case 'r':
			cfg->runs = (int)strtol(optarg, NULL, 10);
			break;
		case 'w':
			cfg->warmup = strtol(optarg, NULL, 10);
			break;
		case 'p':
			if ((p = bench_placement_parse(optarg)) < 0) {
				fprintf(stderr, "bench: unknown placement %s\n", optarg);
				return -1;
			}
			cfg->placement = (enum bench_placement)p;
			break;
		default:
			if (extra != NULL && c != '?' && extra(c, optarg) == 0)
				break;
			return -1;
		}
	}
	if (cfg->iters < 1 || cfg->runs < 1 || cfg->runs > BENCH_MAX_RUNS || cfg->warmup < 0) {
		fprintf(stderr, "bench: need -n >= 1, 1 <= -r <= %d, -w >= 0\n", BENCH_MAX_RUNS);
		return -1;
	}
	return 0;
}

void
bench_emit(FILE *f, const char *figure, const struct bench_cfg *cfg, const double *runs_ns,
    int nruns, const char *extra)
{
	int i;

	fprintf(f,
	    "{\"figure\":\"%s\",\"placement\":\"%s\",\"iters\":%ld,\"warmup\":%ld,\"runs_ns\":[",
	    figure, bench_placement_name(cfg->placement), cfg->iters, cfg->warmup);
	for (i = 0; i < nruns; i++)
		fprintf(f, "%s%.1f", i ? "," : "", runs_ns[i]);
	fprintf(f, "]%s%s}\n", extra != NULL && extra[0] ? "," : "", extra != NULL ? extra : "");
	fflush(f);
}

/* The shared worker benchmark; see bench_util.h. */
#define BENCH_FIGS_MAX 16

static int chosen[BENCH_FIGS_MAX];
static const struct bench_figure *figures;
static size_t nfig;
static const char *progname;

static unsigned
batch_of(const struct bench_figure *fig)
{
	return fig->batch > 1 ? fig->batch : 1;
}

/* Calls of fig that make about `ops` operations: at least one, unless ops
 * is 0 (no warm-up). */
static long
calls(long ops, const struct bench_figure *fig)
{
	long n = ops / (long)batch_of(fig);

	return ops > 0 && n < 1 ? 1 : n;
}

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
		for (f = 0; f < nfig && strcmp(tok, figures[f].name) != 0; f++)
			;
		if (f == nfig) {
			fprintf(stderr, "%s: unknown figure %s\n", progname, tok);
			return -1;
		}
		chosen[f] = 1;
	}
	return 0;
}

int
bench_worker_main(const char *prog, const struct bench_figure *figs, size_t nfigs, int argc,
    char **argv, const char **allowed, const char **denied)
{
	struct bench_cfg cfg = { .iters = 2000,
		.runs = 5,
		.warmup = 500,
		.placement = BENCH_DEFAULT };
	static double runs_ns[BENCH_FIGS_MAX][BENCH_MAX_RUNS];
	uint64_t wcpu[BENCH_FIGS_MAX] = { 0 }, t0, c0;
	double ops[BENCH_FIGS_MAX] = { 0 };
	pid_t broker = getppid();
	char how[160], err[256], baff[64], waff[64], extra[512];
	size_t f;
	long i, n;
	int r, any = 0;

	if (nfigs > BENCH_FIGS_MAX)
		return 2;
	figures = figs;
	nfig = nfigs;
	progname = prog;
	if (bench_parse_args(argc, argv, &cfg, "o:", choose) == -1 || argc - optind != 2) {
		fprintf(stderr,
		    "usage: %s [-n ITERS] [-r RUNS] [-w WARMUP] "
		    "[-p same|cross|default] [-o FIGURE,...] ALLOWED DENIED\n",
		    prog);
		return 2;
	}
	for (f = 0; f < nfig; f++)
		any |= chosen[f];
	for (f = 0; f < nfig && !any; f++)
		chosen[f] = 1;
	*allowed = argv[optind];
	*denied = argv[optind + 1];
	if (getenv("FILEBROKER_FD") == NULL) {
		fprintf(stderr, "%s: not a filebroker worker (FILEBROKER_FD unset)\n", prog);
		return 2;
	}
	if (bench_place_broker(cfg.placement, broker, how, sizeof(how), err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}

	for (f = 0; f < nfig; f++) {
		for (i = 0; chosen[f] && i < calls(cfg.warmup, &figures[f]); i++) {
			if (figures[f].fn() == -1) {
				fprintf(stderr, "%s: %s: %s\n", prog, figures[f].name,
				    strerror(errno));
				return 1;
			}
		}
	}
	for (r = 0; r < cfg.runs; r++) {
		for (f = 0; f < nfig; f++) {
			if (!chosen[f])
				continue;
			n = calls(cfg.iters, &figures[f]);
			c0 = bench_cpu_ns();
			t0 = bench_now_ns();
			for (i = 0; i < n; i++) {
				if (figures[f].fn() == -1) {
					fprintf(stderr, "%s: %s: %s\n", prog, figures[f].name,
					    strerror(errno));
					return 1;
				}
			}
			runs_ns[f][r] = (double)(bench_now_ns() - t0) /
			    ((double)n * batch_of(&figures[f]));
			wcpu[f] += bench_cpu_ns() - c0;
			ops[f] += (double)n * batch_of(&figures[f]);
		}
	}
	bench_affinity(broker, baff, sizeof(baff));
	bench_affinity(0, waff, sizeof(waff));
	for (f = 0; f < nfig; f++) {
		if (!chosen[f])
			continue;
		snprintf(extra, sizeof(extra),
		    "\"worker_cpu_ns_per_op\":%.1f,"
		    "\"broker_cpus\":\"%s\",\"worker_cpus\":\"%s\",\"worker_uid\":%ld,"
		    "\"broker_pin\":\"%s\",\"batch\":%u",
		    (double)wcpu[f] / ops[f], baff, waff, (long)getuid(), how,
		    batch_of(&figures[f]));
		bench_emit(stdout, figures[f].name, &cfg, runs_ns[f], cfg.runs, extra);
	}
	return 0;
}
