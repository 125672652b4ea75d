/*
 * test_hint.c: what a denial line ends with (broker/core/hint.c), what it shows
 * of where a path led, and the line itself as denials_note() prints it
 * (broker/core/denials.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "denials.h"
#include "hint.h"
#include "jsonout.h"
#include "ops.h"
#include "unit.h"
#include "unit_policy.h"

static const char text[] = "allow read,list /srv/in/**\n"
			   "deny read /srv/in/secret\n"
			   "allow read /dev/*\n"
			   "allow stat /srv/visible\n"
			   "allow read /etc/ssl/openssl.cnf\n";

static struct audit_event
event(const char *path, const char *canon, unsigned access)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.pid = ev.tid = 100;
	ev.mode = "transparent";
	ev.op = "open";
	ev.path = path;
	ev.canon = canon;
	ev.access = access;
	ev.denied_access = access;
	ev.rule = "default";
	return ev;
}

/* hint_append() of ev with flags, shown as denials_note() would decide it. */
static const char *
hint_flags_of(const struct policy *p, struct audit_event ev, const char *cwd, unsigned flags)
{
	static char buf[16384];
	struct out o = { buf, sizeof(buf), 0, 0 };

	ev.canon_hidden = !hint_canon_shown(p, ev.path, ev.canon, ev.pid, ev.tid);
	hint_append(p, &ev, cwd, flags, &o);
	assert_true(out_end(&o) >= 0);
	return buf;
}

static const char *
hint_of(const struct policy *p, struct audit_event ev, const char *cwd)
{
	return hint_flags_of(p, ev, cwd, 0);
}

static void
canon_shown_only_where_the_worker_may_know(void **state)
{
	struct policy *p = load(text);

	(void)state;
	/* Nothing but "//", "." and "..": the worker makes it itself. */
	assert_true(hint_canon_shown(p, "/etc//x/../shadow", "/etc/shadow", 100, 100));
	assert_true(hint_canon_shown(p, "/etc/shadow", "/etc/shadow", 100, 100));
	/* Its own /proc/self and /proc/thread-self. */
	assert_true(hint_canon_shown(p, "/proc/self/maps", "/proc/100/maps", 100, 101));
	assert_true(
	    hint_canon_shown(p, "/proc/thread-self/comm", "/proc/100/task/101/comm", 100, 101));
	assert_false(hint_canon_shown(p, "/proc/self/maps", "/proc/200/maps", 100, 101));
	{
		/* A worker in a PID namespace: its own numbers. */
		struct audit_event ev = event("/proc/self/maps", "/proc/2/maps", POLICY_READ);

		ev.pid = ev.tid = 28626;
		ev.nspid = ev.nstid = 2;
		assert_true(hint_canon_shown(p, ev.path, ev.canon, hint_pid(&ev), hint_tid(&ev)));
	}
	/* A link to what it may stat: a stat of the link says as much. */
	assert_true(hint_canon_shown(p, "/tmp/l", "/srv/in/a", 100, 100));
	assert_true(hint_canon_shown(p, "/tmp/l", "/srv/visible", 100, 100));
	/* A link to what it may not stat: hidden. */
	assert_false(hint_canon_shown(p, "/tmp/l", "/etc/shadow", 100, 100));
	assert_false(hint_canon_shown(p, "/tmp/l", NULL, 100, 100));
	policy_free(p);
}

static void
default_gets_the_smallest_rule(void **state)
{
	struct policy *p = load(text);
	struct audit_event ev = event("/etc/hostname", "/etc/hostname", POLICY_READ);

	(void)state;
	assert_string_equal(hint_of(p, ev, NULL), "; hint: allow read /etc/hostname");
	/* Only the bits no rule allows: /srv/in/a may be read already. */
	ev = event("/srv/in/a", "/srv/in/a", POLICY_READ | POLICY_WRITE);
	assert_string_equal(hint_of(p, ev, NULL), "; hint: allow write /srv/in/a");
	/* A built-in profile that allows it (the smallest that does). */
	ev = event("/etc/ssl/certs/x.pem", "/etc/ssl/certs/x.pem", POLICY_READ);
	assert_string_equal(hint_of(p, ev, NULL),
	    "; hint: allow read /etc/ssl/certs/x.pem, or include @tls");
	ev = event("/etc/passwd", "/etc/passwd", POLICY_READ);
	assert_string_equal(hint_of(p, ev, NULL),
	    "; hint: allow read /etc/passwd, or include @users");
	/* Escaped as a pattern. */
	ev = event("/srv/a b*[c]", "/srv/a b*[c]", POLICY_READ);
	assert_string_equal(hint_of(p, ev, NULL), "; hint: allow read /srv/a\\ b\\*\\[c\\]");
	/* A rename's second path, denied create. */
	ev = event("/srv/in/a", "/srv/in/a", POLICY_CREATE);
	ev.op = "rename";
	ev.path2 = ev.canon2 = "/srv/out/b";
	ev.access = POLICY_CREATE | POLICY_DELETE;
	ev.denied_second = 1;
	assert_string_equal(hint_of(p, ev, NULL), "; hint: allow create /srv/out/b");
	policy_free(p);
}

/* For a run of one-off grants: the option that adds the rule. */
static void
default_as_one_off_options(void **state)
{
	struct policy *p = load(text);
	struct audit_event ev = event("/etc/hostname", "/etc/hostname", POLICY_READ);

	(void)state;
	assert_string_equal(hint_flags_of(p, ev, NULL, HINT_FLAGS),
	    "; hint: --allow 'read /etc/hostname'");
	ev = event("/etc/passwd", "/etc/passwd", POLICY_READ);
	assert_string_equal(hint_flags_of(p, ev, NULL, HINT_FLAGS),
	    "; hint: --allow 'read /etc/passwd', or --include @users");
	/* Escapes kept inside the quotes; a quote in the name keeps the
	 * rule's own form, which no shell quoting would mangle. */
	ev = event("/srv/a b*[c]", "/srv/a b*[c]", POLICY_READ);
	assert_string_equal(hint_flags_of(p, ev, NULL, HINT_FLAGS),
	    "; hint: --allow 'read /srv/a\\ b\\*\\[c\\]'");
	ev = event("/srv/it's", "/srv/it's", POLICY_READ);
	assert_string_equal(hint_flags_of(p, ev, NULL, HINT_FLAGS), "; hint: allow read /srv/it's");
	policy_free(p);
}

static void
nothing_printable_no_pattern(void **state)
{
	struct policy *p = load(text);
	struct audit_event ev = event("/srv/a\x1b[2Jb", "/srv/a\x1b[2Jb", POLICY_READ);
	char buf[64];

	(void)state;
	assert_non_null(strstr(hint_of(p, ev, NULL), "no pattern names this path exactly"));
	assert_null(strchr(hint_of(p, ev, NULL), '\x1b'));
	ev.path = ev.canon = "/srv/\xff";
	assert_non_null(strstr(hint_of(p, ev, NULL), "no pattern names this path exactly"));
	/* Bidirectional controls (U+202E) would reorder what is read. */
	ev.path = ev.canon = "/srv/a\xe2\x80\xae";
	assert_non_null(strstr(hint_of(p, ev, NULL), "no pattern names this path exactly"));
	assert_int_equal(hint_pattern("/srv/caf\xc3\xa9", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/srv/caf\xc3\xa9");
	assert_int_equal(hint_pattern("/srv/\n", buf, sizeof(buf)), -1);
	policy_free(p);
}

static void
deny_rule_and_own_rules_named(void **state)
{
	struct policy *p = load(text);
	struct audit_event ev = event("/srv/in/secret", "/srv/in/secret", POLICY_READ);

	(void)state;
	ev.rule = "t.policy:2";
	assert_string_equal(hint_of(p, ev, NULL),
	    " (deny read /srv/in/secret), which wins over every allow rule");
	ev.rule = "@broker-file";
	assert_non_null(strstr(hint_of(p, ev, NULL), ": the broker's own files"));
	ev.rule = "@proc";
	assert_non_null(strstr(hint_of(p, ev, NULL), ": a process's /proc files"));
	/* An allow rule that denied: a device under a wildcard. */
	ev = event("/dev/sda", "/dev/sda", POLICY_READ);
	ev.rule = "t.policy:3";
	assert_string_equal(hint_of(p, ev, NULL),
	    "; hint: a device, FIFO or socket needs a rule without wildcards: allow read "
	    "/dev/sda");
	/* A rule of no policy: nothing to add. */
	ev.rule = "other.policy:9";
	assert_string_equal(hint_of(p, ev, NULL), "");
	policy_free(p);
}

static void
probes_said(void **state)
{
	struct policy *p = load(text);
	struct audit_event ev = event("/root", "/root", POLICY_STAT);

	(void)state;
	ev.op = "stat";
	assert_true(hint_is_probe(&ev));
	assert_string_equal(hint_of(p, ev, NULL), " (a probe); hint: allow stat /root");
	assert_string_equal(hint_of(p, ev, "/root"),
	    " (a probe of the working folder); hint: allow stat /root");
	/* An open of what is not there is decided for stat alone. */
	ev.op = "open";
	assert_true(hint_is_probe(&ev));
	ev.access = POLICY_READ;
	assert_false(hint_is_probe(&ev));
	/* A shell's search for a program no profile runs. */
	ev = event("/usr/bin/fbnone", "/usr/bin/fbnone", POLICY_STAT);
	ev.op = "stat";
	assert_string_equal(hint_of(p, ev, NULL),
	    " (a probe); hint: allow stat /usr/bin/fbnone, or allow exec /usr/bin/fbnone to run "
	    "it");
	/* One a profile runs: the profile. */
	ev = event("/usr/bin/file", "/usr/bin/file", POLICY_STAT);
	ev.op = "stat";
	assert_string_equal(hint_of(p, ev, NULL),
	    " (a probe); hint: allow stat /usr/bin/file, or include @file");
	policy_free(p);
}

static void
hidden_path_gets_no_rule(void **state)
{
	struct policy *p = load(text);
	struct audit_event ev = event("/tmp/l", "/etc/shadow", POLICY_READ);
	const char *h;

	(void)state;
	h = hint_of(p, ev, NULL);
	assert_null(strstr(h, "shadow"));
	assert_string_equal(h,
	    "; hint: it leads through a link to a path hidden from the "
	    "worker; filebroker explain -p POLICY --access read /tmp/l shows "
	    "where, and the rule to add");
	/* A name a shell would not take as it is: no command line. */
	ev.path = "/tmp/l;rm";
	h = hint_of(p, ev, NULL);
	assert_string_equal(h,
	    "; hint: it leads through a link to a path hidden from the "
	    "worker: filebroker explain shows where, and the rule to add");
	policy_free(p);
}

static void
programs_for_a_shell(void **state)
{
	struct audit_event ev = event("/usr/bin/file", "/usr/bin/file", POLICY_STAT);

	(void)state;
	assert_string_equal(hint_program(&ev), "/usr/bin/file");
	ev.canon_hidden = 1;
	ev.path = "/bin/file";
	assert_string_equal(hint_program(&ev), "/bin/file");
	ev.path = "/bin/a b";
	assert_null(hint_program(&ev));
	ev = event("/usr/share/x", "/usr/share/x", POLICY_STAT);
	assert_null(hint_program(&ev));
	ev = event("/usr/bin/file", "/usr/bin/file", POLICY_READ);
	assert_null(hint_program(&ev));
}

static void
rule_format(void **state)
{
	struct policy *p = load(text);
	struct policy_decision d;
	char buf[128];

	(void)state;
	assert_int_equal(policy_decide(p, "/srv/in/secret", POLICY_READ, 0, &d), 0);
	assert_int_equal(policy_rule_format(p, d.rule, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "deny read /srv/in/secret");
	assert_true(policy_rule_format(p, "t.policy:1", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "allow read,list /srv/in/**");
	assert_int_equal(policy_rule_format(p, "default", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(policy_rule_format(p, "t.policy:1", buf, 8), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(policy_builtin_name(0), "@runtime");
	assert_null(policy_builtin_name(1000));
	policy_free(p);
}

/* What denials_note() writes on fd 2 for ev. */
static char *
line_of(struct session *s, const struct audit_event *ev)
{
	static char buf[8192];
	struct unit_capture c;

	unit_stderr_begin(&c);
	denials_note(s, ev);
	return unit_stderr_end(&c, buf, sizeof(buf));
}

/* The regression: a denial line showed where a link led, even where the
 * worker may not know (a link it may not read, to a file it may not
 * stat). */
static void
line_hides_a_hidden_target(void **state)
{
	struct session s;
	struct audit_event ev = event("/srv/in/link", "/etc/shadow", POLICY_READ);

	(void)state;
	memset(&s, 0, sizeof(s));
	s.policy = load(text);
	assert_string_equal(line_of(&s, &ev),
	    "filebroker: denied open of \"/srv/in/link\" (resolved elsewhere, hidden from the "
	    "worker) (read) for pid 100: rule default; hint: it leads through a link to a "
	    "path hidden from the worker; filebroker explain -p POLICY --access read "
	    "/srv/in/link shows where, and the rule to add\n");
	/* Where the worker may stat it, it is shown, with its rule. */
	ev = event("/srv/in/link2", "/srv/visible", POLICY_READ);
	assert_string_equal(line_of(&s, &ev),
	    "filebroker: denied open of \"/srv/in/link2\" (resolved \"/srv/visible\") (read) "
	    "for pid 100: rule default; hint: allow read /srv/visible\n");
	/* A repeat: nothing. */
	assert_string_equal(line_of(&s, &ev), "");
	denials_free(s.denials);
	policy_free((struct policy *)s.policy);
}

static void
quiet_counts_without_lines(void **state)
{
	struct session s;
	struct audit_event ev = event("/etc/hostname", "/etc/hostname", POLICY_READ);
	struct denials_count c;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.policy = load(text);
	s.denials = denials_new(DENIALS_QUIET, NULL);
	assert_string_equal(line_of(&s, &ev), "");
	assert_string_equal(line_of(&s, &ev), "");
	denials_count(s.denials, &c);
	assert_int_equal(c.refused, 2);
	assert_int_equal(c.paths, 1);
	denials_free(s.denials);
	/* With a sink and no table made beforehand (a daemon's peer):
	 * nothing kept, nothing printed. */
	s.denials = NULL;
	s.audit = (struct audit *)&s;
	assert_string_equal(line_of(&s, &ev), "");
	assert_null(s.denials);
	policy_free((struct policy *)s.policy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canon_shown_only_where_the_worker_may_know),
		cmocka_unit_test(default_gets_the_smallest_rule),
		cmocka_unit_test(default_as_one_off_options),
		cmocka_unit_test(nothing_printable_no_pattern),
		cmocka_unit_test(deny_rule_and_own_rules_named),
		cmocka_unit_test(probes_said),
		cmocka_unit_test(hidden_path_gets_no_rule),
		cmocka_unit_test(programs_for_a_shell),
		cmocka_unit_test(rule_format),
		cmocka_unit_test(line_hides_a_hidden_target),
		cmocka_unit_test(quiet_counts_without_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
