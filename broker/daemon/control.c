/*
 * control.c: the daemon's side of the control socket (see control.h):
 * who may ask, the report for people and as JSON, and sending it without
 * ever waiting for the client.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "filebroker.h" /* FB_VERSION */
#include "log.h"
#include "out.h"

/* What the daemon allows a report to grow to before it stops listing
 * peers; whatever it sends, the client takes up to CONTROL_MSG_MAX. */
#define CONTROL_LIST_BUDGET (64 * 1024)

/* "2026-11-25T14:03:07Z" */
static const char *
utc(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)ts->tv_sec);
	return buf;
}

/* Has f reached max bytes?  Then no more peers are listed. */
static int
over_budget(FILE *f, size_t max)
{
	long pos;

	fflush(f);
	pos = ftell(f);
	return pos >= 0 && (size_t)pos >= max;
}

void
control_format_text(FILE *f, const struct control_status *cs, size_t max)
{
	const struct control_peer *p;
	char t1[32], t2[32];
	size_t i;

	fprintf(f, "filebroker serve %s, pid %ld, up since %s\n", FB_VERSION, (long)cs->pid,
	    utc(&cs->started, t1, sizeof(t1)));
	fputs("policy:   ", f);
	out_text(f, cs->policy);
	fprintf(f, ", loaded %s (%zu rule%s, %zu profile%s)", utc(&cs->loaded, t1, sizeof(t1)),
	    cs->nrules, cs->nrules == 1 ? "" : "s", cs->nprofiles, cs->nprofiles == 1 ? "" : "s");
	if (cs->reload_failures > 0)
		fprintf(f, "; %llu reload%s failed", cs->reload_failures,
		    cs->reload_failures == 1 ? "" : "s");
	fputs("\naudit:    ", f);
	if (cs->naudit == 0)
		fputs("denials on stderr", f);
	for (i = 0; i < cs->naudit; i++) {
		if (i > 0)
			fputs(", ", f);
		out_text(f, cs->audit[i]);
	}
	if (cs->audit_failed != NULL) {
		fputs(" (FAILING: ", f);
		out_text(f, cs->audit_failed);
		fputs(", every request is denied)", f);
	}
	fprintf(f, "\npeers:    %zu connected (at most %u, %u per user), %u connections\n",
	    cs->npeers, cs->max_peers, cs->max_per_user, cs->nconns);
	fprintf(f, "limits:   per peer %u connections, ", cs->max_conns);
	if (cs->max_rate != 0)
		fprintf(f, "%u requests a second (burst %u), ", cs->max_rate, cs->max_burst);
	else
		fputs("no request rate, ", f);
	fprintf(f, "%u replies in flight; %u serving thread%s\n", cs->max_inflight, cs->threads,
	    cs->threads == 1 ? "" : "s");
	fprintf(f,
	    "totals:   %llu peers served, %llu refused; %llu requests, %llu denied; "
	    "%llu protocol violations; %llu status requests refused\n",
	    cs->accepted, cs->refused, cs->nrequests, cs->ndenied, cs->nviolations,
	    cs->control_refused);
	if (cs->npeers == 0)
		return;
	fprintf(f, "\n%-6s %-10s %-10s %-10s %5s %10s %8s %8s %9s  %-20s  %s\n", "PEER", "UID",
	    "GID", "PID", "CONNS", "REQUESTS", "DENIED", "LIMITED", "THROTTLED", "CONNECTED",
	    "PROFILE");
	for (i = 0; i < cs->npeers; i++) {
		if (over_budget(f, max)) {
			fprintf(f, "and %zu more peers\n", cs->npeers - i);
			break;
		}
		p = &cs->peers[i];
		fprintf(f, "%-6lu %-10lu %-10lu %-10ld %5u %10llu %8llu %8llu %9llu  %-20s  ",
		    p->id, (unsigned long)p->uid, (unsigned long)p->gid, (long)p->pid, p->nconns,
		    (unsigned long long)p->nrequests, (unsigned long long)p->ndenied,
		    (unsigned long long)p->nlimited, (unsigned long long)p->nthrottled,
		    utc(&p->since, t2, sizeof(t2)));
		out_text(f, p->profile);
		fputc('\n', f);
	}
}

void
control_format_json(FILE *f, const struct control_status *cs, size_t max)
{
	const struct control_peer *p;
	char t[32];
	size_t i;

	fputs("{\"version\":", f);
	out_json(f, FB_VERSION);
	fprintf(f, ",\"pid\":%ld,\"started\":\"%s\",\"policy\":{\"file\":", (long)cs->pid,
	    utc(&cs->started, t, sizeof(t)));
	out_json(f, cs->policy);
	fprintf(f, ",\"loaded\":\"%s\",\"rules\":%zu,\"profiles\":%zu,\"reload_failures\":%llu},",
	    utc(&cs->loaded, t, sizeof(t)), cs->nrules, cs->nprofiles, cs->reload_failures);
	fputs("\"audit\":[", f);
	for (i = 0; i < cs->naudit; i++) {
		if (i > 0)
			fputc(',', f);
		out_json(f, cs->audit[i]);
	}
	fputs("],\"audit_failed\":", f);
	if (cs->audit_failed != NULL)
		out_json(f, cs->audit_failed);
	else
		fputs("null", f);
	fprintf(f,
	    ",\"limits\":{\"max_peers\":%u,\"max_peers_per_user\":%u,"
	    "\"max_connections_per_peer\":%u,\"max_rate\":%u,\"max_burst\":%u,"
	    "\"max_inflight\":%u,\"threads\":%u}",
	    cs->max_peers, cs->max_per_user, cs->max_conns, cs->max_rate, cs->max_burst,
	    cs->max_inflight, cs->threads);
	fprintf(f,
	    ",\"totals\":{\"peers\":%zu,\"connections\":%u,\"accepted\":%llu,"
	    "\"refused\":%llu,\"requests\":%llu,\"denied\":%llu,\"violations\":%llu,"
	    "\"status_refused\":%llu}",
	    cs->npeers, cs->nconns, cs->accepted, cs->refused, cs->nrequests, cs->ndenied,
	    cs->nviolations, cs->control_refused);
	fputs(",\"peers\":[", f);
	for (i = 0; i < cs->npeers && !over_budget(f, max); i++) {
		p = &cs->peers[i];
		fprintf(f, "%s{\"id\":%lu,\"uid\":%lu,\"gid\":%lu,\"pid\":%ld,\"profile\":",
		    i > 0 ? "," : "", p->id, (unsigned long)p->uid, (unsigned long)p->gid,
		    (long)p->pid);
		out_json(f, p->profile);
		fprintf(f,
		    ",\"connections\":%u,\"requests\":%llu,\"denied\":%llu,"
		    "\"rate_limited\":%llu,\"throttled\":%llu,\"since\":\"%s\"}",
		    p->nconns, (unsigned long long)p->nrequests, (unsigned long long)p->ndenied,
		    (unsigned long long)p->nlimited, (unsigned long long)p->nthrottled,
		    utc(&p->since, t, sizeof(t)));
	}
	fprintf(f, "],\"peers_omitted\":%zu}\n", cs->npeers - i);
}

/* One message, or -1 with errno; never waits. */
static int
send_msg(int fd, const char *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	return (size_t)n == len ? 0 : (errno = EIO, -1);
}

int
control_check(int fd)
{
	static const char refusal[] = CONTROL_HEADER "error\n"
						     "only root may ask for the daemon's status\n";
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 || len != sizeof(cr)) {
		log_warn("status: refused a client: SO_PEERCRED");
		return -1;
	}
	if (cr.uid != 0) {
		log_warnx("status: refused uid=%lu gid=%lu pid=%ld: only root may ask",
		    (unsigned long)cr.uid, (unsigned long)cr.gid, (long)cr.pid);
		/* Telling it why is only a courtesy: it is not waited for. */
		send_msg(fd, refusal, sizeof(refusal) - 1);
		errno = EPERM;
		return -1;
	}
	log_debug("status: for pid %ld", (long)cr.pid);
	return 0;
}

/* The message: header, then the report in one of the two forms. */
static char *
render(const struct control_status *cs, int json, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL)
		return NULL;
	fputs(CONTROL_HEADER, f);
	fputs(json ? "json\n" : "text\n", f);
	if (json)
		control_format_json(f, cs, CONTROL_LIST_BUDGET);
	else
		control_format_text(f, cs, CONTROL_LIST_BUDGET);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (fclose(f) == EOF) {
		free(buf);
		return NULL;
	}
	return buf;
}

void
control_send(int fd, const struct control_status *cs)
{
	char *text, *json = NULL;
	size_t ntext = 0, njson = 0;
	int room;

	if ((text = render(cs, 0, &ntext)) == NULL || (json = render(cs, 1, &njson)) == NULL) {
		log_warn("status: building the report");
		free(text);
		return;
	}
	/*
	 * Both messages must fit in the socket's send buffer at once, since
	 * the client is not waited for.  The default (about 200 KiB) holds
	 * the budget; a report beyond it asks for more (root may exceed
	 * wmem_max), and a send that still does not fit fails, logged.
	 */
	room = ntext + njson < INT_MAX / 4 ? (int)(2 * (ntext + njson) + 4096) : INT_MAX;
	if (ntext + njson > 64 * 1024 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &room, sizeof(room)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &room, sizeof(room));
	if (send_msg(fd, text, ntext) == -1 || send_msg(fd, json, njson) == -1) {
		if (errno == EPIPE || errno == ECONNRESET)
			log_debug("status: the client went away");
		else
			log_warn("status: a report of %zu bytes not sent", ntext + njson);
	}
	free(text);
	free(json);
}

/* A default too long for a socket is skipped, not fatal: the daemon ran
 * without a control socket before there was one.  An explicit --control
 * that is too long stops it, in sockfile_create(). */
char *
control_path(const char *opt, const char *sock, int activated_fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	char *p;

	if (opt != NULL && strcmp(opt, "none") == 0)
		return NULL;
	if (opt != NULL) {
		if ((p = strdup(opt)) == NULL)
			fatal("serve: control socket path");
		return p;
	}
	if (sock == NULL) {
		/* Socket activation: the path systemd bound, if it has one. */
		memset(&sun, 0, sizeof(sun));
		if (activated_fd == -1 ||
		    getsockname(activated_fd, (struct sockaddr *)&sun, &len) == -1 ||
		    len <= offsetof(struct sockaddr_un, sun_path) || sun.sun_path[0] != '/')
			return NULL;
		sun.sun_path[sizeof(sun.sun_path) - 1] = '\0';
		sock = sun.sun_path;
	}
	if (asprintf(&p, "%s%s", sock, CONTROL_SUFFIX) == -1)
		fatal("serve: control socket path");
	if (strlen(p) >= sizeof(sun.sun_path)) {
		log_warnx("serve: no control socket: %s is too long for a socket; name one with "
			  "--control",
		    p);
		free(p);
		return NULL;
	}
	return p;
}
