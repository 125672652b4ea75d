/*
 * fdpass.h: sending one message with descriptors attached (SCM_RIGHTS), for
 * the broker's replies and the worker's set-up reports.
 */
#ifndef FB_FDPASS_H
#define FB_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Descriptors one message may carry: the kernel's SCM_MAX_FD.  More would
 * fail with EINVAL in sendmsg(2). */
#define FDPASS_MAX 253

/*
 * Send len bytes of buf on the socket sock as one message, with the nfds
 * descriptors of fds attached in that order (none when nfds is 0; the
 * caller keeps its copies).  flags are sendmsg(2)'s; MSG_NOSIGNAL is always
 * added.  Retries on EINTR.  Returns what sendmsg returned, or -1 with
 * errno EINVAL for more than FDPASS_MAX descriptors.
 */
ssize_t fdpass_sendv(int sock, const void *buf, size_t len, const int *fds, size_t nfds,
    int flags);

/* fdpass_sendv() with fd attached when fd is not -1. */
ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd, int flags);

#endif
