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

/* A JSON string, quotes included, escaped as the audit records are
 * (json_escape(), common/json.h): always valid UTF-8 and valid JSON, each
 * byte that is not UTF-8 written as U+FFFD.  Returns 1 when one was. */
int out_json(FILE *f, const char *s);

/* "key":STRING (or "key":null), and when s is not valid UTF-8 also
 * ,"key_hex":"<its bytes in hex>", as the audit records carry them: the
 * exact bytes are never lost. */
void out_json_field(FILE *f, const char *key, const char *s);

#endif
