/*
 * control.h: the control socket of `filebroker serve` and what goes over
 * it; the one definition shared by the daemon (daemon.c, control.c) and
 * `filebroker status` (cmd_status.c).
 *
 * The control socket is a SOCK_SEQPACKET Unix socket of mode 0600 that the
 * daemon creates beside its workers' socket (PATH.control unless
 * --control says otherwise).  A client connects and sends nothing.  The
 * daemon checks the client's uid with SO_PEERCRED (captured by the kernel
 * at connect(2)) and serves uid 0 only: the file mode keeps other users
 * out, the check still holds when the mode was loosened or a process that
 * is not uid 0 has CAP_DAC_OVERRIDE.  It then sends the report twice, for
 * people and as JSON, one message each, and closes:
 *
 *	"filebroker-status 1 text\n" the report for people
 *	"filebroker-status 1 json\n" one JSON object and a newline
 *
 * A client that is not uid 0 gets one message instead, and is logged:
 *
 *	"filebroker-status 1 error\n" the reason and a newline
 *
 * The daemon reads nothing from a client and never waits for one: both
 * messages go with MSG_DONTWAIT into the new connection's empty queue, so
 * a client that never reads costs one connection's buffer, briefly.
 */
#ifndef FB_CONTROL_H
#define FB_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#define CONTROL_SUFFIX ".control" /* appended to the workers' socket path */
#define CONTROL_DEFAULT "/run/filebroker/filebroker.sock" CONTROL_SUFFIX
#define CONTROL_HEADER "filebroker-status 1 " /* then "text\n", "json\n" or "error\n" */
#define CONTROL_MSG_MAX (128 * 1024)	      /* bytes of one message, header included */

/* One connected peer, as the report shows it. */
struct control_peer {
	unsigned long id; /* the daemon's number for it, as in its log */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	const char *profile; /* the profile line, "FILE:LINE" */
	unsigned nconns;     /* its connection and its channels */
	uint64_t nrequests;
	uint64_t ndenied;
	uint64_t nlimited;     /* requests refused over --max-rate */
	uint64_t nthrottled;   /* times --max-inflight stopped reading it */
	struct timespec since; /* CLOCK_REALTIME when it connected */
};

/* What the daemon reports.  Counts are since it started. */
struct control_status {
	pid_t pid;
	struct timespec started; /* CLOCK_REALTIME */
	const char *policy;	 /* the policy file */
	struct timespec loaded;	 /* when the policy in force was loaded */
	size_t nrules, nprofiles;
	unsigned long long reload_failures;
	const char *const *audit; /* the --audit destinations */
	size_t naudit;
	const char *audit_failed; /* the first sink whose last write failed, or NULL */
	unsigned max_peers, max_per_user;
	unsigned max_conns;	      /* connections per peer */
	unsigned max_rate, max_burst; /* --max-rate (0: none), --max-burst */
	unsigned max_inflight;	      /* --max-inflight */
	unsigned threads;	      /* --threads */
	unsigned nconns;	      /* open connections, every peer's */
	unsigned long long accepted, refused, nrequests, ndenied, nviolations, control_refused;
	const struct control_peer *peers; /* the connected peers, in the order connected */
	size_t npeers;
};

/*
 * Print the report for people, or as one JSON object and a newline.  Every
 * string from outside (file names) is escaped (out.h).  Peers are listed
 * until the output reaches about max bytes; the rest are counted ("and N
 * more peers", "peers_omitted").  Pure but for writing to f.
 */
void control_format_text(FILE *f, const struct control_status *cs, size_t max);
void control_format_json(FILE *f, const struct control_status *cs, size_t max);

/*
 * A client accepted on the control socket: 0 when it is uid 0 and may have
 * the report; -1 when it is refused, with the refusal logged and sent to
 * it (errno as the SO_PEERCRED failure, or EPERM).  The caller closes fd
 * either way.
 */
int control_check(int fd);

/* Send cs to the client on fd as above, without waiting; a failure is
 * logged.  The caller closes fd. */
void control_send(int fd, const struct control_status *cs);

/*
 * The daemon's control socket path, malloc'ed, or NULL for none: opt (the
 * --control option; "none" for none) when given, else sock (the --socket
 * path) followed by CONTROL_SUFFIX, else, under socket activation, the path
 * the socket activated_fd is bound to followed by CONTROL_SUFFIX.  A
 * default too long for a socket address gives NULL, with a warning.
 */
char *control_path(const char *opt, const char *sock, int activated_fd);

#endif
