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
 * covers them all (the event loop does, once per batch of events).
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
 * Bytes of each string field (path, path2, canon, canon2, rule) rendered in
 * full; longer strings are cut there and the record says "truncated":true.
 * Paths on the wire and from the kernel are shorter (FB_PATH_MAX, PATH_MAX).
 */
#define AUDIT_STR_MAX 4096

/* Bytes of mode and op rendered (they are the broker's own constants). */
#define AUDIT_NAME_MAX 32

/*
 * A buffer of AUDIT_RECORD_MAX bytes always holds a record or a denial line
 * with its terminating NUL.  Each string field costs at most 8 bytes per
 * input byte (6 for an escape such as \u0001, plus 2 of hex once any byte of
 * the field is invalid UTF-8) and under 64 bytes of keys and quotes; the
 * fixed fields take under 1 KiB.
 */
#define AUDIT_RECORD_MAX (5 * (8 * AUDIT_STR_MAX + 64) + 1024)

/* What happened, as the broker saw it.  Any pointer may be NULL. */
struct audit_event {
	struct timespec when; /* CLOCK_REALTIME when the request arrived */
	pid_t pid;	      /* the worker's */
	pid_t tid;	      /* 0 when unknown (explicit mode) */
	uid_t uid;
	gid_t gid;
	const char *mode;     /* "explicit" or "transparent" */
	const char *op;	      /* "open", "stat", ... */
	const char *path;     /* as requested: arbitrary bytes */
	const char *path2;    /* rename destination as requested, or NULL */
	const char *canon;    /* canonical path, NULL when resolution failed */
	const char *canon2;   /* rename destination, canonical, or NULL */
	unsigned access;      /* POLICY_READ | ... (policy.h) */
	unsigned flags;	      /* open(2) flags when op is "open", renameat2(2)
				 flags when "rename" (0: none), else ignored */
	uint64_t resolve;     /* "open" through openat2(2): its RESOLVE_* bits,
				 written after the flags; else 0 */
	int allowed;	      /* the policy's decision when rule != NULL */
	const char *rule;     /* "FILE:LINE", "default", or NULL: no decision
				 was made (bad request, resolution failed) */
	int err;	      /* errno answered, 0 on success */
	uint64_t duration_ns; /* from arrival to answer */
	int complain;	      /* the broker runs with --complain */
	int waived;	      /* the policy denied (allowed == 0) and complain
				 mode let the request through: "would-deny" */
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
int audit_reopen(struct audit *a, void (*report)(const char *name, int err, void *arg),
    void *arg);

/* Close every sink of the list and free it.  a may be NULL. */
void audit_close(struct audit *a);

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
ssize_t audit_format_syslog(const struct audit_event *ev, pid_t broker_pid, char *buf,
    size_t size);

/* The syslog/journal priority of the event (6 info, 5 notice, 4 warning). */
int audit_priority(const struct audit_event *ev);

/*
 * The journal's fields for the event, "NAME=value" each, into buf (NUL
 * after each), with iov[i] pointing at each (NUL excluded): MESSAGE (the
 * human line), PRIORITY, SYSLOG_IDENTIFIER=filebroker, SYSLOG_FACILITY, and
 * FILEBROKER_V, _TIME, _MODE, _PID, _TID, _UID, _GID, _OP, _PATH, _PATH2,
 * _CANON, _CANON2, _ACCESS, _FLAGS, _DECISION, _RULE, _ERRNO, _DURATION_US
 * and _COMPLAIN (fields whose JSON value is null are left out; _HEX
 * companions as in records).  Returns the number of fields (at most
 * AUDIT_JOURNAL_FIELDS), or -1 with errno ENOBUFS; size AUDIT_RECORD_MAX
 * always suffices.
 */
#define AUDIT_JOURNAL_FIELDS 32
struct iovec;
int audit_format_journal(const struct audit_event *ev, char *buf, size_t size, struct iovec *iov);

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
