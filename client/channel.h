/*
 * channel.h: libfilebroker's connections to the broker (internal).
 *
 * A connection's bootstrap socket (FILEBROKER_FD, the one fb_connect() or
 * fb_conn_new() connected to a path, the one given to fb_conn_from_fd()) is
 * only ever used for FB_MSG_CHANNEL; every other request travels on a
 * private channel from a small per-process pool of that connection,
 * strictly one request and its reply at a time.  docs/protocol.md explains
 * why.
 */
#ifndef FB_CHANNEL_H
#define FB_CHANNEL_H

#include "proto.h"

#define CHANNEL_HIDDEN __attribute__((visibility("hidden")))

/* Channels per connection and process; more threads than this take turns. */
#define CHANNEL_MAX 8

struct fb_conn; /* filebroker.h's fb_conn */

/*
 * Send req on a channel of connection c (req->id is assigned here) and
 * wait for its reply.  Returns 0 if the broker reported success, with *rep
 * filled in and, for a reply that carries a descriptor, that descriptor
 * (close-on-exec, owned by the caller) in *fdp; fdp must be non-NULL for
 * FB_MSG_OPEN.  Returns -1 with errno: the broker's error; EINVAL (req
 * cannot be encoded); ENOTCONN, EBADF, ENOTSOCK, EPROTOTYPE (no usable
 * broker socket, see fb_connect()); EPROTO (malformed or mismatched reply:
 * the channel is dropped); ECONNRESET (the broker closed the connection);
 * EMFILE/ENFILE and other socket errors.
 */
CHANNEL_HIDDEN int channel_call(struct fb_conn *c, struct fb_request *req, struct fb_reply *rep,
    int *fdp);

/*
 * channel_call() for a request that carries a descriptor (FB_MSG_LISTENER,
 * proto_request_nfds()): sendfd is attached, the caller keeps its copy.
 * Also EBADF (sendfd < 0 for such a request), EINVAL (sendfd given for
 * another).
 */
CHANNEL_HIDDEN int channel_call_fd(struct fb_conn *c, struct fb_request *req, int sendfd,
    struct fb_reply *rep, int *fdp);

/*
 * Send the FB_MSG_OPENV request v (v->id is assigned here) on a channel of
 * c and wait for its reply; as channel_call().  Returns 0 when the broker
 * answered with error 0: *rep holds a result per entry (rep->count ==
 * v->count) and fds[0 .. rep->nfds - 1] the descriptors of the entries
 * whose result is 0, in entry order (close-on-exec, owned by the caller).
 * Returns -1 with errno as channel_call(), also EMSGSIZE (v does not fit in
 * FB_MSG_MAX); then no descriptor is left open.  A reply whose count,
 * results and descriptors disagree is EPROTO, like any other malformed
 * reply.
 */
CHANNEL_HIDDEN int channel_openv(struct fb_conn *c, struct fb_openv_request *v,
    struct fb_reply *rep, int fds[FB_OPENV_MAX]);

/*
 * The rule the broker named (proto.h: a denial's, with --tell-rules) in
 * the last reply this thread received through channel_call(),
 * channel_call_fd() or channel_openv() since its last
 * channel_rule_forget(), or NULL.  The string is the thread's, valid until
 * its next call of either: fb_last_rule() returns it, and every public
 * call that asks the broker forgets it first.
 */
CHANNEL_HIDDEN const char *channel_last_rule(void);
CHANNEL_HIDDEN void channel_rule_forget(void);

/* The default connection: the calls without a handle use it. */
CHANNEL_HIDDEN struct fb_conn *channel_default(void);

/* fb_connect(), fb_disconnect() (the default connection); see
 * filebroker.h. */
CHANNEL_HIDDEN int channel_connect(const char *socket_path);
CHANNEL_HIDDEN void channel_disconnect(void);

/* fb_conn_new(), fb_conn_from_fd(), fb_conn_free(); see filebroker.h. */
CHANNEL_HIDDEN struct fb_conn *channel_conn_new(const char *socket_path);
CHANNEL_HIDDEN struct fb_conn *channel_conn_from_fd(int fd);
CHANNEL_HIDDEN void channel_conn_free(struct fb_conn *c);

/*
 * For fb_sandbox_enter(), before it closes every descriptor it does not
 * keep: channel_sandbox_forget() closes and forgets the channels of every
 * connection; channel_next_boot_fd(from) is the lowest bootstrap socket of
 * any connection that is >= from, or -1 (the sandbox keeps them all, so
 * that the process can still ask for channels).  The caller must be the
 * process's only thread.
 */
CHANNEL_HIDDEN void channel_sandbox_forget(void);
CHANNEL_HIDDEN int channel_next_boot_fd(int from);

/* close(fd) unless fd is one of the library's sockets, of any connection
 * (EBADF). */
CHANNEL_HIDDEN int channel_close_user_fd(int fd);

#endif
