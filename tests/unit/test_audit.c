/*
 * test_audit.c: the audit record writer's file sink (broker/audit/audit.c).
 *
 * Opening a file and refusing what is not one, write errors and short
 * writes, --audit-sync, the denials style, whole lines from concurrent
 * writers, and a lossless round trip of hostile paths through python3's
 * json parser.  The records themselves: test_audit_format.c and
 * test_audit_jsonout.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_testutil.h"
#include "audit_testverify.h"
#include "policy.h"
#include "sha256.h"
#include "unit.h"

static char tmpdir[64];

static void
test_open_mode_append(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	struct stat st;
	char path[128], *buf, *want;
	size_t len;
	mode_t old;

	(void)state;
	snprintf(path, sizeof(path), "%s/audit.log", tmpdir);
	old = umask(0);
	assert_int_equal(audit_open(path, &a), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);

	/* Reopening appends; the mode of an existing file is left alone. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(audit_open(path, &a), 0);
	ev.pid = 456;
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* Each open: its open record, the record, its close record; the
	 * second chain goes on from the first's last line (its "after"). */
	buf = read_all(path, &len);
	ev.pid = 123;
	want = fmt(&ev);
	{
		char *l[7];
		int i;

		for (i = 0; i < 7; i++)
			l[i] = line_of(buf, i);
		assert_null(l[6]);
		assert_non_null(
		    strstr(l[0], "\"event\":\"open\",") && strstr(l[3], "\"event\":\"open\","));
		assert_non_null(
		    strstr(l[2], "\"event\":\"close\",") && strstr(l[5], "\"event\":\"close\","));
		free(l[6]);
		l[6] = unseal(l[1]);
		assert_string_equal(l[6], want);
		assert_non_null(strstr(l[4], "\"pid\":456,"));
		assert_null(strstr(l[0], "\"after\":\""));
		assert_non_null(strstr(l[3], "\"after\":\""));
		for (i = 0; i < 7; i++)
			free(l[i]);
	}
	assert_int_equal(buf[len - 1], '\n');
	assert_whole(path, "");
	free(want);
	free(buf);
	unlink(path);
}

static void
test_open_refuses(void **state)
{
	struct audit *a = (struct audit *)1;
	char path[128], target[128];
	int fds[2], rfd;

	(void)state;
	/* A symlink, dangling or not, even to a regular file. */
	snprintf(target, sizeof(target), "%s/target", tmpdir);
	snprintf(path, sizeof(path), "%s/link", tmpdir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, ELOOP);
	assert_null(a);
	assert_int_equal(access(target, F_OK), -1); /* not created through the link */
	close(open(target, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, ELOOP);
	unlink(path);
	unlink(target);

	/* A directory. */
	assert_int_equal(audit_open(tmpdir, &a), -1);
	assert_int_equal(errno, EISDIR);

	/* A device. */
	assert_int_equal(audit_open("/dev/null", &a), -1);
	assert_int_equal(errno, EINVAL);

	/* A FIFO: never blocks; EINVAL with a reader or without one (the
	 * sink opens read-write, which a FIFO without a reader allows). */
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, EINVAL);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(audit_open(path, &a), -1);
	assert_int_equal(errno, EINVAL);
	close(rfd);
	unlink(path);

	/* Nonsense. */
	assert_int_equal(audit_open("", &a), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(audit_open_fd(-1, AUDIT_JSON, &a), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_JSON, &a), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(audit_open_fd(STDERR_FILENO, (enum audit_style)7, &a), -1);
	assert_int_equal(errno, EINVAL);

	/* "-" is stderr, duplicated: closing the sink leaves stderr open. */
	assert_int_equal(audit_open("-", &a), 0);
	audit_close(a);
	assert_true(fcntl(STDERR_FILENO, F_GETFD) != -1);
	audit_close(NULL);
}

static void
test_write_errors(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	int fd, fds[2];
	void (*old)(int);

	(void)state;
	/* A full disk: a JSON sink cannot even take its open record, and
	 * is not made; a denial line is refused as it comes. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(audit_open_fd(fd, AUDIT_JSON, &a), -1);
	assert_int_equal(errno, ENOSPC);
	assert_null(a);
	assert_int_equal(audit_open_fd(fd, AUDIT_DENIALS, &a), 0);
	ev.allowed = 0;
	ev.rule = "default";
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, ENOSPC);
	audit_close(a);
	ev = base_event();

	/* A descriptor closed behind the sink's back. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_JSON, &a), 0);
	close(fds[1]);
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, EBADF);
	audit_close(a); /* closes a number no longer in use: harmless here */
	close(fds[0]);

	/* A reader that went away. */
	old = signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_JSON, &a), 0);
	close(fds[0]);
	errno = 0;
	assert_int_equal(audit_write(a, &ev), -1);
	assert_int_equal(errno, EPIPE);
	audit_close(a);
	signal(SIGPIPE, old);
}

/* The torn marker line at p, cause and bytes as given ("null" or a
 * number); the length of the line, newline included. */
static size_t
expect_marker(const char *p, const char *cause, const char *bytes)
{
	char want[160], *u;
	const char *nl = strchr(p, '\n'), *tail;

	assert_non_null(nl);
	assert_int_equal(strncmp(p, "{\"v\":2,\"time\":\"", 15), 0);
	u = unseal(p);
	assert_non_null(strstr(p, ",\"chain\":\""));
	snprintf(want, sizeof(want),
	    "Z\",\"event\":\"torn\",\"broker_pid\":%d,\"cause\":\"%s\",\"bytes\":%s}\n",
	    (int)getpid(), cause, bytes);
	tail = u + strlen(u) - strlen(want);
	assert_true(tail > u);
	if (strcmp(tail, want) != 0)
		fail_msg("marker %s, wanted ...%s", u, want);
	free(u);
	return (size_t)(nl + 1 - p);
}

/* The open record at p, of a file that ended in a torn line of bytes
 * ("null" or a number), or in a whole one (bytes NULL); the length of the
 * line, newline included. */
static size_t
expect_open(const char *p, const char *bytes)
{
	char want[64], *u;
	const char *nl = strchr(p, '\n');

	assert_non_null(nl);
	u = unseal(p);
	assert_non_null(strstr(u, "\"event\":\"open\",\"broker_pid\":"));
	if (bytes != NULL) {
		snprintf(want, sizeof(want), ",\"torn\":%s}\n", bytes);
		if (strlen(u) < strlen(want) || strcmp(u + strlen(u) - strlen(want), want) != 0)
			fail_msg("open record %s, wanted ...%s", u, want);
	} else
		assert_null(strstr(u, "\"torn\""));
	free(u);
	return (size_t)(nl + 1 - p);
}

/* The size of the file at path. */
static size_t
size_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

/*
 * A short write (file size limit) reports why (the write of the rest fails
 * with EFBIG), and nothing is glued onto
 * the torn record: the next write ends it with a newline and a torn marker
 * (cause "write", the bytes that were written), then the record, whole.
 * The torn record is no line of the chain: the marker takes its seq, and
 * the file verifies whole, with one torn line.
 */
static void
test_short_write(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	char path[128], *buf, *rec, *p, *l, *u;
	size_t len, start;

	(void)state;
	snprintf(path, sizeof(path), "%s/short.log", tmpdir);
	assert_int_equal(audit_open(path, &a), 0);
	start = size_of(path); /* its open record */
	assert_int_equal(write_limited(a, &ev, start + 100), -1);
	assert_int_equal(errno, EFBIG);
	/* Still at the limit: nothing at all is written (EFBIG), and the
	 * tear stays as it was. */
	assert_int_equal(write_limited(a, &ev, start + 100), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);

	buf = read_all(path, &len);
	rec = fmt(&ev);
	p = strchr(buf + start, '\n');
	assert_non_null(p);
	assert_int_equal(p - buf - (ptrdiff_t)start, 100); /* the torn record, ended */
	assert_int_equal(memcmp(buf + start, rec, 100), 0);
	p++;
	p += expect_marker(p, "write", "100");
	l = unseal(p);
	assert_string_equal(l, rec);
	p = strchr(p, '\n') + 1;
	u = unseal(p);
	assert_string_equal(u, rec);
	free(l);
	free(u);
	assert_non_null(strstr(strchr(p, '\n') + 1, "\"event\":\"close\""));
	assert_whole(path, "~torn@2 ");

	/* A write cut inside the marker itself: the marker's tail is the
	 * torn line now, and the next write ends that one. */
	assert_int_equal(audit_open(path, &a), 0);
	start = size_of(path);
	assert_int_equal(write_limited(a, &ev, start + 50), -1);
	assert_int_equal(write_limited(a, &ev, start + 150), -1);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	free(buf);
	buf = read_all(path, &len);
	p = buf + start;
	p = strchr(p, '\n'); /* the 50 torn bytes */
	assert_non_null(p);
	assert_int_equal(p - buf - (ptrdiff_t)start, 50);
	p++;
	/* "\n" and the first 99 bytes of a marker: the torn line now */
	assert_int_equal(strchr(p, '\n') - p, 99);
	p = strchr(p, '\n');
	p += expect_marker(p + 1, "write", "99") + 1;
	l = unseal(p);
	assert_string_equal(l, rec);
	free(l);
	assert_whole(path, "~torn@2 ~torn@8 ~torn@9 ");
	free(rec);
	free(buf);
	unlink(path);
}

/* Write s to path, replacing it. */
static void
put_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

/*
 * A file that ends without a newline (a broker SIGKILLed in the middle of
 * a write) is ended when it is opened: a newline, then the open record,
 * which says so ("torn", the torn line's length) and names the torn line
 * ("after", its SHA-256), before the first record.  A file that ends with
 * a newline, or is empty, gets its open record and nothing more.
 */
static void
test_torn_tail(void **state)
{
	struct audit_event ev = base_event();
	unsigned char d[SHA256_LEN];
	char path[128], *buf, *rec, *big, *p, *l, hex[65], want[100];
	struct audit *a;
	size_t len, n;

	(void)state;
	rec = fmt(&ev);
	snprintf(path, sizeof(path), "%s/torn.log", tmpdir);
	/* Two whole records, then 177 bytes of a third. */
	n = strlen(rec);
	big = malloc(3 * n + AUDIT_RECORD_MAX + 8192);
	assert_non_null(big);
	memcpy(big, rec, n);
	memcpy(big + n, rec, n);
	memcpy(big + 2 * n, rec, 177);
	put_file(path, big, 2 * n + 177);
	assert_int_equal(audit_open(path, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	buf = read_all(path, &len);
	assert_int_equal(memcmp(buf, big, 2 * n + 177), 0);
	p = buf + 2 * n + 177;
	assert_int_equal(*p++, '\n');
	sha256(big + 2 * n, 177, d);
	sha256_hex(d, sizeof(d), hex);
	snprintf(want, sizeof(want), "\"after\":\"%s\"", hex);
	assert_non_null(strstr(p, want));
	p += expect_open(p, "177");
	l = unseal(p);
	assert_string_equal(l, rec);
	free(l);
	free(buf);
	/* Version 1 lines before, the torn one: notes, no break. */
	assert_whole(path, "~torn@3 ~unchained@1 ");

	/* Whole lines, or nothing: only the open record comes after. */
	put_file(path, rec, n);
	assert_int_equal(audit_open(path, &a), 0);
	audit_close(a);
	buf = read_all(path, &len);
	assert_int_equal(strncmp(buf, rec, n), 0);
	expect_open(buf + n, NULL);
	sha256(rec, n - 1, d);
	sha256_hex(d, sizeof(d), hex);
	snprintf(want, sizeof(want), "\"after\":\"%s\"", hex);
	assert_non_null(strstr(buf + n, want));
	free(buf);
	put_file(path, "", 0);
	assert_int_equal(audit_open(path, &a), 0);
	audit_close(a);
	buf = read_all(path, &len);
	assert_non_null(strstr(buf, "\"after\":null"));
	expect_open(buf, NULL);
	free(buf);

	/* A tail longer than any record (no newline in it at all): ended,
	 * its length unknown, not named.  One without a newline but
	 * shorter: the whole file is its line. */
	memset(big, 'x', AUDIT_RECORD_MAX + 5000);
	put_file(path, big, AUDIT_RECORD_MAX + 5000);
	assert_int_equal(audit_open(path, &a), 0);
	audit_close(a);
	buf = read_all(path, &len);
	assert_int_equal(buf[AUDIT_RECORD_MAX + 5000], '\n');
	expect_open(buf + AUDIT_RECORD_MAX + 5001, "null");
	assert_non_null(strstr(buf + AUDIT_RECORD_MAX + 5001, "\"after\":null"));
	free(buf);
	put_file(path, "{\"v\":2,", 7);
	assert_int_equal(audit_open(path, &a), 0);
	audit_close(a);
	buf = read_all(path, &len);
	expect_open(buf + 8, "7");
	free(buf);

	/* The end cannot be written (file size limit): the open fails, with
	 * nothing half done but what is torn already. */
	put_file(path, rec, 177);
	{
		struct rlimit old, lim;
		void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);

		assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
		lim = old;
		lim.rlim_cur = 177;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		errno = 0;
		assert_int_equal(audit_open(path, &a), -1);
		assert_int_equal(errno, EFBIG);
		/* Cut short: the write of the rest names why. */
		lim.rlim_cur = 200;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		errno = 0;
		assert_int_equal(audit_open(path, &a), -1);
		assert_int_equal(errno, EFBIG);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		signal(SIGXFSZ, oldsig);
	}
	/* ... and the next open ends the open record cut short in its turn. */
	assert_int_equal(audit_open(path, &a), 0);
	audit_close(a);
	buf = read_all(path, &len);
	assert_int_equal(buf[177], '\n');
	assert_int_equal(buf[200], '\n');
	expect_open(buf + 201, "22");
	free(buf);
	assert_whole(path, "~torn@1 ~torn@2 ");
	free(big);
	free(rec);
	unlink(path);
}

/* --audit-sync: records are synced by audit_sync(), not by audit_write();
 * a failed fdatasync() fails every later audit_sync() too. */
static void
test_sync(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a, *plain;
	char path[128];
	int p[2], probe, fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/plain.log", tmpdir);
	assert_int_equal(audit_open(path, &plain), 0);
	assert_int_equal(audit_needs_sync(plain), 0);
	assert_int_equal(audit_write(plain, &ev), 0);
	assert_int_equal(audit_sync(plain), 0);
	audit_close(plain);
	unlink(path);

	snprintf(path, sizeof(path), "%s/sync.log", tmpdir);
	assert_int_equal(audit_open_flags(path, AUDIT_SYNC, &a), 0);
	assert_int_equal(audit_needs_sync(a), 1);
	assert_int_equal(audit_sync(a), 0); /* nothing written: nothing to do */
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_sync(a), 0);
	assert_null(audit_failed(a));

	/* The sink's descriptor is the newest one: put a pipe in its place,
	 * on which fdatasync() fails with EINVAL, as a disk error would. */
	assert_int_not_equal(probe = open("/dev/null", O_RDONLY | O_CLOEXEC), -1);
	fd = probe - 1;
	close(probe);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[1], fd), fd);
	assert_int_equal(audit_write(a, &ev), 0); /* reaches the kernel */
	assert_int_equal(audit_sync(a), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(audit_failed(a));
	/* Sticky: nothing written since, and still a failure. */
	assert_int_equal(audit_sync(a), -1);
	assert_int_equal(errno, EINVAL);
	audit_close(a);
	close(p[0]);
	close(p[1]);
	unlink(path);
}

static void
test_denials_sink(void **state)
{
	struct audit_event ev = base_event();
	struct audit *a;
	char buf[512];
	ssize_t n;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(audit_open_fd(fds[1], AUDIT_DENIALS, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0); /* allowed: silent */
	ev.rule = NULL;
	assert_int_equal(audit_write(a, &ev), 0); /* error: silent */
	ev.rule = "p.policy:9";
	ev.allowed = 0;
	ev.path = "/srv/in/../secret";
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf,
	    "filebroker: denied open of \"/srv/in/../secret\" (resolved \"/srv/in/a.txt\") "
	    "(read) for pid 123: rule p.policy:9\n");
	close(fds[0]);
}

#define NTHREADS 8
#define NRECORDS 300

static struct audit *shared;
static char bigpath[3 * 4096];

static void *
writer(void *arg)
{
	struct audit_event ev = base_event();
	int i, id = (int)(intptr_t)arg;

	ev.pid = id;
	for (i = 0; i < NRECORDS; i++) {
		ev.tid = i;
		/* Every third record is larger than PIPE_BUF. */
		ev.path = i % 3 == 0 ? bigpath : "/srv/in/small";
		if (audit_write(shared, &ev) != 0)
			return (void *)1;
	}
	return NULL;
}

static void
test_concurrent(void **state)
{
	pthread_t t[NTHREADS];
	char path[128], *buf, *line, *nl;
	int i, lines = 0;
	void *ret;
	size_t len;

	(void)state;
	memset(bigpath, '\n', sizeof(bigpath) - 1); /* 12 KiB of \n escapes each */
	snprintf(path, sizeof(path), "%s/concurrent.log", tmpdir);
	assert_int_equal(audit_open(path, &shared), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	audit_close(shared);

	buf = read_all(path, &len);
	for (line = buf; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_int_equal(strncmp(line, "{\"v\":2,\"time\":", 14), 0);
		assert_int_equal(nl[-1], '}');
		assert_null(strchr(line + 1, '{'));
		lines++;
	}
	assert_int_equal(lines, NTHREADS * NRECORDS + 2); /* its open and close records */
	assert_whole(path, "");
	free(buf);
	unlink(path);
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Hostile records through a real JSON parser: each must parse, be an object
 * with the fixed keys, and give back the exact bytes of its path (from
 * path_hex, or from path encoded as UTF-8).
 */
static void
test_python_json(void **state)
{
	static const char *fixed[] = { "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xe2\x80\xa8",
		"\xc2\x9b", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe6\x97",
		"\xf0\x9f\x98\x80", "\"}\n{\"v\":2,\"decision\":\"allow\"", "\\u0000", "\x1b[31m" };
	static char p[AUDIT_STR_MAX + 1];
	static const char script[] =
	    "import json,sys\n"
	    "recs=[r for r in (json.loads(l) for l in open(sys.argv[1],encoding='utf-8'))"
	    " if 'event' not in r]\n"
	    "want=[l.strip() for l in open(sys.argv[2])]\n"
	    "assert len(recs)==len(want),(len(recs),len(want))\n"
	    "for r,w in zip(recs,want):\n"
	    "  assert r['v']==2 and r['decision'] in ('allow','deny','error')\n"
	    "  got=r['path_hex'] if 'path_hex' in r else r['path'].encode('utf-8').hex()\n"
	    "  assert got==w,(r,w)\n"
	    "print('python3: %d records parsed' % len(recs))\n";
	struct audit_event ev = base_event();
	struct audit *a;
	char log[128], hex[128], py[128], cmd[512];
	FILE *h, *f;
	size_t n, i, k;

	(void)state;
	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		print_message("test_python_json: python3 missing, skipped\n");
		skip();
	}
	snprintf(log, sizeof(log), "%s/hostile.log", tmpdir);
	snprintf(hex, sizeof(hex), "%s/hostile.hex", tmpdir);
	snprintf(py, sizeof(py), "%s/check.py", tmpdir);
	assert_non_null(f = fopen(py, "w"));
	fputs(script, f);
	fclose(f);
	assert_int_equal(audit_open(log, &a), 0);
	assert_non_null(h = fopen(hex, "w"));
	for (i = 0; i < 2000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			snprintf(p, sizeof(p), "%s", fixed[i]);
			n = strlen(p);
		} else {
			n = 1 + next() % (i % 50 == 0 ? AUDIT_STR_MAX : 64);
			for (k = 0; k < n; k++) {
				/* Mostly ASCII and UTF-8 lead/continuation bytes. */
				p[k] = (char)(next() % 4 == 0 ? 0x80 + next() % 0x80 :
								1 + next() % 0xff);
			}
			p[n] = '\0';
		}
		ev.path = ev.canon = ev.rule = p;
		ev.allowed = (int)(i % 2);
		ev.err = (int)(i % 140);
		assert_int_equal(audit_write(a, &ev), 0);
		for (k = 0; k < n; k++)
			fprintf(h, "%02x", (unsigned char)p[k]);
		fputc('\n', h);
	}
	fclose(h);
	audit_close(a);
	snprintf(cmd, sizeof(cmd), "python3 %s %s %s", py, log, hex);
	assert_int_equal(system(cmd), 0);
	unlink(log);
	unlink(hex);
	unlink(py);
}

static int
setup(void **state)
{
	(void)state;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_audit");
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_mode_append),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_short_write),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_denials_sink),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_python_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
