/*
 * proto.h: the filebroker wire protocol, defined once for broker and client.
 *
 * Transport: a SOCK_SEQPACKET Unix socket, one request or reply per packet.
 * Broker and worker always run on the same host, so integers travel in host
 * byte order.  docs/protocol.md describes the same layout for humans.
 *
 * Every message starts with the 8-byte header:
 *
 *	u16 version	FB_PROTO_VERSION
 *	u16 type	enum fb_msg_type (requests) or that value | FB_MSG_REPLY
 *	u32 id		chosen by the client, echoed in the reply
 *
 * Fields follow back to back with no padding:
 *
 *	u32		4 bytes
 *	u64 / i64	8 bytes
 *	str		u16 length, then that many bytes; no NUL terminator, no
 *			embedded NUL, 1 <= length < FB_PATH_MAX
 *
 * Requests (after the header):
 *
 *	FB_MSG_OPEN	str path, u32 flags, u32 mode
 *	FB_MSG_STAT	str path
 *	FB_MSG_LSTAT	str path
 *	FB_MSG_ACCESS	str path, u32 mode (F_OK or an OR of R_OK, W_OK, X_OK)
 *	FB_MSG_READLINK	str path
 *	FB_MSG_MKDIR	str path, u32 mode
 *	FB_MSG_UNLINK	str path
 *	FB_MSG_RMDIR	str path
 *	FB_MSG_RENAME	str from, str to
 *	FB_MSG_CHANNEL	(nothing)
 *
 * Every reply (after the header) starts with
 *
 *	u32 error	0, or a positive errno value
 *	u32 nfds	0 or 1: descriptors attached with SCM_RIGHTS
 *
 * and, when error is 0, carries a payload by type:
 *
 *	FB_MSG_STAT, FB_MSG_LSTAT	struct fb_wire_stat as 13 u64/i64 fields,
 *					in the order of the struct below
 *	FB_MSG_READLINK			str target
 *	everything else			nothing
 *
 * FB_MSG_OPEN and FB_MSG_CHANNEL replies carry exactly one descriptor when
 * error is 0, none otherwise (proto_reply_nfds()), and nfds says so.
 * Requests never carry descriptors: a request with SCM_RIGHTS data is a
 * protocol violation.  error is 0 or 1..FB_ERRNO_MAX.
 *
 * Decoding is exact: a message whose length differs from what its type
 * implies, an unknown version or type, a request type with FB_MSG_REPLY set
 * or a reply type without it, a bad string, a bad error or nfds value, or
 * trailing bytes is a protocol violation.  The broker drops the connection
 * on a violation; the client drops that channel.
 *
 * Fields that a type does not carry are zero in a decoded struct and are
 * ignored by the encoders, so decode(encode(x)) == x for the carried fields
 * and encode(decode(bytes)) == bytes for every accepted message.
 */
#ifndef FB_PROTO_H
#define FB_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FB_PROTO_VERSION 1

/* Paths on the wire are shorter than PATH_MAX (4096), as the kernel's are. */
#define FB_PATH_MAX 4096

#define FB_HDR_SIZE 8

/* The largest message: header, two strings of FB_PATH_MAX - 1 bytes. */
#define FB_MSG_MAX (FB_HDR_SIZE + 2 * (2 + FB_PATH_MAX) + 16)

/* Environment variable naming the worker's descriptor for the broker socket. */
#define FB_ENV_FD "FILEBROKER_FD"

/* Environment variable naming a broker socket path to connect to when
 * FB_ENV_FD is unset (daemon mode). */
#define FB_ENV_SOCKET "FILEBROKER_SOCKET"

/* Largest errno value a reply may carry (the kernel's MAX_ERRNO). */
#define FB_ERRNO_MAX 4095

enum fb_msg_type {
	FB_MSG_OPEN = 1,
	FB_MSG_STAT = 2,
	FB_MSG_LSTAT = 3,
	FB_MSG_ACCESS = 4,
	FB_MSG_READLINK = 5,
	FB_MSG_MKDIR = 6,
	FB_MSG_UNLINK = 7,
	FB_MSG_RMDIR = 8,
	FB_MSG_RENAME = 9,
	/* Ask for a private connection to the same broker session; the reply
	 * carries one end of a new socket pair.  Lets each process (after
	 * fork) and thread have its own reply stream. */
	FB_MSG_CHANNEL = 10,
};
#define FB_MSG_TYPE_MAX FB_MSG_CHANNEL
#define FB_MSG_REPLY 0x8000

/* Stat payload: the fields of struct stat a caller may rely on. */
struct fb_wire_stat {
	uint64_t dev;
	uint64_t ino;
	uint64_t mode;
	uint64_t nlink;
	uint64_t uid;
	uint64_t gid;
	uint64_t rdev;
	int64_t size;
	int64_t blksize;
	int64_t blocks;
	int64_t atime_ns; /* nanoseconds since the epoch */
	int64_t mtime_ns;
	int64_t ctime_ns;
};
#define FB_WIRE_STAT_SIZE (13 * 8)

/* A decoded request.  Strings are NUL-terminated copies held in the struct,
 * so the input buffer may be reused at once. */
struct fb_request {
	uint16_t type;
	uint32_t id;
	uint32_t flags; /* OPEN: open(2) flags */
	uint32_t mode;	/* OPEN, MKDIR: mode bits; ACCESS: access mode */
	char path[FB_PATH_MAX];
	char path2[FB_PATH_MAX]; /* RENAME: the destination */
};

struct fb_reply {
	uint16_t type; /* the request's type, without FB_MSG_REPLY */
	uint32_t id;
	uint32_t error; /* 0 or a positive errno value */
	uint32_t nfds;
	struct fb_wire_stat st;	 /* STAT, LSTAT */
	char target[FB_PATH_MAX]; /* READLINK, NUL-terminated */
};

/*
 * Name of a message type for logs and audit records ("open", "stat", ...);
 * "unknown" for anything else.  Never NULL.
 */
const char *proto_type_name(unsigned type);

/*
 * Number of descriptors a reply of this type (without FB_MSG_REPLY) and error
 * carries: 1 for a successful FB_MSG_OPEN or FB_MSG_CHANNEL, else 0.
 */
unsigned proto_reply_nfds(unsigned type, uint32_t error);

/*
 * Encode a request into buf (FB_MSG_MAX bytes suffice).  Returns the length,
 * or -1 with errno EINVAL for an unknown type (or one with FB_MSG_REPLY set)
 * or a string that cannot be sent (empty, or not NUL-terminated within
 * FB_PATH_MAX), ENOBUFS if buf is too small.  Nothing is written on error
 * except possibly part of buf.
 */
ssize_t proto_encode_request(const struct fb_request *req, void *buf, size_t size);

/*
 * Decode a request of exactly len bytes.  Returns 0, or -1 with errno EPROTO
 * and *why set to a static string that says what was wrong (for the log).
 */
int proto_decode_request(const void *buf, size_t len, struct fb_request *req, const char **why);

/*
 * Encode a reply; as proto_encode_request().  rep->type is the request's type
 * without FB_MSG_REPLY (the encoder sets the bit).  Also EINVAL if error is
 * above FB_ERRNO_MAX, if nfds differs from proto_reply_nfds(), or for a
 * READLINK target that cannot be sent.
 */
ssize_t proto_encode_reply(const struct fb_reply *rep, void *buf, size_t size);

/*
 * Decode a reply of exactly len bytes; as proto_decode_request().  On success
 * rep->type has FB_MSG_REPLY cleared and rep->nfds == proto_reply_nfds(); the
 * caller still checks that id, type and the descriptors actually received
 * match its request.
 */
int proto_decode_reply(const void *buf, size_t len, struct fb_reply *rep, const char **why);

struct stat;

/* Fill a wire stat from a struct stat (broker side). */
void proto_stat_to_wire(struct fb_wire_stat *w, const struct stat *st);

/* Fill a struct stat from a wire stat (client side); fields the wire does not
 * carry are zero. */
void proto_stat_from_wire(struct stat *st, const struct fb_wire_stat *w);

#endif
