/*
 * daemon_state.h: what `filebroker serve` keeps (daemon.c) and its
 * peers (daemon_peer.c: who connects, their limits, and their end).
 */
#ifndef FB_SERVE_STATE_H
#define FB_SERVE_STATE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "loop.h"
#include "ops.h"
#include "polref.h"
#include "ratelog.h"
#include "resolve.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#define SERVE_AUDIT_MAX 8
#define SERVE_PEER_CONNS 64	      /* connections per peer: its own and its channels */
#define SERVE_MAX_PEERS 256	      /* default --max-peers */
#define SERVE_MAX_PER_USER 32	      /* default --max-peers-per-user */
#define SERVE_IDLE_TIMEOUT 300	      /* default --idle-timeout, seconds */
#define SERVE_RESERVE_DIV 8	      /* 1/8 of --max-peers kept for users' first peers */
#define SERVE_RESERVE_FEW 2	      /* ... those who hold fewer than this many */
#define SERVE_ACCEPT_BATCH 32	      /* accepts per wake-up, so signals get a turn */
#define SERVE_CONTROL_BATCH 4	      /* status clients per wake-up */
#define SERVE_GROUPS_MAX 65536	      /* NGROUPS_MAX on Linux */
#define SERVE_NOFILE_WANT 65536u      /* descriptors to ask for */
#define SERVE_MAX_INFLIGHT 16	      /* default --max-inflight */
#define SERVE_THREADS 4		      /* default --threads */
#define SERVE_RATE_ERRNO EAGAIN	      /* the answer to a request over --max-rate */
#define SERVE_RATE_UNIT 1000000000ull /* one request of credit; also 1 s in ns */

struct serve_state;

/* One connected peer: its session and what it holds. */
struct peer {
	struct session s; /* first: release() gets this pointer back */
	struct serve_state *st;
	struct polref *pol;
	unsigned long id;
	uid_t uid;
	int pidfd; /* -1 when the kernel has no SO_PEERPIDFD */
	/* for `filebroker status` */
	const char *profile;   /* "FILE:LINE", held by pol */
	struct timespec since; /* CLOCK_REALTIME */
	struct peer *next, *prev;
	/* --max-rate (peer_admit()) */
	uint64_t credit;	/* in SERVE_RATE_UNITs per request */
	struct timespec filled; /* CLOCK_MONOTONIC of the last refill */
	struct timespec logged; /* of the last refusal line */
	unsigned long long nlimited, unlogged;
};

struct uidcount {
	uid_t uid;
	unsigned n;
};

struct serve_state {
	struct server *sv;
	int lfd;
	int cfd; /* the control socket, or -1 */
	int sigfd;
	int reserve; /* a spare descriptor, to turn away a peer at EMFILE */
	int stop;
	const char *policy_path;
	struct polref *cur;
	struct audit *audit;
	const char *const *audit_dest;
	size_t naudit;
	struct fsctx fs;
	unsigned npeers, max_peers, max_per_user;
	unsigned idle_timeout;	      /* seconds; 0: never */
	struct ratelog rlog;	      /* refused peers */
	struct ratelog elog;	      /* peers closed: idle, or to make room */
	unsigned max_rate, max_burst; /* requests per second, 0: none; burst */
	unsigned max_inflight;
	unsigned threads;
	int tell_rules;		   /* --tell-rules: each peer's session tells rules */
	struct peer *peers, *last; /* connected, oldest first */
	struct uidcount *uc;
	size_t nuc, capuc;
	unsigned long next_id;
	struct timespec started;
	unsigned long long accepted, refused, reload_failures, control_refused;
	unsigned long long idled, evicted;
	/* statistics of the sessions that have ended */
	unsigned long long nrequests, ndenied;
};

/*
 * One connection from listening socket lfd: the descriptor, or -1 when
 * there is nothing more to take now (EMFILE and ENFILE shed one waiting
 * client so that it is not retried forever).  what names lfd in a warning.
 */
int serve_accept(struct serve_state *st, int lfd, const char *what);

/* The listening socket's watch (server_watch()): accept peers, a batch per
 * wake-up, each one a session of the policy profile its credentials
 * select, or turned away with a line saying why. */
void serve_on_accept(void *arg, uint32_t events);

/* The tick (server_tick()): while the daemon is short of room, peers idle
 * for --idle-timeout are closed; the counts of log lines held back are
 * said. */
void serve_on_tick(void *arg);

#endif
