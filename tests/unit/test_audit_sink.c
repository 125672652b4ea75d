/*
 * test_audit_sink.c: the sinks beyond a plain file (broker/audit/audit_sink.c):
 * complain-mode records, several sinks at once, a removed file failing
 * closed (without asking the file's times), --audit-sync, syslog on a socket of the test's own (never the
 * host's /dev/log), the journal's fields, and the failure of a journal or
 * syslog that is not there.  /dev/fd/N sinks, and the check that no sink
 * shares a file with the worker's stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_testverify.h"
#include "policy.h"
#include "unit.h"

static char tmpdir[64];

static struct audit_event
base_event(void)
{
	struct audit_event ev = {
		.when = { 1795615387, 123456789 },
		.pid = 123,
		.uid = 65534,
		.gid = 65534,
		.mode = "explicit",
		.op = "open",
		.path = "/srv/in/a.txt",
		.canon = "/srv/in/a.txt",
		.access = POLICY_READ,
		.flags = O_RDONLY,
		.allowed = 1,
		.rule = "p.policy:3",
		.duration_ns = 12345,
	};
	return ev;
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static void
test_complain_formats(void **state)
{
	struct audit_event ev = base_event();
	char buf[AUDIT_RECORD_MAX];

	(void)state;
	ev.allowed = 0;
	ev.waived = 1;
	ev.complain = 1;
	ev.rule = "default";
	assert_true(audit_format(&ev, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"decision\":\"would-deny\",\"rule\":\"default\""));
	assert_non_null(strstr(buf, "\"duration_us\":12.345,\"complain\":true}\n"));
	assert_true(audit_format_denial(&ev, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "filebroker: would deny open of \"/srv/in/a.txt\" (read) for pid "
	    "123: rule default\n");
	/* An allow in complain mode is marked too, and is no denial. */
	ev = base_event();
	ev.complain = 1;
	assert_true(audit_format(&ev, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"decision\":\"allow\""));
	assert_non_null(strstr(buf, "\"complain\":true"));
	assert_int_equal(audit_format_denial(&ev, buf, sizeof(buf)), 0);
}

static void
test_chain(void **state)
{
	struct audit *list = NULL, *a;
	struct audit_event ev = base_event();
	char p1[128], p2[128], t1[65536];

	(void)state;
	snprintf(p1, sizeof(p1), "%s/one", tmpdir);
	snprintf(p2, sizeof(p2), "%s/two", tmpdir);
	assert_int_equal(audit_open(p1, &a), 0);
	audit_chain(&list, a);
	assert_int_equal(audit_open_flags(p2, AUDIT_SYNC, &a), 0);
	audit_chain(&list, a);
	assert_string_equal(audit_name(list), p1);
	assert_int_equal(audit_write(list, &ev), 0);
	assert_int_equal(audit_write(list, &ev), 0);
	assert_null(audit_failed(list));
	/* The same records in each, each in a chain of its own. */
	snprintf(t1, sizeof(t1), "%s", slurp(p1));
	{
		const char *t2 = slurp(p2);
		char *a1, *a2, *u1, *u2;
		int i;

		for (i = 1; i <= 2; i++) {
			a1 = line_of(t1, i);
			a2 = line_of(t2, i);
			u1 = unseal(a1);
			u2 = unseal(a2);
			assert_string_equal(u1, u2);
			assert_string_not_equal(a1, a2); /* chain ids, digests */
			free(a1);
			free(a2);
			free(u1);
			free(u2);
		}
		assert_null(line_of(t2, 3));
	}

	/* A removed file fails closed (ENOENT), the other sink still gets
	 * the record, and the failing one is named. */
	assert_int_equal(unlink(p2), 0);
	errno = 0;
	assert_int_equal(audit_write(list, &ev), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(audit_failed(list), p2);
	assert_int_equal(count_records(p1), 3);
	audit_close(list);
	unlink(p1);
	assert_int_equal(audit_open_flags(p1, 0x80, &a), -1);
	assert_int_equal(errno, EINVAL);
}

/*
 * A record's write is followed by a look at the file's link count (a
 * removed file fails closed, above), and by nothing that asks its times:
 * on a file system with fine-grained timestamps (Linux 6.13: ext4, XFS,
 * btrfs, tmpfs) a file whose times were asked gets new ones at its next
 * write, its inode dirtied, which made each record's write(2) twice as
 * dear.  fstat(2) asks them; so a child that may not call it (its filter
 * kills newfstatat and fstat) must still write its records.
 */
static void
test_no_times_asked(void **state)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_newfstatat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fstat, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	struct audit_event ev = base_event();
	struct audit *a;
	char p[128];
	int status;
	pid_t pid;

	(void)state;
	snprintf(p, sizeof(p), "%s/times", tmpdir);
	if ((pid = fork()) == 0) {
		if (audit_open(p, &a) == -1 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
			_exit(2);
		_exit(audit_write(a, &ev) == 0 && audit_write(a, &ev) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the record's write asked the file's times (killed by signal %d)",
		    WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_records(p), 2);
	unlink(p);
}

static void
test_syslog(void **state)
{
	struct audit_event ev = base_event();
	struct sockaddr_un sa;
	struct audit *a;
	char path[96], buf[AUDIT_RECORD_MAX], want[AUDIT_RECORD_MAX + 64], rec[4096];
	ssize_t n;
	int srv;

	(void)state;
	/* The pure formatter: authpriv (10) * 8 + info (6). */
	assert_true(audit_format(&ev, rec, sizeof(rec)) > 0);
	rec[strlen(rec) - 1] = '\0';
	snprintf(want, sizeof(want), "<86>filebroker[77]: %s", rec);
	n = audit_format_syslog(&ev, 77, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)strlen(want));
	assert_string_equal(buf, want);
	ev.allowed = 0;
	ev.rule = "default";
	assert_true(audit_format_syslog(&ev, 77, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<84>", 4), 0); /* warning */
	ev.waived = 1;
	assert_true(audit_format_syslog(&ev, 77, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<85>", 4), 0); /* notice */
	assert_int_equal(audit_format_syslog(&ev, 77, buf, 10), -1);
	assert_int_equal(errno, ENOBUFS);

	/* A socket of our own stands for /dev/log. */
	snprintf(path, sizeof(path), "%s/log", tmpdir);
	assert_int_equal(audit_open_syslog(path, &a), -1);
	assert_int_equal(errno, ENOENT);
	srv = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(srv >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(audit_open_syslog(path, &a), 0);
	assert_string_equal(audit_name(a), "syslog");
	ev = base_event();
	assert_int_equal(audit_write(a, &ev), 0);
	n = recv(srv, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "<86>filebroker[%d]: %s", (int)getpid(), rec);
	assert_string_equal(buf, want);

	/* The daemon goes away: the record fails, closed. */
	close(srv);
	unlink(path);
	assert_int_equal(audit_write(a, &ev), -1);
	assert_non_null(audit_failed(a));
	audit_close(a);
}

static void
test_journal_fields(void **state)
{
	struct audit_event ev = base_event();
	struct iovec iov[AUDIT_JOURNAL_FIELDS];
	char buf[AUDIT_RECORD_MAX], all[8192] = "";
	int n, i;

	(void)state;
	ev.path = "/srv/in/\xff.txt";
	ev.complain = 1;
	n = audit_format_journal(&ev, buf, sizeof(buf), iov);
	assert_true(n > 10 && n <= AUDIT_JOURNAL_FIELDS);
	for (i = 0; i < n; i++) {
		char f[1024];

		assert_true(iov[i].iov_len < sizeof(f));
		memcpy(f, iov[i].iov_base, iov[i].iov_len);
		f[iov[i].iov_len] = '\0';
		assert_non_null(strchr(f, '='));
		assert_null(strchr(f, '\n'));
		strcat(all, f);
		strcat(all, "\n");
	}
	assert_string_equal(strtok(all, "\n"),
	    "MESSAGE=allowed open of \"/srv/in/\xef\xbf\xbd.txt\" (resolved \"/srv/in/a.txt\") "
	    "(read) for pid 123: rule p.policy:3");
	assert_non_null(strstr(all + strlen(all) + 1,
	    "PRIORITY=6\nSYSLOG_IDENTIFIER=filebroker\n"
	    "SYSLOG_FACILITY=10\nFILEBROKER_V=2\n"));
	memset(all, 0, sizeof(all));
	for (i = 0; i < n; i++) {
		strncat(all, iov[i].iov_base, iov[i].iov_len);
		strcat(all, "\n");
	}
	assert_non_null(strstr(all, "FILEBROKER_TIME=\"2026-11-25T14:03:07.123456Z\"\n"));
	assert_non_null(
	    strstr(all, "FILEBROKER_PID=123\nFILEBROKER_TID=0\nFILEBROKER_UID=65534\n"));
	assert_non_null(strstr(all, "FILEBROKER_OP=open\n"));
	assert_non_null(strstr(all,
	    "FILEBROKER_PATH=/srv/in/\xef\xbf\xbd.txt\n"
	    "FILEBROKER_PATH_HEX=2f7372762f696e2fff2e747874\n"));
	assert_non_null(strstr(all, "FILEBROKER_CANON=/srv/in/a.txt\n"));
	assert_non_null(strstr(all,
	    "FILEBROKER_ACCESS=read\nFILEBROKER_FLAGS=O_RDONLY\n"
	    "FILEBROKER_DECISION=allow\nFILEBROKER_RULE=p.policy:3\n"));
	assert_null(strstr(all, "FILEBROKER_ERRNO"));
	assert_non_null(strstr(all, "FILEBROKER_DURATION_US=12.345\nFILEBROKER_COMPLAIN=1\n"));

	/* A denial: warning, and its errno. */
	ev.allowed = 0;
	ev.rule = "default";
	ev.err = EACCES;
	n = audit_format_journal(&ev, buf, sizeof(buf), iov);
	assert_true(n > 0);
	assert_int_equal(strncmp(iov[0].iov_base, "MESSAGE=denied open of", 22), 0);
	assert_int_equal(strncmp(iov[1].iov_base, "PRIORITY=4", iov[1].iov_len), 0);
	assert_true(audit_format_journal(&ev, buf, 100, iov) == -1 && errno == ENOBUFS);
}

static void
test_unavailable(void **state)
{
	struct audit *a = NULL;
	struct stat st;

	(void)state;
	/* Here only when the host has neither: the brief's "fails at start". */
	if (stat(AUDIT_JOURNAL_PATH, &st) == -1) {
		assert_int_equal(audit_open("journal", &a), -1);
		assert_true(errno == ENOENT || errno == ENOSYS);
		assert_null(a);
	}
	if (stat(AUDIT_SYSLOG_PATH, &st) == -1) {
		assert_int_equal(audit_open("syslog", &a), -1);
		assert_int_equal(errno, ENOENT);
		assert_null(a);
	}
}

static void
test_fd_sink(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	char name[32], buf[4096];
	int p[2], fd;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	fd = fcntl(p[1], F_DUPFD, 100);
	assert_true(fd >= 100);
	snprintf(name, sizeof(name), "/dev/fd/%d", fd);
	assert_int_equal(audit_open(name, &a), 0);
	assert_string_equal(audit_name(a), name);
	close(fd); /* the sink has its own duplicate */
	assert_int_equal(audit_write(a, &ev), 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "{\"v\":2,", 7), 0);
	audit_close(a);
	close(p[0]);
	close(p[1]);
	/* Not open: EBADF.  Not a number: a path like any other. */
	assert_int_equal(audit_open(name, &a), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(audit_open("/dev/fd/99999999999", &a), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(audit_open("/dev/fd/-1", &a), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_unshared(void **state)
{
	struct audit *list = NULL, *a;
	char path[128], name[32], msg[512];
	int p[2], q[2], fd, wfd, m, pts;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	fd = fcntl(p[1], F_DUPFD, 100);
	snprintf(name, sizeof(name), "/dev/fd/%d", fd);
	assert_int_equal(audit_open(name, &a), 0);
	audit_chain(&list, a);
	close(fd);
	/* The worker's stdio elsewhere: fine. */
	assert_int_equal(audit_check_unshared(list, (const int[]){ q[0], q[1] }, 2, msg,
			     sizeof(msg)),
	    0);
	/* The worker's stderr is the same pipe (another descriptor of it). */
	errno = 0;
	assert_int_equal(audit_check_unshared(list, (const int[]){ q[1], p[1] }, 2, msg,
			     sizeof(msg)),
	    -1);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(msg, name));
	assert_non_null(strstr(msg,
	    "is the same pipe: it could write lines there that look like "
	    "records"));

	/* A file sink that is also the worker's stderr, opened apart. */
	snprintf(path, sizeof(path), "%s/shared.jsonl", tmpdir);
	assert_int_equal(audit_open(path, &a), 0);
	audit_chain(&list, a);
	wfd = open(path, O_WRONLY | O_APPEND);
	assert_true(wfd >= 0);
	assert_int_equal(audit_check_unshared(list, (const int[]){ q[1], wfd }, 2, msg,
			     sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "is the same file"));
	assert_non_null(strstr(msg, path));
	close(wfd);
	audit_close(list);
	unlink(path);
	close(p[0]);
	close(p[1]);

	/* A terminal is a view: allowed, shared or not. */
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 || unlockpt(m) == -1 ||
	    (pts = open(ptsname(m), O_RDWR | O_NOCTTY)) == -1) {
		if (m != -1)
			close(m);
		close(q[0]);
		close(q[1]);
		skip();
	}
	fd = fcntl(pts, F_DUPFD, 100);
	snprintf(name, sizeof(name), "/dev/fd/%d", fd);
	assert_int_equal(audit_open(name, &a), 0);
	close(fd);
	assert_int_equal(audit_check_unshared(a, (const int[]){ pts }, 1, msg, sizeof(msg)), 0);
	audit_close(a);
	close(pts);
	close(m);
	close(q[0]);
	close(q[1]);
}

static int
setup(void **state)
{
	(void)state;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_audit_sink");
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complain_formats),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_no_times_asked),
		cmocka_unit_test(test_syslog),
		cmocka_unit_test(test_journal_fields),
		cmocka_unit_test(test_unavailable),
		cmocka_unit_test(test_fd_sink),
		cmocka_unit_test(test_unshared),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
