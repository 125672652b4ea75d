/*
 * audit.c: see audit.h and docs/audit.md.
 *
 * Formatting is pure and bounded: every byte goes through jsonout.h's
 * cursor, which refuses to pass the end of the caller's buffer, and every
 * string field is cut at a fixed length so that AUDIT_RECORD_MAX is a true
 * bound rather than a hope.  No printf: a record is made per request (see
 * jsonout.h).  The sinks, which write, are in audit_sink.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "audit.h"
#include "filebroker.h" /* FB_VERSION */
#include "jsonout.h"
#include "policy.h"

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
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	int bad;

	out_key(o, key);
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
	out_str(o, ",\"");
	out_str(o, key);
	out_str(o, "_hex\":\"");
	out_hexbytes(o, u, n);
	out_str(o, "\"");
}

/* A short string field of the broker's own (mode, op): no hex. */
static void
out_name(struct out *o, const char *key, const char *s)
{
	int trunc = 0;

	out_key(o, key);
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
			out_str(o, sep);
			out_str(o, names[i].name);
			access &= ~names[i].bit;
			sep = ",";
		}
	}
	if (access != 0) {
		out_str(o, sep);
		out_str(o, "0x");
		out_hex(o, access);
	}
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
			out_str(o, "|");
			out_str(o, names[i].name);
			flags &= ~names[i].bits;
		}
	}
	if (flags != 0) {
		out_str(o, "|0x");
		out_hex(o, flags);
	}
}

struct bitname {
	unsigned bits;
	const char *name;
};

/* The bits of v by name, '|'-separated, those without one as 0x.. last. */
static void
out_names(struct out *o, unsigned v, const struct bitname *t, size_t n)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (v & t[i].bits) {
			out_str(o, sep);
			out_str(o, t[i].name);
			sep = "|";
			v &= ~t[i].bits;
		}
	}
	if (v != 0 || *sep == '\0') {
		out_str(o, sep);
		out_str(o, "0x");
		out_hex(o, v);
	}
}

/* renameat2(2) flags (transparent mode; never 0 here). */
static const struct bitname rename_names[] = {
	{ RENAME_NOREPLACE, "RENAME_NOREPLACE" },
	{ RENAME_EXCHANGE, "RENAME_EXCHANGE" },
};

/* inotify_add_watch(2)'s mask (transparent mode). */
static const struct bitname inotify_names[] = {
	{ IN_ACCESS, "IN_ACCESS" },
	{ IN_MODIFY, "IN_MODIFY" },
	{ IN_ATTRIB, "IN_ATTRIB" },
	{ IN_CLOSE_WRITE, "IN_CLOSE_WRITE" },
	{ IN_CLOSE_NOWRITE, "IN_CLOSE_NOWRITE" },
	{ IN_OPEN, "IN_OPEN" },
	{ IN_MOVED_FROM, "IN_MOVED_FROM" },
	{ IN_MOVED_TO, "IN_MOVED_TO" },
	{ IN_CREATE, "IN_CREATE" },
	{ IN_DELETE, "IN_DELETE" },
	{ IN_DELETE_SELF, "IN_DELETE_SELF" },
	{ IN_MOVE_SELF, "IN_MOVE_SELF" },
	{ IN_ONLYDIR, "IN_ONLYDIR" },
	{ IN_DONT_FOLLOW, "IN_DONT_FOLLOW" },
	{ IN_EXCL_UNLINK, "IN_EXCL_UNLINK" },
	{ IN_MASK_CREATE, "IN_MASK_CREATE" },
	{ IN_MASK_ADD, "IN_MASK_ADD" },
	{ IN_ONESHOT, "IN_ONESHOT" },
};

/* Which records carry flags: every open, chmod and watch, and a rename
 * that had some. */
static int
has_flags(const struct audit_event *ev)
{
	if (ev->op == NULL)
		return 0;
	return strcmp(ev->op, "open") == 0 || strcmp(ev->op, "chmod") == 0 ||
	    strcmp(ev->op, "watch") == 0 || (strcmp(ev->op, "rename") == 0 && ev->flags != 0);
}

/* chmod(2)'s mode as chmod(1) writes it: "0755", "04750". */
static void
out_mode(struct out *o, unsigned mode)
{
	char d[6];
	int i = (int)sizeof(d);

	mode &= 07777;
	do {
		d[--i] = (char)('0' + (mode & 7));
		mode >>= 3;
	} while (mode != 0);
	while (i > 3)
		d[--i] = '0'; /* three digits at least */
	d[--i] = '0';
	out_bytes(o, d + i, sizeof(d) - (size_t)i);
}

/* openat2(2)'s RESOLVE_* bits, after the open flags: |RESOLVE_BENEATH... */
static void
out_resolve(struct out *o, uint64_t resolve)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ RESOLVE_NO_XDEV, "|RESOLVE_NO_XDEV" },
		{ RESOLVE_NO_MAGICLINKS, "|RESOLVE_NO_MAGICLINKS" },
		{ RESOLVE_NO_SYMLINKS, "|RESOLVE_NO_SYMLINKS" },
		{ RESOLVE_BENEATH, "|RESOLVE_BENEATH" },
		{ RESOLVE_IN_ROOT, "|RESOLVE_IN_ROOT" },
		{ RESOLVE_CACHED, "|RESOLVE_CACHED" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (resolve & names[i].bit) {
			out_str(o, names[i].name);
			resolve &= ~names[i].bit;
		}
	}
	if (resolve != 0) {
		out_str(o, "|RESOLVE_0x");
		out_hex64(o, resolve);
	}
}

static void
out_any_flags(struct out *o, const struct audit_event *ev)
{
	if (strcmp(ev->op, "open") == 0) {
		out_flags(o, ev->flags);
		out_resolve(o, ev->resolve);
	} else if (strcmp(ev->op, "chmod") == 0)
		out_mode(o, ev->flags);
	else if (strcmp(ev->op, "watch") == 0)
		out_names(o, ev->flags, inotify_names,
		    sizeof(inotify_names) / sizeof(inotify_names[0]));
	else
		out_names(o, ev->flags, rename_names,
		    sizeof(rename_names) / sizeof(rename_names[0]));
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
	else {
		out_str(o, "E");
		out_sdec(o, err);
	}
}

/* Microseconds with three decimals, from nanoseconds. */
static void
out_duration(struct out *o, uint64_t ns)
{
	char frac[4];

	out_udec(o, ns / 1000);
	frac[0] = '.';
	put_digits(frac + 1, (unsigned)(ns % 1000), 3);
	out_bytes(o, frac, sizeof(frac));
}

/* ,"key":v, signed and unsigned (pid_t is signed and shown so; uid_t and
 * gid_t are not). */
static void
out_int(struct out *o, const char *key, int64_t v)
{
	out_key(o, key);
	out_sdec(o, v);
}

static void
out_uint(struct out *o, const char *key, uint64_t v)
{
	out_key(o, key);
	out_udec(o, v);
}

/* ,"session":"ID" or ,"session":null */
static void
out_session(struct out *o, const struct audit_sess *s)
{
	out_key(o, "session");
	if (s == NULL) {
		out_str(o, "null");
		return;
	}
	out_str(o, "\"");
	out_bytes(o, s->id, strnlen(s->id, AUDIT_SESSION_ID_LEN));
	out_str(o, "\"");
}

ssize_t
audit_format(const struct audit_event *ev, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	int trunc = 0;

	out_str(&o, "{\"v\":2,\"time\":");
	out_time(&o, &ev->when);
	out_session(&o, ev->session);
	if (ev->phase != AUDIT_PHASE_NONE) {
		out_uint(&o, "req", ev->req);
		out_str(&o,
		    ev->phase == AUDIT_PHASE_INTENT ? ",\"phase\":\"intent\"" :
						      ",\"phase\":\"done\"");
	}
	out_name(&o, "mode", ev->mode);
	out_int(&o, "pid", (int)ev->pid);
	out_int(&o, "tid", (int)ev->tid);
	if (ev->nspid > 0) {
		out_int(&o, "nspid", (int)ev->nspid);
		out_int(&o, "nstid", (int)ev->nstid);
	}
	out_uint(&o, "uid", (unsigned)ev->uid);
	out_uint(&o, "gid", (unsigned)ev->gid);
	out_field(&o, "exe", ev->exe, AUDIT_STR_MAX, 1, &trunc);
	out_name(&o, "op", ev->op);
	out_field(&o, "path", ev->path, AUDIT_STR_MAX, 1, &trunc);
	if (ev->path2 != NULL)
		out_field(&o, "path2", ev->path2, AUDIT_STR_MAX, 1, &trunc);
	out_field(&o, "canon", ev->canon, AUDIT_STR_MAX, 1, &trunc);
	if (ev->path2 != NULL)
		out_field(&o, "canon2", ev->canon2, AUDIT_STR_MAX, 1, &trunc);
	if (ev->interp != NULL)
		out_field(&o, "interp", ev->interp, AUDIT_STR_MAX, 1, &trunc);
	out_str(&o, ",\"access\":\"");
	out_access(&o, ev->access);
	out_str(&o, "\",\"flags\":");
	if (has_flags(ev)) {
		out_str(&o, "\"");
		out_any_flags(&o, ev);
		out_str(&o, "\"");
	} else
		out_str(&o, "null");
	out_str(&o, ",\"decision\":\"");
	out_str(&o, decision(ev));
	out_str(&o, "\"");
	out_field(&o, "rule", ev->rule, AUDIT_STR_MAX, 1, &trunc);
	out_str(&o, ",\"errno\":");
	if (ev->err == 0)
		out_str(&o, "null");
	else {
		out_str(&o, "\"");
		out_errno(&o, ev->err);
		out_str(&o, "\"");
	}
	out_str(&o, ",\"duration_us\":");
	out_duration(&o, ev->duration_ns);
	if (ev->complain)
		out_str(&o, ",\"complain\":true");
	if (trunc)
		out_str(&o, ",\"truncated\":true");
	out_str(&o, "}\n");
	return out_end(&o);
}

/* The beginning of the broker's own event lines: {"v":2,"time":...,
 * "event":"NAME","broker_pid":N */
static void
out_event(struct out *o, const struct timespec *when, const char *name, pid_t broker_pid)
{
	out_str(o, "{\"v\":2,\"time\":");
	out_time(o, when);
	out_str(o, ",\"event\":\"");
	out_str(o, name);
	out_str(o, "\"");
	out_int(o, "broker_pid", (int)broker_pid);
}

ssize_t
audit_format_torn(const struct timespec *when, pid_t broker_pid, enum audit_torn_cause cause,
    int64_t bytes, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };

	out_event(&o, when, "torn", broker_pid);
	out_str(&o, cause == AUDIT_TORN_OPEN ? ",\"cause\":\"open\"" : ",\"cause\":\"write\"");
	out_str(&o, ",\"bytes\":");
	if (bytes < 0 || bytes > AUDIT_RECORD_MAX)
		out_str(&o, "null");
	else
		out_udec(&o, (uint64_t)bytes);
	out_str(&o, "}\n");
	return out_end(&o);
}

/* ,"key":"<hex of the 32 bytes at d>", or ,"key":null */
static void
out_digest(struct out *o, const char *key, const unsigned char *d)
{
	out_key(o, key);
	if (d == NULL) {
		out_str(o, "null");
		return;
	}
	out_str(o, "\"");
	out_hexbytes(o, d, 32);
	out_str(o, "\"");
}

ssize_t
audit_format_open(const struct timespec *when, pid_t broker_pid, const struct audit_open *info,
    char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };

	out_event(&o, when, "open", broker_pid);
	out_str(&o, info->reopen ? ",\"cause\":\"reopen\"" : ",\"cause\":\"start\"");
	out_str(&o, ",\"version\":\"" FB_VERSION "\"");
	if (info->key_id != NULL) {
		out_str(&o, ",\"alg\":\"hmac-sha256\",\"key_id\":\"");
		out_bytes(&o, info->key_id, strnlen(info->key_id, 16));
		out_str(&o, "\"");
	} else
		out_str(&o, ",\"alg\":\"sha256\"");
	out_digest(&o, "prev", info->prev);
	out_digest(&o, "after", info->after);
	if (info->torn) {
		out_str(&o, ",\"torn\":");
		if (info->torn_bytes < 0 || info->torn_bytes > AUDIT_RECORD_MAX)
			out_str(&o, "null");
		else
			out_udec(&o, (uint64_t)info->torn_bytes);
	}
	out_str(&o, "}\n");
	return out_end(&o);
}

ssize_t
audit_format_close(const struct timespec *when, pid_t broker_pid, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };

	out_event(&o, when, "close", broker_pid);
	out_str(&o, ",\"cause\":\"exit\"}\n");
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
out_human(struct out *o, const struct audit_event *ev, int hide)
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
		if (hide && ev->canon_hidden)
			out_str(o, "elsewhere, hidden from the worker");
		else
			out_quoted(o, ev->canon ? ev->canon : "?");
		if (ev->path2 != NULL) {
			out_str(o, " to ");
			if (hide && ev->canon2_hidden)
				out_str(o, "elsewhere, hidden from the worker");
			else
				out_quoted(o, ev->canon2 ? ev->canon2 : "?");
		}
		out_str(o, ")");
	}
	out_str(o, " (");
	out_access(o, ev->access);
	out_str(o, ") for pid ");
	out_sdec(o, (int)ev->pid);
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

	/* A change's intent is no line of its own: its outcome says it. */
	if (ev->rule == NULL || ev->allowed || ev->phase == AUDIT_PHASE_INTENT)
		return out_end(&o);
	out_str(&o, ev->waived ? "filebroker: would deny " : "filebroker: denied ");
	out_human(&o, ev, 1);
	out_str(&o, "\n");
	return out_end(&o);
}

int
audit_priority(const struct audit_event *ev)
{
	if (ev->rule == NULL || ev->allowed)
		return 6;	   /* info */
	return ev->waived ? 5 : 4; /* notice, warning */
}

/* RFC 3164 without a timestamp: the daemon stamps what it receives (and
 * the record holds the exact time). */
static void
out_syslog_head(struct out *o, int priority, pid_t broker_pid)
{
	out_str(o, "<");
	out_sdec(o, AUDIT_SYSLOG_FACILITY * 8 + priority);
	out_str(o, ">filebroker[");
	out_sdec(o, (int)broker_pid);
	out_str(o, "]: ");
}

ssize_t
audit_format_syslog_line(const char *line, size_t n, pid_t broker_pid, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };

	out_syslog_head(&o, 6, broker_pid);
	out_bytes(&o, line, n > 0 && line[n - 1] == '\n' ? n - 1 : n);
	return out_end(&o);
}

ssize_t
audit_format_syslog(const struct audit_event *ev, pid_t broker_pid, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	ssize_t n;

	out_syslog_head(&o, audit_priority(ev), broker_pid);
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
	const unsigned char *u = (const unsigned char *)s;
	size_t start = o->len, len;
	int trunc = 0, bad;

	if (s == NULL)
		return;
	len = field_len(s, AUDIT_STR_MAX, &trunc);
	out_str(o, name);
	out_str(o, "=");
	bad = out_escaped(o, u, len);
	jfield_end(o, iov, n, start);
	if (!bad)
		return;
	start = o->len;
	out_str(o, name);
	out_str(o, "_HEX=");
	out_hexbytes(o, u, len);
	jfield_end(o, iov, n, start);
}

/* NAME=decimal, a field of its own. */
static void
jnumber(struct out *o, struct iovec *iov, int *n, const char *name, int64_t v)
{
	size_t start = o->len;

	out_str(o, name);
	out_sdec(o, v);
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
	if (ev->phase == AUDIT_PHASE_INTENT)
		out_str(&o, "intent: ");
	if (ev->rule == NULL)
		out_str(&o, "failed ");
	else if (ev->allowed)
		out_str(&o, "allowed ");
	else
		out_str(&o, ev->waived ? "would deny " : "denied ");
	out_human(&o, ev, 0);
	if (ev->err != 0) {
		out_str(&o, ": ");
		out_errno(&o, ev->err);
	}
	jfield_end(&o, iov, &n, start);
	jnumber(&o, iov, &n, "PRIORITY=", audit_priority(ev));
	start = o.len;
	out_str(&o, "SYSLOG_IDENTIFIER=filebroker");
	jfield_end(&o, iov, &n, start);
	jnumber(&o, iov, &n, "SYSLOG_FACILITY=", AUDIT_SYSLOG_FACILITY);
	start = o.len;
	out_str(&o, "FILEBROKER_V=2");
	jfield_end(&o, iov, &n, start);
	start = o.len;
	out_str(&o, "FILEBROKER_TIME=");
	out_time(&o, &ev->when);
	jfield_end(&o, iov, &n, start);
	if (ev->session != NULL) {
		start = o.len;
		out_str(&o, "FILEBROKER_SESSION=");
		out_bytes(&o, ev->session->id, strnlen(ev->session->id, AUDIT_SESSION_ID_LEN));
		jfield_end(&o, iov, &n, start);
	}
	if (ev->phase != AUDIT_PHASE_NONE) {
		start = o.len;
		out_str(&o, "FILEBROKER_REQ=");
		out_udec(&o, ev->req);
		jfield_end(&o, iov, &n, start);
		jstring(&o, iov, &n, "FILEBROKER_PHASE",
		    ev->phase == AUDIT_PHASE_INTENT ? "intent" : "done");
	}
	jstring(&o, iov, &n, "FILEBROKER_MODE", ev->mode);
	jnumber(&o, iov, &n, "FILEBROKER_PID=", (int)ev->pid);
	jnumber(&o, iov, &n, "FILEBROKER_TID=", (int)ev->tid);
	jnumber(&o, iov, &n, "FILEBROKER_UID=", (unsigned)ev->uid);
	jnumber(&o, iov, &n, "FILEBROKER_GID=", (unsigned)ev->gid);
	jstring(&o, iov, &n, "FILEBROKER_EXE", ev->exe);
	jstring(&o, iov, &n, "FILEBROKER_OP", ev->op);
	jstring(&o, iov, &n, "FILEBROKER_PATH", ev->path);
	if (ev->path2 != NULL)
		jstring(&o, iov, &n, "FILEBROKER_PATH2", ev->path2);
	jstring(&o, iov, &n, "FILEBROKER_CANON", ev->canon);
	if (ev->path2 != NULL)
		jstring(&o, iov, &n, "FILEBROKER_CANON2", ev->canon2);
	jstring(&o, iov, &n, "FILEBROKER_INTERP", ev->interp);
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
	out_str(&o, "FILEBROKER_DECISION=");
	out_str(&o, decision(ev));
	jfield_end(&o, iov, &n, start);
	jstring(&o, iov, &n, "FILEBROKER_RULE", ev->rule);
	if (ev->err != 0) {
		start = o.len;
		out_str(&o, "FILEBROKER_ERRNO=");
		out_errno(&o, ev->err);
		jfield_end(&o, iov, &n, start);
	}
	start = o.len;
	out_str(&o, "FILEBROKER_DURATION_US=");
	out_duration(&o, ev->duration_ns);
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

int
audit_format_journal_event(const struct audit_note *note, const char *line, size_t n, char *buf,
    size_t size, struct iovec *iov)
{
	struct out o = { buf, size, 0, 0 };
	size_t start;
	int k = 0;

	jstring(&o, iov, &k, "MESSAGE", note->message);
	jnumber(&o, iov, &k, "PRIORITY=", 6);
	start = o.len;
	out_str(&o, "SYSLOG_IDENTIFIER=filebroker");
	jfield_end(&o, iov, &k, start);
	jnumber(&o, iov, &k, "SYSLOG_FACILITY=", AUDIT_SYSLOG_FACILITY);
	start = o.len;
	out_str(&o, "FILEBROKER_V=2");
	jfield_end(&o, iov, &k, start);
	jstring(&o, iov, &k, "FILEBROKER_EVENT", note->event);
	jstring(&o, iov, &k, "FILEBROKER_SESSION", note->session);
	/* The record itself: valid UTF-8 and one line, as written. */
	start = o.len;
	out_str(&o, "FILEBROKER_RECORD=");
	out_bytes(&o, line, n > 0 && line[n - 1] == '\n' ? n - 1 : n);
	jfield_end(&o, iov, &k, start);
	if (o.full) {
		errno = ENOBUFS;
		return -1;
	}
	return k;
}

/* ---- sessions ---- */

/* ,"key":N, or null when v < 0 */
static void
out_num_or_null(struct out *o, const char *key, int64_t v)
{
	out_key(o, key);
	if (v < 0)
		out_str(o, "null");
	else
		out_udec(o, (uint64_t)v);
}

/* ,"argv":[...] and, when some argument is not UTF-8, ,"argv_hex":[...]:
 * at most AUDIT_ARGV_MAX arguments, AUDIT_ARGV_BYTES bytes of them. */
static void
out_argv(struct out *o, char *const *argv, int *trunc)
{
	size_t i, n, left = AUDIT_ARGV_BYTES;
	int bad = 0, pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && !bad)
			break;
		out_str(o, pass == 0 ? ",\"argv\":[" : ",\"argv_hex\":[");
		left = AUDIT_ARGV_BYTES;
		for (i = 0; argv != NULL && argv[i] != NULL; i++) {
			if (i == AUDIT_ARGV_MAX || left == 0) {
				*trunc = 1;
				break;
			}
			n = strnlen(argv[i], left + 1);
			if (n > left) {
				n = left;
				*trunc = 1;
			}
			left -= n;
			out_str(o, i > 0 ? ",\"" : "\"");
			if (pass == 0)
				bad |= out_escaped(o, (const unsigned char *)argv[i], n);
			else
				out_hexbytes(o, (const unsigned char *)argv[i], n);
			out_str(o, "\"");
		}
		out_str(o, "]");
	}
}

ssize_t
audit_format_session_start(const struct audit_sess *s, const struct audit_session *info,
    const struct timespec *when, pid_t broker_pid, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	size_t argc = 0;
	int trunc = 0;

	while (info->argv != NULL && info->argv[argc] != NULL)
		argc++;
	out_str(&o, "{\"v\":2,\"time\":");
	out_time(&o, when);
	out_str(&o, ",\"event\":\"session-start\"");
	out_session(&o, s);
	out_int(&o, "broker_pid", (int)broker_pid);
	out_str(&o, ",\"version\":\"" FB_VERSION "\"");
	out_name(&o, "mode", info->mode);
	out_int(&o, "pid", (int)info->pid);
	out_uint(&o, "uid", (unsigned)info->uid);
	out_uint(&o, "gid", (unsigned)info->gid);
	out_uint(&o, "invoker_uid", (unsigned)info->invoker_uid);
	out_uint(&o, "invoker_gid", (unsigned)info->invoker_gid);
	out_num_or_null(&o, "auid", info->auid);
	out_field(&o, "command", info->command, AUDIT_STR_MAX, 1, &trunc);
	out_uint(&o, "argc", argc);
	out_argv(&o, info->argv, &trunc);
	out_field(&o, "cwd", info->cwd, AUDIT_STR_MAX, 1, &trunc);
	out_name(&o, "placement", info->placement);
	out_field(&o, "policy", info->policy, AUDIT_STR_MAX, 1, &trunc);
	out_key(&o, "policy_sha256");
	if (info->policy_sha256 != NULL) {
		/* 64 hex digits of ours, checked all the same. */
		out_str(&o, "\"");
		out_escaped(&o, (const unsigned char *)info->policy_sha256,
		    strnlen(info->policy_sha256, 64));
		out_str(&o, "\"");
	} else
		out_str(&o, "null");
	out_field(&o, "profile", info->profile, AUDIT_STR_MAX, 1, &trunc);
	if (info->tmp != NULL)
		out_field(&o, "tmp", info->tmp, AUDIT_STR_MAX, 1, &trunc);
	if (info->complain)
		out_str(&o, ",\"complain\":true");
	if (info->unbrokered != NULL)
		out_field(&o, "unbrokered", info->unbrokered, AUDIT_STR_MAX, 1, &trunc);
	if (info->lane)
		out_str(&o, ",\"lane\":true");
	if (trunc)
		out_str(&o, ",\"truncated\":true");
	out_str(&o, "}\n");
	return out_end(&o);
}

ssize_t
audit_format_session_end(const struct audit_sess *s, const int *wstatus, uint64_t duration_ns,
    const struct timespec *when, pid_t broker_pid, char *buf, size_t size)
{
	static const char *const keys[4] = { "allowed", "denied", "would_deny", "failed" };
	struct out o = { buf, size, 0, 0 };
	const char *sig;
	int i;

	out_str(&o, "{\"v\":2,\"time\":");
	out_time(&o, when);
	out_str(&o, ",\"event\":\"session-end\"");
	out_session(&o, s);
	out_int(&o, "broker_pid", (int)broker_pid);
	/* A run ends with its worker; a daemon peer when it disconnects. */
	out_str(&o, wstatus != NULL ? ",\"cause\":\"exit\"" : ",\"cause\":\"disconnect\"");
	out_num_or_null(&o, "exit",
	    wstatus != NULL && WIFEXITED(*wstatus) ? WEXITSTATUS(*wstatus) : -1);
	out_key(&o, "signal");
	if (wstatus != NULL && WIFSIGNALED(*wstatus)) {
		out_str(&o, "\"SIG");
		if ((sig = sigabbrev_np(WTERMSIG(*wstatus))) != NULL)
			out_str(&o, sig);
		else
			out_sdec(&o, WTERMSIG(*wstatus));
		out_str(&o, "\"");
	} else
		out_str(&o, "null");
	for (i = 0; i < 4; i++) {
		out_key(&o, keys[i]);
		out_udec(&o, __atomic_load_n(&s->n[i], __ATOMIC_RELAXED));
	}
	out_str(&o, ",\"duration_us\":");
	out_duration(&o, duration_ns);
	out_str(&o, "}\n");
	return out_end(&o);
}

/* clang-format off */
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
/* clang-format on */
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
