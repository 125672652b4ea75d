/*
 * test_timearg.c: times on the command line (tools/timearg.c): RFC 3339,
 * local time in a zone with summer time (a POSIX TZ rule, so that no time
 * zone database is needed), relative times, today and yesterday across a
 * change of the clocks, and what is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "timearg.h"

/* Central European time: +1, +2 from the last Sunday of March (2026-03-29)
 * to the last of October. */
#define CET "CET-1CEST,M3.5.0,M10.5.0/3"

static struct timespec now = { 1796637600, 500 }; /* 2026-12-07T10:00:00Z, 11:00 there */

static time_t
at(const char *s)
{
	struct timespec ts;

	if (timearg_parse(s, &now, &ts) == -1)
		fail_msg("'%s' refused", s);
	return ts.tv_sec;
}

static void
test_rfc3339(void **state)
{
	struct timespec ts;

	(void)state;
	assert_int_equal(at("2026-12-07T14:00:00Z"), 1796652000);
	assert_int_equal(at("2026-12-07t14:00:00z"), 1796652000);
	assert_int_equal(at("2026-12-07T15:00:00+01:00"), 1796652000);
	assert_int_equal(at("2026-12-07T09:30-04:30"), 1796652000);
	assert_int_equal(at("2026-12-07 14:00Z"), 1796652000);
	assert_int_equal(timearg_parse("2026-12-07T14:00:00.25Z", &now, &ts), 0);
	assert_int_equal(ts.tv_nsec, 250000000);
	assert_int_equal(at("@1796652000"), 1796652000);
}

static void
test_local(void **state)
{
	(void)state;
	assert_int_equal(at("2026-12-07 15:00"), 1796652000); /* CET, +1 */
	assert_int_equal(at("2026-12-07T15:00:00"), 1796652000);
	assert_int_equal(at("2026-07-07 15:00"), 1783429200); /* CEST, +2 */
	assert_int_equal(at("2026-12-07"), 1796598000);	      /* its midnight */
}

static void
test_relative(void **state)
{
	(void)state;
	assert_int_equal(at("now"), now.tv_sec);
	assert_int_equal(at("45s"), now.tv_sec - 45);
	assert_int_equal(at("30m"), now.tv_sec - 1800);
	assert_int_equal(at("1h"), now.tv_sec - 3600);
	assert_int_equal(at("2d"), now.tv_sec - 2 * 86400);
	assert_int_equal(at("1w"), now.tv_sec - 7 * 86400);
	{
		struct timespec ts;

		/* to the nanosecond: "now" is not the second it began */
		assert_int_equal(timearg_parse("now", &now, &ts), 0);
		assert_int_equal(ts.tv_nsec, 500);
	}
	assert_int_equal(at("today"), 1796598000);     /* 2026-12-07T00:00 CET */
	assert_int_equal(at("yesterday"), 1796511600); /* 2026-12-06T00:00 CET */
	/* The day the clocks went forward had 23 hours. */
	now.tv_sec = 1774864800;		       /* 2026-03-30T10:00:00Z */
	assert_int_equal(at("today"), 1774821600);     /* 00:00 CEST */
	assert_int_equal(at("yesterday"), 1774738800); /* 00:00 CET */
	now.tv_sec = 1796637600;
}

static void
test_refused(void **state)
{
	static const char *const bad[] = { "", "x", "2026-02-30", "2026-13-01", "2026-00-10",
		"2026-12-7", "26-12-07", "2026-12-07T25:00Z", "2026-12-07T14:60Z", "2026-12-07T14",
		"2026-12-07T14:00+1:00", "2026-12-07T14:00:00.Z", "2026-12-07Z",
		"2026-12-07 14:00 Z", "1x", "-1h", "1hh", "h", "99999999999999999999s", "1000000w",
		"Yesterday", "yesterday ", "@", "@x", "@1.5", " 2026-12-07" };
	struct timespec ts;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (timearg_parse(bad[i], &now, &ts) != -1)
			fail_msg("'%s' taken", bad[i]);
	/* 29 February, when there is one. */
	assert_int_equal(timearg_parse("2028-02-29", &now, &ts), 0);
	assert_int_equal(timearg_parse("2026-02-29", &now, &ts), -1);
}

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", CET, 1);
	tzset();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
