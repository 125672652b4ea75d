/*
 * fblistener: a daemon peer whose seccomp listener is also in other hands.
 * It connects (FILEBROKER_SOCKET), forks a helper that is not sandboxed,
 * enters the sandbox in transparent mode keeping its listener, hands a copy
 * of the listener to the helper over a socket pair, and sends it to the
 * daemon.
 *
 *	fblistener twice PATH N MS  the helper connects as a peer of its own and
 *				sends the same listener: the daemon must
 *				refuse it ("second: EBUSY"); then the worker
 *				opens PATH, makes N stat(2) calls and sleeps
 *				MS milliseconds without a call (a daemon that
 *				served the listener twice would have a RECV of
 *				the second waiting for a call that never comes)
 *	fblistener steal N MS	the helper answers notifications itself, from
 *				8 threads blocked in SECCOMP_IOCTL_NOTIF_RECV
 *				(SECCOMP_USER_NOTIF_FLAG_CONTINUE), taking most
 *				of them before the daemon does; the worker
 *				makes N stat(2) calls, then sleeps MS
 *				milliseconds without a call; the helper says
 *				how many it took when the worker is gone
 *
 * Prints "listener: ok" once the daemon took it, then the results, and
 * "done".  Exit 0 when all went as described, 1 otherwise, 2 when the
 * set-up failed.  Started as root, the worker switches to nobody.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdmsg.h"
#include "filebroker.h"

static const char *
ename(int e)
{
	return strerrorname_np(e) ? strerrorname_np(e) : "E?";
}

static int
send_fd(int sock, int fd)
{
	return fdmsg_send(sock, "l", 1, fd);
}

static int
recv_fd(int sock)
{
	char one;
	int fd;

	return fdmsg_recv(sock, &one, 1, &fd, -1) == 1 ? fd : -1;
}

static int stolen_fd;
static volatile int stolen;

/* One of the helper's threads: take notifications and let them go on. */
static void *
steal(void *arg)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	(void)arg;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(stolen_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == -1) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL; /* the filter is gone */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (ioctl(stolen_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
			__atomic_add_fetch(&stolen, 1, __ATOMIC_RELAXED);
	}
}

/* The helper: the listener from the worker, then what the mode says. */
static int
helper(int sock, const char *mode)
{
	pthread_t t[8];
	int l, i, e;

	if ((l = recv_fd(sock)) == -1)
		return 2;
	if (strcmp(mode, "twice") == 0) {
		/* A peer of its own (this process connects now). */
		e = fb_send_listener(l) == 0 ? 0 : errno;
		printf("second: %s\n", e == 0 ? "accepted" : ename(e));
		fflush(stdout);
		return e == EBUSY ? 0 : 1;
	}
	stolen_fd = l;
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, steal, NULL);
	/* Until the worker is done (its end of the pair closes). */
	while (recv(sock, &e, sizeof(e), 0) > 0)
		;
	printf("stolen: %d\n", stolen);
	fflush(stdout);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct fb_sandbox sb;
	struct timespec ts;
	struct stat st;
	int sp[2], l = -1, i, n, fd, status, failed = 0;
	pid_t pid;

	if ((strcmp(argv[1], "twice") == 0 && argc != 5) ||
	    (strcmp(argv[1], "steal") == 0 && argc != 4) ||
	    (strcmp(argv[1], "twice") != 0 && strcmp(argv[1], "steal") != 0)) {
		fprintf(stderr, "usage: fblistener twice PATH N MS | steal N MS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return 2;
	if ((pid = fork()) == -1)
		return 2;
	if (pid == 0) {
		close(sp[0]);
		_exit(helper(sp[1], argv[1]));
	}
	close(sp[1]);
	if (fb_connect(NULL) == -1) {
		printf("connect: %s\n", ename(errno));
		return 2;
	}
	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = sp[0];
	sb.status_fd = -1;
	sb.transparent = 1;
	sb.listener_fd = &l;
	if (geteuid() == 0) {
		sb.set_user = 1;
		sb.uid = 65534;
		sb.gid = 65534;
	}
	if (fb_sandbox_enter(&sb) == -1 || l == -1) {
		printf("sandbox: %s\n", ename(errno));
		return 2;
	}
	/* No path call until the daemon has the listener: nobody would
	 * answer it. */
	if (fb_send_listener(l) == -1 || send_fd(sp[0], l) == -1) {
		printf("listener: %s\n", ename(errno));
		return 2;
	}
	close(l);
	printf("listener: ok\n");
	if (strcmp(argv[1], "twice") == 0) {
		waitpid(pid, &status, 0);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		if ((fd = open(argv[2], O_RDONLY)) == -1) {
			printf("open %s: %s\n", argv[2], ename(errno));
			failed = 1;
		} else {
			printf("open %s: ok\n", argv[2]);
			close(fd);
		}
		argv++; /* N MS */
	}
	/* The helper (steal) ends when this process does (its end of the
	 * pair closes); a signal would not reach it from inside the
	 * sandbox. */
	n = atoi(argv[2]);
	for (i = 0; i < n; i++)
		(void)stat("/", &st);
	printf("stats: %d\n", n);
	ts.tv_sec = atoi(argv[3]) / 1000;
	ts.tv_nsec = (atoi(argv[3]) % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	printf("done\n");
	return failed;
}
