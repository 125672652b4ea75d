/*
 * cmd_audit.c: `filebroker audit`, a summary of audit records a person
 * reads at a glance: how many requests and decisions, the paths most often
 * denied, the rules that decide most, the requests of each worker.
 *
 * It streams: records are read one line at a time (audit_read_stream) and
 * counted in fixed-size tables, so a log of any size is summarised in
 * constant memory.  Each table is a Space-Saving top-k (Metwally, Agrawal,
 * El Abbadi, 2005): TOP_CAP counters; a new key when all are taken replaces
 * the smallest, inheriting its count as an error bound.  Counts are exact
 * while a table has seen at most TOP_CAP distinct keys; beyond that a count
 * may overstate the truth by at most its error (shown with "~"), and every
 * key whose true count exceeds records/TOP_CAP is guaranteed to be listed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_files.h"
#include "audit_read.h"
#include "cmds.h"
#include "log.h"
#include "out.h"

#define TOP_CAP 1024	   /* counters per table */
#define TOP_SLOTS 4096	   /* hash slots, a power of two > 2 * TOP_CAP */
#define TOP_KEY_MAX 4096   /* longer keys are cut (paths are shorter) */

struct topent {
	char *key;
	uint64_t count, err, denied;
	size_t hpos; /* where in the heap */
	size_t slot; /* where in the hash */
};

struct top {
	const char *title;
	struct topent e[TOP_CAP];
	size_t heap[TOP_CAP]; /* entry indexes, a min-heap by count */
	uint32_t slots[TOP_SLOTS]; /* entry index + 1, or 0 */
	size_t n;
	uint64_t evicted;
};

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
heap_swap(struct top *t, size_t a, size_t b)
{
	size_t x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->e[t->heap[a]].hpos = a;
	t->e[t->heap[b]].hpos = b;
}

static void
sift_up(struct top *t, size_t i)
{
	while (i > 0 && t->e[t->heap[(i - 1) / 2]].count > t->e[t->heap[i]].count) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
sift_down(struct top *t, size_t i)
{
	size_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < t->n && t->e[t->heap[l]].count < t->e[t->heap[m]].count)
			m = l;
		if (l + 1 < t->n && t->e[t->heap[l + 1]].count < t->e[t->heap[m]].count)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
find_slot(const struct top *t, const char *key)
{
	size_t s = hash(key) & (TOP_SLOTS - 1);

	while (t->slots[s] != 0 && strcmp(t->e[t->slots[s] - 1].key, key) != 0)
		s = (s + 1) & (TOP_SLOTS - 1);
	return s;
}

/* Linear probing deletion by backward shift: no tombstones to pile up. */
static void
slot_delete(struct top *t, size_t s)
{
	size_t j = s, home;

	t->slots[s] = 0;
	for (;;) {
		j = (j + 1) & (TOP_SLOTS - 1);
		if (t->slots[j] == 0)
			return;
		home = hash(t->e[t->slots[j] - 1].key) & (TOP_SLOTS - 1);
		/* Move j back to s unless its home lies cyclically in (s, j]. */
		if ((s < j) ? (home <= s || home > j) : (home <= s && home > j)) {
			t->slots[s] = t->slots[j];
			t->e[t->slots[s] - 1].slot = s;
			t->slots[j] = 0;
			s = j;
		}
	}
}

static void
top_add(struct top *t, const char *key, int denied)
{
	struct topent *e;
	size_t s, i;
	char *k;

	s = find_slot(t, key);
	if (t->slots[s] != 0) {
		e = &t->e[t->slots[s] - 1];
		e->count++;
		e->denied += denied != 0;
		sift_down(t, e->hpos);
		return;
	}
	if ((k = strndup(key, TOP_KEY_MAX)) == NULL)
		fatal("audit: memory");
	if (t->n < TOP_CAP) {
		i = t->n++;
		e = &t->e[i];
		e->key = k;
		e->count = 1;
		e->err = 0;
		e->denied = denied != 0;
		e->hpos = i;
		t->heap[i] = i;
		s = find_slot(t, k);
		t->slots[s] = (uint32_t)i + 1;
		e->slot = s;
		sift_up(t, i);
		return;
	}
	/* Full: the smallest counter takes the new key. */
	i = t->heap[0];
	e = &t->e[i];
	slot_delete(t, e->slot);
	free(e->key);
	e->key = k;
	e->err = e->count;
	e->count++;
	e->denied = denied != 0; /* only since it came back */
	s = find_slot(t, k);
	t->slots[s] = (uint32_t)i + 1;
	e->slot = s;
	sift_down(t, 0);
	t->evicted++;
}

static void
top_free(struct top *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].key);
}

static int
by_count(const void *a, const void *b)
{
	const struct topent *x = *(const struct topent *const *)a;
	const struct topent *y = *(const struct topent *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* The entries, largest first; the caller frees the array. */
static const struct topent **
top_sorted(const struct top *t)
{
	const struct topent **v;
	size_t i;

	if ((v = calloc(t->n + 1, sizeof(*v))) == NULL)
		fatal("audit: memory");
	for (i = 0; i < t->n; i++)
		v[i] = &t->e[i];
	qsort(v, t->n, sizeof(*v), by_count);
	return v;
}

enum by { BY_NONE, BY_RULE, BY_PATH, BY_PID, BY_USER };

struct summary {
	/* filters */
	int denied_only;
	int has_since, has_until;
	struct timespec since, until;
	enum by by;
	/* counts */
	uint64_t n, decisions[4], complain, filtered;
	int has_range;
	struct timespec first, last;
	struct top *paths, *rules, *pids; /* default view; or paths alone for --by */
};

static int
is_denied(const struct audit_rec *r)
{
	return r->decision == AUDIT_DENY || r->decision == AUDIT_WOULD_DENY;
}

static int
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static const char *
rec_path(const struct audit_rec *r)
{
	if (r->canon != NULL)
		return r->canon;
	return r->path != NULL ? r->path : "(none)";
}

static int
count_one(const struct audit_rec *r, void *arg)
{
	struct summary *s = arg;
	char key[64];
	const char *k = NULL;
	int d = is_denied(r);

	if ((s->has_since || s->has_until) &&
	    (!r->has_time || (s->has_since && ts_before(&r->when, &s->since)) ||
		(s->has_until && !ts_before(&r->when, &s->until)))) {
		s->filtered++;
		return 0;
	}
	if (s->denied_only && !d) {
		s->filtered++;
		return 0;
	}
	s->n++;
	s->decisions[r->decision]++;
	s->complain += r->complain != 0;
	if (r->has_time) {
		if (!s->has_range || ts_before(&r->when, &s->first))
			s->first = r->when;
		if (!s->has_range || ts_before(&s->last, &r->when))
			s->last = r->when;
		s->has_range = 1;
	}
	switch (s->by) {
	case BY_NONE:
		if (d)
			top_add(s->paths, rec_path(r), 1);
		if (r->rule != NULL)
			top_add(s->rules, r->rule, d);
		snprintf(key, sizeof(key), "%" PRId64, r->pid);
		top_add(s->pids, key, d);
		return 0;
	case BY_RULE:
		k = r->rule != NULL ? r->rule : "(no decision)";
		break;
	case BY_PATH:
		k = rec_path(r);
		break;
	case BY_PID:
		snprintf(key, sizeof(key), "%" PRId64, r->pid);
		k = key;
		break;
	case BY_USER:
		snprintf(key, sizeof(key), "%" PRId64, r->uid);
		k = key;
		break;
	}
	top_add(s->paths, k, d);
	return 0;
}

static void
put_time(FILE *f, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	if (gmtime_r(&t, &tm) == NULL) {
		fputs("?", f);
		return;
	}
	fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *
user_name(const char *uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid((uid_t)strtoul(uid, NULL, 10));

	snprintf(buf, size, "%s (%s)", uid, pw != NULL ? pw->pw_name : "?");
	return buf;
}

static void
print_table(const struct top *t, size_t rows, int show_denied, int users)
{
	const struct topent **v = top_sorted(t);
	char name[128];
	size_t i;

	printf("%s:\n", t->title);
	if (t->n == 0)
		printf("  (none)\n");
	for (i = 0; i < t->n && i < rows; i++) {
		printf("  %s%9" PRIu64, v[i]->err > 0 ? "~" : " ", v[i]->count);
		if (show_denied)
			printf("  %9" PRIu64, v[i]->denied);
		printf("  ");
		out_text(stdout, users ? user_name(v[i]->key, name, sizeof(name)) : v[i]->key);
		putchar('\n');
	}
	if (t->n > rows)
		printf("  ... %zu%s more\n", t->n - rows, t->evicted ? "+" : "");
	free(v);
}

static void
json_table(const char *name, const struct top *t, size_t rows, int last)
{
	const struct topent **v = top_sorted(t);
	size_t i;

	printf("\"%s\":{\"distinct\":%zu,\"exact\":%s,\"top\":[", name, t->n,
	    t->evicted ? "false" : "true");
	for (i = 0; i < t->n && i < rows; i++) {
		printf("%s{", i ? "," : "");
		out_json_field(stdout, "key", v[i]->key);
		printf(",\"count\":%" PRIu64 ",\"error\":%" PRIu64 ",\"denied\":%" PRIu64 "}",
		    v[i]->count, v[i]->err, v[i]->denied);
	}
	printf("]}%s", last ? "" : ",");
	free(v);
}

/*
 * TIME: YYYY-MM-DD[(T| )HH:MM[:SS]][Z] in UTC, or @SECONDS since the epoch.
 */
static int
parse_time(const char *s, struct timespec *ts)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, k;
	char *end;
	long long v;

	memset(ts, 0, sizeof(*ts));
	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno != 0 || end == s + 1 || *end != '\0')
			return -1;
		ts->tv_sec = (time_t)v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		k = sscanf(s + 1, "%2d:%2d%n:%2d%n", &h, &mi, &n, &sec, &n);
		if (k < 2)
			return -1;
		s += 1 + n;
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	ts->tv_sec = timegm(&tm);
	return 0;
}

static void
audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker audit [--since TIME] [--until TIME] [--denied]\n"
	    "                        [--by rule|path|pid|user] [--top N] [--json] [FILE...]\n\n"
	    "Summarise audit records (filebroker run --audit FILE): requests and\n"
	    "decisions, the paths most often denied, the rules that decided most,\n"
	    "the requests of each worker.  Reads each FILE, or stdin ('-' or none),\n"
	    "plain or gzip-compressed (as logrotate leaves it), one record at a\n"
	    "time, in constant memory.  Lines that are not records are reported on\n"
	    "stderr with their place (FILE:LINE), counted, and skipped: torn lines\n"
	    "(cut short by a broker that stopped mid-write) apart from unreadable\n"
	    "ones (edited or corrupted).\n\n"
	    "  --since TIME   only records at or after TIME: YYYY-MM-DD[THH:MM[:SS]][Z]\n"
	    "                 (UTC) or @SECONDS since the epoch\n"
	    "  --until TIME   only records before TIME\n"
	    "  --denied       only denials (deny and would-deny)\n"
	    "  --by KEY       one table of requests by rule, path (canonical), pid or\n"
	    "                 user (uid), with how many were denied\n"
	    "  --top N        rows per table (default 10)\n"
	    "  --json         one JSON object instead of text\n\n"
	    "Tables keep %d keys each: counts are exact below that many distinct\n"
	    "keys, and marked ~ (an upper bound) above it.\n\n"
	    "Exit status: 0; 3 when some line was torn or unreadable (the summary\n"
	    "covers the records read); 1 when a FILE cannot be read; 2 for a usage\n"
	    "error.\n",
	    TOP_CAP);
}

static void
report(const struct summary *s, const struct audit_read_stats *st, size_t rows, int json)
{
	static const char *const dn[] = { "allow", "deny", "would-deny", "error" };
	int i;

	if (json) {
		printf("{\"records\":%" PRIu64 ",\"lines\":%" PRIu64 ",\"torn\":%" PRIu64
		       ",\"unparsed\":%" PRIu64 ",\"recovered\":%" PRIu64 ",\"filtered\":%" PRIu64
		       ",",
		    s->n, st->lines, st->torn, st->bad, st->recovered, s->filtered);
		if (s->has_range) {
			printf("\"first\":\"");
			put_time(stdout, &s->first);
			printf("\",\"last\":\"");
			put_time(stdout, &s->last);
			printf("\",");
		}
		printf("\"decisions\":{");
		for (i = 0; i < 4; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", dn[i], s->decisions[i]);
		printf("},\"complain\":%" PRIu64 ",", s->complain);
		if (s->by == BY_NONE) {
			json_table("denied_paths", s->paths, rows, 0);
			json_table("rules", s->rules, rows, 0);
			json_table("pids", s->pids, rows, 1);
		} else
			json_table("by", s->paths, rows, 1);
		printf("}\n");
		return;
	}
	printf("records: %" PRIu64, s->n);
	if (s->filtered)
		printf(" (%" PRIu64 " more filtered out)", s->filtered);
	audit_files_describe(stdout, ", ", st);
	putchar('\n');
	if (s->has_range) {
		printf("time: ");
		put_time(stdout, &s->first);
		printf(" .. ");
		put_time(stdout, &s->last);
		putchar('\n');
	}
	printf("decisions: %" PRIu64 " allow, %" PRIu64 " deny, %" PRIu64 " would-deny, %" PRIu64
	       " error\n",
	    s->decisions[AUDIT_ALLOW], s->decisions[AUDIT_DENY], s->decisions[AUDIT_WOULD_DENY],
	    s->decisions[AUDIT_ERROR]);
	if (s->complain)
		printf("complain mode: %" PRIu64 " records\n", s->complain);
	if (s->by == BY_NONE) {
		printf("workers: %zu%s\n\n", s->pids->n, s->pids->evicted ? "+" : "");
		print_table(s->paths, rows, 0, 0);
		putchar('\n');
		print_table(s->rules, rows, 1, 0);
		putchar('\n');
		print_table(s->pids, rows, 1, 0);
	} else {
		putchar('\n');
		print_table(s->paths, rows, 1, s->by == BY_USER);
	}
	if (s->paths->evicted || s->rules->evicted || s->pids->evicted)
		printf("\n~ marks a count that may be too high: more than %d distinct keys were "
		       "seen.\n",
		    TOP_CAP);
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "denied", no_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_files af;
	struct summary s;
	int c, i, json = 0, status = 0;
	long rows = 10;
	char *end;

	memset(&s, 0, sizeof(s));
	memset(&af, 0, sizeof(af));
	af.tool = "audit";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (parse_time(optarg, c == 's' ? &s.since : &s.until) == -1) {
				log_warnx("audit: bad time '%s' (YYYY-MM-DD[THH:MM[:SS]][Z] or "
					  "@SECONDS)",
				    optarg);
				return 2;
			}
			*(c == 's' ? &s.has_since : &s.has_until) = 1;
			break;
		case 'd':
			s.denied_only = 1;
			break;
		case 'b':
			if (strcmp(optarg, "rule") == 0)
				s.by = BY_RULE;
			else if (strcmp(optarg, "path") == 0)
				s.by = BY_PATH;
			else if (strcmp(optarg, "pid") == 0)
				s.by = BY_PID;
			else if (strcmp(optarg, "user") == 0)
				s.by = BY_USER;
			else {
				log_warnx("audit: --by rule, path, pid or user, not '%s'", optarg);
				return 2;
			}
			break;
		case 't':
			errno = 0;
			rows = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || rows < 1 || rows > TOP_CAP) {
				log_warnx("audit: --top 1..%d", TOP_CAP);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			audit_usage(stdout);
			return 0;
		default:
			audit_usage(stderr);
			return 2;
		}
	}
	if ((s.paths = calloc(1, sizeof(*s.paths))) == NULL ||
	    (s.rules = calloc(1, sizeof(*s.rules))) == NULL ||
	    (s.pids = calloc(1, sizeof(*s.pids))) == NULL)
		fatal("audit: memory");
	s.paths->title = "top denied paths (count, canonical path)";
	s.rules->title = "top rules (decisions, denials, rule)";
	s.pids->title = "requests per worker (requests, denials, pid)";
	if (s.by != BY_NONE) {
		static const char *const titles[] = { "", "by rule (requests, denials, rule)",
			"by path (requests, denials, canonical path)",
			"by worker (requests, denials, pid)", "by user (requests, denials, uid)" };

		s.paths->title = titles[s.by];
	}
	for (i = optind; i == optind || i < argc; i++)
		if (audit_files_read(&af, i < argc ? argv[i] : "-", count_one, &s) == -1)
			status = 1;
	report(&s, &af.st, (size_t)rows, json);
	if (status == 0 && audit_files_damaged(&af.st))
		status = 3;
	top_free(s.paths);
	top_free(s.rules);
	top_free(s.pids);
	free(s.paths);
	free(s.rules);
	free(s.pids);
	return status;
}
