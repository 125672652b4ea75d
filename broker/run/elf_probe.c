/*
 * elf_probe.c: what the dynamic loader of COMMAND will read, and why it
 * could not; see elf_probe.h.
 *
 * The search follows glibc's _dl_map_object(): a name with a slash is a
 * path; otherwise the DT_RPATH of the object that needs it and of the
 * program (each only when that one has no DT_RUNPATH), LD_LIBRARY_PATH,
 * the object's DT_RUNPATH, /etc/ld.so.cache, then the system folders.
 * The glibc-hwcaps and legacy hwcap subfolders the loader tries first in
 * a path folder are left out: Debian ships no library there, and a
 * library there the grants do not reach is refused with EACCES, which the
 * loader takes as "not here" and goes on to the folder itself.
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

#include "cleanup.h"
#include "config.h"
#include "elf_parse.h"
#include "elf_probe.h"
#include "exec_grants.h"
#include "log.h"
#include "seccomp_filter.h"
#include "worker.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* glibc's system search path on Debian's x86_64 (ld.so --help), searched
 * after the cache. */
static const char *const sys_dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib", "/usr/lib" };

/* The folders @runtime allows read of: a library there that the policy
 * does not allow is one that `include @runtime` would. */
static const char *const runtime_dirs[] = { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
	"/usr/lib64", "/lib64" };

#define CACHE_PATH "/etc/ld.so.cache"

/* The head of a script: "#!" and its interpreter's path. */
#define SCRIPT_HEAD 256

/* Lines elf_probe_check() says before it only counts the rest. */
#define CHECK_LINES_MAX 8

/* ---- reading the files */

static ssize_t
fd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t n;

	if (off > (uint64_t)INT64_MAX - len)
		return -1;
	while (got < len) {
		n = pread(*(int *)arg, (char *)buf + got, len - got, (off_t)(off + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return got > 0 ? (ssize_t)got : -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A regular file for reading, or -1: not a FIFO someone left there to
 * stall the broker, nor a device. */
static int
open_regular(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
elf_probe_file(const char *path, struct elf_info *ei)
{
	autoclose int fd = open_regular(path);

	memset(ei, 0, sizeof(*ei));
	if (fd == -1)
		return -1;
	return elf_parse_object(fd_read, &fd, ei);
}

int
elf_probe_shebang(const char *path, char *interp, size_t isize, char *arg, size_t asize)
{
	char line[SCRIPT_HEAD + 1], *p, *end, *nl;
	autoclose int fd = open_regular(path);
	ssize_t n;
	size_t len;

	if (fd == -1 || (n = fd_read(&fd, line, SCRIPT_HEAD, 0)) < 2 || line[0] != '#' ||
	    line[1] != '!')
		return 0;
	line[n] = '\0';
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p; *end != '\0' && *end != ' ' && *end != '\t'; end++)
		;
	/* An interpreter's name cut by the end of what the kernel reads is
	 * refused (ENOEXEC); its argument may be cut. */
	if ((len = (size_t)(end - p)) == 0 || len >= isize || (nl == NULL && end == line + n))
		return 0;
	memcpy(interp, p, len);
	interp[len] = '\0';
	for (p = end; *p == ' ' || *p == '\t'; p++)
		;
	for (len = strlen(p);
	     len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'); len--)
		;
	if (len >= asize)
		len = asize - 1;
	memcpy(arg, p, len);
	arg[len] = '\0';
	return 1;
}

/* ---- lists of strings */

struct strv {
	char **v;
	size_t n, cap;
};

static void
strv_add(struct strv *s, const char *str)
{
	char **nv;

	if (s->n + 1 >= s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		if ((nv = realloc(s->v, s->cap * sizeof(*nv))) == NULL)
			fatal("run: the loader's folders");
		s->v = nv;
	}
	if ((s->v[s->n] = strdup(str)) == NULL)
		fatal("run: the loader's folders");
	s->v[++s->n] = NULL;
}

static int
strv_has(const struct strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return 1;
	return 0;
}

static void
strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- the loader's search */

/* An object the loader maps: the program or a library. */
struct obj {
	char *path;   /* canonical */
	char *origin; /* $ORIGIN: the folder it was found in */
	struct elf_info ei;
};

struct search {
	struct elf_load *l;
	struct obj obj[ELF_PROBE_OBJECTS_MAX];
	size_t nobj;
	struct strv roots;
	struct strv ldpath; /* LD_LIBRARY_PATH's folders */
	struct strv cache;  /* the cache's x86_64 entries: name, path, name, ... */
	size_t caplibs;
	char interp[PATH_MAX]; /* the loader, canonical */
	char cwd[PATH_MAX];
};

/* An absolute form of a folder or file as the loader would use it:
 * relative to the working folder.  0, or -1 when it is too long. */
static int
absolute(const struct search *s, const char *p, char *out, size_t size)
{
	int n;

	if (p[0] == '/')
		n = snprintf(out, size, "%s", p);
	else if (p[0] == '\0' || strcmp(p, ".") == 0)
		n = snprintf(out, size, "%s", s->cwd);
	else
		n = snprintf(out, size, "%s/%s", s->cwd, p);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

static void
add_root(struct search *s, const char *p)
{
	char abs[PATH_MAX];

	if (absolute(s, p, abs, sizeof(abs)) == 0 && !strv_has(&s->roots, abs))
		strv_add(&s->roots, abs);
}

/* The length of the $ORIGIN token at p (as ${ORIGIN}), 0 if there is none:
 * a name ends where no letter, digit or underscore follows, as glibc's
 * is_dst() says. */
static size_t
origin_token(const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	if (n >= 9 && strncmp(p, "${ORIGIN}", 9) == 0)
		return 9;
	if (n >= 7 && strncmp(p, "$ORIGIN", 7) == 0 &&
	    (n == 7 ||
		!(p[7] == '_' || (p[7] >= 'a' && p[7] <= 'z') || (p[7] >= 'A' && p[7] <= 'Z') ||
		    (p[7] >= '0' && p[7] <= '9'))))
		return 7;
	return 0;
}

/*
 * The entries of a path list (DT_RPATH, DT_RUNPATH, LD_LIBRARY_PATH,
 * LD_PRELOAD), separated by any of seps, into out in order: $ORIGIN made
 * origin (left out where origin is NULL, as the loader does for the
 * environment's lists of a program it does not trust); an entry with
 * another token ($LIB, $PLATFORM) or too long is left out.  An empty
 * entry is "." (the working folder, for the loader).
 */
static void
split_path(const char *list, const char *seps, const char *origin, struct strv *out)
{
	char dir[PATH_MAX];
	const char *p, *end, *q;
	size_t o, t, n;
	int ok;

	if (list == NULL)
		return;
	for (p = list;; p = end + 1) {
		end = p + strcspn(p, seps);
		for (o = 0, ok = 1, q = p; q < end && ok;) {
			if ((t = origin_token(q, end)) > 0 && origin != NULL) {
				n = strlen(origin);
				if ((ok = o + n < sizeof(dir)))
					memcpy(dir + o, origin, n);
				o += n;
				q += t;
			} else if (*q == '$' || o + 1 >= sizeof(dir))
				ok = 0;
			else
				dir[o++] = *q++;
		}
		if (ok) {
			dir[o] = '\0';
			strv_add(out, o > 0 ? dir : ".");
		}
		if (*end == '\0')
			break;
	}
}

static int
cache_add(const char *name, const char *path, void *arg)
{
	struct search *s = arg;
	char dir[PATH_MAX], *slash;

	strv_add(&s->cache, name);
	strv_add(&s->cache, path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		add_root(s, dir);
	}
	return 0;
}

/* /etc/ld.so.cache's entries, and their folders as roots. */
static void
read_cache(struct search *s)
{
	autoclose int fd = open_regular(CACHE_PATH);
	autofree char *buf = NULL;
	struct stat st;

	if (fd == -1 || fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > ELF_PROBE_CACHE_MAX)
		return;
	if ((buf = malloc((size_t)st.st_size)) == NULL)
		fatal("run: %s", CACHE_PATH);
	if (fd_read(&fd, buf, (size_t)st.st_size, 0) != st.st_size ||
	    elf_parse_cache(buf, (size_t)st.st_size, cache_add, s) == -1)
		log_debug("run: %s: not a cache this glibc writes; left out", CACHE_PATH);
}

static const char *
cache_lookup(const struct search *s, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < s->cache.n; i += 2)
		if (strcmp(s->cache.v[i], name) == 0)
			return s->cache.v[i + 1];
	return NULL;
}

/* dir/name, when it is a regular file: its canonical path into canon. */
static int
try_dir(const char *dir, const char *name, char *found, char *canon)
{
	struct stat st;

	if ((size_t)snprintf(found, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return 0;
	return stat(found, &st) == 0 && S_ISREG(st.st_mode) && realpath(found, canon) != NULL;
}

static int
try_list(const struct strv *dirs, const char *name, char *found, char *canon)
{
	size_t i;

	for (i = 0; i < dirs->n; i++)
		if (try_dir(dirs->v[i], name, found, canon))
			return 1;
	return 0;
}

/* Where the loader finds name for object o (the program for LD_PRELOAD):
 * 1 with the path it opens in found and the canonical one in canon, or 0. */
static int
find_lib(struct search *s, const struct obj *o, const char *name, char *found, char *canon)
{
	const struct obj *prog = &s->obj[0];
	struct strv dirs = { 0 };
	const char *c;
	int r = 0;
	size_t i;

	if (strchr(name, '/') != NULL)
		return absolute(s, name, found, PATH_MAX) == 0 && realpath(found, canon) != NULL;
	/* An object with a DT_RUNPATH uses no DT_RPATH at all; one with both
	 * has its DT_RPATH ignored.  The chain of loaders up to the program
	 * is taken as the program alone. */
	if (o->ei.runpath == NULL) {
		split_path(o->ei.rpath, ":", o->origin, &dirs);
		if (o != prog && prog->ei.runpath == NULL)
			split_path(prog->ei.rpath, ":", prog->origin, &dirs);
	}
	for (i = 0; i < s->ldpath.n; i++)
		strv_add(&dirs, s->ldpath.v[i]);
	split_path(o->ei.runpath, ":", o->origin, &dirs);
	if (try_list(&dirs, name, found, canon))
		r = 1;
	else if ((c = cache_lookup(s, name)) != NULL && realpath(c, canon) != NULL) {
		snprintf(found, PATH_MAX, "%s", c);
		r = 1;
	} else
		for (i = 0; i < NELEM(sys_dirs) && !r; i++)
			r = try_dir(sys_dirs[i], name, found, canon);
	strv_free(&dirs);
	return r;
}

static int
have_lib(const struct elf_load *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nlibs; i++)
		if (strcmp(l->libs[i].name, name) == 0)
			return 1;
	return 0;
}

static void
add_obj(struct search *s, const char *canon, const char *found)
{
	char dir[PATH_MAX], *slash;
	struct obj *o;
	size_t i;

	for (i = 0; i < s->nobj; i++)
		if (strcmp(s->obj[i].path, canon) == 0)
			return;
	if (s->nobj == ELF_PROBE_OBJECTS_MAX) {
		s->l->truncated = 1;
		return;
	}
	o = &s->obj[s->nobj];
	if (elf_probe_file(canon, &o->ei) != 0)
		return; /* the loader will say what is wrong with it */
	snprintf(dir, sizeof(dir), "%s", found);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if ((o->path = strdup(canon)) == NULL || (o->origin = strdup(dir)) == NULL)
		fatal("run: the loader's libraries");
	s->nobj++;
}

/* One library the loader looks for on behalf of o, for by (o's path, or
 * "LD_PRELOAD"). */
static void
need(struct search *s, const struct obj *o, const char *name, const char *by)
{
	char found[PATH_MAX], canon[PATH_MAX];
	struct elf_load *l = s->l;
	struct elf_lib *nl;
	int ok;

	if (have_lib(l, name))
		return; /* loaded once, by its name */
	ok = find_lib(s, o, name, found, canon);
	if (ok && strcmp(canon, s->interp) == 0)
		return; /* the loader itself (libc needs it): the kernel mapped it */
	if (l->nlibs == s->caplibs) {
		s->caplibs = s->caplibs ? s->caplibs * 2 : 16;
		if ((nl = realloc(l->libs, s->caplibs * sizeof(*nl))) == NULL)
			fatal("run: the loader's libraries");
		l->libs = nl;
	}
	nl = &l->libs[l->nlibs++];
	memset(nl, 0, sizeof(*nl));
	if ((nl->name = strdup(name)) == NULL || (nl->by = strdup(by)) == NULL ||
	    (ok && (nl->path = strdup(canon)) == NULL))
		fatal("run: the loader's libraries");
	if (ok) {
		add_root(s, canon);
		add_obj(s, canon, found);
	}
}

/* The ELF that runs for path: path itself, or the interpreter a "#!" line
 * names (as the kernel, a few levels deep).  Canonical, into prog; 0, or
 * -1 when it cannot be read. */
static int
follow_scripts(const char *path, char *prog)
{
	char cur[PATH_MAX], interp[PATH_MAX], arg[PATH_MAX];
	int i;

	snprintf(cur, sizeof(cur), "%s", path);
	for (i = 0; i <= ELF_PROBE_SCRIPTS_MAX; i++) {
		if (!elf_probe_shebang(cur, interp, sizeof(interp), arg, sizeof(arg)))
			return realpath(cur, prog) != NULL ? 0 : -1;
		if (interp[0] != '/')
			return -1; /* the kernel takes it from the working folder: rare */
		snprintf(cur, sizeof(cur), "%s", interp);
	}
	return -1;
}

void
elf_probe_load(const char *path, struct elf_load *l)
{
	struct strv preload = { 0 };
	struct search *s;
	size_t i, j;

	memset(l, 0, sizeof(*l));
	if (follow_scripts(path, l->prog) == -1)
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("run: the loader's libraries");
	s->l = l;
	if (getcwd(s->cwd, sizeof(s->cwd)) == NULL)
		snprintf(s->cwd, sizeof(s->cwd), "/");
	add_obj(s, l->prog, l->prog);
	if (s->nobj == 0 || s->obj[0].ei.interp[0] == '\0')
		goto out; /* static, or nothing a loader loads */
	snprintf(l->interp, sizeof(l->interp), "%s", s->obj[0].ei.interp);
	if (realpath(l->interp, s->interp) == NULL)
		s->interp[0] = '\0';

	/* The roots in the loader's order, though the grants do not care. */
	split_path(getenv("LD_LIBRARY_PATH"), ":;", NULL, &s->ldpath);
	add_root(s, CACHE_PATH);
	read_cache(s);
	for (i = 0; i < NELEM(sys_dirs); i++)
		add_root(s, sys_dirs[i]);
	add_root(s, FB_LIBDIR);
	for (i = 0; i < s->ldpath.n; i++)
		add_root(s, s->ldpath.v[i]);

	/* LD_PRELOAD first, as the loader, then each object's needs. */
	split_path(getenv("LD_PRELOAD"), " :", NULL, &preload);
	for (i = 0; i < preload.n; i++)
		if (preload.v[i][0] != '\0')
			need(s, &s->obj[0], preload.v[i], "LD_PRELOAD");
	for (i = 0; i < s->nobj; i++) {
		struct strv dirs = { 0 };

		if (s->obj[i].ei.runpath == NULL)
			split_path(s->obj[i].ei.rpath, ":", s->obj[i].origin, &dirs);
		split_path(s->obj[i].ei.runpath, ":", s->obj[i].origin, &dirs);
		for (j = 0; j < dirs.n; j++)
			add_root(s, dirs.v[j]);
		strv_free(&dirs);
		for (j = 0; j < s->obj[i].ei.nneeded; j++)
			need(s, &s->obj[i], s->obj[i].ei.needed[j], s->obj[i].path);
	}
	l->roots = s->roots.v;
	l->nroots = s->roots.n;
	memset(&s->roots, 0, sizeof(s->roots));
out:
	for (i = 0; i < s->nobj; i++) {
		free(s->obj[i].path);
		free(s->obj[i].origin);
		elf_parse_info_free(&s->obj[i].ei);
	}
	strv_free(&preload);
	strv_free(&s->roots);
	strv_free(&s->ldpath);
	strv_free(&s->cache);
	free(s);
}

void
elf_probe_load_free(struct elf_load *l)
{
	size_t i;

	for (i = 0; i < l->nroots; i++)
		free(l->roots[i]);
	free(l->roots);
	for (i = 0; i < l->nlibs; i++) {
		free(l->libs[i].name);
		free(l->libs[i].path);
		free(l->libs[i].by);
	}
	free(l->libs);
	free(l->why);
	memset(l, 0, sizeof(*l));
}

/* ---- the diagnostics */

static int
below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static int
in_runtime_dir(const char *path)
{
	size_t i;

	for (i = 0; i < NELEM(runtime_dirs); i++)
		if (below(path, runtime_dirs[i]))
			return 1;
	return 0;
}

/* A pattern for the library at path (canonical) and its other versions:
 * FOLDER/NAME.so* (escaped), or the path itself when it has no ".so". */
static const char *
lib_pattern(const char *path, char *buf, size_t size)
{
	char stem[PATH_MAX];
	const char *slash = strrchr(path, '/'), *so;
	size_t n;

	so = slash != NULL ? strstr(slash, ".so") : NULL;
	n = so != NULL ? (size_t)(so - path) + 3 : strlen(path);
	if (n >= sizeof(stem))
		return path;
	memcpy(stem, path, n);
	stem[n] = '\0';
	if (policy_escape(stem, buf, size - 1) < 0)
		return path;
	if (so != NULL)
		strcat(buf, "*");
	return buf;
}

/* The names of the system's libraries the loader may not read, for one
 * line: up to three, then how many more. */
struct names {
	char text[512];
	size_t n;
};

static void
names_add(struct names *nm, const char *name)
{
	size_t len = strlen(nm->text);

	if (nm->n++ < 3)
		snprintf(nm->text + len, sizeof(nm->text) - len, "%s%s", len ? ", " : "", name);
}

/* Keep one line for later, and show it now with -v; only counted past
 * CHECK_LINES_MAX.  Printf-like. */
static void keep(struct elf_load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
keep(struct elf_load *l, const char *fmt, ...)
{
	char line[3 * PATH_MAX];
	va_list ap;
	size_t len, have = l->why != NULL ? strlen(l->why) : 0;
	char *nw;

	if (l->nwhy++ >= CHECK_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_info("%s", line);
	len = strlen(line);
	if ((nw = realloc(l->why, have + len + 2)) == NULL)
		fatal("run: the loader's diagnostics");
	memcpy(nw + have, line, len);
	nw[have + len] = '\n';
	nw[have + len + 1] = '\0';
	l->why = nw;
}

size_t
elf_probe_check(const struct policy *p, struct elf_load *l, const char *cmd)
{
	char pat[2 * PATH_MAX];
	struct names sys = { "", 0 };
	struct policy_decision d;
	const struct elf_lib *lib;
	size_t i;

	/* The loader's exec and a script's interpreter are exec's, which
	 * execdiag.h says when the start fails; here, what the loader reads. */
	if (l->interp[0] == '\0')
		return 0;
	if (policy_decide(p, CACHE_PATH, POLICY_READ, 0, &d) == 0 && !d.allowed &&
	    strcmp(d.rule, "default") == 0)
		names_add(&sys, CACHE_PATH);
	for (i = 0; i < l->nlibs; i++) {
		lib = &l->libs[i];
		if (lib->path == NULL) {
			keep(l, "run: '%s' needs %s (for %s), which its loader finds nowhere", cmd,
			    lib->name, lib->by);
			continue;
		}
		if (policy_decide(p, lib->path, POLICY_READ, 0, &d) == -1 || d.allowed)
			continue;
		if (strcmp(d.rule, "default") != 0)
			keep(l,
			    "run: explicit mode: '%s' needs %s, which its loader finds at %s, and "
			    "rule %s denies read of it",
			    cmd, lib->name, lib->path, d.rule);
		else if (in_runtime_dir(lib->path))
			names_add(&sys, lib->name);
		else
			keep(l,
			    "run: explicit mode: '%s' needs %s, which its loader finds at %s, and "
			    "no rule allows read of it: add 'allow read %s' to the policy",
			    cmd, lib->name, lib->path, lib_pattern(lib->path, pat, sizeof(pat)));
	}
	/* What @runtime grants, said once. */
	if (sys.n > 0)
		keep(l,
		    "run: explicit mode: '%s' is dynamically linked, and the policy does not let "
		    "its loader read the system's libraries (%s%s): include @runtime in the policy",
		    cmd, sys.text, sys.n > 3 ? ", ..." : "");
	if (l->truncated)
		log_info("run: '%s' loads more than %d objects: the libraries of the rest were not "
			 "looked at",
		    cmd, ELF_PROBE_OBJECTS_MAX);
	return l->nwhy;
}

void
elf_probe_exit_hint(const struct elf_load *l, const char *cmd)
{
	const char *p, *nl;

	if (l->interp[0] == '\0')
		return;
	for (p = l->why; p != NULL && (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		log_warnx("%.*s", (int)(nl - p), p);
	if (l->nwhy > CHECK_LINES_MAX)
		log_warnx("run: ... and %zu more such problems", l->nwhy - CHECK_LINES_MAX);
	if (l->nwhy == 0)
		log_warnx("run: '%s' exited with status 127 before its first request; if the "
			  "message above is its loader's (\"error while loading shared "
			  "libraries\"), in explicit mode the loader reads only the libraries the "
			  "policy allows in its folders (--print-sandbox lists them)",
		    cmd);
}

/* ---- run --explicit */

int
elf_probe_explicit(const struct policy *p, const struct fsctx *fs, const char *cmd,
    struct exec_grants *g, struct elf_load *l)
{
	char path[PATH_MAX];
	const char *bad;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (worker_find(cmd, path, sizeof(path)) != 0)
		return 0; /* the worker says so, with exit status 127 */
	elf_probe_load(path, l);
	(void)elf_probe_check(p, l, cmd);
	if (l->interp[0] == '\0') {
		log_debug("run: '%s' is statically linked (or no program of this machine): no "
			  "loader reads anything",
		    cmd);
		return 0;
	}
	if (g->ruleset < 0) {
		keep(l,
		    "run: explicit mode without Landlock: the loader of '%s' cannot be let read "
		    "its libraries, so a dynamically linked program cannot start here; link it "
		    "statically",
		    cmd);
		return 0;
	}
	for (i = 0; i < l->nroots; i++)
		log_debug("run: the loader of '%s' may read in %s", cmd, l->roots[i]);
	/* Once read-only opens reach Landlock, an exec grant's READ_FILE
	 * counts too: none may reach the audit trail. */
	if ((bad = exec_grants_reach_unreadable(g, fs)) != NULL) {
		keep(l,
		    "run: explicit mode: the exec grant of %s reaches an audit file, which the "
		    "worker's loader could then read: its reads stay refused, so '%s' cannot "
		    "start; narrow the exec rules, or keep the audit file elsewhere",
		    bad, cmd);
		return 0;
	}
	if (exec_grants_add_reads(p, fs, (const char *const *)l->roots, g) == -1)
		return -1;
	log_info("run: explicit mode: '%s' is dynamically linked (%s): its loader may read, "
		 "unbrokered and unrecorded, %zu files and %zu folders (beneath) that the policy "
		 "allows read of",
	    cmd, l->interp, g->nreads - g->nread_folders, g->nread_folders);
	for (i = 0; i < g->nreads; i++)
		log_debug("run: loader read grant: %s", g->reads[i]);
	return g->nreads > 0;
}

void
elf_probe_describe(FILE *out, const struct elf_load *l, const struct exec_grants *g,
    int loader_opens)
{
	struct stat st;
	size_t i;

	if (l->interp[0] == '\0')
		return;
	if (!loader_opens) {
		fprintf(out,
		    "loader:       %s: nothing it may read (the policy allows none of its "
		    "libraries, or no Landlock): the program cannot start\n",
		    l->interp);
		return;
	}
	fprintf(out,
	    "loader:       %s: reads %zu files and %zu folders (beneath) that the policy "
	    "allows, neither brokered nor recorded\n",
	    l->interp, g->nreads - g->nread_folders, g->nread_folders);
	seccomp_filter_describe_loader(out);
	for (i = 0; i < g->nreads; i++)
		fprintf(out, "landlock read: %s: read_file (%s)\n", g->reads[i],
		    stat(g->reads[i], &st) == 0 && S_ISDIR(st.st_mode) ? "folder, beneath" :
									 "file");
}
