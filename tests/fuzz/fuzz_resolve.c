/*
 * fuzz_resolve.c: the broker's path walk (walk_path(), broker/core/resolve.c)
 * against the kernel's own.
 *
 * A fixed tree is made at start in a fresh folder under /tmp, with symlinks
 * absolute and relative, to files and folders, dangling, in loops, a chain
 * longer than the 40 links a lookup may follow, and links whose target has
 * "..".  The walk runs with that folder as its root (fsctx.root), so an
 * absolute link and a ".." above the top stay in the tree; the kernel's
 * lookup of the same bytes is openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from the same folder, the same rules.  The input
 * is one byte of flags (bit 0 WALK_FOLLOW, bit 1 WALK_PARENT, bit 2: the
 * path as given, else "/" is put before it) and the path's bytes.
 *
 * The two must agree (abort() otherwise):
 *	walk found the object   the kernel found the same one (st_dev and
 *	                        st_ino), its name for it (/proc/self/fd) is
 *	                        the canonical path, a trailing slash gave a
 *	                        folder, and a parent pinned is the canonical
 *	                        path's folder
 *	walk: last one missing  the kernel says ENOENT, the canonical path's
 *	                        folder is what was pinned, its last component
 *	                        is the name and is not there
 *	walk failed, errno E    the kernel failed with E too
 * A relative path is EINVAL.  ENAMETOOLONG may differ: the walk refuses a
 * component longer than NAME_MAX wherever it is, before any lookup, and a
 * path that grows past PATH_MAX as links are spliced in.  Seeds:
 * tests/fuzz/corpus/fuzz_resolve/.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tree: folders, files, and links as "name\0target". */
static const char *const folders[] = { "d", "d/sub", "d/sub/deeper", "e", "e/x" };
static const char *const files[] = { "f", "d/f", "d/sub/g", "e/x/h" };
static const char *const links[][2] = {
	{ "rel", "d" },		       /* relative, to a folder */
	{ "abs", "/d/sub" },	       /* absolute: the tree's root */
	{ "tofile", "d/f" },	       /* to a file */
	{ "up", ".." },		       /* above the top: the top */
	{ "d/sub/back", "../../rel" }, /* .. then another link */
	{ "d/sub/root", "/" },
	{ "d/here", "." },
	{ "e/x/far", "../../abs/deeper" },
	{ "loop1", "loop2" },
	{ "loop2", "loop1" },
	{ "self", "self" },
	{ "dangle", "d/new" },
	{ "dangle2", "/nope/new" },
	{ "slash", "d/" },
	{ "dots", "d/./sub/../f" },
};
#define CHAIN 42 /* c0 -> c1 -> ... -> c41 -> d: 42 links, past the 40 */

static char root[PATH_MAX];
static size_t rootlen;
static int rootfd = -1;
static struct fsctx fs;

static int
rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static void
rm_tree(void)
{
	if (root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
make_tree(void)
{
	char tmp[PATH_MAX], name[16], target[16];
	size_t i;
	int fd;

	snprintf(tmp, sizeof(tmp), "/tmp/fbfuzz_resolve.XXXXXX");
	if (mkdtemp(tmp) == NULL || realpath(tmp, root) == NULL)
		abort();
	rootlen = strlen(root);
	atexit(rm_tree);
	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		abort();
	for (i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		if (mkdirat(rootfd, folders[i], 0755) == -1)
			abort();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((fd = openat(rootfd, files[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			 0644)) == -1)
			abort();
		close(fd);
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], rootfd, links[i][0]) == -1)
			abort();
	for (i = 0; i < CHAIN; i++) {
		snprintf(name, sizeof(name), "c%zu", i);
		if (i + 1 < CHAIN)
			snprintf(target, sizeof(target), "c%zu", i + 1);
		else
			snprintf(target, sizeof(target), "d");
		if (symlinkat(target, rootfd, name) == -1)
			abort();
	}
	/* The walk's root is the tree's top, as RESOLVE_IN_ROOT's. */
	if (fsctx_init(&fs) == -1)
		abort();
	close(fs.root);
	if ((fs.root = fcntl(rootfd, F_DUPFD_CLOEXEC, 0)) == -1)
		abort();
}

/* The kernel's lookup of path in the tree, O_PATH; -1 with errno.  EAGAIN
 * is a rename anywhere on the machine during a ".." (RESOLVE_IN_ROOT
 * cannot then vouch for it): asked again.  So is ELOOP, a few times: a
 * lookup that a rename elsewhere sends from RCU mode to its retry in
 * ref-walk mode keeps the links it counted in the first try (the count is
 * set once per lookup), so a chain of 21 to 40 links can fail with ELOOP
 * under load and resolve when asked again; a real loop fails every time. */
static int
kernel_open(const char *path, int follow)
{
	int fd, tries = 0, loops = 0;

	for (;;) {
		fd = fs_openat2(rootfd, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd == -1 && errno == EAGAIN && ++tries < 100)
			continue;
		if (fd == -1 && errno == ELOOP && ++loops < 10)
			continue;
		return fd;
	}
}

static int
same_object(int a, int b)
{
	struct stat x, y;

	if (fstat(a, &x) == -1 || fstat(b, &y) == -1)
		abort();
	return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* The kernel's name for fd, relative to the tree: "/" for its top. */
static void
kernel_name(int fd, char *out, size_t size)
{
	char link[64], name[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, name, sizeof(name) - 1)) < 0)
		abort();
	name[n] = '\0';
	if (strncmp(name, root, rootlen) != 0 || (name[rootlen] != '/' && name[rootlen] != '\0'))
		abort(); /* the kernel left the tree: the oracle is broken */
	snprintf(out, size, "%s", name[rootlen] == '\0' ? "/" : name + rootlen);
}

/* The canonical path's folder, as the kernel finds it, must be dirfd, and
 * its last component name. */
static void
check_parent(const struct walk *w)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(w->canon, '/');
	int k;

	if (slash == NULL || strcmp(slash + 1, w->name) != 0)
		abort();
	snprintf(dir, sizeof(dir), "%.*s", slash == w->canon ? 1 : (int)(slash - w->canon),
	    w->canon);
	if ((k = kernel_open(dir, 0)) == -1)
		abort();
	if (!same_object(k, w->dirfd))
		abort();
	close(k);
}

/* The longest component of path. */
static size_t
longest(const char *path)
{
	size_t max = 0, n;

	while (*path != '\0') {
		n = strcspn(path, "/");
		if (n > max)
			max = n;
		path += n;
		path += strspn(path, "/");
	}
	return max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX], name[PATH_MAX];
	struct walk w;
	size_t n, off;
	int flags, raw, r, k, kerr;

	if (rootfd == -1)
		make_tree();
	if (size < 1)
		return 0;
	flags = data[0] & (WALK_FOLLOW | WALK_PARENT);
	raw = data[0] & 4;
	data++;
	size--;
	off = raw ? 0 : 1;
	path[0] = '/';
	/* Shorter than PATH_MAX, as the kernel takes it; cut at a NUL. */
	n = size < sizeof(path) - 1 - off ? size : sizeof(path) - 1 - off;
	memcpy(path + off, data, n);
	path[off + n] = '\0';

	r = walk_path(&fs, path, getpid(), gettid(), flags, &w);
	if (path[0] != '/') {
		if (r != -EINVAL)
			abort();
		walk_release(&w);
		return 0;
	}
	k = kernel_open(path, (flags & WALK_FOLLOW) != 0);
	kerr = k == -1 ? errno : 0;
	if (kerr == EAGAIN) {
		/* Renames elsewhere kept the kernel from vouching for a ".."
		 * every time it was asked: no verdict to compare with. */
		walk_release(&w);
		return 0;
	}
	if (r == 0 && w.fd >= 0) {
		if (k == -1 || !same_object(w.fd, k))
			abort();
		kernel_name(k, name, sizeof(name));
		if (strcmp(name, w.canon) != 0)
			abort();
		if (w.must_dir && !S_ISDIR(w.st.st_mode))
			abort();
		if (w.dirfd >= 0)
			check_parent(&w);
	} else if (r == 0) {
		/* Only the last component is missing. */
		if (kerr != ENOENT || w.dirfd < 0)
			abort();
		check_parent(&w);
		if ((k = kernel_open(w.canon, 0)) != -1 || errno != ENOENT)
			abort();
	} else if (r == -ENAMETOOLONG) {
		/* A component longer than NAME_MAX anywhere is refused before
		 * anything is looked up (the kernel may first meet a missing
		 * folder); a path spliced with link targets past PATH_MAX
		 * (the kernel stacks links, not strings) too.  The tree's
		 * targets are short: 40 of them add less than 1 KiB. */
		if (kerr != ENAMETOOLONG && longest(path) <= NAME_MAX &&
		    strlen(path) + 1024 < PATH_MAX)
			abort();
	} else if (-r != kerr)
		abort();
	if (k >= 0)
		close(k);
	walk_release(&w);
	return 0;
}
