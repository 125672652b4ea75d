/*
 * fuzz_policy.c: libFuzzer target for the policy parser and compiler.
 *
 * The input is a policy file.  Includes resolve against a folder that does
 * not exist, so they fail cleanly (except @runtime).  Whatever loads is
 * decided on a few paths and printed; the printed text must load again and
 * give the same decisions (print and parse must agree on every syntax the
 * parser accepts), for the common rules and for the profile each of a few
 * peers gets.  policy_decide_beneath() must agree with policy_decide() on
 * the paths below each one: ALL means every one allowed, NONE none.  Seeds:
 * tests/fuzz/corpus/fuzz_policy/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *paths[] = { "/", "/a", "/a/b", "/srv/in/x.txt", "/srv/out/a b/c",
	"/proc/42/fd/3", "/etc/ld.so.cache", "/a/b/c/d/e/f/g/h", "/\xc3\xa9/\xff", "/.git/x",
	"/x/a.txt", "/aaaa/aaaa/aaaa/b" };

/* Peers for policy_select(): root, daemon, nobody in staff, a stranger. */
static const struct {
	uid_t uid;
	gid_t gids[2];
	size_t ngids;
} peers[] = { { 0, { 0, 0 }, 1 }, { 1, { 1, 0 }, 1 }, { 65534, { 65534, 50 }, 2 },
	{ 4242, { 0, 0 }, 0 } };

static void
same_decisions(const struct policy *p, const struct policy *q)
{
	struct policy_decision a, b;
	size_t i;
	unsigned acc;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (acc = 1; acc <= POLICY_ALL; acc = acc * 2 + (acc & 1)) {
			if (policy_decide(p, paths[i], acc, 42, &a) != 0 ||
			    policy_decide(q, paths[i], acc, 42, &b) != 0)
				abort();
			if (a.allowed != b.allowed || a.exact != b.exact ||
			    a.create_mode != b.create_mode)
				abort();
		}
	}
}

/* Is path strictly below dir? */
static int
below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[1] != '\0';
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static void
beneath_agrees(const struct policy *p)
{
	static const unsigned accs[] = { POLICY_EXEC, POLICY_READ, POLICY_READ | POLICY_WRITE };
	struct policy_decision d;
	enum policy_beneath b;
	size_t i, j, k;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (k = 0; k < sizeof(accs) / sizeof(accs[0]); k++) {
			if (policy_decide_beneath(p, paths[i], accs[k], 42, &b) != 0)
				abort();
			for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
				if (!below(paths[j], paths[i]))
					continue;
				if (policy_decide(p, paths[j], accs[k], 42, &d) != 0)
					abort();
				if ((b == POLICY_BENEATH_ALL && !d.allowed) ||
				    (b == POLICY_BENEATH_NONE && d.allowed))
					abort();
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags d = { 0 };
	struct policy *p, *q;
	const struct policy *pv, *qv;
	const char *pw, *qw;
	char *buf = NULL;
	size_t len = 0, i;
	int rp, rq;
	FILE *f;

	if (policy_load_buffer("fuzz", (const char *)data, size, "/nonexistent/fuzz", &p, &d) ==
	    -1) {
		/* A refused policy always says why. */
		if (d.nerrors == 0 || p != NULL)
			abort();
		policy_diags_free(&d);
		return 0;
	}
	if (d.nerrors != 0)
		abort();
	policy_diags_free(&d);
	f = open_memstream(&buf, &len);
	if (f == NULL || policy_print(p, f) != 0)
		abort();
	fclose(f);
	if (policy_load_buffer("printed", buf, len, "/nonexistent/fuzz", &q, NULL) == -1)
		abort();
	if (policy_nprofiles(p) != policy_nprofiles(q))
		abort();
	same_decisions(p, q);
	beneath_agrees(p);
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		rp = policy_select(p, peers[i].uid, peers[i].gids, peers[i].ngids, &pv, &pw);
		rq = policy_select(q, peers[i].uid, peers[i].gids, peers[i].ngids, &qv, &qw);
		if (rp != rq)
			abort();
		if (rp == 0)
			same_decisions(pv, qv);
	}
	policy_free(q);
	policy_free(p);
	free(buf);
	return 0;
}
