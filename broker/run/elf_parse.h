/*
 * elf_parse.h: what an ELF object needs to load (its interpreter, the
 * libraries it names, where it says to look for them), and the entries of
 * the dynamic loader's cache, from their bytes.  Pure: the caller reads,
 * these only decode (elf_probe.h does the reading), so both are
 * unit-tested and fuzzed without files.
 *
 * The bytes are the user's and may be anything: every size, offset and
 * string is checked against what was read.  Only what the worker can run
 * is understood: 64-bit little-endian x86_64 objects, and the cache's new
 * format ("glibc-ld.so.cache1.1", the only one glibc 2.32 and later write).
 */
#ifndef FB_ELF_PARSE_H
#define FB_ELF_PARSE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ELF_PARSE_NEEDED_MAX 256 /* DT_NEEDED entries kept of one object */
#define ELF_PARSE_PHNUM_MAX 1024 /* program headers of one object */
#define ELF_PARSE_DYN_MAX 8192	 /* dynamic entries read of one object */

/* One object's loading needs, as its headers say. */
struct elf_info {
	char interp[PATH_MAX]; /* PT_INTERP; "" when there is none (static) */
	char *rpath;	       /* DT_RPATH as written, or NULL */
	char *runpath;	       /* DT_RUNPATH as written, or NULL */
	char **needed;	       /* DT_NEEDED names, in order */
	size_t nneeded;
};

/* Reads len bytes at off of the object into buf: returns how many were
 * read (fewer at its end), or -1. */
typedef ssize_t (*elf_parse_read_fn)(void *arg, void *buf, size_t len, uint64_t off);

/*
 * Parse an object through rd.  Returns 0 with *ei filled (free with
 * elf_parse_info_free()), 1 when it is no ELF object of this machine
 * (another architecture, class or byte order, no program headers, or no
 * ELF at all: *ei empty), or -1 with errno EINVAL for one whose headers do
 * not hold together (a size or offset out of bounds, a string without its
 * end: *ei empty), ENOMEM.
 */
int elf_parse_object(elf_parse_read_fn rd, void *arg, struct elf_info *ei);
void elf_parse_info_free(struct elf_info *ei);

/*
 * The x86_64 entries of an ld.so.cache image: fn(name, path, arg) for
 * each, in the cache's order, until fn returns non-zero (then returned).
 * Returns 0, or -1 with errno EINVAL for an image that is not the new
 * format or whose entries point outside it (fn may have been called for
 * the entries before).
 */
int elf_parse_cache(const void *buf, size_t len,
    int (*fn)(const char *name, const char *path, void *arg), void *arg);

#endif
