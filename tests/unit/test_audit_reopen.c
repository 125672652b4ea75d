/*
 * test_audit_reopen.c: audit_reopen() (broker/audit/audit_sink.c), what the daemon
 * does on SIGHUP for log rotation: a file renamed away is replaced by a new
 * one, created 0600; a file that cannot be opened again leaves the sink on
 * its old descriptor, reported once with its errno; other sinks are left
 * alone.  A torn line is ended on both sides of a reopen: the new file's
 * (left by a broker that stopped mid-write), and the old one's (left by a
 * short write of this sink).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_testutil.h"
#include "audit_testverify.h"
#include "policy.h"
#include "unit.h"

static char tmpdir[64];

struct reports {
	int n;
	int err;
	char name[128];
};

static void
report(const char *name, int err, void *arg)
{
	struct reports *r = arg;

	r->n++;
	r->err = err;
	snprintf(r->name, sizeof(r->name), "%s", name);
}

static struct audit_event
event(void)
{
	struct audit_event ev = {
		.when = { 1795615387, 0 },
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
	};
	return ev;
}

/* Request records in the file at path, -1 when it cannot be read. */
static int
records(const char *path)
{
	return count_records(path);
}

static void
test_rotation(void **state)
{
	struct audit_event ev = event();
	struct reports r = { 0 };
	struct audit *a;
	struct stat st;
	char p[128], p1[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/audit.log", tmpdir);
	snprintf(p1, sizeof(p1), "%s/audit.log.1", tmpdir);
	assert_int_equal(audit_open(p, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	/* Renamed away: records go on to the renamed file until the reopen. */
	assert_int_equal(rename(p, p1), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(records(p1), 3);
	assert_int_equal(audit_reopen(a, report, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.err, 0);
	assert_string_equal(r.name, p);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(records(p1), 3);
	assert_int_equal(records(p), 1);
	/* Without rotation it reopens the same file and appends to it. */
	assert_int_equal(audit_reopen(a, NULL, NULL), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(records(p), 2);
	audit_close(a);
	/* One chain through both files, the old one first: its open record
	 * in the new file names the last line in the old one ("prev"). */
	{
		const char *set[] = { p1, p };
		struct vcheck vc;
		char *buf, *l;
		size_t len;

		vcheck_files(set, 2, NULL, 0, NULL, &vc);
		assert_int_equal(vc.res.breaks, 0);
		assert_int_equal(vc.res.nchains, 1);
		assert_string_equal(vc.said, "");
		buf = read_all(p, &len);
		l = line_of(buf, 0);
		assert_non_null(strstr(l, "\"event\":\"open\""));
		assert_non_null(strstr(l, "\"cause\":\"reopen\""));
		assert_null(strstr(l, "\"prev\":null"));
		free(l);
		free(buf);
		/* The new file alone: the chain goes on from a file not given. */
		vcheck_files(set + 1, 1, NULL, 0, NULL, &vc);
		assert_int_equal(vc.res.breaks, 0);
		assert_string_equal(vc.said, "~continues@1 ");
	}
	unlink(p);
	unlink(p1);
}

static void
test_failed_reopen(void **state)
{
	struct audit_event ev = event();
	struct reports r = { 0 };
	struct audit *a;
	char p[128], p1[128], other[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/audit.log", tmpdir);
	snprintf(p1, sizeof(p1), "%s/audit.log.1", tmpdir);
	snprintf(other, sizeof(other), "%s/other", tmpdir);
	assert_int_equal(audit_open(p, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(rename(p, p1), 0);

	/* A folder in its place: EISDIR, and the old file keeps the records. */
	assert_int_equal(mkdir(p, 0700), 0);
	errno = 0;
	assert_int_equal(audit_reopen(a, report, &r), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.err, EISDIR);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_null(audit_failed(a));
	assert_int_equal(records(p1), 2);
	assert_int_equal(rmdir(p), 0);

	/* A symlink planted there is not followed (ELOOP). */
	assert_int_equal(symlink(other, p), 0);
	assert_int_equal(audit_reopen(a, report, &r), -1);
	assert_int_equal(r.err, ELOOP);
	assert_int_equal(access(other, F_OK), -1);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(records(p1), 3);
	assert_int_equal(unlink(p), 0);

	/* Once the name is free again, the next reopen succeeds. */
	assert_int_equal(audit_reopen(a, report, &r), 0);
	assert_int_equal(r.err, 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(records(p), 1);
	assert_int_equal(records(p1), 3);
	audit_close(a);
	unlink(p);
	unlink(p1);
}

static void
test_torn_reopen(void **state)
{
	struct audit_event ev = event();
	struct audit *a;
	char p[128], p1[128], *buf, *nl;
	size_t len;
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/audit.log", tmpdir);
	snprintf(p1, sizeof(p1), "%s/audit.log.1", tmpdir);
	assert_int_equal(audit_open(p, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	/* A short write (a file size limit half a record further) leaves
	 * this sink's file torn. */
	buf = malloc(AUDIT_RECORD_MAX);
	assert_non_null(buf);
	{
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(write_limited(a, &ev,
				     (rlim_t)st.st_size +
					 (rlim_t)audit_format(&ev, buf, AUDIT_RECORD_MAX) / 2),
		    -1);
	}
	free(buf);
	assert_int_equal(rename(p, p1), 0);
	/* In its place, a file another broker left torn. */
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	assert_int_equal(write(fd, "{\"v\":2,\"ti", 10), 10);
	close(fd);
	assert_int_equal(audit_reopen(a, NULL, NULL), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);

	/* The old file ends with the torn marker of the short write... */
	buf = read_all(p1, &len);
	assert_int_equal(records(p1), 1); /* and half of one, torn */
	nl = strrchr(buf, '\n');
	*nl = '\0';
	assert_non_null(strstr(strrchr(buf, '\n'), "\"event\":\"torn\""));
	assert_non_null(strstr(strrchr(buf, '\n'), "\"cause\":\"write\",\"bytes\":"));
	free(buf);
	/* ... and the new one has its torn line ended by the open record. */
	buf = read_all(p, &len);
	assert_int_equal(records(p), 1);
	assert_int_equal(strncmp(buf, "{\"v\":2,\"ti\n{\"v\":2,", 18), 0);
	assert_non_null(strstr(buf, "\"event\":\"open\""));
	assert_non_null(strstr(buf, "\"torn\":10,\"chain\""));
	free(buf);
	/* The two, in order: whole, with the two torn lines noted. */
	{
		const char *set[] = { p1, p };
		struct vcheck vc;

		vcheck_files(set, 2, NULL, 0, NULL, &vc);
		assert_int_equal(vc.res.breaks, 0);
		assert_int_equal(vc.res.torn, 2);
	}
	unlink(p);
	unlink(p1);
}

static void
test_other_sinks(void **state)
{
	struct reports r = { 0 };
	struct audit *list = NULL, *a;
	char p[128];
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/fd.log", tmpdir);
	/* A sink made on a descriptor has no name to reopen by. */
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0);
	assert_int_equal(audit_open_fd(fd, AUDIT_JSON, &a), 0);
	audit_chain(&list, a);
	assert_int_equal(audit_open("-", &a), 0);
	audit_chain(&list, a);
	assert_int_equal(audit_reopen(list, report, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(audit_reopen(NULL, report, &r), 0);
	audit_close(list);
	unlink(p);
}

static int
setup(void **state)
{
	(void)state;
	umask(022);
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_audit_reopen");
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
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_failed_reopen),
		cmocka_unit_test(test_torn_reopen),
		cmocka_unit_test(test_other_sinks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
