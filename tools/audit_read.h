/*
 * audit_read.h: read back the records audit.c writes (docs/audit.md), one
 * line at a time, for `filebroker audit` and `filebroker learn`.
 *
 * audit_read_line() is pure: no allocation, no I/O.  Strict: a line is one JSON object (RFC 8259,
 * UTF-8) holding every key of a version 1 record with a value of the right
 * type (version 2 added keys; the chain fields, when a line has one of
 * them, all three); keys it does not know are skipped whatever their value (nesting up
 * to AUDIT_READ_DEPTH), as docs/audit.md asks of readers; a known key given
 * twice, bad UTF-8, a raw control character, "\u0000", a lone surrogate, or
 * anything after the object is an error.  Torn lines (a broker that died
 * mid-write) therefore fail to parse rather than yield half a record.
 *
 * A line with an "event" key is an event, not a request: the torn marker
 * that a file sink writes after a torn line (audit.h, audit_format_torn()),
 * a sink's open and close records, session-start and session-end.
 * audit_read_stream() tells torn lines (cut short by a broker that stopped
 * mid-write, or by a short write) from other unreadable ones (edited,
 * corrupted) and says where each is.
 */
#ifndef FB_AUDIT_READ_H
#define FB_AUDIT_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "audit.h"
#include "audit_chain.h"

#define AUDIT_READ_DEPTH 32

enum audit_decision {
	AUDIT_ALLOW,
	AUDIT_DENY,
	AUDIT_WOULD_DENY, /* complain mode let a denial through */
	AUDIT_ERROR,	  /* no decision was made */
};

/* One record.  Strings are the exact bytes (from the _hex companion when
 * there is one), NUL-terminated, in the caller's store; NULL for null or
 * absent.  Numbers that may be null or absent are -1 then. */
struct audit_rec {
	int v;
	int has_time;			  /* time was not null */
	struct timespec when;		  /* UTC, microseconds */
	char session[AUDIT_NAME_MAX + 1]; /* "" for null or absent (version 1) */
	/* A change written ahead (docs/audit.md, "Write-ahead"): its intent
	 * or its outcome, and the request's number in its session; NONE and
	 * -1 for any other record. */
	enum audit_phase phase;
	int64_t req;
	char mode[AUDIT_NAME_MAX + 1];
	char op[AUDIT_NAME_MAX + 1];
	int64_t pid, tid, uid, gid;
	int64_t nspid, nstid; /* 0 when absent: no PID namespace of run's */
	const char *path, *path2, *canon, *canon2, *rule, *flags;
	const char *exe;    /* version 2 (docs/audit.md): NULL for null or absent */
	const char *interp; /* "exec" of a script: its interpreter; NULL: none */
	unsigned access;
	enum audit_decision decision;
	int err; /* 0 for null; the errno value, or -1 for a name
				 this build does not know */
	uint64_t duration_ns;
	int complain;
	int truncated;
	/* An event line: event is "" for a request record. */
	char event[AUDIT_NAME_MAX + 1]; /* "torn", or one this build does not know */
	int64_t broker_pid;		/* torn: the broker that wrote the marker */
	char cause[AUDIT_NAME_MAX + 1]; /* torn: "open" or "write" */
	int64_t bytes;			/* torn: the torn line's length, -1 for null */
	/* session-start (docs/audit.md, "Sessions"); pid, uid, gid and mode
	 * above are the worker's. */
	char version[AUDIT_NAME_MAX + 1];
	char placement[AUDIT_NAME_MAX + 1];
	int64_t invoker_uid, invoker_gid, auid, argc;
	const char *command, *cwd, *policy, *profile;
	const char *argv; /* nargv strings, one after the other */
	size_t nargv;
	char policy_sha256[65];
	/* session-end */
	int64_t exit_code; /* "exit" */
	char signal[AUDIT_NAME_MAX + 1];
	int64_t counts[4]; /* allowed, denied, would_deny, failed */
	/* The chain fields of a sealed line (audit_chain.h); chain is "" for
	 * a line without them (version 1, syslog's). */
	char chain[AUDIT_CHAIN_ID_LEN + 1];
	int64_t seq;
	char digest[AUDIT_DIGEST_HEX + 1];
	/* open: how the chain is sealed, what it continues */
	char alg[AUDIT_NAME_MAX + 1];
	char key_id[AUDIT_KEY_ID_LEN + 1]; /* "" unkeyed */
	char prev[AUDIT_DIGEST_HEX + 1];   /* "" for null */
	char after[AUDIT_DIGEST_HEX + 1];  /* "" for null */
	int64_t torn;			   /* -2 absent, -1 null, else bytes */
	/* On failure only: the line ended inside its record, as a record cut
	 * short does (the rest of r is undefined then). */
	int cut;
};

/*
 * Parse the record in line[0..len) (a trailing "\n" is allowed).  store
 * receives the strings and must hold at least len + 16 bytes.  Returns 0
 * for a request record or an event line (r->event not empty: it needs only
 * v, time and event), or -1 with *why (a static string) saying what is
 * wrong and r->cut set when the line ended inside its record; the rest of
 * r and store are then undefined.
 */
int audit_read_line(const char *line, size_t len, struct audit_rec *r, char *store, size_t size,
    const char **why);

/* Where a line is: the name given to audit_read_stream() (kept, not
 * copied), its line number there (from 1), and what is wrong with it. */
struct audit_read_place {
	const char *name;
	uint64_t line;
	const char *why;
};

/* Counts of audit_read_stream(), added to over several calls. */
struct audit_read_stats {
	uint64_t lines;	    /* lines read */
	uint64_t records;   /* request records read (recovered ones too) */
	uint64_t events;    /* event lines (torn markers) */
	uint64_t torn;	    /* lines cut short (see audit_read_stream()) */
	uint64_t recovered; /* whole records found glued onto a torn line */
	uint64_t bad;	    /* other lines that are not records: edited,
			       corrupted, too long */
	struct audit_read_place first_torn, first_bad; /* line 0: none yet */
};

/* One line as audit_read_stream() found it to be, once the line after it
 * was read. */
enum audit_line_kind {
	AUDIT_LINE_RECORD, /* a request record */
	AUDIT_LINE_EVENT,  /* an event line */
	AUDIT_LINE_TORN,   /* cut short (see audit_read_stream()) */
	AUDIT_LINE_BAD,	   /* not a record: edited, corrupted, too long */
};
struct audit_line {
	struct audit_read_place at; /* why: for TORN and BAD */
	enum audit_line_kind kind;
	const char *bytes; /* the line, newline excluded; NULL for one
				       longer than any record */
	size_t len;
	/* RECORD, EVENT; TORN with a whole record glued onto it (recovered):
	 * that record, and the bytes it was read from.  NULL otherwise. */
	const struct audit_rec *rec;
	const char *rec_bytes;
	size_t rec_len;
};

/* What audit_read_stream() calls; any function may be NULL. */
struct audit_read_cb {
	/* Each request record; non-zero stops the reading. */
	int (*record)(const struct audit_rec *r, void *arg);
	/* Each line that is not a record: torn or not, where and why. */
	void (*unreadable)(const struct audit_read_place *at, int torn, void *arg);
	/* Each event line (r->event not empty), in order with the records;
	 * non-zero stops the reading. */
	int (*event)(const struct audit_rec *r, void *arg);
	/* Every line, in order, as it turned out to be (after record or
	 * event for the same line); non-zero stops the reading. */
	int (*line)(const struct audit_line *l, void *arg);
	void *arg;
};

/*
 * Read records from f (named name in places), one per line, and call
 * cb->record for each request record, in order.  A line that is not a
 * record is counted in st and reported to cb->unreadable, as torn when
 *
 *	- the next line is a torn marker (audit_format_torn()), or the open
 *	  record of a broker that found the file ending inside this line
 *	  (its "torn" key): that broker found this line cut short; it is torn even
 *	  if it reads as a whole record, as one missing only its newline does
 *	  (its write did not complete, so the request was never answered);
 *	- it is the last line and has no newline (a broker stopped in the
 *	  middle of it, or is writing it now);
 *	- a whole record was glued onto it (by a broker before the open-time
 *	  check, or by another broker sharing the file): that record is read
 *	  and counted as recovered too;
 *	- it ends inside its record (r->cut of audit_read_line());
 *
 * and as unreadable (bad) otherwise.  Records are therefore passed on one
 * line late, once the next line showed they were not torn.  Memory is
 * bounded: a line longer than AUDIT_RECORD_MAX is skipped without being
 * held.  Every line goes to cb->line, in order, with its bytes (the
 * verifier of chains, audit_verify.h, reads them so).  Stops when a
 * callback returns non-zero and returns that; returns 0
 * at end of file, -1 with errno on a read error or ENOMEM.  The only
 * function here that does I/O.
 */
int audit_read_stream(FILE *f, const char *name, const struct audit_read_cb *cb,
    struct audit_read_stats *st);

#endif
