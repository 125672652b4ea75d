/*
 * conn.c: a connection of a session (loop.h), all of it: made
 * (conn_add()), read and answered, one request per event, decided and done
 * by the wire front end (wire.c) without the server lock; a reply the worker has no
 * room for parked, and with --audit-sync held for the records to be made
 * durable; the descriptors it sends counted against its session's budget
 * (below); its end, or its doom; and the session's end with its last
 * connection (sref_check()).
 *
 * A descriptor the broker sends is in flight until the worker's recvmsg
 * takes it, and the kernel counts every descriptor in flight against the
 * sending user, up to the sender's RLIMIT_NOFILE: past it, every
 * SCM_RIGHTS send of that user fails with ETOOMANYREFS.  The broker's user
 * is root, shared by every broker on the machine, so a worker that never
 * reads its replies (a connection holds about 277 OPENV replies of 64
 * descriptors before the broker parks one) would spend that budget for
 * every other session and every other run.
 *
 * So each session has a budget, max_fds: the descriptors of the replies
 * sent on its connections since each connection's queue was last seen
 * empty (SIOCOUTQ: the bytes sent that the worker has not taken), plus
 * those of its parked replies.  At the budget none of its connections is
 * read, as at --max-inflight, until the worker takes them, which the tick
 * asks the sockets, soon, then less and less often.  An honest worker,
 * which reads each reply before it asks again, finds its queue empty at
 * every send and never comes near it.
 *
 * A connection the broker closes (a protocol violation, the daemon's idle
 * timeout) while descriptors it sent still wait in the worker's queue
 * would take them out of the count while the worker keeps them: it is
 * doomed instead, unwatched and never read again but kept and counted,
 * and closed once its queue is empty (the worker took them or closed its
 * end).  A reply the kernel refuses with ETOOMANYREFS (the budget spent by
 * someone else) is parked and sent again by the tick; the connection is
 * not dropped.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "fdpass.h"
#include "log.h"
#include "loop.h"
#include "loop_impl.h"
#include "ops.h"
#include "proto.h"
#include "task.h"
#include "wire.h"

static uint32_t conn_idle(const struct watch *w);
static void sref_parked(struct server *sv, struct sref *sr, int delta);
static void conn_unhold(struct server *sv, struct watch *w);
static void refresh(struct watch *w);
static void later(struct timespec *at, unsigned ms);
static int due(const struct timespec *at, const struct timespec *now);
static unsigned backoff(unsigned ms);
static void fdfull_remove(struct server *sv, struct sref *sr);
static void fds_check(struct server *sv, struct sref *sr);
static void poll_add(struct server *sv, struct watch *w);
static void poll_remove(struct server *sv, struct watch *w);
static int conn_send_raw(struct watch *w, const void *buf, size_t len, const int *fds,
    unsigned nfds);
static void conn_sent(struct server *sv, struct watch *w, int r, unsigned nfds);
static int conn_send(struct server *sv, struct watch *w, const void *buf, size_t len,
    const int *fds, unsigned nfds);
static void fds_parked(struct server *sv, struct sref *sr, int delta);
static void conn_park_kfull(struct server *sv, struct watch *w);
static void conn_end(struct server *sv, struct watch *w);
static void fds_forget(struct server *sv, struct sref *sr);
static void fds_tick(struct server *sv);
static void violation(struct server *sv, struct watch *w, const char *why);
static int conn_hold(struct sthread *th, struct watch *w, size_t len, const int *fds, unsigned nfds,
    int how, int kfull);
static void conn_listener(struct sthread *th, struct watch *w, int fd);
static int conn_serve_one(struct sthread *th, struct watch *w);

/* An added session with no connection and no held watch left is done.
 * Nothing else of the server refers to it any more. */
void
sref_check(struct server *sv, struct sref *sr)
{
	/* Busy: the thread serving it checks again when done (dispatch()). */
	if (sr->nconns > 0 || sr->nheld > 0 || sr == sv->def || sr->busy)
		return;
	fds_forget(sv, sr);
	sr->s->serve = NULL;
	sr->s->new_channel = NULL;
	if (sr->release != NULL)
		sr->release(sr->s, sr->arg);
	free(sr);
}

/* What a connection that holds no reply waits for: requests, unless its
 * session is throttled, by --max-inflight or at its budget of descriptors
 * out (hang-ups are reported either way). */
static uint32_t
conn_idle(const struct watch *w)
{
	return w->sr->throttled || w->sr->fdfull ? 0 : EPOLLIN;
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
		if (!w->pending && watch_interest(sv, w, conn_idle(w)) == -1)
			log_warn("worker %ld: epoll", (long)sr->s->pid);
}

/* A reply held for this batch's sync: off its thread's list. */
static void
conn_unhold(struct server *sv, struct watch *w)
{
	struct watch **pp;
	unsigned i;

	if (w->pending != HELD_SYNC)
		return;
	for (i = 0; i < sv->nthreads; i++)
		for (pp = &sv->th[i].held; *pp != NULL; pp = &(*pp)->snext)
			if (*pp == w) {
				*pp = w->snext;
				return;
			}
}

void
conn_close(struct server *sv, struct watch *w)
{
	struct sref *sr = w->sr;

	/* A reply held for this batch's sync goes with it. */
	conn_unhold(sv, w);
	if (!w->doomed) /* a doomed one is unwatched already */
		epoll_ctl(sv->ep, EPOLL_CTL_DEL, w->fd, NULL);
	poll_remove(sv, w);
	close_later(sv, w->fd, 1);
	if (w->pending)
		close_fds_later(sv, w->pfds, w->npfds);
	free(w->pbuf);
	sv->nconns--;
	retire(sv, w);
	if (w->cprev != NULL)
		w->cprev->cnext = w->cnext;
	else
		sr->conns = w->cnext;
	if (w->cnext != NULL)
		w->cnext->cprev = w->cprev;
	/* Whatever it sent that is still queued went with the worker's end
	 * (or with the broker, when it stops). */
	sr->out_fds -= w->sent_fds;
	w->sent_fds = 0;
	if (w->pending == HELD_PARKED)
		sref_parked(sv, sr, -1);
	/* Below its budget now, maybe. */
	fds_parked(sv, sr, w->pending == HELD_PARKED ? -(int)w->npfds : 0);
	sr->nconns--;
	sref_check(sv, sr);
}

/* fd as one more connection of sr. */
int
conn_add(struct server *sv, struct sref *sr, int fd)
{
	struct watch *w;

	if (sr->nconns >= sr->max) {
		close_later(sv, fd, 1);
		errno = EMFILE;
		return -1;
	}
	/* Every request names its sender (conn.c): set before the
	 * other end of a channel leaves, so that no message comes without. */
	if (fdpass_want_creds(fd) == -1 ||
	    (w = watch_add(sv, fd, W_CONN, sr->throttled || sr->fdfull ? 0 : EPOLLIN)) == NULL) {
		int saved = errno;
		close_later(sv, fd, 1);
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
	clock_gettime(CLOCK_MONOTONIC, &sr->last);
	return 0;
}

/* The tick: the server's own bounds (conn.c), then, once a second,
 * the owner's timers. */
void
tick_event(void *arg, uint32_t events)
{
	struct server *sv = arg;
	struct timespec now;
	uint64_t n;

	(void)events;
	if (read(sv->tickfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return; /* not yet: another thread took it */
	fds_tick(sv);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - sv->tick_last.tv_sec > 1 ||
	    (now.tv_sec - sv->tick_last.tv_sec == 1 && now.tv_nsec >= sv->tick_last.tv_nsec)) {
		sv->tick_last = now;
		ratelog_flush(&sv->vlog);
		ratelog_flush(&sv->llog);
		ratelog_flush(&sv->flog);
		if (sv->tick_fn != NULL)
			sv->tick_fn(sv->tick_arg);
	}
}

/* The worker took everything w sent before: forget those descriptors. */
static void
refresh(struct watch *w)
{
	int q;

	if (w->sent_fds == 0)
		return;
	/* An error cannot come from a Unix socket the broker holds; counted
	 * as taken rather than holding the session forever. */
	if (ioctl(w->fd, SIOCOUTQ, &q) == -1 || q == 0) {
		w->sr->out_fds -= w->sent_fds;
		w->sent_fds = 0;
	}
}

static void
later(struct timespec *at, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, at);
	at->tv_nsec += (long)(ms % 1000) * 1000000L;
	at->tv_sec += ms / 1000 + at->tv_nsec / 1000000000L;
	at->tv_nsec %= 1000000000L;
}

static int
due(const struct timespec *at, const struct timespec *now)
{
	return now->tv_sec > at->tv_sec ||
	    (now->tv_sec == at->tv_sec && now->tv_nsec >= at->tv_nsec);
}

static unsigned
backoff(unsigned ms)
{
	return ms * 2 > SERVE_POLL_MAX_MS ? SERVE_POLL_MAX_MS : ms * 2;
}

static void
fdfull_remove(struct server *sv, struct sref *sr)
{
	struct sref **pp;

	for (pp = &sv->fdfull; *pp != NULL; pp = &(*pp)->fnext)
		if (*pp == sr) {
			*pp = sr->fnext;
			return;
		}
}

/* Is the session at its budget?  Toggles its reading when that changes. */
static void
fds_check(struct server *sv, struct sref *sr)
{
	struct watch *w;
	int full;

	if (sr->out_fds + sr->parked_fds >= sv->max_fds)
		for (w = sr->conns; w != NULL; w = w->cnext)
			refresh(w);
	full = sr->out_fds + sr->parked_fds >= sv->max_fds;
	if (full == sr->fdfull)
		return;
	sr->fdfull = full;
	if (full) {
		sr->nfdfull++;
		sr->fnext = sv->fdfull;
		sv->fdfull = sr;
		sr->fdelay_ms = 1;
		later(&sr->fnext_at, sr->fdelay_ms);
		if (ratelog_ok(&sv->flog))
			log_warnx("worker %ld: %u descriptors it has not taken (its budget is %u): "
				  "none of its requests is read until it takes them",
			    (long)sr->s->pid, sr->out_fds + sr->parked_fds, sv->max_fds);
	} else
		fdfull_remove(sv, sr);
	for (w = sr->conns; w != NULL; w = w->cnext)
		if (!w->pending && !w->doomed && watch_interest(sv, w, conn_idle(w)) == -1)
			log_warn("worker %ld: epoll", (long)sr->s->pid);
	tick_update(sv);
}

static void
poll_add(struct server *sv, struct watch *w)
{
	if (w->polled)
		return;
	w->polled = 1;
	w->pdelay_ms = 1;
	later(&w->pnext_at, w->pdelay_ms);
	w->pnext = sv->polled;
	sv->polled = w;
	tick_update(sv);
}

static void
poll_remove(struct server *sv, struct watch *w)
{
	struct watch **pp;

	if (!w->polled)
		return;
	for (pp = &sv->polled; *pp != NULL; pp = &(*pp)->pnext)
		if (*pp == w) {
			*pp = w->pnext;
			break;
		}
	w->polled = 0;
	tick_update(sv);
}

static int
conn_send_raw(struct watch *w, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	ssize_t n;

	if (nfds > 0)
		refresh(w);
	n = fdpass_sendv(w->fd, buf, len, fds, nfds, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == -1 && errno == ETOOMANYREFS)
		return 2;
	return n == -1 ? -1 : 1;
}

static void
conn_sent(struct server *sv, struct watch *w, int r, unsigned nfds)
{
	if (r == 2 && ratelog_ok(&sv->flog))
		log_warnx("worker %ld: the kernel refused a reply's descriptors (ETOOMANYREFS: "
			  "the broker's user has too many in flight, RLIMIT_NOFILE); sent again "
			  "when they are taken",
		    (long)w->sr->s->pid);
	if (r == 1 && nfds > 0) {
		w->sent_fds += nfds;
		w->sr->out_fds += nfds;
		fds_check(sv, w->sr);
	}
}

static int
conn_send(struct server *sv, struct watch *w, const void *buf, size_t len, const int *fds,
    unsigned nfds)
{
	int r = conn_send_raw(w, buf, len, fds, nfds);

	conn_sent(sv, w, r, nfds);
	return r;
}

void
fds_refresh(struct server *sv, struct sref *sr)
{
	struct watch *w;

	for (w = sr->conns; w != NULL; w = w->cnext)
		refresh(w);
	fds_check(sv, sr);
}

static void
fds_parked(struct server *sv, struct sref *sr, int delta)
{
	sr->parked_fds = (unsigned)((int)sr->parked_fds + delta);
	fds_check(sv, sr);
}

static void
conn_park_kfull(struct server *sv, struct watch *w)
{
	w->kfull = 1;
	if (watch_interest(sv, w, 0) == -1)
		log_warn("worker %ld: epoll", (long)w->sr->s->pid);
	poll_add(sv, w);
}

static void
conn_end(struct server *sv, struct watch *w)
{
	refresh(w);
	if (w->sent_fds == 0 || w->doomed) {
		conn_close(sv, w);
		return;
	}
	/* Descriptors it sent still wait in the worker's queue: keep it,
	 * unwatched, until they are taken (its parked reply, which the worker
	 * has not got, goes now). */
	w->doomed = 1;
	epoll_ctl(sv->ep, EPOLL_CTL_DEL, w->fd, NULL);
	if (w->pending) {
		conn_unhold(sv, w);
		close_fds_later(sv, w->pfds, w->npfds);
		if (w->pending == HELD_PARKED) {
			sref_parked(sv, w->sr, -1);
			fds_parked(sv, w->sr, -(int)w->npfds);
		}
		w->npfds = 0;
		w->pending = 0;
		w->kfull = 0;
	}
	poll_add(sv, w);
}

static void
fds_forget(struct server *sv, struct sref *sr)
{
	if (sr->fdfull)
		fdfull_remove(sv, sr);
	sr->fdfull = 0;
}

static void
fds_tick(struct server *sv)
{
	struct timespec now;
	struct sref *sr, *snext;
	struct watch *w, *wnext;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* A busy session is its thread's (loop_impl.h): asked next time. */
	for (sr = sv->fdfull; sr != NULL; sr = snext) {
		snext = sr->fnext;
		if (sr->busy || !due(&sr->fnext_at, &now))
			continue;
		sr->fdelay_ms = backoff(sr->fdelay_ms);
		later(&sr->fnext_at, sr->fdelay_ms);
		fds_check(sv, sr); /* may take it off the list */
	}
	for (w = sv->polled; w != NULL; w = wnext) {
		wnext = w->pnext;
		if (w->sr->busy || !due(&w->pnext_at, &now))
			continue;
		w->pdelay_ms = backoff(w->pdelay_ms);
		later(&w->pnext_at, w->pdelay_ms);
		if (w->doomed) {
			refresh(w);
			if (w->sent_fds == 0)
				conn_close(sv, w); /* takes it off the list */
		} else if (w->kfull && watch_interest(sv, w, EPOLLOUT) == -1) {
			/* One event: a serving thread tries it again (conn_flush()),
			 * without the lock. */
			log_warn("worker %ld: epoll", (long)w->sr->s->pid);
		}
	}
}

void
tick_update(struct server *sv)
{
	struct itimerspec it;
	int fast = sv->polled != NULL || sv->fdfull != NULL;

	if (sv->freeing || (sv->ticking && fast == sv->tick_fast))
		return;
	if (!fast && sv->tick_fn == NULL && !sv->ticking)
		return;
	memset(&it, 0, sizeof(it));
	if (fast) {
		it.it_value.tv_nsec = SERVE_POLL_MS * 1000000L;
		it.it_interval = it.it_value;
	} else if (sv->tick_fn != NULL) {
		it.it_value.tv_sec = 1;
		it.it_interval = it.it_value;
	}
	if (!sv->ticking) {
		if (server_watch(sv, sv->tickfd, tick_event, sv) == -1) {
			log_warn("the tick");
			return;
		}
		sv->ticking = 1;
	}
	if (timerfd_settime(sv->tickfd, 0, &it, NULL) == -1)
		log_warn("the tick");
	sv->tick_fast = fast;
}

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
conn_hold(struct sthread *th, struct watch *w, size_t len, const int *fds, unsigned nfds, int how,
    int kfull)
{
	struct server *sv = th->sv;

	if (len > FB_REPLY_MAX || nfds > FB_OPENV_MAX)
		fatalx("parking a reply of %zu bytes and %u descriptors", len, nfds);
	if (w->pbuf == NULL && (w->pbuf = malloc(FB_REPLY_MAX)) == NULL)
		return -1;
	/* Parked: wait until the worker makes room.  Held for the sync:
	 * nothing but a hang-up until the end of the batch. */
	if (watch_interest(sv, w, how == HELD_PARKED ? EPOLLOUT : 0) == -1)
		return -1;
	memcpy(w->pbuf, th->wire.out, len);
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
		w->stype = th->wire.rep.type;
		w->sid = th->wire.rep.id;
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
		if (watch_interest(sv, w, EPOLLOUT) == -1)
			conn_end(sv, w);
		return;
	}
	if (r == 2) {
		if (w->kfull)
			watch_interest(sv, w, 0); /* the tick asks again */
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
	if (r < 0 || watch_interest(sv, w, conn_idle(w)) == -1)
		conn_end(sv, w);
}

/*
 * FB_MSG_LISTENER: the seccomp listener fd of a daemon peer's own filter
 * (transparent mode over its connection), given to the session's listener
 * hook (the daemon's: notify_adopt(), which serves it for the peer's
 * session and holds the session until the last filtered task is gone).  A
 * run session has no hook: it gets its listener from the launcher, and a
 * run broker confined for explicit mode could not serve one.  Counts as
 * one request (and is admitted as one).  Without the lock; takes
 * ownership of fd; fills th->wire.rep.
 */
static void
conn_listener(struct sthread *th, struct watch *w, int fd)
{
	struct server *sv = th->sv;
	struct session *s = w->sr->s;
	int e;

	memset(&th->wire.rep, 0, sizeof(th->wire.rep));
	th->wire.rep.type = FB_MSG_LISTENER;
	th->wire.rep.id = th->wire.req.id;
	s->nrequests++;
	if (s->listener == NULL)
		e = EOPNOTSUPP;
	else if (s->admit != NULL)
		e = s->admit(s); /* serve's --max-rate, as for any request */
	else
		e = 0;
	if (e != 0)
		fdpass_close_quietly(fd);
	else
		e = s->listener(s, fd);
	pthread_mutex_lock(&sv->lock);
	if (e == 0)
		log_info("worker %ld: transparent mode: serving its seccomp listener",
		    (long)s->pid);
	else if (ratelog_ok(&sv->llog))
		log_warnx("worker %ld: transparent mode: listener refused: %s", (long)s->pid,
		    strerror(e));
	pthread_mutex_unlock(&sv->lock);
	th->wire.rep.error = (uint32_t)e;
}

/*
 * What sender pid runs, for the records of connection w: /proc/PID/exe,
 * read when pid first sends on it (a readlink costs about 3 us, a third of
 * a request).  An exec the broker does not see here: libfilebroker's
 * channels are close-on-exec, so a program that execs asks through new
 * ones; a process that keeps a connection across its exec on purpose is
 * shown with the program it had (docs/audit.md: a hint, not proof).  NULL
 * when it cannot be read.  w is the serving thread's (its session is).
 */
static const char *
conn_exe(struct watch *w, pid_t pid)
{
	char buf[PATH_MAX];

	if (w->exe != NULL && w->exe_pid == pid)
		return w->exe;
	free(w->exe);
	w->exe = NULL;
	w->exe_pid = pid;
	if (pid > 0 && task_exe_read(pid, buf, sizeof(buf)) >= 0)
		w->exe = strdup(buf);
	return w->exe;
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
	struct asker who;
	const char *why;
	ssize_t n, len;
	unsigned nout, i;
	int rfd = -1, r, err;

	pthread_mutex_unlock(&sv->lock);
	n = fdpass_recv(w->fd, th->in, sizeof(th->in), in);
	err = errno;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Whatever arrives, every descriptor in it is closed, but for the
	 * first, kept in rfd until the message proves to be a request that
	 * carries one (FB_MSG_LISTENER, FB_MSG_AT) and closed otherwise. */
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
			log_debug("worker %ld: connection: %s", (long)w->sr->s->pid, strerror(err));
		conn_end(sv, w);
		return 0;
	}
	r = (int)proto_request_nfds(proto_peek_type(th->in, (size_t)n));
	if ((int)in->nfds != r)
		why = r == 0	  ? "request carried descriptors" :
		    in->nfds == 0 ? "listener or folder request without its descriptor" :
				    "listener or folder request with more than one descriptor";
	else if (in->flags & MSG_TRUNC)
		why = "message too long";
	else if (in->flags & MSG_CTRUNC)
		why = "control data truncated";
	else if (!in->has_cred)
		why = "no credentials from the kernel (SO_PASSCRED)";
	else
		(void)wire_decode(&th->wire, th->in, (size_t)n, &why);
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
	who.front = FRONT_WIRE;
	who.pid = in->cred.pid;
	who.tid = 0;
	/* Its number in the worker's PID namespace (run --explicit's), for
	 * /proc/self and the /proc/PID rule; the thread is not known. */
	who.nspid = task_ns_pid(w->sr->s->ns, who.pid);
	who.nstid = 0;
	who.uid = in->cred.uid;
	who.gid = in->cred.gid;
	who.exe = w->sr->s->audit != NULL ? conn_exe(w, who.pid) : NULL;
	/*
	 * The request is decided and done without the server lock: it may
	 * wait on the file system (or the audit sink) for as long as that
	 * takes, and other threads serve other sessions meanwhile.  w and its
	 * session stay this thread's: the session is busy (dispatch()).
	 */
	if (!th->wire.openv && th->wire.req.type == FB_MSG_LISTENER) {
		conn_listener(th, w, rfd);
		th->wire.nfds = 0;
		len = (ssize_t)wire_encode(&th->wire);
	} else {
		/* The folder of an FB_MSG_AT request (wire.c), closed once
		 * the request is done. */
		th->wire.basefd = rfd;
		len = (ssize_t)wire_answer(&th->wire, w->sr->s, &who, &t0);
		if (rfd != -1)
			fdpass_close_quietly(rfd);
	}
	nout = th->wire.nfds;
	if (w->sr->s->audit != NULL && audit_needs_sync(w->sr->s->audit)) {
		if (!sv->oneshot) {
			/* --audit-sync: the reply waits for the one
			 * fdatasync() that ends this batch of events
			 * (flush_held()). */
			pthread_mutex_lock(&sv->lock);
			if (conn_hold(th, w, (size_t)len, th->wire.fds, nout, HELD_SYNC, 0) == -1) {
				close_fds_later(sv, th->wire.fds, nout);
				conn_end(sv, w);
			}
			return 0;
		}
		/* Threads take one event per batch: the sync is done here.
		 * Records other threads wrote meanwhile ride along, and a sync
		 * that finds nothing new is skipped. */
		if (ops_audit_sync(w->sr->s) == -1) {
			close_fds(th->wire.fds, nout);
			nout = 0;
			len = (ssize_t)wire_eio(&th->wire, th->wire.rep.type, th->wire.rep.id,
			    th->wire.out);
		}
	}
	r = conn_send_raw(w, th->wire.out, (size_t)len, th->wire.fds, nout);
	if (r == 1 || r < 0)
		close_fds(th->wire.fds, nout); /* the worker's now, or nobody's */
	pthread_mutex_lock(&sv->lock);
	conn_sent(sv, w, r, nout);
	if (r == 0 || r == 2) {
		if (conn_hold(th, w, (size_t)len, th->wire.fds, nout, HELD_PARKED, r == 2) == -1) {
			close_fds_later(sv, th->wire.fds, nout);
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
			w->plen = wire_eio(&th->wire, w->stype, w->sid, w->pbuf);
		}
		r = conn_send(sv, w, w->pbuf, w->plen, w->pfds, w->npfds);
		if (r == 0 || r == 2) {
			w->pending = HELD_PARKED;
			sref_parked(sv, w->sr, 1);
			fds_parked(sv, w->sr, (int)w->npfds);
			if (r == 2)
				conn_park_kfull(sv, w);
			else if (watch_interest(sv, w, EPOLLOUT) == -1)
				conn_end(sv, w);
			continue;
		}
		close_fds_later(sv, w->pfds, w->npfds);
		w->npfds = 0;
		w->pending = 0;
		if (r < 0 || watch_interest(sv, w, conn_idle(w)) == -1)
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
