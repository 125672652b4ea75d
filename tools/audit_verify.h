/*
 * audit_verify.h: check the hash chains of audit files (`filebroker audit
 * --verify`; docs/audit.md, "Tamper evidence"; audit_chain.h says how
 * lines are sealed).
 *
 * The files of a set are given in order (oldest first: a rotation set as
 * logrotate leaves it), and their lines, as audit_read_stream() found them
 * to be, to audit_verify_line().  Each chain (one writer's lines, by their
 * chain id) is followed through the files: every seq from its open record
 * on, each line's digest recomputed from its bytes, the line before it in
 * the chain and, for a keyed chain, the key of that seq.  What does not
 * hold is a break, reported with its place and what it means:
 *
 *	edited		a line whose digest is not that of its content, or an
 *			open record whose prev is not the chain's line before
 *	missing		seqs of a chain skipped (lines removed, a file of the
 *			set not given), a chain that begins without its open
 *			record, an open record whose "after" (the file's last
 *			line when the broker opened it) is not before it
 *	reordered	a seq that comes after a later one of its chain
 *	inserted	a line that belongs to no chain among chained lines, a
 *			line after its chain's close record
 *	unreadable	a line that is not a record (edited, corrupted)
 *	key		a keyed chain sealed with another key than the one
 *			given, or an unkeyed chain when a key is given
 *	anchor		an anchor (--anchor) not found as it was
 *
 * and notes, which are not breaks: torn lines (never part of a chain: a
 * broker seals a line into its chain only once it was written whole),
 * chains without a close record (their broker is running, was killed, or
 * their end was removed: only an anchor tells which), lines before the
 * first chained one (version 1), a chain continued from a file before the
 * first one given.
 *
 * Memory: a small state per chain, and the hashes of the last
 * AUDIT_VERIFY_WINDOW lines.
 */
#ifndef FB_AUDIT_VERIFY_H
#define FB_AUDIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "audit_chain.h"
#include "audit_read.h"

/* Lines before an open record that its "after" may name: other brokers
 * sharing the file may have written between its look at the file's end
 * and its open record. */
#define AUDIT_VERIFY_WINDOW 256

/* Key steps (epochs, audit_chain.h) followed to reach a seq, at most:
 * about a second of SHA-256 per 10,000,000, and 2^28 epochs are a chain
 * of a trillion lines. */
#define AUDIT_VERIFY_STEPS_MAX (1ULL << 28)

struct audit_verify;

struct audit_verify_finding {
	int is_break;	  /* 1: a break; 0: a note */
	const char *what; /* "edited", "missing", ... (above), or for a note
			     "torn", "open", "unchained", "continues" */
	const char *name; /* the file, NULL for the whole set */
	uint64_t line;	  /* 0: no line */
	const char *msg;
};

/* A chain as the verifier saw it. */
struct audit_verify_chain {
	char id[AUDIT_CHAIN_ID_LEN + 1];
	int keyed;
	char key_id[AUDIT_KEY_ID_LEN + 1];
	int verified;	/* its digests were checked (unkeyed, or the key
				    was given) */
	int closed;	/* its close record was read */
	uint64_t lines; /* its lines read */
	uint64_t first_seq, last_seq;
	const char *first_name, *last_name;
	uint64_t first_line, last_line;
	char last_digest[AUDIT_DIGEST_HEX + 1];
};

struct audit_verify_result {
	uint64_t lines, chained, unchained, torn, breaks, unverified;
	size_t nfiles, nchains, nkeyed, nopen, nanchors;
};

/*
 * A verifier.  key: the master key (audit_key_read()), NULL when none was
 * given; keyed chains are then checked for their seqs only.  report is
 * called for each break and note, in order.  NULL without memory.
 */
struct audit_verify *audit_verify_new(const unsigned char *key, size_t klen,
    void (*report)(const struct audit_verify_finding *f, void *arg), void *arg);

/* An anchor to check, "CHAIN:SEQ:DIGEST" as audit_anchors() writes it: 0,
 * or -1 with errno EINVAL for anything else (ENOMEM). */
int audit_verify_anchor(struct audit_verify *v, const char *anchor);

/* The next file of the set begins (name kept, not copied). */
void audit_verify_file(struct audit_verify *v, const char *name);

/* A line of the current file: audit_read_cb's line function, with v as
 * its arg.  Returns 0. */
int audit_verify_line(const struct audit_line *l, void *v);

/* Every file was read: chains without their close record, anchors not
 * reached; the counts into res. */
void audit_verify_end(struct audit_verify *v, struct audit_verify_result *res);

/* fn for each chain, in the order they were first seen. */
void audit_verify_chains(const struct audit_verify *v,
    void (*fn)(const struct audit_verify_chain *c, void *arg), void *arg);

void audit_verify_free(struct audit_verify *v);

#endif
