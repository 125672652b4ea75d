/*
 * test_client_channel.c: libfilebroker's connections to the broker
 * (client/channel.c) against the fake broker of fake_broker.h: the channel
 * pool under threads, fork() (also while other threads are busy), a broker
 * that hangs up or dies, replies that break the protocol, and finding the
 * broker through FILEBROKER_FD, FILEBROKER_SOCKET or fb_connect().
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_broker.h"

/* --------------------------------------------------------------- helpers */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------------------- tests */

#define NTHREADS 8
#define NREQ 500

static void *
stat_worker(void *arg)
{
	long t = (long)(intptr_t)arg, i, bad = 0;
	char p[64];
	struct stat st;

	for (i = 0; i < NREQ; i++) {
		long want = t * 100000 + i;

		snprintf(p, sizeof(p), "/fake/size/%ld", want);
		if (fb_stat(p, &st) == -1 || st.st_size != want)
			bad++;
	}
	return (void *)(intptr_t)bad;
}

static void
test_threads(void **state)
{
	pthread_t th[NTHREADS];
	void *res;
	long t, bad = 0;
	int fds_before;

	(void)state;
	fds_before = count_fds();
	for (t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, stat_worker, (void *)(intptr_t)t), 0);
	for (t = 0; t < NTHREADS; t++) {
		assert_int_equal(pthread_join(th[t], &res), 0);
		bad += (long)(intptr_t)res;
	}
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&sh->requests), NTHREADS * NREQ);
	assert_int_equal(atomic_load(&sh->dup_ids), 0);
	assert_int_equal(atomic_load(&sh->bad), 0);
	assert_true(atomic_load(&sh->channels) >= 1);
	assert_true(atomic_load(&sh->channels) <= 8);
	/* The pool holds at most 8 channels. */
	assert_true(count_fds() - fds_before <= 8);
}

static int
child_stat_ok(long size)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/fake/size/%ld", size);
	return fb_stat(p, &st) == 0 && st.st_size == size;
}

static void
test_fork(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	assert_true(child_stat_ok(1));
	assert_int_equal(atomic_load(&sh->channels), 1);
	pid = unit_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		/* The child asks for its own channel, then reuses it. */
		if (!child_stat_ok(42) || !child_stat_ok(43))
			_exit(1);
		_exit(atomic_load(&sh->channels) == 2 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent still has its own channel. */
	assert_true(child_stat_ok(2));
	assert_int_equal(atomic_load(&sh->channels), 2);
	/* Ids need only be unique per channel: the child continues the
	 * parent's sequence, so sh->dup_ids is not checked here. */
}

static atomic_int stop_spin;

static void *
spin_worker(void *arg)
{
	long t = (long)(intptr_t)arg, bad = 0, i = 0;

	while (!atomic_load(&stop_spin))
		if (!child_stat_ok(t * 1000000 + (i++ % 1000)))
			bad++;
	return (void *)(intptr_t)bad;
}

/* fork() while other threads are in the middle of requests: the child must
 * neither deadlock on their locks nor read their replies. */
static void
test_fork_while_busy(void **state)
{
	pthread_t th[4];
	void *res;
	long t, bad = 0;
	int i, status, failed_children = 0;
	pid_t pid;

	(void)state;
	atomic_store(&stop_spin, 0);
	for (t = 0; t < 4; t++)
		assert_int_equal(pthread_create(&th[t], NULL, spin_worker, (void *)(intptr_t)t), 0);
	for (i = 0; i < 30 && failed_children == 0; i++) {
		pid = unit_fork();
		if (pid == 0) {
			alarm(10);
			_exit(child_stat_ok(777 + i) && child_stat_ok(778 + i) ? 0 : 1);
		}
		if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed_children++;
	}
	/* Stop the threads before any assertion, so that a failure cannot
	 * leave them running into the next test. */
	atomic_store(&stop_spin, 1);
	for (t = 0; t < 4; t++) {
		assert_int_equal(pthread_join(th[t], &res), 0);
		bad += (long)(intptr_t)res;
	}
	assert_int_equal(failed_children, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&sh->bad), 0);
}

static void
test_broker_gone(void **state)
{
	struct stat st;
	double t0;

	(void)state;
	assert_true(child_stat_ok(5));

	/* The broker closes one channel: that call fails, the next one gets
	 * a new channel. */
	atomic_store(&sh->mode, M_HANGUP);
	t0 = now();
	errno = 0;
	assert_int_equal(fb_stat("/fake/size/6", &st), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_true(child_stat_ok(7));
	assert_int_equal(atomic_load(&sh->channels), 2);

	/* The broker dies: prompt ECONNRESET, on the channel and then on the
	 * bootstrap socket. */
	kill(broker_pid, SIGKILL);
	waitpid(broker_pid, NULL, 0);
	broker_pid = -1;
	errno = 0;
	assert_int_equal(fb_stat("/fake/size/8", &st), -1);
	assert_int_equal(errno, ECONNRESET);
	errno = 0;
	assert_int_equal(fb_open("/etc/passwd", O_RDONLY), -1);
	assert_int_equal(errno, ECONNRESET);
	/* Prompt: the client waits out no timeout and sleeps in no retry.
	 * The calls take microseconds; the bound is one that only such a
	 * wait would pass, not a slow or loaded machine. */
	assert_true(now() - t0 < 20.0);
}

struct evil {
	enum mode mode;
	int open; /* use fb_open (a reply that carries a descriptor) */
	int err;
};

static void
test_malicious_replies(void **state)
{
	static const struct evil cases[] = {
		{ M_EXTRA_FD, 0, EPROTO },
		{ M_EXTRA_FD, 1, EPROTO },
		{ M_TWO_CMSG, 1, EPROTO },
		{ M_MISSING_FD, 1, EPROTO },
		{ M_TRAILING, 0, EPROTO },
		{ M_TRAILING, 1, EPROTO },
		{ M_WRONG_ID, 0, EPROTO },
		{ M_WRONG_ID, 1, EPROTO },
		{ M_WRONG_TYPE, 0, EPROTO },
		{ M_WRONG_TYPE, 1, EPROTO },
		{ M_GARBAGE, 1, EPROTO },
		{ M_EMPTY, 0, ECONNRESET },
		{ M_HANGUP, 1, ECONNRESET },
		{ M_CHAN_EMFILE, 0, EMFILE },
	};
	char p[PATH_MAX];
	struct stat st;
	size_t i;
	int before, fd, r;

	(void)state;
	write_file("evil", "e");
	tpath(p, sizeof(p), "evil");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Start without channels so the count compares like with like. */
		fb_disconnect();
		before = count_fds();
		atomic_store(&sh->mode, cases[i].mode);
		errno = 0;
		if (cases[i].open) {
			fd = fb_open(p, O_RDONLY);
			r = fd;
			if (fd >= 0)
				close(fd);
		} else
			r = fb_stat(p, &st);
		if (r != -1 || errno != cases[i].err)
			fail_msg("case %zu (mode %d): r=%d errno=%s", i, cases[i].mode, r,
			    strerror(errno));
		assert_int_equal(count_fds(), before);
		/* The channel was dropped, not the connection. */
		assert_int_equal(fb_stat(p, &st), 0);
		assert_int_equal(atomic_load(&sh->mode), M_NONE);
	}
}

static void
test_env_validation(void **state)
{
	char num[16];
	struct stat st;
	int p[2], s[2];

	(void)state;
	fb_disconnect();
	setenv(FB_ENV_FD, "abc", 1);
	errno = 0;
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "-1", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, " 3", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "99999999999", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "1000", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);

	assert_int_equal(pipe(p), 0);
	snprintf(num, sizeof(num), "%d", p[0]);
	setenv(FB_ENV_FD, num, 1);
	errno = 0;
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	snprintf(num, sizeof(num), "%d", s[0]);
	setenv(FB_ENV_FD, num, 1);
	errno = 0;
	assert_int_equal(fb_stat("/", &st), -1);
	assert_int_equal(errno, EPROTOTYPE);
	close(s[0]);
	close(s[1]);

	unsetenv(FB_ENV_FD);
	errno = 0;
	assert_int_equal(fb_stat("/", &st), -1);
	assert_int_equal(errno, ENOTCONN);

	/* Back to the real one; fb_connect() is idempotent. */
	snprintf(num, sizeof(num), "%d", boot_fd);
	setenv(FB_ENV_FD, num, 1);
	assert_int_equal(fb_connect(NULL), 0);
	assert_int_equal(fb_connect(NULL), 0);
	assert_true(child_stat_ok(9));
	/* The library's own sockets cannot be closed through fb_close(). */
	errno = 0;
	assert_int_equal(fb_close(boot_fd), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fcntl(boot_fd, F_GETFD), 0);
	/* fb_disconnect() leaves FILEBROKER_FD's descriptor open. */
	fb_disconnect();
	assert_true(fcntl(boot_fd, F_GETFD) != -1);
	assert_true(child_stat_ok(10));
}

static void
test_daemon_mode(void **state)
{
	static char longpath[200];
	struct stat st;
	int before;

	(void)state;
	fb_disconnect();
	unsetenv(FB_ENV_FD);
	before = count_fds();
	assert_int_equal(fb_connect(sockpath), 0);
	assert_int_equal(fb_connect(sockpath), 0);
	assert_true(child_stat_ok(11));
	assert_int_equal(count_fds(), before + 2); /* bootstrap + one channel */
	fb_disconnect();
	assert_int_equal(count_fds(), before);

	/* FILEBROKER_SOCKET when FILEBROKER_FD is unset. */
	setenv(FB_ENV_SOCKET, sockpath, 1);
	assert_true(child_stat_ok(12));
	fb_disconnect();
	assert_int_equal(count_fds(), before);
	unsetenv(FB_ENV_SOCKET);

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	errno = 0;
	assert_int_equal(fb_connect(longpath), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_int_equal(fb_connect("/nonexistent/broker.sock"), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(fb_stat("/", &st), -1);
	assert_int_equal(errno, ENOTCONN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_while_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broker_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malicious_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_mode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
