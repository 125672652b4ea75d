/*
 * fbident: whom the broker takes for the asker.  A connection outlives the
 * process that made it (children inherit it, it can be passed on, its
 * maker can become a set-user-ID program), so the broker must name the
 * process that sent each request, as the kernel says (SCM_CREDENTIALS),
 * for /proc/self and for the record.  Speaks the wire protocol by hand on
 * the socket in FILEBROKER_FD, or on a new connection to FILEBROKER_SOCKET.
 *
 *	fbident self		CHANNEL, then OPEN /proc/self/status on it
 *	fbident fork		the same in a forked child (which asks on the
 *				bootstrap connection it inherited), then in
 *				the parent
 *	fbident thread		the same from a second thread
 *	fbident pass		a process forked before the connection was
 *				made (it inherits nothing) gets a channel
 *				over a socket pair (SCM_RIGHTS) and asks on it
 *	fbident suid PROG	connect; fork a child that keeps the
 *				connection; the parent then runs PROG, a
 *				set-user-ID program, with the connection as
 *				descriptor 3 and an OPEN of /proc/self/environ
 *				to write there (as a set-user-ID program may
 *				write what its caller chose to its stderr);
 *				the child, once the parent runs PROG, asks for
 *				/proc/self/status and /proc/PARENT/status, and
 *				reads the answer to what PROG wrote
 *
 * Each ask prints "WHAT PID: Pid N" (N from the status file the broker
 * opened: the process it took for /proc/self) or "WHAT PID: ENAME", where
 * PID is the asker's own pid.  suid adds "suid-other PID PARENT: ..." and
 * "suid-written PARENT: ...".  Exit 0 when the set-up worked (the lines
 * say what the broker did), 2 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdmsg.h"
#include "proto.h"

static int boot = -1;

static const char *
ename(int e)
{
	return strerrorname_np(e) ? strerrorname_np(e) : "E?";
}

static ssize_t
encode(uint16_t type, uint32_t id, const char *path, uint8_t *buf)
{
	struct fb_request r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.id = id;
	r.flags = O_RDONLY | O_CLOEXEC;
	snprintf(r.path, sizeof(r.path), "%s", path);
	return proto_encode_request(&r, buf, FB_REQUEST_MAX);
}

/* The reply of type to request id on sock, skipping others: its errno,
 * and its descriptor in *fd. */
static int
reply_of(int sock, uint16_t type, uint32_t id, int *fd)
{
	static uint8_t buf[FB_REPLY_MAX];
	struct fb_reply rep;
	const char *why;
	ssize_t n;
	int i;

	for (i = 0; i < 8; i++) {
		if ((n = fdmsg_recv(sock, buf, sizeof(buf), fd, 5000)) <= 0)
			return n == 0 ? ECONNRESET : errno;
		if (proto_decode_reply(buf, (size_t)n, &rep, &why) == -1)
			return EPROTO;
		if (rep.type == type && rep.id == id)
			return (int)rep.error;
		if (*fd != -1)
			close(*fd);
	}
	return EPROTO;
}

static int
ask(int sock, uint16_t type, uint32_t id, const char *path, int *fd)
{
	uint8_t buf[FB_REQUEST_MAX];
	ssize_t n = encode(type, id, path, buf);

	*fd = -1;
	if (n < 0 || fdmsg_send(sock, buf, (size_t)n, -1) == -1)
		return errno;
	return reply_of(sock, type, id, fd);
}

/* "Pid N" from a status file, or "" */
static void
pid_line(int fd, char *out, size_t size)
{
	char buf[2048], *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nPid:")) != NULL)
		snprintf(out, size, "Pid %ld", strtol(p + 5, NULL, 10));
}

/* Open path on sock and print what the broker gave. */
static void
show(const char *what, int sock, const char *path)
{
	char line[64];
	int e, fd;

	e = ask(sock, FB_MSG_OPEN, 2, path, &fd);
	if (e != 0) {
		printf("%s %ld: %s\n", what, (long)getpid(), ename(e));
	} else {
		pid_line(fd, line, sizeof(line));
		printf("%s %ld: %s\n", what, (long)getpid(), line);
		close(fd);
	}
	fflush(stdout);
}

/* CHANNEL on the bootstrap connection: the channel, or -1. */
static int
channel(void)
{
	int e, fd;

	if ((e = ask(boot, FB_MSG_CHANNEL, 1, "", &fd)) != 0 || fd == -1) {
		fprintf(stderr, "fbident: CHANNEL: %s\n", ename(e));
		return -1;
	}
	return fd;
}

static void
self(const char *what)
{
	int ch = channel();

	if (ch == -1)
		exit(2);
	show(what, ch, "/proc/self/status");
	close(ch);
}

static int
connect_boot(void)
{
	struct sockaddr_un sun;
	const char *s;
	int fd;

	if ((s = getenv("FILEBROKER_FD")) != NULL)
		return atoi(s);
	if ((s = getenv("FILEBROKER_SOCKET")) == NULL || strlen(s) >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, s);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	return fd;
}

static void *
thread_main(void *arg)
{
	(void)arg;
	self("thread");
	return NULL;
}

/* Wait until process pid runs a program whose name ends with name. */
static int
wait_exec(pid_t pid, const char *name)
{
	char link[64], target[4096];
	ssize_t n;
	int i;

	snprintf(link, sizeof(link), "/proc/%ld/status", (long)pid);
	for (i = 0; i < 500; i++) {
		int fd = open(link, O_RDONLY | O_CLOEXEC);

		if (fd != -1) {
			n = read(fd, target, sizeof(target) - 1);
			close(fd);
			if (n > 0) {
				target[n] = '\0';
				if (strncmp(target, "Name:\t", 6) == 0 &&
				    strncmp(target + 6, name, strlen(name)) == 0)
					return 0;
			}
		}
		usleep(10000);
	}
	return -1;
}

static int
suid(const char *prog)
{
	uint8_t buf[FB_REQUEST_MAX];
	char hex[2 * FB_REQUEST_MAX + 1], path[64], line[64];
	const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	pid_t parent = getpid(), child;
	ssize_t n, i;
	int e, fd, ch;

	/* What the set-user-ID program will write: an OPEN of its own
	 * /proc/self/environ, id 77. */
	if ((n = encode(FB_MSG_OPEN, 77, "/proc/self/environ", buf)) < 0)
		return 2;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	if ((child = fork()) == -1)
		return 2;
	if (child > 0) {
		/* The parent, the connection's maker, becomes PROG. */
		if (dup2(boot, 3) == -1)
			return 2;
		execl(prog, prog, "3", hex, "3000", (char *)NULL);
		perror(prog);
		return 2;
	}
	if (wait_exec(parent, base) == -1) {
		fprintf(stderr, "fbident: %s never ran\n", prog);
		return 2;
	}
	/* The answer to what the set-user-ID program wrote comes on the
	 * connection it wrote to. */
	e = reply_of(boot, FB_MSG_OPEN, 77, &fd);
	if (e == 0) {
		char env[64];
		ssize_t k = pread(fd, env, sizeof(env) - 1, 0);

		printf("suid-written %ld: ok %zd bytes of its environment\n", (long)parent, k);
		close(fd);
	} else
		printf("suid-written %ld: %s\n", (long)parent, ename(e));
	if ((ch = channel()) == -1)
		return 2;
	show("suid", ch, "/proc/self/status");
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)parent);
	e = ask(ch, FB_MSG_OPEN, 3, path, &fd);
	if (e == 0) {
		pid_line(fd, line, sizeof(line));
		printf("suid-other %ld %ld: %s\n", (long)getpid(), (long)parent, line);
		close(fd);
	} else
		printf("suid-other %ld %ld: %s\n", (long)getpid(), (long)parent, ename(e));
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_t t;
	pid_t pid;
	int sp[2], st, ch, fd;
	char c;

	if (argc < 2) {
		fprintf(stderr, "usage: fbident self|fork|thread|pass|suid PROG\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "pass") == 0) {
		/* The receiver exists before the connection does. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1 ||
		    (pid = fork()) == -1)
			return 2;
		if (pid == 0) {
			close(sp[0]);
			if (fdmsg_recv(sp[1], &c, 1, &fd, -1) != 1 || fd == -1)
				_exit(2);
			show("pass", fd, "/proc/self/status");
			_exit(0);
		}
		close(sp[1]);
		if ((boot = connect_boot()) == -1 || (ch = channel()) == -1 ||
		    fdmsg_send(sp[0], "c", 1, ch) == -1)
			return 2;
		close(ch);
		waitpid(pid, &st, 0);
		self("self");
		return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 2;
	}
	if ((boot = connect_boot()) == -1) {
		fprintf(stderr, "fbident: no broker: %s\n", strerror(errno));
		return 2;
	}
	if (strcmp(argv[1], "self") == 0)
		self("self");
	else if (strcmp(argv[1], "fork") == 0) {
		if ((pid = fork()) == -1)
			return 2;
		if (pid == 0) {
			self("child");
			_exit(0);
		}
		waitpid(pid, &st, 0);
		self("parent");
	} else if (strcmp(argv[1], "thread") == 0) {
		if (pthread_create(&t, NULL, thread_main, NULL) != 0)
			return 2;
		pthread_join(t, NULL);
	} else if (strcmp(argv[1], "suid") == 0 && argc == 3)
		return suid(argv[2]);
	else {
		fprintf(stderr, "fbident: unknown command %s\n", argv[1]);
		return 2;
	}
	return 0;
}
