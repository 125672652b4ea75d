/*
 * denials.h: the denial lines of a broker without --audit, one per
 * distinct denial.
 *
 * A program that is refused something usually asks again: tar asks for
 * /etc/passwd and /etc/group for every member, and 10,000 files would give
 * 40,000 identical lines.  A line is printed the first time a denial is
 * seen (the operation, both paths as asked and as resolved, the access and
 * the rule: not the pid, so that every process of the worker shares it, and
 * the asker's own /proc/PID counts as /proc/self);
 * repeats are only counted, and denials_summary() says how many were not
 * shown.  Records (--audit) are never deduplicated: this is for the
 * terminal only.
 *
 * The table is allocated at the first denial, DENIALS_KEYS keys at most
 * (16 KiB); past that, new denials are printed every time.  Safe to call
 * from several threads for one session.
 */
#ifndef FB_DENIALS_H
#define FB_DENIALS_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define DENIALS_KEYS 2048

struct denials;

/* 1: print this denial's line (first seen, or the table is full); 0: a
 * repeat, counted.  *dp starts NULL; allocation failure prints. */
int denials_first(struct denials **dp, const struct audit_event *ev);

/* Repeats not printed so far (0 when d is NULL). */
uint64_t denials_repeats(const struct denials *d);

/* One line on stderr when repeats were held back: how many, and that
 * --audit records each.  who names the worker ("" for none). */
void denials_summary(const struct denials *d, const char *who);

void denials_free(struct denials *d);

/* SipHash-2-4 of p[0..len) under the key (k0, k1): the keyed hash the
 * table uses, exported for its test vectors. */
uint64_t denials_siphash(uint64_t k0, uint64_t k1, const void *p, size_t len);

#endif
