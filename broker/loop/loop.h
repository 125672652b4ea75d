/*
 * loop.h: the broker's event loop.  epoll, non-blocking sockets, one
 * thread or several (server_threads()).  A connection is one SOCK_SEQPACKET socket of a session; each
 * request gets exactly one reply.  One server may serve several sessions
 * (filebroker serve: one per peer); a channel (FB_MSG_CHANNEL) belongs to
 * the session of the connection that asked for it.  A worker that does not read its replies
 * only stops its own connection (no reading until the reply is gone); a
 * protocol violation closes that connection and is logged; nothing a worker
 * sends can stop the loop.
 */
#ifndef FB_SERVE_H
#define FB_SERVE_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

struct session;
struct server;

/* Connections one session may hold at once (its bootstrap plus channels). */
#define SERVE_MAX_CONNS 1024

/* Serving threads a server may have (server_threads()). */
#define SERVE_MAX_THREADS 256

/* How long server_run() waits, once stopping, for threads still serving a
 * request (one that waits on a file system that never answers). */
#define SERVE_STOP_WAIT_S 10

/* A new server for session s (which it does not own), its default session
 * for server_add_conn(); s may be NULL for a server whose sessions all come
 * through server_add_conn_session().  NULL, errno set. */
struct server *server_new(struct session *s);
/* Closes every connection; sessions added with server_add_conn_session()
 * are released (their release function is called). */
void server_free(struct server *sv);

/* Serve fd as a connection of the default session.  Takes ownership of fd,
 * also on failure.  Returns 0 or -1 with errno (EINVAL: no default
 * session, EMFILE: the session holds SERVE_MAX_CONNS connections). */
int server_add_conn(struct server *sv, int fd);

/*
 * Serve fd as the first connection of session s, which may then hold up to
 * max_conns connections (fd and its channels).  Takes ownership of fd, also
 * on failure.  On success the server holds s until its last connection
 * closes and its server_watch_session() watch is gone, then calls
 * release(s, arg) (from inside server_run(), server_unwatch() or
 * server_free()); s must stay valid until then and must not be given to a
 * server twice.  On failure s is still the caller's and release is not
 * called.  Returns 0 or -1 with errno.
 */
int server_add_conn_session(struct server *sv, int fd, struct session *s, unsigned max_conns,
    void (*release)(struct session *s, void *arg), void *arg);

/*
 * --max-inflight for session s (given to this server): a request is in
 * flight from when it is read until the worker's socket takes its reply,
 * which in this one thread is while the reply is parked (the worker has
 * not made room for it; its connection is not read meanwhile).  While max
 * replies of s are parked, none of its connections is read; reading
 * resumes when one is taken.  Logged once per episode.  0 (the default):
 * no limit but one parked reply per connection.
 */
void server_session_max_inflight(struct session *s, unsigned max);

/* Open connections of session s (s must have been given to a server). */
unsigned server_session_nconns(const struct session *s);

/*
 * How long session s has been idle, in milliseconds at now
 * (CLOCK_MONOTONIC): since its last event (a request, a hang-up) or its
 * first connection; or -1 while it holds work: a thread serving it, a
 * reply not yet taken, a seccomp listener (server_watch_session()).
 */
long long server_session_idle_ms(const struct session *s, const struct timespec *now);

/*
 * Close every connection of session s (given to sv) now; the release
 * follows as usual, at once unless a seccomp listener still holds it.
 * Returns 0, or -1 with errno EBUSY while a thread serves it (its state is
 * that thread's), EINVAL when s is not served.
 */
int server_session_close(struct server *sv, struct session *s);

/*
 * fn(arg) once a second, with the lock held, for the owner's own timers
 * (the daemon's idle timeout).  The server's own bounds ride on the same
 * tick.  Before the first event.  Returns 0 or -1 with errno.
 */
int server_tick(struct server *sv, void (*fn)(void *arg), void *arg);

/* How many times --max-inflight, or its budget of descriptors out
 * (server_max_fds()), stopped reading session s. */
unsigned long long server_session_nthrottled(const struct session *s);

/*
 * Each session's budget of descriptors out: those in replies sent that
 * the worker has not taken yet (the kernel counts them against the
 * broker's user, RLIMIT_NOFILE, and past it refuses every SCM_RIGHTS send
 * of that user: ETOOMANYREFS), and those of its parked replies.  At the
 * budget none of its connections is read until the worker takes them.
 * At least FB_OPENV_MAX (one full OPENV reply); the default is half the
 * broker's RLIMIT_NOFILE, at most SERVE_MAX_FDS.  conn.c says more.
 */
#define SERVE_MAX_FDS 1024
void server_max_fds(struct server *sv, unsigned n);
unsigned server_max_fds_of(const struct server *sv);

/*
 * With the lock held: close fd once the lock is let go, for a descriptor
 * whose close a worker could make wait (one it sent, a seccomp listener;
 * a socket that messages with descriptors may still be queued on: they
 * are taken first, fdpass_drain()).  Takes ownership of fd.
 */
void server_close_later(struct server *sv, int fd);

/* Messages a connection closed by the broker gives up first (fdpass_drain()). */
#define SERVE_DRAIN_MAX 256

/* Call fn(arg, events) when fd is readable.  The server does not own fd. */
int server_watch(struct server *sv, int fd, void (*fn)(void *arg, uint32_t events), void *arg);
void server_unwatch(struct server *sv, int fd);

/*
 * A watch of fd for work of session s (given to this server): its
 * seccomp listener.  work(arg, events) runs without the lock, as the
 * session's requests do, one event of the session at a time; it returns 0
 * to go on, or 1 when fd is done (the last filtered task is gone): the
 * server then unwatches fd and calls gone(arg), with the lock held, which
 * releases what arg holds, fd included (server_close_later()).  The watch
 * counts as a connection: s is not released before it is done, even when
 * its last connection has closed.  A session has at most one such watch
 * (EBUSY).  If sv is freed first, server_free() unwatches fd and calls
 * gone(arg).  Called without the lock (from a session's work, or before
 * the loop runs).  Returns 0 or -1 with errno (EINVAL: s is not served
 * here).
 */
int server_watch_session(struct server *sv, struct session *s, int fd,
    int (*work)(void *arg, uint32_t events), void (*gone)(void *arg), void *arg);

/*
 * A thread of its own for work of session s (given to this server), for
 * run's seccomp listener: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP wakes a task
 * waiting on the listener itself on the CPU of the thread that trapped,
 * and epoll passes that on as an ordinary wake-up (docs/design.md,
 * "Placement"), so the waiter must be a thread blocked in RECV.  The
 * thread calls wait(arg) without the lock and outside the session: it may
 * block, and returns 1 when there is work, 0 to wait again, -1 when the
 * work is done for good (the last filtered task is gone).  Then work(arg)
 * with the session held as a server_watch_session() work callback is:
 * without the lock, one event of the session at a time (the loop's
 * events of the session wait for it, and it waits for theirs).  Once
 * wait() says -1, or the server stops the thread (server_free()),
 * gone(arg) is called with the lock held, the session is let go as
 * server_watch_session()'s would be, and the loop is woken to ask
 * keep_going again.  It counts as the session's one server_watch_session()
 * watch.  Before server_start(), which starts the thread with every signal
 * blocked but SERVE_WAIT_SIG: server_free() interrupts, with it, a wait
 * that has not ended by itself.  The thread serves once server_run()
 * runs.  Called without the lock.  Returns 0, or -1 with errno (EBUSY: the
 * server has started, or s has such a watch already; EINVAL: s is not
 * served here).
 */
int server_thread_session(struct server *sv, struct session *s, int (*wait)(void *arg),
    void (*work)(void *arg), void (*gone)(void *arg), void *arg);

/* Open connections, of every session. */
unsigned server_nconns(const struct server *sv);

/* Protocol violations seen so far. */
uint64_t server_nviolations(const struct server *sv);

/*
 * Threads and the lock.  The lock is the loop's own: no caller takes it.
 * Every callback (server_watch()'s fn, a release or gone function,
 * keep_going) runs with it held, and the loop.h functions expect it
 * held, but for server_watch_session() and ops_handle()'s new_channel,
 * which take it.  The work of a session runs without it: a request is
 * decided and done (ops_handle()) without the lock, and so is a
 * server_watch_session() work callback; until it returns, no other event
 * of its session is served (they wait for it), while the other threads
 * serve other sessions.  So one thread at a time works for a session, and
 * one stuck on a slow file system holds up only its own.
 *
 * server_threads(sv, n), before the first watch is added: serve with n
 * threads (1 to SERVE_MAX_THREADS; 1 is the default and the plain event
 * loop, with nothing one-shot).  With more, every watch is armed for one
 * event at a time (EPOLLONESHOT) and each thread takes one event per
 * epoll_wait(), so that a stuck thread has taken no other event with it.
 * Returns 0, or -1 with errno (EINVAL, EBUSY: too late).
 *
 * server_start(): with n > 1, create the n serving threads now (they wait
 * for server_run()), for a caller that must do so before confining itself
 * (confine_opts.spawn); else server_run() does it.  They start with every
 * signal blocked.  Returns 0 or -1 with errno.
 */
int server_threads(struct server *sv, unsigned n);
int server_start(struct server *sv);

/*
 * Waits a worker can make endless.  SECCOMP_IOCTL_NOTIF_RECV blocks until
 * a notification comes, and a listener the worker holds too (or passed to
 * another process) can have its notification taken between the broker's
 * wake-up and its RECV: the serving thread would wait, as long as that
 * worker likes.  server_wait_guard(sv), before server_start(): each serving
 * thread gets a timer (made while timer_create(2) is still allowed) whose
 * signal, SERVE_WAIT_SIG without SA_RESTART, ends such a call with EINTR.
 * server_wait_begin() and server_wait_end(), around the call, without the
 * lock: after SERVE_WAIT_MS, and every SERVE_WAIT_MS after that, it is
 * interrupted.  Without the guard, they do nothing.
 */
/*
 * server_spin(): after a batch that served a connection's request, a
 * serving thread polls for the next event for up to us microseconds
 * (epoll_wait without a timeout) before it sleeps, so that a worker that
 * asks again at once finds it awake on its CPU (`run` and the preload
 * library's lane, design.md "The preload lane"); 0, the default: never.
 */
void server_spin(struct server *sv, unsigned us);

#define SERVE_WAIT_SIG SIGRTMIN
#define SERVE_WAIT_MS 100
void server_wait_guard(struct server *sv);
void server_wait_begin(void);
void server_wait_end(void);

/*
 * Run until keep_going(arg) returns 0 (asked after every batch of events,
 * by every thread; once it says 0, all stop).  With one thread the calling
 * thread serves; with more it only waits for them to stop, so that one
 * stuck on a file system cannot keep it from returning: once stopping,
 * it waits SERVE_STOP_WAIT_S for them.  Returns 0; or -1 with errno EBUSY
 * when threads are still stuck (logged, with how many): they may still
 * take the lock and touch the server when the file system answers, so the
 * caller must not free it, only remove what must not outlive it and exit;
 * or -1 with another errno if epoll itself fails.
 */
int server_run(struct server *sv, int (*keep_going)(void *arg), void *arg);

#endif
