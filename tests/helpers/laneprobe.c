/*
 * laneprobe.c: opens a transparent-mode worker makes through libc, for
 * tests/integration/lane.sh, which runs it with the preload library's lane
 * (client/preload/lane.c) and with --trap-all and compares what it prints.
 *
 *	laneprobe opens DIR	one line per kind of open of the files lane.sh
 *				made in DIR: the result (a descriptor's
 *				close-on-exec flag and first line, or the
 *				errno's name)
 *	laneprobe fork DIR N	parent and child each open DIR/f0..f(N-1) N
 *				times at once and check every first line
 *	laneprobe threads DIR N	four threads do the same
 *	laneprobe signal DIR N	the same while SIGALRM's handler opens a
 *				file of its own every 200 us
 *	laneprobe closeall DIR	close every descriptor above 2, then open
 *	laneprobe dup200 DIR	put a pipe on descriptor 200, open, and check
 *				that 200 is still that pipe
 *	laneprobe takeover DIR	dup2 a pipe over every socket the opens made
 *				(the lane's channels, main's and a thread's)
 *				then end the thread and fork: each must still
 *				be the pipe, in parent and child
 *	laneprobe threadself DIR  a thread reads its /proc/thread-self/stat
 *				by three spellings of the path: each must name
 *				that thread
 *	laneprobe rlimit DIR	under RLIMIT_NOFILE 64, the numbers of two
 *				opens (lane.sh compares them with --trap-all's)
 *
 * Prints "ok ..." lines or "FAIL ..." and exits 1 on any mismatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "badpath.h"

static const char *dir;
static volatile sig_atomic_t handler_bad, handler_runs;

static const char *
ename(int e)
{
	switch (e) {
	case ENOENT:
		return "ENOENT";
	case EACCES:
		return "EACCES";
	case ENOTDIR:
		return "ENOTDIR";
	case ELOOP:
		return "ELOOP";
	case EISDIR:
		return "EISDIR";
	case EINVAL:
		return "EINVAL";
	case EBADF:
		return "EBADF";
	case EPERM:
		return "EPERM";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EFAULT:
		return "EFAULT";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	default:
		return "other";
	}
}

/* "fd cloexec=N: first line" or the errno's name. */
static void
show(const char *what, int fd)
{
	char buf[64];
	ssize_t n;
	int fl;

	if (fd == -1) {
		printf("%s: %s\n", what, ename(errno));
		return;
	}
	fl = fcntl(fd, F_GETFD);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s: fd cloexec=%d read=%s\n", what, (fl & FD_CLOEXEC) != 0,
	    n >= 0 ? buf : ename(errno));
	close(fd);
}

static int
opens(void)
{
	char p[4096];
	const char *page;
	int d;

	snprintf(p, sizeof(p), "%s/f0", dir);
	show("absolute", open(p, O_RDONLY));
	show("absolute, O_CLOEXEC", open(p, O_RDONLY | O_CLOEXEC));
	show("missing", open(strcat(strcpy(p, dir), "/nothing"), O_RDONLY));
	snprintf(p, sizeof(p), "%s/hidden/secret", dir);
	show("denied", open(p, O_RDONLY));
	snprintf(p, sizeof(p), "%s/f0/x", dir);
	show("under a file", open(p, O_RDONLY));
	snprintf(p, sizeof(p), "%s/f0", dir);
	show("O_DIRECTORY on a file", open(p, O_RDONLY | O_DIRECTORY));
	snprintf(p, sizeof(p), "%s/link", dir);
	show("O_NOFOLLOW on a link", open(p, O_RDONLY | O_NOFOLLOW));
	show("through a link", open(p, O_RDONLY));
	snprintf(p, sizeof(p), "%s/sub", dir);
	show("a folder", open(p, O_RDONLY | O_DIRECTORY));
	show("a folder for writing", open(p, O_WRONLY));
	snprintf(p, sizeof(p), "%s/w", dir);
	show("for writing", open(p, O_WRONLY | O_APPEND));
	show("access mode 3", open(p, O_ACCMODE));
	if (chdir(dir) == -1)
		return 1;
	show("relative", open("f1", O_RDONLY));
	show("relative, dot-dot", open("sub/../f1", O_RDONLY));
	if ((d = open("sub", O_RDONLY | O_DIRECTORY)) == -1)
		return 1;
	show("from a folder", openat(d, "g", O_RDONLY));
	show("from a folder, dot-dot", openat(d, "../f1", O_RDONLY));
	show("from a folder, missing", openat(d, "nothing", O_RDONLY));
	show("from a file descriptor", openat(STDOUT_FILENO, "g", O_RDONLY));
	show("from a closed descriptor", openat(999, "g", O_RDONLY));
	close(d);
	show("/proc/self/status", open("/proc/self/status", O_RDONLY));
	if ((d = open("/proc/self", O_RDONLY | O_DIRECTORY)) == -1)
		show("/proc/self", d);
	else {
		show("from a /proc folder", openat(d, "status", O_RDONLY));
		close(d);
	}
	/* Pointers into nothing: the kernel's EFAULT, never a crash. */
	show("a pointer into nothing", open((const char *)8, O_RDONLY));
	if ((page = path_into_nothing()) == NULL)
		return 1;
	show("a path that runs into nothing", open(page, O_RDONLY));
	return 0;
}

/* Open f(i % files) n times; every first line must be "file I". */
static int
loop(const char *who, int n, int files)
{
	char p[4096], want[32], buf[64];
	int i, fd, bad = 0;
	ssize_t r;

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/f%d", dir, i % files);
		snprintf(want, sizeof(want), "file %d\n", i % files);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1) {
			printf("FAIL %s: open %s: %s\n", who, p, strerror(errno));
			return 1;
		}
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		if (strcmp(buf, want) != 0 && bad++ < 3)
			printf("FAIL %s: %s holds '%s'\n", who, p, buf);
	}
	return bad != 0;
}

static void *
thread(void *arg)
{
	return (void *)(long)loop("thread", (int)(long)arg, 8);
}

static void
on_alarm(int sig)
{
	char p[4096], buf[16];
	int fd, e = errno;
	ssize_t r;

	(void)sig;
	snprintf(p, sizeof(p), "%s/f7", dir);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		handler_bad = 1;
	else {
		r = read(fd, buf, sizeof(buf));
		if (r != 7 || memcmp(buf, "file 7\n", 7) != 0)
			handler_bad = 1;
		close(fd);
	}
	handler_runs++;
	errno = e;
}

/* threadself: the first field of PATH (from dirfd) is this thread's id? */
static int
names_me(int dirfd, const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, path, O_RDONLY)) == -1) {
		printf("FAIL threadself: %s: %s\n", path, ename(errno));
		return 1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (atol(buf) != (long)gettid()) {
		printf("FAIL threadself: %s names %ld, not the thread %ld\n", path, atol(buf),
		    (long)gettid());
		return 1;
	}
	return 0;
}

static void *
threadself(void *arg)
{
	int root = open("/", O_RDONLY | O_DIRECTORY), bad;

	(void)arg;
	bad = names_me(AT_FDCWD, "/proc/thread-self/stat");
	bad |= names_me(AT_FDCWD, "//proc/thread-self/stat");
	bad |= names_me(root, "proc/thread-self/stat");
	close(root);
	return (void *)(long)bad;
}

/* takeover: a thread with a channel of its own, which ends when told. */
static int gate[2], ready[2];

static void *
waiting_thread(void *arg)
{
	char c;
	long bad = loop("thread", 8, 8);

	(void)arg;
	if (write(ready[1], "x", 1) != 1 || read(gate[0], &c, 1) != 1)
		bad = 1;
	return (void *)bad;
}

/* The sockets among descriptors 3-1023 that are not in skip (nskip), in
 * fds (max): after opens, with skip the ones there before, the lane's
 * channels; how many. */
static int
sockets(int *fds, int max, const int *skip, int nskip)
{
	struct stat st;
	int f, i, n = 0;

	for (f = 3; f < 1024 && n < max; f++) {
		for (i = 0; i < nskip && skip[i] != f; i++)
			;
		if (i == nskip && fstat(f, &st) == 0 && S_ISSOCK(st.st_mode))
			fds[n++] = f;
	}
	return n;
}

/* The descriptors taken over, each still the pipe ino? */
static int
still_pipe(const int *fds, int n, ino_t ino, const char *who)
{
	struct stat st;
	int i, bad = 0;

	for (i = 0; i < n; i++)
		if (fstat(fds[i], &st) == -1 || st.st_ino != ino)
			bad = 1,
			printf("FAIL takeover: %s: descriptor %d is no longer the program's\n", who,
			    fds[i]);
	return bad;
}

int
main(int argc, char **argv)
{
	int n = argc > 3 ? atoi(argv[3]) : 0, st, bad = 0, i, p[2];
	pthread_t t[4];
	void *r;
	pid_t pid;

	if (argc < 3)
		return 2;
	dir = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "opens") == 0)
		return opens();
	if (strcmp(argv[1], "fork") == 0) {
		if ((pid = fork()) == 0)
			_exit(loop("child", n, 8));
		bad = loop("parent", n, 8);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
		printf("%s fork: %d opens each in parent and child\n", bad ? "FAIL" : "ok", n);
		return bad;
	}
	if (strcmp(argv[1], "threads") == 0) {
		for (i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, thread, (void *)(long)n) != 0)
				return 1;
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], &r);
			bad |= r != NULL;
		}
		printf("%s threads: %d opens in each of 4\n", bad ? "FAIL" : "ok", n);
		return bad;
	}
	if (strcmp(argv[1], "signal") == 0) {
		struct itimerval it = { { 0, 200 }, { 0, 200 } };

		signal(SIGALRM, on_alarm);
		setitimer(ITIMER_REAL, &it, NULL);
		bad = loop("main", n, 8);
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		bad |= handler_bad;
		printf("%s signal: %d opens, the handler's opens %s\n", bad ? "FAIL" : "ok", n,
		    handler_bad		 ? "failed" :
			handler_runs > 0 ? "right" :
					   "never ran");
		return bad;
	}
	if (strcmp(argv[1], "closeall") == 0) {
		bad = loop("before", 20, 8);
		for (i = 3; i < 1024; i++)
			close(i);
		bad |= loop("after", 20, 8);
		printf("%s closeall: opens before and after closing every descriptor\n",
		    bad ? "FAIL" : "ok");
		return bad;
	}
	if (strcmp(argv[1], "dup200") == 0) {
		struct stat a, b;

		bad = loop("before", 20, 8);
		if (pipe(p) == -1 || dup2(p[0], 200) != 200 || fstat(p[0], &a) == -1)
			return 1;
		bad |= loop("after", 20, 8);
		if (fstat(200, &b) == -1 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			bad = 1, printf("FAIL dup200: descriptor 200 is no longer the pipe\n");
		printf("%s dup200: opens with descriptor 200 taken by the program\n",
		    bad ? "FAIL" : "ok");
		return bad;
	}
	if (strcmp(argv[1], "takeover") == 0) {
		int fds[64], nfd = 0, old[64], nold = sockets(old, 64, NULL, 0);
		struct stat ps;
		char c;

		bad = loop("before", 8, 8);
		if (pipe(gate) == -1 || pipe(ready) == -1 || pipe(p) == -1 ||
		    fstat(p[0], &ps) == -1 ||
		    pthread_create(&t[0], NULL, waiting_thread, NULL) != 0 ||
		    read(ready[0], &c, 1) != 1)
			return 1;
		/* The thread has its channel: it has opened, and waits. */
		if ((nfd = sockets(fds, 64, old, nold)) < 2) {
			printf("FAIL takeover: %d channels found, not main's and the thread's\n",
			    nfd);
			return 1;
		}
		for (i = 0; i < nfd; i++)
			if (dup2(p[0], fds[i]) != fds[i])
				return 1;
		if (write(gate[1], "x", 1) != 1 || pthread_join(t[0], &r) != 0)
			return 1;
		bad |= r != NULL;
		bad |= still_pipe(fds, nfd, ps.st_ino, "a thread ended");
		if ((pid = fork()) == 0)
			_exit(still_pipe(fds, nfd, ps.st_ino, "in a fork's child"));
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
		bad |= loop("after", 8, 8);
		bad |= still_pipe(fds, nfd, ps.st_ino, "after opens");
		printf("%s takeover: the program's descriptors on the channels' numbers kept\n",
		    bad ? "FAIL" : "ok");
		return bad;
	}
	if (strcmp(argv[1], "threadself") == 0) {
		if (pthread_create(&t[0], NULL, threadself, NULL) != 0 ||
		    pthread_join(t[0], &r) != 0)
			return 1;
		bad = r != NULL;
		printf("%s threadself: a thread's /proc/thread-self is its own\n",
		    bad ? "FAIL" : "ok");
		return bad;
	}
	if (strcmp(argv[1], "rlimit") == 0) {
		struct rlimit rl = { 64, 64 };
		char path[4096];
		int a, c;

		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 1;
		snprintf(path, sizeof(path), "%s/f0", dir);
		a = open(path, O_RDONLY);
		c = open(path, O_RDONLY);
		printf("rlimit: descriptors %d %d\n", a, c);
		return a < 0 || c < 0;
	}
	return 2;
}
