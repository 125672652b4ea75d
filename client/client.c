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
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "channel.h"
#include "filebroker.h"
#include "proto.h"

/*
 * The current folder, for relative paths: ENAMETOOLONG when it does not fit
 * in FB_PATH_MAX.  Linux reports a folder outside the process's root as
 * "(unreachable)/..."; older glibc passed that on.
 */
static int
get_cwd(char *out, size_t *lenp)
{
	if (getcwd(out, FB_PATH_MAX) == NULL) {
		if (errno == ERANGE)
			errno = ENAMETOOLONG;
		return -1;
	}
	if (out[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	*lenp = strlen(out);
	return 0;
}

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
	if (get_cwd(out, &clen) == -1)
		return -1;
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
	c->req.at = 0;
	c->req.flags = 0;
	c->req.mode = 0;
	c->req.length = 0;
	c->req.path2[0] = '\0';
	if (abs_path(path, c->req.path) == -1)
		return -1;
	if (path2 != NULL && abs_path(path2, c->req.path2) == -1)
		return -1;
	return 0;
}

/*
 * A request naming path relative to dirfd, the *at() calls' way: an
 * absolute path, or AT_FDCWD, is call_init()'s (dirfd unused, *sendfd -1);
 * otherwise the request is FB_MSG_AT, carrying path as given and dirfd,
 * whose name the broker takes from the kernel (docs/protocol.md), and
 * *sendfd is dirfd.  dirfd is checked as openat(2) would: EBADF when not
 * open, ENOTDIR when not a folder.
 */
static int
call_init_at(struct call *c, unsigned type, int dirfd, const char *path, int *sendfd)
{
	struct stat st;
	size_t len;

	*sendfd = -1;
	if (path == NULL || path[0] == '/' || dirfd == AT_FDCWD)
		return call_init(c, type, path, NULL);
	if (path[0] == '\0') {
		errno = ENOENT; /* AT_EMPTY_PATH is not supported */
		return -1;
	}
	if (dirfd < 0 || fstat(dirfd, &st) == -1) {
		errno = EBADF;
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if ((len = strnlen(path, FB_PATH_MAX)) >= FB_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (call_init(c, type, "/", NULL) == -1)
		return -1;
	memcpy(c->req.path, path, len + 1);
	c->req.at = 1;
	*sendfd = dirfd;
	return 0;
}

/* The exchange for a request call_init_at() made. */
static int
call_at(fb_conn *conn, struct call *c, int sendfd, int *fdp)
{
	if (sendfd >= 0)
		return channel_call_fd(conn, &c->req, sendfd, &c->rep, fdp);
	return channel_call(conn, &c->req, &c->rep, fdp);
}

/*
 * Every call has two names: fb_X() on the default connection and
 * fb_conn_X() on a handle; fb_X() is fb_conn_X(channel_default(), ...).
 * Each call that asks the broker begins here, before it checks anything
 * else.  A NULL handle is EINVAL, never the default connection: a caller
 * that did not check fb_conn_new() must not end up talking to another
 * broker.  The thread's last rule is forgotten: whatever the call's
 * outcome, fb_last_rule() is about it, not about an earlier call.
 */
static int
call_begin(const struct fb_conn *conn)
{
	channel_rule_forget();
	if (conn == NULL) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

/* The whole exchange for calls that return only success or an errno. */
static int
simple_call(fb_conn *conn, unsigned type, const char *path, const char *path2, uint32_t mode)
{
	struct call c;

	if (!call_begin(conn) || call_init(&c, type, path, path2) == -1)
		return -1;
	c.req.mode = mode;
	return channel_call(conn, &c.req, &c.rep, NULL);
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

const char *
fb_version(void)
{
	return FB_VERSION;
}

const char *
fb_last_rule(void)
{
	return channel_last_rule();
}

fb_conn *
fb_conn_new(const char *socket_path)
{
	return channel_conn_new(socket_path);
}

fb_conn *
fb_conn_from_fd(int fd)
{
	return channel_conn_from_fd(fd);
}

void
fb_conn_free(fb_conn *conn)
{
	channel_conn_free(conn);
}

/* The mode argument of fb_open() and fb_conn_open(), whose last named
 * argument is flags: read only with O_CREAT, as open(2) does (reading a
 * variadic argument that was not passed is undefined). */
#define OPEN_MODE(mode) \
	do { \
		va_list ap_; \
\
		(mode) = 0; \
		if (flags & O_CREAT) { \
			va_start(ap_, flags); \
			(mode) = va_arg(ap_, mode_t); \
			va_end(ap_); \
		} \
	} while (0)

int
fb_open(const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(mode);
	return fb_conn_open(channel_default(), path, flags, mode);
}

static int open_call(fb_conn *conn, int dirfd, const char *path, int flags, mode_t mode);

int
fb_conn_open(fb_conn *conn, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(mode);
	return open_call(conn, AT_FDCWD, path, flags, mode);
}

int
fb_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(mode);
	return open_call(channel_default(), dirfd, path, flags, mode);
}

int
fb_conn_openat(fb_conn *conn, int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(mode);
	return open_call(conn, dirfd, path, flags, mode);
}

static int
open_call(fb_conn *conn, int dirfd, const char *path, int flags, mode_t mode)
{
	struct call c;
	int fd = -1, saved, sendfd;

	if (!call_begin(conn))
		return -1;
	/* O_TMPFILE would need the broker to keep an unnamed file the policy
	 * has no name for; refused as the kernel refuses unknown flags. */
	if ((flags & O_TMPFILE) & ~O_DIRECTORY) {
		errno = EINVAL;
		return -1;
	}
	if (call_init_at(&c, FB_MSG_OPEN, dirfd, path, &sendfd) == -1)
		return -1;
	c.req.flags = (uint32_t)flags;
	c.req.mode = (uint32_t)(mode & 07777);
	if (call_at(conn, &c, sendfd, &fd) == -1)
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
 * fb_openv() state: the request being filled, which caller entry each of
 * its entries is, and the current folder, looked up once per call and only
 * if some path is relative.  About 38 KiB, on the caller's stack like every
 * other call's (no allocation on the way to the broker).
 */
struct openv_call {
	struct fb_openv_request rq;
	size_t idx[FB_OPENV_MAX];
	size_t used;   /* bytes of rq.names in use */
	size_t msglen; /* the encoded size of rq so far */
	int cwd_state; /* 0 not looked up, 1 cwd holds it, -1 cwd_errno says why not */
	int cwd_errno;
	size_t clen;
	char cwd[FB_PATH_MAX];
};

/* Length of e->path made absolute, or -1 with the errno fb_open() would
 * report before asking the broker. */
static ssize_t
openv_path_len(struct openv_call *oc, const struct fb_openv_entry *e)
{
	size_t len;

	if (e->path == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (e->path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if ((e->flags & O_TMPFILE) & ~O_DIRECTORY) {
		errno = EINVAL; /* as fb_open() */
		return -1;
	}
	len = strnlen(e->path, FB_PATH_MAX);
	if (e->path[0] != '/') {
		if (oc->cwd_state == 0) {
			oc->cwd_state = get_cwd(oc->cwd, &oc->clen) == 0 ? 1 : -1;
			oc->cwd_errno = errno;
		}
		if (oc->cwd_state == -1) {
			errno = oc->cwd_errno;
			return -1;
		}
		len += oc->clen + (oc->clen > 1);
	}
	if (len >= FB_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return (ssize_t)len;
}

/* Send the request in oc and hand its results to the caller's entries.
 * -1 with errno: the exchange failed, nothing was handed out. */
static int
openv_flush(fb_conn *conn, struct openv_call *oc, struct fb_openv_entry *v, int *opened)
{
	struct fb_reply rep;
	int fds[FB_OPENV_MAX];
	uint32_t k, next = 0;
	struct fb_openv_entry *e;

	if (oc->rq.count == 0)
		return 0;
	if (channel_openv(conn, &oc->rq, &rep, fds) == -1)
		return -1;
	/* channel_openv() checked that the descriptors are exactly one per
	 * result of 0, in entry order. */
	for (k = 0; k < oc->rq.count; k++) {
		e = &v[oc->idx[k]];
		if (rep.result[k] != 0) {
			e->error = (int)rep.result[k];
			continue;
		}
		e->fd = fds[next++];
		/* As fb_open(): close-on-exec only when asked for. */
		if (!(e->flags & O_CLOEXEC) && fcntl(e->fd, F_SETFD, 0) == -1) {
			e->error = errno;
			close(e->fd);
			e->fd = -1;
			continue;
		}
		(*opened)++;
	}
	oc->rq.count = 0;
	oc->used = 0;
	oc->msglen = FB_OPENV_HDR_SIZE;
	return 0;
}

static int openv_calls(fb_conn *conn, struct fb_openv_entry *v, size_t n);

int
fb_openv(struct fb_openv_entry *v, size_t n)
{
	return fb_conn_openv(channel_default(), v, n);
}

int
fb_conn_openv(fb_conn *conn, struct fb_openv_entry *v, size_t n)
{
	int r, cancel, saved;

	if (!call_begin(conn))
		return -1;
	if (v == NULL && n > 0) {
		errno = EFAULT;
		return -1;
	}
	if (n > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* Cancelled between two requests, a thread would leave descriptors
	 * in v that nobody closes: the call finishes first, as the others
	 * do (channel.c). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	r = openv_calls(conn, v, n);
	saved = errno;
	pthread_setcancelstate(cancel, NULL);
	errno = saved;
	return r;
}

static int
openv_calls(fb_conn *conn, struct fb_openv_entry *v, size_t n)
{
	struct openv_call oc;
	struct fb_openv_entry *e;
	struct fb_wire_open *w;
	ssize_t plen;
	size_t i, rel, k;
	int opened = 0, saved;
	char *p;

	for (i = 0; i < n; i++) {
		v[i].fd = -1;
		v[i].error = 0;
	}
	oc.rq.count = 0;
	oc.used = 0;
	oc.msglen = FB_OPENV_HDR_SIZE;
	oc.cwd_state = 0;
	for (i = 0; i < n; i++) {
		e = &v[i];
		if ((plen = openv_path_len(&oc, e)) == -1) {
			e->error = errno;
			continue;
		}
		/* A full request goes first.  names always has room: each path
		 * takes plen + 1 bytes there and more in the message, which
		 * stays within FB_MSG_MAX == sizeof(names). */
		if (oc.rq.count == FB_OPENV_MAX ||
		    oc.msglen + FB_OPENV_ENTRY_SIZE(plen) > FB_MSG_MAX) {
			if (openv_flush(conn, &oc, v, &opened) == -1)
				goto fail;
		}
		p = oc.rq.names + oc.used;
		if (e->path[0] == '/')
			memcpy(p, e->path, (size_t)plen);
		else {
			k = oc.clen;
			memcpy(p, oc.cwd, k);
			if (k > 1)
				p[k++] = '/';
			rel = (size_t)plen - k;
			memcpy(p + k, e->path, rel);
		}
		p[plen] = '\0';
		w = &oc.rq.ent[oc.rq.count];
		w->path = p;
		w->flags = (uint32_t)e->flags;
		w->mode = (e->flags & O_CREAT) ? (uint32_t)(e->mode & 07777) : 0;
		oc.idx[oc.rq.count++] = i;
		oc.used += (size_t)plen + 1;
		oc.msglen += FB_OPENV_ENTRY_SIZE(plen);
	}
	if (openv_flush(conn, &oc, v, &opened) == -1)
		goto fail;
	return opened;

fail:
	/* All or nothing: what earlier requests of this call opened is
	 * closed, so that -1 never leaves the caller holding descriptors;
	 * nor a rule for an entry whose outcome is now this errno. */
	saved = errno;
	channel_rule_forget();
	for (i = 0; i < n; i++) {
		if (v[i].fd >= 0)
			close(v[i].fd);
		v[i].fd = -1;
		v[i].error = saved;
	}
	errno = saved;
	return -1;
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
	return fb_conn_fopen(channel_default(), path, mode);
}

FILE *
fb_conn_fopen(fb_conn *conn, const char *path, const char *mode)
{
	const char *fdmode;
	FILE *f;
	int flags, fd, saved;

	if (!call_begin(conn) || fopen_flags(mode, &flags, &fdmode) == -1)
		return NULL;
	if ((fd = fb_conn_open(conn, path, flags, 0666)) == -1)
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
	return fb_conn_opendir(channel_default(), path);
}

DIR *
fb_conn_opendir(fb_conn *conn, const char *path)
{
	DIR *d;
	int fd, saved;

	if ((fd = fb_conn_open(conn, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
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
stat_call(fb_conn *conn, unsigned type, int dirfd, const char *path, struct stat *st)
{
	struct call c;
	int sendfd;

	if (!call_begin(conn))
		return -1;
	if (st == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (call_init_at(&c, type, dirfd, path, &sendfd) == -1)
		return -1;
	if (call_at(conn, &c, sendfd, NULL) == -1)
		return -1;
	proto_stat_from_wire(st, &c.rep.st);
	return 0;
}

int
fb_stat(const char *path, struct stat *st)
{
	return stat_call(channel_default(), FB_MSG_STAT, AT_FDCWD, path, st);
}

int
fb_conn_stat(fb_conn *conn, const char *path, struct stat *st)
{
	return stat_call(conn, FB_MSG_STAT, AT_FDCWD, path, st);
}

int
fb_lstat(const char *path, struct stat *st)
{
	return stat_call(channel_default(), FB_MSG_LSTAT, AT_FDCWD, path, st);
}

int
fb_conn_lstat(fb_conn *conn, const char *path, struct stat *st)
{
	return stat_call(conn, FB_MSG_LSTAT, AT_FDCWD, path, st);
}

int
fb_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return fb_conn_fstatat(channel_default(), dirfd, path, st, flags);
}

int
fb_conn_fstatat(fb_conn *conn, int dirfd, const char *path, struct stat *st, int flags)
{
	if (!call_begin(conn))
		return -1;
	if (flags & ~AT_SYMLINK_NOFOLLOW) {
		errno = EINVAL;
		return -1;
	}
	return stat_call(conn, (flags & AT_SYMLINK_NOFOLLOW) ? FB_MSG_LSTAT : FB_MSG_STAT, dirfd,
	    path, st);
}

int
fb_access(const char *path, int mode)
{
	return fb_conn_access(channel_default(), path, mode);
}

int
fb_conn_access(fb_conn *conn, const char *path, int mode)
{
	if (!call_begin(conn))
		return -1;
	if (mode & ~(R_OK | W_OK | X_OK)) {
		errno = EINVAL;
		return -1;
	}
	return simple_call(conn, FB_MSG_ACCESS, path, NULL, (uint32_t)mode);
}

ssize_t
fb_readlink(const char *path, char *buf, size_t size)
{
	return fb_conn_readlink(channel_default(), path, buf, size);
}

ssize_t
fb_conn_readlink(fb_conn *conn, const char *path, char *buf, size_t size)
{
	struct call c;
	size_t len;

	if (!call_begin(conn))
		return -1;
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
	if (channel_call(conn, &c.req, &c.rep, NULL) == -1)
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
	return fb_conn_mkdir(channel_default(), path, mode);
}

int
fb_conn_mkdir(fb_conn *conn, const char *path, mode_t mode)
{
	return simple_call(conn, FB_MSG_MKDIR, path, NULL, (uint32_t)(mode & 07777));
}

int
fb_unlink(const char *path)
{
	return fb_conn_unlink(channel_default(), path);
}

int
fb_conn_unlink(fb_conn *conn, const char *path)
{
	return simple_call(conn, FB_MSG_UNLINK, path, NULL, 0);
}

int
fb_rmdir(const char *path)
{
	return fb_conn_rmdir(channel_default(), path);
}

int
fb_conn_rmdir(fb_conn *conn, const char *path)
{
	return simple_call(conn, FB_MSG_RMDIR, path, NULL, 0);
}

int
fb_rename(const char *from, const char *to)
{
	return fb_conn_rename(channel_default(), from, to);
}

int
fb_conn_rename(fb_conn *conn, const char *from, const char *to)
{
	if (!call_begin(conn))
		return -1;
	if (to == NULL) {
		errno = EFAULT;
		return -1;
	}
	return simple_call(conn, FB_MSG_RENAME, from, to, 0);
}

int
fb_chmod(const char *path, mode_t mode)
{
	return fb_conn_chmod(channel_default(), path, mode);
}

int
fb_conn_chmod(fb_conn *conn, const char *path, mode_t mode)
{
	return simple_call(conn, FB_MSG_CHMOD, path, NULL, (uint32_t)(mode & 07777));
}

int
fb_truncate(const char *path, off_t length)
{
	return fb_conn_truncate(channel_default(), path, length);
}

int
fb_conn_truncate(fb_conn *conn, const char *path, off_t length)
{
	struct call c;

	if (!call_begin(conn))
		return -1;
	if (length < 0) {
		errno = EINVAL;
		return -1;
	}
	if (call_init(&c, FB_MSG_TRUNCATE, path, NULL) == -1)
		return -1;
	c.req.length = (int64_t)length;
	return channel_call(conn, &c.req, &c.rep, NULL);
}

int
fb_symlink(const char *target, const char *linkpath)
{
	return fb_conn_symlink(channel_default(), target, linkpath);
}

int
fb_conn_symlink(fb_conn *conn, const char *target, const char *linkpath)
{
	struct call c;
	size_t len;

	if (!call_begin(conn))
		return -1;
	if (target == NULL) {
		errno = EFAULT;
		return -1;
	}
	/* The target is the link's contents, stored as given: never made
	 * absolute (a relative link is relative to its own folder). */
	if (target[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if ((len = strnlen(target, FB_PATH_MAX)) >= FB_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (call_init(&c, FB_MSG_SYMLINK, linkpath, NULL) == -1)
		return -1;
	memcpy(c.req.path2, target, len + 1);
	return channel_call(conn, &c.req, &c.rep, NULL);
}

char *
fb_realpath(const char *path, char *resolved)
{
	return fb_conn_realpath(channel_default(), path, resolved);
}

char *
fb_conn_realpath(fb_conn *conn, const char *path, char *resolved)
{
	struct call c;
	size_t len;
	char *out;

	if (!call_begin(conn) || call_init(&c, FB_MSG_REALPATH, path, NULL) == -1)
		return NULL;
	if (channel_call(conn, &c.req, &c.rep, NULL) == -1)
		return NULL;
	/* The decoder checked the target: NUL-terminated, shorter than
	 * FB_PATH_MAX == PATH_MAX, the size realpath(3) says resolved has. */
	len = strlen(c.rep.target);
	if ((out = resolved) == NULL && (out = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(out, c.rep.target, len + 1);
	return out;
}

int
fb_close(int fd)
{
	return channel_close_user_fd(fd);
}

int
fb_send_listener(int listener_fd)
{
	return fb_conn_send_listener(channel_default(), listener_fd);
}

int
fb_conn_send_listener(fb_conn *conn, int listener_fd)
{
	struct fb_request req;
	struct fb_reply rep;

	if (!call_begin(conn))
		return -1;
	if (listener_fd < 0) {
		errno = EBADF;
		return -1;
	}
	/* LISTENER carries no strings; only the scalars need clearing. */
	req.type = FB_MSG_LISTENER;
	req.id = 0;
	req.at = 0;
	req.flags = 0;
	req.mode = 0;
	req.length = 0;
	req.path[0] = req.path2[0] = '\0';
	return channel_call_fd(conn, &req, listener_fd, &rep, NULL);
}
