/*
 * main.c: the filebroker command: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "filebroker.h" /* FB_VERSION */
#include "log.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run a command as a worker, brokering its file access" },
	{ "serve", cmd_serve, "serve workers that connect to a socket (daemon mode)" },
	{ "status", cmd_status, "show the peers and counts of a running serve" },
	{ "check", cmd_check, "check policy files and report every error" },
	{ "explain", cmd_explain, "show how a policy decides given paths" },
	{ "learn", cmd_learn, "write a policy from what a command used" },
	{ "audit", cmd_audit, "summarise audit records" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: filebroker COMMAND [OPTION...] [ARG...]\n\n"
	    "A privileged broker that opens files for a sandboxed worker, only as a\n"
	    "policy allows, and records every request.\n\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	    "\n'filebroker COMMAND --help' describes each command; "
	    "see also filebroker(1)\nand filebroker.policy(5).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("filebroker %s\n", FB_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	log_warnx("unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}
