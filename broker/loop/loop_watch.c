/*
 * loop_watch.c: the event loop's watches (loop_impl.h): each descriptor
 * the loop waits on, named to epoll by slot and generation, never by
 * pointer; what it waits for; its retirement (freed once the batch that
 * may still read it is done); and the closes done once the lock is let
 * go.  The bottom of the loop: it calls nothing else of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fdpass.h"
#include "loop.h"
#include "loop_impl.h"

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
void
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

struct watch *
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

/* What w waits for from now on (re-armed, when one-shot, unless it is
 * deferred: then dispatch() arms it when its session is free). */
int
watch_interest(struct server *sv, struct watch *w, uint32_t events)
{
	struct epoll_event ev;

	w->events = events;
	/* Deferred: armed when its session is free.  Doomed: unwatched for
	 * good (conn.c). */
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

void
watch_pause(struct server *sv, struct watch *w)
{
	struct epoll_event ev;

	/* One-shot with no interest: at most one report (a hang-up is
	 * always reported), then none until watch_interest() arms it. */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLONESHOT;
	ev.data.u64 = handle_of(sv, w);
	(void)epoll_ctl(sv->ep, EPOLL_CTL_MOD, w->fd, &ev);
	w->armed = 0;
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
