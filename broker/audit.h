/*
 * audit.h: the broker's audit records, one per request.
 *
 * Two styles of sink:
 *
 *	AUDIT_JSON	one JSON object per line per request (`--audit FILE`,
 *			`--audit -` for stderr); docs/audit.md gives the format
 *	AUDIT_DENIALS	one human-readable line per denial, nothing for
 *			anything else (the default without `--audit`)
 *
 * Durability: audit_write() returns only after one write(2) took the whole
 * record.  The broker calls it before it sends the descriptor it grants and
 * answers EIO without sending anything when it fails, so a broker killed at
 * any moment never leaves a granted access unrecorded.  A completed write(2)
 * survives the broker's death, not the machine's (no fsync).
 *
 * Every string in an event is untrusted (the worker chooses paths, the
 * administrator names policy files): it is escaped so that it can neither
 * end its record, forge another, nor drive a terminal.  See docs/audit.md.
 *
 * audit_format(), audit_format_denial() and audit_errno_name() are pure.
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
	unsigned flags;	      /* open(2) flags when op is "open", else ignored */
	int allowed;	      /* the policy's decision when rule != NULL */
	const char *rule;     /* "FILE:LINE", "default", or NULL: no decision
				 was made (bad request, resolution failed) */
	int err;	      /* errno answered, 0 on success */
	uint64_t duration_ns; /* from arrival to answer */
};

enum audit_style { AUDIT_JSON, AUDIT_DENIALS };

struct audit; /* a sink */

/*
 * Open a JSON sink appending to dest, created with mode 0600 when missing
 * (an existing file keeps its mode); dest "-" writes to a duplicate of
 * stderr instead.  dest must be a regular file: a symlink as last component
 * fails with ELOOP, a directory with EISDIR, anything else (FIFO, device,
 * socket) with EINVAL, because a FIFO without a reader would stall every
 * request and a device is most likely a typo.  The open itself never
 * blocks.  Returns 0 and sets *out, or -1 with errno set.
 */
int audit_open(const char *dest, struct audit **out);

/*
 * Make a sink of the given style on fd, whatever it refers to.  Takes
 * ownership of fd on success only.  Returns 0 and sets *out, or -1 with
 * errno (EBADF for a bad fd, EINVAL for a bad style, ENOMEM).
 */
int audit_open_fd(int fd, enum audit_style style, struct audit **out);

/*
 * Write the event to the sink: its JSON record, or for an AUDIT_DENIALS sink
 * its denial line (nothing at all when the event is not a denial).  One
 * write(2) per record, under a lock, so that lines from threads sharing the
 * sink stay whole (and O_APPEND keeps them whole between processes).
 * Returns 0, or -1 with errno: the write's own (ENOSPC, EPIPE, ...), EIO
 * for a short write, ENOMEM.  A record is never silently dropped; after a
 * short write the next record starts with a newline so that only the torn
 * one is lost to a parser.  Retries on EINTR.
 */
int audit_write(struct audit *a, const struct audit_event *ev);

/* Close the sink's descriptor and free it.  a may be NULL. */
void audit_close(struct audit *a);

/*
 * Format the event's JSON record, newline included, into buf followed by a
 * NUL.  Returns its length (NUL excluded), or -1 with errno ENOBUFS when
 * size is too small; never writes past size.  size AUDIT_RECORD_MAX always
 * suffices.
 */
ssize_t audit_format(const struct audit_event *ev, char *buf, size_t size);

/*
 * Format the human line for a denial (rule != NULL and !allowed), newline
 * included, e.g.
 *
 *	filebroker: denied open of "/etc/shadow" (read) for pid 123: rule default
 *
 * Strings are escaped as in JSON records.  Returns its length (NUL
 * excluded); 0 with an empty string when the event is not a denial; -1 with
 * errno ENOBUFS as audit_format().
 */
ssize_t audit_format_denial(const struct audit_event *ev, char *buf, size_t size);

/*
 * The symbolic name of a Linux errno value ("EACCES"), or NULL for 0 and
 * for values it does not know (records then say "E<number>").
 */
const char *audit_errno_name(int err);

#endif
