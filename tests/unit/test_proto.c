/*
 * test_proto.c: the wire codec (client/proto.c).
 *
 * Round trips of every message type, then every kind of violation, built by
 * hand with a tiny byte builder so that the tests do not depend on the
 * encoder they check.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "proto.h"

/* Big enough for any message and then some, to build oversized ones. */
#define BUFSZ (FB_MSG_MAX + 64)

struct bld {
	uint8_t b[BUFSZ];
	size_t n;
};

static void
b_raw(struct bld *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
b_u16(struct bld *b, uint16_t v)
{
	b_raw(b, &v, sizeof(v));
}

static void
b_u32(struct bld *b, uint32_t v)
{
	b_raw(b, &v, sizeof(v));
}

static void
b_u64(struct bld *b, uint64_t v)
{
	b_raw(b, &v, sizeof(v));
}

static void
b_hdr(struct bld *b, uint16_t version, uint16_t type, uint32_t id)
{
	b->n = 0;
	b_u16(b, version);
	b_u16(b, type);
	b_u32(b, id);
}

static void
b_str(struct bld *b, const char *s, size_t len)
{
	b_u16(b, (uint16_t)len);
	b_raw(b, s, len);
}

static struct fb_request *
new_req(unsigned type, uint32_t id, const char *path, const char *path2, uint32_t flags,
    uint32_t mode)
{
	struct fb_request *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->type = (uint16_t)type;
	r->id = id;
	r->flags = flags;
	r->mode = mode;
	if (path != NULL)
		snprintf(r->path, sizeof(r->path), "%s", path);
	if (path2 != NULL)
		snprintf(r->path2, sizeof(r->path2), "%s", path2);
	return r;
}

static void
expect_bad_request(const void *buf, size_t len, const char *why_expected)
{
	struct fb_request *r = malloc(sizeof(*r));
	const char *why = NULL;

	assert_non_null(r);
	errno = 0;
	assert_int_equal(proto_decode_request(buf, len, r, &why), -1);
	assert_int_equal(errno, EPROTO);
	assert_non_null(why);
	if (why_expected != NULL)
		assert_string_equal(why, why_expected);
	free(r);
}

static void
expect_bad_reply(const void *buf, size_t len, const char *why_expected)
{
	struct fb_reply *r = malloc(sizeof(*r));
	const char *why = NULL;

	assert_non_null(r);
	errno = 0;
	assert_int_equal(proto_decode_reply(buf, len, r, &why), -1);
	assert_int_equal(errno, EPROTO);
	assert_non_null(why);
	if (why_expected != NULL)
		assert_string_equal(why, why_expected);
	free(r);
}

/* Every prefix of a valid message and the message plus one byte must fail;
 * the message itself must pass. */
static void
check_prefixes_request(const uint8_t *buf, size_t len)
{
	uint8_t more[BUFSZ];
	size_t i;

	for (i = 0; i < len; i++)
		expect_bad_request(buf, i, NULL);
	memcpy(more, buf, len);
	more[len] = 0x41;
	expect_bad_request(more, len + 1, "trailing bytes");
}

static void
check_prefixes_reply(const uint8_t *buf, size_t len)
{
	uint8_t more[BUFSZ];
	size_t i;

	for (i = 0; i < len; i++)
		expect_bad_reply(buf, i, NULL);
	memcpy(more, buf, len);
	more[len] = 0;
	expect_bad_reply(more, len + 1, "trailing bytes");
}

static void
roundtrip_request(const struct fb_request *in, size_t expect_len)
{
	uint8_t buf[BUFSZ], again[BUFSZ];
	struct fb_request *out = malloc(sizeof(*out));
	const char *why = NULL;
	ssize_t n, m;

	assert_non_null(out);
	n = proto_encode_request(in, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)expect_len);
	assert_int_equal(proto_decode_request(buf, (size_t)n, out, &why), 0);
	assert_int_equal(out->type, in->type);
	assert_int_equal(out->id, in->id);
	assert_int_equal(out->flags, in->flags);
	assert_int_equal(out->mode, in->mode);
	assert_string_equal(out->path, in->path);
	assert_string_equal(out->path2, in->path2);
	m = proto_encode_request(out, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(buf, again, (size_t)n);
	check_prefixes_request(buf, (size_t)n);
	free(out);
}

static void
test_request_roundtrip(void **state)
{
	struct fb_request *r;

	(void)state;
	r = new_req(FB_MSG_OPEN, 1, "/etc/passwd", NULL, 0x80241, 0644);
	roundtrip_request(r, 8 + 2 + 11 + 4 + 4);
	free(r);
	r = new_req(FB_MSG_STAT, 2, "/a", NULL, 0, 0);
	roundtrip_request(r, 8 + 2 + 2);
	free(r);
	r = new_req(FB_MSG_LSTAT, 3, "/a/b", NULL, 0, 0);
	roundtrip_request(r, 8 + 2 + 4);
	free(r);
	r = new_req(FB_MSG_ACCESS, 4, "/x", NULL, 0, 7);
	roundtrip_request(r, 8 + 2 + 2 + 4);
	free(r);
	r = new_req(FB_MSG_READLINK, 5, "/proc/self", NULL, 0, 0);
	roundtrip_request(r, 8 + 2 + 10);
	free(r);
	r = new_req(FB_MSG_MKDIR, 6, "/tmp/d", NULL, 0, 0755);
	roundtrip_request(r, 8 + 2 + 6 + 4);
	free(r);
	r = new_req(FB_MSG_UNLINK, 7, "/tmp/f", NULL, 0, 0);
	roundtrip_request(r, 8 + 2 + 6);
	free(r);
	r = new_req(FB_MSG_RMDIR, 8, "/tmp/d", NULL, 0, 0);
	roundtrip_request(r, 8 + 2 + 6);
	free(r);
	r = new_req(FB_MSG_RENAME, 0xffffffff, "/tmp/a", "/tmp/bb", 0, 0);
	roundtrip_request(r, 8 + 2 + 6 + 2 + 7);
	free(r);
	r = new_req(FB_MSG_CHANNEL, 10, NULL, NULL, 0, 0);
	roundtrip_request(r, 8);
	free(r);
}

/* The largest request but OPENV: RENAME with two FB_PATH_MAX - 1 strings. */
static void
test_request_max_strings(void **state)
{
	struct fb_request *r = new_req(FB_MSG_RENAME, 9, NULL, NULL, 0, 0);
	uint8_t buf[BUFSZ];
	ssize_t n;

	(void)state;
	memset(r->path, 'a', FB_PATH_MAX - 1);
	r->path[FB_PATH_MAX - 1] = '\0';
	memset(r->path2, 'b', FB_PATH_MAX - 1);
	r->path2[FB_PATH_MAX - 1] = '\0';
	n = proto_encode_request(r, buf, sizeof(buf));
	assert_int_equal(n, 8 + 2 * (2 + FB_PATH_MAX - 1));
	assert_true(n <= FB_REQUEST_MAX);
	assert_true(FB_REQUEST_MAX <= FB_MSG_MAX);
	roundtrip_request(r, (size_t)n);
	/* Exactly enough room is fine, one byte less is ENOBUFS. */
	assert_int_equal(proto_encode_request(r, buf, (size_t)n), n);
	errno = 0;
	assert_int_equal(proto_encode_request(r, buf, (size_t)n - 1), -1);
	assert_int_equal(errno, ENOBUFS);
	free(r);
}

static struct fb_reply *
new_rep(unsigned type, uint32_t id, uint32_t error)
{
	struct fb_reply *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->type = (uint16_t)type;
	r->id = id;
	r->error = error;
	r->nfds = proto_reply_nfds(type, error);
	return r;
}

static void
roundtrip_reply(const struct fb_reply *in, size_t expect_len)
{
	uint8_t buf[BUFSZ], again[BUFSZ];
	struct fb_reply *out = malloc(sizeof(*out));
	const char *why = NULL;
	uint16_t wtype;
	ssize_t n, m;

	assert_non_null(out);
	n = proto_encode_reply(in, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)expect_len);
	memcpy(&wtype, buf + 2, sizeof(wtype));
	assert_int_equal(wtype, in->type | FB_MSG_REPLY);
	assert_int_equal(proto_decode_reply(buf, (size_t)n, out, &why), 0);
	assert_int_equal(out->type, in->type);
	assert_int_equal(out->id, in->id);
	assert_int_equal(out->error, in->error);
	assert_int_equal(out->nfds, in->nfds);
	if (in->error == 0)
		assert_memory_equal(&out->st, &in->st, sizeof(in->st));
	assert_string_equal(out->target, in->error == 0 ? in->target : "");
	m = proto_encode_reply(out, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(buf, again, (size_t)n);
	check_prefixes_reply(buf, (size_t)n);
	free(out);
}

static void
test_reply_roundtrip(void **state)
{
	struct fb_reply *r;
	unsigned t;

	(void)state;
	for (t = 1; t <= FB_MSG_TYPE_MAX; t++) {
		/* Every type can fail with an errno and nothing else. */
		r = new_rep(t, t * 100, ENOENT);
		roundtrip_reply(r, 16);
		free(r);
		r = new_rep(t, t, FB_ERRNO_MAX);
		roundtrip_reply(r, 16);
		free(r);
	}
	r = new_rep(FB_MSG_OPEN, 1, 0);
	assert_int_equal(r->nfds, 1);
	roundtrip_reply(r, 16);
	free(r);
	r = new_rep(FB_MSG_CHANNEL, 2, 0);
	assert_int_equal(r->nfds, 1);
	roundtrip_reply(r, 16);
	free(r);
	for (t = FB_MSG_STAT; t <= FB_MSG_LSTAT; t++) {
		r = new_rep(t, 3, 0);
		r->st.dev = 1;
		r->st.ino = UINT64_MAX;
		r->st.mode = S_IFREG | 0644;
		r->st.nlink = 2;
		r->st.uid = 1000;
		r->st.gid = 100;
		r->st.rdev = 0x0801;
		r->st.size = INT64_MAX;
		r->st.blksize = 4096;
		r->st.blocks = 8;
		r->st.atime_ns = -1;
		r->st.mtime_ns = INT64_MIN;
		r->st.ctime_ns = 1700000000123456789;
		roundtrip_reply(r, 16 + FB_WIRE_STAT_SIZE);
		free(r);
	}
	r = new_rep(FB_MSG_READLINK, 5, 0);
	snprintf(r->target, sizeof(r->target), "../target");
	roundtrip_reply(r, 16 + 2 + 9);
	memset(r->target, 'x', FB_PATH_MAX - 1);
	r->target[FB_PATH_MAX - 1] = '\0';
	roundtrip_reply(r, 16 + 2 + FB_PATH_MAX - 1);
	/* The longest reply there is. */
	assert_true(16 + 2 + FB_PATH_MAX - 1 <= FB_REPLY_MAX);
	free(r);
	for (t = FB_MSG_ACCESS; t <= FB_MSG_RENAME; t++) {
		if (t == FB_MSG_READLINK)
			continue;
		r = new_rep(t, 7, 0);
		roundtrip_reply(r, 16);
		free(r);
	}
}

static void
test_request_header_violations(void **state)
{
	struct bld b;

	(void)state;
	b_hdr(&b, 0, FB_MSG_CHANNEL, 1);
	expect_bad_request(b.b, b.n, "wrong protocol version");
	b_hdr(&b, FB_PROTO_VERSION + 1, FB_MSG_CHANNEL, 1);
	expect_bad_request(b.b, b.n, "wrong protocol version");
	b_hdr(&b, 0xffff, FB_MSG_CHANNEL, 1);
	expect_bad_request(b.b, b.n, "wrong protocol version");
	b_hdr(&b, FB_PROTO_VERSION, 0, 1);
	expect_bad_request(b.b, b.n, "unknown request type");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_TYPE_MAX + 1, 1);
	expect_bad_request(b.b, b.n, "unknown request type");
	b_hdr(&b, FB_PROTO_VERSION, 0x7fff, 1);
	expect_bad_request(b.b, b.n, "unknown request type");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_CHANNEL | FB_MSG_REPLY, 1);
	expect_bad_request(b.b, b.n, "reply type in a request");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_REPLY, 1);
	expect_bad_request(b.b, b.n, "reply type in a request");
	expect_bad_request("", 0, "truncated header");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_CHANNEL, 1);
	expect_bad_request(b.b, 7, "truncated header");
	/* A request is decoded as a reply: refused. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_CHANNEL, 1);
	expect_bad_reply(b.b, b.n, "request type in a reply");
}

static void
test_request_string_violations(void **state)
{
	static char big[FB_PATH_MAX + 8];
	struct bld b;

	(void)state;
	memset(big, 'a', sizeof(big));

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_str(&b, "", 0);
	expect_bad_request(b.b, b.n, "empty string");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_str(&b, big, FB_PATH_MAX);
	expect_bad_request(b.b, b.n, "string too long");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_u16(&b, 0xffff);
	expect_bad_request(b.b, b.n, "string too long");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_str(&b, big, FB_PATH_MAX - 1);
	{
		struct fb_request *r = malloc(sizeof(*r));
		const char *why;

		assert_int_equal(proto_decode_request(b.b, b.n, r, &why), 0);
		assert_int_equal(strlen(r->path), FB_PATH_MAX - 1);
		free(r);
	}

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_str(&b, "/etc\0/shadow", 12);
	expect_bad_request(b.b, b.n, "string contains NUL");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_str(&b, "/a\0", 3);
	expect_bad_request(b.b, b.n, "string contains NUL");

	/* Length says 10, only 4 bytes follow. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_u16(&b, 10);
	b_raw(&b, "/abc", 4);
	expect_bad_request(b.b, b.n, "string overruns message");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_u16(&b, 1);
	expect_bad_request(b.b, b.n, "string overruns message");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_raw(&b, "\x01", 1);
	expect_bad_request(b.b, b.n, "truncated string length");

	/* The second string of RENAME is checked the same way. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_RENAME, 1);
	b_str(&b, "/a", 2);
	b_str(&b, "/b\0c", 4);
	expect_bad_request(b.b, b.n, "string contains NUL");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_RENAME, 1);
	b_str(&b, "/a", 2);
	expect_bad_request(b.b, b.n, "truncated string length");

	/* CHANNEL takes nothing; STAT takes no mode. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_CHANNEL, 1);
	b_u32(&b, 0);
	expect_bad_request(b.b, b.n, "trailing bytes");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT, 1);
	b_str(&b, "/a", 2);
	b_u32(&b, 0644);
	expect_bad_request(b.b, b.n, "trailing bytes");

	/* OPEN without its mode. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPEN, 1);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	expect_bad_request(b.b, b.n, "truncated mode");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPEN, 1);
	b_str(&b, "/a", 2);
	b_u16(&b, 0);
	expect_bad_request(b.b, b.n, "truncated flags");
}

static void
test_reply_violations(void **state)
{
	static char big[FB_PATH_MAX + 8];
	struct bld b;
	unsigned i;

	(void)state;
	memset(big, 'a', sizeof(big));

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_UNLINK, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "request type in a reply");

	b_hdr(&b, 2, FB_MSG_UNLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "wrong protocol version");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "unknown reply type");
	b_hdr(&b, FB_PROTO_VERSION, 0xffff, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "unknown reply type");

	/* error out of range */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_UNLINK | FB_MSG_REPLY, 1);
	b_u32(&b, FB_ERRNO_MAX + 1);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "bad error value");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_UNLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0xffffffff); /* -1 */
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "bad error value");

	/* nfds: exactly one for successful OPEN and CHANNEL, else none. */
	{
		static const struct {
			uint16_t type;
			uint32_t error, nfds;
		} bad[] = {
			{ FB_MSG_OPEN, 0, 0 },
			{ FB_MSG_OPEN, 0, 2 },
			{ FB_MSG_OPEN, EACCES, 1 },
			{ FB_MSG_CHANNEL, 0, 0 },
			{ FB_MSG_CHANNEL, 0, 0xffffffff },
			{ FB_MSG_CHANNEL, EMFILE, 1 },
			{ FB_MSG_UNLINK, 0, 1 },
			{ FB_MSG_RENAME, EXDEV, 1 },
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			b_hdr(&b, FB_PROTO_VERSION, bad[i].type | FB_MSG_REPLY, 1);
			b_u32(&b, bad[i].error);
			b_u32(&b, bad[i].nfds);
			expect_bad_reply(b.b, b.n, "bad descriptor count");
		}
	}

	/* A failed STAT carries no stat. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT | FB_MSG_REPLY, 1);
	b_u32(&b, ENOENT);
	b_u32(&b, 0);
	for (i = 0; i < 13; i++)
		b_u64(&b, 0);
	expect_bad_reply(b.b, b.n, "trailing bytes");

	/* A successful STAT one u64 short. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	for (i = 0; i < 12; i++)
		b_u64(&b, 0);
	expect_bad_reply(b.b, b.n, "truncated stat");

	/* READLINK target strings. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_READLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_str(&b, "", 0);
	expect_bad_reply(b.b, b.n, "empty string");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_READLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_str(&b, big, FB_PATH_MAX);
	expect_bad_reply(b.b, b.n, "string too long");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_READLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_str(&b, "ab\0", 3);
	expect_bad_reply(b.b, b.n, "string contains NUL");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_READLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_u16(&b, 100);
	b_raw(&b, "abc", 3);
	expect_bad_reply(b.b, b.n, "string overruns message");

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_UNLINK | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "truncated nfds");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_UNLINK | FB_MSG_REPLY, 1);
	b_u16(&b, 0);
	expect_bad_reply(b.b, b.n, "truncated error");
}

static void
expect_einval_request(const struct fb_request *r)
{
	uint8_t buf[BUFSZ];

	errno = 0;
	assert_int_equal(proto_encode_request(r, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
expect_einval_reply(const struct fb_reply *r)
{
	uint8_t buf[BUFSZ];

	errno = 0;
	assert_int_equal(proto_encode_reply(r, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_encoder_refusals(void **state)
{
	struct fb_request *q;
	struct fb_reply *p;
	uint8_t buf[BUFSZ];
	size_t i;
	ssize_t n;

	(void)state;
	q = new_req(0, 1, "/a", NULL, 0, 0);
	expect_einval_request(q);
	q->type = FB_MSG_TYPE_MAX + 1;
	expect_einval_request(q);
	q->type = FB_MSG_STAT | FB_MSG_REPLY;
	expect_einval_request(q);
	q->type = FB_MSG_STAT;
	q->path[0] = '\0';
	expect_einval_request(q);
	/* Unterminated within FB_PATH_MAX: not read past the array. */
	memset(q->path, 'a', sizeof(q->path));
	expect_einval_request(q);
	q->type = FB_MSG_RENAME;
	snprintf(q->path, sizeof(q->path), "/a");
	q->path2[0] = '\0';
	expect_einval_request(q);
	/* Fields a type does not carry are not looked at. */
	q->type = FB_MSG_CHANNEL;
	assert_int_equal(proto_encode_request(q, buf, sizeof(buf)), FB_HDR_SIZE);
	/* ENOBUFS at every short size. */
	q->type = FB_MSG_OPEN;
	n = proto_encode_request(q, buf, sizeof(buf));
	assert_true(n > 0);
	for (i = 0; i < (size_t)n; i++) {
		errno = 0;
		assert_int_equal(proto_encode_request(q, buf, i), -1);
		assert_int_equal(errno, ENOBUFS);
	}
	free(q);

	p = new_rep(0, 1, 0);
	expect_einval_reply(p);
	p->type = FB_MSG_OPEN | FB_MSG_REPLY;
	expect_einval_reply(p);
	p->type = FB_MSG_OPEN;
	p->nfds = 0;
	expect_einval_reply(p);
	p->nfds = 2;
	expect_einval_reply(p);
	p->error = EACCES;
	p->nfds = 1;
	expect_einval_reply(p);
	p->nfds = 0;
	assert_int_equal(proto_encode_reply(p, buf, sizeof(buf)), 16);
	p->error = FB_ERRNO_MAX + 1;
	expect_einval_reply(p);
	p->error = (uint32_t)-1;
	expect_einval_reply(p);
	p->type = FB_MSG_READLINK;
	p->error = 0;
	p->nfds = 0;
	p->target[0] = '\0';
	expect_einval_reply(p);
	memset(p->target, 'a', sizeof(p->target));
	expect_einval_reply(p);
	/* A failed READLINK ignores the target. */
	p->error = ENOENT;
	assert_int_equal(proto_encode_reply(p, buf, sizeof(buf)), 16);
	p->type = FB_MSG_STAT;
	p->error = 0;
	for (i = 0; i < 16 + FB_WIRE_STAT_SIZE; i++) {
		errno = 0;
		assert_int_equal(proto_encode_reply(p, buf, i), -1);
		assert_int_equal(errno, ENOBUFS);
	}
	free(p);
}

/* ---- FB_MSG_OPENV ---- */

static struct fb_openv_request *
new_openv(uint32_t id, uint32_t count)
{
	struct fb_openv_request *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->id = id;
	v->count = count;
	return v;
}

static void
expect_bad_openv(const void *buf, size_t len, const char *why_expected)
{
	struct fb_openv_request *v = malloc(sizeof(*v));
	const char *why = NULL;

	assert_non_null(v);
	errno = 0;
	assert_int_equal(proto_decode_openv(buf, len, v, &why), -1);
	assert_int_equal(errno, EPROTO);
	assert_non_null(why);
	if (why_expected != NULL)
		assert_string_equal(why, why_expected);
	free(v);
}

static void
roundtrip_openv(const struct fb_openv_request *in, size_t expect_len)
{
	static uint8_t buf[BUFSZ], again[BUFSZ], more[BUFSZ];
	struct fb_openv_request *out = malloc(sizeof(*out));
	struct fb_request *single = malloc(sizeof(*single));
	const char *why = NULL;
	ssize_t n, m;
	uint32_t i;
	size_t k;

	assert_non_null(out);
	assert_non_null(single);
	n = proto_encode_openv(in, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)expect_len);
	assert_int_equal(proto_peek_type(buf, (size_t)n), FB_MSG_OPENV);
	assert_int_equal(proto_decode_openv(buf, (size_t)n, out, &why), 0);
	assert_int_equal(out->id, in->id);
	assert_int_equal(out->count, in->count);
	for (i = 0; i < in->count; i++) {
		assert_string_equal(out->ent[i].path, in->ent[i].path);
		assert_int_equal(out->ent[i].flags, in->ent[i].flags);
		assert_int_equal(out->ent[i].mode, in->ent[i].mode);
		/* Decoded paths live in the request itself. */
		assert_true(out->ent[i].path >= out->names &&
		    out->ent[i].path < out->names + sizeof(out->names));
	}
	m = proto_encode_openv(out, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(buf, again, (size_t)n);
	/* Every prefix fails, so does one byte more. */
	for (k = 0; k < (size_t)n; k++)
		expect_bad_openv(buf, k, NULL);
	memcpy(more, buf, (size_t)n);
	more[n] = 0x41;
	expect_bad_openv(more, (size_t)n + 1, "trailing bytes");
	/* Neither single-request decoder takes it. */
	errno = 0;
	assert_int_equal(proto_decode_request(buf, (size_t)n, single, &why), -1);
	assert_int_equal(errno, EPROTO);
	assert_string_equal(why, "openv where a single request was expected");
	expect_bad_reply(buf, (size_t)n, "request type in a reply");
	free(single);
	free(out);
}

static void
test_openv_roundtrip(void **state)
{
	static char paths[FB_OPENV_MAX][64], longest[FB_PATH_MAX];
	struct fb_openv_request *v;
	size_t len;
	uint32_t i;

	(void)state;
	v = new_openv(42, 1);
	v->ent[0].path = "/etc/passwd";
	v->ent[0].flags = 0x80241;
	v->ent[0].mode = 0644;
	roundtrip_openv(v, 8 + 4 + 2 + 11 + 4 + 4);
	free(v);

	/* Any flags and mode travel: refusing them is the broker's job, with
	 * an errno per entry, as for FB_MSG_OPEN. */
	v = new_openv(0xffffffff, 3);
	v->ent[0].path = "/a";
	v->ent[0].flags = 0xffffffff;
	v->ent[1].path = "relative/is/the/broker's/business";
	v->ent[1].mode = 0xffffffff;
	v->ent[2].path = "/a";
	roundtrip_openv(v, 12 + (10 + 2) + (10 + 33) + (10 + 2));
	free(v);

	/* FB_OPENV_MAX entries. */
	v = new_openv(7, FB_OPENV_MAX);
	len = FB_OPENV_HDR_SIZE;
	for (i = 0; i < FB_OPENV_MAX; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/data/file-%02u.txt", (unsigned)i);
		v->ent[i].path = paths[i];
		v->ent[i].flags = i;
		v->ent[i].mode = 0600;
		len += FB_OPENV_ENTRY_SIZE(strlen(paths[i]));
	}
	roundtrip_openv(v, len);
	free(v);

	/* The longest path, alone. */
	memset(longest, 'p', FB_PATH_MAX - 1);
	longest[0] = '/';
	v = new_openv(8, 1);
	v->ent[0].path = longest;
	roundtrip_openv(v, FB_OPENV_HDR_SIZE + FB_OPENV_ENTRY_SIZE(FB_PATH_MAX - 1));
	free(v);
}

/* Messages up to exactly FB_MSG_MAX bytes encode and decode; one byte more
 * does neither. */
static void
test_openv_size_limit(void **state)
{
	static char paths[FB_OPENV_MAX][FB_PATH_MAX];
	static uint8_t buf[BUFSZ + FB_PATH_MAX];
	struct fb_openv_request *v = new_openv(9, FB_OPENV_MAX);
	struct fb_openv_request *out = malloc(sizeof(*out));
	size_t per, last, len;
	const char *why;
	uint32_t i;

	(void)state;
	assert_non_null(out);
	/* 63 entries of the same size, the last one fills up to FB_MSG_MAX. */
	per = (FB_MSG_MAX - FB_OPENV_HDR_SIZE) / FB_OPENV_MAX - FB_OPENV_ENTRY_SIZE(0);
	len = FB_OPENV_HDR_SIZE;
	for (i = 0; i < FB_OPENV_MAX - 1; i++) {
		memset(paths[i], 'a' + (char)(i % 26), per);
		paths[i][0] = '/';
		v->ent[i].path = paths[i];
		len += FB_OPENV_ENTRY_SIZE(per);
	}
	last = FB_MSG_MAX - len - FB_OPENV_ENTRY_SIZE(0);
	assert_true(last > 0 && last < FB_PATH_MAX);
	memset(paths[i], 'z', last);
	paths[i][0] = '/';
	v->ent[i].path = paths[i];
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), FB_MSG_MAX);
	assert_int_equal(proto_decode_openv(buf, FB_MSG_MAX, out, &why), 0);
	assert_int_equal(strlen(out->ent[FB_OPENV_MAX - 1].path), last);
	/* Exactly enough room is fine, one byte less is ENOBUFS. */
	assert_int_equal(proto_encode_openv(v, buf, FB_MSG_MAX), FB_MSG_MAX);
	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, FB_MSG_MAX - 1), -1);
	assert_int_equal(errno, ENOBUFS);

	/* One byte more: the encoder says EMSGSIZE, the decoder refuses. */
	paths[i][last] = 'z';
	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EMSGSIZE);
	paths[i][last] = '\0';
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), FB_MSG_MAX);
	buf[FB_MSG_MAX] = 0;
	expect_bad_openv(buf, FB_MSG_MAX + 1, "message too long");
	free(out);
	free(v);
}

static void
test_openv_violations(void **state)
{
	static char big[FB_PATH_MAX + 8];
	struct bld b;
	uint32_t i;

	(void)state;
	memset(big, 'a', sizeof(big));

	/* Header. */
	expect_bad_openv("", 0, "truncated header");
	b_hdr(&b, FB_PROTO_VERSION + 1, FB_MSG_OPENV, 1);
	b_u32(&b, 1);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "wrong protocol version");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV | FB_MSG_REPLY, 1);
	b_u32(&b, 1);
	expect_bad_openv(b.b, b.n, "reply type in a request");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPEN, 1);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "not an openv request");

	/* The count. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	expect_bad_openv(b.b, b.n, "truncated entry count");
	b_u16(&b, 1);
	expect_bad_openv(b.b, b.n, "truncated entry count");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "no entries");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, FB_OPENV_MAX + 1);
	for (i = 0; i < FB_OPENV_MAX + 1; i++) {
		b_str(&b, "/a", 2);
		b_u32(&b, 0);
		b_u32(&b, 0);
	}
	expect_bad_openv(b.b, b.n, "too many entries");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 0xffffffff);
	expect_bad_openv(b.b, b.n, "too many entries");

	/* Fewer entries than counted, entries cut short. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 2);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "truncated string length");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 1);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "truncated mode");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 1);
	b_str(&b, "/a", 2);
	b_u16(&b, 0);
	expect_bad_openv(b.b, b.n, "truncated flags");
	/* More entries than counted. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 1);
	for (i = 0; i < 2; i++) {
		b_str(&b, "/a", 2);
		b_u32(&b, 0);
		b_u32(&b, 0);
	}
	expect_bad_openv(b.b, b.n, "trailing bytes");

	/* Strings, in any entry, as everywhere else. */
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 2);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_str(&b, "", 0);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "empty string");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 2);
	b_str(&b, "/a", 2);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_str(&b, "/etc\0/shadow", 12);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "string contains NUL");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 1);
	b_str(&b, big, FB_PATH_MAX);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_openv(b.b, b.n, "string too long");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV, 1);
	b_u32(&b, 1);
	b_u16(&b, 100);
	b_raw(&b, "/abc", 4);
	expect_bad_openv(b.b, b.n, "string overruns message");
}

static void
test_openv_encoder_refusals(void **state)
{
	static uint8_t buf[BUFSZ];
	struct fb_openv_request *v = new_openv(1, 0);
	struct fb_request *q = new_req(FB_MSG_OPENV, 1, "/a", NULL, 0, 0);
	static char unterminated[FB_PATH_MAX];
	size_t i;
	ssize_t n;

	(void)state;
	/* OPENV is not a single request. */
	expect_einval_request(q);
	free(q);

	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	v->count = FB_OPENV_MAX + 1;
	for (i = 0; i < FB_OPENV_MAX; i++)
		v->ent[i].path = "/a";
	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	v->count = 2;
	v->ent[1].path = NULL;
	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	v->ent[1].path = "";
	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	memset(unterminated, 'a', sizeof(unterminated));
	v->ent[1].path = unterminated;
	errno = 0;
	assert_int_equal(proto_encode_openv(v, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	/* ENOBUFS at every short size. */
	v->ent[1].path = "/b";
	n = proto_encode_openv(v, buf, sizeof(buf));
	assert_int_equal(n, 12 + 2 * 12);
	for (i = 0; i < (size_t)n; i++) {
		errno = 0;
		assert_int_equal(proto_encode_openv(v, buf, i), -1);
		assert_int_equal(errno, ENOBUFS);
	}
	free(v);
}

static struct fb_reply *
new_openv_rep(uint32_t id, uint32_t count, const uint32_t *results)
{
	struct fb_reply *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->type = FB_MSG_OPENV;
	r->id = id;
	r->count = count;
	memcpy(r->result, results, count * sizeof(results[0]));
	r->nfds = proto_reply_fds(r);
	return r;
}

static void
test_openv_reply_roundtrip(void **state)
{
	static const uint32_t mixed[] = { 0, EACCES, ENOENT, 0, FB_ERRNO_MAX, 0 };
	uint32_t all[FB_OPENV_MAX];
	struct fb_reply *r, *out;
	uint8_t buf[BUFSZ];
	const char *why;
	unsigned i;

	(void)state;
	r = new_openv_rep(5, 6, mixed);
	assert_int_equal(r->nfds, 3);
	roundtrip_reply(r, 16 + 4 + 6 * 4);
	out = malloc(sizeof(*out));
	assert_non_null(out);
	assert_int_equal(proto_decode_reply(buf, (size_t)proto_encode_reply(r, buf, sizeof(buf)),
			     out, &why),
	    0);
	assert_int_equal(out->count, 6);
	assert_memory_equal(out->result, mixed, sizeof(mixed));
	assert_int_equal(proto_reply_fds(out), 3);
	free(out);
	free(r);

	/* All fail: no descriptor; all succeed: FB_OPENV_MAX of them. */
	for (i = 0; i < FB_OPENV_MAX; i++)
		all[i] = EACCES;
	r = new_openv_rep(6, FB_OPENV_MAX, all);
	assert_int_equal(r->nfds, 0);
	roundtrip_reply(r, 16 + 4 + 4 * FB_OPENV_MAX);
	free(r);
	memset(all, 0, sizeof(all));
	r = new_openv_rep(7, FB_OPENV_MAX, all);
	assert_int_equal(r->nfds, FB_OPENV_MAX);
	roundtrip_reply(r, 16 + 4 + 4 * FB_OPENV_MAX);
	assert_true(16 + 4 + 4 * FB_OPENV_MAX <= FB_REPLY_MAX);
	free(r);

	/* The whole request failed: no payload, no descriptor. */
	r = new_rep(FB_MSG_OPENV, 8, EIO);
	roundtrip_reply(r, 16);
	free(r);

	/* Type and error alone cannot tell OPENV's count. */
	assert_int_equal(proto_reply_nfds(FB_MSG_OPENV, 0), 0);
	assert_int_equal(proto_reply_nfds(FB_MSG_OPENV, EIO), 0);
}

static void
b_openv_rep(struct bld *b, uint32_t error, uint32_t nfds)
{
	b_hdr(b, FB_PROTO_VERSION, FB_MSG_OPENV | FB_MSG_REPLY, 1);
	b_u32(b, error);
	b_u32(b, nfds);
}

static void
test_openv_reply_violations(void **state)
{
	struct fb_reply *r;
	uint32_t res[2] = { 0, EACCES };
	struct bld b;
	unsigned i;

	(void)state;
	/* Descriptors: one per result of 0, no more, no fewer. */
	b_openv_rep(&b, 0, 2);
	b_u32(&b, 2);
	b_u32(&b, 0);
	b_u32(&b, EACCES);
	expect_bad_reply(b.b, b.n, "bad descriptor count");
	b_openv_rep(&b, 0, 0);
	b_u32(&b, 2);
	b_u32(&b, 0);
	b_u32(&b, EACCES);
	expect_bad_reply(b.b, b.n, "bad descriptor count");
	b_openv_rep(&b, 0, 0xffffffff);
	b_u32(&b, 1);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "bad descriptor count");
	b_openv_rep(&b, EIO, 1);
	expect_bad_reply(b.b, b.n, "bad descriptor count");

	/* Count and results. */
	b_openv_rep(&b, 0, 0);
	expect_bad_reply(b.b, b.n, "truncated entry count");
	b_openv_rep(&b, 0, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "bad entry count");
	b_openv_rep(&b, 0, 0);
	b_u32(&b, FB_OPENV_MAX + 1);
	for (i = 0; i < FB_OPENV_MAX + 1; i++)
		b_u32(&b, EACCES);
	expect_bad_reply(b.b, b.n, "bad entry count");
	b_openv_rep(&b, 0, 1);
	b_u32(&b, 2);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "truncated results");
	b_openv_rep(&b, 0, 0);
	b_u32(&b, 1);
	b_u32(&b, FB_ERRNO_MAX + 1);
	expect_bad_reply(b.b, b.n, "bad result value");
	b_openv_rep(&b, 0, 1);
	b_u32(&b, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "trailing bytes");
	/* A failed OPENV carries no results. */
	b_openv_rep(&b, EIO, 0);
	b_u32(&b, 1);
	b_u32(&b, EACCES);
	expect_bad_reply(b.b, b.n, "trailing bytes");

	/* The encoder refuses the same. */
	r = new_openv_rep(1, 2, res);
	r->nfds = 2;
	expect_einval_reply(r);
	r->nfds = 0;
	expect_einval_reply(r);
	r->nfds = 1;
	r->result[1] = FB_ERRNO_MAX + 1;
	expect_einval_reply(r);
	r->result[1] = EACCES;
	r->count = 0;
	r->nfds = 0;
	expect_einval_reply(r);
	r->count = FB_OPENV_MAX + 1;
	expect_einval_reply(r);
	free(r);
}

static void
test_peek_type(void **state)
{
	struct bld b;

	(void)state;
	assert_int_equal(proto_peek_type("", 0), 0);
	b_hdr(&b, 0xffff, FB_MSG_OPENV, 1);
	assert_int_equal(proto_peek_type(b.b, 7), 0);
	assert_int_equal(proto_peek_type(b.b, 8), FB_MSG_OPENV);
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT | FB_MSG_REPLY, 1);
	assert_int_equal(proto_peek_type(b.b, b.n), FB_MSG_STAT | FB_MSG_REPLY);
}

/* LISTENER: a header alone, with exactly one descriptor beside it (which
 * the codec does not see: proto_request_nfds() tells the receiver); its
 * reply is an errno and nothing else, never a descriptor. */
static void
test_listener(void **state)
{
	struct fb_request *r;
	struct fb_reply *p;
	uint8_t buf[BUFSZ];
	struct bld b;
	unsigned t;

	(void)state;
	r = new_req(FB_MSG_LISTENER, 12, NULL, NULL, 0, 0);
	roundtrip_request(r, 8);
	/* Fields it does not carry are not sent. */
	snprintf(r->path, sizeof(r->path), "/etc/passwd");
	r->flags = 1;
	r->mode = 0644;
	assert_int_equal(proto_encode_request(r, buf, sizeof(buf)), 8);
	free(r);

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_LISTENER, 1);
	b_str(&b, "/x", 2);
	expect_bad_request(b.b, b.n, "trailing bytes");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_LISTENER | FB_MSG_REPLY, 1);
	expect_bad_request(b.b, b.n, "reply type in a request");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_LISTENER, 1);
	expect_bad_reply(b.b, b.n, "request type in a reply");

	/* The one request that carries a descriptor. */
	assert_int_equal(proto_request_nfds(FB_MSG_LISTENER), 1);
	for (t = 0; t <= FB_MSG_TYPE_MAX + 1; t++)
		if (t != FB_MSG_LISTENER)
			assert_int_equal(proto_request_nfds(t), 0);
	assert_int_equal(proto_request_nfds(FB_MSG_LISTENER | FB_MSG_REPLY), 0);
	assert_int_equal(proto_request_nfds(UINT_MAX), 0);

	/* Replies: 0, EBUSY, EBADF, ...; no descriptor, no payload. */
	assert_int_equal(proto_reply_nfds(FB_MSG_LISTENER, 0), 0);
	p = new_rep(FB_MSG_LISTENER, 4, 0);
	assert_int_equal(p->nfds, 0);
	roundtrip_reply(p, 16);
	free(p);
	p = new_rep(FB_MSG_LISTENER, 5, EBUSY);
	roundtrip_reply(p, 16);
	p->error = 0;
	p->nfds = 1;
	errno = 0;
	assert_int_equal(proto_encode_reply(p, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	free(p);
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_LISTENER | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 1);
	expect_bad_reply(b.b, b.n, "bad descriptor count");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_LISTENER | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 0);
	b_u32(&b, 0);
	expect_bad_reply(b.b, b.n, "trailing bytes");
}

static void
test_type_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(FB_MSG_OPEN), "open");
	assert_string_equal(proto_type_name(FB_MSG_READLINK), "readlink");
	assert_string_equal(proto_type_name(FB_MSG_CHANNEL), "channel");
	assert_string_equal(proto_type_name(FB_MSG_OPENV), "openv");
	assert_string_equal(proto_type_name(FB_MSG_LISTENER), "listener");
	assert_string_equal(proto_type_name(0), "unknown");
	assert_string_equal(proto_type_name(FB_MSG_TYPE_MAX + 1), "unknown");
	assert_string_equal(proto_type_name(FB_MSG_OPEN | FB_MSG_REPLY), "unknown");
	assert_string_equal(proto_type_name(UINT_MAX), "unknown");
}

static void
test_stat_conversion(void **state)
{
	struct fb_wire_stat w, w2;
	struct stat st, st2;

	(void)state;
	assert_int_equal(sizeof(struct fb_wire_stat), FB_WIRE_STAT_SIZE);
	assert_int_equal(stat("/", &st), 0);
	proto_stat_to_wire(&w, &st);
	proto_stat_from_wire(&st2, &w);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(st2.st_mode, st.st_mode);
	assert_int_equal(st2.st_mtim.tv_sec, st.st_mtim.tv_sec);
	assert_int_equal(st2.st_mtim.tv_nsec, st.st_mtim.tv_nsec);

	/* Before the epoch: floor division keeps tv_nsec in range. */
	memset(&w, 0, sizeof(w));
	w.atime_ns = -1;
	w.mtime_ns = -1500000000;
	proto_stat_from_wire(&st2, &w);
	assert_int_equal(st2.st_atim.tv_sec, -1);
	assert_int_equal(st2.st_atim.tv_nsec, 999999999);
	assert_int_equal(st2.st_mtim.tv_sec, -2);
	assert_int_equal(st2.st_mtim.tv_nsec, 500000000);
	proto_stat_to_wire(&w2, &st2);
	assert_int_equal(w2.atime_ns, -1);
	assert_int_equal(w2.mtime_ns, -1500000000);

	/* Far future saturates instead of overflowing. */
	memset(&st, 0, sizeof(st));
	st.st_mtim.tv_sec = INT64_MAX / 2;
	st.st_atim.tv_sec = INT64_MIN / 2;
	proto_stat_to_wire(&w, &st);
	assert_true(w.mtime_ns == INT64_MAX);
	assert_true(w.atime_ns == INT64_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_request_max_strings),
		cmocka_unit_test(test_reply_roundtrip),
		cmocka_unit_test(test_request_header_violations),
		cmocka_unit_test(test_request_string_violations),
		cmocka_unit_test(test_reply_violations),
		cmocka_unit_test(test_encoder_refusals),
		cmocka_unit_test(test_openv_roundtrip),
		cmocka_unit_test(test_openv_size_limit),
		cmocka_unit_test(test_openv_violations),
		cmocka_unit_test(test_openv_encoder_refusals),
		cmocka_unit_test(test_openv_reply_roundtrip),
		cmocka_unit_test(test_openv_reply_violations),
		cmocka_unit_test(test_peek_type),
		cmocka_unit_test(test_listener),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_stat_conversion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
