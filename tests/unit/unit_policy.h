/*
 * unit_policy.h: helpers the policy test programs share.  Include it after
 * <cmocka.h>; everything here is static inline, as in unit.h.
 */
#ifndef FB_UNIT_POLICY_H
#define FB_UNIT_POLICY_H

#include <string.h>
#include <sys/types.h>

#include "policy.h"

/* Load text as t.policy (includes from /nonexistent), or fail the test. */
static inline struct policy *
load(const char *text)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	size_t i;

	if (policy_load_buffer("t.policy", text, strlen(text), "/nonexistent", &p, &d) == -1) {
		for (i = 0; i < d.n; i++)
			print_error("%s:%d:%d: %s\n", d.v[i].file, d.v[i].line, d.v[i].col,
			    d.v[i].msg);
		fail_msg("policy did not load:\n%s", text);
	}
	policy_diags_free(&d);
	return p;
}

/* Whether p allows acc on path to the worker pid. */
static inline int
allowed(const struct policy *p, const char *path, unsigned acc, pid_t pid)
{
	struct policy_decision d;

	assert_int_equal(policy_decide(p, path, acc, pid, &d), 0);
	return d.allowed;
}

#endif
