/*
 * worker.c: fork, confine, exec; see worker.h.
 *
 * The child reports a failure to exec through a close-on-exec pipe: the
 * parent reads either nothing (exec succeeded, the pipe closed) or the
 * errno and the step that failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "worker.h"

struct child_error {
	int err;
	char step[48];
};

static void __attribute__((noreturn))
child_fail(int pipefd, const char *step)
{
	struct child_error ce;

	memset(&ce, 0, sizeof(ce));
	ce.err = errno;
	snprintf(ce.step, sizeof(ce.step), "%s", step);
	(void)!write(pipefd, &ce, sizeof(ce));
	_exit(ce.err == ENOENT ? 127 : 126);
}

/* In the child: everything up to exec.  Never returns. */
static void __attribute__((noreturn))
child(const struct worker_spec *ws, int pipefd, pid_t parent)
{
	char num[16];
	int sock = ws->sock;

	if (sigprocmask(SIG_SETMASK, ws->sigmask, NULL) == -1)
		child_fail(pipefd, "sigprocmask");
	/* The broker ignores SIGPIPE; an ignored signal would survive exec. */
	signal(SIGPIPE, SIG_DFL);
	/* Keep the socket off stdio, then mark everything else close-on-exec
	 * (the error pipe must survive until exec). */
	if (sock <= STDERR_FILENO) {
		if ((sock = fcntl(sock, F_DUPFD_CLOEXEC, 3)) == -1)
			child_fail(pipefd, "dup");
	}
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		child_fail(pipefd, "close_range");
	if (fcntl(sock, F_SETFD, 0) == -1)
		child_fail(pipefd, "fcntl");
	snprintf(num, sizeof(num), "%d", sock);
	if (setenv(FB_ENV_FD, num, 1) == -1)
		child_fail(pipefd, "setenv");

	if (ws->set_user) {
		if (setgroups(0, NULL) == -1)
			child_fail(pipefd, "setgroups");
		if (setresgid(ws->gid, ws->gid, ws->gid) == -1)
			child_fail(pipefd, "setresgid");
		if (setresuid(ws->uid, ws->uid, ws->uid) == -1)
			child_fail(pipefd, "setresuid");
		/* Make sure there is no way back. */
		if (ws->uid != 0 && (setresuid(0, 0, 0) != -1 || setresgid(0, 0, 0) != -1)) {
			errno = EPERM;
			child_fail(pipefd, "dropping root (could regain it)");
		}
	}
	/* After the uid change, which clears it; then make sure the parent
	 * did not die before it took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		child_fail(pipefd, "PR_SET_PDEATHSIG");
	if (getppid() != parent) {
		errno = ESRCH;
		child_fail(pipefd, "broker gone");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		child_fail(pipefd, "PR_SET_NO_NEW_PRIVS");
	execvp(ws->argv[0], ws->argv);
	child_fail(pipefd, "exec");
}

pid_t
worker_start(const struct worker_spec *ws)
{
	struct child_error ce;
	int p[2], status;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(p[0]);
		child(ws, p[1], parent);
	}
	close(p[1]);
	do
		n = read(p[0], &ce, sizeof(ce));
	while (n == -1 && errno == EINTR);
	close(p[0]);
	if (n == 0)
		return pid;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(ce)) {
		log_warnx("run: %s: the worker failed before exec", ws->argv[0]);
		return -126;
	}
	ce.step[sizeof(ce.step) - 1] = '\0';
	if (strcmp(ce.step, "exec") == 0)
		log_warnx("run: cannot run '%s': %s", ws->argv[0], strerror(ce.err));
	else
		log_warnx("run: setting up the worker for '%s': %s: %s", ws->argv[0], ce.step,
		    strerror(ce.err));
	return ce.err == ENOENT && strcmp(ce.step, "exec") == 0 ? -127 : -126;
}
