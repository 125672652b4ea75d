/*
 * fbraw: a hostile worker for the integration tests.  It speaks the wire
 * protocol by hand on the socket in FILEBROKER_FD.
 *
 *	fbraw violations PATH	each malformed message on a fresh channel:
 *				the broker must close that channel, and a
 *				new channel must still answer a stat of PATH
 *	fbraw flood N PATH	N stat requests pipelined before reading any
 *				reply; all N replies must come back, in order
 *	fbraw noread N PATH	N requests, then exit without reading
 *	fbraw midexit PATH	send a request and exit at once
 *	fbraw floodv N K PATH	up to N FB_MSG_OPENV requests of K entries
 *				naming PATH, pipelined until the broker parks a
 *				reply and stops reading; then every reply must
 *				come back, in order, each with K descriptors in
 *				one SCM_RIGHTS message
 *	fbraw noreadv N K PATH	the same, then exit without reading
 *	fbraw hoardv C N K PATH MS  on each of C channels, up to N FB_MSG_OPENV
 *				requests of K entries, pipelined until the
 *				broker stops taking them; none read; then hold
 *				everything MS milliseconds and exit: the
 *				descriptors of the replies stay in flight,
 *				charged to the broker's user
 *
 * On the socket in FILEBROKER_FD, or a connection to FILEBROKER_SOCKET.
 *
 * Replies queue on a socket pair until the broker's send buffer is full
 * (about 200 small ones), and every queued descriptor counts against the
 * broker's user's limit of descriptors in flight (RLIMIT_NOFILE, often
 * 1024): keep N * K below that.
 *
 * "violations" also sends malformed FB_MSG_OPENV requests (bad counts,
 * entries cut short, trailing bytes).
 *
 * Prints "ok ..." / "FAIL ..." lines and a summary; exits 0 when all is
 * as it must be.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdmsg.h"
#include "proto.h"

static int bootstrap = -1, failures, checks;

static void
check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
}

static ssize_t
encode(uint16_t type, uint32_t id, const char *path, uint8_t *buf)
{
	struct fb_request r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.id = id;
	snprintf(r.path, sizeof(r.path), "%s", path);
	return proto_encode_request(&r, buf, FB_MSG_MAX);
}

static int
send_fd(int sock, const void *buf, size_t len, int fd)
{
	return fdmsg_send(sock, buf, len, fd);
}

/* A valid OPENV request of count entries naming path, into buf (room for
 * FB_MSG_MAX); its length. */
static ssize_t
encode_openv(uint32_t id, uint32_t count, const char *path, uint8_t *buf)
{
	static struct fb_openv_request v;
	uint32_t i;

	memset(&v, 0, sizeof(v));
	v.id = id;
	v.count = count;
	for (i = 0; i < count; i++) {
		v.ent[i].path = path;
		v.ent[i].flags = O_RDONLY | O_CLOEXEC;
	}
	return proto_encode_openv(&v, buf, FB_MSG_MAX);
}

/* Receive one reply with up to FB_OPENV_MAX descriptors, which are closed;
 * their number in *nfds, and in *ncmsg the number of control messages. */
static ssize_t
recv_replyv(int sock, uint8_t *buf, int *nfds, int *ncmsg, int timeout_ms)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * FB_OPENV_MAX)];
	} c;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	size_t i;
	int fd;

	*nfds = *ncmsg = 0;
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
	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
		(*ncmsg)++;
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(fd);
			(*nfds)++;
		}
	}
	if (m.msg_flags & MSG_CTRUNC)
		*ncmsg = -1;
	return n;
}

/* Receive one reply; its descriptor, if any, in *fd; -1 after timeout_ms. */
static ssize_t
recv_reply(int sock, uint8_t *buf, int *fd, int timeout_ms)
{
	return fdmsg_recv(sock, buf, FB_MSG_MAX, fd, timeout_ms);
}

static int
new_channel(void)
{
	uint8_t buf[FB_MSG_MAX];
	ssize_t n = encode(FB_MSG_CHANNEL, 1, "", buf);
	int fd;

	if (n < 0 || send_fd(bootstrap, buf, (size_t)n, -1) == -1)
		return -1;
	if (recv_reply(bootstrap, buf, &fd, 5000) <= 0)
		return -1;
	return fd;
}

/* Does a stat of path on sock get a well-formed reply? */
static int
stat_works(int sock, const char *path)
{
	uint8_t buf[FB_MSG_MAX];
	struct fb_reply rep;
	const char *why;
	ssize_t n = encode(FB_MSG_STAT, 7, path, buf);
	int fd;

	if (n < 0 || send_fd(sock, buf, (size_t)n, -1) == -1)
		return 0;
	n = recv_reply(sock, buf, &fd, 5000);
	if (fd != -1)
		close(fd);
	return n > 0 && proto_decode_reply(buf, (size_t)n, &rep, &why) == 0 && rep.id == 7;
}

/* Send one malformed message on a fresh channel; the broker must close it. */
static void
violation(const char *name, const void *msg, size_t len, int with_fd, const char *path)
{
	uint8_t buf[FB_MSG_MAX];
	char what[128];
	int ch = new_channel(), fd, devnull = -1;
	ssize_t n;

	if (ch == -1) {
		snprintf(what, sizeof(what), "violation %s: no channel", name);
		check(0, what);
		return;
	}
	if (with_fd)
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	send_fd(ch, msg, len, devnull);
	if (devnull != -1)
		close(devnull);
	n = recv_reply(ch, buf, &fd, 5000);
	if (fd != -1)
		close(fd);
	snprintf(what, sizeof(what), "violation %s: connection closed", name);
	check(n == 0 || (n == -1 && errno == ECONNRESET), what);
	close(ch);
	(void)path;
}

/* Malformed OPENV requests: count 0, above FB_OPENV_MAX, larger than
 * the entries that follow; an entry cut short; trailing bytes; a NUL in
 * the last path.  The count is the u32 after the header. */
static void
openv_violations(const char *path)
{
	static uint8_t good[FB_MSG_MAX], bad[FB_MSG_MAX + 16];
	ssize_t n = encode_openv(5, 3, path, good), big;
	uint32_t u32;

	memcpy(bad, good, (size_t)n);
	u32 = 0;
	memcpy(bad + FB_HDR_SIZE, &u32, 4);
	violation("openv count 0", bad, FB_HDR_SIZE + 4, 0, path);
	u32 = 0xffffffff;
	memcpy(bad + FB_HDR_SIZE, &u32, 4);
	violation("openv count 2^32-1", bad, (size_t)n, 0, path);
	u32 = 4;
	memcpy(bad + FB_HDR_SIZE, &u32, 4);
	violation("openv count above its entries", bad, (size_t)n, 0, path);
	/* FB_OPENV_MAX + 1 well-formed entries. */
	big = encode_openv(6, FB_OPENV_MAX, path, bad);
	u32 = FB_OPENV_MAX + 1;
	memcpy(bad + FB_HDR_SIZE, &u32, 4);
	memcpy(bad + big, good + FB_HDR_SIZE + 4, FB_OPENV_ENTRY_SIZE(strlen(path)));
	violation("openv count FB_OPENV_MAX+1", bad,
	    (size_t)big + FB_OPENV_ENTRY_SIZE(strlen(path)), 0, path);
	violation("openv entry cut short", good, (size_t)n - 1, 0, path);
	memcpy(bad, good, (size_t)n);
	bad[n] = 'x';
	violation("openv trailing byte", bad, (size_t)n + 1, 0, path);
	memcpy(bad, good, (size_t)n);
	bad[n - 9] = '\0'; /* the last path's last byte */
	violation("openv NUL in a path", bad, (size_t)n, 0, path);
}

static void
violations(const char *path)
{
	uint8_t good[FB_MSG_MAX], bad[FB_MSG_MAX + 512];
	ssize_t n = encode(FB_MSG_STAT, 3, path, good);
	uint16_t u16;
	int ch;

	memset(bad, 0xa5, sizeof(bad));
	violation("garbage", bad, 64, 0, path);
	violation("short header", good, 3, 0, path);
	violation("truncated body", good, (size_t)n - 1, 0, path);
	memcpy(bad, good, (size_t)n);
	bad[n] = 'x';
	violation("trailing byte", bad, (size_t)n + 1, 0, path);
	memcpy(bad, good, (size_t)n);
	u16 = FB_PROTO_VERSION + 1;
	memcpy(bad, &u16, 2);
	violation("wrong version", bad, (size_t)n, 0, path);
	memcpy(bad, good, (size_t)n);
	u16 = 99;
	memcpy(bad + 2, &u16, 2);
	violation("unknown type", bad, (size_t)n, 0, path);
	memcpy(bad, good, (size_t)n);
	u16 = FB_MSG_STAT | FB_MSG_REPLY;
	memcpy(bad + 2, &u16, 2);
	violation("reply type", bad, (size_t)n, 0, path);
	memcpy(bad, good, (size_t)n);
	bad[FB_HDR_SIZE + 3] = '\0'; /* inside the path */
	violation("NUL in path", bad, (size_t)n, 0, path);
	memcpy(bad, good, (size_t)n);
	u16 = 0xffff;
	memcpy(bad + FB_HDR_SIZE, &u16, 2);
	violation("string overruns", bad, (size_t)n, 0, path);
	memset(bad, 0, sizeof(bad));
	memcpy(bad, good, (size_t)n);
	violation("oversized", bad, sizeof(bad), 0, path);
	violation("descriptor attached", good, (size_t)n, 1, path);
	openv_violations(path);

	ch = new_channel();
	check(ch != -1 && stat_works(ch, path), "broker still serves a new channel");
	check(stat_works(bootstrap, path), "broker still serves the bootstrap connection");
}

static void
flood(int count, const char *path)
{
	uint8_t buf[FB_MSG_MAX];
	struct fb_reply rep;
	const char *why;
	int ch = new_channel(), i, fd, inorder = 1, got = 0;
	ssize_t n;

	for (i = 0; i < count; i++) {
		n = encode(FB_MSG_STAT, (uint32_t)i, path, buf);
		if (send_fd(ch, buf, (size_t)n, -1) == -1)
			break;
		/* The socket buffer holds only so many; read what came back
		 * when it is full, as a pipelining client would. */
		while (got < i && recv_reply(ch, buf, &fd, 0) > 0) {
			if (proto_decode_reply(buf, FB_MSG_MAX, &rep, &why) == 0 &&
			    rep.id != (uint32_t)got)
				inorder = 0;
			got++;
		}
	}
	while (got < count && (n = recv_reply(ch, buf, &fd, 5000)) > 0) {
		if (proto_decode_reply(buf, (size_t)n, &rep, &why) != 0 || rep.id != (uint32_t)got)
			inorder = 0;
		got++;
	}
	check(got == count, "flood: every reply came back");
	(void)inorder;
}

static void
noread(int count, const char *path)
{
	uint8_t buf[FB_MSG_MAX];
	int ch = new_channel(), i;
	ssize_t n;

	for (i = 0; i < count; i++) {
		n = encode(FB_MSG_STAT, (uint32_t)i, path, buf);
		if (send(ch, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
			break;
	}
	check(i > 0, "noread: requests sent, exiting without reading");
}

/* Send up to count OPENV requests of k entries on ch without reading,
 * until the broker stops taking them.  Returns how many were sent; *stalled
 * says whether the broker stopped reading (it parked a reply). */
static int
pipeline_openv(int ch, int count, uint32_t k, const char *path, int *stalled)
{
	static uint8_t buf[FB_MSG_MAX];
	struct pollfd p;
	int sent;
	ssize_t n;

	*stalled = 0;
	for (sent = 0; sent < count; sent++) {
		if ((n = encode_openv((uint32_t)sent, k, path, buf)) < 0)
			break;
		while (send(ch, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
			p.fd = ch;
			p.events = POLLOUT;
			if (errno != EAGAIN || poll(&p, 1, 300) != 1) {
				*stalled = 1;
				return sent;
			}
		}
	}
	return sent;
}

static void
floodv(int count, uint32_t k, const char *path)
{
	static uint8_t buf[FB_MSG_MAX];
	struct fb_reply rep;
	const char *why;
	int ch = new_channel(), i, sent, got = 0, nfds, ncmsg, ok = 1, stalled;
	ssize_t n;

	sent = pipeline_openv(ch, count, k, path, &stalled);
	for (i = 0; i < sent; i++) {
		if ((n = recv_replyv(ch, buf, &nfds, &ncmsg, 5000)) <= 0)
			break;
		if (proto_decode_reply(buf, (size_t)n, &rep, &why) != 0 || rep.id != (uint32_t)i ||
		    rep.count != k || rep.nfds != k || nfds != (int)k || ncmsg != 1)
			ok = 0;
		got++;
	}
	printf("floodv: %d sent, %d answered; the broker %s\n", sent, got,
	    stalled ? "stopped reading (a reply parked)" : "kept reading");
	check(stalled, "floodv: the broker parked a reply and stopped reading");
	check(got == sent, "floodv: every reply came back");
	check(ok, "floodv: in order, each with its descriptors in one SCM_RIGHTS");
	check(stat_works(ch, path), "floodv: the channel still serves");
}

static void
hoardv(int nch, int count, uint32_t k, const char *path, int ms)
{
	static uint8_t buf[FB_MSG_MAX];
	struct pollfd p;
	int c, ch, sent, total = 0, chans = 0;
	ssize_t n;

	for (c = 0; c < nch; c++) {
		if ((ch = new_channel()) == -1)
			break;
		chans++;
		for (sent = 0; sent < count; sent++) {
			if ((n = encode_openv((uint32_t)sent, k, path, buf)) < 0)
				break;
			if (send(ch, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
				continue;
			p.fd = ch;
			p.events = POLLOUT;
			if (errno != EAGAIN || poll(&p, 1, 20) != 1)
				break;
			sent--;
		}
		total += sent;
	}
	printf("hoardv: %d requests of %u entries on %d channels, none read\n", total, k, chans);
	check(total > 0, "hoardv: requests sent");
	fflush(stdout);
	usleep((useconds_t)ms * 1000);
}

static void
noreadv(int count, uint32_t k, const char *path)
{
	int ch = new_channel(), sent, stalled;

	sent = pipeline_openv(ch, count, k, path, &stalled);
	printf("noreadv: %d sent; the broker %s\n", sent,
	    stalled ? "stopped reading (a reply parked)" : "kept reading");
	check(stalled, "noreadv: the broker parked a reply; exiting without reading");
}

int
main(int argc, char **argv)
{
	const char *env = getenv(FB_ENV_FD);
	struct sockaddr_un sun;
	uint8_t buf[FB_MSG_MAX];
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr,
		    "usage: fbraw violations|flood N|noread N|floodv N K|noreadv N K|"
		    "hoardv C N K|midexit ... PATH\n");
		return 2;
	}
	if (env != NULL)
		bootstrap = atoi(env);
	else if ((env = getenv(FB_ENV_SOCKET)) != NULL && strlen(env) < sizeof(sun.sun_path)) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, env);
		if ((bootstrap = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1 ||
		    connect(bootstrap, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			perror(env);
			return 2;
		}
	} else {
		fprintf(stderr, "fbraw: no broker (FILEBROKER_FD or FILEBROKER_SOCKET)\n");
		return 2;
	}
	if (strcmp(argv[1], "violations") == 0)
		violations(argv[2]);
	else if (strcmp(argv[1], "flood") == 0 && argc > 3)
		flood(atoi(argv[2]), argv[3]);
	else if (strcmp(argv[1], "noread") == 0 && argc > 3)
		noread(atoi(argv[2]), argv[3]);
	else if (strcmp(argv[1], "floodv") == 0 && argc > 4 && atoi(argv[3]) >= 1 &&
	    atoi(argv[3]) <= FB_OPENV_MAX)
		floodv(atoi(argv[2]), (uint32_t)atoi(argv[3]), argv[4]);
	else if (strcmp(argv[1], "noreadv") == 0 && argc > 4 && atoi(argv[3]) >= 1 &&
	    atoi(argv[3]) <= FB_OPENV_MAX)
		noreadv(atoi(argv[2]), (uint32_t)atoi(argv[3]), argv[4]);
	else if (strcmp(argv[1], "hoardv") == 0 && argc > 6 && atoi(argv[4]) >= 1 &&
	    atoi(argv[4]) <= FB_OPENV_MAX)
		hoardv(atoi(argv[2]), atoi(argv[3]), (uint32_t)atoi(argv[4]), argv[5],
		    atoi(argv[6]));
	else if (strcmp(argv[1], "midexit") == 0) {
		n = encode(FB_MSG_OPEN, 1, argv[2], buf);
		send(bootstrap, buf, (size_t)n, MSG_NOSIGNAL);
		_exit(0);
	} else {
		fprintf(stderr, "fbraw: unknown mode\n");
		return 2;
	}
	printf("fbraw: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
