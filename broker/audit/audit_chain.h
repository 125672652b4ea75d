/*
 * audit_chain.h: the hash chain that makes an audit file tamper-evident
 * (docs/audit.md, "Tamper evidence").
 *
 * Every line a JSON sink writes (records, session records, torn markers,
 * its open and close records) is sealed: ,"chain":"ID","seq":N,"digest":"D"
 * takes the place of its closing brace, where ID names the writer (one
 * sink of one broker: random, 128 bits), N counts its lines from 0, and
 *
 *	D = SHA-256(D' || P)			without a key
 *	D = HMAC-SHA-256(K_N, D' || P)		with one
 *
 * for P the line up to and including N, and D' the digest of the writer's
 * line before (32 zero bytes before its first).  The key evolves forward,
 * one step per epoch of AUDIT_CHAIN_EPOCH lines: line N is sealed with the
 * key of epoch e = N / AUDIT_CHAIN_EPOCH,
 *
 *	K_0 = HMAC-SHA-256(master, "filebroker audit chain " || ID)
 *	K_e+1 = SHA-256("filebroker audit key step" || K_e)
 *
 * and the writer keeps only the key of its current epoch, so that whoever
 * takes the broker over later learns no key that could seal a line of an
 * earlier epoch again (forward security, in the manner of journald's
 * Forward Secure Sealing, whose epochs are of time).  The verifier, given
 * the master, derives any K_e in e steps: epochs of lines rather than one
 * step per line keep that short for a chain of billions of lines, at the
 * price that a key taken from a running broker seals again the lines of
 * its epoch written so far.
 *
 * Pure: no allocation, no I/O, but audit_chain_new()'s random id.
 */
#ifndef FB_AUDIT_CHAIN_H
#define FB_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sha256.h"

#define AUDIT_CHAIN_ID_LEN 32  /* hex digits: 128 random bits */
#define AUDIT_DIGEST_HEX 64    /* hex digits of a digest */
#define AUDIT_KEY_ID_LEN 16    /* hex digits naming a master key */
#define AUDIT_KEY_MIN 32       /* bytes of a master key, at least */
#define AUDIT_KEY_MAX 4096     /* and at most */
#define AUDIT_CHAIN_EPOCH 4096 /* lines sealed with one key */

/* The bytes the seal adds to a line: its chain fields for its closing
 * brace, "}\n" included. */
#define AUDIT_CHAIN_TAIL_MAX \
	(sizeof(",\"chain\":\"\",\"seq\":,\"digest\":\"\"}\n") + AUDIT_CHAIN_ID_LEN + 20 + \
	    AUDIT_DIGEST_HEX)

/* The tail that ends every sealed line: ,"digest":"<64 hex>"} */
#define AUDIT_DIGEST_SUFFIX_LEN (sizeof(",\"digest\":\"\"}") - 1 + AUDIT_DIGEST_HEX)

/* One writer's chain: what its next line is sealed with. */
struct audit_chain {
	char id[AUDIT_CHAIN_ID_LEN + 1];
	uint64_t seq;			/* the next line's */
	unsigned char last[SHA256_LEN]; /* the digest of the line before it */
	int keyed;
	unsigned char key[SHA256_LEN];	   /* the key of seq's epoch, when keyed */
	struct hmac_sha256 mac;		   /* HMAC under it, its pads hashed */
	char key_id[AUDIT_KEY_ID_LEN + 1]; /* the master's, when keyed */
};

/*
 * A new chain with a random id, keyed by master (mlen bytes) or not
 * (master NULL).  Returns 0, or -1 with errno of getrandom(2).
 */
int audit_chain_new(struct audit_chain *c, const unsigned char *master, size_t mlen);

/* The chain id at seq 0, as audit_chain_new() makes it (the verifier, and
 * tests, with an id of their own). */
void audit_chain_init(struct audit_chain *c, const char *id, const unsigned char *master,
    size_t mlen);

/* K_0 of chain id under master. */
void audit_chain_key0(const unsigned char *master, size_t mlen, const char *id,
    unsigned char out[SHA256_LEN]);

/* K_e+1 from K_e, in place. */
void audit_chain_key_step(unsigned char key[SHA256_LEN]);

/* c's key set to key (the key of seq's epoch), its HMAC pads hashed. */
void audit_chain_set_key(struct audit_chain *c, const unsigned char key[SHA256_LEN]);

/* The name of a master key in open records ("key_id"): the first 64 bits
 * of SHA-256("filebroker audit key id" || master), in hex.  It tells
 * which key sealed a chain without telling the key. */
void audit_chain_key_id(const unsigned char *master, size_t mlen, char out[AUDIT_KEY_ID_LEN + 1]);

/*
 * Seal the line buf[0..len) ("{...}\n", as audit_format() and the other
 * formatters write it) with c's next seq: its "}\n" becomes the chain
 * fields, "}\n".  size is buf's room; AUDIT_CHAIN_TAIL_MAX more than len
 * always suffices.  Then c moves on to the next line.  Returns the new
 * length, or -1 with errno EINVAL (not a line ending in "}\n") or ENOBUFS
 * (c unchanged then).
 */
ssize_t audit_chain_seal(struct audit_chain *c, char *buf, size_t len, size_t size);

/*
 * The digest of a sealed line's P (its bytes up to ,"digest":) at c's
 * state: last and, keyed, key.  For the verifier.
 */
void audit_chain_digest(const struct audit_chain *c, const char *p, size_t n,
    unsigned char out[SHA256_LEN]);

/* Move c on past a line of digest d: seq + 1, last = d, and the key a step
 * when a new epoch begins. */
void audit_chain_next(struct audit_chain *c, const unsigned char d[SHA256_LEN]);

/* Forget c's key: explicit_bzero. */
void audit_chain_wipe(struct audit_chain *c);

/* 64 hex digits into 32 bytes: 0, or -1 for anything else. */
int audit_chain_unhex(const char *hex, unsigned char out[SHA256_LEN]);

#endif
