/*
 * fuzz_audit_read.c: the audit record reader (tools/audit_read.c).
 *
 * Input: a first byte choosing the test, then
 *   odd, bit 1 clear: a line to parse.  It must not crash, and when it
 *         parses, every string must end inside the store;
 *   odd, bit 1 set: a stream of lines for audit_read_stream(): every line
 *         is counted once as a record, an event, torn or unreadable (a
 *         record recovered from a torn line counts with it), every place
 *         is a line of the stream, and the callbacks agree with the counts;
 *         The stream goes to the chain verifier too (audit_verify.h): it
 *         must see every line once, whatever the lines are;
 *   even: an event, laid out as in fuzz_audit.c (32 bytes of numbers, then
 *         NUL-separated path, canon, rule, path2, canon2), which is
 *         formatted by audit_format() and read back: every field must come
 *         back exactly (the strings byte for byte, through _hex when they
 *         are not UTF-8), so the reader and the writer agree on every input.
 *         Then sealed in a chain (keyed or not), between an open record and
 *         a close record: the three lines must verify whole, and a change
 *         of any one byte of the record's line must break the chain.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_chain.h"
#include "audit_read.h"
#include "audit_verify.h"

#define HDR 32
#define NSTR 5

static char store[AUDIT_RECORD_MAX + 64];
static char buf[AUDIT_RECORD_MAX + 2];

static void
check_in_store(const char *s)
{
	if (s != NULL &&
	    (s < store || s >= store + sizeof(store) ||
		memchr(s, '\0', (size_t)(store + sizeof(store) - s)) == NULL))
		abort();
}

static void
parse_raw(const uint8_t *data, size_t size)
{
	struct audit_rec r;
	const char *why;

	if (size > AUDIT_RECORD_MAX)
		size = AUDIT_RECORD_MAX;
	if (audit_read_line((const char *)data, size, &r, store, sizeof(store), &why) == -1) {
		if (why == NULL)
			abort();
		return;
	}
	check_in_store(r.path);
	check_in_store(r.path2);
	check_in_store(r.canon);
	check_in_store(r.canon2);
	check_in_store(r.rule);
	check_in_store(r.flags);
	if ((r.decision == AUDIT_ERROR) != (r.rule == NULL))
		abort();
}

struct stream_seen {
	uint64_t records, torn, bad, last_line;
};

static int
stream_record(const struct audit_rec *r, void *arg)
{
	struct stream_seen *s = arg;

	if (r->event[0] != '\0')
		abort();
	s->records++;
	return 0;
}

static void
stream_unreadable(const struct audit_read_place *at, int torn, void *arg)
{
	struct stream_seen *s = arg;

	if (at->why == NULL || at->line == 0 || strcmp(at->name, "fuzz") != 0)
		abort();
	s->last_line = at->line;
	if (torn)
		s->torn++;
	else
		s->bad++;
}

/* Every line to the verifier as well; and counted. */
struct both {
	struct stream_seen *s;
	struct audit_verify *v;
	uint64_t lines;
};

static int
both_record(const struct audit_rec *r, void *arg)
{
	return stream_record(r, ((struct both *)arg)->s);
}

static void
both_unreadable(const struct audit_read_place *at, int torn, void *arg)
{
	stream_unreadable(at, torn, ((struct both *)arg)->s);
}

static int
both_line(const struct audit_line *l, void *arg)
{
	struct both *b = arg;

	b->lines++;
	if (l->at.line != b->lines || (l->bytes != NULL && memchr(l->bytes, '\n', l->len) != NULL))
		abort();
	return audit_verify_line(l, b->v);
}

static void
stream(const uint8_t *data, size_t size)
{
	struct stream_seen s = { 0 };
	struct both b = { &s, NULL, 0 };
	struct audit_read_cb cb = { .record = both_record,
		.unreadable = both_unreadable,
		.line = both_line,
		.arg = &b };
	struct audit_verify_result res;
	struct audit_read_stats st;
	FILE *f;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return;
	if ((b.v = audit_verify_new(NULL, 0, NULL, NULL)) == NULL)
		abort();
	audit_verify_file(b.v, "fuzz");
	memset(&st, 0, sizeof(st));
	if (audit_read_stream(f, "fuzz", &cb, &st) != 0)
		abort();
	fclose(f);
	audit_verify_end(b.v, &res);
	audit_verify_free(b.v);
	if (s.records != st.records || s.torn != st.torn || s.bad != st.bad ||
	    st.recovered > st.records || s.last_line > st.lines ||
	    st.lines != st.records - st.recovered + st.events + st.torn + st.bad)
		abort();
	if (b.lines != st.lines || res.lines != st.lines || res.chained > st.lines)
		abort();
}

/* Breaks of the verifier over the n bytes at p, keyed or not (and a
 * million more when some line could not be checked). */
static uint64_t
breaks_of(const char *p, size_t n, const unsigned char *key, size_t klen)
{
	struct audit_verify_result res;
	struct audit_read_stats st;
	struct audit_verify *v;
	FILE *f;

	if ((f = fmemopen((void *)(uintptr_t)p, n, "r")) == NULL)
		abort();
	if ((v = audit_verify_new(key, klen, NULL, NULL)) == NULL)
		abort();
	audit_verify_file(v, "fuzz");
	memset(&st, 0, sizeof(st));
	if (audit_read_stream(f, "fuzz",
		&(struct audit_read_cb){ .line = audit_verify_line, .arg = v }, &st) != 0)
		abort();
	fclose(f);
	audit_verify_end(v, &res);
	audit_verify_free(v);
	return res.breaks + (res.unverified != 0 ? 1000000 : 0);
}

/*
 * The record buf[0..n) sealed into a chain between its open and close
 * records: whole; then one byte of the record's line changed (at a place
 * and to a value the input chose): broken.
 */
static void
chained(const char *rec, size_t n, const uint8_t *hdr)
{
	static const unsigned char key[AUDIT_KEY_MIN] = "fuzz key, 32 bytes of it, here!";
	static char file[3 * AUDIT_RECORD_MAX];
	struct audit_open info = { 0 };
	struct timespec now = { 1795615387, 0 };
	struct audit_chain c;
	size_t len = 0, start, pos, line;
	ssize_t k;
	int keyed = hdr[24] & 0x10;
	char b;

	audit_chain_init(&c, "0123456789abcdef0123456789abcdef", keyed ? key : NULL,
	    keyed ? sizeof(key) : 0);
	info.key_id = keyed ? c.key_id : NULL;
	if ((k = audit_format_open(&now, 1, &info, file, sizeof(file))) <= 0 ||
	    (k = audit_chain_seal(&c, file, (size_t)k, sizeof(file))) <= 0)
		abort();
	len = (size_t)k;
	start = len;
	memcpy(file + len, rec, n);
	if ((k = audit_chain_seal(&c, file + len, n, sizeof(file) - len)) <= 0)
		abort();
	len += (size_t)k;
	if ((k = audit_format_close(&now, 1, file + len, sizeof(file) - len)) <= 0 ||
	    (k = audit_chain_seal(&c, file + len, (size_t)k, sizeof(file) - len)) <= 0)
		abort();
	len += (size_t)k;
	if (breaks_of(file, len, keyed ? key : NULL, keyed ? sizeof(key) : 0) != 0)
		abort();
	/* One byte of the record's line, its newline excepted, to another
	 * (not NUL, which fmemopen() would take for the end). */
	line = (size_t)(strchr(file + start, '\n') - (file + start));
	pos = start + ((size_t)hdr[25] << 8 | hdr[26]) % line;
	b = (char)(hdr[27] | 1);
	if (file[pos] == b || b == '\n')
		return;
	file[pos] = b;
	if (breaks_of(file, len, keyed ? key : NULL, keyed ? sizeof(key) : 0) == 0)
		abort();
}

/* s as the writer renders it: cut at AUDIT_STR_MAX. */
static void
same(const char *want, const char *got)
{
	size_t n;

	if (want == NULL || got == NULL) {
		if (want != got)
			abort();
		return;
	}
	n = strnlen(want, AUDIT_STR_MAX);
	if (strlen(got) != n || memcmp(want, got, n) != 0)
		abort();
}

static void
round_trip(const uint8_t *data, size_t size)
{
	static const char *const ops[] = { "open", "stat", "lstat", "access", "readlink", "mkdir",
		"unlink", "rmdir", "rename", "symlink", "utimes", "chmod", "statfs", "truncate",
		"watch" };
	static char text[16 * 1024 + 1];
	const char *str[NSTR] = { NULL }, *why;
	uint8_t hdr[HDR] = { 0 };
	struct audit_event ev;
	struct audit_rec r;
	size_t h, i, ns, start;
	ssize_t n;

	h = size < HDR ? size : HDR;
	memcpy(hdr, data, h);
	data += h;
	size -= h;
	if (size > sizeof(text) - 1)
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (ns = 0, start = 0, i = 0; size > 0 && i <= size && ns < NSTR; i++) {
		if (i == size || text[i] == '\0') {
			str[ns++] = text + start;
			start = i + 1;
		}
	}
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev.when.tv_sec, hdr, 4);
	if (hdr[4] & 0x80)
		ev.when.tv_sec = -ev.when.tv_sec * 1000;
	ev.when.tv_nsec = (long)(((uint32_t)hdr[5] << 24 | (uint32_t)hdr[6] << 16 |
				     (uint32_t)hdr[7] << 8 | hdr[8]) %
	    1100000000u);
	memcpy(&ev.pid, hdr + 9, 2);
	memcpy(&ev.tid, hdr + 11, 2);
	memcpy(&ev.uid, hdr + 13, 4);
	memcpy(&ev.gid, hdr + 17, 2);
	ev.access = hdr[19];
	memcpy(&ev.flags, hdr + 20, 4);
	ev.allowed = hdr[24] & 1;
	ev.waived = (hdr[24] >> 2) & 1;
	ev.complain = (hdr[24] >> 3) & 1;
	memcpy(&ev.err, hdr + 25, 2);
	memcpy(&ev.duration_ns, hdr + 27, 4);
	ev.mode = hdr[31] & 1 ? "transparent" : "explicit";
	ev.op = ops[(hdr[31] >> 1) % (sizeof(ops) / sizeof(ops[0]))];
	ev.path = str[0];
	ev.canon = str[1];
	ev.rule = str[2];
	ev.path2 = str[3];
	ev.canon2 = ev.path2 != NULL ? str[4] : NULL;
	/* A change written ahead: its intent is of a change allowed (or let
	 * through), not made yet. */
	ev.phase = (hdr[24] >> 4) & 3;
	if (ev.phase == 3)
		ev.phase = AUDIT_PHASE_NONE;
	if (ev.phase == AUDIT_PHASE_INTENT &&
	    (ev.rule == NULL || ev.err != 0 || !(ev.allowed || ev.waived)))
		ev.phase = AUDIT_PHASE_DONE;
	ev.req = ev.phase != AUDIT_PHASE_NONE ? (uint64_t)ev.flags << 8 | hdr[19] : 0;

	if ((n = audit_format(&ev, buf, sizeof(buf))) <= 0)
		abort();
	if (audit_read_line(buf, (size_t)n, &r, store, sizeof(store), &why) == -1)
		abort(); /* the writer's output always reads back */
	if (r.v != 2 || r.pid != ev.pid || r.tid != ev.tid || r.uid != (int64_t)ev.uid ||
	    r.gid != (int64_t)ev.gid || r.access != ev.access || r.complain != ev.complain ||
	    strcmp(r.op, ev.op) != 0 || strcmp(r.mode, ev.mode) != 0)
		abort();
	if (r.duration_ns != ev.duration_ns)
		abort();
	if (r.phase != ev.phase || r.req != (ev.phase != AUDIT_PHASE_NONE ? (int64_t)ev.req : -1))
		abort();
	if (ev.err == 0 ? r.err != 0 : ev.err <= 4095 && r.err != ev.err)
		abort();
	if (ev.rule == NULL ? r.decision != AUDIT_ERROR :
		ev.allowed  ? r.decision != AUDIT_ALLOW :
			      r.decision != (ev.waived ? AUDIT_WOULD_DENY : AUDIT_DENY))
		abort();
	if (r.has_time &&
	    (r.when.tv_sec != ev.when.tv_sec || r.when.tv_nsec != ev.when.tv_nsec / 1000 * 1000))
		abort();
	same(ev.path, r.path);
	same(ev.canon, r.canon);
	same(ev.rule, r.rule);
	same(ev.path2, r.path2);
	if (ev.path2 != NULL)
		same(ev.canon2, r.canon2);
	chained(buf, (size_t)n, hdr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 3) == 3)
		stream(data + 1, size - 1);
	else if (data[0] & 1)
		parse_raw(data + 1, size - 1);
	else
		round_trip(data + 1, size - 1);
	return 0;
}
