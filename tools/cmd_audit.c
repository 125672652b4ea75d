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
#include "timearg.h"

#define TOP_CAP 1024	     /* counters per table */
#define TOP_SLOTS 4096	     /* hash slots, a power of two > 2 * TOP_CAP */
#define TOP_KEY_MAX 4096     /* longer keys are cut (paths are shorter) */
#define AUDIT_ANCHORS_MAX 64 /* --anchor, at most */

struct topent {
	char *key;
	uint64_t count, err, denied;
	size_t hpos; /* where in the heap */
	size_t slot; /* where in the hash */
};

struct top {
	const char *title;
	struct topent e[TOP_CAP];
	size_t heap[TOP_CAP];	   /* entry indexes, a min-heap by count */
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

/*
 * Sessions (docs/audit.md, "Sessions"): what their start and end records
 * say, and their requests counted.  At most SESS_MAX are kept (in a hash
 * table, by id); later ones are counted only.
 */
#define SESS_MAX 4096
#define SESS_SLOTS 8192 /* a power of two > 2 * SESS_MAX */
#define SESS_TEXT_MAX 512

struct sess {
	char id[AUDIT_NAME_MAX + 1];
	int started, ended;
	struct timespec start, end; /* of the records, when they have one */
	char mode[AUDIT_NAME_MAX + 1];
	int64_t pid, uid, gid, invoker_uid, auid, broker_pid;
	char *command, *args, *cwd, *policy, *profile; /* for people: cut */
	char sha256[65], placement[AUDIT_NAME_MAX + 1], version[AUDIT_NAME_MAX + 1];
	int64_t exit_code, counts[4];
	char signal[AUDIT_NAME_MAX + 1], cause[AUDIT_NAME_MAX + 1];
	uint64_t duration_ns;
	uint64_t requests, denied; /* records read (after the filters) */
	uint64_t order;		   /* when it was first seen */
};

struct sessions {
	struct sess *v[SESS_MAX];
	uint32_t slots[SESS_SLOTS]; /* index + 1, or 0 */
	size_t n;
	uint64_t dropped; /* sessions seen past SESS_MAX */
};

/* A change whose intent has no outcome in the files read, kept for the
 * list (the first --top of them). */
struct unknown {
	const char *file; /* the name given (kept) */
	uint64_t line;
	int has_time;
	struct timespec when;
	char session[AUDIT_NAME_MAX + 1], op[AUDIT_NAME_MAX + 1];
	int64_t req, pid;
	char *canon, *canon2; /* for people: cut */
};

struct summary {
	/* filters */
	int denied_only;
	int has_since, has_until;
	struct timespec since, until;
	const char *session; /* --session ID, or NULL */
	enum by by;
	/* counts */
	uint64_t n, decisions[4], complain, filtered;
	int has_range;
	struct timespec first, last;
	struct top *paths, *rules, *pids; /* default view; or paths alone for --by */
	struct sessions *sess;
	uint64_t nosession; /* records without one (version 1) */
	/* Changes written ahead: outcomes, and intents without one (the
	 * first rows of them kept). */
	uint64_t done, unknown, orphans;
	size_t rows, nkept;
	struct unknown *kept;
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

/* The session of that id, made when it is new; NULL past SESS_MAX. */
static struct sess *
sess_get(struct sessions *t, const char *id)
{
	size_t h = hash(id) & (SESS_SLOTS - 1);
	struct sess *x;

	while (t->slots[h] != 0) {
		if (strcmp(t->v[t->slots[h] - 1]->id, id) == 0)
			return t->v[t->slots[h] - 1];
		h = (h + 1) & (SESS_SLOTS - 1);
	}
	if (t->n == SESS_MAX) {
		t->dropped++;
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		fatal("audit: memory");
	snprintf(x->id, sizeof(x->id), "%s", id);
	x->pid = x->uid = x->gid = x->invoker_uid = x->auid = x->broker_pid = x->exit_code = -1;
	x->counts[0] = x->counts[1] = x->counts[2] = x->counts[3] = -1;
	x->order = t->n;
	t->v[t->n++] = x;
	t->slots[h] = (uint32_t)t->n;
	return x;
}

static void
sess_free(struct sessions *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i]->command);
		free(t->v[i]->args);
		free(t->v[i]->cwd);
		free(t->v[i]->policy);
		free(t->v[i]->profile);
		free(t->v[i]);
	}
}

/* A copy of s cut for a person to read, or NULL for NULL. */
static char *
text_copy(const char *s)
{
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = strndup(s, SESS_TEXT_MAX)) == NULL)
		fatal("audit: memory");
	return c;
}

/* The arguments joined with spaces, cut for a person to read. */
static char *
args_copy(const char *argv, size_t n)
{
	char *c, *o;
	size_t i, k;

	if ((c = o = malloc(SESS_TEXT_MAX + 4)) == NULL)
		fatal("audit: memory");
	*o = '\0';
	for (i = 0; i < n; i++, argv += strlen(argv) + 1) {
		k = strlen(argv);
		if ((size_t)(o - c) + k + 1 > SESS_TEXT_MAX) {
			memcpy(o, i > 0 ? " ..." : "...", i > 0 ? 5 : 4);
			break;
		}
		if (i > 0)
			*o++ = ' ';
		memcpy(o, argv, k + 1);
		o += k;
	}
	return c;
}

static int
in_time(const struct summary *s, const struct audit_rec *r)
{
	return !(s->has_since || s->has_until) ||
	    (r->has_time && !(s->has_since && ts_before(&r->when, &s->since)) &&
		!(s->has_until && !ts_before(&r->when, &s->until)));
}

/* A session-start or session-end record (other events are skipped). */
static int
session_event(const struct audit_rec *r, void *arg)
{
	struct summary *s = arg;
	struct sess *x;
	int start = strcmp(r->event, "session-start") == 0;

	if ((!start && strcmp(r->event, "session-end") != 0) || r->session[0] == '\0')
		return 0;
	if ((s->session != NULL && strcmp(r->session, s->session) != 0) || !in_time(s, r))
		return 0;
	if ((x = sess_get(s->sess, r->session)) == NULL)
		return 0;
	x->broker_pid = r->broker_pid;
	if (!start) {
		x->ended = 1;
		x->end = r->when;
		x->exit_code = r->exit_code;
		memcpy(x->signal, r->signal, sizeof(x->signal));
		memcpy(x->cause, r->cause, sizeof(x->cause));
		memcpy(x->counts, r->counts, sizeof(x->counts));
		x->duration_ns = r->duration_ns;
		return 0;
	}
	x->started = 1;
	x->start = r->when;
	memcpy(x->mode, r->mode, sizeof(x->mode));
	memcpy(x->placement, r->placement, sizeof(x->placement));
	memcpy(x->version, r->version, sizeof(x->version));
	memcpy(x->sha256, r->policy_sha256, sizeof(x->sha256));
	x->pid = r->pid;
	x->uid = r->uid;
	x->gid = r->gid;
	x->invoker_uid = r->invoker_uid;
	x->auid = r->auid;
	free(x->command);
	free(x->args);
	free(x->cwd);
	free(x->policy);
	free(x->profile);
	x->command = text_copy(r->command);
	x->args = args_copy(r->argv, r->nargv);
	x->cwd = text_copy(r->cwd);
	x->policy = text_copy(r->policy);
	x->profile = text_copy(r->profile);
	return 0;
}

static int
count_one(const struct audit_rec *r, void *arg)
{
	struct summary *s = arg;
	struct sess *x;
	char key[64];
	const char *k = NULL;
	int d = is_denied(r);

	if (!in_time(s, r) || (s->session != NULL && strcmp(r->session, s->session) != 0)) {
		s->filtered++;
		return 0;
	}
	if (s->denied_only && !d) {
		s->filtered++;
		return 0;
	}
	if (r->session[0] == '\0')
		s->nosession++;
	else if ((x = sess_get(s->sess, r->session)) != NULL) {
		x->requests++;
		x->denied += d != 0;
	}
	s->n++;
	s->done += r->phase == AUDIT_PHASE_DONE;
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

/* An intent whose outcome is not in the files read: one request, counted
 * as count_one() counts it (the same filters), and listed. */
static int
unknown_one(const struct audit_rec *r, const struct audit_read_place *at, void *arg)
{
	struct summary *s = arg;
	struct unknown *u;
	uint64_t n = s->n;

	count_one(r, arg);
	if (s->n == n)
		return 0; /* filtered out */
	s->unknown++;
	if (s->nkept == s->rows)
		return 0;
	u = &s->kept[s->nkept++];
	u->file = at->name;
	u->line = at->line;
	u->has_time = r->has_time;
	u->when = r->when;
	memcpy(u->session, r->session, sizeof(u->session));
	memcpy(u->op, r->op, sizeof(u->op));
	u->req = r->req;
	u->pid = r->pid;
	u->canon = text_copy(r->canon != NULL ? r->canon : r->path);
	u->canon2 = text_copy(r->canon2 != NULL ? r->canon2 : r->path2);
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

static int
by_start(const void *a, const void *b)
{
	const struct sess *x = *(const struct sess *const *)a;
	const struct sess *y = *(const struct sess *const *)b;

	if (x->started && y->started &&
	    (x->start.tv_sec != y->start.tv_sec || x->start.tv_nsec != y->start.tv_nsec))
		return ts_before(&x->start, &y->start) ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* How a session ended, in a word: exit status, signal, "-" for a daemon
 * peer (it disconnects), "?" when its end is not in the records. */
static const char *
sess_end_word(const struct sess *x, char *buf, size_t size)
{
	if (!x->ended)
		return "?";
	if (x->signal[0] != '\0')
		return x->signal;
	if (x->exit_code >= 0) {
		snprintf(buf, size, "%" PRId64, x->exit_code);
		return buf;
	}
	return "-";
}

static void
print_sessions(const struct sessions *t, uint64_t nosession, size_t rows)
{
	struct sess **v;
	size_t i, open = 0;
	char w[32];

	for (i = 0; i < t->n; i++)
		open += !t->v[i]->ended;
	printf("sessions: %zu", t->n + (size_t)t->dropped);
	if (open > 0)
		printf(" (%zu without an end: still running, or its broker stopped)", open);
	if (nosession > 0)
		printf(" (%" PRIu64 " record%s without one: written by a version 1 broker)",
		    nosession, nosession == 1 ? "" : "s");
	putchar('\n');
	if (t->n == 0)
		return;
	if ((v = malloc(t->n * sizeof(*v))) == NULL)
		fatal("audit: memory");
	memcpy(v, t->v, t->n * sizeof(*v));
	qsort(v, t->n, sizeof(*v), by_start);
	printf("  %-16s  %-20s  %9s  %9s  %7s  %s\n", "session", "start", "requests", "denials",
	    "exit", "command");
	for (i = 0; i < t->n && i < rows; i++) {
		printf("  %-16s  ", v[i]->id);
		if (v[i]->started)
			put_time(stdout, &v[i]->start);
		else
			printf("%-20s", "?");
		printf("  %9" PRIu64 "  %9" PRIu64 "  %7s  ", v[i]->requests, v[i]->denied,
		    sess_end_word(v[i], w, sizeof(w)));
		if (v[i]->started && strcmp(v[i]->mode, "daemon") == 0) {
			printf("daemon peer pid %" PRId64 " uid %" PRId64 ", profile ", v[i]->pid,
			    v[i]->uid);
			out_text(stdout, v[i]->profile != NULL ? v[i]->profile : "?");
		} else
			out_text(stdout, v[i]->args != NULL ? v[i]->args : "?");
		putchar('\n');
	}
	if (t->n > rows || t->dropped > 0)
		printf("  ... %zu more\n", t->n - (t->n > rows ? rows : t->n) + (size_t)t->dropped);
	free(v);
}

/* --session ID: everything its records say. */
static void
print_session(const struct sess *x)
{
	char name[128], w[32];

	printf("session %s\n", x->id);
	if (!x->started)
		printf("  started: (its session-start record is not in the files read)\n");
	else {
		printf("  started: ");
		put_time(stdout, &x->start);
		printf(", filebroker %s (broker pid %" PRId64 "), %s mode", x->version,
		    x->broker_pid, x->mode);
		if (x->placement[0] != '\0')
			printf(", placement %s", x->placement);
		snprintf(w, sizeof(w), "%" PRId64, x->invoker_uid);
		printf("\n  by: uid %s", user_name(w, name, sizeof(name)));
		if (x->auid >= 0) {
			snprintf(w, sizeof(w), "%" PRId64, x->auid);
			printf(", login uid %s", user_name(w, name, sizeof(name)));
		}
		printf("\n  command: ");
		out_text(stdout, x->command != NULL ? x->command : "?");
		printf("\n  arguments: ");
		out_text(stdout, x->args != NULL ? x->args : "");
		printf("\n  folder: ");
		out_text(stdout, x->cwd != NULL ? x->cwd : "?");
		snprintf(w, sizeof(w), "%" PRId64, x->uid);
		printf("\n  worker: pid %" PRId64 ", uid %s, gid %" PRId64, x->pid,
		    user_name(w, name, sizeof(name)), x->gid);
		printf("\n  policy: ");
		out_text(stdout, x->policy != NULL ? x->policy : "(the built-in default)");
		printf(", sha256 %s", x->sha256[0] != '\0' ? x->sha256 : "?");
		if (x->profile != NULL) {
			printf(", profile ");
			out_text(stdout, x->profile);
		}
		putchar('\n');
	}
	if (!x->ended) {
		printf("  ended: (no session-end record: still running, or its broker stopped)\n");
		return;
	}
	printf("  ended: ");
	put_time(stdout, &x->end);
	if (x->signal[0] != '\0')
		printf(", killed by %s", x->signal);
	else if (x->exit_code >= 0)
		printf(", exit status %" PRId64, x->exit_code);
	else
		printf(", %s", x->cause[0] != '\0' ? x->cause : "?");
	printf(", after %" PRIu64 ".%03" PRIu64 " s: %" PRId64 " allowed, %" PRId64
	       " denied, %" PRId64 " would-deny, %" PRId64 " failed\n",
	    x->duration_ns / 1000000000u, x->duration_ns / 1000000u % 1000u, x->counts[0],
	    x->counts[1], x->counts[2], x->counts[3]);
}

/* A JSON string, or null. */
static void
json_or_null(const char *str)
{
	if (str == NULL)
		printf("null");
	else
		out_json(stdout, str);
}

/* A time in quotes, or null. */
static void
json_time(const struct timespec *ts)
{
	if (ts == NULL) {
		printf("null");
		return;
	}
	putchar('"');
	put_time(stdout, ts);
	putchar('"');
}

static void
json_sessions(const struct sessions *t, size_t rows)
{
	struct sess **v;
	size_t i;

	printf("\"sessions\":{\"count\":%zu,\"list\":[", t->n + (size_t)t->dropped);
	if ((v = malloc((t->n + 1) * sizeof(*v))) == NULL)
		fatal("audit: memory");
	memcpy(v, t->v, t->n * sizeof(*v));
	qsort(v, t->n, sizeof(*v), by_start);
	for (i = 0; i < t->n && i < rows; i++) {
		printf("%s{\"session\":\"%s\",\"start\":", i ? "," : "", v[i]->id);
		json_time(v[i]->started ? &v[i]->start : NULL);
		printf(",\"end\":");
		json_time(v[i]->ended ? &v[i]->end : NULL);
		printf(",\"mode\":");
		json_or_null(v[i]->started ? v[i]->mode : NULL);
		printf(",\"pid\":%" PRId64 ",\"uid\":%" PRId64 ",\"command\":", v[i]->pid,
		    v[i]->uid);
		json_or_null(v[i]->command);
		printf(",\"args\":");
		json_or_null(v[i]->args);
		printf(",\"profile\":");
		json_or_null(v[i]->profile);
		printf(",\"requests\":%" PRIu64 ",\"denied\":%" PRIu64 ",\"exit\":", v[i]->requests,
		    v[i]->denied);
		if (v[i]->exit_code >= 0)
			printf("%" PRId64, v[i]->exit_code);
		else
			printf("null");
		printf(",\"signal\":");
		json_or_null(v[i]->signal[0] != '\0' ? v[i]->signal : NULL);
		printf("}");
	}
	printf("]},");
	free(v);
}

/* Changes written ahead: how many, and those whose outcome is unknown. */
static void
print_ahead(const struct summary *s)
{
	const struct unknown *u;
	size_t i;

	printf("changes written ahead: %" PRIu64 " with their outcome, %" PRIu64
	       " outcome unknown\n",
	    s->done, s->unknown);
	if (s->orphans > 0)
		printf("  (%" PRIu64 " outcome%s without its intent in the files read: an earlier "
		       "file of the set not given)\n",
		    s->orphans, s->orphans == 1 ? "" : "s");
	if (s->unknown == 0)
		return;
	printf("outcome unknown (intent, no outcome: its broker stopped in between; whether the "
	       "change was made, the file system tells):\n");
	for (i = 0; i < s->nkept; i++) {
		u = &s->kept[i];
		printf("  ");
		out_text(stdout, u->file);
		printf(":%" PRIu64 "  ", u->line);
		if (u->has_time)
			put_time(stdout, &u->when);
		else
			printf("%-20s", "?");
		printf("  session %s req %" PRId64 " pid %" PRId64 "  %s ",
		    u->session[0] != '\0' ? u->session : "-", u->req, u->pid, u->op);
		out_text(stdout, u->canon != NULL ? u->canon : "?");
		if (u->canon2 != NULL) {
			printf(" -> ");
			out_text(stdout, u->canon2);
		}
		putchar('\n');
	}
	if (s->unknown > s->nkept)
		printf("  ... %" PRIu64 " more\n", s->unknown - s->nkept);
}

static void
json_ahead(const struct summary *s)
{
	const struct unknown *u;
	size_t i;

	printf("\"ahead\":{\"done\":%" PRIu64 ",\"unknown\":%" PRIu64 ",\"orphans\":%" PRIu64
	       ",\"list\":[",
	    s->done, s->unknown, s->orphans);
	for (i = 0; i < s->nkept; i++) {
		u = &s->kept[i];
		printf("%s{", i ? "," : "");
		out_json_field(stdout, "file", u->file);
		printf(",\"line\":%" PRIu64 ",\"time\":", u->line);
		json_time(u->has_time ? &u->when : NULL);
		printf(",\"session\":");
		json_or_null(u->session[0] != '\0' ? u->session : NULL);
		printf(",\"req\":%" PRId64 ",\"pid\":%" PRId64 ",\"op\":", u->req, u->pid);
		out_json(stdout, u->op);
		printf(",");
		out_json_field(stdout, "canon", u->canon);
		printf(",");
		out_json_field(stdout, "canon2", u->canon2);
		printf("}");
	}
	printf("]},");
}

static void
audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker audit [--since TIME] [--until TIME] [--denied]\n"
	    "                        [--session ID] [--by rule|path|pid|user] [--top N]\n"
	    "                        [--json] [FILE...]\n"
	    "       filebroker audit --verify [--audit-key FILE] [--anchor ANCHOR]...\n"
	    "                        [--json] [FILE...]\n\n"
	    "Summarise audit records (filebroker run --audit FILE): requests and\n"
	    "decisions, the changes written ahead (and each whose outcome is not in\n"
	    "the files: its broker stopped between its intent and its outcome), the\n"
	    "sessions (each run, each daemon peer), the paths most often denied,\n"
	    "the rules that decided most, the requests of each worker.  Reads each\n"
	    "FILE, or stdin ('-' or none),\n"
	    "plain or gzip-compressed (as logrotate leaves it), one record at a\n"
	    "time, in constant memory.  Lines that are not records are reported on\n"
	    "stderr with their place (FILE:LINE), counted, and skipped: torn lines\n"
	    "(cut short by a broker that stopped mid-write) apart from unreadable\n"
	    "ones (edited or corrupted).\n\n"
	    "  --since TIME   only records at or after TIME: 2026-12-07T14:00:00Z or\n"
	    "                 +01:00 (RFC 3339), 2026-12-07 14:00[:SS] or 2026-12-07\n"
	    "                 (local time), 30s, 30m, 1h, 2d, 1w (that long ago), now,\n"
	    "                 today, yesterday (local midnight), @SECONDS\n"
	    "  --until TIME   only records before TIME\n"
	    "  --denied       only denials (deny and would-deny)\n"
	    "  --session ID   only that session's records, and all its start and end\n"
	    "                 records say: command, users, policy, exit status\n"
	    "  --by KEY       one table of requests by rule, path (canonical), pid or\n"
	    "                 user (uid), with how many were denied\n"
	    "  --top N        rows per table (default 10)\n"
	    "  --json         one JSON object instead of text\n\n"
	    "  --verify       check the hash chains of the files instead: whether every\n"
	    "                 line is there, in order, as written, and where not (a line\n"
	    "                 edited, removed, inserted or moved, a file cut short or\n"
	    "                 missing from a rotation set), each break with its place\n"
	    "  --audit-key FILE  the key the broker sealed the chains with (its\n"
	    "                 --audit-key): without it, keyed chains are not proved\n"
	    "  --anchor ANCHOR  CHAIN:SEQ:DIGEST, as `filebroker serve` logs it on\n"
	    "                 SIGHUP and at exit: that line must be there, unchanged\n"
	    "                 (repeatable)\n\n"
	    "Files of a rotation set (BASE, BASE.1, BASE.2.gz, ...) are read oldest\n"
	    "first, whatever order they are given in.\n\n"
	    "Tables keep %d keys each: counts are exact below that many distinct\n"
	    "keys, and marked ~ (an upper bound) above it.\n\n"
	    "Exit status: 0; 3 when some line was torn or unreadable (the summary\n"
	    "covers the records read); 1 when a FILE cannot be read; 2 for a usage\n"
	    "error.  With --verify: 0 whole, 3 broken, 4 nothing proved (no chained\n"
	    "line, or keyed chains without their key), 1 and 2 as above.\n",
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
		json_ahead(s);
		json_sessions(s->sess, rows);
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
	if (s->done + s->unknown + s->orphans > 0)
		print_ahead(s);
	if (s->session != NULL) {
		struct sess *x = s->sess->n > 0 ? s->sess->v[0] : NULL;

		putchar('\n');
		if (x != NULL)
			print_session(x);
		else
			printf("session %s: no record of it in the files read\n", s->session);
	} else
		print_sessions(s->sess, s->nosession, rows);
	putchar('\n');
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
		{ "session", required_argument, NULL, 'S' },
		{ "by", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verify", no_argument, NULL, 'V' },
		{ "audit-key", required_argument, NULL, 'K' },
		{ "anchor", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_files af;
	struct summary s;
	int c, i, json = 0, status = 0, verify = 0, summary_opts = 0;
	long rows = 10;
	char *end, *anchors[AUDIT_ANCHORS_MAX];
	const char *keyfile = NULL;
	size_t nanchors = 0;
	struct timespec now;

	memset(&s, 0, sizeof(s));
	memset(&af, 0, sizeof(af));
	af.tool = "audit";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			summary_opts = 1;
			clock_gettime(CLOCK_REALTIME, &now);
			if (timearg_parse(optarg, &now, c == 's' ? &s.since : &s.until) == -1) {
				log_warnx("audit: --%s '%s': not a time; one is " TIMEARG_FORMS,
				    c == 's' ? "since" : "until", optarg);
				return 2;
			}
			*(c == 's' ? &s.has_since : &s.has_until) = 1;
			break;
		case 'd':
			summary_opts = 1;
			s.denied_only = 1;
			break;
		case 'S':
			summary_opts = 1;
			if (strlen(optarg) != AUDIT_SESSION_ID_LEN ||
			    strspn(optarg, "0123456789abcdef") != AUDIT_SESSION_ID_LEN) {
				log_warnx("audit: --session takes a session id, %d hex digits as "
					  "records have it (\"session\":\"...\"), not '%s'",
				    AUDIT_SESSION_ID_LEN, optarg);
				return 2;
			}
			s.session = optarg;
			break;
		case 'b':
			summary_opts = 1;
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
			summary_opts = 1;
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
		case 'V':
			verify = 1;
			break;
		case 'K':
			keyfile = optarg;
			break;
		case 'A':
			if (nanchors == AUDIT_ANCHORS_MAX) {
				log_warnx("audit: at most %d --anchor", AUDIT_ANCHORS_MAX);
				return 2;
			}
			anchors[nanchors++] = optarg;
			break;
		case 'h':
			audit_usage(stdout);
			return 0;
		default:
			audit_usage(stderr);
			return 2;
		}
	}
	af.event = session_event;
	if (verify) {
		if (summary_opts) {
			log_warnx("audit: --verify checks the chains of whole files: --since, "
				  "--until, --denied, --session, --by and --top are not for it");
			return 2;
		}
		return audit_verify_files(argv + optind, (size_t)(argc - optind), keyfile, anchors,
		    nanchors, json);
	}
	if (keyfile != NULL || nanchors > 0) {
		log_warnx("audit: --audit-key and --anchor are for --verify");
		return 2;
	}
	audit_files_order(argv + optind, (size_t)(argc - optind));
	if ((s.sess = calloc(1, sizeof(*s.sess))) == NULL ||
	    (s.paths = calloc(1, sizeof(*s.paths))) == NULL ||
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
	s.rows = (size_t)rows;
	if ((s.kept = calloc(s.rows, sizeof(*s.kept))) == NULL)
		fatal("audit: memory");
	af.unknown = unknown_one;
	for (i = optind; i == optind || i < argc; i++)
		if (audit_files_read(&af, i < argc ? argv[i] : "-", count_one, &s) == -1)
			status = 1;
	if (audit_files_end(&af, &s) == -1)
		fatal("audit: memory");
	s.orphans = af.ahead.orphans;
	report(&s, &af.st, (size_t)rows, json);
	if (status == 0 && audit_files_damaged(&af.st))
		status = 3;
	for (i = 0; (size_t)i < s.nkept; i++) {
		free(s.kept[i].canon);
		free(s.kept[i].canon2);
	}
	free(s.kept);
	sess_free(s.sess);
	free(s.sess);
	top_free(s.paths);
	top_free(s.rules);
	top_free(s.pids);
	free(s.paths);
	free(s.rules);
	free(s.pids);
	return status;
}
