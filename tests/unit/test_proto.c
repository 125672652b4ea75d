/*
 * test_proto.c: the wire codec (client/proto.c), for every single request
 * and its reply; FB_MSG_OPENV is test_proto_openv.c's.
 *
 * Round trips of every message type, then every kind of violation, built by
 * hand with the tiny byte builder of unit_proto.h so that the tests do not
 * depend on the encoder they check.
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
#include "unit_proto.h"

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
	assert_int_equal(out->at, in->at);
	assert_true(out->length == in->length);
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

/* A reply's header, error and nfds 0: what a rule follows. */
static void
b_reply(struct bld *b, uint16_t type, uint32_t error)
{
	b_hdr(b, FB_PROTO_VERSION, (uint16_t)(type | FB_MSG_REPLY), 1);
	b_u32(b, error);
	b_u32(b, 0);
}

/* The rule of a refused request (proto.h): after the error, only for
 * EACCES and EPERM, bounded by FB_RULE_MAX; absent when nothing is left. */
static void
test_reply_rule(void **state)
{
	static char big[FB_RULE_MAX + 8];
	struct fb_reply *r;
	uint8_t buf[BUFSZ];
	struct bld b;
	unsigned t;

	(void)state;
	memset(big, 'r', sizeof(big));
	assert_true(proto_rule_errno(EACCES));
	assert_true(proto_rule_errno(EPERM));
	assert_false(proto_rule_errno(0));
	assert_false(proto_rule_errno(ENOENT));
	assert_false(proto_rule_errno(EIO));

	for (t = 1; t <= FB_MSG_TYPE_MAX; t++) {
		if (t == FB_MSG_OPENV)
			continue; /* test_proto_openv.c */
		r = new_rep(t, t, EACCES);
		snprintf(r->rule, sizeof(r->rule), "/etc/fb/p.policy:7");
		roundtrip_reply(r, 16 + 2 + 18);
		r->error = EPERM;
		snprintf(r->rule, sizeof(r->rule), "default");
		roundtrip_reply(r, 16 + 2 + 7);
		free(r);
	}
	/* The longest name there is. */
	r = new_rep(FB_MSG_OPEN, 3, EACCES);
	memset(r->rule, 'x', FB_RULE_MAX - 1);
	r->rule[FB_RULE_MAX - 1] = '\0';
	roundtrip_reply(r, 16 + 2 + FB_RULE_MAX - 1);
	assert_true(16 + 2 + FB_RULE_MAX - 1 <= FB_REPLY_MAX);

	/* The encoder sends none it may not, nor one too long. */
	memset(r->rule, 'x', sizeof(r->rule)); /* unterminated */
	expect_einval_reply(r);
	snprintf(r->rule, sizeof(r->rule), "default");
	r->error = ENOENT; /* may hide a path: never named */
	expect_einval_reply(r);
	r->error = EIO;
	expect_einval_reply(r);
	r->error = 0; /* a success names no rule */
	r->nfds = 1;
	expect_einval_reply(r);
	r->type = FB_MSG_OPENV; /* a failed OPENV names none either */
	r->error = EACCES;
	r->nfds = 0;
	expect_einval_reply(r);
	r->type = FB_MSG_OPEN;
	assert_int_equal(proto_encode_reply(r, buf, sizeof(buf)), 16 + 2 + 7);
	free(r);

	/* The decoder refuses a rule where none belongs, and a bad one. */
	b_reply(&b, FB_MSG_STAT, ENOENT);
	b_str(&b, "default", 7);
	expect_bad_reply(b.b, b.n, "trailing bytes");
	b_reply(&b, FB_MSG_OPENV, EACCES);
	b_str(&b, "default", 7);
	expect_bad_reply(b.b, b.n, "trailing bytes");
	b_reply(&b, FB_MSG_UNLINK, 0);
	b_str(&b, "default", 7);
	expect_bad_reply(b.b, b.n, "trailing bytes");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_str(&b, "", 0);
	expect_bad_reply(b.b, b.n, "empty string");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_str(&b, big, FB_RULE_MAX);
	expect_bad_reply(b.b, b.n, "rule name too long");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_u16(&b, 0xffff);
	expect_bad_reply(b.b, b.n, "rule name too long");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_str(&b, "p:1\0", 4);
	expect_bad_reply(b.b, b.n, "string contains NUL");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_u16(&b, 20);
	b_raw(&b, "p:1", 3);
	expect_bad_reply(b.b, b.n, "string overruns message");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_raw(&b, "p", 1); /* half a length */
	expect_bad_reply(b.b, b.n, "truncated string length");
	b_reply(&b, FB_MSG_OPEN, EACCES);
	b_str(&b, "p:1", 3);
	b_str(&b, "p:2", 3); /* one rule, not two */
	expect_bad_reply(b.b, b.n, "trailing bytes");
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
/* The requests fb_chmod(), fb_truncate(), fb_symlink() and fb_realpath()
 * send, and the REALPATH reply. */
static void
test_attr_requests(void **state)
{
	struct fb_request *r;
	struct fb_reply *p;
	struct bld b;

	(void)state;
	r = new_req(FB_MSG_CHMOD, 1, "/a", NULL, 0, 0750);
	roundtrip_request(r, 8 + 2 + 2 + 4);
	free(r);
	r = new_req(FB_MSG_TRUNCATE, 2, "/a", NULL, 0, 0);
	r->length = -5; /* the broker's to refuse, not the codec's */
	roundtrip_request(r, 8 + 2 + 2 + 8);
	free(r);
	r = new_req(FB_MSG_SYMLINK, 3, "/a/l", "../t", 0, 0);
	roundtrip_request(r, 8 + 2 + 4 + 2 + 4);
	free(r);
	r = new_req(FB_MSG_REALPATH, 4, "/a/../b", NULL, 0, 0);
	roundtrip_request(r, 8 + 2 + 7);
	free(r);
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_TRUNCATE, 1);
	b_str(&b, "/a", 2);
	b_u32(&b, 4);
	expect_bad_request(b.b, b.n, "truncated length");
	p = new_rep(FB_MSG_REALPATH, 5, 0);
	snprintf(p->target, sizeof(p->target), "/b");
	roundtrip_reply(p, 16 + 2 + 2);
	free(p);
}

/* FB_MSG_AT: a relative path and one descriptor, for the requests that
 * name one path; anything else is a violation. */
static void
test_at(void **state)
{
	struct fb_request *r;
	uint8_t buf[BUFSZ];
	struct bld b;
	unsigned t;

	(void)state;
	r = new_req(FB_MSG_OPEN, 1, "sub/f", NULL, 0, 0);
	r->at = 1;
	roundtrip_request(r, 8 + 2 + 5 + 4 + 4);
	assert_int_equal(proto_encode_request(r, buf, sizeof(buf)), 8 + 2 + 5 + 4 + 4);
	assert_int_equal(proto_peek_type(buf, 8), FB_MSG_OPEN | FB_MSG_AT);
	/* An absolute path with a folder: refused both ways. */
	snprintf(r->path, sizeof(r->path), "/etc/passwd");
	errno = 0;
	assert_int_equal(proto_encode_request(r, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	r->type = FB_MSG_RENAME;
	snprintf(r->path, sizeof(r->path), "a");
	snprintf(r->path2, sizeof(r->path2), "/b");
	assert_int_equal(proto_encode_request(r, buf, sizeof(buf)), -1);
	free(r);
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_STAT | FB_MSG_AT, 1);
	b_str(&b, "/etc/passwd", 11);
	expect_bad_request(b.b, b.n, "an absolute path relative to a folder");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_RENAME | FB_MSG_AT, 1);
	b_str(&b, "a", 1);
	b_str(&b, "/b", 2);
	expect_bad_request(b.b, b.n, "a folder for a request that takes none");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_CHANNEL | FB_MSG_AT, 1);
	expect_bad_request(b.b, b.n, "a folder for a request that takes none");
	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV | FB_MSG_AT, 1);
	expect_bad_request(b.b, b.n, "a folder for a request that takes none");
	for (t = 1; t <= FB_MSG_TYPE_MAX; t++)
		assert_int_equal(proto_request_nfds(t | FB_MSG_AT), 1);
	assert_int_equal(proto_request_nfds(FB_MSG_STAT | FB_MSG_AT | FB_MSG_REPLY), 0);
	assert_true(proto_at_allowed(FB_MSG_SYMLINK));
	assert_false(proto_at_allowed(FB_MSG_LISTENER));
	assert_false(proto_at_allowed(FB_MSG_OPENV));
}

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
		cmocka_unit_test(test_reply_rule),
		cmocka_unit_test(test_encoder_refusals),
		cmocka_unit_test(test_peek_type),
		cmocka_unit_test(test_listener),
		cmocka_unit_test(test_attr_requests),
		cmocka_unit_test(test_at),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_stat_conversion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
