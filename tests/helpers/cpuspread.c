/*
 * cpuspread.c: which CPUs a worker's program gets (tests/integration/placement.sh).
 *
 *	cpuspread [SECONDS]
 *
 * Prints "allowed N": the CPUs sched_getaffinity() allows, what nproc(1)
 * and every parallel program go by.  Then runs two busy threads for at most
 * SECONDS (default 3), each publishing the CPU it is on (getcpu) with the
 * time, and checking the other's: "concurrent yes" once the two were seen
 * on different CPUs within 1 ms of each other, that is, running at once.
 * Two threads confined to one CPU never are.  Also prints the CPUs seen and
 * the process's CPU time over the wall time (near 2 when both ran in
 * parallel the whole time, at most 1 on one CPU).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct slot {
	_Atomic int cpu;
	_Atomic uint64_t when;
};

static struct slot slots[2];
static _Atomic int concurrent;
static _Atomic uint64_t seen; /* a bit per CPU below 64 */
static uint64_t deadline;

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
spin(void *arg)
{
	int me = (int)(intptr_t)arg, cpu, other;
	uint64_t t;

	while ((t = now_ns(CLOCK_MONOTONIC)) < deadline && !atomic_load(&concurrent)) {
		if ((cpu = sched_getcpu()) < 0)
			continue;
		if (cpu < 64)
			atomic_fetch_or(&seen, (uint64_t)1 << cpu);
		atomic_store(&slots[me].cpu, cpu);
		atomic_store(&slots[me].when, t);
		other = atomic_load(&slots[!me].cpu);
		if (other >= 0 && other != cpu && t - atomic_load(&slots[!me].when) < 1000000)
			atomic_store(&concurrent, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	uint64_t w0, c0, s;
	pthread_t th[2];
	cpu_set_t set;
	int i, nseen = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == -1) {
		perror("cpuspread: sched_getaffinity");
		return 1;
	}
	printf("allowed %d\n", CPU_COUNT(&set));
	for (i = 0; i < 2; i++)
		atomic_store(&slots[i].cpu, -1);
	w0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	deadline = w0 + (uint64_t)(seconds * 1e9);
	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, spin, (void *)(intptr_t)i) != 0) {
			fprintf(stderr, "cpuspread: pthread_create failed\n");
			return 1;
		}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (s = atomic_load(&seen); s != 0; s &= s - 1)
		nseen++;
	printf("concurrent %s\nseen %d\ncpu/wall %.2f\n", atomic_load(&concurrent) ? "yes" : "no",
	    nseen,
	    (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) /
		(double)(now_ns(CLOCK_MONOTONIC) - w0));
	return 0;
}
