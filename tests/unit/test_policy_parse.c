/*
 * test_policy_parse.c: the policy language as text: parser errors one by
 * one, every error reported, line and size limits, blank lines, warnings,
 * policies too complex to compile; then the text helpers: access lists,
 * escaping, path normalizing, pattern prefixes.  tests/unit/test_policy.c
 * has the decisions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "unit_policy.h"

/* ---- parser errors, one by one ---- */

static const struct {
	const char *text;
	int line, col;
	const char *msg;
} errs[] = {
	{ "frobnicate read /a\n", 1, 1, "unknown keyword 'frobnicate'" },
	{ "Allow read /a\n", 1, 1, "unknown keyword" },
	{ "\n\n  allow reed /a\n", 3, 9, "unknown access 'reed'" },
	{ "allow read,wrte /a\n", 1, 12, "unknown access 'wrte'" },
	{ "allow read,,write /a\n", 1, 12, "empty access name" },
	{ "allow read, /a\n", 1, 12, "empty access name" },
	{ "allow ,read /a\n", 1, 7, "empty access name" },
	{ "allow\n", 1, 6, "needs an access list and a pattern" },
	{ "deny read\n", 1, 10, "missing pattern" },
	{ "allow read a/b\n", 1, 12, "absolute path" },
	{ "allow read *.txt\n", 1, 12, "absolute path" },
	{ "allow read /a//b\n", 1, 15, "empty component" },
	{ "allow read /a/b/\n", 1, 17, "trailing '/'" },
	{ "allow read /a/./b\n", 1, 15, "'.' and '..'" },
	{ "allow read /a/../b\n", 1, 15, "'.' and '..'" },
	{ "allow read /..\n", 1, 13, "'.' and '..'" },
	{ "allow read /a/\\.\\.\n", 1, 15, "'.' and '..'" },
	{ "allow read /a/[bc\n", 1, 15, "unterminated '[' class" },
	{ "allow read /a/[!\n", 1, 15, "unterminated '[' class" },
	{ "allow read /a/[]\n", 1, 15, "unterminated '[' class" },
	{ "allow read /a/[z-a]\n", 1, 15, "reversed range" },
	{ "allow read /a/[[:digit:]]\n", 1, 15, "[:alpha:] are not supported" },
	{ "allow read /a/x[![=a=]]\n", 1, 16, "not supported" },
	{ "allow read /a/b\\\n", 1, 16, "trailing '\\'" },
	{ "allow read /a/[b\\\n", 1, 17, "trailing '\\'" },
	{ "allow read /a/b\\/c\n", 1, 16, "'/' cannot be escaped" },
	{ "allow read /a/x**\n", 1, 16, "'**' must be a whole component" },
	{ "allow read /a/**b\n", 1, 15, "'**' must be a whole component" },
	{ "allow read /a/***\n", 1, 15, "'**' must be a whole component" },
	{ "allow read /a/b mode=644\n", 1, 22, "leading 0" },
	{ "allow read /a/b mode=\n", 1, 22, "leading 0" },
	{ "allow read /a/b mode=0648\n", 1, 25, "not an octal digit" },
	{ "allow read /a/b mode=0x1f\n", 1, 23, "not an octal digit" },
	{ "allow read /a/b mode=010000\n", 1, 22, "larger than 07777" },
	{ "allow read /a/b mode=0000000000000000000000010000\n", 1, 22, "larger than 07777" },
	{ "allow create /a mode=0600 mode=0600\n", 1, 27, "given twice" },
	{ "deny read /a/b mode=0600\n", 1, 16, "only valid on allow rules" },
	{ "allow read /a/b c\n", 1, 17, "unexpected 'c' after the pattern" },
	{ "allow read /my file\n", 1, 16, "unexpected 'file'" },
	{ "deny read /a/b extra\n", 1, 16, "unexpected 'extra'" },
	{ "allow read /a/b mode=0600 x\n", 1, 27, "unexpected 'x'" },
	{ "allow read /a/b modes=0600\n", 1, 17, "unexpected 'modes=0600'" },
	{ "include\n", 1, 8, "include needs a file name" },
	{ "include a b\n", 1, 11, "unexpected 'b' after the include" },
	{ "include @nothing\n", 1, 9, "unknown built-in profile '@nothing'" },
	{ "include missing.policy\n", 1, 9, "cannot include /nonexistent/missing.policy" },
	{ "\\\n", 1, 1, "trailing '\\'" },
	{ "deny-status\n", 1, 12, "deny-status needs a number" },
	{ "deny-status 3 4\n", 1, 15, "unexpected words after deny-status" },
	{ "deny-status 0\n", 1, 13, "not a number from 1 to 124" },
	{ "deny-status 125\n", 1, 13, "not a number from 1 to 124" },
	{ "deny-status 99999999999999999999\n", 1, 13, "not a number from 1 to 124" },
	{ "deny-status -3\n", 1, 13, "not a number from 1 to 124" },
	{ "deny-status 3\ndeny-status 4\n", 2, 13, "deny-status 4 here, but 3 at e.policy:1" },
	{ "profile any\ndeny-status 3\n", 2, 1, "deny-status in a profile section" },
	{ "a b c d e f g h i j k l m n o p q r\n", 1, 31, "too many words" },
};

static void
test_parse_errors(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;
	size_t i;
	int rv;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *t = errs[i].text;
		size_t len = strlen(t);

		p = (struct policy *)1;
		errno = 0;
		rv = policy_load_buffer("e.policy", t, len, "/nonexistent", &p, &d);
		if (rv != -1 || d.nerrors == 0)
			fail_msg("'%s': loaded, want an error", t);
		assert_null(p);
		assert_int_equal(errno, EINVAL);
		assert_string_equal(d.v[0].file, "e.policy");
		assert_int_equal(d.v[0].severity, POLICY_ERROR);
		if (d.v[0].line != errs[i].line || d.v[0].col != errs[i].col ||
		    strstr(d.v[0].msg, errs[i].msg) == NULL)
			fail_msg("'%s': got %d:%d: %s; want %d:%d: ...%s...", t, d.v[0].line,
			    d.v[0].col, d.v[0].msg, errs[i].line, errs[i].col, errs[i].msg);
		policy_diags_free(&d);
	}
}

/* Every error is reported, and one bad line poisons the whole policy. */
static void
test_all_errors_reported(void **state)
{
	const char *t = "allow read /ok\n"
			"allow bogus /a\n"
			"allow read /fine/**\n"
			"deny read relative\n"
			"allow read /x mode=9\n"
			"include\n";
	struct policy_diags d = { 0 };
	struct policy *p;

	(void)state;
	assert_int_equal(policy_load_buffer("m.policy", t, strlen(t), NULL, &p, &d), -1);
	assert_null(p);
	assert_int_equal(d.nerrors, 4);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[1].line, 4);
	assert_int_equal(d.v[2].line, 5);
	assert_int_equal(d.v[3].line, 6);
	policy_diags_free(&d);
	/* several errors on one line too */
	t = "allow reed,wrte /a//b/[x mode=9\n";
	assert_int_equal(policy_load_buffer("m.policy", t, strlen(t), NULL, &p, &d), -1);
	assert_true(d.nerrors >= 4);
	policy_diags_free(&d);
	/* NULL diags: still refused */
	assert_int_equal(policy_load_buffer("m.policy", t, strlen(t), NULL, &p, NULL), -1);
	assert_null(p);
}

static void
test_too_many_errors(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;
	char *t;
	size_t i, n = 0;

	(void)state;
	t = malloc(10000 * 8 + 1);
	assert_non_null(t);
	for (i = 0; i < 10000; i++)
		n += (size_t)sprintf(t + n, "bogus%02zu\n", i % 100);
	assert_int_equal(policy_load_buffer("g.policy", t, n, NULL, &p, &d), -1);
	assert_int_equal(d.n, POLICY_DIAGS_MAX);
	assert_non_null(strstr(d.v[d.n - 1].msg, "too many errors"));
	policy_diags_free(&d);
	free(t);
}

static void
test_line_limits(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;
	char *t;
	size_t n;

	(void)state;
	/* exactly POLICY_LINE_MAX bytes: fine */
	t = malloc(POLICY_LINE_MAX + 64);
	assert_non_null(t);
	n = (size_t)sprintf(t, "allow read /");
	memset(t + n, 'a', POLICY_LINE_MAX - n);
	t[POLICY_LINE_MAX] = '\n';
	assert_int_equal(policy_load_buffer("l.policy", t, POLICY_LINE_MAX + 1, NULL, &p, &d), 0);
	policy_free(p);
	/* one more: refused, with the column of the first byte too many */
	t[POLICY_LINE_MAX] = 'a';
	t[POLICY_LINE_MAX + 1] = '\n';
	assert_int_equal(policy_load_buffer("l.policy", t, POLICY_LINE_MAX + 2, NULL, &p, &d), -1);
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[0].col, POLICY_LINE_MAX + 1);
	assert_non_null(strstr(d.v[0].msg, "line too long"));
	policy_diags_free(&d);
	free(t);
	/* a NUL byte, then more lines: reported with its column, and the
	 * lines after it are still read */
	{
		static const char nul[] = "allow read /a\n\nallow read /a\0b\nfoo\n";

		assert_int_equal(policy_load_buffer("n.policy", nul, sizeof(nul) - 1, NULL, &p, &d),
		    -1);
		assert_int_equal(d.n, 2);
		assert_int_equal(d.v[0].line, 3);
		assert_int_equal(d.v[0].col, 14);
		assert_non_null(strstr(d.v[0].msg, "NUL byte"));
		assert_int_equal(d.v[1].line, 4);
		policy_diags_free(&d);
	}
	/* absurd size */
	t = calloc(1, POLICY_FILE_SIZE_MAX + 2);
	assert_non_null(t);
	assert_int_equal(policy_load_buffer("big", t, POLICY_FILE_SIZE_MAX + 1, NULL, &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "too large"));
	policy_diags_free(&d);
	free(t);
}

static void
test_empty_and_blank(void **state)
{
	struct policy *p;

	(void)state;
	p = load("");
	assert_int_equal(policy_nrules(p), 0);
	assert_int_equal(allowed(p, "/", POLICY_STAT, 0), 0);
	policy_free(p);
	p = load("\n\n   \t\n# only comments\n\t# indented\r\n");
	assert_int_equal(policy_nrules(p), 0);
	policy_free(p);
	/* CRLF line endings, tabs, no final newline */
	p = load("allow\tread\t/a\r\nallow read /b\r\n\tdeny read /b");
	assert_int_equal(allowed(p, "/a", POLICY_READ, 0), 1);
	assert_int_equal(allowed(p, "/b", POLICY_READ, 0), 0);
	policy_free(p);
}

/* "deny-status N": read, said by its line, printed back first, the same
 * value twice is one; a policy without it says 0. */
static void
test_deny_status(void **state)
{
	struct policy *p, *q;
	const char *file = NULL;
	char *buf = NULL;
	size_t len = 0;
	int line = 0;
	FILE *f;

	(void)state;
	p = load("allow read /a\n");
	assert_int_equal(policy_deny_status(p, &file, &line), 0);
	policy_free(p);
	p = load("allow read /a\n\ndeny-status 7 # scanners fail closed\ndeny-status 7\n");
	assert_int_equal(policy_deny_status(p, &file, &line), 7);
	assert_string_equal(file, "t.policy");
	assert_int_equal(line, 3);
	assert_int_equal(policy_deny_status(p, NULL, NULL), 7);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "deny-status 7\t# t.policy:3\n"));
	assert_true(strstr(buf, "deny-status") < strstr(buf, "allow read /a"));
	/* What is printed loads again, with the same status. */
	q = load(buf);
	assert_int_equal(policy_deny_status(q, NULL, NULL), 7);
	policy_free(q);
	policy_free(p);
	free(buf);
}

static void
test_warnings(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *msg;
	} w[] = {
		{ "allow read /a\nallow read /a\n", 2, "duplicate of the rule at w.policy:1" },
		{ "allow read,write /a\nallow read /a\n", 2, "redundant" },
		{ "deny read /a\ndeny read /a\n", 2, "duplicate" },
		{ "allow read /a\ndeny read,stat /a\n", 1, "never takes effect" },
		{ "deny all /a/**\nallow read /a/b/*.c\n", 2, "never takes effect" },
		{ "deny all /**\nallow write /tmp/x\n", 2, "never takes effect" },
		{ "deny create /a/**\nallow create /a\n", 2, "never takes effect" },
		{ "deny create /a/**/b/**\nallow create /a/**/b/c\n", 2, "never takes effect" },
		{ "deny write,stat /**\nallow write /tmp/x\n", 2, "never takes effect" },
		{ "allow read /a mode=0644\n", 1, "mode= has no effect" },
	};
	struct policy_diags d = { 0 };
	struct policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		/* warnings do not stop the policy from loading */
		assert_int_equal(policy_load_buffer("w.policy", w[i].text, strlen(w[i].text), NULL,
				     &p, &d),
		    0);
		assert_non_null(p);
		if (d.n != 1 || d.v[0].severity != POLICY_WARNING || d.v[0].line != w[i].line ||
		    strstr(d.v[0].msg, w[i].msg) == NULL)
			fail_msg("'%s': got %zu diags, first: %d: %s", w[i].text, d.n,
			    d.n ? d.v[0].line : 0, d.n ? d.v[0].msg : "");
		assert_int_equal(d.nerrors, 0);
		policy_free(p);
		policy_diags_free(&d);
	}
	/* partly denied rules and different patterns are fine */
	{
		const char *ok[] = {
			"allow read /a\ndeny read /a\n",	/* stat stays allowed */
			"deny write /**\nallow write /tmp/x\n", /* the same */
			"allow read,write /a/**\ndeny write /a/ro/**\n",
			"deny read /a/*\nallow read /a/b\n", /* not detected: not a prefix */
			"allow read /a\nallow write /a\n",
			"include @runtime\ninclude @runtime\n",
			"allow create /a mode=0644\n",
		};
		for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			assert_int_equal(policy_load_buffer("w.policy", ok[i], strlen(ok[i]), NULL,
					     &p, &d),
			    0);
			if (d.n != 0)
				fail_msg("'%s': unexpected: %s", ok[i], d.v[0].msg);
			policy_free(p);
			policy_diags_free(&d);
		}
	}
}

static void
test_too_complex(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;
	char *t;
	size_t i, n = 0;

	(void)state;
	/* many wildcard components under '**' multiply: refused at load */
	t = malloc(200 * 64);
	assert_non_null(t);
	for (i = 0; i < 200; i++)
		n += (size_t)sprintf(t + n, "allow read /**/*%zu*/**/*/**/*/x\n", i);
	assert_int_equal(policy_load_buffer("c.policy", t, n, NULL, &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "too complex"));
	policy_diags_free(&d);
	/* while many literal rules under '**' are fine */
	n = 0;
	for (i = 0; i < 200; i++)
		n += (size_t)sprintf(t + n, "deny write /**/name%zu/**\n", i);
	assert_int_equal(policy_load_buffer("c.policy", t, n, NULL, &p, &d), 0);
	assert_int_equal(allowed(p, "/a/b/name7/c", POLICY_WRITE, 0), 0);
	policy_free(p);
	policy_diags_free(&d);
	free(t);
}

/* ---- text helpers ---- */

static void
test_access_parse_format(void **state)
{
	char buf[128];
	unsigned a;

	(void)state;
	assert_int_equal(policy_access_parse("read", &a), 0);
	assert_int_equal(a, POLICY_READ);
	assert_int_equal(policy_access_parse("read,write,exec", &a), 0);
	assert_int_equal(a, POLICY_READ | POLICY_WRITE | POLICY_EXEC);
	assert_int_equal(policy_access_parse("all", &a), 0);
	assert_int_equal(a, POLICY_ALL);
	assert_int_equal(policy_access_parse("read,bogus", &a), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(policy_access_parse("", &a), -1);
	assert_int_equal(policy_access_parse("read,", &a), -1);
	assert_int_equal(policy_access_parse("READ", &a), -1);
	assert_string_equal(policy_access_format(POLICY_READ | POLICY_STAT, buf, sizeof(buf)),
	    "read,stat");
	assert_string_equal(policy_access_format(POLICY_ALL, buf, sizeof(buf)), "all");
	assert_string_equal(policy_access_format(0, buf, sizeof(buf)), "");
	assert_string_equal(policy_access_format(POLICY_CREATE | POLICY_DELETE | POLICY_LIST, buf,
				sizeof(buf)),
	    "create,delete,list");
	/* truncation keeps whole names */
	assert_string_equal(policy_access_format(POLICY_READ | POLICY_WRITE, buf, 8), "read");
}

static void
test_escape(void **state)
{
	static const char *names[] = { "/srv/a b", "/srv/*", "/srv/[x]", "/srv/?", "/srv/a\\b",
		"/srv/tab\there", "/srv/cr\r", "/srv/#x", "/srv/\xff" };
	struct policy *p;
	char buf[256], text[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_true(policy_escape(names[i], buf, sizeof(buf)) > 0);
		snprintf(text, sizeof(text), "allow read %s\n", buf);
		p = load(text);
		assert_int_equal(allowed(p, names[i], POLICY_READ, 0), 1);
		assert_int_equal(allowed(p, "/srv/x", POLICY_READ, 0), 0);
		policy_free(p);
	}
	assert_int_equal(policy_escape("/a*", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "/a\\*");
	assert_int_equal(policy_escape("/a*", buf, 4), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(policy_escape("/a*", buf, 5), 4);
	assert_int_equal(policy_escape("/a\nb", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_pattern_prefix(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "/usr/lib/x86_64-linux-gnu/**", "/usr/lib/x86_64-linux-gnu" },
		{ "/usr/bin/tool", "/usr/bin/tool" },
		{ "/opt/my\\ tool/bin/*", "/opt/my tool/bin" },
		{ "/opt/\\*lit/x?", "/opt/*lit" },
		{ "/**", "/" },
		{ "/*/x", "/" },
		{ "/", "/" },
		{ "/a/[bc]/d", "/a" },
		{ "/proc/self/exe", "/proc/self/exe" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(policy_pattern_prefix(t[i].in, buf, sizeof(buf)),
		    (ssize_t)strlen(t[i].out));
		assert_string_equal(buf, t[i].out);
	}
	assert_int_equal(policy_pattern_prefix("rel", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(policy_pattern_prefix("/abc/d", buf, 6), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(policy_pattern_prefix("/abc/d", buf, 7), 6);
	assert_int_equal(policy_pattern_prefix("/abc/d*", buf, 5), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_empty_and_blank),
		cmocka_unit_test(test_deny_status),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_too_complex),
		cmocka_unit_test(test_access_parse_format),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_pattern_prefix),
	};

	return cmocka_run_group_tests_name("policy_parse", tests, NULL, NULL);
}
