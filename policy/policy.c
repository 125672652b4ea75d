/*
 * policy.c: the public entry points of the policy library (see policy.h).
 *
 * Loading is two passes: policy_parse.c turns text into rules, collecting
 * every error; only when there were none does policy_trie.c compile them.
 * Any error throws everything away, so a caller never sees a half-loaded
 * policy.
 */
#include <errno.h>
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
	char msg[256];
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

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		policy_rule_clear(&p->rules[i]);
	free(p->rules);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
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
	return p ? p->nrules : 0;
}

/* Parsing is done (successfully or not): compile or throw away. */
static int
finish(struct pctx *c, struct policy **out, int openerr)
{
	struct policy *p = NULL;
	size_t i, j;

	if (!c->nomem && c->nerrors == 0 && (p = calloc(1, sizeof(*p))) == NULL)
		c->nomem = 1;
	if (p != NULL) {
		p->rules = c->rules;
		p->nrules = c->nrules;
		p->files = c->files;
		p->nfiles = c->nfiles;
		c->rules = NULL;
		c->files = NULL;
		c->nrules = c->nfiles = 0;
		if (policy_trie_compile(c, p) == 0 && !c->nomem) {
			/* The components were only needed to build the trie. */
			for (i = 0; i < p->nrules; i++) {
				for (j = 0; j < p->rules[i].ncomp; j++)
					free(p->rules[i].comp[j].text);
				free(p->rules[i].comp);
				p->rules[i].comp = NULL;
				p->rules[i].ncomp = 0;
			}
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
	if (policy_parse_file(&c, path, NULL, 0, 0) == -1 && errno != ENOMEM)
		openerr = errno;
	return finish(&c, out, openerr);
}

int
policy_load_buffer(const char *name, const char *text, size_t len, const char *basedir,
    struct policy **out, struct policy_diags *diags)
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
    int (*fn)(const char *pattern, int has_wildcards, void *arg), void *arg)
{
	size_t i;
	int rv;

	if (p == NULL || fn == NULL)
		return 0;
	for (i = 0; i < p->nrules; i++) {
		if (!p->rules[i].allow || !(p->rules[i].bits & POLICY_EXEC))
			continue;
		if ((rv = fn(p->rules[i].pattern, p->rules[i].has_wild, arg)) != 0)
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

int
policy_print(const struct policy *p, FILE *out)
{
	const struct prule *r;
	char acc[64];
	const char *s;
	size_t i;

	if (p == NULL || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		fprintf(out, "%s %s %s", r->allow ? "allow" : "deny ",
		    policy_access_format(r->bits, acc, sizeof(acc)), r->pattern);
		if (r->allow && r->has_mode)
			fprintf(out, " mode=0%03o", r->mode);
		/* File names may hold anything; keep the comment on its line. */
		fputs("\t# ", out);
		for (s = r->where; *s != '\0'; s++)
			fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
		fputc('\n', out);
	}
	if (fflush(out) == EOF || ferror(out))
		return -1;
	return 0;
}

int
policy_path_normalize(const char *cwd, const char *path, char *buf, size_t size)
{
	size_t n = 0, len;
	const char *s, *e;
	int pass;

	if (path == NULL || buf == NULL || size < 2 || path[0] == '\0' ||
	    (path[0] != '/' && (cwd == NULL || cwd[0] != '/'))) {
		errno = EINVAL;
		return -1;
	}
	buf[n++] = '/';
	/* Pass 0 walks cwd (for a relative path), pass 1 the path itself. */
	for (pass = path[0] == '/' ? 1 : 0; pass < 2; pass++) {
		for (s = pass == 0 ? cwd : path; *s != '\0'; s = e) {
			while (*s == '/')
				s++;
			if (*s == '\0')
				break;
			for (e = s; *e != '\0' && *e != '/'; e++)
				;
			len = (size_t)(e - s);
			if (len == 1 && s[0] == '.')
				continue;
			if (len == 2 && s[0] == '.' && s[1] == '.') {
				/* Back to the previous '/', never above the root. */
				while (n > 1 && buf[n - 1] != '/')
					n--;
				if (n > 1)
					n--;
				continue;
			}
			if (n + (n > 1) + len + 1 > size) {
				errno = ENAMETOOLONG;
				return -1;
			}
			if (n > 1)
				buf[n++] = '/';
			memcpy(buf + n, s, len);
			n += len;
		}
	}
	buf[n] = '\0';
	return 0;
}
