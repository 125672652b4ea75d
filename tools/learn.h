/*
 * learn.h: the rules `filebroker learn` makes from what a program used:
 * the paths and accesses of its audit records (learn_record()), then
 * folded into the patterns a person would write (temporary names, input
 * trees, folders of files: learn_finish()), printed as a policy that loads
 * (learn_print()).  No files are read here (cmd_learn.c reads the records
 * and hands them over); the user database is asked for homes, and the
 * file system for the owner and mode of a system folder tree
 * (learn_fold_system()).
 *
 * Fuzzed by tests/fuzz/fuzz_learn.c: whatever the records, the printed
 * policy loads and allows every canonical path it was learned from.
 */
#ifndef FB_LEARN_H
#define FB_LEARN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "audit_read.h"
#include "policy.h"

#define LEARN_SENSITIVE_MAX 64

enum learn_kind {
	LEARN_LITERAL, /* one path */
	LEARN_TEMP,    /* temporary names: a pattern with their random parts as "*" */
	LEARN_STAR,    /* DIR/ *, or DIR/ *.EXT (no space) */
	LEARN_TREE,    /* DIR/ ** */
};

/* The first record a rule came from, for its comment. */
struct learn_first {
	char *op, *path;  /* the request and the path as asked (owned) */
	const char *file; /* the audit file, or NULL for a temporary one */
	uint64_t line;	  /* its line there, from 1 */
	uint64_t seq;	  /* the record's number in the reading, from 1 */
};

struct learn_entry {
	char *pat;	 /* the pattern, in the policy language (escaped) */
	char *raw;	 /* LEARN_LITERAL: the canonical path; else NULL */
	unsigned access; /* what the rule grants */
	unsigned seen;	 /* what the records asked, before anything was added */
	enum learn_kind kind;
	uint64_t uses;	   /* records */
	uint64_t paths;	   /* literal paths in it */
	const char *sens;  /* why the grant is sensitive (static), or NULL */
	const char *kept;  /* why a temporary name was not folded (static), or
				NULL */
	const char *named; /* why an output was not folded into its folder's
				tree (static), or NULL */
	struct learn_first first;
	int dead;
};

struct learn {
	struct learn_entry *v;
	size_t n, cap;
	size_t *slots, nslots; /* entries by pattern */
	/* Folders at or above which nothing is folded, escaped. */
	char *sensitive[LEARN_SENSITIVE_MAX];
	size_t nsensitive;
	struct policy *secrets; /* the sensitive paths, as a policy (learn.c) */
	/* Records: used (also the last one's number, learn_first.seq), denied,
	 * and failed or not canonical; both left out. */
	uint64_t used, denied, errors;
	int64_t uid; /* the worker's, from the first record used; -1 before */
};

/* 0, or -1 (out of memory). */
int learn_init(struct learn *l);
void learn_free(struct learn *l);

/*
 * Take one audit record, as `learn` does: allowed and would-deny requests
 * were used; denied ones, failed ones and those whose path is not
 * canonical (policy_path_check(): an audit file edited by hand; no rule
 * for it would load) were not and are only counted.  /proc/PID/... of the
 * asking process (by its number in the worker's /proc: the record's nspid
 * when it has one) is /proc/self/... to a policy.  What a program made, its
 * next run finds there and may replace: a file made by an open also gets
 * the read or write that open asked for, and write and delete; a folder
 * made stat and delete; a rename's new name delete; a file truncated
 * create and delete.  A hard link's file gets stat, its new name create.
 * A request that made nothing because its name was there (EEXIST) gets
 * stat of its paths only.  Records of what run allows by itself (rules
 * @preload, @tmp and the folders above it, @command) are not used.  A
 * path that cannot be written in a policy is left out, with a warning.
 * file and line name the record in the rule's comment (file NULL: a
 * temporary file).  Returns 1 when the record was used, 0 when not, -1
 * when out of memory.
 */
int learn_record(struct learn *l, const struct audit_rec *r, const char *file, uint64_t line);

/*
 * Once every record is in: drop what base allows, mark sensitive grants
 * (for the worker's uid, from the records, else ours), fold temporary
 * names and inputs unless exact (min: learn_fold_inputs()), and drop the
 * stat rules that ancestors make needless.  0, or -1 (out of memory).
 */
int learn_finish(struct learn *l, const struct policy *base, int exact, size_t min);

/*
 * Print the policy to out: a header naming source and the counts,
 * "include BASE" (the base policy's path; NULL: @runtime), and one rule a
 * line, sorted, each with a comment saying how many records it came from
 * and the first of them; a sensitive grant gets a SENSITIVE comment above
 * it and a warning on stderr.  Every line fits POLICY_LINE_MAX: a comment
 * is shortened, then left off, and a rule that does not fit even alone is
 * left out with a warning.  0, or -1 when writing failed (ferror).
 */
int learn_print(const struct learn *l, FILE *out, const char *base, const char *source);

/* One more folder at or above which nothing is folded: 0, or -1 with EINVAL
 * (not canonical, or too many) or ENOMEM. */
int learn_add_root(struct learn *l, const char *dir);

/*
 * One use of access on the canonical path (recorded: seen; access may add
 * what a next run needs).  first describes the record; it is copied when
 * the path is new.  Returns the entry, or NULL (out of memory; a path
 * that cannot be written in a policy is left out: errno EINVAL).
 */
struct learn_entry *learn_use(struct learn *l, const char *path, unsigned access, unsigned seen,
    const struct learn_first *first);

/* Drop the literal paths base already allows. */
void learn_drop_covered(struct learn *l, const struct policy *base);

/* Mark the literal paths whose grant a person must look at (the password
 * hashes, keys, other users' homes, another process's memory); uid is the
 * worker's, whose own home is not another's. */
void learn_mark_sensitive(struct learn *l, uid_t uid);

/*
 * Fold temporary names: each component with a random part
 * (learn_temp_name()) of a path the run made, below a temporary folder
 * (/tmp, /var/tmp, /dev/shm) or removed again by the run, gets "*" for
 * that part, in every path through it; the paths that then read alike
 * become one rule.  What was there before the run keeps its name, however
 * random it looks.  0, or -1 (out of memory).
 */
int learn_fold_temp(struct learn *l);

/*
 * Fold inputs and outputs into what a person would write, never at or
 * above a sensitive root: a listed folder with min or more read, listed or
 * stat-ed paths below it becomes DIR/ ** (read,list); min or more files of
 * one folder with the same access become DIR/ *.EXT when they share an
 * extension, else DIR/ *; a folder two of whose sub-folders were folded
 * with one access becomes DIR/ ** for it.  0, or -1 (out of memory).
 */
int learn_fold_inputs(struct learn *l, size_t min);

/*
 * Fold outputs into their trees: where the run made files or folders
 * (create), the folder above the topmost it made (which was there before
 * the run) becomes DIR/ ** with create, write, list and stat, and what the
 * paths below it were granted (read, delete): the next run makes other
 * names there.  Where that folder holds inputs of the run (paths it
 * neither made nor wrote), or may not take a tree (below), the topmost
 * folder the run made takes it instead, unless it is directly in a shared
 * temporary folder (another user may have made it first).  Programs (exec) stay named, but for one the run made and
 * ran (a build's), whose exec the tree gets: Landlock grants exec on what
 * exists when the next run starts, a folder or a file.  Never at a folder that is not
 * foldable (a sensitive root or above, a home), nor the home of uid, nor a
 * folder a sensitive grant is in: there the names are kept, and the
 * topmost one says so (learn_entry.named).  0, or -1 (out of memory).
 */
int learn_fold_outputs(struct learn *l, uid_t uid);

/*
 * Fold what was only read, listed or stat-ed (probes answered ENOENT
 * included: their records are stats) in a system folder tree, two or more
 * names of it, into TREE/ ** (read,list): TREE is the folder a search path
 * names (/usr/include, /usr/local/include, /usr/lib/python3.11,
 * /usr/lib/gcc/x86_64-linux-gnu/12, /usr/share/NAME), and only when it is
 * root's, readable and searchable by anyone and writable by no one else
 * (lstat(2)): files anyone may read.  The next run probes other names
 * there (a compiler's headers), which a policy that names each would
 * refuse with EACCES where the kernel answers ENOENT.  Never where a
 * sensitive grant is.  0, or -1 (out of memory).
 */
int learn_fold_system(struct learn *l);

/* Drop the rules that only stat a folder on the way to another rule's
 * matches: the policy allows that already (its ancestors are visible). */
void learn_drop_ancestors(struct learn *l);

/* Drop the dead entries; entries with the same pattern become one. */
int learn_compact(struct learn *l);

/*
 * The component name[0..len) as a glob when it holds a random part (a
 * mkstemp(3) or mktemp(1) suffix of six or more letters and digits of two
 * kinds, a run of eight or more hex digits, Python's eight of [a-z0-9_]
 * after "tmp", at the end of the name, or with a digit or '_' elsewhere,
 * a run of five or more digits), the rest escaped:
 * "tmp.k3JxQ9" -> "tmp.*", "clamav-0f3e...c1.tmp" -> "clamav-*.tmp".
 * Meant for names the run made in temporary places: a name of eight
 * letters is taken for Python's too.  Returns 1 and writes out, 0 when
 * there is none, -1 when out is too small.
 */
int learn_temp_name(const char *name, size_t len, char *out, size_t size);

#endif
