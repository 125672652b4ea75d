/*
 * test_policy.c: the policy library's decisions: glob semantics, deny
 * precedence, rule names, implied stat, exact rules, create modes,
 * /proc/self, refused requests, @runtime and the exec rules.
 * tests/unit/test_policy_parse.c has the parser's errors and warnings,
 * tests/unit/test_policy_load.c the file-level checks (includes, limits,
 * round trips).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config.h"
#include "policy.h"
#include "unit_policy.h"

static const char *
rule(const struct policy *p, const char *path, unsigned acc)
{
	struct policy_decision d;

	assert_int_equal(policy_decide(p, path, acc, 0, &d), 0);
	return d.rule;
}

/* ---- glob semantics: pattern x path -> match ---- */

static const struct {
	const char *pattern, *path;
	int match;
} globs[] = {
	/* literals */
	{ "/", "/", 1 },
	{ "/", "/a", 0 },
	{ "/a", "/a", 1 },
	{ "/a", "/ab", 0 },
	{ "/a", "/a/b", 0 },
	{ "/a/b", "/a", 0 },
	{ "/srv/in/a.txt", "/srv/in/a.txt", 1 },
	{ "/srv/in/a.txt", "/srv/in/a.txT", 0 },
	/* '*' stays inside one component, matches dot files too */
	{ "/a/*", "/a/b", 1 },
	{ "/a/*", "/a/.hidden", 1 },
	{ "/a/*", "/a", 0 },
	{ "/a/*", "/a/b/c", 0 },
	{ "/a/*.txt", "/a/x.txt", 1 },
	{ "/a/*.txt", "/a/.txt", 1 },
	{ "/a/*.txt", "/a/x.txt.gz", 0 },
	{ "/a/*x*y*", "/a/__x__y", 1 },
	{ "/a/*x*y*", "/a/__y__x", 0 },
	{ "/*/b", "/a/b", 1 },
	{ "/*/b", "/a/c/b", 0 },
	{ "/a*b*c", "/abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbc", 1 },
	{ "/a*b*c", "/abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 0 },
	/* '**' at the end: the folder itself and everything below */
	{ "/srv/in/**", "/srv/in", 1 },
	{ "/srv/in/**", "/srv/in/a", 1 },
	{ "/srv/in/**", "/srv/in/a/b/c/d", 1 },
	{ "/srv/in/**", "/srv/inbox", 0 },
	{ "/srv/in/**", "/srv", 0 },
	/* '**' at the start */
	{ "/**", "/", 1 },
	{ "/**", "/a/b", 1 },
	{ "/**/x", "/x", 1 },
	{ "/**/x", "/a/b/x", 1 },
	{ "/**/x", "/a/b/x/y", 0 },
	{ "/**/.git/**", "/p/.git/config", 1 },
	{ "/**/.git/**", "/p/.gitignore", 0 },
	/* '**' in the middle */
	{ "/a/**/z", "/a/z", 1 },
	{ "/a/**/z", "/a/b/z", 1 },
	{ "/a/**/z", "/a/b/c/d/z", 1 },
	{ "/a/**/z", "/a/b/c/d/z/e", 0 },
	{ "/a/**/z", "/b/z", 0 },
	{ "/a/**/b/**/c", "/a/b/c", 1 },
	{ "/a/**/b/**/c", "/a/x/b/y/c", 1 },
	{ "/a/**/b/**/c", "/a/x/y/c", 0 },
	{ "/a/**/**/c", "/a/c", 1 },
	{ "/a/**/*.o", "/a/x/y.o", 1 },
	{ "/a/**/*.o", "/a/x/y.c", 0 },
	/* '?' is one character, UTF-8 aware */
	{ "/a/?", "/a/b", 1 },
	{ "/a/?", "/a/bc", 0 },
	{ "/a/?", "/a/\xc3\xa9", 1 }, /* é is one character */
	{ "/a/??", "/a/\xc3\xa9", 0 },
	{ "/a/?", "/a/\xff", 1 },  /* a stray byte counts as one */
	{ "/a/??", "/a/\xc3", 0 }, /* truncated sequence: one byte */
	{ "/a/caf?", "/a/caf\xc3\xa9", 1 },
	{ "/a/x?z", "/a/x\xe2\x82\xacz", 1 }, /* € */
	{ "/a/?", "/a/\xf0\x9f\x98\x80", 1 }, /* emoji */
	{ "/a/?", "/a/\xe0\x80\x80", 0 },     /* overlong: three stray bytes */
	/* classes */
	{ "/a/[abc]", "/a/b", 1 },
	{ "/a/[abc]", "/a/d", 0 },
	{ "/a/[a-c]x", "/a/cx", 1 },
	{ "/a/[a-c]x", "/a/dx", 0 },
	{ "/a/[!a-c]", "/a/d", 1 },
	{ "/a/[!a-c]", "/a/a", 0 },
	{ "/a/[^a-c]", "/a/d", 1 },
	{ "/a/[^a-c]", "/a/b", 0 },
	{ "/a/[]]", "/a/]", 1 },
	{ "/a/[!]]", "/a/]", 0 },
	{ "/a/[!]]", "/a/x", 1 },
	{ "/a/[a-]", "/a/-", 1 },
	{ "/a/[-a]", "/a/-", 1 },
	{ "/a/[\\]]", "/a/]", 1 },
	{ "/a/[0-9][0-9]", "/a/42", 1 },
	{ "/a/[0-9][0-9]", "/a/4x", 0 },
	{ "/a/[\xc3\xa9\xc3\xa8]", "/a/\xc3\xa8", 1 },
	{ "/a/[\xc3\xa9\xc3\xa8]", "/a/\xc3", 0 },
	{ "/a/[\xce\xb1-\xcf\x89]", "/a/\xce\xbb", 1 }, /* α-ω contains λ */
	{ "/a/[*]", "/a/*", 1 },
	{ "/a/[*]", "/a/x", 0 },
	{ "/a/[?]", "/a/?", 1 },
	/* escapes */
	{ "/a/\\*", "/a/*", 1 },
	{ "/a/\\*", "/a/x", 0 },
	{ "/a/\\?", "/a/?", 1 },
	{ "/a/\\?", "/a/x", 0 },
	{ "/a/\\[x]", "/a/[x]", 1 },
	{ "/a/b\\ c", "/a/b c", 1 },
	{ "/a/b\\\\c", "/a/b\\c", 1 },
	{ "/a/\\*x*", "/a/*xyz", 1 },
	{ "/a/\\*x*", "/a/axyz", 0 },
	{ "/a/\\#x", "/a/#x", 1 },
	{ "/a/b#c", "/a/b#c", 1 },
	/* odd bytes in names */
	{ "/a/\x01\x7f", "/a/\x01\x7f", 1 },
	{ "/a/\xff\xfe", "/a/\xff\xfe", 1 },
	{ "/a/*", "/a/\xff\xfe", 1 },
	{ "/\xe6\x97\xa5\xe6\x9c\xac/*", "/\xe6\x97\xa5\xe6\x9c\xac/x", 1 },
	{ "/a/.x", "/a/.x", 1 },
	{ "/a/...", "/a/...", 1 },
	/* /proc/self is the worker's pid (1234 in this table) */
	{ "/proc/self/status", "/proc/1234/status", 1 },
	{ "/proc/self/status", "/proc/1235/status", 0 },
	{ "/proc/self/status", "/proc/self/status", 0 },
	{ "/proc/self", "/proc/1234", 1 },
	{ "/proc/self/fd/*", "/proc/1234/fd/7", 1 },
	{ "/proc/self/**", "/proc/1234/task/1/stat", 1 },
	{ "/proc/*/status", "/proc/99/status", 1 },
	{ "/x/proc/self", "/x/proc/self", 1 },
};

static void
test_glob_table(void **state)
{
	struct policy *p;
	char text[512];
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		snprintf(text, sizeof(text), "allow read %s\n", globs[i].pattern);
		p = load(text);
		got = allowed(p, globs[i].path, POLICY_READ, 1234);
		if (got != globs[i].match)
			fail_msg("pattern '%s' on '%s': got %d, want %d", globs[i].pattern,
			    globs[i].path, got, globs[i].match);
		policy_free(p);
	}
}

/* The same table through one big policy, each row under its own prefix:
 * rows share the root's table and must not leak into each other. */
static void
test_glob_table_shared(void **state)
{
	struct policy *p;
	struct policy_decision d;
	char *text, path[512], want[64];
	size_t i, off = 0, cap = 64 * 1024, line = 0;

	(void)state;
	text = malloc(cap);
	assert_non_null(text);
	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		off += (size_t)snprintf(text + off, cap - off, "allow read /t%zu%s\n", i,
		    strcmp(globs[i].pattern, "/") == 0 ? "" : globs[i].pattern);
	p = load(text);
	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		line++;
		if (strncmp(globs[i].pattern, "/proc/self", 10) == 0)
			continue; /* only meaningful at the start */
		snprintf(path, sizeof(path), "/t%zu%s", i,
		    strcmp(globs[i].path, "/") == 0 ? "" : globs[i].path);
		assert_int_equal(policy_decide(p, path, POLICY_READ, 1234, &d), 0);
		if (d.allowed != globs[i].match)
			fail_msg("shared: pattern '%s' on '%s': got %d", globs[i].pattern, path,
			    d.allowed);
		snprintf(want, sizeof(want), "t.policy:%zu", line);
		if (d.allowed)
			assert_string_equal(d.rule, want);
	}
	policy_free(p);
	free(text);
}

/* The CPU time of the fastest of 5 decisions of path for read: the
 * matcher's own cost, whatever else the machine runs. */
static double
decide_cost(const struct policy *p, const char *path)
{
	struct timespec a, b;
	double t, best = 1e9;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		(void)allowed(p, path, POLICY_READ, 0);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		if (t < best)
			best = t;
	}
	return best;
}

/* Many '**' on a long path: must stay fast (state sets, not backtracking). */
static void
test_starstar_no_blowup(void **state)
{
	struct policy *p;
	char path[4096];
	size_t i, n = 0;
	double short_cost, long_cost;

	(void)state;
	p = load("allow read /**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b\n"
		 "allow read /**/*/**/*/**/*/**/*/**/c\n");
	for (i = 0; i < 400; i++) {
		path[n++] = '/';
		path[n++] = 'a';
	}
	path[n] = '\0';
	assert_int_equal(allowed(p, path, POLICY_READ, 0), 0);
	memcpy(path + n, "/b", 3);
	assert_int_equal(allowed(p, path, POLICY_READ, 0), 1);
	memcpy(path + n, "/c", 3);
	assert_int_equal(allowed(p, path, POLICY_READ, 0), 1);
	/* Linear in the path, measured against itself rather than a clock a
	 * slow machine would miss: 4 times the components may cost at most 8
	 * times as much (backtracking is exponential, a quadratic matcher 16
	 * times). */
	path[200] = '\0';
	short_cost = decide_cost(p, path);
	path[200] = '/';
	path[n] = '\0';
	long_cost = decide_cost(p, path);
	if (long_cost > 8 * short_cost)
		fail_msg("a decision on 400 components cost %.0f us, on 100 %.0f us: not linear",
		    long_cost * 1e6, short_cost * 1e6);
	assert_int_equal(allowed(p, "/a/a/a/a/a/a/b", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/a/a/a/a/a/a/a/b", POLICY_READ, 0), 1);
	policy_free(p);
}

/* ---- decisions ---- */

static void
test_deny_precedence(void **state)
{
	struct policy *p;

	(void)state;
	/* deny after allow */
	p = load("allow read /srv/**\ndeny read /srv/secret/**\n");
	assert_int_equal(allowed(p, "/srv/a", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/srv/secret", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/srv/secret/x", POLICY_READ, 0), 0);
	assert_string_equal(rule(p, "/srv/secret/x", POLICY_READ), "t.policy:2");
	assert_int_equal(allowed(p, "/srv/secret/x", POLICY_STAT, 0), 1);
	policy_free(p);
	/* deny before allow: same result */
	p = load("deny read /srv/secret/**\nallow read /srv/**\n");
	assert_int_equal(allowed(p, "/srv/secret/x", POLICY_READ, 0), 0);
	assert_string_equal(rule(p, "/srv/secret/x", POLICY_READ), "t.policy:1");
	assert_int_equal(allowed(p, "/srv/x", POLICY_READ, 0), 1);
	assert_string_equal(rule(p, "/srv/x", POLICY_READ), "t.policy:2");
	policy_free(p);
	/* a more specific allow does not beat a broader deny */
	p = load("deny write /**\nallow write /tmp/out/exact\n");
	assert_int_equal(allowed(p, "/tmp/out/exact", POLICY_WRITE, 0), 0);
	assert_string_equal(rule(p, "/tmp/out/exact", POLICY_WRITE), "t.policy:1");
	policy_free(p);
	/* several bits: one denied bit denies all */
	p = load("allow read,write /d/**\ndeny write /d/ro/**\n");
	assert_int_equal(allowed(p, "/d/ro/f", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/d/ro/f", POLICY_READ | POLICY_WRITE, 0), 0);
	assert_string_equal(rule(p, "/d/ro/f", POLICY_READ | POLICY_WRITE), "t.policy:2");
	assert_int_equal(allowed(p, "/d/rw/f", POLICY_READ | POLICY_WRITE, 0), 1);
	/* a bit with no allow at all is a default denial */
	assert_int_equal(allowed(p, "/d/rw/f", POLICY_READ | POLICY_DELETE, 0), 0);
	assert_string_equal(rule(p, "/d/rw/f", POLICY_READ | POLICY_DELETE), "default");
	/* but an explicit deny is named even when another bit is default */
	assert_string_equal(rule(p, "/d/ro/f", POLICY_DELETE | POLICY_WRITE), "t.policy:2");
	policy_free(p);
}

static void
test_rule_names(void **state)
{
	struct policy *p;

	(void)state;
	p = load("\n# comment\nallow read /a/**\n  allow read,write /a/b   # trailing\n"
		 "deny exec /a/**\n");
	/* the earliest allow covering the first bit asked */
	assert_string_equal(rule(p, "/a/b", POLICY_READ), "t.policy:3");
	assert_string_equal(rule(p, "/a/b", POLICY_WRITE), "t.policy:4");
	assert_string_equal(rule(p, "/a/b", POLICY_READ | POLICY_WRITE), "t.policy:3");
	assert_string_equal(rule(p, "/a/b", POLICY_EXEC), "t.policy:5");
	assert_string_equal(rule(p, "/b", POLICY_READ), "default");
	assert_int_equal(policy_nrules(p), 3);
	policy_free(p);
}

static void
test_implied_stat(void **state)
{
	struct policy *p;

	(void)state;
	p = load("allow read /r\nallow write /w\nallow list /l\nallow create /c\n"
		 "allow exec /x\nallow delete /d\nallow stat /s\n");
	assert_int_equal(allowed(p, "/r", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/w", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/l", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/c", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/x", POLICY_STAT, 0), 1); /* a shell's PATH search */
	assert_int_equal(allowed(p, "/d", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/s", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/s", POLICY_READ, 0), 0);
	assert_string_equal(rule(p, "/r", POLICY_STAT), "t.policy:1");
	assert_string_equal(rule(p, "/x", POLICY_STAT), "t.policy:5");
	/* stat is implied on the same path only (and on the folders above,
	 * test_ancestors) */
	assert_int_equal(allowed(p, "/x/y", POLICY_STAT, 0), 0);
	policy_free(p);
	/* a deny of read does not deny the stat that read implied */
	p = load("allow read /a/**\ndeny read /a/b\n");
	assert_int_equal(allowed(p, "/a/b", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/a/b", POLICY_READ, 0), 0);
	policy_free(p);
	p = load("allow read /a/**\ndeny stat /a/b\n");
	assert_int_equal(allowed(p, "/a/b", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/a/b", POLICY_READ, 0), 1);
	policy_free(p);
}

/* ---- ancestors: the folders on the way to what an allow rule matches ---- */

static void
test_ancestors(void **state)
{
	struct policy *p;
	const struct policy *view;
	gid_t g = 100;
	char *buf;
	size_t len;
	FILE *f;

	(void)state;
	p = load("allow read,list /srv/spool/**\n"
		 "allow create,write /srv/out/*.txt\n"
		 "allow read /home/u/.config/app/conf\n"
		 "allow read /opt/*/lib/x\n"
		 "allow exec /usr/bin/file\n"
		 "deny read /proc/self/mem\n"
		 "allow read /proc/self/status\n");
	/* the folders from / down to the literal part, stat only */
	assert_int_equal(allowed(p, "/", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/srv", POLICY_STAT, 0), 1);
	assert_string_equal(rule(p, "/", POLICY_STAT), "@ancestor of t.policy:1");
	assert_string_equal(rule(p, "/srv", POLICY_STAT), "@ancestor of t.policy:1");
	assert_int_equal(allowed(p, "/srv", POLICY_LIST, 0), 0);
	assert_int_equal(allowed(p, "/srv", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/srv", POLICY_STAT | POLICY_LIST, 0), 0);
	/* the literal part itself, before a wildcard */
	assert_string_equal(rule(p, "/srv/out", POLICY_STAT), "@ancestor of t.policy:2");
	assert_string_equal(rule(p, "/srv/spool", POLICY_STAT), "t.policy:1");
	/* not what the wildcard matches, nor siblings */
	assert_int_equal(allowed(p, "/srv/out/x", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/srv/other", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/srv/out/a.dat", POLICY_STAT, 0), 0);
	/* a rule without wildcards: the folders above it */
	assert_int_equal(allowed(p, "/home", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/home/u/.config", POLICY_STAT, 0), 1);
	assert_string_equal(rule(p, "/home/u/.config/app", POLICY_STAT), "@ancestor of t.policy:3");
	assert_int_equal(allowed(p, "/home/u/.config/app/other", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/home/u/.config/app/conf/x", POLICY_STAT, 0), 0);
	/* a wildcard in the middle: the literal part only */
	assert_int_equal(allowed(p, "/opt", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/opt/a", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/opt/a/lib", POLICY_STAT, 0), 0);
	/* exec: the program and the folders on the way */
	assert_int_equal(allowed(p, "/usr/bin/file", POLICY_STAT, 0), 1);
	assert_string_equal(rule(p, "/usr/bin", POLICY_STAT), "@ancestor of t.policy:5");
	/* /proc/self: the worker's own folder; deny rules make none */
	assert_int_equal(allowed(p, "/proc", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/proc/42", POLICY_STAT, 42), 1);
	assert_int_equal(allowed(p, "/proc/42", POLICY_STAT, 43), 0);
	assert_string_equal(rule(p, "/proc", POLICY_STAT), "@ancestor of t.policy:7");
	/* the synthetic rules are not counted, nor printed */
	assert_int_equal(policy_nrules(p), 7);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	assert_null(strstr(buf, "ancestor"));
	assert_null(strstr(buf, "allow stat"));
	free(buf);
	policy_free(p);

	/* a deny rule wins: deny stat on the ancestor, or one covering it */
	p = load("allow read /srv/a/b/c\ndeny stat /srv/a\ndeny all /x/**\nallow read /x/y/z\n");
	assert_int_equal(allowed(p, "/srv", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/srv/a", POLICY_STAT, 0), 0);
	assert_string_equal(rule(p, "/srv/a", POLICY_STAT), "t.policy:2");
	assert_int_equal(allowed(p, "/srv/a/b", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/x", POLICY_STAT, 0), 0);
	assert_int_equal(allowed(p, "/x/y", POLICY_STAT, 0), 0);
	policy_free(p);

	/* a written rule names the decision; deny rules make no ancestors */
	p = load("allow read /a/b/c\nallow stat /a\ndeny read /d/e/f\n");
	assert_string_equal(rule(p, "/a", POLICY_STAT), "t.policy:2");
	assert_string_equal(rule(p, "/a/b", POLICY_STAT), "@ancestor of t.policy:1");
	assert_int_equal(allowed(p, "/d", POLICY_STAT, 0), 0);
	policy_free(p);

	/* "/" and rules starting with a wildcard: nothing above */
	p = load("allow read /\n");
	assert_int_equal(allowed(p, "/", POLICY_STAT, 0), 1);
	assert_string_equal(rule(p, "/", POLICY_STAT), "t.policy:1");
	policy_free(p);
	p = load("allow read /*/x\n");
	assert_string_equal(rule(p, "/", POLICY_STAT), "@ancestor of t.policy:1");
	assert_int_equal(allowed(p, "/a", POLICY_STAT, 0), 0);
	policy_free(p);

	/* a profile's rules make ancestors in its view only */
	p = load("allow read /common/x\nprofile group=100\nallow read /only/here/y\n");
	assert_int_equal(allowed(p, "/common", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/only", POLICY_STAT, 0), 0);
	assert_int_equal(policy_select(p, 1000, &g, 1, &view, NULL), 0);
	assert_int_equal(allowed(view, "/common", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(view, "/only/here", POLICY_STAT, 0), 1);
	assert_string_equal(rule(view, "/only", POLICY_STAT), "@ancestor of t.policy:3");
	assert_int_equal(policy_nrules(p), 2);
	policy_free(p);
}

static void
test_all(void **state)
{
	struct policy *p;
	unsigned b;

	(void)state;
	p = load("allow all /w/**\ndeny all /w/no\n");
	for (b = 1; b <= POLICY_EXEC; b <<= 1) {
		assert_int_equal(allowed(p, "/w/x", b, 0), 1);
		assert_int_equal(allowed(p, "/w/no", b, 0), 0);
	}
	assert_int_equal(allowed(p, "/w/x", POLICY_ALL, 0), 1);
	assert_int_equal(allowed(p, "/w/no/x", POLICY_ALL, 0), 1);
	policy_free(p);
	p = load("allow all,read /a\n");
	assert_int_equal(allowed(p, "/a", POLICY_ALL, 0), 1);
	policy_free(p);
}

static void
test_exact(void **state)
{
	struct policy *p;
	struct policy_decision d;

	(void)state;
	p = load("allow read,write /dev/null\nallow read /dev/*\nallow read /srv/**\n"
		 "allow read /srv/fifo\nallow read /proc/self/fd/0\nallow write /dev/tty?\n");
	assert_int_equal(policy_decide(p, "/dev/null", POLICY_READ, 0, &d), 0);
	assert_true(d.allowed && d.exact);
	assert_int_equal(policy_decide(p, "/dev/zero", POLICY_READ, 0, &d), 0);
	assert_true(d.allowed && !d.exact);
	assert_int_equal(policy_decide(p, "/srv/x", POLICY_READ, 0, &d), 0);
	assert_true(d.allowed && !d.exact);
	/* an earlier wildcard rule does not hide the exact one */
	assert_int_equal(policy_decide(p, "/srv/fifo", POLICY_READ, 0, &d), 0);
	assert_true(d.allowed && d.exact);
	assert_string_equal(d.rule, "t.policy:3");
	assert_int_equal(policy_decide(p, "/proc/7/fd/0", POLICY_READ, 7, &d), 0);
	assert_true(d.allowed && d.exact);
	/* every bit asked needs an exact rule */
	assert_int_equal(policy_decide(p, "/dev/ttyS", POLICY_WRITE, 0, &d), 0);
	assert_true(d.allowed && !d.exact);
	assert_int_equal(policy_decide(p, "/dev/null", POLICY_READ | POLICY_WRITE, 0, &d), 0);
	assert_true(d.allowed && d.exact);
	/* a denial is never exact */
	assert_int_equal(policy_decide(p, "/etc/passwd", POLICY_READ, 0, &d), 0);
	assert_true(!d.allowed && !d.exact);
	policy_free(p);
}

static void
test_create_mode(void **state)
{
	struct policy *p;
	struct policy_decision d;

	(void)state;
	p = load("allow create,write /out/*.txt\nallow create /out/*.sh mode=0750\n"
		 "allow create /out/** mode=0644\nallow read /out/**\n"
		 "allow create /x mode=07777\nallow create /y mode=0\n");
	/* No mode=: no bound, the program's mode less its umask. */
	assert_int_equal(policy_decide(p, "/out/a.txt", POLICY_CREATE, 0, &d), 0);
	assert_true(d.allowed);
	assert_int_equal(d.create_mode, 0777);
	assert_int_equal(policy_decide(p, "/out/a.sh", POLICY_CREATE, 0, &d), 0);
	assert_int_equal(d.create_mode, 0750);
	assert_int_equal(policy_decide(p, "/out/sub/a.bin", POLICY_CREATE, 0, &d), 0);
	assert_int_equal(d.create_mode, 0644);
	/* read first: the rule named is the read rule, the mode the create one */
	assert_int_equal(policy_decide(p, "/out/a.sh", POLICY_READ | POLICY_CREATE, 0, &d), 0);
	assert_true(d.allowed);
	assert_string_equal(d.rule, "t.policy:4");
	assert_int_equal(d.create_mode, 0750);
	assert_int_equal(policy_decide(p, "/x", POLICY_CREATE, 0, &d), 0);
	assert_int_equal(d.create_mode, 07777);
	assert_int_equal(policy_decide(p, "/y", POLICY_CREATE, 0, &d), 0);
	assert_int_equal(d.create_mode, 0);
	policy_free(p);
}

static void
test_proc_self(void **state)
{
	struct policy *p;

	(void)state;
	p = load("allow read /proc/self/**\ndeny read /proc/self/environ\n"
		 "allow read /proc/1/cmdline\n");
	assert_int_equal(allowed(p, "/proc/4242/status", POLICY_READ, 4242), 1);
	assert_int_equal(allowed(p, "/proc/4242", POLICY_READ, 4242), 1);
	assert_int_equal(allowed(p, "/proc/4242/environ", POLICY_READ, 4242), 0);
	assert_int_equal(allowed(p, "/proc/4243/status", POLICY_READ, 4242), 0);
	/* no worker pid: /proc/self matches nothing at all */
	assert_int_equal(allowed(p, "/proc/4242/status", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/proc/0/status", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/proc/self/status", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/proc/1/cmdline", POLICY_READ, 1), 1);
	assert_int_equal(allowed(p, "/proc/1/cmdline", POLICY_READ, 2), 1);
	assert_int_equal(allowed(p, "/proc/1/status", POLICY_READ, 1), 1);
	assert_int_equal(allowed(p, "/proc/2147483647/x", POLICY_READ, 2147483647), 1);
	policy_free(p);
}

static void
test_decide_einval(void **state)
{
	static const char *bad[] = { "", "a", "a/b", "//", "/a/", "/a//b", "/.", "/a/.", "/a/./b",
		"/..", "/a/../b", "/a/..", "./a" };
	struct policy *p;
	struct policy_decision d;
	size_t i;

	(void)state;
	p = load("allow all /**\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.allowed = 1;
		errno = 0;
		assert_int_equal(policy_decide(p, bad[i], POLICY_READ, 0, &d), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(d.allowed, 0);
		assert_int_equal(policy_path_check(bad[i]), -1);
	}
	assert_int_equal(policy_decide(p, NULL, POLICY_READ, 0, &d), -1);
	assert_int_equal(policy_decide(p, "/a", 0, 0, &d), -1);
	assert_int_equal(d.allowed, 0);
	assert_int_equal(policy_decide(p, "/a", 0x80, 0, &d), -1);
	assert_int_equal(policy_decide(NULL, "/a", POLICY_READ, 0, &d), -1);
	assert_int_equal(policy_decide(p, "/a", POLICY_READ, 0, NULL), -1);
	/* names that merely start with dots are fine */
	assert_int_equal(allowed(p, "/.a/..b/...", POLICY_READ, 0), 1);
	assert_int_equal(policy_path_check("/"), 0);
	policy_free(p);
}

/* ---- built-in profiles, exec rules ---- */

static void
test_runtime(void **state)
{
	static const char *yes[] = { "/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/locale/C.utf8/LC_CTYPE",
		"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
		"/usr/share/zoneinfo/Etc/UTC", "/dev/null", "/dev/urandom" };
	static const char *no[] = { "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/dev/tty",
		"/etc/shadow", "/home", "/proc/1/status", "/etc/ld.so.preload" };
	struct policy *p;
	struct policy_decision d;
	size_t i;

	(void)state;
	p = load("include @runtime\n");
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_int_equal(allowed(p, yes[i], POLICY_READ, 0), 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(allowed(p, no[i], POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/etc/ld.so.preload", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/usr", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/usr", POLICY_LIST, 0), 0);
	assert_int_equal(allowed(p, "/dev/null", POLICY_WRITE, 0), 1);
	assert_int_equal(allowed(p, "/usr/lib/x86_64-linux-gnu/libc.so.6", POLICY_WRITE, 0), 0);
	assert_int_equal(allowed(p, "/lib64/ld-linux-x86-64.so.2", POLICY_EXEC, 0), 1);
	assert_int_equal(allowed(p, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", POLICY_EXEC,
			     0),
	    1);
	assert_int_equal(allowed(p, "/usr/bin/cat", POLICY_EXEC, 0), 0);
	assert_int_equal(policy_decide(p, "/dev/null", POLICY_READ, 0, &d), 0);
	assert_true(d.exact);
	assert_non_null(strstr(d.rule, "@runtime:"));
	policy_free(p);
	/* the user's deny still wins over @runtime */
	p = load("include @runtime\ndeny read /usr/share/zoneinfo/**\n");
	assert_int_equal(allowed(p, "/usr/share/zoneinfo/Etc/UTC", POLICY_READ, 0), 0);
	policy_free(p);
}

/* Load text, and return how many diagnostics it had; the first one's
 * message into msg (when there is one). */
static size_t
load_diags(const char *text, char *msg, size_t size)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	char line[POLICY_DIAG_LINE_MAX];
	size_t n;

	assert_int_equal(policy_load_buffer("t.policy", text, strlen(text), NULL, &p, &d), 0);
	n = d.n;
	if (n > 0)
		snprintf(msg, size, "%s", policy_diag_format(&d.v[0], line, sizeof(line)));
	policy_diags_free(&d);
	policy_free(p);
	return n;
}

/* The built-in profiles: each loads clean, alone and together, grants what
 * it says and nothing it must not; check's suggestion. */
static void
test_builtins(void **state)
{
	static const char *const names[] = { "@python3", "@perl", "@shell", "@git", "@tls",
		"@users" };
	static const char *const never[] = { "/etc/shadow", "/etc/gshadow",
		"/etc/ssl/private/k.pem", "/root/.ssh/id_ed25519", "/home/u/.bashrc", "/dev/tty",
		"/proc/1/mem", "/etc/sudoers" };
	struct policy *p;
	struct policy_decision d;
	char text[256], msg[POLICY_DIAG_LINE_MAX];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "include @runtime\ninclude %s\n", names[i]);
		assert_int_equal(load_diags(text, msg, sizeof(msg)), 0);
		p = load(text);
		for (j = 0; j < sizeof(never) / sizeof(never[0]); j++) {
			assert_int_equal(allowed(p, never[j], POLICY_READ, 0), 0);
			assert_int_equal(allowed(p, never[j], POLICY_WRITE, 0), 0);
		}
		/* read-only: nothing is written, made or removed */
		assert_int_equal(allowed(p, "/usr/lib/python3.11/os.py", POLICY_WRITE, 0), 0);
		assert_int_equal(allowed(p, "/usr/bin/x", POLICY_CREATE, 0), 0);
		/* exec of named files only */
		assert_int_equal(allowed(p, "/usr/bin/su", POLICY_EXEC, 0), 0);
		assert_int_equal(allowed(p, "/usr/bin/sudo", POLICY_EXEC, 0), 0);
		policy_free(p);
	}
	assert_int_equal(load_diags("include @python3\ninclude @perl\ninclude @shell\n"
				    "include @git\ninclude @tls\ninclude @users\ninclude "
				    "@runtime\n",
			     msg, sizeof(msg)),
	    0);

	p = load("include @python3\n");
	assert_int_equal(allowed(p, "/usr/bin/python3.11", POLICY_EXEC, 0), 1);
	assert_int_equal(allowed(p, "/usr/lib/python3.11/json/__init__.py", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/usr/lib/python3/dist-packages", POLICY_LIST, 0), 1);
	assert_int_equal(allowed(p, "/usr/bin/pyvenv.cfg", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/usr/bin/pyvenv.cfg", POLICY_READ, 0), 0);
	assert_int_equal(policy_decide(p, "/usr/bin/python3.11", POLICY_EXEC, 0, &d), 0);
	assert_string_equal(d.rule, "@python3:3");
	policy_free(p);
	p = load("include @perl\n");
	assert_int_equal(allowed(p, "/usr/share/perl/5.36/Getopt/Long.pm", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/proc/7/exe", POLICY_STAT, 7), 1);
	assert_int_equal(allowed(p, "/proc/7/exe", POLICY_READ, 7), 0);
	assert_int_equal(allowed(p, "/usr/bin/pwd", POLICY_STAT, 0), 1);
	assert_int_equal(allowed(p, "/usr/bin/pwd", POLICY_EXEC, 0), 0);
	policy_free(p);
	p = load("include @git\n");
	assert_int_equal(allowed(p, "/usr/bin/git", POLICY_EXEC, 0), 1);
	assert_int_equal(allowed(p, "/usr/lib/git-core/git-sh-setup", POLICY_EXEC | POLICY_READ, 0),
	    1);
	assert_int_equal(allowed(p, "/usr/share/git-core/templates/hooks", POLICY_LIST, 0), 1);
	assert_int_equal(allowed(p, "/etc/gitconfig", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/usr/share/git-core/x", POLICY_WRITE, 0), 0);
	policy_free(p);
	p = load("include @runtime\n");
	assert_int_equal(allowed(p, "/sys/devices/system/cpu/online", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/sys/devices/system/cpu/cpu0/online", POLICY_READ, 0), 0);
	assert_int_equal(allowed(p, "/proc/stat", POLICY_READ, 0), 0);
	/* its own memory map only */
	assert_int_equal(allowed(p, "/proc/7/maps", POLICY_READ, 7), 1);
	assert_int_equal(allowed(p, "/proc/8/maps", POLICY_READ, 7), 0);
	assert_int_equal(allowed(p, "/proc/7/mem", POLICY_READ, 7), 0);
	policy_free(p);
	p = load("include @shell\n");
	assert_int_equal(allowed(p, "/usr/bin/dash", POLICY_EXEC, 0), 1);
	assert_int_equal(allowed(p, "/usr/bin/[", POLICY_EXEC | POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/usr/bin/sha256sum", POLICY_EXEC, 0), 1);
	assert_int_equal(allowed(p, "/usr/bin/chown", POLICY_EXEC, 0), 0);
	assert_int_equal(allowed(p, "/usr/bin/python3.11", POLICY_EXEC, 0), 0);
	assert_int_equal(allowed(p, "/usr/bin", POLICY_LIST, 0), 0);
	policy_free(p);
	p = load("include @tls\n");
	assert_int_equal(allowed(p, "/etc/ssl/certs/ca-certificates.crt", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/etc/ssl/openssl.cnf", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/etc/ssl/private", POLICY_LIST, 0), 0);
	policy_free(p);
	p = load("include @users\n");
	assert_int_equal(allowed(p, "/etc/passwd", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/etc/nsswitch.conf", POLICY_READ, 0), 1);
	policy_free(p);

	/* check's suggestion: a rule naming the interpreter, without its
	 * library; not a whole folder, not once the library is allowed */
	assert_int_equal(load_diags("allow exec /usr/bin/python3*\n", msg, sizeof(msg)), 1);
	assert_string_equal(msg,
	    "t.policy:1:1: warning: this allows exec of /usr/bin/python3.11, "
	    "but not what it reads (/usr/lib/python3.11/os.py): add 'include "
	    "@python3'");
	assert_int_equal(load_diags("allow read /x\nallow exec /usr/bin/perl\n", msg, sizeof(msg)),
	    1);
	assert_non_null(strstr(msg, "t.policy:2:1: warning:"));
	assert_non_null(strstr(msg, "add 'include @perl'"));
	assert_int_equal(load_diags("allow exec /usr/bin/**\n", msg, sizeof(msg)), 0);
	assert_int_equal(load_diags("allow exec /usr/bin/*\n", msg, sizeof(msg)), 0);
	assert_int_equal(load_diags("include @python3\nallow exec /usr/bin/python3.11\n", msg,
			     sizeof(msg)),
	    1); /* a duplicate of @python3's rule, no suggestion */
	assert_non_null(strstr(msg, "duplicate of the rule at @python3:3"));
	assert_int_equal(load_diags("allow exec /usr/bin/python3.11\n"
				    "allow read,list /usr/lib/python3.11/**\n",
			     msg, sizeof(msg)),
	    0);
	/* in a profile section: said once, of the section's rule */
	assert_int_equal(load_diags("profile any\nallow exec /usr/bin/openssl\n", msg, sizeof(msg)),
	    1);
	assert_non_null(strstr(msg, "t.policy:2:1: warning:"));
	assert_non_null(strstr(msg, "'include @tls'"));
}

/* libfilebroker where make install puts it (config.h), whatever LIBDIR is */
static void
test_runtime_libdir(void **state)
{
	static const char *const sys[] = { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
		"/lib64", "/usr/lib64" };
	struct policy *p;
	struct policy_decision d;
	size_t i;
	int inside = 0;

	(void)state;
	p = load("include @runtime\n");
	assert_int_equal(allowed(p, FB_LIBDIR "/libfilebroker.so.0", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, FB_LIBDIR "/libfilebroker.so", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, FB_LIBDIR "/libfilebroker.so.0", POLICY_WRITE, 0), 0);
	assert_int_equal(policy_decide(p, FB_LIBDIR "/libfilebroker.so.0", POLICY_READ, 0, &d), 0);
	assert_non_null(strstr(d.rule, "@runtime:"));
	/* the rest of LIBDIR stays closed, unless it is a system folder */
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (strncmp(FB_LIBDIR, sys[i], strlen(sys[i])) == 0)
			inside = 1;
	if (!inside) {
		/* no exec rule: Landlock would take it for all of LIBDIR */
		assert_int_equal(allowed(p, FB_LIBDIR "/libfilebroker.so.0", POLICY_EXEC, 0), 0);
		assert_int_equal(allowed(p, FB_LIBDIR "/libother.so.1", POLICY_READ, 0), 0);
		assert_int_equal(allowed(p, FB_LIBDIR "/python3/site.py", POLICY_READ, 0), 0);
		assert_int_equal(allowed(p, FB_LIBDIR, POLICY_LIST, 0), 0);
	}
	policy_free(p);
}

static int
count_exec(const char *pattern, int wild, const char *where, void *arg)
{
	char *buf = arg;

	assert_non_null(strstr(where, "t.policy:"));
	strcat(buf, pattern);
	strcat(buf, wild ? "*;" : ";");
	return strcmp(pattern, "/stop") == 0 ? 42 : 0;
}

/* policy_allows_everywhere(): a rule for the whole tree that grants the
 * access (stat implied by the others), unless a rule denies any of it or
 * the policy has profiles. */
static void
test_allows_everywhere(void **state)
{
	static const struct {
		const char *text;
		int want;
		const char *rule;
	} cases[] = {
		{ "allow stat /**\n", 1, "t.policy:1" },
		{ "allow read /usr/**\nallow read,list /**\n", 1, "t.policy:2" },
		{ "allow exec /**\n", 1, "t.policy:1" },
		{ "allow stat /**\ndeny read /etc/shadow\n", 1, "t.policy:1" },
		{ "allow stat /**\ndeny stat /root/**\n", 0, "t.policy:2" },
		{ "allow stat /**\ndeny all /root/**\n", 0, "t.policy:2" },
		{ "allow stat /usr/**\n", 0, NULL },
		{ "allow stat /*\n", 0, NULL },
		{ "allow create /**\n", 0, NULL },
		{ "allow stat /**\nprofile any\nallow read /x\n", 0, NULL },
		{ "", 0, NULL },
	};
	struct policy *p;
	const char *rule;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = load(cases[i].text);
		rule = "unset";
		if (policy_allows_everywhere(p, POLICY_STAT, 0, &rule) != cases[i].want ||
		    (cases[i].rule == NULL ? rule != NULL :
					     rule == NULL || strcmp(rule, cases[i].rule) != 0))
			fail_msg("'%s': got %d, rule %s", cases[i].text, !cases[i].want,
			    rule != NULL ? rule : "(null)");
		policy_free(p);
	}
	p = load("allow read /**\n");
	assert_int_equal(policy_allows_everywhere(p, POLICY_STAT | POLICY_READ, 0, NULL), 1);
	assert_int_equal(policy_allows_everywhere(p, POLICY_WRITE, 0, NULL), 0);
	assert_int_equal(policy_allows_everywhere(p, 0, 0, NULL), 0);
	/* Named: stat implied by read does not count, a rule naming it does. */
	assert_int_equal(policy_allows_everywhere(p, POLICY_STAT, 1, NULL), 0);
	policy_free(p);
	p = load("allow read /**\nallow read,stat /**\n");
	assert_int_equal(policy_allows_everywhere(p, POLICY_STAT, 1, &rule), 1);
	assert_string_equal(rule, "t.policy:2");
	policy_free(p);
	assert_int_equal(policy_allows_everywhere(NULL, POLICY_STAT, 0, NULL), 0);
}

static void
test_foreach_exec(void **state)
{
	struct policy *p;
	char buf[256] = "";

	(void)state;
	p = load("allow exec /usr/bin/tool\nallow read /data/**\nallow read,exec /opt/**\n"
		 "deny exec /opt/bad\nallow all /stop\nallow exec /never\n");
	assert_int_equal(policy_foreach_exec(p, count_exec, buf), 42);
	assert_string_equal(buf, "/usr/bin/tool;/opt/***;/stop;");
	policy_free(p);
}

static enum policy_beneath
beneath(const struct policy *p, const char *dir, unsigned acc, pid_t pid)
{
	enum policy_beneath b;

	assert_int_equal(policy_decide_beneath(p, dir, acc, pid, &b), 0);
	return b;
}

static void
test_decide_beneath(void **state)
{
	struct policy *p;
	enum policy_beneath b;

	(void)state;
	p = load("allow exec /usr/bin/**\n");
	assert_int_equal(beneath(p, "/usr/bin", POLICY_EXEC, 0), POLICY_BENEATH_ALL);
	assert_int_equal(beneath(p, "/usr/bin/sub", POLICY_EXEC, 0), POLICY_BENEATH_ALL);
	assert_int_equal(beneath(p, "/usr", POLICY_EXEC, 0), POLICY_BENEATH_SOME);
	assert_int_equal(beneath(p, "/", POLICY_EXEC, 0), POLICY_BENEATH_SOME);
	assert_int_equal(beneath(p, "/opt", POLICY_EXEC, 0), POLICY_BENEATH_NONE);
	assert_int_equal(beneath(p, "/usr/bin", POLICY_READ, 0), POLICY_BENEATH_NONE);
	assert_int_equal(beneath(p, "/usr/bin", POLICY_EXEC | POLICY_READ, 0), POLICY_BENEATH_NONE);
	policy_free(p);

	/* a deny rule anywhere below makes it SOME; elsewhere it does not */
	p = load("allow exec /usr/bin/**\ndeny exec /usr/bin/id\ndeny read /usr/bin/x\n"
		 "deny exec /usr/lib/y\n");
	assert_int_equal(beneath(p, "/usr/bin", POLICY_EXEC, 0), POLICY_BENEATH_SOME);
	assert_int_equal(beneath(p, "/usr/bin/id", POLICY_EXEC, 0), POLICY_BENEATH_ALL);
	assert_int_equal(beneath(p, "/usr/bin/sub", POLICY_EXEC, 0), POLICY_BENEATH_ALL);
	policy_free(p);
	p = load("allow exec /usr/**\ndeny exec /**/secret\n");
	assert_int_equal(beneath(p, "/usr/bin", POLICY_EXEC, 0), POLICY_BENEATH_SOME);
	policy_free(p);

	/* a wildcard component covers one level only */
	p = load("allow exec /usr/bin/py*\n");
	assert_int_equal(beneath(p, "/usr/bin", POLICY_EXEC, 0), POLICY_BENEATH_SOME);
	assert_int_equal(beneath(p, "/usr/bin/python3", POLICY_EXEC, 0), POLICY_BENEATH_NONE);
	assert_int_equal(beneath(p, "/usr/bin/x", POLICY_EXEC, 0), POLICY_BENEATH_NONE);
	policy_free(p);

	/* everything, and several access bits */
	p = load("allow read,exec /**\ndeny read /etc/**\n");
	assert_int_equal(beneath(p, "/", POLICY_EXEC, 0), POLICY_BENEATH_ALL);
	assert_int_equal(beneath(p, "/", POLICY_EXEC | POLICY_READ, 0), POLICY_BENEATH_SOME);
	assert_int_equal(beneath(p, "/usr", POLICY_EXEC | POLICY_READ, 0), POLICY_BENEATH_ALL);
	assert_int_equal(beneath(p, "/etc", POLICY_READ, 0), POLICY_BENEATH_SOME);
	policy_free(p);

	/* /proc/self is the worker's pid */
	p = load("allow exec /proc/self/**\n");
	assert_int_equal(beneath(p, "/proc/42", POLICY_EXEC, 42), POLICY_BENEATH_ALL);
	assert_int_equal(beneath(p, "/proc/43", POLICY_EXEC, 42), POLICY_BENEATH_NONE);
	assert_int_equal(beneath(p, "/proc", POLICY_EXEC, 42), POLICY_BENEATH_SOME);
	assert_int_equal(policy_decide_beneath(p, "/proc/", POLICY_EXEC, 0, &b), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(policy_decide_beneath(p, "/proc", 0, 0, &b), -1);
	policy_free(p);
}

/* Random policies over a few names: ALL and NONE must hold for every path
 * beneath, as policy_decide() decides each. */
static void
test_decide_beneath_property(void **state)
{
	static const char *const pcomp[] = { "a", "b", "ab", "*", "a*", "**", "[ab]" };
	static const char *const names[] = { "a", "b", "ab", "c" };
	char text[2048], path[256], dir[128], *t;
	unsigned seed = 20260517, r;
	size_t nrules, i, j, k, depth, ndirs, nsub;
	struct policy_diags d = { 0 };
	struct policy *p;
	enum policy_beneath b;
	int round, allowed_all, denied_all;

	(void)state;
	for (round = 0; round < 400; round++) {
		t = text;
		nrules = 1 + rand_r(&seed) % 5;
		for (i = 0; i < nrules; i++) {
			r = (unsigned)rand_r(&seed);
			t += sprintf(t, "%s exec ", r % 3 == 0 ? "deny" : "allow");
			depth = 1 + (unsigned)rand_r(&seed) % 3;
			for (j = 0; j < depth; j++)
				t += sprintf(t, "/%s", pcomp[rand_r(&seed) % 7]);
			t += sprintf(t, "\n");
		}
		if (policy_load_buffer("r.policy", text, strlen(text), NULL, &p, &d) == -1) {
			policy_diags_free(&d);
			continue;
		}
		policy_diags_free(&d);
		/* dirs: / and one or two names deep */
		ndirs = 1 + 4 + 16;
		for (i = 0; i < ndirs; i++) {
			if (i == 0)
				snprintf(dir, sizeof(dir), "/");
			else if (i <= 4)
				snprintf(dir, sizeof(dir), "/%s", names[i - 1]);
			else
				snprintf(dir, sizeof(dir), "/%s/%s", names[(i - 5) / 4],
				    names[(i - 5) % 4]);
			assert_int_equal(policy_decide_beneath(p, dir, POLICY_EXEC, 0, &b), 0);
			allowed_all = denied_all = 1;
			/* every path one to three names beneath dir */
			nsub = 4 + 16 + 64;
			for (k = 0; k < nsub; k++) {
				size_t x = k;

				snprintf(path, sizeof(path), "%s", strcmp(dir, "/") ? dir : "");
				if (x < 4)
					sprintf(path + strlen(path), "/%s", names[x]);
				else if ((x -= 4) < 16)
					sprintf(path + strlen(path), "/%s/%s", names[x / 4],
					    names[x % 4]);
				else {
					x -= 16;
					sprintf(path + strlen(path), "/%s/%s/%s", names[x / 16],
					    names[(x / 4) % 4], names[x % 4]);
				}
				if (allowed(p, path, POLICY_EXEC, 0))
					denied_all = 0;
				else
					allowed_all = 0;
			}
			if (b == POLICY_BENEATH_ALL && !allowed_all)
				fail_msg("ALL beneath %s but some path denied:\n%s", dir, text);
			if (b == POLICY_BENEATH_NONE && !denied_all)
				fail_msg("NONE beneath %s but some path allowed:\n%s", dir, text);
		}
		policy_free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_glob_table_shared),
		cmocka_unit_test(test_starstar_no_blowup),
		cmocka_unit_test(test_deny_precedence),
		cmocka_unit_test(test_rule_names),
		cmocka_unit_test(test_implied_stat),
		cmocka_unit_test(test_ancestors),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_create_mode),
		cmocka_unit_test(test_proc_self),
		cmocka_unit_test(test_decide_einval),
		cmocka_unit_test(test_runtime),
		cmocka_unit_test(test_runtime_libdir),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_foreach_exec),
		cmocka_unit_test(test_allows_everywhere),
		cmocka_unit_test(test_decide_beneath),
		cmocka_unit_test(test_decide_beneath_property),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
