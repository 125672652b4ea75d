/*
 * audit_testutil.h: the event and the formatting helpers the audit test
 * programs share.  Include it after <cmocka.h>; everything here is static
 * inline, as in unit.h, so a program pays only for what it calls.
 */
#ifndef FB_AUDIT_TESTUTIL_H
#define FB_AUDIT_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* The whole file at path, NUL-terminated, its length in *len; the caller
 * frees it. */
static inline char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Run audit_write() under a file size limit of lim bytes (SIGXFSZ
 * ignored, as the broker ignores it); its result. */
static inline int
write_limited(struct audit *a, const struct audit_event *ev, rlim_t lim)
{
	struct rlimit old, l;
	void (*oldsig)(int);
	int r, e;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	l = old;
	l.rlim_cur = lim;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &l), 0);
	errno = 0;
	r = audit_write(a, ev);
	e = errno;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	errno = e;
	return r;
}

#endif
