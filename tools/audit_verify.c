/*
 * audit_verify.c: see audit_verify.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_verify.h"
#include "sha256.h"

struct vchain {
	struct audit_verify_chain pub;
	int known;     /* last is the digest of the line before next */
	uint64_t next; /* the seq expected next */
	unsigned char last[SHA256_LEN];
	int has_key;	    /* keyed, and the key given is its key */
	uint64_t key_epoch; /* key is that epoch's */
	unsigned char key[SHA256_LEN];
	uint64_t last_ord; /* the line's place among all lines read */
	int last_bad;	   /* its digest did not hold */
};

struct anchor {
	char id[AUDIT_CHAIN_ID_LEN + 1];
	uint64_t seq;
	unsigned char d[SHA256_LEN];
	const char *text;
	int reached;
};

struct audit_verify {
	unsigned char key[AUDIT_KEY_MAX];
	size_t klen;
	char key_id[AUDIT_KEY_ID_LEN + 1];
	void (*report)(const struct audit_verify_finding *f, void *arg);
	void *arg;
	struct vchain **chains;
	size_t nchains, capchains;
	uint32_t *slots; /* chain index + 1, or 0; a power of two of them */
	size_t nslots;
	struct anchor *anchors;
	size_t nanchors;
	/* the file being read */
	const char *name;
	int chained_seen;				     /* a chained line came before in it */
	uint64_t unchained_head;			     /* lines without a chain before that */
	uint64_t first_unchained;			     /* the first of them */
	unsigned char ring[AUDIT_VERIFY_WINDOW][SHA256_LEN]; /* its last lines' SHA-256 */
	size_t ring_n, ring_pos;
	/* the last torn and unreadable lines, for the hints of a gap */
	const char *torn_name;
	uint64_t torn_line, torn_ord;
	struct audit_verify_result res;
};

static void __attribute__((format(printf, 6, 7))) say(struct audit_verify *v, int is_break,
    const char *what, const char *name, uint64_t line, const char *fmt, ...)
{
	struct audit_verify_finding f = { is_break, what, name, line, NULL };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f.msg = msg;
	if (is_break)
		v->res.breaks++;
	if (v->report != NULL)
		v->report(&f, v->arg);
}

struct audit_verify *
audit_verify_new(const unsigned char *key, size_t klen,
    void (*report)(const struct audit_verify_finding *f, void *arg), void *arg)
{
	struct audit_verify *v;

	if (klen > AUDIT_KEY_MAX || (v = calloc(1, sizeof(*v))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (key != NULL && klen > 0) {
		memcpy(v->key, key, klen);
		v->klen = klen;
		audit_chain_key_id(key, klen, v->key_id);
	}
	v->report = report;
	v->arg = arg;
	return v;
}

int
audit_verify_anchor(struct audit_verify *v, const char *text)
{
	const char *a = strchr(text, ':'), *b = a != NULL ? strchr(a + 1, ':') : NULL;
	struct anchor *na, x;
	char *end;

	memset(&x, 0, sizeof(x));
	if (a == NULL || b == NULL || a - text != AUDIT_CHAIN_ID_LEN ||
	    strspn(text, "0123456789abcdef") != AUDIT_CHAIN_ID_LEN || a[1] < '0' || a[1] > '9' ||
	    audit_chain_unhex(b + 1, x.d) == -1) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	x.seq = strtoull(a + 1, &end, 10);
	if (errno != 0 || end != b) {
		errno = EINVAL;
		return -1;
	}
	memcpy(x.id, text, AUDIT_CHAIN_ID_LEN);
	x.text = text;
	if ((na = realloc(v->anchors, (v->nanchors + 1) * sizeof(*na))) == NULL)
		return -1;
	v->anchors = na;
	v->anchors[v->nanchors++] = x;
	return 0;
}

void
audit_verify_file(struct audit_verify *v, const char *name)
{
	v->name = name;
	v->res.nfiles++;
	v->chained_seen = 0;
	v->unchained_head = 0;
	v->ring_n = v->ring_pos = 0;
}

static uint32_t
hash_id(const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a: ids are random already */

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

static struct vchain *
find(const struct audit_verify *v, const char *id)
{
	size_t i;

	if (v->nslots == 0)
		return NULL;
	for (i = hash_id(id) & (v->nslots - 1); v->slots[i] != 0; i = (i + 1) & (v->nslots - 1))
		if (strcmp(v->chains[v->slots[i] - 1]->pub.id, id) == 0)
			return v->chains[v->slots[i] - 1];
	return NULL;
}

static struct vchain *
add(struct audit_verify *v, const char *id)
{
	struct vchain *c, **nc;
	uint32_t *ns;
	size_t i, k, n;

	if (2 * (v->nchains + 1) > v->nslots) {
		n = v->nslots ? 2 * v->nslots : 64;
		if ((ns = calloc(n, sizeof(*ns))) == NULL)
			return NULL;
		for (k = 0; k < v->nchains; k++) {
			for (i = hash_id(v->chains[k]->pub.id) & (n - 1); ns[i] != 0;
			     i = (i + 1) & (n - 1))
				;
			ns[i] = (uint32_t)k + 1;
		}
		free(v->slots);
		v->slots = ns;
		v->nslots = n;
	}
	if (v->nchains == v->capchains) {
		n = v->capchains ? 2 * v->capchains : 16;
		if ((nc = realloc(v->chains, n * sizeof(*nc))) == NULL)
			return NULL;
		v->chains = nc;
		v->capchains = n;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	memcpy(c->pub.id, id, strnlen(id, AUDIT_CHAIN_ID_LEN));
	for (i = hash_id(c->pub.id) & (v->nslots - 1); v->slots[i] != 0;
	     i = (i + 1) & (v->nslots - 1))
		;
	v->chains[v->nchains++] = c;
	v->slots[i] = (uint32_t)v->nchains;
	return c;
}

/* Is the SHA-256 d that of one of the last lines of this file? */
static int
in_ring(const struct audit_verify *v, const unsigned char d[SHA256_LEN])
{
	size_t i;

	for (i = 0; i < v->ring_n; i++)
		if (memcmp(v->ring[i], d, SHA256_LEN) == 0)
			return 1;
	return 0;
}

static void
ring_push(struct audit_verify *v, const char *bytes, size_t len)
{
	sha256(bytes, len, v->ring[v->ring_pos]);
	v->ring_pos = (v->ring_pos + 1) % AUDIT_VERIFY_WINDOW;
	if (v->ring_n < AUDIT_VERIFY_WINDOW)
		v->ring_n++;
}

/* An open record that begins a chain not seen yet: how it is sealed. */
static void
begin(struct audit_verify *v, struct vchain *c, const struct audit_rec *r,
    const struct audit_line *l)
{
	c->pub.keyed = strcmp(r->alg, "hmac-sha256") == 0;
	memcpy(c->pub.key_id, r->key_id, sizeof(c->pub.key_id));
	if (!c->pub.keyed && strcmp(r->alg, "sha256") != 0) {
		say(v, 1, "edited", l->at.name, l->at.line, "chain %s: unknown \"alg\" \"%s\"",
		    c->pub.id, r->alg);
		return;
	}
	if (!c->pub.keyed) {
		c->pub.verified = 1;
		if (v->klen > 0)
			say(v, 1, "key", l->at.name, l->at.line,
			    "chain %s is not keyed, and a key was given: whoever can write the "
			    "file "
			    "could have written it whole",
			    c->pub.id);
		return;
	}
	v->res.nkeyed++;
	if (v->klen == 0)
		return;
	if (strcmp(r->key_id, v->key_id) != 0) {
		say(v, 1, "key", l->at.name, l->at.line,
		    "chain %s was sealed with key %s; the key given is key %s", c->pub.id,
		    r->key_id, v->key_id);
		return;
	}
	c->has_key = 1;
	c->pub.verified = 1;
	c->key_epoch = 0;
	audit_chain_key0(v->key, v->klen, c->pub.id, c->key);
}

/* Step c's key to seq's epoch; 0, or -1 when it is behind it or too far. */
static int
key_to(struct vchain *c, uint64_t seq)
{
	uint64_t e = seq / AUDIT_CHAIN_EPOCH;

	if (e < c->key_epoch || e - c->key_epoch > AUDIT_VERIFY_STEPS_MAX)
		return -1;
	while (c->key_epoch < e) {
		audit_chain_key_step(c->key);
		c->key_epoch++;
	}
	return 0;
}

/* Where the chain's last line is, for messages. */
static const char *
last_place(const struct vchain *c, char *buf, size_t size)
{
	if (c->pub.last_name == NULL)
		return "nowhere";
	snprintf(buf, size, "seq %" PRIu64 " at %s:%" PRIu64, c->pub.last_seq, c->pub.last_name,
	    c->pub.last_line);
	return buf;
}

/* A chained line: its seq in its chain, its digest. */
static void
chained(struct audit_verify *v, const struct audit_rec *r, const char *bytes, size_t len,
    const struct audit_line *l)
{
	static const char suffix[] = ",\"digest\":\"";
	unsigned char d[SHA256_LEN], claimed[SHA256_LEN], prev[SHA256_LEN];
	struct audit_chain st;
	struct vchain *c;
	const char *name = l->at.name;
	uint64_t line = l->at.line, seq = (uint64_t)r->seq;
	int is_open = strcmp(r->event, "open") == 0, check = 1, has_prev, bad = 0;
	char where[512];
	size_t i;

	v->res.chained++;
	v->chained_seen = 1;
	has_prev = is_open && r->prev[0] != '\0' && audit_chain_unhex(r->prev, prev) == 0;
	/* The seal is the line's end: P, ,"digest":"HEX"}. */
	if (bytes == NULL || len < AUDIT_DIGEST_SUFFIX_LEN ||
	    memcmp(bytes + len - AUDIT_DIGEST_SUFFIX_LEN, suffix, sizeof(suffix) - 1) != 0 ||
	    memcmp(bytes + len - 2 - AUDIT_DIGEST_HEX, r->digest, AUDIT_DIGEST_HEX) != 0 ||
	    bytes[len - 2] != '"' || bytes[len - 1] != '}' ||
	    audit_chain_unhex(r->digest, claimed) == -1) {
		say(v, 1, "edited", name, line,
		    "its digest is not at the end of the line, where the broker writes it");
		return;
	}
	if ((c = find(v, r->chain)) == NULL) {
		if ((c = add(v, r->chain)) == NULL) {
			say(v, 1, "missing", name, line, "out of memory for chain %s", r->chain);
			return;
		}
		c->pub.first_seq = seq;
		c->pub.first_name = name;
		c->pub.first_line = line;
		c->next = seq;
		if (!is_open)
			say(v, 1, "missing", name, line,
			    "chain %s begins here, without its open record: the lines before it "
			    "were "
			    "removed, or are in a file not given",
			    r->chain);
		else {
			begin(v, c, r, l);
			if (seq == 0 && !has_prev && r->prev[0] == '\0') {
				memset(c->last, 0, sizeof(c->last));
				c->known = 1;
			} else if (has_prev && v->res.nfiles > 1)
				say(v, 1, "missing", name, line,
				    "chain %s goes on here from seq %" PRIu64
				    " of a file that is not "
				    "given: the file before this one in the rotation set?",
				    r->chain, seq - 1);
			else if (has_prev)
				say(v, 0, "continues", name, line,
				    "chain %s goes on here from seq %" PRIu64
				    " of an earlier file, not "
				    "given",
				    r->chain, seq - 1);
		}
	}
	if (c->pub.closed) {
		say(v, 1, "inserted", name, line,
		    "a line of chain %s after its close record at %s:%" PRIu64, c->pub.id,
		    c->pub.last_name, c->pub.last_line);
		return;
	}
	if (c->pub.lines > 0 && seq < c->next) {
		say(v, 1, "reordered", name, line,
		    "seq %" PRIu64 " of chain %s after %s: moved, copied or replayed", seq,
		    c->pub.id, last_place(c, where, sizeof(where)));
		return;
	}
	if (seq > c->next) {
		char hint[600] = "";

		/* A torn line since: a file cut short in the middle of a line? */
		if (v->torn_name != NULL && v->torn_ord > c->last_ord)
			snprintf(hint, sizeof(hint),
			    "; the torn line at %s:%" PRIu64 " may have been one", v->torn_name,
			    v->torn_line);
		say(v, 1, "missing", name, line,
		    "%" PRIu64
		    " line%s of chain %s missing before this one (after %s): removed, or "
		    "in a file of the set not given%s",
		    seq - c->next, seq - c->next == 1 ? "" : "s", c->pub.id,
		    last_place(c, where, sizeof(where)), hint);
		c->known = 0;
	}
	/* The line before it in the chain: known, or named by an open
	 * record's prev. */
	if (has_prev) {
		if (c->known && memcmp(prev, c->last, SHA256_LEN) != 0)
			say(v, 1, "edited", name, line,
			    "its prev is not the digest of chain %s's line before it (%s)",
			    c->pub.id, last_place(c, where, sizeof(where)));
		memcpy(c->last, prev, SHA256_LEN);
		c->known = 1;
	}
	if (!c->known || (c->pub.keyed && !c->has_key))
		check = 0;
	if (check && c->has_key && key_to(c, seq) == -1)
		check = 0;
	if (check) {
		memset(&st, 0, sizeof(st));
		memcpy(st.last, c->last, SHA256_LEN);
		st.keyed = c->has_key;
		if (c->has_key)
			audit_chain_set_key(&st, c->key);
		audit_chain_digest(&st, bytes, len - AUDIT_DIGEST_SUFFIX_LEN, d);
		audit_chain_wipe(&st);
		if (memcmp(d, claimed, SHA256_LEN) != 0) {
			if (c->last_bad)
				say(v, 1, "edited", name, line,
				    "its digest does not hold either: this line was changed, or "
				    "the "
				    "line before it in chain %s (%s), with its digest",
				    c->pub.id, last_place(c, where, sizeof(where)));
			else
				say(v, 1, "edited", name, line,
				    "its digest is not that of its content: this line was changed "
				    "(or "
				    "the digest in it)");
			bad = 1;
		}
	} else
		v->res.unverified++;
	/* On from the digest it claims: an edited line is one break, not a
	 * break of every line after it. */
	memcpy(c->last, claimed, SHA256_LEN);
	c->known = 1;
	c->last_bad = bad;
	c->next = seq + 1;
	c->pub.lines++;
	c->pub.last_seq = seq;
	c->pub.last_name = name;
	c->pub.last_line = line;
	c->last_ord = v->res.lines;
	memcpy(c->pub.last_digest, r->digest, sizeof(c->pub.last_digest));
	if (strcmp(r->event, "close") == 0)
		c->pub.closed = 1;
	for (i = 0; i < v->nanchors; i++) {
		if (v->anchors[i].seq != seq || strcmp(v->anchors[i].id, c->pub.id) != 0)
			continue;
		if (memcmp(v->anchors[i].d, claimed, SHA256_LEN) == 0 && check)
			v->anchors[i].reached = 1;
		else
			say(v, 1, "anchor", name, line,
			    "anchor %s: this line's digest is not the anchor's: the lines up to it "
			    "were changed%s",
			    v->anchors[i].text, check ? "" : " (or cannot be checked here)");
	}
	/* The last line of the file when this broker opened it: before it. */
	if (is_open && r->after[0] != '\0') {
		if (audit_chain_unhex(r->after, d) == -1 || !in_ring(v, d))
			say(v, 1, "missing", name, line,
			    "the file's last line when this broker opened it (sha256 %.16s...) is "
			    "not "
			    "before it: lines were removed before it, or the file was replaced",
			    r->after);
	}
}

int
audit_verify_line(const struct audit_line *l, void *arg)
{
	struct audit_verify *v = arg;
	const struct audit_rec *r = l->rec;

	v->res.lines++;
	switch (l->kind) {
	case AUDIT_LINE_TORN:
		v->res.torn++;
		v->torn_name = l->at.name;
		v->torn_line = l->at.line;
		v->torn_ord = v->res.lines;
		say(v, 0, "torn", l->at.name, l->at.line, "%s%s", l->at.why,
		    r != NULL ? "" :
				" (not part of a chain: a line is sealed only once written whole)");
		if (r != NULL && r->chain[0] != '\0')
			chained(v, r, l->rec_bytes, l->rec_len, l);
		break;
	case AUDIT_LINE_BAD:
		say(v, 1, "unreadable", l->at.name, l->at.line, "edited or corrupted: %s",
		    l->at.why);
		break;
	case AUDIT_LINE_RECORD:
	case AUDIT_LINE_EVENT:
		if (r->chain[0] != '\0') {
			chained(v, r, l->bytes, l->len, l);
			break;
		}
		v->res.unchained++;
		if (v->chained_seen)
			say(v, 1, "inserted", l->at.name, l->at.line,
			    "a line of no chain among chained lines: inserted, or written by a "
			    "broker older than chains");
		else if (v->unchained_head++ == 0)
			v->first_unchained = l->at.line;
		break;
	}
	if (v->unchained_head > 0 && v->chained_seen) {
		say(v, 0, "unchained", v->name, v->first_unchained,
		    "%" PRIu64 " line%s before the first chained one, not chained (version 1)",
		    v->unchained_head, v->unchained_head == 1 ? "" : "s");
		v->unchained_head = 0;
	}
	if (l->bytes != NULL)
		ring_push(v, l->bytes, l->len);
	return 0;
}

void
audit_verify_end(struct audit_verify *v, struct audit_verify_result *res)
{
	const struct vchain *c;
	size_t i;

	for (i = 0; i < v->nchains; i++) {
		c = v->chains[i];
		if (c->pub.closed)
			continue;
		v->res.nopen++;
		say(v, 0, "open", c->pub.last_name, c->pub.last_line,
		    "chain %s ends here (seq %" PRIu64 ") without its close record: its broker is "
		    "running, was killed, or lines were removed from its end (an anchor tells)",
		    c->pub.id, c->pub.last_seq);
	}
	for (i = 0; i < v->nanchors; i++) {
		if (v->anchors[i].reached)
			continue;
		c = find(v, v->anchors[i].id);
		if (c == NULL)
			say(v, 1, "anchor", NULL, 0, "anchor %s: chain %.32s is not in the files",
			    v->anchors[i].text, v->anchors[i].id);
		else if (c->pub.last_seq < v->anchors[i].seq)
			say(v, 1, "anchor", c->pub.last_name, c->pub.last_line,
			    "anchor %s: chain %s ends at seq %" PRIu64 ", before it: lines were "
			    "removed from its end",
			    v->anchors[i].text, c->pub.id, c->pub.last_seq);
	}
	v->res.nchains = v->nchains;
	v->res.nanchors = v->nanchors;
	*res = v->res;
}

void
audit_verify_chains(const struct audit_verify *v,
    void (*fn)(const struct audit_verify_chain *c, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < v->nchains; i++)
		fn(&v->chains[i]->pub, arg);
}

void
audit_verify_free(struct audit_verify *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nchains; i++) {
		explicit_bzero(v->chains[i]->key, sizeof(v->chains[i]->key));
		free(v->chains[i]);
	}
	free(v->chains);
	free(v->slots);
	free(v->anchors);
	explicit_bzero(v->key, sizeof(v->key));
	free(v);
}
