/*
 * run_policy.c: the policy `filebroker run` decides with (run_policy.h).
 *
 * One-off grants become policy text named "(command line)", one rule a
 * line in the order given, so that they are parsed, checked and named by
 * exactly the code that reads policy files: an audit record or a denial
 * line names "(command line):2" as it would "my.policy:2", and each line
 * remembers the option it came from, for messages and --print-policy.
 * With --policy the text ends with an include of that file.  The grants
 * come first so that their lines are numbered from 1; order does not
 * change a decision (deny wins), only which allow rule names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"
#include "log.h"
#include "out.h"
#include "private_tmp.h"
#include "run_policy.h"
#include "strict.h"
#include "worker.h"

#define GRANTS_NAME "(command line)"

static const char *const option_names[] = {
	[RUN_GRANT_READ] = "--read",
	[RUN_GRANT_WRITE] = "--write",
	[RUN_GRANT_EXEC] = "--exec",
	[RUN_GRANT_ALLOW] = "--allow",
	[RUN_GRANT_INCLUDE] = "--include",
};

/* Append printf output to the text. */
static void __attribute__((format(printf, 2, 3))) put(struct run_grants *g, const char *fmt, ...)
{
	va_list ap;
	char *nt;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(g->text ? g->text + g->len : NULL, g->cap - g->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("run: the one-off grants");
		if ((size_t)n < g->cap - g->len) {
			g->len += (size_t)n;
			return;
		}
		g->cap = (g->cap + (size_t)n + 1) * 2;
		if ((nt = realloc(g->text, g->cap)) == NULL)
			fatal("run: the one-off grants");
		g->text = nt;
	}
}

static void
add_origin(struct run_grants *g, enum run_grant kind, const char *arg)
{
	char **no;

	if ((no = realloc(g->origin, (g->n + 1) * sizeof(*no))) == NULL ||
	    asprintf(&no[g->n], kind == RUN_GRANT_ALLOW ? "%s '%s'" : "%s %s", option_names[kind],
		arg) == -1)
		fatal("run: the one-off grants");
	g->origin = no;
	g->n++;
}

/*
 * --allow's pattern: a rule whose literal part passes through a symlink
 * matches nothing, since the broker decides on canonical paths.  Say so
 * now, with what to write instead (the policy's own errors come at load).
 */
static void
check_allow_prefix(const char *arg)
{
	char pattern[PATH_MAX], prefix[PATH_MAX], real[PATH_MAX];
	const char *s = arg, *e;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++; /* the access list */
	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
		if (*e == '\\' && e[1] != '\0')
			e++;
	n = (size_t)(e - s);
	if (n == 0 || n >= sizeof(pattern))
		return;
	memcpy(pattern, s, n);
	pattern[n] = '\0';
	if (policy_pattern_prefix(pattern, prefix, sizeof(prefix)) < 0 ||
	    realpath(prefix, real) == NULL || strcmp(prefix, real) == 0)
		return;
	log_warnx("run: --allow '%s': %s is %s (through a symlink), and rules match canonical "
		  "paths: write %s in its place",
	    arg, prefix, real, real);
}

int
run_grants_add(struct run_grants *g, enum run_grant kind, const char *arg)
{
	char canon[PATH_MAX], esc[2 * PATH_MAX + 1], *slash;
	const char *opt = option_names[kind], *access;
	struct stat st;
	int missing, dir, k;

	if (strchr(arg, '\n') != NULL) {
		log_warnx("run: %s: a policy is one rule a line, and a name holding a newline "
			  "cannot be written in one",
		    opt);
		return -1;
	}
	if (kind == RUN_GRANT_ALLOW) {
		check_allow_prefix(arg);
		put(g, "allow %s\n", arg);
		add_origin(g, kind, arg);
		return 0;
	}
	if (kind == RUN_GRANT_INCLUDE && arg[0] == '@') {
		/* A built-in profile: an unknown name is the loader's error,
		 * which names the option and the profiles there are. */
		put(g, "include %s\n", arg);
		add_origin(g, kind, arg);
		return 0;
	}
	if (canon_path(arg, canon, sizeof(canon), kind == RUN_GRANT_WRITE ? PATH_MAX : 0,
		&missing) == -1) {
		if (errno == ENOENT && kind == RUN_GRANT_INCLUDE)
			log_warnx("run: --include %s: no such file (--include takes a built-in "
				  "profile, @NAME, or a policy file)",
			    arg);
		else if (errno == ENOENT && kind != RUN_GRANT_WRITE)
			log_warnx("run: %s %s: no such file or folder (%s takes a path that "
				  "exists; --write may name one that is made later)",
			    opt, arg, opt);
		else
			log_warn("run: %s %s", opt, arg);
		return -1;
	}
	if (policy_escape(canon, esc, sizeof(esc)) < 0) {
		log_warn("run: %s %s: cannot be written in a policy", opt, arg);
		return -1;
	}
	if (kind == RUN_GRANT_INCLUDE) {
		/* A policy file, by its canonical name: the loader reads it as
		 * any include (a regular file; strict modes as root). */
		put(g, "include %s\n", esc);
		add_origin(g, kind, arg);
		return 0;
	}
	/* A folder, or a name still to be made, is granted with all below it
	 * ("DIR/ **" matches DIR itself too); a file exactly, so that a FIFO
	 * or device named on purpose can be opened. */
	dir = missing > 0 || (stat(canon, &st) == 0 && S_ISDIR(st.st_mode));
	switch (kind) {
	case RUN_GRANT_READ:
		access = dir ? "read,list" : "read";
		break;
	case RUN_GRANT_WRITE:
		access = dir ? "read,write,create,delete,list" : "read,write,create,delete";
		break;
	case RUN_GRANT_EXEC:
		access = "read,exec";
		break;
	case RUN_GRANT_ALLOW:
	case RUN_GRANT_INCLUDE:
	default:
		errno = EINVAL;
		return -1;
	}
	/* --write of a folder whose parents are missing too: the worker may
	 * make those (mkdir -p), and nothing else there. */
	for (k = missing - 1; k > 0; k--) {
		char parent[PATH_MAX], pesc[2 * PATH_MAX + 1];
		int j;

		memcpy(parent, canon, strlen(canon) + 1);
		for (j = 0; j < k && (slash = strrchr(parent, '/')) != NULL; j++)
			*slash = '\0';
		if (policy_escape(parent, pesc, sizeof(pesc)) < 0)
			continue; /* cannot happen: a prefix of what was escaped */
		put(g, "allow create %s\n", pesc);
		add_origin(g, kind, arg);
	}
	put(g, "allow %s %s%s\n", access, esc, !dir ? "" : strcmp(canon, "/") == 0 ? "**" : "/**");
	add_origin(g, kind, arg);
	return 0;
}

void
run_grants_free(struct run_grants *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->origin[i]);
	free(g->origin);
	free(g->text);
	memset(g, 0, sizeof(*g));
}

/* Which option a "(command line):N" diagnostic is about. */
static void
print_diags(const struct policy_diags *d, const struct run_grants *g)
{
	char line[POLICY_DIAG_LINE_MAX];
	size_t i;

	for (i = 0; i < d->n; i++) {
		fprintf(stderr, "%s\n", policy_diag_format(&d->v[i], line, sizeof(line)));
		if (g != NULL && strcmp(d->v[i].file, GRANTS_NAME) == 0 && d->v[i].line >= 1 &&
		    (size_t)d->v[i].line <= g->n) {
			fprintf(stderr, "filebroker: %s:%d is from ", GRANTS_NAME, d->v[i].line);
			out_text(stderr, g->origin[d->v[i].line - 1]);
			fputc('\n', stderr);
		}
	}
}

/*
 * The default policy, for a first try without --policy or grants: what
 * programs and shell one-liners need to run (the runtime, the shell and
 * coreutils, Python, Perl, the user and group names), the names at the top
 * of the tree, which every user may list and stat, and the current folder's
 * tree to read; nothing to write but the private temporary folder.  Not
 * the current folder's tree when it is / (that would be every file, as
 * root /etc/shadow too).
 */
static void
default_text(struct run_grants *t)
{
	char cwd[PATH_MAX], esc[2 * PATH_MAX + 1];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	put(t,
	    "include @runtime\ninclude @shell\ninclude @python3\ninclude @perl\n"
	    "include @users\nallow list /\nallow stat /*\n");
	if (strcmp(cwd, "/") == 0) {
		log_warnx("run: the current folder is /: the default policy does not grant its "
			  "tree (every file); --read PATH grants one");
		return;
	}
	if (policy_escape(cwd, esc, sizeof(esc)) < 0)
		fatalx("the current folder cannot be written in the default policy");
	put(t, "allow read,list %s/**\n", esc);
}

/* The text to load: the grants, then the include of the policy file or of
 * @runtime (grants alone), or the default policy (nothing given). */
static char *
policy_text(const char *policy_path, const struct run_grants *g, size_t *len)
{
	char esc[2 * PATH_MAX + 1];
	struct run_grants t = { 0 };

	if (g->n == 0 && policy_path == NULL) {
		default_text(&t);
		*len = t.len;
		return t.text;
	}
	if (g->n > 0)
		put(&t, "%s", g->text);
	if (policy_path == NULL)
		put(&t, "include @runtime\n");
	else if (policy_escape(policy_path, esc, sizeof(esc)) < 0)
		fatalx("policy %s: its name cannot be written in an include line", policy_path);
	else
		put(&t, "include %s\n", esc);
	*len = t.len;
	return t.text;
}

int
run_command_script(const char *cmd, char *buf, size_t size)
{
	char path[PATH_MAX], head[2];
	struct stat st;
	int fd, r = 0;

	buf[0] = '\0';
	if (size < PATH_MAX || worker_find(cmd, path, sizeof(path)) != 0 ||
	    realpath(path, buf) == NULL)
		return 0;
	/* O_NONBLOCK: a FIFO named as COMMAND must not stall the broker
	 * (fstat then says it is no regular file). */
	if ((fd = open(buf, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) == -1)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, head, 2, 0) == 2 &&
	    head[0] == '#' && head[1] == '!')
		r = 1;
	close(fd);
	if (r == 0)
		buf[0] = '\0';
	return r;
}

/* The folder of the canonical path script, in buf: "/" for one at the top. */
static const char *
script_folder(const char *script, char *buf, size_t size)
{
	const char *slash = strrchr(script, '/');
	size_t n = slash != NULL && slash > script ? (size_t)(slash - script) : 1;

	if (n >= size)
		n = size - 1;
	memcpy(buf, slash != NULL ? script : "/", n);
	buf[n] = '\0';
	return buf;
}

struct policy *
run_policy_load(const char *policy_path, const struct run_grants *g, const char *tmp,
    const char *script)
{
	struct policy_load_opts opts = { 0 };
	struct policy_diags diags = { 0 };
	struct policy_extra extras[2];
	struct policy *p = NULL;
	char esc[2 * PATH_MAX + 1], desc[2 * PATH_MAX + 1], dir[PATH_MAX], *rule = NULL;
	const char *name;
	char *text, *tmp_rules = NULL;
	size_t len;
	int rv;

	if (strict_opts() != NULL)
		opts = *strict_opts();
	/* The private temporary folder's rules come first, named @tmp. */
	if (tmp != NULL) {
		if ((tmp_rules = private_tmp_rules(tmp)) == NULL)
			fatal("run: the temporary folder %s cannot be written in a policy", tmp);
		extras[opts.nextras].name = PRIVATE_TMP_RULE;
		extras[opts.nextras++].text = tmp_rules;
	}
	/* COMMAND may always run; a script, then, may be read by its
	 * interpreter too, and its folder listed (the names, not the files:
	 * Python's sys.path[0], Perl's FindBin look there for what lies
	 * beside it), named @command. */
	if (script != NULL && policy_escape(script, esc, sizeof(esc)) >= 0 &&
	    policy_escape(script_folder(script, dir, sizeof(dir)), desc, sizeof(desc)) >= 0) {
		if (asprintf(&rule, "allow read %s\nallow list %s\n", esc, desc) == -1)
			fatal("run: the rule for COMMAND");
		extras[opts.nextras].name = RUN_COMMAND_RULE;
		extras[opts.nextras++].text = rule;
	}
	opts.extras = extras;
	if (g->n == 0 && policy_path != NULL) {
		/* The file alone, named as the user named it. */
		rv = policy_load_opts(policy_path, &opts, &p, &diags);
	} else {
		text = policy_text(policy_path, g, &len);
		name = g->n == 0 ? "(default policy)" : GRANTS_NAME;
		rv = policy_load_buffer_opts(name, text, len, NULL, &opts, &p, &diags);
		free(text);
	}
	free(tmp_rules);
	free(rule);
	if (rv == -1) {
		print_diags(&diags, g);
		policy_diags_free(&diags);
		if (policy_path != NULL)
			fatalx("policy %s: not loaded, nothing was run", policy_path);
		fatalx("the one-off grants do not make a policy; nothing was run");
	}
	policy_diags_free(&diags);
	return p;
}

int
run_policy_print(const struct policy *p, const char *policy_path, const struct run_grants *g,
    const char *tmp, const char *script, FILE *out)
{
	size_t i;

	fprintf(out, "# The policy filebroker run decides with");
	if (policy_path != NULL) {
		fprintf(out, ": ");
		out_text(out, policy_path);
		fprintf(out, "%s", g->n > 0 ? " and one-off grants" : "");
	} else if (g->n > 0)
		fprintf(out, ": one-off grants and @runtime");
	else
		fprintf(out,
		    " without --policy: the default (@runtime, @shell, @python3, @perl, "
		    "@users, the top folder's names, the current folder's tree)");
	fprintf(out, ".\n");
	if (tmp != NULL) {
		fprintf(out, "# %s: the run's private temporary folder (TMPDIR), made at start as ",
		    PRIVATE_TMP_RULE);
		out_text(out, tmp);
		fprintf(out, " (random letters in place of the X's) and removed at the end.\n");
	}
	if (script != NULL) {
		fprintf(out, "# %s: COMMAND is a script, ", RUN_COMMAND_RULE);
		out_text(out, script);
		fprintf(out,
		    ", which its interpreter may read, and whose folder's names it may list (it\n"
		    "# needs an exec rule of its own).\n");
	}
	for (i = 0; i < g->n; i++) {
		fprintf(out, "# %s:%zu is from ", GRANTS_NAME, i + 1);
		out_text(out, g->origin[i]);
		fputc('\n', out);
	}
	return policy_print(p, out);
}
