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

extern int attempts, escapes, broken;

/* The errno's name ("EACCES"), or "?". */
const char *ename(int err);

/* An attempt that must fail: rc < 0 (errno err) is the good outcome. */
void expect_fail(const char *what, long rc, int err);

#define TRY(what, call)                               \
	do {                                          \
		long rc_;                             \
		errno = 0;                            \
		rc_ = (long)(call);                   \
		expect_fail((what), rc_, errno);      \
	} while (0)

/* fn runs in a forked child, which must die of SIGSYS. */
void expect_kill(const char *what, void (*fn)(void));

/* fn runs in a forked child, which must exit with the errno of its failure
 * (or die of a signal); exit status 200 means that the attack worked. */
void expect_child_fails(const char *what, void (*fn)(void));

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
