/*
 * ratelog.h: a bound on the lines one kind of event writes to the log.
 * A peer can make the daemon refuse it, or break the protocol, as fast as
 * it can connect and send; a line for each would bury everything else
 * (66,000 lines in two minutes).  Each kind gets a bucket of RATELOG_BURST
 * lines that refills at RATELOG_PER_S a second; an event without a line
 * left is counted, and the count is said in one line as soon as a line
 * may be written again (ratelog_flush(), called once a second, says it
 * when no new event comes).
 *
 * Not thread-safe: the daemon's callers hold the server lock.
 */
#ifndef FB_RATELOG_H
#define FB_RATELOG_H

#include <stdint.h>
#include <time.h>

#define RATELOG_PER_S 10
#define RATELOG_BURST 30

struct ratelog {
	const char *what;	  /* "refused peers", "protocol violations" */
	struct timespec filled;	  /* CLOCK_MONOTONIC of the last refill */
	uint64_t milli;		  /* lines left, in thousandths */
	unsigned long long held;  /* events not logged since the last count */
	unsigned long long total; /* events not logged in all */
};

/* A full bucket for events called what (a plural, for the count line). */
void ratelog_init(struct ratelog *r, const char *what);

/*
 * May this event's line be written?  1: yes, and a line with the count of
 * those held back before it was written first; 0: no, the event is
 * counted.
 */
int ratelog_ok(struct ratelog *r);

/* Say how many were held back, if any and a line is left. */
void ratelog_flush(struct ratelog *r);

#endif
