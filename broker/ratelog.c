/*
 * ratelog.c: see ratelog.h.
 */
#include "log.h"
#include "ratelog.h"

void
ratelog_init(struct ratelog *r, const char *what)
{
	r->what = what;
	r->second.tv_sec = 0;
	r->second.tv_nsec = 0;
	r->n = 0;
	r->held = 0;
	r->total = 0;
}

/* Whether a new second began at now (and then start it). */
static int
new_second(struct ratelog *r, const struct timespec *now)
{
	if (now->tv_sec - r->second.tv_sec > 1 ||
	    (now->tv_sec - r->second.tv_sec == 1 && now->tv_nsec >= r->second.tv_nsec)) {
		r->second = *now;
		r->n = 0;
		return 1;
	}
	return 0;
}

static void
say_held(struct ratelog *r)
{
	if (r->held == 0)
		return;
	log_warnx("%llu more %s not logged (at most %d lines a second; %llu in all)", r->held,
	    r->what, RATELOG_PER_S, r->total);
	r->held = 0;
}

int
ratelog_ok(struct ratelog *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	new_second(r, &now);
	if (r->n >= RATELOG_PER_S) {
		r->held++;
		r->total++;
		return 0;
	}
	r->n++;
	say_held(r);
	return 1;
}

void
ratelog_flush(struct ratelog *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r->held > 0 && new_second(r, &now)) {
		r->n = 1;
		say_held(r);
	}
}
