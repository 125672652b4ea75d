/*
 * attack_flip: the racing accomplice of the attack catalogue.  Runs outside
 * the sandbox, next to a worker that keeps asking, for at most SECONDS.
 *
 *	attack_flip SECONDS symlink LINK TARGET1 TARGET2
 *		LINK points at TARGET1, then TARGET2, then TARGET1 ...: each
 *		flip is a rename(2) of a prepared symlink over LINK, so LINK
 *		always exists
 *	attack_flip SECONDS exchange A B
 *		renameat2(RENAME_EXCHANGE) of the folders A and B, over and over
 *	attack_flip SECONDS vanish PATH
 *		create PATH, unlink it, again and again
 *
 * Prints "flip: N rounds" at the end.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char tmp1[4096], tmp2[4096];
	time_t end;
	long n = 0;
	int fd;

	if (argc < 4)
		return 2;
	end = time(NULL) + atoi(argv[1]);
	if (strcmp(argv[2], "symlink") == 0 && argc >= 6) {
		snprintf(tmp1, sizeof(tmp1), "%s.flip1", argv[3]);
		snprintf(tmp2, sizeof(tmp2), "%s.flip2", argv[3]);
		while (time(NULL) < end) {
			unlink(tmp1);
			unlink(tmp2);
			if (symlink(argv[4], tmp1) == -1 || symlink(argv[5], tmp2) == -1)
				return 1;
			rename(tmp1, argv[3]);
			rename(tmp2, argv[3]);
			n++;
		}
		rename(tmp1, argv[3]);
		unlink(tmp2);
	} else if (strcmp(argv[2], "exchange") == 0 && argc >= 5) {
		while (time(NULL) < end) {
			if (syscall(SYS_renameat2, AT_FDCWD, argv[3], AT_FDCWD, argv[4],
				RENAME_EXCHANGE) == -1)
				return 1;
			n++;
		}
	} else if (strcmp(argv[2], "vanish") == 0) {
		while (time(NULL) < end) {
			if ((fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
				(void)!write(fd, "here\n", 5);
				close(fd);
			}
			unlink(argv[3]);
			n++;
		}
	} else
		return 2;
	printf("flip: %ld rounds\n", n);
	return 0;
}
