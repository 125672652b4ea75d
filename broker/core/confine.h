/*
 * confine.h: the broker confines itself, in two steps, so that a broker
 * subverted by a hostile worker still cannot exec, ptrace, mount, load
 * anything or reach processes other than its worker's.
 *
 * 1. confine_scope(), before the worker is forked: no_new_privs, then a
 *    Landlock domain that handles no file access the broker or the worker
 *    needs (only mknod of devices, FIFOs and sockets) but scopes signals
 *    and abstract Unix sockets (ABI 6+).  The worker's own domain nests
 *    inside it, so the broker's ptrace-class access (process_vm_readv/
 *    writev, /proc/PID/cwd, /proc/PID/fd) and its signals reach the
 *    worker's process tree and nothing else on the machine, whatever
 *    capabilities it keeps.  It must come before the fork: a domain made
 *    afterwards would not be an ancestor of the worker's.  Without Landlock
 *    (a kernel that lacks it, `--weaker-sandbox`) this step is skipped and
 *    says so at -v.
 *
 * 2. confine_broker(), once the worker runs and the listener is in hand,
 *    just before serving, in this fixed order, every step checked:
 *
 *    a. the process must be single-threaded (capabilities and the
 *       filter are per thread); EBUSY otherwise.  Threads it is to have
 *       are started between d and e (confine_opts.spawn);
 *    b. with CAP_SETPCAP (root): the bounding set emptied, the securebits
 *       set and locked (SECBIT_NOROOT: exec as uid 0 grants nothing;
 *       SECBIT_NO_CAP_AMBIENT_RAISE; KEEP_CAPS off; NO_SETUID_FIXUP off,
 *       so that a uid change would still drop everything; all _LOCKED);
 *    c. capabilities: permitted and effective reduced to the kept set
 *       below (intersected with what the process has), inheritable and
 *       ambient cleared; read back and verified;
 *    d. PR_SET_NO_NEW_PRIVS (verified), PR_SET_DUMPABLE 0 (verified): no
 *       core dumps of the broker's memory, /proc/PID of the broker owned by
 *       root and closed to ptrace-class access without CAP_SYS_PTRACE;
 *    e. a seccomp allowlist (libseccomp, x86_64 only, any other
 *       architecture and x32 numbers kill): exactly the syscalls the
 *       serving loop, the request handlers, the audit sinks and the exit
 *       paths use, several with their arguments checked; anything else
 *       kills the process (SECCOMP_RET_KILL_PROCESS; the kernel logs the
 *       syscall number).  The syscalls in confine_forbidden (exec, ptrace,
 *       the mount API, module and kexec loading, bpf, the set*id family,
 *       capset, namespaces, fork and clone, io_uring, ...) are never in
 *       the allowlist: building a filter that would allow one fails.
 *
 * Capabilities kept (as root; an unprivileged broker has none to keep):
 *
 *	CAP_DAC_OVERRIDE  open, create, rename and delete what the policy
 *			  allows whatever the mode bits and owners: the
 *			  administrator's policy is the gate, not DAC.  It
 *			  covers reading and searching too (generic_permission),
 *			  so CAP_DAC_READ_SEARCH is not kept: it would add only
 *			  open_by_handle_at, which the filter kills anyway.
 *	CAP_FOWNER	  unlink and rename in sticky folders (/tmp-like trees)
 *			  of files the broker does not own, which is every file
 *			  it created and gave to the worker.
 *	CAP_CHOWN	  give created files and folders to the worker's uid
 *			  (only when the worker's uid is not the broker's).
 *	CAP_KILL	  pass the signals the broker receives on to a worker
 *			  of another uid, and kill leftover descendants.
 *	CAP_SYS_PTRACE	  transparent mode only: process_vm_readv/writev,
 *			  /proc/TID/cwd and /proc/TID/fd/N of a worker of another
 *			  uid (PTRACE_MODE_ATTACH_REALCREDS).
 *
 * CAP_KILL and CAP_SYS_PTRACE would reach every process on the machine;
 * step 1's Landlock domain confines both to the worker's tree.
 *
 * The daemon (`filebroker serve`, o->daemon) takes step 2 alone, once its
 * sockets, audit sinks and policy are set up.  Step 1 has nothing to scope
 * there: the peers are not its descendants, their domains are not nested
 * in any of the daemon's, so a domain would only cut it off from them
 * (ptrace-class access for transparent mode) and from an abstract
 * NOTIFY_SOCKET.  What it would have scoped is gone instead: no CAP_KILL,
 * no kill() or wait4() in the filter.  The daemon's filter adds accept4,
 * getsockopt(SOL_SOCKET) for the peer's credentials, and what a SIGHUP
 * reload needs: the policy file, and NSS for the names on profile lines
 * (confine_broker() loads every NSS module first, while dlopen() may still
 * map code; a module's stream socket gets EACCES rather than a kill).  It
 * always holds the transparent-mode calls, since any peer may hand over
 * its listener; CAP_SYS_PTRACE only with o->transparent.  Capabilities:
 * CAP_DAC_OVERRIDE, CAP_FOWNER, and CAP_CHOWN with o->chown_new.
 */
#ifndef FB_CONFINE_H
#define FB_CONFINE_H

#include <stddef.h>

struct confine_opts {
	int transparent; /* serves a seccomp listener: NOTIF ioctls,
			    process_vm_*, pidfd_*, CAP_SYS_PTRACE */
	int chown_new;	 /* gives created files to the worker: fchownat,
			    CAP_CHOWN */
	int daemon;	 /* filebroker serve (see "The daemon" above) */
	/* Threads: called after step d, before the filter, to start the
	 * threads the process serves with (NULL: none).  They share the
	 * credentials set by then (capabilities, securebits), no_new_privs
	 * and dumpability; the filter is then loaded with TSYNC, so it
	 * covers every thread or fails.  Returns 0, or -1 with errno. */
	int (*spawn)(void *arg);
	void *spawn_arg;
};

/*
 * Step 1, before forking the worker (the calling process must be
 * single-threaded).  Returns 0 (also when Landlock is missing: nothing was
 * done, log_info says so), or -1 with errno.
 */
int confine_scope(void);

/*
 * Step 2.  Returns 0, or -1 with errno (EBUSY: more than one thread; EPERM:
 * a step did not take effect; EINVAL: the filter could not be built).  On
 * failure the process may be half confined: the caller must exit.  At -v
 * the kept capabilities and the filter size are logged.
 */
int confine_broker(const struct confine_opts *o);

/* The syscalls the broker's filter must never allow (NULL-terminated), for
 * the tests. */
extern const char *const confine_forbidden[];

/* How many syscall rules the filter for o has; -1 with errno on error. */
int confine_filter_size(const struct confine_opts *o);

/* Does the allowlist confine_broker() would build for o allow the system
 * call name (in some form: with arguments checked, maybe)?  1 or 0.  For
 * the operation table's test (tests/unit/test_ops_table.c). */
int confine_allows(const struct confine_opts *o, const char *name);

#endif
