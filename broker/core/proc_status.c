/*
 * proc_status.c: /proc/PID/status; see proc_status.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "proc_status.h"

int
proc_status_read(int dirfd, const char *path, char *buf, size_t size)
{
	autoclose int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd == -1)
		return -1;
	if (size == 0) {
		errno = ENOBUFS;
		return -1;
	}
	/* The kernel formats the file once and hands it out in pieces. */
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len == 0) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

const char *
proc_status_field(const char *buf, const char *key)
{
	size_t k = strlen(key);
	const char *p = buf;

	/* Each line starts with its key: at the start or after a newline. */
	for (;;) {
		if (strncmp(p, key, k) == 0 && p[k] == ':') {
			p += k + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
		if ((p = strchr(p, '\n')) == NULL)
			return NULL;
		p++;
	}
}

int
proc_status_long(const char *buf, const char *key, long *v)
{
	const char *p = proc_status_field(buf, key);
	char *end;

	if (p == NULL) {
		errno = ENOENT;
		return -1;
	}
	errno = 0;
	*v = strtol(p, &end, 10);
	if (end == p || errno != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
proc_status_umask(const char *buf, mode_t *mask)
{
	const char *p = proc_status_field(buf, "Umask");
	unsigned long v;
	char *end;

	if (p == NULL) {
		errno = ENOENT;
		return -1;
	}
	errno = 0;
	v = strtoul(p, &end, 8);
	if (end == p || errno != 0 || v > 0777 || (*end != '\n' && *end != '\0')) {
		errno = EINVAL;
		return -1;
	}
	*mask = (mode_t)v;
	return 0;
}

int
proc_status_ids_are(const char *buf, const char *key, unsigned long id)
{
	const char *p = proc_status_field(buf, key);
	unsigned long v;
	char *end;
	int i;

	if (p == NULL)
		return 0;
	for (i = 0; i < 4; i++) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno != 0 || v != id)
			return 0;
		p = end;
	}
	return 1;
}
