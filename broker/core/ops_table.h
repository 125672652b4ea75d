/*
 * ops_table.h: the operation table, one row per operation (enum op,
 * request.h), the single place that says what each operation is.  What
 * reads it:
 *
 *	ops.c		finds the handler, checks the front end and the paths,
 *			writes the record (name, the fields it shows) and
 *			withholds the answer when the record failed
 *	wire.c		maps wire message types to operations (wire)
 *	notify.c	answers a notification by the row's answer kind
 *	confine.c	allows the broker the system calls the row needs
 *			(needs), in the modes whose front ends send it
 *	tests/unit/test_ops_table.c
 *			checks the rest against it: the worker's seccomp
 *			filter notifies exactly the system calls the rows
 *			list (notified), the notification decoder maps each
 *			of them to its row and nothing else, the broker's
 *			allowlist has every call a row needs
 *
 * docs/design.md, "Adding a brokered call", says how a new row is added.
 */
#ifndef FB_OPS_TABLE_H
#define FB_OPS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

struct opctx;

/* What the record of a request shows besides its paths and decision. */
#define REC_NONE 0x0u	 /* not recorded at all (channel) */
#define REC_ON 0x1u	 /* recorded */
#define REC_PATH2 0x2u	 /* path2, as asked, and canon2 */
#define REC_RESOLVE 0x4u /* open's RESOLVE_* bits */
/* It may change the file system: its handler writes the intent before the
 * change (ops_intent(), docs/audit.md "Write-ahead"). */
#define REC_AHEAD 0x8u

/* The uint32_t of union op_args a record shows as its "flags": SHOWS(m)
 * for member m (open.flags, chmod.mode, ...); 0 for none. */
#define SHOWS(m) (offsetof(union op_args, m) + 1)

struct op_def {
	const char *name;		 /* in records and logs */
	int (*handler)(struct opctx *c); /* 0 or the errno to answer */
	uint8_t paths;			 /* absolute paths it names: 0, 1, 2 */
	uint8_t fronts;			 /* FRONT_* that may send it */
	uint8_t answer;			 /* enum answer */
	uint8_t withhold;		 /* the answer leaves only with its record
					     (EIO when it could not be written) */
	uint8_t record;			 /* REC_* */
	size_t shows;			 /* SHOWS(), or 0 */
	unsigned access;		 /* POLICY_* decided on; 0: the handler
					     computes it (open, access, watch) */
	uint16_t wire;			 /* its FB_MSG_* type, or 0: not on the wire */
	/* System calls, space-separated names.  notified: those the worker's
	 * filter sends to the broker as this operation (transparent mode).
	 * needs: those the handler makes beyond resolving and deciding (which
	 * every operation does: openat2, openat, statx, readlinkat, fstatfs,
	 * getdents64, ...). */
	const char *notified;
	const char *needs;
};

extern const struct op_def ops_defs[OP_COUNT];

/* The operation of wire type t (FB_MSG_*), or OP_COUNT: none. */
enum op ops_of_wire(unsigned t);

#endif
