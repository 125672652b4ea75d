/*
 * proto.c: encoder and decoder of the filebroker wire protocol (proto.h).
 *
 * The broker decodes requests from a worker it does not trust, and the
 * client decodes replies, so every read goes through a bounded cursor whose
 * getters fail instead of reading past the end, and every decoder finishes
 * with an end check: a message is accepted only if its length is exactly what
 * its type implies.  Encoders apply the same rules, so that a bug on one side
 * shows up as EINVAL there rather than as a dropped connection on the other.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "proto.h"

struct cursor {
	const uint8_t *p;
	size_t left;
};

struct wcursor {
	uint8_t *p;
	size_t left;
};

static const char *const type_names[] = {
	[FB_MSG_OPEN] = "open",
	[FB_MSG_STAT] = "stat",
	[FB_MSG_LSTAT] = "lstat",
	[FB_MSG_ACCESS] = "access",
	[FB_MSG_READLINK] = "readlink",
	[FB_MSG_MKDIR] = "mkdir",
	[FB_MSG_UNLINK] = "unlink",
	[FB_MSG_RMDIR] = "rmdir",
	[FB_MSG_RENAME] = "rename",
	[FB_MSG_CHANNEL] = "channel",
	[FB_MSG_OPENV] = "openv",
	[FB_MSG_LISTENER] = "listener",
	[FB_MSG_CHMOD] = "chmod",
	[FB_MSG_TRUNCATE] = "truncate",
	[FB_MSG_SYMLINK] = "symlink",
	[FB_MSG_REALPATH] = "realpath",
};

const char *
proto_type_name(unsigned type)
{
	if (type < 1 || type > FB_MSG_TYPE_MAX)
		return "unknown";
	return type_names[type];
}

unsigned
proto_request_nfds(unsigned type)
{
	if (type & FB_MSG_REPLY)
		return 0;
	return (type & FB_MSG_AT) || type == FB_MSG_LISTENER ? 1 : 0;
}

unsigned
proto_reply_nfds(unsigned type, uint32_t error)
{
	if (error != 0)
		return 0;
	return (type == FB_MSG_OPEN || type == FB_MSG_CHANNEL) ? 1 : 0;
}

unsigned
proto_reply_fds(const struct fb_reply *rep)
{
	unsigned i, n = 0, count;

	if (rep->type != FB_MSG_OPENV || rep->error != 0)
		return proto_reply_nfds(rep->type, rep->error);
	count = rep->count < FB_OPENV_MAX ? rep->count : FB_OPENV_MAX;
	for (i = 0; i < count; i++)
		if (rep->result[i] == 0)
			n++;
	return n;
}

int
proto_rule_errno(uint32_t error)
{
	return error == EACCES || error == EPERM;
}

/* A successful OPENV reply with every result a denial and a rule of the
 * longest name still fits the client's buffer for replies. */
_Static_assert(FB_HDR_SIZE + 4 + 4 + 4 + 4 * FB_OPENV_MAX + 4 + 2 + FB_RULE_MAX - 1 <= FB_REPLY_MAX,
    "an OPENV reply with its rule is longer than FB_REPLY_MAX");

unsigned
proto_peek_type(const void *buf, size_t len)
{
	uint16_t type;

	if (len < FB_HDR_SIZE)
		return 0;
	memcpy(&type, (const uint8_t *)buf + 2, sizeof(type));
	return type;
}

/* Which fields a request type carries after the header. */
#define F_PATH 0x1
#define F_PATH2 0x2
#define F_FLAGS 0x4
#define F_MODE 0x8
#define F_LENGTH 0x10

static unsigned
request_fields(unsigned type)
{
	switch ((enum fb_msg_type)type) {
	case FB_MSG_OPEN:
		return F_PATH | F_FLAGS | F_MODE;
	case FB_MSG_ACCESS:
	case FB_MSG_MKDIR:
	case FB_MSG_CHMOD:
		return F_PATH | F_MODE;
	case FB_MSG_TRUNCATE:
		return F_PATH | F_LENGTH;
	case FB_MSG_STAT:
	case FB_MSG_LSTAT:
	case FB_MSG_READLINK:
	case FB_MSG_UNLINK:
	case FB_MSG_RMDIR:
	case FB_MSG_REALPATH:
		return F_PATH;
	case FB_MSG_RENAME:
	case FB_MSG_SYMLINK:
		return F_PATH | F_PATH2;
	case FB_MSG_CHANNEL:
	case FB_MSG_LISTENER:
		return 0;
	}
	return 0;
}

int
proto_at_allowed(unsigned type)
{
	return type != FB_MSG_RENAME && type != FB_MSG_OPENV && type >= 1 &&
	    type <= FB_MSG_TYPE_MAX && (request_fields(type) & F_PATH);
}

static int
valid_type(unsigned type)
{
	return type >= 1 && type <= FB_MSG_TYPE_MAX;
}

/* Decoding: each getter fails, consuming nothing, if the field would run past
 * the end of the message. */

static int
get_raw(struct cursor *c, void *v, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(v, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

static int
get_u16(struct cursor *c, uint16_t *v)
{
	return get_raw(c, v, sizeof(*v));
}

static int
get_u32(struct cursor *c, uint32_t *v)
{
	return get_raw(c, v, sizeof(*v));
}

static int
get_u64(struct cursor *c, uint64_t *v)
{
	return get_raw(c, v, sizeof(*v));
}

static int
get_i64(struct cursor *c, int64_t *v)
{
	uint64_t u;

	if (get_u64(c, &u) == -1)
		return -1;
	memcpy(v, &u, sizeof(*v));
	return 0;
}

/*
 * A string into dst (room bytes, at least its length + 1), NUL-terminated.
 * The NUL check matters: the broker hands the result to C functions, and a
 * path that stopped early at an embedded NUL would be checked against the
 * policy as one name and logged as another.
 */
static int
get_str_into(struct cursor *c, char *dst, size_t room, const char **why)
{
	uint16_t len;

	if (get_u16(c, &len) == -1) {
		*why = "truncated string length";
		return -1;
	}
	if (len == 0) {
		*why = "empty string";
		return -1;
	}
	if (len >= FB_PATH_MAX) {
		*why = "string too long";
		return -1;
	}
	if (len > c->left) {
		*why = "string overruns message";
		return -1;
	}
	if (memchr(c->p, '\0', len) != NULL) {
		*why = "string contains NUL";
		return -1;
	}
	if ((size_t)len >= room) {
		*why = "string overruns buffer"; /* a caller's bug: see callers */
		return -1;
	}
	memcpy(dst, c->p, len);
	dst[len] = '\0';
	c->p += len;
	c->left -= len;
	return 0;
}

/* A string into an FB_PATH_MAX array. */
static int
get_str(struct cursor *c, char *dst, const char **why)
{
	return get_str_into(c, dst, FB_PATH_MAX, why);
}

/* A reply's rule (proto.h), bounded by FB_RULE_MAX: a longer name is the
 * sender's fault, not a buffer too small. */
static int
get_rule(struct cursor *c, char rule[FB_RULE_MAX], const char **why)
{
	uint16_t len;

	if (c->left >= sizeof(len)) {
		memcpy(&len, c->p, sizeof(len));
		if (len >= FB_RULE_MAX) {
			*why = "rule name too long";
			return -1;
		}
	}
	return get_str_into(c, rule, FB_RULE_MAX, why);
}

static int
get_end(const struct cursor *c, const char **why)
{
	if (c->left != 0) {
		*why = "trailing bytes";
		return -1;
	}
	return 0;
}

static int
get_header(struct cursor *c, uint16_t *type, uint32_t *id, const char **why)
{
	uint16_t version;

	if (get_u16(c, &version) == -1 || get_u16(c, type) == -1 || get_u32(c, id) == -1) {
		*why = "truncated header";
		return -1;
	}
	if (version != FB_PROTO_VERSION) {
		*why = "wrong protocol version";
		return -1;
	}
	return 0;
}

static int
violation(const char **why, const char *reason)
{
	if (reason != NULL)
		*why = reason;
	errno = EPROTO;
	return -1;
}

int
proto_decode_request(const void *buf, size_t len, struct fb_request *req, const char **why)
{
	struct cursor c = { buf, len };
	unsigned fields;

	req->type = 0;
	req->id = 0;
	req->at = 0;
	req->flags = 0;
	req->mode = 0;
	req->length = 0;
	req->path[0] = '\0';
	req->path2[0] = '\0';

	if (get_header(&c, &req->type, &req->id, why) == -1)
		return violation(why, NULL);
	if (req->type & FB_MSG_REPLY)
		return violation(why, "reply type in a request");
	if (req->type & FB_MSG_AT) {
		req->type &= (uint16_t)~FB_MSG_AT;
		req->at = 1;
	}
	if (!valid_type(req->type))
		return violation(why, "unknown request type");
	if (req->at && !proto_at_allowed(req->type))
		return violation(why, "a folder for a request that takes none");
	if (req->type == FB_MSG_OPENV)
		return violation(why, "openv where a single request was expected");
	fields = request_fields(req->type);

	if ((fields & F_PATH) && get_str(&c, req->path, why) == -1)
		return violation(why, NULL);
	if (req->at && req->path[0] == '/')
		return violation(why, "an absolute path relative to a folder");
	if ((fields & F_PATH2) && get_str(&c, req->path2, why) == -1)
		return violation(why, NULL);
	if ((fields & F_FLAGS) && get_u32(&c, &req->flags) == -1)
		return violation(why, "truncated flags");
	if ((fields & F_MODE) && get_u32(&c, &req->mode) == -1)
		return violation(why, "truncated mode");
	if ((fields & F_LENGTH) && get_i64(&c, &req->length) == -1)
		return violation(why, "truncated length");
	if (get_end(&c, why) == -1)
		return violation(why, NULL);
	return 0;
}

int
proto_decode_openv(const void *buf, size_t len, struct fb_openv_request *v, const char **why)
{
	struct cursor c = { buf, len };
	struct fb_wire_open *e;
	uint16_t type;
	size_t used = 0;
	uint32_t i;

	v->id = 0;
	v->count = 0;

	/* names holds every path of a message up to FB_MSG_MAX bytes (each
	 * costs 2 + length there, length + 1 here); nothing longer is read. */
	if (len > FB_MSG_MAX)
		return violation(why, "message too long");
	if (get_header(&c, &type, &v->id, why) == -1)
		return violation(why, NULL);
	if (type & FB_MSG_REPLY)
		return violation(why, "reply type in a request");
	if (type != FB_MSG_OPENV)
		return violation(why, "not an openv request");
	if (get_u32(&c, &v->count) == -1)
		return violation(why, "truncated entry count");
	if (v->count == 0)
		return violation(why, "no entries");
	if (v->count > FB_OPENV_MAX)
		return violation(why, "too many entries");
	for (i = 0; i < v->count; i++) {
		e = &v->ent[i];
		if (get_str_into(&c, v->names + used, sizeof(v->names) - used, why) == -1)
			return violation(why, NULL);
		e->path = v->names + used;
		used += strlen(e->path) + 1;
		if (get_u32(&c, &e->flags) == -1)
			return violation(why, "truncated flags");
		if (get_u32(&c, &e->mode) == -1)
			return violation(why, "truncated mode");
	}
	if (get_end(&c, why) == -1)
		return violation(why, NULL);
	return 0;
}

static int
get_wire_stat(struct cursor *c, struct fb_wire_stat *w)
{
	if (get_u64(c, &w->dev) == -1 || get_u64(c, &w->ino) == -1 || get_u64(c, &w->mode) == -1 ||
	    get_u64(c, &w->nlink) == -1 || get_u64(c, &w->uid) == -1 || get_u64(c, &w->gid) == -1 ||
	    get_u64(c, &w->rdev) == -1 || get_i64(c, &w->size) == -1 ||
	    get_i64(c, &w->blksize) == -1 || get_i64(c, &w->blocks) == -1 ||
	    get_i64(c, &w->atime_ns) == -1 || get_i64(c, &w->mtime_ns) == -1 ||
	    get_i64(c, &w->ctime_ns) == -1)
		return -1;
	return 0;
}

int
proto_decode_reply(const void *buf, size_t len, struct fb_reply *rep, const char **why)
{
	struct cursor c = { buf, len };
	uint16_t type;
	uint32_t i;

	rep->type = 0;
	rep->id = 0;
	rep->error = 0;
	rep->nfds = 0;
	memset(&rep->st, 0, sizeof(rep->st));
	rep->target[0] = '\0';
	rep->count = 0;
	memset(rep->result, 0, sizeof(rep->result));
	rep->rule[0] = '\0';
	rep->rule_entry = 0;

	if (get_header(&c, &type, &rep->id, why) == -1)
		return violation(why, NULL);
	if (!(type & FB_MSG_REPLY))
		return violation(why, "request type in a reply");
	type &= (uint16_t)~FB_MSG_REPLY;
	if (!valid_type(type))
		return violation(why, "unknown reply type");
	rep->type = type;

	if (get_u32(&c, &rep->error) == -1)
		return violation(why, "truncated error");
	if (rep->error > FB_ERRNO_MAX)
		return violation(why, "bad error value");
	if (get_u32(&c, &rep->nfds) == -1)
		return violation(why, "truncated nfds");
	if (type != FB_MSG_OPENV && rep->nfds != proto_reply_nfds(type, rep->error))
		return violation(why, "bad descriptor count");

	/* A failed request carries no payload, whatever its type. */
	if (rep->error == 0 && type == FB_MSG_OPENV) {
		if (get_u32(&c, &rep->count) == -1)
			return violation(why, "truncated entry count");
		if (rep->count == 0 || rep->count > FB_OPENV_MAX)
			return violation(why, "bad entry count");
		for (i = 0; i < rep->count; i++) {
			if (get_u32(&c, &rep->result[i]) == -1)
				return violation(why, "truncated results");
			if (rep->result[i] > FB_ERRNO_MAX)
				return violation(why, "bad result value");
		}
		/* What is left is the rule of the last entry one refused. */
		if (c.left > 0) {
			if (get_u32(&c, &rep->rule_entry) == -1)
				return violation(why, "truncated rule entry");
			if (rep->rule_entry >= rep->count ||
			    !proto_rule_errno(rep->result[rep->rule_entry]))
				return violation(why, "a rule for an entry no rule refused");
			if (get_rule(&c, rep->rule, why) == -1)
				return violation(why, NULL);
		}
	} else if (rep->error == 0) {
		switch ((enum fb_msg_type)type) {
		case FB_MSG_STAT:
		case FB_MSG_LSTAT:
			if (get_wire_stat(&c, &rep->st) == -1)
				return violation(why, "truncated stat");
			break;
		case FB_MSG_READLINK:
		case FB_MSG_REALPATH:
			if (get_str(&c, rep->target, why) == -1)
				return violation(why, NULL);
			break;
		case FB_MSG_OPEN:
		case FB_MSG_ACCESS:
		case FB_MSG_MKDIR:
		case FB_MSG_UNLINK:
		case FB_MSG_RMDIR:
		case FB_MSG_RENAME:
		case FB_MSG_CHANNEL:
		case FB_MSG_LISTENER:
		case FB_MSG_CHMOD:
		case FB_MSG_TRUNCATE:
		case FB_MSG_SYMLINK:
			break;
		}
	} else if (c.left > 0 && type != FB_MSG_OPENV && proto_rule_errno(rep->error)) {
		/* A failed reply's only payload: the rule that refused it.
		 * Anything after another error is trailing bytes. */
		if (get_rule(&c, rep->rule, why) == -1)
			return violation(why, NULL);
	}
	if (type == FB_MSG_OPENV && rep->nfds != proto_reply_fds(rep))
		return violation(why, "bad descriptor count");
	if (get_end(&c, why) == -1)
		return violation(why, NULL);
	return 0;
}

/* Encoding: the writer fails with ENOBUFS instead of running past buf. */

static int
put(struct wcursor *w, const void *v, size_t n)
{
	if (w->left < n) {
		errno = ENOBUFS;
		return -1;
	}
	memcpy(w->p, v, n);
	w->p += n;
	w->left -= n;
	return 0;
}

static int
put_u16(struct wcursor *w, uint16_t v)
{
	return put(w, &v, sizeof(v));
}

static int
put_u32(struct wcursor *w, uint32_t v)
{
	return put(w, &v, sizeof(v));
}

static int
put_u64(struct wcursor *w, uint64_t v)
{
	return put(w, &v, sizeof(v));
}

static int
put_i64(struct wcursor *w, int64_t v)
{
	return put(w, &v, sizeof(v));
}

/* s lives in an FB_PATH_MAX array (or is an OPENV path); strnlen keeps an
 * unterminated one from being read past its end. */
static int
put_str(struct wcursor *w, const char *s)
{
	size_t len = s != NULL ? strnlen(s, FB_PATH_MAX) : 0;

	if (len == 0 || len >= FB_PATH_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (put_u16(w, (uint16_t)len) == -1 || put(w, s, len) == -1)
		return -1;
	return 0;
}

static int
put_header(struct wcursor *w, uint16_t type, uint32_t id)
{
	if (put_u16(w, FB_PROTO_VERSION) == -1 || put_u16(w, type) == -1 || put_u32(w, id) == -1)
		return -1;
	return 0;
}

ssize_t
proto_encode_request(const struct fb_request *req, void *buf, size_t size)
{
	struct wcursor w = { buf, size };
	unsigned fields;

	if (!valid_type(req->type) || req->type == FB_MSG_OPENV ||
	    (req->at && (!proto_at_allowed(req->type) || req->path[0] == '/'))) {
		errno = EINVAL;
		return -1;
	}
	fields = request_fields(req->type);
	if (put_header(&w, (uint16_t)(req->type | (req->at ? FB_MSG_AT : 0)), req->id) == -1)
		return -1;
	if ((fields & F_PATH) && put_str(&w, req->path) == -1)
		return -1;
	if ((fields & F_PATH2) && put_str(&w, req->path2) == -1)
		return -1;
	if ((fields & F_FLAGS) && put_u32(&w, req->flags) == -1)
		return -1;
	if ((fields & F_MODE) && put_u32(&w, req->mode) == -1)
		return -1;
	if ((fields & F_LENGTH) && put_i64(&w, req->length) == -1)
		return -1;
	return (ssize_t)(size - w.left);
}

ssize_t
proto_encode_openv(const struct fb_openv_request *v, void *buf, size_t size)
{
	struct wcursor w = { buf, size };
	size_t len;
	uint32_t i;

	if (v->count == 0 || v->count > FB_OPENV_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (put_header(&w, FB_MSG_OPENV, v->id) == -1 || put_u32(&w, v->count) == -1)
		return -1;
	for (i = 0; i < v->count; i++) {
		if (put_str(&w, v->ent[i].path) == -1 || put_u32(&w, v->ent[i].flags) == -1 ||
		    put_u32(&w, v->ent[i].mode) == -1)
			return -1;
	}
	/* Receivers refuse anything longer: better EMSGSIZE here. */
	if ((len = size - w.left) > FB_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return (ssize_t)len;
}

static int
put_wire_stat(struct wcursor *w, const struct fb_wire_stat *s)
{
	if (put_u64(w, s->dev) == -1 || put_u64(w, s->ino) == -1 || put_u64(w, s->mode) == -1 ||
	    put_u64(w, s->nlink) == -1 || put_u64(w, s->uid) == -1 || put_u64(w, s->gid) == -1 ||
	    put_u64(w, s->rdev) == -1 || put_i64(w, s->size) == -1 ||
	    put_i64(w, s->blksize) == -1 || put_i64(w, s->blocks) == -1 ||
	    put_i64(w, s->atime_ns) == -1 || put_i64(w, s->mtime_ns) == -1 ||
	    put_i64(w, s->ctime_ns) == -1)
		return -1;
	return 0;
}

/* May rep carry its rule (proto.h)?  1 also when it has none. */
static int
rule_fits(const struct fb_reply *rep)
{
	if (rep->rule[0] == '\0')
		return 1;
	if (strnlen(rep->rule, FB_RULE_MAX) >= FB_RULE_MAX)
		return 0;
	if (rep->type == FB_MSG_OPENV)
		return rep->error == 0 && rep->rule_entry < rep->count &&
		    proto_rule_errno(rep->result[rep->rule_entry]);
	return proto_rule_errno(rep->error);
}

static int
put_rule(struct wcursor *w, const char *rule)
{
	size_t len = strlen(rule); /* rule_fits(): < FB_RULE_MAX */

	if (put_u16(w, (uint16_t)len) == -1 || put(w, rule, len) == -1)
		return -1;
	return 0;
}

ssize_t
proto_encode_reply(const struct fb_reply *rep, void *buf, size_t size)
{
	struct wcursor w = { buf, size };
	uint32_t i;

	if (!valid_type(rep->type) || rep->error > FB_ERRNO_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (rep->type == FB_MSG_OPENV && rep->error == 0) {
		if (rep->count == 0 || rep->count > FB_OPENV_MAX) {
			errno = EINVAL;
			return -1;
		}
		for (i = 0; i < rep->count; i++) {
			if (rep->result[i] > FB_ERRNO_MAX) {
				errno = EINVAL;
				return -1;
			}
		}
	}
	if (rep->nfds != proto_reply_fds(rep) || !rule_fits(rep)) {
		errno = EINVAL;
		return -1;
	}
	if (put_header(&w, (uint16_t)(rep->type | FB_MSG_REPLY), rep->id) == -1 ||
	    put_u32(&w, rep->error) == -1 || put_u32(&w, rep->nfds) == -1)
		return -1;
	if (rep->error == 0 && rep->type == FB_MSG_OPENV) {
		if (put_u32(&w, rep->count) == -1)
			return -1;
		for (i = 0; i < rep->count; i++)
			if (put_u32(&w, rep->result[i]) == -1)
				return -1;
	} else if (rep->error == 0) {
		switch ((enum fb_msg_type)rep->type) {
		case FB_MSG_STAT:
		case FB_MSG_LSTAT:
			if (put_wire_stat(&w, &rep->st) == -1)
				return -1;
			break;
		case FB_MSG_READLINK:
		case FB_MSG_REALPATH:
			if (put_str(&w, rep->target) == -1)
				return -1;
			break;
		case FB_MSG_OPEN:
		case FB_MSG_ACCESS:
		case FB_MSG_MKDIR:
		case FB_MSG_UNLINK:
		case FB_MSG_RMDIR:
		case FB_MSG_RENAME:
		case FB_MSG_CHANNEL:
		case FB_MSG_LISTENER:
		case FB_MSG_CHMOD:
		case FB_MSG_TRUNCATE:
		case FB_MSG_SYMLINK:
			break;
		}
	}
	if (rep->rule[0] != '\0' &&
	    ((rep->type == FB_MSG_OPENV && put_u32(&w, rep->rule_entry) == -1) ||
		put_rule(&w, rep->rule) == -1))
		return -1;
	return (ssize_t)(size - w.left);
}

/* Saturates: a timestamp past the year 2262 (which any file owner can set)
 * must not overflow. */
static int64_t
ts_ns(const struct timespec *ts)
{
	int64_t ns;

	if (__builtin_mul_overflow((int64_t)ts->tv_sec, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)ts->tv_nsec, &ns))
		return ts->tv_sec < 0 ? INT64_MIN : INT64_MAX;
	return ns;
}

/* Floor division, so that times before the epoch keep 0 <= tv_nsec < 1e9. */
static void
ns_ts(struct timespec *ts, int64_t ns)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;

	if (rem < 0) {
		rem += 1000000000;
		sec--;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)rem;
}

void
proto_stat_to_wire(struct fb_wire_stat *w, const struct stat *st)
{
	w->dev = st->st_dev;
	w->ino = st->st_ino;
	w->mode = st->st_mode;
	w->nlink = st->st_nlink;
	w->uid = st->st_uid;
	w->gid = st->st_gid;
	w->rdev = st->st_rdev;
	w->size = st->st_size;
	w->blksize = st->st_blksize;
	w->blocks = st->st_blocks;
	w->atime_ns = ts_ns(&st->st_atim);
	w->mtime_ns = ts_ns(&st->st_mtim);
	w->ctime_ns = ts_ns(&st->st_ctim);
}

void
proto_stat_from_wire(struct stat *st, const struct fb_wire_stat *w)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = (dev_t)w->dev;
	st->st_ino = (ino_t)w->ino;
	st->st_mode = (mode_t)w->mode;
	st->st_nlink = (nlink_t)w->nlink;
	st->st_uid = (uid_t)w->uid;
	st->st_gid = (gid_t)w->gid;
	st->st_rdev = (dev_t)w->rdev;
	st->st_size = (off_t)w->size;
	st->st_blksize = (blksize_t)w->blksize;
	st->st_blocks = (blkcnt_t)w->blocks;
	ns_ts(&st->st_atim, w->atime_ns);
	ns_ts(&st->st_mtim, w->mtime_ns);
	ns_ts(&st->st_ctim, w->ctime_ns);
}
