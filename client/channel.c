/*
 * channel.c: libfilebroker's connections to the broker.
 *
 * The socket the broker leaves in FILEBROKER_FD is shared by every process
 * that inherits it: a worker that forks, or execs a child, hands the same
 * socket on.  Two processes (or threads) reading replies from one socket
 * would steal each other's answers, so ordinary requests never travel on it.
 * It is the *bootstrap* socket: a process sends FB_MSG_CHANNEL there and
 * receives a private socket to the same broker session, a channel.  CHANNEL
 * replies are interchangeable, so if a parent and a child ask at the same
 * moment and each reads the other's reply, both still get a working channel;
 * that is why the id of a CHANNEL reply is not checked.
 *
 * A connection (struct fb_conn) is one bootstrap socket and, per process,
 * a pool of up to CHANNEL_MAX channels made through it.  The calls without
 * a handle use the default connection, made from the environment on first
 * use; fb_conn_new() and fb_conn_from_fd() make others, to the same broker
 * or to other brokers, and each has its own pool and its own lock.  A
 * thread owns one channel for one request and its reply, so concurrent
 * threads do not queue behind one socket, and a reply can only be read by
 * the thread that sent the request.  After fork() the child drops the
 * parent's channels of every connection (it has copies of the descriptors,
 * but the parent's threads are using them) and builds its own pools from
 * the inherited bootstrap sockets.
 *
 * A daemon (filebroker serve) may close the connections of a peer that has
 * been idle while it is short of room (--idle-timeout).  A request that
 * could not even be sent, because the broker had closed that channel, was
 * not seen by the broker and is sent once more on a new channel; when the
 * bootstrap socket was closed too and this process connected it to a path
 * itself, it connects again first.  A request that was sent and got no
 * answer is never sent again: the broker may have done it.
 *
 * The broker is trusted to answer honestly but a reply is still decoded as
 * strictly as a request: a confused reply stream must not hand one thread
 * another thread's descriptor, and no descriptor may leak into the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "channel.h"
#include "monotime.h"
#include "proto.h"

struct slot {
	int fd;	    /* -1: empty */
	int busy;   /* owned by one thread for one request */
	int doomed; /* fb_disconnect() ran while busy: close on release */
};

/*
 * A connection to one broker (fb_conn in filebroker.h): its bootstrap
 * socket and its pool of channels.  lock guards everything in it but next.
 * It is also held while a new channel is requested on the bootstrap
 * socket, which serialises the bootstrap exchanges of that connection;
 * that is rare (at most CHANNEL_MAX times per process and connection) and
 * short, and never holds up another connection's requests.
 */
struct fb_conn {
	pthread_mutex_t lock;
	pthread_cond_t freed; /* a slot became idle or empty */
	int boot_fd;	      /* -1: not connected */
	int boot_owned;	      /* we opened boot_fd, or were given it: close it */
	char boot_path[108];  /* ... connected to this path: "" otherwise */
	pid_t pid;	      /* the process the pool belongs to */
	struct slot slot[CHANNEL_MAX];
	struct fb_conn *next; /* the registry; guarded by reg_lock */
};

/*
 * Every connection of the process, the default one (the calls without a
 * handle, connected from the environment on first use) first.  reg_lock
 * guards the list.  Lock order: reg_lock, then connections' locks in list
 * order; a thread holding a connection's lock takes no other lock.
 */
static struct fb_conn default_conn = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.freed = PTHREAD_COND_INITIALIZER,
	.boot_fd = -1,
	.slot = { [0 ... CHANNEL_MAX - 1] = { .fd = -1 } },
};
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static atomic_uint_fast32_t next_id = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * The rule the broker named in the last reply of this thread that named
 * one since channel_rule_forget(), "" for none: fb_last_rule()'s.  Per
 * thread, as errno is, so that no thread reads another's.
 */
static __thread char last_rule[FB_RULE_MAX];

/* Forget every channel; their descriptors are the parent's business. */
static void
reset_slots(struct fb_conn *c)
{
	int i;

	for (i = 0; i < CHANNEL_MAX; i++) {
		if (c->slot[i].fd >= 0)
			close(c->slot[i].fd);
		c->slot[i].fd = -1;
		c->slot[i].busy = 0;
		c->slot[i].doomed = 0;
	}
	c->pid = getpid();
}

/* A child made without fork(3)'s handlers (clone(2), _Fork(3)) still
 * holds its parent's pool.  Called with c->lock held. */
static void
check_pid(struct fb_conn *c)
{
	if (c->pid != getpid())
		reset_slots(c);
}

/*
 * fork() is bracketed by every lock, so the child's copy of each pool is
 * consistent, and the child's one thread holds each lock (the prepare
 * handler took them), which it releases.  A condition variable may count
 * waiters that do not exist in the child, so the child makes fresh ones.
 */
static void
atfork_prepare(void)
{
	struct fb_conn *c;

	pthread_mutex_lock(&reg_lock);
	for (c = &default_conn; c != NULL; c = c->next)
		pthread_mutex_lock(&c->lock);
}

static void
atfork_parent(void)
{
	struct fb_conn *c;

	for (c = &default_conn; c != NULL; c = c->next)
		pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&reg_lock);
}

static void
atfork_child(void)
{
	struct fb_conn *c;

	for (c = &default_conn; c != NULL; c = c->next) {
		pthread_cond_init(&c->freed, NULL);
		reset_slots(c);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&reg_lock);
}

static void
register_atfork(void)
{
	/* If this fails, check_pid() still catches the fork. */
	(void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Cancellation inside connect, send, recv, close or a wait would leave a
 * lock held or a channel busy forever: the library's calls finish first.
 * Returns the caller's state for cancel_restore(). */
static int
cancel_off(void)
{
	int cancel;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	return cancel;
}

/* Back to the caller's cancellation state, errno kept. */
static void
cancel_restore(int cancel)
{
	int saved = errno;

	if (cancel != PTHREAD_CANCEL_DISABLE) {
		pthread_setcancelstate(cancel, NULL);
		errno = saved;
	}
}

static int
validate_boot_fd(int fd)
{
	int type, domain;
	socklen_t len;

	if (fcntl(fd, F_GETFD) == -1)
		return -1; /* EBADF */
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1; /* ENOTSOCK */
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == -1)
		return -1;
	if (type != SOCK_SEQPACKET || domain != AF_UNIX) {
		errno = EPROTOTYPE;
		return -1;
	}
	return 0;
}

static int
connect_path(const char *path)
{
	struct sockaddr_un sun;
	size_t len = strlen(path);
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (len == 0) {
		errno = ENOENT;
		return -1;
	}
	if (len >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, len);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The descriptor FILEBROKER_FD names; -1 when it is unset, -2 when it is
 * not a decimal number that fits in an int. */
static int
env_fd(void)
{
	const char *s = getenv(FB_ENV_FD);
	char *end;
	long n;

	if (s == NULL)
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || n < 0 || n > INT_MAX)
		return -2;
	return (int)n;
}

/* Connect c, which is not connected, to socket_path, or when that is NULL
 * as the environment says.  Called with c->lock held. */
static int
attach_locked(struct fb_conn *c, const char *socket_path)
{
	const char *s;
	int fd;

	if (socket_path == NULL && (fd = env_fd()) != -1) {
		if (fd == -2) {
			errno = EBADF;
			return -1;
		}
		if (validate_boot_fd(fd) == -1)
			return -1;
		c->boot_fd = fd;
		c->boot_owned = 0;
		c->boot_path[0] = '\0';
		return 0;
	}
	if (socket_path == NULL && ((s = getenv(FB_ENV_SOCKET)) == NULL || *s == '\0')) {
		errno = ENOTCONN;
		return -1;
	}
	if (socket_path != NULL)
		s = socket_path;
	if ((fd = connect_path(s)) == -1)
		return -1;
	c->boot_fd = fd;
	c->boot_owned = 1;
	snprintf(c->boot_path, sizeof(c->boot_path), "%s", s);
	return 0;
}

/*
 * Make sure c has a bootstrap socket.  The default connection connects from
 * the environment on first use (and after fb_disconnect()); one that lost
 * the socket it connected to a path connects to that path again.  A
 * sandboxed process may not make a socket: the broker is gone for it, not a
 * path denied, so that failure is ECONNRESET.  Called with c->lock held.
 */
static int
ready_locked(struct fb_conn *c)
{
	int fd;

	if (c->boot_fd >= 0)
		return 0;
	if (c->boot_path[0] != '\0') {
		if ((fd = connect_path(c->boot_path)) == -1) {
			errno = ECONNRESET;
			return -1;
		}
		c->boot_fd = fd;
		return 0;
	}
	if (c == &default_conn)
		return attach_locked(c, NULL);
	errno = ECONNRESET;
	return -1;
}

static void
close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Send one message, with sendfd attached when it is not -1. */
static ssize_t
send_msg(int fd, const void *msg, size_t len, int sendfd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)msg;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (sendfd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &sendfd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL);
}

/*
 * One request and its reply on fd.  type and id are the request's, sendfd
 * a descriptor it carries or -1; expect is the most descriptors its reply
 * may carry (for FB_MSG_OPENV, its entry count, which a successful reply
 * must repeat), and fds has room for that many.  Returns 0 when a
 * well-formed reply to this request arrived (whatever its error), with its
 * rep->nfds descriptors in fds; -1 when the exchange failed and the socket
 * can no longer be trusted to be in step, with every descriptor that
 * arrived closed, and *unsent set when the request never left (the broker
 * had closed the socket: ECONNRESET).
 */
/*
 * How long a reply is polled for before the thread sleeps, in ns: what
 * FILEBROKER_LANE says (microseconds, 1-1000), which `filebroker run` sets
 * where its broker polls its channels after each reply (design.md, "The
 * preload lane"): both sides awake, no CPU halts between a request and
 * its reply.  0 without it.  Read once.
 */
static long long
poll_ns(void)
{
	static atomic_llong cached = -1;
	long long v = atomic_load(&cached);
	const char *e;
	char *end;
	long us;

	if (v >= 0)
		return v;
	v = 0;
	if ((e = getenv(FB_ENV_LANE)) != NULL) {
		errno = 0;
		us = strtol(e, &end, 10);
		if (errno == 0 && end != e && *end == '\0' && us > 0 && us <= 1000)
			v = (long long)us * 1000;
	}
	atomic_store(&cached, v);
	return v;
}

/* recvmsg(fd, mh) for a reply: polled for first (poll_ns(), giving the CPU
 * to any other task between two looks), then waited for. */
static ssize_t
recv_reply(int fd, struct msghdr *mh)
{
	size_t ctl = mh->msg_controllen;
	long long spin = poll_ns(), until = spin > 0 ? mono_ns() + spin : 0;
	ssize_t n;

	while (until != 0) {
		mh->msg_controllen = ctl;
		mh->msg_flags = 0;
		if ((n = recvmsg(fd, mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (mono_ns() >= until)
			break;
		sched_yield();
	}
	mh->msg_controllen = ctl;
	mh->msg_flags = 0;
	do
		n = recvmsg(fd, mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	return n;
}

static int
exchange(int fd, const void *msg, size_t len, int sendfd, unsigned type, uint32_t id, int match_id,
    unsigned expect, struct fb_reply *rep, int *fds, int *unsent)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * FB_OPENV_MAX)];
	} ctl;
	uint8_t buf[FB_REPLY_MAX];
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;
	/* Enough for what the control buffer can deliver: CMSG_SPACE rounds
	 * up, so a buffer "for k descriptors" may take one more. */
	int got[FB_OPENV_MAX + 2], ngot = 0, ncmsg = 0, i, k;
	const char *why;
	ssize_t n;
	size_t cnt;

	*unsent = 0;
	if (expect > FB_OPENV_MAX) {
		errno = EINVAL;
		return -1;
	}
	do
		n = send_msg(fd, msg, len, sendfd);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EPIPE || errno == ENOTCONN || errno == ECONNRESET) {
			errno = ECONNRESET;
			*unsent = 1;
		}
		return -1;
	}
	if ((size_t)n != len) {
		errno = EPROTO;
		return -1;
	}

	/* The control buffer has room for exactly the descriptors this reply
	 * may carry; for none, the kernel discards any and sets MSG_CTRUNC. */
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (expect > 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * expect);
	}
	if ((n = recv_reply(fd, &mh)) == -1)
		return -1;

	/* Collect every descriptor that arrived, whatever else is wrong, so
	 * that each one is either returned or closed. */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		if (c->cmsg_len < CMSG_LEN(0))
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < (int)cnt; k++) {
			int rfd;

			memcpy(&rfd, CMSG_DATA(c) + (size_t)k * sizeof(int), sizeof(int));
			if (ngot < (int)(sizeof(got) / sizeof(got[0])))
				got[ngot++] = rfd;
			else
				close(rfd);
		}
	}

	if (n == 0) {
		/* EOF: the broker closed the connection (a zero-length
		 * message, which the protocol never sends, looks the same). */
		close_all(got, ngot);
		errno = ECONNRESET;
		return -1;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		goto bad;
	/* The broker sends its descriptors as one SCM_RIGHTS message, and
	 * nothing else. */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(sizeof(int)) ||
		    (c->cmsg_len - CMSG_LEN(0)) % sizeof(int) != 0 || ++ncmsg > 1)
			goto bad;
	}
	if (proto_decode_reply(buf, (size_t)n, rep, &why) == -1)
		goto bad;
	if (rep->type != type || (match_id && rep->id != id))
		goto bad;
	/* An OPENV reply answers every entry asked about, no more, no less. */
	if (type == FB_MSG_OPENV && rep->error == 0 && rep->count != expect)
		goto bad;
	/* The decoder checked nfds against the results; the descriptors
	 * that came must be exactly those. */
	if (rep->nfds != (uint32_t)ngot || ngot > (int)expect)
		goto bad;
	for (i = 0; i < ngot; i++)
		fds[i] = got[i];
	return 0;

bad:
	close_all(got, ngot);
	errno = EPROTO;
	return -1;
}

/* Ask the broker for a new channel.  Called with c->lock held. */
static int
new_channel_once(struct fb_conn *c, int *unsent)
{
	struct fb_request req;
	struct fb_reply rep;
	uint8_t msg[FB_HDR_SIZE];
	ssize_t len;
	int fd = -1;

	/* CHANNEL carries no strings; only the scalars need clearing. */
	req.type = FB_MSG_CHANNEL;
	req.id = (uint32_t)atomic_fetch_add(&next_id, 1);
	req.at = 0;
	req.flags = 0;
	req.mode = 0;
	req.length = 0;
	req.path[0] = req.path2[0] = '\0';
	if ((len = proto_encode_request(&req, msg, sizeof(msg))) == -1)
		return -1;
	if (exchange(c->boot_fd, msg, (size_t)len, -1, req.type, req.id, 0, 1, &rep, &fd, unsent) ==
	    -1)
		return -1;
	if (rep.error != 0) {
		errno = (int)rep.error;
		return -1;
	}
	return fd;
}

/* A new channel; when the broker had closed the bootstrap socket that this
 * process connected to a path, connect again and ask once more.  Called
 * with c->lock held. */
static int
new_channel_locked(struct fb_conn *c)
{
	int fd, unsent;

	if ((fd = new_channel_once(c, &unsent)) != -1 || !unsent || !c->boot_owned ||
	    c->boot_path[0] == '\0')
		return fd;
	close(c->boot_fd);
	c->boot_fd = -1;
	if (ready_locked(c) == -1)
		return -1;
	return new_channel_once(c, &unsent);
}

/* Take a channel of c for one request: an idle one, else a new one, else
 * wait. */
static int
acquire(struct fb_conn *c)
{
	int i, fd;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&c->lock);
	check_pid(c);
	for (;;) {
		if (ready_locked(c) == -1)
			goto fail;
		for (i = 0; i < CHANNEL_MAX; i++) {
			if (c->slot[i].fd >= 0 && !c->slot[i].busy) {
				c->slot[i].busy = 1;
				pthread_mutex_unlock(&c->lock);
				return i;
			}
		}
		for (i = 0; i < CHANNEL_MAX; i++) {
			if (c->slot[i].fd < 0 && !c->slot[i].busy) {
				if ((fd = new_channel_locked(c)) == -1)
					goto fail;
				c->slot[i].fd = fd;
				c->slot[i].busy = 1;
				pthread_mutex_unlock(&c->lock);
				return i;
			}
		}
		pthread_cond_wait(&c->freed, &c->lock);
	}

fail:
	pthread_mutex_unlock(&c->lock);
	return -1;
}

static void
release(struct fb_conn *c, int i, int drop)
{
	int saved = errno;

	pthread_mutex_lock(&c->lock);
	if (drop || c->slot[i].doomed) {
		close(c->slot[i].fd);
		c->slot[i].fd = -1;
		c->slot[i].doomed = 0;
	}
	c->slot[i].busy = 0;
	/* Broadcast: fb_conn_free() may be waiting beside the callers. */
	pthread_cond_broadcast(&c->freed);
	pthread_mutex_unlock(&c->lock);
	errno = saved;
}

/*
 * Send the encoded request msg on a channel of c and read its reply: as
 * exchange(), and a request that was never sent (the broker had closed that
 * channel) is sent once more on another.
 */
static int
call_channel(struct fb_conn *c, const uint8_t *msg, size_t len, int sendfd, unsigned type,
    uint32_t id, unsigned expect, struct fb_reply *rep, int *fds)
{
	int i, r, unsent, tries = 0;

	do {
		if ((i = acquire(c)) == -1)
			return -1;
		r = exchange(c->slot[i].fd, msg, len, sendfd, type, id, 1, expect, rep, fds,
		    &unsent);
		release(c, i, r == -1);
	} while (r == -1 && unsent && tries++ == 0);
	/* The decoder bounded it by FB_RULE_MAX, terminator included. */
	if (r == 0 && rep->rule[0] != '\0')
		memcpy(last_rule, rep->rule, strlen(rep->rule) + 1);
	if (r == 0 && rep->error != 0) {
		errno = (int)rep->error;
		r = -1;
	}
	return r;
}

int
channel_call(struct fb_conn *c, struct fb_request *req, struct fb_reply *rep, int *fdp)
{
	return channel_call_fd(c, req, -1, rep, fdp);
}

int
channel_call_fd(struct fb_conn *c, struct fb_request *req, int sendfd, struct fb_reply *rep,
    int *fdp)
{
	uint8_t msg[FB_REQUEST_MAX];
	ssize_t len;
	int r, cancel, fd = -1;

	/* The one descriptor a request may carry, and only that request. */
	if ((sendfd >= 0) != (proto_request_nfds(req->type | (req->at ? FB_MSG_AT : 0u)) == 1)) {
		errno = sendfd < 0 ? EBADF : EINVAL;
		return -1;
	}
	req->id = (uint32_t)atomic_fetch_add(&next_id, 1);
	if ((len = proto_encode_request(req, msg, sizeof(msg))) == -1)
		return -1;

	cancel = cancel_off();
	r = call_channel(c, msg, (size_t)len, sendfd, req->type, req->id,
	    proto_reply_nfds(req->type, 0), rep, &fd);
	/* A reply with error set carries no descriptor (the decoder saw to
	 * it); one the caller did not ask for is closed. */
	if (fd >= 0) {
		if (r == 0 && fdp != NULL)
			*fdp = fd;
		else
			close(fd);
	}
	cancel_restore(cancel);
	return r;
}

int
channel_openv(struct fb_conn *c, struct fb_openv_request *v, struct fb_reply *rep,
    int fds[FB_OPENV_MAX])
{
	/* The largest message there is, on the stack: no allocation on the
	 * way to the broker (see client.c). */
	uint8_t msg[FB_MSG_MAX];
	ssize_t len;
	int r, cancel;

	v->id = (uint32_t)atomic_fetch_add(&next_id, 1);
	if ((len = proto_encode_openv(v, msg, sizeof(msg))) == -1)
		return -1;

	cancel = cancel_off();
	r = call_channel(c, msg, (size_t)len, -1, FB_MSG_OPENV, v->id, v->count, rep, fds);
	cancel_restore(cancel);
	return r;
}

const char *
channel_last_rule(void)
{
	return last_rule[0] != '\0' ? last_rule : NULL;
}

void
channel_rule_forget(void)
{
	last_rule[0] = '\0';
}

struct fb_conn *
channel_default(void)
{
	return &default_conn;
}

int
channel_connect(const char *socket_path)
{
	struct fb_conn *c = &default_conn;
	int r, cancel;

	pthread_once(&atfork_once, register_atfork);
	cancel = cancel_off();
	pthread_mutex_lock(&c->lock);
	check_pid(c);
	r = c->boot_fd >= 0 ? 0 : attach_locked(c, socket_path);
	pthread_mutex_unlock(&c->lock);
	cancel_restore(cancel);
	return r;
}

/* Close c's channels (those in use when they are released) and the
 * bootstrap socket if it is c's.  Called with c->lock held. */
static void
detach_locked(struct fb_conn *c)
{
	int i;

	for (i = 0; i < CHANNEL_MAX; i++) {
		if (c->slot[i].busy)
			c->slot[i].doomed = 1;
		else if (c->slot[i].fd >= 0) {
			close(c->slot[i].fd);
			c->slot[i].fd = -1;
		}
	}
	if (c->boot_owned && c->boot_fd >= 0)
		close(c->boot_fd);
	c->boot_fd = -1;
	c->boot_owned = 0;
	c->boot_path[0] = '\0';
}

void
channel_disconnect(void)
{
	struct fb_conn *c = &default_conn;
	int saved = errno, cancel;

	cancel = cancel_off();
	pthread_mutex_lock(&c->lock);
	check_pid(c);
	detach_locked(c);
	pthread_mutex_unlock(&c->lock);
	cancel_restore(cancel);
	errno = saved;
}

/* Take c out of the registry. */
static void
unregister(struct fb_conn *c)
{
	struct fb_conn **pp;

	pthread_mutex_lock(&reg_lock);
	for (pp = &default_conn.next; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}

/* Is fd one of c's sockets?  Called with c->lock held. */
static int
conn_owns_fd(struct fb_conn *c, int fd)
{
	int i;

	check_pid(c);
	for (i = 0; i < CHANNEL_MAX; i++) {
		if (c->slot[i].fd == fd)
			return 1;
	}
	return c->boot_fd == fd;
}

/* Lock every connection, in order (reg_lock held), and say whether fd is
 * one of their sockets; unlock_all() undoes it. */
static int
lock_all_owning(int fd)
{
	struct fb_conn *c;
	int ours = 0;

	for (c = &default_conn; c != NULL; c = c->next) {
		pthread_mutex_lock(&c->lock);
		ours |= fd >= 0 && conn_owns_fd(c, fd);
	}
	return ours;
}

static void
unlock_all(void)
{
	struct fb_conn *c;

	for (c = &default_conn; c != NULL; c = c->next)
		pthread_mutex_unlock(&c->lock);
}

/* Free c, out of the registry and unlocked. */
static void
conn_destroy(struct fb_conn *c)
{
	pthread_cond_destroy(&c->freed);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/*
 * A new connection, registered and locked (so that fb_close() and fork()
 * wait while its bootstrap socket comes into being), or NULL with errno.
 * fd >= 0: the socket it owns from now on (fb_conn_from_fd()), which must
 * not be one the library uses already (EBUSY): two owners would close it
 * under each other.
 */
static struct fb_conn *
conn_alloc(int fd)
{
	struct fb_conn *c;
	int i, ours;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0 || pthread_cond_init(&c->freed, NULL) != 0) {
		/* Neither fails on Linux (no resources are allocated). */
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->boot_fd = fd;
	c->boot_owned = fd >= 0;
	for (i = 0; i < CHANNEL_MAX; i++)
		c->slot[i].fd = -1;
	c->pid = getpid();
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&reg_lock);
	ours = lock_all_owning(fd) || (fd >= 0 && env_fd() == fd);
	unlock_all();
	if (!ours) {
		pthread_mutex_lock(&c->lock);
		c->next = default_conn.next;
		default_conn.next = c;
	}
	pthread_mutex_unlock(&reg_lock);
	if (ours) {
		conn_destroy(c);
		errno = EBUSY;
		return NULL;
	}
	return c;
}

/* Undo conn_alloc() after a failure; errno kept.  Called with c->lock held. */
static struct fb_conn *
conn_abandon(struct fb_conn *c)
{
	int saved = errno;

	pthread_mutex_unlock(&c->lock);
	unregister(c);
	conn_destroy(c);
	errno = saved;
	return NULL;
}

struct fb_conn *
channel_conn_new(const char *socket_path)
{
	struct fb_conn *c;
	int cancel;

	cancel = cancel_off();
	if ((c = conn_alloc(-1)) != NULL) {
		if (attach_locked(c, socket_path) == -1)
			c = conn_abandon(c);
		else
			pthread_mutex_unlock(&c->lock);
	}
	cancel_restore(cancel);
	return c;
}

struct fb_conn *
channel_conn_from_fd(int fd)
{
	struct fb_conn *c;

	/* Checked before anything else, so that a failure leaves fd the
	 * caller's, untouched, as fdopen(3) does. */
	if (validate_boot_fd(fd) == -1 || (c = conn_alloc(fd)) == NULL)
		return NULL;
	pthread_mutex_unlock(&c->lock);
	return c;
}

void
channel_conn_free(struct fb_conn *c)
{
	int i, saved = errno, cancel;

	if (c == NULL || c == &default_conn)
		return;
	cancel = cancel_off();
	unregister(c);
	pthread_mutex_lock(&c->lock);
	check_pid(c);
	/* Calls still in progress in other threads finish first. */
	for (i = 0; i < CHANNEL_MAX; i++) {
		while (c->slot[i].busy)
			pthread_cond_wait(&c->freed, &c->lock);
	}
	detach_locked(c);
	pthread_mutex_unlock(&c->lock);
	conn_destroy(c);
	cancel_restore(cancel);
	errno = saved;
}

void
channel_sandbox_forget(void)
{
	struct fb_conn *c;

	/* The sandbox closes what it does not keep: forget the channels
	 * first (the caller is the only thread; none is busy), so that no
	 * slot names a descriptor number that is reused later. */
	pthread_mutex_lock(&reg_lock);
	for (c = &default_conn; c != NULL; c = c->next) {
		pthread_mutex_lock(&c->lock);
		reset_slots(c);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&reg_lock);
}

int
channel_next_boot_fd(int from)
{
	struct fb_conn *c;
	int best = -1;

	pthread_mutex_lock(&reg_lock);
	for (c = &default_conn; c != NULL; c = c->next) {
		pthread_mutex_lock(&c->lock);
		if (c->boot_fd >= from && (best == -1 || c->boot_fd < best))
			best = c->boot_fd;
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&reg_lock);
	return best;
}

int
channel_close_user_fd(int fd)
{
	int r, cancel;

	/* Every connection's lock is held across close() so that fd cannot
	 * become a new channel or bootstrap socket between the check and the
	 * close. */
	cancel = cancel_off();
	pthread_mutex_lock(&reg_lock);
	if (lock_all_owning(fd)) {
		errno = EBADF;
		r = -1;
	} else
		r = close(fd);
	unlock_all();
	pthread_mutex_unlock(&reg_lock);
	cancel_restore(cancel);
	return r;
}
