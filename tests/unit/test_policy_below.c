/*
 * test_policy_below.c: policy_below_check(), the question a folder's
 * rename asks (is nothing below the new path allowed what it is not below
 * the old one?): a table of policies and paths, its errors, and a check
 * of every answer "yes" against policy_decide() on paths below both.
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

static const struct {
	const char *policy, *from, *to;
	int want;
} cases[] = {
	/* One tree: every rename inside it keeps what is below. */
	{ "allow all /o/**\n", "/o/a", "/o/b", 1 },
	{ "allow all /o/**\ndeny read /**/*.key\n", "/o/a", "/o/b/c", 1 },
	/* Out from under a deny rule: no; into one: yes. */
	{ "allow all /o/**\ndeny read,list /o/private/**\n", "/o/private", "/o/pub", 0 },
	{ "allow all /o/**\ndeny read,list /o/private/**\n", "/o/pub", "/o/private", 1 },
	{ "allow all /o/**\ndeny read /o/a/sub/**\n", "/o/a", "/o/b", 0 },
	{ "allow all /o/**\ndeny read /o/a/sub/**\n", "/o/b", "/o/a", 1 },
	{ "allow all /o/**\ndeny read /o/a/*.key\n", "/o/a", "/o/b", 0 },
	/* Into more rights: an exec rule below the new name. */
	{ "allow all /o/**\ndeny exec /o/**\nallow exec /o/bin/*\n", "/o/tmp", "/o/bin", 0 },
	{ "allow read,write,create,delete,list /o/**\nallow exec /o/bin/*\n", "/o/tmp", "/o/bin",
	    0 },
	/* A second rule giving what the tree gives already, written alike. */
	{ "allow read,list /o/**\nallow read /o/docs/**\n", "/o/tmp", "/o/docs", 1 },
	/* Out of the tree altogether. */
	{ "allow all /o/**\n", "/o/a", "/p/a", 1 },
	{ "allow all /o/**\nallow read /p/**\n", "/o/a", "/p/a", 1 },
	{ "allow read /o/**\nallow all /p/**\n", "/o/a", "/p/a", 0 },
	/* A deny rule for a name below, anywhere: the same on both sides. */
	{ "allow all /o/**\ndeny read /o/**/secret\n", "/o/a", "/o/b", 1 },
	/* Different depths under one "**": alike. */
	{ "allow all /o/**\ndeny write /**/.git/**\n", "/o/a/b/c", "/o/d", 1 },
	/* /proc/self below: the same worker on both sides. */
	{ "allow read /proc/self/**\n", "/proc", "/proc", 1 },
};

static void
test_table(void **state)
{
	struct policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = load(cases[i].policy);
		if (policy_below_check(p, cases[i].from, cases[i].to, POLICY_ALL, 42) !=
		    cases[i].want)
			fail_msg("case %zu: %s -> %s: want %d", i, cases[i].from, cases[i].to,
			    cases[i].want);
		policy_free(p);
	}
}

static void
test_errors(void **state)
{
	struct policy *p;

	(void)state;
	p = load("allow all /o/**\n");
	errno = 0;
	assert_int_equal(policy_below_check(p, "o/a", "/o/b", POLICY_ALL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(policy_below_check(p, "/o/a", "/o/../b", POLICY_ALL, 0), -1);
	assert_int_equal(policy_below_check(p, "/o/a", "/o/b", 0, 0), -1);
	assert_int_equal(policy_below_check(p, "/o/a", "/o/b", 0x100, 0), -1);
	assert_int_equal(policy_below_check(NULL, "/o/a", "/o/b", POLICY_ALL, 0), -1);
	policy_free(p);
}

/* Every yes, checked: below both paths, on names the rules use and others,
 * every bit policy_decide() allows below `to` it allows below `from`. */
static const char *const names[] = { "a", "b", "x.key", "sub", "private", "secret", "bin", "docs",
	".git", "z", "42", "status" };

static void
check_below(const struct policy *p, const char *from, const char *to, char *suffix, size_t len,
    int depth)
{
	struct policy_decision df, dt;
	char pf[512], pt[512];
	size_t i, n;
	unsigned b;

	if (len > 0) {
		snprintf(pf, sizeof(pf), "%s%s", from, suffix);
		snprintf(pt, sizeof(pt), "%s%s", to, suffix);
		for (b = 1; b <= POLICY_ALL; b <<= 1) {
			assert_int_equal(policy_decide(p, pt, b, 42, &dt), 0);
			assert_int_equal(policy_decide(p, pf, b, 42, &df), 0);
			if (dt.allowed && (!df.allowed || (dt.exact && !df.exact)))
				fail_msg("%s allows %#x, %s does not", pt, b, pf);
		}
	}
	if (depth == 0)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		suffix[len] = '/';
		memcpy(suffix + len + 1, names[i], n + 1);
		check_below(p, from, to, suffix, len + 1 + n, depth - 1);
		suffix[len] = '\0';
	}
}

static void
test_yes_is_true(void **state)
{
	char suffix[256];
	struct policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].want != 1)
			continue;
		p = load(cases[i].policy);
		suffix[0] = '\0';
		check_below(p, cases[i].from, cases[i].to, suffix, 0, 3);
		policy_free(p);
	}
}

/* Any answer may be no; every yes must be true.  Policies with globs,
 * "**" in the middle, /proc/self, exact rules, deny rules at any depth. */
static const char *const policies[] = {
	"allow all /o/**\ndeny read /**/*.key\ndeny list /o/a/**\n",
	"allow read,list /o/**\nallow write /o/*/sub/**\ndeny write /o/b/**\n",
	"allow all /o/**\nallow exec /o/**/bin/*\ndeny all /o/**/private\n",
	"allow read /o/a/x.key\nallow read,list /o/**\ndeny read /o/b/*\n",
	"allow all /**\ndeny read /o/**/.git/**\nallow read /o/docs/**\n",
	"allow read /proc/self/**\nallow read /proc/*/status\n",
	"allow read,write /o/[ab]/**\nallow read /o/?/secret\ndeny read /o/a/sub\n",
};
static const char *const paths[] = { "/o", "/o/a", "/o/b", "/o/a/sub", "/o/docs", "/o/z/bin", "/p",
	"/proc", "/proc/42", "/o/private" };

static void
test_any_yes_is_true(void **state)
{
	char suffix[256];
	struct policy *p;
	size_t i, j, k;
	int r, yes = 0, no = 0;

	(void)state;
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		p = load(policies[i]);
		for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
				r = policy_below_check(p, paths[j], paths[k], POLICY_ALL, 42);
				assert_true(r == 0 || r == 1);
				if (r == 0) {
					no++;
					continue;
				}
				yes++;
				suffix[0] = '\0';
				check_below(p, paths[j], paths[k], suffix, 0, 2);
			}
		}
		policy_free(p);
	}
	/* Both answers are met, so the check is not trivially one-sided. */
	assert_true(yes > 50 && no > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_yes_is_true),
		cmocka_unit_test(test_any_yes_is_true),
	};

	return cmocka_run_group_tests_name("policy_below", tests, NULL, NULL);
}
