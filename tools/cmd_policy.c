/*
 * cmd_policy.c: `filebroker check` and `filebroker explain`, the policy
 * tools.  They read policies exactly as the broker does (policy_load), so
 * what they accept the broker accepts and what they refuse it refuses.
 *
 * Output for people goes to stdout; diagnostics go to stderr in the
 * FILE:LINE:COL: form that editors and CI logs understand.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "cmds.h"
#include "log.h"
#include "out.h"
#include "path.h"
#include "policy.h"
#include "strict.h"

static void
print_diags(const struct policy_diags *d)
{
	char line[POLICY_DIAG_LINE_MAX];
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", policy_diag_format(&d->v[i], line, sizeof(line)));
}

static size_t
count_warnings(const struct policy_diags *d)
{
	return d->n - d->nerrors;
}

/*
 * check's look at each rule (policy_load_opts.rule_check): a literal part
 * that is, or leads through, a symlink on this machine matches nothing
 * here, since run decides on canonical paths (a rule for
 * /usr/share/misc/magic.mgc never meets /usr/lib/file/magic.mgc, which is
 * what opening the first one opens).  Said where it matters: not when the
 * policy decides the canonical path as the rule meant anyway (another rule
 * names it: @runtime's /lib names beside the /usr ones, printed out by
 * --print), nor of what does not exist (a policy may be written for
 * several machines).
 */
static int
check_rule_link(const struct policy *p, const char *prefix, unsigned access, int allow, char *why,
    size_t size, void *arg)
{
	char real[PATH_MAX], dir[PATH_MAX], rdir[PATH_MAX];
	const char *slash = strrchr(prefix, '/');
	struct policy_decision d;
	int missing, last;

	(void)arg;
	if (canon_path(prefix, real, sizeof(real), PATH_MAX, &missing) == -1 ||
	    strcmp(prefix, real) == 0)
		return 0;
	if (policy_decide(p, real, access, 0, &d) == 0 && d.allowed == allow)
		return 0;
	/* Only the last name a link: the rule still matches the link itself
	 * (lstat, readlink, unlink of it), never what opening it opens. */
	snprintf(dir, sizeof(dir), "%.*s",
	    slash == NULL || slash == prefix ? 1 : (int)(slash - prefix), prefix);
	last = canon_path(dir, rdir, sizeof(rdir), PATH_MAX, &missing) == 0 &&
	    strcmp(dir, rdir) == 0;
	snprintf(why, size,
	    "%s is %s on this machine (through a symlink), and rules match canonical paths, "
	    "as run decides them: this rule matches %s; write %s in its place",
	    prefix, real,
	    last ? "the link itself only, never what opening it opens" : "nothing there", real);
	return -1;
}

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker check [--print] FILE...\n\n"
	    "Load each policy file as the broker would (includes too) and report\n"
	    "every problem as FILE:LINE:COL: error|warning: message on stderr.\n"
	    "Warnings are rules that can never take effect (an allow every access of\n"
	    "which a deny covers, duplicates, mode= on a rule with neither create\n"
	    "nor write), an exec rule for an interpreter without its profile, a\n"
	    "rule whose literal part is or leads through a symlink on this machine\n"
	    "(it matches nothing: rules match canonical paths; the message says\n"
	    "what to write; not when another rule decides the canonical path as\n"
	    "this one meant), and, run as root, a file or a folder on its way that a\n"
	    "root broker would refuse (strict modes: owned by another user, or\n"
	    "writable by its group or by anyone).\n\n"
	    "Prints \"FILE: ok (N rules)\" for each clean file.\n\n"
	    "  -p, --print   also print each policy that loads, includes (and\n"
	    "                @runtime) expanded, in the policy language, each rule\n"
	    "                followed by a # FILE:LINE comment\n\n"
	    "Exit status: 0 when every file is clean; 1 when any file has an error\n"
	    "or a warning; 2 for a usage error.  See filebroker.policy(5).\n");
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "print", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_load_opts lopts = { 0 };
	struct policy_diags d;
	struct policy *p;
	int c, i, status = 0, print = 0;
	size_t nw;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hp", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			check_usage(stdout);
			return 0;
		case 'p':
			print = 1;
			break;
		default:
			check_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		log_warnx("check: no policy file given");
		check_usage(stderr);
		return 2;
	}
	if (strict_opts_warn() != NULL)
		lopts = *strict_opts_warn();
	lopts.rule_check = check_rule_link;
	for (i = optind; i < argc; i++) {
		memset(&d, 0, sizeof(d));
		if (policy_load_opts(argv[i], &lopts, &p, &d) == -1) {
			print_diags(&d);
			printf("%s: %zu error%s, %zu warning%s\n", argv[i], d.nerrors,
			    d.nerrors == 1 ? "" : "s", count_warnings(&d),
			    count_warnings(&d) == 1 ? "" : "s");
			status = 1;
		} else {
			print_diags(&d);
			nw = count_warnings(&d);
			if (nw == 0)
				printf("%s: ok (%zu rule%s", argv[i], policy_nrules(p),
				    policy_nrules(p) == 1 ? "" : "s");
			else {
				printf("%s: %zu warning%s (%zu rule%s", argv[i], nw,
				    nw == 1 ? "" : "s", policy_nrules(p),
				    policy_nrules(p) == 1 ? "" : "s");
				status = 1;
			}
			if (policy_nprofiles(p) > 0)
				printf(", %zu profile%s", policy_nprofiles(p),
				    policy_nprofiles(p) == 1 ? "" : "s");
			printf(")\n");
			if (print && policy_print(p, stdout) == -1) {
				log_warn("check: writing the policy");
				status = 2;
			}
			policy_free(p);
		}
		policy_diags_free(&d);
		/* Keep stdout and the diagnostics on stderr in order. */
		fflush(stdout);
	}
	return status;
}

static void
explain_usage(FILE *f)
{
	fprintf(f,
	    "usage: filebroker explain --policy FILE [--access A[,A...]] [--pid PID]\n"
	    "                          [--user U] [--group G]... [--resolve | --lexical]\n"
	    "                          [--json] PATH...\n\n"
	    "Show how the policy decides a request for each PATH, and which rule\n"
	    "decided it:\n\n"
	    "  allow  read  /srv/in/a.txt  (policy.txt:3)\n"
	    "  deny   read  /etc/shadow  (default)\n\n"
	    "  -p, --policy FILE  the policy to load (required)\n"
	    "  -a, --access LIST  read, write, create, delete, list, stat, exec or all,\n"
	    "                     comma-separated (default: read); every one must be\n"
	    "                     allowed for the request to be\n"
	    "      --pid PID      the worker's pid, for /proc/self patterns\n"
	    "      --user U       decide for a `filebroker serve` peer of user U (name\n"
	    "                     or number): with the profile it would get; its\n"
	    "                     primary and supplementary groups (from the user\n"
	    "                     database) count for group= profiles\n"
	    "      --group G      one more group of that peer (repeatable); alone,\n"
	    "                     a peer with no user= match\n"
	    "      --resolve      (the default) decide each PATH as `filebroker run`\n"
	    "                     would: made canonical on this machine's disk,\n"
	    "                     symlinks followed and \"..\" taken physically; the\n"
	    "                     line shows PATH -> CANONICAL when they differ.  What\n"
	    "                     does not exist is decided as written, and a note\n"
	    "                     on stderr says so; /proc is never resolved\n"
	    "      --lexical      decide each PATH as written, made canonical\n"
	    "                     lexically only (relative to the current folder,\n"
	    "                     \"//\", \".\" and \"..\" collapsed, symlinks not\n"
	    "                     looked at): for a policy meant for another machine\n"
	    "      --json         one JSON object per path per line:\n"
	    "                     {\"path\",\"access\",\"decision\",\"rule\",...}\n\n"
	    "Without --user or --group, a policy with profiles decides with its\n"
	    "common rules only, as `filebroker run` does.\n\n"
	    "A worker's /proc/self is /proc/PID with --pid (without it, /proc/self\n"
	    "patterns match nothing).\n\n"
	    "Exit status: 0 when every request is allowed, 1 when any is denied\n"
	    "(or no profile matches the peer), 2 for a usage error or a policy that\n"
	    "does not load.\n");
}

#define EXPLAIN_GROUPS_MAX 256

/* The peer explain stands in for, as `filebroker serve` would see it. */
struct peer {
	int given;
	uid_t uid;
	gid_t gids[EXPLAIN_GROUPS_MAX];
	int ngids;
};

static int
parse_num(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= UINT32_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* --user: the uid, and the groups a login of that user would have. */
static int
peer_user(struct peer *pe, const char *u)
{
	struct passwd *pw;
	unsigned v;
	int n;

	errno = 0;
	if (parse_num(u, &v) == 0) {
		pe->uid = (uid_t)v;
		pw = getpwuid(pe->uid);
	} else if ((pw = getpwnam(u)) == NULL) {
		log_warnx("explain: unknown user '%s'", u);
		return -1;
	} else
		pe->uid = pw->pw_uid;
	pe->given = 1;
	if (pw == NULL)
		return 0;
	n = EXPLAIN_GROUPS_MAX - pe->ngids;
	if (getgrouplist(pw->pw_name, pw->pw_gid, pe->gids + pe->ngids, &n) == -1) {
		log_warnx("explain: user '%s' has more than %d groups", u, EXPLAIN_GROUPS_MAX);
		return -1;
	}
	pe->ngids += n;
	return 0;
}

static int
peer_group(struct peer *pe, const char *g)
{
	struct group *gr;
	unsigned v;

	if (pe->ngids == EXPLAIN_GROUPS_MAX) {
		log_warnx("explain: too many groups");
		return -1;
	}
	if (parse_num(g, &v) == 0)
		pe->gids[pe->ngids++] = (gid_t)v;
	else if ((gr = getgrnam(g)) != NULL)
		pe->gids[pe->ngids++] = gr->gr_gid;
	else {
		log_warnx("explain: unknown group '%s'", g);
		return -1;
	}
	pe->given = 1;
	return 0;
}

static void
put_peer(FILE *f, const struct peer *pe, int have_user)
{
	int i;

	if (have_user)
		fprintf(f, "uid=%lu", (unsigned long)pe->uid);
	else
		fprintf(f, "no user");
	fprintf(f, " groups=");
	for (i = 0; i < pe->ngids; i++)
		fprintf(f, "%s%lu", i ? "," : "", (unsigned long)pe->gids[i]);
	if (pe->ngids == 0)
		fprintf(f, "none");
}

/* A note on stderr about path: "'PATH' WHAT". */
static void
note_path(const char *path, const char *what)
{
	fprintf(stderr, "filebroker: note: '");
	out_text(stderr, path);
	fprintf(stderr, "' %s\n", what);
}

/*
 * The path explain decides for the PATH given, into canon: see
 * explain_usage().  *exists is 0 when (part of) it is not on this disk.
 * 0, or -1 after saying why (usage error).
 */
static int
explain_canon(const char *path, int lexical, long pid, char *canon, size_t size, int *exists)
{
	char lex[PATH_MAX], cwd[PATH_MAX], given[PATH_MAX], msg[PATH_MAX + 128];
	const char *walk = path;
	unsigned pf;
	int r, missing;

	*exists = 1;
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL) {
		log_warn("explain: getcwd");
		return -1;
	}
	if ((r = path_clean(path[0] == '/' ? NULL : cwd, path, PATH_LEXICAL, lex, sizeof(lex),
		 &pf)) < 0) {
		log_warnx("explain: '%s': %s", path, strerror(-r));
		return -1;
	}
	/* As the broker does: a worker's /proc/self is its own /proc/PID,
	 * /proc/thread-self that of its main thread. */
	if (pid > 0) {
		path_copy(given, sizeof(given), lex);
		if ((r = path_proc_rewrite(lex, sizeof(lex), (pid_t)pid, 0)) < 0) {
			log_warnx("explain: '%s': %s", path, strerror(-r));
			return -1;
		}
		if (strcmp(given, lex) != 0)
			walk = lex; /* canon_path() leaves /proc as written */
	}
	if (!lexical && canon_path(walk, canon, size, INT_MAX, &missing) == 0) {
		if (missing > 0) {
			*exists = 0;
			note_path(canon,
			    missing > 1 ? "does not exist, nor does its folder: "
					  "decided as written" :
					  "does not exist (yet): decided as written");
		}
		return 0;
	}
	if (!lexical) {
		/* ".." after a missing folder, a loop, a file used as a folder:
		 * the broker would refuse the path; decide it as written. */
		*exists = 0;
		snprintf(msg, sizeof(msg), "cannot be resolved (%s): decided as written",
		    strerror(errno));
		note_path(path, msg);
	}
	if (path_copy(canon, size, lex) < 0) {
		log_warnx("explain: '%s': path too long", path);
		return -1;
	}
	return 0;
}

int
cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "access", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "user", required_argument, NULL, 'U' },
		{ "group", required_argument, NULL, 'G' },
		{ "resolve", no_argument, NULL, 'R' },
		{ "lexical", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_diags d;
	struct policy_decision dec;
	struct policy *p = NULL;
	const struct policy *view;
	const char *policy = NULL, *where;
	struct peer pe;
	int have_user = 0;
	char canon[PATH_MAX], acc[64], *end;
	unsigned access = POLICY_READ;
	int c, i, json = 0, status = 0, lexical = 0, exists;
	long pid = 0;

	memset(&pe, 0, sizeof(pe));
	pe.uid = (uid_t)-1; /* --group alone: a user no user= names */
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'U':
			if (have_user) {
				log_warnx("explain: --user given twice");
				return 2;
			}
			if (peer_user(&pe, optarg) == -1)
				return 2;
			have_user = 1;
			break;
		case 'G':
			if (peer_group(&pe, optarg) == -1)
				return 2;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'a':
			if (policy_access_parse(optarg, &access) == -1 || access == 0) {
				log_warnx("explain: bad access list '%s' (expected read, write, "
					  "create, delete, list, stat, exec or all, "
					  "comma-separated)",
				    optarg);
				return 2;
			}
			break;
		case 'P':
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || pid < 0 ||
			    pid > INT_MAX) {
				log_warnx("explain: bad pid '%s'", optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'R':
			lexical = 0;
			break;
		case 'L':
			lexical = 1;
			break;
		case 'h':
			explain_usage(stdout);
			return 0;
		default:
			explain_usage(stderr);
			return 2;
		}
	}
	if (policy == NULL || optind >= argc) {
		log_warnx("explain: %s",
		    policy == NULL ? "--policy FILE is required" : "no PATH given");
		explain_usage(stderr);
		return 2;
	}
	memset(&d, 0, sizeof(d));
	if (policy_load(policy, &p, &d) == -1) {
		print_diags(&d);
		log_warnx("explain: %s: policy not loaded (%zu error%s)", policy, d.nerrors,
		    d.nerrors == 1 ? "" : "s");
		policy_diags_free(&d);
		return 2;
	}
	/* Only warnings are left; `check` is the place to read them. */
	if (d.n > 0)
		fprintf(stderr, "filebroker: note: %s has %zu warning%s; see filebroker check\n",
		    policy, d.n, d.n == 1 ? "" : "s");
	policy_diags_free(&d);
	view = p;
	if (pe.given) {
		/* As `filebroker serve` does at connect time. */
		if (policy_select(p, pe.uid, pe.gids, (size_t)pe.ngids, &view, &where) == -1) {
			fprintf(stderr, "filebroker: explain: no profile of %s matches the peer (",
			    policy);
			put_peer(stderr, &pe, have_user);
			fprintf(stderr, "): serve would refuse it\n");
			policy_free(p);
			return 1;
		}
		fprintf(stderr, "filebroker: note: peer ");
		put_peer(stderr, &pe, have_user);
		fprintf(stderr, " gets the profile at %s\n", where);
	} else if (policy_nprofiles(p) > 0)
		fprintf(stderr,
		    "filebroker: note: %s has profiles; deciding with the rules "
		    "outside them (give --user or --group for a peer's profile)\n",
		    policy);
	policy_access_format(access, acc, sizeof(acc));
	for (i = optind; i < argc; i++) {
		const char *path = argv[i];

		if (explain_canon(path, lexical, pid, canon, sizeof(canon), &exists) == -1) {
			status = 2;
			continue;
		}
		/* Lexically: say what the path was taken as, as before. */
		if (lexical && strcmp(canon, path) != 0) {
			fprintf(stderr, "filebroker: note: '");
			out_text(stderr, path);
			fprintf(stderr, "' taken as '");
			out_text(stderr, canon);
			fprintf(stderr, "'\n");
		}
		if (policy_decide(view, canon, access, (pid_t)pid, &dec) == -1) {
			log_warn("explain: '%s'", canon);
			status = 2;
			continue;
		}
		if (!dec.allowed && status == 0)
			status = 1;
		if (json) {
			fputc('{', stdout);
			out_json_field(stdout, "path", canon);
			if (strcmp(canon, path) != 0) {
				fputc(',', stdout);
				out_json_field(stdout, "given", path);
			}
			if (!lexical)
				printf(",\"exists\":%s", exists ? "true" : "false");
			printf(",\"access\":\"%s\",\"decision\":\"%s\",", acc,
			    dec.allowed ? "allow" : "deny");
			out_json_field(stdout, "rule", dec.rule);
			if (dec.allowed) {
				printf(",\"exact\":%s", dec.exact ? "true" : "false");
				if (access & POLICY_CREATE)
					printf(",\"create_mode\":\"0%03o\"", dec.create_mode);
			}
			fputs("}\n", stdout);
		} else {
			printf("%-5s  %s  ", dec.allowed ? "allow" : "deny", acc);
			if (!lexical && strcmp(canon, path) != 0) {
				out_text(stdout, path);
				fputs(" -> ", stdout);
			}
			out_text(stdout, canon);
			printf("  (");
			out_text(stdout, dec.rule);
			putchar(')');
			if (dec.allowed && (access & POLICY_CREATE))
				printf("  create mode <= 0%03o", dec.create_mode);
			putchar('\n');
		}
		fflush(stdout);
	}
	fflush(stdout);
	policy_free(p);
	return status;
}
