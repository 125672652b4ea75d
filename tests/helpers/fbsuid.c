/*
 * fbsuid: a stand-in for a set-user-ID program (su, passwd) that writes
 * what its caller chose to a descriptor it inherited, as such a program
 * writes a user name it was given to its stderr.  The tests install it
 * set-user-ID root (tests/integration/ident.sh).
 *
 *	fbsuid FD HEX MS	write the bytes HEX to descriptor FD as one
 *				message, then wait MS milliseconds and exit
 *	fbsuid check		print "euid N"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	unsigned char buf[8192];
	struct timespec ts;
	size_t n, i;
	long ms;

	if (argc == 2 && strcmp(argv[1], "check") == 0) {
		printf("euid %ld\n", (long)geteuid());
		return 0;
	}
	if (argc != 4 || (n = strlen(argv[2]) / 2) > sizeof(buf))
		return 2;
	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(argv[2] + 2 * i, "%2x", &v) != 1)
			return 2;
		buf[i] = (unsigned char)v;
	}
	if (write(atoi(argv[1]), buf, n) != (ssize_t)n)
		return 1;
	ms = atol(argv[3]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 0;
}
