/*
 * serve.h: the broker's event loop.  One thread, epoll, non-blocking
 * sockets.  A connection is one SOCK_SEQPACKET socket of a session; each
 * request gets exactly one reply.  A worker that does not read its replies
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

/* A new server for session s (which it does not own).  NULL, errno set. */
struct server *server_new(struct session *s);
void server_free(struct server *sv);

/* Serve fd as a connection of the session.  Takes ownership of fd, also on
 * failure.  Returns 0 or -1 with errno. */
int server_add_conn(struct server *sv, int fd);

/* Call fn(arg, events) when fd is readable.  The server does not own fd. */
int server_watch(struct server *sv, int fd, void (*fn)(void *arg, uint32_t events), void *arg);
void server_unwatch(struct server *sv, int fd);

/* Open connections. */
unsigned server_nconns(const struct server *sv);

/* Protocol violations seen so far. */
uint64_t server_nviolations(const struct server *sv);

/* Run until keep_going(arg) returns 0 (checked after every batch of
 * events).  Returns 0, or -1 with errno if epoll itself fails. */
int server_run(struct server *sv, int (*keep_going)(void *arg), void *arg);

#endif
