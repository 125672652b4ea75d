/*
 * private_tmp.h: `filebroker run`'s private temporary folder.
 *
 * Each run gets a folder of its own on the host's temporary file system
 * (PARENT/filebroker.XXXXXX, PARENT from --tmp, else the broker's $TMPDIR,
 * else /tmp), owned by the worker's user, mode 0700; the worker may do
 * anything in it but exec (rules named "@tmp"), finds it in TMPDIR, TMP and
 * TEMP, and it is removed when the run ends, whatever was left there.
 *
 * The removal is not the broker's: a keeper process, made when the folder
 * is, detached from the broker (its own session, not its child), waits on
 * a pipe and removes the tree when the broker closes it, which it does at
 * the end of the run and the kernel does when the broker dies, even of
 * SIGKILL.  It runs as the worker's user, confined by Landlock to listing
 * and removing beneath the folder, and walks by descriptor without
 * following a symlink or crossing a mount (private_tmp.c says how).
 */
#ifndef FB_PRIVATE_TMP_H
#define FB_PRIVATE_TMP_H

#include <limits.h>
#include <sys/types.h>

/* The folder's name in its parent: "filebroker." and this many random
 * letters and digits. */
#define PRIVATE_TMP_RANDOM 6
#define PRIVATE_TMP_PREFIX "filebroker."

/* The name of its rules, in records, denial lines and --print-policy. */
#define PRIVATE_TMP_RULE "@tmp"

struct private_tmp {
	char parent[PATH_MAX]; /* canonical */
	char path[PATH_MAX];   /* the folder, canonical; "" before it is made */
	int dirfd;	       /* the folder, held from its making: given by
				  descriptor; -1 */
	int go;		       /* to the keeper: the worker's credentials, then
				  end of file: remove; -1 */
	int done;	       /* from the keeper: end of file once it is done;
				  -1 */
	int hinted;	       /* the /tmp hint was given (once a run) */
};

/*
 * The parent to make the folder in, canonical, into t->parent: opt (--tmp
 * DIR) when given, else $TMPDIR when it is an absolute path to a folder,
 * else /tmp.  As root it must be changeable by root alone, or sticky (as
 * /tmp is), and so must every folder above it: another user could put a
 * folder of their own in place of the run's and read what the worker
 * writes there.  Returns 0, or -1 after saying what is wrong (for --tmp;
 * an unusable $TMPDIR is a warning and /tmp is used).
 */
int private_tmp_parent(struct private_tmp *t, const char *opt);

/*
 * The policy text of the rules for folder path: everything but exec in it
 * and below it (files created at most 0700), and no removal of the folder
 * itself.  Returns a string to free, or NULL (ENOMEM; EINVAL for a path
 * the policy language cannot hold).
 */
char *private_tmp_rules(const char *path);

/*
 * Make the folder (root's or the caller's, 0700, empty) and its keeper.
 * Returns 0, or -1 after saying why (nothing is left behind).
 */
int private_tmp_make(struct private_tmp *t);

/* For printing (--print-policy): the form of the folder's name, in
 * t->path ("PARENT/filebroker.XXXXXX"); nothing is made. */
void private_tmp_form(struct private_tmp *t);

/*
 * Give the folder to the worker's user (by descriptor), and tell the keeper
 * to become that user.  Returns 0, or -1 after saying why.
 */
int private_tmp_give(struct private_tmp *t, uid_t uid, gid_t gid);

/* TMPDIR, TMP and TEMP name the folder in this process's environment,
 * which the worker inherits.  Returns 0, or -1 with errno. */
int private_tmp_setenv(const struct private_tmp *t);

/*
 * Remove the folder: the keeper removes it and the call returns once it
 * is done (nothing when none was made; safe to call twice).
 */
void private_tmp_remove(struct private_tmp *t);

/*
 * A request for access (policy.h bits) to canon was denied by rule.  When
 * it would create or write a name directly in a shared temporary folder
 * (t->parent, /tmp, /var/tmp), and no rule of the policy denied it (rule
 * "default"), say once a run that the program names the shared folder
 * itself instead of asking TMPDIR, and where the private one is.  t may be
 * NULL.
 */
void private_tmp_denied(struct private_tmp *t, const char *canon, unsigned access,
    const char *rule);

#endif
