/*
 * fdmsg.h: one message with at most one descriptor, for the test helpers
 * that hand sockets and listeners around by hand (fbident, fblistener).
 * Header-only: each helper is one program.
 */
#ifndef FB_TEST_FDMSG_H
#define FB_TEST_FDMSG_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Send len bytes of buf on sock as one message, with fd when it is not
 * -1.  0, or -1 with errno. */
static int
fdmsg_send(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;

	memset(&m, 0, sizeof(m));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (fd != -1) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.b;
		m.msg_controllen = sizeof(c.b);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* One message into buf (size bytes), waiting at most timeout_ms (-1:
 * forever); its descriptor (close-on-exec) in *fd, or -1.  The length, or
 * -1 with errno (ETIMEDOUT). */
static ssize_t
fdmsg_recv(int sock, void *buf, size_t size, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	if (poll(&p, 1, timeout_ms) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	iov.iov_base = buf;
	iov.iov_len = size;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = c.b;
	m.msg_controllen = sizeof(c.b);
	n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	cm = CMSG_FIRSTHDR(&m);
	if (n >= 0 && cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return n;
}

#endif
