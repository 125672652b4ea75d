/*
 * loop.c: the event loop's server and sessions, what loop.h offers the
 * rest of the broker: making and freeing a server, its sessions and their
 * limits, watches for the owner.  The watches themselves are
 * loop_watch.c's, the connections conn.c's, the threads
 * loop_thread.c's.
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
#include "loop.h"
#include "loop_impl.h"
#include "ops.h"

static int server_new_channel(struct session *s, int *fd);

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
	pthread_cond_init(&sv->idle, NULL);
	sv->wakefd = -1;
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

void
server_free(struct server *sv)
{
	struct watch *w;
	unsigned i;

	if (sv == NULL)
		return;
	/* First the sessions' own threads: their gone() callbacks run while
	 * everything they may touch is still there. */
	sessthreads_stop(sv);
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
	if (sv->wakefd != -1)
		close(sv->wakefd);
	pthread_cond_destroy(&sv->idle);
	pthread_cond_destroy(&sv->go);
	pthread_cond_destroy(&sv->ready);
	pthread_mutex_destroy(&sv->lock);
	free(sv->slots);
	free(sv->th);
	free(sv->def);
	free(sv);
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
    int (*work)(void *arg, uint32_t events), void (*gone)(void *arg), void *arg)
{
	struct sref *sr;
	struct watch *w;
	int e = 0;

	/* From a session's work (notify_adopt()) or before the loop runs:
	 * never with the lock held, so it is taken here. */
	pthread_mutex_lock(&sv->lock);
	sr = s->serve;
	if (sr == NULL || sr->sv != sv)
		e = EINVAL;
	else if (sr->nheld > 0)
		e = EBUSY;
	else if ((w = watch_add(sv, fd, W_OTHER, EPOLLIN)) == NULL)
		e = errno;
	else {
		w->work = work;
		w->gone = gone;
		w->arg = arg;
		w->sr = sr;
		sr->nheld++;
	}
	pthread_mutex_unlock(&sv->lock);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

void
held_done(struct server *sv, struct watch *w)
{
	held_unwatch(sv, w);
	w->gone(w->arg);
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
