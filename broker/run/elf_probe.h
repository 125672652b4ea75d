/*
 * elf_probe.h: what the dynamic loader of COMMAND will read, found before
 * the launch, for explicit mode: the folders and files its read grants are
 * made from (exec_grants_add_reads()), and the diagnostics that say why a
 * dynamically linked COMMAND cannot start under a policy.
 *
 * In explicit mode the worker's path system calls fail with EACCES, so the
 * loader of a dynamically linked program could open none of its libraries.
 * The broker reads COMMAND's ELF headers (and follows a "#!" line to the
 * interpreter that runs a script), and does what glibc's loader would do
 * to find each library it needs, each library's own needs too: the
 * object's DT_RPATH, LD_LIBRARY_PATH, its DT_RUNPATH, /etc/ld.so.cache,
 * the system folders.
 *
 * The files read are the user's and may be anything: they are decoded by
 * elf_parse.h, opened so that a FIFO or a device cannot stall the broker
 * (O_NONBLOCK, regular files only), and read with pread(2), never mapped,
 * so that a file cut short meanwhile cannot fault it.
 */
#ifndef FB_ELF_PROBE_H
#define FB_ELF_PROBE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <stdio.h>

#include "elf_parse.h"
#include "exec_grants.h"
#include "policy.h"

#define ELF_PROBE_OBJECTS_MAX 128	/* objects followed: COMMAND and its libraries */
#define ELF_PROBE_CACHE_MAX (16u << 20) /* bytes of /etc/ld.so.cache */
#define ELF_PROBE_SCRIPTS_MAX 4		/* "#!" lines followed, as the kernel */

/*
 * The ELF object at path, read with elf_parse_object() (pread(2), a
 * regular file only, opened O_NONBLOCK): its return, or -1 with errno when
 * it cannot be read.  *ei is the caller's to free (elf_parse_info_free()).
 */
int elf_probe_file(const char *path, struct elf_info *ei);

/*
 * The "#!" line of the file at path, as the kernel reads it (its first
 * line, at most 256 bytes): the interpreter into interp and the one
 * argument the kernel passes (the rest of the line, blanks trimmed) into
 * arg.  1, or 0 when it has none (or it cannot be read).
 */
int elf_probe_shebang(const char *path, char *interp, size_t isize, char *arg, size_t asize);

/* A library the loader will look for. */
struct elf_lib {
	char *name; /* as needed (DT_NEEDED or an LD_PRELOAD entry) */
	char *path; /* where the loader finds it, canonical; NULL: nowhere */
	char *by;   /* the object that needs it, canonical, or "LD_PRELOAD" */
};

struct elf_load {
	char prog[PATH_MAX];   /* the ELF that runs: COMMAND, or the
				* interpreter its "#!" line names */
	char interp[PATH_MAX]; /* its loader (PT_INTERP); "" when it is
				* static, or no ELF object of this machine */
	char **roots;	       /* the folders the loader searches and the files
				* it reads, absolute, NULL-terminated: the
				* candidates for its read grants */
	size_t nroots;
	struct elf_lib *libs; /* what it looks for, and where it finds it */
	size_t nlibs;
	int truncated; /* ELF_PROBE_OBJECTS_MAX reached: libraries of
			* libraries were not all followed */
	char *why;     /* what would keep it from starting, one line each
			* (elf_probe_check()), or NULL */
	size_t nwhy;   /* how many (past the lines kept too) */
};

/*
 * What the loader of the program at path will read, run with this
 * process's environment (LD_LIBRARY_PATH, LD_PRELOAD) and working folder:
 * *l filled (free with elf_probe_load_free()).  A static program, or one
 * this cannot read, has interp "" and nothing else; what cannot be read
 * is left out (the loader will say what is wrong with it).
 */
void elf_probe_load(const char *path, struct elf_load *l);
void elf_probe_load_free(struct elf_load *l);

/*
 * Explicit mode, before the launch: what keeps the loader of l's program
 * from starting under p, kept in l->why, one line each, to be said if the
 * start then fails (elf_probe_exit_hint()), and logged at once with -v: a
 * library the policy does not let it read, with the rule that denies it or
 * the rule to add ("include @runtime" once for the system's); a library it
 * finds nowhere.  Its own exec, and a script's interpreter's, are
 * execdiag.h's.  cmd names the program as the user did.  Returns how many
 * problems were found (0: nothing seen that would stop it).
 */
size_t elf_probe_check(const struct policy *p, struct elf_load *l, const char *cmd);

/* Explicit mode, after: the worker of a dynamically linked program exited
 * with status 127 before its first request, which is its loader's failure
 * (the loader's own message is above, on the worker's stderr): say why,
 * the lines elf_probe_check() kept, or where to look. */
void elf_probe_exit_hint(const struct elf_load *l, const char *cmd);

/*
 * run --explicit, before the launch: probe COMMAND (cmd as the user gave
 * it, found as execvp(3) would) into *l (free with elf_probe_load_free()),
 * find what would keep it from starting (elf_probe_check()), and for a
 * dynamically linked one add its loader's read grants to g
 * (exec_grants_add_reads(), fs the broker's own files).  Returns 1 when
 * the worker's filter is to let read-only opens reach the kernel (grants
 * were made, in g's Landlock ruleset), 0 when not (a static program,
 * nothing to grant; no Landlock, an exec grant that reaches an audit file:
 * kept in l->why), or -1 after logging why the grants could not be made.
 */
int elf_probe_explicit(const struct policy *p, const struct fsctx *fs, const char *cmd,
    struct exec_grants *g, struct elf_load *l);

/* For --print-sandbox: the loader's lines (its grants, the filter's). */
void elf_probe_describe(FILE *out, const struct elf_load *l, const struct exec_grants *g,
    int loader_opens);

#endif
