/*
 * out.h: printing strings that came from policies, paths and audit
 * records, which may hold any byte, for people and for scripts.
 */
#ifndef FB_OUT_H
#define FB_OUT_H

#include <stdio.h>

/* For people: control characters as \xNN and backslashes doubled, so that
 * no string can move the cursor or fake a line; everything else as is. */
void out_text(FILE *f, const char *s);

/* A JSON string, quotes included: valid UTF-8 as is, quotes, backslashes,
 * control characters and every byte that is not UTF-8 as escapes, so that
 * the output is always valid JSON. */
void out_json(FILE *f, const char *s);

#endif
