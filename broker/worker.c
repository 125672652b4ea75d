/*
 * worker.c: fork, confine, exec; see worker.h.
 *
 * The child reports to the broker through a close-on-exec SOCK_SEQPACKET
 * pair: the seccomp listener (SCM_RIGHTS) in transparent mode, or the
 * errno and the step that failed.  The broker reads until end of file,
 * which is the exec closing the child's end.
 *
 * Between fb_sandbox_enter() and execve() the child makes no path
 * syscall: in transparent mode it would wait for a broker that is not
 * serving yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "landlock.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"
#include "worker.h"

extern char **environ;

#define MSG_LISTENER 'L'
#define MSG_ERROR 'E'

struct child_msg {
	char kind;
	char reason; /* step is the whole reason, errno included (the sandbox's) */
	int err;
	char step[200];
};

static void
child_send(int fd, const struct child_msg *m, int pass)
{
	(void)fdpass_send(fd, m, sizeof(*m), pass, 0);
}

/* Tell the broker which step failed, with errno; reason: step is already
 * the whole reason (the sandbox's report, which names the errno). */
static void __attribute__((noreturn))
child_fail_msg(int fd, const char *step, int reason)
{
	struct child_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = MSG_ERROR;
	m.reason = (char)reason;
	m.err = errno;
	snprintf(m.step, sizeof(m.step), "%s", step);
	child_send(fd, &m, -1);
	_exit(m.err == ENOENT ? 127 : 126);
}

static void __attribute__((noreturn))
child_fail(int fd, const char *step)
{
	child_fail_msg(fd, step, 0);
}

struct report {
	int fd;
	char last[200];
};

/* The sandbox's reasons: weakenings go to stderr at once, a failure's
 * reason is kept for the broker to print. */
static void
child_report(const char *msg, void *arg)
{
	struct report *r = arg;
	char line[300];
	int n;

	snprintf(r->last, sizeof(r->last), "%s", msg);
	n = snprintf(line, sizeof(line), "filebroker: %s\n", msg);
	if (n > 0 && strstr(msg, "weaker") != NULL)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

int
worker_find(const char *cmd, char *buf, size_t size)
{
	const char *path, *p, *end;
	struct stat st;
	int err = ENOENT;
	size_t dl;

	if (strchr(cmd, '/') != NULL) {
		if (strlen(cmd) >= size)
			return ENAMETOOLONG;
		if (stat(cmd, &st) == -1)
			return errno;
		strcpy(buf, cmd);
		return 0;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		dl = (size_t)(end - p);
		if (dl + 1 + strlen(cmd) + 1 > size)
			continue;
		if (dl == 0)
			snprintf(buf, size, "%s", cmd);
		else
			snprintf(buf, size, "%.*s/%s", (int)dl, p, cmd);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return 0;
			err = EACCES;
		}
	}
	return err;
}

/* Append lib to LD_PRELOAD: last, so that the user's own preloads come
 * first and keep any fstat() of theirs.  A list too long to extend is left
 * as it is: the library only saves time. */
static int
add_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char buf[8192];

	if (old == NULL || old[0] == '\0')
		return setenv("LD_PRELOAD", lib, 1);
	if ((size_t)snprintf(buf, sizeof(buf), "%s:%s", old, lib) >= sizeof(buf))
		return 0;
	return setenv("LD_PRELOAD", buf, 1);
}

/*
 * Does the program at path load a sanitizer runtime, which must be the first
 * library in the link map (ASan dies otherwise, "runtime does not come
 * first")?  A look for its name in the head of the file, where the dynamic
 * string table sits in practice: a miss costs only the round trips the
 * preload library saves, and --no-preload is there for a sanitized program
 * that a script starts.
 */
static int
needs_runtime_first(const char *path)
{
	static const char *const rt[] = { "libasan.so", "libtsan.so", "libhwasan.so",
		"libclang_rt.asan", "libclang_rt.tsan", "libclang_rt.hwasan" };
	static char head[256 * 1024];
	ssize_t n;
	size_t i;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	for (i = 0; n > 0 && i < sizeof(rt) / sizeof(rt[0]); i++)
		if (memmem(head, (size_t)n, rt[i], strlen(rt[i])) != NULL)
			return 1;
	return 0;
}

/* In the child: everything up to exec.  Never returns. */
static void __attribute__((noreturn))
child(struct worker_spec *ws, int st, pid_t parent)
{
	char num[16], path[PATH_MAX];
	struct fb_sandbox sb;
	struct report rep;
	struct child_msg m;
	int sock = ws->sock, lfd = -1, e;

	if (sigprocmask(SIG_SETMASK, ws->sigmask, NULL) == -1)
		child_fail(st, "sigprocmask");
	/* The broker ignores SIGPIPE and SIGXFSZ; an ignored signal would
	 * survive exec. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	/* Keep the socket off stdio. */
	if (sock <= STDERR_FILENO && (sock = fcntl(sock, F_DUPFD_CLOEXEC, 3)) == -1)
		child_fail(st, "dup");
	if (fcntl(sock, F_SETFD, 0) == -1)
		child_fail(st, "fcntl");
	snprintf(num, sizeof(num), "%d", sock);
	if (setenv(FB_ENV_FD, num, 1) == -1)
		child_fail(st, "setenv");
	if ((e = worker_find(ws->argv[0], path, sizeof(path))) != 0) {
		errno = e;
		child_fail(st, "exec");
	}
	if (ws->preload != NULL && !needs_runtime_first(path) && add_preload(ws->preload) == -1)
		child_fail(st, "setenv LD_PRELOAD");

	if (ws->sandbox) {
		/* COMMAND itself may be exec'd: the user asked for it (run.c
		 * refused a COMMAND a deny rule denies).  The file it is now,
		 * by descriptor, opened with the broker's rights: a COMMAND
		 * the worker's user cannot reach still fails at exec. */
		if (ws->exec_ruleset >= 0) {
			int cfd;

			if ((cfd = open(path, O_PATH | O_CLOEXEC)) == -1)
				child_fail(st, "exec");
			if (landlock_ruleset_add_exec(ws->exec_ruleset, cfd) == -1)
				child_fail(st, "Landlock execute rule for COMMAND");
			close(cfd);
		}
		memset(&rep, 0, sizeof(rep));
		memset(&sb, 0, sizeof(sb));
		sb.keep_fd = sock;
		sb.status_fd = st;
		sb.set_user = ws->set_user;
		sb.uid = ws->uid;
		sb.gid = ws->gid;
		sb.exec_paths = ws->exec;
		sb.allow_net = ws->allow_net;
		sb.transparent = ws->transparent;
		sb.listener_fd = &lfd;
		sb.weaker = ws->weaker;
		sb.report = child_report;
		sb.report_arg = &rep;
		if (sandbox_enter_ruleset(&sb, ws->exec_ruleset) == -1)
			child_fail_msg(st, rep.last[0] ? rep.last : "sandbox", rep.last[0] != '\0');
	} else {
		if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
			child_fail(st, "close_range");
		if (fcntl(sock, F_SETFD, 0) == -1)
			child_fail(st, "fcntl");
		if (ws->set_user) {
			if (setgroups(0, NULL) == -1)
				child_fail(st, "setgroups");
			if (setresgid(ws->gid, ws->gid, ws->gid) == -1)
				child_fail(st, "setresgid");
			if (setresuid(ws->uid, ws->uid, ws->uid) == -1)
				child_fail(st, "setresuid");
			if (ws->uid != 0 && setresuid(0, 0, 0) != -1) {
				errno = EPERM;
				child_fail(st, "dropping root (could regain it)");
			}
		}
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			child_fail(st, "PR_SET_NO_NEW_PRIVS");
	}
	/* After the uid change, which clears it; then make sure the broker
	 * did not die before it took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		child_fail(st, "PR_SET_PDEATHSIG");
	if (getppid() != parent) {
		errno = ESRCH;
		child_fail(st, "broker gone");
	}
	if (lfd != -1) {
		memset(&m, 0, sizeof(m));
		m.kind = MSG_LISTENER;
		child_send(st, &m, lfd);
		/* A worker holding its own listener could answer its own
		 * notifications. */
		close(lfd);
	}
	execve(path, ws->argv, environ);
	child_fail(st, "exec");
}

/* Read the child's reports until exec closes its end. */
static int
read_reports(int fd, struct child_msg *err, int *listener)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct child_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	int got = -1, failed = 0;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = &m;
		iov.iov_len = sizeof(m);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = c.b;
		msg.msg_controllen = sizeof(c.b);
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		cm = CMSG_FIRSTHDR(&msg);
		if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			if (got != -1)
				close(got);
			memcpy(&got, CMSG_DATA(cm), sizeof(int));
		}
		if (n == (ssize_t)sizeof(m) && m.kind == MSG_ERROR) {
			*err = m;
			failed = 1;
		}
	}
	if (failed && got != -1) {
		close(got);
		got = -1;
	}
	*listener = got;
	return failed ? -1 : 0;
}

pid_t
worker_start(struct worker_spec *ws)
{
	struct child_msg ce;
	int sp[2], status;
	pid_t parent = getpid(), pid;

	ws->listener = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(sp[0]);
		child(ws, sp[1], parent);
	}
	close(sp[1]);
	memset(&ce, 0, sizeof(ce));
	if (read_reports(sp[0], &ce, &ws->listener) == 0) {
		close(sp[0]);
		return pid;
	}
	close(sp[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	ce.step[sizeof(ce.step) - 1] = '\0';
	if (strcmp(ce.step, "exec") == 0)
		log_warnx("run: cannot run '%s': %s", ws->argv[0], strerror(ce.err));
	else if (ce.reason)
		log_warnx("run: setting up the worker for '%s': %s", ws->argv[0], ce.step);
	else
		log_warnx("run: setting up the worker for '%s': %s: %s", ws->argv[0], ce.step,
		    strerror(ce.err));
	return ce.err == ENOENT && strcmp(ce.step, "exec") == 0 ? -127 : -126;
}
