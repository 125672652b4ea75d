/*
 * out.c: see out.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "out.h"

void
out_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else if (*s == '\\')
			fputs("\\\\", f);
		else
			fputc(*s, f);
	}
}

int
out_json(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), used, k;
	char buf[1024];
	int bad = 0;

	fputc('"', f);
	while (n > 0) {
		k = json_escape(buf, sizeof(buf), s, n, &used, &bad);
		fwrite(buf, 1, k, f);
		s += used;
		n -= used;
	}
	fputc('"', f);
	return bad;
}

void
out_json_field(FILE *f, const char *key, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	fprintf(f, "\"%s\":", key);
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	if (!out_json(f, s))
		return;
	fprintf(f, ",\"%s_hex\":\"", key);
	for (; *u != '\0'; u++)
		fprintf(f, "%02x", *u);
	fputc('"', f);
}
