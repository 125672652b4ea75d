/*
 * hint.h: what a denial line ends with, so that it teaches: the smallest
 * rule that would allow the request ("hint: allow read /etc/ssl/openssl.cnf,
 * or include @tls"), or the rule that decided it when no rule added could
 * ("rule p.policy:3 (deny read /etc/shadow) wins over every allow rule");
 * and how much of where a path led the line may show.
 *
 * The line is on the terminal of whoever runs the worker, and may reach
 * whoever gave the worker its input: it tells nothing the worker could not
 * find out itself.  A canonical path is shown only where the worker could
 * know it (hint_canon_shown()); where it is not, neither is a rule that
 * would name it.
 *
 * Pure but for the built-in profiles, compiled once on first use (about
 * 0.2 ms, memory only) and kept for the life of the process.  Safe to call
 * from several threads.
 */
#ifndef FB_HINT_H
#define FB_HINT_H

#include <sys/types.h>

#include "audit.h"

struct policy;
struct out;

/* The asker as the worker's /proc numbers it, which canonical paths under
 * /proc and the policy's /proc/self go by: ev's nspid and nstid when the
 * worker has a PID namespace of its own, else its pid and tid. */
static inline pid_t
hint_pid(const struct audit_event *ev)
{
	return ev->nspid > 0 ? ev->nspid : ev->pid;
}

static inline pid_t
hint_tid(const struct audit_event *ev)
{
	return ev->nspid > 0 ? ev->nstid : ev->tid;
}

/* Which of the asker's own /proc objects a canonical path names. */
enum hint_self {
	HINT_SELF_NONE,	  /* neither */
	HINT_SELF_PROC,	  /* /proc/PID..., its /proc/self */
	HINT_SELF_THREAD, /* /proc/PID/task/TID..., its /proc/thread-self */
};

/*
 * Is canon under the asker's own /proc/PID (pid, tid as hint_pid() and
 * hint_tid() give them), and is it its thread's task folder?  *rest is
 * what follows that prefix ("" or "/..."), or canon itself for none.
 */
enum hint_self hint_self_split(const char *canon, pid_t pid, pid_t tid, const char **rest);

/*
 * May the worker that asked for path know that it led to canon?  Yes when
 * canon is path made canonical lexically ("//", "." and ".." collapsed, the
 * asker's /proc/self as /proc/PID, /proc/thread-self as /proc/PID/task/TID,
 * pid and tid as hint_pid() and hint_tid() give them):
 * nothing on the way was a link it might not read.  Yes when the policy
 * lets it stat canon: a stat of path then answers with canon's device and
 * inode, so canon is no secret.  Yes when each symbolic link on the way
 * from path to canon is one the policy lets it stat: readlink of each would
 * tell it (/etc/os-release to /usr/lib/os-release under read of /etc).
 * No otherwise, and for a NULL canon.
 */
int hint_canon_shown(const struct policy *p, const char *path, const char *canon, pid_t pid,
    pid_t tid);

/*
 * Is the denial a probe: the program asked whether a path is there (stat,
 * lstat, access, readlink, statfs: told ENOENT, as if it were not), or
 * opened one that is not (an open decided for stat alone)?  Probes are
 * often harmless (a program looking for an optional file); the line and the
 * summary say which denials were probes.
 */
int hint_is_probe(const struct audit_event *ev);

/*
 * Append to o what ev's denial line ends with after its rule, starting
 * with "; ", ": " or " (": whether it was a probe (of cwd, the worker's
 * first working folder, when not NULL), the hint for a denial by no rule
 * ("default"), the rule that won for a deny rule, why for the broker's own
 * rules (which no policy lifts), and nothing when there is nothing to say.
 * ev's canon_hidden and canon2_hidden must be set (hint_canon_shown()): a
 * hidden path gets no rule naming it.  p is the policy the request was
 * decided with.  flags: HINT_FLAGS writes the rule to add as the run's
 * one-off option that makes it (--allow 'read /x', --include @users), for
 * a run whose user typed one-off grants rather than a policy file.
 */
#define HINT_FLAGS 0x1u
void hint_append(const struct policy *p, const struct audit_event *ev, const char *cwd,
    unsigned flags, struct out *o);

/*
 * 1 when a rule for pat is to be written as --allow's argument, quoted for
 * a shell ('ACCESS PATTERN'): a run of one-off grants (flags HINT_FLAGS)
 * and a pattern without a quote, which the shell quoting cannot hold; 0:
 * as the policy line.  hint_append() and execdiag.c's lines decide so.
 */
int hint_as_option(unsigned flags, const char *pat);

/*
 * The first built-in profile (policy_builtin_name()) that allows access on
 * the canonical path, or NULL: for "include @python3" beside a rule.
 * self_pid as for policy_decide().
 */
const char *hint_builtin(const char *path, unsigned access, pid_t self_pid);

/*
 * What a shell looking for a program may have been refused: the path a
 * denial of exec shows (canonical, or as asked when where it led is
 * hidden), or of stat alone in a folder whose name ends in "bin" (a PATH
 * search); NULL for any other denial.  For a worker that ended with 126 or
 * 127 (execdiag.h).
 */
const char *hint_program(const struct audit_event *ev);

/* Write path as a PATTERN that matches it alone (policy_escape()) into
 * buf: 0, or -1 when no pattern can name it exactly and printably (a
 * control character, a byte that is not UTF-8) or it does not fit. */
int hint_pattern(const char *path, char *buf, size_t size);

#endif
