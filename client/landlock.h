/*
 * landlock.h: the worker's Landlock layer (part of the sandbox, see sandbox.h).
 *
 * Debian 12's <linux/landlock.h> (6.1) stops at ABI 2; the rights, the
 * ruleset fields and the scopes of later ABIs are defined in landlock.c and
 * used only when the running ABI has them.
 */
#ifndef FB_LANDLOCK_H
#define FB_LANDLOCK_H

#include <stdio.h>

/* Internal to libfilebroker: not exported from the shared library. */
#define LANDLOCK_HIDDEN __attribute__((visibility("hidden")))

/* The running kernel's Landlock ABI (>= 1), or 0 when Landlock is missing or
 * disabled (errno says why: ENOSYS, EOPNOTSUPP). */
LANDLOCK_HIDDEN int landlock_abi(void);

/* The errata bitmask, or 0. */
LANDLOCK_HIDDEN int landlock_errata(void);

/*
 * A ruleset as landlock_apply() makes it, with no rule yet: every
 * filesystem right of abi handled, TCP bind/connect unless allow_net (ABI
 * 4+), signal and abstract-socket scoping (ABI 6+).  Returns the ruleset
 * descriptor (close-on-exec), or -1 with errno (ENOTSUP when abi < 1).
 */
LANDLOCK_HIDDEN int landlock_ruleset_new(int abi, int allow_net);

/* Grant EXECUTE|READ_FILE on the object fd names (O_PATH will do): the file,
 * or everything beneath the folder.  Returns 0, or -1 with errno. */
LANDLOCK_HIDDEN int landlock_ruleset_add_exec(int ruleset, int fd);

/* Grant READ_FILE alone on the object fd names, as above: what the
 * dynamic loader of an explicit-mode worker reads (broker/run/exec_grants.h). */
LANDLOCK_HIDDEN int landlock_ruleset_add_read(int ruleset, int fd);

/*
 * Grant what removing a tree needs on the folder fd names (O_PATH will do):
 * with contents, READ_DIR|REMOVE_DIR|REMOVE_FILE|MAKE_DIR (and REFER from
 * ABI 2) beneath it (list and remove everything in it, move a folder
 * within it); without, REMOVE_DIR only (remove an empty
 * folder from it: the tree's own entry in its parent).  For run's private
 * temporary folder (broker/run/private_tmp.c).  Returns 0, or -1 with errno.
 */
LANDLOCK_HIDDEN int landlock_ruleset_add_removal(int ruleset, int fd, int contents);

/* Restrict the calling thread with ruleset (no_new_privs first). */
LANDLOCK_HIDDEN int landlock_restrict(int ruleset);

/*
 * Restrict the calling thread: handle every filesystem right of abi, grant
 * EXECUTE|READ_FILE on each exec_paths entry (beneath, for a folder), handle
 * TCP bind/connect unless allow_net (ABI 4+), scope signals and abstract Unix
 * sockets (ABI 6+).  Needs no_new_privs.  Returns 0, or -1 with errno; on an
 * exec_paths error *bad is set to the offending entry.
 */
LANDLOCK_HIDDEN int landlock_apply(int abi, const char *const *exec_paths, int allow_net,
    const char **bad);

/* Describe what landlock_apply() would do, one "landlock...:" line each. */
LANDLOCK_HIDDEN void landlock_describe(FILE *out, int abi, const char *const *exec_paths,
    int allow_net);

#endif
