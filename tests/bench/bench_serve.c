/*
 * bench_serve.c: `filebroker serve` under load, and what an idle peer costs
 * it.  docs/bench.md, section 6.
 *
 *	bench_serve -b FILEBROKER -P POLICY -a ALLOWED [-d SECONDS] [-r RUNS]
 *	            [-k IDLE] [-W N,N,...] [-L N] DIR
 *
 * Starts `FILEBROKER serve --policy POLICY --socket DIR/fb.sock --control
 * none` (its log in DIR/serve.log), with --max-peers and
 * --max-peers-per-user raised above what the figures connect (every worker
 * here has our uid).  Then, RUNS times, interleaved:
 *
 *   - with IDLE idle peers connected (default 1,000), L workers (default 8)
 *     drive the load;
 *   - for each N of -W (default 1,2,8,64), N workers drive the load.
 *
 * A worker is a forked process: fb_connect(DIR/fb.sock), a warm-up, then
 * fb_open(ALLOWED, O_RDONLY|O_CLOEXEC) + close() in a loop for SECONDS
 * (default 0.5), all workers started together.  A run's figure is the sum of
 * the workers' requests per second.
 *
 * The idle peers are held by one process (the holder), each as a worker
 * that made one request leaves it: its connection to the socket (the
 * bootstrap, a session of its own for the daemon), the private channel it
 * asked for there (FB_MSG_CHANNEL), one FB_MSG_OPEN answered on that channel
 * and the descriptor closed.  These are the messages libfilebroker sends,
 * encoded by its codec; one process instead of IDLE keeps the machine's
 * two CPUs and the kernel's memory for the daemon.
 *
 * Memory, on the first run, with the daemon fresh (one warm-up worker
 * served): the daemon's VmRSS before and after the holder connects IDLE
 * peers; the kernel's slab memory (sum of active objects x object size in
 * /proc/slabinfo, root only) over the same step, which counts both ends of
 * every connection, and then over the holder opening as many bare
 * SOCK_SEQPACKET sockets as it holds ends: the difference is what the
 * daemon's ends, its epoll entries, its peers' pidfds, its descriptor table
 * and the /proc/self/fd entries its reopens leave in the dcache cost.  The
 * holder grows its own descriptor table beforehand, so that growth is in
 * neither figure.
 *
 * Prints one JSON line per figure: "serve_rps" (workers, idle_peers,
 * runs_rps, daemon CPU per request from /proc/PID/schedstat) and
 * "serve_memory".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "filebroker.h"
#include "proto.h"

#define MAX_FIGS 16
#define MAX_WORKERS 512
#define SLAB_MAX 512

static pid_t daemon_pid = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static const char *allowed;

static void
stop_daemon(void)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = -1;
	}
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_serve: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	stop_daemon();
	exit(1);
}

/* Soft RLIMIT_NOFILE up to the hard limit; the soft limit after. */
static rlim_t
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

static int
connect_sock(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock_path, strlen(sock_path));
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* ---- what /proc says about the daemon and the kernel ---- */

/* A "Name:   N kB" line of /proc/PID/status, in kB; -1 if missing. */
static long
status_kb(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The soft "Max open files" of /proc/PID/limits; -1 if unknown. */
static long
nofile_of(pid_t pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/limits", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Max open files", 14) == 0)
			v = strtol(line + 14, NULL, 10);
	fclose(f);
	return v;
}

/* Time the daemon has run on a CPU, ns: the first field of schedstat,
 * summed over its threads (serve --threads; the main one only waits). */
static uint64_t
cpu_ns_of(pid_t pid)
{
	char path[64 + 256];
	unsigned long long v, sum = 0;
	struct dirent *de;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat", (long)pid, de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* The daemon's descriptors, and how many of them are sockets. */
static int
count_fds(pid_t pid, int *nsock)
{
	char path[64], target[64];
	struct dirent *de;
	int n = 0;
	DIR *d;
	ssize_t len;

	*nsock = 0;
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		if ((len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1)) > 0) {
			target[len] = '\0';
			*nsock += strncmp(target, "socket:", 7) == 0;
		}
	}
	closedir(d);
	return n;
}

/* Until the daemon holds no connection: its only socket is the listener
 * (closing is asynchronous to the peers' exit).  5 s at most. */
static void
wait_no_conns(void)
{
	int i, nsock;

	for (i = 0; i < 500; i++) {
		if (count_fds(daemon_pid, &nsock) >= 0 && nsock <= 1)
			return;
		usleep(10000);
	}
	die("the daemon still holds %d sockets 5 s after its peers left", nsock);
}

struct slab {
	char name[SLAB_MAX][64];
	long long bytes[SLAB_MAX]; /* active objects x object size */
	int n;
	long long total;
};

/* /proc/slabinfo (root only); -1 if unreadable. */
static int
slab_read(struct slab *s)
{
	char line[512], name[64];
	long long active, total, size;
	FILE *f;

	s->n = 0;
	s->total = 0;
	if ((f = fopen("/proc/slabinfo", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%63s %lld %lld %lld", name, &active, &total, &size) != 4 ||
		    name[0] == '#')
			continue;
		if (s->n < SLAB_MAX) {
			snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
			s->bytes[s->n++] = active * size;
		}
		s->total += active * size;
	}
	fclose(f);
	return 0;
}

/* JSON members: the caches that grew or shrank by 8 KiB or more from a to
 * b, as "name":bytes. */
static void
slab_diff(const struct slab *a, const struct slab *b, char *out, size_t size)
{
	size_t len = 0;
	int i, j;

	out[0] = '\0';
	for (i = 0; i < b->n; i++) {
		long long was = 0, d;

		for (j = 0; j < a->n; j++)
			if (strcmp(a->name[j], b->name[i]) == 0)
				was = a->bytes[j];
		d = b->bytes[i] - was;
		if ((d >= 8192 || d <= -8192) && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s\"%s\":%lld",
			    len ? "," : "", b->name[i], d);
	}
}

/* ---- the daemon ---- */

static void
start_daemon(const char *fb, const char *policy, const char *dir, unsigned max_peers)
{
	char logpath[4096], maxs[32];
	int i, fd, logfd;

	snprintf(logpath, sizeof(logpath), "%s/serve.log", dir);
	snprintf(maxs, sizeof(maxs), "%u", max_peers);
	if ((logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1)
		die("%s: %s", logpath, strerror(errno));
	if ((daemon_pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (daemon_pid == 0) {
		/* Gone with us, whatever happens to us. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		execl(fb, "filebroker", "serve", "--policy", policy, "--socket", sock_path,
		    "--control", "none", "--max-peers", maxs, "--max-peers-per-user", maxs,
		    (char *)NULL);
		fprintf(stderr, "bench_serve: %s: %s\n", fb, strerror(errno));
		_exit(127);
	}
	close(logfd);
	/* Listening once a connection succeeds (that probe is a peer that
	 * leaves at once). */
	for (i = 0; i < 500; i++) {
		if ((fd = connect_sock()) != -1) {
			close(fd);
			wait_no_conns();
			return;
		}
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
			daemon_pid = -1;
			die("filebroker serve exited at start; see %s", logpath);
		}
		usleep(10000);
	}
	die("filebroker serve not listening on %s after 5 s; see %s", sock_path, logpath);
}

/* ---- active workers ---- */

struct result {
	long long requests;
	long long ns;
	int err; /* 0, or the errno that stopped the worker */
	char what[32];
};

static void __attribute__((noreturn)) worker(int readyw, int gor, int resw, double secs)
{
	struct result res;
	uint64_t t0, end;
	char c = 'r';
	int i, fd;

	memset(&res, 0, sizeof(res));
	if (fb_connect(sock_path) == -1) {
		snprintf(res.what, sizeof(res.what), "fb_connect");
		goto fail;
	}
	for (i = 0; i < 100; i++) {
		if ((fd = fb_open(allowed, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(res.what, sizeof(res.what), "fb_open (warm-up)");
			goto fail;
		}
		close(fd);
	}
	if (write(readyw, &c, 1) != 1)
		_exit(1);
	/* Every worker starts when the parent closes the go pipe. */
	if (read(gor, &c, 1) != 0)
		_exit(1);
	t0 = bench_now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	do {
		if ((fd = fb_open(allowed, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(res.what, sizeof(res.what), "fb_open");
			goto fail;
		}
		close(fd);
		res.requests++;
	} while (bench_now_ns() < end);
	res.ns = (long long)(bench_now_ns() - t0);
	if (write(resw, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	_exit(0);
fail:
	res.err = errno;
	if (write(readyw, "e", 1) != 1 || write(resw, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	_exit(1);
}

/* n workers for secs; their requests per second together.  *reqs gets the
 * requests made. */
static double
load(int n, double secs, long long *reqs)
{
	static pid_t pids[MAX_WORKERS];
	int ready[2], go[2], res[2], i, failed = 0;
	struct result r;
	double rps = 0;
	char c;

	if (pipe2(ready, O_CLOEXEC) == -1 || pipe2(go, O_CLOEXEC) == -1 ||
	    pipe2(res, O_CLOEXEC) == -1)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pids[i] == 0) {
			close(go[1]);
			close(ready[0]);
			close(res[0]);
			worker(ready[1], go[0], res[1], secs);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(res[1]);
	for (i = 0; i < n; i++) {
		if (read(ready[0], &c, 1) != 1 || c != 'r') {
			failed = 1;
			break;
		}
	}
	close(go[1]); /* go */
	*reqs = 0;
	for (i = 0; i < n; i++) {
		if (read(res[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) {
			failed = 1;
			break;
		}
		if (r.err != 0) {
			fprintf(stderr, "bench_serve: worker: %s: %s\n", r.what, strerror(r.err));
			failed = 1;
			continue;
		}
		*reqs += r.requests;
		rps += (double)r.requests * 1e9 / (double)r.ns;
	}
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	close(ready[0]);
	close(res[0]);
	if (failed)
		die("%d workers: a worker failed (daemon log: serve.log)", n);
	return rps;
}

/* ---- idle peers: the holder ---- */

/* One request on fd, its reply's descriptor (if any) in *rfd. */
static int
raw_call(int fd, uint16_t type, const char *path, int *rfd)
{
	static struct fb_request req;
	static struct fb_reply rep;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cbuf;
	uint8_t msg[FB_REQUEST_MAX], in[FB_REPLY_MAX];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	const char *why;
	ssize_t len, n;

	memset(&req, 0, sizeof(req));
	req.type = type;
	req.id = 1;
	if (path != NULL) {
		snprintf(req.path, sizeof(req.path), "%s", path);
		req.flags = O_RDONLY | O_CLOEXEC;
	}
	*rfd = -1;
	if ((len = proto_encode_request(&req, msg, sizeof(msg))) == -1 ||
	    send(fd, msg, (size_t)len, MSG_NOSIGNAL) != len)
		return -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = in;
	iov.iov_len = sizeof(in);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = sizeof(cbuf.b);
	if ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) <= 0) {
		if (n == 0)
			errno = ECONNRESET;
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(rfd, CMSG_DATA(cm), sizeof(int));
	if (proto_decode_reply(in, (size_t)n, &rep, &why) == -1 || rep.type != type ||
	    rep.error != 0 || *rfd == -1) {
		if (*rfd != -1)
			close(*rfd);
		errno = rep.error != 0 ? (int)rep.error : EPROTO;
		return -1;
	}
	return 0;
}

static void
reply(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(1);
}

/*
 * Commands on cmd, one byte each, answered on ans: 'c' connect k idle
 * peers (answer 'C', or 'E' and an int errno); 'b' open 2k bare sockets
 * ('B'); end of file: close everything and exit.
 */
static void __attribute__((noreturn)) holder(int cmd, int ans, int k)
{
	int *fds, nfd = 0, i, fd, ch, ofd, e;
	char c;

	if ((fds = calloc((size_t)k * 4, sizeof(int))) == NULL)
		_exit(1);
	/* The descriptor table at its final size now, so that growing it is
	 * in neither measurement. */
	if ((fd = dup2(STDERR_FILENO, k * 4 + 64)) != -1)
		close(fd);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'c') {
			for (i = 0; i < k; i++) {
				if ((fd = connect_sock()) == -1)
					goto fail;
				fds[nfd++] = fd;
				if (raw_call(fd, FB_MSG_CHANNEL, NULL, &ch) == -1)
					goto fail;
				fds[nfd++] = ch;
				if (raw_call(ch, FB_MSG_OPEN, allowed, &ofd) == -1)
					goto fail;
				close(ofd);
			}
			reply(ans, 'C');
		} else if (c == 'b') {
			for (i = 0; i < 2 * k; i++) {
				if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
					goto fail;
				fds[nfd++] = fd;
			}
			reply(ans, 'B');
		}
	}
	_exit(0);
fail:
	e = errno;
	reply(ans, 'E');
	if (write(ans, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(1);
	_exit(1);
}

struct holder_proc {
	pid_t pid;
	int cmd, ans;
};

static void
holder_start(struct holder_proc *h, int k)
{
	int cmd[2], ans[2];

	if (pipe2(cmd, O_CLOEXEC) == -1 || pipe2(ans, O_CLOEXEC) == -1)
		die("pipe: %s", strerror(errno));
	if ((h->pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (h->pid == 0) {
		close(cmd[1]);
		close(ans[0]);
		holder(cmd[0], ans[1], k);
	}
	close(cmd[0]);
	close(ans[1]);
	h->cmd = cmd[1];
	h->ans = ans[0];
}

static void
holder_do(struct holder_proc *h, char c, int k)
{
	char a = 0;
	int e = 0;

	if (write(h->cmd, &c, 1) != 1 || read(h->ans, &a, 1) != 1 || a == 'E') {
		if (a == 'E' && read(h->ans, &e, sizeof(e)) != (ssize_t)sizeof(e))
			e = 0;
		die("holding %d idle peers ('%c'): %s (daemon log: serve.log)", k, c,
		    e ? strerror(e) : "the holder failed");
	}
}

static void
holder_stop(struct holder_proc *h)
{
	close(h->cmd);
	close(h->ans);
	waitpid(h->pid, NULL, 0);
	wait_no_conns();
}

/* ---- figures ---- */

struct fig {
	int workers, idle;
	double rps[BENCH_MAX_RUNS];
	long long reqs;
	uint64_t cpu_ns;
};

static void
run_fig(struct fig *f, int r, double secs)
{
	uint64_t c0 = cpu_ns_of(daemon_pid);
	long long reqs;

	f->rps[r] = load(f->workers, secs, &reqs);
	f->cpu_ns += cpu_ns_of(daemon_pid) - c0;
	f->reqs += reqs;
}

static int
parse_list(const char *s, struct fig *figs, int max)
{
	char buf[256], *tok, *save = NULL;
	int n = 0;
	long v;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		v = strtol(tok, NULL, 10);
		if (v < 1 || v > MAX_WORKERS || n == max)
			return -1;
		figs[n].workers = (int)v;
		figs[n++].idle = 0;
	}
	return n;
}

int
main(int argc, char **argv)
{
	static struct fig figs[MAX_FIGS];
	static struct slab s0, s1, s2;
	struct holder_proc h;
	const char *fb = NULL, *policy = NULL, *dir, *wlist = "1,2,8,64";
	char bycache_both[2048], bycache_bare[2048];
	int c, r, i, nfig, runs = 5, idle = 1000, loaded = 8, have_slab;
	int fds0, fds1, nsock;
	long rss0, rss1, anon0, anon1;
	rlim_t nofile;
	double secs = 0.5;
	long long dummy;

	while ((c = getopt(argc, argv, "b:P:a:d:r:k:W:L:")) != -1) {
		switch (c) {
		case 'b':
			fb = optarg;
			break;
		case 'P':
			policy = optarg;
			break;
		case 'a':
			allowed = optarg;
			break;
		case 'd':
			secs = strtod(optarg, NULL);
			break;
		case 'r':
			runs = (int)strtol(optarg, NULL, 10);
			break;
		case 'k':
			idle = (int)strtol(optarg, NULL, 10);
			break;
		case 'W':
			wlist = optarg;
			break;
		case 'L':
			loaded = (int)strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (fb == NULL || policy == NULL || allowed == NULL || argc - optind != 1 || secs <= 0 ||
	    runs < 1 || runs > BENCH_MAX_RUNS || idle < 1 || idle > 100000 || loaded < 1 ||
	    loaded > MAX_WORKERS)
		goto usage;
	figs[0].workers = loaded;
	figs[0].idle = idle;
	if ((nfig = parse_list(wlist, figs + 1, MAX_FIGS - 1)) < 1)
		goto usage;
	nfig++;
	dir = argv[optind];
	if ((size_t)snprintf(sock_path, sizeof(sock_path), "%s/fb.sock", dir) >= sizeof(sock_path))
		die("%s: too long for a socket path", dir);
	signal(SIGPIPE, SIG_IGN);
	/* The holder's descriptors: both ends of each idle peer's two
	 * connections, and as many bare sockets. */
	nofile = raise_nofile();
	if (nofile < (rlim_t)idle * 4 + 256)
		die("RLIMIT_NOFILE %llu: %d idle peers need %d descriptors here (raise the hard "
		    "limit)",
		    (unsigned long long)nofile, idle, idle * 4 + 256);

	start_daemon(fb, policy, dir, (unsigned)idle + MAX_WORKERS + 64);
	/* Steady state for the baseline: code faulted in, one session served
	 * and gone. */
	load(1, secs / 5, &dummy);
	wait_no_conns();

	for (r = 0; r < runs; r++) {
		holder_start(&h, idle);
		if (r == 0) {
			have_slab = slab_read(&s0) == 0;
			rss0 = status_kb(daemon_pid, "VmRSS");
			anon0 = status_kb(daemon_pid, "RssAnon");
			fds0 = count_fds(daemon_pid, &nsock);
			holder_do(&h, 'c', idle);
			/* Slab first: listing /proc/PID/fd makes an inode and a
			 * dentry per descriptor listed. */
			have_slab &= slab_read(&s1) == 0;
			holder_do(&h, 'b', idle);
			have_slab &= slab_read(&s2) == 0;
			rss1 = status_kb(daemon_pid, "VmRSS");
			anon1 = status_kb(daemon_pid, "RssAnon");
			fds1 = count_fds(daemon_pid, &nsock);
			slab_diff(&s0, &s1, bycache_both, sizeof(bycache_both));
			slab_diff(&s1, &s2, bycache_bare, sizeof(bycache_bare));
			printf("{\"figure\":\"serve_memory\",\"idle_peers\":%d,\"conns_per_peer\":"
			       "2,"
			       "\"rss_kb_before\":%ld,\"rss_kb_after\":%ld,"
			       "\"rss_anon_kb_before\":%ld,\"rss_anon_kb_after\":%ld,"
			       "\"daemon_fds_before\":%d,\"daemon_fds_after\":%d,"
			       "\"daemon_nofile_soft\":%ld,",
			    idle, rss0, rss1, anon0, anon1, fds0, fds1, nofile_of(daemon_pid));
			if (have_slab)
				printf("\"slab_bytes_both_ends\":%lld,\"slab_bytes_bare\":%lld,"
				       "\"slab_both_by_cache\":{%s},\"slab_bare_by_cache\":{%s}}\n",
				    s1.total - s0.total, s2.total - s1.total, bycache_both,
				    bycache_bare);
			else
				printf("\"slab_bytes_both_ends\":null,\"slab_bytes_bare\":null}\n");
			fflush(stdout);
		} else {
			holder_do(&h, 'c', idle);
		}
		run_fig(&figs[0], r, secs);
		holder_stop(&h);
		for (i = 1; i < nfig; i++) {
			run_fig(&figs[i], r, secs);
			wait_no_conns();
		}
	}
	for (i = 0; i < nfig; i++) {
		printf("{\"figure\":\"serve_rps\",\"workers\":%d,\"idle_peers\":%d,\"seconds\":%g,"
		       "\"runs_rps\":[",
		    figs[i].workers, figs[i].idle, secs);
		for (r = 0; r < runs; r++)
			printf("%s%.1f", r ? "," : "", figs[i].rps[r]);
		printf("],\"requests\":%lld,\"daemon_cpu_ns_per_req\":%.1f}\n", figs[i].reqs,
		    figs[i].reqs ? (double)figs[i].cpu_ns / (double)figs[i].reqs : 0.0);
	}
	fflush(stdout);
	kill(daemon_pid, SIGTERM);
	if (waitpid(daemon_pid, &c, 0) == daemon_pid && (!WIFEXITED(c) || WEXITSTATUS(c) != 0)) {
		daemon_pid = -1;
		die("filebroker serve did not exit 0 on SIGTERM (status %d); see serve.log", c);
	}
	daemon_pid = -1;
	return 0;

usage:
	fprintf(stderr,
	    "usage: bench_serve -b FILEBROKER -P POLICY -a ALLOWED [-d SECONDS] "
	    "[-r RUNS] [-k IDLE] [-W N,N,...] [-L N] DIR\n");
	return 2;
}
