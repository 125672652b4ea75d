/*
 * unit.h: helpers the cmocka test programs share.  Include it after
 * <cmocka.h>; everything here is static inline, so a program pays only for
 * what it calls.
 */
#ifndef FB_UNIT_H
#define FB_UNIT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn in a child and return its exit status, or 1000 + signal. */
static inline int
in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		/* _exit: no atexit handlers (LeakSanitizer needs ptrace). */
		_exit(fn());
	}
	while (waitpid(pid, &status, 0) == -1)
		assert_int_equal(errno, EINTR);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* A fresh folder /tmp/NAME.XXXXXX in dir (size bytes): 0, or -1. */
static inline int
unit_mkdtemp(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

#endif
