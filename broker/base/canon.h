/*
 * canon.h: a path made canonical on this machine's disk, as the broker's
 * walk would make it (symlinks followed, ".." physical), for the tools that
 * take paths from a person: `run --read` and its kin, `explain --resolve`.
 * The broker itself never uses this (it resolves with its own pinned walk,
 * broker/core/resolve.c); these are the caller's own system calls, made as the
 * caller.
 */
#ifndef FB_CANON_H
#define FB_CANON_H

#include <stddef.h>

/*
 * The canonical form of path (relative to the current folder) into buf
 * (size bytes), walked as canon.c says (symlinks followed, ".." physical,
 * /proc left as written).  When the path does not exist, its last
 * missing_max components may be missing (as `mkdir -p` would make them):
 * those are kept as written after the canonical folder that exists, and
 * *missing says how many there were (0 when the whole path exists).
 * Returns 0, or -1 with errno: ENOENT when more is missing than
 * missing_max allows; ELOOP (more than 40 symlinks), ENOTDIR, EACCES as a
 * lookup says; EINVAL for ".." after a missing component or an empty path;
 * ENAMETOOLONG.
 */
int canon_path(const char *path, char *buf, size_t size, int missing_max, int *missing);

#endif
