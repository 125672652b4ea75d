/*
 * systemd.c: socket activation and readiness notifications for `filebroker
 * serve`, without libsystemd; see systemd.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "systemd.h"

/* The notification protocol is one datagram to $NOTIFY_SOCKET. */
void
systemd_notify(const char *msg)
{
	struct sockaddr_un sun;
	const char *e = getenv("NOTIFY_SOCKET");
	size_t len;
	int fd;

	if (e == NULL || (e[0] != '/' && e[0] != '@'))
		return;
	len = strlen(e);
	if (len >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, e, len);
	if (e[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) == -1)
		log_debug("notifying systemd: %s", strerror(errno));
	close(fd);
}

int
systemd_listen_fd(void)
{
	const char *spid = getenv("LISTEN_PID"), *sn = getenv("LISTEN_FDS");
	int type = 0, domain = 0, acc = 0;
	socklen_t len;
	char *end;
	long pid, n;

	if (spid == NULL || sn == NULL)
		return -1;
	pid = strtol(spid, &end, 10);
	if (*end != '\0' || pid != (long)getpid())
		return -1;
	n = strtol(sn, &end, 10);
	if (*end != '\0' || n != 1)
		fatalx("serve: socket activation passed %s sockets; exactly one is expected", sn);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	len = sizeof(type);
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		fatal("serve: socket activation: descriptor 3");
	len = sizeof(domain);
	getsockopt(3, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	len = sizeof(acc);
	getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
	if (type != SOCK_SEQPACKET || domain != AF_UNIX || !acc)
		fatalx("serve: socket activation: descriptor 3 is not a listening Unix "
		       "SOCK_SEQPACKET socket (use ListenSequentialPacket=)");
	if (fcntl(3, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK) == -1)
		fatal("serve: socket activation: descriptor 3");
	return 3;
}
