/*
 * cmd_verify.c: `filebroker audit --verify FILE...`: whether the hash
 * chains of audit files are whole, and where they break (audit_verify.h,
 * docs/audit.md "Tamper evidence").  The files are read in the order of a
 * rotation set (audit_files_order()), each line once, in constant memory
 * but for a small state per chain.
 *
 * Exit status: 0 whole; 3 broken (a break found); 4 nothing could be
 * proved (no chained line, or keyed chains and no key given); 1 a file
 * could not be read; 2 a usage error (cmd_audit.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_files.h"
#include "audit_verify.h"
#include "cmds.h"
#include "log.h"
#include "out.h"

/* Findings written on stderr one by one; the rest are counted. */
#define VERIFY_SHOW 100

struct verifying {
	int json;
	uint64_t shown, nfindings;
	const char *first_break_name;
	uint64_t first_break_line;
	char first_break[256];
	int has_first;
};

static void
finding(const struct audit_verify_finding *f, void *arg)
{
	struct verifying *vy = arg;

	if (f->is_break && !vy->has_first) {
		vy->has_first = 1;
		vy->first_break_name = f->name;
		vy->first_break_line = f->line;
		snprintf(vy->first_break, sizeof(vy->first_break), "%s: %s", f->what, f->msg);
	}
	vy->nfindings++;
	if (vy->shown++ >= VERIFY_SHOW)
		return;
	fputs("filebroker: audit: ", stderr);
	if (f->name != NULL) {
		out_text(stderr, f->name);
		if (f->line > 0)
			fprintf(stderr, ":%" PRIu64, f->line);
		fputs(": ", stderr);
	}
	fputs(f->is_break ? f->what : "note", stderr);
	fputs(": ", stderr);
	out_text(stderr, f->msg);
	fputc('\n', stderr);
}

static void
chain_text(const struct audit_verify_chain *c, void *arg)
{
	(void)arg;
	printf("  %s  %s  %" PRIu64 " line%s, seq %" PRIu64 "..%" PRIu64 ", ", c->id,
	    c->keyed ? "keyed" : "unkeyed", c->lines, c->lines == 1 ? "" : "s", c->first_seq,
	    c->last_seq);
	out_text(stdout, c->first_name);
	printf(":%" PRIu64 " .. ", c->first_line);
	out_text(stdout, c->last_name);
	printf(":%" PRIu64 ", %s%s\n    last: %s:%" PRIu64 ":%s\n", c->last_line,
	    c->closed ? "closed" : "not closed",
	    c->keyed && !c->verified ? ", digests not checked (no key)" : "", c->id, c->last_seq,
	    c->last_digest);
}

static void
chain_json(const struct audit_verify_chain *c, void *arg)
{
	int *first = arg;

	printf("%s{\"chain\":\"%s\",\"keyed\":%s,\"verified\":%s,\"closed\":%s,\"lines\":%" PRIu64
	       ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64 ",\"last_digest\":\"%s\","
	       "\"anchor\":\"%s:%" PRIu64 ":%s\"}",
	    *first ? "" : ",", c->id, c->keyed ? "true" : "false", c->verified ? "true" : "false",
	    c->closed ? "true" : "false", c->lines, c->first_seq, c->last_seq, c->last_digest,
	    c->id, c->last_seq, c->last_digest);
	*first = 0;
}

int
audit_verify_files(char **names, size_t n, const char *keyfile, char **anchors, size_t nanchors,
    int json)
{
	unsigned char key[AUDIT_KEY_MAX];
	struct audit_verify_result res;
	struct verifying vy;
	struct audit_files af;
	struct audit_verify *v;
	const char *result, *why;
	char msg[512];
	size_t klen = 0, i;
	int status = 0, first = 1;

	if (keyfile != NULL && audit_key_read(keyfile, key, &klen, msg, sizeof(msg)) == -1) {
		log_warnx("%s", msg);
		return 2;
	}
	memset(&vy, 0, sizeof(vy));
	vy.json = json;
	v = audit_verify_new(keyfile != NULL ? key : NULL, klen, finding, &vy);
	explicit_bzero(key, sizeof(key));
	if (v == NULL)
		fatal("audit: memory");
	for (i = 0; i < nanchors; i++)
		if (audit_verify_anchor(v, anchors[i]) == -1) {
			log_warnx("audit: --anchor %s: not an anchor; one is CHAIN:SEQ:DIGEST, as "
				  "the "
				  "daemon logs it (audit: FILE: anchor ...)",
			    anchors[i]);
			audit_verify_free(v);
			return 2;
		}
	memset(&af, 0, sizeof(af));
	af.tool = "audit";
	af.line = audit_verify_line;
	af.quiet = 1; /* the verifier says it, with what it means */
	audit_files_order(names, n);
	for (i = 0; i == 0 || i < n; i++) {
		audit_verify_file(v, i < n ? names[i] : "stdin");
		if (audit_files_read(&af, i < n ? names[i] : "-", NULL, v) == -1)
			status = 1;
	}
	audit_verify_end(v, &res);
	if (res.breaks > 0) {
		result = "broken";
		why = "lines were changed, removed, inserted or reordered, or a file of the set is "
		      "missing: each break is on stderr with its place";
		status = status ? status : 3;
	} else if (res.chained == 0) {
		result = "unproved";
		why = "no line is chained (records of version 1, or not a JSON sink's)";
		status = status ? status : 4;
	} else if (res.unverified > 0) {
		result = "unproved";
		why =
		    "the chains are keyed: give their key (--audit-key FILE) to check the digests; "
		    "the seqs follow on";
		status = status ? status : 4;
	} else if (res.nkeyed < res.nchains) {
		result = "whole";
		why = "every line of every chain is there, in order, as written; unkeyed, so this "
		      "holds unless someone rewrote a chain whole: an anchor kept elsewhere proves "
		      "that too (--anchor)";
	} else {
		result = "whole";
		why =
		    "every line of every chain is there, in order, as written and sealed with the "
		    "key given";
	}
	if (json) {
		printf("{\"result\":\"%s\",\"files\":%zu,\"lines\":%" PRIu64 ",\"chained\":%" PRIu64
		       ",\"unchained\":%" PRIu64 ",\"torn\":%" PRIu64 ",\"breaks\":%" PRIu64
		       ",\"unverified\":%" PRIu64 ",\"anchors\":%zu,\"chains\":[",
		    result, res.nfiles, res.lines, res.chained, res.unchained, res.torn, res.breaks,
		    res.unverified, res.nanchors);
		audit_verify_chains(v, chain_json, &first);
		printf("]}\n");
	} else {
		printf("files: %zu, lines: %" PRIu64 " (%" PRIu64 " chained, %" PRIu64
		       " not chained, %" PRIu64 " torn)\n",
		    res.nfiles, res.lines, res.chained, res.unchained, res.torn);
		printf("chains: %zu (%zu keyed), %zu without a close record\n", res.nchains,
		    res.nkeyed, res.nopen);
		audit_verify_chains(v, chain_text, NULL);
		if (res.nanchors > 0)
			printf("anchors: %zu given\n", res.nanchors);
		printf("breaks: %" PRIu64, res.breaks);
		if (vy.has_first) {
			printf(" (first: ");
			if (vy.first_break_name != NULL) {
				out_text(stdout, vy.first_break_name);
				printf(":%" PRIu64 ": ", vy.first_break_line);
			}
			out_text(stdout, vy.first_break);
			putchar(')');
		}
		printf("\nresult: %s: %s\n", result, why);
	}
	audit_verify_free(v);
	return status;
}
