/*
 * audit_session.c: the session records (audit.h, docs/audit.md
 * "Sessions"): what a run or a daemon peer was, from its start to its
 * end.  The records are formatted by audit.c; what this file adds is what
 * the formats cannot know by themselves: a fresh id, the broker's own
 * view of who started what (its real ids, its folder, /proc), the digest
 * of the policy, and the clock.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "policy.h"
#include "sha256.h"

/* fopencookie() writer: every byte policy_print_own() writes is hashed. */
static ssize_t
hash_write(void *cookie, const char *p, size_t n)
{
	sha256_update(cookie, p, n);
	return (ssize_t)n;
}

int
audit_policy_sha256(const struct policy *p, char hex[65])
{
	static const cookie_io_functions_t io = { NULL, hash_write, NULL, NULL };
	unsigned char d[SHA256_LEN];
	struct sha256 c;
	FILE *f;
	int r;

	sha256_init(&c);
	if ((f = fopencookie(&c, "w", io)) == NULL)
		return -1;
	/* Not run's own rules (@tmp, @command): they name that run's folder
	 * and COMMAND, and the digest is the policy's, as `filebroker check
	 * --print` prints it. */
	r = policy_print_own(p, f);
	if (fclose(f) == EOF || r == -1)
		return -1;
	sha256_final(&c, d);
	sha256_hex(d, sizeof(d), hex);
	return 0;
}

/* The login uid of pid (the audit subsystem's auid), or -1 when it has
 * none (4294967295: never set) or it cannot be read. */
static int64_t
login_uid(pid_t pid)
{
	char path[64];
	unsigned long long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/loginuid", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	return ok && v < 4294967295ULL ? (int64_t)v : -1;
}

/*
 * Session ids are the first 64 bits of SHA-256(seed, n) for a seed of 256
 * random bits drawn once and a counter: unpredictable and unique, and
 * made without a system call, as the daemon makes them once confined
 * (confine.c does not let it call getrandom).  audit_open() draws the
 * seed, before the broker confines itself.
 */
static unsigned char id_seed[SHA256_LEN];
static int id_seeded;
static uint64_t id_next;
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;

int
audit_session_seed(void)
{
	size_t got = 0;
	ssize_t n;
	int r = 0;

	pthread_mutex_lock(&id_lock);
	while (!id_seeded && got < sizeof(id_seed)) {
		if ((n = getrandom(id_seed + got, sizeof(id_seed) - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		got += (size_t)n;
	}
	if (r == 0)
		id_seeded = 1;
	pthread_mutex_unlock(&id_lock);
	return r;
}

/* A fresh session id: 64 bits in hex. */
static int
new_id(char id[AUDIT_SESSION_ID_LEN + 1])
{
	unsigned char d[SHA256_LEN];
	struct sha256 c;
	uint64_t k;

	if (audit_session_seed() == -1)
		return -1;
	pthread_mutex_lock(&id_lock);
	k = id_next++;
	sha256_init(&c);
	sha256_update(&c, id_seed, sizeof(id_seed));
	pthread_mutex_unlock(&id_lock);
	sha256_update(&c, &k, sizeof(k));
	sha256_final(&c, d);
	sha256_hex(d, AUDIT_SESSION_ID_LEN / 2, id);
	explicit_bzero(d, sizeof(d));
	return 0;
}

/* A session record to every sink (audit_write_event()), and with
 * --audit-sync made durable as a request's record is. */
static int
write_note(struct audit *a, const char *line, size_t n, const char *event, const char *id,
    const char *message)
{
	struct audit_note note = { event, id, message };

	if (audit_write_event(a, line, n, &note) == -1)
		return -1;
	return audit_sync(a);
}

/* policy_foreach_file(): the first file is the top-level one. */
static int
first_file(const char *name, void *arg)
{
	*(const char **)arg = name;
	return 1;
}

int
audit_session_start(struct audit *a, const struct audit_session *given, struct audit_sess **out)
{
	struct audit_session info = *given;
	char cwd[PATH_MAX], exe[PATH_MAX], digest[65], msg[160], *line;
	struct audit_sess *s;
	struct timespec now;
	ssize_t n;
	int r;

	*out = NULL;
	if (a == NULL)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if (new_id(s->id) == -1) {
		free(s);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->mono);
	clock_gettime(CLOCK_REALTIME, &now);
	*out = s;
	/* The policy by its absolute path, as its rules are named (the
	 * built-in default policy has none). */
	if (info.p != NULL && info.policy != NULL)
		policy_foreach_file(info.p, first_file, &info.policy);
	if (info.local) {
		/* The broker started the worker: who asked for it, from where,
		 * and what the kernel says runs (a script shows its
		 * interpreter: a hint, as everything /proc says). */
		info.invoker_uid = getuid();
		info.invoker_gid = getgid();
		info.auid = login_uid(getpid());
		if (info.cwd == NULL && getcwd(cwd, sizeof(cwd)) != NULL)
			info.cwd = cwd;
		if (info.command == NULL && info.pid > 0) {
			snprintf(msg, sizeof(msg), "/proc/%ld/exe", (long)info.pid);
			if ((n = readlink(msg, exe, sizeof(exe) - 1)) > 0) {
				exe[n] = '\0';
				info.command = exe;
			}
		}
		if (info.policy_sha256 == NULL && info.p != NULL &&
		    audit_policy_sha256(info.p, digest) == 0)
			info.policy_sha256 = digest;
	}
	if ((line = malloc(AUDIT_RECORD_MAX)) == NULL)
		return -1;
	if ((n = audit_format_session_start(s, &info, &now, getpid(), line, AUDIT_RECORD_MAX)) <
	    0) {
		free(line);
		return -1;
	}
	snprintf(msg, sizeof(msg), "session %s started: %s mode, pid %ld, uid %lu", s->id,
	    info.mode != NULL ? info.mode : "?", (long)info.pid, (unsigned long)info.uid);
	r = write_note(a, line, (size_t)n, "session-start", s->id, msg);
	free(line);
	return r;
}

int
audit_session_end(struct audit *a, struct audit_sess *s, const int *wstatus)
{
	struct timespec now, mono;
	char msg[160], line[1024];
	ssize_t n;
	int r = 0;

	if (s == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	n = audit_format_session_end(s, wstatus,
	    (uint64_t)(mono.tv_sec - s->mono.tv_sec) * 1000000000u +
		(uint64_t)(mono.tv_nsec - s->mono.tv_nsec),
	    &now, getpid(), line, sizeof(line));
	if (n < 0)
		r = -1;
	else if (a != NULL) {
		snprintf(msg, sizeof(msg),
		    "session %s ended: %llu allowed, %llu denied, %llu failed", s->id,
		    (unsigned long long)s->n[0], (unsigned long long)(s->n[1] + s->n[2]),
		    (unsigned long long)s->n[3]);
		r = write_note(a, line, (size_t)n, "session-end", s->id, msg);
	}
	free(s);
	return r;
}
