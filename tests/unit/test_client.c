/*
 * test_client.c: libfilebroker (client/client.c, client/channel.c) against a
 * fake broker.
 *
 * The fake broker is a forked process, so that /proc/self/fd in the test
 * counts only the client's descriptors.  It answers CHANNEL with a fresh
 * socket pair served by a thread of its own, performs every other request
 * for real (no policy), answers STAT of "/fake/size/N" with st_size N, and
 * misbehaves once on request: the test sets `sh->mode` in shared memory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "filebroker.h"
#include "proto.h"

enum mode {
	M_NONE,
	M_EXTRA_FD,    /* attach one more descriptor than the reply says */
	M_TWO_CMSG,    /* OPEN: the right descriptor plus another in a 2nd cmsg */
	M_MISSING_FD,  /* OPEN success that says nfds 1 but attaches nothing */
	M_TRAILING,    /* one byte too many */
	M_WRONG_ID,    /* the id of another request */
	M_WRONG_TYPE,  /* the reply type of another request */
	M_GARBAGE,     /* a few random bytes */
	M_HANGUP,      /* close the channel instead of answering */
	M_CHAN_EMFILE, /* CHANNEL: answer EMFILE */
	M_EMPTY,       /* zero-length message */
};

#define ID_BITS (1u << 23)

struct shared {
	atomic_int mode;
	atomic_int channels; /* CHANNEL requests answered */
	atomic_int requests; /* other requests answered */
	atomic_int dup_ids;
	atomic_int bad; /* malformed requests seen */
	struct fb_request last;
	atomic_uchar seen[ID_BITS / 8];
};

static struct shared *sh;
static int boot_fd = -1;
static pid_t broker_pid = -1;
static char tmpdir[64];
static char sockpath[96];
static int listen_fd = -1;

/* ---------------------------------------------------------------- broker */

static int
send_reply(int fd, const void *buf, size_t len, const int *fds, int nfds, int split)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(2 * sizeof(int)) * 2];
	} ctl;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0 && !split) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	} else if (nfds == 2 && split) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = 2 * CMSG_SPACE(sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fds[0], sizeof(int));
		c = CMSG_NXTHDR(&mh, c);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fds[1], sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static void *serve_thread(void *arg);

/* Broker threads take turns at sh->last; the tests read it only between
 * calls. */
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;

static void
spawn_server(int fd)
{
	pthread_t t;

	if (pthread_create(&t, NULL, serve_thread, (void *)(intptr_t)fd) != 0)
		_exit(99);
	pthread_detach(t);
}

static void
note_id(uint32_t id)
{
	uint32_t i = id % ID_BITS;
	unsigned char bit = (unsigned char)(1u << (i % 8));

	if (atomic_fetch_or(&sh->seen[i / 8], bit) & bit)
		atomic_fetch_add(&sh->dup_ids, 1);
}

/* Perform req for real; returns the errno to answer and sets *fd. */
static uint32_t
perform(struct fb_request *req, struct fb_reply *rep, int *fd)
{
	struct stat st;
	ssize_t n;
	int r = 0;

	*fd = -1;
	switch ((enum fb_msg_type)req->type) {
	case FB_MSG_OPEN:
		*fd = open(req->path, (int)req->flags | O_CLOEXEC, (mode_t)req->mode);
		r = *fd;
		break;
	case FB_MSG_STAT:
	case FB_MSG_LSTAT:
		if (strncmp(req->path, "/fake/size/", 11) == 0) {
			memset(&st, 0, sizeof(st));
			st.st_mode = S_IFREG | 0644;
			st.st_size = atol(req->path + 11);
		} else if (req->type == FB_MSG_STAT)
			r = stat(req->path, &st);
		else
			r = lstat(req->path, &st);
		if (r == 0)
			proto_stat_to_wire(&rep->st, &st);
		break;
	case FB_MSG_ACCESS:
		r = access(req->path, (int)req->mode);
		break;
	case FB_MSG_READLINK:
		n = readlink(req->path, rep->target, FB_PATH_MAX - 1);
		if (n >= 0)
			rep->target[n] = '\0';
		r = n == -1 ? -1 : 0;
		break;
	case FB_MSG_MKDIR:
		r = mkdir(req->path, (mode_t)req->mode);
		break;
	case FB_MSG_UNLINK:
		r = unlink(req->path);
		break;
	case FB_MSG_RMDIR:
		r = rmdir(req->path);
		break;
	case FB_MSG_RENAME:
		r = rename(req->path, req->path2);
		break;
	case FB_MSG_CHANNEL:
	case FB_MSG_LISTENER:
		break;
	}
	return r == -1 ? (uint32_t)errno : 0;
}

static void
serve(int fd)
{
	static __thread uint8_t buf[FB_MSG_MAX + 16];
	static __thread struct fb_request req;
	static __thread struct fb_reply rep;
	struct iovec iov;
	struct msghdr mh;
	const char *why;
	ssize_t n, len;
	int fds[2], nfds, sp[2], mode, extra;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) ||
		    proto_decode_request(buf, (size_t)n, &req, &why) == -1) {
			atomic_fetch_add(&sh->bad, 1);
			break;
		}
		note_id(req.id);
		memset(&rep, 0, sizeof(rep));
		rep.type = req.type;
		rep.id = req.id;
		fds[0] = fds[1] = -1;
		nfds = 0;
		extra = -1;
		if (req.type == FB_MSG_CHANNEL) {
			if (atomic_load(&sh->mode) == M_CHAN_EMFILE) {
				atomic_store(&sh->mode, M_NONE);
				rep.error = EMFILE;
			} else {
				if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
					_exit(98);
				spawn_server(sp[0]);
				fds[nfds++] = sp[1];
				atomic_fetch_add(&sh->channels, 1);
			}
			mode = M_NONE;
		} else {
			pthread_mutex_lock(&last_lock);
			memcpy(&sh->last, &req, sizeof(req));
			pthread_mutex_unlock(&last_lock);
			rep.error = perform(&req, &rep, &fds[0]);
			if (fds[0] >= 0)
				nfds = 1;
			mode = atomic_exchange(&sh->mode, M_NONE);
			atomic_fetch_add(&sh->requests, 1);
		}
		rep.nfds = proto_reply_nfds(rep.type, rep.error);
		if ((len = proto_encode_reply(&rep, buf, sizeof(buf))) == -1)
			_exit(97);
		switch ((enum mode)mode) {
		case M_EXTRA_FD:
		case M_TWO_CMSG:
			extra = open("/dev/null", O_RDONLY | O_CLOEXEC);
			fds[nfds++] = extra;
			break;
		case M_MISSING_FD:
			if (fds[0] >= 0)
				close(fds[0]);
			nfds = 0;
			break;
		case M_TRAILING:
			buf[len++] = 0;
			break;
		case M_WRONG_ID: {
			uint32_t id = req.id + 1;

			memcpy(buf + 4, &id, sizeof(id));
			break;
		}
		case M_WRONG_TYPE: {
			uint16_t t = (uint16_t)((req.type == FB_MSG_STAT ? FB_MSG_LSTAT : FB_MSG_STAT) |
			    FB_MSG_REPLY);

			memcpy(buf + 2, &t, sizeof(t));
			break;
		}
		case M_GARBAGE:
			memcpy(buf, "\x01\x02\x03\x04\x05", 5);
			len = 5;
			break;
		case M_HANGUP:
			for (n = 0; n < nfds; n++)
				close(fds[n]);
			close(fd);
			return;
		case M_EMPTY:
			len = 0;
			break;
		case M_NONE:
		case M_CHAN_EMFILE:
			break;
		}
		send_reply(fd, buf, (size_t)len, fds, nfds, mode == M_TWO_CMSG);
		for (n = 0; n < nfds; n++)
			close(fds[n]);
	}
	close(fd);
}

static void *
serve_thread(void *arg)
{
	serve((int)(intptr_t)arg);
	return NULL;
}

static void *
listen_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		spawn_server(fd);
	return NULL;
}

static void
broker_main(int fd, int lfd)
{
	pthread_t t;

	if (lfd >= 0 && pthread_create(&t, NULL, listen_thread, (void *)(intptr_t)lfd) != 0)
		_exit(96);
	serve(fd);
	/* Bootstrap closed: keep the channels served until killed. */
	for (;;)
		pause();
}

/* ----------------------------------------------------------------- setup */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	struct sockaddr_un sun;

	(void)state;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_client.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(sockpath, sizeof(sockpath), "%s/broker.sock", tmpdir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (listen_fd == -1 || bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(listen_fd, 16) == -1)
		return -1;
	umask(022);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	close(listen_fd);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	munmap(sh, sizeof(*sh));
	return 0;
}

static void
start_broker(void)
{
	int sv[2];
	char num[16];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	broker_pid = fork();
	if (broker_pid == -1)
		abort();
	if (broker_pid == 0) {
		close(sv[0]);
		broker_main(sv[1], listen_fd);
		_exit(0);
	}
	close(sv[1]);
	boot_fd = sv[0];
	snprintf(num, sizeof(num), "%d", boot_fd);
	setenv(FB_ENV_FD, num, 1);
	unsetenv(FB_ENV_SOCKET);
}

static void
stop_broker(void)
{
	if (broker_pid > 0) {
		kill(broker_pid, SIGKILL);
		waitpid(broker_pid, NULL, 0);
		broker_pid = -1;
	}
	if (boot_fd >= 0)
		close(boot_fd);
	boot_fd = -1;
}

static int
setup(void **state)
{
	(void)state;
	memset((void *)sh, 0, sizeof(*sh));
	start_broker();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fb_disconnect();
	stop_broker();
	return 0;
}

/* --------------------------------------------------------------- helpers */

static void
tpath(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

static void
write_file(const char *name, const char *content)
{
	char p[PATH_MAX];
	FILE *f;

	tpath(p, sizeof(p), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void
read_file(const char *name, char *buf, size_t size)
{
	char p[PATH_MAX];
	FILE *f;
	size_t n;

	tpath(p, sizeof(p), name);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------------------- tests */

static void
test_open_cloexec(void **state)
{
	char p[PATH_MAX], buf[32];
	ssize_t n;
	int fd;

	(void)state;
	write_file("hello", "hello, world\n");
	tpath(p, sizeof(p), "hello");

	fd = fb_open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_int_equal(n, 13);
	buf[n] = '\0';
	assert_string_equal(buf, "hello, world\n");
	assert_int_equal(sh->last.type, FB_MSG_OPEN);
	assert_string_equal(sh->last.path, p);
	assert_int_equal(sh->last.flags, O_RDONLY);
	close(fd);

	fd = fb_open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fb_close(fd), 0);
	errno = 0;
	assert_int_equal(fb_close(fd), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_open_create(void **state)
{
	char p[PATH_MAX];
	struct stat st;
	int fd, before;

	(void)state;
	tpath(p, sizeof(p), "created");
	unlink(p);
	fd = fb_open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sh->last.mode, 0600);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 1);

	errno = 0;
	assert_int_equal(fb_open(p, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
	assert_int_equal(errno, EEXIST);

	/* O_TMPFILE is refused before anything is sent. */
	before = atomic_load(&sh->requests);
	errno = 0;
	assert_int_equal(fb_open(tmpdir, O_TMPFILE | O_RDWR, 0600), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(atomic_load(&sh->requests), before);
}

static void
test_relative_paths(void **state)
{
	char p[PATH_MAX], old[PATH_MAX];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(getcwd(old, sizeof(old)));
	write_file("rel", "r");
	assert_int_equal(chdir(tmpdir), 0);

	fd = fb_open("rel", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	tpath(p, sizeof(p), "rel");
	assert_string_equal(sh->last.path, p);

	/* Lexical: the broker sees the dots. */
	assert_int_equal(fb_stat("./x/../rel", &st), -1);
	assert_int_equal(errno, ENOENT); /* x does not exist */
	tpath(p, sizeof(p), "./x/../rel");
	assert_string_equal(sh->last.path, p);

	/* No double slash at the root. */
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(fb_access("tmp", F_OK), 0);
	assert_string_equal(sh->last.path, "/tmp");

	/* Both paths of a rename. */
	assert_int_equal(chdir(tmpdir), 0);
	write_file("ren1", "1");
	assert_int_equal(fb_rename("ren1", "ren2"), 0);
	tpath(p, sizeof(p), "ren1");
	assert_string_equal(sh->last.path, p);
	tpath(p, sizeof(p), "ren2");
	assert_string_equal(sh->last.path2, p);

	assert_int_equal(chdir(old), 0);
}

static void
test_path_errors(void **state)
{
	static char big[FB_PATH_MAX + 16];
	char old[PATH_MAX];
	struct stat st;
	size_t clen;
	int before;

	(void)state;
	errno = 0;
	assert_int_equal(fb_open(NULL, O_RDONLY), -1);
	assert_int_equal(errno, EFAULT);
	errno = 0;
	assert_int_equal(fb_stat("", &st), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(fb_stat("/", NULL), -1);
	assert_int_equal(errno, EFAULT);
	errno = 0;
	assert_int_equal(fb_rename("/a", NULL), -1);
	assert_int_equal(errno, EFAULT);

	/* Absolute: FB_PATH_MAX - 1 bytes go out, FB_PATH_MAX do not. */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[FB_PATH_MAX] = '\0';
	before = atomic_load(&sh->requests);
	errno = 0;
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(atomic_load(&sh->requests), before);
	big[FB_PATH_MAX - 1] = '\0';
	errno = 0;
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG); /* from the kernel, via the broker */
	assert_int_equal(atomic_load(&sh->requests), before + 1);

	/* Relative: cwd + '/' + path must fit. */
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(tmpdir), 0);
	clen = strlen(tmpdir);
	memset(big, 'b', sizeof(big));
	big[FB_PATH_MAX - 1 - clen - 1] = '\0'; /* exactly FB_PATH_MAX - 1 in all */
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(atomic_load(&sh->requests), before + 2);
	assert_int_equal(strlen(sh->last.path), FB_PATH_MAX - 1);
	big[FB_PATH_MAX - 1 - clen - 1] = 'b';
	big[FB_PATH_MAX - clen - 1] = '\0';
	errno = 0;
	assert_int_equal(fb_stat(big, &st), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(atomic_load(&sh->requests), before + 2);
	assert_int_equal(chdir(old), 0);
}

static void
test_errno_propagation(void **state)
{
	char p[PATH_MAX], d[PATH_MAX];

	(void)state;
	tpath(p, sizeof(p), "missing");
	errno = 0;
	assert_int_equal(fb_open(p, O_RDONLY), -1);
	assert_int_equal(errno, ENOENT);

	tpath(d, sizeof(d), "full");
	assert_int_equal(fb_mkdir(d, 0755), 0);
	errno = 0;
	assert_int_equal(fb_mkdir(d, 0755), -1);
	assert_int_equal(errno, EEXIST);
	tpath(p, sizeof(p), "full/f");
	write_file("full/f", "f");
	errno = 0;
	assert_int_equal(fb_rmdir(d), -1);
	assert_int_equal(errno, ENOTEMPTY);
	errno = 0;
	assert_int_equal(fb_unlink(d), -1);
	assert_int_equal(errno, EISDIR);
	errno = 0;
	assert_int_equal(fb_open(p, O_RDONLY | O_DIRECTORY), -1);
	assert_int_equal(errno, ENOTDIR);
	errno = 0;
	assert_int_equal(fb_access(p, X_OK), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fb_access(p, R_OK | W_OK), 0);
	errno = 0;
	assert_int_equal(fb_access(p, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fb_unlink(p), 0);
	assert_int_equal(fb_rmdir(d), 0);
	errno = 0;
	assert_int_equal(fb_rmdir(d), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_stat_lstat(void **state)
{
	char p[PATH_MAX], l[PATH_MAX];
	struct stat a, b;

	(void)state;
	write_file("st", "12345");
	tpath(p, sizeof(p), "st");
	tpath(l, sizeof(l), "st.link");
	unlink(l);
	assert_int_equal(symlink("st", l), 0);

	assert_int_equal(fb_stat(l, &a), 0);
	assert_int_equal(stat(p, &b), 0);
	assert_true(S_ISREG(a.st_mode));
	assert_int_equal(a.st_size, 5);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
	assert_int_equal(a.st_nlink, b.st_nlink);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);

	assert_int_equal(fb_lstat(l, &a), 0);
	assert_true(S_ISLNK(a.st_mode));
	assert_int_equal(a.st_size, 2);
}

static void
test_readlink(void **state)
{
	char l[PATH_MAX], p[PATH_MAX], buf[64];

	(void)state;
	tpath(l, sizeof(l), "rl");
	unlink(l);
	assert_int_equal(symlink("0123456789", l), 0);

	memset(buf, '#', sizeof(buf));
	assert_int_equal(fb_readlink(l, buf, 4), 4);
	assert_memory_equal(buf, "0123####", 8);
	memset(buf, '#', sizeof(buf));
	assert_int_equal(fb_readlink(l, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "0123456789#", 11);
	assert_int_equal(fb_readlink(l, buf, 10), 10);

	errno = 0;
	assert_int_equal(fb_readlink(l, buf, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fb_readlink(l, NULL, 10), -1);
	assert_int_equal(errno, EFAULT);
	write_file("notlink", "x");
	tpath(p, sizeof(p), "notlink");
	errno = 0;
	assert_int_equal(fb_readlink(p, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_fopen_modes(void **state)
{
	char p[PATH_MAX], buf[64];
	FILE *f;

	(void)state;
	tpath(p, sizeof(p), "fo");
	write_file("fo", "old contents");

	f = fb_fopen(p, "r");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDONLY);
	assert_int_equal(fcntl(fileno(f), F_GETFD) & FD_CLOEXEC, 0);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "old contents");
	fclose(f);

	f = fb_fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_WRONLY | O_CREAT | O_TRUNC);
	assert_int_equal(sh->last.mode, 0666);
	fputs("new", f);
	fclose(f);
	read_file("fo", buf, sizeof(buf));
	assert_string_equal(buf, "new");

	f = fb_fopen(p, "a");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_WRONLY | O_CREAT | O_APPEND);
	fputs("+more", f);
	fclose(f);
	read_file("fo", buf, sizeof(buf));
	assert_string_equal(buf, "new+more");

	f = fb_fopen(p, "r+");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDWR);
	fputs("N", f);
	fclose(f);
	read_file("fo", buf, sizeof(buf));
	assert_string_equal(buf, "New+more");

	f = fb_fopen(p, "a+");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDWR | O_CREAT | O_APPEND);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "New+more");
	fclose(f);

	f = fb_fopen(p, "w+be");
	assert_non_null(f);
	assert_int_equal(sh->last.flags, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC);
	assert_int_equal(fcntl(fileno(f), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	fputs("w+", f);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "w+");
	fclose(f);

	errno = 0;
	assert_null(fb_fopen(p, "wx"));
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_null(fb_fopen(p, "q"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fb_fopen(p, "rw"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fb_fopen(p, ""));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fb_fopen(p, NULL));
	assert_int_equal(errno, EFAULT);
	tpath(p, sizeof(p), "nope");
	errno = 0;
	assert_null(fb_fopen(p, "r"));
	assert_int_equal(errno, ENOENT);
}

static void
test_opendir(void **state)
{
	char d[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int seen = 0;

	(void)state;
	tpath(d, sizeof(d), "dir");
	assert_int_equal(fb_mkdir(d, 0700), 0);
	write_file("dir/one", "1");
	write_file("dir/two", "2");
	dir = fb_opendir(d);
	assert_non_null(dir);
	assert_int_equal(fcntl(dirfd(dir), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, "one") == 0)
			seen |= 1;
		else if (strcmp(e->d_name, "two") == 0)
			seen |= 2;
	}
	closedir(dir);
	assert_int_equal(seen, 3);
	tpath(d, sizeof(d), "dir/one");
	errno = 0;
	assert_null(fb_opendir(d));
	assert_int_equal(errno, ENOTDIR);
}

#define NTHREADS 8
#define NREQ 500

static void *
stat_worker(void *arg)
{
	long t = (long)(intptr_t)arg, i, bad = 0;
	char p[64];
	struct stat st;

	for (i = 0; i < NREQ; i++) {
		long want = t * 100000 + i;

		snprintf(p, sizeof(p), "/fake/size/%ld", want);
		if (fb_stat(p, &st) == -1 || st.st_size != want)
			bad++;
	}
	return (void *)(intptr_t)bad;
}

static void
test_threads(void **state)
{
	pthread_t th[NTHREADS];
	void *res;
	long t, bad = 0;
	int fds_before;

	(void)state;
	fds_before = count_fds();
	for (t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, stat_worker, (void *)(intptr_t)t), 0);
	for (t = 0; t < NTHREADS; t++) {
		assert_int_equal(pthread_join(th[t], &res), 0);
		bad += (long)(intptr_t)res;
	}
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&sh->requests), NTHREADS * NREQ);
	assert_int_equal(atomic_load(&sh->dup_ids), 0);
	assert_int_equal(atomic_load(&sh->bad), 0);
	assert_true(atomic_load(&sh->channels) >= 1);
	assert_true(atomic_load(&sh->channels) <= 8);
	/* The pool holds at most 8 channels. */
	assert_true(count_fds() - fds_before <= 8);
}

static int
child_stat_ok(long size)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/fake/size/%ld", size);
	return fb_stat(p, &st) == 0 && st.st_size == size;
}

static void
test_fork(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	assert_true(child_stat_ok(1));
	assert_int_equal(atomic_load(&sh->channels), 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		/* The child asks for its own channel, then reuses it. */
		if (!child_stat_ok(42) || !child_stat_ok(43))
			_exit(1);
		_exit(atomic_load(&sh->channels) == 2 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent still has its own channel. */
	assert_true(child_stat_ok(2));
	assert_int_equal(atomic_load(&sh->channels), 2);
	/* Ids need only be unique per channel: the child continues the
	 * parent's sequence, so sh->dup_ids is not checked here. */
}

static atomic_int stop_spin;

static void *
spin_worker(void *arg)
{
	long t = (long)(intptr_t)arg, bad = 0, i = 0;

	while (!atomic_load(&stop_spin))
		if (!child_stat_ok(t * 1000000 + (i++ % 1000)))
			bad++;
	return (void *)(intptr_t)bad;
}

/* fork() while other threads are in the middle of requests: the child must
 * neither deadlock on their locks nor read their replies. */
static void
test_fork_while_busy(void **state)
{
	pthread_t th[4];
	void *res;
	long t, bad = 0;
	int i, status, failed_children = 0;
	pid_t pid;

	(void)state;
	atomic_store(&stop_spin, 0);
	for (t = 0; t < 4; t++)
		assert_int_equal(pthread_create(&th[t], NULL, spin_worker, (void *)(intptr_t)t), 0);
	for (i = 0; i < 30 && failed_children == 0; i++) {
		pid = fork();
		if (pid == 0) {
			alarm(10);
			_exit(child_stat_ok(777 + i) && child_stat_ok(778 + i) ? 0 : 1);
		}
		if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed_children++;
	}
	/* Stop the threads before any assertion, so that a failure cannot
	 * leave them running into the next test. */
	atomic_store(&stop_spin, 1);
	for (t = 0; t < 4; t++) {
		assert_int_equal(pthread_join(th[t], &res), 0);
		bad += (long)(intptr_t)res;
	}
	assert_int_equal(failed_children, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&sh->bad), 0);
}

static void
test_broker_gone(void **state)
{
	struct stat st;
	double t0;

	(void)state;
	assert_true(child_stat_ok(5));

	/* The broker closes one channel: that call fails, the next one gets
	 * a new channel. */
	atomic_store(&sh->mode, M_HANGUP);
	t0 = now();
	errno = 0;
	assert_int_equal(fb_stat("/fake/size/6", &st), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_true(child_stat_ok(7));
	assert_int_equal(atomic_load(&sh->channels), 2);

	/* The broker dies: prompt ECONNRESET, on the channel and then on the
	 * bootstrap socket. */
	kill(broker_pid, SIGKILL);
	waitpid(broker_pid, NULL, 0);
	broker_pid = -1;
	errno = 0;
	assert_int_equal(fb_stat("/fake/size/8", &st), -1);
	assert_int_equal(errno, ECONNRESET);
	errno = 0;
	assert_int_equal(fb_open("/etc/passwd", O_RDONLY), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_true(now() - t0 < 2.0);
}

struct evil {
	enum mode mode;
	int open; /* use fb_open (a reply that carries a descriptor) */
	int err;
};

static void
test_malicious_replies(void **state)
{
	static const struct evil cases[] = {
		{ M_EXTRA_FD, 0, EPROTO },
		{ M_EXTRA_FD, 1, EPROTO },
		{ M_TWO_CMSG, 1, EPROTO },
		{ M_MISSING_FD, 1, EPROTO },
		{ M_TRAILING, 0, EPROTO },
		{ M_TRAILING, 1, EPROTO },
		{ M_WRONG_ID, 0, EPROTO },
		{ M_WRONG_ID, 1, EPROTO },
		{ M_WRONG_TYPE, 0, EPROTO },
		{ M_WRONG_TYPE, 1, EPROTO },
		{ M_GARBAGE, 1, EPROTO },
		{ M_EMPTY, 0, ECONNRESET },
		{ M_HANGUP, 1, ECONNRESET },
		{ M_CHAN_EMFILE, 0, EMFILE },
	};
	char p[PATH_MAX];
	struct stat st;
	size_t i;
	int before, fd, r;

	(void)state;
	write_file("evil", "e");
	tpath(p, sizeof(p), "evil");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Start without channels so the count compares like with like. */
		fb_disconnect();
		before = count_fds();
		atomic_store(&sh->mode, cases[i].mode);
		errno = 0;
		if (cases[i].open) {
			fd = fb_open(p, O_RDONLY);
			r = fd;
			if (fd >= 0)
				close(fd);
		} else
			r = fb_stat(p, &st);
		if (r != -1 || errno != cases[i].err)
			fail_msg("case %zu (mode %d): r=%d errno=%s", i, cases[i].mode, r,
			    strerror(errno));
		assert_int_equal(count_fds(), before);
		/* The channel was dropped, not the connection. */
		assert_int_equal(fb_stat(p, &st), 0);
		assert_int_equal(atomic_load(&sh->mode), M_NONE);
	}
}

static void
test_env_validation(void **state)
{
	char num[16];
	struct stat st;
	int p[2], s[2];

	(void)state;
	fb_disconnect();
	setenv(FB_ENV_FD, "abc", 1);
	errno = 0;
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "-1", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, " 3", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "99999999999", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);
	setenv(FB_ENV_FD, "1000", 1);
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, EBADF);

	assert_int_equal(pipe(p), 0);
	snprintf(num, sizeof(num), "%d", p[0]);
	setenv(FB_ENV_FD, num, 1);
	errno = 0;
	assert_int_equal(fb_connect(NULL), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	snprintf(num, sizeof(num), "%d", s[0]);
	setenv(FB_ENV_FD, num, 1);
	errno = 0;
	assert_int_equal(fb_stat("/", &st), -1);
	assert_int_equal(errno, EPROTOTYPE);
	close(s[0]);
	close(s[1]);

	unsetenv(FB_ENV_FD);
	errno = 0;
	assert_int_equal(fb_stat("/", &st), -1);
	assert_int_equal(errno, ENOTCONN);

	/* Back to the real one; fb_connect() is idempotent. */
	snprintf(num, sizeof(num), "%d", boot_fd);
	setenv(FB_ENV_FD, num, 1);
	assert_int_equal(fb_connect(NULL), 0);
	assert_int_equal(fb_connect(NULL), 0);
	assert_true(child_stat_ok(9));
	/* The library's own sockets cannot be closed through fb_close(). */
	errno = 0;
	assert_int_equal(fb_close(boot_fd), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fcntl(boot_fd, F_GETFD), 0);
	/* fb_disconnect() leaves FILEBROKER_FD's descriptor open. */
	fb_disconnect();
	assert_true(fcntl(boot_fd, F_GETFD) != -1);
	assert_true(child_stat_ok(10));
}

static void
test_daemon_mode(void **state)
{
	static char longpath[200];
	struct stat st;
	int before;

	(void)state;
	fb_disconnect();
	unsetenv(FB_ENV_FD);
	before = count_fds();
	assert_int_equal(fb_connect(sockpath), 0);
	assert_int_equal(fb_connect(sockpath), 0);
	assert_true(child_stat_ok(11));
	assert_int_equal(count_fds(), before + 2); /* bootstrap + one channel */
	fb_disconnect();
	assert_int_equal(count_fds(), before);

	/* FILEBROKER_SOCKET when FILEBROKER_FD is unset. */
	setenv(FB_ENV_SOCKET, sockpath, 1);
	assert_true(child_stat_ok(12));
	fb_disconnect();
	assert_int_equal(count_fds(), before);
	unsetenv(FB_ENV_SOCKET);

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	errno = 0;
	assert_int_equal(fb_connect(longpath), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_int_equal(fb_connect("/nonexistent/broker.sock"), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(fb_stat("/", &st), -1);
	assert_int_equal(errno, ENOTCONN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_cloexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errno_propagation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_lstat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fopen_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opendir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_while_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broker_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malicious_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_mode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
