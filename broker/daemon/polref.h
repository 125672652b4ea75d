/*
 * polref.h: the policies of `filebroker serve`, reference-counted.  The
 * daemon holds the policy in force and each session the one it started
 * with, so that SIGHUP can load a new one while connected peers keep
 * theirs; the last holder to drop a policy frees it.
 */
#ifndef FB_POLREF_H
#define FB_POLREF_H

#include <time.h>

struct policy;

struct polref {
	struct policy *p;
	unsigned refs;
	struct timespec loaded; /* CLOCK_REALTIME, for `filebroker status` */
	char sha256[65];	/* audit_policy_sha256(), for session records;
				   "" when it could not be made */
};

/*
 * Load the policy file at path, with one reference.  NULL when it does not
 * load or has no profile lines (no peer could be served), with the reasons
 * logged (FILE:LINE:COL for each error); warnings are logged too.
 */
struct polref *polref_load(const char *path);

/* Drop a reference; the last one frees the policy.  pr may be NULL. */
void polref_drop(struct polref *pr);

#endif
