/*
 * path.h: lexical path handling, the one path cleaner of the tree: the
 * broker's resolution (broker/core/resolve.c), its own files (broker/core/protect.c)
 * and the offline tools (`explain`) all clean paths here.
 *
 * Pure string functions: no system calls, and errno is never touched.  A
 * function returns a length or 0, or a negative errno value.  Fuzzed by
 * tests/fuzz/fuzz_path.c.
 */
#ifndef FB_PATH_H
#define FB_PATH_H

#include <stddef.h>
#include <sys/types.h>

/* path_clean() option: ".." removes the component before it (never above
 * "/"); without it ".." is kept, for a walk that resolves it physically. */
#define PATH_LEXICAL 0x1

/* path_clean() results, in *flags. */
#define PATH_F_DOTDOT 0x1   /* a ".." component was kept */
#define PATH_F_TRAILING 0x2 /* the path ends in "/" or "/." (must be a folder) */

/*
 * The next component of the path at *p: slashes are skipped, *comp points
 * at the component and *p past it.  Returns its length, 0 at the end of
 * the string.  After it, path_at_end(*p) says whether it was the last.
 * Inline, as the two helpers below: every request's path goes through them.
 */
static inline size_t
path_next(const char **p, const char **comp)
{
	const char *s = *p;

	while (*s == '/')
		s++;
	*comp = s;
	while (*s != '\0' && *s != '/')
		s++;
	*p = s;
	return (size_t)(s - *comp);
}

/* 1 when only slashes are left at p. */
static inline int
path_at_end(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

/* 1 for the component "." (n bytes at c), 2 for "..", else 0. */
static inline int
path_dots(const char *c, size_t n)
{
	if (n == 1 && c[0] == '.')
		return 1;
	if (n == 2 && c[0] == '.' && c[1] == '.')
		return 2;
	return 0;
}

/*
 * Clean the path `in` lexically into out (size bytes): repeated slashes
 * collapse, "." components and a trailing slash vanish, and ".." is kept
 * and flagged (PATH_F_DOTDOT), or with PATH_LEXICAL removes the component
 * before it.  A relative `in` is taken relative to cwd, which must then be
 * absolute (NULL: relative paths are refused).  No component may be longer
 * than NAME_MAX, the kernel's limit.  The result is "/" or "/a/b"; nothing
 * in it is looked up, so a symlink followed by ".." is not resolved (the
 * broker walks such a path physically).
 *
 * Returns the length of out, or -EINVAL for an empty path or a relative
 * one without an absolute cwd, -ENAMETOOLONG when a component is too long
 * or the result does not fit (out then holds "" if size > 0).
 */
int path_clean(const char *cwd, const char *in, unsigned opts, char *out, size_t size,
    unsigned *flags);

/*
 * What the component name (n bytes) of /proc means for the worker pid and
 * its thread tid: "self" is "PID", "thread-self" is "PID/task/TID" (pid
 * when tid <= 0); they must name the worker's, never the broker's own.
 * Writes that to out (size bytes) and returns its length; 0 when name is
 * neither; -EACCES when pid <= 0 (no worker to speak of); -ENAMETOOLONG.
 */
int path_proc_self(const char *name, size_t n, pid_t pid, pid_t tid, char *out, size_t size);

/*
 * Rewrite a leading "/proc/self" or "/proc/thread-self" of the clean path
 * p (size bytes) in place, with path_proc_self().  Returns the new length
 * of p (its old one when there is nothing to rewrite), or a negative errno
 * as path_proc_self() (p is then unchanged).
 */
int path_proc_rewrite(char *p, size_t size, pid_t pid, pid_t tid);

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
