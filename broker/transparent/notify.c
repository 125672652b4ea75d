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
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE is never used for a path syscall but
 * chdir's (answer()) and exec's, which the broker records and the kernel
 * then does, under the worker's Landlock domain (ops_exec.c).
 * Failures that mean "the target is gone" (ENOENT from RECV, SEND or
 * ADDFD; ESRCH from ADDFD; a failed ID_VALID) drop the notification.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
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
#include "loop.h"
#include "notify.h"
#include "notify_call.h"
#include "ops.h"
#include "ops_table.h"
#include "path.h"
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
	struct seccomp_notif *req_notif;
	struct seccomp_notif_resp *resp;
	size_t reqsize, respsize;
	/* Scratch for one notification at a time: the call, what was copied
	 * out of the worker (once), the request made of it, its result. */
	struct timespec t0;
	struct call call;
	char raw[PATH_MAX], raw2[PATH_MAX];   /* the path arguments as written */
	char path[PATH_MAX], path2[PATH_MAX]; /* made absolute (task_path()) */
	char resolved[PATH_MAX];	      /* openat2 with RESOLVE_*: task_resolve() */
	struct timespec times[2];	      /* utimensat's, copied once */
	struct stat fdobj;		      /* fchmod's descriptor's object */
	struct request req;
	struct result res;
	struct task_cache tasks;
	int adopted;	       /* sent by a daemon peer (notify_adopt()) */
	struct notifier *next; /* every listener served, for notify_adopt() */
};

static int nactive; /* atomic: run's keep_going() asks it */
/* Every listener served, for notify_adopt(): notify.c's own lock, taken
 * for the list alone (never while the server's is wanted). */
static pthread_mutex_t served_lock = PTHREAD_MUTEX_INITIALIZER;
static struct notifier *served;

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
	return __atomic_load_n(&nactive, __ATOMIC_RELAXED);
}

static int
id_valid(struct notifier *n)
{
	return ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->req_notif->id) == 0;
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
	w = process_vm_writev(n->req_notif->pid, &local, 1, &remote, 1, 0);
	return w == (ssize_t)len ? 0 : -EFAULT;
}

static void
send_resp(struct notifier *n, int error, int64_t val, uint32_t flags)
{
	memset(n->resp, 0, n->respsize);
	n->resp->id = n->req_notif->id;
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
	a.id = n->req_notif->id;
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

/* The notification was answered (or dropped: the call is gone) by the
 * step that returns it. */
#define ANSWERED (-1)

/* Answer a stat-like call with st, in the layout the syscall wants. */
static void
answer_stat(struct notifier *n, const struct stat *st)
{
	const struct call *c = &n->call;
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

/* An errno for a step that read the worker: answered only if the call is
 * still the one the notification names (otherwise nobody waits for it). */
static int
refuse_if_alive(struct notifier *n, int e)
{
	if (id_valid(n))
		send_resp(n, e, 0, 0);
	return ANSWERED;
}

/*
 * Step 1, the call: which system call, with which registers.  Then its
 * memory arguments, copied once (the paths, as written); from here on only
 * the copies count.  fchmod has no path: raw stays "x", a name never
 * looked at.  A NULL path with AT_EMPTY_PATH is "" to the kernel (6.11+).
 */
static int
read_call(struct notifier *n)
{
	struct call *c = &n->call;
	const pid_t tid = (pid_t)n->req_notif->pid;
	int e;

	if (n->req_notif->data.arch != AUDIT_ARCH_X86_64) {
		send_resp(n, ENOSYS, 0, 0);
		return ANSWERED;
	}
	if ((e = call_decode(n->req_notif, c)) != 0)
		return refuse_if_alive(n, e);
	if (c->chdir == 2) {
		/* fchdir: a register names a descriptor the worker holds; the
		 * kernel checks it is a folder.  No path to re-read. */
		send_resp(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return ANSWERED;
	}
	n->raw[0] = 'x', n->raw[1] = '\0';
	n->raw2[0] = '\0';
	if (c->path_addr == 0 && c->empty_ok)
		n->raw[0] = '\0';
	else if ((!c->fchmod &&
		     (e = worker_read_string(tid, c->path_addr, n->raw, PATH_MAX)) < 0) ||
	    (c->path2 && (e = worker_read_string(tid, c->path2_addr, n->raw2, PATH_MAX)) < 0))
		return refuse_if_alive(n, -e);
	if (c->op == OP_UTIMES && c->out_addr != 0) {
		if ((e = call_read_times(tid, c, n->times)) < 0)
			return refuse_if_alive(n, -e);
		c->a.utimes.times = n->times;
	}
	return 0;
}

/*
 * A call on a descriptor the worker holds, not on a path: fstat() and
 * friends (newfstatat or statx with "" and AT_EMPTY_PATH), answered here
 * without a decision: the worker holds the object already.  An answer
 * reaches the call only if it still waits, so its TID was the thread's
 * all along; answer_stat() checks before writing into it.  The working
 * folder itself is not such a call: it is the one folder the worker holds
 * that the broker did not open for it, since chdir is let through
 * (CONTINUE) after a check that a worker racing with its own memory can
 * defeat, so it is decided like any path, as "." on its canonical path
 * (docs/threat-model.md 7.2).  Returns 0 when the call names a path.
 */
static int
descriptor_call(struct notifier *n)
{
	const struct call *c = &n->call;
	const pid_t tid = (pid_t)n->req_notif->pid;
	struct stat st;
	int e;

	if (c->op == OP_EXEC)
		return 0; /* the descriptor's file is the path (resolve_base()) */
	if (n->raw[0] == '\0' && c->empty_ok && c->dirfd == AT_FDCWD)
		n->raw[0] = '.', n->raw[1] = '\0';
	if (n->raw[0] != '\0')
		return 0;
	if (!c->empty_ok || c->op == OP_READLINK)
		return refuse_if_alive(n, ENOENT);
	e = c->op == OP_ACCESS ? 0 : task_fstat(tid, c->dirfd, &st);
	if (e < 0)
		send_resp(n, -e, 0, 0);
	else if (c->op == OP_ACCESS)
		send_resp(n, 0, 0, 0);
	else
		answer_stat(n, &st);
	return ANSWERED;
}

/*
 * Step 2, the base: each path made absolute from the thread's own
 * working folder or descriptor, read from the kernel (task.h), never from
 * the worker; fchmod's descriptor named by the path it has now; the
 * worker's inotify instance copied; openat2's RESOLVE_* restrictions
 * checked by the kernel from the very folder.  Fills the request.  0, or a
 * negative errno.
 */
static int
resolve_base(struct notifier *n)
{
	struct call *c = &n->call;
	struct request *r = &n->req;
	const pid_t tid = (pid_t)n->req_notif->pid;
	int e;

	r->op = c->op;
	r->a = c->a;
	r->path = n->path;
	r->path2 = n->path2;
	r->held = r->held2 = 0;
	n->path2[0] = '\0';
	r->refused = 0;
	if (c->fchmod) {
		e = task_fdname(tid, c->dirfd, &n->fdobj, n->path, sizeof(n->path));
		r->a.chmod.fdobj = &n->fdobj;
	} else if (c->op == OP_EXEC && n->raw[0] == '\0' && c->empty_ok)
		/* execveat(fd, "", AT_EMPTY_PATH): the file the descriptor
		 * has open, by the name it has now (fexecve(3)). */
		e = task_fdname(tid, c->dirfd, &n->fdobj, n->path, sizeof(n->path));
	else if ((e = task_path(tid, c->dirfd, n->raw, n->path, sizeof(n->path))) == 0)
		r->held = task_path_held(n->path, n->raw);
	if (e < 0 && c->op == OP_EXEC) {
		/* Recorded all the same, as asked, with what went wrong: the
		 * kernel answers the call, not the broker. */
		r->refused = -e;
		path_copy(n->path, sizeof(n->path), n->raw);
		return 0;
	}
	if (e < 0)
		return e;
	if (c->op == OP_RENAME || c->op == OP_LINK) {
		if (n->raw2[0] == '\0')
			return -ENOENT;
		if ((e = task_path(tid, c->dirfd2, n->raw2, n->path2, sizeof(n->path2))) < 0)
			return e;
		r->held2 = task_path_held(n->path2, n->raw2);
	}
	if (c->op == OP_SYMLINK) {
		/* The target, stored as written: never joined, never followed. */
		if (n->raw2[0] == '\0')
			return -ENOENT;
		if (path_copy(n->path2, sizeof(n->path2), n->raw2) < 0)
			return -ENAMETOOLONG;
	}
	if (c->op == OP_WATCH) {
		/* The worker's very inotify instance; a descriptor that is not
		 * one is EINVAL, as the kernel says. */
		if ((r->a.watch.ifd = task_getfd(tid, c->wfd, "anon_inode:inotify")) < 0)
			return r->a.watch.ifd;
	}
	if (c->op == OP_OPEN && c->a.open.resolve != 0) {
		/* The record keeps the path as asked; the walk takes the
		 * kernel's answer (or the path joined, for the errno). */
		r->a.open.resolve_err = -task_resolve(tid, c->dirfd, n->raw, (int)c->a.open.flags,
		    c->a.open.resolve, n->path, n->resolved, sizeof(n->resolved));
		r->a.open.resolved = n->resolved;
	}
	return 0;
}

/*
 * Step 3, the asker: the thread group of the thread that made the call,
 * the two as the worker's /proc numbers them (task_ids(): in its PID
 * namespace, when it has one), and the check that everything read from
 * the worker belongs to this live call (NOTIF_ID_VALID: the tid still
 * names the caller).  0, or ANSWERED.
 */
static int
check_asker(struct notifier *n, int e)
{
	struct request *r = &n->req;
	const pid_t tid = (pid_t)n->req_notif->pid;
	struct task_ids ids;

	r->who.front = FRONT_NOTIFY;
	r->who.tid = tid;
	r->who.uid = n->s->uid;
	r->who.gid = n->s->gid;
	r->who.pid = 0;
	r->who.nspid = r->who.nstid = 0;
	r->who.exe = NULL;
	if (e == 0 && task_ids(&n->tasks, tid, &ids) == 0) {
		r->who.pid = ids.tgid;
		r->who.nspid = ids.nstgid;
		r->who.nstid = ids.nstid;
		/* What it runs, for the record alone (task.h: cached). */
		if (n->s->audit != NULL)
			r->who.exe = task_exe(&n->tasks, tid);
	}
	if (id_valid(n) && e == 0 && r->who.pid > 0)
		return 0;
	if (r->op == OP_WATCH && r->a.watch.ifd >= 0)
		close(r->a.watch.ifd);
	if (e < 0 || r->who.pid <= 0)
		send_resp(n, e < 0 ? -e : ESRCH, 0, 0); /* ENOENT if gone */
	return ANSWERED;
}

/*
 * Step 5, the answer, in the form the call's operation answers with (its
 * row's answer kind): a descriptor installed (ADDFD), a struct stat,
 * statx or statfs, or a link's target written into the worker, a value,
 * or nothing but success.
 */
static void
answer(struct notifier *n)
{
	const struct call *c = &n->call;
	const struct result *res = &n->res;
	size_t k;
	int e;

	if (c->op == OP_EXEC) {
		/* Recorded: the kernel goes on, and the worker's Landlock
		 * domain decides (ops_exec.c).  Nothing runs without its
		 * record: when it could not be written, EIO. */
		if (n->s->audit_broken)
			send_resp(n, EIO, 0, 0);
		else
			send_resp(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	if (res->error != 0) {
		send_resp(n, res->error, 0, 0);
		return;
	}
	if (c->chdir) {
		/* The folder may be stat'ed; chdir cannot be done on the
		 * worker's behalf, so the kernel goes on and reads the path
		 * again.  A worker that rewrites it in between only moves its
		 * own cwd: every relative path is still resolved and decided
		 * here (docs/threat-model.md). */
		if (!S_ISDIR(res->st.st_mode))
			send_resp(n, ENOTDIR, 0, 0);
		else
			send_resp(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	switch ((enum answer)ops_defs[c->op].answer) {
	case ANSWER_FD:
		send_fd(n, res->fd, c->cloexec);
		break;
	case ANSWER_STAT:
		answer_stat(n, &res->st);
		break;
	case ANSWER_STATFS:
		if ((e = write_mem(n, c->out_addr, &res->sfs, sizeof(res->sfs))) == -ESRCH)
			break;
		send_resp(n, e < 0 ? EFAULT : 0, 0, 0);
		break;
	case ANSWER_TARGET:
		k = strlen(res->target);
		if (k > c->out_size)
			k = (size_t)c->out_size;
		if ((e = write_mem(n, c->out_addr, res->target, k)) == -ESRCH)
			break;
		send_resp(n, e < 0 ? EFAULT : 0, (int64_t)k, 0);
		break;
	case ANSWER_VALUE:
		send_resp(n, 0, res->value, 0);
		break;
	case ANSWER_NONE:
		send_resp(n, 0, 0, 0);
		break;
	}
}

/*
 * One notification, in steps a reader can follow (docs/design.md):
 * read the call and copy its arguments once -> resolve each path's base
 * -> check the asker and that the call is still live -> decide and act on
 * the copies (ops_handle) -> answer.
 */
static void
handle(struct notifier *n)
{
	int e;

	/* For the record's duration: without a sink there is none. */
	if (n->s->audit != NULL)
		clock_gettime(CLOCK_MONOTONIC, &n->t0);
	if (read_call(n) == ANSWERED || descriptor_call(n) == ANSWERED)
		return;
	e = resolve_base(n);
	if (check_asker(n, e) == ANSWERED)
		return;
	ops_handle(n->s, &n->req, &n->t0, &n->res);
	if (n->req.op == OP_WATCH)
		close(n->req.a.watch.ifd);
	/* Its process may run another program from now on (task.h). */
	if (n->req.op == OP_EXEC)
		task_exec(&n->tasks, n->req.who.tid, n->req.who.pid);
	/* --audit-sync: the record is made durable before the answer.  One
	 * fdatasync() per notification: a listener is read one notification
	 * per wake-up, so there is no batch to share it with. */
	if (ops_audit_sync(n->s) == -1) {
		if (n->res.fd != -1)
			close(n->res.fd);
		send_resp(n, EIO, 0, 0);
		return;
	}
	answer(n);
	if (n->res.fd != -1)
		close(n->res.fd);
}

/* Out of the list of listeners served. */
static void
served_remove(struct notifier *n)
{
	struct notifier **pp;

	pthread_mutex_lock(&served_lock);
	for (pp = &served; *pp != NULL; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	pthread_mutex_unlock(&served_lock);
}

/*
 * The listener is done (its last filtered task is gone) or the server is
 * freed: the event loop has unwatched it and calls this, its gone()
 * callback, with its lock held.  Everything the notifier holds goes, its
 * cached thread pidfds and the listener included; the session it held is
 * released by the loop afterwards, so n->s is not touched.
 */
static void
notifier_gone(void *arg)
{
	struct notifier *n = arg;

	served_remove(n);
	task_cache_clear(&n->tasks);
	/* Once the lock is let go: a descriptor a daemon peer sent. */
	server_close_later(n->sv, n->fd);
	free(n->req_notif);
	free(n->resp);
	free(n);
	__atomic_sub_fetch(&nactive, 1, __ATOMIC_RELAXED);
}

/* RECV into n->req_notif: 0, or -1 with errno (ENOENT: the call was
 * withdrawn, or taken by another reader, or no task is left; EINTR). */
static int
recv_notif(struct notifier *n)
{
	int r;

	memset(n->req_notif, 0, n->reqsize);
	/* A peer's listener may be read by the peer too (it kept a copy, or
	 * passed one on): the notification that woke us can be taken before
	 * this RECV, which then waits for the next one, as long as that
	 * worker likes.  The guard ends the wait (EINTR) after SERVE_WAIT_MS. */
	if (n->adopted)
		server_wait_begin();
	r = ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req_notif);
	if (n->adopted)
		server_wait_end();
	if (r == -1 && errno != ENOENT && errno != EINTR)
		log_warn("seccomp RECV");
	return r;
}

/*
 * The listener's work (server_watch_session()), without the server lock:
 * RECV itself may wait (above), the call may wait on the file system, and
 * other threads serve other sessions meanwhile; this session's other
 * events wait for it.  1 when the last filtered task is gone.
 */
static int
on_listener(void *arg, uint32_t events)
{
	struct notifier *n = arg;

	if (events & EPOLLIN) {
		if (recv_notif(n) == 0)
			handle(n);
		return 0;
	}
	return (events & (EPOLLHUP | EPOLLERR)) != 0;
}

/*
 * The listener's own thread (server_thread_session()): it waits in RECV
 * itself, so that the kernel's SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP wakes it
 * on the CPU of the thread that trapped, which then sleeps: broker and
 * worker trade that CPU instead of waking another.  1 with a notification
 * to handle, 0 to wait again, -1 once the last filtered task is gone (the
 * kernel then ends every RECV: ENOENT, and the listener polls as hung up).
 */
static int
listener_wait(void *arg)
{
	struct notifier *n = arg;
	struct pollfd p;

	if (recv_notif(n) == 0)
		return 1;
	if (errno != ENOENT)
		return 0;
	p.fd = n->fd;
	p.events = POLLIN;
	p.revents = 0;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) ? -1 : 0;
}

static void
listener_work(void *arg)
{
	handle(arg);
}

int
notify_first_exec(int fd, struct notify_first *x)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	char raw[PATH_MAX];
	struct call c;
	int rc = -1, ok = 0, saved;

	memset(x, 0, sizeof(*x));
	if (notify_init() == -1)
		return -1;
	req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req));
	resp = calloc(1,
	    sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp : sizeof(*resp));
	if (req == NULL || resp == NULL)
		goto out;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &x->t0);
	x->tid = (pid_t)req->pid;
	if (task_exe_read(x->tid, x->exe, sizeof(x->exe)) < 0)
		x->exe[0] = '\0';
	ok = req->data.arch == AUDIT_ARCH_X86_64 && call_decode(req, &c) == 0 && c.op == OP_EXEC &&
	    worker_read_string(x->tid, c.path_addr, raw, sizeof(raw)) == 0 &&
	    task_path(x->tid, c.dirfd, raw, x->path, sizeof(x->path)) == 0;
	if (!ok)
		x->path[0] = '\0';
	resp->id = req->id;
	resp->error = ok ? 0 : -EACCES;
	resp->flags = ok ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) == -1 && errno != ENOENT)
		goto out;
	rc = 0;
out:
	saved = errno;
	free(req);
	free(resp);
	errno = saved;
	return rc;
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
 * the wait guard).  Under served_lock.
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

/* notify_start() but for the close: fd is still the caller's on failure.
 * adopted: a daemon peer's (EBUSY when the listener is served already). */
static int
notifier_add(struct server *sv, struct session *s, int fd, int adopted)
{
	struct notifier *n;
	int saved, sync, own;

	if (notify_init() == -1)
		return -1;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	n->sv = sv;
	n->s = s;
	n->fd = fd;
	n->adopted = adopted;
	task_cache_init(&n->tasks, s->ns);
	n->reqsize = sizes.seccomp_notif > sizeof(*n->req_notif) ? sizes.seccomp_notif :
								   sizeof(*n->req_notif);
	n->respsize = sizes.seccomp_notif_resp > sizeof(*n->resp) ? sizes.seccomp_notif_resp :
								    sizeof(*n->resp);
	n->req_notif = calloc(1, n->reqsize);
	n->resp = calloc(1, n->respsize);
	if (n->req_notif == NULL || n->resp == NULL) {
		saved = ENOMEM;
		goto fail;
	}
	/* Checked and listed at once, so that two peers sending one listener
	 * together cannot both pass the check. */
	pthread_mutex_lock(&served_lock);
	if (adopted && listener_served(fd)) {
		pthread_mutex_unlock(&served_lock);
		saved = EBUSY;
		goto fail;
	}
	n->next = served;
	served = n;
	pthread_mutex_unlock(&served_lock);
	/* Wake-ups on the trapping thread's CPU (Linux 6.6; older kernels
	 * say EINVAL or ENOTTY: the wake-ups are only slower).  They reach a
	 * thread waiting in RECV itself, not one in epoll: run's own
	 * listener, whose server has not started yet, gets such a thread; a
	 * daemon peer's, which comes once the threads are running (and
	 * clone(2) is refused), the event loop.  Either way the session is
	 * held while the listener is served (EBUSY: it has one already), and
	 * its events wait for the session's work that asks for this (the
	 * peer's FB_MSG_LISTENER). */
	sync = ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
	own = sync && !adopted &&
	    server_thread_session(sv, s, listener_wait, listener_work, notifier_gone, n) == 0;
	if (!own && server_watch_session(sv, s, fd, on_listener, notifier_gone, n) == -1) {
		saved = errno;
		served_remove(n);
		goto fail;
	}
	if (!adopted)
		log_info("transparent mode: the seccomp listener is %s",
		    own ? "read by a thread of its own, woken on the CPU of the thread that asks "
			  "(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)" :
			sync ?
			  "served from the event loop (no thread of its own could be made)" :
			  "served from the event loop: this kernel cannot wake it on the CPU of "
			  "the thread that asks (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6)");
	__atomic_add_fetch(&nactive, 1, __ATOMIC_RELAXED);
	return 0;
fail:
	free(n->req_notif);
	free(n->resp);
	free(n);
	errno = saved;
	return -1;
}

int
notify_start(struct server *sv, struct session *s, int fd)
{
	if (notifier_add(sv, s, fd, 0) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
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
	if ((r = notifier_add(sv, s, fd, 1) == -1 ? errno : 0) != 0)
		fdpass_close_quietly(fd); /* the worker's */
	return r;
}
