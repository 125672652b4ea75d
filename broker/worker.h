/*
 * worker.h: starting the worker process of `filebroker run`.
 */
#ifndef FB_WORKER_H
#define FB_WORKER_H

#include <signal.h>
#include <sys/types.h>

struct worker_spec {
	int sock;		  /* the worker's end of the broker socket */
	int set_user;		  /* switch to uid/gid (the broker is root) */
	uid_t uid;
	gid_t gid;
	char **argv;		  /* COMMAND and its arguments */
	const sigset_t *sigmask;  /* the signal mask the worker starts with */
	const char *const *exec;  /* NULL-terminated: the Landlock exec grants,
				   * as paths (for describing them) */
	int exec_ruleset;	  /* the Landlock ruleset holding those grants
				   * (exec_grants.h), to which the worker adds
				   * COMMAND; -1 without Landlock */
	int sandbox;		  /* 0: no seccomp/Landlock (--no-sandbox) */
	int transparent;	  /* path syscalls go to the broker */
	int allow_net;		  /* --net */
	int weaker;		  /* --weaker-sandbox */
	const char *preload;	  /* added to LD_PRELOAD, or NULL */
	int listener;		  /* out: the seccomp listener, or -1 */
};

/*
 * Fork and exec the worker: its socket at the descriptor named by
 * FILEBROKER_FD, every other descriptor but stdio closed, then
 * fb_sandbox_enter() (user switch, capabilities, no_new_privs, Landlock,
 * seccomp), killed if the broker dies.  In transparent mode the seccomp
 * listener comes back in ws->listener.  Returns the worker's pid once
 * COMMAND has been exec'd.  If it could not be, logs why, reaps the child
 * and returns -127 (not found) or -126 (any other failure).
 */
pid_t worker_start(struct worker_spec *ws);

/*
 * Find COMMAND as execvp(3) would, before the sandbox makes PATH lookups
 * impossible.  Returns 0 and the path in buf, or an errno value.
 */
int worker_find(const char *cmd, char *buf, size_t size);

#endif
