/*
 * cmd_learn.c: `filebroker learn`, a policy from what a program used.
 *
 * It reads audit records, from files or from running COMMAND itself under
 * `filebroker run --complain` (the same binary, the same code path: what
 * learn sees is what run decides), and prints a policy that allows every
 * (canonical path, access) the records show as used: allowed and
 * would-deny requests.  Requests an enforcing broker denied, and requests
 * that failed before any decision, were never used and are left out.
 * Paths a base policy (or, without one, @runtime) already allows are left
 * to it.  A next run must work too: what the run made or truncated may be
 * replaced, and the names that change from run to run (temporary files,
 * the inputs) are folded into the patterns a person would write
 * (tools/learn.c), unless --exact.  Each rule says which records it came
 * from, and grants a person must look at (the password hashes, keys,
 * other users' homes) are marked and said on stderr.  What is made of the
 * records, and the printing, are learn.c's; this is the command line and
 * the reading.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_files.h"
#include "audit_read.h"
#include "cmds.h"
#include "learn.h"
#include "log.h"
#include "policy.h"

#define LEARN_FROM_MAX 64

/* What the reading gathers. */
struct gather {
	struct learn l;
	struct audit_files *af;
	const char *file; /* the file being read, for the rules' comments */
	/* The names read and how the rules' comments show them, for the
	 * intents whose outcome is unknown, which come at the end. */
	const char *names[LEARN_FROM_MAX + 1], *shown[LEARN_FROM_MAX + 1];
	size_t nnames;
};

/* Each line as it turned out to be, with its place: a record's (a change's
 * outcome stands for its intent, held by the reading) is learned from. */
static int
take_line(const struct audit_line *l, void *arg)
{
	struct gather *g = arg;

	if (l->rec == NULL || l->kind == AUDIT_LINE_EVENT || l->rec->phase == AUDIT_PHASE_INTENT)
		return 0;
	if (learn_record(&g->l, l->rec, g->file, l->at.line) == -1)
		fatal("learn: memory");
	return 0;
}

/* A change's intent without its outcome (its broker stopped in between):
 * used as its outcome would be, counted once. */
static int
take_unknown(const struct audit_rec *r, const struct audit_read_place *at, void *arg)
{
	struct gather *g = arg;
	const char *file = at->name;
	size_t i;

	for (i = 0; i < g->nnames; i++)
		if (g->names[i] == at->name)
			file = g->shown[i];
	if (learn_record(&g->l, r, file, at->line) == -1)
		fatal("learn: memory");
	return 0;
}

static int
read_file(struct gather *g, const char *name, const char *shown)
{
	g->file = shown;
	if (g->nnames < LEARN_FROM_MAX + 1) {
		g->names[g->nnames] = name;
		g->shown[g->nnames++] = shown;
	}
	return audit_files_read(g->af, name, NULL, g);
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
	    "usage: filebroker learn [--from FILE]... [--base POLICY] [--exact | --generalize]\n"
	    "                        [--min N] [--sensitive PATH]... [--audit FILE]\n"
	    "                        [-o FILE] [-- COMMAND [ARG...]]\n\n"
	    "Print a policy that allows what a program used, and what its next run\n"
	    "needs, each rule with a comment saying how many records it came from\n"
	    "and the first of them.  The records come from the audit files given\n"
	    "with --from ('-' for stdin; gzip-compressed ones as logrotate leaves\n"
	    "them too), or from running COMMAND as `filebroker run --complain\n"
	    "--policy BASE --audit TMP -- COMMAND` (its output goes to stderr).\n"
	    "Allowed and would-deny requests count as used; denied ones, failed\n"
	    "ones and ones whose path is not canonical do not, nor do those run\n"
	    "allows by itself (its private temporary folder, rule @tmp).  A rule\n"
	    "too long for a policy line is left out, with a warning.\n\n"
	    "A next run finds what this one made, and may replace it: a file made\n"
	    "by open(O_CREAT) also gets the read or write that open asked for, a\n"
	    "folder it made stat; whatever it made may be removed and made again\n"
	    "(delete, and write for a file), and a file it truncated may be made\n"
	    "anew (create, delete).  A name that was there already (EEXIST, as\n"
	    "mkdir -p's folders on its way) was not made: stat only.  Names that\n"
	    "change from run to run are folded into patterns (see --exact):\n"
	    "temporary names (mkstemp's tmp.XXXXXX, Python's tmpXXXXXXXX, hex and\n"
	    "number runs) below /tmp, /var/tmp and /dev/shm or of files the run\n"
	    "made and removed, with '*' for their random part; directly in a shared\n"
	    "temporary folder or a home only when three or more characters stay\n"
	    "before the '*' (/tmp/tmp*, /tmp/clamav-*, marked SENSITIVE in a shared\n"
	    "folder), else the name is kept as it was, with a warning: never\n"
	    "/tmp/*.  A listed folder with N or more read paths below it becomes\n"
	    "DIR/**; N or more files of one folder with the same access DIR/*.EXT\n"
	    "(one extension) or DIR/*; a folder with two folded sub-folders\n"
	    "DIR/**; never at or above a sensitive root, nor at a home\n"
	    "(/home/NAME, /run/user/UID).  Grants of the password hashes, keys,\n"
	    "/root, other users' homes and /run/user folders or another process's\n"
	    "memory are marked SENSITIVE and said on stderr.\n\n"
	    "  --from FILE       read audit records from FILE (repeatable)\n"
	    "  --base POLICY     start from POLICY: include it, learn only what it\n"
	    "                    does not allow (default: include @runtime)\n"
	    "  --exact           fold nothing: one rule per path used\n"
	    "  --generalize      fold (the default; kept for scripts)\n"
	    "  --min N           N for folding (default 3)\n"
	    "  --sensitive PATH  another sensitive root, at or above which nothing\n"
	    "                    is folded (repeatable; defaults: /, /etc, /home,\n"
	    "                    /root, /usr, /var, /proc, /dev, /sys, /tmp, /run,\n"
	    "                    /boot, /srv, /opt, /mnt, /media, /var/tmp,\n"
	    "                    /dev/shm, /run/lock, /run/user)\n"
	    "  --audit FILE      with COMMAND: keep its records in FILE (which must\n"
	    "                    not exist), so that the comments name their lines\n"
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
		{ "exact", no_argument, NULL, 'x' },
		{ "min", required_argument, NULL, 'm' },
		{ "sensitive", required_argument, NULL, 's' },
		{ "audit", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from[LEARN_FROM_MAX], *base = NULL, *output = NULL, *keep = NULL;
	char tmpdir[] = "/tmp/fblearn.XXXXXX", audit[PATH_MAX], tpolicy[64], basebuf[PATH_MAX];
	char source[256];
	struct audit_files af;
	struct policy_diags diags;
	char line[POLICY_DIAG_LINE_MAX];
	struct policy *bp = NULL;
	struct gather g;
	struct stat st;
	size_t nfrom = 0, i, min = 3;
	int c, exact = 0, status = 0, ran = 0, cst = 0;
	char *end;
	long v;
	FILE *f, *out = stdout;

	memset(&g, 0, sizeof(g));
	memset(&af, 0, sizeof(af));
	af.tool = "learn";
	af.unknown = take_unknown;
	af.line = take_line;
	g.af = &af;
	if (learn_init(&g.l) == -1)
		fatal("learn: memory");
	status = 2; /* a usage error, until the records are read */
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (nfrom == LEARN_FROM_MAX) {
				log_warnx("learn: at most %d --from", LEARN_FROM_MAX);
				goto done;
			}
			from[nfrom++] = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		case 'g':
			exact = 0;
			break;
		case 'x':
			exact = 1;
			break;
		case 'm':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 2 || v > 1000000) {
				log_warnx("learn: --min 2..1000000");
				goto done;
			}
			min = (size_t)v;
			break;
		case 's':
			if (optarg[0] != '/' || learn_add_root(&g.l, optarg) == -1) {
				log_warnx("learn: --sensitive wants a canonical absolute path "
					  "(at most %d in all): '%s'",
				    LEARN_SENSITIVE_MAX, optarg);
				goto done;
			}
			break;
		case 'a':
			keep = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			learn_usage(stdout);
			status = 0;
			goto done;
		default:
			learn_usage(stderr);
			goto done;
		}
	}
	if (nfrom == 0 && optind >= argc) {
		log_warnx("learn: give --from FILE or -- COMMAND");
		learn_usage(stderr);
		goto done;
	}
	if (keep != NULL && optind >= argc) {
		log_warnx("learn: --audit keeps the records of COMMAND: give -- COMMAND");
		goto done;
	}
	if (keep != NULL && lstat(keep, &st) == 0) {
		log_warnx("learn: --audit %s: the file exists; its records would be read "
			  "with the run's (give a new name, or --from %s)",
		    keep, keep);
		goto done;
	}
	if (base != NULL) {
		if (realpath(base, basebuf) == NULL) {
			log_warn("learn: base policy %s", base);
			goto done;
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
		goto done;
	}
	policy_diags_free(&diags);
	status = 0;

	if (optind < argc) {
		if (mkdtemp(tmpdir) == NULL)
			fatal("learn: mkdtemp");
		if (keep != NULL)
			snprintf(audit, sizeof(audit), "%s", keep);
		else
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
		if (read_file(&g, audit, keep) == 0)
			ran = 1;
		if (keep == NULL)
			unlink(audit);
		unlink(tpolicy);
		rmdir(tmpdir);
	}
	for (i = 0; i < nfrom; i++)
		if (read_file(&g, from[i], strcmp(from[i], "-") == 0 ? "stdin" : from[i]) == -1)
			status = 1;
	if (audit_files_end(&af, &g) == -1)
		fatal("learn: memory");
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
		status = 1;
		goto done;
	}

	if (learn_finish(&g.l, bp, exact, min) == -1)
		fatal("learn: memory");
	if (ran)
		snprintf(source, sizeof(source), "running %s", argv[optind]);
	else
		snprintf(source, sizeof(source), "%zu audit file%s", nfrom, nfrom == 1 ? "" : "s");
	if (output != NULL && (out = fopen(output, "we")) == NULL)
		fatal("learn: %s", output);
	if (learn_print(&g.l, out, base, source) == -1 || (out != stdout && fclose(out) == EOF))
		fatal("learn: writing the policy");
	if (out == stdout)
		fflush(stdout);
done:
	learn_free(&g.l);
	policy_free(bp);
	return status;
}
