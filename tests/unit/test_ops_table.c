/*
 * test_ops_table.c: the operation table (broker/core/ops_table.c) is the one
 * source of truth about each operation; what it says is checked here
 * against the places that must agree with it, so that a row added in one
 * place and not the other fails:
 *
 *	the worker's seccomp filter (client/seccomp_filter.c) sends the
 *	broker exactly the system calls the rows list as notified;
 *
 *	the notification decoder (broker/transparent/notify_call.c, call_decode()) maps
 *	each of them to its row's operation, and every other system call
 *	to ENOSYS;
 *
 *	the broker's allowlist (broker/core/confine.c) allows every call a row
 *	needs, in each mode whose front end sends the operation;
 *
 *	the wire's types map to their rows and back, and a wire message of
 *	each carries as many paths as the row names (proto.c's layout).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cmocka.h>

#include "confine.h"
#include "notify_call.h"
#include "ops_table.h"
#include "policy.h"
#include "proto.h"
#include "seccomp_filter.h"

/* Calls a second-level check in each name of a space-separated list. */
static void
each_name(const char *list, void (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	const char *p = list, *e;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if (e > p)
			fn(p, (size_t)(e - p), arg);
		p = e;
	}
}

/* Is name (len bytes) in the list? */
static int
listed(const char *list, const char *name, size_t len)
{
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' ') &&
		    strncmp(p, name, len) == 0)
			return 1;
		p += 1;
	}
	return 0;
}

/* The row that lists the notified system call name, or OP_COUNT. */
static enum op
row_of_notified(const char *name, size_t len)
{
	enum op op, found = OP_COUNT;

	for (op = 0; op < OP_COUNT; op++) {
		if (!listed(ops_defs[op].notified, name, len))
			continue;
		if (found != OP_COUNT)
			fail_msg("%.*s is notified by two rows: %s and %s", (int)len, name,
			    ops_defs[found].name, ops_defs[op].name);
		found = op;
	}
	return found;
}

static void
test_rows_complete(void **state)
{
	enum op op, o2;

	(void)state;
	for (op = 0; op < OP_COUNT; op++) {
		const struct op_def *d = &ops_defs[op];

		assert_non_null(d->name);
		if (d->handler == NULL)
			fail_msg("row %d (%s) has no handler", (int)op, d->name);
		assert_true(d->paths <= 2);
		if (d->fronts == 0 || (d->fronts & ~(FRONT_WIRE | FRONT_NOTIFY)) != 0)
			fail_msg("%s: fronts 0x%x", d->name, d->fronts);
		assert_non_null(d->notified);
		assert_non_null(d->needs);
		/* Transparent mode sends what the filter notifies, nothing else. */
		if ((d->fronts & FRONT_NOTIFY) && d->notified[0] == '\0')
			fail_msg("%s is sent by transparent mode but no system call is notified",
			    d->name);
		if (!(d->fronts & FRONT_NOTIFY) && d->notified[0] != '\0')
			fail_msg("%s lists notified calls but transparent mode may not send it",
			    d->name);
		if (d->wire != 0) {
			assert_true(d->fronts & FRONT_WIRE);
			assert_int_equal(ops_of_wire(d->wire), op);
		} else if (d->fronts & FRONT_WIRE)
			fail_msg("%s: sent over the wire, but with no wire type", d->name);
		for (o2 = 0; o2 < op; o2++)
			if (strcmp(ops_defs[o2].name, d->name) == 0)
				fail_msg("two rows are called %s", d->name);
		/* What writes, makes or removes is written ahead, and is
		 * recorded (docs/audit.md, "Write-ahead"); open decides its
		 * access from its flags, and writes ahead a create or O_TRUNC. */
		if ((d->access & (POLICY_WRITE | POLICY_CREATE | POLICY_DELETE)) != 0 &&
		    (d->record & (REC_ON | REC_AHEAD)) != (REC_ON | REC_AHEAD))
			fail_msg("%s changes the file system but is not written ahead", d->name);
		if ((d->record & REC_AHEAD) && d->access == 0 && op != OP_OPEN)
			fail_msg("%s is written ahead but changes nothing", d->name);
	}
	assert_true(ops_defs[OP_OPEN].record & REC_AHEAD);
	assert_int_equal(ops_of_wire(FB_MSG_OPENV), OP_COUNT);
	assert_int_equal(ops_of_wire(FB_MSG_LISTENER), OP_COUNT);
	assert_int_equal(ops_of_wire(0), OP_COUNT);
	assert_int_equal(ops_of_wire(0xffff), OP_COUNT);
}

static void
filter_notifies(const char *name, size_t len, void *arg)
{
	size_t i;
	const char *n;

	(void)arg;
	for (i = 0; (n = seccomp_filter_notified(i)) != NULL; i++)
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return;
	fail_msg("the table notifies %.*s, the worker's filter does not", (int)len, name);
}

/* The worker's filter notifies exactly what the rows list. */
static void
test_filter_agrees(void **state)
{
	const char *n;
	enum op op;
	size_t i;

	(void)state;
	for (i = 0; (n = seccomp_filter_notified(i)) != NULL; i++)
		if (row_of_notified(n, strlen(n)) == OP_COUNT)
			fail_msg("the worker's filter notifies %s, which no row of the operation "
				 "table lists",
			    n);
	for (op = 0; op < OP_COUNT; op++)
		each_name(ops_defs[op].notified, filter_notifies, NULL);
}

/* A notification of system call nr whose arguments are well formed: 1
 * everywhere, but the flags the decoder checks, which are 0, and
 * openat2's struct open_how, which is read from this very process. */
static void
notification(struct seccomp_notif *n, int nr)
{
	static struct open_how how;
	const char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	int i, zero = -1;

	memset(n, 0, sizeof(*n));
	n->id = 1;
	n->pid = (uint32_t)getpid();
	n->data.nr = nr;
	n->data.arch = AUDIT_ARCH_X86_64;
	for (i = 0; i < 6; i++)
		n->data.args[i] = 1;
	if (name != NULL) {
		if (strcmp(name, "newfstatat") == 0 || strcmp(name, "faccessat2") == 0 ||
		    strcmp(name, "utimensat") == 0)
			zero = 3;
		else if (strcmp(name, "unlinkat") == 0)
			zero = 2;
		else if (strcmp(name, "linkat") == 0)
			zero = 4;
		else if (strcmp(name, "openat2") == 0) {
			memset(&how, 0, sizeof(how));
			n->data.args[2] = (uint64_t)(uintptr_t)&how;
			n->data.args[3] = sizeof(how);
		}
		free((void *)name);
	}
	if (zero >= 0)
		n->data.args[zero] = 0;
}

static void
decodes_to_row(const char *name, size_t len, void *arg)
{
	const enum op *op = arg;
	struct seccomp_notif n;
	struct call c;
	char buf[64];
	int nr, e;

	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	if ((nr = seccomp_syscall_resolve_name(buf)) == __NR_SCMP_ERROR)
		fail_msg("%s: a system call libseccomp does not know", buf);
	notification(&n, nr);
	if ((e = call_decode(&n, &c)) != 0)
		fail_msg("call_decode(%s): %s, not a call of %s", buf, strerror(e),
		    ops_defs[*op].name);
	if (c.op != *op)
		fail_msg("call_decode(%s) is %s, the table says %s", buf, ops_defs[c.op].name,
		    ops_defs[*op].name);
}

/* The decoder maps every notified call to its row, and nothing else. */
static void
test_decoder_agrees(void **state)
{
	struct seccomp_notif n;
	struct call c;
	const char *name;
	enum op op;
	int nr, e;

	(void)state;
	for (op = 0; op < OP_COUNT; op++)
		each_name(ops_defs[op].notified, decodes_to_row, &op);
	for (nr = 0; nr < 512; nr++) {
		if ((name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr)) == NULL)
			continue;
		notification(&n, nr);
		e = call_decode(&n, &c);
		if (row_of_notified(name, strlen(name)) == OP_COUNT && e != ENOSYS)
			fail_msg("call_decode(%s) = %d: a call no row lists is decoded", name, e);
		free((void *)name);
	}
}

struct mode_check {
	const struct confine_opts *o;
	const char *mode;
	const char *op;
};

static void
confine_has(const char *name, size_t len, void *arg)
{
	const struct mode_check *m = arg;
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	/* Only a broker that gives what it makes away chowns. */
	if (!m->o->chown_new && strcmp(buf, "fchownat") == 0)
		return;
	if (!confine_allows(m->o, buf))
		fail_msg("%s needs %s, which the broker's allowlist (%s) does not allow", m->op,
		    buf, m->mode);
}

/* The broker's allowlist has every call a row needs, in each mode that
 * serves it, as root (giving files to the worker) and not. */
static void
confine_agrees(int root)
{
	struct confine_opts expl = { 0 }, transp = { 0 }, daemon = { 0 };
	struct mode_check m;
	enum op op;

	expl.chown_new = transp.chown_new = daemon.chown_new = root;
	transp.transparent = 1;
	daemon.daemon = 1;
	for (op = 0; op < OP_COUNT; op++) {
		m.op = ops_defs[op].name;
		if (ops_defs[op].fronts & FRONT_WIRE) {
			m.o = &expl, m.mode = root ? "run --explicit, as root" : "run --explicit";
			each_name(ops_defs[op].needs, confine_has, &m);
		}
		m.o = &transp, m.mode = root ? "run, transparent, as root" : "run, transparent";
		each_name(ops_defs[op].needs, confine_has, &m);
		m.o = &daemon, m.mode = root ? "serve, as root" : "serve";
		each_name(ops_defs[op].needs, confine_has, &m);
	}
}

static void
test_confine_agrees(void **state)
{
	(void)state;
	confine_agrees(0);
	confine_agrees(1);
}

/* The wire layout (client/proto.c) carries the paths the row names. */
static void
test_wire_agrees(void **state)
{
	static struct fb_request in, out;
	static uint8_t buf[FB_REQUEST_MAX];
	const char *why;
	ssize_t n;
	enum op op;

	(void)state;
	for (op = 0; op < OP_COUNT; op++) {
		if (ops_defs[op].wire == 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.type = ops_defs[op].wire;
		strcpy(in.path, "/a");
		strcpy(in.path2, "/b");
		assert_true((n = proto_encode_request(&in, buf, sizeof(buf))) > 0);
		assert_int_equal(proto_decode_request(buf, (size_t)n, &out, &why), 0);
		/* A symlink's second string is its target, not a path the
		 * broker resolves. */
		if ((out.path[0] != '\0') + (out.path2[0] != '\0') !=
		    ops_defs[op].paths + (op == OP_SYMLINK))
			fail_msg("%s: the wire carries %d paths, the row names %d",
			    ops_defs[op].name, (out.path[0] != '\0') + (out.path2[0] != '\0'),
			    ops_defs[op].paths);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_filter_agrees),
		cmocka_unit_test(test_decoder_agrees),
		cmocka_unit_test(test_confine_agrees),
		cmocka_unit_test(test_wire_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
