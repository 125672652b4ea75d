/*
 * policy_int.h: what the files of policy/ share and nobody else sees.
 *
 *	policy.c	public entry points: load, free, print, helpers
 *	policy_parse.c	reading files, lines, tokens and includes into rules
 *	policy_glob.c	checking and matching one pattern component
 *	policy_trie.c	compiling rules into a component trie; deciding
 *	policy_below.c	what rules apply below a path (renaming folders)
 *	policy_runtime.c the built-in @runtime profile
 *	policy_builtin.c the other built-in profiles, and the table of them
 *
 * Nothing here prints or exits; problems become policy_diag entries.
 */
#ifndef FB_POLICY_INT_H
#define FB_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "policy.h"

#define PNONE UINT32_MAX
#define POLICY_NBITS 7

/* How one component of a pattern matches a path component. */
enum pcomp_kind {
	PC_LIT,	     /* literal name, escapes removed */
	PC_GLOB,     /* has * ? or [...]; text kept with its escapes */
	PC_STARSTAR, /* "**": zero or more components */
	PC_SELF,     /* "self" right after a leading "proc": the worker's pid */
};

struct pcomp {
	enum pcomp_kind kind;
	char *text; /* PC_LIT, PC_GLOB */
	size_t len;
};

/* One rule, as parsed, in file order (includes expanded in place). */
struct prule {
	int allow;
	unsigned bits;	    /* access as written */
	unsigned eff;	    /* allow: with the implied stat */
	unsigned mode;	    /* allow: create bound */
	int has_mode;	    /* mode= was written */
	int has_wild;	    /* the pattern has * ? [ or ** */
	char *pattern;	    /* raw, as written */
	char *where;	    /* "FILE:LINE", or the extra rules' name */
	const char *file;   /* interned in the parse context / policy */
	int line, col;	    /* col of the keyword */
	struct pcomp *comp; /* freed after compiling */
	size_t ncomp;
	uint32_t node; /* the trie node the pattern ends at; PNONE when the
			  rule is not part of this trie (a profile's rule in
			  the top-level policy) */
	int profile;   /* index of its profile section, -1 for common rules */
	int synthetic; /* made by the compiler, not written: an "@ancestor"
			  rule (policy_trie.c); owns only its where, is
			  never printed and comes after every written rule */
};

/* One profile line.  ids are resolved at load time. */
struct pprofile {
	int any;     /* "profile any" */
	uid_t *uids; /* user=: match one of them (NULL: no user=) */
	size_t nuids;
	gid_t *gids; /* group=: one of the peer's groups is one of them */
	size_t ngids;
	int has_user, has_group;
	char *text;	  /* the criteria as written, for printing */
	char *where;	  /* "FILE:LINE" */
	const char *file; /* interned */
	int line, col;
	struct policy *view; /* common rules + this section, compiled */
};

/* Nodes of the compiled trie; see policy_trie.c. */
struct pnode {
	uint32_t name_off, name_len; /* literal edge into this node: its name */
	uint32_t lit_off, lit_mask;  /* literal children: slots[lit_off..+mask] */
	uint32_t glob_off, nglob;    /* wildcard-component children */
	uint32_t self_child;	     /* /proc/self edge */
	uint32_t ss_child;	     /* "**" edge (zero or more components) */
	uint32_t term;		     /* index in terms[], PNONE if no rule ends here */
	uint32_t parent;
	uint8_t is_ss; /* entered by "**": loops on any component */
	uint8_t exact; /* reached by literal and /proc/self edges only */
	uint8_t has_lit;
};

struct pslot {
	uint32_t hash;
	uint32_t child;
};

struct pgedge {
	uint32_t off, len; /* pattern text in the pool */
	uint32_t child;
	uint32_t star; /* the component is exactly "*": no need to match */
};

/* Per node where rules end: earliest allow and deny rule per access bit. */
struct pterm {
	uint32_t allow[POLICY_NBITS];
	uint32_t deny[POLICY_NBITS];
};

struct policy {
	struct prule *rules;
	size_t nrules; /* the written rules first, then nsynth synthetic ones */
	size_t nsynth;
	size_t nextra; /* of the written ones, the caller's extra rules, first
			  (policy_load_opts.extras) */
	char **files;  /* interned file names */
	size_t nfiles;
	struct pnode *nodes;
	size_t nnodes;
	struct pslot *slots;
	size_t nslots;
	struct pgedge *gedges;
	size_t ngedges;
	struct pterm *terms;
	size_t nterms;
	char *pool;
	size_t poolsz;
	size_t maxstates; /* bound on live NFA states, checked at load */
	/* Profiles: only in the top-level policy.  A view shares the strings
	 * of its parent's rules and its file names (borrowed). */
	struct pprofile *profiles;
	size_t nprofiles;
	int borrowed;
	int view_profile;	/* the profile a view is compiled for; -1 at top */
	const char *view_where; /* a view: its profile line's "FILE:LINE" */
	/* "deny-status N": N (0: no such line) and its line, the file
	 * interned in files. */
	int deny_status;
	const char *deny_status_file;
	int deny_status_line;
};

/* Parse context: collects rules and diagnostics. */
struct pctx {
	struct policy_diags *diags; /* may be NULL */
	size_t nerrors, nwarnings, ndiags;
	int stop;  /* too many errors: stop reading */
	int nomem; /* an allocation failed */
	struct prule *rules;
	size_t nrules, caprules;
	char **files;
	size_t nfiles, capfiles;
	struct {
		dev_t dev;
		ino_t ino;
	} stack[POLICY_INCLUDE_DEPTH_MAX + 2];
	int depth;
	struct pprofile *profiles;
	size_t nprofiles, capprofiles;
	int cur_profile;		     /* the section being read; -1 before the first */
	const struct policy_load_opts *opts; /* may be NULL */
	const char *unnumbered;		     /* interned: the rules of this text are named by
				   it alone (policy_load_opts.extras) */
	size_t nextra;			     /* how many rules they made */
	int deny_status;		     /* "deny-status N", as struct policy */
	const char *deny_status_file;
	int deny_status_line;
};

/* policy.c */
void policy_ctx_diag(struct pctx *c, enum policy_severity sev, const char *file, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void policy_rule_clear(struct prule *r);

/* A line's words, for policy_parse.c and policy_profile.c. */
#define TOK_MAX 16

struct tok {
	const char *s;
	size_t len;
	int col;
};

/* What a line is about, for messages. */
struct lineref {
	const char *file;
	int line;
	const char *basedir;
};

static inline int
tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* policy_parse.c */
/* Read and parse the file at path, named (in diagnostics and rule names) by
 * its canonical path (realpath(3)), or its absolute one when it has none. */
int policy_parse_file(struct pctx *c, const char *path, const char *ifile, int iline, int icol);
int policy_parse_text(struct pctx *c, const char *name, const char *text, size_t len,
    const char *basedir);
/* The caller's rules (policy_load_opts.extras), if any: first. */
void policy_parse_extras(struct pctx *c);

/* policy_profile.c: "profile any | profile [user=LIST] [group=LIST]". */
void policy_parse_profile(struct pctx *c, const struct lineref *lr, struct tok *t, int n);

/* policy_glob.c */
int policy_glob_check(const char *p, size_t len, size_t *errpos, const char **errmsg);
int policy_glob_match(const char *p, size_t plen, const char *s, size_t slen);
/* The same, each character of s taken in either ASCII case: does the
 * pattern match some spelling of s that differs from it in case only? */
int policy_glob_match_fold(const char *p, size_t plen, const char *s, size_t slen);
int policy_glob_haswild(const char *p, size_t len);

/* policy_trie.c */
int policy_trie_compile(struct pctx *c, struct policy *p);

/* The NFA's live nodes: a set of trie node ids. */
struct policy_states {
	uint32_t v[POLICY_STATES_MAX];
	size_t n;
};

/* The live nodes after the components of the canonical path, for worker
 * self_pid, components whose bit is set in fold[0 .. nfold) (NULL: none)
 * matched in any ASCII case: *out points to a or b.  0, or -1 with errno
 * EINVAL (a path that is not canonical) or E2BIG (cannot happen for a
 * loaded policy). */
int policy_trie_walk(const struct policy *p, const char *path, pid_t self_pid, const uint64_t *fold,
    size_t nfold, struct policy_states *a, struct policy_states *b, struct policy_states **out);

/* policy_runtime.c */
extern const char policy_runtime_text[];

/* policy_builtin.c: the text of the built-in profile "@NAME", or NULL;
 * the names, for messages. */
const char *policy_builtin_text(const char *name);
const char *policy_builtin_names(void);
/* Warn about a written rule that allows exec of an interpreter whose
 * library the policy does not allow, with the include to add. */
void policy_builtin_suggest(struct pctx *c, const struct policy *p);

#endif
