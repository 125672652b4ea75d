/*
 * fuzz_policy_glob.c: libFuzzer target for the glob matcher and the path
 * helpers, checked against an independent oracle.
 *
 * Input: a pattern, a newline, a path.  The pattern is loaded as
 * "allow read PATTERN"; the path goes through path_clean(PATH_LEXICAL)
 * (which must give a path policy_path_check() accepts, and be idempotent).
 * For ASCII inputs, the decision is compared with a tiny reference matcher:
 * fnmatch(3) per component, with "**" as zero or more components by plain
 * recursion (exponential, so only small inputs are compared).
 */
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXC 16

static int
split(char *s, char **v)
{
	int n = 0;
	char *t;

	for (t = strtok(s, "/"); t != NULL; t = strtok(NULL, "/")) {
		if (n == MAXC)
			return -1;
		v[n++] = t;
	}
	return n;
}

static int
ref(char **pc, int np, char **sc, int ns)
{
	if (np == 0)
		return ns == 0;
	if (strcmp(pc[0], "**") == 0)
		return ref(pc + 1, np - 1, sc, ns) || (ns > 0 && ref(pc, np, sc + 1, ns - 1));
	if (ns == 0)
		return 0;
	return fnmatch(pc[0], sc[0], 0) == 0 && ref(pc + 1, np - 1, sc + 1, ns - 1);
}

static int
oracle_applies(const char *pat, const char *path)
{
	const char *s;
	int stars = 0, inclass = 0;

	for (s = pat; *s; s++) {
		/* blanks end the pattern token; the oracle sees the raw line */
		if ((unsigned char)*s >= 0x80 || *s <= 0x20)
			return 0;
		if (*s == '[')
			inclass = 1;
		/* backslashes inside classes: POSIX and glibc differ */
		if (*s == '\\' && inclass)
			return 0;
		if (s[0] == '*' && s[1] == '*')
			stars++;
	}
	for (s = path; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s < 0x20)
			return 0;
	/* /proc/self is not a literal; a '/' inside an escape confuses split */
	return stars <= 3 && strncmp(pat, "/proc/self", 10) != 0 && strstr(pat, "\\/") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[2048], text[2100], canon[PATH_MAX], again[PATH_MAX], pbuf[2048], sbuf[PATH_MAX];
	char *nl, *pat, *path, *pc[MAXC], *sc[MAXC];
	struct policy_decision d;
	struct policy *p;
	unsigned pf;
	int np, ns, want;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (strlen(in) != size || (nl = strchr(in, '\n')) == NULL)
		return 0;
	*nl = '\0';
	pat = in;
	path = nl + 1;
	if (strchr(path, '\n') != NULL)
		return 0;
	if (path_clean("/cwd", path, PATH_LEXICAL, canon, sizeof(canon), &pf) > 0) {
		if (policy_path_check(canon) != 0)
			abort();
		if (path_clean(NULL, canon, PATH_LEXICAL, again, sizeof(again), &pf) <= 0 ||
		    strcmp(canon, again) != 0)
			abort();
	} else
		return 0;
	snprintf(text, sizeof(text), "allow read %s\n", pat);
	if (policy_load_buffer("g", text, strlen(text), NULL, &p, NULL) == -1)
		return 0;
	if (policy_decide(p, canon, POLICY_READ, 0, &d) != 0)
		abort();
	if (oracle_applies(pat, canon)) {
		snprintf(pbuf, sizeof(pbuf), "%s", pat);
		snprintf(sbuf, sizeof(sbuf), "%s", canon);
		np = split(pbuf, pc);
		ns = split(sbuf, sc);
		if (np >= 0 && ns >= 0) {
			want = ref(pc, np, sc, ns);
			if (want != d.allowed) {
				fprintf(stderr, "glob: '%s' on '%s': got %d, oracle %d\n", pat,
				    canon, d.allowed, want);
				abort();
			}
		}
	}
	/* An escaped literal path matches itself. */
	if (policy_escape(canon, pbuf, sizeof(pbuf)) > 0) {
		policy_free(p);
		snprintf(text, sizeof(text), "allow read %s\n", pbuf);
		if (policy_load_buffer("e", text, strlen(text), NULL, &p, NULL) == -1)
			abort();
		if (policy_decide(p, canon, POLICY_READ, 0, &d) != 0 ||
		    (!d.allowed && strncmp(canon, "/proc/self", 10) != 0))
			abort();
	}
	policy_free(p);
	return 0;
}
