/*
 * landlock.c: the worker's Landlock layer; see landlock.h.
 *
 * Landlock is the wall behind the seccomp filter: if the filter forgot a
 * syscall, or io_uring or a future kernel interface opens a file without
 * passing through it, the deny-all domain still refuses.  It does not stop
 * stat, access, readlink, chdir, chmod, O_PATH opens or connect() to a
 * pathname socket; the filter handles those (docs/threat-model.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"

/* Rights and fields after ABI 2, missing from the 6.1 headers. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef LANDLOCK_CREATE_RULESET_ERRATA
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; the size passed to the kernel
 * is cut to what the running ABI knows. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_EXEC_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE)

static const struct {
	int abi;
	uint64_t right;
	const char *name;
} ll_fs_rights[] = {
	{ 1, LANDLOCK_ACCESS_FS_EXECUTE, "execute" },
	{ 1, LANDLOCK_ACCESS_FS_WRITE_FILE, "write_file" },
	{ 1, LANDLOCK_ACCESS_FS_READ_FILE, "read_file" },
	{ 1, LANDLOCK_ACCESS_FS_READ_DIR, "read_dir" },
	{ 1, LANDLOCK_ACCESS_FS_REMOVE_DIR, "remove_dir" },
	{ 1, LANDLOCK_ACCESS_FS_REMOVE_FILE, "remove_file" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_CHAR, "make_char" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_DIR, "make_dir" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_REG, "make_reg" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_SOCK, "make_sock" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_FIFO, "make_fifo" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_BLOCK, "make_block" },
	{ 1, LANDLOCK_ACCESS_FS_MAKE_SYM, "make_sym" },
	{ 2, LANDLOCK_ACCESS_FS_REFER, "refer" },
	{ 3, LANDLOCK_ACCESS_FS_TRUNCATE, "truncate" },
	{ 5, LANDLOCK_ACCESS_FS_IOCTL_DEV, "ioctl_dev" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Exec rules listed one by one by landlock_describe(); the rest counted. */
#define LL_DESCRIBE_MAX 40

int
landlock_abi(void)
{
	long abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 1 ? 0 : (int)abi;
}

int
landlock_errata(void)
{
	long e;

	e = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_ERRATA);
	return e < 0 ? 0 : (int)e;
}

/* Every filesystem right the ABI knows: all of them are handled. */
static uint64_t
ll_fs_handled(int abi)
{
	uint64_t all = 0;
	size_t i;

	for (i = 0; i < NELEM(ll_fs_rights); i++)
		if (ll_fs_rights[i].abi <= abi)
			all |= ll_fs_rights[i].right;
	return all;
}

/* The ruleset for abi; returns the attribute size that ABI understands. */
static size_t
ll_attr(int abi, int allow_net, struct ll_ruleset_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->handled_access_fs = ll_fs_handled(abi);
	if (abi >= 4 && !allow_net)
		attr->handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
		    LANDLOCK_ACCESS_NET_CONNECT_TCP;
	/* Even with network allowed: a worker running as the broker's uid must
	 * not signal it or reach its abstract sockets. */
	if (abi >= 6)
		attr->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	if (abi >= 6)
		return sizeof(*attr);
	if (abi >= 4)
		return 2 * sizeof(uint64_t);
	return sizeof(uint64_t);
}

int
landlock_ruleset_new(int abi, int allow_net)
{
	struct ll_ruleset_attr attr;
	size_t size;

	if (abi < 1) {
		errno = ENOTSUP;
		return -1;
	}
	size = ll_attr(abi, allow_net, &attr);
	return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
}

/* One rule on the object fd names: a file (file rights only), or a folder
 * for everything beneath.  EXECUTE and READ_FILE are both file rights, so
 * the same mask works for a folder and for a file.  A second rule on an
 * object already in the ruleset adds its rights to the first's. */
static int
ll_add_rule(int ruleset, int fd, uint64_t rights)
{
	struct landlock_path_beneath_attr pb;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	return syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1 ?
	    -1 :
	    0;
}

int
landlock_ruleset_add_exec(int ruleset, int fd)
{
	return ll_add_rule(ruleset, fd, LL_EXEC_RIGHTS);
}

/* READ_FILE alone: the loader maps what it read, and mmap(2), even with
 * PROT_EXEC, is no Landlock access; EXECUTE is checked by execve only. */
int
landlock_ruleset_add_read(int ruleset, int fd)
{
	return ll_add_rule(ruleset, fd, LANDLOCK_ACCESS_FS_READ_FILE);
}

int
landlock_ruleset_add_removal(int ruleset, int fd, int contents)
{
	uint64_t rights = LANDLOCK_ACCESS_FS_REMOVE_DIR;

	/* Moving a folder up within the tree (a new entry, and from ABI 2 a
	 * change of parent) is part of removing it. */
	if (contents)
		rights |= LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_DIR |
		    (landlock_abi() >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0);
	return ll_add_rule(ruleset, fd, rights);
}

int
landlock_restrict(int ruleset)
{
	return syscall(SYS_landlock_restrict_self, ruleset, 0) == -1 ? -1 : 0;
}

/* One exec rule: the object the path names now, by descriptor, so a later
 * rename of the path does not matter. */
int
landlock_ruleset_add_exec_path(int ruleset, const char *path)
{
	int fd, saved, rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	rc = landlock_ruleset_add_exec(ruleset, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
landlock_apply(int abi, const char *const *exec_paths, int allow_net, const char **bad)
{
	size_t i;
	int ruleset, saved;

	*bad = NULL;
	if ((ruleset = landlock_ruleset_new(abi, allow_net)) == -1)
		return -1;
	for (i = 0; exec_paths != NULL && exec_paths[i] != NULL; i++) {
		if (landlock_ruleset_add_exec_path(ruleset, exec_paths[i]) == -1) {
			*bad = exec_paths[i];
			goto fail;
		}
	}
	if (landlock_restrict(ruleset) == -1)
		goto fail;
	close(ruleset);
	return 0;
fail:
	saved = errno;
	close(ruleset);
	errno = saved;
	return -1;
}

void
landlock_describe(FILE *out, int abi, const char *const *exec_paths, int allow_net)
{
	struct ll_ruleset_attr attr;
	struct stat st;
	size_t i, n = 0;

	if (abi < 1) {
		fprintf(out, "landlock:     not available on this kernel\n");
		return;
	}
	(void)ll_attr(abi, allow_net, &attr);
	for (i = 0; i < NELEM(ll_fs_rights); i++)
		n += ll_fs_rights[i].abi <= abi;
	fprintf(out,
	    "landlock:     ABI %d; %zu filesystem rights handled, none granted but exec rules\n",
	    abi, n);
	fprintf(out, "landlock fs:  ");
	for (i = 0; i < NELEM(ll_fs_rights); i++)
		if (ll_fs_rights[i].abi <= abi)
			fprintf(out, "%s%s", i ? " " : "", ll_fs_rights[i].name);
	fprintf(out, "\n");
	if (abi < 4)
		fprintf(out, "landlock net: not in this ABI (seccomp refuses sockets instead)\n");
	else if (attr.handled_access_net)
		fprintf(out, "landlock net: tcp bind and connect handled, none granted\n");
	else
		fprintf(out, "landlock net: not handled (network allowed)\n");
	if (attr.scoped)
		fprintf(out,
		    "landlock scope: signals, abstract unix sockets (nothing outside the "
		    "domain)\n");
	else
		fprintf(out,
		    "landlock scope: none in this ABI (needs 6): same-uid signals and "
		    "abstract sockets are not scoped\n");
	for (i = 0; exec_paths != NULL && exec_paths[i] != NULL; i++) {
		const char *what = "missing";

		if (i == LL_DESCRIBE_MAX) {
			while (exec_paths[i] != NULL)
				i++;
			fprintf(out, "landlock rule: ... and %zu more\n", i - LL_DESCRIBE_MAX);
			break;
		}
		if (stat(exec_paths[i], &st) == 0)
			what = S_ISDIR(st.st_mode) ? "folder, beneath" : "file";
		fprintf(out, "landlock rule: %s: execute, read_file (%s)\n", exec_paths[i], what);
	}
	if (exec_paths == NULL || exec_paths[0] == NULL)
		fprintf(out, "landlock rule: none (no exec allowed)\n");
}
