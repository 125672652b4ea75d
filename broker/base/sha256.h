/*
 * sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for the
 * audit trail's hash chain (audit_chain.h) and the digest of a policy.
 *
 * Pure: no allocation, no I/O.  On x86-64 processors with the SHA
 * extensions the compression function uses them (about ten times faster
 * than the portable code); the result is the same, which the unit tests
 * check on both against the standard test vectors.
 */
#ifndef FB_SHA256_H
#define FB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32	/* bytes of a digest */
#define SHA256_BLOCK 64 /* bytes of a block */

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char buf[SHA256_BLOCK];
	size_t used; /* bytes waiting in buf */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
/* The digest into out; c is left wiped. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);
/* The digest of n bytes at p, at once. */
void sha256(const void *p, size_t n, unsigned char out[SHA256_LEN]);

/* HMAC-SHA-256: a key of any length (a longer one than a block is hashed
 * first, as RFC 2104 says). */
struct hmac_sha256 {
	struct sha256 inner, outer;
};

void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t klen);
void hmac_sha256_update(struct hmac_sha256 *h, const void *p, size_t n);
/* The MAC into out; h is left wiped. */
void hmac_sha256_final(struct hmac_sha256 *h, unsigned char out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
    unsigned char out[SHA256_LEN]);

/* The n bytes at p as 2n lower-case hex digits and a NUL, into out. */
void sha256_hex(const unsigned char *p, size_t n, char *out);

/*
 * For the unit tests: 1 to use the portable compression function even
 * where the processor has the SHA extensions, 0 to choose again.  Returns
 * whether the SHA extensions are used (after the change).
 */
int sha256_force_portable(int on);

#endif
