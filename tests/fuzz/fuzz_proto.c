/*
 * fuzz_proto.c: libFuzzer target for the wire codec (client/proto.c).
 *
 * Every input is offered to all three decoders (a message is a request or a
 * reply by its type bit, and FB_MSG_OPENV requests have a decoder of their
 * own, so at most one accepts it).  Whatever a decoder
 * accepts must encode back to exactly the same bytes: the decoders are
 * exact, so anything they let through that the encoders would write
 * differently is a parsing bug (a skipped byte, a lost field, a string that
 * stopped early).
 *
 * A reply's rule (proto.h) is checked as libfilebroker relies on it:
 * NUL-terminated within FB_RULE_MAX, and only where a rule may be.
 *
 * The seed corpus (one valid message of each type, requests and replies,
 * successful and failed, and replies naming a rule) is written by this
 * same file:
 *
 *	cc -D_GNU_SOURCE -DFUZZ_PROTO_GENERATE -Iclient -o gen \
 *	    tests/fuzz/fuzz_proto.c client/proto.c && ./gen tests/fuzz/corpus/fuzz_proto
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fb_request req;
	static struct fb_openv_request v;
	static struct fb_reply rep;
	static uint8_t out[FB_MSG_MAX];
	const char *why;
	ssize_t n;
	uint32_t i;
	int accepted = 0;

	if (proto_decode_request(data, size, &req, &why) == 0) {
		accepted++;
		if (size > FB_REQUEST_MAX)
			abort();
		n = proto_encode_request(&req, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size) != 0)
			abort();
		if (strlen(req.path) >= FB_PATH_MAX || strlen(req.path2) >= FB_PATH_MAX)
			abort();
	}
	if (proto_decode_openv(data, size, &v, &why) == 0) {
		accepted++;
		if (size > FB_MSG_MAX || v.count == 0 || v.count > FB_OPENV_MAX ||
		    proto_peek_type(data, size) != FB_MSG_OPENV)
			abort();
		for (i = 0; i < v.count; i++)
			if (v.ent[i].path < v.names || v.ent[i].path >= v.names + sizeof(v.names) ||
			    strnlen(v.ent[i].path, FB_PATH_MAX) >= FB_PATH_MAX)
				abort();
		n = proto_encode_openv(&v, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size) != 0)
			abort();
	}
	if (proto_decode_reply(data, size, &rep, &why) == 0) {
		accepted++;
		if (size > FB_REPLY_MAX || rep.nfds != proto_reply_fds(&rep))
			abort();
		if (rep.type != FB_MSG_OPENV && rep.nfds != proto_reply_nfds(rep.type, rep.error))
			abort();
		if (strnlen(rep.rule, FB_RULE_MAX) >= FB_RULE_MAX)
			abort();
		if (rep.rule[0] != '\0' && rep.type != FB_MSG_OPENV && !proto_rule_errno(rep.error))
			abort();
		if (rep.rule[0] != '\0' && rep.type == FB_MSG_OPENV &&
		    (rep.error != 0 || rep.rule_entry >= rep.count ||
			!proto_rule_errno(rep.result[rep.rule_entry])))
			abort();
		n = proto_encode_reply(&rep, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size) != 0)
			abort();
	}
	if (accepted > 1)
		abort();
	return 0;
}

#ifdef FUZZ_PROTO_GENERATE
#include <sys/stat.h>
#include <unistd.h>

static void
seed(const char *dir, const char *kind, unsigned type, const char *suffix, const void *buf,
    ssize_t n)
{
	char path[4096];
	FILE *f;

	if (n < 0)
		abort();
	snprintf(path, sizeof(path), "%s/%s-%s%s", dir, kind, proto_type_name(type), suffix);
	if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, (size_t)n, f) != (size_t)n ||
	    fclose(f) != 0)
		abort();
}

int
main(int argc, char **argv)
{
	static struct fb_request q;
	static struct fb_openv_request v;
	static struct fb_reply r;
	static uint8_t b[FB_MSG_MAX];
	/* A batch as a worker sends it: allowed, denied, missing, created. */
	static const struct {
		const char *path;
		uint32_t flags, mode, result;
	} batch[] = {
		{ "/home/user/src/file.c", O_RDONLY | O_CLOEXEC, 0, 0 },
		{ "/etc/shadow", O_RDONLY, 0, EACCES },
		{ "/home/user/src/missing.h", O_RDONLY, 0, ENOENT },
		{ "/home/user/out/new.o", O_WRONLY | O_CREAT | O_TRUNC, 0644, 0 },
	};
	unsigned t, i;

	if (argc != 2)
		return 2;
	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	v.id = r.id = 77;
	v.count = r.count = sizeof(batch) / sizeof(batch[0]);
	for (i = 0; i < v.count; i++) {
		v.ent[i].path = batch[i].path;
		v.ent[i].flags = batch[i].flags;
		v.ent[i].mode = batch[i].mode;
		r.result[i] = batch[i].result;
	}
	r.type = FB_MSG_OPENV;
	r.nfds = proto_reply_fds(&r);
	seed(argv[1], "req", FB_MSG_OPENV, "", b, proto_encode_openv(&v, b, sizeof(b)));
	seed(argv[1], "rep", FB_MSG_OPENV, "-mixed", b, proto_encode_reply(&r, b, sizeof(b)));
	/* With --tell-rules: the rule of entry 1, the one a rule refused. */
	snprintf(r.rule, sizeof(r.rule), "/etc/filebroker/serve.policy:12");
	r.rule_entry = 1;
	seed(argv[1], "rep", FB_MSG_OPENV, "-mixed-rule", b, proto_encode_reply(&r, b, sizeof(b)));
	v.count = 1;
	seed(argv[1], "req", FB_MSG_OPENV, "-one", b, proto_encode_openv(&v, b, sizeof(b)));
	for (t = 1; t <= FB_MSG_TYPE_MAX; t++) {
		if (t == FB_MSG_OPENV)
			goto reply;
		memset(&q, 0, sizeof(q));
		q.type = (uint16_t)t;
		q.id = t * 7;
		snprintf(q.path, sizeof(q.path), "%s",
		    t == FB_MSG_READLINK ? "/proc/self/exe" : "/home/user/src/file.c");
		snprintf(q.path2, sizeof(q.path2), "%s",
		    t == FB_MSG_SYMLINK ? "../lib/target.so" : "/home/user/src/file.c.new");
		q.length = t == FB_MSG_TRUNCATE ? 4096 : 0;
		q.flags = t == FB_MSG_OPEN ? O_RDWR | O_CREAT | O_CLOEXEC : 0;
		q.mode = t == FB_MSG_ACCESS ? R_OK | W_OK : 0644;
		seed(argv[1], "req", t, "", b, proto_encode_request(&q, b, sizeof(b)));
		if (proto_at_allowed(t)) {
			q.at = 1;
			memmove(q.path, q.path + 1, strlen(q.path)); /* relative */
			seed(argv[1], "req", t, "-at", b, proto_encode_request(&q, b, sizeof(b)));
		}

reply:
		memset(&r, 0, sizeof(r));
		r.type = (uint16_t)t;
		r.id = t * 7;
		if (t == FB_MSG_OPENV)
			r.count = 1; /* one entry, opened */
		r.nfds = proto_reply_fds(&r);
		if (t == FB_MSG_STAT || t == FB_MSG_LSTAT) {
			struct stat st;

			if (stat("/", &st) == -1)
				abort();
			proto_stat_to_wire(&r.st, &st);
		}
		snprintf(r.target, sizeof(r.target), "../lib/target.so");
		seed(argv[1], "rep", t, "", b, proto_encode_reply(&r, b, sizeof(b)));
		r.error = t == FB_MSG_OPEN ? EACCES : t == FB_MSG_OPENV ? EIO : ENOENT;
		r.nfds = 0;
		seed(argv[1], "rep", t, "-error", b, proto_encode_reply(&r, b, sizeof(b)));
		if (t == FB_MSG_OPEN || t == FB_MSG_CHMOD) {
			r.error = t == FB_MSG_OPEN ? EACCES : EPERM;
			snprintf(r.rule, sizeof(r.rule), "%s",
			    t == FB_MSG_OPEN ? "/etc/fb/p.policy:7" : "@broker-file");
			seed(argv[1], "rep", t, "-rule", b, proto_encode_reply(&r, b, sizeof(b)));
		}
	}
	return 0;
}
#endif
