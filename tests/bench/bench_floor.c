/*
 * bench_floor.c: the floors the broker is measured against, in the same run
 * and on the same machine.
 *
 *	bench_floor [-n ITERS] [-r RUNS] [-w WARMUP] [-p PLACEMENT] FIGURE FILE
 *
 * FIGURE is one of
 *
 *	open		in-process open(FILE)+close: the native cost
 *	stat		in-process stat(FILE)
 *	pingpong	SOCK_SEQPACKET round trip, 64-byte request, 8-byte reply
 *	scm_open	minimal SCM_RIGHTS passer, no policy, no audit: the
 *			client sends the path, the server opens it and sends the
 *			descriptor back, the client closes it.  The floor of an
 *			explicit fb_open().
 *	scm_stat	the same with stat(2) and the struct stat as the reply
 *	notif_open	minimal seccomp user-notification supervisor: the client
 *			traps openat (SECCOMP_RET_USER_NOTIF), the server polls,
 *			receives, copies the path with process_vm_readv, checks
 *			NOTIF_ID_VALID, opens, and installs the descriptor with
 *			SECCOMP_IOCTL_NOTIF_ADDFD + SECCOMP_ADDFD_FLAG_SEND.  The
 *			floor of the transparent mode.
 *	notif_deny	the same supervisor refusing: RECV, process_vm_readv,
 *			ID_VALID, NOTIF_SEND with -EACCES (the client's open
 *			must fail with EACCES).  The floor of a denied
 *			transparent open().
 *	notif_stat	the same for stat(2) (glibc: newfstatat): RECV,
 *			process_vm_readv, ID_VALID, stat, process_vm_writev of
 *			the struct, ID_VALID (the result reached the live
 *			call), NOTIF_SEND.  The floor of a transparent stat().
 *	notif_open_poll	notif_open with a supervisor that polls the listener
 *			without sleeping (poll with timeout 0) for up to
 *			POLL_US microseconds before it blocks: what "poll
 *			briefly before sleeping" would give the broker,
 *			measured without changing it (SYNC_WAKE_UP does not
 *			help an ADDFD answer; polling is the other way).
 *	scm_open_poll	scm_open with both sides polling their socket
 *			without sleeping for up to POLL_US microseconds
 *			before they block: the client for the reply, the
 *			server for the next request.  What a worker that asks
 *			on a socket (not through seccomp, where the asking
 *			thread sleeps in the kernel) and a broker that both
 *			poll would give: neither CPU goes idle between a
 *			request and its reply.
 *
 * Two-process figures fork: the parent is the server, the child the client
 * that is timed.  PLACEMENT (same, cross, default) pins them as
 * bench_util.h says.  Prints one JSON line (bench_emit()); "cpu_ns_per_op"
 * is the CPU time of both processes over the whole run, warm-up included,
 * divided by the number of operations.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

enum figure {
	F_OPEN,
	F_STAT,
	F_PINGPONG,
	F_SCM_OPEN,
	F_SCM_STAT,
	F_NOTIF_OPEN,
	F_NOTIF_DENY,
	F_NOTIF_STAT,
	F_NOTIF_OPEN_POLL,
	F_SCM_OPEN_POLL,
};

/* notif_open_poll, scm_open_poll: how long a side spins before it sleeps. */
#define POLL_US 50

static const char *const figure_names[] = {
	[F_OPEN] = "open",
	[F_STAT] = "stat",
	[F_PINGPONG] = "pingpong",
	[F_SCM_OPEN] = "scm_open",
	[F_SCM_STAT] = "scm_stat",
	[F_NOTIF_OPEN] = "notif_open",
	[F_NOTIF_DENY] = "notif_deny",
	[F_NOTIF_STAT] = "notif_stat",
	[F_NOTIF_OPEN_POLL] = "notif_open_poll",
	[F_SCM_OPEN_POLL] = "scm_open_poll",
};

/* What the timed child leaves for the parent to print. */
struct shared {
	double runs_ns[BENCH_MAX_RUNS];
	uint64_t client_cpu_ns;
	int ok;
	char err[200];
};

static const char *path;
static size_t pathlen;
static int sock = -1;
static int sock_spin_us; /* scm_open_poll: both sides */

/* Poll pfd without sleeping for up to spin_us (nothing when 0), giving
 * the CPU away between two looks when yield (the other side may be waiting
 * for this CPU): 1 when it became ready (pfd->revents), else 0. */
static int
spin_poll(struct pollfd *pfd, int spin_us, int yield)
{
	uint64_t until;
	int n;

	if (spin_us <= 0)
		return 0;
	until = bench_now_ns() + (uint64_t)spin_us * 1000u;
	do {
		if ((n = poll(pfd, 1, 0)) == 1)
			return 1;
		if (n == 0 && yield)
			sched_yield();
	} while (n != -1 && bench_now_ns() < until);
	return 0;
}

/* Before a blocking receive on sock: scm_open_poll's polling. */
static void
spin_socket(void)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };

	(void)spin_poll(&pfd, sock_spin_us, 1);
}

/* ---- the operations the client repeats; each returns 0 or -1 ---- */

static int
op_open(void)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
op_stat(void)
{
	struct stat st;

	return stat(path, &st);
}

static int
op_open_denied(void)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd != -1) {
		close(fd);
		errno = EEXIST; /* the supervisor did not refuse */
		return -1;
	}
	return errno == EACCES ? 0 : -1;
}

static int
op_pingpong(void)
{
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	if (send(sock, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return -1;
	return recv(sock, buf, sizeof(buf), 0) == 8 ? 0 : -1;
}

/* Receive one reply that carries exactly one descriptor; close it. */
static int
op_scm_open(void)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	int err, fd;

	if (send(sock, path, pathlen, 0) != (ssize_t)pathlen)
		return -1;
	spin_socket();
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &err;
	iov.iov_len = sizeof(err);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(err) || err != 0)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	close(fd);
	return 0;
}

static int
op_scm_stat(void)
{
	struct {
		int err;
		struct stat st;
	} rep;

	if (send(sock, path, pathlen, 0) != (ssize_t)pathlen)
		return -1;
	return recv(sock, &rep, sizeof(rep), 0) == (ssize_t)sizeof(rep) && rep.err == 0 ? 0 : -1;
}

/* ---- servers: serve until the client hangs up ---- */

static void
serve_pingpong(void)
{
	char buf[64];

	while (recv(sock, buf, sizeof(buf), 0) > 0)
		if (send(sock, buf, 8, MSG_NOSIGNAL) != 8)
			break;
}

static void
serve_scm_open(void)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	char buf[4096];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	int fd, err;

	for (;;) {
		spin_socket();
		if ((n = recv(sock, buf, sizeof(buf) - 1, 0)) <= 0)
			break;
		buf[n] = '\0';
		fd = open(buf, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		err = fd == -1 ? errno : 0;
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = &err;
		iov.iov_len = sizeof(err);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (fd != -1) {
			memset(&cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf.b;
			msg.msg_controllen = sizeof(cbuf.b);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
		}
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (fd != -1)
			close(fd);
		if (n == -1)
			break;
	}
}

static void
serve_scm_stat(void)
{
	struct {
		int err;
		struct stat st;
	} rep;
	char buf[4096];
	ssize_t n;

	while ((n = recv(sock, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		memset(&rep, 0, sizeof(rep));
		rep.err = stat(buf, &rep.st) == -1 ? errno : 0;
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) == -1)
			break;
	}
}

/* ---- seccomp user notification ---- */

/* Trap openat and newfstatat, allow everything else; only the native ABI
 * may run. */
static int
notif_install(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_newfstatat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	/* WAIT_KILLABLE_RECV as the transparent mode will use it (§3 of the
	 * transparent-mode memo); older kernels refuse it, so try without. */
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd == -1 && errno == EINVAL)
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd;
}

static int
send_fd(int s, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	char c = 'L';

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(s, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int
recv_fd(int s)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	char c;
	int fd;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* Copy a NUL-terminated string from the target, never reading across a
 * page boundary it did not ask for.  Returns the length or -1. */
static ssize_t
read_path(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0, chunk;
	struct iovec l, r;
	ssize_t n;
	char *nul;

	while (got < size - 1) {
		chunk = 4096 - ((addr + got) & 4095);
		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		l.iov_base = buf + got;
		l.iov_len = chunk;
		r.iov_base = (void *)(uintptr_t)(addr + got);
		r.iov_len = chunk;
		if ((n = process_vm_readv(pid, &l, 1, &r, 1, 0)) <= 0)
			return -1;
		if ((nul = memchr(buf + got, '\0', (size_t)n)) != NULL)
			return nul - buf;
		got += (size_t)n;
	}
	errno = ENAMETOOLONG;
	return -1;
}

/* Wait for the listener: poll(2), after spinning up to spin_us without
 * sleeping when spin_us > 0.  Returns poll's revents, or -1. */
static int
wait_listener(struct pollfd *pfd, int spin_us)
{
	int n;

	if (spin_poll(pfd, spin_us, 0))
		return pfd->revents;
	for (;;) {
		if ((n = poll(pfd, 1, -1)) == 1)
			return pfd->revents;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

/* The supervisor: the steps of docs/threat-model.md 7.2, nothing more.
 * fig says how it answers: notif_open and notif_open_poll with a
 * descriptor, notif_deny with EACCES, notif_stat with the struct. */
static int
serve_notif(int listener, enum figure fig)
{
	struct stat st;
	struct iovec l, r;
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct seccomp_notif_addfd addfd;
	struct pollfd pfd;
	char buf[4096];
	int fd, flags, ev;
	const int spin_us = fig == F_NOTIF_OPEN_POLL ? POLL_US : 0;
	const int nr = fig == F_NOTIF_STAT ? __NR_newfstatat : __NR_openat;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) == -1)
		return -1;
	req = calloc(1, sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
	resp = calloc(1,
	    sz.seccomp_notif_resp > sizeof(*resp) ? sz.seccomp_notif_resp : sizeof(*resp));
	if (req == NULL || resp == NULL)
		return -1;
	pfd.fd = listener;
	pfd.events = POLLIN;
	for (;;) {
		if ((ev = wait_listener(&pfd, spin_us)) == -1)
			return -1;
		if (!(ev & POLLIN))
			break; /* POLLHUP: the client is gone */
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == -1) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return -1;
		}
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		if (req->data.arch != AUDIT_ARCH_X86_64 || req->data.nr != nr) {
			resp->error = -ENOSYS;
			ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
			continue;
		}
		if (read_path(req->pid, req->data.args[1], buf, sizeof(buf)) < 0) {
			resp->error = -EFAULT;
			ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
			continue;
		}
		/* Only now are the bytes known to belong to this syscall. */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == -1)
			continue;
		if (fig == F_NOTIF_DENY) {
			resp->error = -EACCES;
			ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
			continue;
		}
		if (fig == F_NOTIF_STAT) {
			if (stat(buf, &st) == -1) {
				resp->error = -errno;
			} else {
				l.iov_base = &st;
				l.iov_len = sizeof(st);
				r.iov_base = (void *)(uintptr_t)req->data.args[2];
				r.iov_len = sizeof(st);
				if (process_vm_writev(req->pid, &l, 1, &r, 1, 0) !=
				    (ssize_t)sizeof(st))
					resp->error = -EFAULT;
				/* The struct reached the call that asked. */
				else if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) ==
				    -1)
					continue;
			}
			ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
			continue;
		}
		flags = (int)req->data.args[2];
		fd = openat(AT_FDCWD, buf, (flags & O_ACCMODE) | O_CLOEXEC | O_NOCTTY);
		if (fd == -1) {
			resp->error = -errno;
			ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
			continue;
		}
		memset(&addfd, 0, sizeof(addfd));
		addfd.id = req->id;
		addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
		addfd.srcfd = (uint32_t)fd;
		addfd.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
		/* ENOENT: the target was interrupted; nothing was installed. */
		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
		close(fd);
	}
	free(req);
	free(resp);
	return 0;
}

/* ---- the timing loop ---- */

static int
measure(const struct bench_cfg *cfg, int (*op)(void), double *runs_ns, char *err, size_t errsize)
{
	uint64_t t0;
	long i;
	int r;

	for (i = 0; i < cfg->warmup; i++) {
		if (op() == -1)
			goto fail;
	}
	for (r = 0; r < cfg->runs; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < cfg->iters; i++)
			if (op() == -1)
				goto fail;
		runs_ns[r] = (double)(bench_now_ns() - t0) / (double)cfg->iters;
	}
	return 0;
fail:
	snprintf(err, errsize, "operation failed: %s", strerror(errno));
	return -1;
}

static int (*const client_ops[])(void) = {
	[F_OPEN] = op_open,
	[F_STAT] = op_stat,
	[F_PINGPONG] = op_pingpong,
	[F_SCM_OPEN] = op_scm_open,
	[F_SCM_STAT] = op_scm_stat,
	[F_NOTIF_OPEN] = op_open,
	[F_NOTIF_DENY] = op_open_denied,
	[F_NOTIF_STAT] = op_stat,
	[F_NOTIF_OPEN_POLL] = op_open,
	[F_SCM_OPEN_POLL] = op_scm_open,
};

static void __attribute__((noreturn))
client(struct shared *sh, const struct bench_cfg *cfg, enum figure fig, int s)
{
	int cpu = bench_placement_cpu(cfg->placement, 1), listener;

	sock = s;
	if (cpu > -2 && bench_pin(0, cpu) == -1) {
		snprintf(sh->err, sizeof(sh->err), "pinning the client: %s", strerror(errno));
		_exit(1);
	}
	if (fig >= F_NOTIF_OPEN && fig <= F_NOTIF_OPEN_POLL) {
		if ((listener = notif_install()) == -1) {
			snprintf(sh->err, sizeof(sh->err), "seccomp NEW_LISTENER: %s",
			    strerror(errno));
			_exit(1);
		}
		if (send_fd(s, listener) == -1) {
			snprintf(sh->err, sizeof(sh->err), "passing the listener: %s",
			    strerror(errno));
			_exit(1);
		}
		close(listener);
	}
	if (measure(cfg, client_ops[fig], sh->runs_ns, sh->err, sizeof(sh->err)) == 0)
		sh->ok = 1;
	sh->client_cpu_ns = bench_cpu_ns();
	_exit(sh->ok ? 0 : 1);
}

static int
run_pair(const struct bench_cfg *cfg, enum figure fig, struct shared *sh, uint64_t *server_cpu)
{
	int sp[2], status, listener, cpu = bench_placement_cpu(cfg->placement, 0);
	pid_t pid;

	if (cpu > -2 && bench_pin(0, cpu) == -1) {
		snprintf(sh->err, sizeof(sh->err), "pinning the server: %s", strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(sp[0]);
		client(sh, cfg, fig, sp[1]);
	}
	close(sp[1]);
	sock = sp[0];
	switch (fig) {
	case F_PINGPONG:
		serve_pingpong();
		break;
	case F_SCM_OPEN:
	case F_SCM_OPEN_POLL:
		serve_scm_open();
		break;
	case F_SCM_STAT:
		serve_scm_stat();
		break;
	case F_NOTIF_OPEN:
	case F_NOTIF_DENY:
	case F_NOTIF_STAT:
	case F_NOTIF_OPEN_POLL:
		if ((listener = recv_fd(sock)) == -1)
			break;
		if (serve_notif(listener, fig) == -1)
			snprintf(sh->err, sizeof(sh->err), "supervisor: %s", strerror(errno));
		close(listener);
		break;
	case F_OPEN:
	case F_STAT:
		break;
	}
	close(sock);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	*server_cpu = bench_cpu_ns();
	if (!WIFEXITED(status) && sh->err[0] == '\0')
		snprintf(sh->err, sizeof(sh->err), "client killed by signal %d", WTERMSIG(status));
	return sh->ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct bench_cfg cfg = { .iters = 10000,
		.runs = 5,
		.warmup = 1000,
		.placement = BENCH_NONE };
	struct shared *sh;
	uint64_t server_cpu = 0, ops;
	char extra[160];
	size_t i;
	int fig = -1;

	if (bench_parse_args(argc, argv, &cfg, NULL, NULL) == -1 || argc - optind != 2) {
		fprintf(stderr,
		    "usage: bench_floor [-n ITERS] [-r RUNS] [-w WARMUP] "
		    "[-p same|cross|default] FIGURE FILE\n");
		return 2;
	}
	for (i = 0; i < sizeof(figure_names) / sizeof(figure_names[0]); i++)
		if (strcmp(argv[optind], figure_names[i]) == 0)
			fig = (int)i;
	if (fig < 0) {
		fprintf(stderr, "bench_floor: unknown figure %s\n", argv[optind]);
		return 2;
	}
	path = argv[optind + 1];
	pathlen = strlen(path);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("bench_floor: mmap");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	signal(SIGPIPE, SIG_IGN);
	if (fig == F_SCM_OPEN_POLL)
		sock_spin_us = POLL_US;
	ops = (uint64_t)cfg.warmup + (uint64_t)cfg.iters * (uint64_t)cfg.runs;
	if (fig == F_OPEN || fig == F_STAT) {
		cfg.placement = BENCH_NONE;
		if (measure(&cfg, client_ops[fig], sh->runs_ns, sh->err, sizeof(sh->err)) == -1) {
			fprintf(stderr, "bench_floor: %s: %s\n", figure_names[fig], sh->err);
			return 1;
		}
		sh->client_cpu_ns = bench_cpu_ns();
	} else {
		if (cfg.placement == BENCH_NONE)
			cfg.placement = BENCH_DEFAULT;
		if (run_pair(&cfg, (enum figure)fig, sh, &server_cpu) == -1) {
			fprintf(stderr, "bench_floor: %s (%s): %s\n", figure_names[fig],
			    bench_placement_name(cfg.placement),
			    sh->err[0] ? sh->err : strerror(errno));
			return 1;
		}
	}
	snprintf(extra, sizeof(extra), "\"cpu_ns_per_op\":%.1f",
	    (double)(sh->client_cpu_ns + server_cpu) / (double)ops);
	bench_emit(stdout, figure_names[fig], &cfg, sh->runs_ns, cfg.runs, extra);
	return 0;
}
