/*
 * ratelog.c: see ratelog.h.
 */
#include "ratelog.h"
#include "log.h"

#define FULL ((uint64_t)RATELOG_BURST * 1000)

void
ratelog_init(struct ratelog *r, const char *what)
{
	r->what = what;
	clock_gettime(CLOCK_MONOTONIC, &r->filled);
	r->milli = FULL;
	r->held = 0;
	r->total = 0;
}

/* RATELOG_PER_S lines a second since the last refill, up to the burst. */
static void
refill(struct ratelog *r)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - r->filled.tv_sec) * 1000 +
	    (now.tv_nsec - r->filled.tv_nsec) / 1000000;
	if (ms <= 0)
		return;
	r->filled = now;
	/* Compared first, so that the product cannot overflow. */
	if ((uint64_t)ms >= FULL / RATELOG_PER_S ||
	    (r->milli += (uint64_t)ms * RATELOG_PER_S) > FULL)
		r->milli = FULL;
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
	refill(r);
	if (r->milli < 1000) {
		r->held++;
		r->total++;
		return 0;
	}
	r->milli -= 1000;
	say_held(r);
	return 1;
}

void
ratelog_flush(struct ratelog *r)
{
	refill(r);
	if (r->held > 0 && r->milli >= 1000) {
		r->milli -= 1000;
		say_held(r);
	}
}
