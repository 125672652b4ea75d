/*
 * test_audit.c: the audit record writer (broker/audit.c).
 *
 * Exact strings for the formats, the bound AUDIT_RECORD_MAX against worst
 * cases, the sink's file handling and error reporting, whole lines from
 * concurrent writers, and a lossless round trip of hostile paths through
 * python3's json parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "policy.h"
#include "unit.h"

static char tmpdir[64];

static struct audit_event
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
static char *
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

/* The record of base_event() with the path (and canon) set to p. */
static char *
fmt_path(const char *p)
{
	struct audit_event ev = base_event();

	ev.path = p;
	ev.canon = NULL;
	return fmt(&ev);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, hay);
}

static void
test_format_normal(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":1,\"time\":\"2026-11-25T14:03:07.123456Z\",\"mode\":\"explicit\","
	    "\"pid\":123,\"tid\":0,\"uid\":65534,\"gid\":65534,\"op\":\"open\","
	    "\"path\":\"/srv/in/a.txt\",\"canon\":\"/srv/in/a.txt\",\"access\":\"read\","
	    "\"flags\":\"O_RDONLY|O_CLOEXEC\",\"decision\":\"allow\",\"rule\":\"p.policy:3\","
	    "\"errno\":null,\"duration_us\":12.345}\n");
	free(s);
}

static void
test_format_deny_error(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.op = "stat";
	ev.mode = "transparent";
	ev.tid = 124;
	ev.access = POLICY_STAT;
	ev.allowed = 0;
	ev.rule = "default";
	ev.err = EACCES;
	ev.duration_ns = 999;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":1,\"time\":\"2026-11-25T14:03:07.123456Z\",\"mode\":\"transparent\","
	    "\"pid\":123,\"tid\":124,\"uid\":65534,\"gid\":65534,\"op\":\"stat\","
	    "\"path\":\"/srv/in/a.txt\",\"canon\":\"/srv/in/a.txt\",\"access\":\"stat\","
	    "\"flags\":null,\"decision\":\"deny\",\"rule\":\"default\","
	    "\"errno\":\"EACCES\",\"duration_us\":0.999}\n");
	free(s);

	/* No decision: resolution failed. */
	ev = base_event();
	ev.canon = NULL;
	ev.rule = NULL;
	ev.allowed = 0;
	ev.err = ENOENT;
	ev.access = POLICY_READ | POLICY_WRITE | POLICY_CREATE;
	ev.flags = O_RDWR | O_CREAT | O_EXCL;
	s = fmt(&ev);
	assert_contains(s, ",\"canon\":null,");
	assert_contains(s, ",\"access\":\"read,write,create\",");
	assert_contains(s, ",\"flags\":\"O_RDWR|O_CREAT|O_EXCL\",");
	assert_contains(s, ",\"decision\":\"error\",\"rule\":null,\"errno\":\"ENOENT\",");
	free(s);

	/* Unknown errno, unknown access bits, every pointer NULL. */
	memset(&ev, 0, sizeof(ev));
	ev.err = 9999;
	ev.access = 0x80 | POLICY_EXEC;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":1,\"time\":\"1970-01-01T00:00:00.000000Z\",\"mode\":null,"
	    "\"pid\":0,\"tid\":0,\"uid\":0,\"gid\":0,\"op\":null,\"path\":null,\"canon\":null,"
	    "\"access\":\"exec,0x80\",\"flags\":null,\"decision\":\"error\",\"rule\":null,"
	    "\"errno\":\"E9999\",\"duration_us\":0.000}\n");
	free(s);
}

static void
test_format_rename(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.op = "rename";
	ev.path = "/srv/in/a";
	ev.canon = "/srv/in/a";
	ev.path2 = "/srv/out/../out/b";
	ev.canon2 = NULL;
	ev.access = POLICY_DELETE | POLICY_CREATE;
	ev.flags = 0;
	s = fmt(&ev);
	assert_contains(s,
	    ",\"op\":\"rename\",\"path\":\"/srv/in/a\",\"path2\":\"/srv/out/../out/b\","
	    "\"canon\":\"/srv/in/a\",\"canon2\":null,\"access\":\"create,delete\","
	    "\"flags\":null,");
	free(s);

	/* renameat2(2) flags by name; unnamed bits in hex. */
	ev.flags = RENAME_NOREPLACE;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"RENAME_NOREPLACE\",");
	free(s);
	ev.flags = RENAME_EXCHANGE | 0x100;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"RENAME_EXCHANGE|0x100\",");
	free(s);

	/* chmod(2)'s mode, as chmod(1) writes it. */
	ev = base_event();
	ev.op = "chmod";
	ev.flags = 0755;
	s = fmt(&ev);
	assert_contains(s, ",\"op\":\"chmod\",");
	assert_contains(s, ",\"flags\":\"0755\",");
	free(s);
	ev.flags = 04750;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"04750\",");
	free(s);
	ev.flags = 0;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0000\",");
	free(s);
	ev.flags = 07;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0007\",");
	free(s);
	ev.flags = 0177777; /* only the permission bits are a mode */
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"07777\",");
	free(s);

	/* Without path2 neither key appears. */
	ev = base_event();
	s = fmt(&ev);
	assert_null(strstr(s, "path2"));
	assert_null(strstr(s, "canon2"));
	free(s);
}

static void
test_format_flags(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC\"");
	free(s);
	ev.flags = O_RDWR | O_TMPFILE | O_SYNC;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"O_RDWR|O_SYNC|O_TMPFILE\"");
	free(s);
	ev.flags = 3u | O_DSYNC | 0x80000000u;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"O_ACCMODE|O_DSYNC|0x80000000\"");
	free(s);
}

static void
test_format_time(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.when.tv_sec = 951868799; /* a leap day */
	ev.when.tv_nsec = 999999999;
	s = fmt(&ev);
	assert_contains(s, "\"time\":\"2000-02-29T23:59:59.999999Z\"");
	free(s);
	ev.when.tv_nsec = 1000; /* microseconds are zero-padded */
	s = fmt(&ev);
	assert_contains(s, "\"time\":\"2000-02-29T23:59:59.000001Z\"");
	free(s);
	/* A time RFC 3339 cannot express is null, not garbage. */
	ev.when.tv_nsec = 1000000000L;
	s = fmt(&ev);
	assert_contains(s, "\"time\":null,");
	free(s);
	ev.when.tv_nsec = 0;
	ev.when.tv_sec = (time_t)INT64_MAX;
	s = fmt(&ev);
	assert_contains(s, "\"time\":null,");
	free(s);
	ev.when.tv_sec = (time_t)253402300800LL; /* 10000-01-01 */
	s = fmt(&ev);
	assert_contains(s, "\"time\":null,");
	free(s);
	ev.when.tv_sec = (time_t)-1;
	s = fmt(&ev);
	assert_contains(s, "\"time\":\"1969-12-31T23:59:59.000000Z\"");
	free(s);
}

static void
test_escape_classes(void **state)
{
	char *s;
	char in[64], want[512];
	int c;

	(void)state;
	s = fmt_path("a\"b\\c\nd\te\rf\bg\fh");
	assert_contains(s, "\"path\":\"a\\\"b\\\\c\\nd\\te\\rf\\bg\\fh\",\"canon\"");
	assert_null(strstr(s, "path_hex"));
	free(s);

	/* Every other control byte, and DEL. */
	for (c = 0x01; c <= 0x7f; c == 0x1f ? c = 0x7f : c++) {
		if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f')
			continue;
		snprintf(in, sizeof(in), "/x%cy", c);
		snprintf(want, sizeof(want), "\"path\":\"/x\\u%04xy\",", c);
		s = fmt_path(in);
		assert_contains(s, want);
		assert_null(strstr(s, "path_hex"));
		free(s);
	}

	/* Line and paragraph separators, C1 controls, bidi controls. */
	s = fmt_path("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc2\x9b" "d\xc2\x85" "e\xe2\x80\xae"
		     "f\xe2\x81\xa6" "g\xe2\x80\x8f");
	assert_contains(s,
	    "\"path\":\"a\\u2028b\\u2029c\\u009bd\\u0085e\\u202ef\\u2066g\\u200f\",");
	assert_null(strstr(s, "path_hex"));
	free(s);

	/* Valid multibyte UTF-8 passes through, including 4-byte and U+FFFD. */
	s = fmt_path("/d\xc3\xa9j\xc3\xa0/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80/\xef\xbf\xbd/"
		     "\xf4\x8f\xbf\xbf");
	assert_contains(s,
	    "\"path\":\"/d\xc3\xa9j\xc3\xa0/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80/"
	    "\xef\xbf\xbd/\xf4\x8f\xbf\xbf\",\"canon\"");
	assert_null(strstr(s, "path_hex"));
	free(s);
}

static void
test_escape_invalid(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		/* lone continuation byte */
		{ "/a\x80", "\"path\":\"/a\xef\xbf\xbd\",\"path_hex\":\"2f6180\"," },
		/* bytes never valid */
		{ "\xff\xfe", "\"path\":\"\xef\xbf\xbd\xef\xbf\xbd\",\"path_hex\":\"fffe\"," },
		/* overlong '/' in two and three bytes */
		{ "\xc0\xaf", "\"path\":\"\xef\xbf\xbd\xef\xbf\xbd\",\"path_hex\":\"c0af\"," },
		{ "\xe0\x80\xaf",
		    "\"path\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\"path_hex\":\"e080af\"," },
		/* overlong NUL, the classic filter bypass */
		{ "a\xc0\x80", "\"path\":\"a\xef\xbf\xbd\xef\xbf\xbd\",\"path_hex\":\"61c080\"," },
		/* UTF-16 surrogate D800 */
		{ "\xed\xa0\x80",
		    "\"path\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\"path_hex\":\"eda080\"," },
		/* above U+10FFFF */
		{ "\xf4\x90\x80\x80",
		    "\"path\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
		    "\"path_hex\":\"f4908080\"," },
		/* truncated sequence, then valid text resumes */
		{ "\xe6\x97/x",
		    "\"path\":\"\xef\xbf\xbd\xef\xbf\xbd/x\",\"path_hex\":\"e6972f78\"," },
		/* truncated at the end of the string */
		{ "x\xf0\x9f\x98", "\"path\":\"x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
				   "\"path_hex\":\"78f09f98\"," },
		/* escapes and invalid bytes together: hex has the raw bytes */
		{ "\"\n\xff", "\"path\":\"\\\"\\n\xef\xbf\xbd\",\"path_hex\":\"220aff\"," },
	};
	struct audit_event ev;
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = fmt_path(cases[i].in);
		assert_contains(s, cases[i].want);
		free(s);
	}

	/* The same for canon, path2, canon2 and rule. */
	ev = base_event();
	ev.op = "rename";
	ev.canon = "\x80";
	ev.path2 = "\x81";
	ev.canon2 = "\x82";
	ev.rule = "\x83.policy:1";
	s = fmt(&ev);
	assert_contains(s, "\"path2\":\"\xef\xbf\xbd\",\"path2_hex\":\"81\",");
	assert_contains(s, "\"canon\":\"\xef\xbf\xbd\",\"canon_hex\":\"80\",");
	assert_contains(s, "\"canon2\":\"\xef\xbf\xbd\",\"canon2_hex\":\"82\",");
	assert_contains(s, "\"rule\":\"\xef\xbf\xbd.policy:1\",\"rule_hex\":\"832e706f6c6963793a31\",");
	free(s);
}

/* Format ev into exactly-sized and one-too-small buffers, with guards. */
static size_t
check_bounds(const struct audit_event *ev, int denial)
{
	char *buf = malloc(AUDIT_RECORD_MAX + 64);
	ssize_t n, m;
	size_t i;

	assert_non_null(buf);
	n = denial ? audit_format_denial(ev, buf, AUDIT_RECORD_MAX) :
		     audit_format(ev, buf, AUDIT_RECORD_MAX);
	assert_true(n > 0 && n < AUDIT_RECORD_MAX);

	memset(buf, 'Z', AUDIT_RECORD_MAX + 64);
	m = denial ? audit_format_denial(ev, buf, (size_t)n + 1) :
		     audit_format(ev, buf, (size_t)n + 1);
	assert_int_equal(m, n);
	assert_int_equal(buf[n], '\0');
	for (i = (size_t)n + 1; i < (size_t)n + 64; i++)
		assert_int_equal(buf[i], 'Z');

	memset(buf, 'Z', AUDIT_RECORD_MAX + 64);
	errno = 0;
	m = denial ? audit_format_denial(ev, buf, (size_t)n) : audit_format(ev, buf, (size_t)n);
	assert_int_equal(m, -1);
	assert_int_equal(errno, ENOBUFS);
	for (i = (size_t)n; i < (size_t)n + 64; i++)
		assert_int_equal(buf[i], 'Z');

	errno = 0;
	m = denial ? audit_format_denial(ev, NULL, 0) : audit_format(ev, NULL, 0);
	assert_int_equal(m, -1);
	assert_int_equal(errno, ENOBUFS);
	free(buf);
	return (size_t)n;
}

static void
test_worst_case_fits(void **state)
{
	static char a[AUDIT_STR_MAX + 1], b[AUDIT_STR_MAX + 1], c[AUDIT_STR_MAX + 1];
	struct audit_event ev = base_event();
	size_t n;

	(void)state;
	memset(a, 0x01, AUDIT_STR_MAX); /* 6 bytes each */
	memset(b, 0xff, AUDIT_STR_MAX); /* 3 + 2 bytes each */
	memset(c, 0x01, AUDIT_STR_MAX); /* 6 + 2: one invalid byte brings the hex */
	c[AUDIT_STR_MAX - 1] = (char)0x80;
	ev.op = "rename";
	ev.mode = "transparent";
	ev.pid = ev.tid = -2147483647 - 1;
	ev.uid = ev.gid = (uid_t)-1;
	ev.access = ~0u;
	ev.flags = ~0u;
	ev.err = -2147483647 - 1;
	ev.duration_ns = UINT64_MAX;

	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = a;
	n = check_bounds(&ev, 0);
	assert_true(n > 5 * 6 * AUDIT_STR_MAX);
	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = b;
	check_bounds(&ev, 0);
	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = c;
	n = check_bounds(&ev, 0);
	assert_true(n > 5 * 8 * (AUDIT_STR_MAX - 1));
	/* An open carries the most flags: every open(2) and RESOLVE_* bit. */
	ev.op = "open";
	ev.resolve = ~0ULL;
	n = check_bounds(&ev, 0);
	assert_true(n > 5 * 8 * (AUDIT_STR_MAX - 1));
	ev.op = "rename";
	ev.resolve = 0;

	/* The denial line obeys the same bound. */
	ev.op = "open";
	ev.flags = O_RDONLY;
	ev.allowed = 0;
	ev.path = ev.path2 = ev.rule = a;
	ev.canon = ev.canon2 = c;
	check_bounds(&ev, 1);
	/* Under the bound, a small record as well. */
	ev = base_event();
	check_bounds(&ev, 0);
}

static void
test_truncated(void **state)
{
	static char big[AUDIT_STR_MAX + 100];
	char *s;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	s = fmt_path(big);
	assert_contains(s, ",\"truncated\":true}\n");
	assert_int_equal(strspn(strstr(s, "\"path\":\"") + 8, "x"), AUDIT_STR_MAX);
	free(s);
	big[AUDIT_STR_MAX] = '\0';
	s = fmt_path(big);
	assert_null(strstr(s, "truncated"));
	free(s);
}

static void
test_errno_name(void **state)
{
	(void)state;
	assert_string_equal(audit_errno_name(EACCES), "EACCES");
	assert_string_equal(audit_errno_name(ENOENT), "ENOENT");
	assert_string_equal(audit_errno_name(EPERM), "EPERM");
	assert_string_equal(audit_errno_name(ELOOP), "ELOOP");
	assert_string_equal(audit_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	assert_string_equal(audit_errno_name(EXDEV), "EXDEV");
	assert_string_equal(audit_errno_name(ENOTEMPTY), "ENOTEMPTY");
	assert_string_equal(audit_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(audit_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(audit_errno_name(EHWPOISON), "EHWPOISON");
	assert_null(audit_errno_name(0));
	assert_null(audit_errno_name(-1));
	assert_null(audit_errno_name(9999));
}

static void
test_denial_line(void **state)
{
	struct audit_event ev = base_event();
	char buf[1024];

	(void)state;
	ev.path = "/etc/shadow";
	ev.canon = "/etc/shadow";
	ev.allowed = 0;
	ev.rule = "default";
	ev.err = EACCES;
	assert_true(audit_format_denial(&ev, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "filebroker: denied open of \"/etc/shadow\" (read) for pid 123: rule default\n");

	ev.op = "rename";
	ev.path = "/srv/x/../../etc/\x1b[2Jpasswd\n";
	ev.canon = "/etc/\x1b[2Jpasswd\n";
	ev.path2 = "b\xff";
	ev.canon2 = "/srv/b\xff";
	ev.access = POLICY_DELETE | POLICY_CREATE;
	ev.rule = "/etc/fb\x1b.policy:7";
	assert_true(audit_format_denial(&ev, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "filebroker: denied rename of \"/srv/x/../../etc/\\u001b[2Jpasswd\\n\" to "
	    "\"b\xef\xbf\xbd\" (resolved \"/etc/\\u001b[2Jpasswd\\n\" to \"/srv/b\xef\xbf\xbd\") "
	    "(create,delete) for pid 123: rule /etc/fb\\u001b.policy:7\n");

	/* Allows and errors print nothing. */
	ev = base_event();
	assert_int_equal(audit_format_denial(&ev, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	ev.rule = NULL;
	ev.allowed = 0;
	assert_int_equal(audit_format_denial(&ev, buf, sizeof(buf)), 0);
}

static char *
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

static void
test_open_mode_append(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	struct stat st;
	char path[128], *buf, *want;
	size_t len;
	mode_t old;

	(void)state;
	snprintf(path, sizeof(path), "%s/audit.log", tmpdir);
	old = umask(0);
	assert_int_equal(audit_open(path, &a), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);

	/* Reopening appends; the mode of an existing file is left alone. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(audit_open(path, &a), 0);
	ev.pid = 456;
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	buf = read_all(path, &len);
	ev.pid = 123;
	want = fmt(&ev);
	assert_int_equal(strncmp(buf, want, strlen(want)), 0);
	assert_non_null(strstr(buf + strlen(want), "\"pid\":456,"));
	assert_int_equal(buf[len - 1], '\n');
	assert_int_equal(len, 2 * strlen(want));
	free(want);
	free(buf);
	unlink(path);
}

static void
test_open_refuses(void **state)
{
	struct audit *a = (struct audit *)1;
	char path[128], target[128];
	int fds[2], rfd;

	(void)state;
	/* A symlink, dangling or not, even to a regular file. */
	snprintf(target, sizeof(target), "%s/target", tmpdir);
	snprintf(path, sizeof(path), "%s/link", tmpdir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, ELOOP);
	assert_null(a);
	assert_int_equal(access(target, F_OK), -1); /* not created through the link */
	close(open(target, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, ELOOP);
	unlink(path);
	unlink(target);

	/* A directory. */
	assert_int_equal(audit_open(tmpdir, &a), -1);
	assert_int_equal(errno, EISDIR);

	/* A device. */
	assert_int_equal(audit_open("/dev/null", &a), -1);
	assert_int_equal(errno, EINVAL);

	/* A FIFO: never blocks; ENXIO without a reader, EINVAL with one. */
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, ENXIO);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, EINVAL);
	close(rfd);
	unlink(path);

	/* Nonsense. */
	assert_int_equal(audit_open("", &a), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(audit_open_fd(-1, AUDIT_JSON, &a), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_JSON, &a), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(audit_open_fd(STDERR_FILENO, (enum audit_style)7, &a), -1);
	assert_int_equal(errno, EINVAL);

	/* "-" is stderr, duplicated: closing the sink leaves stderr open. */
	assert_int_equal(audit_open("-", &a), 0);
	audit_close(a);
	assert_true(fcntl(STDERR_FILENO, F_GETFD) != -1);
	audit_close(NULL);
}

static void
test_write_errors(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	int fd, fds[2];
	void (*old)(int);

	(void)state;
	/* A full disk. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(audit_open_fd(fd, AUDIT_JSON, &a), 0);
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, ENOSPC);
	audit_close(a);

	/* A descriptor closed behind the sink's back. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_JSON, &a), 0);
	close(fds[1]);
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, EBADF);
	audit_close(a); /* closes a number no longer in use: harmless here */

	/* A reader that went away. */
	old = signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_JSON, &a), 0);
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, EPIPE);
	audit_close(a);
	signal(SIGPIPE, old);
}

/* A short write (file size limit) reports EIO; the next record stays whole. */
static void
test_short_write(void **state)
{
	struct audit_event ev = base_event();
	struct rlimit old, lim;
	struct audit *a;
	char path[128], *buf, *rec, *nl;
	void (*oldsig)(int);
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/short.log", tmpdir);
	assert_int_equal(audit_open(path, &a), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 100;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);

	buf = read_all(path, &len);
	rec = fmt(&ev);
	nl = strchr(buf, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - buf, 100); /* the torn record, closed by a newline */
	assert_int_equal(len, 101 + 2 * strlen(rec));
	assert_int_equal(memcmp(nl + 1, rec, strlen(rec)), 0);
	assert_int_equal(memcmp(nl + 1 + strlen(rec), rec, strlen(rec)), 0);
	free(rec);
	free(buf);
	unlink(path);
}

/* --audit-sync: records are synced by audit_sync(), not by audit_write();
 * a failed fdatasync() fails every later audit_sync() too. */
static void
test_sync(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a, *plain;
	char path[128];
	int p[2], probe, fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/plain.log", tmpdir);
	assert_int_equal(audit_open(path, &plain), 0);
	assert_int_equal(audit_needs_sync(plain), 0);
	assert_int_equal(audit_write(plain, &ev), 0);
	assert_int_equal(audit_sync(plain), 0);
	audit_close(plain);
	unlink(path);

	snprintf(path, sizeof(path), "%s/sync.log", tmpdir);
	assert_int_equal(audit_open_flags(path, AUDIT_SYNC, &a), 0);
	assert_int_equal(audit_needs_sync(a), 1);
	assert_int_equal(audit_sync(a), 0); /* nothing written: nothing to do */
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_sync(a), 0);
	assert_null(audit_failed(a));

	/* The sink's descriptor is the newest one: put a pipe in its place,
	 * on which fdatasync() fails with EINVAL, as a disk error would. */
	assert_int_not_equal(probe = open("/dev/null", O_RDONLY | O_CLOEXEC), -1);
	fd = probe - 1;
	close(probe);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[1], fd), fd);
	assert_int_equal(audit_write(a, &ev), 0); /* reaches the kernel */
	assert_int_equal(audit_sync(a), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(audit_failed(a));
	/* Sticky: nothing written since, and still a failure. */
	assert_int_equal(audit_sync(a), -1);
	assert_int_equal(errno, EINVAL);
	audit_close(a);
	close(p[0]);
	close(p[1]);
	unlink(path);
}

static void
test_denials_sink(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	char buf[512];
	ssize_t n;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_DENIALS, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0); /* allowed: silent */
	ev.rule = NULL;
	assert_int_equal(audit_write(a, &ev), 0); /* error: silent */
	ev.rule = "p.policy:9";
	ev.allowed = 0;
	ev.path = "/srv/in/../secret";
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf,
	    "filebroker: denied open of \"/srv/in/../secret\" (resolved \"/srv/in/a.txt\") "
	    "(read) for pid 123: rule p.policy:9\n");
	close(fds[0]);
}

#define NTHREADS 8
#define NRECORDS 300

static struct audit *shared;
static char bigpath[3 * 4096];

static void *
writer(void *arg)
{
	struct audit_event ev = base_event();
	int i, id = (int)(intptr_t)arg;

	ev.pid = id;
	for (i = 0; i < NRECORDS; i++) {
		ev.tid = i;
		/* Every third record is larger than PIPE_BUF. */
		ev.path = i % 3 == 0 ? bigpath : "/srv/in/small";
		if (audit_write(shared, &ev) != 0)
			return (void *)1;
	}
	return NULL;
}

static void
test_concurrent(void **state)
{
	pthread_t t[NTHREADS];
	char path[128], *buf, *line, *nl;
	int i, lines = 0;
	void *ret;
	size_t len;

	(void)state;
	memset(bigpath, '\n', sizeof(bigpath) - 1); /* 12 KiB of \n escapes each */
	snprintf(path, sizeof(path), "%s/concurrent.log", tmpdir);
	assert_int_equal(audit_open(path, &shared), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	audit_close(shared);

	buf = read_all(path, &len);
	for (line = buf; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_int_equal(strncmp(line, "{\"v\":1,\"time\":", 14), 0);
		assert_int_equal(nl[-1], '}');
		assert_null(strchr(line + 1, '{'));
		lines++;
	}
	assert_int_equal(lines, NTHREADS * NRECORDS);
	free(buf);
	unlink(path);
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Hostile records through a real JSON parser: each must parse, be an object
 * with the fixed keys, and give back the exact bytes of its path (from
 * path_hex, or from path encoded as UTF-8).
 */
static void
test_python_json(void **state)
{
	static const char *fixed[] = { "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xe2\x80\xa8",
		"\xc2\x9b", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe6\x97",
		"\xf0\x9f\x98\x80", "\"}\n{\"v\":1,\"decision\":\"allow\"", "\\u0000", "\x1b[31m" };
	static char p[AUDIT_STR_MAX + 1];
	static const char script[] =
	    "import json,sys\n"
	    "recs=[json.loads(l) for l in open(sys.argv[1],encoding='utf-8')]\n"
	    "want=[l.strip() for l in open(sys.argv[2])]\n"
	    "assert len(recs)==len(want),(len(recs),len(want))\n"
	    "for r,w in zip(recs,want):\n"
	    "  assert r['v']==1 and r['decision'] in ('allow','deny','error')\n"
	    "  got=r['path_hex'] if 'path_hex' in r else r['path'].encode('utf-8').hex()\n"
	    "  assert got==w,(r,w)\n"
	    "print('python3: %d records parsed' % len(recs))\n";
	struct audit_event ev = base_event();
	struct audit *a;
	char log[128], hex[128], py[128], cmd[512];
	FILE *h, *f;
	size_t n, i, k;

	(void)state;
	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		print_message("test_python_json: python3 missing, skipped\n");
		skip();
	}
	snprintf(log, sizeof(log), "%s/hostile.log", tmpdir);
	snprintf(hex, sizeof(hex), "%s/hostile.hex", tmpdir);
	snprintf(py, sizeof(py), "%s/check.py", tmpdir);
	assert_non_null(f = fopen(py, "w"));
	fputs(script, f);
	fclose(f);
	assert_int_equal(audit_open(log, &a), 0);
	assert_non_null(h = fopen(hex, "w"));
	for (i = 0; i < 2000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			snprintf(p, sizeof(p), "%s", fixed[i]);
			n = strlen(p);
		} else {
			n = 1 + next() % (i % 50 == 0 ? AUDIT_STR_MAX : 64);
			for (k = 0; k < n; k++) {
				/* Mostly ASCII and UTF-8 lead/continuation bytes. */
				p[k] = (char)(next() % 4 == 0 ? 0x80 + next() % 0x80 : 1 + next() % 0xff);
			}
			p[n] = '\0';
		}
		ev.path = ev.canon = ev.rule = p;
		ev.allowed = (int)(i % 2);
		ev.err = (int)(i % 140);
		assert_int_equal(audit_write(a, &ev), 0);
		for (k = 0; k < n; k++)
			fprintf(h, "%02x", (unsigned char)p[k]);
		fputc('\n', h);
	}
	fclose(h);
	audit_close(a);
	snprintf(cmd, sizeof(cmd), "python3 %s %s %s", py, log, hex);
	assert_int_equal(system(cmd), 0);
	unlink(log);
	unlink(hex);
	unlink(py);
}

/* The "time" value of the record of an event at sec + nsec, into out. */
static void
time_of(int64_t sec, long nsec, char *out, size_t size)
{
	static const char head[] = "{\"v\":1,\"time\":";
	struct audit_event ev;
	char buf[512];
	const char *p, *e;

	memset(&ev, 0, sizeof(ev));
	ev.when.tv_sec = (time_t)sec;
	ev.when.tv_nsec = nsec;
	assert_true(audit_format(&ev, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, head, strlen(head)), 0);
	p = buf + strlen(head);
	e = strstr(p, ",\"mode\":");
	assert_non_null(e);
	assert_true((size_t)(e - p) < size);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

/* What gmtime_r() and printf() say, within the limits audit.h gives. */
static void
time_ref(int64_t sec, long nsec, char *out, size_t size)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (nsec < 0 || nsec >= 1000000000L || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		snprintf(out, size, "null");
		return;
	}
	snprintf(out, size, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec / 1000);
}

static void
assert_time(int64_t sec, long nsec, const char *want)
{
	char got[64], ref[64];

	time_of(sec, nsec, got, sizeof(got));
	time_ref(sec, nsec, ref, sizeof(ref));
	if (strcmp(got, ref) != 0)
		fail_msg("time %" PRId64 ".%09ld: \"%s\", gmtime_r says \"%s\"", sec, nsec, got, ref);
	if (want != NULL && strcmp(got, want) != 0)
		fail_msg("time %" PRId64 ".%09ld: \"%s\", want \"%s\"", sec, nsec, got, want);
}

/* The time is computed without gmtime_r(): it must agree with it anyway. */
static void
test_time_reference(void **state)
{
	static const struct {
		int64_t sec;
		long nsec;
		const char *want;
	} cases[] = {
		{ 0, 0, "\"1970-01-01T00:00:00.000000Z\"" },
		{ -1, 999999999, "\"1969-12-31T23:59:59.999999Z\"" },
		{ -86400, 0, "\"1969-12-31T00:00:00.000000Z\"" },
		{ -86401, 0, "\"1969-12-30T23:59:59.000000Z\"" },
		{ 86399, 999, "\"1970-01-01T23:59:59.000000Z\"" },
		{ 951782400, 0, "\"2000-02-29T00:00:00.000000Z\"" },
		{ 951868800, 0, "\"2000-03-01T00:00:00.000000Z\"" },
		{ -2203891201, 0, "\"1900-02-28T23:59:59.000000Z\"" },
		{ -2203891200, 0, "\"1900-03-01T00:00:00.000000Z\"" },
		{ 4107542399, 0, "\"2100-02-28T23:59:59.000000Z\"" },
		{ 4107542400, 0, "\"2100-03-01T00:00:00.000000Z\"" },
		{ -11670998400, 0, "\"1600-02-29T00:00:00.000000Z\"" },
		{ -62135596800, 0, "\"0001-01-01T00:00:00.000000Z\"" },
		{ -62135596801, 0, "\"0000-12-31T23:59:59.000000Z\"" },
		{ -62162121600, 0, "\"0000-02-29T00:00:00.000000Z\"" },
		{ -62167219200, 0, "\"0000-01-01T00:00:00.000000Z\"" }, /* the first */
		{ -62167219201, 999999999, "null" },
		{ 253402300799, 999999999, "\"9999-12-31T23:59:59.999999Z\"" }, /* the last */
		{ 253402300800, 0, "null" },
		{ 1795615387, -1, "null" },
		{ 1795615387, 1000000000L, "null" },
		{ 1795615387, 1000, "\"2026-11-25T14:03:07.000001Z\"" },
		{ INT64_MAX, 0, "null" },
		{ INT64_MIN, 0, "null" },
		{ INT32_MAX, 0, "\"2038-01-19T03:14:07.000000Z\"" },
		{ (int64_t)INT32_MAX + 1, 0, "\"2038-01-19T03:14:08.000000Z\"" },
	};
	static const int years[] = { 0, 1, 3, 4, 100, 399, 400, 1582, 1600, 1700, 1899, 1900,
		1969, 1970, 1972, 2000, 2024, 2038, 2100, 2400, 9600, 9996, 9999 };
	/* 0000-01-01 and 10000-01-01 in Unix time. */
	const int64_t first = -62167219200LL, end = 253402300800LL;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int64_t sec;
	long nsec;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_time(cases[i].sec, cases[i].nsec, cases[i].want);
	/* Every month boundary of years leap or not, by every rule. */
	for (k = 0; k < (int)(sizeof(years) / sizeof(years[0])) * 12; k++) {
		struct tm tm = { .tm_mday = 1 };

		tm.tm_year = years[k / 12] - 1900;
		tm.tm_mon = k % 12;
		sec = (int64_t)timegm(&tm);
		assert_time(sec, 0, NULL);
		assert_time(sec - 1, 999999999, NULL);
	}
	/* Pseudo-random times over the whole range and a little beyond. */
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sec = first - 100000 + (int64_t)(x % (uint64_t)(end - first + 200000));
		nsec = (long)(x >> 34) % 1000000000L;
		assert_time(sec, nsec, NULL);
	}
}

/* Numbers at their limits, in a record and in the journal's fields. */
static void
test_format_numbers(void **state)
{
	static const char *want[] = { "PRIORITY=5", "FILEBROKER_PID=-1",
		"FILEBROKER_TID=-2147483648", "FILEBROKER_UID=4294967295",
		"FILEBROKER_GID=4294967295", "FILEBROKER_ERRNO=E-5", "FILEBROKER_DURATION_US=1234.567",
		"SYSLOG_FACILITY=10", "FILEBROKER_TIME=\"1970-01-01T00:00:00.000000Z\"" };
	struct iovec iov[AUDIT_JOURNAL_FIELDS];
	struct audit_event ev;
	char buf[1024];
	int n, i, found = 0;
	size_t k;
	char *s;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.mode = "explicit";
	ev.op = "stat";
	ev.path = ev.canon = "/a";
	ev.pid = -1;
	ev.tid = -2147483647 - 1;
	ev.uid = ev.gid = (uid_t)4294967295u;
	ev.access = POLICY_READ | POLICY_LIST;
	ev.rule = "default";
	ev.err = -5;
	ev.duration_ns = 1234567;
	ev.complain = ev.waived = 1;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":1,\"time\":\"1970-01-01T00:00:00.000000Z\",\"mode\":\"explicit\","
	    "\"pid\":-1,\"tid\":-2147483648,\"uid\":4294967295,\"gid\":4294967295,"
	    "\"op\":\"stat\",\"path\":\"/a\",\"canon\":\"/a\",\"access\":\"read,list\","
	    "\"flags\":null,\"decision\":\"would-deny\",\"rule\":\"default\","
	    "\"errno\":\"E-5\",\"duration_us\":1234.567,\"complain\":true}\n");
	free(s);

	n = audit_format_journal(&ev, buf, sizeof(buf), iov);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
			if (iov[i].iov_len == strlen(want[k]) &&
			    memcmp(iov[i].iov_base, want[k], iov[i].iov_len) == 0)
				found |= 1 << k;
	}
	assert_int_equal(found, (1 << 9) - 1);

	/* The syslog prefix: warning for a denial, the broker's pid signed. */
	ev.waived = 0;
	assert_true(audit_format_syslog(&ev, -7, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<84>filebroker[-7]: {\"v\":1,", 27), 0);
	ev.allowed = 1;
	assert_true(audit_format_syslog(&ev, 2147483647, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<86>filebroker[2147483647]: {\"v\":1,", 35), 0);

	/* Durations: the fraction is always three digits. */
	ev.duration_ns = 1000;
	s = fmt(&ev);
	assert_contains(s, ",\"duration_us\":1.000,");
	free(s);
	ev.duration_ns = 1000000007;
	s = fmt(&ev);
	assert_contains(s, ",\"duration_us\":1000000.007,");
	free(s);
	ev.duration_ns = UINT64_MAX;
	s = fmt(&ev);
	assert_contains(s, ",\"duration_us\":18446744073709551.615,");
	free(s);

	/* Errno values without a name. */
	ev.err = 4095;
	s = fmt(&ev);
	assert_contains(s, ",\"errno\":\"E4095\",");
	free(s);
	ev.err = -2147483647 - 1;
	s = fmt(&ev);
	assert_contains(s, ",\"errno\":\"E-2147483648\",");
	free(s);
	ev.err = ENAMETOOLONG;
	s = fmt(&ev);
	assert_contains(s, ",\"errno\":\"ENAMETOOLONG\",");
	free(s);

	/* Access: unknown bits alone, none at all, all of them. */
	ev.access = 0x100;
	s = fmt(&ev);
	assert_contains(s, ",\"access\":\"0x100\",");
	free(s);
	ev.access = 0;
	s = fmt(&ev);
	assert_contains(s, ",\"access\":\"\",");
	free(s);
	ev.access = ~0u;
	s = fmt(&ev);
	assert_contains(s,
	    ",\"access\":\"read,write,create,delete,list,stat,exec,0xffffff80\",");
	free(s);
}

static void
test_format_flag_bits(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.flags = O_WRONLY | O_APPEND | 0x10000000u;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_WRONLY|O_APPEND|0x10000000\",");
	free(s);
	ev.flags = O_RDONLY | 0xc0000000u;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_RDONLY|0xc0000000\",");
	free(s);
	/* openat2's RESOLVE_* bits follow the open flags, unknown ones in hex. */
	ev.flags = O_RDONLY | O_DIRECTORY;
	ev.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | 0x1000000000ULL;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_RDONLY|O_DIRECTORY|RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|"
			   "RESOLVE_0x1000000000\",");
	free(s);
	ev.resolve = RESOLVE_IN_ROOT;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_RDONLY|O_DIRECTORY|RESOLVE_IN_ROOT\",");
	free(s);
	ev.resolve = 0;

	ev.op = "rename";
	ev.path2 = ev.canon2 = "/srv/in/b";
	ev.flags = RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"RENAME_NOREPLACE|RENAME_EXCHANGE|0x4\",");
	free(s);
	ev.flags = RENAME_EXCHANGE;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"RENAME_EXCHANGE\",");
	free(s);
	ev.flags = RENAME_WHITEOUT | 0x80000000u;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0x80000004\",");
	free(s);
}

/*
 * Plain text is copied a run at a time: each character that is not plain,
 * at every offset around the word boundaries of that copy, must come out
 * as it did one byte at a time.
 */
static void
test_escape_runs(void **state)
{
	static const struct {
		const char *in, *out;
		int hex;
	} special[] = {
		{ "\"", "\\\"", 0 },
		{ "\\", "\\\\", 0 },
		{ "\n", "\\n", 0 },
		{ "\x01", "\\u0001", 0 },
		{ "\x1f", "\\u001f", 0 },
		{ "\x7f", "\\u007f", 0 },
		{ "\x80", "\xef\xbf\xbd", 1 },
		{ "\xff", "\xef\xbf\xbd", 1 },
		{ "\xc3\xa9", "\xc3\xa9", 0 },
		{ "\xc2\x85", "\\u0085", 0 },
		{ "\xe2\x80\xa8", "\\u2028", 0 },
		{ "\xe2\x80\xae", "\\u202e", 0 },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 0 },
	};
	char in[128], want[256], plain[96];
	size_t i, pre, post, k, n = 0;
	char *s;
	int c;

	(void)state;
	/* Every plain byte, the edges of the range included, stands for itself. */
	for (c = 0x20; c < 0x7f; c++)
		if (c != '"' && c != '\\')
			plain[n++] = (char)c;
	plain[n] = '\0';
	snprintf(want, sizeof(want), "\"path\":\"%s\",\"canon\"", plain);
	s = fmt_path(plain);
	assert_contains(s, want);
	free(s);

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		for (pre = 0; pre < 20; pre++) {
			post = (pre * 7) % 19;
			for (k = 0; k < pre; k++)
				in[k] = (char)('a' + k % 26);
			snprintf(in + pre, sizeof(in) - pre, "%s%.*s", special[i].in, (int)post,
			    "0123456789ABCDEFGHIJ");
			snprintf(want, sizeof(want), "\"path\":\"%.*s%s%.*s\",%s", (int)pre, in,
			    special[i].out, (int)post, "0123456789ABCDEFGHIJ",
			    special[i].hex ? "\"path_hex\"" : "\"canon\"");
			s = fmt_path(in);
			assert_contains(s, want);
			free(s);
		}
	}
}

/* A cut through a multibyte character leaves an invalid tail, so hex. */
static void
test_truncated_utf8(void **state)
{
	static char p[AUDIT_STR_MAX + 8];
	char *s, *v;

	(void)state;
	memset(p, 'y', AUDIT_STR_MAX - 1);
	memcpy(p + AUDIT_STR_MAX - 1, "\xc3\xa9z", 4);
	s = fmt_path(p);
	v = strstr(s, "\"path\":\"");
	assert_non_null(v);
	v += strlen("\"path\":\"");
	assert_int_equal(strspn(v, "y"), AUDIT_STR_MAX - 1);
	assert_int_equal(strncmp(v + AUDIT_STR_MAX - 1, "\xef\xbf\xbd\",\"path_hex\":\"7979", 21),
	    0);
	assert_contains(s, "7979c3\",\"canon\":null,");
	assert_contains(s, ",\"truncated\":true}\n");
	free(s);
}

/* Every buffer size up to the record's: ENOBUFS, nothing past the end. */
static void
test_every_size(void **state)
{
	struct audit_event ev = base_event();
	char full[2048], buf[2048 + 16];
	ssize_t n, m;
	size_t size, need, i;
	int kind;

	(void)state;
	ev.op = "rename";
	ev.pid = -42;
	ev.path = "/srv/\"in\"/\x01\xc2\x85\xe2\x80\xae\xff/a b";
	ev.path2 = "/srv/out/\\x";
	ev.canon2 = "/srv/out/\xe6\x97";
	ev.flags = RENAME_NOREPLACE | 0x40;
	ev.access = POLICY_DELETE | POLICY_CREATE | 0x200;
	ev.allowed = 0;
	ev.err = 1234;
	ev.duration_ns = 98765432101ULL;
	for (kind = 0; kind < 3; kind++) {
		n = kind == 0 ? audit_format(&ev, full, sizeof(full)) :
		    kind == 1 ? audit_format_denial(&ev, full, sizeof(full)) :
				audit_format_syslog(&ev, 99, full, sizeof(full));
		assert_true(n > 0);
		/* A syslog record is formatted with its newline, then loses it. */
		need = (size_t)n + 1 + (kind == 2);
		for (size = 0; size <= need; size++) {
			memset(buf, 'Z', sizeof(buf));
			errno = 0;
			m = kind == 0 ? audit_format(&ev, buf, size) :
			    kind == 1 ? audit_format_denial(&ev, buf, size) :
					audit_format_syslog(&ev, 99, buf, size);
			for (i = size; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 'Z');
			if (size < need) {
				assert_int_equal(m, -1);
				assert_int_equal(errno, ENOBUFS);
				if (size > 0)
					assert_int_equal(buf[0], '\0');
			} else {
				assert_int_equal(m, n);
				assert_string_equal(buf, full);
			}
		}
	}
}

static int
setup(void **state)
{
	(void)state;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_audit");
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_normal),
		cmocka_unit_test(test_format_deny_error),
		cmocka_unit_test(test_format_rename),
		cmocka_unit_test(test_format_flags),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_escape_classes),
		cmocka_unit_test(test_escape_invalid),
		cmocka_unit_test(test_worst_case_fits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_errno_name),
		cmocka_unit_test(test_denial_line),
		cmocka_unit_test(test_open_mode_append),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_short_write),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_denials_sink),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_python_json),
		cmocka_unit_test(test_time_reference),
		cmocka_unit_test(test_format_numbers),
		cmocka_unit_test(test_format_flag_bits),
		cmocka_unit_test(test_escape_runs),
		cmocka_unit_test(test_truncated_utf8),
		cmocka_unit_test(test_every_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
