/*
 * exec_grants.c: the worker's Landlock exec grants from the policy's own
 * decisions; see exec_grants.h.
 *
 * Two passes.  The walk decides and notes candidates (path, device, inode)
 * without holding them open; then each candidate is opened again by its
 * canonical path with RESOLVE_NO_SYMLINKS, checked to be the very inode
 * decided on (a file swapped in meanwhile is left out), and granted by
 * descriptor.  Between the two, a regular file that a deny rule denies
 * and that is also a hard link of an allowed file takes that grant away:
 * Landlock grants an inode under every name, and a deny rule wins.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_grants.h"
#include "landlock.h"
#include "log.h"

struct cand {
	char *path;
	dev_t dev;
	ino_t ino;
	int dir;
};

struct inode {
	dev_t dev;
	ino_t ino;
};

/* The literal part of one allow-exec rule, made canonical. */
struct root {
	char *canon;
	const char *where; /* the rule's FILE:LINE, for messages */
	const char *pattern;
};

struct walk {
	const struct policy *p;
	const struct root *root; /* the rule whose tree is being walked */
	struct cand *c;
	size_t nc, capc;
	struct inode *denied; /* files a deny rule denies, with other names */
	size_t nd, capd;
	size_t entries;
	struct root *roots;
	size_t nroots, caproots;
};

static int
is_runtime(const char *where)
{
	return strncmp(where, "@runtime:", 9) == 0;
}

static int
add_cand(struct walk *w, const char *path, const struct stat *st, int dir)
{
	struct cand *nc;
	size_t ncap;

	if (w->nc == w->capc) {
		ncap = w->capc ? w->capc * 2 : 64;
		if ((nc = realloc(w->c, ncap * sizeof(*nc))) == NULL)
			return -1;
		w->c = nc;
		w->capc = ncap;
	}
	if ((w->c[w->nc].path = strdup(path)) == NULL)
		return -1;
	w->c[w->nc].dev = st->st_dev;
	w->c[w->nc].ino = st->st_ino;
	w->c[w->nc].dir = dir;
	w->nc++;
	return 0;
}

static int
add_denied(struct walk *w, const struct stat *st)
{
	struct inode *nd;
	size_t ncap;

	if (w->nd == w->capd) {
		ncap = w->capd ? w->capd * 2 : 16;
		if ((nd = realloc(w->denied, ncap * sizeof(*nd))) == NULL)
			return -1;
		w->denied = nd;
		w->capd = ncap;
	}
	w->denied[w->nd].dev = st->st_dev;
	w->denied[w->nd].ino = st->st_ino;
	w->nd++;
	return 0;
}

static int
is_denied(const struct walk *w, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < w->nd; i++)
		if (w->denied[i].dev == dev && w->denied[i].ino == ino)
			return 1;
	return 0;
}

/* A regular file at path (st from lstat): a candidate if the policy allows
 * exec of it; noted if a deny rule denies it and it has other names. */
static int
decide_file(struct walk *w, const char *path, const struct stat *st)
{
	struct policy_decision d;

	if (policy_decide(w->p, path, POLICY_EXEC, 0, &d) == -1)
		return 0; /* not a path the policy can name: nothing granted */
	if (d.allowed)
		return add_cand(w, path, st, 0);
	if (strcmp(d.rule, "default") != 0 && st->st_nlink > 1)
		return add_denied(w, st);
	return 0;
}

/* Walk the folder open as fd (taken over) at canonical path, depth levels
 * below the rule's literal part.  0, or -1 after logging why. */
static int
walk_dir(struct walk *w, int fd, char *path, size_t len, int depth)
{
	enum policy_beneath b;
	struct dirent *de;
	struct stat st;
	size_t nl;
	DIR *d;
	int cfd, rv = 0, isdir;

	if (policy_decide_beneath(w->p, path, POLICY_EXEC, 0, &b) == -1) {
		close(fd);
		return 0;
	}
	if (b == POLICY_BENEATH_NONE) {
		close(fd);
		return 0;
	}
	if (b == POLICY_BENEATH_ALL) {
		rv = fstat(fd, &st) == -1 ? -1 : add_cand(w, path, &st, 1);
		close(fd);
		if (rv == -1)
			log_warn("run: exec rule %s: %s", w->root->where, path);
		return rv;
	}
	if (depth >= EXEC_GRANTS_DEPTH_MAX) {
		log_warnx("run: exec rule %s (%s): %s is more than %d folders below %s, and the "
			  "policy decides exec in it file by file; use a narrower rule",
		    w->root->where, w->root->pattern, path, EXEC_GRANTS_DEPTH_MAX,
		    w->root->canon);
		close(fd);
		return -1;
	}
	/* A folder the broker cannot read grants nothing: nothing in it can
	 * be decided. */
	if ((d = fdopendir(fd)) == NULL) {
		log_debug("run: exec rule %s: %s: %s; nothing in it is granted", w->root->where,
		    path, strerror(errno));
		close(fd);
		return 0;
	}
	while (rv == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > EXEC_GRANTS_ENTRIES_MAX) {
			log_warnx("run: exec rule %s (%s): deciding exec file by file under %s "
				  "takes more than %d folder entries (a deny rule or a wildcard "
				  "below a wide allow rule); use narrower allow exec rules, for "
				  "the folders that hold the programs",
			    w->root->where, w->root->pattern, w->root->canon,
			    EXEC_GRANTS_ENTRIES_MAX);
			rv = -1;
			break;
		}
		nl = strlen(de->d_name);
		if (len + (len > 1) + nl + 1 > PATH_MAX)
			continue; /* no request can name it either */
		if (len > 1)
			path[len] = '/';
		memcpy(path + len + (len > 1), de->d_name, nl + 1);
		if (de->d_type == DT_UNKNOWN || de->d_type == DT_REG) {
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
				path[len] = '\0';
				continue; /* gone meanwhile */
			}
			isdir = S_ISDIR(st.st_mode);
			if (S_ISREG(st.st_mode))
				rv = decide_file(w, path, &st) == -1 ? -1 : 0;
		} else
			isdir = de->d_type == DT_DIR;
		/* Symlinks, devices and the like are not granted: a link runs
		 * what it points to, decided where that lies. */
		if (rv == 0 && isdir) {
			cfd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd != -1)
				rv = walk_dir(w, cfd, path, len + (len > 1) + nl, depth + 1);
		}
		path[len] = '\0';
	}
	if (rv == 0 && errno != 0)
		log_debug("run: exec rule %s: reading %s: %s; the rest of it is not granted",
		    w->root->where, path, strerror(errno));
	closedir(d);
	return rv;
}

/* policy_foreach_exec(): note the canonical literal part of each rule. */
static int
add_root(const char *pattern, int has_wildcards, const char *where, void *arg)
{
	struct walk *w = arg;
	char prefix[PATH_MAX], canon[PATH_MAX];
	struct root *nr;
	size_t ncap;

	if (policy_pattern_prefix(pattern, prefix, sizeof(prefix)) < 0)
		return 0;
	if (realpath(prefix, canon) == NULL) {
		/* Nothing there: a policy written for several hosts must not
		 * stop every run on this one. */
		if (!is_runtime(where))
			log_warnx("run: exec rule %s (%s): %s %s; the rule lets nothing run", where,
			    pattern, prefix,
			    errno == ENOENT ? "does not exist" : strerror(errno));
		return 0;
	}
	if (strcmp(prefix, canon) != 0 && !is_runtime(where)) {
		/* Every path the pattern matches passes through a symlink, and
		 * no canonical path does. */
		log_warnx("run: exec rule %s: %s is %s (through a symlink) and the policy "
			  "decides on canonical paths, so %s matches nothing there; write the "
			  "rule for %s",
		    where, prefix, canon, has_wildcards ? "the rule" : "it", canon);
	}
	if (w->nroots == w->caproots) {
		ncap = w->caproots ? w->caproots * 2 : 16;
		if ((nr = realloc(w->roots, ncap * sizeof(*nr))) == NULL)
			return -1;
		w->roots = nr;
		w->caproots = ncap;
	}
	if ((w->roots[w->nroots].canon = strdup(canon)) == NULL)
		return -1;
	w->roots[w->nroots].where = where;
	w->roots[w->nroots].pattern = pattern;
	w->nroots++;
	return 0;
}

/* Paths in tree order: '/' sorts before every other byte, so a folder's
 * descendants follow it directly. */
static int
root_cmp(const void *a, const void *b)
{
	const unsigned char *x = (const unsigned char *)((const struct root *)a)->canon;
	const unsigned char *y = (const unsigned char *)((const struct root *)b)->canon;
	unsigned cx, cy;

	for (;; x++, y++) {
		cx = *x == '/' ? 1 : *x == 1 ? '/' : *x;
		cy = *y == '/' ? 1 : *y == 1 ? '/' : *y;
		if (cx != cy || cx == 0)
			return (int)cx - (int)cy;
	}
}

/* Is path below (or at) folder? */
static int
below(const char *path, const char *folder)
{
	size_t n = strlen(folder);

	if (strcmp(folder, "/") == 0)
		return 1;
	return strncmp(path, folder, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Walk each root that no earlier root covers. */
static int
walk_roots(struct walk *w)
{
	char path[PATH_MAX];
	const char *cover = NULL;
	struct stat st;
	size_t i;
	int fd;

	qsort(w->roots, w->nroots, sizeof(*w->roots), root_cmp);
	for (i = 0; i < w->nroots; i++) {
		w->root = &w->roots[i];
		if (cover != NULL && below(w->root->canon, cover))
			continue;
		if (lstat(w->root->canon, &st) == -1)
			continue;
		if (S_ISREG(st.st_mode)) {
			if (decide_file(w, w->root->canon, &st) == -1)
				return -1;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		cover = w->root->canon;
		if ((fd = open(w->root->canon, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) ==
		    -1) {
			log_warnx("run: exec rule %s: %s: %s; the rule lets nothing run there",
			    w->root->where, w->root->canon, strerror(errno));
			continue;
		}
		snprintf(path, sizeof(path), "%s", w->root->canon);
		if (walk_dir(w, fd, path, strlen(path), 0) == -1)
			return -1;
	}
	return 0;
}

/* The second pass: each candidate opened again by its canonical path, the
 * inode decided on checked, and granted. */
static int
grant(struct walk *w, struct exec_grants *g)
{
	struct open_how how;
	struct stat st;
	size_t i;
	int fd, rc;

	if ((g->paths = calloc(w->nc + 1, sizeof(*g->paths))) == NULL)
		return -1;
	for (i = 0; i < w->nc; i++) {
		if (!w->c[i].dir && is_denied(w, w->c[i].dev, w->c[i].ino)) {
			log_info("run: exec: %s is left out: a hard link of a file a deny rule "
				 "denies exec of",
			    w->c[i].path);
			g->nskipped++;
			continue;
		}
		memset(&how, 0, sizeof(how));
		how.flags = O_PATH | O_CLOEXEC | (w->c[i].dir ? O_DIRECTORY : 0);
		how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		if ((fd = (int)syscall(SYS_openat2, AT_FDCWD, w->c[i].path, &how, sizeof(how))) ==
		    -1)
			continue; /* gone meanwhile */
		if (fstat(fd, &st) == -1 || st.st_dev != w->c[i].dev || st.st_ino != w->c[i].ino) {
			log_warnx("run: exec: %s changed while the grants were made; left out",
			    w->c[i].path);
			close(fd);
			continue;
		}
		rc = g->ruleset >= 0 ? landlock_ruleset_add_exec(g->ruleset, fd) : 0;
		close(fd);
		if (rc == -1) {
			log_warn("run: exec: Landlock rule for %s", w->c[i].path);
			return -1;
		}
		g->paths[g->npaths++] = w->c[i].path;
		w->c[i].path = NULL;
		if (w->c[i].dir)
			g->nfolders++;
	}
	return 0;
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
walk_free(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->nc; i++)
		free(w->c[i].path);
	free(w->c);
	free(w->denied);
	for (i = 0; i < w->nroots; i++)
		free(w->roots[i].canon);
	free(w->roots);
}

int
exec_grants_build(const struct policy *p, int abi, int allow_net, struct exec_grants *g)
{
	struct walk w;
	int rv = -1;

	memset(g, 0, sizeof(*g));
	g->ruleset = -1;
	memset(&w, 0, sizeof(w));
	w.p = p;
	if (abi >= 1 && (g->ruleset = landlock_ruleset_new(abi, allow_net)) == -1) {
		log_warn("run: Landlock ruleset");
		return -1;
	}
	if (policy_foreach_exec(p, add_root, &w) != 0) {
		log_warn("run: exec rules");
		goto out;
	}
	if (walk_roots(&w) == -1)
		goto out;
	if (grant(&w, g) == -1) {
		log_warn("run: exec grants");
		goto out;
	}
	g->nentries = w.entries;
	qsort(g->paths, g->npaths, sizeof(*g->paths), path_cmp);
	rv = 0;
out:
	walk_free(&w);
	if (rv == -1)
		exec_grants_free(g);
	return rv;
}

void
exec_grants_free(struct exec_grants *g)
{
	size_t i;

	if (g->ruleset >= 0)
		close(g->ruleset);
	for (i = 0; g->paths != NULL && i < g->npaths; i++)
		free(g->paths[i]);
	free(g->paths);
	memset(g, 0, sizeof(*g));
	g->ruleset = -1;
}
