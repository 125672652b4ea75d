/*
 * wire.c: the wire front end (wire.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ops.h"
#include "ops_table.h"
#include "proto.h"
#include "task.h"
#include "wire.h"

/*
 * The wire front end: a decoded wire request as the broker's own
 * (request.h), the sender the kernel named, and the result as a wire reply.
 * Only the fields a type carries are read, and the reply's payload only
 * where the encoder reads it (type, error and count say which).
 */
static void
wire_request(struct wire *w, const struct asker *who)
{
	const struct fb_request *q = &w->req;
	struct request *r = &w->breq;
	int e;

	r->op = ops_of_wire(q->type);
	r->who = *who;
	r->path = q->path;
	r->path2 = q->path2;
	r->held = r->held2 = 0;
	r->refused = 0;
	/*
	 * FB_MSG_AT: the folder's path is the kernel's name of the descriptor
	 * the worker sent (the broker's /proc/PID/fd/N), never a name the
	 * worker gives, as transparent mode joins a relative path with the
	 * name of the worker's own descriptor (task_path()).  The joined path
	 * is then resolved and decided like any absolute one: a descriptor
	 * can name no folder the worker could not also name by its path.  A
	 * folder renamed meanwhile makes the request act on the path decided,
	 * never on one that was not.
	 */
	if (q->at) {
		if (w->basefd < 0)
			fatalx("a folder request without its folder"); /* conn.c's job */
		if ((e = task_path(getpid(), w->basefd, q->path, w->atpath, sizeof(w->atpath))) < 0)
			r->refused = -e;
		else {
			r->path = w->atpath;
			r->held = task_path_held(w->atpath, q->path);
		}
	}
	memset(&r->a, 0, sizeof(r->a));
	if (r->op == OP_OPEN) {
		r->a.open.flags = q->flags;
		r->a.open.mode = q->mode;
	} else if (r->op == OP_ACCESS)
		r->a.access.mode = q->mode;
	else if (r->op == OP_MKDIR)
		r->a.mkdir.mode = q->mode;
	else if (r->op == OP_CHMOD)
		r->a.chmod.mode = q->mode; /* fdobj NULL: a path, not a descriptor */
	else if (r->op == OP_TRUNCATE)
		r->a.truncate.length = q->length;
}

/*
 * --tell-rules: copy into rule (FB_RULE_MAX bytes) the name of the rule
 * that refused the request res answers, when the session tells rules and
 * the wire may carry it.  Only a denial's EACCES or EPERM: an ENOENT that
 * hides a path must not say that a rule hid it.  A name too long for the
 * wire is not sent, rather than sent cut short.  1 when a rule was copied,
 * 0 (rule untouched) otherwise.
 */
static int
wire_rule(const struct session *s, const struct result *res, char rule[FB_RULE_MAX])
{
	size_t len;

	if (!s->tell_rules || res->rule == NULL || !proto_rule_errno((uint32_t)res->error) ||
	    (len = strnlen(res->rule, FB_RULE_MAX)) >= FB_RULE_MAX)
		return 0;
	memcpy(rule, res->rule, len + 1);
	return 1;
}

static void
wire_reply(const struct session *s, uint16_t type, uint32_t id, const struct result *res,
    struct fb_reply *rep)
{
	const struct op_def *def = &ops_defs[ops_of_wire(type)];

	rep->type = type;
	rep->id = id;
	rep->error = (uint32_t)res->error;
	rep->nfds = res->fd != -1 ? 1 : 0;
	rep->count = 0;
	rep->rule_entry = 0;
	rep->rule[0] = '\0';
	wire_rule(s, res, rep->rule);
	if (res->error != 0)
		return;
	/* The one conversion of a stat to the wire, with its saturation
	 * (client/proto.c). */
	if (def->answer == ANSWER_STAT)
		proto_stat_to_wire(&rep->st, &res->st);
	else if (def->answer == ANSWER_TARGET)
		memcpy(rep->target, res->target, strnlen(res->target, sizeof(rep->target) - 1) + 1);
}

/*
 * FB_MSG_OPENV: each entry an OPEN of its path, flags and mode, handled
 * by ops_handle() in entry order: decided on its own, with its own audit
 * record, rule and errno, as if sent alone.  Fills w->rep (count,
 * result[], nfds, and with --tell-rules the rule of the last entry a rule
 * refused) and puts the descriptors of the entries whose result is 0, in
 * entry order, in w->fds.  Every entry's record is written before
 * this returns, so before any of the descriptors can be sent.
 */
static void
wire_openv(struct wire *w, struct session *s, const struct asker *who, const struct timespec *t0)
{
	const struct fb_openv_request *v = &w->openv_req;
	struct fb_reply *rep = &w->rep;
	struct request *r = &w->breq;
	struct timespec t;
	uint32_t i;

	memset(rep, 0, sizeof(*rep));
	rep->type = FB_MSG_OPENV;
	rep->id = v->id;
	rep->count = v->count;
	if (v->count == 0 || v->count > FB_OPENV_MAX)
		fatalx("openv: %u entries", (unsigned)v->count); /* the decoder's job */
	memset(r, 0, sizeof(*r));
	r->op = OP_OPEN;
	r->who = *who;
	for (i = 0; i < v->count; i++) {
		r->path = v->ent[i].path;
		r->a.open.flags = v->ent[i].flags;
		r->a.open.mode = v->ent[i].mode;
		/* Each record times its own entry; the first also the wait
		 * since the request arrived, as a lone OPEN's does. */
		if (i > 0)
			clock_gettime(CLOCK_MONOTONIC, &t);
		ops_handle(s, r, i == 0 ? t0 : &t, &w->res);
		rep->result[i] = (uint32_t)w->res.error;
		if (wire_rule(s, &w->res, rep->rule))
			rep->rule_entry = i;
		if (w->res.fd != -1)
			w->fds[rep->nfds++] = w->res.fd;
	}
}

size_t
wire_eio(struct wire *w, uint16_t type, uint32_t id, uint8_t *buf)
{
	ssize_t len;

	memset(&w->rep, 0, sizeof(w->rep));
	w->rep.type = type;
	w->rep.id = id;
	w->rep.error = EIO;
	if ((len = proto_encode_reply(&w->rep, buf, FB_REPLY_MAX)) < 0)
		fatal("encoding an EIO reply");
	return (size_t)len;
}

int
wire_decode(struct wire *w, const uint8_t *msg, size_t len, const char **why)
{
	*why = NULL;
	/* OPENV has its own decoder (its request does not fit struct
	 * fb_request); the header decides which, and each checks it again. */
	w->openv = proto_peek_type(msg, len) == FB_MSG_OPENV;
	if (w->openv ? proto_decode_openv(msg, len, &w->openv_req, why) == -1 :
		       proto_decode_request(msg, len, &w->req, why) == -1) {
		if (*why == NULL)
			*why = "malformed";
		return -1;
	}
	return 0;
}

size_t
wire_encode(struct wire *w)
{
	ssize_t len;

	if ((len = proto_encode_reply(&w->rep, w->out, sizeof(w->out))) < 0) {
		/* Our own reply does not encode: a broken invariant. */
		fatal("encoding a %s reply", proto_type_name(w->rep.type));
	}
	return (size_t)len;
}

size_t
wire_answer(struct wire *w, struct session *s, const struct asker *who, const struct timespec *t0)
{
	w->nfds = 0;
	if (w->openv) {
		wire_openv(w, s, who, t0);
		w->nfds = w->rep.nfds;
	} else {
		wire_request(w, who);
		ops_handle(s, &w->breq, t0, &w->res);
		wire_reply(s, w->req.type, w->req.id, &w->res, &w->rep);
		if (w->res.fd != -1)
			w->fds[w->nfds++] = w->res.fd;
	}
	return wire_encode(w);
}
