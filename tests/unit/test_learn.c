/*
 * test_learn.c: the rules `filebroker learn` makes (tools/learn.c):
 * temporary names, folding, sensitive grants; and a property: whatever the
 * records, the learned rules load as a policy and allow every path and
 * access they were learned from.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "learn.h"
#include "policy.h"

static void
temp_is(const char *name, const char *want)
{
	char out[512];
	int r = learn_temp_name(name, strlen(name), out, sizeof(out));

	if (want == NULL) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, 1);
	assert_string_equal(out, want);
}

static void
test_temp_names(void **state)
{
	(void)state;
	temp_is("tmp.k3JxQ9", "tmp.*");		/* mktemp(1) */
	temp_is("fooAb12Cd", "*");		/* mkstemp("fooXXXXXX") */
	temp_is("tmpq0bhyr23", "tmp*");		/* Python's tempfile */
	temp_is("tmpabcdefgh.txt", "tmp*.txt"); /* with a suffix */
	temp_is("tmp_k3j_x9q", "tmp*");
	temp_is("clamav-0d9f8e7c6b5a4f3e2d1c0b9a8f7e6d5c.tmp", "clamav-*.tmp");
	temp_is("20231207_123456-scantemp.Ab3dEf", "*_*-scantemp.*");
	temp_is("out.12345", "out.*"); /* a pid */
	temp_is("x[1] -Ab3xY9", "x\\[1\\]\\ -*");
	temp_is("d_y8c_rl", "*"); /* Python's probe of a folder */
	temp_is("kwzmuefr", "*");
	temp_is(".out.6wmoy731", ".out.*");
	temp_is(".out.kwzmuefr", ".out.*"); /* mkstemp(prefix=".out.") */
	temp_is("x.kwzmuefr.txt", NULL);    /* a word, not at the end */
	temp_is("x.kw_muefr.txt", "x.*.txt");
	temp_is("report.txt", NULL);
	temp_is("a.b.c", NULL);
	temp_is("x86_64", NULL);
	temp_is("abcdef", NULL); /* one kind of character: a word */
	temp_is("1234", NULL);
	temp_is("", NULL);
}

/* The live entry with pattern pat, or NULL. */
static const struct learn_entry *
entry(const struct learn *l, const char *pat)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->v[i].dead && strcmp(l->v[i].pat, pat) == 0)
			return &l->v[i];
	return NULL;
}

static void
use(struct learn *l, const char *path, unsigned access)
{
	struct learn_first f = { "open", (char *)path, "a.jsonl", 1, 1 };

	assert_non_null(learn_use(l, path, access, access, &f));
}

static void
test_fold(void **state)
{
	struct learn l;
	char p[64];
	int i;

	(void)state;
	assert_int_equal(learn_init(&l), 0);
	/* a listed input tree, sparse: DIR/ ** */
	use(&l, "/srv/spool", POLICY_LIST);
	use(&l, "/srv/spool/a", POLICY_LIST);
	use(&l, "/srv/spool/a/1.eml", POLICY_READ);
	use(&l, "/srv/spool/b/c/2.eml", POLICY_READ);
	use(&l, "/srv/spool/d/3.eml", POLICY_READ);
	/* outputs, one extension: DIR/ *.EXT */
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "/srv/out/r%d.json", i);
		use(&l, p, POLICY_CREATE | POLICY_WRITE);
	}
	/* mixed extensions: DIR/ * */
	use(&l, "/srv/mix/a.txt", POLICY_READ);
	use(&l, "/srv/mix/b.pdf", POLICY_READ);
	use(&l, "/srv/mix/c", POLICY_READ);
	/* not at a sensitive root */
	use(&l, "/etc/a", POLICY_READ);
	use(&l, "/etc/b", POLICY_READ);
	use(&l, "/etc/c", POLICY_READ);
	/* temporary names */
	use(&l, "/tmp/tmpq0bhyr23", POLICY_CREATE | POLICY_WRITE | POLICY_DELETE);
	use(&l, "/tmp/tmp7x_aa9bc", POLICY_CREATE | POLICY_WRITE | POLICY_DELETE);
	use(&l, "/srv/out2/.report.dyttltc8", POLICY_CREATE | POLICY_WRITE | POLICY_DELETE);
	use(&l, "/srv/out2/keep.Ab3xY9", POLICY_CREATE | POLICY_WRITE); /* not removed */
	/* a stat on the way */
	use(&l, "/srv", POLICY_STAT);
	assert_int_equal(learn_fold_temp(&l), 0);
	assert_int_equal(learn_fold_inputs(&l, 3), 0);
	learn_drop_ancestors(&l);
	assert_non_null(entry(&l, "/srv/spool/**"));
	assert_int_equal(entry(&l, "/srv/spool/**")->access, POLICY_READ | POLICY_LIST);
	assert_int_equal(entry(&l, "/srv/spool/**")->paths, 5);
	assert_non_null(entry(&l, "/srv/out/*.json"));
	assert_non_null(entry(&l, "/srv/mix/*"));
	assert_non_null(entry(&l, "/etc/a"));
	assert_null(entry(&l, "/etc/*"));
	assert_non_null(entry(&l, "/tmp/tmp*"));
	assert_int_equal(entry(&l, "/tmp/tmp*")->paths, 2);
	assert_int_equal(entry(&l, "/tmp/tmp*")->kind, LEARN_TEMP);
	assert_non_null(entry(&l, "/srv/out2/.report.*"));
	assert_non_null(entry(&l, "/srv/out2/keep.Ab3xY9"));
	assert_null(entry(&l, "/srv"));
	learn_free(&l);

	/* --sensitive stops folding there */
	assert_int_equal(learn_init(&l), 0);
	assert_int_equal(learn_add_root(&l, "/data/in"), 0);
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "/data/in/%d", i);
		use(&l, p, POLICY_READ);
	}
	assert_int_equal(learn_fold_inputs(&l, 3), 0);
	assert_null(entry(&l, "/data/in/*"));
	assert_non_null(entry(&l, "/data/in/0"));
	assert_int_equal(learn_add_root(&l, "relative"), -1);
	learn_free(&l);
}

/*
 * Shared and personal folders: a random name made directly in /tmp,
 * /var/tmp, /dev/shm or a home is folded only when its start stays
 * literal, never into a pattern for every name there (the broker opens
 * other users' files with root's rights); what is folded there is marked.
 */
static void
test_fold_shared(void **state)
{
	const unsigned made = POLICY_CREATE | POLICY_WRITE | POLICY_DELETE | POLICY_READ;
	struct learn l;
	char p[64];
	int i;

	(void)state;
	assert_int_equal(learn_init(&l), 0);
	use(&l, "/tmp/8crnywrm", made); /* Python's probe of a folder */
	use(&l, "/var/tmp/kwzmuefr", made);
	use(&l, "/dev/shm/Ab3xY9Qz", made);
	use(&l, "/tmp/20231207_123456-scantemp.Ab3dEf", made | POLICY_LIST);
	use(&l, "/tmp/tmpq0bhyr23", made);
	use(&l, "/tmp/tmp7x_aa9bc", made);
	use(&l, "/tmp/tmpsre_857g", POLICY_CREATE | POLICY_LIST | POLICY_DELETE);
	use(&l, "/tmp/tmpsre_857g/part", made);
	use(&l, "/tmp/clamav-0d9f8e7c6b5a4f3e2d1c0b9a8f7e6d5c.tmp", made);
	use(&l, "/home/u/kwzmuefr", made);
	use(&l, "/home/u/.out.kwzmuefr", made);
	use(&l, "/run/user/1000/Ab3xY9Qz", made);
	/* Inputs in a home, a shared folder and a runtime folder: no DIR/ *. */
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "/home/u/f%d.txt", i);
		use(&l, p, POLICY_READ);
		snprintf(p, sizeof(p), "/var/tmp/in%d.txt", i);
		use(&l, p, POLICY_READ);
		snprintf(p, sizeof(p), "/run/user/1000/s%d", i);
		use(&l, p, POLICY_READ);
	}
	use(&l, "/home/u", POLICY_LIST);
	assert_int_equal(learn_fold_temp(&l), 0);
	assert_int_equal(learn_fold_inputs(&l, 3), 0);
	/* Kept as they were, and said why. */
	assert_non_null(entry(&l, "/tmp/8crnywrm"));
	assert_non_null(entry(&l, "/tmp/8crnywrm")->kept);
	assert_non_null(entry(&l, "/var/tmp/kwzmuefr"));
	assert_non_null(entry(&l, "/dev/shm/Ab3xY9Qz"));
	assert_non_null(entry(&l, "/tmp/20231207_123456-scantemp.Ab3dEf"));
	assert_non_null(entry(&l, "/home/u/kwzmuefr"));
	assert_non_null(entry(&l, "/home/u/kwzmuefr")->kept);
	assert_non_null(entry(&l, "/run/user/1000/Ab3xY9Qz"));
	assert_null(entry(&l, "/tmp/*"));
	assert_null(entry(&l, "/var/tmp/*"));
	assert_null(entry(&l, "/home/u/*"));
	assert_null(entry(&l, "/home/u/**"));
	assert_null(entry(&l, "/home/u/*.txt"));
	assert_null(entry(&l, "/var/tmp/*.txt"));
	assert_null(entry(&l, "/run/user/1000/*"));
	/* Folded with their literal start, and marked in a shared folder. */
	assert_non_null(entry(&l, "/tmp/tmp*"));
	assert_non_null(entry(&l, "/tmp/tmp*")->sens);
	assert_null(entry(&l, "/tmp/tmp*")->kept);
	assert_non_null(entry(&l, "/tmp/tmp*/part"));
	assert_non_null(entry(&l, "/tmp/clamav-*.tmp"));
	assert_non_null(entry(&l, "/tmp/clamav-*.tmp")->sens);
	assert_non_null(entry(&l, "/home/u/.out.*"));
	assert_null(entry(&l, "/home/u/.out.*")->sens);
	learn_free(&l);
}

/*
 * Outputs: what the run made below a folder that was there becomes that
 * folder's tree, for the next run's other names (a new sub-folder); a
 * program it built and ran gives the tree exec; in a system folder, a home
 * or next to a sensitive path the names stay, the topmost saying why.
 */
static void
test_fold_outputs(void **state)
{
	const unsigned file = POLICY_CREATE | POLICY_WRITE | POLICY_DELETE;
	const unsigned dir = POLICY_CREATE | POLICY_STAT | POLICY_DELETE;
	struct learn l;

	(void)state;
	assert_int_equal(learn_init(&l), 0);
	use(&l, "/srv/w/in.7z", POLICY_READ);
	use(&l, "/srv/w/out/d1", dir);
	use(&l, "/srv/w/out/d1/d2", dir);
	use(&l, "/srv/w/out/d1/d2/a.txt", file);
	use(&l, "/srv/p/in/x.txt", POLICY_READ); /* inputs beside the output */
	use(&l, "/srv/p/out", dir);
	use(&l, "/srv/p/out/r.json", file);
	use(&l, "/srv/b/tool", POLICY_EXEC); /* there before: stays named */
	use(&l, "/srv/b/Makefile", POLICY_READ);
	use(&l, "/srv/b/hello", file | POLICY_EXEC);
	use(&l, "/tmp/made.txt", file);
	use(&l, "/tmp/work", dir); /* another user may make it first */
	use(&l, "/tmp/work/f", file);
	use(&l, "/opt/app", dir); /* a folder it made in a system folder */
	use(&l, "/opt/app/f", file);
	use(&l, "/home/u/new.txt", file);
	use(&l, "/srv/x/.ssh/known_hosts", file);
	use(&l, "/srv/y/out.txt", file);
	use(&l, "/srv/y/id.key", POLICY_READ);
	learn_mark_sensitive(&l, 1000);
	assert_int_equal(learn_fold_outputs(&l, 1000), 0);
	assert_int_equal(entry(&l, "/srv/w/out/**")->access,
	    POLICY_CREATE | POLICY_WRITE | POLICY_LIST | POLICY_STAT | POLICY_DELETE);
	assert_int_equal(entry(&l, "/srv/w/out/**")->paths, 3);
	assert_null(entry(&l, "/srv/w/out/d1"));
	assert_null(entry(&l, "/srv/w/**"));
	assert_int_equal(entry(&l, "/srv/w/in.7z")->access, POLICY_READ);
	assert_non_null(entry(&l, "/srv/p/out/**"));
	assert_null(entry(&l, "/srv/p/**"));
	assert_int_equal(entry(&l, "/srv/p/in/x.txt")->access, POLICY_READ);
	assert_int_equal(entry(&l, "/srv/b/tool")->access, POLICY_EXEC);
	assert_true(entry(&l, "/srv/b/**")->access & POLICY_EXEC);
	assert_true(entry(&l, "/srv/b/**")->access & POLICY_READ);
	assert_null(entry(&l, "/srv/b/hello"));
	/* the Makefile was read, not made, but is in the tree */
	assert_null(entry(&l, "/srv/b/Makefile"));
	assert_null(entry(&l, "/tmp/**"));
	assert_non_null(entry(&l, "/tmp/made.txt")->named);
	assert_null(entry(&l, "/tmp/work/**"));
	assert_non_null(entry(&l, "/tmp/work")->named);
	assert_null(entry(&l, "/tmp/work/f")->named);
	assert_non_null(entry(&l, "/opt/app/**"));
	assert_null(entry(&l, "/opt/**"));
	/* sensitive outputs stay named, marked so */
	assert_null(entry(&l, "/home/u/**"));
	assert_non_null(entry(&l, "/home/u/new.txt")->sens);
	assert_null(entry(&l, "/srv/x/.ssh/**"));
	assert_non_null(entry(&l, "/srv/x/.ssh/known_hosts")->sens);
	/* and so does an output beside a sensitive file */
	assert_null(entry(&l, "/srv/y/**"));
	assert_non_null(entry(&l, "/srv/y/out.txt")->named);
	assert_null(entry(&l, "/srv/w/out/d1/d2/a.txt"));
	learn_free(&l);
}

/*
 * System folder trees: two or more names only read, listed or stat-ed
 * (probes) in a search path's folder become its tree; one name, a folder
 * not on disk, a program, a write, --sensitive there: no tree.
 */
static void
test_fold_system(void **state)
{
	struct learn l;

	(void)state;
	if (access("/usr/include/stdio.h", R_OK) == -1)
		skip(); /* no C headers here: the tree must be on disk */
	assert_int_equal(learn_init(&l), 0);
	use(&l, "/usr/include/stdio.h", POLICY_READ);
	use(&l, "/usr/include/no-such/bits/x.h", POLICY_STAT); /* a probe */
	use(&l, "/usr/include/w.h", POLICY_WRITE);
	use(&l, "/usr/include/prog", POLICY_READ | POLICY_EXEC);
	use(&l, "/usr/local/include/stdio.h", POLICY_STAT); /* one name */
	use(&l, "/usr/bin/ls", POLICY_READ);
	use(&l, "/usr/bin/cat", POLICY_READ);
	use(&l, "/usr/share/filebroker-no-such/a", POLICY_READ);
	use(&l, "/usr/share/filebroker-no-such/b", POLICY_READ);
	assert_int_equal(learn_fold_system(&l), 0);
	assert_int_equal(entry(&l, "/usr/include/**")->access, POLICY_READ | POLICY_LIST);
	assert_int_equal(entry(&l, "/usr/include/**")->paths, 2);
	assert_null(entry(&l, "/usr/include/stdio.h"));
	assert_non_null(entry(&l, "/usr/include/w.h"));
	assert_non_null(entry(&l, "/usr/include/prog"));
	assert_non_null(entry(&l, "/usr/local/include/stdio.h"));
	assert_null(entry(&l, "/usr/local/include/**"));
	assert_null(entry(&l, "/usr/bin/**"));
	assert_null(entry(&l, "/usr/share/filebroker-no-such/**"));
	learn_free(&l);

	assert_int_equal(learn_init(&l), 0);
	assert_int_equal(learn_add_root(&l, "/usr/include"), 0);
	use(&l, "/usr/include/stdio.h", POLICY_READ);
	use(&l, "/usr/include/stdlib.h", POLICY_READ);
	assert_int_equal(learn_fold_system(&l), 0);
	assert_null(entry(&l, "/usr/include/**"));
	learn_free(&l);
}

/* One record as cmd_learn.c hands it over. */
static int
record(struct learn *l, const char *op, const char *canon, unsigned access, int err,
    const char *rule)
{
	struct audit_rec r;

	memset(&r, 0, sizeof(r));
	snprintf(r.op, sizeof(r.op), "%s", op);
	r.decision = rule == NULL ? AUDIT_WOULD_DENY : AUDIT_ALLOW;
	r.rule = rule != NULL ? rule : "default";
	r.path = r.canon = canon;
	r.access = access;
	r.err = err;
	r.pid = 2;
	r.uid = 65534;
	return learn_record(l, &r, "a.jsonl", 1);
}

/*
 * mkdir -p asks mkdir of every folder on its way, each answered EEXIST:
 * those were not made, and are no reason to grant create or delete there
 * (a learned policy once allowed create,delete of /tmp so).  What run
 * grants by itself each run (its private temporary folder, a script
 * COMMAND's read) needs no rule.
 */
static void
test_record_existing(void **state)
{
	struct policy *base;
	struct learn l;

	(void)state;
	assert_int_equal(policy_load_buffer("b", "include @runtime\n", 17, NULL, &base, NULL), 0);
	assert_int_equal(learn_init(&l), 0);
	assert_int_equal(record(&l, "mkdir", "/tmp", POLICY_CREATE, EEXIST, NULL), 1);
	assert_int_equal(record(&l, "mkdir", "/tmp/w", POLICY_CREATE, EEXIST, NULL), 1);
	assert_int_equal(record(&l, "mkdir", "/tmp/w/out", POLICY_CREATE, 0, NULL), 1);
	assert_int_equal(record(&l, "mkdir", "/tmp/w/out/a", POLICY_CREATE, 0, NULL), 1);
	assert_int_equal(record(&l, "mkdir", "/tmp/w/out/a", POLICY_CREATE, EEXIST, NULL), 1);
	assert_int_equal(record(&l, "open", "/tmp/w/lock", POLICY_CREATE | POLICY_WRITE, EEXIST,
			     NULL),
	    1);
	assert_int_equal(record(&l, "mkdir", "/tmp/filebroker.Ab3xY9/d", POLICY_CREATE, 0, "@tmp"),
	    0);
	assert_int_equal(record(&l, "stat", "/tmp/filebroker.Ab3xY9", POLICY_STAT, 0,
			     "@ancestor of @tmp"),
	    0);
	assert_int_equal(record(&l, "open", "/usr/bin/7z", POLICY_READ, 0, "@command"), 0);
	/* the process's own /proc/PID is /proc/self, which the base allows */
	assert_int_equal(record(&l, "open", "/proc/2/maps", POLICY_READ, 0, NULL), 1);
	assert_int_equal(record(&l, "open", "/proc/2/status", POLICY_READ, 0, NULL), 1);
	assert_int_equal(learn_finish(&l, base, 1, 3), 0);
	/* Only seen: the folders above are visible by the rules below them. */
	assert_null(entry(&l, "/tmp"));
	assert_null(entry(&l, "/tmp/w"));
	assert_int_equal(entry(&l, "/tmp/w/out")->access,
	    POLICY_CREATE | POLICY_STAT | POLICY_DELETE);
	assert_int_equal(entry(&l, "/tmp/w/out/a")->access,
	    POLICY_CREATE | POLICY_STAT | POLICY_DELETE);
	assert_int_equal(entry(&l, "/tmp/w/lock")->access, POLICY_STAT);
	assert_null(entry(&l, "/tmp/filebroker.Ab3xY9/d"));
	assert_null(entry(&l, "/tmp/filebroker.Ab3xY9"));
	assert_null(entry(&l, "/usr/bin/7z"));
	assert_null(entry(&l, "/proc/self/maps"));
	assert_non_null(entry(&l, "/proc/self/status"));
	learn_free(&l);
	policy_free(base);
}

/*
 * Exec records: one rule per program, never folded into DIR/ *; a script's
 * interpreter gets its own, COMMAND's too (rule @command, which learn
 * otherwise leaves to run); an exec that failed or was denied teaches
 * nothing.
 */
static void
test_record_exec(void **state)
{
	static const char *const progs[] = { "/usr/bin/ls", "/usr/bin/cat", "/usr/bin/sed",
		"/usr/bin/tr" };
	struct audit_rec r;
	struct learn l;
	size_t i;

	(void)state;
	assert_int_equal(learn_init(&l), 0);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		assert_int_equal(record(&l, "exec", progs[i], POLICY_EXEC, 0, NULL), 1);
	memset(&r, 0, sizeof(r));
	snprintf(r.op, sizeof(r.op), "exec");
	r.decision = AUDIT_ALLOW;
	r.rule = "@command";
	r.path = r.canon = "/srv/tools/parse.py";
	r.interp = "/usr/bin/python3.11";
	r.access = POLICY_EXEC;
	r.pid = 2;
	assert_int_equal(learn_record(&l, &r, "a.jsonl", 1), 1);
	r.path = r.canon = "/srv/tools/other.sh";
	r.interp = NULL;
	assert_int_equal(learn_record(&l, &r, "a.jsonl", 2), 0);
	r.rule = "default";
	r.decision = AUDIT_DENY;
	r.path = r.canon = "/usr/bin/su";
	assert_int_equal(learn_record(&l, &r, "a.jsonl", 3), 0);
	r.rule = NULL;
	r.decision = AUDIT_ERROR;
	r.access = 0;
	r.path = r.canon = "/usr/local/bin/ls";
	assert_int_equal(learn_record(&l, &r, "a.jsonl", 4), 0);
	assert_int_equal(learn_fold_inputs(&l, 3), 0);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		assert_int_equal(entry(&l, progs[i])->access, POLICY_EXEC);
	assert_null(entry(&l, "/usr/bin/*"));
	assert_int_equal(entry(&l, "/usr/bin/python3.11")->access, POLICY_EXEC);
	assert_null(entry(&l, "/srv/tools/parse.py"));
	assert_null(entry(&l, "/srv/tools/other.sh"));
	assert_null(entry(&l, "/usr/bin/su"));
	assert_null(entry(&l, "/usr/local/bin/ls"));
	learn_free(&l);
}

static void
test_sensitive(void **state)
{
	static const char *const yes[] = { "/etc/shadow", "/etc/gshadow-", "/etc/sudoers",
		"/root/.bashrc", "/home/other/.ssh/id_ed25519", "/srv/x/.ssh/authorized_keys",
		"/proc/self/mem", "/proc/12/environ", "/srv/tls/server.key", "/etc/ssl/private/k",
		"/home/other/notes.txt", "/dev/mem", "/run/user/1000/bus" };
	static const char *const no[] = { "/etc/passwd", "/srv/in/a.txt", "/proc/self/status",
		"/home", "/tmp/x.keys", "/run/user/65534/pulse/native", "/run/user/1000" };
	struct learn l;
	size_t i;

	(void)state;
	assert_int_equal(learn_init(&l), 0);
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		use(&l, yes[i], POLICY_READ);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		use(&l, no[i], POLICY_READ);
	learn_mark_sensitive(&l, 65534);
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_non_null(entry(&l, yes[i]));
		if (entry(&l, yes[i])->sens == NULL)
			fail_msg("%s is not marked sensitive", yes[i]);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (entry(&l, no[i])->sens != NULL)
			fail_msg("%s is marked sensitive: %s", no[i], entry(&l, no[i])->sens);
	assert_string_equal(entry(&l, "/etc/shadow")->sens, "the password hashes");
	learn_free(&l);
}

/* ---- the property ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random component: words, temporary names, hostile characters. */
static void
component(char *out, size_t size)
{
	static const char *const words[] = { "in", "out", "a", "b.txt", "c.pdf", "spool", "x y",
		"star*", "q?", "[br]", "back\\slash", "new\nline", ".hidden", "d.txt", "e.json" };
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t i, n;

	switch (rnd(4)) {
	case 0: /* mkstemp */
		n = (size_t)snprintf(out, size, "tmp.");
		for (i = 0; i < 6; i++)
			out[n++] = chars[rnd(sizeof(chars) - 1)];
		out[n] = '\0';
		break;
	case 1: /* Python */
		n = (size_t)snprintf(out, size, "tmp");
		for (i = 0; i < 8; i++)
			out[n++] = "abcdefghijklmnopqrstuvwxyz0123456789_"[rnd(37)];
		out[n] = '\0';
		break;
	default:
		snprintf(out, size, "%s", words[rnd(sizeof(words) / sizeof(words[0]))]);
	}
}

static void
test_property(void **state)
{
	static const char *const roots[] = { "/tmp", "/srv/data", "/home/u", "/etc", "/var/tmp",
		"/opt/x", "/", "/usr/include", "/usr/share" };
	static const unsigned accs[] = { POLICY_READ, POLICY_STAT, POLICY_LIST,
		POLICY_READ | POLICY_LIST, POLICY_CREATE | POLICY_WRITE,
		POLICY_CREATE | POLICY_WRITE | POLICY_DELETE, POLICY_WRITE, POLICY_DELETE,
		POLICY_READ | POLICY_EXEC };
	char paths[64][512], c[64], *text;
	unsigned acc[64];
	struct policy_diags d;
	struct policy_decision dec;
	struct policy *p;
	struct learn l;
	size_t n, i, k, len, cap;
	int iter, depth, j;

	(void)state;
	for (iter = 0; iter < 2000; iter++) {
		assert_int_equal(learn_init(&l), 0);
		n = 1 + rnd(40);
		for (i = 0; i < n; i++) {
			const char *root = roots[rnd(sizeof(roots) / sizeof(roots[0]))];

			snprintf(paths[i], sizeof(paths[i]), "%s",
			    strcmp(root, "/") == 0 ? "" : root);
			depth = 1 + (int)rnd(4);
			for (j = 0; j < depth; j++) {
				component(c, sizeof(c));
				len = strlen(paths[i]);
				snprintf(paths[i] + len, sizeof(paths[i]) - len, "/%s", c);
			}
			acc[i] = accs[rnd(sizeof(accs) / sizeof(accs[0]))];
			use(&l, paths[i], acc[i]);
		}
		learn_mark_sensitive(&l, 1000);
		if (rnd(4) != 0) {
			assert_int_equal(learn_fold_temp(&l), 0);
			assert_int_equal(learn_fold_outputs(&l, 1000), 0);
			assert_int_equal(learn_fold_system(&l), 0);
			assert_int_equal(learn_fold_inputs(&l, 2 + rnd(3)), 0);
		}
		learn_drop_ancestors(&l);
		/* The rules as a policy. */
		cap = 1024;
		text = malloc(cap);
		assert_non_null(text);
		len = 0;
		for (k = 0; k < l.n; k++) {
			char a[64];

			if (l.v[k].dead)
				continue;
			while (len + strlen(l.v[k].pat) + 128 > cap) {
				cap *= 2;
				text = realloc(text, cap);
				assert_non_null(text);
			}
			len += (size_t)snprintf(text + len, cap - len, "allow %s %s\n",
			    policy_access_format(l.v[k].access, a, sizeof(a)), l.v[k].pat);
		}
		memset(&d, 0, sizeof(d));
		if (policy_load_buffer("learned", text, len, NULL, &p, &d) == -1)
			fail_msg("iteration %d: the learned policy does not load: %s\n%s", iter,
			    d.n > 0 ? d.v[0].msg : "?", text);
		policy_diags_free(&d);
		for (i = 0; i < n; i++) {
			assert_int_equal(policy_decide(p, paths[i], acc[i], 0, &dec), 0);
			if (!dec.allowed)
				fail_msg("iteration %d: %s (access %u) is not allowed by:\n%s",
				    iter, paths[i], acc[i], text);
		}
		policy_free(p);
		free(text);
		learn_free(&l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_temp_names),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_shared),
		cmocka_unit_test(test_fold_outputs),
		cmocka_unit_test(test_fold_system),
		cmocka_unit_test(test_record_existing),
		cmocka_unit_test(test_record_exec),
		cmocka_unit_test(test_sensitive),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests_name("learn", tests, NULL, NULL);
}
