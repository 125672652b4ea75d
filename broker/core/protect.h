/*
 * protect.h: the broker's own files, which no worker may change whatever
 * the policy says (rule "@broker-file"): the audit files, the policy file
 * and its includes, the daemon's sockets, the preload library and the
 * broker's executable.  Each is held by identity (st_dev, st_ino: whatever
 * name it has now, hard links included) and by canonical path (a name that
 * does not exist yet, or is made again: an audit file rotated away, a
 * socket).  The folders above a protected path are protected as names: they
 * may not be made, removed, renamed, replaced or have their mode changed, or
 * the path would lead elsewhere.
 *
 * The set hangs off the session's fsctx (fsctx.protect), shared by every
 * session of the daemon.  It only grows: entries are published with a
 * release store of the count, so requests read it without a lock while a
 * reload adds to it.
 */
#ifndef FB_PROTECT_H
#define FB_PROTECT_H

#include <stddef.h>
#include <sys/stat.h>

#include "resolve.h"

struct policy;

/*
 * Make fs->protect: the files of policy p (policy_foreach_file()), each
 * audit destination among audit[0 .. naudit) that names a file, each path of
 * extra[0 .. nextra) (NULL ones skipped) and the broker's own executable;
 * relative paths are taken from the current folder.  Call once everything
 * is open, before the broker confines itself.  Returns 0, or -1 with errno
 * (ENOMEM; E2BIG beyond PROTECT_MAX entries).
 */
int protect_init(struct fsctx *fs, const struct policy *p, const char *const *audit, size_t naudit,
    const char *const *extra, size_t nextra);

/*
 * Add what a reload brought: the files of policy p (includes may differ)
 * and the audit files as they are now (reopened at the same paths, new
 * inodes).  Safe while requests read the set.  Returns 0, or -1 with errno;
 * what was added before a failure stays.
 */
int protect_reload(struct fsctx *fs, const struct policy *p, const char *const *audit,
    size_t naudit);

/* Free fs->protect (fsctx_close() calls it). */
void protect_free(struct fsctx *fs);

/* How a request would touch an object. */
enum protect_use {
	PROTECT_READ,	/* read it or watch it: refused for audit files only */
	PROTECT_CHANGE, /* write, truncate, chmod, utimes, remove, rename, link,
			   or make a name: refused for every protected file and
			   (by path) every folder above one */
};

/*
 * Is the object at canonical path canon (st its stat, or NULL when there is
 * none) protected against use?  1 yes, 0 no.  canon may be NULL.
 */
int protect_check(const struct fsctx *fs, const char *canon, const struct stat *st,
    enum protect_use use);

/*
 * Is a file protected against use at or below the canonical folder dir, by
 * its path?  1 yes, 0 no.  For a grant that takes a whole folder at once
 * (exec_grants.h): a protected file there is a reason to grant its files
 * one by one, or none.
 */
int protect_beneath(const struct fsctx *fs, const char *dir, enum protect_use use);

#define PROTECT_MAX 1024

#endif
