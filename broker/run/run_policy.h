/*
 * run_policy.h: the policy `filebroker run` decides with: the file given
 * with --policy, one-off grants from the command line (--read, --write,
 * --exec, --allow, --include), both together, or the default; the rules of
 * the private temporary folder (private_tmp.h) and of a script COMMAND.
 */
#ifndef FB_RUN_POLICY_H
#define FB_RUN_POLICY_H

#include <stddef.h>
#include <stdio.h>

#include "policy.h"

enum run_grant {
	RUN_GRANT_READ,	   /* --read PATH: read (and list, for a folder) */
	RUN_GRANT_WRITE,   /* --write PATH: read, write, create, delete, list */
	RUN_GRANT_EXEC,	   /* --exec PATH: read and exec */
	RUN_GRANT_ALLOW,   /* --allow 'ACCESS PATTERN [mode=0NNN]': a rule as written */
	RUN_GRANT_INCLUDE, /* --include @PROFILE|FILE: an include line */
};

/* The one-off grants, as policy text, one rule a line, in the order given;
 * zero-initialise. */
struct run_grants {
	char *text;
	size_t len, cap;
	char **origin; /* per line: the option it came from, as given */
	size_t n;
};

/*
 * Add the grant of one option.  PATH is made absolute and canonical now
 * (symlinks resolved): it must exist for --read and --exec; for --write
 * its last components may be missing (they are made later, as by mkdir
 * -p, which it may: each is allowed create).  --include takes a built-in
 * profile (@NAME, checked when the policy loads) or a policy file, which
 * must exist.  Returns 0, or -1 after saying what is wrong and how to fix
 * it.
 */
int run_grants_add(struct run_grants *g, enum run_grant kind, const char *arg);

void run_grants_free(struct run_grants *g);

/* The name of the rule that lets a script COMMAND's interpreter read it. */
#define RUN_COMMAND_RULE "@command"

/*
 * COMMAND as the worker will find it (worker_find(): its PATH search),
 * when it is a script, a regular file starting with "#!": its canonical
 * path into buf (PATH_MAX bytes or more) and 1.  0 and "" when it is not
 * one, or cannot be found or read (the worker then says why it cannot run
 * it).
 */
int run_command_script(const char *cmd, char *buf, size_t size);

/*
 * The policy to decide with: policy_path (NULL: none) and the grants (none
 * given: n == 0).  Neither: the default policy (@runtime, @shell,
 * @python3, @perl, @users, list and stat of the top folder's names, read
 * and list of the current folder's tree unless it is /).  Grants alone:
 * @runtime and the grants.  First, the rules run adds: with tmp (the
 * private temporary folder, or NULL: none), its rules, named @tmp
 * (private_tmp.h); with script (a script COMMAND, canonical:
 * run_command_script(); NULL: none), rule @command, which lets its
 * interpreter read it, as COMMAND may always run (a deny rule still wins).
 * On a policy that does not load, prints its diagnostics (and which
 * option a "(command line):N" line is) and exits 125.
 */
struct policy *run_policy_load(const char *policy_path, const struct run_grants *g, const char *tmp,
    const char *script);

/* --print-policy: the policy as text, each rule with where it came from
 * (tmp: the private temporary folder's name, or NULL; script as for
 * run_policy_load()); 0, or -1 (errno from the stream). */
int run_policy_print(const struct policy *p, const char *policy_path, const struct run_grants *g,
    const char *tmp, const char *script, FILE *out);

#endif
