/*
 * audit_pair.h: a change's two records paired, for the offline tools
 * (docs/audit.md, "Write-ahead").  A request that changes the file system
 * leaves its intent ("phase":"intent"), written before the change, and its
 * outcome ("phase":"done") after it, both with the session's id and the
 * request's number ("req").  Read in file order, each intent is held until
 * its outcome comes, which lets it go: the pair is one request, counted
 * once, by its outcome.  An intent still held when the reading ends has no
 * outcome in the files read: its broker stopped between the intent and the
 * outcome (killed, or its sink failed), and whether the change was made
 * only the file system can tell.  Outcomes without their intent (in a file
 * not given, or removed) are counted.
 *
 * Pure: no I/O.  An intent is held as its line's bytes and place (the name
 * is kept, not copied), and read back when it is let go; at most
 * AUDIT_PAIR_MAX at a time (a broker has one in flight per serving thread:
 * only a trail of that many brokers stopped in a change comes near it).
 */
#ifndef FB_AUDIT_PAIR_H
#define FB_AUDIT_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "audit_read.h"

#define AUDIT_PAIR_MAX 65536

struct audit_pair_stats {
	uint64_t intents; /* intents taken */
	uint64_t paired;  /* outcomes that found their intent */
	uint64_t orphans; /* outcomes that did not */
	uint64_t unknown; /* intents let go without an outcome
			      (audit_pair_oldest()) */
};

struct audit_pair; /* the intents held */

/* A new, empty set; NULL with errno ENOMEM. */
struct audit_pair *audit_pair_new(void);

/* Free p and everything held.  p may be NULL. */
void audit_pair_free(struct audit_pair *p);

/*
 * Hold the intent r (r->phase AUDIT_PHASE_INTENT), read from bytes[0..len)
 * at place at (its name kept), until its outcome.  0; 1 when AUDIT_PAIR_MAX
 * are held already (nothing taken: let the oldest go with
 * audit_pair_oldest() first); -1 with errno ENOMEM, or EINVAL when r is no
 * intent.
 */
int audit_pair_intent(struct audit_pair *p, const struct audit_rec *r, const char *bytes,
    size_t len, const struct audit_read_place *at);

/*
 * The outcome r (r->phase AUDIT_PHASE_DONE): 1 when its intent (the same
 * session and req, the oldest such) was held, which is let go; 0 when none
 * was (an orphan).  Any other record: 0, nothing counted.
 */
int audit_pair_done(struct audit_pair *p, const struct audit_rec *r);

/*
 * Let the oldest intent held go, its outcome unknown: read back into r
 * (its strings in store, size bytes, AUDIT_RECORD_MAX + 16 always enough)
 * with its place in *at.  1 when one was; 0 when none is held; -1 with
 * errno ENOBUFS when store is too small for it (it stays held).
 */
int audit_pair_oldest(struct audit_pair *p, struct audit_rec *r, char *store, size_t size,
    struct audit_read_place *at);

/* How many are held now, and the counts so far. */
size_t audit_pair_held(const struct audit_pair *p);
const struct audit_pair_stats *audit_pair_stats(const struct audit_pair *p);

#endif
