/*
 * serve.c: the event loop; see serve.h.
 *
 * Each session the server serves has a `struct sref`: its connection count,
 * its limit and what to do when its last connection goes.  session->serve
 * points to it, so that a CHANNEL request finds the session's server and
 * adds the new connection to the same session.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "ops.h"
#include "proto.h"
#include "serve.h"

/* W_DEAD: unwatched or closed while events for it may still be in the
 * batch epoll_wait returned; freed once that batch is done. */
enum watch_kind { W_CONN, W_OTHER, W_DEAD };

struct sref {
	struct server *sv;
	struct session *s;
	unsigned nconns, max;
	void (*release)(struct session *s, void *arg); /* NULL: the default one */
	void *arg;
};

struct watch {
	enum watch_kind kind;
	int fd;
	struct sref *sr; /* W_CONN: its session */
	struct watch *next, *prev;
	/* W_OTHER */
	void (*fn)(void *arg, uint32_t events);
	void *arg;
	/* W_CONN: a reply the worker has not made room for yet, with the
	 * descriptors it carries (the connection owns them until sent) */
	int pending;
	size_t plen;
	uint8_t *pbuf;
	unsigned npfds;
	int pfds[FB_OPENV_MAX];
};

struct server {
	int ep;
	struct sref *def; /* the default session, or NULL */
	struct watch *head;
	struct watch *dead; /* W_DEAD, to free after this batch */
	unsigned nconns;
	uint64_t nviolations;
	/* Scratch space for one request at a time (one thread). */
	struct fb_request req;
	struct fb_openv_request openv;
	struct fb_reply rep;
	int fds[FB_OPENV_MAX];
	uint8_t in[FB_MSG_MAX + 1];
	uint8_t out[FB_REPLY_MAX];
};

static int server_new_channel(struct session *s, int *fd);

static void
close_fds(const int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

struct server *
server_new(struct session *s)
{
	struct server *sv;

	if ((sv = calloc(1, sizeof(*sv))) == NULL)
		return NULL;
	if (s != NULL && (sv->def = calloc(1, sizeof(*sv->def))) == NULL) {
		free(sv);
		return NULL;
	}
	if ((sv->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(sv->def);
		free(sv);
		return NULL;
	}
	if (s != NULL) {
		sv->def->sv = sv;
		sv->def->s = s;
		sv->def->max = SERVE_MAX_CONNS;
		s->serve = sv->def;
		s->new_channel = server_new_channel;
	}
	return sv;
}

static void
unlink_watch(struct server *sv, struct watch *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		sv->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
}

/* Take w out of service; its memory lives until free_retired(). */
static void
retire(struct server *sv, struct watch *w)
{
	unlink_watch(sv, w);
	w->kind = W_DEAD;
	w->next = sv->dead;
	sv->dead = w;
}

static void
free_retired(struct server *sv)
{
	struct watch *w;

	while ((w = sv->dead) != NULL) {
		sv->dead = w->next;
		free(w);
	}
}

static void
conn_close(struct server *sv, struct watch *w)
{
	struct sref *sr = w->sr;

	epoll_ctl(sv->ep, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	if (w->pending)
		close_fds(w->pfds, w->npfds);
	free(w->pbuf);
	unlink_watch(sv, w);
	sv->nconns--;
	retire(sv, w);
	/* The last connection of an added session: it is done.  Nothing
	 * else of the server refers to it any more. */
	if (--sr->nconns == 0 && sr != sv->def) {
		sr->s->serve = NULL;
		sr->s->new_channel = NULL;
		if (sr->release != NULL)
			sr->release(sr->s, sr->arg);
		free(sr);
	}
}

void
server_free(struct server *sv)
{
	struct watch *w, *next;

	if (sv == NULL)
		return;
	for (w = sv->head; w != NULL; w = next) {
		next = w->next;
		if (w->kind == W_CONN)
			conn_close(sv, w);
		else
			retire(sv, w);
	}
	free_retired(sv);
	close(sv->ep);
	free(sv->def);
	free(sv);
}

static struct watch *
watch_add(struct server *sv, int fd, enum watch_kind kind, uint32_t events)
{
	struct epoll_event ev;
	struct watch *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->kind = kind;
	w->fd = fd;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		free(w);
		return NULL;
	}
	w->next = sv->head;
	if (sv->head != NULL)
		sv->head->prev = w;
	sv->head = w;
	return w;
}

/* fd as one more connection of sr. */
static int
conn_add(struct server *sv, struct sref *sr, int fd)
{
	struct watch *w;

	if (sr->nconns >= sr->max) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	if ((w = watch_add(sv, fd, W_CONN, EPOLLIN)) == NULL) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	w->sr = sr;
	sr->nconns++;
	sv->nconns++;
	return 0;
}

int
server_add_conn(struct server *sv, int fd)
{
	if (sv->def == NULL) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return conn_add(sv, sv->def, fd);
}

int
server_add_conn_session(struct server *sv, int fd, struct session *s, unsigned max_conns,
    void (*release)(struct session *s, void *arg), void *arg)
{
	struct sref *sr;

	if (s == NULL || s->serve != NULL || max_conns == 0) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((sr = calloc(1, sizeof(*sr))) == NULL) {
		close(fd);
		return -1;
	}
	sr->sv = sv;
	sr->s = s;
	sr->max = max_conns;
	sr->release = release;
	sr->arg = arg;
	if (conn_add(sv, sr, fd) == -1) {
		free(sr);
		return -1;
	}
	s->serve = sr;
	s->new_channel = server_new_channel;
	return 0;
}

unsigned
server_session_nconns(const struct session *s)
{
	const struct sref *sr = s->serve;

	return sr != NULL ? sr->nconns : 0;
}

int
server_watch(struct server *sv, int fd, void (*fn)(void *arg, uint32_t events), void *arg)
{
	struct watch *w;

	if ((w = watch_add(sv, fd, W_OTHER, EPOLLIN)) == NULL)
		return -1;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

void
server_unwatch(struct server *sv, int fd)
{
	struct watch *w;

	for (w = sv->head; w != NULL; w = w->next) {
		if (w->kind == W_OTHER && w->fd == fd) {
			epoll_ctl(sv->ep, EPOLL_CTL_DEL, fd, NULL);
			retire(sv, w);
			return;
		}
	}
}

unsigned
server_nconns(const struct server *sv)
{
	return sv->nconns;
}

uint64_t
server_nviolations(const struct server *sv)
{
	return sv->nviolations;
}

/* A new connection to the same session, for a worker process or thread
 * that wants its own reply stream (FB_MSG_CHANNEL). */
static int
server_new_channel(struct session *s, int *fd)
{
	struct sref *sr = s->serve;
	int sp[2];

	if (sr->nconns >= sr->max)
		return EMFILE;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return errno;
	if (conn_add(sr->sv, sr, sp[0]) == -1) {
		close(sp[1]);
		return errno;
	}
	*fd = sp[1];
	return 0;
}

static void
violation(struct server *sv, struct watch *w, const char *why)
{
	sv->nviolations++;
	log_warnx("worker %ld: protocol violation: %s; connection closed", (long)w->sr->s->pid,
	    why);
	conn_close(sv, w);
}

/* Send a reply with its descriptors; 1 sent, 0 the worker's queue is full
 * (kept pending), -1 the connection is gone. */
static int
conn_send(struct watch *w, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	ssize_t n = fdpass_sendv(w->fd, buf, len, fds, nfds, MSG_DONTWAIT);

	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n == -1 ? -1 : 1;
}

static int
conn_interest(struct server *sv, struct watch *w, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	return epoll_ctl(sv->ep, EPOLL_CTL_MOD, w->fd, &ev);
}

/* Park a reply until the worker reads; stop reading its requests.  The
 * connection takes the descriptors (closed with it if it closes first);
 * on failure they are still the caller's. */
static int
conn_park(struct server *sv, struct watch *w, size_t len, const int *fds, unsigned nfds)
{
	if (len > FB_REPLY_MAX || nfds > FB_OPENV_MAX)
		fatalx("parking a reply of %zu bytes and %u descriptors", len, nfds);
	if (w->pbuf == NULL && (w->pbuf = malloc(FB_REPLY_MAX)) == NULL)
		return -1;
	if (conn_interest(sv, w, EPOLLOUT) == -1)
		return -1;
	memcpy(w->pbuf, sv->out, len);
	w->plen = len;
	memcpy(w->pfds, fds, nfds * sizeof(fds[0]));
	w->npfds = nfds;
	w->pending = 1;
	return 0;
}

static void
conn_flush(struct server *sv, struct watch *w)
{
	int r = conn_send(w, w->pbuf, w->plen, w->pfds, w->npfds);

	if (r == 0)
		return;
	close_fds(w->pfds, w->npfds);
	w->npfds = 0;
	w->pending = 0;
	if (r < 0 || conn_interest(sv, w, EPOLLIN) == -1)
		conn_close(sv, w);
}

/* Read and answer one request.  Returns 1 to go on reading, 0 when the
 * socket is drained or the connection was closed. */
static int
conn_serve_one(struct server *sv, struct watch *w)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 253)];
	} cbuf;
	struct timespec t0;
	struct origin o;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	const char *why;
	ssize_t n, len;
	unsigned nout;
	int nfds = 0, fd, i, r;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = sv->in;
	iov.iov_len = sizeof(sv->in);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	do
		n = recvmsg(w->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == -1) {
		log_debug("worker %ld: connection: %s", (long)w->sr->s->pid, strerror(errno));
		conn_close(sv, w);
		return 0;
	}
	/* Whatever arrives, every descriptor in it is closed. */
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			memcpy(&fd, CMSG_DATA(cm) + (size_t)i * sizeof(int), sizeof(int));
			close(fd);
			nfds++;
		}
	}
	if (n == 0 && nfds == 0 && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		/* End of file (an empty packet looks the same; the protocol
		 * has none). */
		conn_close(sv, w);
		return 0;
	}
	if (nfds > 0) {
		violation(sv, w, "request carried descriptors");
		return 0;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		violation(sv, w, "message too long");
		return 0;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		violation(sv, w, "control data truncated");
		return 0;
	}
	/* On a socket the broker cannot tell which process of the worker's
	 * asked: the records name the worker it started. */
	o.mode = "explicit";
	o.pid = w->sr->s->pid;
	o.tid = 0;
	/* OPENV has its own decoder (its request does not fit struct
	 * fb_request); the header decides which, and each checks it again. */
	if (proto_peek_type(sv->in, (size_t)n) == FB_MSG_OPENV) {
		if (proto_decode_openv(sv->in, (size_t)n, &sv->openv, &why) == -1) {
			violation(sv, w, why);
			return 0;
		}
		ops_handle_openv(w->sr->s, &o, &sv->openv, &t0, &sv->rep, sv->fds);
		nout = sv->rep.nfds;
	} else {
		if (proto_decode_request(sv->in, (size_t)n, &sv->req, &why) == -1) {
			violation(sv, w, why);
			return 0;
		}
		ops_handle(w->sr->s, &o, &sv->req, &t0, &sv->rep, &fd);
		nout = 0;
		if (fd != -1)
			sv->fds[nout++] = fd;
	}
	if ((len = proto_encode_reply(&sv->rep, sv->out, sizeof(sv->out))) < 0) {
		/* Our own reply does not encode: a broken invariant. */
		fatal("encoding a %s reply", proto_type_name(sv->rep.type));
	}
	r = conn_send(w, sv->out, (size_t)len, sv->fds, nout);
	if (r == 0) {
		if (conn_park(sv, w, (size_t)len, sv->fds, nout) == -1) {
			close_fds(sv->fds, nout);
			conn_close(sv, w);
		}
		return 0;
	}
	close_fds(sv->fds, nout);
	if (r < 0) {
		conn_close(sv, w);
		return 0;
	}
	return 1;
}

static void
conn_event(struct server *sv, struct watch *w, uint32_t events)
{
	if (w->pending) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			conn_close(sv, w);
			return;
		}
		conn_flush(sv, w);
		return;
	}
	if (events & EPOLLIN) {
		/* One request per wake-up: epoll is level-triggered, so a
		 * busy connection comes back at once, and a worker waiting for
		 * its one reply does not pay for a recvmsg that finds nothing. */
		conn_serve_one(sv, w);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP))
		conn_close(sv, w);
}

int
server_run(struct server *sv, int (*keep_going)(void *arg), void *arg)
{
	struct epoll_event evs[64];
	struct watch *w;
	int n, i;

	while (keep_going(arg)) {
		n = epoll_wait(sv->ep, evs, 64, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < n; i++) {
			w = evs[i].data.ptr;
			if (w->kind == W_DEAD)
				continue;
			if (w->kind == W_OTHER)
				w->fn(w->arg, evs[i].events);
			else
				conn_event(sv, w, evs[i].events);
		}
		free_retired(sv);
	}
	return 0;
}
