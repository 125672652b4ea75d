/*
 * execdiag.h: why COMMAND did not run, in one line naming the rules to add.
 *
 * Exec never reaches the broker: the kernel checks Landlock's EXECUTE
 * right on COMMAND, on the interpreter its "#!" line names, and on the
 * ELF interpreter (the dynamic loader, PT_INTERP) of each (exec_grants.h).
 * A refusal is only "Permission denied", 126, from the kernel or from a
 * shell inside the worker.  So before the worker starts, while the broker
 * may still read any file, execdiag_study() follows COMMAND's chain as the
 * kernel would and decides each link as the exec grants were decided
 * (policy_decide() on its canonical path): a script's interpreter for exec
 * and the script for read (the interpreter opens it through the broker),
 * the loader for exec, the program a "#!/usr/bin/env NAME" line runs and
 * the absolute programs a shell script's "exec /PATH" lines name (execs
 * the worker makes itself), and whether the worker's user may reach
 * COMMAND at all (the folders' search bits, COMMAND's execute bit, a
 * noexec mount).  Nothing is printed unless the run then fails:
 * execdiag_start_failed() when COMMAND could not be exec'd,
 * execdiag_exited() when the worker ended with 126 or 127, what a shell
 * answers for a program it may not run or cannot find.
 *
 * Each rule is named as a denial line's hint is (hint.h): "include @X"
 * where a built-in profile allows it, else the exact allow rule; a deny
 * rule that decided is named, as no allow rule can lift it.  COMMAND is
 * the caller's own choice: the line may name any of its chain.
 */
#ifndef FB_EXECDIAG_H
#define FB_EXECDIAG_H

#include <sys/types.h>

struct policy;
struct denials;

#define EXECDIAG_LINE_MAX 4096

struct execdiag {
	char start[EXECDIAG_LINE_MAX];	/* for a failed start; "" for none */
	char worker[EXECDIAG_LINE_MAX]; /* for the worker's own exec (env's) */
	unsigned flags;			/* HINT_FLAGS: a run of one-off grants */
};

/*
 * Study cmd (COMMAND as given: found on PATH as the worker will find it)
 * under policy p, for a worker of uid and gid (check reach only when
 * set_user: a root broker's worker of another user).  flags: HINT_FLAGS
 * names each rule to add as the one-off option that adds it (--allow
 * 'exec /x', --include @X), as denial lines do in such a run (hint.h).
 * Never fails: what cannot be read is left out.
 */
void execdiag_study(struct execdiag *d, const struct policy *p, const char *cmd, uid_t uid,
    gid_t gid, int set_user, unsigned flags);

/*
 * May a worker of uid and gid run path (absolute, or relative to the
 * current folder), as the mode bits of the folders on the way and of the
 * file say (ACLs aside), on a file system not mounted noexec?  1 or 0.
 */
int execdiag_reach(const char *path, uid_t uid, gid_t gid);

/* COMMAND could not be exec'd (run exits 126 or 127): one line on stderr
 * with what the study found, if anything. */
void execdiag_start_failed(const struct execdiag *d);

/*
 * The worker exited with code: for 126 and 127, one line on stderr with
 * what its own exec needs (execdiag.worker), else what it was refused
 * that looks like a shell's search for a program (denials_program()),
 * else for 126 that exec refusals are never recorded.  Nothing for any
 * other code.
 */
void execdiag_exited(const struct execdiag *d, int code, const struct denials *dn);

#endif
