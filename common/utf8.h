/*
 * utf8.h: the one UTF-8 decoder (and encoder) of the tree: the policy's
 * glob matcher, the JSON string writer and the audit reader all decide
 * what is UTF-8 here, so they cannot disagree on a path.
 *
 * Inline: the matcher and the writers call it once per character of
 * every path of every request.  Tested exhaustively (tests/unit/
 * test_utf8.c: every sequence of up to four bytes against the encoder).
 */
#ifndef FB_UTF8_H
#define FB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The well-formed UTF-8 sequence at s (n bytes available): its length, 1
 * to 4, and its code point in *cp.  0 when there is none there (n == 0, a
 * stray continuation byte, a sequence cut short, an overlong form, a UTF-16
 * surrogate or a value past U+10FFFF): the second-byte ranges of the
 * Unicode Standard's table 3-7 rule all of these out, as they are read.
 */
static inline size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (n == 0)
		return 0;
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
			lo = 0xa0; /* no overlong form */
		else if (s[0] == 0xed)
			hi = 0x9f; /* no surrogate */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90; /* no overlong form */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* nothing past U+10FFFF */
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

/* The code point cp (at most U+10FFFF, not a surrogate) as UTF-8 into out:
 * its length, 1 to 4. */
static inline size_t
utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

#endif
