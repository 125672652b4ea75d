/*
 * path.c: lexical path cleaning; see path.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
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
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return 1;
}

static int
append(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + 1 + n + 1 > size)
		return -ENAMETOOLONG;
	out[(*len)++] = '/';
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* Rewrite a leading /proc/self or /proc/thread-self in a clean path. */
static int
rewrite_proc(char *out, size_t size, size_t *len, pid_t pid, pid_t tid, unsigned *flags)
{
	char head[64], rest[PATH_MAX];
	const char *tail;
	size_t hl, rl;

	if (strncmp(out, "/proc/self", 10) == 0 && (out[10] == '\0' || out[10] == '/')) {
		tail = out + 10;
		snprintf(head, sizeof(head), "/proc/%ld", (long)pid);
	} else if (strncmp(out, "/proc/thread-self", 17) == 0 &&
	    (out[17] == '\0' || out[17] == '/')) {
		tail = out + 17;
		snprintf(head, sizeof(head), "/proc/%ld/task/%ld", (long)pid,
		    (long)(tid > 0 ? tid : pid));
	} else
		return 0;
	if (pid <= 0)
		return -EACCES; /* no worker to speak of; never the broker's own */
	rl = strlen(tail);
	if (rl >= sizeof(rest))
		return -ENAMETOOLONG;
	memcpy(rest, tail, rl + 1);
	hl = strlen(head);
	if (hl + rl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, head, hl);
	memcpy(out + hl, rest, rl + 1);
	*len = hl + rl;
	*flags |= PATH_F_PROC;
	return 0;
}

int
path_clean(const char *in, char *out, size_t size, pid_t pid, pid_t tid, unsigned *flags)
{
	const char *p = in, *s;
	size_t len = 0, n;
	int r, last_dot = 0;

	*flags = 0;
	if (size < 2)
		return -ENAMETOOLONG;
	if (in[0] != '/')
		return -EINVAL;
	out[0] = '\0';
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - s);
		last_dot = 0;
		if (n == 1 && s[0] == '.') {
			last_dot = 1;
			continue;
		}
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n == 2 && s[0] == '.' && s[1] == '.')
			*flags |= PATH_F_DOTDOT;
		if ((r = append(out, size, &len, s, n)) < 0)
			return r;
	}
	/* "a/" and "a/." both require a to be a folder. */
	n = strlen(in);
	if (len > 0 && (in[n - 1] == '/' || last_dot))
		*flags |= PATH_F_TRAILING;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
		return 0;
	}
	return rewrite_proc(out, size, &len, pid, tid, flags);
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
