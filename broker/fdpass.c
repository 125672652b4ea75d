/*
 * fdpass.c: see fdpass.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fdpass.h"

ssize_t
fdpass_sendv(int sock, const void *buf, size_t len, const int *fds, size_t nfds, int flags)
{
	/* Room for the most a message can carry, aligned for the header:
	 * about 1 KiB of stack, and no allocation on the reply path. */
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	if (nfds > FDPASS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		/* One control message with every descriptor: the receiver
		 * checks for exactly that. */
		memset(cbuf.b, 0, CMSG_SPACE(sizeof(int) * nfds));
		msg.msg_control = cbuf.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n;
}

ssize_t
fdpass_send(int sock, const void *buf, size_t len, int fd, int flags)
{
	return fdpass_sendv(sock, buf, len, &fd, fd != -1 ? 1 : 0, flags);
}
