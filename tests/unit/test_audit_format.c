/*
 * test_audit_format.c: the records of broker/audit/audit.c, formatted without a
 * sink.
 *
 * Exact strings for the JSON record, the denial line, the journal's fields
 * and the syslog prefix; open, rename, chmod and openat2 flags, access
 * bits, errno names and numbers at their limits; the bound
 * AUDIT_RECORD_MAX against worst cases, and every buffer size up to a
 * record's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_testutil.h"
#include "policy.h"

static void
test_format_normal(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":2,\"time\":\"2026-11-25T14:03:07.123456Z\",\"session\":null,\"mode\":"
	    "\"explicit\","
	    "\"pid\":123,\"tid\":0,\"uid\":65534,\"gid\":65534,\"exe\":null,\"op\":\"open\","
	    "\"path\":\"/srv/in/a.txt\",\"canon\":\"/srv/in/a.txt\",\"access\":\"read\","
	    "\"flags\":\"O_RDONLY|O_CLOEXEC\",\"decision\":\"allow\",\"rule\":\"p.policy:3\","
	    "\"errno\":null,\"duration_us\":12.345}\n");
	free(s);
}

/* An exec of a script, by a process whose program is known: exe after
 * the ids, interp after canon; a program name that is no UTF-8 has its
 * bytes in exe_hex. */
static void
test_format_exec(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.mode = "transparent";
	ev.op = "exec";
	ev.exe = "/usr/bin/dash";
	ev.path = "./s.sh";
	ev.canon = "/srv/s.sh";
	ev.interp = "/usr/bin/python3.11";
	ev.access = POLICY_EXEC;
	s = fmt(&ev);
	assert_non_null(strstr(s,
	    "\"gid\":65534,\"exe\":\"/usr/bin/dash\",\"op\":\"exec\","
	    "\"path\":\"./s.sh\",\"canon\":\"/srv/s.sh\","
	    "\"interp\":\"/usr/bin/python3.11\",\"access\":\"exec\","
	    "\"flags\":null,"));
	free(s);
	ev.exe = "/opt/\xff";
	ev.interp = NULL;
	s = fmt(&ev);
	assert_non_null(
	    strstr(s, "\"exe\":\"/opt/\xef\xbf\xbd\",\"exe_hex\":\"2f6f70742fff\",\"op\""));
	assert_null(strstr(s, "interp"));
	free(s);
}

/* A worker in run's PID namespace: its own numbers after the host's. */
static void
test_format_nspid(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.mode = "transparent";
	ev.pid = 28626;
	ev.tid = 28630;
	ev.nspid = 2;
	ev.nstid = 5;
	s = fmt(&ev);
	assert_non_null(strstr(s, "\"pid\":28626,\"tid\":28630,\"nspid\":2,\"nstid\":5,\"uid\":"));
	free(s);
}

static void
test_format_deny_error(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.op = "stat";
	ev.mode = "transparent";
	ev.tid = 124;
	ev.access = POLICY_STAT;
	ev.allowed = 0;
	ev.rule = "default";
	ev.err = EACCES;
	ev.duration_ns = 999;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":2,\"time\":\"2026-11-25T14:03:07.123456Z\",\"session\":null,\"mode\":"
	    "\"transparent\","
	    "\"pid\":123,\"tid\":124,\"uid\":65534,\"gid\":65534,\"exe\":null,\"op\":\"stat\","
	    "\"path\":\"/srv/in/a.txt\",\"canon\":\"/srv/in/a.txt\",\"access\":\"stat\","
	    "\"flags\":null,\"decision\":\"deny\",\"rule\":\"default\","
	    "\"errno\":\"EACCES\",\"duration_us\":0.999}\n");
	free(s);

	/* No decision: resolution failed. */
	ev = base_event();
	ev.canon = NULL;
	ev.rule = NULL;
	ev.allowed = 0;
	ev.err = ENOENT;
	ev.access = POLICY_READ | POLICY_WRITE | POLICY_CREATE;
	ev.flags = O_RDWR | O_CREAT | O_EXCL;
	s = fmt(&ev);
	assert_contains(s, ",\"canon\":null,");
	assert_contains(s, ",\"access\":\"read,write,create\",");
	assert_contains(s, ",\"flags\":\"O_RDWR|O_CREAT|O_EXCL\",");
	assert_contains(s, ",\"decision\":\"error\",\"rule\":null,\"errno\":\"ENOENT\",");
	free(s);

	/* Unknown errno, unknown access bits, every pointer NULL. */
	memset(&ev, 0, sizeof(ev));
	ev.err = 9999;
	ev.access = 0x80 | POLICY_EXEC;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":2,\"time\":\"1970-01-01T00:00:00.000000Z\",\"session\":null,\"mode\":null,"
	    "\"pid\":0,\"tid\":0,\"uid\":0,\"gid\":0,\"exe\":null,\"op\":null,\"path\":null,"
	    "\"canon\":null,"
	    "\"access\":\"exec,0x80\",\"flags\":null,\"decision\":\"error\",\"rule\":null,"
	    "\"errno\":\"E9999\",\"duration_us\":0.000}\n");
	free(s);
}

static void
test_format_rename(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.op = "rename";
	ev.path = "/srv/in/a";
	ev.canon = "/srv/in/a";
	ev.path2 = "/srv/out/../out/b";
	ev.canon2 = NULL;
	ev.access = POLICY_DELETE | POLICY_CREATE;
	ev.flags = 0;
	s = fmt(&ev);
	assert_contains(s,
	    ",\"op\":\"rename\",\"path\":\"/srv/in/a\",\"path2\":\"/srv/out/../out/b\","
	    "\"canon\":\"/srv/in/a\",\"canon2\":null,\"access\":\"create,delete\","
	    "\"flags\":null,");
	free(s);

	/* renameat2(2) flags by name; unnamed bits in hex. */
	ev.flags = RENAME_NOREPLACE;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"RENAME_NOREPLACE\",");
	free(s);
	ev.flags = RENAME_EXCHANGE | 0x100;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"RENAME_EXCHANGE|0x100\",");
	free(s);

	/* chmod(2)'s mode, as chmod(1) writes it. */
	ev = base_event();
	ev.op = "chmod";
	ev.flags = 0755;
	s = fmt(&ev);
	assert_contains(s, ",\"op\":\"chmod\",");
	assert_contains(s, ",\"flags\":\"0755\",");
	free(s);
	ev.flags = 04750;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"04750\",");
	free(s);
	ev.flags = 0;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0000\",");
	free(s);
	ev.flags = 07;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0007\",");
	free(s);
	ev.flags = 0177777; /* only the permission bits are a mode */
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"07777\",");
	free(s);

	/* inotify_add_watch(2)'s mask by name; unnamed bits in hex. */
	ev.op = "watch";
	ev.flags = IN_CREATE | IN_DELETE | IN_ONLYDIR;
	s = fmt(&ev);
	assert_contains(s, ",\"op\":\"watch\",");
	assert_contains(s, ",\"flags\":\"IN_CREATE|IN_DELETE|IN_ONLYDIR\",");
	free(s);
	ev.flags = IN_MODIFY | 0x8000; /* IN_IGNORED: an event, not a watch bit */
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"IN_MODIFY|0x8000\",");
	free(s);
	ev.flags = 0x8000;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0x8000\",");
	free(s);

	/* Without path2 neither key appears. */
	ev = base_event();
	s = fmt(&ev);
	assert_null(strstr(s, "path2"));
	assert_null(strstr(s, "canon2"));
	free(s);
}

static void
test_format_flags(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC\"");
	free(s);
	ev.flags = O_RDWR | O_TMPFILE | O_SYNC;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"O_RDWR|O_SYNC|O_TMPFILE\"");
	free(s);
	ev.flags = 3u | O_DSYNC | 0x80000000u;
	s = fmt(&ev);
	assert_contains(s, "\"flags\":\"O_ACCMODE|O_DSYNC|0x80000000\"");
	free(s);
}

/* Format ev into exactly-sized and one-too-small buffers, with guards. */
static size_t
check_bounds(const struct audit_event *ev, int denial)
{
	char *buf = malloc(AUDIT_RECORD_MAX + 64);
	ssize_t n, m;
	size_t i;

	assert_non_null(buf);
	n = denial ? audit_format_denial(ev, buf, AUDIT_RECORD_MAX) :
		     audit_format(ev, buf, AUDIT_RECORD_MAX);
	assert_true(n > 0 && n < AUDIT_RECORD_MAX);

	memset(buf, 'Z', AUDIT_RECORD_MAX + 64);
	m = denial ? audit_format_denial(ev, buf, (size_t)n + 1) :
		     audit_format(ev, buf, (size_t)n + 1);
	assert_int_equal(m, n);
	assert_int_equal(buf[n], '\0');
	for (i = (size_t)n + 1; i < (size_t)n + 64; i++)
		assert_int_equal(buf[i], 'Z');

	memset(buf, 'Z', AUDIT_RECORD_MAX + 64);
	errno = 0;
	m = denial ? audit_format_denial(ev, buf, (size_t)n) : audit_format(ev, buf, (size_t)n);
	assert_int_equal(m, -1);
	assert_int_equal(errno, ENOBUFS);
	for (i = (size_t)n; i < (size_t)n + 64; i++)
		assert_int_equal(buf[i], 'Z');

	errno = 0;
	m = denial ? audit_format_denial(ev, NULL, 0) : audit_format(ev, NULL, 0);
	assert_int_equal(m, -1);
	assert_int_equal(errno, ENOBUFS);
	free(buf);
	return (size_t)n;
}

static void
test_worst_case_fits(void **state)
{
	static char a[AUDIT_STR_MAX + 1], b[AUDIT_STR_MAX + 1], c[AUDIT_STR_MAX + 1];
	struct audit_event ev = base_event();
	size_t n;

	(void)state;
	memset(a, 0x01, AUDIT_STR_MAX); /* 6 bytes each */
	memset(b, 0xff, AUDIT_STR_MAX); /* 3 + 2 bytes each */
	memset(c, 0x01, AUDIT_STR_MAX); /* 6 + 2: one invalid byte brings the hex */
	c[AUDIT_STR_MAX - 1] = (char)0x80;
	ev.op = "rename";
	ev.mode = "transparent";
	ev.pid = ev.tid = -2147483647 - 1;
	ev.uid = ev.gid = (uid_t)-1;
	ev.access = ~0u;
	ev.flags = ~0u;
	ev.err = -2147483647 - 1;
	ev.duration_ns = UINT64_MAX;

	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = ev.exe = ev.interp = a;
	n = check_bounds(&ev, 0);
	assert_true(n > 7 * 6 * AUDIT_STR_MAX);
	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = ev.exe = ev.interp = b;
	check_bounds(&ev, 0);
	ev.path = ev.path2 = ev.canon = ev.canon2 = ev.rule = ev.exe = ev.interp = c;
	n = check_bounds(&ev, 0);
	assert_true(n > 7 * 8 * (AUDIT_STR_MAX - 1));
	/* An open carries the most flags: every open(2) and RESOLVE_* bit. */
	ev.op = "open";
	ev.resolve = ~0ULL;
	n = check_bounds(&ev, 0);
	assert_true(n > 7 * 8 * (AUDIT_STR_MAX - 1));
	ev.op = "rename";
	ev.resolve = 0;

	/* The denial line obeys the same bound. */
	ev.op = "open";
	ev.flags = O_RDONLY;
	ev.allowed = 0;
	ev.path = ev.path2 = ev.rule = a;
	ev.canon = ev.canon2 = c;
	check_bounds(&ev, 1);
	/* Under the bound, a small record as well. */
	ev = base_event();
	check_bounds(&ev, 0);
}

static void
test_errno_name(void **state)
{
	(void)state;
	assert_string_equal(audit_errno_name(EACCES), "EACCES");
	assert_string_equal(audit_errno_name(ENOENT), "ENOENT");
	assert_string_equal(audit_errno_name(EPERM), "EPERM");
	assert_string_equal(audit_errno_name(ELOOP), "ELOOP");
	assert_string_equal(audit_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	assert_string_equal(audit_errno_name(EXDEV), "EXDEV");
	assert_string_equal(audit_errno_name(ENOTEMPTY), "ENOTEMPTY");
	assert_string_equal(audit_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(audit_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(audit_errno_name(EHWPOISON), "EHWPOISON");
	assert_null(audit_errno_name(0));
	assert_null(audit_errno_name(-1));
	assert_null(audit_errno_name(9999));
}

static void
test_denial_line(void **state)
{
	struct audit_event ev = base_event();
	char buf[1024];

	(void)state;
	ev.path = "/etc/shadow";
	ev.canon = "/etc/shadow";
	ev.allowed = 0;
	ev.rule = "default";
	ev.err = EACCES;
	assert_true(audit_format_denial(&ev, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "filebroker: denied open of \"/etc/shadow\" (read) for pid 123: rule default\n");

	ev.op = "rename";
	ev.path = "/srv/x/../../etc/\x1b[2Jpasswd\n";
	ev.canon = "/etc/\x1b[2Jpasswd\n";
	ev.path2 = "b\xff";
	ev.canon2 = "/srv/b\xff";
	ev.access = POLICY_DELETE | POLICY_CREATE;
	ev.rule = "/etc/fb\x1b.policy:7";
	assert_true(audit_format_denial(&ev, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "filebroker: denied rename of \"/srv/x/../../etc/\\u001b[2Jpasswd\\n\" to "
	    "\"b\xef\xbf\xbd\" (resolved \"/etc/\\u001b[2Jpasswd\\n\" to \"/srv/b\xef\xbf\xbd\") "
	    "(create,delete) for pid 123: rule /etc/fb\\u001b.policy:7\n");

	/* Allows and errors print nothing. */
	ev = base_event();
	assert_int_equal(audit_format_denial(&ev, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	ev.rule = NULL;
	ev.allowed = 0;
	assert_int_equal(audit_format_denial(&ev, buf, sizeof(buf)), 0);
}

/* A change written ahead: its number and phase after the session, in the
 * record and the journal; its intent says it was about to be made, and is
 * no denial line (its outcome is). */
static void
test_format_phase(void **state)
{
	struct iovec iov[AUDIT_JOURNAL_FIELDS];
	struct audit_event ev = base_event();
	char buf[2048];
	int n, i, found = 0;
	char *s;

	(void)state;
	ev.op = "mkdir";
	ev.flags = 0;
	ev.access = POLICY_CREATE;
	ev.phase = AUDIT_PHASE_INTENT;
	ev.req = 18446744073709551615u;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":2,\"time\":\"2026-11-25T14:03:07.123456Z\",\"session\":null,"
	    "\"req\":18446744073709551615,\"phase\":\"intent\",\"mode\":\"explicit\","
	    "\"pid\":123,\"tid\":0,\"uid\":65534,\"gid\":65534,\"exe\":null,\"op\":\"mkdir\","
	    "\"path\":\"/srv/in/a.txt\",\"canon\":\"/srv/in/a.txt\",\"access\":\"create\","
	    "\"flags\":null,\"decision\":\"allow\",\"rule\":\"p.policy:3\","
	    "\"errno\":null,\"duration_us\":12.345}\n");
	free(s);
	n = audit_format_journal(&ev, buf, sizeof(buf), iov);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > 24 &&
		    memcmp(iov[i].iov_base, "MESSAGE=intent: allowed ", 24) == 0)
			found |= 1;
		if (iov[i].iov_len == 23 &&
		    memcmp(iov[i].iov_base, "FILEBROKER_PHASE=intent", 23) == 0)
			found |= 2;
		if (iov[i].iov_len == 35 &&
		    memcmp(iov[i].iov_base, "FILEBROKER_REQ=18446744073709551615", 35) == 0)
			found |= 4;
	}
	assert_int_equal(found, 7);
	/* Complain mode let it through: the outcome's line says so, once. */
	ev.allowed = 0;
	ev.waived = 1;
	ev.rule = "default";
	assert_int_equal(audit_format_denial(&ev, buf, sizeof(buf)), 0);
	ev.phase = AUDIT_PHASE_DONE;
	ev.req = 7;
	assert_true(audit_format_denial(&ev, buf, sizeof(buf)) > 0);
	s = fmt(&ev);
	assert_contains(s, "\"session\":null,\"req\":7,\"phase\":\"done\",\"mode\":");
	free(s);
}

/* Numbers at their limits, in a record and in the journal's fields. */
static void
test_format_numbers(void **state)
{
	static const char *want[] = { "PRIORITY=5", "FILEBROKER_PID=-1",
		"FILEBROKER_TID=-2147483648", "FILEBROKER_UID=4294967295",
		"FILEBROKER_GID=4294967295", "FILEBROKER_ERRNO=E-5",
		"FILEBROKER_DURATION_US=1234.567", "SYSLOG_FACILITY=10",
		"FILEBROKER_TIME=\"1970-01-01T00:00:00.000000Z\"" };
	struct iovec iov[AUDIT_JOURNAL_FIELDS];
	struct audit_event ev;
	char buf[1024];
	int n, i, found = 0;
	size_t k;
	char *s;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.mode = "explicit";
	ev.op = "stat";
	ev.path = ev.canon = "/a";
	ev.pid = -1;
	ev.tid = -2147483647 - 1;
	ev.uid = ev.gid = (uid_t)4294967295u;
	ev.access = POLICY_READ | POLICY_LIST;
	ev.rule = "default";
	ev.err = -5;
	ev.duration_ns = 1234567;
	ev.complain = ev.waived = 1;
	s = fmt(&ev);
	assert_string_equal(s,
	    "{\"v\":2,\"time\":\"1970-01-01T00:00:00.000000Z\",\"session\":null,\"mode\":"
	    "\"explicit\","
	    "\"pid\":-1,\"tid\":-2147483648,\"uid\":4294967295,\"gid\":4294967295,"
	    "\"exe\":null,\"op\":\"stat\",\"path\":\"/a\",\"canon\":\"/"
	    "a\",\"access\":\"read,list\","
	    "\"flags\":null,\"decision\":\"would-deny\",\"rule\":\"default\","
	    "\"errno\":\"E-5\",\"duration_us\":1234.567,\"complain\":true}\n");
	free(s);

	n = audit_format_journal(&ev, buf, sizeof(buf), iov);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
			if (iov[i].iov_len == strlen(want[k]) &&
			    memcmp(iov[i].iov_base, want[k], iov[i].iov_len) == 0)
				found |= 1 << k;
	}
	assert_int_equal(found, (1 << 9) - 1);

	/* The syslog prefix: warning for a denial, the broker's pid signed. */
	ev.waived = 0;
	assert_true(audit_format_syslog(&ev, -7, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<84>filebroker[-7]: {\"v\":2,", 27), 0);
	ev.allowed = 1;
	assert_true(audit_format_syslog(&ev, 2147483647, buf, sizeof(buf)) > 0);
	assert_int_equal(strncmp(buf, "<86>filebroker[2147483647]: {\"v\":2,", 35), 0);

	/* Durations: the fraction is always three digits. */
	ev.duration_ns = 1000;
	s = fmt(&ev);
	assert_contains(s, ",\"duration_us\":1.000,");
	free(s);
	ev.duration_ns = 1000000007;
	s = fmt(&ev);
	assert_contains(s, ",\"duration_us\":1000000.007,");
	free(s);
	ev.duration_ns = UINT64_MAX;
	s = fmt(&ev);
	assert_contains(s, ",\"duration_us\":18446744073709551.615,");
	free(s);

	/* Errno values without a name. */
	ev.err = 4095;
	s = fmt(&ev);
	assert_contains(s, ",\"errno\":\"E4095\",");
	free(s);
	ev.err = -2147483647 - 1;
	s = fmt(&ev);
	assert_contains(s, ",\"errno\":\"E-2147483648\",");
	free(s);
	ev.err = ENAMETOOLONG;
	s = fmt(&ev);
	assert_contains(s, ",\"errno\":\"ENAMETOOLONG\",");
	free(s);

	/* Access: unknown bits alone, none at all, all of them. */
	ev.access = 0x100;
	s = fmt(&ev);
	assert_contains(s, ",\"access\":\"0x100\",");
	free(s);
	ev.access = 0;
	s = fmt(&ev);
	assert_contains(s, ",\"access\":\"\",");
	free(s);
	ev.access = ~0u;
	s = fmt(&ev);
	assert_contains(s, ",\"access\":\"read,write,create,delete,list,stat,exec,0xffffff80\",");
	free(s);
}

static void
test_format_flag_bits(void **state)
{
	struct audit_event ev = base_event();
	char *s;

	(void)state;
	ev.flags = O_WRONLY | O_APPEND | 0x10000000u;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_WRONLY|O_APPEND|0x10000000\",");
	free(s);
	ev.flags = O_RDONLY | 0xc0000000u;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_RDONLY|0xc0000000\",");
	free(s);
	/* openat2's RESOLVE_* bits follow the open flags, unknown ones in hex. */
	ev.flags = O_RDONLY | O_DIRECTORY;
	ev.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | 0x1000000000ULL;
	s = fmt(&ev);
	assert_contains(s,
	    ",\"flags\":\"O_RDONLY|O_DIRECTORY|RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|"
	    "RESOLVE_0x1000000000\",");
	free(s);
	ev.resolve = RESOLVE_IN_ROOT;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"O_RDONLY|O_DIRECTORY|RESOLVE_IN_ROOT\",");
	free(s);
	ev.resolve = 0;

	ev.op = "rename";
	ev.path2 = ev.canon2 = "/srv/in/b";
	ev.flags = RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"RENAME_NOREPLACE|RENAME_EXCHANGE|0x4\",");
	free(s);
	ev.flags = RENAME_EXCHANGE;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"RENAME_EXCHANGE\",");
	free(s);
	ev.flags = RENAME_WHITEOUT | 0x80000000u;
	s = fmt(&ev);
	assert_contains(s, ",\"flags\":\"0x80000004\",");
	free(s);
}

/* Every buffer size up to the record's: ENOBUFS, nothing past the end. */
static void
test_every_size(void **state)
{
	struct audit_event ev = base_event();
	char full[2048], buf[2048 + 16];
	ssize_t n, m;
	size_t size, need, i;
	int kind;

	(void)state;
	ev.op = "rename";
	ev.pid = -42;
	ev.path = "/srv/\"in\"/\x01\xc2\x85\xe2\x80\xae\xff/a b";
	ev.path2 = "/srv/out/\\x";
	ev.canon2 = "/srv/out/\xe6\x97";
	ev.flags = RENAME_NOREPLACE | 0x40;
	ev.access = POLICY_DELETE | POLICY_CREATE | 0x200;
	ev.allowed = 0;
	ev.err = 1234;
	ev.duration_ns = 98765432101ULL;
	for (kind = 0; kind < 3; kind++) {
		n = kind == 0 ? audit_format(&ev, full, sizeof(full)) :
		    kind == 1 ? audit_format_denial(&ev, full, sizeof(full)) :
				audit_format_syslog(&ev, 99, full, sizeof(full));
		assert_true(n > 0);
		/* A syslog record is formatted with its newline, then loses it. */
		need = (size_t)n + 1 + (kind == 2);
		for (size = 0; size <= need; size++) {
			memset(buf, 'Z', sizeof(buf));
			errno = 0;
			m = kind == 0 ? audit_format(&ev, buf, size) :
			    kind == 1 ? audit_format_denial(&ev, buf, size) :
					audit_format_syslog(&ev, 99, buf, size);
			for (i = size; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 'Z');
			if (size < need) {
				assert_int_equal(m, -1);
				assert_int_equal(errno, ENOBUFS);
				if (size > 0)
					assert_int_equal(buf[0], '\0');
			} else {
				assert_int_equal(m, n);
				assert_string_equal(buf, full);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_normal),
		cmocka_unit_test(test_format_exec),
		cmocka_unit_test(test_format_nspid),
		cmocka_unit_test(test_format_deny_error),
		cmocka_unit_test(test_format_rename),
		cmocka_unit_test(test_format_flags),
		cmocka_unit_test(test_worst_case_fits),
		cmocka_unit_test(test_errno_name),
		cmocka_unit_test(test_denial_line),
		cmocka_unit_test(test_format_phase),
		cmocka_unit_test(test_format_numbers),
		cmocka_unit_test(test_format_flag_bits),
		cmocka_unit_test(test_every_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
