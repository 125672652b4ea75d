/*
 * audit_sink.c: where records go (see audit.h and docs/audit.md): a file
 * or stderr, syslog, the systemd journal, or the denial lines of a broker
 * without --audit.  Formatting is audit.c's (pure); this file only writes.
 *
 * Every sink fails closed: audit_write() reports any record that did not
 * reach the kernel whole, and the broker then denies.  Nothing here retries
 * in a loop or drops a record quietly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <dlfcn.h>

#include "audit.h"
#include "audit_chain.h"
#include "sha256.h"

enum sink_kind { SINK_FD, SINK_SYSLOG, SINK_JOURNAL };

struct audit {
	enum sink_kind kind;
	enum audit_style style;	  /* SINK_FD: JSON lines or denial lines */
	int fd;			  /* SINK_FD, SINK_SYSLOG; -1 for the journal */
	int is_file;		  /* SINK_FD on a regular file */
	int by_name;		  /* a file opened by name: audit_reopen() reopens it */
	unsigned flags;		  /* AUDIT_SYNC */
	int torn;		  /* the last write was short: the file ends mid-line */
	int64_t torn_bytes;	  /* how much of that line was written */
	int dirty;		  /* AUDIT_SYNC: written since the last audit_sync() */
	int sync_err;		  /* an fdatasync() failed: every later audit_sync()
				   * fails too (a second fdatasync() may succeed
				   * although the data was lost) */
	int failed;		  /* the last write to this sink failed */
	int chained;		  /* SINK_FD, AUDIT_JSON: every line sealed */
	int ended;		  /* its close record was written: no more */
	struct audit_chain chain; /* what its next line is sealed with */
	char *name;		  /* for messages */
	struct sockaddr_un addr;  /* SINK_SYSLOG: where to reconnect */
	pthread_mutex_t lock;
	struct audit *next;
};

/* How long a syslog daemon may keep the broker waiting for one record. */
#define SYSLOG_SEND_TIMEOUT_S 2

static int
sink_new(enum sink_kind kind, enum audit_style style, int fd, const char *name, struct audit **out)
{
	struct audit *a;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	if ((a->name = strdup(name)) == NULL) {
		free(a);
		return -1;
	}
	if ((errno = pthread_mutex_init(&a->lock, NULL)) != 0) {
		free(a->name);
		free(a);
		return -1;
	}
	a->kind = kind;
	a->style = style;
	a->fd = fd;
	*out = a;
	return 0;
}

struct tail;
static int chain_start(struct audit *a, const struct tail *t);
static int write_fd(struct audit *a, int fd, char *buf, size_t n, size_t size);

/* One sink, not chained to others: its descriptor closed, its key wiped. */
static void
sink_free(struct audit *a)
{
	if (a->fd != -1)
		close(a->fd);
	audit_chain_wipe(&a->chain);
	pthread_mutex_destroy(&a->lock);
	free(a->name);
	free(a);
}

static int
is_regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

int
audit_open_fd(int fd, enum audit_style style, struct audit **out)
{
	*out = NULL;
	if (style != AUDIT_JSON && style != AUDIT_DENIALS) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0 || fcntl(fd, F_GETFD) == -1) {
		errno = EBADF;
		return -1;
	}
	if (sink_new(SINK_FD, style, fd, fd == STDERR_FILENO ? "stderr" : "descriptor", out) == -1)
		return -1;
	(*out)->is_file = is_regular(fd);
	if (style == AUDIT_JSON && chain_start(*out, NULL) == -1) {
		/* fd is the caller's again. */
		(*out)->fd = -1;
		sink_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * Write the n buffers of iov in one writev(2), which O_APPEND puts at the
 * end of a file in one piece, as it does a write(2).  Returns what writev(2)
 * does; EINTR is retried.
 */
static ssize_t
write_once(int fd, const struct iovec *iov, int n)
{
	ssize_t w;

	do
		w = writev(fd, iov, n);
	while (w == -1 && errno == EINTR);
	return w;
}

/*
 * write_once() of the n buffers of iov, total bytes in all; after a short
 * write (the file size limit, RLIMIT_FSIZE, which the broker ignores
 * SIGXFSZ for, or a full disk), one more write of the rest, only to learn
 * why: its error (EFBIG, ENOSPC) names the cause, or it completes what
 * was asked.  Returns the bytes written by both, with errno set when short
 * (the second write's error, else EIO); -1 with errno when the first wrote
 * nothing.  iov is used up.
 */
static ssize_t
write_rest(int fd, struct iovec *iov, int n, size_t total)
{
	size_t done, skip;
	ssize_t w, r;

	if ((w = write_once(fd, iov, n)) == -1)
		return -1;
	done = (size_t)w;
	if (done >= total)
		return w;
	for (skip = done; n > 0 && skip >= iov->iov_len; n--, iov++)
		skip -= iov->iov_len;
	iov->iov_base = (char *)iov->iov_base + skip;
	iov->iov_len -= skip;
	if ((r = write_once(fd, iov, n)) > 0)
		done += (size_t)r;
	if (done < total && r >= 0)
		errno = EIO;
	return (ssize_t)done;
}

/*
 * Read n bytes at off into buf with lseek(2) and read(2): pread64 is not
 * among the calls a confined broker makes (confine.c), and a reopen on
 * SIGHUP comes after confinement.  Returns 0, or -1 with errno (EIO when
 * the file ended early).
 */
static int
read_at(int fd, off_t off, char *buf, size_t n)
{
	ssize_t r;

	if (lseek(fd, off, SEEK_SET) == -1)
		return -1;
	while (n > 0) {
		r = read(fd, buf, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* How a file ended when it was opened: what its open record says. */
struct tail {
	int torn;      /* inside a line */
	int64_t bytes; /* that line's length; -1: longer than a record */
	int has_after; /* after is the SHA-256 of its last line */
	unsigned char after[SHA256_LEN];
};

/*
 * Read how the file of size bytes ends into t: whether it ends inside a
 * line (a torn one), and the SHA-256 of its last line, whole or torn
 * (newline excluded), when that line is no longer than a record.  Returns
 * 0, or -1 with errno.
 */
static int
read_tail(int fd, off_t size, struct tail *t)
{
	size_t n = size > AUDIT_RECORD_MAX + 2 ? AUDIT_RECORD_MAX + 2 : (size_t)size;
	char *buf, *end, *start;

	memset(t, 0, sizeof(*t));
	t->bytes = -1;
	if (n == 0)
		return 0;
	if ((buf = malloc(n)) == NULL)
		return -1;
	if (read_at(fd, size - (off_t)n, buf, n) == -1) {
		free(buf);
		return -1;
	}
	end = buf + n;
	if (end[-1] == '\n')
		end--;
	else
		t->torn = 1;
	if ((start = memrchr(buf, '\n', (size_t)(end - buf))) != NULL)
		start++;
	else if ((off_t)n == size)
		start = buf; /* the file's only line */
	if (start != NULL) {
		sha256(start, (size_t)(end - start), t->after);
		t->has_after = 1;
		if (t->torn)
			t->bytes = end - start;
	}
	free(buf);
	return 0;
}

/*
 * The audit file's descriptor, opened as audit.h says, and how it ended in
 * *t (all 0 when it could not be read); -1 with errno.  Nothing is written
 * here: the open record, which ends a torn last line, is the sink's.
 */
static int
open_file_fd(const char *dest, struct tail *t)
{
	struct stat st;
	int fd, fl, saved, rd = 1;

	memset(t, 0, sizeof(*t));
	/*
	 * O_NOFOLLOW: the broker runs as root and must not be led to append
	 * to another file through a planted link.  O_NONBLOCK so that opening
	 * a FIFO never stalls (it is refused below).  O_RDWR to check the
	 * file's end.
	 */
	fl = O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	fd = open(dest, O_RDWR | fl, 0600);
	if (fd == -1 && errno == EACCES) {
		fd = open(dest, O_WRONLY | fl, 0600);
		rd = 0;
	}
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	if (rd && read_tail(fd, st.st_size, t) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* A newline that ends a torn line, then the torn marker (its line, "}\n"
 * last, room left for its seal), into m; its length. */
#define TORN_END_MAX (1 + AUDIT_TORN_MAX + AUDIT_CHAIN_TAIL_MAX)
static size_t
torn_end(char m[TORN_END_MAX], enum audit_torn_cause cause, int64_t bytes)
{
	struct timespec now;
	ssize_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	m[0] = '\n';
	n = audit_format_torn(&now, getpid(), cause, bytes, m + 1, TORN_END_MAX - 1);
	/* AUDIT_TORN_MAX holds any marker; without it, the newline alone
	 * still keeps the next record off the torn line. */
	return n > 0 ? (size_t)n + 1 : 1;
}

/*
 * Begin the sink's chain on fd: a new chain (keyed when audit_key_load()
 * gave a key), or the one it has, gone on (reopen).  Its open record,
 * after a newline that ends a torn last line, in one write(2) (and one
 * more for the rest after a short one, write_rest()); the chain moves on
 * only when it was taken whole.  0, or -1 with errno (the cause of a short
 * write, EFBIG or ENOSPC, else EIO).
 */
static int
write_open(struct audit *a, int fd, int reopen, const struct tail *t)
{
	char buf[1 + AUDIT_OPEN_MAX + AUDIT_CHAIN_TAIL_MAX];
	struct audit_chain work = a->chain;
	struct audit_open info;
	struct timespec now;
	struct iovec iov;
	ssize_t n, w;
	size_t k = 0;

	memset(&info, 0, sizeof(info));
	info.reopen = reopen;
	info.key_id = work.keyed ? work.key_id : NULL;
	info.prev = work.seq > 0 ? work.last : NULL;
	info.after = t->has_after ? t->after : NULL;
	info.torn = t->torn;
	info.torn_bytes = t->bytes;
	if (t->torn)
		buf[k++] = '\n';
	clock_gettime(CLOCK_REALTIME, &now);
	if ((n = audit_format_open(&now, getpid(), &info, buf + k, sizeof(buf) - k)) < 0 ||
	    (n = audit_chain_seal(&work, buf + k, (size_t)n, sizeof(buf) - k)) < 0) {
		audit_chain_wipe(&work);
		return -1;
	}
	iov.iov_base = buf;
	iov.iov_len = k + (size_t)n;
	if ((w = write_rest(fd, &iov, 1, k + (size_t)n)) == -1 || (size_t)w != k + (size_t)n) {
		audit_chain_wipe(&work);
		return -1;
	}
	audit_chain_wipe(&a->chain);
	a->chain = work;
	audit_chain_wipe(&work);
	return 0;
}

/*
 * A sink of its own chain: new, keyed by the master key when one was
 * loaded; its open record written to its descriptor (t: how a file ended,
 * NULL for a descriptor that is not read).  0, or -1 with errno.
 */
static int
chain_start(struct audit *a, const struct tail *t)
{
	const unsigned char *master;
	struct tail none;
	size_t mlen;

	master = audit_key_master(&mlen);
	if (audit_chain_new(&a->chain, master, mlen) == -1)
		return -1;
	a->chained = 1;
	if (t == NULL) {
		memset(&none, 0, sizeof(none));
		t = &none;
	}
	return write_open(a, a->fd, 0, t);
}

static int
open_file(const char *dest, unsigned flags, struct audit **out)
{
	struct tail t;
	int fd, saved;

	if ((fd = open_file_fd(dest, &t)) == -1)
		return -1;
	if (sink_new(SINK_FD, AUDIT_JSON, fd, dest, out) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	(*out)->is_file = 1;
	(*out)->by_name = 1;
	(*out)->flags = flags;
	if (chain_start(*out, &t) == -1) {
		saved = errno;
		sink_free(*out);
		*out = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

static int
syslog_connect(const struct sockaddr_un *sa)
{
	struct timeval tv = { SYSLOG_SEND_TIMEOUT_S, 0 };
	int fd, saved;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* A daemon that stops reading must not stall the broker for good:
	 * after the timeout the send fails (EAGAIN) and the broker denies. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
audit_open_syslog(const char *sockpath, struct audit **out)
{
	struct sockaddr_un sa;
	int fd, saved;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, sockpath, strlen(sockpath));
	if ((fd = syslog_connect(&sa)) == -1)
		return -1;
	if (sink_new(SINK_SYSLOG, AUDIT_JSON, fd, "syslog", out) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	(*out)->addr = sa;
	return 0;
}

/*
 * The journal sink takes sd_journal_sendv() from libsystemd, loaded with
 * dlopen() when a journal sink is opened (before the broker confines
 * itself) rather than linked: linking it made every `filebroker run` load
 * and relocate libsystemd and the five libraries it needs (lzma, zstd, lz4,
 * gcrypt, gpg-error), a tenth of the start-up, for a sink few use.  Its
 * ABI has been stable since libsystemd.so.0 (systemd 209).
 */
typedef int (*sendv_fn)(const struct iovec *iov, int n);
static sendv_fn journal_sendv;

/*
 * sd_journal_sendv() returns success when journald's socket does not exist
 * ("fail silently if the journal is not available"): a dropped record the
 * broker must not take for a written one.  So the socket is looked for
 * before each record, and a journal that is gone fails closed.
 */
static int
journal_present(void)
{
	struct stat st;

	if (stat(AUDIT_JOURNAL_PATH, &st) == -1)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -1;
	}
	return 0;
}

/* 0 once sd_journal_sendv() is at hand; -1 with ENOSYS without libsystemd. */
static int
journal_load(void)
{
	void *h;

	if (journal_sendv != NULL)
		return 0;
	if ((h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (journal_sendv = (sendv_fn)(uintptr_t)dlsym(h, "sd_journal_sendv")) == NULL) {
		if (h != NULL)
			dlclose(h);
		errno = ENOSYS;
		return -1;
	}
	/* Kept loaded for the broker's life. */
	return 0;
}

static int
open_journal(struct audit **out)
{
	char msg[64];
	struct iovec iov[5];
	int r, i = 0;

	/*
	 * sd_journal_sendv() opens its socket lazily, on the first record,
	 * when the broker may already have confined itself (confine.c): one
	 * entry now opens it, and checks journald takes entries.
	 */
	*out = NULL;
	if (journal_load() == -1 || journal_present() == -1)
		return -1;
	snprintf(msg, sizeof(msg), "MESSAGE=audit records of broker %d follow", (int)getpid());
	iov[i].iov_base = msg, iov[i++].iov_len = strlen(msg);
	iov[i].iov_base = (void *)"PRIORITY=6", iov[i++].iov_len = 10;
	iov[i].iov_base = (void *)"SYSLOG_IDENTIFIER=filebroker", iov[i++].iov_len = 28;
	iov[i].iov_base = (void *)"SYSLOG_FACILITY=10", iov[i++].iov_len = 18;
	iov[i].iov_base = (void *)"FILEBROKER_EVENT=start", iov[i++].iov_len = 22;
	if ((r = journal_sendv(iov, i)) < 0) {
		errno = -r;
		return -1;
	}
	return sink_new(SINK_JOURNAL, AUDIT_JSON, -1, "journal", out);
}

/* The N of "/dev/fd/N", or -1 when dest is not that. */
static int
fd_number(const char *dest)
{
	const char *p = dest + sizeof(AUDIT_FD_PREFIX) - 1;
	long v = 0;

	if (strncmp(dest, AUDIT_FD_PREFIX, sizeof(AUDIT_FD_PREFIX) - 1) != 0 || *p == '\0' ||
	    (p[0] == '0' && p[1] != '\0'))
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (*p - '0')) > INT_MAX)
			return -1;
	}
	return (int)v;
}

int
audit_open_flags(const char *dest, unsigned flags, struct audit **out)
{
	int fd, n, saved;

	*out = NULL;
	if (dest == NULL || *dest == '\0' || (flags & ~AUDIT_SYNC) != 0) {
		errno = EINVAL;
		return -1;
	}
	/* Session ids are made from it, also once the broker is confined. */
	if (audit_session_seed() == -1)
		return -1;
	if (strcmp(dest, "syslog") == 0)
		return audit_open_syslog(AUDIT_SYSLOG_PATH, out);
	if (strcmp(dest, "journal") == 0)
		return open_journal(out);
	if ((n = strcmp(dest, "-") == 0 ? STDERR_FILENO : fd_number(dest)) == -1)
		return open_file(dest, flags, out);
	/*
	 * A duplicate, so that audit_close() leaves the descriptor open; the
	 * one given is taken as it is (a pipe, a terminal, a file), never
	 * reopened by its name in /dev/fd, which is a symlink.
	 */
	if ((fd = fcntl(n, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if (sink_new(SINK_FD, AUDIT_JSON, fd,
		n == STDERR_FILENO && dest[0] == '-' ? "stderr" : dest, out) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	(*out)->is_file = is_regular(fd);
	if (chain_start(*out, NULL) == -1) {
		saved = errno;
		sink_free(*out);
		*out = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

/* What a descriptor is, for messages. */
static const char *
kind_name(const struct stat *st)
{
	return S_ISFIFO(st->st_mode) ? "pipe" :
	    S_ISSOCK(st->st_mode)    ? "socket" :
	    S_ISCHR(st->st_mode)     ? "device" :
				       "file";
}

static const char *
stdio_name(int fd)
{
	return fd == STDIN_FILENO ? "standard input" :
	    fd == STDOUT_FILENO	  ? "standard output" :
	    fd == STDERR_FILENO	  ? "standard error" :
				    "descriptor";
}

int
audit_check_unshared(const struct audit *a, const int *fds, size_t n, char *msg, size_t size)
{
	struct stat s, w;
	size_t i;

	for (; a != NULL; a = a->next) {
		/*
		 * A terminal is a view for the person at it, who sees the
		 * worker's output there anyway; anything else (a file, a
		 * pipe, a socket) carries the bytes on to a file or a program
		 * that cannot tell the worker's lines from the broker's.
		 */
		if (a->kind != SINK_FD || fstat(a->fd, &s) == -1 || isatty(a->fd))
			continue;
		for (i = 0; i < n; i++) {
			if (fstat(fds[i], &w) == -1 || w.st_dev != s.st_dev || w.st_ino != s.st_ino)
				continue;
			snprintf(msg, size,
			    "audit %s: the worker's %s is the same %s: it could write lines "
			    "there that look like records.  Give the records a file or "
			    "descriptor of their own (--audit FILE, or --audit /dev/fd/N with N "
			    "open on another file or pipe, e.g. 3>&1 >OUT), or use syslog or "
			    "journal; --audit - is for a terminal",
			    strcmp(a->name, "stderr") == 0 ? "-" : a->name, stdio_name(fds[i]),
			    kind_name(&s));
			errno = EEXIST;
			return -1;
		}
	}
	return 0;
}

int
audit_open(const char *dest, struct audit **out)
{
	return audit_open_flags(dest, 0, out);
}

void
audit_chain(struct audit **head, struct audit *a)
{
	while (*head != NULL)
		head = &(*head)->next;
	*head = a;
}

const char *
audit_name(const struct audit *a)
{
	return a->name;
}

const char *
audit_failed(const struct audit *a)
{
	for (; a != NULL; a = a->next)
		if (a->failed)
			return a->name;
	return NULL;
}

int
audit_reopen(struct audit *a, void (*report)(const char *name, int err, void *arg), void *arg)
{
	struct tail t;
	int r = 0, saved = 0, fd, old, e;

	for (; a != NULL; a = a->next) {
		if (!a->by_name)
			continue;
		/*
		 * The new file first, outside the lock: a file that does not
		 * open leaves the sink on its old descriptor, so no record
		 * is lost to a failed rotation.  The swap itself is under
		 * the lock, so every record is written whole to one file or
		 * the other, never split between them.
		 */
		if ((fd = open_file_fd(a->name, &t)) == -1) {
			if (r == 0) {
				saved = errno;
				r = -1;
			}
			if (report != NULL)
				report(a->name, errno, arg);
			continue;
		}
		pthread_mutex_lock(&a->lock);
		if (a->ended) {
			pthread_mutex_unlock(&a->lock);
			close(fd);
			continue;
		}
		/* Records not synced yet are in the old file: sync them there
		 * (the event loop syncs before every reply, so this is for
		 * callers that do not). */
		if (a->dirty && fdatasync(a->fd) == 0)
			a->dirty = 0;
		/* A tear is the old file's: ended there if it can be, so
		 * that the rotated file ends with a whole line.  The new one
		 * is ended by its open record. */
		if (a->torn)
			(void)write_fd(a, a->fd, NULL, 0, 0);
		/* The chain goes on in the new file: its open record names
		 * the last line of the old one.  Only once it is there does
		 * the sink switch. */
		if (a->chained && write_open(a, fd, 1, &t) == -1) {
			e = errno;
			pthread_mutex_unlock(&a->lock);
			close(fd);
			if (r == 0) {
				saved = e;
				r = -1;
			}
			if (report != NULL)
				report(a->name, e, arg);
			continue;
		}
		old = a->fd;
		a->fd = fd;
		a->torn = 0;
		pthread_mutex_unlock(&a->lock);
		close(old);
		if (report != NULL)
			report(a->name, 0, arg);
	}
	if (r == -1)
		errno = saved;
	return r;
}

int
audit_end(struct audit *a)
{
	char buf[AUDIT_OPEN_MAX + AUDIT_CHAIN_TAIL_MAX];
	struct timespec now;
	int r = 0, saved = 0, w;
	ssize_t n;

	for (; a != NULL; a = a->next) {
		pthread_mutex_lock(&a->lock);
		if (a->chained && !a->ended) {
			clock_gettime(CLOCK_REALTIME, &now);
			n = audit_format_close(&now, getpid(), buf, AUDIT_OPEN_MAX);
			w = n < 0 ? -1 : write_fd(a, a->fd, buf, (size_t)n, sizeof(buf));
			if (w == 0 && (a->flags & AUDIT_SYNC) && fdatasync(a->fd) == -1)
				w = -1;
			if (w == -1 && r == 0) {
				saved = errno;
				r = -1;
			}
			/* Nothing more is sealed: the key goes. */
			a->ended = 1;
			audit_chain_wipe(&a->chain);
		}
		pthread_mutex_unlock(&a->lock);
	}
	if (r == -1)
		errno = saved;
	return r;
}

void
audit_anchors(const struct audit *a, void (*fn)(const char *name, const char *anchor, void *arg),
    void *arg)
{
	char anchor[AUDIT_ANCHOR_MAX], hex[AUDIT_DIGEST_HEX + 1];

	for (; a != NULL; a = a->next) {
		pthread_mutex_lock((pthread_mutex_t *)&a->lock);
		if (a->chained && a->chain.seq > 0) {
			sha256_hex(a->chain.last, sizeof(a->chain.last), hex);
			snprintf(anchor, sizeof(anchor), "%s:%llu:%s", a->chain.id,
			    (unsigned long long)(a->chain.seq - 1), hex);
		} else
			anchor[0] = '\0';
		pthread_mutex_unlock((pthread_mutex_t *)&a->lock);
		if (anchor[0] != '\0')
			fn(a->name, anchor, arg);
	}
}

void
audit_close(struct audit *a)
{
	struct audit *next;

	audit_end(a);
	for (; a != NULL; a = next) {
		next = a->next;
		sink_free(a);
	}
}

/*
 * Has the file fd lost its last name?  Its link count alone is asked, with
 * statx(2): fstat(2) asks for its times too, and on a file system with
 * fine-grained timestamps (ext4, XFS, btrfs, tmpfs: Linux 6.13) a file
 * whose times were asked gets new ones, its inode dirtied, at its next
 * write, where it would otherwise keep the coarse ones it has: that made
 * every record's write(2) twice as dear (0.9 µs more, docs/bench.md).
 * Where statx cannot say, fstat does.
 */
static int
unlinked(int fd)
{
	struct statx sx;
	struct stat st;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_NLINK, &sx) == 0 && (sx.stx_mask & STATX_NLINK))
		return sx.stx_nlink == 0;
	return fstat(fd, &st) == 0 && st.st_nlink == 0;
}

/*
 * One writev(2) to fd (the sink's, or the one it leaves on SIGHUP) of the
 * line buf[0..n) (NULL: none), size bytes of room, and after a short one
 * one more for the rest (write_rest()); after a short write, preceded by
 * the newline and the torn marker that end the torn line (audit.h).  A
 * chained sink seals each line (room for the seal is AUDIT_SEAL_ROOM, else
 * ENOBUFS before anything is written), and its chain moves on past each
 * line written whole, newline included, by the two writes together, and
 * no further: a line cut short is no line of the chain, and the next takes
 * its seq.  0, or -1 with errno (a short write's cause, else EIO).
 */
static int
write_fd(struct audit *a, int fd, char *buf, size_t n, size_t size)
{
	char m[TORN_END_MAX];
	struct audit_chain work, after[2];
	struct iovec iov[2];
	size_t mlen = 0, end[2], total, done;
	ssize_t w, sn;
	int k = 0, np = 0, i, ret = 0;

	if (a->ended) {
		errno = EBADF; /* nothing after the close record */
		return -1;
	}
	memset(&work, 0, sizeof(work));
	if (a->chained)
		work = a->chain;
	if (a->torn) {
		/* Denial lines are for people: the newline alone. */
		mlen = a->style == AUDIT_JSON ? torn_end(m, AUDIT_TORN_WRITE, a->torn_bytes) : 1;
		m[0] = '\n';
		if (a->chained && mlen > 1) {
			if ((sn = audit_chain_seal(&work, m + 1, mlen - 1, sizeof(m) - 1)) < 0)
				goto fail;
			mlen = 1 + (size_t)sn;
			after[np] = work;
			end[np++] = mlen;
		}
		iov[k].iov_base = m;
		iov[k++].iov_len = mlen;
	}
	if (buf != NULL) {
		if (a->chained) {
			if ((sn = audit_chain_seal(&work, buf, n, size)) < 0)
				goto fail;
			n = (size_t)sn;
			after[np] = work;
			end[np++] = mlen + n;
		}
		iov[k].iov_base = buf;
		iov[k++].iov_len = n;
	} else
		n = 0;
	total = mlen + n;
	if ((w = write_rest(fd, iov, k, total)) == -1)
		goto fail;
	done = (size_t)w;
	/* Each line written whole, newline included, joins the chain. */
	for (i = 0; i < np; i++) {
		if (done >= end[i]) {
			audit_chain_wipe(&a->chain);
			a->chain = after[i];
		}
	}
	if (done < total) {
		/* Torn now is what followed the last newline written; nothing
		 * written leaves the old tear as it was. */
		if (done > 0) {
			a->torn = 1;
			a->torn_bytes = mlen == 0 ? done : done >= mlen ? done - mlen : done - 1;
		}
		goto fail;
	}
	a->torn = 0;
	if (!a->is_file || fd != a->fd)
		goto out;
	/*
	 * A file removed under the broker still takes writes, into an inode
	 * nobody can read again: that is a lost record, so it fails closed.
	 * (A file renamed away, as log rotation does, keeps its link and is
	 * still written to until audit_reopen(); see docs/audit.md.)
	 */
	if (unlinked(a->fd)) {
		errno = ENOENT;
		goto fail;
	}
	if (a->flags & AUDIT_SYNC)
		a->dirty = 1;
	goto out;
fail:
	ret = -1;
out:
	/* Keys of lines to come: only the sink's own copy stays. */
	i = errno;
	audit_chain_wipe(&work);
	audit_chain_wipe(&after[0]);
	audit_chain_wipe(&after[1]);
	errno = i;
	return ret;
}

static int
send_syslog(struct audit *a, const char *buf, size_t n)
{
	int tries, fd;
	ssize_t w;

	for (tries = 0; tries < 2; tries++) {
		do
			w = send(a->fd, buf, n, MSG_NOSIGNAL);
		while (w == -1 && errno == EINTR);
		if (w >= 0)
			return (size_t)w == n ? 0 : (errno = EIO, -1);
		/* The daemon restarted: its socket is a new one.  Once. */
		if (tries > 0 || (errno != ECONNREFUSED && errno != ENOTCONN))
			return -1;
		if ((fd = syslog_connect(&a->addr)) == -1)
			return -1;
		close(a->fd);
		a->fd = fd;
	}
	return -1;
}

static int
send_journal(const struct audit_event *ev, char *buf, size_t size)
{
	struct iovec iov[AUDIT_JOURNAL_FIELDS + 1];
	int n, r;

	if ((n = audit_format_journal(ev, buf, size, iov)) < 0)
		return -1;
	if (journal_present() == -1)
		return -1;
	if ((r = journal_sendv(iov, n)) < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

/* Write to one sink, formatting into buf (size bytes); -1 with ENOBUFS
 * when the record does not fit there. */
static int
sink_write(struct audit *a, const struct audit_event *ev, char *buf, size_t size)
{
	ssize_t n;

	switch (a->kind) {
	case SINK_FD:
		n = a->style == AUDIT_JSON ? audit_format(ev, buf, size) :
					     audit_format_denial(ev, buf, size);
		if (n <= 0)
			return n == 0 ? 0 : -1; /* 0: not a denial */
		return write_fd(a, a->fd, buf, (size_t)n, size);
	case SINK_SYSLOG:
		if ((n = audit_format_syslog(ev, getpid(), buf, size)) < 0)
			return -1;
		return send_syslog(a, buf, (size_t)n);
	case SINK_JOURNAL:
		return send_journal(ev, buf, size);
	}
	errno = EINVAL;
	return -1;
}

int
audit_needs_sync(const struct audit *a)
{
	for (; a != NULL; a = a->next)
		if ((a->flags & AUDIT_SYNC) && a->is_file)
			return 1;
	return 0;
}

int
audit_sync(struct audit *a)
{
	int r = 0, saved = 0, e;

	for (; a != NULL; a = a->next) {
		if (!(a->flags & AUDIT_SYNC))
			continue;
		pthread_mutex_lock(&a->lock);
		e = 0;
		if (a->sync_err == 0 && a->dirty) {
			do
				e = fdatasync(a->fd);
			while (e == -1 && errno == EINTR);
			if (e == -1)
				a->sync_err = errno;
			else
				a->dirty = 0;
		}
		if (a->sync_err != 0) {
			a->failed = 1;
			if (r == 0) {
				saved = a->sync_err;
				r = -1;
			}
		}
		pthread_mutex_unlock(&a->lock);
	}
	if (r == -1)
		errno = saved;
	return r;
}

/* The index of the event's decision in a session's counts (audit.h). */
static int
decision_index(const struct audit_event *ev)
{
	if (ev->rule == NULL)
		return 3;
	if (ev->allowed)
		return 0;
	return ev->waived ? 2 : 1;
}

int
audit_write(struct audit *a, const struct audit_event *ev)
{
	/* Most records fit here; a worst case of paths goes to the heap. */
	char stack[8192], *heap = NULL;
	int r = 0, saved = 0, w;

	/* A change is counted once, by its outcome: its intent is no
	 * request of its own. */
	if (ev->session != NULL && ev->phase != AUDIT_PHASE_INTENT)
		__atomic_fetch_add(&ev->session->n[decision_index(ev)], 1, __ATOMIC_RELAXED);

	for (; a != NULL; a = a->next) {
		pthread_mutex_lock(&a->lock);
		w = sink_write(a, ev, stack, sizeof(stack));
		if (w == -1 && errno == ENOBUFS) {
			/* AUDIT_RECORD_MAX holds any record. */
			if (heap == NULL)
				heap = malloc(AUDIT_RECORD_MAX);
			w = heap == NULL ? -1 : sink_write(a, ev, heap, AUDIT_RECORD_MAX);
		}
		a->failed = w == -1;
		if (w == -1 && r == 0) {
			saved = errno;
			r = -1;
		}
		pthread_mutex_unlock(&a->lock);
	}
	free(heap);
	if (r == -1)
		errno = saved;
	return r;
}

/* An event line to one sink (audit_write_event()); buf of size bytes is
 * room to frame it. */
static int
sink_event(struct audit *a, const char *line, size_t n, const struct audit_note *note, char *buf,
    size_t size)
{
	struct iovec iov[AUDIT_JOURNAL_FIELDS];
	ssize_t k;
	int nf, r;

	switch (a->kind) {
	case SINK_FD:
		if (a->style != AUDIT_JSON)
			return 0; /* denial lines are for denials only */
		if (n >= size) {
			errno = ENOBUFS;
			return -1;
		}
		memcpy(buf, line, n);
		return write_fd(a, a->fd, buf, n, size);
	case SINK_SYSLOG:
		if ((k = audit_format_syslog_line(line, n, getpid(), buf, size)) < 0)
			return -1;
		return send_syslog(a, buf, (size_t)k);
	case SINK_JOURNAL:
		if ((nf = audit_format_journal_event(note, line, n, buf, size, iov)) < 0)
			return -1;
		if (journal_present() == -1)
			return -1;
		if ((r = journal_sendv(iov, nf)) < 0) {
			errno = -r;
			return -1;
		}
		return 0;
	}
	errno = EINVAL;
	return -1;
}

int
audit_write_event(struct audit *a, const char *line, size_t n, const struct audit_note *note)
{
	char *buf;
	int r = 0, saved = 0, w;

	/* Room for the line and its framing (the journal's fields, a
	 * syslog header). */
	if ((buf = malloc(2 * AUDIT_RECORD_MAX)) == NULL)
		return -1;
	for (; a != NULL; a = a->next) {
		pthread_mutex_lock(&a->lock);
		w = sink_event(a, line, n, note, buf, 2 * AUDIT_RECORD_MAX);
		a->failed = w == -1;
		if (w == -1 && r == 0) {
			saved = errno;
			r = -1;
		}
		pthread_mutex_unlock(&a->lock);
	}
	free(buf);
	if (r == -1)
		errno = saved;
	return r;
}
