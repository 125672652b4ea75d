/*
 * auditcheck: a worker for the audit durability test
 * (tests/integration/audit.sh).
 *
 *	auditcheck DIR N ROUNDS
 *
 * Opens DIR/f0 .. DIR/f<N-1> in turn, ROUNDS times over, alternating
 * open(2) (brokered in transparent mode) and fb_open() (explicit), and
 * for every descriptor it receives writes "ok PATH" on stdout with one
 * write(2), before it asks for the next: its stdout is its own list of
 * what it was granted, to compare with the audit file of a broker killed
 * at a random moment.  Stops at the first failure (the broker is gone).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filebroker.h"

int
main(int argc, char **argv)
{
	char path[4096], line[4200];
	long n, rounds, r, i;
	int fd, len;

	if (argc != 4) {
		fprintf(stderr, "usage: auditcheck DIR N ROUNDS\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	rounds = strtol(argv[3], NULL, 10);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/f%ld", argv[1], i);
			fd = (i & 1) ? fb_open(path, O_RDONLY | O_CLOEXEC) :
				       open(path, O_RDONLY | O_CLOEXEC);
			if (fd == -1)
				return 1;
			len = snprintf(line, sizeof(line), "ok %s\n", path);
			if (write(STDOUT_FILENO, line, (size_t)len) != len)
				return 1;
			close(fd);
		}
	}
	return 0;
}
