/*
 * test_audit_pair.c: a change's intent paired with its outcome
 * (tools/audit_pair.c), alone and as the offline tools read files
 * (tools/audit_files.c): by session and request number, an outcome
 * standing for its pair, an intent without one given back with its place
 * at the end, oldest first, outcomes without their intent counted, the
 * pairs found across the files of a rotation set.
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
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_files.h"
#include "audit_pair.h"
#include "audit_read.h"
#include "policy.h"

static char store[AUDIT_RECORD_MAX + 64];

/* A change's record of session sess ("" for none), number req, in phase,
 * on path: its line in buf, and read into r.  Returns the line's length. */
static size_t
change(char *buf, size_t size, struct audit_rec *r, const char *sess, uint64_t req,
    enum audit_phase phase, const char *op, const char *path)
{
	struct audit_sess s;
	struct audit_event ev = {
		.when = { 1795615387, 0 },
		.pid = 42,
		.mode = "transparent",
		.op = op,
		.path = path,
		.canon = path,
		.access = POLICY_CREATE,
		.allowed = 1,
		.rule = "p.policy:1",
		.phase = phase,
		.req = req,
	};
	const char *why;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", sess);
	ev.session = sess[0] != '\0' ? &s : NULL;
	n = audit_format(&ev, buf, size);
	assert_true(n > 0);
	assert_int_equal(audit_read_line(buf, (size_t)n, r, store, sizeof(store), &why), 0);
	return (size_t)n - 1; /* the newline is no part of a held line */
}

static void
take(struct audit_pair *p, const char *sess, uint64_t req, const char *op, const char *path,
    uint64_t line)
{
	char buf[4096];
	struct audit_rec r;
	struct audit_read_place at = { "a.jsonl", line, NULL };
	size_t n = change(buf, sizeof(buf), &r, sess, req, AUDIT_PHASE_INTENT, op, path);

	assert_int_equal(audit_pair_intent(p, &r, buf, n, &at), 0);
}

static int
done(struct audit_pair *p, const char *sess, uint64_t req)
{
	char buf[4096];
	struct audit_rec r;

	change(buf, sizeof(buf), &r, sess, req, AUDIT_PHASE_DONE, "mkdir", "/w/x");
	return audit_pair_done(p, &r);
}

static void
test_pairs(void **state)
{
	struct audit_pair *p = audit_pair_new();
	struct audit_read_place at;
	struct audit_rec r;
	char buf[4096];

	(void)state;
	assert_non_null(p);
	/* Interleaved sessions, each numbering its requests from 1. */
	take(p, "00000000000000aa", 7, "mkdir", "/w/a", 1);
	take(p, "00000000000000bb", 7, "rename", "/w/b", 2);
	take(p, "00000000000000aa", 8, "unlink", "/w/c", 3);
	assert_int_equal(audit_pair_held(p), 3);
	assert_int_equal(done(p, "00000000000000bb", 7), 1);
	assert_int_equal(done(p, "00000000000000aa", 7), 1);
	/* A number of another session, or paired already: no intent held. */
	assert_int_equal(done(p, "00000000000000cc", 8), 0);
	assert_int_equal(done(p, "00000000000000aa", 7), 0);
	assert_int_equal(audit_pair_held(p), 1);
	/* A record of its own is no outcome and counts nothing. */
	change(buf, sizeof(buf), &r, "00000000000000aa", 8, AUDIT_PHASE_NONE, "mkdir", "/w/c");
	r.req = 8;
	assert_int_equal(audit_pair_done(p, &r), 0);
	/* The one left has no outcome: given back as read, with its place. */
	assert_int_equal(audit_pair_oldest(p, &r, store, sizeof(store), &at), 1);
	assert_int_equal(r.phase, AUDIT_PHASE_INTENT);
	assert_int_equal(r.req, 8);
	assert_string_equal(r.session, "00000000000000aa");
	assert_string_equal(r.op, "unlink");
	assert_string_equal(r.canon, "/w/c");
	assert_string_equal(at.name, "a.jsonl");
	assert_int_equal(at.line, 3);
	assert_int_equal(audit_pair_oldest(p, &r, store, sizeof(store), &at), 0);
	assert_int_equal(audit_pair_stats(p)->intents, 3);
	assert_int_equal(audit_pair_stats(p)->paired, 2);
	assert_int_equal(audit_pair_stats(p)->orphans, 2);
	assert_int_equal(audit_pair_stats(p)->unknown, 1);
	/* Not an intent: refused. */
	r.phase = AUDIT_PHASE_DONE;
	errno = 0;
	assert_int_equal(audit_pair_intent(p, &r, buf, 0, &at), -1);
	assert_int_equal(errno, EINVAL);
	audit_pair_free(p);
}

/* Without an outcome, oldest first; the same key twice (a file read twice)
 * pairs the older first; a session without an id pairs by number. */
static void
test_unknown_order(void **state)
{
	struct audit_pair *p = audit_pair_new();
	struct audit_read_place at;
	struct audit_rec r;
	/* Line 35 is key 20's second intent: the older, line 20, was paired. */
	static const uint64_t want[] = { 10, 30, 35, 40 };
	size_t i;

	(void)state;
	take(p, "", 10, "mkdir", "/w/1", 10);
	take(p, "", 20, "mkdir", "/w/2", 20);
	take(p, "", 30, "mkdir", "/w/3", 30);
	take(p, "", 20, "mkdir", "/w/2", 35);
	take(p, "", 40, "mkdir", "/w/4", 40);
	assert_int_equal(done(p, "", 20), 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(audit_pair_oldest(p, &r, store, sizeof(store), &at), 1);
		assert_int_equal(at.line, want[i]);
	}
	assert_int_equal(audit_pair_held(p), 0);
	audit_pair_free(p);
}

/* A bound on what is held: past it, nothing more is taken until the
 * oldest is let go. */
static void
test_full(void **state)
{
	struct audit_pair *p = audit_pair_new();
	struct audit_read_place at = { "a.jsonl", 1, NULL };
	struct audit_rec r;
	char buf[4096];
	size_t n;
	uint64_t i;

	(void)state;
	n = change(buf, sizeof(buf), &r, "00000000000000aa", 1, AUDIT_PHASE_INTENT, "mkdir", "/w");
	for (i = 0; i < AUDIT_PAIR_MAX; i++) {
		r.req = (int64_t)i;
		at.line = i + 1;
		assert_int_equal(audit_pair_intent(p, &r, buf, n, &at), 0);
	}
	r.req = AUDIT_PAIR_MAX;
	assert_int_equal(audit_pair_intent(p, &r, buf, n, &at), 1);
	assert_int_equal(audit_pair_oldest(p, &r, store, sizeof(store), &at), 1);
	assert_int_equal(at.line, 1);
	r.req = AUDIT_PAIR_MAX;
	assert_int_equal(audit_pair_intent(p, &r, buf, n, &at), 0);
	/* A done finds its intent among them all. */
	r.phase = AUDIT_PHASE_DONE;
	r.req = 4321;
	assert_int_equal(audit_pair_done(p, &r), 1);
	assert_int_equal(audit_pair_held(p), AUDIT_PAIR_MAX - 1);
	audit_pair_free(p);
}

/* What audit_files_read() passes on, over two files of a rotation set. */
struct seen {
	int records, intents, dones;
	int unknown;
	uint64_t unknown_line[4];
	char unknown_path[4][64];
};

static int
on_record(const struct audit_rec *r, void *arg)
{
	struct seen *s = arg;

	s->records++;
	s->intents += r->phase == AUDIT_PHASE_INTENT;
	s->dones += r->phase == AUDIT_PHASE_DONE;
	return 0;
}

static int
on_unknown(const struct audit_rec *r, const struct audit_read_place *at, void *arg)
{
	struct seen *s = arg;

	assert_int_equal(r->phase, AUDIT_PHASE_INTENT);
	if (s->unknown < 4) {
		s->unknown_line[s->unknown] = at->line;
		snprintf(s->unknown_path[s->unknown], sizeof(s->unknown_path[0]), "%s", r->canon);
	}
	s->unknown++;
	return 0;
}

static void
put_line(FILE *f, const char *sess, uint64_t req, enum audit_phase phase, const char *op,
    const char *path)
{
	char buf[4096];
	struct audit_rec r;
	size_t n = change(buf, sizeof(buf), &r, sess, req, phase, op, path);

	assert_int_equal(fwrite(buf, 1, n + 1, f), n + 1);
}

static void
test_files(void **state)
{
	char a[] = "/tmp/fb-test-pair.XXXXXX", b[sizeof(a) + 4];
	struct audit_files af;
	struct seen s;
	FILE *f;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(a)) >= 0);
	close(fd);
	snprintf(b, sizeof(b), "%s.new", a);
	/* The older file: a change paired, one whose outcome is in the next
	 * file (rotated in between), one whose outcome never came, a plain
	 * record. */
	assert_non_null(f = fopen(a, "w"));
	put_line(f, "00000000000000aa", 1, AUDIT_PHASE_INTENT, "mkdir", "/w/a");
	put_line(f, "00000000000000aa", 1, AUDIT_PHASE_DONE, "mkdir", "/w/a");
	put_line(f, "00000000000000aa", 2, AUDIT_PHASE_NONE, "stat", "/w/a");
	put_line(f, "00000000000000bb", 5, AUDIT_PHASE_INTENT, "rename", "/w/b");
	put_line(f, "00000000000000aa", 3, AUDIT_PHASE_INTENT, "unlink", "/w/gone");
	fclose(f);
	assert_non_null(f = fopen(b, "w"));
	put_line(f, "00000000000000bb", 5, AUDIT_PHASE_DONE, "rename", "/w/b");
	put_line(f, "00000000000000cc", 9, AUDIT_PHASE_DONE, "mkdir", "/w/c");
	put_line(f, "00000000000000bb", 6, AUDIT_PHASE_INTENT, "mkdir", "/w/last");
	fclose(f);

	memset(&af, 0, sizeof(af));
	memset(&s, 0, sizeof(s));
	af.tool = "test";
	af.unknown = on_unknown;
	assert_int_equal(audit_files_read(&af, a, on_record, &s), 0);
	assert_int_equal(audit_files_read(&af, b, on_record, &s), 0);
	assert_int_equal(s.unknown, 0); /* not before the end */
	assert_int_equal(audit_files_end(&af, &s), 0);
	/* Each change once: three outcomes and the plain record; the intents
	 * only by their outcome, or as unknown. */
	assert_int_equal(s.records, 4);
	assert_int_equal(s.intents, 0);
	assert_int_equal(s.dones, 3);
	assert_int_equal(s.unknown, 2);
	assert_int_equal(s.unknown_line[0], 5);
	assert_string_equal(s.unknown_path[0], "/w/gone");
	assert_int_equal(s.unknown_line[1], 3);
	assert_string_equal(s.unknown_path[1], "/w/last");
	assert_int_equal(af.ahead.intents, 4);
	assert_int_equal(af.ahead.paired, 2);
	assert_int_equal(af.ahead.orphans, 1);
	assert_int_equal(af.ahead.unknown, 2);
	assert_int_equal(af.st.records, 8);

	/* Without unknown, an intent is a record like any other. */
	memset(&af, 0, sizeof(af));
	memset(&s, 0, sizeof(s));
	af.tool = "test";
	assert_int_equal(audit_files_read(&af, a, on_record, &s), 0);
	assert_int_equal(audit_files_end(&af, &s), 0);
	assert_int_equal(s.records, 5);
	assert_int_equal(s.intents, 3);
	unlink(a);
	unlink(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_unknown_order),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
