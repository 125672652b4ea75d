/*
 * private_tmp.c: run's private temporary folder (private_tmp.h).
 *
 * Making it.  The parent is checked (as root: nobody but root may change
 * it or a folder above it, unless it is sticky), held by an O_PATH
 * descriptor, and the folder is made in it with mkdirat() under a random
 * name (getrandom), 0700, then opened with O_NOFOLLOW and checked to be the
 * folder made: ours, a folder.  It is given to the worker's user by that
 * descriptor (fchown), never by name.
 *
 * Removing it.  The broker is root, and the tree is the worker's: whatever
 * the worker left there (a symlink to /, a folder moved in from elsewhere,
 * a tree deeper than any path) must be removed without ever acting outside
 * it.  So the removal is not the broker's.  A keeper process is made with
 * the folder, before the broker confines itself (its seccomp filter allows
 * no fork): it leaves the broker's session and process tree (a grandchild
 * in a session of its own, so neither the terminal's signals nor the
 * broker's killing of its leftovers reach it), keeps only its pipes, the
 * parent and the folder, and confines itself with Landlock to listing and
 * removing beneath the folder (and removing the folder's own entry from
 * its parent).  When the broker tells it the worker's credentials, it
 * becomes the worker's user: it can then remove nothing the worker could
 * not.  When the broker's end of its pipe closes (the run ended, or the
 * broker died, of SIGKILL too), it removes the tree:
 *
 *   - by descriptor from the folder's own, held since it was made: an entry
 *     is unlinked with unlinkat() (which never follows a symlink: a symlink
 *     to / is removed as a link); a folder (EISDIR) is opened relative to
 *     its parent's descriptor with openat2(RESOLVE_BENEATH |
 *     RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV), so that neither a symlink
 *     swapped in meanwhile nor a mount point is entered, emptied the same
 *     way and removed;
 *   - at most PRIVATE_TMP_DEPTH_MAX levels deep, so that the descriptors
 *     held stay bounded: a folder deeper than that is moved up to the top
 *     of the tree (renameat2(RENAME_NOREPLACE)) and removed from there, so
 *     that any depth is removed with bounded descriptors and stack;
 *   - a folder the worker made unreadable or unwritable is given back its
 *     owner's bits first (the worker's user owns it);
 *   - the folder itself last, from its parent, only if that name is still
 *     the folder made (the same inode as the descriptor held).
 *
 * What cannot be removed (a mount, something the worker's user may not
 * remove) is left and said; its name, filebroker.XXXXXX in the host's
 * temporary folder, lets systemd-tmpfiles or tmpreaper clean it later.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "policy.h"
#include "private_tmp.h"

/* Levels below the folder walked with a descriptor each; deeper folders
 * are moved up (above). */
#define PRIVATE_TMP_DEPTH_MAX 32
/* Moves up, and passes over one folder that make progress: bounds against
 * a process of the worker's user that keeps adding while the keeper
 * removes. */
#define PRIVATE_TMP_MOVES_MAX (1ul << 20)
#define PRIVATE_TMP_PASSES_MAX 1000

/* The worker's credentials, from the broker to the keeper. */
struct keeper_creds {
	uid_t uid;
	gid_t gid;
};

/* ---- the parent ---- */

/*
 * As root: can another user change the folder path or one above it (owned
 * by another uid, or writable by its group or by anyone, and not sticky)?
 * 0 when not, -1 after saying which and how to fix it.  path is canonical.
 */
static int
parent_check(const char *path, const char *what)
{
	char walk[PATH_MAX], *slash;
	struct stat st;
	size_t len;

	if (geteuid() != 0)
		return 0;
	snprintf(walk, sizeof(walk), "%s", path);
	for (;;) {
		if (lstat(walk, &st) == -1) {
			log_warn("run: %s: %s", what, walk);
			return -1;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			log_warnx("run: %s: the folder %s is owned by uid %lu, who could put a "
				  "folder "
				  "of their own in place of the run's temporary folder and read "
				  "what the worker writes there; use --tmp with a folder of root's "
				  "(or chown root %s)",
			    what, walk, (unsigned long)st.st_uid, walk);
			return -1;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			log_warnx("run: %s: the folder %s is writable by %s (mode %04o) and not "
				  "sticky: others could put a folder of their own in place of the "
				  "run's temporary folder; use --tmp with another folder (or chmod "
				  "go-w %s, or +t)",
			    what, walk, st.st_mode & S_IWOTH ? "anyone" : "its group",
			    (unsigned)(st.st_mode & 07777), walk);
			return -1;
		}
		if (strcmp(walk, "/") == 0)
			return 0;
		slash = strrchr(walk, '/');
		len = slash == walk ? 1 : (size_t)(slash - walk);
		walk[len] = '\0';
	}
}

int
private_tmp_parent(struct private_tmp *t, const char *opt)
{
	const char *env = getenv("TMPDIR");
	char real[PATH_MAX];
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->dirfd = t->go = t->done = -1;
	if (opt != NULL) {
		if (realpath(opt, real) == NULL) {
			log_warn("run: --tmp %s", opt);
			return -1;
		}
		if (stat(real, &st) == -1 || !S_ISDIR(st.st_mode)) {
			log_warnx("run: --tmp %s: not a folder (it names the folder to make the "
				  "run's temporary folder in)",
			    opt);
			return -1;
		}
		if (parent_check(real, "--tmp") == -1)
			return -1;
	} else if (env != NULL && env[0] == '/' && realpath(env, real) != NULL &&
	    stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (parent_check(real, "TMPDIR") == -1) {
			log_warnx("run: TMPDIR=%s not used: the run's temporary folder is made in "
				  "/tmp",
			    env);
			snprintf(real, sizeof(real), "/tmp");
		}
	} else {
		if (env != NULL && env[0] != '\0')
			log_info("run: TMPDIR=%s is not a folder: the run's temporary folder is "
				 "made "
				 "in /tmp",
			    env);
		snprintf(real, sizeof(real), "/tmp");
	}
	/* Room for "/filebroker.XXXXXX" and a name below it. */
	if (strlen(real) + sizeof(PRIVATE_TMP_PREFIX) + PRIVATE_TMP_RANDOM + 2 > PATH_MAX / 2) {
		log_warnx("run: %s: too long a name for the run's temporary folder's parent", real);
		return -1;
	}
	snprintf(t->parent, sizeof(t->parent), "%s", real);
	return 0;
}

char *
private_tmp_rules(const char *path)
{
	char esc[2 * PATH_MAX + 1], *text;

	if (policy_escape(path, esc, sizeof(esc)) < 0)
		return NULL;
	/* Everything but exec, which would let the worker run what it wrote
	 * and so undo the policy's exec rules; created files keep at most
	 * their owner's bits (the folder is the worker's alone anyway).  The
	 * folder itself stays until the keeper removes it. */
	if (asprintf(&text,
		"allow read,write,create,delete,list %s/** mode=0700\n"
		"deny delete %s\n",
		esc, esc) == -1)
		return NULL;
	return text;
}

/* ---- the keeper ---- */

/* Close every descriptor above 2 but those in keep (ascending). */
static int
close_others(const int *keep, size_t n)
{
	unsigned lo = 3;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0U) == -1)
			return -1;
		lo = (unsigned)keep[i] + 1;
	}
	return syscall(SYS_close_range, lo, ~0U, 0U) == -1 ? -1 : 0;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Landlock: listing and removing beneath the folder, removing a folder
 * from the parent (the folder's own entry), nothing else. */
static void
keeper_confine(int parentfd, int dirfd)
{
	int abi = landlock_abi(), rs;

	if (abi < 1) {
		log_debug("run: temporary folder keeper: no Landlock (%s)", strerror(errno));
		return;
	}
	/* A failure leaves the other layers (the worker's user, the walk's
	 * own rules): the folder is removed all the same. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    (rs = landlock_ruleset_new(abi, 0)) == -1) {
		log_warn("run: temporary folder keeper: Landlock");
		return;
	}
	if (landlock_ruleset_add_removal(rs, dirfd, 1) == -1 ||
	    landlock_ruleset_add_removal(rs, parentfd, 0) == -1 || landlock_restrict(rs) == -1)
		log_warn("run: temporary folder keeper: Landlock");
	close(rs);
}

/* Become the worker's user: 0, or -1 (the tree is then left as it is: a
 * keeper that could not drop root walks nothing). */
static int
keeper_drop(const struct keeper_creds *c)
{
	if (geteuid() != 0 || c->uid == 0)
		return 0;
	if (setgroups(0, NULL) == -1 || setresgid(c->gid, c->gid, c->gid) == -1 ||
	    setresuid(c->uid, c->uid, c->uid) == -1) {
		log_warn("run: temporary folder keeper: becoming uid %lu", (unsigned long)c->uid);
		return -1;
	}
	if (setresuid(0, 0, 0) != -1) {
		log_warnx("run: temporary folder keeper: could regain root");
		return -1;
	}
	return 0;
}

struct rm {
	int root;	     /* the folder */
	unsigned long moves; /* folders moved up so far */
	unsigned long left;  /* entries that could not be removed */
	int err;	     /* the first error met, for the message */
	char what[64];	     /* what it was doing */
};

static void
rm_note(struct rm *r, const char *what)
{
	if (r->err == 0) {
		r->err = errno;
		snprintf(r->what, sizeof(r->what), "%s", what);
	}
}

/* The folder name in dfd, opened with how's flags, neither through a
 * symlink nor onto another mount. */
static int
open_beneath(int dfd, const char *name, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
	return (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how));
}

/* The owner's bits on a folder of the keeper's user, so that it can be
 * listed and emptied; by descriptor (an O_PATH one through /proc). */
static void
owner_bits(int fd, int opath)
{
	char proc[64];
	struct stat st;
	mode_t m;

	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() || (st.st_mode & 0700) == 0700)
		return;
	m = (st.st_mode & 07777) | 0700;
	if (!opath) {
		(void)fchmod(fd, m);
		return;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	(void)chmod(proc, m);
}

static int rm_contents(struct rm *r, int dfd, int depth);

/* Remove the entry name of dfd (depth levels below the folder): 0 when it
 * is gone (or moved up, to be removed from there), -1 when it stays. */
static int
rm_entry(struct rm *r, int dfd, const char *name, int depth)
{
	char up[64];
	int sub, p, i;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR) {
		rm_note(r, "unlink");
		return -1;
	}
	if (depth + 1 > PRIVATE_TMP_DEPTH_MAX) {
		for (i = 0; i < 1000 && r->moves < PRIVATE_TMP_MOVES_MAX; i++) {
			snprintf(up, sizeof(up), ".filebroker-deep.%lu", r->moves++);
			if (syscall(SYS_renameat2, dfd, name, r->root, up, RENAME_NOREPLACE) == 0)
				return 0;
			if (errno != EEXIST)
				break;
		}
		rm_note(r, "moving a deep folder up");
		return -1;
	}
	if ((sub = open_beneath(dfd, name, O_RDONLY)) == -1 && errno == EACCES &&
	    (p = open_beneath(dfd, name, O_PATH)) != -1) {
		/* Made unreadable: give it its owner's bits back first. */
		owner_bits(p, 1);
		sub = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(p);
	}
	if (sub == -1) {
		if (errno == ENOENT)
			return 0;
		rm_note(r, errno == EXDEV ? "a mount point" : "opening a folder");
		return -1;
	}
	(void)rm_contents(r, sub, depth + 1);
	close(sub);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	rm_note(r, "removing a folder");
	return -1;
}

/* Empty the folder dfd: 0 when it is empty, -1 when something stays. */
static int
rm_contents(struct rm *r, int dfd, int depth)
{
	char buf[4096] __attribute__((aligned(8)));
	struct dirent64 *e;
	unsigned long left;
	int progress, pass;
	ssize_t n, off;

	owner_bits(dfd, 0);
	/* Again while a pass removed something and left something: entries
	 * moved up land in the top folder behind the pass. */
	for (pass = 0; pass < PRIVATE_TMP_PASSES_MAX; pass++) {
		progress = 0;
		left = 0;
		if (lseek(dfd, 0, SEEK_SET) == -1) {
			rm_note(r, "listing a folder");
			return -1;
		}
		while ((n = getdents64(dfd, buf, sizeof(buf))) > 0) {
			for (off = 0; off < n; off += e->d_reclen) {
				e = (struct dirent64 *)(void *)(buf + off);
				if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
					continue;
				if (rm_entry(r, dfd, e->d_name, depth) == 0)
					progress = 1;
				else
					left++;
			}
		}
		if (n == -1) {
			rm_note(r, "listing a folder");
			return -1;
		}
		if (left == 0 && !progress)
			return 0;
		if (!progress)
			break;
	}
	if (depth == 0)
		r->left = left;
	return -1;
}

/* The tree, then the folder's own entry if it is still the folder made. */
static void
keeper_remove(int parentfd, int dirfd, const char *name, const char *path, int walk)
{
	struct rm r;
	struct stat st, pst;

	memset(&r, 0, sizeof(r));
	r.root = dirfd;
	if (walk && rm_contents(&r, dirfd, 0) == -1) {
		errno = r.err;
		log_warn("run: the private temporary folder %s is not removed entirely (%lu "
			 "entr%s left; %s); its name lets systemd-tmpfiles or tmpreaper clean it",
		    path, r.left, r.left == 1 ? "y" : "ies", r.what[0] ? r.what : "?");
		return;
	}
	if (fstat(dirfd, &st) == -1 || fstatat(parentfd, name, &pst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    st.st_dev != pst.st_dev || st.st_ino != pst.st_ino) {
		log_warnx("run: the private temporary folder %s was moved or replaced: left", path);
		return;
	}
	if (unlinkat(parentfd, name, AT_REMOVEDIR) == -1)
		log_warn("run: removing the private temporary folder %s", path);
}

/*
 * The keeper's life: confined, it waits for the worker's credentials and
 * then for the end of file that says remove.  Never returns.
 */
static void __attribute__((noreturn))
keeper(int go, int done, int parentfd, int dirfd, const char *name, const char *path)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGPIPE, SIGTSTP, SIGTTIN,
		SIGTTOU, SIGUSR1, SIGUSR2 };
	int keep[4] = { go, done, parentfd, dirfd }, walk = 0, devnull;
	struct keeper_creds c;
	sigset_t none;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_IGN);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_NAME, "filebroker-tmp", 0, 0, 0);
	/* Its standard error stays, for what it has to say. */
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		(void)dup2(devnull, STDIN_FILENO);
		(void)dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	qsort(keep, 4, sizeof(keep[0]), cmp_int);
	if (close_others(keep, 4) == -1)
		_exit(1);
	keeper_confine(parentfd, dirfd);
	for (;;) {
		n = read(go, &c, sizeof(c));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(c))
			break;
		walk = keeper_drop(&c) == 0;
	}
	/* Never given to the worker (the run stopped before): the folder is
	 * empty and root's, and only its entry goes.  Otherwise the tree. */
	keeper_remove(parentfd, dirfd, name, path, walk);
	close(done);
	_exit(0);
}

/* Start the keeper as a grandchild in a session of its own: 0 or -1. */
static int
keeper_start(struct private_tmp *t, int parentfd, const char *name)
{
	int go[2], done[2], status;
	pid_t pid, k;

	if (pipe2(go, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(done, O_CLOEXEC) == -1) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		if (setsid() == -1 || (k = fork()) == -1)
			_exit(1);
		if (k != 0)
			_exit(0);
		keeper(go[0], done[1], parentfd, t->dirfd, name, t->path);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = EAGAIN;
		goto fail;
	}
	close(go[0]);
	close(done[1]);
	t->go = go[1];
	t->done = done[0];
	return 0;
fail:
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	return -1;
}

/* ---- the broker's side ---- */

/* parent/name into t->path (the parent's length was checked). */
static void
set_path(struct private_tmp *t, const char *name)
{
	size_t n = strlen(t->parent);

	memcpy(t->path, t->parent, n + 1);
	if (strcmp(t->parent, "/") != 0)
		t->path[n++] = '/';
	memcpy(t->path + n, name, strlen(name) + 1);
}

void
private_tmp_form(struct private_tmp *t)
{
	char name[sizeof(PRIVATE_TMP_PREFIX) + PRIVATE_TMP_RANDOM + 1];

	memset(name, 'X', sizeof(name) - 1);
	memcpy(name, PRIVATE_TMP_PREFIX, sizeof(PRIVATE_TMP_PREFIX) - 1);
	name[sizeof(PRIVATE_TMP_PREFIX) - 1 + PRIVATE_TMP_RANDOM] = '\0';
	set_path(t, name);
}

/* A random name, letters and digits. */
static int
random_name(char *name, size_t size)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[PRIVATE_TMP_RANDOM];
	size_t i, n;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	n = (size_t)snprintf(name, size, "%s", PRIVATE_TMP_PREFIX);
	for (i = 0; i < sizeof(r) && n + 1 < size; i++)
		name[n++] = set[r[i] % (sizeof(set) - 1)];
	name[n] = '\0';
	return 0;
}

int
private_tmp_make(struct private_tmp *t)
{
	char name[sizeof(PRIVATE_TMP_PREFIX) + PRIVATE_TMP_RANDOM + 1];
	struct stat st;
	int parentfd, i, made = 0;

	if ((parentfd = open(t->parent, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("run: the temporary folder's parent %s", t->parent);
		return -1;
	}
	for (i = 0; i < 100 && !made; i++) {
		if (random_name(name, sizeof(name)) == -1)
			break;
		if (mkdirat(parentfd, name, 0700) == 0)
			made = 1;
		else if (errno != EEXIST)
			break;
	}
	if (!made) {
		log_warn("run: making the run's temporary folder in %s", t->parent);
		close(parentfd);
		return -1;
	}
	set_path(t, name);
	/* The folder just made, by descriptor from now on: ours, a folder
	 * (the parent passed the checks: nobody else could have put another
	 * there), and exactly 0700 whatever the umask. */
	if ((t->dirfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) ==
		-1 ||
	    fstat(t->dirfd, &st) == -1 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    fchmod(t->dirfd, 0700) == -1) {
		log_warn("run: the run's temporary folder %s", t->path);
		goto fail;
	}
	if (keeper_start(t, parentfd, name) == -1) {
		log_warn("run: the run's temporary folder %s: starting its keeper", t->path);
		goto fail;
	}
	close(parentfd);
	return 0;
fail:
	if (t->dirfd != -1)
		close(t->dirfd);
	t->dirfd = -1;
	(void)unlinkat(parentfd, name, AT_REMOVEDIR);
	close(parentfd);
	t->path[0] = '\0';
	return -1;
}

int
private_tmp_give(struct private_tmp *t, uid_t uid, gid_t gid)
{
	struct keeper_creds c = { uid, gid };

	if (t->dirfd == -1)
		return 0;
	if (geteuid() == 0 && fchown(t->dirfd, uid, gid) == -1) {
		log_warn("run: giving the run's temporary folder %s to uid %lu", t->path,
		    (unsigned long)uid);
		return -1;
	}
	if (write(t->go, &c, sizeof(c)) != (ssize_t)sizeof(c)) {
		log_warn("run: the run's temporary folder %s: its keeper", t->path);
		return -1;
	}
	/* The keeper has its own; the broker needs it no more. */
	close(t->dirfd);
	t->dirfd = -1;
	return 0;
}

int
private_tmp_setenv(const struct private_tmp *t)
{
	if (setenv("TMPDIR", t->path, 1) == -1 || setenv("TMP", t->path, 1) == -1 ||
	    setenv("TEMP", t->path, 1) == -1)
		return -1;
	return 0;
}

void
private_tmp_remove(struct private_tmp *t)
{
	char c;

	if (t->dirfd != -1) {
		close(t->dirfd);
		t->dirfd = -1;
	}
	if (t->go != -1) {
		close(t->go);
		t->go = -1;
	}
	if (t->done == -1)
		return;
	/* End of file once the keeper is done (or gone). */
	while (read(t->done, &c, 1) == -1 && errno == EINTR)
		;
	close(t->done);
	t->done = -1;
}

/* Is path a name directly in folder dir? */
static int
directly_in(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n = strlen(dir);

	if (slash == NULL || slash[1] == '\0')
		return 0;
	if (strcmp(dir, "/") == 0)
		return slash == path;
	return (size_t)(slash - path) == n && strncmp(path, dir, n) == 0;
}

void
private_tmp_denied(struct private_tmp *t, const char *canon, unsigned access, const char *rule)
{
	if (t == NULL || t->hinted || t->path[0] == '\0' || canon == NULL || rule == NULL ||
	    strcmp(rule, "default") != 0 || !(access & (POLICY_CREATE | POLICY_WRITE)))
		return;
	/* A program that ignores TMPDIR makes its files and folders directly
	 * in the shared folder (mkstemp("/tmp/xXXXXXX")): what it does
	 * deeper, or reads, is more likely the user's own data there. */
	if (!directly_in(canon, t->parent) && !directly_in(canon, "/tmp") &&
	    !directly_in(canon, "/var/tmp"))
		return;
	if (strcmp(canon, t->path) == 0)
		return;
	t->hinted = 1;
	log_warnx("%s: denied; this run's temporary folder is %s (private, in TMPDIR, TMP and "
		  "TEMP): the program names the shared one itself instead of asking TMPDIR. "
		  "Tell it the folder (an option, or $TMPDIR in the command), or allow what it "
		  "needs with --write or a rule",
	    canon, t->path);
}
