/*
 * test_resolve.c: walk_path() (broker/core/resolve.c), the broker's path walk,
 * on a scratch tree under /tmp: symlinks (absolute, relative, chains, the
 * 40-link limit, loops), ".." resolved physically (through symlinked
 * folders too) and asked first where walk_path_climb() says, magic links refused, a missing last component (its parent
 * pinned, or with WALK_EXISTING not), a missing or non-folder middle component, trailing slashes,
 * paths and canonical paths at PATH_MAX, and renames racing the walk.
 * Each case says what the walk must give; where the kernel's own lookup
 * gives the same object, the test checks that too (same st_dev and
 * st_ino).  Needs openat2(2) (Linux 5.6)
 * and /proc; no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolve.h"
#include "unit.h"

#define NLINKS 40 /* the chain k0 -> k1 -> ... -> k39 -> d/f: exactly 40 links */

static char S[PATH_MAX]; /* the scratch root, as its canonical path */
static struct fsctx fs;
static int have_fs;

/* S + suffix, in a static buffer of 4 rotating slots. */
static const char *
at(const char *suffix)
{
	static char buf[4][2 * PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s%s", S, suffix);
	return buf[i];
}

static void
mkfile(const char *suffix)
{
	int fd = open(at(suffix), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, suffix, strlen(suffix)), (ssize_t)strlen(suffix));
	close(fd);
}

static void
mkfolder(const char *suffix)
{
	assert_int_equal(mkdir(at(suffix), 0755), 0);
}

static void
mklink(const char *target, const char *suffix)
{
	assert_int_equal(symlink(target, at(suffix)), 0);
}

static int
rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int
setup(void **state)
{
	char tmp[PATH_MAX], name[16], target[PATH_MAX];
	int i, fd;

	(void)state;
	fd = fs_openat2(AT_FDCWD, "/", O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS);
	if (fd == -1)
		return 0; /* no openat2(2): every test skips */
	close(fd);
	if (unit_mkdtemp(tmp, sizeof(tmp), "fbresolve") == -1 || realpath(tmp, S) == NULL)
		return -1;
	/*
	 *	d/f d/sub/g d/up -> ../abs
	 *	abs -> S/d   rel -> d   subl -> d/sub   tofile -> d/f
	 *	k0 -> k1 -> ... -> k39 -> d/f   kx -> k0 (41 links)
	 *	loop1 -> loop2 -> loop1   self -> self
	 *	dangle -> d/new   magic -> /proc/self/fd/0   procself -> /proc/self
	 */
	mkfolder("/d");
	mkfile("/d/f");
	mkfolder("/d/sub");
	mkfile("/d/sub/g");
	mklink("../abs", "/d/up");
	mklink(at("/d"), "/abs");
	mklink("d", "/rel");
	mklink("d/sub", "/subl");
	mklink("d/f", "/tofile");
	for (i = 0; i < NLINKS; i++) {
		if (i == NLINKS - 1)
			snprintf(target, sizeof(target), "d/f");
		else
			snprintf(target, sizeof(target), "k%d", i + 1);
		snprintf(name, sizeof(name), "/k%d", i);
		mklink(target, name);
	}
	mklink("k0", "/kx");
	mklink("loop2", "/loop1");
	mklink("loop1", "/loop2");
	mklink("self", "/self");
	mklink("d/new", "/dangle");
	mklink("/proc/self/fd/0", "/magic");
	mklink("/proc/self", "/procself");
	if (fsctx_init(&fs) == -1)
		return -1;
	have_fs = 1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (have_fs)
		fsctx_close(&fs);
	if (S[0] != '\0')
		nftw(S, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void
need_fs(void)
{
	if (!have_fs) {
		print_message("no openat2(2) (Linux 5.6): walk_path cannot run here\n");
		skip();
	}
}

/* The object path names, as the kernel's own lookup finds it (following a
 * last symlink when follow), must be what fd pins. */
static void
same_as_kernel(int fd, const char *path, int follow)
{
	struct stat a, b;

	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(follow ? stat(path, &b) : lstat(path, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/* path resolves to the existing object canon (S-relative when it starts
 * with '/' and S is not in it: pass full paths from at()). */
static void
resolves(const char *path, int flags, const char *canon)
{
	struct walk w;
	int r;

	r = walk_path(&fs, path, getpid(), gettid(), flags, &w);
	if (r != 0)
		fail_msg("%s: %s, expected %s", path, strerror(-r), canon);
	assert_string_equal(w.canon, canon);
	assert_true(w.fd >= 0);
	same_as_kernel(w.fd, canon, 0);
	walk_release(&w);
}

static void
refused(const char *path, int flags, int err)
{
	struct walk w;
	int r;

	r = walk_path(&fs, path, getpid(), gettid(), flags, &w);
	if (r != -err)
		fail_msg("%s: got %s (canon %s), expected %s", path,
		    r == 0 ? "success" : strerror(-r), w.canon, strerror(err));
	/* w.fd may still pin what was found (a file where a folder was
	 * asked for): walk_release() closes it, as after every walk. */
	walk_release(&w);
}

/* The last component of path is missing: its folder dir is pinned. */
static void
missing(const char *path, int flags, const char *canon, const char *dir, const char *name)
{
	struct walk w;
	int r;

	r = walk_path(&fs, path, getpid(), gettid(), flags, &w);
	if (r != 0)
		fail_msg("%s: %s, expected a missing last component", path, strerror(-r));
	assert_int_equal(w.fd, -1);
	assert_true(w.dirfd >= 0);
	assert_string_equal(w.canon, canon);
	assert_string_equal(w.name, name);
	same_as_kernel(w.dirfd, dir, 0);
	walk_release(&w);
}

static void
test_plain(void **state)
{
	(void)state;
	need_fs();
	resolves(at("/d/f"), 0, at("/d/f"));
	resolves(at("/d/sub/g"), 0, at("/d/sub/g"));
	resolves(at(""), 0, S);
	resolves("/", 0, "/");
	resolves(at("//d///./sub/./g"), 0, at("/d/sub/g"));
	refused("d/f", 0, EINVAL);
	refused("", 0, EINVAL);
}

static void
test_symlinks(void **state)
{
	(void)state;
	need_fs();
	/* Absolute, relative, in the middle and last, a chain of three. */
	resolves(at("/abs/f"), 0, at("/d/f"));
	resolves(at("/rel/sub/g"), 0, at("/d/sub/g"));
	resolves(at("/subl/g"), 0, at("/d/sub/g"));
	resolves(at("/tofile"), WALK_FOLLOW, at("/d/f"));
	resolves(at("/d/up/f"), 0, at("/d/f"));
	resolves(at("/d/up"), WALK_FOLLOW, at("/d"));
	resolves(at("/k37"), WALK_FOLLOW, at("/d/f"));
	/* Not followed last: the link itself. */
	resolves(at("/tofile"), 0, at("/tofile"));
	resolves(at("/abs"), 0, at("/abs"));
}

static void
test_link_limit(void **state)
{
	int fd;

	(void)state;
	need_fs();
	/* Linux follows 40 links in one lookup, and so does the walk. */
	fd = open(at("/k0"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(open(at("/kx"), O_RDONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, ELOOP);
	resolves(at("/k0"), WALK_FOLLOW, at("/d/f"));
	refused(at("/kx"), WALK_FOLLOW, ELOOP);
	refused(at("/kx/"), 0, ELOOP);
	refused(at("/loop1"), WALK_FOLLOW, ELOOP);
	refused(at("/loop1/x"), 0, ELOOP);
	refused(at("/self"), WALK_FOLLOW, ELOOP);
	refused(at("/self/"), 0, ELOOP);
	/* Not followed, a loop is just a link. */
	resolves(at("/loop1"), 0, at("/loop1"));
}

static void
test_dotdot(void **state)
{
	(void)state;
	need_fs();
	resolves(at("/d/sub/../f"), 0, at("/d/f"));
	resolves(at("/d/sub/.."), 0, at("/d"));
	resolves(at("/d/sub/../"), 0, at("/d"));
	resolves(at("/d/../d/./sub/../../d/f"), 0, at("/d/f"));
	/* Physical: subl is d/sub, so subl/.. is d, not S. */
	resolves(at("/subl/../f"), 0, at("/d/f"));
	resolves(at("/abs/sub/../sub/g"), 0, at("/d/sub/g"));
	resolves(at("/rel/.."), 0, S);
	/* Above "/" is "/". */
	resolves("/..", 0, "/");
	resolves("/../../..", 0, "/");
	{
		char p[PATH_MAX + 16];

		snprintf(p, sizeof(p), "/../..%s/d/f", S);
		resolves(p, 0, at("/d/f"));
	}
	/* ".." of a file is ENOTDIR, as the kernel has it. */
	refused(at("/d/f/.."), 0, ENOTDIR);
	refused(at("/tofile/../d"), 0, ENOTDIR);
}

/* walk_climb_fn: S/d/sub is the folder the asker may not know of. */
static int
climb_not_sub(void *arg, const struct walk *w)
{
	(*(int *)arg)++;
	return strcmp(w->canon, at("/d/sub")) != 0;
}

/* walk_path_climb() of path with held bytes held: its result, and in
 * *canon what it named. */
static int
climbs(const char *path, size_t held, int *asked, char *canon)
{
	struct walk w;
	int r;

	*asked = 0;
	r = walk_path_climb(&fs, path, held, getpid(), gettid(), WALK_FOLLOW, climb_not_sub, asked,
	    &w);
	snprintf(canon, PATH_MAX, "%s", w.canon);
	walk_release(&w);
	return r;
}

/*
 * A ".." out of a folder the walk went into by name asks first, and a
 * refusal stops the walk there as if the folder were missing; the folder
 * held (the first held bytes) and that of a link followed, with those
 * above them, are climbed out of without asking.
 */
static void
test_climb(void **state)
{
	char canon[PATH_MAX];
	int asked;

	(void)state;
	need_fs();
	assert_int_equal(climbs(at("/d/sub/../f"), 0, &asked, canon), -ENOENT);
	assert_string_equal(canon, at("/d/sub"));
	assert_int_equal(climbs(at("/d/sub/../../d/f"), 0, &asked, canon), -ENOENT);
	/* Out of d (asked, allowed), not into sub. */
	assert_int_equal(climbs(at("/d/../d/f"), 0, &asked, canon), 0);
	assert_string_equal(canon, at("/d/f"));
	assert_int_equal(asked, 1);
	/* sub held: its "..", and d's, ask nothing. */
	assert_int_equal(climbs(at("/d/sub/../../d/f"), strlen(at("/d/sub")), &asked, canon), 0);
	assert_string_equal(canon, at("/d/f"));
	assert_int_equal(asked, 0);
	/* A link's target goes into sub by name: asked, refused. */
	assert_int_equal(climbs(at("/subl/../f"), 0, &asked, canon), -ENOENT);
	assert_string_equal(canon, at("/d/sub"));
	/* A link in sub: its folder is where the walk was taken. */
	mklink("../f", "/d/sub/upf");
	assert_int_equal(climbs(at("/d/sub/upf"), 0, &asked, canon), 0);
	assert_string_equal(canon, at("/d/f"));
	assert_int_equal(asked, 0);
	assert_int_equal(unlink(at("/d/sub/upf")), 0);
}

static void
test_magic(void **state)
{
	char p[64], canon[64];
	struct walk w;
	int fd;

	(void)state;
	need_fs();
	fd = open(at("/d/f"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	/* Followed, a magic link is refused: it names an object, not a path. */
	refused(p, WALK_FOLLOW, EACCES);
	refused("/proc/self/cwd", WALK_FOLLOW, EACCES);
	refused("/proc/self/cwd/", 0, EACCES);
	refused("/proc/self/root/etc", 0, EACCES);
	refused("/proc/thread-self/exe", WALK_FOLLOW, EACCES);
	refused(at("/magic"), WALK_FOLLOW, EACCES);
	/* Through a symlink to /proc/self: the worker's own, still magic. */
	snprintf(p, sizeof(p), "%s", at("/procself/cwd/x"));
	refused(p, 0, EACCES);
	/* Not followed, the link itself: nothing is opened through it. */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	snprintf(canon, sizeof(canon), "/proc/%ld/fd/%d", (long)getpid(), fd);
	assert_int_equal(walk_path(&fs, p, getpid(), gettid(), 0, &w), 0);
	assert_string_equal(w.canon, canon);
	assert_true(S_ISLNK(w.st.st_mode));
	walk_release(&w);
	/* /proc/self is the worker's (the pid given), never the broker's. */
	snprintf(canon, sizeof(canon), "/proc/%ld/status", (long)getpid());
	resolves("/proc/self/status", 0, canon);
	snprintf(canon, sizeof(canon), "/proc/%ld/task/%ld/comm", (long)getpid(), (long)gettid());
	resolves("/proc/thread-self/comm", 0, canon);
	snprintf(canon, sizeof(canon), "/proc/%ld/status", (long)getpid());
	resolves("/proc/self/../self/status", 0, canon);
	resolves(at("/procself/status"), 0, canon);
	assert_int_equal(walk_path(&fs, "/proc/self/status", 0, 0, 0, &w), -EACCES);
	walk_release(&w);
	close(fd);
}

static void
test_missing(void **state)
{
	(void)state;
	need_fs();
	missing(at("/d/nope"), 0, at("/d/nope"), at("/d"), "nope");
	missing(at("/d/nope"), WALK_FOLLOW, at("/d/nope"), at("/d"), "nope");
	missing(at("/rel/nope"), 0, at("/d/nope"), at("/d"), "nope");
	missing(at("/d/sub/../nope"), 0, at("/d/nope"), at("/d"), "nope");
	/* A dangling link, followed: the name it points to, in its folder. */
	missing(at("/dangle"), WALK_FOLLOW, at("/d/new"), at("/d"), "new");
	resolves(at("/dangle"), 0, at("/dangle"));
	/* A trailing slash: still only the last component is missing. */
	missing(at("/d/nope/"), 0, at("/d/nope"), at("/d"), "nope");
	/* A missing or non-folder middle component. */
	refused(at("/nope/x"), 0, ENOENT);
	refused(at("/nope/../d"), 0, ENOENT);
	refused(at("/d/f/x"), 0, ENOTDIR);
	refused(at("/tofile/x"), 0, ENOTDIR);
	refused(at("/dangle/x"), 0, ENOENT);
}

/* WALK_EXISTING: the same answers as test_missing()'s, but a missing last
 * component found on the fast path pins no folder (one statx() instead
 * of an openat2() of the folder and its close). */
static void
missing_unpinned(const char *path, int flags, const char *canon)
{
	struct walk w;
	int r;

	r = walk_path(&fs, path, getpid(), gettid(), flags | WALK_EXISTING, &w);
	if (r != 0)
		fail_msg("%s: %s, expected a missing last component", path, strerror(-r));
	assert_int_equal(w.fd, -1);
	assert_int_equal(w.dirfd, -1);
	assert_string_equal(w.canon, canon);
	walk_release(&w);
}

static void
test_existing(void **state)
{
	struct walk w;

	(void)state;
	need_fs();
	missing_unpinned(at("/d/nope"), 0, at("/d/nope"));
	missing_unpinned(at("/d/nope"), WALK_FOLLOW, at("/d/nope"));
	missing_unpinned(at("/d/sub/nope"), 0, at("/d/sub/nope"));
	missing_unpinned(at("/d/nope/"), 0, at("/d/nope"));
	/* Through a symlink or "..": the slow walk, which pins the folder it
	 * reached on its way; the answer is the same. */
	assert_int_equal(walk_path(&fs, at("/rel/nope"), getpid(), gettid(), WALK_EXISTING, &w), 0);
	assert_int_equal(w.fd, -1);
	assert_string_equal(w.canon, at("/d/nope"));
	walk_release(&w);
	assert_int_equal(walk_path(&fs, at("/d/sub/../nope"), getpid(), gettid(), WALK_EXISTING,
			     &w),
	    0);
	assert_string_equal(w.canon, at("/d/nope"));
	walk_release(&w);
	/* A missing or non-folder middle component, as without it. */
	refused(at("/nope/x"), WALK_EXISTING, ENOENT);
	refused(at("/d/nope/x"), WALK_EXISTING, ENOENT);
	refused(at("/d/f/x"), WALK_EXISTING, ENOTDIR);
	refused(at("/tofile/x"), WALK_EXISTING, ENOTDIR);
	refused(at("/dangle/x"), WALK_EXISTING, ENOENT);
	/* An existing object is pinned as ever. */
	resolves(at("/d/f"), WALK_EXISTING, at("/d/f"));
	/* WALK_PARENT wins: the folder is wanted. */
	missing(at("/d/nope"), WALK_EXISTING | WALK_PARENT, at("/d/nope"), at("/d"), "nope");
}

static void
test_trailing(void **state)
{
	struct walk w;

	(void)state;
	need_fs();
	resolves(at("/d/"), 0, at("/d"));
	resolves(at("/d/."), 0, at("/d"));
	resolves(at("/d/sub//"), 0, at("/d/sub"));
	/* A trailing slash follows a last symlink, which must be a folder. */
	resolves(at("/rel/"), 0, at("/d"));
	resolves(at("/rel/."), 0, at("/d"));
	refused(at("/d/f/"), 0, ENOTDIR);
	refused(at("/d/f/."), 0, ENOTDIR);
	refused(at("/tofile/"), 0, ENOTDIR);
	refused(at("/tofile/"), WALK_FOLLOW, ENOTDIR);
	assert_int_equal(walk_path(&fs, at("/d/"), getpid(), gettid(), 0, &w), 0);
	assert_true(w.must_dir);
	walk_release(&w);
	assert_int_equal(walk_path(&fs, at("/d"), getpid(), gettid(), 0, &w), 0);
	assert_false(w.must_dir);
	walk_release(&w);
}

static void
test_parent(void **state)
{
	struct walk w;

	(void)state;
	need_fs();
	/* WALK_PARENT: the object and its folder, by name. */
	assert_int_equal(walk_path(&fs, at("/abs/sub/g"), getpid(), gettid(), WALK_PARENT, &w), 0);
	assert_string_equal(w.canon, at("/d/sub/g"));
	assert_string_equal(w.name, "g");
	same_as_kernel(w.fd, at("/d/sub/g"), 0);
	same_as_kernel(w.dirfd, at("/d/sub"), 0);
	walk_release(&w);
	assert_int_equal(walk_path(&fs, at("/subl/../f"), getpid(), gettid(), WALK_PARENT, &w), 0);
	assert_string_equal(w.canon, at("/d/f"));
	assert_string_equal(w.name, "f");
	same_as_kernel(w.dirfd, at("/d"), 0);
	walk_release(&w);
	/* "/" has no parent. */
	assert_int_equal(walk_path(&fs, "/", getpid(), gettid(), WALK_PARENT, &w), 0);
	assert_int_equal(w.dirfd, -1);
	walk_release(&w);
}

/* Folders named 255 x letter under S/deep, as deep as a canonical path
 * shorter than PATH_MAX allows; their path below S into rel.  Returns the
 * canonical path's length. */
static size_t
deep_tree(char *rel, size_t size)
{
	char name[NAME_MAX + 1];
	size_t len = 0;
	int dir, next, i, n;

	n = (int)((PATH_MAX - 1 - strlen(S) - strlen("/deep")) / (NAME_MAX + 1));
	mkfolder("/deep");
	dir = open(at("/deep"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir >= 0);
	len = (size_t)snprintf(rel, size, "deep");
	for (i = 0; i < n; i++) {
		memset(name, 'a' + i, NAME_MAX);
		name[NAME_MAX] = '\0';
		assert_int_equal(mkdirat(dir, name, 0755), 0);
		next = openat(dir, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(dir);
		dir = next;
		assert_true(len + 1 + NAME_MAX < size);
		len += (size_t)snprintf(rel + len, size - len, "/%s", name);
	}
	close(dir);
	return strlen(S) + 1 + len;
}

static void
test_path_max(void **state)
{
	char p[PATH_MAX + 64], rel[PATH_MAX];
	size_t len, m;
	struct walk w;

	(void)state;
	need_fs();
	/* An input of PATH_MAX - 1 bytes: fine, as it is for the kernel. */
	snprintf(p, sizeof(p), "%s", S);
	len = strlen(S);
	while (len + 2 + strlen("/d/f") <= PATH_MAX - 1) {
		memcpy(p + len, "/.", 2);
		len += 2;
	}
	while (len + strlen("/d/f") < PATH_MAX - 1)
		p[len++] = '/';
	memcpy(p + len, "/d/f", 5);
	assert_int_equal(strlen(p), PATH_MAX - 1);
	resolves(p, 0, at("/d/f"));
	/* The same through the slow walk. */
	memcpy(p + len - 5, "/d/..", 5);
	resolves(p, 0, at("/d/f"));
	/* A component of NAME_MAX bytes is a name; one more is too long. */
	snprintf(p, sizeof(p), "%s/d/", S);
	len = strlen(p);
	memset(p + len, 'n', NAME_MAX);
	p[len + NAME_MAX] = '\0';
	missing(p, 0, p, at("/d"), p + len);
	p[len + NAME_MAX] = 'n';
	p[len + NAME_MAX + 1] = '\0';
	refused(p, 0, ENAMETOOLONG);
	memcpy(p + len + NAME_MAX + 1, "/..", 4); /* also when ".." would drop it */
	refused(p, 0, ENAMETOOLONG);
	/* A canonical path that reaches PATH_MAX is too long, even where the
	 * kernel (which walks by descriptor) would find the object: S/long is
	 * a folder whose canonical path is just short enough. */
	len = deep_tree(rel, sizeof(rel));
	assert_true(len < PATH_MAX && len + 1 + NAME_MAX >= PATH_MAX);
	assert_int_equal(symlink(rel, at("/long")), 0);
	assert_int_equal(walk_path(&fs, at("/long"), getpid(), gettid(), WALK_FOLLOW, &w), 0);
	assert_int_equal(strlen(w.canon), len);
	assert_true(S_ISDIR(w.st.st_mode));
	walk_release(&w);
	/* A name in it that makes canon + "/" + name one byte too long. */
	m = PATH_MAX - len - 1;
	if (m == 0)
		m = 1;
	snprintf(p, sizeof(p), "%s/long/", S);
	len = strlen(p);
	memset(p + len, 'z', m);
	p[len + m] = '\0';
	refused(p, 0, ENAMETOOLONG);
	refused(p, WALK_FOLLOW, ENAMETOOLONG);
}

/*
 * Renames racing the walk.  A racer thread moves the folder S/race/a/b to
 * S/race/b and back, round after round, while walks of paths through
 * "a/b/.." run.  After each batch of walks the racer is paused between two
 * rounds (the tree as it was made) and every result is checked: a walk
 * either failed with ENOENT (b was away) or its canonical path names the
 * object it pinned (a fresh stat() of the canonical path finds the same
 * st_dev and st_ino), and no pinned object is outside S/race.  A walk that
 * resolved ".." through b's parent of the moment would name S/race/a/f
 * and hold S/race/f, or name S/race/f and hold S/f, outside.
 */
struct racer {
	char from[PATH_MAX], to[PATH_MAX];
	int stop, pause, paused, error;
	unsigned long rounds;
};

static void *
racer_run(void *arg)
{
	struct racer *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&r->pause, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&r->paused, 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&r->pause, __ATOMIC_ACQUIRE) &&
			    !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
				sched_yield();
			__atomic_store_n(&r->paused, 0, __ATOMIC_RELEASE);
			continue;
		}
		if (rename(r->from, r->to) == -1 || rename(r->to, r->from) == -1) {
			r->error = errno;
			break;
		}
		r->rounds++;
	}
	__atomic_store_n(&r->paused, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* fd's object is in folder dir (the kernel's name for it says so). */
static int
inside(int fd, const char *dir)
{
	char link[64], name[PATH_MAX];
	ssize_t n;
	size_t dl = strlen(dir);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, name, sizeof(name) - 1)) < 0)
		return 0;
	name[n] = '\0';
	return strncmp(name, dir, dl) == 0 && (name[dl] == '/' || name[dl] == '\0');
}

static int
same_object(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

#define RACE_BATCH 64
#define RACE_SECONDS 2
#define RACE_SECONDS_MAX 20

static void
test_rename_race(void **state)
{
	static struct walk w[RACE_BATCH];
	const char *paths[3], *canon[3];
	char race[PATH_MAX], dir[PATH_MAX];
	unsigned long walks = 0, pinned = 0, gone = 0, wrong = 0, escaped = 0;
	int r[RACE_BATCH], i, k;
	struct racer rc;
	struct timespec t0, t;
	pthread_t th;

	(void)state;
	need_fs();
	mkfolder("/race");
	mkfolder("/race/a");
	mkfolder("/race/a/b");
	mkfile("/race/a/f");
	mkfile("/race/f");
	mkfile("/f"); /* outside S/race: no walk below may reach it */
	snprintf(race, sizeof(race), "%s", at("/race"));
	paths[0] = strdup(at("/race/a/b/../f"));
	canon[0] = strdup(at("/race/a/f"));
	paths[1] = strdup(at("/race/a/b/../../f"));
	canon[1] = strdup(at("/race/f"));
	paths[2] = strdup(at("/race/a/b/../../new")); /* missing: its folder pinned */
	canon[2] = strdup(at("/race/new"));
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.from, sizeof(rc.from), "%s", at("/race/a/b"));
	snprintf(rc.to, sizeof(rc.to), "%s", at("/race/b"));
	assert_int_equal(pthread_create(&th, NULL, racer_run, &rc), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < RACE_BATCH; i++)
			r[i] = walk_path(&fs, paths[i % 3], getpid(), gettid(),
			    i % 2 ? WALK_PARENT : 0, &w[i]);
		__atomic_store_n(&rc.pause, 1, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&rc.paused, __ATOMIC_ACQUIRE))
			sched_yield();
		for (i = 0; i < RACE_BATCH; i++) {
			k = i % 3;
			walks++;
			if (r[i] == -ENOENT) {
				gone++;
			} else if (r[i] != 0) {
				fail_msg("%s: %s", paths[k], strerror(-r[i]));
			} else if (strcmp(w[i].canon, canon[k]) != 0) {
				fail_msg("%s: canonical path %s", paths[k], w[i].canon);
			} else if (w[i].fd >= 0) {
				pinned++;
				wrong += !same_object(w[i].fd, canon[k]);
				escaped += !inside(w[i].fd, race);
			} else {
				pinned++;
				snprintf(dir, sizeof(dir), "%s", canon[k]);
				*strrchr(dir, '/') = '\0';
				wrong += w[i].dirfd < 0 || !same_object(w[i].dirfd, dir);
				escaped += w[i].dirfd < 0 || !inside(w[i].dirfd, race);
			}
			walk_release(&w[i]);
		}
		__atomic_store_n(&rc.pause, 0, __ATOMIC_RELEASE);
		clock_gettime(CLOCK_MONOTONIC, &t);
		/* On a loaded machine the racer may lag: go on until a walk
		 * has met b away, for at most RACE_SECONDS_MAX. */
	} while ((t.tv_sec - t0.tv_sec < RACE_SECONDS ||
		     (gone == 0 && t.tv_sec - t0.tv_sec < RACE_SECONDS_MAX)) &&
	    !rc.error);
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	print_message("%lu walks, %lu racer rounds: %lu pinned, %lu ENOENT, %lu named another "
		      "object, %lu outside S/race\n",
	    walks, rc.rounds, pinned, gone, wrong, escaped);
	assert_int_equal(rc.error, 0);
	assert_int_equal(wrong, 0);
	assert_int_equal(escaped, 0);
	/* The race was run: both outcomes were seen. */
	assert_true(pinned > 0 && gone > 0);
	for (k = 0; k < 3; k++) {
		free((void *)paths[k]);
		free((void *)canon[k]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_link_limit),
		cmocka_unit_test(test_dotdot),
		cmocka_unit_test(test_climb),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_existing),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_path_max),
		cmocka_unit_test(test_rename_race),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
