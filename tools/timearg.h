/*
 * timearg.h: a time given on the command line (`filebroker audit --since`,
 * `--until`), as a person writes it:
 *
 *	2026-12-07T14:00:00Z, 2026-12-07T15:00+01:00	RFC 3339: that instant
 *	2026-12-07 14:00[:SS], 2026-12-07T14:00		local time (the machine's
 *	2026-12-07					time zone, TZ), its midnight
 *	30s, 30m, 1h, 2d, 1w				that long before now
 *	now, today, yesterday				now; local midnight today,
 *							of the day before
 *	@SECONDS					since the epoch, UTC
 *
 * Seconds may have a fraction (RFC 3339's).  A time without a zone is local,
 * an hour that does not exist there (the one skipped when the clocks go
 * forward) the next that does.
 */
#ifndef FB_TIMEARG_H
#define FB_TIMEARG_H

#include <time.h>

/* What the forms above are, for messages. */
#define TIMEARG_FORMS \
	"2026-12-07T14:00:00Z or 2026-12-07T15:00:00+01:00 (RFC 3339), 2026-12-07 14:00[:SS] or " \
	"2026-12-07 (local time), 30s, 30m, 1h, 2d, 1w (that long ago), now, today, yesterday " \
	"(local midnight), @SECONDS (since the epoch)"

/*
 * The time s says into *out, relative to now (CLOCK_REALTIME) for the
 * relative forms.  Returns 0, or -1 for anything else (a date that does not
 * exist, a number out of range included).
 */
int timearg_parse(const char *s, const struct timespec *now, struct timespec *out);

/*
 * The broken-down time of a date and time (month 1 to 12), as mktime(3)
 * and timegm(3) take it: local when local (summer time found out), UTC
 * otherwise.  The time, or -1 as they return it.
 */
time_t timearg_make(int y, int mo, int d, int h, int mi, int sec, int local);

#endif
