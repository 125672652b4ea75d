/*
 * elf_parse.c: an ELF object's loading needs and the loader's cache, from
 * their bytes; see elf_parse.h.  Pure: no system call, no global state.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "elf_parse.h"

/* The cache's new format (glibc's dl-cache.h): a header of 48 bytes, then
 * entries of 24; strings are offsets from the start of the file. */
#define CACHE_MAGIC "glibc-ld.so.cache1.1"
#define CACHE_HEADER 48
#define CACHE_ENTRY 24
#define CACHE_FLAG_ELF_LIBC6 0x0003
#define CACHE_FLAG_TYPE_MASK 0x00ff
#define CACHE_FLAG_X8664_LIB64 0x0300
#define CACHE_FLAG_REQUIRED_MASK 0xff00

static int
rd_exact(elf_parse_read_fn rd, void *arg, void *buf, size_t len, uint64_t off)
{
	if (rd(arg, buf, len, off) != (ssize_t)len) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* The string at off, of at most avail bytes with its NUL (and at most
 * PATH_MAX): a copy, or NULL with errno. */
static char *
rd_string(elf_parse_read_fn rd, void *arg, uint64_t off, uint64_t avail)
{
	char buf[PATH_MAX], *s;
	size_t len = avail < sizeof(buf) ? (size_t)avail : sizeof(buf);
	ssize_t n;

	if (len == 0 || (n = rd(arg, buf, len, off)) <= 0 || memchr(buf, '\0', (size_t)n) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = strdup(buf)) == NULL)
		errno = ENOMEM;
	return s;
}

/* The file offset of the virtual address v, and how many bytes of its
 * segment follow it there; 0 when no loaded segment holds it. */
static uint64_t
vaddr_off(const Elf64_Phdr *ph, size_t n, uint64_t v, uint64_t *off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || v < ph[i].p_vaddr ||
		    v - ph[i].p_vaddr >= ph[i].p_filesz)
			continue;
		if (ph[i].p_offset > UINT64_MAX - (v - ph[i].p_vaddr))
			return 0;
		*off = ph[i].p_offset + (v - ph[i].p_vaddr);
		return ph[i].p_filesz - (v - ph[i].p_vaddr);
	}
	return 0;
}

/* Where the dynamic section's strings are: the table's file offset and
 * how many of its bytes the file holds. */
struct strtab {
	elf_parse_read_fn rd;
	void *arg;
	uint64_t off, size;
};

/* The string at index i of the table, a copy into *to; 0, or -1. */
static int
get_string(const struct strtab *t, uint64_t i, char **to)
{
	if (i >= t->size) {
		errno = EINVAL;
		return -1;
	}
	return (*to = rd_string(t->rd, t->arg, t->off + i, t->size - i)) == NULL ? -1 : 0;
}

/* The dynamic section's strings: DT_NEEDED, DT_RPATH, DT_RUNPATH. */
static int
parse_dynamic(elf_parse_read_fn rd, void *arg, const Elf64_Phdr *ph, size_t nph,
    const Elf64_Phdr *dyn, struct elf_info *ei)
{
	uint64_t need[ELF_PARSE_NEEDED_MAX], strtab = 0, strsz = 0, rpath = 0, runpath = 0;
	int has_strtab = 0, has_rpath = 0, has_runpath = 0;
	struct strtab t = { rd, arg, 0, 0 };
	size_t n, i, nneed = 0;
	autofree Elf64_Dyn *d = NULL;

	n = (size_t)(dyn->p_filesz / sizeof(Elf64_Dyn));
	if (n > ELF_PARSE_DYN_MAX)
		n = ELF_PARSE_DYN_MAX;
	if (n == 0)
		return 0;
	if ((d = calloc(n, sizeof(*d))) == NULL)
		return -1;
	if (rd_exact(rd, arg, d, n * sizeof(*d), dyn->p_offset) == -1)
		return -1;
	for (i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		switch (d[i].d_tag) {
		case DT_NEEDED:
			if (nneed < ELF_PARSE_NEEDED_MAX)
				need[nneed++] = d[i].d_un.d_val;
			break;
		case DT_STRTAB:
			strtab = d[i].d_un.d_ptr;
			has_strtab = 1;
			break;
		case DT_STRSZ:
			strsz = d[i].d_un.d_val;
			break;
		case DT_RPATH:
			rpath = d[i].d_un.d_val;
			has_rpath = 1;
			break;
		case DT_RUNPATH:
			runpath = d[i].d_un.d_val;
			has_runpath = 1;
			break;
		default:
			break;
		}
	}
	if (nneed == 0 && !has_rpath && !has_runpath)
		return 0;
	/* The table by its address, found in the segment that loads it. */
	if (!has_strtab || (t.size = vaddr_off(ph, nph, strtab, &t.off)) == 0) {
		errno = EINVAL;
		return -1;
	}
	if (strsz < t.size)
		t.size = strsz;
	if ((ei->needed = calloc(nneed + 1, sizeof(*ei->needed))) == NULL)
		return -1;
	for (i = 0; i < nneed; i++) {
		if (get_string(&t, need[i], &ei->needed[i]) == -1)
			return -1;
		ei->nneeded++;
	}
	if (has_rpath && get_string(&t, rpath, &ei->rpath) == -1)
		return -1;
	if (has_runpath && get_string(&t, runpath, &ei->runpath) == -1)
		return -1;
	return 0;
}

int
elf_parse_object(elf_parse_read_fn rd, void *arg, struct elf_info *ei)
{
	autofree Elf64_Phdr *ph = NULL;
	const Elf64_Phdr *dyn = NULL;
	Elf64_Ehdr eh;
	ssize_t n;
	size_t i;

	memset(ei, 0, sizeof(*ei));
	n = rd(arg, &eh, sizeof(eh), 0);
	if (n < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return 1;
	if (n != (ssize_t)sizeof(eh)) {
		errno = EINVAL;
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64 || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
		return 1;
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > ELF_PARSE_PHNUM_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((ph = calloc(eh.e_phnum, sizeof(*ph))) == NULL)
		return -1;
	if (rd_exact(rd, arg, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff) == -1)
		return -1;
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC && dyn == NULL)
			dyn = &ph[i];
		if (ph[i].p_type != PT_INTERP || ei->interp[0] != '\0')
			continue;
		/* As the kernel: a NUL-terminated path that fits. */
		if (ph[i].p_filesz < 2 || ph[i].p_filesz > sizeof(ei->interp) ||
		    rd_exact(rd, arg, ei->interp, (size_t)ph[i].p_filesz, ph[i].p_offset) == -1 ||
		    ei->interp[ph[i].p_filesz - 1] != '\0') {
			ei->interp[0] = '\0';
			errno = EINVAL;
			return -1;
		}
	}
	if (dyn != NULL && parse_dynamic(rd, arg, ph, eh.e_phnum, dyn, ei) == -1) {
		n = errno;
		elf_parse_info_free(ei);
		errno = (int)n;
		return -1;
	}
	return 0;
}

void
elf_parse_info_free(struct elf_info *ei)
{
	size_t i;

	for (i = 0; ei->needed != NULL && i < ei->nneeded; i++)
		free(ei->needed[i]);
	free(ei->needed);
	free(ei->rpath);
	free(ei->runpath);
	memset(ei, 0, sizeof(*ei));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int
elf_parse_cache(const void *buf, size_t len,
    int (*fn)(const char *name, const char *path, void *arg), void *arg)
{
	const unsigned char *b = buf, *e;
	uint32_t nlibs, flags, key, value;
	size_t i;
	int r;

	if (len < CACHE_HEADER || memcmp(b, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0) {
		errno = EINVAL;
		return -1;
	}
	nlibs = get32(b + 20);
	if (nlibs > (len - CACHE_HEADER) / CACHE_ENTRY) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nlibs; i++) {
		e = b + CACHE_HEADER + i * CACHE_ENTRY;
		flags = get32(e);
		key = get32(e + 4);
		value = get32(e + 8);
		if (key >= len || value >= len || memchr(b + key, '\0', len - key) == NULL ||
		    memchr(b + value, '\0', len - value) == NULL) {
			errno = EINVAL;
			return -1;
		}
		if ((flags & CACHE_FLAG_TYPE_MASK) != CACHE_FLAG_ELF_LIBC6 ||
		    (flags & CACHE_FLAG_REQUIRED_MASK) != CACHE_FLAG_X8664_LIB64)
			continue;
		if ((r = fn((const char *)b + key, (const char *)b + value, arg)) != 0)
			return r;
	}
	return 0;
}
