/*
 * log.h: the broker's tiny logging API, in the manner of OpenBSD's log.h.
 *
 * Only the broker's top level and its command-line tools log; library code
 * (policy/, client/) returns errors instead.  Messages go to stderr prefixed
 * with "filebroker: ".  log_warn() and fatal() append strerror(errno).
 */
#ifndef FB_LOG_H
#define FB_LOG_H

#include <stdarg.h>

/* 0: warnings and errors only (default), 1: info, 2: debug. */
void log_init(int verbosity);
int log_verbosity(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Always said, whatever the verbosity, and no warning: what an
 * administrator keeps (the audit chains' anchors). */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Exit status used by fatal() and fatalx(); `filebroker run` sets 125. */
void log_set_fatal_status(int status);

#endif
