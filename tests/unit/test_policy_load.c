/*
 * test_policy_load.c: the policy library at the file level: includes
 * (relative, depth, cycles, missing and odd files), policy_load() errors,
 * the print -> re-parse round trip, and deciding from several threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

static char dir[64];

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
at(const char *name)
{
	static char path[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_policy.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
dump(const struct policy_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_error("%s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].msg);
}

static void
test_include_relative(void **state)
{
	struct policy_diags d = { 0 };
	struct policy_decision dec;
	struct policy *p;
	char want[300];

	(void)state;
	assert_int_equal(mkdir(at("sub"), 0700), 0);
	assert_int_equal(mkdir(at("sub/deeper"), 0700), 0);
	put("main.policy", "allow read /top\ninclude sub/a.policy\nallow read /after\n");
	/* relative to the including file's folder, not to the cwd */
	put("sub/a.policy", "# a\nallow read /from-a\ninclude deeper/b.policy\n");
	put("sub/deeper/b.policy", "include ../c.policy\ndeny read /top\n");
	put("sub/c.policy", "allow write /from-c\n");
	if (policy_load(at("main.policy"), &p, &d) == -1) {
		dump(&d);
		fail();
	}
	assert_int_equal(d.n, 0);
	assert_int_equal(policy_nrules(p), 5);
	assert_int_equal(policy_decide(p, "/from-a", POLICY_READ, 0, &dec), 0);
	assert_true(dec.allowed);
	snprintf(want, sizeof(want), "%s/sub/a.policy:2", dir);
	assert_string_equal(dec.rule, want);
	assert_int_equal(policy_decide(p, "/from-c", POLICY_WRITE, 0, &dec), 0);
	assert_true(dec.allowed);
	snprintf(want, sizeof(want), "%s/sub/c.policy:1", dir);
	assert_string_equal(dec.rule, want);
	/* the included deny wins over the includer's earlier allow */
	assert_int_equal(policy_decide(p, "/top", POLICY_READ, 0, &dec), 0);
	assert_false(dec.allowed);
	snprintf(want, sizeof(want), "%s/sub/deeper/b.policy:2", dir);
	assert_string_equal(dec.rule, want);
	/* file order, includes expanded in place */
	assert_int_equal(policy_decide(p, "/after", POLICY_READ, 0, &dec), 0);
	assert_true(dec.allowed);
	policy_free(p);
	/* the buffer loader resolves includes against basedir */
	{
		const char *t = "include sub/c.policy\n";

		assert_int_equal(policy_load_buffer("buf", t, strlen(t), dir, &p, &d), 0);
		assert_int_equal(policy_decide(p, "/from-c", POLICY_WRITE, 0, &dec), 0);
		assert_true(dec.allowed);
		policy_free(p);
	}
	/* an absolute include */
	{
		char t[300];

		snprintf(t, sizeof(t), "include %s/sub/c.policy\n", dir);
		assert_int_equal(policy_load_buffer("buf", t, strlen(t), "/nonexistent", &p, &d),
		    0);
		policy_free(p);
	}
	policy_diags_free(&d);
}

/* Rules are named by the file's canonical path, wherever the policy was
 * loaded from and however it was reached (relative, ".", "..", a symbolic
 * link); a file that is not there is named absolute by hand. */
static void
test_absolute_names(void **state)
{
	struct policy_diags d = { 0 };
	struct policy_decision dec;
	struct policy *p;
	char want[300], cwd[4096];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(mkdir(at("abs"), 0700), 0);
	assert_int_equal(mkdir(at("abs/sub"), 0700), 0);
	put("abs/top.policy", "allow read /a\ninclude ./sub/../inc.policy\n");
	put("abs/inc.policy", "deny read /a/b\n");
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(policy_load("./abs//./top.policy", &p, &d), 0);
	assert_int_equal(policy_decide(p, "/a", POLICY_READ, 0, &dec), 0);
	snprintf(want, sizeof(want), "%s/abs/top.policy:1", dir);
	assert_string_equal(dec.rule, want);
	/* include: the folder of the includer, then the name as written */
	policy_free(p);
	assert_int_equal(policy_load("abs/top.policy", &p, &d), 0);
	assert_int_equal(policy_decide(p, "/a/b", POLICY_READ, 0, &dec), 0);
	snprintf(want, sizeof(want), "%s/abs/inc.policy:1", dir);
	assert_string_equal(dec.rule, want);
	policy_free(p);
	/* through a symbolic link: the file it names */
	assert_int_equal(symlink("abs/top.policy", at("link.policy")), 0);
	assert_int_equal(policy_load("link.policy", &p, &d), 0);
	assert_int_equal(policy_decide(p, "/a", POLICY_READ, 0, &dec), 0);
	snprintf(want, sizeof(want), "%s/abs/top.policy:1", dir);
	assert_string_equal(dec.rule, want);
	policy_free(p);
	/* missing: absolute all the same, "." dropped, ".." kept */
	assert_int_equal(policy_load("./abs/./sub/../none.policy", &p, &d), -1);
	snprintf(want, sizeof(want), "%s/abs/sub/../none.policy", dir);
	assert_string_equal(d.v[d.n - 1].file, want);
	policy_diags_free(&d);
	/* diagnostics name the file the same way */
	put("abs/bad.policy", "allow reed /x\n");
	assert_int_equal(policy_load("abs/bad.policy", &p, &d), -1);
	snprintf(want, sizeof(want), "%s/abs/bad.policy", dir);
	assert_true(d.n > 0);
	assert_string_equal(d.v[0].file, want);
	policy_diags_free(&d);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_include_depth(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;
	char name[32], text[64];
	int i;

	(void)state;
	/* d0 includes d1 ... includes d9: the top file plus 8 levels is fine */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d.policy", i);
		snprintf(text, sizeof(text), "allow read /d%d\ninclude d%d.policy\n", i, i + 1);
		put(name, text);
	}
	put("d10.policy", "allow read /d10\n");
	assert_int_equal(policy_load(at("d2.policy"), &p, &d), 0);
	assert_int_equal(policy_nrules(p), 9);
	policy_free(p);
	assert_int_equal(policy_load(at("d1.policy"), &p, &d), -1);
	assert_null(p);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 9);
	assert_non_null(strstr(d.v[0].file, "d9.policy"));
	assert_non_null(strstr(d.v[0].msg, "deeper than 8"));
	policy_diags_free(&d);
}

static void
test_include_cycle(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;

	(void)state;
	put("c1.policy", "allow read /a\ninclude c2.policy\n");
	put("c2.policy", "\n\ninclude ./c1.policy\n");
	assert_int_equal(policy_load(at("c1.policy"), &p, &d), -1);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.v[0].file, "c2.policy"));
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].col, 9);
	assert_non_null(strstr(d.v[0].msg, "include cycle"));
	policy_diags_free(&d);
	/* including itself */
	put("self.policy", "include self.policy\n");
	assert_int_equal(policy_load(at("self.policy"), &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "include cycle"));
	policy_diags_free(&d);
	/* the same file twice, side by side, is not a cycle */
	put("twice.policy", "include c3.policy\ninclude c3.policy\n");
	put("c3.policy", "allow read /c3\n");
	assert_int_equal(policy_load(at("twice.policy"), &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(policy_nrules(p), 2);
	policy_free(p);
	policy_diags_free(&d);
}

static void
test_include_bad_files(void **state)
{
	static const struct {
		const char *line, *msg;
	} t[] = {
		{ "include missing.policy\n", "No such file" },
		{ "include sub2\n", "a folder, not a regular file" },
		{ "include /dev/zero\n", "a character device, not a regular file" },
		{ "include /dev/null\n", "a character device, not a regular file" },
		{ "include unreadable.policy\n", "cannot include" },
		{ "include fifo\n", "a FIFO (named pipe), not a regular file" },
	};
	struct policy_diags d = { 0 };
	struct policy *p;
	size_t i;

	(void)state;
	assert_int_equal(mkdir(at("sub2"), 0700), 0);
	put("unreadable.policy", "allow read /x\n");
	/* as root, mode 0 does not stop us; a folder in the way does */
	chmod(at("unreadable.policy"), 0);
	if (access(at("unreadable.policy"), R_OK) == 0) {
		unlink(at("unreadable.policy"));
		mkdir(at("unreadable.policy"), 0700);
	}
	/* a FIFO is refused, not read as an empty policy (no writer) nor
	 * waited on (a writer that never writes) */
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put("inc.policy", t[i].line);
		assert_int_equal(policy_load(at("inc.policy"), &p, &d), -1);
		assert_null(p);
		assert_int_equal(d.v[0].line, 1);
		assert_int_equal(d.v[0].col, 9);
		if (strstr(d.v[0].msg, t[i].msg) == NULL)
			fail_msg("%s: got %s", t[i].line, d.v[0].msg);
		policy_diags_free(&d);
	}
	/* the top-level file */
	assert_int_equal(policy_load(at("nothere.policy"), &p, &d), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(d.v[0].line, 0);
	assert_non_null(strstr(d.v[0].msg, "No such file"));
	policy_diags_free(&d);
	assert_int_equal(policy_load(dir, &p, &d), -1);
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(d.v[0].msg, "a folder, not a regular file"));
	policy_diags_free(&d);
	/* the top-level file a FIFO, with a writer that never writes: refused
	 * at once, nothing opened */
	{
		int wfd, rfd;

		rfd = open(at("fifo"), O_RDONLY | O_NONBLOCK);
		wfd = open(at("fifo"), O_WRONLY | O_NONBLOCK);
		assert_true(rfd >= 0 && wfd >= 0);
		assert_int_equal(policy_load(at("fifo"), &p, &d), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(d.v[0].line, 0);
		assert_non_null(strstr(d.v[0].msg, "a FIFO (named pipe), not a regular file"));
		policy_diags_free(&d);
		close(wfd);
		close(rfd);
	}
	assert_int_equal(policy_load("/dev/zero", &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "a character device"));
	policy_diags_free(&d);
	assert_int_equal(policy_load(at("nothere.policy"), &p, NULL), -1);
	assert_int_equal(errno, ENOENT);
	/* errors inside an included file name that file */
	put("inner.policy", "allow read /ok\nallow nope /x\n");
	put("outer.policy", "include inner.policy\n");
	assert_int_equal(policy_load(at("outer.policy"), &p, &d), -1);
	assert_string_equal(d.v[0].file, at("inner.policy"));
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 7);
	policy_diags_free(&d);
}

static void
test_file_too_large(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p;
	FILE *f;

	(void)state;
	f = fopen(at("huge.policy"), "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (off_t)POLICY_FILE_SIZE_MAX + 1), 0);
	fclose(f);
	put("inchuge.policy", "include huge.policy\n");
	assert_int_equal(policy_load(at("huge.policy"), &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "too large"));
	policy_diags_free(&d);
	assert_int_equal(policy_load(at("inchuge.policy"), &p, &d), -1);
	assert_non_null(strstr(d.v[0].msg, "too large"));
	assert_int_equal(d.v[0].line, 1);
	policy_diags_free(&d);
	unlink(at("huge.policy"));
}

/* ---- print, then parse again: the same decisions ---- */

static const char *rt_policy = "include @runtime\n"
			       "allow read,list /srv/in/**\n"
			       "deny read /srv/in/**/.secret*\n"
			       "allow write,create /srv/out/*.txt mode=0640\n"
			       "allow create,delete /srv/out/tmp-[0-9][0-9] mode=0600\n"
			       "allow read /srv/odd/a\\ b/\\*/[!x]?/\\[lit\\]\n"
			       "allow all /proc/self/fd/**\n"
			       "deny write /proc/self/fd/0\n"
			       "allow exec /usr/bin/tool\n"
			       "allow stat /\n"
			       "allow read /**/*.pub\n"
			       "deny all /**/.git/**\n"
			       "allow read /srv/\xc3\xa9t\xc3\xa9/?\n"
			       "allow create /srv/suid mode=04755\n"
			       "allow create /srv/zero mode=0\n";

static const char *rt_paths[] = { "/", "/srv", "/srv/in", "/srv/in/a", "/srv/in/x/.secret1",
	"/srv/in/x/.secre", "/srv/out/a.txt", "/srv/out/a.txt.gz", "/srv/out/tmp-42",
	"/srv/out/tmp-4x", "/srv/odd/a b/*/yz/[lit]", "/srv/odd/a b/*/xz/[lit]",
	"/srv/odd/a b/q/yz/[lit]", "/proc/77/fd/0", "/proc/77/fd/1", "/proc/78/fd/1",
	"/usr/bin/tool", "/home/u/.ssh/id.pub", "/home/u/.git/id.pub", "/srv/in/.git",
	"/srv/\xc3\xa9t\xc3\xa9/\xc3\xa9", "/srv/suid", "/srv/zero", "/dev/null",
	"/etc/ld.so.cache", "/etc/passwd" };

static void
same_decisions(const struct policy *a, const struct policy *b)
{
	struct policy_decision da, db;
	unsigned acc;
	size_t i;

	for (i = 0; i < sizeof(rt_paths) / sizeof(rt_paths[0]); i++) {
		for (acc = 1; acc <= POLICY_ALL; acc++) {
			assert_int_equal(policy_decide(a, rt_paths[i], acc, 77, &da), 0);
			assert_int_equal(policy_decide(b, rt_paths[i], acc, 77, &db), 0);
			if (da.allowed != db.allowed || da.exact != db.exact ||
			    da.create_mode != db.create_mode ||
			    (strcmp(da.rule, "default") == 0) != (strcmp(db.rule, "default") == 0))
				fail_msg("%s access %#x: %d %s vs %d %s", rt_paths[i], acc,
				    da.allowed, da.rule, db.allowed, db.rule);
		}
	}
}

static void
test_print_roundtrip(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *a, *b, *c;
	char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f;

	(void)state;
	assert_int_equal(policy_load_buffer("rt.policy", rt_policy, strlen(rt_policy), NULL, &a,
			     &d),
	    0);
	policy_diags_free(&d);
	/* through a real file */
	f = fopen(at("printed.policy"), "w");
	assert_non_null(f);
	assert_int_equal(policy_print(a, f), 0);
	fclose(f);
	if (policy_load(at("printed.policy"), &b, &d) == -1) {
		dump(&d);
		fail();
	}
	assert_int_equal(policy_nrules(a), policy_nrules(b));
	same_decisions(a, b);
	/* printing is stable: print(parse(print(x))) == print(x) but for the
	 * FILE:LINE comments, so compare without them */
	f = open_memstream(&buf, &len);
	assert_int_equal(policy_print(a, f), 0);
	fclose(f);
	f = open_memstream(&buf2, &len2);
	assert_int_equal(policy_print(b, f), 0);
	fclose(f);
	{
		char *s1 = buf, *s2 = buf2, *e1, *e2;

		while (*s1 && *s2) {
			e1 = strstr(s1, "\t# ");
			e2 = strstr(s2, "\t# ");
			assert_non_null(e1);
			assert_non_null(e2);
			assert_int_equal(e1 - s1, e2 - s2);
			assert_memory_equal(s1, s2, (size_t)(e1 - s1));
			s1 = strchr(e1, '\n') + 1;
			s2 = strchr(e2, '\n') + 1;
		}
		assert_true(*s1 == '\0' && *s2 == '\0');
	}
	/* from the buffer too */
	assert_int_equal(policy_load_buffer("p", buf, len, NULL, &c, &d), 0);
	same_decisions(a, c);
	policy_free(a);
	policy_free(b);
	policy_free(c);
	policy_diags_free(&d);
	free(buf);
	free(buf2);
	/* a stream error is reported */
	f = fopen("/dev/full", "w");
	if (f != NULL) {
		assert_int_equal(policy_load_buffer("x", "allow read /a\n", 14, NULL, &a, NULL), 0);
		setvbuf(f, NULL, _IONBF, 0);
		assert_int_equal(policy_print(a, f), -1);
		fclose(f);
		policy_free(a);
	}
}

/* ---- many threads, one policy ---- */

struct thr {
	const struct policy *p;
	int bad;
};

static void *
worker(void *arg)
{
	struct thr *t = arg;
	struct policy_decision d;
	char path[64];
	int i;

	for (i = 0; i < 20000; i++) {
		snprintf(path, sizeof(path), "/srv/t%d/f%d", i % 50, i);
		if (policy_decide(t->p, path, POLICY_READ, 0, &d) != 0 ||
		    d.allowed != (i % 50 != 7))
			t->bad++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct policy *p;
	struct thr t[4];
	pthread_t th[4];
	const char *text = "allow read /srv/**\ndeny read /srv/t7/**\n";
	int i;

	(void)state;
	assert_int_equal(policy_load_buffer("th", text, strlen(text), NULL, &p, NULL), 0);
	for (i = 0; i < 4; i++) {
		t[i].p = p;
		t[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].bad, 0);
	}
	policy_free(p);
}

/* Fuzz findings live on as regression inputs here. */
static void
test_fuzz_regressions(void **state)
{
	static const char *inputs[] = {
		"allow read /[\\",
		"allow read /a/[]\n",
		"allow read /**/**/**\n",
		"allow read /proc/self\ndeny read /proc/**\n",
		"deny all /**\nallow all /**\n",
		"allow read /[!]-]\n",
		"allow read /\\\xff\n",
		"allow read /[\xc3]\n",
		"include\tinclude\n",
		"allow read /a mode=07777777777777777777777777777\n",
		"#\n\\",
	};
	struct policy_decision dec;
	struct policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		if (policy_load_buffer("f", inputs[i], strlen(inputs[i]), "/nonexistent", &p,
			NULL) == 0) {
			policy_decide(p, "/a/b", POLICY_READ, 1, &dec);
			policy_decide(p, "/", POLICY_ALL, 1, &dec);
			policy_free(p);
		}
	}
}

/* One format for every command that prints diagnostics: no ":0:0" for a
 * message about the whole file, no ":0" for an unknown column. */
static void
test_diag_format(void **state)
{
	struct policy_diag g;
	char buf[POLICY_DIAG_LINE_MAX], small[12];

	(void)state;
	memset(&g, 0, sizeof(g));
	g.severity = POLICY_ERROR;
	snprintf(g.file, sizeof(g.file), "/etc/p");
	snprintf(g.msg, sizeof(g.msg), "No such file or directory");
	assert_string_equal(policy_diag_format(&g, buf, sizeof(buf)),
	    "/etc/p: error: No such file or directory");
	g.line = 7;
	g.severity = POLICY_WARNING;
	snprintf(g.msg, sizeof(g.msg), "duplicate");
	assert_string_equal(policy_diag_format(&g, buf, sizeof(buf)),
	    "/etc/p:7: warning: duplicate");
	g.col = 3;
	assert_string_equal(policy_diag_format(&g, buf, sizeof(buf)),
	    "/etc/p:7:3: warning: duplicate");
	/* Cut, and terminated. */
	assert_string_equal(policy_diag_format(&g, small, sizeof(small)), "/etc/p:7:3:");
	/* The longest file and message fit. */
	memset(g.file, 'f', sizeof(g.file) - 1);
	g.file[sizeof(g.file) - 1] = '\0';
	memset(g.msg, 'm', sizeof(g.msg) - 1);
	g.msg[sizeof(g.msg) - 1] = '\0';
	g.line = g.col = 2147483647;
	g.severity = POLICY_WARNING;
	policy_diag_format(&g, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(g.file) - 1 + sizeof(g.msg) - 1 + 33);
}

/* A file check that refuses every file whose name holds "bad", and counts
 * and remembers what it saw. */
static int nchecked;
static char checked[4][256];

static int
refuse_bad(const char *path, const struct stat *st, char *why, size_t size, void *arg)
{
	(void)arg;
	assert_true(S_ISREG(st->st_mode));
	if (nchecked < 4)
		snprintf(checked[nchecked], sizeof(checked[0]), "%s", path);
	nchecked++;
	if (strstr(path, "bad") == NULL)
		return 0;
	snprintf(why, size, "%s is bad; fix: rename it", path);
	return -1;
}

/* policy_load_opts(): the caller's check of every file read, the policy
 * and each include; an error, or a warning with warn_only. */
static void
test_file_check(void **state)
{
	struct policy_load_opts opts = { refuse_bad, NULL, 0 };
	struct policy_diags d = { 0 };
	struct policy *p;
	char want[512];

	(void)state;
	put("good.policy", "allow read /a\ninclude bad.rules\n");
	put("bad.rules", "allow read /b\n");
	put("fine.policy", "allow read /a\ninclude fine.rules\n");
	put("fine.rules", "allow read /b\n");
	nchecked = 0;
	assert_int_equal(policy_load_opts(at("fine.policy"), &opts, &p, &d), 0);
	assert_int_equal(nchecked, 2);
	assert_string_equal(checked[0], at("fine.policy"));
	assert_string_equal(checked[1], at("fine.rules"));
	assert_int_equal(d.n, 0);
	policy_free(p);

	/* an include refused: an error at its include line */
	nchecked = 0;
	assert_int_equal(policy_load_opts(at("good.policy"), &opts, &p, &d), -1);
	assert_null(p);
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].file, at("good.policy"));
	assert_int_equal(d.v[0].line, 2);
	snprintf(want, sizeof(want), "include %s: %s is bad; fix: rename it", at("bad.rules"),
	    at("bad.rules"));
	assert_string_equal(d.v[0].msg, want);
	policy_diags_free(&d);

	/* the policy itself: about the whole file */
	put("bad.policy", "allow read /a\n");
	assert_int_equal(policy_load_opts(at("bad.policy"), &opts, &p, &d), -1);
	assert_int_equal(d.v[0].line, 0);
	assert_string_equal(d.v[0].file, at("bad.policy"));
	policy_diags_free(&d);

	/* warn_only: loaded, with a warning */
	opts.warn_only = 1;
	assert_int_equal(policy_load_opts(at("good.policy"), &opts, &p, &d), 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].severity, POLICY_WARNING);
	policy_diags_free(&d);
	policy_free(p);

	/* from a buffer: its includes are checked */
	opts.warn_only = 0;
	assert_int_equal(policy_load_buffer_opts("(text)", "include bad.rules\n", 18, dir, &opts,
			     &p, &d),
	    -1);
	assert_string_equal(d.v[0].file, "(text)");
	policy_diags_free(&d);
}

/* A rule check that says every literal part under /link. */
static int
say_link(const struct policy *p, const char *prefix, unsigned access, int allow, char *why,
    size_t size, void *arg)
{
	struct policy_decision d;

	/* the policy as loaded decides */
	assert_int_equal(policy_decide(p, "/a/b", POLICY_READ, 0, &d), 0);
	assert_true(d.allowed);
	assert_true(access != 0);
	assert_int_equal(allow, strcmp(prefix, "/link/x") != 0);
	(*(int *)arg)++;
	if (strncmp(prefix, "/link", 5) != 0)
		return 0;
	snprintf(why, size, "%s leads through /link", prefix);
	return -1;
}

/* policy_load_opts.rule_check: each rule written, by its literal part,
 * a warning at its place; not the built-in profiles' rules. */
static void
test_rule_check(void **state)
{
	struct policy_load_opts opts = { 0 };
	struct policy_diags d = { 0 };
	struct policy *p;
	int n = 0;

	(void)state;
	opts.rule_check = say_link;
	opts.arg = &n;
	put("links.policy",
	    "include @runtime\nallow read /a/b\ndeny read /link/x/*.key\n"
	    "allow read,list /link/**\n");
	assert_int_equal(policy_load_opts(at("links.policy"), &opts, &p, &d), 0);
	assert_int_equal(n, 3);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].severity, POLICY_WARNING);
	assert_int_equal(d.v[0].line, 3);
	assert_string_equal(d.v[0].msg, "/link/x leads through /link");
	assert_int_equal(d.v[1].line, 4);
	assert_string_equal(d.v[1].msg, "/link leads through /link");
	policy_diags_free(&d);
	policy_free(p);
}

/* policy_load_opts.extras: the caller's rules, first, each named by its
 * name alone; printed by policy_print(), left out by policy_print_own(). */
static void
test_extras(void **state)
{
	const struct policy_extra ex[] = { { "@command", "allow read /usr/bin/7z\n" },
		{ "@other", "allow read /x\nallow stat /y\n" } };
	struct policy_load_opts opts = { 0 };
	struct policy_diags d = { 0 };
	struct policy_decision dec;
	struct policy *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	opts.extras = ex;
	opts.nextras = 2;
	put("own.policy", "allow read /a\ndeny read /x\n");
	assert_int_equal(policy_load_opts(at("own.policy"), &opts, &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(policy_decide(p, "/usr/bin/7z", POLICY_READ, 0, &dec), 0);
	assert_true(dec.allowed);
	assert_string_equal(dec.rule, "@command");
	assert_int_equal(policy_decide(p, "/y", POLICY_STAT, 0, &dec), 0);
	assert_string_equal(dec.rule, "@other");
	/* a deny of the policy's still wins */
	assert_int_equal(policy_decide(p, "/x", POLICY_READ, 0, &dec), 0);
	assert_false(dec.allowed);
	assert_int_equal(policy_nrules(p), 5);
	/* printed: all; the policy's own: its own lines only */
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "allow read /usr/bin/7z\t# @command\n"));
	free(buf);
	buf = NULL;
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(policy_print_own(p, f), 0);
	fclose(f);
	assert_null(strstr(buf, "@command"));
	assert_null(strstr(buf, "@other"));
	assert_non_null(strstr(buf, "allow read /a"));
	free(buf);
	policy_free(p);

	/* an error in an extra text is one of the load, named by it */
	const struct policy_extra bad[] = { { "@command", "allow reed /z\n" } };
	opts.extras = bad;
	opts.nextras = 1;
	assert_int_equal(policy_load_opts(at("own.policy"), &opts, &p, &d), -1);
	assert_string_equal(d.v[0].file, "@command");
	policy_diags_free(&d);
	/* a name that is not one */
	const struct policy_extra noname[] = { { "command", "allow read /z\n" } };
	opts.extras = noname;
	assert_int_equal(policy_load_buffer_opts("(text)", "allow read /a\n", 14, NULL, &opts, &p,
			     &d),
	    -1);
	policy_diags_free(&d);
}

static int
count_file(const char *name, void *arg)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

/* Extra rules (run's private temporary folder): read first, common to
 * every profile, named by their name alone, not a file, printed. */
static void
test_extra_rules(void **state)
{
	struct policy_extra ex = { "@tmp",
		"allow read,write,create,delete,list /tmp/fb.x/** mode=0700\n"
		"deny delete /tmp/fb.x\n" };
	struct policy_load_opts opts = { 0 };
	struct policy_decision d;
	struct policy_diags dg = { 0 };
	const struct policy *view;
	struct policy *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int nfiles = 0;

	(void)state;
	opts.extras = &ex;
	opts.nextras = 1;
	put("extra.policy", "allow read /tmp/fb.x/**\nprofile any\nallow read /a\n");
	assert_int_equal(policy_load_opts(at("extra.policy"), &opts, &p, &dg), 0);
	assert_int_equal(dg.nerrors, 0);
	policy_diags_free(&dg);
	/* first in file order: it names what it allows */
	assert_int_equal(policy_decide(p, "/tmp/fb.x/a", POLICY_WRITE | POLICY_CREATE, 0, &d), 0);
	assert_true(d.allowed);
	assert_string_equal(d.rule, "@tmp");
	assert_int_equal(d.create_mode, 0700);
	assert_int_equal(policy_decide(p, "/tmp/fb.x", POLICY_DELETE, 0, &d), 0);
	assert_false(d.allowed);
	assert_string_equal(d.rule, "@tmp");
	/* its folders above may be seen */
	assert_int_equal(policy_decide(p, "/tmp", POLICY_STAT, 0, &d), 0);
	assert_true(d.allowed);
	assert_string_equal(d.rule, "@ancestor of @tmp");
	/* a common rule: the profile has it too */
	assert_int_equal(policy_select(p, 1000, NULL, 0, &view, NULL), 0);
	assert_int_equal(policy_decide(view, "/tmp/fb.x/a", POLICY_WRITE, 0, &d), 0);
	assert_true(d.allowed);
	/* not a file */
	assert_int_equal(policy_foreach_file(p, count_file, &nfiles), 0);
	assert_int_equal(nfiles, 1);
	/* printed with its name */
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	assert_non_null(strstr(buf,
	    "allow read,write,create,delete,list /tmp/fb.x/** mode=0700\t# @tmp\n"
	    "deny  delete /tmp/fb.x\t# @tmp\n"));
	free(buf);
	policy_free(p);

	/* from a buffer too */
	assert_int_equal(policy_load_buffer_opts("(text)", "", 0, NULL, &opts, &p, &dg), 0);
	assert_int_equal(policy_nrules(p), 2);
	policy_free(p);

	/* an error in them names them */
	ex.text = "allow bogus /x\n";
	assert_int_equal(policy_load_buffer_opts("(text)", "", 0, NULL, &opts, &p, &dg), -1);
	assert_string_equal(dg.v[0].file, "@tmp");
	policy_diags_free(&dg);
	/* a name that could be a file's is refused */
	ex.name = "tmp";
	ex.text = "allow read /x\n";
	assert_int_equal(policy_load_buffer_opts("(text)", "", 0, NULL, &opts, &p, &dg), -1);
	policy_diags_free(&dg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_include_relative),
		cmocka_unit_test(test_absolute_names),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_include_cycle),
		cmocka_unit_test(test_include_bad_files),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_print_roundtrip),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_file_check),
		cmocka_unit_test(test_rule_check),
		cmocka_unit_test(test_extras),
		cmocka_unit_test(test_extra_rules),
	};

	return cmocka_run_group_tests_name("policy_load", tests, setup, teardown);
}
