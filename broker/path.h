/*
 * path.h: lexical path handling for the broker.  Pure string functions:
 * no system calls, fuzzed by tests/fuzz/fuzz_path.c.
 */
#ifndef FB_PATH_H
#define FB_PATH_H

#include <stddef.h>
#include <sys/types.h>

#define PATH_F_DOTDOT 0x1   /* the path has a ".." component */
#define PATH_F_TRAILING 0x2 /* the path ends in "/" or "/." (must be a folder) */
#define PATH_F_PROC 0x4	    /* a /proc/self or /proc/thread-self prefix was rewritten */

/*
 * Clean the absolute path `in` lexically into out (size bytes): collapse
 * repeated slashes, drop "." components and any trailing slash.  ".."
 * components are kept as they are (they can only be resolved physically)
 * and flagged.  A leading "/proc/self" becomes "/proc/<pid>" and
 * "/proc/thread-self" becomes "/proc/<pid>/task/<tid>", because they must
 * mean the worker's, never the broker's.  The result is "/" or "/a/b".
 *
 * Returns 0, or a negative errno: -EINVAL for a relative or empty path,
 * -EACCES for /proc/self with no worker pid (pid <= 0), -ENAMETOOLONG when the result does not fit or a component is longer than
 * NAME_MAX.
 */
int path_clean(const char *in, char *out, size_t size, pid_t pid, pid_t tid, unsigned *flags);

/*
 * Split the clean path p (as produced by path_clean, without "..") into its
 * parent folder and last component.  dir receives "/" or "/a"; *name points
 * into p.  Returns 0, or -EINVAL for "/" itself (which has no parent).
 */
int path_split(const char *p, char *dir, size_t size, const char **name);

/* 1 if name is a single, valid path component: not empty, not "." or "..",
 * no slash, at most NAME_MAX bytes. */
int path_component_ok(const char *name, size_t len);

/*
 * Copy the string src into dst (size bytes) with its NUL: strlen and
 * memcpy, without printf's machinery (this runs several times per
 * request).  Returns its length, or -ENAMETOOLONG when it does not fit,
 * and then dst holds "" (never a cut path that could name something else).
 */
int path_copy(char *dst, size_t size, const char *src);

/* Write v in decimal into dst (size bytes, NUL-terminated).  Returns the
 * length, or -ENAMETOOLONG (dst then "") when it does not fit. */
int path_udec(char *dst, size_t size, unsigned long v);

#endif
