/*
 * walworker: a stream of changes for the write-ahead test
 * (tests/integration/audit_wal.sh), each one system call, which
 * transparent mode brokers:
 *
 *	walworker DIR N
 *
 * Iteration i (0 .. N-1) makes, in DIR, step by step:
 *
 *	 0  open f.i O_WRONLY|O_CREAT|O_EXCL 0644 (then writes 10 bytes)
 *	 1  truncate f.i to 4 bytes
 *	 2  chmod f.i 0640
 *	 3  utimensat f.i, both times 1000000000 s
 *	 4  link f.i h.i
 *	 5  rename f.i g.i
 *	 6  symlink s.i -> "g.i"
 *	 7  mkdir d.i 0755
 *	 8  mknod p.i, a FIFO 0644
 *	 9  unlink h.i
 *	10  rmdir d.i
 *	11  unlink p.i
 *
 * leaving g.i and s.i.  Each step leaves a mark on disk that no other
 * leaves, so that what is there says how far it got (the test kills the
 * broker meanwhile).  Stops at the first failure (the broker is gone),
 * said on stderr with its step: exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;

static const char *
name(char *buf, size_t size, char kind, long i)
{
	snprintf(buf, size, "%s/%c.%ld", dir, kind, i);
	return buf;
}

static void
check(int r, int step, long i)
{
	if (r == -1) {
		fprintf(stderr, "walworker: iteration %ld, step %d: %s\n", i, step,
		    strerror(errno));
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static const struct timespec times[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char f[4096], g[4096], h[4096], s[4096], d[4096], p[4096], target[64];
	long n, i;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: walworker DIR N\n");
		return 2;
	}
	dir = argv[1];
	n = strtol(argv[2], NULL, 10);
	umask(022);
	for (i = 0; i < n; i++) {
		name(f, sizeof(f), 'f', i);
		name(g, sizeof(g), 'g', i);
		name(h, sizeof(h), 'h', i);
		name(s, sizeof(s), 's', i);
		name(d, sizeof(d), 'd', i);
		name(p, sizeof(p), 'p', i);
		snprintf(target, sizeof(target), "g.%ld", i);
		check(fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), 0, i);
		check(write(fd, "0123456789", 10) == 10 ? 0 : -1, 0, i);
		close(fd);
		check(truncate(f, 4), 1, i);
		check(chmod(f, 0640), 2, i);
		check(utimensat(AT_FDCWD, f, times, 0), 3, i);
		check(link(f, h), 4, i);
		check(rename(f, g), 5, i);
		check(symlink(target, s), 6, i);
		check(mkdir(d, 0755), 7, i);
		check(mknod(p, S_IFIFO | 0644, 0), 8, i);
		check(unlink(h), 9, i);
		check(rmdir(d), 10, i);
		check(unlink(p), 11, i);
	}
	return 0;
}
