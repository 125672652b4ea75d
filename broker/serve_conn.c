/*
 * serve_conn.c: reading and answering the requests of a connection (see
 * serve.h): one request per event, decided and done by ops.c without the
 * server lock; a reply the worker has no room for is parked, and with
 * --audit-sync it waits for the records to be made durable.
 */
#include <errno.h>
#include <pthread.h>
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
#include "serve_impl.h"
#include "task.h"

static void
violation(struct server *sv, struct watch *w, const char *why)
{
	sv->nviolations++;
	/* As fast as a worker can send: at most RATELOG_PER_S lines a
	 * second, the rest counted. */
	if (ratelog_ok(&sv->vlog))
		log_warnx("worker %ld: protocol violation: %s; connection closed",
		    (long)w->sr->s->pid, why);
	conn_end(sv, w);
}

/* Hold a reply: parked until the worker reads (HELD_PARKED), or until the
 * end of the batch (HELD_SYNC); no request of the connection is read
 * meanwhile.  The connection takes the descriptors (closed with it if it
 * closes first); on failure they are still the caller's.  kfull: the
 * kernel refused its descriptors (conn_send() said 2): the tick sends it
 * again, not EPOLLOUT (the socket has room). */
static int
conn_hold(struct sthread *th, struct watch *w, size_t len, const int *fds, unsigned nfds,
    int how, int kfull)
{
	struct server *sv = th->sv;

	if (len > FB_REPLY_MAX || nfds > FB_OPENV_MAX)
		fatalx("parking a reply of %zu bytes and %u descriptors", len, nfds);
	if (w->pbuf == NULL && (w->pbuf = malloc(FB_REPLY_MAX)) == NULL)
		return -1;
	/* Parked: wait until the worker makes room.  Held for the sync:
	 * nothing but a hang-up until the end of the batch. */
	if (conn_interest(sv, w, how == HELD_PARKED ? EPOLLOUT : 0) == -1)
		return -1;
	memcpy(w->pbuf, th->out, len);
	w->plen = len;
	memcpy(w->pfds, fds, nfds * sizeof(fds[0]));
	w->npfds = nfds;
	w->pending = how;
	if (how == HELD_PARKED) {
		sref_parked(sv, w->sr, 1);
		fds_parked(sv, w->sr, (int)nfds);
		if (kfull)
			conn_park_kfull(sv, w);
	}
	if (how == HELD_SYNC) {
		w->stype = th->rep.type;
		w->sid = th->rep.id;
		w->snext = th->held;
		th->held = w;
	}
	return 0;
}

/*
 * The worker made room for a parked reply (EPOLLOUT), or the tick asks
 * again for one whose descriptors the kernel refused: send it.  With the
 * lock held and the session this thread's (dispatch()); the send and the
 * closes are done without the lock.
 */
void
conn_flush(struct server *sv, struct watch *w)
{
	unsigned n = w->npfds;
	int r;

	pthread_mutex_unlock(&sv->lock);
	r = conn_send_raw(w, w->pbuf, w->plen, w->pfds, n);
	if (r == 1 || r < 0)
		close_fds(w->pfds, n); /* the worker's now, or nobody's */
	pthread_mutex_lock(&sv->lock);
	conn_sent(sv, w, r, n);
	if (r == 0) {
		/* No room: wait for it (EPOLLOUT), the kernel's budget aside. */
		if (w->kfull) {
			w->kfull = 0;
			poll_remove(sv, w);
		}
		if (conn_interest(sv, w, EPOLLOUT) == -1)
			conn_end(sv, w);
		return;
	}
	if (r == 2) {
		if (w->kfull)
			conn_interest(sv, w, 0); /* the tick asks again */
		else
			conn_park_kfull(sv, w);
		return;
	}
	if (w->kfull) {
		w->kfull = 0;
		poll_remove(sv, w);
	}
	w->npfds = 0;
	w->pending = 0;
	sref_parked(sv, w->sr, -1);
	fds_parked(sv, w->sr, -(int)n);
	if (r < 0 || conn_interest(sv, w, conn_idle(w)) == -1)
		conn_end(sv, w);
}

/*
 * FB_MSG_LISTENER: the seccomp listener fd of a daemon peer's own filter
 * (transparent mode over its connection), served by notify.c for the
 * peer's session, which it holds until the last filtered task is gone.  A
 * run session gets its listener from the launcher instead, and a run
 * broker confined for explicit mode could not serve one.  Counts as one
 * request (and is admitted as one).  Without the lock (notify_adopt()
 * takes it to watch the listener); takes ownership of fd; fills th->rep.
 */
static void
conn_listener(struct sthread *th, struct watch *w, int fd)
{
	struct server *sv = th->sv;
	struct session *s = w->sr->s;
	int e;

	memset(&th->rep, 0, sizeof(th->rep));
	th->rep.type = FB_MSG_LISTENER;
	th->rep.id = th->req.id;
	s->nrequests++;
	if (!s->accept_listener)
		e = EOPNOTSUPP;
	else if (s->admit != NULL)
		e = s->admit(s, &th->req); /* serve's --max-rate, as for any request */
	else
		e = 0;
	if (e != 0)
		fdpass_close_quietly(fd);
	else
		e = notify_adopt(sv, s, fd);
	pthread_mutex_lock(&sv->lock);
	if (e == 0)
		log_info("worker %ld: transparent mode: serving its seccomp listener",
		    (long)s->pid);
	else if (ratelog_ok(&sv->llog))
		log_warnx("worker %ld: transparent mode: listener refused: %s", (long)s->pid,
		    strerror(e));
	pthread_mutex_unlock(&sv->lock);
	th->rep.error = (uint32_t)e;
}

/* The records of a reply could not be made durable: it becomes EIO, in
 * buf (FB_REPLY_MAX bytes).  Returns its length. */
static ssize_t
eio_reply(struct sthread *th, uint16_t type, uint32_t id, uint8_t *buf)
{
	ssize_t len;

	memset(&th->rep, 0, sizeof(th->rep));
	th->rep.type = type;
	th->rep.id = id;
	th->rep.error = EIO;
	if ((len = proto_encode_reply(&th->rep, buf, FB_REPLY_MAX)) < 0)
		fatal("encoding an EIO reply");
	return len;
}

/*
 * Read and answer one request.  Called with the lock held and the session
 * this thread's (dispatch()); everything a worker could make wait is done
 * without the lock: the recvmsg, the closes of what it sent (a lingering
 * TCP socket blocks close(2) as long as its sender wants, fdpass.h), the
 * request itself (it may wait on a file system or the audit sink), the
 * reply's sendmsg.  The lock is taken again for the bookkeeping.  Returns
 * 1 when a reply went, 0 when the socket is drained, the reply waits or
 * the connection was closed.
 */
static int
conn_serve_one(struct sthread *th, struct watch *w)
{
	struct server *sv = th->sv;
	struct fdpass_in *in = &th->rx;
	struct timespec t0;
	struct origin o;
	const char *why;
	ssize_t n, len;
	unsigned nout, i;
	int fd, rfd = -1, r, err;

	pthread_mutex_unlock(&sv->lock);
	n = fdpass_recv(w->fd, th->in, sizeof(th->in), in);
	err = errno;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Whatever arrives, every descriptor in it is closed, but for the
	 * first, kept in rfd until the message proves to be the one request
	 * that carries one (FB_MSG_LISTENER) and closed otherwise. */
	for (i = 0; i < in->nfds; i++) {
		if (rfd == -1)
			rfd = in->fds[i];
		else
			fdpass_close_quietly(in->fds[i]);
	}
	why = NULL;
	if (n == -1 || (n == 0 && in->nfds == 0 && !(in->flags & (MSG_TRUNC | MSG_CTRUNC)))) {
		/* An error, nothing there, or end of file (an empty packet
		 * looks the same; the protocol has none). */
		if (rfd != -1)
			fdpass_close_quietly(rfd);
		pthread_mutex_lock(&sv->lock);
		if (n == -1 && (err == EAGAIN || err == EWOULDBLOCK))
			return 0;
		if (n == -1)
			log_debug("worker %ld: connection: %s", (long)w->sr->s->pid,
			    strerror(err));
		conn_end(sv, w);
		return 0;
	}
	r = (int)proto_request_nfds(proto_peek_type(th->in, (size_t)n));
	if ((int)in->nfds != r)
		why = r == 0 ? "request carried descriptors"
		    : in->nfds == 0 ? "listener request without its descriptor"
				    : "listener request with more than one descriptor";
	else if (in->flags & MSG_TRUNC)
		why = "message too long";
	else if (in->flags & MSG_CTRUNC)
		why = "control data truncated";
	else if (!in->has_cred)
		why = "no credentials from the kernel (SO_PASSCRED)";
	/* OPENV has its own decoder (its request does not fit struct
	 * fb_request); the header decides which, and each checks it again. */
	else if (proto_peek_type(th->in, (size_t)n) == FB_MSG_OPENV) {
		if (proto_decode_openv(th->in, (size_t)n, &th->openv, &why) == -1 && why == NULL)
			why = "malformed";
	} else if (proto_decode_request(th->in, (size_t)n, &th->req, &why) == -1 && why == NULL)
		why = "malformed";
	if (why != NULL) {
		if (rfd != -1)
			fdpass_close_quietly(rfd);
		pthread_mutex_lock(&sv->lock);
		violation(sv, w, why);
		return 0;
	}
	/* Who asked: the process that sent this very message, as the kernel
	 * says (SCM_CREDENTIALS), not the one that connected nor one that
	 * made the channel.  A connection outlives its maker: it is inherited
	 * by children, passed to other processes, kept by one that then
	 * became a set-user-ID program.  The credentials are those of the
	 * sender at the time it sent (its real uid and gid); pid 0 when it is
	 * in a pid namespace the broker cannot see. */
	o.mode = "explicit";
	o.pid = in->cred.pid;
	o.tid = 0;
	o.nspid = task_ns_pid(w->sr->s->ns, o.pid);
	o.nstid = 0;
	o.uid = in->cred.uid;
	o.gid = in->cred.gid;
	o.resolve = 0;
	o.resolve_err = 0;
	o.resolved = NULL;
	o.times = NULL;
	o.fdobj = NULL;
	o.statfs = NULL;
	o.length = 0;
	o.ifd = -1;
	o.wd = NULL;
	/*
	 * The request is decided and done without the server lock: it may
	 * wait on the file system (or the audit sink) for as long as that
	 * takes, and other threads serve other sessions meanwhile.  w and its
	 * session stay this thread's: the session is busy (dispatch()).
	 */
	nout = 0;
	if (proto_peek_type(th->in, (size_t)n) == FB_MSG_OPENV) {
		ops_handle_openv(w->sr->s, &o, &th->openv, &t0, &th->rep, th->fds);
		nout = th->rep.nfds;
	} else if (th->req.type == FB_MSG_LISTENER)
		conn_listener(th, w, rfd);
	else {
		ops_handle(w->sr->s, &o, &th->req, &t0, &th->rep, &fd);
		if (fd != -1)
			th->fds[nout++] = fd;
	}
	if ((len = proto_encode_reply(&th->rep, th->out, sizeof(th->out))) < 0) {
		/* Our own reply does not encode: a broken invariant. */
		fatal("encoding a %s reply", proto_type_name(th->rep.type));
	}
	if (w->sr->s->audit != NULL && audit_needs_sync(w->sr->s->audit)) {
		if (!sv->oneshot) {
			/* --audit-sync: the reply waits for the one
			 * fdatasync() that ends this batch of events
			 * (flush_held()). */
			pthread_mutex_lock(&sv->lock);
			if (conn_hold(th, w, (size_t)len, th->fds, nout, HELD_SYNC, 0) == -1) {
				close_fds_later(sv, th->fds, nout);
				conn_end(sv, w);
			}
			return 0;
		}
		/* Threads take one event per batch: the sync is done here.
		 * Records other threads wrote meanwhile ride along, and a sync
		 * that finds nothing new is skipped. */
		if (ops_audit_sync(w->sr->s) == -1) {
			close_fds(th->fds, nout);
			nout = 0;
			len = eio_reply(th, th->rep.type, th->rep.id, th->out);
		}
	}
	r = conn_send_raw(w, th->out, (size_t)len, th->fds, nout);
	if (r == 1 || r < 0)
		close_fds(th->fds, nout); /* the worker's now, or nobody's */
	pthread_mutex_lock(&sv->lock);
	conn_sent(sv, w, r, nout);
	if (r == 0 || r == 2) {
		if (conn_hold(th, w, (size_t)len, th->fds, nout, HELD_PARKED, r == 2) == -1) {
			close_fds_later(sv, th->fds, nout);
			conn_end(sv, w);
		}
		return 0;
	}
	if (r < 0) {
		conn_end(sv, w);
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
void
flush_held(struct sthread *th)
{
	struct server *sv = th->sv;
	struct watch *w, *next;
	int r;

	w = th->held;
	th->held = NULL;
	for (; w != NULL; w = next) {
		next = w->snext;
		if (w->kind == W_DEAD || w->pending != HELD_SYNC)
			continue;
		if (ops_audit_sync(w->sr->s) == -1) {
			close_fds_later(sv, w->pfds, w->npfds);
			w->npfds = 0;
			w->plen = (size_t)eio_reply(th, w->stype, w->sid, w->pbuf);
		}
		r = conn_send(sv, w, w->pbuf, w->plen, w->pfds, w->npfds);
		if (r == 0 || r == 2) {
			w->pending = HELD_PARKED;
			sref_parked(sv, w->sr, 1);
			fds_parked(sv, w->sr, (int)w->npfds);
			if (r == 2)
				conn_park_kfull(sv, w);
			else if (conn_interest(sv, w, EPOLLOUT) == -1)
				conn_end(sv, w);
			continue;
		}
		close_fds_later(sv, w->pfds, w->npfds);
		w->npfds = 0;
		w->pending = 0;
		if (r < 0 || conn_interest(sv, w, conn_idle(w)) == -1)
			conn_end(sv, w);
	}
}

void
conn_event(struct sthread *th, struct watch *w, uint32_t events)
{
	struct server *sv = th->sv;

	if (w->doomed)
		return; /* an event taken before it was unwatched */
	if (w->pending) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			conn_end(sv, w);
			return;
		}
		if (w->pending == HELD_PARKED)
			conn_flush(sv, w);
		return;
	}
	if ((events & EPOLLIN) && !w->sr->throttled && !w->sr->fdfull) {
		/* One request per wake-up: epoll is level-triggered, so a
		 * busy connection comes back at once, and a worker waiting for
		 * its one reply does not pay for a recvmsg that finds nothing.
		 * (Throttled since this batch began: left for later.) */
		conn_serve_one(th, w);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP))
		conn_end(sv, w);
}
