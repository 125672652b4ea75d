/*
 * soak_worker: the honest worker of the soak test (tests/soak/soak.sh).
 *
 *	soak_worker SECONDS PATH [read|stat]
 *
 * For SECONDS, in a loop: fb_open(PATH) + read to the end + fb_close (or
 * fb_stat(PATH) with "stat"), each request timed with CLOCK_MONOTONIC.
 * Prints at start
 *	soak-worker: pid P broker B
 * (B = getppid(), the broker under `filebroker run`, so that the caller can
 * sample the broker's /proc from outside: as root the worker runs as nobody
 * and cannot read it), then at the end
 *	soak-honest: N requests, median X us, worst Y us, errors E
 *	soak-honest-p99: Z us
 * Latencies go into a 0.1 us histogram (no per-request storage, so that
 * hours of soak cost a fixed 4 MiB); worst is exact.  Exit 0 when E = 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filebroker.h"

#define NBUCKET 1000000 /* 0.1 us each: up to 100 ms, then the last bucket */

static uint32_t hist[NBUCKET];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The latency (in us) below which a fraction q of the requests fell. */
static double
quantile(uint64_t n, double q)
{
	uint64_t want = (uint64_t)((double)n * q), seen = 0;
	size_t i;

	if (want >= n)
		want = n - 1;
	for (i = 0; i < NBUCKET; i++) {
		seen += hist[i];
		if (seen > want)
			return (double)i / 10.0;
	}
	return (double)(NBUCKET - 1) / 10.0;
}

static int
one_read(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = fb_open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (fb_close(fd) == -1 || n < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t start, deadline, t0, dt, worst = 0, n = 0, errors = 0;
	struct stat st;
	int use_stat, rc;
	size_t b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || atoi(argv[1]) <= 0) {
		fprintf(stderr,
		    "usage: soak_worker SECONDS PATH [read|stat] (under filebroker run)\n");
		return 2;
	}
	use_stat = argc > 3 && strcmp(argv[3], "stat") == 0;
	printf("soak-worker: pid %d broker %d\n", (int)getpid(), (int)getppid());
	start = now_ns();
	deadline = start + (uint64_t)atoi(argv[1]) * 1000000000u;
	for (t0 = start; t0 < deadline; t0 = now_ns()) {
		rc = use_stat ? fb_stat(argv[2], &st) : one_read(argv[2]);
		dt = now_ns() - t0;
		if (rc == -1) {
			if (errors++ < 5)
				fprintf(stderr, "soak_worker: %s %s: %s\n",
				    use_stat ? "stat" : "read", argv[2], strerror(errno));
			continue;
		}
		b = (size_t)(dt / 100);
		hist[b < NBUCKET ? b : NBUCKET - 1]++;
		if (dt > worst)
			worst = dt;
		n++;
	}
	if (n == 0) {
		printf("soak-honest: 0 requests, median 0.0 us, worst 0.0 us, errors %" PRIu64 "\n",
		    errors);
		printf("soak-honest-p99: 0.0 us\n");
		return 1;
	}
	printf("soak-honest: %" PRIu64 " requests, median %.1f us, worst %.1f us, errors %" PRIu64
	       "\n",
	    n, quantile(n, 0.5), (double)worst / 1000.0, errors);
	printf("soak-honest-p99: %.1f us\n", quantile(n, 0.99));
	return errors != 0;
}
