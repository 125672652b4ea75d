/*
 * protect.c: the broker's own files; see protect.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "path.h"
#include "policy.h"
#include "protect.h"

struct protect_entry {
	char *path; /* canonical */
	int exists; /* dev and ino are the file's */
	dev_t dev;
	ino_t ino;
	int unreadable; /* an audit file: other sessions' records */
};

struct protect {
	struct protect_entry v[PROTECT_MAX];
	size_t n; /* published with a release store */
	char cwd[PATH_MAX];
};

/* Is it the same file, or a name already held? */
static int
known(const struct protect *pr, const char *canon, const struct walk *w, int unreadable)
{
	size_t i;

	for (i = 0; i < pr->n; i++) {
		const struct protect_entry *e = &pr->v[i];

		if (e->unreadable != unreadable || strcmp(e->path, canon) != 0)
			continue;
		if (w->fd == -1 ? !e->exists :
				  e->exists && e->dev == w->st.st_dev && e->ino == w->st.st_ino)
			return 1;
	}
	return 0;
}

/*
 * Hold the file at path: its canonical path as the broker resolves it (the
 * name followed through links, so that the name a worker would use is the
 * one held), and its identity when it exists.
 */
static int
add(struct fsctx *fs, const char *path, int unreadable, int must_exist)
{
	struct protect *pr = fs->protect;
	struct protect_entry *e;
	char abs[PATH_MAX];
	struct walk w;
	unsigned pf;
	int r;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (path_clean(pr->cwd, path, PATH_LEXICAL, abs, sizeof(abs), &pf) < 0) {
		log_warnx("protect: %s: name too long to hold; not protected", path);
		return 0;
	}
	r = walk_path(fs, abs, 0, 0, WALK_FOLLOW, &w);
	if (r < 0) {
		/* A folder on the way is missing: nothing is there to change;
		 * the name as written is held all the same. */
		path_copy(w.canon, sizeof(w.canon), abs);
		w.fd = -1;
	}
	/* A policy's name that is no file: policy_load_buffer()'s. */
	if ((must_exist && w.fd == -1) || known(pr, w.canon, &w, unreadable)) {
		walk_release(&w);
		return 0;
	}
	if (pr->n == PROTECT_MAX) {
		walk_release(&w);
		errno = E2BIG;
		return -1;
	}
	e = &pr->v[pr->n];
	if ((e->path = strdup(w.canon)) == NULL) {
		walk_release(&w);
		return -1;
	}
	e->exists = w.fd != -1;
	e->dev = w.st.st_dev;
	e->ino = w.st.st_ino;
	e->unreadable = unreadable;
	walk_release(&w);
	/* Complete before it is counted: requests read without a lock. */
	__atomic_store_n(&pr->n, pr->n + 1, __ATOMIC_RELEASE);
	return 0;
}

static int
add_policy_file(const char *name, void *arg)
{
	return add(arg, name, 0, 1) == -1 ? -1 : 0;
}

/* audit_open()'s syntax: "-", "syslog" and "journal" are no files. */
static int
add_audit(struct fsctx *fs, const char *const *audit, size_t naudit)
{
	size_t i;

	for (i = 0; i < naudit; i++) {
		if (strcmp(audit[i], "-") == 0 || strcmp(audit[i], "syslog") == 0 ||
		    strcmp(audit[i], "journal") == 0)
			continue;
		if (add(fs, audit[i], 1, 0) == -1)
			return -1;
	}
	return 0;
}

/*
 * Every place `filebroker run` looks for its preload library (run.c,
 * find_preload()): beside the executable, ../lib/filebroker from it, and
 * the build's FB_PKGLIBDIR.  The daemon holds them too, whether it uses
 * the library or not: every run session's worker loads it.
 */
static int
add_preloads(struct fsctx *fs, char *exe)
{
	static const char name[] = "filebroker-preload.so";
	char cand[2 * PATH_MAX], *slash;

	if ((slash = strrchr(exe, '/')) == NULL)
		return 0;
	*slash = '\0';
	snprintf(cand, sizeof(cand), "%s/%s", exe, name);
	if (add(fs, cand, 0, 0) == -1)
		return -1;
	snprintf(cand, sizeof(cand), "%s/../lib/filebroker/%s", exe, name);
	if (add(fs, cand, 0, 0) == -1)
		return -1;
	snprintf(cand, sizeof(cand), "%s/%s", FB_PKGLIBDIR, name);
	return add(fs, cand, 0, 0);
}

int
protect_init(struct fsctx *fs, const struct policy *p, const char *const *audit, size_t naudit,
    const char *const *extra, size_t nextra)
{
	char exe[PATH_MAX];
	ssize_t n;
	size_t i;

	if (fs->protect == NULL && (fs->protect = calloc(1, sizeof(*fs->protect))) == NULL)
		return -1;
	/* Relative names now and at every reload are the current folder's
	 * at start (a confined daemon cannot ask again). */
	if (getcwd(fs->protect->cwd, sizeof(fs->protect->cwd)) == NULL)
		strcpy(fs->protect->cwd, "/");
	if (policy_foreach_file(p, add_policy_file, fs) != 0 || add_audit(fs, audit, naudit) == -1)
		return -1;
	for (i = 0; i < nextra; i++)
		if (add(fs, extra[i], 0, 0) == -1)
			return -1;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if (add(fs, exe, 0, 1) == -1 || add_preloads(fs, exe) == -1)
			return -1;
	}
	return 0;
}

int
protect_reload(struct fsctx *fs, const struct policy *p, const char *const *audit, size_t naudit)
{
	if (fs->protect == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (policy_foreach_file(p, add_policy_file, fs) != 0 || add_audit(fs, audit, naudit) == -1)
		return -1;
	return 0;
}

void
protect_free(struct fsctx *fs)
{
	size_t i;

	if (fs->protect == NULL)
		return;
	for (i = 0; i < fs->protect->n; i++)
		free(fs->protect->v[i].path);
	free(fs->protect);
	fs->protect = NULL;
}

/* Is canon a folder above path ("/a" above "/a/b")? */
static int
above(const char *canon, const char *path)
{
	size_t n = strlen(canon);

	if (n == 1)
		return path[1] != '\0'; /* "/" is above everything else */
	return strncmp(canon, path, n) == 0 && path[n] == '/';
}

int
protect_check(const struct fsctx *fs, const char *canon, const struct stat *st,
    enum protect_use use)
{
	const struct protect *pr = fs->protect;
	size_t i, n;

	if (pr == NULL)
		return 0;
	n = __atomic_load_n(&pr->n, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++) {
		const struct protect_entry *e = &pr->v[i];

		if (use == PROTECT_READ && !e->unreadable)
			continue;
		if (st != NULL && e->exists && e->dev == st->st_dev && e->ino == st->st_ino)
			return 1;
		if (canon == NULL)
			continue;
		if (strcmp(canon, e->path) == 0 || (use == PROTECT_CHANGE && above(canon, e->path)))
			return 1;
	}
	return 0;
}

int
protect_beneath(const struct fsctx *fs, const char *dir, enum protect_use use)
{
	const struct protect *pr = fs->protect;
	size_t i, n;

	if (pr == NULL)
		return 0;
	n = __atomic_load_n(&pr->n, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++) {
		const struct protect_entry *e = &pr->v[i];

		if (use == PROTECT_READ && !e->unreadable)
			continue;
		if (strcmp(dir, e->path) == 0 || above(dir, e->path))
			return 1;
	}
	return 0;
}
