/*
 * test_client_conn.c: libfilebroker's connection handles (fb_conn_new(),
 * fb_conn_from_fd(), fb_conn_free() and the fb_conn_X() twins) against two
 * fake brokers of fake_broker.h in one process: the first is also the
 * default connection's (FILEBROKER_FD) and listens on a socket path; the
 * second answers "/fake/size/N" with N + BIAS2, so that an answer says
 * which broker gave it.  Handles under threads, across fork() (also while
 * other threads are busy), through fb_sandbox_enter(), their errors, and
 * what they own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_broker.h"

#define BIAS2 1000000000L

/* The second broker: its shared area, pid and the client's end of its
 * bootstrap socket (until a handle takes it). */
static struct shared *sh2;
static pid_t broker2_pid = -1;
static int boot2 = -1;

/* --------------------------------------------------------------- helpers */

/* failed, an expression that calls something, is true, and errno err. */
#define assert_fails(failed, err) \
	do { \
		errno = 0; \
		assert_true(failed); \
		assert_int_equal(errno, (err)); \
	} while (0)

/* Does conn (NULL: the default connection) reach the broker whose answers
 * carry bias? */
static int
stat_ok(fb_conn *conn, long size, long bias)
{
	char p[64];
	struct stat st;
	int r;

	snprintf(p, sizeof(p), "/fake/size/%ld", size);
	r = conn == NULL ? fb_stat(p, &st) : fb_conn_stat(conn, p, &st);
	return r == 0 && st.st_size == size + bias;
}

static int
conn_setup(void **state)
{
	setup(state);
	memset((void *)sh2, 0, sizeof(*sh2));
	atomic_store(&sh2->size_bias, BIAS2);
	broker2_pid = spawn_broker(sh2, -1, &boot2);
	return 0;
}

static int
conn_teardown(void **state)
{
	if (broker2_pid > 0) {
		kill(broker2_pid, SIGKILL);
		waitpid(broker2_pid, NULL, 0);
		broker2_pid = -1;
	}
	if (boot2 >= 0)
		close(boot2);
	boot2 = -1;
	return teardown(state);
}

/* fb_conn_from_fd(boot2): the handle owns it from now on. */
static fb_conn *
conn2(void)
{
	fb_conn *c = fb_conn_from_fd(boot2);

	assert_non_null(c);
	boot2 = -1;
	return c;
}

/* ----------------------------------------------------------------- tests */

static void
test_two_brokers(void **state)
{
	char p[PATH_MAX], buf[32];
	struct stat st;
	fb_conn *c1, *c2;
	int before, fd, b2 = boot2;
	ssize_t n;

	(void)state;
	write_file("two", "through the second\n");
	tpath(p, sizeof(p), "two");
	before = count_fds();
	assert_non_null(c1 = fb_conn_new(sockpath));
	c2 = conn2();

	assert_true(stat_ok(c1, 5, 0));
	assert_true(stat_ok(c2, 5, BIAS2));
	assert_true(stat_ok(NULL, 5, 0));
	assert_int_equal(atomic_load(&sh->requests), 2);
	assert_int_equal(atomic_load(&sh2->requests), 1);

	/* Each call of a handle goes to its broker, with its arguments. */
	fd = fb_conn_open(c2, p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_int_equal(n, 19);
	close(fd);
	assert_int_equal(sh2->last.type, FB_MSG_OPEN);
	assert_string_equal(sh2->last.path, p);
	assert_int_equal(atomic_load(&sh->requests), 2);
	assert_int_equal(fb_conn_lstat(c2, p, &st), 0);
	assert_int_equal(sh2->last.type, FB_MSG_LSTAT);
	assert_int_equal(fb_conn_access(c1, p, R_OK), 0);
	assert_int_equal(sh->last.type, FB_MSG_ACCESS);
	assert_fails(fb_conn_access(c1, p, 0100) == -1, EINVAL);

	/* The socket a handle owns is the library's: fb_close() refuses it. */
	assert_fails(fb_close(b2) == -1, EBADF);

	/* fb_conn_free() closes what the handle owns, and only that; a
	 * descriptor it returned stays open. */
	fd = fb_conn_open(c1, p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	fb_conn_free(c1);
	fb_conn_free(c2);
	assert_int_equal(fcntl(b2, F_GETFD), -1);
	/* boot2 closed; fd and the default connection's channel open. */
	assert_int_equal(count_fds(), before + 1);
	assert_int_equal(read(fd, buf, 3), 3);
	close(fd);
	assert_true(stat_ok(NULL, 6, 0));
	fb_conn_free(NULL);
}

static void
test_calls(void **state)
{
	char p[PATH_MAX], q[PATH_MAX], link[PATH_MAX], buf[PATH_MAX];
	struct dirent *e;
	fb_conn *c = conn2();
	FILE *f;
	DIR *d;
	int seen = 0;

	(void)state;
	tpath(p, sizeof(p), "made");
	tpath(q, sizeof(q), "moved");
	tpath(link, sizeof(link), "link");
	assert_int_equal(fb_conn_mkdir(c, p, 0700), 0);
	assert_int_equal(sh2->last.type, FB_MSG_MKDIR);
	assert_int_equal(fb_conn_rename(c, p, q), 0);
	assert_int_equal(sh2->last.type, FB_MSG_RENAME);
	assert_string_equal(sh2->last.path2, q);
	assert_non_null(d = fb_conn_opendir(c, tmpdir));
	while ((e = readdir(d)) != NULL)
		seen |= strcmp(e->d_name, "moved") == 0;
	closedir(d);
	assert_true(seen);
	assert_int_equal(fb_conn_rmdir(c, q), 0);
	assert_int_equal(sh2->last.type, FB_MSG_RMDIR);

	assert_non_null(f = fb_conn_fopen(c, p, "w"));
	fputs("x", f);
	fclose(f);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(fb_conn_readlink(c, link, buf, sizeof(buf)), (ssize_t)strlen(p));
	assert_memory_equal(buf, p, strlen(p));
	assert_int_equal(fb_conn_unlink(c, link), 0);
	assert_int_equal(sh2->last.type, FB_MSG_UNLINK);
	/* fb_conn_openv() is fb_openv() on a handle: test_openv.c, whose
	 * broker speaks OPENV (this one does not). */
	assert_int_equal(atomic_load(&sh->requests), 0);
	fb_conn_free(c);
}

static void
test_errors(void **state)
{
	struct fb_openv_entry v = { .path = "/", .flags = O_RDONLY };
	char buf[8], num[16];
	struct stat st;
	fb_conn *c;
	int p[2], s[2], b2;

	(void)state;
	/* A NULL handle is EINVAL for every call, never the default. */
	assert_fails(fb_conn_open(NULL, "/", O_RDONLY) == -1, EINVAL);
	assert_fails(fb_conn_openv(NULL, &v, 1) == -1, EINVAL);
	assert_fails(fb_conn_fopen(NULL, "/", "r") == NULL, EINVAL);
	assert_fails(fb_conn_opendir(NULL, "/") == NULL, EINVAL);
	assert_fails(fb_conn_stat(NULL, "/", &st) == -1, EINVAL);
	assert_fails(fb_conn_lstat(NULL, "/", &st) == -1, EINVAL);
	assert_fails(fb_conn_access(NULL, "/", R_OK) == -1, EINVAL);
	assert_fails(fb_conn_readlink(NULL, "/", buf, sizeof(buf)) == -1, EINVAL);
	assert_fails(fb_conn_mkdir(NULL, "/x", 0700) == -1, EINVAL);
	assert_fails(fb_conn_unlink(NULL, "/x") == -1, EINVAL);
	assert_fails(fb_conn_rmdir(NULL, "/x") == -1, EINVAL);
	assert_fails(fb_conn_rename(NULL, "/x", "/y") == -1, EINVAL);
	assert_fails(fb_conn_send_listener(NULL, 0) == -1, EINVAL);
	assert_int_equal(atomic_load(&sh->requests), 0);

	/* fb_conn_from_fd(): on failure the descriptor stays the caller's. */
	assert_fails(fb_conn_from_fd(-1) == NULL, EBADF);
	assert_int_equal(pipe(p), 0);
	assert_fails(fb_conn_from_fd(p[0]) == NULL, ENOTSOCK);
	assert_int_equal(fcntl(p[0], F_GETFD), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	assert_fails(fb_conn_from_fd(s[0]) == NULL, EPROTOTYPE);
	assert_int_equal(fcntl(s[0], F_GETFD), 0);
	close(s[0]);
	close(s[1]);

	/* ... and refuses a socket another connection uses, or will:
	 * FILEBROKER_FD's is the default connection's, one owner closing it
	 * under the other. */
	assert_fails(fb_conn_from_fd(boot_fd) == NULL, EBUSY);
	assert_true(stat_ok(NULL, 6, 0));
	assert_fails(fb_conn_from_fd(boot_fd) == NULL, EBUSY);
	assert_int_equal(fcntl(boot_fd, F_GETFD), 0);
	assert_true(stat_ok(NULL, 6, 0));

	/* fb_conn_new(): a path, or the environment. */
	assert_fails(fb_conn_new("/nonexistent/broker.sock") == NULL, ENOENT);
	assert_non_null(c = fb_conn_new(NULL)); /* FILEBROKER_FD */
	assert_true(stat_ok(c, 7, 0));
	fb_conn_free(c);
	assert_int_equal(fcntl(boot_fd, F_GETFD), 0); /* not the handle's */
	unsetenv(FB_ENV_FD);
	setenv(FB_ENV_SOCKET, sockpath, 1);
	assert_non_null(c = fb_conn_new(NULL));
	assert_true(stat_ok(c, 8, 0));
	fb_conn_free(c);
	unsetenv(FB_ENV_SOCKET);
	assert_fails(fb_conn_new(NULL) == NULL, ENOTCONN);
	snprintf(num, sizeof(num), "%d", boot_fd);
	setenv(FB_ENV_FD, num, 1);

	/* A handle's own socket cannot be given to another. */
	b2 = boot2;
	c = conn2();
	assert_fails(fb_conn_from_fd(b2) == NULL, EBUSY);
	assert_true(stat_ok(c, 9, BIAS2));

	/* A handle whose broker is gone: ECONNRESET, and the other
	 * connections go on. */
	kill(broker2_pid, SIGKILL);
	waitpid(broker2_pid, NULL, 0);
	broker2_pid = -1;
	assert_fails(fb_conn_stat(c, "/fake/size/1", &st) == -1, ECONNRESET);
	assert_fails(fb_conn_stat(c, "/fake/size/1", &st) == -1, ECONNRESET);
	assert_true(stat_ok(NULL, 10, 0));
	fb_conn_free(c);
}

#define NTHREADS 8
#define NREQ 300

struct worker {
	fb_conn *c1, *c2;
	long t;
};

/* Each thread asks through the three connections in turn. */
static void *
mixed_worker(void *arg)
{
	const struct worker *w = arg;
	long i, bad = 0, size;

	for (i = 0; i < NREQ; i++) {
		size = w->t * 100000 + i;
		switch (i % 3) {
		case 0:
			bad += !stat_ok(w->c1, size, 0);
			break;
		case 1:
			bad += !stat_ok(w->c2, size, BIAS2);
			break;
		default:
			bad += !stat_ok(NULL, size, 0);
			break;
		}
	}
	return (void *)(intptr_t)bad;
}

static void
test_threads(void **state)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	void *res;
	long t, bad = 0;
	fb_conn *c1, *c2;
	int before;

	(void)state;
	before = count_fds();
	assert_non_null(c1 = fb_conn_new(sockpath));
	c2 = conn2();
	for (t = 0; t < NTHREADS; t++) {
		w[t] = (struct worker){ c1, c2, t };
		assert_int_equal(pthread_create(&th[t], NULL, mixed_worker, &w[t]), 0);
	}
	for (t = 0; t < NTHREADS; t++) {
		assert_int_equal(pthread_join(th[t], &res), 0);
		bad += (long)(intptr_t)res;
	}
	assert_int_equal(bad, 0);
	/* Thread t asks broker 2 for i = 1, 4, ... below NREQ. */
	assert_int_equal(atomic_load(&sh2->requests), NTHREADS * (NREQ / 3));
	assert_int_equal(atomic_load(&sh->requests), NTHREADS * (NREQ - NREQ / 3));
	assert_int_equal(atomic_load(&sh->dup_ids) + atomic_load(&sh2->dup_ids), 0);
	assert_int_equal(atomic_load(&sh->bad) + atomic_load(&sh2->bad), 0);
	/* At most 8 channels per connection: the default's, c1's, c2's. */
	assert_true(atomic_load(&sh->channels) <= 16);
	assert_true(atomic_load(&sh2->channels) <= 8);
	assert_true(count_fds() - before <= 3 * 8 + 2);
	fb_conn_free(c1);
	fb_conn_free(c2);
	assert_true(count_fds() - before <= 8);
}

static void
test_fork(void **state)
{
	fb_conn *c1, *c2;
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(c1 = fb_conn_new(sockpath));
	c2 = conn2();
	assert_true(stat_ok(c2, 1, BIAS2));
	assert_int_equal(atomic_load(&sh2->channels), 1);
	pid = unit_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		/* The child makes its own channel through the inherited socket,
		 * then reuses it; freeing the handle ends the child's copy. */
		if (!stat_ok(c2, 42, BIAS2) || !stat_ok(c2, 43, BIAS2) || !stat_ok(c1, 44, 0))
			_exit(1);
		if (atomic_load(&sh2->channels) != 2)
			_exit(2);
		fb_conn_free(c2);
		fb_conn_free(c1);
		_exit(stat_ok(NULL, 45, 0) ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's handles are untouched by the child's. */
	assert_true(stat_ok(c2, 2, BIAS2));
	assert_true(stat_ok(c1, 3, 0));
	assert_int_equal(atomic_load(&sh2->channels), 2);
	fb_conn_free(c1);
	fb_conn_free(c2);
}

static atomic_int stop_spin;

static void *
spin_worker(void *arg)
{
	fb_conn *c = arg;
	long bad = 0, i = 0;

	while (!atomic_load(&stop_spin))
		bad += !stat_ok(c, i++ % 1000, BIAS2);
	return (void *)(intptr_t)bad;
}

/* fork() while other threads are in the middle of requests on a handle:
 * the child must neither deadlock on its locks nor read their replies. */
static void
test_fork_while_busy(void **state)
{
	pthread_t th[4];
	fb_conn *c2 = conn2();
	void *res;
	long t, bad = 0;
	int i, status, failed_children = 0;
	pid_t pid;

	(void)state;
	atomic_store(&stop_spin, 0);
	for (t = 0; t < 4; t++)
		assert_int_equal(pthread_create(&th[t], NULL, spin_worker, c2), 0);
	for (i = 0; i < 30 && failed_children == 0; i++) {
		pid = unit_fork();
		if (pid == 0) {
			alarm(10);
			_exit(stat_ok(c2, 777 + i, BIAS2) && stat_ok(NULL, i, 0) ? 0 : 1);
		}
		if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed_children++;
	}
	atomic_store(&stop_spin, 1);
	for (t = 0; t < 4; t++) {
		assert_int_equal(pthread_join(th[t], &res), 0);
		bad += (long)(intptr_t)res;
	}
	assert_int_equal(failed_children, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&sh2->bad), 0);
	fb_conn_free(c2);
}

static void
report(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* In a child: a handle survives fb_sandbox_enter(), which keeps the
 * sockets of every connection (and forgets their channels). */
static int
sandboxed(fb_conn *c2)
{
	struct fb_sandbox sb = {
		.keep_fd = -1,
		.status_fd = -1,
		.weaker = 1,
		.report = report,
	};

	if (!stat_ok(c2, 1, BIAS2) || !stat_ok(NULL, 1, 0))
		return 1;
	if (fb_sandbox_enter(&sb) == -1)
		return errno == ENOTSUP ? 77 : 2;
	if (!stat_ok(c2, 2, BIAS2) || !stat_ok(NULL, 2, 0))
		return 3;
	return atomic_load(&sh2->channels) == 2 ? 0 : 4;
}

static void
test_sandbox(void **state)
{
	fb_conn *c2 = conn2();
	int status;
	pid_t pid;

	(void)state;
	pid = unit_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		_exit(sandboxed(c2));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	fb_conn_free(c2);
}

static int
conn_group_setup(void **state)
{
	sh2 = shared_new();
	return group_setup(state);
}

static int
conn_group_teardown(void **state)
{
	munmap(sh2, sizeof(*sh2));
	return group_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_brokers, conn_setup, conn_teardown),
		cmocka_unit_test_setup_teardown(test_calls, conn_setup, conn_teardown),
		cmocka_unit_test_setup_teardown(test_errors, conn_setup, conn_teardown),
		cmocka_unit_test_setup_teardown(test_threads, conn_setup, conn_teardown),
		cmocka_unit_test_setup_teardown(test_fork, conn_setup, conn_teardown),
		cmocka_unit_test_setup_teardown(test_fork_while_busy, conn_setup, conn_teardown),
		cmocka_unit_test_setup_teardown(test_sandbox, conn_setup, conn_teardown),
	};

	return cmocka_run_group_tests(tests, conn_group_setup, conn_group_teardown);
}
