/*
 * denials.c: one denial line per distinct denial; see denials.h.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "denials.h"
#include "hint.h"
#include "jsonout.h"
#include "ops.h"
#include "policy.h"

struct denials {
	pthread_mutex_t lock;
	unsigned flags;
	char *cwd;     /* the worker's first working folder */
	size_t n;      /* line keys held */
	size_t npaths; /* path keys held */
	struct denials_count count;
	char *program[DENIALS_PROGRAMS];
	int asked[DENIALS_PROGRAMS];
	uint64_t key[DENIALS_KEYS];  /* lines: open addressing; 0 is empty */
	uint64_t pkey[DENIALS_KEYS]; /* paths */
};

/* Room for a denial line and what it ends with (hint.c: a pattern of up to
 * two bytes per byte of a path, or a rule escaped). */
#define DENIALS_LINE_MAX (AUDIT_RECORD_MAX + 6 * POLICY_LINE_MAX + 2 * PATH_MAX + 512)

/*
 * The key is SipHash-2-4 under a key drawn at start-up: the worker chooses
 * the paths, and with an unkeyed hash it could make a denial collide with
 * an earlier one and keep its line off the terminal.  Drawn by a
 * constructor, before the broker confines itself (getrandom(2) is not in
 * its filter).
 */
static uint64_t sip_k0, sip_k1;

__attribute__((constructor)) static void
denials_key_init(void)
{
	uint64_t k[2];

	if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k)) {
		sip_k0 = k[0];
		sip_k1 = k[1];
	} else {
		/* Early boot without entropy: still unpredictable enough
		 * for a terminal's line count. */
		sip_k0 = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&k;
		sip_k1 = (uint64_t)time(NULL) * 0xc2b2ae3d27d4eb4fULL;
	}
}

struct sip {
	uint64_t v0, v1, v2, v3;
	uint64_t tail; /* bytes not yet in a word, little-endian */
	size_t n;      /* bytes taken in all */
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static void
sip_init(struct sip *s)
{
	s->v0 = sip_k0 ^ 0x736f6d6570736575ULL;
	s->v1 = sip_k1 ^ 0x646f72616e646f6dULL;
	s->v2 = sip_k0 ^ 0x6c7967656e657261ULL;
	s->v3 = sip_k1 ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->n = 0;
}

static void
sip_bytes(struct sip *s, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		s->tail |= (uint64_t)b[i] << (8 * (s->n & 7));
		if ((++s->n & 7) == 0) {
			sip_word(s, s->tail);
			s->tail = 0;
		}
	}
}

static uint64_t
sip_final(struct sip *s)
{
	int i;

	sip_word(s, s->tail | (uint64_t)(s->n & 0xff) << 56);
	s->v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t
denials_siphash(uint64_t k0, uint64_t k1, const void *p, size_t len)
{
	struct sip s;

	sip_init(&s);
	s.v0 ^= sip_k0 ^ k0;
	s.v1 ^= sip_k1 ^ k1;
	s.v2 ^= sip_k0 ^ k0;
	s.v3 ^= sip_k1 ^ k1;
	sip_bytes(&s, p, len);
	return sip_final(&s);
}

/* A string with its length first, so that fields cannot run together;
 * NULL differs from "". */
static void
sip_str(struct sip *s, const char *str)
{
	uint64_t len = str == NULL ? UINT64_MAX : (uint64_t)strlen(str);

	sip_bytes(s, &len, sizeof(len));
	if (str != NULL)
		sip_bytes(s, str, (size_t)len);
}

/*
 * A canonical path, with the asking process's own /proc/PID (and its
 * thread's /proc/PID/task/TID) taken as /proc/self (/proc/thread-self):
 * every process of a program that reads its own /proc/self/exe asks for the
 * same thing, though each resolves it to its own pid.
 */
static void
sip_canon(struct sip *s, const char *canon, pid_t pid, pid_t tid)
{
	char buf[PATH_MAX + 32];
	const char *rest;

	switch (hint_self_split(canon, pid, tid, &rest)) {
	case HINT_SELF_NONE:
		sip_str(s, canon);
		return;
	case HINT_SELF_THREAD:
		snprintf(buf, sizeof(buf), "/proc/thread-self%s", rest);
		break;
	case HINT_SELF_PROC:
		snprintf(buf, sizeof(buf), "/proc/self%s", rest);
		break;
	}
	sip_str(s, buf);
}

/*
 * What the line shows of a path: where it led when the worker may know it
 * (the asker's /proc/PID as /proc/self), else the path as asked.
 */
static void
sip_subject(struct sip *s, const char *path, const char *canon, int hidden, pid_t pid, pid_t tid)
{
	if (canon != NULL && !hidden)
		sip_canon(s, canon, pid, tid);
	else {
		sip_str(s, "");
		sip_str(s, path);
	}
}

/* A line's key: the paths as shown, the access, the rule, would-deny;
 * not the operation, the names asked, the pid or the thread. */
static uint64_t
line_key(const struct audit_event *ev)
{
	struct sip s;
	uint64_t v[2] = { ev->access, (uint64_t)ev->waived << 1 | (uint64_t)(ev->allowed != 0) };
	uint64_t h;

	sip_init(&s);
	sip_subject(&s, ev->path, ev->canon, ev->canon_hidden, hint_pid(ev), hint_tid(ev));
	sip_subject(&s, ev->path2, ev->canon2, ev->canon2_hidden, hint_pid(ev), hint_tid(ev));
	sip_str(&s, ev->rule);
	sip_bytes(&s, v, sizeof(v));
	h = sip_final(&s);
	return h != 0 ? h : 1;
}

/* A path's key: the first path as shown. */
static uint64_t
path_key(const struct audit_event *ev)
{
	struct sip s;
	uint64_t h;

	sip_init(&s);
	sip_subject(&s, ev->path, ev->canon, ev->canon_hidden, hint_pid(ev), hint_tid(ev));
	h = sip_final(&s);
	return h != 0 ? h : 1;
}

static struct denials *
get(struct denials **dp)
{
	struct denials *d = __atomic_load_n(dp, __ATOMIC_ACQUIRE), *expect = NULL;

	if (d != NULL)
		return d;
	if ((d = denials_new(0, NULL)) == NULL)
		return NULL;
	/* Another thread of the session may have been first. */
	if (!__atomic_compare_exchange_n(dp, &expect, d, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		denials_free(d);
		return expect;
	}
	return d;
}

struct denials *
denials_new(unsigned flags, const char *cwd)
{
	struct denials *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((cwd != NULL && (d->cwd = strdup(cwd)) == NULL) ||
	    pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d->cwd);
		free(d);
		return NULL;
	}
	d->flags = flags;
	return d;
}

/*
 * Put k in the table t holding *n keys: 1 when it is new (kept, or the
 * table is too full to keep it), 0 when it was there.  Kept only while
 * the table is at most 3/4 full, so that a probe ends soon.
 */
static int
insert(uint64_t *t, size_t *n, uint64_t k)
{
	size_t i = (size_t)(k & (DENIALS_KEYS - 1)), probes;

	for (probes = 0; probes < DENIALS_KEYS; probes++) {
		if (t[i] == k)
			return 0;
		if (t[i] == 0) {
			if (*n < DENIALS_KEYS / 4 * 3) {
				t[i] = k;
				(*n)++;
			}
			return 1;
		}
		i = (i + 1) & (DENIALS_KEYS - 1);
	}
	return 1;
}

int
denials_first(struct denials **dp, const struct audit_event *ev)
{
	struct denials *d = get(dp);
	uint64_t k = line_key(ev), pk = path_key(ev);
	const char *prog;
	int first;
	size_t i;

	if (d == NULL)
		return 1;
	pthread_mutex_lock(&d->lock);
	if (ev->waived)
		d->count.waived++;
	else
		d->count.refused++;
	if (insert(d->pkey, &d->npaths, pk)) {
		d->count.paths++;
		d->count.probes += hint_is_probe(ev) != 0;
	}
	if (!(first = insert(d->key, &d->n, k)) || (d->flags & DENIALS_QUIET))
		d->count.held++;
	if (first && (prog = hint_program(ev)) != NULL)
		for (i = 0; i < DENIALS_PROGRAMS; i++)
			if (d->program[i] == NULL) {
				d->program[i] = strdup(prog);
				d->asked[i] = prog == ev->path;
				break;
			}
	pthread_mutex_unlock(&d->lock);
	return first;
}

void
denials_note(struct session *s, const struct audit_event *ev)
{
	static __thread char line[DENIALS_LINE_MAX];
	struct audit_event e = *ev;
	struct out o = { line, sizeof(line), 0, 0 };
	ssize_t n;

	/* With a sink, only a table made beforehand counts (run's). */
	if (s->audit != NULL && s->denials == NULL)
		return;
	/* A canonical path that is not known stays "?" in the line. */
	e.canon_hidden = e.canon != NULL &&
	    !hint_canon_shown(s->policy, e.path, e.canon, hint_pid(&e), hint_tid(&e));
	e.canon2_hidden = e.canon2 != NULL && e.path2 != NULL &&
	    !hint_canon_shown(s->policy, e.path2, e.canon2, hint_pid(&e), hint_tid(&e));
	if (!denials_first(&s->denials, &e) || s->audit != NULL ||
	    (s->denials != NULL && (s->denials->flags & DENIALS_QUIET)))
		return;
	if ((n = audit_format_denial(&e, line, sizeof(line))) <= 0)
		return;
	/* Before its newline: the hint. */
	o.len = (size_t)n - 1;
	hint_append(s->policy, &e, s->denials != NULL ? s->denials->cwd : NULL,
	    s->denials != NULL && (s->denials->flags & DENIALS_ONEOFF) ? HINT_FLAGS : 0, &o);
	out_str(&o, "\n");
	if ((n = out_end(&o)) > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
denials_count(const struct denials *d, struct denials_count *c)
{
	memset(c, 0, sizeof(*c));
	if (d == NULL)
		return;
	pthread_mutex_lock((pthread_mutex_t *)&d->lock);
	*c = d->count;
	pthread_mutex_unlock((pthread_mutex_t *)&d->lock);
}

uint64_t
denials_repeats(const struct denials *d)
{
	struct denials_count c;

	denials_count(d, &c);
	return d != NULL && (d->flags & DENIALS_QUIET) ? 0 : c.held;
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void
denials_summary(const struct denials *d, const char *who, int recorded)
{
	char line[512];
	struct denials_count c;
	int n, k;

	denials_count(d, &c);
	if (c.refused + c.waived == 0)
		return;
	if (c.refused > 0)
		n = snprintf(line, sizeof(line), "filebroker: %s%s%llu %s denied", who,
		    who[0] != '\0' ? ": " : "", (unsigned long long)c.refused,
		    plural(c.refused, "request", "requests"));
	else
		n = snprintf(line, sizeof(line), "filebroker: %s%s%llu %s would be denied", who,
		    who[0] != '\0' ? ": " : "", (unsigned long long)c.waived,
		    plural(c.waived, "request", "requests"));
	if (c.waived > 0 && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "%s%llu let through by --complain", c.refused > 0 ? " and " : " (",
		    (unsigned long long)c.waived);
	if (c.waived > 0 && c.refused == 0 && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ")");
	if (n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %llu distinct %s",
		    (unsigned long long)c.paths, plural(c.paths, "path", "paths"));
	if (c.probes > 0 && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " (%llu of them %s)",
		    (unsigned long long)c.probes, plural(c.probes, "a probe", "probes"));
	if (n > 0 && (size_t)n < sizeof(line)) {
		if (recorded)
			k = snprintf(line + n, sizeof(line) - (size_t)n,
			    "; the audit records each\n");
		else if (d->flags & DENIALS_QUIET)
			k = snprintf(line + n, sizeof(line) - (size_t)n,
			    "; -q kept their lines off; --audit FILE records every request\n");
		else
			k = snprintf(line + n, sizeof(line) - (size_t)n,
			    "; each line above is printed once; --audit FILE records every "
			    "request\n");
		n += k;
	}
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

const char *
denials_program(const struct denials *d, size_t i, int *asked)
{
	if (d == NULL || i >= DENIALS_PROGRAMS || d->program[i] == NULL)
		return NULL;
	*asked = d->asked[i];
	return d->program[i];
}

void
denials_free(struct denials *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < DENIALS_PROGRAMS; i++)
		free(d->program[i]);
	free(d->cwd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
