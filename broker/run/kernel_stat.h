/*
 * kernel_stat.h: whether the worker's stat and readlink may go to the
 * kernel without a round trip to the broker (docs/design.md, "Stat without
 * a round trip"; filebroker(1), --trap-all).
 *
 * A policy that allows stat of every path by a rule that names stat (for
 * the whole tree), and denies it nowhere, has decided every such request
 * before it comes: the broker would allow each and answer what the kernel
 * answers.  Two things could still make the
 * answers differ, and each keeps the calls with the broker:
 *
 * - a broker that is root answers with its own rights (CAP_DAC_OVERRIDE),
 *   the kernel with the worker's user's: so each folder on the way to
 *   every allow rule's tree, and to the working folder, must be one that
 *   user may search (mode bits; the worker has no supplementary groups);
 * - a worker in a PID namespace whose /proc is the host's (worker.c
 *   checks that in the worker, own_proc());
 * - a worker in a user namespace (run not as root), which maps only the
 *   broker's uid and gid: the kernel's stat names every other owner 65534;
 * - a run with a deny-status (--deny-status, or the policy's): it must
 *   fail on every refusal, and the kernel's EACCES in a folder inside a
 *   tree that the worker's user may not search is none the broker sees (a
 *   scanner skips that folder and says "OK").
 *
 * What is left is said in filebroker(1): a folder inside an allowed tree
 * that the worker's user may not search answers EACCES, as it would
 * unsandboxed, and these calls leave no audit record.
 */
#ifndef FB_KERNEL_STAT_H
#define FB_KERNEL_STAT_H

#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

/*
 * 1 when the worker's stat and readlink may go to the kernel, with why in
 * why[size] ("rule FILE:LINE allows stat of every path"); 0 when not, with
 * why said there ("" when the policy allows stat nowhere near every path:
 * nothing worth saying).  deny: --deny-status's N, 0 for none; set_user:
 * the broker is root and the worker runs as uid/gid; userns: the worker
 * will be in a user namespace that maps only uid/gid; cwd: the worker's
 * working folder.
 */
int kernel_stat_decide(const struct policy *p, int deny, int set_user, int userns, uid_t uid,
    gid_t gid, const char *cwd, char *why, size_t size);

#endif
