/*
 * audit.c: see audit.h and docs/audit.md.
 *
 * Formatting is pure and bounded: every byte goes through out_bytes(), which
 * refuses to pass the end of the caller's buffer, and every string field is
 * cut at a fixed length so that AUDIT_RECORD_MAX is a true bound rather than
 * a hope.  The sinks, which write, are in audit_sink.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "audit.h"
#include "policy.h"

/* A bounded output cursor; once full it stays full and writes nothing. */
struct out {
	char *buf;
	size_t size, len;
	int full;
};

static void
out_bytes(struct out *o, const void *p, size_t n)
{
	if (o->full)
		return;
	/* Keep one byte for the NUL. */
	if (o->size == 0 || n > o->size - 1 - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only numbers are formatted here; they always fit in tmp. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->full = 1;
		return;
	}
	out_bytes(o, tmp, (size_t)n);
}

static ssize_t
out_end(struct out *o)
{
	if (o->full) {
		if (o->size > 0)
			o->buf[0] = '\0';
		errno = ENOBUFS;
		return -1;
	}
	o->buf[o->len] = '\0';
	return (ssize_t)o->len;
}

/*
 * The length of the well-formed UTF-8 sequence at s (n bytes available), and
 * its code point in *cp; 0 when the bytes there are not one.  The second-byte
 * ranges of Unicode table 3-7 rule out overlong forms, surrogates and code
 * points above U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}

/*
 * Code points written as \uXXXX although JSON would allow them raw.  C1
 * controls (U+0080-U+009F) include CSI, which some terminals obey; U+2028
 * and U+2029 end lines for JavaScript and some viewers; the bidirectional
 * controls reorder what a reader sees ("Trojan Source").
 */
static int
needs_escape(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e || c == 0x200f ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * Append the first n bytes of s as the inside of a JSON string.  Each byte
 * that does not belong to a well-formed UTF-8 sequence becomes U+FFFD, so
 * the output is always valid UTF-8.  Returns 1 when some byte was replaced.
 * At most 6 output bytes per input byte.
 */
static int
out_escaped(struct out *o, const unsigned char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	size_t i = 0, k;
	uint32_t c;
	int bad = 0;

	while (i < n) {
		if ((k = utf8_seq(s + i, n - i, &c)) == 0) {
			out_bytes(o, replacement, 3);
			bad = 1;
			i++;
			continue;
		}
		switch (c) {
		case '"':
			out_str(o, "\\\"");
			break;
		case '\\':
			out_str(o, "\\\\");
			break;
		case '\b':
			out_str(o, "\\b");
			break;
		case '\f':
			out_str(o, "\\f");
			break;
		case '\n':
			out_str(o, "\\n");
			break;
		case '\r':
			out_str(o, "\\r");
			break;
		case '\t':
			out_str(o, "\\t");
			break;
		default:
			if (needs_escape(c))
				out_fmt(o, "\\u%04" PRIx32, c);
			else
				out_bytes(o, s + i, k);
			break;
		}
		i += k;
	}
	return bad;
}

/* The length of s rendered: at most max bytes; *trunc set when cut. */
static size_t
field_len(const char *s, size_t max, int *trunc)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		*trunc = 1;
		return max;
	}
	return n;
}

/*
 * Append ,"key":"escaped s" (or ,"key":null), and when s is not valid UTF-8
 * also ,"key_hex":"<every byte rendered, in hex>" so that nothing is lost.
 */
static void
out_field(struct out *o, const char *key, const char *s, size_t max, int hex, int *trunc)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	char h[2];
	int bad;

	out_fmt(o, ",\"%s\":", key);
	if (s == NULL) {
		out_str(o, "null");
		return;
	}
	n = field_len(s, max, trunc);
	out_str(o, "\"");
	bad = out_escaped(o, u, n);
	out_str(o, "\"");
	if (!bad || !hex)
		return;
	out_fmt(o, ",\"%s_hex\":\"", key);
	for (i = 0; i < n; i++) {
		h[0] = digits[u[i] >> 4];
		h[1] = digits[u[i] & 0xf];
		out_bytes(o, h, 2);
	}
	out_str(o, "\"");
}

/* A short string field of the broker's own (mode, op): no hex. */
static void
out_name(struct out *o, const char *key, const char *s)
{
	int trunc = 0;

	out_fmt(o, ",\"%s\":", key);
	if (s == NULL) {
		out_str(o, "null");
		return;
	}
	out_str(o, "\"");
	out_escaped(o, (const unsigned char *)s, field_len(s, AUDIT_NAME_MAX, &trunc));
	out_str(o, "\"");
}

/*
 * Access bits as the policy language names them.  policy_access_format()
 * would do, but a static copy keeps the audit writer free of libpolicy and
 * names bits it does not know instead of dropping them.
 */
static void
out_access(struct out *o, unsigned access)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ POLICY_READ, "read" },
		{ POLICY_WRITE, "write" },
		{ POLICY_CREATE, "create" },
		{ POLICY_DELETE, "delete" },
		{ POLICY_LIST, "list" },
		{ POLICY_STAT, "stat" },
		{ POLICY_EXEC, "exec" },
	};
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (access & names[i].bit) {
			out_fmt(o, "%s%s", sep, names[i].name);
			access &= ~names[i].bit;
			sep = ",";
		}
	}
	if (access != 0)
		out_fmt(o, "%s0x%x", sep, access);
}

/*
 * open(2) flags by name.  The flags come from the worker, so any bit may be
 * set: the ones without a name are shown as one hex number at the end.
 * Composite flags (O_TMPFILE includes O_DIRECTORY, O_SYNC includes O_DSYNC)
 * come first and take their bits with them.
 */
static void
out_flags(struct out *o, unsigned flags)
{
	static const struct {
		unsigned bits;
		const char *name;
	} names[] = {
		{ O_CREAT, "O_CREAT" },
		{ O_EXCL, "O_EXCL" },
		{ O_NOCTTY, "O_NOCTTY" },
		{ O_TRUNC, "O_TRUNC" },
		{ O_APPEND, "O_APPEND" },
		{ O_NONBLOCK, "O_NONBLOCK" },
		{ O_SYNC, "O_SYNC" },
		{ O_DSYNC, "O_DSYNC" },
		{ O_ASYNC, "O_ASYNC" },
		{ O_DIRECT, "O_DIRECT" },
		{ O_TMPFILE, "O_TMPFILE" },
		{ O_DIRECTORY, "O_DIRECTORY" },
		{ O_NOFOLLOW, "O_NOFOLLOW" },
		{ O_NOATIME, "O_NOATIME" },
		{ O_CLOEXEC, "O_CLOEXEC" },
		{ O_PATH, "O_PATH" },
	};
	size_t i;

	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		out_str(o, "O_RDONLY");
		break;
	case O_WRONLY:
		out_str(o, "O_WRONLY");
		break;
	case O_RDWR:
		out_str(o, "O_RDWR");
		break;
	default:
		out_str(o, "O_ACCMODE");
		break;
	}
	flags &= ~(unsigned)O_ACCMODE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flags & names[i].bits) == names[i].bits) {
			out_fmt(o, "|%s", names[i].name);
			flags &= ~names[i].bits;
		}
	}
	if (flags != 0)
		out_fmt(o, "|0x%x", flags);
}

/* renameat2(2) flags by name (transparent mode; never 0 here). */
static void
out_rename_flags(struct out *o, unsigned flags)
{
	const char *sep = "";

	if (flags & RENAME_NOREPLACE) {
		out_str(o, "RENAME_NOREPLACE");
		sep = "|";
	}
	if (flags & RENAME_EXCHANGE) {
		out_fmt(o, "%sRENAME_EXCHANGE", sep);
		sep = "|";
	}
	flags &= ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE);
	if (flags != 0)
		out_fmt(o, "%s0x%x", sep, flags);
}

/* Which records carry flags: every open, and a rename that had some. */
static int
has_flags(const struct audit_event *ev)
{
	if (ev->op == NULL)
		return 0;
	return strcmp(ev->op, "open") == 0 || (strcmp(ev->op, "rename") == 0 && ev->flags != 0);
}

static void
out_any_flags(struct out *o, const struct audit_event *ev)
{
	if (strcmp(ev->op, "open") == 0)
		out_flags(o, ev->flags);
	else
		out_rename_flags(o, ev->flags);
}

/* RFC 3339 in UTC with microseconds; null for a time it cannot express. */
static void
out_time(struct out *o, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		out_str(o, "null");
		return;
	}
	out_fmt(o, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
}

static const char *
decision(const struct audit_event *ev)
{
	if (ev->rule == NULL)
		return "error";
	if (ev->allowed)
		return "allow";
	return ev->waived ? "would-deny" : "deny";
}

static void
out_errno(struct out *o, int err)
{
	const char *name;

	if ((name = audit_errno_name(err)) != NULL)
		out_str(o, name);
	else
		out_fmt(o, "E%d", err);
}

ssize_t
audit_format(const struct audit_event *ev, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	int trunc = 0;

	out_str(&o, "{\"v\":1,\"time\":");
	out_time(&o, &ev->when);
	out_name(&o, "mode", ev->mode);
	out_fmt(&o, ",\"pid\":%d,\"tid\":%d,\"uid\":%u,\"gid\":%u", (int)ev->pid, (int)ev->tid,
	    (unsigned)ev->uid, (unsigned)ev->gid);
	out_name(&o, "op", ev->op);
	out_field(&o, "path", ev->path, AUDIT_STR_MAX, 1, &trunc);
	if (ev->path2 != NULL)
		out_field(&o, "path2", ev->path2, AUDIT_STR_MAX, 1, &trunc);
	out_field(&o, "canon", ev->canon, AUDIT_STR_MAX, 1, &trunc);
	if (ev->path2 != NULL)
		out_field(&o, "canon2", ev->canon2, AUDIT_STR_MAX, 1, &trunc);
	out_str(&o, ",\"access\":\"");
	out_access(&o, ev->access);
	out_str(&o, "\",\"flags\":");
	if (has_flags(ev)) {
		out_str(&o, "\"");
		out_any_flags(&o, ev);
		out_str(&o, "\"");
	} else
		out_str(&o, "null");
	out_fmt(&o, ",\"decision\":\"%s\"", decision(ev));
	out_field(&o, "rule", ev->rule, AUDIT_STR_MAX, 1, &trunc);
	out_str(&o, ",\"errno\":");
	if (ev->err == 0)
		out_str(&o, "null");
	else {
		out_str(&o, "\"");
		out_errno(&o, ev->err);
		out_str(&o, "\"");
	}
	out_fmt(&o, ",\"duration_us\":%" PRIu64 ".%03u", ev->duration_ns / 1000,
	    (unsigned)(ev->duration_ns % 1000));
	if (ev->complain)
		out_str(&o, ",\"complain\":true");
	if (trunc)
		out_str(&o, ",\"truncated\":true");
	out_str(&o, "}\n");
	return out_end(&o);
}

/* A quoted, escaped string for the human line; "..." marks a cut. */
static void
out_quoted(struct out *o, const char *s)
{
	int trunc = 0;
	size_t n;

	n = field_len(s, AUDIT_STR_MAX, &trunc);
	out_str(o, "\"");
	out_escaped(o, (const unsigned char *)s, n);
	out_str(o, trunc ? "...\"" : "\"");
}

/*
 * The human line's body after the verb: OP of "PATH" [to "PATH2"]
 * [(resolved ...)] (ACCESS) for pid N[: rule R].
 */
static void
out_human(struct out *o, const struct audit_event *ev)
{
	int trunc = 0;

	out_escaped(o, (const unsigned char *)(ev->op ? ev->op : "request"),
	    ev->op ? field_len(ev->op, AUDIT_NAME_MAX, &trunc) : 7);
	if (ev->path != NULL) {
		out_str(o, " of ");
		out_quoted(o, ev->path);
	}
	if (ev->path2 != NULL) {
		out_str(o, " to ");
		out_quoted(o, ev->path2);
	}
	/* Say where a path led when it is not what was asked ("..", links). */
	if ((ev->canon != NULL && (ev->path == NULL || strcmp(ev->canon, ev->path) != 0)) ||
	    (ev->canon2 != NULL && (ev->path2 == NULL || strcmp(ev->canon2, ev->path2) != 0))) {
		out_str(o, " (resolved ");
		out_quoted(o, ev->canon ? ev->canon : "?");
		if (ev->path2 != NULL) {
			out_str(o, " to ");
			out_quoted(o, ev->canon2 ? ev->canon2 : "?");
		}
		out_str(o, ")");
	}
	out_str(o, " (");
	out_access(o, ev->access);
	out_fmt(o, ") for pid %d", (int)ev->pid);
	if (ev->rule != NULL) {
		out_str(o, ": rule ");
		out_escaped(o, (const unsigned char *)ev->rule,
		    field_len(ev->rule, AUDIT_STR_MAX, &trunc));
	}
}

ssize_t
audit_format_denial(const struct audit_event *ev, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };

	if (ev->rule == NULL || ev->allowed)
		return out_end(&o);
	out_str(&o, ev->waived ? "filebroker: would deny " : "filebroker: denied ");
	out_human(&o, ev);
	out_str(&o, "\n");
	return out_end(&o);
}

int
audit_priority(const struct audit_event *ev)
{
	if (ev->rule == NULL || ev->allowed)
		return 6; /* info */
	return ev->waived ? 5 : 4; /* notice, warning */
}

ssize_t
audit_format_syslog(const struct audit_event *ev, pid_t broker_pid, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	ssize_t n;

	/* RFC 3164 without a timestamp: the daemon stamps what it receives
	 * (and the record holds the exact time). */
	out_fmt(&o, "<%d>filebroker[%d]: ", AUDIT_SYSLOG_FACILITY * 8 + audit_priority(ev),
	    (int)broker_pid);
	if (o.full)
		return out_end(&o);
	n = audit_format(ev, buf + o.len, size - o.len);
	if (n < 0) {
		buf[0] = '\0';
		return -1;
	}
	/* One datagram, one record: the newline is not part of it. */
	buf[o.len + (size_t)n - 1] = '\0';
	return (ssize_t)(o.len + (size_t)n - 1);
}

/* End the journal field begun at start: a NUL after it, and its iovec. */
static void
jfield_end(struct out *o, struct iovec *iov, int *n, size_t start)
{
	out_bytes(o, "", 1); /* the NUL separating fields */
	if (*n >= AUDIT_JOURNAL_FIELDS)
		o->full = 1;
	if (o->full)
		return;
	iov[*n].iov_base = o->buf + start;
	iov[*n].iov_len = o->len - start - 1;
	(*n)++;
}

/* NAME=escaped value [, NAME_HEX=bytes when not UTF-8] */
static void
jstring(struct out *o, struct iovec *iov, int *n, const char *name, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t start = o->len, len, i;
	int trunc = 0, bad;
	char h[2];

	if (s == NULL)
		return;
	len = field_len(s, AUDIT_STR_MAX, &trunc);
	out_fmt(o, "%s=", name);
	bad = out_escaped(o, u, len);
	jfield_end(o, iov, n, start);
	if (!bad)
		return;
	start = o->len;
	out_fmt(o, "%s_HEX=", name);
	for (i = 0; i < len; i++) {
		h[0] = digits[u[i] >> 4];
		h[1] = digits[u[i] & 0xf];
		out_bytes(o, h, 2);
	}
	jfield_end(o, iov, n, start);
}

int
audit_format_journal(const struct audit_event *ev, char *buf, size_t size, struct iovec *iov)
{
	struct out o = { buf, size, 0, 0 };
	size_t start;
	int n = 0;

	start = o.len;
	out_str(&o, "MESSAGE=");
	if (ev->rule == NULL)
		out_str(&o, "failed ");
	else if (ev->allowed)
		out_str(&o, "allowed ");
	else
		out_str(&o, ev->waived ? "would deny " : "denied ");
	out_human(&o, ev);
	if (ev->err != 0) {
		out_str(&o, ": ");
		out_errno(&o, ev->err);
	}
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_fmt(&o, "PRIORITY=%d", audit_priority(ev));
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_str(&o, "SYSLOG_IDENTIFIER=filebroker");
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_fmt(&o, "SYSLOG_FACILITY=%d", AUDIT_SYSLOG_FACILITY);
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_str(&o, "FILEBROKER_V=1");
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_str(&o, "FILEBROKER_TIME=");
	out_time(&o, &ev->when);
	jfield_end(&o, iov, &n, start);
	jstring(&o, iov, &n, "FILEBROKER_MODE", ev->mode);
	start = o.len;
	out_fmt(&o, "FILEBROKER_PID=%d", (int)ev->pid);
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_fmt(&o, "FILEBROKER_TID=%d", (int)ev->tid);
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_fmt(&o, "FILEBROKER_UID=%u", (unsigned)ev->uid);
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_fmt(&o, "FILEBROKER_GID=%u", (unsigned)ev->gid);
	jfield_end(&o, iov, &n, start);
	jstring(&o, iov, &n, "FILEBROKER_OP", ev->op);
	jstring(&o, iov, &n, "FILEBROKER_PATH", ev->path);
	if (ev->path2 != NULL)
		jstring(&o, iov, &n, "FILEBROKER_PATH2", ev->path2);
	jstring(&o, iov, &n, "FILEBROKER_CANON", ev->canon);
	if (ev->path2 != NULL)
		jstring(&o, iov, &n, "FILEBROKER_CANON2", ev->canon2);
	start = o.len;
	out_str(&o, "FILEBROKER_ACCESS=");
	out_access(&o, ev->access);
	jfield_end(&o, iov, &n, start);
	if (has_flags(ev)) {
		start = o.len;
		out_str(&o, "FILEBROKER_FLAGS=");
		out_any_flags(&o, ev);
		jfield_end(&o, iov, &n, start);
	}
	start = o.len;
	out_fmt(&o, "FILEBROKER_DECISION=%s", decision(ev));
	jfield_end(&o, iov, &n, start);
	jstring(&o, iov, &n, "FILEBROKER_RULE", ev->rule);
	if (ev->err != 0) {
		start = o.len;
		out_str(&o, "FILEBROKER_ERRNO=");
		out_errno(&o, ev->err);
		jfield_end(&o, iov, &n, start);
	}
	start = o.len;
	out_fmt(&o, "FILEBROKER_DURATION_US=%" PRIu64 ".%03u", ev->duration_ns / 1000,
	    (unsigned)(ev->duration_ns % 1000));
	jfield_end(&o, iov, &n, start);
	if (ev->complain) {
		start = o.len;
		out_str(&o, "FILEBROKER_COMPLAIN=1");
		jfield_end(&o, iov, &n, start);
	}
	if (o.full) {
		errno = ENOBUFS;
		return -1;
	}
	return n;
}

#define E(x) { x, #x }
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	/* Linux's errno values; the aliases EWOULDBLOCK, EDEADLOCK and ENOTSUP
	 * share a value with EAGAIN, EDEADLK and EOPNOTSUPP and are left out. */
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC),
	E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(ENOTBLK),
	E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL),
	E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE),
	E(EROFS), E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG),
	E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ECHRNG),
	E(EL2NSYNC), E(EL3HLT), E(EL3RST), E(ELNRNG), E(EUNATCH), E(ENOCSI), E(EL2HLT),
	E(EBADE), E(EBADR), E(EXFULL), E(ENOANO), E(EBADRQC), E(EBADSLT), E(EBFONT),
	E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR), E(ENONET), E(ENOPKG), E(EREMOTE),
	E(ENOLINK), E(EADV), E(ESRMNT), E(ECOMM), E(EPROTO), E(EMULTIHOP), E(EDOTDOT),
	E(EBADMSG), E(EOVERFLOW), E(ENOTUNIQ), E(EBADFD), E(EREMCHG), E(ELIBACC),
	E(ELIBBAD), E(ELIBSCN), E(ELIBMAX), E(ELIBEXEC), E(EILSEQ), E(ERESTART),
	E(ESTRPIPE), E(EUSERS), E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE),
	E(ENOPROTOOPT), E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
	E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN),
	E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS),
	E(EISCONN), E(ENOTCONN), E(ESHUTDOWN), E(ETOOMANYREFS), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS),
	E(ESTALE), E(EUCLEAN), E(ENOTNAM), E(ENAVAIL), E(EISNAM), E(EREMOTEIO), E(EDQUOT),
	E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED),
	E(EKEYREVOKED), E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE), E(ERFKILL),
	E(EHWPOISON),
};
#undef E

const char *
audit_errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

int
audit_errno_value(const char *name)
{
	size_t i;
	int v = 0;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].err;
	/* "E<number>", as audit_format() writes a value without a name. */
	if (name[0] != 'E' || name[1] < '1' || name[1] > '9')
		return -1;
	for (i = 1; name[i] != '\0'; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 4095)
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v >= 1 && v <= 4095 ? v : -1;
}
