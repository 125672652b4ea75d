/*
 * bench_policy.c: how fast policy_decide() is, and that its cost does not
 * grow with the number of rules.
 *
 *	cc -O2 -Ipolicy tests/bench/bench_policy.c build/libpolicy.a -o bp && ./bp
 *
 * Two policies decide the same 8-component paths: one with the single rule
 * that covers them, and one with that rule among 10,000 generated ones (a
 * realistic mix over 500 project trees: literal files, `*` components,
 * `**` trees and denies, several of them in the very folders the paths go
 * through, so the hash tables there are large).  Runs alternate between the
 * two and the best of several is kept, to keep noise out of the ratio.
 * Targets: ratio <= 1.10 and >= 1,000,000 decisions/s on one core.
 *
 * With --json (as `make bench` runs it) a last line repeats the figures as
 * one JSON object for scripts/bench_driver.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

#define NPATHS 1024
#define NRULES 10000
#define ITER 2000000
#define ROUNDS 7

static char paths[NPATHS][128];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct policy *
load(const char *name, const char *text)
{
	struct policy_diags d = { 0 };
	struct policy *p;

	if (policy_load_buffer(name, text, strlen(text), NULL, &p, &d) == -1) {
		fprintf(stderr, "bench: %s does not load: %s:%d:%d: %s\n", name,
		    d.n ? d.v[0].file : "", d.n ? d.v[0].line : 0, d.n ? d.v[0].col : 0,
		    d.n ? d.v[0].msg : "");
		exit(1);
	}
	policy_diags_free(&d);
	return p;
}

/* 10,000 rules, the one the paths need among them. */
static char *
gen_policy(void)
{
	size_t cap = NRULES * 96, n = 0;
	char *t = malloc(cap);
	int i, proj, k = 0;

	if (t == NULL)
		exit(1);
#define ADD(...) (n += (size_t)snprintf(t + n, cap - n, __VA_ARGS__), k++)
	ADD("allow read /srv/proj42/data/**\n");
	for (i = 0; k < NRULES; i++) {
		proj = i % 500;
		switch (i % 10) {
		case 0:
		case 1:
		case 2:
		case 3: /* literal files, some right beside the benchmark's paths */
			ADD("allow read,write /srv/proj%d/data/f%d/g%d/file%d.txt\n", proj, i,
			    i % 7, i);
			break;
		case 4:
			ADD("allow read /home/user%d/.config/app%d/settings.json\n", proj, i);
			break;
		case 5: /* single-component wildcards */
			ADD("allow read /srv/proj%d/src%d/*.c\n", proj, i);
			break;
		case 6:
			ADD("allow read,list /srv/proj%d/logs/%d/*/[0-9][0-9]*.log\n", proj, i);
			break;
		case 7: /* trees */
			ADD("allow read,write,create /srv/proj%d/out%d/** mode=0640\n", proj, i);
			break;
		case 8: /* denies */
			ADD("deny write /srv/proj%d/data/ro%d/**\n", proj, i);
			break;
		default:
			ADD("deny read /home/user%d/.ssh%d/**\n", proj, i);
			break;
		}
	}
#undef ADD
	return t;
}

static double
run(const struct policy *p, long *allowed)
{
	struct policy_decision d;
	double t0;
	long i, a = 0;

	t0 = now();
	for (i = 0; i < ITER; i++) {
		policy_decide(p, paths[i & (NPATHS - 1)], POLICY_READ, 0, &d);
		a += d.allowed;
	}
	*allowed = a;
	return now() - t0;
}

int
main(int argc, char **argv)
{
	struct policy *one, *many;
	double t1 = 1e9, tm = 1e9, t, tload;
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;
	long a1, am;
	char *text;
	int i, r;

	for (i = 0; i < NPATHS; i++)
		snprintf(paths[i], sizeof(paths[i]), "/srv/proj42/data/d%d/e%d/f%d/g%d/h%d.txt",
		    i % 13, i % 17, i, i % 7, i);
	one = load("one.policy", "allow read /srv/proj42/data/**\n");
	text = gen_policy();
	t = now();
	many = load("many.policy", text);
	tload = now() - t;
	printf("policy: %zu rules loaded in %.1f ms\n", policy_nrules(many), tload * 1e3);
	free(text);
	for (r = 0; r < ROUNDS; r++) {
		if ((t = run(one, &a1)) < t1)
			t1 = t;
		if ((t = run(many, &am)) < tm)
			tm = t;
	}
	if (a1 != ITER || am != ITER) {
		fprintf(stderr, "bench: wrong decisions (%ld, %ld of %d allowed)\n", a1, am, ITER);
		return 1;
	}
	printf("1 rule:       %10.0f decisions/s  (%.0f ns each)\n", ITER / t1, t1 / ITER * 1e9);
	printf("%d rules: %10.0f decisions/s  (%.0f ns each)\n", NRULES, ITER / tm,
	    tm / ITER * 1e9);
	printf("ratio:        %.3f  (target <= 1.10)\n", tm / t1);
	if (json)
		printf("{\"figure\":\"policy_decide\",\"rules\":%zu,\"load_ms\":%.2f,"
		       "\"ns_1_rule\":%.1f,\"ns_many_rules\":%.1f,\"ratio\":%.4f,"
		       "\"iters\":%d,\"rounds\":%d,\"statistic\":\"best of rounds\"}\n",
		    policy_nrules(many), tload * 1e3, t1 / ITER * 1e9, tm / ITER * 1e9, tm / t1,
		    ITER, ROUNDS);
	policy_free(one);
	policy_free(many);
	return 0;
}
