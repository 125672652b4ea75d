/*
 * fuzz_audit.c: audit records from arbitrary events.
 *
 * Input: up to 32 bytes of numbers (time, pid, access, flags, errno, ...),
 * then the strings path, canon, rule, path2, canon2, mode, op separated by
 * NUL bytes (missing ones are NULL).  The record and the denial line must
 * each be one line ending in '\n', valid UTF-8 without raw control
 * characters, C1 controls, U+2028/U+2029 or bidi controls, balanced as JSON
 * strings and objects, and within AUDIT_RECORD_MAX; formatting into a
 * buffer one byte short must fail with ENOBUFS without writing past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_chain.h"

#define HDR 32
#define NSTR 7

/* Returns the length of the valid sequence at s, or 0; sets *cp. */
static size_t
utf8_check(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Written independently of audit.c's decoder: by value, not by table. */
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static void
check_line(const char *buf, size_t n, int json)
{
	const unsigned char *s = (const unsigned char *)buf;
	int in_str = 0, esc = 0, depth = 0;
	size_t i = 0, k;
	uint32_t c;

	if (n == 0 || n >= AUDIT_RECORD_MAX || strlen(buf) != n || buf[n - 1] != '\n')
		abort();
	if (json && (n < 8 || memcmp(buf, "{\"v\":2,", 7) != 0 || buf[n - 2] != '}'))
		abort();
	while (i < n - 1) {
		if ((k = utf8_check(s + i, n - 1 - i, &c)) == 0)
			abort();
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
		    c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			abort();
		if (json) {
			if (esc)
				esc = 0;
			else if (in_str && c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = !in_str;
			else if (!in_str && c == '{')
				depth++;
			else if (!in_str && c == '}') {
				/* The record's own brace closes last. */
				if (--depth < 0 || (depth == 0 && i != n - 2))
					abort();
			}
		}
		i += k;
	}
	if (json && (in_str || esc || depth != 0))
		abort();
}

static void
check_bound(const struct audit_event *ev, size_t n, int json, char *buf)
{
	ssize_t m;

	buf[n] = 'Z';
	buf[n + 1] = 'Z';
	errno = 0;
	m = json ? audit_format(ev, buf, n) : audit_format_denial(ev, buf, n);
	if (m != -1 || errno != ENOBUFS || buf[n] != 'Z' || buf[n + 1] != 'Z')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[AUDIT_RECORD_MAX + 2];
	static char text[64 * 1024 + 1];
	const char *str[NSTR] = { NULL };
	struct audit_event ev;
	uint8_t hdr[HDR] = { 0 };
	size_t h, i, ns, start;
	ssize_t n;

	h = size < HDR ? size : HDR;
	memcpy(hdr, data, h);
	data += h;
	size -= h;
	if (size > sizeof(text) - 1)
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (ns = 0, start = 0, i = 0; size > 0 && i <= size && ns < NSTR; i++) {
		if (i == size || text[i] == '\0') {
			str[ns++] = text + start;
			start = i + 1;
		}
	}

	memset(&ev, 0, sizeof(ev));
	memcpy(&ev.when.tv_sec, hdr, 4); /* only 32 bits: mostly valid times */
	if (hdr[4] & 0x80)
		ev.when.tv_sec = -ev.when.tv_sec * 1000;
	ev.when.tv_nsec = (long)(((uint32_t)hdr[5] << 24 | (uint32_t)hdr[6] << 16 |
				     (uint32_t)hdr[7] << 8 | hdr[8]) %
	    1100000000u);
	memcpy(&ev.pid, hdr + 9, 2);
	memcpy(&ev.tid, hdr + 11, 2);
	memcpy(&ev.uid, hdr + 13, 4);
	memcpy(&ev.gid, hdr + 17, 2);
	ev.access = hdr[19];
	memcpy(&ev.flags, hdr + 20, 4);
	ev.allowed = hdr[24] & 1;
	/* openat2's RESOLVE_* bits (six), and now and then an unknown one. */
	ev.resolve = (uint64_t)(hdr[24] >> 2) | ((hdr[4] & 0x40) ? 1ULL << 40 : 0);
	memcpy(&ev.err, hdr + 25, 2);
	memcpy(&ev.duration_ns, hdr + 27, 5);
	ev.path = str[0];
	ev.canon = str[1];
	ev.rule = str[2];
	ev.path2 = str[3];
	ev.canon2 = str[4];
	ev.mode = str[5];
	/* Mostly "open" or "chmod", so that flags are rendered too. */
	ev.op = str[6] != NULL ? str[6] : (hdr[24] & 2) ? "open" : (hdr[24] & 4) ? "chmod" : NULL;

	n = audit_format(&ev, buf, AUDIT_RECORD_MAX);
	if (n <= 0)
		abort();
	check_line(buf, (size_t)n, 1);
	/* Sealed (audit_chain.h), it is still one line of JSON, and fits. */
	{
		struct audit_chain c;

		audit_chain_init(&c, "00112233445566778899aabbccddeeff", NULL, 0);
		c.seq = (uint64_t)hdr[9] << 56 | hdr[10]; /* a large seq now and then */
		if ((n = audit_chain_seal(&c, buf, (size_t)n, AUDIT_RECORD_MAX)) <= 0)
			abort();
		check_line(buf, (size_t)n, 1);
	}
	n = audit_format(&ev, buf, AUDIT_RECORD_MAX);
	check_bound(&ev, (size_t)n, 1, buf);

	n = audit_format_denial(&ev, buf, AUDIT_RECORD_MAX);
	if (n < 0 || (n == 0) != (ev.rule == NULL || ev.allowed))
		abort();
	if (n > 0) {
		check_line(buf, (size_t)n, 0);
		check_bound(&ev, (size_t)n, 0, buf);
	}
	return 0;
}
