/*
 * daemon_peer.c: the peers of `filebroker serve` (daemon_state.h): accepting
 * them, who they are (from the kernel: SO_PEERCRED, SO_PEERGROUPS,
 * SO_PEERPIDFD), their limits (per user, --max-rate) and their end.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "daemon_state.h"
#include "denials.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "ops.h"
#include "policy.h"
#include "polref.h"

static struct uidcount *
uid_slot(struct serve_state *st, uid_t uid, int create)
{
	struct uidcount *nv;
	size_t i, ncap;

	for (i = 0; i < st->nuc; i++)
		if (st->uc[i].uid == uid)
			return &st->uc[i];
	if (!create)
		return NULL;
	if (st->nuc == st->capuc) {
		ncap = st->capuc ? st->capuc * 2 : 16;
		if ((nv = realloc(st->uc, ncap * sizeof(*nv))) == NULL)
			return NULL;
		st->uc = nv;
		st->capuc = ncap;
	}
	st->uc[st->nuc].uid = uid;
	st->uc[st->nuc].n = 0;
	return &st->uc[st->nuc++];
}

static uint64_t
ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

/* FB_MSG_LISTENER (the session's listener hook): the peer's own seccomp
 * listener, served by notify.c for the peer's session. */
static int
peer_listener(struct session *s, int fd)
{
	struct peer *pe = (struct peer *)s;

	return notify_adopt(pe->st->sv, s, fd);
}

/*
 * --max-rate, asked by ops_handle() before each request of the peer (each
 * OPENV entry, each transparent-mode notification): a token bucket.  The
 * credit grows by max_rate requests a second up to max_burst, and each
 * request takes one; without credit the request is answered EAGAIN (and
 * recorded so) before anything is decided or opened.  EAGAIN, not EBUSY:
 * nothing is busy, the peer is to come back later.  Refusals are logged
 * when they start, then at most once a second with a count, never one
 * line per request; the peer's last line gives the total.
 */
static int
peer_admit(struct session *s)
{
	struct peer *pe = (struct peer *)s;
	const struct serve_state *st = pe->st;
	uint64_t full = (uint64_t)st->max_burst * SERVE_RATE_UNIT, ns;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = ns_between(&pe->filled, &now);
	pe->filled = now;
	/* Compared first, so that ns * max_rate stays below full (at most
	 * 10^15) and cannot overflow. */
	if (ns >= full / st->max_rate || (pe->credit += ns * st->max_rate) > full)
		pe->credit = full;
	if (pe->credit >= SERVE_RATE_UNIT) {
		pe->credit -= SERVE_RATE_UNIT;
		return 0;
	}
	pe->nlimited++;
	pe->unlogged++;
	if (pe->nlimited == 1 || ns_between(&pe->logged, &now) >= SERVE_RATE_UNIT) {
		if (pe->unlogged == pe->nlimited)
			log_warnx("peer %lu (uid=%lu pid=%ld): over --max-rate %u/s (burst %u): "
				  "its requests are refused with %s, counted once a second",
			    pe->id, (unsigned long)pe->uid, (long)s->pid, st->max_rate,
			    st->max_burst, audit_errno_name(SERVE_RATE_ERRNO));
		else
			log_warnx("peer %lu (uid=%lu pid=%ld): %llu more request%s refused with %s "
				  "over --max-rate (%llu in all)",
			    pe->id, (unsigned long)pe->uid, (long)s->pid, pe->unlogged,
			    pe->unlogged == 1 ? "" : "s", audit_errno_name(SERVE_RATE_ERRNO),
			    pe->nlimited);
		pe->unlogged = 0;
		pe->logged = now;
	}
	return SERVE_RATE_ERRNO;
}

/* The last connection of a peer has closed, and its seccomp listener, if
 * it sent one, has no filtered task left. */
static void
peer_release(struct session *s, void *arg)
{
	struct peer *pe = (struct peer *)s;
	struct serve_state *st = arg;
	struct uidcount *u;

	log_info("peer %lu (uid=%lu pid=%ld) gone: %llu requests, %llu denied", pe->id,
	    (unsigned long)pe->uid, (long)s->pid, (unsigned long long)s->nrequests,
	    (unsigned long long)s->ndenied);
	if (s->denials != NULL) {
		char who[96];

		snprintf(who, sizeof(who), "peer %lu (uid=%lu pid=%ld)", pe->id,
		    (unsigned long)pe->uid, (long)s->pid);
		denials_summary(s->denials, who, 0);
		denials_free(s->denials);
		s->denials = NULL;
	}
	if (pe->nlimited > 0)
		log_warnx("peer %lu (uid=%lu pid=%ld): %llu requests refused with %s over "
			  "--max-rate in all",
		    pe->id, (unsigned long)pe->uid, (long)s->pid, pe->nlimited,
		    audit_errno_name(SERVE_RATE_ERRNO));
	/* The session's last record: every request of it is answered. */
	audit_session_end(st->audit, s->sess, NULL);
	s->sess = NULL;
	st->nrequests += s->nrequests;
	st->ndenied += s->ndenied;
	st->npeers--;
	if (pe->prev != NULL)
		pe->prev->next = pe->next;
	else
		st->peers = pe->next;
	if (pe->next != NULL)
		pe->next->prev = pe->prev;
	else
		st->last = pe->prev;
	if ((u = uid_slot(st, pe->uid, 0)) != NULL && u->n > 0 && --u->n == 0)
		*u = st->uc[--st->nuc];
	if (pe->pidfd != -1)
		close(pe->pidfd);
	polref_drop(pe->pol);
	free(pe);
}

/* The peer's groups: its gid first, then what SO_PEERGROUPS says.  Returns
 * a malloc'ed array, or NULL with errno. */
static gid_t *
peer_groups(int fd, gid_t gid, size_t *n)
{
	gid_t *v, *nv;
	socklen_t len = 64 * sizeof(gid_t);

	if ((v = malloc(sizeof(gid_t) + len)) == NULL)
		return NULL;
	v[0] = gid;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v + 1, &len) == -1) {
		if (errno != ERANGE || len > SERVE_GROUPS_MAX * sizeof(gid_t)) {
			free(v);
			return NULL;
		}
		/* len now says how much room the list needs. */
		if ((nv = realloc(v, sizeof(gid_t) + len)) == NULL) {
			free(v);
			return NULL;
		}
		v = nv;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v + 1, &len) == -1) {
			free(v);
			return NULL;
		}
	}
	*n = 1 + len / sizeof(gid_t);
	return v;
}

/* Turned away, with a line saying why: at most RATELOG_PER_S a second, as
 * fast as anyone may connect. */
static void
refuse(struct serve_state *st, int fd, const struct ucred *cr, const char *why)
{
	st->refused++;
	if (ratelog_ok(&st->rlog))
		log_warnx("refused peer uid=%lu gid=%lu pid=%ld: %s", (unsigned long)cr->uid,
		    (unsigned long)cr->gid, (long)cr->pid, why);
	/* What it sent meanwhile may make the close wait: not with the lock. */
	server_close_later(st->sv, fd);
}

/* The last slots of --max-peers, kept for users who hold fewer than
 * SERVE_RESERVE_FEW peers. */
static unsigned
reserved(const struct serve_state *st)
{
	return st->max_peers / SERVE_RESERVE_DIV;
}

/*
 * No room for a new peer of uid, which holds n: close a peer of the user
 * that holds the most, when that user holds more than its share
 * (--max-peers over the users with a peer, uid counted) and uid less.  The
 * peer closed is that user's one idle the longest among those holding no
 * work (no request being served, no reply waiting to be taken, no seccomp
 * listener): a peer in the middle of something is never cut off, and one
 * that keeps busy holds its slot.  Returns 1 when one was closed.
 */
static int
make_room(struct serve_state *st, uid_t uid, unsigned n)
{
	unsigned users = (unsigned)st->nuc + (n == 0 ? 1 : 0), share, tn;
	struct peer *pe, *victim = NULL;
	struct timespec now;
	long long idle, best = -1;
	uid_t top = 0;
	size_t i;

	share = st->max_peers / (users > 0 ? users : 1);
	if (n >= share)
		return 0;
	for (i = 0, tn = 0; i < st->nuc; i++)
		if (st->uc[i].uid != uid && st->uc[i].n > tn) {
			top = st->uc[i].uid;
			tn = st->uc[i].n;
		}
	if (tn <= share || tn <= n + 1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (pe = st->peers; pe != NULL; pe = pe->next)
		if (pe->uid == top && (idle = server_session_idle_ms(&pe->s, &now)) > best) {
			best = idle;
			victim = pe;
		}
	if (victim == NULL)
		return 0;
	if (ratelog_ok(&st->elog))
		log_warnx("peer %lu (uid=%lu pid=%ld) closed to make room for uid %lu: uid %lu "
			  "holds %u of %u peers, more than its share of %u",
		    victim->id, (unsigned long)top, (long)victim->s.pid, (unsigned long)uid,
		    (unsigned long)top, tn, st->max_peers, share);
	st->evicted++;
	return server_session_close(st->sv, &victim->s) == 0;
}

/* A connection was accepted: who is it, may it connect, which profile. */
static void
peer_new(struct serve_state *st, int fd)
{
	const struct policy *view;
	const char *where;
	struct uidcount *u;
	struct ucred cr;
	struct peer *pe;
	socklen_t len = sizeof(cr);
	gid_t *gids;
	size_t ngids;
	char why[128];
	unsigned n;
	int pidfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 || len != sizeof(cr)) {
		if (ratelog_ok(&st->rlog))
			log_warn("refused a peer: SO_PEERCRED");
		st->refused++;
		server_close_later(st->sv, fd);
		return;
	}
	n = (u = uid_slot(st, cr.uid, 0)) != NULL ? u->n : 0;
	if (n >= st->max_per_user) {
		snprintf(why, sizeof(why), "too many peers of uid %lu (the limit is %u)",
		    (unsigned long)cr.uid, st->max_per_user);
		refuse(st, fd, &cr, why);
		return;
	}
	/* Full, or in the reserve and not among the few: a user below its
	 * share may take the slot of an idle peer of the user above it. */
	if ((st->npeers >= st->max_peers ||
		(st->npeers >= st->max_peers - reserved(st) && n >= SERVE_RESERVE_FEW)) &&
	    !make_room(st, cr.uid, n)) {
		if (st->npeers >= st->max_peers)
			snprintf(why, sizeof(why), "too many peers (the limit is %u)",
			    st->max_peers);
		else
			snprintf(why, sizeof(why),
			    "too many peers (the last %u of %u are kept for users with fewer "
			    "than %d)",
			    reserved(st), st->max_peers, SERVE_RESERVE_FEW);
		refuse(st, fd, &cr, why);
		return;
	}
	if ((gids = peer_groups(fd, cr.gid, &ngids)) == NULL) {
		snprintf(why, sizeof(why), "reading its groups: %s", strerror(errno));
		refuse(st, fd, &cr, why);
		return;
	}
	if (policy_select(st->cur->p, cr.uid, gids, ngids, &view, &where) == -1) {
		free(gids);
		refuse(st, fd, &cr, "no profile matches");
		return;
	}
	free(gids);
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == -1)
		pidfd = -1; /* before Linux 6.5 */
	if ((pe = calloc(1, sizeof(*pe))) == NULL || (u = uid_slot(st, cr.uid, 1)) == NULL) {
		free(pe);
		if (pidfd != -1)
			close(pidfd);
		refuse(st, fd, &cr, "out of memory");
		return;
	}
	pe->st = st;
	pe->pol = st->cur;
	pe->id = ++st->next_id;
	pe->uid = cr.uid;
	pe->pidfd = pidfd;
	pe->profile = where;
	clock_gettime(CLOCK_REALTIME, &pe->since);
	pe->s.policy = view;
	pe->s.audit = st->audit;
	pe->s.fs = st->fs; /* shared; the daemon owns its descriptors */
	pe->s.pid = cr.pid;
	pe->s.uid = cr.uid;
	pe->s.gid = cr.gid;
	/* As root, what a peer creates is the peer's, as if it had made it. */
	pe->s.chown_new = geteuid() == 0 && cr.uid != 0;
	pe->s.tell_rules = st->tell_rules;
	/* Transparent mode: the peer may send its seccomp listener, whose
	 * notifications are decided with this same profile.  The listener
	 * holds the session (and the peer's place in the limits) until its
	 * last filtered task is gone, even after the connections close. */
	pe->s.listener = peer_listener;
	if (st->max_rate != 0) {
		pe->s.admit = peer_admit;
		pe->credit = (uint64_t)st->max_burst * SERVE_RATE_UNIT;
		clock_gettime(CLOCK_MONOTONIC, &pe->filled);
	}
	/* The session's first record (audit.h), before its connection is
	 * served: the peer as the kernel gave it, and the profile. */
	if (audit_session_start(st->audit,
		&(struct audit_session){ .mode = "daemon",
		    .pid = cr.pid,
		    .uid = cr.uid,
		    .gid = cr.gid,
		    .invoker_uid = cr.uid,
		    .invoker_gid = cr.gid,
		    .auid = -1,
		    .policy = st->policy_path,
		    .p = st->cur->p,
		    .policy_sha256 = st->cur->sha256[0] != '\0' ? st->cur->sha256 : NULL,
		    .profile = where },
		&pe->s.sess) == -1) {
		log_warn("audit: %s: a record could not be written (the session's start of peer "
			 "%lu); its requests are denied",
		    audit_failed(st->audit) != NULL ? audit_failed(st->audit) : "sink", pe->id);
		pe->s.audit_broken = 1;
	}
	if (server_add_conn_session(st->sv, fd, &pe->s, SERVE_PEER_CONNS, peer_release, st) == -1) {
		audit_session_end(st->audit, pe->s.sess, NULL);
		if (ratelog_ok(&st->rlog))
			log_warn("refused peer uid=%lu pid=%ld", (unsigned long)cr.uid,
			    (long)cr.pid);
		st->refused++;
		if (u->n == 0)
			*u = st->uc[--st->nuc];
		if (pidfd != -1)
			close(pidfd);
		free(pe);
		return;
	}
	server_session_max_inflight(&pe->s, st->max_inflight);
	st->cur->refs++;
	st->npeers++;
	st->accepted++;
	u->n++;
	pe->prev = st->last;
	if (st->last != NULL)
		st->last->next = pe;
	else
		st->peers = pe;
	st->last = pe;
	log_info("peer %lu: uid=%lu gid=%lu pid=%ld: profile %s", pe->id, (unsigned long)cr.uid,
	    (unsigned long)cr.gid, (long)cr.pid, where);
}

void
serve_on_tick(void *arg)
{
	struct serve_state *st = arg;
	struct peer *pe, *next;
	struct timespec now;

	ratelog_flush(&st->rlog);
	ratelog_flush(&st->elog);
	if (st->reserve == -1)
		st->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* Only while short of room (in the reserve or full): an idle peer
	 * costs a few KiB, and a sandboxed one cannot connect again. */
	if (st->idle_timeout == 0 || st->npeers < st->max_peers - reserved(st))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (pe = st->peers; pe != NULL; pe = next) {
		next = pe->next; /* pe may be released below, nothing else */
		if (server_session_idle_ms(&pe->s, &now) < (long long)st->idle_timeout * 1000)
			continue;
		if (log_verbosity() > 0 && ratelog_ok(&st->elog))
			log_info("peer %lu (uid=%lu pid=%ld): idle for %u s (--idle-timeout): "
				 "closed",
			    pe->id, (unsigned long)pe->uid, (long)pe->s.pid, st->idle_timeout);
		st->idled++;
		server_session_close(st->sv, &pe->s);
	}
}

/*
 * Out of descriptors: the pending connection would make the listener lfd
 * readable forever.  Give up the spare descriptor, accept the peer only to
 * close it (it sees its connection reset), take the spare back.
 */
static void
shed(struct serve_state *st, int lfd)
{
	int fd;

	if (st->reserve == -1)
		return;
	close(st->reserve);
	st->reserve = -1;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		if (lfd == st->lfd)
			st->refused++;
		if (ratelog_ok(&st->rlog))
			log_warnx("refused a %s: out of file descriptors",
			    lfd == st->lfd ? "peer" : "status client");
		server_close_later(st->sv, fd);
	}
	/* Taken again on the tick if the descriptor just closed later is
	 * not free yet. */
	st->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/*
 * One connection from listening socket lfd: the descriptor, or -1 when
 * there is nothing more to take now (EMFILE and ENFILE shed one waiting
 * client so that it is not retried forever).
 */
int
serve_accept(struct serve_state *st, int lfd, const char *what)
{
	int fd;

	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1)
			return fd;
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
			shed(st, lfd);
			return -1;
		case EAGAIN:
			return -1;
		default:
			log_warn("%s", what);
			return -1;
		}
	}
}

void
serve_on_accept(void *arg, uint32_t events)
{
	struct serve_state *st = arg;
	int i, fd;

	(void)events;
	for (i = 0; i < SERVE_ACCEPT_BATCH && !st->stop; i++) {
		if ((fd = serve_accept(st, st->lfd, "accept")) == -1)
			return;
		peer_new(st, fd);
	}
}
