/*
 * json.c: JSON strings; see json.h.
 */
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

static const char hexdigits[] = "0123456789abcdef";

/*
 * Code points written as \uXXXX although JSON would allow them raw.  C1
 * controls (U+0080-U+009F) include CSI, which some terminals obey; U+2028
 * and U+2029 end lines for JavaScript and some viewers; the bidirectional
 * controls reorder what a reader sees ("Trojan Source").  All are below
 * U+10000, so four hex digits always hold them.
 */
static int
needs_escape(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e || c == 0x200f ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * What the character of len bytes at s (code point c) is written as: *out
 * and its length.  u holds a \u escape when one is needed.
 */
static size_t
escape_char(const unsigned char *s, size_t len, uint32_t c, char u[JSON_ESCAPE_MAX],
    const char **out)
{
	switch (c) {
	case '"':
		*out = "\\\"";
		return 2;
	case '\\':
		*out = "\\\\";
		return 2;
	case '\b':
		*out = "\\b";
		return 2;
	case '\f':
		*out = "\\f";
		return 2;
	case '\n':
		*out = "\\n";
		return 2;
	case '\r':
		*out = "\\r";
		return 2;
	case '\t':
		*out = "\\t";
		return 2;
	default:
		break;
	}
	if (!needs_escape(c)) {
		*out = (const char *)s;
		return len;
	}
	/* \u%04x: c < 0x10000 (needs_escape()). */
	u[0] = '\\';
	u[1] = 'u';
	u[2] = hexdigits[(c >> 12) & 0xf];
	u[3] = hexdigits[(c >> 8) & 0xf];
	u[4] = hexdigits[(c >> 4) & 0xf];
	u[5] = hexdigits[c & 0xf];
	*out = u;
	return JSON_ESCAPE_MAX;
}

size_t
json_escape(char *dst, size_t cap, const unsigned char *s, size_t n, size_t *used, int *replaced)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	size_t i = 0, o = 0, k, len, m;
	const char *out;
	char u[JSON_ESCAPE_MAX];
	uint32_t c;
	int bad;

	while (i < n) {
		k = i + json_plain_len(s + i, n - i);
		if (k > i) {
			/* Each plain byte is a whole character: a run may be cut. */
			if ((m = k - i < cap - o ? k - i : cap - o) > 0)
				memcpy(dst + o, s + i, m);
			o += m;
			i += m;
			if (i < k || i == n)
				break;
		}
		if ((len = utf8_decode(s + i, n - i, &c)) == 0) {
			out = replacement;
			m = 3;
			len = 1;
			bad = 1;
		} else {
			m = escape_char(s + i, len, c, u, &out);
			bad = 0;
		}
		if (m > cap - o)
			break;
		memcpy(dst + o, out, m);
		o += m;
		i += len;
		if (bad)
			*replaced = 1;
	}
	*used = i;
	return o;
}

int
json_printable(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i, k;
	uint32_t c;

	for (i = 0; i < n; i += k)
		if ((k = utf8_decode(s + i, n - i, &c)) == 0 || needs_escape(c))
			return 0;
	return 1;
}
