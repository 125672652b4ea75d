/*
 * notify_call.h: a seccomp notification's system call as the broker reads
 * it (notify_call.c), for notify.c.
 */
#ifndef FB_NOTIFY_CALL_H
#define FB_NOTIFY_CALL_H

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "request.h"

struct statx;

/* What a notified syscall asks for: the operation and its arguments as
 * the registers say (the worker's memory not read yet, but for openat2's
 * struct open_how). */
struct call {
	enum op op;
	union op_args a; /* flags, modes and lengths; no pointer set */
	int dirfd, dirfd2;
	uint64_t path_addr, path2_addr;
	int empty_ok;	   /* AT_EMPTY_PATH given */
	uint64_t out_addr; /* stat buffer, readlink buffer, utimensat times */
	uint64_t out_size; /* readlink size */
	int statx;	   /* write a struct statx, not a struct stat */
	int cloexec;	   /* open: the worker's O_CLOEXEC */
	int chdir;	   /* 1 chdir, 2 fchdir */
	int fchmod;	   /* fchmod(2): dirfd is its descriptor, no path */
	int wfd;	   /* inotify_add_watch(2): the worker's inotify descriptor */
	enum { TIMES_TIMESPEC, TIMES_TIMEVAL, TIMES_UTIMBUF } times; /* OP_UTIMES */
	int path2; /* a second path argument (rename, link, symlink) */
};

/* Map the notification's system call to a call: 0, or a positive errno to
 * answer with (ENOSYS: not a brokered call; openat2's struct open_how is
 * copied from the worker here). */
int call_decode(const struct seccomp_notif *req, struct call *c);

/*
 * The two times of utimensat(2) (struct timespec), utimes(2) and
 * futimesat(2) (struct timeval) or utime(2) (struct utimbuf) at
 * c->out_addr, copied once, like the path, checked as the kernel checks
 * them and made timespecs.  0, or a negative errno.
 */
int call_read_times(pid_t tid, const struct call *c, struct timespec t[2]);

/* A NUL-terminated string at addr in thread tid's memory, copied into buf:
 * 0, or a negative errno (-EFAULT, -ENAMETOOLONG). */
int worker_read_string(pid_t tid, uint64_t addr, char *buf, size_t size);

/* len bytes at addr in thread tid's memory: 0, or a negative errno. */
int worker_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/* struct stat as struct statx (STATX_BASIC_STATS). */
void stat_to_statx(const struct stat *st, struct statx *sx);

#endif
