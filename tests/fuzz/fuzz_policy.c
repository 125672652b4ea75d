/*
 * fuzz_policy.c: libFuzzer target for the policy parser and compiler.
 *
 * The input is a policy file.  Includes resolve against a folder that does
 * not exist, so they fail cleanly (except @runtime).  Whatever loads is
 * decided on a few paths and printed; the printed text must load again and
 * give the same decisions (print and parse must agree on every syntax the
 * parser accepts).  Seeds: tests/fuzz/corpus/fuzz_policy/.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags d = { 0 };
	struct policy *p, *q;
	struct policy_decision a, b;
	char *buf = NULL;
	size_t len = 0, i;
	unsigned acc;
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
	policy_free(q);
	policy_free(p);
	free(buf);
	return 0;
}
