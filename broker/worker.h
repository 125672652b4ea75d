/*
 * worker.h: starting the worker process of `filebroker run`.
 */
#ifndef FB_WORKER_H
#define FB_WORKER_H

#include <signal.h>
#include <sys/types.h>

struct worker_spec {
	int sock;		 /* the worker's end of the broker socket */
	int set_user;		 /* switch to uid/gid (the broker is root) */
	uid_t uid;
	gid_t gid;
	char **argv;		 /* COMMAND and its arguments */
	const sigset_t *sigmask; /* the signal mask the worker starts with */
};

/*
 * Fork and exec the worker: its socket at the descriptor named by
 * FILEBROKER_FD, every other descriptor but stdio closed, supplementary
 * groups dropped and uid/gid switched when set_user, no_new_privs set, and
 * killed if the broker dies.  Returns the worker's pid once COMMAND has
 * been exec'd.  If it could not be, logs why, reaps the child and returns
 * -127 (not found) or -126 (any other failure).
 */
pid_t worker_start(const struct worker_spec *ws);

#endif
