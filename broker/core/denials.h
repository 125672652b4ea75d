/*
 * denials.h: the denials of one session: counted for the summary at its
 * end, and, for a broker without --audit, one line on stderr per distinct
 * denial, ending with the rule that would allow it (hint.h).
 *
 * A program that is refused something usually asks again: tar asks for
 * /etc/passwd and /etc/group for every member, and 10,000 files would give
 * 40,000 identical lines.  A line is printed the first time a path is
 * denied an access by a rule: not again for another operation on it (stat
 * and lstat, open and watch), another name of it (/bin/python3 and
 * /usr/bin/python3), another process or thread (the asker's own /proc/PID
 * counts as /proc/self).  What the line shows of the path is what the
 * worker may know (hint_canon_shown()): a path that led somewhere hidden
 * is told apart by its name as asked, not by where it led.  Records
 * (--audit) are never folded: this is for the terminal only.
 *
 * At the end, denials_summary() says how many requests were denied, for
 * how many distinct paths, how many of those were probes, and where each
 * is recorded: for `filebroker run` always, -q or not, so that a denial is
 * never silent.
 *
 * The table holds DENIALS_KEYS keys of lines and as many of paths (32 KiB
 * in all); past 3/4 of that, new denials are printed every time and their
 * paths are counted as new.  Safe to call from several threads for one
 * session.
 */
#ifndef FB_DENIALS_H
#define FB_DENIALS_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define DENIALS_KEYS 2048

/* Paths kept for what a worker that exited 126 or 127 was refused. */
#define DENIALS_PROGRAMS 4

struct denials;
struct session;

/* denials_new() flags. */
#define DENIALS_QUIET 0x1u  /* no line on stderr (run -q); still counted */
#define DENIALS_ONEOFF 0x2u /* hints as run's one-off options (HINT_FLAGS) */

/*
 * A table for a session before its first denial, so that its flags hold
 * from the first one, and so that it is counted even with an audit sink
 * (`filebroker run` makes one for its session).  cwd, when not NULL, is
 * the worker's first working folder, which lines name as such (copied).
 * NULL when out of memory.  Without one, a session's first denial makes
 * one without flags, and only when it has no audit sink.
 */
struct denials *denials_new(unsigned flags, const char *cwd);

/*
 * One request of session s that was denied (ev->rule set, ev->allowed 0;
 * waived ones too): counted, and when s has no audit sink and the table
 * is not DENIALS_QUIET, its line written on stderr if it is the first of
 * its kind, ending with hint_append()'s hint.  Sets s->denials when NULL.
 */
void denials_note(struct session *s, const struct audit_event *ev);

/*
 * The line key's part of denials_note(): 1 when ev's line is to be
 * printed (first seen, or the table is full), 0 for a repeat; counts it
 * either way.  ev's canon_hidden and canon2_hidden must be set.  *dp
 * starts NULL; allocation failure prints.
 */
int denials_first(struct denials **dp, const struct audit_event *ev);

struct denials_count {
	uint64_t refused; /* requests denied */
	uint64_t waived;  /* requests complain mode let through */
	uint64_t paths;	  /* distinct paths among them */
	uint64_t probes;  /* of those paths, the ones first denied to a probe */
	uint64_t held;	  /* lines not printed: repeats, and all under -q */
};

/* The counts so far (all 0 when d is NULL). */
void denials_count(const struct denials *d, struct denials_count *c);

/* Repeats not printed so far (0 when d is NULL). */
uint64_t denials_repeats(const struct denials *d);

/*
 * One line on stderr summing the denials up, when there were any: how
 * many requests, how many distinct paths and probes, and where each is:
 * "the audit records each" when recorded (the session had an audit sink),
 * else that --audit FILE would.  who names the worker ("" for none).
 */
void denials_summary(const struct denials *d, const char *who, int recorded);

/*
 * The i-th path (i < DENIALS_PROGRAMS) denied stat alone or exec in a
 * folder of programs (hint_program()), in the order first seen; NULL past
 * the last.  *asked is set when it is the path as asked, where it led
 * being hidden from the worker (not canonical: no rule can name it).
 * Valid while d lives.
 */
const char *denials_program(const struct denials *d, size_t i, int *asked);

void denials_free(struct denials *d);

/* SipHash-2-4 of p[0..len) under the key (k0, k1): the keyed hash the
 * table uses, exported for its test vectors. */
uint64_t denials_siphash(uint64_t k0, uint64_t k1, const void *p, size_t len);

#endif
