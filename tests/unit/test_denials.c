/*
 * test_denials.c: one denial line per distinct denial (broker/core/denials.c).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "denials.h"
#include "policy.h"
#include "unit.h"

static struct audit_event
event(void)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.pid = 100;
	ev.tid = 100;
	ev.mode = "transparent";
	ev.op = "open";
	ev.path = "/etc/passwd";
	ev.canon = "/etc/passwd";
	ev.access = POLICY_READ;
	ev.rule = "default";
	return ev;
}

static void
repeats_counted(void **state)
{
	struct denials *d = NULL;
	struct audit_event ev = event();

	(void)state;
	assert_int_equal(denials_repeats(d), 0);
	assert_int_equal(denials_first(&d, &ev), 1);
	assert_non_null(d);
	assert_int_equal(denials_first(&d, &ev), 0);
	/* Another process or thread of the worker: the same line. */
	ev.pid = 101;
	ev.tid = 102;
	ev.duration_ns = 99;
	assert_int_equal(denials_first(&d, &ev), 0);
	assert_int_equal(denials_repeats(d), 2);
	denials_free(d);
}

/* Each process of a program resolves /proc/self to its own pid: the same
 * denial for all of them.  Another process's /proc/PID is not. */
static void
proc_self_of_each_process(void **state)
{
	struct denials *d = NULL;
	struct audit_event ev = event();

	(void)state;
	ev.path = "/proc/self/exe";
	ev.pid = ev.tid = 100;
	ev.canon = "/proc/100/exe";
	assert_int_equal(denials_first(&d, &ev), 1);
	ev.pid = ev.tid = 200;
	ev.canon = "/proc/200/exe";
	assert_int_equal(denials_first(&d, &ev), 0);
	/* "/proc/100" is a prefix of "/proc/1000/exe": not the same. */
	ev.pid = ev.tid = 100;
	ev.canon = "/proc/1000/exe";
	assert_int_equal(denials_first(&d, &ev), 1);
	/* The thread's own task folder is /proc/thread-self. */
	ev.path = "/proc/thread-self/comm";
	ev.pid = 100, ev.tid = 101;
	ev.canon = "/proc/100/task/101/comm";
	assert_int_equal(denials_first(&d, &ev), 1);
	ev.pid = 300, ev.tid = 305;
	ev.canon = "/proc/300/task/305/comm";
	assert_int_equal(denials_first(&d, &ev), 0);
	/* Another thread's task folder is only the process's. */
	ev.canon = "/proc/300/task/306/comm";
	assert_int_equal(denials_first(&d, &ev), 1);
	/* /proc/PID itself. */
	ev.path = "/proc/self";
	ev.canon = "/proc/300";
	assert_int_equal(denials_first(&d, &ev), 1);
	ev.pid = ev.tid = 400;
	ev.canon = "/proc/400";
	assert_int_equal(denials_first(&d, &ev), 0);
	/* In the worker's PID namespace its /proc numbers it by nspid: the
	 * host's pid is not in the canonical path. */
	ev.path = "/proc/self/exe";
	ev.pid = ev.tid = 28626;
	ev.nspid = ev.nstid = 2;
	ev.canon = "/proc/2/exe";
	assert_int_equal(denials_first(&d, &ev), 0);
	ev.pid = ev.tid = 28700;
	ev.nspid = ev.nstid = 3;
	ev.canon = "/proc/3/exe";
	assert_int_equal(denials_first(&d, &ev), 0);
	assert_int_equal(denials_repeats(d), 5);
	denials_free(d);
}

/* A line is per path as shown, access, rule and would-deny: not per
 * operation or name asked. */
static void
folded_by_path(void **state)
{
	struct denials *d = NULL;
	struct audit_event ev = event(), e;
	struct denials_count c;

	(void)state;
	assert_int_equal(denials_first(&d, &ev), 1);
	/* Another operation on it, another name of it: folded. */
	e = ev, e.op = "stat";
	assert_int_equal(denials_first(&d, &e), 0);
	e = ev, e.path = "/etc/../etc/passwd";
	assert_int_equal(denials_first(&d, &e), 0);
	/* What is shown differs: a line of its own. */
	e = ev, e.path2 = "/x";
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.path2 = "";
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.canon = NULL;
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.path2 = "/x", e.canon2 = "/y";
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.access = POLICY_READ | POLICY_WRITE;
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.rule = "p.policy:3";
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.waived = 1;
	assert_int_equal(denials_first(&d, &e), 1);
	/* Where it led hidden: told apart by the name asked, so that two
	 * names leading to one hidden place do not share a line (which
	 * would tell the worker they are one). */
	e = ev, e.path = "/tmp/l1", e.canon = "/secret", e.canon_hidden = 1;
	assert_int_equal(denials_first(&d, &e), 1);
	e.path = "/tmp/l2";
	assert_int_equal(denials_first(&d, &e), 1);
	e.path = "/tmp/l1";
	assert_int_equal(denials_first(&d, &e), 0);
	/* A path and the next field are not run together: "ab" + "c" is
	 * not "a" + "bc". */
	e = ev, e.canon = "/ab", e.path2 = "c", e.canon2 = NULL;
	assert_int_equal(denials_first(&d, &e), 1);
	e = ev, e.canon = "/a", e.path2 = "bc", e.canon2 = NULL;
	assert_int_equal(denials_first(&d, &e), 1);
	denials_count(d, &c);
	assert_int_equal(c.refused, 14);
	assert_int_equal(c.waived, 1);
	/* /etc/passwd, canon NULL (its name), /secret by l1 and l2, /ab, /a */
	assert_int_equal(c.paths, 6);
	assert_int_equal(c.probes, 0);
	assert_int_equal(denials_repeats(d), 3);
	denials_free(d);
}

static void
full_table_prints(void **state)
{
	struct denials *d = NULL;
	struct audit_event ev = event();
	char path[32];
	size_t i, kept = 0;

	(void)state;
	for (i = 0; i < DENIALS_KEYS; i++) {
		snprintf(path, sizeof(path), "/f%zu", i);
		ev.path = ev.canon = path;
		assert_int_equal(denials_first(&d, &ev), 1);
	}
	/* Asked again: the ones kept are repeats, the rest print again. */
	for (i = 0; i < DENIALS_KEYS; i++) {
		snprintf(path, sizeof(path), "/f%zu", i);
		ev.path = ev.canon = path;
		kept += denials_first(&d, &ev) == 0;
	}
	assert_int_equal(kept, DENIALS_KEYS / 4 * 3);
	assert_int_equal(denials_repeats(d), DENIALS_KEYS / 4 * 3);
	denials_free(d);
}

/* What denials_summary() writes on fd 2. */
static char *
summary_of(const struct denials *d, const char *who, int recorded)
{
	static char buf[512];
	struct unit_capture c;

	unit_stderr_begin(&c);
	denials_summary(d, who, recorded);
	return unit_stderr_end(&c, buf, sizeof(buf));
}

static void
summary_says_how_many(void **state)
{
	struct denials *d = NULL;
	struct audit_event ev = event(), e;
	int i;

	(void)state;
	assert_string_equal(summary_of(NULL, "", 0), "");
	assert_int_equal(denials_first(&d, &ev), 1);
	assert_string_equal(summary_of(d, "", 0),
	    "filebroker: 1 request denied, 1 distinct path; each line above is printed once; "
	    "--audit FILE records every request\n");
	for (i = 0; i < 40; i++)
		denials_first(&d, &ev);
	e = ev, e.op = "stat", e.path = e.canon = "/etc/x", e.access = POLICY_STAT;
	denials_first(&d, &e);
	assert_string_equal(summary_of(d, "peer 3 (uid=1000 pid=42)", 0),
	    "filebroker: peer 3 (uid=1000 pid=42): 42 requests denied, 2 distinct paths (1 of "
	    "them a probe); each line above is printed once; --audit FILE records every "
	    "request\n");
	assert_string_equal(summary_of(d, "", 1),
	    "filebroker: 42 requests denied, 2 distinct paths (1 of them a probe); the audit "
	    "records each\n");
	denials_free(d);

	/* -q, and complain mode. */
	d = denials_new(DENIALS_QUIET, NULL);
	ev.waived = 1;
	assert_int_equal(denials_first(&d, &ev), 1);
	assert_string_equal(summary_of(d, "", 0),
	    "filebroker: 1 request would be denied (1 let through by --complain), 1 distinct "
	    "path; -q kept their lines off; --audit FILE records every request\n");
	ev.waived = 0;
	denials_first(&d, &ev);
	assert_string_equal(summary_of(d, "", 0),
	    "filebroker: 1 request denied and 1 let through by --complain, 1 distinct path; -q "
	    "kept their lines off; --audit FILE records every request\n");
	denials_free(d);
}

#define NTHREADS 4
#define PER_THREAD 2000

static struct denials *shared;
static int firsts;

static void *
hammer(void *arg)
{
	struct audit_event ev = event();
	int i, mine = 0;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++)
		mine += denials_first(&shared, &ev);
	__atomic_add_fetch(&firsts, mine, __ATOMIC_RELAXED);
	return NULL;
}

/* Threads of one daemon session share the table, made by whichever
 * denial comes first: exactly one line, every other counted. */
static void
threads_share_one_table(void **state)
{
	pthread_t th[NTHREADS];
	int i;

	(void)state;
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(firsts, 1);
	assert_int_equal(denials_repeats(shared), NTHREADS * PER_THREAD - 1);
	denials_free(shared);
}

/* The reference implementation's vectors: key 00..0f, message 00..len-1. */
static void
siphash_vectors(void **state)
{
	unsigned char m[64];
	int i;

	(void)state;
	for (i = 0; i < 64; i++)
		m[i] = (unsigned char)i;
	assert_int_equal(denials_siphash(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, m, 0),
	    0x726fdb47dd0e0e31ULL);
	assert_int_equal(denials_siphash(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, m, 15),
	    0xa129ca6149be45e5ULL);
	assert_int_equal(denials_siphash(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, m, 16),
	    0x3f2acc7f57c29bdbULL);
	/* Another key, another hash. */
	assert_true(denials_siphash(1, 2, m, 15) != denials_siphash(1, 3, m, 15));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repeats_counted),
		cmocka_unit_test(proc_self_of_each_process),
		cmocka_unit_test(folded_by_path),
		cmocka_unit_test(full_table_prints),
		cmocka_unit_test(summary_says_how_many),
		cmocka_unit_test(threads_share_one_table),
		cmocka_unit_test(siphash_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
