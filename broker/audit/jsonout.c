/*
 * jsonout.c: the audit records' output cursor; see jsonout.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "jsonout.h"

static const char hexdigits[] = "0123456789abcdef";

/* ,"key": */
void
out_key(struct out *o, const char *key)
{
	out_bytes(o, ",\"", 2);
	out_str(o, key);
	out_bytes(o, "\":", 2);
}

/* v in decimal, as printf("%" PRIu64) writes it. */
void
out_udec(struct out *o, uint64_t v)
{
	char tmp[20]; /* the digits of UINT64_MAX */
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_bytes(o, tmp + i, sizeof(tmp) - i);
}

/* The same, signed; the magnitude is taken unsigned, so INT64_MIN is fine. */
void
out_sdec(struct out *o, int64_t v)
{
	if (v < 0) {
		out_bytes(o, "-", 1);
		out_udec(o, -(uint64_t)v);
	} else
		out_udec(o, (uint64_t)v);
}

/* v as printf("%x") writes it: lower case, no leading zeros. */
void
out_hex(struct out *o, unsigned v)
{
	out_hex64(o, v);
}

void
out_hex64(struct out *o, uint64_t v)
{
	char tmp[16];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = hexdigits[v & 0xf];
		v >>= 4;
	} while (v != 0);
	out_bytes(o, tmp + i, sizeof(tmp) - i);
}

/* The n bytes at s, each as two hex digits (the _hex companion fields). */
void
out_hexbytes(struct out *o, const unsigned char *s, size_t n)
{
	char tmp[128];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		tmp[k++] = hexdigits[s[i] >> 4];
		tmp[k++] = hexdigits[s[i] & 0xf];
		if (k == sizeof(tmp)) {
			out_bytes(o, tmp, k);
			k = 0;
		}
	}
	out_bytes(o, tmp, k);
}

/* v in exactly w decimal digits, zero-padded: v < 10^w. */
void
put_digits(char *p, unsigned v, int w)
{
	while (w-- > 0) {
		p[w] = (char)('0' + v % 10);
		v /= 10;
	}
}

ssize_t
out_end(struct out *o)
{
	/* A buffer of 0 bytes has no room even for the NUL. */
	if (o->full || o->size == 0) {
		if (o->size > 0)
			o->buf[0] = '\0';
		errno = ENOBUFS;
		return -1;
	}
	o->buf[o->len] = '\0';
	return (ssize_t)o->len;
}

/*
 * Append the first n bytes of s as the inside of a JSON string: the one
 * escaper, common/json.c's, straight into the buffer.  Returns 1 when some
 * byte was replaced by U+FFFD.
 */
int
out_escaped(struct out *o, const unsigned char *s, size_t n)
{
	size_t cap, used;
	int bad = 0;

	if (n == 0)
		return 0;
	/* Keep one byte for the NUL, as out_bytes() does. */
	cap = o->full || o->size == 0 ? 0 : o->size - 1 - o->len;
	if (cap == 0) {
		o->full = 1;
		return 0;
	}
	/* Most strings are plain ASCII, copied at once. */
	if (n <= cap && json_plain_len(s, n) == n) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		return 0;
	}
	o->len += json_escape(o->buf + o->len, cap, s, n, &used, &bad);
	if (used < n)
		o->full = 1;
	return bad;
}

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in Unix time. */
#define TIME_FIRST (-62167219200LL)
#define TIME_END 253402300800LL

/*
 * RFC 3339 in UTC with microseconds; null for a time it cannot express (a
 * tv_nsec out of range, a year before 0 or after 9999).
 *
 * The date is computed here, not by gmtime_r(), which takes glibc's timezone
 * lock on every call: days to date by Howard Hinnant's civil_from_days(), in
 * the proleptic Gregorian calendar as gmtime_r() has it.  Days are counted
 * from -0400-03-01: with March first a leap day ends its year, and starting
 * a 400-year era (146097 days) before year 0 keeps every quantity unsigned.
 */
void
out_time(struct out *o, const struct timespec *ts)
{
	uint64_t secs, days, era, doe, yoe, doy, mp, m;
	unsigned sod;
	char b[sizeof("\"YYYY-MM-DDTHH:MM:SS.uuuuuuZ\"") - 1];

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L || ts->tv_sec < TIME_FIRST ||
	    ts->tv_sec >= TIME_END) {
		out_str(o, "null");
		return;
	}
	secs = (uint64_t)((int64_t)ts->tv_sec - TIME_FIRST);
	sod = (unsigned)(secs % 86400);
	/* Year 0 was a leap year: 60 days from January 1 to March 1. */
	days = secs / 86400 + 146097 - 60;
	era = days / 146097;
	doe = days % 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* months from March */
	m = mp < 10 ? mp + 3 : mp - 9;

	b[0] = '"';
	put_digits(b + 1, (unsigned)(era * 400 + yoe + (m <= 2) - 400), 4);
	b[5] = '-';
	put_digits(b + 6, (unsigned)m, 2);
	b[8] = '-';
	put_digits(b + 9, (unsigned)(doy - (153 * mp + 2) / 5 + 1), 2);
	b[11] = 'T';
	put_digits(b + 12, sod / 3600, 2);
	b[14] = ':';
	put_digits(b + 15, sod / 60 % 60, 2);
	b[17] = ':';
	put_digits(b + 18, sod % 60, 2);
	b[20] = '.';
	put_digits(b + 21, (unsigned)(ts->tv_nsec / 1000), 6);
	b[27] = 'Z';
	b[28] = '"';
	out_bytes(o, b, sizeof(b));
}
