/*
 * fold.c: folders that fold case; see fold.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fold.h"
#include "resolve.h"

#ifndef FS_CASEFOLD_FL
#define FS_CASEFOLD_FL 0x40000000
#endif

/* statmount(2), Linux 6.8; Debian 12's headers predate it. */
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#define FOLD_STATMOUNT_SB_BASIC 0x1u
#define FOLD_STATMOUNT_MNT_BASIC 0x2u

struct fold_mnt_id_req {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
};

/* struct statmount's fixed part, as far as it is read here. */
struct fold_statmount {
	uint32_t size;
	uint32_t mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major, sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags, fs_type;
	uint64_t mnt_id, mnt_parent_id;
	uint64_t rest[60];
};

/* How a file system treats the case of names. */
enum fold_kind {
	K_NEVER,    /* names are bytes: never folds */
	K_ALWAYS,   /* every folder folds */
	K_CASEFOLD, /* the folders with the casefold flag fold */
	K_PROBE,    /* cannot be known from the kind: ask each folder */
};

static const struct {
	uint64_t magic;
	enum fold_kind kind;
} kinds[] = {
	/* Always: FAT (msdos, vfat), exFAT, NTFS (ntfs3, the old ntfs),
	 * SMB (cifs, smb3), HFS, HFS+. */
	{ 0x4d44, K_ALWAYS }, { 0x2011bab0, K_ALWAYS }, { 0x7366746e, K_ALWAYS },
	{ 0x5346544e, K_ALWAYS }, { 0xff534d42, K_ALWAYS }, { 0xfe534d42, K_ALWAYS },
	{ 0x517b, K_ALWAYS }, { 0x4244, K_ALWAYS }, { 0x482b, K_ALWAYS },
	/* Per folder: ext2/3/4, f2fs, tmpfs (devtmpfs too), bcachefs, and
	 * overlayfs over any of them. */
	{ 0xef53, K_CASEFOLD }, { 0xf2f52010, K_CASEFOLD }, { 0x01021994, K_CASEFOLD },
	{ 0xca451a4e, K_CASEFOLD }, { 0x794c7630, K_CASEFOLD },
	/* Never: btrfs, XFS (its deprecated ascii-ci format is not told
	 * apart: threat-model.md), the kernel's own trees (proc, sysfs,
	 * devpts, cgroup, cgroup2, securityfs, debugfs, tracefs, bpf,
	 * configfs, mqueue, hugetlbfs, pstore, efivarfs, binfmt_misc, nsfs,
	 * fusectl, selinuxfs), ramfs, squashfs, erofs, udf, autofs, nilfs2. */
	{ 0x9123683e, K_NEVER }, { 0x58465342, K_NEVER }, { 0x9fa0, K_NEVER },
	{ 0x62656572, K_NEVER }, { 0x1cd1, K_NEVER }, { 0x27e0eb, K_NEVER },
	{ 0x63677270, K_NEVER }, { 0x73636673, K_NEVER }, { 0x64626720, K_NEVER },
	{ 0x74726163, K_NEVER }, { 0xcafe4a11, K_NEVER }, { 0x62656570, K_NEVER },
	{ 0x19800202, K_NEVER }, { 0x958458f6, K_NEVER }, { 0x6165676c, K_NEVER },
	{ 0xde5e81e4, K_NEVER }, { 0x42494e4d, K_NEVER }, { 0x6e736673, K_NEVER },
	{ 0x65735543, K_NEVER }, { 0xf97cff8c, K_NEVER }, { 0x858458f6, K_NEVER },
	{ 0x73717368, K_NEVER }, { 0xe0f5e1e2, K_NEVER }, { 0x15013346, K_NEVER },
	{ 0x0187, K_NEVER }, { 0x3434, K_NEVER },
	/* Anything else, FUSE, 9p, NFS, CephFS, ISO 9660 and JFS among them
	 * (whose folding depends on the server or the mount), is probed. */
};

/* Mount verdicts, by unique mount id: (id << 4) | VALID | CHAIN | kind.
 * Filled with compare-and-swap, read without a lock; never emptied (a
 * unique id is never reused). */
#define FOLD_MOUNTS 1024
#define M_VALID 0x8u
#define M_CHAIN 0x4u /* some mount from the root down to it may fold */

struct fold {
	int casefold; /* the kernel casefolds: K_CASEFOLD folders may fold */
	uint64_t rootmnt;
	uint64_t mounts[FOLD_MOUNTS];
};

static enum fold_kind
kind_of(const struct fold *f, uint64_t magic)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].magic != magic)
			continue;
		if (kinds[i].kind == K_CASEFOLD && !f->casefold)
			return K_NEVER;
		return kinds[i].kind;
	}
	return K_PROBE;
}

static uint64_t
cache_get(const struct fold *f, uint64_t mnt)
{
	size_t i, h = (size_t)(mnt * 0x9e3779b97f4a7c15ull >> 54) & (FOLD_MOUNTS - 1);
	uint64_t e;

	for (i = 0; i < FOLD_MOUNTS; i++, h = (h + 1) & (FOLD_MOUNTS - 1)) {
		e = __atomic_load_n(&f->mounts[h], __ATOMIC_ACQUIRE);
		if (e == 0)
			return 0;
		if (e >> 4 == mnt)
			return e;
	}
	return 0;
}

static void
cache_put(struct fold *f, uint64_t mnt, uint64_t e)
{
	size_t i, h = (size_t)(mnt * 0x9e3779b97f4a7c15ull >> 54) & (FOLD_MOUNTS - 1);
	uint64_t want;

	for (i = 0; i < FOLD_MOUNTS; i++, h = (h + 1) & (FOLD_MOUNTS - 1)) {
		want = 0;
		if (__atomic_compare_exchange_n(&f->mounts[h], &want, e, 0, __ATOMIC_RELEASE,
			__ATOMIC_RELAXED) ||
		    want >> 4 == mnt)
			return;
	}
	/* Full: not kept, asked again next time. */
}

/*
 * The verdict for mount mnt: its kind, and whether it or a mount above it
 * may fold.  Ids too large to pack (never seen: they count from 2^31) and
 * mounts statmount() does not describe are taken as may-fold.
 */
static uint64_t
mount_verdict(struct fold *f, uint64_t mnt, int depth)
{
	struct fold_mnt_id_req req;
	struct fold_statmount sm;
	enum fold_kind k;
	uint64_t e, parent;

	if (mnt == 0 || mnt >> 60 != 0)
		return M_VALID | M_CHAIN | K_PROBE;
	if ((e = cache_get(f, mnt)) != 0)
		return e;
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.mnt_id = mnt;
	req.param = FOLD_STATMOUNT_SB_BASIC | FOLD_STATMOUNT_MNT_BASIC;
	memset(&sm, 0, sizeof(sm));
	if (syscall(SYS_statmount, &req, &sm, sizeof(sm), 0) == -1 ||
	    (sm.mask & (FOLD_STATMOUNT_SB_BASIC | FOLD_STATMOUNT_MNT_BASIC)) !=
		(FOLD_STATMOUNT_SB_BASIC | FOLD_STATMOUNT_MNT_BASIC))
		return M_VALID | M_CHAIN | K_PROBE; /* not kept: may work later */
	k = kind_of(f, sm.sb_magic);
	parent = sm.mnt_parent_id;
	e = mnt << 4 | M_VALID | (uint64_t)k;
	if (k != K_NEVER)
		e |= M_CHAIN;
	else if (parent != mnt &&
	    (depth >= 64 || (mount_verdict(f, parent, depth + 1) & M_CHAIN) != 0))
		e |= M_CHAIN;
	cache_put(f, mnt, e);
	return e;
}

int
fold_chain_may(const struct fsctx *fs, uint64_t mnt)
{
	return (mount_verdict(fs->fold, mnt, 0) & M_CHAIN) != 0;
}

void
fold_never(const struct fsctx *fs, uint64_t mnt)
{
	if (mnt == 0 || mnt >> 60 != 0)
		return;
	cache_put(fs->fold, mnt,
	    mnt << 4 | M_VALID | K_NEVER |
		(mount_verdict(fs->fold, fs->fold->rootmnt, 0) & M_CHAIN));
}

/* Does a file system support casefolded folders in this kernel?  The
 * features its sysfs folder lists (CONFIG_UNICODE). */
static int
kernel_casefolds(void)
{
	static const char *const feat[] = { "/sys/fs/ext4/features/casefold",
		"/sys/fs/f2fs/features/casefold", "/sys/fs/tmpfs/features/casefold",
		"/sys/fs/bcachefs" };
	size_t i;

	for (i = 0; i < sizeof(feat) / sizeof(feat[0]); i++)
		if (access(feat[i], F_OK) == 0)
			return 1;
	return 0;
}

int
fold_init(struct fsctx *fs)
{
	struct stat st;
	struct fold *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->casefold = kernel_casefolds();
	if (fs_statx(fs->root, &st, &f->rootmnt) == -1) {
		free(f);
		return -1;
	}
	fs->fold = f;
	return 0;
}

void
fold_free(struct fsctx *fs)
{
	free(fs->fold);
	fs->fold = NULL;
}

uint64_t
fold_root_mnt(const struct fsctx *fs)
{
	return fs->fold->rootmnt;
}

/* The kind of the folder dirfd on mount dirmnt (0: from fstatfs()). */
static enum fold_kind
folder_kind(const struct fsctx *fs, int dirfd, uint64_t dirmnt)
{
	struct statfs sf;

	if (dirmnt != 0)
		return (enum fold_kind)(mount_verdict(fs->fold, dirmnt, 0) & 3);
	if (fstatfs(dirfd, &sf) == -1)
		return K_PROBE;
	return kind_of(fs->fold, (uint64_t)sf.f_type);
}

/* The casefold flag of folder dirfd; a folder that cannot say folds. */
static int
folder_casefolded(int dirfd)
{
	int fd, flags = 0, r;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return 1;
	r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
	close(fd);
	return r == -1 || (flags & FS_CASEFOLD_FL) != 0;
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
same_fold(const char *a, const char *b)
{
	for (; *a != '\0' && lower((unsigned char)*a) == lower((unsigned char)*b); a++, b++)
		;
	return *a == '\0' && *b == '\0';
}

/*
 * Is name, spelled in the other ASCII case, the same object st?  1 yes (the
 * folder folds), 0 no (it holds the names apart, or has no other
 * spelling), -1 when the name has no ASCII letter to change.
 */
static int
probe(int dirfd, const char *name, const struct stat *st)
{
	char other[NAME_MAX + 1];
	struct stat ost;
	size_t i;
	int fd, letters = 0, r;

	for (i = 0; name[i] != '\0' && i < NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		else if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		letters |= c != (unsigned char)name[i];
		other[i] = (char)c;
	}
	other[i] = '\0';
	if (!letters)
		return -1;
	if ((fd = openat(dirfd, other, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	r = fstat(fd, &ost) == 0 && ost.st_dev == st->st_dev && ost.st_ino == st->st_ino;
	close(fd);
	return r;
}

struct fold_dirent {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * The name folder dirfd holds for the object st that name found: name
 * itself if it is an entry; else the one entry that is the object (by
 * inode); else the one entry equal to name in any ASCII case (a file
 * system whose readdir inode numbers are not its stat's).  0, or -EACCES.
 */
static int
ondisk_name(int dirfd, const char *name, const struct stat *st, char out[NAME_MAX + 1])
{
	char buf[8192] __attribute__((aligned(8)));
	char byino[NAME_MAX + 1], bycase[NAME_MAX + 1];
	int fd, nino = 0, ncase = 0, found = 0;
	const struct fold_dirent *d;
	long n, off;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -EACCES;
	while (!found && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (const struct fold_dirent *)(buf + off);
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
			    strlen(d->d_name) > NAME_MAX)
				continue;
			if (strcmp(d->d_name, name) == 0) {
				found = 1;
				break;
			}
			if (d->d_ino == (uint64_t)st->st_ino && nino++ == 0)
				strcpy(byino, d->d_name);
			if (same_fold(d->d_name, name) && ncase++ == 0)
				strcpy(bycase, d->d_name);
		}
	}
	close(fd);
	if (found)
		strcpy(out, name);
	else if (nino == 1)
		strcpy(out, byino);
	else if (nino == 0 && ncase == 1)
		strcpy(out, bycase);
	else
		return -EACCES;
	return 0;
}

int
fold_name(const struct fsctx *fs, int dirfd, uint64_t dirmnt, const char *name,
    const struct stat *st, char ondisk[NAME_MAX + 1])
{
	int r;

	switch (folder_kind(fs, dirfd, dirmnt)) {
	case K_NEVER:
		return 0;
	case K_CASEFOLD:
		if (!folder_casefolded(dirfd))
			return 0;
		break;
	case K_PROBE:
		/* Nothing found: whatever the folder does, deciding deny
		 * rules in any case costs nothing and allows nothing. */
		if (st != NULL && probe(dirfd, name, st) == 0)
			return 0;
		break;
	case K_ALWAYS:
		break;
	}
	if (st == NULL) {
		strcpy(ondisk, name);
		return 1;
	}
	if ((r = ondisk_name(dirfd, name, st, ondisk)) < 0)
		return r;
	return 1;
}
