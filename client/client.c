/*
 * client.c: the public calls of libfilebroker (filebroker.h).
 *
 * Each call checks its arguments as libc would, makes the path absolute,
 * sends one request through channel.c and turns the reply back into what
 * the libc twin returns.  The broker checks everything again: these checks
 * exist to give a caller libc's errno rather than a protocol error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "channel.h"
#include "filebroker.h"
#include "proto.h"

/*
 * The protocol carries absolute paths only: on a socket shared by several
 * processes the broker cannot know whose current directory a relative path
 * means.  The prefix is lexical; the broker resolves "..", symlinks and
 * duplicate slashes itself, against the policy.
 */
static int
abs_path(const char *path, char *out)
{
	size_t len, clen;

	if (path == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	len = strnlen(path, FB_PATH_MAX);
	if (path[0] == '/') {
		if (len >= FB_PATH_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out, path, len + 1);
		return 0;
	}
	if (getcwd(out, FB_PATH_MAX) == NULL) {
		if (errno == ERANGE)
			errno = ENAMETOOLONG;
		return -1;
	}
	/* Linux reports a directory outside the process's root as
	 * "(unreachable)/..."; older glibc passed that on. */
	if (out[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	clen = strlen(out);
	if (clen > 1)
		out[clen++] = '/'; /* getcwd left room: clen < FB_PATH_MAX */
	if (clen + len >= FB_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out + clen, path, len + 1);
	return 0;
}

/*
 * A request and its reply.  They live on the caller's stack (about 12 KiB,
 * plus 16 KiB of message buffers in channel.c) rather than on the heap: no
 * call that talks to the broker allocates memory, so a child forked from a
 * multithreaded process can use them before exec, when malloc may be
 * unusable.
 */
struct call {
	struct fb_request req;
	struct fb_reply rep;
};

static int
call_init(struct call *c, unsigned type, const char *path, const char *path2)
{
	c->req.type = (uint16_t)type;
	c->req.id = 0;
	c->req.flags = 0;
	c->req.mode = 0;
	c->req.path2[0] = '\0';
	if (abs_path(path, c->req.path) == -1)
		return -1;
	if (path2 != NULL && abs_path(path2, c->req.path2) == -1)
		return -1;
	return 0;
}

/* The whole exchange for calls that return only success or an errno. */
static int
simple_call(unsigned type, const char *path, const char *path2, uint32_t mode)
{
	struct call c;

	if (call_init(&c, type, path, path2) == -1)
		return -1;
	c.req.mode = mode;
	return channel_call(&c.req, &c.rep, NULL);
}

int
fb_connect(const char *socket_path)
{
	return channel_connect(socket_path);
}

void
fb_disconnect(void)
{
	channel_disconnect();
}

int
fb_open(const char *path, int flags, ...)
{
	struct call c;
	mode_t mode = 0;
	va_list ap;
	int fd = -1, saved;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	/* O_TMPFILE would need the broker to keep an unnamed file the policy
	 * has no name for; refused as the kernel refuses unknown flags. */
	if ((flags & O_TMPFILE) & ~O_DIRECTORY) {
		errno = EINVAL;
		return -1;
	}
	if (call_init(&c, FB_MSG_OPEN, path, NULL) == -1)
		return -1;
	c.req.flags = (uint32_t)flags;
	c.req.mode = (uint32_t)(mode & 07777);
	if (channel_call(&c.req, &c.rep, &fd) == -1)
		return -1;
	/* Received with MSG_CMSG_CLOEXEC, so the descriptor was never without
	 * FD_CLOEXEC when the caller asked for it; clear it otherwise. */
	if (!(flags & O_CLOEXEC) && fcntl(fd, F_SETFD, 0) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * The modes glibc's fopen() understands, minus its extensions that make no
 * sense here (",ccs=", 'm', 'c'): an unknown character is EINVAL rather than
 * silently ignored, so a typo cannot weaken what the caller meant.
 */
static int
fopen_flags(const char *mode, int *flags, const char **fdmode)
{
	int plus = 0, f;
	const char *m;

	if (mode == NULL) {
		errno = EFAULT;
		return -1;
	}
	switch (mode[0]) {
	case 'r':
		f = O_RDONLY;
		break;
	case 'w':
		f = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		f = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	for (m = mode + 1; *m != '\0'; m++) {
		switch (*m) {
		case '+':
			plus = 1;
			break;
		case 'b':
			break;
		case 'e':
			f |= O_CLOEXEC;
			break;
		case 'x':
			f |= O_EXCL;
			break;
		default:
			errno = EINVAL;
			return -1;
		}
	}
	if (plus)
		f = (f & ~O_ACCMODE) | O_RDWR;
	*flags = f;
	switch (mode[0]) {
	case 'r':
		*fdmode = plus ? "r+" : "r";
		break;
	case 'w':
		*fdmode = plus ? "w+" : "w";
		break;
	default:
		*fdmode = plus ? "a+" : "a";
		break;
	}
	return 0;
}

FILE *
fb_fopen(const char *path, const char *mode)
{
	const char *fdmode;
	FILE *f;
	int flags, fd, saved;

	if (fopen_flags(mode, &flags, &fdmode) == -1)
		return NULL;
	if ((fd = fb_open(path, flags, 0666)) == -1)
		return NULL;
	if ((f = fdopen(fd, fdmode)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	return f;
}

DIR *
fb_opendir(const char *path)
{
	DIR *d;
	int fd, saved;

	if ((fd = fb_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	return d;
}

static int
stat_call(unsigned type, const char *path, struct stat *st)
{
	struct call c;

	if (st == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (call_init(&c, type, path, NULL) == -1)
		return -1;
	if (channel_call(&c.req, &c.rep, NULL) == -1)
		return -1;
	proto_stat_from_wire(st, &c.rep.st);
	return 0;
}

int
fb_stat(const char *path, struct stat *st)
{
	return stat_call(FB_MSG_STAT, path, st);
}

int
fb_lstat(const char *path, struct stat *st)
{
	return stat_call(FB_MSG_LSTAT, path, st);
}

int
fb_access(const char *path, int mode)
{
	if (mode & ~(R_OK | W_OK | X_OK)) {
		errno = EINVAL;
		return -1;
	}
	return simple_call(FB_MSG_ACCESS, path, NULL, (uint32_t)mode);
}

ssize_t
fb_readlink(const char *path, char *buf, size_t size)
{
	struct call c;
	size_t len;

	if (buf == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (size == 0 || size > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (call_init(&c, FB_MSG_READLINK, path, NULL) == -1)
		return -1;
	if (channel_call(&c.req, &c.rep, NULL) == -1)
		return -1;
	len = strlen(c.rep.target);
	if (len > size)
		len = size;
	memcpy(buf, c.rep.target, len);
	return (ssize_t)len;
}

int
fb_mkdir(const char *path, mode_t mode)
{
	return simple_call(FB_MSG_MKDIR, path, NULL, (uint32_t)(mode & 07777));
}

int
fb_unlink(const char *path)
{
	return simple_call(FB_MSG_UNLINK, path, NULL, 0);
}

int
fb_rmdir(const char *path)
{
	return simple_call(FB_MSG_RMDIR, path, NULL, 0);
}

int
fb_rename(const char *from, const char *to)
{
	if (to == NULL) {
		errno = EFAULT;
		return -1;
	}
	return simple_call(FB_MSG_RENAME, from, to, 0);
}

int
fb_close(int fd)
{
	return channel_close_user_fd(fd);
}
