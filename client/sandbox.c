/*
 * sandbox.c: the worker's privilege drop; see sandbox.h.
 *
 * fb_sandbox_enter() reads top to bottom in the order of docs/threat-model.md
 * (section 2): checks that change nothing, then descriptors, setgroups,
 * setresgid, setresuid,
 * capabilities, no_new_privs, Landlock, seccomp.  Each step is checked and
 * the first failure ends it.  Landlock lives in landlock.c and the seccomp
 * filters in seccomp_filter.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "landlock.h"
#include "sandbox.h"
#include "seccomp_filter.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif

/* Root's special treatment gone for good: no capabilities from uid 0 or
 * from exec, no ambient raise, KEEP_CAPS off, and all of it locked. */
#define SB_SECUREBITS \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED | \
	    SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | \
	    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/* Landlock ABI with signal and abstract-socket scoping. */
#define SB_LANDLOCK_SCOPE_ABI 6

/* What the kernel lacks for this sandbox, decided before anything changes. */
struct sb_plan {
	struct fb_sandbox_support sup;
	int landlock;	 /* apply Landlock */
	int transparent; /* notify path syscalls */
	int wait_killable;
};

static void sb_report(const struct fb_sandbox *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_report(const struct fb_sandbox *sb, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int saved = errno;

	if (sb->report != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		sb->report(msg, sb->report_arg);
	}
	errno = saved;
}

/* Report why a step failed, keep its errno, return -1. */
static int
sb_fail(const struct fb_sandbox *sb, const char *step)
{
	sb_report(sb, "sandbox: %s: %s", step, strerror(errno));
	return -1;
}

static int
sb_failx(const struct fb_sandbox *sb, int err, const char *why)
{
	sb_report(sb, "sandbox: %s", why);
	errno = err;
	return -1;
}

/* Landlock and seccomp confine the calling thread only, and a thread could
 * run between two steps: refuse to start with more than one. */
static int
sb_threads(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/task")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Does the current process hold CAP_SETPCAP in its permitted set? */
static int
sb_have_setpcap(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps;

	if ((caps = cap_get_proc()) == NULL)
		return 0;
	if (cap_get_flag(caps, CAP_SETPCAP, CAP_PERMITTED, &v) == -1)
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

/* The listener-based probe: only a real listener can tell whether ADDFD
 * knows SECCOMP_ADDFD_FLAG_SEND, so a child makes one and asks it about a
 * notification that does not exist: ENOENT means the flag passed. */
static int
sb_probe_addfd_send(void)
{
	int status;
	pid_t pid;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
		struct sock_fprog prog = { 1, insn };
		struct seccomp_notif_addfd addfd;
		int l;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(2);
		l = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (l < 0)
			_exit(2);
		memset(&addfd, 0, sizeof(addfd));
		addfd.id = ~0ULL;
		addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
		addfd.srcfd = (unsigned int)l;
		if (ioctl(l, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) == -1 && errno == ENOENT)
			_exit(0);
		_exit(1);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* want_addfd 0 skips the forking probe, for a mode that does not need it. */
static int
sb_probe(struct fb_sandbox_support *s, int want_addfd)
{
	unsigned int act;
	int r;

	memset(s, 0, sizeof(*s));
	s->landlock_abi = landlock_abi();
	if (s->landlock_abi > 0)
		s->landlock_errata = landlock_errata();
	act = SECCOMP_RET_KILL_PROCESS;
	s->seccomp_filter = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
	act = SECCOMP_RET_USER_NOTIF;
	s->seccomp_notify = s->seccomp_filter &&
	    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0;
	if (!s->seccomp_notify)
		return 0;
	/* WAIT_KILLABLE_RECV is only valid with NEW_LISTENER (EINVAL alone).
	 * The flags are checked before the program is read, so a NULL program
	 * gives EFAULT exactly when the combination is accepted. */
	s->wait_killable = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			       SECCOMP_FILTER_FLAG_NEW_LISTENER |
				   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			       NULL) == -1 &&
	    errno == EFAULT;
	if (!want_addfd)
		return 0;
	if ((r = sb_probe_addfd_send()) == -1)
		return -1;
	s->addfd_send = r;
	return 0;
}

int
fb_sandbox_probe(struct fb_sandbox_support *s)
{
	return sb_probe(s, 1);
}

/* Decide, from what the kernel offers, what will be applied; refuse what is
 * missing unless weaker.  Changes nothing. */
static int
sb_plan(const struct fb_sandbox *sb, struct sb_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (sb_probe(&p->sup, sb->transparent) == -1)
		return sb_fail(sb, "probing the kernel");
	if (!p->sup.seccomp_filter)
		return sb_failx(sb, ENOTSUP,
		    "seccomp filters (with RET_KILL_PROCESS) are not available; "
		    "no sandbox without them");
	p->landlock = p->sup.landlock_abi >= 1;
	if (!p->landlock) {
		if (!sb->weaker)
			return sb_failx(sb, ENOTSUP,
			    "Landlock is not available (kernel without it, or not in lsm=); "
			    "refused without the weaker option");
		sb_report(sb,
		    "sandbox: weaker: no Landlock: a syscall the filter lets "
		    "through reaches the filesystem with the worker's uid");
	} else if (p->sup.landlock_abi < SB_LANDLOCK_SCOPE_ABI) {
		if (!sb->weaker)
			return sb_failx(sb, ENOTSUP,
			    "Landlock ABI < 6 has no signal and abstract-socket scoping; "
			    "refused without the weaker option");
		sb_report(sb,
		    "sandbox: weaker: Landlock ABI %d: no scoping, a worker with the "
		    "broker's uid can signal it and reach abstract sockets",
		    p->sup.landlock_abi);
	}
	p->transparent = sb->transparent;
	if (sb->transparent && (!p->sup.seccomp_notify || !p->sup.addfd_send)) {
		if (!sb->weaker)
			return sb_failx(sb, ENOTSUP,
			    !p->sup.seccomp_notify ?
				"seccomp user notification is not available (5.0+); "
				"transparent mode refused without the weaker option" :
				"SECCOMP_ADDFD_FLAG_SEND is not available (5.14+); "
				"transparent mode refused without the weaker option");
		sb_report(sb,
		    "sandbox: weaker: no seccomp notification with ADDFD_SEND: "
		    "path syscalls fail with EACCES (explicit mode), no listener");
		p->transparent = 0;
	}
	p->wait_killable = p->transparent && p->sup.wait_killable;
	if (p->transparent && !p->wait_killable) {
		if (!sb->weaker)
			return sb_failx(sb, ENOTSUP,
			    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not available (5.19+); "
			    "transparent mode refused without the weaker option");
		sb_report(sb,
		    "sandbox: weaker: no WAIT_KILLABLE_RECV: signals interrupt "
		    "brokered calls (Go programs may livelock)");
	}
	return 0;
}

/* Step 1: every descriptor but stdio, the broker socket, the status
 * descriptor, a prepared Landlock ruleset (or -1) and the bootstrap sockets
 * of the library's connections (their channels forgotten first).
 * close_range() between the kept ones, in ascending order. */
static int
sb_close_fds(const struct fb_sandbox *sb, int ruleset)
{
	const int keep[3] = { sb->keep_fd, sb->status_fd, ruleset };
	unsigned int from = 3;
	int next, i;

	channel_sandbox_forget();
	for (;;) {
		next = channel_next_boot_fd((int)from);
		for (i = 0; i < 3; i++)
			if (keep[i] >= (int)from && (next == -1 || keep[i] < next))
				next = keep[i];
		if (next == -1)
			return (int)syscall(SYS_close_range, from, ~0U, 0U);
		if ((unsigned int)next > from &&
		    syscall(SYS_close_range, from, (unsigned int)next - 1, 0U) == -1)
			return -1;
		from = (unsigned int)next + 1;
	}
}

/* Step 2: groups, gid, uid.  KEEP_CAPS keeps the permitted set across
 * setresuid for the one next step, which needs CAP_SETPCAP to empty the
 * bounding set and lock the securebits; that step clears every capability
 * and locks KEEP_CAPS off. */
static int
sb_set_user(const struct fb_sandbox *sb)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		return sb_fail(sb, "PR_SET_KEEPCAPS");
	if (setgroups(0, NULL) == -1)
		return sb_fail(sb, "setgroups");
	if (setresgid(sb->gid, sb->gid, sb->gid) == -1)
		return sb_fail(sb, "setresgid");
	if (setresuid(sb->uid, sb->uid, sb->uid) == -1)
		return sb_fail(sb, "setresuid");
	if (getresuid(&r, &e, &s) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return sb_fail(sb, "getresuid");
	if (r != sb->uid || e != sb->uid || s != sb->uid || rg != sb->gid || eg != sb->gid ||
	    sg != sb->gid || getgroups(0, NULL) != 0)
		return sb_failx(sb, EPERM, "the uid/gid switch did not take");
	return 0;
}

/* Step 3: capabilities.  With CAP_SETPCAP (we were root) the bounding set
 * is emptied and the securebits locked first; then every set is cleared and
 * the result verified. */
static int
sb_drop_caps(const struct fb_sandbox *sb)
{
	cap_value_t setpcap = CAP_SETPCAP;
	cap_t caps, empty;
	int bound = 0, cmp, c, max = (int)cap_max_bits();

	if (sb_have_setpcap()) {
		if ((caps = cap_get_proc()) == NULL)
			return sb_fail(sb, "cap_get_proc");
		if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &setpcap, CAP_SET) == -1 ||
		    cap_set_proc(caps) == -1) {
			cap_free(caps);
			return sb_fail(sb, "raising CAP_SETPCAP");
		}
		cap_free(caps);
		for (c = 0; c < max; c++)
			if (cap_drop_bound((cap_value_t)c) == -1)
				return sb_fail(sb, "cap_drop_bound");
		if (prctl(PR_SET_SECUREBITS, SB_SECUREBITS, 0, 0, 0) == -1)
			return sb_fail(sb, "PR_SET_SECUREBITS");
		bound = 1;
	}
	if (cap_reset_ambient() == -1)
		return sb_fail(sb, "cap_reset_ambient");
	if ((empty = cap_init()) == NULL)
		return sb_fail(sb, "cap_init");
	if (cap_set_proc(empty) == -1) {
		cap_free(empty);
		return sb_fail(sb, "cap_set_proc");
	}
	/* Verify rather than trust. */
	if ((caps = cap_get_proc()) == NULL) {
		cap_free(empty);
		return sb_fail(sb, "cap_get_proc");
	}
	cmp = cap_compare(caps, empty);
	cap_free(caps);
	cap_free(empty);
	if (cmp != 0)
		return sb_failx(sb, EPERM, "capabilities are still set after clearing them");
	for (c = 0; c < max; c++) {
		if (cap_get_ambient((cap_value_t)c) > 0)
			return sb_failx(sb, EPERM, "an ambient capability survived");
		if (bound && cap_get_bound((cap_value_t)c) > 0)
			return sb_failx(sb, EPERM, "the bounding set is not empty");
	}
	if (bound && prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != SB_SECUREBITS)
		return sb_failx(sb, EPERM, "the securebits did not lock");
	return 0;
}

/* After step 3: with no capabilities left, uid 0 and gid 0 must be out of
 * reach.  If one of these calls succeeds we are root again: fail, and the
 * caller exits. */
static int
sb_check_no_root(const struct fb_sandbox *sb)
{
	if (getuid() != 0 && setresuid(0, 0, 0) != -1)
		return sb_failx(sb, EPERM, "setresuid(0) succeeded after the drop");
	if (getgid() != 0 && setresgid(0, 0, 0) != -1)
		return sb_failx(sb, EPERM, "setresgid(0) succeeded after the drop");
	return 0;
}

/* Step 7: the listener to the broker this process is connected to, over
 * the kept socket (no path needed: the filter is in force already), and
 * closed before anything else runs. */
static int
sb_send_listener(const struct fb_sandbox *sb, int listener)
{
	int r = fb_send_listener(listener), saved = errno;

	close(listener);
	errno = saved;
	if (r == -1)
		return sb_fail(sb, "sending the seccomp listener to the broker");
	return 0;
}

/* fb_sandbox_enter(), with the Landlock ruleset prepared by the caller
 * (sandbox_enter_ruleset()) or, for ruleset -1, made from exec_paths;
 * loader_opens as for sandbox_enter_ruleset(). */
static int
sb_enter(const struct fb_sandbox *sb, int ruleset, int loader_opens, int kernel_stat)
{
	struct sb_plan plan;
	const char *bad;
	int n, listener = -1, *lp = sb->listener_fd != NULL ? sb->listener_fd : &listener;

	/* Checks; nothing changes until they pass. */
	if (sb->set_user && (sb->uid == 0 || sb->gid == 0))
		return sb_failx(sb, EINVAL, "set_user to uid 0 or gid 0");
	/* Without listener_fd the listener goes to the connected broker:
	 * connect now, while a socket path can still be reached. */
	if (sb->transparent && sb->listener_fd == NULL && fb_connect(NULL) == -1)
		return sb_fail(sb, "connecting to the broker for the listener");
	if (sb->keep_fd >= 0 && fcntl(sb->keep_fd, F_GETFD) == -1)
		return sb_failx(sb, EINVAL, "keep_fd is not an open descriptor");
	if (sb->set_user && geteuid() != 0)
		return sb_failx(sb, EPERM, "set_user needs root");
	if (!sb->set_user && geteuid() == 0) {
		if (!sb->weaker)
			return sb_failx(sb, EPERM,
			    "running as root without set_user; refused without the weaker option");
		sb_report(sb, "sandbox: weaker: the worker keeps uid 0 (without capabilities)");
	}
	if ((n = sb_threads()) != 1)
		return n == -1 ? sb_fail(sb, "counting threads in /proc/self/task") :
				 sb_failx(sb, EBUSY,
				     "more than one thread: Landlock and "
				     "seccomp would confine only this one");
	if (sb_plan(sb, &plan) == -1)
		return -1;
	if (sb->transparent)
		*lp = -1;
	/* Read-only opens reach the kernel only where Landlock bounds them
	 * to the broker's grants: never without its ruleset. */
	if (loader_opens && (plan.transparent || !plan.landlock || ruleset < 0)) {
		if (!plan.transparent)
			sb_report(sb,
			    "sandbox: no Landlock ruleset: the loader's opens stay "
			    "refused (EACCES)");
		loader_opens = 0;
	}

	/* 1. Descriptors. */
	if (sb_close_fds(sb, ruleset) == -1)
		return sb_fail(sb, "close_range");

	/* 2. setgroups, setresgid, setresuid. */
	if (sb->set_user && sb_set_user(sb) == -1)
		return -1;

	/* 3. Capabilities, then make sure root is out of reach. */
	if (sb_drop_caps(sb) == -1)
		return -1;
	if (sb_check_no_root(sb) == -1)
		return -1;

	/* 4. no_new_privs: needed by Landlock and seccomp, and makes exec
	 * unable to gain anything (setuid bits, file capabilities). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return sb_fail(sb, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return sb_failx(sb, EPERM, "no_new_privs did not stick");

	/* 5. Landlock. */
	if (plan.landlock && ruleset >= 0) {
		if (landlock_restrict(ruleset) == -1)
			return sb_fail(sb, "Landlock");
	} else if (plan.landlock &&
	    landlock_apply(plan.sup.landlock_abi, sb->exec_paths, sb->allow_net, &bad) == -1) {
		if (bad != NULL) {
			sb_report(sb,
			    "sandbox: the worker's user cannot open %s for its "
			    "Landlock execute rule: %s",
			    bad, strerror(errno));
			return -1;
		}
		return sb_fail(sb, "Landlock");
	}
	if (ruleset >= 0)
		close(ruleset);

	/* 6. seccomp, last: it refuses what the steps above needed. */
	if (seccomp_filter_apply(plan.transparent, sb->allow_net, plan.wait_killable, loader_opens,
		kernel_stat, sb->transparent ? lp : NULL) == -1)
		return sb_fail(sb, "seccomp filter");

	/* 7. The listener to the daemon, when the caller does not hand it on. */
	if (sb->listener_fd == NULL && listener != -1)
		return sb_send_listener(sb, listener);
	return 0;
}

int
fb_sandbox_enter(const struct fb_sandbox *sb)
{
	return sb_enter(sb, -1, 0, 0);
}

int
sandbox_enter_ruleset(const struct fb_sandbox *sb, int ruleset, int loader_opens, int kernel_stat)
{
	return sb_enter(sb, ruleset, loader_opens, kernel_stat);
}

static void
sb_describe_user(const struct fb_sandbox *sb, FILE *out)
{
	struct passwd *pw;
	struct group *gr;

	if (sb->set_user) {
		pw = getpwuid(sb->uid);
		gr = getgrgid(sb->gid);
		fprintf(out,
		    "user:         uid %lu (%s), gid %lu (%s), no supplementary groups%s\n",
		    (unsigned long)sb->uid, pw ? pw->pw_name : "?", (unsigned long)sb->gid,
		    gr ? gr->gr_name : "?",
		    geteuid() == 0 ? "" : "; FAILS: switching user needs root");
	} else {
		fprintf(out, "user:         keeps uid %lu, gid %lu and groups (no switch)%s\n",
		    (unsigned long)geteuid(), (unsigned long)getegid(),
		    geteuid() == 0 ? "; uid 0 is refused unless weaker" : "");
	}
}

int
fb_sandbox_describe(const struct fb_sandbox *sb, FILE *out)
{
	struct fb_sandbox_support sup;
	const char *missing[6];
	size_t nmissing = 0, i;
	int transparent = sb->transparent;

	if (fb_sandbox_probe(&sup) == -1)
		return -1;
	if (!sup.seccomp_filter)
		missing[nmissing++] = "seccomp filters";
	if (sup.landlock_abi < 1)
		missing[nmissing++] = "Landlock";
	else if (sup.landlock_abi < SB_LANDLOCK_SCOPE_ABI)
		missing[nmissing++] = "Landlock scoping (ABI 6)";
	if (sb->transparent && (!sup.seccomp_notify || !sup.addfd_send)) {
		missing[nmissing++] = "seccomp notification with ADDFD_SEND";
		transparent = 0;
	}
	if (transparent && !sup.wait_killable)
		missing[nmissing++] = "WAIT_KILLABLE_RECV";

	fprintf(out, "filebroker worker sandbox (%s mode)\n",
	    sb->transparent ? "transparent" : "explicit");
	sb_describe_user(sb, out);
	if (sb->keep_fd >= 0)
		fprintf(out, "descriptors:  all closed but 0, 1, 2 and %d (broker socket)\n",
		    sb->keep_fd);
	else
		fprintf(out, "descriptors:  all closed but 0, 1, 2\n");
	if (sb->set_user || sb_have_setpcap())
		fprintf(out,
		    "capabilities: none (effective, permitted, inheritable, ambient); "
		    "bounding set empty; securebits locked: noroot, no ambient raise, "
		    "keep_caps off\n");
	else
		fprintf(out,
		    "capabilities: none (effective, permitted, inheritable, ambient); "
		    "bounding set and securebits unchanged (need CAP_SETPCAP; inert "
		    "under no_new_privs)\n");
	fprintf(out, "no_new_privs: yes\n");
	landlock_describe(out, sup.landlock_abi, sb->exec_paths, sb->allow_net);
	seccomp_filter_describe(out, transparent, sb->allow_net);
	if (sb->allow_net)
		fprintf(out,
		    "network:      allowed: AF_INET and AF_INET6 sockets, bind, connect\n");
	else
		fprintf(out, "network:      none\n");
	if (nmissing == 0) {
		fprintf(out, "missing:      nothing\n");
	} else {
		fprintf(out, "missing:     ");
		for (i = 0; i < nmissing; i++)
			fprintf(out, "%s %s", i ? "," : "", missing[i]);
		fprintf(out, " (%s)\n",
		    !sup.seccomp_filter ? "refused" :
			sb->weaker	? "weaker: continuing without" :
					  "refused unless weaker");
	}
	if (fflush(out) == EOF || ferror(out)) {
		errno = EIO;
		return -1;
	}
	return 0;
}
