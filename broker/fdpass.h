/*
 * fdpass.h: sending one message with at most one descriptor (SCM_RIGHTS),
 * for the broker's replies and the worker's set-up reports.
 */
#ifndef FB_FDPASS_H
#define FB_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Send len bytes of buf on the socket sock as one message, with fd attached
 * when fd is not -1 (the caller keeps its copy).  flags are sendmsg(2)'s;
 * MSG_NOSIGNAL is always added.  Retries on EINTR.  Returns what sendmsg
 * returned.
 */
ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd, int flags);

#endif
