/*
 * notify.c: transparent mode, the broker as the worker's seccomp
 * supervisor; see notify.h.
 *
 * For each notification, in this order (docs/threat-model.md, 7.2 says
 * why):
 *
 *	RECV (zeroed buffer) -> copy every pointer argument out of the
 *	worker with process_vm_readv, page by page -> resolve a relative
 *	path's base (/proc/TID/cwd, or /proc/TID/fd/DIRFD) ->
 *	NOTIF_ID_VALID: the copy is the live syscall's -> decide and act on
 *	the copy (ops_handle) -> answer: ADDFD with ADDFD_FLAG_SEND for a
 *	descriptor, or a result written with process_vm_writev between two
 *	ID_VALIDs, or SEND with an errno.
 *
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE is never used for a path syscall.
 * Failures that mean "the target is gone" (ENOENT from RECV, SEND or
 * ADDFD; ESRCH from ADDFD; a failed ID_VALID) drop the notification.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "notify.h"
#include "notify_call.h"
#include "ops.h"
#include "path.h"
#include "proto.h"
#include "serve.h"
#include "task.h"

/* Linux 6.6; missing from Debian 12's headers.  With it, the kernel wakes
 * the supervisor on the CPU of the thread that trapped, and the thread on
 * the supervisor's CPU when SEND answers it. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif


struct notifier {
	struct server *sv;
	struct session *s;
	int fd;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t reqsize, respsize;
	/* Scratch for one notification at a time. */
	struct fb_request freq;
	struct fb_reply rep;
	char resolved[PATH_MAX]; /* openat2 with RESOLVE_*: task_resolve() */
	struct timespec times[2]; /* utimensat's, copied once */
	struct statfs sfs;	  /* statfs's answer */
	struct task_cache tasks;
	int adopted;		  /* sent by a daemon peer (notify_adopt()) */
	struct notifier *next;	  /* every listener served, for notify_adopt() */
};

static int nactive;
static struct notifier *served; /* under the server lock */

/* The kernel's notification sizes, asked once (notify_init()). */
static struct seccomp_notif_sizes sizes;
static int have_sizes;

int
notify_init(void)
{
	if (have_sizes)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == -1)
		return -1;
	have_sizes = 1;
	return 0;
}

int
notify_active(void)
{
	return nactive;
}

static int
id_valid(struct notifier *n)
{
	return ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->req->id) == 0;
}

/* Write a result into the worker, with the notification checked alive just
 * before, so that TID still names the thread that asked and not a thread
 * that took its number since.  No check after: the SEND that follows
 * fails if the call was abandoned meanwhile. */
static int
write_mem(struct notifier *n, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)(uintptr_t)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t w;

	if (!id_valid(n))
		return -ESRCH;
	w = process_vm_writev(n->req->pid, &local, 1, &remote, 1, 0);
	return w == (ssize_t)len ? 0 : -EFAULT;
}

static void
send_resp(struct notifier *n, int error, int64_t val, uint32_t flags)
{
	memset(n->resp, 0, n->respsize);
	n->resp->id = n->req->id;
	n->resp->error = error != 0 ? -error : 0;
	n->resp->val = error != 0 ? 0 : val;
	n->resp->flags = flags;
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, n->resp) == -1 && errno != ENOENT)
		log_debug("seccomp SEND: %s", strerror(errno));
}

/* Install fd in the worker as the syscall's result, atomically. */
static void
send_fd(struct notifier *n, int fd, int cloexec)
{
	struct seccomp_notif_addfd a;

	memset(&a, 0, sizeof(a));
	a.id = n->req->id;
	a.flags = SECCOMP_ADDFD_FLAG_SEND;
	a.srcfd = (uint32_t)fd;
	a.newfd_flags = cloexec ? O_CLOEXEC : 0;
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a) == -1) {
		/* ENOENT, ESRCH: the target was interrupted, nothing was
		 * installed.  EMFILE (EBADF on older kernels): its table is
		 * full, and it waits for an answer. */
		if (errno == EMFILE || errno == EBADF)
			send_resp(n, EMFILE, 0, 0);
	}
}


/* Answer a stat-like call with st, in the layout the syscall wants. */
static void
answer_stat(struct notifier *n, const struct call *c, const struct stat *st)
{
	struct statx sx;
	int r;

	if (c->statx) {
		stat_to_statx(st, &sx);
		r = write_mem(n, c->out_addr, &sx, sizeof(sx));
	} else
		r = write_mem(n, c->out_addr, st, sizeof(*st));
	if (r == -ESRCH)
		return;
	send_resp(n, r < 0 ? EFAULT : 0, 0, 0);
}

static void
handle(struct notifier *n)
{
	char raw[PATH_MAX], raw2[PATH_MAX];
	const pid_t tid = (pid_t)n->req->pid;
	struct timespec t0;
	struct task_ids ids;
	struct origin o;
	struct call c;
	struct stat st;
	size_t k;
	int e, fd, wd = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (n->req->data.arch != AUDIT_ARCH_X86_64) {
		send_resp(n, ENOSYS, 0, 0);
		return;
	}
	if ((e = call_decode(n->req, &c)) != 0) {
		if (id_valid(n))
			send_resp(n, e, 0, 0);
		return;
	}
	if (c.chdir == 2) {
		/* fchdir: a register names a descriptor the worker holds; the
		 * kernel checks it is a folder.  No path to re-read. */
		send_resp(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	/* Copy the path arguments once; from here on only the copies count.
	 * fchmod has none: raw stays "x", a name never looked at.  A NULL
	 * path with AT_EMPTY_PATH is "" to the kernel (6.11+); the filter
	 * lets it through on a descriptor, and sends it here on the working
	 * folder. */
	raw[0] = 'x', raw[1] = '\0';
	if (c.path_addr == 0 && c.empty_ok)
		raw[0] = '\0';
	else if ((!c.fchmod && (e = worker_read_string(tid, c.path_addr, raw, sizeof(raw))) < 0) ||
	    (c.path2 && (e = worker_read_string(tid, c.path2_addr, raw2, sizeof(raw2))) < 0)) {
		if (id_valid(n))
			send_resp(n, -e, 0, 0);
		return;
	}
	/* Not the 8 KiB of the two paths: task_path() writes the first, a
	 * rename the second, and nothing reads them further. */
	n->freq.id = 0;
	n->freq.path[0] = n->freq.path2[0] = '\0';
	n->freq.type = c.type;
	n->freq.flags = c.flags;
	n->freq.mode = c.mode;
	if (raw[0] == '\0' && c.empty_ok && c.dirfd == AT_FDCWD) {
		/* The working folder itself: the one folder the worker holds
		 * that the broker did not open for it, since chdir is let
		 * through (CONTINUE) after a check that a worker racing with
		 * its own memory can defeat.  So it is decided like any path,
		 * as "." on its canonical path (docs/threat-model.md 7.2). */
		raw[0] = '.', raw[1] = '\0';
	}
	if (raw[0] == '\0' && c.empty_ok && c.type != FB_MSG_READLINK) {
		/* fstat() and friends on a descriptor the worker holds.  An
		 * answer reaches the call only if it still waits, so its TID
		 * was the thread's all along; answer_stat() checks before
		 * writing into it. */
		e = c.type == FB_MSG_ACCESS ? 0 : task_fstat(tid, c.dirfd, &st);
		if (e < 0)
			send_resp(n, -e, 0, 0);
		else if (c.type == FB_MSG_ACCESS)
			send_resp(n, 0, 0, 0);
		else
			answer_stat(n, &c, &st);
		return;
	}
	if (raw[0] == '\0') {
		if (id_valid(n))
			send_resp(n, ENOENT, 0, 0);
		return;
	}
	if (c.fchmod)
		e = task_fdname(tid, c.dirfd, &st, n->freq.path, sizeof(n->freq.path));
	else
		e = task_path(tid, c.dirfd, raw, n->freq.path, sizeof(n->freq.path));
	if (e == 0 && (c.type == FB_MSG_RENAME || c.type == OPS_MSG_LINK))
		e = raw2[0] == '\0' ? -ENOENT
				    : task_path(tid, c.dirfd2, raw2, n->freq.path2, sizeof(n->freq.path2));
	if (e == 0 && c.type == OPS_MSG_SYMLINK) {
		if (raw2[0] == '\0')
			e = -ENOENT;
		else if (path_copy(n->freq.path2, sizeof(n->freq.path2), raw2) < 0)
			e = -ENAMETOOLONG;
	}
	o.resolve = c.resolve;
	o.resolve_err = 0;
	o.resolved = NULL;
	o.times = NULL;
	o.fdobj = c.fchmod ? &st : NULL;
	o.statfs = c.type == OPS_MSG_STATFS ? &n->sfs : NULL;
	o.length = c.length;
	o.ifd = -1;
	o.wd = &wd;
	if (e == 0 && c.type == OPS_MSG_WATCH) {
		/* The worker's very inotify instance; a descriptor that is not
		 * one is EINVAL, as the kernel says. */
		if ((o.ifd = task_getfd(tid, c.ifd, "anon_inode:inotify")) < 0)
			e = o.ifd;
	}
	if (e == 0 && c.type == OPS_MSG_UTIMES && c.out_addr != 0 &&
	    (e = call_read_times(tid, &c, n->times)) == 0)
		o.times = n->times;
	if (e == 0 && c.resolve != 0) {
		/* The record keeps the path as asked; the walk takes the
		 * kernel's answer (or the path joined, for the errno). */
		o.resolve_err = -task_resolve(tid, c.dirfd, raw, (int)c.flags, c.resolve,
		    n->freq.path, n->resolved, sizeof(n->resolved));
		o.resolved = n->resolved;
	}
	o.mode = "transparent";
	o.tid = tid;
	o.uid = n->s->uid;
	o.gid = n->s->gid;
	/* The thread cache's pidfds are watched by the server. */
	server_lock(n->sv);
	o.pid = task_ids(&n->tasks, tid, &ids) == 0 ? ids.tgid : -1;
	server_unlock(n->sv);
	o.nspid = o.pid > 0 ? ids.nstgid : 0;
	o.nstid = o.pid > 0 ? ids.nstid : 0;
	/* Everything read from the worker now belongs to this live call. */
	if (!id_valid(n) || e < 0 || o.pid <= 0) {
		if (o.ifd >= 0)
			close(o.ifd);
		if (e < 0 || o.pid <= 0)
			send_resp(n, e < 0 ? -e : ESRCH, 0, 0); /* ENOENT if gone */
		return;
	}

	ops_handle(n->s, &o, &n->freq, &t0, &n->rep, &fd);
	if (o.ifd >= 0)
		close(o.ifd);
	/* --audit-sync: the record is made durable before the answer.  One
	 * fdatasync() per notification: a listener is read one notification
	 * per wake-up, so there is no batch to share it with. */
	if (ops_audit_sync(n->s) == -1) {
		if (fd != -1)
			close(fd);
		send_resp(n, EIO, 0, 0);
		return;
	}
	e = (int)n->rep.error;
	if (e != 0) {
		send_resp(n, e, 0, 0);
		return;
	}
	if (c.chdir) {
		/* The folder may be stat'ed; chdir cannot be done on the
		 * worker's behalf, so the kernel goes on and reads the path
		 * again.  A worker that rewrites it in between only moves its
		 * own cwd: every relative path is still resolved and decided
		 * here (docs/threat-model.md). */
		if (!S_ISDIR(n->rep.st.mode))
			send_resp(n, ENOTDIR, 0, 0);
		else
			send_resp(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	switch (c.type) {
	case FB_MSG_OPEN:
		send_fd(n, fd, c.cloexec);
		close(fd);
		break;
	case FB_MSG_STAT:
	case FB_MSG_LSTAT:
		wire_to_stat(&n->rep.st, &st);
		answer_stat(n, &c, &st);
		break;
	case OPS_MSG_WATCH:
		send_resp(n, 0, wd, 0);
		break;
	case OPS_MSG_STATFS:
		if ((e = write_mem(n, c.out_addr, &n->sfs, sizeof(n->sfs))) == -ESRCH)
			break;
		send_resp(n, e < 0 ? EFAULT : 0, 0, 0);
		break;
	case FB_MSG_READLINK:
		k = strlen(n->rep.target);
		if (k > c.out_size)
			k = (size_t)c.out_size;
		if ((e = write_mem(n, c.out_addr, n->rep.target, k)) == -ESRCH)
			break;
		send_resp(n, e < 0 ? EFAULT : 0, (int64_t)k, 0);
		break;
	default:
		send_resp(n, 0, 0, 0);
		break;
	}
}

/*
 * Everything the notifier holds, its cached thread pidfds included, then
 * the session: unwatching the listener lets go of it (serve.h), and for a
 * daemon peer whose connections are all closed that releases it, so n->s
 * is not touched afterwards.  Also server_free()'s gone() callback, when
 * the listener is already unwatched.
 */
static void
notifier_free(void *arg)
{
	struct notifier *n = arg;

	struct notifier **pp;

	for (pp = &served; *pp != NULL; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	task_cache_clear(&n->tasks);
	server_unwatch(n->sv, n->fd);
	/* Once the lock is let go: a descriptor a daemon peer sent. */
	server_close_later(n->sv, n->fd);
	free(n->req);
	free(n->resp);
	free(n);
	nactive--;
}

static void
on_listener(void *arg, uint32_t events)
{
	struct notifier *n = arg;
	int r;

	if (events & EPOLLIN) {
		/* Without the server lock, which this callback holds: RECV
		 * itself may wait (below), the call may wait on the file
		 * system, and other threads serve other sessions meanwhile
		 * (serve.h); this session's other events wait for it. */
		server_unlock(n->sv);
		memset(n->req, 0, n->reqsize);
		/* A peer's listener may be read by the peer too (it kept a
		 * copy, or passed one on): the notification that woke us can
		 * be taken before this RECV, which then waits for the next
		 * one, as long as that worker likes.  The guard ends the wait
		 * (EINTR) after SERVE_WAIT_MS. */
		if (n->adopted)
			server_wait_begin();
		r = ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req);
		if (n->adopted)
			server_wait_end();
		if (r == 0)
			handle(n);
		else if (errno != ENOENT && errno != EINTR)
			log_warn("seccomp RECV"); /* ENOENT, EINTR: gone, or taken */
		server_lock(n->sv);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		notifier_free(n); /* the last filtered task is gone */
}

/* notify_start() but for the close: fd is still the caller's on failure. */
static int
notifier_add(struct server *sv, struct session *s, int fd)
{
	struct notifier *n;
	int saved;

	if (notify_init() == -1)
		return -1;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	n->sv = sv;
	n->s = s;
	n->fd = fd;
	task_cache_init(&n->tasks, sv, s->ns);
	n->reqsize = sizes.seccomp_notif > sizeof(*n->req) ? sizes.seccomp_notif : sizeof(*n->req);
	n->respsize = sizes.seccomp_notif_resp > sizeof(*n->resp) ? sizes.seccomp_notif_resp
								  : sizeof(*n->resp);
	n->req = calloc(1, n->reqsize);
	n->resp = calloc(1, n->respsize);
	/* The session is held while the listener is watched (EBUSY: it has
	 * one already). */
	if (n->req == NULL || n->resp == NULL ||
	    server_watch_session(sv, s, fd, on_listener, notifier_free, n) == -1) {
		saved = errno;
		free(n->req);
		free(n->resp);
		free(n);
		errno = saved;
		return -1;
	}
	/* Older kernels say EINVAL or ENOTTY: the wake-ups are only slower. */
	(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	n->next = served;
	served = n;
	nactive++;
	return 0;
}

int
notify_start(struct server *sv, struct session *s, int fd)
{
	if (notifier_add(sv, s, fd) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return 0;
}

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027 /* Linux 6.10 */
#endif

/*
 * Is fd a listener already served, by this session or another: the same
 * open file, whatever its descriptor number (two peers, one of which
 * passed it to the other)?  Two notifiers on one listener would race for
 * each notification.  F_DUPFD_QUERY (Linux 6.10) compares the open files;
 * before it, there is no way short of kcmp(2), which the broker never
 * allows, and such a listener is served twice (each RECV then bounded by
 * the wait guard).  Under the server lock.
 */
static int
listener_served(int fd)
{
	static int no_query;
	const struct notifier *n;
	int r;

	for (n = served; n != NULL && !no_query; n = n->next) {
		if ((r = fcntl(n->fd, F_DUPFD_QUERY, fd)) == 1)
			return 1;
		if (r == -1 && errno == EINVAL) {
			no_query = 1;
			log_info("transparent mode: this kernel cannot tell whether a listener is "
				 "one served already (F_DUPFD_QUERY, Linux 6.10)");
		}
	}
	return 0;
}

int
notify_adopt(struct server *sv, struct session *s, int fd)
{
	char link[64], target[64];
	ssize_t len;
	__u64 id = 0;
	int fl, r;

	/* What the kernel says the descriptor is, before any ioctl: a
	 * seccomp ioctl number may mean something else to a device.  Not
	 * O_PATH, which names the file without giving access to it. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	fl = fcntl(fd, F_GETFL);
	if (len < 0 || fl == -1 || (fl & O_PATH)) {
		fdpass_close_quietly(fd);
		return EBADF;
	}
	target[len] = '\0';
	/* A listener knows no notification 0 (ENOENT); anything else that
	 * calls itself so is not one. */
	if (strcmp(target, "anon_inode:seccomp notify") != 0 ||
	    (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 || errno != ENOENT)) {
		fdpass_close_quietly(fd);
		return EBADF;
	}
	server_lock(sv);
	if (listener_served(fd))
		r = EBUSY;
	else if (notifier_add(sv, s, fd) == -1)
		r = errno;
	else {
		served->adopted = 1;
		r = 0;
	}
	server_unlock(sv);
	if (r != 0)
		fdpass_close_quietly(fd); /* the worker's: never with the lock */
	return r;
}
