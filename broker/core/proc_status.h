/*
 * proc_status.h: the one reader of /proc/PID/status (proc_pid_status(5)),
 * for the broker's own thread count (confine.c) and for a task's tgid,
 * credentials and umask (task.c).
 *
 * The file is a list of "Key:\tvalue" lines that the kernel formats on
 * each open.  Reading and parsing are apart: proc_status_read() is the
 * one system call site, the getters are pure and unit-tested.
 */
#ifndef FB_PROC_STATUS_H
#define FB_PROC_STATUS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read the status file path (relative to dirfd, or absolute with
 * AT_FDCWD) into buf, NUL-terminated: its first size - 1 bytes at most,
 * which is enough for the lines near its top (Tgid, Uid and Gid are in
 * the first 400 bytes, Threads in the first 2 KiB).  Returns 0, or -1 with
 * errno (ENODATA for an empty file).
 */
int proc_status_read(int dirfd, const char *path, char *buf, size_t size);

/* The value of the line "key:" in the status text buf (key without the
 * colon), with the blanks after the colon skipped: a pointer into buf, or
 * NULL when there is no such line. */
const char *proc_status_field(const char *buf, const char *key);

/* The first number of the line key, in decimal: 0, or -1 with errno
 * ENOENT (no such line) or EINVAL (no number there). */
int proc_status_long(const char *buf, const char *key, long *v);

/* The "Umask" line (Linux 4.7 and later): an octal number of at most
 * 0777.  0, or -1 with errno ENOENT (no such line: an older kernel, or a
 * task that has let go of its file system information, a zombie) or
 * EINVAL. */
int proc_status_umask(const char *buf, mode_t *mask);

/* 1 when the line key holds four numbers and each is id (the real,
 * effective, saved and file system ids of "Uid" and "Gid"), else 0. */
int proc_status_ids_are(const char *buf, const char *key, unsigned long id);

#endif
