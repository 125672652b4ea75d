/*
 * json.h: the one JSON string writer of the tree.  Every JSON string
 * filebroker writes goes through json_escape(): the audit records
 * (broker/audit/jsonout.c), `status --json`, `explain --json` and `audit --json`
 * (broker/base/out.c).  docs/audit.md ("Escaping") is its specification, and
 * the audit reader (tools/audit_read.c) reads it back byte for byte:
 *
 *   - '"' and '\' become \" and \\; \b \f \n \r \t as such; the other
 *     controls, DEL, the C1 controls (U+0080-U+009F), U+2028 and U+2029
 *     and the bidirectional controls (U+200E, U+200F, U+202A-U+202E,
 *     U+2066-U+2069) become \u00XX or \uXXXX;
 *   - other well-formed UTF-8 (utf8.h) passes unchanged;
 *   - each byte that is not part of well-formed UTF-8 becomes U+FFFD, and
 *     the caller is told, so that it can add the exact bytes beside the
 *     string (the "KEY_hex" companions of docs/audit.md).
 *
 * So the output is always valid UTF-8 and valid JSON, can neither end a
 * line nor forge a key, and shows a terminal no control sequence.  Pure:
 * no allocation, no system call.
 */
#ifndef FB_JSON_H
#define FB_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Output bytes per input byte, at most: a \u00XX escape. */
#define JSON_ESCAPE_MAX 6

/* A byte that stands for itself inside a JSON string: printable ASCII but
 * the quote and the backslash. */
static inline int
json_is_plain(unsigned char c)
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
json_any_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t m = w | (w - ones * 0x20) | (w + ones) | ((q - ones) & ~q) | ((b - ones) & ~b);

	return (m & high) != 0;
}

/*
 * How many bytes at the start of s (n bytes) stand for themselves in a JSON
 * string, 8 at a time.  Inline, for the writers' fast path: a path is
 * mostly plain ASCII, copied as it is.
 */
static inline size_t
json_plain_len(const unsigned char *s, size_t n)
{
	uint64_t w;
	size_t k;

	for (k = 0; n - k >= sizeof(w); k += sizeof(w)) {
		memcpy(&w, s + k, sizeof(w));
		if (json_any_special(w))
			break;
	}
	while (k < n && json_is_plain(s[k]))
		k++;
	return k;
}

/*
 * The inside of a JSON string (no quotes, no NUL) for the n bytes at src,
 * into dst (cap bytes): as much as fits, never half a character or half an
 * escape.  Returns the bytes written, *used the bytes of src consumed (n
 * when all fitted), and sets *replaced to 1 when a byte was replaced by
 * U+FFFD (it is left alone otherwise).
 */
size_t json_escape(char *dst, size_t cap, const unsigned char *src, size_t n, size_t *used,
    int *replaced);

/*
 * Is s (NUL-terminated) text a terminal shows as it is: well-formed UTF-8
 * with nothing json_escape() would write as an escape but the quote and
 * the backslash (no control character, no line separator, no
 * bidirectional control)?  For text printed raw so that it can be copied,
 * such as a policy rule in a denial line's hint.
 */
int json_printable(const char *s);

#endif
