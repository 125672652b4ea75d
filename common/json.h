/*
 * json.h: the one JSON string writer of the tree.  Every JSON string
 * filebroker writes goes through json_escape(): the audit records
 * (broker/jsonout.c), `status --json`, `explain --json` and `audit --json`
 * (broker/out.c).  docs/audit.md ("Escaping") is its specification, and
 * the audit reader (broker/audit_read.c) reads it back byte for byte:
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

/* Output bytes per input byte, at most: a \u00XX escape. */
#define JSON_ESCAPE_MAX 6

/*
 * The inside of a JSON string (no quotes, no NUL) for the n bytes at src,
 * into dst (cap bytes): as much as fits, never half a character or half an
 * escape.  Returns the bytes written, *used the bytes of src consumed (n
 * when all fitted), and sets *replaced to 1 when a byte was replaced by
 * U+FFFD (it is left alone otherwise).
 */
size_t json_escape(char *dst, size_t cap, const unsigned char *src, size_t n, size_t *used,
    int *replaced);

#endif
