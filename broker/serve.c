/*
 * serve.c: the event loop's watches and sessions; see serve.h.  Reading
 * and answering requests is serve_conn.c's, the threads serve_thread.c's.
 *
 * Each session the server serves has a `struct sref`: its connection count,
 * its limit and what to do when its last connection goes.  session->serve
 * points to it, so that a CHANNEL request finds the session's server and
 * adds the new connection to the same session.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "ops.h"
#include "serve.h"
#include "serve_impl.h"

static int server_new_channel(struct session *s, int *fd);

void
close_fds(const int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

void
close_fds_later(struct server *sv, const int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		close_later(sv, fds[i], 0);
}

/* With the lock held: close fd when the lock is let go (run_closes()).  A
 * connection (drain) first gives up the descriptors still queued on it,
 * closed so that none can make the close wait (fdpass.h). */
void
close_later(struct server *sv, int fd, int drain)
{
	struct lateclose *nv;
	size_t ncap;

	if (sv->nclosing == sv->capclosing) {
		ncap = sv->capclosing ? sv->capclosing * 2 : 64;
		if ((nv = reallocarray(sv->closing, ncap, sizeof(*nv))) == NULL) {
			/* Out of memory: closed now, rather than kept. */
			if (drain)
				fdpass_drain(fd, SERVE_DRAIN_MAX);
			close(fd);
			return;
		}
		sv->closing = nv;
		sv->capclosing = ncap;
	}
	sv->closing[sv->nclosing].fd = fd;
	sv->closing[sv->nclosing].drain = drain;
	sv->nclosing++;
}

/* With the lock held: the closes close_later() kept, done without it. */
void
run_closes(struct server *sv)
{
	struct lateclose *v;
	size_t i, n;

	while ((n = sv->nclosing) > 0) {
		v = sv->closing;
		sv->closing = NULL;
		sv->nclosing = sv->capclosing = 0;
		pthread_mutex_unlock(&sv->lock);
		for (i = 0; i < n; i++) {
			if (v[i].drain)
				fdpass_drain(v[i].fd, SERVE_DRAIN_MAX);
			close(v[i].fd);
		}
		free(v);
		pthread_mutex_lock(&sv->lock);
	}
}

void
server_close_later(struct server *sv, int fd)
{
	close_later(sv, fd, 1);
}

struct server *
server_new(struct session *s)
{
	struct server *sv;

	if ((sv = calloc(1, sizeof(*sv))) == NULL)
		return NULL;
	if ((s != NULL && (sv->def = calloc(1, sizeof(*sv->def))) == NULL) ||
	    (sv->th = calloc(1, sizeof(*sv->th))) == NULL) {
		free(sv->def);
		free(sv);
		return NULL;
	}
	if ((sv->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(sv->th);
		free(sv->def);
		free(sv);
		return NULL;
	}
	/* Made now, while the broker may still make one (it is watched and
	 * armed when something needs the tick). */
	if ((sv->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) == -1) {
		close(sv->ep);
		free(sv->th);
		free(sv->def);
		free(sv);
		return NULL;
	}
	pthread_mutex_init(&sv->lock, NULL);
	pthread_cond_init(&sv->go, NULL);
	pthread_cond_init(&sv->ready, NULL);
	sv->nthreads = 1;
	sv->th[0].sv = sv;
	sv->stopfd = -1;
	sv->free_slot = NO_SLOT;
	ratelog_init(&sv->vlog, "protocol violations");
	ratelog_init(&sv->llog, "refused listeners");
	ratelog_init(&sv->flog, "lines about descriptors out");
	{
		/* Half of what this broker may have in flight, for its one
		 * session (run); the daemon divides among its peers. */
		struct rlimit rl;

		sv->max_fds = SERVE_MAX_FDS;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur / 2 < SERVE_MAX_FDS)
			sv->max_fds = rl.rlim_cur / 2 < FB_OPENV_MAX ? FB_OPENV_MAX :
								     (unsigned)(rl.rlim_cur / 2);
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

uint64_t
handle_of(const struct server *sv, const struct watch *w)
{
	return (uint64_t)w->slot << 32 | sv->slots[w->slot].gen;
}

/* The watch a handle names, or NULL if it has been unwatched since. */
struct watch *
watch_of(const struct server *sv, uint64_t h)
{
	uint32_t i = (uint32_t)(h >> 32);

	if (i >= sv->nslots || sv->slots[i].gen != (uint32_t)h)
		return NULL;
	return sv->slots[i].w;
}

static int
slot_take(struct server *sv, struct watch *w)
{
	struct slot *nv;
	uint32_t i, n;

	if (sv->free_slot == NO_SLOT) {
		n = sv->nslots ? sv->nslots * 2 : 64;
		if (n <= sv->nslots || n == NO_SLOT ||
		    (nv = reallocarray(sv->slots, n, sizeof(*nv))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		for (i = sv->nslots; i < n; i++) {
			nv[i].w = NULL;
			nv[i].gen = 0;
			nv[i].next_free = i + 1 < n ? i + 1 : NO_SLOT;
		}
		sv->slots = nv;
		sv->free_slot = sv->nslots;
		sv->nslots = n;
	}
	i = sv->free_slot;
	sv->free_slot = sv->slots[i].next_free;
	sv->slots[i].w = w;
	w->slot = i;
	return 0;
}

static void
slot_give(struct server *sv, struct watch *w)
{
	struct slot *sl = &sv->slots[w->slot];

	sl->w = NULL;
	sl->gen++;
	sl->next_free = sv->free_slot;
	sv->free_slot = w->slot;
}

/* Out of the deferred list of its session, if it is on it. */
static void
undefer(struct watch *w)
{
	struct watch **pp;

	if (!w->deferred)
		return;
	for (pp = &w->sr->deferred; *pp != NULL; pp = &(*pp)->dnext)
		if (*pp == w) {
			*pp = w->dnext;
			break;
		}
	w->deferred = 0;
}

/* Take w out of service; its memory lives until free_retired(). */
static void
retire(struct server *sv, struct watch *w)
{
	unlink_watch(sv, w);
	slot_give(sv, w);
	if (w->sr != NULL)
		undefer(w);
	w->kind = W_DEAD;
	w->next = sv->dead;
	sv->dead = w;
}

void
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
 * session is throttled, by --max-inflight or at its budget of descriptors
 * out (hang-ups are reported either way). */
uint32_t
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
void
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

/* A reply held for this batch's sync: off its thread's list. */
void
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

void
server_free(struct server *sv)
{
	struct watch *w;
	unsigned i;

	if (sv == NULL)
		return;
	sv->freeing = 1; /* no new watch (the tick) from here on */
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
	for (i = 0; i < sv->nthreads; i++)
		sv->th[i].held = NULL;
	free_retired(sv);
	pthread_mutex_lock(&sv->lock);
	run_closes(sv);
	pthread_mutex_unlock(&sv->lock);
	free(sv->closing);
	close(sv->ep);
	close(sv->tickfd);
	if (sv->stopfd != -1)
		close(sv->stopfd);
	pthread_cond_destroy(&sv->go);
	pthread_cond_destroy(&sv->ready);
	pthread_mutex_destroy(&sv->lock);
	free(sv->slots);
	free(sv->th);
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
	w->events = events;
	if (slot_take(sv, w) == -1) {
		free(w);
		return NULL;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = events | (sv->oneshot ? EPOLLONESHOT : 0);
	ev.data.u64 = handle_of(sv, w);
	if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		int saved = errno;
		slot_give(sv, w);
		free(w);
		errno = saved;
		return NULL;
	}
	w->armed = 1;
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
		close_later(sv, fd, 1);
		errno = EMFILE;
		return -1;
	}
	/* Every request names its sender (serve_conn.c): set before the
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

int
server_add_conn(struct server *sv, int fd)
{
	if (sv->def == NULL) {
		close_later(sv, fd, 1);
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
		close_later(sv, fd, 1);
		errno = EINVAL;
		return -1;
	}
	if ((sr = calloc(1, sizeof(*sr))) == NULL) {
		close_later(sv, fd, 1);
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

long long
server_session_idle_ms(const struct session *s, const struct timespec *now)
{
	struct sref *sr = s->serve;
	struct watch *w;

	if (sr == NULL || sr->busy || sr->nparked > 0 || sr->nheld > 0)
		return -1;
	if (sr->out_fds > 0) {
		/* Replies it may not have taken: asked of the sockets. */
		fds_refresh(sr->sv, sr);
		for (w = sr->conns; w != NULL; w = w->cnext)
			if (w->sent_fds > 0 || w->doomed)
				return -1;
	}
	for (w = sr->conns; w != NULL; w = w->cnext)
		if (w->pending)
			return -1; /* held for the audit sync */
	return (long long)(now->tv_sec - sr->last.tv_sec) * 1000 +
	    (now->tv_nsec - sr->last.tv_nsec) / 1000000;
}

int
server_session_close(struct server *sv, struct session *s)
{
	struct sref *sr = s->serve;

	if (sr == NULL || sr->sv != sv) {
		errno = EINVAL;
		return -1;
	}
	if (sr->busy) {
		errno = EBUSY;
		return -1;
	}
	/* Marked busy meanwhile, so that the last conn_close() does not free
	 * sr under this loop; sref_check() then lets it go. */
	sr->busy = 1;
	while (sr->conns != NULL)
		conn_close(sv, sr->conns);
	sr->busy = 0;
	sref_check(sv, sr);
	return 0;
}

/* The tick: the server's own bounds (serve_fds.c), then, once a second,
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

int
server_tick(struct server *sv, void (*fn)(void *arg), void *arg)
{
	sv->tick_fn = fn;
	sv->tick_arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &sv->tick_last);
	tick_update(sv);
	if (!sv->ticking)
		return -1;
	return 0;
}

void
server_max_fds(struct server *sv, unsigned n)
{
	sv->max_fds = n < FB_OPENV_MAX ? FB_OPENV_MAX : n;
}

unsigned
server_max_fds_of(const struct server *sv)
{
	return sv->max_fds;
}

unsigned long long
server_session_nthrottled(const struct session *s)
{
	const struct sref *sr = s->serve;

	return sr != NULL ? sr->nthrottled + sr->nfdfull : 0;
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
	int sp[2], e = 0;

	/* Asked from ops_handle(), which runs without the lock. */
	pthread_mutex_lock(&sr->sv->lock);
	if (sr->nconns >= sr->max)
		e = EMFILE;
	else if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		e = errno;
	else if (conn_add(sr->sv, sr, sp[0]) == -1) {
		e = errno;
		close(sp[1]);
	} else
		*fd = sp[1];
	pthread_mutex_unlock(&sr->sv->lock);
	return e;
}

/* What w waits for from now on (re-armed, when one-shot, unless it is
 * deferred: then dispatch() arms it when its session is free). */
int
conn_interest(struct server *sv, struct watch *w, uint32_t events)
{
	struct epoll_event ev;

	w->events = events;
	/* Deferred: armed when its session is free.  Doomed: unwatched for
	 * good (serve_fds.c). */
	if (w->deferred || w->doomed)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events | (sv->oneshot ? EPOLLONESHOT : 0);
	ev.data.u64 = handle_of(sv, w);
	if (epoll_ctl(sv->ep, EPOLL_CTL_MOD, w->fd, &ev) == -1)
		return -1;
	w->armed = 1;
	return 0;
}
