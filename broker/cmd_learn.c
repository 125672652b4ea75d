/*
 * cmd_learn.c: `filebroker learn`, a policy from what a program used: its
 * options, running COMMAND under `filebroker run --complain` (the same
 * binary, the same code path: what learn sees is what run decides), and
 * reading the audit files; what is made of the records is learn.c's.
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
#include "learn.h"
#include "log.h"
#include "policy.h"

#define LEARN_FROM_MAX 64

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

/* cmd_learn() with l made: what is learned goes into it. */
static int
learn_main(int argc, char **argv, struct learn *l)
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
	const char *from[LEARN_FROM_MAX], *base = NULL, *output = NULL;
	char tmpdir[] = "/tmp/fblearn.XXXXXX", audit[64], tpolicy[64], basebuf[PATH_MAX];
	char source[256];
	struct audit_files af;
	struct policy_diags diags;
	char line[POLICY_DIAG_LINE_MAX];
	struct policy *bp = NULL;
	size_t nfrom = 0, i, min = 3;
	int c, generalize = 0, status = 0, ran = 0, cst = 0;
	char *end;
	long v;
	FILE *f, *out = stdout;

	memset(&af, 0, sizeof(af));
	af.tool = "learn";
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
			if (learn_sensitive(l, optarg) == -1) {
				log_warnx("learn: --sensitive wants a canonical absolute path "
					  "(at most %d in all): '%s'",
				    LEARN_SENSITIVE_MAX, optarg);
				return 2;
			}
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
		if (audit_files_read(&af, audit, learn_record, l) == 0)
			ran = 1;
		unlink(audit);
		unlink(tpolicy);
		rmdir(tmpdir);
	}
	for (i = 0; i < nfrom; i++)
		if (audit_files_read(&af, from[i], learn_record, l) == -1)
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

	learn_finish(l, bp, generalize, min);
	if (ran)
		snprintf(source, sizeof(source), "running %s", argv[optind]);
	else
		snprintf(source, sizeof(source), "%zu audit file%s", nfrom, nfrom == 1 ? "" : "s");
	if (output != NULL && (out = fopen(output, "we")) == NULL)
		fatal("learn: %s", output);
	if (learn_print(l, out, base, source) == -1 || (out != stdout && fclose(out) == EOF))
		fatal("learn: writing the policy");
	if (out == stdout)
		fflush(stdout);
	policy_free(bp);
	return status;
}

int
cmd_learn(int argc, char **argv)
{
	struct learn *l = learn_new();
	int status = learn_main(argc, argv, l);

	learn_free(l);
	return status;
}
