/*
 * fuzz_learn.c: `filebroker learn`'s rules (tools/learn.c): records in,
 * folded, a policy out.
 *
 * The input is a byte of options (bit 0 folding, else --exact; bits 1-2
 * --min - 2; bit 3 one more sensitive root, /a) and then records, each five
 * bytes (operation, decision, access, open flags, pid: small numbers
 * picked from tables; the decision byte's bit 7 makes the answer EEXIST,
 * bit 6 ENOENT, bit 5 the rule "@tmp" of run's private temporary folder;
 * a pid of 128 or more is one in a PID namespace, nspid pid - 128 and a
 * host pid of its own) and two NUL-ended paths, canon and canon2 (empty:
 * none), any bytes, shorter than PATH_MAX.  The records go through
 * learn_record(), learn_finish() and learn_print() as `learn` sends them.
 *
 * Oracle: the learned policy loads (policy_load_buffer(), no error), and
 * allows every canonical path it was learned from with the access learn.h
 * promises (the access asked; for what the run made, what its next run
 * needs to find and replace it; a hard link's file stat and its new name
 * create; a name that was there already, EEXIST, stat only),
 * decided with the worker's own pid (nspid, else pid) as /proc/self; a
 * path whose rule cannot be one policy line is left out (with a warning).
 * And it allows nothing of a name no record named directly in a shared
 * temporary folder (/tmp, /var/tmp, /dev/shm), whatever was folded: a
 * pattern there would take other users' files.  Seeds:
 * tests/fuzz/corpus/fuzz_learn/.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_read.h"
#include "learn.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 256
#define MAX_PATH_BYTES (PATH_MAX - 1)

static const char *const ops[] = { "open", "mkdir", "stat", "link", "rename", "unlink", "readdir",
	"chmod", "symlink", "exec" };
static const char *const flagsets[] = { NULL, "O_RDONLY", "O_WRONLY|O_CREAT|O_TRUNC",
	"O_RDWR|O_CREAT", "O_WRONLY|O_APPEND|O_CREAT", "O_RDONLY|O_CREAT", "O_WRONLY|O_CREAT" };
static const enum audit_decision decisions[] = { AUDIT_ALLOW, AUDIT_WOULD_DENY, AUDIT_DENY,
	AUDIT_ERROR };

struct reader {
	const uint8_t *p, *end;
};

static unsigned
byte(struct reader *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

/* A path up to the next NUL, cut at MAX_PATH_BYTES; NULL when empty. */
static char *
path(struct reader *r)
{
	const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
	size_t n = nul != NULL ? (size_t)(nul - r->p) : (size_t)(r->end - r->p);
	char *s;

	if ((s = strndup((const char *)r->p, n < MAX_PATH_BYTES ? n : MAX_PATH_BYTES)) == NULL)
		abort();
	r->p += n + (nul != NULL);
	if (s[0] == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Can a rule for path be written on one policy line?  learn leaves the
 * path out, with a warning, when not (escaping can double a path). */
static int
fits(const char *path)
{
	char tmp[PATH_MAX], esc[2 * PATH_MAX + 2];
	ssize_t n;
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (i = 0; tmp[i] != '\0'; i++)
		if (tmp[i] == '\n')
			tmp[i] = 'x'; /* learn writes ?, as long */
	n = policy_escape(tmp, esc, sizeof(esc));
	/* "allow ACCESS " and a folded "/" "**": at most 64 bytes. */
	return n >= 0 && (size_t)n + 64 <= POLICY_LINE_MAX;
}

/* Must p allow access on path, for the process pid?  A path of its own
 * /proc/PID was learned as /proc/self: the next run's process, another
 * pid, must be allowed its own. */
static void
must_allow(const struct policy *p, const char *path, unsigned access, int64_t pid)
{
	struct policy_decision d;
	char pre[32], other[PATH_MAX + 32];
	size_t n;

	access &= POLICY_ALL;
	/* A path that is not canonical cannot be decided on (no walk makes
	 * one); /proc/self is a name for the policy, never a canonical path. */
	if (access == 0 || path == NULL || path[0] != '/' || policy_path_check(path) == -1 ||
	    strncmp(path, "/proc/self", 10) == 0 || strncmp(path, "/proc/thread-self", 17) == 0 ||
	    !fits(path))
		return;
	if (policy_decide(p, path, access, (pid_t)pid, &d) != 0 || !d.allowed)
		abort();
	n = (size_t)snprintf(pre, sizeof(pre), "/proc/%lld", (long long)pid);
	if (pid > 0 && strncmp(path, pre, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
		snprintf(other, sizeof(other), "/proc/4242%s", path + n);
		if (fits(other) && (policy_decide(p, other, access, 4242, &d) != 0 || !d.allowed))
			abort();
	}
}

/* Is flag one of the |-separated names in flags? */
static int
has(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = flags;

	while (flags != NULL && *p != '\0') {
		if (strncmp(p, flag, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
		p += strcspn(p, "|");
		p += *p == '|';
	}
	return 0;
}

/* What a record was used for, as learn.h says: checked against p. */
static void
check_record(const struct policy *p, const struct audit_rec *r)
{
	int64_t self = r->nspid > 0 ? r->nspid : r->pid;
	int open = strcmp(r->op, "open") == 0 && r->flags != NULL;
	unsigned extra = 0;

	/* Not used: denied, failed, with no canonical path to learn, or in
	 * run's private temporary folder. */
	if ((r->decision != AUDIT_ALLOW && r->decision != AUDIT_WOULD_DENY) || r->canon == NULL ||
	    policy_path_check(r->canon) == -1 || (r->access & POLICY_ALL) == 0 ||
	    (r->rule != NULL && strcmp(r->rule, "@tmp") == 0))
		return;
	if ((r->access & POLICY_CREATE) && r->err == EEXIST) {
		/* Was there: seen, not made, nothing done. */
		must_allow(p, r->canon, POLICY_STAT, self);
		if (r->canon2 != NULL && policy_path_check(r->canon2) == 0)
			must_allow(p, r->canon2, POLICY_STAT, self);
		return;
	}
	if (r->canon2 != NULL && policy_path_check(r->canon2) == 0) {
		if (strcmp(r->op, "link") == 0) {
			must_allow(p, r->canon, r->access & POLICY_STAT, self);
			must_allow(p, r->canon2, r->access & POLICY_CREATE, self);
			return;
		}
		/* A rename: the new name may be replaced. */
		must_allow(p, r->canon, r->access, self);
		must_allow(p, r->canon2,
		    r->access | ((r->access & POLICY_CREATE) ? POLICY_DELETE : 0), self);
		return;
	}
	if (!(r->access & POLICY_CREATE)) {
		/* A file truncated may be made anew. */
		if (open && has(r->flags, "O_TRUNC"))
			extra = POLICY_CREATE | POLICY_DELETE;
	} else if (strcmp(r->op, "mkdir") == 0)
		extra = POLICY_STAT | POLICY_DELETE;
	else if (!open)
		extra = POLICY_DELETE;
	else {
		if (has(r->flags, "O_RDWR"))
			extra = POLICY_READ | POLICY_WRITE;
		else if (has(r->flags, "O_RDONLY"))
			extra = POLICY_READ;
		/* Made by an open: written, and replaceable. */
		extra |= POLICY_WRITE | POLICY_DELETE;
	}
	must_allow(p, r->canon, r->access | extra, self);
}

/* Does path name something directly in folder dir ("dir/NAME...")
 * starting with c? */
static int
starts_in(const char *path, const char *dir, char c)
{
	size_t n = strlen(dir);

	return path != NULL && strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] == c;
}

/* Nothing directly in a shared temporary folder that no record named: a
 * name starting with a letter no record's name there starts with. */
static void
check_shared(const struct policy *p, const struct audit_rec *recs, size_t n)
{
	static const char *const shared[] = { "/tmp", "/var/tmp", "/dev/shm" };
	struct policy_decision d;
	char probe[64];
	size_t i, k;
	char c;

	for (k = 0; k < sizeof(shared) / sizeof(shared[0]); k++) {
		/* A newline is learnt as '?', which matches any letter. */
		for (i = 0; i < n; i++)
			if (starts_in(recs[i].canon, shared[k], '\n') ||
			    starts_in(recs[i].canon2, shared[k], '\n'))
				break;
		if (i < n)
			continue;
		for (c = 'a'; c <= 'z'; c++) {
			for (i = 0; i < n; i++)
				if (starts_in(recs[i].canon, shared[k], c) ||
				    starts_in(recs[i].canon2, shared[k], c))
					break;
			if (i == n)
				break;
		}
		if (c > 'z')
			continue;
		snprintf(probe, sizeof(probe), "%s/%czz-not-learned", shared[k], c);
		if (policy_decide(p, probe, POLICY_READ, 1, &d) != 0 || d.allowed ||
		    policy_decide(p, probe, POLICY_WRITE, 1, &d) != 0 || d.allowed ||
		    policy_decide(p, probe, POLICY_DELETE, 1, &d) != 0 || d.allowed)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct audit_rec recs[MAX_RECORDS];
	static struct policy *base;
	struct reader rd = { data, data + size };
	struct policy *p;
	struct policy_diags d = { 0 };
	struct learn l;
	char *buf = NULL;
	size_t n = 0, i, len = 0;
	unsigned opt, b;
	FILE *f;

	if (base == NULL &&
	    policy_load_buffer("(learn)", "include @runtime\n", 17, NULL, &base, NULL) == -1)
		abort();
	if (learn_init(&l) == -1)
		abort();
	opt = byte(&rd);
	if ((opt & 8) && learn_add_root(&l, "/a") != 0)
		abort();
	while (rd.p < rd.end && n < MAX_RECORDS) {
		struct audit_rec *r = &recs[n++];

		memset(r, 0, sizeof(*r));
		snprintf(r->op, sizeof(r->op), "%s",
		    ops[byte(&rd) % (sizeof(ops) / sizeof(ops[0]))]);
		b = byte(&rd);
		r->decision = decisions[b % (sizeof(decisions) / sizeof(decisions[0]))];
		r->err = (b & 0x80) ? EEXIST : (b & 0x40) ? ENOENT : 0;
		r->rule = (b & 0x20) ? "@tmp" : NULL;
		r->access = byte(&rd);
		r->flags = flagsets[byte(&rd) % (sizeof(flagsets) / sizeof(flagsets[0]))];
		r->pid = byte(&rd);
		if (r->pid >= 128) {
			/* In run's PID namespace: its own number, and the host's. */
			r->nspid = r->pid - 128;
			r->pid += 1000;
		}
		r->canon = r->path = path(&rd);
		r->canon2 = r->path2 = path(&rd);
		if (learn_record(&l, r, (n & 1) ? "a.jsonl" : NULL, n) == -1)
			abort();
	}
	if (learn_finish(&l, base, !(opt & 1), 2 + (opt >> 1 & 3)) == -1)
		abort();
	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	if (learn_print(&l, f, NULL, "fuzz") != 0)
		abort();
	fclose(f);
	if (policy_load_buffer("learned", buf, len, "/nonexistent/fuzz", &p, &d) == -1 ||
	    d.nerrors != 0)
		abort();
	for (i = 0; i < n; i++)
		check_record(p, &recs[i]);
	check_shared(p, recs, n);
	policy_free(p);
	policy_diags_free(&d);
	free(buf);
	for (i = 0; i < n; i++) {
		free((char *)recs[i].canon);
		free((char *)recs[i].canon2);
	}
	learn_free(&l);
	return 0;
}
