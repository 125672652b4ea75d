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
 * Each process keeps a pool of up to CHANNEL_MAX channels.  A thread owns
 * one channel for one request and its reply, so concurrent threads do not
 * queue behind one socket, and a reply can only be read by the thread that
 * sent the request.  After fork() the child drops the parent's channels (it
 * has copies of the descriptors, but the parent's threads are using them)
 * and builds its own pool from the inherited bootstrap socket.
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
#include "proto.h"

struct slot {
	int fd;	    /* -1: empty */
	int busy;   /* owned by one thread for one request */
	int doomed; /* fb_disconnect() ran while busy: close on release */
};

/*
 * lock guards everything in pool.  It is also held while a new channel is
 * requested on the bootstrap socket, which serialises the bootstrap
 * exchanges; that is rare (at most CHANNEL_MAX times per process and
 * connection) and short.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t freed; /* a slot became idle or empty */
	int boot_fd;	      /* -1: not connected */
	int boot_owned;	      /* we opened boot_fd (path mode): close it */
	char boot_path[108];  /* ... connected to this path: "" otherwise */
	pid_t pid;	      /* the process the pool belongs to */
	struct slot slot[CHANNEL_MAX];
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.freed = PTHREAD_COND_INITIALIZER,
	.boot_fd = -1,
	.slot = { [0 ... CHANNEL_MAX - 1] = { .fd = -1 } },
};

static atomic_uint_fast32_t next_id = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Forget every channel; their descriptors are the parent's business. */
static void
reset_slots(void)
{
	int i;

	for (i = 0; i < CHANNEL_MAX; i++) {
		if (pool.slot[i].fd >= 0)
			close(pool.slot[i].fd);
		pool.slot[i].fd = -1;
		pool.slot[i].busy = 0;
		pool.slot[i].doomed = 0;
	}
	pool.pid = getpid();
}

/*
 * fork() is bracketed by pool.lock, so the child's copy of the pool is
 * consistent.  The lock itself and the condition variable may be in any state
 * other threads left them in, so the child makes fresh ones rather than
 * trusting them.
 */
static void
atfork_prepare(void)
{
	pthread_mutex_lock(&pool.lock);
}

static void
atfork_parent(void)
{
	pthread_mutex_unlock(&pool.lock);
}

static void
atfork_child(void)
{
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.freed, NULL);
	reset_slots();
}

static void
register_atfork(void)
{
	/* If this fails, the pid check in acquire() still catches the fork. */
	(void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
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

/* Called with pool.lock held. */
static int
connect_locked(const char *socket_path)
{
	const char *s;
	char *end;
	long n;
	int fd;

	if (pool.boot_fd >= 0)
		return 0;
	if (socket_path != NULL) {
		if ((fd = connect_path(socket_path)) == -1)
			return -1;
		pool.boot_fd = fd;
		pool.boot_owned = 1;
		snprintf(pool.boot_path, sizeof(pool.boot_path), "%s", socket_path);
		return 0;
	}
	if ((s = getenv(FB_ENV_FD)) != NULL) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || n < 0 ||
		    n > INT_MAX) {
			errno = EBADF;
			return -1;
		}
		if (validate_boot_fd((int)n) == -1)
			return -1;
		pool.boot_fd = (int)n;
		pool.boot_owned = 0;
		pool.boot_path[0] = '\0';
		return 0;
	}
	if ((s = getenv(FB_ENV_SOCKET)) != NULL && *s != '\0') {
		if ((fd = connect_path(s)) == -1)
			return -1;
		pool.boot_fd = fd;
		pool.boot_owned = 1;
		snprintf(pool.boot_path, sizeof(pool.boot_path), "%s", s);
		return 0;
	}
	errno = ENOTCONN;
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
static int
exchange(int fd, const void *msg, size_t len, int sendfd, unsigned type, uint32_t id,
    int match_id, unsigned expect, struct fb_reply *rep, int *fds, int *unsent)
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
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
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

/* Ask the broker for a new channel.  Called with pool.lock held. */
static int
new_channel_once(int *unsent)
{
	struct fb_request req;
	struct fb_reply rep;
	uint8_t msg[FB_HDR_SIZE];
	ssize_t len;
	int fd = -1;

	/* CHANNEL carries no strings; only the scalars need clearing. */
	req.type = FB_MSG_CHANNEL;
	req.id = (uint32_t)atomic_fetch_add(&next_id, 1);
	req.flags = 0;
	req.mode = 0;
	req.path[0] = req.path2[0] = '\0';
	if ((len = proto_encode_request(&req, msg, sizeof(msg))) == -1)
		return -1;
	if (exchange(pool.boot_fd, msg, (size_t)len, -1, req.type, req.id, 0, 1, &rep, &fd,
		unsent) == -1)
		return -1;
	if (rep.error != 0) {
		errno = (int)rep.error;
		return -1;
	}
	return fd;
}

/* A new channel; when the broker had closed the bootstrap socket that this
 * process connected to a path, connect again and ask once more.  Called
 * with pool.lock held. */
static int
new_channel_locked(void)
{
	int fd, unsent;

	if ((fd = new_channel_once(&unsent)) != -1 || !unsent || !pool.boot_owned ||
	    pool.boot_path[0] == '\0')
		return fd;
	close(pool.boot_fd);
	pool.boot_fd = -1;
	/* A sandboxed process may not make a socket: the broker is gone for
	 * it, not a path denied. */
	if ((fd = connect_path(pool.boot_path)) == -1) {
		errno = ECONNRESET;
		return -1;
	}
	pool.boot_fd = fd;
	return new_channel_once(&unsent);
}

/* Take a channel for one request: an idle one, else a new one, else wait. */
static int
acquire(void)
{
	int i, fd;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&pool.lock);
	/* A child made without fork(3)'s handlers (clone(2), _Fork(3)). */
	if (pool.pid != getpid())
		reset_slots();
	for (;;) {
		if (connect_locked(NULL) == -1)
			goto fail;
		for (i = 0; i < CHANNEL_MAX; i++) {
			if (pool.slot[i].fd >= 0 && !pool.slot[i].busy) {
				pool.slot[i].busy = 1;
				pthread_mutex_unlock(&pool.lock);
				return i;
			}
		}
		for (i = 0; i < CHANNEL_MAX; i++) {
			if (pool.slot[i].fd < 0 && !pool.slot[i].busy) {
				if ((fd = new_channel_locked()) == -1)
					goto fail;
				pool.slot[i].fd = fd;
				pool.slot[i].busy = 1;
				pthread_mutex_unlock(&pool.lock);
				return i;
			}
		}
		pthread_cond_wait(&pool.freed, &pool.lock);
	}

fail:
	pthread_mutex_unlock(&pool.lock);
	return -1;
}

static void
release(int i, int drop)
{
	int saved = errno;

	pthread_mutex_lock(&pool.lock);
	if (drop || pool.slot[i].doomed) {
		close(pool.slot[i].fd);
		pool.slot[i].fd = -1;
		pool.slot[i].doomed = 0;
	}
	pool.slot[i].busy = 0;
	pthread_cond_signal(&pool.freed);
	pthread_mutex_unlock(&pool.lock);
	errno = saved;
}

int
channel_call(struct fb_request *req, struct fb_reply *rep, int *fdp)
{
	return channel_call_fd(req, -1, rep, fdp);
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

int
channel_call_fd(struct fb_request *req, int sendfd, struct fb_reply *rep, int *fdp)
{
	uint8_t msg[FB_REQUEST_MAX];
	ssize_t len;
	int i, r, cancel, unsent, tries = 0, fd = -1;

	/* The one descriptor a request may carry, and only that request. */
	if ((sendfd >= 0) != (proto_request_nfds(req->type) == 1)) {
		errno = sendfd < 0 ? EBADF : EINVAL;
		return -1;
	}
	req->id = (uint32_t)atomic_fetch_add(&next_id, 1);
	if ((len = proto_encode_request(req, msg, sizeof(msg))) == -1)
		return -1;

	/* Cancellation inside send/recv/wait would leave a channel marked
	 * busy forever, or with a reply still queued on it. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
again:
	if ((i = acquire()) == -1) {
		r = -1;
		goto out;
	}
	r = exchange(pool.slot[i].fd, msg, (size_t)len, sendfd, req->type, req->id, 1,
	    proto_reply_nfds(req->type, 0), rep, &fd, &unsent);
	release(i, r == -1);
	/* Never sent (the channel was closed by the broker): once more. */
	if (r == -1 && unsent && tries++ == 0)
		goto again;
	if (r == 0 && rep->error != 0) {
		errno = (int)rep->error;
		r = -1;
	}
	if (fd >= 0) {
		if (r == 0 && fdp != NULL)
			*fdp = fd;
		else
			close(fd);
	}
out:
	cancel_restore(cancel);
	return r;
}

int
channel_openv(struct fb_openv_request *v, struct fb_reply *rep, int fds[FB_OPENV_MAX])
{
	/* The largest message there is, on the stack: no allocation on the
	 * way to the broker (see client.c). */
	uint8_t msg[FB_MSG_MAX];
	ssize_t len;
	int i, r, cancel, unsent, tries = 0;

	v->id = (uint32_t)atomic_fetch_add(&next_id, 1);
	if ((len = proto_encode_openv(v, msg, sizeof(msg))) == -1)
		return -1;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
again:
	if ((i = acquire()) == -1) {
		r = -1;
		goto out;
	}
	r = exchange(pool.slot[i].fd, msg, (size_t)len, -1, FB_MSG_OPENV, v->id, 1, v->count,
	    rep, fds, &unsent);
	release(i, r == -1);
	if (r == -1 && unsent && tries++ == 0)
		goto again;
	/* A reply with error set carries no descriptor (the decoder saw to
	 * it): nothing to close. */
	if (r == 0 && rep->error != 0) {
		errno = (int)rep->error;
		r = -1;
	}
out:
	cancel_restore(cancel);
	return r;
}

int
channel_connect(const char *socket_path)
{
	int r;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&pool.lock);
	if (pool.pid != getpid())
		reset_slots();
	r = connect_locked(socket_path);
	pthread_mutex_unlock(&pool.lock);
	return r;
}

void
channel_disconnect(void)
{
	int i, saved = errno;

	pthread_mutex_lock(&pool.lock);
	if (pool.pid != getpid())
		reset_slots();
	for (i = 0; i < CHANNEL_MAX; i++) {
		if (pool.slot[i].busy)
			pool.slot[i].doomed = 1;
		else if (pool.slot[i].fd >= 0) {
			close(pool.slot[i].fd);
			pool.slot[i].fd = -1;
		}
	}
	if (pool.boot_owned && pool.boot_fd >= 0)
		close(pool.boot_fd);
	pool.boot_fd = -1;
	pool.boot_owned = 0;
	pool.boot_path[0] = '\0';
	pthread_mutex_unlock(&pool.lock);
	errno = saved;
}

int
channel_sandbox_keep(void)
{
	int fd;

	pthread_mutex_lock(&pool.lock);
	/* The sandbox closes what it does not keep: forget the channels
	 * first (the caller is the only thread; none is busy), so that no
	 * slot names a descriptor number that is reused later. */
	reset_slots();
	fd = pool.boot_fd;
	pthread_mutex_unlock(&pool.lock);
	return fd;
}

int
channel_close_user_fd(int fd)
{
	int i, r;

	/* Held across close() so that fd cannot become a new channel between
	 * the check and the close. */
	pthread_mutex_lock(&pool.lock);
	if (pool.pid == getpid()) {
		for (i = 0; i < CHANNEL_MAX; i++) {
			if (fd >= 0 && pool.slot[i].fd == fd)
				goto ours;
		}
		if (fd >= 0 && fd == pool.boot_fd)
			goto ours;
	}
	r = close(fd);
	pthread_mutex_unlock(&pool.lock);
	return r;

ours:
	pthread_mutex_unlock(&pool.lock);
	errno = EBADF;
	return -1;
}
