/*
 * worker.h: starting the worker process of `filebroker run`.
 */
#ifndef FB_WORKER_H
#define FB_WORKER_H

#include <signal.h>
#include <sys/types.h>

#include "notify.h"

struct worker_spec {
	int sock;     /* the worker's end of the broker socket */
	int set_user; /* switch to uid/gid (the broker is root) */
	uid_t uid;
	gid_t gid;
	char **argv;		 /* COMMAND and its arguments */
	const sigset_t *sigmask; /* the signal mask the worker starts with */
	const char *const *exec; /* NULL-terminated: the Landlock exec grants,
				   * as paths (for describing them) */
	int exec_ruleset;	 /* the Landlock ruleset holding those grants
				   * (exec_grants.h), to which the worker adds
				   * COMMAND; -1 without Landlock */
	int transparent;	 /* path syscalls go to the broker */
	int loader_opens;	 /* explicit mode: exec_ruleset holds the
				   * loader's read grants, and open/openat for
				   * reading reach the kernel (sandbox.h) */
	int allow_net;		 /* --net */
	int weaker;		 /* --weaker-sandbox */
	const char *preload;	 /* added to LD_PRELOAD, or NULL */
	int pidns;		 /* 1: in a PID namespace of its own, if the
				   * kernel allows (0: --no-pid-namespace) */
	int kernel_stat;	 /* transparent: stat and readlink go to the
				   * kernel (kernel_stat.h), where the worker's
				   * /proc is its own */
	int lane_us;		 /* FILEBROKER_LANE: transparent, with the preload
				   * library, its lane (client/preload/lane.c);
				   * both modes, how long libfilebroker and the
				   * lane poll for a reply, in microseconds (0:
				   * not at all); -1: unset (--trap-all) */
	/* Out, from worker_start(): */
	int listener;		   /* the seccomp listener, or -1 */
	pid_t child;		   /* the broker's child: the namespace's init
				   * (the supervisor), or the worker itself */
	int in_pidns;		   /* the worker is in a PID namespace */
	int pidfd;		   /* the worker's pidfd: signals go through it */
	int ended;		   /* in a namespace: the supervisor's pipe, on
				   * which the worker's wait status (an int)
				   * comes when it ends; -1 otherwise */
	int procfs;		   /* in a namespace: the worker's /proc, a procfs
				   * of its PID namespace (a mount descriptor,
				   * the caller's to keep or close); else -1 */
	char procnote[256];	   /* "": that procfs is mounted on /proc in the
				   * worker's mount namespace; else why not */
	char nsnote[256];	   /* without a namespace: why */
	struct notify_first first; /* transparent mode: its exec of COMMAND,
				   * which worker_start() lets go on, to be
				   * recorded (first.tid 0: none came) */
};

/*
 * Fork and exec the worker: its socket at the descriptor named by
 * FILEBROKER_FD, every other descriptor but stdio closed, then
 * fb_sandbox_enter() (user switch, capabilities, no_new_privs, Landlock,
 * seccomp), killed if the broker dies.  With ws->pidns, in a PID
 * namespace and a mount namespace (and a user namespace when not root)
 * whose init, the broker's child, is a supervisor that dies with the
 * broker, so that everything the worker starts dies too, and with a /proc
 * of its own (ws->procfs); where the kernel refuses either, without them
 * (ws->nsnote says why).  In transparent mode the seccomp listener comes
 * back in ws->listener.  Returns the worker's pid as the broker sees it
 * once COMMAND has been exec'd, with the out fields set.  If it could not
 * be, logs why, reaps the child and returns -127 (not found) or -126 (any
 * other failure).
 */
pid_t worker_start(struct worker_spec *ws);

/* Whether worker_start() could make its namespaces here, and the worker's
 * /proc: 1 with procnote as worker_spec.procnote, or 0 with why (for
 * --print-sandbox).  Makes and reaps a supervisor that starts no worker. */
int worker_pidns_probe(char *why, size_t size, char *procnote, size_t psize);

/*
 * Find COMMAND as execvp(3) would, before the sandbox makes PATH lookups
 * impossible.  Returns 0 and the path in buf, or an errno value.  As
 * execvp(3) run by the worker's user would: once worker_find_as() has
 * named that user, a PATH entry it may not reach or run (a root broker's
 * PATH holding /root/bin) is passed over, as a missing one is.
 */
int worker_find(const char *cmd, char *buf, size_t size);

/* The worker's user, other than root, for worker_find(): set once, before
 * the first search, by a root broker that runs the worker as uid. */
void worker_find_as(uid_t uid, gid_t gid);

#endif
