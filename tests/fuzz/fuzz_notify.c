/*
 * fuzz_notify.c: libFuzzer target for the seccomp-notification decoder,
 * call_decode() (broker/transparent/notify_call.c): a pure function of a struct
 * seccomp_notif, but for openat2's struct open_how, which it reads from the
 * notification's pid (here this process: an address the input names is
 * read or fails with EFAULT, never anything worse).
 *
 * Input: a little-endian u16 system call number (taken modulo 512, so that
 * every input names one) and up to six u64 arguments; missing bytes are
 * zero.  What the decoder accepts must be a real operation with arguments a
 * handler can take: a known op, a path address or AT_EMPTY_PATH, a
 * readlink buffer of some size.
 *
 * The seed corpus (one well-formed notification of each notified call) is
 * written by this same file:
 *
 *	cc -D_GNU_SOURCE -DFUZZ_NOTIFY_GENERATE -Ibroker/core -Ibroker/transparent -Iclient \
 *	    -Ipolicy -o gen tests/fuzz/fuzz_notify.c broker/transparent/notify_call.c &&
 *	    ./gen tests/fuzz/corpus/fuzz_notify
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "notify_call.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[2 + 6 * 8];
	struct seccomp_notif n;
	struct call c;
	uint16_t nr;
	int e, i;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
	memset(&n, 0, sizeof(n));
	memcpy(&nr, buf, sizeof(nr));
	n.id = 1;
	n.pid = (uint32_t)getpid();
	n.data.nr = nr % 512;
	n.data.arch = AUDIT_ARCH_X86_64;
	for (i = 0; i < 6; i++)
		memcpy(&n.data.args[i], buf + 2 + 8 * i, 8);
	e = call_decode(&n, &c);
	if (e < 0 || e > 4095)
		abort(); /* an errno, or 0 */
	if (e != 0)
		return 0;
	if ((unsigned)c.op >= OP_COUNT)
		abort();
	if (c.op == OP_READLINK && (int64_t)c.out_size <= 0)
		abort();
	if (c.op == OP_OPEN && (c.a.open.flags & O_CLOEXEC))
		abort(); /* ADDFD applies it */
	if (c.chdir == 2 && c.op != OP_STAT)
		abort();
	return 0;
}

#ifdef FUZZ_NOTIFY_GENERATE
int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nr;
		uint64_t a[6];
	} seeds[] = {
		{ "open", SYS_open, { 0x1000, O_RDONLY } },
		{ "openat", SYS_openat, { (uint64_t)AT_FDCWD, 0x1000, O_RDWR | O_CREAT, 0644 } },
		{ "openat2", SYS_openat2, { (uint64_t)AT_FDCWD, 0x1000, 0x2000, 24 } },
		{ "creat", SYS_creat, { 0x1000, 0600 } },
		{ "stat", SYS_stat, { 0x1000, 0x3000 } },
		{ "lstat", SYS_lstat, { 0x1000, 0x3000 } },
		{ "newfstatat", SYS_newfstatat, { 3, 0x1000, 0x3000, AT_EMPTY_PATH } },
		{ "statx", SYS_statx,
		    { (uint64_t)AT_FDCWD, 0x1000, AT_SYMLINK_NOFOLLOW, 0x7ff, 0x3000 } },
		{ "access", SYS_access, { 0x1000, 4 } },
		{ "faccessat2", SYS_faccessat2, { (uint64_t)AT_FDCWD, 0x1000, 2, 0x200 } },
		{ "readlinkat", SYS_readlinkat, { (uint64_t)AT_FDCWD, 0x1000, 0x3000, 4096 } },
		{ "mkdirat", SYS_mkdirat, { (uint64_t)AT_FDCWD, 0x1000, 0755 } },
		{ "mknodat", SYS_mknodat, { (uint64_t)AT_FDCWD, 0x1000, 010644, 0 } },
		{ "unlinkat", SYS_unlinkat, { (uint64_t)AT_FDCWD, 0x1000, 0x200 } },
		{ "renameat2", SYS_renameat2, { 3, 0x1000, 4, 0x2000, 2 } },
		{ "symlinkat", SYS_symlinkat, { 0x2000, (uint64_t)AT_FDCWD, 0x1000 } },
		{ "linkat", SYS_linkat, { 3, 0x1000, 4, 0x2000, 0x400 } },
		{ "utimensat", SYS_utimensat, { (uint64_t)AT_FDCWD, 0x1000, 0x3000, 0x100 } },
		{ "futimesat", SYS_futimesat, { 3, 0x1000, 0x3000 } },
		{ "utime", SYS_utime, { 0x1000, 0 } },
		{ "chmod", SYS_chmod, { 0x1000, 0755 } },
		{ "fchmod", SYS_fchmod, { 5, 0644 } },
		{ "truncate", SYS_truncate, { 0x1000, 10 } },
		{ "statfs", SYS_statfs, { 0x1000, 0x3000 } },
		{ "inotify_add_watch", SYS_inotify_add_watch, { 4, 0x1000, 0x2 } },
		{ "chdir", SYS_chdir, { 0x1000 } },
		{ "fchdir", SYS_fchdir, { 3 } },
	};
	char path[4096];
	uint8_t buf[2 + 6 * 8];
	uint16_t nr;
	size_t i;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		nr = (uint16_t)seeds[i].nr;
		memcpy(buf, &nr, 2);
		memcpy(buf + 2, seeds[i].a, sizeof(seeds[i].a));
		snprintf(path, sizeof(path), "%s/%s", argv[1], seeds[i].name);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(buf, 1, sizeof(buf), f) != sizeof(buf) || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
#endif
