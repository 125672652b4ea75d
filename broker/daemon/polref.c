/*
 * polref.c: the daemon's policies, reference-counted; see polref.h.
 */
#include <stdlib.h>
#include <time.h>

#include "audit.h"
#include "log.h"
#include "policy.h"
#include "polref.h"
#include "strict.h"

static void
print_diags(const struct policy_diags *d, int errors)
{
	const struct policy_diag *g;
	char line[POLICY_DIAG_LINE_MAX];
	size_t i;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		if ((g->severity == POLICY_ERROR) != errors)
			continue;
		log_warnx("%s", policy_diag_format(g, line, sizeof(line)));
	}
}

struct polref *
polref_load(const char *path)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	struct polref *pr;
	const char *dsfile;
	int ds, dsline;

	/* As root, strict modes: a policy another user can change is refused,
	 * at start and at a reload (which keeps the policy in force). */
	if (policy_load_opts(path, strict_opts(), &p, &d) == -1) {
		print_diags(&d, 1);
		log_warnx("%s: %zu error%s", path, d.nerrors, d.nerrors == 1 ? "" : "s");
		policy_diags_free(&d);
		return NULL;
	}
	print_diags(&d, 0);
	policy_diags_free(&d);
	if ((ds = policy_deny_status(p, &dsfile, &dsline)) != 0)
		log_warnx("%s:%d: warning: deny-status %d sets the exit status of filebroker run; "
			  "the daemon has none to set, and serves as if the line were not there",
		    dsfile, dsline, ds);
	if (policy_nprofiles(p) == 0) {
		/* Serving a policy without profiles would hand its rules to
		 * every local user the socket lets in: say so instead. */
		log_warnx("%s: no profile lines, so every peer would be refused; add "
			  "'profile user=NAME' sections (or 'profile any')",
		    path);
		policy_free(p);
		return NULL;
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		log_warn("loading %s", path);
		policy_free(p);
		return NULL;
	}
	pr->p = p;
	pr->refs = 1;
	clock_gettime(CLOCK_REALTIME, &pr->loaded);
	/* Once per load, not per peer: a large policy takes milliseconds. */
	if (audit_policy_sha256(p, pr->sha256) == -1)
		pr->sha256[0] = '\0';
	return pr;
}

void
polref_drop(struct polref *pr)
{
	if (pr != NULL && --pr->refs == 0) {
		policy_free(pr->p);
		free(pr);
	}
}
