/*
 * unit.h: helpers the cmocka test programs share.  Include it after
 * <cmocka.h>; everything here is static inline, so a program pays only for
 * what it calls.
 */
#ifndef FB_UNIT_H
#define FB_UNIT_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Forked children.  cmocka catches SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGSYS
 * and, like a failed assertion, longjmps back into its test runner.  In a
 * forked child that runner is a copy: it marks the test failed, goes on with
 * the remaining tests inside the child, and the child's end (often some later
 * test's fork killed by a seccomp filter) is what the parent sees.  The
 * failure is lost and tests run twice.  So a child of a test never returns
 * into cmocka: unit_child_init() restores the default handlers and makes a
 * failed cmocka assertion abort() (CMOCKA_TEST_ABORT), and the child ends by
 * _exit() with a status the parent asserts on.  Never call skip() in a child
 * (cmocka longjmps for it whatever): decide before forking.
 */

/* The first thing a child of a test does (unit_fork() and in_child() call
 * it). */
static inline void
unit_child_init(void)
{
	static const int caught[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };
	static char abort_on_fail[] = "CMOCKA_TEST_ABORT=1";
	extern char **environ;
	struct rlimit no_core = { 0, 0 };
	char **env;
	size_t i, n;

	for (i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		signal(caught[i], SIG_DFL);
	/* Not setenv(): a thread of the parent may have held its lock at the
	 * fork.  glibc's fork leaves malloc usable; getenv finds ours first. */
	for (n = 0; environ != NULL && environ[n] != NULL; n++)
		;
	if ((env = malloc((n + 2) * sizeof(*env))) == NULL)
		abort();
	env[0] = abort_on_fail;
	for (i = 0; i < n; i++)
		env[i + 1] = environ[i];
	env[n + 1] = NULL;
	environ = env;
	/* A deliberate death is no crash worth a core file. */
	setrlimit(RLIMIT_CORE, &no_core);
}

/* fork() for a test: the child is set up by unit_child_init() and must end
 * by _exit().  Buffered output is flushed first, so that it is not printed
 * twice. */
static inline pid_t
unit_fork(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		unit_child_init();
	return pid;
}

/* Run fn in a child and return its exit status, or 1000 + signal. */
static inline int
in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = unit_fork();
	assert_true(pid != -1);
	if (pid == 0) {
		/* _exit: no atexit handlers (LeakSanitizer needs ptrace). */
		_exit(fn());
	}
	while (waitpid(pid, &status, 0) == -1)
		assert_int_equal(errno, EINTR);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* in_child()'s result in words, for a failure message: "exit status 3",
 * "killed by SIGABRT (a failed assertion)". */
static inline const char *
unit_child_text(int r, char *buf, size_t size)
{
	const char *sig;

	if (r < 1000)
		snprintf(buf, size, "exit status %d", r);
	else
		snprintf(buf, size, "killed by SIG%s%s",
		    (sig = sigabbrev_np(r - 1000)) != NULL ? sig : "?",
		    r == 1000 + SIGABRT ? " (a failed assertion in the child?)" : "");
	return buf;
}

/* fn, run in a child, must return 0. */
#define assert_child_ok(fn) \
	do { \
		char text_[80]; \
		int r_ = in_child(fn); \
		if (r_ != 0) \
			fail_msg("%s in a child: %s", #fn, \
			    unit_child_text(r_, text_, sizeof(text_))); \
	} while (0)

/* A fresh folder /tmp/NAME.XXXXXX in dir (size bytes): 0, or -1. */
static inline int
unit_mkdtemp(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* Standard error taken into a pipe, for what a call prints there (up to
 * the pipe's 64 KiB): unit_stderr_begin(), the call, unit_stderr_end(). */
struct unit_capture {
	int pipe[2];
	int saved;
};

static inline void
unit_stderr_begin(struct unit_capture *c)
{
	assert_int_equal(pipe(c->pipe), 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved != -1 && dup2(c->pipe[1], STDERR_FILENO) != -1);
}

/* What was written, NUL-terminated in buf (size bytes, cut to it): buf. */
static inline char *
unit_stderr_end(struct unit_capture *c, char *buf, size_t size)
{
	ssize_t n;

	assert_true(dup2(c->saved, STDERR_FILENO) != -1);
	close(c->saved);
	close(c->pipe[1]);
	n = read(c->pipe[0], buf, size - 1);
	close(c->pipe[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

#endif
