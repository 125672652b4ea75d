/*
 * slowfs: a FUSE file system that hangs on demand, for the integration
 * tests that need a slow or stuck file system under the broker.  It speaks
 * the kernel's /dev/fuse protocol itself (no libfuse to install).
 *
 *	slowfs [-v] [-i] MOUNTPOINT GATE
 *
 * Mounts this read-only tree on MOUNTPOINT (everything owned by root):
 *
 *	/		directory 0755
 *	/fast		file 0644 "fast\n"
 *	/slow		file 0644 "slow\n"		slow
 *	/dir		directory 0755
 *	/dir/slow2	file 0644 "slow2\n"		slow
 *	/ci		directory 0755
 *	/ci/secret.txt	file 0644 "TOPSECRET-ci\n"
 *	/ci/public.txt	file 0644 "public\n"
 *	/ci/sub		directory 0755
 *	/ci/sub/deep.key file 0644 "TOPSECRET-key\n"
 *
 * -i makes lookups fold case, as a case-insensitive file system's do: a
 * name matches an entry spelled in any ASCII case, and with U+017F (long s)
 * for s and U+212A (Kelvin sign) for k, as Unicode case folding has it;
 * the entries keep the spelling above.
 *
 * A LOOKUP of a slow name is not answered while the file GATE does not
 * exist: it waits, and every other request is served meanwhile.  While any
 * lookup waits, GATE.waiting holds their number (replaced whole by a
 * rename, so a reader never sees it half written; removed when none is
 * left).  It counts requests, not processes: the kernel sends one LOOKUP
 * for a name however many processes walk it at once, and the others wait
 * in the kernel, unkillable, until that one is answered.  GATE is checked every 10 ms; once it exists the waiting lookups
 * are answered and the gate stays open for good.  A waiting lookup whose
 * caller gets a signal (the kernel sends FUSE_INTERRUPT) fails with EINTR:
 * a process killed while it waits does not stay stuck.
 *
 * Prints "slowfs: mounted on MOUNTPOINT" on stdout once mounted.  SIGTERM
 * or SIGINT fails the waiting lookups with EIO, detaches the mount, removes
 * GATE.waiting and exits 0; so does an unmount by someone else, or an
 * abort through /sys/fs/fuse/connections (detaching the dead mount).
 * GATE must not be under MOUNTPOINT: slowfs looks it up itself and would
 * wait on its own lookup.  -v logs every request on stderr.
 *
 * Exit 77 when not root, or /dev/fuse or mount(2) is not available here
 * (tests skip), 2 on a usage error, 1 on any other failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/fuse.h>

#define SLOWFS_MAXWRITE 4096
#define SLOWFS_POLL_MS 10
#define SLOWFS_EXIT_SKIP 77

struct slowfs_node {
	uint64_t ino; /* also the FUSE node id */
	uint64_t parent;
	const char *name;
	uint32_t mode;
	const char *data; /* contents of a regular file */
	int slow;	  /* its LOOKUP waits for the gate */
};

/* Row i holds inode i + 1; the root is its own parent. */
static const struct slowfs_node slowfs_nodes[] = {
	{ 1, 1, "", S_IFDIR | 0755, NULL, 0 },
	{ 2, 1, "fast", S_IFREG | 0644, "fast\n", 0 },
	{ 3, 1, "slow", S_IFREG | 0644, "slow\n", 1 },
	{ 4, 1, "dir", S_IFDIR | 0755, NULL, 0 },
	{ 5, 4, "slow2", S_IFREG | 0644, "slow2\n", 1 },
	{ 6, 1, "ci", S_IFDIR | 0755, NULL, 0 },
	{ 7, 6, "secret.txt", S_IFREG | 0644, "TOPSECRET-ci\n", 0 },
	{ 8, 6, "public.txt", S_IFREG | 0644, "public\n", 0 },
	{ 9, 6, "sub", S_IFDIR | 0755, NULL, 0 },
	{ 10, 9, "deep.key", S_IFREG | 0644, "TOPSECRET-key\n", 0 },
};
#define SLOWFS_NNODES (sizeof(slowfs_nodes) / sizeof(slowfs_nodes[0]))

/* A held LOOKUP: its request and the node to answer it with. */
struct slowfs_pending {
	uint64_t unique;
	const struct slowfs_node *node;
};

static int slowfs_fd = -1;
static uint32_t slowfs_minor; /* negotiated in FUSE_INIT */
static int slowfs_verbose;
static int slowfs_fold; /* -i: lookups fold case */
static int slowfs_gone; /* the connection ended */
static int slowfs_gate_open;
static const char *slowfs_mnt; /* set once mounted */
static const char *slowfs_gate;
static char slowfs_waiting[4096];
static char slowfs_waiting_tmp[4096];
static struct slowfs_pending *slowfs_pend;
static size_t slowfs_npend, slowfs_cappend;
static time_t slowfs_start;

static void __attribute__((format(printf, 2, 0)))
slowfs_vlog(int errnum, const char *fmt, va_list ap)
{
	fprintf(stderr, "slowfs: ");
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fprintf(stderr, "\n");
}

static void __attribute__((format(printf, 1, 2))) slowfs_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	slowfs_vlog(e, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) slowfs_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	slowfs_vlog(0, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) slowfs_debug(const char *fmt, ...)
{
	va_list ap;

	if (!slowfs_verbose)
		return;
	va_start(ap, fmt);
	slowfs_vlog(0, fmt, ap);
	va_end(ap);
}

/*
 * Once slowfs dies its mount fails every access with ENOTCONN until it is
 * unmounted: detach it, so that a failed test leaves no dead mount behind.
 */
static void __attribute__((noreturn)) slowfs_exit(int status)
{
	if (slowfs_mnt != NULL && umount2(slowfs_mnt, MNT_DETACH) == -1 && errno != EINVAL &&
	    errno != ENOENT)
		slowfs_warn("umount2 %s", slowfs_mnt);
	if (slowfs_waiting[0] != '\0' && unlink(slowfs_waiting) == -1 && errno != ENOENT)
		slowfs_warn("unlink %s", slowfs_waiting);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2))) slowfs_fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	slowfs_vlog(e, fmt, ap);
	va_end(ap);
	slowfs_exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2))) slowfs_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	slowfs_vlog(0, fmt, ap);
	va_end(ap);
	slowfs_exit(1);
}

static const struct slowfs_node *
slowfs_node(uint64_t ino)
{
	if (ino < 1 || ino > SLOWFS_NNODES)
		return NULL;
	return &slowfs_nodes[ino - 1];
}

/*
 * name folded into out (-i): ASCII letters in lower case, U+017F (long s)
 * as "s" and U+212A (Kelvin sign) as "k".
 */
static void
slowfs_casefold(const char *name, char *out, size_t size)
{
	size_t o = 0;

	while (*name != '\0' && o + 1 < size) {
		if (strncmp(name, "\xc5\xbf", 2) == 0) {
			out[o++] = 's';
			name += 2;
		} else if (strncmp(name, "\xe2\x84\xaa", 3) == 0) {
			out[o++] = 'k';
			name += 3;
		} else {
			out[o++] = (char)(*name >= 'A' && *name <= 'Z' ? *name - 'A' + 'a' : *name);
			name++;
		}
	}
	out[o] = '\0';
}

static int
slowfs_same(const char *entry, const char *name)
{
	char a[NAME_MAX + 1], b[NAME_MAX + 1];

	if (!slowfs_fold)
		return strcmp(entry, name) == 0;
	slowfs_casefold(entry, a, sizeof(a));
	slowfs_casefold(name, b, sizeof(b));
	return strcmp(a, b) == 0;
}

static const struct slowfs_node *
slowfs_child(uint64_t parent, const char *name)
{
	size_t i;

	for (i = 0; i < SLOWFS_NNODES; i++)
		if (slowfs_nodes[i].ino != parent && slowfs_nodes[i].parent == parent &&
		    slowfs_same(slowfs_nodes[i].name, name))
			return &slowfs_nodes[i];
	return NULL;
}

/*
 * Entry idx of directory dir as readdir lists it: ".", "..", then the
 * children in table order.  Returns NULL past the end.
 */
static const char *
slowfs_dirent(const struct slowfs_node *dir, uint64_t idx, uint64_t *ino, uint32_t *mode)
{
	size_t i;

	if (idx == 0 || idx == 1) {
		*ino = idx == 0 ? dir->ino : dir->parent;
		*mode = S_IFDIR;
		return idx == 0 ? "." : "..";
	}
	idx -= 2;
	for (i = 0; i < SLOWFS_NNODES; i++) {
		if (slowfs_nodes[i].ino == dir->ino || slowfs_nodes[i].parent != dir->ino)
			continue;
		if (idx-- == 0) {
			*ino = slowfs_nodes[i].ino;
			*mode = slowfs_nodes[i].mode;
			return slowfs_nodes[i].name;
		}
	}
	return NULL;
}

static void
slowfs_attr(const struct slowfs_node *n, struct fuse_attr *a)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->ino = n->ino;
	a->mode = n->mode;
	a->nlink = 1;
	if (S_ISDIR(n->mode)) {
		/* ".", the entry in the parent, and each subdirectory's "..". */
		a->nlink = 2;
		for (i = 0; i < SLOWFS_NNODES; i++)
			if (slowfs_nodes[i].ino != n->ino && slowfs_nodes[i].parent == n->ino &&
			    S_ISDIR(slowfs_nodes[i].mode))
				a->nlink++;
	}
	a->size = n->data != NULL ? strlen(n->data) : 0;
	a->blocks = (a->size + 511) / 512;
	a->atime = a->mtime = a->ctime = (uint64_t)slowfs_start;
	a->blksize = 4096;
	/* uid, gid 0: root owns everything. */
}

/*
 * Send a reply: error is a positive errno (0 for success, then data of
 * len bytes follows).  A request can be gone by the time it is answered:
 * the kernel ended it itself and no longer knows its unique (ENOENT), or
 * the file system was unmounted (ENODEV).  Neither is slowfs's fault.
 */
static void
slowfs_reply(uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header oh;
	struct iovec iov[2];
	ssize_t n;

	memset(&oh, 0, sizeof(oh));
	oh.len = (uint32_t)(sizeof(oh) + len);
	oh.error = -error;
	oh.unique = unique;
	iov[0].iov_base = &oh;
	iov[0].iov_len = sizeof(oh);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	n = writev(slowfs_fd, iov, len > 0 ? 2 : 1);
	if (n == -1) {
		if (errno == ENOENT) {
			slowfs_debug("reply to #%" PRIu64 ": request gone", unique);
			return;
		}
		if (errno == ENODEV || errno == ECONNABORTED) {
			slowfs_gone = 1;
			return;
		}
		/* EINVAL: a malformed reply, a bug here. */
		slowfs_fatal("write reply to #%" PRIu64 " (error %d, %zu bytes)", unique, error,
		    len);
	}
	if ((size_t)n != oh.len)
		slowfs_fatalx("write reply to #%" PRIu64 ": short write, %zd of "
			      "%u bytes",
		    unique, n, oh.len);
}

static void
slowfs_reply_entry(uint64_t unique, const struct slowfs_node *n)
{
	struct fuse_entry_out e;

	/*
	 * Timeouts 0: the kernel caches neither the name nor the
	 * attributes, so every path walk through "slow" asks again and
	 * waits again, not just the first one.
	 */
	memset(&e, 0, sizeof(e));
	e.nodeid = n->ino;
	e.generation = 1;
	slowfs_attr(n, &e.attr);
	slowfs_reply(unique, 0, &e, slowfs_minor < 9 ? FUSE_COMPAT_ENTRY_OUT_SIZE : sizeof(e));
}

/*
 * Publish the number of held lookups in GATE.waiting.  Written to a
 * temporary file and renamed over, so that a test polling it sees either
 * the old number or the new one, never an empty file.
 */
static void
slowfs_waiting_update(void)
{
	char line[32];
	int fd, len;

	if (slowfs_npend == 0) {
		if (unlink(slowfs_waiting) == -1 && errno != ENOENT)
			slowfs_warn("unlink %s", slowfs_waiting);
		return;
	}
	len = snprintf(line, sizeof(line), "%zu\n", slowfs_npend);
	fd = open(slowfs_waiting_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1) {
		slowfs_warn("open %s", slowfs_waiting_tmp);
		return;
	}
	if (write(fd, line, (size_t)len) != len) {
		slowfs_warn("write %s", slowfs_waiting_tmp);
		close(fd);
		return;
	}
	if (close(fd) == -1)
		slowfs_warn("close %s", slowfs_waiting_tmp);
	else if (rename(slowfs_waiting_tmp, slowfs_waiting) == -1)
		slowfs_warn("rename %s to %s", slowfs_waiting_tmp, slowfs_waiting);
}

static void
slowfs_pending_add(uint64_t unique, const struct slowfs_node *n)
{
	struct slowfs_pending *p;
	size_t cap;

	if (slowfs_npend == slowfs_cappend) {
		cap = slowfs_cappend ? slowfs_cappend * 2 : 16;
		p = reallocarray(slowfs_pend, cap, sizeof(*p));
		if (p == NULL)
			slowfs_fatal("hold request #%" PRIu64, unique);
		slowfs_pend = p;
		slowfs_cappend = cap;
	}
	slowfs_pend[slowfs_npend].unique = unique;
	slowfs_pend[slowfs_npend].node = n;
	slowfs_npend++;
	slowfs_waiting_update();
}

/* Answer every held lookup: with its entry (error 0) or with error. */
static void
slowfs_pending_release(int error)
{
	size_t i;

	if (slowfs_npend == 0)
		return;
	slowfs_debug("answering %zu held lookup(s)%s", slowfs_npend, error ? " with an error" : "");
	for (i = 0; i < slowfs_npend; i++) {
		if (error)
			slowfs_reply(slowfs_pend[i].unique, error, NULL, 0);
		else
			slowfs_reply_entry(slowfs_pend[i].unique, slowfs_pend[i].node);
	}
	slowfs_npend = 0;
	slowfs_waiting_update();
}

static void
slowfs_op_init(const struct fuse_in_header *h, const void *arg, size_t len)
{
	struct fuse_init_in in;
	struct fuse_init_out out;
	size_t outlen;

	/* Older kernels send a shorter fuse_init_in: read what came. */
	memset(&in, 0, sizeof(in));
	memcpy(&in, arg, len < sizeof(in) ? len : sizeof(in));
	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	if (in.major > FUSE_KERNEL_VERSION) {
		/*
		 * A newer major: the kernel wants ours alone and sends
		 * INIT again in it.  Only the first 8 bytes are common.
		 */
		slowfs_reply(h->unique, 0, &out, FUSE_COMPAT_INIT_OUT_SIZE);
		return;
	}
	if (in.major < FUSE_KERNEL_VERSION) {
		slowfs_reply(h->unique, EPROTO, NULL, 0);
		slowfs_fatalx("kernel FUSE protocol %u.%u is too old", in.major, in.minor);
	}
	slowfs_minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor : FUSE_KERNEL_MINOR_VERSION;
	out.minor = slowfs_minor;
	out.max_readahead = in.max_readahead;
	out.flags = 0;
	out.max_write = SLOWFS_MAXWRITE;
	/* The kernel reads the reply as laid out in the minor it asked for. */
	if (slowfs_minor < 5)
		outlen = FUSE_COMPAT_INIT_OUT_SIZE;
	else if (slowfs_minor < 23)
		outlen = FUSE_COMPAT_22_INIT_OUT_SIZE;
	else
		outlen = sizeof(out);
	slowfs_debug("kernel FUSE %u.%u, speaking 7.%u", in.major, in.minor, slowfs_minor);
	slowfs_reply(h->unique, 0, &out, outlen);
}

static void
slowfs_op_lookup(const struct fuse_in_header *h, const void *arg, size_t len)
{
	const struct slowfs_node *dir, *n = NULL;
	const char *name = arg;
	int error = 0;

	/* The name and its terminator, nothing more. */
	if (len == 0 || memchr(name, '\0', len) != name + len - 1) {
		slowfs_warnx("LOOKUP #%" PRIu64 ": malformed name", h->unique);
		slowfs_reply(h->unique, EINVAL, NULL, 0);
		return;
	}
	if ((dir = slowfs_node(h->nodeid)) == NULL)
		error = ENOENT;
	else if (!S_ISDIR(dir->mode))
		error = ENOTDIR;
	else if ((n = slowfs_child(dir->ino, name)) == NULL)
		error = ENOENT;
	if (error) {
		slowfs_debug("LOOKUP \"%s\": %s", name, strerror(error));
		slowfs_reply(h->unique, error, NULL, 0);
		return;
	}
	if (n->slow && !slowfs_gate_open) {
		slowfs_pending_add(h->unique, n);
		slowfs_debug("LOOKUP \"%s\": held, %zu waiting", name, slowfs_npend);
		return;
	}
	slowfs_debug("LOOKUP \"%s\": node %" PRIu64, name, n->ino);
	slowfs_reply_entry(h->unique, n);
}

static void
slowfs_op_getattr(const struct fuse_in_header *h, const void *arg, size_t len)
{
	const struct slowfs_node *n;
	struct fuse_attr_out out;

	(void)arg;
	(void)len;
	if ((n = slowfs_node(h->nodeid)) == NULL) {
		slowfs_reply(h->unique, ENOENT, NULL, 0);
		return;
	}
	memset(&out, 0, sizeof(out));
	slowfs_attr(n, &out.attr);
	slowfs_reply(h->unique, 0, &out,
	    slowfs_minor < 9 ? FUSE_COMPAT_ATTR_OUT_SIZE : sizeof(out));
}

/* OPEN and OPENDIR: no state to keep, file handle 0. */
static void
slowfs_op_open(const struct fuse_in_header *h, const void *arg, size_t len)
{
	const struct slowfs_node *n;
	struct fuse_open_in in;
	struct fuse_open_out out;
	int wantdir = h->opcode == FUSE_OPENDIR, error = 0;

	(void)len;
	memcpy(&in, arg, sizeof(in));
	if ((n = slowfs_node(h->nodeid)) == NULL)
		error = ENOENT;
	else if (wantdir != S_ISDIR(n->mode))
		error = wantdir ? ENOTDIR : EISDIR;
	else if ((in.flags & O_ACCMODE) != O_RDONLY)
		error = EROFS; /* root may try: default_permissions lets it */
	if (error) {
		slowfs_reply(h->unique, error, NULL, 0);
		return;
	}
	memset(&out, 0, sizeof(out));
	slowfs_reply(h->unique, 0, &out, sizeof(out));
}

static void
slowfs_op_read(const struct fuse_in_header *h, const void *arg, size_t len)
{
	const struct slowfs_node *n;
	struct fuse_read_in in;
	size_t size, count = 0;

	(void)len;
	memcpy(&in, arg, offsetof(struct fuse_read_in, lock_owner));
	if ((n = slowfs_node(h->nodeid)) == NULL || n->data == NULL) {
		slowfs_reply(h->unique, n == NULL ? ENOENT : EISDIR, NULL, 0);
		return;
	}
	size = strlen(n->data);
	if (in.offset < size) {
		count = size - in.offset;
		if (count > in.size)
			count = in.size;
	}
	slowfs_reply(h->unique, 0, count ? n->data + in.offset : NULL, count);
}

static void
slowfs_op_readdir(const struct fuse_in_header *h, const void *arg, size_t len)
{
	uint64_t buf[4096 / sizeof(uint64_t)]; /* aligned for fuse_dirent */
	const struct slowfs_node *dir;
	struct fuse_read_in in;
	struct fuse_dirent d;
	const char *name;
	size_t max, used = 0, rec;
	uint64_t idx, ino;
	uint32_t mode;

	(void)len;
	memcpy(&in, arg, offsetof(struct fuse_read_in, lock_owner));
	if ((dir = slowfs_node(h->nodeid)) == NULL || !S_ISDIR(dir->mode)) {
		slowfs_reply(h->unique, dir == NULL ? ENOENT : ENOTDIR, NULL, 0);
		return;
	}
	max = in.size < sizeof(buf) ? in.size : sizeof(buf);
	/*
	 * The offset is the index of the next entry: each record's off
	 * says where to resume after it, so a listing split over several
	 * READDIRs neither skips nor repeats.
	 */
	for (idx = in.offset; (name = slowfs_dirent(dir, idx, &ino, &mode)) != NULL; idx++) {
		rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + strlen(name));
		if (used + rec > max)
			break;
		memset((char *)buf + used, 0, rec);
		d.ino = ino;
		d.off = idx + 1;
		d.namelen = (uint32_t)strlen(name);
		d.type = mode >> 12; /* S_IFMT to DT_*, as in the kernel */
		memcpy((char *)buf + used, &d, FUSE_NAME_OFFSET);
		memcpy((char *)buf + used + FUSE_NAME_OFFSET, name, d.namelen);
		used += rec;
	}
	slowfs_reply(h->unique, 0, used ? buf : NULL, used);
}

static void
slowfs_op_statfs(const struct fuse_in_header *h, const void *arg, size_t len)
{
	struct fuse_statfs_out out;

	(void)arg;
	(void)len;
	memset(&out, 0, sizeof(out));
	out.st.files = SLOWFS_NNODES;
	out.st.bsize = 4096;
	out.st.frsize = 4096;
	out.st.namelen = 255;
	slowfs_reply(h->unique, 0, &out, slowfs_minor < 4 ? FUSE_COMPAT_STATFS_SIZE : sizeof(out));
}

/*
 * The caller of a request got a signal.  A held lookup fails with EINTR
 * now: a killed process waits for that answer in the kernel, unkillable,
 * and would otherwise stay until the gate opens.  Any other request was
 * answered already.  The INTERRUPT itself gets no reply.
 */
static void
slowfs_op_interrupt(const struct fuse_in_header *h, const void *arg, size_t len)
{
	struct fuse_interrupt_in in;
	size_t i;

	(void)h;
	(void)len;
	memcpy(&in, arg, sizeof(in));
	for (i = 0; i < slowfs_npend; i++) {
		if (slowfs_pend[i].unique != in.unique)
			continue;
		slowfs_reply(in.unique, EINTR, NULL, 0);
		slowfs_pend[i] = slowfs_pend[--slowfs_npend];
		slowfs_debug("held #%" PRIu64 " interrupted, %zu waiting", in.unique, slowfs_npend);
		slowfs_waiting_update();
		return;
	}
}

/*
 * One row per operation: the bytes of argument its handler reads (the
 * kernel sends at least these; some structures grew with the minor
 * version), and either a handler or a fixed answer: an errno (0 for
 * success with no data).  SLOWFS_NOREPLY marks the requests the kernel
 * expects no reply to.
 * ENOSYS is remembered by the kernel for most operations (xattrs among
 * them), which then stops asking.  Any other opcode is answered ENOSYS.
 */
#define SLOWFS_NOREPLY (-1)
#define SLOWFS_RDSIZE offsetof(struct fuse_read_in, lock_owner)
static const struct slowfs_op {
	uint32_t opcode;
	const char *name;
	size_t insize;
	void (*fn)(const struct fuse_in_header *, const void *, size_t);
	int fixed;
} slowfs_ops[] = {
	{ FUSE_INIT, "INIT", 8, slowfs_op_init, 0 },
	{ FUSE_LOOKUP, "LOOKUP", 0, slowfs_op_lookup, 0 },
	{ FUSE_GETATTR, "GETATTR", 0, slowfs_op_getattr, 0 },
	{ FUSE_OPEN, "OPEN", sizeof(struct fuse_open_in), slowfs_op_open, 0 },
	{ FUSE_READ, "READ", SLOWFS_RDSIZE, slowfs_op_read, 0 },
	{ FUSE_RELEASE, "RELEASE", 0, NULL, 0 },
	{ FUSE_FLUSH, "FLUSH", 0, NULL, 0 },
	{ FUSE_OPENDIR, "OPENDIR", sizeof(struct fuse_open_in), slowfs_op_open, 0 },
	{ FUSE_READDIR, "READDIR", SLOWFS_RDSIZE, slowfs_op_readdir, 0 },
	{ FUSE_RELEASEDIR, "RELEASEDIR", 0, NULL, 0 },
	{ FUSE_STATFS, "STATFS", 0, slowfs_op_statfs, 0 },
	{ FUSE_ACCESS, "ACCESS", 0, NULL, 0 },
	{ FUSE_GETXATTR, "GETXATTR", 0, NULL, ENOSYS },
	{ FUSE_LISTXATTR, "LISTXATTR", 0, NULL, ENOSYS },
	/* The nodes are static: nothing to forget. */
	{ FUSE_FORGET, "FORGET", 0, NULL, SLOWFS_NOREPLY },
	{ FUSE_BATCH_FORGET, "BATCH_FORGET", 0, NULL, SLOWFS_NOREPLY },
	{ FUSE_INTERRUPT, "INTERRUPT", sizeof(struct fuse_interrupt_in), slowfs_op_interrupt,
	    SLOWFS_NOREPLY },
	{ FUSE_DESTROY, "DESTROY", 0, NULL, 0 },
};

/* Read one request from /dev/fuse and handle it. */
static void
slowfs_serve(void)
{
	/* FUSE_MIN_READ_BUFFER + max_write at least; aligned for memcpy. */
	static uint64_t buf[(1 << 20) / sizeof(uint64_t)];
	const struct slowfs_op *op = NULL;
	struct fuse_in_header h;
	size_t i, len, ext;
	ssize_t n;

	if ((n = read(slowfs_fd, buf, sizeof(buf))) == -1) {
		/*
		 * EAGAIN: the request that poll saw was withdrawn by its
		 * caller's signal (non-blocking, so that this cannot stall
		 * the loop); ENOENT: it was interrupted while being read.
		 */
		if (errno == ENOENT || errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ENODEV || errno == ECONNABORTED) {
			slowfs_gone = 1;
			return;
		}
		slowfs_fatal("read /dev/fuse");
	}
	/* The kernel's framing: a broken one is a bug, not a client's. */
	if ((size_t)n < sizeof(h))
		slowfs_fatalx("read /dev/fuse: %zd bytes, short of a header", n);
	memcpy(&h, buf, sizeof(h));
	ext = (size_t)h.total_extlen * 8;
	if (h.len != (size_t)n || ext > (size_t)n - sizeof(h))
		slowfs_fatalx("read /dev/fuse: %zd bytes, header says %u + %zu "
			      "of extensions",
		    n, h.len, ext);
	len = (size_t)n - sizeof(h) - ext;
	for (i = 0; i < sizeof(slowfs_ops) / sizeof(slowfs_ops[0]); i++)
		if (slowfs_ops[i].opcode == h.opcode)
			op = &slowfs_ops[i];
	if (op == NULL) {
		slowfs_debug("opcode %u #%" PRIu64 " node %" PRIu64 ": ENOSYS", h.opcode, h.unique,
		    h.nodeid);
		slowfs_reply(h.unique, ENOSYS, NULL, 0);
		return;
	}
	slowfs_debug("%s #%" PRIu64 " node %" PRIu64 " pid %u uid %u", op->name, h.unique, h.nodeid,
	    h.pid, h.uid);
	if (len < op->insize) {
		slowfs_warnx("%s #%" PRIu64 ": %zu bytes of argument, want %zu", op->name, h.unique,
		    len, op->insize);
		if (op->fixed != SLOWFS_NOREPLY)
			slowfs_reply(h.unique, EINVAL, NULL, 0);
		return;
	}
	if (op->fn != NULL)
		op->fn(&h, (const char *)buf + sizeof(h), len);
	else if (op->fixed != SLOWFS_NOREPLY)
		slowfs_reply(h.unique, op->fixed, NULL, 0);
}

static void __attribute__((noreturn)) slowfs_usage(void)
{
	fprintf(stderr, "usage: slowfs [-v] [-i] MOUNTPOINT GATE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	struct stat st;
	char opts[256];
	sigset_t set;
	int ch, sfd;

	while ((ch = getopt(argc, argv, "+vi")) != -1) {
		if (ch == 'v')
			slowfs_verbose = 1;
		else if (ch == 'i')
			slowfs_fold = 1;
		else
			slowfs_usage();
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		slowfs_usage();
	slowfs_gate = argv[1];
	/* The temporary name is the longer: it fits, both fit. */
	snprintf(slowfs_waiting, sizeof(slowfs_waiting), "%s.waiting", slowfs_gate);
	if ((size_t)snprintf(slowfs_waiting_tmp, sizeof(slowfs_waiting_tmp), "%s.waiting.tmp",
		slowfs_gate) >= sizeof(slowfs_waiting_tmp)) {
		fprintf(stderr, "slowfs: %s: path too long\n", slowfs_gate);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr,
		    "slowfs: must run as root (euid %u): mount(2) "
		    "of a fuse file system needs CAP_SYS_ADMIN\n",
		    geteuid());
		return SLOWFS_EXIT_SKIP;
	}
	/*
	 * Non-blocking: poll may report a request that its caller's
	 * signal withdraws before read; a blocking read would then stall
	 * the gate checks and the signals until some other request came.
	 */
	slowfs_fd = open("/dev/fuse", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (slowfs_fd == -1) {
		slowfs_warn("open /dev/fuse");
		return SLOWFS_EXIT_SKIP;
	}
	/*
	 * Blocked before the mount, so that a SIGTERM from a test that
	 * gives up early cannot kill slowfs between mount and loop and
	 * leave a dead mount.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		slowfs_fatal("sigprocmask");
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		slowfs_fatal("signalfd");
	slowfs_start = time(NULL);
	/* A file left by an earlier run that was killed is not ours. */
	if (unlink(slowfs_waiting) == -1 && errno != ENOENT)
		slowfs_fatal("unlink %s", slowfs_waiting);

	/* allow_other: workers run as other users (nobody) than root. */
	snprintf(opts, sizeof(opts),
	    "fd=%d,rootmode=40000,user_id=0,"
	    "group_id=0,allow_other,default_permissions",
	    slowfs_fd);
	if (mount("slowfs", argv[0], "fuse", MS_NOSUID | MS_NODEV, opts) == -1) {
		ch = errno;
		slowfs_warn("mount %s", argv[0]);
		/* No privilege or no FUSE here (a container): skip. */
		return ch == EPERM || ch == ENODEV ? SLOWFS_EXIT_SKIP : 1;
	}
	slowfs_mnt = argv[0];
	/* The kernel's FUSE_INIT is queued: callers wait for it, not fail. */
	printf("slowfs: mounted on %s\n", slowfs_mnt);
	fflush(stdout);

	pfd[0].fd = slowfs_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	while (!slowfs_gone) {
		if (!slowfs_gate_open && access(slowfs_gate, F_OK) == 0) {
			slowfs_debug("gate %s is open", slowfs_gate);
			slowfs_gate_open = 1;
			slowfs_pending_release(0);
			continue;
		}
		if (poll(pfd, 2, SLOWFS_POLL_MS) == -1) {
			if (errno == EINTR)
				continue;
			slowfs_fatal("poll");
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				slowfs_fatal("read signalfd");
			slowfs_debug("%s: unmounting", strsignal((int)si.ssi_signo));
			slowfs_pending_release(EIO);
			slowfs_exit(0);
		}
		/* POLLERR: the connection is gone; read says ENODEV. */
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP))
			slowfs_serve();
	}
	/*
	 * Unmounted, and then another file system may be mounted there
	 * since: leave it.  Or aborted (through /sys/fs/fuse/connections),
	 * which leaves the mount in place, dead: ENOTCONN, to detach.
	 */
	if (stat(slowfs_mnt, &st) == 0 || errno != ENOTCONN)
		slowfs_mnt = NULL;
	slowfs_debug("connection %s", slowfs_mnt ? "aborted" : "unmounted");
	slowfs_exit(0);
}
