/*
 * escape.c: a hostile worker, for tests/integration/sandbox.sh.
 *
 *	escape [--transparent] [--describe]
 *	escape --probe		exit 0 if the kernel has what the sandbox needs,
 *				else print why and exit 77
 *
 * The process splits in two.  The parent plays the broker and stays outside
 * the sandbox: it holds things worth attacking (an abstract and a pathname
 * Unix socket, a TCP listener, a scratch folder, its memory and its
 * descriptors) and counts the signals it receives.  The child is the worker:
 * it leaks a descriptor to itself, enters the sandbox with fb_sandbox_enter()
 * (as root: switching to nobody/nogroup; otherwise keeping its uid) and then
 * tries every way out it knows.  In transparent mode the parent also serves
 * the seccomp listener, refusing every notified call with EACCES but exec,
 * which it lets go on as the broker does (Landlock decides it).
 *
 * Before that, native probes (escape.h) find out which calls the machine
 * cannot make at all, even unsandboxed; attempts with such calls are made
 * but reported "n/a" and not counted.
 *
 * Output: one line per attempt, "ok   escape: WHAT: ERRNO",
 * "FAIL escape: WHAT: ..." or "n/a  escape: WHAT: not applicable: WHY (in
 * the sandbox: ...)", "ok   allowed: ..." for the things that must keep
 * working, and a summary "escape: N attempts, M escapes, K not applicable".
 * Exit status 0 only with no escape and nothing broken.
 *
 * FB_ESCAPE_NATIVE_FAIL=KEY[,KEY...] (the keys of escape/attacks.c's
 * native_probes) makes those probes fail as on a machine without the call:
 * for sandbox.sh's check that such attempts are reported, not counted.
 *
 * This file is the harness; the attempts themselves are in escape/attacks.c
 * (escape/escape.h is what the two share).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape/escape.h"
#include "sandbox.h"

/* What the parent set up, inherited by the child through fork(): escape.h. */
pid_t broker_pid;
int worker_sock = -1, leaked_fd = -1, leaked_hi = 42, abstract_fd = -1;
char abstract_name[64], scratch[64], sock_path[96], victim[96];
struct sockaddr_in tcp_addr;
int transparent, have_tty;
char secret_word[32] = "the broker's secret";

int attempts, escapes, broken, not_applicable;
static char outbuf[4096];

/* native_probe_all()'s findings: why the machine cannot make a probe's
 * calls, or "" if it can. */
static char native_why[NATIVE_COUNT][160];
/* The worker's exec rule, NULL if the machine has no busybox to run. */
static const char *busybox = "/bin/busybox";

static volatile sig_atomic_t broker_signals;

static void
on_signal(int sig)
{
	(void)sig;
	broker_signals++;
}

const char *
ename(int err)
{
	const char *n = strerrorname_np(err);

	return n != NULL ? n : "?";
}

const char *
native_unable(enum native n)
{
	return n != NATIVE_ANY && native_why[n][0] != '\0' ? native_why[n] : NULL;
}

/* One attempt's verdict: held (the sandbox stopped it) or an escape, unless
 * the machine cannot make its calls at all (not applicable).  An attempt
 * that worked in the sandbox is an escape whatever its probe said: a probe
 * that failed where the sandboxed call succeeds is wrong, and must not hide
 * an escape. */
static void
verdict(enum native n, const char *what, int held, const char *outcome)
{
	const char *why = native_unable(n);

	if (why != NULL && held) {
		not_applicable++;
		printf("n/a  escape: %s: not applicable: %s (in the sandbox: %s)\n", what, why,
		    outcome);
		return;
	}
	attempts++;
	if (held) {
		printf("ok   escape: %s: %s\n", what, outcome);
	} else {
		escapes++;
		printf("FAIL escape: %s: %s%s%s\n", what, outcome,
		    why != NULL ? ", although its native probe failed: " : "", why ? why : "");
	}
}

/* A wait status in words: "exited 0", "exited 13 (EACCES)", "killed by
 * SIGSEGV". */
static const char *
status_text(int st, char *buf, size_t size)
{
	const char *name;

	if (st == -1)
		snprintf(buf, size, "could not fork or wait");
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by SIG%s",
		    (name = sigabbrev_np(WTERMSIG(st))) != NULL ? name : "?");
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
	    (name = strerrorname_np(WEXITSTATUS(st))) != NULL)
		snprintf(buf, size, "exited %d (%s)", WEXITSTATUS(st), name);
	else
		snprintf(buf, size, "exited %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return buf;
}

/* An attempt that must fail: rc < 0 (errno err) is the good outcome. */
void
expect_fail(enum native n, const char *what, long rc, int err)
{
	char outcome[64];

	if (rc < 0)
		snprintf(outcome, sizeof(outcome), "%s", ename(err));
	else
		snprintf(outcome, sizeof(outcome), "succeeded (returned %ld)", rc);
	verdict(n, what, rc < 0, outcome);
}

/* Something that must keep working inside the sandbox. */
static void
expect_ok(const char *what, long rc, int err)
{
	if (rc >= 0) {
		printf("ok   allowed: %s\n", what);
	} else {
		broken++;
		printf("FAIL allowed: %s: %s\n", what, ename(err));
	}
}

#define WORKS(what, call) \
	do { \
		long rc_; \
		errno = 0; \
		rc_ = (long)(call); \
		expect_ok((what), rc_, errno); \
	} while (0)

/* Run fn in a forked child; returns its wait status. */
static int
in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		fn();
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Must die of SIGSYS. */
void
expect_kill(enum native n, const char *what, void (*fn)(void))
{
	char text[64], outcome[96];
	int st = in_child(fn), held = st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;

	snprintf(outcome, sizeof(outcome), "%s%s",
	    held ? "" : "not killed by SIGSYS: ", status_text(st, text, sizeof(text)));
	verdict(n, what, held, outcome);
}

/* The child exits with the errno of its failure, or 200 (or 0: a program
 * it executed ran) if the attack worked. */
void
expect_child_fails(enum native n, const char *what, void (*fn)(void))
{
	char text[64], outcome[96];
	int st = in_child(fn), held;

	held = st != -1 &&
	    (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 200 && WEXITSTATUS(st) != 0));
	snprintf(outcome, sizeof(outcome), "%s%s",
	    held ? "" : "succeeded: ", status_text(st, text, sizeof(text)));
	verdict(n, what, held, outcome);
}

static void __attribute__((noreturn)) native_forced_fault(void)
{
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	_exit(1);
}

/* key is one of the comma-separated names in list. */
static int
listed(const char *list, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = list; (p = strstr(p, key)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* Run every native probe, unsandboxed, and note which calls the machine
 * cannot make.  0, or -1 if FB_ESCAPE_NATIVE_FAIL names an unknown probe. */
static int
native_probe_all(void)
{
	const char *force = getenv("FB_ESCAPE_NATIVE_FAIL");
	char text[64], copy[128], *k, *save = NULL;
	int n, st, forced, known;

	if (force != NULL) {
		snprintf(copy, sizeof(copy), "%s", force);
		for (k = strtok_r(copy, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
			for (known = 0, n = NATIVE_ANY + 1; n < NATIVE_COUNT; n++)
				known |= strcmp(native_probes[n].key, k) == 0;
			if (!known) {
				fprintf(stderr, "escape: FB_ESCAPE_NATIVE_FAIL: no probe \"%s\"\n",
				    k);
				return -1;
			}
		}
	}
	for (n = NATIVE_ANY + 1; n < NATIVE_COUNT; n++) {
		forced = force != NULL && listed(force, native_probes[n].key);
		st = in_child(forced ? native_forced_fault : native_probes[n].fn);
		if (!forced && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		if (st != -1 && WIFEXITED(st))
			snprintf(text, sizeof(text), "fails with %s", ename(WEXITSTATUS(st)));
		else
			status_text(st, text, sizeof(text));
		snprintf(native_why[n], sizeof(native_why[n]), "unsandboxed, %s %s%s",
		    native_probes[n].what, text,
		    forced ? " (forced by FB_ESCAPE_NATIVE_FAIL)" : "");
		printf("info escape: the machine cannot make %s: %s\n", native_probes[n].what,
		    native_why[n]);
	}
	if (native_unable(NATIVE_BUSYBOX) != NULL)
		busybox = NULL;
	return 0;
}

static void
ok_busybox_true(void)
{
	char *argv[] = { "busybox", "true", NULL };
	char *envp[] = { NULL };

	execve("/bin/busybox", argv, envp);
	_exit(errno);
}

static void
ok_fork(void)
{
	_exit(0);
}

int
fd_open(int fd)
{
	return fcntl(fd, F_GETFD);
}

static void
positive_checks(void)
{
	struct stat st;
	int st_;
	int sp[2];

	WORKS("write to stdout", write(1, "", 0));
	WORKS("fstat(2) syscall on stdout", syscall(SYS_fstat, 1, &st));
	/* In transparent mode every newfstatat goes to the broker, which this
	 * harness plays by refusing everything. */
	if (!transparent)
		WORKS("newfstatat(fd, NULL, AT_EMPTY_PATH)",
		    syscall(SYS_newfstatat, 1, NULL, &st, AT_EMPTY_PATH));
	WORKS("the broker socket is open", fd_open(worker_sock));
	WORKS("socketpair(AF_UNIX, SOCK_SEQPACKET)",
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	WORKS("memfd_create with MFD_NOEXEC_SEAL",
	    syscall(SYS_memfd_create, "ok", MFD_NOEXEC_SEAL | MFD_CLOEXEC));
	WORKS("getcwd", getcwd((char[64]){ 0 }, 64) == NULL ? -1 : 0);
	st_ = in_child(ok_fork);
	WORKS("fork and wait", st_ != -1 && WIFEXITED(st_) && WEXITSTATUS(st_) == 0 ? 0 : -1);
	if (busybox == NULL) {
		not_applicable++;
		printf("n/a  allowed: exec /bin/busybox true: not applicable: %s\n",
		    native_unable(NATIVE_BUSYBOX));
		return;
	}
	st_ = in_child(ok_busybox_true);
	if (st_ != -1 && WIFEXITED(st_) && WEXITSTATUS(st_) == 0) {
		printf("ok   allowed: exec /bin/busybox true (an exec rule)\n");
	} else {
		broken++;
		printf("FAIL allowed: exec /bin/busybox true: %s\n",
		    status_text(st_, (char[64]){ 0 }, 64));
	}
}

/* The worker: set up the attacks that need a clean process, enter the
 * sandbox, attack.  Never returns. */
static void __attribute__((noreturn)) worker(const char *pty_slave)
{
	const char *exec_paths[] = { busybox, NULL };
	struct fb_sandbox sb;
	struct passwd *pw;
	struct group *gr;
	int listener = -1;
	char msg[64];

	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	/* A leaked secret, twice, as a careless caller would leave it. */
	leaked_fd = open("/etc/hostname", O_RDONLY);
	if (leaked_fd == -1 || dup2(leaked_fd, leaked_hi) == -1) {
		printf("FAIL setup: leaking a descriptor: %s\n", strerror(errno));
		_exit(3);
	}
	if (pty_slave != NULL) {
		int t;

		/* Our own controlling terminal, so that TIOCSTI would work
		 * without the filter. */
		if (setsid() != -1 && (t = open(pty_slave, O_RDWR)) != -1) {
			dup2(t, 0);
			close(t);
			have_tty = isatty(0) && ioctl(0, TIOCSCTTY, 0) != -1 ? 1 : isatty(0);
		}
	}
	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = worker_sock;
	sb.exec_paths = exec_paths;
	sb.transparent = transparent;
	sb.listener_fd = &listener;
	if (geteuid() == 0) {
		pw = getpwnam("nobody");
		gr = getgrnam("nogroup");
		sb.set_user = 1;
		sb.uid = pw ? pw->pw_uid : 65534;
		sb.gid = gr ? gr->gr_gid : 65534;
	}
	printf("info escape: worker %d entering the sandbox as %s (%s mode)\n", (int)getpid(),
	    sb.set_user ? "root -> nobody" : "non-root, keeping its uid",
	    transparent ? "transparent" : "explicit");
	fflush(stdout);
	if (fb_sandbox_enter(&sb) == -1) {
		printf("FAIL setup: fb_sandbox_enter: %s\n", strerror(errno));
		_exit(3);
	}
	if (transparent) {
		/* Hand the listener to the broker, then drop our copy. */
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { "L", 1 };
		struct msghdr mh;
		struct cmsghdr *cm;

		memset(&mh, 0, sizeof(mh));
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &listener, sizeof(int));
		if (sendmsg(worker_sock, &mh, MSG_NOSIGNAL) == -1) {
			printf("FAIL setup: sending the listener: %s\n", strerror(errno));
			_exit(3);
		}
		close(listener);
	}
	printf("info escape: uid %d gid %d\n", (int)getuid(), (int)getgid());

	attack_paths();
	attack_fds_and_proc();
	attack_processes();
	attack_sockets();
	attack_kernel();
	kill_tests();
	positive_checks();

	snprintf(msg, sizeof(msg), "C %d %d %d %d", attempts, escapes, broken, not_applicable);
	fflush(stdout);
	(void)!send(worker_sock, msg, strlen(msg), MSG_NOSIGNAL);
	/* _exit: no LeakSanitizer at exit (it needs ptrace). */
	_exit(escapes || broken ? 1 : 0);
}

/* The broker's end of transparent mode: refuse every notification. */
static int
serve_refuse(int listener, unsigned long *served)
{
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t rq, rs;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) == -1)
		return -1;
	rq = sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req);
	rs = sz.seccomp_notif_resp > sizeof(*resp) ? sz.seccomp_notif_resp : sizeof(*resp);
	req = calloc(1, rq);
	resp = calloc(1, rs);
	if (req == NULL || resp == NULL) {
		free(req);
		free(resp);
		return -1;
	}
	memset(req, 0, rq);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == 0) {
		memset(resp, 0, rs);
		resp->id = req->id;
		/* An exec goes on, as the broker lets it once recorded: the
		 * worker's Landlock domain decides it. */
		if (req->data.nr == SYS_execve || req->data.nr == SYS_execveat)
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp->error = -EACCES;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0)
			(*served)++;
	}
	free(req);
	free(resp);
	return 0;
}

static int
recv_listener(int s)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b[4];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh;
	struct cmsghdr *cm;
	int fd = -1;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(s, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Parent-side checks: nothing reached the broker's objects. */
static void
broker_checks(int abs_l, int path_l, int tcp_l)
{
	struct stat st;
	int fd;

	TRY("a connection reached the broker's abstract socket",
	    accept4(abs_l, NULL, NULL, SOCK_CLOEXEC));
	TRY("a connection reached the pathname socket", accept4(path_l, NULL, NULL, SOCK_CLOEXEC));
	TRY("a connection reached the TCP listener", accept4(tcp_l, NULL, NULL, SOCK_CLOEXEC));
	attempts++;
	if (broker_signals == 0) {
		printf("ok   escape: signals that reached the broker: 0\n");
	} else {
		escapes++;
		printf("FAIL escape: signals that reached the broker: %d\n", (int)broker_signals);
	}
	attempts++;
	if (stat(victim, &st) == 0 && st.st_size == 6 && (st.st_mode & 07777) == 0666) {
		printf("ok   escape: the victim file is unchanged\n");
	} else {
		escapes++;
		printf("FAIL escape: the victim file changed or vanished\n");
	}
	{
		static const char *const names[] = { "created", "dir", "renamed", "link", "fifo" };
		char p[160];
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", scratch, names[i]);
			fd = lstat(p, &st);
			attempts++;
			if (fd == -1) {
				printf("ok   escape: nothing created at scratch/%s\n", names[i]);
			} else {
				escapes++;
				printf("FAIL escape: scratch/%s was created\n", names[i]);
			}
		}
	}
}

static int
probe(void)
{
	struct fb_sandbox_support s;

	if (fb_sandbox_probe(&s) == -1) {
		printf("probe failed: %s\n", strerror(errno));
		return 77;
	}
	printf("landlock_abi=%d errata=%d seccomp_filter=%d notify=%d wait_killable=%d "
	       "addfd_send=%d\n",
	    s.landlock_abi, s.landlock_errata, s.seccomp_filter, s.seccomp_notify, s.wait_killable,
	    s.addfd_send);
	if (!s.seccomp_filter)
		printf("missing: seccomp filters\n");
	else if (s.landlock_abi < 6)
		printf("missing: Landlock ABI 6 (scoping); have %d\n", s.landlock_abi);
	else if (!s.seccomp_notify || !s.addfd_send || !s.wait_killable)
		printf("missing: seccomp notification with ADDFD_SEND and WAIT_KILLABLE_RECV\n");
	else
		return 0;
	return 77;
}

static void
cleanup_scratch(void)
{
	char p[160];
	static const char *const names[] = { "created", "dir", "renamed", "link", "fifo", "victim",
		"sock" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", scratch, names[i]);
		if (unlink(p) == -1 && errno == EISDIR)
			rmdir(p);
		rmdir(p);
	}
	rmdir(scratch);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sigaction sa;
	socklen_t len;
	char msg[64], *pty_slave = NULL;
	int sv[2], abs_l, path_l, tcp_l, listener = -1, status, i, ptm = -1, fd, done = 0;
	unsigned long served = 0;
	int c_attempts = 0, c_escapes = 0, c_broken = 0, c_na = 0, got_counts = 0, describe = 0;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--transparent") == 0)
			transparent = 1;
		else if (strcmp(argv[i], "--describe") == 0)
			describe = 1;
		else if (strcmp(argv[i], "--probe") == 0)
			return probe();
		else {
			fprintf(stderr, "usage: escape [--transparent] [--describe] | --probe\n");
			return 2;
		}
	}
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	broker_pid = getpid();
	if (native_probe_all() == -1)
		return 2;

	if (describe) {
		const char *exec_paths[] = { busybox, NULL };
		struct fb_sandbox sb;

		memset(&sb, 0, sizeof(sb));
		sb.keep_fd = 3;
		sb.set_user = geteuid() == 0;
		sb.uid = 65534;
		sb.gid = 65534;
		sb.exec_paths = exec_paths;
		sb.transparent = transparent;
		return fb_sandbox_describe(&sb, stdout) == 0 ? 0 : 1;
	}

	/* Things to attack. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	snprintf(scratch, sizeof(scratch), "/tmp/fb-escape.XXXXXX");
	if (mkdtemp(scratch) == NULL || chmod(scratch, 0777) == -1) {
		perror("escape: scratch folder");
		return 3;
	}
	snprintf(victim, sizeof(victim), "%s/victim", scratch);
	snprintf(sock_path, sizeof(sock_path), "%s/sock", scratch);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd == -1 || write(fd, "victim", 6) != 6 || fchmod(fd, 0666) == -1) {
		perror("escape: victim file");
		return 3;
	}
	close(fd);

	snprintf(abstract_name, sizeof(abstract_name), "filebroker-escape-%d", (int)getpid());
	abs_l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract_name));
	if (abs_l == -1 || bind(abs_l, (struct sockaddr *)&sun, len) == -1 ||
	    listen(abs_l, 4) == -1) {
		perror("escape: abstract socket");
		return 3;
	}
	/* The worker's copy must be closed by the sandbox: no CLOEXEC. */
	abstract_fd = fcntl(abs_l, F_DUPFD, 20);

	path_l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (path_l == -1 || bind(path_l, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sock_path, 0777) == -1 || listen(path_l, 4) == -1) {
		perror("escape: pathname socket");
		return 3;
	}

	tcp_l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&tcp_addr, 0, sizeof(tcp_addr));
	tcp_addr.sin_family = AF_INET;
	tcp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(tcp_addr);
	if (tcp_l == -1 || bind(tcp_l, (struct sockaddr *)&tcp_addr, len) == -1 ||
	    listen(tcp_l, 4) == -1 ||
	    getsockname(tcp_l, (struct sockaddr *)&tcp_addr, &len) == -1) {
		perror("escape: TCP listener");
		return 3;
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		perror("escape: socketpair");
		return 3;
	}
	worker_sock = sv[1];
	fcntl(worker_sock, F_SETFD, 0);

	if (!isatty(0)) {
		ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (ptm != -1 && grantpt(ptm) == 0 && unlockpt(ptm) == 0)
			pty_slave = ptsname(ptm);
	} else {
		have_tty = 1;
	}

	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("escape: fork");
		return 3;
	}
	if (pid == 0)
		worker(pty_slave);
	close(sv[1]);

	/* Serve until the worker and all its children are gone. */
	if (transparent && (listener = recv_listener(sv[0])) == -1)
		printf("FAIL setup: no listener from the worker\n");
	while (!done) {
		struct pollfd pfd[2];
		int n;

		pfd[0].fd = sv[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = listener;
		pfd[1].events = POLLIN;
		n = poll(pfd, listener >= 0 ? 2 : 1, 60000);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			printf("FAIL escape: the worker hung\n");
			kill(pid, SIGKILL);
			break;
		}
		if (listener >= 0 && (pfd[1].revents & POLLIN))
			serve_refuse(listener, &served);
		else if (listener >= 0 && (pfd[1].revents & (POLLHUP | POLLERR))) {
			close(listener);
			listener = -1;
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t r = recv(sv[0], msg, sizeof(msg) - 1, 0);

			if (r > 0) {
				msg[r] = '\0';
				if (sscanf(msg, "C %d %d %d %d", &c_attempts, &c_escapes, &c_broken,
					&c_na) == 4)
					got_counts = 1;
			} else if (r == 0 && listener < 0) {
				done = 1;
			}
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			if (listener < 0)
				done = 1;
		}
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (ptm != -1)
		close(ptm);
	if (transparent)
		printf("info escape: the broker refused %lu notified calls\n", served);

	broker_checks(abs_l, path_l, tcp_l);
	cleanup_scratch();

	attempts += c_attempts;
	escapes += c_escapes;
	broken += c_broken;
	not_applicable += c_na;
	if (!got_counts) {
		broken++;
		printf("FAIL escape: the worker did not finish (status 0x%x)\n", status);
	} else if (!WIFEXITED(status)) {
		broken++;
		printf("FAIL escape: the worker died (status 0x%x)\n", status);
	}
	printf("escape: %d attempts, %d escapes, %d not applicable%s\n", attempts, escapes,
	    not_applicable, broken ? " (and something that must work did not)" : "");
	return escapes == 0 && broken == 0 ? 0 : 1;
}
