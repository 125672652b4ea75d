/*
 * policy_profile.c: a policy's profile lines, the sections that give some
 * users or groups rules of their own.  The user and group names are looked
 * up here, once, while the policy is read.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

/*
 * A user or group name, or a number.  Names are looked up now, once, so
 * that a connecting peer is matched on numbers alone (no name service call
 * on the broker's accept path, where a slow LDAP server would stall it).
 * Digits alone are an id, as chown(1) takes them.
 */
static int
resolve_id(const char *name, int group, unsigned *id, int *notfound)
{
	char buf[16384], *end;
	unsigned long v;
	int rv;

	*notfound = 0;
	if (name[0] >= '0' && name[0] <= '9') {
		errno = 0;
		v = strtoul(name, &end, 10);
		if (errno != 0 || *end != '\0' || v >= UINT32_MAX) {
			*notfound = 1;
			return -1;
		}
		*id = (unsigned)v;
		return 0;
	}
	if (group) {
		struct group gr, *res = NULL;

		rv = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
		if (rv == 0 && res != NULL) {
			*id = (unsigned)res->gr_gid;
			return 0;
		}
	} else {
		struct passwd pw, *res = NULL;

		rv = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
		if (rv == 0 && res != NULL) {
			*id = (unsigned)res->pw_uid;
			return 0;
		}
	}
	/* "Not found" comes back as 0 with no result, or as one of these
	 * depending on the name service; anything else is a real failure. */
	*notfound = rv == 0 || rv == ENOENT || rv == ESRCH || rv == EBADF || rv == EPERM;
	errno = rv != 0 ? rv : ENOENT;
	return -1;
}

static int
name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '_' || ch == '-' || ch == '.' || ch == '$' || ch == '@';
}

/* "user=a,b" or "group=1,c": fill ids.  Reports every bad name. */
static int
parse_idlist(struct pctx *c, const struct lineref *lr, const struct tok *t, size_t skip, int group,
    unsigned **ids, size_t *nids)
{
	const char *what = group ? "group" : "user";
	char name[256];
	size_t i = skip, start, k;
	unsigned *v, id;
	int ok = 1, nf;

	if ((v = calloc(POLICY_PROFILE_IDS_MAX, sizeof(*v))) == NULL) {
		c->nomem = 1;
		return -1;
	}
	*nids = 0;
	for (;;) {
		start = i;
		while (i < t->len && t->s[i] != ',')
			i++;
		if (i == start) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)start,
			    "empty %s name in '%.*s'", what, (int)(t->len > 64 ? 64 : t->len),
			    t->s);
			ok = 0;
		} else if (*nids == POLICY_PROFILE_IDS_MAX) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)start,
			    "too many %ss on one profile line (the limit is %d)", what,
			    POLICY_PROFILE_IDS_MAX);
			ok = 0;
			break;
		} else {
			for (k = start; k < i; k++)
				if (!name_char_ok(t->s[k]))
					break;
			if (k < i || i - start >= sizeof(name)) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
				    t->col + (int)(k < i ? k : start),
				    "bad character in %s name (letters, digits and _ - . $ @ only)",
				    what);
				ok = 0;
			} else {
				memcpy(name, t->s + start, i - start);
				name[i - start] = '\0';
				if (resolve_id(name, group, &id, &nf) == -1) {
					if (nf)
						policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
						    t->col + (int)start, "unknown %s '%s'", what,
						    name);
					else
						policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line,
						    t->col + (int)start,
						    "cannot look up %s '%s': %s", what, name,
						    strerror(errno));
					ok = 0;
				} else
					v[(*nids)++] = id;
			}
		}
		if (i >= t->len)
			break;
		i++; /* ',' */
		if (i >= t->len) {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t->col + (int)i,
			    "empty %s name after ','", what);
			ok = 0;
			break;
		}
	}
	if (!ok) {
		free(v);
		return -1;
	}
	*ids = v;
	return 0;
}

static void
profile_clear(struct pprofile *pr)
{
	free(pr->uids);
	free(pr->gids);
	free(pr->text);
	free(pr->where);
	memset(pr, 0, sizeof(*pr));
}

/*
 * profile any | profile [user=LIST] [group=LIST]
 *
 * Only in the top-level file: a section that an include could open would
 * silently swallow the including file's later rules.  A profile line with
 * an error still opens a section (so that the rules after it are not taken
 * for common rules in the diagnostics); the policy is refused anyway.
 */
void
policy_parse_profile(struct pctx *c, const struct lineref *lr, struct tok *t, int n)
{
	struct pprofile pr, *nv;
	unsigned *ids;
	size_t nids, ncap, tl = 0;
	int i, ok = 1;
	char *p;

	memset(&pr, 0, sizeof(pr));
	pr.file = lr->file;
	pr.line = lr->line;
	pr.col = t[0].col;
	if (c->depth > 0) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col,
		    "profile lines belong in the top-level policy file, not in an included one");
		return;
	}
	if (c->nprofiles >= POLICY_PROFILES_MAX) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col,
		    "too many profiles (the limit is %d)", POLICY_PROFILES_MAX);
		c->stop = 1;
		return;
	}
	if (n < 2) {
		policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[0].col + (int)t[0].len,
		    "profile needs 'any', user=NAME[,NAME...] or group=NAME[,NAME...]");
		ok = 0;
	}
	for (i = 1; i < n; i++) {
		tl += t[i].len + 1;
		if (tok_is(&t[i], "any")) {
			if (n > 2) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
				    "'any' stands alone on a profile line");
				ok = 0;
			}
			pr.any = 1;
		} else if (t[i].len >= 5 && memcmp(t[i].s, "user=", 5) == 0) {
			if (pr.has_user) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
				    "user= given twice (list several users as user=a,b)");
				ok = 0;
			} else if (t[i].len == 5) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col + 5,
				    "user= needs a user name or number");
				ok = 0;
			} else if (parse_idlist(c, lr, &t[i], 5, 0, &ids, &nids) == -1)
				ok = 0;
			else {
				pr.uids = (uid_t *)ids;
				pr.nuids = nids;
			}
			pr.has_user = 1;
		} else if (t[i].len >= 6 && memcmp(t[i].s, "group=", 6) == 0) {
			if (pr.has_group) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
				    "group= given twice (list several groups as group=a,b)");
				ok = 0;
			} else if (t[i].len == 6) {
				policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col + 6,
				    "group= needs a group name or number");
				ok = 0;
			} else if (parse_idlist(c, lr, &t[i], 6, 1, &ids, &nids) == -1)
				ok = 0;
			else {
				pr.gids = (gid_t *)ids;
				pr.ngids = nids;
			}
			pr.has_group = 1;
		} else {
			policy_ctx_diag(c, POLICY_ERROR, lr->file, lr->line, t[i].col,
			    "unexpected '%.*s' on a profile line (expected any, user=LIST or "
			    "group=LIST)",
			    (int)(t[i].len > 64 ? 64 : t[i].len), t[i].s);
			ok = 0;
		}
	}
	/* The section opens whatever happened, so that its rules are not
	 * mistaken for common ones. */
	c->cur_profile = (int)c->nprofiles;
	if (!ok) {
		profile_clear(&pr);
		pr.file = lr->file;
		pr.line = lr->line;
	} else {
		if ((pr.text = malloc(tl + 1)) == NULL ||
		    asprintf(&pr.where, "%s:%d", lr->file, lr->line) == -1) {
			pr.where = NULL;
			c->nomem = 1;
			profile_clear(&pr);
			return;
		}
		for (p = pr.text, i = 1; i < n; i++) {
			memcpy(p, t[i].s, t[i].len);
			p += t[i].len;
			*p++ = i + 1 < n ? ' ' : '\0';
		}
	}
	if (c->nprofiles == c->capprofiles) {
		ncap = c->capprofiles ? c->capprofiles * 2 : 8;
		if ((nv = realloc(c->profiles, ncap * sizeof(*nv))) == NULL) {
			c->nomem = 1;
			profile_clear(&pr);
			return;
		}
		c->profiles = nv;
		c->capprofiles = ncap;
	}
	c->profiles[c->nprofiles++] = pr;
}
