/*
 * test_audit_session.c: the session records (broker/audit/audit.c formats,
 * broker/audit/audit_session.c): session-start and session-end as written,
 * their arguments cut and hex-escaped, the id every request record of the
 * session carries, the counts audit_write() keeps, the journal's fields
 * for an event, the digest of a policy, and the reader reading them back.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit_read.h"
#include "audit_testutil.h"
#include "filebroker.h" /* FB_VERSION */
#include "sha256.h"
#include "unit.h"

static char tmpdir[64];

static const struct audit_sess sess = { .id = "0123456789abcdef", .n = { 5, 2, 1, 3 } };
static const struct timespec when = { 1795615387, 123456789 };

static void
test_start_format(void **state)
{
	char *const argv[] = { "tar", "cf", "/tmp/out.tar", "a b", NULL };
	struct audit_session info = {
		.mode = "transparent",
		.placement = "shared",
		.argv = argv,
		.command = "/usr/bin/tar",
		.cwd = "/home/u",
		.pid = 4242,
		.uid = 65534,
		.gid = 65534,
		.invoker_uid = 1000,
		.invoker_gid = 100,
		.auid = 1000,
		.policy = "/etc/fb/p.policy",
		.policy_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	char buf[AUDIT_RECORD_MAX];
	ssize_t n;

	(void)state;
	n = audit_format_session_start(&sess, &info, &when, 77, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf,
	    "{\"v\":2,\"time\":\"2026-11-25T14:03:07.123456Z\",\"event\":\"session-start\","
	    "\"session\":\"0123456789abcdef\",\"broker_pid\":77,\"version\":\"" FB_VERSION "\","
	    "\"mode\":\"transparent\",\"pid\":4242,\"uid\":65534,\"gid\":65534,"
	    "\"invoker_uid\":1000,\"invoker_gid\":100,\"auid\":1000,"
	    "\"command\":\"/usr/bin/tar\",\"argc\":4,\"argv\":[\"tar\",\"cf\",\"/tmp/out.tar\","
	    "\"a b\"],\"cwd\":\"/home/u\",\"placement\":\"shared\",\"policy\":\"/etc/fb/p.policy\","
	    "\"policy_sha256\":"
	    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
	    "\"profile\":null}\n");

	/* A daemon peer: no command, folder or placement; a profile. */
	memset(&info, 0, sizeof(info));
	info.mode = "daemon";
	info.auid = -1;
	info.profile = "/etc/fb/serve.policy:5";
	info.complain = 1;
	assert_true(audit_format_session_start(&sess, &info, &when, 77, buf, sizeof(buf)) > 0);
	assert_contains(buf,
	    ",\"auid\":null,\"command\":null,\"argc\":0,\"argv\":[],\"cwd\":null,"
	    "\"placement\":null,\"policy\":null,\"policy_sha256\":null,"
	    "\"profile\":\"/etc/fb/serve.policy:5\",\"complain\":true}\n");

	/* run's private temporary folder, after the profile. */
	memset(&info, 0, sizeof(info));
	info.mode = "transparent";
	info.tmp = "/tmp/filebroker.k3Jx9Q";
	assert_true(audit_format_session_start(&sess, &info, &when, 77, buf, sizeof(buf)) > 0);
	assert_contains(buf, ",\"profile\":null,\"tmp\":\"/tmp/filebroker.k3Jx9Q\"}\n");
}

/* Arguments are escaped as paths are, with an argv_hex companion when one
 * is not UTF-8, and cut: AUDIT_ARGV_MAX of them, AUDIT_ARGV_BYTES bytes. */
static void
test_start_argv(void **state)
{
	static char big[AUDIT_ARGV_BYTES + 10];
	char *argv[AUDIT_ARGV_MAX + 3];
	struct audit_session info = { .auid = -1 };
	char buf[AUDIT_RECORD_MAX];
	size_t i;

	(void)state;
	argv[0] = "a\nb";
	argv[1] = "\xff";
	argv[2] = NULL;
	info.argv = argv;
	assert_true(audit_format_session_start(&sess, &info, &when, 1, buf, sizeof(buf)) > 0);
	assert_contains(buf,
	    ",\"argc\":2,\"argv\":[\"a\\nb\",\"\xef\xbf\xbd\"],"
	    "\"argv_hex\":[\"610a62\",\"ff\"],");
	assert_null(strstr(buf, "truncated"));

	for (i = 0; i < AUDIT_ARGV_MAX + 2; i++)
		argv[i] = "x";
	argv[i] = NULL;
	assert_true(audit_format_session_start(&sess, &info, &when, 1, buf, sizeof(buf)) > 0);
	assert_contains(buf, ",\"argc\":66,");
	assert_contains(buf, ",\"truncated\":true}");
	/* 64 arguments kept: 63 of them after a comma. */
	{
		const char *p = strstr(buf, "\"argv\":[");
		size_t commas = 0;

		for (; *p != ']'; p++)
			commas += *p == ',';
		assert_int_equal(commas, AUDIT_ARGV_MAX - 1);
	}

	memset(big, 'y', sizeof(big) - 1);
	argv[0] = "first";
	argv[1] = big;
	argv[2] = "never";
	argv[3] = NULL;
	assert_true(audit_format_session_start(&sess, &info, &when, 1, buf, sizeof(buf)) > 0);
	assert_contains(buf, ",\"argc\":3,");
	assert_null(strstr(buf, "never"));
	assert_contains(buf, ",\"truncated\":true}");

	/* The worst case fits AUDIT_RECORD_MAX. */
	{
		static char worst[4][AUDIT_STR_MAX + 1];
		char *wargv[AUDIT_ARGV_MAX + 1];

		memset(worst, 0x01, sizeof(worst));
		for (i = 0; i < 4; i++)
			worst[i][AUDIT_STR_MAX] = '\0';
		for (i = 0; i < AUDIT_ARGV_MAX; i++)
			wargv[i] = "\x80\x01";
		wargv[i] = NULL;
		wargv[0] = worst[0];
		info.argv = wargv;
		info.command = info.cwd = info.policy = info.profile = worst[1];
		worst[1][0] = '\xff';
		assert_true(
		    audit_format_session_start(&sess, &info, &when, 1, buf, sizeof(buf)) > 0);
	}
}

static void
test_end_format(void **state)
{
	char buf[1024];
	int st;

	(void)state;
	st = 3 << 8; /* exited 3 */
	assert_true(
	    audit_format_session_end(&sess, &st, 1500000000, &when, 9, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "{\"v\":2,\"time\":\"2026-11-25T14:03:07.123456Z\",\"event\":\"session-end\","
	    "\"session\":\"0123456789abcdef\",\"broker_pid\":9,\"cause\":\"exit\",\"exit\":3,"
	    "\"signal\":null,\"allowed\":5,\"denied\":2,\"would_deny\":1,\"failed\":3,"
	    "\"duration_us\":1500000.000}\n");
	st = SIGKILL;
	assert_true(audit_format_session_end(&sess, &st, 0, &when, 9, buf, sizeof(buf)) > 0);
	assert_contains(buf, ",\"cause\":\"exit\",\"exit\":null,\"signal\":\"SIGKILL\",");
	assert_true(audit_format_session_end(&sess, NULL, 0, &when, 9, buf, sizeof(buf)) > 0);
	assert_contains(buf, ",\"cause\":\"disconnect\",\"exit\":null,\"signal\":null,");
	assert_true(audit_format_session_end(&sess, NULL, 0, &when, 9, buf, 50) == -1);
	assert_int_equal(errno, ENOBUFS);
}

/* Read every line of path back; the kinds in order ("S" session-start,
 * "E" session-end, "R" request, with its session id checked). */
struct seen {
	char kinds[64];
	struct audit_rec start, end; /* numbers and names only: the strings
					are gone with the reader's store */
	char cmd[4096], args[64];
	size_t n;
	const char *id;
};

static int
on_record(const struct audit_rec *r, void *arg)
{
	struct seen *s = arg;

	assert_string_equal(r->session, s->id);
	s->kinds[s->n++] = 'R';
	return 0;
}

static int
on_event(const struct audit_rec *r, void *arg)
{
	struct seen *s = arg;

	if (strcmp(r->event, "session-start") == 0) {
		s->start = *r;
		snprintf(s->cmd, sizeof(s->cmd), "%s", r->command);
		/* argv: the strings one after the other */
		snprintf(s->args, sizeof(s->args), "%s|%s", r->argv, r->argv + strlen(r->argv) + 1);
		s->kinds[s->n++] = 'S';
	} else if (strcmp(r->event, "session-end") == 0) {
		s->end = *r;
		s->kinds[s->n++] = 'E';
	}
	return 0;
}

static void
test_session_file(void **state)
{
	char *const argv[] = { "prog", "--x", NULL };
	struct audit_event ev = base_event();
	struct audit_read_stats st;
	struct audit_sess *s;
	struct audit *a;
	struct seen seen;
	char path[128];
	FILE *f;
	int i, status = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/session.jsonl", tmpdir);
	assert_int_equal(audit_open(path, &a), 0);
	assert_int_equal(audit_session_start(a,
			     &(struct audit_session){ .mode = "explicit",
				 .argv = argv,
				 .pid = getpid(),
				 .uid = 1,
				 .gid = 2,
				 .local = 1 },
			     &s),
	    0);
	assert_non_null(s);
	assert_int_equal(strlen(s->id), AUDIT_SESSION_ID_LEN);
	ev.session = s;
	for (i = 0; i < 4; i++) {
		ev.allowed = i == 0;
		ev.waived = i == 2;
		ev.rule = i == 3 ? NULL : "p.policy:3";
		assert_int_equal(audit_write(a, &ev), 0);
	}
	ev.allowed = 1;
	ev.rule = "p.policy:3";
	/* A change's intent is no request of its own: its outcome counts. */
	ev.phase = AUDIT_PHASE_INTENT;
	ev.req = 9;
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(s->n[0], 1);
	ev.phase = AUDIT_PHASE_DONE;
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(s->n[0], 2);
	assert_int_equal(s->n[1], 1);
	assert_int_equal(s->n[2], 1);
	assert_int_equal(s->n[3], 1);
	memset(&seen, 0, sizeof(seen));
	seen.id = strdup(s->id);
	assert_int_equal(audit_session_end(a, s, &status), 0);
	audit_close(a);

	memset(&st, 0, sizeof(st));
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(audit_read_stream(f, path,
			     &(struct audit_read_cb){ .record = on_record,
				 .event = on_event,
				 .arg = &seen },
			     &st),
	    0);
	fclose(f);
	assert_int_equal(st.bad + st.torn, 0);
	assert_string_equal(seen.kinds, "SRRRRRRE");
	/* What the broker took from itself: its ids, its folder, and the
	 * program /proc says runs as pid (this test). */
	assert_int_equal(seen.start.invoker_uid, getuid());
	assert_int_equal(seen.start.invoker_gid, getgid());
	assert_int_equal(seen.start.pid, getpid());
	assert_int_equal(seen.start.uid, 1);
	assert_int_equal(seen.start.argc, 2);
	assert_int_equal(seen.start.nargv, 2);
	assert_string_equal(seen.args, "prog|--x");
	assert_non_null(strstr(seen.cmd, "test_audit_session"));
	assert_string_equal(seen.start.mode, "explicit");
	assert_string_equal(seen.start.version, FB_VERSION);
	assert_int_equal(seen.end.exit_code, 0);
	assert_int_equal(seen.end.counts[0], 2);
	assert_int_equal(seen.end.counts[1], 1);
	assert_int_equal(seen.end.counts[2], 1);
	assert_int_equal(seen.end.counts[3], 1);
	assert_string_equal(seen.end.cause, "exit");
	free((char *)seen.id);

	/* No sink, no session, nothing to end. */
	assert_int_equal(audit_session_start(NULL, &(struct audit_session){ .auid = -1 }, &s), 0);
	assert_null(s);
	assert_int_equal(audit_session_end(NULL, NULL, NULL), 0);
	unlink(path);
}

/* Ids are fresh: no two alike over many sessions. */
static void
test_session_ids(void **state)
{
	static char ids[2000][AUDIT_SESSION_ID_LEN + 1];
	struct audit_sess *s;
	struct audit *a;
	int fd, i, j;

	(void)state;
	assert_true((fd = open("/dev/null", O_WRONLY)) >= 0);
	assert_int_equal(audit_open_fd(fd, AUDIT_DENIALS, &a), 0);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(audit_session_start(a, &(struct audit_session){ .auid = -1 }, &s),
		    0);
		memcpy(ids[i], s->id, sizeof(ids[i]));
		assert_int_equal(strspn(ids[i], "0123456789abcdef"), AUDIT_SESSION_ID_LEN);
		audit_session_end(a, s, NULL);
	}
	for (i = 0; i < 2000; i++)
		for (j = i + 1; j < 2000; j++)
			assert_string_not_equal(ids[i], ids[j]);
	audit_close(a);
}

static void
test_journal_event(void **state)
{
	struct iovec iov[AUDIT_JOURNAL_FIELDS];
	struct audit_note note = { "session-start", "0123456789abcdef", "session started" };
	const char line[] = "{\"v\":2,\"event\":\"session-start\"}\n";
	char buf[4096], all[4096] = "";
	int n, i;

	(void)state;
	n = audit_format_journal_event(&note, line, sizeof(line) - 1, buf, sizeof(buf), iov);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		strncat(all, iov[i].iov_base, iov[i].iov_len);
		strcat(all, "\n");
	}
	assert_string_equal(all,
	    "MESSAGE=session started\nPRIORITY=6\nSYSLOG_IDENTIFIER=filebroker\n"
	    "SYSLOG_FACILITY=10\nFILEBROKER_V=2\nFILEBROKER_EVENT=session-start\n"
	    "FILEBROKER_SESSION=0123456789abcdef\n"
	    "FILEBROKER_RECORD={\"v\":2,\"event\":\"session-start\"}\n");
	assert_int_equal(audit_format_syslog_line(line, sizeof(line) - 1, 12, buf, sizeof(buf)),
	    strlen("<86>filebroker[12]: ") + sizeof(line) - 2);
	assert_string_equal(buf, "<86>filebroker[12]: {\"v\":2,\"event\":\"session-start\"}");
}

/* The digest is that of `filebroker check --print`: policy_print_own(). */
static void
test_policy_digest(void **state)
{
	const char text[] = "allow read /srv/**\ndeny read /srv/secret\n";
	unsigned char d[SHA256_LEN];
	char hex[65], want[65], *mem = NULL;
	struct policy *p;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(policy_load_buffer("t.policy", text, sizeof(text) - 1, NULL, &p, NULL), 0);
	assert_int_equal(audit_policy_sha256(p, hex), 0);
	assert_non_null(f = open_memstream(&mem, &len));
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	sha256(mem, len, d);
	sha256_hex(d, sizeof(d), want);
	assert_string_equal(hex, want);
	policy_free(p);

	/* run's own rules, @tmp (each run's own folder) and @command (its
	 * script), are not in it. */
	{
		const struct policy_extra ex[] = {
			{ "@tmp", "allow read,write /tmp/filebroker.k3Jx9Q/**\n" },
			{ "@command", "allow read /usr/bin/7z\n" },
		};
		struct policy_load_opts o = { 0 };
		char hex2[65];

		o.extras = ex;
		o.nextras = 2;
		assert_int_equal(policy_load_buffer_opts("t.policy", text, sizeof(text) - 1, NULL,
				     &o, &p, NULL),
		    0);
		assert_int_equal(audit_policy_sha256(p, hex2), 0);
		assert_string_equal(hex2, want);
		policy_free(p);
	}
	free(mem);
}

static int
setup(void **state)
{
	(void)state;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_audit_session");
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
		cmocka_unit_test(test_start_format),
		cmocka_unit_test(test_start_argv),
		cmocka_unit_test(test_end_format),
		cmocka_unit_test(test_session_file),
		cmocka_unit_test(test_session_ids),
		cmocka_unit_test(test_journal_event),
		cmocka_unit_test(test_policy_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
