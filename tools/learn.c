/*
 * learn.c: the rules `filebroker learn` makes from audit records, how they
 * are folded, and the policy printed (learn.h).
 *
 * Entries are kept by pattern, in the policy language: a literal path is
 * escaped when it comes in, and folding rewrites patterns, so that what is
 * printed is what was compared.  Folding never reaches a folder at or above
 * a sensitive root (/, /etc, /home, ... and --sensitive), so a learned
 * policy never grants all of /etc because a program read three files there.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "learn.h"
#include "log.h"
#include "out.h"
#include "private_tmp.h"
#include "run_policy.h"

/*
 * Paths whose grant a person must look at, as policy text: each rule's
 * line is the index of its reason below.  Matched with the policy's own
 * matcher, so the patterns mean what they mean in a policy.
 */
static const struct {
	const char *pattern, *why;
} secrets[] = {
	{ "/etc/shadow*", "the password hashes" },
	{ "/etc/gshadow*", "the group password hashes" },
	{ "/etc/sudoers", "who may become root" },
	{ "/etc/sudoers.d/**", "who may become root" },
	{ "/etc/ssh/ssh_host_*_key", "the host's SSH keys" },
	{ "/etc/ssl/private/**", "the host's TLS keys" },
	{ "/root/**", "root's home" },
	{ "/**/.ssh/**", "SSH keys" },
	{ "/**/.gnupg/**", "GnuPG keys" },
	{ "/**/*.key", "a private key" },
	{ "/proc/*/mem", "a process's memory" },
	{ "/proc/*/environ", "a process's environment" },
	{ "/proc/kcore", "the kernel's memory" },
	{ "/dev/mem", "the machine's memory" },
	{ "/dev/kmem", "the kernel's memory" },
	{ "/dev/port", "the machine's I/O ports" },
};

#define NSECRETS (sizeof(secrets) / sizeof(secrets[0]))

static const char *const default_roots[] = { "/etc", "/home", "/root", "/usr", "/var", "/proc",
	"/dev", "/sys", "/tmp", "/run", "/boot", "/srv", "/opt", "/mnt", "/media", "/var/tmp",
	"/dev/shm", "/run/lock", "/run/user" };

/* The folders every user may make names in (sticky, world-writable): a
 * pattern for names there matches other users' files too. */
static const char *const shared_temp[] = { "/tmp", "/var/tmp", "/dev/shm", "/run/lock" };

#define NSHARED (sizeof(shared_temp) / sizeof(shared_temp[0]))

/* A folded name directly in a shared or personal folder keeps at least
 * this much of its name literal, before any wildcard ("tmp*", Python's). */
#define LEARN_PREFIX_MIN 3

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* A path component escaped for a pattern; a newline (which no line can
 * hold) becomes '?', the one-character wildcard.  Appends to out at *n;
 * 0, or -1 when it does not fit. */
static int
put_escaped(const char *s, size_t len, char *out, size_t *n, size_t size)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (*n + 3 > size)
			return -1;
		if (s[i] == '\n') {
			out[(*n)++] = '?';
			continue;
		}
		if (strchr("*?[]\\ \t\r\v\f", s[i]) != NULL)
			out[(*n)++] = '\\';
		out[(*n)++] = s[i];
	}
	out[*n] = '\0';
	return 0;
}

int
learn_init(struct learn *l)
{
	char text[4096];
	size_t i, n = 0;

	memset(l, 0, sizeof(*l));
	l->uid = -1;
	for (i = 0; i < sizeof(default_roots) / sizeof(default_roots[0]); i++)
		if (learn_add_root(l, default_roots[i]) == -1)
			return -1;
	for (i = 0; i < NSECRETS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "allow read %s\n",
		    secrets[i].pattern);
	if (n >= sizeof(text) ||
	    policy_load_buffer("(learn: sensitive)", text, n, NULL, &l->secrets, NULL) == -1)
		return -1;
	return 0;
}

void
learn_free(struct learn *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].pat);
		free(l->v[i].raw);
		free(l->v[i].first.op);
		free(l->v[i].first.path);
	}
	for (i = 0; i < l->nsensitive; i++)
		free(l->sensitive[i]);
	free(l->v);
	free(l->slots);
	policy_free(l->secrets);
	memset(l, 0, sizeof(*l));
}

int
learn_add_root(struct learn *l, const char *dir)
{
	char esc[2 * PATH_MAX + 2];
	size_t n = 0;

	if (l->nsensitive == LEARN_SENSITIVE_MAX || policy_path_check(dir) == -1 ||
	    put_escaped(dir, strlen(dir), esc, &n, sizeof(esc)) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((l->sensitive[l->nsensitive] = strdup(esc)) == NULL)
		return -1;
	l->nsensitive++;
	return 0;
}

static int
grow_slots(struct learn *l)
{
	size_t i, s, n = l->nslots ? l->nslots * 2 : 1024;
	size_t *ns;

	if ((ns = calloc(n, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		if (l->v[i].dead)
			continue;
		s = hash(l->v[i].pat) & (n - 1);
		while (ns[s] != 0)
			s = (s + 1) & (n - 1);
		ns[s] = i + 1;
	}
	free(l->slots);
	l->slots = ns;
	l->nslots = n;
	return 0;
}

/* The live entry with pattern pat, or NULL; *slot is where it would go. */
static struct learn_entry *
find(struct learn *l, const char *pat, size_t *slot)
{
	size_t s = hash(pat) & (l->nslots - 1);

	while (l->slots[s] != 0) {
		if (strcmp(l->v[l->slots[s] - 1].pat, pat) == 0)
			break;
		s = (s + 1) & (l->nslots - 1);
	}
	*slot = s;
	return l->slots[s] != 0 ? &l->v[l->slots[s] - 1] : NULL;
}

/* A new entry (taking pat); NULL when out of memory. */
static struct learn_entry *
add(struct learn *l, char *pat, unsigned access, enum learn_kind kind)
{
	struct learn_entry *nv, *e;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 256;
		if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
			return NULL;
		l->v = nv;
		l->cap = ncap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->pat = pat;
	e->access = access;
	e->kind = kind;
	return e;
}

static int
copy_first(struct learn_first *to, const struct learn_first *from)
{
	*to = *from;
	to->op = to->path = NULL;
	if ((from->op != NULL && (to->op = strdup(from->op)) == NULL) ||
	    (from->path != NULL && (to->path = strdup(from->path)) == NULL))
		return -1;
	return 0;
}

struct learn_entry *
learn_use(struct learn *l, const char *path, unsigned access, unsigned seen,
    const struct learn_first *first)
{
	char esc[2 * PATH_MAX + 2], *pat, *raw;
	struct learn_entry *e;
	size_t n = 0, slot;

	if (put_escaped(path, strlen(path), esc, &n, sizeof(esc)) == -1) {
		errno = EINVAL;
		return NULL;
	}
	if (2 * (l->n + 1) > l->nslots && grow_slots(l) == -1)
		return NULL;
	if ((e = find(l, esc, &slot)) != NULL) {
		e->access |= access;
		e->seen |= seen;
		e->uses++;
		return e;
	}
	if ((pat = strdup(esc)) == NULL || (raw = strdup(path)) == NULL) {
		free(pat);
		return NULL;
	}
	if ((e = add(l, pat, access, LEARN_LITERAL)) == NULL) {
		free(pat);
		free(raw);
		return NULL;
	}
	e->raw = raw;
	e->seen = seen;
	e->uses = 1;
	e->paths = 1;
	if (copy_first(&e->first, first) == -1)
		return NULL;
	l->slots[slot] = l->n;
	return e;
}

/* A pid no process has (above the kernel's PID_MAX_LIMIT), for deciding
 * what a rule for /proc/self allows of the next run's own process. */
#define LEARN_SELF_PID 4194305

void
learn_drop_covered(struct learn *l, const struct policy *base)
{
	struct policy_decision d;
	char buf[PATH_MAX + 32];
	const char *path;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if ((path = l->v[i].raw) == NULL)
			continue;
		/* /proc/self/... is no canonical path: the base decides it as
		 * the process's own /proc/PID. */
		if (strncmp(path, "/proc/self", 10) == 0 && (path[10] == '/' || path[10] == '\0')) {
			snprintf(buf, sizeof(buf), "/proc/%d%s", LEARN_SELF_PID, path + 10);
			path = buf;
		}
		if (policy_decide(base, path, l->v[i].access, LEARN_SELF_PID, &d) == 0 && d.allowed)
			l->v[i].dead = 1;
	}
}

/* Is p in folder d, or d itself (both patterns)? */
static int
under(const char *p, const char *d)
{
	size_t n = strlen(d);

	if (strcmp(d, "/") == 0)
		return 1;
	return strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

/* The home of uid into home (size bytes), or "" when it has none. */
static void
home_of(uid_t uid, char *home, size_t size)
{
	struct passwd *pw;

	home[0] = '\0';
	errno = 0;
	if ((pw = getpwuid(uid)) != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		snprintf(home, size, "%s", pw->pw_dir);
}

void
learn_mark_sensitive(struct learn *l, uid_t uid)
{
	struct policy_decision d;
	char home[PATH_MAX], run[32];
	const char *c;
	size_t i;
	long line;

	home_of(uid, home, sizeof(home));
	for (i = 0; i < l->n; i++) {
		if (l->v[i].dead || l->v[i].raw == NULL)
			continue;
		if (policy_decide(l->secrets, l->v[i].raw, POLICY_READ, 0, &d) == 0 && d.allowed &&
		    (c = strrchr(d.rule, ':')) != NULL && (line = strtol(c + 1, NULL, 10)) >= 1 &&
		    (size_t)line <= NSECRETS) {
			l->v[i].sens = secrets[line - 1].why;
			continue;
		}
		/* /home/NAME/..., where NAME's home is not the worker's. */
		if (strncmp(l->v[i].raw, "/home/", 6) == 0 && l->v[i].raw[6] != '\0' &&
		    strchr(l->v[i].raw + 6, '/') != NULL &&
		    (home[0] == '\0' || !under(l->v[i].raw, home)))
			l->v[i].sens = "another user's home";
		/* /run/user/UID/..., another user's sockets and keys. */
		snprintf(run, sizeof(run), "/run/user/%u/", (unsigned)uid);
		if (strncmp(l->v[i].raw, "/run/user/", 10) == 0 &&
		    strchr(l->v[i].raw + 10, '/') != NULL &&
		    strncmp(l->v[i].raw, run, strlen(run)) != 0)
			l->v[i].sens = "another user's runtime folder";
	}
}

/* ---- temporary names ---- */

static int
alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One of the characters Python's tempfile draws from. */
static int
py_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does the run s[0..n) of letters and digits look random? */
static int
random_run(const char *s, size_t n)
{
	int lower = 0, upper = 0, digit = 0, hex = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			lower = 1;
		else if (s[i] >= 'A' && s[i] <= 'Z')
			upper = 1;
		else
			digit = 1;
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
			(s[i] >= 'A' && s[i] <= 'F')))
			hex = 0;
	}
	if (n >= 8 && hex && digit && (lower || upper))
		return 1; /* clamav-<md5>.tmp, a uuid's parts */
	if (n >= 5 && digit && !lower && !upper)
		return 1; /* a pid, a time */
	/* mkstemp(3), mktemp(1): six or more of [A-Za-z0-9] */
	return n >= 6 && lower + upper + digit >= 2;
}

int
learn_temp_name(const char *name, size_t len, char *out, size_t size)
{
	char mark[NAME_MAX + 1];
	size_t i, j, n = 0;
	int any = 0;

	if (len == 0 || len > NAME_MAX)
		return 0;
	memset(mark, 0, len);
	/* Python's tempfile: "tmp" and eight of [a-z0-9_]. */
	if (len >= 11 && memcmp(name, "tmp", 3) == 0) {
		for (i = 3; i < 11 && py_char(name[i]); i++)
			;
		if (i == 11 && (len == 11 || !(alnum(name[11]) || name[11] == '_'))) {
			memset(mark + 3, 1, 8);
			any = 1;
		}
	}
	/* Python's tempfile without the prefix: eight of [a-z0-9_] that end
	 * the name (its probe of a folder; a prefix= without suffix=), or
	 * elsewhere with a digit or '_' in them (so that a word such as
	 * "scantemp" in "x-scantemp.Ab3dEf" stays). */
	for (i = 0; i < len; i = j) {
		for (j = i; j < len && py_char(name[j]); j++)
			;
		if (j == i) {
			j++;
			continue;
		}
		if (j - i == 8 && memchr(mark + i, 1, 8) == NULL &&
		    (j == len || strcspn(name + i, "0123456789_") < 8)) {
			memset(mark + i, 1, 8);
			any = 1;
		}
	}
	for (i = 0; i < len; i = j) {
		for (j = i; j < len && alnum(name[j]); j++)
			;
		if (j == i) {
			j++;
			continue;
		}
		if (memchr(mark + i, 1, j - i) == NULL && random_run(name + i, j - i)) {
			memset(mark + i, 1, j - i);
			any = 1;
		}
	}
	if (!any)
		return 0;
	for (i = 0; i < len; i = j) {
		if (mark[i]) {
			for (j = i; j < len && mark[j]; j++)
				;
			if (n + 2 > size)
				return -1;
			out[n++] = '*';
			out[n] = '\0';
			continue;
		}
		for (j = i; j < len && !mark[j]; j++)
			;
		if (put_escaped(name + i, j - i, out, &n, size) == -1)
			return -1;
	}
	return 1;
}

/* The entry of the literal path p[0..n), or NULL. */
static struct learn_entry *
literal(struct learn *l, const char *p, size_t n)
{
	char raw[PATH_MAX], esc[2 * PATH_MAX + 2];
	size_t m = 0, slot;

	if (n >= sizeof(raw))
		return NULL;
	memcpy(raw, p, n);
	raw[n] = '\0';
	if (put_escaped(raw, n, esc, &m, sizeof(esc)) == -1)
		return NULL;
	return find(l, esc, &slot);
}

/* The entry of the literal path whose pattern is pat, or NULL. */
static struct learn_entry *
literal_pat(struct learn *l, const char *pat)
{
	size_t slot;
	struct learn_entry *e = find(l, pat, &slot);

	return e != NULL && e->kind == LEARN_LITERAL ? e : NULL;
}

/* Is p[0..n) a shared temporary folder? */
static const char *
shared_folder(const char *p, size_t n)
{
	size_t k;

	for (k = 0; k < NSHARED; k++)
		if (strlen(shared_temp[k]) == n && memcmp(p, shared_temp[k], n) == 0)
			return shared_temp[k];
	return NULL;
}

/* Is p[0..n) one user's own folder: a home (/root, /home/NAME) or a
 * runtime folder (/run/user/UID), where a pattern for every name would
 * take the user's keys, sockets and the rest? */
static int
personal_folder(const char *p, size_t n)
{
	static const char *const tops[] = { "/home/", "/run/user/" };
	size_t i, k;

	if (n == 5 && memcmp(p, "/root", 5) == 0)
		return 1;
	for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		k = strlen(tops[i]);
		if (n > k && memcmp(p, tops[i], k) == 0 && memchr(p + k, '/', n - k) == NULL)
			return 1;
	}
	return 0;
}

/* Is the path p[0..n) one the run made, and a temporary one: below a
 * shared temporary folder, or removed again by the run? */
static int
made_temp(struct learn *l, const char *p, size_t n)
{
	const struct learn_entry *e = literal(l, p, n);
	const char *slash;
	size_t k;

	if (e == NULL || e->raw == NULL || !(e->seen & POLICY_CREATE))
		return 0;
	if (e->seen & POLICY_DELETE)
		return 1;
	for (k = 0; k < NSHARED; k++) {
		slash = p + strlen(shared_temp[k]);
		if (n > strlen(shared_temp[k]) &&
		    strncmp(p, shared_temp[k], strlen(shared_temp[k])) == 0 && *slash == '/')
			return 1;
	}
	return 0;
}

/* Does the pattern hold a wildcard ('?' for a newline a path held among
 * them)?  A tree at such a folder would match other folders too. */
static int
has_wildcard(const char *pat)
{
	for (; *pat != '\0'; pat++)
		if (*pat == '\\' && pat[1] != '\0')
			pat++;
		else if (strchr("*?[", *pat) != NULL)
			return 1;
	return 0;
}

/* The characters of a pattern before its first wildcard, an escaped one
 * counted once. */
static size_t
literal_prefix(const char *pat)
{
	size_t n = 0;

	for (; *pat != '\0' && strchr("*?[", *pat) == NULL; pat++, n++)
		if (*pat == '\\' && pat[1] != '\0')
			pat++;
	return n;
}

/* What temp_pattern() found, besides a name folded. */
#define TEMP_FOLDED 1 /* a random part became "*" */
#define TEMP_SHARED 2 /* in a name directly in a shared temporary folder */
#define TEMP_KEPT \
	4 /* the path is a random name directly in a shared or
			 personal folder, kept as it was */

/*
 * The pattern of a literal path with the random part of each temporary
 * name the run made in it as "*", into out: TEMP_ flags (0 when nothing is
 * folded), or -1 when it does not fit.  A name directly in a shared
 * temporary folder, or in one user's own folder, is folded only when
 * LEARN_PREFIX_MIN characters of it stay literal before the wildcard: a
 * pattern such as "/tmp/ *" (no space) would take every other user's file
 * there, and the broker opens them with root's rights.
 */
static int
temp_pattern(struct learn *l, const char *raw, char *out, size_t size)
{
	const char *s = raw, *e;
	size_t n = 0, dir;
	int flags = 0, r;

	out[0] = '\0';
	while (*s == '/') {
		for (e = s + 1; *e != '\0' && *e != '/'; e++)
			;
		if (n + 2 > size)
			return -1;
		out[n++] = '/';
		out[n] = '\0';
		dir = (size_t)(s - raw);
		r = made_temp(l, raw, (size_t)(e - raw)) ?
		    learn_temp_name(s + 1, (size_t)(e - s - 1), out + n, size - n) :
		    0;
		if (r == -1)
			return -1;
		if (r == 1 && (shared_folder(raw, dir) != NULL || personal_folder(raw, dir))) {
			if (literal_prefix(out + n) < LEARN_PREFIX_MIN) {
				r = 0;
				if (*e == '\0')
					flags |= TEMP_KEPT; /* said of this path alone */
			} else if (shared_folder(raw, dir) != NULL)
				flags |= TEMP_SHARED;
		}
		if (r == 1) {
			n += strlen(out + n);
			flags |= TEMP_FOLDED;
		} else if (put_escaped(s + 1, (size_t)(e - s - 1), out, &n, size) == -1)
			return -1;
		s = e;
	}
	return flags;
}

int
learn_fold_temp(struct learn *l)
{
	char pat[2 * PATH_MAX + 2], **np;
	struct learn_entry *e;
	size_t i;
	int r;

	/* Every new pattern first: each asks the index of the old ones. */
	if ((np = calloc(l->n + 1, sizeof(*np))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		e = &l->v[i];
		/* A newline is written '?', a wildcard already: a '*' beside it
		 * could reach names in other folders ("/va?/tmp/ *" in
		 * /var/tmp, no space), so such a path is kept as it is. */
		if (e->dead || e->raw == NULL || strchr(e->raw, '\n') != NULL)
			continue;
		if ((r = temp_pattern(l, e->raw, pat, sizeof(pat))) == -1)
			continue; /* too long to fold: kept as it is */
		if (r & TEMP_KEPT)
			e->kept = "a random name directly in a shared temporary folder or a "
				  "home, which no pattern may take";
		if ((r & TEMP_SHARED) && e->sens == NULL)
			e->sens = "names of this form in a shared temporary folder, other "
				  "users' files too";
		if ((r & TEMP_FOLDED) && (np[i] = strdup(pat)) == NULL) {
			for (i = 0; i < l->n; i++)
				free(np[i]);
			free(np);
			return -1;
		}
	}
	for (i = 0; i < l->n; i++) {
		if (np[i] == NULL)
			continue;
		e = &l->v[i];
		free(e->pat);
		free(e->raw);
		e->pat = np[i];
		e->raw = NULL;
		e->kind = LEARN_TEMP;
	}
	free(np);
	return learn_compact(l);
}

/* ---- folding ---- */

static int
foldable(const struct learn *l, const char *d)
{
	size_t i;

	/* A folder whose pattern holds a wildcard ('?' for a newline) would
	 * take other folders' names too: "/va?/tmp/ *" (no space) all of
	 * /var/tmp. */
	if (strcmp(d, "/") == 0 || strcmp(d, "/proc/self") == 0 || personal_folder(d, strlen(d)) ||
	    has_wildcard(d))
		return 0;
	for (i = 0; i < l->nsensitive; i++)
		if (under(l->sensitive[i], d))
			return 0;
	return 1;
}

/* The folder of a pattern (its parent), into buf. */
static void
parent(const char *p, char *buf, size_t size)
{
	const char *slash = strrchr(p, '/');

	if (slash == NULL || slash == p)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - p), p);
}

/* Into *into, what from adds: its uses, paths, sensitivity and earlier
 * first record. */
static void
absorb(struct learn_entry *into, struct learn_entry *from)
{
	into->uses += from->uses;
	into->paths += from->paths;
	into->seen |= from->seen;
	if (into->sens == NULL)
		into->sens = from->sens;
	if (into->kept == NULL)
		into->kept = from->kept;
	if (into->named == NULL)
		into->named = from->named;
	if (from->first.seq != 0 && (into->first.seq == 0 || from->first.seq < into->first.seq)) {
		free(into->first.op);
		free(into->first.path);
		into->first = from->first;
		from->first.op = from->first.path = NULL;
	}
	from->dead = 1;
}

/* A new folded entry at dir/suffix for access, absorbing nothing yet. */
static struct learn_entry *
fold_entry(struct learn *l, const char *dir, const char *suffix, unsigned access,
    enum learn_kind kind)
{
	char *pat;

	if (asprintf(&pat, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", suffix) == -1)
		return NULL;
	return add(l, pat, access, kind);
}

/* Listed folders with min or more read-only paths below them -> DIR/ **. */
static int
fold_listed(struct learn *l, size_t min)
{
	const unsigned ro = POLICY_READ | POLICY_LIST | POLICY_STAT;
	struct learn_entry *t;
	size_t i, j, cnt, n = l->n;
	unsigned acc;
	char *dir;

	for (i = 0; i < n; i++) {
		/* A folder only listed and read: one also written keeps its rule. */
		if (l->v[i].dead || !(l->v[i].access & POLICY_LIST) ||
		    (l->v[i].access & ~ro) != 0 || l->v[i].kind == LEARN_TREE ||
		    !foldable(l, l->v[i].pat))
			continue;
		cnt = 0;
		acc = POLICY_LIST;
		for (j = 0; j < n; j++)
			if (j != i && !l->v[j].dead && (l->v[j].access & ~ro) == 0 &&
			    under(l->v[j].pat, l->v[i].pat)) {
				cnt++;
				acc |= l->v[j].access;
			}
		if (cnt < min)
			continue;
		/* The topmost such folder wins: one above it folds it in. */
		for (j = 0; j < n; j++)
			if (j != i && !l->v[j].dead && (l->v[j].access & POLICY_LIST) &&
			    (l->v[j].access & ~ro) == 0 && l->v[j].kind != LEARN_TREE &&
			    under(l->v[i].pat, l->v[j].pat) && foldable(l, l->v[j].pat))
				break;
		if (j < n)
			continue;
		if ((dir = strdup(l->v[i].pat)) == NULL)
			return -1;
		t = fold_entry(l, dir, "**", acc & ~(unsigned)POLICY_STAT, LEARN_TREE);
		free(dir);
		if (t == NULL)
			return -1;
		t = &l->v[l->n - 1];
		for (j = 0; j < n; j++)
			if (!l->v[j].dead &&
			    (j == i ||
				((l->v[j].access & ~ro) == 0 && under(l->v[j].pat, l->v[i].pat))))
				absorb(t, &l->v[j]);
		t->access |= l->v[i].access & ro;
		t->access &= ~(unsigned)POLICY_STAT;
	}
	return 0;
}

static int
by_folder(const void *a, const void *b)
{
	const struct learn_entry *x = *(const struct learn_entry *const *)a;
	const struct learn_entry *y = *(const struct learn_entry *const *)b;
	char px[2 * PATH_MAX + 2], py[2 * PATH_MAX + 2];
	int c;

	if (x->access != y->access)
		return x->access < y->access ? -1 : 1;
	parent(x->pat, px, sizeof(px));
	parent(y->pat, py, sizeof(py));
	if ((c = strcmp(px, py)) != 0)
		return c;
	return strcmp(x->pat, y->pat);
}

/* The extension of a pattern's last component ("pdf" of ".../a.pdf"), or
 * NULL when it has none or holds a wildcard or an escape. */
static const char *
extension(const char *pat)
{
	const char *base = strrchr(pat, '/'), *dot;

	base = base != NULL ? base + 1 : pat;
	if ((dot = strrchr(base, '.')) == NULL || dot == base || dot[1] == '\0' ||
	    strlen(dot + 1) > 16 || strpbrk(base, "*?[\\") != NULL)
		return NULL;
	return dot + 1;
}

/* Files: min or more with one access in one folder -> DIR/ *.EXT or DIR/ *. */
static int
fold_files(struct learn *l, size_t min)
{
	struct learn_entry **v;
	size_t i, j, k, n = l->n, m = 0, *idx;
	char d[2 * PATH_MAX + 2], dj[2 * PATH_MAX + 2], suffix[32];
	const char *ext;
	int rv = -1;

	v = calloc(n + 1, sizeof(*v));
	idx = calloc(n + 1, sizeof(*idx));
	if (v == NULL || idx == NULL)
		goto out;
	/* Programs are named one by one: three run from /usr/bin are no
	 * reason to let the next run start any other there. */
	for (i = 0; i < n; i++)
		if (!l->v[i].dead &&
		    (l->v[i].kind == LEARN_LITERAL || l->v[i].kind == LEARN_TEMP) &&
		    !(l->v[i].access & POLICY_EXEC))
			v[m++] = &l->v[i];
	qsort(v, m, sizeof(*v), by_folder);
	/* Positions, not pointers: add() may move l->v. */
	for (i = 0; i < m; i++)
		idx[i] = (size_t)(v[i] - l->v);
	for (i = 0; i < m; i = j) {
		parent(l->v[idx[i]].pat, d, sizeof(d));
		for (j = i + 1; j < m && l->v[idx[j]].access == l->v[idx[i]].access; j++) {
			parent(l->v[idx[j]].pat, dj, sizeof(dj));
			if (strcmp(d, dj) != 0)
				break;
		}
		if (j - i < min || !foldable(l, d))
			continue;
		ext = extension(l->v[idx[i]].pat);
		for (k = i + 1; ext != NULL && k < j; k++)
			if (extension(l->v[idx[k]].pat) == NULL ||
			    strcmp(extension(l->v[idx[k]].pat), ext) != 0)
				ext = NULL;
		snprintf(suffix, sizeof(suffix), "*%s%s", ext != NULL ? "." : "",
		    ext != NULL ? ext : "");
		if (fold_entry(l, d, suffix, l->v[idx[i]].access, LEARN_STAR) == NULL)
			goto out;
		for (k = i; k < j; k++)
			absorb(&l->v[l->n - 1], &l->v[idx[k]]);
	}
	rv = 0;
out:
	free(v);
	free(idx);
	return rv;
}

/* Folders: a folder P two of whose sub-folders were folded with one access
 * becomes "P/ **" for that access, taking in everything under it. */
static int
fold_trees(struct learn *l)
{
	char p[2 * PATH_MAX + 2], q[2 * PATH_MAX + 2];
	size_t i, j, nchild;
	struct learn_entry *t;
	unsigned access;
	int changed = 1;

	while (changed) {
		changed = 0;
		for (i = 0; i < l->n && !changed; i++) {
			if (l->v[i].dead || l->v[i].kind == LEARN_LITERAL ||
			    l->v[i].kind == LEARN_TEMP)
				continue;
			parent(l->v[i].pat, p, sizeof(p));
			/* A tree's own folder, or a folder of files. */
			if (l->v[i].kind == LEARN_STAR)
				parent(p, p, sizeof(p));
			if (!foldable(l, p))
				continue;
			access = l->v[i].access;
			nchild = 0;
			for (j = 0; j < l->n; j++) {
				if (l->v[j].dead || l->v[j].access != access ||
				    (l->v[j].kind != LEARN_STAR && l->v[j].kind != LEARN_TREE))
					continue;
				parent(l->v[j].pat, q, sizeof(q));
				if (l->v[j].kind == LEARN_STAR)
					parent(q, q, sizeof(q));
				if (strcmp(q, p) == 0)
					nchild++;
			}
			if (nchild < 2)
				continue;
			if ((t = fold_entry(l, p, "**", access, LEARN_TREE)) == NULL)
				return -1;
			for (j = 0; j + 1 < l->n; j++)
				if (!l->v[j].dead && l->v[j].access == access &&
				    under(l->v[j].pat, p))
					absorb(&l->v[l->n - 1], &l->v[j]);
			changed = 1;
		}
	}
	return 0;
}

int
learn_fold_inputs(struct learn *l, size_t min)
{
	if (fold_listed(l, min) == -1 || learn_compact(l) == -1 || fold_files(l, min) == -1 ||
	    learn_compact(l) == -1 || fold_trees(l) == -1)
		return -1;
	return learn_compact(l);
}

/* Is there a live entry at or below the pattern folder d that is
 * sensitive, or is d itself a sensitive path?  A tree there would grant
 * what the warning is about without the warning. */
static int
secret_below(const struct learn *l, const char *d)
{
	struct policy_decision dec;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->v[i].dead && l->v[i].sens != NULL && under(l->v[i].pat, d))
			return 1;
	return policy_decide(l->secrets, d, POLICY_READ, 0, &dec) == 0 && dec.allowed;
}

/* The entries at or below the pattern folder d, with no access beyond
 * mask, absorbed into t (an entry by index: add() may have moved them):
 * not a program (exec: named one by one), unless made_ok and the run made
 * it (a program it built and ran, which the next run builds anew: Landlock
 * grants exec on what exists at the start, so only a folder's grant lets
 * it run). */
static void
absorb_below(struct learn *l, size_t t, const char *d, unsigned mask, int made_ok)
{
	size_t j;

	for (j = 0; j < l->n; j++)
		if (j != t && !l->v[j].dead &&
		    (!(l->v[j].access & POLICY_EXEC) ||
			(made_ok && (l->v[j].seen & POLICY_CREATE))) &&
		    (l->v[j].access & ~mask) == 0 && under(l->v[j].pat, d)) {
			l->v[t].access |= l->v[j].access;
			absorb(&l->v[t], &l->v[j]);
		}
}

/* The folder above the topmost folder the run made on the way to a literal
 * path it made, into d, and that topmost path (the path itself when its
 * folder was there) into top, both escaped, as patterns are; 0, or -1
 * when the path was not made. */
static int
output_folder(struct learn *l, const struct learn_entry *e, char *d, char *top, size_t size)
{
	const struct learn_entry *p;

	if (e->raw == NULL || !(e->seen & POLICY_CREATE) || e->sens != NULL)
		return -1;
	snprintf(top, size, "%s", e->pat);
	parent(e->pat, d, size);
	/* A parent the run made is below the output folder too. */
	while (strcmp(d, "/") != 0 && (p = literal_pat(l, d)) != NULL && p->raw != NULL &&
	    (p->seen & POLICY_CREATE)) {
		snprintf(top, size, "%s", d);
		parent(top, d, size);
	}
	return 0;
}

/* Did the run make the pattern top as a folder (a mkdir, or paths below)? */
static int
made_folder(struct learn *l, const char *top)
{
	const struct learn_entry *e = literal_pat(l, top);
	size_t i, n = strlen(top);

	if (e != NULL && e->first.op != NULL && strcmp(e->first.op, "mkdir") == 0)
		return 1;
	for (i = 0; i < l->n; i++)
		if (!l->v[i].dead && strncmp(l->v[i].pat, top, n) == 0 && l->v[i].pat[n] == '/')
			return 1;
	return 0;
}

/* Are there inputs in the pattern folder d: paths below it the run neither
 * made nor wrote, which a tree for d would give write and delete? */
static int
inputs_in(const struct learn *l, const char *d)
{
	const unsigned ro = POLICY_READ | POLICY_LIST | POLICY_STAT | POLICY_EXEC;
	size_t i, n = strlen(d);

	for (i = 0; i < l->n; i++)
		if (!l->v[i].dead && !(l->v[i].seen & POLICY_CREATE) &&
		    (l->v[i].access & ~ro) == 0 && strncmp(l->v[i].pat, d, n) == 0 &&
		    l->v[i].pat[n] == '/')
			return 1;
	return 0;
}

/* May an output tree be granted at the pattern folder d? */
static int
output_tree_ok(const struct learn *l, const char *d, const char *home)
{
	return foldable(l, d) && strcmp(d, home) != 0 && !secret_below(l, d);
}

int
learn_fold_outputs(struct learn *l, uid_t uid)
{
	const unsigned grant = POLICY_CREATE | POLICY_WRITE | POLICY_LIST | POLICY_STAT;
	char d[2 * PATH_MAX + 2], top[2 * PATH_MAX + 2], home[PATH_MAX], hesc[2 * PATH_MAX + 2];
	char tree[2 * PATH_MAX + 8];
	size_t i, n = l->n, hn = 0, slot;
	int ok;

	home_of(uid, home, sizeof(home));
	if (home[0] == '\0' || put_escaped(home, strlen(home), hesc, &hn, sizeof(hesc)) == -1)
		hesc[0] = '\0';
	for (i = 0; i < n; i++) {
		if (l->v[i].dead || output_folder(l, &l->v[i], d, top, sizeof(d)) == -1)
			continue;
		/* The folder that was there, unless it is a system folder, a
		 * home or holds a sensitive grant, or the tree would give write
		 * to the run's inputs beside the output: then the folder the
		 * run made, if it made one (not directly in a shared temporary
		 * folder, where another user may have made it first). */
		ok = output_tree_ok(l, d, hesc);
		if ((!ok || inputs_in(l, d)) && made_folder(l, top) &&
		    shared_folder(d, strlen(d)) == NULL && output_tree_ok(l, top, hesc)) {
			snprintf(d, sizeof(d), "%s", top);
			ok = 1;
		}
		if (!ok) {
			/* Its names are kept, said above the topmost. */
			if (strcmp(top, l->v[i].pat) == 0)
				l->v[i].named = "the run made it in a system folder, a home or "
						"next to a sensitive path, where no tree is "
						"granted; a next run's other names here will be "
						"denied";
			continue;
		}
		/* Its tree is there already: what it left out (a program that
		 * was there before the run) stays named. */
		snprintf(tree, sizeof(tree), "%s%s**", d, strcmp(d, "/") == 0 ? "" : "/");
		if (find(l, tree, &slot) != NULL)
			continue;
		if (fold_entry(l, d, "**", grant, LEARN_TREE) == NULL)
			return -1;
		absorb_below(l, l->n - 1, d, POLICY_ALL, 1);
		if (learn_compact(l) == -1)
			return -1;
		/* Compacting moved the entries: start again, the trees made
		 * take in what is below them at once. */
		i = (size_t)-1;
		n = l->n;
	}
	return 0;
}

/* Component k (from 0) of the path p: its start, and its length in *len;
 * NULL when p has fewer. */
static const char *
component_at(const char *p, size_t k, size_t *len)
{
	const char *s = p, *e;

	for (;;) {
		if (*s != '/')
			return NULL;
		s++;
		for (e = s; *e != '\0' && *e != '/'; e++)
			;
		if (k-- == 0) {
			*len = (size_t)(e - s);
			return e == s ? NULL : s;
		}
		s = e;
	}
}

/* Is the component s[0..n) one of the words? */
static int
word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strlen(*words) == n && memcmp(s, *words, n) == 0)
			return 1;
	return 0;
}

/*
 * The system folder tree a read-only path is in, at the depth a search path
 * has, into d (a prefix of raw): /usr/include, /usr/local/include; below
 * /usr or /usr/local, lib, lib32, lib64, libexec or share, its next
 * folder, past multiarch triplets and the folder after each
 * (/usr/lib/python3.11, /usr/share/zoneinfo, /usr/lib/gcc/x86_64-linux-gnu/12,
 * /usr/lib/x86_64-linux-gnu/gconv).  0, or -1 when raw is in none, or is
 * that folder itself.
 */
static int
system_tree(const char *raw, char *d, size_t size)
{
	static const char *const libs[] = { "lib", "lib32", "lib64", "libexec", "share", NULL };
	const char *c, *t;
	size_t k = 1, n, tn, end;

	if ((c = component_at(raw, 0, &n)) == NULL || n != 3 || memcmp(c, "usr", 3) != 0)
		return -1;
	if ((c = component_at(raw, k, &n)) != NULL && n == 5 && memcmp(c, "local", 5) == 0)
		k++;
	if ((c = component_at(raw, k, &n)) == NULL)
		return -1;
	if (!(n == 7 && memcmp(c, "include", 7) == 0)) {
		if (!word_in(c, n, libs) || (c = component_at(raw, ++k, &n)) == NULL)
			return -1;
		/* A triplet's folder (lib/x86_64-linux-gnu/gconv), or a folder
		 * of triplets' folders (lib/gcc/x86_64-linux-gnu/12): the
		 * folder after each triplet. */
		if (memmem(c, n, "-linux-", 7) != NULL)
			c = component_at(raw, ++k, &n);
		while (c != NULL && (t = component_at(raw, k + 1, &tn)) != NULL &&
		    memmem(t, tn, "-linux-", 7) != NULL)
			c = component_at(raw, k += 2, &n);
		if (c == NULL)
			return -1;
	}
	end = (size_t)(c + n - raw);
	if (raw[end] != '/' || end >= size)
		return -1;
	memcpy(d, raw, end);
	d[end] = '\0';
	return 0;
}

/* Is dir a folder root owns, anyone may read and search, and no one else
 * may write: files anyone may read anyway. */
static int
system_owned(const char *dir)
{
	struct stat st;

	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	    (st.st_mode & 0005) == 0005 && (st.st_mode & 0022) == 0;
}

int
learn_fold_system(struct learn *l)
{
	const unsigned ro = POLICY_READ | POLICY_LIST | POLICY_STAT;
	char d[PATH_MAX], dj[PATH_MAX], esc[2 * PATH_MAX + 2];
	size_t i, j, cnt, n = l->n, m;
	struct learn_entry *t;

	for (i = 0; i < n; i++) {
		if (l->v[i].dead || l->v[i].raw == NULL || (l->v[i].access & ~ro) != 0 ||
		    system_tree(l->v[i].raw, d, sizeof(d)) == -1)
			continue;
		cnt = 0;
		for (j = 0; j < n; j++)
			if (!l->v[j].dead && l->v[j].raw != NULL && (l->v[j].access & ~ro) == 0 &&
			    system_tree(l->v[j].raw, dj, sizeof(dj)) == 0 && strcmp(d, dj) == 0)
				cnt++;
		m = 0;
		if (cnt < 2 || put_escaped(d, strlen(d), esc, &m, sizeof(esc)) == -1 ||
		    !foldable(l, esc) || secret_below(l, esc) || !system_owned(d))
			continue;
		if ((t = fold_entry(l, esc, "**", POLICY_READ | POLICY_LIST, LEARN_TREE)) == NULL)
			return -1;
		absorb_below(l, l->n - 1, esc, ro, 0);
		t = &l->v[l->n - 1];
		t->access &= ~(unsigned)POLICY_STAT;
	}
	return learn_compact(l);
}

/* May e's rule be printed: does it fit on a policy line, whatever its
 * access list (learn_print() leaves a longer one out)? */
static int
rule_fits(const struct learn_entry *e)
{
	return sizeof("allow read,write,create,delete,list,stat,exec ") + strlen(e->pat) <=
	    POLICY_LINE_MAX;
}

void
learn_drop_ancestors(struct learn *l)
{
	size_t i, j, n;

	for (i = 0; i < l->n; i++) {
		/* A literal path only: a newline is written '?', a wildcard,
		 * which ends the literal part that ancestors come from. */
		if (l->v[i].dead || l->v[i].raw == NULL || l->v[i].access != POLICY_STAT ||
		    strchr(l->v[i].raw, '\n') != NULL)
			continue;
		n = strlen(l->v[i].pat);
		/* Made visible by a rule below it, one that is printed. */
		for (j = 0; j < l->n; j++)
			if (j != i && !l->v[j].dead && rule_fits(&l->v[j]) &&
			    (n == 1 ||
				(strncmp(l->v[j].pat, l->v[i].pat, n) == 0 &&
				    l->v[j].pat[n] == '/'))) {
				l->v[i].dead = 1;
				break;
			}
	}
}

/* Free the dead entries and close the gaps; the index is rebuilt. */
static int
sweep(struct learn *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].dead) {
			free(l->v[i].pat);
			free(l->v[i].raw);
			free(l->v[i].first.op);
			free(l->v[i].first.path);
		} else
			l->v[n++] = l->v[i];
	}
	l->n = n;
	free(l->slots);
	l->slots = NULL;
	l->nslots = 0;
	return grow_slots(l);
}

int
learn_compact(struct learn *l)
{
	struct learn_entry *o;
	size_t i, slot;
	int merged = 0;

	if (sweep(l) == -1)
		return -1;
	/* Entries that now read alike become one: the first keeps them (the
	 * index finds the first of equal patterns, inserted first). */
	for (i = 0; i < l->n; i++) {
		if ((o = find(l, l->v[i].pat, &slot)) != &l->v[i]) {
			o->access |= l->v[i].access;
			absorb(o, &l->v[i]);
			merged = 1;
		}
	}
	return merged ? sweep(l) : 0;
}

/* ---- records ---- */

/* /proc/PID/... of the asking process (self) is /proc/self/... to a
 * policy.  Nothing used (a hard link without stat, access bits this build
 * does not know) makes no rule: "allow" of nothing would not load. */
static int
learn_path(struct learn *l, const char *canon, int64_t self, unsigned access, unsigned seen,
    const struct learn_first *first)
{
	char buf[PATH_MAX + 32], pre[32];
	size_t n;

	if (access == 0)
		return 0;
	n = (size_t)snprintf(pre, sizeof(pre), "/proc/%" PRId64, self);
	if (self > 0 && strncmp(canon, pre, n) == 0 && (canon[n] == '/' || canon[n] == '\0')) {
		snprintf(buf, sizeof(buf), "/proc/self%s", canon + n);
		canon = buf;
	}
	if (learn_use(l, canon, access, seen, first) != NULL)
		return 0;
	if (errno == EINVAL) {
		log_warnx("learn: a path too long for a policy line was left out");
		return 0;
	}
	return -1;
}

/* Is flag one of the names in flags ("O_WRONLY|O_CREAT|O_TRUNC")? */
static int
has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p;

	for (p = flags; p != NULL && (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == '|') && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * What the program made, its next run finds there, and may replace.  A
 * file made by an open needs, when it is already there, the access that
 * open asks for (as open_existing() in ops.c decides it: the O_ACCMODE's
 * read or write, and write for O_TRUNC or O_APPEND); a folder it made
 * needs stat, for mkdir -p and os.makedirs(exist_ok=True) to see it.
 * Replacing it needs more: whatever the run made (an open, a mkdir, a
 * rename's new name, a symlink) may be removed and made again (delete,
 * and write for a file), and a file the run truncated may be removed and
 * made anew (create, delete): tools replace their output by a rename over
 * it or by unlink and create as often as by truncating it.
 */
static unsigned
made(const struct audit_rec *r)
{
	unsigned a = 0;
	int opened = strcmp(r->op, "open") == 0 && r->flags != NULL;

	if (!(r->access & POLICY_CREATE)) {
		if (opened && has_flag(r->flags, "O_TRUNC"))
			return POLICY_CREATE | POLICY_DELETE;
		return 0;
	}
	if (strcmp(r->op, "mkdir") == 0)
		return POLICY_STAT | POLICY_DELETE;
	if (!opened)
		return POLICY_DELETE;
	if (has_flag(r->flags, "O_RDWR"))
		a = POLICY_READ | POLICY_WRITE;
	else if (has_flag(r->flags, "O_WRONLY"))
		a = POLICY_WRITE;
	else if (has_flag(r->flags, "O_RDONLY"))
		a = POLICY_READ;
	if (has_flag(r->flags, "O_TRUNC") || has_flag(r->flags, "O_APPEND"))
		a |= POLICY_WRITE;
	return a | POLICY_WRITE | POLICY_DELETE;
}

int
learn_record(struct learn *l, const struct audit_rec *r, const char *file, uint64_t line)
{
	struct learn_first first;
	unsigned acc = r->access & POLICY_ALL;
	/* The worker's own number for itself, as its /proc names it. */
	int64_t self = r->nspid > 0 ? r->nspid : r->pid;
	int two = r->canon2 != NULL && policy_path_check(r->canon2) == 0;
	int own, interp;

	if (r->decision == AUDIT_DENY) {
		l->denied++;
		return 0;
	}
	/* A canon that is not canonical (an audit file edited, or from
	 * elsewhere) cannot be decided on, and a rule for it would not load:
	 * the record is not used. */
	if (r->decision == AUDIT_ERROR || r->canon == NULL || policy_path_check(r->canon) == -1 ||
	    r->access == 0) {
		l->errors++;
		return 0;
	}
	/* What filebroker run grants each run by itself needs no rule: its
	 * preload library, the run's private temporary folder (another one
	 * each run) and the folders above it, a script COMMAND's read by its
	 * interpreter and COMMAND's exec. */
	own = r->rule != NULL &&
	    (strcmp(r->rule, "@preload") == 0 || strcmp(r->rule, PRIVATE_TMP_RULE) == 0 ||
		strcmp(r->rule, "@ancestor of " PRIVATE_TMP_RULE) == 0 ||
		strcmp(r->rule, RUN_COMMAND_RULE) == 0);
	/* But a script's exec runs its "#!" interpreter, which Landlock
	 * decides too and which needs an exec rule of its own, COMMAND's
	 * included. */
	interp = strcmp(r->op, "exec") == 0 && r->interp != NULL &&
	    policy_path_check(r->interp) == 0;
	if (own && !interp)
		return 0;
	l->used++;
	if (l->uid < 0)
		l->uid = r->uid;
	memset(&first, 0, sizeof(first));
	first.op = (char *)r->op;
	first.path = (char *)(r->path != NULL ? r->path : r->canon);
	first.file = file;
	first.line = line;
	first.seq = l->used;
	if (interp && learn_path(l, r->interp, self, POLICY_EXEC, POLICY_EXEC, &first))
		return -1;
	if (own)
		return 1;
	/* A name that was there already (EEXIST: mkdir -p's mkdir of each
	 * folder on its way, an O_EXCL open, a link or rename onto it) was not
	 * made, and nothing else was done: the program learnt that it exists,
	 * which needs stat, never create or delete, nor the write an O_EXCL
	 * open asked of a file that may be another's (the folders above a
	 * rule are visible anyway). */
	if ((acc & POLICY_CREATE) && r->err == EEXIST) {
		if (learn_path(l, r->canon, self, POLICY_STAT, POLICY_STAT, &first) ||
		    (two && learn_path(l, r->canon2, self, POLICY_STAT, POLICY_STAT, &first)))
			return -1;
		return 1;
	}
	if (strcmp(r->op, "link") == 0 && two) {
		/* A hard link: its file needs stat, its new name create, and
		 * nothing more (the broker lets a new name allow nothing of the
		 * file's that the old one does not). */
		if (learn_path(l, r->canon, self, acc & POLICY_STAT, acc & POLICY_STAT, &first) ||
		    learn_path(l, r->canon2, self, acc & POLICY_CREATE, acc & POLICY_CREATE,
			&first))
			return -1;
	} else if (two) {
		/* A rename: the old name goes, the new one is made. */
		if (learn_path(l, r->canon, self, acc, acc, &first) ||
		    learn_path(l, r->canon2, self,
			acc | ((acc & POLICY_CREATE) ? POLICY_DELETE : 0), acc, &first))
			return -1;
	} else if (learn_path(l, r->canon, self, acc | made(r), acc, &first))
		return -1;
	return 1;
}

int
learn_finish(struct learn *l, const struct policy *base, int exact, size_t min)
{
	learn_drop_covered(l, base);
	if (learn_compact(l) == -1)
		return -1;
	learn_mark_sensitive(l, l->uid >= 0 ? (uid_t)l->uid : getuid());
	if (!exact &&
	    (learn_fold_temp(l) == -1 ||
		learn_fold_outputs(l, l->uid >= 0 ? (uid_t)l->uid : getuid()) == -1 ||
		learn_fold_system(l) == -1 || learn_fold_inputs(l, min) == -1))
		return -1;
	learn_drop_ancestors(l);
	return 0;
}

/* ---- the policy ---- */

/* The comment after a rule into f: its uses and, when first, the first
 * record it came from. */
static void
comment(FILE *f, const struct learn_entry *e, int first)
{
	static const char *const what[] = {
		[LEARN_LITERAL] = "",
		[LEARN_TEMP] = " temporary name",
		[LEARN_STAR] = " path",
		[LEARN_TREE] = " path",
	};

	fprintf(f, "  # %" PRIu64 " use%s", e->uses, e->uses == 1 ? "" : "s");
	if (e->kind != LEARN_LITERAL)
		fprintf(f, " of %" PRIu64 "%s%s", e->paths, what[e->kind],
		    e->paths == 1 ? "" : "s");
	if (first && e->first.op != NULL) {
		fprintf(f, "; first: %s ", e->first.op);
		out_text(f, e->first.path);
		if (e->first.file != NULL) {
			fputs(" (", f);
			out_text(f, e->first.file);
			fprintf(f, ":%" PRIu64 ")", e->first.line);
		}
	}
}

/* The longest comment of e that fits after a rule of rlen bytes on one
 * policy line, into buf (size bytes): with its first record, else its
 * uses alone, else none (""). */
static void
fit_comment(const struct learn_entry *e, size_t rlen, char *buf, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int first;

	buf[0] = '\0';
	for (first = 1; first >= 0; first--) {
		if ((f = open_memstream(&text, &len)) == NULL)
			fatal("learn: memory");
		comment(f, e, first);
		if (fclose(f) == EOF)
			fatal("learn: memory");
		if (rlen + len <= POLICY_LINE_MAX && len < size) {
			memcpy(buf, text, len + 1);
			free(text);
			return;
		}
		free(text);
		text = NULL;
	}
}

static int
by_pattern(const void *a, const void *b)
{
	const struct learn_entry *x = *(const struct learn_entry *const *)a;
	const struct learn_entry *y = *(const struct learn_entry *const *)b;
	int c = strcmp(x->pat, y->pat);

	return c != 0 ? c : (int)x->kind - (int)y->kind;
}

int
learn_print(const struct learn *l, FILE *out, const char *base, const char *source)
{
	char esc[2 * PATH_MAX + 8], acc[128], when[32], rule[POLICY_LINE_MAX + 2];
	char note[POLICY_LINE_MAX + 2];
	const struct learn_entry **v, *kept = NULL;
	size_t i, n = 0, nrules = 0, nkept = 0;
	time_t now = time(NULL);
	struct tm tm;
	int rlen;

	if ((v = calloc(l->n + 1, sizeof(*v))) == NULL)
		fatal("learn: memory");
	for (i = 0; i < l->n; i++)
		if (!l->v[i].dead)
			v[n++] = &l->v[i];
	qsort(v, n, sizeof(*v), by_pattern);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "# Learned by filebroker learn, %s, from %s.\n", when, source);
	fprintf(out,
	    "# %" PRIu64 " requests used; %" PRIu64 " denied and %" PRIu64
	    " failed ones left out.\n",
	    l->used, l->denied, l->errors);
	fprintf(out,
	    "# It allows what was used, what replacing its output needs, and the\n"
	    "# folded names below: review it before use.\n");
	if (base != NULL) {
		if (policy_escape(base, esc, sizeof(esc)) < 0)
			fatalx("learn: base policy path cannot be written in a policy");
		fprintf(out, "include %s\n", esc);
	} else
		fprintf(out, "include @runtime\n");
	for (i = 0; i < n; i++) {
		const struct learn_entry *e = v[i];
		unsigned a = e->access;

		/* read, write, list and exec grant stat on the same path. */
		if (a & (POLICY_READ | POLICY_WRITE | POLICY_LIST | POLICY_EXEC))
			a &= ~(unsigned)POLICY_STAT;
		policy_access_format(a, acc, sizeof(acc));
		/* A rule is one line of at most POLICY_LINE_MAX bytes (an
		 * escaped path can be twice as long as the path): a longer one
		 * would not load. */
		rlen = snprintf(rule, sizeof(rule), "allow %-12s %s", acc, e->pat);
		if (rlen < 0 || (size_t)rlen > POLICY_LINE_MAX) {
			log_warnx("learn: a path too long for a policy line was left out");
			continue;
		}
		if (e->kept != NULL) {
			fprintf(out, "# KEPT AS IS: %s; the next run's name will be denied\n",
			    e->kept);
			if (nkept++ == 0)
				kept = e;
		}
		if (e->named != NULL)
			fprintf(out, "# NAMED ONE BY ONE: %s\n", e->named);
		if (e->sens != NULL) {
			fprintf(out, "# SENSITIVE: %s; keep this rule only if the program must\n",
			    e->sens);
			fputs("filebroker: learn: warning: the policy grants ", stderr);
			fprintf(stderr, "%s of ", acc);
			out_text(stderr, e->pat);
			fprintf(stderr, " (%s): review it\n", e->sens);
		}
		fit_comment(e, (size_t)rlen, note, sizeof(note));
		fprintf(out, "%s%s\n", rule, note);
		nrules++;
	}
	if (nrules == 0)
		fprintf(out, "# (nothing beyond the included policy was used)\n");
	if (nkept > 0) {
		fprintf(stderr,
		    "filebroker: learn: warning: %zu random name%s made directly in a "
		    "shared temporary folder or a home %s kept as %s (",
		    nkept, nkept == 1 ? "" : "s", nkept == 1 ? "is" : "are",
		    nkept == 1 ? "it was" : "they were");
		out_text(stderr, kept->pat);
		fprintf(stderr,
		    "%s): a pattern for such names would take every other file there, "
		    "so the next run, which makes other names, will be denied them; let "
		    "the program put its files in $TMPDIR (filebroker run's private "
		    "temporary folder)\n",
		    nkept == 1 ? "" : ", ...");
	}
	free(v);
	return ferror(out) ? -1 : 0;
}
