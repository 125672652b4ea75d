/*
 * audit.h: the broker's audit records, one per request.
 *
 * A sink is one destination; sinks chain into a list (audit_chain()) and
 * audit_write() writes every record to every sink of the list:
 *
 *	file		one JSON object per line per request, appended
 *			(`--audit FILE`)
 *	stderr		the same on stderr (`--audit -`)
 *	syslog		the JSON record as the message of a syslog datagram
 *			to /dev/log, facility authpriv (`--audit syslog`)
 *	journal		the systemd journal: a human MESSAGE plus
 *			FILEBROKER_* fields (`--audit journal`)
 *	AUDIT_DENIALS	one human-readable line per denial, nothing for
 *			anything else (the default without `--audit`)
 *
 * docs/audit.md gives the formats.
 *
 * Durability: audit_write() returns only after every sink took the whole
 * record (one completed write(2) or send(2) each: the record is in the
 * kernel).  The broker calls it before it sends the descriptor it grants and
 * answers EIO without sending anything when it fails, so a broker killed at
 * any moment never leaves a granted access unrecorded.  With AUDIT_SYNC a
 * file sink's records are also made durable, to survive a power cut: the
 * caller calls audit_sync() after audit_write() and before the reply, and
 * may first write the records of several requests, so that one fdatasync()
 * covers them all (the event loop does, once per batch of events).  A
 * request that changes the file system has its intent written (and, with
 * AUDIT_SYNC, synced) before the change, and its outcome after it (struct
 * audit_event, phase), so that no change is left without a record either.
 *
 * Every string in an event is untrusted (the worker chooses paths, the
 * administrator names policy files): it is escaped so that it can neither
 * end its record, forge another, nor drive a terminal.  See docs/audit.md.
 *
 * The audit_format*() functions and audit_errno_name/value() are pure.
 * A sink may be shared between threads.
 */
#ifndef FB_AUDIT_H
#define FB_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * Bytes of each string field (exe, path, path2, canon, canon2, interp,
 * rule) rendered in
 * full; longer strings are cut there and the record says "truncated":true.
 * Paths on the wire and from the kernel are shorter (FB_PATH_MAX, PATH_MAX).
 */
#define AUDIT_STR_MAX 4096

/* Bytes of mode and op rendered (they are the broker's own constants). */
#define AUDIT_NAME_MAX 32

/*
 * A buffer of AUDIT_RECORD_MAX bytes always holds a record or a denial line
 * with its terminating NUL, sealed (audit_chain.h) or not.  Each string
 * field costs at most 8 bytes per input byte (6 for an escape such as
 * \u0001, plus 2 of hex once any byte of the field is invalid UTF-8) and
 * under 64 bytes of keys and quotes; the fixed fields take under 1 KiB,
 * and the seal AUDIT_SEAL_ROOM.
 */
#define AUDIT_RECORD_MAX (7 * (8 * AUDIT_STR_MAX + 64) + 1024 + AUDIT_SEAL_ROOM)

/* What a JSON sink's seal adds to a line (audit_chain.h), and more. */
#define AUDIT_SEAL_ROOM 256

/* The format version records are written in ("v"); docs/audit.md. */
#define AUDIT_V 2

/*
 * A session: one `filebroker run`, or one peer of `filebroker serve` from
 * its connection to its end.  Its id is in every request record of it; its
 * first record is a session-start (audit_session_start()) and its last a
 * session-end (audit_session_end()).  The counts are kept by audit_write(),
 * which may be called from several threads.
 */
#define AUDIT_SESSION_ID_LEN 16 /* hex digits: 64 random bits */
struct audit_sess {
	char id[AUDIT_SESSION_ID_LEN + 1];
	struct timespec mono; /* CLOCK_MONOTONIC when it started */
	uint64_t n[4];	      /* requests allowed, denied, would-deny, failed
				   (decision "error"), by audit_write() */
};

/* What happened, as the broker saw it.  Any pointer may be NULL. */
struct audit_event {
	struct timespec when; /* CLOCK_REALTIME when the request arrived */
	pid_t pid;	      /* the worker's */
	pid_t tid;	      /* 0 when unknown (explicit mode) */
	pid_t nspid;	      /* the two in the worker's PID namespace (run's);
				 0: none, or not known (not written) */
	pid_t nstid;
	uid_t uid;
	gid_t gid;
	const char *exe;	    /* the asking process's program as /proc/PID/exe
				 said (a hint), or NULL: unknown */
	const char *mode;	    /* "explicit" or "transparent" */
	const char *op;		    /* "open", "stat", ... */
	const char *path;	    /* as requested: arbitrary bytes */
	const char *path2;	    /* rename destination as requested, or NULL */
	const char *canon;	    /* canonical path, NULL when resolution failed */
	const char *canon2;	    /* rename destination, canonical, or NULL */
	const char *interp;	    /* "exec" of a script: its "#!" interpreter,
				 canonical, or NULL (not written) */
	unsigned access;	    /* POLICY_READ | ... (policy.h) */
	unsigned flags;		    /* open(2) flags when op is "open", renameat2(2)
				 flags when "rename" (0: none), else ignored */
	uint64_t resolve;	    /* "open" through openat2(2): its RESOLVE_* bits,
				 written after the flags; else 0 */
	int allowed;		    /* the policy's decision when rule != NULL */
	const char *rule;	    /* "FILE:LINE", "default", or NULL: no decision
				 was made (bad request, resolution failed) */
	int err;		    /* errno answered, 0 on success */
	uint64_t duration_ns;	    /* from arrival to answer */
	int complain;		    /* the broker runs with --complain */
	int waived;		    /* the policy denied (allowed == 0) and complain
				 mode let the request through: "would-deny" */
	struct audit_sess *session; /* the session asking, counted by
				       audit_write(); NULL: none (null) */
	/* A change written ahead (docs/audit.md, "Write-ahead"): its intent,
	 * written before the change and not counted in the session's counts,
	 * then its outcome; both carry req, the request's number in its
	 * session.  AUDIT_PHASE_NONE: a record of its own (no "phase", no
	 * "req"). */
	enum audit_phase { AUDIT_PHASE_NONE, AUDIT_PHASE_INTENT, AUDIT_PHASE_DONE } phase;
	uint64_t req;
	/* A policy denial: the access asked of the path it was decided on
	 * when the request was denied (0: not known), and whether that path
	 * is canon2 (1) or canon (0).  Not written in records: for the
	 * denial line's hint (hint.h). */
	unsigned denied_access;
	int denied_second;
	/* The denial line leaves out canon (canon2) and says only that the
	 * path led elsewhere: the worker may not know where (denials.c).
	 * Records and the journal's message keep both. */
	int canon_hidden, canon2_hidden;
};

enum audit_style { AUDIT_JSON, AUDIT_DENIALS };

struct audit; /* a sink, or a list of them */

/* Flags of audit_open_flags(). */
#define AUDIT_SYNC 0x1u /* file sinks: audit_sync() fdatasync()s them (others: no effect) */

/* The syslog socket and facility (LOG_AUTHPRIV). */
#define AUDIT_SYSLOG_PATH "/dev/log"
#define AUDIT_SYSLOG_FACILITY 10
/* Where journald listens (for messages; libsystemd knows it too). */
#define AUDIT_JOURNAL_PATH "/run/systemd/journal/socket"

/*
 * Open the sink that dest names (the syntax of `--audit DEST`):
 *
 *	"-"		stderr (a duplicate of it)
 *	"/dev/fd/N"	descriptor N as it is, a pipe, a file, a terminal (a
 *			duplicate of it; EBADF when N is not open): never
 *			reopened by that name, which is a symlink
 *	"syslog"	syslog, facility authpriv, on AUDIT_SYSLOG_PATH
 *	"journal"	the systemd journal
 *	anything else	a file path; "./syslog" names a file called syslog
 *
 * A file is appended to, created with mode 0600 when missing (an existing
 * file keeps its mode), and opened read-write so that its end can be
 * checked: a file that does not end with a newline holds a record cut short
 * by a broker that stopped in the middle of a write (SIGKILL can cut a
 * write(2) at a page boundary).  Its last line is then ended with a newline
 * and a torn marker (audit_format_torn(), cause "open") before anything
 * else, so that the next record starts on its own line; the open fails with
 * the error of that write (EIO when short).  A file the broker may write
 * but not read is opened write-only, unchecked.  It must be a regular file: a symlink as last
 * component fails with ELOOP, a directory with EISDIR, anything else (FIFO,
 * device, socket) with EINVAL, because a FIFO without a reader would stall
 * every request and a device is most likely a typo.  The open itself never
 * blocks.  syslog fails with the errno of connecting to its socket (ENOENT
 * when there is no /dev/log); journal with ENOENT when journald's socket
 * is missing, or the error of sending it a first entry ("audit records of
 * broker PID follow", FILEBROKER_EVENT=start, which also opens libsystemd's
 * socket before the broker confines itself), or ENOSYS when filebroker was
 * built without libsystemd.
 * Returns 0 and sets *out, or -1 with errno set.
 */
int audit_open(const char *dest, struct audit **out);
int audit_open_flags(const char *dest, unsigned flags, struct audit **out);
#define AUDIT_FD_PREFIX "/dev/fd/"

/*
 * Check that no sink of the list writes to a file the worker can write to
 * as well: fds are the descriptors the worker gets (its standard input,
 * output and error), and a sink on the same file as one of them (same
 * inode: the same pipe, socket, file or device) would take the worker's
 * lines for records ("--audit -" with stderr sent to a file or a pipe, or
 * "--audit FILE" with the worker's stderr appended to FILE).  A terminal is
 * allowed: it is a view for a person, not a trail.  Returns 0, or -1 with
 * errno EEXIST and a message saying which sink, which descriptor, and what
 * to do instead in msg (size bytes, NUL-terminated).
 */
int audit_check_unshared(const struct audit *a, const int *fds, size_t n, char *msg, size_t size);

/*
 * A syslog sink sending to the datagram socket at sockpath (audit_open()
 * uses AUDIT_SYSLOG_PATH; tests use their own).  Returns as audit_open().
 */
int audit_open_syslog(const char *sockpath, struct audit **out);

/*
 * Append the sink (or list) a to the list *head (*head may be NULL).
 * audit_write() then writes to each, audit_close() closes each.
 */
void audit_chain(struct audit **head, struct audit *a);

/*
 * What a sink is, for messages: "stderr", "syslog", "journal" or the file's
 * name as given.
 */
const char *audit_name(const struct audit *a);

/*
 * The name of the first sink of the list whose last audit_write() failed,
 * or NULL when none did.
 */
const char *audit_failed(const struct audit *a);

/*
 * Make a sink of the given style on fd, whatever it refers to.  Takes
 * ownership of fd on success only.  Returns 0 and sets *out, or -1 with
 * errno (EBADF for a bad fd, EINVAL for a bad style, ENOMEM).
 */
int audit_open_fd(int fd, enum audit_style style, struct audit **out);

/*
 * Write the event to every sink of the list: its JSON record, or for an
 * AUDIT_DENIALS sink its denial line (nothing at all when the event is not
 * a denial), or the journal's fields.  One write(2) or send(2) per record
 * and sink, under the sink's lock, so that lines from threads sharing the
 * sink stay whole (and O_APPEND keeps them whole between processes).
 * Every sink is tried even when one fails.  Returns 0, or -1 with errno of
 * the first failure: the write's own (ENOSPC, EPIPE, ...), EIO for a short
 * write, ENOENT when a file sink's file was removed (it has no link left:
 * what is written there is lost), the send's for syslog (after one reconnection; EAGAIN when the daemon did not
 * take it within 2 seconds), the journal's (ENOENT when its socket is
 * gone: libsystemd would drop the record silently), ENOMEM.  A record is never
 * silently dropped.  After a short write (a full disk, a file size limit)
 * the sink's next write first ends the torn line with a newline and a torn
 * marker (audit_format_torn(), cause "write"), in the same write(2) as the
 * record, so that nothing is glued onto the torn line.  The torn bytes are
 * left in place rather than truncated away: another broker appending to the
 * same file may have written its record after them, and truncating would
 * destroy it.  Retries on EINTR.
 */
int audit_write(struct audit *a, const struct audit_event *ev);

/*
 * What a session-start record says (docs/audit.md, "Sessions").  Any
 * pointer may be NULL (null in the record).
 */
struct audit_session {
	const char *mode;      /* "transparent", "explicit" or "daemon" */
	const char *placement; /* run --placement: "shared", "spread" */
	char *const *argv;     /* the command and its arguments, NULL-ended */
	const char *command;   /* the program that runs, as the kernel says
				      (/proc/PID/exe: a hint) */
	const char *cwd;       /* the folder it was started in */
	pid_t pid;	       /* the worker, or the peer */
	uid_t uid;	       /* the worker's user and group */
	gid_t gid;
	uid_t invoker_uid; /* who started it: run's caller (real ids),
				      the peer itself */
	gid_t invoker_gid;
	int64_t auid;		   /* its login uid (/proc/PID/loginuid), -1 for
				      none */
	const char *policy;	   /* the policy file's absolute path; NULL: the
				      built-in default */
	const char *policy_sha256; /* audit_policy_sha256() of the policy */
	const char *profile;	   /* serve: the profile's "FILE:LINE" */
	const char *tmp;	   /* run: the private temporary folder, or NULL
				      (no key in the record) */
	int complain;		   /* --complain */
	const char *unbrokered;	   /* run: the path calls the worker makes to
				      the kernel itself, unrecorded (space-
				      separated), or NULL (no key) */
	int lane;		   /* run: the preload library's lane is on (its opens are
		     explicit requests) */
	/*
	 * run: this process started the worker: command, cwd, the invoker's
	 * ids and auid are taken from it and /proc (what is given is kept),
	 * and the policy digest from policy when policy_sha256 is NULL.
	 */
	int local;
	const struct policy *p;
};

/* Arguments and bytes of them a session-start record holds (the rest are
 * counted in "argc" and cut, with "truncated":true). */
#define AUDIT_ARGV_MAX 64
#define AUDIT_ARGV_BYTES 4096

/*
 * Begin a session: a fresh id (random), and its session-start record to
 * every sink of a that takes events (file and descriptor JSON sinks,
 * syslog, the journal; not the denial lines).  With a == NULL nothing is
 * written and *out is NULL.  Returns 0 with *out set (free it with
 * audit_session_end()), or -1 with errno: the session then exists
 * (*out set, its id in its records) but its start is not in the trail,
 * and the caller fails closed as for any record that was not written.
 */
int audit_session_start(struct audit *a, const struct audit_session *info, struct audit_sess **out);

/*
 * Draw the random seed session ids are made from (once; later calls do
 * nothing).  audit_open() calls it, so that a broker that confines itself
 * after opening its sinks can still begin sessions.  0, or -1 with errno
 * of getrandom(2).
 */
int audit_session_seed(void);

/*
 * End the session s: its session-end record (the counts, the duration,
 * and for a run the worker's wait status: exit code or signal; wstatus
 * NULL for a daemon peer, whose end is its disconnection), then free s.
 * s may be NULL.  Returns 0, or -1 with errno as audit_write().
 */
int audit_session_end(struct audit *a, struct audit_sess *s, const int *wstatus);

/*
 * The SHA-256 of the policy as `filebroker check --print` prints it
 * (policy_print(): includes expanded, each rule with its FILE:LINE), in
 * hex, into hex.  Returns 0, or -1 with errno.
 */
struct policy;
int audit_policy_sha256(const struct policy *p, char hex[65]);

/*
 * An event line (audit_format_session_start(), ...: "{...}\n") to every
 * sink that takes events, as audit_write() writes a record: JSON sinks
 * get the line, syslog the line as its message (info), the journal
 * MESSAGE=message, FILEBROKER_EVENT, FILEBROKER_SESSION when session is
 * not NULL, and FILEBROKER_RECORD=the line.  Returns as audit_write().
 */
struct audit_note {
	const char *event;   /* "session-start", "session-end" */
	const char *session; /* the session's id, or NULL */
	const char *message; /* the journal's human MESSAGE */
};
int audit_write_event(struct audit *a, const char *line, size_t n, const struct audit_note *note);

/*
 * Make every record written so far durable: fdatasync() each AUDIT_SYNC
 * file sink written to since the last call (nothing when none was, so the
 * call is cheap).  Returns 0, or -1 with errno of the first failure.  A
 * sink whose fdatasync() failed is marked failed (audit_failed()) and fails
 * every later audit_sync() too: a second fdatasync() may report success for
 * data that was lost, so the broker fails closed.  audit_needs_sync() says whether the list has such a sink at all,
 * that is whether replies must wait for audit_sync().
 */
int audit_sync(struct audit *a);
int audit_needs_sync(const struct audit *a);

/*
 * Reopen every file sink of the list by its name, for log rotation (the
 * daemon does it on SIGHUP, after logrotate renamed the file away).  The
 * file is opened again as audit_open() opens it (created 0600 when missing,
 * appended to, a regular file only); only when that succeeds does the sink
 * switch to it, under its lock, and close the old descriptor, so that each
 * record goes whole to one file or the other.  A file that does not open
 * leaves its sink writing to the old descriptor.  stderr, syslog, journal
 * and audit_open_fd() sinks are left alone.  report(name, err, arg), when
 * not NULL, is called once per file sink: err 0 when it was reopened, else
 * the errno of the open.  Returns 0, or -1 with errno of the first failure.
 */
int audit_reopen(struct audit *a, void (*report)(const char *name, int err, void *arg), void *arg);

/*
 * End every chain of the list: each JSON sink's close record (cause
 * "exit"), after which the sink writes nothing more.  audit_close() does
 * it for a sink not ended yet.  Returns 0, or -1 with errno of the first
 * sink that failed.
 */
int audit_end(struct audit *a);

/*
 * The anchor of each JSON sink of the list: fn(name, anchor, arg) with
 * anchor "CHAIN:SEQ:DIGEST", the id of its chain, the seq of the last line
 * it wrote and that line's digest; nothing for a sink that wrote none.
 * Kept where the file's writers cannot reach it (the daemon logs it on
 * SIGHUP and at exit), an anchor lets `filebroker audit --verify --anchor`
 * prove that no line up to it was removed or changed, keyed chain or not
 * (docs/audit.md, "Anchors").
 */
#define AUDIT_ANCHOR_MAX 128
void audit_anchors(const struct audit *a,
    void (*fn)(const char *name, const char *anchor, void *arg), void *arg);

/* Close every sink of the list and free it (audit_end() first, for one not
 * ended).  a may be NULL. */
void audit_close(struct audit *a);

/*
 * The master key of keyed chains (`--audit-key FILE`): audit_key_load()
 * reads it (audit_key_read()) for the JSON sinks opened after it, each of
 * which derives its chain's first key from it (audit_chain.h);
 * audit_key_forget() wipes it, once they are open, so that it is not in
 * the broker's memory for someone who takes the broker over later.
 * audit_key_read(): the file at path must be a regular file of
 * AUDIT_KEY_MIN to AUDIT_KEY_MAX bytes, owned by the broker's user, with
 * no permission for its group or others; its bytes are the key.  Returns
 * 0 with the key in key[0..*len) (key holds AUDIT_KEY_MAX bytes), or -1
 * with what is wrong and how to fix it in msg (size bytes).
 * audit_key_set() takes a key from memory (tests); audit_key_master()
 * returns the one loaded, or NULL.
 */
int audit_key_read(const char *path, unsigned char *key, size_t *len, char *msg, size_t size);
int audit_key_load(const char *path, char *msg, size_t size);
void audit_key_set(const unsigned char *key, size_t len);
const unsigned char *audit_key_master(size_t *len);
void audit_key_forget(void);

/*
 * Format the event's JSON record, newline included, into buf followed by a
 * NUL.  Returns its length (NUL excluded), or -1 with errno ENOBUFS when
 * size is too small; never writes past size.  size AUDIT_RECORD_MAX always
 * suffices.
 */
ssize_t audit_format(const struct audit_event *ev, char *buf, size_t size);

/*
 * The marker a file sink writes after a torn line (one cut short by a
 * broker that stopped, or by a short write), so that the trail says what
 * happened and a reader can tell a torn line from an edited one:
 *
 *	{"v":1,"time":"...","event":"torn","broker_pid":123,"cause":"open","bytes":177}
 *
 * cause: AUDIT_TORN_OPEN "open", the file ended without a newline when it
 * was opened (at start, or reopened on SIGHUP); AUDIT_TORN_WRITE "write",
 * a write of this broker was short.  bytes: the torn line's length, or
 * null when it is unknown (bytes < 0) or longer than a record can be.
 * The newline that ends the torn line is not part of it.  Returns as
 * audit_format(); AUDIT_TORN_MAX bytes always suffice.
 */
enum audit_torn_cause { AUDIT_TORN_OPEN, AUDIT_TORN_WRITE };
#define AUDIT_TORN_MAX 192
ssize_t audit_format_torn(const struct timespec *when, pid_t broker_pid,
    enum audit_torn_cause cause, int64_t bytes, char *buf, size_t size);

/*
 * The session-start and session-end records of s (docs/audit.md,
 * "Sessions"), newline included, into buf, as audit_format().  when is
 * the record's time; broker_pid the broker's.  Strings are escaped as in
 * records, with _hex companions; argv is cut to AUDIT_ARGV_MAX arguments
 * and AUDIT_ARGV_BYTES bytes ("argc" says how many there were, and
 * "truncated":true that some were cut).  AUDIT_RECORD_MAX always
 * suffices.  wstatus as audit_session_end(); duration_ns since the start.
 */
ssize_t audit_format_session_start(const struct audit_sess *s, const struct audit_session *info,
    const struct timespec *when, pid_t broker_pid, char *buf, size_t size);
ssize_t audit_format_session_end(const struct audit_sess *s, const int *wstatus,
    uint64_t duration_ns, const struct timespec *when, pid_t broker_pid, char *buf, size_t size);

/*
 * The open record a JSON sink writes first, when the broker opens it (at
 * start, or on SIGHUP), before any other line of its chain
 * (docs/audit.md, "Tamper evidence"), and the close record it writes last
 * (audit_close()).  Returns as audit_format(); AUDIT_OPEN_MAX bytes always
 * suffice, before the seal.
 */
struct audit_open {
	int reopen;		    /* SIGHUP: the chain goes on in this file */
	const char *key_id;	    /* the master's (audit_chain_key_id()); NULL:
				       unkeyed */
	const unsigned char *prev;  /* the chain's last digest; NULL: a new chain */
	const unsigned char *after; /* the SHA-256 of the file's last line when
				       it was opened (a torn one too); NULL: it
				       was empty or new, or could not be read */
	int torn;		    /* the file ended inside that line */
	int64_t torn_bytes;	    /* its length; -1: longer than any record */
};
#define AUDIT_OPEN_MAX 512
ssize_t audit_format_open(const struct timespec *when, pid_t broker_pid,
    const struct audit_open *info, char *buf, size_t size);
ssize_t audit_format_close(const struct timespec *when, pid_t broker_pid, char *buf, size_t size);

/*
 * Format the human line for a denial (rule != NULL and !allowed), newline
 * included, e.g.
 *
 *	filebroker: denied open of "/etc/shadow" (read) for pid 123: rule default
 *
 * or, for a denial complain mode waived, "filebroker: would deny open of
 * ...".  A canonical path marked hidden (canon_hidden, canon2_hidden) is
 * shown as "elsewhere, hidden from the worker".  Strings are escaped as in
 * JSON records.  Returns its length (NUL
 * excluded); 0 with an empty string when the event is not a denial; -1 with
 * errno ENOBUFS as audit_format().
 */
ssize_t audit_format_denial(const struct audit_event *ev, char *buf, size_t size);

/*
 * Format the event as a syslog datagram: "<PRI>filebroker[PID]: " (PRI for
 * facility authpriv; PID the broker's, given) followed by its JSON record
 * without the newline.  Severity: info for allow and error, notice for
 * would-deny, warning for deny.  Returns as audit_format().
 */
ssize_t audit_format_syslog(const struct audit_event *ev, pid_t broker_pid, char *buf, size_t size);

/* The same framing for an event line (priority info): "<PRI>filebroker[PID]: "
 * and the line without its newline.  Returns as audit_format(). */
ssize_t audit_format_syslog_line(const char *line, size_t n, pid_t broker_pid, char *buf,
    size_t size);

/* The syslog/journal priority of the event (6 info, 5 notice, 4 warning). */
int audit_priority(const struct audit_event *ev);

/*
 * The journal's fields for the event, "NAME=value" each, into buf (NUL
 * after each), with iov[i] pointing at each (NUL excluded): MESSAGE (the
 * human line, "intent: ..." for a change's intent), PRIORITY,
 * SYSLOG_IDENTIFIER=filebroker, SYSLOG_FACILITY, and FILEBROKER_V, _TIME,
 * _SESSION, _REQ and _PHASE (a change written ahead), _MODE, _PID, _TID,
 * _UID, _GID, _EXE, _OP, _PATH, _PATH2, _CANON, _CANON2, _INTERP, _ACCESS,
 * _FLAGS, _DECISION, _RULE, _ERRNO, _DURATION_US
 * and _COMPLAIN (fields whose JSON value is null are left out; _HEX
 * companions as in records).  Returns the number of fields (at most
 * AUDIT_JOURNAL_FIELDS), or -1 with errno ENOBUFS; size AUDIT_RECORD_MAX
 * always suffices.
 */
#define AUDIT_JOURNAL_FIELDS 40
struct iovec;
int audit_format_journal(const struct audit_event *ev, char *buf, size_t size, struct iovec *iov);

/* The journal's fields for an event line (audit_write_event()), as
 * audit_format_journal(). */
int audit_format_journal_event(const struct audit_note *note, const char *line, size_t n, char *buf,
    size_t size, struct iovec *iov);

/*
 * The symbolic name of a Linux errno value ("EACCES"), or NULL for 0 and
 * for values it does not know (records then say "E<number>").
 */
const char *audit_errno_name(int err);

/*
 * The inverse: the value of "EACCES" or "E<number>" (1..4095), or -1 for a
 * name it does not know.
 */
int audit_errno_value(const char *name);

#endif
