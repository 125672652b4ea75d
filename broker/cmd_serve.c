/*
 * cmd_serve.c: `filebroker serve`, daemon mode: a listening SOCK_SEQPACKET
 * socket; every peer that connects is one session, decided with the policy
 * profile its kernel-given credentials select.
 *
 * Who a peer is comes from the kernel, never from a message: SO_PEERCRED
 * (uid, gid, pid) and SO_PEERGROUPS (supplementary groups), both captured
 * by the kernel when the peer called connect(2), so they cannot race with
 * the peer changing its credentials or exiting (a pid read at accept time
 * and then used to look at /proc/PID/status could already belong to another
 * process).  The peer's pidfd (SO_PEERPIDFD, Linux 6.5) is taken when the
 * kernel has it and kept for the session's life.  No name service call is
 * made on the accept path: profile names were resolved when the policy was
 * loaded.
 *
 * Policies are reference-counted: SIGHUP loads the file again and new
 * connections get the new one; a session keeps the policy it started with
 * until its last connection closes.  A policy that does not load leaves
 * the old one in force.
 *
 * One thread: requests are answered one at a time, in the same event loop
 * as run's (broker/serve.c).  Worker threads, rate limits and a status
 * socket are later steps of issue 7.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cmds.h"
#include "log.h"
#include "ops.h"
#include "policy.h"
#include "serve.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#define SERVE_AUDIT_MAX 8
#define SERVE_PEER_CONNS 64	  /* connections per peer: its own and its channels */
#define SERVE_MAX_PEERS 256	  /* default --max-peers */
#define SERVE_MAX_PER_USER 32	  /* default --max-peers-per-user */
#define SERVE_ACCEPT_BATCH 32	  /* accepts per wake-up, so signals get a turn */
#define SERVE_GROUPS_MAX 65536	  /* NGROUPS_MAX on Linux */
#define SERVE_NOFILE_WANT 65536u /* descriptors to ask for */

/* A loaded policy and the sessions (plus the daemon) holding it. */
struct polref {
	struct policy *p;
	unsigned refs;
};

struct serve_state;

/* One connected peer: its session and what it holds. */
struct peer {
	struct session s; /* first: release() gets this pointer back */
	struct serve_state *st;
	struct polref *pol;
	unsigned long id;
	uid_t uid;
	int pidfd; /* -1 when the kernel has no SO_PEERPIDFD */
};

struct uidcount {
	uid_t uid;
	unsigned n;
};

struct serve_state {
	struct server *sv;
	int lfd;
	int sigfd;
	int reserve; /* a spare descriptor, to turn away a peer at EMFILE */
	int stop;
	const char *policy_path;
	struct polref *cur;
	struct audit *audit;
	struct fsctx fs;
	unsigned npeers, max_peers, max_per_user;
	struct uidcount *uc;
	size_t nuc, capuc;
	unsigned long next_id;
	/* statistics of the sessions that have ended */
	unsigned long long accepted, refused, nrequests, ndenied;
};

static void
serve_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker serve --policy FILE --socket PATH [--socket-mode MODE]\n"
	    "                        [--socket-group GROUP] [--audit DEST]...\n"
	    "                        [--max-peers N] [--max-peers-per-user N] [-v]\n"
	    "\n"
	    "Serve workers that connect to a listening socket (daemon mode).  Each\n"
	    "peer is identified by the kernel (SO_PEERCRED, SO_PEERGROUPS) and gets\n"
	    "the first profile of the policy that matches its user or groups; a peer\n"
	    "no profile matches is refused.  Workers connect with fb_connect(PATH) or\n"
	    "FILEBROKER_SOCKET=PATH (see libfilebroker(3)).\n"
	    "\n"
	    "  --policy FILE          the policy, with profile lines\n"
	    "                         (filebroker.policy(5)); SIGHUP reloads it\n"
	    "  --socket PATH          the socket to create; a stale socket there is\n"
	    "                         replaced, anything else is left alone.  Not\n"
	    "                         needed under systemd socket activation\n"
	    "  --socket-mode MODE     its permissions, octal (default 0660)\n"
	    "  --socket-group GROUP   its group (default: the broker's)\n"
	    "  --audit DEST           record every request to DEST (repeatable): a file\n"
	    "                         (JSON lines), '-' for stderr, 'syslog', 'journal'\n"
	    "  --max-peers N          connected peers at once (default %d)\n"
	    "  --max-peers-per-user N connected peers of one user (default %d)\n"
	    "  -v, --verbose          log peers and reloads (twice: debug)\n"
	    "  -h, --help             show this help\n"
	    "\n"
	    "SIGHUP reloads the policy (one that does not load leaves the old in\n"
	    "force); SIGTERM or SIGINT closes every connection and exits 0.\n",
	    SERVE_MAX_PEERS, SERVE_MAX_PER_USER);
}

/* ---- systemd: socket activation and notifications, without libsystemd ---- */

/* The notification protocol is one datagram to $NOTIFY_SOCKET; nothing
 * happens when it is not set. */
static void
sd_notify_msg(const char *msg)
{
	struct sockaddr_un sun;
	const char *e = getenv("NOTIFY_SOCKET");
	size_t len;
	int fd;

	if (e == NULL || (e[0] != '/' && e[0] != '@'))
		return;
	len = strlen(e);
	if (len >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e, len);
	if (e[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) == -1)
		log_debug("notifying systemd: %s", strerror(errno));
	close(fd);
}

/* The listening socket systemd passed (LISTEN_FDS=1, fd 3), or -1. */
static int
activated_socket(void)
{
	const char *spid = getenv("LISTEN_PID"), *sn = getenv("LISTEN_FDS");
	int type = 0, domain = 0, acc = 0;
	socklen_t len;
	char *end;
	long pid, n;

	if (spid == NULL || sn == NULL)
		return -1;
	pid = strtol(spid, &end, 10);
	if (*end != '\0' || pid != (long)getpid())
		return -1;
	n = strtol(sn, &end, 10);
	if (*end != '\0' || n != 1)
		fatalx("serve: socket activation passed %s sockets; exactly one is expected", sn);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	len = sizeof(type);
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		fatal("serve: socket activation: descriptor 3");
	len = sizeof(domain);
	getsockopt(3, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	len = sizeof(acc);
	getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
	if (type != SOCK_SEQPACKET || domain != AF_UNIX || !acc)
		fatalx("serve: socket activation: descriptor 3 is not a listening Unix "
		       "SOCK_SEQPACKET socket (use ListenSequentialPacket=)");
	if (fcntl(3, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK) == -1)
		fatal("serve: socket activation: descriptor 3");
	return 3;
}

/* ---- the listening socket ---- */

static void
fill_addr(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(sun->sun_path))
		fatalx("serve: socket path '%s' is %s", path, len == 0 ? "empty" : "too long");
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
}

/*
 * Create, bind and listen.  An existing socket file that nobody listens on
 * (a broker that was killed) is replaced; a live one, or anything that is
 * not a socket, is refused, never clobbered.  The socket is created with
 * its final mode through the umask, and its group set with lchown, so that
 * nothing here follows a symlink someone might put in its place.  Put it in
 * a folder only root may write (/run/filebroker): in a folder others can
 * write, they could swap the name between these steps.
 */
static int
socket_create(const char *path, mode_t mode, int set_group, gid_t group, struct stat *made)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, saved;

	fill_addr(&sun, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("serve: %s exists and is not a socket; not replacing it", path);
		if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
			fatal("serve: socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("serve: %s: another broker is listening there", path);
		saved = errno;
		close(fd);
		if (saved != ECONNREFUSED) {
			errno = saved;
			fatal("serve: %s is a socket in use or unusable; not replacing it", path);
		}
		if (unlink(path) == -1)
			fatal("serve: removing the stale socket %s", path);
		log_info("removed the stale socket %s", path);
	} else if (errno != ENOENT)
		fatal("serve: %s", path);

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		fatal("serve: socket");
	old = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		errno = saved;
		fatal("serve: bind %s", path);
	}
	umask(old);
	if (lstat(path, made) == -1)
		fatal("serve: %s", path);
	if (set_group && fchownat(AT_FDCWD, path, (uid_t)-1, group, AT_SYMLINK_NOFOLLOW) == -1) {
		saved = errno;
		unlink(path);
		errno = saved;
		fatal("serve: setting the group of %s", path);
	}
	if (listen(fd, SOMAXCONN) == -1)
		fatal("serve: listen %s", path);
	return fd;
}

/* Remove the socket at exit, if it is still the one we made. */
static void
socket_remove(const char *path, const struct stat *made)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == made->st_dev && st.st_ino == made->st_ino &&
	    unlink(path) == -1)
		log_warn("removing %s", path);
}

/* ---- policies ---- */

static void
print_diags(const struct policy_diags *d, int errors)
{
	const struct policy_diag *g;
	size_t i;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		if ((g->severity == POLICY_ERROR) != errors)
			continue;
		log_warnx("%s:%d:%d: %s: %s", g->file, g->line, g->col,
		    g->severity == POLICY_ERROR ? "error" : "warning", g->msg);
	}
}

/* Load the policy; NULL (with the reasons logged) when it does not load or
 * has no profile for any peer. */
static struct polref *
polref_load(const char *path)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	struct polref *pr;

	if (policy_load(path, &p, &d) == -1) {
		print_diags(&d, 1);
		log_warnx("%s: %zu error%s", path, d.nerrors, d.nerrors == 1 ? "" : "s");
		policy_diags_free(&d);
		return NULL;
	}
	print_diags(&d, 0);
	policy_diags_free(&d);
	if (policy_nprofiles(p) == 0) {
		/* Serving a policy without profiles would hand its rules to
		 * every local user the socket lets in: say so instead. */
		log_warnx("%s: no profile lines, so every peer would be refused; add "
			  "'profile user=NAME' sections (or 'profile any')",
		    path);
		policy_free(p);
		return NULL;
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		log_warn("loading %s", path);
		policy_free(p);
		return NULL;
	}
	pr->p = p;
	pr->refs = 1;
	return pr;
}

static void
polref_drop(struct polref *pr)
{
	if (pr != NULL && --pr->refs == 0) {
		policy_free(pr->p);
		free(pr);
	}
}

static void
reload(struct serve_state *st)
{
	struct polref *pr;
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
	sd_notify_msg(msg);
	if ((pr = polref_load(st->policy_path)) == NULL)
		log_warnx("reload: %s not loaded; the policy loaded before stays in force",
		    st->policy_path);
	else {
		polref_drop(st->cur);
		st->cur = pr;
		log_info("reload: %s loaded (%zu rules, %zu profiles); new connections get it, "
			 "connected peers keep the policy they started with",
		    st->policy_path, policy_nrules(pr->p), policy_nprofiles(pr->p));
	}
	sd_notify_msg("READY=1");
}

/* ---- peers ---- */

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

/* The last connection of a peer has closed. */
static void
peer_release(struct session *s, void *arg)
{
	struct peer *pe = (struct peer *)s;
	struct serve_state *st = arg;
	struct uidcount *u;

	log_info("peer %lu (uid=%lu pid=%ld) gone: %llu requests, %llu denied", pe->id,
	    (unsigned long)pe->uid, (long)s->pid, (unsigned long long)s->nrequests,
	    (unsigned long long)s->ndenied);
	st->nrequests += s->nrequests;
	st->ndenied += s->ndenied;
	st->npeers--;
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

static void
refuse(struct serve_state *st, int fd, const struct ucred *cr, const char *why)
{
	st->refused++;
	log_warnx("refused peer uid=%lu gid=%lu pid=%ld: %s", (unsigned long)cr->uid,
	    (unsigned long)cr->gid, (long)cr->pid, why);
	close(fd);
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
	char why[96];
	int pidfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 || len != sizeof(cr)) {
		log_warn("refused a peer: SO_PEERCRED");
		st->refused++;
		close(fd);
		return;
	}
	if (st->npeers >= st->max_peers) {
		snprintf(why, sizeof(why), "too many peers (the limit is %u)", st->max_peers);
		refuse(st, fd, &cr, why);
		return;
	}
	if ((u = uid_slot(st, cr.uid, 0)) != NULL && u->n >= st->max_per_user) {
		snprintf(why, sizeof(why), "too many peers of uid %lu (the limit is %u)",
		    (unsigned long)cr.uid, st->max_per_user);
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
	pe->s.policy = view;
	pe->s.audit = st->audit;
	pe->s.fs = st->fs; /* shared; the daemon owns its descriptors */
	pe->s.pid = cr.pid;
	pe->s.uid = cr.uid;
	pe->s.gid = cr.gid;
	/* As root, what a peer creates is the peer's, as if it had made it. */
	pe->s.chown_new = geteuid() == 0 && cr.uid != 0;
	if (server_add_conn_session(st->sv, fd, &pe->s, SERVE_PEER_CONNS, peer_release, st) ==
	    -1) {
		log_warn("refused peer uid=%lu pid=%ld", (unsigned long)cr.uid, (long)cr.pid);
		st->refused++;
		if (u->n == 0)
			*u = st->uc[--st->nuc];
		if (pidfd != -1)
			close(pidfd);
		free(pe);
		return;
	}
	st->cur->refs++;
	st->npeers++;
	st->accepted++;
	u->n++;
	log_info("peer %lu: uid=%lu gid=%lu pid=%ld: profile %s", pe->id, (unsigned long)cr.uid,
	    (unsigned long)cr.gid, (long)cr.pid, where);
}

/*
 * Out of descriptors: the pending connection would make the listener
 * readable forever.  Give up the spare descriptor, accept the peer only to
 * close it (it sees its connection reset), take the spare back.
 */
static void
shed(struct serve_state *st)
{
	int fd;

	if (st->reserve == -1)
		return;
	close(st->reserve);
	st->reserve = -1;
	if ((fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		st->refused++;
		log_warnx("refused a peer: out of file descriptors");
		close(fd);
	}
	st->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
on_accept(void *arg, uint32_t events)
{
	struct serve_state *st = arg;
	int i, fd;

	(void)events;
	for (i = 0; i < SERVE_ACCEPT_BATCH && !st->stop; i++) {
		fd = accept4(st->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
				shed(st);
				return;
			case EAGAIN:
				return;
			default:
				log_warn("accept");
				return;
			}
		}
		peer_new(st, fd);
	}
}

static void
on_signal(void *arg, uint32_t events)
{
	struct serve_state *st = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(st->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(st);
		else if (!st->stop) {
			/* Only a flag: connections are closed after the loop,
			 * never from inside a batch of events that may still
			 * name them. */
			log_info("signal %u: stopping", si.ssi_signo);
			st->stop = 1;
		}
	}
}

static int
keep_going(void *arg)
{
	return !((struct serve_state *)arg)->stop;
}

/* Room for every connection the limits allow. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < SERVE_NOFILE_WANT && rl.rlim_cur != RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > SERVE_NOFILE_WANT ?
		    SERVE_NOFILE_WANT :
		    rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("raising the descriptor limit");
	}
}

static unsigned
parse_count(const char *opt, const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 1000000)
		fatalx("serve: %s takes a number from 1 to 1000000, not '%s'", opt, s);
	return (unsigned)v;
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "audit", required_argument, NULL, 'a' },
		{ "max-peers", required_argument, NULL, 'P' },
		{ "max-peers-per-user", required_argument, NULL, 'U' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *group = NULL, *audit_dest[SERVE_AUDIT_MAX];
	struct serve_state st;
	struct stat made;
	sigset_t mask;
	mode_t mode = 0660;
	gid_t gid = 0;
	size_t naudit = 0, i;
	int c, verbose = 0, activated;
	unsigned long long nviol;
	unsigned long v;
	char *end;

	memset(&st, 0, sizeof(st));
	st.max_peers = SERVE_MAX_PEERS;
	st.max_per_user = SERVE_MAX_PER_USER;
	signal(SIGPIPE, SIG_IGN);
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:s:a:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			st.policy_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'm':
			errno = 0;
			v = strtoul(optarg, &end, 8);
			if (errno != 0 || end == optarg || *end != '\0' || v > 0777) {
				log_warnx("serve: --socket-mode takes octal permissions such as "
					  "0660, not '%s'",
				    optarg);
				return 2;
			}
			mode = (mode_t)v;
			break;
		case 'g':
			group = optarg;
			break;
		case 'a':
			if (naudit == SERVE_AUDIT_MAX) {
				log_warnx("serve: at most %d --audit destinations", SERVE_AUDIT_MAX);
				return 2;
			}
			audit_dest[naudit++] = optarg;
			break;
		case 'P':
			st.max_peers = parse_count("--max-peers", optarg);
			break;
		case 'U':
			st.max_per_user = parse_count("--max-peers-per-user", optarg);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || st.policy_path == NULL) {
		log_warnx("serve: %s", st.policy_path == NULL ? "--policy FILE is required" :
								"unexpected arguments");
		serve_usage(stderr);
		return 2;
	}
	log_init(verbose);
	activated = activated_socket();
	if (activated == -1 && sock == NULL) {
		log_warnx("serve: --socket PATH is required (or systemd socket activation)");
		serve_usage(stderr);
		return 2;
	}
	if (group != NULL) {
		struct group *gr;

		errno = 0;
		v = strtoul(group, &end, 10);
		if (group[0] >= '0' && group[0] <= '9' && *end == '\0' && errno == 0 &&
		    v < UINT32_MAX)
			gid = (gid_t)v;
		else if ((gr = getgrnam(group)) != NULL)
			gid = gr->gr_gid;
		else
			fatalx("serve: no such group: %s", group);
	}

	if ((st.cur = polref_load(st.policy_path)) == NULL)
		fatalx("serve: policy %s not loaded", st.policy_path);
	for (i = 0; i < naudit; i++) {
		struct audit *a;

		if (audit_open_flags(audit_dest[i], 0, &a) == -1)
			fatal("serve: audit %s", audit_dest[i]);
		audit_chain(&st.audit, a);
	}
	if (fsctx_init(&st.fs) == -1)
		fatal("serve: opening / and /proc/self/fd");
	raise_nofile();
	if ((st.reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("serve: /dev/null");

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	if ((st.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");

	if (activated != -1) {
		st.lfd = activated;
		if (sock != NULL || group != NULL)
			log_warnx("serve: socket activation: --socket, --socket-mode and "
				  "--socket-group are systemd's business; ignored");
	} else
		st.lfd = socket_create(sock, mode, group != NULL, gid, &made);

	if ((st.sv = server_new(NULL)) == NULL || server_watch(st.sv, st.sigfd, on_signal, &st) ==
							  -1 ||
	    server_watch(st.sv, st.lfd, on_accept, &st) == -1)
		fatal("event loop");
	log_info("serving %s on %s (%zu rules, %zu profiles)", st.policy_path,
	    activated != -1 ? "the socket systemd passed" : sock, policy_nrules(st.cur->p),
	    policy_nprofiles(st.cur->p));
	sd_notify_msg("READY=1");

	if (server_run(st.sv, keep_going, &st) == -1)
		fatal("event loop");

	sd_notify_msg("STOPPING=1");
	/* Stop accepting first, so that nobody connects to a broker that is
	 * about to close everything. */
	server_unwatch(st.sv, st.lfd);
	close(st.lfd);
	if (activated == -1)
		socket_remove(sock, &made);
	log_info("closing %u connections of %u peers", server_nconns(st.sv), st.npeers);
	server_unwatch(st.sv, st.sigfd);
	nviol = server_nviolations(st.sv);
	server_free(st.sv); /* releases every peer */
	log_info("stopped: %llu peers served, %llu refused, %llu requests, %llu denied, "
		 "%llu protocol violations",
	    st.accepted, st.refused, st.nrequests, st.ndenied, (unsigned long long)nviol);
	close(st.sigfd);
	close(st.reserve);
	polref_drop(st.cur);
	fsctx_close(&st.fs);
	audit_close(st.audit);
	free(st.uc);
	return 0;
}
