/*
 * timearg.c: see timearg.h.  Parsed by hand, digit by digit: sscanf's %d
 * takes signs and blanks a date has no place for.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "timearg.h"

/* n digits at *p into *v; 0, or -1 when there are not n. */
static int
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Local midnight of the day of now, days later (negative: before). */
static time_t
midnight(time_t now, int days)
{
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* "N" followed by a unit: that long before now. */
static int
ago(const char *s, const struct timespec *now, struct timespec *out)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	long long n;
	char *end;
	size_t i;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0')
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != end[0])
			continue;
		/* a hundred years at most: nothing older was ever written */
		if (n > 100LL * 366 * 86400 / units[i].secs)
			return -1;
		out->tv_sec = now->tv_sec - (time_t)(n * units[i].secs);
		out->tv_nsec = now->tv_nsec;
		return 0;
	}
	return -1;
}

time_t
timearg_make(int y, int mo, int d, int h, int mi, int sec, int local)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (!local)
		return timegm(&tm);
	tm.tm_isdst = -1;
	return mktime(&tm);
}

int
timearg_parse(const char *s, const struct timespec *now, struct timespec *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, sign = 0, have_time = 0, k;
	long ns = 0, scale;
	long long v;
	char *end;
	time_t t;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "now") == 0) {
		*out = *now;
		return 0;
	}
	if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0) {
		out->tv_sec = midnight(now->tv_sec, s[0] == 'y' ? -1 : 0);
		return out->tv_sec == (time_t)-1 ? -1 : 0;
	}
	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno != 0 || end == s + 1 || *end != '\0')
			return -1;
		out->tv_sec = (time_t)v;
		return 0;
	}
	if (ago(s, now, out) == 0)
		return 0;
	/* YYYY-MM-DD */
	if (digits(&p, 4, &y) == -1 || *p++ != '-' || digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    digits(&p, 2, &d) == -1 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
		return -1;
	/* [(T| )HH:MM[:SS[.frac]]] */
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) == -1 || *p++ != ':' || digits(&p, 2, &mi) == -1 || h > 23 ||
		    mi > 59)
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) == -1 || sec > 60)
				return -1;
			if (*p == '.' || *p == ',') {
				for (p++, k = 0, scale = 100000000; *p >= '0' && *p <= '9';
				     p++, k++) {
					ns += (*p - '0') * scale;
					scale /= 10;
				}
				if (k == 0)
					return -1;
			}
		}
		have_time = 1;
	}
	/* [Z | (+|-)HH:MM]: RFC 3339's instant; none: local time */
	if (have_time && (*p == 'Z' || *p == 'z')) {
		p++;
		sign = 1;
		zh = zm = 0;
	} else if (have_time && (*p == '+' || *p == '-')) {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &zh) == -1 || *p++ != ':' || digits(&p, 2, &zm) == -1 ||
		    zh > 23 || zm > 59)
			return -1;
	}
	if (*p != '\0')
		return -1;
	if (sign != 0)
		t = timearg_make(y, mo, d, h, mi, sec, 0) - sign * (time_t)(zh * 3600 + zm * 60);
	else if ((t = timearg_make(y, mo, d, h, mi, sec, 1)) == (time_t)-1)
		return -1;
	out->tv_sec = t;
	out->tv_nsec = ns;
	return 0;
}
