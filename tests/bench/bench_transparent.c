/*
 * bench_transparent.c: the worker side of the transparent-mode figures.
 * Run it as the worker of `filebroker run` (transparent is the default):
 *
 *	filebroker run --policy P [--audit F] -- bench_transparent \
 *	    [-n ITERS] [-r RUNS] [-w WARMUP] [-p PLACEMENT] [-o FIGURE,...] \
 *	    ALLOWED DENIED
 *
 * and it times plain libc calls, which the worker's seccomp filter sends to
 * the broker (SECCOMP_RET_USER_NOTIF; broker/transparent/notify.c):
 *
 *	open		open(ALLOWED, O_RDONLY | O_CLOEXEC) and close(): must
 *			succeed (glibc: openat(AT_FDCWD, ...), answered with
 *			SECCOMP_IOCTL_NOTIF_ADDFD + ADDFD_FLAG_SEND)
 *	open_denied	open(DENIED, O_RDONLY | O_CLOEXEC): must fail with EACCES
 *			(answered with NOTIF_SEND and an error)
 *	stat		stat(ALLOWED) (glibc: newfstatat; answered with
 *			process_vm_writev of the struct, then NOTIF_SEND)
 *	open_missing	open(ALLOWED-missing): must fail with ENOENT (the
 *			include-path search of a compiler)
 *	readlink	readlink(ALLOWED): must fail with EINVAL, a file that
 *			is no link (a compiler's realpath of each header)
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
#include <stdio.h>
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

/* The answers a compiler asks for most (docs/bench.md, section 4's build):
 * an include-path search's miss, and readlink of a file that is no link. */
static int
op_open_missing(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s-missing", allowed);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	return errno == ENOENT ? 0 : -1;
}

static int
op_readlink(void)
{
	char buf[64];

	if (readlink(allowed, buf, sizeof(buf)) != -1) {
		errno = EEXIST; /* a link: not the file the bench made */
		return -1;
	}
	return errno == EINVAL ? 0 : -1;
}

static const struct bench_figure figures[] = {
	{ "open", op_open },
	{ "open_denied", op_open_denied },
	{ "stat", op_stat },
	{ "open_missing", op_open_missing },
	{ "readlink", op_readlink },
};

int
main(int argc, char **argv)
{
	return bench_worker_main("bench_transparent", figures, sizeof(figures) / sizeof(figures[0]),
	    argc, argv, &allowed, &denied);
}
