/*
 * fuzz_status.c: the status report of `filebroker serve`'s control socket
 * (control_format_json() and control_format_text(), broker/daemon/control.c),
 * built from hostile bytes: the policy file's name, the audit
 * destinations, the peers' profile lines (file names an administrator or a
 * policy include chose, any byte but NUL), and every count and time.
 *
 * Oracle: the JSON report parses as strict JSON (tests/fuzz/json.h, one
 * object and a newline), every string in it gives back the bytes it was
 * made from, every number is the one given, and the peers listed plus
 * "peers_omitted" are all the peers; the report for people has no control
 * character but its newlines and lists or counts every peer.
 *
 * Input: 8-byte numbers and NUL-ended strings read in turn (missing
 * bytes read as zeros and empty strings).  Seeds:
 * tests/fuzz/corpus/fuzz_status/.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PEERS 64
#define MAX_AUDIT 4

struct reader {
	const uint8_t *p, *end;
};

static uint64_t
num(struct reader *r)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (r->p < r->end ? *r->p++ : 0);
	return v;
}

/* A string up to the next NUL (copied: the report holds char *). */
static char *
str(struct reader *r)
{
	const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
	size_t n = nul != NULL ? (size_t)(nul - r->p) : (size_t)(r->end - r->p);
	char *s = strndup((const char *)r->p, n);

	if (s == NULL)
		abort();
	r->p += n + (nul != NULL);
	return s;
}

/* The JSON number n must be the text of v, signed or not. */
static void
is_num(const struct json *n, long long sv, unsigned long long uv, int is_signed)
{
	char want[32];

	if (n == NULL || n->type != J_NUM)
		abort();
	if (is_signed)
		snprintf(want, sizeof(want), "%lld", sv);
	else
		snprintf(want, sizeof(want), "%llu", uv);
	if (strcmp(n->s, want) != 0)
		abort();
}

static void
check_json(const char *buf, size_t len, const struct control_status *cs)
{
	const struct json *pol, *audit, *peers, *p, *lim, *tot;
	struct json *j;
	size_t i;

	if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\n', len) != buf + len - 1)
		abort(); /* one line */
	if ((j = json_parse(buf, len)) == NULL || j->type != J_OBJ)
		abort();
	pol = json_get(j, "policy");
	if (!json_gives(json_get(pol, "file"), cs->policy))
		abort();
	is_num(json_get(j, "pid"), cs->pid, 0, 1);
	is_num(json_get(pol, "rules"), 0, cs->nrules, 0);
	is_num(json_get(pol, "reload_failures"), 0, cs->reload_failures, 0);
	audit = json_get(j, "audit");
	if (audit == NULL || audit->type != J_ARR || audit->n != cs->naudit)
		abort();
	for (i = 0; i < cs->naudit; i++)
		if (!json_gives(audit->v[i], cs->audit[i]))
			abort();
	p = json_get(j, "audit_failed");
	if (cs->audit_failed == NULL ? p == NULL || p->type != J_NULL :
				       !json_gives(p, cs->audit_failed))
		abort();
	lim = json_get(j, "limits");
	is_num(json_get(lim, "max_peers"), 0, cs->max_peers, 0);
	is_num(json_get(lim, "threads"), 0, cs->threads, 0);
	tot = json_get(j, "totals");
	is_num(json_get(tot, "peers"), 0, cs->npeers, 0);
	is_num(json_get(tot, "requests"), 0, cs->nrequests, 0);
	is_num(json_get(tot, "status_refused"), 0, cs->control_refused, 0);
	peers = json_get(j, "peers");
	if (peers == NULL || peers->type != J_ARR || peers->n > cs->npeers)
		abort();
	is_num(json_get(j, "peers_omitted"), 0, cs->npeers - peers->n, 0);
	for (i = 0; i < peers->n; i++) {
		p = peers->v[i];
		if (!json_gives(json_get(p, "profile"), cs->peers[i].profile))
			abort();
		is_num(json_get(p, "id"), 0, cs->peers[i].id, 0);
		is_num(json_get(p, "uid"), 0, cs->peers[i].uid, 0);
		is_num(json_get(p, "pid"), cs->peers[i].pid, 0, 1);
		is_num(json_get(p, "requests"), 0, cs->peers[i].nrequests, 0);
		is_num(json_get(p, "throttled"), 0, cs->peers[i].nthrottled, 0);
		if (json_get(p, "since") == NULL || json_get(p, "since")->type != J_STR)
			abort();
	}
	json_free(j);
}

static void
check_text(const char *buf, size_t len, const struct control_status *cs)
{
	size_t i, lines = 0, more;
	const char *tail;

	if (len == 0 || buf[len - 1] != '\n')
		abort();
	for (i = 0; i < len; i++) {
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\n') || buf[i] == 0x7f)
			abort(); /* a string moved the cursor or broke a line */
		lines += buf[i] == '\n';
	}
	/* Six lines, then a blank line, a heading and a line per peer, the
	 * last perhaps "and N more peers". */
	if (cs->npeers == 0) {
		if (lines != 6)
			abort();
		return;
	}
	if (lines < 8 || lines - 8 > cs->npeers)
		abort();
	for (tail = buf + len - 1; tail > buf && tail[-1] != '\n'; tail--)
		;
	if (sscanf(tail, "and %zu more peers\n", &more) == 1) {
		if (more + (lines - 9) != cs->npeers)
			abort();
	} else if (lines - 8 != cs->npeers)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct control_peer peers[MAX_PEERS];
	struct reader r = { data, data + size };
	struct control_status cs;
	char *audit[MAX_AUDIT], *policy, *failed = NULL, *buf = NULL;
	size_t i, len = 0, max;
	uint64_t v;
	FILE *f;

	memset(&cs, 0, sizeof(cs));
	v = num(&r);
	max = (size_t)(v & 0xffff);
	cs.npeers = (size_t)(v >> 16 & 0xff) % (MAX_PEERS + 1);
	cs.naudit = (size_t)(v >> 24 & 0xff) % (MAX_AUDIT + 1);
	cs.pid = (pid_t)num(&r);
	cs.started.tv_sec = (time_t)num(&r);
	cs.loaded.tv_sec = (time_t)num(&r);
	cs.nrules = (size_t)num(&r);
	cs.nprofiles = (size_t)num(&r);
	cs.reload_failures = num(&r);
	v = num(&r);
	cs.max_peers = (unsigned)v;
	cs.threads = (unsigned)(v >> 32);
	cs.nrequests = num(&r);
	cs.control_refused = num(&r);
	cs.policy = policy = str(&r);
	for (i = 0; i < cs.naudit; i++)
		audit[i] = str(&r);
	cs.audit = (const char *const *)audit;
	if (num(&r) & 1)
		cs.audit_failed = failed = str(&r);
	for (i = 0; i < cs.npeers; i++) {
		peers[i].id = (unsigned long)num(&r);
		v = num(&r);
		peers[i].uid = (uid_t)v;
		peers[i].gid = (gid_t)(v >> 32);
		peers[i].pid = (pid_t)num(&r);
		peers[i].nrequests = num(&r);
		peers[i].nthrottled = num(&r);
		peers[i].since.tv_sec = (time_t)num(&r);
		peers[i].profile = str(&r);
	}
	cs.peers = peers;

	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	control_format_json(f, &cs, max);
	if (fclose(f) != 0)
		abort();
	check_json(buf, len, &cs);
	free(buf);
	buf = NULL;
	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	control_format_text(f, &cs, max);
	if (fclose(f) != 0)
		abort();
	check_text(buf, len, &cs);
	free(buf);

	free(policy);
	for (i = 0; i < cs.naudit; i++)
		free(audit[i]);
	free(failed);
	for (i = 0; i < cs.npeers; i++)
		free((char *)peers[i].profile);
	return 0;
}
