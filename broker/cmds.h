/*
 * cmds.h: the subcommands of the filebroker binary.  Each takes the
 * arguments after the subcommand name (argv[0] is the subcommand) and
 * returns the process exit status.
 */
#ifndef FB_CMDS_H
#define FB_CMDS_H

#include <stddef.h>

int cmd_run(int argc, char **argv);	/* broker/run/run.c */
int cmd_serve(int argc, char **argv);	/* broker/daemon/daemon.c */
int cmd_status(int argc, char **argv);	/* tools/cmd_status.c */
int cmd_check(int argc, char **argv);	/* tools/cmd_policy.c */
int cmd_explain(int argc, char **argv); /* tools/cmd_policy.c */
int cmd_learn(int argc, char **argv);	/* tools/cmd_learn.c */
int cmd_audit(int argc, char **argv);	/* tools/cmd_audit.c */

/* `filebroker audit --verify` (tools/cmd_verify.c): the chains of the n
 * files (reordered as a rotation set, audit_files_order(); none: stdin),
 * with the key in keyfile (NULL: none) and the anchors given.  Returns the
 * exit status. */
int audit_verify_files(char **names, size_t n, const char *keyfile, char **anchors, size_t nanchors,
    int json);

#endif
