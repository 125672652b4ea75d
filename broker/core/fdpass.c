/*
 * fdpass.c: see fdpass.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

int
fdpass_want_creds(int sock)
{
	int one = 1;

	return setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
}

ssize_t
fdpass_recv(int sock, void *buf, size_t size, struct fdpass_in *in)
{
	/* The most descriptors a message can carry, and the credentials. */
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * FDPASS_MAX) + CMSG_SPACE(sizeof(struct ucred))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	size_t i, n;
	int fd;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = size;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	in->nfds = 0;
	in->has_cred = 0;
	in->flags = 0;
	do
		in->len = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (in->len == -1 && errno == EINTR);
	if (in->len == -1)
		return -1;
	in->flags = msg.msg_flags;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&in->cred, CMSG_DATA(cm), sizeof(in->cred));
			in->has_cred = 1;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < n; i++) {
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (in->nfds < FDPASS_MAX)
					in->fds[in->nfds++] = fd;
				else
					close(fd); /* cannot happen: SCM_MAX_FD */
			}
		}
	}
	return in->len;
}

void
fdpass_close_quietly(int fd)
{
	struct linger off = { 0, 0 };
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
	close(fd);
}

void
fdpass_drain(int sock, unsigned max)
{
	struct fdpass_in in;
	char buf[64]; /* the data does not matter: MSG_TRUNC */
	unsigned i, n;

	for (n = 0; n < max; n++) {
		if (fdpass_recv(sock, buf, sizeof(buf), &in) <= 0 && in.nfds == 0)
			return;
		for (i = 0; i < in.nfds; i++)
			fdpass_close_quietly(in.fds[i]);
	}
}
