/*
 * fuzz_proto.c: libFuzzer target for the wire codec (client/proto.c).
 *
 * Every input is offered to both decoders (a message is a request or a
 * reply by its type bit, so at most one accepts it).  Whatever a decoder
 * accepts must encode back to exactly the same bytes: the decoders are
 * exact, so anything they let through that the encoders would write
 * differently is a parsing bug (a skipped byte, a lost field, a string that
 * stopped early).
 *
 * The seed corpus (one valid message of each type, requests and replies,
 * successful and failed) is written by this same file:
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
	static struct fb_reply rep;
	static uint8_t out[FB_MSG_MAX];
	const char *why;
	ssize_t n;

	if (proto_decode_request(data, size, &req, &why) == 0) {
		if (size > FB_MSG_MAX)
			abort();
		n = proto_encode_request(&req, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size) != 0)
			abort();
		if (strlen(req.path) >= FB_PATH_MAX || strlen(req.path2) >= FB_PATH_MAX)
			abort();
	}
	if (proto_decode_reply(data, size, &rep, &why) == 0) {
		if (size > FB_MSG_MAX || rep.nfds != proto_reply_nfds(rep.type, rep.error))
			abort();
		n = proto_encode_reply(&rep, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size) != 0)
			abort();
	}
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
	static struct fb_reply r;
	static uint8_t b[FB_MSG_MAX];
	unsigned t;

	if (argc != 2)
		return 2;
	for (t = 1; t <= FB_MSG_TYPE_MAX; t++) {
		memset(&q, 0, sizeof(q));
		q.type = (uint16_t)t;
		q.id = t * 7;
		snprintf(q.path, sizeof(q.path), "%s",
		    t == FB_MSG_READLINK ? "/proc/self/exe" : "/home/user/src/file.c");
		snprintf(q.path2, sizeof(q.path2), "/home/user/src/file.c.new");
		q.flags = t == FB_MSG_OPEN ? O_RDWR | O_CREAT | O_CLOEXEC : 0;
		q.mode = t == FB_MSG_ACCESS ? R_OK | W_OK : 0644;
		seed(argv[1], "req", t, "", b, proto_encode_request(&q, b, sizeof(b)));

		memset(&r, 0, sizeof(r));
		r.type = (uint16_t)t;
		r.id = t * 7;
		r.nfds = proto_reply_nfds(t, 0);
		if (t == FB_MSG_STAT || t == FB_MSG_LSTAT) {
			struct stat st;

			if (stat("/", &st) == -1)
				abort();
			proto_stat_to_wire(&r.st, &st);
		}
		snprintf(r.target, sizeof(r.target), "../lib/target.so");
		seed(argv[1], "rep", t, "", b, proto_encode_reply(&r, b, sizeof(b)));
		r.error = t == FB_MSG_OPEN ? EACCES : ENOENT;
		r.nfds = 0;
		seed(argv[1], "rep", t, "-error", b, proto_encode_reply(&r, b, sizeof(b)));
	}
	return 0;
}
#endif
