/*
 * audit_key.c: the master key of keyed audit chains (`--audit-key FILE`,
 * audit.h, docs/audit.md "Tamper evidence"): read from a file only the
 * broker's user can read or write, held from the start until every sink
 * has derived its chain's first key from it, then forgotten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_chain.h"

/* What audit_key_load() read, for the sinks opened after it. */
static unsigned char master[AUDIT_KEY_MAX];
static size_t master_len;

int
audit_key_read(const char *path, unsigned char *key, size_t *len, char *msg, size_t size)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	*len = 0;
	/* O_NONBLOCK: a FIFO put in its place cannot stall the start. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		snprintf(msg, size, "audit key %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(msg, size, "audit key %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, size, "audit key %s: not a regular file", path);
		goto fail;
	}
	/* Whoever else may read it can seal forged records; whoever may
	 * write it can make the broker seal with a key of theirs. */
	if (st.st_uid != geteuid()) {
		snprintf(msg, size,
		    "audit key %s: owned by uid %lu, not by the broker's user (uid %lu), who "
		    "alone may read or write it (chown %lu %s)",
		    path, (unsigned long)st.st_uid, (unsigned long)geteuid(),
		    (unsigned long)geteuid(), path);
		goto fail;
	}
	if (st.st_mode & 077) {
		snprintf(msg, size,
		    "audit key %s: mode %04o lets %s %s it; only its owner may (chmod 600 %s)",
		    path, (unsigned)(st.st_mode & 07777),
		    (st.st_mode & 070) && (st.st_mode & 07) ? "its group and others" :
			(st.st_mode & 070)		    ? "its group" :
							      "others",
		    (st.st_mode & 044) && (st.st_mode & 022) ? "read and write" :
			(st.st_mode & 044)		     ? "read" :
			(st.st_mode & 022)		     ? "write" :
							       "execute",
		    path);
		goto fail;
	}
	if (st.st_size < AUDIT_KEY_MIN || st.st_size > AUDIT_KEY_MAX) {
		snprintf(msg, size,
		    "audit key %s: %lld bytes; a key has %d to %d (make one with: head -c 32 "
		    "/dev/urandom >%s)",
		    path, (long long)st.st_size, AUDIT_KEY_MIN, AUDIT_KEY_MAX, path);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		if ((n = read(fd, key + got, (size_t)st.st_size - got)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(msg, size, "audit key %s: %s", path,
			    n == 0 ? "shorter than its size says" : strerror(errno));
			explicit_bzero(key, got);
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
fail:
	close(fd);
	errno = EINVAL;
	return -1;
}

int
audit_key_load(const char *path, char *msg, size_t size)
{
	audit_key_forget();
	return audit_key_read(path, master, &master_len, msg, size);
}

void
audit_key_set(const unsigned char *key, size_t len)
{
	audit_key_forget();
	if (key == NULL || len == 0 || len > sizeof(master))
		return;
	memcpy(master, key, len);
	master_len = len;
}

const unsigned char *
audit_key_master(size_t *len)
{
	*len = master_len;
	return master_len > 0 ? master : NULL;
}

void
audit_key_forget(void)
{
	explicit_bzero(master, sizeof(master));
	master_len = 0;
}
