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

struct denials {
	pthread_mutex_t lock;
	size_t n;		    /* keys held */
	uint64_t repeats;	    /* lines held back */
	uint64_t key[DENIALS_KEYS]; /* open addressing; 0 is empty */
};

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
	char pre[64], buf[PATH_MAX + 32];
	size_t n, t;

	if (canon == NULL || pid <= 0 ||
	    (n = (size_t)snprintf(pre, sizeof(pre), "/proc/%ld", (long)pid)) >= sizeof(pre) ||
	    strncmp(canon, pre, n) != 0 || (canon[n] != '/' && canon[n] != '\0')) {
		sip_str(s, canon);
		return;
	}
	t = tid > 0 ? (size_t)snprintf(pre + n, sizeof(pre) - n, "/task/%ld", (long)tid) : 0;
	if (t > 0 && n + t < sizeof(pre) && strncmp(canon + n, pre + n, t) == 0 &&
	    (canon[n + t] == '/' || canon[n + t] == '\0'))
		snprintf(buf, sizeof(buf), "/proc/thread-self%s", canon + n + t);
	else
		snprintf(buf, sizeof(buf), "/proc/self%s", canon + n);
	sip_str(s, buf);
}

/* Everything the line shows but the pid and the thread. */
static uint64_t
denial_key(const struct audit_event *ev)
{
	struct sip s;
	uint64_t v[2] = { ev->access, (uint64_t)ev->waived << 1 | (uint64_t)(ev->allowed != 0) };
	uint64_t h;

	sip_init(&s);
	sip_str(&s, ev->op);
	sip_str(&s, ev->path);
	sip_str(&s, ev->path2);
	sip_canon(&s, ev->canon, ev->pid, ev->tid);
	sip_canon(&s, ev->canon2, ev->pid, ev->tid);
	sip_str(&s, ev->rule);
	sip_bytes(&s, v, sizeof(v));
	h = sip_final(&s);
	return h != 0 ? h : 1;
}

static struct denials *
get(struct denials **dp)
{
	struct denials *d = __atomic_load_n(dp, __ATOMIC_ACQUIRE), *expect = NULL;

	if (d != NULL)
		return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d);
		return NULL;
	}
	/* Another thread of the session may have been first. */
	if (!__atomic_compare_exchange_n(dp, &expect, d, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		pthread_mutex_destroy(&d->lock);
		free(d);
		return expect;
	}
	return d;
}

int
denials_first(struct denials **dp, const struct audit_event *ev)
{
	struct denials *d = get(dp);
	uint64_t k = denial_key(ev);
	size_t i, probes;
	int first = 1;

	if (d == NULL)
		return 1;
	pthread_mutex_lock(&d->lock);
	i = (size_t)(k & (DENIALS_KEYS - 1));
	for (probes = 0; probes < DENIALS_KEYS; probes++) {
		if (d->key[i] == k) {
			d->repeats++;
			first = 0;
			break;
		}
		if (d->key[i] == 0) {
			/* Kept only while the table is at most 3/4 full, so that
			 * a probe ends soon; past that, lines are printed. */
			if (d->n < DENIALS_KEYS / 4 * 3) {
				d->key[i] = k;
				d->n++;
			}
			break;
		}
		i = (i + 1) & (DENIALS_KEYS - 1);
	}
	pthread_mutex_unlock(&d->lock);
	return first;
}

uint64_t
denials_repeats(const struct denials *d)
{
	uint64_t r;

	if (d == NULL)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&d->lock);
	r = d->repeats;
	pthread_mutex_unlock((pthread_mutex_t *)&d->lock);
	return r;
}

void
denials_summary(const struct denials *d, const char *who)
{
	char line[256];
	uint64_t r = denials_repeats(d);
	int n;

	if (r == 0)
		return;
	n = snprintf(line, sizeof(line),
	    "filebroker: %s%s%llu repeated denial%s not shown (each line above is printed "
	    "once); --audit FILE records every request\n",
	    who, who[0] != '\0' ? ": " : "", (unsigned long long)r, r == 1 ? "" : "s");
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void
denials_free(struct denials *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d);
}
