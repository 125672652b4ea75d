/*
 * audit_read.c: a strict reader for one audit record; see audit_read.h.
 *
 * A recursive-descent JSON parser over a bounded cursor, cut down to what a
 * record needs: the top level is an object whose known keys get typed
 * getters, and any other value is validated and skipped.  Every check that
 * JSON makes is made (UTF-8, escapes, number grammar), because the input is
 * a file anyone with write access to it may have edited.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_read.h"
#include "policy.h"
#include "timearg.h"
#include "utf8.h"

struct cur {
	const unsigned char *p, *end;
	char *store, *store_end; /* decoded strings go here */
	const char *why;
	int depth;
	int cut; /* the input ended inside a token: a record cut short */
};

static int
fail(struct cur *c, const char *why)
{
	if (c->why == NULL)
		c->why = why;
	if (c->p >= c->end)
		c->cut = 1;
	return -1;
}

static void
ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

/* The line ends inside the literal s ("nu" of "null"): a record cut
 * short.  Out of line: lit() is the parser's most frequent call. */
static void __attribute__((noinline, cold)) lit_cut(struct cur *c, const char *s, size_t left)
{
	if (memcmp(c->p, s, left) == 0)
		c->cut = 1;
}

static inline int
lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n) {
		lit_cut(c, s, (size_t)(c->end - c->p));
		return 0;
	}
	if (memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static int
hex4(struct cur *c, unsigned *v)
{
	int i, d;

	*v = 0;
	if (c->end - c->p < 4) {
		c->cut = 1;
		return fail(c, "short \\u escape");
	}
	for (i = 0; i < 4; i++) {
		d = c->p[i];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d -= 'a' - 10;
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return fail(c, "bad \\u escape");
		*v = *v << 4 | (unsigned)d;
	}
	c->p += 4;
	return 0;
}

static inline int
put(struct cur *c, char **o, const void *b, size_t n)
{
	if ((size_t)(c->store_end - *o) < n)
		return fail(c, "store too small");
	memcpy(*o, b, n);
	*o += n;
	return 0;
}

/*
 * A string at the cursor (its opening quote included).  With out != NULL
 * the decoded bytes go to the store, NUL-terminated, and *out points at
 * them; otherwise it is only checked.
 */
static int
string(struct cur *c, const char **out)
{
	char *o = c->store;
	unsigned char u8[4];
	unsigned cp, lo;
	uint32_t any;
	size_t k;

	if (c->p >= c->end || *c->p != '"')
		return fail(c, "expected a string");
	c->p++;
	for (;;) {
		if (c->p >= c->end)
			return fail(c, "unterminated string");
		if (*c->p == '"') {
			c->p++;
			break;
		}
		if (*c->p < 0x20)
			return fail(c, "raw control character in a string");
		if (*c->p < 0x80 && *c->p != '\\') {
			/* A run of plain ASCII, copied at once: most of a record. */
			const unsigned char *q = c->p;

			while (q < c->end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
				q++;
			if (out != NULL && put(c, &o, c->p, (size_t)(q - c->p)) == -1)
				return -1;
			c->p = q;
			continue;
		}
		if (*c->p != '\\') {
			if ((k = utf8_decode(c->p, (size_t)(c->end - c->p), &any)) == 0) {
				/* A sequence the line ends inside of. */
				if (c->end - c->p < (*c->p >= 0xf0 ? 4 : *c->p >= 0xe0 ? 3 : 2))
					c->cut = 1;
				return fail(c, "invalid UTF-8");
			}
			if (out != NULL && put(c, &o, c->p, k) == -1)
				return -1;
			c->p += k;
			continue;
		}
		if (++c->p >= c->end)
			return fail(c, "unterminated escape");
		switch (*c->p++) {
		case '"':
			cp = '"';
			break;
		case '\\':
			cp = '\\';
			break;
		case '/':
			cp = '/';
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (hex4(c, &cp) == -1)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(c, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (!lit(c, "\\u") || hex4(c, &lo) == -1 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return fail(c, "lone high surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return fail(c, "\\u0000 in a string");
			break;
		default:
			return fail(c, "unknown escape");
		}
		k = utf8_encode(cp, u8);
		if (out != NULL && put(c, &o, u8, k) == -1)
			return -1;
	}
	if (out != NULL) {
		if (put(c, &o, "", 1) == -1)
			return -1;
		*out = c->store;
		c->store = o;
	}
	return 0;
}

/* A JSON number, checked against the grammar; its span in *s, *n. */
static int
number(struct cur *c, const unsigned char **s, size_t *n)
{
	const unsigned char *b = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return fail(c, "bad number");
	if (*c->p == '0')
		c->p++;
	else
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return fail(c, "bad number");
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return fail(c, "bad number");
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	*s = b;
	*n = (size_t)(c->p - b);
	return 0;
}

/* Check and skip any value. */
static int
skip_value(struct cur *c)
{
	const unsigned char *s;
	size_t n;
	int first;

	ws(c);
	if (c->p >= c->end)
		return fail(c, "expected a value");
	switch (*c->p) {
	case '"':
		return string(c, NULL);
	case '{':
	case '[': {
		unsigned char close = *c->p == '{' ? '}' : ']';
		int obj = close == '}';

		if (++c->depth > AUDIT_READ_DEPTH)
			return fail(c, "nested too deep");
		c->p++;
		ws(c);
		for (first = 1;; first = 0) {
			if (c->p < c->end && *c->p == close && first) {
				c->p++;
				break;
			}
			if (obj) {
				ws(c);
				if (string(c, NULL) == -1)
					return -1;
				ws(c);
				if (!lit(c, ":"))
					return fail(c, "expected ':'");
			}
			if (skip_value(c) == -1)
				return -1;
			ws(c);
			if (lit(c, ","))
				continue;
			if (c->p < c->end && *c->p == close) {
				c->p++;
				break;
			}
			return fail(c, "expected ',' or a closing bracket");
		}
		c->depth--;
		return 0;
	}
	default:
		if (lit(c, "true") || lit(c, "false") || lit(c, "null"))
			return 0;
		return number(c, &s, &n);
	}
}

/* A non-negative integer below 2^53. */
static int
get_uint(struct cur *c, int64_t *v)
{
	const unsigned char *s;
	size_t n, i;

	if (number(c, &s, &n) == -1)
		return -1;
	if (n > 15 || s[0] == '-')
		return fail(c, "expected a non-negative integer");
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(c, "expected an integer");
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* A string, or null (*out NULL). */
static int
get_str(struct cur *c, const char **out)
{
	if (lit(c, "null")) {
		*out = NULL;
		return 0;
	}
	return string(c, out);
}

/* A short string into a fixed buffer. */
static int
get_name(struct cur *c, char *buf, size_t size)
{
	const char *s;

	if (string(c, &s) == -1)
		return -1;
	if (strlen(s) >= size)
		return fail(c, "name too long");
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int
get_time(struct cur *c, struct audit_rec *r)
{
	const char *s;
	int y, mo, d, h, mi, sec, us, n = 0;
	time_t t;

	if (lit(c, "null")) {
		r->has_time = 0;
		return 0;
	}
	if (string(c, &s) == -1)
		return -1;
	if (strlen(s) != 27 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &y, &mo, &d, &h, &mi, &sec, &us, &n) != 7 ||
	    n != 27 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    us < 0 || y < 0 || mi < 0 || h < 0 || sec < 0)
		return fail(c, "bad time");
	t = timearg_make(y, mo, d, h, mi, sec, 0);
	r->has_time = 1;
	r->when.tv_sec = t;
	r->when.tv_nsec = (long)us * 1000;
	return 0;
}

static int
get_access(struct cur *c, unsigned *access)
{
	static const char *const names[] = { "read", "write", "create", "delete", "list", "stat",
		"exec" };
	const char *s, *e;
	size_t i, n;
	char *end;
	unsigned long v;

	if (string(c, &s) == -1)
		return -1;
	*access = 0;
	while (*s != '\0') {
		e = strchr(s, ',');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
				break;
		if (i < sizeof(names) / sizeof(names[0]))
			*access |= 1u << i;
		else if (n > 2 && s[0] == '0' && s[1] == 'x') {
			errno = 0;
			v = strtoul(s + 2, &end, 16);
			if (errno != 0 || end != s + n || v > 0xffffffffUL)
				return fail(c, "bad access");
			*access |= (unsigned)v;
		} else
			return fail(c, "unknown access name");
		s += n;
		if (*s == ',' && *++s == '\0')
			return fail(c, "bad access");
	}
	return 0;
}

static int
get_duration(struct cur *c, uint64_t *ns)
{
	const unsigned char *s;
	size_t n, i;
	uint64_t us = 0, frac = 0;
	int digits = 0, dot = 0;

	if (number(c, &s, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			dot = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return fail(c, "bad duration");
		if (!dot) {
			if (us > UINT64_MAX / 10000)
				return fail(c, "duration too large");
			us = us * 10 + (uint64_t)(s[i] - '0');
		} else if (digits < 3) {
			frac = frac * 10 + (uint64_t)(s[i] - '0');
			digits++;
		}
	}
	while (digits++ < 3)
		frac *= 10;
	*ns = us * 1000 + frac;
	return 0;
}

/* Decode a _hex companion into exact bytes. */
static int
get_hex(struct cur *c, const char **out)
{
	const char *s;
	char *o;
	size_t i, n;
	int hi, lo;

	if (string(c, &s) == -1)
		return -1;
	n = strlen(s);
	if (n % 2 != 0)
		return fail(c, "odd _hex");
	/* Decoded in place: half the length. */
	o = (char *)s;
	for (i = 0; i < n; i += 2) {
		hi = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
		    s[i] >= 'a' && s[i] <= 'f'	? s[i] - 'a' + 10 :
						  -1;
		lo = s[i + 1] >= '0' && s[i + 1] <= '9' ? s[i + 1] - '0' :
		    s[i + 1] >= 'a' && s[i + 1] <= 'f'	? s[i + 1] - 'a' + 10 :
							  -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return fail(c, "bad _hex");
		o[i / 2] = (char)(hi << 4 | lo);
	}
	o[n / 2] = '\0';
	*out = s;
	return 0;
}

/* In the order a request record has them, which is tried first; then the
 * keys of events (docs/audit.md). */
/* clang-format off */
enum key {
	K_V, K_TIME, K_SESSION, K_REQ, K_PHASE, K_MODE, K_PID, K_TID, K_NSPID, K_NSTID, K_UID,
	K_GID, K_EXE, K_EXE_HEX, K_OP, K_PATH, K_PATH_HEX, K_PATH2, K_PATH2_HEX, K_CANON,
	K_CANON_HEX, K_CANON2, K_CANON2_HEX, K_INTERP, K_INTERP_HEX, K_ACCESS, K_FLAGS,
	K_DECISION, K_RULE, K_RULE_HEX, K_ERRNO, K_DURATION, K_COMPLAIN, K_TRUNCATED,
	K_CHAIN, K_SEQ, K_DIGEST,
	K_EVENT, K_BROKER_PID, K_CAUSE, K_BYTES, K_ALG, K_KEY_ID, K_PREV, K_AFTER, K_TORN,
	K_VERSION, K_INVOKER_UID, K_INVOKER_GID, K_AUID, K_COMMAND, K_COMMAND_HEX, K_ARGC,
	K_ARGV, K_CWD, K_CWD_HEX, K_PLACEMENT, K_POLICY, K_POLICY_HEX, K_POLICY_SHA256,
	K_PROFILE, K_PROFILE_HEX, K_EXIT, K_SIGNAL, K_ALLOWED, K_DENIED, K_WOULD_DENY, K_FAILED,
	K_N
};
/* clang-format on */

/* clang-format off */
static const char *const key_names[K_N] = { "v", "time", "session", "req", "phase", "mode",
	"pid", "tid", "nspid", "nstid", "uid", "gid", "exe", "exe_hex", "op", "path", "path_hex",
	"path2", "path2_hex", "canon", "canon_hex", "canon2", "canon2_hex", "interp", "interp_hex",
	"access", "flags", "decision", "rule", "rule_hex",
	"errno", "duration_us", "complain", "truncated", "chain", "seq", "digest", "event",
	"broker_pid", "cause", "bytes", "alg", "key_id", "prev", "after", "torn", "version",
	"invoker_uid", "invoker_gid", "auid", "command", "command_hex", "argc", "argv", "cwd",
	"cwd_hex", "placement", "policy", "policy_hex", "policy_sha256", "profile",
	"profile_hex", "exit", "signal", "allowed", "denied", "would_deny", "failed" };

/* Keys every version 1 record has. */
static const enum key required[] = { K_V, K_TIME, K_MODE, K_PID, K_TID, K_UID, K_GID, K_OP,
	K_PATH, K_CANON, K_ACCESS, K_FLAGS, K_DECISION, K_RULE, K_ERRNO, K_DURATION };

/* Keys every event line has. */
static const enum key required_event[] = { K_V, K_TIME, K_EVENT };

static int
get_bool(struct cur *c, int *v)
{
	if (lit(c, "true"))
		*v = 1;
	else if (lit(c, "false"))
		*v = 0;
	else
		return fail(c, "expected true or false");
	return 0;
}

static int
get_decision(struct cur *c, enum audit_decision *d)
{
	const char *s;

	if (string(c, &s) == -1)
		return -1;
	if (strcmp(s, "allow") == 0)
		*d = AUDIT_ALLOW;
	else if (strcmp(s, "deny") == 0)
		*d = AUDIT_DENY;
	else if (strcmp(s, "would-deny") == 0)
		*d = AUDIT_WOULD_DENY;
	else if (strcmp(s, "error") == 0)
		*d = AUDIT_ERROR;
	else
		return fail(c, "unknown decision");
	return 0;
}

static int
get_phase(struct cur *c, enum audit_phase *p)
{
	const char *s;

	if (string(c, &s) == -1)
		return -1;
	if (strcmp(s, "intent") == 0)
		*p = AUDIT_PHASE_INTENT;
	else if (strcmp(s, "done") == 0)
		*p = AUDIT_PHASE_DONE;
	else
		return fail(c, "unknown phase");
	return 0;
}

static int
get_errno(struct cur *c, int *err)
{
	const char *s;

	if (lit(c, "null")) {
		*err = 0;
		return 0;
	}
	if (string(c, &s) == -1)
		return -1;
	*err = audit_errno_value(s);
	return 0;
}

/* A short string into a fixed buffer, or null (""). */
static int
get_name_or_null(struct cur *c, char *buf, size_t size)
{
	if (lit(c, "null")) {
		buf[0] = '\0';
		return 0;
	}
	return get_name(c, buf, size);
}

/* A non-negative integer, or null (-1). */
static int
get_uint_or_null(struct cur *c, int64_t *v)
{
	if (lit(c, "null")) {
		*v = -1;
		return 0;
	}
	return get_uint(c, v);
}

/* An array of strings into the store, one after the other (r->argv,
 * r->nargv); null for none. */
static int
get_argv(struct cur *c, struct audit_rec *r)
{
	const char *s;

	r->argv = NULL;
	r->nargv = 0;
	if (lit(c, "null"))
		return 0;
	if (!lit(c, "["))
		return fail(c, "expected an array");
	ws(c);
	if (lit(c, "]"))
		return 0;
	for (;;) {
		ws(c);
		if (string(c, &s) == -1)
			return -1;
		if (r->argv == NULL)
			r->argv = s;
		r->nargv++;
		ws(c);
		if (lit(c, ","))
			continue;
		if (lit(c, "]"))
			return 0;
		return fail(c, "expected ',' or ']'");
	}
}

/* Exactly n lower-case hex digits into buf (n + 1 bytes), or null ("")
 * when null_ok. */
static int
get_hexname(struct cur *c, char *buf, size_t n, int null_ok)
{
	if (null_ok && lit(c, "null")) {
		buf[0] = '\0';
		return 0;
	}
	if (get_name(c, buf, n + 1) == -1)
		return -1;
	if (strlen(buf) != n || strspn(buf, "0123456789abcdef") != n)
		return fail(c, "bad chain field");
	return 0;
}

static int
get_key(struct cur *c, enum key k, struct audit_rec *r, const char **hex)
{
	int64_t v;

	switch (k) {
	case K_V:
		if (get_uint(c, &v) == -1)
			return -1;
		if (v < 1 || v > 1000)
			return fail(c, "bad version");
		r->v = (int)v;
		return 0;
	case K_TIME:
		return get_time(c, r);
	case K_MODE:
		return get_name(c, r->mode, sizeof(r->mode));
	case K_OP:
		return get_name(c, r->op, sizeof(r->op));
	case K_PID:
		return get_uint(c, &r->pid);
	case K_TID:
		return get_uint(c, &r->tid);
	case K_NSPID:
		return get_uint(c, &r->nspid);
	case K_NSTID:
		return get_uint(c, &r->nstid);
	case K_UID:
		return get_uint(c, &r->uid);
	case K_GID:
		return get_uint(c, &r->gid);
	case K_PATH:
		return get_str(c, &r->path);
	case K_PATH2:
		return get_str(c, &r->path2);
	case K_CANON:
		return get_str(c, &r->canon);
	case K_CANON2:
		return get_str(c, &r->canon2);
	case K_EXE:
		return get_str(c, &r->exe);
	case K_INTERP:
		return get_str(c, &r->interp);
	case K_RULE:
		return get_str(c, &r->rule);
	case K_FLAGS:
		return get_str(c, &r->flags);
	case K_PATH_HEX:
	case K_PATH2_HEX:
	case K_CANON_HEX:
	case K_CANON2_HEX:
	case K_EXE_HEX:
	case K_INTERP_HEX:
	case K_RULE_HEX:
		return get_hex(c, hex);
	case K_ACCESS:
		return get_access(c, &r->access);
	case K_DECISION:
		return get_decision(c, &r->decision);
	case K_ERRNO:
		return get_errno(c, &r->err);
	case K_DURATION:
		return get_duration(c, &r->duration_ns);
	case K_COMPLAIN:
		return get_bool(c, &r->complain);
	case K_TRUNCATED:
		return get_bool(c, &r->truncated);
	case K_EVENT:
		if (get_name(c, r->event, sizeof(r->event)) == -1)
			return -1;
		return r->event[0] == '\0' ? fail(c, "empty event") : 0;
	case K_BROKER_PID:
		return get_uint(c, &r->broker_pid);
	case K_CAUSE:
		return get_name(c, r->cause, sizeof(r->cause));
	case K_BYTES:
		return get_uint_or_null(c, &r->bytes);
	case K_SESSION:
		return get_name_or_null(c, r->session, sizeof(r->session));
	case K_REQ:
		return get_uint(c, &r->req);
	case K_PHASE:
		return get_phase(c, &r->phase);
	case K_VERSION:
		return get_name(c, r->version, sizeof(r->version));
	case K_PLACEMENT:
		return get_name_or_null(c, r->placement, sizeof(r->placement));
	case K_SIGNAL:
		return get_name_or_null(c, r->signal, sizeof(r->signal));
	case K_POLICY_SHA256:
		return get_name_or_null(c, r->policy_sha256, sizeof(r->policy_sha256));
	case K_INVOKER_UID:
		return get_uint(c, &r->invoker_uid);
	case K_INVOKER_GID:
		return get_uint(c, &r->invoker_gid);
	case K_AUID:
		return get_uint_or_null(c, &r->auid);
	case K_ARGC:
		return get_uint(c, &r->argc);
	case K_EXIT:
		return get_uint_or_null(c, &r->exit_code);
	case K_ALLOWED:
	case K_DENIED:
	case K_WOULD_DENY:
	case K_FAILED:
		return get_uint(c, &r->counts[k - K_ALLOWED]);
	case K_COMMAND:
		return get_str(c, &r->command);
	case K_CWD:
		return get_str(c, &r->cwd);
	case K_POLICY:
		return get_str(c, &r->policy);
	case K_PROFILE:
		return get_str(c, &r->profile);
	case K_COMMAND_HEX:
	case K_CWD_HEX:
	case K_POLICY_HEX:
	case K_PROFILE_HEX:
		return get_hex(c, hex);
	case K_ARGV:
		return get_argv(c, r);
	case K_CHAIN:
		return get_hexname(c, r->chain, AUDIT_CHAIN_ID_LEN, 0);
	case K_SEQ:
		return get_uint(c, &r->seq);
	case K_DIGEST:
		return get_hexname(c, r->digest, AUDIT_DIGEST_HEX, 0);
	case K_ALG:
		return get_name(c, r->alg, sizeof(r->alg));
	case K_KEY_ID:
		return get_hexname(c, r->key_id, AUDIT_KEY_ID_LEN, 0);
	case K_PREV:
		return get_hexname(c, r->prev, AUDIT_DIGEST_HEX, 1);
	case K_AFTER:
		return get_hexname(c, r->after, AUDIT_DIGEST_HEX, 1);
	case K_TORN:
		return get_uint_or_null(c, &r->torn);
	case K_N:
		break;
	}
	return fail(c, "internal: bad key");
}

/* Replace a field by its exact bytes; a _hex without its field is wrong. */
static int
apply_hex(struct cur *c, const char **field, const char *hex)
{
	if (hex == NULL)
		return 0;
	if (*field == NULL)
		return fail(c, "_hex for a null field");
	*field = hex;
	return 0;
}

int
audit_read_line(const char *line, size_t len, struct audit_rec *r, char *store, size_t size,
    const char **why)
{
	struct cur c;
	const char *hex[K_N] = { NULL }, *name;
	unsigned char seen[K_N] = { 0 };
	const enum key *req = required;
	size_t i, nreq = sizeof(required) / sizeof(required[0]);
	int k, first, closed = 0, next = 0;

	memset(r, 0, sizeof(*r));
	r->bytes = r->invoker_uid = r->invoker_gid = r->auid = r->argc = r->exit_code = -1;
	r->counts[0] = r->counts[1] = r->counts[2] = r->counts[3] = -1;
	r->seq = r->req = -1;
	r->torn = -2;
	/* The newline is the line's end, not part of it: a line cut short
	 * then ends inside its record (r->cut) rather than at a raw control
	 * character in a string. */
	if (len > 0 && line[len - 1] == '\n')
		len--;
	memset(&c, 0, sizeof(c));
	c.p = (const unsigned char *)line;
	c.end = c.p + len;
	c.store = store;
	c.store_end = store + size;
	*why = NULL;
	if (size < len + 16) {
		*why = "store too small";
		return -1;
	}
	ws(&c);
	if (!lit(&c, "{")) {
		*why = "not a JSON object";
		return -1;
	}
	ws(&c);
	for (first = 1;; first = 0) {
		if (first && lit(&c, "}"))
			break;
		ws(&c);
		if (string(&c, &name) == -1)
			goto bad;
		ws(&c);
		if (!lit(&c, ":")) {
			fail(&c, "expected ':'");
			goto bad;
		}
		ws(&c);
		/* The writer's keys come in table order: the one after the
		 * last is tried first. */
		if (next < K_N && strcmp(key_names[next], name) == 0)
			k = next;
		else
			for (k = 0; k < K_N; k++)
				if (strcmp(key_names[k], name) == 0)
					break;
		next = k + 1;
		/* The key's string stays in the store; records are small. */
		if (k == K_N) {
			if (skip_value(&c) == -1)
				goto bad;
		} else {
			if (seen[k]++) {
				fail(&c, "duplicate key");
				goto bad;
			}
			if (get_key(&c, (enum key)k, r, &hex[k]) == -1)
				goto bad;
		}
		ws(&c);
		if (lit(&c, ","))
			continue;
		if (lit(&c, "}"))
			break;
		fail(&c, "expected ',' or '}'");
		goto bad;
	}
	closed = 1;
	ws(&c);
	if (c.p != c.end) {
		fail(&c, "bytes after the record");
		goto bad;
	}
	if ((seen[K_CHAIN] || seen[K_SEQ] || seen[K_DIGEST]) &&
	    !(seen[K_CHAIN] && seen[K_SEQ] && seen[K_DIGEST])) {
		fail(&c, "chain, seq and digest: one without the others");
		goto bad;
	}
	if (seen[K_EVENT]) {
		req = required_event;
		nreq = sizeof(required_event) / sizeof(required_event[0]);
	}
	for (i = 0; i < nreq; i++) {
		if (!seen[req[i]]) {
			fail(&c, "a key of the record is missing");
			goto bad;
		}
	}
	if (apply_hex(&c, &r->command, hex[K_COMMAND_HEX]) == -1 ||
	    apply_hex(&c, &r->cwd, hex[K_CWD_HEX]) == -1 ||
	    apply_hex(&c, &r->policy, hex[K_POLICY_HEX]) == -1 ||
	    apply_hex(&c, &r->profile, hex[K_PROFILE_HEX]) == -1)
		goto bad;
	if (seen[K_EVENT])
		return 0;
	if (apply_hex(&c, &r->path, hex[K_PATH_HEX]) == -1 ||
	    apply_hex(&c, &r->path2, hex[K_PATH2_HEX]) == -1 ||
	    apply_hex(&c, &r->canon, hex[K_CANON_HEX]) == -1 ||
	    apply_hex(&c, &r->canon2, hex[K_CANON2_HEX]) == -1 ||
	    apply_hex(&c, &r->exe, hex[K_EXE_HEX]) == -1 ||
	    apply_hex(&c, &r->interp, hex[K_INTERP_HEX]) == -1 ||
	    apply_hex(&c, &r->rule, hex[K_RULE_HEX]) == -1)
		goto bad;
	if ((r->decision == AUDIT_ERROR) != (r->rule == NULL)) {
		fail(&c, "rule and decision disagree");
		goto bad;
	}
	/* A change written ahead: its two records carry both.  Its intent is
	 * written once it was allowed, before anything was done. */
	if (seen[K_REQ] != seen[K_PHASE]) {
		fail(&c, "req and phase: one without the other");
		goto bad;
	}
	if (r->phase == AUDIT_PHASE_INTENT &&
	    ((r->decision != AUDIT_ALLOW && r->decision != AUDIT_WOULD_DENY) || r->err != 0)) {
		fail(&c, "an intent that was not allowed, or failed");
		goto bad;
	}
	return 0;
bad:
	*why = c.why != NULL ? c.why : "bad record";
	r->cut = !closed && c.cut;
	return -1;
}

/*
 * The reading of one stream.  The previous line waits for the next one
 * before it is counted: a torn marker after it makes it torn, whatever it
 * looks like.  Two buffers take turns, for the lines' bytes and for their
 * records' strings, so that the line waiting stays whole while the next
 * one is read and parsed: the next line goes to [cur], the one waiting is
 * in [!cur].
 */
struct reader {
	const char *name;
	const struct audit_read_cb *cb;
	struct audit_read_stats *st;
	uint64_t line; /* this stream's lines so far */
	char *raw[2];
	char *store[2];
	int cur;
	struct audit_rec rec[2];
	enum { PREV_NONE, PREV_RECORD, PREV_BAD } prev;
	uint64_t prev_line;
	size_t prev_len;   /* its bytes, newline excluded */
	const char *prev_why;
	int prev_cut;
	int prev_toolong;  /* PREV_BAD: longer than any record, not kept */
	size_t prev_glued; /* PREV_RECORD: where the record glued onto a torn
			      line begins (reported so already); 0: none */
};
/* clang-format on */

#define STORE_SIZE (AUDIT_RECORD_MAX + 16)

static const char why_glued[] =
    "torn: cut short, and a whole record was glued onto it (read as the line's record)";

static void
unreadable(struct reader *d, uint64_t line, int torn, const char *why)
{
	struct audit_read_place at = { d->name, line, why };

	if (torn)
		d->st->torn++;
	else
		d->st->bad++;
	if (torn && d->st->first_torn.line == 0)
		d->st->first_torn = at;
	if (!torn && d->st->first_bad.line == 0)
		d->st->first_bad = at;
	if (d->cb->unreadable != NULL)
		d->cb->unreadable(&at, torn, d->cb->arg);
}

/* A line, as it turned out to be, to cb->line. */
static int
emit(struct reader *d, uint64_t line, enum audit_line_kind kind, const char *why, const char *bytes,
    size_t len, const struct audit_rec *rec, size_t glued)
{
	struct audit_line l;

	if (d->cb->line == NULL)
		return 0;
	l.at.name = d->name;
	l.at.line = line;
	l.at.why = why;
	l.kind = kind;
	l.bytes = bytes;
	l.len = bytes != NULL ? len : 0;
	l.rec = rec;
	l.rec_bytes = rec != NULL ? bytes + glued : NULL;
	l.rec_len = rec != NULL ? len - glued : 0;
	return d->cb->line(&l, d->cb->arg);
}

/* Count the line waiting: no torn marker followed it.  Returns what the
 * callbacks do. */
static int
settle(struct reader *d)
{
	int kind = d->prev, p = !d->cur, ret;
	const char *why;

	d->prev = PREV_NONE;
	if (kind == PREV_BAD) {
		why = d->prev_cut ? "torn: the line ends inside its record" : d->prev_why;
		unreadable(d, d->prev_line, d->prev_cut, why);
		return emit(d, d->prev_line, d->prev_cut ? AUDIT_LINE_TORN : AUDIT_LINE_BAD, why,
		    d->prev_toolong ? NULL : d->raw[p], d->prev_len, NULL, 0);
	}
	if (kind != PREV_RECORD)
		return 0;
	d->st->records++;
	d->st->recovered += d->prev_glued != 0;
	if (d->cb->record != NULL && (ret = d->cb->record(&d->rec[p], d->cb->arg)) != 0)
		return ret;
	return emit(d, d->prev_line, d->prev_glued ? AUDIT_LINE_TORN : AUDIT_LINE_RECORD,
	    d->prev_glued ? why_glued : NULL, d->raw[p], d->prev_len, &d->rec[p], d->prev_glued);
}

/* An event that says the line before it was torn: a torn marker, or an
 * open record of a broker that found the file ending inside a line. */
static int
marks_torn(const struct audit_rec *r)
{
	return strcmp(r->event, "torn") == 0 || (strcmp(r->event, "open") == 0 && r->torn != -2);
}

/* A line that parsed (r in d->rec[d->cur], its bytes in d->raw[d->cur],
 * len of them without the newline): it waits, or it is an event.  glued:
 * where the record found glued onto a torn line begins (reported so
 * already), or 0. */
static int
parsed(struct reader *d, const struct audit_rec *r, size_t glued, size_t len)
{
	const char *why;
	int ret = 0, p = !d->cur, was_glued;

	if (r->event[0] == '\0') {
		ret = settle(d);
		d->prev = PREV_RECORD;
		d->prev_line = d->line;
		d->prev_len = len;
		d->prev_glued = glued;
		d->prev_toolong = 0;
		d->cur = !d->cur;
		return ret;
	}
	d->st->events++;
	if (marks_torn(r) && d->prev != PREV_NONE) {
		was_glued = d->prev == PREV_RECORD && d->prev_glued;
		why = was_glued ?
		    why_glued :
		    strcmp(r->cause, "write") == 0 ?
		    "torn: a write was cut short (a full disk, a file size limit); the broker "
		    "said so on the next line" :
		    "torn: a broker stopped in the middle of writing it; the broker that opened "
		    "the "
		    "file next said so on the next line";
		d->prev = PREV_NONE;
		if (!was_glued)
			unreadable(d, d->prev_line, 1, why);
		ret = emit(d, d->prev_line, AUDIT_LINE_TORN, why,
		    d->prev_toolong && !was_glued ? NULL : d->raw[p], d->prev_len, NULL, 0);
	} else
		ret = settle(d);
	if (ret != 0 || (d->cb->event != NULL && (ret = d->cb->event(r, d->cb->arg)) != 0))
		return ret;
	return emit(d, d->line, AUDIT_LINE_EVENT, NULL, d->raw[d->cur], len, r, 0);
}

/*
 * A whole record glued onto a torn line: the first "{\"v\":" after the
 * line's start from which the rest parses as a request record (a marker
 * is always written on a line of its own).  A record holds that sequence
 * only at its start (a quote in a string is always escaped), so a record
 * cut short cannot hide one.  Returns its offset, or 0.
 */
static size_t
find_glued(struct reader *d, const char *line, size_t len)
{
	static const char mark[] = "{\"v\":";
	const char *p = line, *why;

	while ((p = memmem(p + 1, len - (size_t)(p + 1 - line), mark, sizeof(mark) - 1)) != NULL)
		if (audit_read_line(p, len - (size_t)(p - line), &d->rec[d->cur], d->store[d->cur],
			STORE_SIZE, &why) == 0 &&
		    d->rec[d->cur].event[0] == '\0')
			return (size_t)(p - line);
	return 0;
}

/* One whole line (its newline included) in d->raw[d->cur], or NULL for
 * one too long. */
static int
one_line(struct reader *d, const char *line, size_t len)
{
	struct audit_rec *r = &d->rec[d->cur];
	const char *why = "line too long";
	size_t glued, n = len > 0 && line != NULL && line[len - 1] == '\n' ? len - 1 : len;
	int ret;

	d->line++;
	d->st->lines++;
	if (line != NULL && audit_read_line(line, len, r, d->store[d->cur], STORE_SIZE, &why) == 0)
		return parsed(d, r, 0, n);
	if (line != NULL && (glued = find_glued(d, line, len)) > 0) {
		if ((ret = settle(d)) != 0)
			return ret;
		unreadable(d, d->line, 1, why_glued);
		return parsed(d, r, glued, n);
	}
	if ((ret = settle(d)) != 0)
		return ret;
	d->prev = PREV_BAD;
	d->prev_line = d->line;
	d->prev_len = n;
	d->prev_why = why;
	d->prev_cut = line != NULL && r->cut;
	d->prev_toolong = line == NULL;
	d->cur = !d->cur;
	return 0;
}

int
audit_read_stream(FILE *f, const char *name, const struct audit_read_cb *cb,
    struct audit_read_stats *st)
{
	static const char why_end[] = "torn: the file ends inside this line (a broker stopped in "
				      "the middle of writing it, or is writing it now)";
	char blk[65536], *nl;
	size_t len = 0, n, take;
	int skipping = 0, r = 0;
	struct reader d;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.cb = cb;
	d.st = st;
	d.raw[0] = malloc(AUDIT_RECORD_MAX);
	d.raw[1] = malloc(AUDIT_RECORD_MAX);
	d.store[0] = malloc(STORE_SIZE);
	d.store[1] = malloc(STORE_SIZE);
	if (d.raw[0] == NULL || d.raw[1] == NULL || d.store[0] == NULL || d.store[1] == NULL) {
		r = -1;
		goto out;
	}
	for (;;) {
		n = fread(blk, 1, sizeof(blk), f);
		if (n == 0) {
			if (ferror(f)) {
				r = -1;
				break;
			}
			/* A last line without its newline is a torn one, even
			 * if it reads whole: its write did not complete. */
			if ((r = settle(&d)) != 0)
				break;
			if (len > 0 || skipping) {
				d.line++;
				st->lines++;
				unreadable(&d, d.line, 1, why_end);
				r = emit(&d, d.line, AUDIT_LINE_TORN, why_end,
				    skipping ? NULL : d.raw[d.cur], len, NULL, 0);
			}
			break;
		}
		for (char *p = blk; p < blk + n; p += take) {
			nl = memchr(p, '\n', (size_t)(blk + n - p));
			take = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(blk + n - p);
			if (!skipping) {
				if (len + take > AUDIT_RECORD_MAX)
					skipping = 1;
				else {
					memcpy(d.raw[d.cur] + len, p, take);
					len += take;
				}
			}
			if (nl == NULL)
				continue;
			if ((r = one_line(&d, skipping ? NULL : d.raw[d.cur], len)) != 0)
				goto out;
			len = 0;
			skipping = 0;
		}
	}
out:
	free(d.raw[0]);
	free(d.raw[1]);
	free(d.store[0]);
	free(d.store[1]);
	return r;
}
