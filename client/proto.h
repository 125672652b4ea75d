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
 *	FB_MSG_LISTENER	(nothing); the message carries exactly one
 *			descriptor (SCM_RIGHTS), the worker's seccomp
 *			listener (proto_request_nfds())
 *	FB_MSG_CHMOD	str path, u32 mode (the permission bits, 07777)
 *	FB_MSG_TRUNCATE	str path, i64 length
 *	FB_MSG_SYMLINK	str linkpath, str target (the link's contents:
 *			stored as sent, never made absolute nor followed)
 *	FB_MSG_REALPATH	str path
 *	FB_MSG_OPENV	u32 count, then count entries of
 *			  str path, u32 flags, u32 mode	(as FB_MSG_OPEN)
 *			1 <= count <= FB_OPENV_MAX; decoded by
 *			proto_decode_openv() into struct fb_openv_request
 *
 * A request type ORed with FB_MSG_AT (below) carries one descriptor, a
 * folder, and a relative path resolved from it.
 *
 * Every reply (after the header) starts with
 *
 *	u32 error	0, or a positive errno value
 *	u32 nfds	descriptors attached with SCM_RIGHTS
 *
 * and, when error is 0, carries a payload by type:
 *
 *	FB_MSG_STAT, FB_MSG_LSTAT	struct fb_wire_stat as 13 u64/i64 fields,
 *					in the order of the struct below
 *	FB_MSG_READLINK			str target
 *	FB_MSG_REALPATH			str target: the canonical path
 *	FB_MSG_OPENV			u32 count (the request's), then count
 *					u32 results: 0 or a positive errno value,
 *					one per entry, in the request's order
 *	everything else			nothing
 *
 * A broker that tells rules (`filebroker run --tell-rules`, `serve
 * --tell-rules`) ends a reply to a request the policy or one of the
 * broker's own rules refused with the deciding rule's name (its audit
 * record's "rule"), so that the worker can say which rule denied it:
 *
 *	a failed reply (error EACCES or EPERM; not FB_MSG_OPENV):
 *		str rule
 *	a successful FB_MSG_OPENV reply, after its results:
 *		u32 entry	the last entry a rule refused: entry < count,
 *				result[entry] EACCES or EPERM
 *		str rule	that entry's rule
 *
 * 1 <= length of rule < FB_RULE_MAX.  Without the option, and for every
 * other error (ENOENT that hides a path, a kernel's errno), nothing
 * follows: the rule is optional, and present exactly when bytes are left.
 *
 * FB_MSG_OPEN and FB_MSG_CHANNEL replies carry exactly one descriptor when
 * error is 0, none otherwise (proto_reply_nfds()); an FB_MSG_OPENV reply
 * carries one per entry whose result is 0, in entry order
 * (proto_reply_fds()); nfds says how many.  An FB_MSG_LISTENER request
 * carries exactly one descriptor and no other request carries any: a request
 * with any other number of descriptors is a protocol violation.
 * error and every result are 0 or 1..FB_ERRNO_MAX.
 *
 * Decoding is exact: a message whose length differs from what its type
 * implies, an unknown version or type, a request type with FB_MSG_REPLY set
 * or a reply type without it, a bad string, a bad error or nfds value, a
 * rule the reply may not carry, or trailing bytes is a protocol violation.  The broker drops the connection
 * on a violation; the client drops that channel.
 *
 * Fields that a type does not carry are zero in a decoded struct and are
 * ignored by the encoders, so decode(encode(x)) == x for the carried fields
 * and encode(decode(bytes)) == bytes for every accepted message.
 *
 * Sizes.  One packet on an AF_UNIX SOCK_SEQPACKET socket may be as large
 * as the sender's send buffer less a few bytes (sendmsg fails with EMSGSIZE
 * beyond; SO_SNDBUF starts at net.core.wmem_default, 212992 bytes by
 * default).  FB_MSG_MAX keeps every message far inside that.  Only an
 * FB_MSG_OPENV request comes near FB_MSG_MAX: 64 entries fit when their
 * paths average up to 500 bytes, and libfilebroker splits a batch
 * that does not fit into several requests.  No other request exceeds
 * FB_REQUEST_MAX, and no reply FB_REPLY_MAX, so that the client's buffers
 * for fb_open() and friends stay small.
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

/* No message is longer (see "Sizes" above); receivers read into a buffer
 * of FB_MSG_MAX + 1 bytes or check MSG_TRUNC. */
#define FB_MSG_MAX 32768

/* No request but FB_MSG_OPENV is longer: header, two strings of
 * FB_PATH_MAX - 1 bytes, with room to spare. */
#define FB_REQUEST_MAX (FB_HDR_SIZE + 2 * (2 + FB_PATH_MAX) + 16)

/* Entries in one FB_MSG_OPENV request.  SCM_RIGHTS could carry up to 253
 * descriptors in one message (the kernel's SCM_MAX_FD); 64 is what a batch
 * needs and keeps a reply's descriptors well under the limit. */
#define FB_OPENV_MAX 64

/* An FB_MSG_OPENV request is FB_OPENV_HDR_SIZE bytes, then one
 * FB_OPENV_ENTRY_SIZE(strlen(path)) per entry. */
#define FB_OPENV_HDR_SIZE (FB_HDR_SIZE + 4)
#define FB_OPENV_ENTRY_SIZE(pathlen) (2 + (size_t)(pathlen) + 4 + 4)

/* No reply is longer: header, error, nfds and the longest payload, a
 * READLINK target of FB_PATH_MAX - 1 bytes (an OPENV reply's 4 + 4 *
 * FB_OPENV_MAX bytes and its rule, or a failed reply's rule, are less). */
#define FB_REPLY_MAX (FB_HDR_SIZE + 4 + 4 + 2 + FB_PATH_MAX)

/* A rule's name on the wire is shorter: a policy file's canonical path
 * and line number fit unless the path is longer than about 500 bytes, and
 * the broker sends no name that does not fit (the worker then learns
 * none).  Bounded on its own so that libfilebroker's copy of the last one
 * (fb_last_rule()) stays small in every thread. */
#define FB_RULE_MAX 512

/* Environment variable naming the worker's descriptor for the broker socket. */
#define FB_ENV_FD "FILEBROKER_FD"

/* Environment variable naming a broker socket path to connect to when
 * FB_ENV_FD is unset (daemon mode). */
#define FB_ENV_SOCKET "FILEBROKER_SOCKET"

/* Environment variable `filebroker run` sets to the microseconds a worker's
 * calls poll for their replies (libfilebroker's channel.c) and, with the
 * preload library, turning its lane on (client/preload/lane.c). */
#define FB_ENV_LANE "FILEBROKER_LANE"

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
	/* Hand the broker the seccomp listener of the worker's own filter
	 * (fb_sandbox_enter() in transparent mode), attached as the message's
	 * one descriptor; the broker then answers the filtered tasks' path
	 * syscalls for this session.  Reply: 0 or an errno, nothing else. */
	FB_MSG_LISTENER = 12,
	FB_MSG_CHMOD = 13,
	FB_MSG_TRUNCATE = 14,
	FB_MSG_SYMLINK = 15,
	/* The broker's canonical path of a path the worker may stat. */
	FB_MSG_REALPATH = 16,
};

/*
 * Open up to FB_OPENV_MAX paths in one round trip; the reply carries a
 * result per entry and the descriptors of the successful ones.  Not a member
 * of enum fb_msg_type, which lists the requests struct fb_request carries:
 * OPENV has its own struct and decoder (proto_decode_openv()), and
 * proto_decode_request() refuses it.  Its replies are struct fb_reply.
 */
#define FB_MSG_OPENV 11

#define FB_MSG_TYPE_MAX FB_MSG_REALPATH
#define FB_MSG_REPLY 0x8000

/*
 * ORed into the type of a request that names one path (OPEN, STAT, LSTAT,
 * ACCESS, READLINK, MKDIR, UNLINK, RMDIR, CHMOD, TRUNCATE, SYMLINK's
 * linkpath, REALPATH: proto_at_allowed()): the message carries exactly one
 * descriptor, a folder, and its path is relative (does not start with
 * '/'), to be joined with that folder's name as the kernel gives it to the
 * broker.  Decoded into struct fb_request's at, type without the bit; the
 * reply's type is the request's without it.
 */
#define FB_MSG_AT 0x4000

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
	uint16_t type; /* without FB_MSG_AT */
	uint32_t id;
	uint8_t at;		 /* 1: FB_MSG_AT, path relative to the descriptor sent */
	uint32_t flags;		 /* OPEN: open(2) flags */
	uint32_t mode;		 /* OPEN, MKDIR, CHMOD: mode bits; ACCESS: access mode */
	int64_t length;		 /* TRUNCATE */
	char path[FB_PATH_MAX];	 /* SYMLINK: the link's path */
	char path2[FB_PATH_MAX]; /* RENAME: the destination; SYMLINK: the target */
};

struct fb_reply {
	uint16_t type; /* the request's type, without FB_MSG_REPLY */
	uint32_t id;
	uint32_t error; /* 0 or a positive errno value */
	uint32_t nfds;
	struct fb_wire_stat st;	       /* STAT, LSTAT */
	char target[FB_PATH_MAX];      /* READLINK, REALPATH, NUL-terminated */
	uint32_t count;		       /* OPENV: entries, 1..FB_OPENV_MAX */
	uint32_t result[FB_OPENV_MAX]; /* OPENV: 0 or an errno, per entry */
	char rule[FB_RULE_MAX];	       /* "" or the rule that refused the request
				   (OPENV: entry rule_entry), NUL-terminated */
	uint32_t rule_entry;	       /* OPENV, with a rule: the entry it refused */
};

/* One entry of an FB_MSG_OPENV request: what an FB_MSG_OPEN carries. */
struct fb_wire_open {
	const char *path; /* NUL-terminated */
	uint32_t flags;
	uint32_t mode;
};

/*
 * An FB_MSG_OPENV request.  About 33 KiB: too big for struct fb_request,
 * which callers keep on their stacks.  The decoder copies the paths into
 * names, NUL-terminated, and points ent[].path there (so a decoded request
 * must not be copied with memcpy); an encoder reads ent[].path wherever it
 * points.  names has room for every path of any message up to FB_MSG_MAX,
 * since each costs more on the wire than in names.
 */
struct fb_openv_request {
	uint32_t id;
	uint32_t count; /* 1..FB_OPENV_MAX */
	struct fb_wire_open ent[FB_OPENV_MAX];
	char names[FB_MSG_MAX];
};

/*
 * Name of a message type for logs and audit records ("open", "stat", ...);
 * "unknown" for anything else.  Never NULL.
 */
const char *proto_type_name(unsigned type);

/*
 * Number of descriptors a request of this type (as on the wire, with
 * FB_MSG_AT if set) must carry: 1 for FB_MSG_LISTENER and for any type
 * with FB_MSG_AT, else 0 (also for an unknown type).  The receiver checks
 * the count it got against this before decoding; any other count is a
 * protocol violation (as is FB_MSG_AT on a type proto_at_allowed() refuses,
 * which the decoder finds).
 */
unsigned proto_request_nfds(unsigned type);

/* 1 if a request of type (without FB_MSG_AT) may carry FB_MSG_AT: it names
 * exactly one path to resolve.  0 otherwise. */
int proto_at_allowed(unsigned type);

/*
 * Number of descriptors a reply of this type (without FB_MSG_REPLY) and error
 * carries: 1 for a successful FB_MSG_OPEN or FB_MSG_CHANNEL, else 0.  Type
 * and error do not tell how many a successful FB_MSG_OPENV reply carries:
 * this returns 0 for it, and proto_reply_fds() gives the count.
 */
unsigned proto_reply_nfds(unsigned type, uint32_t error);

/*
 * Number of descriptors the reply rep carries, for any type: for a
 * successful FB_MSG_OPENV reply, the number of entries whose result is 0
 * (of the first rep->count, at most FB_OPENV_MAX); otherwise
 * proto_reply_nfds(rep->type, rep->error).
 */
unsigned proto_reply_fds(const struct fb_reply *rep);

/*
 * 1 if a reply (or an OPENV entry's result) of errno error may name the
 * rule that refused the request: EACCES and EPERM, the errnos of a denial.
 * An ENOENT may be a denial too, one that hides the path: naming its rule
 * would tell what ENOENT is there to hide.
 */
int proto_rule_errno(uint32_t error);

/*
 * The type field of the message in buf (with FB_MSG_REPLY if set), or 0 if
 * len is too short to hold a header.  Nothing is checked: it only tells the
 * broker which decoder a request goes to.
 */
unsigned proto_peek_type(const void *buf, size_t len);

/*
 * Encode a request into buf (FB_REQUEST_MAX bytes suffice).  Returns the
 * length, or -1 with errno EINVAL for an unknown type (or one with
 * FB_MSG_REPLY set, or FB_MSG_OPENV) or a string that cannot be sent (empty,
 * or not NUL-terminated within FB_PATH_MAX), ENOBUFS if buf is too small.
 * Nothing is written on error except possibly part of buf.
 */
ssize_t proto_encode_request(const struct fb_request *req, void *buf, size_t size);

/*
 * Decode a request of exactly len bytes.  Returns 0, or -1 with errno EPROTO
 * and *why set to a static string that says what was wrong (for the log).
 * An FB_MSG_OPENV request is refused here (proto_decode_openv()).
 */
int proto_decode_request(const void *buf, size_t len, struct fb_request *req, const char **why);

/*
 * Encode an FB_MSG_OPENV request into buf (FB_MSG_MAX bytes suffice for any
 * that can be sent).  Returns the length, or -1 with errno EINVAL for a
 * count outside 1..FB_OPENV_MAX or a path that cannot be sent (NULL, empty,
 * FB_PATH_MAX bytes or longer), EMSGSIZE if the message would be longer
 * than FB_MSG_MAX, ENOBUFS if buf is too small.  Flags and mode are not
 * checked: like FB_MSG_OPEN's, they are the broker's to refuse.
 */
ssize_t proto_encode_openv(const struct fb_openv_request *v, void *buf, size_t size);

/*
 * Decode an FB_MSG_OPENV request of exactly len bytes into *v; as
 * proto_decode_request().  A count of 0 or above FB_OPENV_MAX, an entry cut
 * short, a bad string, trailing bytes, a message longer than FB_MSG_MAX or
 * any other type is a violation.
 */
int proto_decode_openv(const void *buf, size_t len, struct fb_openv_request *v, const char **why);

/*
 * Encode a reply; as proto_encode_request() (FB_REPLY_MAX bytes suffice).
 * rep->type is the request's type without FB_MSG_REPLY (the encoder sets the
 * bit).  Also EINVAL if error is above FB_ERRNO_MAX, if nfds differs from
 * proto_reply_fds(), for a READLINK or REALPATH target that cannot be sent, or for a
 * successful OPENV reply whose count is outside 1..FB_OPENV_MAX or one of
 * whose results is above FB_ERRNO_MAX; and for a rule (non-empty
 * rep->rule) the reply cannot carry: not NUL-terminated within
 * FB_RULE_MAX, or with an error proto_rule_errno() refuses, on a
 * successful reply other than OPENV, or for an OPENV entry rule_entry
 * that is not one of count or whose result proto_rule_errno() refuses.
 */
ssize_t proto_encode_reply(const struct fb_reply *rep, void *buf, size_t size);

/*
 * Decode a reply of exactly len bytes; as proto_decode_request().  On success
 * rep->type has FB_MSG_REPLY cleared and rep->nfds == proto_reply_fds(); the
 * caller still checks that id, type (and for OPENV, count) and the
 * descriptors actually received match its request.
 */
int proto_decode_reply(const void *buf, size_t len, struct fb_reply *rep, const char **why);

struct stat;

/* Fill a wire stat from a struct stat (broker side). */
void proto_stat_to_wire(struct fb_wire_stat *w, const struct stat *st);

/* Fill a struct stat from a wire stat (client side); fields the wire does not
 * carry are zero. */
void proto_stat_from_wire(struct stat *st, const struct fb_wire_stat *w);

#endif
