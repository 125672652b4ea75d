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

#include "audit.h"
#include "fdpass.h"
#include "log.h"
#include "notify.h"
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
	unsigned nheld; /* server_watch_session() watches: 0 or 1 */
	void (*release)(struct session *s, void *arg); /* NULL: the default one */
	void *arg;
	/* --max-inflight (server_session_max_inflight()): replies parked on
	 * the session's connections; at max_inflight (0: no limit) none of
	 * its connections is read until one is taken (throttled). */
	struct watch *conns; /* its connections */
	unsigned nparked, max_inflight;
	int throttled;
	struct timespec throttled_at, logged; /* CLOCK_MONOTONIC */
	unsigned long long nthrottled, unlogged; /* episodes */
};

/* watch.pending */
#define HELD_PARKED 1
#define HELD_SYNC 2

struct watch {
	enum watch_kind kind;
	int fd;
	struct sref *sr; /* W_CONN: its session; W_OTHER: the one it holds */
	struct watch *next, *prev;
	/* W_OTHER */
	void (*fn)(void *arg, uint32_t events);
	void (*gone)(void *arg); /* with sr: server_free() calls it */
	void *arg;
	/* W_CONN: a reply the worker has not made room for yet, with the
	 * descriptors it carries (the connection owns them until sent);
	 * pending is HELD_PARKED, or HELD_SYNC for a reply that waits for
	 * the audit fdatasync() at the end of the batch (--audit-sync) */
	int pending;
	struct watch *cnext, *cprev; /* W_CONN: its session's connections */
	struct watch *snext; /* HELD_SYNC: the server's list */
	uint16_t stype;	     /* HELD_SYNC: to answer EIO instead */
	uint32_t sid;
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
	struct watch *held; /* HELD_SYNC replies of this batch */
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
static int conn_interest(struct server *sv, struct watch *w, uint32_t events);

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

/* An added session with no connection and no held watch left is done.
 * Nothing else of the server refers to it any more. */
static void
sref_check(struct server *sv, struct sref *sr)
{
	if (sr->nconns > 0 || sr->nheld > 0 || sr == sv->def)
		return;
	sr->s->serve = NULL;
	sr->s->new_channel = NULL;
	if (sr->release != NULL)
		sr->release(sr->s, sr->arg);
	free(sr);
}

/* Take a server_watch_session() watch out of service and let go of its
 * session. */
static void
held_unwatch(struct server *sv, struct watch *w)
{
	struct sref *sr = w->sr;

	epoll_ctl(sv->ep, EPOLL_CTL_DEL, w->fd, NULL);
	retire(sv, w);
	sr->nheld--;
	sref_check(sv, sr);
}

/* What a connection that holds no reply waits for: requests, unless its
 * session is throttled (hang-ups are reported either way). */
static uint32_t
conn_idle(const struct watch *w)
{
	return w->sr->throttled ? 0 : EPOLLIN;
}

/*
 * A reply of sr was parked (delta 1), or a parked one is gone (-1: sent, or
 * closed with its connection).  --max-inflight: at the limit no connection
 * of the session is read; below it again, all are.  A connection holding a
 * reply keeps its own interest (EPOLLOUT, or none until the batch ends).
 * Said when an episode starts, but at most once a second (a worker that
 * reads one reply at a time starts one per reply), with a count.
 */
static void
sref_parked(struct server *sv, struct sref *sr, int delta)
{
	struct timespec now;
	struct watch *w;
	int throttle;

	if (delta < 0 && sr->nparked == 0)
		fatalx("worker %ld: a parked reply went twice", (long)sr->s->pid);
	sr->nparked = delta > 0 ? sr->nparked + 1 : sr->nparked - 1;
	if (sr->max_inflight == 0)
		return;
	throttle = sr->nparked >= sr->max_inflight;
	if (throttle == sr->throttled)
		return;
	sr->throttled = throttle;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (throttle) {
		sr->throttled_at = now;
		sr->nthrottled++;
		sr->unlogged++;
		if (sr->nthrottled == 1 || now.tv_sec - sr->logged.tv_sec >= 2 ||
		    (now.tv_sec - sr->logged.tv_sec == 1 && now.tv_nsec >= sr->logged.tv_nsec)) {
			if (sr->unlogged == sr->nthrottled)
				log_warnx("worker %ld: %u replies it has not read (--max-inflight "
					  "%u): none of its requests is read until it reads them",
				    (long)sr->s->pid, sr->nparked, sr->max_inflight);
			else
				log_warnx("worker %ld: --max-inflight %u reached again, %llu "
					  "times since the last such line (%llu in all)",
				    (long)sr->s->pid, sr->max_inflight, sr->unlogged,
				    sr->nthrottled);
			sr->unlogged = 0;
			sr->logged = now;
		}
	} else
		log_debug("worker %ld: read its replies after %.3f s: its requests are read "
			  "again",
		    (long)sr->s->pid,
		    (double)(now.tv_sec - sr->throttled_at.tv_sec) +
			(double)(now.tv_nsec - sr->throttled_at.tv_nsec) / 1e9);
	for (w = sr->conns; w != NULL; w = w->cnext)
		if (!w->pending && conn_interest(sv, w, conn_idle(w)) == -1)
			log_warn("worker %ld: epoll", (long)sr->s->pid);
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
	sv->nconns--;
	retire(sv, w);
	if (w->cprev != NULL)
		w->cprev->cnext = w->cnext;
	else
		sr->conns = w->cnext;
	if (w->cnext != NULL)
		w->cnext->cprev = w->cprev;
	if (w->pending == HELD_PARKED)
		sref_parked(sv, sr, -1);
	sr->nconns--;
	sref_check(sv, sr);
}

void
server_free(struct server *sv)
{
	struct watch *w;

	if (sv == NULL)
		return;
	/* Always the head: a gone() callback may unwatch other entries. */
	while ((w = sv->head) != NULL) {
		if (w->kind == W_CONN)
			conn_close(sv, w);
		else if (w->sr != NULL) {
			/* Its owner frees what it holds (retired, w stays
			 * readable), then the session it held may go. */
			epoll_ctl(sv->ep, EPOLL_CTL_DEL, w->fd, NULL);
			retire(sv, w);
			w->gone(w->arg);
			w->sr->nheld--;
			sref_check(sv, w->sr);
		} else
			retire(sv, w);
	}
	sv->held = NULL;
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
	if ((w = watch_add(sv, fd, W_CONN, sr->throttled ? 0 : EPOLLIN)) == NULL) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	w->sr = sr;
	w->cnext = sr->conns;
	if (sr->conns != NULL)
		sr->conns->cprev = w;
	sr->conns = w;
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

void
server_session_max_inflight(struct session *s, unsigned max)
{
	struct sref *sr = s->serve;

	if (sr != NULL)
		sr->max_inflight = max;
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
			if (w->sr != NULL) {
				held_unwatch(sv, w);
				return;
			}
			epoll_ctl(sv->ep, EPOLL_CTL_DEL, fd, NULL);
			retire(sv, w);
			return;
		}
	}
}

int
server_watch_session(struct server *sv, struct session *s, int fd,
    void (*fn)(void *arg, uint32_t events), void (*gone)(void *arg), void *arg)
{
	struct sref *sr = s->serve;
	struct watch *w;

	if (sr == NULL || sr->sv != sv) {
		errno = EINVAL;
		return -1;
	}
	if (sr->nheld > 0) {
		errno = EBUSY;
		return -1;
	}
	if ((w = watch_add(sv, fd, W_OTHER, EPOLLIN)) == NULL)
		return -1;
	w->fn = fn;
	w->gone = gone;
	w->arg = arg;
	w->sr = sr;
	sr->nheld++;
	return 0;
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

/* Hold a reply: parked until the worker reads (HELD_PARKED), or until the
 * end of the batch (HELD_SYNC); no request of the connection is read
 * meanwhile.  The connection takes the descriptors (closed with it if it
 * closes first); on failure they are still the caller's. */
static int
conn_hold(struct server *sv, struct watch *w, size_t len, const int *fds, unsigned nfds, int how)
{
	if (len > FB_REPLY_MAX || nfds > FB_OPENV_MAX)
		fatalx("parking a reply of %zu bytes and %u descriptors", len, nfds);
	if (w->pbuf == NULL && (w->pbuf = malloc(FB_REPLY_MAX)) == NULL)
		return -1;
	/* Parked: wait until the worker makes room.  Held for the sync:
	 * nothing but a hang-up until the end of the batch. */
	if (conn_interest(sv, w, how == HELD_PARKED ? EPOLLOUT : 0) == -1)
		return -1;
	memcpy(w->pbuf, sv->out, len);
	w->plen = len;
	memcpy(w->pfds, fds, nfds * sizeof(fds[0]));
	w->npfds = nfds;
	w->pending = how;
	if (how == HELD_PARKED)
		sref_parked(sv, w->sr, 1);
	if (how == HELD_SYNC) {
		w->stype = sv->rep.type;
		w->sid = sv->rep.id;
		w->snext = sv->held;
		sv->held = w;
	}
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
	sref_parked(sv, w->sr, -1);
	if (r < 0 || conn_interest(sv, w, conn_idle(w)) == -1)
		conn_close(sv, w);
}

/*
 * FB_MSG_LISTENER: the seccomp listener fd of a daemon peer's own filter
 * (transparent mode over its connection), served by notify.c for the
 * peer's session, which it holds until the last filtered task is gone.  A
 * run session gets its listener from the launcher instead, and a run
 * broker confined for explicit mode could not serve one.  Counts as one
 * request (and is admitted as one).  Takes ownership of fd; fills sv->rep.
 */
static void
conn_listener(struct server *sv, struct watch *w, int fd)
{
	struct session *s = w->sr->s;
	int e;

	memset(&sv->rep, 0, sizeof(sv->rep));
	sv->rep.type = FB_MSG_LISTENER;
	sv->rep.id = sv->req.id;
	s->nrequests++;
	if (!s->accept_listener)
		e = EOPNOTSUPP;
	else if (s->admit != NULL)
		e = s->admit(s, &sv->req); /* serve's --max-rate, as for any request */
	else
		e = 0;
	if (e != 0)
		close(fd);
	else
		e = notify_adopt(sv, s, fd);
	if (e == 0)
		log_info("worker %ld: transparent mode: serving its seccomp listener",
		    (long)s->pid);
	else
		log_warnx("worker %ld: transparent mode: listener refused: %s", (long)s->pid,
		    strerror(e));
	sv->rep.error = (uint32_t)e;
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
	int nfds = 0, fd, rfd = -1, i, r;

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
	/* Whatever arrives, every descriptor in it is closed, but for the
	 * first, kept in rfd until the message proves to be the one request
	 * that carries one (FB_MSG_LISTENER) and closed otherwise. */
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			memcpy(&fd, CMSG_DATA(cm) + (size_t)i * sizeof(int), sizeof(int));
			if (rfd == -1)
				rfd = fd;
			else
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
	why = NULL;
	r = (int)proto_request_nfds(proto_peek_type(sv->in, (size_t)n));
	if (nfds != r)
		why = r == 0 ? "request carried descriptors"
		    : nfds == 0 ? "listener request without its descriptor"
				: "listener request with more than one descriptor";
	else if (msg.msg_flags & MSG_TRUNC)
		why = "message too long";
	else if (msg.msg_flags & MSG_CTRUNC)
		why = "control data truncated";
	if (why != NULL) {
		if (rfd != -1)
			close(rfd);
		violation(sv, w, why);
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
			if (rfd != -1)
				close(rfd);
			violation(sv, w, why);
			return 0;
		}
		nout = 0;
		if (sv->req.type == FB_MSG_LISTENER)
			conn_listener(sv, w, rfd);
		else {
			ops_handle(w->sr->s, &o, &sv->req, &t0, &sv->rep, &fd);
			if (fd != -1)
				sv->fds[nout++] = fd;
		}
	}
	if ((len = proto_encode_reply(&sv->rep, sv->out, sizeof(sv->out))) < 0) {
		/* Our own reply does not encode: a broken invariant. */
		fatal("encoding a %s reply", proto_type_name(sv->rep.type));
	}
	if (w->sr->s->audit != NULL && audit_needs_sync(w->sr->s->audit)) {
		/* --audit-sync: the reply waits for the one fdatasync() that
		 * ends this batch of events (flush_held()). */
		if (conn_hold(sv, w, (size_t)len, sv->fds, nout, HELD_SYNC) == -1) {
			close_fds(sv->fds, nout);
			conn_close(sv, w);
		}
		return 0;
	}
	r = conn_send(w, sv->out, (size_t)len, sv->fds, nout);
	if (r == 0) {
		if (conn_hold(sv, w, (size_t)len, sv->fds, nout, HELD_PARKED) == -1) {
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

/*
 * --audit-sync, at the end of a batch of events: one fdatasync() for the
 * records of every request of the batch (audit_sync() does nothing for a
 * sink already synced), then the replies that waited for it.  When the
 * records could not be made durable, no descriptor leaves: each held
 * reply becomes EIO, and the session fails closed (ops_audit_sync()).
 */
static void
flush_held(struct server *sv)
{
	struct watch *w, *next;
	ssize_t len;
	int r;

	w = sv->held;
	sv->held = NULL;
	for (; w != NULL; w = next) {
		next = w->snext;
		if (w->kind == W_DEAD || w->pending != HELD_SYNC)
			continue;
		if (ops_audit_sync(w->sr->s) == -1) {
			close_fds(w->pfds, w->npfds);
			w->npfds = 0;
			memset(&sv->rep, 0, sizeof(sv->rep));
			sv->rep.type = w->stype;
			sv->rep.id = w->sid;
			sv->rep.error = EIO;
			if ((len = proto_encode_reply(&sv->rep, w->pbuf, FB_REPLY_MAX)) < 0)
				fatal("encoding an EIO reply");
			w->plen = (size_t)len;
		}
		r = conn_send(w, w->pbuf, w->plen, w->pfds, w->npfds);
		if (r == 0) {
			w->pending = HELD_PARKED;
			sref_parked(sv, w->sr, 1);
			if (conn_interest(sv, w, EPOLLOUT) == -1)
				conn_close(sv, w);
			continue;
		}
		close_fds(w->pfds, w->npfds);
		w->npfds = 0;
		w->pending = 0;
		if (r < 0 || conn_interest(sv, w, conn_idle(w)) == -1)
			conn_close(sv, w);
	}
}

static void
conn_event(struct server *sv, struct watch *w, uint32_t events)
{
	if (w->pending) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			conn_close(sv, w);
			return;
		}
		if (w->pending == HELD_PARKED)
			conn_flush(sv, w);
		return;
	}
	if ((events & EPOLLIN) && !w->sr->throttled) {
		/* One request per wake-up: epoll is level-triggered, so a
		 * busy connection comes back at once, and a worker waiting for
		 * its one reply does not pay for a recvmsg that finds nothing.
		 * (Throttled since this batch began: left for later.) */
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
		if (sv->held != NULL)
			flush_held(sv);
		free_retired(sv);
	}
	return 0;
}
