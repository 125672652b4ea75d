/*
 * audit_files.c: see audit_files.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit_files.h"
#include "log.h"
#include "out.h"

/* The reading in progress: the caller's function, and the files' state. */
struct reading {
	struct audit_files *af;
	int (*fn)(const struct audit_rec *r, void *arg);
	void *arg;
};

static int
record(const struct audit_rec *r, void *arg)
{
	struct reading *rd = arg;

	return rd->fn(r, rd->arg);
}

static void
place(FILE *f, const struct audit_read_place *at)
{
	out_text(f, at->name);
	fprintf(f, ":%" PRIu64, at->line);
}

static void
unreadable(const struct audit_read_place *at, int torn, void *arg)
{
	struct reading *rd = arg;

	if (rd->af->shown++ >= AUDIT_FILES_SHOW)
		return;
	fprintf(stderr, "filebroker: %s: ", rd->af->tool);
	place(stderr, at);
	/* A torn line's why begins with "torn: " itself. */
	fputs(torn ? ": " : ": unreadable: ", stderr);
	fputs(at->why, stderr);
	fputc('\n', stderr);
}

int
audit_files_read(struct audit_files *af, const char *name,
    int (*fn)(const struct audit_rec *r, void *arg), void *arg)
{
	struct reading rd = { af, fn, arg };
	struct audit_read_cb cb = { record, unreadable, &rd };
	int std = strcmp(name, "-") == 0, r;
	FILE *f;

	if (std)
		f = stdin;
	else if ((f = fopen(name, "re")) == NULL) {
		log_warn("%s: %s", af->tool, name);
		return -1;
	}
	r = audit_read_stream(f, std ? "stdin" : name, &cb, &af->st);
	if (r == -1)
		log_warn("%s: reading %s", af->tool, name);
	if (!std)
		fclose(f);
	return r;
}

void
audit_files_describe(FILE *f, const char *sep, const struct audit_read_stats *st)
{
	if (st->torn > 0) {
		fprintf(f, "%s%" PRIu64 " torn line%s (first: ", sep, st->torn,
		    st->torn == 1 ? "" : "s");
		place(f, &st->first_torn);
		fputs(")", f);
		sep = ", ";
	}
	if (st->bad > 0) {
		fprintf(f, "%s%" PRIu64 " unreadable line%s (first: ", sep, st->bad,
		    st->bad == 1 ? "" : "s");
		place(f, &st->first_bad);
		fputs(": ", f);
		fputs(st->first_bad.why, f);
		fputs(")", f);
	}
}

int
audit_files_damaged(const struct audit_read_stats *st)
{
	return st->torn > 0 || st->bad > 0;
}
