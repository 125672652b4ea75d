/*
 * test_policy_fold.c: policy_decide_fold() and policy_below_check_fold(),
 * the decisions for paths looked up in folders that fold case: deny rules
 * match any ASCII spelling of the folding components, allow rules only the
 * name as written; components that do not fold are matched as ever.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "unit_policy.h"

static int
fold_allowed(const struct policy *p, const char *path, unsigned acc, uint64_t bits)
{
	struct policy_decision d;

	assert_int_equal(policy_decide_fold(p, path, acc, 42, &bits, 1, &d), 0);
	return d.allowed;
}

static void
test_deny_any_spelling(void **state)
{
	struct policy *p;

	(void)state;
	p = load("allow read,list /x/**\ndeny read /x/secret.txt\ndeny read /x/**/*.KEY\n"
		 "deny read /x/[a-c]*.dat\ndeny read /X/upper\n");
	/* Component 1 ("SECRET.TXT") folds. */
	assert_false(fold_allowed(p, "/x/SECRET.TXT", POLICY_READ, 1u << 1));
	assert_false(fold_allowed(p, "/x/Secret.Txt", POLICY_READ, 1u << 1));
	assert_true(allowed(p, "/x/SECRET.TXT", POLICY_READ, 42));
	/* A wildcard's literal part, and a class, in any case. */
	assert_false(fold_allowed(p, "/x/sub/a.key", POLICY_READ, 1u << 2));
	assert_true(fold_allowed(p, "/x/sub/a.key", POLICY_READ, 1u << 1));
	assert_false(fold_allowed(p, "/x/B1.dat", POLICY_READ, 1u << 1));
	assert_true(fold_allowed(p, "/x/D1.dat", POLICY_READ, 1u << 1));
	/* Only the components that fold: "x" does not here. */
	assert_true(fold_allowed(p, "/x/upper", POLICY_READ, 1u << 1));
	assert_false(fold_allowed(p, "/x/upper", POLICY_READ, 1u << 0));
	/* list is not denied: other bits decide as ever. */
	assert_true(fold_allowed(p, "/x/SECRET.TXT", POLICY_LIST, 1u << 1));
	/* No bit: policy_decide() itself. */
	assert_true(fold_allowed(p, "/x/SECRET.TXT", POLICY_READ, 0));
	policy_free(p);
}

static void
test_allow_as_written(void **state)
{
	struct policy_decision d;
	struct policy *p;

	(void)state;
	p = load("allow read /x/public.txt\nallow read /x/*.md\n");
	assert_true(fold_allowed(p, "/x/public.txt", POLICY_READ, 1u << 1));
	assert_false(fold_allowed(p, "/x/PUBLIC.TXT", POLICY_READ, 1u << 1));
	assert_true(fold_allowed(p, "/x/README.md", POLICY_READ, 1u << 1));
	assert_false(fold_allowed(p, "/x/README.MD", POLICY_READ, 1u << 1));
	/* The exact flag and the rule name come from the allow rules. */
	assert_int_equal(policy_decide_fold(p, "/x/public.txt", POLICY_READ, 0,
			     (const uint64_t[]){ 2 }, 1, &d),
	    0);
	assert_true(d.exact);
	assert_string_equal(d.rule, "t.policy:1");
	errno = 0;
	assert_int_equal(policy_decide_fold(p, "/x/../y", POLICY_READ, 0, (const uint64_t[]){ 2 },
			     1, &d),
	    -1);
	assert_int_equal(errno, EINVAL);
	policy_free(p);
}

/* Bits beyond the first word: a deep path. */
static void
test_deep(void **state)
{
	char path[1024] = "";
	uint64_t bits[2] = { 0, 1u << 6 };
	struct policy_decision d;
	struct policy *p;
	int i;

	(void)state;
	for (i = 0; i < 70; i++)
		strcat(path, "/d");
	strcat(path, "/Secret");
	p = load("allow read /**\ndeny read /**/secret\n");
	/* Component 70 is the last: word 1, bit 6. */
	assert_int_equal(policy_decide_fold(p, path, POLICY_READ, 0, bits, 2, &d), 0);
	assert_false(d.allowed);
	bits[1] = 1u << 5;
	assert_int_equal(policy_decide_fold(p, path, POLICY_READ, 0, bits, 2, &d), 0);
	assert_true(d.allowed);
	policy_free(p);
}

static void
test_below(void **state)
{
	const uint64_t a = 1u << 1; /* "/o/a": "a" folds */
	struct policy *p;

	(void)state;
	p = load("allow all /o/**\ndeny read /o/A/**\n");
	/* "a" on disk is what "A" names where the folder folds: its subtree
	 * may not move out from under the rule. */
	assert_int_equal(policy_below_check(p, "/o/a", "/o/z", POLICY_ALL, 0), 1);
	assert_int_equal(policy_below_check_fold(p, "/o/a", &a, "/o/z", NULL, 1, POLICY_ALL, 0), 0);
	assert_int_equal(policy_below_check_fold(p, "/o/z", NULL, "/o/a", &a, 1, POLICY_ALL, 0), 1);
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_any_spelling),
		cmocka_unit_test(test_allow_as_written),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_below),
	};

	return cmocka_run_group_tests_name("policy_fold", tests, NULL, NULL);
}
