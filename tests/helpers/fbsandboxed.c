/*
 * fbsandboxed: a worker for the daemon-mode tests that confines itself.
 * It connects to the broker (FILEBROKER_SOCKET), enters the sandbox in
 * transparent mode (switching to nobody when started as root) and then
 * uses plain system calls, not libfilebroker: each one is notified to the
 * daemon, which decides it with this peer's profile.
 *
 *	fbsandboxed [-t] [-x] OP ARG [OP ARG]...
 *
 *	-t		send the listener itself with fb_send_listener(), then
 *			once more (the daemon must refuse: EBUSY); without -t
 *			fb_sandbox_enter() sends it (listener_fd NULL)
 *	-x		first send a descriptor that is not a listener (a pipe),
 *			before the sandbox; the daemon must refuse it and go
 *			on serving this connection
 *
 *	open PATH	open(2) O_RDONLY, print the first line
 *	stat PATH	stat(2), print the size
 *	watch PATH	inotify_add_watch(2) for IN_MODIFY on a new instance
 *	statfs PATH	statfs(2)
 *	chmod PATH	chmod(2) to 0600
 *	truncate PATH	truncate(2) to 0
 *	sleep MS	sleep
 *	disconnect	fb_disconnect(): close every connection to the daemon;
 *			the listener alone keeps the calls served
 *
 * Prints "pid N" first, then "OP ARG: ok ..." or "OP ARG: ENAME" per call.
 * Exit 0 when every call succeeded, 1 otherwise, 2 when the set-up failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "filebroker.h"

static int failed;

static const char *
ename(int e)
{
	return strerrorname_np(e) ? strerrorname_np(e) : "E?";
}

static void
fail(const char *op, const char *arg)
{
	printf("%s %s: %s\n", op, arg, ename(errno));
	failed = 1;
}

static void
report(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "fbsandboxed: %s\n", msg);
}

static void
do_open(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		fail("open", path);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		fail("open", path);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("open %s: ok %s\n", path, buf);
}

static void
do_stat(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		fail("stat", path);
		return;
	}
	printf("stat %s: ok size %lld\n", path, (long long)st.st_size);
}

/* The calls that need more of the daemon than open and stat: its answer
 * is the point, so only ok or the errno is printed. */
static void
do_call(const char *op, const char *path)
{
	struct statfs sf;
	int r, ifd, saved;

	if (strcmp(op, "watch") == 0) {
		if ((ifd = inotify_init1(IN_CLOEXEC)) == -1) {
			fail(op, path);
			return;
		}
		r = inotify_add_watch(ifd, path, IN_MODIFY) < 0 ? -1 : 0;
		saved = errno;
		close(ifd);
		errno = saved;
	} else if (strcmp(op, "statfs") == 0)
		r = statfs(path, &sf);
	else if (strcmp(op, "chmod") == 0)
		r = chmod(path, 0600);
	else
		r = truncate(path, 0);
	if (r == -1) {
		fail(op, path);
		return;
	}
	printf("%s %s: ok\n", op, path);
}

static void
do_sleep(const char *ms)
{
	struct timespec ts;
	long v = atol(ms);

	ts.tv_sec = v / 1000;
	ts.tv_nsec = (v % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	printf("sleep %s: ok\n", ms);
}

/* A pipe is no listener: refused, and the connection stays usable. */
static void
send_not_listener(void)
{
	int p[2];

	if (pipe(p) == -1) {
		perror("fbsandboxed: pipe");
		exit(2);
	}
	if (fb_send_listener(p[0]) == 0)
		printf("not-a-listener: ok\n");
	else
		printf("not-a-listener: %s\n", ename(errno));
	close(p[0]);
	close(p[1]);
}

int
main(int argc, char **argv)
{
	struct fb_sandbox sb;
	int c, twice = 0, notl = 0, listener = -1, i;

	while ((c = getopt(argc, argv, "tx")) != -1) {
		switch (c) {
		case 't':
			twice = 1;
			break;
		case 'x':
			notl = 1;
			break;
		default:
			fprintf(stderr, "usage: fbsandboxed [-t] [-x] OP ARG...\n");
			return 2;
		}
	}
	/* Before the sandbox: stdout's first write looks at the descriptor
	 * (fstat), and the connection needs socket(2) and a path. */
	printf("pid %ld\n", (long)getpid());
	fflush(stdout);
	if (fb_connect(NULL) == -1) {
		printf("connect: %s\n", ename(errno));
		return 2;
	}
	if (notl)
		send_not_listener();

	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = -1;
	sb.status_fd = -1;
	sb.set_user = geteuid() == 0;
	sb.uid = 65534;
	sb.gid = 65534;
	sb.transparent = 1;
	sb.listener_fd = twice ? &listener : NULL;
	sb.report = report;
	if (fb_sandbox_enter(&sb) == -1) {
		printf("sandbox: %s\n", ename(errno));
		return 2;
	}
	if (twice) {
		/* Our own copy: sent, then sent again, then closed before
		 * anything else runs. */
		if (fb_send_listener(listener) == 0)
			printf("listener: ok\n");
		else
			printf("listener: %s\n", ename(errno));
		if (fb_send_listener(listener) == 0)
			printf("second listener: ok\n");
		else
			printf("second listener: %s\n", ename(errno));
		close(listener);
	}
	printf("sandbox: ok\n");
	fflush(stdout);

	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "disconnect") == 0) {
			fb_disconnect();
			printf("disconnect: ok\n");
			fflush(stdout);
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "fbsandboxed: %s needs an argument\n", argv[i]);
			return 2;
		}
		if (strcmp(argv[i], "open") == 0)
			do_open(argv[i + 1]);
		else if (strcmp(argv[i], "stat") == 0)
			do_stat(argv[i + 1]);
		else if (strcmp(argv[i], "sleep") == 0)
			do_sleep(argv[i + 1]);
		else if (strcmp(argv[i], "watch") == 0 || strcmp(argv[i], "statfs") == 0 ||
		    strcmp(argv[i], "chmod") == 0 || strcmp(argv[i], "truncate") == 0)
			do_call(argv[i], argv[i + 1]);
		else {
			fprintf(stderr, "fbsandboxed: unknown op %s\n", argv[i]);
			return 2;
		}
		fflush(stdout);
		i++;
	}
	return failed;
}
