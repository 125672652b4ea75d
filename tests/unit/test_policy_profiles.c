/*
 * test_policy_profiles.c: per-peer profiles (filebroker serve): the syntax,
 * policy_select(), what the top-level policy decides (the common rules
 * only), print -> re-parse, and the errors.  Names used are those every
 * Debian system has: root (0), daemon (1), nobody (65534); groups root (0),
 * adm (4), staff (50).
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

static struct policy *
load(const char *text)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	size_t i;

	if (policy_load_buffer("t", text, strlen(text), NULL, &p, &d) == -1) {
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "%s:%d:%d: %s\n", d.v[i].file, d.v[i].line, d.v[i].col,
			    d.v[i].msg);
		fail_msg("policy did not load");
	}
	policy_diags_free(&d);
	return p;
}

/* Load text that must fail; returns the first error's message. */
static const char *
load_err(const char *text, int *line, int *col)
{
	static char msg[sizeof(((struct policy_diag *)0)->msg)];
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	size_t i;

	assert_int_equal(policy_load_buffer("t", text, strlen(text), NULL, &p, &d), -1);
	assert_null(p);
	assert_int_equal(errno, EINVAL);
	for (i = 0; i < d.n && d.v[i].severity != POLICY_ERROR; i++)
		;
	assert_true(i < d.n);
	snprintf(msg, sizeof(msg), "%s", d.v[i].msg);
	if (line)
		*line = d.v[i].line;
	if (col)
		*col = d.v[i].col;
	policy_diags_free(&d);
	return msg;
}

static int
allowed(const struct policy *p, const char *path, unsigned acc)
{
	struct policy_decision d;

	assert_int_equal(policy_decide(p, path, acc, 0, &d), 0);
	return d.allowed;
}

static const struct policy *
pick(const struct policy *p, uid_t uid, const gid_t *g, size_t n, const char **where)
{
	const struct policy *v = NULL;

	if (policy_select(p, uid, g, n, &v, where) == -1) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	assert_non_null(v);
	return v;
}

static const char text[] = "allow stat /srv\n"			  /* 1 */
			   "deny read /srv/**/*.key\n"		  /* 2 */
			   "profile user=daemon\n"		  /* 3 */
			   "allow read /srv/d/**\n"		  /* 4 */
			   "profile group=staff,4\n"		  /* 5 */
			   "allow read /srv/s/**\n"		  /* 6 */
			   "profile user=root,65534 group=root\n" /* 7 */
			   "allow read,exec /srv/**\n"		  /* 8 */
			   "profile user=nobody\n";		  /* 9: empty */

static void
test_select(void **state)
{
	struct policy *p = load(text);
	const struct policy *v;
	const char *where;
	gid_t g1[] = { 1 }, gstaff[] = { 65534, 50 }, gadm[] = { 4 }, g0[] = { 0 },
	      gnone[] = { 65534 };

	(void)state;
	assert_int_equal(policy_nprofiles(p), 4);
	assert_int_equal(policy_nrules(p), 5);

	v = pick(p, 1, g1, 1, &where);
	assert_string_equal(where, "t:3");
	assert_true(allowed(v, "/srv/d/a", POLICY_READ));
	assert_false(allowed(v, "/srv/d/a.key", POLICY_READ)); /* common deny */
	assert_true(allowed(v, "/srv", POLICY_STAT));	       /* common allow */
	assert_false(allowed(v, "/srv/s/a", POLICY_READ));

	/* By group, by any of the peer's groups, by number or by name. */
	v = pick(p, 65534, gstaff, 2, &where);
	assert_string_equal(where, "t:5");
	assert_true(allowed(v, "/srv/s/a", POLICY_READ));
	assert_false(allowed(v, "/srv/d/a", POLICY_READ));
	v = pick(p, 12345, gadm, 1, &where);
	assert_string_equal(where, "t:5");

	/* user= and group= together: both must match. */
	v = pick(p, 0, g0, 1, &where);
	assert_string_equal(where, "t:7");
	assert_true(allowed(v, "/srv/x", POLICY_READ));
	v = pick(p, 65534, g0, 1, &where);
	assert_string_equal(where, "t:7");
	/* nobody without group root: the empty profile of line 9. */
	v = pick(p, 65534, gnone, 1, &where);
	assert_string_equal(where, "t:9");
	assert_false(allowed(v, "/srv/x", POLICY_READ));
	assert_true(allowed(v, "/srv", POLICY_STAT));
	/* root without group root matches nothing. */
	assert_null(pick(p, 0, gnone, 1, NULL));
	assert_null(pick(p, 0, NULL, 0, NULL));
	assert_null(pick(p, 4242, g1, 1, NULL));
	policy_free(p);
}

static void
test_first_match_and_any(void **state)
{
	struct policy *p = load("profile group=staff\n"
				"allow read /a\n"
				"profile user=daemon\n"
				"allow read /b\n"
				"profile any\n"
				"allow read /c\n");
	const struct policy *v;
	const char *where;
	gid_t gstaff[] = { 50 }, gother[] = { 7 };

	(void)state;
	/* daemon in staff: the first matching line wins, no union. */
	v = pick(p, 1, gstaff, 1, &where);
	assert_string_equal(where, "t:1");
	assert_true(allowed(v, "/a", POLICY_READ));
	assert_false(allowed(v, "/b", POLICY_READ));
	v = pick(p, 1, gother, 1, &where);
	assert_string_equal(where, "t:3");
	v = pick(p, 999, NULL, 0, &where);
	assert_string_equal(where, "t:5");
	assert_true(allowed(v, "/c", POLICY_READ));
	assert_false(allowed(v, "/a", POLICY_READ));
	policy_free(p);
}

/* The top-level policy decides with the common rules only, as run does,
 * and a policy without profiles selects nothing. */
static void
test_top_and_v1(void **state)
{
	struct policy *p = load(text), *q;
	const struct policy *v;

	(void)state;
	assert_true(allowed(p, "/srv", POLICY_STAT));
	assert_false(allowed(p, "/srv/d/a", POLICY_READ));
	assert_false(allowed(p, "/srv/x", POLICY_READ));
	/* A view cannot select again. */
	v = pick(p, 1, NULL, 0, NULL);
	assert_int_equal(policy_select(v, 1, NULL, 0, &v, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(policy_select(p, 1, NULL, 3, &v, NULL), -1);
	assert_int_equal(errno, EINVAL);
	policy_free(p);

	q = load("allow read /a\n");
	assert_int_equal(policy_nprofiles(q), 0);
	assert_int_equal(policy_select(q, 0, NULL, 0, &v, NULL), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(allowed(q, "/a", POLICY_READ));
	policy_free(q);
}

static int
count_exec(const char *pattern, int has_wildcards, const char *where, void *arg)
{
	(void)pattern;
	(void)has_wildcards;
	(void)where;
	(*(int *)arg)++;
	return 0;
}

static void
test_foreach_exec(void **state)
{
	struct policy *p = load("allow exec /bin/a\n"
				"profile user=root\n"
				"allow exec /bin/b\n"
				"allow exec /bin/c\n");
	const struct policy *v = pick(p, 0, NULL, 0, NULL);
	int n = 0;

	(void)state;
	assert_int_equal(policy_foreach_exec(p, count_exec, &n), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(policy_foreach_exec(v, count_exec, &n), 0);
	assert_int_equal(n, 3);
	policy_free(p);
}

/* Printed, a policy with profiles loads again and selects and decides the
 * same; empty sections keep their place. */
static void
test_print_roundtrip(void **state)
{
	static const char *paths[] = { "/srv", "/srv/d/a", "/srv/d/a.key", "/srv/s/x", "/srv/q" };
	gid_t groups[][2] = { { 1, 1 }, { 50, 65534 }, { 0, 0 }, { 65534, 65534 }, { 9, 9 } };
	uid_t uids[] = { 1, 65534, 0, 65534, 0 };
	struct policy *p = load(text), *q;
	const struct policy *a, *b;
	const char *wa, *wb;
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "profile user=root,65534 group=root\t# t:7\n"));
	assert_non_null(strstr(buf, "profile user=nobody\t# t:9\n"));
	q = load(buf);
	assert_int_equal(policy_nprofiles(q), 4);
	for (i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
		a = pick(p, uids[i], groups[i], 2, &wa);
		b = pick(q, uids[i], groups[i], 2, &wb);
		assert_true((a == NULL) == (b == NULL));
		if (a == NULL)
			continue;
		for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
			assert_int_equal(allowed(a, paths[j], POLICY_READ),
			    allowed(b, paths[j], POLICY_READ));
	}
	policy_free(q);
	policy_free(p);
	free(buf);
}

static void
test_errors(void **state)
{
	int line, col;

	(void)state;
	assert_string_equal(load_err("profile\n", &line, &col),
	    "profile needs 'any', user=NAME[,NAME...] or group=NAME[,NAME...]");
	assert_string_equal(load_err("allow read /a\nprofile user=no-such-user-xyz\n", &line, &col),
	    "unknown user 'no-such-user-xyz'");
	assert_int_equal(line, 2);
	assert_int_equal(col, 14);
	assert_string_equal(load_err("profile group=root,no-such-group-xyz\n", NULL, &col),
	    "unknown group 'no-such-group-xyz'");
	assert_int_equal(col, 20);
	assert_string_equal(load_err("profile user=root user=daemon\n", NULL, NULL),
	    "user= given twice (list several users as user=a,b)");
	assert_string_equal(load_err("profile any user=root\n", NULL, NULL),
	    "'any' stands alone on a profile line");
	assert_string_equal(load_err("profile user=\n", NULL, NULL),
	    "user= needs a user name or number");
	assert_string_equal(load_err("profile user=a,\n", NULL, NULL), "unknown user 'a'");
	assert_string_equal(load_err("profile user=root,\n", NULL, NULL),
	    "empty user name after ','");
	assert_string_equal(load_err("profile user=r\\ t\n", NULL, NULL),
	    "bad character in user name (letters, digits and _ - . $ @ only)");
	assert_string_equal(load_err("profile user=4294967295\n", NULL, NULL),
	    "unknown user '4294967295'");
	assert_string_equal(load_err("profile wheel\n", NULL, NULL),
	    "unexpected 'wheel' on a profile line (expected any, user=LIST or group=LIST)");
	/* Rules after a bad profile line are still that section's: the error
	 * is about the profile line, not about them. */
	assert_string_equal(load_err("profile user=no-such-user-xyz\nallow read /a\n", &line, NULL),
	    "unknown user 'no-such-user-xyz'");
	assert_int_equal(line, 1);
}

static void
test_limits_and_warnings(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	const char *t2;
	char *big;
	size_t i, off = 0;

	(void)state;
	big = malloc((POLICY_PROFILES_MAX + 2) * 32);
	assert_non_null(big);
	for (i = 0; i < POLICY_PROFILES_MAX + 1; i++)
		off += (size_t)sprintf(big + off, "profile user=%zu\n", i);
	assert_int_equal(policy_load_buffer("t", big, off, NULL, &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "too many profiles"));
	policy_diags_free(&d);
	free(big);

	t2 = "profile any\nprofile user=root\nprofile user=daemon\nprofile user=daemon\n";
	assert_int_equal(policy_load_buffer("t", t2, strlen(t2), NULL, &p, &d), 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 3); /* every profile after "any" */
	assert_non_null(strstr(d.v[0].msg, "'profile any' at t:1"));
	policy_free(p);
	policy_diags_free(&d);

	/* Dead-rule warnings are given once per rule, not once per profile. */
	t2 = "deny read,stat /x/**\nallow read /x/a\nprofile user=0\nprofile user=1\n"
	     "allow read /x/b\n";
	assert_int_equal(policy_load_buffer("t", t2, strlen(t2), NULL, &p, &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[1].line, 5);
	policy_free(p);
	policy_diags_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_first_match_and_any),
		cmocka_unit_test(test_top_and_v1),
		cmocka_unit_test(test_foreach_exec),
		cmocka_unit_test(test_print_roundtrip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits_and_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
