/*
 * escape.h: what the hostile worker's two files share.
 *
 *	escape.c		the harness: main(), the parent that plays the broker,
 *				worker(), the checks that must keep working and the
 *				broker-side checks; it defines everything declared here
 *	escape/attacks.c	the attempts the worker makes inside the sandbox
 *
 * The globals are set up by the parent before fork() and only read by the
 * worker; the counters are the worker's (or, after it has gone, the
 * parent's) and are reported as "escape: N attempts, M escapes".
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <errno.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/types.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* What the parent set up, inherited by the child through fork(). */
extern pid_t broker_pid;
extern int worker_sock, leaked_fd, leaked_hi, abstract_fd;
extern char abstract_name[64], scratch[64], sock_path[96], victim[96];
extern struct sockaddr_in tcp_addr;
extern int transparent, have_tty;
extern char secret_word[32];

extern int attempts, escapes, broken, not_applicable;

/*
 * Native probes.  An attack the machine cannot perform at all is no escape:
 * int $0x80 on a kernel built without the i386 ABI, or booted with
 * ia32_emulation=0, raises SIGSEGV before any filter looks at it.  Each probe
 * makes the call (or its harmless neighbour, getpid for open) unsandboxed, in
 * a forked child, before the worker enters the sandbox; an attempt tied to a
 * probe that failed is still made, but reported "n/a" with the reason and
 * what the sandbox did, and counted neither as an attempt nor as an escape.
 * An attempt is tied to NATIVE_ANY when the machine can always make it.
 */
enum native {
	NATIVE_ANY,
	NATIVE_I386,	  /* int $0x80 system calls */
	NATIVE_X32,	  /* x32 system calls (0x40000000 | nr) */
	NATIVE_USERNS,	  /* clone(CLONE_NEWUSER) */
	NATIVE_EXEC_SH,	  /* execve /bin/sh */
	NATIVE_EXEC_DASH, /* execve /usr/bin/dash */
	NATIVE_BUSYBOX,	  /* execve /bin/busybox (the exec rule the worker keeps) */
	NATIVE_COUNT
};

struct native_probe {
	const char *key;  /* its name in FB_ESCAPE_NATIVE_FAIL (escape.c) */
	const char *what; /* "int $0x80 getpid" */
	/* Runs in a forked child: exits 0 when the call worked, else with
	 * the errno of its failure, or dies of a signal. */
	void (*fn)(void);
};

/* In escape/attacks.c, indexed by enum native (NATIVE_ANY has none). */
extern const struct native_probe native_probes[NATIVE_COUNT];

/* Why the machine cannot make the calls of probe n, or NULL if it can. */
const char *native_unable(enum native n);

/* The errno's name ("EACCES"), or "?". */
const char *ename(int err);

/* An attempt that must fail: rc < 0 (errno err) is the good outcome. */
void expect_fail(enum native n, const char *what, long rc, int err);

#define TRY_IF(native, what, call) \
	do { \
		long rc_; \
		errno = 0; \
		rc_ = (long)(call); \
		expect_fail((native), (what), rc_, errno); \
	} while (0)
#define TRY(what, call) TRY_IF(NATIVE_ANY, what, call)

/* fn runs in a forked child, which must die of SIGSYS. */
void expect_kill(enum native n, const char *what, void (*fn)(void));

/* fn runs in a forked child, which must exit with the errno of its failure
 * (or die of a signal); exit status 200 means that the attack worked, and so
 * does 0 (a program it managed to execute ran: errno is never 0). */
void expect_child_fails(enum native n, const char *what, void (*fn)(void));

/* fcntl(fd, F_GETFD): >= 0 if fd is open, else -1 (EBADF). */
int fd_open(int fd);

/* escape/attacks.c, run by the worker in this order inside the sandbox. */
void attack_paths(void);
void attack_fds_and_proc(void);
void attack_processes(void);
void attack_sockets(void);
void attack_kernel(void);
void kill_tests(void);

#endif
