/*
 * json.h: a strict JSON parser for the fuzz targets' oracles (RFC 8259:
 * no trailing commas, no leading zeros, no raw control characters or
 * invalid UTF-8 in strings, no lone surrogates, nothing after the value but
 * the whitespace allowed), into a small tree.  Written apart from the
 * broker's writers so that it cannot share their mistakes.  Static
 * functions: a target that includes it uses what it calls.
 */
#ifndef FB_FUZZ_JSON_H
#define FB_FUZZ_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

enum json_type { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct json {
	enum json_type type;
	/* J_STR: the decoded string (UTF-8; len bytes, NUL added), with
	 * esc[i] set where byte i came from a \u escape of U+0080..U+00FF;
	 * J_NUM: the number's text; J_BOOL: "true"/"false". */
	char *s;
	unsigned char *esc;
	size_t len;
	/* J_ARR, J_OBJ: n children; keys[i] for J_OBJ. */
	struct json **v;
	char **keys;
	size_t n;
};

struct json_in {
	const unsigned char *p, *end;
	int depth;
};

#define JSON_MAX_DEPTH 64

static void
json_free(struct json *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++) {
		json_free(j->v[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->s);
	free(j->esc);
	free(j);
}

static void
json_ws(struct json_in *in)
{
	while (in->p < in->end &&
	    (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

/* Length of the well-formed UTF-8 sequence at p (1 to 4), 0 if none. */
static size_t
json_utf8(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static size_t
json_put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
json_hex4(struct json_in *in, uint32_t *v)
{
	int i;
	unsigned c;

	if (in->end - in->p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = *in->p++;
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		*v = *v << 4 | c;
	}
	return 0;
}

/* A string at in->p (the opening quote): 0 and the decoded bytes, or -1. */
static int
json_string(struct json_in *in, char **s, unsigned char **esc, size_t *len)
{
	const unsigned char *q;
	size_t cap, n = 0, k, i;
	char *out;
	unsigned char *e;
	uint32_t cp, lo;

	if (in->p >= in->end || *in->p != '"')
		return -1;
	in->p++;
	/* Decoded, a string is never longer than written. */
	for (q = in->p; q < in->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < in->end)
			q++;
	cap = (size_t)(q - in->p) + 8;
	if ((out = malloc(cap)) == NULL || (e = calloc(cap, 1)) == NULL) {
		free(out);
		return -1;
	}
	for (;;) {
		if (in->p >= in->end || *in->p < 0x20)
			goto bad; /* unterminated, or a raw control character */
		if (*in->p == '"') {
			in->p++;
			break;
		}
		if (*in->p != '\\') {
			if ((k = json_utf8(in->p, in->end)) == 0)
				goto bad;
			memcpy(out + n, in->p, k);
			n += k;
			in->p += k;
			continue;
		}
		in->p++;
		if (in->p >= in->end)
			goto bad;
		switch (*in->p++) {
		/* clang-format off */
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		/* clang-format on */
		case 'u':
			if (json_hex4(in, &cp) == -1)
				goto bad;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad; /* a lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (in->end - in->p < 2 || in->p[0] != '\\' || in->p[1] != 'u')
					goto bad;
				in->p += 2;
				if (json_hex4(in, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			k = json_put_utf8(out + n, cp);
			if (cp >= 0x80 && cp <= 0xff)
				for (i = 0; i < k; i++)
					e[n + i] = 1;
			n += k;
			break;
		default:
			goto bad;
		}
	}
	out[n] = '\0';
	*s = out;
	*esc = e;
	*len = n;
	return 0;
bad:
	free(out);
	free(e);
	return -1;
}

static int
json_digits(struct json_in *in)
{
	const unsigned char *s = in->p;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > s ? 0 : -1;
}

static struct json *json_value(struct json_in *in);

static int
json_push(struct json *j, struct json *c, char *key)
{
	struct json **v;
	char **keys;

	if ((v = realloc(j->v, (j->n + 1) * sizeof(*v))) == NULL)
		return -1;
	j->v = v;
	if (j->type == J_OBJ) {
		if ((keys = realloc(j->keys, (j->n + 1) * sizeof(*keys))) == NULL)
			return -1;
		j->keys = keys;
		keys[j->n] = key;
	}
	v[j->n++] = c;
	return 0;
}

static struct json *
json_value(struct json_in *in)
{
	struct json *j, *c;
	const unsigned char *s;
	unsigned char *esc;
	char *key;
	size_t len;

	json_ws(in);
	if (in->p >= in->end || ++in->depth > JSON_MAX_DEPTH)
		return NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	s = in->p;
	switch (*in->p) {
	case '{':
	case '[':
		j->type = *in->p == '{' ? J_OBJ : J_ARR;
		in->p++;
		json_ws(in);
		if (in->p < in->end && *in->p == (j->type == J_OBJ ? '}' : ']')) {
			in->p++;
			break;
		}
		for (;;) {
			key = NULL;
			if (j->type == J_OBJ) {
				json_ws(in);
				if (json_string(in, &key, &esc, &len) == -1)
					goto bad;
				free(esc);
				json_ws(in);
				if (in->p >= in->end || *in->p++ != ':') {
					free(key);
					goto bad;
				}
			}
			if ((c = json_value(in)) == NULL || json_push(j, c, key) == -1) {
				json_free(c);
				free(key);
				goto bad;
			}
			json_ws(in);
			if (in->p < in->end && *in->p == ',') {
				in->p++;
				continue;
			}
			if (in->p < in->end && *in->p == (j->type == J_OBJ ? '}' : ']')) {
				in->p++;
				break;
			}
			goto bad;
		}
		break;
	case '"':
		j->type = J_STR;
		if (json_string(in, &j->s, &j->esc, &j->len) == -1)
			goto bad;
		break;
	case 't':
	case 'f':
	case 'n':
		key = *in->p == 't' ? "true" : *in->p == 'f' ? "false" : "null";
		len = strlen(key);
		if ((size_t)(in->end - in->p) < len || memcmp(in->p, key, len) != 0)
			goto bad;
		in->p += len;
		j->type = key[0] == 'n' ? J_NULL : J_BOOL;
		if ((j->s = strdup(key)) == NULL)
			goto bad;
		break;
	default:
		j->type = J_NUM;
		if (*in->p == '-')
			in->p++;
		if (in->p < in->end && *in->p == '0')
			in->p++;
		else if (json_digits(in) == -1)
			goto bad;
		if (in->p < in->end && *in->p == '.') {
			in->p++;
			if (json_digits(in) == -1)
				goto bad;
		}
		if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
			in->p++;
			if (in->p < in->end && (*in->p == '+' || *in->p == '-'))
				in->p++;
			if (json_digits(in) == -1)
				goto bad;
		}
		if ((j->s = strndup((const char *)s, (size_t)(in->p - s))) == NULL)
			goto bad;
		break;
	}
	in->depth--;
	return j;
bad:
	json_free(j);
	return NULL;
}

/* Parse exactly one JSON text of len bytes: the tree, or NULL. */
static struct json *
json_parse(const char *text, size_t len)
{
	struct json_in in = { (const unsigned char *)text, (const unsigned char *)text + len, 0 };
	struct json *j = json_value(&in);

	json_ws(&in);
	if (j != NULL && in.p != in.end) {
		json_free(j);
		return NULL;
	}
	return j;
}

/* The member key of object j, or NULL. */
static struct json *
json_get(const struct json *j, const char *key)
{
	size_t i;

	if (j == NULL || j->type != J_OBJ)
		return NULL;
	for (i = 0; i < j->n; i++)
		if (strcmp(j->keys[i], key) == 0)
			return j->v[i];
	return NULL;
}

/*
 * Does the JSON string j give back s as the tree's one escaper writes it
 * (common/json.h): s itself where it is well-formed UTF-8, each byte that
 * is not part of well-formed UTF-8 as U+FFFD (EF BF BD)?  The escapes of
 * controls and the like decode to the very bytes they stand for.
 */
static int
json_gives(const struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *d;
	size_t slen = strlen(s), i = 0, k = 0, n;
	uint32_t cp;

	if (j == NULL || j->type != J_STR)
		return 0;
	d = (const unsigned char *)j->s;
	while (i < slen) {
		if ((n = utf8_decode(p + i, slen - i, &cp)) == 0) {
			if (k + 3 > j->len || d[k] != 0xef || d[k + 1] != 0xbf || d[k + 2] != 0xbd)
				return 0;
			k += 3;
			i++;
			continue;
		}
		if (k + n > j->len || memcmp(d + k, p + i, n) != 0)
			return 0;
		k += n;
		i += n;
	}
	return k == j->len;
}

#endif
