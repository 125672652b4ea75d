/*
 * test_ops.c: ops_handle(), the broker's security core, against a scratch
 * tree: a session with a small policy and an audit file, requests built
 * directly (request.h) as a front end builds them, and the results and the
 * records checked; and the rule a wire reply names (wire.c, --tell-rules).
 * Needs no root and no seccomp: as root the same cases run with files
 * given to nobody, as any other user with files kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "ops.h"
#include "policy.h"
#include "proto.h"
#include "request.h"
#include "wire.h"

static char dir[64];
static char auditpath[128];
static struct session s;
static struct result res;
static pid_t asker = -1; /* who asks: -1 this process, 0 one the broker
			    cannot see, else that process */

static void
path_of(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", dir, rel);
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	path_of(p, sizeof(p), rel);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode)) >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int
setup(void **state)
{
	char policy[4096], p[PATH_MAX];
	struct policy *pol;
	struct policy_diags diags;
	int n;

	(void)state;
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/fb-test-ops.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	path_of(p, sizeof(p), "d");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "ro");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "hidden");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "m");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "so");
	mkdir(p, 0755);
	put("d/a.txt", "alpha\n", 0644);
	put("d/s.key", "secret\n", 0644);
	put("ro/r.txt", "read only\n", 0644);
	put("ro/hid.txt", "listed, not seen\n", 0644);
	put("hidden/h.txt", "hidden\n", 0644);
	path_of(p, sizeof(p), "d/ln");
	if (symlink("a.txt", p) == -1)
		return -1;
	n = snprintf(policy, sizeof(policy),
	    "allow read,write,create,delete,list,stat %s/d/** mode=0640\n"
	    "deny read %s/d/*.key\n"
	    "allow list,stat %s/d\n"
	    "allow read,list,stat %s/ro/**\n"
	    "allow list,stat %s/ro\n"
	    "allow read,write,create,list,stat %s/m/**\n"
	    "deny read,stat %s/ro/hid*\n"
	    "allow stat %s/so\n",
	    dir, dir, dir, dir, dir, dir, dir, dir);
	memset(&diags, 0, sizeof(diags));
	if (policy_load_buffer("test.policy", policy, (size_t)n, dir, &pol, &diags) == -1)
		return -1;
	policy_diags_free(&diags);
	memset(&s, 0, sizeof(s));
	s.policy = pol;
	if (fsctx_init(&s.fs) == -1)
		return -1;
	snprintf(auditpath, sizeof(auditpath), "%s.audit", dir);
	if (audit_open(auditpath, &s.audit) == -1)
		return -1;
	s.pid = getpid();
	s.uid = getuid();
	s.gid = getgid();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	audit_close(s.audit);
	fsctx_close(&s.fs);
	policy_free((struct policy *)s.policy);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, auditpath);
	return system(cmd) == 0 ? 0 : -1;
}

/* One request as a front end makes it: paths absolute under the scratch
 * tree ("=PATH": PATH as written), the asker this process.  Returns the
 * errno. */
static int
ask(enum front front, enum op op, const char *rel, const char *rel2, const union op_args *a)
{
	char p1[PATH_MAX], p2[PATH_MAX];
	struct request r;
	struct timespec t0;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.who.front = front;
	r.who.pid = asker == -1 ? getpid() : asker;
	r.who.tid = front == FRONT_NOTIFY ? r.who.pid : 0;
	r.who.nspid = r.who.pid; /* no PID namespace of ours */
	r.who.nstid = r.who.tid;
	r.who.uid = getuid();
	r.who.gid = getgid();
	if (rel != NULL && rel[0] == '=')
		snprintf(p1, sizeof(p1), "%s", rel + 1); /* as written */
	else if (rel != NULL)
		path_of(p1, sizeof(p1), rel);
	if (rel2 != NULL)
		path_of(p2, sizeof(p2), rel2);
	r.path = rel != NULL ? p1 : "";
	r.path2 = rel2 != NULL ? p2 : "";
	if (a != NULL)
		r.a = *a;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ops_handle(&s, &r, &t0, &res);
	return res.error;
}

static int
open_at(const char *rel, int flags, unsigned mode)
{
	union op_args a;

	memset(&a, 0, sizeof(a));
	a.open.flags = (uint32_t)flags;
	a.open.mode = mode;
	return ask(FRONT_WIRE, OP_OPEN, rel, NULL, &a);
}

/* The last record written. */
static const char *
last_record(void)
{
	static char buf[65536];
	char *nl, *last;
	ssize_t n;
	int fd;

	assert_true((fd = open(auditpath, O_RDONLY)) >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	last = buf;
	while ((nl = strchr(last, '\n')) != NULL)
		last = nl + 1;
	return last;
}

static void
record_has(const char *needle)
{
	const char *r = last_record();

	if (strstr(r, needle) == NULL)
		fail_msg("the record %s lacks %s", r, needle);
}

static void
test_open_allowed(void **state)
{
	char buf[16];
	ssize_t n;

	(void)state;
	assert_int_equal(open_at("d/a.txt", O_RDONLY, 0), 0);
	assert_true(res.fd >= 0);
	n = read(res.fd, buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "alpha\n", 6);
	close(res.fd);
	record_has("\"op\":\"open\"");
	record_has("\"decision\":\"allow\"");
	record_has("\"mode\":\"explicit\"");
}

static void
test_open_denied(void **state)
{
	(void)state;
	assert_int_equal(open_at("d/s.key", O_RDONLY, 0), EACCES);
	assert_int_equal(res.fd, -1);
	record_has("\"decision\":\"deny\"");
	record_has("test.policy:2");
	/* No rule at all, and a folder outside every rule. */
	assert_int_equal(open_at("hidden/h.txt", O_RDONLY, 0), EACCES);
	record_has("\"rule\":\"default\"");
	/* Write where only read is allowed. */
	assert_int_equal(open_at("ro/r.txt", O_WRONLY, 0), EACCES);
	/* Flags the broker refuses. */
	assert_int_equal(open_at("d/a.txt", O_RDONLY | O_PATH, 0), EINVAL);
	assert_int_equal(open_at("d/a.txt", O_ACCMODE, 0), EINVAL);
}

static void
test_create_mode_bound(void **state)
{
	char p[PATH_MAX];
	struct stat st;

	(void)state;
	assert_int_equal(open_at("d/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0777), 0);
	assert_true(res.fd >= 0);
	close(res.fd);
	path_of(p, sizeof(p), "d/new.txt");
	assert_int_equal(stat(p, &st), 0);
	/* 0777 asked, mode=0640 bound by the rule. */
	assert_int_equal(st.st_mode & 07777, 0640);
	record_has("\"access\":\"create\"");
	/* O_EXCL on what is there: EEXIST, where the worker may create. */
	assert_int_equal(open_at("d/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	/* No create in the read-only tree. */
	assert_int_equal(open_at("ro/new.txt", O_WRONLY | O_CREAT, 0600), EACCES);
}

static void
test_mkdir(void **state)
{
	union op_args a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.mkdir.mode = 0755;
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "d/newdir", NULL, &a), 0);
	record_has("\"op\":\"mkdir\"");
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "d/newdir", NULL, &a), EEXIST);
	/* No create: EACCES, whether something is there or not, so that a
	 * hidden name is not told from a missing one. */
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "ro/x", NULL, &a), EACCES);
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "hidden/h.txt", NULL, &a), EACCES);
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "hidden/nothing", NULL, &a), EACCES);
}

/* A name that exists where the worker may see it but not create: EEXIST,
 * as the kernel says, and no denial (mkdir -p's mkdir of each folder on
 * its way): an allowed stat, recorded with its errno. */
static void
test_exists_visible(void **state)
{
	uint64_t denied = s.ndenied;
	union op_args a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.mkdir.mode = 0755;
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "ro", NULL, &a), EEXIST);
	record_has("\"access\":\"stat\",\"flags\":null,\"decision\":\"allow\"");
	record_has("\"errno\":\"EEXIST\"");
	assert_int_equal(open_at("ro/r.txt", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	record_has("\"decision\":\"allow\"");
	memset(&a, 0, sizeof(a));
	a.mknod.mode = S_IFIFO | 0600;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "ro/r.txt", NULL, &a), EEXIST);
	assert_int_equal(s.ndenied, denied);
	/* Where it may neither create nor see: the denial, as for a missing
	 * name. */
	a.mkdir.mode = 0755;
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "hidden", NULL, &a), EACCES);
	record_has("\"decision\":\"deny\"");
	assert_int_equal(s.ndenied, denied + 1);
}

static void
test_hidden_errnos(void **state)
{
	(void)state;
	/* stat of a hidden file and of a missing one: the same answer. */
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "hidden/h.txt", NULL, NULL), ENOENT);
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "hidden/none", NULL, NULL), ENOENT);
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "d/none", NULL, NULL), ENOENT);
	assert_int_equal(ask(FRONT_WIRE, OP_READLINK, "hidden/h.txt", NULL, NULL), ENOENT);
	/* open of a hidden file, and of a missing one under no rule. */
	assert_int_equal(open_at("hidden/h.txt", O_RDONLY, 0), EACCES);
	assert_int_equal(open_at("hidden/none", O_RDONLY, 0), EACCES);
	/* Visible and missing: the kernel's answer. */
	assert_int_equal(open_at("d/none", O_RDONLY, 0), ENOENT);
	/* A relative path: whose folder would it be? */
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "=relative/path", NULL, NULL), EINVAL);
}

/* A file the worker may not see in a folder it may list: its listing
 * shows the name, so the queries say EACCES, not a missing file (a tree
 * walker would skip it without a word); a missing name there is ENOENT. */
static void
test_hidden_listed(void **state)
{
	union op_args a;

	(void)state;
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "ro/hid.txt", NULL, NULL), EACCES);
	record_has("\"decision\":\"deny\"");
	assert_int_equal(ask(FRONT_WIRE, OP_LSTAT, "ro/hid.txt", NULL, NULL), EACCES);
	assert_int_equal(ask(FRONT_WIRE, OP_READLINK, "ro/hid.txt", NULL, NULL), EACCES);
	assert_int_equal(ask(FRONT_NOTIFY, OP_STATFS, "ro/hid.txt", NULL, NULL), EACCES);
	memset(&a, 0, sizeof(a));
	a.access.mode = F_OK;
	assert_int_equal(ask(FRONT_WIRE, OP_ACCESS, "ro/hid.txt", NULL, &a), EACCES);
	assert_int_equal(open_at("ro/hid.txt", O_RDONLY, 0), EACCES);
	/* Missing there: the listing says so too. */
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "ro/hid-none", NULL, NULL), ENOENT);
	/* Where the folder may not be listed, hidden as ever. */
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "hidden/h.txt", NULL, NULL), ENOENT);
	assert_int_equal(ask(FRONT_WIRE, OP_ACCESS, "hidden/h.txt", NULL, &a), ENOENT);
}

static int
open_notify(const char *rel, int flags)
{
	union op_args a;

	memset(&a, 0, sizeof(a));
	a.open.flags = (uint32_t)flags;
	return ask(FRONT_NOTIFY, OP_OPEN, rel, NULL, &a);
}

/* O_PATH in transparent mode: a folder asked for as one that the worker
 * may list gets a descriptor of it (read-only: ADDFD installs no O_PATH
 * one), decided as list; nothing else is given. */
static void
test_open_path(void **state)
{
	char buf[4096];
	int fl;

	(void)state;
	assert_int_equal(open_notify("d", O_PATH | O_DIRECTORY), 0);
	record_has(
	    "\"access\":\"list\",\"flags\":\"O_RDONLY|O_DIRECTORY|O_PATH\",\"decision\":\"allow\"");
	assert_true((fl = fcntl(res.fd, F_GETFL)) != -1);
	assert_int_equal(fl & (O_PATH | O_ACCMODE), O_RDONLY);
	assert_true(syscall(SYS_getdents64, res.fd, buf, sizeof(buf)) > 0);
	close(res.fd);
	/* Without O_DIRECTORY (lchmod()'s O_PATH | O_NOFOLLOW), none. */
	assert_int_equal(open_notify("ro", O_PATH | O_NOFOLLOW), EOPNOTSUPP);
	assert_int_equal(res.fd, -1);
	/* A folder it may only stat: no listing descriptor for it, the
	 * denial of list. */
	assert_int_equal(open_notify("so", O_PATH | O_DIRECTORY), EACCES);
	assert_int_equal(res.fd, -1);
	record_has(
	    "\"access\":\"list\",\"flags\":\"O_RDONLY|O_DIRECTORY|O_PATH\",\"decision\":\"deny\"");
	/* A file, a link: EOPNOTSUPP (lchmod's "not supported"), ENOTDIR
	 * under O_DIRECTORY; decided as stat first. */
	assert_int_equal(open_notify("d/a.txt", O_PATH), EOPNOTSUPP);
	assert_int_equal(open_notify("d/a.txt", O_PATH | O_DIRECTORY), ENOTDIR);
	assert_int_equal(open_notify("d/ln", O_PATH | O_NOFOLLOW), EOPNOTSUPP);
	assert_int_equal(open_notify("d/none", O_PATH), ENOENT);
	/* Hidden: one answer for a folder, a file and nothing. */
	assert_int_equal(open_notify("hidden", O_PATH | O_DIRECTORY), EACCES);
	assert_int_equal(open_notify("hidden/h.txt", O_PATH), EACCES);
	assert_int_equal(open_notify("hidden/none", O_PATH), EACCES);
	/* The wire: refused. */
	assert_int_equal(open_at("d", O_PATH | O_DIRECTORY, 0), EINVAL);
}

static void
test_stat_native(void **state)
{
	char p[PATH_MAX];
	struct stat st;

	(void)state;
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "d/a.txt", NULL, NULL), 0);
	path_of(p, sizeof(p), "d/a.txt");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(res.st.st_ino, st.st_ino);
	assert_int_equal(res.st.st_size, 6);
	assert_int_equal(res.st.st_mtim.tv_sec, st.st_mtim.tv_sec);
	assert_int_equal(res.st.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	/* lstat of the link, stat through it. */
	assert_int_equal(ask(FRONT_WIRE, OP_LSTAT, "d/ln", NULL, NULL), 0);
	assert_true(S_ISLNK(res.st.st_mode));
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "d/ln", NULL, NULL), 0);
	assert_int_equal(res.st.st_ino, st.st_ino);
	assert_int_equal(ask(FRONT_WIRE, OP_READLINK, "d/ln", NULL, NULL), 0);
	assert_string_equal(res.target, "a.txt");
}

static void
test_rename_rule(void **state)
{
	union op_args a;

	(void)state;
	memset(&a, 0, sizeof(a));
	put("d/r.key", "k\n", 0644);
	/* The new name would allow read, which the old one denies. */
	assert_int_equal(ask(FRONT_WIRE, OP_RENAME, "d/r.key", "d/r.txt", &a), EACCES);
	record_has("\"rule\":\"@rename\"");
	/* The other way is fine: a .key name allows less. */
	put("d/plain.txt", "p\n", 0644);
	assert_int_equal(ask(FRONT_WIRE, OP_RENAME, "d/plain.txt", "d/plain.key", &a), 0);
	/* Out of the tree where delete is allowed into one without create. */
	assert_int_equal(ask(FRONT_WIRE, OP_RENAME, "d/plain.key", "ro/plain.key", &a), EACCES);
	/* Both flags at once: EINVAL, as renameat2 says. */
	a.rename.flags = RENAME_NOREPLACE | RENAME_EXCHANGE;
	assert_int_equal(ask(FRONT_NOTIFY, OP_RENAME, "d/a.txt", "d/b.txt", &a), EINVAL);
}

static void
test_link_rule(void **state)
{
	union op_args a;

	(void)state;
	memset(&a, 0, sizeof(a));
	put("d/l.key", "k\n", 0644);
	assert_int_equal(ask(FRONT_NOTIFY, OP_LINK, "d/l.key", "d/l.txt", &a), EACCES);
	record_has("\"rule\":\"@link\"");
	record_has("\"mode\":\"transparent\"");
	/* A transparent-mode operation over the wire: the front end may not
	 * send it. */
	assert_int_equal(ask(FRONT_WIRE, OP_LINK, "d/a.txt", "d/a2.txt", &a), EINVAL);
	assert_int_equal(ask(FRONT_NOTIFY, OP_LINK, "d/a.txt", "d/a2.txt", &a), 0);
}

static void
test_mknod(void **state)
{
	char p[PATH_MAX];
	union op_args a;
	struct stat st;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.mknod.mode = S_IFIFO | 0666;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/fifo", NULL, &a), 0);
	path_of(p, sizeof(p), "d/fifo");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	record_has("\"op\":\"mknod\"");
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/fifo", NULL, &a), EEXIST);
	/* A regular file: a plain create. */
	a.mknod.mode = 0600;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/plainnode", NULL, &a), 0);
	path_of(p, sizeof(p), "d/plainnode");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* Devices and sockets: EPERM; nonsense types EINVAL. */
	a.mknod.mode = S_IFCHR | 0600;
	a.mknod.dev = 0x103;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/null", NULL, &a), EPERM);
	a.mknod.mode = S_IFSOCK | 0600;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/sock", NULL, &a), EPERM);
	a.mknod.mode = S_IFLNK | 0600;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/lnk", NULL, &a), EINVAL);
	/* No create: EACCES. */
	a.mknod.mode = S_IFIFO | 0600;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "ro/fifo", NULL, &a), EACCES);
	/* The FIFO opens only under a rule that names it. */
	assert_int_equal(open_at("d/fifo", O_RDONLY | O_NONBLOCK, 0), EACCES);
}

static mode_t
mode_of(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path_of(p, sizeof(p), rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

/* A process with umask mask, waiting to be killed: an asker whose umask
 * is not the broker's (this process keeps 022). */
static pid_t
process_with_umask(mode_t mask)
{
	int pfd[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		umask(mask);
		(void)!write(pfd[1], "r", 1);
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return pid;
}

static void
end_process(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	asker = -1;
}

/* New objects get the mode asked less the asker's umask, within the
 * rule's mode=, never set-user-ID or set-group-ID (issue 18 item 3). */
static void
test_new_modes(void **state)
{
	union op_args a;
	pid_t p;

	(void)state;
	/* This process asks, umask 022; no mode= in m/: no bound. */
	assert_int_equal(open_at("m/prog", O_WRONLY | O_CREAT | O_EXCL, 0777), 0);
	close(res.fd);
	assert_int_equal(mode_of("m/prog"), 0755);
	assert_int_equal(open_at("m/suid", O_WRONLY | O_CREAT | O_EXCL, 07777), 0);
	close(res.fd);
	assert_int_equal(mode_of("m/suid"), 0755);
	memset(&a, 0, sizeof(a));
	a.mkdir.mode = 07777; /* a folder keeps sticky, never set-id asked */
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "m/dir", NULL, &a), 0);
	assert_int_equal(mode_of("m/dir"), 01755);

	/* An asker with umask 077: its files stay private. */
	asker = p = process_with_umask(077);
	assert_int_equal(open_at("m/private", O_WRONLY | O_CREAT | O_EXCL, 0666), 0);
	close(res.fd);
	assert_int_equal(mode_of("m/private"), 0600);
	a.mkdir.mode = 0777;
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "m/pdir", NULL, &a), 0);
	assert_int_equal(mode_of("m/pdir"), 0700);
	end_process(p);

	/* An asker with umask 0 (a thread, as transparent mode names it):
	 * what the broker's own umask took is set again. */
	asker = p = process_with_umask(0);
	memset(&a, 0, sizeof(a));
	a.open.flags = O_WRONLY | O_CREAT | O_EXCL;
	a.open.mode = 0666;
	assert_int_equal(ask(FRONT_NOTIFY, OP_OPEN, "m/shared", NULL, &a), 0);
	close(res.fd);
	assert_int_equal(mode_of("m/shared"), 0666);
	memset(&a, 0, sizeof(a));
	a.mknod.mode = S_IFIFO | 04666;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "m/fifo", NULL, &a), 0);
	assert_int_equal(mode_of("m/fifo"), 0666);
	/* mode= still bounds: d/ says 0640, a folder keeps search where it
	 * reads. */
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/fifo0", NULL, &a), 0);
	assert_int_equal(mode_of("d/fifo0"), 0640);
	memset(&a, 0, sizeof(a));
	a.mkdir.mode = 01777;
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKDIR, "d/dir0", NULL, &a), 0);
	assert_int_equal(mode_of("d/dir0"), 01750);
	end_process(p);

	/* An asker the broker cannot see: the broker's umask. */
	asker = 0;
	assert_int_equal(open_at("m/unseen", O_WRONLY | O_CREAT | O_EXCL, 0666), 0);
	close(res.fd);
	asker = -1;
	assert_int_equal(mode_of("m/unseen"), 0644);
}

/* The audit file's lines: how many, and line i from the end (1: the
 * last) into buf. */
static size_t
audit_lines(int back, char *buf, size_t size)
{
	static char all[1 << 20];
	size_t n = 0, i, len;
	ssize_t got;
	char *line[4096];
	int fd;

	assert_true((fd = open(auditpath, O_RDONLY)) >= 0);
	got = read(fd, all, sizeof(all) - 1);
	close(fd);
	assert_true(got > 0 && (size_t)got < sizeof(all) - 1);
	all[got] = '\0';
	for (i = 0, line[0] = all; i < (size_t)got && n < 4095; i++)
		if (all[i] == '\n')
			line[++n] = all + i + 1;
	if (back > 0) {
		assert_true((size_t)back <= n);
		len = (size_t)(line[n - back + 1] - line[n - back]) - 1;
		assert_true(len < size);
		memcpy(buf, line[n - back], len);
		buf[len] = '\0';
	}
	return n;
}

/* The request just asked left its intent and then its outcome, of op, with
 * one number; nothing else. */
static void
ahead(size_t before, const char *op)
{
	char intent[8192], done[8192], want[64], req[32];
	const char *p;

	assert_int_equal(audit_lines(0, NULL, 0), before + 2);
	audit_lines(2, intent, sizeof(intent));
	audit_lines(1, done, sizeof(done));
	snprintf(want, sizeof(want), "\"op\":\"%s\"", op);
	if (strstr(intent, "\"phase\":\"intent\"") == NULL || strstr(intent, want) == NULL ||
	    strstr(intent, "\"errno\":null") == NULL ||
	    strstr(done, "\"phase\":\"done\"") == NULL || strstr(done, want) == NULL)
		fail_msg("no intent and outcome of %s:\n%s\n%s", op, intent, done);
	assert_non_null(p = strstr(intent, "\"req\":"));
	snprintf(req, sizeof(req), "%.*s,", (int)strcspn(p, ","), p);
	assert_non_null(strstr(done, req));
}

/* The request just asked left one record, without a phase. */
static void
alone(size_t before)
{
	char last[8192];

	assert_int_equal(audit_lines(0, NULL, 0), before + 1);
	audit_lines(1, last, sizeof(last));
	if (strstr(last, "\"phase\"") != NULL || strstr(last, "\"req\"") != NULL)
		fail_msg("a record of its own with a phase: %s", last);
}

/* Write-ahead (docs/audit.md): every change has its intent written before
 * it and its outcome after; what changes nothing, or is refused, one
 * record. */
static void
test_write_ahead(void **state)
{
	struct timespec t[2] = { { 1000, 0 }, { 1000, 0 } };
	union op_args a;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.mkdir.mode = 0755;
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "d/wa", NULL, &a), 0);
	ahead(n, "mkdir");
	n = audit_lines(0, NULL, 0);
	assert_int_equal(open_at("d/wa/f", O_WRONLY | O_CREAT | O_EXCL, 0644), 0);
	close(res.fd);
	ahead(n, "open");
	n = audit_lines(0, NULL, 0);
	assert_int_equal(open_at("d/wa/f", O_WRONLY | O_TRUNC, 0), 0);
	close(res.fd);
	ahead(n, "open");
	memset(&a, 0, sizeof(a));
	a.chmod.mode = 0600;
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_CHMOD, "d/wa/f", NULL, &a), 0);
	ahead(n, "chmod");
	memset(&a, 0, sizeof(a));
	a.truncate.length = 3;
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_TRUNCATE, "d/wa/f", NULL, &a), 0);
	ahead(n, "truncate");
	memset(&a, 0, sizeof(a));
	a.utimes.times = t;
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_NOTIFY, OP_UTIMES, "d/wa/f", NULL, &a), 0);
	ahead(n, "utimes");
	memset(&a, 0, sizeof(a));
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_NOTIFY, OP_LINK, "d/wa/f", "d/wa/h", &a), 0);
	ahead(n, "link");
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_RENAME, "d/wa/h", "d/wa/g", &a), 0);
	ahead(n, "rename");
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_SYMLINK, "d/wa/s", "g", &a), 0);
	ahead(n, "symlink");
	a.mknod.mode = S_IFIFO | 0600;
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_NOTIFY, OP_MKNOD, "d/wa/p", NULL, &a), 0);
	ahead(n, "mknod");
	memset(&a, 0, sizeof(a));
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_UNLINK, "d/wa/p", NULL, &a), 0);
	ahead(n, "unlink");

	/* What changes nothing: reads, a write without O_TRUNC (what is
	 * written through the descriptor is the worker's, and the descriptor
	 * leaves after the record), a stat; what is refused or fails before
	 * anything is done. */
	n = audit_lines(0, NULL, 0);
	assert_int_equal(open_at("d/a.txt", O_RDONLY, 0), 0);
	close(res.fd);
	alone(n);
	n = audit_lines(0, NULL, 0);
	assert_int_equal(open_at("d/wa/f", O_WRONLY | O_APPEND, 0), 0);
	close(res.fd);
	alone(n);
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "d/wa/f", NULL, &a), 0);
	alone(n);
	a.mkdir.mode = 0755;
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "ro/wa", NULL, &a), EACCES);
	alone(n);
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "d/wa", NULL, &a), EEXIST);
	alone(n);
	n = audit_lines(0, NULL, 0);
	assert_int_equal(ask(FRONT_WIRE, OP_UNLINK, "d/wa/none", NULL, &a), ENOENT);
	alone(n);
}

/* An intent that cannot be written: the change is not made, the request
 * fails with EIO, and so does every later one (fail closed). */
static void
test_intent_fails(void **state)
{
	struct audit *keep = s.audit, *broken;
	union op_args a;
	char p[PATH_MAX];
	struct stat st;
	int pfd[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(pfd), 0);
	/* Its open record goes into the pipe; then nobody reads. */
	assert_int_equal(audit_open_fd(pfd[1], AUDIT_JSON, &broken), 0);
	close(pfd[0]);
	s.audit = broken;
	memset(&a, 0, sizeof(a));
	a.mkdir.mode = 0755;
	assert_int_equal(ask(FRONT_WIRE, OP_MKDIR, "d/never", NULL, &a), EIO);
	path_of(p, sizeof(p), "d/never");
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(s.audit_broken);
	assert_int_equal(open_at("d/never", O_WRONLY | O_CREAT | O_EXCL, 0600), EIO);
	assert_int_equal(lstat(p, &st), -1);
	s.audit = keep;
	s.audit_broken = 0;
	audit_close(broken);
}

/* The rule a result names: the record's, when the refusal is a rule's. */
static void
test_result_rule(void **state)
{
	(void)state;
	assert_int_equal(open_at("d/s.key", O_RDONLY, 0), EACCES);
	assert_non_null(res.rule);
	assert_non_null(strstr(res.rule, "test.policy:2"));
	record_has(res.rule);
	assert_int_equal(open_at("hidden/h.txt", O_RDONLY, 0), EACCES);
	assert_string_equal(res.rule, "default");
	/* Allowed, and the kernel's errno where it was: none. */
	assert_int_equal(open_at("d/a.txt", O_RDONLY, 0), 0);
	close(res.fd);
	assert_null(res.rule);
	assert_int_equal(open_at("d/none", O_RDONLY, 0), ENOENT);
	assert_null(res.rule);
	/* The ENOENT of a hidden path is a denial: the result names its rule,
	 * which the wire does not tell (test_wire_rule). */
	assert_int_equal(ask(FRONT_WIRE, OP_STAT, "hidden/h.txt", NULL, NULL), ENOENT);
	assert_string_equal(res.rule, "default");
	/* Complain mode let it through: no refusal, no rule. */
	s.complain = 1;
	assert_int_equal(open_at("d/s.key", O_RDONLY, 0), 0);
	s.complain = 0;
	close(res.fd);
	assert_null(res.rule);
}

/* One wire request of type with path (and flags), answered by the wire
 * front end for session s; its reply decoded into *rep.  FB_MSG_OPENV:
 * the paths of rels (NULL-terminated), opened O_RDONLY. */
static void
wire_ask_v(unsigned type, const char *rel, const char *const *rels, uint32_t flags,
    struct fb_reply *rep)
{
	static struct wire w;
	static struct fb_openv_request v;
	static char paths[FB_OPENV_MAX][PATH_MAX];
	static uint8_t msg[FB_MSG_MAX];
	struct fb_request *q = calloc(1, sizeof(*q));
	struct asker who;
	struct timespec t0;
	const char *why;
	ssize_t n;
	size_t len;
	unsigned i;

	assert_non_null(q);
	q->type = (uint16_t)type;
	q->id = 9;
	q->flags = flags;
	if (type == FB_MSG_OPENV) {
		memset(&v, 0, sizeof(v));
		for (v.count = 0; rels[v.count] != NULL; v.count++) {
			path_of(paths[v.count], sizeof(paths[v.count]), rels[v.count]);
			v.ent[v.count].path = paths[v.count];
		}
		n = proto_encode_openv(&v, msg, sizeof(msg));
	} else {
		path_of(q->path, sizeof(q->path), rel);
		n = proto_encode_request(q, msg, sizeof(msg));
	}
	assert_true(n > 0);
	free(q);
	assert_int_equal(wire_decode(&w, msg, (size_t)n, &why), 0);
	memset(&who, 0, sizeof(who));
	who.front = FRONT_WIRE;
	who.pid = who.nspid = getpid();
	who.uid = getuid();
	who.gid = getgid();
	w.basefd = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	len = wire_answer(&w, &s, &who, &t0);
	for (i = 0; i < w.nfds; i++)
		close(w.fds[i]);
	assert_int_equal(proto_decode_reply(w.out, len, rep, &why), 0);
}

static void
wire_ask(unsigned type, const char *rel, uint32_t flags, struct fb_reply *rep)
{
	wire_ask_v(type, rel, NULL, flags, rep);
}

/* --tell-rules: a wire reply names the rule of an EACCES (or EPERM) a rule
 * gave, and nothing else: not the rule that hid a path (ENOENT), not
 * without the option. */
static void
test_wire_rule(void **state)
{
	struct fb_reply *rep = malloc(sizeof(*rep));

	(void)state;
	assert_non_null(rep);
	s.tell_rules = 0;
	wire_ask(FB_MSG_OPEN, "d/s.key", O_RDONLY, rep);
	assert_int_equal(rep->error, EACCES);
	assert_string_equal(rep->rule, "");
	s.tell_rules = 1;
	wire_ask(FB_MSG_OPEN, "d/s.key", O_RDONLY, rep);
	assert_int_equal(rep->error, EACCES);
	assert_non_null(strstr(rep->rule, "test.policy:2"));
	record_has(rep->rule);
	wire_ask(FB_MSG_OPEN, "hidden/h.txt", O_RDONLY, rep);
	assert_string_equal(rep->rule, "default");
	wire_ask(FB_MSG_STAT, "hidden/h.txt", 0, rep);
	assert_int_equal(rep->error, ENOENT);
	assert_string_equal(rep->rule, "");
	wire_ask(FB_MSG_OPEN, "d/none", O_RDONLY, rep);
	assert_int_equal(rep->error, ENOENT);
	assert_string_equal(rep->rule, "");
	/* A success after a denial carries nothing of it. */
	wire_ask(FB_MSG_OPEN, "d/s.key", O_RDONLY, rep);
	assert_int_equal(rep->error, EACCES);
	wire_ask(FB_MSG_OPEN, "d/a.txt", O_RDONLY, rep);
	assert_int_equal(rep->error, 0);
	assert_string_equal(rep->rule, "");
	/* OPENV: the last entry a rule refused, with its rule. */
	wire_ask_v(FB_MSG_OPENV, NULL,
	    (const char *const[]){ "d/a.txt", "d/s.key", "hidden/h.txt", "d/none", NULL }, 0, rep);
	assert_int_equal(rep->error, 0);
	assert_int_equal(rep->count, 4);
	assert_int_equal(rep->result[3], ENOENT);
	assert_int_equal(rep->rule_entry, 2);
	assert_string_equal(rep->rule, "default");
	wire_ask_v(FB_MSG_OPENV, NULL, (const char *const[]){ "d/s.key", "d/a.txt", NULL }, 0, rep);
	assert_int_equal(rep->rule_entry, 0);
	assert_non_null(strstr(rep->rule, "test.policy:2"));
	wire_ask_v(FB_MSG_OPENV, NULL, (const char *const[]){ "d/a.txt", "d/none", NULL }, 0, rep);
	assert_string_equal(rep->rule, "");
	s.tell_rules = 0;
	wire_ask_v(FB_MSG_OPENV, NULL, (const char *const[]){ "d/s.key", NULL }, 0, rep);
	assert_int_equal(rep->result[0], EACCES);
	assert_string_equal(rep->rule, "");
	free(rep);
}

static void
test_admit_and_counts(void **state)
{
	uint64_t before = s.nrequests, denied = s.ndenied;

	(void)state;
	assert_int_equal(open_at("d/s.key", O_RDONLY, 0), EACCES);
	assert_int_equal(s.nrequests, before + 1);
	assert_int_equal(s.ndenied, denied + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_allowed),
		cmocka_unit_test(test_open_denied),
		cmocka_unit_test(test_create_mode_bound),
		cmocka_unit_test(test_mkdir),
		cmocka_unit_test(test_exists_visible),
		cmocka_unit_test(test_hidden_errnos),
		cmocka_unit_test(test_hidden_listed),
		cmocka_unit_test(test_open_path),
		cmocka_unit_test(test_stat_native),
		cmocka_unit_test(test_rename_rule),
		cmocka_unit_test(test_link_rule),
		cmocka_unit_test(test_mknod),
		cmocka_unit_test(test_new_modes),
		cmocka_unit_test(test_write_ahead),
		cmocka_unit_test(test_intent_fails),
		cmocka_unit_test(test_admit_and_counts),
		cmocka_unit_test(test_result_rule),
		cmocka_unit_test(test_wire_rule),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
