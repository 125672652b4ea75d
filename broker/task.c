/*
 * task.c: who made a notified system call, and where from (task.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ops.h"
#include "path.h"
#include "resolve.h"
#include "task.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

void
task_cache_init(struct task_cache *c)
{
	size_t i;

	c->lookups = 0;
	for (i = 0; i < TASK_SLOTS; i++) {
		c->slot[i].tid = 0;
		c->slot[i].pidfd = -1;
	}
}

/* PIDFD_GET_INFO (Linux 6.13), missing from Debian 12's headers. */
struct fb_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid;
	uint32_t tgid;
	uint32_t ppid;
	uint32_t ids[8];
	int32_t exit_code;
};
#define FB_PIDFD_GET_INFO _IOWR(0xFF, 11, struct fb_pidfd_info)
#define FB_PIDFD_INFO_PID 1ULL

/* The tgid of the thread pidfd's thread: 0, or -1 with errno. */
static int
pidfd_tgid(int pidfd, pid_t tid, pid_t *tgid)
{
	struct fb_pidfd_info info;

	memset(&info, 0, sizeof(info));
	info.mask = FB_PIDFD_INFO_PID;
	if (ioctl(pidfd, FB_PIDFD_GET_INFO, &info) == -1)
		return -1;
	if (!(info.mask & FB_PIDFD_INFO_PID) || info.tgid == 0 || (pid_t)info.pid != tid) {
		errno = ESRCH;
		return -1;
	}
	*tgid = (pid_t)info.tgid;
	return 0;
}

static void
tgid_evict(struct tgid_slot *e)
{
	if (e->pidfd == -1)
		return;
	close(e->pidfd);
	e->pidfd = -1;
	e->tid = 0;
}

/* Let go of the entries of threads that have exited: a thread pidfd is
 * readable once its thread is gone. */
static void
tgid_sweep(struct task_cache *c)
{
	struct pollfd p[TASK_SLOTS];
	size_t i, n = 0, at[TASK_SLOTS];

	c->lookups = 0;
	for (i = 0; i < TASK_SLOTS; i++) {
		if (c->slot[i].pidfd == -1)
			continue;
		p[n].fd = c->slot[i].pidfd;
		p[n].events = POLLIN;
		p[n].revents = 0;
		at[n++] = i;
	}
	if (n == 0 || poll(p, (nfds_t)n, 0) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (p[i].revents != 0)
			tgid_evict(&c->slot[at[i]]);
}

/* The tgid from /proc/TID/status, which costs the kernel a whole formatted
 * file: for kernels before PIDFD_GET_INFO (Linux 6.13). */
static pid_t
tgid_from_proc(pid_t tid)
{
	char path[64], buf[1024], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	if ((p = strstr(buf, "\nTgid:")) == NULL)
		return -1;
	return (pid_t)strtol(p + 6, NULL, 10);
}

/* The thread group of a thread, for /proc/self and the records: one ioctl
 * on a cached thread pidfd, else pidfd_open and the ioctl. */
pid_t
task_tgid(struct task_cache *c, pid_t tid)
{
	struct tgid_slot *e = &c->slot[(unsigned)tid % TASK_SLOTS];
	static int no_info;
	pid_t tgid;
	int fd;

	if (no_info)
		return tgid_from_proc(tid);
	if (++c->lookups >= TASK_SWEEP)
		tgid_sweep(c);
	if (e->pidfd != -1 && e->tid == tid) {
		if (pidfd_tgid(e->pidfd, tid, &tgid) == 0)
			return tgid;
		tgid_evict(e);
	} else
		tgid_sweep(c); /* a thread not seen: room for it */
	if ((fd = pidfd_open(tid, PIDFD_THREAD)) == -1)
		return tgid_from_proc(tid);
	if (pidfd_tgid(fd, tid, &tgid) == -1) {
		if (errno == ENOTTY || errno == EINVAL)
			no_info = 1;
		close(fd);
		return tgid_from_proc(tid);
	}
	tgid_evict(e);
	e->tid = tid;
	e->tgid = tgid;
	e->pidfd = fd;
	return tgid;
}

/* "/proc/TID/cwd" (fd AT_FDCWD) or "/proc/TID/fd/N" into link (64 bytes),
 * without printf: this is on the way of every relative path. */
static void
proc_link(char link[64], pid_t tid, int fd)
{
	size_t n = sizeof("/proc/") - 1;
	int k;

	memcpy(link, "/proc/", n);
	k = path_udec(link + n, 64 - n, (unsigned long)tid);
	n += (size_t)k;
	if (fd == AT_FDCWD) {
		memcpy(link + n, "/cwd", sizeof("/cwd"));
		return;
	}
	memcpy(link + n, "/fd/", 4);
	n += 4;
	path_udec(link + n, 64 - n, (unsigned long)fd);
}

/*
 * The absolute path for a path argument relative to dirfd, as the worker
 * thread tid would see it: the thread's cwd for AT_FDCWD, else the folder
 * the worker's own descriptor refers to.  The folder's path is read from
 * the kernel, never taken from the worker; the broker then resolves and
 * decides the joined path like any other.
 */
int
task_path(pid_t tid, int dirfd, const char *rel, char *out, size_t size)
{
	char link[64], base[PATH_MAX];
	ssize_t len;

	if (rel[0] == '/') {
		if (strlen(rel) >= size)
			return -ENAMETOOLONG;
		strcpy(out, rel);
		return 0;
	}
	/* /proc/TID/cwd and /proc/TID/fd/N name what the thread holds; the
	 * caller checks ID_VALID afterwards, so TID was the live caller.
	 * Whether N is a folder needs no stat() (one more walk of /proc per
	 * call) when rel starts with a name: a file's path joined with it
	 * fails with ENOTDIR in the broker's own walk, and a pipe's, socket's
	 * or anonymous inode's "path" does not start with '/'.  A leading "."
	 * would vanish when the joined path is cleaned, so then it is asked. */
	if (dirfd != AT_FDCWD && dirfd < 0)
		return -EBADF;
	proc_link(link, tid, dirfd);
	if (dirfd != AT_FDCWD && rel[0] == '.' &&
	    (rel[1] == '\0' || rel[1] == '/' || rel[1] == '.')) {
		struct stat st;

		if (stat(link, &st) == -1)
			return errno == ENOENT ? -EBADF : -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	if ((len = readlink(link, base, sizeof(base) - 1)) < 0)
		return errno == ENOENT && dirfd != AT_FDCWD ? -EBADF : -errno;
	base[len] = '\0';
	if (base[0] != '/')
		return dirfd == AT_FDCWD ? -ENOENT : -ENOTDIR;
	/* A folder removed since, or one outside our view of the tree. */
	if (len > 10 && strcmp(base + len - 10, " (deleted)") == 0)
		return -ENOENT;
	if (len == 1)
		len = 0; /* "/" */
	if ((size_t)len + 1 + strlen(rel) + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, base, (size_t)len);
	out[len] = '/';
	strcpy(out + len + 1, rel);
	return 0;
}

/* The path a /proc/.../fd/N link names: 0; 1 when it names no path (a
 * pipe, socket or anonymous inode, an object removed since, or one
 * outside the broker's view); or a negative errno. */
static int
link_path(const char *link, char *out, size_t size)
{
	ssize_t len;

	if ((len = readlink(link, out, size)) < 0)
		return -errno;
	if ((size_t)len >= size)
		return -ENAMETOOLONG;
	out[len] = '\0';
	if (out[0] != '/' || (len > 10 && strcmp(out + len - 10, " (deleted)") == 0))
		return 1;
	return 0;
}

/* What /proc/self/fd says the broker's descriptor fd is: 0 (a path, or
 * "anon_inode:inotify" and kin), 1 (no path: see link_path()), or a
 * negative errno. */
static int
fd_path_raw(int fd, char *out, size_t size)
{
	char link[64];

	memcpy(link, "/proc/self/fd/", sizeof("/proc/self/fd/"));
	path_udec(link + sizeof("/proc/self/fd/") - 1, sizeof(link) - sizeof("/proc/self/fd/"),
	    (unsigned long)fd);
	return link_path(link, out, size);
}

/* The broker's path for its own descriptor fd: 0, or a negative errno
 * (-ENOENT for an object removed since, or outside the broker's view). */
static int
fd_path(int fd, char *out, size_t size)
{
	int r = fd_path_raw(fd, out, size);

	return r == 1 ? -ENOENT : r;
}

/*
 * openat2(2)'s RESOLVE_* restrictions are the worker's own, on itself; the
 * kernel checks them, from the very folder the thread holds: the broker
 * opens /proc/TID/cwd or /proc/TID/fd/N (followed, as the kernel follows
 * the worker's descriptor), looks rel up from there with O_PATH, the
 * worker's restrictions and always RESOLVE_NO_MAGICLINKS, and puts the
 * canonical path of what it found into out.  The caller then resolves and
 * decides that path like any other, so what the worker gets is still the
 * policy's; between the two lookups a rename can only make the worker's
 * restriction, not the policy, miss.  A missing name with O_CREAT: its
 * folder is looked up and the name joined.
 *
 * 0, or a negative errno for the worker (EXDEV, ELOOP, ENOENT, ...); out
 * then holds the path for the caller's visibility check: joined (rel as
 * task_path() joined it) or, for RESOLVE_IN_ROOT with an absolute rel, rel
 * under the folder.
 */
int
task_resolve(pid_t tid, int dirfd, const char *rel, int flags, uint64_t resolve,
    const char *joined, char *out, size_t size)
{
	const uint64_t kernel = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
	    RESOLVE_BENEATH | RESOLVE_IN_ROOT;
	uint64_t of = O_PATH | O_CLOEXEC;
	char link[64], dir[PATH_MAX], base[PATH_MAX];
	const char *name, *slash;
	int bfd, fd, r;
	size_t n;

	if (path_copy(out, size, joined) < 0)
		return -ENAMETOOLONG;
	if (dirfd != AT_FDCWD && dirfd < 0)
		return -EBADF;
	proc_link(link, tid, dirfd);
	if ((bfd = open(link, O_PATH | O_CLOEXEC)) == -1)
		return errno == ENOENT ? -EBADF : -errno;
	resolve = (resolve & kernel) | RESOLVE_NO_MAGICLINKS;
	/* O_CREAT|O_EXCL never follows a final symlink: neither does open(2). */
	if ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		of |= O_NOFOLLOW;
	if (flags & O_DIRECTORY)
		of |= O_DIRECTORY;
	fd = fs_openat2(bfd, rel, of, resolve);
	if (fd != -1) {
		r = fd_path(fd, base, sizeof(base));
		close(fd);
		close(bfd);
		if (r == 0 && path_copy(out, size, base) < 0)
			r = -ENAMETOOLONG;
		if (r < 0)
			path_copy(out, size, joined);
		return r;
	}
	r = -errno;
	if (r == -ENOENT && (flags & O_CREAT)) {
		/* The folder, then the name: "a/b/n" -> "a/b" + "n". */
		if ((slash = strrchr(rel, '/')) == NULL) {
			strcpy(dir, ".");
			name = rel;
		} else {
			n = slash == rel ? 1 : (size_t)(slash - rel);
			memcpy(dir, rel, n);
			dir[n] = '\0';
			name = slash + 1;
		}
		if (!path_component_ok(name, strlen(name))) {
			close(bfd);
			return -ENOENT;
		}
		fd = fs_openat2(bfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, resolve);
		if (fd == -1)
			r = -errno;
		else {
			r = fd_path(fd, base, sizeof(base));
			close(fd);
			n = r == 0 && strcmp(base, "/") != 0 ? strlen(base) : 0;
			if (r == 0 && n + 1 + strlen(name) + 1 > size)
				r = -ENAMETOOLONG;
			if (r == 0) {
				memcpy(out, base, n);
				out[n] = '/';
				strcpy(out + n + 1, name);
				close(bfd);
				return 0;
			}
		}
	}
	/* For the visibility check: where the worker meant, as far as a
	 * lexical join can tell. */
	if ((resolve & RESOLVE_IN_ROOT) && rel[0] == '/' && fd_path(bfd, base, sizeof(base)) == 0) {
		n = strcmp(base, "/") == 0 ? 0 : strlen(base);
		if (n + strlen(rel) + 1 <= size) {
			memcpy(out, base, n);
			strcpy(out + n, rel);
		}
	}
	close(bfd);
	return r;
}

/* Stat of a descriptor the worker already holds: nothing to decide.
 * /proc/TID/fd/N is followed by the kernel to the very file the thread
 * holds; the caller checks ID_VALID afterwards, so the TID was the live
 * caller's. */
int
task_fstat(pid_t tid, int fd, struct stat *st)
{
	char link[64];

	if (fd != AT_FDCWD && fd < 0)
		return -EBADF;
	proc_link(link, tid, fd);
	if (stat(link, st) == -1)
		return errno == ENOENT ? -EBADF : -errno;
	return 0;
}

int
task_getfd(pid_t tid, int fd, const char *kind)
{
	char target[64];
	int pidfd, copy, r;

	if (fd < 0)
		return -EBADF;
	if ((pidfd = pidfd_open(tid, PIDFD_THREAD)) == -1)
		return -errno;
	copy = pidfd_getfd(pidfd, fd, 0);
	r = copy == -1 ? -errno : 0;
	close(pidfd);
	if (r < 0)
		return r;
	if (kind != NULL && (fd_path_raw(copy, target, sizeof(target)) < 0 ||
				strcmp(target, kind) != 0)) {
		close(copy);
		return -EINVAL;
	}
	return copy;
}

int
task_fdname(pid_t tid, int fd, struct stat *st, char *out, size_t size)
{
	char link[64];
	int r;

	if (fd < 0)
		return -EBADF;
	if ((r = task_fstat(tid, fd, st)) < 0)
		return r;
	proc_link(link, tid, fd);
	r = link_path(link, out, size);
	return r == 1 ? -EPERM : r == -ENOENT ? -EBADF : r;
}

void
task_cache_clear(struct task_cache *c)
{
	size_t i;

	for (i = 0; i < TASK_SLOTS; i++)
		tgid_evict(&c->slot[i]);
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* A decimal pid at *p, up to '/' or the end: the pid and *p moved past
 * it, or 0 (not a number: /proc/meminfo, /proc/sys, ...). */
static pid_t
proc_number(const char **p)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '1' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > INT_MAX)
			return 0;
	}
	if (*s != '/' && *s != '\0')
		return 0;
	*p = s;
	return (pid_t)v;
}

/* The four ids of a "Uid:" or "Gid:" line of /proc/.../status: 1 when
 * each is id. */
static int
status_ids_are(const char *buf, const char *key, unsigned long id)
{
	const char *p = strstr(buf, key);
	unsigned long v;
	char *end;
	int i;

	if (p == NULL)
		return 0;
	p += strlen(key);
	for (i = 0; i < 4; i++) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno != 0 || v != id)
			return 0;
		p = end;
	}
	return 1;
}

/*
 * Thread t of process n has exactly uid and gid, real, effective, saved
 * and file system (/proc/N/task/T/status), and is dumpable: a per-process
 * file that is not a folder belongs to the task's effective uid and gid
 * only while it is dumpable, to root otherwise (the kernel's
 * task_dump_owner(), asked afresh by a lookup of the path).  After a
 * set-user-ID exec the process is neither.
 */
static int
task_is_theirs(pid_t n, pid_t t, uid_t uid, gid_t gid)
{
	char path[64], buf[1024];
	struct stat st;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", (long)n, (long)t);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	if (!status_ids_are(buf, "\nUid:", uid) || !status_ids_are(buf, "\nGid:", gid))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/environ", (long)n, (long)t);
	return stat(path, &st) == 0 && st.st_uid == uid && st.st_gid == gid;
}

int
task_proc_check(const struct session *s, pid_t pid, const char *canon, int fd, dev_t dev)
{
	const char *p = canon;
	struct statfs sfs;
	pid_t n, t;

	if (fd != -1 && dev != s->fs.procdev) {
		/* procfs lives on an anonymous device (major 0); a file on a
		 * disk is never one.  Anything else is asked (tmpfs, overlay,
		 * ...): another process file system mounted elsewhere would
		 * show another process's files under another path. */
		if (major(dev) != 0)
			return 0;
		if (fstatfs(fd, &sfs) == -1 || sfs.f_type == PROC_SUPER_MAGIC)
			return EACCES;
		return 0;
	}
	if (strncmp(p, "/proc/", 6) != 0) {
		/* /proc's own device, reached by a bind mount elsewhere. */
		return fd != -1 ? EACCES : 0;
	}
	p += 6;
	if ((n = proc_number(&p)) == 0)
		return 0; /* not a process's folder */
	if (n != pid || pid <= 0)
		return EACCES;
	t = n;
	if (strncmp(p, "/task/", 6) == 0) {
		p += 6;
		if ((t = proc_number(&p)) == 0)
			t = n; /* /proc/N/task itself */
	}
	return task_is_theirs(n, t, s->uid, s->gid) ? 0 : EACCES;
}
