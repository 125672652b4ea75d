/*
 * canon.c: a path made canonical on disk, keeping a missing tail (see
 * canon.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"

int
canon_path(const char *path, char *buf, size_t size, int missing_max, int *missing)
{
	char head[PATH_MAX], real[PATH_MAX], *slash;
	const char *tail;
	size_t n, len;
	int k;

	*missing = 0;
	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) >= sizeof(head)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(head, path, strlen(path) + 1);
	/* Trailing slashes say nothing of a missing name: drop them. */
	for (n = strlen(head); n > 1 && head[n - 1] == '/'; n--)
		head[n - 1] = '\0';
	/* Cut components off the end until what is left exists. */
	for (k = 0;; k++) {
		if (realpath(head[0] != '\0' ? head : (path[0] == '/' ? "/" : "."), real) != NULL)
			break;
		if (errno != ENOENT || k == missing_max)
			return -1;
		/* The last component goes: a relative name's, the whole of it. */
		slash = strrchr(head, '/');
		tail = slash != NULL ? slash + 1 : head;
		if (strcmp(tail, ".") == 0 || strcmp(tail, "..") == 0 || tail[0] == '\0') {
			errno = EINVAL;
			return -1;
		}
		n = slash != NULL ? (size_t)(slash - head) : 0;
		while (n > 0 && head[n - 1] == '/')
			n--;
		head[n] = '\0';
	}
	*missing = k;
	len = strlen(real);
	if (len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, real, len + 1);
	if (k == 0)
		return 0;
	/* The missing tail of the path as given, after the existing head. */
	tail = path + strlen(head);
	while (*tail == '/')
		tail++;
	for (n = strlen(tail); n > 0 && tail[n - 1] == '/'; n--)
		;
	if (len + (len > 1) + n + 1 > size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (len > 1)
		buf[len++] = '/';
	memcpy(buf + len, tail, n);
	buf[len + n] = '\0';
	/* "a//b" in the missing part: collapse, as the broker's cleaning does. */
	for (slash = buf; (slash = strstr(slash, "//")) != NULL;)
		memmove(slash, slash + 1, strlen(slash + 1) + 1);
	return 0;
}
