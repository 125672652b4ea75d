/*
 * test_client.c: libfilebroker's calls (client/client.c) against the fake
 * broker of fake_broker.h: what each call sends and makes of the reply,
 * relative paths, the checks made before anything is sent, the broker's
 * errno passed on, the rule it names (fb_last_rule()), fb_fopen()'s modes,
 * and the version.  The channels
 * beneath the calls are tested in test_client_channel.c, handles in
 * test_client_conn.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_broker.h"

/* --------------------------------------------------------------- helpers */

static void
read_file(const char *name, char *buf, size_t size)
{
	char p[PATH_MAX];
	FILE *f;
	size_t n;

	tpath(p, sizeof(p), name);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* ----------------------------------------------------------------- tests */

static void
test_open_cloexec(void **state)
{
	char p[PATH_MAX], buf[32];
	ssize_t n;
	int fd;

	(void)state;
	write_file("hello", "hello, world\n");
	tpath(p, sizeof(p), "hello");

	fd = fb_open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_int_equal(n, 13);
	buf[n] = '\0';
	assert_string_equal(buf, "hello, world\n");
	assert_int_equal(sh->last.type, FB_MSG_OPEN);
	assert_string_equal(sh->last.path, p);
	assert_int_equal(sh->last.flags, O_RDONLY);
	close(fd);

	fd = fb_open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fb_close(fd), 0);
	errno = 0;
	assert_int_equal(fb_close(fd), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_open_create(void **state)
{
	char p[PATH_MAX];
	struct stat st;
	int fd, before;

	(void)state;
	tpath(p, sizeof(p), "created");
	unlink(p);
	fd = fb_open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sh->last.mode, 0600);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 1);

	errno = 0;
	assert_int_equal(fb_open(p, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
	assert_int_equal(errno, EEXIST);

	/* O_TMPFILE is refused before anything is sent. */
	before = atomic_load(&sh->requests);
	errno = 0;
	assert_int_equal(fb_open(tmpdir, O_TMPFILE | O_RDWR, 0600), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(atomic_load(&sh->requests), before);
}

static void
test_relative_paths(void **state)
{
	char p[PATH_MAX], old[PATH_MAX];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(getcwd(old, sizeof(old)));
	write_file("rel", "r");
	assert_int_equal(chdir(tmpdir), 0);

	fd = fb_open("rel", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	tpath(p, sizeof(p), "rel");
	assert_string_equal(sh->last.path, p);

	/* Lexical: the broker sees the dots. */
	assert_int_equal(fb_stat("./x/../rel", &st), -1);
	assert_int_equal(errno, ENOENT); /* x does not exist */
	tpath(p, sizeof(p), "./x/../rel");
	assert_string_equal(sh->last.path, p);

	/* No double slash at the root. */
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(fb_access("tmp", F_OK), 0);
	assert_string_equal(sh->last.path, "/tmp");

	/* Both paths of a rename. */
	assert_int_equal(chdir(tmpdir), 0);
	write_file("ren1", "1");
	assert_int_equal(fb_rename("ren1", "ren2"), 0);
	tpath(p, sizeof(p), "ren1");
	assert_string_equal(sh->last.path, p);
	tpath(p, sizeof(p), "ren2");
	assert_string_equal(sh->last.path2, p);

	assert_int_equal(chdir(old), 0);
}

static void
test_path_errors(void **state)
{
	static char big[FB_PATH_MAX + 16];
	char old[PATH_MAX];
	struct stat st;
	size_t clen;
	int before;

	(void)state;
	errno = 0;
	assert_int_equal(fb_open(NULL, O_RDONLY), -1);
	assert_int_equal(errno, EFAULT);
	errno = 0;
	assert_int_equal(fb_stat("", &st), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(fb_stat("/", NULL), -1);
	assert_int_equal(errno, EFAULT);
	errno = 0;
	assert_int_equal(fb_rename("/a", NULL), -1);
	assert_int_equal(errno, EFAULT);

	/* Absolute: FB_PATH_MAX - 1 bytes go out, FB_PATH_MAX do not. */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[FB_PATH_MAX] = '\0';
	before = atomic_load(&sh->requests);
	errno = 0;
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(atomic_load(&sh->requests), before);
	big[FB_PATH_MAX - 1] = '\0';
	errno = 0;
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG); /* from the kernel, via the broker */
	assert_int_equal(atomic_load(&sh->requests), before + 1);

	/* Relative: cwd + '/' + path must fit. */
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(tmpdir), 0);
	clen = strlen(tmpdir);
	memset(big, 'b', sizeof(big));
	big[FB_PATH_MAX - 1 - clen - 1] = '\0'; /* exactly FB_PATH_MAX - 1 in all */
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(atomic_load(&sh->requests), before + 2);
	assert_int_equal(strlen(sh->last.path), FB_PATH_MAX - 1);
	big[FB_PATH_MAX - 1 - clen - 1] = 'b';
	big[FB_PATH_MAX - clen - 1] = '\0';
	errno = 0;
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(atomic_load(&sh->requests), before + 2);
	assert_int_equal(chdir(old), 0);
}

static void
test_errno_propagation(void **state)
{
	char p[PATH_MAX], d[PATH_MAX];

	(void)state;
	tpath(p, sizeof(p), "missing");
	errno = 0;
	assert_int_equal(fb_open(p, O_RDONLY), -1);
	assert_int_equal(errno, ENOENT);

	tpath(d, sizeof(d), "full");
	assert_int_equal(fb_mkdir(d, 0755), 0);
	errno = 0;
	assert_int_equal(fb_mkdir(d, 0755), -1);
	assert_int_equal(errno, EEXIST);
	tpath(p, sizeof(p), "full/f");
	write_file("full/f", "f");
	errno = 0;
	assert_int_equal(fb_rmdir(d), -1);
	assert_int_equal(errno, ENOTEMPTY);
	errno = 0;
	assert_int_equal(fb_unlink(d), -1);
	assert_int_equal(errno, EISDIR);
	errno = 0;
	assert_int_equal(fb_open(p, O_RDONLY | O_DIRECTORY), -1);
	assert_int_equal(errno, ENOTDIR);
	errno = 0;
	assert_int_equal(fb_access(p, X_OK), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fb_access(p, R_OK | W_OK), 0);
	errno = 0;
	assert_int_equal(fb_access(p, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fb_unlink(p), 0);
	assert_int_equal(fb_rmdir(d), 0);
	errno = 0;
	assert_int_equal(fb_rmdir(d), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_stat_lstat(void **state)
{
	char p[PATH_MAX], l[PATH_MAX];
	struct stat a, b;

	(void)state;
	write_file("st", "12345");
	tpath(p, sizeof(p), "st");
	tpath(l, sizeof(l), "st.link");
	unlink(l);
	assert_int_equal(symlink("st", l), 0);

	assert_int_equal(fb_stat(l, &a), 0);
	assert_int_equal(stat(p, &b), 0);
	assert_true(S_ISREG(a.st_mode));
	assert_int_equal(a.st_size, 5);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
	assert_int_equal(a.st_nlink, b.st_nlink);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);

	assert_int_equal(fb_lstat(l, &a), 0);
	assert_true(S_ISLNK(a.st_mode));
	assert_int_equal(a.st_size, 2);
}

static void
test_readlink(void **state)
{
	char l[PATH_MAX], p[PATH_MAX], buf[64];

	(void)state;
	tpath(l, sizeof(l), "rl");
	unlink(l);
	assert_int_equal(symlink("0123456789", l), 0);

	memset(buf, '#', sizeof(buf));
	assert_int_equal(fb_readlink(l, buf, 4), 4);
	assert_memory_equal(buf, "0123####", 8);
	memset(buf, '#', sizeof(buf));
	assert_int_equal(fb_readlink(l, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "0123456789#", 11);
	assert_int_equal(fb_readlink(l, buf, 10), 10);

	errno = 0;
	assert_int_equal(fb_readlink(l, buf, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fb_readlink(l, NULL, 10), -1);
	assert_int_equal(errno, EFAULT);
	write_file("notlink", "x");
	tpath(p, sizeof(p), "notlink");
	errno = 0;
	assert_int_equal(fb_readlink(p, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_fopen_modes(void **state)
{
	char p[PATH_MAX], buf[64];
	FILE *f;

	(void)state;
	tpath(p, sizeof(p), "fo");
	write_file("fo", "old contents");

	f = fb_fopen(p, "r");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDONLY);
	assert_int_equal(fcntl(fileno(f), F_GETFD) & FD_CLOEXEC, 0);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "old contents");
	fclose(f);

	f = fb_fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_WRONLY | O_CREAT | O_TRUNC);
	assert_int_equal(sh->last.mode, 0666);
	fputs("new", f);
	fclose(f);
	read_file("fo", buf, sizeof(buf));
	assert_string_equal(buf, "new");

	f = fb_fopen(p, "a");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_WRONLY | O_CREAT | O_APPEND);
	fputs("+more", f);
	fclose(f);
	read_file("fo", buf, sizeof(buf));
	assert_string_equal(buf, "new+more");

	f = fb_fopen(p, "r+");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDWR);
	fputs("N", f);
	fclose(f);
	read_file("fo", buf, sizeof(buf));
	assert_string_equal(buf, "New+more");

	f = fb_fopen(p, "a+");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDWR | O_CREAT | O_APPEND);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "New+more");
	fclose(f);

	f = fb_fopen(p, "w+be");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC);
	assert_int_equal(fcntl(fileno(f), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	fputs("w+", f);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "w+");
	fclose(f);

	errno = 0;
	assert_null(fb_fopen(p, "wx"));
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_null(fb_fopen(p, "q"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fb_fopen(p, "rw"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fb_fopen(p, ""));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fb_fopen(p, NULL));
	assert_int_equal(errno, EFAULT);
	tpath(p, sizeof(p), "nope");
	errno = 0;
	assert_null(fb_fopen(p, "r"));
	assert_int_equal(errno, ENOENT);
}

static void *
other_thread_rule(void *arg)
{
	(void)arg;
	return (void *)(uintptr_t)(fb_last_rule() != NULL);
}

/* fb_last_rule(): the rule the broker named for this thread's last call,
 * and nothing after any other outcome of a later call. */
static void
test_last_rule(void **state)
{
	char p[PATH_MAX];
	struct stat st;
	pthread_t t;
	void *other;
	int fd;

	(void)state;
	write_file("f", "x");
	tpath(p, sizeof(p), "f");
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_open(p, O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	assert_string_equal(fb_last_rule(), FAKE_RULE);
	assert_string_equal(fb_last_rule(), FAKE_RULE); /* reading it changes nothing */
	/* Another thread's calls are its own. */
	assert_int_equal(pthread_create(&t, NULL, other_thread_rule, NULL), 0);
	assert_int_equal(pthread_join(t, &other), 0);
	assert_null(other);
	/* A success. */
	assert_int_equal(fb_stat(p, &st), 0);
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_access(p, R_OK), -1);
	assert_string_equal(fb_last_rule(), FAKE_RULE);
	/* An errno the broker gave without a rule. */
	tpath(p, sizeof(p), "none");
	assert_int_equal(fb_unlink(p), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(fb_last_rule());
	/* A failure before anything is asked, by each kind of call. */
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_mkdir(p, 0700), -1);
	assert_string_equal(fb_last_rule(), FAKE_RULE);
	assert_int_equal(fb_open(NULL, O_RDONLY), -1);
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_rmdir(p), -1);
	assert_non_null(fb_last_rule());
	assert_int_equal(fb_access(p, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_rmdir(p), -1);
	assert_non_null(fb_last_rule());
	assert_int_equal(fb_rename(p, NULL), -1);
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_rmdir(p), -1);
	assert_non_null(fb_last_rule());
	assert_int_equal(fb_fstatat(AT_FDCWD, p, &st, 0x4000), -1);
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_rmdir(p), -1);
	assert_non_null(fb_last_rule());
	assert_null(fb_fopen(p, "q"));
	assert_null(fb_last_rule());
	atomic_store(&sh->mode, M_RULE);
	assert_int_equal(fb_rmdir(p), -1);
	assert_non_null(fb_last_rule());
	assert_int_equal(fb_conn_stat(NULL, p, &st), -1);
	assert_null(fb_last_rule());
	/* The calls built on others, and a handle's. */
	tpath(p, sizeof(p), "f");
	atomic_store(&sh->mode, M_RULE);
	assert_null(fb_fopen(p, "r"));
	assert_string_equal(fb_last_rule(), FAKE_RULE);
	atomic_store(&sh->mode, M_RULE);
	assert_null(fb_opendir(tmpdir));
	assert_string_equal(fb_last_rule(), FAKE_RULE);
	assert_true((fd = fb_open(p, O_RDONLY)) >= 0);
	close(fd);
	assert_null(fb_last_rule());
}

/* The header's version macros agree with each other and with the library
 * (the Makefile takes VERSION from the same macros). */
static void
test_version(void **state)
{
	char v[32];

	(void)state;
	snprintf(v, sizeof(v), "%d.%d.%d", FB_VERSION_MAJOR, FB_VERSION_MINOR, FB_VERSION_PATCH);
	assert_string_equal(FB_VERSION, v);
	assert_string_equal(fb_version(), FB_VERSION);
	assert_ptr_equal(fb_version(), fb_version());
}

static void
test_opendir(void **state)
{
	char d[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int seen = 0;

	(void)state;
	tpath(d, sizeof(d), "dir");
	assert_int_equal(fb_mkdir(d, 0700), 0);
	write_file("dir/one", "1");
	write_file("dir/two", "2");
	dir = fb_opendir(d);
	assert_non_null(dir);
	assert_int_equal(fcntl(dirfd(dir), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, "one") == 0)
			seen |= 1;
		else if (strcmp(e->d_name, "two") == 0)
			seen |= 2;
	}
	closedir(dir);
	assert_int_equal(seen, 3);
	tpath(d, sizeof(d), "dir/one");
	errno = 0;
	assert_null(fb_opendir(d));
	assert_int_equal(errno, ENOTDIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_cloexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errno_propagation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_lstat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fopen_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opendir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_rule, setup, teardown),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
