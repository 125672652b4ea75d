/*
 * audit_testverify.h: what the audit test programs share to look at chained
 * files (audit_chain.h): a line without its seal, the k-th line, the request
 * records of a file, and the verifier's word on a set of files.  Include it
 * after <cmocka.h>; everything here is static inline.
 */
#ifndef FB_AUDIT_TESTVERIFY_H
#define FB_AUDIT_TESTVERIFY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_read.h"
#include "audit_verify.h"

/* The line at p (up to its newline, included) without its seal: the chain
 * fields taken off, "}\n" as audit_format() wrote it.  The caller frees it. */
static inline char *
unseal(const char *p)
{
	const char *nl = strchr(p, '\n'), *c;
	char *s;

	assert_non_null(nl);
	s = strndup(p, (size_t)(nl + 1 - p));
	assert_non_null(s);
	if ((c = strstr(s, ",\"chain\":\"")) != NULL && (size_t)(c - s) < strlen(s))
		strcpy(s + (c - s), "}\n");
	return s;
}

/* The k-th line of buf (from 0), newline included; NULL past the end.  The
 * caller frees it. */
static inline char *
line_of(const char *buf, int k)
{
	const char *nl;

	for (; k > 0 && buf != NULL; k--)
		buf = (nl = strchr(buf, '\n')) != NULL ? nl + 1 : NULL;
	if (buf == NULL || *buf == '\0')
		return NULL;
	nl = strchr(buf, '\n');
	return strndup(buf, nl != NULL ? (size_t)(nl + 1 - buf) : strlen(buf));
}

/* Lines of the file at path that are request records ("decision"). */
static inline int
count_records(const char *path)
{
	FILE *f = fopen(path, "r");
	char *l = NULL;
	size_t cap = 0;
	int n = 0;

	if (f == NULL)
		return -1;
	while (getline(&l, &cap, f) > 0)
		n += strstr(l, "\"decision\":") != NULL;
	free(l);
	fclose(f);
	return n;
}

/* What the verifier said of a set of files: its counts, and each finding
 * as "what@line " (a note with a ~ before it). */
struct vcheck {
	struct audit_verify_result res;
	char said[8192];
};

static inline void
vcheck_finding(const struct audit_verify_finding *f, void *arg)
{
	struct vcheck *vc = arg;
	size_t n = strlen(vc->said);

	snprintf(vc->said + n, sizeof(vc->said) - n, "%s%s@%llu ", f->is_break ? "" : "~", f->what,
	    (unsigned long long)f->line);
}

static inline void
vcheck_files(const char *const *paths, size_t n, const unsigned char *key, size_t klen,
    const char *anchor, struct vcheck *vc)
{
	struct audit_read_stats st;
	struct audit_verify *v;
	size_t i;
	FILE *f;

	memset(vc, 0, sizeof(*vc));
	v = audit_verify_new(key, klen, vcheck_finding, vc);
	assert_non_null(v);
	if (anchor != NULL)
		assert_int_equal(audit_verify_anchor(v, anchor), 0);
	for (i = 0; i < n; i++) {
		audit_verify_file(v, paths[i]);
		memset(&st, 0, sizeof(st));
		assert_non_null(f = fopen(paths[i], "r"));
		assert_int_equal(audit_read_stream(f, paths[i],
				     &(struct audit_read_cb){ .line = audit_verify_line, .arg = v },
				     &st),
		    0);
		fclose(f);
	}
	audit_verify_end(v, &vc->res);
	audit_verify_free(v);
}

/* The verifier on one file: it must be whole, with these findings. */
static inline void
assert_whole(const char *path, const char *said)
{
	struct vcheck vc;

	vcheck_files(&path, 1, NULL, 0, NULL, &vc);
	if (vc.res.breaks != 0 || strcmp(vc.said, said) != 0)
		fail_msg("%s: %llu breaks, said \"%s\", wanted \"%s\"", path,
		    (unsigned long long)vc.res.breaks, vc.said, said);
}

#endif
