/*
 * serve_fds.c: descriptors out (serve.h, server_max_fds()).
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
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "ops.h"
#include "serve.h"
#include "serve_impl.h"

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
		if (!w->pending && !w->doomed && conn_interest(sv, w, conn_idle(w)) == -1)
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

void
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

int
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

void
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

int
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

void
fds_parked(struct server *sv, struct sref *sr, int delta)
{
	sr->parked_fds = (unsigned)((int)sr->parked_fds + delta);
	fds_check(sv, sr);
}

void
conn_park_kfull(struct server *sv, struct watch *w)
{
	w->kfull = 1;
	if (conn_interest(sv, w, 0) == -1)
		log_warn("worker %ld: epoll", (long)w->sr->s->pid);
	poll_add(sv, w);
}

void
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

void
fds_forget(struct server *sv, struct sref *sr)
{
	if (sr->fdfull)
		fdfull_remove(sv, sr);
	sr->fdfull = 0;
}

void
fds_tick(struct server *sv)
{
	struct timespec now;
	struct sref *sr, *snext;
	struct watch *w, *wnext;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* A busy session is its thread's (serve_impl.h): asked next time. */
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
		} else if (w->kfull && conn_interest(sv, w, EPOLLOUT) == -1) {
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
