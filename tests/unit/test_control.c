/*
 * test_control.c: the status report of the control socket
 * (broker/daemon/control.c): both forms carry the same facts, strings from outside
 * are escaped (a policy path cannot fake a line or break the JSON), and a
 * report with more peers than its budget counts the ones it leaves out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"
#include "filebroker.h"

static const char *const dests[] = { "/var/log/fb.jsonl", "journal" };

/* clang-format off */
static struct control_peer peers[3] = {
	{ .id = 1, .uid = 1, .gid = 1, .pid = 4242, .profile = "/etc/fb/serve.policy:5",
	    .nconns = 2, .nrequests = 10, .ndenied = 2, .nlimited = 3, .nthrottled = 1,
	    .since = { 1795615387, 0 } },
	{ .id = 7, .uid = 65534, .gid = 50, .pid = 4343, .profile = "/etc/fb/serve.policy:8",
	    .nconns = 1, .nrequests = 0, .ndenied = 0, .since = { 1795615400, 0 } },
	{ .id = 9, .uid = 33, .gid = 33, .pid = 4444, .profile = "/etc/fb/serve.policy:8",
	    .nconns = 1, .nrequests = 5, .ndenied = 0, .since = { 1795615500, 0 } },
};
/* clang-format on */

static struct control_status
status(void)
{
	struct control_status cs = {
		.pid = 99,
		.started = { 1795615000, 0 },
		.policy = "/etc/fb/serve.policy",
		.loaded = { 1795615300, 0 },
		.nrules = 26,
		.nprofiles = 2,
		.reload_failures = 1,
		.audit = dests,
		.naudit = 2,
		.max_peers = 256,
		.max_per_user = 32,
		.max_conns = 64,
		.max_rate = 500,
		.max_burst = 1000,
		.max_inflight = 16,
		.threads = 4,
		.nconns = 4,
		.accepted = 12,
		.refused = 1,
		.nrequests = 345,
		.ndenied = 12,
		.nviolations = 3,
		.control_refused = 2,
		.peers = peers,
		.npeers = 3,
	};
	return cs;
}

/* The formatter's output, NUL-terminated (static). */
static const char *
render(const struct control_status *cs, int json, size_t max)
{
	static char *buf;
	size_t len;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (json)
		control_format_json(f, cs, max);
	else
		control_format_text(f, cs, max);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_text(void **state)
{
	struct control_status cs = status();
	const char *t;

	(void)state;
	t = render(&cs, 0, 65536);
	assert_non_null(strstr(t,
	    "filebroker serve " FB_VERSION ", pid 99, up since "
	    "2026-11-25T13:56:40Z\n"));
	assert_non_null(strstr(t,
	    "\npolicy:   /etc/fb/serve.policy, loaded 2026-11-25T14:01:40Z "
	    "(26 rules, 2 profiles); 1 reload failed\n"));
	cs.nrules = 1;
	cs.nprofiles = 1;
	t = render(&cs, 0, 65536);
	assert_non_null(strstr(t, ", loaded 2026-11-25T14:01:40Z (1 rule, 1 profile); "));
	cs.nrules = 26;
	cs.nprofiles = 2;
	t = render(&cs, 0, 65536);
	assert_non_null(strstr(t, "\naudit:    /var/log/fb.jsonl, journal\n"));
	assert_non_null(strstr(t,
	    "\npeers:    3 connected (at most 256, 32 per user), 4 "
	    "connections\n"));
	assert_non_null(strstr(t,
	    "345 requests, 12 denied; 3 protocol violations; 2 status "
	    "requests refused\n"));
	assert_non_null(strstr(t,
	    "\nlimits:   per peer 64 connections, 500 requests a second "
	    "(burst 1000), 16 replies in flight; 4 serving threads\n"));
	assert_non_null(strstr(t,
	    "\n1      1          1          4242           2         10        "
	    "2        3         1  2026-11-25T14:03:07Z  "
	    "/etc/fb/serve.policy:5\n"));
	assert_non_null(strstr(t, "\n9      33 "));
	assert_null(strstr(t, "more peers"));

	cs.npeers = 0;
	cs.naudit = 0;
	cs.audit_failed = NULL;
	t = render(&cs, 0, 65536);
	assert_non_null(strstr(t, "\naudit:    denials on stderr\n"));
	cs.max_rate = 0;
	cs.threads = 1;
	t = render(&cs, 0, 65536);
	assert_non_null(strstr(t,
	    "\nlimits:   per peer 64 connections, no request rate, 16 "
	    "replies in flight; 1 serving thread\n"));
	assert_null(strstr(t, "PEER"));
}

static void
test_json(void **state)
{
	struct control_status cs = status();
	const char *t;

	(void)state;
	cs.audit_failed = "journal";
	t = render(&cs, 1, 65536);
	assert_non_null(strstr(t,
	    "{\"version\":\"" FB_VERSION "\",\"pid\":99,\"started\":"
	    "\"2026-11-25T13:56:40Z\",\"policy\":{\"file\":"
	    "\"/etc/fb/serve.policy\",\"loaded\":\"2026-11-25T14:01:40Z\","
	    "\"rules\":26,\"profiles\":2,\"reload_failures\":1},"));
	assert_non_null(strstr(t,
	    "\"audit\":[\"/var/log/fb.jsonl\",\"journal\"],"
	    "\"audit_failed\":\"journal\","));
	assert_non_null(strstr(t,
	    "\"totals\":{\"peers\":3,\"connections\":4,\"accepted\":12,"
	    "\"refused\":1,\"requests\":345,\"denied\":12,\"violations\":3,"
	    "\"status_refused\":2}"));
	assert_non_null(strstr(t,
	    "\"limits\":{\"max_peers\":256,\"max_peers_per_user\":32,"
	    "\"max_connections_per_peer\":64,\"max_rate\":500,"
	    "\"max_burst\":1000,\"max_inflight\":16,\"threads\":4}"));
	assert_non_null(strstr(t,
	    "\"peers\":[{\"id\":1,\"uid\":1,\"gid\":1,\"pid\":4242,"
	    "\"profile\":\"/etc/fb/serve.policy:5\",\"connections\":2,"
	    "\"requests\":10,\"denied\":2,\"rate_limited\":3,\"throttled\":1,"
	    "\"since\":\"2026-11-25T14:03:07Z\"},"
	    "{\"id\":7,"));
	assert_non_null(strstr(t, "],\"peers_omitted\":0}\n"));
	assert_int_equal(strchr(t, '\n') - t, (long)strlen(t) - 1); /* one line */
}

/* A policy path is the administrator's, but any byte: escaped both ways. */
static void
test_escaping(void **state)
{
	struct control_status cs = status();
	const char *t;

	(void)state;
	cs.policy = "/etc/\"x\"\n\x1b[2Jpeers:    0 connected";
	t = render(&cs, 0, 65536);
	assert_non_null(
	    strstr(t, "policy:   /etc/\"x\"\\x0a\\x1b[2Jpeers:    0 connected, loaded"));
	assert_null(strstr(t, "\npeers:    0"));
	t = render(&cs, 1, 65536);
	assert_non_null(strstr(t,
	    "\"file\":\"/etc/\\\"x\\\"\\n\\u001b[2Jpeers:    0 "
	    "connected\""));
}

static void
test_budget(void **state)
{
	struct control_status cs = status();
	const char *t;

	(void)state;
	/* A budget the header alone exceeds: no peer listed, all counted. */
	t = render(&cs, 0, 10);
	assert_non_null(strstr(t, "PEER"));
	assert_non_null(strstr(t, "\nand 3 more peers\n"));
	assert_non_null(strstr(t, "peers:    3 connected"));
	t = render(&cs, 1, 10);
	assert_non_null(strstr(t, "\"peers\":[],\"peers_omitted\":3}\n"));
	/* Room for some. */
	t = render(&cs, 1, strlen(render(&cs, 1, 10)) + 20);
	assert_non_null(strstr(t, "\"peers_omitted\":2}"));
}

/* One message from fd (static buffer), its length, or -1. */
static ssize_t
message(int fd, char **out)
{
	static char *buf;
	ssize_t n;
	char c;

	free(buf);
	buf = NULL;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n <= 0)
		return n;
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(recv(fd, buf, (size_t)n, MSG_DONTWAIT), n);
	buf[n] = '\0';
	*out = buf;
	return n;
}

/* A report of many peers still goes out whole, both messages queued at
 * once without the daemon waiting, and the peers it leaves out counted. */
static void
test_send(void **state)
{
	struct control_status cs = status();
	struct control_peer *v;
	char profile[300], *m;
	size_t i;
	int sv[2];

	(void)state;
	memset(profile, 'p', sizeof(profile) - 1);
	profile[sizeof(profile) - 1] = '\0';
	assert_non_null(v = calloc(5000, sizeof(*v)));
	for (i = 0; i < 5000; i++) {
		v[i] = peers[0];
		v[i].id = i + 1;
		v[i].profile = profile;
	}
	cs.peers = v;
	cs.npeers = 5000;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	control_send(sv[0], &cs);
	close(sv[0]);
	assert_true(message(sv[1], &m) > 64 * 1024);
	assert_memory_equal(m, CONTROL_HEADER "text\n", strlen(CONTROL_HEADER) + 5);
	assert_non_null(strstr(m, "peers:    5000 connected"));
	assert_non_null(strstr(m, " more peers\n"));
	assert_true(message(sv[1], &m) > 64 * 1024);
	assert_memory_equal(m, CONTROL_HEADER "json\n", strlen(CONTROL_HEADER) + 5);
	assert_null(strstr(m, "\"peers_omitted\":0}"));
	assert_int_equal(message(sv[1], &m), 0);
	close(sv[1]);
	free(v);

	/* The check on a socket pair: its peer is this process. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(control_check(sv[0]), geteuid() == 0 ? 0 : -1);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_send),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
