/*
 * learn.h: what `filebroker learn` (cmd_learn.c) makes of audit records: a
 * policy that allows every (canonical path, access) the records show as
 * used and nothing more.  Allowed and would-deny requests were used;
 * requests an enforcing broker denied, and requests that failed before any
 * decision, were not and are left out, as are records whose path is not
 * canonical (counted with the failed ones: no rule for it would load) and
 * paths a base policy already allows.  /proc/PID/... of the process that asked is /proc/self/... to a
 * policy.  What a program made, its next run finds there: a file made by
 * an open also gets the read or write that open asked for, a folder made
 * stat.
 *
 * Folding (generalize): at least min files with the same access in one
 * folder become "DIR/ *" (without the space), and a folder two of whose
 * sub-folders were folded becomes "DIR/ **"; never at or above a sensitive
 * root (/, /proc/self, the defaults of learn_new() and learn_sensitive()'s),
 * so that a learned policy never grants all of /etc because a program read
 * three files there.
 *
 * No I/O but learn_print()'s; out of memory is fatal (log.h).
 */
#ifndef FB_LEARN_H
#define FB_LEARN_H

#include <stddef.h>
#include <stdio.h>

#include "audit_read.h"
#include "policy.h"

#define LEARN_SENSITIVE_MAX 64 /* sensitive roots, the 15 defaults included */

struct learn;

/* An empty learner with the default sensitive roots: /etc, /home, /root,
 * /usr, /var, /proc, /dev, /sys, /tmp, /run, /boot, /srv, /opt, /mnt,
 * /media. */
struct learn *learn_new(void);
void learn_free(struct learn *l);

/* Another sensitive root: 0, or -1 when path is not a canonical absolute
 * path or LEARN_SENSITIVE_MAX are set.  path is kept, not copied. */
int learn_sensitive(struct learn *l, const char *path);

/* Take one record (an audit_read_cb.record: arg is the struct learn).
 * Returns 0. */
int learn_record(const struct audit_rec *r, void *arg);

/* Once every record is in: drop what base allows, then fold (generalize:
 * min files or more, min >= 2). */
void learn_finish(struct learn *l, const struct policy *base, int generalize, size_t min);

/* Print the policy: a header naming source, "include BASE" (the base
 * policy's path; NULL: @runtime), one rule per line with its uses; a path
 * whose rule does not fit on a line (POLICY_LINE_MAX) is left out, with a
 * warning.  0, or -1 when writing failed (ferror). */
int learn_print(struct learn *l, FILE *out, const char *base, const char *source);

#endif
