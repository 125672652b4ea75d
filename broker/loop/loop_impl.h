/*
 * loop_impl.h: what loop.c (watches and sessions), conn.c (reading
 * and answering requests) and loop_thread.c (the serving threads) share.
 * Not for the rest of the broker: loop.h is the interface.
 *
 * Locking: sv->lock guards everything here, but a busy session (sref.busy)
 * and the connection its thread serves, which that thread alone touches
 * while it works without the lock (loop.h, "Threads").
 */
#ifndef FB_SERVE_IMPL_H
#define FB_SERVE_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "fdpass.h"
#include "proto.h"
#include "ratelog.h"
#include "wire.h"

struct session;

/* W_DEAD: unwatched or closed; its handle no longer finds it, and it is
 * freed at the end of the batch (code of this batch may still read it). */
enum watch_kind { W_CONN, W_OTHER, W_DEAD };

struct sref {
	struct server *sv;
	struct session *s;
	unsigned nconns, max;
	unsigned nheld;				       /* server_watch_session() watches: 0 or 1 */
	void (*release)(struct session *s, void *arg); /* NULL: the default one */
	void *arg;
	/* --max-inflight (server_session_max_inflight()): replies parked on
	 * the session's connections; at max_inflight (0: no limit) none of
	 * its connections is read until one is taken (throttled). */
	struct watch *conns; /* its connections */
	unsigned nparked, max_inflight;
	int throttled;
	struct timespec throttled_at, logged;	 /* CLOCK_MONOTONIC */
	unsigned long long nthrottled, unlogged; /* episodes */
	/* A thread serves an event of the session (dispatch()): the others
	 * leave its events on `deferred`, unarmed, until it is done, so that
	 * one thread at a time touches the session, and one that waits on a
	 * slow file system holds up only its own session.  Not freed while
	 * busy (sref_check()). */
	int busy;
	struct watch *deferred;
	unsigned waiters;     /* session threads waiting for it (server.idle) */
	struct timespec last; /* CLOCK_MONOTONIC of its last event */
	/* Descriptors out (conn.c): sent in replies the worker may not
	 * have taken yet (out_fds, the sum of its connections' sent_fds), and
	 * held in its parked replies (parked_fds).  At the server's max_fds,
	 * none of its connections is read (fdfull) until the worker takes
	 * them, which the tick asks the sockets (SIOCOUTQ). */
	unsigned out_fds, parked_fds;
	int fdfull;
	struct sref *fnext;	  /* the server's fdfull list */
	struct timespec fnext_at; /* next check */
	unsigned fdelay_ms;
	unsigned long long nfdfull; /* episodes */
};

/* watch.pending */
#define HELD_PARKED 1
#define HELD_SYNC 2

struct watch {
	enum watch_kind kind;
	int fd;
	uint32_t slot;	 /* in server.slots; the handle epoll returns */
	uint32_t events; /* what it waits for (without EPOLLONESHOT) */
	int armed;	 /* one-shot: armed since its last event */
	int deferred;	 /* on its session's deferred list */
	struct watch *dnext;
	struct sref *sr; /* W_CONN: its session; W_OTHER: the one it holds */
	struct watch *next, *prev;
	/* W_OTHER: fn with the lock held; or, for a session watch
	 * (server_watch_session()), work without it, and gone once done */
	void (*fn)(void *arg, uint32_t events);
	int (*work)(void *arg, uint32_t events);
	void (*gone)(void *arg);
	void *arg;
	/* W_CONN: a reply the worker has not made room for yet, with the
	 * descriptors it carries (the connection owns them until sent);
	 * pending is HELD_PARKED, or HELD_SYNC for a reply that waits for
	 * the audit fdatasync() at the end of the batch (--audit-sync) */
	int pending;
	struct watch *cnext, *cprev; /* W_CONN: its session's connections */
	struct watch *snext;	     /* HELD_SYNC: the server's list */
	uint16_t stype;		     /* HELD_SYNC: to answer EIO instead */
	uint32_t sid;
	size_t plen;
	uint8_t *pbuf;
	unsigned npfds;
	int pfds[FB_OPENV_MAX];
	/* W_CONN, conn.c: descriptors sent since its queue was last
	 * seen empty; polled by the tick (on the server's polled list) when
	 * doomed (the broker closes it, but descriptors it sent still wait in
	 * the worker's queue: it stays, unwatched and counted, until they are
	 * taken) or kfull (a parked reply the kernel refused with
	 * ETOOMANYREFS: its budget of descriptors in flight for the broker's
	 * user was spent). */
	unsigned sent_fds;
	int doomed, kfull, polled;
	/* W_CONN: what the process that last sent on it runs (its
	 * /proc/PID/exe when it first sent), for the records: conn_exe(). */
	pid_t exe_pid;
	char *exe;
	struct watch *pnext;
	struct timespec pnext_at;
	unsigned pdelay_ms;
};

/* One serving thread's own: scratch space for one request at a time, and
 * the replies its batch holds for the audit sync. */
struct sthread {
	struct server *sv;
	pthread_t id;
	int served;	     /* a connection's request in this batch (server_spin()) */
	struct watch *held;  /* HELD_SYNC replies of this batch */
	struct fdpass_in rx; /* the request as it arrived */
	uint8_t in[FB_MSG_MAX + 1];
	struct wire wire; /* decoded, done and answered (wire.h) */
};

/* A session's thread of its own (server_thread_session()). */
struct sessthread {
	struct server *sv;
	struct sref *sr;
	int (*wait)(void *arg);
	void (*work)(void *arg);
	void (*gone)(void *arg);
	void *arg;
	pthread_t id;
	int started, stop, done;
	struct sessthread *next;
};

/*
 * An epoll event names its watch by handle: slot << 32 | generation.  A
 * watch unwatched by one thread while another already holds an event for
 * it is then simply not found (its slot's generation has moved on); no
 * thread ever follows a pointer epoll kept.
 */
struct slot {
	struct watch *w; /* NULL: free */
	uint32_t gen;
	uint32_t next_free;
};
#define NO_SLOT UINT32_MAX
#define STOP_HANDLE UINT64_MAX /* the eventfd that stops every thread */

struct server {
	int ep;
	pthread_mutex_t lock; /* everything below, and every callback */
	struct sref *def;     /* the default session, or NULL */
	struct watch *head;
	struct watch *dead; /* W_DEAD, to free after this batch */
	struct slot *slots;
	uint32_t nslots, free_slot;
	unsigned nconns;
	uint64_t nviolations;
	struct ratelog vlog; /* the lines protocol violations write */
	struct ratelog llog; /* and refused listeners */
	/* The tick: a timerfd, watched once something needs it; every second
	 * for the owner (tick_fn), every SERVE_POLL_MS while something is
	 * polled (conn.c). */
	int tickfd, ticking, tick_fast, freeing;
	void (*tick_fn)(void *arg);
	void *tick_arg;
	struct timespec tick_last; /* the owner's last call */
	/* conn.c: each session's budget of descriptors out, the
	 * sessions at it and the connections polled */
	unsigned max_fds;
	struct sref *fdfull;
	struct watch *polled;
	struct ratelog flog; /* sessions at their budget; ETOOMANYREFS */
	/* Descriptors to close once the lock is let go (close_later()):
	 * a close can wait (a worker's lingering TCP socket, a FUSE file's
	 * flush), and nothing a worker can make slow is done with the lock. */
	struct lateclose {
		int fd;
		int drain; /* a connection: its queued messages first */
	} * closing;
	size_t nclosing, capclosing;
	/* Threads (server_threads()).  oneshot: every watch is armed for
	 * one event at a time (EPOLLONESHOT), so that two threads never
	 * serve the same watch at once. */
	unsigned nthreads;
	int oneshot;
	int stopfd; /* eventfd, readable once stopping */
	int started, running, stop, err;
	int guard;	   /* server_wait_guard() */
	long long spin_ns; /* server_spin() */
	unsigned nready;   /* extra threads that have reached the gate */
	pthread_cond_t go, ready;
	int (*keep_going)(void *arg);
	void *arg;
	struct sthread *th; /* nthreads of them; th[0] is server_run()'s */
	/* Sessions' threads of their own (server_thread_session()), and
	 * what they wait on: a session no longer busy (idle), the loop's
	 * eventfd that wakes it when one is done (wakefd). */
	struct sessthread *sthreads;
	pthread_cond_t idle;
	int wakefd;
};

/* loop_watch.c: the watches, and the closes done without the lock */
void close_fds(const int *fds, unsigned n);
void close_later(struct server *sv, int fd, int drain);
void close_fds_later(struct server *sv, const int *fds, unsigned n);
void run_closes(struct server *sv);
uint64_t handle_of(const struct server *sv, const struct watch *w);
struct watch *watch_of(const struct server *sv, uint64_t h);
struct watch *watch_add(struct server *sv, int fd, enum watch_kind kind, uint32_t events);
void retire(struct server *sv, struct watch *w);
void free_retired(struct server *sv);
int watch_interest(struct server *sv, struct watch *w, uint32_t events);

/* conn.c: a connection and its session's accounting.  conn_event():
 * one event of a connection; flush_held(): the replies a thread's batch
 * held for --audit-sync, sent after the sync; conn_flush(): a parked reply
 * sent now if the worker made room; sref_check(): a session with no
 * connection and no held watch left is released. */
int conn_add(struct server *sv, struct sref *sr, int fd);
void conn_close(struct server *sv, struct watch *w);
void conn_event(struct sthread *th, struct watch *w, uint32_t events);
void flush_held(struct sthread *th);
void conn_flush(struct server *sv, struct watch *w);
void sref_check(struct server *sv, struct sref *sr);
void fds_refresh(struct server *sv, struct sref *sr);
void tick_event(void *arg, uint32_t events);
void tick_update(struct server *sv);
#define SERVE_POLL_MS 5	       /* the tick while something is polled */
#define SERVE_POLL_MAX_MS 1000 /* an item polled in vain waits up to this */

/* loop.c: a session watch (server_watch_session()) whose work said it is
 * done: unwatched, and its gone() called. */
void held_done(struct server *sv, struct watch *w);

/* loop_watch.c: a deferred watch of the plain loop (not one-shot) taken
 * out of epoll's reports until rearmed, so that a session busy in its own
 * thread does not make the loop spin on its level-triggered events. */
void watch_pause(struct server *sv, struct watch *w);

/* loop_thread.c: the sessions' own threads stopped and let go of
 * (server_free()). */
void sessthreads_stop(struct server *sv);

#endif
