/*
 * policy.h: the filebroker policy language, parsed, compiled and decided.
 *
 * Pure code: no global state, no printing, no exit.  Loading reads files
 * (the policy and its includes), their canonical paths (realpath(3), to
 * name them) and, for names on profile lines, the user
 * and group databases (getpwnam_r, getgrnam_r), and nothing else.  A policy with any error
 * is never returned half-loaded: policy_load() gives either a complete
 * compiled policy or NULL plus diagnostics.
 *
 * Language (see docs/filebroker.policy.5):
 *
 *	allow ACCESS[,ACCESS...] PATTERN [mode=0NNN]
 *	deny  ACCESS[,ACCESS...] PATTERN
 *	include FILE | include @runtime
 *	profile any | profile [user=U[,U...]] [group=G[,G...]]
 *
 * Default deny; a deny rule wins over any allow rule, whatever the order.
 *
 * Profiles (daemon mode): rules before the first profile line are the
 * common rules; a profile line opens a section that lasts until the next
 * profile line or the end of the top-level file.  A peer gets the first
 * profile in file order that matches it, that is its section's rules plus
 * the common rules (policy_select()).  Deciding with the policy itself,
 * as `filebroker run` does, uses the common rules only.  User and group
 * names are resolved when the policy is loaded.
 */
#ifndef FB_POLICY_H
#define FB_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Access rights, as bits.  READ, WRITE, LIST and EXEC imply STAT on the same
 * path when granted by an allow rule; and every folder above what an allow
 * rule can match (down to the literal part of its pattern) is allowed STAT,
 * by a synthetic rule named "@ancestor of FILE:LINE" (policy_trie.c). */
enum policy_access {
	POLICY_READ = 1u << 0,
	POLICY_WRITE = 1u << 1,
	POLICY_CREATE = 1u << 2,
	POLICY_DELETE = 1u << 3,
	POLICY_LIST = 1u << 4,
	POLICY_STAT = 1u << 5,
	POLICY_EXEC = 1u << 6,
};
#define POLICY_ALL 0x7fu

/* Limits enforced by the parser. */
#define POLICY_LINE_MAX 4096		 /* bytes per line, newline excluded */
#define POLICY_INCLUDE_DEPTH_MAX 8	 /* nested includes */
#define POLICY_FILE_SIZE_MAX (16u << 20) /* bytes per file */
#define POLICY_RULES_MAX 1000000	 /* rules in all files together */
#define POLICY_DIAGS_MAX \
	100			  /* diagnostics kept per load; then one
					  "too many errors" and parsing stops */
#define POLICY_PROFILES_MAX 256	  /* profile lines in a policy */
#define POLICY_PROFILE_IDS_MAX 64 /* users, and groups, on one line */
#define POLICY_STATES_MAX \
	1024 /* patterns that may match one path at
					  once (a bound computed at load time;
					  policies above it are refused) */

/* The bound on the permission bits of what is created under an allow rule
 * without mode=: none, so that a new file gets the mode its program asked
 * for less the program's umask, as the kernel would make it. */
#define POLICY_DEFAULT_CREATE_MODE 0777

struct policy; /* opaque, immutable once loaded: safe to share between threads */

enum policy_severity { POLICY_ERROR, POLICY_WARNING };

struct policy_diag {
	enum policy_severity severity;
	char file[4096]; /* the file by its canonical path (policy_load()) */
	int line;	 /* 1-based; 0 when the message is about the whole file */
	int col;	 /* 1-based; 0 when unknown */
	char msg[512];
};

/* A list of diagnostics, filled by the loaders.  Zero-initialise it; free
 * with policy_diags_free(). */
struct policy_diags {
	struct policy_diag *v;
	size_t n, cap;
	size_t nerrors;
};
void policy_diags_free(struct policy_diags *d);

/* Room for any policy_diag_format() line. */
#define POLICY_DIAG_LINE_MAX (4096 + 512 + 64)

/* One diagnostic as a line without its newline, into buf (always
 * terminated, cut to size): FILE:LINE:COL: error|warning: message, with
 * :COL left out when it is 0 and :LINE:COL when the message is about the
 * whole file.  Returns buf. */
const char *policy_diag_format(const struct policy_diag *g, char *buf, size_t size);

/*
 * Load and compile the policy in the file at path (includes relative to its
 * folder).  Files are named by their canonical path (realpath(3)), in
 * diagnostics and in rule names ("/etc/fb/p.policy:3"), whatever the
 * current folder and however the file was named; one that does not resolve
 * by its absolute path (the current folder in front of a relative one).
 * On success returns 0 and sets *out; warnings (rules that can
 * never take effect, duplicates) may still be added to diags.  On failure
 * returns -1, sets errno (EINVAL for a policy with errors, ENOMEM, or the
 * errno of the top-level file's open/read), sets *out to NULL and adds at
 * least one POLICY_ERROR to diags; every error found is reported, not only
 * the first.  diags may be NULL.
 */
int policy_load(const char *path, struct policy **out, struct policy_diags *diags);

/*
 * As policy_load(), from text held in memory.  name is used in diagnostics
 * and rule names; includes are resolved relative to basedir (NULL: the
 * current folder).
 */
int policy_load_buffer(const char *name, const char *text, size_t len, const char *basedir,
    struct policy **out, struct policy_diags *diags);

struct stat;

/*
 * What a load asks of each file it reads besides its text: a check of the
 * file itself (a root broker's strict modes, broker/base/strict.c), called for
 * the policy and for each include once it is open, with the name it was
 * opened by (as given, an include's joined to its file's folder: not the
 * canonical name, which hides the symlinks and ".." on the way) and
 * fstat() of the open descriptor, so that what is checked is what is
 * read.  It returns 0 to accept the file, or -1 with why it refuses it in
 * why (size bytes: what is wrong and how to fix it).  A refusal is an
 * error, or a warning with warn_only (filebroker check says what a root
 * broker would refuse); the file is read either way, so every error is
 * reported.
 */
/* Rules a caller adds to every load (filebroker run's own, such as
 * "@command"): policy text read before the policy's own, as common rules,
 * each named by name alone, without a line number ("@command" in records
 * and denial lines).  The name starts with '@', as the built-in profiles'
 * do, and names no file (policy_foreach_file() passes it over). */
struct policy_extra {
	const char *name;
	const char *text;
};

struct policy_load_opts {
	int (*file_check)(const char *path, const struct stat *st, char *why, size_t size,
	    void *arg);
	void *arg;
	int warn_only;
	/* A look at each rule written in the policy's files (not the built-in
	 * profiles' rules) once it loads: p the policy loaded (its common
	 * rules decide), prefix the literal part of the rule's pattern
	 * (policy_pattern_prefix()), access its bits, allow 1 for an allow
	 * rule.  Returns 0, or -1 with a warning in why (size bytes), given at
	 * the rule's place: `filebroker check` says so of a rule that leads
	 * through a symlink.  NULL: none. */
	int (*rule_check)(const struct policy *p, const char *prefix, unsigned access, int allow,
	    char *why, size_t size, void *arg);
	/* The caller's rules, read first; an error in one is an error of the
	 * load, named by its name.  NULL and 0: none. */
	const struct policy_extra *extras;
	size_t nextras;
};

/* policy_load() and policy_load_buffer() with opts (NULL: none). */
int policy_load_opts(const char *path, const struct policy_load_opts *opts, struct policy **out,
    struct policy_diags *diags);
int policy_load_buffer_opts(const char *name, const char *text, size_t len, const char *basedir,
    const struct policy_load_opts *opts, struct policy **out, struct policy_diags *diags);

void policy_free(struct policy *p);

/* Number of rules written (after includes), profile sections included;
 * not the synthetic @ancestor rules. */
size_t policy_nrules(const struct policy *p);

/* Number of profile lines; 0 for a policy written without profiles. */
size_t policy_nprofiles(const struct policy *p);

/*
 * Pick the profile for a peer with user id uid and the groups gids[0..ngids)
 * (its primary group and its supplementary groups; order does not matter):
 * the first profile line in file order whose every criterion matches
 * ("user=" lists uid, "group=" lists one of gids, "any" always).  On
 * success returns 0, sets *view to a policy to decide with (the common
 * rules plus that profile's; usable with every function taking a const
 * struct policy *, never to be freed, valid while p lives) and, when where
 * is not NULL, *where to the profile line's "FILE:LINE".  Returns -1 with
 * errno ENOENT when no profile matches (always, for a policy without
 * profiles), EINVAL for bad arguments.  Does not allocate; cost is linear
 * in the profile lines and ids written.
 */
int policy_select(const struct policy *p, uid_t uid, const gid_t *gids, size_t ngids,
    const struct policy **view, const char **where);

/* The outcome of policy_decide(). */
struct policy_decision {
	int allowed;	      /* 1 allowed, 0 denied */
	const char *rule;     /* "FILE:LINE" of the deciding rule, "@ancestor of
				 FILE:LINE" (a folder above an allow rule's
				 matches, stat only), or "default"; valid while
				 the policy lives */
	unsigned create_mode; /* allow: bound on created files' permission bits */
	int exact;	      /* allow: the deciding rule's pattern has no wildcard
				 (needed to open FIFOs, sockets and devices).
				 Precisely: every bit asked is allowed by some
				 rule without wildcards, so an earlier wildcard
				 rule cannot hide an exact one. */
};

/*
 * Decide a request for the access bits in `access` (one or more) on the
 * canonical absolute path `path` (no "." or ".." components, no "//", no
 * trailing slash except for "/" itself).  self_pid is the requesting
 * worker's pid, so that patterns starting with /proc/self/ match
 * /proc/<self_pid>/; pass 0 when there is none.
 *
 * Allowed iff, for every bit in access, some allow rule covers (bit, path)
 * and no deny rule covers (bit, path).  When denied, rule names the deny
 * rule that matched, or "default" when no allow rule covered a bit.  When
 * allowed, rule names the first allow rule (in file order) that covers the
 * first bit asked; create_mode is that of the first allow rule covering
 * POLICY_CREATE when it is asked, else the deciding rule's.  Returns 0, or
 * -1 with errno EINVAL for a path that is not canonical or an empty or
 * unknown access set (the decision is then a denial).  Never allocates;
 * uses about 11 KiB of stack.  Cost does not grow with the number of rules:
 * it is bounded by path length x POLICY_STATES_MAX.  (-1 with E2BIG, a
 * denial, is reserved for a broken invariant and cannot happen for a
 * loaded policy.)
 */
int policy_decide(const struct policy *p, const char *path, unsigned access, pid_t self_pid,
    struct policy_decision *d);

/* What policy_decide() says for every path strictly beneath a folder. */
enum policy_beneath {
	POLICY_BENEATH_NONE, /* no path beneath can be allowed the access */
	POLICY_BENEATH_ALL,  /* every path beneath is allowed it: a rule ending
				in "**" covers them all and no deny rule could
				match any of them */
	POLICY_BENEATH_SOME, /* it depends on the path: decide each one */
};

/*
 * Decide for a whole subtree at once: *out says whether policy_decide(p,
 * PATH, access, self_pid) allows every PATH strictly beneath the canonical
 * folder path dir, none of them, or some.  NONE and ALL are certain; SOME
 * may also be answered where a closer look would find NONE or ALL (every
 * rule that could match some path beneath is counted, whatever its
 * names), so a caller that decides each path of a SOME subtree is always
 * right.  Used to turn exec rules into Landlock grants, a folder grant
 * where the whole subtree is allowed.  Returns 0, or -1 with errno EINVAL
 * (dir not canonical, bad access) or ENOMEM.  Allocates; cost is linear in
 * the policy's size.
 */
int policy_decide_beneath(const struct policy *p, const char *dir, unsigned access, pid_t self_pid,
    enum policy_beneath *out);

/*
 * policy_decide() for a path some of whose components are looked up in
 * folders that fold case (a case-insensitive file system: the caller knows
 * which, and passes the name each has on disk): bit i of fold[0 .. nfold)
 * set for component i (0 the first after "/").  Allow rules are matched on
 * the path as written; deny rules on it and on every spelling of the
 * folding components that differs in ASCII case only, so that a deny rule
 * written "secret.txt" covers the file "SECRET.TXT" where the two are one.
 * fold NULL or all zero: policy_decide() itself.  Uses about 19 KiB of
 * stack.
 */
int policy_decide_fold(const struct policy *p, const char *path, unsigned access, pid_t self_pid,
    const uint64_t *fold, size_t nfold, struct policy_decision *d);

/*
 * Is nothing below `to` allowed what the same path below `from` is not?
 * For every non-empty relative path S and every bit in access: when
 * policy_decide() allows the bit on to/S, it allows it on from/S, and
 * exactly (policy_decision.exact) if it does so on to/S.  Answered from the
 * patterns of the rules, not from any file system, and conservatively: 1
 * when that is shown, 0 when it is not (rules that match alike but are
 * written differently can make it 0; it is never 1 wrongly).  The paths themselves (S empty) are not compared: ask
 * policy_decide() for them.  Returns -1 with errno EINVAL for a path that
 * is not canonical or an empty or unknown access set, ENOMEM.  Allocates;
 * cost grows with the rules below the two paths.  For renaming a folder,
 * which moves everything below it at once.
 */
int policy_below_check(const struct policy *p, const char *from, const char *to, unsigned access,
    pid_t self_pid);

/* The same for paths with folding components (policy_decide_fold()): bits
 * of from's in ffold, to's in tfold, each nfold words (NULL: none).  What
 * is below a folding folder folds too; the answer holds either way. */
int policy_below_check_fold(const struct policy *p, const char *from, const uint64_t *ffold,
    const char *to, const uint64_t *tfold, size_t nfold, unsigned access, pid_t self_pid);

/*
 * 0 if path is canonical as policy_decide() wants it (absolute, no "." or
 * ".." components, no "//", no trailing slash except "/" itself), else -1.
 */
int policy_path_check(const char *path);

/* Parse "read,write" style lists; returns 0 and sets *access, or -1 with
 * errno EINVAL. */
int policy_access_parse(const char *s, unsigned *access);

/* Format access bits as "read,write,..." into buf; returns buf. */
char *policy_access_format(unsigned access, char *buf, size_t size);

/*
 * Escape a literal path so that it can be used as a PATTERN (\ before each
 * of * ? [ ] \ and white space).  Returns the length written (excluding the
 * NUL), or -1 with errno ENAMETOOLONG when it does not fit in size, or
 * EINVAL for a path holding a newline (a line-based policy cannot name it;
 * a '?' in its place is the closest pattern).
 */
ssize_t policy_escape(const char *path, char *buf, size_t size);

/*
 * Call fn for each allow rule granting POLICY_EXEC, with its pattern (as
 * written, escapes included, after include expansion), whether it has
 * wildcards and its "FILE:LINE"; policy_pattern_prefix() turns the pattern
 * into the folder or file where what it matches lies.  Deny rules are not
 * passed: whoever turns these into grants (the worker's Landlock rules)
 * decides each path under them with policy_decide() or
 * policy_decide_beneath(), where deny rules count.  Stops and returns fn's
 * value when fn returns non-zero; returns 0 otherwise.
 */
int policy_foreach_exec(const struct policy *p,
    int (*fn)(const char *pattern, int has_wildcards, const char *where, void *arg), void *arg);

/* As policy_foreach_exec(), for each allow rule granting any of acc (as
 * written: the stat that other access implies is not counted). */
int policy_foreach_allow(const struct policy *p, unsigned acc,
    int (*fn)(const char *pattern, int has_wildcards, const char *where, void *arg), void *arg);

/*
 * Call fn for the name of each file the policy was read from: the top-level
 * file and each include by its canonical path (policy_load()), and the name
 * policy_load_buffer() was given; not
 * @runtime.  Each once, whatever the number of includes of it.  Stops and
 * returns fn's value when fn returns non-zero; returns 0 otherwise.
 */
int policy_foreach_file(const struct policy *p, int (*fn)(const char *name, void *arg), void *arg);

/*
 * The literal part of a PATTERN as policy_foreach_exec() gives it (escapes
 * included): the components before the first one with a wildcard, escapes
 * removed, e.g. "/usr/lib/x86_64-linux-gnu" for that folder followed by
 * a "**" component, and "/opt/my tool" for "/opt/my\ tool";
 * "/" when the first component has one.  Meant for Landlock, which grants
 * on whole trees: everything the pattern matches is under the prefix.
 * Returns the length written (excluding the NUL), or -1 with errno
 * ENAMETOOLONG when it does not fit in size, EINVAL for a pattern that is
 * not absolute.
 */
ssize_t policy_pattern_prefix(const char *pattern, char *buf, size_t size);

/*
 * The rule a decision named (policy_decision.rule: its "FILE:LINE", the
 * very pointer, or a string equal to it), written as in the language,
 * without its mode=: "deny read /etc/shadow", the pattern as written.
 * Returns the length written (excluding the NUL), or -1 with errno
 * ENOENT when no written rule has that name ("default", "@ancestor of
 * ...", the broker's own rules), ENAMETOOLONG when it does not fit in
 * size.  Linear in the rules.
 */
ssize_t policy_rule_format(const struct policy *p, const char *where, char *buf, size_t size);

/*
 * The policy's "deny-status N" (filebroker.policy(5)): N, from 1 to 124, and
 * in *file (when not NULL) the file it was read from and in *line its line;
 * 0 when the policy has none.
 */
int policy_deny_status(const struct policy *p, const char **file, int *line);

/*
 * Does p allow every access in acc on every path there is?  Then the
 * broker's decision for a request of acc alone is known before it comes
 * (filebroker run lets the kernel answer stat and readlink: filebroker(1),
 * --trap-all).  1 when a written allow rule for the whole tree (the
 * pattern '/' followed by '**') grants acc (stat is implied by read, write,
 * list and exec; with named, only a rule that names each of acc counts),
 * no rule denies any of it and there are no profile sections; *rule (when
 * not NULL) is then that rule's "FILE:LINE".  0 otherwise, *rule then the
 * deny rule that prevents it, or NULL when no rule allows acc everywhere.
 */
int policy_allows_everywhere(const struct policy *p, unsigned acc, int named, const char **rule);

/* The name of the i-th built-in profile ("@runtime", "@python3", ...),
 * in the order of policy_builtin.c's table; NULL past the last. */
const char *policy_builtin_name(size_t i);

/*
 * Print the policy, includes expanded, one rule or profile line per line in
 * the language itself, each followed by a "# FILE:LINE" comment.  Loading the output
 * gives a policy with the same decisions.  Returns 0, or -1 with errno set
 * by the stream.
 */
int policy_print(const struct policy *p, FILE *out);

/* As policy_print(), without the caller's extra rules
 * (policy_load_opts.extras): the policy as its files say, the same
 * whatever was added (`filebroker check --print` of the file prints it). */
int policy_print_own(const struct policy *p, FILE *out);

#endif
