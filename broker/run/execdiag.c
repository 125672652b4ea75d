/*
 * execdiag.c: why COMMAND did not run; see execdiag.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "denials.h"
#include "elf_probe.h"
#include "execdiag.h"
#include "hint.h"
#include "json.h"
#include "policy.h"
#include "worker.h"

/* Links followed: COMMAND, an interpreter or two, env's program, a loader. */
#define CHAIN_MAX 6
#define ITEMS_MAX 8

enum item_kind { ITEM_EXEC, ITEM_READ, ITEM_MISSING };

struct item {
	enum item_kind kind;
	char path[PATH_MAX]; /* canonical (ITEM_MISSING: as written) */
	const char *role;    /* "its #! interpreter", ... */
	const char *rule;    /* the deciding rule: "default" or a deny rule */
	int in_worker;	     /* an exec the worker makes itself (env's) */
};

struct study {
	const struct policy *p;
	uid_t uid; /* the worker's user, when set_user */
	gid_t gid;
	int set_user;
	struct item item[ITEMS_MAX];
	size_t n;
};

/* A line being made, cut at its end. */
struct line {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3))) put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len = l->len + (size_t)n < l->size ? l->len + (size_t)n : l->size - 1;
}

/* Text from a file name, a #! line or a policy: as it is when a terminal
 * shows it so (json_printable()), else every byte that is not printable
 * ASCII as \xNN, so that nothing moves the cursor or fakes a line. */
static void
put_text(struct line *l, const char *s)
{
	if (json_printable(s)) {
		put(l, "%s", s);
		return;
	}
	for (; *s != '\0'; s++)
		if (*s >= 0x20 && *s < 0x7f)
			put(l, "%c", *s);
		else
			put(l, "\\x%02x", (unsigned)(unsigned char)*s);
}

/* A rule to add, as a policy line ('allow exec /x', 'include @X') or, in a
 * run of one-off grants (HINT_FLAGS), as the option that adds it
 * (--allow 'exec /x', --include @X), after sep.  prof: a profile, else
 * "allow acc pat". */
static void
put_rule(struct line *l, unsigned flags, const char *sep, const char *prof, const char *acc,
    const char *pat)
{
	if (prof != NULL)
		put(l, (flags & HINT_FLAGS) ? "%s--include %s" : "%s'include %s'", sep, prof);
	else if (hint_as_option(flags, pat))
		put(l, "%s--allow '%s %s'", sep, acc, pat);
	else
		put(l, "%s'allow %s %s'", sep, acc, pat);
}

/* The first bytes of the regular file at path into buf: how many, or -1.
 * O_NONBLOCK: a FIFO put there would not stall the broker (and is not
 * read: not a regular file). */
static ssize_t
head(const char *path, void *buf, size_t size, off_t off)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	n = pread(fd, buf, size, off);
	close(fd);
	return n;
}

/* The PT_INTERP of the ELF file at path into buf: 1, 0 for none (static,
 * not an x86_64 ELF, not readable), as the kernel's binfmt_elf reads it. */
static int
elf_interp(const char *path, char *buf, size_t size)
{
	struct elf_info ei;
	int found;

	if (elf_probe_file(path, &ei) != 0)
		return 0;
	found = ei.interp[0] != '\0' && strlen(ei.interp) < size;
	if (found)
		memcpy(buf, ei.interp, strlen(ei.interp) + 1);
	elf_parse_info_free(&ei);
	return found;
}

/* The program "env [-S] [-i] [NAME=VALUE]... PROGRAM" runs, from the one
 * argument of a #! line, into buf: 1, or 0. */
static int
env_program(const char *arg, char *buf, size_t size)
{
	const char *p = arg, *end;
	size_t len;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (end = p; *end != '\0' && *end != ' ' && *end != '\t'; end++)
			;
		if ((len = (size_t)(end - p)) == 0)
			return 0;
		if (p[0] != '-' && memchr(p, '=', len) == NULL) {
			if (len >= size)
				return 0;
			memcpy(buf, p, len);
			buf[len] = '\0';
			return 1;
		}
		p = end;
	}
}

static void
add(struct study *s, enum item_kind kind, const char *path, const char *role, const char *rule,
    int in_worker)
{
	struct item *it;

	if (s->n >= ITEMS_MAX)
		return;
	it = &s->item[s->n++];
	it->kind = kind;
	snprintf(it->path, sizeof(it->path), "%s", path);
	it->role = role;
	it->rule = rule;
	it->in_worker = in_worker;
}

/* Decide access on canon; an item when it is denied. */
static void
need(struct study *s, unsigned access, const char *canon, const char *role, int in_worker)
{
	struct policy_decision d;

	if (policy_decide(s->p, canon, access, 0, &d) == 0 && d.allowed)
		return;
	add(s, access == POLICY_EXEC ? ITEM_EXEC : ITEM_READ, canon, role,
	    d.rule != NULL ? d.rule : "default", in_worker);
}

/*
 * Can the worker's user reach path (absolute or relative to the current
 * folder) for exec, as its mode bits say (ACLs aside)?  1, or 0 with why
 * in l (when not NULL).
 */
static int
reach(const char *path, uid_t uid, gid_t gid, struct line *l)
{
	char abs[PATH_MAX], *p;
	struct statvfs vfs;
	struct stat st;
	mode_t bit;

	if (path[0] == '/')
		snprintf(abs, sizeof(abs), "%s", path);
	else if (getcwd(abs, sizeof(abs)) == NULL || strlen(abs) + 1 + strlen(path) >= sizeof(abs))
		return 1;
	else
		snprintf(abs + strlen(abs), sizeof(abs) - strlen(abs), "/%s", path);
	/* Each folder on the way needs search (x), the file exec (x). */
	for (p = abs + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (stat(abs, &st) == -1) {
			*p = c;
			return 1;
		}
		bit = st.st_uid == uid ? S_IXUSR : st.st_gid == gid ? S_IXGRP : S_IXOTH;
		if (!(st.st_mode & bit) && l == NULL)
			return 0;
		if (!(st.st_mode & bit)) {
			put(l, "the worker's user (uid %lu) may not %s ", (unsigned long)uid,
			    c == '\0' ? "execute" : "enter");
			put_text(l, abs);
			put(l, " (mode 0%03o, owner uid %lu, group %lu)",
			    (unsigned)(st.st_mode & 07777), (unsigned long)st.st_uid,
			    (unsigned long)st.st_gid);
			return 0;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	if (statvfs(abs, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC)) {
		if (l == NULL)
			return 0;
		put_text(l, abs);
		put(l, " is on a file system mounted noexec");
		return 0;
	}
	return 1;
}

int
execdiag_reach(const char *path, uid_t uid, gid_t gid)
{
	return reach(path, uid, gid, NULL);
}

/*
 * name as env finds it on PATH in the worker, into buf: the first file
 * there that the worker's user may run (execvp(3) goes on past one it may
 * not reach, as it does past a missing one).  1, or 0.
 */
static int
env_find(const struct study *s, const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;
	size_t dl;

	if (strchr(name, '/') != NULL)
		return snprintf(buf, size, "%s", name) < (int)size && stat(buf, &st) == 0;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchrnul(p, ':');
		dl = (size_t)(end - p);
		if (dl == 0 || (size_t)snprintf(buf, size, "%.*s/%s", (int)dl, p, name) >= size)
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
		    (!s->set_user || s->uid == 0 || execdiag_reach(buf, s->uid, s->gid)))
			return 1;
	}
	return 0;
}

/* Is the canonical program at path a POSIX shell? */
static int
is_shell(const char *path)
{
	static const char *const shells[] = { "sh", "dash", "bash", "ksh", "mksh", "zsh",
		"busybox" };
	const char *base = strrchr(path, '/') + 1;
	size_t i;

	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (strcmp(base, shells[i]) == 0)
			return 1;
	return 0;
}

/*
 * A shell wrapper's "exec /PATH" lines (7z's is "exec /usr/lib/p7zip/7z
 * "$@""): each program named so, absolute, that the policy does not let
 * run, is an exec the worker will make.  Read from the script's first
 * 4 KiB, where wrappers say it; a program named otherwise (a variable, a
 * PATH search) is not found, and the worker's 126 says so in general.
 */
static void
wrapper_execs(struct study *s, const char *script)
{
	char text[4096], word[PATH_MAX], canon[PATH_MAX];
	const char *p, *w;
	struct stat st;
	ssize_t n;
	size_t len;

	if ((n = head(script, text, sizeof(text) - 1, 0)) <= 0)
		return;
	text[n] = '\0';
	for (p = text; (p = strstr(p, "exec")) != NULL; p += 4) {
		/* The word exec, at a line's start or after blanks, ; & | ( */
		if (p > text && strchr(" \t\n;&|(", p[-1]) == NULL)
			continue;
		for (w = p + 4; *w == ' ' || *w == '\t'; w++)
			;
		if (w == p + 4)
			continue;
		if (*w == '"' || *w == '\'')
			w++;
		if (*w != '/')
			continue;
		len = strcspn(w, " \t\n;&|)\"'");
		if (len >= sizeof(word))
			continue;
		memcpy(word, w, len);
		word[len] = '\0';
		if (realpath(word, canon) == NULL || stat(canon, &st) == -1 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		need(s, POLICY_EXEC, canon, "a program the script execs", 1);
	}
}

/* Follow the chain from the canonical file at canon. */
static void
chain(struct study *s, char *canon)
{
	char interp[PATH_MAX], arg[256], prog[PATH_MAX], found[PATH_MAX], next[PATH_MAX];
	int depth, in_worker = 0;

	for (depth = 0; depth < CHAIN_MAX; depth++) {
		if (elf_interp(canon, interp, sizeof(interp))) {
			if (realpath(interp, next) == NULL)
				add(s, ITEM_MISSING, interp, "its loader (PT_INTERP)", NULL,
				    in_worker);
			else
				need(s, POLICY_EXEC, next, "the loader", in_worker);
			return;
		}
		if (!elf_probe_shebang(canon, interp, sizeof(interp), arg, sizeof(arg)))
			return;
		/* The interpreter opens the script through the broker. */
		need(s, POLICY_READ, canon, "the script, which its interpreter reads", in_worker);
		if (realpath(interp, next) == NULL) {
			add(s, ITEM_MISSING, interp, "its #! interpreter", NULL, in_worker);
			return;
		}
		need(s, POLICY_EXEC, next, "its #! interpreter", in_worker);
		if (is_shell(next))
			wrapper_execs(s, canon);
		/* "#!/usr/bin/env NAME": env finds NAME on PATH and runs it,
		 * an exec the worker makes. */
		if (strcmp(strrchr(next, '/') + 1, "env") == 0 &&
		    env_program(arg, prog, sizeof(prog))) {
			if (!env_find(s, prog, found, sizeof(found)) ||
			    realpath(found, next) == NULL) {
				add(s, ITEM_MISSING, prog, "the program env runs", NULL, 1);
				return;
			}
			in_worker = 1;
			need(s, POLICY_EXEC, next, "the program env runs", in_worker);
		}
		memcpy(canon, next, strlen(next) + 1);
	}
}

void
execdiag_study(struct execdiag *d, const struct policy *p, const char *cmd, uid_t uid, gid_t gid,
    int set_user, unsigned flags)
{
	static struct study s; /* 8 paths: too large for the stack */
	char path[PATH_MAX], canon[PATH_MAX];
	struct line l = { d->start, sizeof(d->start), 0 };
	struct line w = { d->worker, sizeof(d->worker), 0 };
	char rule[POLICY_LINE_MAX + 64], pat[2 * PATH_MAX + 2], acc[16];
	const char *prof, *sep, *added[ITEMS_MAX];
	size_t i, nadd;
	int pass;

	d->start[0] = d->worker[0] = '\0';
	d->flags = flags;
	if (worker_find(cmd, path, sizeof(path)) != 0 || realpath(path, canon) == NULL)
		return;
	if (set_user && uid != 0) {
		put(&l, "filebroker: run: '");
		put_text(&l, cmd);
		put(&l, "': ");
		if (!reach(path, uid, gid, &l)) {
			put(&l,
			    "; run it from a folder the worker's user may enter, or give "
			    "another --user\n");
			return;
		}
		l.len = 0;
		d->start[0] = '\0';
	}
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.uid = uid;
	s.gid = gid;
	s.set_user = set_user;
	chain(&s, canon);
	/* Pass 0: what COMMAND's exec needs; pass 1: what the worker's own
	 * exec (env's) needs. */
	for (pass = 0; pass < 2; pass++) {
		struct line *o = pass == 0 ? &l : &w;

		for (i = 0, sep = NULL; i < s.n; i++) {
			const struct item *it = &s.item[i];

			if (it->in_worker != pass)
				continue;
			if (sep == NULL) {
				put(o, "filebroker: run: '");
				put_text(o, cmd);
				put(o, "' needs ");
			}
			put(o, "%s", sep != NULL ? ", " : "");
			sep = ", ";
			if (it->kind == ITEM_MISSING) {
				put(o, "%s ", it->role);
				put_text(o, it->path);
				put(o, ", which does not exist");
			} else {
				put(o, "%s of ", it->kind == ITEM_EXEC ? "exec" : "read");
				put_text(o, it->path);
				put(o, " (%s)", it->role);
			}
			if (it->kind != ITEM_MISSING && strcmp(it->rule, "default") != 0 &&
			    policy_rule_format(p, it->rule, rule, sizeof(rule)) > 0) {
				put(o, ", which rule ");
				put_text(o, it->rule);
				put(o, " (");
				put_text(o, rule);
				put(o, ") denies: no allow rule lifts it");
			}
		}
		if (sep == NULL)
			continue;
		/* The rules to add, each profile once. */
		for (i = 0, nadd = 0; i < s.n; i++) {
			const struct item *it = &s.item[i];
			unsigned a = it->kind == ITEM_EXEC ? POLICY_EXEC : POLICY_READ;
			size_t k;

			if (it->in_worker != pass || it->kind == ITEM_MISSING ||
			    strcmp(it->rule, "default") != 0)
				continue;
			if ((prof = hint_builtin(it->path, a, 0)) != NULL) {
				for (k = 0; k < nadd && added[k] != prof; k++)
					;
				if (k < nadd)
					continue;
				put_rule(o, flags, nadd == 0 ? ": add " : ", ", prof, NULL, NULL);
			} else if (hint_pattern(it->path, pat, sizeof(pat)) == 0) {
				put_rule(o, flags, nadd == 0 ? ": add " : ", ", NULL,
				    policy_access_format(a, acc, sizeof(acc)), pat);
			} else
				continue;
			added[nadd++] = prof;
		}
		put(o, "\n");
	}
}

void
execdiag_start_failed(const struct execdiag *d)
{
	char buf[2 * EXECDIAG_LINE_MAX];
	const char *then;
	size_t n;

	if (d->start[0] == '\0')
		return;
	n = strlen(d->start) - 1; /* its newline */
	memcpy(buf, d->start, n);
	/* What the worker's own exec will need, said now rather than after
	 * the next try. */
	if ((then = strstr(d->worker, "' needs ")) != NULL)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; once it runs, it%s",
		    then + strlen("'"));
	else
		buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

void
execdiag_exited(const struct execdiag *d, int code, const struct denials *dn)
{
	char buf[EXECDIAG_LINE_MAX], pat[2 * PATH_MAX + 2];
	struct line l = { buf, sizeof(buf), 0 };
	const char *prog;
	size_t i, n, k;
	int asked;

	if (code != 126 && code != 127)
		return;
	if (d->worker[0] != '\0') {
		put(&l, "filebroker: run: the worker exited %d; %s", code,
		    d->worker + strlen("filebroker: run: "));
	} else if (denials_program(dn, 0, &asked) != NULL) {
		put(&l,
		    "filebroker: run: the worker exited %d, as a shell does for a program %s, "
		    "and was refused ",
		    code, code == 127 ? "it may not see" : "it may not run");
		for (i = 0; (prog = denials_program(dn, i, &asked)) != NULL; i++) {
			put(&l, "%s", i > 0 ? ", " : "");
			put_text(&l, prog);
		}
		put(&l, ": a program to run needs an exec rule, which implies stat");
		/* The canonical ones by their rule; where the others lead,
		 * explain says (the worker may not know). */
		for (i = 0, n = 0; (prog = denials_program(dn, i, &asked)) != NULL; i++)
			if (!asked && hint_pattern(prog, pat, sizeof(pat)) == 0)
				put_rule(&l, d->flags, n++ > 0 ? ", " : ": ", NULL, "exec", pat);
		for (i = 0, k = 0; (prog = denials_program(dn, i, &asked)) != NULL; i++)
			if (asked)
				put(&l, "%s%s",
				    k++ > 0   ? " " :
					n > 0 ? "; filebroker explain -p POLICY --access exec " :
						": filebroker explain -p POLICY --access exec ",
				    prog);
		if (k > 0)
			put(&l, " shows where %s", k > 1 ? "they lead" : "it leads");
		put(&l, "\n");
	} else if (code == 126) {
		put(&l,
		    "filebroker: run: the worker exited 126, as a shell does for a program "
		    "it may not run, and nothing was refused: in explicit mode, and for what "
		    "the kernel itself runs for an exec (the dynamic loader), Landlock "
		    "refuses exec without asking the broker, so nothing was recorded; each "
		    "program it runs needs an exec rule (filebroker.policy(5), Exec rules)\n");
	} else
		return;
	(void)!write(STDERR_FILENO, buf, l.len);
}
