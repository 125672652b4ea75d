/*
 * test_proto_openv.c: FB_MSG_OPENV in the wire codec (client/proto.c), many
 * opens in one request and one result per entry in the reply.
 *
 * Round trips up to exactly FB_MSG_MAX bytes, then every kind of violation
 * of the request and of the reply, built by hand with the byte builder of
 * unit_proto.h, and what the encoder refuses to send.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "unit_proto.h"

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

/* The rule of the last entry a rule refused: u32 entry, str rule, after
 * the results. */
static void
test_openv_reply_rule(void **state)
{
	static const uint32_t mixed[] = { 0, EACCES, ENOENT, EPERM, 0 };
	uint32_t all[FB_OPENV_MAX];
	struct fb_reply *r;
	struct bld b;
	unsigned i;

	(void)state;
	r = new_openv_rep(5, 5, mixed);
	snprintf(r->rule, sizeof(r->rule), "/etc/fb/p.policy:12");
	r->rule_entry = 1;
	roundtrip_reply(r, 16 + 4 + 5 * 4 + 4 + 2 + 19);
	r->rule_entry = 3; /* EPERM */
	roundtrip_reply(r, 16 + 4 + 5 * 4 + 4 + 2 + 19);
	/* Not for an entry opened, one whose ENOENT may hide its path, or
	 * one past the count. */
	r->rule_entry = 0;
	expect_einval_reply(r);
	r->rule_entry = 2;
	expect_einval_reply(r);
	r->rule_entry = 5;
	expect_einval_reply(r);
	r->rule_entry = 1;
	memset(r->rule, 'x', sizeof(r->rule));
	expect_einval_reply(r);
	free(r);

	/* The longest OPENV reply there is fits the client's buffer. */
	for (i = 0; i < FB_OPENV_MAX; i++)
		all[i] = EACCES;
	r = new_openv_rep(6, FB_OPENV_MAX, all);
	memset(r->rule, 'x', FB_RULE_MAX - 1);
	r->rule[FB_RULE_MAX - 1] = '\0';
	r->rule_entry = FB_OPENV_MAX - 1;
	roundtrip_reply(r, 16 + 4 + 4 * FB_OPENV_MAX + 4 + 2 + FB_RULE_MAX - 1);
	assert_true(16 + 4 + 4 * FB_OPENV_MAX + 4 + 2 + FB_RULE_MAX - 1 <= FB_REPLY_MAX);
	free(r);

	b_hdr(&b, FB_PROTO_VERSION, FB_MSG_OPENV | FB_MSG_REPLY, 1);
	b_u32(&b, 0);
	b_u32(&b, 1);
	b_u32(&b, 2);
	b_u32(&b, 0);
	b_u32(&b, EACCES);
	b_u16(&b, 1); /* half an entry */
	expect_bad_reply(b.b, b.n, "truncated rule entry");
	b.n -= 2;
	b_u32(&b, 0); /* the entry opened */
	b_str(&b, "default", 7);
	expect_bad_reply(b.b, b.n, "a rule for an entry no rule refused");
	b.n -= 4 + 2 + 7;
	b_u32(&b, 2); /* past the count */
	b_str(&b, "default", 7);
	expect_bad_reply(b.b, b.n, "a rule for an entry no rule refused");
	b.n -= 4 + 2 + 7;
	b_u32(&b, 1);
	expect_bad_reply(b.b, b.n, "truncated string length");
	b_str(&b, "default", 7);
	b_raw(&b, "x", 1);
	expect_bad_reply(b.b, b.n, "trailing bytes");
	b.n -= 1 + 2 + 7;
	b_u16(&b, FB_RULE_MAX);
	expect_bad_reply(b.b, b.n, "rule name too long");
	b.n -= 2;
	b_str(&b, "default", 7);
	{
		struct fb_reply *out = malloc(sizeof(*out));
		const char *why;

		assert_non_null(out);
		assert_int_equal(proto_decode_reply(b.b, b.n, out, &why), 0);
		assert_string_equal(out->rule, "default");
		assert_int_equal(out->rule_entry, 1);
		free(out);
	}
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
	b_u32(&b, 0); /* taken for a rule's entry */
	expect_bad_reply(b.b, b.n, "a rule for an entry no rule refused");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openv_roundtrip),
		cmocka_unit_test(test_openv_size_limit),
		cmocka_unit_test(test_openv_violations),
		cmocka_unit_test(test_openv_encoder_refusals),
		cmocka_unit_test(test_openv_reply_roundtrip),
		cmocka_unit_test(test_openv_reply_rule),
		cmocka_unit_test(test_openv_reply_violations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
