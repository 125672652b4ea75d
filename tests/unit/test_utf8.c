/*
 * test_utf8.c: the one UTF-8 decoder (common/utf8.h), exhaustively.
 *
 * The oracle is the definition: a sequence is well-formed UTF-8 exactly
 * when it is the encoding of a scalar value (U+0000 to U+10FFFF, no
 * surrogate).  Every code point is encoded and decoded back, and every
 * byte sequence of one to four bytes (the fourth byte over all values
 * only where the first three can start a four-byte sequence) is decoded
 * and, when accepted, encoded again to the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

static int
scalar(uint32_t c)
{
	return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

static void
test_every_code_point(void **state)
{
	unsigned char b[4];
	uint32_t c, back;
	size_t n;

	(void)state;
	for (c = 0; c <= 0x10ffff; c++) {
		if (!scalar(c))
			continue;
		n = utf8_encode(c, b);
		assert_int_equal(n, c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
		assert_int_equal(utf8_decode(b, n, &back), n);
		assert_int_equal(back, c);
		/* Cut short, it is not a sequence. */
		if (n > 1)
			assert_int_equal(utf8_decode(b, n - 1, &back), 0);
	}
	/* Surrogates encoded as if they were code points are refused. */
	for (c = 0xd800; c <= 0xdfff; c++) {
		n = utf8_encode(c, b);
		assert_int_equal(utf8_decode(b, n, &back), 0);
	}
}

/* Decoding s (n bytes) agrees with the definition. */
static void
check(const unsigned char *s, size_t n, unsigned long *accepted)
{
	unsigned char again[4];
	uint32_t c;
	size_t k = utf8_decode(s, n, &c);

	if (k == 0)
		return;
	(*accepted)++;
	if (k > n || !scalar(c) || utf8_encode(c, again) != k || memcmp(again, s, k) != 0)
		fail_msg("%02x %02x %02x %02x (%zu bytes): decoded %zu bytes as U+%04X", s[0],
		    n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, k, c);
}

static void
test_every_sequence(void **state)
{
	unsigned char s[4];
	unsigned long accepted = 0;
	unsigned a, b, c, d;

	(void)state;
	assert_int_equal(utf8_decode(s, 0, &(uint32_t){ 0 }), 0);
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		check(s, 1, &accepted);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			check(s, 2, &accepted);
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				check(s, 3, &accepted);
				if (a < 0xf0 || a > 0xf4)
					continue;
				for (d = 0; d < 256; d++) {
					s[3] = (unsigned char)d;
					check(s, 4, &accepted);
				}
			}
		}
	}
	/*
	 * Per call: a one-byte value decodes whatever follows it (128 at each
	 * length), a two-byte sequence (1920 of them) at lengths 2 and 3, the
	 * 61440 three-byte ones at length 3, and the 1048576 four-byte ones.
	 */
	assert_int_equal(accepted,
	    128UL + 128UL * 256 + 1920 + 128UL * 65536 + 1920UL * 256 + 61440 + 1048576);
}

/* The cases the four copies this replaced were written for. */
static void
test_named(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		uint32_t cp;
	} t[] = {
		{ "a", 1, 'a' },
		{ "\xc3\xa9", 2, 0xe9 },
		{ "\xe2\x82\xac", 3, 0x20ac },
		{ "\xef\xbf\xbd", 3, 0xfffd },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
		/* Overlong forms of '/', a surrogate, past U+10FFFF. */
		{ "\xc0\xaf", 0, 0 },
		{ "\xe0\x80\xaf", 0, 0 },
		{ "\xed\xa0\x80", 0, 0 },
		{ "\xf4\x90\x80\x80", 0, 0 },
		{ "\xf5\x80\x80\x80", 0, 0 },
		/* A stray continuation byte, a byte never in UTF-8, cut short. */
		{ "\x80", 0, 0 },
		{ "\xff", 0, 0 },
		{ "\xc3", 0, 0 },
	};
	uint32_t c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(utf8_decode((const unsigned char *)t[i].s, strlen(t[i].s), &c),
		    t[i].len);
		if (t[i].len > 0)
			assert_int_equal(c, t[i].cp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_every_sequence),
		cmocka_unit_test(test_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
