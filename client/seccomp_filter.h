/*
 * seccomp_filter.h: the worker's seccomp filters (part of the sandbox, see
 * sandbox.h; docs/threat-model.md has the full table).
 */
#ifndef FB_SECCOMP_FILTER_H
#define FB_SECCOMP_FILTER_H

#include <stddef.h>
#include <stdio.h>

/* Internal to libfilebroker: not exported from the shared library. */
#define SECCOMP_FILTER_HIDDEN __attribute__((visibility("hidden")))

/*
 * Build and install the worker's two filters on the calling thread: the
 * guard (ioctl TIOCSTI/TIOCLINUX, without allow_net the network information
 * ioctls, and prctl PR_SET_SECCOMP refused, all else allowed) and then the
 * allowlist.  transparent: path syscalls return
 * SECCOMP_RET_USER_NOTIF and the allowlist is installed with NEW_LISTENER
 * (|WAIT_KILLABLE_RECV when wait_killable); the listener is stored in
 * *listener.  loader_opens (explicit mode only): open and openat for
 * reading reach the kernel, for a dynamic loader whose reads the caller's
 * Landlock domain bounds; never without one.  kernel_stat (transparent
 * mode): the calls SECCOMP_FILTER_KERNEL_STAT names reach the kernel, for
 * a policy that allows stat of every path (the broker's answer known
 * before the question).  Needs no_new_privs.  Returns 0, or -1 with errno.
 */
SECCOMP_FILTER_HIDDEN int seccomp_filter_apply(int transparent, int allow_net, int wait_killable,
    int loader_opens, int kernel_stat, int *listener);

/* What kernel_stat lets through: the calls that need stat alone. */
#define SECCOMP_FILTER_KERNEL_STAT "newfstatat statx stat lstat readlink readlinkat"

/* The line saying what loader_opens lets through, "seccomp load:". */
SECCOMP_FILTER_HIDDEN void seccomp_filter_describe_loader(FILE *out);

/*
 * The i-th name of the system calls the transparent-mode filter sends to
 * the broker (in every form or, for utimensat and futimesat, with a path),
 * or NULL past the last.  The broker's operation table lists the same
 * (tests/unit/test_ops_table.c checks it).
 */
SECCOMP_FILTER_HIDDEN const char *seccomp_filter_notified(size_t i);

/* Describe the filters: counts and the notable denials, "seccomp...:" lines. */
SECCOMP_FILTER_HIDDEN void seccomp_filter_describe(FILE *out, int transparent, int allow_net);

#endif
