/*
 * audit_files.h: reading audit files for the offline tools (`filebroker
 * audit`, `filebroker learn`): each FILE, or stdin for "-", plain or
 * gzip-compressed (what logrotate's compress leaves), through
 * audit_read_stream(), with every torn or unreadable line reported on
 * stderr with its place (the first AUDIT_FILES_SHOW of them) and counted.
 */
#ifndef FB_AUDIT_FILES_H
#define FB_AUDIT_FILES_H

#include <stdio.h>

#include "audit_pair.h"
#include "audit_read.h"

/* Torn and unreadable lines reported one by one; the rest are counted. */
#define AUDIT_FILES_SHOW 10

struct audit_files {
	const char *tool; /* "audit", "learn": for messages */
	/* Each event line (session-start, ...), with the arg of
	 * audit_files_read(); NULL: events are skipped. */
	int (*event)(const struct audit_rec *r, void *arg);
	/* Every line as it turned out to be (audit_read.h), with that arg
	 * too; NULL: none. */
	int (*line)(const struct audit_line *l, void *arg);
	/* Torn and unreadable lines are not reported one by one on stderr
	 * (the verifier says more of them). */
	int quiet;
	/* Pair each change's intent with its outcome (audit_pair.h), over
	 * every file read: the records' fn then gets the outcome alone, and
	 * an intent without one goes to unknown instead, with its place, at
	 * audit_files_end() (or earlier, once AUDIT_PAIR_MAX are held).  NULL:
	 * an intent is a record like any other. */
	int (*unknown)(const struct audit_rec *r, const struct audit_read_place *at, void *arg);
	struct audit_pair *pair;       /* the intents held */
	struct audit_pair_stats ahead; /* their counts, at audit_files_end() */
	char *store;		       /* unknown's record's strings */
	struct audit_read_stats st;    /* over every file read */
	unsigned shown;		       /* lines reported so far */
};

/*
 * Read the file name ("-": stdin) and call fn(record, arg) for each
 * request record, in order (fn may be NULL).  A file whose first byte is gzip's (0x1f; a
 * record's is '{') is inflated, every gzip member in turn; compressed data
 * that ends early, or is followed by anything but another member, is an
 * error of the file.  Torn and unreadable lines are counted in
 * af->st and reported on stderr:
 *
 *	filebroker: audit: a.jsonl:57: torn: the file ends inside this line (...)
 *	filebroker: audit: a.jsonl:90: unreadable: expected ',' or '}'
 *
 * Returns 0; -1 when the file cannot be opened, read or inflated (logged,
 * with its name and what is wrong); or what fn returned when not 0 (it
 * stops the reading).
 */
int audit_files_read(struct audit_files *af, const char *name,
    int (*fn)(const struct audit_rec *r, void *arg), void *arg);

/*
 * The reading is done: each intent still held goes to af->unknown(r, at,
 * arg), oldest first; then what was held is freed (the counts stay in
 * af->ahead).  Returns 0, what unknown returned when not 0, or -1 with
 * errno.
 */
int audit_files_end(struct audit_files *af, void *arg);

/*
 * The torn and unreadable lines of st in words for a summary, e.g.
 * "2 torn lines (first: a.jsonl:57), 1 unreadable line (first: a.jsonl:90:
 * expected ',' or '}')", preceded by sep; nothing when there are none.
 */
void audit_files_describe(FILE *f, const char *sep, const struct audit_read_stats *st);

/* 1 when some line read was torn or unreadable: the trail is not whole. */
int audit_files_damaged(const struct audit_read_stats *st);

/*
 * Put the n names of a rotation set in the order they were written, oldest
 * first, as logrotate names them: BASE.N and BASE.N.gz by N from the
 * largest, then BASE.  Only when every name is BASE or BASE.N[.gz] of one
 * BASE (two at least, no N twice); otherwise, as given.
 */
void audit_files_order(char **names, size_t n);

#endif
