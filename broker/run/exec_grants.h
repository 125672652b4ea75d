/*
 * exec_grants.h: the worker's Landlock grants, built from the policy's own
 * decisions: exec (below), and in explicit mode the dynamic loader's reads
 * (exec_grants_add_reads()).
 *
 * The broker never makes an execve() (in transparent mode it records it,
 * decided with these grants: exec_grants_decide()): the kernel checks
 * Landlock's EXECUTE right on the file (and on the ELF interpreter it
 * opens).  So the exec
 * rules become Landlock grants before the worker starts, and what they
 * grant must be exactly what policy_decide() allows for exec: a deny rule
 * wins, a wildcard grants what it matches and nothing else.  From the
 * literal part of each allow-exec rule the folder tree is walked: a folder
 * the policy allows exec for as a whole (policy_decide_beneath() ALL) is
 * one folder grant; otherwise each regular file the policy allows is
 * granted on its own (Landlock grants name inodes); a subtree where
 * nothing can be allowed is not entered.  Paths are decided canonical, as
 * the broker decides opens: symlinks are not followed by the walk (a link
 * runs what it points to, decided where that lies), and a rule whose
 * literal part passes through a symlink matches nothing there.
 */
#ifndef FB_EXEC_GRANTS_H
#define FB_EXEC_GRANTS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "policy.h"

struct fsctx;

/* Bounds on the walk: an allow-exec rule for all of "/" with a deny rule
 * below it is an error naming the rule, not a start-up that reads the
 * whole disk. */
#define EXEC_GRANTS_ENTRIES_MAX 20000 /* folder entries looked at */
#define EXEC_GRANTS_DEPTH_MAX 32      /* folders below a rule's literal part */

/* One exec grant as Landlock holds it: an inode (a file, or a folder for
 * all beneath it), and the canonical path it was decided on. */
struct exec_grant {
	dev_t dev;
	ino_t ino;
	int dir;
	char *path;
	const char *rule; /* the rule to name (exec_grants_add()), or NULL:
			     the policy's for the path */
};

struct exec_grants {
	int ruleset;  /* Landlock ruleset holding the grants; -1 without Landlock */
	char **paths; /* the exec grants' paths, sorted, NULL-terminated
			   * (folders: beneath) */
	size_t npaths;
	size_t nfolders; /* of which folders */
	size_t nentries; /* folder entries the walks looked at */
	size_t nskipped; /* files left out: hard links of a denied file */
	char **reads;	 /* the loader's read grants, as paths */
	size_t nreads;
	size_t nread_folders;
	struct exec_grant *by_inode; /* every exec grant, for exec_grants_decide() */
	size_t ninodes, capinodes;
};

/*
 * Build the grants for the exec rules of p (its common rules, as `run`
 * decides).  abi: the kernel's Landlock ABI, 0 for none (the paths are
 * still computed, for --print-sandbox); allow_net as for the sandbox.  fs
 * (or NULL): the broker's own files (protect.h), of which an audit file is
 * never granted as a file.  Warnings (a rule that lets nothing run) are
 * logged.  Returns 0, or -1 after logging why (a walk over its bounds,
 * naming the rule; a system error), with nothing left allocated.
 */
int exec_grants_build(const struct policy *p, const struct fsctx *fs, int abi, int allow_net,
    struct exec_grants *g);

/*
 * Add read grants (Landlock READ_FILE alone) for the dynamic loader of an
 * explicit-mode worker, whose read-only opens then reach the kernel
 * (sandbox.h): what policy_decide() allows read of among roots (absolute
 * paths; elf_probe.h lists the loader's), each made canonical first.  A
 * file is granted if the policy allows it.  Of a folder, the regular files
 * directly in it, each decided and granted by descriptor as exec grants
 * are; its subfolders only as part of the whole folder, granted as one
 * when policy_decide_beneath() says read is allowed for all of it (no
 * deny rule can match below), and not entered otherwise: the loader reads
 * the files of its folders.  Nothing under /proc, /sys or /dev, and no
 * audit file of fs (protect.h), which no worker may read: a folder with
 * one below is granted file by file.  At most EXEC_GRANTS_ENTRIES_MAX
 * folder entries are looked at.  Returns 0, or -1 after logging why; g
 * keeps what was granted before.
 */
int exec_grants_add_reads(const struct policy *p, const struct fsctx *fs, const char *const *roots,
    struct exec_grants *g);

/*
 * The first exec grant that reaches an audit file of fs (a folder granted
 * whole with one below it, or the file itself), or NULL (always for fs
 * NULL).  Exec grants
 * carry READ_FILE (execve needs it), which matters once read-only opens
 * reach Landlock (explicit mode's loader): then such a grant would let the
 * worker read the trail.
 */
const char *exec_grants_reach_unreadable(const struct exec_grants *g, const struct fsctx *fs);

/*
 * Add a grant made elsewhere (COMMAND's, which the worker adds itself), of
 * the file or folder st at canonical path, named rule in exec_grants_decide()
 * (the string is the caller's and must outlive g).
 */
void exec_grants_add(struct exec_grants *g, const char *path, const struct stat *st,
    const char *rule);

/*
 * What the worker's Landlock domain decides for an exec of the regular
 * file st at canonical path canon, decided with the very grants it holds,
 * as Landlock decides: by inode, the file's own or a folder's above it
 * (each folder on canon's way looked up under root, the broker's "/").
 * Returns 1 when a grant covers it, with *grant the path it was granted
 * as (the file itself, or the folder) and *rule the rule of exec_grants_add()
 * (NULL: the caller asks the policy); 0 when none does.  A file that one grants by
 * another name (a hard link), or below a folder moved since, is covered as
 * Landlock covers it.
 */
int exec_grants_decide(const struct exec_grants *g, int root, const char *canon,
    const struct stat *st, const char **grant, const char **rule);

/* Free what exec_grants_build() made; closes the ruleset if still open. */
void exec_grants_free(struct exec_grants *g);

#endif
