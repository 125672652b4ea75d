/*
 * audit_pair.c: see audit_pair.h.  The intents held are in a hash table
 * by (session, req), for their outcome, and in a list oldest first, for
 * the end of the reading.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit_pair.h"

struct held {
	struct held *hnext;	  /* in its bucket */
	struct held *prev, *next; /* oldest first */
	uint32_t hash;
	int64_t req;
	char session[AUDIT_NAME_MAX + 1];
	struct audit_read_place at;
	size_t len;
	char bytes[]; /* the intent's line */
};

struct audit_pair {
	struct held **bucket;
	size_t nbucket; /* a power of two */
	size_t n;
	struct held *oldest, *newest;
	struct audit_pair_stats st;
};

static uint32_t
key_hash(const char *session, int64_t req)
{
	uint32_t h = 2166136261u; /* FNV-1a over the id, then the number */
	uint64_t v = (uint64_t)req;
	int i;

	for (; *session != '\0'; session++)
		h = (h ^ (unsigned char)*session) * 16777619u;
	for (i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 16777619u;
	return h;
}

struct audit_pair *
audit_pair_new(void)
{
	struct audit_pair *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->nbucket = 64;
	if ((p->bucket = calloc(p->nbucket, sizeof(*p->bucket))) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
audit_pair_free(struct audit_pair *p)
{
	struct held *h, *next;

	if (p == NULL)
		return;
	for (h = p->oldest; h != NULL; h = next) {
		next = h->next;
		free(h);
	}
	free(p->bucket);
	free(p);
}

/* Twice the buckets, when they hold more than one each on average. */
static int
grow(struct audit_pair *p)
{
	struct held **b, *h;
	size_t n = p->nbucket * 2;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return -1;
	for (h = p->oldest; h != NULL; h = h->next) {
		h->hnext = b[h->hash & (n - 1)];
		b[h->hash & (n - 1)] = h;
	}
	free(p->bucket);
	p->bucket = b;
	p->nbucket = n;
	return 0;
}

int
audit_pair_intent(struct audit_pair *p, const struct audit_rec *r, const char *bytes, size_t len,
    const struct audit_read_place *at)
{
	struct held *h, **b;

	if (r->phase != AUDIT_PHASE_INTENT) {
		errno = EINVAL;
		return -1;
	}
	if (p->n >= AUDIT_PAIR_MAX)
		return 1;
	if (p->n >= p->nbucket && grow(p) == -1)
		return -1;
	if ((h = malloc(sizeof(*h) + len)) == NULL)
		return -1;
	memcpy(h->session, r->session, sizeof(h->session));
	h->req = r->req;
	h->hash = key_hash(h->session, h->req);
	h->at = *at;
	h->at.why = NULL;
	h->len = len;
	memcpy(h->bytes, bytes, len);
	/* Last in its bucket, so that of two intents of one key (a file read
	 * twice) the older is found first, as the list lets them go. */
	for (b = &p->bucket[h->hash & (p->nbucket - 1)]; *b != NULL; b = &(*b)->hnext)
		;
	h->hnext = NULL;
	*b = h;
	h->prev = p->newest;
	h->next = NULL;
	if (p->newest != NULL)
		p->newest->next = h;
	else
		p->oldest = h;
	p->newest = h;
	p->n++;
	p->st.intents++;
	return 0;
}

/* Take h out of the table and the list, and free it. */
static void
let_go(struct audit_pair *p, struct held *h)
{
	struct held **b;

	for (b = &p->bucket[h->hash & (p->nbucket - 1)]; *b != h; b = &(*b)->hnext)
		;
	*b = h->hnext;
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		p->oldest = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	else
		p->newest = h->prev;
	p->n--;
	free(h);
}

int
audit_pair_done(struct audit_pair *p, const struct audit_rec *r)
{
	uint32_t hash;
	struct held *h;

	if (r->phase != AUDIT_PHASE_DONE)
		return 0;
	hash = key_hash(r->session, r->req);
	for (h = p->bucket[hash & (p->nbucket - 1)]; h != NULL; h = h->hnext) {
		if (h->hash == hash && h->req == r->req && strcmp(h->session, r->session) == 0) {
			let_go(p, h);
			p->st.paired++;
			return 1;
		}
	}
	p->st.orphans++;
	return 0;
}

int
audit_pair_oldest(struct audit_pair *p, struct audit_rec *r, char *store, size_t size,
    struct audit_read_place *at)
{
	struct held *h = p->oldest;
	const char *why;

	if (h == NULL)
		return 0;
	/* It was read from these very bytes before: it reads again, unless
	 * the store is too small for it. */
	if (audit_read_line(h->bytes, h->len, r, store, size, &why) == -1) {
		errno = ENOBUFS;
		return -1;
	}
	*at = h->at;
	let_go(p, h);
	p->st.unknown++;
	return 1;
}

size_t
audit_pair_held(const struct audit_pair *p)
{
	return p->n;
}

const struct audit_pair_stats *
audit_pair_stats(const struct audit_pair *p)
{
	return &p->st;
}
