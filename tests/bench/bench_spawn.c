/*
 * bench_spawn.c: start-up time of a command, measured as posix_spawn(3)
 * plus waitpid(2) in a loop, with the command's output thrown away.
 *
 *	bench_spawn [-n ITERS] [-r RUNS] [-w WARMUP] NAME -- COMMAND [ARG...]
 *
 * Prints one JSON line (bench_emit()) with figure NAME; fails if any run of
 * the command exits with a status other than 0, printing the status.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

extern char **environ;

static int
spawn_once(char **argv, const posix_spawn_file_actions_t *fa)
{
	pid_t pid;
	int status, e;

	if ((e = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ)) != 0) {
		errno = e;
		return -1;
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_spawn: %s: exit status %d\n", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		errno = ECHILD;
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_cfg cfg = { .iters = 20, .runs = 5, .warmup = 3, .placement = BENCH_NONE };
	posix_spawn_file_actions_t fa;
	double runs_ns[BENCH_MAX_RUNS];
	const char *name;
	uint64_t t0;
	long i;
	int r;

	if (bench_parse_args(argc, argv, &cfg, NULL, NULL) == -1 || argc - optind < 3 ||
	    strcmp(argv[optind + 1], "--") != 0) {
		fprintf(stderr,
		    "usage: bench_spawn [-n ITERS] [-r RUNS] [-w WARMUP] NAME -- "
		    "COMMAND [ARG...]\n");
		return 2;
	}
	name = argv[optind];
	argv += optind + 2;
	cfg.placement = BENCH_NONE;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < cfg.warmup; i++)
		if (spawn_once(argv, &fa) == -1)
			goto fail;
	for (r = 0; r < cfg.runs; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < cfg.iters; i++)
			if (spawn_once(argv, &fa) == -1)
				goto fail;
		runs_ns[r] = (double)(bench_now_ns() - t0) / (double)cfg.iters;
	}
	bench_emit(stdout, name, &cfg, runs_ns, cfg.runs, NULL);
	return 0;
fail:
	fprintf(stderr, "bench_spawn: %s: %s\n", argv[0], strerror(errno));
	return 1;
}
