/*
 * run.c: `filebroker run`: start COMMAND as the worker, with its end of a
 * SOCK_SEQPACKET socket pair in FILEBROKER_FD, and serve its requests until
 * the last holder of that socket has gone.
 *
 * Exit status: the worker's own, or 128+N if signal N killed it; 125 when
 * the broker itself fails (an audit record it could not write included);
 * 126 when COMMAND cannot run; 127 when it is not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "cmds.h"
#include "config.h"
#include "confine.h"
#include "denials.h"
#include "elf_probe.h"
#include "exec_grants.h"
#include "execdiag.h"
#include "fdpass.h"
#include "hint.h"
#include "kernel_stat.h"
#include "landlock.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "ops.h"
#include "policy.h"
#include "private_tmp.h"
#include "protect.h"
#include "run_policy.h"
#include "sandbox.h"
#include "seccomp_filter.h"
#include "task.h"
#include "worker.h"

#define EXIT_BROKER 125
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

/* client/preload/preload.c, built by the Makefile; FB_PKGLIBDIR from config.h. */
#define PRELOAD_NAME "filebroker-preload.so"

/* --audit may be given this many times. */
#define RUN_AUDIT_MAX 8

struct run_state {
	struct server *sv;
	pid_t worker;	/* the worker's pid, as the broker sees it */
	int pidfd;	/* the worker's pidfd: signals go through it */
	pid_t child;	/* our child: the worker, or its namespace's init */
	int in_pidns;	/* the worker is in a PID namespace: child is its init */
	int child_done; /* the child was reaped */
	int ended;	/* the init's pipe with the worker's status, or -1 */
	int worker_done;
	int status;
	int sigfd;
};

static void
run_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker run [--policy FILE] [--read PATH]... [--write PATH]...\n"
	    "                      [--exec PATH]... [--allow 'ACCESS PATTERN']...\n"
	    "                      [--include @PROFILE|FILE]... [--print-policy]\n"
	    "                      [--user USER] [--audit DEST]...\n"
	    "                      [--audit-sync] [--audit-key FILE] [--complain]\n"
	    "                      [-q] [--deny-status N] [--tell-rules]\n"
	    "                      [--explicit] [--net] [--weaker-sandbox]\n"
	    "                      [--placement spread|shared] [--no-preload] [--trap-all]\n"
	    "                      [--no-pid-namespace] [--tmp DIR | --no-tmp]\n"
	    "                      [--print-sandbox] [-v] [--] COMMAND [ARG...]\n"
	    "\n"
	    "Run COMMAND as a sandboxed worker whose every file access the broker\n"
	    "decides, as the policy allows, and records.  The worker has no\n"
	    "filesystem of its own: its path system calls (open, stat, access,\n"
	    "readlink, mkdir, unlink, rename, ...) are answered by the broker\n"
	    "(transparent mode), so unmodified programs, static ones too, just work.\n"
	    "It may also ask through libfilebroker, on the descriptor named by the\n"
	    "environment variable FILEBROKER_FD (see libfilebroker(3)).\n"
	    "\n"
	    "  --policy FILE     the policy (filebroker.policy(5)); without it and\n"
	    "                    without one-off grants: @runtime, @shell, @python3,\n"
	    "                    @perl, @users, list and stat the names in /, and\n"
	    "                    read and list the current folder's tree\n"
	    "  --read PATH       one-off grant (repeatable): read PATH, or read and list\n"
	    "                    everything in the folder PATH\n"
	    "  --write PATH      read, write, create, delete and list everything in the\n"
	    "                    folder PATH (which may not exist yet), or the file\n"
	    "  --exec PATH       read and exec the file PATH, or everything in the\n"
	    "                    folder PATH\n"
	    "  --allow 'ACCESS PATTERN [mode=0NNN]'\n"
	    "                    one more allow rule, in the policy language\n"
	    "  --include @PROFILE|FILE\n"
	    "                    a built-in profile (--include @tls), or a policy\n"
	    "                    file, as an include line would\n"
	    "                    One-off grants add to --policy, or stand alone with\n"
	    "                    include @runtime (not the current folder); each PATH\n"
	    "                    is made canonical now (symlinks resolved), and must\n"
	    "                    exist but for --write's (whose missing folders may\n"
	    "                    be made); rules are named (command line):N\n"
	    "  --print-policy    print the policy that results, with where each rule\n"
	    "                    came from, and exit\n"
	    "  --user USER       when run as root, the worker's user (default: nobody)\n"
	    "  --audit DEST      record every request to DEST (repeatable; each gets\n"
	    "                    every record): a file (JSON lines, created 0600),\n"
	    "                    '-' for stderr when a terminal, /dev/fd/N for a\n"
	    "                    descriptor the worker does not share (3>&1 >OUT),\n"
	    "                    'syslog' (authpriv), 'journal' (systemd);\n"
	    "                    './syslog' is a file.  Without it, each\n"
	    "                    distinct denial prints one line on stderr, once\n"
	    "                    (a count of the repeats comes at the end)\n"
	    "                    and ends with the rule that would allow it\n"
	    "  -q, --quiet       no denial lines on stderr (--audit still records\n"
	    "                    each); the summary at the end is printed anyway\n"
	    "  --deny-status N   exit N (1 to 124) when the worker exited 0 but a\n"
	    "                    request was denied, so that a refused scan cannot\n"
	    "                    pass as clean; a worker that failed keeps its status;\n"
	    "                    over the policy's own deny-status line, if any\n"
	    "  --audit-sync      fdatasync the audit files before the replies (one\n"
	    "                    fdatasync per batch of requests), so that\n"
	    "                    records survive a power cut (slower)\n"
	    "  --audit-key FILE  seal the records' hash chain with this key (32 bytes\n"
	    "                    or more, readable by the broker's user alone), so\n"
	    "                    that nobody without it can rewrite the trail\n"
	    "                    unnoticed (filebroker audit --verify)\n"
	    "  --complain        allow what the policy denies, recording it as\n"
	    "                    \"would-deny\": for trying a policy out (see learn)\n"
	    "  --tell-rules      a libfilebroker call a rule refused gets the rule's\n"
	    "                    name with its EACCES (fb_last_rule()): the worker\n"
	    "                    sees the policy's file and line numbers (default:\n"
	    "                    the errno alone)\n"
	    "  --explicit        path system calls fail with EACCES instead of going\n"
	    "                    to the broker: the worker must use libfilebroker;\n"
	    "                    a dynamic COMMAND's loader may read (unrecorded)\n"
	    "                    the libraries the policy allows in its folders\n"
	    "  --net             let the worker use TCP/UDP sockets (default: none)\n"
	    "  --placement spread (default): the worker's programs may use every CPU\n"
	    "                    (nproc, make -j see them all); shared: broker,\n"
	    "                    worker and its children keep to one CPU, so that no\n"
	    "                    brokered call waits for another CPU to wake up (tens\n"
	    "                    of microseconds on a virtual machine): for single-\n"
	    "                    threaded workers making many calls (nproc says 1)\n"
	    "  --no-preload      do not put filebroker-preload.so in the worker's\n"
	    "                    LD_PRELOAD (by default it turns glibc's fstat() into\n"
	    "                    the fstat system call, saving a round trip to the\n"
	    "                    broker per call; speed only, see filebroker(1))\n"
	    "  --trap-all        send stat and readlink to the broker, and record\n"
	    "                    them, even where the policy allows stat of every\n"
	    "                    path (which otherwise lets the kernel answer them\n"
	    "                    without a round trip; see filebroker(1)), and\n"
	    "                    every open through seccomp, not the preload\n"
	    "                    library's lane\n"
	    "  --no-pid-namespace\n"
	    "                    the worker as the broker's child; by default it is\n"
	    "                    pid 2 of a PID namespace (and a user namespace when\n"
	    "                    not root) whose init dies with the broker, so that\n"
	    "                    nothing it starts outlives even a broker killed with\n"
	    "                    SIGKILL, with its own /proc (the namespace's pids);\n"
	    "                    when the kernel refuses it, -v says why\n"
	    "  --tmp DIR         make the run's private temporary folder in DIR\n"
	    "                    (default: $TMPDIR, else /tmp): filebroker.XXXXXX,\n"
	    "                    the worker's, mode 0700, in its TMPDIR, TMP and\n"
	    "                    TEMP, all but exec allowed in it (rule @tmp), and\n"
	    "                    removed with all in it when the run ends\n"
	    "  --no-tmp          no private temporary folder (TMPDIR is left as it is)\n"
	    "  --weaker-sandbox  start even if the kernel lacks Landlock or seccomp\n"
	    "                    features, saying what is missing\n"
	    "  --print-sandbox   show what the worker would get, and exit\n"
	    "  -v, --verbose     say more about what the broker does (twice: debug)\n"
	    "  -h, --help        show this help\n"
	    "\n"
	    "Programs the worker runs need the policy to allow exec of them (@runtime\n"
	    "grants what dynamic programs need); deny rules and wildcards count as for any\n"
	    "request, on canonical paths (filebroker.policy(5), Exec rules).\n"
	    "COMMAND itself always may run, where the worker's user can reach it,\n"
	    "unless a deny rule denies it; a script COMMAND (#!) may be read by its\n"
	    "interpreter, and its folder listed (rule @command); the interpreter\n"
	    "needs an exec rule of its own.  An\n"
	    "exec rule for a path that does not exist is a warning: it lets nothing\n"
	    "run.\n"
	    "\n"
	    "A run with denials ends with one line on stderr that sums them up, -q or\n"
	    "not.  When COMMAND cannot run, or the worker exits 126 or 127, a line\n"
	    "names the exec rules its interpreter, loader or programs need.\n"
	    "\n"
	    "Exit status: the worker's, or 128+N if signal N killed it; 125 if the\n"
	    "broker failed (an audit record that could not be written included),\n"
	    "126 if COMMAND could not run, 127 if it was not found; with\n"
	    "--deny-status N (or the policy's deny-status N), N instead of the worker's\n"
	    "0 when a request was denied.\n");
}

static int
exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_BROKER;
}

/* The worker's wait status from its namespace's init, when it has one. */
static void
read_ended(struct run_state *rs)
{
	int status;
	ssize_t n;

	if (rs->ended == -1)
		return;
	n = read(rs->ended, &status, sizeof(status));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(status) && !rs->worker_done) {
		rs->worker_done = 1;
		rs->status = status;
	}
	/* One status, then nothing more comes. */
	server_unwatch(rs->sv, rs->ended);
	close(rs->ended);
	rs->ended = -1;
}

static void
on_ended(void *arg, uint32_t events)
{
	(void)events;
	read_ended(arg);
}

/* Reap every child that has ended; note the worker's status. */
static void
reap(struct run_state *rs)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != rs->child)
			continue; /* a leftover that came back to us (no namespace) */
		rs->child_done = 1;
		if (!rs->in_pidns) {
			/* No namespace: the child is the worker. */
			rs->worker_done = 1;
			rs->status = status;
			continue;
		}
		/* The init is gone, and the namespace with it: the status
		 * it wrote first, if any.  Otherwise the init was killed (by
		 * someone with the right) and the kernel killed the worker
		 * with the namespace, as SIGKILL. */
		read_ended(rs);
		if (!rs->worker_done) {
			log_warnx("run: the worker's supervisor was killed, and the worker with "
				  "its PID namespace");
			rs->worker_done = 1;
			rs->status = SIGKILL;
		}
	}
}

static void
on_signal(void *arg, uint32_t events)
{
	struct run_state *rs = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(rs->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(rs);
		else if (!rs->worker_done)
			/* Pass it on: the worker decides what it means.  By its
			 * pidfd: in a namespace its init reaps it, and its pid
			 * could be another process's by now. */
			(void)syscall(SYS_pidfd_send_signal, rs->pidfd, (int)si.ssi_signo, NULL, 0);
	}
}

/* confine_opts.spawn: the server's threads (the seccomp listener's own,
 * server_thread_session()). */
static int
run_spawn(void *arg)
{
	return server_start(arg);
}

static int
keep_going(void *arg)
{
	struct run_state *rs = arg;

	/* Serve until the worker has ended, nobody holds a connection and no
	 * filtered task is left: children it forked may still be asking. */
	return !rs->worker_done || server_nconns(rs->sv) > 0 || notify_active() > 0;
}

/*
 * Every child of ours, from /proc/self/task/TID/children (the broker has
 * one thread, whose children these are), read whole however long: into
 * *out, which the caller frees.  Returns how many.
 */
static size_t
read_children(pid_t **out)
{
	char path[64], *buf = NULL, *nb, *p, *end;
	size_t len = 0, cap = 0, n = 0;
	pid_t *v = NULL;
	ssize_t r;
	long pid;
	int fd;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				fatal("run: the leftovers");
			buf = nb;
		}
		if ((r = read(fd, buf + len, cap - len)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf == NULL)
		return 0;
	buf[len] = '\0';
	/* At most one pid per two bytes ("1 "). */
	if ((v = calloc(len / 2 + 1, sizeof(*v))) == NULL)
		fatal("run: the leftovers");
	for (p = buf; *p != '\0'; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			v[n++] = (pid_t)pid;
	}
	free(buf);
	*out = v;
	return n;
}

/*
 * Nothing the worker started outlives the broker.  In a PID namespace:
 * kill its init, and the kernel kills everything in it; waitpid() returns
 * once they are all gone.  Without one, the broker is a child subreaper,
 * so descendants that outlived their parents are its children: kill those,
 * wait for exactly those (another may have come back meanwhile, and must
 * not be waited for before it is killed), and again while any are left.
 */
static void
kill_leftovers(struct run_state *rs)
{
	size_t n, i;
	pid_t *v;

	if (!rs->child_done) {
		/* The namespace's init (the worker is done: its status came). */
		kill(rs->child, SIGKILL);
		while (waitpid(rs->child, NULL, 0) == -1 && errno == EINTR)
			;
		rs->child_done = 1;
	}
	while ((n = read_children(&v)) > 0) {
		for (i = 0; i < n; i++)
			kill(v[i], SIGKILL);
		for (i = 0; i < n; i++)
			while (waitpid(v[i], NULL, 0) == -1 && errno == EINTR)
				;
		free(v);
	}
	free(v);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void
describe_report(const char *msg, void *arg)
{
	(void)arg;
	printf("  note: %s\n", msg);
}

static int
print_sandbox(const struct worker_spec *ws)
{
	char why[256] = "", procnote[256] = "";
	struct fb_sandbox sb;

	memset(&sb, 0, sizeof(sb));
	sb.keep_fd = -1;
	sb.set_user = ws->set_user;
	sb.uid = ws->uid;
	sb.gid = ws->gid;
	sb.exec_paths = ws->exec;
	sb.allow_net = ws->allow_net;
	sb.transparent = ws->transparent;
	sb.weaker = ws->weaker;
	sb.report = describe_report;
	if (fb_sandbox_describe(&sb, stdout) == -1)
		fatal("describing the sandbox");
	if (ws->transparent)
		printf("stat:         %s\n",
		    ws->kernel_stat ? SECCOMP_FILTER_KERNEL_STAT
			" reach the kernel: the policy allows stat "
			"of every path (no round trip, no record; "
			"--trap-all sends them to the broker)" :
				      "brokered and recorded, as every path call");
	if (ws->transparent)
		printf("preload:      %s\n",
		    ws->preload != NULL ?
			ws->preload :
			"none (--no-preload, or the library is missing): fstat() is brokered");
	if (ws->preload != NULL)
		printf("              in LD_PRELOAD: fstat() as the fstat syscall, no round trip "
		       "(speed only; readable as rule @preload)\n");
	if (ws->transparent)
		printf("opens:        %s\n",
		    ws->lane_us >= 0 ?
			"a dynamically linked program's by the preload library's lane, a channel "
			"of the session (recorded as explicit; --trap-all: through the filter)" :
			"through the filter, as every path call");
	if (!ws->pidns) {
		printf("pid namespace: no (--no-pid-namespace): what the worker starts outlives "
		       "a broker killed with SIGKILL\n");
		return 0;
	}
	/* Probed under the broker's own Landlock domain, as in a run: before
	 * ABI 6 it refuses the supervisor's mount on /proc.  This process only
	 * prints from now on. */
	(void)confine_scope();
	if (!worker_pidns_probe(why, sizeof(why), procnote, sizeof(procnote)))
		printf("pid namespace: no (%s): what the worker starts outlives a broker killed "
		       "with SIGKILL\n",
		    why);
	else {
		if (geteuid() == 0)
			printf("pid namespace: yes: ");
		else
			printf("pid namespace: yes, in a user namespace mapping only uid %lu and "
			       "gid %lu: ",
			    (unsigned long)geteuid(), (unsigned long)getegid());
		printf("the worker is pid 2, under an init that dies with the broker, and "
		       "everything it starts dies with it\n");
		if (procnote[0] == '\0')
			printf("/proc:        the worker's own: a procfs of its PID namespace, on "
			       "/proc in its mount namespace\n");
		else
			printf("/proc:        the worker's own: a procfs of its PID namespace, %s: "
			       "the broker answers /proc paths from it, the worker's own lookups "
			       "(its working folder, exec) see the host's\n",
			    procnote);
	}
	return 0;
}

/*
 * The preload library (client/preload/preload.c): beside the executable (a
 * build tree), in ../lib/filebroker from it (an installed PREFIX, whatever
 * PREFIX the build had), else in the LIBDIR of the build.  Its canonical
 * path, so that the worker's open of it is recognised: 0, or -1 if none.
 */
static int
find_preload(char *buf, size_t size)
{
	static const char *const rel[] = { "", "/../lib/filebroker" };
	char exe[PATH_MAX], cand[2 * PATH_MAX], real[PATH_MAX], *slash;
	struct stat st;
	ssize_t n;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (i < 2) {
			if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
				continue;
			exe[n] = '\0';
			if ((slash = strrchr(exe, '/')) == NULL)
				continue;
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s%s/%s", exe, rel[i], PRELOAD_NAME);
		} else
			snprintf(cand, sizeof(cand), "%s/%s", FB_PKGLIBDIR, PRELOAD_NAME);
		/* The loader splits LD_PRELOAD at spaces and colons. */
		if (realpath(cand, real) == NULL || stat(real, &st) == -1 || !S_ISREG(st.st_mode) ||
		    strlen(real) >= size || strpbrk(real, " :") != NULL)
			continue;
		memcpy(buf, real, strlen(real) + 1);
		return 0;
	}
	return -1;
}

/* --deny-status N: N, from 1 to 124 (125 to 127 are run's own, 128 and
 * up a signal's); 0 after saying why not. */
static int
deny_status_parse(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > 124) {
		log_warnx("run: --deny-status: '%s': not a number from 1 to 124 (125 to 127 are "
			  "run's own, 128 and up a signal's)",
		    arg);
		return 0;
	}
	return (int)v;
}

/*
 * The exit status with --deny-status N, or else the policy's "deny-status
 * N": N for a worker that exited 0 and was refused something (complain
 * mode's would-denials refuse nothing).  A worker that failed keeps its
 * status: it says more.
 */
static int
deny_status(const struct session *s, int deny, int c)
{
	struct denials_count dc;
	const char *file = NULL;
	char from[PATH_MAX + 32];
	int line = 0;

	snprintf(from, sizeof(from), "--deny-status");
	if (deny == 0 && (deny = policy_deny_status(s->policy, &file, &line)) != 0)
		snprintf(from, sizeof(from), "deny-status of %s:%d", file, line);
	denials_count(s->denials, &dc);
	if (deny == 0 || c != 0 || dc.refused == 0)
		return c;
	log_warnx("run: exit status %d (%s), not the worker's 0: %llu request%s denied", deny, from,
	    (unsigned long long)dc.refused, dc.refused == 1 ? " was" : "s were");
	return deny;
}

/*
 * A worker whose requests were mostly stat and readlink, each a round trip
 * (a build: gcc reads back every header's path), under a policy that does
 * not allow stat of every path: say what would take them off that path.
 * Once, at the end, where it is many (STAT_HINT_MIN) and most.
 */
#define STAT_HINT_MIN 20000
static void
stat_hint(const struct session *s, const struct worker_spec *ws, int complain)
{
	if (!ws->transparent || ws->kernel_stat || complain || s->nstatlike < STAT_HINT_MIN ||
	    s->nstatlike * 5 < s->nrequests * 2 ||
	    policy_allows_everywhere(s->policy, POLICY_STAT, 1, NULL))
		return;
	log_warnx("run: %llu of the worker's %llu requests were stat or readlink, a round trip "
		  "each: a policy line 'allow stat /**' (every file's metadata, not its content) "
		  "lets the kernel answer them (filebroker(1), Stat without a round trip)",
	    (unsigned long long)s->nstatlike, (unsigned long long)s->nrequests);
}

static void
run_cleanup(struct session *s, struct exec_grants *eg, struct elf_load *load)
{
	/* The worker and all it started are gone: nothing adds to the tree. */
	if (s->tmp != NULL)
		private_tmp_remove(s->tmp);
	elf_probe_load_free(load);
	denials_summary(s->denials, "", s->audit != NULL);
	denials_free(s->denials);
	fsctx_close(&s->fs);
	task_ns_free(s->ns);
	audit_close(s->audit);
	policy_free((struct policy *)s->policy);
	exec_grants_free(eg);
}

/*
 * COMMAND always may run, as the user asked for it, unless a deny rule
 * denies exec of it: deny wins.  Decided on its canonical path, as the
 * exec grants are.  0, or -1 after saying why.  A COMMAND not found is
 * left to the worker, which reports it (exit 127).
 */
static int
command_allowed(const struct policy *p, const char *cmd)
{
	char path[PATH_MAX], canon[PATH_MAX];
	struct policy_decision d;

	if (worker_find(cmd, path, sizeof(path)) != 0 || realpath(path, canon) == NULL)
		return 0;
	if (policy_decide(p, canon, POLICY_EXEC, 0, &d) == 0 && !d.allowed &&
	    strcmp(d.rule, "default") != 0) {
		log_warnx("run: cannot run '%s': exec of %s is denied by rule %s", cmd, canon,
		    d.rule);
		return -1;
	}
	return 0;
}

/*
 * Placement (--placement; design.md "Placement").
 *
 * spread, the default: nothing is pinned.  The worker and everything it
 * starts may run on every CPU the broker may (taskset(1) still narrows
 * both), so nproc, make -j and every parallel program see what they would
 * see unsandboxed, and the scheduler places broker and worker.  On an idle
 * machine it puts a task it wakes on an idle CPU: each hand-off of a
 * brokered call may then wake another CPU (on a virtual machine whose idle
 * CPUs halt, tens of microseconds).  The listener's
 * SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP would keep a NOTIF_SEND answer on one
 * CPU, but only for a broker that waits on the listener itself: through
 * epoll the kernel passes the wake-up on as an ordinary one.  NOTIF_ADDFD
 * wakes the worker with an ordinary wake-up whatever the flags.
 *
 * shared: the broker pins itself, before the fork, to the CPU it is on, and
 * the worker and everything it starts inherit that: no hand-off ever
 * crosses CPUs, which suits a single-threaded worker that makes many
 * brokered calls, but nproc says 1 and a parallel program gets one CPU.
 *
 * Pinning the broker alone (to its CPU, or to the worker's) would be worse
 * than either: every call from another CPU would wake the broker's, and a
 * NOTIF_SEND answer (SYNC_WAKE_UP) wakes the asking thread on the broker's
 * CPU, so the threads of a parallel worker would be pulled onto that one.
 */
enum placement { PLACE_SPREAD, PLACE_SHARED };

/* How long the preload library's lane and the broker poll for each other
 * (design.md, "The preload lane"): longer than a reply takes, shorter than
 * the CPU time it would waste when none comes. */
#define LANE_POLL_US 50

/* Returns how many CPUs the worker may run on (0: unknown). */
static int
place(enum placement how)
{
	cpu_set_t set;
	int cpu, i;

	if (sched_getaffinity(0, sizeof(set), &set) == -1) {
		log_warn("run: sched_getaffinity; placement left to the scheduler");
		return 0;
	}
	if (how == PLACE_SPREAD || CPU_COUNT(&set) <= 1) {
		log_info("placement %s: the worker may run on %d CPU%s, where the scheduler puts "
			 "it",
		    how == PLACE_SPREAD ? "spread" : "shared", CPU_COUNT(&set),
		    CPU_COUNT(&set) == 1 ? "" : "s");
		return CPU_COUNT(&set);
	}
	if ((cpu = sched_getcpu()) < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set))
		for (cpu = 0, i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set)) {
				cpu = i;
				break;
			}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == -1) {
		log_warn("run: sched_setaffinity; placement left to the scheduler");
		return 0;
	}
	log_info("placement shared: broker and worker share CPU %d", cpu);
	return 1;
}

/* The session's exec_decide (ops.h): the worker's Landlock grants. */
static int
exec_decide(const struct session *s, const char *canon, const struct stat *st, const char **grant,
    const char **rule)
{
	return exec_grants_decide(s->exec_arg, s->fs.root, canon, st, grant, rule);
}

/*
 * The record of the worker's exec of COMMAND (worker.h, first), made
 * now that the session has started, with the grant the worker added for
 * it itself (rule "@command").
 */
static void
record_first_exec(struct session *s, struct exec_grants *eg, const struct worker_spec *ws,
    pid_t worker)
{
	const struct notify_first *x = &ws->first;
	char canon[PATH_MAX];
	struct request req;
	struct result res;
	struct stat st;

	if (x->tid == 0)
		return;
	if (realpath(x->path, canon) != NULL && stat(canon, &st) == 0)
		exec_grants_add(eg, canon, &st, RUN_COMMAND_RULE);
	memset(&req, 0, sizeof(req));
	req.op = OP_EXEC;
	req.who.front = FRONT_NOTIFY;
	req.who.pid = worker;
	req.who.tid = x->tid;
	req.who.nspid = task_ns_pid(s->ns, worker);
	req.who.nstid = req.who.nspid;
	req.who.uid = s->uid;
	req.who.gid = s->gid;
	req.who.exe = x->exe[0] != '\0' ? x->exe : NULL;
	req.path = x->path;
	req.path2 = "";
	ops_handle(s, &req, &x->t0, &res);
	if (res.fd != -1)
		close(res.fd);
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "explicit", no_argument, NULL, 'E' },
		{ "net", no_argument, NULL, 'N' },
		{ "weaker-sandbox", no_argument, NULL, 'W' },
		{ "print-sandbox", no_argument, NULL, 'P' },
		{ "policy", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "audit", required_argument, NULL, 'a' },
		{ "audit-sync", no_argument, NULL, 'S' },
		{ "audit-key", required_argument, NULL, 'K' },
		{ "complain", no_argument, NULL, 'C' },
		{ "tell-rules", no_argument, NULL, 't' },
		{ "placement", required_argument, NULL, 'L' },
		{ "no-preload", no_argument, NULL, 'R' },
		{ "trap-all", no_argument, NULL, 'G' },
		{ "no-pid-namespace", no_argument, NULL, 'n' },
		{ "read", required_argument, NULL, 'r' },
		{ "write", required_argument, NULL, 'w' },
		{ "exec", required_argument, NULL, 'x' },
		{ "allow", required_argument, NULL, 'A' },
		{ "include", required_argument, NULL, 'I' },
		{ "print-policy", no_argument, NULL, 'Y' },
		{ "tmp", required_argument, NULL, 'T' },
		{ "no-tmp", no_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "deny-status", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy_path = NULL, *user = NULL, *audit_dest[RUN_AUDIT_MAX], *audit_key = NULL;
	size_t naudit = 0, i;
	unsigned audit_flags = 0;
	int complain = 0, tell_rules = 0;
	struct worker_spec ws;
	struct session s;
	struct run_state rs;
	sigset_t mask, oldmask;
	int c, verbose = 0, sp[2], explicit = 0, net = 0, weaker = 0, print = 0;
	enum placement placement = PLACE_SPREAD;
	int preload = 1, pidns = 1, print_policy = 0, no_tmp = 0, quiet = 0, deny = 0;
	int trap_all = 0, oneoff = 0, ncpu;
	char lane_poll[64];
	const char *tmp_parent = NULL, *tmp_rules_for = NULL;
	struct private_tmp pt;
	struct run_grants grants = { 0 };
	char preload_path[PATH_MAX], msg[512], script[PATH_MAX] = "";
	char kstat_cwd[PATH_MAX], kstat_why[PATH_MAX + 256] = "";
	struct exec_grants eg;
	struct elf_load load;
	struct execdiag xd;

	log_set_fatal_status(EXIT_BROKER);
	/* A worker that closes its end, or a closed stderr pipe, must not kill
	 * the broker: those are errors to handle, not signals.  Nor may a file
	 * size limit (ulimit -f): a write beyond it then fails with EFBIG, and
	 * an audit record that cannot be written fails closed (ops.c). */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:u:a:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_path = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'a':
			if (naudit == RUN_AUDIT_MAX)
				fatalx("run: at most %d --audit destinations", RUN_AUDIT_MAX);
			audit_dest[naudit++] = optarg;
			break;
		case 'S':
			audit_flags |= AUDIT_SYNC;
			break;
		case 'K':
			audit_key = optarg;
			break;
		case 'C':
			complain = 1;
			break;
		case 't':
			tell_rules = 1;
			break;
		case 'L':
			if (strcmp(optarg, "shared") == 0)
				placement = PLACE_SHARED;
			else if (strcmp(optarg, "spread") == 0)
				placement = PLACE_SPREAD;
			else {
				log_warnx("run: --placement: %s: not shared or spread", optarg);
				return EXIT_BROKER;
			}
			break;
		case 'R':
			preload = 0;
			break;
		case 'G':
			trap_all = 1;
			break;
		case 'n':
			pidns = 0;
			break;
		case 'r':
		case 'w':
		case 'x':
		case 'A':
		case 'I':
			if (run_grants_add(&grants,
				c == 'r'     ? RUN_GRANT_READ :
				    c == 'w' ? RUN_GRANT_WRITE :
				    c == 'x' ? RUN_GRANT_EXEC :
				    c == 'A' ? RUN_GRANT_ALLOW :
					       RUN_GRANT_INCLUDE,
				optarg) == -1)
				return EXIT_BROKER;
			break;
		case 'Y':
			print_policy = 1;
			break;
		case 'T':
			tmp_parent = optarg;
			break;
		case 'O':
			no_tmp = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'D':
			if ((deny = deny_status_parse(optarg)) == 0)
				return EXIT_BROKER;
			break;
		case 'v':
			verbose++;
			break;
		case 'E':
			explicit = 1;
			break;
		case 'N':
			net = 1;
			break;
		case 'W':
			weaker = 1;
			break;
		case 'P':
			print = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return EXIT_BROKER;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 && !print && !print_policy) {
		log_warnx("run: no COMMAND given");
		run_usage(stderr);
		return EXIT_BROKER;
	}
	log_init(verbose);
	if (no_tmp && tmp_parent != NULL) {
		log_warnx("run: --tmp and --no-tmp together: pick one");
		return EXIT_BROKER;
	}

	memset(&s, 0, sizeof(s));
	memset(&ws, 0, sizeof(ws));
	ws.lane_us = -1;
	if (geteuid() == 0) {
		struct passwd *pw;

		errno = 0;
		if ((pw = getpwnam(user != NULL ? user : "nobody")) == NULL)
			fatalx("run: no such user: %s", user != NULL ? user : "nobody");
		ws.set_user = 1;
		ws.uid = pw->pw_uid;
		ws.gid = pw->pw_gid;
		s.chown_new = pw->pw_uid != 0;
	} else {
		if (user != NULL)
			fatalx("run: --user needs root");
		ws.uid = getuid();
		ws.gid = getgid();
	}
	s.uid = ws.uid;
	s.gid = ws.gid;
	/* COMMAND is found on PATH as the worker's user will find it. */
	if (ws.set_user)
		worker_find_as(ws.uid, ws.gid);
	/* The private temporary folder first: the policy names it.  Printing
	 * makes none, and shows its name's form. */
	if (!no_tmp) {
		if (private_tmp_parent(&pt, tmp_parent) == -1)
			return EXIT_BROKER;
		if (print || print_policy)
			private_tmp_form(&pt);
		else if (private_tmp_make(&pt) == -1)
			return EXIT_BROKER;
		else
			s.tmp = &pt;
		tmp_rules_for = pt.path;
	}
	/* A script COMMAND may be read by its interpreter (rule @command). */
	if (argc > 0 && run_command_script(argv[0], script, sizeof(script)) == 1)
		log_info("run: COMMAND %s is a script: its interpreter may read it (rule %s)",
		    script, RUN_COMMAND_RULE);
	s.policy = run_policy_load(policy_path, &grants, tmp_rules_for,
	    script[0] != '\0' ? script : NULL);
	if (print_policy) {
		c = run_policy_print(s.policy, policy_path, &grants, tmp_rules_for,
			script[0] != '\0' ? script : NULL, stdout) == -1 ?
		    EXIT_BROKER :
		    0;
		if (c != 0)
			log_warn("run: --print-policy");
		policy_free((struct policy *)s.policy);
		run_grants_free(&grants);
		return c;
	}
	/* A user who typed one-off grants is told the option to add. */
	oneoff = grants.n > 0;
	run_grants_free(&grants);
	/* The chains' key (audit.h): each sink derives its own from it. */
	if (audit_key != NULL && audit_key_load(audit_key, msg, sizeof(msg)) == -1)
		fatalx("%s", msg);
	for (i = 0; i < naudit; i++) {
		struct audit *a;

		if (audit_open_flags(audit_dest[i], audit_flags, &a) == -1) {
			if (strcmp(audit_dest[i], "syslog") == 0 ||
			    strcmp(audit_dest[i], "journal") == 0)
				fatal("%s: not available: %s", audit_dest[i],
				    strcmp(audit_dest[i], "syslog") == 0 ? AUDIT_SYSLOG_PATH :
									   AUDIT_JOURNAL_PATH);
			fatal("audit %s", audit_dest[i]);
		}
		audit_chain(&s.audit, a);
	}
	audit_key_forget();
	/* The worker gets the broker's stdio: no sink may share it. */
	if (audit_check_unshared(s.audit, (const int[]){ 0, 1, 2 }, 3, msg, sizeof(msg)) == -1)
		fatalx("%s", msg);
	if ((audit_flags != 0 || audit_key != NULL) && naudit == 0)
		log_warnx("run: --audit-sync and --audit-key without --audit do nothing");
	s.complain = complain;
	s.tell_rules = tell_rules;
	if (complain)
		log_warnx("complain mode: requests the policy denies are ALLOWED and recorded "
			  "as would-deny; do not use it to confine anything");
	if (fsctx_init(&s.fs) == -1)
		fatal("opening / and /proc/self/fd");

	if (s.tmp != NULL) {
		if (private_tmp_give(s.tmp, ws.uid, ws.gid) == -1 ||
		    private_tmp_setenv(s.tmp) == -1)
			fatal("run: the private temporary folder %s", s.tmp->path);
		log_info("run: private temporary folder %s (TMPDIR, TMP and TEMP; rule %s), "
			 "removed when the run ends",
		    s.tmp->path, PRIVATE_TMP_RULE);
	}
	ws.pidns = pidns;
	ws.transparent = !explicit;
	ws.allow_net = net;
	ws.weaker = weaker;
	/* stat and readlink without a round trip, where the policy has
	 * decided them all (kernel_stat.h); not in complain mode, whose
	 * records are what learn reads.  Not root: the worker's PID
	 * namespace comes with a user namespace (worker.c, ns_flags()). */
	if (ws.transparent && !complain && !trap_all)
		ws.kernel_stat = kernel_stat_decide(s.policy, deny, ws.set_user,
		    pidns && geteuid() != 0, ws.uid, ws.gid, getcwd(kstat_cwd, sizeof(kstat_cwd)),
		    kstat_why, sizeof(kstat_why));
	/* Only a transparent worker's fstat() is a round trip to us. */
	if (preload && ws.transparent) {
		if (find_preload(preload_path, sizeof(preload_path)) == 0) {
			ws.preload = preload_path;
			s.preload = preload_path;
		} else
			log_info("run: no %s beside %s or in %s: fstat() will be brokered "
				 "(slower)",
			    PRELOAD_NAME, "the executable", FB_PKGLIBDIR);
	}
	/* The preload library's lane (design.md, "The preload lane"), and in
	 * explicit mode libfilebroker's polling for its replies; how long
	 * each side polls is the placement's (below). */
	if (!trap_all && (ws.preload != NULL || !ws.transparent))
		ws.lane_us = 0;
	if (protect_init(&s.fs, s.policy, audit_dest, naudit, &s.preload, 1) == -1)
		fatal("run: holding the broker's own files");
	/* The exec rules as Landlock grants, decided by the policy itself. */
	if (exec_grants_build(s.policy, &s.fs, landlock_abi(), net, &eg) == -1)
		fatalx("run: the exec rules could not be made Landlock grants; nothing was run");
	log_info("run: exec grants: %zu files, %zu folders (beneath)%s", eg.npaths - eg.nfolders,
	    eg.nfolders, eg.nskipped ? "; hard links of denied files left out" : "");
	/* The worker's exec records are decided with the grants (ops_exec.c). */
	s.exec_decide = exec_decide;
	s.exec_arg = &eg;
	/* Complain mode lets everything run, as it lets every request
	 * through: Landlock gets all of "/" for exec, and the records are
	 * still decided with the grants above (would-deny where they fall
	 * short), so that learn sees every program the worker ran.  Not in
	 * explicit mode, whose execs are not recorded and whose loader's
	 * opens would then read anything unrecorded. */
	if (complain && !explicit && eg.ruleset >= 0 &&
	    landlock_ruleset_add_exec_path(eg.ruleset, "/") == -1)
		fatal("run: complain mode: the exec grant of /");
	/* Explicit mode: the loader of a dynamically linked COMMAND reads
	 * what the policy allows in its folders (elf_probe.h). */
	memset(&load, 0, sizeof(load));
	if (explicit && argc >= 1 &&
	    (ws.loader_opens = elf_probe_explicit(s.policy, &s.fs, argv[0], &eg, &load)) == -1)
		fatalx("run: the loader's read grants could not be made; nothing was run");
	ws.exec = (const char *const *)eg.paths;
	ws.exec_ruleset = eg.ruleset;
	if (print) {
		c = print_sandbox(&ws);
		elf_probe_describe(stdout, &load, &eg, ws.loader_opens);
		run_cleanup(&s, &eg, &load);
		return c;
	}
	if (command_allowed(s.policy, argv[0]) == -1) {
		run_cleanup(&s, &eg, &load);
		return EXIT_CANNOT_RUN;
	}
	/* Counted from the first denial, -q or not, sink or not. */
	if ((s.denials = denials_new((quiet ? DENIALS_QUIET : 0) | (oneoff ? DENIALS_ONEOFF : 0),
		 getcwd(msg, sizeof(msg)))) == NULL)
		fatal("run: the denials' table");
	/* What COMMAND's exec needs, read while any file may be. */
	execdiag_study(&xd, s.policy, argv[0], ws.uid, ws.gid, ws.set_user,
	    oneoff ? HINT_FLAGS : 0);

	/* Every message names its sender (SO_PASSCRED), from the first one:
	 * a forked child's requests are the child's. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1 ||
	    fdpass_want_creds(sp[0]) == -1)
		fatal("socketpair");
	/* Descendants that outlive the worker come back to us to be reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		fatal("PR_SET_CHILD_SUBREAPER");
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, &oldmask) == -1)
		fatal("sigprocmask");

	/* Before the fork: the worker inherits the broker's affinity. */
	ncpu = place(placement);
	/* The preload library's lane for opens (design.md, "The preload
	 * lane"): each side polls for the other only where they may run on
	 * different CPUs, where it spares a sleeping CPU's wake-up; on one,
	 * polling would only keep the other from running. */
	if (ws.lane_us >= 0) {
		ws.lane_us = ncpu > 1 ? LANE_POLL_US : 0;
		snprintf(lane_poll, sizeof(lane_poll), ", each side polling %d us for the other",
		    ws.lane_us);
		if (ws.transparent)
			log_info("run: opens of dynamically linked programs go to the broker by "
				 "the preload library's lane%s (--trap-all: all through seccomp)",
			    ncpu > 1 ? lane_poll : "");
		else if (ncpu > 1)
			log_info("run: libfilebroker's requests and the broker poll %d us for "
				 "each other before they sleep",
			    ws.lane_us);
	}

	/* The worker's Landlock domain must nest in the broker's. */
	if (confine_scope() == -1)
		fatal("confining the broker (Landlock scope)");

	ws.sock = sp[1];
	ws.argv = argv;
	ws.sigmask = &oldmask;
	memset(&rs, 0, sizeof(rs));
	rs.worker = worker_start(&ws);
	close(sp[1]);
	/* The worker has its domain (or failed): the ruleset is spent. */
	if (eg.ruleset >= 0) {
		close(eg.ruleset);
		eg.ruleset = -1;
	}
	if (rs.worker < 0) {
		/* worker_start() said why; the study says what to add. */
		execdiag_start_failed(&xd);
		close(sp[0]);
		run_cleanup(&s, &eg, &load);
		return rs.worker == -EXIT_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	s.pid = rs.worker;
	/* Its /proc from now on: the worker's paths under /proc are looked up
	 * there, by the numbers its namespace gives (s.ns, below). */
	if (ws.in_pidns && fsctx_set_wproc(&s.fs, ws.procfs) == -1)
		fatal("run: the worker's /proc");
	ws.procfs = -1;
	rs.pidfd = ws.pidfd;
	rs.child = ws.child;
	rs.ended = ws.ended;
	rs.in_pidns = ws.in_pidns;
	log_info("worker %ld started: %s (%s mode)", (long)rs.worker, argv[0],
	    ws.listener != -1 ? "transparent" : "explicit");
	/* The worker kept them brokered where its /proc is not its own
	 * (worker.c, own_proc()): what the supervisor's note says. */
	if (ws.kernel_stat && ws.in_pidns && ws.procnote[0] != '\0') {
		ws.kernel_stat = 0;
		snprintf(kstat_why, sizeof(kstat_why), "the worker's /proc is not its own");
	}
	if (ws.kernel_stat)
		log_info("run: stat and readlink go to the kernel, without a round trip or a "
			 "record: %s (--trap-all sends them to the broker)",
		    kstat_why);
	else if (kstat_why[0] != '\0')
		log_info("run: stat and readlink go to the broker: %s", kstat_why);
	if (ws.in_pidns) {
		log_info("worker %ld is pid 2 of a PID namespace%s whose init (%ld) dies with "
			 "the broker: nothing it starts outlives it",
		    (long)rs.worker, geteuid() == 0 ? "" : " (in a user namespace)",
		    (long)rs.child);
		if (ws.procnote[0] == '\0')
			log_info("worker %ld: its /proc is a procfs of its namespace, on /proc in "
				 "its mount namespace",
			    (long)rs.worker);
		else
			log_info("worker %ld: its /proc is a procfs of its namespace, %s: the "
				 "broker answers its /proc paths from it, its own lookups (its "
				 "working folder, exec) see the host's",
			    (long)rs.worker, ws.procnote);
	} else
		log_info("worker %ld has no PID namespace (%s): what it starts and leaves "
			 "behind is killed when the broker ends, but outlives a broker killed "
			 "with SIGKILL",
		    (long)rs.worker, ws.nsnote);
	/* The session's first record (audit.h), before any request is read. */
	if (audit_session_start(s.audit,
		&(struct audit_session){ .mode = ws.listener != -1 ? "transparent" : "explicit",
		    .placement = placement == PLACE_SPREAD ? "spread" : "shared",
		    .argv = argv,
		    .pid = rs.worker,
		    .uid = ws.uid,
		    .gid = ws.gid,
		    .policy = policy_path,
		    .p = s.policy,
		    .tmp = s.tmp != NULL ? s.tmp->path : NULL,
		    .unbrokered = ws.kernel_stat ? SECCOMP_FILTER_KERNEL_STAT : NULL,
		    .lane = ws.transparent && ws.lane_us >= 0,
		    .complain = complain,
		    .local = 1 },
		&s.sess) == -1) {
		log_warn("audit: %s: a record could not be written (the session's start); "
			 "denying every request from now on",
		    audit_failed(s.audit) != NULL ? audit_failed(s.audit) : "sink");
		s.audit_broken = 1;
	}

	if ((rs.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	if ((rs.sv = server_new(&s)) == NULL)
		fatal("event loop");
	if (ws.lane_us > 0)
		server_spin(rs.sv, (unsigned)ws.lane_us);
	if (ws.in_pidns && (s.ns = task_ns_new()) == NULL)
		fatal("run: reading the broker's own PID namespace level");
	/* The worker's first exec, COMMAND, which worker_start() let go on. */
	record_first_exec(&s, &eg, &ws, rs.worker);
	if (server_watch(rs.sv, rs.sigfd, on_signal, &rs) == -1)
		fatal("event loop");
	if (rs.ended != -1 &&
	    (fcntl(rs.ended, F_SETFL, O_NONBLOCK) == -1 ||
		server_watch(rs.sv, rs.ended, on_ended, &rs) == -1))
		fatal("event loop");
	if (server_add_conn(rs.sv, sp[0]) == -1)
		fatal("event loop");
	if (ws.listener != -1 && notify_start(rs.sv, &s, ws.listener) == -1)
		fatal("serving the seccomp listener");
	/* A SIGCHLD may have come before the signalfd existed. */
	reap(&rs);
	{
		/* The listener's thread (notify.c) starts with the filter's
		 * TSYNC, once the rest of the confinement is in place. */
		struct confine_opts co = { .transparent = ws.listener != -1,
			.chown_new = s.chown_new,
			.spawn = run_spawn,
			.spawn_arg = rs.sv };

		if (confine_broker(&co) == -1)
			fatal("confining the broker");
	}
	if (server_run(rs.sv, keep_going, &rs) == -1)
		fatal("event loop");
	/* Its last record: the worker's status and the counts. */
	audit_session_end(s.audit, s.sess, &rs.status);
	if (explicit && s.nrequests == 0 && WIFEXITED(rs.status) && WEXITSTATUS(rs.status) == 127)
		elf_probe_exit_hint(&load, argv[0]);

	log_info("worker %ld ended; %llu requests, %llu denied, %llu protocol violations",
	    (long)rs.worker, (unsigned long long)s.nrequests, (unsigned long long)s.ndenied,
	    (unsigned long long)server_nviolations(rs.sv));
	stat_hint(&s, &ws, complain);
	kill_leftovers(&rs);
	if (rs.ended != -1) {
		server_unwatch(rs.sv, rs.ended);
		close(rs.ended);
	}
	task_ns_free(s.ns);
	s.ns = NULL;
	server_free(rs.sv);
	close(rs.sigfd);
	close(rs.pidfd);
	c = exit_status(rs.status);
	execdiag_exited(&xd, c, s.denials);
	c = deny_status(&s, deny, c);
	if (s.audit_broken) {
		/* Every request since was denied (EIO) and said so once; the
		 * trail is incomplete, so the run failed whatever the worker
		 * made of it. */
		log_warnx("run: the audit trail is incomplete; exit status %d, not the "
			  "worker's %d",
		    EXIT_BROKER, c);
		c = EXIT_BROKER;
	}
	run_cleanup(&s, &eg, &load);
	return c;
}
