/*
 * fuzz_path.c: lexical path cleaning with worker-controlled bytes.  Checks
 * the invariants the broker relies on: the result is absolute, has no
 * empty or "." component, no trailing slash, keeps ".." only when flagged
 * (and never in the lexical mode), is a fixed point of the cleaner, never
 * names the broker's own /proc/self once rewritten, and the broker's walk
 * and the lexical mode agree where no ".." is involved.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_dotdot(const char *out)
{
	const char *p;

	for (p = out; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return 1;
	return 0;
}

/* The shape every clean path has. */
static void
check_shape(const char *out, int r)
{
	char dir[PATH_MAX];
	const char *name;

	if (out[0] != '/' || (size_t)r != strlen(out))
		abort();
	if (strcmp(out, "/") != 0) {
		if (out[r - 1] == '/' || strstr(out, "//") != NULL)
			abort();
		if (strstr(out, "/./") != NULL || strcmp(out + r - 2, "/.") == 0)
			abort();
		if (path_split(out, dir, sizeof(dir), &name) != 0 || *name == '\0')
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[PATH_MAX + 64], out[PATH_MAX], lex[PATH_MAX], again[PATH_MAX];
	unsigned flags, lflags;
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
	int r, l;

	memcpy(in, data, n);
	in[n] = '\0';
	r = path_clean(NULL, in, 0, out, sizeof(out), &flags);
	l = path_clean("/cwd/x", in, PATH_LEXICAL, lex, sizeof(lex), &lflags);
	if (l < 0) {
		if ((l != -EINVAL && l != -ENAMETOOLONG) || lex[0] != '\0')
			abort();
	} else {
		check_shape(lex, l);
		if (has_dotdot(lex) || (lflags & PATH_F_DOTDOT))
			abort();
		if (path_clean(NULL, lex, PATH_LEXICAL, again, sizeof(again), &lflags) != l ||
		    strcmp(again, lex) != 0)
			abort();
	}
	if (r < 0) {
		if ((r != -EINVAL && r != -ENAMETOOLONG) || out[0] != '\0')
			abort();
		/* Only a relative path is the lexical mode's, with a cwd. */
		if (r == -EINVAL && in[0] == '/')
			abort();
		return 0;
	}
	check_shape(out, r);
	if (!(flags & PATH_F_DOTDOT) != !has_dotdot(out))
		abort();
	/* Without "..", both modes clean alike. */
	if (!(flags & PATH_F_DOTDOT) && (l != r || strcmp(lex, out) != 0))
		abort();
	if (path_clean(NULL, out, 0, again, sizeof(again), &lflags) != r || strcmp(again, out) != 0)
		abort();
	r = path_proc_rewrite(out, sizeof(out), 4242, 4243);
	if (r < 0) {
		if (r != -ENAMETOOLONG)
			abort();
		return 0;
	}
	if ((size_t)r != strlen(out))
		abort();
	if (strncmp(out, "/proc/self", 10) == 0 && (out[10] == '/' || out[10] == '\0'))
		abort();
	if (strncmp(out, "/proc/thread-self", 17) == 0 && (out[17] == '/' || out[17] == '\0'))
		abort();
	return 0;
}
