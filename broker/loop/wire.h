/*
 * wire.h: the wire front end (libfilebroker's requests, in `run --explicit`
 * and from the daemon's peers): a message of a connection decoded
 * (client/proto.c), made the broker's own request (request.h), done by
 * ops_handle() and answered as a wire reply, the one conversion of a stat
 * to the wire being proto.c's.  The connection (conn.c) reads the
 * message, checks what came with it and sends what this makes.
 */
#ifndef FB_WIRE_H
#define FB_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto.h"
#include "request.h"

struct session;

/* One message at a time's scratch, about 50 KiB: a serving thread's. */
struct wire {
	int openv;	       /* the message is an FB_MSG_OPENV */
	struct fb_request req; /* as decoded (not OPENV) */
	struct fb_openv_request openv_req;
	struct fb_reply rep;
	int basefd;		  /* the folder an FB_MSG_AT request came
					   with, or -1 (the caller's to close) */
	char atpath[FB_PATH_MAX]; /* its path joined with the folder's */
	struct request breq;	  /* as the broker takes it */
	struct result res;
	int fds[FB_OPENV_MAX]; /* the reply's descriptors (the caller's
					   to send and close) */
	unsigned nfds;
	uint8_t out[FB_REPLY_MAX]; /* the reply, encoded */
};

/* Decode msg, len bytes, exactly: 0, or -1 with *why, a protocol
 * violation. */
int wire_decode(struct wire *w, const uint8_t *msg, size_t len, const char **why);

/*
 * Do the decoded request for session s, asked by who at t0 (w->basefd set
 * to the descriptor it carried, or -1), and encode the
 * reply into w->out: its length, its descriptors in w->fds[0 .. nfds).
 * Every record is written before this returns, so before any descriptor
 * can leave.  FB_MSG_LISTENER is not the wire's to do: the connection
 * hands its descriptor over, fills w->rep and calls wire_encode().
 */
size_t wire_answer(struct wire *w, struct session *s, const struct asker *who,
    const struct timespec *t0);

/* Encode w->rep as it stands (no descriptors): its length. */
size_t wire_encode(struct wire *w);

/* An EIO reply of type and id (the records of a reply could not be made
 * durable) into buf, FB_REPLY_MAX bytes: its length. */
size_t wire_eio(struct wire *w, uint16_t type, uint32_t id, uint8_t *buf);

#endif
