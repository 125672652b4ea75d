/*
 * notify_call.c: a seccomp notification's system call as the broker reads
 * it, for notify.c: its arguments mapped to an operation and its
 * arguments (call_decode(), a pure function of the notification but for
 * openat2's struct open_how), the worker's memory copied out once
 * (worker_read_string(), worker_read_mem(), call_read_times()), and the
 * statx layout a stat answer may be written in.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "notify_call.h"

#define PAGE 4096

/* The first published struct open_how (Linux 5.6). */
#define OPEN_HOW_SIZE_V0 24

/* Copy a NUL-terminated string out of the worker, never reading across a
 * page it did not ask for (a path at the end of a mapping is fine).  The
 * first read takes FIRST_READ bytes at most, enough for most paths: the
 * rest of a page would be copied for nothing. */
#define FIRST_READ 256
int
worker_read_string(pid_t tid, uint64_t addr, char *buf, size_t size)
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

int
worker_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno != EFAULT ? -errno : -EFAULT;
}

void
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

/* Every bit inotify_add_watch(2) knows (the kernel's ALL_INOTIFY_BITS). */
#define IN_ALL_BITS \
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW | \
	    IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)

#define RESOLVE_ALL \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
	    RESOLVE_IN_ROOT | RESOLVE_CACHED)

int
call_decode(const struct seccomp_notif *req, struct call *c)
{
	const __u64 *a = req->data.args;
	struct open_how how;
	uint8_t tail[64];
	uint64_t size, off;

	memset(c, 0, sizeof(*c));
	c->dirfd = c->dirfd2 = AT_FDCWD;
	c->wfd = -1;
	switch (req->data.nr) {
	case SYS_open:
		c->op = OP_OPEN, c->path_addr = a[0], c->a.open.flags = (uint32_t)a[1];
		c->a.open.mode = (uint32_t)a[2];
		break;
	case SYS_creat:
		c->op = OP_OPEN, c->path_addr = a[0];
		c->a.open.flags = O_CREAT | O_WRONLY | O_TRUNC, c->a.open.mode = (uint32_t)a[1];
		break;
	case SYS_openat:
		c->op = OP_OPEN, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->a.open.flags = (uint32_t)a[2], c->a.open.mode = (uint32_t)a[3];
		break;
	case SYS_openat2:
		size = a[3];
		if (size < OPEN_HOW_SIZE_V0)
			return EINVAL;
		if (size > PAGE)
			return E2BIG;
		memset(&how, 0, sizeof(how));
		if (worker_read_mem(req->pid, a[2], &how, sizeof(how) < size ? sizeof(how) : size))
			return EFAULT;
		/* Bytes of a newer, larger struct must be zero. */
		for (off = sizeof(how); off < size; off += sizeof(tail)) {
			size_t k = size - off < sizeof(tail) ? (size_t)(size - off) : sizeof(tail),
			       i;

			if (worker_read_mem(req->pid, a[2] + off, tail, k))
				return EFAULT;
			for (i = 0; i < k; i++)
				if (tail[i] != 0)
					return E2BIG;
		}
		if (how.flags > UINT32_MAX || how.mode > 07777 ||
		    (how.resolve & ~RESOLVE_ALL) != 0 ||
		    (how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) ==
			(RESOLVE_BENEATH | RESOLVE_IN_ROOT))
			return EINVAL;
		/* "Only from the caches": never true of a lookup made in
		 * another process, and EAGAIN is the documented answer that
		 * makes callers ask again without it. */
		if (how.resolve & RESOLVE_CACHED)
			return EAGAIN;
		c->op = OP_OPEN, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->a.open.flags = (uint32_t)how.flags, c->a.open.mode = (uint32_t)how.mode;
		c->a.open.resolve = how.resolve;
		break;
	case SYS_stat:
	case SYS_lstat:
		c->op = req->data.nr == SYS_stat ? OP_STAT : OP_LSTAT;
		c->path_addr = a[0], c->out_addr = a[1];
		break;
	case SYS_newfstatat:
		if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
			return EINVAL;
		c->op = (a[3] & AT_SYMLINK_NOFOLLOW) ? OP_LSTAT : OP_STAT;
		c->dirfd = (int)a[0], c->path_addr = a[1], c->out_addr = a[2];
		c->empty_ok = (a[3] & AT_EMPTY_PATH) != 0;
		break;
	case SYS_statx:
		c->op = (a[2] & AT_SYMLINK_NOFOLLOW) ? OP_LSTAT : OP_STAT;
		c->dirfd = (int)a[0], c->path_addr = a[1], c->out_addr = a[4];
		c->empty_ok = (a[2] & AT_EMPTY_PATH) != 0;
		c->statx = 1;
		break;
	case SYS_access:
		c->op = OP_ACCESS, c->path_addr = a[0], c->a.access.mode = (uint32_t)a[1];
		break;
	case SYS_faccessat:
	case SYS_faccessat2:
		if (req->data.nr == SYS_faccessat2 &&
		    (a[3] & ~(uint64_t)(AT_EACCESS | AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)))
			return EINVAL;
		c->op = OP_ACCESS, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->a.access.mode = (uint32_t)a[2];
		c->empty_ok = req->data.nr == SYS_faccessat2 && (a[3] & AT_EMPTY_PATH);
		break;
	case SYS_readlink:
		c->op = OP_READLINK, c->path_addr = a[0], c->out_addr = a[1];
		c->out_size = a[2];
		break;
	case SYS_readlinkat:
		c->op = OP_READLINK, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->out_addr = a[2], c->out_size = a[3];
		break;
	case SYS_mkdir:
		c->op = OP_MKDIR, c->path_addr = a[0], c->a.mkdir.mode = (uint32_t)a[1];
		break;
	case SYS_mkdirat:
		c->op = OP_MKDIR, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->a.mkdir.mode = (uint32_t)a[2];
		break;
	case SYS_mknod:
		c->op = OP_MKNOD, c->path_addr = a[0], c->a.mknod.mode = (uint32_t)a[1];
		c->a.mknod.dev = a[2];
		break;
	case SYS_mknodat:
		c->op = OP_MKNOD, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->a.mknod.mode = (uint32_t)a[2], c->a.mknod.dev = a[3];
		break;
	case SYS_unlink:
		c->op = OP_UNLINK, c->path_addr = a[0];
		break;
	case SYS_rmdir:
		c->op = OP_RMDIR, c->path_addr = a[0];
		break;
	case SYS_unlinkat:
		if (a[2] & ~(uint64_t)AT_REMOVEDIR)
			return EINVAL;
		c->op = (a[2] & AT_REMOVEDIR) ? OP_RMDIR : OP_UNLINK;
		c->dirfd = (int)a[0], c->path_addr = a[1];
		break;
	case SYS_rename:
		c->op = OP_RENAME, c->path_addr = a[0], c->path2_addr = a[1];
		break;
	case SYS_symlink:
		/* path: the new name; path2: the target, kept as written. */
		c->op = OP_SYMLINK, c->path_addr = a[1], c->path2_addr = a[0];
		break;
	case SYS_symlinkat:
		c->op = OP_SYMLINK, c->dirfd = (int)a[1], c->path_addr = a[2];
		c->path2_addr = a[0];
		break;
	case SYS_utimensat:
		/* The filter sends only calls with a path (futimens passes).
		 * AT_EMPTY_PATH with "" would mean the descriptor itself,
		 * which futimens() does without the broker: ENOENT, as
		 * without the flag. */
		if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return EINVAL;
		c->op = OP_UTIMES, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->out_addr = a[2], c->a.utimes.flags = (uint32_t)(a[3] & AT_SYMLINK_NOFOLLOW);
		break;
	case SYS_link:
		c->op = OP_LINK, c->path_addr = a[0], c->path2_addr = a[1];
		break;
	case SYS_linkat:
		if (a[4] & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
			return EINVAL;
		/* Naming a descriptor's file takes CAP_DAC_READ_SEARCH, which
		 * the worker lacks: ENOENT, as the kernel says. */
		if (a[4] & AT_EMPTY_PATH)
			return ENOENT;
		c->op = OP_LINK, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->dirfd2 = (int)a[2], c->path2_addr = a[3], c->a.link.flags = (uint32_t)a[4];
		break;
	case SYS_utime:
	case SYS_utimes:
		/* Older forms of utimensat(2) for old static programs: a path,
		 * then NULL ("now") or the times in their own layout. */
		c->op = OP_UTIMES, c->path_addr = a[0], c->out_addr = a[1];
		c->times = req->data.nr == SYS_utime ? TIMES_UTIMBUF : TIMES_TIMEVAL;
		break;
	case SYS_futimesat:
		c->op = OP_UTIMES, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->out_addr = a[2], c->times = TIMES_TIMEVAL;
		break;
	case SYS_renameat:
	case SYS_renameat2:
		/* RENAME_NOREPLACE and RENAME_EXCHANGE are brokered (op_rename
		 * checks them again); RENAME_WHITEOUT needs CAP_MKNOD, which
		 * the worker lacks, so EPERM as the kernel would say. */
		if (req->data.nr == SYS_renameat2) {
			if (a[4] &
				~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) ||
			    ((a[4] & RENAME_EXCHANGE) && (a[4] & ~(uint64_t)RENAME_EXCHANGE)))
				return EINVAL;
			if (a[4] & RENAME_WHITEOUT)
				return EPERM;
			c->a.rename.flags = (uint32_t)a[4];
		}
		c->op = OP_RENAME, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->dirfd2 = (int)a[2], c->path2_addr = a[3];
		break;
	case SYS_inotify_add_watch:
		/* The kernel's first checks, before the descriptor's. */
		if ((a[2] & IN_ALL_BITS) == 0 ||
		    (a[2] & (IN_MASK_ADD | IN_MASK_CREATE)) == (IN_MASK_ADD | IN_MASK_CREATE))
			return EINVAL;
		c->op = OP_WATCH, c->path_addr = a[1], c->wfd = (int)a[0];
		c->a.watch.mask = (uint32_t)a[2], c->a.watch.ifd = -1;
		break;
	case SYS_truncate:
		c->op = OP_TRUNCATE, c->path_addr = a[0], c->a.truncate.length = (int64_t)a[1];
		break;
	case SYS_statfs:
		c->op = OP_STATFS, c->path_addr = a[0], c->out_addr = a[1];
		break;
	case SYS_chmod:
		c->op = OP_CHMOD, c->path_addr = a[0], c->a.chmod.mode = (uint32_t)a[1];
		break;
	case SYS_fchmodat:
		c->op = OP_CHMOD, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->a.chmod.mode = (uint32_t)a[2];
		break;
	case SYS_fchmod:
		c->op = OP_CHMOD, c->dirfd = (int)a[0], c->a.chmod.mode = (uint32_t)a[1];
		c->fchmod = 1;
		break;
	case SYS_chdir:
		c->chdir = 1, c->op = OP_STAT, c->path_addr = a[0];
		break;
	case SYS_fchdir:
		c->chdir = 2, c->op = OP_STAT;
		break;
	case SYS_execve:
		c->op = OP_EXEC, c->path_addr = a[0];
		break;
	case SYS_execveat:
		/* Flags the kernel refuses it refuses itself: the call goes on
		 * to it whatever is recorded (notify.c). */
		c->op = OP_EXEC, c->dirfd = (int)a[0], c->path_addr = a[1];
		c->empty_ok = (a[4] & AT_EMPTY_PATH) != 0;
		c->a.exec.nofollow = (a[4] & AT_SYMLINK_NOFOLLOW) != 0;
		break;
	default:
		return ENOSYS;
	}
	if (c->op == OP_READLINK && (int64_t)c->out_size <= 0)
		return EINVAL;
	/* Read even when NULL: worker_read_string() then says EFAULT, as the kernel. */
	c->path2 = c->op == OP_RENAME || c->op == OP_SYMLINK || c->op == OP_LINK;
	if (c->op == OP_OPEN) {
		c->cloexec = (c->a.open.flags & O_CLOEXEC) != 0;
		/* O_CLOEXEC is applied by ADDFD, the broker's copy always has it. */
		c->a.open.flags &= ~(uint32_t)O_CLOEXEC;
	}
	return 0;
}

/*
 * The two times of utimensat(2) (struct timespec), utimes(2) and
 * futimesat(2) (struct timeval) or utime(2) (struct utimbuf), copied once,
 * like the path, checked as the kernel checks them and made timespecs.
 * 0, or a negative errno.
 */
int
call_read_times(pid_t tid, const struct call *c, struct timespec t[2])
{
	struct timeval tv[2];
	struct utimbuf ub;
	int k, e;

	switch (c->times) {
	case TIMES_UTIMBUF:
		if ((e = worker_read_mem(tid, c->out_addr, &ub, sizeof(ub))) != 0)
			return e;
		t[0].tv_sec = ub.actime, t[0].tv_nsec = 0;
		t[1].tv_sec = ub.modtime, t[1].tv_nsec = 0;
		return 0;
	case TIMES_TIMEVAL:
		if ((e = worker_read_mem(tid, c->out_addr, tv, sizeof(tv))) != 0)
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
	if ((e = worker_read_mem(tid, c->out_addr, t, 2 * sizeof(*t))) != 0)
		return e;
	for (k = 0; k < 2; k++)
		if (t[k].tv_nsec != UTIME_NOW && t[k].tv_nsec != UTIME_OMIT &&
		    (t[k].tv_nsec < 0 || t[k].tv_nsec >= 1000000000L))
			return -EINVAL;
	return 0;
}
