/*
 * policy_parse.c: policy text into rules.
 *
 * Errors are collected, never fatal: a bad line is reported and skipped so
 * that one run of `filebroker check` shows every problem.  The caller throws
 * the whole result away if any error was seen, so nothing here has to undo
 * half-parsed state.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_int.h"

static const struct {
	const char *name;
	unsigned bits;
} access_names[] = {
	{ "read", POLICY_READ },
	{ "write", POLICY_WRITE },
	{ "create", POLICY_CREATE },
	{ "delete", POLICY_DELETE },
	{ "list", POLICY_LIST },
	{ "stat", POLICY_STAT },
	{ "exec", POLICY_EXEC },
	{ "all", POLICY_ALL },
};

int
policy_access_parse(const char *s, unsigned *access)
{
	const char *e;
	size_t i, n;
	unsigned bits = 0;

	if (s == NULL || access == NULL)
		goto bad;
	for (;;) {
		e = strchr(s, ',');
		n = e ? (size_t)(e - s) : strlen(s);
		for (i = 0; i < sizeof(access_names) / sizeof(access_names[0]); i++)
			if (strlen(access_names[i].name) == n &&
			    memcmp(access_names[i].name, s, n) == 0)
				break;
		if (i == sizeof(access_names) / sizeof(access_names[0]))
			goto bad;
		bits |= access_names[i].bits;
		if (e == NULL)
			break;
		s = e + 1;
	}
	*access = bits;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

char *
policy_access_format(unsigned access, char *buf, size_t size)
{
	size_t i, off = 0;
	int n;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if ((access & POLICY_ALL) == POLICY_ALL) {
		snprintf(buf, size, "all");
		return buf;
	}
	/* The last entry is "all"; the others are single bits in order. */
	for (i = 0; i + 1 < sizeof(access_names) / sizeof(access_names[0]); i++) {
		if (!(access & access_names[i].bits))
			continue;
		n = snprintf(buf + off, size - off, "%s%s", off ? "," : "", access_names[i].name);
		if (n < 0 || (size_t)n >= size - off) {
			buf[off] = '\0'; /* whole names only */
			break;
		}
		off += (size_t)n;
	}
	return buf;
}

/* Remove backslash escapes; returns a NUL-terminated copy or NULL. */
static char *
unescape(const char *s, size_t len, size_t *outlen)
{
	char *out;
	size_t i, n = 0;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		out[n++] = s[i];
	}
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return out;
}

static int
is_space(char ch)
{
	/* '\r' counts as blank so that CRLF files read as intended; a name
	 * ending in CR can still be written as "\<CR>". */
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * Split a line into tokens.  Returns the number of tokens (at most TOK_MAX;
 * *more is set when there were more), or -1 after reporting an error.
 */
static int
tokenize(struct pctx *c, const struct lineref *lr, const char *s, size_t len, struct tok *t,
    int *more)
{
	size_t i = 0, start;
	int n = 0;

	*more = 0;
	for (;;) {
		while (i < len && is_space(s[i]))
			i++;
		if (i >= len || s[i] == '#')
			return n;
		start = i;
		while (i < len && !is_space(s[i])) {
			if (s[i] == '\\') {
				if (i + 1 >= len) {
					policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
					    (int)i + 1, "trailing '\\' escapes nothing");
					return -1;
				}
				i++;
			}
			i++;
		}
		if (n == TOK_MAX) {
			*more = 1;
			return n;
		}
		t[n].s = s + start;
		t[n].len = i - start;
		t[n].col = (int)start + 1;
		n++;
	}
}

static int
parse_access(struct pctx *c, const struct lineref *lr, const struct tok *t, unsigned *bits)
{
	size_t i = 0, j, start;
	int ok = 1;

	*bits = 0;
	for (;;) {
		start = i;
		while (i < t->len && t->s[i] != ',')
			i++;
		for (j = 0; j < sizeof(access_names) / sizeof(access_names[0]); j++)
			if (strlen(access_names[j].name) == i - start &&
			    memcmp(access_names[j].name, t->s + start, i - start) == 0)
				break;
		if (i == start) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)start,
			    "empty access name in '%.*s'", (int)t->len, t->s);
			ok = 0;
		} else if (j == sizeof(access_names) / sizeof(access_names[0])) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)start,
			    "unknown access '%.*s' (expected read, write, create, delete, "
			    "list, stat, exec or all)",
			    (int)(i - start > 64 ? 64 : i - start), t->s + start);
			ok = 0;
		} else
			*bits |= access_names[j].bits;
		if (i >= t->len)
			break;
		i++; /* ',' */
		if (i >= t->len) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)i,
			    "empty access name after ','");
			ok = 0;
			break;
		}
	}
	return ok ? 0 : -1;
}

static void
comps_free(struct pcomp *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

/*
 * Split a pattern into components and check each.  Reports every problem
 * in the pattern; returns 0 or -1.
 */
static int
parse_pattern(struct pctx *c, const struct lineref *lr, const struct tok *t, struct prule *r)
{
	struct pcomp *v = NULL;
	size_t n = 0, i, start, errpos, len;
	const char *s = t->s, *msg;
	char *text;
	int ok = 1;

	if (t->len == 0 || s[0] != '/') {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col,
		    "pattern must be an absolute path starting with '/'");
		return -1;
	}
	if (t->len == 1)
		goto done; /* "/" itself: no components */
	if ((v = calloc(t->len / 2 + 1, sizeof(*v))) == NULL) {
		c->nomem = 1;
		return -1;
	}
	i = 1;
	for (;;) {
		start = i;
		while (i < t->len && s[i] != '/') {
			if (s[i] == '\\' && i + 1 < t->len) {
				if (s[i + 1] == '/') {
					policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
					    t->col + (int)i,
					    "'/' cannot be escaped: names never "
					    "contain it");
					ok = 0;
				}
				i++;
			}
			i++;
		}
		len = i - start;
		if (len == 0) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)start,
			    i >= t->len ? "trailing '/' in pattern (write DIR for the folder "
					  "itself or DIR/** for everything in it)" :
					  "empty component ('//') in pattern");
			ok = 0;
		} else if (policy_glob_check(s + start, len, &errpos, &msg) == -1) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
			    t->col + (int)(start + errpos), "%s", msg);
			ok = 0;
		} else if (len == 2 && s[start] == '*' && s[start + 1] == '*') {
			/* "**" twice in a row means the same as once. */
			if (n == 0 || v[n - 1].kind != PC_STARSTAR)
				v[n++].kind = PC_STARSTAR;
		} else if (policy_glob_haswild(s + start, len)) {
			if ((text = malloc(len + 1)) == NULL) {
				c->nomem = 1;
				ok = 0;
				break;
			}
			memcpy(text, s + start, len);
			text[len] = '\0';
			v[n].kind = PC_GLOB;
			v[n].text = text;
			v[n].len = len;
			n++;
		} else {
			if ((text = unescape(s + start, len, &len)) == NULL) {
				c->nomem = 1;
				ok = 0;
				break;
			}
			if (strcmp(text, ".") == 0 || strcmp(text, "..") == 0) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
				    t->col + (int)start,
				    "'.' and '..' components are not allowed in patterns");
				free(text);
				ok = 0;
			} else {
				v[n].kind = PC_LIT;
				v[n].text = text;
				v[n].len = len;
				n++;
			}
		}
		if (i >= t->len)
			break;
		i++; /* '/' */
	}
	if (!ok) {
		comps_free(v, n);
		return -1;
	}
	/* The worker's /proc/self is not the broker's: the broker rewrites it to
	 * /proc/PID before deciding, so the pattern has to follow. */
	if (n >= 2 && v[0].kind == PC_LIT && strcmp(v[0].text, "proc") == 0 &&
	    v[1].kind == PC_LIT && strcmp(v[1].text, "self") == 0) {
		free(v[1].text);
		v[1].text = NULL;
		v[1].kind = PC_SELF;
	}
done:
	r->comp = v;
	r->ncomp = n;
	for (i = 0; i < n; i++)
		if (v[i].kind == PC_GLOB || v[i].kind == PC_STARSTAR)
			r->has_wild = 1;
	return 0;
}

static int
parse_mode(struct pctx *c, const struct lineref *lr, const struct tok *t, unsigned *mode)
{
	const char *s = t->s + 5;
	size_t n = t->len - 5, i;
	unsigned long v = 0;

	if (n == 0 || s[0] != '0') {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + 5,
		    "mode= takes an octal number with a leading 0, as in mode=0640");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7') {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + 5 + (int)i,
			    "mode= takes an octal number: '%c' is not an octal digit",
			    (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?');
			return -1;
		}
		v = v * 8 + (unsigned long)(s[i] - '0');
		if (v > 07777) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + 5,
			    "mode=%.*s is larger than 07777", (int)(n > 16 ? 16 : n), s);
			return -1;
		}
	}
	*mode = (unsigned)v;
	return 0;
}

static int
add_rule(struct pctx *c, struct prule *r)
{
	struct prule *nv;
	size_t ncap;

	if (c->nrules >= POLICY_RULES_MAX) {
		policy_ctx_diag(c, POLICY_ERROR, r->file, r->line, r->col,
		    "too many rules (the limit is %d)", POLICY_RULES_MAX);
		c->stop = 1;
		return -1;
	}
	if (c->nrules == c->caprules) {
		ncap = c->caprules ? c->caprules * 2 : 64;
		if ((nv = realloc(c->rules, ncap * sizeof(*nv))) == NULL) {
			c->nomem = 1;
			return -1;
		}
		c->rules = nv;
		c->caprules = ncap;
	}
	c->rules[c->nrules++] = *r;
	return 0;
}

static void
parse_rule(struct pctx *c, const struct lineref *lr, struct tok *t, int n)
{
	struct prule r;
	int i, ok = 1, wlen;

	memset(&r, 0, sizeof(r));
	r.profile = c->cur_profile;
	r.allow = tok_is(&t[0], "allow");
	r.mode = POLICY_DEFAULT_CREATE_MODE;
	r.file = lr->file;
	r.line = lr->line;
	r.col = t[0].col;
	r.node = PNONE;
	if (n < 2) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col + (int)t[0].len,
		    "%s needs an access list and a pattern", r.allow ? "allow" : "deny");
		return;
	}
	if (parse_access(c, lr, &t[1], &r.bits) == -1)
		ok = 0;
	if (n < 3) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[1].col + (int)t[1].len,
		    "missing pattern after the access list");
		return;
	}
	if (parse_pattern(c, lr, &t[2], &r) == -1)
		ok = 0;
	for (i = 3; i < n; i++) {
		if (t[i].len >= 5 && memcmp(t[i].s, "mode=", 5) == 0) {
			if (!r.allow) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
				    "mode= is only valid on allow rules");
				ok = 0;
			} else if (r.has_mode) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
				    "mode= given twice");
				ok = 0;
			} else if (parse_mode(c, lr, &t[i], &r.mode) == -1)
				ok = 0;
			else
				r.has_mode = 1;
			continue;
		}
		wlen = (int)(t[i].len > 64 ? 64 : t[i].len);
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
		    "unexpected '%.*s' after the pattern%s", wlen, t[i].s,
		    r.allow ? " (only mode=0NNN may follow; write a space in a name as '\\ ')" :
			      " (write a space in a name as '\\ ')");
		ok = 0;
		break;
	}
	if (!ok) {
		comps_free(r.comp, r.ncomp);
		return;
	}
	r.eff = r.bits;
	/* Whoever may open a file may see that it is there, and a shell's
	 * PATH search stats the program it is about to run. */
	if (r.allow && (r.bits & (POLICY_READ | POLICY_WRITE | POLICY_LIST | POLICY_EXEC)))
		r.eff |= POLICY_STAT;
	r.pattern = malloc(t[2].len + 1);
	if (lr->file == c->unnumbered)
		r.where = strdup(lr->file);
	else if (asprintf(&r.where, "%s:%d", lr->file, lr->line) == -1)
		r.where = NULL;
	if (r.pattern == NULL || r.where == NULL) {
		c->nomem = 1;
		policy_rule_clear(&r);
		return;
	}
	memcpy(r.pattern, t[2].s, t[2].len);
	r.pattern[t[2].len] = '\0';
	if (add_rule(c, &r) == -1)
		policy_rule_clear(&r);
}

/* dir/name, or name alone when it is absolute or there is no dir. */
static char *
join(const char *dir, const char *name)
{
	char *s;

	if (name[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(name);
	if (asprintf(&s, "%s/%s", dir, name) == -1)
		return NULL;
	return s;
}

/* The folder part of path, or NULL for the current folder. */
static char *
dir_of(const char *path)
{
	const char *sl = strrchr(path, '/');

	if (sl == NULL)
		return NULL;
	if (sl == path)
		return strdup("/");
	return strndup(path, (size_t)(sl - path));
}

static void
parse_include(struct pctx *c, const struct lineref *lr, struct tok *t, int n)
{
	const char *text;
	char *name, *path;

	if (n < 2) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col + (int)t[0].len,
		    "include needs a file name or a built-in profile such as @runtime");
		return;
	}
	if (n > 2) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[2].col,
		    "unexpected '%.*s' after the include file name",
		    (int)(t[2].len > 64 ? 64 : t[2].len), t[2].s);
		return;
	}
	if (c->depth >= POLICY_INCLUDE_DEPTH_MAX) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[1].col,
		    "includes nested deeper than %d levels", POLICY_INCLUDE_DEPTH_MAX);
		return;
	}
	if ((name = unescape(t[1].s, t[1].len, NULL)) == NULL) {
		c->nomem = 1;
		return;
	}
	if (name[0] == '@') {
		if ((text = policy_builtin_text(name)) == NULL)
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[1].col,
			    "unknown built-in profile '%s' (the built-in ones are %s)", name,
			    policy_builtin_names());
		else {
			c->depth++;
			policy_parse_text(c, name, text, strlen(text), NULL);
			c->depth--;
		}
		free(name);
		return;
	}
	if ((path = join(lr->basedir, name)) == NULL) {
		c->nomem = 1;
		free(name);
		return;
	}
	free(name);
	c->depth++;
	policy_parse_file(c, path, lr->file, lr->line, t[1].col);
	c->depth--;
	free(path);
}

/*
 * "deny-status N": the exit status of a `filebroker run` whose worker
 * exited 0 but was refused a request, 1 to 124 (125 to 127 are run's own,
 * above 128 a signal's), as --deny-status N says.  One value per policy,
 * before the first profile line (it is the run's, not a peer's).
 */
static void
parse_deny_status(struct pctx *c, const struct lineref *lr, struct tok *t, int n)
{
	int v = 0;
	size_t i;

	if (n != 2) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
		    n < 2 ? t[0].col + (int)t[0].len : t[2].col,
		    n < 2 ? "deny-status needs a number, 1 to 124 (deny-status 3)" :
			    "unexpected words after deny-status's number");
		return;
	}
	for (i = 0; i < t[1].len && v <= 124; i++) {
		if (t[1].s[i] < '0' || t[1].s[i] > '9') {
			v = -1;
			break;
		}
		v = v * 10 + (t[1].s[i] - '0');
	}
	if (v < 1 || v > 124) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[1].col,
		    "deny-status '%.*s': not a number from 1 to 124 (125 to 127 are filebroker "
		    "run's own statuses, 128 and above a signal's)",
		    (int)(t[1].len > 16 ? 16 : t[1].len), t[1].s);
		return;
	}
	if (c->cur_profile >= 0) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col,
		    "deny-status in a profile section: it is the whole run's exit status, not a "
		    "peer's; put it before the first profile line");
		return;
	}
	if (c->deny_status != 0 && c->deny_status != v) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[1].col,
		    "deny-status %d here, but %d at %s:%d: one status per policy", v,
		    c->deny_status, c->deny_status_file, c->deny_status_line);
		return;
	}
	if (c->deny_status == 0) {
		c->deny_status = v;
		c->deny_status_file = lr->file;
		c->deny_status_line = lr->line;
	}
}

static void
parse_line(struct pctx *c, const struct lineref *lr, const char *s, size_t len)
{
	struct tok t[TOK_MAX];
	int n, more;

	if ((n = tokenize(c, lr, s, len, t, &more)) <= 0)
		return;
	if (more) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[TOK_MAX - 1].col,
		    "too many words on one line");
		return;
	}
	if (tok_is(&t[0], "allow") || tok_is(&t[0], "deny"))
		parse_rule(c, lr, t, n);
	else if (tok_is(&t[0], "include"))
		parse_include(c, lr, t, n);
	else if (tok_is(&t[0], "profile"))
		policy_parse_profile(c, lr, t, n);
	else if (tok_is(&t[0], "deny-status"))
		parse_deny_status(c, lr, t, n);
	else
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col,
		    "unknown keyword '%.*s' (expected allow, deny, include, profile or "
		    "deny-status)",
		    (int)(t[0].len > 64 ? 64 : t[0].len), t[0].s);
}

static const char *
intern(struct pctx *c, const char *name)
{
	char **nv, *s;
	size_t i, ncap;

	for (i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i], name) == 0)
			return c->files[i];
	if (c->nfiles == c->capfiles) {
		ncap = c->capfiles ? c->capfiles * 2 : 8;
		if ((nv = realloc(c->files, ncap * sizeof(*nv))) == NULL)
			return NULL;
		c->files = nv;
		c->capfiles = ncap;
	}
	if ((s = strdup(name)) == NULL)
		return NULL;
	c->files[c->nfiles++] = s;
	return s;
}

int
policy_parse_text(struct pctx *c, const char *name, const char *text, size_t len,
    const char *basedir)
{
	struct lineref lr;
	const char *p = text, *end = text + len, *nl, *nul;
	size_t ll;

	if ((lr.file = intern(c, name)) == NULL) {
		c->nomem = 1;
		return -1;
	}
	lr.basedir = basedir;
	lr.line = 0;
	while (p < end && !c->stop && !c->nomem) {
		lr.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll > POLICY_LINE_MAX)
			policy_ctx_diag(c, POLICY_ERROR, lr.file, lr.line, POLICY_LINE_MAX + 1,
			    "line too long (%zu bytes; the limit is %d)", ll, POLICY_LINE_MAX);
		else if ((nul = memchr(p, '\0', ll)) != NULL)
			policy_ctx_diag(c, POLICY_ERROR, lr.file, lr.line, (int)(nul - p) + 1,
			    "NUL byte in line");
		else
			parse_line(c, &lr, p, ll);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

void
policy_parse_extras(struct pctx *c)
{
	const struct policy_load_opts *o = c->opts;
	size_t i;

	for (i = 0; o != NULL && i < o->nextras && !c->nomem; i++) {
		if (o->extras[i].name == NULL || o->extras[i].name[0] != '@' ||
		    o->extras[i].text == NULL) {
			policy_ctx_diag(c, POLICY_ERROR, "policy", 0, 0,
			    "the caller's extra rules need a name starting with '@'");
			continue;
		}
		if ((c->unnumbered = intern(c, o->extras[i].name)) == NULL) {
			c->nomem = 1;
			break;
		}
		policy_parse_text(c, o->extras[i].name, o->extras[i].text,
		    strlen(o->extras[i].text), NULL);
		c->unnumbered = NULL;
	}
	c->nextra = c->nrules;
}

/* Why a file that is not a regular file is refused, for messages. */
static const char *
not_regular(mode_t mode)
{
#define NOT_REG(what) what ", not a regular file; write the policy to a file"
	if (S_ISDIR(mode))
		return NOT_REG("a folder");
	if (S_ISFIFO(mode))
		return NOT_REG("a FIFO (named pipe)");
	if (S_ISCHR(mode))
		return NOT_REG("a character device");
	if (S_ISBLK(mode))
		return NOT_REG("a block device");
	if (S_ISSOCK(mode))
		return NOT_REG("a socket");
	return NOT_REG("something else");
#undef NOT_REG
}

/*
 * Read a whole policy file, which must be a regular file: a FIFO with no
 * writer would read as an empty policy ("ok (0 rules)"), one whose writer
 * never writes would hang every load, and a device (/dev/zero, a tty) never
 * ends.  stat() first, so that a special file is not even opened (opening a
 * device can do things); the open is O_NONBLOCK all the same, for a FIFO
 * swapped in meanwhile, and fstat() checks that the open found the very
 * file stat() saw.  A symlink to a regular file is fine.  O_NONBLOCK stays
 * on while reading: a regular file ignores it, and a file that calls itself
 * regular but would block (procfs has such) fails with EAGAIN instead.  The
 * size is bounded, whatever st_size says.
 */
static int
read_all(const char *path, char **out, size_t *outlen, struct stat *st, const char **why)
{
	struct stat before;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd = -1, saved;

	*why = NULL;
	if (stat(path, &before) == -1)
		return -1;
	if (!S_ISREG(before.st_mode)) {
		*why = not_regular(before.st_mode);
		errno = S_ISDIR(before.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, st) == -1)
		goto fail;
	if (!S_ISREG(st->st_mode) || st->st_dev != before.st_dev || st->st_ino != before.st_ino) {
		*why = "replaced while being opened; try again";
		errno = EAGAIN;
		goto fail;
	}
	if (st->st_size > (off_t)POLICY_FILE_SIZE_MAX) {
		*why = "file too large";
		errno = EFBIG;
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap > POLICY_FILE_SIZE_MAX) {
				*why = "file too large";
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 16384;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > POLICY_FILE_SIZE_MAX) {
		*why = "file too large";
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

/*
 * path by its canonical name (realpath(3): absolute, symbolic links and
 * ".." resolved), so that rule names (FILE:LINE) made of it name a file
 * one way, whatever folder the broker was started in and whatever way the
 * file was reached.  A path that does not resolve (the file is missing:
 * its diagnostic follows) is made absolute by hand: the current folder in
 * front of a relative one, "." and empty components dropped, ".." kept
 * (it may cross a symlink); when the current folder cannot be named
 * (removed), the name as given.  NULL only without memory.
 */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *s, *o;
	const char *parts[2], *p, *e;
	int i;

	if (realpath(path, cwd) != NULL)
		return strdup(cwd);
	cwd[0] = '\0';
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(path);
	if ((s = malloc(strlen(cwd) + strlen(path) + 3)) == NULL)
		return NULL;
	parts[0] = cwd;
	parts[1] = path;
	o = s;
	for (i = 0; i < 2; i++) {
		for (p = parts[i]; *p != '\0'; p = e) {
			while (*p == '/')
				p++;
			if ((e = strchr(p, '/')) == NULL)
				e = p + strlen(p);
			if (e == p || (e - p == 1 && p[0] == '.'))
				continue;
			*o++ = '/';
			memcpy(o, p, (size_t)(e - p));
			o += e - p;
		}
	}
	if (o == s)
		*o++ = '/';
	*o = '\0';
	return s;
}

static int parse_file(struct pctx *c, const char *path, const char *given, const char *ifile,
    int iline, int icol);

int
policy_parse_file(struct pctx *c, const char *given, const char *ifile, int iline, int icol)
{
	char *path;
	int r, saved;

	if ((path = absolute(given)) == NULL) {
		c->nomem = 1;
		errno = ENOMEM;
		return -1;
	}
	r = parse_file(c, path, given, ifile, iline, icol);
	saved = errno;
	free(path);
	errno = saved;
	return r;
}

/* The file named given, named path (its canonical path) in diagnostics
 * and rule names. */
static int
parse_file(struct pctx *c, const char *path, const char *given, const char *ifile, int iline,
    int icol)
{
	struct stat st;
	const char *why;
	char *buf, *dir = NULL;
	size_t len;
	int i, saved;

	/* Read by the name given, the way the check below walks. */
	if (read_all(given, &buf, &len, &st, &why) == -1) {
		saved = errno;
		if (errno == ENOMEM && why == NULL)
			c->nomem = 1;
		if (why != NULL && errno == EFBIG && ifile != NULL)
			policy_ctx_diag(c, POLICY_ERROR, ifile, iline, icol,
			    "cannot include %s: file too large (over %u bytes)", path,
			    POLICY_FILE_SIZE_MAX);
		else if (why != NULL && errno == EFBIG)
			policy_ctx_diag(c, POLICY_ERROR, path, 0, 0,
			    "file too large (over %u bytes)", POLICY_FILE_SIZE_MAX);
		else if (ifile != NULL)
			policy_ctx_diag(c, POLICY_ERROR, ifile, iline, icol,
			    "cannot include %s: %s", path, why ? why : strerror(saved));
		else
			policy_ctx_diag(c, POLICY_ERROR, path, 0, 0, "%s",
			    why ? why : strerror(saved));
		errno = saved;
		return -1;
	}
	/* The caller's check of the file it got (strict modes), on the way it
	 * was named: a symlink or ".." on that way is a folder someone may
	 * change, which the canonical name no longer shows. */
	if (c->opts != NULL && c->opts->file_check != NULL) {
		char reason[512];
		enum policy_severity sev = c->opts->warn_only ? POLICY_WARNING : POLICY_ERROR;

		reason[0] = '\0';
		if (c->opts->file_check(given, &st, reason, sizeof(reason), c->opts->arg) == -1) {
			if (ifile != NULL)
				policy_ctx_diag(c, sev, ifile, iline, icol, "include %s: %s", path,
				    reason);
			else
				policy_ctx_diag(c, sev, path, 0, 0, "%s", reason);
		}
	}
	/* A cycle would recurse until the depth limit; name it instead. */
	for (i = 0; i < c->depth && i < (int)(sizeof(c->stack) / sizeof(c->stack[0])); i++) {
		if (c->stack[i].dev == st.st_dev && c->stack[i].ino == st.st_ino &&
		    S_ISREG(st.st_mode)) {
			policy_ctx_diag(c, POLICY_ERROR, ifile ? ifile : path, iline, icol,
			    "include cycle: %s is already being read", path);
			free(buf);
			return 0;
		}
	}
	if (c->depth < (int)(sizeof(c->stack) / sizeof(c->stack[0]))) {
		c->stack[c->depth].dev = st.st_dev;
		c->stack[c->depth].ino = st.st_ino;
	}
	if (strchr(path, '/') != NULL && (dir = dir_of(path)) == NULL)
		c->nomem = 1;
	else
		policy_parse_text(c, path, buf, len, dir);
	free(dir);
	free(buf);
	return 0;
}
