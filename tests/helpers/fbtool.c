/*
 * fbtool: a worker for the integration tests.  Runs libfilebroker calls
 * named on the command line and prints what happened, one line each:
 *
 *	fbtool OP ARG... [:: OP ARG...]...
 *
 *	read PATH		open O_RDONLY, print the contents
 *	write PATH TEXT		open O_WRONLY|O_TRUNC, write TEXT
 *	append PATH TEXT	open O_WRONLY|O_APPEND, write TEXT
 *	create PATH TEXT MODE	open O_WRONLY|O_CREAT|O_EXCL with MODE (octal)
 *	openflags PATH FLAGS	open with FLAGS (a number) and close
 *	stat PATH / lstat PATH	print type and size (and mode bits)
 *	mtime PATH		fb_stat, print st_mtim as "SECONDS NANOSECONDS"
 *	access PATH MODE	MODE: any of r, w, x, or f
 *	readlink PATH		print the target
 *	mkdir PATH MODE / unlink PATH / rmdir PATH / rename FROM TO
 *	chmod PATH MODE		fb_chmod, MODE octal
 *	truncate PATH LEN	fb_truncate
 *	symlink PATH TARGET	fb_symlink(TARGET, PATH)
 *	realpath PATH		fb_realpath, print the canonical path
 *	openat DIR REL		fb_opendir DIR, then fb_openat(its fd, REL), print
 *				the contents
 *	rawopenat DIR REL	the same with DIR opened by open(2) itself (a
 *				daemon's peer may hold any folder)
 *	statat DIR REL FLAGS	fb_opendir DIR, then fb_fstatat(its fd, REL),
 *				FLAGS "l" for AT_SYMLINK_NOFOLLOW, else "-"
 *	ls PATH			fb_opendir, print the sorted names
 *	threads N M PATH	N threads each read PATH M times; print "threads ok"
 *	fork PATH		read PATH in a forked child and in the parent
 *	cloexec PATH		check O_CLOEXEC is honoured both ways
 *	sleep MS		sleep
 *	rule			print "rule: RULE", what fb_last_rule() says of
 *				the call before, or "rule: none" (NULL)
 *	rawopen PATH		open(2) directly, not through libfilebroker
 *	rawopenflags PATH FLAGS	open(2) directly with FLAGS (a number), and
 *				openat(2) with them too: "ok" when both
 *				opened, else the first errno
 *	rawopenat2 PATH		openat2(2) directly, O_RDONLY
 *	rawstat PATH		stat(2) directly
 *	rawtruncate PATH LEN	truncate(2) directly
 *	orphans N		fork N children that leave the session, close
 *				every descriptor (stdio and the broker socket
 *				included) and sleep for ever: what a worker
 *				leaves behind; prints "orphans N: ok"
 *	rawthreads N M PATH	N threads each open(2) PATH M times directly
 *	spawn PROG ARG...	posix_spawn (vfork-style clone) PROG; print its status;
 *				takes the rest of the command line
 *	fexec PROG ARG...	open(2) PROG O_RDONLY (transparent mode gives no
 *				O_PATH descriptor of a file), then in a forked child
 *				execveat(fd, "", ..., AT_EMPTY_PATH) (fexecve(3));
 *				print its status or the exec's errno; takes the
 *				rest of the command line
 *	signals N PATH		N open(2)+close of PATH under a SIGALRM storm
 *				(SA_RESTART, every 50 us); no call may fail and
 *				no descriptor may be left over
 *	openv PATH...		fb_openv of every PATH (O_RDONLY) up to the next
 *				"::"; a line per entry ("openv[I] PATH: ok FIRST
 *				LINE" or "...: ENAME"), "openv: rule RULE" when
 *				fb_last_rule() names one, then "openv: K of N
 *				opened"; a descriptor that reads another file's
 *				contents, is close-on-exec, or is left open
 *				afterwards is reported
 *	openvn N PATH		fb_openv of N entries all naming PATH; prints
 *				"openvn PATH: K of N opened" and the first
 *				errno if any
 *	ident HOW		who this process is to itself and to its /proc:
 *				"ident HOW: getpid G status S readlink R", S the
 *				Pid line of /proc/self/status, R the target of
 *				/proc/self; HOW "fb" asks libfilebroker, "raw"
 *				makes the system calls directly
 *	forkident HOW		the same in a forked child, then in the parent
 *				("forkident HOW child: ...", "... parent: ...")
 *
 * An argument that begins with "$TMPDIR" has the environment's TMPDIR in
 * its place (run's private temporary folder).
 *
 * Output: "OP PATH: ok ..." or "OP PATH: ENAME".  Exit 0 when every call
 * succeeded, 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filebroker.h"

static int failed;

static void
fail(const char *op, const char *path)
{
	printf("%s %s: %s\n", op, path, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	failed = 1;
}

static int
do_read(const char *path, int quiet)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = fb_open(path, O_RDONLY)) == -1) {
		if (!quiet)
			fail("read", path);
		return -1;
	}
	if (!quiet)
		printf("read %s: ok ", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (!quiet)
			fwrite(buf, 1, (size_t)n, stdout);
	if (!quiet)
		printf("\n");
	fb_close(fd);
	return n < 0 ? -1 : 0;
}

static void
do_write(const char *op, const char *path, const char *text, int flags, mode_t mode)
{
	int fd = fb_open(path, flags, mode);

	if (fd == -1) {
		fail(op, path);
		return;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fail(op, path);
		close(fd);
		return;
	}
	close(fd);
	printf("%s %s: ok\n", op, path);
}

static const char *type_of(mode_t m);

/* fexec: the child reports the exec's errno through a pipe. */
static void
do_fexec(const char *path, char **args)
{
	extern char **environ;
	int fd, p[2], e = 0, wst;
	pid_t pid;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || pipe2(p, O_CLOEXEC) == -1) {
		fail("fexec", path);
		return;
	}
	if ((pid = fork()) == 0) {
		syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
		e = errno;
		(void)!write(p[1], &e, sizeof(e));
		_exit(127);
	}
	close(p[1]);
	close(fd);
	if (pid == -1 || read(p[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		errno = pid == -1 ? errno : e;
		fail("fexec", path);
		waitpid(pid, &wst, 0);
	} else if (waitpid(pid, &wst, 0) == -1 || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
		printf("fexec %s: child failed\n", path);
		failed = 1;
	} else
		printf("fexec %s: ok\n", path);
	close(p[0]);
}

/* openat, rawopenat, statat: REL relative to the folder DIR. */
static void
do_at(const char *op, const char *dir, const char *rel, const char *flags)
{
	char buf[4096];
	struct stat st;
	DIR *d = NULL;
	ssize_t n;
	int dfd, fd;

	if (op[0] == 'r')
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		dfd = (d = fb_opendir(dir)) != NULL ? dirfd(d) : -1;
	if (dfd == -1) {
		fail(op, dir);
		return;
	}
	if (op[0] == 's') {
		if (fb_fstatat(dfd, rel, &st, strchr(flags, 'l') ? AT_SYMLINK_NOFOLLOW : 0) == -1)
			fail(op, rel);
		else
			printf("%s %s: ok %s %lld\n", op, rel, type_of(st.st_mode),
			    (long long)st.st_size);
	} else if ((fd = fb_openat(dfd, rel, O_RDONLY)) == -1)
		fail(op, rel);
	else {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s %s: ok %s\n", op, rel, buf);
		close(fd);
	}
	if (d != NULL)
		closedir(d);
	else
		close(dfd);
}

static const char *
type_of(mode_t m)
{
	return S_ISREG(m) ? "file" :
	    S_ISDIR(m)	  ? "dir" :
	    S_ISLNK(m)	  ? "symlink" :
	    S_ISFIFO(m)	  ? "fifo" :
	    S_ISCHR(m)	  ? "chardev" :
	    S_ISSOCK(m)	  ? "socket" :
			    "other";
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
do_ls(const char *path)
{
	char *names[4096];
	struct dirent *e;
	size_t n = 0, i;
	DIR *d;

	if ((d = fb_opendir(path)) == NULL) {
		fail("ls", path);
		return;
	}
	while ((e = readdir(d)) != NULL && n < 4096)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp);
	printf("ls %s: ok", path);
	for (i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

struct thread_arg {
	const char *path;
	int m;
	int errors;
	int raw;
};

static void *
reader(void *p)
{
	struct thread_arg *a = p;
	int i;

	char buf[64];
	int fd;

	for (i = 0; i < a->m; i++) {
		if (!a->raw) {
			if (do_read(a->path, 1) == -1)
				a->errors++;
			continue;
		}
		if ((fd = open(a->path, O_RDONLY)) == -1 || read(fd, buf, sizeof(buf)) <= 0)
			a->errors++;
		if (fd != -1)
			close(fd);
	}
	return NULL;
}

static void
do_threads(int n, int m, const char *path, int raw)
{
	pthread_t t[64];
	struct thread_arg a[64];
	int i, errors = 0;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		a[i].path = path;
		a[i].m = m;
		a[i].errors = 0;
		a[i].raw = raw;
		pthread_create(&t[i], NULL, reader, &a[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		errors += a[i].errors;
	}
	if (errors) {
		printf("threads %s: %d errors\n", path, errors);
		failed = 1;
	} else
		printf("threads %s: ok\n", path);
}

static void
do_fork(const char *path)
{
	int status, i, bad = 0;
	pid_t pid = fork();

	if (pid == 0) {
		for (i = 0; i < 50; i++)
			if (do_read(path, 1) == -1)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < 50; i++)
		if (do_read(path, 1) == -1)
			bad = 1;
	waitpid(pid, &status, 0);
	if (bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("fork %s: failed\n", path);
		failed = 1;
	} else
		printf("fork %s: ok\n", path);
}

static void
do_cloexec(const char *path)
{
	int a = fb_open(path, O_RDONLY), b = fb_open(path, O_RDONLY | O_CLOEXEC);

	if (a == -1 || b == -1) {
		fail("cloexec", path);
		return;
	}
	if ((fcntl(a, F_GETFD) & FD_CLOEXEC) || !(fcntl(b, F_GETFD) & FD_CLOEXEC)) {
		printf("cloexec %s: wrong\n", path);
		failed = 1;
	} else
		printf("cloexec %s: ok\n", path);
	close(a);
	close(b);
}

static volatile sig_atomic_t nsignals;

static void
on_alarm(int sig)
{
	(void)sig;
	nsignals++;
}

static int
count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static void
do_signals(int n, const char *path)
{
	struct itimerval it = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	int i, fd, errors = 0, before;

	/* One open first: what it leaves for good (the preload library's
	 * channel, lane.c) is no leak of the storm's. */
	if ((fd = open(path, O_RDONLY)) != -1)
		close(fd);
	before = count_fds();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < n; i++) {
		if ((fd = open(path, O_RDONLY)) == -1)
			errors++;
		else
			close(fd);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	if (errors || count_fds() != before) {
		printf("signals %s: %d errors, %d descriptors left over\n", path, errors,
		    count_fds() - before);
		failed = 1;
	} else
		printf("signals %s: ok %d opens, %d signals\n", path, n, (int)nsignals);
}

/* The first line of what fd reads (at most 200 bytes), for openv. */
static void
first_line(int fd, char *out, size_t size)
{
	ssize_t n = pread(fd, out, size - 1, 0);
	char *nl;

	out[n > 0 ? n : 0] = '\0';
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
}

static void
do_openv(char **paths, int n)
{
	struct fb_openv_entry v[256];
	char line[256], want[256];
	struct stat st;
	int i, r, fd, before, bad = 0, opened = 0;

	if (n > 256) {
		fprintf(stderr, "fbtool: openv: at most 256 paths\n");
		exit(2);
	}
	/* The library's channel comes with the first call: have it before
	 * counting descriptors. */
	(void)fb_stat("/", &st);
	before = count_fds();
	for (i = 0; i < n; i++) {
		v[i].path = paths[i];
		v[i].flags = O_RDONLY;
		v[i].mode = 0;
	}
	r = fb_openv(v, (size_t)n);
	if (r == -1) {
		fail("openv", "(call)");
		return;
	}
	/* Before the fb_open() calls below, which answer for themselves. */
	if (fb_last_rule() != NULL)
		printf("openv: rule %s\n", fb_last_rule());
	for (i = 0; i < n; i++) {
		if (v[i].fd == -1) {
			printf("openv[%d] %s: %s\n", i, paths[i],
			    strerrorname_np(v[i].error) ? strerrorname_np(v[i].error) : "E?");
			failed = 1;
			continue;
		}
		opened++;
		first_line(v[i].fd, line, sizeof(line));
		printf("openv[%d] %s: ok %s\n", i, paths[i], line);
		if (fcntl(v[i].fd, F_GETFD) & FD_CLOEXEC) {
			printf("openv[%d] %s: close-on-exec without O_CLOEXEC\n", i, paths[i]);
			bad = 1;
		}
		/* The descriptor must be the file named, not a neighbour's:
		 * compare with what the broker gives for the path alone. */
		if ((fd = fb_open(paths[i], O_RDONLY | O_CLOEXEC)) != -1) {
			first_line(fd, want, sizeof(want));
			close(fd);
			if (strcmp(line, want) != 0) {
				printf("openv[%d] %s: reads \"%s\", not \"%s\"\n", i, paths[i],
				    line, want);
				bad = 1;
			}
		}
		close(v[i].fd);
	}
	if (r != opened) {
		printf("openv: returned %d, %d entries hold descriptors\n", r, opened);
		bad = 1;
	}
	if (count_fds() != before) {
		printf("openv: %d descriptors left over\n", count_fds() - before);
		bad = 1;
	}
	printf("openv: %d of %d opened%s\n", r, n, bad ? ", WRONG" : "");
	if (bad)
		failed = 1;
}

static void
do_openvn(int n, const char *path)
{
	static struct fb_openv_entry v[4096];
	struct stat st;
	int i, r, first = 0, before;

	if (n < 0 || n > 4096) {
		fprintf(stderr, "fbtool: openvn: 0 to 4096 entries\n");
		exit(2);
	}
	(void)fb_stat("/", &st); /* as in do_openv() */
	before = count_fds();
	for (i = 0; i < n; i++) {
		v[i].path = path;
		v[i].flags = O_RDONLY | O_CLOEXEC;
		v[i].mode = 0;
	}
	if ((r = fb_openv(v, (size_t)n)) == -1) {
		fail("openvn", path);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i].fd == -1 && first == 0)
			first = v[i].error;
		if (v[i].fd != -1)
			close(v[i].fd);
	}
	printf("openvn %s: %d of %d opened%s%s%s\n", strlen(path) > 80 ? "(long)" : path, r, n,
	    first ? ", first error " : "", first ? strerrorname_np(first) : "",
	    count_fds() != before ? ", descriptors left over" : "");
	if (r != n || count_fds() != before)
		failed = 1;
}

/* getpid(), the Pid line of /proc/self/status and the target of
 * /proc/self, as the broker (fb_*) or the kernel (raw) answer them. */
static void
do_ident(const char *op, const char *how)
{
	int raw = strcmp(how, "raw") == 0, fd;
	char buf[4096], link[64], *p;
	ssize_t n, l;

	fd = raw ? open("/proc/self/status", O_RDONLY | O_CLOEXEC) :
		   fb_open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		fail(op, "/proc/self/status");
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	l = raw ? readlink("/proc/self", link, sizeof(link) - 1) :
		  fb_readlink("/proc/self", link, sizeof(link) - 1);
	if (l == -1) {
		fail(op, "/proc/self");
		return;
	}
	link[l] = '\0';
	p = strstr(buf, "\nPid:");
	printf("%s: getpid %ld status %ld readlink %s\n", op, (long)getpid(),
	    p != NULL ? strtol(p + 5, NULL, 10) : -1L, link);
}

static void
do_forkident(const char *how)
{
	char op[64];
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		fail("forkident", how);
		return;
	}
	if (pid == 0) {
		snprintf(op, sizeof(op), "forkident %s child", how);
		do_ident(op, how);
		fflush(stdout);
		_exit(failed);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failed = 1;
	snprintf(op, sizeof(op), "forkident %s parent", how);
	do_ident(op, how);
}

/* Run one OP; returns how many arguments it used (including OP). */
static int
run_op(int argc, char **argv)
{
	const char *op = argv[0], *path = argc > 1 ? argv[1] : "";
	char buf[4096];
	struct stat st;
	ssize_t n;
	int mode;
	const char *m;

#define NEED(k) \
	do { \
		if (argc < (k) + 1) { \
			fprintf(stderr, "fbtool: %s: arguments\n", op); \
			exit(2); \
		} \
	} while (0)

	if (strcmp(op, "read") == 0) {
		NEED(1);
		do_read(path, 0);
		return 2;
	} else if (strcmp(op, "write") == 0) {
		NEED(2);
		do_write(op, path, argv[2], O_WRONLY | O_TRUNC, 0);
		return 3;
	} else if (strcmp(op, "append") == 0) {
		NEED(2);
		do_write(op, path, argv[2], O_WRONLY | O_APPEND, 0);
		return 3;
	} else if (strcmp(op, "create") == 0) {
		NEED(3);
		do_write(op, path, argv[2], O_WRONLY | O_CREAT | O_EXCL,
		    (mode_t)strtol(argv[3], NULL, 8));
		return 4;
	} else if (strcmp(op, "openflags") == 0) {
		int fd;

		NEED(2);
		if ((fd = fb_open(path, (int)strtol(argv[2], NULL, 0), 0600)) == -1)
			fail(op, path);
		else {
			printf("%s %s: ok\n", op, path);
			close(fd);
		}
		return 3;
	} else if (strcmp(op, "stat") == 0 || strcmp(op, "lstat") == 0) {
		NEED(1);
		if ((op[0] == 's' ? fb_stat(path, &st) : fb_lstat(path, &st)) == -1)
			fail(op, path);
		else
			printf("%s %s: ok %s size=%lld mode=%04o\n", op, path, type_of(st.st_mode),
			    (long long)st.st_size, (unsigned)(st.st_mode & 07777));
		return 2;
	} else if (strcmp(op, "mtime") == 0) {
		NEED(1);
		if (fb_stat(path, &st) == -1)
			fail(op, path);
		else
			printf("%s %s: ok %lld %ld\n", op, path, (long long)st.st_mtim.tv_sec,
			    (long)st.st_mtim.tv_nsec);
		return 2;
	} else if (strcmp(op, "access") == 0) {
		NEED(2);
		mode = 0;
		for (m = argv[2]; *m; m++)
			mode |= *m == 'r' ? R_OK : *m == 'w' ? W_OK : *m == 'x' ? X_OK : 0;
		if (fb_access(path, mode) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		return 3;
	} else if (strcmp(op, "readlink") == 0) {
		NEED(1);
		if ((n = fb_readlink(path, buf, sizeof(buf) - 1)) == -1)
			fail(op, path);
		else {
			buf[n] = '\0';
			printf("%s %s: ok %s\n", op, path, buf);
		}
		return 2;
	} else if (strcmp(op, "mkdir") == 0) {
		NEED(2);
		if (fb_mkdir(path, (mode_t)strtol(argv[2], NULL, 8)) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		return 3;
	} else if (strcmp(op, "unlink") == 0 || strcmp(op, "rmdir") == 0) {
		NEED(1);
		if ((op[0] == 'u' ? fb_unlink(path) : fb_rmdir(path)) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		return 2;
	} else if (strcmp(op, "rename") == 0) {
		NEED(2);
		if (fb_rename(path, argv[2]) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		return 3;
	} else if (strcmp(op, "chmod") == 0 || strcmp(op, "truncate") == 0 ||
	    strcmp(op, "symlink") == 0) {
		NEED(2);
		if ((op[0] == 'c'	 ? fb_chmod(path, (mode_t)strtol(argv[2], NULL, 8)) :
			    op[0] == 't' ? fb_truncate(path, (off_t)strtoll(argv[2], NULL, 10)) :
					   fb_symlink(argv[2], path)) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		return 3;
	} else if (strcmp(op, "openat") == 0 || strcmp(op, "rawopenat") == 0 ||
	    strcmp(op, "statat") == 0) {
		NEED(op[0] == 's' ? 3 : 2);
		do_at(op, path, argv[2], op[0] == 's' ? argv[3] : "-");
		return op[0] == 's' ? 4 : 3;
	} else if (strcmp(op, "realpath") == 0) {
		NEED(1);
		if (fb_realpath(path, buf) == NULL)
			fail(op, path);
		else
			printf("%s %s: ok %s\n", op, path, buf);
		return 2;
	} else if (strcmp(op, "ls") == 0) {
		NEED(1);
		do_ls(path);
		return 2;
	} else if (strcmp(op, "threads") == 0) {
		NEED(3);
		do_threads(atoi(argv[1]), atoi(argv[2]), argv[3], 0);
		return 4;
	} else if (strcmp(op, "rawthreads") == 0) {
		NEED(3);
		do_threads(atoi(argv[1]), atoi(argv[2]), argv[3], 1);
		return 4;
	} else if (strcmp(op, "spawn") == 0) {
		extern char **environ;
		pid_t pid;
		int wst, e;

		NEED(1);
		e = posix_spawn(&pid, path, NULL, NULL, argv + 1, environ);
		if (e != 0) {
			errno = e;
			fail(op, path);
		} else if (waitpid(pid, &wst, 0) == -1 || !WIFEXITED(wst) ||
		    WEXITSTATUS(wst) != 0) {
			printf("%s %s: child failed\n", op, path);
			failed = 1;
		} else
			printf("%s %s: ok\n", op, path);
		return argc;
	} else if (strcmp(op, "fexec") == 0) {
		do_fexec(path, argv + 1);
		return argc;
	} else if (strcmp(op, "fork") == 0) {
		NEED(1);
		do_fork(path);
		return 2;
	} else if (strcmp(op, "cloexec") == 0) {
		NEED(1);
		do_cloexec(path);
		return 2;
	} else if (strcmp(op, "rawopen") == 0) {
		int fd;

		NEED(1);
		if ((fd = open(path, O_RDONLY)) == -1)
			fail(op, path);
		else {
			n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			printf("%s %s: ok %s\n", op, path, buf);
			close(fd);
		}
		return 2;
	} else if (strcmp(op, "rawopenflags") == 0) {
		int flags, fd, fd2 = -1;

		NEED(2);
		flags = (int)strtol(argv[2], NULL, 0);
		/* open(2) itself, not glibc's openat(2) under that name. */
		if ((fd = (int)syscall(SYS_open, path, flags, 0600)) == -1 ||
		    (fd2 = openat(AT_FDCWD, path, flags, 0600)) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		if (fd != -1)
			close(fd);
		if (fd2 != -1)
			close(fd2);
		return 3;
	} else if (strcmp(op, "rawopenat2") == 0) {
		struct open_how how;
		int fd;

		NEED(1);
		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY;
		if ((fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how))) == -1)
			fail(op, path);
		else {
			printf("%s %s: ok\n", op, path);
			close(fd);
		}
		return 2;
	} else if (strcmp(op, "rawstat") == 0) {
		NEED(1);
		if (stat(path, &st) == -1)
			fail(op, path);
		else
			printf("%s %s: ok %s size=%lld\n", op, path, type_of(st.st_mode),
			    (long long)st.st_size);
		return 2;
	} else if (strcmp(op, "orphans") == 0) {
		int k, nk;
		pid_t pid;

		NEED(1);
		nk = atoi(path);
		for (k = 0; k < nk; k++) {
			if ((pid = fork()) == -1) {
				fail(op, path);
				return 2;
			}
			if (pid == 0) {
				setsid();
				syscall(SYS_close_range, 0U, ~0U, 0U);
				for (;;)
					pause();
			}
		}
		printf("%s %s: ok\n", op, path);
		return 2;
	} else if (strcmp(op, "rawtruncate") == 0) {
		NEED(2);
		if (truncate(path, strtoll(argv[2], NULL, 10)) == -1)
			fail(op, path);
		else
			printf("%s %s: ok\n", op, path);
		return 3;
	} else if (strcmp(op, "signals") == 0) {
		NEED(2);
		do_signals(atoi(argv[1]), argv[2]);
		return 3;
	} else if (strcmp(op, "openv") == 0) {
		int k;

		for (k = 1; k < argc && strcmp(argv[k], "::") != 0; k++)
			;
		do_openv(argv + 1, k - 1);
		return k;
	} else if (strcmp(op, "openvn") == 0) {
		NEED(2);
		do_openvn(atoi(argv[1]), argv[2]);
		return 3;
	} else if (strcmp(op, "ident") == 0) {
		char name[64];

		NEED(1);
		snprintf(name, sizeof(name), "ident %s", path);
		do_ident(name, path);
		return 2;
	} else if (strcmp(op, "forkident") == 0) {
		NEED(1);
		do_forkident(path);
		return 2;
	} else if (strcmp(op, "sleep") == 0) {
		struct timespec ts;

		NEED(1);
		ts.tv_sec = atoi(path) / 1000;
		ts.tv_nsec = (atoi(path) % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		return 2;
	} else if (strcmp(op, "rule") == 0) {
		printf("rule: %s\n", fb_last_rule() != NULL ? fb_last_rule() : "none");
		return 1;
	}
	fprintf(stderr, "fbtool: unknown operation '%s'\n", op);
	exit(2);
}

/* An argument beginning with "$TMPDIR" gets the environment's in its place
 * (run's private temporary folder, whose name a test cannot know). */
static void
expand_tmpdir(int argc, char **argv)
{
	const char *t = getenv("TMPDIR");
	int i;

	for (i = 1; t != NULL && i < argc; i++)
		if (strncmp(argv[i], "$TMPDIR", 7) == 0 &&
		    asprintf(&argv[i], "%s%s", t, argv[i] + 7) == -1)
			exit(2);
}

int
main(int argc, char **argv)
{
	int i = 1, used;

	setvbuf(stdout, NULL, _IOLBF, 0);
	expand_tmpdir(argc, argv);
	while (i < argc) {
		if (strcmp(argv[i], "::") == 0) {
			i++;
			continue;
		}
		used = run_op(argc - i, argv + i);
		i += used;
	}
	return failed;
}
