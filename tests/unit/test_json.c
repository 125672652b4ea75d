/*
 * test_json.c: the one JSON string writer (common/json.c), and the round
 * trip docs/audit.md promises: whatever bytes a path holds, the audit
 * writer's record read back by the audit reader gives exactly those bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_read.h"
#include "json.h"
#include "out.h"
#include "policy.h"

#include "audit_testutil.h"

/* json_escape() of a C string, whole: the output, NUL-terminated. */
static const char *
esc(const char *s, int *bad)
{
	static char out[1024];
	size_t used, n = strlen(s), k;

	*bad = 0;
	k = json_escape(out, sizeof(out) - 1, (const unsigned char *)s, n, &used, bad);
	assert_int_equal(used, n);
	out[k] = '\0';
	return out;
}

static void
test_classes(void **state)
{
	static const struct {
		const char *in, *out;
		int bad;
	} t[] = {
		{ "/plain/ascii path~", "/plain/ascii path~", 0 },
		{ "\"\\", "\\\"\\\\", 0 },
		{ "\b\f\n\r\t", "\\b\\f\\n\\r\\t", 0 },
		{ "\x01\x1f\x7f", "\\u0001\\u001f\\u007f", 0 },
		{ "\xc2\x9b", "\\u009b", 0 },			     /* CSI, a C1 control */
		{ "\xe2\x80\xa8\xe2\x80\xae", "\\u2028\\u202e", 0 }, /* separators, bidi */
		{ "\xc3\xa9\xf0\x9f\x98\x80", "\xc3\xa9\xf0\x9f\x98\x80", 0 },
		{ "\xef\xbf\xbd", "\xef\xbf\xbd", 0 }, /* a real U+FFFD is no replacement */
		{ "/a\x80", "/a\xef\xbf\xbd", 1 },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", 1 },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 1 },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd", 1 },
	};
	size_t i;
	int bad;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(esc(t[i].in, &bad), t[i].out);
		assert_int_equal(bad, t[i].bad);
	}
}

/* With too little room, the output is a prefix of the whole at a
 * character's end, and it is exactly the escape of what was used. */
static void
test_capacity(void **state)
{
	static const char in[] = "ab\"\xc3\xa9\x01\xff\xe2\x80\xa8z/\xf0\x9f\x98\x80";
	char whole[256], part[256], again[256];
	size_t n = sizeof(in) - 1, wn, pn, an, used, used2, cap;
	int bad = 0, b2;

	(void)state;
	wn = json_escape(whole, sizeof(whole), (const unsigned char *)in, n, &used, &bad);
	assert_int_equal(used, n);
	assert_true(bad);
	for (cap = 0; cap <= wn; cap++) {
		b2 = 0;
		pn = json_escape(part, cap, (const unsigned char *)in, n, &used, &b2);
		assert_true(pn <= cap);
		assert_memory_equal(part, whole, pn);
		assert_true(used < n || cap == wn);
		an = json_escape(again, sizeof(again), (const unsigned char *)in, used, &used2,
		    &b2);
		assert_int_equal(used2, used);
		assert_int_equal(an, pn);
		assert_memory_equal(again, part, pn);
	}
	/* Never more than JSON_ESCAPE_MAX bytes per byte. */
	memset(part, 0x01, 64);
	wn = json_escape(whole, sizeof(whole), (const unsigned char *)part, 40, &used, &bad);
	assert_int_equal(wn, 40 * JSON_ESCAPE_MAX);
}

static char store[AUDIT_RECORD_MAX + 64];

/* The five string fields of a record hold s; read back, each is s
 * exactly. */
static void
round_trip(const char *s)
{
	static char buf[AUDIT_RECORD_MAX];
	struct audit_event ev = base_event();
	struct audit_rec r;
	const char *why = NULL;
	ssize_t n;

	ev.op = "rename";
	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = s;
	n = audit_format(&ev, buf, sizeof(buf));
	assert_true(n > 0);
	if (audit_read_line(buf, (size_t)n, &r, store, sizeof(store), &why) != 0)
		fail_msg("%s: %s", why, buf);
	assert_string_equal(r.path, s);
	assert_string_equal(r.path2, s);
	assert_string_equal(r.canon, s);
	assert_string_equal(r.canon2, s);
	assert_string_equal(r.rule, s);
}

/* Every string of one and two bytes (a path holds no NUL). */
static void
test_round_trip_short(void **state)
{
	char s[3];
	unsigned a, b;

	(void)state;
	for (a = 1; a < 256; a++) {
		s[0] = (char)a;
		s[1] = '\0';
		round_trip(s);
		for (b = 1; b < 256; b++) {
			s[1] = (char)b;
			s[2] = '\0';
			round_trip(s);
		}
	}
}

/* Longer strings, from the bytes where the rules change. */
static void
test_round_trip_random(void **state)
{
	static const unsigned char alphabet[] = { 0x01, 0x08, 0x09, 0x0a, 0x1f, ' ', '"', '/', '\\',
		'a', 0x7e, 0x7f, 0x80, 0x9b, 0xa0, 0xa8, 0xae, 0xbd, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
		0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0x8f, 0x90, 0x80 };
	char s[64];
	unsigned long seed = 12345;
	size_t len, i, k;

	(void)state;
	for (k = 0; k < 200000; k++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		len = 3 + (seed >> 33) % (sizeof(s) - 4);
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			s[i] = (char)alphabet[(seed >> 33) % sizeof(alphabet)];
		}
		s[len] = '\0';
		round_trip(s);
	}
}

/* What the tools print (broker/base/out.c) is escaped by the same writer, and
 * a field carries its exact bytes beside it. */
static void
test_out_json(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(out_json(f, "a\tb\xff"), 1);
	fputc(' ', f);
	assert_int_equal(out_json(f, "\xc3\xa9"), 0);
	fputc(' ', f);
	out_json_field(f, "path", "/a\xc0\xaf");
	fputc(' ', f);
	out_json_field(f, "rule", "x");
	fputc(' ', f);
	out_json_field(f, "rule", NULL);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
	    "\"a\\tb\xef\xbf\xbd\" \"\xc3\xa9\" "
	    "\"path\":\"/a\xef\xbf\xbd\xef\xbf\xbd\",\"path_hex\":\"2f61c0af\" "
	    "\"rule\":\"x\" \"rule\":null");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_round_trip_short),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_out_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
