/*
 * audit_testutil.h: the event and the formatting helpers the audit test
 * programs share.  Include it after <cmocka.h>; everything here is static
 * inline, as in unit.h, so a program pays only for what it calls.
 */
#ifndef FB_AUDIT_TESTUTIL_H
#define FB_AUDIT_TESTUTIL_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "audit.h"
#include "policy.h"

static inline struct audit_event
base_event(void)
{
	struct audit_event ev = {
		.when = { 1795615387, 123456789 },
		.pid = 123,
		.tid = 0,
		.uid = 65534,
		.gid = 65534,
		.mode = "explicit",
		.op = "open",
		.path = "/srv/in/a.txt",
		.canon = "/srv/in/a.txt",
		.access = POLICY_READ,
		.flags = O_RDONLY | O_CLOEXEC,
		.allowed = 1,
		.rule = "p.policy:3",
		.err = 0,
		.duration_ns = 12345,
	};
	return ev;
}

/* Format into a fresh buffer; the caller frees it. */
static inline char *
fmt(const struct audit_event *ev)
{
	char *buf = malloc(AUDIT_RECORD_MAX);
	ssize_t n;

	assert_non_null(buf);
	n = audit_format(ev, buf, AUDIT_RECORD_MAX);
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1));
	return buf;
}

static inline void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, hay);
}

#endif
