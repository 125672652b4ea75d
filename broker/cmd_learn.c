/*
 * cmd_learn.c: `filebroker learn`, a policy from what a program used.
 *
 * It reads audit records, from files or from running COMMAND itself under
 * `filebroker run --complain` (the same binary, the same code path: what
 * learn sees is what run decides), and prints a policy that allows every
 * (canonical path, access) the records show as used and nothing more:
 * allowed and would-deny requests.  Requests an enforcing broker denied, and
 * requests that failed before any decision, were never used and are left
 * out.  Paths a base policy (or, without one, @runtime) already allows are
 * left to it.
 *
 * --generalize folds files into wildcards: at least --min N files with the
 * same access in one folder become "DIR/ *" (without the space), and a
 * folder two of whose sub-folders were folded becomes "DIR/ **"; never at
 * or above a sensitive
 * root (/, /etc, /home, ... and --sensitive), so that a learned policy never
 * grants all of /etc because a program read three files there.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit_files.h"
#include "audit_read.h"
#include "cmds.h"
#include "log.h"
#include "policy.h"

#define LEARN_SENSITIVE_MAX 64
#define LEARN_FROM_MAX 64

enum kind { LITERAL, STAR, GLOBSTAR };

struct entry {
	char *path; /* LITERAL: the path; STAR, GLOBSTAR: the folder */
	unsigned access;
	enum kind kind;
	uint64_t uses;
	uint64_t paths; /* literal paths folded in */
	int dead;
};

struct learn {
	struct entry *v;
	size_t n, cap;
	/* a hash of literal paths, for merging accesses */
	size_t *slots, nslots;
	const char *sensitive[LEARN_SENSITIVE_MAX];
	size_t nsensitive;
	uint64_t used, denied, errors;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void
grow_slots(struct learn *l)
{
	size_t i, s, n = l->nslots ? l->nslots * 2 : 1024;

	free(l->slots);
	if ((l->slots = calloc(n, sizeof(*l->slots))) == NULL)
		fatal("learn: memory");
	l->nslots = n;
	for (i = 0; i < l->n; i++) {
		s = hash(l->v[i].path) & (n - 1);
		while (l->slots[s] != 0)
			s = (s + 1) & (n - 1);
		l->slots[s] = i + 1;
	}
}

static struct entry *
add_entry(struct learn *l, const char *path, unsigned access, enum kind kind, uint64_t uses)
{
	struct entry *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		if ((l->v = realloc(l->v, l->cap * sizeof(*l->v))) == NULL)
			fatal("learn: memory");
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	if ((e->path = strdup(path)) == NULL)
		fatal("learn: memory");
	e->access = access;
	e->kind = kind;
	e->uses = uses;
	e->paths = kind == LITERAL ? 1 : 0;
	return e;
}

/* Merge one use of access on a literal path. */
static void
use(struct learn *l, const char *path, unsigned access)
{
	size_t s;

	if (2 * (l->n + 1) > l->nslots)
		grow_slots(l);
	s = hash(path) & (l->nslots - 1);
	while (l->slots[s] != 0) {
		struct entry *e = &l->v[l->slots[s] - 1];

		if (strcmp(e->path, path) == 0) {
			e->access |= access;
			e->uses++;
			return;
		}
		s = (s + 1) & (l->nslots - 1);
	}
	add_entry(l, path, access, LITERAL, 1);
	l->slots[s] = l->n;
}

/* /proc/PID/... of the asking process is /proc/self/... to a policy. */
static void
learn_path(struct learn *l, const char *canon, int64_t pid, unsigned access)
{
	char buf[PATH_MAX + 32], pre[32];
	size_t n;

	n = (size_t)snprintf(pre, sizeof(pre), "/proc/%" PRId64, pid);
	if (pid > 0 && strncmp(canon, pre, n) == 0 && (canon[n] == '/' || canon[n] == '\0')) {
		snprintf(buf, sizeof(buf), "/proc/self%s", canon + n);
		use(l, buf, access);
	} else
		use(l, canon, access);
}

/* Is flag one of the names in flags ("O_WRONLY|O_CREAT|O_TRUNC")? */
static int
has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p;

	for (p = flags; p != NULL && (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == '|') && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * What the program made, its next run finds there: a file made by an open
 * needs, when it is already there, the access that open asks for (as
 * open_existing() in ops.c decides it: the O_ACCMODE's read or write, and
 * write for O_TRUNC or O_APPEND); a folder it made needs stat, for mkdir -p
 * and os.makedirs(exist_ok=True) to see it.  The program used those
 * accesses this time too, on the descriptor the create gave it.
 */
static unsigned
made(const struct audit_rec *r)
{
	unsigned a = 0;

	if (!(r->access & POLICY_CREATE))
		return 0;
	if (strcmp(r->op, "mkdir") == 0)
		return POLICY_STAT;
	if (strcmp(r->op, "open") != 0 || r->flags == NULL)
		return 0;
	if (has_flag(r->flags, "O_RDWR"))
		a = POLICY_READ | POLICY_WRITE;
	else if (has_flag(r->flags, "O_WRONLY"))
		a = POLICY_WRITE;
	else if (has_flag(r->flags, "O_RDONLY"))
		a = POLICY_READ;
	if (has_flag(r->flags, "O_TRUNC") || has_flag(r->flags, "O_APPEND"))
		a |= POLICY_WRITE;
	return a;
}

static int
take_record(const struct audit_rec *r, void *arg)
{
	struct learn *l = arg;

	if (r->decision == AUDIT_DENY) {
		l->denied++;
		return 0;
	}
	if (r->decision == AUDIT_ERROR || r->canon == NULL || r->canon[0] != '/' ||
	    r->access == 0) {
		l->errors++;
		return 0;
	}
	/* filebroker run's own preload library needs no rule. */
	if (r->rule != NULL && strcmp(r->rule, "@preload") == 0)
		return 0;
	l->used++;
	if (strcmp(r->op, "link") == 0 && r->canon2 != NULL && r->canon2[0] == '/') {
		/* A hard link: its file needs stat, its new name create, and
		 * nothing more (the broker lets a new name allow nothing of the
		 * file's that the old one does not). */
		learn_path(l, r->canon, r->pid, r->access & POLICY_STAT);
		learn_path(l, r->canon2, r->pid, r->access & POLICY_CREATE);
		return 0;
	}
	learn_path(l, r->canon, r->pid, (r->access & POLICY_ALL) | made(r));
	if (r->canon2 != NULL && r->canon2[0] == '/')
		learn_path(l, r->canon2, r->pid, r->access & POLICY_ALL);
	return 0;
}

/* May a wildcard grant everything in folder d?  Not at or above a
 * sensitive root. */
static int
foldable(const struct learn *l, const char *d)
{
	size_t i, n = strlen(d);

	if (strcmp(d, "/") == 0 || strcmp(d, "/proc/self") == 0)
		return 0;
	for (i = 0; i < l->nsensitive; i++) {
		const char *s = l->sensitive[i];

		if (strcmp(s, d) == 0 || (strncmp(s, d, n) == 0 && s[n] == '/'))
			return 0;
	}
	return 1;
}

/* The folder of a path (its parent), into buf. */
static void
parent(const char *p, char *buf, size_t size)
{
	const char *slash = strrchr(p, '/');

	if (slash == NULL || slash == p)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - p), p);
}

/* Is p in folder d, or d itself? */
static int
under(const char *p, const char *d)
{
	size_t n = strlen(d);

	return strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

static int
by_folder(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	char px[PATH_MAX], py[PATH_MAX];
	int c;

	if (x->access != y->access)
		return x->access < y->access ? -1 : 1;
	parent(x->path, px, sizeof(px));
	parent(y->path, py, sizeof(py));
	if ((c = strcmp(px, py)) != 0)
		return c;
	return strcmp(x->path, y->path);
}

/* Files: at least min literals with one access in one folder -> "DIR/ *". */
static void
fold_files(struct learn *l, size_t min)
{
	struct fold {
		char *dir;
		unsigned access;
		uint64_t uses, paths;
	} *folds;
	struct entry **v;
	size_t i, j, k, n = l->n, nfolds = 0;
	char d[PATH_MAX], dj[PATH_MAX];
	struct entry *e;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL || (folds = calloc(n + 1, sizeof(*folds))) == NULL)
		fatal("learn: memory");
	for (i = 0; i < n; i++)
		v[i] = &l->v[i];
	qsort(v, n, sizeof(*v), by_folder);
	for (i = 0; i < n; i = j) {
		parent(v[i]->path, d, sizeof(d));
		for (j = i + 1; j < n && v[j]->access == v[i]->access; j++) {
			parent(v[j]->path, dj, sizeof(dj));
			if (strcmp(d, dj) != 0)
				break;
		}
		if (j - i < min || !foldable(l, d))
			continue;
		if ((folds[nfolds].dir = strdup(d)) == NULL)
			fatal("learn: memory");
		folds[nfolds].access = v[i]->access;
		for (k = i; k < j; k++) {
			v[k]->dead = 1;
			folds[nfolds].uses += v[k]->uses;
			folds[nfolds].paths++;
		}
		nfolds++;
	}
	free(v);
	/* Only now: add_entry() may move l->v, which v pointed into. */
	for (i = 0; i < nfolds; i++) {
		e = add_entry(l, folds[i].dir, folds[i].access, STAR, folds[i].uses);
		e->paths = folds[i].paths;
		free(folds[i].dir);
	}
	free(folds);
}

/* Folders: a folder P two of whose sub-folders were folded with one access
 * becomes "P/ **" for that access, taking in everything under it. */
static void
fold_trees(struct learn *l)
{
	size_t i, j, k, nchild;
	char p[PATH_MAX], q[PATH_MAX];
	int changed = 1;

	while (changed) {
		changed = 0;
		for (i = 0; i < l->n && !changed; i++) {
			if (l->v[i].dead || l->v[i].kind == LITERAL)
				continue;
			parent(l->v[i].path, p, sizeof(p));
			if (!foldable(l, p))
				continue;
			/* Distinct folded sub-folders of p with this access. */
			nchild = 0;
			for (j = 0; j < l->n; j++) {
				if (l->v[j].dead || l->v[j].kind == LITERAL ||
				    l->v[j].access != l->v[i].access)
					continue;
				parent(l->v[j].path, q, sizeof(q));
				/* One folded entry per folder and access. */
				if (strcmp(q, p) == 0)
					nchild++;
			}
			if (nchild < 2)
				continue;
			uint64_t uses = 0, paths = 0;
			unsigned access = l->v[i].access;

			for (k = 0; k < l->n; k++) {
				if (l->v[k].dead || l->v[k].access != access ||
				    !under(l->v[k].path, p))
					continue;
				l->v[k].dead = 1;
				uses += l->v[k].uses;
				paths += l->v[k].paths;
			}
			struct entry *e = add_entry(l, p, access, GLOBSTAR, uses);

			e->paths = paths;
			changed = 1;
		}
	}
}

/* Escape a path for a rule; a newline (which no line can hold) becomes ?,
 * the one-character wildcard. */
static int
escape_path(const char *path, char *buf, size_t size)
{
	char piece[PATH_MAX], esc[2 * PATH_MAX + 2];
	size_t len = 0, n;
	const char *nl;
	ssize_t m;

	buf[0] = '\0';
	for (;;) {
		nl = strchr(path, '\n');
		n = nl ? (size_t)(nl - path) : strlen(path);
		if (n >= sizeof(piece))
			return -1;
		memcpy(piece, path, n);
		piece[n] = '\0';
		if ((m = policy_escape(piece, esc, sizeof(esc))) < 0)
			return -1;
		if (len + (size_t)m + 2 > size)
			return -1;
		memcpy(buf + len, esc, (size_t)m);
		len += (size_t)m;
		if (nl == NULL)
			break;
		buf[len++] = '?';
		path = nl + 1;
	}
	buf[len] = '\0';
	return 0;
}

static int
by_path(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	int c = strcmp(x->path, y->path);

	return c != 0 ? c : (int)x->kind - (int)y->kind;
}

static int
print_policy(struct learn *l, FILE *out, const char *base, const char *source)
{
	char esc[2 * PATH_MAX + 8], acc[128], when[32];
	struct entry **v;
	size_t i, n = 0, nrules = 0;
	time_t now = time(NULL);
	struct tm tm;

	if ((v = calloc(l->n + 1, sizeof(*v))) == NULL)
		fatal("learn: memory");
	for (i = 0; i < l->n; i++)
		if (!l->v[i].dead)
			v[n++] = &l->v[i];
	qsort(v, n, sizeof(*v), by_path);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "# Learned by filebroker learn, %s, from %s.\n", when, source);
	fprintf(out, "# %" PRIu64 " requests used; %" PRIu64 " denied and %" PRIu64
		     " failed ones left out.\n",
	    l->used, l->denied, l->errors);
	fprintf(out, "# It allows what was used and nothing more: review it before use.\n");
	if (base != NULL) {
		if (escape_path(base, esc, sizeof(esc)) == -1)
			fatalx("learn: base policy path cannot be written in a policy");
		fprintf(out, "include %s\n", esc);
	} else
		fprintf(out, "include @runtime\n");
	for (i = 0; i < n; i++) {
		const struct entry *e = v[i];
		unsigned a = e->access;

		/* read, write, list and exec grant stat on the same path. */
		if (a & (POLICY_READ | POLICY_WRITE | POLICY_LIST | POLICY_EXEC))
			a &= ~(unsigned)POLICY_STAT;
		if (escape_path(e->path, esc, sizeof(esc)) == -1) {
			log_warnx("learn: a path too long for a policy line was left out");
			continue;
		}
		policy_access_format(a, acc, sizeof(acc));
		if (e->kind == LITERAL)
			fprintf(out, "allow %-12s %s  # %" PRIu64 " use%s\n", acc, esc, e->uses,
			    e->uses == 1 ? "" : "s");
		else
			fprintf(out, "allow %-12s %s%s  # %" PRIu64 " use%s of %" PRIu64 " path%s\n",
			    acc, esc, e->kind == STAR ? "/*" : "/**", e->uses, e->uses == 1 ? "" : "s",
			    e->paths, e->paths == 1 ? "" : "s");
		nrules++;
	}
	if (nrules == 0)
		fprintf(out, "# (nothing beyond the included policy was used)\n");
	free(v);
	return ferror(out) ? -1 : 0;
}

/* Drop what the base policy already allows. */
static void
drop_covered(struct learn *l, const struct policy *base)
{
	struct policy_decision d;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (policy_decide(base, l->v[i].path, l->v[i].access, 0, &d) == 0 && d.allowed)
			l->v[i].dead = 1;
}

/* Compact the list and rebuild nothing else: later folds only scan it. */
static void
compact(struct learn *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].dead)
			free(l->v[i].path);
		else
			l->v[n++] = l->v[i];
	}
	l->n = n;
	free(l->slots);
	l->slots = NULL;
	l->nslots = 0;
}

/* Run COMMAND under `filebroker run --complain`; its stdout goes to our
 * stderr so that stdout holds the policy alone.  Returns its status. */
static int
run_command(const char *policy, const char *audit, char **cmd, int ncmd)
{
	char **av;
	pid_t pid;
	int i, k = 0, st;

	if ((av = calloc((size_t)ncmd + 10, sizeof(*av))) == NULL)
		fatal("learn: memory");
	av[k++] = "filebroker";
	av[k++] = "run";
	av[k++] = "--complain";
	av[k++] = "--audit";
	av[k++] = (char *)audit;
	av[k++] = "--policy";
	av[k++] = (char *)policy;
	av[k++] = "--";
	for (i = 0; i < ncmd; i++)
		av[k++] = cmd[i];
	av[k] = NULL;
	fflush(NULL);
	if ((pid = fork()) == -1)
		fatal("learn: fork");
	if (pid == 0) {
		if (dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(125);
		execv("/proc/self/exe", av);
		fprintf(stderr, "filebroker: learn: /proc/self/exe: %s\n", strerror(errno));
		_exit(125);
	}
	free(av);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			fatal("learn: waitpid");
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void
learn_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker learn [--from FILE]... [--base POLICY] [--generalize]\n"
	    "                        [--min N] [--sensitive PATH]... [-o FILE]\n"
	    "                        [-- COMMAND [ARG...]]\n\n"
	    "Print a policy that allows what a program used and nothing more, with\n"
	    "a comment counting the uses of each rule.  The records come from the\n"
	    "audit files given with --from ('-' for stdin; gzip-compressed ones as\n"
	    "logrotate leaves them too), or from running COMMAND\n"
	    "as `filebroker run --complain --policy BASE --audit TMP -- COMMAND`\n"
	    "(its output goes to stderr).  Allowed and would-deny requests count as\n"
	    "used; denied ones and failed ones do not.  What the program made, its\n"
	    "next run finds there: a file made by open(O_CREAT) also gets the read\n"
	    "or write that open asked for, a folder it made stat.\n\n"
	    "  --from FILE       read audit records from FILE (repeatable)\n"
	    "  --base POLICY     start from POLICY: include it, learn only what it\n"
	    "                    does not allow (default: include @runtime)\n"
	    "  --generalize      fold N or more files of one folder with the same\n"
	    "                    access into DIR/*, and a folder with two folded\n"
	    "                    sub-folders into DIR/**; never at or above a\n"
	    "                    sensitive root\n"
	    "  --min N           N for --generalize (default 3)\n"
	    "  --sensitive PATH  another sensitive root (repeatable; defaults: /,\n"
	    "                    /etc, /home, /root, /usr, /var, /proc, /dev, /sys,\n"
	    "                    /tmp, /run, /boot, /srv, /opt, /mnt, /media)\n"
	    "  -o, --output FILE write the policy to FILE instead of stdout\n\n"
	    "Exit status: 0 when a policy was written (a COMMAND's own failure is\n"
	    "reported on stderr); 3 when it was, but some line read was torn or\n"
	    "unreadable (each is reported with its place); 1 when no record could\n"
	    "be read or a FILE could not be; 2 for a usage error or a base policy\n"
	    "that does not load.\n");
}

int
cmd_learn(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "base", required_argument, NULL, 'b' },
		{ "generalize", no_argument, NULL, 'g' },
		{ "min", required_argument, NULL, 'm' },
		{ "sensitive", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const defaults[] = { "/etc", "/home", "/root", "/usr", "/var", "/proc",
		"/dev", "/sys", "/tmp", "/run", "/boot", "/srv", "/opt", "/mnt", "/media" };
	const char *from[LEARN_FROM_MAX], *base = NULL, *output = NULL;
	char tmpdir[] = "/tmp/fblearn.XXXXXX", audit[64], tpolicy[64], basebuf[PATH_MAX];
	char source[256];
	struct audit_files af;
	struct policy_diags diags;
	char line[POLICY_DIAG_LINE_MAX];
	struct policy *bp = NULL;
	struct learn l;
	size_t nfrom = 0, i, min = 3;
	int c, generalize = 0, status = 0, ran = 0, cst = 0;
	char *end;
	long v;
	FILE *f, *out = stdout;

	memset(&l, 0, sizeof(l));
	memset(&af, 0, sizeof(af));
	af.tool = "learn";
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		l.sensitive[l.nsensitive++] = defaults[i];
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (nfrom == LEARN_FROM_MAX) {
				log_warnx("learn: at most %d --from", LEARN_FROM_MAX);
				return 2;
			}
			from[nfrom++] = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		case 'g':
			generalize = 1;
			break;
		case 'm':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 2 || v > 1000000) {
				log_warnx("learn: --min 2..1000000");
				return 2;
			}
			min = (size_t)v;
			break;
		case 's':
			if (l.nsensitive == LEARN_SENSITIVE_MAX || optarg[0] != '/' ||
			    policy_path_check(optarg) == -1) {
				log_warnx("learn: --sensitive wants a canonical absolute path "
					  "(at most %d in all): '%s'",
				    LEARN_SENSITIVE_MAX, optarg);
				return 2;
			}
			l.sensitive[l.nsensitive++] = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			learn_usage(stdout);
			return 0;
		default:
			learn_usage(stderr);
			return 2;
		}
	}
	if (nfrom == 0 && optind >= argc) {
		log_warnx("learn: give --from FILE or -- COMMAND");
		learn_usage(stderr);
		return 2;
	}
	if (base != NULL) {
		if (realpath(base, basebuf) == NULL) {
			log_warn("learn: base policy %s", base);
			return 2;
		}
		base = basebuf;
	}
	memset(&diags, 0, sizeof(diags));
	if ((base != NULL ? policy_load(base, &bp, &diags) :
			    policy_load_buffer("(learn)", "include @runtime\n", 17, NULL, &bp,
				&diags)) == -1) {
		for (i = 0; i < diags.n; i++)
			fprintf(stderr, "%s\n",
			    policy_diag_format(&diags.v[i], line, sizeof(line)));
		policy_diags_free(&diags);
		log_warnx("learn: base policy does not load");
		return 2;
	}
	policy_diags_free(&diags);

	if (optind < argc) {
		if (mkdtemp(tmpdir) == NULL)
			fatal("learn: mkdtemp");
		snprintf(audit, sizeof(audit), "%s/audit.jsonl", tmpdir);
		snprintf(tpolicy, sizeof(tpolicy), "%s/base.policy", tmpdir);
		if (base == NULL) {
			if ((f = fopen(tpolicy, "wxe")) == NULL ||
			    fputs("include @runtime\n", f) == EOF || fclose(f) == EOF)
				fatal("learn: %s", tpolicy);
		}
		cst = run_command(base != NULL ? base : tpolicy, audit, argv + optind,
		    argc - optind);
		if (cst != 0)
			log_warnx("learn: %s exited with status %d; the policy covers what it "
				  "used until then",
			    argv[optind], cst);
		if (audit_files_read(&af, audit, take_record, &l) == 0)
			ran = 1;
		unlink(audit);
		unlink(tpolicy);
		rmdir(tmpdir);
	}
	for (i = 0; i < nfrom; i++)
		if (audit_files_read(&af, from[i], take_record, &l) == -1)
			status = 1;
	if (audit_files_damaged(&af.st)) {
		fputs("filebroker: learn: skipped ", stderr);
		audit_files_describe(stderr, "", &af.st);
		fputc('\n', stderr);
		/* The policy covers what was read; the input was not whole. */
		if (status == 0)
			status = 3;
	}
	if (af.st.records == 0) {
		log_warnx("learn: no audit record read");
		policy_free(bp);
		return 1;
	}

	drop_covered(&l, bp);
	compact(&l);
	if (generalize) {
		fold_files(&l, min);
		compact(&l);
		fold_trees(&l);
		compact(&l);
	}
	if (ran)
		snprintf(source, sizeof(source), "running %s", argv[optind]);
	else
		snprintf(source, sizeof(source), "%zu audit file%s", nfrom, nfrom == 1 ? "" : "s");
	if (output != NULL && (out = fopen(output, "we")) == NULL)
		fatal("learn: %s", output);
	if (print_policy(&l, out, base, source) == -1 || (out != stdout && fclose(out) == EOF))
		fatal("learn: writing the policy");
	if (out == stdout)
		fflush(stdout);
	for (i = 0; i < l.n; i++)
		free(l.v[i].path);
	free(l.v);
	free(l.slots);
	policy_free(bp);
	return status;
}
