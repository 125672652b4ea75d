/*
 * fdpass.h: one message with descriptors attached (SCM_RIGHTS): sending, for
 * the broker's replies and the worker's set-up reports; receiving, with the
 * kernel's word on who sent it (SCM_CREDENTIALS), for the broker's requests.
 */
#ifndef FB_FDPASS_H
#define FB_FDPASS_H

#include <stddef.h>
#include <sys/socket.h>
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
ssize_t fdpass_sendv(int sock, const void *buf, size_t len, const int *fds, size_t nfds, int flags);

/* fdpass_sendv() with fd attached when fd is not -1. */
ssize_t fdpass_send(int sock, const void *buf, size_t len, int fd, int flags);

/*
 * Ask the kernel to attach its credentials of the sending process to every
 * message that arrives on sock from now on (SO_PASSCRED): who sent each
 * message, not who connected.  On a listening socket, the sockets it
 * accepts inherit it, and messages sent before accept() carry them too.
 * Messages already queued on a connected socket do not.  Returns 0 or -1
 * with errno.
 */
int fdpass_want_creds(int sock);

/* One message as fdpass_recv() received it. */
struct fdpass_in {
	ssize_t len;	   /* bytes, as recvmsg(2) returned them */
	int flags;	   /* msg_flags: MSG_TRUNC, MSG_CTRUNC */
	int has_cred;	   /* cred is the kernel's (SCM_CREDENTIALS) */
	struct ucred cred; /* the sending process (tgid), its real uid, gid */
	unsigned nfds;	   /* descriptors that came with it, in fds */
	int fds[FDPASS_MAX];
};

/*
 * Receive one message from sock into buf (size bytes), without waiting,
 * with every descriptor it carries (close-on-exec) and the sender's
 * credentials when fdpass_want_creds() was asked.  The caller owns and
 * closes in->fds[0 .. in->nfds - 1], whatever else it finds.  Retries on
 * EINTR.  Returns in->len: bytes, 0 at end of file (or an empty message),
 * or -1 with errno (EAGAIN: nothing there).
 */
ssize_t fdpass_recv(int sock, void *buf, size_t size, struct fdpass_in *in);

/*
 * Close a descriptor a worker sent, without letting it make the close
 * wait: a socket gets SO_LINGER off first (a TCP socket whose sender set a
 * linger time would otherwise block close(2) until its data is taken or
 * the time is up, as long as the sender wants).  What else a close may
 * wait on (a FUSE file's flush) stays; callers never hold a lock.
 */
void fdpass_close_quietly(int fd);

/*
 * Before closing socket sock: take up to max messages still queued on it
 * and close the descriptors they carry with fdpass_close_quietly(), which
 * the kernel would otherwise close (and wait for) itself when sock goes.
 */
void fdpass_drain(int sock, unsigned max);

#endif
