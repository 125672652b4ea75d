/*
 * canon.c: a path made canonical on disk, keeping a missing tail (see
 * canon.h).
 *
 * The walk is the broker's (broker/core/resolve.c) done with plain system calls
 * as the caller: one component at a time, each symlink read and its target
 * spliced in (at most 40), ".." taken physically, from the folder reached
 * so far.  /proc is left as written, the broker's own rules decide there
 * (/proc/self is the worker's, magic links are refused): from the first
 * component that lands in /proc on, the rest is only cleaned lexically.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"

#define CANON_LINKS_MAX 40 /* as the kernel's MAXSYMLINKS, and the broker's */

/* Append "/name" (n bytes) to out, which holds len bytes; -1 when too long. */
static int
append(char *out, size_t *len, size_t size, const char *name, size_t n)
{
	if (*len + (*len > 1) + n + 1 > size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, name, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* out without its last component ("/" stays). */
static void
up(char *out, size_t *len)
{
	while (*len > 1 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 1)
		(*len)--;
	out[*len] = '\0';
}

static int
in_proc(const char *out)
{
	return strncmp(out, "/proc", 5) == 0 && (out[5] == '\0' || out[5] == '/');
}

int
canon_path(const char *path, char *buf, size_t size, int missing_max, int *missing)
{
	char rest[2 * PATH_MAX], out[PATH_MAX], target[PATH_MAX], tmp[2 * PATH_MAX];
	size_t len = 1, n, rlen;
	const char *c, *e;
	struct stat st;
	ssize_t tl;
	int links = 0, lost = 0, proc = 0;

	*missing = 0;
	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	/* What is left to walk, absolute. */
	if (path[0] == '/')
		rlen = (size_t)snprintf(rest, sizeof(rest), "%s", path);
	else if (getcwd(out, sizeof(out)) == NULL)
		return -1;
	else
		rlen = (size_t)snprintf(rest, sizeof(rest), "%s/%s", out, path);
	if (rlen >= sizeof(rest)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[0] = '/';
	out[1] = '\0';
	for (e = rest; *e != '\0';) {
		for (c = e; *c == '/'; c++)
			;
		for (e = c; *e != '\0' && *e != '/'; e++)
			;
		n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			/* Beyond a missing folder, ".." means nothing on disk. */
			if (lost) {
				errno = EINVAL;
				return -1;
			}
			up(out, &len);
			continue;
		}
		if (append(out, &len, sizeof(out), c, n) == -1)
			return -1;
		if (lost) {
			if (++*missing > missing_max) {
				errno = ENOENT;
				return -1;
			}
			continue;
		}
		if (proc || (proc = in_proc(out)))
			continue; /* as written: the broker's rules decide there */
		if (lstat(out, &st) == -1) {
			if (errno != ENOENT || missing_max == 0)
				return -1;
			lost = 1;
			*missing = 1;
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			if (++links > CANON_LINKS_MAX) {
				errno = ELOOP;
				return -1;
			}
			if ((tl = readlink(out, target, sizeof(target) - 1)) == -1)
				return -1;
			target[tl] = '\0';
			up(out, &len);
			if (target[0] == '/') {
				out[0] = '/';
				out[1] = '\0';
				len = 1;
			}
			/* The target, then what was left after the link. */
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, e) >= sizeof(tmp) ||
			    strlen(tmp) >= sizeof(rest)) {
				errno = ENAMETOOLONG;
				return -1;
			}
			memcpy(rest, tmp, strlen(tmp) + 1);
			e = rest; /* walked next */
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			/* Only a folder may have something below it. */
			for (c = e; *c == '/'; c++)
				;
			if (*c != '\0') {
				errno = ENOTDIR;
				return -1;
			}
		}
	}
	if (len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, out, len + 1);
	return 0;
}
