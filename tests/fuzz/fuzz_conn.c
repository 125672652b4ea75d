/*
 * fuzz_conn.c: libFuzzer target for the connection handler: the broker's
 * event loop (broker/loop/) serving one connection of a session over a
 * real socket pair, and what it answers with (the wire front end, ops.c,
 * a small policy over a scratch tree).  Each input is one message sent
 * with descriptors attached (SCM_RIGHTS), as a hostile worker would:
 *
 *	u8 n	descriptors to attach (n % 4, each a /dev/null of its own)
 *	...	the message
 *
 * Each input is a new connection of one session of one server, which
 * lives across inputs (as a serving thread's scratch does: a reply must
 * not carry what an earlier one left behind), and one batch of the loop
 * serves it.  Whatever comes back is decoded as libfilebroker decodes it,
 * with the descriptors that came along counted against what the reply
 * says, and those closed.  The session tells rules (--tell-rules), so
 * that denials' replies carry their rule too.  A crash, a fatal() of a
 * broken invariant (a reply that does not encode), a reply the client
 * would refuse, a
 * descriptor leaked by the broker (its count is checked every 256 inputs)
 * is the failure.
 *
 * The seed corpus (one valid request of each type, a listener request with
 * its descriptor, an openv, a request with a descriptor where none
 * belongs) is written by this same file:
 *
 *	cc -D_GNU_SOURCE -DFUZZ_CONN_GENERATE -Iclient -o gen \
 *	    tests/fuzz/fuzz_conn.c client/proto.c && ./gen tests/fuzz/corpus/fuzz_conn
 *
 * The scratch tree is /tmp/fb-fuzz-conn (made if missing, left for the
 * next run).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_CONN_GENERATE
#include "audit.h"
#include "loop.h"
#include "ops.h"
#include "policy.h"

static struct session s;
static struct server *sv;
static char dir[64], auditpath[96];
static unsigned long inputs;
static int base_fds = -1;

static int
open_fds(void)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
put(const char *rel, const char *text)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

static void
init(void)
{
	char pol[1024], p[256];
	struct policy *pp;
	struct policy_diags d;
	int n;

	snprintf(dir, sizeof(dir), "/tmp/fb-fuzz-conn");
	mkdir(dir, 0755);
	snprintf(p, sizeof(p), "%s/d", dir);
	mkdir(p, 0755);
	put("d/a", "alpha\n");
	put("secret", "secret\n");
	n = snprintf(pol, sizeof(pol),
	    "allow read,write,create,delete,list,stat %s/d/**\nallow list,stat %s/d\n"
	    "deny write %s/d/a\n",
	    dir, dir, dir);
	memset(&d, 0, sizeof(d));
	if (policy_load_buffer("fuzz.policy", pol, (size_t)n, "/tmp", &pp, &d) == -1)
		abort();
	policy_diags_free(&d);
	s.policy = pp;
	if (fsctx_init(&s.fs) == -1)
		abort();
	snprintf(auditpath, sizeof(auditpath), "%s.audit.%ld", dir, (long)getpid());
	if (audit_open(auditpath, &s.audit) == -1)
		abort();
	s.pid = getpid();
	s.uid = getuid();
	s.gid = getgid();
	s.tell_rules = 1;
	if ((sv = server_new(&s)) == NULL)
		abort();
}

static int
once(void *arg)
{
	int *n = arg;

	return (*n)++ < 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))], rbuf[CMSG_SPACE(64 * sizeof(int))];
	uint8_t reply[FB_MSG_MAX + 1];
	static struct fb_reply rep;
	static struct fb_request q;
	static struct fb_openv_request v;
	int valid, replies = 0;
	const char *why;
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	int sp[2], fds[3], nfd, i, batches = 0, *got;
	size_t k, nrx;
	ssize_t len;

	if (s.policy == NULL)
		init();
	if (size == 0)
		return 0;
	nfd = data[0] % 4;
	data++, size--;
	/* A well-formed request with the descriptors its type carries gets
	 * exactly one reply. */
	valid = (unsigned)nfd == proto_request_nfds(proto_peek_type(data, size)) &&
	    (proto_peek_type(data, size) == FB_MSG_OPENV ?
		    proto_decode_openv(data, size, &v, &why) :
		    proto_decode_request(data, size, &q, &why)) == 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		abort();
	if (server_add_conn(sv, sp[0]) == -1)
		abort();
	for (i = 0; i < nfd; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			abort();
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = size;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfd > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfd * sizeof(int));
	}
	/* Too long for a packet: the kernel refuses it; nothing to serve. */
	if (sendmsg(sp[1], &mh, MSG_DONTWAIT) == -1) {
		for (i = 0; i < nfd; i++)
			close(fds[i]);
		close(sp[1]);
		return 0;
	}
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	if (server_run(sv, once, &batches) == -1)
		abort();
	/* What came back: every reply, its descriptors closed. */
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = reply;
		iov.iov_len = sizeof(reply);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = rbuf;
		mh.msg_controllen = sizeof(rbuf);
		if ((len = recvmsg(sp[1], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) <= 0)
			break;
		nrx = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			got = (int *)(void *)CMSG_DATA(cm);
			for (k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++, nrx++)
				close(got[k]);
		}
		/* As libfilebroker takes it: a reply that decodes, with the
		 * descriptors it says it carries. */
		replies++;
		if (proto_decode_reply(reply, (size_t)len, &rep, &why) == -1 || rep.nfds != nrx) {
			fprintf(stderr,
			    "fuzz_conn: a reply the client refuses: %s, %u descriptors "
			    "said, %zu came\n",
			    why != NULL ? why : "ok", rep.nfds, nrx);
			abort();
		}
	}
	if (valid && replies != 1) {
		fprintf(stderr, "fuzz_conn: a well-formed request got %d replies\n", replies);
		abort();
	}
	close(sp[1]);
	if (++inputs % 256 == 0) {
		/* Nothing the broker took may stay open, and the audit file
		 * may not grow for ever. */
		/* The connections of the last few inputs may not have
		 * seen their hang-up yet: a leak is what grows past that. */
		if (base_fds == -1)
			base_fds = open_fds();
		else if (open_fds() > base_fds + 32) {
			fprintf(stderr, "fuzz_conn: %d descriptors open, %d at the start\n",
			    open_fds(), base_fds);
			abort();
		}
		if (truncate(auditpath, 0) == -1)
			abort();
	}
	return 0;
}

#else /* FUZZ_CONN_GENERATE */

static void
seed(const char *dirname, const char *name, uint8_t nfd, const struct fb_request *r)
{
	uint8_t buf[FB_REQUEST_MAX + 1];
	char path[4096];
	ssize_t n;
	FILE *f;

	buf[0] = nfd;
	if ((n = proto_encode_request(r, buf + 1, sizeof(buf) - 1)) < 0) {
		perror(name);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dirname, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, (size_t)n + 1, f) != (size_t)n + 1 ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static struct fb_request r;
	static struct fb_openv_request v;
	static uint8_t buf[FB_MSG_MAX + 1];
	char path[4096];
	ssize_t n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.id = 7;
	r.type = FB_MSG_OPEN, r.flags = O_RDONLY;
	strcpy(r.path, "/tmp/fb-fuzz-conn/d/a");
	seed(argv[1], "open", 0, &r);
	r.flags = O_WRONLY; /* the deny rule's */
	seed(argv[1], "open-denied", 0, &r);
	r.flags = O_RDONLY;
	r.flags = O_WRONLY | O_CREAT, r.mode = 0644;
	strcpy(r.path, "/tmp/fb-fuzz-conn/d/new");
	seed(argv[1], "create", 0, &r);
	r.type = FB_MSG_STAT, r.flags = 0, r.mode = 0;
	seed(argv[1], "stat", 0, &r);
	r.type = FB_MSG_LSTAT;
	seed(argv[1], "lstat", 0, &r);
	r.type = FB_MSG_ACCESS, r.mode = 4;
	seed(argv[1], "access", 0, &r);
	r.type = FB_MSG_READLINK, r.mode = 0;
	seed(argv[1], "readlink", 0, &r);
	r.type = FB_MSG_MKDIR, r.mode = 0755;
	seed(argv[1], "mkdir", 0, &r);
	r.type = FB_MSG_UNLINK, r.mode = 0;
	seed(argv[1], "unlink", 0, &r);
	r.type = FB_MSG_RMDIR;
	seed(argv[1], "rmdir", 0, &r);
	r.type = FB_MSG_RENAME;
	strcpy(r.path2, "/tmp/fb-fuzz-conn/d/other");
	seed(argv[1], "rename", 0, &r);
	r.type = FB_MSG_SYMLINK;
	strcpy(r.path, "/tmp/fb-fuzz-conn/d/link");
	strcpy(r.path2, "../secret");
	seed(argv[1], "symlink", 0, &r);
	r.type = FB_MSG_CHMOD, r.mode = 0600, r.path2[0] = '\0';
	strcpy(r.path, "/tmp/fb-fuzz-conn/d/a");
	seed(argv[1], "chmod", 0, &r);
	r.type = FB_MSG_TRUNCATE, r.mode = 0, r.length = 1;
	seed(argv[1], "truncate", 0, &r);
	r.type = FB_MSG_REALPATH, r.length = 0;
	seed(argv[1], "realpath", 0, &r);
	r.type = FB_MSG_OPEN, r.at = 1; /* relative to the /dev/null sent: ENOTDIR */
	strcpy(r.path, "d/a");
	seed(argv[1], "openat", 1, &r);
	r.type = FB_MSG_STAT; /* without its folder: a violation */
	seed(argv[1], "statat-without-fd", 0, &r);
	r.at = 0;
	r.type = FB_MSG_CHANNEL, r.path[0] = r.path2[0] = '\0';
	seed(argv[1], "channel", 0, &r);
	r.type = FB_MSG_LISTENER;
	seed(argv[1], "listener", 1, &r);
	r.type = FB_MSG_STAT;
	strcpy(r.path, "/etc/passwd");
	seed(argv[1], "stat-with-fds", 2, &r);
	memset(&v, 0, sizeof(v));
	v.id = 9, v.count = 2;
	v.ent[0].path = "/tmp/fb-fuzz-conn/d/a";
	v.ent[1].path = "/tmp/fb-fuzz-conn/secret";
	buf[0] = 0;
	if ((n = proto_encode_openv(&v, buf + 1, sizeof(buf) - 1)) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/openv", argv[1]);
	if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, (size_t)n + 1, f) != (size_t)n + 1 ||
	    fclose(f) != 0)
		return 1;
	return 0;
}
#endif
