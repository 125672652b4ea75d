/*
 * policy_builtin.c: the built-in policies named by "include @NAME".
 *
 * Each is what one kind of program needs on Debian 12 x86_64 beyond
 * @runtime (policy_runtime.c), derived with strace -f -e trace=%file and
 * `filebroker learn` and checked by running a real program with the
 * profile plus rules for its data only (tests/integration/profiles.sh):
 * no denial line, the same output as unsandboxed.  Read-only, and exec of
 * named files only, so that the worker's Landlock grants stay one rule per
 * program (broker/run/exec_grants.c); @git's folder of its own programs is one
 * rule for all of them.  docs/filebroker.policy.5 gives the
 * reason for every line; keep the two in step.
 *
 * Each also names the interpreter it is for and a file of its library:
 * a policy that allows exec of the one and not read of the other gets a
 * warning saying which include to add (policy_builtin_suggest()).
 */
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

static const char python3_text[] =
    "# Debian 12's python3 (3.11): the interpreter, which /usr/bin/python3\n"
    "# names through a symlink that it reads\n"
    "allow exec /usr/bin/python3.11\n"
    "allow stat /usr/bin/python3\n"
    "# what the interpreter looks for beside itself at start-up (absent)\n"
    "allow stat /usr/bin/python3._pth\n"
    "allow stat /usr/bin/python3.11._pth\n"
    "allow stat /usr/bin/pyvenv.cfg\n"
    "allow stat /usr/pyvenv.cfg\n"
    "allow stat /usr/bin/pybuilddir.txt\n"
    "# the standard library and Debian's packaged modules\n"
    "allow read,list /usr/lib/python3.11/**\n"
    "allow read,list /usr/lib/python3/**\n"
    "# Debian's site customisation (/usr/lib/python3.11/sitecustomize.py)\n"
    "allow read /etc/python3.11/sitecustomize.py\n"
    "# modules the administrator installed, which site.py lists\n"
    "allow read,list /usr/local/lib/python3.11/dist-packages/**\n"
    "# OpenSSL's configuration, which hashlib's libcrypto reads\n"
    "allow read /etc/ssl/openssl.cnf\n";

static const char perl_text[] =
    "# Debian 12's perl (5.36; /usr/bin/perl5.36.0 is the same file)\n"
    "allow exec /usr/bin/perl\n"
    "# where perl was started from ($^X)\n"
    "allow stat /proc/self/exe\n"
    "# @INC in its order: the site configuration, the administrator's\n"
    "# modules (absent unless installed), Debian's packaged modules, perl's own\n"
    "allow read /etc/perl/**\n"
    "allow read /usr/local/lib/x86_64-linux-gnu/perl/**\n"
    "allow read /usr/local/share/perl/**\n"
    "allow read /usr/lib/x86_64-linux-gnu/perl5/**\n"
    "allow read /usr/share/perl5/**\n"
    "allow read /usr/lib/x86_64-linux-gnu/perl-base/**\n"
    "allow read /usr/lib/x86_64-linux-gnu/perl/**\n"
    "allow read /usr/share/perl/**\n"
    "allow read /usr/local/lib/site_perl/**\n"
    "# where Cwd (File::Find and many others load it) looks for pwd: -x only\n"
    "allow stat /usr/bin/pwd\n"
    "allow stat /bin/pwd\n";

/* read as well as exec: bash's PATH search asks access(R_OK) of each
 * program; the worker may run what it reads anyway (filebroker.policy(5),
 * Exec rules). */
static const char shell_text[] =
    "# the shells: /bin/sh is dash (its canonical path), and bash\n"
    "allow read,exec /usr/bin/dash\n"
    "allow read,exec /usr/bin/bash\n"
    "# coreutils that scripts use\n"
    "allow read,exec /usr/bin/\\[\n"
    "allow read,exec /usr/bin/arch\n"
    "allow read,exec /usr/bin/b2sum\n"
    "allow read,exec /usr/bin/base32\n"
    "allow read,exec /usr/bin/base64\n"
    "allow read,exec /usr/bin/basename\n"
    "allow read,exec /usr/bin/basenc\n"
    "allow read,exec /usr/bin/cat\n"
    "allow read,exec /usr/bin/chmod\n"
    "allow read,exec /usr/bin/cksum\n"
    "allow read,exec /usr/bin/comm\n"
    "allow read,exec /usr/bin/cp\n"
    "allow read,exec /usr/bin/csplit\n"
    "allow read,exec /usr/bin/cut\n"
    "allow read,exec /usr/bin/date\n"
    "allow read,exec /usr/bin/dd\n"
    "allow read,exec /usr/bin/df\n"
    "allow read,exec /usr/bin/dirname\n"
    "allow read,exec /usr/bin/du\n"
    "allow read,exec /usr/bin/echo\n"
    "allow read,exec /usr/bin/env\n"
    "allow read,exec /usr/bin/expand\n"
    "allow read,exec /usr/bin/expr\n"
    "allow read,exec /usr/bin/factor\n"
    "allow read,exec /usr/bin/false\n"
    "allow read,exec /usr/bin/fmt\n"
    "allow read,exec /usr/bin/fold\n"
    "allow read,exec /usr/bin/groups\n"
    "allow read,exec /usr/bin/head\n"
    "allow read,exec /usr/bin/id\n"
    "allow read,exec /usr/bin/install\n"
    "allow read,exec /usr/bin/join\n"
    "allow read,exec /usr/bin/link\n"
    "allow read,exec /usr/bin/ln\n"
    "allow read,exec /usr/bin/ls\n"
    "allow read,exec /usr/bin/md5sum\n"
    "allow read,exec /usr/bin/mkdir\n"
    "allow read,exec /usr/bin/mkfifo\n"
    "allow read,exec /usr/bin/mktemp\n"
    "allow read,exec /usr/bin/mv\n"
    "allow read,exec /usr/bin/nice\n"
    "allow read,exec /usr/bin/nl\n"
    "allow read,exec /usr/bin/nohup\n"
    "allow read,exec /usr/bin/nproc\n"
    "allow read,exec /usr/bin/numfmt\n"
    "allow read,exec /usr/bin/od\n"
    "allow read,exec /usr/bin/paste\n"
    "allow read,exec /usr/bin/pathchk\n"
    "allow read,exec /usr/bin/pr\n"
    "allow read,exec /usr/bin/printenv\n"
    "allow read,exec /usr/bin/printf\n"
    "allow read,exec /usr/bin/ptx\n"
    "allow read,exec /usr/bin/pwd\n"
    "allow read,exec /usr/bin/readlink\n"
    "allow read,exec /usr/bin/realpath\n"
    "allow read,exec /usr/bin/rm\n"
    "allow read,exec /usr/bin/rmdir\n"
    "allow read,exec /usr/bin/seq\n"
    "allow read,exec /usr/bin/sha1sum\n"
    "allow read,exec /usr/bin/sha224sum\n"
    "allow read,exec /usr/bin/sha256sum\n"
    "allow read,exec /usr/bin/sha384sum\n"
    "allow read,exec /usr/bin/sha512sum\n"
    "allow read,exec /usr/bin/shred\n"
    "allow read,exec /usr/bin/shuf\n"
    "allow read,exec /usr/bin/sleep\n"
    "allow read,exec /usr/bin/sort\n"
    "allow read,exec /usr/bin/split\n"
    "allow read,exec /usr/bin/stat\n"
    "allow read,exec /usr/bin/sum\n"
    "allow read,exec /usr/bin/tac\n"
    "allow read,exec /usr/bin/tail\n"
    "allow read,exec /usr/bin/tee\n"
    "allow read,exec /usr/bin/test\n"
    "allow read,exec /usr/bin/timeout\n"
    "allow read,exec /usr/bin/touch\n"
    "allow read,exec /usr/bin/tr\n"
    "allow read,exec /usr/bin/true\n"
    "allow read,exec /usr/bin/truncate\n"
    "allow read,exec /usr/bin/tsort\n"
    "allow read,exec /usr/bin/uname\n"
    "allow read,exec /usr/bin/unexpand\n"
    "allow read,exec /usr/bin/uniq\n"
    "allow read,exec /usr/bin/unlink\n"
    "allow read,exec /usr/bin/wc\n"
    "allow read,exec /usr/bin/whoami\n"
    "allow read,exec /usr/bin/yes\n"
    "# grep (egrep and fgrep are scripts), sed, awk (mawk), find, xargs\n"
    "allow read,exec /usr/bin/grep\n"
    "allow read,exec /usr/bin/egrep\n"
    "allow read,exec /usr/bin/fgrep\n"
    "allow read,exec /usr/bin/sed\n"
    "allow read,exec /usr/bin/mawk\n"
    "allow read,exec /usr/bin/find\n"
    "allow read,exec /usr/bin/xargs\n"
    "# xargs lists its own descriptors (grep's read of its own memory map is\n"
    "# @runtime's)\n"
    "allow list /proc/self/fd\n";

/* git-core holds git's own programs only (its commands and helpers, the
 * scripts among them): one grant for the folder, not 170 of them. */
static const char git_text[] =
    "# git, and the programs and scripts of its own that it runs\n"
    "allow read,exec /usr/bin/git\n"
    "allow read,exec /usr/lib/git-core/**\n"
    "# the templates git init copies, and its other shared files\n"
    "allow read,list /usr/share/git-core/**\n"
    "# the system-wide configuration and attributes, which every git command\n"
    "# looks for (absent on Debian: the answer is ENOENT, and git goes on)\n"
    "allow read /etc/gitconfig\n"
    "allow read /etc/gitattributes\n";

static const char tls_text[] =
    "# OpenSSL's configuration (/usr/lib/ssl/openssl.cnf links here)\n"
    "allow read /etc/ssl/openssl.cnf\n"
    "# the CA certificates: the bundle, the hashed names and what they link to\n"
    "allow read,list /etc/ssl/certs/**\n"
    "allow read /usr/share/ca-certificates/**\n"
    "allow read /usr/local/share/ca-certificates/**\n"
    "# GnuTLS's system-wide configuration (absent unless written)\n"
    "allow read /etc/gnutls/config\n";

static const char file_text[] =
    "# file(1), and every program that identifies files with libmagic\n"
    "allow exec /usr/bin/file\n"
    "# the local additions, and the compiled database, which\n"
    "# /usr/share/misc/magic.mgc names through a symlink; /etc/magic.mgc is\n"
    "# looked for (absent)\n"
    "allow read /etc/magic\n"
    "allow stat /etc/magic.mgc\n"
    "allow read /usr/lib/file/magic.mgc\n";

static const char users_text[] = "# the user and group databases, and where names are looked up\n"
				 "allow read /etc/passwd\n"
				 "allow read /etc/group\n"
				 "allow read /etc/nsswitch.conf\n"
				 "# how many groups a process may have (glibc's sysconf, for id)\n"
				 "allow read /proc/sys/kernel/ngroups_max\n";

/*
 * The table: name, text, and for an interpreter's profile the interpreter
 * (canonical) and a file of its library that it needs.
 */
static const struct builtin {
	const char *name;
	const char *text;
	const char *interpreter;
	const char *library;
} builtins[] = {
	{ "@runtime", policy_runtime_text, NULL, NULL },
	{ "@python3", python3_text, "/usr/bin/python3.11", "/usr/lib/python3.11/os.py" },
	{ "@perl", perl_text, "/usr/bin/perl", "/usr/share/perl/5.36/Getopt/Long.pm" },
	{ "@shell", shell_text, NULL, NULL },
	{ "@git", git_text, "/usr/bin/git", "/etc/gitconfig" },
	{ "@tls", tls_text, "/usr/bin/openssl", "/etc/ssl/openssl.cnf" },
	{ "@file", file_text, "/usr/bin/file", "/usr/lib/file/magic.mgc" },
	{ "@users", users_text, NULL, NULL },
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const char *
policy_builtin_text(const char *name)
{
	size_t i;

	for (i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].text;
	return NULL;
}

const char *
policy_builtin_names(void)
{
	return "@runtime, @python3, @perl, @shell, @git, @tls, @file and @users";
}

const char *
policy_builtin_name(size_t i)
{
	return i < NBUILTINS ? builtins[i].name : NULL;
}

/*
 * The rule named where if it names the interpreter: a rule of the user's
 * (not a built-in), of this policy's own section (a view warns about its
 * profile's rules, the top about the common ones), and not a whole folder
 * ("DIR/ *" or "DIR/ **", written without the space), which allows every
 * program there, interpreters or not.  NULL otherwise.
 */
static const struct prule *
naming_rule(const struct policy *p, const char *where)
{
	const struct prule *r;
	size_t i, n;

	for (i = 0; i < p->nrules - p->nsynth; i++) {
		r = &p->rules[i];
		if (r->where != where)
			continue;
		n = strlen(r->pattern);
		if (r->file[0] == '@' || r->profile != p->view_profile ||
		    (n >= 2 && strcmp(r->pattern + n - 2, "/*") == 0) ||
		    (n >= 3 && strcmp(r->pattern + n - 3, "/**") == 0))
			return NULL;
		return r;
	}
	return NULL;
}

void
policy_builtin_suggest(struct pctx *c, const struct policy *p)
{
	struct policy_decision d;
	const struct prule *r;
	size_t i;

	for (i = 0; i < NBUILTINS; i++) {
		if (builtins[i].interpreter == NULL)
			continue;
		if (policy_decide(p, builtins[i].interpreter, POLICY_EXEC, 0, &d) == -1 ||
		    !d.allowed || (r = naming_rule(p, d.rule)) == NULL)
			continue;
		if (policy_decide(p, builtins[i].library, POLICY_READ, 0, &d) == -1 || d.allowed)
			continue;
		policy_ctx_diag(c, POLICY_WARNING, r->file, r->line, r->col,
		    "this allows exec of %s, but not what it reads (%s): add "
		    "'include %s'",
		    builtins[i].interpreter, builtins[i].library, builtins[i].name);
	}
}
