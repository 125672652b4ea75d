/*
 * loop_thread.c: the serving threads (loop.h, "Threads").  Each waits on
 * the one epoll set without the lock and serves what it gets with it; a
 * session's events go to one thread at a time (dispatch()).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "loop_impl.h"
#include "monotime.h"
#include "ops.h"

/* Arm a one-shot watch for its next event. */
static void
rearm(struct server *sv, struct watch *w)
{
	if (watch_interest(sv, w, w->events) == -1) {
		/* Cannot happen for a descriptor that is still watched; a
		 * connection that could never be served again is closed
		 * rather than left hanging. */
		log_warn("epoll: re-arming a watch");
		if (w->kind == W_CONN)
			conn_close(sv, w);
	}
}

/*
 * With the lock held: the session a thread served is free again.  What
 * waited for it is armed again (its events, level-triggered, are still
 * there), a session thread waiting for it is woken, and a session with
 * nothing left is let go (sref_check() may free it).
 */
static void
session_give(struct server *sv, struct sref *sr)
{
	struct watch *d;

	sr->busy = 0;
	while ((d = sr->deferred) != NULL) {
		sr->deferred = d->dnext;
		d->deferred = 0;
		rearm(sv, d);
	}
	if (sr->waiters > 0)
		pthread_cond_broadcast(&sv->idle);
	sref_check(sv, sr);
}

/*
 * One event, with the lock held.  A watch of a session another thread is
 * serving waits, unarmed, on the session's deferred list; otherwise the
 * session is marked busy while this thread serves the event, and
 * afterwards whatever waited is armed again (its events, level-triggered,
 * are still there).  The work of a session is done without the lock: a
 * connection's request (conn_serve_one() lets it go around the recvmsg,
 * the request and the reply), and a session watch's work, called here
 * without it; so the lock is this file's and the loop's, never a
 * caller's.
 */
static void
dispatch(struct sthread *th, uint64_t h, uint32_t events)
{
	struct server *sv = th->sv;
	struct watch *w;
	struct sref *sr;
	int done;

	if ((w = watch_of(sv, h)) == NULL)
		return; /* unwatched since epoll_wait() returned */
	w->armed = 0;
	sr = w->sr;
	if (sr != NULL && sr->busy) {
		if (!w->deferred) {
			w->deferred = 1;
			w->dnext = sr->deferred;
			sr->deferred = w;
			/* The plain loop's watches are not one-shot: busy in
			 * a session thread, the session would make it spin. */
			if (!sv->oneshot)
				watch_pause(sv, w);
		}
		return;
	}
	if (sr != NULL) {
		sr->busy = 1;
		if (w->kind == W_CONN)
			clock_gettime(CLOCK_MONOTONIC, &sr->last); /* not idle */
	}
	if (w->kind == W_OTHER && w->work != NULL) {
		pthread_mutex_unlock(&sv->lock);
		done = w->work(w->arg, events);
		pthread_mutex_lock(&sv->lock);
		/* The session is still this thread's: nobody else unwatched
		 * it meanwhile. */
		if (done)
			held_done(sv, w);
	} else if (w->kind == W_OTHER)
		w->fn(w->arg, events);
	else {
		conn_event(th, w, events);
		th->served = 1;
	}
	if (sr != NULL)
		session_give(sv, sr); /* may free it */
	if (sv->oneshot && (w = watch_of(sv, h)) != NULL && !w->armed && !w->deferred)
		rearm(sv, w);
}

static void
stop_all(struct server *sv)
{
	uint64_t one = 1;

	sv->stop = 1;
	pthread_cond_broadcast(&sv->ready); /* server_run() waits for it */
	if (sv->stopfd != -1 && write(sv->stopfd, &one, sizeof(one)) == -1)
		log_warn("waking the serving threads");
}

/* server_spin(): poll the epoll set for up to sv->spin_ns, giving way
 * to any other task of this CPU between two looks (the worker itself, when
 * the scheduler put it here: polling would only keep it from asking); what
 * epoll_wait() returned last (0: nothing came). */
static int
spin(struct server *sv, struct epoll_event *evs, int max)
{
	long long until = mono_ns() + sv->spin_ns;
	int n;

	while ((n = epoll_wait(sv->ep, evs, max, 0)) == 0 && mono_ns() < until)
		sched_yield();
	return n;
}

/*
 * A serving thread: wait for events without the lock, serve them with it.
 * Several threads wait on the same epoll set; one-shot watches give each
 * event to one of them, and one event at a time, so that a thread stuck on
 * a slow file system has taken nothing else with it.
 */
static void
serve_loop(struct sthread *th)
{
	struct server *sv = th->sv;
	struct epoll_event evs[64];
	int n, i, max = sv->oneshot ? 1 : 64;

	pthread_mutex_lock(&sv->lock);
	while (!sv->stop) {
		if (!sv->keep_going(sv->arg)) {
			stop_all(sv);
			break;
		}
		pthread_mutex_unlock(&sv->lock);
		n = th->served && sv->spin_ns > 0 ? spin(sv, evs, max) : 0;
		th->served = 0;
		if (n == 0)
			n = epoll_wait(sv->ep, evs, max, -1);
		pthread_mutex_lock(&sv->lock);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			sv->err = errno;
			stop_all(sv);
			break;
		}
		for (i = 0; i < n && !sv->stop; i++)
			if (evs[i].data.u64 != STOP_HANDLE)
				dispatch(th, evs[i].data.u64, evs[i].events);
		if (th->held != NULL)
			flush_held(th);
		run_closes(sv); /* without the lock */
		free_retired(sv);
	}
	pthread_mutex_unlock(&sv->lock);
}

/* server_wait_guard(): this thread's timer, and whether it has one. */
static __thread timer_t wait_timer;
static __thread int wait_ready;

static void
on_wait_signal(int sig)
{
	(void)sig; /* its work is done: the call it interrupted returns EINTR */
}

/* The calling thread's timer for server_wait_begin(), signalling it alone,
 * and the signal let in (serving threads start with every signal
 * blocked).  Before the broker confines itself. */
static void
wait_setup(const struct server *sv)
{
	struct sigevent sev;
	sigset_t set;

	if (!sv->guard || wait_ready)
		return;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SERVE_WAIT_SIG;
	sev._sigev_un._tid = gettid(); /* sigev_notify_thread_id: glibc 2.36 lacks the name */
	if (timer_create(CLOCK_MONOTONIC, &sev, &wait_timer) == -1) {
		log_warn("a timer for this serving thread");
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, SERVE_WAIT_SIG);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	wait_ready = 1;
}

void
server_spin(struct server *sv, unsigned us)
{
	sv->spin_ns = (long long)us * 1000;
}

void
server_wait_guard(struct server *sv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wait_signal; /* no SA_RESTART: the wait ends */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SERVE_WAIT_SIG, &sa, NULL) == -1) {
		log_warn("sigaction");
		return;
	}
	sv->guard = 1;
}

static void
wait_arm(long ms)
{
	struct itimerspec it;

	if (!wait_ready)
		return;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_nsec = (ms % 1000) * 1000000L;
	it.it_interval = it.it_value;
	if (timer_settime(wait_timer, 0, &it, NULL) == -1)
		log_warn("timer_settime");
}

void
server_wait_begin(void)
{
	wait_arm(SERVE_WAIT_MS);
}

void
server_wait_end(void)
{
	wait_arm(0);
}

static void *
serve_thread(void *arg)
{
	struct sthread *th = arg;
	struct server *sv = th->sv;

	wait_setup(sv);
	pthread_mutex_lock(&sv->lock);
	sv->nready++;
	pthread_cond_signal(&sv->ready);
	while (!sv->running && !sv->stop)
		pthread_cond_wait(&sv->go, &sv->lock);
	pthread_mutex_unlock(&sv->lock);
	serve_loop(th);
	return NULL;
}

/* ---- sessions' threads of their own (server_thread_session()) ---- */

/* The loop's eventfd, written when a session thread is done. */
static void
wake_event(void *arg, uint32_t events)
{
	struct server *sv = arg;
	uint64_t n;

	(void)events;
	(void)!read(sv->wakefd, &n, sizeof(n)); /* keep_going is asked next */
}

/* With the lock held: wait for the thread's session to be free and take
 * it.  0, or -1 when the thread is to stop. */
static int
session_take(struct sessthread *t)
{
	struct server *sv = t->sv;
	struct sref *sr = t->sr;
	int stop;

	pthread_mutex_lock(&sv->lock);
	while (sr->busy && !(stop = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE))) {
		sr->waiters++;
		pthread_cond_wait(&sv->idle, &sv->lock);
		sr->waiters--;
	}
	if ((stop = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) == 0)
		sr->busy = 1;
	pthread_mutex_unlock(&sv->lock);
	return stop ? -1 : 0;
}

/* With the lock held: the thread's work is over; its session is let go
 * as a done server_watch_session() watch's is, and the loop is woken to
 * ask keep_going. */
static void
sessthread_end(struct sessthread *t)
{
	struct server *sv = t->sv;
	uint64_t one = 1;

	t->done = 1;
	t->sr->nheld--;
	t->gone(t->arg);
	sref_check(sv, t->sr);
	if (write(sv->wakefd, &one, sizeof(one)) == -1)
		log_warn("waking the event loop");
}

static void *
sessthread_main(void *arg)
{
	struct sessthread *t = arg;
	struct server *sv = t->sv;
	int r;

	pthread_mutex_lock(&sv->lock);
	sv->nready++;
	pthread_cond_signal(&sv->ready);
	while (!sv->running && !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&sv->go, &sv->lock);
	pthread_mutex_unlock(&sv->lock);
	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		if ((r = t->wait(t->arg)) < 0)
			break;
		if (r == 0 || session_take(t) == -1)
			continue;
		t->work(t->arg);
		pthread_mutex_lock(&sv->lock);
		session_give(sv, t->sr);
		pthread_mutex_unlock(&sv->lock);
	}
	pthread_mutex_lock(&sv->lock);
	sessthread_end(t);
	pthread_mutex_unlock(&sv->lock);
	return NULL;
}

int
server_thread_session(struct server *sv, struct session *s, int (*wait)(void *arg),
    void (*work)(void *arg), void (*gone)(void *arg), void *arg)
{
	struct sessthread *t;
	struct sigaction sa;
	struct sref *sr;
	int e = 0;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wait_signal; /* no SA_RESTART: the wait ends */
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&sv->lock);
	sr = s->serve;
	if (sv->started)
		e = EBUSY;
	else if (sr == NULL || sr->sv != sv)
		e = EINVAL;
	else if (sr->nheld > 0)
		e = EBUSY;
	else if (sigaction(SERVE_WAIT_SIG, &sa, NULL) == -1)
		e = errno;
	else if (sv->wakefd == -1 &&
	    ((sv->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
		server_watch(sv, sv->wakefd, wake_event, sv) == -1)) {
		e = errno;
		if (sv->wakefd != -1)
			close(sv->wakefd);
		sv->wakefd = -1;
	} else {
		t->sv = sv;
		t->sr = sr;
		t->wait = wait;
		t->work = work;
		t->gone = gone;
		t->arg = arg;
		t->next = sv->sthreads;
		sv->sthreads = t;
		sr->nheld++;
	}
	pthread_mutex_unlock(&sv->lock);
	if (e != 0) {
		free(t);
		errno = e;
		return -1;
	}
	return 0;
}

/* Start the sessions' threads, every signal blocked but the one that ends
 * a wait (server_free() ends theirs with it), counting them in *n.  0, or
 * -1 with errno: the server cannot serve (server_free() ends those
 * started and lets the others go). */
static int
sessthreads_start(struct server *sv, unsigned *n)
{
	struct sessthread *t;
	sigset_t mask, old;
	int e;

	sigfillset(&mask);
	sigdelset(&mask, SERVE_WAIT_SIG);
	pthread_sigmask(SIG_SETMASK, &mask, &old);
	for (t = sv->sthreads; t != NULL; t = t->next) {
		if ((e = pthread_create(&t->id, NULL, sessthread_main, t)) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			errno = e;
			return -1;
		}
		t->started = 1;
		(*n)++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void
sessthreads_stop(struct server *sv)
{
	struct sessthread *t;
	struct timespec deadline, step;
	int e;

	while ((t = sv->sthreads) != NULL) {
		sv->sthreads = t->next;
		if (!t->started) {
			pthread_mutex_lock(&sv->lock);
			sessthread_end(t);
			pthread_mutex_unlock(&sv->lock);
			free(t);
			continue;
		}
		/* A thread whose wait has not ended by itself: asked to stop,
		 * and its wait interrupted until it does (a signal sent just
		 * before it waits again would be lost, so again and again). */
		__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
		pthread_mutex_lock(&sv->lock);
		pthread_cond_broadcast(&sv->idle);
		pthread_cond_broadcast(&sv->go);
		pthread_mutex_unlock(&sv->lock);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += SERVE_STOP_WAIT_S;
		for (;;) {
			(void)pthread_kill(t->id, SERVE_WAIT_SIG);
			clock_gettime(CLOCK_REALTIME, &step);
			step.tv_nsec += 10 * 1000000L;
			if (step.tv_nsec >= 1000000000L) {
				step.tv_sec++;
				step.tv_nsec -= 1000000000L;
			}
			if ((e = pthread_timedjoin_np(t->id, NULL, &step)) == 0)
				break;
			if (step.tv_sec > deadline.tv_sec ||
			    (step.tv_sec == deadline.tv_sec && step.tv_nsec >= deadline.tv_nsec)) {
				/* Stuck on a file system: left to the process's
				 * exit, with what it holds. */
				log_warnx("stopping: a session thread still waits after %d s",
				    SERVE_STOP_WAIT_S);
				pthread_detach(t->id);
				t = NULL;
				break;
			}
		}
		free(t);
	}
}

int
server_threads(struct server *sv, unsigned n)
{
	struct epoll_event ev;
	struct sthread *th;
	unsigned i;

	if (n == 0 || n > SERVE_MAX_THREADS) {
		errno = EINVAL;
		return -1;
	}
	if (sv->head != NULL || sv->started) {
		errno = EBUSY;
		return -1;
	}
	if (n == sv->nthreads)
		return 0;
	if ((th = calloc(n, sizeof(*th))) == NULL)
		return -1;
	if (sv->stopfd == -1) {
		if ((sv->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
			free(th);
			return -1;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN; /* level-triggered: it wakes every thread */
		ev.data.u64 = STOP_HANDLE;
		if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, sv->stopfd, &ev) == -1) {
			int saved = errno;
			close(sv->stopfd);
			sv->stopfd = -1;
			free(th);
			errno = saved;
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		th[i].sv = sv;
	free(sv->th);
	sv->th = th;
	sv->nthreads = n;
	sv->oneshot = n > 1;
	return 0;
}

int
server_start(struct server *sv)
{
	sigset_t all, old;
	unsigned i, want = 0;
	int e;

	if (sv->started) {
		errno = EBUSY;
		return -1;
	}
	if (sessthreads_start(sv, &want) == -1)
		return -1;
	if (!sv->oneshot) {
		wait_setup(sv); /* this thread serves */
		goto ready;
	}
	/* Signals are the business of the thread that made the server
	 * (signalfd); the serving threads start with every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < sv->nthreads; i++) {
		if ((e = pthread_create(&sv->th[i].id, NULL, serve_thread, &sv->th[i])) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pthread_mutex_lock(&sv->lock);
			stop_all(sv);
			pthread_cond_broadcast(&sv->go);
			pthread_mutex_unlock(&sv->lock);
			while (i-- > 0)
				pthread_join(sv->th[i].id, NULL);
			errno = e;
			return -1;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	want += sv->nthreads;
ready:
	/* Until each has run its start-up (glibc registers rseq and the
	 * robust futex list there): a filter loaded before would kill it. */
	pthread_mutex_lock(&sv->lock);
	while (sv->nready < want)
		pthread_cond_wait(&sv->ready, &sv->lock);
	pthread_mutex_unlock(&sv->lock);
	sv->started = 1;
	return 0;
}

int
server_run(struct server *sv, int (*keep_going)(void *arg), void *arg)
{
	struct timespec deadline;
	unsigned i, stuck = 0;
	int e;

	if (!sv->started && server_start(sv) == -1)
		return -1;
	pthread_mutex_lock(&sv->lock);
	sv->keep_going = keep_going;
	sv->arg = arg;
	sv->stop = 0;
	sv->err = 0;
	if (!sv->oneshot) {
		/* One thread: this one (and the sessions' own, which serve
		 * from now on). */
		sv->running = 1;
		pthread_cond_broadcast(&sv->go);
		pthread_mutex_unlock(&sv->lock);
		serve_loop(&sv->th[0]);
		sv->started = 0;
		goto out;
	}
	/*
	 * Threads: this one only waits for them to stop, so that a serving
	 * thread stuck on a file system that never answers cannot keep the
	 * server from stopping.  The others stop after the event they are
	 * serving; after SERVE_STOP_WAIT_S the server gives up on those
	 * still stuck (the process is about to exit).
	 */
	sv->running = 1;
	pthread_cond_broadcast(&sv->go);
	while (!sv->stop)
		pthread_cond_wait(&sv->ready, &sv->lock);
	pthread_mutex_unlock(&sv->lock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += SERVE_STOP_WAIT_S;
	for (i = 0; i < sv->nthreads; i++) {
		if ((e = pthread_timedjoin_np(sv->th[i].id, NULL, &deadline)) != 0) {
			stuck++;
			pthread_detach(sv->th[i].id);
		}
	}
	sv->started = 0;
	if (stuck > 0) {
		log_warnx("stopping: %u serving thread%s still wait%s for a file system after "
			  "%d s; exiting without their replies",
		    stuck, stuck == 1 ? "" : "s", stuck == 1 ? "s" : "", SERVE_STOP_WAIT_S);
		errno = EBUSY;
		return -1;
	}
out:
	if (sv->err != 0) {
		errno = sv->err;
		return -1;
	}
	return 0;
}
