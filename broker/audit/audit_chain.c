/*
 * audit_chain.c: see audit_chain.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "audit_chain.h"
#include "jsonout.h"

static const char label_chain[] = "filebroker audit chain ";
static const char label_step[] = "filebroker audit key step";
static const char label_id[] = "filebroker audit key id";

void
audit_chain_key0(const unsigned char *master, size_t mlen, const char *id,
    unsigned char out[SHA256_LEN])
{
	struct hmac_sha256 h;

	hmac_sha256_init(&h, master, mlen);
	hmac_sha256_update(&h, label_chain, sizeof(label_chain) - 1);
	hmac_sha256_update(&h, id, strlen(id));
	hmac_sha256_final(&h, out);
}

void
audit_chain_key_step(unsigned char key[SHA256_LEN])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, label_step, sizeof(label_step) - 1);
	sha256_update(&c, key, SHA256_LEN);
	sha256_final(&c, key);
}

void
audit_chain_key_id(const unsigned char *master, size_t mlen, char out[AUDIT_KEY_ID_LEN + 1])
{
	unsigned char d[SHA256_LEN];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, label_id, sizeof(label_id) - 1);
	sha256_update(&c, master, mlen);
	sha256_final(&c, d);
	sha256_hex(d, AUDIT_KEY_ID_LEN / 2, out);
}

void
audit_chain_set_key(struct audit_chain *c, const unsigned char key[SHA256_LEN])
{
	if (key != c->key)
		memcpy(c->key, key, SHA256_LEN);
	/* Once per epoch, not per line: two compressions a line saved. */
	hmac_sha256_init(&c->mac, c->key, SHA256_LEN);
}

void
audit_chain_init(struct audit_chain *c, const char *id, const unsigned char *master, size_t mlen)
{
	unsigned char k[SHA256_LEN];

	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, strnlen(id, AUDIT_CHAIN_ID_LEN));
	if (master != NULL) {
		c->keyed = 1;
		audit_chain_key0(master, mlen, c->id, k);
		audit_chain_set_key(c, k);
		explicit_bzero(k, sizeof(k));
		audit_chain_key_id(master, mlen, c->key_id);
	}
}

int
audit_chain_new(struct audit_chain *c, const unsigned char *master, size_t mlen)
{
	unsigned char r[AUDIT_CHAIN_ID_LEN / 2];
	char id[AUDIT_CHAIN_ID_LEN + 1];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r)) {
		if ((n = getrandom(r + got, sizeof(r) - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	sha256_hex(r, sizeof(r), id);
	audit_chain_init(c, id, master, mlen);
	return 0;
}

void
audit_chain_digest(const struct audit_chain *c, const char *p, size_t n,
    unsigned char out[SHA256_LEN])
{
	struct hmac_sha256 h;
	struct sha256 s;

	if (c->keyed) {
		h = c->mac;
		hmac_sha256_update(&h, c->last, sizeof(c->last));
		hmac_sha256_update(&h, p, n);
		hmac_sha256_final(&h, out);
		return;
	}
	sha256_init(&s);
	sha256_update(&s, c->last, sizeof(c->last));
	sha256_update(&s, p, n);
	sha256_final(&s, out);
}

void
audit_chain_next(struct audit_chain *c, const unsigned char d[SHA256_LEN])
{
	c->seq++;
	memcpy(c->last, d, SHA256_LEN);
	if (c->keyed && c->seq % AUDIT_CHAIN_EPOCH == 0) {
		audit_chain_key_step(c->key);
		audit_chain_set_key(c, c->key);
	}
}

void
audit_chain_wipe(struct audit_chain *c)
{
	explicit_bzero(c->key, sizeof(c->key));
	explicit_bzero(&c->mac, sizeof(c->mac));
}

ssize_t
audit_chain_seal(struct audit_chain *c, char *buf, size_t len, size_t size)
{
	unsigned char d[SHA256_LEN];
	char hex[AUDIT_DIGEST_HEX + 1];
	struct out o;
	size_t plen;

	if (len < 3 || buf[len - 2] != '}' || buf[len - 1] != '\n') {
		errno = EINVAL;
		return -1;
	}
	o.buf = buf;
	o.size = size;
	o.len = len - 2;
	o.full = 0;
	out_str(&o, ",\"chain\":\"");
	out_str(&o, c->id);
	out_str(&o, "\",\"seq\":");
	out_udec(&o, c->seq);
	plen = o.len;
	out_str(&o, ",\"digest\":\"");
	/* Room for the digest, the brace, the newline and a NUL is checked
	 * before anything is hashed, so that a short buffer leaves c alone. */
	if (o.full || size - o.len < AUDIT_DIGEST_HEX + 3 + 1) {
		buf[len - 2] = '}'; /* the line as it was */
		buf[len - 1] = '\n';
		errno = ENOBUFS;
		return -1;
	}
	audit_chain_digest(c, buf, plen, d);
	sha256_hex(d, sizeof(d), hex);
	out_str(&o, hex);
	out_str(&o, "\"}\n");
	audit_chain_next(c, d);
	explicit_bzero(d, sizeof(d));
	buf[o.len] = '\0';
	return (ssize_t)o.len;
}

int
audit_chain_unhex(const char *hex, unsigned char out[SHA256_LEN])
{
	int i, hi, lo;

	for (i = 0; i < SHA256_LEN; i++) {
		hi = hex[2 * i];
		lo = hi != '\0' ? hex[2 * i + 1] : '\0';
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f'  ? hi - 'a' + 10 :
					      -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f'  ? lo - 'a' + 10 :
					      -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * SHA256_LEN] == '\0' ? 0 : -1;
}
