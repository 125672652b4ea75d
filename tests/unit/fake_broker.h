/*
 * fake_broker.h: the fake broker that test_client.c and test_client_channel.c
 * run libfilebroker against, with their setup and a few file helpers.
 * Include it after <cmocka.h>.  Its functions are static inline, as in
 * unit.h, and its state is static: each test program has its own.
 *
 * The fake broker is a forked process, so that /proc/self/fd in the test
 * counts only the client's descriptors.  It answers CHANNEL with a fresh
 * socket pair served by a thread of its own, performs every other request
 * for real (no policy), answers STAT of "/fake/size/N" with st_size N (plus
 * `sh->size_bias`, which tells two brokers apart), and misbehaves once on
 * request: the test sets `sh->mode` in shared memory.  start_broker() makes
 * the one the calls without a handle find in FILEBROKER_FD; spawn_broker()
 * makes more, each with a shared area of its own (shared_new()).
 */
#ifndef FB_FAKE_BROKER_H
#define FB_FAKE_BROKER_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
#include <unistd.h>

#include "filebroker.h"
#include "proto.h"
#include "unit.h"

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
	M_RULE,	       /* refuse it, EACCES naming FAKE_RULE (--tell-rules) */
};

#define FAKE_RULE "/etc/fb/fake.policy:7"

#define ID_BITS (1u << 23)

struct shared {
	atomic_int mode;
	atomic_int channels; /* CHANNEL requests answered */
	atomic_int requests; /* other requests answered */
	atomic_int dup_ids;
	atomic_int bad;	       /* malformed requests seen */
	atomic_long size_bias; /* added to "/fake/size/N"'s size */
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

static inline int
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

static inline void *serve_thread(void *arg);

/* Broker threads take turns at sh->last; the tests read it only between
 * calls. */
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void
spawn_server(int fd)
{
	pthread_t t;

	if (pthread_create(&t, NULL, serve_thread, (void *)(intptr_t)fd) != 0)
		_exit(99);
	pthread_detach(t);
}

static inline void
note_id(uint32_t id)
{
	uint32_t i = id % ID_BITS;
	unsigned char bit = (unsigned char)(1u << (i % 8));

	if (atomic_fetch_or(&sh->seen[i / 8], bit) & bit)
		atomic_fetch_add(&sh->dup_ids, 1);
}

/* Perform req for real; returns the errno to answer and sets *fd. */
static inline uint32_t
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
			st.st_size = atol(req->path + 11) + atomic_load(&sh->size_bias);
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
	case FB_MSG_CHMOD:
		r = chmod(req->path, (mode_t)req->mode);
		break;
	case FB_MSG_TRUNCATE:
		r = truncate(req->path, (off_t)req->length);
		break;
	case FB_MSG_SYMLINK:
		r = symlink(req->path2, req->path);
		break;
	case FB_MSG_REALPATH:
		r = realpath(req->path, rep->target) == NULL ? -1 : 0;
		break;
	case FB_MSG_CHANNEL:
	case FB_MSG_LISTENER:
		break;
	}
	return r == -1 ? (uint32_t)errno : 0;
}

static inline void
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
			if (mode == M_RULE) {
				if (fds[0] >= 0)
					close(fds[0]);
				fds[0] = -1;
				nfds = 0;
				rep.error = EACCES;
				snprintf(rep.rule, sizeof(rep.rule), "%s", FAKE_RULE);
			}
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
			uint16_t t = (uint16_t)((req.type == FB_MSG_STAT ? FB_MSG_LSTAT :
									   FB_MSG_STAT) |
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
		case M_RULE:
			break;
		}
		send_reply(fd, buf, (size_t)len, fds, nfds, mode == M_TWO_CMSG);
		for (n = 0; n < nfds; n++)
			close(fds[n]);
	}
	close(fd);
}

static inline void *
serve_thread(void *arg)
{
	serve((int)(intptr_t)arg);
	return NULL;
}

static inline void *
listen_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		spawn_server(fd);
	return NULL;
}

static inline void
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

static inline int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A zeroed shared area for a broker of spawn_broker(). */
static inline struct shared *
shared_new(void)
{
	struct shared *s;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		abort();
	return s;
}

static inline int
group_setup(void **state)
{
	struct sockaddr_un sun;

	(void)state;
	sh = shared_new();
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

static inline int
group_teardown(void **state)
{
	(void)state;
	close(listen_fd);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	munmap(sh, sizeof(*sh));
	return 0;
}

/*
 * A fake broker recording into s, also serving what connects to lfd
 * (unless -1); its pid, and in *bootp the client's end of its bootstrap
 * socket.
 */
static inline pid_t
spawn_broker(struct shared *s, int lfd, int *bootp)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	pid = unit_fork();
	if (pid == -1)
		abort();
	if (pid == 0) {
		sh = s;
		close(sv[0]);
		broker_main(sv[1], lfd);
		_exit(0);
	}
	close(sv[1]);
	*bootp = sv[0];
	return pid;
}

static inline void
start_broker(void)
{
	char num[16];

	broker_pid = spawn_broker(sh, listen_fd, &boot_fd);
	snprintf(num, sizeof(num), "%d", boot_fd);
	setenv(FB_ENV_FD, num, 1);
	unsetenv(FB_ENV_SOCKET);
}

static inline void
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

static inline int
setup(void **state)
{
	(void)state;
	memset((void *)sh, 0, sizeof(*sh));
	start_broker();
	return 0;
}

static inline int
teardown(void **state)
{
	(void)state;
	fb_disconnect();
	stop_broker();
	return 0;
}

/* --------------------------------------------------------------- helpers */

/* The descriptors open in this process. */
static inline int
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

static inline void
tpath(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

static inline void
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

#endif
