/*
 * test_audit_read.c: the audit record reader (tools/audit_read.c), against
 * the writer's own output, hand-written hostile lines, and streams with torn
 * and overlong lines: torn lines told apart from unreadable ones, each with
 * its place, and records glued onto a torn line recovered.
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

#include <cmocka.h>

#include "audit.h"
#include "audit_read.h"
#include "policy.h"

static char store[AUDIT_RECORD_MAX + 64];

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
		.access = POLICY_READ | POLICY_LIST,
		.flags = O_RDONLY,
		.allowed = 1,
		.rule = "p.policy:3",
		.duration_ns = 12345,
	};
	return ev;
}

static int
parse(const char *line, struct audit_rec *r, const char **why)
{
	return audit_read_line(line, strlen(line), r, store, sizeof(store), why);
}

static void
round_trip(const struct audit_event *ev, struct audit_rec *r)
{
	char buf[AUDIT_RECORD_MAX];
	const char *why = NULL;
	ssize_t n = audit_format(ev, buf, sizeof(buf));

	assert_true(n > 0);
	if (audit_read_line(buf, (size_t)n, r, store, sizeof(store), &why) != 0)
		fail_msg("%s: %s", why, buf);
}

static void
test_read_writer_output(void **state)
{
	struct audit_event ev = base_event();
	struct audit_rec r;

	(void)state;
	round_trip(&ev, &r);
	assert_int_equal(r.v, 2);
	assert_int_equal(r.has_time, 1);
	assert_int_equal(r.when.tv_sec, 1795615387);
	assert_int_equal(r.when.tv_nsec, 123456000);
	assert_string_equal(r.mode, "explicit");
	assert_string_equal(r.op, "open");
	assert_int_equal(r.pid, 123);
	assert_int_equal(r.nspid, 0);
	assert_int_equal(r.uid, 65534);
	assert_string_equal(r.path, "/srv/in/a.txt");
	assert_string_equal(r.canon, "/srv/in/a.txt");
	assert_null(r.path2);
	assert_string_equal(r.flags, "O_RDONLY");
	assert_int_equal(r.access, POLICY_READ | POLICY_LIST);
	assert_int_equal(r.decision, AUDIT_ALLOW);
	assert_string_equal(r.rule, "p.policy:3");
	assert_int_equal(r.err, 0);
	assert_int_equal(r.duration_ns, 12345);
	assert_int_equal(r.complain, 0);
	assert_string_equal(r.session, "");
	{
		struct audit_sess s = { .id = "00112233aabbccdd" };

		ev.session = &s;
		round_trip(&ev, &r);
		assert_string_equal(r.session, "00112233aabbccdd");
	}
}

/*
 * A file version 1 writers left (tests/fixtures/audit-v1.jsonl, written by
 * filebroker 0.1.0 before sessions and chains: whole lines of it, a torn
 * line and its marker among them) reads as it did: every record, its
 * fields, the torn line counted, nothing unreadable.
 */
struct v1 {
	int n;
	char first_rule[64], first_mode[64], deny_path[64], deny_rule[64];
	int deny_err;
};

static int
v1_record(const struct audit_rec *r, void *arg)
{
	struct v1 *v = arg;

	assert_int_equal(r->v, 1);
	assert_string_equal(r->session, "");
	if (v->n++ == 0) {
		snprintf(v->first_rule, sizeof(v->first_rule), "%s", r->rule);
		snprintf(v->first_mode, sizeof(v->first_mode), "%s", r->mode);
	}
	if (r->decision == AUDIT_DENY && r->op[0] == 'o') {
		snprintf(v->deny_path, sizeof(v->deny_path), "%s", r->path);
		snprintf(v->deny_rule, sizeof(v->deny_rule), "%s", r->rule);
		v->deny_err = r->err;
	}
	return 0;
}

static void
test_read_v1_fixture(void **state)
{
	struct audit_read_stats st;
	char path[512];
	struct v1 v;
	FILE *f;

	(void)state;
	/* From the top of the repository, where the tests run. */
	snprintf(path, sizeof(path), "%.*s/fixtures/audit-v1.jsonl",
	    (int)(strstr(__FILE__, "/unit/") - __FILE__), __FILE__);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: %s (run the tests from the top of the repository)", path,
		    strerror(errno));
	memset(&v, 0, sizeof(v));
	memset(&st, 0, sizeof(st));
	assert_int_equal(audit_read_stream(f, path,
			     &(struct audit_read_cb){ .record = v1_record, .arg = &v }, &st),
	    0);
	fclose(f);
	assert_int_equal(v.n, 9);
	assert_int_equal(st.records, 9);
	assert_int_equal(st.lines, 11);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.first_torn.line, 9);
	assert_int_equal(st.bad, 0);
	assert_string_equal(v.first_rule, "@preload");
	assert_string_equal(v.first_mode, "transparent");
	assert_string_equal(v.deny_path, "/tmp/fbv1/in/secret.txt");
	assert_string_equal(v.deny_rule, "p.policy:4");
	assert_int_equal(v.deny_err, EACCES);
}

/* A worker in run's PID namespace: both pairs of numbers come back. */
static void
test_read_nspid(void **state)
{
	struct audit_event ev = base_event();
	struct audit_rec r;

	(void)state;
	ev.pid = 28626;
	ev.tid = 28630;
	ev.nspid = 2;
	ev.nstid = 5;
	round_trip(&ev, &r);
	assert_int_equal(r.pid, 28626);
	assert_int_equal(r.tid, 28630);
	assert_int_equal(r.nspid, 2);
	assert_int_equal(r.nstid, 5);
}

static void
test_read_complain_and_errors(void **state)
{
	struct audit_event ev = base_event();
	struct audit_rec r;

	(void)state;
	ev.allowed = 0;
	ev.waived = 1;
	ev.complain = 1;
	ev.rule = "default";
	round_trip(&ev, &r);
	assert_int_equal(r.decision, AUDIT_WOULD_DENY);
	assert_int_equal(r.complain, 1);
	ev.waived = 0;
	ev.err = EACCES;
	round_trip(&ev, &r);
	assert_int_equal(r.decision, AUDIT_DENY);
	assert_int_equal(r.err, EACCES);
	ev.rule = NULL;
	ev.err = 4000; /* no name: "E4000" */
	ev.canon = NULL;
	round_trip(&ev, &r);
	assert_int_equal(r.decision, AUDIT_ERROR);
	assert_int_equal(r.err, 4000);
	assert_null(r.canon);
	assert_null(r.rule);
}

/* A change written ahead: its intent and its outcome come back with their
 * phase and request number; any other record has neither. */
static void
test_read_phase(void **state)
{
	struct audit_event ev = base_event();
	struct audit_rec r;

	(void)state;
	round_trip(&ev, &r);
	assert_int_equal(r.phase, AUDIT_PHASE_NONE);
	assert_int_equal(r.req, -1);
	ev.op = "mkdir";
	ev.access = POLICY_CREATE;
	ev.phase = AUDIT_PHASE_INTENT;
	ev.req = 41;
	round_trip(&ev, &r);
	assert_int_equal(r.phase, AUDIT_PHASE_INTENT);
	assert_int_equal(r.req, 41);
	assert_string_equal(r.op, "mkdir");
	/* An intent complain mode let through. */
	ev.allowed = 0;
	ev.waived = 1;
	round_trip(&ev, &r);
	assert_int_equal(r.decision, AUDIT_WOULD_DENY);
	ev.phase = AUDIT_PHASE_DONE;
	ev.err = EEXIST;
	round_trip(&ev, &r);
	assert_int_equal(r.phase, AUDIT_PHASE_DONE);
	assert_int_equal(r.req, 41);
	assert_int_equal(r.err, EEXIST);
}

static void
test_read_hostile_paths(void **state)
{
	static const char *const paths[] = {
		"/a\"b\\c\n\r\t\b\f",
		"/\x01\x1f\x7f",
		"/\xc2\x9b[31m",
		"/\xe2\x80\xae\xe2\x80\xa8",
		"/\xff\xfe\xc0\xaf\xed\xa0\x80",
		"/\xf0\x9f\x98\x80 emoji",
		"/\xef\xbf\xbd real replacement",
		"/\xe6\x97",
	};
	struct audit_event ev = base_event();
	struct audit_rec r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ev.path = paths[i];
		ev.canon = paths[i];
		ev.rule = paths[i];
		ev.path2 = paths[i];
		ev.canon2 = paths[i];
		ev.op = "rename";
		round_trip(&ev, &r);
		assert_string_equal(r.path, paths[i]);
		assert_string_equal(r.canon, paths[i]);
		assert_string_equal(r.rule, paths[i]);
		assert_string_equal(r.path2, paths[i]);
		assert_string_equal(r.canon2, paths[i]);
	}
}

#define GOOD \
	"\"v\":1,\"time\":\"2026-11-25T14:03:07.123456Z\",\"mode\":\"explicit\",\"pid\":1," \
	"\"tid\":0,\"uid\":0,\"gid\":0,\"op\":\"stat\",\"path\":\"/x\",\"canon\":\"/x\"," \
	"\"access\":\"stat\",\"flags\":null,\"decision\":\"allow\",\"rule\":\"p:1\"," \
	"\"errno\":null,\"duration_us\":1.5"

/* A change's intent, its decision and errno given. */
#define INTENT \
	"{\"v\":2,\"time\":\"2026-11-25T14:03:07.123456Z\",\"req\":3,\"phase\":\"intent\"," \
	"\"mode\":\"explicit\",\"pid\":1,\"tid\":0,\"uid\":0,\"gid\":0,\"op\":\"mkdir\"," \
	"\"path\":\"/x\",\"canon\":\"/x\",\"access\":\"create\",\"flags\":null," \
	"\"decision\":\"%s\",\"rule\":\"p:1\",\"errno\":%s,\"duration_us\":1.5}"

static void
test_read_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{" GOOD,			/* torn */
		"{" GOOD "}x",			/* trailing bytes */
		"{" GOOD ",\"v\":1}",		/* duplicate key */
		"{\"v\":1}",			/* keys missing */
		"{" GOOD ",\"x\":\"\\u0000\"}", /* NUL in a string */
		"{" GOOD ",\"x\":\"\\ud800\"}", /* lone surrogate */
		"{" GOOD ",\"x\":\"\\udc00\\ud800\"}",
		"{" GOOD ",\"x\":\"\xff\"}", /* invalid UTF-8 */
		"{" GOOD ",\"x\":\"\x01\"}", /* raw control character */
		"{" GOOD ",\"x\":01}",	     /* leading zero */
		"{" GOOD ",\"x\":1.}",
		"{" GOOD ",\"x\":[1,]}",
		"{" GOOD ",\"x\":tru}",
		"{" GOOD ",\"path_hex\":\"2f6\"}",  /* odd hex */
		"{" GOOD ",\"path_hex\":\"2f00\"}", /* NUL byte */
		"{" GOOD ",\"complain\":1}",
		"{" GOOD ",\"phase\":\"intent\"}",	    /* phase without req */
		"{" GOOD ",\"req\":3}",			    /* req without phase */
		"{" GOOD ",\"req\":3,\"phase\":\"later\"}", /* no such phase */
		"{" GOOD ",\"req\":-3,\"phase\":\"done\"}",
		"{" GOOD ",\"req\":3,\"phase\":1}",
		"{" GOOD
		",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	struct audit_rec r;
	const char *why;
	char line[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (parse(bad[i], &r, &why) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
	}
	assert_int_equal(parse("{" GOOD "}\n", &r, &why), 0);
	/* Unknown keys are skipped whatever their value; whitespace is JSON's. */
	snprintf(line, sizeof(line),
	    "{ \"future\" : {\"a\":[1,-2.5e+3,true,null,{\"b\":\"\\u00e9\\ud83d\\ude00\"}]}, " GOOD
	    " }");
	assert_int_equal(parse(line, &r, &why), 0);
	/* _hex gives the exact bytes. */
	assert_int_equal(parse("{" GOOD ",\"path_hex\":\"2fff0a\"}", &r, &why), 0);
	assert_string_equal(r.path, "/\xff\n");
	/* Decision and rule must agree. */
	snprintf(line, sizeof(line), "{%s}", GOOD);
	memcpy(strstr(line, "\"p:1\""), "null ", 5);
	assert_int_equal(parse(line, &r, &why), -1);
	/* An intent is of a change allowed, not yet made: never a denial, an
	 * error, nor an errno. */
	snprintf(line, sizeof(line), INTENT, "allow", "null");
	assert_int_equal(parse(line, &r, &why), 0);
	snprintf(line, sizeof(line), INTENT, "would-deny", "null");
	assert_int_equal(parse(line, &r, &why), 0);
	snprintf(line, sizeof(line), INTENT, "deny", "null");
	assert_int_equal(parse(line, &r, &why), -1);
	snprintf(line, sizeof(line), INTENT, "allow", "\"EIO\"");
	assert_int_equal(parse(line, &r, &why), -1);
	/* A store that is too small is refused up front. */
	assert_int_equal(audit_read_line("{}", 2, &r, store, 10, &why), -1);
}

static void
test_errno_value(void **state)
{
	(void)state;
	assert_int_equal(audit_errno_value("EACCES"), EACCES);
	assert_int_equal(audit_errno_value("ENOENT"), ENOENT);
	assert_int_equal(audit_errno_value("E4000"), 4000);
	assert_int_equal(audit_errno_value("E0"), -1);
	assert_int_equal(audit_errno_value("E99999"), -1);
	assert_int_equal(audit_errno_value("EBOGUS"), -1);
	assert_int_equal(audit_errno_value(""), -1);
}

static int
count_cb(const struct audit_rec *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
test_stream(void **state)
{
	struct audit_event ev = base_event();
	struct audit_read_stats st;
	char buf[AUDIT_RECORD_MAX];
	FILE *f = tmpfile();
	int n = 0, i;
	ssize_t len;
	struct audit_read_cb cb = { .record = count_cb, .arg = &n };

	(void)state;
	assert_non_null(f);
	len = audit_format(&ev, buf, sizeof(buf));
	for (i = 0; i < 1000; i++)
		fwrite(buf, 1, (size_t)len, f);
	/* An overlong line, then a good one, then a torn last line. */
	for (i = 0; i < AUDIT_RECORD_MAX + 10; i++)
		fputc('x', f);
	fputc('\n', f);
	fwrite(buf, 1, (size_t)len, f);
	fwrite(buf, 1, (size_t)len / 2, f);
	rewind(f);
	memset(&st, 0, sizeof(st));
	assert_int_equal(audit_read_stream(f, "s.jsonl", &cb, &st), 0);
	assert_int_equal(n, 1001);
	assert_int_equal(st.records, 1001);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.lines, 1003);
	assert_int_equal(st.first_bad.line, 1001);
	assert_string_equal(st.first_bad.why, "line too long");
	assert_string_equal(st.first_bad.name, "s.jsonl");
	assert_int_equal(st.first_torn.line, 1003);
	assert_non_null(strstr(st.first_torn.why, "the file ends inside this line"));
	fclose(f);
}

/* What the stream callbacks saw, in order: "R<pid>" per record, "T<line>"
 * per torn line, "B<line>" per unreadable one. */
struct seen {
	char log[512];
};

static int
seen_record(const struct audit_rec *r, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "R%d ", (int)r->pid);
	return 0;
}

static void
seen_unreadable(const struct audit_read_place *at, int torn, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);

	assert_string_equal(at->name, "t.jsonl");
	assert_non_null(at->why);
	snprintf(s->log + n, sizeof(s->log) - n, "%c%d ", torn ? 'T' : 'B', (int)at->line);
}

/* Read text as a stream; the callbacks' log. */
static const char *
read_text(const char *text, struct audit_read_stats *st)
{
	static struct seen s;
	struct audit_read_cb cb = { .record = seen_record,
		.unreadable = seen_unreadable,
		.arg = &s };
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	memset(&s, 0, sizeof(s));
	memset(st, 0, sizeof(*st));
	assert_int_equal(audit_read_stream(f, "t.jsonl", &cb, st), 0);
	fclose(f);
	return s.log;
}

#define REC(pid) \
	"{\"v\":1,\"time\":\"2026-11-25T14:03:07.123456Z\",\"mode\":\"explicit\",\"pid\":" #pid \
	",\"tid\":0,\"uid\":0,\"gid\":0,\"op\":\"stat\",\"path\":\"/x\",\"canon\":\"/x\"," \
	"\"access\":\"stat\",\"flags\":null,\"decision\":\"allow\",\"rule\":\"p:1\"," \
	"\"errno\":null,\"duration_us\":1.5}"
#define TORN(cause) \
	"{\"v\":1,\"time\":\"2026-11-25T14:03:08.000000Z\",\"event\":\"torn\",\"broker_pid\":9," \
	"\"cause\":\"" cause "\",\"bytes\":20}"

static void
test_stream_torn(void **state)
{
	struct audit_read_stats st;
	struct audit_rec r;
	const char *why;
	char cut[sizeof(REC(1))];
	size_t i;

	(void)state;
	/* The marker is an event line, read as one. */
	assert_int_equal(parse(TORN("open"), &r, &why), 0);
	assert_string_equal(r.event, "torn");
	assert_string_equal(r.cause, "open");
	assert_int_equal(r.broker_pid, 9);
	assert_int_equal(r.bytes, 20);
	assert_int_equal(parse("{\"v\":1,\"time\":null,\"event\":\"torn\",\"bytes\":null}", &r,
			     &why),
	    0);
	assert_int_equal(r.bytes, -1);
	assert_int_equal(parse("{\"v\":1,\"event\":\"torn\"}", &r, &why), -1); /* no time */
	assert_int_equal(parse("{\"v\":1,\"time\":null,\"event\":\"\"}", &r, &why), -1);

	/* Every prefix of a record is cut, and none reads as one; a line
	 * with a whole object that is wrong is not cut. */
	for (i = 1; i < strlen(REC(1)); i++) {
		memcpy(cut, REC(1), i);
		cut[i] = '\n';
		if (audit_read_line(cut, i + 1, &r, store, sizeof(store), &why) != -1 || !r.cut)
			fail_msg("prefix of %zu bytes: cut %d", i, r.cut);
	}
	assert_int_equal(parse("{\"v\":1}\n", &r, &why), -1);
	assert_int_equal(r.cut, 0);
	assert_int_equal(parse("garbage\n", &r, &why), -1);
	assert_int_equal(r.cut, 0);
	assert_int_equal(parse("\n", &r, &why), -1);
	assert_int_equal(r.cut, 0);
	assert_int_equal(parse(REC(1) "x\n", &r, &why), -1);
	assert_int_equal(r.cut, 0);

	/* A line the broker said was torn, even one that reads whole (cut
	 * just before its newline: the request was never answered). */
	assert_string_equal(read_text(REC(1) "\n{\"v\":1,\"mo\n" TORN("open") "\n" REC(2) "\n",
				&st),
	    "R1 T2 R2 ");
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.events, 1);
	assert_non_null(strstr(st.first_torn.why, "opened the file next"));
	assert_string_equal(read_text(REC(1) "\n" REC(2) "\n" TORN("write") "\n" REC(3) "\n", &st),
	    "R1 T2 R3 ");
	assert_int_equal(st.records, 2);
	assert_non_null(strstr(st.first_torn.why, "a write was cut short"));

	/* A record glued onto a torn one (an older broker, or another
	 * broker sharing the file) is recovered; so is one after two. */
	assert_string_equal(read_text(REC(1) "\n{\"v\":1,\"time\":\"2026-1" REC(2) "\n" REC(3) "\n",
				&st),
	    "R1 T2 R2 R3 ");
	assert_int_equal(st.recovered, 1);
	assert_int_equal(st.records, 3);
	assert_string_equal(read_text("{\"v\":1,\"pa{\"v\":1,\"ti" REC(4) "\n", &st), "T1 R4 ");
	/* ... but not when its own newline is missing: the marker says so. */
	assert_string_equal(read_text("{\"v\":1,\"pa" REC(4) "\n" TORN("open") "\n", &st), "T1 ");
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.recovered, 0);
	assert_int_equal(st.records, 0);

	/* Without a marker: a line that ends inside its record is torn; an
	 * edited one is unreadable; a last line without its newline is
	 * torn even when it reads whole. */
	assert_string_equal(read_text("{\"v\":1,\"mode\":\"expl\n" REC(1) "\n"
									  "{\"v\":2}\n" REC(2),
				&st),
	    "T1 R1 B3 T4 ");
	assert_int_equal(st.torn, 2);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.first_bad.line, 3);
	assert_string_equal(st.first_bad.why, "a key of the record is missing");
	assert_int_equal(st.lines, 4);
	/* A marker after a whole line claims nothing; an unknown event is
	 * counted and skipped. */
	assert_string_equal(read_text(TORN("open") "\n" REC(1) "\n"
							       "{\"v\":1,\"time\":null,\"event\":"
							       "\"later\",\"x\":[1]}\n" REC(2) "\n",
				&st),
	    "R1 R2 ");
	assert_int_equal(st.events, 2);
	assert_int_equal(st.torn + st.bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_writer_output),
		cmocka_unit_test(test_read_nspid),
		cmocka_unit_test(test_read_v1_fixture),
		cmocka_unit_test(test_read_complain_and_errors),
		cmocka_unit_test(test_read_phase),
		cmocka_unit_test(test_read_hostile_paths),
		cmocka_unit_test(test_read_strict),
		cmocka_unit_test(test_errno_value),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_torn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
