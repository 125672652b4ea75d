/*
 * fuzz_path.c: lexical path cleaning with worker-controlled bytes.  Checks
 * the invariants the broker relies on: the result is absolute, has no
 * empty or "." component, no trailing slash, keeps ".." only when flagged,
 * and never names the broker's own /proc/self.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[PATH_MAX + 64], out[PATH_MAX], dir[PATH_MAX];
	const char *name, *p;
	unsigned flags;
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
	int r;

	memcpy(in, data, n);
	in[n] = '\0';
	r = path_clean(in, out, sizeof(out), 4242, 4243, &flags);
	if (r != 0) {
		if (r != -EINVAL && r != -ENAMETOOLONG)
			abort();
		return 0;
	}
	if (out[0] != '/')
		abort();
	if (strcmp(out, "/") != 0) {
		if (out[strlen(out) - 1] == '/' || strstr(out, "//") != NULL)
			abort();
		if (strstr(out, "/./") != NULL || strcmp(out + strlen(out) - 2, "/.") == 0)
			abort();
		if (path_split(out, dir, sizeof(dir), &name) != 0 || *name == '\0')
			abort();
	}
	if (!(flags & PATH_F_DOTDOT)) {
		for (p = out; (p = strstr(p, "/..")) != NULL; p += 3)
			if (p[3] == '/' || p[3] == '\0')
				abort();
	}
	if (strncmp(out, "/proc/self", 10) == 0 && (out[10] == '/' || out[10] == '\0'))
		abort();
	return 0;
}
