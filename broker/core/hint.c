/*
 * hint.c: the end of a denial line; see hint.h.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hint.h"
#include "json.h"
#include "jsonout.h"
#include "path.h"
#include "policy.h"

/* The built-in profiles, each compiled alone, in policy_builtin_name()'s
 * order; NULL where one did not load (no memory: no suggestion). */
#define HINT_BUILTINS_MAX 16
static struct policy *builtins[HINT_BUILTINS_MAX];
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static void
builtins_load(void)
{
	char text[64];
	const char *name;
	size_t i;
	int n;

	for (i = 0; i < HINT_BUILTINS_MAX && (name = policy_builtin_name(i)) != NULL; i++) {
		n = snprintf(text, sizeof(text), "include %s\n", name);
		if (n > 0 && (size_t)n < sizeof(text))
			(void)policy_load_buffer(name, text, (size_t)n, NULL, &builtins[i], NULL);
	}
}

const char *
hint_builtin(const char *path, unsigned access, pid_t self_pid)
{
	struct policy_decision d;
	size_t i, best = HINT_BUILTINS_MAX;

	pthread_once(&builtins_once, builtins_load);
	/* The one with the fewest rules, the closest to what is asked:
	 * @tls for openssl.cnf, which @python3 allows too. */
	for (i = 0; i < HINT_BUILTINS_MAX && policy_builtin_name(i) != NULL; i++)
		if (builtins[i] != NULL &&
		    policy_decide(builtins[i], path, access, self_pid, &d) == 0 && d.allowed &&
		    (best == HINT_BUILTINS_MAX ||
			policy_nrules(builtins[i]) < policy_nrules(builtins[best])))
			best = i;
	return best < HINT_BUILTINS_MAX ? policy_builtin_name(best) : NULL;
}

int
hint_pattern(const char *path, char *buf, size_t size)
{
	/* Printable text only: the pattern goes on a terminal as it is, to
	 * be copied into a policy. */
	if (!json_printable(path))
		return -1;
	return policy_escape(path, buf, size) < 0 ? -1 : 0;
}

/* path lexically canonical, with the asker's /proc/self and
 * /proc/thread-self as the broker names them: into buf, 0 or -1. */
static int
lexical(const char *path, pid_t pid, pid_t tid, char *buf, size_t size)
{
	char tmp[PATH_MAX];
	const char *rest;
	unsigned flags;
	int n;

	if (path_clean(NULL, path, PATH_LEXICAL, tmp, sizeof(tmp), &flags) < 0)
		return -1;
	if (pid > 0 && strncmp(tmp, "/proc/thread-self", 17) == 0 &&
	    (tmp[17] == '/' || tmp[17] == '\0')) {
		rest = tmp + 17;
		n = snprintf(buf, size, "/proc/%ld/task/%ld%s", (long)pid,
		    (long)(tid > 0 ? tid : pid), rest);
	} else if (pid > 0 && strncmp(tmp, "/proc/self", 10) == 0 &&
	    (tmp[10] == '/' || tmp[10] == '\0')) {
		rest = tmp + 10;
		n = snprintf(buf, size, "/proc/%ld%s", (long)pid, rest);
	} else
		n = snprintf(buf, size, "%s", tmp);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The bytes of paths chain_known() may look up for one denial: each
 * lstat() walks its whole path again, so a path 2,000 folders deep with
 * 40 links in it would cost seconds, asked again at every denial. */
#define CHAIN_BYTES_MAX (64 * PATH_MAX)

/*
 * Could the asker have found canon itself, from lex (absolute, lexically
 * clean): following it one name at a time as the kernel does, every
 * symbolic link on the way one the policy lets it stat, so that readlink
 * tells it where that link leads?  Walked in the broker's own view, at
 * most 40 links as the kernel's and CHAIN_BYTES_MAX of lookups (past it:
 * not known); not under /proc, where the numbers are the worker's.  1 or
 * 0.
 */
static int
chain_known(const struct policy *p, const char *lex, const char *canon, pid_t pid)
{
	char todo[PATH_MAX], cur[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	struct policy_decision d;
	const char *name, *rest;
	struct stat st;
	size_t len, links = 0, spent = 0;
	ssize_t n;

	if (strncmp(lex, "/proc/", 6) == 0 || strcmp(lex, "/proc") == 0 ||
	    snprintf(todo, sizeof(todo), "%s", lex) >= (int)sizeof(todo))
		return 0;
	cur[0] = '\0';
	for (;;) {
		for (name = todo; *name == '/'; name++)
			;
		if (*name == '\0')
			break;
		len = strcspn(name, "/");
		rest = name + len;
		if (len == 1 && name[0] == '.') {
			memmove(todo, rest, strlen(rest) + 1);
			continue;
		}
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			char *slash = strrchr(cur, '/');

			if (slash != NULL)
				*slash = '\0';
			memmove(todo, rest, strlen(rest) + 1);
			continue;
		}
		if (snprintf(next, sizeof(next), "%s/%.*s", cur, (int)len, name) >=
		    (int)sizeof(next))
			return 0;
		if ((spent += strlen(next)) > CHAIN_BYTES_MAX || lstat(next, &st) == -1)
			return 0;
		if (S_ISLNK(st.st_mode)) {
			if (++links > 40 || policy_decide(p, next, POLICY_STAT, pid, &d) != 0 ||
			    !d.allowed || (n = readlink(next, target, sizeof(target) - 1)) <= 0)
				return 0;
			target[n] = '\0';
			if (snprintf(next, sizeof(next), "%s%s", target, rest) >= (int)sizeof(next))
				return 0;
			memcpy(todo, next, strlen(next) + 1);
			if (target[0] == '/')
				cur[0] = '\0';
			continue;
		}
		memcpy(cur, next, strlen(next) + 1);
		memmove(todo, rest, strlen(rest) + 1);
	}
	return strcmp(cur[0] != '\0' ? cur : "/", canon) == 0;
}

int
hint_canon_shown(const struct policy *p, const char *path, const char *canon, pid_t pid, pid_t tid)
{
	struct policy_decision d;
	char lex[PATH_MAX];

	if (canon == NULL)
		return 0;
	if (path != NULL && lexical(path, pid, tid, lex, sizeof(lex)) == 0 &&
	    strcmp(lex, canon) == 0)
		return 1;
	if (p == NULL)
		return 0;
	if (policy_decide(p, canon, POLICY_STAT, pid, &d) == 0 && d.allowed)
		return 1;
	return path != NULL && lexical(path, pid, tid, lex, sizeof(lex)) == 0 &&
	    chain_known(p, lex, canon, pid);
}

int
hint_is_probe(const struct audit_event *ev)
{
	static const char *const asks[] = { "stat", "lstat", "access", "readlink", "statfs" };
	size_t i;

	if (ev->op == NULL)
		return 0;
	for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++)
		if (strcmp(ev->op, asks[i]) == 0)
			return 1;
	return strcmp(ev->op, "open") == 0 && ev->access == POLICY_STAT;
}

/* The broker's own rules: why no policy lifts them. */
static const struct {
	const char *rule;
	const char *why;
} own[] = {
	{ "@broker-file",
	    "the broker's own files, and the folders above them, are not the "
	    "worker's to change (nor an audit file to read), whatever the policy" },
	{ "@proc",
	    "a process's /proc files are given only to that process, while it is still "
	    "the worker's" },
	{ "@link", "a new link may allow nothing its file's own name does not" },
	{ "@rename", "a new name may allow nothing the old one did not, nor anything below it" },
};

/* Is the folder that holds path one of programs (a name ending in "bin")? */
static int
in_bin(const char *path)
{
	const char *end = strrchr(path, '/'), *start;

	if (end == NULL || end == path)
		return 0;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	return end - start >= 3 && strncmp(end - 3, "bin", 3) == 0;
}

/* A path a shell takes as one word, as it is. */
static int
shell_word(const char *s)
{
	return s[0] != '\0' &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._+,:=@%-") ==
	    strlen(s);
}

const char *
hint_program(const struct audit_event *ev)
{
	unsigned a = ev->denied_access != 0 ? ev->denied_access : ev->access;
	const char *shown = ev->canon != NULL && !ev->canon_hidden ? ev->canon : ev->path;

	/* A word a shell takes as it is: printed after the run, in a
	 * command line, and a path as asked is the worker's to choose. */
	if (ev->denied_second || shown == NULL || !shell_word(shown) ||
	    (a != POLICY_STAT && a != POLICY_EXEC && a != (POLICY_STAT | POLICY_EXEC)))
		return NULL;
	/* An exec refused is a program whatever its folder; a stat only
	 * where a shell's PATH search looks. */
	return (a & POLICY_EXEC) != 0 || in_bin(shown) ? shown : NULL;
}

/*
 * The hint for a path that led where the worker may not know: the
 * command that shows the administrator where, and the rule it takes
 * (explain resolves as run does).  The access of a shell's search for a
 * program is exec, what it is after.
 */
static void
hint_explain(const struct audit_event *ev, struct out *o)
{
	const char *asked = ev->denied_second ? ev->path2 : ev->path;
	unsigned want = ev->denied_access != 0 ? ev->denied_access : ev->access;
	char acc[64];

	out_str(o, "; hint: it leads through a link to a path hidden from the worker");
	if (asked == NULL || !shell_word(asked)) {
		out_str(o, ": filebroker explain shows where, and the rule to add");
		return;
	}
	if (want == POLICY_STAT && in_bin(asked))
		want = POLICY_EXEC;
	out_str(o, "; filebroker explain -p POLICY --access ");
	out_str(o, policy_access_format(want, acc, sizeof(acc)));
	out_str(o, " ");
	out_str(o, asked);
	out_str(o, " shows where, and the rule to add");
}

enum hint_self
hint_self_split(const char *canon, pid_t pid, pid_t tid, const char **rest)
{
	char mine[64];
	int m, t;

	*rest = canon;
	if (pid <= 0 || (m = snprintf(mine, sizeof(mine), "/proc/%ld", (long)pid)) <= 0 ||
	    (size_t)m >= sizeof(mine) || strncmp(canon, mine, (size_t)m) != 0 ||
	    (canon[m] != '/' && canon[m] != '\0'))
		return HINT_SELF_NONE;
	if (tid > 0 && (t = snprintf(mine, sizeof(mine), "/task/%ld", (long)tid)) > 0 &&
	    (size_t)t < sizeof(mine) && strncmp(canon + m, mine, (size_t)t) == 0 &&
	    (canon[m + t] == '/' || canon[m + t] == '\0')) {
		*rest = canon + m + t;
		return HINT_SELF_THREAD;
	}
	*rest = canon + m;
	return HINT_SELF_PROC;
}

/*
 * The pattern that names subject in a rule, escaped, into pat: the asker's
 * own /proc/PID as /proc/self, and its /proc/PID/task/TID
 * (/proc/thread-self) as /proc/self/task/ and a wildcard, which a policy
 * can say for every worker, where the numbers are this process's only.
 * 0, or -1 for a path no pattern names.
 */
static int
rule_pattern(const char *subject, pid_t pid, pid_t tid, char *pat, size_t size)
{
	static const char *const prefix[] = { [HINT_SELF_NONE] = "",
		[HINT_SELF_PROC] = "/proc/self",
		[HINT_SELF_THREAD] = "/proc/self/task/*" };
	enum hint_self self = hint_self_split(subject, pid, tid, &subject);
	int n;

	if ((n = snprintf(pat, size, "%s", prefix[self])) < 0 || (size_t)n >= size)
		return -1;
	return subject[0] == '\0' ? 0 : hint_pattern(subject, pat + n, size - (size_t)n);
}

int
hint_as_option(unsigned flags, const char *pat)
{
	return (flags & HINT_FLAGS) && strchr(pat, '\'') == NULL;
}

/* The rule "allow ACCESS PATTERN" as written, or as --allow's argument
 * (hint_as_option()). */
static void
hint_rule(struct out *o, unsigned flags, const char *acc, const char *pat)
{
	int opt = hint_as_option(flags, pat);

	out_str(o, opt ? "--allow '" : "allow ");
	out_str(o, acc);
	out_str(o, " ");
	out_str(o, pat);
	if (opt)
		out_str(o, "'");
}

/* "; hint: allow ACCESS PATTERN[, or include @X]" for a denial by no rule. */
static void
hint_default(const struct policy *p, const struct audit_event *ev, unsigned flags, struct out *o)
{
	const char *subject = ev->denied_second ? ev->canon2 : ev->canon;
	int hidden = ev->denied_second ? ev->canon2_hidden : ev->canon_hidden;
	unsigned want = ev->denied_access != 0 ? ev->denied_access : ev->access, miss = 0, bit;
	char pat[2 * PATH_MAX + 2], acc[64];
	const char *asked = ev->denied_second ? ev->path2 : ev->path;
	struct policy_decision d;
	const char *prof;

	/* Not resolved: the path as asked, when it is canonical as it is. */
	if (subject == NULL && asked != NULL && policy_path_check(asked) == 0)
		subject = asked;
	if (subject == NULL || hidden) {
		hint_explain(ev, o);
		return;
	}
	/* The bits no rule allows: read allowed and write not asks for write. */
	for (bit = 1; bit <= POLICY_ALL; bit <<= 1)
		if ((want & bit) &&
		    (policy_decide(p, subject, bit, hint_pid(ev), &d) != 0 || !d.allowed))
			miss |= bit;
	if (miss == 0)
		miss = want;
	if (miss == 0 ||
	    rule_pattern(subject, hint_pid(ev), hint_tid(ev), pat, sizeof(pat)) == -1) {
		out_str(o,
		    "; hint: no pattern names this path exactly (control characters or "
		    "bytes that are not UTF-8: write ? for each)");
		return;
	}
	out_str(o, "; hint: ");
	hint_rule(o, flags, policy_access_format(miss, acc, sizeof(acc)), pat);
	if ((prof = hint_builtin(subject, miss, hint_pid(ev))) != NULL) {
		out_str(o, (flags & HINT_FLAGS) ? ", or --include " : ", or include ");
		out_str(o, prof);
	} else if (miss == POLICY_STAT && in_bin(subject)) {
		/* A shell's PATH search: what it wants is to run it. */
		out_str(o, ", or ");
		hint_rule(o, flags, "exec", pat);
		out_str(o, " to run it");
	}
}

void
hint_append(const struct policy *p, const struct audit_event *ev, const char *cwd, unsigned flags,
    struct out *o)
{
	char text[POLICY_LINE_MAX + 64], pat[2 * PATH_MAX + 2], acc[64];
	const char *subject;
	size_t i;

	if (ev->rule == NULL || ev->allowed)
		return;
	if (hint_is_probe(ev))
		out_str(o,
		    cwd != NULL && ev->canon != NULL && !ev->canon_hidden &&
			    strcmp(ev->canon, cwd) == 0 ?
			" (a probe of the working folder)" :
			" (a probe)");
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(ev->rule, own[i].rule) == 0) {
			out_str(o, ": ");
			out_str(o, own[i].why);
			return;
		}
	if (p == NULL)
		return;
	if (strcmp(ev->rule, "default") == 0) {
		hint_default(p, ev, flags, o);
		return;
	}
	if (policy_rule_format(p, ev->rule, text, sizeof(text)) < 0)
		return;
	if (strncmp(text, "deny ", 5) == 0) {
		/* The rule as written; escaped when it holds what a terminal
		 * would act on, as a policy file may. */
		out_str(o, " (");
		if (json_printable(text))
			out_str(o, text);
		else
			out_escaped(o, (const unsigned char *)text, strlen(text));
		out_str(o, "), which wins over every allow rule");
		return;
	}
	/* An allow rule that denied: a FIFO, socket or device under a
	 * pattern with wildcards, which must name it exactly. */
	subject = ev->canon;
	if (subject == NULL || ev->canon_hidden || hint_pattern(subject, pat, sizeof(pat)) == -1)
		return;
	out_str(o, "; hint: a device, FIFO or socket needs a rule without wildcards: allow ");
	out_str(o, policy_access_format(ev->access, acc, sizeof(acc)));
	out_str(o, " ");
	out_str(o, pat);
}
