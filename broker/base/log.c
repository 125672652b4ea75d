/*
 * log.c: see log.h.  One write(2) per message so that lines from the broker
 * and the worker sharing a stderr do not interleave mid-line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int verbose;
static int fatal_status = 1;

void
log_init(int verbosity)
{
	verbose = verbosity;
}

int
log_verbosity(void)
{
	return verbose;
}

void
log_set_fatal_status(int status)
{
	fatal_status = status;
}

static void
vlog(const char *fmt, va_list ap, const char *errstr)
{
	char buf[2048];
	int n, m;

	n = snprintf(buf, sizeof(buf), "filebroker: ");
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	if (errstr != NULL) {
		m = snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", errstr);
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof(buf) - 1)
			n = (int)sizeof(buf) - 2;
	}
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, (size_t)n);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbose < 2)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, strerror(saved));
	va_end(ap);
	exit(fatal_status);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
	exit(fatal_status);
}
