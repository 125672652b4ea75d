/*
 * serve.h: the broker's event loop.  One thread, epoll, non-blocking
 * sockets.  A connection is one SOCK_SEQPACKET socket of a session; each
 * request gets exactly one reply.  One server may serve several sessions
 * (filebroker serve: one per peer); a channel (FB_MSG_CHANNEL) belongs to
 * the session of the connection that asked for it.  A worker that does not read its replies
 * only stops its own connection (no reading until the reply is gone); a
 * protocol violation closes that connection and is logged; nothing a worker
 * sends can stop the loop.
 */
#ifndef FB_SERVE_H
#define FB_SERVE_H

#include <stdint.h>

struct session;
struct server;

/* Connections one session may hold at once (its bootstrap plus channels). */
#define SERVE_MAX_CONNS 1024

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

/* Call fn(arg, events) when fd is readable.  The server does not own fd. */
int server_watch(struct server *sv, int fd, void (*fn)(void *arg, uint32_t events), void *arg);
void server_unwatch(struct server *sv, int fd);

/*
 * server_watch() on behalf of session s (given to this server), which
 * counts the watch as it counts a connection: s is not released before
 * server_unwatch(sv, fd), even when its last connection has closed.  A
 * session has at most one such watch (its seccomp listener): EBUSY.  If
 * sv is freed first, server_free() unwatches fd and calls gone(arg), which
 * releases what arg holds (it may server_unwatch() other descriptors).
 * Returns 0 or -1 with errno (EINVAL: s is not served here).
 */
int server_watch_session(struct server *sv, struct session *s, int fd,
    void (*fn)(void *arg, uint32_t events), void (*gone)(void *arg), void *arg);

/* Open connections, of every session. */
unsigned server_nconns(const struct server *sv);

/* Protocol violations seen so far. */
uint64_t server_nviolations(const struct server *sv);

/* Run until keep_going(arg) returns 0 (checked after every batch of
 * events).  Returns 0, or -1 with errno if epoll itself fails. */
int server_run(struct server *sv, int (*keep_going)(void *arg), void *arg);

#endif
