/*
 * policy_glob.c: one pattern component against one path component.
 *
 * Components never contain '/', so none of this has to care about it.
 * Characters are UTF-8 characters where the bytes are valid UTF-8 and single
 * bytes elsewhere: `?` on "é" takes both bytes, and a name with stray bytes
 * can still be matched.  A stray byte b decodes to U+DC00+b, a value no valid
 * UTF-8 sequence decodes to, so it can only ever equal itself.
 *
 * Matching is the classic one-star-backtrack loop: each `*` restarts from the
 * last one only, so cost is at most pattern length x name length, never
 * exponential.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy_int.h"
#include "utf8.h"

#define BADCHAR 0xffffffffu

/* One character of s (n bytes, n > 0): a UTF-8 character where the bytes
 * are one (utf8.h), else the single byte b as U+DC00+b. */
static size_t
u8dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len = utf8_decode(s, n, cp);

	if (len > 0)
		return len;
	*cp = 0xdc00u + s[0];
	return 1;
}

/* One (possibly escaped) character of a pattern at p[*i]. */
static uint32_t
patchar(const char *p, size_t len, size_t *i)
{
	uint32_t c;

	if (p[*i] == '\\') {
		if (*i + 1 >= len)
			return BADCHAR;
		(*i)++;
	}
	*i += u8dec((const unsigned char *)p + *i, len - *i, &c);
	return c;
}

/*
 * Scan the class starting after '[' at p[i]; say whether c is in it.
 * Returns the index after the closing ']' or -1 with *err set.
 */
static ptrdiff_t
class_scan(const char *p, size_t len, size_t i, uint32_t c, int *hit, const char **err)
{
	uint32_t lo, hi;
	int neg = 0, in = 0, first = 1;

	if (i < len && (p[i] == '!' || p[i] == '^')) {
		neg = 1;
		i++;
	}
	for (;;) {
		if (i >= len) {
			*err = "unterminated '[' class";
			return -1;
		}
		/* A ']' right after '[' or '[!' is a member, as in sh(1). */
		if (p[i] == ']' && !first)
			break;
		first = 0;
		/* [:alpha:] and friends are not supported; say so rather than
		 * quietly reading them as a set of letters. */
		if (p[i] == '[' && i + 1 < len &&
		    (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '.')) {
			*err = "character classes such as [:alpha:] are not supported "
			       "(write ranges, as in [a-z])";
			return -1;
		}
		if ((lo = patchar(p, len, &i)) == BADCHAR) {
			*err = "trailing '\\' in class";
			return -1;
		}
		hi = lo;
		if (i + 1 < len && p[i] == '-' && p[i + 1] != ']') {
			i++;
			if ((hi = patchar(p, len, &i)) == BADCHAR) {
				*err = "trailing '\\' in class";
				return -1;
			}
			if (hi < lo) {
				*err = "reversed range in '[' class";
				return -1;
			}
		}
		if (c >= lo && c <= hi)
			in = 1;
	}
	*hit = in ^ neg;
	return (ptrdiff_t)i + 1;
}

int
policy_glob_check(const char *p, size_t len, size_t *errpos, const char **errmsg)
{
	size_t i = 0;
	ptrdiff_t e;
	int hit;

	if (len == 2 && p[0] == '*' && p[1] == '*')
		return 0;
	while (i < len) {
		switch (p[i]) {
		case '\\':
			if (i + 1 >= len) {
				*errpos = i;
				*errmsg = "trailing '\\' escapes nothing";
				return -1;
			}
			i += 2;
			break;
		case '*':
			/* "a**b" is refused rather than read as "a*b": the writer
			 * most likely meant "any depth", which ** gives only as a
			 * whole component. */
			if (i + 1 < len && p[i + 1] == '*') {
				*errpos = i;
				*errmsg = "'**' must be a whole component (use '*' to match "
					  "within one component)";
				return -1;
			}
			i++;
			break;
		case '[':
			if ((e = class_scan(p, len, i + 1, BADCHAR, &hit, errmsg)) < 0) {
				*errpos = i;
				return -1;
			}
			i = (size_t)e;
			break;
		default:
			i++;
			break;
		}
	}
	return 0;
}

int
policy_glob_haswild(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '*' || p[i] == '?' || p[i] == '[')
			return 1;
	}
	return 0;
}

/* The other ASCII case of c, or c. */
static uint32_t
other_case(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/* Match one pattern element at p[*pi] against one character at s[*si];
 * with fold, against either ASCII case of it. */
static int
match_one(const char *p, size_t plen, size_t *pi, const char *s, size_t slen, size_t *si, int fold)
{
	const char *err;
	uint32_t c, pc;
	size_t n, start = *pi;
	ptrdiff_t e;
	int hit;

	n = u8dec((const unsigned char *)s + *si, slen - *si, &c);
	switch (p[*pi]) {
	case '?':
		(*pi)++;
		break;
	case '[':
		if ((e = class_scan(p, plen, start + 1, c, &hit, &err)) < 0)
			return 0;
		if (!hit && fold && other_case(c) != c &&
		    class_scan(p, plen, start + 1, other_case(c), &hit, &err) < 0)
			return 0;
		if (!hit)
			return 0;
		*pi = (size_t)e;
		break;
	default:
		if ((pc = patchar(p, plen, pi)) == BADCHAR ||
		    (pc != c && !(fold && pc == other_case(c))))
			return 0;
		break;
	}
	*si += n;
	return 1;
}

static int
glob_match(const char *p, size_t plen, const char *s, size_t slen, int fold)
{
	size_t pi = 0, si = 0, star_pi = 0, star_si = 0;
	int star = 0;
	uint32_t c;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			star = 1;
			star_pi = ++pi;
			star_si = si;
			continue;
		}
		if (pi < plen && match_one(p, plen, &pi, s, slen, &si, fold))
			continue;
		if (!star)
			return 0;
		/* Let the last '*' take one more character and retry. */
		star_si += u8dec((const unsigned char *)s + star_si, slen - star_si, &c);
		pi = star_pi;
		si = star_si;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

int
policy_glob_match(const char *p, size_t plen, const char *s, size_t slen)
{
	return glob_match(p, plen, s, slen, 0);
}

int
policy_glob_match_fold(const char *p, size_t plen, const char *s, size_t slen)
{
	return glob_match(p, plen, s, slen, 1);
}
