/*
 * jsonout.c: the audit records' output cursor; see jsonout.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

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
 * The length of the well-formed UTF-8 sequence at s (n bytes available), and
 * its code point in *cp; 0 when the bytes there are not one.  The second-byte
 * ranges of Unicode table 3-7 rule out overlong forms, surrogates and code
 * points above U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}

/*
 * Code points written as \uXXXX although JSON would allow them raw.  C1
 * controls (U+0080-U+009F) include CSI, which some terminals obey; U+2028
 * and U+2029 end lines for JavaScript and some viewers; the bidirectional
 * controls reorder what a reader sees ("Trojan Source").  All are below
 * U+10000, so four hex digits always hold them (out_escaped() relies on it).
 */
static int
needs_escape(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e || c == 0x200f ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* A byte that stands for itself inside a JSON string: printable ASCII but
 * the quote and the backslash. */
static int
is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/*
 * Whether some byte of the 8 in w (in either byte order) is not plain, with
 * no branch per byte (the tricks of "Bit Twiddling Hacks").  A high bit ends
 * up set: in w for a byte of 0x80 or more; in w - 0x2020... for a byte below
 * 0x20 (the borrow it starts marks no other byte wrongly: it only moves
 * upward, from a byte not plain); in w + 0x0101... for 0x7f; in the
 * has-zero-byte tests of q and b for '"' and '\\'.  Exact, then, and cheap.
 */
static inline int
any_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return ((w | (w - ones * 0x20) | (w + ones) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
	    high) != 0;
}

int
out_printable(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i, k;
	uint32_t c;

	for (i = 0; i < n; i += k)
		if ((k = utf8_seq(s + i, n - i, &c)) == 0 || needs_escape(c))
			return 0;
	return 1;
}

/*
 * Append the first n bytes of s as the inside of a JSON string.  Each byte
 * that does not belong to a well-formed UTF-8 sequence becomes U+FFFD, so
 * the output is always valid UTF-8.  Returns 1 when some byte was replaced.
 * At most 6 output bytes per input byte.
 */
int
out_escaped(struct out *o, const unsigned char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	size_t i = 0, k;
	uint64_t w;
	uint32_t c;
	char u[6];
	int bad = 0;

	while (i < n) {
		/* Paths are mostly plain ASCII: copy it a run at a time. */
		for (k = i; n - k >= sizeof(w); k += sizeof(w)) {
			memcpy(&w, s + k, sizeof(w));
			if (any_special(w))
				break;
		}
		for (; k < n && is_plain(s[k]); k++)
			continue;
		if (k > i) {
			out_bytes(o, s + i, k - i);
			if ((i = k) == n)
				break;
		}
		if ((k = utf8_seq(s + i, n - i, &c)) == 0) {
			out_bytes(o, replacement, 3);
			bad = 1;
			i++;
			continue;
		}
		switch (c) {
		case '"':
			out_bytes(o, "\\\"", 2);
			break;
		case '\\':
			out_bytes(o, "\\\\", 2);
			break;
		case '\b':
			out_bytes(o, "\\b", 2);
			break;
		case '\f':
			out_bytes(o, "\\f", 2);
			break;
		case '\n':
			out_bytes(o, "\\n", 2);
			break;
		case '\r':
			out_bytes(o, "\\r", 2);
			break;
		case '\t':
			out_bytes(o, "\\t", 2);
			break;
		default:
			if (needs_escape(c)) {
				/* \u%04x: c < 0x10000 (needs_escape()). */
				u[0] = '\\';
				u[1] = 'u';
				u[2] = hexdigits[(c >> 12) & 0xf];
				u[3] = hexdigits[(c >> 8) & 0xf];
				u[4] = hexdigits[(c >> 4) & 0xf];
				u[5] = hexdigits[c & 0xf];
				out_bytes(o, u, sizeof(u));
			} else
				out_bytes(o, s + i, k);
			break;
		}
		i += k;
	}
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
