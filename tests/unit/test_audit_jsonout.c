/*
 * test_audit_jsonout.c: the strings and the time in an audit record, as
 * broker/audit/jsonout.c appends them (through audit_format()).
 *
 * Escapes by class, invalid UTF-8 and the _hex key beside it, plain text
 * copied a run at a time, truncation at AUDIT_STR_MAX, and the RFC 3339
 * time, computed without gmtime_r() but agreeing with it.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_testutil.h"
#include "policy.h"

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
	s = fmt_path("a\xe2\x80\xa8"
		     "b\xe2\x80\xa9"
		     "c\xc2\x9b"
		     "d\xc2\x85"
		     "e\xe2\x80\xae"
		     "f\xe2\x81\xa6"
		     "g\xe2\x80\x8f");
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
		{ "x\xf0\x9f\x98",
		    "\"path\":\"x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
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
	assert_contains(s,
	    "\"rule\":\"\xef\xbf\xbd.policy:1\",\"rule_hex\":\"832e706f6c6963793a31\",");
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

/* The "time" value of the record of an event at sec + nsec, into out. */
static void
time_of(int64_t sec, long nsec, char *out, size_t size)
{
	static const char head[] = "{\"v\":2,\"time\":";
	struct audit_event ev;
	char buf[512];
	const char *p, *e;

	memset(&ev, 0, sizeof(ev));
	ev.when.tv_sec = (time_t)sec;
	ev.when.tv_nsec = nsec;
	assert_true(audit_format(&ev, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, head, strlen(head)), 0);
	p = buf + strlen(head);
	e = strstr(p, ",\"session\":");
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

	if (nsec < 0 || nsec >= 1000000000L || gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
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
		fail_msg("time %" PRId64 ".%09ld: \"%s\", gmtime_r says \"%s\"", sec, nsec, got,
		    ref);
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
	static const int years[] = { 0, 1, 3, 4, 100, 399, 400, 1582, 1600, 1700, 1899, 1900, 1969,
		1970, 1972, 2000, 2024, 2038, 2100, 2400, 9600, 9996, 9999 };
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_classes),
		cmocka_unit_test(test_escape_invalid),
		cmocka_unit_test(test_escape_runs),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_utf8),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_time_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
