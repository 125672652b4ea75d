/*
 * fbcat: cat(1) for a sandboxed worker.
 *
 *	fbcat FILE...
 *
 * Opens each FILE through the broker with fb_open() and copies it to
 * standard output.  Errors are reported as "fbcat: FILE: reason" and make
 * the exit status 1; the remaining files are still copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "filebroker.h"

static int
copy(int fd)
{
	char buf[65536];
	ssize_t n, w, off;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off < n; off += w) {
			w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
			if (w == -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return -1;
			}
		}
	}
}

int
main(int argc, char **argv)
{
	int i, fd, status = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr,
		    "usage: fbcat FILE...\n\n"
		    "Copy each FILE to standard output, opened by the broker\n"
		    "(filebroker run, or the filebroker serve daemon named by\n"
		    "FILEBROKER_SOCKET).\n");
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++) {
		if ((fd = fb_open(argv[i], O_RDONLY | O_CLOEXEC)) == -1) {
			if (errno == ENOTCONN) {
				/* Not a problem of this file: of every one. */
				fprintf(stderr,
				    "fbcat: no broker: run it under filebroker run, "
				    "or set FILEBROKER_SOCKET\n");
				return 1;
			}
			fprintf(stderr, "fbcat: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (copy(fd) == -1) {
			fprintf(stderr, "fbcat: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
		close(fd);
	}
	return status;
}
