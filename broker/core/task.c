/*
 * task.c: who made a notified system call, and where from (task.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
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
#include "proc_status.h"
#include "resolve.h"
#include "task.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/*
 * The worker's PID namespace.  The broker names a process by its pid in
 * the host's view (the kernel's word in notifications and SCM_CREDENTIALS,
 * the audit record's pid, the host's /proc/TID the broker reads); the
 * worker's /proc by the pid its own namespace gives it, which /proc/self,
 * the policy's /proc/self and the /proc/PID rule go by.  A process's
 * numbers in every namespace from the reader's down are the NStgid and
 * NSpid lines of its status file: the worker's is the field after the
 * broker's own.
 *
 * Explicit mode asks by process (the sender of a message): a cache of
 * processes, shared by the threads that serve the worker's connections,
 * under a lock of its own (taken for the cache alone, never with the
 * server's).
 */
struct task_ns {
	pthread_mutex_t lock;
	struct task_cache procs; /* by pid; ids.nstgid is the worker's number */
};

/* Field level (0 the first) of the line key ("NSpid") of a status
 * file: a pid, or 0 when there is none. */
static pid_t
ns_field(const char *buf, const char *key, int level)
{
	const char *p = proc_status_field(buf, key);
	char *end;
	long v;
	int i;

	if (p == NULL)
		return 0;
	for (i = 0;; i++) {
		while (*p == '\t' || *p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			return 0;
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno != 0 || v <= 0 || v > INT_MAX)
			return 0;
		if (i == level)
			return (pid_t)v;
		p = end;
	}
}

/* The tgid, and the worker's numbers for the process and the thread (tid
 * and tgid themselves when level is 0), from the host's /proc/TID/status:
 * 0, or -1 (gone, or not in the worker's namespace).  The lines come
 * after Groups: a process with more than about 1,500 supplementary groups
 * has them beyond buf, and is taken for gone (fail closed). */
static int
status_ids(pid_t tid, int level, struct task_ids *ids)
{
	char path[64], buf[8192];
	long v;
	int i;

	memcpy(path, "/proc/", 6);
	i = path_udec(path + 6, sizeof(path) - 6, (unsigned long)tid);
	memcpy(path + 6 + i, "/status", sizeof("/status"));
	if (proc_status_read(AT_FDCWD, path, buf, sizeof(buf)) == -1 ||
	    proc_status_long(buf, "Tgid", &v) == -1 || v <= 0 || v > INT_MAX)
		return -1;
	ids->tgid = (pid_t)v;
	ids->nstgid = ids->tgid;
	ids->nstid = tid;
	if (level == 0)
		return ids->tgid > 0 ? 0 : -1;
	if ((ids->nstgid = ns_field(buf, "NStgid", level)) <= 0 ||
	    (ids->nstid = ns_field(buf, "NSpid", level)) <= 0)
		return -1;
	return ids->tgid > 0 ? 0 : -1;
}

static void
cache_init(struct task_cache *c, int level)
{
	size_t i;

	c->level = level;
	c->lookups = 0;
	for (i = 0; i < TASK_SLOTS; i++) {
		c->slot[i].id = 0;
		c->slot[i].pidfd = -1;
		c->slot[i].exe = NULL;
		c->slot[i].execer = 0;
	}
}

static void
slot_evict(struct task_slot *e)
{
	free(e->exe);
	e->exe = NULL;
	e->execer = 0;
	if (e->pidfd == -1)
		return;
	close(e->pidfd);
	e->pidfd = -1;
	e->id = 0;
}

/* Let go of the entries whose thread or process has ended: a pidfd is
 * readable once it has (exited, reaped or not).  One poll(2) for all. */
static void
cache_sweep(struct task_cache *c)
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
			slot_evict(&c->slot[at[i]]);
}

/* The slot for id, after the periodic sweep (every TASK_SWEEP lookups)
 * and, when id is not the slot's, a sweep that makes room. */
static struct task_slot *
cache_slot(struct task_cache *c, pid_t id)
{
	struct task_slot *e = &c->slot[(unsigned)id % TASK_SLOTS];

	if (++c->lookups >= TASK_SWEEP)
		cache_sweep(c);
	if (e->pidfd == -1 || e->id != id)
		cache_sweep(c);
	return e;
}

/* Keep the numbers ids of id in e, held by pidfd fd (taken over). */
static void
slot_fill(struct task_slot *e, pid_t id, const struct task_ids *ids, int fd)
{
	slot_evict(e);
	e->id = id;
	e->ids = *ids;
	e->pidfd = fd;
}

/* Has the process or thread of pidfd ended (exited, reaped or not)? */
static int
pidfd_ended(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

struct task_ns *
task_ns_new(void)
{
	struct task_ns *ns;
	char buf[4096];
	const char *p;
	int level, e;

	/* The broker's own level: the fields of its own NSpid line. */
	if (proc_status_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) == -1 ||
	    (p = proc_status_field(buf, "NSpid")) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	for (level = 1; *p != '\0' && *p != '\n'; p++)
		if (*p == '\t')
			level++;
	if ((ns = calloc(1, sizeof(*ns))) == NULL)
		return NULL;
	if ((e = pthread_mutex_init(&ns->lock, NULL)) != 0) {
		free(ns);
		errno = e;
		return NULL;
	}
	cache_init(&ns->procs, level);
	return ns;
}

void
task_ns_free(struct task_ns *ns)
{
	if (ns == NULL)
		return;
	task_cache_clear(&ns->procs);
	pthread_mutex_destroy(&ns->lock);
	free(ns);
}

/* task_ns_pid() under the cache's lock. */
static pid_t
ns_pid_locked(struct task_cache *c, pid_t pid)
{
	struct task_slot *e = cache_slot(c, pid);
	struct task_ids ids;
	int fd;

	/* A process that has not ended still holds its pid: the entry is
	 * still its (its end may not have been swept yet). */
	if (e->pidfd != -1 && e->id == pid && !pidfd_ended(e->pidfd))
		return e->ids.nstgid;
	slot_evict(e);
	if ((fd = pidfd_open(pid, 0)) == -1)
		return 0;
	/* The status read after the pidfd was made, and the process still
	 * running after it: it was that process's. */
	if (status_ids(pid, c->level, &ids) == -1 || pidfd_ended(fd)) {
		close(fd);
		return 0;
	}
	slot_fill(e, pid, &ids, fd);
	return ids.nstgid;
}

pid_t
task_ns_pid(struct task_ns *ns, pid_t pid)
{
	pid_t r;

	if (ns == NULL || pid <= 0)
		return pid;
	pthread_mutex_lock(&ns->lock);
	r = ns_pid_locked(&ns->procs, pid);
	pthread_mutex_unlock(&ns->lock);
	return r;
}

void
task_cache_init(struct task_cache *c, const struct task_ns *ns)
{
	cache_init(c, ns != NULL ? ns->procs.level : 0);
}

void
task_cache_clear(struct task_cache *c)
{
	size_t i;

	for (i = 0; i < TASK_SLOTS; i++)
		slot_evict(&c->slot[i]);
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

/* The thread group of a thread, and the worker's numbers for both: one
 * ioctl on a cached thread pidfd, else pidfd_open and the ioctl, and in a
 * namespace of ours the thread's status file once.  Before PIDFD_GET_INFO
 * (Linux 6.13), the status file every time, which costs the kernel a whole
 * formatted file. */
int
task_ids(struct task_cache *c, pid_t tid, struct task_ids *ids)
{
	static int no_info;
	struct task_slot *e;
	pid_t tgid;
	int fd;

	if (no_info)
		return status_ids(tid, c->level, ids);
	e = cache_slot(c, tid);
	if (e->pidfd != -1 && e->id == tid) {
		if (pidfd_tgid(e->pidfd, tid, &tgid) == 0) {
			*ids = e->ids;
			return 0;
		}
		slot_evict(e);
	}
	if ((fd = pidfd_open(tid, PIDFD_THREAD)) == -1)
		return status_ids(tid, c->level, ids);
	if (pidfd_tgid(fd, tid, &tgid) == -1) {
		if (errno == ENOTTY || errno == EINVAL)
			no_info = 1;
		close(fd);
		return status_ids(tid, c->level, ids);
	}
	ids->tgid = tgid;
	ids->nstgid = tgid;
	ids->nstid = tid;
	/* Read while the pidfd holds the thread, and asked again below: the
	 * numbers are that thread's. */
	if (c->level != 0 &&
	    (status_ids(tid, c->level, ids) == -1 || ids->tgid != tgid ||
		pidfd_tgid(fd, tid, &tgid) == -1)) {
		close(fd);
		return -1;
	}
	slot_fill(e, tid, ids, fd);
	return 0;
}

ssize_t
task_exe_read(pid_t pid, char *buf, size_t size)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(link, buf, size - 1)) < 0 || (size_t)n >= size - 1)
		return -1;
	buf[n] = '\0';
	return n;
}

const char *
task_exe(struct task_cache *c, pid_t tid)
{
	struct task_slot *e = &c->slot[(unsigned)tid % TASK_SLOTS];
	pid_t tgid;
	ssize_t n;

	/* The slot task_ids() just proved is this thread's, else (a kernel
	 * before PIDFD_GET_INFO) no cache. */
	if (e->pidfd == -1 || e->id != tid)
		return task_exe_read(tid, c->exe, sizeof(c->exe)) < 0 ? NULL : c->exe;
	if (e->exe != NULL && e->execer == 0)
		return e->exe;
	tgid = e->ids.tgid;
	if ((n = task_exe_read(tgid, c->exe, sizeof(c->exe))) < 0)
		return NULL;
	/* Its process's exec is over (the thread that asked for it asks
	 * again), or none is under way: kept. */
	if (e->execer == 0 || e->execer == tid) {
		e->execer = 0;
		free(e->exe);
		e->exe = strdup(c->exe);
	}
	return c->exe;
}

void
task_exec(struct task_cache *c, pid_t tid, pid_t tgid)
{
	size_t i;

	for (i = 0; i < TASK_SLOTS; i++) {
		if (c->slot[i].pidfd == -1 || c->slot[i].ids.tgid != tgid)
			continue;
		free(c->slot[i].exe);
		c->slot[i].exe = NULL;
		c->slot[i].execer = tid;
	}
}

/* "/proc/TID/cwd" (fd AT_FDCWD) or "/proc/TID/fd/N" into link (64 bytes):
 * the host's /proc, by the host's number of a notified thread (never the
 * worker's /proc).  Without printf: this is on the way of every relative
 * path. */
static void
host_proc_link(char link[64], pid_t tid, int fd)
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
	host_proc_link(link, tid, dirfd);
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

size_t
task_path_held(const char *out, const char *rel)
{
	size_t o = strlen(out), r = strlen(rel);

	return rel[0] == '/' || o < r + 1 ? 0 : o - r - 1;
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
 * path of what it found into out: joined, the route the kernel took, or
 * with RESOLVE_IN_ROOT (whose ".." and absolute links stop at the folder)
 * the canonical path of what it found.  The caller then resolves and
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
task_resolve(pid_t tid, int dirfd, const char *rel, int flags, uint64_t resolve, const char *joined,
    char *out, size_t size)
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
	host_proc_link(link, tid, dirfd);
	if ((bfd = open(link, O_PATH | O_CLOEXEC)) == -1)
		return errno == ENOENT ? -EBADF : -errno;
	resolve = (resolve & kernel) | RESOLVE_NO_MAGICLINKS;
	/* O_CREAT|O_EXCL never follows a final symlink: neither does open(2). */
	if ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		of |= O_NOFOLLOW;
	if (flags & O_DIRECTORY)
		of |= O_DIRECTORY;
	fd = fs_openat2(bfd, rel, of, resolve);
	if (fd != -1 && !(resolve & RESOLVE_IN_ROOT)) {
		/* The kernel followed rel from the folder, as the caller's walk
		 * of joined does: joined it stays, so that the route is the
		 * caller's to walk and decide (a ".." out of a folder the
		 * worker may not see on it tells that the folder exists), not
		 * only where it ends. */
		close(fd);
		close(bfd);
		return 0;
	}
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
			if (r == 0 && !(resolve & RESOLVE_IN_ROOT)) {
				close(bfd);
				return 0; /* joined, as above */
			}
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
	host_proc_link(link, tid, fd);
	if (stat(link, st) == -1)
		return errno == ENOENT ? -EBADF : -errno;
	return 0;
}

int
task_umask(pid_t id, mode_t *mask)
{
	char path[64], buf[256];
	int i;

	if (id <= 0) {
		errno = ESRCH;
		return -1;
	}
	memcpy(path, "/proc/", 6);
	i = path_udec(path + 6, sizeof(path) - 6, (unsigned long)id);
	memcpy(path + 6 + i, "/status", sizeof("/status"));
	/* Name (at most 64 bytes, escaped) and Umask are its first lines. */
	if (proc_status_read(AT_FDCWD, path, buf, sizeof(buf)) == -1)
		return -1;
	return proc_status_umask(buf, mask);
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
	if (kind != NULL &&
	    (fd_path_raw(copy, target, sizeof(target)) < 0 || strcmp(target, kind) != 0)) {
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
	host_proc_link(link, tid, fd);
	r = link_path(link, out, size);
	return r == 1 ? -EPERM : r == -ENOENT ? -EBADF : r;
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

/*
 * Thread t of process n has exactly uid and gid, real, effective, saved
 * and file system (N/task/T/status in proc: the worker's /proc, by its
 * numbers; AT_FDCWD: the host's /proc), and is dumpable: a per-process file that is not a folder
 * belongs to the task's effective uid and gid only while it is dumpable,
 * to root otherwise (the kernel's task_dump_owner(), asked afresh by a
 * lookup of the path).  After a set-user-ID exec the process is neither.
 */
static int
task_is_theirs(int proc, pid_t n, pid_t t, uid_t uid, gid_t gid)
{
	const char *in = proc == AT_FDCWD ? "/proc/" : "";
	char path[64], buf[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s%ld/task/%ld/status", in, (long)n, (long)t);
	if (proc_status_read(proc, path, buf, sizeof(buf)) == -1 ||
	    !proc_status_ids_are(buf, "Uid", uid) || !proc_status_ids_are(buf, "Gid", gid))
		return 0;
	snprintf(path, sizeof(path), "%s%ld/task/%ld/environ", in, (long)n, (long)t);
	return fstatat(proc, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == uid &&
	    st.st_gid == gid;
}

int
task_proc_check(const struct session *s, pid_t pid, const char *canon, int fd, dev_t dev)
{
	const char *p = canon;
	struct statfs sfs;
	dev_t wdev = s->fs.wproc != -1 ? s->fs.wprocdev : s->fs.procdev;
	pid_t n, t;

	if (fd != -1 && dev != wdev) {
		/* procfs lives on an anonymous device (major 0); a file on a
		 * disk is never one.  Anything else is asked (tmpfs, overlay,
		 * ...): another process file system mounted elsewhere would
		 * show another process's files under another path, and so
		 * would the host's /proc to a worker that has its own. */
		if (major(dev) != 0)
			return 0;
		if (fstatfs(fd, &sfs) == -1 || sfs.f_type == PROC_SUPER_MAGIC)
			return EACCES;
		return 0;
	}
	if (strcmp(p, "/proc") == 0)
		return 0; /* its root: the processes it lists are the policy's */
	if (strncmp(p, "/proc/", 6) != 0) {
		/* The worker's /proc's own device, reached by a bind mount
		 * elsewhere. */
		return fd != -1 ? EACCES : 0;
	}
	p += 6;
	if ((n = proc_number(&p)) == 0)
		return 0; /* not a process's folder */
	/* The worker's number for the asker: canon is the worker's view. */
	if (n != pid || pid <= 0)
		return EACCES;
	t = n;
	if (strncmp(p, "/task/", 6) == 0) {
		p += 6;
		if ((t = proc_number(&p)) == 0)
			t = n; /* /proc/N/task itself */
	}
	return task_is_theirs(s->fs.wproc != -1 ? s->fs.wproc : AT_FDCWD, n, t, s->uid, s->gid) ?
	    0 :
	    EACCES;
}
