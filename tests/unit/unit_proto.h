/*
 * unit_proto.h: what the wire codec's test programs (test_proto.c,
 * test_proto_openv.c) share: a tiny byte builder, so that hostile messages
 * are built by hand and not by the encoder under test, and the checks that
 * a message is refused, or survives a round trip.  Include it after
 * <cmocka.h>; everything here is static inline.
 */
#ifndef FB_UNIT_PROTO_H
#define FB_UNIT_PROTO_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "proto.h"

/* Big enough for any message and then some, to build oversized ones. */
#define BUFSZ (FB_MSG_MAX + 64)

struct bld {
	uint8_t b[BUFSZ];
	size_t n;
};

static inline void
b_raw(struct bld *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static inline void
b_u16(struct bld *b, uint16_t v)
{
	b_raw(b, &v, sizeof(v));
}

static inline void
b_u32(struct bld *b, uint32_t v)
{
	b_raw(b, &v, sizeof(v));
}

static inline void
b_u64(struct bld *b, uint64_t v)
{
	b_raw(b, &v, sizeof(v));
}

static inline void
b_hdr(struct bld *b, uint16_t version, uint16_t type, uint32_t id)
{
	b->n = 0;
	b_u16(b, version);
	b_u16(b, type);
	b_u32(b, id);
}

static inline void
b_str(struct bld *b, const char *s, size_t len)
{
	b_u16(b, (uint16_t)len);
	b_raw(b, s, len);
}

static inline struct fb_request *
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

static inline void
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

static inline void
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
static inline void
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

static inline void
check_prefixes_reply(const uint8_t *buf, size_t len)
{
	struct fb_reply *r = malloc(sizeof(*r));
	uint8_t more[BUFSZ];
	const char *why, *more_why = "trailing bytes";
	size_t i, bare = len;

	assert_non_null(r);
	assert_int_equal(proto_decode_reply(buf, len, r, &why), 0);
	/* A rule is optional (proto.h): without it, the reply is whole. */
	if (r->rule[0] != '\0')
		bare = len - (r->type == FB_MSG_OPENV ? 4 : 0) - 2 - strlen(r->rule);
	for (i = 0; i < len; i++) {
		if (i != bare)
			expect_bad_reply(buf, i, NULL);
		else
			assert_int_equal(proto_decode_reply(buf, i, r, &why), 0);
	}
	/* One byte more is the start of a rule where the reply may carry
	 * one and has none, else trailing. */
	assert_int_equal(proto_decode_reply(buf, len, r, &why), 0);
	if (r->rule[0] == '\0' && r->type == FB_MSG_OPENV && r->error == 0)
		more_why = "truncated rule entry";
	else if (r->rule[0] == '\0' && r->type != FB_MSG_OPENV && proto_rule_errno(r->error))
		more_why = "truncated string length";
	free(r);
	memcpy(more, buf, len);
	more[len] = 0;
	expect_bad_reply(more, len + 1, more_why);
}

static inline struct fb_reply *
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

static inline void
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
	assert_string_equal(out->rule, in->rule);
	assert_int_equal(out->rule_entry, in->rule[0] != '\0' ? in->rule_entry : 0);
	m = proto_encode_reply(out, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(buf, again, (size_t)n);
	check_prefixes_reply(buf, (size_t)n);
	free(out);
}

static inline void
expect_einval_request(const struct fb_request *r)
{
	uint8_t buf[BUFSZ];

	errno = 0;
	assert_int_equal(proto_encode_request(r, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static inline void
expect_einval_reply(const struct fb_reply *r)
{
	uint8_t buf[BUFSZ];

	errno = 0;
	assert_int_equal(proto_encode_reply(r, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

#endif
