/*
 * path.c: lexical path handling; see path.h.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "path.h"

int
path_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size);

	if (n >= size) {
		if (size > 0)
			dst[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, n + 1);
	return (int)n;
}

int
path_udec(char *dst, size_t size, unsigned long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (n >= size) {
		if (size > 0)
			dst[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, tmp + sizeof(tmp) - n, n);
	dst[n] = '\0';
	return (int)n;
}

int
path_component_ok(const char *name, size_t len)
{
	if (len == 0 || len > NAME_MAX)
		return 0;
	if (memchr(name, '/', len) != NULL)
		return 0;
	return path_dots(name, len) == 0;
}

/* Append "/" and the n bytes at c to out (len bytes so far). */
static int
push(char *out, size_t size, size_t *len, const char *c, size_t n)
{
	if (*len + 1 + n + 1 > size)
		return -ENAMETOOLONG;
	out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* Drop the last component of out: "/a/b" becomes "/a", "/a" becomes "". */
static void
pop(char *out, size_t *len)
{
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
	out[*len] = '\0';
}

/* The components of p appended to out; *dir set when the last one makes
 * the path a folder's ("." or ".."). */
static int
clean_into(const char *p, unsigned opts, char *out, size_t size, size_t *len, unsigned *flags,
    int *dir)
{
	const char *c;
	size_t n;
	int r;

	while ((n = path_next(&p, &c)) > 0) {
		*dir = 0;
		switch (path_dots(c, n)) {
		case 1:
			*dir = 1;
			continue;
		case 2:
			if (opts & PATH_LEXICAL) {
				pop(out, len);
				*dir = 1;
				continue;
			}
			*flags |= PATH_F_DOTDOT;
			break;
		default:
			if (n > NAME_MAX)
				return -ENAMETOOLONG;
			break;
		}
		if ((r = push(out, size, len, c, n)) < 0)
			return r;
	}
	return 0;
}

int
path_clean(const char *cwd, const char *in, unsigned opts, char *out, size_t size, unsigned *flags)
{
	size_t len = 0, n = strlen(in);
	int r = 0, dir = 0;

	*flags = 0;
	if (size > 0)
		out[0] = '\0';
	if (n == 0 || (in[0] != '/' && (cwd == NULL || cwd[0] != '/')))
		return -EINVAL;
	if (size < 2)
		return -ENAMETOOLONG;
	if (in[0] != '/')
		r = clean_into(cwd, opts, out, size, &len, flags, &dir);
	if (r == 0)
		r = clean_into(in, opts, out, size, &len, flags, &dir);
	if (r < 0) {
		out[0] = '\0';
		return r;
	}
	/* "a/" and "a/." both require a to be a folder. */
	if (len > 0 && (in[n - 1] == '/' || dir))
		*flags |= PATH_F_TRAILING;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
		len = 1;
	}
	return (int)len;
}

int
path_proc_self(const char *name, size_t n, pid_t pid, pid_t tid, char *out, size_t size)
{
	size_t k;
	int thread, r;

	if (n == 4 && memcmp(name, "self", 4) == 0)
		thread = 0;
	else if (n == 11 && memcmp(name, "thread-self", 11) == 0)
		thread = 1;
	else
		return 0;
	if (pid <= 0)
		return -EACCES; /* no worker to speak of; never the broker's own */
	if ((r = path_udec(out, size, (unsigned long)pid)) < 0 || !thread)
		return r;
	k = (size_t)r;
	if (k + sizeof("/task/") > size) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(out + k, "/task/", 6);
	k += 6;
	if ((r = path_udec(out + k, size - k, (unsigned long)(tid > 0 ? tid : pid))) < 0) {
		out[0] = '\0';
		return r;
	}
	return (int)(k + (size_t)r);
}

int
path_proc_rewrite(char *p, size_t size, pid_t pid, pid_t tid)
{
	char head[64];
	const char *name = p + 6, *tail;
	size_t n, tl;
	int k;

	if (strncmp(p, "/proc/", 6) != 0)
		return (int)strlen(p);
	n = strcspn(name, "/");
	if ((k = path_proc_self(name, n, pid, tid, head, sizeof(head))) <= 0)
		return k < 0 ? k : (int)strlen(p);
	tail = name + n;
	tl = strlen(tail);
	if (6 + (size_t)k + tl + 1 > size)
		return -ENAMETOOLONG;
	memmove(p + 6 + k, tail, tl + 1);
	memcpy(p + 6, head, (size_t)k);
	return 6 + k + (int)tl;
}

int
path_split(const char *p, char *dir, size_t size, const char **name)
{
	const char *slash = strrchr(p, '/');
	size_t n;

	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	n = (size_t)(slash - p);
	if (n == 0)
		n = 1; /* the parent is "/" */
	if (n + 1 > size)
		return -ENAMETOOLONG;
	memcpy(dir, p, n);
	dir[n] = '\0';
	*name = slash + 1;
	return 0;
}
