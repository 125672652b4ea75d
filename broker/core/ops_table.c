/*
 * ops_table.c: the operation table (ops_table.h), one row per operation,
 * as OpenSSH's monitor keeps its mon_table: what the operation is called,
 * its handler, what it names, decides, answers and records, who may ask
 * for it, and the system calls on both sides of it.
 */
#include <errno.h>

#include "ops.h"
#include "ops_impl.h"
#include "ops_table.h"
#include "policy.h"
#include "proto.h"

/* FB_MSG_CHANNEL: a new connection of the same session (loop.c). */
static int
op_channel(struct opctx *c)
{
	if (c->s->new_channel == NULL)
		return EOPNOTSUPP;
	return c->s->new_channel(c->s, &c->res->fd);
}

#define WIRE FRONT_WIRE
#define NOTIFY FRONT_NOTIFY

const struct op_def ops_defs[OP_COUNT] = {
	[OP_OPEN] = { "open", op_open, 1, WIRE | NOTIFY, ANSWER_FD, 1,
	    REC_ON | REC_RESOLVE | REC_AHEAD, SHOWS(open.flags), 0, FB_MSG_OPEN,
	    "open openat openat2 creat", "fcntl fchownat fchmodat unlinkat" },
	[OP_STAT] = { "stat", op_stat, 1, WIRE | NOTIFY, ANSWER_STAT, 1, REC_ON, 0, POLICY_STAT,
	    FB_MSG_STAT, "stat newfstatat statx chdir fchdir", "" },
	[OP_LSTAT] = { "lstat", op_lstat, 1, WIRE | NOTIFY, ANSWER_STAT, 1, REC_ON, 0, POLICY_STAT,
	    FB_MSG_LSTAT, "lstat", "" },
	[OP_ACCESS] = { "access", op_access, 1, WIRE | NOTIFY, ANSWER_NONE, 1, REC_ON, 0, 0,
	    FB_MSG_ACCESS, "access faccessat faccessat2", "faccessat2" },
	[OP_READLINK] = { "readlink", op_readlink, 1, WIRE | NOTIFY, ANSWER_TARGET, 1, REC_ON, 0,
	    POLICY_STAT, FB_MSG_READLINK, "readlink readlinkat", "readlinkat" },
	[OP_MKDIR] = { "mkdir", op_mkdir, 1, WIRE | NOTIFY, ANSWER_NONE, 0, REC_ON | REC_AHEAD, 0,
	    POLICY_CREATE, FB_MSG_MKDIR, "mkdir mkdirat", "mkdirat fchownat fchmodat unlinkat" },
	[OP_UNLINK] = { "unlink", op_unlink, 1, WIRE | NOTIFY, ANSWER_NONE, 0, REC_ON | REC_AHEAD,
	    0, POLICY_DELETE, FB_MSG_UNLINK, "unlink unlinkat", "unlinkat" },
	[OP_RMDIR] = { "rmdir", op_rmdir, 1, WIRE | NOTIFY, ANSWER_NONE, 0, REC_ON | REC_AHEAD, 0,
	    POLICY_DELETE, FB_MSG_RMDIR, "rmdir", "unlinkat" },
	[OP_RENAME] = { "rename", op_rename, 2, WIRE | NOTIFY, ANSWER_NONE, 0,
	    REC_ON | REC_PATH2 | REC_AHEAD, SHOWS(rename.flags), POLICY_DELETE | POLICY_CREATE,
	    FB_MSG_RENAME, "rename renameat renameat2", "renameat2" },
	[OP_CHANNEL] = { "channel", op_channel, 0, WIRE, ANSWER_FD, 0, REC_NONE, 0, 0,
	    FB_MSG_CHANNEL, "", "socketpair" },
	[OP_SYMLINK] = { "symlink", op_symlink, 1, WIRE | NOTIFY, ANSWER_NONE, 0,
	    REC_ON | REC_PATH2 | REC_AHEAD, 0, POLICY_CREATE, FB_MSG_SYMLINK, "symlink symlinkat",
	    "symlinkat fchownat unlinkat" },
	[OP_LINK] = { "link", op_link, 2, NOTIFY, ANSWER_NONE, 0, REC_ON | REC_PATH2 | REC_AHEAD, 0,
	    POLICY_CREATE | POLICY_STAT, 0, "link linkat", "linkat" },
	[OP_UTIMES] = { "utimes", op_utimes, 1, NOTIFY, ANSWER_NONE, 0, REC_ON | REC_AHEAD, 0,
	    POLICY_WRITE, 0, "utimensat utime utimes futimesat", "utimensat" },
	[OP_CHMOD] = { "chmod", op_chmod, 1, WIRE | NOTIFY, ANSWER_NONE, 0, REC_ON | REC_AHEAD,
	    SHOWS(chmod.mode), POLICY_WRITE, FB_MSG_CHMOD, "chmod fchmodat fchmod", "fchmodat" },
	[OP_TRUNCATE] = { "truncate", op_truncate, 1, WIRE | NOTIFY, ANSWER_NONE, 0,
	    REC_ON | REC_AHEAD, 0, POLICY_WRITE, FB_MSG_TRUNCATE, "truncate", "ftruncate" },
	[OP_STATFS] = { "statfs", op_statfs, 1, NOTIFY, ANSWER_STATFS, 1, REC_ON, 0, POLICY_STAT, 0,
	    "statfs", "fstatfs" },
	[OP_WATCH] = { "watch", op_watch, 1, NOTIFY, ANSWER_VALUE, 0, REC_ON, SHOWS(watch.mask), 0,
	    0, "inotify_add_watch", "inotify_add_watch pidfd_getfd" },
	[OP_MKNOD] = { "mknod", op_mknod, 1, NOTIFY, ANSWER_NONE, 0, REC_ON | REC_AHEAD, 0,
	    POLICY_CREATE, 0, "mknod mknodat", "mknodat fchownat fchmodat unlinkat" },
	/* No system call asks for it: realpath(3) is the C library's walk,
	 * which transparent mode brokers one readlink and stat at a time. */
	[OP_REALPATH] = { "realpath", op_realpath, 1, WIRE, ANSWER_TARGET, 1, REC_ON, 0,
	    POLICY_STAT, FB_MSG_REALPATH, "", "" },
	/* Recorded, then the kernel goes on (notify.c): the worker's
	 * Landlock domain decides it.  Withheld: an exec whose record could
	 * not be written is refused (EIO). */
	[OP_EXEC] = { "exec", op_exec, 1, NOTIFY, ANSWER_NONE, 1, REC_ON, 0, POLICY_EXEC, 0,
	    "execve execveat", "" },
};

enum op
ops_of_wire(unsigned t)
{
	enum op op;

	for (op = 0; op < OP_COUNT; op++)
		if (t != 0 && ops_defs[op].wire == t)
			return op;
	return OP_COUNT;
}
