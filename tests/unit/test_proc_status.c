/*
 * test_proc_status.c: the one /proc/PID/status reader (broker/core/
 * proc_status.c): its getters on a fixed text, and the reader on this
 * process's own file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc_status.h"

static const char text[] = "Name:\tcat\n"
			   "Umask:\t0022\n"
			   "State:\tR (running)\n"
			   "Tgid:\t4242\n"
			   "Ngid:\t0\n"
			   "Pid:\t4243\n"
			   "TracerPid:\t0\n"
			   "Uid:\t1000\t1000\t1000\t1000\n"
			   "Gid:\t100\t100\t101\t100\n"
			   "FDSize:\t64\n"
			   "Threads:\t3\n"
			   "NoNum:\tx\n"
			   "Cut:\t1000\t1000";

static void
test_fields(void **state)
{
	long v;

	(void)state;
	assert_int_equal(strncmp(proc_status_field(text, "Name"), "cat\n", 4), 0);
	assert_int_equal(proc_status_long(text, "Tgid", &v), 0);
	assert_int_equal(v, 4242);
	assert_int_equal(proc_status_long(text, "Pid", &v), 0);
	assert_int_equal(v, 4243);
	assert_int_equal(proc_status_long(text, "Threads", &v), 0);
	assert_int_equal(v, 3);
	/* A key matches a whole key at a line's start: "Pid" is not
	 * "TracerPid", "Gid" is not "Ngid". */
	assert_int_equal(proc_status_long(text, "Ngid", &v), 0);
	assert_int_equal(v, 0);
	assert_null(proc_status_field(text, "Tgi"));
	assert_null(proc_status_field(text, "id"));
	assert_int_equal(proc_status_long(text, "Missing", &v), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(proc_status_long(text, "NoNum", &v), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_ids(void **state)
{
	(void)state;
	assert_int_equal(proc_status_ids_are(text, "Uid", 1000), 1);
	assert_int_equal(proc_status_ids_are(text, "Uid", 0), 0);
	/* One id of four differs: the saved gid. */
	assert_int_equal(proc_status_ids_are(text, "Gid", 100), 0);
	/* Fewer than four. */
	assert_int_equal(proc_status_ids_are(text, "Cut", 1000), 0);
	assert_int_equal(proc_status_ids_are(text, "Nope", 0), 0);
}

static void
test_umask(void **state)
{
	mode_t m = 0;

	(void)state;
	assert_int_equal(proc_status_umask(text, &m), 0);
	assert_int_equal(m, 022);
	assert_int_equal(proc_status_umask("Name:\tx\nUmask:\t0777\n", &m), 0);
	assert_int_equal(m, 0777);
	assert_int_equal(proc_status_umask("Umask:\t0", &m), 0);
	assert_int_equal(m, 0);
	/* Octal, at most 0777, nothing after it on its line. */
	assert_int_equal(proc_status_umask("Umask:\t01000\n", &m), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(proc_status_umask("Umask:\t0028\n", &m), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(proc_status_umask("Umask:\t\n", &m), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(proc_status_umask("Umask:\t-1\n", &m), -1);
	assert_int_equal(errno, EINVAL);
	/* Before Linux 4.7: no such line. */
	assert_int_equal(proc_status_umask("Name:\tx\nState:\tR\n", &m), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_read_self(void **state)
{
	char buf[4096], small[8];
	mode_t m, old;
	long v;

	(void)state;
	assert_int_equal(proc_status_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)), 0);
	assert_int_equal(proc_status_long(buf, "Tgid", &v), 0);
	assert_int_equal(v, (long)getpid());
	assert_int_equal(proc_status_long(buf, "Threads", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(proc_status_ids_are(buf, "Uid", (unsigned long)getuid()),
	    getuid() == geteuid());
	/* A short buffer holds the file's start, terminated. */
	assert_int_equal(proc_status_read(AT_FDCWD, "/proc/self/status", small, sizeof(small)), 0);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(strncmp(small, "Name:", 5), 0);
	old = umask(027);
	assert_int_equal(proc_status_umask(buf, &m), 0);
	assert_int_equal(m, old); /* read before the change */
	assert_int_equal(proc_status_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)), 0);
	umask(old);
	assert_int_equal(proc_status_umask(buf, &m), 0);
	assert_int_equal(m, 027);
	assert_int_equal(proc_status_read(AT_FDCWD, "/proc/0/status", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(proc_status_read(AT_FDCWD, "/dev/null", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODATA);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_umask),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
