/*
 * attack_worker: the hostile worker of the attack catalogue
 * (tests/attacks/run.sh).  Run under `filebroker run`; each mode is one
 * attack and prints one result line the driver matches.
 *
 *	open HEXPATH		fb_open(O_RDONLY) of the path given in hex (any
 *				bytes but NUL): "open: ok CONTENT" or "open: ENAME"
 *	sysopen HEXPATH		the same with open(2): transparent mode
 *	openat2 HEXPATH RESOLVE	the same with openat2(2) from the working
 *				folder, RESOLVE its resolve bits (a number)
 *	timed N HEXPATH		open(2) the path N times: "timed: N opens, K
 *				ok, M ms each" (the slowest of them)
 *	loop N PATH MARK [sys]	open and read PATH N times (fb_open, or open(2));
 *				a read containing MARK is a leak:
 *				"loop: N opens, K ok, L leaks"
 *	channels N PATH		ask for N channels, then check the broker still
 *				answers, release them, check again:
 *				"channels: K granted, then ENAME; serving: ok ok"
 *	empty PATH		a zero-length message on a channel: that channel
 *				closes, the others serve: "empty: closed, serving"
 *	msgmax PATH		a message of exactly FB_MSG_MAX bytes (a string
 *				too long: a violation) and one of FB_MSG_MAX + 1
 *				(truncated): each closes its channel only; then
 *				the longest valid request gets a reply
 *	nofile PATH		RLIMIT_NOFILE 16, open(2) PATH until it fails:
 *				"nofile: EMFILE after K, in M ms; after close: ok"
 *	phases N PATH MISSING DENIED
 *				N mixed requests (explicit and open(2), allowed,
 *				missing, denied, channels made and dropped,
 *				protocol violations, fb_openat in PATH's folder
 *				and a folder request carrying 253 descriptors
 *				of it); "phase 1 done"; sleep 2 s;
 *				the same again; "phase 2 done"; sleep 3 s
 *	fifo FIFO OTHER		open(2) FIFO (exact rule, no writer), then open
 *				OTHER: "fifo: FIFO ok in M ms, OTHER ok in M ms"
 *	block PATH		open(2) PATH in a loop forever
 *	badptr			open(2) of bad pointers: "badptr: EFAULT EFAULT"
 *	memflip N GOOD BAD MARK	open(2) of one buffer N times while a thread
 *				rewrites it between GOOD and BAD as fast as it
 *				can (the path changes after the broker copied
 *				it): "memflip: N opens, K ok, L leaks"
 *	chdirflip N GOOD BAD NAME
 *				chdir(2) of one buffer N times while a thread
 *				rewrites it between GOOD (a folder the worker
 *				may see) and BAD (one it may not): chdir is
 *				decided on the broker's copy, then the kernel
 *				reads the path again.  Each time it lands in BAD
 *				(getcwd), try to learn more than that: stat the
 *				working folder (fstatat and statx with "" and
 *				with NULL, AT_EMPTY_PATH), open ".", and open
 *				NAME relative to it.  "chdirflip: N chdirs, K in
 *				BAD, L leaks"; the leaks are named on stderr
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "badpath.h"
#include "filebroker.h"
#include "proto.h"

/* open(2) as the system call: libc's open() is the preload library's in a
 * transparent-mode worker, which sends it on its lane (lane.c) instead of
 * through the seccomp filter these attacks are aimed at. */
static int
sys_open(const char *path, int flags)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

static int bootstrap = -1;

static const char *
ename(int e)
{
	const char *n = strerrorname_np(e);

	return n != NULL ? n : "E?";
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static char *
unhex(const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	char *out = calloc(1, n + 1);
	unsigned v;

	if (out == NULL)
		exit(2);
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			exit(2);
		out[i] = (char)v;
	}
	return out;
}

/* Read fd into buf (NUL-terminated); close it. */
static void
slurp(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
}

/* ---- raw protocol ------------------------------------------------------ */

static int
send_raw(int sock, const void *buf, size_t len)
{
	return send(sock, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* One reply: its length, 0 at end of file, -1 on error, -2 on timeout. */
static ssize_t
recv_reply(int sock, uint8_t *buf, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	if (poll(&p, 1, timeout_ms) != 1)
		return -2;
	memset(&m, 0, sizeof(m));
	iov.iov_base = buf;
	iov.iov_len = FB_MSG_MAX;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = c.b;
	m.msg_controllen = sizeof(c.b);
	n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	cm = CMSG_FIRSTHDR(&m);
	if (n > 0 && cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return n;
}

/* Send a request, get its reply; the reply's errno (0 ok), or -1 when the
 * connection failed.  *fd gets a descriptor that came with it. */
static int
call(int sock, uint16_t type, const char *path, int *fd)
{
	uint8_t buf[FB_MSG_MAX];
	struct fb_request r;
	struct fb_reply rep;
	const char *why;
	ssize_t n;
	int dummy;

	if (fd == NULL)
		fd = &dummy;
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.id = 42;
	snprintf(r.path, sizeof(r.path), "%s", path);
	if ((n = proto_encode_request(&r, buf, sizeof(buf))) < 0 ||
	    send_raw(sock, buf, (size_t)n) == -1)
		return -1;
	n = recv_reply(sock, buf, fd, 5000);
	if (n <= 0 || proto_decode_reply(buf, (size_t)n, &rep, &why) == -1) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		return -1;
	}
	if (fd == &dummy && dummy != -1)
		close(dummy);
	return (int)rep.error;
}

static int
new_channel(int *err)
{
	int fd = -1, e = call(bootstrap, FB_MSG_CHANNEL, "", &fd);

	*err = e;
	if (e != 0 && fd != -1) {
		close(fd);
		fd = -1;
	}
	return e == 0 ? fd : -1;
}

/* Does sock answer a stat of path?  "ok", "ok(ENAME)" for an errno
 * answer, "DEAD" when the connection failed. */
static const char *
serving(int sock, const char *path)
{
	static char buf[4][64];
	static int k;
	int e = call(sock, FB_MSG_STAT, path, NULL);

	if (e < 0)
		return "DEAD";
	if (e == 0)
		return "ok";
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "ok(%s)", ename(e));
	return buf[k];
}

static int
closed(int sock)
{
	uint8_t buf[FB_MSG_MAX];
	int fd;
	ssize_t n = recv_reply(sock, buf, &fd, 5000);

	if (fd != -1)
		close(fd);
	return n == 0 || (n == -1 && errno == ECONNRESET);
}

/* ---- modes ---------------------------------------------------------------- */

/* "open: ok CONTENT" for the descriptor an open gave, or "open: ENAME". */
static int
open_said(int fd)
{
	char buf[256];

	if (fd == -1) {
		printf("open: %s\n", ename(errno));
		return 1;
	}
	slurp(fd, buf, sizeof(buf));
	printf("open: ok %s\n", buf);
	return 0;
}

static int
mode_open(const char *hex, int sys)
{
	char *path = unhex(hex);
	int fd = sys ? sys_open(path, O_RDONLY | O_CLOEXEC) : fb_open(path, O_RDONLY | O_CLOEXEC);

	return open_said(fd);
}

static int
mode_openat2(const char *hex, const char *resolve)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC;
	how.resolve = strtoull(resolve, NULL, 0);
	return open_said((int)syscall(SYS_openat2, AT_FDCWD, unhex(hex), &how, sizeof(how)));
}

static int
mode_timed(long n, const char *hex)
{
	char *path = unhex(hex);
	struct timespec t0;
	long i, ok = 0, ms, worst = 0;
	int fd;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((fd = sys_open(path, O_RDONLY | O_CLOEXEC)) != -1) {
			ok++;
			close(fd);
		}
		if ((ms = ms_since(&t0)) > worst)
			worst = ms;
	}
	printf("timed: %ld opens, %ld ok, %ld ms each\n", n, ok, worst);
	return 0;
}

static int
mode_loop(long n, const char *path, const char *mark, int sys)
{
	long i, ok = 0, leaks = 0, other = 0;
	char buf[256];
	int fd, e;

	for (i = 0; i < n; i++) {
		fd = sys ? sys_open(path, O_RDONLY | O_CLOEXEC) :
			   fb_open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			e = errno;
			if (e != ENOENT && e != EACCES && e != ELOOP && e != ENOTDIR)
				other++;
			continue;
		}
		ok++;
		slurp(fd, buf, sizeof(buf));
		if (strstr(buf, mark) != NULL)
			leaks++;
	}
	printf("loop: %ld opens, %ld ok, %ld leaks, %ld odd errors\n", n, ok, leaks, other);
	return leaks != 0;
}

static int
mode_channels(long n, const char *path)
{
	struct rlimit rl;
	int *ch = calloc((size_t)n, sizeof(int)), e = 0;
	long k = 0, i;
	const char *s1, *s2;

	if (ch == NULL)
		return 2;
	/* Room on our side for every channel we may get. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (k = 0; k < n; k++)
		if ((ch[k] = new_channel(&e)) == -1)
			break;
	s1 = serving(bootstrap, path);
	for (i = 0; i < k; i++)
		close(ch[i]);
	/* The broker notices the closed channels when it next looks: ask
	 * until it has, for 10 s at most, however loaded the machine. */
	{
		int ne, c, tries = 0;

		while ((c = new_channel(&ne)) == -1 && ne == EMFILE && ++tries < 100)
			usleep(100000);
		s2 = c != -1 ? serving(c, path) : "DEAD";
	}
	printf("channels: %ld granted, then %s; serving: %s %s\n", k,
	    k == n    ? "none refused" :
		e > 0 ? ename(e) :
			"connection lost",
	    s1, s2);
	return 0;
}

static int
mode_empty(const char *path)
{
	int e, ch = new_channel(&e), ch2;

	if (ch == -1)
		return 2;
	send_raw(ch, "", 0);
	printf("empty: %s, ", closed(ch) ? "closed" : "OPEN");
	ch2 = new_channel(&e);
	printf("%s\n", ch2 != -1 && strcmp(serving(ch2, path), "ok") == 0 ? "serving" : "DEAD");
	return 0;
}

static int
mode_msgmax(const char *path)
{
	static uint8_t buf[FB_MSG_MAX + 1];
	uint16_t u16;
	uint32_t id = 1;
	size_t plen = FB_PATH_MAX - 1;
	int e, ch, a, b, c;

	/* STAT whose string runs to the last byte of FB_MSG_MAX. */
	memset(buf, 'a', sizeof(buf));
	u16 = FB_PROTO_VERSION;
	memcpy(buf, &u16, 2);
	u16 = FB_MSG_STAT;
	memcpy(buf + 2, &u16, 2);
	memcpy(buf + 4, &id, 4);
	u16 = (uint16_t)(FB_MSG_MAX - FB_HDR_SIZE - 2);
	memcpy(buf + FB_HDR_SIZE, &u16, 2);
	buf[FB_HDR_SIZE + 2] = '/';
	ch = new_channel(&e);
	send_raw(ch, buf, FB_MSG_MAX);
	a = closed(ch);
	ch = new_channel(&e);
	send_raw(ch, buf, FB_MSG_MAX + 1);
	b = closed(ch);
	/* The longest well-formed request: two 4095-byte paths. */
	{
		static struct fb_request r;
		ssize_t n;
		int fd;

		memset(&r, 0, sizeof(r));
		r.type = FB_MSG_RENAME;
		r.id = 9;
		memset(r.path, 'p', plen);
		r.path[0] = '/';
		memset(r.path2, 'q', plen);
		r.path2[0] = '/';
		n = proto_encode_request(&r, buf, sizeof(buf));
		ch = new_channel(&e);
		c = n > 0 && send_raw(ch, buf, (size_t)n) == 0 &&
		    recv_reply(ch, buf, &fd, 5000) > 0;
	}
	printf("msgmax: exactly FB_MSG_MAX %s, FB_MSG_MAX+1 %s, longest valid %s, serving %s\n",
	    a ? "closed" : "OPEN", b ? "closed" : "OPEN", c ? "answered" : "UNANSWERED",
	    serving(bootstrap, path));
	return 0;
}

static int
mode_nofile(const char *path)
{
	struct rlimit rl = { 16, 16 };
	struct timespec t0;
	int fd = -1, last = -1, k = 0;

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((fd = sys_open(path, O_RDONLY | O_CLOEXEC)) != -1 && k < 100) {
		last = fd;
		k++;
	}
	printf("nofile: %s after %d, in %ld ms; ", fd == -1 ? ename(errno) : "no limit", k,
	    ms_since(&t0));
	if (last != -1)
		close(last);
	fd = sys_open(path, O_RDONLY | O_CLOEXEC);
	printf("after close: %s\n", fd != -1 ? "ok" : ename(errno));
	return 0;
}

/* A folder request (FB_MSG_AT) for name carrying fd 253 times, the most
 * one message may carry: a violation, each of them the broker's to close. */
static void
many_fds(int sock, int fd, const char *name)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 253)];
	} c;
	uint8_t buf[FB_MSG_MAX];
	struct fb_request r;
	struct msghdr m;
	struct iovec iov;
	ssize_t n;
	int i;

	memset(&r, 0, sizeof(r));
	r.type = FB_MSG_STAT;
	r.at = 1;
	snprintf(r.path, sizeof(r.path), "%s", name);
	if ((n = proto_encode_request(&r, buf, sizeof(buf))) < 0)
		return;
	memset(&m, 0, sizeof(m));
	memset(&c, 0, sizeof(c));
	iov.iov_base = buf;
	iov.iov_len = (size_t)n;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = c.b;
	m.msg_controllen = sizeof(c.b);
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	c.h.cmsg_len = CMSG_LEN(sizeof(int) * 253);
	for (i = 0; i < 253; i++)
		memcpy(CMSG_DATA(&c.h) + i * sizeof(int), &fd, sizeof(int));
	(void)sendmsg(sock, &m, MSG_NOSIGNAL);
}

static void
phase(long n, const char *path, const char *missing, const char *denied)
{
	char buf[64], folder[FB_PATH_MAX];
	const char *name = strrchr(path, '/') + 1;
	DIR *d;
	long i;
	int fd, e, ch;

	snprintf(folder, sizeof(folder), "%.*s", (int)(name - path), path);
	for (i = 0; i < n; i++) {
		switch (i % 10) {
		case 0:
			if ((fd = fb_open(path, O_RDONLY)) != -1)
				slurp(fd, buf, sizeof(buf));
			break;
		case 1:
			if ((fd = sys_open(path, O_RDONLY)) != -1)
				slurp(fd, buf, sizeof(buf));
			break;
		case 2:
			fb_open(missing, O_RDONLY);
			break;
		case 3:
			sys_open(denied, O_RDONLY);
			break;
		case 4: {
			struct stat st;

			stat(path, &st);
			stat(missing, &st);
			break;
		}
		case 5:
			if ((ch = new_channel(&e)) != -1) {
				call(ch, FB_MSG_STAT, path, NULL);
				close(ch);
			}
			break;
		case 6:
			if ((ch = new_channel(&e)) != -1) {
				send_raw(ch, "garbage!garbage!", 16); /* a violation */
				closed(ch);
				close(ch);
			}
			break;
		case 7:
			if ((d = fb_opendir(folder)) == NULL)
				break;
			if ((fd = fb_openat(dirfd(d), name, O_RDONLY)) != -1)
				slurp(fd, buf, sizeof(buf));
			if ((ch = new_channel(&e)) != -1) {
				many_fds(ch, dirfd(d), name);
				closed(ch);
				close(ch);
			}
			closedir(d);
			break;
		default:
			fb_open("relative/path", O_RDONLY);
			break;
		}
	}
}

static int
mode_badptr(void)
{
	const char *page;
	int a, b, ea, eb;

	/* NULL-ish, then a path running into an unmapped page without a NUL. */
	a = sys_open((const char *)8, O_RDONLY);
	ea = errno;
	if ((page = path_into_nothing()) == NULL)
		return 2;
	b = sys_open(page, O_RDONLY);
	eb = errno;
	printf("badptr: %s %s\n", a == -1 ? ename(ea) : "OPENED", b == -1 ? ename(eb) : "OPENED");
	return 0;
}

static char flipbuf[4096];
static const char *flip_a, *flip_b;
static atomic_int flip_stop;
static int flip_cpu = -1; /* the CPU the flipper moves to, or -1 */

static void *
flipper(void *arg)
{
	size_t la = strlen(flip_a) + 1, lb = strlen(flip_b) + 1;
	cpu_set_t set;

	(void)arg;
	if (flip_cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(flip_cpu, &set);
		(void)sched_setaffinity(0, sizeof(set), &set);
	}
	while (!atomic_load(&flip_stop)) {
		memcpy(flipbuf, flip_a, la);
		memcpy(flipbuf, flip_b, lb);
	}
	return NULL;
}

static int
mode_memflip(long n, const char *good, const char *bad, const char *mark)
{
	long i, ok = 0, leaks = 0;
	pthread_t t;
	char buf[256];
	int fd;

	flip_a = good;
	flip_b = bad;
	memcpy(flipbuf, good, strlen(good) + 1);
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return 2;
	for (i = 0; i < n; i++) {
		if ((fd = sys_open(flipbuf, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		ok++;
		slurp(fd, buf, sizeof(buf));
		if (strstr(buf, mark) != NULL)
			leaks++;
	}
	atomic_store(&flip_stop, 1);
	pthread_join(t, NULL);
	printf("memflip: %ld opens, %ld ok, %ld leaks\n", n, ok, leaks);
	return leaks != 0;
}

/* In the hidden folder: every way to read it through the working folder. */
static long
cwd_leaks(const char *name)
{
	struct statx sx;
	struct stat st;
	long leaks = 0;
	int fd;

	if (syscall(SYS_newfstatat, AT_FDCWD, "", &st, AT_EMPTY_PATH) == 0) {
		fprintf(stderr, "leak: newfstatat(AT_FDCWD, \"\", AT_EMPTY_PATH): mode %o\n",
		    (unsigned)st.st_mode);
		leaks++;
	}
	if (syscall(SYS_newfstatat, AT_FDCWD, NULL, &st, AT_EMPTY_PATH) == 0) {
		fprintf(stderr, "leak: newfstatat(AT_FDCWD, NULL, AT_EMPTY_PATH)\n");
		leaks++;
	}
	if (syscall(SYS_statx, AT_FDCWD, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0) {
		fprintf(stderr, "leak: statx(AT_FDCWD, \"\", AT_EMPTY_PATH)\n");
		leaks++;
	}
	if (syscall(SYS_statx, AT_FDCWD, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0) {
		fprintf(stderr, "leak: statx(AT_FDCWD, NULL, AT_EMPTY_PATH)\n");
		leaks++;
	}
	if ((fd = sys_open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fprintf(stderr, "leak: sys_open(\".\")\n");
		close(fd);
		leaks++;
	}
	if ((fd = sys_open(name, O_RDONLY | O_CLOEXEC)) != -1) {
		fprintf(stderr, "leak: sys_open(\"%s\") relative to it\n", name);
		close(fd);
		leaks++;
	}
	return leaks;
}

static int
mode_chdirflip(long n, const char *good, const char *bad, const char *name)
{
	long i, in_bad = 0, leaks = 0;
	char cwd[4096];
	pthread_t t;

	flip_a = good;
	flip_b = bad;
	memcpy(flipbuf, good, strlen(good) + 1);
	/* The worker may be kept on the broker's CPU (--placement shared);
	 * it may move its threads, and a flipper on another CPU
	 * rewrites the path while the kernel has it, not only between
	 * time slices. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		cpu_set_t set;
		int me = sched_getcpu() < 0 ? 0 : sched_getcpu();

		flip_cpu = me == 0 ? 1 : 0;
		CPU_ZERO(&set);
		CPU_SET(me, &set);
		(void)sched_setaffinity(0, sizeof(set), &set);
	}
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return 2;
	for (i = 0; i < n; i++) {
		if (chdir(flipbuf) == -1)
			continue;
		if (getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, bad) == 0) {
			in_bad++;
			leaks += cwd_leaks(name);
		}
		if (chdir(good) == -1)
			return 2;
	}
	atomic_store(&flip_stop, 1);
	pthread_join(t, NULL);
	printf("chdirflip: %ld chdirs, %ld in BAD, %ld leaks\n", n, in_bad, leaks);
	return leaks != 0;
}

int
main(int argc, char **argv)
{
	const char *env = getenv(FB_ENV_FD);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "badptr") == 0)
		return mode_badptr();
	if (argc < 3) {
		fprintf(stderr, "usage: attack_worker MODE ARG... (see the source)\n");
		return 2;
	}
	if (env != NULL)
		bootstrap = atoi(env);
	if (strcmp(argv[1], "open") == 0)
		return mode_open(argv[2], 0);
	if (strcmp(argv[1], "sysopen") == 0)
		return mode_open(argv[2], 1);
	if (strcmp(argv[1], "openat2") == 0 && argc >= 4)
		return mode_openat2(argv[2], argv[3]);
	if (strcmp(argv[1], "timed") == 0 && argc >= 4)
		return mode_timed(atol(argv[2]), argv[3]);
	if (strcmp(argv[1], "loop") == 0 && argc >= 5)
		return mode_loop(atol(argv[2]), argv[3], argv[4], argc > 5);
	if (strcmp(argv[1], "channels") == 0 && argc >= 4)
		return mode_channels(atol(argv[2]), argv[3]);
	if (strcmp(argv[1], "memflip") == 0 && argc >= 6)
		return mode_memflip(atol(argv[2]), argv[3], argv[4], argv[5]);
	if (strcmp(argv[1], "chdirflip") == 0 && argc >= 6)
		return mode_chdirflip(atol(argv[2]), argv[3], argv[4], argv[5]);
	if (strcmp(argv[1], "empty") == 0)
		return mode_empty(argv[2]);
	if (strcmp(argv[1], "msgmax") == 0)
		return mode_msgmax(argv[2]);
	if (strcmp(argv[1], "nofile") == 0)
		return mode_nofile(argv[2]);
	if (strcmp(argv[1], "phases") == 0 && argc >= 6) {
		phase(atol(argv[2]), argv[3], argv[4], argv[5]);
		printf("phase 1 done\n");
		sleep(2);
		phase(atol(argv[2]), argv[3], argv[4], argv[5]);
		printf("phase 2 done\n");
		sleep(3);
		return 0;
	}
	if (strcmp(argv[1], "fifo") == 0 && argc >= 4) {
		struct timespec t0;
		long a, b;
		int f1, f2, e1, e2;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		f1 = sys_open(argv[2], O_RDONLY | O_CLOEXEC);
		e1 = errno;
		a = ms_since(&t0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		f2 = sys_open(argv[3], O_RDONLY | O_CLOEXEC);
		e2 = errno;
		b = ms_since(&t0);
		printf("fifo: fifo %s in %ld ms, other %s in %ld ms\n", f1 != -1 ? "ok" : ename(e1),
		    a, f2 != -1 ? "ok" : ename(e2), b);
		return 0;
	}
	if (strcmp(argv[1], "block") == 0) {
		for (;;) {
			int fd = sys_open(argv[2], O_RDONLY | O_CLOEXEC);

			if (fd != -1)
				close(fd);
		}
	}
	fprintf(stderr, "attack_worker: unknown mode %s\n", argv[1]);
	return 2;
}
