/*
 * fblandlocked: run PROG with its arguments inside a Landlock domain that
 * handles file access nobody here uses (making character devices; moving
 * files between folders is granted everywhere).  That is what the broker's
 * own domain is on a kernel with Landlock before ABI 6 (confine_scope()),
 * and a domain that handles any file access refuses every mount change,
 * mount(2) and move_mount(2) among them, to its processes: so `filebroker
 * run` under it takes the fallback where the worker's procfs cannot be
 * mounted on /proc in its mount namespace.
 *
 *	fblandlocked PROG [ARG]...
 *
 * Exits 77 when the kernel has no Landlock (ABI 2 or later), 2 when the
 * set-up fails, else as PROG.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct landlock_ruleset_attr attr;
	struct landlock_path_beneath_attr pb;
	long abi;
	int rs;

	if (argc < 2) {
		fprintf(stderr, "usage: fblandlocked PROG [ARG]...\n");
		return 2;
	}
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 2) {
		fprintf(stderr, "fblandlocked: no Landlock ABI 2 here\n");
		return 77;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_REFER;
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0)) == -1) {
		perror("fblandlocked: landlock_create_ruleset");
		return 2;
	}
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = LANDLOCK_ACCESS_FS_REFER;
	if ((pb.parent_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) == -1) {
		perror("fblandlocked: Landlock");
		return 2;
	}
	close(pb.parent_fd);
	close(rs);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "fblandlocked: %s: %s\n", argv[1], strerror(errno));
	return 2;
}
