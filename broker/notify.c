/*
 * notify.c: transparent mode, the broker as the worker's seccomp
 * supervisor; see notify.h.
 *
 * For each notification, in this order (../shared/reference/
 * transparent-mode.md, sections 2 and 3):
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
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "log.h"
#include "notify.h"
#include "ops.h"
#include "path.h"
#include "proto.h"
#include "serve.h"
#include "task.h"

#define PAGE 4096

/* Linux 6.6; missing from Debian 12's headers.  With it, the kernel wakes
 * the supervisor on the CPU of the thread that trapped, and the thread on
 * the supervisor's CPU when SEND answers it. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* The first published struct open_how (Linux 5.6). */
#define OPEN_HOW_SIZE_V0 24


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
};

static int nactive;

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

/* Copy a NUL-terminated string out of the worker, never reading across a
 * page it did not ask for (a path at the end of a mapping is fine).  The
 * first read takes FIRST_READ bytes at most, enough for most paths: the
 * rest of a page would be copied for nothing. */
#define FIRST_READ 256
static int
read_string(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	struct iovec local, remote;
	size_t off = 0, len;
	ssize_t n;

	if (addr == 0)
		return -EFAULT;
	while (off < size) {
		len = PAGE - ((addr + off) % PAGE);
		if (off == 0 && len > FIRST_READ)
			len = FIRST_READ;
		if (len > size - off)
			len = size - off;
		local.iov_base = buf + off;
		local.iov_len = len;
		remote.iov_base = (void *)(uintptr_t)(addr + off);
		remote.iov_len = len;
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return n == 0 || errno == EFAULT ? -EFAULT : -errno;
		if (memchr(buf + off, '\0', (size_t)n) != NULL)
			return 0;
		off += (size_t)n;
	}
	return -ENAMETOOLONG;
}

static int
read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno != EFAULT ? -errno : -EFAULT;
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


static void
wire_to_stat(const struct fb_wire_stat *w, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = w->dev;
	st->st_ino = w->ino;
	st->st_mode = (mode_t)w->mode;
	st->st_nlink = w->nlink;
	st->st_uid = (uid_t)w->uid;
	st->st_gid = (gid_t)w->gid;
	st->st_rdev = w->rdev;
	st->st_size = w->size;
	st->st_blksize = w->blksize;
	st->st_blocks = w->blocks;
	st->st_atim.tv_sec = w->atime_ns / 1000000000;
	st->st_atim.tv_nsec = w->atime_ns % 1000000000;
	st->st_mtim.tv_sec = w->mtime_ns / 1000000000;
	st->st_mtim.tv_nsec = w->mtime_ns % 1000000000;
	st->st_ctim.tv_sec = w->ctime_ns / 1000000000;
	st->st_ctim.tv_nsec = w->ctime_ns % 1000000000;
}

static void
stat_to_statx(const struct stat *st, struct statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = (uint32_t)st->st_blksize;
	sx->stx_nlink = (uint32_t)st->st_nlink;
	sx->stx_uid = st->st_uid;
	sx->stx_gid = st->st_gid;
	sx->stx_mode = (uint16_t)st->st_mode;
	sx->stx_ino = st->st_ino;
	sx->stx_size = (uint64_t)st->st_size;
	sx->stx_blocks = (uint64_t)st->st_blocks;
	sx->stx_atime.tv_sec = st->st_atim.tv_sec;
	sx->stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
	sx->stx_mtime.tv_sec = st->st_mtim.tv_sec;
	sx->stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
	sx->stx_ctime.tv_sec = st->st_ctim.tv_sec;
	sx->stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
	sx->stx_rdev_major = major(st->st_rdev);
	sx->stx_rdev_minor = minor(st->st_rdev);
	sx->stx_dev_major = major(st->st_dev);
	sx->stx_dev_minor = minor(st->st_dev);
}

/* What a notified syscall asks for, once its arguments are copied. */
struct call {
	uint16_t type;	   /* FB_MSG_* */
	int dirfd, dirfd2;
	uint64_t path_addr, path2_addr;
	uint32_t flags, mode;
	int empty_ok;	   /* AT_EMPTY_PATH given */
	uint64_t out_addr; /* stat buffer, readlink buffer, utimensat times */
	uint64_t out_size; /* readlink size */
	int statx;	   /* write a struct statx, not a struct stat */
	int cloexec;	   /* open: the worker's O_CLOEXEC */
	int chdir;	   /* 1 chdir, 2 fchdir */
	int fchmod;	   /* fchmod(2): dirfd is its descriptor, no path */
	int64_t length;	   /* truncate(2) */
	int ifd;	   /* inotify_add_watch(2): the worker's inotify descriptor */
	enum { TIMES_TIMESPEC, TIMES_TIMEVAL, TIMES_UTIMBUF } times; /* OPS_MSG_UTIMES */
	uint64_t resolve;  /* openat2: RESOLVE_* */
	int path2;	   /* a second path argument (rename, symlink) */
};

/* Every bit inotify_add_watch(2) knows (the kernel's ALL_INOTIFY_BITS). */
#define IN_ALL_BITS                                                                  \
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR |        \
	    IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | \
	    IN_ONESHOT)

#define RESOLVE_ALL                                                                      \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
	    RESOLVE_IN_ROOT | RESOLVE_CACHED)

/* Map the syscall to a call.  Returns 0, or a positive errno to answer. */
static int
decode_call(struct notifier *n, struct call *c)
{
	const __u64 *a = n->req->data.args;
	struct open_how how;
	uint8_t tail[64];
	uint64_t size, off;

	memset(c, 0, sizeof(*c));
	c->dirfd = c->dirfd2 = AT_FDCWD;
	switch (n->req->data.nr) {
	case SYS_open:
		c->type = FB_MSG_OPEN, c->path_addr = a[0], c->flags = (uint32_t)a[1];
		c->mode = (uint32_t)a[2];
		break;
	case SYS_creat:
		c->type = FB_MSG_OPEN, c->path_addr = a[0];
		c->flags = O_CREAT | O_WRONLY | O_TRUNC, c->mode = (uint32_t)a[1];
		break;
	case SYS_openat:
		c->type = FB_MSG_OPEN, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->flags = (uint32_t)a[2], c->mode = (uint32_t)a[3];
		break;
	case SYS_openat2:
		size = a[3];
		if (size < OPEN_HOW_SIZE_V0)
			return EINVAL;
		if (size > PAGE)
			return E2BIG;
		memset(&how, 0, sizeof(how));
		if (read_mem(n->req->pid, a[2], &how, sizeof(how) < size ? sizeof(how) : size))
			return EFAULT;
		/* Bytes of a newer, larger struct must be zero. */
		for (off = sizeof(how); off < size; off += sizeof(tail)) {
			size_t k = size - off < sizeof(tail) ? (size_t)(size - off) : sizeof(tail), i;

			if (read_mem(n->req->pid, a[2] + off, tail, k))
				return EFAULT;
			for (i = 0; i < k; i++)
				if (tail[i] != 0)
					return E2BIG;
		}
		if (how.flags > UINT32_MAX || how.mode > 07777 || (how.resolve & ~RESOLVE_ALL) != 0 ||
		    (how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) ==
			(RESOLVE_BENEATH | RESOLVE_IN_ROOT))
			return EINVAL;
		/* "Only from the caches": never true of a lookup made in
		 * another process, and EAGAIN is the documented answer that
		 * makes callers ask again without it. */
		if (how.resolve & RESOLVE_CACHED)
			return EAGAIN;
		c->type = FB_MSG_OPEN, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->flags = (uint32_t)how.flags, c->mode = (uint32_t)how.mode;
		c->resolve = how.resolve;
		break;
	case SYS_stat:
	case SYS_lstat:
		c->type = n->req->data.nr == SYS_stat ? FB_MSG_STAT : FB_MSG_LSTAT;
		c->path_addr = a[0], c->out_addr = a[1];
		break;
	case SYS_newfstatat:
		if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
			return EINVAL;
		c->type = (a[3] & AT_SYMLINK_NOFOLLOW) ? FB_MSG_LSTAT : FB_MSG_STAT;
		c->dirfd = (int)a[0], c->path_addr = a[1], c->out_addr = a[2];
		c->empty_ok = (a[3] & AT_EMPTY_PATH) != 0;
		break;
	case SYS_statx:
		c->type = (a[2] & AT_SYMLINK_NOFOLLOW) ? FB_MSG_LSTAT : FB_MSG_STAT;
		c->dirfd = (int)a[0], c->path_addr = a[1], c->out_addr = a[4];
		c->empty_ok = (a[2] & AT_EMPTY_PATH) != 0;
		c->statx = 1;
		break;
	case SYS_access:
		c->type = FB_MSG_ACCESS, c->path_addr = a[0], c->mode = (uint32_t)a[1];
		break;
	case SYS_faccessat:
	case SYS_faccessat2:
		if (n->req->data.nr == SYS_faccessat2 &&
		    (a[3] & ~(uint64_t)(AT_EACCESS | AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)))
			return EINVAL;
		c->type = FB_MSG_ACCESS, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->mode = (uint32_t)a[2];
		c->empty_ok = n->req->data.nr == SYS_faccessat2 && (a[3] & AT_EMPTY_PATH);
		break;
	case SYS_readlink:
		c->type = FB_MSG_READLINK, c->path_addr = a[0], c->out_addr = a[1];
		c->out_size = a[2];
		break;
	case SYS_readlinkat:
		c->type = FB_MSG_READLINK, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->out_addr = a[2], c->out_size = a[3];
		break;
	case SYS_mkdir:
		c->type = FB_MSG_MKDIR, c->path_addr = a[0], c->mode = (uint32_t)a[1];
		break;
	case SYS_mkdirat:
		c->type = FB_MSG_MKDIR, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->mode = (uint32_t)a[2];
		break;
	case SYS_unlink:
		c->type = FB_MSG_UNLINK, c->path_addr = a[0];
		break;
	case SYS_rmdir:
		c->type = FB_MSG_RMDIR, c->path_addr = a[0];
		break;
	case SYS_unlinkat:
		if (a[2] & ~(uint64_t)AT_REMOVEDIR)
			return EINVAL;
		c->type = (a[2] & AT_REMOVEDIR) ? FB_MSG_RMDIR : FB_MSG_UNLINK;
		c->dirfd = (int)a[0], c->path_addr = a[1];
		break;
	case SYS_rename:
		c->type = FB_MSG_RENAME, c->path_addr = a[0], c->path2_addr = a[1];
		break;
	case SYS_symlink:
		/* path: the new name; path2: the target, kept as written. */
		c->type = OPS_MSG_SYMLINK, c->path_addr = a[1], c->path2_addr = a[0];
		break;
	case SYS_symlinkat:
		c->type = OPS_MSG_SYMLINK, c->dirfd = (int)a[1], c->path_addr = a[2];
		c->path2_addr = a[0];
		break;
	case SYS_utimensat:
		/* The filter sends only calls with a path (futimens passes).
		 * AT_EMPTY_PATH with "" would mean the descriptor itself,
		 * which futimens() does without the broker: ENOENT, as
		 * without the flag. */
		if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return EINVAL;
		c->type = OPS_MSG_UTIMES, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->out_addr = a[2], c->flags = (uint32_t)(a[3] & AT_SYMLINK_NOFOLLOW);
		break;
	case SYS_link:
		c->type = OPS_MSG_LINK, c->path_addr = a[0], c->path2_addr = a[1];
		break;
	case SYS_linkat:
		if (a[4] & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
			return EINVAL;
		/* Naming a descriptor's file takes CAP_DAC_READ_SEARCH, which
		 * the worker lacks: ENOENT, as the kernel says. */
		if (a[4] & AT_EMPTY_PATH)
			return ENOENT;
		c->type = OPS_MSG_LINK, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->dirfd2 = (int)a[2], c->path2_addr = a[3], c->flags = (uint32_t)a[4];
		break;
	case SYS_utime:
	case SYS_utimes:
		/* Older forms of utimensat(2) for old static programs: a path,
		 * then NULL ("now") or the times in their own layout. */
		c->type = OPS_MSG_UTIMES, c->path_addr = a[0], c->out_addr = a[1];
		c->times = n->req->data.nr == SYS_utime ? TIMES_UTIMBUF : TIMES_TIMEVAL;
		break;
	case SYS_futimesat:
		c->type = OPS_MSG_UTIMES, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->out_addr = a[2], c->times = TIMES_TIMEVAL;
		break;
	case SYS_renameat:
	case SYS_renameat2:
		/* RENAME_NOREPLACE and RENAME_EXCHANGE are brokered (op_rename
		 * checks them again); RENAME_WHITEOUT needs CAP_MKNOD, which
		 * the worker lacks, so EPERM as the kernel would say. */
		if (n->req->data.nr == SYS_renameat2) {
			if (a[4] & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) ||
			    ((a[4] & RENAME_EXCHANGE) && (a[4] & ~(uint64_t)RENAME_EXCHANGE)))
				return EINVAL;
			if (a[4] & RENAME_WHITEOUT)
				return EPERM;
			c->flags = (uint32_t)a[4];
		}
		c->type = FB_MSG_RENAME, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->dirfd2 = (int)a[2], c->path2_addr = a[3];
		break;
	case SYS_inotify_add_watch:
		/* The kernel's first checks, before the descriptor's. */
		if ((a[2] & IN_ALL_BITS) == 0 ||
		    (a[2] & (IN_MASK_ADD | IN_MASK_CREATE)) == (IN_MASK_ADD | IN_MASK_CREATE))
			return EINVAL;
		c->type = OPS_MSG_WATCH, c->path_addr = a[1], c->ifd = (int)a[0];
		c->flags = (uint32_t)a[2];
		break;
	case SYS_truncate:
		c->type = OPS_MSG_TRUNCATE, c->path_addr = a[0], c->length = (int64_t)a[1];
		break;
	case SYS_statfs:
		c->type = OPS_MSG_STATFS, c->path_addr = a[0], c->out_addr = a[1];
		break;
	case SYS_chmod:
		c->type = OPS_MSG_CHMOD, c->path_addr = a[0], c->mode = (uint32_t)a[1];
		break;
	case SYS_fchmodat:
		c->type = OPS_MSG_CHMOD, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->mode = (uint32_t)a[2];
		break;
	case SYS_fchmod:
		c->type = OPS_MSG_CHMOD, c->dirfd = (int)a[0], c->mode = (uint32_t)a[1];
		c->fchmod = 1;
		break;
	case SYS_chdir:
		c->chdir = 1, c->type = FB_MSG_STAT, c->path_addr = a[0];
		break;
	case SYS_fchdir:
		c->chdir = 2;
		break;
	default:
		return ENOSYS;
	}
	if (c->type == FB_MSG_READLINK && (int64_t)c->out_size <= 0)
		return EINVAL;
	/* Read even when NULL: read_string() then says EFAULT, as the kernel. */
	c->path2 = c->type == FB_MSG_RENAME || c->type == OPS_MSG_SYMLINK || c->type == OPS_MSG_LINK;
	if (c->type == FB_MSG_OPEN) {
		c->cloexec = (c->flags & O_CLOEXEC) != 0;
		/* O_CLOEXEC is applied by ADDFD, the broker's copy always has it. */
		c->flags &= ~(uint32_t)O_CLOEXEC;
	}
	return 0;
}

/*
 * The two times of utimensat(2) (struct timespec), utimes(2) and
 * futimesat(2) (struct timeval) or utime(2) (struct utimbuf), copied once,
 * like the path, checked as the kernel checks them and made timespecs.
 * 0, or a negative errno.
 */
static int
read_times(pid_t tid, const struct call *c, struct timespec t[2])
{
	struct timeval tv[2];
	struct utimbuf ub;
	int k, e;

	switch (c->times) {
	case TIMES_UTIMBUF:
		if ((e = read_mem(tid, c->out_addr, &ub, sizeof(ub))) != 0)
			return e;
		t[0].tv_sec = ub.actime, t[0].tv_nsec = 0;
		t[1].tv_sec = ub.modtime, t[1].tv_nsec = 0;
		return 0;
	case TIMES_TIMEVAL:
		if ((e = read_mem(tid, c->out_addr, tv, sizeof(tv))) != 0)
			return e;
		for (k = 0; k < 2; k++) {
			if (tv[k].tv_usec < 0 || tv[k].tv_usec >= 1000000)
				return -EINVAL;
			t[k].tv_sec = tv[k].tv_sec, t[k].tv_nsec = tv[k].tv_usec * 1000;
		}
		return 0;
	case TIMES_TIMESPEC:
		break;
	}
	if ((e = read_mem(tid, c->out_addr, t, 2 * sizeof(*t))) != 0)
		return e;
	for (k = 0; k < 2; k++)
		if (t[k].tv_nsec != UTIME_NOW && t[k].tv_nsec != UTIME_OMIT &&
		    (t[k].tv_nsec < 0 || t[k].tv_nsec >= 1000000000L))
			return -EINVAL;
	return 0;
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
	if ((e = decode_call(n, &c)) != 0) {
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
	 * fchmod has none: raw stays "x", a name never looked at. */
	raw[0] = 'x', raw[1] = '\0';
	if ((!c.fchmod && (e = read_string(tid, c.path_addr, raw, sizeof(raw))) < 0) ||
	    (c.path2 && (e = read_string(tid, c.path2_addr, raw2, sizeof(raw2))) < 0)) {
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
	    (e = read_times(tid, &c, n->times)) == 0)
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
	/* The thread cache's pidfds are watched by the server. */
	server_lock(n->sv);
	o.pid = task_tgid(&n->tasks, tid);
	server_unlock(n->sv);
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

	task_cache_clear(&n->tasks);
	server_unwatch(n->sv, n->fd);
	close(n->fd);
	free(n->req);
	free(n->resp);
	free(n);
	nactive--;
}

static void
on_listener(void *arg, uint32_t events)
{
	struct notifier *n = arg;

	if (events & EPOLLIN) {
		memset(n->req, 0, n->reqsize);
		if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req) == -1) {
			/* ENOENT, EINTR: the target went away first. */
			if (errno != ENOENT && errno != EINTR)
				log_warn("seccomp RECV");
			return;
		}
		/* Without the server lock, which this callback holds: the
		 * call may wait on the file system, and other threads serve
		 * other sessions meanwhile (serve.h); this session's other
		 * events wait for it. */
		server_unlock(n->sv);
		handle(n);
		server_lock(n->sv);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		notifier_free(n); /* the last filtered task is gone */
}

int
notify_start(struct server *sv, struct session *s, int fd)
{
	struct notifier *n;
	int saved;

	if (notify_init() == -1) {
		close(fd);
		return -1;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		close(fd);
		return -1;
	}
	n->sv = sv;
	n->s = s;
	n->fd = fd;
	task_cache_init(&n->tasks, sv);
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
		close(fd);
		errno = saved;
		return -1;
	}
	/* Older kernels say EINVAL or ENOTTY: the wake-ups are only slower. */
	(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	nactive++;
	return 0;
}

int
notify_adopt(struct server *sv, struct session *s, int fd)
{
	char link[64], target[64];
	ssize_t len;
	__u64 id = 0;
	int fl;

	/* What the kernel says the descriptor is, before any ioctl: a
	 * seccomp ioctl number may mean something else to a device.  Not
	 * O_PATH, which names the file without giving access to it. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	fl = fcntl(fd, F_GETFL);
	if (len < 0 || fl == -1 || (fl & O_PATH)) {
		close(fd);
		return EBADF;
	}
	target[len] = '\0';
	/* A listener knows no notification 0 (ENOENT); anything else that
	 * calls itself so is not one. */
	if (strcmp(target, "anon_inode:seccomp notify") != 0 ||
	    (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 || errno != ENOENT)) {
		close(fd);
		return EBADF;
	}
	if (notify_start(sv, s, fd) == -1)
		return errno;
	return 0;
}
