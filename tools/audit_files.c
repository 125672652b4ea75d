/*
 * audit_files.c: see audit_files.h.
 *
 * A gzip-compressed file (what logrotate's compress leaves) is inflated
 * with zlib's inflate() rather than its gzread(), which skips whatever
 * follows the last gzip member without a word: here bytes that are not a
 * gzip member, and compressed data that ends early, are errors, as a line
 * that is not a record is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

	/* An intent waits for its outcome (line() holds it, with its
	 * bytes); an outcome lets its intent go, and stands for the pair. */
	if (rd->af->unknown != NULL && r->phase != AUDIT_PHASE_NONE) {
		if (rd->af->pair == NULL && (rd->af->pair = audit_pair_new()) == NULL)
			return -1;
		if (r->phase == AUDIT_PHASE_INTENT)
			return 0;
		audit_pair_done(rd->af->pair, r);
	}
	return rd->fn != NULL ? rd->fn(r, rd->arg) : 0;
}

/* The oldest intent held goes to af->unknown: 0, what it returned, or -1
 * with errno.  *any: whether there was one. */
static int
let_go(struct audit_files *af, void *arg, int *any)
{
	struct audit_read_place at;
	struct audit_rec r;
	int n;

	*any = 0;
	if (af->pair == NULL)
		return 0;
	if (af->store == NULL && (af->store = malloc(AUDIT_RECORD_MAX + 16)) == NULL)
		return -1;
	if ((n = audit_pair_oldest(af->pair, &r, af->store, AUDIT_RECORD_MAX + 16, &at)) <= 0)
		return n;
	*any = 1;
	return af->unknown(&r, &at, arg);
}

/* An intent read (a record line): held until its outcome. */
static int
hold(struct reading *rd, const struct audit_line *l)
{
	struct audit_files *af = rd->af;
	int r, any;

	while ((r = audit_pair_intent(af->pair, l->rec, l->rec_bytes, l->rec_len, &l->at)) == 1)
		if ((r = let_go(af, rd->arg, &any)) != 0)
			return r;
	return r;
}

static int
line(const struct audit_line *l, void *arg)
{
	struct reading *rd = arg;
	int r;

	if (rd->af->unknown != NULL && l->kind != AUDIT_LINE_EVENT && l->rec != NULL &&
	    l->rec->phase == AUDIT_PHASE_INTENT && (r = hold(rd, l)) != 0)
		return r;
	return rd->af->line != NULL ? rd->af->line(l, rd->arg) : 0;
}

int
audit_files_end(struct audit_files *af, void *arg)
{
	int r = 0, any = 1;

	while (af->unknown != NULL && any && (r = let_go(af, arg, &any)) == 0)
		;
	if (af->pair != NULL)
		af->ahead = *audit_pair_stats(af->pair);
	audit_pair_free(af->pair);
	af->pair = NULL;
	free(af->store);
	af->store = NULL;
	return r;
}

static int
event(const struct audit_rec *r, void *arg)
{
	struct reading *rd = arg;

	return rd->af->event != NULL ? rd->af->event(r, rd->arg) : 0;
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

	if (rd->af->quiet || rd->af->shown++ >= AUDIT_FILES_SHOW)
		return;
	fprintf(stderr, "filebroker: %s: ", rd->af->tool);
	place(stderr, at);
	/* A torn line's why begins with "torn: " itself. */
	fputs(torn ? ": " : ": unreadable: ", stderr);
	fputs(at->why, stderr);
	fputc('\n', stderr);
}

/* A gzip stream being inflated: the cookie of a FILE (fopencookie(3)). */
struct gz {
	FILE *in; /* the compressed bytes */
	z_stream z;
	int member;	 /* inside a gzip member (its end not seen yet) */
	int eof;	 /* in has no more */
	const char *err; /* what is wrong with the data, for messages */
	unsigned char buf[65536];
};

/* More compressed bytes into the stream's buffer; 0 at the end of in. */
static int
gz_fill(struct gz *g)
{
	size_t n;

	if (g->eof)
		return 0;
	if ((n = fread(g->buf, 1, sizeof(g->buf), g->in)) == 0) {
		if (ferror(g->in))
			return -1;
		g->eof = 1;
		return 0;
	}
	g->z.next_in = g->buf;
	g->z.avail_in = (uInt)n;
	return 1;
}

static ssize_t
gz_read(void *cookie, char *buf, size_t size)
{
	struct gz *g = cookie;
	int r;

	if (size > UINT32_MAX)
		size = UINT32_MAX;
	g->z.next_out = (Bytef *)buf;
	g->z.avail_out = (uInt)size;
	while (g->z.avail_out == size) {
		if (g->z.avail_in == 0 && (r = gz_fill(g)) <= 0) {
			if (r == -1)
				return -1;
			if (!g->member)
				return 0; /* the end, after a whole member */
			g->err = "the compressed data ends early (a file cut short)";
			errno = EIO;
			return -1;
		}
		if (!g->member) {
			/* Another member may follow one that ended (gzip files
			 * concatenated); nothing else may. */
			if (g->z.next_in[0] != 0x1f) {
				g->err = "bytes after the compressed data";
				errno = EIO;
				return -1;
			}
			if (inflateReset(&g->z) != Z_OK) {
				errno = ENOMEM;
				return -1;
			}
			g->member = 1;
		}
		r = inflate(&g->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			g->member = 0;
		else if (r != Z_OK && r != Z_BUF_ERROR) {
			g->err = g->z.msg != NULL ? g->z.msg : "corrupt compressed data";
			errno = r == Z_MEM_ERROR ? ENOMEM : EIO;
			return -1;
		}
	}
	return (ssize_t)(size - g->z.avail_out);
}

static int
gz_close(void *cookie)
{
	struct gz *g = cookie;

	inflateEnd(&g->z);
	free(g);
	return 0;
}

/*
 * f itself, or, when it begins as gzip does (byte 0x1f: a record begins
 * with '{'), a FILE that reads it inflated; NULL with errno.  *gp is the
 * inflating state, for its error.
 */
static FILE *
maybe_gunzip(FILE *f, struct gz **gp)
{
	static const cookie_io_functions_t io = { gz_read, NULL, NULL, gz_close };
	struct gz *g;
	FILE *z;
	int c;

	*gp = NULL;
	if ((c = getc(f)) == EOF)
		return f;
	if (c != 0x1f) {
		ungetc(c, f);
		return f;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->in = f;
	/* 16 + MAX_WBITS: a gzip header and trailer, checked. */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		free(g);
		errno = ENOMEM;
		return NULL;
	}
	g->buf[0] = (unsigned char)c;
	g->z.next_in = g->buf;
	g->z.avail_in = 1;
	g->member = 1;
	if ((z = fopencookie(g, "r", io)) == NULL) {
		gz_close(g);
		return NULL;
	}
	*gp = g;
	return z;
}

int
audit_files_read(struct audit_files *af, const char *name,
    int (*fn)(const struct audit_rec *r, void *arg), void *arg)
{
	struct reading rd = { af, fn, arg };
	struct audit_read_cb cb = { record, unreadable, event, line, &rd };
	int std = strcmp(name, "-") == 0, r = -1;
	struct gz *g;
	FILE *f, *in;

	if (std)
		f = stdin;
	else if ((f = fopen(name, "re")) == NULL) {
		log_warn("%s: %s", af->tool, name);
		return -1;
	}
	if ((in = maybe_gunzip(f, &g)) == NULL)
		log_warn("%s: %s", af->tool, name);
	else if ((r = audit_read_stream(in, std ? "stdin" : name, &cb, &af->st)) == -1) {
		if (g != NULL && g->err != NULL)
			log_warnx("%s: reading %s: %s", af->tool, name, g->err);
		else
			log_warn("%s: reading %s", af->tool, name);
	}
	if (in != NULL && in != f)
		fclose(in);
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

/* The N of BASE.N or BASE.N.gz, with BASE's length in *blen; 0 for a name
 * without one (BASE itself: logrotate's N start at 1). */
static unsigned long
rotation_number(const char *name, size_t *blen)
{
	size_t n = strlen(name), e = n, d, k;
	unsigned long v = 0;

	if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
		e = n - 3;
	for (d = e; d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9'; d--)
		;
	if (d == e || d < 2 || name[d - 1] != '.' || e - d > 9 || name[d] == '0') {
		*blen = n;
		return 0;
	}
	for (k = d; k < e; k++)
		v = v * 10 + (unsigned long)(name[k] - '0');
	*blen = d - 1;
	return v;
}

void
audit_files_order(char **names, size_t n)
{
	unsigned long *num, t;
	size_t i, j, blen, base = 0;
	char *x;

	if (n < 2 || (num = calloc(n, sizeof(*num))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		num[i] = rotation_number(names[i], &blen);
		if (i == 0)
			base = blen;
		if (blen != base || strncmp(names[i], names[0], base) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (num[j] == num[i])
				goto out;
	}
	/* Insertion sort: a rotation set is a few dozen files. */
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && num[j - 1] < num[j]; j--) {
			t = num[j], num[j] = num[j - 1], num[j - 1] = t;
			x = names[j], names[j] = names[j - 1], names[j - 1] = x;
		}
	}
out:
	free(num);
}
