/*
 * fbcalls: path system calls as a worker makes them, in any of the modes
 * (tests/integration/requests.sh).  Under `filebroker run` as it is, the
 * calls are plain system calls (transparent mode) or, with -l, the
 * libfilebroker calls that have one (explicit mode).  With -d it first
 * connects to the daemon (FILEBROKER_SOCKET) and, without -l, confines
 * itself in transparent mode (switching to nobody when started as root),
 * as tests/helpers/fbsandboxed.c does.
 *
 *	fbcalls [-d] [-l] OP ARG... [:: OP ARG...]...
 *	fbcalls [-d] [-l] same OUT PATH...
 *
 * OPs with one argument, a path: read (print the first line), every call
 * of the table below.  With two: rename FROM TO, exchange A B
 * (renameat2 RENAME_EXCHANGE), write PATH TEXT (O_WRONLY|O_TRUNC),
 * create PATH TEXT (O_CREAT|O_EXCL), mkdirs N PATH (mkdir and rmdir N
 * times; "mkdirs: K made"), renames N FROM TO (FROM to TO and back N times;
 * "renames: K moved").  Each prints "OP ARG: ok ..." or "OP ARG: ENAME".
 *
 * same: every call of the table on each PATH (OUT an existing folder the
 * worker may write, for the calls that need a second name), one line per
 * call with the errno of each PATH, then "same" or "DIFFER"; last
 * "same: N calls, K differ".  A call the mode cannot make is left out.
 *
 * Exit 0 when every call succeeded (same: no call differed), 1 otherwise,
 * 2 when the set-up failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filebroker.h"

static int lib, failed;
static char out_dir[4096];

static const char *
ename(int e)
{
	return e == 0 ? "ok" : strerrorname_np(e) ? strerrorname_np(e) : "E?";
}

/* A second name in OUT for the calls that need one; made fresh. */
static const char *
other(const char *what)
{
	static char buf[4200];

	snprintf(buf, sizeof(buf), "%s/%s", out_dir, what);
	return buf;
}

static int
sys_open(const char *path, int flags)
{
	int fd = lib ? fb_open(path, flags, 0600) : open(path, flags, 0600);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
sys_openat2(const char *path, unsigned long long resolve)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY;
	how.resolve = resolve;
	if ((fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how))) == -1)
		return -1;
	close(fd);
	return 0;
}

static char slashed[4200];

static const char *
slash(const char *p)
{
	snprintf(slashed, sizeof(slashed), "%s/", p);
	return slashed;
}

/* One call of the table: 0 or -1 with errno; ENOSYS when the mode has no
 * such call (left out of the table's answer). */
static int
call(const char *op, const char *p)
{
	struct stat st;
	struct statfs sf;
	char buf[256];
	int r, ifd, e;

#define OPEN(name, flags) \
	if (strcmp(op, name) == 0) \
	return sys_open(p, flags)
	OPEN("open-r", O_RDONLY);
	OPEN("open-nofollow", O_RDONLY | O_NOFOLLOW);
	OPEN("open-dir", O_RDONLY | O_DIRECTORY);
	OPEN("open-nofollow-dir", O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
	OPEN("open-w", O_WRONLY);
	OPEN("open-rw", O_RDWR);
	OPEN("open-trunc", O_WRONLY | O_TRUNC);
	OPEN("open-append", O_WRONLY | O_APPEND);
	OPEN("open-creat", O_WRONLY | O_CREAT);
	OPEN("open-creat-r", O_RDONLY | O_CREAT);
	OPEN("open-excl", O_WRONLY | O_CREAT | O_EXCL);
	OPEN("open-nofollow-w", O_WRONLY | O_NOFOLLOW);
#undef OPEN
	if (strcmp(op, "open-slash") == 0)
		return lib ? (fb_open(slash(p), O_RDONLY) == -1 ? -1 : 0) :
			     sys_open(slash(p), O_RDONLY);
	if (strcmp(op, "open-creat-slash") == 0)
		return sys_open(slash(p), O_WRONLY | O_CREAT);
	if (strcmp(op, "stat") == 0)
		return lib ? fb_stat(p, &st) : stat(p, &st);
	if (strcmp(op, "lstat") == 0)
		return lib ? fb_lstat(p, &st) : lstat(p, &st);
	if (strcmp(op, "stat-slash") == 0)
		return lib ? fb_stat(slash(p), &st) : stat(slash(p), &st);
	if (strcmp(op, "access-f") == 0)
		return lib ? fb_access(p, F_OK) : access(p, F_OK);
	if (strcmp(op, "access-rw") == 0)
		return lib ? fb_access(p, R_OK | W_OK) : access(p, R_OK | W_OK);
	if (strcmp(op, "readlink") == 0)
		return (lib ? fb_readlink(p, buf, sizeof(buf)) : readlink(p, buf, sizeof(buf))) <
			0 ?
		    -1 :
		    0;
	if (strcmp(op, "mkdir") == 0)
		return lib ? fb_mkdir(p, 0700) : mkdir(p, 0700);
	if (strcmp(op, "unlink") == 0)
		return lib ? fb_unlink(p) : unlink(p);
	if (strcmp(op, "unlink-slash") == 0)
		return lib ? fb_unlink(slash(p)) : unlink(slash(p));
	if (strcmp(op, "rmdir") == 0)
		return lib ? fb_rmdir(p) : rmdir(p);
	if (strcmp(op, "rename-from") == 0)
		return lib ? fb_rename(p, other("moved")) : rename(p, other("moved"));
	if (strcmp(op, "rename-to") == 0)
		return lib ? fb_rename(other("src"), p) : rename(other("src"), p);
	if (lib)
		return errno = ENOSYS, -1;
	if (strcmp(op, "rename-noreplace") == 0)
		return renameat2(AT_FDCWD, other("src"), AT_FDCWD, p, RENAME_NOREPLACE);
	if (strcmp(op, "exchange") == 0)
		return renameat2(AT_FDCWD, other("src"), AT_FDCWD, p, RENAME_EXCHANGE);
	if (strcmp(op, "link-from") == 0)
		return link(p, other("linked"));
	if (strcmp(op, "link-to") == 0)
		return link(other("src"), p);
	if (strcmp(op, "symlink") == 0)
		return symlink("target", p);
	if (strcmp(op, "chmod") == 0)
		return chmod(p, 0600);
	if (strcmp(op, "utimes") == 0)
		return utimensat(AT_FDCWD, p, NULL, 0);
	if (strcmp(op, "utimes-nofollow") == 0)
		return utimensat(AT_FDCWD, p, NULL, AT_SYMLINK_NOFOLLOW);
	if (strcmp(op, "truncate") == 0)
		return truncate(p, 0);
	if (strcmp(op, "statfs") == 0)
		return statfs(p, &sf);
	if (strcmp(op, "watch") == 0 || strcmp(op, "watch-onlydir") == 0) {
		if ((ifd = inotify_init1(IN_CLOEXEC)) == -1)
			return -1;
		r = inotify_add_watch(ifd, p,
		    IN_MODIFY | (strcmp(op, "watch") == 0 ? 0 : IN_ONLYDIR | IN_DONT_FOLLOW));
		e = errno;
		close(ifd);
		errno = e;
		return r < 0 ? -1 : 0;
	}
	if (strcmp(op, "openat2-noxdev") == 0)
		return sys_openat2(p, RESOLVE_NO_XDEV);
	if (strcmp(op, "openat2-nosymlinks") == 0)
		return sys_openat2(p, RESOLVE_NO_SYMLINKS);
	if (strcmp(op, "openat2-nomagic") == 0)
		return sys_openat2(p, RESOLVE_NO_MAGICLINKS);
	errno = EINVAL;
	return -2;
}

/* clang-format off */
static const char *const table[] = {
	"open-r", "open-nofollow", "open-dir", "open-nofollow-dir", "open-w", "open-rw",
	"open-trunc", "open-append", "open-creat", "open-creat-r", "open-excl", "open-nofollow-w",
	"open-slash", "open-creat-slash", "stat", "lstat", "stat-slash", "access-f", "access-rw",
	"readlink", "mkdir", "unlink", "unlink-slash", "rmdir", "rename-from", "rename-to",
	"rename-noreplace", "exchange", "link-from", "link-to", "symlink", "chmod", "utimes",
	"utimes-nofollow", "truncate", "statfs", "watch", "watch-onlydir", "openat2-noxdev",
	"openat2-nosymlinks", "openat2-nomagic",
};
/* clang-format on */

/* The second names the table's calls use: a file the worker owns. */
static void
fresh_src(void)
{
	int fd;

	if (lib)
		fd = fb_open(other("src"), O_WRONLY | O_CREAT, 0600);
	else
		fd = open(other("src"), O_WRONLY | O_CREAT, 0600);
	if (fd != -1)
		close(fd);
}

static int
same(int n, char **paths)
{
	int i, j, e[64], ndiff = 0, ncalls = 0, skip;
	size_t k;

	if (n > 64)
		n = 64;
	for (k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		skip = 0;
		for (j = 0; j < n; j++) {
			fresh_src();
			errno = 0;
			i = call(table[k], paths[j]);
			e[j] = i == 0 ? 0 : errno;
			if (i == -1 && errno == ENOSYS)
				skip = 1;
		}
		if (skip)
			continue;
		ncalls++;
		printf("%s:", table[k]);
		for (j = 0; j < n; j++)
			printf(" %s", ename(e[j]));
		for (j = 1; j < n && e[j] == e[0]; j++)
			;
		printf(" %s\n", j == n ? "same" : "DIFFER");
		if (j != n)
			ndiff++;
	}
	printf("same: %d calls, %d differ\n", ncalls, ndiff);
	return ndiff != 0;
}

static void
say(const char *op, const char *arg, int r, const char *more)
{
	if (r == 0)
		printf("%s %s: ok%s%s\n", op, arg, more ? " " : "", more ? more : "");
	else {
		printf("%s %s: %s\n", op, arg, ename(errno));
		failed = 1;
	}
	fflush(stdout);
}

static int
do_read(const char *p, char *buf, size_t size)
{
	ssize_t n;
	int fd = lib ? fb_open(p, O_RDONLY) : open(p, O_RDONLY);

	if (fd == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int
do_write(const char *p, const char *text, int flags)
{
	int fd = lib ? fb_open(p, flags, 0600) : open(p, flags, 0600), r;

	if (fd == -1)
		return -1;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return r;
}

/* Races: the answer is how many went through, not each errno. */
static void
loops(const char *op, long n, const char *a, const char *b)
{
	long i, k = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(op, "mkdirs") == 0) {
			if ((lib ? fb_mkdir(a, 0755) : mkdir(a, 0755)) == 0) {
				k++;
				(void)(lib ? fb_rmdir(a) : rmdir(a));
			}
		} else if ((lib ? fb_rename(a, b) : rename(a, b)) == 0) {
			k++;
			(void)(lib ? fb_rename(b, a) : rename(b, a));
		}
	}
	printf("%s: %ld %s\n", op, k, strcmp(op, "mkdirs") == 0 ? "made" : "moved");
	fflush(stdout);
}

static void
report(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "fbcalls: %s\n", msg);
}

static int
daemon_setup(void)
{
	struct fb_sandbox sb;

	if (fb_connect(NULL) == -1) {
		printf("connect: %s\n", ename(errno));
		return -1;
	}
	if (lib)
		return 0;
	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = -1;
	sb.status_fd = -1;
	sb.set_user = geteuid() == 0;
	sb.uid = 65534;
	sb.gid = 65534;
	sb.transparent = 1;
	sb.report = report;
	if (fb_sandbox_enter(&sb) == -1) {
		printf("sandbox: %s\n", ename(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char buf[256];
	int c, d = 0, i, r;

	while ((c = getopt(argc, argv, "dl")) != -1) {
		if (c == 'd')
			d = 1;
		else if (c == 'l')
			lib = 1;
		else {
			fprintf(stderr, "usage: fbcalls [-d] [-l] OP ARG... | same OUT PATH...\n");
			return 2;
		}
	}
	/* stdout's first write looks at the descriptor (fstat): before the
	 * sandbox. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("fbcalls: %s mode%s\n", lib ? "explicit" : "transparent", d ? ", daemon" : "");
	if (d && daemon_setup() == -1)
		return 2;
	if (optind < argc && strcmp(argv[optind], "same") == 0) {
		if (argc - optind < 3) {
			fprintf(stderr, "fbcalls: same OUT PATH...\n");
			return 2;
		}
		snprintf(out_dir, sizeof(out_dir), "%s", argv[optind + 1]);
		return same(argc - optind - 2, argv + optind + 2);
	}
	for (i = optind; i < argc; i++) {
		const char *op = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL,
			   *b = i + 2 < argc ? argv[i + 2] : NULL;

		if (strcmp(op, "::") == 0)
			continue;
		if (a == NULL) {
			fprintf(stderr, "fbcalls: %s needs an argument\n", op);
			return 2;
		}
		if (strcmp(op, "read") == 0) {
			r = do_read(a, buf, sizeof(buf));
			say(op, a, r, r == 0 ? buf : NULL);
			i++;
		} else if (b != NULL && (strcmp(op, "mkdirs") == 0 || strcmp(op, "renames") == 0)) {
			loops(op, atol(a), b,
			    strcmp(op, "renames") == 0 && i + 3 < argc ? argv[i + 3] : b);
			i += strcmp(op, "renames") == 0 ? 3 : 2;
		} else if (b != NULL &&
		    (strcmp(op, "rename") == 0 || strcmp(op, "exchange") == 0)) {
			if (strcmp(op, "rename") == 0)
				r = lib ? fb_rename(a, b) : rename(a, b);
			else
				r = renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
			say(op, a, r, NULL);
			i += 2;
		} else if (b != NULL && (strcmp(op, "write") == 0 || strcmp(op, "create") == 0)) {
			r = do_write(a, b,
			    strcmp(op, "write") == 0 ? O_WRONLY | O_TRUNC :
						       O_WRONLY | O_CREAT | O_EXCL);
			say(op, a, r, NULL);
			i += 2;
		} else {
			out_dir[0] = '\0';
			r = call(op, a);
			if (r == -2) {
				fprintf(stderr, "fbcalls: unknown op %s\n", op);
				return 2;
			}
			say(op, a, r, NULL);
			i++;
		}
	}
	return failed;
}
