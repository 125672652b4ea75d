/*
 * cmd_status.c: `filebroker status`, what a running `filebroker serve`
 * says of itself on its control socket: the peers connected and their
 * counts, the totals, the policy in force.  The protocol is control.h's:
 * connect, read the messages, print the one asked for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmds.h"
#include "control.h"
#include "log.h"
#include "sockfile.h"

#define STATUS_TIMEOUT_S 10 /* the daemon answers at once; this is for a stuck one */

static void
status_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker status [--control PATH | --socket PATH] [--json]\n"
	    "\n"
	    "Show what a running `filebroker serve` is doing: its connected peers\n"
	    "(uid, gid, pid, profile, connections, requests, denials, connected since),\n"
	    "its totals, and the policy in force and when it was loaded.  It asks the\n"
	    "daemon's control socket, which only root may use.\n"
	    "\n"
	    "  --control PATH   the control socket (default %s)\n"
	    "  --socket PATH    the daemon's --socket; the control socket is PATH%s\n"
	    "  --json           one JSON object instead of the report for people\n"
	    "  -h, --help       show this help\n"
	    "\n"
	    "Exit status: 0 with the report, 1 when the daemon is not running or\n"
	    "refuses, 2 for a usage error.\n",
	    CONTROL_DEFAULT, CONTROL_SUFFIX);
}

/* One message into *buf (malloc'ed, NUL-terminated); its length, 0 at the
 * end of the connection, or -1 with errno. */
static ssize_t
recv_msg(int fd, char **buf)
{
	ssize_t n, m;
	char c;

	*buf = NULL;
	/* SOCK_SEQPACKET: MSG_TRUNC says how long the message is. */
	do
		n = recv(fd, &c, 1, MSG_PEEK | MSG_TRUNC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n;
	if (n > CONTROL_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((*buf = malloc((size_t)n + 1)) == NULL)
		return -1;
	do
		m = recv(fd, *buf, (size_t)n, 0);
	while (m == -1 && errno == EINTR);
	if (m != n) {
		free(*buf);
		*buf = NULL;
		if (m >= 0)
			errno = EIO;
		return -1;
	}
	(*buf)[n] = '\0';
	return n;
}

static int
connect_control(const char *path)
{
	struct timeval tv = { STATUS_TIMEOUT_S, 0 };
	struct sockaddr_un sun;
	int fd;

	if (sockfile_addr(&sun, path) == -1) {
		log_warnx("status: control socket path '%s' is %s", path,
		    errno == EINVAL ? "empty" : "too long");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("status: socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		log_warn("status: a receive timeout");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
		log_warnx("status: no control socket at %s: is `filebroker serve` running?", path);
		break;
	case ECONNREFUSED:
		log_warnx("status: %s: nothing listens there: the daemon is not running", path);
		break;
	case EACCES:
	case EPERM:
		log_warnx("status: %s: permission denied: only root may ask the daemon for its "
			  "status",
		    path);
		break;
	default:
		log_warn("status: connecting to %s", path);
	}
	close(fd);
	return -1;
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *control = NULL, *sock = NULL, *want, *body;
	char *path = NULL, *msg;
	size_t hlen = strlen(CONTROL_HEADER);
	ssize_t n;
	int c, fd, json = 0, status = 1, got = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			control = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			status_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (control != NULL && sock != NULL)) {
		log_warnx("status: %s",
		    optind != argc ? "unexpected arguments" : "--control and --socket: give one");
		status_usage(stderr);
		return 2;
	}
	if (control == NULL && sock != NULL) {
		if (asprintf(&path, "%s%s", sock, CONTROL_SUFFIX) == -1)
			fatal("status");
		control = path;
	} else if (control == NULL)
		control = CONTROL_DEFAULT;
	if ((fd = connect_control(control)) == -1) {
		free(path);
		return 1;
	}
	want = json ? "json\n" : "text\n";
	while ((n = recv_msg(fd, &msg)) > 0) {
		got = 1;
		if ((size_t)n <= hlen || strncmp(msg, CONTROL_HEADER, hlen) != 0 ||
		    (body = strchr(msg + hlen, '\n')) == NULL) {
			log_warnx("status: %s: not a filebroker control socket, or another version",
			    control);
			free(msg);
			break;
		}
		body++;
		if (strncmp(msg + hlen, "error\n", 6) == 0) {
			log_warnx("status: the daemon refused: %.*s", (int)strcspn(body, "\n"),
			    body);
			free(msg);
			break;
		}
		if (strncmp(msg + hlen, want, 5) == 0) {
			fwrite(body, 1, (size_t)(msg + n - body), stdout);
			status = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
			if (status != 0)
				log_warn("status: standard output");
			free(msg);
			break;
		}
		free(msg);
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		log_warnx("status: no answer from the daemon on %s within %d seconds", control,
		    STATUS_TIMEOUT_S);
	else if (n == -1)
		log_warn("status: reading from %s", control);
	else if (n == 0)
		log_warnx("status: the daemon on %s closed the connection %s (see its log)",
		    control, got ? "before the report asked for" : "without a report");
	close(fd);
	free(path);
	return status;
}
