/*
 * kernel_stat.c: whether the worker's stat and readlink may go to the
 * kernel (kernel_stat.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel_stat.h"

struct walk {
	uid_t uid;
	gid_t gid;
	char *why;
	size_t size;
};

/* May uid/gid (no supplementary groups, no capability) search st? */
static int
searchable(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return (st->st_mode & S_IXUSR) != 0;
	if (st->st_gid == gid)
		return (st->st_mode & S_IXGRP) != 0;
	return (st->st_mode & S_IXOTH) != 0;
}

/*
 * Each folder from / down to path (itself too, when it is a folder), as
 * far as they exist: one the worker's user may not search is said in
 * w->why, after what (a rule, the working folder).  0, or -1 for one.
 */
static int
walk_search(const char *path, const char *what, struct walk *w)
{
	char buf[PATH_MAX];
	struct stat st;
	const char *next;
	size_t n = strlen(path), end = 1;

	if (path[0] != '/' || n >= sizeof(buf))
		return 0;
	for (;;) {
		/* The folder of path's first end bytes ("/" first). */
		memcpy(buf, path, end);
		buf[end] = '\0';
		if (stat(buf, &st) == -1 || !S_ISDIR(st.st_mode))
			return 0; /* not there (yet), or a file: nothing below */
		if (!searchable(&st, w->uid, w->gid)) {
			snprintf(w->why, w->size,
			    "the worker's user (uid %lu) may not search %s, on the way to "
			    "%s, which the broker may",
			    (unsigned long)w->uid, buf, what);
			return -1;
		}
		if (end >= n)
			return 0;
		next = strchr(path + end + 1, '/');
		end = next != NULL ? (size_t)(next - path) : n;
	}
}

static int
rule_fn(const char *pattern, int has_wildcards, const char *where, void *arg)
{
	char prefix[PATH_MAX], what[PATH_MAX + 64];

	(void)has_wildcards;
	/* /proc is the worker's own procfs, its /proc/self the worker's, not
	 * the broker's (root's, 0500) that this process would stat. */
	if (policy_pattern_prefix(pattern, prefix, sizeof(prefix)) < 0 ||
	    strncmp(prefix, "/proc/", 6) == 0)
		return 0;
	snprintf(what, sizeof(what), "rule %s's %s", where, prefix);
	return walk_search(prefix, what, arg);
}

int
kernel_stat_decide(const struct policy *p, int deny, int set_user, int userns, uid_t uid, gid_t gid,
    const char *cwd, char *why, size_t size)
{
	struct walk w = { uid, gid, why, size };
	const char *rule = NULL;

	why[0] = '\0';
	/* Stat named: a lazy read of the whole tree keeps what a root broker
	 * shows in folders the worker's user may not search. */
	if (!policy_allows_everywhere(p, POLICY_STAT, 1, &rule)) {
		if (rule != NULL)
			snprintf(why, size, "rule %s denies stat somewhere", rule);
		return 0;
	}
	/* A run that must fail on any refusal (a scanner's) counts only what
	 * the broker refuses: the kernel's EACCES in a folder the worker's
	 * user may not search would pass unseen, and the file unscanned. */
	if (deny != 0 || policy_deny_status(p, NULL, NULL) != 0) {
		snprintf(why, size,
		    "a deny-status is set, and a stat the kernel refused (a folder the worker's "
		    "user may not search) would not count as a denial");
		return 0;
	}
	/* The kernel names the owners it cannot map in the worker's user
	 * namespace by the overflow id: root's files as 65534's. */
	if (userns) {
		snprintf(why, size,
		    "the worker's user namespace maps only uid %lu and gid %lu, in which the "
		    "kernel shows every other owner as 65534",
		    (unsigned long)uid, (unsigned long)gid);
		return 0;
	}
	if (set_user) {
		if (policy_foreach_allow(p, ~0U, rule_fn, &w) != 0)
			return 0;
		if (cwd != NULL && walk_search(cwd, "the working folder", &w) != 0)
			return 0;
	}
	snprintf(why, size, "rule %s allows stat of every path", rule);
	return 1;
}
