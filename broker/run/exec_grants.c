/*
 * exec_grants.c: the worker's Landlock grants from the policy's own
 * decisions, for exec and for the dynamic loader's reads; see
 * exec_grants.h.
 *
 * One walk serves both (struct kind says which access it decides and
 * which right it grants).  It decides each name and grants what the
 * policy allows at once,
 * by the descriptor it opened relative to its folder (O_PATH|O_NOFOLLOW):
 * the grant is on the very inode whose name was decided.  A file with
 * other names (st_nlink > 1) waits until the walk is done: Landlock grants
 * an inode under every name, so if a deny rule denies another of its
 * names in the walked trees, a deny rule winning, it is granted under
 * none.  Those few are opened again by their canonical path with
 * RESOLVE_NO_SYMLINKS and checked to be the inode decided on.
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

#include "cleanup.h"
#include "exec_grants.h"
#include "landlock.h"
#include "log.h"
#include "protect.h"

struct cand {
	char *path;
	dev_t dev;
	ino_t ino;
};

struct inode {
	dev_t dev;
	ino_t ino;
};

/* The literal part of one allow-exec rule, or one folder or file the
 * loader reads, made canonical. */
struct root {
	char *canon;
	const char *where; /* the rule's FILE:LINE, or the loader's path, for messages */
	const char *pattern;
};

/* What a walk decides and grants. */
struct kind {
	unsigned access;		 /* asked of policy_decide() */
	int (*add)(int ruleset, int fd); /* the Landlock rule for a granted object */
	int files_only;			 /* a folder's own files only: its subfolders
					  * come with it when the policy allows all
					  * beneath, and are not entered otherwise */
	const char *what;		 /* in messages */
};

static const struct kind kind_exec = { POLICY_EXEC, landlock_ruleset_add_exec, 0, "exec" };
static const struct kind kind_read = { POLICY_READ, landlock_ruleset_add_read, 1, "loader" };

/* The list a walk fills: exec_grants' paths, or its reads. */
struct list {
	char ***paths;
	size_t *n, *nfolders;
	size_t cap;
};

struct gwalk {
	const struct policy *p;
	const struct fsctx *fs; /* the broker's own files (protect.h) */
	struct exec_grants *g;
	const struct kind *k;
	struct list out;
	int granted_folder;	 /* the last walk_dir() granted its folder whole */
	const struct root *root; /* the rule whose tree is being walked */
	struct cand *c;		 /* files with other names, to grant last */
	size_t nc, capc;
	struct inode *denied; /* files a deny rule denies, with other names */
	size_t nd, capd;
	size_t entries;
	struct root *roots;
	size_t nroots, caproots;
};

/* Room for one more element in *v (n used, *cap allocated, each size
 * bytes), doubling; the broker cannot go on without it. */
static void
grow(void *v, size_t n, size_t *cap, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return;
	ncap = *cap ? *cap * 2 : 16;
	if ((nv = realloc(*(void **)v, ncap * size)) == NULL)
		fatal("run: exec grants");
	*(void **)v = nv;
	*cap = ncap;
}

/* A rule of a built-in profile (@runtime, @python3, ...): written for
 * every Debian 12 machine, so a file it names may be missing here. */
static int
is_runtime(const char *where)
{
	return where[0] == '@';
}

void
exec_grants_add(struct exec_grants *g, const char *path, const struct stat *st, const char *rule)
{
	struct exec_grant *e;

	grow(&g->by_inode, g->ninodes, &g->capinodes, sizeof(*g->by_inode));
	e = &g->by_inode[g->ninodes];
	if ((e->path = strdup(path)) == NULL)
		fatal("run: exec grants");
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->dir = S_ISDIR(st->st_mode);
	e->rule = rule;
	g->ninodes++;
}

/* One grant: fd names the object (a file, or a folder for all beneath). */
static int
grant_fd(struct gwalk *w, int fd, const char *path, int dir)
{
	struct list *l = &w->out;
	struct stat st;

	if (w->g->ruleset >= 0 && w->k->add(w->g->ruleset, fd) == -1) {
		log_warn("run: %s: Landlock rule for %s", w->k->what, path);
		return -1;
	}
	/* Exec grants by inode too, as Landlock holds them: the exec records
	 * are decided with them (exec_grants_decide()). */
	if (w->k == &kind_exec) {
		if (fstat(fd, &st) == -1) {
			log_warn("run: exec: %s", path);
			return -1;
		}
		exec_grants_add(w->g, path, &st, NULL);
	}
	grow(l->paths, *l->n + 1, &l->cap, sizeof(**l->paths));
	if (((*l->paths)[*l->n] = strdup(path)) == NULL)
		fatal("run: exec grants");
	(*l->paths)[++*l->n] = NULL;
	if (dir)
		++*l->nfolders;
	return 0;
}

/* A file with other names, granted once the walk is done (see above). */
static void
defer(struct gwalk *w, const char *path, const struct stat *st)
{
	grow(&w->c, w->nc, &w->capc, sizeof(*w->c));
	if ((w->c[w->nc].path = strdup(path)) == NULL)
		fatal("run: exec grants");
	w->c[w->nc].dev = st->st_dev;
	w->c[w->nc].ino = st->st_ino;
	w->nc++;
}

static void
add_denied(struct gwalk *w, const struct stat *st)
{
	grow(&w->denied, w->nd, &w->capd, sizeof(*w->denied));
	w->denied[w->nd].dev = st->st_dev;
	w->denied[w->nd].ino = st->st_ino;
	w->nd++;
}

static int
is_denied(const struct gwalk *w, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < w->nd; i++)
		if (w->denied[i].dev == dev && w->denied[i].ino == ino)
			return 1;
	return 0;
}

/* An audit file, which no worker may read whatever the policy says
 * (protect.h), by its path or by its identity: never granted. */
static int
unreadable(const struct gwalk *w, const char *path, const struct stat *st)
{
	if (w->fs == NULL || !protect_check(w->fs, path, st, PROTECT_READ))
		return 0;
	log_debug("run: %s: %s is the broker's (an audit file): left out", w->k->what, path);
	return 1;
}

/*
 * A regular file, name in the folder dfd, at canonical path: granted if the
 * policy allows the walk's access to it (deferred if it has other names);
 * noted if a deny rule denies it and it has other names.  The decision
 * comes first: most names of a folder decide nothing and cost no system
 * call.
 */
static int
decide_file(struct gwalk *w, int dfd, const char *name, const char *path)
{
	struct policy_decision d;
	struct stat st;
	int fd, rv = 0;

	if (policy_decide(w->p, path, w->k->access, 0, &d) == -1)
		return 0; /* not a path the policy can name: nothing granted */
	if (!d.allowed) {
		if (strcmp(d.rule, "default") != 0 &&
		    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_nlink > 1)
			add_denied(w, &st);
		return 0;
	}
	if ((fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0; /* gone meanwhile */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !unreadable(w, path, &st)) {
		if (st.st_nlink > 1)
			defer(w, path, &st);
		else
			rv = grant_fd(w, fd, path, 0);
	}
	close(fd);
	return rv;
}

/* Walk the folder open as fd (taken over) at canonical path, depth levels
 * below the rule's literal part.  0, or -1 after logging why. */
static int
walk_dir(struct gwalk *w, int dfd, char *path, size_t len, int depth)
{
	autoclose int fd = dfd;
	enum policy_beneath b;
	struct dirent *de;
	struct stat st;
	size_t nl;
	DIR *d;
	int cfd, rv = 0, isdir;

	w->granted_folder = 0;
	if (policy_decide_beneath(w->p, path, w->k->access, 0, &b) == -1 ||
	    b == POLICY_BENEATH_NONE)
		return 0;
	/* The loader's folder whole, unless an audit file lies below: then
	 * its files one by one, that one left out. */
	if (b == POLICY_BENEATH_ALL &&
	    !(w->k->files_only && w->fs != NULL && protect_beneath(w->fs, path, PROTECT_READ))) {
		w->granted_folder = 1;
		return grant_fd(w, fd, path, 1);
	}
	if (depth >= EXEC_GRANTS_DEPTH_MAX) {
		log_warnx("run: exec rule %s (%s): %s is more than %d folders below %s, and the "
			  "policy decides exec in it file by file; use a narrower rule",
		    w->root->where, w->root->pattern, path, EXEC_GRANTS_DEPTH_MAX, w->root->canon);
		return -1;
	}
	/* A folder the broker cannot read grants nothing: nothing in it can
	 * be decided. */
	if ((d = fdopendir(fd)) == NULL) {
		log_debug("run: %s %s: %s: %s; nothing in it is granted", w->k->what,
		    w->root->where, path, strerror(errno));
		return 0;
	}
	fd = -1; /* the DIR's now: closedir() closes it */
	while (rv == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > EXEC_GRANTS_ENTRIES_MAX) {
			if (w->k->files_only)
				log_warnx("run: the loader's folders: deciding read file by file "
					  "takes more than %d folder entries (at %s); narrow the "
					  "library path (LD_LIBRARY_PATH, the program's RUNPATH)",
				    EXEC_GRANTS_ENTRIES_MAX, w->root->canon);
			else
				log_warnx("run: exec rule %s (%s): deciding exec file by file "
					  "under %s takes more than %d folder entries (a deny rule "
					  "or a wildcard below a wide allow rule); use narrower "
					  "allow exec rules, for the folders that hold the "
					  "programs",
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
		isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
				path[len] = '\0';
				continue; /* gone meanwhile */
			}
			isdir = S_ISDIR(st.st_mode);
		}
		if (de->d_type == DT_REG || (de->d_type == DT_UNKNOWN && S_ISREG(st.st_mode)))
			rv = decide_file(w, dirfd(d), de->d_name, path);
		/* Symlinks, devices and the like are not granted: a link runs
		 * (or reads) what it points to, decided where that lies. */
		if (rv == 0 && isdir && !w->k->files_only) {
			cfd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd != -1)
				rv = walk_dir(w, cfd, path, len + (len > 1) + nl, depth + 1);
		}
		path[len] = '\0';
	}
	if (rv == 0 && errno != 0)
		log_debug("run: %s %s: reading %s: %s; the rest of it is not granted", w->k->what,
		    w->root->where, path, strerror(errno));
	closedir(d);
	return rv;
}

static void
push_root(struct gwalk *w, const char *canon, const char *where, const char *pattern)
{
	grow(&w->roots, w->nroots, &w->caproots, sizeof(*w->roots));
	if ((w->roots[w->nroots].canon = strdup(canon)) == NULL)
		fatal("run: exec grants");
	w->roots[w->nroots].where = where;
	w->roots[w->nroots].pattern = pattern;
	w->nroots++;
}

/* policy_foreach_exec(): note the canonical literal part of each rule. */
static int
add_root(const char *pattern, int has_wildcards, const char *where, void *arg)
{
	struct gwalk *w = arg;
	char prefix[PATH_MAX], canon[PATH_MAX];
	struct policy_decision d;

	if (policy_pattern_prefix(pattern, prefix, sizeof(prefix)) < 0)
		return 0;
	if (realpath(prefix, canon) == NULL) {
		/* Nothing there: a policy written for several hosts must not
		 * stop every run on this one.  Said where it matters: not of a
		 * tree the worker may make, fill and empty itself (an output
		 * folder, "allow all DIR/ **"), whose exec comes with the rest
		 * rather than being asked for. */
		if (is_runtime(where))
			return 0;
		if (errno == ENOENT &&
		    policy_decide(w->p, prefix, POLICY_CREATE | POLICY_WRITE | POLICY_DELETE, 0,
			&d) == 0 &&
		    d.allowed)
			log_info("run: exec rule %s (%s): %s does not exist yet; the rule lets "
				 "nothing run there (the worker's exec grants are made before it "
				 "starts)",
			    where, pattern, prefix);
		else
			log_warnx("run: exec rule %s (%s): %s %s; the rule lets nothing run", where,
			    pattern, prefix, errno == ENOENT ? "does not exist" : strerror(errno));
		return 0;
	}
	if (strcmp(prefix, canon) != 0) {
		/* Every path the pattern matches passes through a symlink, and
		 * no canonical path does.  Said for a rule naming one file only
		 * when no other rule allows what it leads to (@runtime names
		 * the loader by all its names; an older glibc's is a link to
		 * ld-2.NN.so, which this says to add). */
		if (!has_wildcards &&
		    (policy_decide(w->p, canon, POLICY_EXEC, 0, &d) == -1 || !d.allowed))
			log_warnx("run: exec rule %s: %s is %s (through a symlink), which the "
				  "policy does not allow exec of: rules match canonical paths; "
				  "add 'allow exec %s'",
			    where, prefix, canon, canon);
		else if (has_wildcards && !is_runtime(where))
			log_warnx("run: exec rule %s: %s is %s (through a symlink) and the policy "
				  "decides on canonical paths, so the rule matches nothing there; "
				  "write it for %s",
			    where, prefix, canon, canon);
	}
	push_root(w, canon, where, pattern);
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

/* Open a canonical path with no symlink anywhere on the way: a path that
 * changed since it was made canonical is not taken for another object
 * (the grant names the object opened, the decision the path). */
static int
open_canonical(const char *canon, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, AT_FDCWD, canon, &how, sizeof(how));
}

/* A root that is a regular file: decided in its folder, opened as above. */
static int
walk_file(struct gwalk *w)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(w->root->canon, '/');
	autoclose int dfd = -1;

	if (slash == NULL || (size_t)(slash - w->root->canon) >= sizeof(dir))
		return 0;
	memcpy(dir, w->root->canon, (size_t)(slash - w->root->canon));
	dir[slash - w->root->canon] = '\0';
	if ((dfd = open_canonical(dir[0] ? dir : "/", O_PATH | O_DIRECTORY)) == -1)
		return 0; /* gone meanwhile */
	return decide_file(w, dfd, slash + 1, w->root->canon);
}

/* Walk each root that no earlier root covers: a full walk covers all
 * below it, a files-only one only where it granted its folder whole. */
static int
walk_roots(struct gwalk *w)
{
	char path[PATH_MAX];
	const char *cover = NULL;
	struct stat st;
	size_t i;
	int fd;

	if (w->nroots > 1) /* none: roots is NULL, which qsort() may not take */
		qsort(w->roots, w->nroots, sizeof(*w->roots), root_cmp);
	for (i = 0; i < w->nroots; i++) {
		w->root = &w->roots[i];
		if (cover != NULL && below(w->root->canon, cover))
			continue;
		if (i > 0 && strcmp(w->root->canon, w->roots[i - 1].canon) == 0)
			continue;
		if (lstat(w->root->canon, &st) == -1)
			continue;
		if (S_ISREG(st.st_mode)) {
			if (walk_file(w) == -1)
				return -1;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		if ((fd = open_canonical(w->root->canon, O_RDONLY | O_DIRECTORY)) == -1) {
			if (!w->k->files_only)
				log_warnx("run: exec rule %s: %s: %s; the rule lets nothing run "
					  "there",
				    w->root->where, w->root->canon, strerror(errno));
			continue;
		}
		snprintf(path, sizeof(path), "%s", w->root->canon);
		if (walk_dir(w, fd, path, strlen(path), 0) == -1)
			return -1;
		if (!w->k->files_only || w->granted_folder)
			cover = w->root->canon;
	}
	return 0;
}

/* The files with other names: granted unless a deny rule denies one of
 * those names, each opened again and checked to be the inode decided on. */
static int
grant_deferred(struct gwalk *w)
{
	struct stat st;
	size_t i;

	for (i = 0; i < w->nc; i++) {
		autoclose int fd = -1;

		if (is_denied(w, w->c[i].dev, w->c[i].ino)) {
			log_info("run: exec: %s is left out: a hard link of a file a deny rule "
				 "denies exec of",
			    w->c[i].path);
			w->g->nskipped++;
			continue;
		}
		if ((fd = open_canonical(w->c[i].path, O_PATH)) == -1)
			continue; /* gone meanwhile */
		if (fstat(fd, &st) == -1 || st.st_dev != w->c[i].dev || st.st_ino != w->c[i].ino) {
			log_warnx("run: exec: %s changed while the grants were made; left out",
			    w->c[i].path);
			continue;
		}
		if (unreadable(w, w->c[i].path, &st))
			continue;
		if (grant_fd(w, fd, w->c[i].path, 0) == -1)
			return -1;
	}
	return 0;
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The walk's list, sorted, each path once (a file root may lie in a folder
 * walked file by file), NULL-terminated even when empty. */
static void
list_finish(struct list *l)
{
	size_t i, n = 0;

	if (*l->paths == NULL && (*l->paths = calloc(1, sizeof(**l->paths))) == NULL)
		fatal("run: exec grants");
	qsort(*l->paths, *l->n, sizeof(**l->paths), path_cmp);
	for (i = 0; i < *l->n; i++) {
		if (n > 0 && strcmp((*l->paths)[i], (*l->paths)[n - 1]) == 0)
			free((*l->paths)[i]);
		else
			(*l->paths)[n++] = (*l->paths)[i];
	}
	*l->n = n;
	(*l->paths)[n] = NULL;
}

static void
walk_free(struct gwalk *w)
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

static void
walk_init(struct gwalk *w, const struct policy *p, const struct fsctx *fs, struct exec_grants *g,
    const struct kind *k)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->fs = fs;
	w->g = g;
	w->k = k;
	if (k == &kind_exec) {
		w->out.paths = &g->paths;
		w->out.n = &g->npaths;
		w->out.nfolders = &g->nfolders;
	} else {
		w->out.paths = &g->reads;
		w->out.n = &g->nreads;
		w->out.nfolders = &g->nread_folders;
		w->out.cap = g->nreads + 1; /* what list_finish() left */
	}
}

int
exec_grants_build(const struct policy *p, const struct fsctx *fs, int abi, int allow_net,
    struct exec_grants *g)
{
	struct gwalk w;
	int rv = -1;

	memset(g, 0, sizeof(*g));
	g->ruleset = -1;
	walk_init(&w, p, fs, g, &kind_exec);
	if (abi >= 1 && (g->ruleset = landlock_ruleset_new(abi, allow_net)) == -1) {
		log_warn("run: Landlock ruleset");
		return -1;
	}
	(void)policy_foreach_exec(p, add_root, &w);
	if (walk_roots(&w) == -1 || grant_deferred(&w) == -1)
		goto out;
	g->nentries = w.entries;
	list_finish(&w.out);
	/* The loader's list, empty until exec_grants_add_reads(). */
	if ((g->reads = calloc(1, sizeof(*g->reads))) == NULL)
		fatal("run: exec grants");
	rv = 0;
out:
	walk_free(&w);
	if (rv == -1)
		exec_grants_free(g);
	return rv;
}

/* Not the loader's: the broker's /proc is not the worker's, and nothing
 * in /sys or /dev is a library. */
static int
special_tree(const char *canon)
{
	return below(canon, "/proc") || below(canon, "/sys") || below(canon, "/dev");
}

int
exec_grants_add_reads(const struct policy *p, const struct fsctx *fs, const char *const *roots,
    struct exec_grants *g)
{
	char canon[PATH_MAX];
	struct gwalk w;
	size_t i;
	int rv = -1;

	walk_init(&w, p, fs, g, &kind_read);
	for (i = 0; roots != NULL && roots[i] != NULL; i++) {
		if (roots[i][0] != '/' || realpath(roots[i], canon) == NULL)
			continue; /* the loader finds nothing there either */
		if (special_tree(canon)) {
			log_debug("run: loader: %s is not searched for libraries here", canon);
			continue;
		}
		push_root(&w, canon, roots[i], roots[i]);
	}
	if (walk_roots(&w) == -1 || grant_deferred(&w) == -1)
		goto out;
	g->nentries += w.entries;
	list_finish(&w.out);
	rv = 0;
out:
	walk_free(&w);
	return rv;
}

const char *
exec_grants_reach_unreadable(const struct exec_grants *g, const struct fsctx *fs)
{
	struct stat st;
	size_t i;

	for (i = 0; fs != NULL && i < g->npaths; i++)
		if (stat(g->paths[i], &st) == 0 && S_ISDIR(st.st_mode) ?
			protect_beneath(fs, g->paths[i], PROTECT_READ) :
			protect_check(fs, g->paths[i], NULL, PROTECT_READ))
			return g->paths[i];
	return NULL;
}

/* The grant of inode (dev, ino) of kind dir, or NULL. */
static const struct exec_grant *
grant_of(const struct exec_grants *g, dev_t dev, ino_t ino, int dir)
{
	size_t i;

	for (i = 0; i < g->ninodes; i++)
		if (g->by_inode[i].ino == ino && g->by_inode[i].dev == dev &&
		    g->by_inode[i].dir == dir)
			return &g->by_inode[i];
	return NULL;
}

int
exec_grants_decide(const struct exec_grants *g, int root, const char *canon, const struct stat *st,
    const char **grant, const char **rule)
{
	const struct exec_grant *e;
	char up[PATH_MAX];
	struct stat fst;
	size_t n;

	/* An exec is rare: a linear look at the grants, and one fstatat per
	 * folder on the way, as Landlock walks up from the file. */
	if ((e = grant_of(g, st->st_dev, st->st_ino, 0)) == NULL) {
		n = strlen(canon);
		if (canon[0] != '/' || n >= sizeof(up))
			return 0;
		memcpy(up, canon, n + 1);
		for (;;) {
			while (n > 1 && up[n - 1] != '/')
				n--;
			n = n > 1 ? n - 1 : 1; /* the folder, without its slash */
			up[n] = '\0';
			if (fstatat(root, n == 1 ? "." : up + 1, &fst, AT_SYMLINK_NOFOLLOW) == 0 &&
			    (e = grant_of(g, fst.st_dev, fst.st_ino, 1)) != NULL)
				break;
			if (n == 1)
				return 0;
		}
	}
	*grant = e->path;
	*rule = e->rule;
	return 1;
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
	for (i = 0; g->reads != NULL && i < g->nreads; i++)
		free(g->reads[i]);
	free(g->reads);
	for (i = 0; i < g->ninodes; i++)
		free(g->by_inode[i].path);
	free(g->by_inode);
	memset(g, 0, sizeof(*g));
	g->ruleset = -1;
}
