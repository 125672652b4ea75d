/*
 * worker.c: fork, confine, exec; see worker.h.
 *
 * The child reports to the broker through a close-on-exec SOCK_SEQPACKET
 * pair: the seccomp listener (SCM_RIGHTS) in transparent mode, or the
 * errno and the step that failed.  The broker reads until end of file,
 * which is the exec closing the child's end.
 *
 * Between fb_sandbox_enter() and execve() the child makes no path
 * syscall: in transparent mode it would wait for a broker that is not
 * serving yet.  Its execve() itself is notified (the broker records every
 * exec): read_reports() lets it go on, and run.c records it once the
 * session has started.
 *
 * The PID namespace.  PR_SET_PDEATHSIG kills the worker with the broker,
 * but not what the worker forks, and a broker killed with SIGKILL runs no
 * cleanup.  So the broker's child is a supervisor made with clone(2) as the
 * init of a new PID namespace (and, when the broker is not root, of a new
 * user namespace mapping only the broker's own uid and gid): it dies with
 * the broker (PDEATHSIG), and when a namespace's init dies the kernel kills
 * every process in it.  The supervisor forks the worker, hands the broker
 * the worker's pidfd, drops its capabilities, reaps whatever reparents to
 * it, and writes the worker's wait status on a pipe when it ends.  The
 * broker signals the worker through the pidfd (the supervisor reaps it, so
 * its pid could be reused) and kills the supervisor when it is done, which
 * ends whatever is left.  Where the kernel refuses the namespaces, the
 * worker is the broker's child as before (worker_spec.nsnote says why).
 *
 * The worker's /proc.  A PID namespace numbers its processes its own way:
 * the worker is pid 2 there, and the host's /proc names it by another
 * number.  So the supervisor, still privileged in its namespaces, also
 * makes a mount namespace of its own and a procfs of the new PID namespace
 * (fsopen(2)), mounts that on /proc there (what the worker's own lookups
 * see: its working folder, exec, the links the broker reads back), and
 * hands the broker a descriptor of it, which the broker resolves the
 * worker's /proc paths in (resolve.h, fsctx.wproc).  Without such a procfs
 * the worker gets no PID namespace: a /proc that names other processes
 * than getpid() says would break every program that reads /proc/self.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "execdiag.h"
#include "fdpass.h"
#include "landlock.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"
#include "worker.h"

extern char **environ;

#define MSG_LISTENER 'L'
#define MSG_ERROR 'E'
#define MSG_PIDFD 'P' /* the supervisor: the worker's pidfd */
#define MSG_PROC \
	'M' /* the supervisor: the worker's procfs, or why none
		       * (step); mounted at /proc unless step says why not */

struct child_msg {
	char kind;
	char reason; /* step is the whole reason, errno included (the sandbox's) */
	int err;
	char step[200];
};

static void
child_send(int fd, const struct child_msg *m, int pass)
{
	(void)fdpass_send(fd, m, sizeof(*m), pass, 0);
}

/* Tell the broker which step failed, with errno; reason: step is already
 * the whole reason (the sandbox's report, which names the errno). */
static void __attribute__((noreturn)) child_fail_msg(int fd, const char *step, int reason)
{
	struct child_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = MSG_ERROR;
	m.reason = (char)reason;
	m.err = errno;
	snprintf(m.step, sizeof(m.step), "%s", step);
	child_send(fd, &m, -1);
	_exit(m.err == ENOENT ? 127 : 126);
}

static void __attribute__((noreturn)) child_fail(int fd, const char *step)
{
	child_fail_msg(fd, step, 0);
}

struct report {
	int fd;
	char last[200];
};

/* The sandbox's reasons: weakenings go to stderr at once, a failure's
 * reason is kept for the broker to print. */
static void
child_report(const char *msg, void *arg)
{
	struct report *r = arg;
	char line[300];
	int n;

	snprintf(r->last, sizeof(r->last), "%s", msg);
	n = snprintf(line, sizeof(line), "filebroker: %s\n", msg);
	if (n > 0 && strstr(msg, "weaker") != NULL)
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

/* Whose PATH search worker_find() makes (worker_find_as()); unset: the
 * broker's own. */
static struct {
	int set;
	uid_t uid;
	gid_t gid;
} seeker;

void
worker_find_as(uid_t uid, gid_t gid)
{
	seeker.set = uid != 0;
	seeker.uid = uid;
	seeker.gid = gid;
}

int
worker_find(const char *cmd, char *buf, size_t size)
{
	const char *path, *p, *end;
	struct stat st;
	int err = ENOENT;
	size_t dl;

	if (strchr(cmd, '/') != NULL) {
		if (strlen(cmd) >= size)
			return ENAMETOOLONG;
		if (stat(cmd, &st) == -1)
			return errno;
		strcpy(buf, cmd);
		return 0;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		dl = (size_t)(end - p);
		if (dl + 1 + strlen(cmd) + 1 > size)
			continue;
		if (dl == 0)
			snprintf(buf, size, "%s", cmd);
		else
			snprintf(buf, size, "%.*s/%s", (int)dl, p, cmd);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (seeker.set ? execdiag_reach(buf, seeker.uid, seeker.gid) :
					 access(buf, X_OK) == 0)
				return 0;
			err = EACCES;
		}
	}
	return err;
}

/* Append lib to LD_PRELOAD: last, so that the user's own preloads come
 * first and keep any fstat() of theirs.  A list too long to extend is left
 * as it is: the library only saves time. */
static int
add_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char buf[8192];

	if (old == NULL || old[0] == '\0')
		return setenv("LD_PRELOAD", lib, 1);
	if ((size_t)snprintf(buf, sizeof(buf), "%s:%s", old, lib) >= sizeof(buf))
		return 0;
	return setenv("LD_PRELOAD", buf, 1);
}

/*
 * Does the program at path load a sanitizer runtime, which must be the first
 * library in the link map (ASan dies otherwise, "runtime does not come
 * first")?  A look for its name in the head of the file, where the dynamic
 * string table sits in practice: a miss costs only the round trips the
 * preload library saves, and --no-preload is there for a sanitized program
 * that a script starts.
 */
static int
needs_runtime_first(const char *path)
{
	static const char *const rt[] = { "libasan.so", "libtsan.so", "libhwasan.so",
		"libclang_rt.asan", "libclang_rt.tsan", "libclang_rt.hwasan" };
	static char head[256 * 1024];
	ssize_t n;
	size_t i;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	for (i = 0; n > 0 && i < sizeof(rt) / sizeof(rt[0]); i++)
		if (memmem(head, (size_t)n, rt[i], strlen(rt[i])) != NULL)
			return 1;
	return 0;
}

/*
 * Is the /proc this process sees its own PID namespace's?  Where the
 * supervisor could not mount one, the host's /proc names other processes
 * by the numbers the worker's own are known by: then stat and readlink
 * stay with the broker, which answers from the worker's procfs (kernel_stat).
 */
static int
own_proc(void)
{
	char buf[32], want[32];
	ssize_t n;

	if ((n = readlink("/proc/self", buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	snprintf(want, sizeof(want), "%ld", (long)getpid());
	return strcmp(buf, want) == 0;
}

/* In the child: everything up to exec.  Never returns. */
static void __attribute__((noreturn)) child(struct worker_spec *ws, int st, pid_t parent)
{
	char num[16], path[PATH_MAX];
	struct fb_sandbox sb;
	struct report rep;
	struct child_msg m;
	int sock = ws->sock, lfd = -1, e, kstat;

	if (sigprocmask(SIG_SETMASK, ws->sigmask, NULL) == -1)
		child_fail(st, "sigprocmask");
	/* The broker ignores SIGPIPE and SIGXFSZ; an ignored signal would
	 * survive exec. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	/* Keep the socket off stdio. */
	if (sock <= STDERR_FILENO && (sock = fcntl(sock, F_DUPFD_CLOEXEC, 3)) == -1)
		child_fail(st, "dup");
	if (fcntl(sock, F_SETFD, 0) == -1)
		child_fail(st, "fcntl");
	snprintf(num, sizeof(num), "%d", sock);
	if (setenv(FB_ENV_FD, num, 1) == -1)
		child_fail(st, "setenv");
	if ((e = worker_find(ws->argv[0], path, sizeof(path))) != 0) {
		errno = e;
		child_fail(st, "exec");
	}
	if (ws->preload != NULL && !needs_runtime_first(path) && add_preload(ws->preload) == -1)
		child_fail(st, "setenv LD_PRELOAD");
	/* stat reaches the kernel (kernel_stat.h): the preload library then
	 * answers an open of a missing path itself.  Not the caller's word. */
	kstat = ws->kernel_stat && own_proc();
	if ((kstat ? setenv("FILEBROKER_KERNEL_STAT", "1", 1) :
		     unsetenv("FILEBROKER_KERNEL_STAT")) == -1)
		child_fail(st, "setenv FILEBROKER_KERNEL_STAT");
	/* The preload library's lane for opens (lane.c), and how long it
	 * and libfilebroker poll for a reply (channel.c); not the caller's
	 * word either. */
	snprintf(num, sizeof(num), "%d", ws->lane_us);
	if ((ws->lane_us >= 0 ? setenv(FB_ENV_LANE, num, 1) : unsetenv(FB_ENV_LANE)) == -1)
		child_fail(st, "setenv " FB_ENV_LANE);

	/* COMMAND itself may be exec'd: the user asked for it (run.c
	 * refused a COMMAND a deny rule denies).  The file it is now,
	 * by descriptor, opened with the broker's rights: a COMMAND
	 * the worker's user cannot reach still fails at exec. */
	if (ws->exec_ruleset >= 0) {
		int cfd;

		if ((cfd = open(path, O_PATH | O_CLOEXEC)) == -1)
			child_fail(st, "exec");
		if (landlock_ruleset_add_exec(ws->exec_ruleset, cfd) == -1)
			child_fail(st, "Landlock execute rule for COMMAND");
		close(cfd);
	}
	memset(&rep, 0, sizeof(rep));
	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = sock;
	sb.status_fd = st;
	sb.set_user = ws->set_user;
	sb.uid = ws->uid;
	sb.gid = ws->gid;
	sb.exec_paths = ws->exec;
	sb.allow_net = ws->allow_net;
	sb.transparent = ws->transparent;
	sb.listener_fd = &lfd;
	sb.weaker = ws->weaker;
	sb.report = child_report;
	sb.report_arg = &rep;
	if (sandbox_enter_ruleset(&sb, ws->exec_ruleset, ws->loader_opens, kstat) == -1)
		child_fail_msg(st, rep.last[0] ? rep.last : "sandbox", rep.last[0] != '\0');
	/* After the uid change, which clears it; then make sure the broker
	 * did not die before it took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		child_fail(st, "PR_SET_PDEATHSIG");
	if (getppid() != parent) {
		errno = ESRCH;
		child_fail(st, "broker gone");
	}
	if (lfd != -1) {
		memset(&m, 0, sizeof(m));
		m.kind = MSG_LISTENER;
		child_send(st, &m, lfd);
		/* A worker holding its own listener could answer its own
		 * notifications. */
		close(lfd);
	}
	execve(path, ws->argv, environ);
	child_fail(st, "exec");
}

/* One report from fd: 1 with the message in *m (kind 0 for one of another
 * size) and the descriptor that came with it in *got (-1: none; the
 * caller's to close); 0 at end of file, or -1. */
static int
read_report(int fd, struct child_msg *m, int *got)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	do {
		memset(&msg, 0, sizeof(msg));
		memset(m, 0, sizeof(*m));
		iov.iov_base = m;
		iov.iov_len = sizeof(*m);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = c.b;
		msg.msg_controllen = sizeof(c.b);
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	*got = -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(got, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(*m))
		m->kind = 0;
	m->step[sizeof(m->step) - 1] = '\0';
	return 1;
}

/* The pid a pidfd names, as this process sees it (its fdinfo's "Pid:"). */
static pid_t
pidfd_pid(int pidfd)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nPid:\t")) == NULL)
		return -1;
	return (pid_t)strtol(p + 6, NULL, 10);
}

/* Read the reports until exec closes the worker's end (and the supervisor
 * its own): the listener, the worker's pidfd (from a supervisor), or the
 * step that failed.  Descriptors arrive with the message that names them;
 * any other is closed.  The pid a supervisor's pidfd names is read into
 * *pid as it comes, and the supervisor told so (one byte), which reaps the
 * worker only then: a worker that has exec'd may end at once (a loader
 * that cannot start it), and a reaped one's pidfd names no pid. */
static int
read_reports(int fd, struct child_msg *err, int *listener, int *pidfd, pid_t *pid,
    struct notify_first *first)
{
	struct pollfd p[2];
	struct child_msg m;
	int got, failed = 0, *slot, waiting = 0;

	first->tid = 0;
	for (;;) {
		/* Once the listener came, the worker's next system call is its
		 * exec of COMMAND, which the filter sends to us: let go on
		 * (and noted, for its record) before the report that the exec
		 * closed can come. */
		if (*listener != -1 && !waiting && first->tid == 0) {
			p[0].fd = fd, p[0].events = POLLIN, p[0].revents = 0;
			p[1].fd = *listener, p[1].events = POLLIN, p[1].revents = 0;
			if (poll(p, 2, -1) == -1) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (p[1].revents & POLLIN) {
				if (notify_first_exec(*listener, first) == -1 && errno != ENOENT &&
				    errno != EINTR)
					log_warn("run: the worker's exec");
				continue;
			}
			if (p[1].revents & (POLLHUP | POLLERR))
				waiting = 1; /* no task left to ask */
			if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
		}
		if (read_report(fd, &m, &got) != 1)
			break;
		slot = m.kind == MSG_LISTENER ? listener : m.kind == MSG_PIDFD ? pidfd : NULL;
		if (got != -1) {
			if (slot != NULL && *slot == -1) {
				*slot = got;
				if (slot == pidfd)
					*pid = pidfd_pid(got);
			} else
				close(got);
		}
		if (m.kind == MSG_PIDFD)
			(void)!write(fd, "p", 1);
		if (m.kind == MSG_ERROR) {
			*err = m;
			failed = 1;
		}
	}
	if (failed && *listener != -1) {
		close(*listener);
		*listener = -1;
	}
	return failed ? -1 : 0;
}

static int
write_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	ssize_t n;
	int fd, saved;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, text, strlen(text));
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The namespaces the supervisor is made in: a PID namespace, a mount
 * namespace for the worker's /proc, and a user namespace as well when the
 * broker is not root (CLONE_NEWPID and CLONE_NEWNS need CAP_SYS_ADMIN,
 * which the owner of a new user namespace has in it). */
static unsigned long
ns_flags(void)
{
	return CLONE_NEWPID | CLONE_NEWNS | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
}

/* A process made like fork(), in new namespaces: 0 in the child. */
static pid_t
clone_ns(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0L);
}

/*
 * In the supervisor, before the worker exists: a procfs of the new PID
 * namespace (a procfs belongs to the namespace of the process that makes
 * it), mounted on /proc in the supervisor's mount namespace, which the
 * worker inherits.  Every mount there becomes a slave first: the host's
 * mounts and unmounts keep coming in where the host shares them, and
 * nothing made here goes out, least of all to the host's /proc.  Returns
 * the procfs's mount descriptor, or -1 with why.  With a descriptor, why
 * is empty when it is on /proc, else says why not: Landlock before ABI 6
 * refuses every mount change to a process whose domain handles file
 * access, as the broker's then does (confine_scope()); the broker still
 * resolves the worker's /proc paths in it.
 */
static int
make_proc(char *why, size_t size)
{
	int fs, m, e;

	why[0] = '\0';
	if ((fs = fsopen("proc", FSOPEN_CLOEXEC)) == -1) {
		snprintf(why, size, "fsopen(proc): %s", strerror(errno));
		return -1;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1) {
		e = errno;
		close(fs);
		snprintf(why, size, "making a procfs: %s", strerror(e));
		return -1;
	}
	m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	e = errno;
	close(fs);
	if (m == -1) {
		/* EPERM in a user namespace: the kernel shows no more of
		 * /proc than the caller sees, and something is mounted over
		 * part of it (a container's masked paths). */
		snprintf(why, size, "fsmount(proc): %s%s", strerror(e),
		    e == EPERM && geteuid() != 0 ? " (part of /proc is hidden by another mount)" :
						   "");
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == -1)
		snprintf(why, size, "not on /proc in its mount namespace: mount(/, MS_SLAVE): %s",
		    strerror(errno));
	else if (move_mount(m, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) == -1)
		snprintf(why, size, "not on /proc in its mount namespace: move_mount: %s",
		    strerror(errno));
	return m;
}

/*
 * The supervisor: pid 1 of the new namespace, the broker's child.  It
 * makes no system call that could block on the worker, and never exits
 * while it has children: the namespace dies with it.  It leaves with
 * _exit() only; its thread pointer still holds the broker's thread id
 * (clone(2) without glibc's fork()), so nothing here may raise a signal on
 * itself or take a lock that checks its owner.  It reports the worker's
 * procfs on setup first (MSG_PROC), then goes on unless there is none or
 * the broker only probes (ws NULL).
 */
static void __attribute__((noreturn))
supervise(struct worker_spec *ws, int st, int setup, int go, int ended)
{
	struct child_msg m;
	int status, pidfd, proc;
	pid_t w, p, me = getpid();
	cap_t none;
	char c;

	/* With the broker from now on; a broker gone before that never
	 * wrote, and its end is closed: end of file. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || read(go, &c, 1) != 1)
		_exit(1);
	close(go);
	memset(&m, 0, sizeof(m));
	m.kind = MSG_PROC;
	proc = make_proc(m.step, sizeof(m.step));
	child_send(setup, &m, proc);
	if (proc == -1 || ws == NULL)
		_exit(0);
	close(proc);
	close(setup);
	if ((w = fork()) == -1)
		child_fail(st, "fork");
	if (w == 0) {
		close(ended);
		child(ws, st, me);
	}
	memset(&m, 0, sizeof(m));
	m.kind = MSG_PIDFD;
	if ((pidfd = (int)syscall(SYS_pidfd_open, w, 0)) == -1) {
		/* The broker cannot signal the worker without it. */
		kill(w, SIGKILL);
		child_fail(st, "pidfd_open");
	}
	child_send(st, &m, pidfd);
	/* The broker reads the worker's pid from that pidfd, which names none
	 * once the worker is reaped: a worker that ends at once (a loader
	 * that cannot start it) stays a zombie until the broker has it (its
	 * byte, or end of file if it died). */
	(void)!read(st, &c, 1);
	if (ended < 3 && (ended = fcntl(ended, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(1);
	/* Every descriptor but the pipe to the broker: a copy of the worker's
	 * socket kept here would keep its connection open for ever. */
	if (syscall(SYS_close_range, 3U, (unsigned)ended - 1, 0U) == -1 ||
	    syscall(SYS_close_range, (unsigned)ended + 1, ~0U, 0U) == -1)
		_exit(1);
	/* Nothing left to do that needs a privilege. */
	if ((none = cap_init()) != NULL) {
		(void)cap_set_proc(none);
		cap_free(none);
	}
	for (;;) {
		p = waitpid(-1, &status, 0);
		if (p == -1 && errno == EINTR)
			continue;
		if (p == -1)
			_exit(0); /* no child left: the namespace is empty */
		if (p == w)
			(void)!write(ended, &status, sizeof(status));
	}
}

/* Map the broker's own uid and gid to themselves in pid's new user
 * namespace: the worker keeps them, and has nothing else.  0 or -1. */
static int
map_ids(pid_t pid)
{
	char map[64];

	if (write_file(pid, "setgroups", "deny") == -1)
		return -1;
	snprintf(map, sizeof(map), "%lu %lu 1\n", (unsigned long)geteuid(),
	    (unsigned long)geteuid());
	if (write_file(pid, "uid_map", map) == -1)
		return -1;
	snprintf(map, sizeof(map), "%lu %lu 1\n", (unsigned long)getegid(),
	    (unsigned long)getegid());
	return write_file(pid, "gid_map", map);
}

/*
 * Start the supervisor in new namespaces and take its report of the
 * worker's /proc: 0 with ws->child, ws->ended, ws->procfs and ws->procnote
 * set (with probe, the supervisor has been reaped and ws->procfs closed),
 * or -1 with ws->nsnote saying why (nothing is left running).
 */
static int
start_supervised(struct worker_spec *ws, int st, int probe)
{
	struct child_msg m;
	int go[2], ended[2], setup[2], proc = -1, r;
	unsigned long flags = ns_flags();
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) == -1 || pipe2(ended, O_CLOEXEC) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, setup) == -1)
		fatal("pipe");
	if ((pid = clone_ns(flags)) == -1) {
		snprintf(ws->nsnote, sizeof(ws->nsnote), "clone(%s): %s",
		    flags & CLONE_NEWUSER ? "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS" :
					    "CLONE_NEWPID|CLONE_NEWNS",
		    strerror(errno));
		close(go[0]);
		close(go[1]);
		close(ended[0]);
		close(ended[1]);
		close(setup[0]);
		close(setup[1]);
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		close(ended[0]);
		close(setup[0]);
		supervise(probe ? NULL : ws, st, setup[1], go[0], ended[1]);
	}
	close(go[0]);
	close(ended[1]);
	/* Its end is the supervisor's only: end of file if it dies. */
	close(setup[1]);
	if ((flags & CLONE_NEWUSER) && map_ids(pid) == -1) {
		snprintf(ws->nsnote, sizeof(ws->nsnote), "mapping the user namespace: %s",
		    strerror(errno));
		r = -1;
	} else if (write(go[1], "g", 1) != 1)
		fatal("pipe");
	else if ((r = read_report(setup[0], &m, &proc)) != 1 || m.kind != MSG_PROC || proc == -1) {
		snprintf(ws->nsnote, sizeof(ws->nsnote), "the worker's /proc: %s",
		    r == 1 && m.kind == MSG_PROC ? m.step : "no report from its init");
		r = -1;
	} else
		snprintf(ws->procnote, sizeof(ws->procnote), "%s", m.step);
	close(go[1]);
	close(setup[0]);
	if (r == -1 || probe) {
		if (proc != -1)
			close(proc);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		close(ended[0]);
		return r == -1 ? -1 : 0;
	}
	ws->child = pid;
	ws->ended = ended[0];
	ws->procfs = proc;
	ws->in_pidns = 1;
	return 0;
}

int
worker_pidns_probe(char *why, size_t size, char *procnote, size_t psize)
{
	struct worker_spec ws;

	memset(&ws, 0, sizeof(ws));
	ws.procfs = -1;
	if (start_supervised(&ws, -1, 1) == -1) {
		snprintf(why, size, "%s", ws.nsnote);
		return 0;
	}
	snprintf(procnote, psize, "%s", ws.procnote);
	return 1;
}

pid_t
worker_start(struct worker_spec *ws)
{
	struct child_msg ce;
	int sp[2], status;
	pid_t pid = -1;

	ws->listener = -1;
	ws->pidfd = -1;
	ws->ended = -1;
	ws->in_pidns = 0;
	ws->child = -1;
	ws->procfs = -1;
	ws->procnote[0] = '\0';
	if (ws->pidns == 0)
		snprintf(ws->nsnote, sizeof(ws->nsnote), "--no-pid-namespace");
	else
		ws->nsnote[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if (!ws->pidns || start_supervised(ws, sp[1], 0) == -1) {
		pid_t parent = getpid();

		if ((pid = fork()) == -1)
			fatal("fork");
		if (pid == 0) {
			close(sp[0]);
			child(ws, sp[1], parent);
		}
		ws->child = pid;
		/* Our own child, not reaped before we say so: its pid is
		 * still its own. */
		if ((ws->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
			fatal("pidfd_open");
	}
	close(sp[1]);
	memset(&ce, 0, sizeof(ce));
	if (read_reports(sp[0], &ce, &ws->listener, &ws->pidfd, &pid, &ws->first) == 0 &&
	    ws->pidfd != -1 && pid > 0) {
		close(sp[0]);
		return pid;
	}
	close(sp[0]);
	if (ws->pidfd != -1)
		close(ws->pidfd);
	ws->pidfd = -1;
	if (ws->ended != -1)
		close(ws->ended);
	ws->ended = -1;
	if (ws->procfs != -1)
		close(ws->procfs);
	ws->procfs = -1;
	/* Without a report of what failed, the worker may be running: it
	 * would wait for a broker that does not serve. */
	if (ce.kind != MSG_ERROR)
		kill(ws->child, SIGKILL);
	while (waitpid(ws->child, &status, 0) == -1 && errno == EINTR)
		;
	ce.step[sizeof(ce.step) - 1] = '\0';
	if (ce.kind != MSG_ERROR)
		log_warnx("run: setting up the worker for '%s': no report from it", ws->argv[0]);
	else if (strcmp(ce.step, "exec") == 0)
		log_warnx("run: cannot run '%s': %s", ws->argv[0], strerror(ce.err));
	else if (ce.reason)
		log_warnx("run: setting up the worker for '%s': %s", ws->argv[0], ce.step);
	else
		log_warnx("run: setting up the worker for '%s': %s: %s", ws->argv[0], ce.step,
		    strerror(ce.err));
	return ce.kind == MSG_ERROR && ce.err == ENOENT && strcmp(ce.step, "exec") == 0 ? -127 :
											  -126;
}
