/*
 * jsonout.h: a bounded output cursor for the audit records (audit.c).
 *
 * Every byte goes through out_bytes(), which refuses to pass the end of the
 * caller's buffer; once full, the cursor stays full and out_end() fails.
 * A record is formatted on every request, so numbers, escapes and the time
 * are written by these appenders, not by printf (whose vsnprintf() cost
 * more than the rest of a record together) or gmtime_r() (which takes
 * glibc's timezone lock).  Their output is printf's, byte for byte.
 */
#ifndef FB_JSONOUT_H
#define FB_JSONOUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* A bounded output cursor; once full it stays full and writes nothing. */
struct out {
	char *buf;
	size_t size, len;
	int full;
};

static inline void
out_bytes(struct out *o, const void *p, size_t n)
{
	if (o->full)
		return;
	/* Keep one byte for the NUL. */
	if (o->size == 0 || n > o->size - 1 - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static inline void
out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* ,"key": */
void out_key(struct out *o, const char *key);

/* v in decimal, as printf's %llu and %lld write it (INT64_MIN too). */
void out_udec(struct out *o, uint64_t v);
void out_sdec(struct out *o, int64_t v);

/* v as printf("%x") and ("%" PRIx64) write it: lower case, no leading
 * zeros. */
void out_hex(struct out *o, unsigned v);
void out_hex64(struct out *o, uint64_t v);

/* The n bytes at s, each as two lower-case hex digits. */
void out_hexbytes(struct out *o, const unsigned char *s, size_t n);

/* v in exactly w decimal digits at p, zero-padded (v < 10^w); no NUL. */
void put_digits(char *p, unsigned v, int w);

/*
 * The inside of a JSON string for the first n bytes of s, escaped by
 * json_escape() (common/json.h): a byte that is not part of well-formed
 * UTF-8 becomes U+FFFD, so the output is always valid UTF-8; controls, C1
 * controls, U+2028/2029 and the bidirectional controls are written as
 * \uXXXX.  Returns 1 when some byte was replaced.  At most
 * JSON_ESCAPE_MAX (6) output bytes per input byte.
 */
int out_escaped(struct out *o, const unsigned char *s, size_t n);

/* A timestamp as a quoted RFC 3339 string, UTC, microseconds; null for one
 * it cannot express (tv_nsec out of range, a year outside 0..9999). */
void out_time(struct out *o, const struct timespec *ts);

/* NUL-terminate: the length, or -1 with errno ENOBUFS (the buffer was too
 * small; it then holds "" if it has a byte at all). */
ssize_t out_end(struct out *o);

#endif
