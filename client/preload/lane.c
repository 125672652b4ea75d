/*
 * lane.c: the preload library's own way to the broker, for opens
 * (docs/design.md, "The preload lane").
 *
 * A transparent-mode worker's open() is a seccomp notification: the asking
 * thread sleeps in the kernel until the broker has installed the
 * descriptor.  Where broker and worker run on different CPUs, every
 * hand-off wakes the other CPU, and a CPU that went idle may have halted
 * (a virtual machine's vCPU without halt polling): tens of microseconds
 * each, more than the request itself.  A thread that asks on a socket can
 * wait awake instead.  Here an open is sent as libfilebroker's
 * FB_MSG_OPEN (FB_MSG_AT with the folder for a path relative to one) on a
 * channel of the worker's own session (FILEBROKER_FD, which libfilebroker
 * uses too), and its reply polled for up to FILEBROKER_LANE microseconds
 * before the thread sleeps; `run` polls its channels as long after each
 * reply.  The broker decides, opens and records the request as it does an
 * explicit one: the same policy, the same checks, a record with "mode"
 * "explicit" naming the sending process (SCM_CREDENTIALS, the kernel's
 * word).
 *
 * Speed only, never safety: the worker's own code may send the same
 * messages on the same socket, and every open this does not take (a
 * create, O_PATH, /proc, a path too long, a signal handler's open while
 * one is under way, a broker that refused a channel) goes on as the system
 * call, which the filter sends to the broker as before.
 *
 * Nothing here allocates (an allocator that opens a file while it starts
 * comes back here), nothing is a cancellation point (raw system calls:
 * a thread cancelled in an open would leave its reply behind), and the
 * stack use stays small (a signal handler on an alternate stack may open).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lane.h"
#include "monotime.h"
#include "proto.h"

/* Flags the broker takes for an open that makes nothing (ops_open.c's
 * OPEN_FLAGS_OK without O_CREAT and O_EXCL); others go to the kernel. */
#define KERNEL_O_LARGEFILE 0100000
#define LANE_FLAGS \
	(O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | \
	    O_NOCTTY | KERNEL_O_LARGEFILE | O_SYNC | O_DSYNC | O_DIRECT)

/* The channel is moved to the highest free descriptor below the soft
 * RLIMIT_NOFILE or this, whichever is lower: out of the way of the small
 * numbers programs count on, and of the ones scripts pick by hand
 * ("exec 200>lock": bash keeps a close-on-exec descriptor it finds there,
 * taking it for one of its own, and drops the script's file), without
 * growing the descriptor table past its usual size. */
#define LANE_FD_TOP 1024

/* Channels a fork's child closes (the parent's threads' own). */
#define LANE_REGISTRY 64

/* The longest reply to an open: header, error, nfds, a rule. */
#define LANE_REPLY_MAX (FB_HDR_SIZE + 4 + 4 + 2 + FB_RULE_MAX)

static int boot = -1;	       /* FILEBROKER_FD; -1: no lane */
static uintptr_t page_size;    /* for safe_strlen() */
static long long spin_ns;      /* how long to poll for a reply */
static pthread_key_t exit_key; /* closes a thread's channel when it ends */

/* The channels of this process's threads, for a fork's child to close.
 * fd: the number + 1, 0 for a free slot, -1 for a slot being filled (dev
 * and ino are written before fd says whose they are); dev, ino: the
 * socket's, for the child closes the number only where it is still that
 * socket (the program may have closed it, or dup2ed its own file there,
 * since its thread last looked). */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
} registry[LANE_REGISTRY];

/* A thread's channel.  pid: the process it was made in (a child made
 * without fork's handlers finds another); dev, ino: the socket's, so that
 * a number the program closed and reused is never written to. */
struct lane {
	int fd;	  /* -1: none yet */
	int off;  /* 1: none for this thread (the broker refused one) */
	int busy; /* a request under way: a signal handler's open goes on */
	pid_t pid;
	dev_t dev;
	ino_t ino;
	uint32_t id;
	dev_t okdev; /* the last folder's file system that was not procfs */
	int okdev_set;
};

static __thread struct lane me __attribute__((tls_model("initial-exec"))) = { .fd = -1 };

static void
registry_put(int fd, dev_t dev, ino_t ino)
{
	int i, none = 0;

	for (i = 0; i < LANE_REGISTRY; i++)
		if (__atomic_compare_exchange_n(&registry[i].fd, &none, -1, 0, __ATOMIC_SEQ_CST,
			__ATOMIC_SEQ_CST)) {
			registry[i].dev = dev;
			registry[i].ino = ino;
			__atomic_store_n(&registry[i].fd, fd + 1, __ATOMIC_SEQ_CST);
			return;
		} else
			none = 0;
}

static void
registry_drop(int fd)
{
	int i, want = fd + 1;

	for (i = 0; i < LANE_REGISTRY; i++)
		if (__atomic_compare_exchange_n(&registry[i].fd, &want, 0, 0, __ATOMIC_SEQ_CST,
			__ATOMIC_SEQ_CST))
			return;
		else
			want = fd + 1;
}

/* Close fd if it is still the socket dev, ino: never a number the program
 * has made its own since. */
static void
close_if_same(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	if (syscall(SYS_fstat, fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		(void)syscall(SYS_close, fd);
}

/* The child of a fork: every channel it inherited is a parent's thread's,
 * in use there; its copies are closed, and its one thread makes its own.
 * (A slot that was being filled when another thread forked is left: a
 * channel the child keeps open, never a file of the program closed.) */
static void
lane_atfork_child(void)
{
	int i, v;

	for (i = 0; i < LANE_REGISTRY; i++)
		if ((v = __atomic_exchange_n(&registry[i].fd, 0, __ATOMIC_SEQ_CST)) > 0)
			close_if_same(v - 1, registry[i].dev, registry[i].ino);
	me.fd = -1;
	me.busy = 0;
}

static void
lane_thread_exit(void *arg)
{
	(void)arg;
	if (me.fd >= 0 && me.pid == (pid_t)syscall(SYS_getpid)) {
		registry_drop(me.fd);
		close_if_same(me.fd, me.dev, me.ino);
	}
	me.fd = -1;
}

void
lane_init(void)
{
	const char *v = getenv(FB_ENV_LANE), *f = getenv(FB_ENV_FD);
	char *end;
	long us, fd, ps;
	int type;
	socklen_t len = sizeof(type);

	if (v == NULL || f == NULL)
		return;
	errno = 0;
	us = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || us < 0 || us > 1000)
		return;
	fd = strtol(f, &end, 10);
	if (errno != 0 || end == f || *end != '\0' || fd < 0 || fd > INT_MAX)
		return;
	if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 || type != SOCK_SEQPACKET)
		return;
	if (pthread_key_create(&exit_key, lane_thread_exit) != 0)
		return;
	if (pthread_atfork(NULL, NULL, lane_atfork_child) != 0)
		return;
	if ((ps = sysconf(_SC_PAGESIZE)) <= 0 || (ps & (ps - 1)) != 0)
		return;
	page_size = (uintptr_t)ps;
	spin_ns = us * 1000;
	boot = (int)fd;
}

/*
 * The length of the string at p, below max, reading only pages the kernel
 * says are there (mincore(2), one call per page it enters); -1 for a string
 * that runs into a page that is not, or reaches max.  open() of a pointer
 * into nothing is the kernel's EFAULT, not a crash here.  (A page that is
 * there but may not be read, PROT_NONE, still faults, as reading it would
 * anywhere in the program.)
 */
static ssize_t
safe_strlen(const char *p, size_t max)
{
	unsigned char v;
	uintptr_t a, start;
	size_t n = 0, room;
	const char *z;

	for (;;) {
		a = (uintptr_t)p + n;
		start = a & ~(page_size - 1);
		if (syscall(SYS_mincore, start, page_size, &v) == -1)
			return -1;
		room = start + page_size - a;
		if ((z = memchr(p + n, '\0', room)) != NULL)
			return (ssize_t)(n + (size_t)(z - (p + n)));
		n += room;
		if (n >= max)
			return -1;
	}
}

static void
put16(unsigned char *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void
put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t
get16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* Close every descriptor a control message carried. */
static void
close_fds(struct msghdr *m)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			(void)syscall(SYS_close, fd);
		}
	}
}

/*
 * Receive one message on s into buf: polling for up to spin_ns first when
 * spin, then waiting.  *fd: the one descriptor it carried, or -1; a
 * message with more, or cut short, is refused (its descriptors closed).
 * Returns the length, or -1 with errno (EPROTO for a refused message).
 */
static ssize_t
receive(int s, void *buf, size_t size, int cloexec, int spin, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct iovec iov = { buf, size };
	struct msghdr m;
	struct cmsghdr *c;
	long long until = spin && spin_ns > 0 ? mono_ns() + spin_ns : 0;
	int flags = cloexec ? MSG_CMSG_CLOEXEC : 0;
	ssize_t n;

	*fd = -1;
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf.b;
		m.msg_controllen = sizeof(cbuf.b);
		n = syscall(SYS_recvmsg, s, &m, flags | (until != 0 ? MSG_DONTWAIT : 0));
		if (n >= 0)
			break;
		if (errno == EAGAIN && until != 0) {
			/* Another task of this CPU (the broker, when the
			 * scheduler put it here) runs first. */
			if (mono_ns() >= until)
				until = 0;
			else
				(void)syscall(SYS_sched_yield);
			continue;
		}
		if (errno != EINTR)
			return -1;
	}
	if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_fds(&m);
		errno = EPROTO;
		return -1;
	}
	c = CMSG_FIRSTHDR(&m);
	if (c != NULL) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&m, c) != NULL) {
			close_fds(&m);
			errno = EPROTO;
			return -1;
		}
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return n;
}

/*
 * A close-on-exec copy of the channel fd at the highest free number below
 * LANE_FD_TOP and the soft RLIMIT_NOFILE: the lowest numbers are the ones
 * a program's next opens get and counts on ("ulimit -n 64; prog" sees 3
 * for its first one, as through the filter), the next ones those scripts
 * choose.  -1 when there is no higher free number.
 */
static int
move_high(int fd)
{
	struct rlimit rl;
	rlim_t n, top;
	int high;

	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == -1)
		return -1;
	top = rl.rlim_cur < LANE_FD_TOP ? rl.rlim_cur : LANE_FD_TOP;
	/* Each F_DUPFD_CLOEXEC takes the lowest free number from n up:
	 * the first one below top that it gives, from the top down, is the
	 * highest (other threads' channels are passed in a step each). */
	for (n = top; n > (rlim_t)fd + 1; n--) {
		if ((high = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, (int)(n - 1))) < 0)
			continue;
		if ((rlim_t)high < top)
			return high;
		(void)syscall(SYS_close, high);
	}
	return -1;
}

/* Send the header-only FB_MSG_CHANNEL on the bootstrap socket and take
 * the channel its reply carries (CHANNEL replies are interchangeable:
 * libfilebroker's channel.c says why the id is not checked). */
static int
new_channel(void)
{
	unsigned char req[FB_HDR_SIZE], rep[LANE_REPLY_MAX];
	struct stat st;
	ssize_t n;
	int fd, high;

	put16(req, FB_PROTO_VERSION);
	put16(req + 2, FB_MSG_CHANNEL);
	put32(req + 4, 0);
	if (syscall(SYS_sendto, boot, req, sizeof(req), MSG_NOSIGNAL, NULL, 0) != (long)sizeof(req))
		return -1;
	if ((n = receive(boot, rep, sizeof(rep), 1, 0, &fd)) < 0)
		return -1;
	if (n != FB_HDR_SIZE + 8 || get16(rep) != FB_PROTO_VERSION ||
	    get16(rep + 2) != (FB_MSG_CHANNEL | FB_MSG_REPLY) || get32(rep + 8) != 0 ||
	    get32(rep + 12) != 1 || fd < 0) {
		if (fd >= 0)
			(void)syscall(SYS_close, fd);
		return -1;
	}
	if ((high = move_high(fd)) >= 0) {
		(void)syscall(SYS_close, fd);
		fd = high;
	}
	if (syscall(SYS_fstat, fd, &st) == -1) {
		(void)syscall(SYS_close, fd);
		return -1;
	}
	me.fd = fd;
	me.pid = (pid_t)syscall(SYS_getpid);
	me.dev = st.st_dev;
	me.ino = st.st_ino;
	registry_put(fd, st.st_dev, st.st_ino);
	(void)pthread_setspecific(exit_key, &me);
	return 0;
}

/* This thread's channel, made when it has none or what it had is gone
 * (closed or reused by the program, or inherited from a parent). */
static int
channel(void)
{
	struct stat st;

	if (me.fd >= 0 && me.pid != (pid_t)syscall(SYS_getpid))
		me.fd = -1; /* a copy a child made without fork's handlers holds */
	if (me.fd >= 0 &&
	    (syscall(SYS_fstat, me.fd, &st) == -1 || st.st_dev != me.dev || st.st_ino != me.ino)) {
		registry_drop(me.fd); /* the program's now: left alone */
		me.fd = -1;
	}
	if (me.fd < 0 && new_channel() == -1) {
		me.off = 1;
		return -1;
	}
	return me.fd;
}

static void
drop_channel(void)
{
	registry_drop(me.fd);
	(void)syscall(SYS_close, me.fd);
	me.fd = -1;
}

/*
 * Is this an open the lane takes?  path as given: absolute, or relative to
 * dirfd (a folder's descriptor; AT_FDCWD: the working folder, named by
 * getcwd into abs).  Not /proc (its "self" is the asking thread's, which a
 * socket does not tell), not a create, not O_PATH.  Sets *at for a path
 * sent with its folder, *send to the path to send.
 */
static int
takes(int dirfd, const char *path, int flags, char *abs, size_t size, int *at, const char **send)
{
	struct stat st;
	struct statfs sf;
	size_t cl, pl;
	ssize_t len;

	if (path == NULL || (flags & ~LANE_FLAGS) != 0 || (flags & O_ACCMODE) == O_ACCMODE ||
	    (len = safe_strlen(path, FB_PATH_MAX)) <= 0)
		return 0;
	/* /proc/thread-self spelled so that the /proc test below misses it
	 * ("//proc/...", "/dev/../proc/...", "proc/..." from a descriptor of
	 * "/"): the broker would answer with the sending process's main
	 * thread.  (/proc/self is the process's either way.) */
	if (strstr(path, "thread-self") != NULL)
		return 0;
	pl = (size_t)len;
	*at = 0;
	*send = path;
	if (path[0] != '/') {
		/* A folder's descriptor: the broker joins the path to its
		 * name.  Anything else (a file, a closed number) is the
		 * kernel's to answer (ENOTDIR, EBADF), and a folder of
		 * procfs the filter's (its "self" again). */
		if (dirfd >= 0) {
			if (syscall(SYS_fstat, dirfd, &st) == -1 || !S_ISDIR(st.st_mode))
				return 0;
			if (!me.okdev_set || st.st_dev != me.okdev) {
				if (syscall(SYS_fstatfs, dirfd, &sf) == -1 ||
				    sf.f_type == PROC_SUPER_MAGIC)
					return 0;
				me.okdev = st.st_dev;
				me.okdev_set = 1;
			}
			*at = 1;
			return 1;
		}
		if (dirfd != AT_FDCWD || syscall(SYS_getcwd, abs, size) <= 0 || abs[0] != '/')
			return 0;
		cl = strlen(abs);
		if (cl + 1 + pl >= size)
			return 0;
		if (cl > 1)
			abs[cl++] = '/';
		memcpy(abs + cl, path, pl + 1);
		*send = abs;
	}
	if (strncmp(*send, "/proc", 5) == 0 && ((*send)[5] == '/' || (*send)[5] == '\0'))
		return 0;
	return strlen(*send) < FB_PATH_MAX;
}

int
lane_open(int dirfd, const char *path, int flags, int *result)
{
	unsigned char hdr[FB_HDR_SIZE + 2], tail[8], rep[LANE_REPLY_MAX];
	char abs[PATH_MAX];
	const char *send;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov[3];
	struct msghdr m;
	struct cmsghdr *c;
	uint32_t id, err;
	size_t len;
	ssize_t n;
	int s, at, fd, saved = errno;

	if (boot < 0 || me.busy || me.off)
		return 0;
	me.busy = 1;
	if (!takes(dirfd, path, flags, abs, sizeof(abs), &at, &send) || (s = channel()) < 0) {
		me.busy = 0;
		errno = saved;
		return 0;
	}
	len = strlen(send);
	id = ++me.id;
	put16(hdr, FB_PROTO_VERSION);
	put16(hdr + 2, (uint16_t)(FB_MSG_OPEN | (at ? FB_MSG_AT : 0)));
	put32(hdr + 4, id);
	put16(hdr + 8, (uint16_t)len);
	put32(tail, (uint32_t)flags & ~(uint32_t)O_CLOEXEC);
	put32(tail + 4, 0);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	iov[1] = (struct iovec){ (void *)send, len };
	iov[2] = (struct iovec){ tail, sizeof(tail) };
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 3;
	if (at) {
		memset(&cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf.b;
		m.msg_controllen = sizeof(cbuf.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &dirfd, sizeof(int));
	}
	do
		n = syscall(SYS_sendmsg, s, &m, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)(sizeof(hdr) + len + sizeof(tail))) {
		/* Not sent (a folder descriptor that is none, the broker
		 * gone): the system call says what is what. */
		if (n >= 0 || errno != EBADF)
			drop_channel();
		me.busy = 0;
		errno = saved;
		return 0;
	}
	n = receive(s, rep, sizeof(rep), (flags & O_CLOEXEC) != 0, 1, &fd);
	err = n >= FB_HDR_SIZE + 8 ? get32(rep + 8) : 0;
	if (n < FB_HDR_SIZE + 8 || get16(rep) != FB_PROTO_VERSION ||
	    get16(rep + 2) != (FB_MSG_OPEN | FB_MSG_REPLY) || get32(rep + 4) != id ||
	    (err == 0 ? (get32(rep + 12) != 1 || fd < 0 || n != FB_HDR_SIZE + 8) :
			(get32(rep + 12) != 0 || fd >= 0 || err > FB_ERRNO_MAX))) {
		/* Sent, and no answer that can be read, or one that is not
		 * an open's: the channel goes, and an open that makes
		 * nothing may be asked again, as the system call. */
		if (fd >= 0)
			(void)syscall(SYS_close, fd);
		drop_channel();
		me.busy = 0;
		errno = saved;
		return 0;
	}
	me.busy = 0;
	if (err != 0) {
		errno = (int)err;
		*result = -1;
	} else
		*result = fd;
	return 1;
}
