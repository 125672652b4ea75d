/*
 * fold.h: folders that fold case, for resolve.c.
 *
 * On vfat, exfat, ntfs3, CIFS, HFS+, in an ext4, f2fs or tmpfs folder with
 * the casefold flag, and in whatever a FUSE file system decides, "SECRET.TXT"
 * names the file "secret.txt".  The broker decides on canonical paths, so
 * such a path must be decided as the name the file system holds, with deny
 * rules matched in any case (policy_decide_fold()): otherwise "deny read
 * /x/secret.txt" would not hold against "cat /x/SECRET.TXT".
 *
 * Which folders may fold is known per mount, from the file system's magic
 * (statmount(2), Linux 6.8; cached by the mount's unique id, which is never
 * reused): some always fold, some never do, some per folder (the casefold
 * flag, asked with FS_IOC_GETFLAGS, and only on a kernel that supports
 * casefolding at all), and the rest (FUSE, 9p, NFS, unknown) are probed: a
 * name looked up in another ASCII case that leads to the same object
 * folds.  In a folder that folds, the name the file system holds is read
 * from the folder (the entry that is the object, by inode; by case when the
 * file system's inode numbers do not match).
 *
 * The fast path (one openat2() for the whole path) is taken only when every
 * mount from "/" down to the object is of a kind that never folds
 * (fold_chain_may()): on an ordinary system that is one cache lookup, no
 * system call.  Anything else is walked a component at a time.
 */
#ifndef FB_FOLD_H
#define FB_FOLD_H

#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>

struct fsctx;

/* What fsctx_init() sets up (fs->fold): the kernel's casefold support, "/"
 * and its mount.  0, or -1 with errno. */
int fold_init(struct fsctx *fs);
void fold_free(struct fsctx *fs);

/* The mount of "/", where the slow walk starts (0: unknown). */
uint64_t fold_root_mnt(const struct fsctx *fs);

/*
 * Mount mnt, which the broker reaches by a descriptor from "/" but which
 * is not in its mount namespace (statmount() cannot describe it), is of a
 * kind that never folds (the worker's procfs, resolve.h): so cached.
 */
void fold_never(const struct fsctx *fs, uint64_t mnt);

/*
 * May a folder on the way from "/" to an object on mount mnt fold case?
 * 0 when every mount from the root down to mnt is of a kind that never
 * folds; 1 when one may (or mnt is 0: the kernel has no unique mount ids),
 * and the path must be walked a component at a time.
 */
int fold_chain_may(const struct fsctx *fs, uint64_t mnt);

/*
 * The name `name` was looked up in folder dirfd (O_PATH; on mount dirmnt,
 * 0 when unknown) and gave the object st (NULL: nothing by that name).
 * Returns 0 when the folder does not fold (the name is as good as any); 1
 * when it folds or may: ondisk then holds the name as the folder holds it
 * (name itself when nothing was found) and the component is to be decided
 * with policy_decide_fold(); -EACCES when the folder folds and none of its
 * entries can be told to be the object.
 */
int fold_name(const struct fsctx *fs, int dirfd, uint64_t dirmnt, const char *name,
    const struct stat *st, char ondisk[NAME_MAX + 1]);

#endif
