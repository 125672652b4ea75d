/*
 * test_openv.c: fb_openv() (client/client.c, client/channel.c) against a fake
 * broker that answers right, and then lies: descriptors that do not match the
 * per-entry results, a wrong count, a wrong id.  Every lie must be EPROTO for
 * the whole call, every entry without a descriptor, and no descriptor left
 * in the process, also those of earlier round trips of the same call.
 *
 * The fake broker is a forked child, so that its own descriptors never mix
 * with the ones counted here.  Each descriptor it hands out is a memfd that
 * holds the path it was opened for, so a test can tell that entry i got the
 * file of entry i.  How it answers an OPENV request depends on the first
 * entry's path: "/ok/...", "/extra/..." (one descriptor more than the
 * results say), "/missing/..." (one fewer), "/count/..." (one result fewer
 * than asked), "/nfds/..." (nfds one more, with as many descriptors),
 * "/id/..." (another request's id).  Any path containing "deny" is refused
 * with EACCES, and one that also contains "ruled" is refused by a rule the
 * reply names as --tell-rules does (its name: the path); a path under
 * "/rel/" must start with the test's folder (the library makes relative
 * paths absolute), else EXDEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdpass.h"
#include "filebroker.h"
#include "proto.h"
#include "unit.h"

static pid_t broker = -1;
static char cwd[PATH_MAX];

static int
path_fd(const char *path)
{
	int fd = memfd_create("openv", MFD_CLOEXEC);

	if (fd == -1 || write(fd, path, strlen(path)) != (ssize_t)strlen(path))
		_exit(90);
	return fd;
}

static uint32_t
decide(const char *path)
{
	const char *dir = strcmp(cwd, "/") == 0 ? "" : cwd;

	if (strstr(path, "deny") != NULL)
		return EACCES;
	if (strstr(path, "/rel/") != NULL &&
	    (strncmp(path, dir, strlen(dir)) != 0 || path[strlen(dir)] != '/'))
		return EXDEV;
	return 0;
}

static void serve_conn(int fd);

static void *
conn_thread(void *arg)
{
	serve_conn((int)(intptr_t)arg);
	return NULL;
}

static void
answer_channel(int fd, const void *in, size_t n)
{
	struct fb_request req;
	struct fb_reply rep;
	uint8_t out[FB_REPLY_MAX];
	const char *why;
	pthread_t t;
	ssize_t len;
	int sp[2];

	if (proto_decode_request(in, n, &req, &why) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		_exit(91);
	if (pthread_create(&t, NULL, conn_thread, (void *)(intptr_t)sp[0]) != 0)
		_exit(92);
	pthread_detach(t);
	memset(&rep, 0, sizeof(rep));
	rep.type = FB_MSG_CHANNEL;
	rep.id = req.id;
	rep.nfds = 1;
	if ((len = proto_encode_reply(&rep, out, sizeof(out))) == -1 ||
	    fdpass_send(fd, out, (size_t)len, sp[1], 0) != len)
		_exit(93);
	close(sp[1]);
}

static void
answer_openv(int fd, const void *in, size_t n)
{
	static __thread struct fb_openv_request v;
	struct fb_reply rep;
	uint8_t out[FB_REPLY_MAX];
	int fds[FB_OPENV_MAX + 1];
	const char *why, *mode;
	unsigned nfds = 0, i;
	uint32_t u32;
	ssize_t len;

	if (proto_decode_openv(in, n, &v, &why) == -1)
		_exit(94);
	mode = v.ent[0].path;
	memset(&rep, 0, sizeof(rep));
	rep.type = FB_MSG_OPENV;
	rep.id = strncmp(mode, "/id/", 4) == 0 ? v.id + 1 : v.id;
	rep.count = strncmp(mode, "/count/", 7) == 0 ? v.count - 1 : v.count;
	for (i = 0; i < rep.count; i++) {
		if ((rep.result[i] = decide(v.ent[i].path)) == 0)
			fds[nfds++] = path_fd(v.ent[i].path);
		else if (strstr(v.ent[i].path, "ruled") != NULL) {
			/* The last entry a rule refused. */
			snprintf(rep.rule, sizeof(rep.rule), "%s", v.ent[i].path);
			rep.rule_entry = i;
		}
	}
	rep.nfds = nfds;
	if (rep.count == 0 || (len = proto_encode_reply(&rep, out, sizeof(out))) == -1)
		_exit(95);
	if (strncmp(mode, "/extra/", 7) == 0)
		fds[nfds++] = path_fd("extra");
	else if (strncmp(mode, "/missing/", 9) == 0 && nfds > 0)
		close(fds[--nfds]);
	else if (strncmp(mode, "/nfds/", 6) == 0) {
		/* The header says one more, and one more comes: only the
		 * results can tell the lie. */
		fds[nfds++] = path_fd("extra");
		u32 = nfds;
		memcpy(out + FB_HDR_SIZE + 4, &u32, sizeof(u32));
	}
	if (fdpass_sendv(fd, out, (size_t)len, fds, nfds, 0) != len)
		_exit(96);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void
serve_conn(int fd)
{
	static __thread uint8_t in[FB_MSG_MAX + 1];
	ssize_t n;

	while ((n = recv(fd, in, sizeof(in), 0)) > 0) {
		if (proto_peek_type(in, (size_t)n) == FB_MSG_CHANNEL)
			answer_channel(fd, in, (size_t)n);
		else if (proto_peek_type(in, (size_t)n) == FB_MSG_OPENV)
			answer_openv(fd, in, (size_t)n);
		else
			_exit(97);
	}
	close(fd);
}

static int
setup(void **state)
{
	char num[16];
	int sp[2];

	(void)state;
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if ((broker = unit_fork()) == -1)
		return -1;
	if (broker == 0) {
		close(sp[1]);
		serve_conn(sp[0]);
		_exit(0);
	}
	close(sp[0]);
	/* Not close-on-exec, as filebroker run leaves it. */
	if (fcntl(sp[1], F_SETFD, 0) == -1)
		return -1;
	snprintf(num, sizeof(num), "%d", sp[1]);
	return setenv(FB_ENV_FD, num, 1);
}

static int
teardown(void **state)
{
	int st;

	(void)state;
	fb_disconnect();
	if (broker > 0) {
		kill(broker, SIGKILL);
		waitpid(broker, &st, 0);
	}
	return 0;
}

/* Descriptors of this process that are not sockets: what fb_openv hands
 * out, and nothing of the library's own. */
static int
count_files(void)
{
	struct stat st;
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fstat(fd, &st) == 0 && !S_ISSOCK(st.st_mode))
			n++;
	return n;
}

static void
expect_contents(int fd, const char *want)
{
	char buf[FB_PATH_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void
close_all(struct fb_openv_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].fd != -1)
			close(v[i].fd);
}

static void
test_mixed(void **state)
{
	char rel[PATH_MAX + 16];
	struct fb_openv_entry v[] = {
		{ .path = "/ok/a", .flags = O_RDONLY },
		{ .path = "/ok/deny", .flags = O_RDONLY },
		{ .path = NULL, .flags = O_RDONLY },
		{ .path = "", .flags = O_RDONLY },
		{ .path = "/ok/tmp", .flags = O_RDWR | O_TMPFILE },
		{ .path = "rel/b", .flags = O_RDONLY | O_CLOEXEC },
		{ .path = "/ok/c", .flags = O_WRONLY | O_CREAT, .mode = 0644 },
	};
	int before = count_files();

	(void)state;
	assert_int_equal(fb_openv(v, 7), 3);
	expect_contents(v[0].fd, "/ok/a");
	assert_int_equal(v[0].error, 0);
	assert_int_equal(fcntl(v[0].fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(v[1].fd, -1);
	assert_int_equal(v[1].error, EACCES);
	assert_int_equal(v[2].fd, -1);
	assert_int_equal(v[2].error, EFAULT);
	assert_int_equal(v[3].fd, -1);
	assert_int_equal(v[3].error, ENOENT);
	assert_int_equal(v[4].fd, -1);
	assert_int_equal(v[4].error, EINVAL);
	snprintf(rel, sizeof(rel), "%s/rel/b", strcmp(cwd, "/") == 0 ? "" : cwd);
	expect_contents(v[5].fd, rel);
	assert_true(fcntl(v[5].fd, F_GETFD) & FD_CLOEXEC);
	expect_contents(v[6].fd, "/ok/c");
	close_all(v, 7);
	assert_int_equal(count_files(), before);

	/* Nothing to send: no round trip, nothing opened. */
	assert_int_equal(fb_openv(v, 0), 0);
	assert_int_equal(fb_openv(v + 2, 2), 0);
	assert_int_equal(v[2].error, EFAULT);
	errno = 0;
	assert_int_equal(fb_openv(NULL, 1), -1);
	assert_int_equal(errno, EFAULT);
}

/* More entries than one request holds: several round trips, each entry
 * still gets its own file. */
static void
test_batches(void **state)
{
	static struct fb_openv_entry v[300];
	static char paths[300][32];
	int before = count_files(), i;

	(void)state;
	for (i = 0; i < 300; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/ok/%s%d", i % 7 == 3 ? "deny" : "f", i);
		v[i].path = paths[i];
		v[i].flags = O_RDONLY | O_CLOEXEC;
	}
	assert_int_equal(fb_openv(v, 300), 300 - 43);
	for (i = 0; i < 300; i++) {
		if (i % 7 == 3) {
			assert_int_equal(v[i].fd, -1);
			assert_int_equal(v[i].error, EACCES);
		} else
			expect_contents(v[i].fd, paths[i]);
	}
	close_all(v, 300);
	assert_int_equal(count_files(), before);
}

static void
expect_eproto(const char *first, size_t n)
{
	static struct fb_openv_entry v[200];
	static char paths[200][32];
	int before = count_files();
	const char *what;
	size_t i;

	for (i = 0; i < n; i++) {
		/* The lie is in the last request of the call: the first two
		 * (64 entries each) were answered honestly. */
		what = i % 5 == 0 ? "deny" : "f";
		if (i == 0)
			what = "deny-ruled";
		snprintf(paths[i], sizeof(paths[i]), "%s%s%zu", i >= 128 ? first : "/ok/", what, i);
		v[i].path = paths[i];
		v[i].flags = O_RDONLY;
	}
	errno = 0;
	assert_int_equal(fb_openv(v, n), -1);
	assert_int_equal(errno, EPROTO);
	for (i = 0; i < n; i++) {
		assert_int_equal(v[i].fd, -1);
		assert_int_equal(v[i].error, EPROTO);
	}
	/* Entry 0's rule came with an honest reply, but its outcome is now
	 * EPROTO. */
	assert_null(fb_last_rule());
	assert_int_equal(count_files(), before);
}

/* fb_last_rule() after fb_openv(): the rule of the last entry a rule
 * refused, over every round trip of the call. */
static void
test_rules(void **state)
{
	static struct fb_openv_entry v[130];
	static char paths[130][32];
	const char *what;
	int i;

	(void)state;
	for (i = 0; i < 130; i++) {
		what = i == 71 || i == 129 ? "deny" : "f";
		if (i == 10 || i == 70)
			what = "deny-ruled";
		snprintf(paths[i], sizeof(paths[i]), "/ok/%s%d", what, i);
		v[i].path = paths[i];
		v[i].flags = O_RDONLY;
	}
	/* Three round trips (64, 64, 2): the second names entry 70's rule,
	 * the third none (entry 129 is refused without one). */
	assert_int_equal(fb_openv(v, 130), 126);
	close_all(v, 130);
	assert_string_equal(fb_last_rule(), "/ok/deny-ruled70");
	/* Only entries up to the first round trip's. */
	assert_int_equal(fb_openv(v, 64), 63);
	close_all(v, 64);
	assert_string_equal(fb_last_rule(), "/ok/deny-ruled10");
	/* None refused by a rule: nothing, also after a call that had one. */
	assert_int_equal(fb_openv(v + 11, 59), 59);
	close_all(v + 11, 59);
	assert_null(fb_last_rule());
	assert_int_equal(fb_openv(v + 10, 1), 0);
	assert_non_null(fb_last_rule());
	assert_int_equal(fb_openv(v + 129, 1), 0);
	assert_null(fb_last_rule());
}

static void
test_lies(void **state)
{
	static const char *const lies[] = { "/extra/", "/missing/", "/count/", "/nfds/", "/id/" };
	struct fb_openv_entry ok = { .path = "/ok/after", .flags = O_RDONLY };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		expect_eproto(lies[i], 140);
		/* The channel that lied was dropped; the next call works. */
		assert_int_equal(fb_openv(&ok, 1), 1);
		expect_contents(ok.fd, "/ok/after");
		close(ok.fd);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_lies),
		cmocka_unit_test(test_rules),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
