/*
 * daemon.c: `filebroker serve`, daemon mode: a listening SOCK_SEQPACKET
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
 * the old one in force.  SIGHUP also reopens the audit files, for log
 * rotation.
 *
 * A control socket (control.h) answers `filebroker status` for root from
 * the same loop, with what this file keeps of each peer.
 *
 * Transparent mode: a peer may send the seccomp listener of its own
 * sandbox (FB_MSG_LISTENER, loop.c and notify.c); its path syscalls are
 * then decided with the peer's profile and counted as its requests.
 *
 * Threads (--threads, loop.h): the event loop of run's, served by several
 * threads, one event each at a time, requests decided and done without the
 * loop's lock and one thread at a time per peer.  A peer whose request
 * waits on a slow or hung file system holds up one thread and its own
 * later requests; the other peers are served by the other threads.
 *
 * Per-peer limits: --max-rate (a token bucket; a request over it is
 * answered EAGAIN, see peer_admit()) and --max-inflight (back-pressure in
 * loop.c: a peer that leaves too many replies unread is not read).
 *
 * The peers themselves (accepting, credentials, limits, their end) are in
 * daemon_peer.c; what both files keep is daemon_state.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cmds.h"
#include "confine.h"
#include "control.h"
#include "daemon_state.h"
#include "fdpass.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "ops.h"
#include "policy.h"
#include "polref.h"
#include "protect.h"
#include "sockfile.h"
#include "systemd.h"

static void
serve_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker serve --policy FILE --socket PATH [--socket-mode MODE]\n"
	    "                        [--socket-group GROUP] [--control PATH|none]\n"
	    "                        [--audit DEST]... [--audit-sync] [--audit-key FILE]\n"
	    "                        [--max-peers N] [--max-peers-per-user N]\n"
	    "                        [--idle-timeout SECONDS] [--max-rate N[/s]]\n"
	    "                        [--max-burst N] [--max-inflight N] [--threads N]\n"
	    "                        [--tell-rules] [-v]\n"
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
	    "  --control PATH         the control socket for `filebroker status`, mode\n"
	    "                         0600, root only (default: the socket's path\n"
	    "                         followed by .control; 'none': no control socket)\n"
	    "  --audit DEST           record every request to DEST (repeatable): a file\n"
	    "                         (JSON lines), '-' for stderr, 'syslog', 'journal'\n"
	    "  --audit-sync           fdatasync the audit files before the replies, one\n"
	    "                         fdatasync per batch of requests, so that records\n"
	    "                         survive a power cut (slower)\n"
	    "  --audit-key FILE       seal the records' hash chains with this key (32\n"
	    "                         bytes or more, readable by the broker's user\n"
	    "                         alone); each chain's anchor is logged on SIGHUP\n"
	    "                         and at exit (filebroker audit --verify)\n"
	    "  --max-peers N          connected peers at once (default %d); the last\n"
	    "                         eighth are kept for users with fewer than %d,\n"
	    "                         and when full, a user below its share\n"
	    "                         (N / users) takes the slot of the longest idle\n"
	    "                         peer of the user holding the most\n"
	    "  --max-peers-per-user N connected peers of one user (default %d)\n"
	    "  --idle-timeout SECONDS while short of room (the reserve reached),\n"
	    "                         close peers that have held no work (no request,\n"
	    "                         no reply waiting, no seccomp listener) for so\n"
	    "                         long (default %d; 0: never); libfilebroker\n"
	    "                         connects again when it next asks, unless it is\n"
	    "                         sandboxed\n"
	    "  --max-rate N[/s]       requests per second of one peer (an OPENV entry\n"
	    "                         is one); one over it is answered EAGAIN, not\n"
	    "                         decided, and logged once a second (default: no\n"
	    "                         limit)\n"
	    "  --max-burst N          requests a peer may make at once, after a pause,\n"
	    "                         within --max-rate (default: one second's worth)\n"
	    "  --max-inflight N       replies of one peer waiting for room in its\n"
	    "                         sockets; at N, none of its connections is read\n"
	    "                         until it reads one (default %d)\n"
	    "  --threads N            serving threads (1 to %d, default %d).  Each\n"
	    "                         serves one peer at a time; a request that waits\n"
	    "                         on a slow or hung file system holds up its\n"
	    "                         thread and its peer, and the other threads serve\n"
	    "                         the other peers\n"
	    "  --tell-rules           a peer's call a rule refused gets the rule's name\n"
	    "                         with its EACCES (fb_last_rule()): every peer\n"
	    "                         sees the policy's file and line numbers\n"
	    "                         (default: the errno alone)\n"
	    "  -v, --verbose          log peers and reloads (twice: debug)\n"
	    "  -h, --help             show this help\n"
	    "\n"
	    "SIGHUP reloads the policy (one that does not load leaves the old in\n"
	    "force) and reopens the audit files; SIGTERM or SIGINT closes every\n"
	    "connection and exits 0.\n",
	    SERVE_MAX_PEERS, SERVE_RESERVE_FEW, SERVE_MAX_PER_USER, SERVE_IDLE_TIMEOUT,
	    SERVE_MAX_INFLIGHT, SERVE_MAX_THREADS, SERVE_THREADS);
}

/* ---- reloading ---- */

static void
audit_reopened(const char *name, int err, void *arg)
{
	(void)arg;
	if (err == 0) {
		log_info("audit: %s reopened", name);
		return;
	}
	/* Loud, once per SIGHUP: records go on, to the file as it was
	 * opened before (renamed away or not), and nothing is lost. */
	errno = err;
	log_warn("audit: %s not reopened; records still go to the file opened before", name);
}

/* An anchor, at every verbosity: to be kept where the audit file's writers
 * cannot reach it (docs/audit.md, "Anchors"), which the journal is. */
static void
audit_anchor(const char *name, const char *anchor, void *arg)
{
	(void)arg;
	log_notice("audit: %s: anchor %s", name, anchor);
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
	systemd_notify(msg);
	if ((pr = polref_load(st->policy_path)) == NULL) {
		st->reload_failures++;
		log_warnx("reload: %s not loaded; the policy loaded before stays in force",
		    st->policy_path);
	} else {
		polref_drop(st->cur);
		st->cur = pr;
		log_info("reload: %s loaded (%zu rule%s, %zu profile%s); new connections get it, "
			 "connected peers keep the policy they started with",
		    st->policy_path, policy_nrules(pr->p), policy_nrules(pr->p) == 1 ? "" : "s",
		    policy_nprofiles(pr->p), policy_nprofiles(pr->p) == 1 ? "" : "s");
	}
	audit_reopen(st->audit, audit_reopened, NULL);
	audit_anchors(st->audit, audit_anchor, NULL);
	if (protect_reload(&st->fs, st->cur->p, st->audit_dest, st->naudit) == -1)
		log_warn("reload: the new policy's files and audit files are not all held");
	systemd_notify("READY=1");
}

/* ---- the control socket ---- */

/* The report of the moment, sent to a client control_check() let in. */
static void
status_send(struct serve_state *st, int fd)
{
	struct control_status cs;
	struct control_peer *v;
	const struct peer *pe;
	size_t n = 0;

	memset(&cs, 0, sizeof(cs));
	if ((v = calloc(st->npeers + 1, sizeof(*v))) == NULL) {
		log_warn("status");
		return;
	}
	cs.pid = getpid();
	cs.started = st->started;
	cs.policy = st->policy_path;
	cs.loaded = st->cur->loaded;
	cs.nrules = policy_nrules(st->cur->p);
	cs.nprofiles = policy_nprofiles(st->cur->p);
	cs.reload_failures = st->reload_failures;
	cs.audit = st->audit_dest;
	cs.naudit = st->naudit;
	cs.audit_failed = st->audit != NULL ? audit_failed(st->audit) : NULL;
	cs.max_peers = st->max_peers;
	cs.max_per_user = st->max_per_user;
	cs.max_conns = SERVE_PEER_CONNS;
	cs.max_rate = st->max_rate;
	cs.max_burst = st->max_burst;
	cs.max_inflight = st->max_inflight;
	cs.threads = st->threads;
	cs.nconns = server_nconns(st->sv);
	cs.accepted = st->accepted;
	cs.refused = st->refused;
	cs.nrequests = st->nrequests;
	cs.ndenied = st->ndenied;
	cs.nviolations = server_nviolations(st->sv);
	cs.control_refused = st->control_refused;
	for (pe = st->peers; pe != NULL && n < st->npeers; pe = pe->next, n++) {
		v[n].id = pe->id;
		v[n].uid = pe->uid;
		v[n].gid = pe->s.gid;
		v[n].pid = pe->s.pid;
		v[n].profile = pe->profile;
		v[n].nconns = server_session_nconns(&pe->s);
		v[n].nrequests = pe->s.nrequests;
		v[n].ndenied = pe->s.ndenied;
		v[n].nlimited = pe->nlimited;
		v[n].nthrottled = server_session_nthrottled(&pe->s);
		v[n].since = pe->since;
		cs.nrequests += pe->s.nrequests;
		cs.ndenied += pe->s.ndenied;
	}
	cs.peers = v;
	cs.npeers = n;
	control_send(fd, &cs);
	free(v);
}

/*
 * A status client: answered at once, from here, and closed.  Nothing is
 * read from it and nothing waits for it (control.h), so a client that
 * never reads cannot hold up the loop.
 */
static void
on_control(void *arg, uint32_t events)
{
	struct serve_state *st = arg;
	int i, fd;

	(void)events;
	for (i = 0; i < SERVE_CONTROL_BATCH && !st->stop; i++) {
		if ((fd = serve_accept(st, st->cfd, "status: accept")) == -1)
			return;
		if (control_check(fd) == -1)
			st->control_refused++;
		else
			status_send(st, fd);
		server_close_later(st->sv, fd);
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

/*
 * Room for every connection the limits allow: up to SERVE_PEER_CONNS for
 * each of max_peers peers.  The soft RLIMIT_NOFILE goes up to
 * SERVE_NOFILE_WANT, and so does the hard limit where it is lower and the
 * daemon may raise it (CAP_SYS_RESOURCE).  Root without that capability (in
 * a container, say) keeps its hard limit: the daemon then says what it got
 * and what that means for --max-peers, rather than finding out from EMFILE.
 */
static void
raise_nofile(unsigned max_peers)
{
	const rlim_t want = SERVE_NOFILE_WANT;
	struct rlimit rl, up;
	unsigned long long room;
	int hard_refused = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("serve: RLIMIT_NOFILE");
		return;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
		up.rlim_cur = up.rlim_max = want;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
		hard_refused = errno == EPERM;
	}
	up.rlim_max = rl.rlim_max;
	up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &up) == -1) {
		log_warn("serve: raising the descriptor limit (RLIMIT_NOFILE) from %llu to %llu",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)up.rlim_cur);
		up.rlim_cur = rl.rlim_cur;
	}
	if (up.rlim_cur >= want)
		return;
	room = (unsigned long long)up.rlim_cur / SERVE_PEER_CONNS;
	log_warnx("serve: descriptor limit (RLIMIT_NOFILE) %llu, not the %llu wanted: the "
		  "hard limit is %llu%s; room for %llu peers with all %d connections each, "
		  "--max-peers is %u%s",
	    (unsigned long long)up.rlim_cur, (unsigned long long)want,
	    (unsigned long long)up.rlim_max,
	    hard_refused ? " and raising it needs CAP_SYS_RESOURCE" : "", room, SERVE_PEER_CONNS,
	    max_peers, room < max_peers ? " (past that, new connections are refused: EMFILE)" : "");
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

/* --max-rate N or N/s. */
static unsigned
parse_rate(const char *s)
{
	char buf[32];
	size_t n = strlen(s);

	if (n > 2 && n < sizeof(buf) && strcmp(s + n - 2, "/s") == 0) {
		memcpy(buf, s, n - 2);
		buf[n - 2] = '\0';
		s = buf;
	}
	return parse_count("--max-rate (requests a second)", s);
}

/* confine_opts.spawn: the serving threads start once the capabilities are
 * gone and before the filter, which then covers them too. */
static int
spawn_threads(void *arg)
{
	return server_start(arg);
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "control", required_argument, NULL, 'c' },
		{ "audit", required_argument, NULL, 'a' },
		{ "audit-sync", no_argument, NULL, 'S' },
		{ "audit-key", required_argument, NULL, 'K' },
		{ "max-peers", required_argument, NULL, 'P' },
		{ "max-peers-per-user", required_argument, NULL, 'U' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "max-rate", required_argument, NULL, 'R' },
		{ "max-burst", required_argument, NULL, 'B' },
		{ "max-inflight", required_argument, NULL, 'I' },
		{ "threads", required_argument, NULL, 'T' },
		{ "tell-rules", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *group = NULL, *control = NULL, *audit_dest[SERVE_AUDIT_MAX];
	const char *audit_key = NULL;
	char msg[512];
	unsigned audit_flags = 0;
	struct serve_state st;
	struct stat made, cmade;
	char *cpath;
	sigset_t mask;
	mode_t mode = 0660;
	gid_t gid = 0;
	size_t naudit = 0, i;
	int c, verbose = 0, activated;
	unsigned long long nviol;
	unsigned long v;
	char *end;

	memset(&st, 0, sizeof(st));
	st.cfd = -1;
	st.max_peers = SERVE_MAX_PEERS;
	st.max_per_user = SERVE_MAX_PER_USER;
	st.idle_timeout = SERVE_IDLE_TIMEOUT;
	ratelog_init(&st.rlog, "refused peers");
	ratelog_init(&st.elog, "closed peers");
	st.max_inflight = SERVE_MAX_INFLIGHT;
	st.threads = SERVE_THREADS;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* a file size limit: EFBIG, fail closed */
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
		case 'c':
			control = optarg;
			break;
		case 'a':
			if (naudit == SERVE_AUDIT_MAX) {
				log_warnx("serve: at most %d --audit destinations",
				    SERVE_AUDIT_MAX);
				return 2;
			}
			audit_dest[naudit++] = optarg;
			break;
		case 'S':
			audit_flags |= AUDIT_SYNC;
			break;
		case 'K':
			audit_key = optarg;
			break;
		case 'P':
			st.max_peers = parse_count("--max-peers", optarg);
			break;
		case 'U':
			st.max_per_user = parse_count("--max-peers-per-user", optarg);
			break;
		case 'i':
			st.idle_timeout = strcmp(optarg, "0") == 0 ?
			    0 :
			    parse_count("--idle-timeout (seconds, or 0 for never)", optarg);
			break;
		case 'R':
			st.max_rate = parse_rate(optarg);
			break;
		case 'B':
			st.max_burst = parse_count("--max-burst", optarg);
			break;
		case 'I':
			st.max_inflight = parse_count("--max-inflight", optarg);
			break;
		case 'T':
			if ((st.threads = parse_count("--threads", optarg)) > SERVE_MAX_THREADS)
				fatalx("serve: --threads takes a number from 1 to %d, not '%s'",
				    SERVE_MAX_THREADS, optarg);
			break;
		case 't':
			st.tell_rules = 1;
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
		log_warnx("serve: %s",
		    st.policy_path == NULL ? "--policy FILE is required" : "unexpected arguments");
		serve_usage(stderr);
		return 2;
	}
	if (st.max_burst != 0 && st.max_rate == 0) {
		log_warnx("serve: --max-burst needs --max-rate");
		return 2;
	}
	if (st.max_burst == 0)
		st.max_burst = st.max_rate;
	log_init(verbose);
	activated = systemd_listen_fd();
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
	/* The chains' key (audit.h): each sink derives its own from it. */
	if (audit_key != NULL && audit_key_load(audit_key, msg, sizeof(msg)) == -1)
		fatalx("serve: %s", msg);
	for (i = 0; i < naudit; i++) {
		struct audit *a;

		if (audit_open_flags(audit_dest[i], audit_flags, &a) == -1)
			fatal("serve: audit %s", audit_dest[i]);
		audit_chain(&st.audit, a);
	}
	audit_key_forget();
	if (audit_key != NULL && naudit == 0)
		log_warnx("serve: --audit-key without --audit does nothing");
	st.audit_dest = audit_dest;
	st.naudit = naudit;
	if (fsctx_init(&st.fs) == -1)
		fatal("serve: opening / and /proc/self/fd");
	raise_nofile(st.max_peers);
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
		st.lfd = sockfile_create("socket", sock, mode, group != NULL, gid, &made);
	/* Every message names its sender (conn.c): the accepted sockets
	 * inherit SO_PASSCRED, and what a peer sends before accept() carries
	 * the credentials too. */
	if (fdpass_want_creds(st.lfd) == -1)
		fatal("serve: SO_PASSCRED on the listening socket");
	/* Root's alone: 0600 and created by root, and control_check() looks
	 * at every client's uid as well. */
	if ((cpath = control_path(control, activated != -1 ? NULL : sock, activated)) != NULL)
		st.cfd = sockfile_create("control socket", cpath, 0600, 0, 0, &cmade);

	if (protect_init(&st.fs, st.cur->p, audit_dest, naudit,
		(const char *[]){ activated == -1 ? sock : NULL, cpath }, 2) == -1)
		fatal("serve: holding the broker's own files");
	clock_gettime(CLOCK_REALTIME, &st.started);
	if ((st.sv = server_new(NULL)) == NULL)
		fatal("event loop");
	/* Each peer's budget of descriptors out (loop.h): half of what the
	 * daemon may have in flight, shared by --max-peers. */
	{
		struct rlimit rl;
		unsigned long long per = SERVE_MAX_FDS;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			per = rl.rlim_cur / 2 / st.max_peers;
		server_max_fds(st.sv, per > SERVE_MAX_FDS ? SERVE_MAX_FDS : (unsigned)per);
	}
	/* A peer's seccomp listener may be read by the peer too: its RECV
	 * is bounded (loop.h). */
	server_wait_guard(st.sv);
	if (server_threads(st.sv, st.threads) == -1 ||
	    server_watch(st.sv, st.sigfd, on_signal, &st) == -1 ||
	    server_watch(st.sv, st.lfd, serve_on_accept, &st) == -1 ||
	    server_tick(st.sv, serve_on_tick, &st) == -1 ||
	    (st.cfd != -1 && server_watch(st.sv, st.cfd, on_control, &st) == -1))
		fatal("event loop");
	{
		/* Everything is open: from here on the daemon only serves
		 * (confine.h, "The daemon").  No Landlock scope: its peers are
		 * not its descendants.  Transparent: any peer may send its
		 * listener, and CAP_SYS_PTRACE reads a peer of another uid.
		 * As root it gives what a peer creates to the peer. */
		struct confine_opts co = { .daemon = 1,
			.transparent = 1,
			.chown_new = geteuid() == 0,
			.spawn = spawn_threads,
			.spawn_arg = st.sv };

		/* The one seccomp(2) call a listener needs, while allowed. */
		if (notify_init() == -1)
			fatal("serve: seccomp notification sizes");
		if (confine_broker(&co) == -1)
			fatal("serve: confining the daemon");
	}
	log_info("serving %s on %s (%zu rule%s, %zu profile%s)", st.policy_path,
	    activated != -1 ? "the socket systemd passed" : sock, policy_nrules(st.cur->p),
	    policy_nrules(st.cur->p) == 1 ? "" : "s", policy_nprofiles(st.cur->p),
	    policy_nprofiles(st.cur->p) == 1 ? "" : "s");
	if (cpath != NULL)
		log_info("status on %s", cpath);
	if (st.max_rate != 0)
		log_info("limits per peer: %d connections, %u requests a second (burst %u), "
			 "%u replies in flight",
		    SERVE_PEER_CONNS, st.max_rate, st.max_burst, st.max_inflight);
	else
		log_info("limits per peer: %d connections, no request rate, %u replies in flight",
		    SERVE_PEER_CONNS, st.max_inflight);
	log_info("descriptors out per peer (sent, not yet taken, and parked): at most %u",
	    server_max_fds_of(st.sv));
	/* Said once: what names the asker of each request, and what stands
	 * in for a per-request pidfd (design.md, "Daemon mode"). */
	log_info("who asks: the sender of each request (SCM_CREDENTIALS); a /proc/PID object "
		 "only for that process while it has the peer's credentials and is dumpable "
		 "(no per-request pidfd: SCM_PIDFD would cost about 4 us a request)");
	if (st.idle_timeout != 0)
		log_info("peers: at most %u (%u per user, the last %u for users with fewer than "
			 "%d); when short of room, a peer idle for %u s is closed",
		    st.max_peers, st.max_per_user, st.max_peers / SERVE_RESERVE_DIV,
		    SERVE_RESERVE_FEW, st.idle_timeout);
	else
		log_info("peers: at most %u (%u per user, the last %u for users with fewer than "
			 "%d); idle peers are never closed",
		    st.max_peers, st.max_per_user, st.max_peers / SERVE_RESERVE_DIV,
		    SERVE_RESERVE_FEW);
	log_info("%u serving thread%s", st.threads, st.threads == 1 ? "" : "s");
	systemd_notify("READY=1");

	if (server_run(st.sv, keep_going, &st) == -1) {
		if (errno != EBUSY)
			fatal("event loop");
		/* A serving thread waits on a file system that does not
		 * answer (logged): the server is left as it is, for that
		 * thread; the sockets go, so that nobody connects to a
		 * broker that is gone. */
		systemd_notify("STOPPING=1");
		if (activated == -1)
			sockfile_remove(sock, &made);
		if (cpath != NULL && st.cfd != -1)
			sockfile_remove(cpath, &cmade);
		exit(1);
	}

	systemd_notify("STOPPING=1");
	/* Stop accepting first, so that nobody connects to a broker that is
	 * about to close everything. */
	server_unwatch(st.sv, st.lfd);
	close(st.lfd);
	if (activated == -1)
		sockfile_remove(sock, &made);
	if (st.cfd != -1) {
		server_unwatch(st.sv, st.cfd);
		close(st.cfd);
		sockfile_remove(cpath, &cmade);
	}
	free(cpath);
	log_info("closing %u connections of %u peers", server_nconns(st.sv), st.npeers);
	server_unwatch(st.sv, st.sigfd);
	nviol = server_nviolations(st.sv);
	server_free(st.sv); /* releases every peer */
	log_info("stopped: %llu peers served, %llu refused, %llu closed idle, %llu closed to "
		 "make room, %llu requests, %llu denied, %llu protocol violations",
	    st.accepted, st.refused, st.idled, st.evicted, st.nrequests, st.ndenied,
	    (unsigned long long)nviol);
	close(st.sigfd);
	close(st.reserve);
	polref_drop(st.cur);
	fsctx_close(&st.fs);
	audit_end(st.audit);
	audit_anchors(st.audit, audit_anchor, NULL);
	audit_close(st.audit);
	free(st.uc);
	return 0;
}
