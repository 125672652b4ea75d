/*
 * soak_hostile: the hostile side of the soak test (tests/soak/soak.sh).
 *
 *	soak_hostile DELAY SECONDS PAR FBRAW PATH
 *
 * Sleeps DELAY seconds (so that the caller can sample the broker in a quiet
 * state), prints "soak-hostile: start", then for SECONDS runs PAR loops in
 * parallel, each running FBRAW (tests/helpers/fbraw) over and over in turn
 * as `violations PATH` (every malformed message on a fresh channel),
 * `flood 2000 PATH` and `noread 1000 PATH`.  A loop in C rather than in the
 * shell keeps the policy's exec rules to the helpers folder.  FBRAW's stdout
 * is read and dropped, but for a failed run, which is copied to stderr;
 * its stderr is inherited.  At the end:
 *	soak-hostile: done, R runs (V violations, F floods, N noreads), X failures
 * PAR > 1 runs fbraw concurrently on the session's one bootstrap socket,
 * where they read each other's replies: expect failures from that alone.
 * A failure is an FBRAW run that did not exit 0 (the broker stopped
 * serving a new channel after violations, lost a flood reply, ...).
 * Exit 0 when X = 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct counters {
	atomic_long runs[3];
	atomic_long failures;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run FBRAW once; 0 when it exited 0. */
static int
run_fbraw(char *const argv[])
{
	static char out[65536];
	size_t len = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	pid = fork();
	if (pid == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (p[1] != STDOUT_FILENO) {
			dup2(p[1], STDOUT_FILENO);
			close(p[1]);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (n > 0)
			len += (size_t)n;
		else if (errno != EINTR)
			break;
		if (len == sizeof(out) - 1)
			len = 0; /* keep the tail only: the summary comes last */
	}
	out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	/* Tell why on stderr (the broker's log): fbraw's FAIL lines. */
	fprintf(stderr, "soak_hostile: %s %s: status 0x%x\n%s", argv[0], argv[1], (unsigned)st,
	    out);
	return -1;
}

static void
loop(struct counters *c, double deadline, int first, char *fbraw, char *path)
{
	char *av[3][5] = {
		{ fbraw, "violations", path, NULL },
		{ fbraw, "flood", "2000", path, NULL },
		{ fbraw, "noread", "1000", path, NULL },
	};
	int m = first % 3;

	while (now_s() < deadline) {
		if (run_fbraw(av[m]) != 0)
			atomic_fetch_add(&c->failures, 1);
		atomic_fetch_add(&c->runs[m], 1);
		m = (m + 1) % 3;
	}
}

int
main(int argc, char **argv)
{
	struct counters *c;
	struct timespec delay;
	double d, deadline;
	int par, i, st;
	long total;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 6 || atoi(argv[2]) <= 0 || atoi(argv[3]) <= 0) {
		fprintf(stderr, "usage: soak_hostile DELAY SECONDS PAR FBRAW PATH\n");
		return 2;
	}
	d = atof(argv[1]);
	par = atoi(argv[3]);
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED) {
		perror("soak_hostile: mmap");
		return 1;
	}
	memset(c, 0, sizeof(*c));
	if (d > 0) {
		delay.tv_sec = (time_t)d;
		delay.tv_nsec = (long)((d - (double)delay.tv_sec) * 1e9);
		while (nanosleep(&delay, &delay) == -1 && errno == EINTR)
			;
	}
	printf("soak-hostile: start\n");
	deadline = now_s() + atoi(argv[2]);
	for (i = 0; i < par; i++) {
		pid_t pid = fork();

		if (pid == -1) {
			perror("soak_hostile: fork");
			atomic_fetch_add(&c->failures, 1);
			break;
		}
		if (pid == 0) {
			loop(c, deadline, i, argv[4], argv[5]);
			_exit(0);
		}
	}
	while (wait(&st) != -1 || errno == EINTR)
		;
	total = c->runs[0] + c->runs[1] + c->runs[2];
	printf("soak-hostile: done, %ld runs (%ld violations, %ld floods, %ld noreads), %ld "
	       "failures\n",
	    total, (long)c->runs[0], (long)c->runs[1], (long)c->runs[2], (long)c->failures);
	return c->failures != 0 || total == 0;
}
