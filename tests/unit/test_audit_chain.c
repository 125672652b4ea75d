/*
 * test_audit_chain.c: the hash chain of audit files (broker/audit/audit_chain.c,
 * the sinks that seal, tools/audit_verify.c that checks): a seal as
 * documented, keys that evolve forward, and the verifier against every
 * tampering an auditor must see: a line edited, removed, inserted,
 * replayed or moved, a file cut short, a file missing from a rotation set
 * or given out of order, another key, a chain rewritten whole (which only
 * an anchor shows); and what is no tampering: torn lines, two brokers
 * writing to one file, a chain that goes on across a reopen.  Also the key
 * file's checks and the order of a rotation set's names.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit_chain.h"
#include "audit_files.h"
#include "audit_testutil.h"
#include "audit_testverify.h"
#include "sha256.h"
#include "unit.h"

static char tmpdir[64];
static const unsigned char master[32] = "0123456789abcdef0123456789abcdef";

/* ---- the seal ---- */

static void
test_seal(void **state)
{
	const char id[] = "00112233445566778899aabbccddeeff";
	char buf[512], want[512], hex[65];
	unsigned char d[SHA256_LEN], zero[SHA256_LEN] = { 0 }, k[SHA256_LEN];
	struct audit_chain c;
	struct sha256 h;
	ssize_t n;

	(void)state;
	audit_chain_init(&c, id, NULL, 0);
	strcpy(buf, "{\"v\":2,\"x\":1}\n");
	n = audit_chain_seal(&c, buf, strlen(buf), sizeof(buf));
	assert_true(n > 0);
	/* D = SHA-256(32 zero bytes || P), P the line up to its seq. */
	sha256_init(&h);
	sha256_update(&h, zero, sizeof(zero));
	sha256_update(&h,
	    "{\"v\":2,\"x\":1,\"chain\":\"00112233445566778899aabbccddeeff\",\"seq\":0",
	    strlen("{\"v\":2,\"x\":1,\"chain\":\"00112233445566778899aabbccddeeff\",\"seq\":0"));
	sha256_final(&h, d);
	sha256_hex(d, sizeof(d), hex);
	snprintf(want, sizeof(want),
	    "{\"v\":2,\"x\":1,\"chain\":\"00112233445566778899aabbccddeeff\",\"seq\":0,\"digest\":"
	    "\"%s\"}\n",
	    hex);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(c.seq, 1);
	assert_memory_equal(c.last, d, SHA256_LEN);

	/* The next line chains on: D' is the digest of the first. */
	strcpy(buf, "{\"y\":2}\n");
	assert_true(audit_chain_seal(&c, buf, strlen(buf), sizeof(buf)) > 0);
	assert_non_null(strstr(buf, ",\"seq\":1,\"digest\":\""));
	sha256_init(&h);
	sha256_update(&h, d, sizeof(d));
	sha256_update(&h, "{\"y\":2,\"chain\":\"00112233445566778899aabbccddeeff\",\"seq\":1",
	    strlen("{\"y\":2,\"chain\":\"00112233445566778899aabbccddeeff\",\"seq\":1"));
	sha256_final(&h, d);
	sha256_hex(d, sizeof(d), hex);
	assert_non_null(strstr(buf, hex));

	/* No room: ENOBUFS, the line and the chain as they were. */
	strcpy(buf, "{\"z\":3}\n");
	assert_int_equal(audit_chain_seal(&c, buf, strlen(buf), 40), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(strncmp(buf, "{\"z\":3}\n", 8), 0);
	assert_int_equal(c.seq, 2);
	strcpy(buf, "not a line");
	assert_int_equal(audit_chain_seal(&c, buf, strlen(buf), sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);

	/* Keyed: HMAC under K_0, then K_1 = SHA-256(label || K_0). */
	audit_chain_init(&c, id, master, sizeof(master));
	assert_true(c.keyed);
	audit_chain_key0(master, sizeof(master), id, k);
	assert_memory_equal(c.key, k, SHA256_LEN);
	{
		struct hmac_sha256 m;

		strcpy(buf, "{\"v\":2}\n");
		assert_true(audit_chain_seal(&c, buf, strlen(buf), sizeof(buf)) > 0);
		hmac_sha256_init(&m, k, sizeof(k));
		hmac_sha256_update(&m, zero, sizeof(zero));
		hmac_sha256_update(&m, buf, (size_t)(strstr(buf, ",\"digest\"") - buf));
		hmac_sha256_final(&m, d);
		sha256_hex(d, sizeof(d), hex);
		assert_non_null(strstr(buf, hex));
	}
	/* Forward: K_0 seals the first epoch's lines; then the chain holds
	 * K_1, and K_0 is not in it. */
	{
		uint64_t i;

		for (i = 1; i < AUDIT_CHAIN_EPOCH; i++) {
			strcpy(buf, "{}\n");
			assert_true(audit_chain_seal(&c, buf, strlen(buf), sizeof(buf)) > 0);
			if (i < AUDIT_CHAIN_EPOCH - 1)
				assert_memory_equal(c.key, k, SHA256_LEN);
		}
	}
	assert_int_equal(c.seq, AUDIT_CHAIN_EPOCH);
	sha256_init(&h);
	sha256_update(&h, "filebroker audit key step", 25);
	sha256_update(&h, k, sizeof(k));
	sha256_final(&h, d);
	assert_memory_equal(c.key, d, SHA256_LEN);
	assert_memory_not_equal(c.key, k, SHA256_LEN);
	/* A key id names the key, not the chain. */
	{
		char id1[AUDIT_KEY_ID_LEN + 1], id2[AUDIT_KEY_ID_LEN + 1];

		audit_chain_key_id(master, sizeof(master), id1);
		audit_chain_key_id(master, sizeof(master) - 1, id2);
		assert_string_equal(id1, c.key_id);
		assert_string_not_equal(id1, id2);
	}
	audit_chain_wipe(&c);
	assert_memory_equal(c.key, zero, SHA256_LEN);
}

/* ---- files to tamper with ---- */

static size_t
size_of_file(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

static struct audit_event
ev_n(int i)
{
	static char path[64];
	struct audit_event ev = base_event();

	snprintf(path, sizeof(path), "/srv/in/f%d", i);
	ev.path = ev.canon = path;
	ev.pid = 1000 + i;
	return ev;
}

/* A file of n records through a sink (key or not): its open record, the
 * records, its close record. */
static void
make_file(const char *path, int n, int keyed)
{
	struct audit_event ev;
	struct audit *a;
	int i;

	unlink(path);
	audit_key_set(keyed ? master : NULL, keyed ? sizeof(master) : 0);
	assert_int_equal(audit_open(path, &a), 0);
	audit_key_forget();
	for (i = 0; i < n; i++) {
		ev = ev_n(i);
		assert_int_equal(audit_write(a, &ev), 0);
	}
	audit_close(a);
}

/* The file's lines, to edit. */
struct lines {
	char *l[AUDIT_CHAIN_EPOCH + 64];
	int n;
};

static void
load(const char *path, struct lines *ls)
{
	size_t len;
	char *buf = read_all(path, &len), *p = buf, *nl;

	memset(ls, 0, sizeof(*ls));
	while ((nl = strchr(p, '\n')) != NULL) {
		assert_true(ls->n < (int)(sizeof(ls->l) / sizeof(ls->l[0])));
		ls->l[ls->n++] = strndup(p, (size_t)(nl + 1 - p));
		p = nl + 1;
	}
	free(buf);
}

static void
store(const char *path, struct lines *ls)
{
	FILE *f = fopen(path, "w");
	int i;

	assert_non_null(f);
	for (i = 0; i < ls->n; i++) {
		fputs(ls->l[i], f);
		free(ls->l[i]);
	}
	fclose(f);
	ls->n = 0;
}

/* The verifier on path alone (no key, no anchor): what it said. */
static const char *
said(const char *path)
{
	static struct vcheck vc;

	vcheck_files(&path, 1, NULL, 0, NULL, &vc);
	return vc.said;
}

static char *
path_of(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

/* Lines 1 (open) .. 12 (close) for 10 records: 2..11. */
static void
test_tamper(void **state)
{
	char *p = path_of("t.jsonl"), *x, *tmp;
	struct lines ls;

	(void)state;
	make_file(p, 10, 0);
	assert_string_equal(said(p), "");

	/* Edited: a byte of line 5. */
	load(p, &ls);
	x = strstr(ls.l[4], "/srv/in/f3");
	x[8] = 'g';
	store(p, &ls);
	assert_string_equal(said(p), "edited@5 ");

	/* Removed: line 5. */
	make_file(p, 10, 0);
	load(p, &ls);
	free(ls.l[4]);
	memmove(ls.l + 4, ls.l + 5, (size_t)(ls.n - 5) * sizeof(ls.l[0]));
	ls.n--;
	store(p, &ls);
	assert_string_equal(said(p), "missing@5 ");

	/* Inserted: a record with no chain (a worker's forgery, a version 1
	 * line), and a copy of another line (a replay). */
	make_file(p, 10, 0);
	load(p, &ls);
	tmp = ls.l[6];
	ls.l[6] = unseal(ls.l[3]);
	memmove(ls.l + 8, ls.l + 7, (size_t)(ls.n - 7) * sizeof(ls.l[0]));
	ls.l[7] = tmp;
	ls.n++;
	store(p, &ls);
	assert_string_equal(said(p), "inserted@7 ");
	make_file(p, 10, 0);
	load(p, &ls);
	memmove(ls.l + 8, ls.l + 7, (size_t)(ls.n - 7) * sizeof(ls.l[0]));
	ls.l[7] = strdup(ls.l[2]);
	ls.n++;
	store(p, &ls);
	assert_string_equal(said(p), "reordered@8 ");

	/* Reordered: lines 4 and 6 swapped. */
	make_file(p, 10, 0);
	load(p, &ls);
	tmp = ls.l[3];
	ls.l[3] = ls.l[5];
	ls.l[5] = tmp;
	store(p, &ls);
	assert_string_equal(said(p), "missing@4 reordered@5 reordered@6 ");

	/* A line that is no record any more (its JSON broken). */
	make_file(p, 10, 0);
	load(p, &ls);
	ls.l[4][10] = '"';
	store(p, &ls);
	assert_string_equal(said(p), "unreadable@5 missing@6 ");

	/* Cut short at the end: whole lines (its close record gone: only a
	 * note, which an anchor turns into a break, below), or inside one. */
	make_file(p, 10, 0);
	load(p, &ls);
	free(ls.l[--ls.n]);
	free(ls.l[--ls.n]);
	store(p, &ls);
	assert_string_equal(said(p), "~open@10 ");
	assert_int_equal(truncate(p, (off_t)(size_of_file(p) - 30)), 0);
	assert_string_equal(said(p), "~torn@10 ~open@9 ");

	/* A chain id made up: a chain that begins without its open record. */
	make_file(p, 3, 0);
	load(p, &ls);
	x = strstr(ls.l[2], "\"chain\":\"") + 9;
	x[0] = x[0] == 'a' ? 'b' : 'a';
	store(p, &ls);
	assert_string_equal(said(p), "missing@3 missing@4 ~open@3 ");
	unlink(p);
}

/*
 * Whoever can write an unkeyed file can rewrite its chain whole, every
 * digest made again after the line changed: the verifier finds it whole.
 * An anchor kept elsewhere (what the daemon logs) does not match, and
 * says so; a keyed chain cannot be made again without the key.
 */
static void
test_rewritten(void **state)
{
	char *p = path_of("r.jsonl"), anchor[AUDIT_ANCHOR_MAX], *x;
	struct audit_chain c;
	struct vcheck vc;
	struct lines ls;
	const char *pp = p;
	int i, keyed;

	(void)state;
	for (keyed = 0; keyed < 2; keyed++) {
		make_file(p, 5, keyed);
		load(p, &ls);
		/* The anchor: chain:seq:digest of the last line. */
		x = strstr(ls.l[ls.n - 1], "\"chain\":\"") + 9;
		snprintf(anchor, sizeof(anchor), "%.32s:%d:%.64s", x, ls.n - 1,
		    strstr(ls.l[ls.n - 1], "\"digest\":\"") + 10);
		/* The forger: line 3 changed, every line sealed again, the
		 * chain id kept, no key. */
		x = strstr(ls.l[2], "/srv/in/f1");
		x[9] = '9';
		audit_chain_init(&c, strstr(ls.l[0], "\"chain\":\"") + 9, NULL, 0);
		c.id[AUDIT_CHAIN_ID_LEN] = '\0';
		for (i = 0; i < ls.n; i++) {
			char *u = unseal(ls.l[i]), buf[2048];

			snprintf(buf, sizeof(buf), "%s", u);
			assert_true(audit_chain_seal(&c, buf, strlen(buf), sizeof(buf)) > 0);
			free(ls.l[i]);
			free(u);
			ls.l[i] = strdup(buf);
		}
		store(p, &ls);
		if (!keyed) {
			assert_string_equal(said(p), "");
			vcheck_files(&pp, 1, NULL, 0, anchor, &vc);
			assert_string_equal(vc.said, "anchor@7 ");
		} else {
			/* Without the key, it reads as a keyed chain, unproved;
			 * with it, nothing holds (the open record says "hmac",
			 * the forger could not). */
			vcheck_files(&pp, 1, NULL, 0, NULL, &vc);
			assert_int_equal(vc.res.breaks, 0);
			assert_true(vc.res.unverified > 0);
			vcheck_files(&pp, 1, master, sizeof(master), NULL, &vc);
			assert_true(vc.res.breaks >= 7);
		}
	}
	unlink(p);
}

/*
 * The forger of test_keyed: with the key of epoch e (as taken from a
 * running broker) and no other, the line of seq+1 of the keyed file at p
 * changed, and sealed again with n lines after it (all: -1), the chain
 * going on.
 */
static void
forge(const char *p, int seq, uint64_t e, int n)
{
	unsigned char k[SHA256_LEN];
	struct audit_chain c;
	struct lines ls;
	char buf[2048], hex[65], *u;
	int i;

	load(p, &ls);
	audit_chain_init(&c, strstr(ls.l[0], "\"chain\":\"") + 9, master, sizeof(master));
	c.id[AUDIT_CHAIN_ID_LEN] = '\0';
	audit_chain_key0(master, sizeof(master), c.id, k);
	for (; e > 0; e--)
		audit_chain_key_step(k);
	audit_chain_set_key(&c, k);
	c.seq = (uint64_t)seq + 1;
	snprintf(hex, sizeof(hex), "%.64s", strstr(ls.l[seq], "\"digest\":\"") + 10);
	assert_int_equal(audit_chain_unhex(hex, c.last), 0);
	for (i = seq + 1; i < ls.n && (n < 0 || i <= seq + 1 + n); i++) {
		u = unseal(ls.l[i]);
		if (i == seq + 1) {
			char *d = strstr(u, "\"pid\":") + 6;

			*d = *d == '9' ? '8' : '9';
		}
		snprintf(buf, sizeof(buf), "%s", u);
		free(u);
		assert_true(audit_chain_seal(&c, buf, strlen(buf), sizeof(buf)) > 0);
		free(ls.l[i]);
		ls.l[i] = strdup(buf);
	}
	store(p, &ls);
}

/* Keyed: whole with the key, unproved without, a break with another; a
 * forger who took a key from a running broker cannot seal a line of an
 * earlier epoch again. */
static void
test_keyed(void **state)
{
	unsigned char other[32] = "another key, as long as the 1st";
	char *p = path_of("k.jsonl");
	struct vcheck vc;
	const char *pp = p;

	(void)state;
	make_file(p, 5, 1);
	vcheck_files(&pp, 1, master, sizeof(master), NULL, &vc);
	assert_int_equal(vc.res.breaks, 0);
	assert_int_equal(vc.res.unverified, 0);
	assert_int_equal(vc.res.nkeyed, 1);
	vcheck_files(&pp, 1, NULL, 0, NULL, &vc);
	assert_int_equal(vc.res.breaks, 0);
	assert_int_equal(vc.res.unverified, 7);
	vcheck_files(&pp, 1, other, sizeof(other), NULL, &vc);
	assert_string_equal(vc.said, "key@1 ");
	/* An unkeyed file, a key given: whoever could write it could have
	 * written it whole. */
	make_file(path_of("u.jsonl"), 1, 0);
	{
		const char *pu = path_of("u.jsonl");

		vcheck_files(&pu, 1, master, sizeof(master), NULL, &vc);
		assert_string_equal(vc.said, "key@1 ");
		unlink(pu);
	}

	/*
	 * A key taken from a running broker: the key of its epoch.  Lines
	 * of that epoch it can seal again (the documented price of epochs:
	 * seq 3 here, with the whole rest of the chain sealed again after
	 * it); a line of an earlier epoch, not: edited.
	 */
	forge(p, 3, 0, -1);
	vcheck_files(&pp, 1, master, sizeof(master), NULL, &vc);
	assert_string_equal(vc.said, "");
	make_file(p, AUDIT_CHAIN_EPOCH + 10, 1);
	vcheck_files(&pp, 1, master, sizeof(master), NULL, &vc);
	assert_string_equal(vc.said, "");
	assert_int_equal(vc.res.unverified, 0);
	forge(p, 5, 1, 0);
	vcheck_files(&pp, 1, master, sizeof(master), NULL, &vc);
	assert_string_equal(vc.said, "edited@7 edited@8 ");
	unlink(p);
}

/* A keyed chain going on in a new file past its first epoch: the new file
 * alone is checked, its key found by stepping to its epoch. */
static void
test_keyed_reopen(void **state)
{
	char *p = path_of("kr.jsonl"), p1[160];
	struct audit_event ev = ev_n(1);
	struct vcheck vc;
	struct audit *a;
	const char *pp = p;
	int i;

	(void)state;
	snprintf(p1, sizeof(p1), "%s.1", p);
	unlink(p);
	audit_key_set(master, sizeof(master));
	assert_int_equal(audit_open(p, &a), 0);
	audit_key_forget();
	for (i = 0; i < AUDIT_CHAIN_EPOCH + 100; i++)
		assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(rename(p, p1), 0);
	assert_int_equal(audit_reopen(a, NULL, NULL), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	vcheck_files(&pp, 1, master, sizeof(master), NULL, &vc);
	assert_string_equal(vc.said, "~continues@1 ");
	assert_int_equal(vc.res.unverified, 0);
	{
		const char *set[] = { p1, p };

		vcheck_files(set, 2, master, sizeof(master), NULL, &vc);
		assert_string_equal(vc.said, "");
	}
	unlink(p);
	unlink(p1);
}

/* Two brokers appending to one file: a chain each, interleaved, whole; the
 * second one's open record names the line it found last. */
static void
test_two_writers(void **state)
{
	char *p = path_of("two.jsonl");
	struct audit *a, *b;
	struct audit_event ev;
	struct vcheck vc;
	const char *pp = p;
	int i;

	(void)state;
	unlink(p);
	assert_int_equal(audit_open(p, &a), 0);
	ev = ev_n(0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_open(p, &b), 0);
	for (i = 1; i < 20; i++) {
		ev = ev_n(i);
		assert_int_equal(audit_write(i % 3 ? a : b, &ev), 0);
	}
	audit_close(a);
	ev = ev_n(99);
	assert_int_equal(audit_write(b, &ev), 0);
	audit_close(b);
	vcheck_files(&pp, 1, NULL, 0, NULL, &vc);
	assert_string_equal(vc.said, "");
	assert_int_equal(vc.res.nchains, 2);
	assert_int_equal(vc.res.lines, 25);
	/* One of them loses a line: that one breaks, the other is whole. */
	{
		struct lines ls;

		load(p, &ls);
		free(ls.l[5]);
		memmove(ls.l + 5, ls.l + 6, (size_t)(ls.n - 6) * sizeof(ls.l[0]));
		ls.n--;
		store(p, &ls);
	}
	vcheck_files(&pp, 1, NULL, 0, NULL, &vc);
	assert_int_equal(vc.res.breaks, 1);
	unlink(p);
}

/* A rotation set: audit.log.2, .1 and audit.log, one chain through them.
 * Whole in order; a file missing or out of order breaks; a file cut short
 * before the next one breaks, its torn line named. */
static void
test_rotation_set(void **state)
{
	char *p = path_of("audit.log"), p1[160], p2[160];
	struct audit_event ev;
	struct vcheck vc;
	struct audit *a;
	int i, k;

	(void)state;
	snprintf(p1, sizeof(p1), "%s.1", p);
	snprintf(p2, sizeof(p2), "%s.2", p);
	unlink(p);
	assert_int_equal(audit_open(p, &a), 0);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 4; i++) {
			ev = ev_n(10 * k + i);
			assert_int_equal(audit_write(a, &ev), 0);
		}
		if (k == 2)
			break;
		/* logrotate: rename, then SIGHUP */
		if (k == 1)
			assert_int_equal(rename(p1, p2), 0);
		assert_int_equal(rename(p, p1), 0);
		assert_int_equal(audit_reopen(a, NULL, NULL), 0);
	}
	audit_close(a);
	{
		const char *set[] = { p2, p1, p };
		const char *gap[] = { p2, p };
		const char *rev[] = { p, p1, p2 };

		vcheck_files(set, 3, NULL, 0, NULL, &vc);
		assert_string_equal(vc.said, "");
		assert_int_equal(vc.res.nchains, 1);
		vcheck_files(gap, 2, NULL, 0, NULL, &vc);
		assert_string_equal(vc.said, "missing@1 ");
		vcheck_files(rev, 3, NULL, 0, NULL, &vc);
		assert_true(vc.res.breaks >= 2);
		/* .1 cut inside its last line */
		assert_int_equal(truncate(p1, (off_t)(size_of_file(p1) - 10)), 0);
		vcheck_files(set, 3, NULL, 0, NULL, &vc);
		assert_int_equal(vc.res.breaks, 1);
		assert_non_null(strstr(vc.said, "~torn@5 missing@1 "));
	}
	/* The names sorted as logrotate makes them, whatever the order. */
	{
		char *names[] = { "a.log", "a.log.10.gz", "a.log.2.gz", "a.log.1" };
		char *other[] = { "x.log", "a.log.1" };
		char *same[] = { "b.log.1", "b.log.1.gz" };

		audit_files_order(names, 4);
		assert_string_equal(names[0], "a.log.10.gz");
		assert_string_equal(names[1], "a.log.2.gz");
		assert_string_equal(names[2], "a.log.1");
		assert_string_equal(names[3], "a.log");
		audit_files_order(other, 2);
		assert_string_equal(other[0], "x.log");
		audit_files_order(same, 2);
		assert_string_equal(same[0], "b.log.1");
	}
	unlink(p);
	unlink(p1);
	unlink(p2);
}

/* An anchor: reached, or not (lines removed from the end), or another
 * digest, or a chain not there; and the syntax. */
static void
test_anchors(void **state)
{
	char *p = path_of("an.jsonl"), anchor[AUDIT_ANCHOR_MAX];
	struct audit_verify *v;
	struct audit_event ev;
	struct audit *a;
	struct vcheck vc;
	struct lines ls;
	const char *pp = p;

	(void)state;
	unlink(p);
	assert_int_equal(audit_open(p, &a), 0);
	ev = ev_n(1);
	assert_int_equal(audit_write(a, &ev), 0);
	audit_close(a);
	load(p, &ls);
	snprintf(anchor, sizeof(anchor), "%.32s:1:%.64s", strstr(ls.l[1], "\"chain\":\"") + 9,
	    strstr(ls.l[1], "\"digest\":\"") + 10);
	vcheck_files(&pp, 1, NULL, 0, anchor, &vc);
	assert_string_equal(vc.said, "");
	free(ls.l[--ls.n]);
	free(ls.l[--ls.n]);
	store(p, &ls);
	vcheck_files(&pp, 1, NULL, 0, anchor, &vc);
	assert_string_equal(vc.said, "~open@1 anchor@1 ");
	vcheck_files(&pp, 1, NULL, 0,
	    "00000000000000000000000000000000:1:"
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    &vc);
	assert_string_equal(vc.said, "~open@1 anchor@0 ");
	assert_non_null(v = audit_verify_new(NULL, 0, NULL, NULL));
	assert_int_equal(audit_verify_anchor(v, "x"), -1);
	assert_int_equal(audit_verify_anchor(v, "00000000000000000000000000000000:x:00"), -1);
	assert_int_equal(audit_verify_anchor(v,
			     "0000000000000000000000000000000:1:"
			     "0000000000000000000000000000000000000000000000000000000000000000"),
	    -1);
	audit_verify_free(v);
	unlink(p);
}

/* audit_anchors(): CHAIN:SEQ:DIGEST of each sink's last line. */
static void
anchor_of(const char *name, const char *anchor, void *arg)
{
	(void)name;
	snprintf(arg, AUDIT_ANCHOR_MAX, "%s", anchor);
}

static void
test_anchors_given(void **state)
{
	char *p = path_of("ag.jsonl"), anchor[AUDIT_ANCHOR_MAX] = "", *last;
	struct audit_event ev = ev_n(2);
	struct audit *a;
	struct vcheck vc;
	size_t len;
	const char *pp = p;
	char *buf;

	(void)state;
	unlink(p);
	assert_int_equal(audit_open(p, &a), 0);
	assert_int_equal(audit_write(a, &ev), 0);
	assert_int_equal(audit_end(a), 0);
	audit_anchors(a, anchor_of, anchor);
	/* Nothing more after the end. */
	assert_int_equal(audit_write(a, &ev), -1);
	audit_close(a);
	buf = read_all(p, &len);
	last = line_of(buf, 2);
	assert_non_null(strstr(last, "\"event\":\"close\""));
	assert_non_null(strstr(last, anchor + AUDIT_CHAIN_ID_LEN + 3));
	assert_int_equal(strncmp(anchor + AUDIT_CHAIN_ID_LEN, ":2:", 3), 0);
	vcheck_files(&pp, 1, NULL, 0, anchor, &vc);
	assert_string_equal(vc.said, "");
	free(last);
	free(buf);
	unlink(p);
}

/* ---- the key file ---- */

static void
test_key_file(void **state)
{
	unsigned char key[AUDIT_KEY_MAX];
	char *p = path_of("key"), msg[512];
	size_t len;
	int fd;

	(void)state;
	unlink(p);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	assert_int_equal(write(fd, master, sizeof(master)), (ssize_t)sizeof(master));
	close(fd);
	assert_int_equal(audit_key_read(p, key, &len, msg, sizeof(msg)), 0);
	assert_int_equal(len, sizeof(master));
	assert_memory_equal(key, master, len);
	/* Readable, or writable, by others: refused, with how to fix it. */
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(audit_key_read(p, key, &len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "mode 0640 lets its group read it"));
	assert_non_null(strstr(msg, "chmod 600"));
	assert_int_equal(chmod(p, 0602), 0);
	assert_int_equal(audit_key_read(p, key, &len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "lets others write it"));
	assert_int_equal(chmod(p, 0600), 0);
	/* Too short. */
	assert_int_equal(truncate(p, AUDIT_KEY_MIN - 1), 0);
	assert_int_equal(audit_key_read(p, key, &len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "31 bytes; a key has 32 to 4096"));
	/* Another user's. */
	if (geteuid() == 0) {
		assert_int_equal(truncate(p, AUDIT_KEY_MIN), 0);
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(audit_key_read(p, key, &len, msg, sizeof(msg)), -1);
		assert_non_null(strstr(msg, "owned by uid 65534, not by the broker's user"));
	}
	/* Not a file. */
	assert_int_equal(audit_key_read(tmpdir, key, &len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "not a regular file"));
	unlink(p);
	assert_int_equal(audit_key_read(p, key, &len, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "No such file"));
	/* Loaded for the sinks, then forgotten. */
	audit_key_set(master, sizeof(master));
	assert_non_null(audit_key_master(&len));
	audit_key_forget();
	assert_null(audit_key_master(&len));
}

static int
setup(void **state)
{
	(void)state;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "test_audit_chain");
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_rewritten),
		cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_keyed_reopen),
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_rotation_set),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_anchors_given),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
