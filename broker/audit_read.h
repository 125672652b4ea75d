/*
 * audit_read.h: read back the records audit.c writes (docs/audit.md), one
 * line at a time, for `filebroker audit` and `filebroker learn`.
 *
 * audit_read_line() is pure: no allocation, no I/O.  Strict: a line is one JSON object (RFC 8259,
 * UTF-8) holding every key of a version 1 record with a value of the right
 * type; keys it does not know are skipped whatever their value (nesting up
 * to AUDIT_READ_DEPTH), as docs/audit.md asks of readers; a known key given
 * twice, bad UTF-8, a raw control character, "\u0000", a lone surrogate, or
 * anything after the object is an error.  Torn lines (a broker that died
 * mid-write) therefore fail to parse rather than yield half a record.
 */
#ifndef FB_AUDIT_READ_H
#define FB_AUDIT_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "audit.h"

#define AUDIT_READ_DEPTH 32

enum audit_decision {
	AUDIT_ALLOW,
	AUDIT_DENY,
	AUDIT_WOULD_DENY, /* complain mode let a denial through */
	AUDIT_ERROR,	  /* no decision was made */
};

/* One record.  Strings are the exact bytes (from the _hex companion when
 * there is one), NUL-terminated, in the caller's store; NULL for null or
 * absent. */
struct audit_rec {
	int v;
	int has_time;	      /* time was not null */
	struct timespec when; /* UTC, microseconds */
	char mode[AUDIT_NAME_MAX + 1];
	char op[AUDIT_NAME_MAX + 1];
	int64_t pid, tid, uid, gid;
	const char *path, *path2, *canon, *canon2, *rule, *flags;
	unsigned access;
	enum audit_decision decision;
	int err;	      /* 0 for null; the errno value, or -1 for a name
				 this build does not know */
	uint64_t duration_ns;
	int complain;
	int truncated;
};

/*
 * Parse the record in line[0..len) (a trailing "\n" is allowed).  store
 * receives the strings and must hold at least len + 16 bytes.  Returns 0,
 * or -1 with *why (a static string) saying what is wrong; r and store are
 * then undefined.
 */
int audit_read_line(const char *line, size_t len, struct audit_rec *r, char *store, size_t size,
    const char **why);

/* Counts of audit_read_stream(). */
struct audit_read_stats {
	uint64_t lines;	   /* lines read */
	uint64_t records;  /* that parsed */
	uint64_t bad;	   /* that did not (torn, edited, too long) */
	const char *why;   /* why the first bad one did not, or NULL */
	uint64_t why_line; /* its line number */
};

/*
 * Read records from f, one per line, and call fn for each that parses (with
 * arg); lines that do not parse are counted in st and skipped, since a
 * broker killed mid-write leaves a torn line.  Memory is bounded: a line
 * longer than AUDIT_RECORD_MAX is skipped without being held.  Stops when fn
 * returns non-zero and returns that; returns 0 at end of file, -1 with errno
 * on a read error or ENOMEM.  The only function here that does I/O.
 */
int audit_read_stream(FILE *f, int (*fn)(const struct audit_rec *r, void *arg), void *arg,
    struct audit_read_stats *st);

/* "allow", "deny", "would-deny", "error". */
const char *audit_decision_name(enum audit_decision d);

#endif
