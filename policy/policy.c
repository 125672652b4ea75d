/*
 * policy.c: the public entry points of the policy library (see policy.h).
 *
 * Loading is two passes: policy_parse.c turns text into rules, collecting
 * every error; only when there were none does policy_trie.c compile them.
 * Any error throws everything away, so a caller never sees a half-loaded
 * policy.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

void
policy_diags_free(struct policy_diags *d)
{
	if (d == NULL)
		return;
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *
policy_diag_format(const struct policy_diag *g, char *buf, size_t size)
{
	const char *sev = g->severity == POLICY_ERROR ? "error" : "warning";

	if (g->line == 0)
		snprintf(buf, size, "%s: %s: %s", g->file, sev, g->msg);
	else if (g->col == 0)
		snprintf(buf, size, "%s:%d: %s: %s", g->file, g->line, sev, g->msg);
	else
		snprintf(buf, size, "%s:%d:%d: %s: %s", g->file, g->line, g->col, sev, g->msg);
	return buf;
}

static void
diag_add(struct pctx *c, enum policy_severity sev, const char *file, int line, int col,
    const char *msg)
{
	struct policy_diags *d = c->diags;
	struct policy_diag *nv, *g;
	size_t ncap;

	c->ndiags++;
	if (d == NULL)
		return;
	if (d->n == d->cap) {
		ncap = d->cap ? d->cap * 2 : 8;
		if ((nv = realloc(d->v, ncap * sizeof(*nv))) == NULL) {
			c->nomem = 1;
			return;
		}
		d->v = nv;
		d->cap = ncap;
	}
	g = &d->v[d->n++];
	memset(g, 0, sizeof(*g));
	g->severity = sev;
	snprintf(g->file, sizeof(g->file), "%s", file);
	g->line = line;
	g->col = col;
	snprintf(g->msg, sizeof(g->msg), "%s", msg);
	if (sev == POLICY_ERROR)
		d->nerrors++;
}

void
policy_ctx_diag(struct pctx *c, enum policy_severity sev, const char *file, int line, int col,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (sev == POLICY_ERROR)
		c->nerrors++;
	else
		c->nwarnings++;
	/* A file of garbage would otherwise make millions of entries. */
	if (c->ndiags >= POLICY_DIAGS_MAX - 1) {
		if (c->ndiags == POLICY_DIAGS_MAX - 1)
			diag_add(c, sev, file, line, col,
			    sev == POLICY_ERROR ? "too many errors; stopping here" :
						  "too many warnings; not showing more");
		if (sev == POLICY_ERROR)
			c->stop = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(c, sev, file, line, col, msg);
}

void
policy_rule_clear(struct prule *r)
{
	size_t i;

	for (i = 0; i < r->ncomp; i++)
		free(r->comp[i].text);
	free(r->comp);
	free(r->pattern);
	free(r->where);
	memset(r, 0, sizeof(*r));
}

static void
profiles_free(struct pprofile *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].uids);
		free(v[i].gids);
		free(v[i].text);
		free(v[i].where);
		policy_free(v[i].view);
	}
	free(v);
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	/* A view's rules are shallow copies of its parent's, but for its own
	 * synthetic ones, which own their names. */
	if (p->borrowed)
		for (i = 0; i < p->nrules; i++)
			if (p->rules[i].synthetic)
				free(p->rules[i].where);
	if (!p->borrowed) {
		for (i = 0; i < p->nrules; i++)
			policy_rule_clear(&p->rules[i]);
		for (i = 0; i < p->nfiles; i++)
			free(p->files[i]);
		free(p->files);
		profiles_free(p->profiles, p->nprofiles);
	}
	free(p->rules);
	free(p->nodes);
	free(p->slots);
	free(p->gedges);
	free(p->terms);
	free(p->pool);
	free(p);
}

size_t
policy_nrules(const struct policy *p)
{
	return p ? p->nrules - p->nsynth : 0;
}

size_t
policy_nprofiles(const struct policy *p)
{
	return p ? p->nprofiles : 0;
}

static int
profile_matches(const struct pprofile *pr, uid_t uid, const gid_t *gids, size_t ngids)
{
	size_t i, j;
	int ok;

	if (pr->any)
		return 1;
	if (pr->has_user) {
		for (ok = 0, i = 0; i < pr->nuids && !ok; i++)
			ok = pr->uids[i] == uid;
		if (!ok)
			return 0;
	}
	if (pr->has_group) {
		for (ok = 0, i = 0; i < pr->ngids && !ok; i++)
			for (j = 0; j < ngids && !ok; j++)
				ok = pr->gids[i] == gids[j];
		if (!ok)
			return 0;
	}
	return pr->has_user || pr->has_group;
}

int
policy_select(const struct policy *p, uid_t uid, const gid_t *gids, size_t ngids,
    const struct policy **view, const char **where)
{
	size_t k;

	if (p == NULL || view == NULL || (gids == NULL && ngids > 0) || p->borrowed) {
		errno = EINVAL;
		return -1;
	}
	for (k = 0; k < p->nprofiles; k++) {
		if (!profile_matches(&p->profiles[k], uid, gids, ngids))
			continue;
		*view = p->profiles[k].view;
		if (where != NULL)
			*where = p->profiles[k].where;
		return 0;
	}
	errno = ENOENT;
	return -1;
}

/*
 * Each profile gets its own trie of the common rules plus its section's, so
 * that a decision for a peer costs exactly what a decision without profiles
 * costs: the price is memory (the common rules compiled once per profile),
 * bounded by POLICY_RULES_MAX over all views together.
 */
static int
compile_views(struct pctx *c, struct policy *p)
{
	struct policy *v;
	size_t k, i, n, total = 0, ncommon = 0;

	/* The top's synthetic rules are its own: each view makes its own. */
	for (i = 0; i < p->nrules - p->nsynth; i++)
		if (p->rules[i].profile < 0)
			ncommon++;
	for (k = 0; k < p->nprofiles; k++)
		total += ncommon;
	total += p->nrules - p->nsynth - ncommon;
	if (p->nprofiles > 0 && total > POLICY_RULES_MAX) {
		policy_ctx_diag(c, POLICY_ERROR, p->profiles[0].file, p->profiles[0].line,
		    p->profiles[0].col,
		    "too many rules across profiles: the %zu common rules are compiled "
		    "once per profile (%zu profiles), %zu rules in all (the limit is %d)",
		    ncommon, p->nprofiles, total, POLICY_RULES_MAX);
		return -1;
	}
	for (k = 0; k < p->nprofiles; k++) {
		if ((v = calloc(1, sizeof(*v))) == NULL)
			goto nomem;
		p->profiles[k].view = v;
		v->borrowed = 1;
		v->view_profile = (int)k;
		v->view_where = p->profiles[k].where;
		v->files = p->files;
		v->nfiles = p->nfiles;
		v->nextra = p->nextra; /* common rules, first in the view too */
		for (i = n = 0; i < p->nrules - p->nsynth; i++)
			if (p->rules[i].profile < 0 || p->rules[i].profile == (int)k)
				n++;
		if ((v->rules = malloc((n ? n : 1) * sizeof(*v->rules))) == NULL)
			goto nomem;
		for (i = 0; i < p->nrules - p->nsynth; i++)
			if (p->rules[i].profile < 0 || p->rules[i].profile == (int)k)
				v->rules[v->nrules++] = p->rules[i];
		if (policy_trie_compile(c, v) == -1 || c->nomem)
			return -1;
	}
	return 0;
nomem:
	c->nomem = 1;
	return -1;
}

/* "profile any" matches first: profiles after it are never selected.  So is
 * a profile with the very criteria of an earlier one. */
static void
warn_profiles(struct pctx *c, const struct policy *p)
{
	size_t i, j;

	for (i = 0; i < p->nprofiles; i++) {
		for (j = 0; j < i; j++) {
			if (p->profiles[j].any) {
				policy_ctx_diag(c, POLICY_WARNING, p->profiles[i].file,
				    p->profiles[i].line, p->profiles[i].col,
				    "profile never selected: 'profile any' at %s matches "
				    "every peer first",
				    p->profiles[j].where);
				break;
			}
			if (strcmp(p->profiles[j].text, p->profiles[i].text) == 0) {
				policy_ctx_diag(c, POLICY_WARNING, p->profiles[i].file,
				    p->profiles[i].line, p->profiles[i].col,
				    "profile never selected: the profile at %s has the same "
				    "criteria and matches first",
				    p->profiles[j].where);
				break;
			}
		}
	}
}

/* The components were only needed to build the tries. */
static void
drop_comps(struct policy *p)
{
	size_t i, j, k;

	for (k = 0; k < p->nprofiles; k++)
		for (i = 0; i < p->profiles[k].view->nrules; i++) {
			p->profiles[k].view->rules[i].comp = NULL;
			p->profiles[k].view->rules[i].ncomp = 0;
		}
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; j < p->rules[i].ncomp; j++)
			free(p->rules[i].comp[j].text);
		free(p->rules[i].comp);
		p->rules[i].comp = NULL;
		p->rules[i].ncomp = 0;
	}
}

/* Parsing is done (successfully or not): compile or throw away. */
/* The caller's look at each rule written (policy_load_opts.rule_check). */
static void
check_rules(struct pctx *c, const struct policy *p)
{
	char prefix[PATH_MAX], why[sizeof(((struct policy_diag *)0)->msg)];
	const struct prule *r;
	size_t i;

	if (c->opts == NULL || c->opts->rule_check == NULL)
		return;
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->synthetic || r->file[0] == '@' ||
		    policy_pattern_prefix(r->pattern, prefix, sizeof(prefix)) < 0)
			continue;
		if (c->opts->rule_check(p, prefix, r->bits, r->allow, why, sizeof(why),
			c->opts->arg) == -1)
			policy_ctx_diag(c, POLICY_WARNING, r->file, r->line, r->col, "%s", why);
	}
}

static int
finish(struct pctx *c, struct policy **out, int openerr)
{
	struct policy *p = NULL;
	size_t i;

	if (!c->nomem && c->nerrors == 0 && (p = calloc(1, sizeof(*p))) == NULL)
		c->nomem = 1;
	if (p != NULL) {
		p->rules = c->rules;
		p->nrules = c->nrules;
		p->nextra = c->nextra;
		p->files = c->files;
		p->nfiles = c->nfiles;
		p->profiles = c->profiles;
		p->nprofiles = c->nprofiles;
		p->view_profile = -1;
		p->deny_status = c->deny_status;
		p->deny_status_file = c->deny_status_file;
		p->deny_status_line = c->deny_status_line;
		c->rules = NULL;
		c->files = NULL;
		c->profiles = NULL;
		c->nrules = c->nfiles = c->nprofiles = 0;
		if (policy_trie_compile(c, p) == 0 && !c->nomem && compile_views(c, p) == 0 &&
		    !c->nomem) {
			warn_profiles(c, p);
			check_rules(c, p);
			policy_builtin_suggest(c, p);
			for (i = 0; i < p->nprofiles; i++)
				policy_builtin_suggest(c, p->profiles[i].view);
			drop_comps(p);
			*out = p;
			return 0;
		}
		policy_free(p);
	}
	for (i = 0; i < c->nrules; i++)
		policy_rule_clear(&c->rules[i]);
	free(c->rules);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	profiles_free(c->profiles, c->nprofiles);
	if (c->nomem) {
		if (c->diags != NULL && c->nerrors == 0)
			policy_ctx_diag(c, POLICY_ERROR, "policy", 0, 0, "out of memory");
		errno = ENOMEM;
	} else
		errno = openerr ? openerr : EINVAL;
	return -1;
}

int
policy_load(const char *path, struct policy **out, struct policy_diags *diags)
{
	return policy_load_opts(path, NULL, out, diags);
}

int
policy_load_opts(const char *path, const struct policy_load_opts *opts, struct policy **out,
    struct policy_diags *diags)
{
	struct pctx c;
	int openerr = 0;

	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.diags = diags;
	c.cur_profile = -1;
	c.opts = opts;
	policy_parse_extras(&c);
	if (policy_parse_file(&c, path, NULL, 0, 0) == -1 && errno != ENOMEM)
		openerr = errno;
	return finish(&c, out, openerr);
}

int
policy_load_buffer(const char *name, const char *text, size_t len, const char *basedir,
    struct policy **out, struct policy_diags *diags)
{
	return policy_load_buffer_opts(name, text, len, basedir, NULL, out, diags);
}

int
policy_load_buffer_opts(const char *name, const char *text, size_t len, const char *basedir,
    const struct policy_load_opts *opts, struct policy **out, struct policy_diags *diags)
{
	struct pctx c;

	if (out != NULL)
		*out = NULL;
	if (name == NULL || (text == NULL && len > 0) || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.diags = diags;
	c.cur_profile = -1;
	c.opts = opts;
	policy_parse_extras(&c);
	if (len > POLICY_FILE_SIZE_MAX)
		policy_ctx_diag(&c, POLICY_ERROR, name, 0, 0, "file too large (over %u bytes)",
		    POLICY_FILE_SIZE_MAX);
	else
		policy_parse_text(&c, name, text ? text : "", len, basedir);
	return finish(&c, out, 0);
}

ssize_t
policy_escape(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	const char *s;

	if (path == NULL || buf == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (s = path; *s != '\0'; s++) {
		if (*s == '\n') {
			/* A line-based format cannot hold it, escaped or not. */
			errno = EINVAL;
			return -1;
		}
		if (strchr("*?[]\\ \t\r\v\f", *s) != NULL) {
			if (n + 1 >= size)
				goto toolong;
			buf[n++] = '\\';
		}
		if (n + 1 >= size)
			goto toolong;
		buf[n++] = *s;
	}
	if (size == 0)
		goto toolong;
	buf[n] = '\0';
	return (ssize_t)n;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

int
policy_foreach_exec(const struct policy *p,
    int (*fn)(const char *pattern, int has_wildcards, const char *where, void *arg), void *arg)
{
	return policy_foreach_allow(p, POLICY_EXEC, fn, arg);
}

int
policy_foreach_allow(const struct policy *p, unsigned acc,
    int (*fn)(const char *pattern, int has_wildcards, const char *where, void *arg), void *arg)
{
	size_t i;
	int rv;

	if (p == NULL || fn == NULL)
		return 0;
	for (i = 0; i < p->nrules; i++) {
		/* Only the rules this policy decides with: at the top of a
		 * policy with profiles, the common ones. */
		if (p->rules[i].node == PNONE || !p->rules[i].allow || p->rules[i].synthetic ||
		    !(p->rules[i].bits & acc))
			continue;
		if ((rv = fn(p->rules[i].pattern, p->rules[i].has_wild, p->rules[i].where, arg)) !=
		    0)
			return rv;
	}
	return 0;
}

int
policy_foreach_file(const struct policy *p, int (*fn)(const char *name, void *arg), void *arg)
{
	size_t i;
	int rv;

	if (p == NULL || fn == NULL)
		return 0;
	for (i = 0; i < p->nfiles; i++) {
		if (p->files[i][0] == '@')
			continue; /* built in: @runtime, @python3, ... */
		if ((rv = fn(p->files[i], arg)) != 0)
			return rv;
	}
	return 0;
}

ssize_t
policy_pattern_prefix(const char *pattern, char *buf, size_t size)
{
	const char *s, *e;
	size_t n = 0, len;

	if (pattern == NULL || buf == NULL || pattern[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	for (s = pattern + 1; *s != '\0'; s = *e ? e + 1 : e) {
		for (e = s; *e != '\0' && *e != '/'; e++)
			if (*e == '\\' && e[1] != '\0')
				e++;
		len = (size_t)(e - s);
		if (len == 0 || policy_glob_haswild(s, len))
			break;
		if (n + 1 >= size)
			goto toolong;
		buf[n++] = '/';
		for (; s < e; s++) {
			if (*s == '\\' && s + 1 < e)
				s++;
			if (n + 1 >= size)
				goto toolong;
			buf[n++] = *s;
		}
	}
	if (n == 0) {
		if (size < 2)
			goto toolong;
		buf[n++] = '/';
	}
	buf[n] = '\0';
	return (ssize_t)n;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

ssize_t
policy_rule_format(const struct policy *p, const char *where, char *buf, size_t size)
{
	const struct prule *r = NULL;
	char acc[64];
	size_t i, n;
	int len;

	if (p == NULL || where == NULL || buf == NULL) {
		errno = EINVAL;
		return -1;
	}
	n = p->nrules - p->nsynth;
	/* The pointer first: a file included twice has two rules of one name. */
	for (i = 0; i < n && r == NULL; i++)
		if (p->rules[i].where == where)
			r = &p->rules[i];
	for (i = 0; i < n && r == NULL; i++)
		if (strcmp(p->rules[i].where, where) == 0)
			r = &p->rules[i];
	if (r == NULL) {
		errno = ENOENT;
		return -1;
	}
	len = snprintf(buf, size, "%s %s %s", r->allow ? "allow" : "deny",
	    policy_access_format(r->bits, acc, sizeof(acc)), r->pattern);
	if (len < 0 || (size_t)len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return len;
}

/* File names may hold anything; keep the comment on its line. */
static void
print_where(FILE *out, const char *where)
{
	const char *s;

	fputs("\t# ", out);
	for (s = where; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
	fputc('\n', out);
}

/* print_where() of FILE:LINE, or of FILE alone for line 0 (a caller's
 * extra text, named by its name alone). */
static void
print_where_line(FILE *out, const char *file, int line)
{
	char where[PATH_MAX + 16];

	if (line > 0)
		snprintf(where, sizeof(where), "%s:%d", file, line);
	else
		snprintf(where, sizeof(where), "%s", file);
	print_where(out, where);
}

/* The rules from the first'th on, profile lines among them. */
static int
print_rules(const struct policy *p, size_t first, FILE *out)
{
	const struct prule *r;
	char acc[64];
	size_t i, n;
	int prof = -1;

	if (p == NULL || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* The policy's own settings first, then the rules (but for a view,
	 * whose parent prints them). */
	if (!p->borrowed && p->deny_status != 0) {
		fprintf(out, "deny-status %d", p->deny_status);
		print_where_line(out, p->deny_status_file, p->deny_status_line);
	}
	/* Not the synthetic rules: loading what is printed makes them again. */
	n = p->nrules - p->nsynth;
	for (i = first; i < n || (!p->borrowed && prof + 1 < (int)p->nprofiles); i++) {
		r = i < n ? &p->rules[i] : NULL;
		/* Profile lines before the section's first rule; empty
		 * sections too, so that the profiles keep their order. */
		while (!p->borrowed && prof + 1 < (int)p->nprofiles &&
		    (r == NULL || r->profile > prof)) {
			prof++;
			fprintf(out, "profile %s", p->profiles[prof].text);
			print_where(out, p->profiles[prof].where);
		}
		if (r == NULL)
			break;
		fprintf(out, "%s %s %s", r->allow ? "allow" : "deny ",
		    policy_access_format(r->bits, acc, sizeof(acc)), r->pattern);
		if (r->allow && r->has_mode)
			fprintf(out, " mode=0%03o", r->mode);
		print_where(out, r->where);
	}
	if (fflush(out) == EOF || ferror(out))
		return -1;
	return 0;
}

int
policy_allows_everywhere(const struct policy *p, unsigned acc, int named, const char **rule)
{
	const struct prule *r, *by = NULL;
	size_t i;

	if (rule != NULL)
		*rule = NULL;
	if (p == NULL || acc == 0 || p->nprofiles > 0)
		return 0;
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!r->allow && (r->bits & acc) != 0) {
			if (rule != NULL)
				*rule = r->where;
			return 0;
		}
		if (r->allow && !r->synthetic && by == NULL &&
		    ((named ? r->bits : r->eff) & acc) == acc && strcmp(r->pattern, "/**") == 0)
			by = r;
	}
	if (by == NULL)
		return 0;
	if (rule != NULL)
		*rule = by->where;
	return 1;
}

int
policy_deny_status(const struct policy *p, const char **file, int *line)
{
	if (p == NULL || p->deny_status == 0)
		return 0;
	if (file != NULL)
		*file = p->deny_status_file;
	if (line != NULL)
		*line = p->deny_status_line;
	return p->deny_status;
}

int
policy_print(const struct policy *p, FILE *out)
{
	return print_rules(p, 0, out);
}

int
policy_print_own(const struct policy *p, FILE *out)
{
	return print_rules(p, p != NULL ? p->nextra : 0, out);
}
